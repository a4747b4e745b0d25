/*
 * fuzz_units.c - unit and size parsing: probes/lib/units.h (sizes,
 * durations, integers, numbers, booleans, used by plans, --set and every
 * probe's --PARAM=VALUE), probes/lib/quantity.h (numbers with units in
 * baselines, and their formatting for people) and protocol_check_value()
 * (a parameter value against its declared type).
 *
 * The input's first line is the text parsed; the rest, if any, is a choice
 * list ("a|b|c") for the enum and list types. What a parser promises on
 * success is checked, and every value parsed is formatted again.
 */
#include "fuzz_util.h"
#include "protocol.h"
#include "quantity.h"
#include "units.h"

#include <math.h>

static void units(const char *s)
{
	char err[256], buf[64];
	uint64_t u;
	long long ll;
	double d;
	int b;

	if (!units_parse_size(s, &u, err, sizeof(err)))
		units_format_size(u, buf, sizeof(buf));
	if (!units_parse_duration_ns(s, &u, err, sizeof(err))) {
		if (u > 365ULL * 86400 * UNITS_NS_PER_S)
			abort(); /* units.h: at most 365d */
		units_format_duration_ns(u, buf, sizeof(buf));
	}
	units_parse_int(s, &ll, err, sizeof(err));
	if (!units_parse_double(s, &d, err, sizeof(err)) && !isfinite(d))
		abort();
	if (!units_parse_bool(s, &b, err, sizeof(err)) && b != 0 && b != 1)
		abort();
	units_parse_size(s, &u, NULL, 0); /* err may be NULL */
}

static void quantity(const char *s)
{
	static const char *const bases[] = { NULL,    "count", "B",	 "s",	 "ratio", "celsius", "IOPS",
					     "ops/s", "B/s",   "FLOP/s", "OP/s", "W",	  "J",	     "Hz" };
	const char *base;
	char err[256], buf[64];
	double v;
	size_t i;

	if (!quantity_parse(s, &v, &base, err, sizeof(err))) {
		if (!isfinite(v) || (base && !protocol_is_unit(base)))
			abort(); /* a threshold is a finite number in a protocol unit */
		quantity_format(v, base, buf, sizeof(buf));
	}
	quantity_base_of(s);
	if (!units_parse_double(s, &v, NULL, 0))
		for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
			quantity_format(v, bases[i], buf, sizeof(buf));
			quantity_format(v, bases[i], buf, 4); /* truncated, still terminated */
			if (!memchr(buf, 0, 4))
				abort();
		}
}

static void check_value(const char *s, const char *choices)
{
	size_t i;
	char err[256];

	for (i = 0; protocol_ptypes[i]; i++) {
		protocol_check_value(protocol_ptypes[i], choices, s, err, sizeof(err));
		protocol_check_value(protocol_ptypes[i], NULL, s, err, sizeof(err));
	}
	protocol_check_value("no-such-type", choices, s, err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), *nl = strchr(s, '\n');
	const char *choices = "";

	if (nl) {
		*nl = '\0';
		choices = nl + 1;
	}
	units(s);
	quantity(s);
	check_value(s, choices);
	free(s);
	return 0;
}
