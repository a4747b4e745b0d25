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
};

struct svg_line_chart {
	const char *title;
	const char *xunit, *yunit; /* protocol units for tick labels (quantity_format), NULL: plain numbers */
	const struct svg_series *series;
	size_t nseries;
};

/* A line chart of one or more series (downsampled to at most 600 points each; linear time). */
void svg_line_chart(struct strbuf *sb, const struct svg_line_chart *c);

#endif
