/*
 * fuzz_probe.c - what the runner does with a probe's stdout (runner/attempt.c
 * interpret_output, then run.c finish_step), and the protocol checks
 * (probes/lib/protocol.h) it relies on.
 *
 * The input is the probe's output: parsed as one JSON document (trailing
 * blanks allowed), checked with protocol_check_result() and, as a
 * `--describe` answer, protocol_check_describe(). What the runner then reads
 * without checking again must hold for every document the check accepts:
 * "probe" and "status" are strings, every metric has a string name and a
 * number value. The document is kept as the attempt's result whether or not
 * it passed (as attempt.c does), and the step's metrics are aggregated over
 * one and over two such attempts (results_aggregate_metrics()).
 */
#include "fuzz_util.h"
#include "protocol.h"
#include "results.h"

#include <math.h>

static void invariants(const cJSON *doc)
{
	const cJSON *m;

	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "probe")) ||
	    !protocol_is_status(cJSON_GetObjectItemCaseSensitive(doc, "status")->valuestring))
		abort();
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "metrics"))
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");

		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "name")) || !cJSON_IsNumber(v) ||
		    !isfinite(v->valuedouble))
			abort();
	}
}

/* An attempt as attempt.c builds it: status and reason set from the check, the result kept either way. */
static cJSON *attempt(const cJSON *doc, int ok)
{
	cJSON *at = cJSON_CreateObject();

	cJSON_AddStringToObject(at, "status", ok ? "ok" : "error");
	cJSON_AddItemToObject(at, "result", cJSON_Duplicate(doc, 1));
	return at;
}

static void aggregate(const cJSON *doc, int ok, int n)
{
	cJSON *attempts = cJSON_CreateArray(), *metrics;
	int i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(attempts, attempt(doc, ok));
	metrics = results_aggregate_metrics(attempts);
	cJSON_Delete(metrics);
	cJSON_Delete(attempts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = fuzz_strndup(data, size), err[512]; /* the supervisor's buffer is NUL-terminated */
	const char *end = NULL;
	cJSON *doc = NULL;
	int ok;

	/* attempt.c: something besides blanks, one JSON document, then only blanks */
	if (!size || strspn(out, " \t\r\n") == size)
		goto out;
	doc = cJSON_ParseWithLengthOpts(out, size, &end, 0);
	if (!doc || strspn(end, " \t\r\n") != strlen(end))
		goto out;
	protocol_check_describe(doc, err, sizeof(err));
	ok = protocol_check_result(doc, err, sizeof(err)) == 0;
	if (ok)
		invariants(doc);
	aggregate(doc, ok, 1);
	aggregate(doc, ok, 2);
out:
	cJSON_Delete(doc);
	free(out);
	return 0;
}
