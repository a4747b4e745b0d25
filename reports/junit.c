/*
 * junit.c - junit.xml for CI (/work/shared/FACTS.md "CI conventions"):
 * testsuites / one testsuite per node (name = host) with properties plan,
 * baseline, host, verdict / one testcase per check (classname = area,
 * name = check id, time = its step's duration) with failure (verdict fail
 * or warn; type = severity), error (verdict error) or skipped. Without a
 * verdict, one testcase per step (classname = probe, name = step id).
 *
 * GitLab shows classname as the suite and does not fail a job on a failed
 * testcase by itself: the runner's exit code does that.
 */
#include "out.h"
#include "writers.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Attributes are written without printf: junit.xml has one testcase per check of every node. */
static void attr(struct strbuf *o, const char *name, const char *value)
{
	out_str(o, " ");
	out_str(o, name);
	out_str(o, "=\"");
	out_esc_xml(o, value ? value : "");
	out_str(o, "\"");
}

static void attr_num(struct strbuf *o, const char *name, double v)
{
	out_str(o, " ");
	out_str(o, name);
	out_str(o, "=\"");
	out_fixed(o, isnan(v) ? 0.0 : v, 3);
	out_str(o, "\"");
}

static void property(struct strbuf *o, const char *name, const char *value)
{
	out_str(o, "<property");
	attr(o, "name", name);
	attr(o, "value", value);
	out_str(o, "/>\n");
}

static double node_time(const struct rmodel *m, const struct rnode *n)
{
	double t = 0;
	size_t i;

	for (i = 0; i < n->nsteps; i++)
		if (!isnan(m->steps[n->step_first + i].duration))
			t += m->steps[n->step_first + i].duration;
	return t;
}

static void suite_open(const struct rmodel *m, struct strbuf *o, size_t i, size_t tests, size_t failures, size_t errors,
		       size_t skipped)
{
	const struct rnode *n = &m->nodes[i];

	out_str(o, "<testsuite");
	attr(o, "name", n->host ? n->host : "localhost");
	attr(o, "hostname", n->host ? n->host : "localhost");
	out_addf(o, " id=\"%zu\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", i, tests, failures,
		 errors, skipped);
	attr_num(o, "time", node_time(m, n));
	attr(o, "timestamp", m->started);
	out_str(o, ">\n<properties>\n");
	property(o, "plan", m->plan);
	property(o, "baseline", m->bl_name ? m->bl_name : "none");
	property(o, "host", n->host);
	property(o, "verdict", n->status ? n->status : m->status_label);
	property(o, "shakedown_version", m->version);
	property(o, "run_id", m->run_id);
	out_str(o, "</properties>\n");
}

static void failure_message(const struct rmodel *m, struct strbuf *o, const struct rcheck *c, const struct rdetail *d)
{
	char log[512];
	const char *lp = model_check_log(m, c, d, log, sizeof(log));

	if (d->value_text || d->threshold_text)
		out_addf(o, "value %s, threshold %s; ", d->value_text ? d->value_text : "none",
			 d->threshold_text ? d->threshold_text : "none");
	if (d->message)
		out_addf(o, "%s; ", d->message);
	if (d->runbook)
		out_addf(o, "runbook runbooks/%s.md", d->runbook);
	else
		out_str(o, "no runbook");
	if (lp)
		out_addf(o, "; log %s", lp);
}

/* One testcase; passing ones (nearly all of a large fleet) need no detail and no printf. */
static void testcase(const struct rmodel *m, struct strbuf *o, const struct rcheck *c)
{
	struct strbuf msg = STRBUF_INIT;
	double t = c->stepi != MODEL_NONE ? m->steps[c->stepi].duration : 0;
	struct rdetail d;
	const char *el;

	out_str(o, "<testcase");
	attr(o, "classname", MODEL_AREA(m, c));
	attr(o, "name", c->id);
	attr_num(o, "time", t);
	if (c->verdict == RV_PASS) {
		out_str(o, "/>\n");
		return;
	}
	model_detail(m, c, &d);
	out_str(o, ">");
	if (c->verdict == RV_SKIPPED) {
		out_str(o, "<skipped");
		attr(o, "message", d.message ? d.message : "skipped");
		out_str(o, "/></testcase>\n");
		return;
	}
	el = c->verdict == RV_ERROR ? "error" : "failure";
	failure_message(m, &msg, c, &d);
	out_addf(o, "<%s", el);
	attr(o, "message", msg.buf);
	attr(o, "type", c->warning ? "warning" : "critical");
	out_str(o, ">");
	out_esc_xml(o, msg.buf);
	if (d.source) {
		out_str(o, "\nbaseline rule: ");
		out_esc_xml(o, d.source);
	}
	out_addf(o, "</%s></testcase>\n", el);
	strbuf_release(&msg);
}

/* Checks bucketed by node in one counting pass, so each testsuite is written once: linear. */
static void junit_checks(const struct rmodel *m, struct sink *s)
{
	struct strbuf *o = &s->sb;
	size_t *first = xcalloc(m->nnodes + 1, sizeof(size_t)), *fill = xcalloc(m->nnodes + 1, sizeof(size_t));
	size_t *by_node = xcalloc(m->nchecks + 1, sizeof(size_t)), i, k;

	for (i = 0; i < m->nchecks; i++)
		first[m->checks[i].node + 1]++;
	for (i = 0; i < m->nnodes; i++)
		first[i + 1] += first[i];
	for (i = 0; i < m->nchecks; i++)
		by_node[first[m->checks[i].node] + fill[m->checks[i].node]++] = i;
	for (i = 0; i < m->nnodes; i++) {
		const size_t *c = m->nodes[i].counts.v;

		suite_open(m, o, i, first[i + 1] - first[i], c[RV_FAIL] + c[RV_WARN], c[RV_ERROR], c[RV_SKIPPED]);
		for (k = first[i]; k < first[i + 1]; k++) {
			testcase(m, o, &m->checks[by_node[k]]);
			sink_tick(s);
		}
		out_str(o, "</testsuite>\n");
	}
	free(first);
	free(fill);
	free(by_node);
}

/* Without a verdict: a step is a testcase, its status the outcome. */
static void step_case(struct strbuf *o, const struct rstep *s)
{
	const char *st = s->status ? s->status : "pending";

	out_str(o, "<testcase");
	attr(o, "classname", s->probe);
	attr(o, "name", s->id);
	attr_num(o, "time", s->duration);
	if (!strcmp(st, "ok")) {
		out_str(o, "/>\n");
		return;
	}
	out_str(o, ">");
	if (!strcmp(st, "failed") || !strcmp(st, "error") || !strcmp(st, "interrupted")) {
		out_str(o, !strcmp(st, "failed") ? "<failure" : "<error");
		attr(o, "message", s->reason ? s->reason : st);
		attr(o, "type", st);
		out_str(o, !strcmp(st, "failed") ? "/>" : "/>");
	} else {
		out_str(o, "<skipped");
		attr(o, "message", s->reason ? s->reason : st);
		out_str(o, "/>");
	}
	out_str(o, "</testcase>\n");
}

static void step_counts(const struct rmodel *m, const struct rnode *n, size_t c[3])
{
	size_t i;

	c[0] = c[1] = c[2] = 0;
	for (i = 0; i < n->nsteps; i++) {
		const char *st = m->steps[n->step_first + i].status;

		st = st ? st : "pending";
		c[0] += !strcmp(st, "failed");
		c[1] += !strcmp(st, "error") || !strcmp(st, "interrupted");
		c[2] += strcmp(st, "ok") && strcmp(st, "failed") && strcmp(st, "error") && strcmp(st, "interrupted");
	}
}

static void junit_steps(const struct rmodel *m, struct sink *s)
{
	struct strbuf *o = &s->sb;
	size_t i, k, c[3];

	for (i = 0; i < m->nnodes; i++) {
		const struct rnode *n = &m->nodes[i];

		step_counts(m, n, c);
		suite_open(m, o, i, n->nsteps, c[0], c[1], c[2]);
		for (k = 0; k < n->nsteps; k++) {
			step_case(o, &m->steps[n->step_first + k]);
			sink_tick(s);
		}
		out_str(o, "</testsuite>\n");
	}
}

static void totals(const struct rmodel *m, size_t t[4])
{
	size_t i, c[3];

	t[0] = t[1] = t[2] = t[3] = 0;
	if (m->verdict) {
		t[0] = m->nchecks;
		t[1] = m->counts.v[RV_FAIL] + m->counts.v[RV_WARN];
		t[2] = m->counts.v[RV_ERROR];
		t[3] = m->counts.v[RV_SKIPPED];
		return;
	}
	for (i = 0; i < m->nnodes; i++) {
		step_counts(m, &m->nodes[i], c);
		t[0] += m->nodes[i].nsteps;
		t[1] += c[0];
		t[2] += c[1];
		t[3] += c[2];
	}
}

void report_junit(const struct rmodel *m, struct sink *s)
{
	struct strbuf *o = &s->sb;
	struct strbuf name = STRBUF_INIT;
	size_t t[4];

	totals(m, t);
	out_addf(&name, "shakedown %s: %s", m->plan ? m->plan : "run", m->status_label);
	out_str(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	attr(o, "name", name.buf);
	out_addf(o, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", t[0], t[1], t[2], t[3]);
	attr_num(o, "time", m->duration);
	attr(o, "timestamp", m->started);
	out_str(o, ">\n");
	if (m->verdict)
		junit_checks(m, s);
	else
		junit_steps(m, s);
	out_str(o, "</testsuites>\n");
	strbuf_release(&name);
}
