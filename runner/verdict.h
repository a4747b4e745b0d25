/*
 * verdict.h - the verdict on a run: every check of a baseline applied to
 * every node of a results document, plus the runner's own checks (steps that
 * errored or failed, requirements not met), rolled up per node and for the
 * run. The model is the `verdict` section of runner/RESULTS.md; every report
 * is rendered from it.
 *
 * Two ways in:
 *  - verdict_evaluate(): the verdict as a cJSON object;
 *  - verdict_compute(), then verdict_fields(), verdict_results_json() and
 *    the reports (report_write_verdict()): what the runner does, so that a
 *    very large run (4,096 nodes × 8 GPUs make about a million checks, far
 *    too many for a cJSON tree) never builds one. Each check is a small
 *    record that borrows from the baseline and the results; nothing is
 *    copied.
 *
 * Evaluation indexes each node's metrics once (a hash on step, metric name;
 * labels are compared within the few metrics that share both), so it costs
 * O(metrics + checks × nodes).
 *
 * Rules beyond RESULTS.md, decided here:
 *  - A selector names a step id or a probe; a probe name reaches every step of
 *    that probe. When it reaches several steps and none reports the metric,
 *    one check says why, from the worst of their states: a GPU step skipped on
 *    a GPU node (fail), an errored step (error), a skipped, interrupted or
 *    unrun step (skipped); only when every one of them ran is the metric
 *    missing (fail, metric-missing). A step that ran without the metric while
 *    another step of the probe reported it is not a failure: a probe name
 *    such as membw covers GPU and host steps whose label sets differ.
 *  - A selector naming the inventory probe (BASELINE_INVENTORY_PROBE) with no
 *    step of its own is checked against host.inventory (or a node's
 *    inventory), which every run takes.
 *  - "A GPU probe" is a step whose probe is in the baseline's node.gpu_probes
 *    (every probe when that list is not given), unless its result says
 *    `target: cpu`; it counts only when the baseline's node.gpus > 0.
 *  - A run whose status is not `complete` (`running` or `interrupted`) is
 *    INCOMPLETE unless something failed: a run killed mid-way keeps a verdict
 *    that says so.
 *  - A max_cv check on a metric with fewer than two samples is `skipped`.
 *  - equals compares with a relative tolerance of 1e-9.
 *  - margin is rounded to 6 decimal places.
 *
 * Multi-node runs (RESULTS.md "The verdict of a multi-node run"):
 *  - the top-level steps are one more node, VERDICT_CLUSTER_HOST, flagged
 *    collective; a baseline check whose selector a collective step runs is
 *    made there only (not skipped on every node), and that node makes no
 *    other baseline check;
 *  - a lost node (status unreachable, timeout, excluded) gets one failed
 *    check of kind VERDICT_KIND_NODE and none of the baseline's;
 *  - every node-local metric feeds the outlier series and every node's
 *    inventory and audit result the drift (outlier.h); the verdict lists
 *    not_ready_nodes, outliers, series and drift. Single-node verdicts have
 *    none of these.
 */
#ifndef SD_VERDICT_H
#define SD_VERDICT_H

#include <stdint.h>

#include <cJSON.h>

#include "baseline.h"
#include "outlier.h"

enum verdict_result { VERDICT_PASS, VERDICT_WARN, VERDICT_FAIL, VERDICT_SKIPPED, VERDICT_ERROR };
#define VERDICT_NRESULTS 5

enum verdict_status { VERDICT_READY, VERDICT_READY_WITH_WARNINGS, VERDICT_NOT_READY, VERDICT_INCOMPLETE };

struct verdict_node {
	const char *host;
	const char *node_status; /* nodes[].status of a multi-node run ("ok", "unreachable", ...), or NULL */
	const char *node_reason; /* nodes[].reason, or NULL */
	int collective;		 /* the "cluster" node: the run's top-level steps of a multi-node run */
	int lost;		 /* node_status is set and not "ok": unreachable, timeout, excluded */
	size_t first_fail;	 /* index of its first failed check, or SIZE_MAX */
	const cJSON *steps;	 /* the node's steps array */
	const cJSON *inventory;	 /* the sysinfo document, or NULL */
	const char *inventory_status;
	const cJSON *requires; /* the requires object, or NULL */
	enum verdict_status status;
	size_t counts[VERDICT_NRESULTS];
};

/* One check, compactly; read it through verdict_fields(). */
struct verdict_check {
	const struct baseline_check *bc; /* NULL: one of the runner's own checks */
	const cJSON *step;		 /* the step checked; NULL for the inventory, a requirement, or no step */
	const cJSON *item;		 /* the metric, or the requirement's check object; NULL when absent */
	double value, cv, margin;	 /* NAN: null */
	uint32_t node;
	uint8_t kind;	/* enum baseline_kind, or VERDICT_KIND_STEP / _REQUIREMENT */
	uint8_t result; /* enum verdict_result */
	uint8_t why;	/* private: which message and runbook */
};

#define VERDICT_KIND_STEP 5
#define VERDICT_KIND_REQUIREMENT 6
#define VERDICT_KIND_NODE 7

/* The host of the node that holds a multi-node run's collective (top-level) steps. */
#define VERDICT_CLUSTER_HOST "cluster"
/* The probe whose result document the fleet drift reads (outlier.h). */
#define VERDICT_AUDIT_PROBE "audit"

struct verdict {
	const struct baseline *b; /* borrowed, may be NULL */
	const char *selected_by;
	int run_unfinished; /* run.status is not "complete" */
	enum verdict_status status;
	size_t counts[VERDICT_NRESULTS];
	struct verdict_node *nodes;
	size_t nnodes;
	struct verdict_check *checks; /* node by node: requirements, steps, then the baseline's checks in order */
	size_t nchecks, alloc;
	char **bounds;		     /* private: each baseline check's bounds as messages show them, made once */
	int multi;		     /* the results have "nodes" */
	struct outlier_set outliers; /* multi-node only: series across nodes and the nodes flagged */
	struct drift drift;	     /* multi-node only: keys whose values differ between nodes */
};

/*
 * One check as the JSON shows it (RESULTS.md). Strings are borrowed from the
 * verdict, its baseline and the results, or held in the buffers here; "" in a
 * buffer and NULL pointers are JSON null; NAN numbers are null. Labels are
 * the metric's own object, or for a metric that is absent the check's filter.
 */
struct verdict_fields {
	char id[512];
	const char *area, *host, *step, *probe, *metric;
	const cJSON *labels;		     /* the metric's labels (may be NULL: {}) */
	const struct baseline_check *filter; /* or, for an absent metric, these labels */
	int labels_null;		     /* runner checks: "labels": null */
	const char *kind;
	double min, max, equals, max_cv;
	char threshold_text[256];
	double value, cv;
	const char *unit;
	char value_text[64];
	double margin;
	const char *verdict, *severity, *runbook;
	char message[1024];
	const char *source;
};

/*
 * Evaluate results (a results.json document: single-node, or with "nodes")
 * against b (NULL: only the runner's own checks) into v, which borrows from
 * both: they must outlive v. selected_by: "plan", "auto", "command line",
 * "run" or "none" (NULL: "none"). Returns 0, or -1 when results is not an
 * object (v is then empty but valid). Release v with verdict_release().
 */
int verdict_compute(struct verdict *v, const struct baseline *b, const cJSON *results, const char *selected_by);
void verdict_release(struct verdict *v);

/* Check i of v, as shown in the JSON. */
void verdict_fields(const struct verdict *v, size_t i, struct verdict_fields *f);

/* The verdict object (RESULTS.md); caller owns it. */
cJSON *verdict_json(const struct verdict *v);

/*
 * The verdict object with an empty "checks" array: everything else (status,
 * counts, nodes, the fleet sections) for a caller that reads the checks from
 * v itself (report_write_verdict()). Caller owns it.
 */
cJSON *verdict_head_json(const struct verdict *v);

/*
 * What grouping check i across nodes needs, without composing its message:
 * its id into buf (as verdict_fields() makes it), its area and its step's id
 * (borrowed, *step NULL when none). Returns buf.
 */
const char *verdict_check_key(const struct verdict *v, size_t i, char *buf, size_t len, const char **area,
			      const char **step);

/*
 * The verdict as results.json keeps it: verdict_json() up to
 * VERDICT_LIST_ALL_MAX checks; beyond, "checks" holds only the checks that
 * did not pass and "checks_omitted" says how many passed (RESULTS.md): a
 * 4,096-node run makes some 65,000 to a million checks, and the reports
 * (rendered from v itself) list them all. Caller owns it.
 */
#define VERDICT_LIST_ALL_MAX 10000
cJSON *verdict_results_json(const struct verdict *v);

/* verdict_compute() and verdict_json() in one: the `verdict` object; caller owns it. */
cJSON *verdict_evaluate(const struct baseline *b, const cJSON *results, const char *selected_by);

/* "READY", "READY WITH WARNINGS", "NOT READY", "INCOMPLETE". */
const char *verdict_status_name(enum verdict_status s);
/* "pass", "warn", "fail", "skipped", "error". */
const char *verdict_result_name(enum verdict_result r);

/*
 * The exit code a verdict gives: 0 READY or READY WITH WARNINGS, 1 NOT READY,
 * 3 INCOMPLETE (exitcodes.h). The runner puts 130 (interrupted) and 2 (usage)
 * before it. A verdict without a known status gives 3.
 */
int verdict_exit_code(const cJSON *verdict);
int verdict_status_exit_code(enum verdict_status s);

#endif
