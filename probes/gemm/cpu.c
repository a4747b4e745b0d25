/* cpu.c - see cpu.h. */
#include "cpu.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int gemm_cpu_threads(int threads)
{
	if (threads > 0)
		openblas_set_num_threads(threads);
	return openblas_get_num_threads();
}

const char *gemm_cpu_blas(void)
{
	return openblas_get_config();
}

/* C = A·B in the layout of verify.h: column-major C, A transposed (rows contiguous), B not. */
static void gemm_once(const struct gemm_cpu_case *c, const void *a, const void *b, void *out)
{
	int m = (int)c->shape.m, n = (int)c->shape.n, k = (int)c->shape.k;

	if (c->dt->id == GEMM_FP64)
		cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, k, 0.0, out, m);
	else
		cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, out, m);
}

/* Time reps repetitions of inner GEMMs each; the warm-up's result goes to first. */
static void time_reps(struct gemm_cpu_case *c, const void *a, const void *b, void *out, void *first, size_t cbytes)
{
	double t0 = now(), t;
	int r, i;

	gemm_once(c, a, b, out); /* warm-up: page faults, thread start, packing buffers */
	t = now() - t0;
	memcpy(first, out, cbytes);
	c->inner = t > 0 && t < c->min_s ? (int)ceil(c->min_s / t) : 1;
	if (c->inner > 1000)
		c->inner = 1000;
	for (r = 0; r < c->reps; r++) {
		t0 = now();
		for (i = 0; i < c->inner; i++)
			gemm_once(c, a, b, out);
		c->secs[r] = (now() - t0) / c->inner;
	}
}

int gemm_cpu_run(struct gemm_cpu_case *c, char *err, size_t len)
{
	const struct gemm_shape *s = &c->shape;
	enum gemm_elt e = c->dt->id == GEMM_FP64 ? GEMM_ELT_F64 : GEMM_ELT_F32;
	size_t elt = c->dt->elt_in, cbytes = (size_t)(s->m * s->n) * elt;
	void *a = malloc((size_t)(s->m * s->k) * elt), *b = malloc((size_t)(s->k * s->n) * elt);
	void *out = malloc(cbytes), *first = malloc(cbytes);
	int rc = -1;

	memset(&c->check, 0, sizeof(c->check));
	c->repeat_diff = 0;
	c->tol = gemm_tolerance(c->dt, s->k);
	if (!a || !b || !out || !first) {
		snprintf(err, len, "cannot allocate the matrices of %s %llux%llux%llu: out of memory", c->dt->name,
			 (unsigned long long)s->m, (unsigned long long)s->n, (unsigned long long)s->k);
		goto out;
	}
	gemm_fill(a, e, s->m * s->k, 1);
	gemm_fill(b, e, s->k * s->n, 2);
	time_reps(c, a, b, out, first, cbytes);
	/* the fault corrupts what the first check looks at: the reference check, else the repeat check */
	if (c->corrupt && !c->verify)
		gemm_corrupt(out, e, s->m * s->n / 2);
	c->repeat_diff = gemm_bits_differ(first, out, s->m * s->n, elt);
	if (c->corrupt && c->verify)
		gemm_corrupt(out, e, s->m * s->n / 2);
	if (c->verify)
		gemm_verify(s, a, b, out, e, c->tol, 0, &c->check);
	rc = 0;
out:
	free(a);
	free(b);
	free(out);
	free(first);
	return rc;
}

double gemm_cpu_bandwidth(int reps)
{
	long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
	double mem = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
	size_t n = 16u << 20, i; /* elements per array: 128 MiB, or 2x the L3 (at most 512 MiB, 1/16 of memory) */
	double *x, *y, best = 0, t;
	int r;

	if (l3 > 0 && 2 * (size_t)l3 / sizeof(double) > n)
		n = 2 * (size_t)l3 / sizeof(double);
	if (n > (64u << 20))
		n = 64u << 20;
	if (mem > 0 && (double)n * sizeof(double) > mem / 16)
		n = (size_t)(mem / 16 / sizeof(double));
	x = malloc(n * sizeof(*x));
	y = malloc(n * sizeof(*y));
	if (!x || !y) {
		free(x);
		free(y);
		return 0;
	}
	for (i = 0; i < n; i++) {
		x[i] = 1.0;
		y[i] = 0.0;
	}
	for (r = 0; r <= reps; r++) {
		t = now();
		cblas_daxpy((int)n, 0.5, x, 1, y, 1);
		t = now() - t;
		if (r > 0 && t > 0 && 24.0 * (double)n / t > best) /* the first is a warm-up */
			best = 24.0 * (double)n / t;
	}
	free(x);
	free(y);
	return best;
}
