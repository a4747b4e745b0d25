/* terminal.c - see terminal.h. */
#include "terminal.h"
#include "paths.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *str(const cJSON *o, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : def;
}

static int count(const cJSON *counts, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(counts, key);

	return cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
}

char *terminal_runbook_path(const char *id)
{
	char *dir = paths_data("runbooks"), *rel = dir ? paths_relative(".", dir) : NULL, *p;

	p = xasprintf("%s/%s.md", rel ? rel : "runbooks", id);
	free(dir);
	free(rel);
	return p;
}

static void print_check(const cJSON *c, FILE *fp)
{
	const char *v = str(c, "verdict", "?"), *rb = str(c, "runbook", NULL), *host = str(c, "host", NULL);
	char *path = rb ? terminal_runbook_path(rb) : NULL;

	fprintf(fp, "  %-5s %s%s%s: %s%s%s\n",
		!strcmp(v, "fail")   ? "FAIL"
		: !strcmp(v, "warn") ? "WARN"
				     : "ERROR",
		host ? host : "", host ? " " : "", str(c, "id", "?"), str(c, "message", ""), path ? " -> " : "",
		path ? path : "");
	free(path);
}

void terminal_verdict(const cJSON *verdict, FILE *fp, unsigned max_lines)
{
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(verdict, "counts"), *c;
	const cJSON *bl = cJSON_GetObjectItemCaseSensitive(verdict, "baseline");
	unsigned shown = 0, more = 0;

	fprintf(fp, "verdict: %s (baseline %s): %d pass, %d warn, %d fail, %d skipped, %d error\n",
		str(verdict, "status", "?"), str(bl, "name", "none"), count(counts, "pass"), count(counts, "warn"),
		count(counts, "fail"), count(counts, "skipped"), count(counts, "error"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(verdict, "checks"))
	{
		const char *v = str(c, "verdict", "");

		if (strcmp(v, "fail") && strcmp(v, "warn") && strcmp(v, "error"))
			continue;
		if (shown < max_lines) {
			print_check(c, fp);
			shown++;
		} else {
			more++;
		}
	}
	if (more)
		fprintf(fp, "  ... and %u more (see report.md)\n", more);
}
