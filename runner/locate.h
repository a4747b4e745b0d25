/*
 * locate.h - find the node or link behind a collective step that failed
 * across many nodes (plan `nodes: {locate: true}`), as nccl-tests' maintainers
 * advise doing by hand: run the same step on pairs of nodes and compare.
 *
 * Schedule: the live nodes in order form a ring, L0-L1, L1-L2, ..., L(m-1)-L0
 * (m pairs, each node in exactly two; m = 2 gives one pair). The pairs are
 * run in rounds of disjoint pairs, every pair of a round at once: the even
 * ring positions, then the odd ones, then (m odd) the closing pair. So the
 * whole search is m pair runs in 2 or 3 rounds: O(N) tests, O(1) rounds.
 *
 * Judging (probes/METRICS.md "Across nodes"): a pair's value is the largest
 * value of the step's metric in its result (e.g. busbw over message sizes).
 * The reference is the 75th percentile (nearest rank) of the values of the
 * pairs that ran ok: robust while fewer than a quarter of the pairs are slow,
 * and one bad node makes 2 of m. A pair is slow when it did not run ok, has
 * no value, or its value is below (1 - LOCATE_TOLERANCE) x reference. A node
 * is a suspect when all of its pairs (at least two) are slow; a slow pair
 * between two nodes that are not suspects is a suspect link.
 */
#ifndef SD_LOCATE_H
#define SD_LOCATE_H

#include <cJSON.h>

#include "attempt.h"
#include "fanout.h"

#define LOCATE_TOLERANCE 0.15
#define LOCATE_MAX_PARALLEL 64

/*
 * Run o's probe (o->launcher: the step's own launcher, before placement) on
 * the pairs of f's live nodes and judge them by metric (NULL: the first
 * metric of the first result). Returns the results.json "locate" entry
 * (runner/RESULTS.md; caller owns):
 *   {"step", "metric", "reference", "tolerance", "pairs": [{"a", "b", "round",
 *    "status", "value", "slow"}], "suspect_nodes": [{"host", "reason"}],
 *    "suspect_links": [{"a", "b", "reason"}]}
 */
cJSON *locate_run(struct fanout *f, const char *step_id, const struct attempt_opts *o, const char *metric);

/* The suspects as one line for the terminal ("suspect node n2: slow in 2 of 2 pairs"); caller frees. */
char *locate_summary(const cJSON *loc);

#endif
