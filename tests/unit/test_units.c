/* test_units.c - sizes, durations, numbers, booleans and statistics (units.c, stats.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "quantity.h"
#include "stats.h"
#include "units.h"

struct size_case {
	const char *in;
	uint64_t want;
	const char *err; /* NULL: must parse */
};

static const struct size_case size_cases[] = {
	{ "0", 0, NULL },
	{ "4096", 4096, NULL },
	{ "4KiB", 4096, NULL },
	{ "4kiB", 4096, NULL },
	{ "1GiB", 1073741824ULL, NULL },
	{ "1GB", 1000000000ULL, NULL },
	{ "1.5KiB", 1536, NULL },
	{ "2 MiB", 2097152, NULL },
	{ "  8B ", 8, NULL },
	{ "16EiB", 0, "invalid size '16EiB': unknown unit 'EiB' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "17179869184GiB", 0, "size '17179869184GiB' is out of range (at most 16 EiB)" },
	{ "1.1B", 0, "invalid size '1.1B': not a whole number of bytes" },
	{ "-1", 0,
	  "invalid size '-1': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "1e9", 0, "invalid size '1e9': unknown unit 'e' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "0x10", 0, "invalid size '0x10': unknown unit 'x' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "GiB", 0,
	  "invalid size 'GiB': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "1GiBs", 0, "invalid size '1GiBs': unknown unit 'GiBs' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "1GiB x", 0, "invalid size '1GiB x': unexpected text after the unit" },
	{ "", 0, "invalid size '': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
};

static void test_sizes(void **state)
{
	char err[256];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = &size_cases[i];
		int rc;

		err[0] = '\0';
		v = 12345;
		rc = units_parse_size(c->in, &v, err, sizeof(err));
		if (c->err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, c->err);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(v, c->want);
		}
	}
}

struct dur_case {
	const char *in;
	uint64_t want_ns;
	const char *err;
};

static const struct dur_case dur_cases[] = {
	{ "500ms", 500000000ULL, NULL },
	{ "90s", 90000000000ULL, NULL },
	{ "15m", 900000000000ULL, NULL },
	{ "2h", 7200000000000ULL, NULL },
	{ "1.5s", 1500000000ULL, NULL },
	{ "250us", 250000ULL, NULL },
	{ "1d", 86400000000000ULL, NULL },
	{ "0s", 0, NULL },
	{ "90", 0, "invalid duration '90': missing unit (ms, s, m, h)" },
	{ "90 sec", 0, "invalid duration '90 sec': unknown unit 'sec' (use ns, us, ms, s, m, h, d)" },
	{ "1y", 0, "invalid duration '1y': unknown unit 'y' (use ns, us, ms, s, m, h, d)" },
	{ "366d", 0, "duration '366d' is out of range (at most 365d)" },
	{ "s", 0, "invalid duration 's': expected a number with a unit (ms, s, m, h)" },
	{ "-5s", 0, "invalid duration '-5s': expected a number with a unit (ms, s, m, h)" },
	{ "5s5", 0, "invalid duration '5s5': unexpected text after the unit" },
};

static void test_durations(void **state)
{
	char err[256];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dur_cases) / sizeof(dur_cases[0]); i++) {
		const struct dur_case *c = &dur_cases[i];
		int rc = units_parse_duration_ns(c->in, &v, err, sizeof(err));

		if (c->err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, c->err);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(v, c->want_ns);
		}
	}
}

static void test_numbers(void **state)
{
	char err[128];
	long long i;
	double d;
	int b;

	(void)state;
	assert_int_equal(units_parse_int("-42", &i, err, sizeof(err)), 0);
	assert_int_equal(i, -42);
	assert_int_equal(units_parse_int("4x", &i, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid integer '4x'");
	assert_int_equal(units_parse_int("99999999999999999999", &i, err, sizeof(err)), -1);
	assert_string_equal(err, "integer '99999999999999999999' is out of range");
	assert_int_equal(units_parse_int("", &i, err, sizeof(err)), -1);
	assert_int_equal(units_parse_double("0.75", &d, err, sizeof(err)), 0);
	assert_true(d == 0.75);
	assert_int_equal(units_parse_double("nan", &d, err, sizeof(err)), -1);
	assert_int_equal(units_parse_double("inf", &d, err, sizeof(err)), -1);
	assert_int_equal(units_parse_double("0x1p3", &d, err, sizeof(err)), -1);
	assert_int_equal(units_parse_bool("Yes", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 1);
	assert_int_equal(units_parse_bool("off", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 0);
	assert_int_equal(units_parse_bool("maybe", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid boolean 'maybe': use true or false");
}

static void test_format(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(units_format_size(512, buf, sizeof(buf)), "512 B");
	assert_string_equal(units_format_size(1536, buf, sizeof(buf)), "1.5 KiB");
	assert_string_equal(units_format_size(1073741824ULL, buf, sizeof(buf)), "1 GiB");
	assert_string_equal(units_format_duration_ns(41200000ULL, buf, sizeof(buf)), "41.2ms");
	assert_string_equal(units_format_duration_ns(2500000000ULL, buf, sizeof(buf)), "2.5s");
	assert_string_equal(units_format_duration_ns(754000000000ULL, buf, sizeof(buf)), "12m34s");
}

static void test_stats(void **state)
{
	const double v[] = { 4, 1, 3, 2 };
	const double one[] = { 7 };
	struct stats s;

	(void)state;
	assert_int_equal(stats_compute(v, 4, &s), 0);
	assert_int_equal(s.n, 4);
	assert_true(s.median == 2.5);
	assert_true(s.min == 1 && s.max == 4 && s.mean == 2.5);
	/* sample stddev of 1..4: sqrt(5/3) */
	assert_float_equal(s.stddev, 1.2909944487, 1e-9);
	assert_float_equal(s.cv, 1.2909944487 / 2.5, 1e-9);
	assert_int_equal(stats_compute(one, 1, &s), 0);
	assert_true(s.median == 7 && s.stddev == 0 && s.cv == 0);
	assert_int_equal(stats_compute(v, 0, &s), 0);
	assert_int_equal(s.n, 0);
	assert_true(s.median == 0);
	/* odd count: the middle value */
	assert_int_equal(stats_compute(v, 3, &s), 0);
	assert_true(s.median == 3);
}

struct q_case {
	const char *in;
	double want;
	const char *base; /* NULL: a plain number */
	const char *err;
};

static const struct q_case q_cases[] = {
	{ "2.9 TB/s", 2.9e12, "B/s", NULL },
	{ "2.9TB/s", 2.9e12, "B/s", NULL },
	{ "1 GiB/s", 1073741824.0, "B/s", NULL },
	{ "400 Gb/s", 5e10, "B/s", NULL },
	{ "989 TFLOP/s", 989e12, "FLOP/s", NULL },
	{ "1979 TOP/s", 1979e12, "OP/s", NULL },
	{ "35 ms", 0.035, "s", NULL },
	{ "250 us", 250e-6, "s", NULL },
	{ "85 °C", 85, "celsius", NULL },
	{ "700 W", 700, "W", NULL },
	{ "3%", 0.03, "ratio", NULL },
	{ "1.98 GHz", 1.98e9, "Hz", NULL },
	{ "80 GiB", 85899345920.0, "B", NULL },
	{ "8", 8, NULL, NULL },
	{ "-1.5e3", -1500, NULL, NULL },
	{ "2.9 TBs", 0, NULL, "invalid quantity '2.9 TBs': unknown unit 'TBs'" },
	{ "fast", 0, NULL, "invalid quantity 'fast': expected a number with a unit, like '2.9 TB/s'" },
	{ "1.2.3 GB", 0, NULL, "invalid quantity '1.2.3 GB': '1.2.3' is not a number" },
	/* found by tests/fuzz/fuzz_units: finite as written, infinite in base units */
	{ "1e308 TB/s", 0, NULL, "invalid quantity '1e308 TB/s': out of range" },
	{ "-1e300 PFLOP/s", 0, NULL, "invalid quantity '-1e300 PFLOP/s': out of range" },
};

static void test_quantities(void **state)
{
	const char *base;
	char err[256];
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(q_cases) / sizeof(q_cases[0]); i++) {
		const struct q_case *c = &q_cases[i];
		int rc = quantity_parse(c->in, &v, &base, err, sizeof(err));

		if (c->err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, c->err);
			continue;
		}
		if (rc)
			fail_msg("'%s': %s", c->in, err);
		assert_float_equal(v, c->want, fabs(c->want) * 1e-12);
		if (c->base)
			assert_string_equal(base, c->base);
		else
			assert_null(base);
	}
	assert_string_equal(quantity_base_of("GiB/s"), "B/s");
	assert_null(quantity_base_of("furlongs"));
}

static void test_quantity_format(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(quantity_format(3.01e12, "B/s", b, sizeof(b)), "3.01 TB/s");
	assert_string_equal(quantity_format(790e12, "FLOP/s", b, sizeof(b)), "790 TFLOP/s");
	assert_string_equal(quantity_format(85899345920.0, "B", b, sizeof(b)), "80 GiB");
	assert_string_equal(quantity_format(0.0412, "s", b, sizeof(b)), "41.2 ms");
	assert_string_equal(quantity_format(0.975, "ratio", b, sizeof(b)), "97.5 %");
	assert_string_equal(quantity_format(71, "celsius", b, sizeof(b)), "71 °C");
	assert_string_equal(quantity_format(8, "count", b, sizeof(b)), "8");
	assert_string_equal(quantity_format(8, NULL, b, sizeof(b)), "8");
	assert_string_equal(quantity_format(0, "B/s", b, sizeof(b)), "0 B/s");
	assert_string_equal(quantity_format(512, "B", b, sizeof(b)), "512 B");
	assert_string_equal(quantity_format(1.5e9, "Hz", b, sizeof(b)), "1.50 GHz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_numbers),		cmocka_unit_test(test_format),
		cmocka_unit_test(test_stats),		cmocka_unit_test(test_quantities),
		cmocka_unit_test(test_quantity_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
