/*
 * soak.c - the soak probe: sustained load with temperatures, clocks, power
 * and throttle reasons sampled over time.
 *
 * The load runs on its own threads (load.h: every core, or every GPU); the
 * probe's main thread is the sampler: every interval it reads the load
 * counters and the sensors (telemetry.h) into slot k, sleeping to absolute
 * deadlines so intervals do not drift. Afterwards every series is reported
 * and the metrics computed (analysis.h). Metrics and formulas:
 * probes/METRICS.md, section `soak`.
 */
#include "analysis.h"
#include "load.h"
#include "probe.h"
#include "telemetry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

#define ERRLEN 512
#define PLATEAU_TOL 1.0	     /* celsius */
#define MAX_SAMPLES 1000000u /* a week at 1 s */

static const struct probe_param params[] = {
	{ .name = "target",
	  .type = PT_ENUM,
	  .def = "auto",
	  .choices = "cpu|gpu|auto",
	  .help = "cpu: load every core; gpu: load every GPU; auto: the GPUs when present, else the cores" },
	{ .name = "duration", .type = PT_DURATION, .def = "10s", .help = "how long the load runs" },
	{ .name = "interval", .type = PT_DURATION, .def = "1s", .help = "sampling interval (>= 10ms)" },
	{ .name = "telemetry",
	  .type = PT_BOOL,
	  .def = "true",
	  .help = "sample sensors (sysfs, NVML) each interval; false only counts throughput (overhead benchmark)" },
	{ .name = "sysfs_root", .type = PT_STRING, .def = "/sys", .help = "where sysfs is (tests use a fake tree)" },
	{ .name = "cpu_load",
	  .type = PT_LIST,
	  .def = "fma",
	  .choices = "fma|mem",
	  .help = "cpu loops per core: fma (vectorised FMA), mem (memory-bound pass over mem_size)" },
	{ .name = "mem_size", .type = PT_SIZE, .def = "32MiB", .help = "bytes each core's memory-bound loop streams" },
	{ .name = "threads", .type = PT_INT, .def = "0", .help = "cpu load threads (0: one per core, pinned)" },
	{ .name = "dtype", .type = PT_ENUM, .def = "bf16", .choices = "bf16|fp16", .help = "GPU GEMM input type" },
	{ .name = "gemm_size", .type = PT_INT, .def = "8192", .help = "GPU GEMM size n (n x n x n)" },
	{ .name = "check_every",
	  .type = PT_DURATION,
	  .def = "10s",
	  .help = "GPU: time between comparisons of the GEMM output with the first one" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ "throughput", "FLOP/s", "higher",
	  "steady-state load throughput {device=cpu|gpu}: median interval after the first window" },
	{ "mem_throughput", "B/s", "higher", "steady-state memory-bound loop throughput {device=cpu}" },
	{ "throughput_drift", "ratio", "higher",
	  "last window's mean throughput over the first's, minus 1 {device|gpu}" },
	{ "temp_max", "celsius", "lower",
	  "highest temperature seen {device=cpu: hottest sensor | gpu[, sensor=memory]}" },
	{ "thermal_plateau_time", "s", "lower",
	  "first time after which temperature stays within 1 C of its last-window mean {device|gpu}" },
	{ "throttled", "ratio", "lower", "fraction of intervals with a clocks-event reason set {gpu, reason}" },
	{ "power_avg", "W", "lower", "mean power over the intervals {device=cpu (RAPL) | gpu}" },
	{ "power_max", "W", "lower", "highest interval power {device=cpu | gpu}" },
	{ "energy", "J", "lower", "energy used during the soak {device=cpu (RAPL) | gpu (energy counter)}" },
	{ "clock_drift", "ratio", "higher",
	  "last window's mean clock over the first's, minus 1 {device=cpu | gpu: SM}" },
	{ "sdc_errors", "count", "lower", "results that differed from the first one {device=cpu | gpu}" },
	{ "ecc_errors", "count", "lower", "ECC errors counted during the soak {gpu, type=corrected|uncorrected}" },
	{ "pcie_replays", "count", "lower", "PCIe replays counted during the soak {gpu}" },
	{ NULL },
};

/* Throttle reasons reported, and the ones that count as "any". */
static const struct {
	const char *name;
	uint64_t bits;
} reasons[] = {
	{ "sw_power_cap", NVML_CLOCKS_EVENT_SW_POWER_CAP },
	{ "hw_slowdown", NVML_CLOCKS_EVENT_HW_SLOWDOWN },
	{ "sw_thermal", NVML_CLOCKS_EVENT_SW_THERMAL },
	{ "hw_thermal", NVML_CLOCKS_EVENT_HW_THERMAL },
	{ "hw_power_brake", NVML_CLOCKS_EVENT_HW_POWER_BRAKE },
	{ "sync_boost", NVML_CLOCKS_EVENT_SYNC_BOOST },
	{ "any", NVML_CLOCKS_EVENT_SW_POWER_CAP | NVML_CLOCKS_EVENT_HW_SLOWDOWN | NVML_CLOCKS_EVENT_SW_THERMAL |
			 NVML_CLOCKS_EVENT_HW_THERMAL | NVML_CLOCKS_EVENT_HW_POWER_BRAKE },
};

/* One run: samples k = 0..n (slot 0 at the load's start), intervals k = 1..n. */
struct soak {
	struct probe_ctx *ctx;
	size_t n;	/* intervals */
	double *t;	/* n + 1 sample times, seconds since the load started */
	size_t nunits;	/* load units */
	double **flops; /* [unit][n+1] cumulative */
	double **bytes; /* [unit][n+1] cumulative */
	int gpu;	/* the load is on GPUs */
	int mem;	/* the memory-bound loop runs */
	struct soak_telem tel;
	int have_tel;
};

static void sleep_until(double deadline)
{
	struct timespec ts = { (time_t)deadline, (long)((deadline - (double)(time_t)deadline) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static struct probe_metric *metric(struct soak *s, const char *name, const char *unit, const char *better, double v,
				   const char *key, const char *label)
{
	struct probe_metric *m;

	if (isnan(v) || isinf(v))
		return NULL;
	m = probe_metric_set(s->ctx, name, unit, better, v);
	probe_metric_label(m, key, label);
	return m;
}

/* A series of the samples (k = 0..n) or of the intervals (k = 1..n, at their end). */
static void series(struct soak *s, const char *name, const char *unit, const double *v, int intervals, const char *key,
		   const char *label, const char *key2, const char *label2)
{
	struct probe_series *ps = NULL;
	size_t k;

	for (k = intervals ? 1 : 0; k <= s->n; k++) {
		if (isnan(v[k]))
			continue;
		if (!ps) {
			ps = probe_series(s->ctx, name, unit);
			probe_series_label(ps, key, label);
			if (key2)
				probe_series_label(ps, key2, label2);
		}
		probe_series_add(ps, s->t[k], v[k]);
	}
}

/* Per-interval rate of a cumulative counter: r[k] for k = 1..n, r[0] NAN. range: where it wraps (0: never). */
static double *rates(struct soak *s, const double *c, double range)
{
	double *r = xmalloc((s->n + 1) * sizeof(*r));
	size_t k;

	r[0] = NAN;
	for (k = 1; k <= s->n; k++)
		r[k] = isnan(c[k]) || isnan(c[k - 1]) || s->t[k] <= s->t[k - 1]
			       ? NAN
			       : soak_counter_delta(c[k - 1], c[k], range) / (s->t[k] - s->t[k - 1]);
	return r;
}

/* First and last present values' difference (a counter over the whole run), NAN when none. */
static double counter_span(struct soak *s, const double *c, double range)
{
	double sum = 0;
	size_t k, last = SIZE_MAX;

	for (k = 0; k <= s->n; k++) {
		if (isnan(c[k]))
			continue;
		if (last != SIZE_MAX)
			sum += soak_counter_delta(c[last], c[k], range);
		last = k;
	}
	return last == SIZE_MAX ? NAN : sum;
}

/* Throughput metrics and series of the load, per unit and in total. */
static void report_load(struct soak *s, const char *key, int per_unit, struct soak_unit *(*unit)(void *, size_t),
			void *load)
{
	double *total = xcalloc(s->n + 1, sizeof(*total)), *btotal = xcalloc(s->n + 1, sizeof(*btotal)), *r;
	const char *dev = s->gpu ? "gpu" : "cpu";
	size_t u, k;

	for (u = 0; u < s->nunits; u++) {
		for (k = 0; k <= s->n; k++) {
			total[k] += s->flops[u][k];
			btotal[k] += s->bytes[u][k];
		}
		r = rates(s, s->flops[u], 0);
		if (per_unit)
			series(s, "throughput", "FLOP/s", r, 1, key, unit(load, u)->label, NULL, NULL);
		if (s->gpu) {
			metric(s, "throughput", "FLOP/s", "higher", soak_steady(r + 1, s->n), "gpu",
			       unit(load, u)->label);
			metric(s, "throughput_drift", "ratio", "higher", soak_drift(r + 1, s->n), "gpu",
			       unit(load, u)->label);
		}
		free(r);
	}
	if (!s->gpu) {
		r = rates(s, total, 0);
		series(s, "throughput", "FLOP/s", r, 1, "device", dev, NULL, NULL);
		metric(s, "throughput", "FLOP/s", "higher", soak_steady(r + 1, s->n), "device", dev);
		metric(s, "throughput_drift", "ratio", "higher", soak_drift(r + 1, s->n), "device", dev);
		free(r);
		if (s->mem) {
			r = rates(s, btotal, 0);
			series(s, "mem_throughput", "B/s", r, 1, "device", dev, NULL, NULL);
			metric(s, "mem_throughput", "B/s", "higher", soak_steady(r + 1, s->n), "device", dev);
			free(r);
		}
	}
	free(total);
	free(btotal);
}

static void report_temp(struct soak *s, const double *v, const char *key, const char *label, int memory)
{
	struct probe_metric *m = metric(s, "temp_max", "celsius", "lower", soak_max(v, s->n + 1), key, label);

	if (memory) {
		if (m)
			probe_metric_label(m, "sensor", "memory");
		return;
	}
	metric(s, "thermal_plateau_time", "s", "lower", soak_plateau(s->t, v, s->n + 1, PLATEAU_TOL), key, label);
}

/* Power from a cumulative energy counter: series and metrics, energy over the run. */
static void report_energy(struct soak *s, const double *e, double range, const char *key, const char *label,
			  const char *series_name)
{
	double *p = rates(s, e, range);

	series(s, series_name, "W", p, 1, key, label, NULL, NULL);
	metric(s, "power_avg", "W", "lower", soak_mean(p, 1, s->n + 1), key, label);
	metric(s, "power_max", "W", "lower", soak_max(p + 1, s->n), key, label);
	metric(s, "energy", "J", "lower", counter_span(s, e, range), key, label);
	free(p);
}

static void report_cpu_tel(struct soak *s)
{
	struct soak_telem *t = &s->tel;
	double *hot = xmalloc((s->n + 1) * sizeof(*hot)), *clk = xmalloc((s->n + 1) * sizeof(*clk));
	double *rapl = xcalloc(s->n + 1, sizeof(*rapl));
	size_t i, k, nfreq = 0, nrapl = 0;

	for (k = 0; k <= s->n; k++)
		hot[k] = clk[k] = NAN;
	for (i = 0; i < t->cpu.n; i++) {
		const struct soak_sensor *se = &t->cpu.s[i];
		const double *v = t->cpu_v[i];

		if (se->kind == SENSOR_TEMP) {
			series(s, "cpu_temp", "celsius", v, 0, "sensor", se->name, NULL, NULL);
			for (k = 0; k <= s->n; k++)
				if (!isnan(v[k]) && (isnan(hot[k]) || v[k] > hot[k]))
					hot[k] = v[k];
		} else if (se->kind == SENSOR_FREQ) {
			series(s, "cpu_clock", "Hz", v, 0, "cpu", se->name + 3, NULL, NULL);
			nfreq++;
			for (k = 0; k <= s->n; k++)
				clk[k] = isnan(clk[k]) ? v[k] : clk[k] + v[k];
		} else {
			report_energy(s, v, se->range, "package", se->name, "cpu_power");
			nrapl++;
			for (k = 1; k <= s->n; k++)
				rapl[k] += soak_counter_delta(v[k - 1], v[k], se->range);
		}
	}
	report_temp(s, hot, "device", "cpu", 0);
	for (k = 0; nfreq && k <= s->n; k++)
		clk[k] /= (double)nfreq;
	if (nfreq)
		metric(s, "clock_drift", "ratio", "higher", soak_drift(clk, s->n + 1), "device", "cpu");
	if (nrapl) {
		/* rapl[k]: energy of all packages in interval k; as a counter for the device total */
		for (k = 1; k <= s->n; k++)
			rapl[k] += rapl[k - 1];
		report_energy(s, rapl, 0, "device", "cpu", "cpu_power_total");
	}
	free(hot);
	free(clk);
	free(rapl);
}

static void report_gpu_tel(struct soak *s, unsigned int g)
{
	struct soak_gpu_tel *gt = &s->tel.gpu[g];
	char label[16];
	uint64_t *mask;
	unsigned char *valid;
	struct probe_metric *m;
	size_t k, r;
	double *flag;

	snprintf(label, sizeof(label), "%u", g);
	if (gt->present[GF_TEMP]) {
		series(s, "gpu_temp", "celsius", gt->v[GF_TEMP], 0, "gpu", label, NULL, NULL);
		report_temp(s, gt->v[GF_TEMP], "gpu", label, 0);
	}
	if (gt->present[GF_MEM_TEMP]) {
		series(s, "gpu_mem_temp", "celsius", gt->v[GF_MEM_TEMP], 0, "gpu", label, NULL, NULL);
		report_temp(s, gt->v[GF_MEM_TEMP], "gpu", label, 1);
	}
	if (gt->present[GF_SM_CLOCK]) {
		series(s, "gpu_sm_clock", "Hz", gt->v[GF_SM_CLOCK], 0, "gpu", label, NULL, NULL);
		metric(s, "clock_drift", "ratio", "higher", soak_drift(gt->v[GF_SM_CLOCK], s->n + 1), "gpu", label);
	}
	if (gt->present[GF_MEM_CLOCK])
		series(s, "gpu_mem_clock", "Hz", gt->v[GF_MEM_CLOCK], 0, "gpu", label, NULL, NULL);
	if (gt->present[GF_POWER_LIMIT])
		series(s, "gpu_power_limit", "W", gt->v[GF_POWER_LIMIT], 0, "gpu", label, NULL, NULL);
	if (gt->present[GF_ENERGY]) {
		report_energy(s, gt->v[GF_ENERGY], 0, "gpu", label, "gpu_power");
	} else if (gt->present[GF_POWER]) {
		/* no energy counter: the power readings themselves, and energy as their time integral */
		double e = 0;

		series(s, "gpu_power", "W", gt->v[GF_POWER], 1, "gpu", label, NULL, NULL);
		metric(s, "power_avg", "W", "lower", soak_mean(gt->v[GF_POWER], 1, s->n + 1), "gpu", label);
		metric(s, "power_max", "W", "lower", soak_max(gt->v[GF_POWER] + 1, s->n), "gpu", label);
		for (k = 1; k <= s->n; k++)
			if (!isnan(gt->v[GF_POWER][k]))
				e += gt->v[GF_POWER][k] * (s->t[k] - s->t[k - 1]);
		metric(s, "energy", "J", "lower", e, "gpu", label);
	}
	if (gt->present[GF_REASONS]) {
		mask = xcalloc(s->n + 1, sizeof(*mask));
		valid = xcalloc(s->n + 1, 1);
		flag = xmalloc((s->n + 1) * sizeof(*flag));
		for (k = 0; k <= s->n; k++) {
			valid[k] = !isnan(gt->v[GF_REASONS][k]);
			mask[k] = valid[k] ? (uint64_t)gt->v[GF_REASONS][k] : 0;
		}
		for (r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++) {
			m = metric(s, "throttled", "ratio", "lower",
				   soak_flag_fraction(mask, valid, s->n + 1, reasons[r].bits), "gpu", label);
			if (m)
				probe_metric_label(m, "reason", reasons[r].name);
			for (k = 0; k <= s->n; k++)
				flag[k] = valid[k] ? (double)((mask[k] & reasons[r].bits) != 0) : NAN;
			series(s, "gpu_throttled", "ratio", flag, 1, "gpu", label, "reason", reasons[r].name);
		}
		free(mask);
		free(valid);
		free(flag);
	}
	if (gt->present[GF_ECC_CORR] &&
	    (m = metric(s, "ecc_errors", "count", "lower", counter_span(s, gt->v[GF_ECC_CORR], 0), "gpu", label)))
		probe_metric_label(m, "type", "corrected");
	if (gt->present[GF_ECC_UNCORR] &&
	    (m = metric(s, "ecc_errors", "count", "lower", counter_span(s, gt->v[GF_ECC_UNCORR], 0), "gpu", label)))
		probe_metric_label(m, "type", "uncorrected");
	if (gt->present[GF_REPLAYS])
		metric(s, "pcie_replays", "count", "lower", counter_span(s, gt->v[GF_REPLAYS], 0), "gpu", label);
}

static void report_env(struct soak *s, const char *note)
{
	cJSON *env = cJSON_AddObjectToObject(probe_env(s->ctx), "soak"), *a;
	size_t i;

	cJSON_AddStringToObject(env, "load", s->gpu ? "gpu" : "cpu");
	cJSON_AddNumberToObject(env, "units", (double)s->nunits);
	cJSON_AddNumberToObject(env, "intervals", (double)s->n);
	if (*note)
		cJSON_AddStringToObject(env, "note", note);
	if (!s->have_tel)
		return;
	if (nvml_lib(&s->tel.nvml))
		cJSON_AddStringToObject(env, "nvml", nvml_lib(&s->tel.nvml));
	a = cJSON_AddArrayToObject(env, "sensors");
	for (i = 0; i < s->tel.cpu.n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s->tel.cpu.s[i].name));
	a = cJSON_AddArrayToObject(env, "missing");
	for (i = 0; i < s->tel.nmissing; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s->tel.missing[i]));
}

/* Read every unit's counters into slot k. */
static void read_counters(struct soak *s, size_t k, struct soak_unit *(*unit)(void *, size_t), void *load)
{
	size_t u;

	for (u = 0; u < s->nunits; u++) {
		struct soak_unit *su = unit(load, u);

		s->flops[u][k] = (double)atomic_load_explicit(&su->flops, memory_order_relaxed);
		s->bytes[u][k] = (double)atomic_load_explicit(&su->bytes, memory_order_relaxed);
	}
}

/* The sampler: slots 0..n at start + k * interval. */
static void sample(struct soak *s, double interval, struct soak_unit *(*unit)(void *, size_t), void *load)
{
	double start = mono();
	size_t k;

	for (k = 0; k <= s->n; k++) {
		if (k)
			sleep_until(start + (double)k * interval);
		s->t[k] = mono() - start;
		read_counters(s, k, unit, load);
		if (s->have_tel)
			soak_telem_sample(&s->tel, k);
	}
}

static struct soak_unit *cpu_unit(void *load, size_t i)
{
	return soak_cpu_unit(load, i);
}

static struct soak_unit *gpu_unit(void *load, size_t i)
{
	return soak_gpu_unit(load, i);
}

static int want(struct probe_ctx *ctx, const char *name, const char *item)
{
	size_t i, n = probe_list_len(ctx, name);

	for (i = 0; i < n; i++)
		if (!strcmp(probe_list_item(ctx, name, i), item))
			return 1;
	return 0;
}

/* Start the load: 0 started (s->gpu says where), 1 skipped (verdict given), -1 error (given). */
static int start_load(struct soak *s, const char *target, struct soak_cpu **cpu, struct soak_gpu **gpu, char *note,
		      size_t notelen)
{
	struct probe_ctx *ctx = s->ctx;
	struct soak_gpu_opts go = {
		.fp16 = !strcmp(probe_str(ctx, "dtype"), "fp16"),
		.n = (uint64_t)probe_int(ctx, "gemm_size"),
		.check_every = (double)probe_duration_ns(ctx, "check_every") / 1e9,
	};
	struct soak_cpu_opts co = {
		.threads = (unsigned int)probe_int(ctx, "threads"),
		.fma = want(ctx, "cpu_load", "fma"),
		.mem_bytes = want(ctx, "cpu_load", "mem") ? probe_size(ctx, "mem_size") : 0,
	};
	char err[ERRLEN] = "";
	int rc;

	if (strcmp(target, "cpu")) {
		if (probe_int(ctx, "gemm_size") < 64 || probe_int(ctx, "gemm_size") > 65536)
			return probe_error(ctx, "gemm_size must be 64..65536, not %lld", probe_int(ctx, "gemm_size"));
		go.corrupt = probe_fault(ctx, "sdc");
		rc = soak_gpu_start(&go, gpu, err, sizeof(err));
		if (rc < 0)
			return probe_error(ctx, "%s", err);
		if (rc == 0) {
			s->gpu = 1;
			s->nunits = soak_gpu_units(*gpu);
			return 0;
		}
		if (!strcmp(target, "gpu")) {
			probe_skip(ctx, "%s", err);
			return 1;
		}
		probe_log(ctx, "gpus not loaded: %s; loading the cpus", err);
	}
	if (probe_int(ctx, "threads") < 0 || probe_int(ctx, "threads") > 4096)
		return probe_error(ctx, "threads must be 0..4096, not %lld", probe_int(ctx, "threads"));
	if (!co.fma && !co.mem_bytes)
		return probe_error(ctx, "cpu_load names no loop");
	co.corrupt = co.fma && probe_fault(ctx, "sdc");
	if (soak_cpu_start(&co, cpu, note, notelen, err, sizeof(err)))
		return probe_error(ctx, "%s", err);
	s->mem = co.mem_bytes > 0;
	s->nunits = soak_cpu_units(*cpu);
	return 0;
}

static void sdc_verdict(struct soak *s, struct soak_unit *(*unit)(void *, size_t), void *load)
{
	uint64_t total = 0, checks = 0, v;
	size_t u;

	for (u = 0; u < s->nunits; u++) {
		v = atomic_load(&unit(load, u)->sdc);
		checks += atomic_load(&unit(load, u)->checks);
		total += v;
		if (s->gpu)
			metric(s, "sdc_errors", "count", "lower", (double)v, "gpu", unit(load, u)->label);
	}
	if (!s->gpu)
		metric(s, "sdc_errors", "count", "lower", (double)total, "device", "cpu");
	cJSON_AddNumberToObject(cJSON_GetObjectItem(probe_env(s->ctx), "soak"), "comparisons", (double)checks);
	if (total)
		probe_fail(s->ctx,
			   "%llu of %llu result comparisons differed from the first result (silent data corruption)",
			   (unsigned long long)total, (unsigned long long)checks);
}

static int run(struct probe_ctx *ctx)
{
	struct soak s = { .ctx = ctx };
	uint64_t dur = probe_duration_ns(ctx, "duration"), iv = probe_duration_ns(ctx, "interval");
	struct soak_unit *(*unit)(void *, size_t);
	struct soak_cpu *cpu = NULL;
	struct soak_gpu *gpu = NULL;
	char note[256] = "", err[ERRLEN] = "";
	void *load;
	size_t u, g;
	int rc;

	if (iv < 10000000ull)
		return probe_error(ctx, "interval must be at least 10ms");
	if (dur < iv)
		return probe_error(ctx, "duration must be at least one interval");
	s.n = (size_t)((dur + iv / 2) / iv);
	if (s.n > MAX_SAMPLES)
		return probe_error(ctx, "duration / interval is more than %u samples", MAX_SAMPLES);
	rc = start_load(&s, probe_str(ctx, "target"), &cpu, &gpu, note, sizeof(note));
	if (rc)
		return rc > 0 ? 0 : -1;
	unit = s.gpu ? gpu_unit : cpu_unit;
	load = s.gpu ? (void *)gpu : (void *)cpu;
	s.t = xcalloc(s.n + 1, sizeof(*s.t));
	s.flops = xcalloc(s.nunits, sizeof(*s.flops));
	s.bytes = xcalloc(s.nunits, sizeof(*s.bytes));
	for (u = 0; u < s.nunits; u++) {
		s.flops[u] = xcalloc(s.n + 1, sizeof(**s.flops));
		s.bytes[u] = xcalloc(s.n + 1, sizeof(**s.bytes));
	}
	if (probe_bool(ctx, "telemetry")) {
		soak_telem_open(&s.tel, probe_str(ctx, "sysfs_root"), 1, s.n + 1);
		s.have_tel = 1;
		for (u = 0; u < s.tel.nmissing; u++)
			probe_log(ctx, "missing: %s", s.tel.missing[u]);
	}
	probe_log(ctx, "%zu %s load units for %zu intervals of %.3f s", s.nunits, s.gpu ? "gpu" : "cpu", s.n,
		  (double)iv / 1e9);
	sample(&s, (double)iv / 1e9, unit, load);
	report_env(&s, note);
	sdc_verdict(&s, unit, load);
	report_load(&s, s.gpu ? "gpu" : "cpu", 1, unit, load);
	if (s.have_tel) {
		report_cpu_tel(&s);
		for (g = 0; g < s.tel.ngpus; g++)
			report_gpu_tel(&s, (unsigned int)g);
	}
	rc = 0;
	if (s.gpu && soak_gpu_stop(gpu, err, sizeof(err)))
		rc = probe_error(ctx, "%s", err);
	if (!s.gpu)
		soak_cpu_stop(cpu);
	for (u = 0; u < s.nunits; u++) {
		free(s.flops[u]);
		free(s.bytes[u]);
	}
	free(s.flops);
	free(s.bytes);
	free(s.t);
	if (s.have_tel)
		soak_telem_release(&s.tel);
	return rc;
}

const struct probe_ops probe_ops = {
	.name = "soak",
	.version = "1.0.0",
	.description = "thermal soak: sustained cpu or gpu load with temperatures, clocks, power and throttle "
		       "reasons over time",
	.params = params,
	.metrics = metrics,
	.run = run,
};
