/*
 * test_busbw.c - busbw's arithmetic (probes/busbw/coll.c): the bus-bandwidth
 * factors against nccl-tests' formulas, counts per collective, the size
 * sweep, the expected values and the check. The MPI paths are tested for
 * real under mpirun by tests/e2e/busbw.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "coll.h"

static void test_factors(void **state)
{
	static const struct {
		enum busbw_op op;
		int n;
		double want;
	} cases[] = {
		{ BUSBW_ALL_REDUCE, 1, 0.0 },  { BUSBW_ALL_REDUCE, 2, 1.0 },	   { BUSBW_ALL_REDUCE, 8, 1.75 },
		{ BUSBW_ALL_GATHER, 4, 0.75 }, { BUSBW_REDUCE_SCATTER, 8, 0.875 }, { BUSBW_ALLTOALL, 2, 0.5 },
		{ BUSBW_BROADCAST, 8, 1.0 },   { BUSBW_REDUCE, 8, 1.0 },	   { BUSBW_SENDRECV, 4, 1.0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_float_equal(busbw_factor(cases[i].op, cases[i].n), cases[i].want, 1e-12);
}

static void test_names(void **state)
{
	int op;

	(void)state;
	for (op = 0; op < BUSBW_NOPS; op++)
		assert_int_equal(busbw_op_parse(busbw_op_name((enum busbw_op)op)), op);
	assert_int_equal(busbw_op_parse("allreduce"), -1);
	assert_int_equal(busbw_dtype_parse("bf16"), BUSBW_BF16);
	assert_int_equal(busbw_dtype_size(BUSBW_HALF), 2);
}

static void test_counts(void **state)
{
	struct busbw_counts c;

	(void)state;
	busbw_counts(BUSBW_ALL_GATHER, 4, 4, 1000, &c); /* 250 floats -> 248, 62 each */
	assert_int_equal(c.total, 248);
	assert_int_equal(c.send, 62);
	assert_int_equal(c.recv, 248);
	busbw_counts(BUSBW_REDUCE_SCATTER, 4, 4, 1024, &c);
	assert_int_equal(c.send, 256);
	assert_int_equal(c.recv, 64);
	busbw_counts(BUSBW_ALL_REDUCE, 3, 4, 1024, &c);
	assert_int_equal(c.total, 256);
	assert_int_equal(c.block, 256);
	busbw_counts(BUSBW_ALLTOALL, 4, 4, 8, &c); /* 2 floats: too small to split 4 ways */
	assert_int_equal(c.total, 0);
}

static void test_sweep(void **state)
{
	uint64_t s[8];

	(void)state;
	assert_int_equal(busbw_sweep(8, 128, 2, s, 8), 5);
	assert_int_equal(s[4], 128);
	assert_int_equal(busbw_sweep(1024, 1 << 20, 4, s, 8), 6);
	assert_int_equal(busbw_sweep(8, 100, 2, s, 8), 4); /* 8 16 32 64 */
	assert_int_equal(busbw_sweep(8, 4, 2, s, 8), 0);
	assert_int_equal(busbw_sweep(8, 64, 1, s, 8), 0);
	assert_int_equal(busbw_sweep(1, 1ull << 40, 2, s, 8), 8); /* capped */
}

static void test_expected(void **state)
{
	struct busbw_counts c;
	struct busbw_expect e;

	(void)state;
	/* all_reduce, 3 ranks: sum of (r+1) + (i%7) = 6 + 3*(i%7) */
	busbw_counts(BUSBW_ALL_REDUCE, 3, 4, 64, &c);
	busbw_expect_init(&e, BUSBW_ALL_REDUCE, BUSBW_FLOAT, 3, 1, &c);
	assert_float_equal(busbw_expected(&e, 0), 6, 0);
	assert_float_equal(busbw_expected(&e, 9), 6 + 3 * 2, 0);
	/* all_gather, 2 ranks, 8 floats: block 4; element 5 came from rank 1, index 1 */
	busbw_counts(BUSBW_ALL_GATHER, 2, 4, 32, &c);
	busbw_expect_init(&e, BUSBW_ALL_GATHER, BUSBW_FLOAT, 2, 0, &c);
	assert_float_equal(busbw_expected(&e, 5), busbw_input(BUSBW_FLOAT, 1, 1), 0);
	/* reduce_scatter on rank 1 of 2: sum over ranks at index 4 + k */
	busbw_counts(BUSBW_REDUCE_SCATTER, 2, 4, 32, &c);
	busbw_expect_init(&e, BUSBW_REDUCE_SCATTER, BUSBW_FLOAT, 2, 1, &c);
	assert_int_equal(busbw_result_count(&e), 4);
	assert_float_equal(busbw_expected(&e, 2), 1 + 2 + 2 * (6 % 7), 0);
	/* alltoall on rank 1 of 2: block 0 is rank 0's elements 4..7 */
	busbw_counts(BUSBW_ALLTOALL, 2, 4, 32, &c);
	busbw_expect_init(&e, BUSBW_ALLTOALL, BUSBW_FLOAT, 2, 1, &c);
	assert_float_equal(busbw_expected(&e, 1), busbw_input(BUSBW_FLOAT, 0, 5), 0);
	/* sendrecv ring: rank 0 receives from the last rank; reduce: only the root is checked */
	busbw_counts(BUSBW_SENDRECV, 4, 4, 32, &c);
	busbw_expect_init(&e, BUSBW_SENDRECV, BUSBW_FLOAT, 4, 0, &c);
	assert_float_equal(busbw_expected(&e, 3), busbw_input(BUSBW_FLOAT, 3, 3), 0);
	busbw_expect_init(&e, BUSBW_REDUCE, BUSBW_FLOAT, 4, 2, &c);
	assert_float_equal(busbw_expected(&e, 0), -1, 0);
}

static void test_check(void **state)
{
	static const enum busbw_dtype dts[] = { BUSBW_FLOAT, BUSBW_INT32, BUSBW_HALF, BUSBW_BF16 };
	struct busbw_counts c;
	struct busbw_expect e;
	unsigned char buf[4096];
	size_t d, k;

	(void)state;
	for (d = 0; d < sizeof(dts) / sizeof(dts[0]); d++) {
		/* an all_reduce over 8 ranks, written out by hand, checks clean; one changed element counts 1 */
		busbw_counts(BUSBW_ALL_REDUCE, 8, busbw_dtype_size(dts[d]), 1024, &c);
		busbw_expect_init(&e, BUSBW_ALL_REDUCE, dts[d], 8, 3, &c);
		for (k = 0; k < c.total; k++) {
			double s = 0;
			int r;
			for (r = 0; r < 8; r++)
				s += busbw_input(dts[d], r, k);
			busbw_set(buf, dts[d], k, s);
		}
		assert_int_equal(busbw_check(&e, buf), 0);
		busbw_set(buf, dts[d], 17, busbw_get(buf, dts[d], 17) + 1);
		assert_int_equal(busbw_check(&e, buf), 1);
		busbw_poison(buf, dts[d], c.total);
		assert_int_equal(busbw_check(&e, buf), c.total);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factors), cmocka_unit_test(test_names),	 cmocka_unit_test(test_counts),
		cmocka_unit_test(test_sweep),	cmocka_unit_test(test_expected), cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
