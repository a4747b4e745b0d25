/*
 * fake_nvml.c - a small real stand-in library that plays the driver (libnvidia-ml) and the GPUs.
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
 * Node configuration (the audit probe), read at each call; unset: as above:
 *   FAKE_NVML_PCIE=GxW,... the current link of GPU 0, 1, ... ("5x16,5x16":
 *                          both healthy); GPUs not listed keep their link
 *   FAKE_NVML_PERSISTENCE=0|1  persistence mode of every GPU (default 1)
 *   FAKE_NVML_MIG=0|1          MIG mode, current and pending (default 0)
 *   FAKE_NVML_COMPUTE_MODE=M   compute mode (default 0, Default)
 *   FAKE_NVML_ECC=0|1          ECC mode of every GPU (default 1)
 *   FAKE_NVML_REMAP_PENDING=0|1  a row remap waits for a reset on GPU 0 (default 0)
 *   FAKE_NVML_NVLINK=N,...     NVLink links up on GPU 0, 1, ...: links 0..N-1
 *                              active, the rest of the 18 inactive; GPUs not
 *                              listed have all 18 up (an HGX H100 baseboard);
 *                              "none": no NVLink at all (Not Supported, as on
 *                              a PCIe card)
 *   FAKE_NVML_VBIOS=V,...      VBIOS version of GPU 0, 1, ... (default
 *                              96.00.99.00.01 for each)
 *
 * Scripted GPU (the soak probe's telemetry), on when FAKE_NVML_SCRIPT=P is set,
 * P the script's period in seconds (> 0). Time t runs from nvmlInit_v2 (the
 * monotonic clock), or is FAKE_NVML_T=seconds when that is set, so a test
 * can play any instant. Every GPU plays the same script:
 *   temperature   40 C at t = 0, rising linearly to 80 C at t = 0.4 P, then
 *                 flat at 80 C; memory (HBM) temperature 5 C above it
 *   power         limit 700 W; draw 300 W at t = 0 rising linearly to 700 W
 *                 at 0.4 P, then held at the cap: 700 W with the SW power cap
 *                 reason (0x4) set from 0.4 P on
 *   energy        the exact integral of that draw, in mJ
 *   throttle      a thermal episode 0.5 P <= t < 0.7 P: HW and SW thermal
 *                 slowdown (0x40 | 0x20) set, SM clock 1410 MHz instead of
 *                 1980 MHz; memory clock 2619 MHz throughout
 *   ECC, replays  0 corrected, 0 uncorrected ECC errors, 0 PCIe replays
 * Without the script the new calls answer steady values: the device's
 * temperature and power above, clocks at their maximum, no reasons set.
 *
 * Every call but nvmlErrorString answers NVML_ERROR_UNINITIALIZED before
 * nvmlInit_v2 and after the matching nvmlShutdown, as the real library does.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
#define FAKE_NVLINKS 18 /* NVML_NVLINK_MAX_LINKS; H100 SXM5 has 18 NVLink4 links */
#define FAKE_VBIOS "96.00.99.00.01"

static struct nvmlDevice_st gpus[] = {
	{ "GPU-5f0c6c3e-1d4b-4b0a-9c61-0a1e2d3c4b5a", "00000000:18:00.0", 0x18, 5, 16, 34, 71250 },
	{ "GPU-8a7b6c5d-4e3f-4a1b-8c2d-3e4f5a6b7c8d", "00000000:2A:00.0", 0x2a, 4, 8, 36, 69875 },
};

static int refs;
static unsigned int ngpus;
static double init_t; /* monotonic seconds at nvmlInit_v2 */

typedef struct {
	unsigned int fieldId, scopeId;
	long long timestamp, latencyUsec;
	int valueType;
	nvmlReturn_t nvmlReturn;
	union {
		double dVal;
		unsigned int uiVal;
		unsigned long ulVal;
		unsigned long long ullVal;
		long long sllVal;
		int siVal;
		unsigned short usVal;
	} value;
} nvmlFieldValue_t;

#define FAKE_FI_DEV_MEMORY_TEMP 82
#define FAKE_THROTTLED_SM_CLOCK_MHZ 1410
#define FAKE_REASON_SW_POWER_CAP 0x4ull
#define FAKE_REASON_SW_THERMAL 0x20ull
#define FAKE_REASON_HW_THERMAL 0x40ull

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
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock);
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy);
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *reasons);
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *reasons);
nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t *values);
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int error_type, int counter_type,
					 unsigned long long *count);
nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned int *value);
nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t device, int *mode);
nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current, unsigned int *pending);
nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t device, int *mode);
nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t device, int *pending);
nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned int *corr, unsigned int *unc,
				       unsigned int *pending, unsigned int *failure);
nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, int *is_active);
nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char *version, unsigned int length);

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

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double env_double(const char *name, double def)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (!s || !*s)
		return def;
	v = strtod(s, &end);
	return *end ? def : v;
}

/* The script's period P in seconds, 0 when the script is off; *t the script's time now. */
static double script(double *t)
{
	double p = env_double("FAKE_NVML_SCRIPT", 0);

	*t = env_double("FAKE_NVML_T", mono() - init_t);
	if (*t < 0)
		*t = 0;
	return p > 0 ? p : 0;
}

static unsigned int script_temperature(nvmlDevice_t device)
{
	double t, p = script(&t);

	if (!p)
		return device->temperature;
	return t >= 0.4 * p ? 80 : (unsigned int)(40 + 40 * t / (0.4 * p));
}

/* Power draw in mW and the energy used up to t in mJ. */
static void script_power(nvmlDevice_t device, unsigned int *mw, unsigned long long *mj)
{
	double t, p = script(&t), r = 0.4 * p, w, e;

	if (!p) {
		*mw = device->power_mw;
		*mj = (unsigned long long)(device->power_mw * t); /* mW * s = mJ */
		return;
	}
	if (t < r) {
		w = 300 + 400 * t / r;
		e = 300 * t + 200 * t * t / r;
	} else {
		w = 700;
		e = 300 * r + 200 * r + 700 * (t - r);
	}
	*mw = (unsigned int)(w * 1000 + 0.5);
	*mj = (unsigned long long)(e * 1000 + 0.5);
}

static int script_thermal_episode(void)
{
	double t, p = script(&t);

	return p && t >= 0.5 * p && t < 0.7 * p;
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
	if (!refs)
		init_t = mono();
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

/* The link of device from FAKE_NVML_PCIE ("GxW,GxW"), or its own when the variable does not list it. */
static void fake_link(nvmlDevice_t device, unsigned int *gen, unsigned int *width)
{
	const char *s = getenv("FAKE_NVML_PCIE");
	unsigned int i, idx = (unsigned int)(device - gpus);
	unsigned long g, w;
	char *end;

	*gen = device->gen;
	*width = device->width;
	for (i = 0; s && *s && i < idx; i++) {
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
	if (!s || !*s)
		return;
	g = strtoul(s, &end, 10);
	if (*end != 'x')
		return;
	w = strtoul(end + 1, &end, 10);
	if (g && w) {
		*gen = (unsigned int)g;
		*width = (unsigned int)w;
	}
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *gen)
{
	nvmlReturn_t rc = check_device(device, gen);
	unsigned int w;

	if (!rc)
		fake_link(device, gen, &w);
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
	unsigned int g;

	if (!rc)
		fake_link(device, &g, width);
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
	*temp = script_temperature(device);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	nvmlReturn_t rc = check_device(device, power);
	unsigned long long mj;

	if (!rc)
		script_power(device, power, &mj);
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
	*current = env_long("FAKE_NVML_ECC", 1) != 0;
	*pending = *current;
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

/* type is nvmlClockType_t: 0 graphics, 1 SM, 2 memory, 3 video. */
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
	nvmlReturn_t rc = nvmlDeviceGetMaxClockInfo(device, type, clock);

	if (!rc && type <= 1 && script_thermal_episode())
		*clock = FAKE_THROTTLED_SM_CLOCK_MHZ;
	return rc;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)
{
	nvmlReturn_t rc = check_device(device, energy);
	unsigned int mw;

	if (!rc)
		script_power(device, &mw, energy);
	return rc;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *reasons)
{
	nvmlReturn_t rc = check_device(device, reasons);
	double t, p;

	if (rc)
		return rc;
	p = script(&t);
	*reasons = 0;
	if (p && t >= 0.4 * p)
		*reasons |= FAKE_REASON_SW_POWER_CAP;
	if (script_thermal_episode())
		*reasons |= FAKE_REASON_SW_THERMAL | FAKE_REASON_HW_THERMAL;
	return NVML_SUCCESS;
}

/* The name drivers before 535 export, same bits. */
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *reasons)
{
	return nvmlDeviceGetCurrentClocksEventReasons(device, reasons);
}

/* Only NVML_FI_DEV_MEMORY_TEMP is known; other fields answer Not Supported in their own nvmlReturn. */
nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t *values)
{
	nvmlReturn_t rc = check_device(device, values);
	int i;

	if (rc)
		return rc;
	for (i = 0; i < count; i++) {
		values[i].nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
		if (values[i].fieldId != FAKE_FI_DEV_MEMORY_TEMP)
			continue;
		values[i].nvmlReturn = NVML_SUCCESS;
		values[i].valueType = 1; /* NVML_VALUE_TYPE_UNSIGNED_INT */
		values[i].value.uiVal = script_temperature(device) + 5;
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int error_type, int counter_type,
					 unsigned long long *count)
{
	nvmlReturn_t rc = check_device(device, count);

	if (rc)
		return rc;
	if (error_type < 0 || error_type > 1 || counter_type < 0 || counter_type > 1)
		return NVML_ERROR_INVALID_ARGUMENT;
	*count = 0;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned int *value)
{
	nvmlReturn_t rc = check_device(device, value);

	if (!rc)
		*value = 0;
	return rc;
}

nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t device, int *mode)
{
	nvmlReturn_t rc = check_device(device, mode);

	if (!rc)
		*mode = env_long("FAKE_NVML_PERSISTENCE", 1) != 0;
	return rc;
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current, unsigned int *pending)
{
	nvmlReturn_t rc = check_device(device, current);

	if (rc)
		return rc;
	if (!pending)
		return NVML_ERROR_INVALID_ARGUMENT;
	*current = *pending = env_long("FAKE_NVML_MIG", 0) != 0;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t device, int *mode)
{
	nvmlReturn_t rc = check_device(device, mode);

	if (!rc)
		*mode = (int)env_long("FAKE_NVML_COMPUTE_MODE", 0);
	return rc;
}

/* An H100 retires no pages (it remaps rows): Not Supported, as the real driver answers there. */
nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t device, int *pending)
{
	nvmlReturn_t rc = check_device(device, pending);

	return rc ? rc : NVML_ERROR_NOT_SUPPORTED;
}

nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned int *corr, unsigned int *unc,
				       unsigned int *pending, unsigned int *failure)
{
	nvmlReturn_t rc = check_device(device, corr);

	if (rc)
		return rc;
	if (!unc || !pending || !failure)
		return NVML_ERROR_INVALID_ARGUMENT;
	*corr = *unc = *failure = 0;
	*pending = device == &gpus[0] && env_long("FAKE_NVML_REMAP_PENDING", 0) != 0;
	*unc = *pending;
	return NVML_SUCCESS;
}

/* Item idx of the comma-separated list in environment variable name, into buf; 0 when it has none. */
static int env_item(const char *name, unsigned int idx, char *buf, size_t len)
{
	const char *s = getenv(name), *end;
	unsigned int i;
	size_t n;

	for (i = 0; s && *s && i < idx; i++) {
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
	if (!s || !*s || *s == ',')
		return 0;
	end = strchr(s, ',');
	n = end ? (size_t)(end - s) : strlen(s);
	if (n >= len)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 1;
}

nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, int *is_active)
{
	nvmlReturn_t rc = check_device(device, is_active);
	const char *s = getenv("FAKE_NVML_NVLINK");
	char item[32], *end;
	unsigned long up = FAKE_NVLINKS;

	if (rc)
		return rc;
	if (s && !strcmp(s, "none"))
		return NVML_ERROR_NOT_SUPPORTED;
	if (link >= FAKE_NVLINKS)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (env_item("FAKE_NVML_NVLINK", (unsigned int)(device - gpus), item, sizeof(item))) {
		up = strtoul(item, &end, 10);
		if (*end)
			up = FAKE_NVLINKS;
	}
	*is_active = link < up; /* NVML_FEATURE_ENABLED 1, NVML_FEATURE_DISABLED 0 */
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char *version, unsigned int length)
{
	nvmlReturn_t rc = check_device(device, version);
	char item[64];

	if (rc)
		return rc;
	if (env_item("FAKE_NVML_VBIOS", (unsigned int)(device - gpus), item, sizeof(item)))
		return copy_string(version, length, item);
	return copy_string(version, length, FAKE_VBIOS);
}
