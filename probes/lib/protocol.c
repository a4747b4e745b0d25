/* protocol.c - see protocol.h and probes/PROTOCOL.md. */
#include "protocol.h"
#include "strbuf.h"
#include "units.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const protocol_units[] = { "B/s",	  "FLOP/s", "OP/s", "s",  "IOPS",  "ops/s", "B",
				       "celsius", "W",	    "J",    "Hz", "ratio", "count", NULL };

/* Units of a series' x axis besides the protocol units: arithmetic intensity (roofline charts). */
const char *const protocol_x_units[] = { "FLOP/B", "OP/B", NULL };

const char *const protocol_statuses[] = { "ok", "skipped", "failed", "error", NULL };

const char *const protocol_ptypes[] = { "string", "int", "float", "bool", "size", "duration", "enum", "list", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

int protocol_is_unit(const char *unit)
{
	return in_list(protocol_units, unit);
}

int protocol_is_x_unit(const char *unit)
{
	return in_list(protocol_units, unit) || in_list(protocol_x_units, unit);
}

int protocol_is_status(const char *status)
{
	return in_list(protocol_statuses, status);
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int want_string(const cJSON *obj, const char *key, int required, const char *path, char *err, size_t len)
{
	const cJSON *v = member(obj, key);

	if (!v)
		return required ? errf(err, len, "%s'%s' is missing", path, key) : 0;
	if (!cJSON_IsString(v))
		return errf(err, len, "%s'%s' must be a string", path, key);
	if (required && !*v->valuestring)
		return errf(err, len, "%s'%s' must not be empty", path, key);
	return 0;
}

static int finite_number(const cJSON *v)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble);
}

static int check_labels(const cJSON *labels, const char *where, char *err, size_t len)
{
	const cJSON *l;

	if (!labels)
		return 0;
	if (!cJSON_IsObject(labels))
		return errf(err, len, "%s.labels must be an object", where);
	cJSON_ArrayForEach(l, labels) if (!cJSON_IsString(l)) return errf(err, len, "%s.labels.%s must be a string",
									  where, l->string);
	return 0;
}

static int check_number_array(const cJSON *a, const char *where, const char *key, char *err, size_t len)
{
	const cJSON *x;
	int i = 0;

	if (!cJSON_IsArray(a))
		return errf(err, len, "%s.%s must be an array of numbers", where, key);
	cJSON_ArrayForEach(x, a)
	{
		if (!finite_number(x))
			return errf(err, len, "%s.%s[%d] must be a finite number", where, key, i);
		i++;
	}
	return 0;
}

static int check_metric(const cJSON *m, int i, char *err, size_t len)
{
	char where[48];
	const cJSON *v;

	snprintf(where, sizeof(where), "metrics[%d]", i);
	if (!cJSON_IsObject(m))
		return errf(err, len, "%s must be an object", where);
	v = member(m, "name");
	if (!cJSON_IsString(v) || !*v->valuestring)
		return errf(err, len, "%s.name must be a non-empty string", where);
	if (!finite_number(member(m, "value")))
		return errf(err, len, "%s.value must be a finite number (metric '%s')", where, v->valuestring);
	v = member(m, "unit");
	if (!cJSON_IsString(v) || !protocol_is_unit(v->valuestring))
		return errf(err, len, "%s.unit '%s' is not a protocol unit", where,
			    cJSON_IsString(v) ? v->valuestring : "?");
	v = member(m, "better");
	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "higher") && strcmp(v->valuestring, "lower")))
		return errf(err, len, "%s.better must be 'higher' or 'lower'", where);
	if (member(m, "samples") && check_number_array(member(m, "samples"), where, "samples", err, len))
		return -1;
	return check_labels(member(m, "labels"), where, err, len);
}

/* A series runs over time (t) or over something else (x, with x_unit); v has one value per point. */
static int check_series_x(const cJSON *s, const char *where, char *err, size_t len)
{
	const cJSON *t = member(s, "t"), *x = member(s, "x"), *v = member(s, "v"), *xu = member(s, "x_unit");
	const char *key = x ? "x" : "t";

	if (t && x)
		return errf(err, len, "%s has both t and x", where);
	if (x && (!cJSON_IsString(xu) || !protocol_is_x_unit(xu->valuestring)))
		return errf(err, len, "%s.x_unit is not a protocol unit (or FLOP/B, OP/B)", where);
	if (!x && xu)
		return errf(err, len, "%s.x_unit without x", where);
	if (check_number_array(x ? x : t, where, key, err, len) || check_number_array(v, where, "v", err, len))
		return -1;
	if (cJSON_GetArraySize(x ? x : t) != cJSON_GetArraySize(v))
		return errf(err, len, "%s.%s and %s.v differ in length", where, key, where);
	return 0;
}

/* An optional drawing hint: absent, or one of two words. */
static int check_hint(const cJSON *s, const char *key, const char *a, const char *b, const char *where, char *err,
		      size_t len)
{
	const cJSON *h = member(s, key);

	if (h && (!cJSON_IsString(h) || (strcmp(h->valuestring, a) && strcmp(h->valuestring, b))))
		return errf(err, len, "%s.%s must be '%s' or '%s'", where, key, a, b);
	return 0;
}

static int check_series(const cJSON *s, int i, char *err, size_t len)
{
	char where[48];
	const cJSON *v;

	snprintf(where, sizeof(where), "series[%d]", i);
	if (!cJSON_IsObject(s))
		return errf(err, len, "%s must be an object", where);
	if (want_string(s, "name", 1, "", err, len))
		return errf(err, len, "%s.name must be a non-empty string", where);
	v = member(s, "unit");
	if (!cJSON_IsString(v) || !protocol_is_unit(v->valuestring))
		return errf(err, len, "%s.unit is not a protocol unit", where);
	if (check_series_x(s, where, err, len))
		return -1;
	if (check_hint(s, "scale", "linear", "log", where, err, len) ||
	    check_hint(s, "style", "line", "points", where, err, len))
		return -1;
	return check_labels(member(s, "labels"), where, err, len);
}

static int check_array(const cJSON *doc, const char *key, int (*each)(const cJSON *, int, char *, size_t), char *err,
		       size_t len)
{
	const cJSON *a = member(doc, key), *x;
	int i = 0;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return errf(err, len, "'%s' must be an array", key);
	cJSON_ArrayForEach(x, a) if (each(x, i++, err, len)) return -1;
	return 0;
}

static int check_status(const cJSON *doc, char *err, size_t len)
{
	const cJSON *st = member(doc, "status"), *reason = member(doc, "reason");

	if (!cJSON_IsString(st) || !protocol_is_status(st->valuestring))
		return errf(err, len, "'status' must be one of ok, skipped, failed, error");
	if (reason && !cJSON_IsString(reason) && !cJSON_IsNull(reason))
		return errf(err, len, "'reason' must be a string or null");
	if (strcmp(st->valuestring, "ok") && (!cJSON_IsString(reason) || !*reason->valuestring))
		return errf(err, len, "status '%s' needs a 'reason'", st->valuestring);
	return 0;
}

int protocol_check_result(const cJSON *doc, char *err, size_t len)
{
	const cJSON *v;

	if (!cJSON_IsObject(doc))
		return errf(err, len, "the document is not a JSON object");
	v = member(doc, "protocol");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1)
		return errf(err, len, "'protocol' must be 1");
	if (want_string(doc, "probe", 1, "", err, len) || want_string(doc, "version", 1, "", err, len) ||
	    want_string(doc, "host", 1, "", err, len) || want_string(doc, "start", 1, "", err, len))
		return -1;
	if (check_status(doc, err, len))
		return -1;
	v = member(doc, "duration_s");
	if (!finite_number(v) || v->valuedouble < 0)
		return errf(err, len, "'duration_s' must be a non-negative number");
	if (!cJSON_IsObject(member(doc, "params")))
		return errf(err, len, "'params' must be an object");
	if (!cJSON_IsArray(member(doc, "metrics")))
		return errf(err, len, "'metrics' must be an array");
	if (check_array(doc, "metrics", check_metric, err, len) || check_array(doc, "series", check_series, err, len))
		return -1;
	v = member(doc, "env");
	if (v && !cJSON_IsObject(v))
		return errf(err, len, "'env' must be an object");
	return 0;
}

static int check_param_desc(const cJSON *p, int i, char *err, size_t len)
{
	const cJSON *t = member(p, "type");

	if (!cJSON_IsObject(p) || !cJSON_IsString(member(p, "name")))
		return errf(err, len, "params[%d] needs a 'name'", i);
	if (!cJSON_IsString(t) || !in_list(protocol_ptypes, t->valuestring))
		return errf(err, len, "params[%d].type is not a parameter type", i);
	return 0;
}

static int check_metric_desc(const cJSON *m, int i, char *err, size_t len)
{
	const cJSON *u = member(m, "unit");

	if (!cJSON_IsObject(m) || !cJSON_IsString(member(m, "name")))
		return errf(err, len, "metrics[%d] needs a 'name'", i);
	if (!cJSON_IsString(u) || !protocol_is_unit(u->valuestring))
		return errf(err, len, "metrics[%d].unit is not a protocol unit", i);
	return 0;
}

int protocol_check_describe(const cJSON *doc, char *err, size_t len)
{
	if (!cJSON_IsObject(doc))
		return errf(err, len, "the description is not a JSON object");
	if (want_string(doc, "probe", 1, "", err, len) || want_string(doc, "version", 1, "", err, len) ||
	    want_string(doc, "description", 1, "", err, len))
		return -1;
	if (!cJSON_IsArray(member(doc, "params")) || !cJSON_IsArray(member(doc, "metrics")))
		return errf(err, len, "'params' and 'metrics' must be arrays");
	if (member(doc, "per_gpu") && !cJSON_IsBool(member(doc, "per_gpu")))
		return errf(err, len, "'per_gpu' must be true or false");
	return check_array(doc, "params", check_param_desc, err, len) ||
	       check_array(doc, "metrics", check_metric_desc, err, len);
}

/* Is item one of the '|'-separated choices? */
static int in_choices(const char *choices, const char *item, size_t ilen)
{
	const char *c = choices, *bar;
	size_t clen;

	while (c && *c) {
		bar = strchr(c, '|');
		clen = bar ? (size_t)(bar - c) : strlen(c);
		if (clen == ilen && !strncmp(c, item, ilen))
			return 1;
		c = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int check_choice(const char *choices, const char *item, size_t ilen, const char *value, char *err, size_t len)
{
	if (!choices || !*choices || in_choices(choices, item, ilen))
		return 0;
	if (ilen == strlen(value))
		return errf(err, len, "invalid value '%s': expected one of %s", value, choices);
	return errf(err, len, "invalid item '%.*s' in '%s': expected items from %s", (int)ilen, item, value, choices);
}

static int check_list(const char *choices, const char *value, char *err, size_t len)
{
	const char *p = value, *comma;
	size_t n;

	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (!n)
			return errf(err, len, "invalid list '%s': empty item", value);
		if (check_choice(choices, p, n, value, err, len))
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int protocol_check_value(const char *type, const char *choices, const char *value, char *err, size_t len)
{
	long long i;
	double d;
	uint64_t u;
	int b;

	if (!value)
		return errf(err, len, "missing value");
	if (!strcmp(type, "string"))
		return 0;
	if (!strcmp(type, "int"))
		return units_parse_int(value, &i, err, len);
	if (!strcmp(type, "float"))
		return units_parse_double(value, &d, err, len);
	if (!strcmp(type, "bool"))
		return units_parse_bool(value, &b, err, len);
	if (!strcmp(type, "size"))
		return units_parse_size(value, &u, err, len);
	if (!strcmp(type, "duration"))
		return units_parse_duration_ns(value, &u, err, len);
	if (!strcmp(type, "enum"))
		return check_choice(choices, value, strlen(value), value, err, len);
	if (!strcmp(type, "list"))
		return check_list(choices, value, err, len);
	return errf(err, len, "unknown parameter type '%s'", type);
}
