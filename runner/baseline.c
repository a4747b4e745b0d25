/*
 * baseline.c - loading a baseline, checking it against a plan, and picking one
 * for a node; the contract is in baseline.h, the format for users in
 * suites/README.md ("Baselines").
 *
 * Errors are collected as they are found and put in file order (line, then
 * column) before baseline_load() returns: specs are read before the checks
 * that use them, wherever they are written, and duplicates are only known
 * once every check has been read.
 */
#include "baseline.h"
#include "catalog.h"
#include "paths.h"
#include "plan.h"
#include "quantity.h"
#include "strbuf.h"
#include "suggest.h"
#include "units.h"
#include "xalloc.h"
#include "yamltree.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_FILE_SIZE PLAN_MAX_FILE_SIZE

struct loader {
	struct baseline *b;
	struct diags *d;
	const char *file;
	size_t checks_alloc;
	char **runbooks; /* ids found in b->runbooks_dir, for suggestions */
	size_t nrunbooks;
	int runbooks_read;
	int runbooks_missing_reported;
};

struct handler {
	const char *key;
	void (*fn)(struct loader *L, void *obj, const struct ypair *kv);
};

__attribute__((format(printf, 3, 4))) static void error_at(struct loader *L, const struct ynode *n, const char *fmt,
							   ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diags_add(L->d, L->file, n ? n->line : 0, n ? n->col : 0, "%s", msg);
	free(msg);
}

/* ---- names and scalars ---- */

static int chars_ok(const char *s, const char *extra, int upper_ok)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || (upper_ok && *s >= 'A' && *s <= 'Z') ||
		      strchr(extra, *s)))
			return 0;
	return 1;
}

#define NAME_RULE "letters, digits, '.', '_' and '-', starting with a letter or digit"
#define RUNBOOK_RULE "lower-case letters, digits and '-'"
#define SPEC_RULE "letters, digits and '_'"
#define PROBE_RULE "lower-case letters, digits, '_' and '-'"

static int name_ok(const char *s)
{
	return chars_ok(s, "._-", 1) && isalnum((unsigned char)*s);
}

/* The text of kv's value, or NULL after reporting why there is none (silently when already reported). */
static const char *text_of(struct loader *L, const struct ypair *kv)
{
	const struct ynode *v = kv->value;
	char buf[96];

	if (v->bad)
		return NULL;
	if (v->kind != YNODE_SCALAR || v->null || !*v->text) {
		error_at(L, v, "'%s' must be text, got %s", kv->key->text, ynode_describe(v, buf, sizeof(buf)));
		return NULL;
	}
	return v->text;
}

static int int_of(struct loader *L, const struct ypair *kv, long long min, long long *out)
{
	const struct ynode *v = kv->value;
	char buf[96];

	if (v->bad)
		return -1;
	if (v->kind != YNODE_SCALAR || units_parse_int(v->text, out, NULL, 0) || *out < min) {
		error_at(L, v, "'%s' must be an integer of %lld or more, got %s", kv->key->text, min,
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

static int want_map(struct loader *L, const struct ypair *kv, const char *what)
{
	char buf[96];

	if (kv->value->bad)
		return -1;
	if (kv->value->kind == YNODE_MAP)
		return 0;
	error_at(L, kv->value, "'%s' must be a mapping of %s, got %s", kv->key->text, what,
		 ynode_describe(kv->value, buf, sizeof(buf)));
	return -1;
}

static void unknown_key(struct loader *L, const struct ynode *key, const struct handler *table)
{
	const char *names[32];
	char msg[512];
	size_t n = 0;

	for (; table->key && n < 32; table++)
		names[n++] = table->key;
	error_at(L, key, "%s", suggest_unknown("key", key->text, names, n, NULL, msg, sizeof(msg)));
}

static void walk_keys(struct loader *L, const struct ynode *map, const struct handler *table, void *obj)
{
	const struct handler *h;
	size_t i;

	for (i = 0; i < map->n; i++) {
		const struct ypair *kv = &map->pairs[i];

		if (kv->key->bad)
			continue;
		for (h = table; h->key && strcmp(h->key, kv->key->text); h++)
			;
		if (!h->key)
			unknown_key(L, kv->key, table);
		else if (h->fn)
			h->fn(L, obj, kv);
	}
}

/* ---- quantities and spec-relative bounds ---- */

struct bound {
	double value;
	const char *unit; /* base */
	char *unit_text;  /* as written; NULL for a plain number */
	const struct baseline_spec *spec;
	double factor;
	const struct ynode *at;
};

/* The unit part of "2.9 TB/s" as written, trimmed; NULL when there is none. Caller frees. */
static char *unit_written(const char *text)
{
	const char *p = text, *start;
	size_t n;

	while (*p == ' ')
		p++;
	start = p;
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p) || *p == '.' ||
	       ((*p == 'e' || *p == 'E') && p > start && (isdigit((unsigned char)p[1]) || p[1] == '-' || p[1] == '+')))
		p += (*p == 'e' || *p == 'E') && (p[1] == '-' || p[1] == '+') ? 2 : 1;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	return n ? xstrndup(p, n) : NULL;
}

static const struct baseline_spec *find_spec(const struct baseline *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nspecs; i++)
		if (!strcmp(b->specs[i].name, name))
			return &b->specs[i];
	return NULL;
}

static void unknown_spec(struct loader *L, const struct ynode *at, const char *name)
{
	const char **names = xcalloc(L->b->nspecs + 1, sizeof(*names));
	const char *near;
	size_t i;

	for (i = 0; i < L->b->nspecs; i++)
		names[i] = L->b->specs[i].name;
	near = suggest_nearest(name, names, L->b->nspecs);
	if (near)
		error_at(L, at, "unknown spec '%s' (did you mean '%s'?)", name, near);
	else if (!L->b->nspecs)
		error_at(L, at, "unknown spec '%s': the baseline has no 'specs'", name);
	else
		error_at(L, at, "unknown spec '%s'", name);
	free(names);
}

/* "FACTOR * spec.NAME" or "spec.NAME" (text holds "spec." at s). */
static int parse_relative(struct loader *L, const struct ynode *at, const char *key, const char *s, struct bound *out)
{
	const char *text = at->text, *name = s + 5, *end = name;
	char *head = xstrndup(text, (size_t)(s - text)), *nm, err[256];
	const char *base;
	size_t n = strlen(head);
	int rc = -1;

	while (isalnum((unsigned char)*end) || *end == '_')
		end++;
	while (n && head[n - 1] == ' ')
		head[--n] = '\0';
	out->factor = 1;
	if (strspn(end, " ") != strlen(end) || end == name || (n && head[n - 1] != '*')) {
		error_at(L, at, "'%s' must be a quantity like '2.9 TB/s' or 'FACTOR * spec.NAME', got '%s'", key, text);
		goto out;
	}
	if (n) {
		head[--n] = '\0';
		if (quantity_parse(head, &out->factor, &base, err, sizeof(err)) || (base && strcmp(base, "ratio"))) {
			error_at(L, at, "the factor in '%s' must be a plain number or a percentage", text);
			goto out;
		}
	}
	nm = xstrndup(name, (size_t)(end - name));
	out->spec = find_spec(L->b, nm);
	if (!out->spec)
		unknown_spec(L, at, nm);
	free(nm);
	if (!out->spec)
		goto out;
	out->value = out->factor * out->spec->value;
	if (!isfinite(out->value)) { /* "1e300 * spec.bw": both finite, the product not */
		error_at(L, at, "'%s' is out of range", text);
		goto out;
	}
	out->unit = out->spec->unit;
	out->unit_text = out->spec->unit_text ? xstrdup(out->spec->unit_text) : NULL;
	rc = 0;
out:
	free(head);
	return rc;
}

/* A threshold value: a quantity, a plain number, or (when relative_ok) a spec-relative one. */
static int parse_bound(struct loader *L, const struct ynode *v, const char *key, int relative_ok, struct bound *out)
{
	char err[256], buf[96];
	const char *spec;

	memset(out, 0, sizeof(*out));
	out->at = v;
	if (v->bad)
		return -1;
	if (v->kind != YNODE_SCALAR || v->null) {
		error_at(L, v, "'%s' must be a quantity such as 2.9 TB/s, got %s", key,
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	spec = strstr(v->text, "spec.");
	if (spec && relative_ok)
		return parse_relative(L, v, key, spec, out);
	if (spec) {
		error_at(L, v, "'%s' cannot be relative to a spec, got '%s'", key, v->text);
		return -1;
	}
	if (quantity_parse(v->text, &out->value, &out->unit, err, sizeof(err))) {
		error_at(L, v, "%s", err);
		return -1;
	}
	out->unit_text = unit_written(v->text);
	return 0;
}

/* ---- top level: description, match, node, specs ---- */

static void top_name(struct loader *L, void *obj, const struct ypair *kv)
{
	const char *t = text_of(L, kv);

	(void)obj;
	if (t && !name_ok(t))
		error_at(L, kv->value, "baseline name '%s' must be " NAME_RULE, t);
	else if (t)
		L->b->name = xstrdup(t);
}

static void top_description(struct loader *L, void *obj, const struct ypair *kv)
{
	const char *t = text_of(L, kv);

	(void)obj;
	if (t)
		L->b->description = xstrdup(t);
}

static void match_gpu_name(struct loader *L, void *obj, const struct ypair *kv)
{
	const char *t = text_of(L, kv);

	if (t)
		((struct baseline_match *)obj)->gpu_name = xstrdup(t);
}

static void match_cpu_model(struct loader *L, void *obj, const struct ypair *kv)
{
	const char *t = text_of(L, kv);

	if (t)
		((struct baseline_match *)obj)->cpu_model = xstrdup(t);
}

static void match_gpus(struct loader *L, void *obj, const struct ypair *kv)
{
	int_of(L, kv, 0, &((struct baseline_match *)obj)->gpus);
}

static void match_cpus(struct loader *L, void *obj, const struct ypair *kv)
{
	int_of(L, kv, 1, &((struct baseline_match *)obj)->min_cpus);
}

static void match_memory(struct loader *L, void *obj, const struct ypair *kv)
{
	const struct ynode *v = kv->value;
	char err[256], buf[96];

	if (v->bad)
		return;
	if (v->kind != YNODE_SCALAR || v->null)
		error_at(L, v, "'min_memory' must be a size such as 64GiB, got %s",
			 ynode_describe(v, buf, sizeof(buf)));
	else if (units_parse_size(v->text, &((struct baseline_match *)obj)->min_memory, err, sizeof(err)))
		error_at(L, v, "%s", err);
}

static const struct handler match_keys[] = {
	{ "gpu_name", match_gpu_name }, { "gpus", match_gpus },		  { "min_memory", match_memory },
	{ "min_cpus", match_cpus },	{ "cpu_model", match_cpu_model }, { NULL, NULL },
};

static void top_match(struct loader *L, void *obj, const struct ypair *kv)
{
	(void)obj;
	if (want_map(L, kv, "inventory facts (gpu_name, gpus, min_memory, min_cpus, cpu_model)"))
		return;
	L->b->has_match = 1;
	walk_keys(L, kv->value, match_keys, &L->b->match);
}

static void node_gpus(struct loader *L, void *obj, const struct ypair *kv)
{
	(void)obj;
	int_of(L, kv, 0, &L->b->node_gpus);
}

static void node_gpu_probes(struct loader *L, void *obj, const struct ypair *kv)
{
	const struct ynode *v = kv->value, *it;
	struct baseline *b = L->b;
	char buf[96];
	size_t i;

	(void)obj;
	if (v->bad)
		return;
	if (v->kind != YNODE_SEQ) {
		error_at(L, v, "'gpu_probes' must be a list of probe names, got %s",
			 ynode_describe(v, buf, sizeof(buf)));
		return;
	}
	b->gpu_probes = xcalloc(v->n + 1, sizeof(*b->gpu_probes));
	for (i = 0; i < v->n; i++) {
		it = v->items[i];
		if (it->bad)
			continue;
		if (it->kind != YNODE_SCALAR || !chars_ok(it->text, "_-", 0))
			error_at(L, it, "probe name %s must be " PROBE_RULE, ynode_describe(it, buf, sizeof(buf)));
		else
			b->gpu_probes[b->ngpu_probes++] = xstrdup(it->text);
	}
}

static const struct handler node_keys[] = {
	{ "gpus", node_gpus },
	{ "gpu_probes", node_gpu_probes },
	{ NULL, NULL },
};

static void top_node(struct loader *L, void *obj, const struct ypair *kv)
{
	(void)obj;
	if (!want_map(L, kv, "what the node has (gpus, gpu_probes)"))
		walk_keys(L, kv->value, node_keys, NULL);
}

static void add_spec(struct loader *L, const struct ypair *kv)
{
	struct baseline *b = L->b;
	struct baseline_spec *s;
	struct bound bd;

	if (!chars_ok(kv->key->text, "_", 1)) {
		error_at(L, kv->key, "spec name '%s' must be " SPEC_RULE, kv->key->text);
		return;
	}
	if (parse_bound(L, kv->value, kv->key->text, 0, &bd))
		return;
	s = &b->specs[b->nspecs++];
	s->name = xstrdup(kv->key->text);
	s->value = bd.value;
	s->unit = bd.unit;
	s->unit_text = bd.unit_text;
	s->line = kv->value->line;
	s->col = kv->value->col;
}

/* Read before everything else: checks refer to specs wherever they are written. */
static void read_specs(struct loader *L, const struct ynode *root)
{
	const struct ypair *kv = ynode_pair(root, "specs");
	size_t i;

	if (!kv || want_map(L, kv, "datasheet figures (name: quantity)"))
		return;
	L->b->specs = xcalloc(kv->value->n ? kv->value->n : 1, sizeof(*L->b->specs));
	for (i = 0; i < kv->value->n; i++)
		if (!kv->value->pairs[i].key->bad)
			add_spec(L, &kv->value->pairs[i]);
}

/* ---- runbooks ---- */

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* ROOT/runbooks where ROOT holds the nearest `suites` directory enclosing path; NULL when none. */
static char *runbooks_beside_suites(const char *path)
{
	char *real = realpath(path, NULL), *slash, *out = NULL;

	if (!real)
		return NULL;
	while ((slash = strrchr(real, '/')) && slash != real) {
		*slash = '\0';
		if (!strcmp(strrchr(real, '/') + 1, "suites")) {
			*strrchr(real, '/') = '\0';
			out = xasprintf("%s/runbooks", *real ? real : "");
			break;
		}
	}
	free(real);
	if (out && !is_dir(out)) {
		free(out);
		out = NULL;
	}
	return out;
}

char *baseline_runbooks_dir(const char *baseline_path)
{
	const char *env = getenv("SHAKEDOWN_RUNBOOKS");
	char *dir;

	if (env && *env)
		return is_dir(env) ? xstrdup(env) : NULL;
	dir = runbooks_beside_suites(baseline_path);
	if (!dir)
		dir = paths_data("runbooks");
	if (dir && !is_dir(dir)) {
		free(dir);
		dir = NULL;
	}
	return dir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids in the runbooks directory (files named ID.md), sorted, for suggestions. */
static void read_runbooks(struct loader *L)
{
	DIR *dir;
	struct dirent *e;
	size_t n;

	L->runbooks_read = 1;
	if (!L->b->runbooks_dir || !(dir = opendir(L->b->runbooks_dir)))
		return;
	while ((e = readdir(dir))) {
		n = strlen(e->d_name);
		if (n <= 3 || strcmp(e->d_name + n - 3, ".md"))
			continue;
		L->runbooks = xrealloc(L->runbooks, (L->nrunbooks + 1) * sizeof(*L->runbooks));
		L->runbooks[L->nrunbooks++] = xstrndup(e->d_name, n - 3);
	}
	closedir(dir);
	if (L->nrunbooks)
		qsort(L->runbooks, L->nrunbooks, sizeof(*L->runbooks), cmp_str);
}

/* Said once per file, at the first runbook. */
static void no_runbooks_dir(struct loader *L, const struct ynode *at, const char *id)
{
	const char *env = getenv("SHAKEDOWN_RUNBOOKS");

	if (L->runbooks_missing_reported++)
		return;
	if (env && *env)
		error_at(L, at, "cannot check runbook '%s': SHAKEDOWN_RUNBOOKS '%s' is not a directory", id, env);
	else
		error_at(L, at, "cannot check runbook '%s': no runbooks directory found (set SHAKEDOWN_RUNBOOKS)", id);
}

static void check_runbook_file(struct loader *L, const struct ynode *at, const char *id)
{
	const char *near;
	char *path;
	int ok;

	if (!L->b->runbooks_dir) {
		no_runbooks_dir(L, at, id);
		return;
	}
	path = xasprintf("%s/%s.md", L->b->runbooks_dir, id);
	ok = is_file(path);
	free(path);
	if (ok)
		return;
	if (!L->runbooks_read)
		read_runbooks(L);
	near = suggest_nearest(id, (const char *const *)L->runbooks, L->nrunbooks);
	if (near)
		error_at(L, at, "runbook '%s' not found in '%s' (did you mean '%s'?)", id, L->b->runbooks_dir, near);
	else
		error_at(L, at, "runbook '%s' not found in '%s'", id, L->b->runbooks_dir);
}

/* ---- checks ---- */

/* The keys of one check, as written. */
struct draft {
	const struct ypair *metric, *labels, *min, *max, *range, *equals, *max_cv, *severity, *runbook;
};

#define DRAFT_KEY(k)                                                                                                   \
	static void key_##k(struct loader *L, void *obj, const struct ypair *kv)                                       \
	{                                                                                                              \
		(void)L;                                                                                               \
		((struct draft *)obj)->k = kv;                                                                         \
	}
DRAFT_KEY(metric)
DRAFT_KEY(labels)
DRAFT_KEY(min)
DRAFT_KEY(max)
DRAFT_KEY(range)
DRAFT_KEY(equals)
DRAFT_KEY(max_cv)
DRAFT_KEY(severity)
DRAFT_KEY(runbook)

static const struct handler check_keys[] = {
	{ "metric", key_metric },   { "labels", key_labels }, { "min", key_min },	{ "max", key_max },
	{ "range", key_range },	    { "equals", key_equals }, { "max_cv", key_max_cv }, { "severity", key_severity },
	{ "runbook", key_runbook }, { NULL, NULL },
};

static int check_target(struct loader *L, const struct ypair *kv, struct baseline_check *c)
{
	const char *t = text_of(L, kv), *dot;

	if (!t)
		return -1;
	dot = strrchr(t, '.');
	if (!dot || dot == t || !dot[1]) {
		error_at(L, kv->value, "'metric' must be STEP.METRIC or PROBE.METRIC, like 'hbm.triad', got '%s'", t);
		return -1;
	}
	c->target = xstrdup(t);
	c->selector = xstrndup(t, (size_t)(dot - t));
	c->metric = xstrdup(dot + 1);
	if (!name_ok(c->selector)) {
		error_at(L, kv->value, "'%s' in '%s' must be a step id or a probe name (" NAME_RULE ")", c->selector,
			 t);
		return -1;
	}
	c->metric_line = kv->value->line;
	c->metric_col = kv->value->col;
	return 0;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct baseline_label *)a)->name, ((const struct baseline_label *)b)->name);
}

static int check_labels(struct loader *L, const struct ypair *kv, struct baseline_check *c)
{
	const struct ynode *v = kv->value;
	char buf[96];
	size_t i;
	int rc = 0;

	if (want_map(L, kv, "label names to values ('*': any value)"))
		return -1;
	c->labels = xcalloc(v->n ? v->n : 1, sizeof(*c->labels));
	for (i = 0; i < v->n; i++) {
		const struct ypair *p = &v->pairs[i];

		if (p->key->bad || p->value->bad) {
			rc = -1;
			continue;
		}
		if (p->value->kind != YNODE_SCALAR || p->value->null) {
			error_at(L, p->value, "label '%s' must be a value or '*', got %s", p->key->text,
				 ynode_describe(p->value, buf, sizeof(buf)));
			rc = -1;
			continue;
		}
		c->labels[c->nlabels].name = xstrdup(p->key->text);
		c->labels[c->nlabels++].value = xstrdup(p->value->text);
	}
	qsort(c->labels, c->nlabels, sizeof(*c->labels), cmp_label);
	return rc;
}

/* Which threshold keys may go together: min+max is a range; anything else is one key alone. */
static int check_kind(struct loader *L, const struct draft *dr, enum baseline_kind *kind)
{
	const struct ypair *keys[] = { dr->min, dr->max, dr->range, dr->equals, dr->max_cv };
	const struct ypair *first = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < 5; i++) {
		if (!keys[i])
			continue;
		if (!first) {
			first = keys[i];
			*kind = (enum baseline_kind)i;
		} else if (first == dr->min && keys[i] == dr->max) {
			*kind = BASELINE_RANGE;
		} else {
			error_at(L, keys[i]->key, "'%s' cannot be combined with '%s': write two checks",
				 keys[i]->key->text, first->key->text);
			rc = -1;
		}
	}
	return first ? rc : -1;
}

/* What a check lacks, reported at the check before its keys are looked at (as plan.c does). */
static int check_missing(struct loader *L, const struct ynode *map, size_t index)
{
	static const char *const thresholds[] = { "min", "max", "range", "equals", "max_cv", NULL };
	const char *const *t;
	int rc = 0;

	if (!ynode_pair(map, "metric")) {
		error_at(L, map, "check %zu has no 'metric'", index);
		rc = -1;
	}
	if (!ynode_pair(map, "runbook") && !ynode_pair(map, "max_cv")) {
		error_at(L, map, "check %zu has no 'runbook'", index);
		rc = -1;
	}
	for (t = thresholds; *t && !ynode_pair(map, *t); t++)
		;
	if (!*t) {
		error_at(L, map, "check %zu has no threshold (one of min, max, range, equals, max_cv)", index);
		rc = -1;
	}
	return rc;
}

static void bound_release(struct bound *b)
{
	free(b->unit_text);
	b->unit_text = NULL;
}

/* Both bounds in one unit (plain numbers fit any); the check keeps the unit and where it was written. */
static int same_units(struct loader *L, struct baseline_check *c, struct bound *lo, struct bound *hi)
{
	struct bound *u = lo->unit ? lo : hi->unit ? hi : NULL;

	if (lo->unit && hi->unit && strcmp(lo->unit, hi->unit)) {
		error_at(L, hi->at, "'%s' does not fit the other bound's unit '%s'", hi->unit_text, lo->unit_text);
		return -1;
	}
	if (!u)
		return 0;
	c->unit = u->unit;
	c->unit_text = xstrdup(u->unit_text);
	c->unit_line = u->at->line;
	c->unit_col = u->at->col;
	return 0;
}

static int range_bounds(struct loader *L, const struct draft *dr, struct bound *lo, struct bound *hi)
{
	const struct ynode *v = dr->range ? dr->range->value : NULL;
	char buf[96];
	int rc;

	if (!v)
		return parse_bound(L, dr->min->value, "min", 1, lo) | parse_bound(L, dr->max->value, "max", 1, hi);
	if (v->bad)
		return -1;
	if (v->kind != YNODE_SEQ || v->n != 2) {
		error_at(L, v, "'range' must be a list of two quantities [MIN, MAX], got %s",
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	rc = parse_bound(L, v->items[0], "range", 1, lo);
	rc |= parse_bound(L, v->items[1], "range", 1, hi);
	return rc;
}

/* lo is the lower bound, or the only one (min, equals, max_cv); hi the upper (max, range). */
static void store_bounds(struct baseline_check *c, const struct bound *lo, const struct bound *hi)
{
	int range = c->kind == BASELINE_RANGE;

	c->min = c->kind == BASELINE_MIN || range ? lo->value : NAN;
	c->max = c->kind == BASELINE_MAX || range ? hi->value : NAN;
	c->equals = c->kind == BASELINE_EQUALS ? lo->value : NAN;
	c->max_cv = c->kind == BASELINE_MAX_CV ? lo->value : NAN;
	c->lo_spec = lo->spec;
	c->lo_factor = lo->factor;
	c->hi_spec = hi->spec;
	c->hi_factor = hi->factor;
}

static int check_bounds(struct loader *L, const struct draft *dr, struct baseline_check *c)
{
	struct bound lo, hi;
	char a[64], b[64];
	int rc;

	memset(&lo, 0, sizeof(lo));
	memset(&hi, 0, sizeof(hi));
	if (c->kind == BASELINE_RANGE)
		rc = range_bounds(L, dr, &lo, &hi);
	else if (c->kind == BASELINE_MAX)
		rc = parse_bound(L, dr->max->value, "max", 1, &hi);
	else if (c->kind == BASELINE_MAX_CV)
		rc = parse_bound(L, dr->max_cv->value, "max_cv", 0, &lo);
	else if (c->kind == BASELINE_EQUALS)
		rc = parse_bound(L, dr->equals->value, "equals", 1, &lo);
	else
		rc = parse_bound(L, dr->min->value, "min", 1, &lo);
	if (!rc && c->kind == BASELINE_MAX_CV &&
	    ((lo.unit && strcmp(lo.unit, "ratio")) || lo.value < 0 || (!lo.unit && lo.value > 1))) {
		error_at(L, lo.at, "'max_cv' must be a ratio such as 3%% or 0.03, got '%s'", lo.at->text);
		rc = -1;
	}
	if (!rc)
		rc = same_units(L, c, &lo, &hi);
	if (!rc && c->kind == BASELINE_RANGE && lo.value > hi.value) {
		error_at(L, lo.at, "min %s is greater than max %s", quantity_format(lo.value, c->unit, a, sizeof(a)),
			 quantity_format(hi.value, c->unit, b, sizeof(b)));
		rc = -1;
	}
	if (!rc)
		store_bounds(c, &lo, &hi);
	bound_release(&lo);
	bound_release(&hi);
	return rc;
}

static int check_severity(struct loader *L, const struct ypair *kv, struct baseline_check *c)
{
	const char *t = text_of(L, kv);

	if (!t)
		return -1;
	if (!strcmp(t, "critical") || !strcmp(t, "warning")) {
		c->severity = strcmp(t, "critical") ? BASELINE_WARNING : BASELINE_CRITICAL;
		return 0;
	}
	error_at(L, kv->value, "'severity' must be critical or warning, got '%s'", t);
	return -1;
}

static int check_runbook(struct loader *L, const struct ypair *kv, struct baseline_check *c)
{
	const char *t = text_of(L, kv);

	if (!t)
		return -1;
	if (!chars_ok(t, "-", 0)) {
		error_at(L, kv->value, "runbook id '%s' must be " RUNBOOK_RULE, t);
		return -1;
	}
	check_runbook_file(L, kv->value, t);
	c->runbook = xstrdup(t);
	return 0;
}

static void check_release(struct baseline_check *c)
{
	size_t i;

	for (i = 0; i < c->nlabels; i++) {
		free(c->labels[i].name);
		free(c->labels[i].value);
	}
	free(c->labels);
	free(c->target);
	free(c->selector);
	free(c->metric);
	free(c->unit_text);
	free(c->threshold_text);
	free(c->id_suffix);
	free(c->runbook);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

/* Every part of one check; 0 when all were valid. */
static int read_check(struct loader *L, const struct ynode *map, size_t index, struct baseline_check *c)
{
	struct draft dr;
	int rc = check_missing(L, map, index), kind_ok;

	memset(&dr, 0, sizeof(dr));
	walk_keys(L, map, check_keys, &dr);
	kind_ok = !check_kind(L, &dr, &c->kind);
	if (!kind_ok)
		rc = -1;
	if (dr.metric && check_target(L, dr.metric, c))
		rc = -1;
	if (dr.labels && check_labels(L, dr.labels, c))
		rc = -1;
	if (kind_ok && check_bounds(L, &dr, c))
		rc = -1;
	if (dr.severity && check_severity(L, dr.severity, c))
		rc = -1;
	if (dr.runbook && check_runbook(L, dr.runbook, c))
		rc = -1;
	if (!c->runbook)
		c->runbook = xstrdup(BASELINE_UNSTABLE_RUNBOOK);
	return rc;
}

static void add_check(struct loader *L, const struct ynode *item, size_t index)
{
	struct baseline *b = L->b;
	struct baseline_check c;
	char buf[256];

	if (item->bad)
		return;
	if (item->kind != YNODE_MAP) {
		error_at(L, item, "check %zu must be a mapping with 'metric', a threshold and 'runbook', got %s", index,
			 ynode_describe(item, buf, sizeof(buf)));
		return;
	}
	memset(&c, 0, sizeof(c));
	c.min = c.max = c.equals = c.max_cv = NAN;
	if (read_check(L, item, index, &c)) {
		check_release(&c);
		return;
	}
	c.line = item->line;
	c.col = item->col;
	c.source = xasprintf("%s:%d:%d", L->file, item->line, item->col);
	c.threshold_text = xstrdup(baseline_threshold_text(&c, NULL, buf, sizeof(buf)));
	if (b->nchecks == L->checks_alloc) {
		L->checks_alloc = L->checks_alloc ? 2 * L->checks_alloc : 16;
		b->checks = xrealloc(b->checks, L->checks_alloc * sizeof(*b->checks));
	}
	b->checks[b->nchecks++] = c;
}

static void top_checks(struct loader *L, void *obj, const struct ypair *kv)
{
	const struct ynode *v = kv->value;
	size_t i;

	(void)obj;
	if (v->bad)
		return;
	if (v->kind != YNODE_SEQ) {
		error_at(L, v, "'checks' must be a list of checks");
		return;
	}
	if (!v->n)
		error_at(L, v, "'checks' is empty: list at least one check");
	for (i = 0; i < v->n; i++)
		add_check(L, v->items[i], i + 1);
}

static const struct handler top_keys[] = {
	{ "baseline", top_name }, { "description", top_description }, { "match", top_match }, { "node", top_node },
	{ "specs", NULL },	  { "checks", top_checks },	      { NULL, NULL },
};

/* ---- ids and duplicates ---- */

static int same_labels(const struct baseline_check *a, const struct baseline_check *b)
{
	size_t i;

	if (a->nlabels != b->nlabels)
		return 0;
	for (i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, b->labels[i].name) || strcmp(a->labels[i].value, b->labels[i].value))
			return 0;
	return 1;
}

static const char *severity_name(enum baseline_severity s)
{
	return s == BASELINE_WARNING ? "warning" : "critical";
}

/* "hbm.triad{gpu=*}:min" for messages about the check as written. */
static char *written_id(const struct baseline_check *c)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&sb, c->target);
	for (i = 0; i < c->nlabels; i++) {
		strbuf_addstr(&sb, i ? "," : "{");
		strbuf_addstr(&sb, c->labels[i].name);
		strbuf_addstr(&sb, "=");
		strbuf_addstr(&sb, c->labels[i].value);
	}
	if (c->nlabels)
		strbuf_addstr(&sb, "}");
	strbuf_addstr(&sb, c->id_suffix);
	return strbuf_detach(&sb);
}

/* Some label set passes both filters: no label is pinned to two different values. */
static int filters_overlap(const struct baseline_check *a, const struct baseline_check *b)
{
	size_t i, j;

	for (i = 0; i < a->nlabels; i++)
		for (j = 0; j < b->nlabels; j++)
			if (!strcmp(a->labels[i].name, b->labels[j].name) && strcmp(a->labels[i].value, "*") &&
			    strcmp(b->labels[j].value, "*") && strcmp(a->labels[i].value, b->labels[j].value))
				return 0;
	return 1;
}

/*
 * Check ids (verdict.h) must be unique: checks that share a target and a kind
 * and may select the same metric are told apart by their runbook, then by
 * their severity (gpu=0 and gpu=1 never select the same metric; gpu=* and
 * gpu=1 may). Checks that agree on all of that and on their label filter are
 * duplicates.
 */
static void assign_ids(struct loader *L)
{
	struct baseline *b = L->b;
	size_t i, j;

	for (i = 0; i < b->nchecks; i++) {
		struct baseline_check *c = &b->checks[i];
		int shared = 0, same_runbook = 0;

		for (j = 0; j < b->nchecks; j++) {
			const struct baseline_check *o = &b->checks[j];

			if (j == i || o->kind != c->kind || strcmp(o->target, c->target) || !filters_overlap(c, o))
				continue;
			shared = 1;
			same_runbook |= !strcmp(o->runbook, c->runbook);
		}
		if (!shared)
			c->id_suffix = xasprintf(":%s", baseline_kind_name(c->kind));
		else if (!same_runbook)
			c->id_suffix = xasprintf(":%s:%s", baseline_kind_name(c->kind), c->runbook);
		else
			c->id_suffix = xasprintf(":%s:%s:%s", baseline_kind_name(c->kind), c->runbook,
						 severity_name(c->severity));
	}
}

static void find_duplicates(struct loader *L)
{
	struct baseline *b = L->b;
	size_t i, j;

	for (i = 1; i < b->nchecks; i++)
		for (j = 0; j < i; j++) {
			const struct baseline_check *c = &b->checks[i], *o = &b->checks[j];
			char *id;

			if (strcmp(c->target, o->target) || c->kind != o->kind || strcmp(c->id_suffix, o->id_suffix) ||
			    !same_labels(c, o))
				continue;
			id = written_id(c);
			diags_add(L->d, L->file, c->line, c->col, "duplicate check '%s' (first at %s)", id, o->source);
			free(id);
			break;
		}
}

/* ---- files ---- */

/* Reads all of path into *buf (caller frees); -1 with errno-style text in err. */
static int read_all(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path, MAX_FILE_SIZE, err, errlen)) {
		strbuf_release(&sb);
		*buf = NULL;
		return -1;
	}
	*len = sb.len;
	*buf = strbuf_detach(&sb);
	return 0;
}

static const struct ynode *top_mapping(struct loader *L, const struct ytree *t, int parse_rc)
{
	const struct ynode *root = t->root;

	if (!root && parse_rc)
		return NULL;
	if (!root || (root->kind == YNODE_SCALAR && root->null)) {
		diags_add(L->d, L->file, 1, 1, "empty baseline");
		return NULL;
	}
	if (root->bad)
		return NULL;
	if (root->kind != YNODE_MAP) {
		error_at(L, root, "a baseline must be a mapping with 'baseline' and 'checks'");
		return NULL;
	}
	return root;
}

static void load_tree(struct loader *L, const struct ytree *t, int parse_rc)
{
	const struct ynode *root = top_mapping(L, t, parse_rc);

	if (!root)
		return;
	if (!ynode_pair(root, "baseline"))
		error_at(L, root, "the baseline has no name (add 'baseline: NAME')");
	if (!ynode_pair(root, "checks"))
		error_at(L, root, "the baseline has no 'checks'");
	read_specs(L, root);
	walk_keys(L, root, top_keys, NULL);
	assign_ids(L);
	find_duplicates(L);
}

/* Put the messages from first on in file order; insertion sort keeps equal marks in the order found. */
static void sort_diags(struct diags *d, size_t first)
{
	size_t i, j;

	for (i = first + 1; i < d->n; i++) {
		struct diag g = d->v[i];

		for (j = i; j > first &&
			    (d->v[j - 1].line > g.line || (d->v[j - 1].line == g.line && d->v[j - 1].col > g.col));
		     j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = g;
	}
}

int baseline_load(const char *path, struct baseline *b, struct diags *d)
{
	struct loader L = { .b = b, .d = d, .file = path };
	struct ytree t = YTREE_INIT;
	size_t before = d->n, len = 0, i;
	char *buf = NULL, err[256];

	memset(b, 0, sizeof(*b));
	b->path = xstrdup(path);
	b->node_gpus = -1;
	b->match.gpus = -1;
	b->match.min_cpus = -1;
	if (read_all(path, &buf, &len, err, sizeof(err))) {
		diags_add(d, NULL, 0, 0, "cannot read baseline '%s': %s", path, err);
		goto out;
	}
	b->runbooks_dir = baseline_runbooks_dir(path);
	load_tree(&L, &t, ytree_parse(&t, path, buf, len, NULL, d));
	sort_diags(d, before);
out:
	for (i = 0; i < L.nrunbooks; i++)
		free(L.runbooks[i]);
	free(L.runbooks);
	ytree_release(&t);
	free(buf);
	return d->n == before ? 0 : -1;
}

void baseline_release(struct baseline *b)
{
	size_t i;

	for (i = 0; i < b->nchecks; i++)
		check_release(&b->checks[i]);
	for (i = 0; i < b->nspecs; i++) {
		free(b->specs[i].name);
		free(b->specs[i].unit_text);
	}
	for (i = 0; i < b->ngpu_probes; i++)
		free(b->gpu_probes[i]);
	free(b->gpu_probes);
	free(b->checks);
	free(b->specs);
	free(b->path);
	free(b->name);
	free(b->description);
	free(b->match.gpu_name);
	free(b->match.cpu_model);
	free(b->runbooks_dir);
	memset(b, 0, sizeof(*b));
}

int baseline_sniff(const char *path)
{
	struct ytree t = YTREE_INIT;
	struct diags d = DIAGS_INIT;
	char *buf = NULL, err[256];
	size_t len = 0;
	int yes = 0;

	if (!read_all(path, &buf, &len, err, sizeof(err))) {
		ytree_parse(&t, path, buf, len, NULL, &d);
		/* a plan may name its baseline with a `baseline:` key too: `plan:` decides */
		yes = t.root && t.root->kind == YNODE_MAP && ynode_pair(t.root, "baseline") &&
		      !ynode_pair(t.root, "plan");
	}
	ytree_release(&t);
	diags_release(&d);
	free(buf);
	return yes;
}

/* ---- text ---- */

const char *baseline_kind_name(enum baseline_kind k)
{
	static const char *const names[] = { "min", "max", "range", "equals", "max_cv" };

	return (unsigned)k < 5 ? names[k] : "?";
}

static void add_bound(struct strbuf *sb, double v, const char *unit, const struct baseline_spec *spec, double factor)
{
	char a[64], b[64], f[64];

	strbuf_addstr(sb, quantity_format(v, unit, a, sizeof(a)));
	if (!spec)
		return;
	snprintf(f, sizeof(f), "%g", factor);
	strbuf_addstr(sb, " (");
	if (factor != 1) {
		strbuf_addstr(sb, f);
		strbuf_addstr(sb, " × ");
	}
	strbuf_addstr(sb, "spec.");
	strbuf_addstr(sb, spec->name);
	strbuf_addstr(sb, " ");
	strbuf_addstr(sb, quantity_format(spec->value, spec->unit, b, sizeof(b)));
	strbuf_addstr(sb, ")");
}

const char *baseline_threshold_text(const struct baseline_check *c, const char *unit, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	const char *u = c->unit ? c->unit : unit;
	char *s;

	switch (c->kind) {
	case BASELINE_MIN:
		strbuf_addstr(&sb, ">= ");
		add_bound(&sb, c->min, u, c->lo_spec, c->lo_factor);
		break;
	case BASELINE_MAX:
		strbuf_addstr(&sb, "<= ");
		add_bound(&sb, c->max, u, c->hi_spec, c->hi_factor);
		break;
	case BASELINE_RANGE:
		add_bound(&sb, c->min, u, c->lo_spec, c->lo_factor);
		strbuf_addstr(&sb, " to ");
		add_bound(&sb, c->max, u, c->hi_spec, c->hi_factor);
		break;
	case BASELINE_EQUALS:
		strbuf_addstr(&sb, "== ");
		add_bound(&sb, c->equals, u, c->lo_spec, c->lo_factor);
		break;
	case BASELINE_MAX_CV:
		strbuf_addstr(&sb, "cv <= ");
		add_bound(&sb, c->max_cv, "ratio", NULL, 1);
		break;
	}
	s = strbuf_detach(&sb);
	snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

/* ---- against a plan ---- */

/* name against a described metric name in which each <...> matches one or more characters. */
static int pattern_match(const char *pat, const char *name)
{
	const char *close;
	size_t i, n;

	for (; *pat; pat++, name++) {
		if (*pat == '<' && (close = strchr(pat, '>'))) {
			for (i = 1, n = strlen(name); i <= n; i++)
				if (pattern_match(close + 1, name + i))
					return 1;
			return 0;
		}
		if (*pat != *name)
			return 0;
	}
	return !*name;
}

static const struct probe_mdesc *described_metric(const struct probe_desc *pd, const char *name)
{
	size_t i;

	for (i = 0; i < pd->nmetrics; i++)
		if (pattern_match(pd->metrics[i].name, name))
			return &pd->metrics[i];
	return NULL;
}

static void unknown_metric(const struct baseline_check *c, const struct probe_desc *pd, const char *file,
			   struct diags *w)
{
	const char **names = xcalloc(pd->nmetrics + 1, sizeof(*names));
	const char *near;
	size_t i;

	for (i = 0; i < pd->nmetrics; i++)
		names[i] = pd->metrics[i].name;
	near = suggest_nearest(c->metric, names, pd->nmetrics);
	diags_add(w, file, c->metric_line, c->metric_col, "probe '%s' describes no metric '%s'%s%s%s", pd->name,
		  c->metric, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	free(names);
}

/* One probe that the check's selector reaches: its metric exists and its unit fits. */
static void check_against_probe(const struct baseline *b, const struct baseline_check *c, struct catalog *cat,
				const char *probe, struct diags *e, struct diags *w)
{
	const struct probe_desc *pd;
	const struct probe_mdesc *md;
	char err[512];

	pd = catalog_get(cat, probe, err, sizeof(err));
	if (!pd)
		return; /* the plan check reports unknown probes */
	md = described_metric(pd, c->metric);
	if (!md) {
		unknown_metric(c, pd, b->path, w);
		return;
	}
	if (c->kind != BASELINE_MAX_CV && c->unit && md->unit && strcmp(c->unit, md->unit))
		diags_add(e, b->path, c->unit_line, c->unit_col, "'%s' does not fit metric '%s' (unit %s)",
			  c->unit_text, c->target, md->unit);
}

static int probe_seen(const char **seen, size_t n, const char *probe)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(seen[i], probe))
			return 1;
	return 0;
}

static void check_one(const struct baseline *b, const struct baseline_check *c, const struct plan *p,
		      struct catalog *cat, struct diags *e, struct diags *w)
{
	const char **seen = xcalloc(p->nsteps + 1, sizeof(*seen));
	size_t i, n = 0;

	for (i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];

		if ((strcmp(s->id, c->selector) && strcmp(s->probe, c->selector)) || probe_seen(seen, n, s->probe))
			continue;
		seen[n++] = s->probe;
		check_against_probe(b, c, cat, s->probe, e, w);
	}
	if (!n && !strcmp(c->selector, BASELINE_INVENTORY_PROBE))
		check_against_probe(b, c, cat, BASELINE_INVENTORY_PROBE, e, w);
	else if (!n)
		diags_add(w, b->path, c->metric_line, c->metric_col,
			  "no step of plan '%s' runs '%s': check '%s' will be skipped", p->name ? p->name : p->path,
			  c->selector, c->target);
	free(seen);
}

int baseline_check_plan(const struct baseline *b, const struct plan *p, struct catalog *c, struct diags *errors,
			struct diags *warnings)
{
	size_t before = errors->n, i;

	for (i = 0; i < b->nchecks; i++)
		check_one(b, &b->checks[i], p, c, errors, warnings);
	return errors->n == before ? 0 : -1;
}

/* ---- picking a baseline for a node ---- */

static double inv_metric(const cJSON *inv, const char *name)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(inv, "metrics"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "name");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, name) && cJSON_IsNumber(v) &&
		    !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "labels")))
			return v->valuedouble;
	}
	return NAN;
}

static const cJSON *inv_env(const cJSON *inv, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(inv, "env"), a);

	return b ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
}

/* Every GPU's name matches the pattern (and there is at least one); the first that does not goes to why. */
static int gpu_names_match(const char *pattern, const cJSON *inv, char *why, size_t len)
{
	const cJSON *g, *gpus = inv_env(inv, "gpus", NULL);
	int n = 0;

	cJSON_ArrayForEach(g, gpus)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");

		if (!cJSON_IsString(name) || fnmatch(pattern, name->valuestring, 0)) {
			errf(why, len, "gpu_name: '%s' is not '%s'", cJSON_IsString(name) ? name->valuestring : "?",
			     pattern);
			return 0;
		}
		n++;
	}
	if (!n)
		errf(why, len, "gpu_name: the node has no GPU");
	return n > 0;
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return !n;
}

int baseline_match_inventory(const struct baseline *b, const cJSON *inv, char *why, size_t len)
{
	const struct baseline_match *m = &b->match;
	const cJSON *model = inv_env(inv, "cpu", "model");
	double v;
	char a[64], c[64];

	if (!b->has_match) {
		errf(why, len, "no 'match'");
		return 0;
	}
	if (m->gpu_name && !gpu_names_match(m->gpu_name, inv, why, len))
		return 0;
	if (m->gpus >= 0 && (v = inv_metric(inv, "gpus")) != (double)m->gpus) {
		errf(why, len, "gpus: %g, not %lld", v, m->gpus);
		return 0;
	}
	if (m->min_cpus >= 0 && !((v = inv_metric(inv, "cpu_threads")) >= (double)m->min_cpus)) {
		errf(why, len, "min_cpus: %g cpu threads, fewer than %lld", v, m->min_cpus);
		return 0;
	}
	if (m->min_memory && !((v = inv_metric(inv, "memory_total")) >= (double)m->min_memory)) {
		errf(why, len, "min_memory: %s, less than %s", quantity_format(v, "B", a, sizeof(a)),
		     quantity_format((double)m->min_memory, "B", c, sizeof(c)));
		return 0;
	}
	if (m->cpu_model && !(cJSON_IsString(model) && contains_nocase(model->valuestring, m->cpu_model))) {
		errf(why, len, "cpu_model: '%s' does not contain '%s'",
		     cJSON_IsString(model) ? model->valuestring : "?", m->cpu_model);
		return 0;
	}
	errf(why, len, "its 'match' holds");
	return 1;
}

/* The *.yaml files in dir, sorted; -1 with errno when dir cannot be read. */
static int yaml_files(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t len;

	*n = 0;
	*out = NULL;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml"))
			continue;
		names = xrealloc(names, (*n + 1) * sizeof(*names));
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	*out = names;
	return 0;
}

/* The first file whose match holds, or NULL. */
static char *first_match(const char *dir, char **names, size_t n, const cJSON *inv, char *why, size_t len)
{
	char *path, reason[256];
	size_t i;

	for (i = 0; i < n; i++) {
		struct baseline b;
		struct diags d = DIAGS_INIT;
		int ok;

		path = xasprintf("%s/%s", dir, names[i]);
		baseline_load(path, &b, &d);
		ok = baseline_match_inventory(&b, inv, reason, sizeof(reason));
		baseline_release(&b);
		diags_release(&d);
		if (ok) {
			errf(why, len, "'%s' matches this node: %s", path, reason);
			return path;
		}
		free(path);
	}
	return NULL;
}

/* No GPU at all: none through NVML and no NVIDIA display device on the PCI bus. */
static int gpuless(const cJSON *inv)
{
	const cJSON *pci = inv_env(inv, "nvml", "pci_gpus");

	return inv_metric(inv, "gpus") == 0 && (!cJSON_IsNumber(pci) || pci->valuedouble == 0);
}

static char *fallback(const char *dir, const cJSON *inv, char *why, size_t len)
{
	const cJSON *pci = inv_env(inv, "nvml", "pci_gpus"), *g = cJSON_GetArrayItem(inv_env(inv, "gpus", NULL), 0);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
	char *path;

	if (gpuless(inv)) {
		path = xasprintf("%s/generic-cpu.yaml", dir);
		if (is_file(path)) {
			errf(why, len, "no baseline in '%s' matches and the node has no GPU: '%s'", dir, path);
			return path;
		}
		free(path);
		errf(why, len, "no baseline in '%s' matches this node, and there is no generic-cpu.yaml", dir);
	} else if (inv_metric(inv, "gpus") == 0) {
		errf(why, len,
		     "no baseline in '%s' matches this node: NVML sees no GPU but %g are on the PCI bus (is the driver "
		     "loaded?); name a baseline with --baseline",
		     dir, pci->valuedouble);
	} else {
		errf(why, len, "no baseline in '%s' matches this node (%g GPUs, '%s'): name one with --baseline", dir,
		     inv_metric(inv, "gpus"), cJSON_IsString(name) ? name->valuestring : "?");
	}
	return NULL;
}

char *baseline_auto(const char *dir, const cJSON *inventory, char *why, size_t len)
{
	char **names, *path = NULL;
	size_t n, i;

	if (!inventory) {
		errf(why, len, "no inventory to match baselines against");
		return NULL;
	}
	if (yaml_files(dir, &names, &n)) {
		errf(why, len, "cannot read baseline directory '%s': %s", dir, strerror(errno));
		return NULL;
	}
	path = first_match(dir, names, n, inventory, why, len);
	if (!path)
		path = fallback(dir, inventory, why, len);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return path;
}

char *baseline_dir_default(void)
{
	const char *env = getenv("SHAKEDOWN_BASELINES");
	char *dir;

	if (env && *env)
		return is_dir(env) ? xstrdup(env) : NULL;
	dir = paths_data("suites/baselines");
	if (dir && !is_dir(dir)) {
		free(dir);
		dir = NULL;
	}
	return dir;
}
