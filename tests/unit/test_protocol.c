/*
 * test_protocol.c - the runner's check of probe documents and parameter
 * values (protocol.c). The JSON Schema side of the same contract is checked
 * against every real probe's output by tests/e2e/probes.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "protocol.h"

#define GOOD_HEAD                                                                                                      \
	"\"protocol\":1,\"probe\":\"x\",\"version\":\"1\",\"host\":\"h\",\"start\":\"2026-01-01T00:00:00Z\","          \
	"\"duration_s\":1,\"params\":{}"

struct doc_case {
	const char *json;
	const char *err; /* NULL: valid */
};

static const struct doc_case doc_cases[] = {
	{ "{" GOOD_HEAD ",\"status\":\"ok\",\"reason\":null,\"metrics\":[]}", NULL },
	{ "{" GOOD_HEAD ",\"status\":\"ok\",\"reason\":null,\"metrics\":[{\"name\":\"a\",\"value\":1,\"unit\":\"B/s\","
	  "\"better\":\"higher\",\"samples\":[1,2],\"labels\":{\"gpu\":\"0\"}}],"
	  "\"series\":[{\"name\":\"t\",\"unit\":\"celsius\",\"t\":[0,1],\"v\":[40,41]}],\"env\":{}}",
	  NULL },
	{ "[]", "the document is not a JSON object" },
	{ "{\"protocol\":2}", "'protocol' must be 1" },
	{ "{\"protocol\":1,\"probe\":\"x\",\"version\":\"1\",\"host\":\"h\"}", "'start' is missing" },
	{ "{" GOOD_HEAD ",\"status\":\"great\",\"metrics\":[]}", "'status' must be one of ok, skipped, failed, error" },
	{ "{" GOOD_HEAD ",\"status\":\"failed\",\"reason\":null,\"metrics\":[]}", "status 'failed' needs a 'reason'" },
	{ "{" GOOD_HEAD ",\"status\":\"ok\",\"metrics\":{}}", "'metrics' must be an array" },
	{ "{" GOOD_HEAD
	  ",\"status\":\"ok\",\"metrics\":[{\"name\":\"a\",\"value\":1,\"unit\":\"GB/s\",\"better\":\"higher\"}]}",
	  "metrics[0].unit 'GB/s' is not a protocol unit" },
	{ "{" GOOD_HEAD
	  ",\"status\":\"ok\",\"metrics\":[{\"name\":\"a\",\"value\":\"1\",\"unit\":\"B\",\"better\":\"higher\"}]}",
	  "metrics[0].value must be a finite number (metric 'a')" },
	{ "{" GOOD_HEAD
	  ",\"status\":\"ok\",\"metrics\":[{\"name\":\"a\",\"value\":1,\"unit\":\"B\",\"better\":\"more\"}]}",
	  "metrics[0].better must be 'higher' or 'lower'" },
	{ "{" GOOD_HEAD
	  ",\"status\":\"ok\",\"metrics\":[{\"name\":\"a\",\"value\":1,\"unit\":\"B\",\"better\":\"lower\","
	  "\"labels\":{\"gpu\":0}}]}",
	  "metrics[0].labels.gpu must be a string" },
	{ "{" GOOD_HEAD
	  ",\"status\":\"ok\",\"metrics\":[],\"series\":[{\"name\":\"t\",\"unit\":\"s\",\"t\":[0],\"v\":[]}]}",
	  "series[0].t and series[0].v differ in length" },
	{ "{" GOOD_HEAD ",\"status\":\"ok\",\"metrics\":[],\"env\":[]}", "'env' must be an object" },
};

static void test_result_documents(void **state)
{
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(doc_cases) / sizeof(doc_cases[0]); i++) {
		cJSON *doc = cJSON_Parse(doc_cases[i].json);
		int rc;

		assert_non_null(doc);
		err[0] = '\0';
		rc = protocol_check_result(doc, err, sizeof(err));
		if (doc_cases[i].err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, doc_cases[i].err);
		} else {
			if (rc)
				fail_msg("case %zu: %s", i, err);
		}
		cJSON_Delete(doc);
	}
}

struct value_case {
	const char *type, *choices, *value, *err;
};

static const struct value_case value_cases[] = {
	{ "string", NULL, "anything at all", NULL },
	{ "int", NULL, "12", NULL },
	{ "int", NULL, "1.5", "invalid integer '1.5'" },
	{ "size", NULL, "1GiB", NULL },
	{ "size", NULL, "1 gigabyte",
	  "invalid size '1 gigabyte': unknown unit 'gigabyte' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)" },
	{ "duration", NULL, "90s", NULL },
	{ "duration", NULL, "90", "invalid duration '90': missing unit (ms, s, m, h)" },
	{ "bool", NULL, "true", NULL },
	{ "enum", "cpu|gpu|auto", "gpu", NULL },
	{ "enum", "cpu|gpu|auto", "tpu", "invalid value 'tpu': expected one of cpu|gpu|auto" },
	{ "enum", "cpu|gpu|auto", "gp", "invalid value 'gp': expected one of cpu|gpu|auto" },
	{ "list", "bf16|fp16|fp32", "bf16,fp32", NULL },
	{ "list", "bf16|fp16|fp32", "bf16,fp64",
	  "invalid item 'fp64' in 'bf16,fp64': expected items from bf16|fp16|fp32" },
	{ "list", "bf16|fp16|fp32", "bf16,,fp32", "invalid list 'bf16,,fp32': empty item" },
	{ "list", NULL, "a,b,c", NULL },
	{ "matrix", NULL, "1", "unknown parameter type 'matrix'" },
};

static void test_values(void **state)
{
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];
		int rc = protocol_check_value(c->type, c->choices, c->value, err, sizeof(err));

		if (c->err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, c->err);
		} else {
			assert_int_equal(rc, 0);
		}
	}
}

static void test_vocabulary(void **state)
{
	(void)state;
	assert_true(protocol_is_unit("FLOP/s"));
	assert_false(protocol_is_unit("TFLOP/s"));
	assert_true(protocol_is_status("skipped"));
	assert_false(protocol_is_status("passed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_documents),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_vocabulary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
