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

/* A tick's label: "0" at zero (not "0 ns"), else the value with its unit. */
static const char *tick_label(double v, double step, const char *unit, char *buf, size_t len)
{
	if (fabs(v) < step * 1e-9)
		return "0";
	return quantity_format(v, unit, buf, len);
}

struct bounds {
	double x0, x1, y0, y1;
};

static struct bounds bounds_of(const struct svg_line_chart *c)
{
	struct bounds b = { INFINITY, -INFINITY, INFINITY, -INFINITY };
	size_t s, i;

	for (s = 0; s < c->nseries; s++)
		for (i = 0; i < c->series[s].n; i++) {
			double x = c->series[s].x[i], y = c->series[s].y[i];

			if (!isfinite(x) || !isfinite(y))
				continue;
			b.x0 = fmin(b.x0, x);
			b.x1 = fmax(b.x1, x);
			b.y0 = fmin(b.y0, y);
			b.y1 = fmax(b.y1, y);
		}
	if (!isfinite(b.x0))
		b.x0 = 0, b.x1 = 1, b.y0 = 0, b.y1 = 1;
	if (b.x1 <= b.x0)
		b.x1 = b.x0 + 1;
	if (b.y0 > 0 && b.y0 < (b.y1 - b.y0) * 2) /* start at zero unless the data sits far above it */
		b.y0 = 0;
	if (b.y1 <= b.y0)
		b.y1 = b.y0 + (b.y0 ? fabs(b.y0) * 0.1 : 1);
	return b;
}

static void line_axes(struct strbuf *sb, const struct svg_line_chart *c, const struct bounds *b)
{
	int pw = LC_W - LC_L - LC_R, ph = LC_H - LC_T - LC_B;
	double step = tick_step(b->y1 - b->y0, 5), v;
	char buf[64];

	for (v = ceil(b->y0 / step) * step; v <= b->y1 + step * 1e-9; v += step) {
		double y = LC_T + ph - (v - b->y0) / (b->y1 - b->y0) * ph;

		out_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e7ee\"/>", LC_L, y,
			 LC_L + pw, y);
		out_addf(sb, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6474\">",
			 LC_L - 6, y + 4);
		out_esc_html(sb, tick_label(v, step, c->yunit, buf, sizeof(buf)));
		out_str(sb, "</text>");
	}
	step = tick_step(b->x1 - b->x0, 8);
	for (v = ceil(b->x0 / step) * step; v <= b->x1 + step * 1e-9; v += step) {
		double x = LC_L + (v - b->x0) / (b->x1 - b->x0) * pw;

		out_addf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1d2330\"/>", x, LC_T + ph, x,
			 LC_T + ph + 4);
		out_addf(sb, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6474\">", x,
			 LC_T + ph + 16);
		out_esc_html(sb, tick_label(v, step, c->xunit, buf, sizeof(buf)));
		out_str(sb, "</text>");
	}
	out_addf(sb, "<path d=\"M%d %dV%dH%d\" stroke=\"#1d2330\" fill=\"none\"/>", LC_L, LC_T, LC_T + ph, LC_L + pw);
}

static void point(struct strbuf *sb, const struct svg_series *s, size_t i, const struct bounds *b, int *first)
{
	int pw = LC_W - LC_L - LC_R, ph = LC_H - LC_T - LC_B;

	if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
		return;
	out_addf(sb, "%s%.1f,%.1f", *first ? "" : " ", LC_L + (s->x[i] - b->x0) / (b->x1 - b->x0) * pw,
		 LC_T + ph - (s->y[i] - b->y0) / (b->y1 - b->y0) * ph);
	*first = 0;
}

/* One series as a polyline, every stride-th point (and the last) when it has more than MAX_POINTS. */
static void line_path(struct strbuf *sb, const struct svg_series *s, const struct bounds *b, const char *colour)
{
	size_t stride = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1, i;
	int first = 1;

	out_str(sb, "<polyline fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\" stroke=\"");
	out_str(sb, colour);
	out_str(sb, "\" points=\"");
	for (i = 0; i < s->n; i += stride)
		point(sb, s, i, b, &first);
	if ((s->n - 1) % stride)
		point(sb, s, s->n - 1, b, &first);
	out_str(sb, "\"/>");
}

static void legend(struct strbuf *sb, const struct svg_line_chart *c)
{
	int x = LC_L, y = LC_H - 14;
	size_t s;

	for (s = 0; s < c->nseries; s++) {
		const char *colour = palette[s % (sizeof(palette) / sizeof(palette[0]))];

		out_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>", x, y - 4, colour);
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
	struct bounds b = bounds_of(c);
	size_t s;

	out_addf(sb, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" %s>", LC_W,
		 LC_H, LC_W, LC_H, FONT);
	out_str(sb, "<title>");
	out_esc_html(sb, c->title);
	out_str(sb, "</title>");
	out_addf(sb, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"600\" fill=\"#1d2330\">", LC_L);
	out_esc_html(sb, c->title);
	out_str(sb, "</text>");
	line_axes(sb, c, &b);
	for (s = 0; s < c->nseries; s++)
		if (c->series[s].n)
			line_path(sb, &c->series[s], &b, palette[s % (sizeof(palette) / sizeof(palette[0]))]);
	legend(sb, c);
	out_str(sb, "</svg>\n");
}
