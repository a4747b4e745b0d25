/*
 * json.c - results.json: the results document itself, verdict included, for
 * `shakedown report --out DIR` (the run directory already has its own).
 */
#include "out.h"
#include "writers.h"

#include <stdio.h>
#include <stdlib.h>

void report_json(const struct rmodel *m, struct sink *s)
{
	char *text = cJSON_Print(m->doc);
	struct strbuf *o = &s->sb;

	if (!text) {
		fprintf(stderr, "shakedown: out of memory printing results.json\n");
		abort(); /* as xalloc does: a writer cannot fail */
	}
	out_str(o, text);
	out_str(o, "\n");
	free(text);
}
