/*
 * html.c - report.html: the content of report.md as one self-contained page.
 *
 * Self-contained means: inline CSS, inline SVG (svg.c), no script at all, no
 * external stylesheet, font, image or URL, and a Content-Security-Policy that
 * forbids loading anything should a string ever slip through. Every string
 * from the results is escaped with out_esc_html, in text and attributes.
 */
#include "out.h"
#include "quantity.h"
#include "svg.h"
#include "writers.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHART_BARS 60
#define MAX_SERIES_CHARTS 16
#define MAX_LINES 16
#define MAX_SERIES_SCAN 256 /* series of one step looked at for charts */

static const char css[] =
	":root{--pass:" SVG_PASS ";--warn:" SVG_WARN ";--fail:" SVG_FAIL ";--skip:" SVG_SKIP ";--error:" SVG_ERROR
	";--ink:#1d2330;--muted:#5b6474;--line:#dde2ea;--bg:#f3f5f8}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',Arial,sans-serif;"
	"color:var(--ink);background:var(--bg)}\n"
	"main{max-width:1160px;margin:0 auto;padding:24px 28px 48px}\n"
	".top{display:flex;justify-content:space-between;align-items:baseline;color:var(--muted);font-size:13px;"
	"margin-bottom:10px}\n"
	".top h1{font-size:20px;color:var(--ink);margin:0}\n"
	".banner{padding:18px 22px;border-radius:10px;color:#fff}\n"
	".banner .status{font-size:30px;font-weight:800;letter-spacing:.03em}\n"
	".banner .line{font-size:16px;margin-top:2px}\n"
	".s-ready{background:var(--pass)}.s-warn{background:var(--warn)}.s-fail{background:var(--fail)}"
	".s-incomplete{background:var(--error)}.s-none{background:#455a64}\n"
	".cards{display:flex;gap:10px;margin:14px 0 4px}\n"
	".card{flex:1;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px}\n"
	".card .n{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}\n"
	".card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}\n"
	".card.pass .n{color:var(--pass)}.card.warn .n{color:var(--warn)}.card.fail .n{color:var(--fail)}"
	".card.skipped .n{color:var(--skip)}.card.error .n{color:var(--error)}\n"
	"section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 20px 18px;"
	"margin:16px 0}\n"
	"h2{font-size:18px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}\n"
	"h3{font-size:15px;margin:18px 0 8px}\n"
	"table{border-collapse:collapse;width:100%;font-size:13px}\n"
	"table.results{table-layout:fixed}\n"
	"th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"thead th{background:#eef1f6;font-weight:600;white-space:nowrap}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"table.kv th{width:150px;color:var(--muted);font-weight:600;background:none}\n"
	"code{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;background:#eef1f6;"
	"padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}\n"
	".badge{display:inline-block;min-width:52px;text-align:center;padding:1px 8px;border-radius:10px;"
	"font-size:11px;font-weight:700;color:#fff;text-transform:uppercase}\n"
	".b-pass{background:var(--pass)}.b-warn{background:var(--warn)}.b-fail{background:var(--fail)}"
	".b-skipped{background:var(--skip)}.b-error{background:var(--error)}\n"
	".problem{border-left:5px solid var(--fail);background:#fdf4f4;border-radius:6px;padding:8px 14px;"
	"margin:10px 0}\n"
	".problem.warn{border-color:var(--warn);background:#fff8ec}.problem.error{border-color:var(--error);"
	"background:#f7f1fa}\n"
	".problem h3{margin:2px 0 6px}\n"
	".problem table th{width:120px;color:var(--muted);font-weight:600;border:0;padding:2px 8px 2px 0}\n"
	".problem table td{border:0;padding:2px 0}\n"
	"ul.checklist{list-style:none;padding:0;margin:0}\n"
	"ul.checklist li{padding:6px 0;border-bottom:1px solid var(--line)}\n"
	".box{display:inline-block;width:18px;height:18px;line-height:16px;text-align:center;border:1.5px solid "
	"var(--muted);border-radius:3px;margin-right:8px;font-weight:700;color:#fff;vertical-align:-3px}\n"
	".box.done{background:var(--pass);border-color:var(--pass)}\n"
	".muted{color:var(--muted)}\n"
	".formula{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;background:#f6f8fb;border:1px solid "
	"var(--line);border-radius:6px;padding:8px 12px;margin:8px 0}\n"
	"details>summary{cursor:pointer;font-weight:600;margin:8px 0}\n"
	"svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 10px}\n"
	"footer{color:var(--muted);font-size:12px;text-align:center;margin-top:20px}\n"
	"table.heat td.z{text-align:center;font-variant-numeric:tabular-nums}\n"
	"table.heat thead th{white-space:normal;font-size:11px}table.heat td:first-child{white-space:nowrap}\n"
	".z0{background:#fff}.z1{background:#fff3c4}.z2{background:#ffc27a}.z3{background:#e53935;color:#fff}"
	".zb{background:#dcebfa}.zn{background:#eceff1;color:var(--muted)}\n"
	"svg.strip{display:block;width:100%;margin:6px 0 10px;border:1px solid var(--line)}\n"
	"@media print{body{background:#fff}section{break-inside:avoid;border:0}}\n";

static const char *status_class(const struct rmodel *m)
{
	if (!m->verdict || !m->status)
		return "s-none";
	if (!strcmp(m->status, "READY"))
		return "s-ready";
	if (!strcmp(m->status, "READY WITH WARNINGS"))
		return "s-warn";
	if (!strcmp(m->status, "NOT READY"))
		return "s-fail";
	return "s-incomplete";
}

static const char *verdict_colour(enum rv v)
{
	static const char *const c[RV_N] = { SVG_PASS, SVG_WARN, SVG_FAIL, SVG_SKIP, SVG_ERROR };

	return v < RV_N ? c[v] : SVG_ERROR;
}

static void badge(struct strbuf *o, enum rv v)
{
	out_addf(o, "<span class=\"badge b-%s\">%s</span>", model_verdict_name(v), model_verdict_name(v));
}

static void code(struct strbuf *o, const char *s)
{
	out_str(o, "<code>");
	out_esc_html(o, s ? s : "?");
	out_str(o, "</code>");
}

static void value_cell(struct strbuf *o, double v, const char *unit, const char *text)
{
	char buf[64];

	out_str(o, "<td class=\"num\">");
	if (text)
		out_esc_html(o, text);
	else if (!isnan(v))
		out_esc_html(o, quantity_format(v, unit, buf, sizeof(buf)));
	else
		out_str(o, "—");
	out_str(o, "</td>");
}

static void margin_cell(struct strbuf *o, double margin)
{
	char buf[32];

	out_addf(o, "<td class=\"num\">%s</td>", isnan(margin) ? "—" : out_fmt_margin(margin, buf, sizeof(buf)));
}

static void counts_text(struct strbuf *o, const struct rcounts *c)
{
	static const enum rv order[] = { RV_PASS, RV_WARN, RV_FAIL, RV_SKIPPED, RV_ERROR };
	size_t i;
	int first = 1;

	for (i = 0; i < RV_N; i++) {
		if (!c->v[order[i]])
			continue;
		out_str(o, first ? "" : ", ");
		out_count(o, c->v[order[i]]);
		out_addf(o, " %s", model_verdict_name(order[i]));
		first = 0;
	}
}

static void kv_table(struct strbuf *o, const struct rrow *rows, size_t n)
{
	size_t i;

	out_str(o, "<table class=\"kv\">");
	for (i = 0; i < n; i++) {
		out_addf(o, "<tr><th>%s</th><td>", rows[i].key);
		out_esc_html(o, rows[i].text);
		out_str(o, "</td></tr>");
	}
	out_str(o, "</table>\n");
}

/* ---- head, banner, scope ---- */

static void html_head(const struct rmodel *m, struct strbuf *o)
{
	out_str(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
		   "'unsafe-inline'\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	out_esc_html(o, m->status_label);
	out_str(o, ": ");
	out_esc_html(o, m->plan ? m->plan : "shakedown report");
	out_str(o, "</title>\n<style>\n");
	out_str(o, css);
	out_str(o, "</style>\n</head>\n<body>\n<main>\n");
}

static void html_banner(const struct rmodel *m, struct strbuf *o)
{
	static const enum rv col[] = { RV_PASS, RV_WARN, RV_FAIL, RV_SKIPPED, RV_ERROR };
	size_t i;

	out_str(o, "<div class=\"top\"><h1>Readiness report: ");
	out_esc_html(o, m->plan ? m->plan : "unnamed plan");
	out_str(o, "</h1><span>");
	out_esc_html(o, m->started ? m->started : "");
	out_str(o, "</span></div>\n");
	out_addf(o, "<header class=\"banner %s\"><div class=\"status\">", status_class(m));
	out_esc_html(o, m->status_label);
	out_str(o, "</div><div class=\"line\">");
	out_esc_html(o, m->headline);
	out_str(o, "</div></header>\n");
	if (!m->verdict)
		return;
	out_str(o, "<div class=\"cards\"><div class=\"card\"><div class=\"n\">");
	out_count(o, m->nchecks);
	out_str(o, "</div><div class=\"k\">checks</div></div><div class=\"card\"><div class=\"n\">");
	out_count(o, m->nnodes);
	out_str(o, "</div><div class=\"k\">nodes</div></div>");
	for (i = 0; i < RV_N; i++) {
		out_addf(o, "<div class=\"card %s\"><div class=\"n\">", model_verdict_name(col[i]));
		out_count(o, m->counts.v[col[i]]);
		out_addf(o, "</div><div class=\"k\">%s</div></div>", model_verdict_name(col[i]));
	}
	out_str(o, "</div>\n");
}

static void html_scope(const struct rmodel *m, struct strbuf *o)
{
	out_str(o, "<section id=\"scope\"><h2>Scope</h2>\n");
	kv_table(o, m->scope, m->nscope);
	out_str(o, "</section>\n<section id=\"environment\"><h2>Environment</h2>\n");
	if (m->nnodes > 1)
		out_str(o, "<p class=\"muted\">One row per property over all nodes: a property that differs between "
			   "nodes lists its variants.</p>\n");
	kv_table(o, m->env, m->nenv);
	out_str(o, "</section>\n");
}

/* ---- results by area ---- */

static void area_chart(const struct rmodel *m, struct strbuf *o, const struct rarea *a)
{
	struct svg_bar *bars = xcalloc(a->n + 1, sizeof(*bars));
	struct strbuf *notes = xcalloc(a->n + 1, sizeof(*notes));
	size_t k, n = 0;
	char v[64], title[256];

	for (k = 0; k < a->n && n < MAX_CHART_BARS; k++) {
		const struct rgroup *g = &m->groups[m->order[a->first + k]];
		int multi = m->nnodes > 1;

		if (!g->nmargins)
			continue;
		out_str(&notes[n], g->wd.value_text ? g->wd.value_text
						    : quantity_format(g->worst->value, g->wd.unit, v, sizeof(v)));
		if (multi) {
			out_str(&notes[n], " worst, ");
			out_str(&notes[n], quantity_format(g->vmed, g->fd.unit, v, sizeof(v)));
			out_str(&notes[n], " median");
		} else {
			out_str(&notes[n], " vs ");
			out_str(&notes[n], g->fd.threshold_text ? g->fd.threshold_text : "");
		}
		bars[n].label = g->id;
		bars[n].note = notes[n].buf;
		bars[n].margin = multi ? g->mmin : g->worst->margin;
		bars[n].lo = multi ? g->mmin : NAN;
		bars[n].hi = multi ? g->mmax : NAN;
		bars[n].median = multi ? g->mmed : NAN;
		bars[n++].colour = verdict_colour(g->verdict);
	}
	snprintf(title, sizeof(title), "margin to threshold per check%s",
		 m->nnodes > 1 ? " (bar: worst node; whisker: all nodes; diamond: median)" : "");
	if (n)
		svg_margin_chart(o, title, bars, n);
	if (n == MAX_CHART_BARS && k < a->n)
		out_str(o, "<p class=\"muted\">The chart shows the first checks of this area; the table lists them "
			   "all.</p>\n");
	for (k = 0; k < n; k++)
		strbuf_release(&notes[k]);
	free(notes);
	free(bars);
}

static void group_row(const struct rmodel *m, struct strbuf *o, const struct rgroup *g)
{
	const char *unit = g->fd.unit;

	out_str(o, "<tr><td>");
	code(o, g->id);
	out_str(o, "</td>");
	if (m->nnodes > 1) {
		out_str(o, "<td>");
		counts_text(o, &g->counts);
		out_str(o, "</td>");
		value_cell(o, g->vmin, unit, NULL);
		value_cell(o, g->vmed, unit, NULL);
		value_cell(o, g->vmax, unit, NULL);
	} else {
		value_cell(o, g->worst->value, g->wd.unit, g->wd.value_text);
	}
	out_str(o, "<td>");
	out_esc_html(o, g->fd.threshold_text ? g->fd.threshold_text : "—");
	out_str(o, "</td>");
	margin_cell(o, m->nnodes > 1 ? g->mmin : g->worst->margin);
	out_str(o, "<td>");
	badge(o, g->verdict);
	out_str(o, "</td></tr>\n");
}

static void html_results(const struct rmodel *m, struct strbuf *o)
{
	size_t a, k;

	out_str(o, "<section id=\"results\"><h2>Results by area</h2>\n");
	if (!m->ngroups)
		out_str(o, m->verdict ? "<p>No checks were evaluated.</p>\n"
				      : "<p>No verdict: results.json has no verdict section, so no value was checked "
					"against a baseline. The measured values are in the appendix.</p>\n");
	else if (m->nnodes > 1)
		out_str(o, "<p class=\"muted\">One row per check over all nodes: how many nodes passed, the spread of "
			   "the value, and the worst node's margin.</p>\n");
	for (a = 0; a < m->nareas; a++) {
		out_str(o, "<h3>");
		out_esc_html(o, m->areas[a].name);
		out_str(o, " <span class=\"muted\">(");
		counts_text(o, &m->areas[a].counts);
		out_str(o, ")</span></h3>\n");
		area_chart(m, o, &m->areas[a]);
		out_str(o,
			m->nnodes > 1
				? "<table class=\"results\"><colgroup><col style=\"width:28%\"><col style=\"width:12%\">"
				  "<col style=\"width:9%\"><col style=\"width:9%\"><col style=\"width:9%\">"
				  "<col style=\"width:14%\"><col style=\"width:10%\"><col style=\"width:9%\">"
				  "</colgroup><thead><tr><th>check</th><th>nodes</th><th class=\"num\">min</th>"
				  "<th class=\"num\">median</th><th class=\"num\">max</th><th>threshold</th>"
				  "<th class=\"num\">worst margin</th><th>verdict</th></tr></thead><tbody>\n"
				: "<table class=\"results\"><colgroup><col style=\"width:40%\"><col style=\"width:13%\">"
				  "<col style=\"width:29%\"><col style=\"width:9%\"><col style=\"width:9%\"></colgroup>"
				  "<thead><tr><th>check</th><th class=\"num\">value</th><th>threshold</th>"
				  "<th class=\"num\">margin</th><th>verdict</th></tr></thead><tbody>\n");
		for (k = 0; k < m->areas[a].n; k++)
			group_row(m, o, &m->groups[m->order[m->areas[a].first + k]]);
		out_str(o, "</tbody></table>\n");
	}
	out_str(o, "</section>\n");
}

/* ---- series charts ---- */

/* A JSON array's first n numbers (NAN for anything else); caller frees. */
static double *numbers(const cJSON *arr, size_t n)
{
	double *v = xcalloc(n + 1, sizeof(double));
	const cJSON *e;
	size_t i = 0;

	cJSON_ArrayForEach(e, arr)
	{
		if (i == n)
			break;
		v[i++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
	}
	return v;
}

/* Two strings equal, NULL equal only to NULL. */
static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* A series' legend: its labels as "gpu=0, numa=1", less the ceiling_* ones (drawn as lines, not named). */
static void series_legend(struct strbuf *sb, const cJSON *labels)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, labels)
	{
		if (l->string && !strncmp(l->string, "ceiling_", 8))
			continue;
		if (sb->len)
			strbuf_add(sb, ", ", 2);
		strbuf_addstr(sb, l->string ? l->string : "");
		strbuf_add(sb, "=", 1);
		strbuf_addstr(sb, cJSON_IsString(l) ? l->valuestring : "?");
	}
}

/* A label holding a positive finite number ("3.35e12"), or 0 when absent or anything else. */
static double label_number(const cJSON *labels, const char *key)
{
	const char *s = model_str(labels, key);
	char *end;
	double v;

	if (!s)
		return 0;
	v = strtod(s, &end);
	return end != s && !*end && isfinite(v) && v > 0 ? v : 0;
}

/* Whether x_unit is arithmetic intensity, the x of a roofline (probes/PROTOCOL.md "series"). */
static int intensity_unit(const char *xunit)
{
	return xunit && (!strcmp(xunit, "FLOP/B") || !strcmp(xunit, "OP/B"));
}

/*
 * One chart: the series named like `first` among the next MAX_SERIES_SCAN,
 * one line (or set of markers) per label set. A series over `x` is drawn
 * against x with its x_unit as the axis title; series of the other kind (or
 * another x_unit) under the same name are left out. `first`'s hints choose
 * log-log axes and markers; markers over FLOP/B or OP/B draw each series'
 * ceiling_compute / ceiling_bandwidth labels as a roofline.
 */
static void series_chart(struct strbuf *o, const struct rstep *s, const cJSON *first)
{
	struct svg_series lines[MAX_LINES];
	struct svg_line_chart c = { 0 };
	const char *name = model_str(first, "name"), *xkey = "t", *xunit = "s";
	struct strbuf title = STRBUF_INIT, legend[MAX_LINES];
	const cJSON *it, *t, *v, *labels;
	size_t n = 0, i, k, scanned = 0;
	int over_x = cJSON_HasObjectItem(first, "x"), roofs;

	if (over_x)
		xkey = "x", xunit = model_str(first, "x_unit");
	c.log = same_str(model_str(first, "scale"), "log");
	c.points = same_str(model_str(first, "style"), "points");
	roofs = c.points && intensity_unit(xunit);
	for (it = first; it && n < MAX_LINES && scanned++ < MAX_SERIES_SCAN; it = it->next) {
		if (!model_str(it, "name") || strcmp(model_str(it, "name"), name))
			continue;
		if (cJSON_HasObjectItem(it, "x") != over_x || (over_x && !same_str(model_str(it, "x_unit"), xunit)))
			continue;
		t = cJSON_GetObjectItemCaseSensitive(it, xkey);
		v = cJSON_GetObjectItemCaseSensitive(it, "v");
		labels = cJSON_GetObjectItemCaseSensitive(it, "labels");
		k = (size_t)cJSON_GetArraySize(t);
		if ((size_t)cJSON_GetArraySize(v) < k)
			k = (size_t)cJSON_GetArraySize(v);
		legend[n] = (struct strbuf)STRBUF_INIT;
		series_legend(&legend[n], labels);
		lines[n] = (struct svg_series){
			.name = legend[n].len ? legend[n].buf : name, .x = numbers(t, k), .y = numbers(v, k), .n = k
		};
		if (roofs) {
			lines[n].ceil_compute = label_number(labels, "ceiling_compute");
			lines[n].ceil_bw = label_number(labels, "ceiling_bandwidth");
		}
		n++;
	}
	out_addf(&title, "%s: %s", s->id ? s->id : "?", name);
	if (model_str(first, "unit"))
		out_addf(&title, " (%s)", model_str(first, "unit"));
	c.title = title.buf;
	c.xunit = xunit;
	c.xtitle = over_x ? (xunit ? xunit : "x") : NULL;
	c.yunit = model_str(first, "unit");
	c.series = lines;
	c.nseries = n;
	svg_line_chart(o, &c);
	for (i = 0; i < n; i++) {
		free((double *)lines[i].x);
		free((double *)lines[i].y);
		strbuf_release(&legend[i]);
	}
	strbuf_release(&title);
}

/* Whether an earlier series of the array has the same name (its chart is drawn already). */
static int drawn_before(const cJSON *series, const cJSON *it)
{
	const cJSON *p;
	const char *name = model_str(it, "name");

	for (p = series->child; p && p != it; p = p->next)
		if (model_str(p, "name") && !strcmp(model_str(p, "name"), name))
			return 1;
	return 0;
}

/* Charts of the first node's series: bounded in charts, lines, series looked at and points. */
static void html_series(const struct rmodel *m, struct strbuf *o)
{
	const struct rnode *node = &m->nodes[0];
	size_t i, charts = 0, scanned;
	const cJSON *series, *it;

	for (i = 0; i < node->nsteps && charts < MAX_SERIES_CHARTS; i++) {
		const struct rstep *s = &m->steps[node->step_first + i];

		if (!(series = model_step_series(s)))
			continue;
		if (!charts)
			out_str(o,
				"<section id=\"series\"><h2>Measurements</h2>\n<p class=\"muted\">Series the probes "
				"recorded on the first node: over time, or over a parameter such as transfer size or "
				"arithmetic intensity (a roofline, with its compute and bandwidth ceilings).</p>\n");
		scanned = 0;
		for (it = series->child; it && charts < MAX_SERIES_CHARTS && scanned++ < MAX_SERIES_SCAN;
		     it = it->next) {
			if (!model_str(it, "name") || drawn_before(series, it))
				continue;
			series_chart(o, s, it);
			charts++;
		}
	}
	if (charts)
		out_str(o, "</section>\n");
}

/* ---- failures, outliers, power, checklist ---- */

static void runbook_link(const struct rmodel *m, struct strbuf *o, const char *id)
{
	if (!id) {
		out_str(o, "none");
		return;
	}
	if (!model_runbook_ok(id)) {
		code(o, id);
		return;
	}
	out_str(o, "<a href=\"");
	out_esc_html(o, m->runbook_prefix);
	out_esc_html(o, id);
	out_str(o, ".md\">");
	out_esc_html(o, id);
	out_str(o, "</a>");
}

static void problem(const struct rmodel *m, struct strbuf *o, size_t i, const struct rcheck *c)
{
	struct rdetail d;
	char log[512], buf[64];
	const char *lp;

	model_detail(m, c, &d);
	lp = model_check_log(m, c, &d, log, sizeof(log));
	out_addf(o, "<div class=\"problem %s\"><h3>%zu. ", model_verdict_name(c->verdict), i + 1);
	badge(o, c->verdict);
	out_str(o, " ");
	code(o, c->id);
	if (d.host) {
		out_str(o, " on ");
		out_esc_html(o, d.host);
	}
	out_str(o, "</h3><table>");
	if (!isnan(c->value) || d.value_text || d.threshold_text) {
		out_str(o, "<tr><th>value</th><td>");
		out_esc_html(o, d.value_text	  ? d.value_text
				: isnan(c->value) ? "—"
						  : quantity_format(c->value, d.unit, buf, sizeof(buf)));
		out_str(o, " against ");
		out_esc_html(o, d.threshold_text ? d.threshold_text : "—");
		if (!isnan(c->margin))
			out_addf(o, " (margin %s)", out_fmt_margin(c->margin, buf, sizeof(buf)));
		out_str(o, "</td></tr>");
	}
	if (d.message) {
		out_str(o, "<tr><th>reason</th><td>");
		out_esc_html(o, d.message);
		out_str(o, "</td></tr>");
	}
	out_str(o, "<tr><th>step</th><td>");
	code(o, d.step);
	out_str(o, " (probe ");
	code(o, d.probe);
	out_addf(o, "), severity %s; log ", c->warning ? "warning" : "critical");
	code(o, lp ? lp : "none");
	out_str(o, "</td></tr>");
	if (d.source) {
		out_str(o, "<tr><th>baseline rule</th><td>");
		code(o, d.source);
		out_str(o, "</td></tr>");
	}
	out_str(o, "<tr><th>runbook</th><td>");
	runbook_link(m, o, d.runbook);
	out_str(o, "</td></tr></table></div>\n");
}

static void html_problems(const struct rmodel *m, struct strbuf *o)
{
	size_t i, total = m->counts.v[RV_FAIL] + m->counts.v[RV_ERROR] + m->counts.v[RV_WARN];

	out_str(o, "<section id=\"failures\"><h2>Failures</h2>\n");
	if (!m->verdict)
		out_str(o, "<p>No verdict, so no failures were judged. Step outcomes are in the appendix.</p>\n");
	else if (!total)
		out_str(o, "<p>No check failed, errored or warned.</p>\n");
	else
		out_str(o,
			"<p class=\"muted\">Failed checks first, then checks that could not be evaluated, then "
			"warnings; each with its evidence and runbook. Logs are relative to the run directory.</p>\n");
	for (i = 0; i < m->nproblems; i++)
		problem(m, o, i, &m->checks[m->problems[i]]);
	if (total > m->nproblems) {
		out_str(o, "<p class=\"muted\">");
		out_count(o, total - m->nproblems);
		out_str(o, " more not shown here: junit.xml and results.json list every check.</p>\n");
	}
	out_str(o, "</section>\n");
}

/* NOT READY nodes of a multi-node verdict, with why (verdict.not_ready_nodes). */
static void html_not_ready(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *it;
	size_t shown = 0, n = (size_t)cJSON_GetArraySize(m->not_ready);

	if (!m->not_ready)
		return;
	out_str(o, "<section id=\"not-ready\"><h2>NOT READY nodes</h2>\n");
	if (!n) {
		out_str(o, "<p>None: every node is ready.</p></section>\n");
		return;
	}
	out_str(o, "<p>");
	out_count(o, n);
	out_str(o, n == 1 ? " node is" : " nodes are");
	out_str(o, " NOT READY.</p>\n<table><thead><tr><th>node</th><th>why</th></tr></thead><tbody>\n");
	cJSON_ArrayForEach(it, m->not_ready)
	{
		if (shown++ == MODEL_MAX_NODES_LISTED)
			break;
		out_str(o, "<tr><td>");
		code(o, model_str(it, "host"));
		out_str(o, "</td><td>");
		out_esc_html(o, model_str(it, "reason") ? model_str(it, "reason") : "");
		out_str(o, "</td></tr>\n");
	}
	out_str(o, "</tbody></table>\n");
	if (n > MODEL_MAX_NODES_LISTED)
		out_addf(o, "<p class=\"muted\">%zu more not shown here (results.json lists them all).</p>\n",
			 n - MODEL_MAX_NODES_LISTED);
	out_str(o, "</section>\n");
}

static void html_num(struct strbuf *o, const cJSON *obj, const char *key, const char *unit)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char buf[64];

	out_esc_html(o, cJSON_IsNumber(v) ? quantity_format(v->valuedouble, unit, buf, sizeof(buf)) : "—");
}

static void html_outlier_rows(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *it, *z;
	size_t shown = 0;

	out_str(o, "<table><thead><tr><th>node</th><th>metric</th><th class=\"num\">value</th>"
		   "<th class=\"num\">median</th><th class=\"num\">z</th><th></th></tr></thead><tbody>\n");
	cJSON_ArrayForEach(it, m->outliers)
	{
		const char *unit = model_str(it, "unit");

		if (shown++ == MODEL_MAX_DETAIL)
			break;
		out_str(o, "<tr><td>");
		code(o, model_str(it, "host"));
		out_str(o, "</td><td>");
		code(o, model_str(it, "id"));
		out_str(o, "</td><td class=\"num\">");
		html_num(o, it, "value", unit);
		out_str(o, "</td><td class=\"num\">");
		html_num(o, it, "median", unit);
		out_str(o, "</td><td class=\"num\">");
		z = cJSON_GetObjectItemCaseSensitive(it, "z");
		if (cJSON_IsNumber(z))
			out_fixed(o, z->valuedouble, 1);
		out_str(o, "</td><td>");
		out_esc_html(o, model_str(it, "message") ? model_str(it, "message") : "");
		out_str(o, "</td></tr>\n");
	}
	out_str(o, "</tbody></table>\n");
}

static void html_outliers(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *omitted = cJSON_GetObjectItemCaseSensitive(m->verdict, "outliers_omitted");
	size_t n = (size_t)cJSON_GetArraySize(m->outliers);

	out_str(o, "<section id=\"outliers\"><h2>Outlier nodes</h2>\n");
	if (!n) {
		if (m->series)
			out_str(o,
				"<p>None: no node is far from its peers (modified z-score beyond 3.5 on the bad side, "
				"series of at least 5 nodes).</p></section>\n");
		else
			out_str(o, m->nnodes > 1 ? "<p>No multi-node outlier analysis yet. The spread of each check "
						   "across nodes is in Results by area.</p></section>\n"
						 : "<p>No multi-node outlier analysis yet.</p></section>\n");
		return;
	}
	out_str(o, "<p>Nodes far worse than their peers (modified z-score beyond 3.5 on the bad side), worst "
		   "first.</p>\n");
	html_outlier_rows(m, o);
	n += cJSON_IsNumber(omitted) ? (size_t)omitted->valuedouble : 0;
	if (n > MODEL_MAX_DETAIL)
		out_addf(o, "<p class=\"muted\">and %zu more (results.json)</p>\n", n - MODEL_MAX_DETAIL);
	out_str(o, "</section>\n");
}

/* The pairwise locator's suspects (results' locate[]): a collective run on node pairs. */
static void html_locate(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *l, *it;

	if (!cJSON_GetArraySize(m->locate))
		return;
	out_str(o, "<section id=\"locate\"><h2>Pairwise locate</h2>\n");
	cJSON_ArrayForEach(l, m->locate)
	{
		out_str(o, "<p>");
		code(o, model_str(l, "step"));
		out_str(o, " (");
		out_esc_html(o, model_str(l, "metric") ? model_str(l, "metric") : "?");
		out_str(o, ", ");
		out_count(o, (unsigned long long)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "pairs")));
		out_str(o, " pair runs)");
		if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "suspect_nodes")) &&
		    !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "suspect_links")))
			out_str(o, ": no suspect");
		out_str(o, "</p>\n<ul>");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "suspect_nodes"))
		{
			out_str(o, "<li>node ");
			code(o, model_str(it, "host"));
			out_str(o, ": ");
			out_esc_html(o, model_str(it, "reason") ? model_str(it, "reason") : "");
			out_str(o, "</li>");
		}
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "suspect_links"))
		{
			out_str(o, "<li>link ");
			code(o, model_str(it, "a"));
			out_str(o, " – ");
			code(o, model_str(it, "b"));
			out_str(o, ": ");
			out_esc_html(o, model_str(it, "reason") ? model_str(it, "reason") : "");
			out_str(o, "</li>");
		}
		out_str(o, "</ul>\n");
	}
	out_str(o, "</section>\n");
}

/* ---- the heatmap: nodes × key metrics, coloured by distance from the median ---- */

/* The colour class of a bad-side z: z3 an outlier, z2 and z1 on the way, zb better than the median. */
static const char *heat_class(float z)
{
	if (isnan(z))
		return "zn";
	if (z > 3.5f)
		return "z3";
	if (z >= 2)
		return "z2";
	if (z >= 1)
		return "z1";
	return z <= -2 ? "zb" : "z0";
}

static const char *heat_fill(float z)
{
	static const char *const fills[] = { "#ffffff", "#fff3c4", "#ffc27a", "#e53935", "#dcebfa", "#eceff1" };
	const char *c = heat_class(z);

	return fills[c[1] == 'n' ? 5 : c[1] == 'b' ? 4 : c[1] - '0'];
}

/* "{gpu=0, numa=1}", escaped; nothing without labels. */
static void heat_labels(struct strbuf *o, const cJSON *labels)
{
	struct strbuf l = STRBUF_INIT;

	if (!cJSON_GetArraySize(labels))
		return;
	model_labels(&l, labels);
	out_str(o, "{");
	out_esc_html(o, l.buf);
	out_str(o, "}");
	strbuf_release(&l);
}

static void heat_head(const struct rmodel *m, struct strbuf *o)
{
	const struct rheat *h = &m->heat;
	size_t k;

	out_str(o, "<table class=\"heat\"><thead><tr><th>node</th>");
	for (k = 0; k < h->nseries; k++) {
		out_str(o, "<th class=\"num\"><code>");
		out_esc_html(o, h->step[k]);
		out_str(o, ".");
		out_esc_html(o, h->metric[k]);
		heat_labels(o, cJSON_GetObjectItemCaseSensitive(h->series[k], "labels"));
		out_str(o, "</code></th>");
	}
	out_str(o, "</tr></thead><tbody>\n");
}

/* The worst nodes by name, each key metric's z in its colour. */
static void heat_table(const struct rmodel *m, struct strbuf *o)
{
	const struct rheat *h = &m->heat;
	size_t r, k, node;

	heat_head(m, o);
	for (r = 0; r < h->norder && r < MODEL_HEAT_ROWS; r++) {
		node = h->order[r];
		out_str(o, "<tr><td>");
		code(o, m->nodes[node].host);
		out_str(o, "</td>");
		for (k = 0; k < h->nseries; k++) {
			float z = MODEL_HEAT_Z(m, node, k);

			out_addf(o, "<td class=\"z %s\">", heat_class(z));
			if (isnan(z))
				out_str(o, "—");
			else
				out_fixed(o, z, 1);
			out_str(o, "</td>");
		}
		out_str(o, "</tr>\n");
	}
	out_str(o, "</tbody></table>\n");
}

/* At most this many rectangles in the fleet strip; runs of one colour are one rectangle. */
#define HEAT_MAX_RECTS 20000

/*
 * Every node as one column (worst first), every key metric a row. Only
 * cells off the white background are drawn, and a run of neighbouring cells
 * of one colour is one rectangle: the worst-first order puts them together,
 * so the size follows the number of unusual nodes, not of nodes.
 */
static void heat_strip(const struct rmodel *m, struct strbuf *o)
{
	const struct rheat *h = &m->heat;
	size_t k, r, run, rects = 0;
	const int row = 12;

	out_addf(o,
		 "<svg class=\"strip\" width=\"100%%\" height=\"%zu\" "
		 "viewBox=\"0 0 %zu %zu\" preserveAspectRatio=\"none\" role=\"img\"><title>%zu nodes (columns, "
		 "worst first) × %zu key metrics (rows)</title><rect width=\"%zu\" height=\"%zu\" fill=\"#ffffff\"/>",
		 h->nseries * row, h->norder, h->nseries * row, h->norder, h->nseries, h->norder, h->nseries * row);
	for (k = 0; k < h->nseries; k++)
		for (r = 0; r < h->norder && rects < HEAT_MAX_RECTS; r = run) {
			const char *fill = heat_fill(MODEL_HEAT_Z(m, h->order[r], k));

			for (run = r + 1; run < h->norder && heat_fill(MODEL_HEAT_Z(m, h->order[run], k)) == fill;
			     run++)
				;
			if (!strcmp(fill, "#ffffff"))
				continue;
			out_addf(o, "<rect x=\"%zu\" y=\"%zu\" width=\"%zu\" height=\"%d\" fill=\"%s\"/>", r, k * row,
				 run - r, row - 1, fill);
			rects++;
		}
	out_str(o, "</svg>\n");
}

static void html_heatmap(const struct rmodel *m, struct strbuf *o)
{
	const struct rheat *h = &m->heat;

	if (!h->nseries || !h->norder)
		return;
	out_str(o, "<section id=\"heatmap\"><h2>Nodes × key metrics</h2>\n<p>Each cell is the node's modified "
		   "z-score against the median of all nodes, signed so that positive is worse: <span class=\"z3\">"
		   "&gt; 3.5 outlier</span> <span class=\"z2\">2 to 3.5</span> <span class=\"z1\">1 to 2</span> "
		   "<span class=\"z0\">near the median</span> <span class=\"zb\">better</span> <span "
		   "class=\"zn\">no value</span>. Worst nodes first; the ");
	out_count(o, h->norder < MODEL_HEAT_ROWS ? h->norder : MODEL_HEAT_ROWS);
	out_str(o, " worst by name, then every one of the ");
	out_count(o, h->norder);
	out_str(o, " nodes as one column.</p>\n");
	heat_table(m, o);
	heat_strip(m, o);
	out_str(o, "</section>\n");
}

/* Versions and configuration that differ between nodes (verdict.drift). */
static void html_drift(const struct rmodel *m, struct strbuf *o)
{
	const cJSON *k, *val, *cnt, *hs, *om;

	if (!m->drift)
		return;
	out_str(o, "<section id=\"drift\"><h2>Fleet drift</h2>\n");
	if (!cJSON_GetArraySize(m->drift)) {
		out_str(o, "<p>None: every node reports the same versions and configuration.</p></section>\n");
		return;
	}
	out_str(o, "<table><thead><tr><th>key</th><th>value</th><th class=\"num\">nodes</th><th>hosts</th></tr>"
		   "</thead><tbody>\n");
	cJSON_ArrayForEach(k, m->drift)
	{
		cJSON_ArrayForEach(val, cJSON_GetObjectItemCaseSensitive(k, "values"))
		{
			int first = 1;

			cnt = cJSON_GetObjectItemCaseSensitive(val, "count");
			om = cJSON_GetObjectItemCaseSensitive(val, "hosts_omitted");
			out_str(o, "<tr><td>");
			code(o, model_str(k, "key"));
			out_str(o, "</td><td>");
			code(o, model_str(val, "value"));
			out_str(o, "</td><td class=\"num\">");
			out_count(o, cJSON_IsNumber(cnt) ? (unsigned long long)cnt->valuedouble : 0);
			out_str(o, "</td><td>");
			cJSON_ArrayForEach(hs, cJSON_GetObjectItemCaseSensitive(val, "hosts"))
			{
				out_str(o, first ? "" : ", ");
				out_esc_html(o, cJSON_IsString(hs) ? hs->valuestring : "?");
				first = 0;
			}
			if (cJSON_IsNumber(om) && om->valuedouble > 0) {
				out_str(o, " and ");
				out_count(o, (unsigned long long)om->valuedouble);
				out_str(o, " more");
			}
			out_str(o, "</td></tr>\n");
		}
	}
	out_str(o, "</tbody></table></section>\n");
}

static void html_power(const struct rmodel *m, struct strbuf *o)
{
	const struct rpower *p = &m->power;
	char a[64], b[64], c[64], d[64];

	out_str(o, "<section id=\"power\"><h2>Power and cost</h2>\n");
	if (!p->measured) {
		out_str(o, "<p>No power was measured in this run (no metric with unit W): add a soak step to estimate "
			   "the energy cost.</p>\n");
		out_addf(
			o,
			"<div class=\"formula\">annual kWh = average W per node × 8,760 h × utilisation / 1000 × nodes"
			"<br>annual cost = kWh × price</div><p class=\"muted\">For scale: each 1 kW of average node draw "
			"at %.0f %% utilisation is %s kWh a year, $%s at $%.2f/kWh, per node.</p></section>\n",
			p->util * 100, out_fmt_grouped(MODEL_KWH_PER_KW_YEAR(p->util), 0, a, sizeof(a)),
			out_fmt_grouped(MODEL_KWH_PER_KW_YEAR(p->util) * p->price, 2, b, sizeof(b)), p->price);
		return;
	}
	out_addf(o, "<table class=\"kv\"><tr><th>power per node</th><td>%s W: ",
		 out_fmt_grouped(p->node_w, 0, a, sizeof(a)));
	code(o, p->metric);
	out_str(o, " of probe ");
	code(o, p->probe);
	out_addf(o, ", summed over its labels (GPUs), mean over %zu node%s</td></tr>", p->nodes,
		 p->nodes == 1 ? "" : "s");
	out_addf(o,
		 "<tr><th>utilisation</th><td>%.0f %%</td></tr><tr><th>fleet</th><td>%s node%s</td></tr>"
		 "<tr><th>price</th><td>$%.3g per kWh</td></tr></table>\n",
		 p->util * 100, out_fmt_grouped(p->fleet, 0, b, sizeof(b)), p->fleet == 1 ? "" : "s", p->price);
	out_addf(o,
		 "<div class=\"formula\">annual energy per node = W × 8,760 h × utilisation / 1000 = %s × 8,760 × "
		 "%.2f / 1000 = <b>%s kWh</b>",
		 out_fmt_grouped(p->node_w, 0, a, sizeof(a)), p->util, out_fmt_grouped(p->kwh_node, 0, b, sizeof(b)));
	out_addf(o, "<br>fleet: × %u node%s = <b>%s kWh</b>", p->fleet, p->fleet == 1 ? "" : "s",
		 out_fmt_grouped(p->kwh_fleet, 0, c, sizeof(c)));
	out_addf(o, "<br>annual cost = %s kWh × $%.3g = <b>$%s a year</b></div>\n", c, p->price,
		 out_fmt_grouped(p->usd_fleet, 0, d, sizeof(d)));
	out_str(o, "<p class=\"muted\">This is the power the probe measured (GPU board power); CPUs, memory, fans, "
		   "NICs and the facility's PUE are not included.</p></section>\n");
}

static void html_checklist(const struct rmodel *m, struct strbuf *o)
{
	size_t i;

	out_str(o, "<section id=\"checklist\"><h2>Reviewer checklist</h2>\n<ul class=\"checklist\">\n");
	for (i = 0; i < m->nchecklist; i++) {
		out_addf(o, "<li><span class=\"box%s\">%s</span><b>%s</b> — ", m->checklist[i].done ? " done" : "",
			 m->checklist[i].done ? "✓" : "&nbsp;", m->checklist[i].question);
		out_esc_html(o, m->checklist[i].evidence);
		out_str(o, "</li>\n");
	}
	out_str(o, "</ul></section>\n");
}

/* ---- appendix ---- */

static void metric_row(struct strbuf *o, const struct rmetric *r)
{
	struct strbuf l = STRBUF_INIT;
	const cJSON *st = r->stats;

	out_str(o, "<tr><td>");
	code(o, r->name);
	out_str(o, "</td><td>");
	model_labels(&l, r->labels);
	out_esc_html(o, l.buf);
	strbuf_release(&l);
	out_str(o, "</td>");
	value_cell(o, r->value, r->unit, NULL);
	if (st) {
		out_addf(o, "<td class=\"num\">%.0f</td>",
			 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "n")));
		value_cell(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "median")), r->unit, NULL);
		value_cell(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "min")), r->unit, NULL);
		value_cell(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "max")), r->unit, NULL);
		value_cell(o, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "cv")), "ratio", NULL);
	} else {
		out_str(o, "<td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td>"
			   "<td class=\"num\">—</td><td class=\"num\">—</td>");
	}
	out_str(o, "</tr>\n");
}

static void appendix_step(const struct rmodel *m, struct strbuf *o, const struct rstep *s, size_t *rows)
{
	char d[64];
	size_t k;

	out_str(o, "<h3>");
	out_esc_html(o, m->nodes[s->node].host ? m->nodes[s->node].host : "node");
	out_str(o, " / ");
	code(o, s->id);
	out_str(o, " <span class=\"muted\">(");
	out_esc_html(o, s->probe ? s->probe : "?");
	out_str(o, ", ");
	out_esc_html(o, s->status ? s->status : "?");
	out_addf(o, ", %s)</span></h3>\n", out_fmt_duration(s->duration, d, sizeof(d)));
	if (s->reason) {
		out_str(o, "<p>");
		out_esc_html(o, s->reason);
		out_str(o, "</p>\n");
	}
	if (!s->nmetrics) {
		out_str(o, "<p class=\"muted\">No metrics.</p>\n");
		return;
	}
	out_str(o,
		"<table><thead><tr><th>metric</th><th>labels</th><th class=\"num\">value</th><th class=\"num\">n</th>"
		"<th class=\"num\">median</th><th class=\"num\">min</th><th class=\"num\">max</th>"
		"<th class=\"num\">CV</th></tr></thead><tbody>\n");
	for (k = 0; k < s->nmetrics && *rows < MODEL_MAX_APPENDIX; k++, (*rows)++)
		metric_row(o, &m->metrics[s->metric_first + k]);
	out_str(o, "</tbody></table>\n");
	if (k < s->nmetrics)
		out_addf(o, "<p class=\"muted\">%zu more metrics not shown (results.json has them all).</p>\n",
			 s->nmetrics - k);
}

static void html_appendix(const struct rmodel *m, struct strbuf *o)
{
	const struct rnode *n = &m->nodes[0];
	size_t i, rows = 0;

	out_str(o, "<section id=\"appendix\"><h2>Appendix: raw metrics</h2>\n");
	if (m->nnodes > 1) {
		out_str(o, "<p class=\"muted\">The first node in full; ");
		out_count(o, m->nnodes - 1);
		out_str(o, " more nodes are in results.json (and in metrics.prom, one series per node).</p>\n");
	}
	out_str(o, "<details open><summary>metrics per step</summary>\n");
	if (!n->nsteps)
		out_str(o, "<p class=\"muted\">No steps recorded.</p>\n");
	for (i = 0; i < n->nsteps && rows < MODEL_MAX_APPENDIX; i++)
		appendix_step(m, o, &m->steps[n->step_first + i], &rows);
	if (i < n->nsteps)
		out_addf(o, "<p class=\"muted\">%zu more steps not shown (results.json has them all).</p>\n",
			 n->nsteps - i);
	out_str(o, "</details></section>\n");
}

void report_html(const struct rmodel *m, struct sink *s)
{
	struct strbuf *o = &s->sb;

	html_head(m, o);
	html_banner(m, o);
	html_not_ready(m, o);
	html_scope(m, o);
	html_results(m, o);
	html_series(m, o);
	html_problems(m, o);
	html_outliers(m, o);
	html_locate(m, o);
	html_heatmap(m, o);
	html_drift(m, o);
	html_power(m, o);
	html_checklist(m, o);
	html_appendix(m, o);
	out_str(o, "<footer>Generated by shakedown ");
	out_esc_html(o, m->version ? m->version : "");
	out_str(o, " from results.json (the source of truth).</footer>\n</main>\n</body>\n</html>\n");
}
