/*
 * fanout.h - the nodes of a multi-node plan (suites/README.md "nodes") and
 * running one step on all of them at once.
 *
 * A node-local step runs through the agent (runner/agent/node.c), one rank
 * per live node, under mpirun (hostfile, hosts) or srun (slurm):
 *
 *   mpirun [...] -np N --hostfile RUN/nodes.hosts --map-by ppr:1:node [ARGS] shakedown-node --timeout-ms=T -- PROBE
 * --p=v... srun [...] --nodes=N --ntasks-per-node=1 [--exclude=H,...] [ARGS] shakedown-node --timeout-ms=T -- PROBE
 * --p=v...
 *
 * and each node's record becomes that node's attempt (attempt_from_record).
 * A probe whose description says per_gpu gets --per-gpu: the agent runs one
 * instance per GPU of its node and the runner merges them (pergpu.h).
 * The launcher runs under the supervisor with the step's timeout plus
 * FANOUT_SLACK_S, so the run never hangs on it.
 *
 * Node failures: a node that sent no record, or a record saying it was lost,
 * is pinged (the agent's --ping, alone on that node, FANOUT_PING_TIMEOUT_S).
 * A node that does not answer is `unreachable`; one that answers but was lost
 * is `timeout`; one that answers and merely had its job ended by the launcher
 * (another node failed) keeps running later steps. Failed nodes are left out
 * of every later fan-out and collective step (on_node_failure: exclude), or
 * the run stops (abort: fanout_failed() tells the runner).
 *
 * The agent is found beside the runner executable (bin/shakedown-node);
 * $SHAKEDOWN_AGENT overrides.
 */
#ifndef SD_FANOUT_H
#define SD_FANOUT_H

#include <stddef.h>

#include <cJSON.h>

#include "attempt.h"
#include "plan.h"

#define FANOUT_SLACK_S 60
#define FANOUT_PING_TIMEOUT_S 30

struct fanout_node {
	char *host;	   /* the plan's name for it (hostfile, hosts) or what its agent reported (slurm) */
	const char *state; /* "ok", "unreachable", "timeout", "excluded" (static) */
	char *reason;	   /* why it is not ok; NULL when ok */
	int fresh_failure; /* failed in the last fan-out (cleared when fanout_attempt starts) */
};

struct fanout {
	const struct plan_nodes *pn; /* borrowed */
	struct fanout_node *nodes;
	size_t n;
	char *agent;	/* absolute path of shakedown-node */
	char *hostfile; /* RUN/nodes.hosts, rewritten with the live nodes before each mpirun */
};

/*
 * Set up f for the plan's nodes; the run directory holds the generated
 * hostfile. Returns 0, or -1 with err (no agent: MPI was not built).
 * For slurm the node list is learnt from the first fan-out. Release with
 * fanout_release().
 */
int fanout_init(struct fanout *f, const struct plan_nodes *pn, const char *run_dir, char *err, size_t len);
void fanout_release(struct fanout *f);

/* Nodes still taking part. */
size_t fanout_live(const struct fanout *f);

/* Mark node i as not taking part from now on (state is static text, reason copied). */
void fanout_exclude(struct fanout *f, size_t i, const char *state, const char *reason);

/*
 * Run o's probe once on every live node. Sets out[i] to node i's attempt (a
 * new object) for every node that was live, NULL for the others; out must
 * have room for f->n entries after the call (f->n can grow on the first
 * slurm fan-out: pass an array of FANOUT_MAX_OUT(f) entries). Returns the
 * number of nodes that failed in this fan-out (now unreachable or timeout).
 */
#define FANOUT_MAX_OUT(f) ((f)->n ? (f)->n : (size_t)PLAN_MAX_NODES)
size_t fanout_attempt(struct fanout *f, const struct attempt_opts *o, cJSON **out);

/*
 * The launcher for a collective step of a multi-node plan, into *to: the
 * step's own, plus what places it on the live nodes where the step did not
 * say (mpirun: the generated hostfile, -np one per live node and
 * --map-by ppr:1:node; srun: --nodes and --exclude of failed nodes).
 * Release with plan_launcher_release().
 */
void fanout_collective_launcher(struct fanout *f, const struct plan_launcher *step, struct plan_launcher *to);

#endif
