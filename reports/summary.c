/*
 * summary.c - the text the human formats share, composed once from the model:
 * the verdict headline, the scope and environment tables, the power and cost
 * estimate and the reviewer checklist. md.c and html.c only escape and lay it
 * out, so the two cannot say different things.
 */
#include "map.h"
#include "model.h"
#include "out.h"
#include "quantity.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)
#define HOURS_PER_YEAR 8760.0
#define STABLE_CV 0.05 /* the checklist calls a metric repeatable at or below 5 % CV */

/* ---- headline ---- */

/* " on node017", " on 3 of 4,096 nodes": where checks with verdict v happened. */
static void where(struct strbuf *sb, const struct rmodel *m, enum rv v)
{
	size_t i, n = 0;
	const char *host = NULL;

	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].counts.v[v] && !n++)
			host = m->nodes[i].host;
	if (n == 1 && host) {
		out_addf(sb, " on %s", host);
	} else if (n > 1) {
		out_str(sb, " on ");
		out_count(sb, n);
		out_str(sb, " of ");
		out_count(sb, m->nhosts);
		out_str(sb, " nodes");
	}
}

static void counted(struct strbuf *sb, size_t n, const char *what)
{
	out_str(sb, ", ");
	out_count(sb, n);
	out_addf(sb, " %s", what);
}

static void no_verdict_line(struct strbuf *sb, const struct rmodel *m)
{
	static const char *const keys[] = { "ok", "skipped", "failed", "error", "interrupted", "not_run" };
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(m->doc, "summary");
	double steps = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "steps")), n;
	size_t i;
	int first = 1;

	out_str(sb, "no baseline was applied, so nothing was judged: ");
	out_addf(sb, "%.0f step%s ran", isnan(steps) ? (double)m->nsteps : steps,
		 (isnan(steps) ? (double)m->nsteps : steps) == 1 ? "" : "s");
	if (m->nnodes == 1 && m->nodes[0].host)
		out_addf(sb, " on %s", m->nodes[0].host);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, keys[i]));
		if (isnan(n) || n == 0)
			continue;
		out_addf(sb, "%s%.0f %s", first ? " (" : ", ", n, keys[i]);
		first = 0;
	}
	if (!first)
		out_str(sb, ")");
}

static void baseline_note(struct strbuf *sb, const struct rmodel *m)
{
	if (m->bl_name)
		out_addf(sb, " (baseline %s)", m->bl_name);
	else
		out_str(sb, " (no baseline: the runner's own checks only)");
}

/* "3 of 41 checks failed" */
static void n_of(struct strbuf *sb, size_t n, size_t total, const char *what)
{
	out_count(sb, n);
	out_str(sb, " of ");
	out_count(sb, total);
	out_addf(sb, " check%s %s", total == 1 ? "" : "s", what);
}

static void all_passed(struct strbuf *sb, const struct rmodel *m)
{
	if (m->counts.v[RV_PASS] == 1) {
		out_str(sb, "the only check passed");
	} else if (m->counts.v[RV_PASS] == 2) {
		out_str(sb, "both checks passed");
	} else {
		out_str(sb, "all ");
		out_count(sb, m->counts.v[RV_PASS]);
		out_str(sb, " checks passed");
	}
	if (m->nnodes == 1 && m->nodes[0].host)
		out_addf(sb, " on %s", m->nodes[0].host);
	else if (m->nhosts > 1)
		out_addf(sb, " on all %zu nodes", m->nhosts);
}

/* The verdict in one line, the worst finding first. */
static char *compose_headline(const struct rmodel *m)
{
	struct strbuf sb = STRBUF_INIT;
	const size_t *c = m->counts.v;

	if (!m->verdict) {
		no_verdict_line(&sb, m);
		return strbuf_detach(&sb);
	}
	if (!m->nchecks) {
		out_str(&sb, "no checks were evaluated");
	} else if (c[RV_FAIL]) {
		n_of(&sb, c[RV_FAIL], m->nchecks, "failed");
		where(&sb, m, RV_FAIL);
		if (c[RV_ERROR])
			counted(&sb, c[RV_ERROR], "errored");
		if (c[RV_WARN])
			counted(&sb, c[RV_WARN], "warned");
	} else if (c[RV_ERROR]) {
		n_of(&sb, c[RV_ERROR], m->nchecks, "could not be evaluated");
		where(&sb, m, RV_ERROR);
		if (c[RV_WARN])
			counted(&sb, c[RV_WARN], "warned");
	} else if (c[RV_WARN]) {
		n_of(&sb, c[RV_PASS], m->nchecks, "passed");
		counted(&sb, c[RV_WARN], "warned");
		where(&sb, m, RV_WARN);
	} else if (c[RV_PASS]) {
		all_passed(&sb, m);
	} else {
		out_str(&sb, "every check was skipped");
	}
	if (c[RV_SKIPPED] && c[RV_SKIPPED] < m->nchecks)
		counted(&sb, c[RV_SKIPPED], "skipped");
	if (m->run_status && !strcmp(m->run_status, "interrupted"))
		out_str(&sb, "; the run was interrupted");
	baseline_note(&sb, m);
	return strbuf_detach(&sb);
}

/* ---- rows ---- */

static void add_row(struct rrow **rows, size_t *n, const char *key, char *text)
{
	if (!text)
		return;
	*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
	(*rows)[*n].key = key;
	(*rows)[(*n)++].text = text;
}

static char *nodes_text(const struct rmodel *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, shown = 0, max = m->nhosts <= 10 ? m->nhosts : 8;
	const char *last = NULL;

	out_count(&sb, m->nhosts);
	out_str(&sb, m->nhosts == 1 ? " node: " : " nodes: ");
	for (i = 0; i < m->nnodes; i++) {
		if (m->nodes[i].collective)
			continue;
		if (shown < max)
			out_addf(&sb, "%s%s", shown ? ", " : "", m->nodes[i].host ? m->nodes[i].host : "(unnamed)");
		shown++;
		last = m->nodes[i].host;
	}
	if (max < m->nhosts)
		out_addf(&sb, ", … %s", last ? last : "");
	if (m->nhosts < m->nnodes)
		out_str(&sb, "; and the steps run across all of them at once (cluster)");
	return strbuf_detach(&sb);
}

static char *run_text(const struct rmodel *m)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(m->doc, "run");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(run, "exit_code");
	char d[64], c[32];

	if (cJSON_IsNumber(code))
		snprintf(c, sizeof(c), "exit %d", code->valueint);
	else
		snprintf(c, sizeof(c), "no exit code yet");
	return xasprintf("%s: %s, %s; %s to %s (%s)", m->run_id ? m->run_id : "(no id)",
			 m->run_status ? m->run_status : "unknown status", c, m->started ? m->started : "?",
			 m->finished ? m->finished : "?", out_fmt_duration(m->duration, d, sizeof(d)));
}

/* RESULTS.md's selected_by, as a phrase. */
static const char *selected_phrase(const char *by)
{
	if (!by)
		return "selected somehow (not recorded)";
	if (!strcmp(by, "plan"))
		return "named by the plan";
	if (!strcmp(by, "auto"))
		return "selected automatically from the inventory";
	if (!strcmp(by, "command line"))
		return "given on the command line";
	return by;
}

static char *baseline_text(const struct rmodel *m)
{
	if (!m->verdict)
		return xstrdup("none: results.json has no verdict, so no check was judged against a baseline");
	if (!m->bl_name)
		return xasprintf("none (selected by %s): only the runner's own checks (steps that failed or errored, "
				 "unmet requirements)",
				 m->bl_selected_by ? m->bl_selected_by : "none");
	return xasprintf("%s (%s), %s%s%s", m->bl_name, m->bl_path ? m->bl_path : "no file",
			 selected_phrase(m->bl_selected_by), m->bl_desc ? ": " : "", m->bl_desc ? m->bl_desc : "");
}

static char *command_text(const struct rmodel *m)
{
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m->doc, "run"),
							     "command"),
		    *a;
	struct strbuf sb = STRBUF_INIT;

	if (!cJSON_IsArray(argv))
		return NULL;
	out_str(&sb, "shakedown");
	cJSON_ArrayForEach(a, argv) if (cJSON_IsString(a)) out_addf(&sb, " %s", a->valuestring);
	return strbuf_detach(&sb);
}

static char *requires_text(const struct rmodel *m)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(m->doc, "requires"),
		    *met = cJSON_GetObjectItemCaseSensitive(r, "met"), *c;
	struct strbuf sb = STRBUF_INIT;
	char a[64], b[64];

	if (!r)
		return NULL;
	out_str(&sb, cJSON_IsTrue(met) ? "met" : cJSON_IsFalse(met) ? "NOT met" : "not checked");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "checks"))
	{
		double req = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "required"));
		double found = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "found"));
		const char *name = model_str(c, "name");
		const char *unit = name && !strcmp(name, "min_memory") ? "B" : NULL;

		out_addf(&sb, "%s %s %s (found %s)", c == r->child ? ":" : ";", name ? name : "?",
			 quantity_format(req, unit, a, sizeof(a)), quantity_format(found, unit, b, sizeof(b)));
	}
	return strbuf_detach(&sb);
}

static char *environment_text(const struct rmodel *m)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(m->doc, "environment"), *e;
	struct strbuf sb = STRBUF_INIT;

	cJSON_ArrayForEach(e, env) if (cJSON_IsString(e))
		out_addf(&sb, "%s%s=%s", sb.len ? ", " : "", e->string, e->valuestring);
	return sb.len ? strbuf_detach(&sb) : NULL;
}

static void build_scope(struct rmodel *m)
{
	add_row(&m->scope, &m->nscope, "plan",
		xasprintf("%s%s%s (%s)", m->plan ? m->plan : "(unnamed)", m->plan_desc ? ": " : "",
			  m->plan_desc ? m->plan_desc : "", m->plan_path ? m->plan_path : "no file"));
	add_row(&m->scope, &m->nscope, "nodes", nodes_text(m));
	add_row(&m->scope, &m->nscope, "run", run_text(m));
	add_row(&m->scope, &m->nscope, "shakedown", xasprintf("version %s", m->version ? m->version : "unknown"));
	add_row(&m->scope, &m->nscope, "baseline", baseline_text(m));
	add_row(&m->scope, &m->nscope, "requirements", requires_text(m));
	add_row(&m->scope, &m->nscope, "command", command_text(m));
	add_row(&m->scope, &m->nscope, "environment", environment_text(m));
}

/* ---- environment inventory ---- */

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(get(o, k));
}

static char *inv_os(const cJSON *env)
{
	const cJSON *os = get(env, "os"), *k = get(env, "kernel");

	if (!os && !k)
		return NULL;
	return xasprintf("%s, kernel %s (%s)", model_str(os, "pretty_name") ? model_str(os, "pretty_name") : "unknown",
			 model_str(k, "release") ? model_str(k, "release") : "?",
			 model_str(k, "machine") ? model_str(k, "machine") : "?");
}

static char *inv_cpu(const cJSON *env)
{
	const cJSON *c = get(env, "cpu");

	if (!c)
		return NULL;
	return xasprintf("%s: %.0f socket%s, %.0f cores, %.0f threads; governor %s",
			 model_str(c, "model") ? model_str(c, "model") : "unknown model", num(c, "sockets"),
			 num(c, "sockets") == 1 ? "" : "s", num(c, "cores"), num(c, "threads"),
			 model_str(c, "governor") ? model_str(c, "governor") : "n/a");
}

static char *inv_numa(const cJSON *env)
{
	const cJSON *a = get(env, "numa"), *n;
	struct strbuf sb = STRBUF_INIT;
	char buf[64];

	if (!cJSON_IsArray(a))
		return NULL;
	out_addf(&sb, "%d node%s", cJSON_GetArraySize(a), cJSON_GetArraySize(a) == 1 ? "" : "s");
	cJSON_ArrayForEach(n, a) out_addf(&sb, "%s cpus %s, %s", n == a->child ? ":" : ";",
					  model_str(n, "cpus") ? model_str(n, "cpus") : "?",
					  quantity_format(num(n, "memory"), "B", buf, sizeof(buf)));
	return strbuf_detach(&sb);
}

static char *inv_memory(const cJSON *env)
{
	const cJSON *mem = get(env, "memory");
	char t[64], s[64], h[64];

	if (!mem)
		return NULL;
	return xasprintf("%s, swap %s, hugepages %.0f × %s", quantity_format(num(mem, "total"), "B", t, sizeof(t)),
			 quantity_format(num(mem, "swap_total"), "B", s, sizeof(s)), num(mem, "hugepages_total"),
			 quantity_format(num(mem, "hugepage_size"), "B", h, sizeof(h)));
}

static void gpu_links(struct strbuf *sb, const cJSON *gpus)
{
	const cJSON *g, *p;
	int degraded = 0;

	cJSON_ArrayForEach(g, gpus)
	{
		p = get(g, "pcie");
		if (!cJSON_IsTrue(get(p, "degraded")))
			continue;
		out_addf(sb, "%s GPU %.0f at gen%.0f x%.0f (max gen%.0f x%.0f)",
			 degraded++ ? "," : "; degraded PCIe link:", num(g, "index"), num(p, "gen_current"),
			 num(p, "width_current"), num(p, "gen_max"), num(p, "width_max"));
	}
}

static char *inv_gpus(const cJSON *env)
{
	const cJSON *gpus = get(env, "gpus"), *nv = get(env, "nvml"), *g0, *p;
	struct strbuf sb = STRBUF_INIT;
	char mem[64];
	int n = cJSON_GetArraySize(gpus);

	if (!gpus && !nv)
		return NULL;
	if (!n)
		return xasprintf("none (%s)", model_str(nv, "reason") ? model_str(nv, "reason") : "no GPU found");
	g0 = gpus->child;
	p = get(g0, "pcie");
	out_addf(&sb, "%d × %s (%s)", n, model_str(g0, "name") ? model_str(g0, "name") : "GPU",
		 quantity_format(num(g0, "memory_total"), "B", mem, sizeof(mem)));
	out_addf(&sb, ", driver %s, CUDA %s", model_str(nv, "driver_version") ? model_str(nv, "driver_version") : "?",
		 model_str(nv, "cuda_driver_version") ? model_str(nv, "cuda_driver_version") : "?");
	if (p)
		out_addf(&sb, "; PCIe gen%.0f x%.0f", num(p, "gen_max"), num(p, "width_max"));
	gpu_links(&sb, gpus);
	return strbuf_detach(&sb);
}

static char *inv_nics(const cJSON *env)
{
	const cJSON *a = get(env, "nics"), *n;
	struct strbuf sb = STRBUF_INIT;
	char sp[64];

	if (!cJSON_IsArray(a))
		return NULL;
	cJSON_ArrayForEach(n, a)
	{
		double speed = num(n, "speed");

		if (cJSON_IsTrue(get(n, "virtual")))
			continue;
		out_addf(&sb, "%s%s (%s, %s, %s, MTU %.0f)", sb.len ? "; " : "",
			 model_str(n, "name") ? model_str(n, "name") : "?",
			 model_str(n, "driver") ? model_str(n, "driver") : "no driver",
			 model_str(n, "operstate") ? model_str(n, "operstate") : "?",
			 isnan(speed) ? "speed unknown" : quantity_format(speed * 1e6 / 8, "B/s", sp, sizeof(sp)),
			 num(n, "mtu"));
	}
	return sb.len ? strbuf_detach(&sb) : xstrdup("none (only virtual interfaces)");
}

static char *inv_ib(const cJSON *env)
{
	const cJSON *a = get(env, "infiniband"), *d, *p;
	struct strbuf sb = STRBUF_INIT;

	if (!cJSON_IsArray(a))
		return NULL;
	cJSON_ArrayForEach(d, a) cJSON_ArrayForEach(p, get(d, "ports"))
		out_addf(&sb, "%s%s port %.0f: %s, %s", sb.len ? "; " : "",
			 model_str(d, "device") ? model_str(d, "device") : "?", num(p, "port"),
			 model_str(p, "state") ? model_str(p, "state") : "?",
			 model_str(p, "rate") ? model_str(p, "rate") : "rate unknown");
	return sb.len ? strbuf_detach(&sb) : xstrdup("none");
}

/*
 * The software the audit found (its env.inventory, probes/METRICS.md): every
 * key with a value but os and kernel (the OS row has them), "key value"
 * joined with " · ". NULL when the node has no audit inventory.
 */
static char *inv_software(const cJSON *inv)
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *e;

	cJSON_ArrayForEach(e, inv)
	{
		if (!cJSON_IsString(e) || !e->string || !strcmp(e->string, "os") || !strcmp(e->string, "kernel"))
			continue;
		out_addf(&sb, "%s%s %s", sb.len ? " · " : "", e->string, e->valuestring);
	}
	return sb.len ? strbuf_detach(&sb) : NULL;
}

/* Node i's audit inventory: env.inventory of the last attempt with a result of its first audit step, or NULL. */
static const cJSON *audit_inventory(const struct rmodel *m, size_t i)
{
	const cJSON *at, *res, *found = NULL;
	size_t k;

	for (k = m->nodes[i].step_first; k < m->nodes[i].step_first + m->nodes[i].nsteps; k++) {
		if (!m->steps[k].probe || strcmp(m->steps[k].probe, "audit"))
			continue;
		cJSON_ArrayForEach(at, get(m->steps[k].obj, "attempts")) if (cJSON_IsObject(res = get(at, "result")))
			found = res;
		if (found)
			return get(get(found, "env"), "inventory");
	}
	return NULL;
}

typedef char *(*inv_fn)(const cJSON *env);

/* What a row reads on each node: its sysinfo env, or its audit inventory. */
enum inv_src { INV_SYSINFO, INV_AUDIT };

static const struct {
	const char *key;
	inv_fn fn;
	enum inv_src src;
} inv_rows[] = {
	{ "OS", inv_os, INV_SYSINFO },	       { "CPU", inv_cpu, INV_SYSINFO },
	{ "NUMA", inv_numa, INV_SYSINFO },     { "memory", inv_memory, INV_SYSINFO },
	{ "GPUs", inv_gpus, INV_SYSINFO },     { "NICs", inv_nics, INV_SYSINFO },
	{ "InfiniBand", inv_ib, INV_SYSINFO }, { "software", inv_software, INV_AUDIT },
};

/*
 * One inventory row over every node: the common text with "(all N nodes)",
 * or the variants by how many nodes have them (drift across a fleet is a
 * finding in itself). Linear: the texts are counted in a hash map.
 */
static char *inv_row(const struct rmodel *m, inv_fn fn, enum inv_src src)
{
	struct map seen = MAP_INIT;
	char **text = xcalloc(m->nnodes, sizeof(char *));
	size_t *count = xcalloc(m->nnodes, sizeof(size_t)), *first = xcalloc(m->nnodes, sizeof(size_t));
	size_t i, v, nv = 0, have = 0, shown;
	struct strbuf sb = STRBUF_INIT;

	for (i = 0; i < m->nnodes; i++) {
		const cJSON *env = src == INV_AUDIT ? audit_inventory(m, i) : get(m->nodes[i].inventory, "env");

		if (!env || !(text[i] = fn(env)))
			continue;
		have++;
		v = map_intern(&seen, text[i], NULL, 0, nv);
		if (v == nv)
			first[nv++] = i;
		count[v]++;
	}
	if (nv == 1) {
		out_str(&sb, text[first[0]]);
		if (m->nnodes > 1)
			out_addf(&sb, " (%s %zu nodes)", have == m->nnodes ? "all" : "the", have);
	} else if (nv > 1) {
		out_addf(&sb, "%zu variants: ", nv);
		for (shown = 0; shown < 3 && shown < nv; shown++) {
			size_t best = 0;

			for (v = 1; v < nv; v++) /* the next most common, in order of appearance on ties */
				if (count[v] > count[best])
					best = v;
			out_addf(&sb, "%s%s (%zu node%s, e.g. %s)", shown ? "; " : "", text[first[best]], count[best],
				 count[best] == 1 ? "" : "s",
				 m->nodes[first[best]].host ? m->nodes[first[best]].host : "?");
			count[best] = 0;
		}
		if (nv > 3)
			out_str(&sb, "; …");
	}
	for (i = 0; i < m->nnodes; i++)
		free(text[i]);
	free(text);
	free(count);
	free(first);
	map_release(&seen);
	return sb.len ? strbuf_detach(&sb) : NULL;
}

static void build_env(struct rmodel *m)
{
	size_t i;

	for (i = 0; i < sizeof(inv_rows) / sizeof(inv_rows[0]); i++)
		add_row(&m->env, &m->nenv, inv_rows[i].key, inv_row(m, inv_rows[i].fn, inv_rows[i].src));
	if (!m->nenv) {
		const cJSON *host = get(m->doc, "host");

		add_row(&m->env, &m->nenv, "inventory",
			xasprintf("not recorded (%s)", model_str(host, "inventory_status")
							       ? model_str(host, "inventory_status")
							       : "no sysinfo document in the results"));
	}
}

/* ---- power and cost ---- */

/* A W metric that is a draw, not a limit or an extreme. */
static int power_metric(const struct rmetric *r)
{
	static const char *const not_draw[] = { "limit", "max", "min", "peak", "idle", "tdp", "cap" };
	size_t i;

	if (!r->unit || strcmp(r->unit, "W") || isnan(r->value))
		return 0;
	for (i = 0; i < sizeof(not_draw) / sizeof(not_draw[0]); i++)
		if (strstr(r->name, not_draw[i]))
			return 0;
	return 1;
}

/*
 * The average power per node: the first W metric that measures a draw; per
 * node, the sum of its values over labels (GPUs) in the first step that has
 * it; then the mean over the nodes that have it.
 */
static void build_power(struct rmodel *m, const struct report_opts *o)
{
	struct rpower *p = &m->power;
	size_t *chosen = xmalloc(m->nnodes * sizeof(size_t)), i, node;
	double *sum = xcalloc(m->nnodes, sizeof(double)), total = 0;

	p->price = o->usd_per_kwh > 0 ? o->usd_per_kwh : 0.12;
	p->util = o->utilization > 0 ? o->utilization : 0.70;
	p->fleet = o->fleet_nodes ? o->fleet_nodes : (unsigned)m->nnodes;
	for (i = 0; i < m->nnodes; i++)
		chosen[i] = NONE;
	for (i = 0; i < m->nmetrics; i++) {
		const struct rmetric *r = &m->metrics[i];
		const struct rstep *s = &m->steps[r->step];

		if (!p->metric) {
			if (!power_metric(r))
				continue;
			p->metric = r->name;
			p->probe = s->probe;
		}
		if (strcmp(r->name, p->metric) || !r->unit || strcmp(r->unit, "W") || isnan(r->value) ||
		    (p->probe && (!s->probe || strcmp(s->probe, p->probe))))
			continue;
		node = s->node;
		if (chosen[node] == NONE)
			chosen[node] = r->step;
		if (chosen[node] == r->step)
			sum[node] += r->value;
	}
	for (i = 0; i < m->nnodes; i++)
		if (chosen[i] != NONE)
			p->nodes++, total += sum[i];
	if (p->nodes) {
		p->measured = 1;
		p->node_w = total / (double)p->nodes;
		p->kwh_node = p->node_w * HOURS_PER_YEAR * p->util / 1000;
		p->kwh_fleet = p->kwh_node * p->fleet;
		p->usd_fleet = p->kwh_fleet * p->price;
	}
	free(chosen);
	free(sum);
}

/* ---- reviewer checklist ---- */

static void item(struct rmodel *m, int done, const char *q, char *evidence)
{
	m->checklist = xrealloc(m->checklist, (m->nchecklist + 1) * sizeof(*m->checklist));
	m->checklist[m->nchecklist].done = done;
	m->checklist[m->nchecklist].question = q;
	m->checklist[m->nchecklist++].evidence = evidence;
}

static int all_problems_have_runbooks(const struct rmodel *m)
{
	size_t i;

	struct rdetail d;

	for (i = 0; i < m->nchecks; i++) {
		if (m->checks[i].verdict == RV_PASS || m->checks[i].verdict == RV_SKIPPED)
			continue;
		model_detail(m, &m->checks[i], &d);
		if (!model_runbook_ok(d.runbook))
			return 0;
	}
	return 1;
}

static void check_meets(struct rmodel *m)
{
	int ok = m->status && (!strcmp(m->status, "READY") || !strcmp(m->status, "READY WITH WARNINGS"));

	item(m, ok, "Does it meet its baseline?", xasprintf("%s: %s", m->status_label, m->headline));
}

static void check_scales(struct rmodel *m)
{
	if (m->nnodes > 1)
		item(m, 1, "Is it scalable?",
		     xasprintf("%zu nodes tested; every check is aggregated across nodes (min / median / max, nodes "
			       "passing) in Results by area",
			       m->nnodes));
	else
		item(m, 0, "Is it scalable?",
		     xstrdup("one node tested: run the plan on every node (srun, mpirun) and report them together "
			     "before sign-off"));
}

static void check_stable(struct rmodel *m)
{
	const char *host = m->max_cv_check ? m->nodes[m->max_cv_check->node].host : NULL;
	char cv[64];

	if (isnan(m->max_cv))
		item(m, 0, "Are the measurements repeatable?",
		     xstrdup("no coefficient of variation recorded: run steps with repeat > 1"));
	else
		item(m, m->max_cv <= STABLE_CV, "Are the measurements repeatable?",
		     xasprintf("highest CV %s (%s%s%s); repeatable means at most 5 %%",
			       quantity_format(m->max_cv, "ratio", cv, sizeof(cv)), m->max_cv_check->id,
			       host ? " on " : "", host ? host : ""));
}

static void check_observable(struct rmodel *m)
{
	int prom = !!(m->formats & REPORT_PROM), junit = !!(m->formats & REPORT_JUNIT);

	item(m, prom, "Is it observable?",
	     xasprintf("%s%s%s", prom ? "metrics.prom for node_exporter's textfile collector (shakedown_* gauges)" : "",
		       prom && junit ? "; " : "",
		       junit  ? "junit.xml for CI"
		       : prom ? ""
			      : "no metrics.prom written with this report: render it with the prom format"));
}

static void check_power(struct rmodel *m)
{
	char usd[64], w[64];

	if (m->power.measured)
		item(m, 1, "Is it affordable to power?",
		     xasprintf("measured %s W per node (%s); about $%s a year for %u node%s (Power and cost)",
			       out_fmt_grouped(m->power.node_w, 0, w, sizeof(w)), m->power.metric,
			       out_fmt_grouped(m->power.usd_fleet, 0, usd, sizeof(usd)), m->power.fleet,
			       m->power.fleet == 1 ? "" : "s"));
	else
		item(m, 0, "Is it affordable to power?",
		     xstrdup("no power was measured: add a soak step that reports power (W) to estimate the cost"));
}

static void check_documented(struct rmodel *m)
{
	int ok = all_problems_have_runbooks(m);

	item(m, ok && m->bl_path, "Is it documented?",
	     xasprintf("%s; baseline %s; plan %s", ok ? "every finding links its runbook" : "a finding has no runbook",
		       m->bl_path ? m->bl_path : "none", m->plan_path ? m->plan_path : "unknown"));
}

static void build_checklist(struct rmodel *m)
{
	check_meets(m);
	check_scales(m);
	check_stable(m);
	check_observable(m);
	check_power(m);
	check_documented(m);
	item(m, 0, "Who owns it?",
	     xstrdup("not recorded by shakedown: name the owner of the fleet, of the baseline and of each runbook"));
	item(m, 0, "What is the rollback?",
	     xstrdup("not recorded by shakedown: note the last known-good driver, firmware and baseline; Environment "
		     "lists the current ones"));
	item(m, m->plan_path && m->version, "Is it reproducible?",
	     xasprintf("plan %s, shakedown %s, the command line in Scope; raw metrics in the appendix and results.json",
		       m->plan_path ? m->plan_path : "unknown", m->version ? m->version : "unknown"));
}

void summary_build(struct rmodel *m, const struct report_opts *o)
{
	m->status_label = m->verdict ? (m->status ? m->status : "NO STATUS") : "NO VERDICT";
	m->headline = compose_headline(m);
	build_scope(m);
	build_env(m);
	build_power(m, o);
	build_checklist(m);
}

void summary_release(struct rmodel *m)
{
	size_t i;

	free(m->headline);
	for (i = 0; i < m->nscope; i++)
		free(m->scope[i].text);
	for (i = 0; i < m->nenv; i++)
		free(m->env[i].text);
	for (i = 0; i < m->nchecklist; i++)
		free(m->checklist[i].evidence);
	free(m->scope);
	free(m->env);
	free(m->checklist);
}
