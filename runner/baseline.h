/*
 * baseline.h - what a node of one kind must measure: thresholds for the
 * metrics probes report, each with a severity and a runbook. The format is
 * documented for users in suites/README.md ("Baselines"); the shipped files
 * are suites/baselines/NAME.yaml. runner/verdict.h applies a baseline to a run.
 *
 * baseline_load() reads a YAML file into a struct baseline, reporting EVERY
 * error it finds as "file:line:col: message" in file order, like plan_load().
 * Thresholds are converted to protocol base units once, at load time
 * (probes/lib/quantity.h); whether a unit fits the metric is checked when the
 * metric's unit is known: against the probes' self-descriptions by
 * baseline_check_plan(), and always at evaluation against results.json.
 *
 * Runbook ids must name a file RUNBOOKS/<id>.md. RUNBOOKS is, in order:
 * $SHAKEDOWN_RUNBOOKS; ROOT/runbooks where ROOT holds the nearest enclosing
 * `suites/` directory of the baseline file (so suites/baselines/x.yaml uses the
 * repository's runbooks/); the runner's own ROOT/runbooks (paths.h).
 */
#ifndef SD_BASELINE_H
#define SD_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "diag.h"

struct plan;
struct catalog;

/* The probe whose document is results.json's host.inventory (run.c takes it before any step). */
#define BASELINE_INVENTORY_PROBE "sysinfo"
/* The runbook of a max_cv check that names none. */
#define BASELINE_UNSTABLE_RUNBOOK "metric-unstable"

enum baseline_kind { BASELINE_MIN, BASELINE_MAX, BASELINE_RANGE, BASELINE_EQUALS, BASELINE_MAX_CV };
enum baseline_severity { BASELINE_CRITICAL, BASELINE_WARNING };

struct baseline_label {
	char *name, *value; /* value "*": the label must be there, with any value */
};

struct baseline_spec {
	char *name;
	double value;	  /* base units */
	const char *unit; /* base unit (static), NULL for a plain number */
	char *unit_text;  /* the unit as written ("TB/s"), NULL for a plain number */
	int line, col;
};

struct baseline_check {
	char *target;		       /* "hbm.triad" as written */
	char *selector;		       /* before the last '.': a step id or a probe name */
	char *metric;		       /* after it: the metric's name */
	struct baseline_label *labels; /* the filter, sorted by name; none: every label set */
	size_t nlabels;
	enum baseline_kind kind;
	double min, max, equals, max_cv; /* base units (max_cv a ratio); NAN where the kind has none */
	const char *unit;		 /* base unit of the bounds (static); NULL when they are plain numbers */
	char *unit_text;		 /* that unit as written, for "'TB/s' does not fit ..." */
	int unit_line, unit_col;	 /* where it was written */
	/* spec-relative bounds, for threshold_text: lo is min/range low/equals, hi is max/range high */
	const struct baseline_spec *lo_spec, *hi_spec; /* point into the baseline's specs; NULL: absolute */
	double lo_factor, hi_factor;
	char *threshold_text; /* for people: ">= 2.51 TB/s (0.75 × spec.hbm_bw 3.35 TB/s)" */
	char *id_suffix;      /* ":min", or ":min:RUNBOOK[:SEVERITY]" when checks share target and kind */
	enum baseline_severity severity;
	char *runbook;
	char *source; /* "file:line:col" of the check */
	int line, col;
	int metric_line, metric_col; /* of the `metric:` value */
};

struct baseline_match {
	char *gpu_name;	     /* fnmatch(3) pattern every GPU's name must match; NULL: any */
	char *cpu_model;     /* a substring of the CPU model, ignoring case; NULL: any */
	long long gpus;	     /* exact GPU count; -1: any */
	long long min_cpus;  /* cpu_threads at least; -1: any */
	uint64_t min_memory; /* memory_total at least, bytes; 0: any */
};

struct baseline {
	char *path; /* as given to baseline_load() */
	char *name;
	char *description; /* NULL when not given */
	int has_match;	   /* a `match:` was given: baseline_auto() may pick this file */
	struct baseline_match match;
	long long node_gpus; /* `node: {gpus}`; -1 when not given */
	char **gpu_probes;   /* `node: {gpu_probes}`; NULL: every probe (when node_gpus > 0) */
	size_t ngpu_probes;
	struct baseline_spec *specs;
	size_t nspecs;
	struct baseline_check *checks; /* in file order */
	size_t nchecks;
	char *runbooks_dir; /* where runbook ids were looked up; NULL when none was found */
};

/*
 * Load the baseline at path into b (which need not be initialised). Returns 0
 * when no error was added to d, -1 otherwise; b holds what could be read
 * either way (only valid checks) and must be released with baseline_release().
 */
int baseline_load(const char *path, struct baseline *b, struct diags *d);

/* Free everything b holds. */
void baseline_release(struct baseline *b);

/*
 * 1 when path is a YAML file whose top-level mapping has a `baseline` key and
 * no `plan` key (so
 * `shakedown validate` can tell a baseline from a plan), 0 otherwise (also
 * when it cannot be read or parsed).
 */
int baseline_sniff(const char *path);

/*
 * Check a baseline against a plan and its probes' self-descriptions. Errors:
 * a threshold's unit that does not fit the described metric,
 *   h100.yaml:12:10: 'TB/s' does not fit metric 'sysinfo.memory_total' (unit B)
 * Warnings (a check that will be skipped or cannot match): no step of the plan
 * runs the check's step or probe; the probe describes no such metric
 * (described names may be patterns: `<dtype>_<m>x<n>x<k>`, each <...> matching
 * one or more characters). Checks on BASELINE_INVENTORY_PROBE are checked
 * against that probe even without a step: the runner always takes an
 * inventory. Returns 0 when no error was added.
 */
int baseline_check_plan(const struct baseline *b, const struct plan *p, struct catalog *c, struct diags *errors,
			struct diags *warnings);

/*
 * 1 when b's `match` holds for the inventory (the sysinfo result document),
 * 0 otherwise (also without a `match`); why says what held or did not.
 */
int baseline_match_inventory(const struct baseline *b, const cJSON *inventory, char *why, size_t len);

/*
 * `baseline: auto`: the first .yaml file in dir (sorted by name) whose
 * `match` holds for the inventory. When none does and the node has no GPU
 * (the gpus metric is 0 and no NVIDIA GPU is on the PCI bus), dir/generic-cpu.yaml.
 * Returns its path (caller frees) with why saying why it was chosen, or NULL
 * with why saying why none was (files that do not load are passed over).
 */
char *baseline_auto(const char *dir, const cJSON *inventory, char *why, size_t len);

/*
 * Where `baseline: auto` looks: $SHAKEDOWN_BASELINES, else ROOT/suites/baselines
 * of the runner's installation (paths.h). NULL when neither exists; caller frees.
 */
char *baseline_dir_default(void);

/* The RUNBOOKS directory for a baseline file (see the top of this file), or NULL; caller frees. */
char *baseline_runbooks_dir(const char *baseline_path);

/*
 * The threshold for people, with unitless bounds shown in unit (NULL: as
 * c->unit), e.g. ">= 2.51 TB/s (0.75 × spec.hbm_bw 3.35 TB/s)". Returns buf.
 */
const char *baseline_threshold_text(const struct baseline_check *c, const char *unit, char *buf, size_t len);

/* "min", "max", "range", "equals", "max_cv". */
const char *baseline_kind_name(enum baseline_kind k);

#endif
