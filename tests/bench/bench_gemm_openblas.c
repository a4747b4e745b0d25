/*
 * bench_gemm_openblas.c - the peer the gemm probe's CPU path is measured
 * against: a direct OpenBLAS dgemm/sgemm call, with nothing around it.
 *
 *   bench_gemm_openblas [REPS [MxNxK...]]     (default: 5 reps; 256³ .. 2048³)
 *
 * Same layout (column-major, A transposed: "TN"), same value range and the
 * same statistic (median of REPS after one warm-up) as probes/gemm/cpu.c, so
 * `gemm --target=cpu --reps=REPS --cpu_shapes=...` run beside it compares
 * like with like. One line per case, parseable:
 *
 *   direct_openblas fp64 1024x1024x1024 gflops 93.512
 *
 * Linked with OpenBLAS as the probe is (Makefile: BENCH_LIBS_bench_gemm_openblas);
 * threads: OpenBLAS's default, as the probe's threads=0.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fill(double *d, float *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double v = (double)rand() / RAND_MAX * 2 - 1;
		if (d)
			d[i] = v;
		else
			f[i] = (float)v;
	}
}

/* Median GFLOP/s of reps GEMMs after a warm-up; 0 when out of memory. */
static double bench(int dbl, int m, int n, int k, int reps)
{
	size_t elt = dbl ? sizeof(double) : sizeof(float);
	void *a = malloc((size_t)m * k * elt), *b = malloc((size_t)k * n * elt), *c = malloc((size_t)m * n * elt);
	double *t = calloc((size_t)reps + 1, sizeof(*t)), s, g = 0;
	int r;

	if (!a || !b || !c || !t)
		goto out;
	fill(dbl ? a : NULL, a, (size_t)m * k);
	fill(dbl ? b : NULL, b, (size_t)k * n);
	for (r = 0; r <= reps; r++) {
		s = now();
		if (dbl)
			cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, k, 0.0, c, m);
		else
			cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, m);
		t[r] = now() - s;
	}
	g = 2.0 * m * n * k / median(t + 1, reps) / 1e9;
out:
	free(a);
	free(b);
	free(c);
	free(t);
	return g;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = { "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048" };
	int reps = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 5, i, nshapes = argc > 2 ? argc - 2 : 4, m, n, k;

	if (reps < 1) {
		fprintf(stderr, "usage: bench_gemm_openblas [REPS [MxNxK...]]\n");
		return 2;
	}
	for (i = 0; i < nshapes; i++) {
		const char *shape = argc > 2 ? argv[i + 2] : defaults[i];
		if (sscanf(shape, "%dx%dx%d", &m, &n, &k) != 3 || m < 1 || n < 1 || k < 1) {
			fprintf(stderr, "bench_gemm_openblas: invalid shape '%s'\n", shape);
			return 2;
		}
		printf("direct_openblas fp64 %s gflops %.3f\n", shape, bench(1, m, n, k, reps));
		printf("direct_openblas fp32 %s gflops %.3f\n", shape, bench(0, m, n, k, reps));
		fflush(stdout);
	}
	return 0;
}
