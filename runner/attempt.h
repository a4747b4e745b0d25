/*
 * attempt.h - run one probe once, supervised, and turn whatever happened into
 * an attempt record. Every way a probe can misbehave (crash, hang, no output,
 * garbage, a document that breaks the protocol, too much output) becomes
 * status "error" with a precise reason; the caller's run goes on. Under a
 * launcher (mpirun, srun) the reason names the launcher, and its own failures
 * (not found, a host it cannot reach, an allocation it cannot get) end with
 * its message: the last line it logged outside Open MPI's dashed help boxes,
 * or the first paragraph of the last box when there is nothing else.
 */
#ifndef SD_ATTEMPT_H
#define SD_ATTEMPT_H

#include <signal.h>
#include <stdint.h>

#include <cJSON.h>

struct probe_desc;
struct plan_param;
struct plan_launcher;

struct attempt_opts {
	const struct probe_desc *probe;
	const struct plan_param *params; /* passed as --name=value, never through a shell */
	size_t nparams;
	const struct plan_launcher *launcher; /* how the probe is started (launch.h); NULL: directly */
	uint64_t timeout_ns;		      /* 0: none */
	int stderr_fd;			      /* the probe's stderr; -1: inherit none */
	const char *log_path;		      /* read back for the last log line in error reasons; may be NULL */
	volatile sig_atomic_t *interrupt;     /* set by the runner's signal handler; may be NULL */
	void (*tick)(void *arg, double elapsed_s);
	void *tick_arg;
};

/*
 * Returns a new object (caller owns):
 *   {"status": ok|skipped|failed|error|interrupted, "reason": string|null,
 *    "wall_s": n, "exit": {"code": n|null, "signal": n|null}, "result": probe document|null}
 * A probe whose description says per_gpu, started on this machine (no
 * launcher, or a local one), runs once per GPU at once and the instances
 * are merged into the one attempt returned (pergpu.h).
 */
cJSON *attempt_run(const struct attempt_opts *o);

/*
 * The attempt for one node of a fan-out (runner/fanout.h), from the record
 * the node's agent sent (runner/agent/node.c): how its probe ended and what
 * it printed, judged as attempt_run() judges a local probe. A record with
 * "gpus" (one per GPU: the agent's --per-gpu) is judged per GPU and merged
 * (pergpu.h). A record with
 * "lost" (the node sent nothing in time) is an error with that reason.
 * Uses o->probe; returns a new object like attempt_run's (caller owns).
 */
cJSON *attempt_from_record(const struct attempt_opts *o, const cJSON *rec);

/* An attempt with status and reason and nothing else (a node that did not run it); caller owns. */
cJSON *attempt_none(const char *status, const char *reason);

#endif
