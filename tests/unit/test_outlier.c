/*
 * test_outlier.c - consistency across nodes (runner/outlier.c): the
 * modified z-score's maths on known answers, the MAD floor, the bad side of
 * `better`, too few nodes, series across nodes with what is and is not
 * judged, and fleet drift from sysinfo and audit documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "outlier.h"
#include "xalloc.h"

/* ---- the maths ---- */

static void test_fit_known_answers(void **state)
{
	static const struct {
		double x[8];
		size_t n;
		double median, mad, scale;
		int rc;
	} cases[] = {
		/* deviations 2 1 0 1 97: MAD 1; the floor (1 % of 3) is smaller */
		{ { 1, 2, 3, 4, 100 }, 5, 3, 1, 1, 0 },
		/* even count: the mean of the middle two, for the median and the MAD */
		{ { 4, 1, 3, 2 }, 4, 2.5, 1, 1, 0 },
		/* identical nodes: MAD 0, the floor is 1 % of the median */
		{ { 100, 100, 100, 100, 99 }, 5, 100, 0, 1, 0 },
		/* the smallest series judged */
		{ { 10, 10, 12 }, 3, 10, 0, 0.1, 0 },
		/* median and MAD both 0: no scale, not judged */
		{ { 0, 0, 0, 5 }, 4, 0, 0, NAN, -1 },
		/* fewer than OUTLIER_MIN_NODES finite values */
		{ { 1, 2 }, 2, NAN, NAN, NAN, -1 },
		{ { 1, NAN, 2 }, 3, NAN, NAN, NAN, -1 },
	};
	struct outlier_fit f;
	double x[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(x, cases[i].x, sizeof(x));
		assert_int_equal(outlier_fit(x, cases[i].n, &f), cases[i].rc);
		if (isnan(cases[i].median))
			assert_true(isnan(f.median));
		else
			assert_float_equal(f.median, cases[i].median, 1e-12);
		if (isnan(cases[i].scale))
			assert_true(isnan(f.scale));
		else
			assert_float_equal(f.scale, cases[i].scale, 1e-12);
		if (!isnan(cases[i].mad))
			assert_float_equal(f.mad, cases[i].mad, 1e-12);
	}
}

static void test_z_and_side(void **state)
{
	struct outlier_fit f;
	double x[] = { 1, 2, 3, 4, 100 }, same[] = { 100, 100, 100, 100, 90 };

	(void)state;
	assert_int_equal(outlier_fit(x, 5, &f), 0);
	/* 0.6745 (x - 3) / 1 */
	assert_float_equal(outlier_z(&f, 100), 65.4265, 1e-9);
	assert_float_equal(outlier_z(&f, 1), -1.349, 1e-9);
	assert_float_equal(outlier_z(&f, 3), 0, 1e-12);
	/* better: higher flags only the low side; better: lower only the high side */
	assert_true(outlier_bad(-3.6, 0));
	assert_false(outlier_bad(-3.4, 0));
	assert_false(outlier_bad(65, 0));
	assert_true(outlier_bad(65, 1));
	assert_false(outlier_bad(-65, 1));
	assert_false(outlier_bad(3.5, 1));
	/* the floor: 10 % below identical peers is z = 0.6745 * -10 / 1 */
	assert_int_equal(outlier_fit(same, 5, &f), 0);
	assert_float_equal(outlier_z(&f, 90), -6.745, 1e-9);
	assert_true(outlier_bad(outlier_z(&f, 90), 0));
	/* ... and 5 % below is not an outlier (the floor's limit is 5.2 %) */
	assert_false(outlier_bad(outlier_z(&f, 95), 0));
	assert_true(outlier_bad(outlier_z(&f, 94.7), 0));
}

/* ---- series across nodes ---- */

static cJSON *gpu_labels(const char *gpu)
{
	cJSON *l = cJSON_CreateObject();

	cJSON_AddStringToObject(l, "gpu", gpu);
	return l;
}

static void test_series(void **state)
{
	struct outlier_set s;
	cJSON *g0 = gpu_labels("0"), *g0b = gpu_labels("0"), *g1 = gpu_labels("1");
	uint32_t n;
	size_t i;

	(void)state;
	outlier_init(&s);
	for (n = 0; n < 10; n++) {
		/* bandwidth, higher is better, per GPU (labels objects differ per node but are equal) */
		outlier_add(&s, n, "hbm", "membw", "triad", "B/s", "higher", n % 2 ? g0 : g0b,
			    n == 7 ? 2.4e12 : 3.0e12 * (1 + 0.001 * n));
		outlier_add(&s, n, "hbm", "membw", "triad", "B/s", "higher", g1, n == 2 ? 3.6e12 : 3.0e12);
		/* latency, lower is better: node 3 slow (flagged), node 5 fast (not flagged) */
		outlier_add(&s, n, "storage", "storage", "lat_p99", "s", "lower", NULL,
			    n == 3   ? 0.02
			    : n == 5 ? 0.001
				     : 0.005);
		/* not judged: a count, a configuration probe, a metric without better, a non-finite value */
		outlier_add(&s, n, "hbm", "membw", "gpus", "count", "higher", NULL, n == 4 ? 1 : 8);
		outlier_add(&s, n, "audit", "audit", "swap_total", "B", "lower", NULL, n == 4 ? 1e9 : 0);
		outlier_add(&s, n, "x", "x", "odd", "B", NULL, NULL, n == 4 ? 1e9 : 0);
		outlier_add(&s, n, "x", "x", "nan", "B", "higher", NULL, NAN);
	}
	/* reported by two nodes only: fewer than OUTLIER_MIN_NODES */
	outlier_add(&s, 0, "gemm", "gemm", "fp8", "FLOP/s", "higher", NULL, 1e15);
	outlier_add(&s, 1, "gemm", "gemm", "fp8", "FLOP/s", "higher", NULL, 1e12);
	outlier_finish(&s);
	assert_int_equal(s.nseries, 4);
	assert_int_equal(s.series[0].n, 10);
	assert_int_equal(s.series[3].n, 2);
	assert_true(isnan(s.series[3].fit.scale));
	assert_int_equal(s.nflags, 2);
	/* worst first: node 3's latency (MAD 0: z = 0.6745 * 0.015 / 5e-5 = 202), then node 7's triad */
	assert_int_equal(s.flags[0].node, 3);
	assert_string_equal(s.series[s.flags[0].series].metric, "lat_p99");
	assert_float_equal(s.flags[0].z, 202.35, 0.01);
	assert_int_equal(s.flags[1].node, 7);
	assert_string_equal(s.series[s.flags[1].series].metric, "triad");
	/* median (1.003 + 1.004) / 2 * 3e12; z = 0.6745 (2.4e12 - median) / max(MAD, 1 % of the median) */
	assert_float_equal(s.flags[1].z, 0.6745 * (2.4e12 - 3.0105e12) / 3.0105e10, 1e-6);
	for (i = 0; i < s.nflags; i++)
		assert_int_not_equal(s.flags[i].node, 5);
	outlier_release(&s);
	cJSON_Delete(g0);
	cJSON_Delete(g0b);
	cJSON_Delete(g1);
}

/* Identical nodes plus noise flag nothing. */
static void test_series_noise(void **state)
{
	struct outlier_set s;
	uint32_t n, seed = 12345;

	(void)state;
	outlier_init(&s);
	for (n = 0; n < 4096; n++) {
		seed = seed * 1103515245u + 12345u;
		/* +-1 % uniform noise */
		outlier_add(&s, n, "hbm", "membw", "triad", "B/s", "higher", NULL,
			    3e12 * (1 + 0.02 * ((double)(seed >> 8) / (1u << 24) - 0.5)));
	}
	outlier_finish(&s);
	assert_int_equal(s.nflags, 0);
	outlier_release(&s);
}

/* ---- drift ---- */

static cJSON *sysinfo(const char *driver, double available)
{
	cJSON *d = cJSON_CreateObject(), *env = cJSON_AddObjectToObject(d, "env");

	cJSON_AddStringToObject(cJSON_AddObjectToObject(env, "kernel"), "release", "6.1.0");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(env, "nvml"), "driver_version", driver);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(env, "memory"), "available", available);
	return d;
}

static cJSON *audit(const char *nccl, const char *module)
{
	cJSON *d = cJSON_CreateObject(), *inv = cJSON_AddObjectToObject(cJSON_AddObjectToObject(d, "env"), "inventory");

	cJSON_AddStringToObject(inv, "nccl", nccl);
	cJSON_AddStringToObject(inv, "module.nvidia_peermem", module);
	cJSON_AddNullToObject(inv, "mpi");
	return d;
}

static void test_drift(void **state)
{
	const char *const drivers[] = { "580.65.06", "580.65.06", "570.124.06", "580.65.06", "580.65.06" };
	cJSON *inv[5], *au[5];
	struct drift d;
	const struct drift_value *v;
	uint32_t n;
	size_t i;

	(void)state;
	drift_init(&d);
	for (n = 0; n < 5; n++) {
		inv[n] = sysinfo(drivers[n], 1e9 * n);
		au[n] = audit(n == 4 ? "2.21.5" : "2.23.4", "loaded");
		/* node 3 has no audit result: the audit keys are not its drift */
		drift_add_node(&d, n, inv[n], n == 3 ? NULL : au[n]);
	}
	drift_finish(&d);
	/* kernel, module and available memory agree or are not on the allowlist */
	assert_int_equal(d.nkeys, 2);
	assert_string_equal(d.keys[0].key, "nccl");
	assert_int_equal(d.keys[0].n, 2);
	v = &d.values[d.keys[0].first];
	assert_string_equal(v[0].value, "2.23.4");
	assert_int_equal(v[0].n, 3);
	assert_string_equal(v[1].value, "2.21.5");
	assert_int_equal(v[1].n, 1);
	assert_int_equal(d.items[v[1].first].node, 4);
	assert_string_equal(d.keys[1].key, "nvidia_driver");
	v = &d.values[d.keys[1].first];
	assert_string_equal(v[0].value, "580.65.06");
	assert_int_equal(v[0].n, 4);
	/* the majority's nodes in node order */
	for (i = 0; i < v[0].n; i++)
		assert_int_equal(d.items[v[0].first + i].node, i < 2 ? i : i + 1);
	assert_string_equal(v[1].value, "570.124.06");
	assert_int_equal(d.items[v[1].first].node, 2);
	drift_release(&d);
	for (n = 0; n < 5; n++) {
		cJSON_Delete(inv[n]);
		cJSON_Delete(au[n]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_known_answers),
		cmocka_unit_test(test_z_and_side),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_series_noise),
		cmocka_unit_test(test_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
