/*
 * genbaseline.h - `shakedown baseline RESULTS.json`: write a baseline (YAML,
 * on stdout) from a golden run, for later runs to be checked against.
 *
 * Every metric of every `ok` step becomes a check built from its samples
 * (median m, margin default 10 %):
 *
 *   unit count          equals: m                  (gpus == 8)
 *   better: higher      min: m − |m| × margin      rounded down to 3 significant digits
 *   better: lower       max: m + |m| × margin      rounded up to 3 significant digits
 *
 * severity critical, runbook by probe and metric (genbaseline_runbook()).
 * Limits are rounded outward, so the golden run itself always passes them.
 * Values are written in protocol base units, e.g. `min: 2.61e12 B/s`.
 * With 3 or more samples that are not all equal, a second check
 * `max_cv: C%` (severity warning, runbook metric-unstable) holds the observed
 * coefficient of variation × cv-slack (default 2), at least 1 %, rounded up
 * to 2 significant digits. Count metrics get no max_cv: a count does not
 * jitter, it changes.
 *
 * `match:` holds the golden node's GPU name (when all its GPUs share one; as
 * an fnmatch pattern that matches only that name), GPU count and CPU model,
 * so that `baseline: auto` picks the file only for nodes of the same kind.
 * Without an inventory in the run no `match` is written (a comment says so):
 * an empty `match: {}` would match every node.
 *
 * Left out, and listed in a comment at the top of the file:
 *   - sysinfo's swap_total and hugepages_total: they describe how a node is
 *     set up rather than whether it is fit (no swap is often the intent);
 *   - metrics whose median is 0 (other than counts): no relative limit exists;
 *   - steps that were not `ok` (skipped, failed, error...).
 */
#ifndef SD_GENBASELINE_H
#define SD_GENBASELINE_H

#include <stddef.h>

#include <cJSON.h>

#include "strbuf.h"

struct genbaseline_opts {
	double margin;	  /* 0.10 = 10 %; from 0 to below 1 */
	double cv_slack;  /* ≥ 1: the golden run must pass its own max_cv */
	const char *name; /* the baseline's name; NULL: "<plan>-<host>" from the run */
};

/* The limit of a min (lower == 0) or max (lower == 1) check, rounded outward as above. */
double genbaseline_limit(double median, double margin, int lower);

/*
 * The max_cv limit for samples v[0..n) (a fraction: 0.026 = 2.6 %), or 0 when
 * there should be no such check (fewer than 3 samples, or all equal).
 */
double genbaseline_max_cv(const double *v, size_t n, double slack);

/*
 * The runbook id for a check on metric (its unit; labels may be NULL) of a
 * step that ran probe; target is the step's `with: {target: ...}` or NULL:
 *   sysinfo gpus                               gpu-count-mismatch
 *   sysinfo gpu_memory_total                   gpu-memory-mismatch
 *   sysinfo cpu_threads, cpu_cores, cpu_sockets, numa_nodes   cpu-count-mismatch
 *   sysinfo memory_total                       memory-size-mismatch
 *   membw with a gpu label or target gpu       hbm-bandwidth-low, else host-memory-bandwidth-low
 *   gemm gemm-throughput-low · busbw busbw-low · registry registry-pull-slow · soak throughput-drift
 *   storage: unit s storage-latency-high, ops/s storage-metadata-rate-low, else storage-throughput-low
 *   anything else                              probe-failed
 */
const char *genbaseline_runbook(const char *probe, const char *metric, const char *unit, const cJSON *labels,
				const char *target);

/* Append s as a YAML scalar: plain when that is unambiguous, else double-quoted and escaped. */
void genbaseline_yaml_scalar(struct strbuf *sb, const char *s);

/*
 * The baseline for a results document (path is named in comments and
 * messages). Returns the YAML text (caller frees), or NULL with a message in
 * err when the document is malformed or has nothing to check.
 */
char *genbaseline_yaml(const cJSON *doc, const char *path, const struct genbaseline_opts *o, char *err, size_t len);

/* `shakedown baseline RESULTS.json [--margin 10%] [--cv-slack 2] [--name NAME]`; argv[0] is "baseline". */
int genbaseline_main(int argc, char **argv);

#endif
