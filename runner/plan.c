/*
 * plan.c - loading a plan and editing it from the command line; the contract
 * is in plan.h, the format for users in suites/README.md.
 *
 * Errors are reported in file order: each file's keys are handled in the
 * order written, an include is loaded where it stands, and what is missing
 * from a mapping is reported at the mapping before its keys are looked at.
 * A step is kept only when its id and probe are valid and its id is new, so
 * after errors p still holds something safe to check further.
 */
#include "plan.h"
#include "suggest.h"
#include "units.h"
#include "strbuf.h"
#include "xalloc.h"
#include "yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unset values are 0: a step's own, then each enclosing file's defaults, fill them in. */
struct defaults {
	uint64_t timeout_ns;
	unsigned repeat;
	struct plan_launcher launcher; /* .given: set */
};

struct loader {
	struct plan *p;
	struct diags *d;
	size_t steps_alloc;
	char *real[PLAN_MAX_INCLUDE_DEPTH + 1];	       /* the include chain, resolved */
	const char *shown[PLAN_MAX_INCLUDE_DEPTH + 1]; /* the same as named in messages */
	int depth;				       /* entries in the chain */
};

/* One file being loaded. */
struct fctx {
	struct loader *L;
	const char *file;
	int is_root;
	struct defaults defs;
};

/* A place to report at: the include that names a file, or nowhere for the plan itself. */
struct at {
	const char *file;
	int line, col;
};

struct handler {
	const char *key;
	void (*fn)(struct fctx *f, void *obj, const struct ypair *kv);
	int hidden; /* reserved: neither suggested nor listed */
};

static void error_at(struct fctx *f, const struct ynode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void error_at(struct fctx *f, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diags_add(f->L->d, f->file, n->line, n->col, "%s", msg);
	free(msg);
}

/* ---- names and values ---- */

/* [a-z0-9] plus extra (plus A-Z unless lower_only); an id must also start with a letter or digit. */
static int name_ok(const char *s, const char *extra, int lower_only, int alnum_first)
{
	const char *c;

	if (!*s || (alnum_first && strchr(extra, *s)))
		return 0;
	for (c = s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr(extra, *c))
			continue;
		if (!lower_only && *c >= 'A' && *c <= 'Z')
			continue;
		return 0;
	}
	return 1;
}

/* Plan names and step ids may become file names in a run directory: no "..", no leading '-'. */
static int id_ok(const char *s)
{
	return name_ok(s, "._-", 0, 1);
}

/* As catalog_valid_name(). */
static int probe_ok(const char *s)
{
	return name_ok(s, "_-", 1, 0);
}

/* Passed to the probe as --NAME=VALUE. */
static int param_ok(const char *s)
{
	return name_ok(s, "_-", 0, 1);
}

#define ID_RULE "letters, digits, '.', '_' and '-', starting with a letter or digit"
#define PROBE_RULE "lower-case letters, digits, '_' and '-'"
#define PARAM_RULE "letters, digits, '_' and '-', starting with a letter or digit"

/*
 * The text of kv's value, or NULL after reporting why there is none. A value
 * already reported (bad) gives NULL silently. Empty text is refused unless
 * empty_ok.
 */
static const char *text_of(struct fctx *f, const struct ypair *kv, int empty_ok)
{
	const struct ynode *v = kv->value;

	if (v->bad)
		return NULL;
	if (v->kind != YNODE_SCALAR) {
		error_at(f, v, "'%s' must be text, got %s", kv->key->text,
			 v->kind == YNODE_MAP ? "a mapping" : "a list");
		return NULL;
	}
	if (!empty_ok && (v->null || !*v->text)) {
		error_at(f, v, "'%s' has no value", kv->key->text);
		return NULL;
	}
	return v->null ? "" : v->text;
}

static int get_repeat(struct fctx *f, const struct ypair *kv, unsigned *out)
{
	const struct ynode *v = kv->value;
	long long r;
	char buf[96];

	if (v->bad)
		return -1;
	if (v->kind != YNODE_SCALAR || units_parse_int(v->text, &r, NULL, 0) || r < 1 || r > PLAN_MAX_REPEAT) {
		error_at(f, v, "'repeat' must be an integer from 1 to %u, got %s", PLAN_MAX_REPEAT,
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	*out = (unsigned)r;
	return 0;
}

static int get_timeout(struct fctx *f, const struct ypair *kv, uint64_t *out)
{
	const struct ynode *v = kv->value;
	char err[256], buf[96];

	if (v->bad)
		return -1;
	if (v->kind != YNODE_SCALAR || v->null) {
		error_at(f, v, "'%s' must be a duration such as 90s or 15m, got %s", kv->key->text,
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	if (units_parse_duration_ns(v->text, out, err, sizeof(err))) {
		error_at(f, v, "%s", err);
		return -1;
	}
	if (*out == 0) {
		error_at(f, v, "'%s' must be longer than 0, got %s", kv->key->text,
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

/* An integer of at least min for the key of kv. */
static int get_int_min(struct fctx *f, const struct ypair *kv, long long min, long long *out)
{
	const struct ynode *v = kv->value;
	char buf[96];
	long long n;

	if (v->bad)
		return -1;
	if (v->kind != YNODE_SCALAR || units_parse_int(v->text, &n, NULL, 0) || n < min) {
		error_at(f, v, "'%s' must be an integer of %lld or more, got %s", kv->key->text, min,
			 ynode_describe(v, buf, sizeof(buf)));
		return -1;
	}
	*out = n;
	return 0;
}

/* ---- mappings: required keys, then each key in order ---- */

static const char **handler_names(const struct handler *h, size_t *n)
{
	const char **names = NULL;

	for (*n = 0; h->key; h++) {
		if (h->hidden)
			continue;
		names = xrealloc(names, (*n + 1) * sizeof(*names));
		names[(*n)++] = h->key;
	}
	return names;
}

static void unknown_key(struct fctx *f, const struct ynode *key, const struct handler *table, const char *hint)
{
	size_t n;
	const char **names = handler_names(table, &n);
	char msg[512];

	error_at(f, key, "%s", suggest_unknown("key", key->text, names, n, hint, msg, sizeof(msg)));
	free(names);
}

static void walk_keys(struct fctx *f, const struct ynode *map, const struct handler *table, void *obj, const char *hint)
{
	const struct handler *h;
	size_t i;

	for (i = 0; i < map->n; i++) {
		const struct ypair *kv = &map->pairs[i];

		if (kv->key->bad)
			continue;
		for (h = table; h->key && strcmp(h->key, kv->key->text); h++)
			;
		if (h->key)
			h->fn(f, obj, kv);
		else
			unknown_key(f, kv->key, table, hint);
	}
}

/* Reports "<what> has no '<key>'" for each of keys[] that map lacks; returns how many. */
static int require_keys(struct fctx *f, const struct ynode *map, const char *const *keys, const char *what)
{
	int missing = 0;

	for (; *keys; keys++) {
		if (ynode_pair(map, *keys))
			continue;
		error_at(f, map, "%s has no '%s'", what, *keys);
		missing++;
	}
	return missing;
}

static int want_map(struct fctx *f, const struct ypair *kv, const char *what)
{
	char buf[96];

	if (kv->value->bad)
		return -1;
	if (kv->value->kind == YNODE_MAP)
		return 0;
	error_at(f, kv->value, "'%s' must be a mapping of %s, got %s", kv->key->text, what,
		 ynode_describe(kv->value, buf, sizeof(buf)));
	return -1;
}

/* ---- launcher: ---- */

static const char *const launcher_kinds[] = {
	[PLAN_LAUNCH_LOCAL] = "local", [PLAN_LAUNCH_MPIRUN] = "mpirun", [PLAN_LAUNCH_SRUN] = "srun"
};
#define NKINDS (sizeof(launcher_kinds) / sizeof(launcher_kinds[0]))

const char *plan_launcher_kind_name(enum plan_launcher_kind k)
{
	return (size_t)k < NKINDS ? launcher_kinds[k] : "?";
}

void plan_launcher_release(struct plan_launcher *l)
{
	size_t i;

	for (i = 0; i < l->nargs; i++)
		free(l->args[i]);
	free(l->args);
	free(l->hostfile);
	memset(l, 0, sizeof(*l));
}

void plan_launcher_add_arg(struct plan_launcher *l, const char *a)
{
	l->args = xrealloc(l->args, (l->nargs + 1) * sizeof(*l->args));
	l->args[l->nargs++] = xstrdup(a);
}

void plan_launcher_copy(struct plan_launcher *to, const struct plan_launcher *from)
{
	size_t i;

	*to = *from;
	to->hostfile = from->hostfile ? xstrdup(from->hostfile) : NULL;
	to->args = from->nargs ? xcalloc(from->nargs, sizeof(*to->args)) : NULL;
	for (i = 0; i < from->nargs; i++)
		to->args[i] = xstrdup(from->args[i]);
}

/* The launcher being read, and its kind as far as it is known before its keys are walked. */
struct lparse {
	struct plan_launcher *l;
	int kind; /* -1: missing or invalid (already reported, or reported by the 'kind' handler) */
};

static int kind_index(const char *t)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (!strcmp(launcher_kinds[i], t))
			return (int)i;
	return -1;
}

static void l_kind(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct lparse *lp = obj;
	const char *t = text_of(f, kv, 0), *near;

	if (!t)
		return;
	if (lp->kind >= 0) {
		lp->l->kind = (enum plan_launcher_kind)lp->kind;
		return;
	}
	near = suggest_nearest(t, launcher_kinds, NKINDS);
	error_at(f, kv->value, "launcher kind '%s' is not one of local, mpirun, srun%s%s%s", t,
		 near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
}

/* 1 when key kv belongs to the launcher's kind (want); reports it otherwise. */
static int for_kind(struct fctx *f, const struct lparse *lp, const struct ypair *kv, enum plan_launcher_kind want,
		    int or_srun)
{
	if (lp->kind < 0 || lp->kind == (int)want || (or_srun && lp->kind == PLAN_LAUNCH_SRUN))
		return 1;
	error_at(f, kv->key, "'%s' does not apply to launcher kind %s (it is for %s%s)", kv->key->text,
		 launcher_kinds[lp->kind], launcher_kinds[want], or_srun ? " and srun" : "");
	return 0;
}

static void l_np(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct lparse *lp = obj;

	if (for_kind(f, lp, kv, PLAN_LAUNCH_MPIRUN, 0))
		get_int_min(f, kv, 1, &lp->l->np);
}

static void l_nodes(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct lparse *lp = obj;

	if (for_kind(f, lp, kv, PLAN_LAUNCH_SRUN, 0))
		get_int_min(f, kv, 1, &lp->l->nodes);
}

static void l_ntasks(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct lparse *lp = obj;

	if (for_kind(f, lp, kv, PLAN_LAUNCH_SRUN, 0))
		get_int_min(f, kv, 1, &lp->l->ntasks_per_node);
}

static char *resolve_include(const char *from, const char *path);

/* Resolved from the plan's directory and checked now, so that a typo fails `validate`, not the run. */
static void l_hostfile(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct lparse *lp = obj;
	const char *t;
	char *path;

	if (!for_kind(f, lp, kv, PLAN_LAUNCH_MPIRUN, 0) || !(t = text_of(f, kv, 0)))
		return;
	path = resolve_include(f->file, t);
	if (access(path, R_OK)) {
		error_at(f, kv->value, "cannot read hostfile '%s': %s", path, strerror(errno));
		free(path);
		return;
	}
	free(lp->l->hostfile);
	lp->l->hostfile = path;
}

static void l_args(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct lparse *lp = obj;
	const struct ynode *v = kv->value, *it;
	char buf[96];
	size_t i;

	if (!for_kind(f, lp, kv, PLAN_LAUNCH_MPIRUN, 1) || v->bad)
		return;
	if (v->kind != YNODE_SEQ) {
		error_at(f, v, "'%s' must be a list of launcher arguments, got %s", kv->key->text,
			 ynode_describe(v, buf, sizeof(buf)));
		return;
	}
	for (i = 0; i < v->n; i++) {
		it = v->items[i];
		if (it->bad)
			continue;
		if (it->kind != YNODE_SCALAR || it->null || !*it->text) {
			error_at(f, it, "a launcher argument must be one non-empty value, got %s",
				 ynode_describe(it, buf, sizeof(buf)));
			continue;
		}
		plan_launcher_add_arg(lp->l, it->text);
	}
}

static const struct handler launcher_keys[] = {
	{ "kind", l_kind, 0 },
	{ "np", l_np, 0 },
	{ "hostfile", l_hostfile, 0 },
	{ "nodes", l_nodes, 0 },
	{ "ntasks_per_node", l_ntasks, 0 },
	{ "args", l_args, 0 },
	{ NULL, NULL, 0 },
};

/* A `launcher:` mapping into *l (released first); marks it given. */
static void get_launcher(struct fctx *f, const struct ypair *kv, struct plan_launcher *l)
{
	static const char *const required[] = { "kind", NULL };
	const struct ypair *k;
	struct lparse lp = { l, -1 };

	plan_launcher_release(l);
	l->given = 1;
	if (want_map(f, kv, "kind and its settings"))
		return;
	k = ynode_pair(kv->value, "kind");
	if (k && !k->value->bad && k->value->kind == YNODE_SCALAR && !k->value->null)
		lp.kind = kind_index(k->value->text);
	require_keys(f, kv->value, required, "the launcher");
	walk_keys(f, kv->value, launcher_keys, &lp, NULL);
}

/* ---- defaults: and requires: ---- */

static void def_timeout(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_timeout(f, kv, &((struct defaults *)obj)->timeout_ns);
}

static void def_repeat(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_repeat(f, kv, &((struct defaults *)obj)->repeat);
}

static void def_launcher(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_launcher(f, kv, &((struct defaults *)obj)->launcher);
}

static const struct handler defaults_keys[] = {
	{ "timeout", def_timeout, 0 },
	{ "repeat", def_repeat, 0 },
	{ "launcher", def_launcher, 0 },
	{ NULL, NULL, 0 },
};

static void req_gpus(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_int_min(f, kv, 0, &((struct plan_requires *)obj)->gpus_per_node);
}

static void req_cpus(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_int_min(f, kv, 1, &((struct plan_requires *)obj)->min_cpus);
}

static void req_memory(struct fctx *f, void *obj, const struct ypair *kv)
{
	const struct ynode *v = kv->value;
	struct plan_requires *r = obj;
	char err[256], buf[96];

	if (v->bad)
		return;
	if (v->kind != YNODE_SCALAR || v->null)
		error_at(f, v, "'min_memory' must be a size such as 64GiB, got %s",
			 ynode_describe(v, buf, sizeof(buf)));
	else if (units_parse_size(v->text, &r->min_memory, err, sizeof(err)))
		error_at(f, v, "%s", err);
}

static const struct handler requires_keys[] = {
	{ "gpus_per_node", req_gpus, 0 },
	{ "min_memory", req_memory, 0 },
	{ "min_cpus", req_cpus, 0 },
	{ NULL, NULL, 0 },
};

static void merge_requires(struct plan_requires *into, const struct plan_requires *r)
{
	if (r->gpus_per_node > into->gpus_per_node)
		into->gpus_per_node = r->gpus_per_node;
	if (r->min_memory > into->min_memory)
		into->min_memory = r->min_memory;
	if (r->min_cpus > into->min_cpus)
		into->min_cpus = r->min_cpus;
}

/* ---- steps ---- */

static void step_release(struct plan_step *s)
{
	size_t i;

	for (i = 0; i < s->nparams; i++) {
		free(s->params[i].name);
		free(s->params[i].value);
		free(s->params[i].file);
	}
	free(s->params);
	plan_launcher_release(&s->launcher);
	free(s->id);
	free(s->probe);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

static void step_id(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_step *s = obj;
	const char *t = text_of(f, kv, 0);

	if (!t)
		return;
	if (!id_ok(t)) {
		error_at(f, kv->value, "step id '%s' must be " ID_RULE, t);
		return;
	}
	s->id = xstrdup(t);
}

static void step_probe(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_step *s = obj;
	const char *t = text_of(f, kv, 0);

	if (!t)
		return;
	if (!probe_ok(t)) {
		error_at(f, kv->value, "probe name '%s' must be " PROBE_RULE, t);
		return;
	}
	s->probe = xstrdup(t);
	s->probe_line = kv->value->line;
	s->probe_col = kv->value->col;
}

static void step_repeat(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_repeat(f, kv, &((struct plan_step *)obj)->repeat);
}

static void step_timeout(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_timeout(f, kv, &((struct plan_step *)obj)->timeout_ns);
}

/* A list of values as one comma-joined string, or NULL after reporting why not. */
static char *join_list(struct fctx *f, const char *param, const struct ynode *seq)
{
	const struct ynode *it;
	size_t i, len = 0, n;
	char buf[96], *out;

	for (i = 0; i < seq->n; i++) {
		it = seq->items[i];
		if (it->bad)
			return NULL;
		if (it->kind != YNODE_SCALAR || it->null) {
			error_at(f, it, "parameter '%s': a list item must be a single value, got %s", param,
				 ynode_describe(it, buf, sizeof(buf)));
			return NULL;
		}
		if (strchr(it->text, ',')) {
			error_at(f, it, "parameter '%s': list item '%s' contains ','", param, it->text);
			return NULL;
		}
		len += strlen(it->text) + 1;
	}
	out = xcalloc(len + 1, 1);
	for (i = 0, len = 0; i < seq->n; i++) {
		n = strlen(seq->items[i]->text);
		if (i)
			out[len++] = ',';
		memcpy(out + len, seq->items[i]->text, n);
		len += n;
	}
	return out;
}

static char *param_value(struct fctx *f, const struct ypair *kv)
{
	const struct ynode *v = kv->value;

	if (v->bad)
		return NULL;
	if (v->kind == YNODE_SEQ)
		return join_list(f, kv->key->text, v);
	if (v->kind == YNODE_MAP) {
		error_at(f, v, "parameter '%s' must be a value or a list of values, got a mapping", kv->key->text);
		return NULL;
	}
	if (v->null) {
		error_at(f, v, "parameter '%s' has no value (write '' for an empty one)", kv->key->text);
		return NULL;
	}
	return xstrdup(v->text);
}

/* Appends name=value (taking value); kv gives the marks, NULL for none. */
static void add_param(struct plan_step *s, const char *name, char *value, const char *file, const struct ypair *kv)
{
	struct plan_param *pp;

	s->params = xrealloc(s->params, (s->nparams + 1) * sizeof(*s->params));
	pp = &s->params[s->nparams++];
	memset(pp, 0, sizeof(*pp));
	pp->name = xstrdup(name);
	pp->value = value;
	pp->file = xstrdup(file);
	if (kv) {
		pp->line = kv->key->line;
		pp->col = kv->key->col;
		pp->value_line = kv->value->line;
		pp->value_col = kv->value->col;
	}
}

static void step_with(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_step *s = obj;
	const struct ypair *pv;
	char *value;
	size_t i;

	if (want_map(f, kv, "parameter names to values"))
		return;
	for (i = 0; i < kv->value->n; i++) {
		pv = &kv->value->pairs[i];
		if (pv->key->bad)
			continue;
		if (!param_ok(pv->key->text)) {
			error_at(f, pv->key, "parameter name '%s' must be " PARAM_RULE, pv->key->text);
			continue;
		}
		value = param_value(f, pv);
		if (value)
			add_param(s, pv->key->text, value, f->file, pv);
	}
}

static void step_launcher(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_launcher(f, kv, &((struct plan_step *)obj)->launcher);
}

static const struct handler step_keys[] = {
	{ "id", step_id, 0 },
	{ "probe", step_probe, 0 },
	{ "with", step_with, 0 },
	{ "repeat", step_repeat, 0 },
	{ "timeout", step_timeout, 0 },
	{ "launcher", step_launcher, 0 },
	{ NULL, NULL, 0 },
};

/* Keeps s (taking its contents) unless it is incomplete or its id is taken. */
static void keep_step(struct fctx *f, const struct ynode *map, struct plan_step *s)
{
	struct plan *p = f->L->p;
	const struct plan_step *first;

	if (!s->id || !s->probe) {
		step_release(s);
		return;
	}
	first = plan_find_step(p, s->id);
	if (first) {
		error_at(f, ynode_pair(map, "id")->value, "duplicate step id '%s' (first at %s:%d:%d)", s->id,
			 first->file, first->line, first->col);
		step_release(s);
		return;
	}
	if (p->nsteps == f->L->steps_alloc) {
		f->L->steps_alloc = f->L->steps_alloc ? 2 * f->L->steps_alloc : 16;
		p->steps = xrealloc(p->steps, f->L->steps_alloc * sizeof(*p->steps));
	}
	p->steps[p->nsteps++] = *s;
}

static void load_step(struct fctx *f, const struct ynode *map, size_t index)
{
	static const char *const required[] = { "id", "probe", NULL };
	struct plan_step s;
	char what[32];

	memset(&s, 0, sizeof(s));
	s.file = xstrdup(f->file);
	s.line = map->line;
	s.col = map->col;
	snprintf(what, sizeof(what), "step %zu", index);
	require_keys(f, map, required, what);
	walk_keys(f, map, step_keys, &s, "; probe parameters go under 'with'");
	keep_step(f, map, &s);
}

/* ---- includes ---- */

static int load_file(struct loader *L, const char *path, const struct at *from, struct defaults *defs);

static char *resolve_include(const char *from, const char *path)
{
	const char *slash = strrchr(from, '/');

	if (path[0] == '/' || !slash)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - from), from, path);
}

/* "a.yaml -> b.yaml -> a.yaml" from where real first appears in the chain. */
static char *cycle_chain(const struct loader *L, int from, const char *again)
{
	char *chain = xstrdup(L->shown[from]), *next;
	int i;

	for (i = from + 1; i < L->depth; i++) {
		next = xasprintf("%s -> %s", chain, L->shown[i]);
		free(chain);
		chain = next;
	}
	next = xasprintf("%s -> %s", chain, again);
	free(chain);
	return next;
}

static void load_include(struct fctx *f, const struct ypair *kv)
{
	struct loader *L = f->L;
	const char *t = text_of(f, kv, 0);
	struct at from;
	char *path;

	if (!t)
		return;
	if (L->depth > PLAN_MAX_INCLUDE_DEPTH) {
		error_at(f, kv->value, "includes nested deeper than %d levels", PLAN_MAX_INCLUDE_DEPTH);
		return;
	}
	path = resolve_include(f->file, t);
	from.file = f->file;
	from.line = kv->value->line;
	from.col = kv->value->col;
	load_file(L, path, &from, NULL);
	free(path);
}

static void load_item(struct fctx *f, const struct ynode *item, size_t index)
{
	const struct ypair *kv;
	char buf[96];
	size_t i;

	if (item->bad)
		return;
	if (item->kind != YNODE_MAP) {
		error_at(f, item, "step %zu must be a mapping with 'id' and 'probe', got %s", index,
			 ynode_describe(item, buf, sizeof(buf)));
		return;
	}
	if (!ynode_pair(item, "include")) {
		load_step(f, item, index);
		return;
	}
	for (i = 0; i < item->n; i++) {
		kv = &item->pairs[i];
		if (kv->key->bad)
			continue;
		if (!strcmp(kv->key->text, "include"))
			load_include(f, kv);
		else
			error_at(f, kv->key, "'%s' cannot go with 'include' (an include item has only 'include')",
				 kv->key->text);
	}
}

/* ---- top-level keys ---- */

static void top_plan(struct fctx *f, void *obj, const struct ypair *kv)
{
	const char *t = text_of(f, kv, 0);

	(void)obj;
	if (!t)
		return;
	if (!id_ok(t))
		error_at(f, kv->value, "plan name '%s' must be " ID_RULE, t);
	else if (f->is_root)
		f->L->p->name = xstrdup(t);
}

static void top_description(struct fctx *f, void *obj, const struct ypair *kv)
{
	const char *t = text_of(f, kv, 1);

	(void)obj;
	if (t && *t && f->is_root)
		f->L->p->description = xstrdup(t);
}

static void top_baseline(struct fctx *f, void *obj, const struct ypair *kv)
{
	const char *t = text_of(f, kv, 0);
	struct plan *p = f->L->p;

	(void)obj;
	if (!t || !f->is_root)
		return;
	p->baseline = strcmp(t, "auto") ? resolve_include(f->file, t) : xstrdup(t);
}

/* ---- nodes: ---- */

static const char *const node_sources[] = { "none", "hostfile", "hosts", "slurm" };
static const char *const node_failures[] = { "exclude", "abort" };

const char *plan_nodes_source_name(enum plan_nodes_source s)
{
	return node_sources[s];
}

const char *plan_node_failure_name(enum plan_node_failure f)
{
	return node_failures[f];
}

/* Host names go into launcher arguments and reports: letters, digits, '.', '_', '-', ':' (IPv6), '[', ']'. */
static int host_ok(const char *s)
{
	return strlen(s) < 256 && name_ok(s, "._-:[]", 0, 1);
}

/* Append host unless already there; 0, or -1 when the plan would exceed PLAN_MAX_NODES. */
static int add_host(struct plan_nodes *n, const char *host)
{
	size_t i;

	for (i = 0; i < n->nhosts; i++)
		if (!strcmp(n->hosts[i], host))
			return 0;
	if (n->nhosts >= PLAN_MAX_NODES)
		return -1;
	n->hosts = xrealloc(n->hosts, (n->nhosts + 1) * sizeof(*n->hosts));
	n->hosts[n->nhosts++] = xstrdup(host);
	return 0;
}

/* A second source in one `nodes:` is an error; returns 0 when kv may set it. */
static int one_source(struct fctx *f, struct plan_nodes *n, const struct ypair *kv)
{
	if (n->source == PLAN_NODES_NONE)
		return 0;
	error_at(f, kv->key, "'nodes' has both '%s' and '%s': give one of hostfile, hosts, slurm",
		 node_sources[n->source], kv->key->text);
	return -1;
}

static int read_all(const char *path, char **buf, size_t *len, char *err, size_t errlen);

/*
 * An Open MPI hostfile: one host per line, its first word (slots=N and the
 * like after it are mpirun's business), '#' comments and blank lines skipped.
 */
static void read_hostfile(struct fctx *f, const struct ypair *kv, struct plan_nodes *n)
{
	char *buf = NULL, *line, *save = NULL, *word, err[512];
	size_t len, lineno = 0;

	if (read_all(n->hostfile, &buf, &len, err, sizeof(err))) {
		error_at(f, kv->value, "%s", err);
		return;
	}
	for (line = buf; line && *line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		*strchrnul(line, '#') = '\0';
		word = line + strspn(line, " \t\r");
		word[strcspn(word, " \t\r")] = '\0';
		if (!*word)
			continue;
		if (!host_ok(word)) {
			error_at(f, kv->value, "hostfile '%s' line %zu: '%.80s' is not a host name", n->hostfile,
				 lineno, word);
			break;
		}
		if (add_host(n, word)) {
			error_at(f, kv->value, "hostfile '%s' names more than %d hosts", n->hostfile, PLAN_MAX_NODES);
			break;
		}
	}
	if (!n->nhosts)
		error_at(f, kv->value, "hostfile '%s' names no hosts", n->hostfile);
	free(buf);
}

static void n_hostfile(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	const char *t = text_of(f, kv, 0);

	if (!t || one_source(f, n, kv))
		return;
	n->source = PLAN_NODES_HOSTFILE;
	n->hostfile = resolve_include(f->file, t);
	read_hostfile(f, kv, n);
}

static void n_hosts(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	const struct ynode *v = kv->value, *it;
	char buf[96];
	size_t i;

	if (v->bad || one_source(f, n, kv))
		return;
	n->source = PLAN_NODES_HOSTS;
	if (v->kind != YNODE_SEQ || !v->n) {
		error_at(f, v, "'hosts' must be a non-empty list of host names, got %s",
			 ynode_describe(v, buf, sizeof(buf)));
		return;
	}
	for (i = 0; i < v->n; i++) {
		it = v->items[i];
		if (it->bad)
			continue;
		if (it->kind != YNODE_SCALAR || it->null || !host_ok(it->text)) {
			error_at(f, it, "a host must be a host name (letters, digits, '.', '_', '-'), got %s",
				 ynode_describe(it, buf, sizeof(buf)));
			continue;
		}
		if (add_host(n, it->text)) {
			error_at(f, it, "'hosts' names more than %d hosts", PLAN_MAX_NODES);
			return;
		}
	}
}

static void s_partition(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	const char *t = text_of(f, kv, 0);

	if (!t)
		return;
	if (!name_ok(t, "._-", 0, 1)) {
		error_at(f, kv->value, "partition '%s' must be letters, digits, '.', '_' and '-'", t);
		return;
	}
	free(n->partition);
	n->partition = xstrdup(t);
}

static void s_nodes(struct fctx *f, void *obj, const struct ypair *kv)
{
	get_int_min(f, kv, 1, &((struct plan_nodes *)obj)->slurm_nodes);
}

static const struct handler slurm_keys[] = {
	{ "partition", s_partition, 0 },
	{ "nodes", s_nodes, 0 },
	{ NULL, NULL, 0 },
};

/* `slurm: allocation` (the job's own nodes) or `slurm: {partition: P, nodes: N}` (srun allocates). */
static void n_slurm(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	const struct ynode *v = kv->value;
	char buf[96];

	if (v->bad || one_source(f, n, kv))
		return;
	n->source = PLAN_NODES_SLURM;
	if (v->kind == YNODE_SCALAR && !v->null && !strcmp(v->text, "allocation"))
		return;
	if (v->kind != YNODE_MAP) {
		error_at(f, v, "'slurm' must be 'allocation' or a mapping of partition and nodes, got %s",
			 ynode_describe(v, buf, sizeof(buf)));
		return;
	}
	walk_keys(f, v, slurm_keys, n, NULL);
}

static void n_args(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	struct plan_launcher l = { 0 };
	struct lparse lp = { &l, PLAN_LAUNCH_MPIRUN };

	l_args(f, &lp, kv);
	n->args = l.args;
	n->nargs = l.nargs;
}

static void n_failure(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	const char *t = text_of(f, kv, 0);

	if (!t)
		return;
	if (!strcmp(t, "exclude"))
		n->on_failure = PLAN_NODE_FAILURE_EXCLUDE;
	else if (!strcmp(t, "abort"))
		n->on_failure = PLAN_NODE_FAILURE_ABORT;
	else
		error_at(f, kv->value, "'on_node_failure' must be exclude or abort, got '%s'", t);
}

static void n_locate(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = obj;
	const char *t = text_of(f, kv, 0);

	if (!t)
		return;
	if (!strcmp(t, "true") || !strcmp(t, "false"))
		n->locate = !strcmp(t, "true");
	else
		error_at(f, kv->value, "'locate' must be true or false, got '%s'", t);
}

static const struct handler nodes_keys[] = {
	{ "hostfile", n_hostfile, 0 },
	{ "hosts", n_hosts, 0 },
	{ "slurm", n_slurm, 0 },
	{ "launcher_args", n_args, 0 },
	{ "on_node_failure", n_failure, 0 },
	{ "locate", n_locate, 0 },
	{ NULL, NULL, 0 },
};

static void nodes_release(struct plan_nodes *n)
{
	size_t i;

	for (i = 0; i < n->nhosts; i++)
		free(n->hosts[i]);
	for (i = 0; i < n->nargs; i++)
		free(n->args[i]);
	free(n->hosts);
	free(n->args);
	free(n->hostfile);
	free(n->partition);
	memset(n, 0, sizeof(*n));
}

static void top_nodes(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_nodes *n = &f->L->p->nodes;

	(void)obj;
	if (!f->is_root) {
		error_at(f, kv->key, "'nodes' belongs in the plan itself, not in an included file");
		return;
	}
	if (want_map(f, kv, "hostfile, hosts or slurm and their settings"))
		return;
	nodes_release(n);
	walk_keys(f, kv->value, nodes_keys, n, NULL);
	if (n->source == PLAN_NODES_NONE)
		error_at(f, kv->value, "'nodes' needs one of hostfile, hosts, slurm");
}

static void top_defaults(struct fctx *f, void *obj, const struct ypair *kv)
{
	(void)obj;
	if (!want_map(f, kv, "timeout, repeat and launcher"))
		walk_keys(f, kv->value, defaults_keys, &f->defs, NULL);
}

static void top_requires(struct fctx *f, void *obj, const struct ypair *kv)
{
	struct plan_requires r = { -1, 0, -1 };

	(void)obj;
	if (want_map(f, kv, "requirements"))
		return;
	walk_keys(f, kv->value, requires_keys, &r, NULL);
	merge_requires(&f->L->p->req, &r);
}

static void top_steps(struct fctx *f, void *obj, const struct ypair *kv)
{
	const struct ynode *v = kv->value;
	size_t i;

	(void)obj;
	if (v->bad)
		return;
	if (v->kind != YNODE_SEQ) {
		error_at(f, v, "'steps' must be a list of steps");
		return;
	}
	if (!v->n)
		error_at(f, v, "'steps' is empty: list at least one step");
	for (i = 0; i < v->n; i++)
		load_item(f, v->items[i], i + 1);
}

static const struct handler top_keys[] = {
	{ "plan", top_plan, 0 },	 { "description", top_description, 0 },
	{ "defaults", top_defaults, 0 }, { "requires", top_requires, 0 },
	{ "steps", top_steps, 0 },	 { "baseline", top_baseline, 0 },
	{ "nodes", top_nodes, 0 },	 { NULL, NULL, 0 },
};

/* ---- files ---- */

static void report_at(struct loader *L, const struct at *from, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report_at(struct loader *L, const struct at *from, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (from)
		diags_add(L->d, from->file, from->line, from->col, "%s", msg);
	else
		diags_add(L->d, NULL, 0, 0, "%s", msg);
	free(msg);
}

/* Reads all of path into *buf (caller frees); -1 with errno-style text in err. */
static int read_all(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path, PLAN_MAX_FILE_SIZE, err, errlen)) {
		strbuf_release(&sb);
		*buf = NULL;
		return -1;
	}
	*len = sb.len;
	*buf = strbuf_detach(&sb);
	return 0;
}

static void note_file(struct plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		if (!strcmp(p->files[i], path))
			return;
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	p->files[p->nfiles++] = xstrdup(path);
}

/* Fill what the file's steps left unset from d. */
static void apply_defaults(struct plan *p, size_t first, const struct defaults *d)
{
	size_t i;

	for (i = first; i < p->nsteps; i++) {
		if (!p->steps[i].repeat)
			p->steps[i].repeat = d->repeat;
		if (!p->steps[i].timeout_ns)
			p->steps[i].timeout_ns = d->timeout_ns;
		if (!p->steps[i].launcher.given && d->launcher.given)
			plan_launcher_copy(&p->steps[i].launcher, &d->launcher);
	}
}

/*
 * The document's top mapping, or NULL after reporting what is wrong with it;
 * parse_rc is ytree_parse()'s result: a file it could not parse is not "empty".
 */
static const struct ynode *top_mapping(struct fctx *f, const struct ytree *t, int parse_rc)
{
	const struct ynode *root = t->root;

	if (!root && parse_rc)
		return NULL;
	if (!root || (root->kind == YNODE_SCALAR && root->null)) {
		diags_add(f->L->d, f->file, 1, 1, "%s",
			  f->is_root ? "empty plan" : "empty file: an included file needs 'steps'");
		return NULL;
	}
	if (root->bad)
		return NULL;
	if (root->kind != YNODE_MAP) {
		error_at(f, root,
			 f->is_root ? "a plan must be a mapping with 'plan' and 'steps'"
				    : "an included file must be a mapping with 'steps'");
		return NULL;
	}
	return root;
}

static void load_tree(struct fctx *f, const struct ytree *t, int parse_rc)
{
	static const char *const required[] = { "steps", NULL };
	const struct ynode *root = top_mapping(f, t, parse_rc);

	if (!root)
		return;
	if (f->is_root && !ynode_pair(root, "plan"))
		error_at(f, root, "the plan has no name (add 'plan: NAME')");
	require_keys(f, root, required, f->is_root ? "the plan" : "the included file");
	walk_keys(f, root, top_keys, NULL, NULL);
}

/* Enter path into the include chain; -1 (reported) when it cannot be opened or closes a cycle. */
static int push_chain(struct loader *L, const char *path, const struct at *from)
{
	char *real = realpath(path, NULL), *chain;
	int i;

	if (!real) {
		report_at(L, from, from ? "cannot open included file '%s': %s" : "cannot open plan '%s': %s", path,
			  strerror(errno));
		return -1;
	}
	for (i = 0; i < L->depth; i++) {
		if (strcmp(real, L->real[i]))
			continue;
		chain = cycle_chain(L, i, path);
		report_at(L, from, "include cycle: %s", chain);
		free(chain);
		free(real);
		return -1;
	}
	L->real[L->depth] = real;
	L->shown[L->depth] = path;
	L->depth++;
	return 0;
}

/*
 * Load one file: the plan (from NULL) or a file included at from. Its steps
 * are appended to the plan; what they leave unset is filled from this file's
 * defaults, and what is still unset after that from the including files'.
 * The file's own defaults are copied to *defs when defs is not NULL.
 */
static int load_file(struct loader *L, const char *path, const struct at *from, struct defaults *defs)
{
	struct fctx f = { .L = L, .file = path, .is_root = from == NULL };
	struct ytree t = YTREE_INIT;
	size_t first = L->p->nsteps, before = L->d->n, len = 0;
	char *buf = NULL, err[256];

	if (push_chain(L, path, from))
		return -1;
	if (read_all(path, &buf, &len, err, sizeof(err))) {
		report_at(L, from, from ? "cannot read included file '%s': %s" : "cannot read plan '%s': %s", path,
			  err);
		goto out;
	}
	note_file(L->p, path);
	load_tree(&f, &t, ytree_parse(&t, path, buf, len, NULL, L->d));
	apply_defaults(L->p, first, &f.defs);
	if (defs) {
		*defs = f.defs;
		memset(&f.defs, 0, sizeof(f.defs));
	}
out:
	plan_launcher_release(&f.defs.launcher);
	ytree_release(&t);
	free(buf);
	L->depth--;
	free(L->real[L->depth]);
	return L->d->n == before ? 0 : -1;
}

/* ---- the API ---- */

int plan_load(const char *path, struct plan *p, struct diags *d)
{
	struct loader L;
	struct defaults builtin = { .timeout_ns = PLAN_DEFAULT_TIMEOUT_NS, .repeat = PLAN_DEFAULT_REPEAT }, top = { 0 };
	size_t before = d->n;

	memset(p, 0, sizeof(*p));
	memset(&L, 0, sizeof(L));
	p->path = xstrdup(path);
	p->req.gpus_per_node = -1;
	p->req.min_cpus = -1;
	L.p = p;
	L.d = d;
	load_file(&L, path, NULL, &top);
	p->default_timeout_ns = top.timeout_ns ? top.timeout_ns : builtin.timeout_ns;
	p->default_repeat = top.repeat ? top.repeat : builtin.repeat;
	apply_defaults(p, 0, &builtin);
	plan_launcher_release(&top.launcher);
	return d->n == before ? 0 : -1;
}

void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		step_release(&p->steps[i]);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->steps);
	free(p->path);
	free(p->name);
	free(p->description);
	free(p->baseline);
	nodes_release(&p->nodes);
	memset(p, 0, sizeof(*p));
}

struct plan_step *plan_find_step(const struct plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		if (!strcmp(p->steps[i].id, id))
			return &p->steps[i];
	return NULL;
}

/* "unknown step 'x' (did you mean 'y'?)" or without the suggestion, into a new string. */
static char *unknown_step(const struct plan *p, const char *id)
{
	const char **ids = xcalloc(p->nsteps + 1, sizeof(*ids));
	const char *near;
	char *msg;
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		ids[i] = p->steps[i].id;
	near = suggest_nearest(id, ids, p->nsteps);
	if (near)
		msg = xasprintf("unknown step '%s' (did you mean '%s'?)", id, near);
	else
		msg = xasprintf("unknown step '%s'", id);
	free(ids);
	return msg;
}

static int set_param(struct plan_step *s, const char *assignment, const char *name, const char *value)
{
	char *file = xasprintf("--set '%s'", assignment);
	size_t i;

	for (i = 0; i < s->nparams; i++) {
		if (strcmp(s->params[i].name, name))
			continue;
		free(s->params[i].value);
		free(s->params[i].file);
		s->params[i].value = xstrdup(value);
		s->params[i].file = file;
		s->params[i].line = s->params[i].col = 0;
		s->params[i].value_line = s->params[i].value_col = 0;
		return 0;
	}
	add_param(s, name, xstrdup(value), file, NULL);
	free(file);
	return 0;
}

/* PARAM "repeat" or "timeout": check and set; -1 with a message in err. */
static int set_builtin(struct plan_step *s, const char *name, const char *value, char *err, size_t len)
{
	long long r;
	uint64_t ns;

	if (!strcmp(name, "repeat")) {
		if (units_parse_int(value, &r, NULL, 0) || r < 1 || r > PLAN_MAX_REPEAT) {
			snprintf(err, len, "'repeat' must be an integer from 1 to %u, got '%s'", PLAN_MAX_REPEAT,
				 value);
			return -1;
		}
		s->repeat = (unsigned)r;
		return 0;
	}
	if (units_parse_duration_ns(value, &ns, err, len))
		return -1;
	if (!ns) {
		snprintf(err, len, "'timeout' must be longer than 0, got '%s'", value);
		return -1;
	}
	s->timeout_ns = ns;
	return 0;
}

static int is_builtin(const char *name)
{
	return !strcmp(name, "repeat") || !strcmp(name, "timeout");
}

/* Set name=value on step s for --set assignment; -1 after adding an error to d. */
static int set_one(struct plan_step *s, const char *assignment, const char *name, const char *value, struct diags *d)
{
	char err[256];

	if (!param_ok(name)) {
		diags_add(d, NULL, 0, 0, "--set '%s': parameter name '%s' must be " PARAM_RULE, assignment, name);
		return -1;
	}
	if (!is_builtin(name))
		return set_param(s, assignment, name, value);
	if (set_builtin(s, name, value, err, sizeof(err))) {
		diags_add(d, NULL, 0, 0, "--set '%s': %s", assignment, err);
		return -1;
	}
	return 0;
}

int plan_set(struct plan *p, const char *assignment, struct diags *d)
{
	const char *eq = strchr(assignment, '='), *dot;
	char *id, *name = NULL, *msg;
	struct plan_step *s;
	int rc = -1;

	dot = eq ? memrchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
	if (!dot || dot == assignment || dot + 1 == eq) {
		diags_add(d, NULL, 0, 0, "--set '%s': expected STEP.PARAM=VALUE", assignment);
		return -1;
	}
	id = xstrndup(assignment, (size_t)(dot - assignment));
	s = plan_find_step(p, id);
	if (!s) {
		msg = unknown_step(p, id);
		diags_add(d, NULL, 0, 0, "--set '%s': %s", assignment, msg);
		free(msg);
		goto out;
	}
	name = xstrndup(dot + 1, (size_t)(eq - dot - 1));
	rc = set_one(s, assignment, name, eq + 1, d);
out:
	free(name);
	free(id);
	return rc;
}

/* Marks in keep[] the steps named in csv; -1 after reporting each unknown id. */
static int mark_only(const struct plan *p, const char *csv, char *keep, struct diags *d)
{
	const char *c = csv, *end;
	struct plan_step *s;
	char *id, *msg;
	int rc = 0, named = 0;

	for (; *c; c = *end ? end + 1 : end) {
		end = strchrnul(c, ',');
		while (c < end && (*c == ' ' || *c == '\t'))
			c++;
		id = xstrndup(c, (size_t)(end - c));
		while (*id && strchr(" \t", id[strlen(id) - 1]))
			id[strlen(id) - 1] = '\0';
		if (*id) {
			named++;
			s = plan_find_step(p, id);
			if (s) {
				keep[s - p->steps] = 1;
			} else {
				msg = unknown_step(p, id);
				diags_add(d, NULL, 0, 0, "--only: %s", msg);
				free(msg);
				rc = -1;
			}
		}
		free(id);
	}
	if (!named) {
		diags_add(d, NULL, 0, 0, "--only '%s': no step ids given", csv);
		rc = -1;
	}
	return rc;
}

int plan_only(struct plan *p, const char *csv_ids, struct diags *d)
{
	char *keep = xcalloc(p->nsteps + 1, 1);
	size_t i, n = 0;
	int rc = -1;

	if (mark_only(p, csv_ids, keep, d))
		goto out;
	for (i = 0; i < p->nsteps; i++) {
		if (keep[i])
			p->steps[n++] = p->steps[i];
		else
			step_release(&p->steps[i]);
	}
	p->nsteps = n;
	rc = 0;
out:
	free(keep);
	return rc;
}
