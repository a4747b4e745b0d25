/*
 * fake_nvml.c - a stand-in libnvidia-ml that plays the GPUs' part.
 *
 * The build and test machines have no GPU and no NVIDIA driver, so this small
 * real shared library answers the NVML calls probes/lib/nvml.c makes, with
 * NVML's own names, signatures and return codes. Tests load it through
 * SHAKEDOWN_NVML_LIB=$(BUILDDIR)/tests/fakes/libnvml.so.
 *
 * It reports two "NVIDIA H100 80GB HBM3" with 80 GiB each, driver 580.65.06,
 * CUDA driver 13000 (13.0). Both support PCIe gen 5 x16; GPU 0 runs at gen 5
 * x16, GPU 1 at gen 4 x8: a degraded link for the probes to notice. Memory:
 * HBM3 at a max memory clock of 2619 MHz on a 5120-bit bus (3.35 TB/s).
 *
 * Knobs, read by nvmlInit_v2:
 *   FAKE_NVML_GPUS=N       report N GPUs (0..2; default 2)
 *   FAKE_NVML_INIT_RC=RC   make nvmlInit_v2 fail with NVML return code RC
 *                          (9: Driver Not Loaded, as on a host without driver)
 *
 * Every call but nvmlErrorString answers NVML_ERROR_UNINITIALIZED before
 * nvmlInit_v2 and after the matching nvmlShutdown, as the real library does.
 */
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
};

typedef struct {
	char busIdLegacy[16];
	unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
	char busId[32];
} nvmlPciInfo_t;

typedef struct {
	unsigned long long total, free, used;
} nvmlMemory_t;

struct nvmlDevice_st {
	const char *uuid;
	const char *bus_id;
	unsigned int bus;
	unsigned int gen, width; /* link as trained now */
	unsigned int temperature;
	unsigned int power_mw;
};

#define FAKE_NAME "NVIDIA H100 80GB HBM3"
#define FAKE_MEMORY (80ULL << 30)
#define FAKE_DRIVER "580.65.06"
#define FAKE_CUDA 13000
#define FAKE_MAX_GEN 5
#define FAKE_MAX_WIDTH 16
#define FAKE_POWER_LIMIT_MW 700000
#define FAKE_MAX_MEM_CLOCK_MHZ 2619 /* H100 SXM5 HBM3; graphics and SM clocks top out at 1980 MHz */
#define FAKE_MAX_SM_CLOCK_MHZ 1980
#define FAKE_MAX_VIDEO_CLOCK_MHZ 1545
#define FAKE_MEM_BUS_WIDTH 5120

static struct nvmlDevice_st gpus[] = {
	{ "GPU-5f0c6c3e-1d4b-4b0a-9c61-0a1e2d3c4b5a", "00000000:18:00.0", 0x18, 5, 16, 34, 71250 },
	{ "GPU-8a7b6c5d-4e3f-4a1b-8c2d-3e4f5a6b7c8d", "00000000:2A:00.0", 0x2a, 4, 8, 36, 69875 },
};

static int refs;
static unsigned int ngpus;

/* NVML's entry points, declared here because no header of ours may name them. */
nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlShutdown(void);
const char *nvmlErrorString(nvmlReturn_t rc);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length);
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version);
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length);
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length);
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci);
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory);
nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *gen);
nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t device, unsigned int *gen);
nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *width);
nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t device, unsigned int *width);
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp);
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power);
nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit);
nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t device, int *current, int *pending);
nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, int type, unsigned int *clock);
nvmlReturn_t nvmlDeviceGetMemoryBusWidth(nvmlDevice_t device, unsigned int *bus_width);

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	return *end ? def : v;
}

/* NVML_ERROR_UNINITIALIZED unless initialised and the device is one of ours. */
static nvmlReturn_t check_device(nvmlDevice_t device, const void *out)
{
	unsigned int i;

	if (!refs)
		return NVML_ERROR_UNINITIALIZED;
	for (i = 0; out && i < ngpus; i++)
		if (device == &gpus[i])
			return NVML_SUCCESS;
	return NVML_ERROR_INVALID_ARGUMENT;
}

static nvmlReturn_t copy_string(char *dst, unsigned int length, const char *src)
{
	size_t n = strlen(src);

	if (!dst)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (length < n + 1)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	memcpy(dst, src, n + 1);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void)
{
	long rc = env_long("FAKE_NVML_INIT_RC", 0);
	long n = env_long("FAKE_NVML_GPUS", 2);

	if (rc)
		return (nvmlReturn_t)rc;
	ngpus = n < 0 ? 0 : n > 2 ? 2 : (unsigned int)n;
	refs++;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
	if (!refs)
		return NVML_ERROR_UNINITIALIZED;
	refs--;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t rc)
{
	switch (rc) {
	case NVML_SUCCESS:
		return "Success";
	case NVML_ERROR_UNINITIALIZED:
		return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT:
		return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED:
		return "Not Supported";
	case NVML_ERROR_INSUFFICIENT_SIZE:
		return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED:
		return "Driver Not Loaded";
	default:
		return "Unknown Error";
	}
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	if (!refs)
		return NVML_ERROR_UNINITIALIZED;
	if (!count)
		return NVML_ERROR_INVALID_ARGUMENT;
	*count = ngpus;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	if (!refs)
		return NVML_ERROR_UNINITIALIZED;
	if (!device || index >= ngpus)
		return NVML_ERROR_INVALID_ARGUMENT;
	*device = &gpus[index];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
	if (!refs)
		return NVML_ERROR_UNINITIALIZED;
	return copy_string(version, length, FAKE_DRIVER);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version)
{
	if (!refs)
		return NVML_ERROR_UNINITIALIZED;
	if (!version)
		return NVML_ERROR_INVALID_ARGUMENT;
	*version = FAKE_CUDA;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	nvmlReturn_t rc = check_device(device, name);

	return rc ? rc : copy_string(name, length, FAKE_NAME);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
	nvmlReturn_t rc = check_device(device, uuid);

	return rc ? rc : copy_string(uuid, length, device->uuid);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
	nvmlReturn_t rc = check_device(device, pci);

	if (rc)
		return rc;
	memset(pci, 0, sizeof(*pci));
	copy_string(pci->busIdLegacy, sizeof(pci->busIdLegacy), device->bus_id + 4);
	copy_string(pci->busId, sizeof(pci->busId), device->bus_id);
	pci->bus = device->bus;
	pci->pciDeviceId = 0x233010de; /* H100 SXM5: device 0x2330, vendor 0x10de */
	pci->pciSubSystemId = 0x16c110de;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
	nvmlReturn_t rc = check_device(device, memory);

	if (rc)
		return rc;
	memory->total = FAKE_MEMORY;
	memory->used = 512ULL << 20;
	memory->free = memory->total - memory->used;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *gen)
{
	nvmlReturn_t rc = check_device(device, gen);

	if (!rc)
		*gen = device->gen;
	return rc;
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t device, unsigned int *gen)
{
	nvmlReturn_t rc = check_device(device, gen);

	if (!rc)
		*gen = FAKE_MAX_GEN;
	return rc;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *width)
{
	nvmlReturn_t rc = check_device(device, width);

	if (!rc)
		*width = device->width;
	return rc;
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t device, unsigned int *width)
{
	nvmlReturn_t rc = check_device(device, width);

	if (!rc)
		*width = FAKE_MAX_WIDTH;
	return rc;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp)
{
	nvmlReturn_t rc = check_device(device, temp);

	if (rc)
		return rc;
	if (sensor != 0) /* NVML_TEMPERATURE_GPU is the only sensor */
		return NVML_ERROR_INVALID_ARGUMENT;
	*temp = device->temperature;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	nvmlReturn_t rc = check_device(device, power);

	if (!rc)
		*power = device->power_mw;
	return rc;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit)
{
	nvmlReturn_t rc = check_device(device, limit);

	if (!rc)
		*limit = FAKE_POWER_LIMIT_MW;
	return rc;
}

nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t device, int *current, int *pending)
{
	nvmlReturn_t rc = check_device(device, current);

	if (rc)
		return rc;
	if (!pending)
		return NVML_ERROR_INVALID_ARGUMENT;
	*current = 1;
	*pending = 1;
	return NVML_SUCCESS;
}

/* type is nvmlClockType_t: 0 graphics, 1 SM, 2 memory, 3 video. */
nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
	static const unsigned int mhz[] = { FAKE_MAX_SM_CLOCK_MHZ, FAKE_MAX_SM_CLOCK_MHZ, FAKE_MAX_MEM_CLOCK_MHZ,
					    FAKE_MAX_VIDEO_CLOCK_MHZ };
	nvmlReturn_t rc = check_device(device, clock);

	if (rc)
		return rc;
	if (type < 0 || type > 3)
		return NVML_ERROR_INVALID_ARGUMENT;
	*clock = mhz[type];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryBusWidth(nvmlDevice_t device, unsigned int *bus_width)
{
	nvmlReturn_t rc = check_device(device, bus_width);

	if (!rc)
		*bus_width = FAKE_MEM_BUS_WIDTH;
	return rc;
}
