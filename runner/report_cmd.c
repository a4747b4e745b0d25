/*
 * report_cmd.c - `shakedown report RESULTS.json [--baseline F] [--out DIR]
 * [--format LIST]`: re-check a finished run (against another baseline if
 * asked) and render its reports again.
 */
#include "report_cmd.h"
#include "baseline.h"
#include "exitcodes.h"
#include "jsonarena.h"
#include "paths.h"
#include "report.h"
#include "results.h"
#include "strbuf.h"
#include "terminal.h"
#include "verdict.h"
#include "xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *fp)
{
	fprintf(fp, "usage: shakedown report RESULTS.json [options]\n\n"
		    "Check a finished run against a baseline again and write its reports.\n\n"
		    "Options:\n"
		    "  -b, --baseline FILE     baseline to check against (default: the one the run used)\n"
		    "  -o, --out DIR           where to write the reports (default: next to RESULTS.json)\n"
		    "  -f, --format LIST       md,html,json,junit,prom (default: md,html,junit,prom)\n"
		    "      --usd-per-kwh N     electricity price for the power and cost section (default 0.12)\n"
		    "      --utilization N     average utilization for the cost estimate, 0-1 (default 0.70)\n"
		    "  -h, --help              this text\n\n"
		    "Exit codes: 0 READY (or with warnings), 1 NOT READY, 2 usage or input error, 3 INCOMPLETE.\n");
}

/* Read and parse a results.json; NULL with a message on stderr. */
cJSON *report_load_results(const char *path)
{
	char err[512];
	cJSON *doc = results_read(path, err, sizeof(err));

	if (!doc)
		fprintf(stderr, "shakedown: %s\n", err);
	return doc;
}

/* The baseline path the run used, if it still exists; caller frees. */
static char *previous_baseline(const cJSON *doc)
{
	const cJSON *bl =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "verdict"), "baseline");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(bl, "path");

	return cJSON_IsString(p) && !access(p->valuestring, R_OK) ? xstrdup(p->valuestring) : NULL;
}

void report_judge(cJSON *doc, struct verdict *v, const struct baseline *b, const char *selected_by)
{
	verdict_compute(v, b, doc, selected_by);
	if (cJSON_GetObjectItemCaseSensitive(doc, "verdict"))
		cJSON_ReplaceItemInObjectCaseSensitive(doc, "verdict", verdict_results_json(v));
	else
		cJSON_AddItemToObject(doc, "verdict", verdict_results_json(v));
}

int report_emit(const cJSON *doc, const struct verdict *v, const char *dir, unsigned formats,
		const struct report_opts *ro)
{
	char err[512];

	if (report_write_verdict(doc, v, dir, formats, ro, err, sizeof(err))) {
		fprintf(stderr, "shakedown: %s\n", err);
		return -1;
	}
	return 0;
}

/* results.json, written on a thread of its own while the reports are (report_finish). */
struct save_job {
	const char *path;
	const cJSON *doc;
	struct results_cache *cache;
	int rc;
	char err[512];
};

static void *save_results(void *arg)
{
	struct save_job *j = arg;

	j->rc = results_write_cached(j->path, j->doc, j->cache, j->err, sizeof(j->err));
	return NULL;
}

int report_finish(const cJSON *doc, const struct verdict *v, const char *dir, unsigned formats,
		  const struct report_opts *ro, const char *results_path, struct results_cache *cache)
{
	struct save_job j = { results_path, doc, cache, 0, "" };
	pthread_t t;
	int threaded = !pthread_create(&t, NULL, save_results, &j);
	int rc = report_emit(doc, v, dir, formats, ro);

	if (threaded)
		pthread_join(t, NULL);
	else
		save_results(&j);
	if (j.rc) {
		fprintf(stderr, "shakedown: %s\n", j.err);
		rc = -1;
	}
	return rc;
}

int report_render(cJSON *doc, const struct baseline *b, const char *selected_by, const char *dir, unsigned formats,
		  const struct report_opts *ro)
{
	struct verdict v;
	int rc;

	report_judge(doc, &v, b, selected_by);
	rc = report_emit(doc, &v, dir, formats, ro);
	verdict_release(&v);
	return rc;
}

char *report_runbook_prefix(const char *dir)
{
	char *rb = paths_data("runbooks"), *rel = rb ? paths_relative(dir, rb) : NULL, *p;

	p = xasprintf("%s/", rel ? rel : "runbooks");
	free(rb);
	free(rel);
	return p;
}

struct report_args {
	const char *results, *baseline, *out, *formats;
	struct report_opts ro;
};

static int parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "usd-per-kwh", required_argument, NULL, 'u' },
		{ "utilization", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "b:o:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->baseline = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'f':
			a->formats = optarg;
			break;
		case 'u':
			a->ro.usd_per_kwh = strtod(optarg, NULL);
			break;
		case 'U':
			a->ro.utilization = strtod(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "shakedown report: give exactly one results.json\n");
		usage(stderr);
		return -1;
	}
	a->results = argv[optind];
	return 0;
}

static int load_baseline(const char *path, struct baseline *b)
{
	struct diags d = DIAGS_INIT;
	int rc = baseline_load(path, b, &d);

	diags_print(&d, stderr);
	diags_release(&d);
	return rc;
}

int report_main(int argc, char **argv)
{
	struct report_args a = { .ro = { .usd_per_kwh = 0.12, .utilization = 0.70 } };
	struct baseline b, *bp = NULL;
	char err[256], *prev = NULL, *copy = NULL, *prefix = NULL;
	unsigned formats = REPORT_MD | REPORT_HTML | REPORT_JUNIT | REPORT_PROM;
	const char *dir, *bpath;
	cJSON *doc = NULL;
	int rc, code = SD_EXIT_USAGE;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
	if (a.formats && report_parse_formats(a.formats, &formats, err, sizeof(err))) {
		fprintf(stderr, "shakedown report: --format: %s\n", err);
		return SD_EXIT_USAGE;
	}
	doc = report_load_results(a.results);
	if (!doc)
		goto out;
	prev = a.baseline ? NULL : previous_baseline(doc);
	bpath = a.baseline ? a.baseline : prev;
	if (bpath) {
		bp = &b; /* released at out: whether it loaded or not */
		if (load_baseline(bpath, &b))
			goto out;
	}
	copy = xstrdup(a.results);
	dir = a.out ? a.out : dirname(copy);
	prefix = report_runbook_prefix(dir);
	a.ro.runbook_prefix = prefix;
	if (report_render(doc, bp, a.baseline ? "command line" : bp ? "run" : "none", dir, formats, &a.ro))
		goto out;
	terminal_verdict(cJSON_GetObjectItemCaseSensitive(doc, "verdict"), stderr, 20);
	printf("%s\n", dir);
	code = verdict_exit_code(cJSON_GetObjectItemCaseSensitive(doc, "verdict"));
out:
	if (bp)
		baseline_release(bp);
	json_delete(doc);
	free(prev);
	free(copy);
	free(prefix);
	return code;
}
