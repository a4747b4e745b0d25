/*
 * test_jsonarena.c - cJSON trees parsed into an arena (probes/lib/jsonarena.h):
 * they read as cJSON_Parse's do, take changes (items added, replaced,
 * detached, deleted), print, and are released with json_delete(); a text
 * that outgrows its arena, more arenas than the table holds, a parse error
 * and two threads parsing at once all still work. Under `make check` this
 * runs with AddressSanitizer, which sees a free() of an arena pointer or a
 * use after json_delete().
 */
#include "jsonarena.h"
#include "strbuf.h"
#include "xalloc.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char doc_text[] = "{\"schema_version\": 1, \"name\": \"fleet \\u00e9\", \"nodes\": ["
			       "{\"host\": \"n0\", \"value\": 3.0e12, \"labels\": {\"gpu\": \"0\"}},"
			       "{\"host\": \"n1\", \"value\": -1.5, \"ok\": true, \"none\": null}]}";

static cJSON *parse(const char *text)
{
	return json_arena_parse(text, strlen(text) + 1, NULL, 1);
}

/* The arena tree prints exactly as cJSON_Parse's tree does. */
static void test_same_as_cjson(void **state)
{
	cJSON *a = parse(doc_text), *b = cJSON_Parse(doc_text);
	char *pa, *pb;

	(void)state;
	assert_non_null(a);
	assert_true(cJSON_Compare(a, b, 1));
	pa = cJSON_PrintUnformatted(a);
	pb = cJSON_PrintUnformatted(b);
	assert_string_equal(pa, pb);
	assert_string_equal(cJSON_GetObjectItem(a, "name")->valuestring, "fleet \xc3\xa9");
	free(pa); /* printed text is malloc'd: free() is right for it */
	free(pb);
	json_delete(a);
	cJSON_Delete(b);
}

/* Changes: malloc'd items in an arena tree, arena items deleted, replaced and detached. */
static void test_changes(void **state)
{
	cJSON *doc = parse(doc_text), *nodes, *n0, *kept;
	char *text;

	(void)state;
	nodes = cJSON_GetObjectItem(doc, "nodes");
	n0 = cJSON_GetArrayItem(nodes, 0);
	cJSON_AddStringToObject(n0, "status", "ok");		       /* a malloc'd item under an arena one */
	cJSON_ReplaceItemInObject(n0, "value", cJSON_CreateNumber(7)); /* an arena item freed as a no-op */
	cJSON_DeleteItemFromObject(doc, "name");
	kept = cJSON_DetachItemFromArray(nodes, 1);
	cJSON_AddItemToObject(doc, "verdict", cJSON_Parse("{\"status\": \"READY\"}"));
	text = cJSON_PrintUnformatted(doc);
	assert_string_equal(text,
			    "{\"schema_version\":1,\"nodes\":[{\"host\":\"n0\",\"value\":7,\"labels\":{\"gpu\":\"0\"},"
			    "\"status\":\"ok\"}],\"verdict\":{\"status\":\"READY\"}}");
	free(text);
	assert_string_equal(cJSON_GetObjectItem(kept, "host")->valuestring, "n1");
	cJSON_Delete(kept); /* an arena subtree on its own: freeing it is a no-op, and safe */
	json_delete(doc);
}

/* A text that needs more than its arena holds: the rest comes from malloc, and all of it is released. */
static void test_outgrows_arena(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = 300000; /* "0," is 2 bytes of text and a 64-byte item: 32 times the text, twice the reservation */
	cJSON *doc, *it;
	size_t count = 0;

	(void)state;
	strbuf_addstr(&sb, "[");
	for (i = 0; i < n; i++)
		strbuf_addstr(&sb, i ? ",0" : "0");
	strbuf_addstr(&sb, "]");
	doc = json_arena_parse(sb.buf, sb.len + 1, NULL, 1);
	assert_non_null(doc);
	cJSON_ArrayForEach(it, doc) count++;
	assert_int_equal(count, n);
	json_delete(doc);
	strbuf_release(&sb);
}

/* More live trees than the table of arenas holds: the later ones parse with malloc. */
static void test_many_live(void **state)
{
	cJSON *docs[40];
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++) {
		docs[i] = parse(doc_text);
		assert_non_null(docs[i]);
	}
	for (i = 0; i < 40; i++)
		assert_int_equal(cJSON_GetObjectItem(docs[i], "schema_version")->valueint, 1);
	for (i = 0; i < 40; i++)
		json_delete(docs[(i * 7) % 40]); /* released out of order */
}

/* A parse error: NULL, the error position as cJSON gives it, and the arena gone (no leak under ASan). */
static void test_parse_error(void **state)
{
	const char *bad = "{\"a\": [1, 2,, 3]}", *end = NULL;

	(void)state;
	assert_null(json_arena_parse(bad, strlen(bad) + 1, &end, 1));
	assert_non_null(end);
	assert_int_equal(end - bad, 12);
	assert_null(json_parse_large(bad, strlen(bad) + 1, NULL, 1));
	json_delete(NULL);
}

/* json_delete() of an ordinary tree, and json_parse_large() below its threshold. */
static void test_ordinary(void **state)
{
	cJSON *a = cJSON_Parse(doc_text), *b = json_parse_large(doc_text, sizeof(doc_text), NULL, 1);

	(void)state;
	assert_non_null(b);
	assert_true(cJSON_Compare(a, b, 1));
	json_delete(a);
	json_delete(b);
}

static void *parse_many(void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < 200; i++) {
		cJSON *d = parse(doc_text), *extra = cJSON_CreateObject();

		if (!d)
			return (void *)1;
		cJSON_AddItemToObject(d, "extra", extra);
		if (cJSON_GetArraySize(cJSON_GetObjectItem(d, "nodes")) != 2)
			return (void *)1;
		json_delete(d);
	}
	return NULL;
}

/* Two threads parsing and releasing at once: each allocates from its own arena only. */
static void test_threads(void **state)
{
	pthread_t t[2];
	void *r[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, parse_many, NULL), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], &r[i]);
		assert_null(r[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_cjson),  cmocka_unit_test(test_changes),
		cmocka_unit_test(test_outgrows_arena), cmocka_unit_test(test_many_live),
		cmocka_unit_test(test_parse_error),    cmocka_unit_test(test_ordinary),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
