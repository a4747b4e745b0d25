/* test_results.c - atomic results writing and metric aggregation (results.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"
#include "xalloc.h"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xcalloc((size_t)n + 1, 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/sd-results.XXXXXX", err[256], *path, *text;
	cJSON *doc = cJSON_CreateObject();

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/results.json", dir);
	cJSON_AddStringToObject(doc, "step", "one");
	assert_int_equal(results_write_atomic(path, doc, err, sizeof(err)), 0);
	cJSON_ReplaceItemInObject(doc, "step", cJSON_CreateString("two"));
	assert_int_equal(results_write_atomic(path, doc, err, sizeof(err)), 0);
	text = read_file(path);
	assert_non_null(strstr(text, "\"two\""));
	free(text);
	/* only results.json: no temporary file left behind */
	assert_int_equal(count_entries(dir), 1);

	/* a directory that cannot be written: error, the old file is untouched */
	if (geteuid() != 0) {
		chmod(dir, 0555);
		assert_int_equal(results_write_atomic(path, doc, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "cannot create"));
		chmod(dir, 0755);
	}
	/* a path whose directory is gone */
	{
		char *gone = xasprintf("%s/missing/results.json", dir);

		assert_int_equal(results_write_atomic(gone, doc, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "No such file or directory"));
		free(gone);
	}
	text = read_file(path);
	assert_non_null(strstr(text, "\"two\""));
	free(text);
	unlink(path);
	rmdir(dir);
	free(path);
	cJSON_Delete(doc);
}

/* An attempt whose result has metric NAME (labels L) with value V and samples S. */
static cJSON *attempt(const char *json_metrics)
{
	char *text = xasprintf("{\"status\":\"ok\",\"result\":{\"metrics\":%s}}", json_metrics);
	cJSON *a = cJSON_Parse(text);

	free(text);
	assert_non_null(a);
	return a;
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void test_aggregate_single(void **state)
{
	cJSON *attempts = cJSON_CreateArray(), *out;
	const cJSON *m, *st;

	(void)state;
	/* one attempt: the probe's own value (best of 3 here), samples kept */
	cJSON_AddItemToArray(attempts, attempt("[{\"name\":\"triad\",\"unit\":\"B/s\",\"better\":\"higher\","
					       "\"value\":30,\"samples\":[10,20,30]}]"));
	out = results_aggregate_metrics(attempts);
	assert_int_equal(cJSON_GetArraySize(out), 1);
	m = cJSON_GetArrayItem(out, 0);
	assert_true(get(m, "value")->valuedouble == 30);
	assert_int_equal(cJSON_GetArraySize(get(m, "samples")), 3);
	st = get(m, "stats");
	assert_true(get(st, "median")->valuedouble == 20);
	assert_true(get(st, "min")->valuedouble == 10 && get(st, "max")->valuedouble == 30);
	assert_float_equal(get(st, "cv")->valuedouble, 10.0 / 20.0, 1e-12);
	cJSON_Delete(out);
	cJSON_Delete(attempts);
}

/* A probe that broke the protocol keeps its document in the attempt: metrics without a name or value are skipped. */
static void test_aggregate_malformed(void **state)
{
	cJSON *attempts = cJSON_CreateArray(), *out;

	(void)state;
	cJSON_AddItemToArray(attempts, attempt("[{\"value\":1},{\"name\":\"a\"},{\"name\":\"b\",\"samples\":[1,2]},"
					       "{\"name\":7,\"value\":2},{\"name\":\"ok\",\"value\":3}]"));
	out = results_aggregate_metrics(attempts);
	assert_int_equal(cJSON_GetArraySize(out), 1);
	assert_string_equal(get(cJSON_GetArrayItem(out, 0), "name")->valuestring, "ok");
	assert_true(get(cJSON_GetArrayItem(out, 0), "value")->valuedouble == 3);
	cJSON_Delete(out);
	cJSON_Delete(attempts);
}

static void test_aggregate_repeat(void **state)
{
	cJSON *attempts = cJSON_CreateArray(), *out;
	const cJSON *m;
	int i;

	(void)state;
	/* three attempts, two GPUs each: one sample per attempt per label set */
	for (i = 1; i <= 3; i++) {
		char *ms = xasprintf("[{\"name\":\"bw\",\"unit\":\"B/s\",\"better\":\"higher\",\"value\":%d,"
				     "\"labels\":{\"gpu\":\"0\"},\"samples\":[1,2,3,4]},"
				     "{\"name\":\"bw\",\"unit\":\"B/s\",\"better\":\"higher\",\"value\":%d,"
				     "\"labels\":{\"gpu\":\"1\"}}]",
				     i * 10, i * 100);

		cJSON_AddItemToArray(attempts, attempt(ms));
		free(ms);
	}
	/* an attempt that crashed contributes nothing */
	cJSON_AddItemToArray(attempts, cJSON_Parse("{\"status\":\"error\",\"result\":null}"));
	out = results_aggregate_metrics(attempts);
	assert_int_equal(cJSON_GetArraySize(out), 2);
	m = cJSON_GetArrayItem(out, 0);
	assert_string_equal(get(get(m, "labels"), "gpu")->valuestring, "0");
	assert_int_equal(cJSON_GetArraySize(get(m, "samples")), 3);
	assert_true(get(m, "value")->valuedouble == 20);
	m = cJSON_GetArrayItem(out, 1);
	assert_string_equal(get(get(m, "labels"), "gpu")->valuestring, "1");
	assert_true(get(m, "value")->valuedouble == 200);
	assert_true(get(get(m, "stats"), "n")->valuedouble == 3);
	cJSON_Delete(out);
	cJSON_Delete(attempts);
}

/* The cached printer gives the same document as cJSON, and a stale step is printed anew. */
static void test_cached_print(void **state)
{
	cJSON *doc =
		cJSON_Parse("{\"schema_version\":1,\"run\":{\"status\":\"running\"},"
			    "\"steps\":[{\"id\":\"a\",\"status\":\"pending\"},{\"id\":\"b\",\"status\":\"pending\"}],"
			    "\"summary\":{}}");
	struct results_cache c = { NULL, 0 };
	cJSON *back;
	char *text;

	(void)state;
	text = results_print(doc, &c);
	back = cJSON_Parse(text);
	assert_non_null(back);
	assert_true(cJSON_Compare(doc, back, 1));
	cJSON_Delete(back);
	free(text);
	assert_int_equal(c.n, 2);
	assert_non_null(c.text[1]);

	/* change step b: without marking it stale the old text would be reused */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "steps"), 1), "status",
				  cJSON_CreateString("ok"));
	results_cache_stale(&c, 1);
	assert_null(c.text[1]);
	text = results_print(doc, &c);
	back = cJSON_Parse(text);
	assert_true(cJSON_Compare(doc, back, 1));
	cJSON_Delete(back);
	free(text);
	results_cache_release(&c);
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write),	 cmocka_unit_test(test_aggregate_single),
		cmocka_unit_test(test_aggregate_repeat), cmocka_unit_test(test_aggregate_malformed),
		cmocka_unit_test(test_cached_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
