/*
 * probe.h - the probe library: a probe is one table, the library does the rest.
 *
 * Adding a new probe:
 *  1. Create probes/<name>/<name>.c defining
 *         const struct probe_ops probe_ops = { .name = ..., .run = ... };
 *     with designated initialisers (name, version, description, params, metrics,
 *     run). Keep its state in the file: static functions, no globals shared out.
 *     The Makefile builds every directory under probes/ (except lib/) into
 *     $(BUILDDIR)/bin/probes/<name>; nothing else needs to know the probe exists.
 *  2. Extra libraries: add `PROBE_LIBS_<name> := ...` to the Makefile and the
 *     Debian package to DEB_RUN there.
 *  3. Write each metric's formula and unit in probes/METRICS.md; cite it in code.
 *  4. Add a runbook for each way it can fail, under runbooks/.
 *  5. Tests: tests/unit/test_<name>.c for its logic; tests/e2e/probes.sh runs
 *     every built probe and validates its output against
 *     probes/schema/probe-result.schema.json without being told about it.
 *
 * The library owns main(): it parses --PARAM=VALUE against params[] (types are
 * checked with units.h, so a size or duration means the same as in a plan),
 * answers --describe, --help and --version, times the run and prints exactly
 * one JSON document on stdout (probes/PROTOCOL.md). Logs go to stderr.
 *
 * run() reports through the calls below and returns 0; on an error it returns
 * probe_error(ctx, ...), which records status "error" and returns -1.
 * Statuses (PROTOCOL.md): ok, skipped (could not apply here: no GPU...),
 * failed (measured, and what it found is wrong: bad data, wrong results),
 * error (could not measure).
 */
#ifndef SD_PROBE_H
#define SD_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#define PROBE_PROTOCOL_VERSION 1

enum probe_ptype {
	PT_STRING,   /* any text */
	PT_INT,	     /* decimal integer */
	PT_FLOAT,    /* decimal number */
	PT_BOOL,     /* true/false */
	PT_SIZE,     /* bytes, with units: 4KiB, 1GiB, 1GB */
	PT_DURATION, /* 500ms, 90s, 15m */
	PT_ENUM,     /* one of choices */
	PT_LIST,     /* comma-separated list; each item one of choices when choices is set */
};

struct probe_param {
	const char *name;
	enum probe_ptype type;
	const char *def;     /* default as text; NULL: unset unless given */
	const char *help;    /* one line */
	const char *choices; /* PT_ENUM, PT_LIST: "cpu|gpu|auto" */
	int required;	     /* must be given (def is then NULL) */
};

struct probe_metric_desc {
	const char *name;   /* a name, or a pattern with <fields>: "<dtype>_<m>x<n>x<k>" */
	const char *unit;   /* one of the units in protocol.h */
	const char *better; /* "higher" or "lower" */
	const char *help;   /* one line: what it is, how it is computed (see METRICS.md) */
};

struct probe_ctx;

struct probe_ops {
	const char *name;
	const char *version;
	const char *description;		 /* one line */
	const struct probe_param *params;	 /* ends with { NULL } */
	const struct probe_metric_desc *metrics; /* ends with { NULL } */
	int (*run)(struct probe_ctx *ctx);
	/*
	 * 1: the probe measures one GPU; the runner starts one instance per GPU
	 * of the node at once, each seeing only its own (PROTOCOL.md "One
	 * instance per GPU"). 0: one instance per node drives every GPU.
	 */
	int per_gpu;
};

/* Defined by each probe. */
extern const struct probe_ops probe_ops;

/* Parameters, already validated against params[]. probe_str returns NULL when unset. */
const char *probe_str(struct probe_ctx *ctx, const char *name);
int probe_is_set(struct probe_ctx *ctx, const char *name);
long long probe_int(struct probe_ctx *ctx, const char *name);
double probe_float(struct probe_ctx *ctx, const char *name);
int probe_bool(struct probe_ctx *ctx, const char *name);
uint64_t probe_size(struct probe_ctx *ctx, const char *name);
uint64_t probe_duration_ns(struct probe_ctx *ctx, const char *name);
/* PT_LIST: number of items and item i (owned by ctx). */
size_t probe_list_len(struct probe_ctx *ctx, const char *name);
const char *probe_list_item(struct probe_ctx *ctx, const char *name, size_t i);

/* Verdicts. The reason is one lower-case line. The last verdict call wins. */
__attribute__((format(printf, 2, 3))) void probe_skip(struct probe_ctx *ctx, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void probe_fail(struct probe_ctx *ctx, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) int probe_error(struct probe_ctx *ctx, const char *fmt, ...);

/*
 * Metrics. probe_metric() adds one (owned by ctx) and returns it; name+labels
 * must be unique within a run. Add samples (one per repetition) and/or set the
 * value; when no value is set the value is the median of the samples.
 */
struct probe_metric;
struct probe_metric *probe_metric(struct probe_ctx *ctx, const char *name, const char *unit, const char *better);
void probe_metric_label(struct probe_metric *m, const char *key, const char *value);
void probe_metric_sample(struct probe_metric *m, double v);
void probe_metric_value(struct probe_metric *m, double v);
/* Shortcut: a metric with one value. */
struct probe_metric *probe_metric_set(struct probe_ctx *ctx, const char *name, const char *unit, const char *better,
				      double v);

/* A time series for charts (t in seconds since the probe started). Owned by ctx. */
struct probe_series;
struct probe_series *probe_series(struct probe_ctx *ctx, const char *name, const char *unit);
void probe_series_label(struct probe_series *s, const char *key, const char *value);
/* Add a point: t for a time series, x for one made by probe_series_xy. */
void probe_series_add(struct probe_series *s, double t, double v);
/*
 * A series over something other than time (transfer size, arithmetic
 * intensity): x in x_unit, a protocol unit or "FLOP/B"/"OP/B". Owned by ctx.
 */
struct probe_series *probe_series_xy(struct probe_ctx *ctx, const char *name, const char *unit, const char *x_unit);
/* Hints for the report's chart: log_axes draws both axes logarithmic; points draws markers, not a line. */
void probe_series_draw(struct probe_series *s, int log_axes, int points);

/* Environment facts: a JSON object owned by ctx; add to it with cJSON calls. */
cJSON *probe_env(struct probe_ctx *ctx);

/*
 * Fault injection, for tests: whether "<probe>.<fault>" is listed in the
 * comma-separated environment variable SHAKEDOWN_FAULT. A probe calls it where
 * a fault would show (probe_fault(ctx, "corrupt") before validating a result),
 * so a test can prove a wrong answer fails the probe. A fault that fires is
 * logged and listed in env.faults_injected, so no result hides it.
 */
#define PROBE_FAULT_ENV "SHAKEDOWN_FAULT"
int probe_fault(struct probe_ctx *ctx, const char *fault);

/*
 * Launched on many ranks (mpirun, srun: runner/launch.h), every rank runs the
 * probe, and only rank 0 prints the result document; the others print none
 * and exit 0 (a rank that fails should make rank 0's document say so, e.g.
 * by gathering over MPI, which the probe does itself). probe_rank() is the
 * rank from the first of OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK,
 * SLURM_PROCID that is set and non-empty; -1 when none is (not launched so,
 * or a value that is not a rank). Launched, log lines say the rank:
 * "sysinfo[1]: ...".
 */
int probe_rank(void);

/* Log a line to stderr, prefixed with the probe name (and "[RANK]" when launched on many ranks). */
__attribute__((format(printf, 2, 3))) void probe_log(struct probe_ctx *ctx, const char *fmt, ...);

/* Monotonic clock in seconds, and seconds since the probe started. */
double probe_now(void);
double probe_elapsed(struct probe_ctx *ctx);

#endif
