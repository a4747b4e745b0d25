/*
 * md.c - report.md, for the review meeting and the wiki (GitHub/GitLab
 * flavoured Markdown). Section order and content follow the model; every
 * string from the results is escaped with out_esc_md or put in a code span.
 */
#include "out.h"
#include "quantity.h"
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void md_verdict(struct strbuf *o, enum rv v)
{
	out_str(o, v == RV_FAIL ? "**FAIL**" : v == RV_ERROR ? "**ERROR**" : model_verdict_name(v));
}

static void md_value(struct strbuf *o, double v, const char *unit, const char *text)
{
	char buf[64];

	if (text)
		out_esc_md(o, text);
	else if (!isnan(v))
		out_esc_md(o, quantity_format(v, unit, buf, sizeof(buf)));
	else
		out_str(o, "—");
}

static void md_margin(struct strbuf *o, double margin)
{
	char buf[32];

	out_str(o, isnan(margin) ? "—" : out_fmt_margin(margin, buf, sizeof(buf)));
}

static void md_counts(struct strbuf *o, const struct rcounts *c)
{
	static const enum rv order[] = { RV_PASS, RV_WARN, RV_FAIL, RV_SKIPPED, RV_ERROR };
	size_t i;
	int first = 1;

	for (i = 0; i < RV_N; i++) {
		if (!c->v[order[i]])
			continue;
		out_str(o, first ? "" : ", ");
		out_count(o, c->v[order[i]]);
		out_addf(o, " %s", model_verdict_name(order[i]));
		first = 0;
	}
}

static void md_rows(struct strbuf *o, const struct rrow *rows, size_t n)
{
	size_t i;

	out_str(o, "| | |\n|---|---|\n");
	for (i = 0; i < n; i++) {
		out_addf(o, "| %s | ", rows[i].key);
		out_esc_md(o, rows[i].text);
		out_str(o, " |\n");
	}
	out_str(o, "\n");
}

static void md_head(const struct rmodel *m, struct strbuf *o)
{
	out_str(o, "# Readiness report: ");
	out_esc_md(o, m->plan ? m->plan : "unnamed plan");
	out_str(o, "\n\n**");
	out_esc_md(o, m->status_label);
	out_str(o, "** — ");
	out_esc_md(o, m->headline);
	out_str(o, "\n\n");
	if (m->verdict) {
		out_str(o, "| checks | pass | warn | fail | skipped | error |\n|---:|---:|---:|---:|---:|---:|\n| ");
		out_count(o, m->nchecks);
		for (int v = 0; v < RV_N; v++) {
			static const enum rv col[] = { RV_PASS, RV_WARN, RV_FAIL, RV_SKIPPED, RV_ERROR };

			out_str(o, " | ");
			out_count(o, m->counts.v[col[v]]);
		}
		out_str(o, " |\n\n");
	}
	out_str(o, "## Scope\n\n");
	md_rows(o, m->scope, m->nscope);
	out_str(o, "## Environment\n\n");
	if (m->nnodes > 1)
		out_str(o, "One row per property over all nodes: a property that differs between nodes lists its "
			   "variants.\n\n");
	md_rows(o, m->env, m->nenv);
}

static void md_group_single(struct strbuf *o, const struct rgroup *g)
{
	const struct rcheck *c = g->worst;

	out_str(o, "| ");
	out_md_code(o, g->id);
	out_str(o, " | ");
	md_value(o, c->value, g->wd.unit, g->wd.value_text);
	out_str(o, " | ");
	out_esc_md(o, g->wd.threshold_text ? g->wd.threshold_text : "—");
	out_str(o, " | ");
	md_margin(o, c->margin);
	out_str(o, " | ");
	md_verdict(o, g->verdict);
	out_str(o, " |\n");
}

static void md_group_multi(struct strbuf *o, const struct rgroup *g)
{
	const char *unit = g->fd.unit;

	out_str(o, "| ");
	out_md_code(o, g->id);
	out_str(o, " | ");
	md_counts(o, &g->counts);
	out_str(o, " | ");
	md_value(o, g->vmin, unit, NULL);
	out_str(o, " | ");
	md_value(o, g->vmed, unit, NULL);
	out_str(o, " | ");
	md_value(o, g->vmax, unit, NULL);
	out_str(o, " | ");
	out_esc_md(o, g->fd.threshold_text ? g->fd.threshold_text : "—");
	out_str(o, " | ");
	md_margin(o, g->mmin);
	out_str(o, " | ");
	md_verdict(o, g->verdict);
	out_str(o, " |\n");
}

static void md_results(const struct rmodel *m, struct strbuf *o)
{
	size_t a, k;

	out_str(o, "## Results by area\n\n");
	if (!m->ngroups) {
		out_str(o, m->verdict
				   ? "No checks were evaluated.\n\n"
				   : "No verdict: results.json has no verdict section, so no value was checked against "
				     "a baseline. The measured values are in the appendix.\n\n");
		return;
	}
	if (m->nnodes > 1)
		out_str(o, "One row per check over all nodes: how many nodes passed, the spread of the value, and the "
			   "worst node's margin.\n\n");
	for (a = 0; a < m->nareas; a++) {
		out_str(o, "### ");
		out_esc_md(o, m->areas[a].name);
		out_str(o, " (");
		md_counts(o, &m->areas[a].counts);
		out_str(o, ")\n\n");
		out_str(o, m->nnodes > 1
				   ? "| check | nodes | min | median | max | threshold | worst margin | verdict |\n"
				     "|---|---|---:|---:|---:|---|---:|---|\n"
				   : "| check | value | threshold | margin | verdict |\n|---|---:|---|---:|---|\n");
		for (k = 0; k < m->areas[a].n; k++) {
			const struct rgroup *g = &m->groups[m->order[m->areas[a].first + k]];

			if (m->nnodes > 1)
				md_group_multi(o, g);
			else
				md_group_single(o, g);
		}
		out_str(o, "\n");
	}
}

static void md_runbook(const struct rmodel *m, struct strbuf *o, const char *id)
{
	if (!id) {
		out_str(o, "none");
		return;
	}
	if (!model_runbook_ok(id)) {
		out_md_code(o, id);
		return;
	}
	out_addf(o, "[%s](", id);
	out_esc_md(o, m->runbook_prefix);
	out_addf(o, "%s.md)", id);
}

static void md_problem(const struct rmodel *m, struct strbuf *o, size_t i, const struct rcheck *c)
{
	struct rdetail d;
	char log[512];
	const char *lp;

	model_detail(m, c, &d);
	lp = model_check_log(m, c, &d, log, sizeof(log));
	out_addf(o, "### %zu. %s ", i + 1, c->verdict == RV_WARN ? "WARN" : c->verdict == RV_ERROR ? "ERROR" : "FAIL");
	out_md_code(o, c->id);
	if (d.host) {
		out_str(o, " on ");
		out_esc_md(o, d.host);
	}
	out_str(o, "\n\n");
	if (!isnan(c->value) || d.value_text || d.threshold_text) {
		out_str(o, "- **value** ");
		md_value(o, c->value, d.unit, d.value_text);
		out_str(o, ", **threshold** ");
		out_esc_md(o, d.threshold_text ? d.threshold_text : "—");
		out_str(o, ", **margin** ");
		md_margin(o, c->margin);
		out_str(o, "\n");
	}
	if (d.message) {
		out_str(o, "- **reason** ");
		out_esc_md(o, d.message);
		out_str(o, "\n");
	}
	out_str(o, "- **step** ");
	out_md_code(o, d.step ? d.step : "?");
	out_str(o, " (probe ");
	out_md_code(o, d.probe ? d.probe : "?");
	out_addf(o, "), severity %s, log ", c->warning ? "warning" : "critical");
	out_md_code(o, lp ? lp : "none");
	out_str(o, "\n");
	if (d.source) {
		out_str(o, "- **baseline rule** ");
		out_md_code(o, d.source);
		out_str(o, "\n");
	}
	out_str(o, "- **runbook** ");
	md_runbook(m, o, d.runbook);
	out_str(o, "\n\n");
}

static void md_problems(const struct rmodel *m, struct strbuf *o)
{
	size_t i, total = m->counts.v[RV_FAIL] + m->counts.v[RV_ERROR] + m->counts.v[RV_WARN];

	out_str(o, "## Failures\n\n");
	if (!m->verdict) {
		out_str(o, "No verdict, so no failures were judged. Step outcomes are in the appendix.\n\n");
		return;
	}
	if (!total) {
		out_str(o, "No check failed, errored or warned.\n\n");
		return;
	}
	out_str(o, "Failed checks first, then checks that could not be evaluated, then warnings; each with its "
		   "evidence and runbook. Logs are relative to the run directory.\n\n");
	for (i = 0; i < m->nproblems; i++)
		md_problem(m, o, i, &m->checks[m->problems[i]]);
	if (total > m->nproblems) {
		out_count(o, total - m->nproblems);
		out_str(o, " more not shown here: junit.xml and results.json list every check.\n\n");
	}
}

/* NOT READY nodes of a multi-node verdict, with why (verdict.not_ready_nodes). */
static void md_not_ready(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *it;
	size_t shown = 0, n = (size_t)cJSON_GetArraySize(m->not_ready);

	if (!m->not_ready)
		return;
	out_str(o, "## NOT READY nodes\n\n");
	if (!n) {
		out_str(o, "None: every node is ready.\n\n");
		return;
	}
	out_count(o, n);
	out_str(o, n == 1 ? " node is NOT READY:\n\n" : " nodes are NOT READY:\n\n");
	out_str(o, "| node | why |\n|---|---|\n");
	cJSON_ArrayForEach(it, m->not_ready)
	{
		if (shown++ == MODEL_MAX_NODES_LISTED)
			break;
		out_str(o, "| ");
		out_md_code(o, model_str(it, "host") ? model_str(it, "host") : "?");
		out_str(o, " | ");
		out_esc_md(o, model_str(it, "reason") ? model_str(it, "reason") : "");
		out_str(o, " |\n");
	}
	if (n > MODEL_MAX_NODES_LISTED) {
		out_str(o, "\n");
		out_count(o, n - MODEL_MAX_NODES_LISTED);
		out_str(o, " more not shown here (results.json lists them all).\n");
	}
	out_str(o, "\n");
}

static void md_num(struct strbuf *o, const cJSON *obj, const char *key, const char *unit)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	md_value(o, cJSON_IsNumber(v) ? v->valuedouble : NAN, unit, NULL);
}

static void md_outliers(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *it, *z, *omitted = cJSON_GetObjectItemCaseSensitive(m->verdict, "outliers_omitted");
	size_t shown = 0, n = (size_t)cJSON_GetArraySize(m->outliers);

	out_str(o, "## Outlier nodes\n\n");
	if (!n) {
		if (m->series)
			out_str(o, "None: no node is far from its peers (modified z-score beyond 3.5 on the bad side, "
				   "series of at least 5 nodes; probes/METRICS.md \"Across nodes\").\n\n");
		else
			out_str(o, m->nnodes > 1
					   ? "No multi-node outlier analysis yet. The spread of each check across "
					     "nodes is in Results by area.\n\n"
					   : "No multi-node outlier analysis yet.\n\n");
		return;
	}
	out_str(o, "Nodes far worse than their peers (modified z-score beyond 3.5 on the bad side), worst first:\n\n"
		   "| node | metric | value | median | z | |\n|---|---|---:|---:|---:|---|\n");
	cJSON_ArrayForEach(it, m->outliers)
	{
		const char *unit = model_str(it, "unit");

		if (shown++ == MODEL_MAX_DETAIL)
			break;
		out_str(o, "| ");
		out_md_code(o, model_str(it, "host") ? model_str(it, "host") : "?");
		out_str(o, " | ");
		out_md_code(o, model_str(it, "id") ? model_str(it, "id") : "?");
		out_str(o, " | ");
		md_num(o, it, "value", unit);
		out_str(o, " | ");
		md_num(o, it, "median", unit);
		out_str(o, " | ");
		z = cJSON_GetObjectItemCaseSensitive(it, "z");
		if (cJSON_IsNumber(z))
			out_fixed(o, z->valuedouble, 1);
		out_str(o, " | ");
		out_esc_md(o, model_str(it, "message") ? model_str(it, "message") : "");
		out_str(o, " |\n");
	}
	n += cJSON_IsNumber(omitted) ? (size_t)omitted->valuedouble : 0;
	if (n > MODEL_MAX_DETAIL) {
		out_str(o, "\n");
		out_count(o, n - MODEL_MAX_DETAIL);
		out_str(o, " more not shown here (results.json).\n");
	}
	out_str(o, "\n");
}

/* The pairwise locator's suspects (results' locate[]): a collective run on node pairs. */
static void md_locate(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *l, *it;

	cJSON_ArrayForEach(l, m->locate)
	{
		out_str(o, "Pairwise locate of ");
		out_md_code(o, model_str(l, "step") ? model_str(l, "step") : "?");
		out_str(o, " (");
		out_esc_md(o, model_str(l, "metric") ? model_str(l, "metric") : "?");
		out_str(o, ", ");
		out_count(o, (unsigned long long)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "pairs")));
		out_str(o, " pair runs):");
		if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "suspect_nodes")) &&
		    !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "suspect_links")))
			out_str(o, " no suspect.");
		out_str(o, "\n\n");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "suspect_nodes"))
		{
			out_str(o, "- node ");
			out_md_code(o, model_str(it, "host") ? model_str(it, "host") : "?");
			out_str(o, ": ");
			out_esc_md(o, model_str(it, "reason") ? model_str(it, "reason") : "");
			out_str(o, "\n");
		}
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "suspect_links"))
		{
			out_str(o, "- link ");
			out_md_code(o, model_str(it, "a") ? model_str(it, "a") : "?");
			out_str(o, " – ");
			out_md_code(o, model_str(it, "b") ? model_str(it, "b") : "?");
			out_str(o, ": ");
			out_esc_md(o, model_str(it, "reason") ? model_str(it, "reason") : "");
			out_str(o, "\n");
		}
		out_str(o, "\n");
	}
}

/* "n001, n002 and 3 more" */
static void md_hosts(struct strbuf *o, const cJSON *val)
{
	const cJSON *h, *omitted = cJSON_GetObjectItemCaseSensitive(val, "hosts_omitted");
	int first = 1;

	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(val, "hosts"))
	{
		out_str(o, first ? "" : ", ");
		out_md_code(o, cJSON_IsString(h) ? h->valuestring : "?");
		first = 0;
	}
	if (cJSON_IsNumber(omitted) && omitted->valuedouble > 0) {
		out_str(o, " and ");
		out_count(o, (unsigned long long)omitted->valuedouble);
		out_str(o, " more");
	}
}

/* Versions and configuration that differ between nodes (verdict.drift). */
static void md_drift(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *k, *val, *cnt;

	if (!m->drift)
		return;
	out_str(o, "## Fleet drift\n\n");
	if (!cJSON_GetArraySize(m->drift)) {
		out_str(o, "None: every node reports the same versions and configuration (the allowlist in "
			   "probes/METRICS.md \"Across nodes\").\n\n");
		return;
	}
	out_str(o, "| key | value | nodes | hosts |\n|---|---|---:|---|\n");
	cJSON_ArrayForEach(k, m->drift)
	{
		cJSON_ArrayForEach(val, cJSON_GetObjectItemCaseSensitive(k, "values"))
		{
			cnt = cJSON_GetObjectItemCaseSensitive(val, "count");
			out_str(o, "| ");
			out_md_code(o, model_str(k, "key") ? model_str(k, "key") : "?");
			out_str(o, " | ");
			out_md_code(o, model_str(val, "value") ? model_str(val, "value") : "?");
			out_str(o, " | ");
			out_count(o, cJSON_IsNumber(cnt) ? (unsigned long long)cnt->valuedouble : 0);
			out_str(o, " | ");
			md_hosts(o, val);
			out_str(o, " |\n");
		}
	}
	out_str(o, "\n");
}

static void md_power(const struct rmodel *m, struct strbuf *o)
{
	const struct rpower *p = &m->power;
	char a[64], b[64], c[64], d[64];

	out_str(o, "## Power and cost\n\n");
	if (!p->measured) {
		out_str(o, "No power was measured in this run (no metric with unit W): add a soak step to estimate the "
			   "energy cost.\n\n");
		out_addf(
			o,
			"The estimate would be: annual kWh = average W per node × 8,760 h × utilisation / 1000 × "
			"nodes; cost = kWh × price. For scale, each 1 kW of average node draw at %.0f %% utilisation is "
			"%s kWh a year, $%s at $%.2f/kWh, per node.\n\n",
			p->util * 100, out_fmt_grouped(MODEL_KWH_PER_KW_YEAR(p->util), 0, a, sizeof(a)),
			out_fmt_grouped(MODEL_KWH_PER_KW_YEAR(p->util) * p->price, 2, b, sizeof(b)), p->price);
		return;
	}
	out_str(o, "| input | value |\n|---|---|\n");
	out_addf(o, "| average power per node | %s W: ", out_fmt_grouped(p->node_w, 0, a, sizeof(a)));
	out_md_code(o, p->metric);
	out_str(o, " of probe ");
	out_md_code(o, p->probe ? p->probe : "?");
	out_addf(o, ", summed over its labels (GPUs), mean over %zu node%s |\n", p->nodes, p->nodes == 1 ? "" : "s");
	out_addf(o, "| utilisation | %.0f %% |\n| fleet | %s node%s |\n| price | $%.3g per kWh |\n\n", p->util * 100,
		 out_fmt_grouped(p->fleet, 0, b, sizeof(b)), p->fleet == 1 ? "" : "s", p->price);
	out_addf(o,
		 "Annual energy per node = W × 8,760 h × utilisation / 1000 = %s × 8,760 × %.2f / 1000 = **%s kWh**; "
		 "for the fleet × %u = **%s kWh**.\n\n",
		 out_fmt_grouped(p->node_w, 0, a, sizeof(a)), p->util, out_fmt_grouped(p->kwh_node, 0, b, sizeof(b)),
		 p->fleet, out_fmt_grouped(p->kwh_fleet, 0, c, sizeof(c)));
	out_addf(o, "Annual cost = %s kWh × $%.3g = **$%s a year**.\n\n", c, p->price,
		 out_fmt_grouped(p->usd_fleet, 0, d, sizeof(d)));
	out_str(o, "This is the power the probe measured (GPU board power); CPUs, memory, fans, NICs and the "
		   "facility's PUE are not included.\n\n");
}

static void md_checklist(const struct rmodel *m, struct strbuf *o)
{
	size_t i;

	out_str(o, "## Reviewer checklist\n\n");
	for (i = 0; i < m->nchecklist; i++) {
		out_addf(o, "- [%c] **%s** — ", m->checklist[i].done ? 'x' : ' ', m->checklist[i].question);
		out_esc_md(o, m->checklist[i].evidence);
		out_str(o, "\n");
	}
	out_str(o, "\n");
}

static void md_metric(struct strbuf *o, const struct rmetric *r)
{
	struct strbuf l = STRBUF_INIT;
	const cJSON *st = r->stats;
	char buf[64];

	out_str(o, "| ");
	out_md_code(o, r->name);
	out_str(o, " | ");
	model_labels(&l, r->labels);
	if (l.len)
		out_md_code(o, l.buf);
	strbuf_release(&l);
	out_str(o, " | ");
	md_value(o, r->value, r->unit, NULL);
	out_str(o, " | ");
	out_esc_md(o, r->unit ? r->unit : "");
	if (st) {
		out_addf(o, " | %.0f | ", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "n")));
		md_value(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "median")), r->unit, NULL);
		out_str(o, " | ");
		md_value(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "min")), r->unit, NULL);
		out_str(o, " | ");
		md_value(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "max")), r->unit, NULL);
		out_str(o, " | ");
		out_str(o, quantity_format(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "cv")), "ratio",
					   buf, sizeof(buf)));
		out_str(o, " |\n");
	} else {
		out_str(o, " | — | — | — | — | — |\n");
	}
}

static void md_step(const struct rmodel *m, struct strbuf *o, const struct rstep *s, size_t *rows)
{
	char d[64];
	size_t k;

	out_str(o, "### ");
	out_esc_md(o, m->nodes[s->node].host ? m->nodes[s->node].host : "node");
	out_str(o, " / ");
	out_md_code(o, s->id ? s->id : "?");
	out_str(o, " (");
	out_esc_md(o, s->probe ? s->probe : "?");
	out_addf(o, ", %s, %s", s->status ? s->status : "?", out_fmt_duration(s->duration, d, sizeof(d)));
	out_str(o, ")\n\n");
	if (s->reason) {
		out_esc_md(o, s->reason);
		out_str(o, "\n\n");
	}
	if (!s->nmetrics) {
		out_str(o, "No metrics.\n\n");
		return;
	}
	out_str(o, "| metric | labels | value | unit | n | median | min | max | CV |\n"
		   "|---|---|---:|---|---:|---:|---:|---:|---:|\n");
	for (k = 0; k < s->nmetrics && *rows < MODEL_MAX_APPENDIX; k++, (*rows)++)
		md_metric(o, &m->metrics[s->metric_first + k]);
	if (k < s->nmetrics)
		out_addf(o, "\n%zu more metrics not shown (results.json has them all).\n", s->nmetrics - k);
	out_str(o, "\n");
}

static void md_appendix(const struct rmodel *m, struct strbuf *o)
{
	const struct rnode *n = &m->nodes[0];
	size_t i, rows = 0;

	out_str(o, "## Appendix: raw metrics\n\n");
	if (m->nnodes > 1) {
		out_str(o, "The first node in full; ");
		out_count(o, m->nnodes - 1);
		out_str(o, " more nodes are in results.json (and in metrics.prom, one series per node).\n\n");
	}
	if (!n->nsteps)
		out_str(o, "No steps recorded.\n\n");
	for (i = 0; i < n->nsteps && rows < MODEL_MAX_APPENDIX; i++)
		md_step(m, o, &m->steps[n->step_first + i], &rows);
	if (i < n->nsteps)
		out_addf(o, "%zu more steps not shown (results.json has them all).\n\n", n->nsteps - i);
}

void report_md(const struct rmodel *m, struct sink *s)
{
	struct strbuf *o = &s->sb;

	md_head(m, o);
	md_not_ready(m, o);
	md_results(m, o);
	md_problems(m, o);
	md_outliers(m, o);
	md_locate(m, o);
	md_drift(m, o);
	md_power(m, o);
	md_checklist(m, o);
	md_appendix(m, o);
	out_str(o, "---\nGenerated by shakedown");
	if (m->version) {
		out_str(o, " ");
		out_esc_md(o, m->version);
	}
	out_str(o, " from results.json (the source of truth).\n");
}
