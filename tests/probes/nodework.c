/*
 * nodework.c - a test probe for multi-node plans (tests/e2e/nodes.sh): it
 * reports a bandwidth-like metric whose value depends on the node it runs on
 * ($SHAKEDOWN_NODE, set by the runner's node agent), so a test can plant one
 * slow node among its peers, or a node that hangs, crashes, or dies with its
 * agent (the node going away mid-step).
 *
 *   rate        `base` (B/s) times 1 ± `noise` (a fixed pseudo-random
 *               spread per node name, so runs are repeatable), times
 *               `slow_factor` on `slow_node`
 *   hang_node   sleeps `seconds` there (a hung probe: the agent's timeout)
 *   crash_node  dies of SIGSEGV there
 *   die_node    kills its parent (the node agent) and exits there: to the
 *               launcher the node is gone mid-step; with `down_file` it
 *               first creates that file (the test's fake remote shell then
 *               refuses the node: it stays gone)
 *
 * A real probe of the probe library; the runner treats it like any other.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static const struct probe_param params[] = {
	{ .name = "base", .type = PT_FLOAT, .def = "10e9", .help = "the rate every node reports (B/s)" },
	{ .name = "noise", .type = PT_FLOAT, .def = "0.02", .help = "relative spread between nodes, 0..0.5" },
	{ .name = "slow_node", .type = PT_STRING, .def = "", .help = "the node that reports slow_factor times less" },
	{ .name = "slow_factor", .type = PT_FLOAT, .def = "0.6", .help = "how much slower the slow node is" },
	{ .name = "hang_node", .type = PT_STRING, .def = "", .help = "the node where the probe hangs" },
	{ .name = "crash_node", .type = PT_STRING, .def = "", .help = "the node where the probe crashes" },
	{ .name = "die_node", .type = PT_STRING, .def = "", .help = "the node whose agent dies mid-step" },
	{ .name = "down_file", .type = PT_STRING, .def = "", .help = "file die_node creates before it dies" },
	{ .name = "seconds", .type = PT_DURATION, .def = "60s", .help = "how long hang_node hangs" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ .name = "rate", .unit = "B/s", .better = "higher", .help = "base, per-node noise, slow_factor on slow_node" },
	{ .name = NULL },
};

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0";
}

/* A number in [-1, 1) fixed by the node's name (FNV-1a). */
static double spread(const char *node)
{
	unsigned h = 2166136261u;

	for (; *node; node++)
		h = (h ^ (unsigned char)*node) * 16777619u;
	return (double)(h % 20001u) / 10000.0 - 1.0;
}

static int is(struct probe_ctx *ctx, const char *param, const char *node)
{
	const char *v = probe_str(ctx, param);

	return v && *v && !strcmp(v, node);
}

static int run(struct probe_ctx *ctx)
{
	const char *node = getenv("SHAKEDOWN_NODE");
	struct probe_metric *m;
	double v;
	uint64_t ns;
	struct timespec ts;

	node = node ? node : "";
	if (is(ctx, "crash_node", node))
		raise(SIGSEGV);
	if (is(ctx, "die_node", node)) {
		if (*probe_str(ctx, "down_file"))
			close(open(probe_str(ctx, "down_file"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		kill(getppid(), SIGKILL);
		_exit(1);
	}
	if (is(ctx, "hang_node", node)) {
		ns = probe_duration_ns(ctx, "seconds");
		ts.tv_sec = (time_t)(ns / 1000000000ULL);
		ts.tv_nsec = (long)(ns % 1000000000ULL);
		while (nanosleep(&ts, &ts))
			;
	}
	v = probe_float(ctx, "base") * (1.0 + probe_float(ctx, "noise") * spread(node));
	if (is(ctx, "slow_node", node))
		v *= probe_float(ctx, "slow_factor");
	m = probe_metric(ctx, "rate", "B/s", "higher");
	probe_metric_sample(m, v);
	probe_log(ctx, "node '%s' rate %.3g B/s", node, v);
	return 0;
}

const struct probe_ops probe_ops = {
	.name = "nodework",
	.version = "1.0",
	.description = "test probe: a per-node rate with a planted slow, hung, crashed or dead node",
	.params = params,
	.metrics = metrics,
	.run = run,
};
