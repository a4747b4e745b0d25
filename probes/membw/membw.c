/*
 * membw.c - the membw probe: memory bandwidth on every path data takes.
 *
 * target cpu: STREAM on host memory, whole machine and per NUMA node pair
 * (host.c, stream.c). target gpu: device STREAM, PCIe and peer-to-peer
 * (gpu.c, gpu.cu). target auto: the host, then the GPUs when there are any.
 * Metrics and formulas: probes/METRICS.md, section `membw`.
 */
#include "gpu.h"
#include "host.h"
#include "probe.h"
#include "stream.h"

#include <string.h>

static const struct probe_param params[] = {
	{ .name = "target",
	  .type = PT_ENUM,
	  .def = "auto",
	  .choices = "cpu|gpu|auto",
	  .help = "cpu: host memory; gpu: GPU memory and links; auto: host, and GPUs when present" },
	{ .name = "paths",
	  .type = PT_LIST,
	  .def = "stream,numa,device,pcie,p2p",
	  .choices = "stream|numa|device|pcie|p2p",
	  .help = "what to measure: stream (host, all cores), numa (host, each NUMA node pair), "
		  "device (GPU STREAM, d2d), pcie (host<->GPU), p2p (GPU<->GPU)" },
	{ .name = "size",
	  .type = PT_SIZE,
	  .help = "bytes per host array (default: 4x the last-level caches, at least 64 MiB)" },
	{ .name = "gpu_size",
	  .type = PT_SIZE,
	  .def = "1GiB",
	  .help = "bytes per GPU array, and the largest host<->GPU transfer" },
	{ .name = "threads",
	  .type = PT_INT,
	  .def = "0",
	  .help = "host threads (0: one per core this process may use)" },
	{ .name = "reps",
	  .type = PT_INT,
	  .def = "10",
	  .help = "repetitions of each kernel; the best counts, the first is not counted (>= 2)" },
	{ .name = "nt_stores",
	  .type = PT_BOOL,
	  .def = "true",
	  .help = "host kernels write with non-temporal (streaming) stores where the CPU has them" },
	{ .name = "far",
	  .type = PT_BOOL,
	  .def = "true",
	  .help = "also measure host<->GPU from the NUMA node farthest from each GPU" },
	{ .name = "sweep",
	  .type = PT_BOOL,
	  .def = "true",
	  .help = "host<->GPU bandwidth-vs-size series, 4 KiB to gpu_size" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ "copy", "B/s", "higher", "STREAM copy c=a, 16 B/element; {gpu} on a GPU" },
	{ "scale", "B/s", "higher", "STREAM scale b=s*c, 16 B/element; {gpu} on a GPU" },
	{ "add", "B/s", "higher", "STREAM add c=a+b, 24 B/element; {gpu} on a GPU" },
	{ "triad", "B/s", "higher", "STREAM triad a=b+s*c, 24 B/element; {gpu} on a GPU" },
	{ "numa_triad", "B/s", "higher", "host triad, threads on NUMA node {cpu}, memory on node {mem}" },
	{ "numa_balance", "ratio", "higher", "slowest over fastest NUMA node's local triad" },
	{ "wrong_elements", "count", "lower", "array elements that differ from the expected value after the kernels" },
	{ "d2d", "B/s", "higher", "device-to-device cudaMemcpy {gpu}, 2 x bytes copied" },
	{ "triad_of_peak", "ratio", "higher", "device triad over the HBM peak {gpu}" },
	{ "hbm_peak", "B/s", "higher", "HBM peak from NVML memory clock and bus width {gpu}" },
	{ "h2d", "B/s", "higher", "host->device, pinned, copy engine, NUMA node nearest the GPU {gpu}" },
	{ "d2h", "B/s", "higher", "device->host, pinned, copy engine, NUMA node nearest the GPU {gpu}" },
	{ "bidir", "B/s", "higher", "host<->device both directions at once, copy engines, sum of both {gpu}" },
	{ "h2d_sm", "B/s", "higher", "host->device by a kernel reading mapped pinned memory {gpu}" },
	{ "d2h_sm", "B/s", "higher", "device->host by a kernel writing mapped pinned memory {gpu}" },
	{ "h2d_far", "B/s", "higher", "h2d with the host buffer on the farthest NUMA node {gpu,numa}" },
	{ "d2h_far", "B/s", "higher", "d2h with the host buffer on the farthest NUMA node {gpu,numa}" },
	{ "h2d_of_peak", "ratio", "higher", "h2d over the PCIe link's theoretical bandwidth {gpu}" },
	{ "d2h_of_peak", "ratio", "higher", "d2h over the PCIe link's theoretical bandwidth {gpu}" },
	{ "pcie_peak", "B/s", "higher",
	  "PCIe link's theoretical bandwidth per direction at its current gen/width {gpu}" },
	{ "pcie_gen", "count", "higher", "PCIe generation the link trained at {gpu}" },
	{ "pcie_width", "count", "higher", "PCIe lanes the link trained at {gpu}" },
	{ "pcie_gen_max", "count", "higher", "highest PCIe generation of the link {gpu}" },
	{ "pcie_width_max", "count", "higher", "widest PCIe width of the link {gpu}" },
	{ "p2p", "B/s", "higher", "GPU {src} -> GPU {dst} cudaMemcpyPeer {p2p: enabled|disabled}" },
	{ "p2p_bidir", "B/s", "higher", "GPU {src} <-> GPU {dst} both directions at once, sum {p2p}" },
	{ NULL },
};

static int want(struct probe_ctx *ctx, const char *path)
{
	size_t i, n = probe_list_len(ctx, "paths");

	for (i = 0; i < n; i++)
		if (!strcmp(probe_list_item(ctx, "paths", i), path))
			return 1;
	return 0;
}

static int run_host(struct probe_ctx *ctx, int reps)
{
	struct membw_host_opts o = {
		.size = probe_is_set(ctx, "size") ? probe_size(ctx, "size") : 0,
		.threads = (unsigned)probe_int(ctx, "threads"),
		.reps = reps,
		.nt_stores = probe_bool(ctx, "nt_stores"),
		.stream = want(ctx, "stream"),
		.numa = want(ctx, "numa"),
	};

	if (!o.stream && !o.numa)
		return 0;
	return membw_host(ctx, &o);
}

static int run_gpu(struct probe_ctx *ctx, int reps, int required)
{
	struct membw_gpu_opts o = {
		.size = probe_size(ctx, "gpu_size"),
		.reps = reps,
		.device = want(ctx, "device"),
		.pcie = want(ctx, "pcie"),
		.far = probe_bool(ctx, "far"),
		.sweep = probe_bool(ctx, "sweep"),
		.p2p = want(ctx, "p2p"),
	};
	char why[256] = "";
	int rc;

	if (!o.device && !o.pcie && !o.p2p)
		return 0;
	rc = membw_gpu(ctx, &o, why, sizeof(why));
	if (rc == 1 && required)
		probe_skip(ctx, "%s", why);
	else if (rc == 1)
		probe_log(ctx, "gpu paths not measured: %s", why);
	return rc < 0 ? -1 : 0;
}

static int run(struct probe_ctx *ctx)
{
	const char *target = probe_str(ctx, "target");
	long long reps = probe_int(ctx, "reps");

	if (reps < 2 || reps > STREAM_MAX_REPS)
		return probe_error(ctx, "reps must be 2..%d (the first is not counted), not %lld", STREAM_MAX_REPS,
				   reps);
	if (probe_int(ctx, "threads") < 0 || probe_int(ctx, "threads") > 4096)
		return probe_error(ctx, "threads must be 0..4096, not %lld", probe_int(ctx, "threads"));
	if (strcmp(target, "gpu") && run_host(ctx, (int)reps) < 0)
		return -1;
	if (strcmp(target, "cpu"))
		return run_gpu(ctx, (int)reps, !strcmp(target, "gpu"));
	return 0;
}

const struct probe_ops probe_ops = {
	.name = "membw",
	.version = "1.0.0",
	.description = "memory bandwidth: host STREAM per NUMA node, GPU HBM, host<->GPU over PCIe, GPU peer-to-peer",
	.params = params,
	.metrics = metrics,
	.run = run,
};
