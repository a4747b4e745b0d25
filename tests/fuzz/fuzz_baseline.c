/*
 * fuzz_baseline.c - the baseline loader (runner/baseline.h): baseline_load()
 * and baseline_sniff() on the input, then what is done with a loaded
 * baseline: its threshold texts, its `match` against an inventory, and the
 * verdict (runner/verdict.h) of a fixed results document against it.
 *
 * baseline_load() reads only from a path: the input is written to
 * input.yaml in the harness's private directory (fuzz_util.h). Runbook ids
 * are checked against the repository's runbooks/ ($SHAKEDOWN_RUNBOOKS, set
 * once at start). The results document (tests/data/reports/single.json) is
 * parsed once at start and only read afterwards.
 */
#include "baseline.h"
#include "fuzz_util.h"
#include "verdict.h"

#include <math.h>

static cJSON *results; /* read-only after LLVMFuzzerInitialize */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *text = fuzz_read_source("tests/data/reports/single.json", NULL), *rb;

	(void)argc;
	(void)argv;
	results = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!results) {
		fprintf(stderr, "fuzz_baseline: cannot read %s/tests/data/reports/single.json\n", FUZZ_SRCDIR);
		abort();
	}
	rb = xasprintf("%s/runbooks", FUZZ_SRCDIR);
	setenv("SHAKEDOWN_RUNBOOKS", rb, 1);
	free(rb);
	return 0;
}

static void use(const struct baseline *b)
{
	const cJSON *inv =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(results, "host"), "inventory");
	struct verdict v;
	struct verdict_fields f;
	char buf[256];
	cJSON *j;
	size_t i;

	for (i = 0; i < b->nspecs; i++)
		if (!isfinite(b->specs[i].value))
			abort(); /* a spec is a finite number */
	for (i = 0; i < b->nchecks; i++) {
		const struct baseline_check *c = &b->checks[i];

		if (isinf(c->min) || isinf(c->max) || isinf(c->equals) || isinf(c->max_cv))
			abort(); /* bounds are finite numbers, or NAN where the kind has none */
		baseline_threshold_text(&b->checks[i], NULL, buf, sizeof(buf));
		baseline_threshold_text(&b->checks[i], "B/s", buf, sizeof(buf));
		baseline_kind_name(b->checks[i].kind);
	}
	baseline_match_inventory(b, inv, buf, sizeof(buf));
	baseline_match_inventory(b, NULL, buf, sizeof(buf));
	if (verdict_compute(&v, b, results, "command line"))
		abort(); /* the results are an object */
	for (i = 0; i < v.nchecks; i++)
		verdict_fields(&v, i, &f);
	j = verdict_json(&v);
	if (!j)
		abort();
	cJSON_Delete(j);
	verdict_release(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_path("input.yaml");
	struct diags d = DIAGS_INIT;
	struct baseline b;
	char buf[256];
	size_t i;

	fuzz_write_file(path, data, size);
	baseline_sniff(path);
	if (baseline_load(path, &b, &d) == 0)
		use(&b);
	for (i = 0; i < d.n; i++)
		diag_format(&d.v[i], buf, sizeof(buf));
	baseline_release(&b);
	diags_release(&d);
	free(path);
	return 0;
}
