/*
 * verdict.c - a baseline applied to a run's results; see verdict.h for the
 * contract and runner/RESULTS.md ("verdict") for the model it produces.
 *
 * Evaluation keeps one small record per check (struct verdict_check) that
 * points into the baseline and the results; ids, messages and texts are made
 * only when a check is shown (verdict_fields()), so a run with a million
 * checks costs a million records, not a million cJSON objects. A node's
 * metrics are read once, in the order they lie in memory, as it is indexed:
 * on 4,096 nodes × 8 GPUs × 48 metrics (831,488 checks) that took
 * verdict_compute() from 0.86 s to about 0.4 s and 45 MB (2-core VM).
 */
#include "verdict.h"
#include "exitcodes.h"
#include "quantity.h"
#include "stats.h"
#include "xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The runbooks the runner names by itself, without a baseline naming them:
 * tests lint that each exists in runbooks/ (one string literal a line between
 * the markers). metric-unstable is the runbook of a max_cv check that names
 * none (BASELINE_UNSTABLE_RUNBOOK).
 */
// clang-format off
/* runbooks-emitted-by-the-runner: begin */
static const char *const runner_runbooks[] = {
	"probe-crashed",
	"probe-timed-out",
	"probe-error",
	"probe-failed",
	"probe-skipped-unexpectedly",
	"requirement-unmet",
	"metric-missing",
	"metric-unstable",
	"node-lost",
};
/* runbooks-emitted-by-the-runner: end */
// clang-format on

enum runbook {
	RB_CRASHED,
	RB_TIMED_OUT,
	RB_ERROR,
	RB_FAILED,
	RB_SKIPPED_GPU,
	RB_REQUIREMENT,
	RB_MISSING,
	RB_UNSTABLE,
	RB_NODE_LOST
};

/* Why a check has its verdict: chooses its message and, for some, its runbook. */
enum why {
	W_VALUE,       /* compared */
	W_UNIT,	       /* the threshold's unit does not fit the metric's */
	W_NO_VALUE,    /* the metric has no finite value */
	W_FEW_SAMPLES, /* max_cv without two samples */
	W_NO_STEP,     /* no step of the node is the selector */
	W_NOT_RUN,
	W_INTERRUPTED,
	W_SKIPPED,
	W_SKIPPED_GPU,
	W_ERRORED,
	W_MISSING, /* the step ran without it */
	W_NO_INVENTORY,
	W_STEP_ERROR, /* runner checks */
	W_STEP_FAILED,
	W_REQ_UNMET,
	W_REQ_UNKNOWN,
	W_NODE_LOST,
};

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* ---- nodes and their index ---- */

struct nstep {
	const cJSON *j;	      /* the step; NULL for the inventory */
	const cJSON *metrics; /* its metrics array */
	const char *id, *probe, *status;
};

/* The members of a metric that checks read, found in one pass over its few keys. */
struct mparts {
	const cJSON *labels, *value, *stats, *samples;
	const char *name, *unit, *better;
};

struct mref {
	struct mparts p;
	const cJSON *m;
	uint32_t step;
	uint32_t next; /* 1 + the next ref in this bucket; 0: none */
};

/* What evaluating one node needs; the buffers are reused from node to node. */
struct ctx {
	struct verdict *v;
	uint32_t node;
	struct nstep *steps; /* the node's steps, then the inventory when there is one */
	size_t nsteps, nreal, steps_alloc;
	struct mref *refs;
	size_t nrefs, refs_alloc;
	uint32_t *heads;
	size_t nheads;
};

/*
 * A node: o holds its steps and requires; where holds its name (under
 * name_key), its inventory and the inventory's status.
 */
static void node_from(struct verdict_node *n, const cJSON *o, const cJSON *where, const char *name_key)
{
	const cJSON *inv = get(where, "inventory");

	n->host = str(where, name_key);
	if (!n->host)
		n->host = "unknown";
	n->steps = get(o, "steps");
	n->inventory = cJSON_IsObject(inv) ? inv : NULL;
	n->inventory_status = str(where, "inventory_status");
	n->requires = get(o, "requires");
	n->first_fail = SIZE_MAX;
}

/* A node of a multi-node run: its status (ok, unreachable, timeout, excluded) and why. */
static void node_state(struct verdict_node *n, const cJSON *o)
{
	n->node_status = str(o, "status");
	n->node_reason = str(o, "reason");
	n->lost = n->node_status && strcmp(n->node_status, "ok");
}

/*
 * Whether a top-level step of a multi-node run is a collective one: the
 * runner also lists each node-local step there (scope "nodes", a summary of
 * the nodes' own), which the nodes' checks already cover.
 */
static int collective_step(const cJSON *s)
{
	return !eq(str(s, "scope"), "nodes");
}

static int any_collective(const cJSON *steps)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, steps)
	{
		if (collective_step(s))
			return 1;
	}
	return 0;
}

/* Multi-node results have "nodes" (issue 11); single-node ones their steps at the top and a "host". */
static void find_nodes(struct verdict *v, const cJSON *results)
{
	const cJSON *nodes = get(results, "nodes"), *n;
	size_t i = 0;

	if (!cJSON_IsArray(nodes)) {
		v->nodes = xcalloc(1, sizeof(*v->nodes));
		v->nnodes = 1;
		node_from(&v->nodes[0], results, get(results, "host"), "hostname");
		return;
	}
	v->multi = 1;
	v->nnodes = (size_t)cJSON_GetArraySize(nodes);
	v->nodes = xcalloc(v->nnodes + 1, sizeof(*v->nodes));
	cJSON_ArrayForEach(n, nodes)
	{
		node_state(&v->nodes[i], n);
		node_from(&v->nodes[i++], n, n, "host");
	}
	/* the collective steps, run across all nodes at once, are one more node */
	if (any_collective(get(results, "steps"))) {
		node_from(&v->nodes[i], results, NULL, "host");
		v->nodes[i].host = VERDICT_CLUSTER_HOST;
		v->nodes[i].requires = NULL;
		v->nodes[i].collective = 1;
		v->nnodes++;
	}
}

static void add_step(struct ctx *c, const cJSON *j, const cJSON *metrics, const char *id, const char *probe,
		     const char *status)
{
	struct nstep *s;

	if (c->nsteps == c->steps_alloc) {
		c->steps_alloc = c->steps_alloc ? 2 * c->steps_alloc : 32;
		c->steps = xrealloc(c->steps, c->steps_alloc * sizeof(*c->steps));
	}
	s = &c->steps[c->nsteps++];
	s->j = j;
	s->metrics = metrics;
	s->id = id;
	s->probe = probe;
	s->status = status ? status : "pending";
}

static uint32_t hash(const char *name, uint32_t step)
{
	uint32_t h = 2166136261u ^ (step * 0x9e3779b1u);

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

/*
 * One pass over a metric's few keys. Done for every metric as the node is
 * indexed: the metrics of a node lie together in memory, so reading them in
 * order is much cheaper than coming back to each when a check wants it.
 */
static void metric_parts(const cJSON *m, struct mparts *p)
{
	const cJSON *x;

	memset(p, 0, sizeof(*p));
	for (x = m->child; x; x = x->next) {
		if (!x->string)
			continue;
		if (!strcmp(x->string, "name") && cJSON_IsString(x))
			p->name = x->valuestring;
		else if (!strcmp(x->string, "value"))
			p->value = x;
		else if (!strcmp(x->string, "labels"))
			p->labels = x;
		else if (!strcmp(x->string, "stats"))
			p->stats = x;
		else if (!strcmp(x->string, "samples"))
			p->samples = x;
		else if (!strcmp(x->string, "unit") && cJSON_IsString(x))
			p->unit = x->valuestring;
		else if (!strcmp(x->string, "better") && cJSON_IsString(x))
			p->better = x->valuestring;
	}
}

static void add_ref(struct ctx *c, const cJSON *m, uint32_t step)
{
	struct mref *r;

	if (c->nrefs == c->refs_alloc) {
		c->refs_alloc = c->refs_alloc ? 2 * c->refs_alloc : 256;
		c->refs = xrealloc(c->refs, c->refs_alloc * sizeof(*c->refs));
	}
	r = &c->refs[c->nrefs];
	metric_parts(m, &r->p);
	if (!r->p.name)
		return;
	r->m = m;
	r->step = step;
	c->nrefs++;
}

/* Hash every metric of the node by (step, name); chains keep the order the metrics were written in. */
static void build_index(struct ctx *c)
{
	size_t i, want = 16;
	const cJSON *m;

	c->nrefs = 0;
	for (i = 0; i < c->nsteps; i++) {
		cJSON_ArrayForEach(m, c->steps[i].metrics)
		{
			add_ref(c, m, (uint32_t)i);
		}
	}
	while (want < 2 * c->nrefs)
		want *= 2;
	if (want > c->nheads) {
		free(c->heads);
		c->heads = xmalloc(want * sizeof(*c->heads));
		c->nheads = want;
	}
	memset(c->heads, 0, c->nheads * sizeof(*c->heads));
	for (i = c->nrefs; i-- > 0;) {
		uint32_t h = hash(c->refs[i].p.name, c->refs[i].step) & (uint32_t)(c->nheads - 1);

		c->refs[i].next = c->heads[h];
		c->heads[h] = (uint32_t)i + 1;
	}
}

static void index_node(struct ctx *c, const struct verdict_node *n)
{
	const cJSON *s;

	c->nsteps = 0;
	cJSON_ArrayForEach(s, n->steps)
	{
		if (!n->collective || collective_step(s))
			add_step(c, s, get(s, "metrics"), str(s, "id"), str(s, "probe"), str(s, "status"));
	}
	c->nreal = c->nsteps;
	if (n->inventory)
		add_step(c, NULL, get(n->inventory, "metrics"), NULL, str(n->inventory, "probe"), "ok");
	build_index(c);
}

/* ---- records ---- */

static struct verdict_check *new_check(struct ctx *c, const struct baseline_check *bc, const cJSON *step,
				       const cJSON *item, int kind)
{
	struct verdict *v = c->v;
	struct verdict_check *k;

	if (v->nchecks == v->alloc) {
		v->alloc = v->alloc ? 2 * v->alloc : 64;
		v->checks = xrealloc(v->checks, v->alloc * sizeof(*v->checks));
	}
	k = &v->checks[v->nchecks++];
	k->bc = bc;
	k->step = step;
	k->item = item;
	k->value = k->cv = k->margin = NAN;
	k->node = c->node;
	k->kind = (uint8_t)kind;
	k->result = VERDICT_PASS;
	k->why = W_VALUE;
	return k;
}

static void set(struct verdict_check *k, enum verdict_result r, enum why w)
{
	k->result = (uint8_t)r;
	k->why = (uint8_t)w;
}

/* ---- the runner's own checks ---- */

static void requirement_checks(struct ctx *c, const cJSON *requires)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, get(requires, "checks"))
	{
		const cJSON *met = get(r, "met"), *found = get(r, "found");
		struct verdict_check *k;

		if (cJSON_IsTrue(met))
			continue;
		k = new_check(c, NULL, NULL, r, VERDICT_KIND_REQUIREMENT);
		if (cJSON_IsNumber(found))
			k->value = found->valuedouble;
		if (cJSON_IsFalse(met))
			set(k, VERDICT_FAIL, W_REQ_UNMET);
		else
			set(k, VERDICT_ERROR, W_REQ_UNKNOWN);
	}
}

/* A node lost from the run (unreachable, timeout, excluded) is one failed check. */
static void node_check(struct ctx *c, const struct verdict_node *n)
{
	if (n->lost)
		set(new_check(c, NULL, NULL, NULL, VERDICT_KIND_NODE), VERDICT_FAIL, W_NODE_LOST);
}

static void step_checks(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nreal; i++) {
		const struct nstep *s = &c->steps[i];

		if (!strcmp(s->status, "error"))
			set(new_check(c, NULL, s->j, NULL, VERDICT_KIND_STEP), VERDICT_ERROR, W_STEP_ERROR);
		else if (!strcmp(s->status, "failed"))
			set(new_check(c, NULL, s->j, NULL, VERDICT_KIND_STEP), VERDICT_FAIL, W_STEP_FAILED);
	}
}

/* ---- a metric against a threshold ---- */

static int labels_match(const struct baseline_check *bc, const cJSON *labels)
{
	size_t i;

	for (i = 0; i < bc->nlabels; i++) {
		const char *have = str(labels, bc->labels[i].name);

		if (!have || (strcmp(bc->labels[i].value, "*") && strcmp(have, bc->labels[i].value)))
			return 0;
	}
	return 1;
}

/* The cv of samples without stats (an inventory document has none); NAN with fewer than two. */
static double samples_cv(const cJSON *samples)
{
	size_t i = 0, n = (size_t)cJSON_GetArraySize(samples);
	const cJSON *x;
	struct stats s;
	double *v;

	if (n < 2)
		return NAN;
	v = xcalloc(n, sizeof(*v));
	cJSON_ArrayForEach(x, samples)
	{
		v[i++] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
	}
	if (stats_compute(v, i, &s))
		s.cv = NAN;
	free(v);
	return s.cv;
}

/* stats.cv when there are at least two samples, else NAN. */
static double metric_cv(const struct mparts *p)
{
	const cJSON *x, *n = NULL, *cv = NULL;

	if (!p->stats)
		return samples_cv(p->samples);
	for (x = p->stats->child; x; x = x->next) {
		if (x->string && !strcmp(x->string, "n"))
			n = x;
		else if (x->string && !strcmp(x->string, "cv"))
			cv = x;
	}
	if (!cJSON_IsNumber(n) || !cJSON_IsNumber(cv))
		return samples_cv(p->samples);
	return n->valuedouble >= 2 ? cv->valuedouble : NAN;
}

/*
 * (good side − bad side) as a fraction of the threshold, to 6 decimal places
 * (a millionth is finer than any measurement here, and the text stays short);
 * NAN for a threshold of 0.
 */
static double rel(double d, double threshold)
{
	double m = threshold != 0 ? d / fabs(threshold) : NAN;

	return isfinite(m) && fabs(m) < 1e9 ? (double)llround(m * 1e6) / 1e6 : m;
}

static void judge(struct verdict_check *k, const struct baseline_check *bc)
{
	double v = k->value, a, b;
	int ok = 0;

	switch (bc->kind) {
	case BASELINE_MIN:
		ok = v >= bc->min;
		k->margin = rel(v - bc->min, bc->min);
		break;
	case BASELINE_MAX:
		ok = v <= bc->max;
		k->margin = rel(bc->max - v, bc->max);
		break;
	case BASELINE_RANGE:
		ok = v >= bc->min && v <= bc->max;
		a = rel(v - bc->min, bc->min);
		b = rel(bc->max - v, bc->max);
		k->margin = isnan(a) ? b : isnan(b) ? a : fmin(a, b);
		break;
	case BASELINE_EQUALS:
		ok = fabs(v - bc->equals) <= 1e-9 * fmax(1, fabs(bc->equals));
		break;
	case BASELINE_MAX_CV:
		ok = k->cv <= bc->max_cv;
		k->margin = rel(bc->max_cv - k->cv, bc->max_cv);
		break;
	}
	set(k, ok ? VERDICT_PASS : bc->severity == BASELINE_WARNING ? VERDICT_WARN : VERDICT_FAIL, W_VALUE);
}

static void eval_metric(struct ctx *c, const struct baseline_check *bc, const struct nstep *s, const cJSON *m,
			const struct mparts *p)
{
	struct verdict_check *k = new_check(c, bc, s->j, m, bc->kind);

	k->cv = metric_cv(p);
	if (!cJSON_IsNumber(p->value) || !isfinite(p->value->valuedouble)) {
		set(k, VERDICT_ERROR, W_NO_VALUE);
		return;
	}
	k->value = p->value->valuedouble;
	if (bc->kind != BASELINE_MAX_CV && bc->unit && p->unit && strcmp(bc->unit, p->unit))
		set(k, VERDICT_ERROR, W_UNIT);
	else if (bc->kind == BASELINE_MAX_CV && isnan(k->cv))
		set(k, VERDICT_SKIPPED, W_FEW_SAMPLES);
	else
		judge(k, bc);
}

/* Every metric of step si that the check selects; returns how many. */
static size_t eval_step(struct ctx *c, const struct baseline_check *bc, uint32_t si)
{
	uint32_t r = c->heads[hash(bc->metric, si) & (uint32_t)(c->nheads - 1)];
	size_t n = 0;

	for (; r; r = c->refs[r - 1].next) {
		const struct mref *ref = &c->refs[r - 1];

		if (ref->step != si || strcmp(ref->p.name, bc->metric) || !labels_match(bc, ref->p.labels))
			continue;
		eval_metric(c, bc, &c->steps[si], ref->m, &ref->p);
		n++;
	}
	return n;
}

/* ---- a metric that is absent ---- */

static int in_list(char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (eq(list[i], s))
			return 1;
	return 0;
}

/* The step's `target` parameter as its probe reported it, or NULL. */
static const char *step_target(const cJSON *step)
{
	const cJSON *at;
	const char *t;

	cJSON_ArrayForEach(at, get(step, "attempts"))
	{
		if ((t = str(get(get(at, "result"), "params"), "target")))
			return t;
	}
	return NULL;
}

static int gpu_step(const struct baseline *b, const struct nstep *s)
{
	if (!b || b->node_gpus <= 0 || !s->j)
		return 0;
	if (b->gpu_probes && !in_list(b->gpu_probes, b->ngpu_probes, s->probe))
		return 0;
	return !eq(step_target(s->j), "cpu");
}

/* How bad a step's not reporting a metric is, worst highest; the verdict it gives in *why. */
static int absent_rank(const struct baseline *b, const struct nstep *s, enum why *why)
{
	static const struct {
		const char *status;
		enum why why;
		int rank;
	} table[] = {
		{ "ok", W_MISSING, 0 },	     { "failed", W_MISSING, 0 }, { "interrupted", W_INTERRUPTED, 2 },
		{ "skipped", W_SKIPPED, 3 }, { "error", W_ERRORED, 4 },	 { NULL, W_NOT_RUN, 1 },
	};
	size_t i;

	for (i = 0; table[i].status && strcmp(table[i].status, s->status); i++)
		;
	*why = table[i].why;
	if (*why == W_SKIPPED && gpu_step(b, s)) {
		*why = W_SKIPPED_GPU;
		return 5;
	}
	return table[i].rank;
}

static void absent(struct ctx *c, const struct baseline_check *bc, const cJSON *step, enum why why)
{
	static const enum verdict_result result[] = {
		[W_NO_STEP] = VERDICT_SKIPPED, [W_NOT_RUN] = VERDICT_SKIPPED,	 [W_INTERRUPTED] = VERDICT_SKIPPED,
		[W_SKIPPED] = VERDICT_SKIPPED, [W_SKIPPED_GPU] = VERDICT_FAIL,	 [W_ERRORED] = VERDICT_ERROR,
		[W_MISSING] = VERDICT_FAIL,    [W_NO_INVENTORY] = VERDICT_ERROR,
	};

	set(new_check(c, bc, step, NULL, bc->kind), result[why], why);
}

static int selects(const struct baseline_check *bc, const struct nstep *s)
{
	return eq(s->id, bc->selector) || eq(s->probe, bc->selector);
}

/* Whether a step of the node is what the selector names. */
static int node_runs(const struct ctx *c, const struct baseline_check *bc)
{
	size_t i;

	for (i = 0; i < c->nreal; i++)
		if (selects(bc, &c->steps[i]))
			return 1;
	return 0;
}

static void eval_check(struct ctx *c, const struct baseline_check *bc)
{
	size_t i, matched = 0, found = 0, n, cause = 0;
	enum why why = W_NO_STEP, w = W_NO_STEP;
	int worst = -1, rank;

	for (i = 0; i < c->nsteps; i++) {
		/* the inventory stands in only for a probe no step runs */
		if (!selects(bc, &c->steps[i]) || (i == c->nreal && matched))
			continue;
		matched++;
		n = eval_step(c, bc, (uint32_t)i);
		found += n;
		rank = n ? -1 : absent_rank(c->v->b, &c->steps[i], &w);
		if (rank > worst) {
			worst = rank;
			why = w;
			cause = i;
		}
	}
	if (!matched && c->nsteps == c->nreal && !strcmp(bc->selector, BASELINE_INVENTORY_PROBE))
		why = W_NO_INVENTORY;
	if (!found)
		absent(c, bc, matched ? c->steps[cause].j : NULL, why);
}

/* ---- texts ---- */

/* Append s to buf (of len, holding *n characters), truncating. */
static void append(char *buf, size_t len, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + k >= len)
		k = *n + 1 < len ? len - *n - 1 : 0;
	memcpy(buf + *n, s, k);
	*n += k;
	buf[*n] = '\0';
}

static void append_label(char *buf, size_t len, size_t *n, const char *name, const char *value)
{
	append(buf, len, n, *n ? "," : "{");
	append(buf, len, n, name);
	append(buf, len, n, "=");
	append(buf, len, n, value);
}

/* "{gpu=0,numa=1}" from a labels object or a check's filter; "" when there are none. */
static const char *labels_text(const cJSON *labels, const struct baseline_check *filter, char *buf, size_t len)
{
	const cJSON *l;
	size_t n = 0, i;

	buf[0] = '\0';
	if (filter)
		for (i = 0; i < filter->nlabels; i++)
			append_label(buf, len, &n, filter->labels[i].name, filter->labels[i].value);
	else
		cJSON_ArrayForEach(l, labels)
		{
			append_label(buf, len, &n, l->string, cJSON_IsString(l) ? l->valuestring : "?");
		}
	if (n)
		append(buf, len, &n, "}");
	return buf;
}

static const char *fmt(double v, const char *unit, char *buf, size_t len)
{
	return quantity_format(v, unit, buf, len);
}

/* The bounds of a check as its messages show them, in unit: "2.90 TB/s", "20 °C to 85 °C", "3 %". */
static const char *bound_text(const struct baseline_check *bc, const char *unit, char *buf, size_t len)
{
	char a[64], b[64];

	switch (bc->kind) {
	case BASELINE_RANGE:
		snprintf(buf, len, "%s to %s", fmt(bc->min, unit, a, sizeof(a)), fmt(bc->max, unit, b, sizeof(b)));
		break;
	case BASELINE_MAX_CV:
		fmt(bc->max_cv, "ratio", buf, len);
		break;
	case BASELINE_MIN:
		fmt(bc->min, unit, buf, len);
		break;
	case BASELINE_MAX:
		fmt(bc->max, unit, buf, len);
		break;
	case BASELINE_EQUALS:
		fmt(bc->equals, unit, buf, len);
		break;
	}
	return buf;
}

static void make_bounds(struct verdict *v)
{
	char buf[160];
	size_t i;

	v->bounds = xcalloc(v->b->nchecks + 1, sizeof(*v->bounds));
	for (i = 0; i < v->b->nchecks; i++)
		v->bounds[i] = xstrdup(bound_text(&v->b->checks[i], v->b->checks[i].unit, buf, sizeof(buf)));
}

/* A unitless bound is shown in the metric's unit (counts look the same either way). */
static int own_unit(const struct baseline_check *bc, const char *unit)
{
	return bc->unit || !unit || !strcmp(unit, "count");
}

/* ---- roll-up ---- */

static enum verdict_status roll_up(const size_t *counts, int unfinished)
{
	if (counts[VERDICT_FAIL])
		return VERDICT_NOT_READY;
	if (counts[VERDICT_ERROR] || unfinished)
		return VERDICT_INCOMPLETE;
	if (counts[VERDICT_WARN])
		return VERDICT_READY_WITH_WARNINGS;
	return VERDICT_READY;
}

static void count(struct verdict *v)
{
	size_t i;

	for (i = 0; i < v->nchecks; i++) {
		struct verdict_node *n = &v->nodes[v->checks[i].node];

		if (v->checks[i].result == VERDICT_FAIL && n->first_fail == SIZE_MAX)
			n->first_fail = i;
		n->counts[v->checks[i].result]++;
		v->counts[v->checks[i].result]++;
	}
	for (i = 0; i < v->nnodes; i++)
		v->nodes[i].status = roll_up(v->nodes[i].counts, v->run_unfinished);
	v->status = roll_up(v->counts, v->run_unfinished);
}

/* After the first node: room for as many checks on every node, so the array is not copied as it grows. */
static void presize(struct verdict *v)
{
	size_t want = v->nchecks * v->nnodes + 64;

	if (want > v->alloc && want / v->nnodes >= v->nchecks) {
		v->alloc = want;
		v->checks = xrealloc(v->checks, v->alloc * sizeof(*v->checks));
	}
}

/*
 * For each baseline check, whether the collective node runs what it selects
 * (NULL when there is no collective node). c's buffers are used to index it.
 */
static unsigned char *collective_selectors(struct verdict *v, struct ctx *c)
{
	unsigned char *sel;
	size_t k;

	if (!v->b || !v->nnodes || !v->nodes[v->nnodes - 1].collective)
		return NULL;
	sel = xcalloc(v->b->nchecks + 1, 1);
	index_node(c, &v->nodes[v->nnodes - 1]);
	for (k = 0; k < v->b->nchecks; k++)
		sel[k] = (unsigned char)node_runs(c, &v->b->checks[k]);
	return sel;
}

/*
 * Checks that do not apply to a node: on the collective node, every check
 * whose selector none of its steps runs; on a node, a check that only a
 * collective step runs (it is judged once, on the collective node).
 */
static int skip_check(const struct ctx *c, const struct verdict_node *n, const struct baseline_check *bc,
		      int collective)
{
	if (n->collective)
		return !node_runs(c, bc);
	return collective && !node_runs(c, bc);
}

/* The result document of the node's audit step (the last attempt that has one), or NULL. */
static const cJSON *audit_result(const struct ctx *c)
{
	const cJSON *at, *res, *found = NULL;
	size_t i;

	for (i = 0; i < c->nreal; i++) {
		if (!eq(c->steps[i].probe, VERDICT_AUDIT_PROBE))
			continue;
		cJSON_ArrayForEach(at, get(c->steps[i].j, "attempts"))
		{
			if (cJSON_IsObject(res = get(at, "result")))
				found = res;
		}
		if (found)
			return found;
	}
	return NULL;
}

/* The node's metrics into the outlier series, its versions into the drift (multi-node runs). */
static void fleet_add(struct ctx *c, const struct verdict_node *n)
{
	size_t i;

	if (n->collective || n->lost)
		return;
	for (i = 0; i < c->nrefs; i++) {
		const struct mref *r = &c->refs[i];
		const struct nstep *s = &c->steps[r->step];

		if (r->step >= c->nreal || !cJSON_IsNumber(r->p.value))
			continue;
		outlier_add(&c->v->outliers, c->node, s->id, s->probe, r->p.name, r->p.unit, r->p.better, r->p.labels,
			    r->p.value->valuedouble);
	}
	drift_add_node(&c->v->drift, c->node, n->inventory, audit_result(c));
}

int verdict_compute(struct verdict *v, const struct baseline *b, const cJSON *results, const char *selected_by)
{
	unsigned char *collective;
	struct ctx c;
	size_t i;

	memset(v, 0, sizeof(*v));
	memset(&c, 0, sizeof(c));
	outlier_init(&v->outliers);
	drift_init(&v->drift);
	v->b = b;
	v->selected_by = selected_by ? selected_by : "none";
	if (!cJSON_IsObject(results))
		return -1;
	v->run_unfinished = !eq(str(get(results, "run"), "status"), "complete");
	find_nodes(v, results);
	if (b)
		make_bounds(v);
	c.v = v;
	collective = collective_selectors(v, &c);
	for (i = 0; i < v->nnodes; i++) {
		c.node = (uint32_t)i;
		index_node(&c, &v->nodes[i]);
		node_check(&c, &v->nodes[i]);
		requirement_checks(&c, v->nodes[i].requires);
		step_checks(&c);
		for (size_t k = 0; b && k < b->nchecks && !v->nodes[i].lost; k++)
			if (!skip_check(&c, &v->nodes[i], &b->checks[k], collective && collective[k]))
				eval_check(&c, &b->checks[k]);
		if (v->multi)
			fleet_add(&c, &v->nodes[i]);
		if (i == 0)
			presize(v);
	}
	if (v->multi) {
		outlier_finish(&v->outliers);
		drift_finish(&v->drift);
	}
	count(v);
	free(collective);
	free(c.steps);
	free(c.refs);
	free(c.heads);
	return 0;
}

void verdict_release(struct verdict *v)
{
	size_t i;

	for (i = 0; v->bounds && i < v->b->nchecks; i++)
		free(v->bounds[i]);
	free(v->bounds);
	free(v->nodes);
	free(v->checks);
	outlier_release(&v->outliers);
	drift_release(&v->drift);
	memset(v, 0, sizeof(*v));
}

/* ---- one check for people ---- */

static const char *step_error_runbook(const char *reason)
{
	if (reason && strstr(reason, "timed out"))
		return runner_runbooks[RB_TIMED_OUT];
	if (reason && (!strncmp(reason, "probe crashed", 13) || strstr(reason, "killed by signal")))
		return runner_runbooks[RB_CRASHED];
	return runner_runbooks[RB_ERROR];
}

static const char *runbook_of(const struct verdict *v, const struct verdict_check *k)
{
	switch (k->why) {
	case W_SKIPPED_GPU:
		return runner_runbooks[RB_SKIPPED_GPU];
	case W_MISSING:
		return runner_runbooks[RB_MISSING];
	case W_ERRORED:
	case W_STEP_ERROR:
		return step_error_runbook(str(k->step, "reason"));
	case W_NO_INVENTORY:
		return step_error_runbook(v->nodes[k->node].inventory_status);
	case W_STEP_FAILED:
		return runner_runbooks[RB_FAILED];
	case W_REQ_UNMET:
	case W_REQ_UNKNOWN:
		return runner_runbooks[RB_REQUIREMENT];
	case W_NODE_LOST:
		return runner_runbooks[RB_NODE_LOST];
	default:
		return k->bc->runbook;
	}
}

/* "triad{gpu=0} 3.01 TB/s >= 2.90 TB/s" */
static void value_message(const struct verdict *v, const struct verdict_check *k, const char *lab, const char *unit,
			  struct verdict_fields *f)
{
	static const char *const ops[][2] = {
		{ "<", ">=" }, { ">", "<=" }, { "outside", "within" }, { "!=", "==" }, { ">", "<=" }
	};
	const struct baseline_check *bc = k->bc;
	const char *op = ops[bc->kind][k->result == VERDICT_PASS];
	const char *bound = own_unit(bc, unit) ? v->bounds[bc - v->b->checks] : NULL;
	char b[160], cv[64];

	if (!bound)
		bound = bound_text(bc, unit, b, sizeof(b));
	if (bc->kind == BASELINE_MAX_CV)
		snprintf(f->message, sizeof(f->message), "%s%s cv %s %s %s", bc->metric, lab,
			 fmt(k->cv, "ratio", cv, sizeof(cv)), op, bound);
	else
		snprintf(f->message, sizeof(f->message), "%s%s %s %s %s", bc->metric, lab, f->value_text, op, bound);
}

/* ": reason" when there is one. */
static const char *colon(const char *reason)
{
	return reason ? ": " : "";
}

static void absent_message(const struct verdict *v, const struct verdict_check *k, const char *lab,
			   struct verdict_fields *f)
{
	const char *id = str(k->step, "id"), *reason = str(k->step, "reason"), *r = reason ? reason : "";
	const char *inv = v->nodes[k->node].inventory_status;
	char *m = f->message;
	size_t len = sizeof(f->message);

	switch (k->why) {
	case W_NO_STEP:
		snprintf(m, len, "no step of this run runs '%s'", k->bc->selector);
		break;
	case W_NOT_RUN:
		snprintf(m, len, "step '%s' did not run%s%s", id, colon(reason), r);
		break;
	case W_INTERRUPTED:
		snprintf(m, len, "step '%s' was interrupted", id);
		break;
	case W_SKIPPED:
		snprintf(m, len, "step '%s' was skipped%s%s", id, colon(reason), r);
		break;
	case W_SKIPPED_GPU:
		snprintf(m, len, "step '%s' was skipped on a node that should have %lld GPUs%s%s", id, v->b->node_gpus,
			 colon(reason), r);
		break;
	case W_ERRORED:
		snprintf(m, len, "step '%s' errored%s%s", id, colon(reason), r);
		break;
	case W_MISSING:
		if (id)
			snprintf(m, len, "step '%s' ran but reported no metric '%s%s'", id, k->bc->metric, lab);
		else
			snprintf(m, len, "the inventory has no metric '%s%s'", k->bc->metric, lab);
		break;
	case W_NO_INVENTORY:
		snprintf(m, len, "the inventory is missing%s%s", colon(inv), inv ? inv : "");
		break;
	}
}

static void metric_message(const struct verdict *v, const struct verdict_check *k, const char *lab, const char *unit,
			   struct verdict_fields *f)
{
	const struct baseline_check *bc = k->bc;

	if (k->why == W_VALUE)
		value_message(v, k, lab, unit, f);
	else if (k->why == W_UNIT)
		snprintf(f->message, sizeof(f->message), "'%s' does not fit metric '%s' (unit %s)", bc->unit_text,
			 bc->target, unit);
	else if (k->why == W_NO_VALUE)
		snprintf(f->message, sizeof(f->message), "metric '%s%s' has no numeric value", bc->metric, lab);
	else
		snprintf(f->message, sizeof(f->message), "'%s%s' has fewer than two samples: no cv to check",
			 bc->metric, lab);
}

/* The probe a baseline check looked at: its step's, the inventory's, or none (no step ran it). */
static const char *check_probe(const struct verdict *v, const struct verdict_check *k)
{
	if (k->step)
		return str(k->step, "probe");
	if (k->item || k->why == W_MISSING)
		return str(v->nodes[k->node].inventory, "probe");
	return k->why == W_NO_INVENTORY ? BASELINE_INVENTORY_PROBE : NULL;
}

/* "hbm.triad{gpu=0}:min" */
static void check_id(const struct baseline_check *bc, const char *step, const char *lab, char *id, size_t size)
{
	size_t len = 0;

	id[0] = '\0';
	append(id, size, &len, step ? step : bc->selector);
	append(id, size, &len, ".");
	append(id, size, &len, bc->metric);
	append(id, size, &len, lab);
	append(id, size, &len, bc->id_suffix);
}

static void baseline_fields(const struct verdict *v, const struct verdict_check *k, struct verdict_fields *f)
{
	const struct baseline_check *bc = k->bc;
	const char *unit = k->item ? str(k->item, "unit") : bc->unit;
	char lab[256];

	f->step = str(k->step, "id");
	f->probe = check_probe(v, k);
	f->area = f->probe ? f->probe : bc->selector;
	f->metric = bc->metric;
	f->labels = k->item ? get(k->item, "labels") : NULL;
	f->filter = k->item ? NULL : bc;
	f->min = bc->min;
	f->max = bc->max;
	f->equals = bc->equals;
	f->max_cv = bc->max_cv;
	if (!own_unit(bc, unit))
		baseline_threshold_text(bc, unit, f->threshold_text, sizeof(f->threshold_text));
	else
		snprintf(f->threshold_text, sizeof(f->threshold_text), "%s", bc->threshold_text);
	f->unit = unit;
	f->severity = bc->severity == BASELINE_WARNING ? "warning" : "critical";
	f->source = bc->source;
	labels_text(f->labels, f->filter, lab, sizeof(lab));
	check_id(bc, f->step, lab, f->id, sizeof(f->id));
	if (!isnan(k->value))
		fmt(k->value, unit, f->value_text, sizeof(f->value_text));
	if (k->item)
		metric_message(v, k, lab, unit, f);
	else
		absent_message(v, k, lab, f);
}

static void step_fields(const struct verdict_check *k, struct verdict_fields *f)
{
	const char *reason = str(k->step, "reason");

	f->step = str(k->step, "id");
	f->probe = str(k->step, "probe");
	f->area = f->probe ? f->probe : "";
	snprintf(f->id, sizeof(f->id), "%s:step", f->step ? f->step : "?");
	snprintf(f->message, sizeof(f->message), "step '%s' (%s) %s%s%s", f->step ? f->step : "?",
		 f->probe ? f->probe : "?", k->why == W_STEP_ERROR ? "errored" : "failed", colon(reason),
		 reason ? reason : "");
}

/* The unit of an inventory metric (requirements name one), or NULL. */
static const char *inventory_unit(const cJSON *inv, const char *metric)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, get(inv, "metrics"))
	{
		if (eq(str(m, "name"), metric))
			return str(m, "unit");
	}
	return NULL;
}

static void requirement_fields(const struct verdict *v, const struct verdict_check *k, struct verdict_fields *f)
{
	const cJSON *req = get(k->item, "required");
	const char *name = str(k->item, "name");
	char a[64] = "?";

	f->area = "requires";
	f->probe = BASELINE_INVENTORY_PROBE;
	f->metric = str(k->item, "metric");
	f->unit = inventory_unit(v->nodes[k->node].inventory, f->metric);
	f->min = cJSON_IsNumber(req) ? req->valuedouble : NAN;
	snprintf(f->id, sizeof(f->id), "requires.%s:requirement", name ? name : "?");
	if (!isnan(f->min))
		snprintf(f->threshold_text, sizeof(f->threshold_text), ">= %s", fmt(f->min, f->unit, a, sizeof(a)));
	if (!isnan(k->value))
		fmt(k->value, f->unit, f->value_text, sizeof(f->value_text));
	if (k->why == W_REQ_UNMET)
		snprintf(f->message, sizeof(f->message), "requirement '%s' not met: %s required, %s found",
			 name ? name : "?", a, f->value_text[0] ? f->value_text : "nothing");
	else
		snprintf(f->message, sizeof(f->message),
			 "requirement '%s' could not be checked: the inventory is missing", name ? name : "?");
}

static void node_fields(const struct verdict *v, const struct verdict_check *k, struct verdict_fields *f)
{
	const struct verdict_node *n = &v->nodes[k->node];

	f->area = "node";
	snprintf(f->id, sizeof(f->id), "node:%s", n->node_status);
	snprintf(f->message, sizeof(f->message), "node '%s' %s%s%s", n->host, n->node_status, colon(n->node_reason),
		 n->node_reason ? n->node_reason : "");
}

const char *verdict_check_key(const struct verdict *v, size_t i, char *buf, size_t len, const char **area,
			      const char **step)
{
	const struct verdict_check *k = &v->checks[i];
	const struct verdict_node *n = &v->nodes[k->node];
	char lab[256];

	*step = str(k->step, "id");
	if (k->kind == VERDICT_KIND_NODE) {
		*area = "node";
		snprintf(buf, len, "node:%s", n->node_status);
	} else if (k->kind == VERDICT_KIND_STEP) {
		*area = str(k->step, "probe") ? str(k->step, "probe") : "";
		snprintf(buf, len, "%s:step", *step ? *step : "?");
	} else if (k->kind == VERDICT_KIND_REQUIREMENT) {
		*area = "requires";
		snprintf(buf, len, "requires.%s:requirement", str(k->item, "name") ? str(k->item, "name") : "?");
	} else {
		*area = check_probe(v, k) ? check_probe(v, k) : k->bc->selector;
		labels_text(k->item ? get(k->item, "labels") : NULL, k->item ? NULL : k->bc, lab, sizeof(lab));
		check_id(k->bc, *step, lab, buf, len);
	}
	return buf;
}

/* Not a memset: the buffers are large and a big run shows a million checks. */
static void fields_reset(struct verdict_fields *f)
{
	f->id[0] = f->threshold_text[0] = f->value_text[0] = f->message[0] = '\0';
	f->area = f->host = f->step = f->probe = f->metric = f->kind = NULL;
	f->verdict = f->severity = f->runbook = f->unit = f->source = NULL;
	f->labels = NULL;
	f->filter = NULL;
	f->labels_null = 0;
}

void verdict_fields(const struct verdict *v, size_t i, struct verdict_fields *f)
{
	static const char *const kinds[] = { "min", "max", "range", "equals", "max_cv", "step", "requirement", "node" };
	const struct verdict_check *k = &v->checks[i];

	fields_reset(f);
	f->host = v->nodes[k->node].host;
	f->kind = kinds[k->kind];
	f->min = f->max = f->equals = f->max_cv = NAN;
	f->value = k->value;
	f->cv = k->cv;
	f->margin = k->margin;
	f->verdict = verdict_result_name((enum verdict_result)k->result);
	f->severity = "critical";
	f->runbook = runbook_of(v, k);
	f->labels_null = !k->bc;
	if (k->bc)
		baseline_fields(v, k, f);
	else if (k->kind == VERDICT_KIND_STEP)
		step_fields(k, f);
	else if (k->kind == VERDICT_KIND_NODE)
		node_fields(v, k, f);
	else
		requirement_fields(v, k, f);
}

/* ---- JSON ---- */

/*
 * Member names are string literals: added without a copy (a million checks ×
 * 23 members was 23 million key copies).
 */
static void e_str(cJSON *o, const char *k, const char *s)
{
	cJSON_AddItemToObjectCS(o, k, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void e_num(cJSON *o, const char *k, double d)
{
	cJSON_AddItemToObjectCS(o, k, isfinite(d) ? cJSON_CreateNumber(d) : cJSON_CreateNull());
}

static void e_labels(cJSON *o, const struct verdict_fields *f)
{
	const cJSON *l;
	cJSON *sub;
	size_t i;

	if (f->labels_null) {
		e_str(o, "labels", NULL);
		return;
	}
	sub = cJSON_CreateObject();
	cJSON_AddItemToObjectCS(o, "labels", sub);
	if (f->filter)
		for (i = 0; i < f->filter->nlabels; i++)
			cJSON_AddStringToObject(sub, f->filter->labels[i].name, f->filter->labels[i].value);
	else
		cJSON_ArrayForEach(l, f->labels)
		{
			cJSON_AddItemToObject(sub, l->string,
					      cJSON_IsString(l) ? cJSON_CreateString(l->valuestring)
								: cJSON_CreateNull());
		}
}

static const char *or_null(const char *buf)
{
	return *buf ? buf : NULL;
}

static void emit_check(cJSON *e, const struct verdict_fields *f)
{
	e_str(e, "id", f->id);
	e_str(e, "area", f->area);
	e_str(e, "host", f->host);
	e_str(e, "step", f->step);
	e_str(e, "probe", f->probe);
	e_str(e, "metric", f->metric);
	e_labels(e, f);
	e_str(e, "kind", f->kind);
	e_num(e, "min", f->min);
	e_num(e, "max", f->max);
	e_num(e, "equals", f->equals);
	e_num(e, "max_cv", f->max_cv);
	e_str(e, "threshold_text", or_null(f->threshold_text));
	e_num(e, "value", f->value);
	e_num(e, "cv", f->cv);
	e_str(e, "unit", f->unit);
	e_str(e, "value_text", or_null(f->value_text));
	e_num(e, "margin", f->margin);
	e_str(e, "verdict", f->verdict);
	e_str(e, "severity", f->severity);
	e_str(e, "runbook", f->runbook);
	e_str(e, "message", f->message);
	e_str(e, "source", f->source);
}

static cJSON *counts_json(const size_t *counts)
{
	cJSON *o = cJSON_CreateObject();
	int r;

	for (r = 0; r < VERDICT_NRESULTS; r++)
		cJSON_AddNumberToObject(o, verdict_result_name((enum verdict_result)r), (double)counts[r]);
	return o;
}

/* ---- the fleet: nodes not ready, outliers, series, drift (multi-node runs) ---- */

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void node_extra(cJSON *o, const struct verdict_node *n)
{
	cJSON_AddBoolToObject(o, "collective", n->collective);
	cJSON_AddItemToObject(o, "node_status", str_or_null(n->collective ? NULL : n->node_status));
	cJSON_AddItemToObject(o, "reason", str_or_null(n->node_reason));
}

/* Why a node is NOT READY: lost ("unreachable: ..."), or its failed checks and the first one's message. */
static cJSON *not_ready_json(const struct verdict *v, const struct verdict_node *n, struct verdict_fields *f)
{
	cJSON *o = cJSON_CreateObject();
	char *why;

	cJSON_AddStringToObject(o, "host", n->host);
	if (n->lost) {
		why = xasprintf("%s%s%s", n->node_status, colon(n->node_reason), n->node_reason ? n->node_reason : "");
	} else {
		verdict_fields(v, n->first_fail, f);
		why = xasprintf("%zu failed check%s, first %s: %s", n->counts[VERDICT_FAIL],
				n->counts[VERDICT_FAIL] == 1 ? "" : "s", f->id, f->message);
	}
	cJSON_AddStringToObject(o, "reason", why);
	free(why);
	return o;
}

/* The series' labels as an object (a copy), {} when it has none. */
static cJSON *labels_copy(const cJSON *labels)
{
	return cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject();
}

/* z to two decimal places: finer than any judgement made with it. */
static double round2(double z)
{
	return isfinite(z) ? (double)llround(z * 100) / 100 : z;
}

static void outlier_message(const struct outlier_series *se, const struct outlier_flag *fl, char *buf, size_t len)
{
	char lab[256], a[64], b[64];
	double rel = se->fit.median != 0 ? fabs(fl->value - se->fit.median) / fabs(se->fit.median) : NAN;

	labels_text(se->labels, NULL, lab, sizeof(lab));
	snprintf(buf, len, "%s%s %s is %.1f %% %s the median %s of %zu nodes (z = %.1f)", se->metric, lab,
		 fmt(fl->value, se->unit, a, sizeof(a)), rel * 100, fl->value < se->fit.median ? "below" : "above",
		 fmt(se->fit.median, se->unit, b, sizeof(b)), se->fit.n, fl->z);
}

static cJSON *outlier_json(const struct verdict *v, const struct outlier_flag *fl)
{
	const struct outlier_series *se = &v->outliers.series[fl->series];
	cJSON *o = cJSON_CreateObject();
	char lab[256], msg[512], *id;

	labels_text(se->labels, NULL, lab, sizeof(lab));
	id = xasprintf("%s.%s%s", se->step, se->metric, lab);
	outlier_message(se, fl, msg, sizeof(msg));
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "host", v->nodes[fl->node].host);
	cJSON_AddStringToObject(o, "step", se->step);
	cJSON_AddStringToObject(o, "metric", se->metric);
	cJSON_AddItemToObject(o, "labels", labels_copy(se->labels));
	cJSON_AddItemToObject(o, "unit", str_or_null(se->unit));
	cJSON_AddStringToObject(o, "better", se->lower_better ? "lower" : "higher");
	cJSON_AddNumberToObject(o, "value", fl->value);
	cJSON_AddNumberToObject(o, "median", se->fit.median);
	cJSON_AddNumberToObject(o, "mad", se->fit.mad);
	cJSON_AddNumberToObject(o, "z", round2(fl->z));
	cJSON_AddNumberToObject(o, "nodes", (double)se->fit.n);
	cJSON_AddStringToObject(o, "message", msg);
	free(id);
	return o;
}

static cJSON *series_json(const struct outlier_series *se)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "step", se->step);
	cJSON_AddStringToObject(o, "metric", se->metric);
	cJSON_AddItemToObject(o, "labels", labels_copy(se->labels));
	cJSON_AddItemToObject(o, "unit", str_or_null(se->unit));
	cJSON_AddStringToObject(o, "better", se->lower_better ? "lower" : "higher");
	cJSON_AddNumberToObject(o, "nodes", (double)se->fit.n);
	cJSON_AddNumberToObject(o, "median", se->fit.median);
	cJSON_AddNumberToObject(o, "mad", se->fit.mad);
	cJSON_AddNumberToObject(o, "scale", se->fit.scale);
	cJSON_AddNumberToObject(o, "flagged", (double)se->nflagged);
	return o;
}

static cJSON *drift_json(const struct verdict *v, const struct drift_key_result *k)
{
	const struct drift *d = &v->drift;
	cJSON *o = cJSON_CreateObject(), *vals = cJSON_CreateArray(), *val, *hosts;
	size_t i, j, total = 0;

	for (i = 0; i < k->n; i++) {
		const struct drift_value *dv = &d->values[k->first + i];

		total += dv->n;
		val = cJSON_CreateObject();
		cJSON_AddStringToObject(val, "value", dv->value);
		cJSON_AddNumberToObject(val, "count", (double)dv->n);
		hosts = cJSON_AddArrayToObject(val, "hosts");
		for (j = 0; j < dv->n && j < DRIFT_MAX_HOSTS; j++)
			cJSON_AddItemToArray(hosts, cJSON_CreateString(v->nodes[d->items[dv->first + j].node].host));
		cJSON_AddNumberToObject(val, "hosts_omitted", (double)(dv->n - j));
		cJSON_AddItemToArray(vals, val);
	}
	cJSON_AddStringToObject(o, "key", k->key);
	cJSON_AddNumberToObject(o, "nodes", (double)total);
	cJSON_AddItemToObject(o, "values", vals);
	return o;
}

/* The fleet sections of a multi-node verdict (RESULTS.md). */
static void fleet_json(const struct verdict *v, cJSON *o)
{
	const struct outlier_set *os = &v->outliers;
	struct verdict_fields *f = xmalloc(sizeof(*f));
	cJSON *a = cJSON_AddArrayToObject(o, "not_ready_nodes");
	size_t i;

	for (i = 0; i < v->nnodes; i++)
		if (v->nodes[i].status == VERDICT_NOT_READY)
			cJSON_AddItemToArray(a, not_ready_json(v, &v->nodes[i], f));
	free(f);
	a = cJSON_AddArrayToObject(o, "outliers");
	for (i = 0; i < os->nflags && i < OUTLIER_MAX_LISTED; i++)
		cJSON_AddItemToArray(a, outlier_json(v, &os->flags[i]));
	cJSON_AddNumberToObject(o, "outliers_omitted", (double)(os->nflags - i));
	a = cJSON_AddArrayToObject(o, "series");
	for (i = 0; i < os->nseries; i++)
		if (!isnan(os->series[i].fit.scale))
			cJSON_AddItemToArray(a, series_json(&os->series[i]));
	a = cJSON_AddArrayToObject(o, "drift");
	for (i = 0; i < v->drift.nkeys; i++)
		cJSON_AddItemToArray(a, drift_json(v, &v->drift.keys[i]));
}

/* Everything but "checks" (which comes last): small, so always a tree. */
static cJSON *head_json(const struct verdict *v)
{
	cJSON *o = cJSON_CreateObject(), *b, *nodes, *n;
	const struct baseline *bl = v->b;
	size_t i;

	cJSON_AddStringToObject(o, "status", verdict_status_name(v->status));
	b = cJSON_AddObjectToObject(o, "baseline");
	cJSON_AddItemToObject(b, "name", bl && bl->name ? cJSON_CreateString(bl->name) : cJSON_CreateNull());
	cJSON_AddItemToObject(b, "path", bl && bl->path ? cJSON_CreateString(bl->path) : cJSON_CreateNull());
	cJSON_AddStringToObject(b, "selected_by", v->selected_by);
	cJSON_AddItemToObject(b, "description",
			      bl && bl->description ? cJSON_CreateString(bl->description) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "counts", counts_json(v->counts));
	nodes = cJSON_AddArrayToObject(o, "nodes");
	for (i = 0; i < v->nnodes; i++) {
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "host", v->nodes[i].host);
		cJSON_AddStringToObject(n, "status", verdict_status_name(v->nodes[i].status));
		cJSON_AddItemToObject(n, "counts", counts_json(v->nodes[i].counts));
		if (v->multi)
			node_extra(n, &v->nodes[i]);
		cJSON_AddItemToArray(nodes, n);
	}
	if (v->multi)
		fleet_json(v, o);
	return o;
}

cJSON *verdict_head_json(const struct verdict *v)
{
	cJSON *o = head_json(v);

	cJSON_AddArrayToObject(o, "checks");
	return o;
}

/* The verdict with the checks of results `keep` in "checks" (all: keep NULL). */
static cJSON *verdict_json_keeping(const struct verdict *v, const int *keep)
{
	cJSON *o = head_json(v), *checks, *c;
	struct verdict_fields *f = xmalloc(sizeof(*f));
	size_t i;

	if (keep)
		cJSON_AddNumberToObject(o, "checks_omitted", (double)v->counts[VERDICT_PASS]);
	checks = cJSON_AddArrayToObject(o, "checks");
	for (i = 0; i < v->nchecks; i++) {
		if (keep && !keep[v->checks[i].result])
			continue;
		c = cJSON_CreateObject();
		verdict_fields(v, i, f);
		emit_check(c, f);
		cJSON_AddItemToArray(checks, c);
	}
	free(f);
	return o;
}

cJSON *verdict_json(const struct verdict *v)
{
	return verdict_json_keeping(v, NULL);
}

cJSON *verdict_results_json(const struct verdict *v)
{
	static const int not_passed[VERDICT_NRESULTS] = {
		[VERDICT_WARN] = 1, [VERDICT_FAIL] = 1, [VERDICT_SKIPPED] = 1, [VERDICT_ERROR] = 1
	};

	return verdict_json_keeping(v, v->nchecks > VERDICT_LIST_ALL_MAX ? not_passed : NULL);
}

cJSON *verdict_evaluate(const struct baseline *b, const cJSON *results, const char *selected_by)
{
	struct verdict v;
	cJSON *o;

	verdict_compute(&v, b, results, selected_by);
	o = verdict_json(&v);
	verdict_release(&v);
	return o;
}

/* ---- names and exit codes ---- */

static const char *const status_names[] = { "READY", "READY WITH WARNINGS", "NOT READY", "INCOMPLETE" };

const char *verdict_status_name(enum verdict_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "INCOMPLETE";
}

const char *verdict_result_name(enum verdict_result r)
{
	static const char *const names[] = { "pass", "warn", "fail", "skipped", "error" };

	return (unsigned)r < VERDICT_NRESULTS ? names[r] : "error";
}

int verdict_status_exit_code(enum verdict_status s)
{
	switch (s) {
	case VERDICT_READY:
	case VERDICT_READY_WITH_WARNINGS:
		return SD_EXIT_OK;
	case VERDICT_NOT_READY:
		return SD_EXIT_CHECK;
	default:
		return SD_EXIT_PROBE;
	}
}

int verdict_exit_code(const cJSON *verdict)
{
	const char *s = str(verdict, "status");
	int i;

	for (i = 0; s && i < 4; i++)
		if (!strcmp(s, status_names[i]))
			return verdict_status_exit_code((enum verdict_status)i);
	return SD_EXIT_PROBE;
}
