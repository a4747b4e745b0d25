/*
 * test_genbaseline.c - `shakedown baseline` (genbaseline.c): limits, max_cv,
 * runbooks, YAML quoting, the whole text for a small constructed run (line
 * by line, and parsed back with libyaml), and the command's exit codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "genbaseline.h"
#include "xalloc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want)
{
	if (fabs(got - want) > 1e-12 * fabs(want)) {
		print_error("got %.17g, wanted %.17g\n", got, want);
		fail();
	}
}

struct limit_case {
	double median, margin;
	int lower;
	double want;
};

static const struct limit_case limit_cases[] = {
	{ 2.9e12, 0.10, 0, 2.61e12 },	/* 2.9e12 × 0.9, exactly: not 2.60e12 */
	{ 100, 0.10, 1, 110 },		/* 100 × 1.1 */
	{ 987.6, 0.10, 0, 888 },	/* 888.84 rounded down */
	{ 1.234e-3, 0.10, 1, 1.36e-3 }, /* 1.3574e-3 rounded up */
	{ 123.456, 0, 0, 123 },		/* margin 0: rounding alone, outward */
	{ 123.456, 0, 1, 124 },
	{ -5, 0.10, 0, -5.5 }, /* a negative median still gets a lower minimum */
	{ 0, 0.10, 0, 0 },
	{ 33663574016.0, 0.05, 0, 3.19e10 }, /* 31.98e9 */
};

static void test_limit(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(limit_cases); i++) {
		const struct limit_case *c = &limit_cases[i];

		assert_close(genbaseline_limit(c->median, c->margin, c->lower), c->want);
	}
}

struct cv_case {
	double v[8];
	size_t n;
	double slack, want;
};

static const struct cv_case cv_cases[] = {
	{ { 100, 101, 99, 100, 102 }, 5, 2, 0.023 }, /* cv 1.1357 % × 2 = 2.27 % → 2.3 % */
	{ { 100, 101, 99, 100, 102 }, 5, 1, 0.012 },
	{ { 10, 10.01, 10.02 }, 3, 2, 0.01 }, /* 0.2 %: at least 1 % */
	{ { 1, 2, 3 }, 3, 2, 1.0 },	      /* cv 50 % */
	{ { 1e-3, 1.1e-3, 0.9e-3 }, 3, 2, 0.2 },
	{ { 100, 100, 100 }, 3, 2, 0 }, /* all equal: no check */
	{ { 1, 2 }, 2, 2, 0 },		/* fewer than 3 samples: no check */
	{ { -1, 1, 0 }, 3, 2, 0 },	/* mean 0: no cv */
};

static void test_max_cv(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cv_cases); i++)
		assert_close(genbaseline_max_cv(cv_cases[i].v, cv_cases[i].n, cv_cases[i].slack), cv_cases[i].want);
}

struct runbook_case {
	const char *probe, *metric, *unit, *labels, *target, *want;
};

static const struct runbook_case runbook_cases[] = {
	{ "sysinfo", "gpus", "count", NULL, NULL, "gpu-count-mismatch" },
	{ "sysinfo", "gpu_memory_total", "B", "{\"gpu\": \"3\"}", NULL, "gpu-memory-mismatch" },
	{ "sysinfo", "cpu_threads", "count", NULL, NULL, "cpu-count-mismatch" },
	{ "sysinfo", "numa_nodes", "count", NULL, NULL, "cpu-count-mismatch" },
	{ "sysinfo", "memory_total", "B", NULL, NULL, "memory-size-mismatch" },
	{ "sysinfo", "something_new", "count", NULL, NULL, "probe-failed" },
	{ "membw", "triad", "B/s", "{\"gpu\": \"0\"}", NULL, "hbm-bandwidth-low" },
	{ "membw", "triad", "B/s", NULL, "gpu", "hbm-bandwidth-low" },
	{ "membw", "triad", "B/s", "{\"numa\": \"1\"}", "cpu", "host-memory-bandwidth-low" },
	{ "membw", "copy", "B/s", NULL, NULL, "host-memory-bandwidth-low" },
	{ "gemm", "tflops", "FLOP/s", "{\"dtype\": \"bf16\"}", NULL, "gemm-throughput-low" },
	{ "busbw", "busbw", "B/s", NULL, NULL, "busbw-low" },
	{ "storage", "read_bw", "B/s", NULL, NULL, "storage-throughput-low" },
	{ "storage", "randread_iops", "IOPS", NULL, NULL, "storage-throughput-low" },
	{ "storage", "read_p99", "s", NULL, NULL, "storage-latency-high" },
	{ "storage", "creates", "ops/s", NULL, NULL, "storage-metadata-rate-low" },
	{ "registry", "pull_time", "s", NULL, NULL, "registry-pull-slow" },
	{ "soak", "throughput", "FLOP/s", NULL, NULL, "throughput-drift" },
	{ "frobnicate", "x", "count", NULL, NULL, "probe-failed" },
	{ NULL, "x", "count", NULL, NULL, "probe-failed" },
};

static void test_runbook(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(runbook_cases); i++) {
		const struct runbook_case *c = &runbook_cases[i];
		cJSON *labels = c->labels ? cJSON_Parse(c->labels) : NULL;

		assert_string_equal(genbaseline_runbook(c->probe, c->metric, c->unit, labels, c->target), c->want);
		cJSON_Delete(labels);
	}
}

/* Every runbook the generator names has its page (tests run from the repository root). */
static void test_runbook_pages(void **state)
{
	char path[256];
	size_t i;

	(void)state;
	if (access("runbooks/README.md", F_OK)) {
		print_message("skipped: no runbooks/ directory here\n");
		skip();
	}
	for (i = 0; i <= ARRAY_SIZE(runbook_cases); i++) {
		const char *id = i < ARRAY_SIZE(runbook_cases) ? runbook_cases[i].want : "metric-unstable";

		snprintf(path, sizeof(path), "runbooks/%s.md", id);
		if (access(path, F_OK)) {
			print_error("runbook '%s' has no page '%s'\n", id, path);
			fail();
		}
	}
}

static const char *const scalar_cases[][2] = {
	{ "gpu", "gpu" },
	{ "inventory.gpus", "inventory.gpus" },
	{ "host-membw.triad", "host-membw.triad" },
	{ "_x", "_x" },
	{ "0", "\"0\"" },
	{ "1-step.x", "\"1-step.x\"" },
	{ "yes", "\"yes\"" },
	{ "Off", "\"Off\"" },
	{ "null", "\"null\"" },
	{ "", "\"\"" },
	{ "a b", "\"a b\"" },
	{ "a: b", "\"a: b\"" },
	{ "x\"y\\z", "\"x\\\"y\\\\z\"" },
	{ "tab\there\n", "\"tab\\x09here\\x0a\"" },
	{ "µs", "\"µs\"" },
};

static void test_scalar(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(scalar_cases); i++) {
		struct strbuf sb = STRBUF_INIT;

		genbaseline_yaml_scalar(&sb, scalar_cases[i][0]);
		assert_string_equal(sb.buf, scalar_cases[i][1]);
		strbuf_release(&sb);
	}
}

/* ---- the whole document ---- */

/* The golden run, with ' for " (see golden_text()). */
static const char *const golden_lines[] = {
	"{'schema_version': 1,",
	" 'run': {'id': 'nightly-20261124T134000Z', 'status': 'complete', 'started': '2026-11-24T13:40:00.000Z'},",
	" 'host': {'hostname': 'node017', 'inventory': {",
	"   'metrics': [{'name': 'gpus', 'unit': 'count', 'better': 'higher', 'value': 8}],",
	"   'env': {'cpu': {'model': 'Intel(R) Xeon(R) Platinum 8480+'},",
	"           'gpus': [{'name': 'NVIDIA H100 80GB HBM3'}, {'name': 'NVIDIA H100 80GB HBM3'}]}}},",
	" 'plan': {'name': 'nightly', 'steps': [",
	"   {'id': 'hbm', 'probe': 'membw', 'with': {'target': 'gpu'}},",
	"   {'id': 'host-membw', 'probe': 'membw', 'with': {'target': 'cpu'}}]},",
	" 'steps': [",
	"  {'id': 'inventory', 'probe': 'sysinfo', 'status': 'ok', 'metrics': [",
	"    {'name': 'gpus', 'unit': 'count', 'better': 'higher', 'labels': {}, 'samples': [8, 8, 8, 8, 8]},",
	"    {'name': 'cpu_threads', 'unit': 'count', 'better': 'higher', 'value': 224},",
	"    {'name': 'memory_total', 'unit': 'B', 'better': 'higher', 'samples': [2e12, 2e12, 2e12, 2e12, 2e12]},",
	"    {'name': 'swap_total', 'unit': 'B', 'better': 'higher', 'samples': [0]}]},",
	"  {'id': 'hbm', 'probe': 'membw', 'status': 'ok', 'metrics': [",
	"    {'name': 'triad', 'unit': 'B/s', 'better': 'higher', 'labels': {'gpu': '0', 'link': 'nvlink'},",
	"     'samples': [2.9e12, 2.91e12, 2.89e12, 2.9e12, 2.92e12]}]},",
	"  {'id': 'host-membw', 'probe': 'membw', 'status': 'ok', 'metrics': [",
	"    {'name': 'triad', 'unit': 'B/s', 'better': 'higher', 'labels': null, 'samples': [2e11]}]},",
	"  {'id': 'lat', 'probe': 'storage', 'status': 'ok', 'metrics': [",
	"    {'name': 'read_latency', 'unit': 's', 'better': 'lower', 'samples': [1e-3, 1.1e-3, 0.9e-3]}]},",
	"  {'id': 'gemm', 'probe': 'gemm', 'status': 'error', 'metrics': []},",
	"  {'id': 'drift', 'probe': 'soak', 'status': 'ok', 'metrics': [",
	"    {'name': 'drift', 'unit': 'ratio', 'better': 'lower', 'samples': [0, 0, 0]}]}",
	"]}",
};

/* golden_lines joined, ' made " (caller frees). */
static char *golden_text(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(golden_lines); i++)
		strbuf_addstr(&sb, golden_lines[i]);
	for (p = sb.buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	return strbuf_detach(&sb);
}

static const char golden_yaml[] =
	"# Generated by `shakedown baseline` from golden.json (run nightly-20261124T134000Z). Review it before use:\n"
	"# a baseline is only as good as the run it came from.\n"
	"# min/max: the run's median -/+ 10%, rounded outward to 3 significant digits;\n"
	"# max_cv: the observed CV x 2, at least 1%, where there were 3 or more samples.\n"
	"# Not checked (they describe the node rather than qualify it): inventory.swap_total\n"
	"# Not checked (median 0: no relative limit): drift.drift\n"
	"# Not checked (step not ok): gemm (error)\n"
	"baseline: nightly-node017\n"
	"description: \"generated by `shakedown baseline` from nightly-20261124T134000Z on node017 at "
	"2026-11-24T13:40:00.000Z\"\n"
	"match:\n"
	"  gpu_name: \"NVIDIA H100 80GB HBM3\"\n"
	"  gpus: 8\n"
	"  cpu_model: \"Intel(R) Xeon(R) Platinum 8480+\"\n"
	"checks:\n"
	"  - metric: inventory.gpus\n"
	"    equals: 8\n"
	"    severity: critical\n"
	"    runbook: gpu-count-mismatch\n"
	"  - metric: inventory.cpu_threads\n"
	"    equals: 224\n"
	"    severity: critical\n"
	"    runbook: cpu-count-mismatch\n"
	"  - metric: inventory.memory_total\n"
	"    min: 1.8e12 B\n"
	"    severity: critical\n"
	"    runbook: memory-size-mismatch\n"
	"  - metric: hbm.triad\n"
	"    labels: {gpu: \"0\", link: nvlink}\n"
	"    min: 2.61e12 B/s\n"
	"    severity: critical\n"
	"    runbook: hbm-bandwidth-low\n"
	"  - metric: hbm.triad\n"
	"    labels: {gpu: \"0\", link: nvlink}\n"
	"    max_cv: 1%\n"
	"    severity: warning\n"
	"    runbook: metric-unstable\n"
	"  - metric: host-membw.triad\n"
	"    min: 1.8e11 B/s\n"
	"    severity: critical\n"
	"    runbook: host-memory-bandwidth-low\n"
	"  - metric: lat.read_latency\n"
	"    max: 0.0011 s\n"
	"    severity: critical\n"
	"    runbook: storage-latency-high\n"
	"  - metric: lat.read_latency\n"
	"    max_cv: 20%\n"
	"    severity: warning\n"
	"    runbook: metric-unstable\n";

/* Every line of want, in order, and nothing else. */
static void assert_lines(const char *got, const char *want)
{
	const char *g = got, *w = want;
	int line = 1;

	while (*g || *w) {
		size_t gl = strcspn(g, "\n"), wl = strcspn(w, "\n");

		if (gl != wl || strncmp(g, w, gl)) {
			print_error("line %d:\n got: %.*s\nwant: %.*s\n", line, (int)gl, g, (int)wl, w);
			fail();
		}
		g += gl + (g[gl] == '\n');
		w += wl + (w[wl] == '\n');
		line++;
	}
}

/* libyaml reads it as one document of mappings and scalars. */
static void assert_valid_yaml(const char *text)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, ok = 1;

	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	while (!done && (ok = yaml_parser_parse(&p, &ev))) {
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	if (!ok)
		print_error("not YAML: %s at line %zu\n", p.problem, p.problem_mark.line + 1);
	yaml_parser_delete(&p);
	assert_true(ok);
}

static void test_yaml(void **state)
{
	struct genbaseline_opts o = { .margin = 0.10, .cv_slack = 2 };
	char err[256], *golden = golden_text(), *text;
	cJSON *doc = cJSON_Parse(golden);

	(void)state;
	free(golden);
	assert_non_null(doc);
	text = genbaseline_yaml(doc, "golden.json", &o, err, sizeof(err));
	assert_non_null(text);
	assert_lines(text, golden_yaml);
	assert_valid_yaml(text);
	free(text);

	/* --name, --margin 5%, --cv-slack 1 */
	o.name = "h100-sxm";
	o.margin = 0.05;
	o.cv_slack = 1;
	text = genbaseline_yaml(doc, "golden.json", &o, err, sizeof(err));
	assert_non_null(strstr(text, "\nbaseline: h100-sxm\n"));
	assert_non_null(strstr(text, "\n    min: 2.75e12 B/s\n")); /* 2.755e12 rounded down */
	assert_non_null(strstr(text, "\n    max: 0.00105 s\n"));   /* 1.05e-3 */
	assert_non_null(strstr(text, "\n    max_cv: 10%\n"));	   /* cv 10 % × 1 */
	assert_valid_yaml(text);
	free(text);
	cJSON_Delete(doc);
}

/* match: what the inventory says; an fnmatch pattern for GPU names; nothing rather than {} without one. */
static void test_match(void **state)
{
	struct genbaseline_opts o = { .margin = 0.10, .cv_slack = 2 };
	char err[256], *golden = golden_text(), *text;
	cJSON *doc = cJSON_Parse(golden), *inv, *gpus;

	(void)state;
	free(golden);
	inv = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "host"), "inventory");
	gpus = cJSON_GetObjectItem(cJSON_GetObjectItem(inv, "env"), "gpus");
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(gpus, 0), "name", cJSON_CreateString("Weird [GPU]*?"));
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(gpus, 1), "name", cJSON_CreateString("Weird [GPU]*?"));
	text = genbaseline_yaml(doc, "golden.json", &o, err, sizeof(err));
	assert_non_null(strstr(text, "\nmatch:\n  gpu_name: \"Weird \\\\[GPU]\\\\*\\\\?\"\n  gpus: 8\n  cpu_model: "));
	free(text);

	/* GPUs of different kinds: no gpu_name */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(gpus, 1), "name", cJSON_CreateString("other"));
	text = genbaseline_yaml(doc, "golden.json", &o, err, sizeof(err));
	assert_non_null(
		strstr(text, "\nmatch:\n  gpus: 8\n  cpu_model: \"Intel(R) Xeon(R) Platinum 8480+\"\nchecks:\n"));
	free(text);

	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(doc, "host"), "inventory");
	text = genbaseline_yaml(doc, "golden.json", &o, err, sizeof(err));
	assert_non_null(strstr(text, "\"\n# no inventory in the run: no 'match', so 'baseline: auto' never picks this "
				     "file\nchecks:\n"));
	assert_null(strstr(text, "match:"));
	assert_valid_yaml(text);
	free(text);
	cJSON_Delete(doc);
}

static void test_nothing_to_check(void **state)
{
	struct genbaseline_opts o = { .margin = 0.10, .cv_slack = 2 };
	cJSON *doc = cJSON_Parse("{\"schema_version\": 1, \"steps\": [{\"id\": \"a\", \"status\": \"skipped\"}]}");
	char err[256];

	(void)state;
	assert_null(genbaseline_yaml(doc, "r.json", &o, err, sizeof(err)));
	assert_string_equal(err, "'r.json' has no metrics to check in its ok steps: no baseline to write");
	cJSON_Delete(doc);
	doc = cJSON_Parse(
		"{\"schema_version\": 1, \"steps\": [{\"id\": \"a\", \"status\": \"ok\", \"metrics\": [1]}]}");
	assert_null(genbaseline_yaml(doc, "r.json", &o, err, sizeof(err)));
	assert_string_equal(err,
			    "'r.json': step 'a': metrics[0] is malformed (needs name, unit, better, samples or value)");
	cJSON_Delete(doc);
}

/* ---- genbaseline_main ---- */

static char tmpdir[64];

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = xcalloc(1 << 16, 1);

	assert_non_null(fp);
	assert_true(fread(buf, 1, (1 << 16) - 1, fp) < (1 << 16) - 1);
	fclose(fp);
	return buf;
}

/* genbaseline_main with stdout and stderr in files; *out, *err: their text (caller frees). */
static int run_main(char **out, char **err, int argc, char **argv)
{
	char *op = tmp_path("stdout"), *ep = tmp_path("stderr");
	int so = dup(1), se = dup(2), fo = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600), code;

	fflush(stdout);
	fflush(stderr);
	dup2(fo, 1);
	dup2(fe, 2);
	code = genbaseline_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	*out = slurp(op);
	*err = slurp(ep);
	unlink(op);
	unlink(ep);
	free(op);
	free(ep);
	return code;
}

struct main_case {
	const char *args[6]; /* after "baseline"; "GOLDEN" and "MISSING" name test files */
	int code;
	const char *out, *err; /* substrings of stdout, stderr; NULL: not checked */
};

static const struct main_case main_cases[] = {
	{ { "GOLDEN" }, 0, "\nbaseline: nightly-node017\n", NULL },
	{ { "GOLDEN", "--name", "gold", "--margin", "20%" }, 0, "\n    min: 2.32e12 B/s\n", NULL },
	{ { "-c", "4", "GOLDEN" }, 0, "\n    max_cv: 40%\n", NULL },
	{ { "--help" }, 0, "usage: shakedown baseline RESULTS.json", NULL },
	{ { NULL }, 2, NULL, "shakedown baseline: need RESULTS.json" },
	{ { "GOLDEN", "GOLDEN" }, 2, NULL, "shakedown baseline: too many arguments" },
	{ { "--margin", "100%", "GOLDEN" }, 2, NULL, "invalid --margin '100%': must be below 100%" },
	{ { "--margin", "ten", "GOLDEN" }, 2, NULL, "invalid --margin 'ten': expected a fraction like" },
	{ { "--cv-slack", "0.5", "GOLDEN" }, 2, NULL, "invalid --cv-slack '0.5': expected a number >= 1, like 2" },
	{ { "--name", "a b", "GOLDEN" }, 2, NULL, "invalid --name 'a b': use letters, digits" },
	{ { "MISSING" }, 2, NULL, "shakedown baseline: cannot read '" },
};

static void test_main(void **state)
{
	char *golden_path = tmp_path("golden.json"), *missing = tmp_path("missing.json"), *golden = golden_text();
	FILE *fp = fopen(golden_path, "w");
	size_t i, j;

	(void)state;
	assert_non_null(fp);
	fputs(golden, fp);
	fclose(fp);
	free(golden);
	for (i = 0; i < ARRAY_SIZE(main_cases); i++) {
		const struct main_case *c = &main_cases[i];
		char *argv[8] = { "baseline" }, *out, *err;
		int argc = 1, code;

		for (j = 0; c->args[j]; j++) {
			argv[argc] = (char *)c->args[j];
			if (!strcmp(c->args[j], "GOLDEN"))
				argv[argc] = golden_path;
			if (!strcmp(c->args[j], "MISSING"))
				argv[argc] = missing;
			argc++;
		}
		code = run_main(&out, &err, argc, argv);
		if (code != c->code || (c->out && !strstr(out, c->out)) || (c->err && !strstr(err, c->err))) {
			print_error("case %zu: exit %d (wanted %d)\nstdout:\n%s\nstderr:\n%s\n", i, code, c->code, out,
				    err);
			fail();
		}
		free(out);
		free(err);
	}
	unlink(golden_path);
	free(golden_path);
	free(missing);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sd-genbaseline.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),	cmocka_unit_test(test_max_cv),
		cmocka_unit_test(test_runbook), cmocka_unit_test(test_runbook_pages),
		cmocka_unit_test(test_scalar),	cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_match),	cmocka_unit_test(test_nothing_to_check),
		cmocka_unit_test(test_main),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
