/*
 * prom.c - metrics.prom: Prometheus text exposition (version 0.0.4) for
 * node_exporter's textfile collector. Names, units and labels are documented
 * in reports/README.md ("metrics.prom"); the unit table is units[] below.
 *
 * Every metric family is written once, contiguously, with one # HELP and one
 * # TYPE gauge line: the samples of all nodes are bucketed by family first
 * (a hash map and a counting sort, linear in the number of metrics). Samples
 * carry no timestamp (the textfile collector refuses them).
 */
#include "map.h"
#include "out.h"
#include "writers.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE ((size_t)-1)
#define MAX_LABELS 64 /* per metric; more are dropped (duplicate checks are quadratic in them) */

/* Protocol unit -> base-unit suffix of the metric name (PROTOCOL.md "Units"). */
static const struct {
	const char *unit, *suffix;
} units[] = {
	{ "B/s", "_bytes_per_second" },
	{ "FLOP/s", "_flops_per_second" },
	{ "OP/s", "_integer_ops_per_second" },
	{ "IOPS", "_io_ops_per_second" },
	{ "ops/s", "_ops_per_second" },
	{ "s", "_seconds" },
	{ "B", "_bytes" },
	{ "celsius", "_celsius" },
	{ "W", "_watts" },
	{ "J", "_joules" },
	{ "Hz", "_hertz" },
	{ "ratio", "_ratio" },
	{ "count", "" },
};

#define NUNITS (sizeof(units) / sizeof(units[0]))

/* Names the writer uses itself: a probe's family that sanitises to one of them gets a suffix. */
static const char *const reserved[] = {
	"shakedown_run_info",
	"shakedown_run_timestamp_seconds",
	"shakedown_run_duration_seconds",
	"shakedown_checks",
	"shakedown_node_ready",
	"shakedown_step_duration_seconds",
	"shakedown_check_status",
	"shakedown_node_outliers",
};

struct family {
	char *name;
	const char *probe, *metric, *unit;
};

struct prom {
	const struct rmodel *m;
	struct sink *s;
	struct strbuf *o; /* &s->sb */
	struct family *fam;
	size_t nfam, alloc;
	struct map keys, names;
	char **step_prefix; /* per step: {host="…",step="…",probe="…" (escaped, open) */
	char **host;	    /* per node: escaped host */
	char **labels;	    /* interned label texts of the metrics: ,gpu="0" */
	size_t nlabels, labels_alloc;
	struct map label_map;
};

static size_t unit_index(const char *unit)
{
	size_t i;

	for (i = 0; unit && i < NUNITS; i++)
		if (!strcmp(unit, units[i].unit))
			return i;
	return NUNITS;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return n <= len && !memcmp(s + len - n, suffix, n);
}

/* shakedown_<probe>_<metric><suffix>, sanitised, unique among families and reserved names. */
static char *family_name(struct prom *P, const char *probe, const char *metric, size_t unit)
{
	struct strbuf sb = STRBUF_INIT;
	size_t base, n;
	const char *suffix = unit < NUNITS ? units[unit].suffix : "";

	out_str(&sb, "shakedown_");
	out_prom_name(&sb, probe ? probe : "probe", 0);
	out_str(&sb, "_");
	out_prom_name(&sb, metric, 0);
	if (!ends_with(sb.buf, sb.len, suffix))
		out_str(&sb, suffix);
	base = sb.len;
	for (n = 2; map_get(&P->names, sb.buf, NULL, 0) != NONE; n++) {
		sb.len = base;
		out_addf(&sb, "_%zu", n);
	}
	return strbuf_detach(&sb);
}

static size_t family_of(struct prom *P, const struct rmetric *r)
{
	const char *probe = P->m->steps[r->step].probe;
	size_t unit = unit_index(r->unit), f;
	struct family *F;

	f = map_intern(&P->keys, probe, r->name, unit, P->nfam);
	if (f != P->nfam)
		return f;
	if (P->nfam >= P->alloc) {
		P->alloc = P->alloc ? 2 * P->alloc : 64;
		P->fam = xrealloc(P->fam, P->alloc * sizeof(*P->fam));
	}
	F = &P->fam[P->nfam];
	memset(F, 0, sizeof(*F));
	F->probe = probe;
	F->metric = r->name;
	F->unit = r->unit;
	F->name = family_name(P, probe, r->name, unit);
	map_intern(&P->names, F->name, NULL, 0, P->nfam);
	return P->nfam++;
}

static void header(struct strbuf *o, const char *name, const char *help)
{
	out_str(o, "# HELP ");
	out_str(o, name);
	out_str(o, " ");
	out_esc_prom_help(o, help);
	out_str(o, "\n# TYPE ");
	out_str(o, name);
	out_str(o, " gauge\n");
}

static void label(struct strbuf *o, const char *name, const char *value, int first)
{
	out_str(o, first ? "{" : ",");
	out_str(o, name);
	out_str(o, "=\"");
	out_esc_prom_label(o, value ? value : "");
	out_str(o, "\"");
}

/* ---- per-run families ---- */

static double epoch_of(const char *iso)
{
	struct tm tm;
	double sec;
	int y, mo, d, h, mi;

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6)
		return NAN;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (double)timegm(&tm) + sec;
}

static void run_families(const struct rmodel *m, struct strbuf *o)
{
	static const enum rv col[] = { RV_PASS, RV_WARN, RV_FAIL, RV_SKIPPED, RV_ERROR };
	double t = epoch_of(m->started);
	size_t i;

	header(o, "shakedown_run_info", "The run: plan, baseline, shakedown version and verdict status; always 1.");
	out_str(o, "shakedown_run_info");
	label(o, "plan", m->plan, 1);
	label(o, "baseline", m->bl_name ? m->bl_name : "none", 0);
	label(o, "version", m->version, 0);
	label(o, "status", m->status_label, 0);
	label(o, "run_id", m->run_id, 0);
	out_str(o, "} 1\n");
	if (!isnan(t)) {
		header(o, "shakedown_run_timestamp_seconds", "When the run started, in seconds since the Unix epoch.");
		out_str(o, "shakedown_run_timestamp_seconds ");
		out_num(o, t);
		out_str(o, "\n");
	}
	if (!isnan(m->duration)) {
		header(o, "shakedown_run_duration_seconds", "How long the run took.");
		out_str(o, "shakedown_run_duration_seconds ");
		out_num(o, m->duration);
		out_str(o, "\n");
	}
	if (!m->verdict)
		return;
	header(o, "shakedown_checks", "Checks of the run by verdict.");
	for (i = 0; i < RV_N; i++) {
		out_str(o, "shakedown_checks");
		label(o, "verdict", model_verdict_name(col[i]), 1);
		out_str(o, "} ");
		out_uint(o, m->counts.v[col[i]]);
		out_str(o, "\n");
	}
}

static void node_family(struct prom *P)
{
	const struct rmodel *m = P->m;
	size_t i;

	if (!m->verdict)
		return;
	header(P->o, "shakedown_node_ready",
	       "1 when the node's verdict is READY or READY WITH WARNINGS, else 0; status says which.");
	for (i = 0; i < m->nnodes; i++) {
		const char *st = m->nodes[i].status;
		int ready = m->nodes[i].counts.v[RV_FAIL] == 0 && m->nodes[i].counts.v[RV_ERROR] == 0;

		if (st)
			ready = !strcmp(st, "READY") || !strcmp(st, "READY WITH WARNINGS");
		out_str(P->o, "shakedown_node_ready{host=\"");
		out_str(P->o, P->host[i]);
		out_str(P->o, "\"");
		label(P->o, "status", st ? st : (ready ? "READY" : "NOT READY"), 0);
		out_str(P->o, ready ? "} 1\n" : "} 0\n");
		sink_tick(P->s);
	}
}

/* Multi-node runs: in how many series each node is an outlier (verdict.outliers, as listed). */
static void outlier_family(struct prom *P)
{
	const struct rmodel *m = P->m;
	size_t i, *n;
	const cJSON *o;

	if (!m->series)
		return;
	n = xcalloc(m->nnodes + 1, sizeof(*n));
	cJSON_ArrayForEach(o, m->outliers)
	{
		const char *host = model_str(o, "host");

		for (i = 0; host && i < m->nnodes; i++)
			if (m->nodes[i].host && !strcmp(m->nodes[i].host, host)) {
				n[i]++;
				break;
			}
	}
	header(P->o, "shakedown_node_outliers",
	       "Series (step, metric, labels) in which the node is far worse than its peers (modified z-score "
	       "beyond 3.5); 0 for every node judged.");
	for (i = 0; i < m->nnodes; i++) {
		if (m->nodes[i].collective)
			continue;
		out_str(P->o, "shakedown_node_outliers{host=\"");
		out_str(P->o, P->host[i]);
		out_str(P->o, "\"} ");
		out_uint(P->o, n[i]);
		out_str(P->o, "\n");
		sink_tick(P->s);
	}
	free(n);
}

static void step_family(struct prom *P)
{
	const struct rmodel *m = P->m;
	size_t i;

	header(P->o, "shakedown_step_duration_seconds", "Wall time of each step; status is the step's outcome.");
	for (i = 0; i < m->nsteps; i++) {
		out_str(P->o, "shakedown_step_duration_seconds");
		out_str(P->o, P->step_prefix[i]);
		label(P->o, "status", m->steps[i].status ? m->steps[i].status : "pending", 0);
		out_str(P->o, "} ");
		out_num(P->o, isnan(m->steps[i].duration) ? 0 : m->steps[i].duration);
		out_str(P->o, "\n");
		sink_tick(P->s);
	}
}

/* ---- checks ---- */

static void check_labels(struct prom *P, const struct rcheck *c)
{
	out_str(P->o, "{host=\"");
	out_str(P->o, P->host[c->node]);
	out_str(P->o, "\"");
	label(P->o, "area", MODEL_AREA(P->m, c), 0);
	label(P->o, "check", c->id, 0);
}

static void check_families(struct prom *P)
{
	const struct rmodel *m = P->m;
	size_t i;

	if (!m->verdict)
		return;
	header(P->o, "shakedown_check_status",
	       "1 when the check passed, 0 when it did not (verdict says: warn, fail, skipped or error).");
	for (i = 0; i < m->nchecks; i++) {
		const struct rcheck *c = &m->checks[i];

		out_str(P->o, "shakedown_check_status");
		check_labels(P, c);
		out_str(P->o, c->warning ? ",severity=\"warning\"" : ",severity=\"critical\"");
		label(P->o, "verdict", model_verdict_name(c->verdict), 0);
		out_str(P->o, c->verdict == RV_PASS ? "} 1\n" : "} 0\n");
		sink_tick(P->s);
	}
}

/* ---- probe metrics ---- */

/* A label name we can write as it is: valid, and not one of ours (host, step, probe) or reserved (__*). */
static int plain_label(const char *s)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9') || (s[0] == '_' && s[1] == '_') || !strcmp(s, "host") ||
	    !strcmp(s, "step") || !strcmp(s, "probe"))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/*
 * A metric's own labels. Names that are valid are written as they are (the
 * common case costs no allocation); others are sanitised, and those that
 * collide with ours get "label_" in front. Two names that end up alike: the
 * first wins (a duplicate label name would make the line invalid).
 */
static void metric_labels(struct strbuf *o, const cJSON *labels)
{
	const char *names[MAX_LABELS];
	struct strbuf fixed[MAX_LABELS];
	const cJSON *l;
	size_t n = 0, nfixed = 0, k;

	cJSON_ArrayForEach(l, labels)
	{
		const char *name = l->string;

		if (n == MAX_LABELS)
			break;
		if (!plain_label(name)) {
			struct strbuf *f = &fixed[nfixed++];

			*f = (struct strbuf)STRBUF_INIT;
			out_prom_name(f, name, 1);
			if (!strcmp(f->buf, "host") || !strcmp(f->buf, "step") || !strcmp(f->buf, "probe") ||
			    !strncmp(f->buf, "__", 2)) {
				strbuf_release(f);
				out_str(f, "label_");
				out_prom_name(f, name, 1);
			}
			name = f->buf;
		}
		for (k = 0; k < n && strcmp(names[k], name); k++)
			;
		if (k < n)
			continue;
		names[n++] = name;
		label(o, name, cJSON_IsString(l) ? l->valuestring : "", 0);
	}
	for (k = 0; k < nfixed; k++)
		strbuf_release(&fixed[k]);
}

static void family_help(struct strbuf *help, const struct family *f)
{
	out_str(help, "shakedown probe '");
	out_str(help, f->probe ? f->probe : "?");
	out_str(help, "' metric '");
	out_str(help, f->metric);
	out_str(help, "' in ");
	out_str(help, f->unit ? f->unit : "no unit");
	out_str(help, " (probes/METRICS.md)");
}

/* A sample waiting for its family's turn: what its line needs, so writing touches no JSON. */
struct sample {
	double value;
	uint32_t step, labels;
};

/*
 * The label text of a metric (",gpu=\"0\""), interned: a fleet has millions
 * of metrics but few distinct label sets. Returns its index in P->labels.
 */
static uint32_t labels_of(struct prom *P, const cJSON *labels, struct strbuf *scratch)
{
	const char *text;
	size_t i;

	scratch->len = 0;
	if (scratch->buf)
		scratch->buf[0] = '\0';
	metric_labels(scratch, labels);
	text = scratch->buf ? scratch->buf : "";
	i = map_get(&P->label_map, text, NULL, 0);
	if (i != NONE)
		return (uint32_t)i;
	if (P->nlabels == P->labels_alloc) {
		P->labels_alloc = P->labels_alloc ? 2 * P->labels_alloc : 64;
		P->labels = xrealloc(P->labels, P->labels_alloc * sizeof(*P->labels));
	}
	P->labels[P->nlabels] = xstrdup(text); /* the map keeps this pointer */
	map_intern(&P->label_map, P->labels[P->nlabels], NULL, 0, P->nlabels);
	return (uint32_t)P->nlabels++;
}

/* Pass 1, in document order: each metric's family and interned label text. */
static void classify(struct prom *P, uint32_t *fam, uint32_t *lab)
{
	const struct rmodel *m = P->m;
	struct strbuf scratch = STRBUF_INIT;
	size_t i, f, prev = NONE;

	for (i = 0; i < m->nmetrics; i++) {
		const struct rmetric *r = &m->metrics[i], *q = i ? &m->metrics[i - 1] : NULL;

		/* neighbours often share a family (one metric per GPU): skip the hash for them */
		if (q && prev != NONE && m->steps[q->step].probe == m->steps[r->step].probe &&
		    !strcmp(q->name, r->name) &&
		    (q->unit == r->unit || (q->unit && r->unit && !strcmp(q->unit, r->unit))))
			f = prev;
		else
			f = family_of(P, r);
		fam[i] = (uint32_t)(prev = f);
		lab[i] = labels_of(P, r->labels, &scratch);
	}
	strbuf_release(&scratch);
}

/* Pass 2: a counting sort of the samples by family; first[f] .. first[f + 1] are family f's. */
static struct sample *by_family(const struct prom *P, const uint32_t *fam, const uint32_t *lab, size_t *first)
{
	const struct rmodel *m = P->m;
	size_t *fill = xcalloc(P->nfam + 1, sizeof(size_t)), i, f;
	struct sample *order = xmalloc((m->nmetrics + 1) * sizeof(*order));

	for (i = 0; i < m->nmetrics; i++)
		first[fam[i] + 1]++;
	for (f = 0; f < P->nfam; f++)
		first[f + 1] += first[f];
	for (i = 0; i < m->nmetrics; i++)
		order[first[fam[i]] + fill[fam[i]]++] =
			(struct sample){ m->metrics[i].value, (uint32_t)m->metrics[i].step, lab[i] };
	free(fill);
	return order;
}

/*
 * The probes' metrics, one family at a time. Walking the results family by
 * family would visit the tree in random order, and at a fleet's size every
 * visit is a cache miss; so the tree is read once in document order
 * (classify), the samples sorted by family, and the lines written from
 * the sorted samples alone.
 */
static void metric_families(struct prom *P)
{
	const struct rmodel *m = P->m;
	uint32_t *fam = xcalloc(m->nmetrics + 1, sizeof(uint32_t)), *lab = xcalloc(m->nmetrics + 1, sizeof(uint32_t));
	size_t *first, i, f;
	struct strbuf help = STRBUF_INIT;
	struct sample *order;

	classify(P, fam, lab);
	first = xcalloc(P->nfam + 1, sizeof(size_t));
	order = by_family(P, fam, lab, first);
	for (f = 0; f < P->nfam; f++) {
		family_help(&help, &P->fam[f]);
		header(P->o, P->fam[f].name, help.buf);
		strbuf_release(&help);
		for (i = first[f]; i < first[f + 1]; i++) {
			out_str(P->o, P->fam[f].name);
			out_str(P->o, P->step_prefix[order[i].step]);
			out_str(P->o, P->labels[order[i].labels]);
			out_str(P->o, "} ");
			out_num(P->o, order[i].value);
			out_str(P->o, "\n");
			sink_tick(P->s);
		}
	}
	free(order);
	free(first);
	free(fam);
	free(lab);
}

/* Escaped label text computed once per node and per step, not once per sample. */
static void prefixes(struct prom *P)
{
	const struct rmodel *m = P->m;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	P->host = xcalloc(m->nnodes + 1, sizeof(char *));
	for (i = 0; i < m->nnodes; i++) {
		out_esc_prom_label(&sb, m->nodes[i].host ? m->nodes[i].host : "");
		P->host[i] = strbuf_detach(&sb);
	}
	P->step_prefix = xcalloc(m->nsteps + 1, sizeof(char *));
	for (i = 0; i < m->nsteps; i++) {
		out_str(&sb, "{host=\"");
		out_str(&sb, P->host[m->steps[i].node]);
		out_str(&sb, "\"");
		label(&sb, "step", m->steps[i].id, 0);
		label(&sb, "probe", m->steps[i].probe, 0);
		P->step_prefix[i] = strbuf_detach(&sb);
	}
}

void report_prom(const struct rmodel *m, struct sink *s)
{
	struct strbuf *o = &s->sb;
	struct prom P = { .m = m, .s = s, .o = o };
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		map_intern(&P.names, reserved[i], NULL, 0, 0);
	prefixes(&P);
	run_families(m, o);
	node_family(&P);
	outlier_family(&P);
	step_family(&P);
	check_families(&P);
	metric_families(&P);
	for (i = 0; i < m->nnodes; i++)
		free(P.host[i]);
	for (i = 0; i < m->nsteps; i++)
		free(P.step_prefix[i]);
	for (i = 0; i < P.nfam; i++)
		free(P.fam[i].name);
	for (i = 0; i < P.nlabels; i++)
		free(P.labels[i]);
	free(P.labels);
	map_release(&P.label_map);
	free(P.host);
	free(P.step_prefix);
	free(P.fam);
	map_release(&P.keys);
	map_release(&P.names);
}
