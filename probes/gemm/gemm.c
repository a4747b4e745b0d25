/*
 * gemm.c - the gemm probe: what the node really delivers for dense matrix
 * multiplication, per data type and shape, where each shape sits under the
 * roofline, and whether the results are right.
 *
 * target gpu: cuBLASLt on every GPU at once (gpu.c, gpu.cu); cpu: OpenBLAS
 * dgemm/sgemm (cpu.c); auto: the GPUs when there are any, else the CPU.
 * Verification: verify.h (CPU) and gpu.cu (GPU). Roofline: roofline.h.
 * Metrics and formulas: probes/METRICS.md, section `gemm`.
 */
#include "cpu.h"
#include "gemm.h"
#include "gpu.h"
#include "probe.h"
#include "stats.h"
#include "verify.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CPU_MIN_S 0.02 /* a timed CPU repetition lasts at least 20 ms */

static const struct probe_param params[] = {
	{ .name = "target",
	  .type = PT_ENUM,
	  .def = "auto",
	  .choices = "cpu|gpu|auto",
	  .help = "gpu: cuBLASLt on every GPU at once; cpu: OpenBLAS; auto: the GPUs when present, else the CPU" },
	{ .name = "dtypes",
	  .type = PT_LIST,
	  .def = "fp64,fp32,tf32,fp16,bf16,fp8_e4m3,fp8_e5m2,int8",
	  .choices = "fp64|fp32|tf32|fp16|bf16|fp8_e4m3|fp8_e5m2|int8",
	  .help = "data types; the CPU runs fp64 and fp32 of them, a GPU those its compute capability has" },
	{ .name = "shapes",
	  .type = PT_LIST,
	  .def = "256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,4096x4096x4096,8192x8192x8192,"
		 "16384x16384x16384,4096x10240x8192,4096x57344x8192,4096x8192x28672,16x10240x8192",
	  .help = "GPU shapes MxNxK (C MxN, K summed): a square sweep and the QKV, MLP up and MLP down "
		  "projections of a 70B-class transformer at 4096 tokens, and QKV at 16 tokens (decode)" },
	{ .name = "cpu_shapes",
	  .type = PT_LIST,
	  .def = "256x256x256,512x512x512,1024x1024x1024,2048x2048x2048",
	  .help = "CPU shapes MxNxK" },
	{ .name = "reps",
	  .type = PT_INT,
	  .def = "5",
	  .help = "timed repetitions of each GEMM after one warm-up; the median counts (1..1000)" },
	{ .name = "threads",
	  .type = PT_INT,
	  .def = "0",
	  .help = "OpenBLAS threads (0: OpenBLAS's default, every CPU)" },
	{ .name = "verify",
	  .type = PT_BOOL,
	  .def = "true",
	  .help = "check every result against a reference (GPU: an fp64 GEMM; CPU: long double)" },
	{ .name = "bandwidth",
	  .type = PT_FLOAT,
	  .def = "0",
	  .help = "memory bandwidth in B/s for the roofline (0: measure it: GPU triad kernel, host daxpy)" },
	{ .name = NULL },
};

/* First match wins (a baseline's metric is looked up in this order): the longer patterns first. */
static const struct probe_metric_desc metrics[] = {
	{ "<dtype>_<m>x<n>x<k>_of_roof", "ratio", "higher",
	  "attained over the roofline at the GEMM's intensity, min(peak, bandwidth x intensity) {gpu}" },
	{ "int8_<m>x<n>x<k>", "OP/s", "higher", "int8 GEMM, 2MNK / median seconds per GEMM {gpu}" },
	{ "<dtype>_<m>x<n>x<k>", "FLOP/s", "higher", "GEMM throughput, 2MNK / median seconds per GEMM {gpu}" },
	{ "<dtype>_of_peak", "ratio", "higher", "best measured over the datasheet dense peak, known GPUs only {gpu}" },
	{ "int8_peak", "OP/s", "higher", "int8 datasheet dense peak, known GPUs only {gpu}" },
	{ "<dtype>_peak", "FLOP/s", "higher", "datasheet dense peak, known GPUs only {gpu}" },
	{ "int8_best", "OP/s", "higher", "best int8 GEMM throughput over the shapes {gpu}" },
	{ "<dtype>_best", "FLOP/s", "higher",
	  "best GEMM throughput over the shapes: the measured compute ceiling {gpu}" },
	{ "bandwidth", "B/s", "higher",
	  "the roofline's bandwidth ceiling: measured (24 B per triad/axpy element) or given {gpu}" },
	{ "wrong_elements", "count", "lower",
	  "result elements outside the tolerance, plus elements that differ between two runs of one GEMM {gpu}" },
	{ NULL },
};

/* ---- report ---- */

static double median(const double *v, size_t n)
{
	struct stats st;

	return stats_compute(v, n, &st) ? 0 : st.median;
}

static char *metric_name(const struct gemm_result *r, const char *suffix)
{
	return xasprintf("%s_%llux%llux%llu%s", r->dt->name, (unsigned long long)r->shape.m,
			 (unsigned long long)r->shape.n, (unsigned long long)r->shape.k, suffix);
}

static struct probe_metric *metric(struct probe_ctx *ctx, const struct gemm_target *t, const char *name,
				   const char *unit, const char *better)
{
	struct probe_metric *m = probe_metric(ctx, name, unit, better);

	if (t->gpu)
		probe_metric_label(m, "gpu", t->gpu);
	return m;
}

static struct probe_series *series(struct probe_ctx *ctx, const struct gemm_target *t, const char *name,
				   const struct gemm_dtype *dt, int points)
{
	struct probe_series *s = probe_series_xy(ctx, name, dt->unit, dt->x_unit);

	probe_series_draw(s, 1, points);
	if (t->gpu)
		probe_series_label(s, "gpu", t->gpu);
	return s;
}

static void log_result(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_result *r, double v)
{
	char where[32] = "cpu";

	if (t->gpu)
		snprintf(where, sizeof(where), "gpu %s", t->gpu);
	probe_log(ctx, "%s %s %llux%llux%llu: %.4g %s (%d x %d gemms)%s%s, max error %.3g (tolerance %.3g)%s", where,
		  r->dt->name, (unsigned long long)r->shape.m, (unsigned long long)r->shape.n,
		  (unsigned long long)r->shape.k, v, r->dt->unit, r->nsecs, r->inner, r->verified ? ", verified" : "",
		  r->verified ? (r->full ? " (every element)" : " (screened)") : "", r->worst, r->tol,
		  r->wrong || r->repeat_diff ? ", WRONG" : "");
}

/* Median throughput of a measured result (FLOP/s or OP/s); 0 when it did not run. */
static double throughput(const struct gemm_result *r, double *samples)
{
	int j;

	if (r->status != GEMM_RAN || r->nsecs <= 0)
		return 0;
	for (j = 0; j < r->nsecs; j++)
		samples[j] = r->secs[j] > 0 ? gemm_flops(&r->shape) / r->secs[j] : 0;
	return median(samples, (size_t)r->nsecs);
}

/* One measured point: its metric, its of-roof ratio, its roofline point. */
static void report_point(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_result *r,
			 double ceiling, struct probe_series *pts)
{
	const struct gemm_dtype *dt = r->dt;
	double *tput = xcalloc((size_t)r->nsecs, sizeof(*tput)), v = throughput(r, tput);
	double ai = gemm_intensity(gemm_flops(&r->shape), gemm_min_bytes(&r->shape, dt->elt_in, dt->elt_out));
	char *name = metric_name(r, "");
	struct probe_metric *m = metric(ctx, t, name, dt->unit, "higher");
	int j;

	for (j = 0; j < r->nsecs; j++)
		probe_metric_sample(m, tput[j]);
	free(name);
	free(tput);
	log_result(ctx, t, r, v);
	probe_series_add(pts, ai, v);
	if (t->bandwidth > 0 && ceiling > 0) {
		name = metric_name(r, "_of_roof");
		probe_metric_value(metric(ctx, t, name, "ratio", "higher"),
				   roofline_of_roof(v, ceiling, t->bandwidth, ai));
		free(name);
	}
}

/*
 * The roof under a dtype's points, as the labels report.html draws it from
 * (probes/PROTOCOL.md, series): the compute ceiling and the bandwidth.
 */
static void label_roof(struct probe_series *pts, double ceiling, double bandwidth)
{
	char b[32];

	snprintf(b, sizeof(b), "%.6g", ceiling);
	probe_series_label(pts, "ceiling_compute", b);
	snprintf(b, sizeof(b), "%.6g", bandwidth);
	probe_series_label(pts, "ceiling_bandwidth", b);
}

/* Ceilings and ridge of one dtype into env.roofline[.gpu<N>].<dtype>. */
static void env_roofline(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_dtype *dt,
			 double ceiling, const char *source)
{
	cJSON *root = cJSON_GetObjectItemCaseSensitive(probe_env(ctx), "roofline"), *where, *o;
	char key[32];

	if (!root)
		root = cJSON_AddObjectToObject(probe_env(ctx), "roofline");
	snprintf(key, sizeof(key), t->gpu ? "gpu%s" : "cpu", t->gpu);
	if (!(where = cJSON_GetObjectItemCaseSensitive(root, key))) {
		where = cJSON_AddObjectToObject(root, key);
		cJSON_AddNumberToObject(where, "bandwidth", t->bandwidth);
		cJSON_AddStringToObject(where, "bandwidth_source", t->bw_source);
	}
	o = cJSON_AddObjectToObject(where, dt->name);
	cJSON_AddNumberToObject(o, "ceiling", ceiling);
	cJSON_AddStringToObject(o, "ceiling_source", source);
	cJSON_AddNumberToObject(o, "ridge", roofline_ridge(ceiling, t->bandwidth));
	cJSON_AddStringToObject(o, "ridge_unit", dt->x_unit);
}

/* Everything about one dtype on one target. */
static void report_dtype(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_result *r, size_t n,
			 const struct gemm_dtype *dt)
{
	double best = 0, v, peak = gemm_dtype_peak(t->gpu_name, dt), ceiling, *tmp;
	struct probe_series *pts;
	char *name;
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].dt != dt || r[i].status != GEMM_RAN)
			continue;
		tmp = xcalloc((size_t)r[i].nsecs, sizeof(*tmp));
		v = throughput(&r[i], tmp);
		free(tmp);
		best = v > best ? v : best;
	}
	if (best <= 0)
		return;
	ceiling = peak > 0 ? peak : best;
	name = xasprintf("roofline_%s", dt->name);
	pts = series(ctx, t, name, dt, 1);
	free(name);
	for (i = 0; i < n; i++)
		if (r[i].dt == dt && r[i].status == GEMM_RAN)
			report_point(ctx, t, &r[i], ceiling, pts);
	name = xasprintf("%s_best", dt->name);
	probe_metric_value(metric(ctx, t, name, dt->unit, "higher"), best);
	free(name);
	if (peak > 0) {
		name = xasprintf("%s_peak", dt->name);
		probe_metric_value(metric(ctx, t, name, dt->unit, "higher"), peak);
		free(name);
		name = xasprintf("%s_of_peak", dt->name);
		probe_metric_value(metric(ctx, t, name, "ratio", "higher"), best / peak);
		free(name);
	}
	if (t->bandwidth > 0) {
		label_roof(pts, ceiling, t->bandwidth);
		env_roofline(ctx, t, dt, ceiling, peak > 0 ? "datasheet" : "measured");
	}
}

/* Unmeasured results: logged, counted, and listed once per dtype in env.not_measured. */
static void report_unmeasured(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_result *r,
			      struct gemm_summary *sum)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(probe_env(ctx), "not_measured");
	char *line = xasprintf("%s%s %s %llux%llux%llu: %s", t->gpu ? "gpu " : "cpu", t->gpu ? t->gpu : "", r->dt->name,
			       (unsigned long long)r->shape.m, (unsigned long long)r->shape.n,
			       (unsigned long long)r->shape.k, r->why);

	probe_log(ctx, "%s %s", r->status == GEMM_ERROR ? "error:" : "not measured:", line);
	if (r->status == GEMM_ERROR && !sum->errors++)
		snprintf(sum->first, sizeof(sum->first), "%s", line);
	if (r->status == GEMM_UNSUPPORTED && !sum->skipped[0])
		snprintf(sum->skipped, sizeof(sum->skipped), "%s", line);
	if (!list)
		list = cJSON_AddArrayToObject(probe_env(ctx), "not_measured");
	cJSON_AddItemToArray(list, cJSON_CreateString(line));
	free(line);
}

void gemm_report(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_result *r, size_t n,
		 struct gemm_summary *sum)
{
	uint64_t wrong = 0;
	size_t i;
	int d;

	for (d = 0; d < GEMM_NDTYPES; d++)
		report_dtype(ctx, t, r, n, &gemm_dtypes[d]);
	for (i = 0; i < n; i++) {
		if (r[i].status != GEMM_RAN) {
			report_unmeasured(ctx, t, &r[i], sum);
			continue;
		}
		sum->ran++;
		if (!r[i].wrong && !r[i].repeat_diff)
			continue;
		if (!wrong && !sum->wrong)
			snprintf(sum->first, sizeof(sum->first),
				 "%s%s %s %llux%llux%llu: %llu elements outside the tolerance %.3g (max error %.3g), "
				 "%llu differ between two runs",
				 t->gpu ? "gpu " : "cpu", t->gpu ? t->gpu : "", r[i].dt->name,
				 (unsigned long long)r[i].shape.m, (unsigned long long)r[i].shape.n,
				 (unsigned long long)r[i].shape.k, (unsigned long long)r[i].wrong, r[i].tol, r[i].worst,
				 (unsigned long long)r[i].repeat_diff);
		wrong += r[i].wrong + r[i].repeat_diff;
	}
	if (t->bandwidth > 0)
		probe_metric_value(metric(ctx, t, "bandwidth", "B/s", "higher"), t->bandwidth);
	probe_metric_value(metric(ctx, t, "wrong_elements", "count", "lower"), (double)wrong);
	sum->wrong += wrong;
}

void gemm_results_free(struct gemm_result *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++)
		free(r[i].secs);
	free(r);
}

/* ---- plan ---- */

/* Parse the list param name into p->shapes; duplicates are dropped. */
static int parse_shapes(struct probe_ctx *ctx, const char *param, struct gemm_plan *p)
{
	size_t i, j, n = probe_list_len(ctx, param);
	char err[200];

	p->shapes = xcalloc(n ? n : 1, sizeof(*p->shapes));
	for (i = 0; i < n; i++) {
		struct gemm_shape s;
		if (gemm_shape_parse(probe_list_item(ctx, param, i), &s, err, sizeof(err)))
			return probe_error(ctx, "%s: %s", param, err);
		for (j = 0; j < p->nshapes; j++)
			if (!memcmp(&p->shapes[j], &s, sizeof(s)))
				break;
		if (j == p->nshapes)
			p->shapes[p->nshapes++] = s;
	}
	if (!p->nshapes)
		return probe_error(ctx, "%s: no shape given", param);
	return 0;
}

/* The dtypes of the param that this target runs; the others are logged once. */
static void pick_dtypes(struct probe_ctx *ctx, int cpu, struct gemm_plan *p)
{
	size_t i, n = probe_list_len(ctx, "dtypes");
	const struct gemm_dtype *dt;

	p->dtypes = xcalloc(n ? n : 1, sizeof(*p->dtypes));
	for (i = 0; i < n; i++) {
		dt = gemm_dtype_find(probe_list_item(ctx, "dtypes", i));
		if (!dt)
			continue;
		if (cpu && !dt->cpu)
			probe_log(ctx, "cpu: not measuring %s: %s", dt->name, dt->cpu_why);
		else
			p->dtypes[p->ndtypes++] = dt;
	}
}

static void plan_release(struct gemm_plan *p)
{
	free(p->shapes);
	free((void *)p->dtypes);
	memset(p, 0, sizeof(*p));
}

/* ---- cpu ---- */

/* Refuse a CPU shape that cannot fit in half of the host's memory, before anything runs. */
static int check_host_memory(struct probe_ctx *ctx, const struct gemm_plan *p)
{
	double mem = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE), need;
	const struct gemm_shape *s;
	size_t d, i;

	for (d = 0; d < p->ndtypes; d++)
		for (i = 0; i < p->nshapes; i++) {
			s = &p->shapes[i];
			need = (double)p->dtypes[d]->elt_in *
			       ((double)s->m * s->k + (double)s->k * s->n + 2.0 * s->m * s->n);
			if (mem > 0 && need > mem / 2)
				return probe_error(ctx,
						   "cpu_shapes: '%llux%llux%llu' (%s) needs %.1f GiB, more than half "
						   "of this host's %.1f GiB",
						   (unsigned long long)s->m, (unsigned long long)s->n,
						   (unsigned long long)s->k, p->dtypes[d]->name, need / (1 << 30),
						   mem / (1 << 30));
		}
	return 0;
}

static void cpu_case(const struct gemm_plan *p, const struct gemm_dtype *dt, const struct gemm_shape *s,
		     struct gemm_result *r)
{
	struct gemm_cpu_case c = { .dt = dt,
				   .shape = *s,
				   .reps = p->reps,
				   .verify = p->verify,
				   .corrupt = p->corrupt,
				   .min_s = CPU_MIN_S,
				   .secs = xcalloc((size_t)p->reps, sizeof(double)) };

	r->dt = dt;
	r->shape = *s;
	r->secs = c.secs;
	if (gemm_cpu_run(&c, r->why, sizeof(r->why))) {
		r->status = GEMM_ERROR;
		return;
	}
	r->status = GEMM_RAN;
	r->nsecs = p->reps;
	r->inner = c.inner;
	r->verified = p->verify;
	r->full = c.check.full;
	r->wrong = c.check.wrong;
	r->repeat_diff = c.repeat_diff;
	r->worst = c.check.worst;
	r->tol = c.tol;
}

static int run_cpu(struct probe_ctx *ctx, struct gemm_plan *p, struct gemm_summary *sum)
{
	struct gemm_target t = { .gpu = NULL, .gpu_name = NULL, .bandwidth = p->bandwidth, .bw_source = "param" };
	int threads = gemm_cpu_threads((int)probe_int(ctx, "threads"));
	struct gemm_result *r;
	size_t d, i, n;

	if (parse_shapes(ctx, "cpu_shapes", p))
		return -1;
	pick_dtypes(ctx, 1, p);
	if (!p->ndtypes) {
		probe_skip(ctx, "no requested data type has a cpu path (the cpu runs fp64 and fp32)");
		return 0;
	}
	if (check_host_memory(ctx, p))
		return -1;
	cJSON_AddStringToObject(probe_env(ctx), "blas", gemm_cpu_blas());
	cJSON_AddNumberToObject(probe_env(ctx), "blas_threads", threads);
	if (t.bandwidth <= 0) {
		t.bandwidth = gemm_cpu_bandwidth(3);
		t.bw_source = "measured";
	}
	n = p->ndtypes * p->nshapes;
	r = xcalloc(n, sizeof(*r));
	for (d = 0; d < p->ndtypes; d++)
		for (i = 0; i < p->nshapes; i++)
			cpu_case(p, p->dtypes[d], &p->shapes[i], &r[d * p->nshapes + i]);
	gemm_report(ctx, &t, r, n, sum);
	gemm_results_free(r, n);
	return 0;
}

/* ---- run ---- */

static int run_gpu(struct probe_ctx *ctx, struct gemm_plan *p, struct gemm_summary *sum, char *why, size_t len)
{
	if (parse_shapes(ctx, "shapes", p))
		return -1;
	pick_dtypes(ctx, 0, p);
	if (!p->ndtypes)
		return probe_error(ctx, "dtypes: no data type given");
	return gemm_gpu(ctx, p, sum, why, len);
}

/* The status from what every target found: wrong results fail, then errors, then nothing measured. */
static void verdict(struct probe_ctx *ctx, const struct gemm_summary *sum)
{
	if (sum->wrong)
		probe_fail(ctx, "%llu wrong result elements; first: %s", (unsigned long long)sum->wrong, sum->first);
	else if (sum->errors)
		probe_error(ctx, "%zu gemm%s could not run; first: %s", sum->errors, sum->errors == 1 ? "" : "s",
			    sum->first);
	else if (!sum->ran)
		probe_skip(ctx, "nothing measured: %s", sum->skipped[0] ? sum->skipped : "no shape ran");
}

static int run(struct probe_ctx *ctx)
{
	const char *target = probe_str(ctx, "target");
	struct gemm_summary sum;
	struct gemm_plan base, p;
	char why[256] = "";
	int rc = 0;

	memset(&sum, 0, sizeof(sum));
	memset(&base, 0, sizeof(base));
	base.reps = (int)probe_int(ctx, "reps");
	base.verify = probe_bool(ctx, "verify");
	base.bandwidth = probe_float(ctx, "bandwidth");
	if (probe_int(ctx, "reps") < 1 || probe_int(ctx, "reps") > 1000)
		return probe_error(ctx, "reps must be 1..1000, not %lld", probe_int(ctx, "reps"));
	if (probe_int(ctx, "threads") < 0 || probe_int(ctx, "threads") > 4096)
		return probe_error(ctx, "threads must be 0..4096, not %lld", probe_int(ctx, "threads"));
	if (!(base.bandwidth >= 0) || !isfinite(base.bandwidth))
		return probe_error(ctx, "bandwidth must be 0 (measure) or a positive number of B/s, not %g",
				   base.bandwidth);
	base.corrupt = probe_fault(ctx, "corrupt");
	p = base;
	if (strcmp(target, "cpu")) {
		rc = run_gpu(ctx, &p, &sum, why, sizeof(why));
		plan_release(&p);
		p = base;
		if (rc == 1 && !strcmp(target, "gpu")) {
			probe_skip(ctx, "%s", why);
			return 0;
		}
		if (rc == 1)
			probe_log(ctx, "no gpu, measuring the cpu: %s", why);
		if (rc < 0)
			return -1;
	}
	if (!strcmp(target, "cpu") || rc == 1)
		rc = run_cpu(ctx, &p, &sum);
	plan_release(&p);
	if (rc < 0)
		return -1;
	verdict(ctx, &sum);
	return 0;
}

const struct probe_ops probe_ops = {
	.name = "gemm",
	.version = "1.0.0",
	.description = "dense matrix multiply (GEMM) per data type and shape: throughput, roofline, verified results; "
		       "cuBLASLt on GPUs, OpenBLAS on CPUs",
	.params = params,
	.metrics = metrics,
	.run = run,
};
