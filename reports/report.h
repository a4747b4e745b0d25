/*
 * report.h - render a run's results.json (runner/RESULTS.md) as the files a
 * review meeting, a wiki, a CI system and a monitoring system read.
 *
 * One model, one writer per format (STYLE.md "Reports are writers over one
 * model"): report_write() reads the results document once into the report
 * model (model.h) and every writer renders that model:
 *
 *   REPORT_MD     report.md      verdict, scope, environment, results by area, failures, power, checklist, raw metrics
 *   REPORT_HTML   report.html    the same content as one self-contained file with inline SVG charts
 *   REPORT_JSON   results.json   the results document itself (for `shakedown report --out DIR`)
 *   REPORT_JUNIT  junit.xml      one testcase per check, one testsuite per node
 *   REPORT_PROM   metrics.prom   Prometheus text exposition for node_exporter's textfile collector
 *
 * Every file is written atomically (results_write_file_atomic: a temporary
 * file in DIR, then rename), so a reader never sees half a report. The
 * formats, names and conventions are documented in reports/README.md.
 *
 * Adding a format: a writer function in reports/FORMAT.c with the signature
 * of report_writer_fn (writers.h), one line in the formats[] table of
 * report.c, a flag here, a section in reports/README.md, a test in
 * tests/unit/test_reports.c.
 */
#ifndef SD_REPORT_H
#define SD_REPORT_H

#include <stddef.h>

#include <cJSON.h>

enum report_format {
	REPORT_MD = 1,
	REPORT_HTML = 2,
	REPORT_JSON = 4,
	REPORT_JUNIT = 8,
	REPORT_PROM = 16,
	REPORT_ALL = 31,
};

struct report_opts {
	double usd_per_kwh;   /* electricity price for the cost estimate; <= 0: 0.12 */
	double utilization;   /* average fraction of the year the fleet draws the measured power; <= 0: 0.70 */
	unsigned fleet_nodes; /* nodes the cost estimate is scaled to; 0: the nodes in the run */
	const char
		*runbook_prefix; /* from the output directory to runbooks/, e.g. "../../runbooks/"; NULL: "runbooks/" */
};

/* Defaults of report_opts, for a caller that sets only some fields. */
#define REPORT_OPTS_INIT                                                                                               \
	{                                                                                                              \
		0.12, 0.70, 0, NULL                                                                                    \
	}

/*
 * Parse a comma-separated list of format names ("md,html,json,junit,prom",
 * or "all") into a mask of enum report_format. Blanks around names are
 * ignored. Returns 0, or -1 with a message in err:
 *   unknown report format 'pdf' (use md, html, json, junit, prom or all)
 */
int report_parse_formats(const char *csv, unsigned *out, char *err, size_t len);

/*
 * Write the formats in `formats` for the results document `results` into the
 * existing directory `dir`. `o` may be NULL (defaults). Returns 0, or -1 with
 * a message in err (the files written before the failure stay; none is ever
 * left half-written). `results` is not modified.
 */
int report_write(const cJSON *results, const char *dir, unsigned formats, const struct report_opts *o, char *err,
		 size_t len);

struct verdict;

/*
 * report_write() for a verdict computed with verdict_compute(): the reports
 * read the checks from v itself, so a run of a million checks never builds
 * a cJSON object per check (the cost of verdict_evaluate() at scale). A
 * "verdict" in results is ignored. v must be a verdict of results.
 */
int report_write_verdict(const cJSON *results, const struct verdict *v, const char *dir, unsigned formats,
			 const struct report_opts *o, char *err, size_t len);

/* The file name a format is written to ("report.md"), or NULL for an unknown or combined flag. */
const char *report_file_name(unsigned format);

#endif
