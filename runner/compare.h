/*
 * compare.h - `shakedown compare OLD.json NEW.json`: the nightly regression
 * check between two runs' results.json (layout in runner/RESULTS.md).
 *
 * Metrics are matched by step id, metric name and labels (absent labels and
 * {} are the same; label order does not matter). Only steps whose status is
 * `ok` contribute metrics; a metric present in one run only is `added` or
 * `removed`. For each matched metric:
 *
 *   old, new     the median of the metric's samples (its value when it has none)
 *   change       (new − old) / |old|, signed; "gain" is the same in the
 *                metric's good direction (`better`), positive = better
 *   p            two-sided Mann–Whitney U test on the two sets of samples
 *
 * The test (Mann–Whitney U, also called the Wilcoxon rank-sum test): pool
 * the samples, rank them (tied values share the mean of their ranks), and
 * take U = R1 − n1(n1+1)/2, R1 the rank sum of the old samples. When both
 * samples have at most MWU_EXACT_MAX values the p-value is exact: the
 * distribution of the rank sum over all C(n1+n2, n1) ways to split the pooled
 * ranks, counted by dynamic programming (with ties this is the exact
 * conditional distribution given the tied ranks; without ties it is the
 * classical table). Two-sided p = min(1, 2 · min(P(R ≤ r), P(R ≥ r))).
 * Above that, the normal approximation with the tie correction
 * σ² = n1·n2/12 · ((N+1) − Σ(t³−t)/(N(N−1))) and a continuity correction of
 * 1/2: z = (|U − n1·n2/2| − 1/2)/σ, p = erfc(z/√2). Both match SciPy's
 * mannwhitneyu (method exact / asymptotic) where SciPy defines them.
 *
 * Verdict of a matched metric, threshold t (default 5 %), level alpha
 * (default 0.05), significant meaning p ≤ alpha:
 *
 *   |gain| ≤ t                        unchanged (whether significant or not)
 *   |gain| > t, not significant       noise
 *   gain < −t, significant            regression
 *   gain > +t, significant            improvement
 *
 * With fewer than 2 samples on either side the test cannot be applied; the
 * threshold alone decides and the verdict says so: `regression?` or
 * `improvement?` (p is null, test "none") when |gain| > t, and a plain
 * `regression` only when the loss exceeds COMPARE_UNTESTED_FACTOR × t.
 * Note that the smallest exact two-sided p for 3 vs 3 samples is 0.1, so at
 * alpha 0.05 a tested regression needs at least 4 samples on each side
 * (4 vs 4: 0.029; 5 vs 5: 0.0079): nightly plans use repeat ≥ 5.
 *
 * Exit code of compare_main(): 0 when nothing regressed, 1 when any metric's
 * verdict is `regression`, 2 for usage errors and unreadable or non-results
 * input. Added and removed metrics are listed but do not change it (a step
 * that failed in NEW is the run's own exit code's business).
 */
#ifndef SD_COMPARE_H
#define SD_COMPARE_H

#include <stdio.h>
#include <stddef.h>

#include <cJSON.h>

/* ---- Mann–Whitney U: pure functions over samples ---- */

/* Both samples at most this big: exact p-value; otherwise normal approximation. */
#define MWU_EXACT_MAX 20

struct mwu {
	double u;  /* U of the first sample: pairs (a_i, b_j) with a_i > b_j, ties counting 1/2 */
	double p;  /* two-sided p-value */
	int exact; /* 1: exact distribution; 0: normal approximation */
};

/*
 * Rank the pooled samples a[0..n1) then b[0..n2) into ranks[0..n1+n2)
 * (1-based; tied values get the mean of their ranks). Returns the tie term
 * Σ(t³ − t) over groups of t tied values (0 without ties), or -1 when out of
 * memory.
 */
double mwu_rank(const double *a, size_t n1, const double *b, size_t n2, double *ranks);

/* U of the first sample (see struct mwu). */
double mwu_u(const double *a, size_t n1, const double *b, size_t n2);

/*
 * Exact two-sided p-value from pooled ranks (as mwu_rank writes them; the
 * first n1 are the first sample's). Needs n1 + n2 ≤ 2 · MWU_EXACT_MAX.
 * Returns the p-value, or -1 when out of range or out of memory.
 */
double mwu_p_exact(const double *ranks, size_t n1, size_t n2);

/* Normal approximation with tie and continuity correction (1 when σ is 0). */
double mwu_p_normal(double u, size_t n1, size_t n2, double tie_term);

/* The test: exact when n1, n2 ≤ MWU_EXACT_MAX. Needs n1, n2 ≥ 1. Returns 0, or -1 (out of memory). */
int mwu_test(const double *a, size_t n1, const double *b, size_t n2, struct mwu *out);

/* ---- the comparison ---- */

/* An untested change (fewer than 2 samples on a side) fails only beyond this many thresholds. */
#define COMPARE_UNTESTED_FACTOR 3.0

enum compare_verdict {
	COMPARE_UNCHANGED,
	COMPARE_NOISE,
	COMPARE_IMPROVEMENT,
	COMPARE_REGRESSION,
	COMPARE_IMPROVEMENT_UNTESTED, /* "improvement?" */
	COMPARE_REGRESSION_UNTESTED,  /* "regression?" */
	COMPARE_ADDED,
	COMPARE_REMOVED,
};

/* The verdict's name as written in the output ("regression?", "noise"...). */
const char *compare_verdict_name(enum compare_verdict v);

struct compare_opts {
	double threshold; /* relative, 0.05 = 5 % */
	double alpha;	  /* significance level */
};

/*
 * The decision rule above, on its own. gain: relative change in the good
 * direction; tested: whether a p-value exists (both sides ≥ 2 samples).
 */
enum compare_verdict compare_decide(double gain, int tested, double p, const struct compare_opts *o);

/* One metric of one run. */
struct compare_metric {
	char *key;     /* "STEP.NAME{k=v,...}" with labels sorted by key; "STEP.NAME" without labels */
	char *step;    /* step id */
	char *name;    /* metric name */
	char *unit;    /* protocol base unit */
	int lower;     /* better: lower */
	cJSON *labels; /* a copy of the labels object, or NULL */
	double *samples;
	size_t n;
	double median;
};

/* One run, as far as compare needs it. */
struct compare_run {
	char *path, *id, *host, *status; /* status: the run's status ("complete", "running", ...) */
	struct compare_metric *m;
	size_t n;
	cJSON *steps; /* step id -> step status, every step (for notes on added/removed) */
};

/*
 * Load the metrics of every `ok` step of doc (a results document). path is
 * only used in messages. Returns 0, or -1 with a message in err when a metric
 * is malformed. Release with compare_run_release().
 */
int compare_run_load(const cJSON *doc, const char *path, struct compare_run *r, char *err, size_t len);
void compare_run_release(struct compare_run *r);

/* One row of the comparison: old or new is NULL for added and removed metrics. */
struct compare_row {
	const struct compare_metric *old, *new;
	double change; /* (new − old)/|old|; ±INFINITY when old is 0 and new is not; NAN when added/removed */
	double gain;   /* change in the good direction, positive = better */
	int tested;    /* a p-value was computed */
	struct mwu test;
	enum compare_verdict verdict;
};

struct compare_result {
	struct compare_opts opts;
	const struct compare_run *old, *new;
	struct compare_row *rows; /* matched metrics in NEW's order, then removed, then added */
	size_t n;
	size_t counts[COMPARE_REMOVED + 1]; /* rows per verdict */
};

/*
 * Compare two loaded runs. The result points into old and new, which must
 * outlive it. Returns 0, or -1 when out of memory. Release with
 * compare_result_release().
 */
int compare_runs(const struct compare_run *old, const struct compare_run *new, const struct compare_opts *o,
		 struct compare_result *res);
void compare_result_release(struct compare_result *res);

/* 1 when any row is a regression (compare_main's exit code), else 0. */
int compare_exit_code(const struct compare_result *res);

/* The readable table. */
void compare_write_text(const struct compare_result *res, FILE *fp);

/* The JSON document (layout in docs and in compare.c's header). Returns a new tree (caller frees). */
cJSON *compare_to_json(const struct compare_result *res);

/*
 * Parse a fraction given as "5%" or "0.05" into *out. Returns 0, or -1 with
 * a message naming what (e.g. "--threshold") in err.
 */
int compare_parse_fraction(const char *what, const char *text, double *out, char *err, size_t len);

/* `shakedown compare OLD.json NEW.json [--threshold 5%] [--alpha 0.05] [--format text|json]`; argv[0] is "compare". */
int compare_main(int argc, char **argv);

#endif
