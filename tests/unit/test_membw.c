/*
 * test_membw.c - membw's host STREAM (probes/membw/stream.c): byte counting,
 * the array sizing rule, the last-level cache lookup on a synthetic hwloc
 * topology, the expected values and the check, and real threaded runs on
 * small arrays, one of them corrupted on purpose (it must be caught).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

#define MiB (1ull << 20)

static void test_bytes(void **state)
{
	(void)state;
	/* STREAM counts 2 arrays for copy and scale, 3 for add and triad, 8 bytes each. */
	assert_true(stream_bytes(STREAM_COPY, 10) == 160);
	assert_true(stream_bytes(STREAM_SCALE, 10) == 160);
	assert_true(stream_bytes(STREAM_ADD, 10) == 240);
	assert_true(stream_bytes(STREAM_TRIAD, 1000000) == 24e6);
	assert_string_equal(stream_kernel_names[STREAM_TRIAD], "triad");
}

static void test_sizing(void **state)
{
	int capped = -1;

	(void)state;
	/* 4x the LLC ... */
	assert_true(stream_default_size(100 * MiB, 64ull << 30, &capped) == 400 * MiB);
	assert_int_equal(capped, 0);
	/* ... at least 64 MiB (and with no cache known) ... */
	assert_true(stream_default_size(8 * MiB, 64ull << 30, &capped) == STREAM_MIN_BYTES);
	assert_true(stream_default_size(0, 64ull << 30, &capped) == STREAM_MIN_BYTES);
	/* ... at most a sixth of the available memory, and then said so ... */
	assert_true(stream_default_size(100 * MiB, 600 * MiB, &capped) == 100 * MiB);
	assert_int_equal(capped, 1);
	/* ... in whole cache lines; unknown available memory (0) does not cap. */
	assert_int_equal(stream_default_size(0, 6000, &capped) % 64, 0);
	assert_true(stream_default_size(0, 6000, &capped) == 960);
	assert_true(stream_default_size(32 * MiB, 0, &capped) == 128 * MiB);
	assert_int_equal(capped, 0);
}

/* Two packages, each one 32 MiB L3 over two cores; an L2 per core that must not be taken for the LLC. */
static void test_llc(void **state)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	hwloc_obj_t pkg;

	(void)state;
	assert_int_equal(hwloc_topology_init(&topo), 0);
	assert_int_equal(hwloc_topology_set_synthetic(topo, "pack:2 l3:1(size=32MiB) l2:2(size=1MiB) core:1 pu:2"), 0);
	assert_int_equal(hwloc_topology_load(topo), 0);
	assert_true(stream_llc_bytes(topo, hwloc_topology_get_topology_cpuset(topo)) == 64 * MiB);
	pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 1);
	assert_non_null(pkg);
	assert_true(stream_llc_bytes(topo, pkg->cpuset) == 32 * MiB);
	hwloc_bitmap_only(set, 0); /* one PU still shares the whole L3 of its package */
	assert_true(stream_llc_bytes(topo, set) == 32 * MiB);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
}

static void test_expected_and_check(void **state)
{
	double ea, eb, ec, a[8], b[8], c[8];
	int i;

	(void)state;
	/* One repetition from a=1, b=2, c=0: c=1, b=3, c=4, a=3+3*4=15. */
	stream_expected(1, &ea, &eb, &ec);
	assert_true(ea == 15 && eb == 3 && ec == 4);
	stream_expected(10, &ea, &eb, &ec);
	for (i = 0; i < 8; i++) {
		a[i] = ea;
		b[i] = eb;
		c[i] = ec;
	}
	assert_int_equal(stream_check(a, b, c, 8, 10), 0);
	/* A relative error far below the tolerance passes; one above it, a NaN and another rep count do not. */
	a[1] = ea * (1 + 1e-15);
	assert_int_equal(stream_check(a, b, c, 8, 10), 0);
	a[1] = ea * (1 + 1e-9);
	assert_int_equal(stream_check(a, b, c, 8, 10), 1);
	c[7] = NAN;
	assert_int_equal(stream_check(a, b, c, 8, 10), 2);
	assert_int_equal(stream_check(a, b, c, 8, 9), 24);
}

static void run_small(hwloc_topology_t topo, size_t n, unsigned threads, int nt, int corrupt, size_t want_wrong)
{
	struct stream_config cfg = {
		.topo = topo, .n = n, .nthreads = threads, .reps = 4, .nt_stores = nt, .corrupt = corrupt
	};
	struct stream_result r;
	char err[256] = "";
	int k;

	assert_int_equal(stream_run(&cfg, &r, err, sizeof(err)), 0);
	assert_int_equal(r.wrong, want_wrong);
	assert_int_equal(r.nsamples, 3); /* the first repetition is not counted */
	for (k = 0; k < STREAM_NKERNELS; k++) {
		assert_true(r.best[k] > 0 && isfinite(r.best[k]));
		assert_true(r.samples[k][0] > 0 && r.samples[k][0] <= r.best[k]);
	}
	assert_false(r.mem_bound);
	stream_result_release(&r);
}

static void test_run(void **state)
{
	hwloc_topology_t topo;

	(void)state;
	assert_int_equal(hwloc_topology_init(&topo), 0);
	assert_int_equal(hwloc_topology_load(topo), 0);
	/* Odd sizes and thread counts, so chunk edges and the non-temporal tail are exercised. */
	run_small(topo, 100003, 3, 1, 0, 0);
	run_small(topo, 100003, 3, 0, 0, 0);
	run_small(topo, 7, 4, 1, 0, 0); /* more threads than whole chunks: some get none */
	run_small(topo, 65536, 2, 1, 1, 1);
	hwloc_topology_destroy(topo);
}

static void test_run_pinned_and_bound(void **state)
{
	hwloc_topology_t topo;
	hwloc_const_cpuset_t cpus[2];
	struct stream_config cfg = { .n = 50000, .nthreads = 2, .reps = 2, .nt_stores = 1 };
	struct stream_result r;
	char err[256] = "";
	hwloc_obj_t pu, node;

	(void)state;
	assert_int_equal(hwloc_topology_init(&topo), 0);
	assert_int_equal(hwloc_topology_load(topo), 0);
	pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
	node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, 0);
	cpus[0] = cpus[1] = pu->cpuset;
	cfg.topo = topo;
	cfg.cpus = cpus;
	cfg.mem = node->nodeset;
	assert_int_equal(stream_run(&cfg, &r, err, sizeof(err)), 0);
	assert_int_equal(r.wrong, 0);
	/* Binding either worked or says why it did not. */
	assert_true(r.mem_bound || r.bind_error[0]);
	stream_result_release(&r);
	hwloc_topology_destroy(topo);
}

static void test_bad_config(void **state)
{
	struct stream_config cfg = { .n = 1000, .nthreads = 1, .reps = 1 };
	struct stream_result r;
	char err[256] = "";

	(void)state;
	assert_int_equal(stream_run(&cfg, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reps 1"));
	cfg.reps = STREAM_MAX_REPS + 1;
	assert_int_equal(stream_run(&cfg, &r, err, sizeof(err)), -1);
	cfg.reps = 2;
	cfg.nthreads = 0;
	assert_int_equal(stream_run(&cfg, &r, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),	   cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_llc),	   cmocka_unit_test(test_expected_and_check),
		cmocka_unit_test(test_run),	   cmocka_unit_test(test_run_pinned_and_bound),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
