/*
 * test_pergpu.c - one instance of a probe per GPU (runner/pergpu.h): which
 * GPUs (CUDA_VISIBLE_DEVICES, no NVML), and how the instances' attempts merge
 * (worst status and its GPU, every metric and series relabelled, env per GPU,
 * an instance without a result). NVML's count, through the stand-in library,
 * is in tests/e2e/pergpu.sh.
 */
#include "nvml.h"
#include "pergpu.h"
#include "xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_devices(void **state)
{
	size_t n = 99;
	char **v;

	(void)state;
	setenv("CUDA_VISIBLE_DEVICES", "2,,GPU-5f1e", 1);
	v = pergpu_devices(&n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "2");
	assert_string_equal(v[1], "GPU-5f1e");
	assert_null(v[2]);
	strv_free(v);
	setenv("CUDA_VISIBLE_DEVICES", "", 1); /* CUDA's "no GPU" */
	assert_null(pergpu_devices(&n));
	assert_int_equal(n, 0);
	unsetenv("CUDA_VISIBLE_DEVICES");
	setenv(NVML_LIB_ENV, "/nonexistent/libnvidia-ml.so.1", 1);
	assert_null(pergpu_devices(&n));
	assert_int_equal(n, 0);
	unsetenv(NVML_LIB_ENV);
}

/* An attempt as attempt_run() makes it, with a result of the protocol whose rate metric is labelled gpu=0. */
static cJSON *attempt(const char *status, const char *reason, double rate, double wall)
{
	char text[1024];

	snprintf(
		text, sizeof(text),
		"{\"status\": \"%s\", \"reason\": %s%s%s, \"wall_s\": %g, \"exit\": {\"code\": 0, \"signal\": null},"
		" \"result\": {\"protocol\": 1, \"probe\": \"gpuwork\", \"version\": \"1.0\", \"status\": \"%s\","
		" \"reason\": null, \"host\": \"h\", \"start\": \"2026-11-24T00:00:00.000Z\", \"duration_s\": %g,"
		" \"params\": {\"base\": 1}, \"metrics\": [{\"name\": \"rate\", \"unit\": \"B/s\", \"better\": \"higher\","
		" \"value\": %g, \"labels\": {\"gpu\": \"0\", \"k\": \"v\"}}, {\"name\": \"bare\", \"unit\": \"count\","
		" \"better\": \"higher\", \"value\": 1}], \"series\": [{\"name\": \"temp\", \"unit\": \"celsius\","
		" \"t\": [0], \"v\": [40]}], \"env\": {\"seen\": \"%g\"}}}",
		status, reason ? "\"" : "", reason ? reason : "null", reason ? "\"" : "", wall, status, wall, rate,
		rate);
	return cJSON_Parse(text);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void test_merge_ok(void **state)
{
	cJSON *at[2] = { attempt("ok", NULL, 1, 2.0), attempt("ok", NULL, 2, 3.5) }, *m;
	const char *gpus[2] = { "0", "3" };
	char *text;
	const cJSON *res;

	(void)state;
	m = pergpu_merge(at, gpus, 2, "gpuwork");
	assert_string_equal(cJSON_GetStringValue(get(m, "status")), "ok");
	assert_true(cJSON_IsNull(get(m, "reason")));
	assert_true(cJSON_GetNumberValue(get(m, "wall_s")) == 3.5);
	res = get(m, "result");
	assert_string_equal(cJSON_GetStringValue(get(res, "probe")), "gpuwork");
	assert_true(cJSON_GetNumberValue(get(res, "duration_s")) == 3.5);
	text = cJSON_PrintUnformatted(get(res, "metrics"));
	/* every metric relabelled with its GPU, the probe's own gpu=0 replaced, other labels kept */
	assert_string_equal(
		text, "[{\"name\":\"rate\",\"unit\":\"B/s\",\"better\":\"higher\",\"value\":1,\"labels\":{\"k\":"
		      "\"v\",\"gpu\":\"0\"}},{\"name\":\"bare\",\"unit\":\"count\",\"better\":\"higher\","
		      "\"value\":1,\"labels\":{\"gpu\":\"0\"}},{\"name\":\"rate\",\"unit\":\"B/s\",\"better\":"
		      "\"higher\",\"value\":2,\"labels\":{\"k\":\"v\",\"gpu\":\"3\"}},{\"name\":\"bare\",\"unit\":"
		      "\"count\",\"better\":\"higher\",\"value\":1,\"labels\":{\"gpu\":\"3\"}}]");
	free(text);
	assert_int_equal(cJSON_GetArraySize(get(res, "series")), 2);
	assert_string_equal(cJSON_GetStringValue(get(get(cJSON_GetArrayItem(get(res, "series"), 1), "labels"), "gpu")),
			    "3");
	assert_string_equal(cJSON_GetStringValue(get(get(get(get(res, "env"), "gpus"), "3"), "seen")), "2");
	cJSON_Delete(m);
	cJSON_Delete(at[0]);
	cJSON_Delete(at[1]);
}

/* The worst status wins and names its GPU; an instance without a result still counts. */
static void test_merge_worst(void **state)
{
	cJSON *at[3] = { attempt("ok", NULL, 1, 1), attempt("failed", "ecc errors", 2, 1),
			 cJSON_Parse(
				 "{\"status\": \"error\", \"reason\": \"probe crashed: killed by signal 11\","
				 " \"wall_s\": 0.1, \"exit\": {\"code\": null, \"signal\": 11}, \"result\": null}") };
	const char *gpus[3] = { "0", "1", "2" };
	cJSON *m;

	(void)state;
	m = pergpu_merge(at, gpus, 3, "gpuwork");
	assert_string_equal(cJSON_GetStringValue(get(m, "status")), "error");
	assert_string_equal(cJSON_GetStringValue(get(m, "reason")), "gpu 2: probe crashed: killed by signal 11");
	assert_true(cJSON_GetNumberValue(get(get(m, "exit"), "signal")) == 11);
	assert_string_equal(cJSON_GetStringValue(get(get(m, "result"), "status")), "error");
	assert_int_equal(cJSON_GetArraySize(get(get(m, "result"), "metrics")), 4); /* GPUs 0 and 1 kept */
	cJSON_Delete(m);
	/* failed beats ok and skipped */
	cJSON_Delete(at[2]);
	at[2] = attempt("skipped", "no such device", 0, 1);
	m = pergpu_merge(at, gpus, 3, "gpuwork");
	assert_string_equal(cJSON_GetStringValue(get(m, "reason")), "gpu 1: ecc errors");
	assert_string_equal(cJSON_GetStringValue(get(m, "status")), "failed");
	cJSON_Delete(m);
	/* ok and skipped: ok */
	m = pergpu_merge((cJSON *const[]){ at[0], at[2] }, gpus, 2, "gpuwork");
	assert_string_equal(cJSON_GetStringValue(get(m, "status")), "ok");
	assert_true(cJSON_IsNull(get(m, "reason")));
	cJSON_Delete(m);
	/* no result anywhere: result null */
	m = pergpu_merge(at + 2, gpus, 0, "gpuwork");
	assert_string_equal(cJSON_GetStringValue(get(m, "status")), "error");
	assert_true(cJSON_IsNull(get(m, "result")));
	cJSON_Delete(m);
	cJSON_Delete(at[0]);
	cJSON_Delete(at[1]);
	cJSON_Delete(at[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_merge_ok),
		cmocka_unit_test(test_merge_worst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
