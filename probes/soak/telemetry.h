/*
 * telemetry.h - what the soak probe samples every interval besides its own
 * load counters: the CPU sensors of sysfs.h and, through NVML (nvml.h, loaded
 * with dlopen), every GPU's temperatures, clocks, power, energy counter,
 * clocks-event (throttle) reasons, ECC counts and PCIe replays.
 *
 * soak_telem_open() finds what is readable; whatever is not (no NVML, a
 * field "Not Supported", no RAPL) goes into missing[] with the reason, and
 * is never sampled: its values stay NAN, it is never reported as zero.
 * soak_telem_sample() reads everything once into slot k. It runs on the
 * sampler thread only (one struct nvml, used from one thread).
 */
#ifndef SD_SOAK_TELEMETRY_H
#define SD_SOAK_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>

#include "nvml.h"
#include "sysfs.h"

/* What is read from each GPU, in base units. */
enum soak_gpu_field {
	GF_TEMP,	/* celsius */
	GF_MEM_TEMP,	/* celsius, HBM */
	GF_SM_CLOCK,	/* Hz */
	GF_MEM_CLOCK,	/* Hz */
	GF_POWER,	/* W */
	GF_POWER_LIMIT, /* W, enforced */
	GF_ENERGY,	/* J since the driver loaded (cumulative) */
	GF_REASONS,	/* clocks-event reasons bitmask, as a number */
	GF_ECC_CORR,	/* corrected ECC errors since the driver loaded (cumulative) */
	GF_ECC_UNCORR,	/* uncorrected ECC errors (cumulative) */
	GF_REPLAYS,	/* PCIe replays (cumulative) */
	GF_COUNT
};

/* The field's name in series, env and missing[] ("temp", "sm_clock"), and its unit. */
const char *soak_gpu_field_name(enum soak_gpu_field f);
const char *soak_gpu_field_unit(enum soak_gpu_field f);

struct soak_gpu_tel {
	int present[GF_COUNT]; /* readable at open */
	double *v[GF_COUNT];   /* cap values each (NAN: missing) when present */
};

struct soak_telem {
	size_t cap; /* slots per series */
	struct soak_sensors cpu;
	double **cpu_v; /* cpu.n series of cap values */
	struct nvml nvml;
	int have_nvml;
	unsigned int ngpus;
	struct soak_gpu_tel *gpu; /* ngpus, by NVML index */
	char **missing;		  /* "gpu0 mem_temp: 'nvmlDeviceGetFieldValues' failed for gpu 0: Not Supported" */
	size_t nmissing;
};

/*
 * Find the sensors under sysfs_root, open NVML when gpus is set, and make
 * room for cap samples of each. Never fails: what cannot be read is listed
 * in missing[]. t is released with soak_telem_release.
 */
void soak_telem_open(struct soak_telem *t, const char *sysfs_root, int gpus, size_t cap);
void soak_telem_release(struct soak_telem *t);

/* Read every sensor into slot k (k < cap); a failed read leaves NAN there. */
void soak_telem_sample(struct soak_telem *t, size_t k);

#endif
