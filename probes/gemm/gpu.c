/* gpu.c - see gpu.h. */
#include "gpu.h"
#include "probe.h"
#include "verify.h"
#include "xalloc.h"

#include <stdio.h>
#include <string.h>

#if SD_HAVE_CUDA
#include "gpucuda.h"

#include <pthread.h>

#define GPU_MIN_S 0.005 /* a timed repetition lasts at least 5 ms: event resolution is ~0.5 us */

struct gpu_job {
	int dev;
	struct gemm_gpu_info info;
	const struct gemm_plan *plan;
	struct gemm_result *res; /* ndtypes × nshapes */
	double bandwidth;
	char bw_why[256];
	char label[16];
};

/* Bytes a case needs on the GPU: typed A, B, two results, fp64 inputs, the fp64 reference and |A||B|, workspace. */
static double footprint(const struct gemm_dtype *dt, const struct gemm_shape *s, int verify)
{
	double m = (double)s->m, n = (double)s->n, k = (double)s->k;
	double in = m * k + k * n;

	return (double)dt->elt_in * in + 2.0 * (double)dt->elt_out * m * n + 8.0 * in + (verify ? 16.0 * m * n : 0) +
	       (32u << 20);
}

static void run_case(struct gpu_job *j, const struct gemm_dtype *dt, const struct gemm_shape *s, struct gemm_result *r)
{
	const struct gemm_plan *p = j->plan;
	struct gemm_cuda_case c = { .dev = j->dev,
				    .dtype = dt->id,
				    .m = s->m,
				    .n = s->n,
				    .k = s->k,
				    .reps = p->reps,
				    .verify = p->verify,
				    .corrupt = p->corrupt,
				    .tol = gemm_tolerance(dt, s->k),
				    .tol_ref = gemm_tolerance(&gemm_dtypes[GEMM_FP64], s->k),
				    .min_s = GPU_MIN_S,
				    .secs = xcalloc((size_t)p->reps, sizeof(double)) };
	int rc;

	r->dt = dt;
	r->shape = *s;
	if (!gemm_dtype_gpu_supported(dt, j->info.cc, r->why, sizeof(r->why))) {
		r->status = GEMM_UNSUPPORTED;
		free(c.secs);
		return;
	}
	rc = gemm_cuda_run(&c);
	r->status = rc == 0 ? GEMM_RAN : rc == 1 ? GEMM_UNSUPPORTED : GEMM_ERROR;
	snprintf(r->why, sizeof(r->why), "%s", c.why);
	r->secs = c.secs;
	r->nsecs = rc == 0 ? p->reps : 0;
	r->inner = c.inner;
	r->verified = p->verify;
	r->full = p->verify;
	r->wrong = c.wrong;
	r->repeat_diff = c.repeat_diff;
	r->worst = c.worst;
	r->tol = c.tol;
}

static void *gpu_thread(void *arg)
{
	struct gpu_job *j = arg;
	const struct gemm_plan *p = j->plan;
	size_t d, s;

	if (p->bandwidth > 0)
		j->bandwidth = p->bandwidth;
	else
		j->bandwidth = gemm_cuda_bandwidth(j->dev, 5, j->bw_why, sizeof(j->bw_why));
	for (d = 0; d < p->ndtypes; d++)
		for (s = 0; s < p->nshapes; s++)
			run_case(j, p->dtypes[d], &p->shapes[s], &j->res[d * p->nshapes + s]);
	return NULL;
}

/* Refuse a sweep that cannot fit: before anything runs, with the shape and the GPU named. */
static int check_memory(struct probe_ctx *ctx, const struct gpu_job *j)
{
	const struct gemm_plan *p = j->plan;
	size_t d, s;
	double need;

	for (d = 0; d < p->ndtypes; d++)
		for (s = 0; s < p->nshapes; s++) {
			need = footprint(p->dtypes[d], &p->shapes[s], p->verify);
			if (need > 0.9 * (double)j->info.mem)
				return probe_error(
					ctx,
					"shape '%llux%llux%llu' (%s) needs %.1f GiB on the gpu, more than "
					"90%% of gpu %d's %.1f GiB (%s)",
					(unsigned long long)p->shapes[s].m, (unsigned long long)p->shapes[s].n,
					(unsigned long long)p->shapes[s].k, p->dtypes[d]->name, need / (1 << 30),
					j->dev, (double)j->info.mem / (1 << 30), j->info.name);
		}
	return 0;
}

static void env_gpu(struct probe_ctx *ctx, const struct gpu_job *j)
{
	cJSON *gpus = cJSON_GetObjectItemCaseSensitive(probe_env(ctx), "gpus"), *g;

	if (!gpus)
		gpus = cJSON_AddArrayToObject(probe_env(ctx), "gpus");
	g = cJSON_CreateObject();
	cJSON_AddNumberToObject(g, "index", j->dev);
	cJSON_AddStringToObject(g, "name", j->info.name);
	cJSON_AddNumberToObject(g, "compute_capability", j->info.cc / 10.0);
	cJSON_AddNumberToObject(g, "sms", j->info.sms);
	cJSON_AddNumberToObject(g, "memory", (double)j->info.mem);
	cJSON_AddItemToArray(gpus, g);
}

int gemm_gpu(struct probe_ctx *ctx, const struct gemm_plan *p, struct gemm_summary *sum, char *why, size_t len)
{
	int n = gemm_cuda_devices(why, len), i, rc = -1;
	struct gpu_job *jobs;
	pthread_t *tids;
	size_t per = p->ndtypes * p->nshapes;

	if (n <= 0)
		return 1;
	jobs = xcalloc((size_t)n, sizeof(*jobs));
	tids = xcalloc((size_t)n, sizeof(*tids));
	for (i = 0; i < n; i++) {
		jobs[i].dev = i;
		jobs[i].plan = p;
		jobs[i].res = xcalloc(per, sizeof(*jobs[i].res));
		snprintf(jobs[i].label, sizeof(jobs[i].label), "%d", i);
		if (gemm_cuda_info(i, &jobs[i].info, why, len)) {
			probe_error(ctx, "%s", why);
			goto out;
		}
		if (check_memory(ctx, &jobs[i]))
			goto out;
		env_gpu(ctx, &jobs[i]);
	}
	probe_log(ctx, "running on %d gpu%s at once", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, gpu_thread, &jobs[i])) {
			tids[i] = 0;
			gpu_thread(&jobs[i]); /* no thread: run it here rather than not at all */
		}
	for (i = 0; i < n; i++)
		if (tids[i])
			pthread_join(tids[i], NULL);
	for (i = 0; i < n; i++) {
		struct gemm_target t = { .gpu = jobs[i].label,
					 .gpu_name = jobs[i].info.name,
					 .bandwidth = jobs[i].bandwidth,
					 .bw_source = p->bandwidth > 0 ? "param" : "measured" };
		if (jobs[i].bandwidth <= 0)
			probe_log(ctx, "gpu %d: no bandwidth ceiling: %s", i, jobs[i].bw_why);
		gemm_report(ctx, &t, jobs[i].res, per, sum);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		gemm_results_free(jobs[i].res, per);
	free(jobs);
	free(tids);
	return rc;
}

#else /* !SD_HAVE_CUDA */

int gemm_gpu(struct probe_ctx *ctx, const struct gemm_plan *p, struct gemm_summary *sum, char *why, size_t len)
{
	(void)ctx;
	(void)p;
	(void)sum;
	snprintf(why, len, "no CUDA device (built without CUDA)");
	return 1;
}

#endif
