/* nvml.c - NVML through dlopen; the contract and how to add a function are in nvml.h. */
#include "nvml.h"
#include "strbuf.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The NVML signatures we call, by shape. NVML's enums travel as int. */
typedef nvml_return_t (*fn_void)(void);
typedef const char *(*fn_error_string)(nvml_return_t);
typedef nvml_return_t (*fn_count)(unsigned int *);
typedef nvml_return_t (*fn_handle)(unsigned int, nvml_device_t *);
typedef nvml_return_t (*fn_sys_string)(char *, unsigned int);
typedef nvml_return_t (*fn_sys_int)(int *);
typedef nvml_return_t (*fn_dev_string)(nvml_device_t, char *, unsigned int);
typedef nvml_return_t (*fn_dev_pci)(nvml_device_t, struct nvml_pci_info *);
typedef nvml_return_t (*fn_dev_memory)(nvml_device_t, struct nvml_memory *);
typedef nvml_return_t (*fn_dev_uint)(nvml_device_t, unsigned int *);
typedef nvml_return_t (*fn_dev_temperature)(nvml_device_t, int, unsigned int *);
typedef nvml_return_t (*fn_dev_ecc)(nvml_device_t, int *, int *);
typedef nvml_return_t (*fn_dev_clock)(nvml_device_t, int, unsigned int *);
typedef nvml_return_t (*fn_dev_ull)(nvml_device_t, unsigned long long *);
typedef nvml_return_t (*fn_dev_fields)(nvml_device_t, int, struct nvml_field_value *);
typedef nvml_return_t (*fn_dev_ecc_count)(nvml_device_t, int, int, unsigned long long *);
typedef nvml_return_t (*fn_dev_int)(nvml_device_t, int *);
typedef nvml_return_t (*fn_dev_uint2)(nvml_device_t, unsigned int *, unsigned int *);
typedef nvml_return_t (*fn_dev_link_int)(nvml_device_t, unsigned int, int *);
typedef nvml_return_t (*fn_dev_uint4)(nvml_device_t, unsigned int *, unsigned int *, unsigned int *, unsigned int *);

static const struct {
	const char *name;
	int required;
} syms[NVML_SYM_COUNT] = {
	[NVML_SYM_INIT] = { "nvmlInit_v2", 1 },
	[NVML_SYM_SHUTDOWN] = { "nvmlShutdown", 1 },
	[NVML_SYM_ERROR_STRING] = { "nvmlErrorString", 1 },
	[NVML_SYM_DEVICE_COUNT] = { "nvmlDeviceGetCount_v2", 1 },
	[NVML_SYM_DEVICE_HANDLE] = { "nvmlDeviceGetHandleByIndex_v2", 1 },
	[NVML_SYM_DRIVER_VERSION] = { "nvmlSystemGetDriverVersion", 0 },
	[NVML_SYM_CUDA_DRIVER_VERSION] = { "nvmlSystemGetCudaDriverVersion", 0 },
	[NVML_SYM_DEVICE_NAME] = { "nvmlDeviceGetName", 0 },
	[NVML_SYM_DEVICE_UUID] = { "nvmlDeviceGetUUID", 0 },
	[NVML_SYM_DEVICE_PCI_INFO] = { "nvmlDeviceGetPciInfo_v3", 0 },
	[NVML_SYM_DEVICE_MEMORY_INFO] = { "nvmlDeviceGetMemoryInfo", 0 },
	[NVML_SYM_DEVICE_CURR_PCIE_GEN] = { "nvmlDeviceGetCurrPcieLinkGeneration", 0 },
	[NVML_SYM_DEVICE_MAX_PCIE_GEN] = { "nvmlDeviceGetMaxPcieLinkGeneration", 0 },
	[NVML_SYM_DEVICE_CURR_PCIE_WIDTH] = { "nvmlDeviceGetCurrPcieLinkWidth", 0 },
	[NVML_SYM_DEVICE_MAX_PCIE_WIDTH] = { "nvmlDeviceGetMaxPcieLinkWidth", 0 },
	[NVML_SYM_DEVICE_TEMPERATURE] = { "nvmlDeviceGetTemperature", 0 },
	[NVML_SYM_DEVICE_POWER_USAGE] = { "nvmlDeviceGetPowerUsage", 0 },
	[NVML_SYM_DEVICE_POWER_LIMIT] = { "nvmlDeviceGetEnforcedPowerLimit", 0 },
	[NVML_SYM_DEVICE_ECC_MODE] = { "nvmlDeviceGetEccMode", 0 },
	[NVML_SYM_DEVICE_MAX_CLOCK] = { "nvmlDeviceGetMaxClockInfo", 0 },
	[NVML_SYM_DEVICE_MEM_BUS_WIDTH] = { "nvmlDeviceGetMemoryBusWidth", 0 },
	[NVML_SYM_DEVICE_CLOCK_INFO] = { "nvmlDeviceGetClockInfo", 0 },
	[NVML_SYM_DEVICE_TOTAL_ENERGY] = { "nvmlDeviceGetTotalEnergyConsumption", 0 },
	[NVML_SYM_DEVICE_CLOCKS_EVENT_REASONS] = { "nvmlDeviceGetCurrentClocksEventReasons", 0 },
	[NVML_SYM_DEVICE_CLOCKS_THROTTLE_REASONS] = { "nvmlDeviceGetCurrentClocksThrottleReasons", 0 },
	[NVML_SYM_DEVICE_FIELD_VALUES] = { "nvmlDeviceGetFieldValues", 0 },
	[NVML_SYM_DEVICE_TOTAL_ECC_ERRORS] = { "nvmlDeviceGetTotalEccErrors", 0 },
	[NVML_SYM_DEVICE_PCIE_REPLAY_COUNTER] = { "nvmlDeviceGetPcieReplayCounter", 0 },
	[NVML_SYM_DEVICE_PERSISTENCE_MODE] = { "nvmlDeviceGetPersistenceMode", 0 },
	[NVML_SYM_DEVICE_MIG_MODE] = { "nvmlDeviceGetMigMode", 0 },
	[NVML_SYM_DEVICE_COMPUTE_MODE] = { "nvmlDeviceGetComputeMode", 0 },
	[NVML_SYM_DEVICE_RETIRED_PAGES_PENDING] = { "nvmlDeviceGetRetiredPagesPendingStatus", 0 },
	[NVML_SYM_DEVICE_REMAPPED_ROWS] = { "nvmlDeviceGetRemappedRows", 0 },
	[NVML_SYM_DEVICE_NVLINK_STATE] = { "nvmlDeviceGetNvLinkState", 0 },
	[NVML_SYM_DEVICE_VBIOS_VERSION] = { "nvmlDeviceGetVbiosVersion", 0 },
};

const char *nvml_sym_name(enum nvml_sym s)
{
	return (unsigned int)s < NVML_SYM_COUNT ? syms[s].name : "?";
}

int nvml_has(const struct nvml *n, enum nvml_sym s)
{
	return n->dl && (unsigned int)s < NVML_SYM_COUNT && n->fn[s];
}

const char *nvml_lib(const struct nvml *n)
{
	return n->dl ? n->lib : NULL;
}

const char *nvml_strerror(const struct nvml *n, nvml_return_t rc)
{
	const char *s = NULL;

	if (nvml_has(n, NVML_SYM_ERROR_STRING))
		s = ((fn_error_string)n->fn[NVML_SYM_ERROR_STRING])(rc);
	return s ? s : "unknown nvml error";
}

nvml_return_t nvml_last_rc(const struct nvml *n)
{
	return n->last_rc;
}

/* The symbol's address, or NULL with "'NAME' not found in 'LIB'" in err. */
static void *sym(struct nvml *n, enum nvml_sym s, char *err, size_t len)
{
	if (!n->dl) {
		n->last_rc = NVML_RC_NO_SYMBOL;
		errf(err, len, "nvml is not loaded");
		return NULL;
	}
	if (!n->fn[s]) {
		n->last_rc = NVML_RC_NO_SYMBOL;
		errf(err, len, "'%s' not found in '%s'", syms[s].name, n->lib);
	}
	return n->fn[s];
}

/* Map an NVML return code to 0 / -1; gpu < 0 means a system-wide call. */
static int check(struct nvml *n, enum nvml_sym s, long gpu, nvml_return_t rc, char *err, size_t len)
{
	if (rc == NVML_RC_SUCCESS)
		return 0;
	n->last_rc = rc;
	if (gpu < 0)
		errf(err, len, "'%s' failed: %s", syms[s].name, nvml_strerror(n, rc));
	else
		errf(err, len, "'%s' failed for gpu %ld: %s", syms[s].name, gpu, nvml_strerror(n, rc));
	return -1;
}

static int too_small(size_t buflen, char *err, size_t len)
{
	if (buflen)
		return 0;
	errf(err, len, "no room for the answer (buffer of 0 bytes)");
	return 1;
}

static unsigned int clamp_len(size_t buflen)
{
	return buflen > UINT_MAX ? UINT_MAX : (unsigned int)buflen;
}

static int load(struct nvml *n, const char *path, int from_env, char *err, size_t len)
{
	const char *why;
	int i;

	n->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!n->dl) {
		why = dlerror();
		if (why && strstr(why, "No such file"))
			errf(err, len, "'%s' not found (%s)", path,
			     from_env ? "set by " NVML_LIB_ENV : "no NVIDIA driver installed?");
		else
			errf(err, len, "cannot load '%s': %s", path, why ? why : "unknown error");
		return -1;
	}
	n->lib = xstrdup(path);
	for (i = 0; i < NVML_SYM_COUNT; i++) {
		n->fn[i] = dlsym(n->dl, syms[i].name);
		if (!n->fn[i] && syms[i].required) {
			errf(err, len, "'%s' has no '%s': not an NVML library, or one too old", path, syms[i].name);
			return -1;
		}
	}
	return 0;
}

int nvml_open(struct nvml *n, char *err, size_t len)
{
	const char *path = getenv(NVML_LIB_ENV);
	int from_env = path && *path;
	nvml_return_t rc;

	memset(n, 0, sizeof(*n));
	if (!from_env)
		path = NVML_DEFAULT_LIB;
	if (load(n, path, from_env, err, len))
		goto fail;
	rc = ((fn_void)n->fn[NVML_SYM_INIT])();
	if (check(n, NVML_SYM_INIT, -1, rc, err, len))
		goto fail;
	n->inited = 1;
	return 0;
fail:
	nvml_close(n);
	return -1;
}

void nvml_close(struct nvml *n)
{
	if (n->inited && n->fn[NVML_SYM_SHUTDOWN])
		((fn_void)n->fn[NVML_SYM_SHUTDOWN])();
	if (n->dl)
		dlclose(n->dl);
	free(n->lib);
	memset(n, 0, sizeof(*n));
}

int nvml_handle(struct nvml *n, unsigned int idx, nvml_device_t *h, char *err, size_t len)
{
	fn_handle f = (fn_handle)sym(n, NVML_SYM_DEVICE_HANDLE, err, len);

	if (!f)
		return -1;
	return check(n, NVML_SYM_DEVICE_HANDLE, idx, f(idx, h), err, len);
}

int nvml_device_count(struct nvml *n, unsigned int *count, char *err, size_t len)
{
	fn_count f = (fn_count)sym(n, NVML_SYM_DEVICE_COUNT, err, len);

	if (!f)
		return -1;
	return check(n, NVML_SYM_DEVICE_COUNT, -1, f(count), err, len);
}

int nvml_driver_version(struct nvml *n, char *buf, size_t buflen, char *err, size_t len)
{
	fn_sys_string f = (fn_sys_string)sym(n, NVML_SYM_DRIVER_VERSION, err, len);

	if (!f || too_small(buflen, err, len))
		return -1;
	buf[0] = '\0';
	if (check(n, NVML_SYM_DRIVER_VERSION, -1, f(buf, clamp_len(buflen)), err, len))
		return -1;
	buf[buflen - 1] = '\0';
	return 0;
}

int nvml_cuda_driver_version(struct nvml *n, int *version, char *err, size_t len)
{
	fn_sys_int f = (fn_sys_int)sym(n, NVML_SYM_CUDA_DRIVER_VERSION, err, len);

	if (!f)
		return -1;
	return check(n, NVML_SYM_CUDA_DRIVER_VERSION, -1, f(version), err, len);
}

static int device_string(struct nvml *n, enum nvml_sym s, unsigned int idx, char *buf, size_t buflen, char *err,
			 size_t len)
{
	fn_dev_string f = (fn_dev_string)sym(n, s, err, len);
	nvml_device_t h;

	if (!f || too_small(buflen, err, len) || nvml_handle(n, idx, &h, err, len))
		return -1;
	buf[0] = '\0';
	if (check(n, s, idx, f(h, buf, clamp_len(buflen)), err, len))
		return -1;
	buf[buflen - 1] = '\0';
	return 0;
}

int nvml_device_name(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len)
{
	return device_string(n, NVML_SYM_DEVICE_NAME, idx, buf, buflen, err, len);
}

int nvml_device_uuid(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len)
{
	return device_string(n, NVML_SYM_DEVICE_UUID, idx, buf, buflen, err, len);
}

int nvml_device_pci_info(struct nvml *n, unsigned int idx, struct nvml_pci_info *pci, char *err, size_t len)
{
	fn_dev_pci f = (fn_dev_pci)sym(n, NVML_SYM_DEVICE_PCI_INFO, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	memset(pci, 0, sizeof(*pci));
	if (check(n, NVML_SYM_DEVICE_PCI_INFO, idx, f(h, pci), err, len))
		return -1;
	pci->bus_id_legacy[sizeof(pci->bus_id_legacy) - 1] = '\0';
	pci->bus_id[sizeof(pci->bus_id) - 1] = '\0';
	return 0;
}

int nvml_device_pci_bus_id(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len)
{
	struct nvml_pci_info pci;

	if (too_small(buflen, err, len) || nvml_device_pci_info(n, idx, &pci, err, len))
		return -1;
	snprintf(buf, buflen, "%s", pci.bus_id);
	return 0;
}

int nvml_device_memory_total(struct nvml *n, unsigned int idx, uint64_t *bytes, char *err, size_t len)
{
	fn_dev_memory f = (fn_dev_memory)sym(n, NVML_SYM_DEVICE_MEMORY_INFO, err, len);
	struct nvml_memory m = { 0 };
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	if (check(n, NVML_SYM_DEVICE_MEMORY_INFO, idx, f(h, &m), err, len))
		return -1;
	*bytes = m.total;
	return 0;
}

/* The many NVML calls of the shape (device, unsigned int *). */
static int device_uint(struct nvml *n, enum nvml_sym s, unsigned int idx, unsigned int *v, char *err, size_t len)
{
	fn_dev_uint f = (fn_dev_uint)sym(n, s, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	return check(n, s, idx, f(h, v), err, len);
}

int nvml_device_pcie_link(struct nvml *n, unsigned int idx, int max, unsigned int *gen, unsigned int *width, char *err,
			  size_t len)
{
	enum nvml_sym g = max ? NVML_SYM_DEVICE_MAX_PCIE_GEN : NVML_SYM_DEVICE_CURR_PCIE_GEN;
	enum nvml_sym w = max ? NVML_SYM_DEVICE_MAX_PCIE_WIDTH : NVML_SYM_DEVICE_CURR_PCIE_WIDTH;

	if (device_uint(n, g, idx, gen, err, len))
		return -1;
	return device_uint(n, w, idx, width, err, len);
}

int nvml_device_temperature(struct nvml *n, unsigned int idx, unsigned int *celsius, char *err, size_t len)
{
	fn_dev_temperature f = (fn_dev_temperature)sym(n, NVML_SYM_DEVICE_TEMPERATURE, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	return check(n, NVML_SYM_DEVICE_TEMPERATURE, idx, f(h, NVML_SENSOR_GPU, celsius), err, len);
}

/* NVML reports power in milliwatts. */
static int device_watts(struct nvml *n, enum nvml_sym s, unsigned int idx, double *watts, char *err, size_t len)
{
	unsigned int mw;

	if (device_uint(n, s, idx, &mw, err, len))
		return -1;
	*watts = mw / 1000.0;
	return 0;
}

int nvml_device_power_usage(struct nvml *n, unsigned int idx, double *watts, char *err, size_t len)
{
	return device_watts(n, NVML_SYM_DEVICE_POWER_USAGE, idx, watts, err, len);
}

int nvml_device_power_limit(struct nvml *n, unsigned int idx, double *watts, char *err, size_t len)
{
	return device_watts(n, NVML_SYM_DEVICE_POWER_LIMIT, idx, watts, err, len);
}

int nvml_device_ecc_mode(struct nvml *n, unsigned int idx, int *current, int *pending, char *err, size_t len)
{
	fn_dev_ecc f = (fn_dev_ecc)sym(n, NVML_SYM_DEVICE_ECC_MODE, err, len);
	nvml_device_t h;
	int cur = 0, pend = 0;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	if (check(n, NVML_SYM_DEVICE_ECC_MODE, idx, f(h, &cur, &pend), err, len))
		return -1;
	*current = cur != 0;
	*pending = pend != 0;
	return 0;
}

int nvml_device_max_mem_clock(struct nvml *n, unsigned int idx, unsigned int *mhz, char *err, size_t len)
{
	fn_dev_clock f = (fn_dev_clock)sym(n, NVML_SYM_DEVICE_MAX_CLOCK, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	return check(n, NVML_SYM_DEVICE_MAX_CLOCK, idx, f(h, NVML_CLOCK_MEMORY, mhz), err, len);
}

int nvml_device_mem_bus_width(struct nvml *n, unsigned int idx, unsigned int *bits, char *err, size_t len)
{
	return device_uint(n, NVML_SYM_DEVICE_MEM_BUS_WIDTH, idx, bits, err, len);
}

int nvml_device_clock(struct nvml *n, unsigned int idx, int type, unsigned int *mhz, char *err, size_t len)
{
	fn_dev_clock f = (fn_dev_clock)sym(n, NVML_SYM_DEVICE_CLOCK_INFO, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	return check(n, NVML_SYM_DEVICE_CLOCK_INFO, idx, f(h, type, mhz), err, len);
}

/* The calls of the shape (device, unsigned long long *). */
static int device_ull(struct nvml *n, enum nvml_sym s, unsigned int idx, unsigned long long *v, char *err, size_t len)
{
	fn_dev_ull f = (fn_dev_ull)sym(n, s, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	return check(n, s, idx, f(h, v), err, len);
}

int nvml_device_total_energy(struct nvml *n, unsigned int idx, unsigned long long *mj, char *err, size_t len)
{
	return device_ull(n, NVML_SYM_DEVICE_TOTAL_ENERGY, idx, mj, err, len);
}

int nvml_device_clocks_event_reasons(struct nvml *n, unsigned int idx, unsigned long long *mask, char *err, size_t len)
{
	enum nvml_sym s = NVML_SYM_DEVICE_CLOCKS_EVENT_REASONS;

	if (!nvml_has(n, s) && nvml_has(n, NVML_SYM_DEVICE_CLOCKS_THROTTLE_REASONS))
		s = NVML_SYM_DEVICE_CLOCKS_THROTTLE_REASONS;
	return device_ull(n, s, idx, mask, err, len);
}

int nvml_device_memory_temperature(struct nvml *n, unsigned int idx, unsigned int *celsius, char *err, size_t len)
{
	fn_dev_fields f = (fn_dev_fields)sym(n, NVML_SYM_DEVICE_FIELD_VALUES, err, len);
	struct nvml_field_value fv;
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	memset(&fv, 0, sizeof(fv));
	fv.field_id = NVML_FI_DEV_MEMORY_TEMP;
	if (check(n, NVML_SYM_DEVICE_FIELD_VALUES, idx, f(h, 1, &fv), err, len) ||
	    check(n, NVML_SYM_DEVICE_FIELD_VALUES, idx, fv.nvml_return, err, len))
		return -1;
	switch (fv.value_type) {
	case 0:
		*celsius = fv.value.d > 0 ? (unsigned int)fv.value.d : 0;
		return 0;
	case 1:
		*celsius = fv.value.ui;
		return 0;
	case 2:
	case 3:
		*celsius = (unsigned int)fv.value.ull;
		return 0;
	case 4:
		*celsius = fv.value.sll > 0 ? (unsigned int)fv.value.sll : 0;
		return 0;
	case 5:
		*celsius = fv.value.si > 0 ? (unsigned int)fv.value.si : 0;
		return 0;
	default:
		n->last_rc = NVML_RC_NOT_SUPPORTED;
		errf(err, len, "'%s' answered value type %d for gpu %u", syms[NVML_SYM_DEVICE_FIELD_VALUES].name,
		     fv.value_type, idx);
		return -1;
	}
}

int nvml_device_ecc_errors(struct nvml *n, unsigned int idx, int uncorrected, unsigned long long *count, char *err,
			   size_t len)
{
	fn_dev_ecc_count f = (fn_dev_ecc_count)sym(n, NVML_SYM_DEVICE_TOTAL_ECC_ERRORS, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	/* errorType: 0 corrected, 1 uncorrected; counterType 0: volatile (since the driver loaded) */
	return check(n, NVML_SYM_DEVICE_TOTAL_ECC_ERRORS, idx, f(h, uncorrected ? 1 : 0, 0, count), err, len);
}

int nvml_device_pcie_replays(struct nvml *n, unsigned int idx, unsigned int *count, char *err, size_t len)
{
	return device_uint(n, NVML_SYM_DEVICE_PCIE_REPLAY_COUNTER, idx, count, err, len);
}

/* The calls of the shape (device, int *): NVML's enums (nvmlEnableState_t, nvmlComputeMode_t). */
static int device_int(struct nvml *n, enum nvml_sym s, unsigned int idx, int *v, char *err, size_t len)
{
	fn_dev_int f = (fn_dev_int)sym(n, s, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	return check(n, s, idx, f(h, v), err, len);
}

int nvml_device_persistence_mode(struct nvml *n, unsigned int idx, int *enabled, char *err, size_t len)
{
	int v = 0;

	if (device_int(n, NVML_SYM_DEVICE_PERSISTENCE_MODE, idx, &v, err, len))
		return -1;
	*enabled = v != 0;
	return 0;
}

int nvml_device_mig_mode(struct nvml *n, unsigned int idx, int *current, int *pending, char *err, size_t len)
{
	fn_dev_uint2 f = (fn_dev_uint2)sym(n, NVML_SYM_DEVICE_MIG_MODE, err, len);
	unsigned int cur = 0, pend = 0;
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	if (check(n, NVML_SYM_DEVICE_MIG_MODE, idx, f(h, &cur, &pend), err, len))
		return -1;
	*current = cur != 0;
	*pending = pend != 0;
	return 0;
}

int nvml_device_compute_mode(struct nvml *n, unsigned int idx, int *mode, char *err, size_t len)
{
	return device_int(n, NVML_SYM_DEVICE_COMPUTE_MODE, idx, mode, err, len);
}

int nvml_device_retired_pages_pending(struct nvml *n, unsigned int idx, int *pending, char *err, size_t len)
{
	int v = 0;

	if (device_int(n, NVML_SYM_DEVICE_RETIRED_PAGES_PENDING, idx, &v, err, len))
		return -1;
	*pending = v != 0;
	return 0;
}

int nvml_device_remapped_rows(struct nvml *n, unsigned int idx, struct nvml_remapped_rows *rows, char *err, size_t len)
{
	fn_dev_uint4 f = (fn_dev_uint4)sym(n, NVML_SYM_DEVICE_REMAPPED_ROWS, err, len);
	nvml_device_t h;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	memset(rows, 0, sizeof(*rows));
	return check(n, NVML_SYM_DEVICE_REMAPPED_ROWS, idx,
		     f(h, &rows->corrected, &rows->uncorrected, &rows->pending, &rows->failure), err, len);
}

int nvml_device_nvlink_state(struct nvml *n, unsigned int idx, unsigned int link, int *active, char *err, size_t len)
{
	fn_dev_link_int f = (fn_dev_link_int)sym(n, NVML_SYM_DEVICE_NVLINK_STATE, err, len);
	nvml_device_t h;
	int v = 0;

	if (!f || nvml_handle(n, idx, &h, err, len))
		return -1;
	if (check(n, NVML_SYM_DEVICE_NVLINK_STATE, idx, f(h, link, &v), err, len))
		return -1;
	*active = v != 0;
	return 0;
}

int nvml_device_vbios_version(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len)
{
	return device_string(n, NVML_SYM_DEVICE_VBIOS_VERSION, idx, buf, buflen, err, len);
}
