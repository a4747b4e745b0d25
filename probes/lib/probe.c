/*
 * probe.c - the probe library's main(): options, --describe, timing and the
 * one JSON document a probe prints (probes/PROTOCOL.md). The contract for
 * probe authors is in probe.h.
 */
#include "probe.h"
#include "redact.h"
#include "clock.h"
#include "protocol.h"
#include "units.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pval {
	const struct probe_param *p;
	char *text; /* NULL when unset; owned */
	char **items;
	size_t nitems;
};

struct probe_metric {
	char *name, *unit, *better;
	cJSON *labels;
	double *samples;
	size_t n, alloc;
	double value;
	int has_value;
	struct probe_metric *next;
};

struct probe_series {
	char *name, *unit, *x_unit; /* x_unit NULL: t is seconds since the start */
	int log_axes, points;
	cJSON *labels;
	double *t, *v;
	size_t n, alloc;
	struct probe_series *next;
};

struct probe_ctx {
	const struct probe_ops *ops;
	struct pval *vals;
	size_t nvals;
	const char *status;
	char *reason;
	struct probe_metric *metrics, **metrics_tail;
	struct probe_series *series, **series_tail;
	cJSON *env;
	double t0;
	char start[40];
	int rank; /* of a launch on many ranks; -1: not launched so */
};

/* ---- parameters ---- */

static struct pval *find_val(struct probe_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nvals; i++)
		if (!strcmp(ctx->vals[i].p->name, name))
			return &ctx->vals[i];
	fprintf(stderr, "%s: bug: parameter '%s' is not declared\n", ctx->ops->name, name);
	abort();
}

const char *probe_str(struct probe_ctx *ctx, const char *name)
{
	return find_val(ctx, name)->text;
}

int probe_is_set(struct probe_ctx *ctx, const char *name)
{
	return find_val(ctx, name)->text != NULL;
}

long long probe_int(struct probe_ctx *ctx, const char *name)
{
	const char *t = probe_str(ctx, name);
	long long v = 0;

	if (t)
		units_parse_int(t, &v, NULL, 0);
	return v;
}

double probe_float(struct probe_ctx *ctx, const char *name)
{
	const char *t = probe_str(ctx, name);
	double v = 0;

	if (t)
		units_parse_double(t, &v, NULL, 0);
	return v;
}

int probe_bool(struct probe_ctx *ctx, const char *name)
{
	const char *t = probe_str(ctx, name);
	int v = 0;

	if (t)
		units_parse_bool(t, &v, NULL, 0);
	return v;
}

uint64_t probe_size(struct probe_ctx *ctx, const char *name)
{
	const char *t = probe_str(ctx, name);
	uint64_t v = 0;

	if (t)
		units_parse_size(t, &v, NULL, 0);
	return v;
}

uint64_t probe_duration_ns(struct probe_ctx *ctx, const char *name)
{
	const char *t = probe_str(ctx, name);
	uint64_t v = 0;

	if (t)
		units_parse_duration_ns(t, &v, NULL, 0);
	return v;
}

size_t probe_list_len(struct probe_ctx *ctx, const char *name)
{
	return find_val(ctx, name)->nitems;
}

const char *probe_list_item(struct probe_ctx *ctx, const char *name, size_t i)
{
	struct pval *v = find_val(ctx, name);

	return i < v->nitems ? v->items[i] : NULL;
}

static void split_list(struct pval *v)
{
	const char *p = v->text, *comma;

	while (p) {
		comma = strchr(p, ',');
		v->items = xrealloc(v->items, (v->nitems + 1) * sizeof(*v->items));
		v->items[v->nitems++] = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		p = comma ? comma + 1 : NULL;
	}
}

/* ---- verdicts, metrics, series, env ---- */

static void set_status(struct probe_ctx *ctx, const char *status, const char *fmt, va_list ap)
{
	ctx->status = status;
	free(ctx->reason);
	ctx->reason = xvasprintf(fmt, ap);
}

void probe_skip(struct probe_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(ctx, "skipped", fmt, ap);
	va_end(ap);
}

void probe_fail(struct probe_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(ctx, "failed", fmt, ap);
	va_end(ap);
}

int probe_error(struct probe_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(ctx, "error", fmt, ap);
	va_end(ap);
	return -1;
}

struct probe_metric *probe_metric(struct probe_ctx *ctx, const char *name, const char *unit, const char *better)
{
	struct probe_metric *m = xcalloc(1, sizeof(*m));

	m->name = xstrdup(name);
	m->unit = xstrdup(unit);
	m->better = xstrdup(better);
	m->labels = cJSON_CreateObject();
	*ctx->metrics_tail = m;
	ctx->metrics_tail = &m->next;
	return m;
}

void probe_metric_label(struct probe_metric *m, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(m->labels, key);
	cJSON_AddStringToObject(m->labels, key, value);
}

void probe_metric_sample(struct probe_metric *m, double v)
{
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? 2 * m->alloc : 8;
		m->samples = xrealloc(m->samples, m->alloc * sizeof(*m->samples));
	}
	m->samples[m->n++] = v;
}

void probe_metric_value(struct probe_metric *m, double v)
{
	m->value = v;
	m->has_value = 1;
}

struct probe_metric *probe_metric_set(struct probe_ctx *ctx, const char *name, const char *unit, const char *better,
				      double v)
{
	struct probe_metric *m = probe_metric(ctx, name, unit, better);

	probe_metric_value(m, v);
	return m;
}

struct probe_series *probe_series(struct probe_ctx *ctx, const char *name, const char *unit)
{
	struct probe_series *s = xcalloc(1, sizeof(*s));

	s->name = xstrdup(name);
	s->unit = xstrdup(unit);
	s->labels = cJSON_CreateObject();
	*ctx->series_tail = s;
	ctx->series_tail = &s->next;
	return s;
}

struct probe_series *probe_series_xy(struct probe_ctx *ctx, const char *name, const char *unit, const char *x_unit)
{
	struct probe_series *s = probe_series(ctx, name, unit);

	s->x_unit = xstrdup(x_unit);
	return s;
}

void probe_series_draw(struct probe_series *s, int log_axes, int points)
{
	s->log_axes = log_axes;
	s->points = points;
}

void probe_series_label(struct probe_series *s, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(s->labels, key);
	cJSON_AddStringToObject(s->labels, key, value);
}

void probe_series_add(struct probe_series *s, double t, double v)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->t = xrealloc(s->t, s->alloc * sizeof(*s->t));
		s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	s->t[s->n] = t;
	s->v[s->n++] = v;
}

cJSON *probe_env(struct probe_ctx *ctx)
{
	return ctx->env;
}

/* The node this process runs on, as the runner names it: $SHAKEDOWN_NODE_NAME, $SHAKEDOWN_NODE, the hostname. */
static int on_node(const char *node, size_t len)
{
	const char *e = getenv("SHAKEDOWN_NODE_NAME");
	char host[256] = "";

	if (!e || !*e)
		e = getenv("SHAKEDOWN_NODE");
	if (!e || !*e) {
		gethostname(host, sizeof(host) - 1);
		e = host;
	}
	return strlen(e) == len && !strncmp(e, node, len);
}

/*
 * Whether `fault` is listed for this probe in $SHAKEDOWN_FAULT
 * ("membw.corrupt,gemm.corrupt"); an entry "busbw.slow@n2" holds only on
 * node n2 (on_node()), so a multi-node test can plant one bad node.
 */
static int fault_listed(const char *probe, const char *fault)
{
	const char *list = getenv(PROBE_FAULT_ENV), *p, *at;
	size_t np = strlen(probe), nf = strlen(fault), n, k;

	for (p = list; p && *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		at = memchr(p, '@', n);
		k = at ? (size_t)(at - p) : n;
		if (k == np + 1 + nf && !strncmp(p, probe, np) && p[np] == '.' && !strncmp(p + np + 1, fault, nf) &&
		    (!at || on_node(at + 1, n - k - 1)))
			return 1;
	}
	return 0;
}

int probe_fault(struct probe_ctx *ctx, const char *fault)
{
	cJSON *list;

	if (!fault_listed(ctx->ops->name, fault))
		return 0;
	probe_log(ctx, "injecting fault '%s' (%s)", fault, PROBE_FAULT_ENV);
	if (!(list = cJSON_GetObjectItemCaseSensitive(ctx->env, "faults_injected")))
		list = cJSON_AddArrayToObject(ctx->env, "faults_injected");
	cJSON_AddItemToArray(list, cJSON_CreateString(fault));
	return 1;
}

/* The variables a launcher sets to the rank, in the order read (runner/launch.h LAUNCH_RANK_VARS). */
static const char *const rank_vars[] = { "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID", NULL };

int probe_rank(void)
{
	const char *v;
	char *end;
	long r;
	size_t i;

	for (i = 0; rank_vars[i]; i++) {
		if (!(v = getenv(rank_vars[i])) || !*v)
			continue;
		errno = 0;
		r = strtol(v, &end, 10);
		return errno || *end || r < 0 || r > INT_MAX ? -1 : (int)r;
	}
	return -1;
}

void probe_log(struct probe_ctx *ctx, const char *fmt, ...)
{
	const char *gpu = ctx->ops->per_gpu ? getenv("SHAKEDOWN_GPU") : NULL;
	char *who, *msg, *line;
	va_list ap;

	if (gpu && *gpu) /* one instance of several on the node, sharing its log (PROTOCOL.md) */
		who = xasprintf("%s[gpu %s]", ctx->ops->name, gpu);
	else if (ctx->rank >= 0)
		who = xasprintf("%s[%d]", ctx->ops->name, ctx->rank);
	else
		who = xstrdup(ctx->ops->name);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	line = xasprintf("%s: %s\n", who, msg);
	/* one write per line: ranks and GPU instances share one log, and their lines must not mix */
	if (write(STDERR_FILENO, line, strlen(line)) < 0) {
		/* nowhere left to say it */
	}
	free(who);
	free(msg);
	free(line);
}

double probe_now(void)
{
	return clock_mono_s();
}

double probe_elapsed(struct probe_ctx *ctx)
{
	return clock_mono_s() - ctx->t0;
}

/* ---- the document ---- */

static cJSON *typed_value(const struct pval *v)
{
	uint64_t u = 0;
	cJSON *a;
	size_t i;

	switch (v->p->type) {
	case PT_INT:
	case PT_FLOAT:
		return cJSON_CreateNumber(strtod(v->text, NULL));
	case PT_BOOL: {
		int b = 0;

		units_parse_bool(v->text, &b, NULL, 0);
		return cJSON_CreateBool(b);
	}
	case PT_SIZE:
		units_parse_size(v->text, &u, NULL, 0);
		return cJSON_CreateNumber((double)u);
	case PT_DURATION:
		units_parse_duration_ns(v->text, &u, NULL, 0);
		return cJSON_CreateNumber((double)u / 1e9);
	case PT_LIST:
		a = cJSON_CreateArray();
		for (i = 0; i < v->nitems; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(v->items[i]));
		return a;
	default: {
		/* a URL's password stays out of the document (redact.h) */
		char *r = redact_url_password(v->text);

		a = cJSON_CreateString(r);
		free(r);
		return a;
	}
	}
}

static cJSON *number_array(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

static int finite_all(const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

static double median_of(const double *v, size_t n)
{
	double *s = xmalloc(n * sizeof(*s)), m, t;
	size_t i, j;

	memcpy(s, v, n * sizeof(*s));
	for (i = 1; i < n; i++) /* insertion sort: sample counts are small */
		for (j = i; j > 0 && s[j - 1] > s[j]; j--) {
			t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* A metric that cannot be written (no value, NaN) turns the run into an error. */
static cJSON *metric_json(struct probe_ctx *ctx, struct probe_metric *m)
{
	cJSON *o;

	if (!m->has_value && m->n)
		probe_metric_value(m, median_of(m->samples, m->n));
	if (!m->has_value || !isfinite(m->value) || !finite_all(m->samples, m->n)) {
		probe_error(ctx, "metric '%s' has no finite value", m->name);
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddNumberToObject(o, "value", m->value);
	cJSON_AddStringToObject(o, "unit", m->unit);
	cJSON_AddStringToObject(o, "better", m->better);
	if (m->n)
		cJSON_AddItemToObject(o, "samples", number_array(m->samples, m->n));
	if (cJSON_GetArraySize(m->labels))
		cJSON_AddItemReferenceToObject(o, "labels", m->labels);
	return o;
}

static cJSON *series_json(struct probe_series *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "unit", s->unit);
	if (cJSON_GetArraySize(s->labels))
		cJSON_AddItemReferenceToObject(o, "labels", s->labels);
	if (s->x_unit)
		cJSON_AddStringToObject(o, "x_unit", s->x_unit);
	cJSON_AddItemToObject(o, s->x_unit ? "x" : "t", number_array(s->t, s->n));
	cJSON_AddItemToObject(o, "v", number_array(s->v, s->n));
	if (s->log_axes)
		cJSON_AddStringToObject(o, "scale", "log");
	if (s->points)
		cJSON_AddStringToObject(o, "style", "points");
	return o;
}

static cJSON *build_document(struct probe_ctx *ctx, double duration)
{
	cJSON *doc = cJSON_CreateObject(), *params, *metrics, *series, *m;
	struct probe_metric *pm;
	struct probe_series *ps;
	char host[256] = "unknown";
	size_t i;

	gethostname(host, sizeof(host) - 1);
	cJSON_AddNumberToObject(doc, "protocol", PROBE_PROTOCOL_VERSION);
	cJSON_AddStringToObject(doc, "probe", ctx->ops->name);
	cJSON_AddStringToObject(doc, "version", ctx->ops->version);
	cJSON_AddStringToObject(doc, "host", host);
	cJSON_AddStringToObject(doc, "start", ctx->start);
	cJSON_AddNumberToObject(doc, "duration_s", duration);
	params = cJSON_AddObjectToObject(doc, "params");
	for (i = 0; i < ctx->nvals; i++)
		if (ctx->vals[i].text)
			cJSON_AddItemToObject(params, ctx->vals[i].p->name, typed_value(&ctx->vals[i]));
	metrics = cJSON_AddArrayToObject(doc, "metrics");
	for (pm = ctx->metrics; pm; pm = pm->next)
		if ((m = metric_json(ctx, pm)))
			cJSON_AddItemToArray(metrics, m);
	series = cJSON_AddArrayToObject(doc, "series");
	for (ps = ctx->series; ps; ps = ps->next)
		cJSON_AddItemToArray(series, series_json(ps));
	cJSON_AddItemReferenceToObject(doc, "env", ctx->env);
	/* status last: writing a metric may have turned it into an error */
	cJSON_AddStringToObject(doc, "status", ctx->status);
	if (ctx->reason)
		cJSON_AddStringToObject(doc, "reason", ctx->reason);
	else
		cJSON_AddNullToObject(doc, "reason");
	return doc;
}

static void ctx_release(struct probe_ctx *ctx)
{
	struct probe_metric *m, *mn;
	struct probe_series *s, *sn;
	size_t i, j;

	for (i = 0; i < ctx->nvals; i++) {
		free(ctx->vals[i].text);
		for (j = 0; j < ctx->vals[i].nitems; j++)
			free(ctx->vals[i].items[j]);
		free(ctx->vals[i].items);
	}
	free(ctx->vals);
	for (m = ctx->metrics; m; m = mn) {
		mn = m->next;
		free(m->name);
		free(m->unit);
		free(m->better);
		free(m->samples);
		cJSON_Delete(m->labels);
		free(m);
	}
	for (s = ctx->series; s; s = sn) {
		sn = s->next;
		free(s->name);
		free(s->unit);
		free(s->x_unit);
		free(s->t);
		free(s->v);
		cJSON_Delete(s->labels);
		free(s);
	}
	cJSON_Delete(ctx->env);
	free(ctx->reason);
}

/* ---- command line ---- */

static cJSON *describe_json(const struct probe_ops *ops)
{
	cJSON *doc = cJSON_CreateObject(), *params, *metrics, *o, *ch;
	const struct probe_param *p;
	const struct probe_metric_desc *md;
	const char *c, *bar;

	cJSON_AddNumberToObject(doc, "protocol", PROBE_PROTOCOL_VERSION);
	cJSON_AddStringToObject(doc, "probe", ops->name);
	cJSON_AddStringToObject(doc, "version", ops->version);
	cJSON_AddStringToObject(doc, "description", ops->description);
	if (ops->per_gpu)
		cJSON_AddTrueToObject(doc, "per_gpu");
	params = cJSON_AddArrayToObject(doc, "params");
	for (p = ops->params; p && p->name; p++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddStringToObject(o, "type", protocol_ptypes[p->type]);
		if (p->def)
			cJSON_AddStringToObject(o, "default", p->def);
		else
			cJSON_AddNullToObject(o, "default");
		cJSON_AddBoolToObject(o, "required", p->required);
		if (p->choices) {
			ch = cJSON_AddArrayToObject(o, "choices");
			for (c = p->choices; c; c = bar ? bar + 1 : NULL) {
				bar = strchr(c, '|');
				char *item = bar ? xstrndup(c, (size_t)(bar - c)) : xstrdup(c);

				cJSON_AddItemToArray(ch, cJSON_CreateString(item));
				free(item);
			}
		}
		cJSON_AddStringToObject(o, "help", p->help ? p->help : "");
		cJSON_AddItemToArray(params, o);
	}
	metrics = cJSON_AddArrayToObject(doc, "metrics");
	for (md = ops->metrics; md && md->name; md++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", md->name);
		cJSON_AddStringToObject(o, "unit", md->unit);
		cJSON_AddStringToObject(o, "better", md->better);
		cJSON_AddStringToObject(o, "help", md->help ? md->help : "");
		cJSON_AddItemToArray(metrics, o);
	}
	return doc;
}

static void usage(const struct probe_ops *ops, FILE *fp)
{
	const struct probe_param *p;
	const struct probe_metric_desc *m;

	fprintf(fp, "usage: %s [--PARAM=VALUE]...\n       %s --describe | --help | --version\n\n%s\n\n", ops->name,
		ops->name, ops->description);
	fprintf(fp, "Parameters:\n");
	for (p = ops->params; p && p->name; p++)
		fprintf(fp, "  --%s=%s%s%s%s\n      %s\n", p->name, protocol_ptypes[p->type], p->choices ? " (" : "",
			p->choices ? p->choices : "", p->choices ? ")" : "", p->help ? p->help : "");
	fprintf(fp, "\nMetrics:\n");
	for (m = ops->metrics; m && m->name; m++)
		fprintf(fp, "  %-28s %-8s %s is better. %s\n", m->name, m->unit, m->better, m->help ? m->help : "");
	fprintf(fp, "\nPrints one JSON document on stdout (probes/PROTOCOL.md); logs go to stderr.\n");
}

static int set_arg(struct probe_ctx *ctx, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[128], err[256];
	const char *value = eq ? eq + 1 : "true";
	size_t i, n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	struct pval *v = NULL;

	if (strncmp(arg, "--", 2) || n == 0 || n >= sizeof(name)) {
		fprintf(stderr, "%s: unexpected argument '%s' (parameters are --NAME=VALUE)\n", ctx->ops->name, arg);
		return -1;
	}
	memcpy(name, arg + 2, n);
	name[n] = '\0';
	for (i = 0; i < ctx->nvals; i++)
		if (!strcmp(ctx->vals[i].p->name, name))
			v = &ctx->vals[i];
	if (!v) {
		fprintf(stderr, "%s: unknown parameter '%s' (see --help)\n", ctx->ops->name, name);
		return -1;
	}
	if (!eq && v->p->type != PT_BOOL) {
		fprintf(stderr, "%s: parameter '%s' needs a value: --%s=VALUE\n", ctx->ops->name, name, name);
		return -1;
	}
	if (protocol_check_value(protocol_ptypes[v->p->type], v->p->choices, value, err, sizeof(err))) {
		fprintf(stderr, "%s: parameter '%s': %s\n", ctx->ops->name, name, err);
		return -1;
	}
	free(v->text);
	v->text = xstrdup(value);
	return 0;
}

static int parse_args(struct probe_ctx *ctx, int argc, char **argv)
{
	const struct probe_param *p;
	size_t i;
	int a;

	for (p = ctx->ops->params; p && p->name; p++)
		ctx->nvals++;
	ctx->vals = xcalloc(ctx->nvals, sizeof(*ctx->vals));
	for (i = 0, p = ctx->ops->params; i < ctx->nvals; i++, p++) {
		ctx->vals[i].p = p;
		ctx->vals[i].text = p->def ? xstrdup(p->def) : NULL;
	}
	for (a = 1; a < argc; a++)
		if (set_arg(ctx, argv[a]))
			return -1;
	for (i = 0; i < ctx->nvals; i++) {
		if (ctx->vals[i].p->required && !ctx->vals[i].text) {
			fprintf(stderr, "%s: missing required parameter '--%s'\n", ctx->ops->name,
				ctx->vals[i].p->name);
			return -1;
		}
		if (ctx->vals[i].text && ctx->vals[i].p->type == PT_LIST)
			split_list(&ctx->vals[i]);
	}
	return 0;
}

static int print_json(cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc);
	int rc = 0;

	if (!s || printf("%s\n", s) < 0 || fflush(stdout))
		rc = -1;
	free(s);
	return rc;
}

static int run_probe(struct probe_ctx *ctx)
{
	char err[512];
	cJSON *doc;
	int rc;

	ctx->env = cJSON_CreateObject();
	ctx->status = "ok";
	ctx->metrics_tail = &ctx->metrics;
	ctx->series_tail = &ctx->series;
	clock_utc_iso(ctx->start, sizeof(ctx->start));
	ctx->t0 = clock_mono_s();
	rc = ctx->ops->run(ctx);
	if (rc && strcmp(ctx->status, "error"))
		probe_error(ctx, "probe returned an error without a reason");
	doc = build_document(ctx, probe_elapsed(ctx));
	if (protocol_check_result(doc, err, sizeof(err)))
		fprintf(stderr, "%s: bug: document violates the protocol: %s\n", ctx->ops->name, err);
	/* launched on many ranks: rank 0 speaks for all (what the others found, the probe gathers itself) */
	rc = ctx->rank > 0 ? 0 : print_json(doc);
	cJSON_Delete(doc);
	return rc;
}

int main(int argc, char **argv)
{
	const struct probe_ops *ops = &probe_ops;
	struct probe_ctx ctx = { .ops = ops, .rank = probe_rank() };
	cJSON *d;
	int rc = 2;

	if (argc == 2 && !strcmp(argv[1], "--describe")) {
		d = describe_json(ops);
		rc = print_json(d) ? 1 : 0;
		cJSON_Delete(d);
		return rc;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(ops, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s %s\n", ops->name, ops->version);
		return 0;
	}
	if (parse_args(&ctx, argc, argv))
		goto out;
	rc = run_probe(&ctx) ? 1 : 0;
out:
	ctx_release(&ctx);
	return rc;
}
