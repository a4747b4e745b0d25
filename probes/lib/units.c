/* units.c - sizes, durations and numbers; the contract is in units.h. */
#include "units.h"
#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	double factor;
};

static const struct unit size_units[] = {
	{ "B", 1.0 },
	{ "KB", 1e3 },
	{ "MB", 1e6 },
	{ "GB", 1e9 },
	{ "TB", 1e12 },
	{ "PB", 1e15 },
	{ "kB", 1e3 },
	{ "KiB", 1024.0 },
	{ "MiB", 1048576.0 },
	{ "GiB", 1073741824.0 },
	{ "TiB", 1099511627776.0 },
	{ "PiB", 1125899906842624.0 },
	{ "kiB", 1024.0 },
	{ NULL, 0 },
};

static const struct unit duration_units[] = {
	{ "ns", 1.0 }, { "us", 1e3 },	{ "ms", 1e6 },	  { "s", 1e9 },
	{ "m", 60e9 }, { "h", 3600e9 }, { "d", 86400e9 }, { NULL, 0 },
};

/*
 * Split "  1.5GiB " into a finite non-negative number and a unit suffix.
 * The number must be plain decimal: no hex, no exponent, no sign, so that
 * "1e3" or "0x10" are never read as something the user did not mean.
 */
static int split_number(const char *s, double *num, const char **unit)
{
	const char *p = s;
	char buf[64];
	size_t n = 0;
	int digits = 0, dot = 0;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	while (isdigit((unsigned char)*p) || (*p == '.' && !dot)) {
		if (*p == '.')
			dot = 1;
		else
			digits++;
		if (n + 1 >= sizeof(buf))
			return -1;
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	if (!digits)
		return -1;
	errno = 0;
	*num = strtod(buf, &end);
	if (errno || *end || !isfinite(*num))
		return -1;
	while (*p == ' ')
		p++;
	*unit = p;
	return 0;
}

static int trailing_space_only(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

static const struct unit *find_unit(const struct unit *tab, const char *u, size_t len)
{
	for (; tab->name; tab++)
		if (strlen(tab->name) == len && !strncmp(tab->name, u, len))
			return tab;
	return NULL;
}

static size_t unit_len(const char *u)
{
	size_t n = 0;

	while (isalpha((unsigned char)u[n]))
		n++;
	return n;
}

int units_parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	double num, bytes;
	const char *u;
	const struct unit *unit;
	size_t ulen;

	if (!s || split_number(s, &num, &u)) {
		errf(err, errlen,
		     "invalid size '%s': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)",
		     s ? s : "");
		return -1;
	}
	ulen = unit_len(u);
	if (ulen == 0) {
		unit = &size_units[0];
	} else {
		unit = find_unit(size_units, u, ulen);
		if (!unit) {
			errf(err, errlen,
			     "invalid size '%s': unknown unit '%.*s' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s,
			     (int)ulen, u);
			return -1;
		}
	}
	if (!trailing_space_only(u + ulen)) {
		errf(err, errlen, "invalid size '%s': unexpected text after the unit", s);
		return -1;
	}
	bytes = num * unit->factor;
	if (bytes >= 18446744073709551616.0) {
		errf(err, errlen, "size '%s' is out of range (at most 16 EiB)", s);
		return -1;
	}
	if (bytes != floor(bytes)) {
		errf(err, errlen, "invalid size '%s': not a whole number of bytes", s);
		return -1;
	}
	*out = (uint64_t)bytes;
	return 0;
}

int units_parse_duration_ns(const char *s, uint64_t *out, char *err, size_t errlen)
{
	double num, ns;
	const char *u;
	const struct unit *unit;
	size_t ulen;

	if (!s || split_number(s, &num, &u)) {
		errf(err, errlen, "invalid duration '%s': expected a number with a unit (ms, s, m, h)", s ? s : "");
		return -1;
	}
	ulen = unit_len(u);
	if (ulen == 0) {
		errf(err, errlen, "invalid duration '%s': missing unit (ms, s, m, h)", s);
		return -1;
	}
	unit = find_unit(duration_units, u, ulen);
	if (!unit) {
		errf(err, errlen, "invalid duration '%s': unknown unit '%.*s' (use ns, us, ms, s, m, h, d)", s,
		     (int)ulen, u);
		return -1;
	}
	if (!trailing_space_only(u + ulen)) {
		errf(err, errlen, "invalid duration '%s': unexpected text after the unit", s);
		return -1;
	}
	ns = num * unit->factor;
	if (ns > 365.0 * 86400e9) {
		errf(err, errlen, "duration '%s' is out of range (at most 365d)", s);
		return -1;
	}
	*out = (uint64_t)llround(ns);
	return 0;
}

int units_parse_int(const char *s, long long *out, char *err, size_t errlen)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s)) {
		errf(err, errlen, "invalid integer '%s'", s ? s : "");
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		errf(err, errlen, "integer '%s' is out of range", s);
		return -1;
	}
	if (end == s || !trailing_space_only(end)) {
		errf(err, errlen, "invalid integer '%s'", s);
		return -1;
	}
	*out = v;
	return 0;
}

int units_parse_double(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s)) {
		errf(err, errlen, "invalid number '%s'", s ? s : "");
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(v) || end == s || !trailing_space_only(end) || strpbrk(s, "xXnNiI")) {
		errf(err, errlen, "invalid number '%s'", s);
		return -1;
	}
	*out = v;
	return 0;
}

int units_parse_bool(const char *s, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };
	int i;

	for (i = 0; s && yes[i]; i++)
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
	for (i = 0; s && no[i]; i++)
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	errf(err, errlen, "invalid boolean '%s': use true or false", s ? s : "");
	return -1;
}

const char *units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int i = 0;

	while (v >= 1024.0 && i < 6) {
		v /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.3g %s", v, names[i]);
	return buf;
}

const char *units_format_duration_ns(uint64_t ns, char *buf, size_t len)
{
	double s = (double)ns / 1e9;

	if (ns < 1000000ULL)
		snprintf(buf, len, "%.3gus", (double)ns / 1e3);
	else if (s < 1.0)
		snprintf(buf, len, "%.3gms", (double)ns / 1e6);
	else if (s < 120.0)
		snprintf(buf, len, "%.3gs", s);
	else if (s < 7200.0)
		snprintf(buf, len, "%.0fm%02.0fs", floor(s / 60), fmod(s, 60));
	else
		snprintf(buf, len, "%.0fh%02.0fm", floor(s / 3600), fmod(s / 60, 60));
	return buf;
}
