/* telemetry.c - the soak probe's sensors, sampled into series (contract in telemetry.h). */
#include "telemetry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define ERRLEN 256

typedef int (*gpu_reader)(struct nvml *n, unsigned int idx, double *v, char *err, size_t len);

static int read_temp(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	unsigned int c;

	if (nvml_device_temperature(n, idx, &c, err, len))
		return -1;
	*v = c;
	return 0;
}

static int read_mem_temp(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	unsigned int c;

	if (nvml_device_memory_temperature(n, idx, &c, err, len))
		return -1;
	*v = c;
	return 0;
}

static int read_clock(struct nvml *n, unsigned int idx, int type, double *v, char *err, size_t len)
{
	unsigned int mhz;

	if (nvml_device_clock(n, idx, type, &mhz, err, len))
		return -1;
	*v = mhz * 1e6;
	return 0;
}

static int read_sm_clock(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	return read_clock(n, idx, NVML_CLOCK_SM, v, err, len);
}

static int read_mem_clock(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	return read_clock(n, idx, NVML_CLOCK_MEMORY, v, err, len);
}

static int read_energy(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	unsigned long long mj;

	if (nvml_device_total_energy(n, idx, &mj, err, len))
		return -1;
	*v = (double)mj / 1e3;
	return 0;
}

static int read_reasons(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	unsigned long long mask;

	if (nvml_device_clocks_event_reasons(n, idx, &mask, err, len))
		return -1;
	*v = (double)(mask & ((1ull << 52) - 1));
	return 0;
}

static int read_ecc(struct nvml *n, unsigned int idx, int uncorrected, double *v, char *err, size_t len)
{
	unsigned long long c;

	if (nvml_device_ecc_errors(n, idx, uncorrected, &c, err, len))
		return -1;
	*v = (double)c;
	return 0;
}

static int read_ecc_corr(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	return read_ecc(n, idx, 0, v, err, len);
}

static int read_ecc_uncorr(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	return read_ecc(n, idx, 1, v, err, len);
}

static int read_replays(struct nvml *n, unsigned int idx, double *v, char *err, size_t len)
{
	unsigned int c;

	if (nvml_device_pcie_replays(n, idx, &c, err, len))
		return -1;
	*v = c;
	return 0;
}

static const struct {
	const char *name;
	const char *unit;
	gpu_reader read;
} fields[GF_COUNT] = {
	[GF_TEMP] = { "temp", "celsius", read_temp },
	[GF_MEM_TEMP] = { "mem_temp", "celsius", read_mem_temp },
	[GF_SM_CLOCK] = { "sm_clock", "Hz", read_sm_clock },
	[GF_MEM_CLOCK] = { "mem_clock", "Hz", read_mem_clock },
	[GF_POWER] = { "power", "W", nvml_device_power_usage },
	[GF_POWER_LIMIT] = { "power_limit", "W", nvml_device_power_limit },
	[GF_ENERGY] = { "energy", "J", read_energy },
	[GF_REASONS] = { "clocks_event_reasons", "count", read_reasons },
	[GF_ECC_CORR] = { "ecc_corrected", "count", read_ecc_corr },
	[GF_ECC_UNCORR] = { "ecc_uncorrected", "count", read_ecc_uncorr },
	[GF_REPLAYS] = { "pcie_replays", "count", read_replays },
};

const char *soak_gpu_field_name(enum soak_gpu_field f)
{
	return (unsigned int)f < GF_COUNT ? fields[f].name : "?";
}

const char *soak_gpu_field_unit(enum soak_gpu_field f)
{
	return (unsigned int)f < GF_COUNT ? fields[f].unit : "?";
}

static void add_missing(struct soak_telem *t, char *what)
{
	t->missing = xrealloc(t->missing, (t->nmissing + 1) * sizeof(*t->missing));
	t->missing[t->nmissing++] = what;
}

static double *nans(size_t n)
{
	double *v = xmalloc((n ? n : 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = NAN;
	return v;
}

static void open_gpus(struct soak_telem *t)
{
	char err[ERRLEN] = "";
	unsigned int i;
	double v;
	int f;

	if (nvml_open(&t->nvml, err, sizeof(err)) || nvml_device_count(&t->nvml, &t->ngpus, err, sizeof(err))) {
		if (t->nvml.dl)
			nvml_close(&t->nvml);
		t->ngpus = 0;
		add_missing(t, xasprintf("gpu telemetry: %s", err));
		return;
	}
	t->have_nvml = 1;
	t->gpu = xcalloc(t->ngpus ? t->ngpus : 1, sizeof(*t->gpu));
	for (i = 0; i < t->ngpus; i++)
		for (f = 0; f < GF_COUNT; f++) {
			if (fields[f].read(&t->nvml, i, &v, err, sizeof(err))) {
				add_missing(t, xasprintf("gpu%u %s: %s", i, fields[f].name, err));
				continue;
			}
			t->gpu[i].present[f] = 1;
			t->gpu[i].v[f] = nans(t->cap);
		}
}

void soak_telem_open(struct soak_telem *t, const char *sysfs_root, int gpus, size_t cap)
{
	static const char *const kinds[] = { "temperature (thermal zones, hwmon)", "cpufreq", "rapl energy" };
	int have[3] = { 0 };
	size_t i;

	memset(t, 0, sizeof(*t));
	t->cap = cap;
	soak_sensors_find(sysfs_root, &t->cpu);
	t->cpu_v = xcalloc(t->cpu.n ? t->cpu.n : 1, sizeof(*t->cpu_v));
	for (i = 0; i < t->cpu.n; i++) {
		t->cpu_v[i] = nans(cap);
		have[t->cpu.s[i].kind] = 1;
	}
	for (i = 0; i < 3; i++)
		if (!have[i])
			add_missing(t, xasprintf("cpu %s: none readable under '%s'", kinds[i], sysfs_root));
	if (gpus)
		open_gpus(t);
}

void soak_telem_release(struct soak_telem *t)
{
	unsigned int i;
	size_t k;
	int f;

	for (k = 0; k < t->cpu.n; k++)
		free(t->cpu_v[k]);
	free(t->cpu_v);
	soak_sensors_release(&t->cpu);
	for (i = 0; t->gpu && i < t->ngpus; i++)
		for (f = 0; f < GF_COUNT; f++)
			free(t->gpu[i].v[f]);
	free(t->gpu);
	if (t->have_nvml)
		nvml_close(&t->nvml);
	for (k = 0; k < t->nmissing; k++)
		free(t->missing[k]);
	free(t->missing);
	memset(t, 0, sizeof(*t));
}

void soak_telem_sample(struct soak_telem *t, size_t k)
{
	unsigned int i;
	size_t s;
	double v;
	int f;

	if (k >= t->cap)
		return;
	for (s = 0; s < t->cpu.n; s++)
		if (!soak_sensor_read(&t->cpu.s[s], &v))
			t->cpu_v[s][k] = v;
	for (i = 0; i < t->ngpus; i++)
		for (f = 0; f < GF_COUNT; f++)
			if (t->gpu[i].present[f] && !fields[f].read(&t->nvml, i, &v, NULL, 0))
				t->gpu[i].v[f][k] = v;
}
