/*
 * sysinfo.c - the sysinfo probe: an inventory of this host, no root needed.
 *
 * Everything it finds goes into env (hostname, os, kernel, cpu, numa, memory,
 * pci, nics, infiniband, mounts, gpus, nvml); the counts and sizes a plan's
 * `requires:` checks (gpus_per_node, min_memory, min_cpus) are also metrics,
 * under exactly the names in metrics[] below. Definitions: probes/METRICS.md
 * ("sysinfo").
 *
 * It never fails and never errors on a sparse host (container, VM, no GPU):
 * what it cannot read is null or {"available": false, "reason": ...}.
 */
#include "sysinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct probe_metric_desc metrics[] = {
	{ "cpu_sockets", "count", "higher", "CPU packages (sockets) this process may use, from hwloc" },
	{ "cpu_cores", "count", "higher", "physical CPU cores this process may use, from hwloc" },
	{ "cpu_threads", "count", "higher",
	  "hardware threads (logical CPUs) this process may use, from hwloc (its cgroup cpuset)" },
	{ "numa_nodes", "count", "higher", "NUMA nodes with memory this process may use, from hwloc" },
	{ "memory_total", "B", "higher", "MemTotal from /proc/meminfo, in bytes" },
	{ "swap_total", "B", "higher", "SwapTotal from /proc/meminfo, in bytes" },
	{ "hugepages_total", "count", "higher", "HugePages_Total from /proc/meminfo (pages of the default size)" },
	{ "gpus", "count", "higher", "GPUs NVML reports; 0 without NVML (env.nvml.reason says why)" },
	{ "gpu_memory_total", "B", "higher", "total memory of one GPU (label gpu=<NVML index>), from NVML" },
	{ NULL }
};

struct probe_metric *sysinfo_metric(struct probe_ctx *ctx, const char *name, double v)
{
	const struct probe_metric_desc *m;

	for (m = metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return probe_metric_set(ctx, name, m->unit, m->better, v);
	fprintf(stderr, "sysinfo: bug: metric '%s' is not declared\n", name);
	abort();
}

static int sysinfo_run(struct probe_ctx *ctx)
{
	cJSON *env = probe_env(ctx);
	unsigned int pci_gpus;

	collect_host(ctx, env);
	collect_cpu(ctx, env);
	collect_memory(ctx, env);
	pci_gpus = collect_pci(ctx, env);
	collect_nics(ctx, env);
	collect_infiniband(ctx, env);
	collect_mounts(ctx, env);
	collect_gpus(ctx, env, pci_gpus);
	return 0;
}

static const struct probe_param params[] = { { NULL } };

const struct probe_ops probe_ops = {
	.name = "sysinfo",
	.version = "1.0.0",
	.description = "host inventory: os, cpus, numa, memory, pci, nics, infiniband, mounts, gpus (nvml)",
	.params = params,
	.metrics = metrics,
	.run = sysinfo_run,
};
