/*
 * gpuwork.c - a test probe that measures one GPU (its --describe says
 * "per_gpu": true), for tests/e2e/pergpu.sh and nodes.sh: the runner and the
 * node agent must start one instance per GPU of the node (the stand-in NVML
 * library plays the GPUs: tests/fakes/fake_nvml.c), each seeing only its own.
 *
 * It reports what it was given: env.visible (CUDA_VISIBLE_DEVICES) and
 * env.gpu (SHAKEDOWN_GPU), a metric `rate` of `base` times (1 + gpu / 100)
 * labelled gpu=0 (as a CUDA program that sees one device counts it), and
 *
 *   fail_gpu   on that GPU: status failed, "gpu self-test failed"
 *   crash_gpu  on that GPU: dies of SIGSEGV
 *
 * It errors when it sees no single GPU (CUDA_VISIBLE_DEVICES unset, or a
 * list), so a runner that did not split the node fails the test. A real
 * probe of the probe library; the runner treats it like any other.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

static const struct probe_param params[] = {
	{ .name = "base", .type = PT_FLOAT, .def = "1e12", .help = "the rate GPU 0 reports (B/s)" },
	{ .name = "fail_gpu", .type = PT_STRING, .def = "", .help = "the GPU whose self-test fails" },
	{ .name = "crash_gpu", .type = PT_STRING, .def = "", .help = "the GPU whose instance crashes" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ .name = "rate", .unit = "B/s", .better = "higher", .help = "base times (1 + gpu / 100)" },
	{ .name = NULL },
};

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0";
}

static int run(struct probe_ctx *ctx)
{
	const char *vis = getenv("CUDA_VISIBLE_DEVICES"), *gpu = getenv("SHAKEDOWN_GPU");
	cJSON *env = probe_env(ctx);
	struct probe_metric *m;

	cJSON_AddStringToObject(env, "visible", vis ? vis : "");
	cJSON_AddStringToObject(env, "gpu", gpu ? gpu : "");
	if (!vis || !*vis || strchr(vis, ',') || !gpu || strcmp(vis, gpu))
		return probe_error(ctx, "expected one GPU in CUDA_VISIBLE_DEVICES and SHAKEDOWN_GPU, got '%s' and '%s'",
				   vis ? vis : "(unset)", gpu ? gpu : "(unset)");
	if (!strcmp(probe_str(ctx, "crash_gpu"), gpu))
		raise(SIGSEGV);
	m = probe_metric(ctx, "rate", "B/s", "higher");
	probe_metric_label(m, "gpu", "0");
	probe_metric_sample(m, probe_float(ctx, "base") * (1.0 + strtod(gpu, NULL) / 100.0));
	if (!strcmp(probe_str(ctx, "fail_gpu"), gpu))
		probe_fail(ctx, "gpu self-test failed");
	probe_log(ctx, "gpu %s of '%s'", gpu, vis);
	return 0;
}

const struct probe_ops probe_ops = {
	.name = "gpuwork",
	.version = "1.0",
	.description = "test probe: measures the one GPU it is given (per_gpu)",
	.params = params,
	.metrics = metrics,
	.run = run,
	.per_gpu = 1,
};
