/*
 * fuzz_results.c - the results loader: what `shakedown report`, `compare`
 * and `baseline` do with a results.json written by anyone.
 *
 * results_read() (runner/results.h) reads the input from input.json in the
 * harness's private directory (fuzz_util.h); a document it accepts then goes
 * through:
 *  - the raw input, parsed into an arena (json_arena_parse()), changed and
 *    released;
 *  - report: verdict_evaluate() with no baseline and with a fixed one
 *    (suites/baselines/h100-sxm-80gb.yaml), verdict_json(),
 *    verdict_results_json(), the writers on model_load_verdict(),
 *    terminal_verdict(), and the report model (reports/model.h) with every
 *    writer, both on the document's own `verdict` (model_load() promises to
 *    validate what it reads) and on the one just computed, as report_render()
 *    does;
 *  - compare: compare_run_load(), then compare_runs() against itself and
 *    against a fixed run (tests/data/reports/single.json) both ways, with
 *    the text and JSON output;
 *  - baseline: genbaseline_yaml().
 * Writers render into memory (a sink that never reaches its file); text
 * output goes to /dev/null. The fixed baseline and run are loaded once at
 * start and only read afterwards.
 */
#include "baseline.h"
#include "compare.h"
#include "fuzz_util.h"
#include "genbaseline.h"
#include "jsonarena.h"
#include "model.h"
#include "report.h"
#include "results.h"
#include "terminal.h"
#include "verdict.h"
#include "writers.h"

static struct baseline fixed_baseline; /* read-only after LLVMFuzzerInitialize */
static struct compare_run fixed_run;   /* likewise */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *bl = xasprintf("%s/suites/baselines/h100-sxm-80gb.yaml", FUZZ_SRCDIR);
	char *rs = xasprintf("%s/tests/data/reports/single.json", FUZZ_SRCDIR), err[512];
	struct diags d = DIAGS_INIT;
	cJSON *doc;

	(void)argc;
	(void)argv;
	if (baseline_load(bl, &fixed_baseline, &d)) {
		diags_print(&d, stderr);
		abort();
	}
	doc = results_read(rs, err, sizeof(err));
	if (!doc || compare_run_load(doc, rs, &fixed_run, err, sizeof(err))) {
		fprintf(stderr, "fuzz_results: %s\n", err);
		abort();
	}
	json_delete(doc);
	diags_release(&d);
	free(bl);
	free(rs);
	return 0;
}

/* Every writer on the model of doc, and of v when it is given (what report_emit() does). */
static void render(const cJSON *doc, const struct verdict *v)
{
	static const report_writer_fn writers[] = { report_md, report_html, report_json, report_junit, report_prom };
	struct report_opts o = REPORT_OPTS_INIT;
	struct rmodel m;
	struct sink s;
	char err[512];
	size_t i;

	if (v ? model_load_verdict(&m, doc, v, REPORT_ALL, &o, err, sizeof(err))
	      : model_load(&m, doc, REPORT_ALL, &o, err, sizeof(err)))
		return;
	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		sink_init(&s, "unused", SIZE_MAX); /* never streams: nothing is written to a file */
		writers[i](&m, &s);
		strbuf_release(&s.sb);
		free(s.path);
	}
	model_release(&m);
}

static void report(cJSON *doc, FILE *devnull)
{
	struct verdict v;
	cJSON *fresh;

	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "verdict")))
		render(doc, NULL);
	if (verdict_compute(&v, &fixed_baseline, doc, "command line") == 0) {
		cJSON_Delete(verdict_json(&v));
		cJSON_Delete(verdict_results_json(&v));
		render(doc, &v);
	}
	verdict_release(&v);
	fresh = verdict_evaluate(NULL, doc, "none");
	cJSON_Delete(fresh);
	fresh = verdict_evaluate(&fixed_baseline, doc, "run");
	if (cJSON_GetObjectItemCaseSensitive(doc, "verdict"))
		cJSON_ReplaceItemInObjectCaseSensitive(doc, "verdict", fresh);
	else
		cJSON_AddItemToObject(doc, "verdict", fresh);
	terminal_verdict(fresh, devnull, 20);
	verdict_exit_code(fresh);
	render(doc, NULL);
}

static void compare_one(const struct compare_run *a, const struct compare_run *b, FILE *devnull)
{
	struct compare_opts o = { .threshold = 0.05, .alpha = 0.05 };
	struct compare_result res;
	cJSON *j;

	if (compare_runs(a, b, &o, &res))
		return;
	compare_write_text(&res, devnull);
	j = compare_to_json(&res);
	cJSON_Delete(j);
	compare_exit_code(&res);
	compare_result_release(&res);
}

static void compare(const cJSON *doc, FILE *devnull)
{
	struct compare_run r = { 0 };
	char err[512];

	if (compare_run_load(doc, "input.json", &r, err, sizeof(err)) == 0) {
		compare_one(&r, &r, devnull);
		compare_one(&fixed_run, &r, devnull);
		compare_one(&r, &fixed_run, devnull);
	}
	compare_run_release(&r);
}

static void genbaseline(const cJSON *doc)
{
	struct genbaseline_opts o = { .margin = 0.10, .cv_slack = 2, .name = NULL };
	char err[512], *yaml = genbaseline_yaml(doc, "input.json", &o, err, sizeof(err));

	free(yaml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_path("input.json"), err[512];
	FILE *devnull;
	cJSON *doc;

	/* the input as any JSON, parsed into an arena (jsonarena.h), changed, and released */
	doc = json_arena_parse((const char *)data, size, NULL, 0);
	if (cJSON_IsObject(doc) || cJSON_IsArray(doc)) {
		if (doc->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(doc, doc->child));
		if (cJSON_IsObject(doc))
			cJSON_AddStringToObject(doc, "added", "x");
		else
			cJSON_AddItemToArray(doc, cJSON_CreateString("added"));
	}
	json_delete(doc);
	fuzz_write_file(path, data, size);
	doc = results_read(path, err, sizeof(err));
	free(path);
	if (!doc)
		return 0;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	compare(doc, devnull);
	genbaseline(doc);
	report(doc, devnull); /* last: it replaces the document's verdict */
	fclose(devnull);
	json_delete(doc);
	return 0;
}
