/*
 * nvml.h - NVIDIA's management library (NVML), loaded at run time with dlopen.
 *
 * Nothing here needs nvml.h or the driver at build time: the few NVML types
 * and constants we use are declared below, so every binary builds and runs on
 * machines without a GPU and says why there is none.
 *
 * The library is "libnvidia-ml.so.1", or the path in the environment variable
 * SHAKEDOWN_NVML_LIB (the tests point it at a stand-in library).
 *
 * Symbols are one table in nvml.c, indexed by enum nvml_sym: nvml_open() looks
 * up every entry; a missing required one fails the open, a missing optional
 * one is only recorded, and its accessor then fails with "'NAME' not found in
 * 'LIB'" instead of crashing (nvml_has() asks beforehand).
 *
 * Adding an NVML function (for a later probe):
 *  1. Add an enum nvml_sym entry before NVML_SYM_COUNT, and its exact NVML
 *     name in syms[] in nvml.c. Use the newest versioned name NVML exports
 *     (nvmlInit_v2, nvmlDeviceGetPciInfo_v3); a versioned struct needs its
 *     "version" field set as NVML's header documents.
 *  2. Declare any NVML struct it fills below, field for field.
 *  3. Write an accessor in nvml.c in the shape of the others: look the symbol
 *     up with sym(), the device with nvml_handle(), map the return code with
 *     check(). Most take (device, unsigned int *) and can use device_uint().
 *  4. Implement it in tests/fakes/fake_nvml.c and test it in
 *     tests/unit/test_sysinfo.c (or the probe's own test).
 *
 * Two deliberate version choices: nvmlDeviceGetMemoryInfo (v1) because total
 * memory is the same in v2 and v1 exists on every driver; and
 * nvmlSystemGetCudaDriverVersion (v1) because _v2 reads libcuda.so and fails
 * where only the driver's management library is present.
 *
 * Accessors return 0, or -1 with a lower-case reason in err (err may be NULL):
 * "'nvmlDeviceGetPowerUsage' failed for gpu 1: Not Supported". Devices are
 * addressed by NVML index, 0 .. count-1. Not thread-safe; one struct nvml per
 * thread, or a lock around it.
 */
#ifndef SD_NVML_H
#define SD_NVML_H

#include <stddef.h>
#include <stdint.h>

#define NVML_DEFAULT_LIB "libnvidia-ml.so.1"
#define NVML_LIB_ENV "SHAKEDOWN_NVML_LIB"

/*
 * NVML's own ABI, declared here (nvmlReturn_t and the enums are int-sized).
 * The names differ from nvml.h's, so a file may include both.
 */
typedef int nvml_return_t;
typedef struct nvml_device_st *nvml_device_t;

/* NVML return codes a caller may want to tell apart (nvml_last_rc). */
#define NVML_RC_SUCCESS 0
#define NVML_RC_NOT_SUPPORTED 3
#define NVML_RC_NO_PERMISSION 4
#define NVML_RC_DRIVER_NOT_LOADED 9
#define NVML_RC_GPU_IS_LOST 15
#define NVML_RC_NO_SYMBOL (-1) /* ours: the function is not in the library, or nothing is loaded */

#define NVML_SENSOR_GPU 0   /* NVML_TEMPERATURE_GPU */
#define NVML_CLOCK_SM 1	    /* NVML_CLOCK_SM, of nvmlClockType_t */
#define NVML_CLOCK_MEMORY 2 /* NVML_CLOCK_MEM, of nvmlClockType_t */

/* nvmlClocksEventReasons bits (the same bits as the older ClocksThrottleReasons). */
#define NVML_CLOCKS_EVENT_GPU_IDLE 0x1ull
#define NVML_CLOCKS_EVENT_APPLICATIONS_CLOCKS 0x2ull
#define NVML_CLOCKS_EVENT_SW_POWER_CAP 0x4ull
#define NVML_CLOCKS_EVENT_HW_SLOWDOWN 0x8ull
#define NVML_CLOCKS_EVENT_SYNC_BOOST 0x10ull
#define NVML_CLOCKS_EVENT_SW_THERMAL 0x20ull
#define NVML_CLOCKS_EVENT_HW_THERMAL 0x40ull
#define NVML_CLOCKS_EVENT_HW_POWER_BRAKE 0x80ull
#define NVML_CLOCKS_EVENT_DISPLAY_CLOCKS 0x100ull

/* Field ids for nvmlDeviceGetFieldValues. */
#define NVML_FI_DEV_MEMORY_TEMP 82 /* HBM temperature, degrees Celsius */

/* nvmlFieldValue_t: one field asked for and its answer (value is nvmlValue_t, a union of 8 bytes). */
struct nvml_field_value {
	unsigned int field_id;
	unsigned int scope_id;
	long long timestamp;
	long long latency_usec;
	int value_type; /* nvmlValueType_t: 0 double, 1 uint, 2 ulong, 3 ulonglong, 4 slonglong, 5 sint, 6 ushort */
	nvml_return_t nvml_return;
	union {
		double d;
		unsigned int ui;
		unsigned long ul;
		unsigned long long ull;
		long long sll;
		int si;
		unsigned short us;
	} value;
};

/* Buffer sizes from NVML's header (the _V2 sizes, the largest). */
#define NVML_NAME_LEN 96
#define NVML_UUID_LEN 96
#define NVML_BUS_ID_LEN 32
#define NVML_VERSION_LEN 80
#define NVML_VBIOS_VERSION_LEN 32 /* NVML_DEVICE_VBIOS_VERSION_BUFFER_SIZE */

/* NVLink links a GPU may have (NVML_NVLINK_MAX_LINKS): 18 on H100/H200 SXM, 12 on A100 SXM. */
#define NVML_NVLINK_MAX_LINKS 18

/* nvmlPciInfo_t, as filled by nvmlDeviceGetPciInfo_v3. */
struct nvml_pci_info {
	char bus_id_legacy[16];
	unsigned int domain;
	unsigned int bus;
	unsigned int device;
	unsigned int pci_device_id; /* device id << 16 | vendor id */
	unsigned int pci_subsystem_id;
	char bus_id[NVML_BUS_ID_LEN]; /* "00000000:17:00.0" */
};

/* nvmlMemory_t (v1), bytes. */
struct nvml_memory {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used;
};

enum nvml_sym {
	/* required: nvml_open fails without them */
	NVML_SYM_INIT,
	NVML_SYM_SHUTDOWN,
	NVML_SYM_ERROR_STRING,
	NVML_SYM_DEVICE_COUNT,
	NVML_SYM_DEVICE_HANDLE,
	/* optional */
	NVML_SYM_DRIVER_VERSION,
	NVML_SYM_CUDA_DRIVER_VERSION,
	NVML_SYM_DEVICE_NAME,
	NVML_SYM_DEVICE_UUID,
	NVML_SYM_DEVICE_PCI_INFO,
	NVML_SYM_DEVICE_MEMORY_INFO,
	NVML_SYM_DEVICE_CURR_PCIE_GEN,
	NVML_SYM_DEVICE_MAX_PCIE_GEN,
	NVML_SYM_DEVICE_CURR_PCIE_WIDTH,
	NVML_SYM_DEVICE_MAX_PCIE_WIDTH,
	NVML_SYM_DEVICE_TEMPERATURE,
	NVML_SYM_DEVICE_POWER_USAGE,
	NVML_SYM_DEVICE_POWER_LIMIT,
	NVML_SYM_DEVICE_ECC_MODE,
	NVML_SYM_DEVICE_MAX_CLOCK,
	NVML_SYM_DEVICE_MEM_BUS_WIDTH,
	NVML_SYM_DEVICE_CLOCK_INFO,
	NVML_SYM_DEVICE_TOTAL_ENERGY,
	NVML_SYM_DEVICE_CLOCKS_EVENT_REASONS,
	NVML_SYM_DEVICE_CLOCKS_THROTTLE_REASONS,
	NVML_SYM_DEVICE_FIELD_VALUES,
	NVML_SYM_DEVICE_TOTAL_ECC_ERRORS,
	NVML_SYM_DEVICE_PCIE_REPLAY_COUNTER,
	NVML_SYM_DEVICE_PERSISTENCE_MODE,
	NVML_SYM_DEVICE_MIG_MODE,
	NVML_SYM_DEVICE_COMPUTE_MODE,
	NVML_SYM_DEVICE_RETIRED_PAGES_PENDING,
	NVML_SYM_DEVICE_REMAPPED_ROWS,
	NVML_SYM_DEVICE_NVLINK_STATE,
	NVML_SYM_DEVICE_VBIOS_VERSION,
	NVML_SYM_COUNT
};

/* The fields are private to nvml.c (tests may clear fn[] to play a missing symbol). */
struct nvml {
	void *dl;
	char *lib;		  /* the path dlopen was given; owned */
	int inited;		  /* nvmlInit_v2 succeeded */
	nvml_return_t last_rc;	  /* the code of the last call that failed */
	void *fn[NVML_SYM_COUNT]; /* NULL: not exported by this library */
};

/*
 * Load the library, look up the symbols and call nvmlInit_v2. Returns 0, or
 * -1 with the reason in err ("'libnvidia-ml.so.1' not found (no NVIDIA
 * driver installed?)", "'nvmlInit_v2' failed: Driver Not Loaded") and n left
 * closed. nvml_close() must be called after a 0 return; after -1 it is
 * harmless.
 */
int nvml_open(struct nvml *n, char *err, size_t len);

/* nvmlShutdown, dlclose and free; n can be opened again. Safe on a closed n. */
void nvml_close(struct nvml *n);

/* The library path in use (owned by n), or NULL when closed. */
const char *nvml_lib(const struct nvml *n);

/* Whether the loaded library exports symbol s. */
int nvml_has(const struct nvml *n, enum nvml_sym s);
/* The NVML name of s ("nvmlDeviceGetName"). */
const char *nvml_sym_name(enum nvml_sym s);
/* NVML's text for a return code (static storage). */
const char *nvml_strerror(const struct nvml *n, nvml_return_t rc);
/*
 * The NVML return code of the last accessor that failed, to tell "not
 * supported on this GPU" (NVML_RC_NOT_SUPPORTED) from a GPU in trouble
 * (NVML_RC_GPU_IS_LOST); NVML_RC_NO_SYMBOL when the function was missing.
 */
nvml_return_t nvml_last_rc(const struct nvml *n);

/* Look up the device handle for index idx, for calls made outside nvml.c. */
int nvml_handle(struct nvml *n, unsigned int idx, nvml_device_t *h, char *err, size_t len);

int nvml_device_count(struct nvml *n, unsigned int *count, char *err, size_t len);
/* Strings are NUL-terminated in buf; buflen: the NVML_*_LEN above is enough. */
int nvml_driver_version(struct nvml *n, char *buf, size_t buflen, char *err, size_t len);
/* 1000 * major + 10 * minor: 13000 is 13.0. */
int nvml_cuda_driver_version(struct nvml *n, int *version, char *err, size_t len);
int nvml_device_name(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len);
int nvml_device_uuid(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len);
/* PCI bus id in NVML's form, "00000000:17:00.0". */
int nvml_device_pci_bus_id(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len);
int nvml_device_pci_info(struct nvml *n, unsigned int idx, struct nvml_pci_info *pci, char *err, size_t len);
int nvml_device_memory_total(struct nvml *n, unsigned int idx, uint64_t *bytes, char *err, size_t len);
/*
 * PCIe link generation and lane width: max = 0 for the link as trained now,
 * max = 1 for the most the GPU and its slot support. GPUs lower the
 * generation when idle to save power, so only a narrower width is a sure
 * sign of a degraded link.
 */
int nvml_device_pcie_link(struct nvml *n, unsigned int idx, int max, unsigned int *gen, unsigned int *width, char *err,
			  size_t len);
/* GPU core temperature, degrees Celsius. */
int nvml_device_temperature(struct nvml *n, unsigned int idx, unsigned int *celsius, char *err, size_t len);
/* Board power draw and the enforced power limit, watts. */
int nvml_device_power_usage(struct nvml *n, unsigned int idx, double *watts, char *err, size_t len);
int nvml_device_power_limit(struct nvml *n, unsigned int idx, double *watts, char *err, size_t len);
/* ECC mode now and after the next reboot: 1 enabled, 0 disabled. */
int nvml_device_ecc_mode(struct nvml *n, unsigned int idx, int *current, int *pending, char *err, size_t len);
/* The highest memory clock the GPU runs at, MHz (nvmlDeviceGetMaxClockInfo, NVML_CLOCK_MEM). */
int nvml_device_max_mem_clock(struct nvml *n, unsigned int idx, unsigned int *mhz, char *err, size_t len);
/* Width of the memory bus, bits (nvmlDeviceGetMemoryBusWidth): 5120 for H100's HBM3. */
int nvml_device_mem_bus_width(struct nvml *n, unsigned int idx, unsigned int *bits, char *err, size_t len);
/* The clock running now, MHz (nvmlDeviceGetClockInfo): type NVML_CLOCK_SM or NVML_CLOCK_MEMORY. */
int nvml_device_clock(struct nvml *n, unsigned int idx, int type, unsigned int *mhz, char *err, size_t len);
/* Energy used since the driver was loaded, millijoules (nvmlDeviceGetTotalEnergyConsumption, Volta and later). */
int nvml_device_total_energy(struct nvml *n, unsigned int idx, unsigned long long *mj, char *err, size_t len);
/*
 * Why the clocks are below their maximum now, NVML_CLOCKS_EVENT_* bits:
 * nvmlDeviceGetCurrentClocksEventReasons, or on drivers older than 535 its
 * former name nvmlDeviceGetCurrentClocksThrottleReasons (same bits).
 */
int nvml_device_clocks_event_reasons(struct nvml *n, unsigned int idx, unsigned long long *mask, char *err, size_t len);
/* HBM temperature, degrees Celsius (nvmlDeviceGetFieldValues, NVML_FI_DEV_MEMORY_TEMP). */
int nvml_device_memory_temperature(struct nvml *n, unsigned int idx, unsigned int *celsius, char *err, size_t len);
/* ECC errors since the driver was loaded (volatile counters): uncorrected = 1 for uncorrected, 0 for corrected. */
int nvml_device_ecc_errors(struct nvml *n, unsigned int idx, int uncorrected, unsigned long long *count, char *err,
			   size_t len);
/* PCIe replays since the driver was loaded (nvmlDeviceGetPcieReplayCounter): link-level retransmissions. */
int nvml_device_pcie_replays(struct nvml *n, unsigned int idx, unsigned int *count, char *err, size_t len);
/* Persistence mode (nvmlDeviceGetPersistenceMode): 1 enabled, 0 disabled. */
int nvml_device_persistence_mode(struct nvml *n, unsigned int idx, int *enabled, char *err, size_t len);
/* MIG mode now and after the next reset (nvmlDeviceGetMigMode): 1 enabled, 0 disabled. */
int nvml_device_mig_mode(struct nvml *n, unsigned int idx, int *current, int *pending, char *err, size_t len);
/* Compute mode (nvmlDeviceGetComputeMode): 0 default, 1 exclusive thread (old), 2 prohibited, 3 exclusive process. */
int nvml_device_compute_mode(struct nvml *n, unsigned int idx, int *mode, char *err, size_t len);
/* Whether pages retired for ECC errors wait for a reboot (nvmlDeviceGetRetiredPagesPendingStatus; pre-Ampere). */
int nvml_device_retired_pages_pending(struct nvml *n, unsigned int idx, int *pending, char *err, size_t len);
/*
 * HBM row remapping (nvmlDeviceGetRemappedRows; Ampere and later): rows
 * remapped for corrected and uncorrected errors, whether a remap waits for a
 * GPU reset (pending) and whether a remap failed (failure).
 */
struct nvml_remapped_rows {
	unsigned int corrected;
	unsigned int uncorrected;
	unsigned int pending;
	unsigned int failure;
};
int nvml_device_remapped_rows(struct nvml *n, unsigned int idx, struct nvml_remapped_rows *rows, char *err, size_t len);
/*
 * Whether NVLink link (0 .. NVML_NVLINK_MAX_LINKS-1) of a GPU is up
 * (nvmlDeviceGetNvLinkState): 1 active, 0 inactive. A GPU without NVLink, or
 * a link number it does not have, fails with NVML_RC_NOT_SUPPORTED (or
 * Invalid Argument): count only the links that answer.
 */
int nvml_device_nvlink_state(struct nvml *n, unsigned int idx, unsigned int link, int *active, char *err, size_t len);
/* The GPU's VBIOS version (nvmlDeviceGetVbiosVersion), "96.00.99.00.01"; buflen NVML_VBIOS_VERSION_LEN is enough. */
int nvml_device_vbios_version(struct nvml *n, unsigned int idx, char *buf, size_t buflen, char *err, size_t len);

#endif
