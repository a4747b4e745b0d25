/*
 * bench_reports.c - checking and report writing at cluster scale.
 *
 *   bench_reports BASELINE OUTDIR [NODES [GPUS [METRICS_PER_GPU]]]
 *
 * Builds a synthetic multi-node results document (runner/RESULTS.md, `nodes`)
 * with a metric for every check of BASELINE on every node (per GPU where the
 * check filters on a gpu label), padded to METRICS_PER_GPU metrics per GPU
 * (default 40), with one node in 64 failing a check. Then it times
 * verdict_evaluate() and report_write() of every format and prints the times
 * and the peak memory of the whole process against the targets (1 s, 256 MB).
 */
#include "baseline.h"
#include "clock.h"
#include "report.h"
#include "verdict.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static cJSON *metric(const char *name, const char *unit, const char *better, int gpu, double v)
{
	cJSON *m = cJSON_CreateObject(), *st;
	char g[16];

	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "unit", unit);
	cJSON_AddStringToObject(m, "better", better);
	if (gpu >= 0) {
		snprintf(g, sizeof(g), "%d", gpu);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(m, "labels"), "gpu", g);
	}
	cJSON_AddNumberToObject(m, "value", v);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "samples"), cJSON_CreateNumber(v));
	st = cJSON_AddObjectToObject(m, "stats");
	cJSON_AddNumberToObject(st, "n", 1);
	cJSON_AddNumberToObject(st, "cv", 0.004);
	return m;
}

/* A value that passes the check, or fails it when bad. */
static double value_for(const struct baseline_check *c, int bad)
{
	switch (c->kind) {
	case BASELINE_MIN:
		return c->min * (bad ? 0.8 : 1.05);
	case BASELINE_MAX:
		return c->max * (bad ? 1.25 : 0.95);
	case BASELINE_RANGE:
		return bad ? c->max * 1.25 : (c->min + c->max) / 2;
	case BASELINE_EQUALS:
		return bad ? c->equals + 1 : c->equals;
	default:
		return 1;
	}
}

static cJSON *find_step(cJSON *steps, const char *id)
{
	cJSON *s;

	cJSON_ArrayForEach(s, steps) if (!strcmp(cJSON_GetObjectItemCaseSensitive(s, "id")->valuestring, id)) return s;
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "id", id);
	cJSON_AddStringToObject(s, "probe", id);
	cJSON_AddStringToObject(s, "status", "ok");
	cJSON_AddNullToObject(s, "reason");
	cJSON_AddNumberToObject(s, "repeat", 1);
	cJSON_AddArrayToObject(s, "attempts");
	cJSON_AddArrayToObject(s, "metrics");
	cJSON_AddItemToArray(steps, s);
	return s;
}

static int per_gpu(const struct baseline_check *c)
{
	size_t i;

	for (i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i].name, "gpu"))
			return 1;
	return 0;
}

static size_t add_node(cJSON *nodes, const struct baseline *b, int idx, int gpus, int per_gpu_total)
{
	cJSON *node = cJSON_CreateObject(), *steps, *ms;
	char host[32], name[32];
	size_t i, n = 0;
	int g, k;

	snprintf(host, sizeof(host), "node%04d", idx);
	cJSON_AddStringToObject(node, "host", host);
	steps = cJSON_AddArrayToObject(node, "steps");
	for (i = 0; i < b->nchecks; i++) {
		const struct baseline_check *c = &b->checks[i];
		const char *unit = c->unit ? c->unit : "count";
		const char *better = c->kind == BASELINE_MAX ? "lower" : "higher";
		int bad = idx % 64 == 17 && i % 5 == 0;

		if (c->kind == BASELINE_MAX_CV)
			continue;
		ms = cJSON_GetObjectItemCaseSensitive(find_step(steps, c->selector), "metrics");
		for (g = per_gpu(c) ? 0 : -1; g < (per_gpu(c) ? gpus : 0); g++, n++)
			cJSON_AddItemToArray(ms, metric(c->metric, unit, better, g, value_for(c, bad)));
	}
	ms = cJSON_GetObjectItemCaseSensitive(find_step(steps, "extra"), "metrics");
	for (g = 0; g < gpus; g++)
		for (k = (int)(n / (size_t)(gpus ? gpus : 1)); k < per_gpu_total; k++, n++) {
			snprintf(name, sizeof(name), "extra_%d", k);
			cJSON_AddItemToArray(ms, metric(name, "B/s", "higher", g, 1e9 + k));
		}
	cJSON_AddItemToArray(nodes, node);
	return n;
}

static cJSON *synthetic(const struct baseline *b, int nodes, int gpus, int per_gpu_total, size_t *nmetrics)
{
	cJSON *doc = cJSON_CreateObject(), *run, *arr;
	int i;

	cJSON_AddNumberToObject(doc, "schema_version", 1);
	cJSON_AddStringToObject(doc, "shakedown_version", SD_VERSION);
	run = cJSON_AddObjectToObject(doc, "run");
	cJSON_AddStringToObject(run, "id", "bench");
	cJSON_AddStringToObject(run, "status", "complete");
	cJSON_AddStringToObject(run, "started", "2026-11-24T00:00:00.000Z");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "plan"), "name", "bench");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "host"), "hostname", "node0000");
	cJSON_AddArrayToObject(doc, "steps");
	arr = cJSON_AddArrayToObject(doc, "nodes");
	*nmetrics = 0;
	for (i = 0; i < nodes; i++)
		*nmetrics += add_node(arr, b, i, gpus, per_gpu_total);
	return doc;
}

int main(int argc, char **argv)
{
	struct report_opts ro = REPORT_OPTS_INIT;
	struct diags d = DIAGS_INIT;
	struct baseline b;
	double t0, t1, t2;
	long rss0, rss1;
	char err[512];
	size_t nm = 0;
	cJSON *doc, *v;
	int nodes = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 4096;
	int gpus = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 8;
	int per = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 40;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_reports BASELINE OUTDIR [NODES [GPUS [METRICS_PER_GPU]]]\n");
		return 2;
	}
	if (baseline_load(argv[1], &b, &d)) {
		diags_print(&d, stderr);
		goto out;
	}
	doc = synthetic(&b, nodes, gpus, per, &nm);
	rss0 = peak_rss_kb();
	t0 = clock_mono_s();
	v = verdict_evaluate(&b, doc, "command line");
	cJSON_AddItemToObject(doc, "verdict", v);
	t1 = clock_mono_s();
	if (report_write(doc, argv[2], REPORT_MD | REPORT_HTML | REPORT_JUNIT | REPORT_PROM, &ro, err, sizeof(err))) {
		fprintf(stderr, "bench_reports: %s\n", err);
		cJSON_Delete(doc);
		goto out;
	}
	t2 = clock_mono_s();
	rss1 = peak_rss_kb();
	printf("checks and reports: %d nodes x %d GPUs, %zu metrics, %zu baseline checks, %d check results\n", nodes,
	       gpus, nm, b.nchecks, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v, "checks")));
	printf("  check %.3f s + write md,html,junit,prom %.3f s = %.3f s (target <= 1 s: %.2fx of target)\n", t1 - t0,
	       t2 - t1, t2 - t0, (t2 - t0) / 1.0);
	printf("  peak memory %.0f MB, of which the synthetic input model %.0f MB (target <= 256 MB: %.2fx of target)\n",
	       rss1 / 1024.0, rss0 / 1024.0, rss1 / 1024.0 / 256.0);
	printf("checks_reports_seconds %.3f %s\n", t2 - t0, t2 - t0 <= 1.0 ? "PASS" : "OVER TARGET");
	printf("checks_reports_peak_mb %.0f %s\n", rss1 / 1024.0, rss1 / 1024.0 <= 256 ? "PASS" : "OVER TARGET");
	cJSON_Delete(doc);
	rc = 0;
out:
	baseline_release(&b);
	diags_release(&d);
	return rc;
}
