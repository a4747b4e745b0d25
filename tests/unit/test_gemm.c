/*
 * test_gemm.c - the gemm probe's maths and checks (probes/gemm/): FLOP,
 * byte and intensity arithmetic, the roofline with known answers, shape
 * parsing, the tolerance, the reference check (a corrupted result must
 * fail), the repeat check, the dtype table and datasheet peaks, and small
 * real OpenBLAS runs verified end to end. The GPU path needs a GPU and is
 * covered by the e2e script where one is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "dtype.h"
#include "roofline.h"
#include "verify.h"
#include "xalloc.h"

/* ---- arithmetic ---- */

struct arith_case {
	struct gemm_shape s;
	size_t elt_in, elt_out;
	double flops, bytes, ai;
};

static const struct arith_case arith_cases[] = {
	/* 2·256³ = 33554432; 8·3·65536 = 1572864 B; AI = 256/12 */
	{ { 256, 256, 256 }, 8, 8, 33554432.0, 1572864.0, 256.0 / 12 },
	/* fp32 1024³: AI = 2·1024³ / (4·3·1024²) = 1024/6 */
	{ { 1024, 1024, 1024 }, 4, 4, 2147483648.0, 12582912.0, 1024.0 / 6 },
	/* bf16 8192³: 2·8192³ = 1.0995e12, 2·3·8192² = 402653184 B, AI = 8192/3 */
	{ { 8192, 8192, 8192 }, 2, 2, 1099511627776.0, 402653184.0, 8192.0 / 3 },
	/* int8 in, int32 out, 4096x1x4096 (matrix-vector): 2·4096² ops, 4096²+4096 B + 4·4096 B */
	{ { 4096, 1, 4096 }, 1, 4, 33554432.0, 16777216.0 + 4096 + 16384, 33554432.0 / (16777216.0 + 20480) },
	/* rectangular: 2·4096·57344·8192 */
	{ { 4096, 57344, 8192 }, 2, 2, 3848290697216.0, 2.0 * (4096.0 * 8192 + 8192.0 * 57344 + 4096.0 * 57344), 0 },
};

static void test_arithmetic(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(arith_cases) / sizeof(arith_cases[0]); i++) {
		const struct arith_case *c = &arith_cases[i];
		double f = gemm_flops(&c->s), b = gemm_min_bytes(&c->s, c->elt_in, c->elt_out);
		assert_float_equal(f, c->flops, 0);
		assert_float_equal(b, c->bytes, 0);
		if (c->ai > 0)
			assert_float_equal(gemm_intensity(f, b), c->ai, 1e-9 * c->ai);
	}
	assert_float_equal(gemm_intensity(1, 0), 0, 0);
}

/* ---- roofline ---- */

struct roof_case {
	double peak, bw, ai;
	double attainable, ridge;
	double attained, of_roof;
};

static const struct roof_case roof_cases[] = {
	/* H100 SXM bf16: 989.5 TFLOP/s, 3.35 TB/s: ridge 295.4 FLOP/B */
	{ 989.5e12, 3.35e12, 8192.0 / 3, 989.5e12, 989.5e12 / 3.35e12, 791e12, 791.0 / 989.5 },
	/* memory bound: AI 10 FLOP/B at 3.35 TB/s: roof 33.5 TFLOP/s */
	{ 989.5e12, 3.35e12, 10, 33.5e12, 989.5e12 / 3.35e12, 30.15e12, 0.9 },
	/* exactly at the ridge */
	{ 100e9, 10e9, 10, 100e9, 10, 50e9, 0.5 },
	/* no bandwidth known: ridge 0, roof 0 */
	{ 100e9, 0, 10, 0, 0, 50e9, 0 },
};

static void test_roofline(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(roof_cases) / sizeof(roof_cases[0]); i++) {
		const struct roof_case *c = &roof_cases[i];
		assert_float_equal(roofline_attainable(c->peak, c->bw, c->ai), c->attainable, 1e-9 * c->peak);
		assert_float_equal(roofline_ridge(c->peak, c->bw), c->ridge, 1e-9);
		assert_float_equal(roofline_of_roof(c->attained, c->peak, c->bw, c->ai), c->of_roof, 1e-9);
	}
}

/* ---- shapes ---- */

struct shape_case {
	const char *in;
	uint64_t m, n, k; /* 0: must be refused */
};

static const struct shape_case shape_cases[] = {
	{ "256x256x256", 256, 256, 256 },
	{ "4096x57344x8192", 4096, 57344, 8192 },
	{ "16x10240x8192", 16, 10240, 8192 },
	{ "1x1x1", 1, 1, 1 },
	{ "1048576x1x1", 1048576, 1, 1 },
	{ "1048577x1x1", 0, 0, 0 },
	{ "0x256x256", 0, 0, 0 },
	{ "256x256", 0, 0, 0 },
	{ "256x256x256x2", 0, 0, 0 },
	{ "256X256X256", 0, 0, 0 },
	{ " 256x256x256", 0, 0, 0 },
	{ "-1x256x256", 0, 0, 0 },
	{ "256x256x", 0, 0, 0 },
	{ "", 0, 0, 0 },
};

static void test_shapes(void **state)
{
	struct gemm_shape s;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
		const struct shape_case *c = &shape_cases[i];
		int rc = gemm_shape_parse(c->in, &s, err, sizeof(err));
		if (c->m) {
			assert_int_equal(rc, 0);
			assert_true(s.m == c->m && s.n == c->n && s.k == c->k);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "invalid shape '"));
			assert_non_null(strstr(err, "expected MxNxK"));
		}
	}
}

/* ---- tolerance ---- */

static void test_tolerance(void **state)
{
	const struct gemm_dtype *f64 = gemm_dtype_find("fp64"), *f32 = gemm_dtype_find("fp32");
	const struct gemm_dtype *bf = gemm_dtype_find("bf16"), *i8 = gemm_dtype_find("int8");
	const struct gemm_dtype *f8 = gemm_dtype_find("fp8_e4m3");

	(void)state;
	/* tol = 2·u_in + 4·sqrt(K)·u_acc + u_out */
	assert_float_equal(gemm_tolerance(f64, 256), 4 * 16 * 0x1p-53 + 0x1p-53, 0);
	assert_float_equal(gemm_tolerance(f32, 1024), 4 * 32 * 0x1p-24 + 0x1p-24, 0);
	assert_float_equal(gemm_tolerance(bf, 16384), 4 * 128 * 0x1p-24 + 0x1p-8, 1e-18);
	assert_float_equal(gemm_tolerance(f8, 4096), 4 * 64 * 0x1p-13 + 0x1p-8, 1e-18);
	assert_float_equal(gemm_tolerance(i8, 16384), 0, 0); /* int32 accumulation is exact */
	/* grows with sqrt(K): 4x K, 2x the accumulation term */
	assert_float_equal(gemm_tolerance(f64, 4096) - 0x1p-53, 2 * (gemm_tolerance(f64, 1024) - 0x1p-53), 1e-30);
	/* coarser types get looser tolerances */
	assert_true(gemm_tolerance(f64, 1024) < gemm_tolerance(f32, 1024));
	assert_true(gemm_tolerance(f32, 1024) < gemm_tolerance(bf, 1024));
}

/* ---- verification ---- */

/* A reference product in the verify.h layout, in the same element type, rounded: a correct result. */
static void naive(const struct gemm_shape *s, const double *a, const double *b, double *c)
{
	uint64_t m, n, k;
	long double acc;

	for (n = 0; n < s->n; n++)
		for (m = 0; m < s->m; m++) {
			for (acc = 0, k = 0; k < s->k; k++)
				acc += (long double)a[m * s->k + k] * b[n * s->k + k];
			c[m + n * s->m] = (double)acc;
		}
}

static void check_shape(const struct gemm_shape *s, int full)
{
	const struct gemm_dtype *f64 = gemm_dtype_find("fp64");
	double *a = xmalloc(s->m * s->k * 8), *b = xmalloc(s->k * s->n * 8), *c = xmalloc(s->m * s->n * 8);
	double tol = gemm_tolerance(f64, s->k);
	struct gemm_check chk;
	uint64_t i;

	gemm_fill(a, GEMM_ELT_F64, s->m * s->k, 1);
	gemm_fill(b, GEMM_ELT_F64, s->k * s->n, 2);
	naive(s, a, b, c);
	assert_int_equal(gemm_verify(s, a, b, c, GEMM_ELT_F64, tol, full, &chk), 0);
	assert_true(chk.worst <= tol);
	/* a corrupted element is found and counted, wherever it is */
	gemm_corrupt(c, GEMM_ELT_F64, 7);
	assert_int_equal(gemm_verify(s, a, b, c, GEMM_ELT_F64, tol, full, &chk), 1);
	assert_int_equal(chk.first_m, 7 % s->m);
	assert_int_equal(chk.first_n, 7 / s->m);
	/* a NaN is wrong, and a small but real error (1e3 x the tolerance) too */
	c[s->m * s->n - 1] = NAN;
	assert_int_equal(gemm_verify(s, a, b, c, GEMM_ELT_F64, tol, full, &chk), 2);
	assert_true(isinf(chk.worst));
	naive(s, a, b, c);
	i = s->m * s->n / 2;
	c[i] += 1e3 * tol * s->k;
	assert_int_equal(gemm_verify(s, a, b, c, GEMM_ELT_F64, tol, full, &chk), 1);
	/* an error within the tolerance passes */
	naive(s, a, b, c);
	c[i] += 1e-3 * tol;
	assert_int_equal(gemm_verify(s, a, b, c, GEMM_ELT_F64, tol, full, &chk), 0);
	free(a);
	free(b);
	free(c);
}

static void test_verify_full(void **state)
{
	struct gemm_shape s = { 33, 17, 64 };

	(void)state;
	check_shape(&s, 1);
}

/* The screen on a problem above GEMM_VERIFY_FULL_MNK: flagged rows only, exact counts there. */
static void test_verify_large(void **state)
{
	struct gemm_shape s = { 512, 512, 1024 };
	const struct gemm_dtype *f32 = gemm_dtype_find("fp32");
	float *a = xmalloc(s.m * s.k * 4), *b = xmalloc(s.k * s.n * 4), *c = xmalloc(s.m * s.n * 4);
	struct gemm_check chk;
	uint64_t m, n, k;
	double acc;

	(void)state;
	assert_true(s.m * s.n * s.k > GEMM_VERIFY_FULL_MNK);
	gemm_fill(a, GEMM_ELT_F32, s.m * s.k, 3);
	gemm_fill(b, GEMM_ELT_F32, s.k * s.n, 4);
	for (n = 0; n < s.n; n++)
		for (m = 0; m < s.m; m++) {
			for (acc = 0, k = 0; k < s.k; k++)
				acc += (double)a[m * s.k + k] * b[n * s.k + k];
			c[m + n * s.m] = (float)acc;
		}
	assert_int_equal(gemm_verify(&s, a, b, c, GEMM_ELT_F32, gemm_tolerance(f32, s.k), 0, &chk), 0);
	assert_int_equal(chk.full, 0);
	assert_int_equal(chk.rows_checked, 0);
	gemm_corrupt(c, GEMM_ELT_F32, 5 + 3 * s.m);
	gemm_corrupt(c, GEMM_ELT_F32, 5 + 9 * s.m); /* same row */
	gemm_corrupt(c, GEMM_ELT_F32, 400 + 9 * s.m);
	assert_int_equal(gemm_verify(&s, a, b, c, GEMM_ELT_F32, gemm_tolerance(f32, s.k), 0, &chk), 3);
	assert_int_equal(chk.rows_checked, 2);
	free(a);
	free(b);
	free(c);
}

static void test_bits_differ(void **state)
{
	float x[4] = { 1, 2, 3, 4 }, y[4] = { 1, 2, 3, 4 };

	(void)state;
	assert_int_equal(gemm_bits_differ(x, y, 4, sizeof(float)), 0);
	y[1] = -y[1];
	y[3] = nextafterf(4, 5); /* one ulp is a mismatch: the repeat check is bit for bit */
	assert_int_equal(gemm_bits_differ(x, y, 4, sizeof(float)), 2);
	y[0] = -0.0f;
	x[0] = 0.0f;
	assert_int_equal(gemm_bits_differ(x, y, 4, sizeof(float)), 3);
}

static void test_fill(void **state)
{
	double a[1000], b[1000];
	int i, neg = 0;

	(void)state;
	gemm_fill(a, GEMM_ELT_F64, 1000, 1);
	gemm_fill(b, GEMM_ELT_F64, 1000, 1);
	assert_memory_equal(a, b, sizeof(a)); /* reproducible */
	for (i = 0; i < 1000; i++) {
		assert_true(a[i] >= -1 && a[i] < 1);
		neg += a[i] < 0;
	}
	assert_in_range(neg, 400, 600);
	gemm_fill(b, GEMM_ELT_F64, 1000, 2);
	assert_memory_not_equal(a, b, sizeof(a));
}

/* ---- dtype table ---- */

static void test_dtypes(void **state)
{
	static const struct {
		const char *name;
		size_t elt_in, elt_out;
		const char *unit;
		int cpu;
		int on_a100, on_h100, on_v100; /* cc 8.0, 9.0, 7.0 */
	} want[] = {
		{ "fp64", 8, 8, "FLOP/s", 1, 1, 1, 1 },	    { "fp32", 4, 4, "FLOP/s", 1, 1, 1, 1 },
		{ "tf32", 4, 4, "FLOP/s", 0, 1, 1, 0 },	    { "fp16", 2, 2, "FLOP/s", 0, 1, 1, 1 },
		{ "bf16", 2, 2, "FLOP/s", 0, 1, 1, 0 },	    { "fp8_e4m3", 1, 2, "FLOP/s", 0, 0, 1, 0 },
		{ "fp8_e5m2", 1, 2, "FLOP/s", 0, 0, 1, 0 }, { "int8", 1, 4, "OP/s", 0, 1, 1, 0 },
	};
	char why[128];
	size_t i;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), GEMM_NDTYPES);
	for (i = 0; i < GEMM_NDTYPES; i++) {
		const struct gemm_dtype *dt = gemm_dtype_find(want[i].name);
		assert_non_null(dt);
		assert_ptr_equal(dt, &gemm_dtypes[dt->id]);
		assert_int_equal(dt->elt_in, want[i].elt_in);
		assert_int_equal(dt->elt_out, want[i].elt_out);
		assert_string_equal(dt->unit, want[i].unit);
		assert_string_equal(dt->x_unit, strcmp(dt->unit, "OP/s") ? "FLOP/B" : "OP/B");
		assert_int_equal(dt->cpu, want[i].cpu);
		assert_true(dt->cpu || dt->cpu_why);
		assert_int_equal(gemm_dtype_gpu_supported(dt, 80, why, sizeof(why)), want[i].on_a100);
		assert_int_equal(gemm_dtype_gpu_supported(dt, 90, why, sizeof(why)), want[i].on_h100);
		assert_int_equal(gemm_dtype_gpu_supported(dt, 70, why, sizeof(why)), want[i].on_v100);
	}
	assert_null(gemm_dtype_find("fp4"));
	assert_null(gemm_dtype_find(NULL));
	assert_int_equal(gemm_dtype_gpu_supported(gemm_dtype_find("fp8_e4m3"), 80, why, sizeof(why)), 0);
	assert_string_equal(why, "fp8_e4m3 needs compute capability 8.9 or newer (this gpu: 8.0)");
	assert_int_equal(gemm_dtype_gpu_supported(gemm_dtype_find("fp8_e4m3"), 89, why, sizeof(why)), 1);
}

static void test_peaks(void **state)
{
	const struct gemm_dtype *bf = gemm_dtype_find("bf16"), *f8 = gemm_dtype_find("fp8_e4m3");
	const struct gemm_dtype *f64 = gemm_dtype_find("fp64"), *i8 = gemm_dtype_find("int8");

	(void)state;
	assert_float_equal(gemm_dtype_peak("NVIDIA H100 80GB HBM3", bf), 989.5e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA H100 80GB HBM3", f8), 1979e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA H100 80GB HBM3", f64), 67e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA H100 PCIe", bf), 756e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA H100 NVL", bf), 835e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA H200", bf), 989.5e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA A100-SXM4-80GB", bf), 312e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA A100-SXM4-80GB", i8), 624e12, 1);
	assert_float_equal(gemm_dtype_peak("NVIDIA A100-SXM4-80GB", f8), 0, 0); /* no fp8 on Ampere */
	assert_float_equal(gemm_dtype_peak("NVIDIA GeForce RTX 4090", bf), 0, 0);
	assert_float_equal(gemm_dtype_peak(NULL, bf), 0, 0);
}

/* ---- real OpenBLAS runs ---- */

static void cpu_run(const char *dtype, struct gemm_shape s, int corrupt, int verify)
{
	double secs[2];
	struct gemm_cpu_case c = { .dt = gemm_dtype_find(dtype),
				   .shape = s,
				   .reps = 2,
				   .verify = verify,
				   .corrupt = corrupt,
				   .min_s = 0,
				   .secs = secs };
	char err[200];

	assert_int_equal(gemm_cpu_run(&c, err, sizeof(err)), 0);
	assert_true(secs[0] > 0 && secs[1] > 0);
	assert_int_equal(c.inner, 1);
	assert_int_equal(c.check.full, verify);
	if (!corrupt) {
		assert_true(c.check.worst <= c.tol);
		assert_int_equal(c.check.wrong, 0);
		assert_int_equal(c.repeat_diff, 0); /* OpenBLAS is deterministic at a fixed thread count */
	} else if (verify) {
		assert_int_equal(c.check.wrong, 1); /* corrupted after the repeat check, before the reference check */
		assert_int_equal(c.repeat_diff, 0);
	} else {
		assert_int_equal(c.repeat_diff, 1); /* without the reference check, the repeat check sees it */
	}
}

static void test_cpu_openblas(void **state)
{
	struct gemm_shape sq = { 64, 64, 64 }, odd = { 37, 53, 71 };

	(void)state;
	assert_true(gemm_cpu_threads(0) >= 1);
	cpu_run("fp64", sq, 0, 1);
	cpu_run("fp32", sq, 0, 1);
	cpu_run("fp64", odd, 0, 1);
	cpu_run("fp32", odd, 0, 1);
	cpu_run("fp64", sq, 1, 1);
	cpu_run("fp32", odd, 1, 1);
	cpu_run("fp64", odd, 1, 0);
	assert_non_null(strstr(gemm_cpu_blas(), "OpenBLAS"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arithmetic),   cmocka_unit_test(test_roofline),
		cmocka_unit_test(test_shapes),	     cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_verify_full),  cmocka_unit_test(test_verify_large),
		cmocka_unit_test(test_bits_differ),  cmocka_unit_test(test_fill),
		cmocka_unit_test(test_dtypes),	     cmocka_unit_test(test_peaks),
		cmocka_unit_test(test_cpu_openblas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
