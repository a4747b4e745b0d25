/* quantity.c - see quantity.h. */
#include "quantity.h"
#include "strbuf.h"
#include "units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct qunit {
	const char *name;
	const char *base;
	double factor; /* value in base units = number × factor */
};

/* Every unit a baseline may write. Order matters only for formatting (below). */
static const struct qunit qunits[] = {
	{ "B/s", "B/s", 1 },
	{ "kB/s", "B/s", 1e3 },
	{ "KB/s", "B/s", 1e3 },
	{ "MB/s", "B/s", 1e6 },
	{ "GB/s", "B/s", 1e9 },
	{ "TB/s", "B/s", 1e12 },
	{ "KiB/s", "B/s", 1024.0 },
	{ "MiB/s", "B/s", 1048576.0 },
	{ "GiB/s", "B/s", 1073741824.0 },
	{ "TiB/s", "B/s", 1099511627776.0 },
	{ "b/s", "B/s", 0.125 },
	{ "kb/s", "B/s", 125.0 },
	{ "Mb/s", "B/s", 1.25e5 },
	{ "Gb/s", "B/s", 1.25e8 },
	{ "Tb/s", "B/s", 1.25e11 },
	{ "Gbit/s", "B/s", 1.25e8 },
	{ "FLOP/s", "FLOP/s", 1 },
	{ "GFLOP/s", "FLOP/s", 1e9 },
	{ "TFLOP/s", "FLOP/s", 1e12 },
	{ "PFLOP/s", "FLOP/s", 1e15 },
	{ "TFLOPS", "FLOP/s", 1e12 },
	{ "OP/s", "OP/s", 1 },
	{ "GOP/s", "OP/s", 1e9 },
	{ "TOP/s", "OP/s", 1e12 },
	{ "POP/s", "OP/s", 1e15 },
	{ "TOPS", "OP/s", 1e12 },
	{ "s", "s", 1 },
	{ "ns", "s", 1e-9 },
	{ "us", "s", 1e-6 },
	{ "µs", "s", 1e-6 },
	{ "ms", "s", 1e-3 },
	{ "min", "s", 60 },
	{ "h", "s", 3600 },
	{ "IOPS", "IOPS", 1 },
	{ "kIOPS", "IOPS", 1e3 },
	{ "MIOPS", "IOPS", 1e6 },
	{ "ops/s", "ops/s", 1 },
	{ "kops/s", "ops/s", 1e3 },
	{ "Mops/s", "ops/s", 1e6 },
	{ "B", "B", 1 },
	{ "kB", "B", 1e3 },
	{ "KB", "B", 1e3 },
	{ "MB", "B", 1e6 },
	{ "GB", "B", 1e9 },
	{ "TB", "B", 1e12 },
	{ "KiB", "B", 1024.0 },
	{ "MiB", "B", 1048576.0 },
	{ "GiB", "B", 1073741824.0 },
	{ "TiB", "B", 1099511627776.0 },
	{ "PiB", "B", 1125899906842624.0 },
	{ "celsius", "celsius", 1 },
	{ "°C", "celsius", 1 },
	{ "C", "celsius", 1 },
	{ "degC", "celsius", 1 },
	{ "W", "W", 1 },
	{ "mW", "W", 1e-3 },
	{ "kW", "W", 1e3 },
	{ "J", "J", 1 },
	{ "kJ", "J", 1e3 },
	{ "MJ", "J", 1e6 },
	{ "Wh", "J", 3600 },
	{ "kWh", "J", 3.6e6 },
	{ "Hz", "Hz", 1 },
	{ "kHz", "Hz", 1e3 },
	{ "MHz", "Hz", 1e6 },
	{ "GHz", "Hz", 1e9 },
	{ "ratio", "ratio", 1 },
	{ "%", "ratio", 0.01 },
	{ "count", "count", 1 },
	{ NULL, NULL, 0 },
};

static const struct qunit *find(const char *name)
{
	const struct qunit *u;

	for (u = qunits; u->name; u++)
		if (!strcmp(u->name, name))
			return u;
	return NULL;
}

const char *quantity_base_of(const char *unit)
{
	const struct qunit *u = find(unit);

	return u ? u->base : NULL;
}

int quantity_parse(const char *text, double *value, const char **base, char *err, size_t len)
{
	char num[64], unit[32];
	const char *p = text, *start;
	const struct qunit *u;
	size_t n;
	double v;

	while (*p == ' ')
		p++;
	start = p;
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p) || *p == '.' ||
	       ((*p == 'e' || *p == 'E') && p > start && (isdigit((unsigned char)p[1]) || p[1] == '-' || p[1] == '+')))
		p += (*p == 'e' || *p == 'E') && (p[1] == '-' || p[1] == '+') ? 2 : 1;
	n = (size_t)(p - start);
	if (!n || n >= sizeof(num))
		return errf(err, len, "invalid quantity '%s': expected a number with a unit, like '2.9 TB/s'", text);
	memcpy(num, start, n);
	num[n] = '\0';
	if (units_parse_double(num, &v, NULL, 0))
		return errf(err, len, "invalid quantity '%s': '%s' is not a number", text, num);
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	if (!n) {
		*value = v;
		*base = NULL;
		return 0;
	}
	if (n >= sizeof(unit))
		return errf(err, len, "invalid quantity '%s': unknown unit '%.*s'", text, (int)n, p);
	memcpy(unit, p, n);
	unit[n] = '\0';
	u = find(unit);
	if (!u)
		return errf(err, len, "invalid quantity '%s': unknown unit '%s'", text, unit);
	if (!isfinite(v * u->factor)) /* "1e308 TB/s": finite as written, infinite in base units */
		return errf(err, len, "invalid quantity '%s': out of range", text);
	*value = v * u->factor;
	*base = u->base;
	return 0;
}

struct prefix {
	double factor;
	const char *name;
};

static const struct prefix decimal[] = { { 1e15, "P" }, { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" },
					 { 1e3, "k" },	{ 1, "" },     { 0, NULL } };
static const struct prefix binary[] = { { 1125899906842624.0, "Pi" },
					{ 1099511627776.0, "Ti" },
					{ 1073741824.0, "Gi" },
					{ 1048576.0, "Mi" },
					{ 1024.0, "Ki" },
					{ 1, "" },
					{ 0, NULL } };
static const struct prefix seconds[] = { { 1, "" }, { 1e-3, "m" }, { 1e-6, "u" }, { 1e-9, "n" }, { 0, NULL } };

static const char *sig3(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 100 || a == floor(a))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

static const char *scaled(double v, const struct prefix *pf, const char *unit, char *buf, size_t len)
{
	char n[64];

	for (; pf->name; pf++)
		if (fabs(v) >= pf->factor || !pf[1].name)
			break;
	if (!pf->name)
		pf--;
	snprintf(buf, len, "%s %s%s", sig3(v / pf->factor, n, sizeof(n)), pf->name, unit);
	return buf;
}

const char *quantity_format(double v, const char *base, char *buf, size_t len)
{
	char n[64];

	if (!isfinite(v))
		snprintf(buf, len, "%g", v);
	else if (!base || !strcmp(base, "count"))
		snprintf(buf, len, v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.3g", v);
	else if (!strcmp(base, "B"))
		scaled(v, binary, "B", buf, len);
	else if (!strcmp(base, "s"))
		scaled(v, seconds, "s", buf, len);
	else if (!strcmp(base, "ratio"))
		snprintf(buf, len, "%s %%", sig3(v * 100, n, sizeof(n)));
	else if (!strcmp(base, "celsius"))
		snprintf(buf, len, "%s °C", sig3(v, n, sizeof(n)));
	else if (!strcmp(base, "IOPS") || !strcmp(base, "ops/s"))
		scaled(v, decimal, base, buf, len);
	else
		scaled(v, decimal, base, buf, len);
	return buf;
}
