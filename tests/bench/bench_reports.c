/*
 * bench_reports.c - checking and report writing at cluster scale.
 *
 *   bench_reports BASELINE OUTDIR [NODES [GPUS [METRICS_PER_GPU [tree|struct]]]]
 *   bench_reports --fleet BASELINE OUTDIR NODES
 *
 * Builds a synthetic multi-node results document (runner/RESULTS.md, `nodes`)
 * with a metric for every check of BASELINE on every node (per GPU where the
 * check filters on a gpu label), padded to METRICS_PER_GPU metrics per GPU
 * (default 40), with one node in 64 failing a check. Then it times
 * verdict_compute() and report_write_verdict() of every format ("struct",
 * the default: what the runner does), or verdict_evaluate() and
 * report_write() ("tree": a cJSON object per check), and prints the times and
 * the peak memory of the whole process against the targets (1 s, 256 MB).
 *
 * --fleet: a multi-node run as the fan-out writes it (runner/RESULTS.md,
 * `nodes`, top-level collective steps): NODES nodes with 8 GPUs each and a
 * few key metrics (HBM triad and bf16 GEMM per GPU, host triad, storage read
 * bandwidth and p99 latency), each with ±1 % noise, one planted slow node
 * (10 % below its peers, still above the baseline) and one node on another
 * driver. The document is written to OUTDIR/results.json; a second process
 * (so that its peak memory is its own) then does what the runner does at the
 * end of a run: loads it, checks it against BASELINE
 * (tests/data/reports/fleet-baseline.yaml), writes md, html, junit and prom
 * and results.json with its verdict; it prints the time of each, its peak
 * memory, and whether outlier detection found the planted node and nothing
 * else, and the drift.
 */
#include "baseline.h"
#include "clock.h"
#include "jsonarena.h"
#include "report.h"
#include "report_cmd.h"
#include "results.h"
#include "supervise.h"
#include "verdict.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A finished run's document with no steps or nodes yet: plan and run id `id`, run on `host`. */
static cJSON *doc_new(const char *id, const char *host)
{
	cJSON *doc = cJSON_CreateObject(), *run;

	cJSON_AddNumberToObject(doc, "schema_version", 1);
	cJSON_AddStringToObject(doc, "shakedown_version", SD_VERSION);
	run = cJSON_AddObjectToObject(doc, "run");
	cJSON_AddStringToObject(run, "id", id);
	cJSON_AddStringToObject(run, "status", "complete");
	cJSON_AddStringToObject(run, "started", "2026-11-24T00:00:00.000Z");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "plan"), "name", id);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "host"), "hostname", host);
	return doc;
}

static cJSON *synthetic(const struct baseline *b, int nodes, int gpus, int per_gpu_total, size_t *nmetrics)
{
	cJSON *doc = doc_new("bench", "node0000"), *arr;
	int i;

	cJSON_AddArrayToObject(doc, "steps");
	arr = cJSON_AddArrayToObject(doc, "nodes");
	*nmetrics = 0;
	for (i = 0; i < nodes; i++)
		*nmetrics += add_node(arr, b, i, gpus, per_gpu_total);
	return doc;
}

/* ---- --fleet ---- */

static uint32_t rng = 2463534242u;

/* xorshift32: the same noise on every run. */
static double noise(double spread)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return 1 + spread * (2.0 * rng / 4294967296.0 - 1);
}

static cJSON *fmetric(const char *name, const char *unit, const char *better, int gpu, double v)
{
	cJSON *m = metric(name, unit, better, gpu, v);

	cJSON_DeleteItemFromObject(m, "stats");
	cJSON_AddItemToObject(m, "stats", cJSON_Parse("{\"n\":1,\"cv\":0}"));
	return m;
}

static cJSON *fstep(cJSON *steps, const char *id, const char *probe, cJSON *result)
{
	cJSON *s = cJSON_CreateObject(), *at = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "id", id);
	cJSON_AddStringToObject(s, "probe", probe);
	cJSON_AddStringToObject(s, "status", "ok");
	cJSON_AddNullToObject(s, "reason");
	cJSON_AddNumberToObject(s, "duration_s", 1.5);
	cJSON_AddStringToObject(at, "status", "ok");
	cJSON_AddItemToObject(at, "result", result ? result : cJSON_CreateNull());
	cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "attempts"), at);
	cJSON_AddItemToArray(steps, s);
	return cJSON_AddArrayToObject(s, "metrics");
}

static cJSON *fleet_node(int i, int slow, int drifted)
{
	cJSON *n = cJSON_CreateObject(), *inv, *env, *steps, *ms, *audit, *ainv;
	const char *driver = drifted ? "570.124.06" : "580.65.06";
	double f = slow ? 0.9 : 1;
	char host[32];
	int g;

	snprintf(host, sizeof(host), "node%04d", i);
	cJSON_AddStringToObject(n, "host", host);
	cJSON_AddNumberToObject(n, "rank", i);
	cJSON_AddStringToObject(n, "status", "ok");
	cJSON_AddNullToObject(n, "reason");
	cJSON_AddStringToObject(n, "inventory_status", "ok");
	inv = cJSON_AddObjectToObject(n, "inventory");
	cJSON_AddStringToObject(inv, "probe", "sysinfo");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(inv, "metrics"), fmetric("gpus", "count", "higher", -1, 8));
	env = cJSON_AddObjectToObject(inv, "env");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(env, "kernel"), "release", "6.1.0-27-amd64");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(env, "nvml"), "driver_version", driver);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(env, "memory"), "available", 1e12 * noise(0.1));
	steps = cJSON_AddArrayToObject(n, "steps");
	ms = fstep(steps, "hbm", "membw", NULL);
	for (g = 0; g < 8; g++)
		cJSON_AddItemToArray(ms, fmetric("triad", "B/s", "higher", g, 3.0e12 * f * noise(0.01)));
	ms = fstep(steps, "gemm-gpu", "gemm", NULL);
	for (g = 0; g < 8; g++)
		cJSON_AddItemToArray(ms,
				     fmetric("bf16_8192x8192x8192", "FLOP/s", "higher", g, 7.9e14 * f * noise(0.01)));
	ms = fstep(steps, "host-membw", "membw", NULL);
	cJSON_AddItemToArray(ms, fmetric("triad", "B/s", "higher", -1, 2.0e11 * noise(0.01)));
	ms = fstep(steps, "storage", "storage", NULL);
	cJSON_AddItemToArray(ms, fmetric("seqread_bw", "B/s", "higher", -1, 5e9 * noise(0.01)));
	cJSON_AddItemToArray(ms, fmetric("randread_lat_p99", "s", "lower", -1, 4e-4 * noise(0.01)));
	audit = cJSON_CreateObject();
	ainv = cJSON_AddObjectToObject(cJSON_AddObjectToObject(audit, "env"), "inventory");
	cJSON_AddStringToObject(ainv, "nvidia_driver", driver);
	cJSON_AddStringToObject(ainv, "nccl", "2.23.4");
	cJSON_AddStringToObject(ainv, "kernel", "6.1.0-27-amd64");
	fstep(steps, "audit", "audit", audit);
	return n;
}

static int fleet_generate(const char *path, int nodes, int slow, int drifted)
{
	cJSON *doc = doc_new("fleet-bench", "runner"), *arr, *ms;
	char err[256], *text;
	int i, rc;

	arr = cJSON_AddArrayToObject(doc, "nodes");
	for (i = 0; i < nodes; i++)
		cJSON_AddItemToArray(arr, fleet_node(i, i == slow, i == drifted));
	ms = fstep(cJSON_AddArrayToObject(doc, "steps"), "busbw-all", "busbw", NULL);
	cJSON_AddItemToArray(ms, fmetric("all_reduce_busbw", "B/s", "higher", -1, 3.5e11));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	rc = results_write_file_atomic(path, text, strlen(text), err, sizeof(err));
	if (rc)
		fprintf(stderr, "bench_reports: %s\n", err);
	free(text);
	return rc;
}

/* CPU seconds of this process so far (user + system): on a shared machine wall time counts the neighbours too. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long file_size(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	long n = stat(p, &st) ? -1 : (long)st.st_size;

	free(p);
	return n;
}

/* Whether the outliers are exactly the planted node's; prints what was found. */
static int fleet_detection(const cJSON *v, const char *planted)
{
	const cJSON *o, *d;
	size_t hits = 0, false_pos = 0;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(v, "outliers"))
	{
		const char *h = cJSON_GetObjectItemCaseSensitive(o, "host")->valuestring;

		if (!strcmp(h, planted))
			hits++;
		else if (false_pos++ < 5)
			printf("  false positive: %s %s z %.1f\n", h,
			       cJSON_GetObjectItemCaseSensitive(o, "id")->valuestring,
			       cJSON_GetObjectItemCaseSensitive(o, "z")->valuedouble);
	}
	printf("  outliers: %zu series flag the planted node %s, %zu flags on other nodes\n", hits, planted, false_pos);
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(v, "drift"))
	{
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(d, "values"), *minor = cJSON_GetArrayItem(vals, 1);

		printf("  drift: %s: %d values, minority %s on %s\n",
		       cJSON_GetObjectItemCaseSensitive(d, "key")->valuestring, cJSON_GetArraySize(vals),
		       cJSON_GetObjectItemCaseSensitive(minor, "value")->valuestring,
		       cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(minor, "hosts"), 0)->valuestring);
	}
	return hits == 16 && !false_pos; /* the planted node's triad and bf16 GEMM on each of its 8 GPUs */
}

/*
 * The measured part, in its own process, as the runner ends a run (run.c
 * finish_run) and `shakedown report` re-checks one: load results.json,
 * check it (report_judge: the struct verdict, and the verdict results.json
 * keeps), write md, html, junit and prom from the struct and results.json
 * with its verdict (report_finish).
 */
static int fleet_run(const char *baseline, const char *dir, const char *planted)
{
	struct report_opts ro = REPORT_OPTS_INIT;
	struct results_cache cache = { NULL, 0 };
	struct diags d = DIAGS_INIT;
	struct baseline b;
	struct verdict v;
	char err[512], *path = xasprintf("%s/results.json", dir);
	double t0, t1, t2, t3, c0, c1, c2, c3;
	const cJSON *vj;
	cJSON *doc = NULL;
	int rc = 1, found, nodes;
	long in_size = file_size(dir, "results.json");

	if (baseline_load(baseline, &b, &d)) {
		diags_print(&d, stderr);
		goto out;
	}
	c0 = cpu_s();
	t0 = clock_mono_s();
	doc = results_read(path, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "bench_reports: %s\n", err);
		goto out_b;
	}
	t1 = clock_mono_s();
	c1 = cpu_s();
	report_judge(doc, &v, &b, "command line");
	t2 = clock_mono_s();
	c2 = cpu_s();
	rc = report_finish(doc, &v, dir, REPORT_MD | REPORT_HTML | REPORT_JUNIT | REPORT_PROM, &ro, path, &cache);
	t3 = clock_mono_s();
	c3 = cpu_s();
	if (rc) {
		fprintf(stderr, "bench_reports: %s\n", err);
		rc = 1;
		goto out_v;
	}
	vj = cJSON_GetObjectItemCaseSensitive(doc, "verdict");
	nodes = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "nodes"));
	printf("fleet (as the runner ends a run): %d nodes, %zu check results, %d series judged across nodes\n", nodes,
	       v.nchecks, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(vj, "series")));
	found = fleet_detection(vj, planted);
	printf("  wall: load %.3f s + check %.3f s + write md,html,junit,prom,results.json %.3f s = %.3f s; "
	       "peak memory %.0f MB\n",
	       t1 - t0, t2 - t1, t3 - t2, t3 - t0, peak_rss_kb() / 1024.0);
	printf("  cpu:  load %.3f s + check %.3f s + write %.3f s = %.3f s (user + system)\n", c1 - c0, c2 - c1,
	       c3 - c2, c3 - c0);
	printf("  sizes: results.json read %.1f MB, written %.1f MB (%d checks kept, %.0f passed omitted); report.html "
	       "%.0f kB, report.md %.0f kB, junit.xml %.1f MB, metrics.prom %.1f MB\n",
	       in_size / 1e6, file_size(dir, "results.json") / 1e6,
	       cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(vj, "checks")),
	       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(vj, "checks_omitted")),
	       file_size(dir, "report.html") / 1e3, file_size(dir, "report.md") / 1e3,
	       file_size(dir, "junit.xml") / 1e6, file_size(dir, "metrics.prom") / 1e6);
	printf("fleet_%d_detection %s\n", nodes, found ? "PASS (the planted node, no false positive)" : "FAIL");
	printf("fleet_%d_seconds %.3f %s (cpu %.3f s)\n", nodes, t3 - t0, t3 - t0 <= 1.0 ? "PASS" : "OVER TARGET",
	       c3 - c0);
	printf("fleet_%d_peak_mb %.0f %s\n", nodes, peak_rss_kb() / 1024.0,
	       peak_rss_kb() / 1024.0 <= 256 ? "PASS" : "OVER TARGET");
	rc = found ? 0 : 1;
out_v:
	verdict_release(&v);
out_b:
	baseline_release(&b);
out:
	results_cache_release(&cache);
	json_delete(doc);
	diags_release(&d);
	free(path);
	return rc;
}

/* This program again with --fleet-run (argv, never a shell); its output passed on. 0 when it succeeded. */
static int run_self(char **argv, const char *planted)
{
	const char *av[] = { argv[0], "--fleet-run", argv[2], argv[3], planted, NULL };
	struct sup_opts so = { .argv = av, .stderr_fd = STDERR_FILENO };
	struct sup_result r;
	int rc = sup_run(&so, &r) || !sup_clean(&r);

	fwrite(r.out, 1, r.out_len, stdout);
	fflush(stdout);
	sup_result_release(&r);
	return rc;
}

static int fleet_main(int argc, char **argv)
{
	int nodes = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 4096;
	char planted[32], *path;
	int rc;

	if (argc == 5 && !strcmp(argv[1], "--fleet-run"))
		return fleet_run(argv[2], argv[3], argv[4]);
	if (argc < 4 || nodes < 8) {
		fprintf(stderr, "usage: bench_reports --fleet BASELINE OUTDIR NODES (at least 8)\n");
		return 2;
	}
	snprintf(planted, sizeof(planted), "node%04d", nodes * 3 / 7);
	path = xasprintf("%s/results.json", argv[3]);
	rc = fleet_generate(path, nodes, nodes * 3 / 7, nodes / 5);
	free(path);
	if (rc)
		return 1;
	/* exec'd again so that the peak memory is the check's and the reports', not the generator's */
	return run_self(argv, planted) ? 1 : 0;
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
	int rc = 1, tree = argc > 6 && !strcmp(argv[6], "tree");
	struct verdict vs;
	size_t nchecks;

	if (argc > 1 && !strncmp(argv[1], "--fleet", 7))
		return fleet_main(argc, argv);
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
	if (tree) {
		v = verdict_evaluate(&b, doc, "command line");
		cJSON_AddItemToObject(doc, "verdict", v);
		nchecks = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v, "checks"));
	} else {
		verdict_compute(&vs, &b, doc, "command line");
		nchecks = vs.nchecks;
	}
	t1 = clock_mono_s();
	if (tree ? report_write(doc, argv[2], REPORT_MD | REPORT_HTML | REPORT_JUNIT | REPORT_PROM, &ro, err,
				sizeof(err))
		 : report_write_verdict(doc, &vs, argv[2], REPORT_MD | REPORT_HTML | REPORT_JUNIT | REPORT_PROM, &ro,
					err, sizeof(err))) {
		fprintf(stderr, "bench_reports: %s\n", err);
		cJSON_Delete(doc);
		goto out;
	}
	t2 = clock_mono_s();
	rss1 = peak_rss_kb();
	if (!tree)
		verdict_release(&vs);
	printf("checks and reports (%s): %d nodes x %d GPUs, %zu metrics, %zu baseline checks, %zu check results\n",
	       tree ? "verdict as a cJSON tree" : "reports from the struct verdict", nodes, gpus, nm, b.nchecks,
	       nchecks);
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
