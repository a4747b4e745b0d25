/*
 * svg.h - small inline SVG charts for report.html: drawn by our code, no
 * script, no external resource, every string escaped (out_esc_html). The
 * output is an <svg> element for embedding in HTML (no XML prolog, no xmlns:
 * HTML5 puts inline svg in the SVG namespace by itself).
 */
#ifndef SD_REPORT_SVG_H
#define SD_REPORT_SVG_H

#include <stddef.h>

#include "strbuf.h"

/* Colours the charts and the page share (CSS colours). */
#define SVG_PASS "#1b7f3b"
#define SVG_WARN "#c77700"
#define SVG_FAIL "#c62828"
#define SVG_SKIP "#8a8f98"
#define SVG_ERROR "#6a1b9a"

/*
 * One bar of a margin chart: how far a check is from its threshold, as a
 * fraction of the threshold (RESULTS.md "margin"), positive on the good side.
 * lo/hi: the spread over nodes, median: a marker inside it (NAN: none).
 */
struct svg_bar {
	const char *label; /* left of the chart, e.g. the check id */
	const char *note;  /* right of the chart, e.g. "3.01 TB/s vs >= 2.90 TB/s" */
	double margin, lo, hi, median;
	const char *colour;
};

/*
 * A diverging bar chart centred on the threshold: bars to the right have
 * headroom, bars to the left miss. The scale is symmetric and fits the
 * largest |margin| (at least ±10 %, at most ±100 %; longer bars are clipped
 * and marked).
 */
void svg_margin_chart(struct strbuf *sb, const char *title, const struct svg_bar *bars, size_t n);

struct svg_series {
	const char *name; /* legend text */
	const double *x, *y;
	size_t n;
	/*
	 * Roofline ceilings of this series (probes/PROTOCOL.md "series"), drawn
	 * when both are > 0: a horizontal line at ceil_compute (the y unit) and
	 * the line y = ceil_bw × x (B/s) up to the ridge x = compute / bw.
	 * Series with equal ceilings share one pair of lines.
	 */
	double ceil_compute, ceil_bw;
};

struct svg_line_chart {
	const char *title;
	const char *xunit, *yunit; /* protocol units for tick labels (quantity_format), NULL: plain numbers */
	const struct svg_series *series;
	size_t nseries;
	const char *xtitle; /* under the x axis, e.g. the x unit "B" or "FLOP/B"; NULL: none */
	int log;	    /* both axes log10 with decade ticks; values <= 0 are left out */
	int points;	    /* a marker per point (with a tooltip) instead of a line */
};

/*
 * A line chart of one or more series, or a scatter chart (points), on linear
 * or log-log axes. Each series is downsampled to at most 600 points; the
 * number of series drawn is the caller's bound.
 */
void svg_line_chart(struct strbuf *sb, const struct svg_line_chart *c);

/*
 * One axis of a chart, exposed for the tests. A log axis spans whole steps
 * of base^stride (base 2 for sizes in B, so ticks read 4 KiB, 1 MiB; else
 * 10) that cover the data.
 */
struct svg_axis {
	double lo, hi;
	int log;
	int base, stride; /* log axes: ticks at base^(k × stride) */
};

/* A log axis over positive data [lo, hi] in unit (may be NULL) with at most max_ticks ticks (>= 2). */
void svg_axis_log(struct svg_axis *a, double lo, double hi, const char *unit, int max_ticks);

/* The ticks of a log axis, lowest first, into ticks[max]; returns how many. */
size_t svg_axis_ticks(const struct svg_axis *a, double *ticks, size_t max);

/* Where v lies on the axis: 0 at lo, 1 at hi; NAN where it cannot be drawn (not finite, or <= 0 on a log axis). */
double svg_axis_frac(const struct svg_axis *a, double v);

/*
 * A log axis tick's label: protocol units as quantity_format writes them
 * ("4 KiB", "1 TB/s", "10 us"), other units (FLOP/B) as a bare number with an
 * SI prefix ("0.1", "10", "1 k"), the unit being in the axis title. Returns buf.
 */
const char *svg_log_label(double v, const char *unit, char *buf, size_t len);

#endif
