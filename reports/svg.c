/* svg.c - see svg.h. */
#include "svg.h"
#include "out.h"
#include "quantity.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FONT "font-family=\"system-ui,'DejaVu Sans',Arial,sans-serif\""
#define MAX_POINTS 600
#define LABEL_CHARS 42

static const char *const palette[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				       "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22" };

/* Text cut to at most max characters (UTF-8 aware), with "…" when cut; escaped. */
static void text_cut(struct strbuf *sb, const char *s, size_t max)
{
	struct strbuf t = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t chars = 0;

	while (*p && chars < max) {
		const unsigned char *q = p + 1;

		while ((*q & 0xc0) == 0x80)
			q++;
		strbuf_add(&t, (const char *)p, (size_t)(q - p));
		p = q;
		chars++;
	}
	if (*p)
		strbuf_addstr(&t, "…");
	out_esc_html(sb, t.buf ? t.buf : "");
	strbuf_release(&t);
}

/* ---- margin chart ---- */

static double nice_ceil(double v)
{
	static const double steps[] = { 0.1, 0.2, 0.25, 0.5, 1.0 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (v <= steps[i])
			return steps[i];
	return 1.0;
}

static double scale_of(const struct svg_bar *bars, size_t n)
{
	double m = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (isfinite(bars[i].margin))
			m = fmax(m, fabs(bars[i].margin));
		if (isfinite(bars[i].lo))
			m = fmax(m, fabs(bars[i].lo));
		if (isfinite(bars[i].hi))
			m = fmax(m, fabs(bars[i].hi));
	}
	return nice_ceil(m);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

#define MC_W 1080
#define MC_LABEL 350
#define MC_NOTE 240
#define MC_ROW 22
#define MC_TOP 34

/* Grid lines and tick labels under the bars; the threshold line goes on top (margin_threshold). */
static void margin_grid(struct strbuf *sb, double scale, int x0, int w, int h)
{
	int i, x;

	for (i = -2; i <= 2; i++) {
		x = x0 + w / 2 + i * w / 4;
		if (i)
			out_addf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e3e7ee\"/>", x,
				 MC_TOP - 6, x, h - 18);
		out_addf(sb,
			 "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6474\">%s%.0f "
			 "%%</text>",
			 x, h - 4,
			 i > 0	 ? "+"
			 : i < 0 ? "\xe2\x88\x92"
				 : "",
			 fabs(i * scale * 50));
	}
	out_addf(sb,
		 "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1d2330\">threshold</text>",
		 x0 + w / 2, MC_TOP - 10);
	out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#5b6474\">misses</text>", x0, MC_TOP - 10);
	out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6474\">headroom</text>",
		 x0 + w, MC_TOP - 10);
}

static void margin_threshold(struct strbuf *sb, int x0, int w, int h)
{
	out_addf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>",
		 x0 + w / 2, MC_TOP - 6, x0 + w / 2, h - 18);
}

static void margin_row(struct strbuf *sb, const struct svg_bar *b, size_t i, double scale, int x0, int w)
{
	int y = MC_TOP + (int)i * MC_ROW, mid = x0 + w / 2;
	double half = w / 2.0, m = clampd(b->margin, -scale, scale);
	double x1 = mid + (m < 0 ? m / scale * half : 0), bw = fabs(m) / scale * half;

	out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"11.5\" text-anchor=\"end\" fill=\"#1d2330\">", x0 - 8,
		 y + 15);
	text_cut(sb, b->label, LABEL_CHARS);
	out_str(sb, "<title>");
	out_esc_html(sb, b->label);
	out_str(sb, "</title></text>");
	out_addf(sb, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"", x1, y + 4,
		 bw < 1 ? 1 : bw, MC_ROW - 8);
	out_esc_html(sb, b->colour);
	out_str(sb, "\"/>");
	if (fabs(b->margin) > scale)
		out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#fff\" text-anchor=\"%s\">»</text>",
			 b->margin > 0 ? x0 + w - 4 : x0 + 4, y + 15, b->margin > 0 ? "end" : "start");
	if (isfinite(b->lo) && isfinite(b->hi) && b->hi > b->lo) {
		double l = mid + clampd(b->lo, -scale, scale) / scale * half;
		double r = mid + clampd(b->hi, -scale, scale) / scale * half;

		out_addf(sb,
			 "<path d=\"M%.1f %dH%.1fM%.1f %dV%dM%.1f %dV%d\" stroke=\"#1d2330\" stroke-width=\"1.2\" "
			 "fill=\"none\"/>",
			 l, y + MC_ROW / 2, r, l, y + 7, y + MC_ROW - 7, r, y + 7, y + MC_ROW - 7);
	}
	if (isfinite(b->median)) {
		double x = mid + clampd(b->median, -scale, scale) / scale * half;

		out_addf(sb, "<path d=\"M%.1f %dl4 5l-4 5l-4 -5z\" fill=\"#1d2330\"/>", x, y + MC_ROW / 2 - 5);
	}
	out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#5b6474\">", x0 + w + 10, y + 15);
	text_cut(sb, b->note, 38);
	out_str(sb, "</text>");
}

void svg_margin_chart(struct strbuf *sb, const char *title, const struct svg_bar *bars, size_t n)
{
	double scale = scale_of(bars, n);
	int x0 = MC_LABEL, w = MC_W - MC_LABEL - MC_NOTE, h = MC_TOP + (int)n * MC_ROW + 24;
	size_t i;

	out_addf(sb, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" %s>", MC_W, h,
		 MC_W, h, FONT);
	out_str(sb, "<title>");
	out_esc_html(sb, title);
	out_str(sb, "</title>");
	for (i = 0; i < n; i += 2) /* zebra rows first, so the grid shows on them */
		if (i + 1 < n)
			out_addf(sb, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f6f8fb\"/>",
				 MC_TOP + (int)(i + 1) * MC_ROW, MC_W, MC_ROW);
	margin_grid(sb, scale, x0, w, h);
	for (i = 0; i < n; i++)
		margin_row(sb, &bars[i], i, scale, x0, w);
	margin_threshold(sb, x0, w, h);
	out_str(sb, "</svg>\n");
}

/* ---- line chart ---- */

#define LC_W 1080
#define LC_H 300
#define LC_L 86
#define LC_R 20
#define LC_T 30
#define LC_B 62
#define LC_PW (LC_W - LC_L - LC_R)
#define LC_PH (LC_H - LC_T - LC_B)
#define LOG_XTICKS 10
#define LOG_YTICKS 7
#define MAX_TICKS 64
#define LOG_MIN 1e-300 /* log axes span at most 1e-300 .. 1e300, so every tick is a normal double */
#define LOG_MAX 1e300
#define DEG 57.29577951308232 /* degrees per radian */

/* A "nice" tick step for a range, 1, 2 or 5 × 10^k. */
static double tick_step(double range, int ticks)
{
	double raw = range / ticks, mag, f;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* A tick step for sizes over x (B): a power of two, so ticks read 32 KiB, 64 KiB (time charts keep tick_step). */
static double size_step(double range, int ticks)
{
	double raw = range / ticks;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	return fmax(1, pow(2, ceil(log2(raw))));
}

/* A tick's label: "0" at zero (not "0 ns"), else the value with its unit. */
static const char *tick_label(double v, double step, const char *unit, char *buf, size_t len)
{
	if (fabs(v) < step * 1e-9)
		return "0";
	return quantity_format(v, unit, buf, len);
}

/* A protocol unit quantity_format knows how to scale ("count" aside: it prints every digit). */
static int scaled_unit(const char *unit)
{
	const char *base = unit ? quantity_base_of(unit) : NULL;

	return base && !strcmp(base, unit) && strcmp(unit, "count");
}

static double floor_div(int a, int b)
{
	return floor((double)a / b);
}

void svg_axis_log(struct svg_axis *a, double lo, double hi, const char *unit, int max_ticks)
{
	static const int dec[] = { 1, 2, 3, 5, 10, 20, 50, 100, 200 }, bin[] = { 1, 2, 4, 10, 20, 40, 100, 200, 500 };
	const int *strides;
	double lb;
	int e0, e1, k0 = 0, k1 = 1, i;

	a->log = 1;
	a->base = unit && !strcmp(unit, "B") ? 2 : 10;
	strides = a->base == 2 ? bin : dec;
	if (!(lo > 0) || !isfinite(lo))
		lo = 1;
	if (!(hi >= lo) || !isfinite(hi))
		hi = lo;
	lo = clampd(lo, LOG_MIN, LOG_MAX);
	hi = clampd(hi, LOG_MIN, LOG_MAX);
	lb = log((double)a->base);
	e0 = (int)floor(log(lo) / lb + 1e-9);
	e1 = (int)ceil(log(hi) / lb - 1e-9);
	if (e1 <= e0)
		e1 = e0 + 1;
	if (max_ticks < 2)
		max_ticks = 2;
	for (i = 0; i < 9; i++) {
		a->stride = strides[i];
		k0 = (int)floor_div(e0, a->stride);
		k1 = (int)-floor_div(-e1, a->stride);
		if (k1 - k0 + 1 <= max_ticks)
			break;
	}
	a->lo = pow(a->base, (double)k0 * a->stride);
	a->hi = pow(a->base, (double)k1 * a->stride);
}

size_t svg_axis_ticks(const struct svg_axis *a, double *ticks, size_t max)
{
	double lb = log((double)a->base);
	long k, k0, k1;
	size_t n = 0;

	if (!a->log || !(a->lo > 0) || a->stride < 1)
		return 0;
	k0 = lround(log(a->lo) / lb / a->stride);
	k1 = lround(log(a->hi) / lb / a->stride);
	for (k = k0; k <= k1 && n < max; k++)
		ticks[n++] = pow(a->base, (double)k * a->stride);
	return n;
}

double svg_axis_frac(const struct svg_axis *a, double v)
{
	if (!isfinite(v))
		return NAN;
	if (!a->log)
		return (v - a->lo) / (a->hi - a->lo);
	if (!(v > 0))
		return NAN;
	return (log(v) - log(a->lo)) / (log(a->hi) - log(a->lo));
}

struct prefix {
	double f;
	const char *p;
};

static const struct prefix decimal[] = { { 1e15, "P" }, { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" },
					 { 1e3, "k" },	{ 1, "" },     { 0, NULL } };
static const struct prefix seconds[] = { { 1, "" }, { 1e-3, "m" }, { 1e-6, "u" }, { 1e-9, "n" }, { 0, NULL } };

/*
 * Not quantity_format: a decade such as 1e-5 is no exact double, and
 * 1e-5 / 1e-6 prints as "10.0"; the quotient is snapped to 9 significant
 * digits and printed with %g ("10 us", "0.1", "1 k").
 */
const char *svg_log_label(double v, const char *unit, char *buf, size_t len)
{
	const struct prefix *pf = unit && !strcmp(unit, "s") ? seconds : decimal;
	int known = scaled_unit(unit);
	double n, mag;

	if (known && !strcmp(unit, "B"))
		return quantity_format(v, unit, buf, len); /* base-2 ticks: exact */
	if (known && !strcmp(unit, "ratio"))
		v *= 100, unit = "%", pf = decimal + 5;
	if (known && !strcmp(unit, "celsius"))
		unit = "°C", pf = decimal + 5;
	for (; pf[1].p; pf++)
		if (fabs(v) >= pf->f)
			break;
	n = v / pf->f;
	if (fabs(n) >= 1000) /* beyond the largest prefix */
		pf = decimal + 5, n = v;
	if (n != 0 && isfinite(n)) {
		mag = pow(10, 8 - floor(log10(fabs(n))));
		n = round(n * mag) / mag;
	}
	if (known)
		snprintf(buf, len, "%g %s%s", n, pf->p, unit);
	else
		snprintf(buf, len, "%g%s%s", n, *pf->p ? " " : "", pf->p);
	return buf;
}

/* A value for a tooltip: with its unit, scaled where the unit is a protocol unit. */
static const char *value_text(double v, const char *unit, char *buf, size_t len)
{
	if (scaled_unit(unit))
		return quantity_format(v, unit, buf, len);
	snprintf(buf, len, "%.3g%s%s", v, unit ? " " : "", unit ? unit : "");
	return buf;
}

struct axes {
	struct svg_axis x, y;
};

/* Whether a series has roofline ceilings to draw. */
static int has_roof(const struct svg_series *s)
{
	return s->ceil_compute > 0 && s->ceil_bw > 0 && isfinite(s->ceil_compute) && isfinite(s->ceil_bw);
}

/*
 * Widen the data's extent e (x0, x1, y0, y1) so that each roofline shows its
 * ridge, its compute ceiling and a stretch of the bandwidth slope (down to a
 * quarter of the ridge) even when every point sits on one side of the ridge.
 */
static void roof_extent(const struct svg_line_chart *c, double e[4])
{
	size_t s;

	for (s = 0; s < c->nseries; s++)
		if (has_roof(&c->series[s])) {
			double cc = c->series[s].ceil_compute, ridge = cc / c->series[s].ceil_bw;

			e[0] = fmin(e[0], ridge / 4);
			e[1] = fmax(e[1], ridge);
			e[2] = fmin(e[2], cc / 4);
			e[3] = fmax(e[3], cc);
		}
}

/* The data's extent: finite points (positive ones on log axes); 0 when there is none. */
static int extent_of(const struct svg_line_chart *c, double e[4])
{
	size_t s, i;

	e[0] = e[2] = INFINITY;
	e[1] = e[3] = -INFINITY;
	for (s = 0; s < c->nseries; s++)
		for (i = 0; i < c->series[s].n; i++) {
			double x = c->series[s].x[i], y = c->series[s].y[i];

			if (!isfinite(x) || !isfinite(y) || (c->log && (x <= 0 || y <= 0)))
				continue;
			e[0] = fmin(e[0], x);
			e[1] = fmax(e[1], x);
			e[2] = fmin(e[2], y);
			e[3] = fmax(e[3], y);
		}
	return isfinite(e[0]);
}

static struct axes linear_axes(const struct svg_line_chart *c)
{
	struct axes a = { { 0, 1, 0, 0, 0 }, { 0, 1, 0, 0, 0 } };
	double e[4];

	if (extent_of(c, e)) {
		roof_extent(c, e);
		a.x.lo = e[0], a.x.hi = e[1], a.y.lo = e[2], a.y.hi = e[3];
	}
	if (a.x.hi <= a.x.lo)
		a.x.hi = a.x.lo + 1;
	if (a.y.lo > 0 && a.y.lo < (a.y.hi - a.y.lo) * 2) /* start at zero unless the data sits far above it */
		a.y.lo = 0;
	if (a.y.hi <= a.y.lo)
		a.y.hi = a.y.lo + (a.y.lo ? fabs(a.y.lo) * 0.1 : 1);
	return a;
}

static struct axes log_axes(const struct svg_line_chart *c)
{
	struct axes a;
	double e[4] = { 1, 10, 1, 10 };

	if (extent_of(c, e))
		roof_extent(c, e);
	svg_axis_log(&a.x, e[0], e[1], c->xunit, LOG_XTICKS);
	svg_axis_log(&a.y, e[2], e[3], c->yunit, LOG_YTICKS);
	return a;
}

static double px_x(const struct axes *a, double v)
{
	return LC_L + svg_axis_frac(&a->x, v) * LC_PW;
}

static double px_y(const struct axes *a, double v)
{
	return LC_T + LC_PH - svg_axis_frac(&a->y, v) * LC_PH;
}

static void ytick(struct strbuf *sb, double y, const char *label)
{
	out_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e7ee\"/>", LC_L, y, LC_L + LC_PW,
		 y);
	out_addf(sb, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6474\">", LC_L - 6,
		 y + 4);
	out_esc_html(sb, label);
	out_str(sb, "</text>");
}

static void xtick(struct strbuf *sb, double x, const char *label)
{
	out_addf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1d2330\"/>", x, LC_T + LC_PH, x,
		 LC_T + LC_PH + 4);
	out_addf(sb, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6474\">", x,
		 LC_T + LC_PH + 16);
	out_esc_html(sb, label);
	out_str(sb, "</text>");
}

static void line_axes(struct strbuf *sb, const struct svg_line_chart *c, const struct axes *a)
{
	double step = tick_step(a->y.hi - a->y.lo, 5), v;
	char buf[64];

	for (v = ceil(a->y.lo / step) * step; v <= a->y.hi + step * 1e-9; v += step)
		ytick(sb, px_y(a, v), tick_label(v, step, c->yunit, buf, sizeof(buf)));
	step = c->xtitle && c->xunit && !strcmp(c->xunit, "B") ? size_step(a->x.hi - a->x.lo, 8)
							       : tick_step(a->x.hi - a->x.lo, 8);
	for (v = ceil(a->x.lo / step) * step; v <= a->x.hi + step * 1e-9; v += step)
		xtick(sb, px_x(a, v), tick_label(v, step, c->xunit, buf, sizeof(buf)));
}

/* Decade (or power-of-two) ticks; vertical grid lines too, as log spacing is not obvious. */
static void log_ticks(struct strbuf *sb, const struct svg_line_chart *c, const struct axes *a)
{
	double t[MAX_TICKS], x;
	char buf[64];
	size_t n, i;

	n = svg_axis_ticks(&a->y, t, MAX_TICKS);
	for (i = 0; i < n; i++)
		ytick(sb, px_y(a, t[i]), svg_log_label(t[i], c->yunit, buf, sizeof(buf)));
	n = svg_axis_ticks(&a->x, t, MAX_TICKS);
	for (i = 0; i < n; i++) {
		x = px_x(a, t[i]);
		if (i && i + 1 < n)
			out_addf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eef1f6\"/>", x, LC_T,
				 x, LC_T + LC_PH);
		xtick(sb, x, svg_log_label(t[i], c->xunit, buf, sizeof(buf)));
	}
}

static void axes_frame(struct strbuf *sb, const struct svg_line_chart *c)
{
	out_addf(sb, "<path d=\"M%d %dV%dH%d\" stroke=\"#1d2330\" fill=\"none\"/>", LC_L, LC_T, LC_T + LC_PH,
		 LC_L + LC_PW);
	if (!c->xtitle)
		return;
	out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"11.5\" text-anchor=\"middle\" fill=\"#1d2330\">",
		 LC_L + LC_PW / 2, LC_T + LC_PH + 32);
	text_cut(sb, c->xtitle, LABEL_CHARS);
	out_str(sb, "</text>");
}

static void point(struct strbuf *sb, const struct svg_series *s, size_t i, const struct axes *a, int *first)
{
	double x = px_x(a, s->x[i]), y = px_y(a, s->y[i]);

	if (isnan(x) || isnan(y))
		return;
	out_addf(sb, "%s%.1f,%.1f", *first ? "" : " ", x, y);
	*first = 0;
}

/* A marker with a tooltip naming the series and the point. */
static void marker(struct strbuf *sb, const struct svg_line_chart *c, const struct svg_series *s, size_t i,
		   const struct axes *a, const char *colour)
{
	double x = px_x(a, s->x[i]), y = px_y(a, s->y[i]);
	char bx[64], by[64];

	if (isnan(x) || isnan(y))
		return;
	out_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", x, y, colour);
	out_esc_html(sb, s->name);
	out_str(sb, ": ");
	out_esc_html(sb, value_text(s->x[i], c->xunit, bx, sizeof(bx)));
	out_str(sb, ", ");
	out_esc_html(sb, value_text(s->y[i], c->yunit, by, sizeof(by)));
	out_str(sb, "</title></circle>");
}

/* One series as a polyline, every stride-th point (and the last) when it has more than MAX_POINTS. */
static void line_path(struct strbuf *sb, const struct svg_series *s, const struct axes *a, const char *colour)
{
	size_t stride = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1, i;
	int first = 1;

	out_str(sb, "<polyline fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\" stroke=\"");
	out_str(sb, colour);
	out_str(sb, "\" points=\"");
	for (i = 0; i < s->n; i += stride)
		point(sb, s, i, a, &first);
	if ((s->n - 1) % stride)
		point(sb, s, s->n - 1, a, &first);
	out_str(sb, "\"/>");
}

/* One series as markers, downsampled like line_path. */
static void markers(struct strbuf *sb, const struct svg_line_chart *c, const struct svg_series *s, const struct axes *a,
		    const char *colour)
{
	size_t stride = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1, i;

	out_str(sb, "<g>");
	for (i = 0; i < s->n; i += stride)
		marker(sb, c, s, i, a, colour);
	if ((s->n - 1) % stride)
		marker(sb, c, s, s->n - 1, a, colour);
	out_str(sb, "</g>");
}

static void roof_label(struct strbuf *sb, double x, double y, double angle, const char *anchor, const char *what,
		       double v, const char *unit, const char *colour)
{
	char buf[64];

	out_addf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\" fill=\"%s\"", x, y, anchor,
		 colour);
	if (angle != 0)
		out_addf(sb, " transform=\"rotate(%.1f %.1f %.1f)\"", angle, x, y);
	out_addf(sb, ">%s ", what);
	out_esc_html(sb, value_text(v, unit, buf, sizeof(buf)));
	out_str(sb, "</text>");
}

/*
 * A series' roofline: the bandwidth line y = bw × x from where it enters the
 * plot up to the ridge, then the compute ceiling to the right edge; both
 * clipped to the plot and labelled. Drawn once for equal ceilings.
 */
static void roof(struct strbuf *sb, const struct svg_line_chart *c, size_t s, const struct axes *a, const char *colour)
{
	const struct svg_series *r = &c->series[s];
	double cc = r->ceil_compute, bw = r->ceil_bw, ridge = cc / bw, xa, xb, x0, y0, x1, y1;
	size_t k;

	if (!has_roof(r))
		return;
	for (k = 0; k < s; k++)
		if (c->series[k].ceil_compute == cc && c->series[k].ceil_bw == bw)
			return;
	xa = fmax(a->x.lo, a->y.lo / bw);
	xb = fmin(fmin(ridge, a->x.hi), a->y.hi / bw);
	x0 = px_x(a, xa), y0 = px_y(a, bw * xa), x1 = px_x(a, xb), y1 = px_y(a, bw * xb);
	if (xb > xa && !isnan(x0) && !isnan(y0) && !isnan(x1) && !isnan(y1)) {
		out_addf(sb,
			 "<path class=\"roof\" d=\"M%.1f %.1fL%.1f %.1f\" stroke=\"%s\" stroke-width=\"1.4\" "
			 "stroke-dasharray=\"6 4\" fill=\"none\"/>",
			 x0, y0, x1, y1, colour);
		roof_label(sb, x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.3 - 5, atan2(y1 - y0, x1 - x0) * DEG, "middle",
			   "bandwidth", bw, "B/s", colour);
	}
	xa = fmax(ridge, a->x.lo);
	x0 = px_x(a, xa), x1 = LC_L + LC_PW, y0 = px_y(a, cc);
	if (xa < a->x.hi && cc >= a->y.lo && cc <= a->y.hi && !isnan(x0) && !isnan(y0)) {
		out_addf(sb,
			 "<path class=\"roof\" d=\"M%.1f %.1fH%d\" stroke=\"%s\" stroke-width=\"1.4\" "
			 "stroke-dasharray=\"6 4\" fill=\"none\"/>",
			 x0, y0, LC_L + LC_PW, colour);
		roof_label(sb, x1 - 4, y0 < LC_T + 14 ? y0 + 14 : y0 - 5, 0, "end", "compute", cc,
			   c->yunit ? c->yunit : "FLOP/s", colour);
	}
}

static void legend(struct strbuf *sb, const struct svg_line_chart *c)
{
	int x = LC_L, y = LC_H - 14;
	size_t s;

	for (s = 0; s < c->nseries; s++) {
		const char *colour = palette[s % (sizeof(palette) / sizeof(palette[0]))];

		if (c->points)
			out_addf(sb, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>", x + 7, y - 2, colour);
		else
			out_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>", x, y - 4,
				 colour);
		out_addf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#1d2330\">", x + 18, y);
		text_cut(sb, c->series[s].name, 18);
		out_str(sb, "</text>");
		x += 130;
		if (x > LC_W - 130)
			break; /* the rest share the palette; the table below names them all */
	}
}

void svg_line_chart(struct strbuf *sb, const struct svg_line_chart *c)
{
	struct axes a = c->log ? log_axes(c) : linear_axes(c);
	size_t s;

	out_addf(sb, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" %s>", LC_W,
		 LC_H, LC_W, LC_H, FONT);
	out_str(sb, "<title>");
	out_esc_html(sb, c->title);
	out_str(sb, "</title>");
	out_addf(sb, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"600\" fill=\"#1d2330\">", LC_L);
	out_esc_html(sb, c->title);
	out_str(sb, "</text>");
	if (c->log)
		log_ticks(sb, c, &a);
	else
		line_axes(sb, c, &a);
	axes_frame(sb, c);
	for (s = 0; s < c->nseries; s++) {
		const char *colour = palette[s % (sizeof(palette) / sizeof(palette[0]))];

		if (c->points)
			roof(sb, c, s, &a, colour);
		if (!c->series[s].n)
			continue;
		if (c->points)
			markers(sb, c, &c->series[s], &a, colour);
		else
			line_path(sb, &c->series[s], &a, colour);
	}
	legend(sb, c);
	out_str(sb, "</svg>\n");
}
