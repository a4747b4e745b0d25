/*
 * test_baseline.c - the baseline loader (baseline.c): units through
 * quantity.h, every kind of check, spec-relative bounds, every error message
 * with its line:column, checks against a plan and the probes' descriptions,
 * the runbooks directory, and `baseline: auto` against constructed
 * inventories. Run from the repository root; fixtures are in
 * tests/data/baselines/ (runbooks/ there stands in for the repository's).
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
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "catalog.h"
#include "diag.h"
#include "plan.h"
#include "xalloc.h"

#define FIX "tests/data/baselines/"
#define MAXMSG 8

static char tmpdir[] = "/tmp/sd-test-baseline-XXXXXX";

static int group_setup(void **state)
{
	const char *b = getenv("SD_BUILD") ? getenv("SD_BUILD") : "build";
	char *path;

	(void)state;
	setenv("SHAKEDOWN_RUNBOOKS", FIX "runbooks", 1);
	path = xasprintf("%s/bin/probes:%s/tests/probes", b, b);
	setenv("SHAKEDOWN_PROBE_PATH", path, 1);
	free(path);
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

/* Write text to tmpdir/name; returns the path (caller frees). */
static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* 0 when d holds exactly want[] (NULL-terminated) as "line:col: message" (file left out when it is self). */
static int diags_differ(const struct diags *d, const char *self, const char *const *want)
{
	char buf[1024], *got;
	size_t i, n = 0;
	int bad = 0;

	while (want[n])
		n++;
	for (i = 0; i < d->n || i < n; i++) {
		const struct diag *g = i < d->n ? &d->v[i] : NULL;

		if (g && g->file && !strcmp(g->file, self))
			got = xasprintf("%d:%d: %s", g->line, g->col, g->msg);
		else
			got = xstrdup(g ? diag_format(g, buf, sizeof(buf)) : "(nothing)");
		if (i >= n || strcmp(got, want[i])) {
			print_message("  message %zu\n    got:  %s\n    want: %s\n", i + 1, got,
				      i < n ? want[i] : "(nothing)");
			bad = 1;
		}
		free(got);
	}
	return bad;
}

static void expect_diags(const struct diags *d, const char *self, const char *const *want)
{
	assert_false(diags_differ(d, self, want));
}

/* Load text as a baseline; d gets the messages. */
static int load_text(const char *text, struct baseline *b, struct diags *d, char **path)
{
	*path = write_file("b.yaml", text);
	return baseline_load(*path, b, d);
}

/* ---- a good file ---- */

static void test_good_file(void **state)
{
	struct baseline b;
	struct diags d = DIAGS_INIT;
	const struct baseline_check *c;

	(void)state;
	assert_int_equal(baseline_load(FIX "good.yaml", &b, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(b.name, "test-gpu");
	assert_string_equal(b.description, "four test GPUs");
	assert_true(b.has_match);
	assert_string_equal(b.match.gpu_name, "Test GPU*");
	assert_int_equal(b.match.gpus, 4);
	assert_int_equal(b.match.min_memory, 16ULL << 30);
	assert_int_equal(b.match.min_cpus, 2);
	assert_string_equal(b.match.cpu_model, "xeon");
	assert_int_equal(b.node_gpus, 4);
	assert_int_equal(b.ngpu_probes, 2);
	assert_string_equal(b.gpu_probes[1], "gemm");
	assert_int_equal(b.nspecs, 3);
	assert_true(b.specs[0].value == 3.35e12);
	assert_string_equal(b.specs[0].unit, "B/s");
	assert_string_equal(b.specs[0].unit_text, "TB/s");
	assert_null(b.specs[2].unit);
	assert_string_equal(b.runbooks_dir, FIX "runbooks");
	assert_int_equal(b.nchecks, 8);

	c = &b.checks[0];
	assert_string_equal(c->selector, "hbm");
	assert_string_equal(c->metric, "triad");
	assert_int_equal(c->kind, BASELINE_MIN);
	assert_true(fabs(c->min - 0.75 * 3.35e12) < 1);
	assert_true(isnan(c->max) && isnan(c->equals) && isnan(c->max_cv));
	assert_string_equal(c->unit, "B/s");
	assert_string_equal(c->unit_text, "TB/s");
	assert_int_equal(c->nlabels, 1);
	assert_string_equal(c->labels[0].value, "*");
	assert_string_equal(c->threshold_text, ">= 2.51 TB/s (0.75 × spec.hbm_bw 3.35 TB/s)");
	assert_string_equal(c->id_suffix, ":min:hbm-bandwidth-low:critical");
	assert_int_equal(c->severity, BASELINE_CRITICAL);
	assert_string_equal(c->source, FIX "good.yaml:11:5");
	assert_int_equal(c->metric_line, 11);
	assert_int_equal(c->metric_col, 13);

	c = &b.checks[1];
	assert_true(fabs(c->min - 0.9 * 3.35e12) < 1);
	assert_string_equal(c->threshold_text, ">= 3.02 TB/s (0.9 × spec.hbm_bw 3.35 TB/s)");
	assert_string_equal(c->id_suffix, ":min:hbm-bandwidth-low:warning");
	assert_int_equal(c->severity, BASELINE_WARNING);

	c = &b.checks[2];
	assert_int_equal(c->kind, BASELINE_EQUALS);
	assert_true(c->equals == 4);
	assert_null(c->unit);
	assert_string_equal(c->threshold_text, "== 4 (spec.gpus 4)");
	assert_string_equal(c->id_suffix, ":equals");

	c = &b.checks[3];
	assert_int_equal(c->kind, BASELINE_MAX_CV);
	assert_true(fabs(c->max_cv - 0.03) < 1e-12);
	assert_string_equal(c->runbook, "metric-unstable"); /* the default */
	assert_string_equal(c->threshold_text, "cv <= 3 %");

	c = &b.checks[4];
	assert_int_equal(c->kind, BASELINE_RANGE);
	assert_true(c->min == 20 && c->max == 85);
	assert_string_equal(c->unit, "celsius");
	assert_string_equal(c->threshold_text, "20 °C to 85 °C");
	assert_string_equal(c->labels[0].name, "gpu"); /* sorted */
	assert_string_equal(c->labels[1].name, "node");

	c = &b.checks[5];
	assert_int_equal(c->kind, BASELINE_RANGE); /* min and max together */
	assert_true(c->min == 16.0 * (1 << 30) && c->max == 4.0 * 1099511627776.0);
	assert_string_equal(c->threshold_text, "16 GiB to 4 TiB");

	assert_string_equal(b.checks[6].threshold_text, ">= 600 TFLOP/s");
	assert_string_equal(b.checks[7].threshold_text, "<= 2 %");
	assert_string_equal(b.checks[7].id_suffix, ":max");
	baseline_release(&b);
	diags_release(&d);
}

/* Check ids: a suffix only as long as it must be to keep them apart. */
static void test_ids(void **state)
{
	static const char *const text =
		"baseline: x\nchecks:\n"
		"  - {metric: s.m, labels: {gpu: '0'}, min: 1, runbook: busbw-low}\n" /* disjoint from the next */
		"  - {metric: s.m, labels: {gpu: '1'}, min: 1, runbook: busbw-low}\n"
		"  - {metric: s.n, labels: {gpu: '*'}, min: 1, runbook: busbw-low}\n" /* overlaps the next */
		"  - {metric: s.n, labels: {gpu: '1'}, min: 2, runbook: hbm-bandwidth-low}\n"
		"  - {metric: s.n, max: 9, runbook: busbw-low}\n" /* another kind */
		"  - {metric: s.o, min: 1, runbook: busbw-low}\n"
		"  - {metric: s.o, min: 2, runbook: busbw-low, severity: warning}\n";
	static const char *const want[] = {
		":min",
		":min",
		":min:busbw-low",
		":min:hbm-bandwidth-low",
		":max",
		":min:busbw-low:critical",
		":min:busbw-low:warning",
	};
	struct baseline b;
	struct diags d = DIAGS_INIT;
	char *path;
	size_t i;

	(void)state;
	assert_int_equal(load_text(text, &b, &d, &path), 0);
	assert_int_equal(b.nchecks, 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(b.checks[i].id_suffix, want[i]);
	baseline_release(&b);
	diags_release(&d);
	free(path);
}

/* ---- units, through a one-check baseline ---- */

static const struct unit_case {
	const char *bound; /* "min: X" */
	double value;	   /* in base units */
	const char *unit;  /* base unit, NULL for a plain number */
	const char *text;  /* threshold_text */
} unit_cases[] = {
	{ "2.9 TB/s", 2.9e12, "B/s", ">= 2.90 TB/s" },
	{ "400 GB/s", 4e11, "B/s", ">= 400 GB/s" },
	{ "400 GiB/s", 400.0 * 1073741824.0, "B/s", ">= 429 GB/s" },
	{ "400 Gb/s", 5e10, "B/s", ">= 50 GB/s" },
	{ "380 Gbit/s", 4.75e10, "B/s", ">= 47.5 GB/s" },
	{ "989 TFLOP/s", 9.89e14, "FLOP/s", ">= 989 TFLOP/s" },
	{ "1.2 PFLOP/s", 1.2e15, "FLOP/s", ">= 1.20 PFLOP/s" },
	{ "10 ms", 0.01, "s", ">= 10 ms" },
	{ "250 us", 2.5e-4, "s", ">= 250 us" },
	{ "85 °C", 85, "celsius", ">= 85 °C" },
	{ "3%", 0.03, "ratio", ">= 3 %" },
	{ "700 W", 700, "W", ">= 700 W" },
	{ "64 GiB", 68719476736.0, "B", ">= 64 GiB" },
	{ "1e3 IOPS", 1000, "IOPS", ">= 1 kIOPS" },
	{ "8", 8, NULL, ">= 8" },
	{ "0.5 * spec.bw", 1.5e12, "B/s", ">= 1.50 TB/s (0.5 × spec.bw 3 TB/s)" },
	{ "50% * spec.bw", 1.5e12, "B/s", ">= 1.50 TB/s (0.5 × spec.bw 3 TB/s)" },
	{ "spec.bw", 3e12, "B/s", ">= 3 TB/s (spec.bw 3 TB/s)" },
	{ "2*spec.bw", 6e12, "B/s", ">= 6 TB/s (2 × spec.bw 3 TB/s)" },
};

static void test_units(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unit_cases) / sizeof(unit_cases[0]); i++) {
		const struct unit_case *u = &unit_cases[i];
		char *text = xasprintf("baseline: u\nspecs: {bw: 3 TB/s}\nchecks:\n  - metric: a.b\n    min: %s\n"
				       "    runbook: busbw-low\n",
				       u->bound);
		struct baseline b;
		struct diags d = DIAGS_INIT;
		char *path;

		print_message("min: %s\n", u->bound);
		assert_int_equal(load_text(text, &b, &d, &path), 0);
		assert_int_equal(b.nchecks, 1);
		assert_true(fabs(b.checks[0].min - u->value) <= 1e-9 * fabs(u->value));
		if (u->unit)
			assert_string_equal(b.checks[0].unit, u->unit);
		else
			assert_null(b.checks[0].unit);
		assert_string_equal(b.checks[0].threshold_text, u->text);
		baseline_release(&b);
		diags_release(&d);
		free(text);
		free(path);
	}
}

/* ---- every error, with its place ---- */

static const struct error_case {
	const char *name;
	const char *text;
	const char *want[MAXMSG];
} error_cases[] = {
	{ "empty", "", { "1:1: empty baseline" } },
	{ "not a mapping", "- a\n", { "1:1: a baseline must be a mapping with 'baseline' and 'checks'" } },
	{ "no name, no checks",
	  "description: x\n",
	  { "1:1: the baseline has no name (add 'baseline: NAME')", "1:1: the baseline has no 'checks'" } },
	{ "unknown keys",
	  "baseline: x\nchekcs: []\nwhatever: 1\n",
	  { "1:1: the baseline has no 'checks'", "2:1: unknown key 'chekcs' (did you mean 'checks'?)",
	    "3:1: unknown key 'whatever' (valid keys: baseline, description, match, node, specs, checks)" } },
	{ "bad name and types",
	  "baseline: 'a b'\ndescription: [x]\nchecks: {a: 1}\n",
	  { "1:11: baseline name 'a b' must be letters, digits, '.', '_' and '-', starting with a letter or digit",
	    "2:14: 'description' must be text, got a list", "3:9: 'checks' must be a list of checks" } },
	{ "empty checks", "baseline: x\nchecks: []\n", { "2:9: 'checks' is empty: list at least one check" } },
	{ "check not a mapping",
	  "baseline: x\nchecks:\n  - hbm.triad\n",
	  { "3:5: check 1 must be a mapping with 'metric', a threshold and 'runbook', got 'hbm.triad'" } },
	{ "check keys",
	  "baseline: x\nchecks:\n  - metrc: hbm.triad\n    min: 1\n",
	  { "3:5: check 1 has no 'metric'", "3:5: check 1 has no 'runbook'",
	    "3:5: unknown key 'metrc' (did you mean 'metric'?)" } },
	{ "no threshold",
	  "baseline: x\nchecks:\n  - metric: hbm.triad\n    runbook: busbw-low\n",
	  { "3:5: check 1 has no threshold (one of min, max, range, equals, max_cv)" } },
	{ "bad target",
	  "baseline: x\nchecks:\n  - {metric: triad, min: 1, runbook: busbw-low}\n"
	  "  - {metric: 'a b.c', min: 1, runbook: busbw-low}\n",
	  { "3:14: 'metric' must be STEP.METRIC or PROBE.METRIC, like 'hbm.triad', got 'triad'",
	    "4:14: 'a b' in 'a b.c' must be a step id or a probe name (letters, digits, '.', '_' and '-', starting "
	    "with a letter or digit)" } },
	{ "combined kinds",
	  "baseline: x\nchecks:\n  - metric: a.b\n    min: 1\n    equals: 2\n    max_cv: 3%\n    runbook: busbw-low\n",
	  { "5:5: 'equals' cannot be combined with 'min': write two checks",
	    "6:5: 'max_cv' cannot be combined with 'min': write two checks" } },
	{ "range and min",
	  "baseline: x\nchecks:\n  - {metric: a.b, min: 1, range: [1, 2], runbook: busbw-low}\n",
	  { "3:27: 'range' cannot be combined with 'min': write two checks" } },
	{ "bad quantities",
	  "baseline: x\nchecks:\n  - {metric: a.b, min: 2.9 TBs, runbook: busbw-low}\n"
	  "  - {metric: a.c, max: fast, runbook: busbw-low}\n"
	  "  - {metric: a.d, equals: [1], runbook: busbw-low}\n",
	  { "3:24: invalid quantity '2.9 TBs': unknown unit 'TBs'",
	    "4:24: invalid quantity 'fast': expected a number with a unit, like '2.9 TB/s'",
	    "5:27: 'equals' must be a quantity such as 2.9 TB/s, got a list" } },
	{ "bad ranges",
	  "baseline: x\nchecks:\n  - {metric: a.b, range: [1], runbook: busbw-low}\n"
	  "  - {metric: a.c, range: [85 °C, 20 °C], runbook: busbw-low}\n"
	  "  - {metric: a.d, range: [20 °C, 85 W], runbook: busbw-low}\n"
	  "  - {metric: a.e, min: 3 TB/s, max: 2 TB/s, runbook: busbw-low}\n",
	  { "3:26: 'range' must be a list of two quantities [MIN, MAX], got a list",
	    "4:27: min 85 °C is greater than max 20 °C", "5:34: 'W' does not fit the other bound's unit '°C'",
	    "6:24: min 3 TB/s is greater than max 2 TB/s" } },
	{ "bad max_cv",
	  "baseline: x\nchecks:\n  - {metric: a.b, max_cv: 3}\n  - {metric: a.c, max_cv: 3 ms}\n"
	  "  - {metric: a.d, max_cv: 0.5 * spec.x}\n",
	  { "3:27: 'max_cv' must be a ratio such as 3% or 0.03, got '3'",
	    "4:27: 'max_cv' must be a ratio such as 3% or 0.03, got '3 ms'",
	    "5:27: 'max_cv' cannot be relative to a spec, got '0.5 * spec.x'" } },
	{ "specs",
	  "baseline: x\nchecks:\n  - {metric: a.b, min: 0.9 * spec.hbm_bww, runbook: busbw-low}\n"
	  "  - {metric: a.c, min: 2 TB/s * spec.hbm_bw, runbook: busbw-low}\n"
	  "  - {metric: a.d, min: spec.hbm_bw + 1, runbook: busbw-low}\n"
	  "specs: {hbm_bw: 3.35 TB/s, 'bad-name': 1, other: 2 parsecs}\n",
	  { "3:24: unknown spec 'hbm_bww' (did you mean 'hbm_bw'?)",
	    "4:24: the factor in '2 TB/s * spec.hbm_bw' must be a plain number or a percentage",
	    "5:24: 'min' must be a quantity like '2.9 TB/s' or 'FACTOR * spec.NAME', got 'spec.hbm_bw + 1'",
	    "6:28: spec name 'bad-name' must be letters, digits and '_'",
	    "6:50: invalid quantity '2 parsecs': unknown unit 'parsecs'" } },
	{ "a spec relative to a spec",
	  "baseline: x\nspecs: {a: 1, b: 2 * spec.a}\nchecks:\n  - {metric: a.b, min: spec.b, runbook: busbw-low}\n",
	  { "2:18: 'b' cannot be relative to a spec, got '2 * spec.a'", "4:24: unknown spec 'b'" } },
	{ "out of range (fuzz_units found the quantity; a spec product overflows the same way)",
	  "baseline: x\nspecs: {bw: 3.35 TB/s}\nchecks:\n  - {metric: a.b, min: 1e300 * spec.bw, runbook: busbw-low}\n"
	  "  - {metric: a.c, max: 1e308 TB/s, runbook: busbw-low}\n",
	  { "4:24: '1e300 * spec.bw' is out of range", "5:24: invalid quantity '1e308 TB/s': out of range" } },
	{ "no specs",
	  "baseline: x\nchecks:\n  - {metric: a.b, min: spec.bw, runbook: busbw-low}\n",
	  { "3:24: unknown spec 'bw': the baseline has no 'specs'" } },
	{ "labels, severity, runbook",
	  "baseline: x\nchecks:\n  - metric: a.b\n    labels: [gpu]\n    min: 1\n    severity: high\n"
	  "    runbook: Busbw_Low\n"
	  "  - {metric: a.c, labels: {gpu: [1]}, min: 1, runbook: busbw-lo}\n"
	  "  - {metric: a.d, min: 1, runbook: no-such-runbook}\n",
	  { "4:13: 'labels' must be a mapping of label names to values ('*': any value), got a list",
	    "6:15: 'severity' must be critical or warning, got 'high'",
	    "7:14: runbook id 'Busbw_Low' must be lower-case letters, digits and '-'",
	    "8:33: label 'gpu' must be a value or '*', got a list",
	    "8:56: runbook 'busbw-lo' not found in 'tests/data/baselines/runbooks' (did you mean 'busbw-low'?)",
	    "9:36: runbook 'no-such-runbook' not found in 'tests/data/baselines/runbooks'" } },
	{ "duplicates",
	  "baseline: x\nchecks:\n  - {metric: a.b, labels: {gpu: '*'}, min: 1, runbook: busbw-low}\n"
	  "  - {metric: a.b, labels: {gpu: '*'}, min: 2, runbook: busbw-low}\n"
	  "  - {metric: a.b, labels: {gpu: '*'}, min: 2, runbook: busbw-low, severity: warning}\n"
	  "  - {metric: a.b, min: 2, runbook: hbm-bandwidth-low}\n",
	  { "4:5: duplicate check 'a.b{gpu=*}:min:busbw-low:critical' (first at {file}:3:5)" } },
	{ "match and node",
	  "baseline: x\nmatch: {gpu_nam: x, gpus: -1, min_memory: lots, min_cpus: 0}\n"
	  "node: {gpus: eight, gpu_probes: gemm}\nchecks:\n  - {metric: a.b, min: 1, runbook: busbw-low}\n",
	  { "2:9: unknown key 'gpu_nam' (did you mean 'gpu_name'?)",
	    "2:27: 'gpus' must be an integer of 0 or more, got '-1'",
	    "2:43: invalid size 'lots': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, "
	    "TB)",
	    "2:59: 'min_cpus' must be an integer of 1 or more, got '0'",
	    "3:14: 'gpus' must be an integer of 0 or more, got 'eight'",
	    "3:33: 'gpu_probes' must be a list of probe names, got 'gemm'" } },
	{ "syntax",
	  "baseline: x\nchecks: [\n",
	  { "3:1: did not find expected node content (while parsing a flow node)" } },
};

/* tmpl with "{file}" replaced by path; caller frees. */
static char *with_file(const char *tmpl, const char *path)
{
	const char *at = strstr(tmpl, "{file}");

	if (!at)
		return xstrdup(tmpl);
	return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, path, at + 6);
}

static void test_errors(void **state)
{
	size_t i, k;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *e = &error_cases[i];
		const char *want[MAXMSG + 1] = { NULL };
		char *owned[MAXMSG] = { NULL }, *path;
		struct baseline b;
		struct diags d = DIAGS_INIT;

		print_message("case: %s\n", e->name);
		path = xasprintf("%s/b.yaml", tmpdir);
		for (k = 0; k < MAXMSG && e->want[k]; k++)
			want[k] = owned[k] = with_file(e->want[k], path);
		free(path);
		assert_int_equal(load_text(e->text, &b, &d, &path), -1);
		bad |= diags_differ(&d, path, want);
		baseline_release(&b);
		diags_release(&d);
		free(path);
		for (k = 0; k < MAXMSG; k++)
			free(owned[k]);
	}
	assert_false(bad);
}

static void test_cannot_read(void **state)
{
	struct baseline b;
	struct diags d = DIAGS_INIT;

	(void)state;
	assert_int_equal(baseline_load(FIX "nope.yaml", &b, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "cannot read baseline '" FIX "nope.yaml': No such file or directory");
	baseline_release(&b);
	diags_release(&d);
}

/* A runbooks directory that is not there: said once, not for every check. */
static void test_no_runbooks_dir(void **state)
{
	const char *const want[] = {
		"3:36: cannot check runbook 'busbw-low': SHAKEDOWN_RUNBOOKS '/nonexistent/runbooks' is not a directory",
		NULL,
	};
	struct baseline b;
	struct diags d = DIAGS_INIT;
	char *path;

	(void)state;
	setenv("SHAKEDOWN_RUNBOOKS", "/nonexistent/runbooks", 1);
	assert_int_equal(load_text("baseline: x\nchecks:\n  - {metric: a.b, min: 1, runbook: busbw-low}\n"
				   "  - {metric: a.c, min: 1, runbook: busbw-low}\n",
				   &b, &d, &path),
			 -1);
	expect_diags(&d, path, want);
	assert_null(b.runbooks_dir);
	assert_int_equal(b.nchecks, 2); /* the checks themselves are fine */
	setenv("SHAKEDOWN_RUNBOOKS", FIX "runbooks", 1);
	baseline_release(&b);
	diags_release(&d);
	free(path);
}

/* ---- where runbooks are looked up ---- */

static void test_runbooks_dir(void **state)
{
	char *root = xasprintf("%s/repo", tmpdir), *p, *dir, *want;
	const char *const mk[] = { "", "/suites", "/suites/baselines", "/runbooks", "/elsewhere" };
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		p = xasprintf("%s%s", root, mk[i]);
		assert_int_equal(mkdir(p, 0755), 0);
		free(p);
	}
	p = xasprintf("%s/suites/baselines/x.yaml", root);
	free(write_file("repo/suites/baselines/x.yaml", "baseline: x\n"));
	free(write_file("repo/elsewhere/y.yaml", "baseline: y\n"));
	unsetenv("SHAKEDOWN_RUNBOOKS");
	dir = baseline_runbooks_dir(p);
	want = xasprintf("%s/runbooks", root);
	assert_non_null(dir);
	assert_int_equal(strcmp(dir + strlen(dir) - strlen("/repo/runbooks"), "/repo/runbooks"), 0);
	free(dir);
	free(p);
	/* not under suites/: the runner's own (none for a test binary in a build tree outside the repository) */
	p = xasprintf("%s/elsewhere/y.yaml", root);
	dir = baseline_runbooks_dir(p);
	if (dir)
		assert_null(strstr(dir, "/repo/"));
	free(dir);
	setenv("SHAKEDOWN_RUNBOOKS", want, 1);
	dir = baseline_runbooks_dir(p);
	assert_string_equal(dir, want);
	free(dir);
	setenv("SHAKEDOWN_RUNBOOKS", FIX "runbooks", 1);
	free(p);
	free(want);
	free(root);
}

/* ---- sniffing ---- */

static void test_sniff(void **state)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "baseline: x\nchecks: []\n", 1 },
		{ "plan: x\nsteps: []\n", 0 },
		{ "- baseline\n", 0 },
		{ "baseline: [\n", 0 },
		{ "", 0 },
		{ "a: {baseline: x}\n", 0 },
	};
	size_t i;
	char *p;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = write_file("s.yaml", cases[i].text);
		assert_int_equal(baseline_sniff(p), cases[i].want);
		free(p);
	}
	assert_int_equal(baseline_sniff(FIX "good.yaml"), 1);
	assert_int_equal(baseline_sniff(FIX "nope.yaml"), 0);
	assert_int_equal(baseline_sniff("suites/quick.yaml"), 0);
}

/* ---- against a plan and the probes' descriptions ---- */

static void test_check_plan(void **state)
{
	static const char *const plan_text = "plan: p\nsteps:\n  - {id: inv, probe: sysinfo}\n"
					     "  - {id: m1, probe: misbehave}\n  - {id: m2, probe: misbehave}\n";
	static const char *const base_text =
		"baseline: x\nchecks:\n"
		"  - {metric: sysinfo.memory_total, min: 1 TB/s, runbook: busbw-low}\n"	  /* 3: unit */
		"  - {metric: inv.memory_total, min: 1 GiB, runbook: busbw-low}\n"	  /* 4: fine */
		"  - {metric: sysinfo.gpu_memory_totl, min: 1 GiB, runbook: busbw-low}\n" /* 5: no such metric */
		"  - {metric: misbehave.value, equals: 1, runbook: busbw-low}\n"	  /* 6: fine, two steps */
		"  - {metric: m1.valeu, max_cv: 5%}\n"					  /* 7: no such metric */
		"  - {metric: hbm.triad, min: 1 TB/s, runbook: busbw-low}\n"		  /* 8: no step */
		"  - {metric: misbehave.value, min: 2 s, runbook: busbw-low}\n"		  /* 9: unit, once */
		"  - {metric: m2.value, max_cv: 3%}\n";					  /* 10: cv: any unit */
	const char *const errors[] = {
		"3:41: 'TB/s' does not fit metric 'sysinfo.memory_total' (unit B)",
		"9:36: 's' does not fit metric 'misbehave.value' (unit count)",
		NULL,
	};
	const char *const warnings[] = {
		"5:14: probe 'sysinfo' describes no metric 'gpu_memory_totl' (did you mean 'gpu_memory_total'?)",
		"7:14: probe 'misbehave' describes no metric 'valeu' (did you mean 'value'?)",
		"8:14: no step of plan 'p' runs 'hbm': check 'hbm.triad' will be skipped",
		NULL,
	};
	struct diags pd = DIAGS_INIT, bd = DIAGS_INIT, e = DIAGS_INIT, w = DIAGS_INIT;
	char *pp = write_file("p.yaml", plan_text), *bp, *p_exe;
	struct plan p;
	struct baseline b;
	struct catalog cat;

	(void)state;
	assert_int_equal(plan_load(pp, &p, &pd), 0);
	assert_int_equal(load_text(base_text, &b, &bd, &bp), 0);
	assert_int_equal(catalog_init(&cat), 0);
	if (!(p_exe = catalog_find(&cat, "misbehave")))
		skip(); /* needs the built test probe: SD_BUILD */
	free(p_exe);
	assert_int_equal(baseline_check_plan(&b, &p, &cat, &e, &w), -1);
	expect_diags(&e, bp, errors);
	expect_diags(&w, bp, warnings);
	catalog_release(&cat);
	baseline_release(&b);
	plan_release(&p);
	diags_release(&pd);
	diags_release(&bd);
	diags_release(&e);
	diags_release(&w);
	free(pp);
	free(bp);
}

/* Inventory checks with no sysinfo step in the plan are checked against the sysinfo probe. */
static void test_check_plan_inventory(void **state)
{
	struct diags pd = DIAGS_INIT, bd = DIAGS_INIT, e = DIAGS_INIT, w = DIAGS_INIT;
	char *pp = write_file("p.yaml", "plan: p\nsteps:\n  - {id: m, probe: misbehave}\n"), *bp, *p_exe;
	const char *const errors[] = { "3:33: 'W' does not fit metric 'sysinfo.gpus' (unit count)", NULL };
	const char *const none[] = { NULL };
	struct plan p;
	struct baseline b;
	struct catalog cat;

	(void)state;
	assert_int_equal(plan_load(pp, &p, &pd), 0);
	assert_int_equal(load_text("baseline: x\nchecks:\n  - {metric: sysinfo.gpus, max: 3 W, runbook: busbw-low}\n"
				   "  - {metric: sysinfo.pattern_8x8, max: 3 W, runbook: busbw-low}\n",
				   &b, &bd, &bp),
			 0);
	assert_int_equal(catalog_init(&cat), 0);
	if (!(p_exe = catalog_find(&cat, "sysinfo")))
		skip();
	free(p_exe);
	baseline_check_plan(&b, &p, &cat, &e, &w);
	expect_diags(&e, bp, errors);
	assert_int_equal(w.n, 1);
	expect_diags(&bd, bp, none);
	catalog_release(&cat);
	baseline_release(&b);
	plan_release(&p);
	diags_release(&pd);
	diags_release(&bd);
	diags_release(&e);
	diags_release(&w);
	free(pp);
	free(bp);
}

/*
 * Described metric names may be patterns: a probe written here as a script
 * (like test_catalog.c's) describes '<dtype>_<m>x<n>x<k>'.
 */
static void test_check_plan_patterns(void **state)
{
	static const char *const describe =
		"#!/bin/sh\necho '{\"protocol\":1,\"probe\":\"gemmish\",\"version\":\"1\",\"description\":\"d\","
		"\"params\":[],\"metrics\":[{\"name\":\"<dtype>_<m>x<n>x<k>\",\"unit\":\"FLOP/s\","
		"\"better\":\"higher\"},{\"name\":\"wrong\",\"unit\":\"count\",\"better\":\"lower\"}]}'\n";
	static const struct {
		const char *metric;
		int known;
	} cases[] = {
		{ "bf16_8192x8192x8192", 1 }, { "fp8_1x2x3", 1 }, { "wrong", 1 },
		{ "bf16_8192x8192", 0 },      { "_1x2x3", 0 },	  { "bf16_x2x3", 0 },
		{ "bf16_1x2x3x", 1 },	      { "wrongs", 0 },
	};
	struct diags pd = DIAGS_INIT, bd = DIAGS_INIT, e = DIAGS_INIT, w = DIAGS_INIT;
	char *probe_dir = xasprintf("%s/probes", tmpdir), *path, *old = xstrdup(getenv("SHAKEDOWN_PROBE_PATH"));
	char *pp = write_file("p.yaml", "plan: p\nsteps:\n  - {id: g, probe: gemmish}\n"), *bp, *text;
	struct plan p;
	struct baseline b;
	struct catalog cat;
	size_t i;

	(void)state;
	assert_int_equal(mkdir(probe_dir, 0755), 0);
	path = write_file("probes/gemmish", describe);
	assert_int_equal(chmod(path, 0755), 0);
	free(path);
	setenv("SHAKEDOWN_PROBE_PATH", probe_dir, 1);
	assert_int_equal(plan_load(pp, &p, &pd), 0);
	assert_int_equal(catalog_init(&cat), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = xasprintf("baseline: x\nchecks:\n  - {metric: gemmish.%s, min: 1, runbook: busbw-low}\n",
				 cases[i].metric);
		print_message("metric %s\n", cases[i].metric);
		assert_int_equal(load_text(text, &b, &bd, &bp), 0);
		assert_int_equal(baseline_check_plan(&b, &p, &cat, &e, &w), 0);
		assert_int_equal(w.n, !cases[i].known);
		baseline_release(&b);
		diags_release(&w);
		free(text);
		free(bp);
	}
	/* the unit of a pattern's metric is checked too */
	assert_int_equal(
		load_text("baseline: x\nchecks:\n  - {metric: g.bf16_1x1x1, min: 1 GB/s, runbook: busbw-low}\n", &b,
			  &bd, &bp),
		0);
	assert_int_equal(baseline_check_plan(&b, &p, &cat, &e, &w), -1);
	assert_string_equal(e.v[0].msg, "'GB/s' does not fit metric 'g.bf16_1x1x1' (unit FLOP/s)");
	setenv("SHAKEDOWN_PROBE_PATH", old, 1);
	catalog_release(&cat);
	baseline_release(&b);
	plan_release(&p);
	diags_release(&pd);
	diags_release(&bd);
	diags_release(&e);
	diags_release(&w);
	free(old);
	free(pp);
	free(bp);
	free(probe_dir);
}

/* ---- baseline: auto ---- */

/* A sysinfo document: gpus GPUs named name, memory bytes, threads CPUs, a CPU model, pci NVIDIA devices. */
static cJSON *inventory(int gpus, const char *name, double memory, int threads, const char *model, int pci)
{
	char *text =
		xasprintf("{\"probe\":\"sysinfo\",\"metrics\":[{\"name\":\"gpus\",\"value\":%d,\"unit\":\"count\"},"
			  "{\"name\":\"memory_total\",\"value\":%.0f,\"unit\":\"B\"},"
			  "{\"name\":\"cpu_threads\",\"value\":%d,\"unit\":\"count\"}],"
			  "\"env\":{\"cpu\":{\"model\":\"%s\"},\"nvml\":{\"pci_gpus\":%d},\"gpus\":[]}}",
			  gpus, memory, threads, model, pci);
	cJSON *inv = cJSON_Parse(text), *arr = cJSON_GetObjectItem(cJSON_GetObjectItem(inv, "env"), "gpus");
	int i;

	for (i = 0; i < gpus; i++) {
		cJSON *g = cJSON_CreateObject();

		cJSON_AddStringToObject(g, "name", name);
		cJSON_AddItemToArray(arr, g);
	}
	free(text);
	return inv;
}

static const char *const auto_files[][2] = {
	{ "a-broken.yaml", "baseline: broken\nmatch: {gpus: 8}\nchecks: [\n" },
	{ "b-h100.yaml", "baseline: h100\nmatch: {gpu_name: NVIDIA H100 80GB HBM3}\n"
			 "checks: [{metric: sysinfo.gpus, equals: 8, runbook: gpu-count-mismatch}]\n" },
	{ "c-h100-bigmem.yaml", "baseline: h100-bigmem\nmatch: {gpu_name: 'NVIDIA H100*', min_memory: 2TiB}\n"
				"checks: [{metric: sysinfo.gpus, equals: 8, runbook: gpu-count-mismatch}]\n" },
	{ "d-epyc.yaml", "baseline: epyc\nmatch: {gpus: 0, cpu_model: epyc, min_cpus: 64}\n"
			 "checks: [{metric: sysinfo.gpus, equals: 0, runbook: gpu-count-mismatch}]\n" },
	{ "generic-cpu.yaml", "baseline: generic-cpu\n"
			      "checks: [{metric: sysinfo.cpu_threads, min: 1, runbook: cpu-count-mismatch}]\n" },
	{ "notes.txt", "baseline: not-yaml\n" },
};

static void test_auto(void **state)
{
	static const struct {
		const char *what;
		int gpus;
		const char *gpu;
		double memory;
		int threads;
		const char *model;
		int pci;
		const char *want; /* file name, or NULL */
		const char *why;
	} cases[] = {
		{ "h100 node", 8, "NVIDIA H100 80GB HBM3", 2e12, 224, "Intel Xeon Platinum 8480C", 8, "b-h100.yaml",
		  "matches this node: its 'match' holds" },
		{ "degraded h100 node still gets its baseline", 7, "NVIDIA H100 80GB HBM3", 2e12, 224, "Xeon", 8,
		  "b-h100.yaml", NULL },
		{ "pattern and memory", 8, "NVIDIA H100 PCIe", 2.5e12, 224, "Xeon", 8, "c-h100-bigmem.yaml", NULL },
		{ "pattern, too little memory", 8, "NVIDIA H100 PCIe", 1e12, 224, "Xeon", 8, NULL,
		  "matches this node (8 GPUs, 'NVIDIA H100 PCIe'): name one with --baseline" },
		{ "cpu model, any case", 0, "", 1e11, 128, "AMD EPYC 9654 96-Core Processor", 0, "d-epyc.yaml", NULL },
		{ "too few cpus: generic", 0, "", 1e11, 32, "AMD EPYC 9654", 0, "generic-cpu.yaml",
		  "the node has no GPU" },
		{ "laptop: generic", 0, "", 8e9, 4, "Intel Core i7", 0, "generic-cpu.yaml", NULL },
		{ "gpus on pci, none in nvml", 0, "", 2e12, 224, "Xeon", 8, NULL,
		  "NVML sees no GPU but 8 are on the PCI bus" },
		{ "unknown gpu", 4, "NVIDIA A10", 5e11, 64, "Xeon", 4, NULL, "(4 GPUs, 'NVIDIA A10')" },
	};
	char *dir = xasprintf("%s/auto", tmpdir), *p, why[512];
	size_t i;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof(auto_files) / sizeof(auto_files[0]); i++) {
		char *name = xasprintf("auto/%s", auto_files[i][0]);

		free(write_file(name, auto_files[i][1]));
		free(name);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *inv = inventory(cases[i].gpus, cases[i].gpu, cases[i].memory, cases[i].threads, cases[i].model,
				       cases[i].pci);

		print_message("auto: %s\n", cases[i].what);
		p = baseline_auto(dir, inv, why, sizeof(why));
		print_message("  -> %s (%s)\n", p ? p : "none", why);
		if (cases[i].want) {
			assert_non_null(p);
			assert_string_equal(strrchr(p, '/') + 1, cases[i].want);
		} else {
			assert_null(p);
		}
		if (cases[i].why)
			assert_non_null(strstr(why, cases[i].why));
		free(p);
		cJSON_Delete(inv);
	}
	assert_null(baseline_auto(dir, NULL, why, sizeof(why)));
	assert_string_equal(why, "no inventory to match baselines against");
	{
		cJSON *inv = inventory(0, "", 1e9, 1, "x", 0);

		p = xasprintf("%s/none", tmpdir);
		assert_null(baseline_auto(p, inv, why, sizeof(why)));
		assert_non_null(strstr(why, "cannot read baseline directory"));
		free(p);
		cJSON_Delete(inv);
	}
	free(dir);
}

/*
 * The shipped baselines load cleanly against the repository's own runbooks/
 * (found beside suites/), each matches its own GPU, and generic-cpu is what a
 * GPU-less machine like this one gets.
 */
static void test_shipped(void **state)
{
	static const struct {
		const char *file, *gpu;
	} shipped[] = {
		{ "h100-sxm-80gb.yaml", "NVIDIA H100 80GB HBM3" },
		{ "h200-141gb.yaml", "NVIDIA H200" },
		{ "a100-sxm-80gb.yaml", "NVIDIA A100-SXM4-80GB" },
		{ "generic-cpu.yaml", NULL },
	};
	char why[512], *p;
	size_t i;

	(void)state;
	unsetenv("SHAKEDOWN_RUNBOOKS");
	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		char *path = xasprintf("suites/baselines/%s", shipped[i].file);
		struct baseline b;
		struct diags d = DIAGS_INIT;

		print_message("shipped: %s\n", path);
		baseline_load(path, &b, &d);
		diags_print(&d, stderr);
		assert_int_equal(d.n, 0);
		assert_non_null(b.runbooks_dir);
		assert_string_equal(b.runbooks_dir + strlen(b.runbooks_dir) - strlen("/runbooks"), "/runbooks");
		if (shipped[i].gpu) {
			cJSON *inv = inventory(8, shipped[i].gpu, 2e12, 224, "Xeon", 8);
			char *picked = baseline_auto("suites/baselines", inv, why, sizeof(why));

			assert_non_null(picked);
			assert_string_equal(picked, path);
			assert_int_equal(b.node_gpus, 8);
			free(picked);
			cJSON_Delete(inv);
		}
		baseline_release(&b);
		diags_release(&d);
		free(path);
	}
	{
		cJSON *inv = inventory(0, "", 2.5e10, 2, "Oxide Virtual Turin-like Processor", 0);

		p = baseline_auto("suites/baselines", inv, why, sizeof(why));
		assert_non_null(p);
		assert_string_equal(p, "suites/baselines/generic-cpu.yaml");
		free(p);
		cJSON_Delete(inv);
	}
	setenv("SHAKEDOWN_RUNBOOKS", FIX "runbooks", 1);
}

static void test_dir_default(void **state)
{
	char *d;

	(void)state;
	setenv("SHAKEDOWN_BASELINES", "suites/baselines", 1);
	d = baseline_dir_default();
	assert_string_equal(d, "suites/baselines");
	free(d);
	setenv("SHAKEDOWN_BASELINES", "/nonexistent/x", 1);
	assert_null(baseline_dir_default());
	unsetenv("SHAKEDOWN_BASELINES");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cannot_read),
		cmocka_unit_test(test_no_runbooks_dir),
		cmocka_unit_test(test_runbooks_dir),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_check_plan),
		cmocka_unit_test(test_check_plan_inventory),
		cmocka_unit_test(test_check_plan_patterns),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_dir_default),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
