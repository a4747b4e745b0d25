/*
 * outlier.c - robust outliers and fleet drift across nodes; see outlier.h
 * for the contract and probes/METRICS.md ("Across nodes") for the maths and
 * the drift allowlist.
 *
 * Series are found with one hash table keyed on (step, metric, labels),
 * compared exactly; every metric of every node costs one hash and, on a hit,
 * one comparison. Points are then grouped by series with a counting sort and
 * each series is sorted once for its median and once for its MAD:
 * O(points log points) in all.
 */
#include "outlier.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Configuration, not performance: drift covers these probes. */
static const char *const outlier_skipped_probes[] = { "sysinfo", "audit" };

int outlier_probe_judged(const char *probe)
{
	size_t i;

	for (i = 0; probe && i < sizeof(outlier_skipped_probes) / sizeof(outlier_skipped_probes[0]); i++)
		if (!strcmp(probe, outlier_skipped_probes[i]))
			return 0;
	return 1;
}

/* ---- the maths ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of sorted v[0..n), n > 0. */
static double median_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int outlier_fit(double *x, size_t n, struct outlier_fit *f)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (isfinite(x[i]))
			x[k++] = x[i];
	f->n = k;
	f->median = f->mad = f->scale = NAN;
	if (k < OUTLIER_MIN_NODES)
		return -1;
	qsort(x, k, sizeof(*x), cmp_double);
	f->median = median_sorted(x, k);
	for (i = 0; i < k; i++)
		x[i] = fabs(x[i] - f->median);
	qsort(x, k, sizeof(*x), cmp_double);
	f->mad = median_sorted(x, k);
	f->scale = fmax(f->mad, OUTLIER_MAD_FLOOR * fabs(f->median));
	if (!(f->scale > 0)) {
		f->scale = NAN;
		return -1;
	}
	return 0;
}

double outlier_z(const struct outlier_fit *f, double x)
{
	return isnan(f->scale) ? NAN : OUTLIER_K * (x - f->median) / f->scale;
}

int outlier_bad(double z, int lower_better)
{
	return lower_better ? z > OUTLIER_Z : z < -OUTLIER_Z;
}

/* ---- series ---- */

void outlier_init(struct outlier_set *s)
{
	memset(s, 0, sizeof(*s));
}

static uint64_t fnv(uint64_t h, const char *p)
{
	for (; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

static uint64_t series_hash(const char *step, const char *name, const cJSON *labels)
{
	uint64_t h = fnv(fnv(14695981039346656037ull, step), name);
	const cJSON *l;

	cJSON_ArrayForEach(l, labels)
	{
		h = fnv(fnv(h, l->string), cJSON_IsString(l) ? l->valuestring : "");
	}
	return h;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Labels equal as sets written in the same order (a probe writes them so on every node). */
static int same_labels(const cJSON *a, const cJSON *b)
{
	const cJSON *x = a ? a->child : NULL, *y = b ? b->child : NULL;

	for (; x && y; x = x->next, y = y->next)
		if (!same_str(x->string, y->string) ||
		    !same_str(cJSON_IsString(x) ? x->valuestring : "", cJSON_IsString(y) ? y->valuestring : ""))
			return 0;
	return !x && !y;
}

static void table_grow(struct outlier_set *s)
{
	size_t size = s->table_size ? 2 * s->table_size : 256, i, j;
	uint32_t *t = xcalloc(size, sizeof(*t));

	for (i = 0; i < s->nseries; i++) {
		const struct outlier_series *se = &s->series[i];

		j = (size_t)series_hash(se->step, se->metric, se->labels) & (size_t)(size - 1);
		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = (uint32_t)i + 1;
	}
	free(s->table);
	s->table = t;
	s->table_size = size;
}

static uint32_t series_of(struct outlier_set *s, const char *step, const char *name, const char *unit,
			  const cJSON *labels, int lower)
{
	struct outlier_series *se;
	size_t j;

	if (2 * (s->nseries + 1) > s->table_size)
		table_grow(s);
	j = (size_t)series_hash(step, name, labels) & (s->table_size - 1);
	for (; s->table[j]; j = (j + 1) & (s->table_size - 1)) {
		se = &s->series[s->table[j] - 1];
		if (same_str(se->metric, name) && same_str(se->step, step) && same_labels(se->labels, labels))
			return s->table[j] - 1;
	}
	if (s->nseries == s->series_alloc) {
		s->series_alloc = s->series_alloc ? 2 * s->series_alloc : 64;
		s->series = xrealloc(s->series, s->series_alloc * sizeof(*s->series));
	}
	se = &s->series[s->nseries];
	memset(se, 0, sizeof(*se));
	se->step = step;
	se->metric = name;
	se->unit = unit;
	se->labels = labels;
	se->lower_better = lower;
	s->table[j] = (uint32_t)++s->nseries;
	return (uint32_t)(s->nseries - 1);
}

void outlier_add(struct outlier_set *s, uint32_t node, const char *step, const char *probe, const char *name,
		 const char *unit, const char *better, const cJSON *labels, double value)
{
	struct outlier_point *p;
	int lower;

	if (!step || !name || !better || !isfinite(value) || !outlier_probe_judged(probe))
		return;
	if (unit && !strcmp(unit, "count"))
		return;
	if (!strcmp(better, "lower"))
		lower = 1;
	else if (!strcmp(better, "higher"))
		lower = 0;
	else
		return;
	if (s->npoints == s->points_alloc) {
		s->points_alloc = s->points_alloc ? 2 * s->points_alloc : 1024;
		s->points = xrealloc(s->points, s->points_alloc * sizeof(*s->points));
	}
	p = &s->points[s->npoints++];
	p->value = value;
	p->node = node;
	p->series = series_of(s, step, name, unit, labels, lower);
}

/* Worst first: larger |z|, then node order, then series order (stable output). */
static int cmp_flag(const void *a, const void *b)
{
	const struct outlier_flag *x = a, *y = b;
	double ax = fabs(x->z), ay = fabs(y->z);

	if (ax != ay)
		return ax < ay ? 1 : -1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return (x->series > y->series) - (x->series < y->series);
}

/* Group points by series (counting sort, stable: node order within a series). */
static void group_points(struct outlier_set *s)
{
	struct outlier_point *sorted = xmalloc((s->npoints + 1) * sizeof(*sorted));
	size_t i;

	for (i = 0; i < s->nseries; i++)
		s->series[i].n = 0;
	for (i = 0; i < s->npoints; i++)
		s->series[s->points[i].series].n++;
	for (i = 0; i < s->nseries; i++)
		s->series[i].first = i ? s->series[i - 1].first + s->series[i - 1].n : 0;
	for (i = 0; i < s->nseries; i++)
		s->series[i].n = 0;
	for (i = 0; i < s->npoints; i++) {
		struct outlier_series *se = &s->series[s->points[i].series];

		sorted[se->first + se->n++] = s->points[i];
	}
	free(s->points);
	s->points = sorted;
	s->points_alloc = s->npoints + 1;
}

void outlier_finish(struct outlier_set *s)
{
	size_t i, j, flags_alloc = 0, maxn = 0;
	double *scratch;

	group_points(s);
	for (i = 0; i < s->nseries; i++)
		maxn = s->series[i].n > maxn ? s->series[i].n : maxn;
	scratch = xmalloc((maxn + 1) * sizeof(*scratch));
	for (i = 0; i < s->nseries; i++) {
		struct outlier_series *se = &s->series[i];
		const struct outlier_point *p = s->points + se->first;

		for (j = 0; j < se->n; j++)
			scratch[j] = p[j].value;
		if (outlier_fit(scratch, se->n, &se->fit))
			continue;
		for (j = 0; j < se->n; j++) {
			double z = outlier_z(&se->fit, p[j].value);

			if (!outlier_bad(z, se->lower_better))
				continue;
			if (s->nflags == flags_alloc) {
				flags_alloc = flags_alloc ? 2 * flags_alloc : 16;
				s->flags = xrealloc(s->flags, flags_alloc * sizeof(*s->flags));
			}
			s->flags[s->nflags++] = (struct outlier_flag){ p[j].node, (uint32_t)i, p[j].value, z };
			se->nflagged++;
		}
	}
	free(scratch);
	if (s->nflags)
		qsort(s->flags, s->nflags, sizeof(*s->flags), cmp_flag);
}

void outlier_release(struct outlier_set *s)
{
	free(s->series);
	free(s->points);
	free(s->flags);
	free(s->table);
	memset(s, 0, sizeof(*s));
}

/* ---- drift ---- */

/*
 * The allowlist (METRICS.md "Across nodes"): a key and where to read it,
 * first found wins. "A:" is the audit step's result document (its flat
 * env.inventory), "S:" the sysinfo inventory; before '/' the path of an
 * object (members or array indices, dot-separated), after it the member. A
 * member ending in '*' reads every member with that prefix, each its own key
 * (module.nvidia, container.docker). Values that differ legitimately (free
 * memory, uptime, temperatures) are never read.
 */
// clang-format off
static const struct drift_key {
	const char *key;
	const char *paths[3];
} drift_keys[] = {
	{ "os",            { "A:env.inventory/os", "S:env.os/pretty_name" } },
	{ "kernel",        { "A:env.inventory/kernel", "S:env.kernel/release" } },
	{ "cpu_model",     { "S:env.cpu/model" } },
	{ "governor",      { "S:env.cpu/governor" } },
	{ "gpu_model",     { "A:env.inventory/gpu_model", "S:env.gpus.0/name" } },
	{ "nvidia_driver", { "A:env.inventory/nvidia_driver", "S:env.nvml/driver_version" } },
	{ "cuda_driver",   { "A:env.inventory/cuda_driver", "S:env.nvml/cuda_driver_version" } },
	{ "cuda_runtime",  { "A:env.inventory/cuda_runtime" } },
	{ "nccl",          { "A:env.inventory/nccl" } },
	{ "mpi",           { "A:env.inventory/mpi" } },
	{ "vbios",         { "A:env.inventory/vbios" } },
	{ "hca_firmware",  { "A:env.inventory/hca_firmware", "S:env.infiniband.0/fw_ver" } },
	{ "module.*",      { "A:env.inventory/module.*" } },
	{ "container.*",   { "A:env.inventory/container.*" } },
};
// clang-format on

void drift_init(struct drift *d)
{
	memset(d, 0, sizeof(*d));
}

static const char *own(struct drift *d, char *s)
{
	if (d->nowned == d->owned_alloc) {
		d->owned_alloc = d->owned_alloc ? 2 * d->owned_alloc : 16;
		d->owned = xrealloc(d->owned, d->owned_alloc * sizeof(*d->owned));
	}
	d->owned[d->nowned++] = s;
	return s;
}

/* The object at path (dot-separated members or array indices, up to '/') under root, or NULL. */
static const cJSON *resolve(const cJSON *root, const char *path)
{
	char part[64];
	const cJSON *o = root;
	const char *p = path, *end;
	size_t n;

	while (o && *p && *p != '/') {
		n = strcspn(p, "./");
		end = p + n;
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		if (cJSON_IsArray(o))
			o = part[0] >= '0' && part[0] <= '9' ? cJSON_GetArrayItem(o, (int)strtol(part, NULL, 10))
							     : NULL;
		else
			o = cJSON_GetObjectItemCaseSensitive(o, part);
		p = *end == '.' ? end + 1 : end;
	}
	return o;
}

/* A value as text: strings as they are, numbers and booleans written out; NULL for null, objects, arrays. */
static const char *value_text(struct drift *d, const cJSON *v)
{
	char buf[64];

	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%.15g", v->valuedouble);
		return own(d, xstrdup(buf));
	}
	return NULL;
}

static void add_item(struct drift *d, const char *key, const char *value, uint32_t node)
{
	if (!value)
		return;
	if (d->nitems == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 64;
		d->items = xrealloc(d->items, d->alloc * sizeof(*d->items));
	}
	d->items[d->nitems++] = (struct drift_item){ key, value, node };
}

/* Every member of o whose name starts with prefix, each its own key. */
static void add_prefixed(struct drift *d, uint32_t node, const cJSON *o, const char *prefix, size_t len)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o)
	{
		if (m->string && !strncmp(m->string, prefix, len))
			add_item(d, m->string, value_text(d, m), node);
	}
}

/* Whether path (of key k) gave the node's value(s). */
static int add_path(struct drift *d, uint32_t node, const struct drift_key *k, const char *path, const cJSON *doc)
{
	const char *member = strchr(path, '/');
	const cJSON *o = member ? resolve(doc, path) : NULL, *v;
	size_t len;

	if (!cJSON_IsObject(o))
		return 0;
	member++;
	len = strlen(member);
	if (len && member[len - 1] == '*') {
		add_prefixed(d, node, o, member, len - 1);
		return 1;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, member);
	if (!v || cJSON_IsNull(v))
		return 0;
	add_item(d, k->key, value_text(d, v), node);
	return 1;
}

void drift_add_node(struct drift *d, uint32_t node, const cJSON *inventory, const cJSON *audit)
{
	size_t i, j;

	for (i = 0; i < sizeof(drift_keys) / sizeof(drift_keys[0]); i++) {
		const struct drift_key *k = &drift_keys[i];

		for (j = 0; j < sizeof(k->paths) / sizeof(k->paths[0]) && k->paths[j]; j++)
			if (add_path(d, node, k, k->paths[j] + 2, k->paths[j][0] == 'A' ? audit : inventory))
				break;
	}
}

/* By key, then value, then node. */
static int cmp_item(const void *a, const void *b)
{
	const struct drift_item *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (!c)
		c = strcmp(x->value, y->value);
	return c ? c : (x->node > y->node) - (x->node < y->node);
}

/* Most nodes first, then by value. */
static int cmp_value(const void *a, const void *b)
{
	const struct drift_value *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->value, y->value);
}

void drift_finish(struct drift *d)
{
	size_t i, start, kalloc = 0, nkv, first;
	const char *key, *val;

	if (d->nitems)
		qsort(d->items, d->nitems, sizeof(*d->items), cmp_item);
	d->values = xmalloc((d->nitems + 1) * sizeof(*d->values));
	for (i = 0; i < d->nitems;) {
		key = d->items[i].key;
		start = d->nvalues;
		while (i < d->nitems && !strcmp(d->items[i].key, key)) {
			val = d->items[i].value;
			first = i;
			while (i < d->nitems && !strcmp(d->items[i].key, key) && !strcmp(d->items[i].value, val))
				i++;
			d->values[d->nvalues++] = (struct drift_value){ val, first, i - first };
		}
		nkv = d->nvalues - start;
		if (nkv < 2) {
			d->nvalues = start;
			continue;
		}
		qsort(d->values + start, nkv, sizeof(*d->values), cmp_value);
		if (d->nkeys == kalloc) {
			kalloc = kalloc ? 2 * kalloc : 8;
			d->keys = xrealloc(d->keys, kalloc * sizeof(*d->keys));
		}
		d->keys[d->nkeys++] = (struct drift_key_result){ key, start, nkv };
	}
}

void drift_release(struct drift *d)
{
	size_t i;

	for (i = 0; i < d->nowned; i++)
		free(d->owned[i]);
	free(d->owned);
	free(d->items);
	free(d->values);
	free(d->keys);
	memset(d, 0, sizeof(*d));
}
