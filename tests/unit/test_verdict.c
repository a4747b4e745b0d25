/*
 * test_verdict.c - verdicts (verdict.c): every kind of check with its margin,
 * units through baselines, label wildcards per GPU, absent metrics and why
 * (skipped, a GPU probe skipped on a GPU node, errored, missing, no step),
 * the runner's own checks, the inventory, roll-up per node and for the run,
 * multi-node results, the JSON writer, exit codes. Run from the repository
 * root. Results documents are built here with the helpers below, in the
 * layout of runner/RESULTS.md; baselines are inline YAML or
 * tests/data/baselines/good.yaml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "diag.h"
#include "results.h"
#include "verdict.h"
#include "xalloc.h"

#define FIX "tests/data/baselines/"

static char tmpdir[] = "/tmp/sd-test-verdict-XXXXXX";

static int group_setup(void **state)
{
	(void)state;
	setenv("SHAKEDOWN_RUNBOOKS", FIX "runbooks", 1);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc ? -1 : 0;
}

/* ---- building results documents ---- */

/* A sysinfo document with the given GPU count. */
static cJSON *inventory(int gpus)
{
	cJSON *inv = cJSON_CreateObject(), *ms = cJSON_AddArrayToObject(inv, "metrics"), *m;

	cJSON_AddStringToObject(inv, "probe", "sysinfo");
	cJSON_AddStringToObject(inv, "status", "ok");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", "gpus");
	cJSON_AddNumberToObject(m, "value", gpus);
	cJSON_AddStringToObject(m, "unit", "count");
	cJSON_AddItemToArray(ms, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", "memory_total");
	cJSON_AddNumberToObject(m, "value", 24.0 * (1 << 30));
	cJSON_AddStringToObject(m, "unit", "B");
	cJSON_AddItemToArray(ms, m);
	return inv;
}

/* A single-node results document: run status, host node1, an inventory with 4 GPUs, no steps yet. */
static cJSON *doc_new(const char *run_status)
{
	cJSON *doc = cJSON_CreateObject(), *run = cJSON_AddObjectToObject(doc, "run");
	cJSON *host = cJSON_AddObjectToObject(doc, "host");

	cJSON_AddNumberToObject(doc, "schema_version", 1);
	cJSON_AddStringToObject(run, "status", run_status);
	cJSON_AddStringToObject(host, "hostname", "node1");
	cJSON_AddStringToObject(host, "inventory_status", "ok");
	cJSON_AddItemToObject(host, "inventory", inventory(4));
	cJSON_AddObjectToObject(doc, "requires");
	cJSON_AddArrayToObject(doc, "steps");
	return doc;
}

/* A node of a multi-node document. */
static cJSON *node_new(cJSON *doc, const char *host)
{
	cJSON *nodes = cJSON_GetObjectItem(doc, "nodes"), *n = cJSON_CreateObject();

	if (!nodes)
		nodes = cJSON_AddArrayToObject(doc, "nodes");
	cJSON_AddStringToObject(n, "host", host);
	cJSON_AddItemToObject(n, "inventory", inventory(4));
	cJSON_AddArrayToObject(n, "steps");
	cJSON_AddItemToArray(nodes, n);
	return n;
}

/* A step of doc (or of a node); target: the `target` parameter its attempt reported, or NULL. */
static cJSON *step_add(cJSON *doc, const char *id, const char *probe, const char *status, const char *reason,
		       const char *target)
{
	cJSON *s = cJSON_CreateObject(), *at, *res;

	cJSON_AddStringToObject(s, "id", id);
	cJSON_AddStringToObject(s, "probe", probe);
	cJSON_AddStringToObject(s, "status", status);
	cJSON_AddItemToObject(s, "reason", reason ? cJSON_CreateString(reason) : cJSON_CreateNull());
	at = cJSON_CreateObject();
	cJSON_AddStringToObject(at, "status", status);
	res = cJSON_AddObjectToObject(at, "result");
	if (target)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "params"), "target", target);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "attempts"), at);
	cJSON_AddArrayToObject(s, "metrics");
	cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "steps"), s);
	return s;
}

/* A step metric; labels "gpu=0,numa=1" or NULL; n samples with this cv (n < 2: one sample). */
static void metric_add(cJSON *step, const char *name, const char *unit, const char *labels, double value, int n,
		       double cv)
{
	cJSON *m = cJSON_CreateObject(), *l = cJSON_AddObjectToObject(m, "labels"), *st;
	char *copy = labels ? xstrdup(labels) : NULL, *p = copy, *eq, *comma;

	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "unit", unit);
	cJSON_AddStringToObject(m, "better", "higher");
	for (; p && *p; p = comma ? comma + 1 : p + strlen(p)) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		eq = strchr(p, '=');
		*eq = '\0';
		cJSON_AddStringToObject(l, p, eq + 1);
	}
	free(copy);
	cJSON_AddNumberToObject(m, "value", value);
	st = cJSON_AddObjectToObject(m, "stats");
	cJSON_AddNumberToObject(st, "n", n < 1 ? 1 : n);
	cJSON_AddNumberToObject(st, "cv", n < 2 ? 0 : cv);
	cJSON_AddItemToArray(cJSON_GetObjectItem(step, "metrics"), m);
}

static void requirement_add(cJSON *doc, const char *name, const char *metric, double required, double found,
			    int met /* 1, 0, -1: unknown */)
{
	cJSON *rq = cJSON_GetObjectItem(doc, "requires"), *checks = cJSON_GetObjectItem(rq, "checks");
	cJSON *c = cJSON_CreateObject();

	if (!checks)
		checks = cJSON_AddArrayToObject(rq, "checks");
	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddStringToObject(c, "metric", metric);
	cJSON_AddNumberToObject(c, "required", required);
	cJSON_AddItemToObject(c, "found", met < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(found));
	cJSON_AddItemToObject(c, "met", met < 0 ? cJSON_CreateNull() : cJSON_CreateBool(met));
	cJSON_AddItemToArray(checks, c);
}

/* ---- baselines ---- */

static struct baseline *baseline_text(const char *text)
{
	struct baseline *b = xmalloc(sizeof(*b));
	struct diags d = DIAGS_INIT;
	char *path = xasprintf("%s/b.yaml", tmpdir);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	if (baseline_load(path, b, &d))
		diags_print(&d, stderr);
	assert_int_equal(d.n, 0);
	diags_release(&d);
	free(path);
	return b;
}

static void baseline_free(struct baseline *b)
{
	baseline_release(b);
	free(b);
}

/* ---- looking at a verdict ---- */

static const char *field(const cJSON *c, const char *key)
{
	const cJSON *f = cJSON_GetObjectItem(c, key);

	return cJSON_IsString(f) ? f->valuestring : NULL;
}

static double num(const cJSON *c, const char *key)
{
	const cJSON *f = cJSON_GetObjectItem(c, key);

	return cJSON_IsNumber(f) ? f->valuedouble : NAN;
}

static void print_checks(const cJSON *v)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "checks"))
	{
		print_message("  %s %s %s: %s\n", field(c, "id"), field(c, "verdict"),
			      field(c, "runbook") ? field(c, "runbook") : "-", field(c, "message"));
	}
}

/* The check of host (NULL: any) with this id. */
static const cJSON *check_at(const cJSON *v, const char *host, const char *id)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "checks"))
	{
		if (!strcmp(field(c, "id"), id) && (!host || !strcmp(field(c, "host"), host)))
			return c;
	}
	return NULL;
}

/* The check (of host, NULL: any) must be there with this verdict and runbook (NULL: not looked at). */
static const cJSON *expect_at(const cJSON *v, const char *host, const char *id, const char *verdict,
			      const char *runbook)
{
	const cJSON *c = check_at(v, host, id);

	if (!c) {
		print_message("no check '%s'; there are:\n", id);
		print_checks(v);
	}
	assert_non_null(c);
	assert_string_equal(field(c, "verdict"), verdict);
	if (runbook)
		assert_string_equal(field(c, "runbook"), runbook);
	return c;
}

static const cJSON *expect(const cJSON *v, const char *id, const char *verdict, const char *runbook)
{
	return expect_at(v, NULL, id, verdict, runbook);
}

static void expect_status(const cJSON *v, const char *status, int nchecks)
{
	if (strcmp(field(v, "status"), status) || cJSON_GetArraySize(cJSON_GetObjectItem(v, "checks")) != nchecks)
		print_checks(v);
	assert_string_equal(field(v, "status"), status);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "checks")), nchecks);
}

static void expect_margin(const cJSON *c, double want)
{
	double got = num(c, "margin");

	if (isnan(want)) {
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "margin")));
		return;
	}
	/* margins are rounded to 6 decimal places */
	if (fabs(got - want) > 5e-7)
		print_message("margin %.12g, want %.12g\n", got, want);
	assert_true(fabs(got - want) <= 5e-7);
}

/* ---- one check, every kind ---- */

static void test_min_pass_fail_warn(void **state)
{
	struct baseline *b = baseline_text("baseline: t\nchecks:\n  - {metric: hbm.triad, min: 2.9 TB/s, runbook: "
					   "hbm-bandwidth-low}\n");
	struct baseline *bw = baseline_text("baseline: t\nchecks:\n  - {metric: hbm.triad, min: 2.9 TB/s, runbook: "
					    "hbm-bandwidth-low, severity: warning}\n");
	cJSON *doc = doc_new("complete"), *s = step_add(doc, "hbm", "membw", "ok", NULL, "gpu"), *v;
	const cJSON *c, *m;

	(void)state;
	metric_add(s, "triad", "B/s", NULL, 3.01e12, 1, 0);
	v = verdict_evaluate(b, doc, "plan");
	expect_status(v, "READY", 1);
	c = expect(v, "hbm.triad:min", "pass", "hbm-bandwidth-low");
	expect_margin(c, (3.01 - 2.9) / 2.9);
	assert_string_equal(field(c, "message"), "triad 3.01 TB/s >= 2.90 TB/s");
	assert_string_equal(field(c, "threshold_text"), ">= 2.90 TB/s");
	assert_string_equal(field(c, "value_text"), "3.01 TB/s");
	assert_string_equal(field(c, "unit"), "B/s");
	assert_string_equal(field(c, "area"), "membw");
	assert_string_equal(field(c, "host"), "node1");
	assert_string_equal(field(c, "step"), "hbm");
	assert_string_equal(field(c, "probe"), "membw");
	assert_string_equal(field(c, "metric"), "triad");
	assert_string_equal(field(c, "kind"), "min");
	assert_string_equal(field(c, "severity"), "critical");
	assert_true(num(c, "min") == 2.9e12);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "max")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "cv"))); /* one sample */
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(c, "labels")));
	assert_non_null(strstr(field(c, "source"), "b.yaml:3:5"));
	m = cJSON_GetObjectItem(v, "baseline");
	assert_string_equal(field(m, "name"), "t");
	assert_string_equal(field(m, "selected_by"), "plan");
	assert_int_equal(num(cJSON_GetObjectItem(v, "counts"), "pass"), 1);
	cJSON_Delete(v);

	cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(s, "metrics"), 0), "value"),
			     2.5e12);
	v = verdict_evaluate(b, doc, "plan");
	expect_status(v, "NOT READY", 1);
	c = expect(v, "hbm.triad:min", "fail", "hbm-bandwidth-low");
	expect_margin(c, (2.5 - 2.9) / 2.9);
	assert_string_equal(field(c, "message"), "triad 2.50 TB/s < 2.90 TB/s");
	cJSON_Delete(v);

	v = verdict_evaluate(bw, doc, "command line");
	expect_status(v, "READY WITH WARNINGS", 1);
	c = expect(v, "hbm.triad:min", "warn", "hbm-bandwidth-low");
	assert_string_equal(field(c, "severity"), "warning");
	assert_int_equal(num(cJSON_GetObjectItem(v, "counts"), "warn"), 1);
	cJSON_Delete(v);
	cJSON_Delete(doc);
	baseline_free(b);
	baseline_free(bw);
}

static const struct kind_case {
	const char *check; /* the threshold part of the check */
	const char *unit;  /* the metric's */
	double value;
	int n;
	double cv;
	const char *verdict;
	double margin; /* NAN: null */
	const char *message;
} kind_cases[] = {
	{ "max: 10 ms", "s", 0.008, 1, 0, "pass", 0.2, "m 8 ms <= 10 ms" },
	{ "max: 10 ms", "s", 0.012, 1, 0, "fail", -0.2, "m 12 ms > 10 ms" },
	{ "max: 250 us", "s", 3e-4, 1, 0, "fail", -0.2, "m 300 us > 250 us" },
	{ "range: [20 °C, 85 °C]", "celsius", 80, 1, 0, "pass", 5.0 / 85, "m 80 °C within 20 °C to 85 °C" },
	{ "range: [20 °C, 85 °C]", "celsius", 90, 1, 0, "fail", -5.0 / 85, "m 90 °C outside 20 °C to 85 °C" },
	{ "range: [20 °C, 85 °C]", "celsius", 10, 1, 0, "fail", -0.5, NULL },
	{ "{min: 1 kW, max: 2 kW}", "W", 1500, 1, 0, "pass", 0.25, NULL },
	{ "equals: 8", "count", 8, 1, 0, "pass", NAN, "m 8 == 8" },
	{ "equals: 8", "count", 7, 1, 0, "fail", NAN, "m 7 != 8" },
	{ "max_cv: 3%", "B/s", 1e9, 5, 0.01, "pass", 2.0 / 3, "m cv 1 % <= 3 %" },
	{ "max_cv: 3%", "B/s", 1e9, 5, 0.05, "fail", -2.0 / 3, "m cv 5 % > 3 %" },
	{ "max_cv: 0.03", "B/s", 1e9, 1, 0, "skipped", NAN, "'m' has fewer than two samples: no cv to check" },
	{ "min: 0.9 * spec.x", "B/s", 95e9, 1, 0, "pass", 5.0 / 90, "m 95 GB/s >= 90 GB/s" },
	{ "min: 100 GB/s", "B/s", 105e9, 1, 0, "pass", 0.05, NULL },
	{ "min: 100 GiB/s", "B/s", 105e9, 1, 0, "fail", 105e9 / 107374182400.0 - 1, "m 105 GB/s < 107 GB/s" },
	{ "min: 800 Gb/s", "B/s", 105e9, 1, 0, "pass", 0.05, NULL },
	{ "min: 600 TFLOP/s", "FLOP/s", 7.9e14, 1, 0, "pass", 1.9 / 6, "m 790 TFLOP/s >= 600 TFLOP/s" },
	{ "max: 2%", "ratio", 0.01, 1, 0, "pass", 0.5, "m 1 % <= 2 %" },
	{ "min: 8", "B/s", 9e12, 1, 0, "pass", 9e12 / 8 - 1, "m 9 TB/s >= 8 B/s" }, /* not rounded: > 1e9 */
	{ "min: 1 GiB", "B/s", 9e12, 1, 0, "error", NAN, "'GiB' does not fit metric 's.m' (unit B/s)" },
	{ "min: 0", "count", 3, 1, 0, "pass", NAN, NULL },
};

static void test_kinds(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]); i++) {
		const struct kind_case *k = &kind_cases[i];
		char *text = k->check[0] == '{'
				     ? xasprintf("baseline: t\nspecs: {x: 100 GB/s}\nchecks:\n  - {metric: s.m, %.*s, "
						 "runbook: busbw-low}\n",
						 (int)strlen(k->check) - 2, k->check + 1)
				     : xasprintf("baseline: t\nspecs: {x: 100 GB/s}\nchecks:\n  - {metric: s.m, %s, "
						 "runbook: busbw-low}\n",
						 k->check);
		struct baseline *b = baseline_text(text);
		cJSON *doc = doc_new("complete"), *v;
		const cJSON *c;

		print_message("%s, value %g %s\n", k->check, k->value, k->unit);
		metric_add(step_add(doc, "s", "p", "ok", NULL, NULL), "m", k->unit, NULL, k->value, k->n, k->cv);
		v = verdict_evaluate(b, doc, "plan");
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "checks")), 1);
		c = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "checks"), 0);
		print_message("  -> %s: %s (margin %.12g)\n", field(c, "verdict"), field(c, "message"),
			      num(c, "margin"));
		if (strcmp(field(c, "verdict"), k->verdict) ||
		    (k->message && strcmp(field(c, "message"), k->message)) ||
		    (isnan(k->margin) ? !isnan(num(c, "margin")) : !(fabs(num(c, "margin") - k->margin) <= 5e-7)) ||
		    (k->n >= 2 && num(c, "cv") != k->cv)) {
			print_message("  MISMATCH: want %s: %s (margin %.12g)\n", k->verdict,
				      k->message ? k->message : "-", k->margin);
			bad = 1;
		}
		cJSON_Delete(v);
		cJSON_Delete(doc);
		baseline_free(b);
		free(text);
	}
	assert_false(bad);
}

/* ---- labels: every GPU on its own ---- */

static void test_labels(void **state)
{
	struct baseline *b = baseline_text("baseline: t\nchecks:\n"
					   "  - {metric: hbm.triad, labels: {gpu: '*'}, min: 2.5 TB/s, runbook: "
					   "hbm-bandwidth-low}\n"
					   "  - {metric: hbm.triad, labels: {gpu: '2'}, max: 4 TB/s, runbook: "
					   "hbm-bandwidth-low}\n"
					   "  - {metric: hbm.triad, labels: {gpu: '9'}, max: 4 TB/s, runbook: "
					   "busbw-low}\n"
					   "  - {metric: hbm.triad, min: 100 GB/s, runbook: busbw-low}\n");
	cJSON *doc = doc_new("complete"), *s = step_add(doc, "hbm", "membw", "ok", NULL, "gpu"), *v;
	const cJSON *c;
	char id[64];
	int g;

	(void)state;
	for (g = 0; g < 4; g++) {
		snprintf(id, sizeof(id), "gpu=%d", g);
		metric_add(s, "triad", "B/s", id, g == 2 ? 2.4e12 : 3e12, 1, 0);
	}
	metric_add(s, "triad", "B/s", "numa=0", 2e11, 1, 0); /* no gpu label: not selected by {gpu: '*'} */
	v = verdict_evaluate(b, doc, "plan");
	expect_status(v, "NOT READY", 4 + 1 + 1 + 5);
	/* checks that share a metric and a kind are told apart by their runbooks */
	expect(v, "hbm.triad{gpu=0}:min:hbm-bandwidth-low", "pass", NULL);
	expect(v, "hbm.triad{gpu=1}:min:hbm-bandwidth-low", "pass", NULL);
	c = expect(v, "hbm.triad{gpu=2}:min:hbm-bandwidth-low", "fail", "hbm-bandwidth-low");
	assert_string_equal(field(c, "message"), "triad{gpu=2} 2.40 TB/s < 2.50 TB/s");
	assert_string_equal(field(cJSON_GetObjectItem(c, "labels"), "gpu"), "2");
	expect(v, "hbm.triad{gpu=3}:min:hbm-bandwidth-low", "pass", NULL);
	expect(v, "hbm.triad{gpu=2}:max", "pass", NULL);
	c = expect(v, "hbm.triad{gpu=9}:max", "fail", "metric-missing");
	assert_string_equal(field(c, "message"), "step 'hbm' ran but reported no metric 'triad{gpu=9}'");
	assert_string_equal(field(cJSON_GetObjectItem(c, "labels"), "gpu"), "9");
	expect(v, "hbm.triad{numa=0}:min:busbw-low", "pass", NULL); /* no filter: every label set */
	cJSON_Delete(v);
	cJSON_Delete(doc);
	baseline_free(b);
}

/* ---- absent metrics ---- */

static const struct absent_case {
	const char *what;
	const char *status, *reason, *target;
	int gpu_node;	    /* the baseline says the node has 4 GPUs */
	const char *probes; /* node.gpu_probes, or NULL */
	const char *verdict, *runbook, *message;
	const char *step_check; /* the runner's check of the step: "verdict runbook", or NULL */
} absent_cases[] = {
	{ "skipped", "skipped", "no CUDA device", "gpu", 0, NULL, "skipped", "hbm-bandwidth-low",
	  "step 'hbm' was skipped: no CUDA device", NULL },
	{ "skipped on a gpu node", "skipped", "no CUDA device", "auto", 1, NULL, "fail", "probe-skipped-unexpectedly",
	  "step 'hbm' was skipped on a node that should have 4 GPUs: no CUDA device", NULL },
	{ "skipped on a gpu node, listed probe", "skipped", "no CUDA device", NULL, 1, "[membw]", "fail",
	  "probe-skipped-unexpectedly", NULL, NULL },
	{ "skipped on a gpu node, target cpu", "skipped", "x", "cpu", 1, NULL, "skipped", "hbm-bandwidth-low", NULL,
	  NULL },
	{ "skipped on a gpu node, not a gpu probe", "skipped", "x", "gpu", 1, "[gemm]", "skipped", "hbm-bandwidth-low",
	  NULL, NULL },
	{ "crashed", "error", "probe crashed: killed by signal 11 (SIGSEGV)", NULL, 0, NULL, "error", "probe-crashed",
	  "step 'hbm' errored: probe crashed: killed by signal 11 (SIGSEGV)", "error probe-crashed" },
	{ "timed out", "error", "timed out after 60s; stopped with SIGTERM (last log line: x)", NULL, 0, NULL, "error",
	  "probe-timed-out", NULL, "error probe-timed-out" },
	{ "timed out and killed", "error",
	  "timed out after 1s; did not stop within the 5s grace period, killed with SIGKILL", NULL, 0, NULL, "error",
	  "probe-timed-out", NULL, "error probe-timed-out" },
	{ "errored", "error", "probe output is not one JSON document (3 bytes starting 'abc')", NULL, 0, NULL, "error",
	  "probe-error", NULL, "error probe-error" },
	{ "ran without it", "ok", NULL, NULL, 1, NULL, "fail", "metric-missing",
	  "step 'hbm' ran but reported no metric 'triad'", NULL },
	{ "failed without it", "failed", "wrong results", NULL, 0, NULL, "fail", "metric-missing", NULL,
	  "fail probe-failed" },
	{ "not run", "not_run", "requirements not met", NULL, 1, NULL, "skipped", "hbm-bandwidth-low",
	  "step 'hbm' did not run: requirements not met", NULL },
	{ "pending", "pending", NULL, NULL, 0, NULL, "skipped", NULL, "step 'hbm' did not run", NULL },
	{ "interrupted", "interrupted", "interrupted", NULL, 1, NULL, "skipped", NULL, "step 'hbm' was interrupted",
	  NULL },
};

static void test_absent(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(absent_cases) / sizeof(absent_cases[0]); i++) {
		const struct absent_case *a = &absent_cases[i];
		char *text =
			xasprintf("baseline: t\nnode: {gpus: %d%s%s}\nchecks:\n  - {metric: hbm.triad, min: 1 TB/s, "
				  "runbook: hbm-bandwidth-low}\n",
				  a->gpu_node ? 4 : 0, a->probes ? ", gpu_probes: " : "", a->probes ? a->probes : "");
		struct baseline *b;
		cJSON *doc = doc_new("complete"), *v;
		const cJSON *c;

		print_message("case: %s\n", a->what);
		b = baseline_text(text);
		step_add(doc, "hbm", "membw", a->status, a->reason, a->target);
		v = verdict_evaluate(b, doc, "plan");
		c = expect(v, "hbm.triad:min", a->verdict, a->runbook);
		if (a->message)
			assert_string_equal(field(c, "message"), a->message);
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "value")));
		if (a->step_check) {
			char *want = xstrdup(a->step_check), *sp = strchr(want, ' ');

			*sp = '\0';
			expect(v, "hbm:step", want, sp + 1);
			free(want);
		} else {
			assert_null(check_at(v, NULL, "hbm:step"));
		}
		cJSON_Delete(v);
		cJSON_Delete(doc);
		baseline_free(b);
		free(text);
	}
}

/* A check on a step that is not in the run; a probe name reaching two steps. */
static void test_selectors(void **state)
{
	struct baseline *b = baseline_text("baseline: t\nnode: {gpus: 4}\nchecks:\n"
					   "  - {metric: gemm.bf16, min: 1 TFLOP/s, runbook: gemm-throughput-low}\n"
					   "  - {metric: membw.triad, labels: {gpu: '*'}, min: 1 TB/s, runbook: "
					   "hbm-bandwidth-low}\n"
					   "  - {metric: host-membw.triad, min: 10 GB/s, runbook: busbw-low}\n");
	cJSON *doc = doc_new("complete"), *hbm, *host, *v;
	const cJSON *c;

	(void)state;
	hbm = step_add(doc, "hbm", "membw", "ok", NULL, "gpu");
	host = step_add(doc, "host-membw", "membw", "ok", NULL, "cpu");
	metric_add(hbm, "triad", "B/s", "gpu=0", 3e12, 1, 0);
	metric_add(hbm, "triad", "B/s", "gpu=1", 3e12, 1, 0);
	metric_add(host, "triad", "B/s", "numa=0", 2e11, 1, 0);
	v = verdict_evaluate(b, doc, "plan");
	/* host-membw ran without gpu metrics while hbm reported them: no metric-missing */
	expect_status(v, "READY", 4);
	c = expect(v, "gemm.bf16:min", "skipped", "gemm-throughput-low");
	assert_string_equal(field(c, "message"), "no step of this run runs 'gemm'");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "step")));
	assert_string_equal(field(c, "area"), "gemm");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "labels")), 0);
	expect(v, "hbm.triad{gpu=0}:min", "pass", NULL);
	expect(v, "hbm.triad{gpu=1}:min", "pass", NULL);
	expect(v, "host-membw.triad{numa=0}:min", "pass", NULL);
	cJSON_Delete(v);

	/* the GPU step skipped on a GPU node while the host step ran: the skip is what fails */
	cJSON_SetValuestring(cJSON_GetObjectItem(hbm, "status"), "skipped");
	cJSON_DeleteItemFromObject(hbm, "metrics");
	cJSON_AddArrayToObject(hbm, "metrics");
	v = verdict_evaluate(b, doc, "plan");
	c = expect(v, "hbm.triad{gpu=*}:min", "fail", "probe-skipped-unexpectedly");
	assert_string_equal(field(c, "step"), "hbm");
	expect_status(v, "NOT READY", 3);
	cJSON_Delete(v);
	cJSON_Delete(doc);
	baseline_free(b);
}

/* ---- the inventory ---- */

static void test_inventory(void **state)
{
	struct baseline *b =
		baseline_text("baseline: t\nchecks:\n"
			      "  - {metric: sysinfo.gpus, equals: 8, runbook: gpu-count-mismatch}\n"
			      "  - {metric: sysinfo.memory_total, min: 16 GiB, runbook: memory-size-mismatch}\n"
			      "  - {metric: sysinfo.swap_total, max: 0 B, runbook: busbw-low}\n");
	cJSON *doc = doc_new("complete"), *v, *host, *s;
	const cJSON *c;

	(void)state;
	v = verdict_evaluate(b, doc, "auto");
	c = expect(v, "sysinfo.gpus:equals", "fail", "gpu-count-mismatch");
	assert_string_equal(field(c, "message"), "gpus 4 != 8");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "step")));
	assert_string_equal(field(c, "probe"), "sysinfo");
	c = expect(v, "sysinfo.memory_total:min", "pass", NULL);
	assert_string_equal(field(c, "value_text"), "24 GiB");
	c = expect(v, "sysinfo.swap_total:max", "fail", "metric-missing");
	assert_string_equal(field(c, "message"), "the inventory has no metric 'swap_total'");
	cJSON_Delete(v);

	/* a sysinfo step of the plan is used rather than the inventory */
	s = step_add(doc, "inventory", "sysinfo", "ok", NULL, NULL);
	metric_add(s, "gpus", "count", NULL, 8, 1, 0);
	v = verdict_evaluate(b, doc, "auto");
	expect(v, "inventory.gpus:equals", "pass", NULL);
	expect(v, "inventory.memory_total:min", "fail", "metric-missing");
	assert_null(check_at(v, NULL, "sysinfo.gpus:equals"));
	cJSON_Delete(v);
	cJSON_Delete(doc);

	/* no inventory at all */
	doc = doc_new("complete");
	host = cJSON_GetObjectItem(doc, "host");
	cJSON_ReplaceItemInObject(host, "inventory", cJSON_CreateNull());
	cJSON_ReplaceItemInObject(host, "inventory_status", cJSON_CreateString("probe crashed: killed by signal 9"));
	v = verdict_evaluate(b, doc, "auto");
	c = expect(v, "sysinfo.gpus:equals", "error", "probe-crashed");
	assert_string_equal(field(c, "message"), "the inventory is missing: probe crashed: killed by signal 9");
	expect_status(v, "INCOMPLETE", 3);
	cJSON_Delete(v);
	cJSON_Delete(doc);
	baseline_free(b);
}

/* ---- the runner's own checks, with and without a baseline ---- */

static void test_runner_checks(void **state)
{
	cJSON *doc = doc_new("complete"), *v, *s;
	const cJSON *c, *bl;

	(void)state;
	requirement_add(doc, "min_memory", "memory_total", 64.0 * (1 << 30), 24.0 * (1 << 30), 0);
	requirement_add(doc, "gpus_per_node", "gpus", 0, 4, 1);
	requirement_add(doc, "min_cpus", "cpu_threads", 4, 0, -1);
	step_add(doc, "a", "misbehave", "error", "probe crashed: killed by signal 6 (SIGABRT)", NULL);
	s = step_add(doc, "b", "misbehave", "failed", "wrong results", NULL);
	metric_add(s, "value", "count", NULL, 1, 1, 0);
	step_add(doc, "c", "misbehave", "ok", NULL, NULL);
	step_add(doc, "d", "misbehave", "skipped", "no CUDA device", NULL);
	v = verdict_evaluate(NULL, doc, NULL);
	expect_status(v, "NOT READY", 4);
	c = expect(v, "requires.min_memory:requirement", "fail", "requirement-unmet");
	assert_string_equal(field(c, "message"), "requirement 'min_memory' not met: 64 GiB required, 24 GiB found");
	assert_string_equal(field(c, "kind"), "requirement");
	assert_string_equal(field(c, "area"), "requires");
	assert_string_equal(field(c, "threshold_text"), ">= 64 GiB");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "margin")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "labels")));
	c = expect(v, "requires.min_cpus:requirement", "error", "requirement-unmet");
	assert_string_equal(field(c, "message"),
			    "requirement 'min_cpus' could not be checked: the inventory is missing");
	c = expect(v, "a:step", "error", "probe-crashed");
	assert_string_equal(field(c, "message"), "step 'a' (misbehave) errored: probe crashed: killed by signal 6 "
						 "(SIGABRT)");
	assert_string_equal(field(c, "kind"), "step");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "source")));
	c = expect(v, "b:step", "fail", "probe-failed");
	assert_string_equal(field(c, "message"), "step 'b' (misbehave) failed: wrong results");
	bl = cJSON_GetObjectItem(v, "baseline");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(bl, "name")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(bl, "path")));
	assert_string_equal(field(bl, "selected_by"), "none");
	assert_int_equal(verdict_exit_code(v), 1);
	cJSON_Delete(v);
	cJSON_Delete(doc);
}

/* ---- roll-up ---- */

static const struct rollup_case {
	const char *run;	/* run.status */
	const char *results[4]; /* pass, warn, fail (a metric that does), error, skipped (a step that is) */
	const char *want;
	int exit_code;
} rollup_cases[] = {
	{ "complete", { "pass" }, "READY", 0 },
	{ "complete", { "pass", "skipped" }, "READY", 0 },
	{ "complete", { "skipped" }, "READY", 0 },
	{ "complete", { "pass", "warn" }, "READY WITH WARNINGS", 0 },
	{ "complete", { "warn", "error" }, "INCOMPLETE", 3 },
	{ "complete", { "fail", "error", "warn" }, "NOT READY", 1 },
	{ "interrupted", { "pass" }, "INCOMPLETE", 3 },
	{ "running", { "pass", "warn" }, "INCOMPLETE", 3 },
	{ "interrupted", { "pass", "fail" }, "NOT READY", 1 },
	{ "complete", { NULL }, "READY", 0 },
};

/* One step per result, its probe named after it: the baseline below gives each probe's metric that result. */
static void add_outcome(cJSON *doc, size_t i, const char *r)
{
	char id[32];
	cJSON *s;

	snprintf(id, sizeof(id), "s%zu", i);
	if (!strcmp(r, "error") || !strcmp(r, "skipped")) {
		step_add(doc, id, r, r, r, NULL);
		return;
	}
	s = step_add(doc, id, r, "ok", NULL, NULL);
	metric_add(s, "m", "count", NULL, 1, 1, 0);
}

static void test_rollup(void **state)
{
	struct baseline *b = baseline_text("baseline: t\nchecks:\n"
					   "  - {metric: pass.m, min: 1, runbook: busbw-low}\n"
					   "  - {metric: warn.m, min: 2, severity: warning, runbook: busbw-low}\n"
					   "  - {metric: fail.m, min: 2, runbook: busbw-low}\n");
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(rollup_cases) / sizeof(rollup_cases[0]); i++) {
		const struct rollup_case *r = &rollup_cases[i];
		cJSON *doc = doc_new(r->run), *v;
		const cJSON *node;

		for (k = 0; k < 4 && r->results[k]; k++)
			add_outcome(doc, k, r->results[k]);
		v = verdict_evaluate(b, doc, "plan");
		print_message("run %s, %s...: %s\n", r->run, r->results[0] ? r->results[0] : "-", field(v, "status"));
		assert_string_equal(field(v, "status"), r->want);
		assert_int_equal(verdict_exit_code(v), r->exit_code);
		node = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "nodes"), 0);
		assert_string_equal(field(node, "status"), r->want);
		assert_string_equal(field(node, "host"), "node1");
		cJSON_Delete(v);
		cJSON_Delete(doc);
	}
	baseline_free(b);
}

/* ---- several nodes ---- */

static cJSON *multi_node_doc(int nodes)
{
	cJSON *doc = doc_new("complete");
	int i;

	cJSON_DeleteItemFromObject(doc, "steps"); /* a multi-node document has its steps per node */
	for (i = 0; i < nodes; i++) {
		char host[32];
		cJSON *n, *s;
		int g;

		snprintf(host, sizeof(host), "node%03d", i);
		n = node_new(doc, host);
		s = step_add(n, "hbm", "membw", "ok", NULL, "gpu");
		for (g = 0; g < 4; g++) {
			char l[16];

			snprintf(l, sizeof(l), "gpu=%d", g);
			/* node 1: gpu 3 slow (warning tier); node 2: gpu 0 far too slow */
			metric_add(s, "triad", "B/s", l,
				   i == 2 && g == 0   ? 1e12
				   : i == 1 && g == 3 ? 2.8e12
						      : 3.1e12,
				   3, 0.005);
		}
		if (i == 3)
			step_add(n, "gemm", "gemm", "error", "timed out after 10m; stopped with SIGTERM", NULL);
	}
	return doc;
}

static void test_multi_node(void **state)
{
	struct baseline *b;
	struct diags d = DIAGS_INIT;
	cJSON *doc = multi_node_doc(4), *v;
	const cJSON *nodes, *c, *counts;

	(void)state;
	b = xmalloc(sizeof(*b));
	assert_int_equal(baseline_load(FIX "good.yaml", b, &d), 0);
	/* good.yaml names hbm.triad twice (critical 75 %, warning 90 % of 3.35 TB/s) and sysinfo.gpus == 4 */
	v = verdict_evaluate(b, doc, "plan");
	nodes = cJSON_GetObjectItem(v, "nodes");
	assert_int_equal(cJSON_GetArraySize(nodes), 4);
	assert_string_equal(field(cJSON_GetArrayItem(nodes, 0), "status"), "READY");
	assert_string_equal(field(cJSON_GetArrayItem(nodes, 1), "status"), "READY WITH WARNINGS");
	assert_string_equal(field(cJSON_GetArrayItem(nodes, 2), "status"), "NOT READY");
	assert_string_equal(field(cJSON_GetArrayItem(nodes, 3), "status"), "INCOMPLETE");
	assert_string_equal(field(cJSON_GetArrayItem(nodes, 3), "host"), "node003");
	assert_string_equal(field(v, "status"), "NOT READY");
	counts = cJSON_GetObjectItem(v, "counts");
	/*
	 * Per node: hbm.triad x 4 GPUs x 2 tiers, sysinfo.gpus and sysinfo.memory_total from the inventory
	 * (pass), four checks of steps the run has not (skipped); node 3 also has an errored gemm step.
	 */
	assert_int_equal(num(counts, "pass"), 10 + 9 + 8 + 10);
	assert_int_equal(num(counts, "warn"), 2);
	assert_int_equal(num(counts, "fail"), 1);
	assert_int_equal(num(counts, "error"), 2);
	assert_int_equal(num(counts, "skipped"), 4 + 4 + 4 + 3);
	c = expect_at(v, "node002", "hbm.triad{gpu=0}:min:hbm-bandwidth-low:critical", "fail", "hbm-bandwidth-low");
	expect_margin(c, 1e12 / (0.75 * 3.35e12) - 1);
	expect_at(v, "node002", "hbm.triad{gpu=0}:min:hbm-bandwidth-low:warning", "warn", "hbm-bandwidth-low");
	expect_at(v, "node001", "hbm.triad{gpu=3}:min:hbm-bandwidth-low:warning", "warn", "hbm-bandwidth-low");
	expect_at(v, "node000", "hbm.triad{gpu=0}:min:hbm-bandwidth-low:critical", "pass", NULL);
	c = expect_at(v, "node003", "gemm:step", "error", "probe-timed-out");
	c = expect_at(v, "node003", "gemm.bf16_8192x8192x8192:min", "error", "probe-timed-out");
	assert_string_equal(field(c, "message"), "step 'gemm' errored: timed out after 10m; stopped with SIGTERM");
	expect_at(v, "node000", "gemm.bf16_8192x8192x8192:min", "skipped", "gemm-throughput-low");
	expect_at(v, "node001", "sysinfo.gpus:equals", "pass", "gpu-count-mismatch");
	c = expect(v, "host-membw.triad:max_cv", "skipped", "metric-unstable");
	cJSON_Delete(v);
	cJSON_Delete(doc);
	baseline_release(b);
	free(b);
	diags_release(&d);
}

/* tests/data/reports/fleet.json without its verdict. */
static cJSON *fleet_doc(void)
{
	char err[256];
	cJSON *doc = results_read("tests/data/reports/fleet.json", err, sizeof(err));

	if (!doc)
		fail_msg("%s", err);
	cJSON_DeleteItemFromObject(doc, "verdict");
	return doc;
}

static const cJSON *node_named(const cJSON *v, const char *host)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, cJSON_GetObjectItem(v, "nodes"))
	{
		if (!strcmp(field(n, "host"), host))
			return n;
	}
	fail_msg("no node '%s' in the verdict", host);
	return NULL;
}

/*
 * A multi-node run (tests/data/reports/fleet.json): n001 ok, n002 20 % slower
 * in HBM triad but above the baseline, n003 unreachable, n004 on another
 * driver; one collective step (busbw-all) across all of them.
 */
static void test_fleet(void **state)
{
	struct baseline b;
	struct diags d = DIAGS_INIT;
	cJSON *doc = fleet_doc(), *v;
	const cJSON *n, *a, *o, *c;

	(void)state;
	assert_int_equal(baseline_load("tests/data/reports/fleet-baseline.yaml", &b, &d), 0);
	v = verdict_evaluate(&b, doc, "plan");
	assert_string_equal(field(v, "status"), "NOT READY");
	/* four nodes and the collective one */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "nodes")), 5);
	n = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "nodes"), 4);
	assert_string_equal(field(n, "host"), "cluster");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(n, "collective")));
	assert_string_equal(field(n, "status"), "READY");
	/* only the collective step is the cluster's: the node-local steps' summaries at the top are not */
	assert_int_equal(num(cJSON_GetObjectItem(n, "counts"), "pass"), 1);
	assert_null(check_at(v, "cluster", "hbm:step"));
	/* the collective check is judged once, on the cluster node, never skipped on every node */
	expect_at(v, "cluster", "busbw-all.all_reduce_busbw{bytes=1073741824}:min", "pass", "busbw-low");
	assert_null(check_at(v, "n001", "busbw-all.all_reduce_busbw{bytes=1073741824}:min"));
	assert_null(check_at(v, "n001", "busbw-all.all_reduce_busbw:min"));
	assert_int_equal(num(cJSON_GetObjectItem(v, "counts"), "skipped"), 0);
	/* the lost node: one failed check of its own, no baseline checks */
	c = expect_at(v, "n003", "node:unreachable", "fail", "node-lost");
	assert_string_equal(field(c, "message"),
			    "node 'n003' unreachable: ssh: connect to host n003 port 22: No route to host");
	assert_string_equal(field(c, "kind"), "node");
	n = node_named(v, "n003");
	assert_string_equal(field(n, "status"), "NOT READY");
	assert_string_equal(field(n, "node_status"), "unreachable");
	assert_int_equal(num(cJSON_GetObjectItem(n, "counts"), "fail"), 1);
	assert_int_equal(num(cJSON_GetObjectItem(n, "counts"), "pass"), 0);
	/* the slow node passes its baseline ... */
	assert_string_equal(field(node_named(v, "n002"), "status"), "READY");
	expect_at(v, "n002", "hbm.triad{gpu=0}:min", "pass", NULL);
	/* ... and is the only outlier, on both GPUs */
	a = cJSON_GetObjectItem(v, "outliers");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	cJSON_ArrayForEach(o, a)
	{
		assert_string_equal(field(o, "host"), "n002");
		assert_string_equal(field(o, "metric"), "triad");
		assert_string_equal(field(o, "better"), "higher");
		assert_true(num(o, "z") < -3.5);
		assert_int_equal(num(o, "nodes"), 3);
	}
	assert_string_equal(field(cJSON_GetArrayItem(a, 0), "id"), "hbm.triad{gpu=0}");
	assert_int_equal(num(v, "outliers_omitted"), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "series")), 3);
	/* NOT READY nodes, with why */
	a = cJSON_GetObjectItem(v, "not_ready_nodes");
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_string_equal(field(cJSON_GetArrayItem(a, 0), "host"), "n003");
	assert_string_equal(field(cJSON_GetArrayItem(a, 0), "reason"),
			    "unreachable: ssh: connect to host n003 port 22: No route to host");
	/* the drifted driver: the majority first */
	a = cJSON_GetObjectItem(v, "drift");
	o = NULL;
	cJSON_ArrayForEach(c, a)
	{
		if (!strcmp(field(c, "key"), "nvidia_driver"))
			o = c;
	}
	assert_non_null(o);
	assert_int_equal(num(o, "nodes"), 3);
	c = cJSON_GetObjectItem(o, "values");
	assert_int_equal(cJSON_GetArraySize(c), 2);
	assert_string_equal(field(cJSON_GetArrayItem(c, 0), "value"), "580.65.06");
	assert_int_equal(num(cJSON_GetArrayItem(c, 0), "count"), 2);
	assert_string_equal(field(cJSON_GetArrayItem(c, 1), "value"), "570.124.06");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(c, 1), "hosts"), 0)->valuestring,
			    "n004");
	cJSON_Delete(v);

	/* a node that failed a check is listed with the first failure; a timed-out node names its runbook */
	cJSON_SetNumberValue(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(
				cJSON_GetObjectItem(
					cJSON_GetArrayItem(
						cJSON_GetObjectItem(
							cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "nodes"), 0),
							"steps"),
						1),
					"metrics"),
				0),
			"value"),
		5e14);
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "nodes"), 2), "status",
				  cJSON_CreateString("timeout"));
	/* a node-local step's summary at the top says failed: the nodes' own checks say so, not the cluster */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "steps"), 0), "status",
				  cJSON_CreateString("failed"));
	v = verdict_evaluate(&b, doc, "plan");
	a = cJSON_GetObjectItem(v, "not_ready_nodes");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(field(cJSON_GetArrayItem(a, 0), "host"), "n001");
	assert_string_equal(field(cJSON_GetArrayItem(a, 0), "reason"),
			    "1 failed check, first gemm-gpu.bf16_8192x8192x8192:min: bf16_8192x8192x8192 500 TFLOP/s < "
			    "600 TFLOP/s");
	expect_at(v, "n003", "node:timeout", "fail", "node-lost");
	assert_null(check_at(v, "cluster", "hbm:step"));
	cJSON_Delete(v);
	cJSON_Delete(doc);

	/* a single-node document keeps its verdict as it was: no fleet sections */
	doc = doc_new("complete");
	v = verdict_evaluate(&b, doc, "plan");
	assert_null(cJSON_GetObjectItem(v, "not_ready_nodes"));
	assert_null(cJSON_GetObjectItem(v, "outliers"));
	assert_null(cJSON_GetObjectItem(v, "drift"));
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "nodes"), 0), "collective"));
	cJSON_Delete(v);
	cJSON_Delete(doc);
	baseline_release(&b);
	diags_release(&d);
}

/* Drift over many nodes: the majority counted with at most DRIFT_MAX_HOSTS hosts named, the odd one out named. */
static void test_fleet_drift_many(void **state)
{
	cJSON *doc = doc_new("complete"), *v, *n, *vals;
	char host[16];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(host, sizeof(host), "n%02d", i);
		n = node_new(doc, host);
		cJSON_AddStringToObject(
			cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_GetObjectItem(n, "inventory"), "env"),
						"nvml"),
			"driver_version", i == 13 ? "570.124.06" : "580.65.06");
	}
	v = verdict_evaluate(NULL, doc, "none");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "drift")), 1);
	vals = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "drift"), 0), "values");
	assert_int_equal(num(cJSON_GetArrayItem(vals, 0), "count"), 19);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(vals, 0), "hosts")),
			 DRIFT_MAX_HOSTS);
	assert_int_equal(num(cJSON_GetArrayItem(vals, 0), "hosts_omitted"), 19 - DRIFT_MAX_HOSTS);
	assert_string_equal(
		cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(vals, 1), "hosts"), 0)->valuestring, "n13");
	/* no step: no series, no outlier; nobody is NOT READY */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "outliers")), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "not_ready_nodes")), 0);
	cJSON_Delete(v);
	cJSON_Delete(doc);
}

/* The two ways in say the same: verdict_compute() then verdict_json(), and verdict_evaluate(). */
static void test_struct_and_tree(void **state)
{
	struct baseline b;
	struct diags d = DIAGS_INIT;
	struct verdict v;
	cJSON *doc = multi_node_doc(5), *tree, *evaluated;
	const char *reason = "probe crashed: \"quoted\" \\ back\nline\ttab\001";
	const cJSON *c;
	int found = 0;

	(void)state;
	assert_int_equal(baseline_load(FIX "good.yaml", &b, &d), 0);
	requirement_add(doc, "min_memory", "memory_total", 1e12, 0, -1);
	/* text that needs escaping, in a step's reason */
	step_add(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "nodes"), 1), "gemm", "gemm", "error", reason, NULL);
	assert_int_equal(verdict_compute(&v, &b, doc, "auto"), 0);
	tree = verdict_json(&v);
	evaluated = verdict_evaluate(&b, doc, "auto");
	assert_true(cJSON_Compare(tree, evaluated, 1));
	assert_int_equal(v.nnodes, 5);
	assert_int_equal(verdict_status_exit_code(v.status), 1);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(tree, "checks")) found += strstr(field(c, "message"), reason) != NULL;
	assert_true(found >=
		    1); /* the reason whole, as it was (the step check, and checks its error left without a metric) */
	cJSON_Delete(tree);
	cJSON_Delete(evaluated);
	verdict_release(&v);
	/* not a document */
	assert_int_equal(verdict_compute(&v, &b, NULL, "plan"), -1);
	verdict_release(&v);
	baseline_release(&b);
	diags_release(&d);
	cJSON_Delete(doc);
}

/* What results.json keeps: every check of a small run; past VERDICT_LIST_ALL_MAX only those that did not pass. */
static void test_results_json(void **state)
{
	struct baseline b;
	struct diags d = DIAGS_INIT;
	struct verdict v;
	cJSON *doc = multi_node_doc(5), *all, *kept;
	const cJSON *c;
	size_t per_node, nodes, fails = 0;

	(void)state;
	assert_int_equal(baseline_load(FIX "good.yaml", &b, &d), 0);
	assert_int_equal(verdict_compute(&v, &b, doc, "auto"), 0);
	all = verdict_json(&v);
	kept = verdict_results_json(&v);
	assert_true(cJSON_Compare(all, kept, 1)); /* small: the whole verdict */
	assert_null(cJSON_GetObjectItem(kept, "checks_omitted"));
	per_node = v.nchecks / 5;
	cJSON_Delete(all);
	cJSON_Delete(kept);
	verdict_release(&v);
	cJSON_Delete(doc);

	/* just past the limit */
	nodes = VERDICT_LIST_ALL_MAX / per_node + 1;
	doc = multi_node_doc((int)nodes);
	assert_int_equal(verdict_compute(&v, &b, doc, "auto"), 0);
	assert_true(v.nchecks > VERDICT_LIST_ALL_MAX);
	all = verdict_json(&v);
	kept = verdict_results_json(&v);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(all, "counts"), cJSON_GetObjectItem(kept, "counts"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItem(all, "nodes"), cJSON_GetObjectItem(kept, "nodes"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItem(all, "not_ready_nodes"),
				  cJSON_GetObjectItem(kept, "not_ready_nodes"), 1));
	assert_int_equal(num(kept, "checks_omitted"), v.counts[VERDICT_PASS]);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(all, "checks")) fails += strcmp(field(c, "verdict"), "pass") != 0;
	assert_true(fails > 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(kept, "checks")), fails);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(kept, "checks")) assert_string_not_equal(field(c, "verdict"), "pass");
	cJSON_Delete(all);
	cJSON_Delete(kept);
	verdict_release(&v);
	cJSON_Delete(doc);
	baseline_release(&b);
	diags_release(&d);
}

static void test_exit_codes(void **state)
{
	static const struct {
		const char *status;
		int code;
	} cases[] = {
		{ "READY", 0 }, { "READY WITH WARNINGS", 0 }, { "NOT READY", 1 }, { "INCOMPLETE", 3 }, { "bogus", 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *v = cJSON_CreateObject();

		cJSON_AddStringToObject(v, "status", cases[i].status);
		assert_int_equal(verdict_exit_code(v), cases[i].code);
		cJSON_Delete(v);
	}
	assert_int_equal(verdict_exit_code(NULL), 3);
	assert_string_equal(verdict_status_name(VERDICT_READY_WITH_WARNINGS), "READY WITH WARNINGS");
	assert_string_equal(verdict_result_name(VERDICT_SKIPPED), "skipped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_pass_fail_warn),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_runner_checks),
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_multi_node),
		cmocka_unit_test(test_fleet),
		cmocka_unit_test(test_fleet_drift_many),
		cmocka_unit_test(test_struct_and_tree),
		cmocka_unit_test(test_results_json),
		cmocka_unit_test(test_exit_codes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
