/*
 * plan.h - a plan: which probes to run, with which parameters, how often and
 * for how long. The format is documented for users in suites/README.md.
 *
 * plan_load() reads a YAML file (and the files it includes) into a struct plan,
 * reporting EVERY error it finds as "file:line:col: message" so that
 * `shakedown validate` can show them all at once. It checks the plan's own
 * structure and values; whether each probe exists and accepts the parameters
 * given is checked afterwards against the probes' self-descriptions
 * (catalog_check_plan()), which is why every step and parameter keeps the
 * file, line and column it was written at.
 *
 * The command line edits a loaded plan with plan_set() (--set) and then
 * plan_only() (--only); apply --set first, so that it may name any step.
 */
#ifndef SD_PLAN_H
#define SD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define PLAN_DEFAULT_TIMEOUT_NS (10ULL * 60 * 1000000000ULL) /* 10m */
#define PLAN_DEFAULT_REPEAT 1U
#define PLAN_MAX_REPEAT 10000U
#define PLAN_MAX_INCLUDE_DEPTH 16
#define PLAN_MAX_FILE_SIZE (4U << 20) /* bytes, per file */

struct plan_param {
	char *name, *value;	   /* a YAML list is joined with ',' into one value */
	char *file;		   /* where it was written; "--set 'STEP.PARAM=VALUE'" for --set (marks 0) */
	int line, col;		   /* of the name: for "unknown parameter" */
	int value_line, value_col; /* of the value: for "invalid value" */
};

/*
 * How a step's probe is started (suites/README.md "launcher"): directly
 * (local), or through mpirun or srun on many ranks. The command line itself
 * is built by launch.h.
 */
enum plan_launcher_kind { PLAN_LAUNCH_LOCAL, PLAN_LAUNCH_MPIRUN, PLAN_LAUNCH_SRUN };

struct plan_launcher {
	enum plan_launcher_kind kind;
	long long np;			  /* mpirun -np; 0: not given (mpirun decides) */
	char *hostfile;			  /* mpirun --hostfile, resolved from the plan's directory; NULL: not given */
	long long nodes, ntasks_per_node; /* srun --nodes, --ntasks-per-node; 0: not given */
	char **args;			  /* extra launcher arguments, placed before the probe */
	size_t nargs;
	int given; /* set by a `launcher:` key (a step's own, or a defaults'), not the built-in local */
};

struct plan_step {
	char *id, *probe;
	struct plan_param *params; /* in the order written; --set replaces in place or appends */
	size_t nparams;
	unsigned repeat;	       /* effective: the step's own, else the nearest defaults, else 1 */
	uint64_t timeout_ns;	       /* effective, > 0: the step's own, else the nearest defaults, else 10m */
	struct plan_launcher launcher; /* effective, like timeout: the step's own replaces the defaults' whole */
	char *file;		       /* the file that holds the step (an included file for included steps) */
	int line, col;		       /* of the step */
	int probe_line, probe_col;     /* of the probe's name */
};

struct plan_requires {
	long long gpus_per_node; /* -1: unset */
	uint64_t min_memory;	 /* bytes; 0: unset */
	long long min_cpus;	 /* -1: unset */
};

/*
 * The nodes a multi-node plan runs on (suites/README.md "nodes"): exactly one
 * source. Node-local steps run on every node at once, one rank per node,
 * through the launcher (mpirun for hostfile/hosts, srun for slurm); steps with
 * their own `launcher:` are collective and run once across all nodes.
 */
enum plan_nodes_source { PLAN_NODES_NONE, PLAN_NODES_HOSTFILE, PLAN_NODES_HOSTS, PLAN_NODES_SLURM };
enum plan_node_failure { PLAN_NODE_FAILURE_EXCLUDE, PLAN_NODE_FAILURE_ABORT };

struct plan_nodes {
	enum plan_nodes_source source; /* NONE: a single-node plan */
	char *hostfile;		       /* HOSTFILE: resolved from the plan's directory */
	char **hosts;		       /* HOSTFILE (read at load) and HOSTS: the node names, each once, in order */
	size_t nhosts;
	char *partition;       /* SLURM: srun --partition; NULL: the current allocation's */
	long long slurm_nodes; /* SLURM: srun --nodes; 0: the allocation's */
	char **args;	       /* `launcher_args`: extra mpirun/srun arguments for every fan-out */
	size_t nargs;
	enum plan_node_failure on_failure; /* default EXCLUDE */
	int locate;			   /* pairwise locator for failing collective steps */
};

#define PLAN_MAX_NODES 65536

struct plan {
	char *path;		     /* as given to plan_load() */
	char *name;		     /* `plan:` */
	char *description;	     /* NULL when not given */
	char *baseline;		     /* NULL, "auto", or a path (as written in the plan, resolved from its directory) */
	uint64_t default_timeout_ns; /* the top-level `defaults:` (10m when not given) */
	unsigned default_repeat;     /* likewise (1) */
	struct plan_requires req;    /* the plan's and every included file's, the larger value winning */
	struct plan_step *steps;     /* in run order, included steps spliced in */
	size_t nsteps;
	char **files; /* every file read, the plan first, each once: for provenance */
	size_t nfiles;
	struct plan_nodes nodes; /* source NONE unless the plan has `nodes:` */
};

/*
 * Load the plan at path into p (which need not be initialised). Returns 0 when
 * no error was added to d, -1 otherwise; p is filled as far as it could be in
 * both cases and must be released with plan_release(). After errors p holds
 * only the steps whose id and probe were valid and new, so the probe checks
 * can still run over it. Environment variables in values are expanded from
 * getenv() (subst.h).
 */
int plan_load(const char *path, struct plan *p, struct diags *d);

/* "local", "mpirun", "srun". */
const char *plan_launcher_kind_name(enum plan_launcher_kind k);

/* Copy *from into *to (which holds nothing), strings included; release with plan_launcher_release(). */
void plan_launcher_copy(struct plan_launcher *to, const struct plan_launcher *from);
void plan_launcher_release(struct plan_launcher *l);

/* Append a copy of a to l's extra arguments. */
void plan_launcher_add_arg(struct plan_launcher *l, const char *a);

/* "hostfile", "hosts", "slurm" (NONE: "none"); "exclude", "abort". */
const char *plan_nodes_source_name(enum plan_nodes_source s);
const char *plan_node_failure_name(enum plan_node_failure f);

/* Free everything p holds; p may then be loaded again. */
void plan_release(struct plan *p);

/* The step with this id, or NULL. */
struct plan_step *plan_find_step(const struct plan *p, const char *id);

/*
 * --set STEP.PARAM=VALUE: STEP is a step id (ids may contain '.'; the last '.'
 * before '=' separates the parameter). PARAM "repeat" and "timeout" set the
 * step's repeat count and timeout (checked as in a plan); any other PARAM
 * sets or replaces a `with:` parameter, whose value is checked later against
 * the probe. Returns 0, or -1 after adding an error to d (p is then unchanged):
 *   --set 'hostmembw.size=1GiB': unknown step 'hostmembw' (did you mean 'host-membw'?)
 */
int plan_set(struct plan *p, const char *assignment, struct diags *d);

/*
 * --only ID,ID,...: keep only the named steps, in plan order (not the order
 * listed). Blanks around ids are ignored. Returns 0, or -1 after adding an
 * error for every unknown id (p is then unchanged):
 *   --only: unknown step 'gem' (did you mean 'gemm'?)
 */
int plan_only(struct plan *p, const char *csv_ids, struct diags *d);

#endif
