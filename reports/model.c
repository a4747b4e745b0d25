/* model.c - see model.h. */
#include "model.h"
#include "map.h"
#include "strbuf.h"
#include "xalloc.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

/* Make room for one more element in a growing array. */
#define GROW(p, n, alloc)                                                                                              \
	do {                                                                                                           \
		if ((n) >= (alloc)) {                                                                                  \
			(alloc) = (alloc) ? 2 * (alloc) : 16;                                                          \
			(p) = xrealloc((p), (alloc) * sizeof(*(p)));                                                   \
		}                                                                                                      \
	} while (0)

struct loader {
	struct rmodel *m;
	struct map hosts, steps, groups, areas;
	size_t nodes_alloc, steps_alloc, metrics_alloc;
	int single; /* no nodes[]: one node, whatever host a check names */
};

static const char *const verdict_names[RV_N] = { "pass", "warn", "fail", "skipped", "error" };
/* How bad each verdict is, for "the worst of": fail > error > warn > skipped > pass. */
static const int badness[RV_N] = { 0, 2, 4, 1, 3 };

const char *model_verdict_name(enum rv v)
{
	return v < RV_N ? verdict_names[v] : "?";
}

const char *model_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static double num_of(const cJSON *it)
{
	return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static double model_num(const cJSON *obj, const char *key)
{
	return num_of(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static enum rv verdict_of(const char *s)
{
	int i;

	for (i = 0; s && i < RV_N; i++)
		if (!strcmp(s, verdict_names[i]))
			return (enum rv)i;
	return RV_ERROR; /* an unknown verdict is not a pass */
}

int model_runbook_ok(const char *id)
{
	const char *p;

	if (!id || !*id || *id == '.')
		return 0;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			return 0;
	return 1;
}

const char *model_check_log(const struct rmodel *m, const struct rcheck *c, const struct rdetail *d, char *buf,
			    size_t len)
{
	if (c->stepi != MODEL_NONE && m->steps[c->stepi].log)
		return m->steps[c->stepi].log;
	if (!d->step)
		return NULL;
	snprintf(buf, len, "logs/%s.log", d->step);
	return buf;
}

const cJSON *model_step_series(const struct rstep *s)
{
	const cJSON *a, *res, *series, *found = NULL;

	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(s->obj, "attempts"))
	{
		res = cJSON_GetObjectItemCaseSensitive(a, "result");
		series = cJSON_GetObjectItemCaseSensitive(res, "series");
		if (cJSON_GetArraySize(series) > 0)
			found = series;
	}
	return found;
}

void model_labels(struct strbuf *sb, const cJSON *labels)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, labels)
	{
		if (l != labels->child)
			strbuf_add(sb, ", ", 2);
		strbuf_addstr(sb, l->string ? l->string : "");
		strbuf_add(sb, "=", 1);
		strbuf_addstr(sb, cJSON_IsString(l) ? l->valuestring : "?");
	}
}

/* ---- nodes, steps, metrics ---- */

static size_t add_node(struct loader *L, const char *host, const cJSON *inventory)
{
	struct rmodel *m = L->m;
	struct rnode *n;

	GROW(m->nodes, m->nnodes, L->nodes_alloc);
	n = &m->nodes[m->nnodes];
	memset(n, 0, sizeof(*n));
	n->host = host;
	n->inventory = cJSON_IsObject(inventory) ? inventory : NULL;
	n->step_first = m->nsteps;
	if (host)
		map_intern(&L->hosts, host, NULL, 0, m->nnodes);
	return m->nnodes++;
}

/* One metric of a step, read in one pass over its members (this runs once per metric of every node). */
static void add_metric(struct loader *L, const cJSON *o, size_t step)
{
	struct rmodel *m = L->m;
	struct rmetric *r;
	const cJSON *it;

	GROW(m->metrics, m->nmetrics, L->metrics_alloc);
	r = &m->metrics[m->nmetrics++];
	memset(r, 0, sizeof(*r));
	r->value = NAN;
	r->step = step;
	cJSON_ArrayForEach(it, o)
	{
		const char *k = it->string;

		if (!k)
			continue;
		switch (k[0]) {
		case 'n':
			if (!strcmp(k, "name") && cJSON_IsString(it))
				r->name = it->valuestring;
			break;
		case 'u':
			if (!strcmp(k, "unit") && cJSON_IsString(it))
				r->unit = it->valuestring;
			break;
		case 'v':
			if (!strcmp(k, "value"))
				r->value = num_of(it);
			break;
		case 'l':
			if (!strcmp(k, "labels") && cJSON_IsObject(it))
				r->labels = it;
			break;
		case 's':
			if (!strcmp(k, "stats") && cJSON_IsObject(it))
				r->stats = it;
			break;
		}
	}
	if (!r->name)
		m->nmetrics--;
}

static void add_step(struct loader *L, const cJSON *o, size_t node)
{
	struct rmodel *m = L->m;
	struct rstep *s;
	const cJSON *it;

	GROW(m->steps, m->nsteps, L->steps_alloc);
	s = &m->steps[m->nsteps];
	memset(s, 0, sizeof(*s));
	s->obj = o;
	s->id = model_str(o, "id");
	s->probe = model_str(o, "probe");
	s->status = model_str(o, "status");
	s->reason = model_str(o, "reason");
	s->log = model_str(o, "log");
	s->duration = model_num(o, "duration_s");
	s->node = node;
	s->metric_first = m->nmetrics;
	if (s->id)
		map_intern(&L->steps, s->id, NULL, node, m->nsteps);
	m->nsteps++;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "metrics")) if (cJSON_IsObject(it))
		add_metric(L, it, m->nsteps - 1);
	m->steps[m->nsteps - 1].nmetrics = m->nmetrics - m->steps[m->nsteps - 1].metric_first;
}

/* A top-level step of a multi-node run that ran across the nodes (not a node-local step's summary). */
static int collective_step(const cJSON *s)
{
	const char *scope = model_str(s, "scope");

	return !scope || strcmp(scope, "nodes");
}

static void add_node_steps(struct loader *L, size_t node, const cJSON *steps)
{
	const cJSON *s;
	int collective = L->m->nodes[node].collective;

	L->m->nodes[node].step_first = L->m->nsteps;
	cJSON_ArrayForEach(s, steps) if (cJSON_IsObject(s) && (!collective || collective_step(s))) add_step(L, s, node);
	L->m->nodes[node].nsteps = L->m->nsteps - L->m->nodes[node].step_first;
}

/*
 * A multi-node run has nodes: [{host, inventory, steps}]; a single-node run
 * has host.hostname, host.inventory and steps at the top.
 */
static void load_nodes(struct loader *L)
{
	const cJSON *doc = L->m->doc, *nodes = cJSON_GetObjectItemCaseSensitive(doc, "nodes"), *n, *host;
	size_t i;

	if (cJSON_IsArray(nodes) && cJSON_GetArraySize(nodes) > 0) {
		cJSON_ArrayForEach(n, nodes)
		{
			if (!cJSON_IsObject(n))
				continue;
			i = add_node(L, model_str(n, "host"), cJSON_GetObjectItemCaseSensitive(n, "inventory"));
			add_node_steps(L, i, cJSON_GetObjectItemCaseSensitive(n, "steps"));
		}
		/* the collective steps: the verdict's "cluster" node (runner/verdict.h), if there are any */
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(doc, "steps"))
		{
			if (!cJSON_IsObject(n) || !collective_step(n))
				continue;
			i = add_node(L, "cluster", NULL);
			L->m->nodes[i].collective = 1;
			add_node_steps(L, i, cJSON_GetObjectItemCaseSensitive(doc, "steps"));
			break;
		}
		return;
	}
	L->single = 1;
	host = cJSON_GetObjectItemCaseSensitive(doc, "host");
	i = add_node(L, model_str(host, "hostname"), cJSON_GetObjectItemCaseSensitive(host, "inventory"));
	add_node_steps(L, i, cJSON_GetObjectItemCaseSensitive(doc, "steps"));
}

/* ---- checks ---- */

/* The rest of check i of a struct verdict: its fields, kept in d. */
static void detail_from_verdict(const struct verdict *v, size_t i, struct rdetail *d)
{
	struct verdict_fields *f = &d->f;

	verdict_fields(v, i, f);
	d->host = f->host;
	d->step = f->step;
	d->probe = f->probe;
	d->metric = f->metric;
	d->kind = f->kind;
	d->unit = f->unit;
	d->threshold_text = f->threshold_text[0] ? f->threshold_text : NULL;
	d->value_text = f->value_text[0] ? f->value_text : NULL;
	d->severity = f->severity;
	d->runbook = f->runbook;
	d->message = f->message;
	d->source = f->source;
	d->labels = f->labels;
}

void model_detail(const struct rmodel *m, const struct rcheck *c, struct rdetail *d)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "host", offsetof(struct rdetail, host) },
		{ "step", offsetof(struct rdetail, step) },
		{ "probe", offsetof(struct rdetail, probe) },
		{ "metric", offsetof(struct rdetail, metric) },
		{ "kind", offsetof(struct rdetail, kind) },
		{ "unit", offsetof(struct rdetail, unit) },
		{ "threshold_text", offsetof(struct rdetail, threshold_text) },
		{ "value_text", offsetof(struct rdetail, value_text) },
		{ "severity", offsetof(struct rdetail, severity) },
		{ "runbook", offsetof(struct rdetail, runbook) },
		{ "message", offsetof(struct rdetail, message) },
		{ "source", offsetof(struct rdetail, source) },
	};
	const cJSON *it;
	size_t i;

	if (!c->obj && m->vsrc) {
		detail_from_verdict(m->vsrc, c->vi, d);
		return;
	}
	d->host = d->step = d->probe = d->metric = d->kind = d->unit = NULL;
	d->threshold_text = d->value_text = d->severity = d->runbook = d->message = d->source = NULL;
	d->labels = NULL;
	cJSON_ArrayForEach(it, c->obj)
	{
		if (!it->string)
			continue;
		if (!strcmp(it->string, "labels") && cJSON_IsObject(it))
			d->labels = it;
		if (!cJSON_IsString(it))
			continue;
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strcmp(it->string, fields[i].key))
				*(const char **)((char *)d + fields[i].off) = it->valuestring;
	}
}

/* What the loader needs of a check besides the slim record. */
struct hot {
	const char *area, *host, *step;
};

/*
 * One check, read in one pass over its members: this runs once per check of
 * every node, so it dispatches on the first letter and keeps only the hot
 * fields (model.h).
 */
static void read_check(struct rcheck *c, struct hot *h, const cJSON *o)
{
	const cJSON *it;
	const char *k, *s;

	memset(c, 0, sizeof(*c));
	memset(h, 0, sizeof(*h));
	c->obj = o;
	c->value = c->margin = NAN;
	c->cv = NAN;
	c->verdict = RV_ERROR;
	cJSON_ArrayForEach(it, o)
	{
		k = it->string;
		s = cJSON_IsString(it) ? it->valuestring : NULL;
		if (!k)
			continue;
		switch (k[0]) {
		case 'a':
			if (!strcmp(k, "area"))
				h->area = s;
			break;
		case 'c':
			if (!strcmp(k, "cv"))
				c->cv = (float)num_of(it);
			break;
		case 'h':
			if (!strcmp(k, "host"))
				h->host = s;
			break;
		case 'i':
			if (!strcmp(k, "id"))
				c->id = s;
			break;
		case 'm':
			if (!strcmp(k, "margin"))
				c->margin = num_of(it);
			break;
		case 's':
			if (!strcmp(k, "step"))
				h->step = s;
			else if (!strcmp(k, "severity"))
				c->warning = s && !strcmp(s, "warning");
			break;
		case 'v':
			if (!strcmp(k, "value"))
				c->value = num_of(it);
			else if (!strcmp(k, "verdict"))
				c->verdict = (uint8_t)verdict_of(s);
			break;
		}
	}
}

static size_t node_of(struct loader *L, const char *host)
{
	size_t i;

	if (L->single) {
		if (!L->m->nodes[0].host)
			L->m->nodes[0].host = host;
		return 0;
	}
	if (!host)
		return 0;
	i = map_get(&L->hosts, host, NULL, 0);
	return i != NONE ? i : add_node(L, host, NULL);
}

static int worse(const struct rcheck *a, const struct rcheck *b)
{
	if (badness[a->verdict] != badness[b->verdict])
		return badness[a->verdict] > badness[b->verdict];
	return !isnan(a->margin) && (isnan(b->margin) || a->margin < b->margin);
}

static void group_check(struct loader *L, struct rcheck *c, const char *area, size_t *galloc)
{
	struct rmodel *m = L->m;
	struct rgroup *g;

	c->group = (uint32_t)map_intern(&L->groups, c->id, NULL, 0, m->ngroups);
	if (c->group == m->ngroups) {
		GROW(m->groups, m->ngroups, *galloc);
		g = &m->groups[m->ngroups++];
		memset(g, 0, sizeof(*g));
		g->id = c->id;
		g->area = area ? area : "other";
		g->first = g->worst = c;
	}
	g = &m->groups[c->group];
	g->n++;
	g->counts.v[c->verdict]++;
	if (worse(c, g->worst))
		g->worst = c;
}

static void load_checks(struct loader *L, const cJSON *checks)
{
	struct rmodel *m = L->m;
	struct rcheck *c;
	struct hot h;
	const cJSON *o;
	size_t galloc = 0, n = (size_t)cJSON_GetArraySize(checks), i, s;
	const char *last_host = NULL, *last_step = NULL;
	uint32_t last_node = 0, last_stepi = MODEL_NONE;

	m->checks = xmalloc((n ? n : 1) * sizeof(*m->checks));
	cJSON_ArrayForEach(o, checks)
	{
		if (!cJSON_IsObject(o))
			continue;
		c = &m->checks[m->nchecks];
		read_check(c, &h, o);
		if (!c->id)
			continue;
		/* a node's checks come together: look host and step up only when they change */
		if (!last_host || !h.host || strcmp(h.host, last_host))
			last_node = (uint32_t)node_of(L, h.host), last_host = h.host, last_step = NULL;
		c->node = last_node;
		if (!last_step || !h.step || strcmp(h.step, last_step)) {
			s = h.step ? map_get(&L->steps, h.step, NULL, c->node) : NONE;
			last_stepi = s == NONE ? MODEL_NONE : (uint32_t)s;
			last_step = h.step;
		}
		c->stepi = last_stepi;
		group_check(L, c, h.area, &galloc);
		m->nodes[c->node].counts.v[c->verdict]++;
		m->counts.v[c->verdict]++;
		m->nchecks++;
	}
	for (i = 0; i < m->ngroups; i++) {
		model_detail(m, m->groups[i].first, &m->groups[i].fd);
		model_detail(m, m->groups[i].worst, &m->groups[i].wd);
	}
}

/* A check id, stored once per group: every node's check of one id shares it. */
static const char *intern_id(struct loader *L, const char *id, size_t *alloc)
{
	struct rmodel *m = L->m;
	size_t g = map_get(&L->groups, id, NULL, 0);

	if (g != NONE)
		return m->groups[g].id;
	GROW(m->ids, m->nids, *alloc);
	return m->ids[m->nids++] = xstrdup(id);
}

/*
 * The checks of a struct verdict (model_load_verdict): the same records as
 * load_checks() makes from the JSON, their ids composed once per group and
 * the rest read with verdict_fields() only when a writer shows it.
 */
static void load_checks_verdict(struct loader *L, const struct verdict *v)
{
	struct rmodel *m = L->m;
	uint32_t *node_of_v = xmalloc((v->nnodes + 1) * sizeof(*node_of_v)), last_stepi = MODEL_NONE;
	size_t galloc = 0, ialloc = 0, i, s;
	const char *area, *step, *last_step = NULL;
	uint32_t last_node = UINT32_MAX;
	char id[512];

	for (i = 0; i < v->nnodes; i++)
		node_of_v[i] = (uint32_t)node_of(L, v->nodes[i].host);
	m->checks = xmalloc((v->nchecks ? v->nchecks : 1) * sizeof(*m->checks));
	for (i = 0; i < v->nchecks; i++) {
		const struct verdict_check *k = &v->checks[i];
		struct rcheck *c = &m->checks[m->nchecks];

		memset(c, 0, sizeof(*c));
		c->vi = (uint32_t)i;
		c->value = k->value;
		c->margin = k->margin;
		c->cv = (float)k->cv;
		c->verdict = k->result; /* enum verdict_result and enum rv agree */
		c->warning = k->bc && k->bc->severity == BASELINE_WARNING;
		c->node = node_of_v[k->node];
		verdict_check_key(v, i, id, sizeof(id), &area, &step);
		c->id = intern_id(L, id, &ialloc);
		if (c->node != last_node || !last_step || !step || strcmp(step, last_step)) {
			s = step ? map_get(&L->steps, step, NULL, c->node) : NONE;
			last_stepi = s == NONE ? MODEL_NONE : (uint32_t)s;
			last_step = step;
			last_node = c->node;
		}
		c->stepi = last_stepi;
		group_check(L, c, area, &galloc);
		m->nodes[c->node].counts.v[c->verdict]++;
		m->counts.v[c->verdict]++;
		m->nchecks++;
	}
	free(node_of_v);
	for (i = 0; i < m->ngroups; i++) {
		model_detail(m, m->groups[i].first, &m->groups[i].fd);
		model_detail(m, m->groups[i].worst, &m->groups[i].wd);
	}
}

/* ---- aggregation ---- */

static void swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * The k-th smallest of v[0..n) (quickselect with Hoare's partition; expected
 * linear time). Afterwards every element before v[k] is <= v[k].
 */
static double select_kth(double *v, size_t n, size_t k)
{
	long lo = 0, hi = (long)n - 1, i, j, kk = (long)k;
	double pivot;

	while (lo < hi) {
		pivot = v[lo + (hi - lo) / 2];
		i = lo - 1;
		j = hi + 1;
		for (;;) {
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			swap(&v[i], &v[j]);
		}
		if (kk <= j)
			hi = j;
		else
			lo = j + 1;
	}
	return v[k];
}

static void spread(double *v, size_t n, double *min, double *med, double *max)
{
	size_t i;
	double lo, hi, below;

	if (!n) {
		*min = *med = *max = NAN;
		return;
	}
	lo = hi = v[0];
	for (i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	*min = lo;
	*max = hi;
	*med = select_kth(v, n, n / 2);
	if (n % 2 == 0) {
		for (below = v[0], i = 1; i < n / 2; i++) /* the lower middle: the largest of v[0..n/2) */
			below = v[i] > below ? v[i] : below;
		*med = (*med + below) / 2;
	}
}

/* min / median / max of value and margin per group: two passes and one shared array. */
static void aggregate(struct rmodel *m)
{
	size_t *vofs = xcalloc(m->ngroups + 1, sizeof(size_t)), *mofs = xcalloc(m->ngroups + 1, sizeof(size_t));
	double *vals = xmalloc((m->nchecks + 1) * sizeof(double)),
	       *margins = xmalloc((m->nchecks + 1) * sizeof(double));
	size_t i, g;

	for (i = 0; i < m->nchecks; i++) {
		vofs[m->checks[i].group + 1] += !isnan(m->checks[i].value);
		mofs[m->checks[i].group + 1] += !isnan(m->checks[i].margin);
	}
	for (g = 0; g < m->ngroups; g++) {
		vofs[g + 1] += vofs[g];
		mofs[g + 1] += mofs[g];
	}
	for (g = 0; g < m->ngroups; g++) {
		m->groups[g].nvalues = 0;
		m->groups[g].nmargins = 0;
	}
	for (i = 0; i < m->nchecks; i++) {
		struct rcheck *c = &m->checks[i];
		struct rgroup *gr = &m->groups[c->group];

		if (!isnan(c->value))
			vals[vofs[c->group] + gr->nvalues++] = c->value;
		if (!isnan(c->margin))
			margins[mofs[c->group] + gr->nmargins++] = c->margin;
	}
	for (g = 0; g < m->ngroups; g++) {
		struct rgroup *gr = &m->groups[g];

		spread(vals + vofs[g], gr->nvalues, &gr->vmin, &gr->vmed, &gr->vmax);
		spread(margins + mofs[g], gr->nmargins, &gr->mmin, &gr->mmed, &gr->mmax);
		gr->verdict = gr->worst->verdict;
	}
	free(vofs);
	free(mofs);
	free(vals);
	free(margins);
}

/* Areas in order of first appearance; groups within an area in order of first appearance. */
static void order_areas(struct loader *L)
{
	struct rmodel *m = L->m;
	size_t *area_of = xcalloc(m->ngroups + 1, sizeof(size_t)), *fill, g, a, alloc = 0;

	for (g = 0; g < m->ngroups; g++) {
		a = map_intern(&L->areas, m->groups[g].area, NULL, 0, m->nareas);
		if (a == m->nareas) {
			GROW(m->areas, m->nareas, alloc);
			memset(&m->areas[m->nareas], 0, sizeof(m->areas[0]));
			m->areas[m->nareas++].name = m->groups[g].area;
		}
		area_of[g] = a;
		m->areas[a].n++;
		for (size_t v = 0; v < RV_N; v++)
			m->areas[a].counts.v[v] += m->groups[g].counts.v[v];
	}
	for (a = 1; a < m->nareas; a++)
		m->areas[a].first = m->areas[a - 1].first + m->areas[a - 1].n;
	fill = xcalloc(m->nareas + 1, sizeof(size_t));
	m->order = xcalloc(m->ngroups + 1, sizeof(size_t));
	for (g = 0; g < m->ngroups; g++)
		m->order[m->areas[area_of[g]].first + fill[area_of[g]]++] = g;
	free(fill);
	free(area_of);
}

/* Checks shown in detail: every fail, then error, then warn, up to MODEL_MAX_DETAIL. */
static void pick_problems(struct rmodel *m)
{
	static const enum rv order[] = { RV_FAIL, RV_ERROR, RV_WARN };
	size_t i, k;

	m->problems = xcalloc(MODEL_MAX_DETAIL, sizeof(size_t));
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < m->nchecks && m->nproblems < MODEL_MAX_DETAIL; i++)
			if (m->checks[i].verdict == order[k])
				m->problems[m->nproblems++] = i;
	for (i = 0; i < m->nnodes; i++) {
		if (!m->nodes[i].counts.v[RV_FAIL])
			continue;
		if (!m->nbad_nodes++)
			m->bad_host = m->nodes[i].host;
	}
	m->max_cv = NAN;
	for (i = 0; i < m->nchecks; i++) {
		if (isnan(m->checks[i].cv) || (!isnan(m->max_cv) && (double)m->checks[i].cv <= m->max_cv))
			continue;
		m->max_cv = m->checks[i].cv;
		m->max_cv_check = &m->checks[i];
	}
}

static void load_verdict(struct loader *L)
{
	struct rmodel *m = L->m;
	const cJSON *v = m->verdict, *bl = cJSON_GetObjectItemCaseSensitive(v, "baseline"), *n;
	size_t i;

	m->status = model_str(v, "status");
	m->bl_name = model_str(bl, "name");
	m->bl_path = model_str(bl, "path");
	m->bl_selected_by = model_str(bl, "selected_by");
	m->bl_desc = model_str(bl, "description");
	m->outliers = cJSON_GetObjectItemCaseSensitive(v, "outliers");
	m->not_ready = cJSON_GetObjectItemCaseSensitive(v, "not_ready_nodes");
	m->series = cJSON_GetObjectItemCaseSensitive(v, "series");
	m->drift = cJSON_GetObjectItemCaseSensitive(v, "drift");
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(v, "nodes"))
	{
		const char *host = model_str(n, "host");

		if (!host)
			continue;
		i = node_of(L, host);
		m->nodes[i].status = model_str(n, "status");
	}
	if (m->vsrc)
		load_checks_verdict(L, m->vsrc);
	else
		load_checks(L, cJSON_GetObjectItemCaseSensitive(v, "checks"));
}

static void load_run(struct rmodel *m)
{
	const cJSON *doc = m->doc, *run = cJSON_GetObjectItemCaseSensitive(doc, "run"),
		    *plan = cJSON_GetObjectItemCaseSensitive(doc, "plan");

	m->version = model_str(doc, "shakedown_version");
	m->run_id = model_str(run, "id");
	m->run_status = model_str(run, "status");
	m->started = model_str(run, "started");
	m->finished = model_str(run, "finished");
	m->duration = model_num(run, "duration_s");
	m->plan = model_str(plan, "name");
	m->plan_path = model_str(plan, "path");
	m->plan_desc = model_str(plan, "description");
}

static int load(struct rmodel *m, const cJSON *results, const struct verdict *vsrc, unsigned formats,
		const struct report_opts *o, char *err, size_t len)
{
	struct loader L = { .m = m };
	const cJSON *v;

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(results))
		return errf(err, len, "cannot render a report: the results are not a JSON object");
	m->doc = results;
	m->locate = cJSON_GetObjectItemCaseSensitive(results, "locate");
	m->formats = formats;
	m->runbook_prefix = o->runbook_prefix ? o->runbook_prefix : "runbooks/";
	if (vsrc) {
		m->vsrc = vsrc;
		m->own_verdict = verdict_head_json(vsrc);
		v = m->own_verdict;
	} else {
		v = cJSON_GetObjectItemCaseSensitive(results, "verdict");
	}
	m->verdict = cJSON_IsObject(v) ? v : NULL;
	load_run(m);
	load_nodes(&L);
	if (m->verdict)
		load_verdict(&L);
	if (!m->nnodes)
		add_node(&L, NULL, NULL);
	m->nhosts = m->nnodes;
	for (size_t i = 0; i < m->nnodes; i++)
		m->nhosts -= m->nodes[i].collective;
	aggregate(m);
	order_areas(&L);
	pick_problems(m);
	if (formats & REPORT_HTML)
		fleet_heat_build(m);
	map_release(&L.hosts);
	map_release(&L.steps);
	map_release(&L.groups);
	map_release(&L.areas);
	summary_build(m, o);
	return 0;
}

int model_load(struct rmodel *m, const cJSON *results, unsigned formats, const struct report_opts *o, char *err,
	       size_t len)
{
	return load(m, results, NULL, formats, o, err, len);
}

int model_load_verdict(struct rmodel *m, const cJSON *results, const struct verdict *v, unsigned formats,
		       const struct report_opts *o, char *err, size_t len)
{
	return load(m, results, v, formats, o, err, len);
}

void model_release(struct rmodel *m)
{
	size_t i;

	for (i = 0; i < m->nids; i++)
		free(m->ids[i]);
	free(m->ids);
	cJSON_Delete(m->own_verdict);
	summary_release(m);
	fleet_heat_release(m);
	free(m->nodes);
	free(m->steps);
	free(m->metrics);
	free(m->checks);
	free(m->groups);
	free(m->order);
	free(m->areas);
	free(m->problems);
	memset(m, 0, sizeof(*m));
}
