/* results.c - see results.h. */
#include "results.h"
#include "jsonarena.h"
#include "stats.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int results_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void results_fsync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int results_write_file_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (results_write_all(fd, text, len) || fsync(fd)) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) || rename(tmp, path)) {
		snprintf(err, errlen, "cannot replace '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	results_fsync_dir_of(path);
	rc = 0;
out:
	free(tmp);
	return rc;
}

int results_write_atomic(const char *path, const cJSON *doc, char *err, size_t errlen)
{
	char *text = cJSON_Print(doc);
	char *nl;
	int rc;

	if (!text) {
		snprintf(err, errlen, "cannot serialise results: out of memory");
		return -1;
	}
	nl = xasprintf("%s\n", text);
	rc = results_write_file_atomic(path, nl, strlen(nl), err, errlen);
	free(nl);
	free(text);
	return rc;
}

#define RESULTS_MAX_FILE (512u << 20)

/* ---- reading results ---- */

static char *read_whole(const char *path, size_t *len, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	char why[256];

	if (strbuf_read_file(&sb, path, RESULTS_MAX_FILE, why, sizeof(why))) {
		errf(err, errlen, "cannot read '%s': %s", path, why);
		strbuf_release(&sb);
		return NULL;
	}
	*len = sb.len;
	return strbuf_detach(&sb);
}

static int line_of(const char *text, const char *at)
{
	int line = 1;

	for (; text < at && *text; text++)
		line += *text == '\n';
	return line;
}

cJSON *results_read(const char *path, char *err, size_t len)
{
	const char *end = NULL;
	size_t n = 0;
	char *text = read_whole(path, &n, err, len);
	cJSON *doc, *v;

	if (!text)
		return NULL;
	doc = json_parse_large(text, n + 1, &end, 1); /* n + 1: cJSON wants the NUL to end on */
	if (!doc) {
		errf(err, len, "'%s' is not JSON (near line %d)", path, line_of(text, end ? end : text));
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "schema_version");
	if (!cJSON_IsObject(doc) || !cJSON_IsNumber(v) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "steps"))) {
		errf(err, len, "'%s' is not a shakedown results document (no '%s')", path,
		     cJSON_IsNumber(v) ? "steps" : "schema_version");
		goto bad;
	}
	if (v->valuedouble != 1) {
		errf(err, len, "'%s': results schema version %g is not supported (this shakedown reads version 1)",
		     path, v->valuedouble);
		goto bad;
	}
	goto out;
bad:
	json_delete(doc);
	doc = NULL;
out:
	free(text);
	return doc;
}

/* ---- the step cache ---- */

void results_cache_stale(struct results_cache *c, size_t step)
{
	if (step < c->n) {
		free(c->text[step]);
		c->text[step] = NULL;
	}
}

void results_cache_release(struct results_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->text[i]);
	free(c->text);
	c->text = NULL;
	c->n = 0;
}

static void buf_json(struct strbuf *b, const cJSON *item)
{
	char *t = cJSON_Print(item);

	strbuf_addstr(b, t ? t : "null");
	free(t);
}

static void print_steps(struct strbuf *b, const cJSON *steps, struct results_cache *c)
{
	size_t n = (size_t)cJSON_GetArraySize(steps), i = 0;
	const cJSON *s;

	if (c->n != n) {
		results_cache_release(c);
		c->text = xcalloc(n, sizeof(*c->text));
		c->n = n;
	}
	strbuf_addstr(b, "[");
	cJSON_ArrayForEach(s, steps)
	{
		if (!c->text[i])
			c->text[i] = cJSON_Print(s);
		strbuf_addstr(b, i ? ",\n" : "\n");
		strbuf_addstr(b, c->text[i] ? c->text[i] : "null");
		i++;
	}
	strbuf_addstr(b, "]");
}

#define NODE_SCRATCH (256u << 10) /* a node's record printed in place; a larger one is printed on its own */

/*
 * A multi-node run's nodes, each compact on a line of its own: they are most
 * of a fleet's document (4 kB a node and more), and pretty-printed they were
 * 70 % larger and slower to write, and no easier to read.
 */
static void print_nodes(struct strbuf *b, const cJSON *nodes)
{
	char *scratch = xmalloc(NODE_SCRATCH), *t;
	const cJSON *n;

	strbuf_addstr(b, "[");
	cJSON_ArrayForEach(n, nodes)
	{
		strbuf_addstr(b, n == nodes->child ? "\n" : ",\n");
		if (cJSON_PrintPreallocated((cJSON *)n, scratch, NODE_SCRATCH, 0)) {
			strbuf_addstr(b, scratch);
			continue;
		}
		t = cJSON_PrintUnformatted(n);
		strbuf_addstr(b, t ? t : "null");
		free(t);
	}
	strbuf_addstr(b, "]");
	free(scratch);
}

char *results_print(const cJSON *doc, struct results_cache *c)
{
	struct strbuf b = STRBUF_INIT;
	const cJSON *item;

	/* top-level keys are the runner's own identifiers: no escaping needed */
	strbuf_addstr(&b, "{");
	cJSON_ArrayForEach(item, doc)
	{
		strbuf_addstr(&b, item == doc->child ? "\n\"" : ",\n\"");
		strbuf_addstr(&b, item->string);
		strbuf_addstr(&b, "\": ");
		if (!strcmp(item->string, "steps") && cJSON_IsArray(item))
			print_steps(&b, item, c);
		else if (!strcmp(item->string, "nodes") && cJSON_IsArray(item))
			print_nodes(&b, item);
		else
			buf_json(&b, item);
	}
	strbuf_addstr(&b, "\n}\n");
	return strbuf_detach(&b);
}

int results_write_cached(const char *path, const cJSON *doc, struct results_cache *c, char *err, size_t errlen)
{
	char *text = results_print(doc, c);
	int rc = results_write_file_atomic(path, text, strlen(text), err, errlen);

	free(text);
	return rc;
}

/* ---- aggregation ---- */

struct agg {
	const cJSON *first; /* the first occurrence: name, unit, better, labels */
	double *v;
	size_t n;
};

static int same_metric(const cJSON *a, const cJSON *b)
{
	const cJSON *la = cJSON_GetObjectItemCaseSensitive(a, "labels");
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "labels");

	if (strcmp(cJSON_GetObjectItemCaseSensitive(a, "name")->valuestring,
		   cJSON_GetObjectItemCaseSensitive(b, "name")->valuestring))
		return 0;
	if (!la || !lb)
		return !la == !lb || cJSON_GetArraySize(la ? la : lb) == 0;
	return cJSON_Compare(la, lb, 1);
}

static struct agg *find_agg(struct agg **aggs, size_t *n, const cJSON *m)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (same_metric((*aggs)[i].first, m))
			return &(*aggs)[i];
	*aggs = xrealloc(*aggs, (*n + 1) * sizeof(**aggs));
	memset(&(*aggs)[*n], 0, sizeof(**aggs));
	(*aggs)[*n].first = m;
	return &(*aggs)[(*n)++];
}

static void agg_add(struct agg *a, double v)
{
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n++] = v;
}

static void collect(const cJSON *attempt_metrics, int single, struct agg **aggs, size_t *n)
{
	const cJSON *m, *s, *samples;
	struct agg *a;

	cJSON_ArrayForEach(m, attempt_metrics)
	{
		/* an attempt keeps the document of a probe that broke the protocol: its metrics may lack these */
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "name")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "value")))
			continue;
		a = find_agg(aggs, n, m);
		samples = cJSON_GetObjectItemCaseSensitive(m, "samples");
		if (single && cJSON_GetArraySize(samples) > 0)
			cJSON_ArrayForEach(s, samples) agg_add(a, s->valuedouble);
		else
			agg_add(a, cJSON_GetObjectItemCaseSensitive(m, "value")->valuedouble);
	}
}

static cJSON *agg_json(const struct agg *a, double value)
{
	cJSON *o = cJSON_CreateObject(), *st, *sm;
	const char *keys[] = { "name", "unit", "better", "labels" };
	struct stats s;
	size_t i;

	for (i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->first, keys[i]);

		if (v)
			cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(v, 1));
	}
	stats_compute(a->v, a->n, &s);
	cJSON_AddNumberToObject(o, "value", value);
	sm = cJSON_AddArrayToObject(o, "samples");
	for (i = 0; i < a->n; i++)
		cJSON_AddItemToArray(sm, cJSON_CreateNumber(a->v[i]));
	st = cJSON_AddObjectToObject(o, "stats");
	cJSON_AddNumberToObject(st, "n", (double)s.n);
	cJSON_AddNumberToObject(st, "median", s.median);
	cJSON_AddNumberToObject(st, "min", s.min);
	cJSON_AddNumberToObject(st, "max", s.max);
	cJSON_AddNumberToObject(st, "mean", s.mean);
	cJSON_AddNumberToObject(st, "stddev", s.stddev);
	cJSON_AddNumberToObject(st, "cv", s.cv);
	return o;
}

cJSON *results_aggregate_metrics(const cJSON *attempts)
{
	const cJSON *at, *res, *metrics;
	struct agg *aggs = NULL;
	size_t n = 0, i, used = 0;
	cJSON *out = cJSON_CreateArray();
	struct stats s;

	cJSON_ArrayForEach(at, attempts)
	{
		res = cJSON_GetObjectItemCaseSensitive(at, "result");
		metrics = cJSON_GetObjectItemCaseSensitive(res, "metrics");
		if (cJSON_IsArray(metrics))
			used++;
	}
	cJSON_ArrayForEach(at, attempts)
	{
		res = cJSON_GetObjectItemCaseSensitive(at, "result");
		metrics = cJSON_GetObjectItemCaseSensitive(res, "metrics");
		if (cJSON_IsArray(metrics))
			collect(metrics, used == 1, &aggs, &n);
	}
	for (i = 0; i < n; i++) {
		double value;

		/* one attempt: its own value (a probe may report best-of-N, not the median) */
		if (used == 1) {
			value = cJSON_GetObjectItemCaseSensitive(aggs[i].first, "value")->valuedouble;
		} else {
			stats_compute(aggs[i].v, aggs[i].n, &s);
			value = s.median;
		}
		cJSON_AddItemToArray(out, agg_json(&aggs[i], value));
		free(aggs[i].v);
	}
	free(aggs);
	return out;
}
