/*
 * compare.c - `shakedown compare`: the Mann–Whitney U test, loading two runs'
 * metrics, matching them, the verdicts and the text and JSON writers. The
 * statistics and the decision rule are written down in compare.h.
 *
 * JSON output (--format json):
 *   {"old": {"path", "run", "host", "status"}, "new": {...},
 *    "threshold": 0.05, "alpha": 0.05, "test": "mann-whitney-u two-sided",
 *    "metrics": [{"key", "step", "metric", "labels", "unit", "better",
 *                 "old": {"median", "n", "samples"} or null, "new": {...} or null,
 *                 "change", "gain", "u", "p", "test": "exact|normal|none", "verdict", "note"}],
 *    "counts": {"unchanged": 0, "noise": 0, ...}, "regression": false, "exit_code": 0}
 * change and gain are null when undefined (old is 0, or the metric is in one run only).
 */
#include "compare.h"
#include "results.h"
#include "exitcodes.h"
#include "jsonarena.h"
#include "quantity.h"
#include "stats.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* results.json files bigger than this are refused rather than read. */
#define COMPARE_MAX_FILE (512u << 20)

/* ---- Mann–Whitney U ---- */

struct ranked {
	double v;
	size_t i;
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

double mwu_rank(const double *a, size_t n1, const double *b, size_t n2, double *ranks)
{
	size_t N = n1 + n2, i, j, k;
	struct ranked *r = calloc(N ? N : 1, sizeof(*r));
	double ties = 0, t;

	if (!r)
		return -1;
	for (i = 0; i < N; i++) {
		r[i].v = i < n1 ? a[i] : b[i - n1];
		r[i].i = i;
	}
	qsort(r, N, sizeof(*r), cmp_ranked);
	for (i = 0; i < N; i = j) {
		for (j = i + 1; j < N && r[j].v == r[i].v; j++)
			;
		for (k = i; k < j; k++) /* ranks i+1..j share their mean */
			ranks[r[k].i] = (double)(i + 1 + j) / 2;
		t = (double)(j - i);
		ties += t * t * t - t;
	}
	free(r);
	return ties;
}

double mwu_u(const double *a, size_t n1, const double *b, size_t n2)
{
	double u = 0;
	size_t i, j;

	for (i = 0; i < n1; i++)
		for (j = 0; j < n2; j++)
			u += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
	return u;
}

/*
 * cnt[k][s]: how many k-subsets of the doubled ranks seen so far sum to s.
 * Doubled midranks are whole numbers, so the sums are exact. Counts reach
 * C(40, 20) ≈ 1.4e11 at most, exact in a double.
 */
double mwu_p_exact(const double *ranks, size_t n1, size_t n2)
{
	size_t N = n1 + n2, S = 0, obs = 0, i, k, s, *r2 = NULL;
	double *cnt = NULL, le = 0, ge = 0, total = 0, p = -1;

	if (!n1 || !n2 || N > 2 * MWU_EXACT_MAX)
		return -1;
	r2 = calloc(N, sizeof(*r2));
	if (!r2)
		goto out;
	for (i = 0; i < N; i++) {
		r2[i] = (size_t)llround(2 * ranks[i]);
		S += r2[i];
		if (i < n1)
			obs += r2[i];
	}
	cnt = calloc((n1 + 1) * (S + 1), sizeof(*cnt));
	if (!cnt)
		goto out;
	cnt[0] = 1;
	for (i = 0; i < N; i++)
		for (k = i + 1 < n1 ? i + 1 : n1; k >= 1; k--)
			for (s = S; s >= r2[i] && s > 0; s--)
				cnt[k * (S + 1) + s] += cnt[(k - 1) * (S + 1) + s - r2[i]];
	for (s = 0; s <= S; s++) {
		double c = cnt[n1 * (S + 1) + s];

		total += c;
		le += s <= obs ? c : 0;
		ge += s >= obs ? c : 0;
	}
	p = fmin(1, 2 * fmin(le, ge) / total);
out:
	free(r2);
	free(cnt);
	return p;
}

double mwu_p_normal(double u, size_t n1, size_t n2, double tie_term)
{
	double N = (double)(n1 + n2), m = (double)n1 * (double)n2;
	double var = m / 12 * ((N + 1) - (N > 1 ? tie_term / (N * (N - 1)) : 0));
	double z;

	if (!(var > 0))
		return 1;
	z = fmax(0, fabs(u - m / 2) - 0.5) / sqrt(var);
	return fmin(1, erfc(z / sqrt(2)));
}

int mwu_test(const double *a, size_t n1, const double *b, size_t n2, struct mwu *out)
{
	double *ranks = calloc(n1 + n2 ? n1 + n2 : 1, sizeof(*ranks)), ties;
	int rc = -1;

	if (!ranks || !n1 || !n2)
		goto out;
	ties = mwu_rank(a, n1, b, n2, ranks);
	if (ties < 0)
		goto out;
	out->u = mwu_u(a, n1, b, n2);
	out->exact = n1 <= MWU_EXACT_MAX && n2 <= MWU_EXACT_MAX;
	out->p = out->exact ? mwu_p_exact(ranks, n1, n2) : mwu_p_normal(out->u, n1, n2, ties);
	rc = out->p < 0 ? -1 : 0;
out:
	free(ranks);
	return rc;
}

/* ---- verdicts ---- */

static const char *const verdict_names[] = {
	[COMPARE_UNCHANGED] = "unchanged",
	[COMPARE_NOISE] = "noise",
	[COMPARE_IMPROVEMENT] = "improvement",
	[COMPARE_REGRESSION] = "regression",
	[COMPARE_IMPROVEMENT_UNTESTED] = "improvement?",
	[COMPARE_REGRESSION_UNTESTED] = "regression?",
	[COMPARE_ADDED] = "added",
	[COMPARE_REMOVED] = "removed",
};

const char *compare_verdict_name(enum compare_verdict v)
{
	return verdict_names[v];
}

enum compare_verdict compare_decide(double gain, int tested, double p, const struct compare_opts *o)
{
	double t = o->threshold;

	if (fabs(gain) <= t)
		return COMPARE_UNCHANGED;
	if (tested) {
		if (!(p <= o->alpha))
			return COMPARE_NOISE;
		return gain < 0 ? COMPARE_REGRESSION : COMPARE_IMPROVEMENT;
	}
	if (gain < -COMPARE_UNTESTED_FACTOR * t)
		return COMPARE_REGRESSION;
	if (gain > COMPARE_UNTESTED_FACTOR * t)
		return COMPARE_IMPROVEMENT;
	return gain < 0 ? COMPARE_REGRESSION_UNTESTED : COMPARE_IMPROVEMENT_UNTESTED;
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "STEP.NAME{k=v,...}", labels sorted by key. labels was checked to be an object of strings. */
static char *metric_key(const char *step, const char *name, const cJSON *labels)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = (size_t)cJSON_GetArraySize(labels), i = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	const cJSON *l;

	cJSON_ArrayForEach(l, labels) keys[i++] = l->string;
	qsort(keys, n, sizeof(*keys), cmp_str);
	strbuf_addstr(&sb, step);
	strbuf_addstr(&sb, ".");
	strbuf_addstr(&sb, name);
	for (i = 0; i < n; i++) {
		strbuf_addstr(&sb, i ? "," : "{");
		strbuf_addstr(&sb, keys[i]);
		strbuf_addstr(&sb, "=");
		strbuf_addstr(&sb, cJSON_GetObjectItemCaseSensitive(labels, keys[i])->valuestring);
	}
	if (n)
		strbuf_addstr(&sb, "}");
	free(keys);
	return strbuf_detach(&sb);
}

static int labels_ok(const cJSON *labels)
{
	const cJSON *l;

	if (!labels || cJSON_IsNull(labels))
		return 1;
	if (!cJSON_IsObject(labels))
		return 0;
	cJSON_ArrayForEach(l, labels) if (!cJSON_IsString(l)) return 0;
	return 1;
}

/* The samples, or the value alone when there are none. */
static int load_samples(const cJSON *m, struct compare_metric *cm)
{
	const cJSON *samples = cJSON_GetObjectItemCaseSensitive(m, "samples");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(m, "value"), *s;
	struct stats st;

	if (cJSON_GetArraySize(samples) > 0) {
		if (!cJSON_IsArray(samples))
			return -1;
		cm->samples = xcalloc((size_t)cJSON_GetArraySize(samples), sizeof(double));
		cJSON_ArrayForEach(s, samples)
		{
			if (!cJSON_IsNumber(s))
				return -1;
			cm->samples[cm->n++] = s->valuedouble;
		}
	} else {
		if (!cJSON_IsNumber(value))
			return -1;
		cm->samples = xmalloc(sizeof(double));
		cm->samples[cm->n++] = value->valuedouble;
	}
	if (stats_compute(cm->samples, cm->n, &st))
		return -1;
	cm->median = st.median;
	return 0;
}

static int load_metric(const cJSON *m, const char *step, struct compare_metric *cm)
{
	const char *name = str_at(m, "name"), *unit = str_at(m, "unit"), *better = str_at(m, "better");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(m, "labels");

	memset(cm, 0, sizeof(*cm));
	if (!name || !unit || !better || (strcmp(better, "higher") && strcmp(better, "lower")) || !labels_ok(labels))
		return -1;
	cm->step = xstrdup(step);
	cm->name = xstrdup(name);
	cm->unit = xstrdup(unit);
	cm->lower = !strcmp(better, "lower");
	cm->labels = cJSON_IsObject(labels) && labels->child ? cJSON_Duplicate(labels, 1) : NULL;
	cm->key = metric_key(step, name, cm->labels);
	return load_samples(m, cm);
}

static void metric_release(struct compare_metric *cm)
{
	free(cm->key);
	free(cm->step);
	free(cm->name);
	free(cm->unit);
	cJSON_Delete(cm->labels);
	free(cm->samples);
}

static int load_step(const cJSON *st, size_t idx, struct compare_run *r, char *err, size_t len)
{
	const char *id = str_at(st, "id"), *status = str_at(st, "status");
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(st, "metrics"), *m;
	size_t i = 0;

	if (!id || !status)
		return errf(err, len, "'%s': steps[%zu] has no 'id' or 'status'", r->path, idx);
	if (!cJSON_GetObjectItemCaseSensitive(r->steps, id))
		cJSON_AddStringToObject(r->steps, id, status);
	if (strcmp(status, "ok") || !metrics)
		return 0;
	if (!cJSON_IsArray(metrics))
		return errf(err, len, "'%s': step '%s': 'metrics' is not a list", r->path, id);
	if (!cJSON_GetArraySize(metrics))
		return 0;
	r->m = xrealloc(r->m, (r->n + (size_t)cJSON_GetArraySize(metrics)) * sizeof(*r->m));
	cJSON_ArrayForEach(m, metrics)
	{
		if (load_metric(m, id, &r->m[r->n])) {
			metric_release(&r->m[r->n]);
			return errf(
				err, len,
				"'%s': step '%s': metrics[%zu] is malformed (needs name, unit, better, samples or value)",
				r->path, id, i);
		}
		r->n++;
		i++;
	}
	return 0;
}

int compare_run_load(const cJSON *doc, const char *path, struct compare_run *r, char *err, size_t len)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(doc, "host"), *st;
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	r->id = xstrdup(str_at(run, "id") ? str_at(run, "id") : "?");
	r->status = xstrdup(str_at(run, "status") ? str_at(run, "status") : "?");
	r->host = xstrdup(str_at(host, "hostname") ? str_at(host, "hostname") : "?");
	r->steps = cJSON_CreateObject();
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(doc, "steps"))
	{
		if (load_step(st, i++, r, err, len)) {
			compare_run_release(r);
			return -1;
		}
	}
	return 0;
}

void compare_run_release(struct compare_run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		metric_release(&r->m[i]);
	free(r->m);
	free(r->path);
	free(r->id);
	free(r->host);
	free(r->status);
	cJSON_Delete(r->steps);
	memset(r, 0, sizeof(*r));
}

/* ---- comparing ---- */

static const struct compare_metric *find_metric(const struct compare_run *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->m[i].key, key))
			return &r->m[i];
	return NULL;
}

static double rel_change(double old, double new)
{
	if (old != 0)
		return (new - old) / fabs(old);
	return new == old ? 0 : copysign(INFINITY, new - old);
}

static int judge(struct compare_row *row, const struct compare_opts *o)
{
	const struct compare_metric *a = row->old, *b = row->new;

	row->change = rel_change(a->median, b->median);
	row->gain = b->lower ? -row->change : row->change;
	row->tested = a->n >= 2 && b->n >= 2;
	if (row->tested && mwu_test(a->samples, a->n, b->samples, b->n, &row->test))
		return -1;
	row->verdict = compare_decide(row->gain, row->tested, row->test.p, o);
	return 0;
}

static struct compare_row *add_row(struct compare_result *res, const struct compare_metric *old,
				   const struct compare_metric *new)
{
	struct compare_row *row;

	res->rows = xrealloc(res->rows, (res->n + 1) * sizeof(*res->rows));
	row = &res->rows[res->n++];
	memset(row, 0, sizeof(*row));
	row->old = old;
	row->new = new;
	row->change = row->gain = NAN;
	row->verdict = !old ? COMPARE_ADDED : COMPARE_REMOVED;
	return row;
}

int compare_runs(const struct compare_run *old, const struct compare_run *new, const struct compare_opts *o,
		 struct compare_result *res)
{
	const struct compare_metric *m;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->opts = *o;
	res->old = old;
	res->new = new;
	for (i = 0; i < new->n; i++)
		if ((m = find_metric(old, new->m[i].key)) && judge(add_row(res, m, &new->m[i]), o))
			goto fail;
	for (i = 0; i < old->n; i++)
		if (!find_metric(new, old->m[i].key))
			add_row(res, &old->m[i], NULL);
	for (i = 0; i < new->n; i++)
		if (!find_metric(old, new->m[i].key))
			add_row(res, NULL, &new->m[i]);
	for (i = 0; i < res->n; i++)
		res->counts[res->rows[i].verdict]++;
	return 0;
fail:
	compare_result_release(res);
	return -1;
}

void compare_result_release(struct compare_result *res)
{
	free(res->rows);
	memset(res, 0, sizeof(*res));
}

int compare_exit_code(const struct compare_result *res)
{
	return res->counts[COMPARE_REGRESSION] > 0;
}

/* ---- output ---- */

/* Why a metric is in one run only: its step's status in the other, when that says anything. */
static char *row_note(const struct compare_result *res, const struct compare_row *row)
{
	const struct compare_metric *m = row->old ? row->old : row->new;
	const struct compare_run *other = row->old ? res->new : res->old;
	const char *which = row->old ? "new" : "old";
	const char *st;

	if (row->old && row->new)
		return NULL;
	st = str_at(other->steps, m->step);
	if (!st)
		return xasprintf("no step '%s' in %s", m->step, which);
	if (strcmp(st, "ok"))
		return xasprintf("step '%s' is %s in %s", m->step, st, which);
	return NULL;
}

static const char *fmt_change(double change, char *buf, size_t len)
{
	if (isnan(change))
		snprintf(buf, len, "-");
	else if (isinf(change))
		snprintf(buf, len, "%cinf", change > 0 ? '+' : '-');
	else
		snprintf(buf, len, "%+.1f%%", change * 100);
	return buf;
}

static const char *fmt_p(const struct compare_row *row, char *buf, size_t len)
{
	if (!row->tested)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2g", row->test.p);
	return buf;
}

/* Columns are padded by characters, not bytes: quantity_format writes "°C". */
static void put_col(FILE *fp, const char *s, int width)
{
	int chars = 0;
	const char *p;

	for (p = s; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	fputs(s, fp);
	for (; chars < width; chars++)
		fputc(' ', fp);
}

static int key_width(const struct compare_result *res)
{
	size_t i, w = strlen("metric");

	for (i = 0; i < res->n; i++)
		if (res->rows[i].old && res->rows[i].new &&strlen(res->rows[i].old->key) > w)
			w = strlen(res->rows[i].old->key);
	return (int)w;
}

static void write_row(FILE *fp, const struct compare_row *row, int kw)
{
	char a[64], b[64], c[32], p[32];

	put_col(fp, row->old->key, kw + 2);
	put_col(fp, quantity_format(row->old->median, row->old->unit, a, sizeof(a)), 13);
	put_col(fp, quantity_format(row->new->median, row->new->unit, b, sizeof(b)), 13);
	put_col(fp, fmt_change(row->change, c, sizeof(c)), 10);
	put_col(fp, fmt_p(row, p, sizeof(p)), 9);
	fprintf(fp, "%s\n", compare_verdict_name(row->verdict));
}

static void write_run_line(FILE *fp, const char *which, const struct compare_run *r)
{
	fprintf(fp, "%s: %s on %s (%s)", which, r->id, r->host, r->path);
	if (strcmp(r->status, "complete"))
		fprintf(fp, " [run status '%s']", r->status);
	fputc('\n', fp);
}

static void write_one_sided(FILE *fp, const struct compare_result *res, enum compare_verdict v)
{
	size_t i;

	for (i = 0; i < res->n; i++) {
		const struct compare_row *row = &res->rows[i];
		char *note;

		if (row->verdict != v)
			continue;
		note = row_note(res, row);
		fprintf(fp, "%-9s%s%s%s%s\n",
			v == COMPARE_ADDED ? "added:" : "removed:", (row->old ? row->old : row->new)->key,
			note ? " (" : "", note ? note : "", note ? ")" : "");
		free(note);
	}
}

static void write_summary(FILE *fp, const struct compare_result *res)
{
	const size_t *c = res->counts;
	size_t matched = res->n - c[COMPARE_ADDED] - c[COMPARE_REMOVED];
	int code = compare_exit_code(res);

	fprintf(fp, "\n%zu metrics compared: %zu regression, %zu improvement, %zu noise, %zu unchanged", matched,
		c[COMPARE_REGRESSION], c[COMPARE_IMPROVEMENT], c[COMPARE_NOISE], c[COMPARE_UNCHANGED]);
	if (c[COMPARE_REGRESSION_UNTESTED] || c[COMPARE_IMPROVEMENT_UNTESTED])
		fprintf(fp, ", %zu regression?, %zu improvement?", c[COMPARE_REGRESSION_UNTESTED],
			c[COMPARE_IMPROVEMENT_UNTESTED]);
	fprintf(fp, "; %zu removed, %zu added: %s (exit %d)\n", c[COMPARE_REMOVED], c[COMPARE_ADDED],
		code ? "REGRESSION" : "no regression", code);
}

void compare_write_text(const struct compare_result *res, FILE *fp)
{
	int kw = key_width(res), untested = 0;
	size_t i;

	write_run_line(fp, "old", res->old);
	write_run_line(fp, "new", res->new);
	fprintf(fp, "test: two-sided Mann-Whitney U at alpha %g; threshold %g%%\n\n", res->opts.alpha,
		res->opts.threshold * 100);
	put_col(fp, "metric", kw + 2);
	fprintf(fp, "%-13s%-13s%-10s%-9s%s\n", "old", "new", "change", "p", "verdict");
	for (i = 0; i < res->n; i++) {
		if (!res->rows[i].old || !res->rows[i].new)
			continue;
		write_row(fp, &res->rows[i], kw);
		untested |= !res->rows[i].tested && res->rows[i].verdict != COMPARE_UNCHANGED;
	}
	if (untested)
		fprintf(fp,
			"\np '-': fewer than 2 samples on a side, so no significance test; judged on the threshold "
			"alone ('?'), a regression only beyond %g%%\n",
			COMPARE_UNTESTED_FACTOR * res->opts.threshold * 100);
	if (res->counts[COMPARE_REMOVED] || res->counts[COMPARE_ADDED])
		fputc('\n', fp);
	write_one_sided(fp, res, COMPARE_REMOVED);
	write_one_sided(fp, res, COMPARE_ADDED);
	write_summary(fp, res);
}

static cJSON *json_num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *json_side(const struct compare_metric *m)
{
	cJSON *o, *s;
	size_t i;

	if (!m)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "median", m->median);
	cJSON_AddNumberToObject(o, "n", (double)m->n);
	s = cJSON_AddArrayToObject(o, "samples");
	for (i = 0; i < m->n; i++)
		cJSON_AddItemToArray(s, cJSON_CreateNumber(m->samples[i]));
	return o;
}

static cJSON *json_row(const struct compare_result *res, const struct compare_row *row)
{
	const struct compare_metric *m = row->new ? row->new : row->old;
	cJSON *o = cJSON_CreateObject();
	char *note = row_note(res, row);

	cJSON_AddStringToObject(o, "key", m->key);
	cJSON_AddStringToObject(o, "step", m->step);
	cJSON_AddStringToObject(o, "metric", m->name);
	cJSON_AddItemToObject(o, "labels", m->labels ? cJSON_Duplicate(m->labels, 1) : cJSON_CreateObject());
	cJSON_AddStringToObject(o, "unit", m->unit);
	cJSON_AddStringToObject(o, "better", m->lower ? "lower" : "higher");
	cJSON_AddItemToObject(o, "old", json_side(row->old));
	cJSON_AddItemToObject(o, "new", json_side(row->new));
	cJSON_AddItemToObject(o, "change", json_num_or_null(row->change));
	cJSON_AddItemToObject(o, "gain", json_num_or_null(row->gain));
	cJSON_AddItemToObject(o, "u", row->tested ? cJSON_CreateNumber(row->test.u) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "p", row->tested ? cJSON_CreateNumber(row->test.p) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "test", !row->tested ? "none" : row->test.exact ? "exact" : "normal");
	cJSON_AddStringToObject(o, "verdict", compare_verdict_name(row->verdict));
	cJSON_AddItemToObject(o, "note", note ? cJSON_CreateString(note) : cJSON_CreateNull());
	free(note);
	return o;
}

static cJSON *json_run(const struct compare_run *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "path", r->path);
	cJSON_AddStringToObject(o, "run", r->id);
	cJSON_AddStringToObject(o, "host", r->host);
	cJSON_AddStringToObject(o, "status", r->status);
	return o;
}

cJSON *compare_to_json(const struct compare_result *res)
{
	cJSON *doc = cJSON_CreateObject(), *rows, *counts;
	size_t i;

	cJSON_AddItemToObject(doc, "old", json_run(res->old));
	cJSON_AddItemToObject(doc, "new", json_run(res->new));
	cJSON_AddNumberToObject(doc, "threshold", res->opts.threshold);
	cJSON_AddNumberToObject(doc, "alpha", res->opts.alpha);
	cJSON_AddStringToObject(doc, "test", "mann-whitney-u two-sided");
	rows = cJSON_AddArrayToObject(doc, "metrics");
	for (i = 0; i < res->n; i++)
		cJSON_AddItemToArray(rows, json_row(res, &res->rows[i]));
	counts = cJSON_AddObjectToObject(doc, "counts");
	for (i = 0; i <= COMPARE_REMOVED; i++)
		cJSON_AddNumberToObject(counts, verdict_names[i], (double)res->counts[i]);
	cJSON_AddBoolToObject(doc, "regression", compare_exit_code(res));
	cJSON_AddNumberToObject(doc, "exit_code", compare_exit_code(res));
	return doc;
}

/* ---- the command ---- */

int compare_parse_fraction(const char *what, const char *text, double *out, char *err, size_t len)
{
	const char *base = NULL;
	double v;

	if (quantity_parse(text, &v, &base, NULL, 0) || (base && strcmp(base, "ratio")) || !isfinite(v) || v < 0)
		return errf(err, len, "invalid %s '%s': expected a fraction like '5%%' or '0.05'", what, text);
	*out = v;
	return 0;
}

static void usage(FILE *fp)
{
	fputs("usage: shakedown compare OLD.json NEW.json [--threshold 5%] [--alpha 0.05] [--format text|json]\n\n"
	      "Compare two runs' results.json, metric by metric (matched by step, name and labels):\n"
	      "medians, change, a two-sided Mann-Whitney U test on the samples, and a verdict:\n"
	      "regression, improvement, noise (not significant), unchanged (within the threshold),\n"
	      "regression?/improvement? (fewer than 2 samples on a side: threshold only), added, removed.\n\n"
	      "Options:\n"
	      "  -t, --threshold F   smallest change that counts, '5%' or '0.05' (default 5%)\n"
	      "  -a, --alpha P       significance level of the test (default 0.05)\n"
	      "  -f, --format FMT    text (default) or json, on stdout\n"
	      "  -h, --help          this text\n\n"
	      "Exit codes: 0 no regression, 1 a regression (significant and beyond the threshold,\n"
	      "or beyond 3x the threshold when it could not be tested), 2 usage or input error.\n",
	      fp);
}

struct cmd {
	struct compare_opts o;
	int json;
	const char *old, *new;
};

static int parse_args(int argc, char **argv, struct cmd *c)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int ch;

	optind = 0; /* GNU: restart getopt, whatever parsed before */
	while ((ch = getopt_long(argc, argv, "t:a:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (compare_parse_fraction("--threshold", optarg, &c->o.threshold, err, sizeof(err)))
				goto bad;
			break;
		case 'a':
			if (compare_parse_fraction("--alpha", optarg, &c->o.alpha, err, sizeof(err)) ||
			    c->o.alpha <= 0 || c->o.alpha >= 1) {
				errf(err, sizeof(err),
				     "invalid --alpha '%s': expected a level between 0 and 1, like 0.05", optarg);
				goto bad;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				errf(err, sizeof(err), "invalid --format '%s': expected 'text' or 'json'", optarg);
				goto bad;
			}
			c->json = !strcmp(optarg, "json");
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 2) {
		errf(err, sizeof(err), "%s", argc - optind < 2 ? "need OLD.json and NEW.json" : "too many arguments");
		goto bad;
	}
	c->old = argv[optind];
	c->new = argv[optind + 1];
	return 0;
bad:
	fprintf(stderr, "shakedown compare: %s\n", err);
	return -1;
}

static int load_run(const char *path, struct compare_run *r)
{
	char err[512];
	cJSON *doc = results_read(path, err, sizeof(err));
	int rc = -1;

	if (doc)
		rc = compare_run_load(doc, path, r, err, sizeof(err));
	if (rc)
		fprintf(stderr, "shakedown compare: %s\n", err);
	json_delete(doc);
	return rc;
}

static void write_json(const struct compare_result *res)
{
	cJSON *doc = compare_to_json(res);
	char *text = cJSON_Print(doc);

	printf("%s\n", text);
	free(text);
	cJSON_Delete(doc);
}

int compare_main(int argc, char **argv)
{
	struct cmd c = { .o = { .threshold = 0.05, .alpha = 0.05 } };
	struct compare_run old = { 0 }, new = { 0 };
	struct compare_result res;
	int rc = parse_args(argc, argv, &c), code = SD_EXIT_USAGE;

	if (rc)
		return rc > 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
	if (load_run(c.old, &old) || load_run(c.new, &new))
		goto out;
	if (compare_runs(&old, &new, &c.o, &res)) {
		fprintf(stderr, "shakedown compare: out of memory\n");
		goto out;
	}
	if (c.json)
		write_json(&res);
	else
		compare_write_text(&res, stdout);
	code = compare_exit_code(&res) ? SD_EXIT_CHECK : SD_EXIT_OK;
	compare_result_release(&res);
out:
	compare_run_release(&old);
	compare_run_release(&new);
	fflush(stdout);
	return code;
}
