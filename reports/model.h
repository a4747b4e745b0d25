/*
 * model.h - the report model: results.json (runner/RESULTS.md) read once into
 * flat arrays that every writer renders. It is to the reports what curl's
 * variables[] table is to --write-out: the writers never walk the JSON tree
 * for facts the model has, so md, html, junit and prom cannot disagree.
 *
 * Strings point into the results document (not copied): the document must
 * outlive the model. Text the model composes (headline, scope, environment,
 * checklist) is owned by the model and freed by model_release().
 *
 * Sizes: everything is linear in the size of the results. Checks are grouped
 * by id across nodes (a hash map) with min / median / max per group, so the
 * human formats show one row per check however many nodes ran; per-node
 * detail is kept only for checks that did not pass, and bounded.
 */
#ifndef SD_REPORT_MODEL_H
#define SD_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "report.h"
#include "strbuf.h"
#include "verdict.h"

/* A check's verdict (RESULTS.md); RV_N counts them. */
enum rv { RV_PASS, RV_WARN, RV_FAIL, RV_SKIPPED, RV_ERROR, RV_N };

/* At most this many failed, errored or warned checks are shown in detail in md and html. */
#define MODEL_MAX_DETAIL 50
/* At most this many metric rows in the raw-metrics appendix. */
#define MODEL_MAX_APPENDIX 2000

struct rcounts {
	size_t v[RV_N];
};

struct rnode {
	const char *host;
	const cJSON *inventory; /* the sysinfo result document, or NULL */
	const char *status;	/* verdict.nodes[].status, or NULL */
	int collective;		/* the collective steps of a multi-node run (host "cluster"), not a host */
	struct rcounts counts;	/* from the checks */
	size_t step_first, nsteps;
};

struct rstep {
	const cJSON *obj;
	const char *id, *probe, *status, *reason, *log;
	double duration; /* NAN when absent */
	size_t node;
	size_t metric_first, nmetrics;
};

struct rmetric {
	const char *name, *unit;
	const cJSON *labels, *stats;
	double value; /* NAN when absent */
	size_t step;
};

/*
 * A check, slim: every check of every node has one (1.3 million for 4,096
 * nodes × 8 GPUs × 40 metrics), so only what every writer needs is here;
 * the rest is read on demand with model_detail().
 */
struct rcheck {
	const cJSON *obj;
	const char *id;
	double value, margin; /* NAN when null or absent */
	float cv;	      /* NAN when null or absent */
	uint32_t node;	      /* index into nodes */
	uint32_t stepi;	      /* index into steps, or MODEL_NONE */
	uint32_t group;
	uint32_t vi;	 /* index into the source verdict's checks (model_load_verdict), else 0 */
	uint8_t verdict; /* enum rv */
	uint8_t warning; /* severity "warning" (else critical) */
};

#define MODEL_NONE UINT32_MAX

/*
 * The rest of a check (RESULTS.md "verdict"): pointers into the document, or,
 * for a model read from a struct verdict, into f here (so an rdetail must not
 * be copied once filled).
 */
struct rdetail {
	const char *host, *step, *probe, *metric, *kind, *unit;
	const char *threshold_text, *value_text, *severity, *runbook, *message, *source;
	const cJSON *labels;
	struct verdict_fields f;
};

struct rgroup {
	const char *id, *area;
	const struct rcheck *first; /* representative */
	const struct rcheck *worst; /* worst verdict, then smallest margin */
	struct rdetail fd, wd;	    /* first's and worst's details */
	struct rcounts counts;
	size_t n, nvalues, nmargins;
	double vmin, vmed, vmax; /* over the checks that have a value */
	double mmin, mmed, mmax; /* over the checks that have a margin */
	enum rv verdict;	 /* worst */
};

struct rarea {
	const char *name;
	size_t first, n; /* model.order[first .. first+n): group indices */
	struct rcounts counts;
};

/* A line of composed text: "OS" -> "Debian GNU/Linux 12, kernel 6.1.0 (x86_64)". */
struct rrow {
	const char *key;
	char *text;
};

struct ritem {
	int done;
	const char *question;
	char *evidence;
};

struct rpower {
	int measured;
	const char *metric, *probe; /* the W metric the estimate uses */
	size_t nodes;		    /* nodes that reported it */
	double node_w;		    /* mean over nodes of the per-node sum over labels (GPUs) */
	double kwh_node, kwh_fleet, usd_fleet;
	unsigned fleet;
	double price, util;
};

/* At most this many key metrics in the heatmap, and nodes named in its table (fleet.c). */
#define MODEL_HEAT_SERIES 8
#define MODEL_HEAT_ROWS 40
/* At most this many NOT READY nodes and drift values listed in md and html. */
#define MODEL_MAX_NODES_LISTED 100

/*
 * The per-node heatmap of a multi-node verdict (fleet.c): the key metrics
 * are verdict.series entries (those with flagged nodes first, then metrics
 * not shown yet, then most flagged, then in order: fleet.c series_rank),
 * each node's value as its modified z, signed so that
 * positive is worse than the median whatever the metric's `better`.
 */
struct rheat {
	size_t nseries;
	const cJSON *series[MODEL_HEAT_SERIES];
	const char *step[MODEL_HEAT_SERIES], *metric[MODEL_HEAT_SERIES], *unit[MODEL_HEAT_SERIES];
	double median[MODEL_HEAT_SERIES], scale[MODEL_HEAT_SERIES];
	int lower[MODEL_HEAT_SERIES];
	float *z;      /* nnodes × nseries, row per node; NAN when the node has no value */
	size_t *order; /* nodes that have a value, worst first */
	size_t norder;
};

struct rmodel {
	const cJSON *doc, *verdict, *outliers;
	const struct verdict *vsrc; /* model_load_verdict: the checks are read from it, not from verdict.checks */
	cJSON *own_verdict;	    /* model_load_verdict: the verdict object without its checks, owned */
	char **ids;		    /* model_load_verdict: the check ids, one per group, owned */
	size_t nids;
	const cJSON *not_ready, *series, *drift; /* verdict.not_ready_nodes, .series, .drift (multi-node) */
	const cJSON *locate;			 /* results' locate[] (the pairwise locator), or NULL */
	struct rheat heat;
	const char *plan, *plan_path, *plan_desc, *version, *run_id, *run_status, *started, *finished;
	double duration;
	const char *status; /* verdict.status, or NULL without a verdict */
	const char *bl_name, *bl_path, *bl_selected_by, *bl_desc;
	struct rcounts counts;

	struct rnode *nodes;
	size_t nnodes;
	size_t nhosts; /* nodes that are hosts: nnodes less the collective node */
	struct rstep *steps;
	size_t nsteps;
	struct rmetric *metrics;
	size_t nmetrics;
	struct rcheck *checks;
	size_t nchecks;
	struct rgroup *groups;
	size_t ngroups;
	size_t *order; /* group indices, by area then first appearance */
	struct rarea *areas;
	size_t nareas;

	size_t *problems;     /* check indices: fail, then error, then warn; at most MODEL_MAX_DETAIL */
	size_t nproblems;     /* listed */
	size_t nbad_nodes;    /* nodes with a failed check */
	const char *bad_host; /* the first of them */

	char *headline;		  /* "3 of 41 checks failed on node017 (baseline h100-sxm-80gb)" */
	const char *status_label; /* status, or "NO VERDICT" */
	struct rrow *scope, *env;
	size_t nscope, nenv;
	struct ritem *checklist;
	size_t nchecklist;
	struct rpower power;
	double max_cv; /* over checks with a cv, NAN when none */
	const struct rcheck *max_cv_check;
	const char *runbook_prefix;
	unsigned formats;
};

/* Read results (and the options) into m. Returns 0, or -1 with a message in err. */
int model_load(struct rmodel *m, const cJSON *results, unsigned formats, const struct report_opts *o, char *err,
	       size_t len);
/*
 * The same with the verdict taken from v (which must outlive m), not from
 * results' "verdict": no cJSON object per check is ever made.
 */
int model_load_verdict(struct rmodel *m, const cJSON *results, const struct verdict *v, unsigned formats,
		       const struct report_opts *o, char *err, size_t len);
void model_release(struct rmodel *m);

/* "pass", "warn", ... */
const char *model_verdict_name(enum rv v);
/* Read the rest of a check (one pass over its members, or verdict_fields()). */
void model_detail(const struct rmodel *m, const struct rcheck *c, struct rdetail *d);
/* The log of a check's step, relative to the run directory ("logs/hbm.log"); buf when composed. */
const char *model_check_log(const struct rmodel *m, const struct rcheck *c, const struct rdetail *d, char *buf,
			    size_t len);
/* A check's area (its group's). */
#define MODEL_AREA(m, c) ((m)->groups[(c)->group].area)
/* Whether a runbook id is safe to put into a link (letters, digits, '.', '_', '-'; not starting with '.'). */
int model_runbook_ok(const char *id);
/* The series array of the last attempt of a step that has one, or NULL. */
const cJSON *model_step_series(const struct rstep *s);
/* String member of obj, or NULL. */
const char *model_str(const cJSON *obj, const char *key);
/* A metric's labels as text, "gpu=0, numa=1" (raw: escape it for the output), appended to sb. */
void model_labels(struct strbuf *sb, const cJSON *labels);

/* kWh a year that 1 kW of average draw costs at a utilisation (8,760 h a year). */
#define MODEL_KWH_PER_KW_YEAR(util) (8760.0 * (util))

/* The heatmap (fleet.c); heat_release frees it. */
void fleet_heat_build(struct rmodel *m);
void fleet_heat_release(struct rmodel *m);
/* The bad-side z of node i in heat series k (NAN absent). */
#define MODEL_HEAT_Z(m, i, k) ((m)->heat.z[(i) * (m)->heat.nseries + (k)])

/* Composed text (summary.c): headline, scope, environment, power, checklist. */
void summary_build(struct rmodel *m, const struct report_opts *o);
void summary_release(struct rmodel *m);

#endif
