/*
 * audit.c - the audit probe: is this node built and configured as ordered?
 *
 * One metric per check (numbers only: 1/0 for a setting, counts, bytes,
 * B/s), so a baseline gives each its verdict and runbook. The versions a
 * fleet compares across nodes (kernel, driver, CUDA, NCCL, MPI, modules,
 * firmware, container runtimes) go into env.inventory, one flat object with
 * fixed keys (null when unknown), and each known one is also a metric
 * inventory_info{key,value} = 1. Definitions: probes/METRICS.md ("audit").
 * Readers: audit.h.
 *
 * It never fails on what it finds (the baseline judges) and never errors on a
 * sparse host: without NVML the GPU checks are left out and env.gpus says why;
 * without cpufreq, InfiniBand or a clock daemon the same.
 */
#include "audit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvml.h"
#include "probe.h"
#include "strbuf.h"
#include "xalloc.h"

static const struct probe_metric_desc metrics[] = {
	{ "memory_total", "B", "higher", "MemTotal from proc/meminfo" },
	{ "swap_total", "B", "lower", "SwapTotal from proc/meminfo: swap configured" },
	{ "swap_used", "B", "lower", "SwapTotal - SwapFree from proc/meminfo: swap in use" },
	{ "swappiness", "count", "lower", "vm.swappiness (proc/sys/vm/swappiness)" },
	{ "hugepages_total", "count", "higher", "HugePages_Total from proc/meminfo (pages of the default size)" },
	{ "thp_always", "count", "higher", "1 when transparent huge pages are 'always', 0 for madvise or never" },
	{ "numa_balancing", "count", "lower", "kernel.numa_balancing: 0 off, 1 on (2, 3: memory tiering modes)" },
	{ "governor_performance", "ratio", "higher",
	  "fraction of CPUs whose cpufreq governor is 'performance'; absent without cpufreq" },
	{ "clock_synced", "count", "higher",
	  "1 when timesyncd or the kernel (chrony, ntpd) says the clock is synchronised" },
	{ "clock_offset", "s", "lower", "absolute clock offset the kernel's NTP state holds (chrony, ntpd)" },
	{ "module_loaded", "count", "higher", "1 when kernel module <module> is loaded (proc/modules)" },
	{ "mount_ok", "count", "higher", "1 when required mount <mount> is a directory a file can be created in" },
	{ "mount_free", "B", "higher", "bytes available to users on required mount <mount> (statvfs f_bavail)" },
	{ "ib_ports", "count", "higher", "InfiniBand/RoCE ports (sys/class/infiniband/*/ports/*)" },
	{ "ib_ports_active", "count", "higher", "InfiniBand/RoCE ports in state ACTIVE" },
	{ "ib_rate_min", "B/s", "higher", "lowest rate of the active ports (400 Gb/s = 5e10 B/s)" },
	{ "ib_port_active", "count", "higher", "1 when port <device>/<port> is ACTIVE" },
	{ "ib_port_rate", "B/s", "higher", "the rate of port <device>/<port>" },
	{ "eth_links_up", "count", "higher", "physical Ethernet interfaces with operstate up" },
	{ "eth_speed_min", "B/s", "higher", "lowest link speed of the physical Ethernet interfaces that are up" },
	{ "mtu_min", "B", "higher", "lowest MTU of the physical Ethernet interfaces that are up" },
	{ "eth_speed", "B/s", "higher", "link speed of interface <nic> (up, speed known)" },
	{ "mtu", "B", "higher", "MTU of interface <nic>" },
	{ "gpus", "count", "higher", "GPUs NVML reports" },
	{ "gpu_models_distinct", "count", "lower", "distinct GPU model names: 1 on a uniform node" },
	{ "gpu_memory_distinct", "count", "lower", "distinct GPU memory sizes: 1 on a uniform node" },
	{ "gpu_memory_total", "B", "higher", "total memory of GPU <gpu>" },
	{ "ecc_enabled", "count", "higher", "1 when ECC is on for GPU <gpu>" },
	{ "ecc_pending_change", "count", "lower", "1 when GPU <gpu>'s ECC mode changes at the next reboot" },
	{ "pcie_gen", "count", "higher", "PCIe generation GPU <gpu>'s link runs at now (lowered when idle)" },
	{ "pcie_gen_max", "count", "higher", "highest PCIe generation GPU <gpu> and its slot support" },
	{ "pcie_width", "count", "higher", "PCIe lanes GPU <gpu>'s link trained to" },
	{ "pcie_width_max", "count", "higher", "PCIe lanes GPU <gpu> and its slot support" },
	{ "pcie_degraded", "count", "lower", "1 when GPU <gpu>'s link is narrower than its maximum" },
	{ "pcie_degraded_gpus", "count", "lower", "GPUs whose PCIe link is narrower than its maximum" },
	{ "persistence", "count", "higher", "1 when persistence mode is on for GPU <gpu>" },
	{ "mig_enabled", "count", "lower", "1 when MIG mode is on for GPU <gpu>" },
	{ "compute_mode", "count", "lower", "GPU <gpu>'s compute mode: 0 default, 2 prohibited, 3 exclusive process" },
	{ "retired_pages_pending", "count", "lower", "1 when GPU <gpu> has retired pages waiting for a reboot" },
	{ "remapped_rows_pending", "count", "lower", "1 when GPU <gpu> has a row remap waiting for a reset" },
	{ "remapped_rows_failure", "count", "lower", "1 when a row remap failed on GPU <gpu>" },
	{ "gpu_nic_same_numa", "count", "higher",
	  "1 when GPU <gpu>'s nearest InfiniBand/RoCE NIC is on its NUMA node (affinity PIX, PHB or NODE)" },
	{ "nvlink_links", "count", "higher", "NVLink links GPU <gpu> reports (0: no NVLink, a PCIe card)" },
	{ "nvlink_up", "count", "higher", "NVLink links of GPU <gpu> that are active" },
	{ "nvlink_down_gpus", "count", "lower", "GPUs with at least one NVLink link reported but not active" },
	{ "driver_branch", "count", "higher", "the NVIDIA driver's major version (580 for 580.65.06), from NVML" },
	{ "cuda_driver_version", "count", "higher",
	  "the CUDA version the driver supports, 1000 * major + 10 * minor (13000: 13.0), from NVML" },
	{ "cuda_runtime_version", "count", "higher",
	  "cudaRuntimeGetVersion of the libcudart the loader finds, 1000 * major + 10 * minor" },
	{ "nccl_version", "count", "higher", "ncclGetVersion of libnccl: major * 10000 + minor * 100 + patch (22809)" },
	{ "inventory_info", "count", "higher",
	  "1 for each env.inventory entry <key> that has a value, the value in label <value> (Prometheus' _info)" },
	{ NULL }
};

/* Add the metric declared under name; aborts on an undeclared name (a bug). */
static struct probe_metric *metric(struct probe_ctx *ctx, const char *name, double v)
{
	const struct probe_metric_desc *m;

	for (m = metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return probe_metric_set(ctx, name, m->unit, m->better, v);
	fprintf(stderr, "audit: bug: metric '%s' is not declared\n", name);
	abort();
}

static void metric1(struct probe_ctx *ctx, const char *name, double v, const char *key, const char *value)
{
	probe_metric_label(metric(ctx, name, v), key, value);
}

static void json_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void json_num(cJSON *o, const char *key, double v, int known)
{
	if (known)
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

/* Distinct strings, in order of first appearance, joined with ", ". */
struct distinct_list {
	const char **s;
	size_t n;
};

static void distinct_add(struct distinct_list *l, const char *s)
{
	size_t i;

	if (!s || !*s)
		return;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->s[i], s))
			return;
	l->s = xrealloc(l->s, (l->n + 1) * sizeof(*l->s));
	l->s[l->n++] = s;
}

/* The joined list, or NULL when empty; frees the list. Caller frees. */
static char *distinct_join(struct distinct_list *l)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			strbuf_add(&sb, ", ", 2);
		strbuf_add(&sb, l->s[i], strlen(l->s[i]));
	}
	free(l->s);
	l->s = NULL;
	l->n = 0;
	return sb.len ? strbuf_detach(&sb) : NULL;
}

/* ---- host ---- */

static void report_memory(struct probe_ctx *ctx, const struct audit_host *h)
{
	if (h->mem_total >= 0)
		metric(ctx, "memory_total", (double)h->mem_total);
	if (h->swap_total >= 0)
		metric(ctx, "swap_total", (double)h->swap_total);
	if (h->swap_total >= 0 && h->swap_free >= 0)
		metric(ctx, "swap_used", (double)(h->swap_total - h->swap_free));
	if (h->swappiness >= 0)
		metric(ctx, "swappiness", (double)h->swappiness);
	if (h->hugepages_total >= 0)
		metric(ctx, "hugepages_total", (double)h->hugepages_total);
	if (h->thp)
		metric(ctx, "thp_always", !strcmp(h->thp, "always"));
	if (h->numa_balancing >= 0)
		metric(ctx, "numa_balancing", (double)h->numa_balancing);
}

static void report_host(struct probe_ctx *ctx, cJSON *env, cJSON *inv, const char *root)
{
	cJSON *o = cJSON_AddObjectToObject(env, "host");
	struct audit_host h;

	audit_host_read(root, &h);
	report_memory(ctx, &h);
	if (h.governor_cpus > 0)
		metric(ctx, "governor_performance", (double)h.governor_perf / h.governor_cpus);
	if (h.clock_synced >= 0)
		metric(ctx, "clock_synced", h.clock_synced);
	if (!isnan(h.clock_offset))
		metric(ctx, "clock_offset", fabs(h.clock_offset));
	json_str(o, "kernel", h.kernel);
	json_str(o, "os", h.os);
	json_str(inv, "os", h.os);
	json_str(inv, "kernel", h.kernel);
	json_str(o, "governor", h.governor_cpus ? h.governor : NULL);
	cJSON_AddNumberToObject(o, "governor_cpus", h.governor_cpus);
	json_str(o, "thp", h.thp);
	json_num(o, "hugepage_size", (double)h.hugepage_size, h.hugepage_size >= 0);
	json_num(o, "swap_total", (double)h.swap_total, h.swap_total >= 0);
	json_str(o, "clock_source", h.clock_source);
	json_num(o, "clock_offset_s", h.clock_offset, !isnan(h.clock_offset));
	audit_host_release(&h);
}

/* env.modules.NAME: {loaded, version}; inventory module.NAME: the version, "loaded" without one, or "not loaded". */
static void report_modules(struct probe_ctx *ctx, cJSON *env, cJSON *inv, const char *root)
{
	cJSON *o = cJSON_AddObjectToObject(env, "modules"), *m;
	size_t i, n = probe_list_len(ctx, "modules");
	const char *name;
	char *version, key[96];
	int loaded;

	for (i = 0; i < n; i++) {
		name = probe_list_item(ctx, "modules", i);
		snprintf(key, sizeof(key), "module.%s", name);
		loaded = audit_module_loaded(root, name);
		if (loaded < 0) {
			cJSON_AddNullToObject(o, name);
			json_str(inv, key, NULL);
			continue;
		}
		version = loaded ? audit_module_version(root, name) : NULL;
		m = cJSON_AddObjectToObject(o, name);
		cJSON_AddBoolToObject(m, "loaded", loaded);
		json_str(m, "version", version);
		json_str(inv, key, version ? version : loaded ? "loaded" : "not loaded");
		metric1(ctx, "module_loaded", loaded, "module", name);
		free(version);
	}
}

static void report_mounts(struct probe_ctx *ctx, cJSON *env, const char *root)
{
	cJSON *a = cJSON_AddArrayToObject(env, "mounts"), *o;
	size_t i, n = probe_list_len(ctx, "mounts");
	struct audit_mount m;

	for (i = 0; i < n; i++) {
		audit_mount_check(root, probe_list_item(ctx, "mounts", i), &m);
		metric1(ctx, "mount_ok", m.present && m.writable, "mount", m.path);
		if (m.free >= 0)
			metric1(ctx, "mount_free", (double)m.free, "mount", m.path);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", m.path);
		cJSON_AddBoolToObject(o, "present", m.present);
		cJSON_AddBoolToObject(o, "writable", m.writable);
		json_str(o, "mountpoint", m.mountpoint);
		json_str(o, "fstype", m.fstype);
		json_num(o, "free", (double)m.free, m.free >= 0);
		json_str(o, "reason", m.reason[0] ? m.reason : NULL);
		cJSON_AddItemToArray(a, o);
		audit_mount_release(&m);
	}
}

/* ---- network ---- */

static void report_ib(struct probe_ctx *ctx, cJSON *env, cJSON *inv, const struct audit_net *n)
{
	cJSON *a = cJSON_AddArrayToObject(env, "infiniband"), *o;
	struct distinct_list fw = { 0 };
	char *fws;
	double rate_min = 0;
	size_t i, active = 0;
	char port[16];
	struct probe_metric *m;

	for (i = 0; i < n->nib; i++) {
		const struct audit_ib_port *p = &n->ib[i];

		snprintf(port, sizeof(port), "%d", p->port);
		m = metric(ctx, "ib_port_active", p->active);
		probe_metric_label(m, "device", p->device);
		probe_metric_label(m, "port", port);
		if (p->rate > 0) {
			m = metric(ctx, "ib_port_rate", p->rate);
			probe_metric_label(m, "device", p->device);
			probe_metric_label(m, "port", port);
		}
		if (p->active) {
			active++;
			if (p->rate > 0 && (rate_min == 0 || p->rate < rate_min))
				rate_min = p->rate;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "device", p->device);
		cJSON_AddNumberToObject(o, "port", p->port);
		json_str(o, "state", p->state);
		json_str(o, "rate", p->rate_text);
		json_str(o, "link_layer", p->link_layer);
		json_num(o, "numa_node", p->numa, p->numa >= 0);
		json_str(o, "pci_path", p->pci_path);
		json_str(o, "fw_ver", p->fw);
		cJSON_AddItemToArray(a, o);
		distinct_add(&fw, p->fw);
	}
	fws = distinct_join(&fw);
	json_str(inv, "hca_firmware", fws);
	free(fws);
	metric(ctx, "ib_ports", (double)n->nib);
	metric(ctx, "ib_ports_active", (double)active);
	if (rate_min > 0)
		metric(ctx, "ib_rate_min", rate_min);
}

static void report_eth(struct probe_ctx *ctx, cJSON *env, const struct audit_net *n)
{
	cJSON *a = cJSON_AddArrayToObject(env, "ethernet"), *o;
	double speed_min = 0, mtu_min = 0;
	size_t i, up = 0;

	for (i = 0; i < n->neth; i++) {
		const struct audit_eth *e = &n->eth[i];

		if (e->up && e->speed > 0)
			metric1(ctx, "eth_speed", e->speed, "nic", e->name);
		if (e->mtu > 0)
			metric1(ctx, "mtu", (double)e->mtu, "nic", e->name);
		if (e->up) {
			up++;
			if (e->speed > 0 && (speed_min == 0 || e->speed < speed_min))
				speed_min = e->speed;
			if (e->mtu > 0 && (mtu_min == 0 || e->mtu < mtu_min))
				mtu_min = (double)e->mtu;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", e->name);
		json_str(o, "operstate", e->operstate);
		json_num(o, "speed", e->speed, e->speed > 0);
		json_num(o, "mtu", (double)e->mtu, e->mtu > 0);
		cJSON_AddItemToArray(a, o);
	}
	metric(ctx, "eth_links_up", (double)up);
	if (speed_min > 0)
		metric(ctx, "eth_speed_min", speed_min);
	if (mtu_min > 0)
		metric(ctx, "mtu_min", mtu_min);
}

/* ---- GPUs ---- */

static void gpu_metric(struct probe_ctx *ctx, const char *name, int v, unsigned int gpu)
{
	char idx[16];

	if (v < 0)
		return;
	snprintf(idx, sizeof(idx), "%u", gpu);
	metric1(ctx, name, v, "gpu", idx);
}

static size_t distinct(const struct audit_gpus *gs, int by_memory)
{
	size_t n = 0;
	unsigned int i, j;

	for (i = 0; i < gs->n; i++) {
		for (j = 0; j < i; j++)
			if (by_memory ? gs->g[i].memory == gs->g[j].memory : !strcmp(gs->g[i].name, gs->g[j].name))
				break;
		n += j == i;
	}
	return n;
}

static cJSON *gpu_json(const struct audit_gpu *g, unsigned int i)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "index", i);
	cJSON_AddStringToObject(o, "name", g->name);
	cJSON_AddStringToObject(o, "uuid", g->uuid);
	cJSON_AddStringToObject(o, "bus_id", g->bus_id);
	json_num(o, "memory", (double)g->memory, g->memory >= 0);
	json_num(o, "pcie_gen", g->gen, g->gen >= 0);
	json_num(o, "pcie_gen_max", g->gen_max, g->gen_max >= 0);
	json_num(o, "pcie_width", g->width, g->width >= 0);
	json_num(o, "pcie_width_max", g->width_max, g->width_max >= 0);
	json_num(o, "numa_node", g->numa, g->numa >= 0);
	json_str(o, "pci_path", g->pci_path);
	json_str(o, "vbios", g->vbios[0] ? g->vbios : NULL);
	json_num(o, "nvlinks", g->nvlinks, g->nvlinks >= 0);
	json_num(o, "nvlinks_up", g->nvlinks_up, g->nvlinks_up >= 0);
	return o;
}

static void report_gpu(struct probe_ctx *ctx, const struct audit_gpu *g, unsigned int i)
{
	char idx[16];

	snprintf(idx, sizeof(idx), "%u", i);
	if (g->memory >= 0)
		metric1(ctx, "gpu_memory_total", (double)g->memory, "gpu", idx);
	gpu_metric(ctx, "ecc_enabled", g->ecc, i);
	gpu_metric(ctx, "ecc_pending_change", g->ecc >= 0 ? g->ecc != g->ecc_pending : -1, i);
	gpu_metric(ctx, "pcie_gen", g->gen, i);
	gpu_metric(ctx, "pcie_gen_max", g->gen_max, i);
	gpu_metric(ctx, "pcie_width", g->width, i);
	gpu_metric(ctx, "pcie_width_max", g->width_max, i);
	gpu_metric(ctx, "pcie_degraded", g->degraded, i);
	gpu_metric(ctx, "persistence", g->persistence, i);
	gpu_metric(ctx, "mig_enabled", g->mig, i);
	gpu_metric(ctx, "compute_mode", g->compute_mode, i);
	gpu_metric(ctx, "retired_pages_pending", g->retired_pending, i);
	gpu_metric(ctx, "remapped_rows_pending", g->remap_pending, i);
	gpu_metric(ctx, "remapped_rows_failure", g->remap_failure, i);
	gpu_metric(ctx, "nvlink_links", g->nvlinks, i);
	gpu_metric(ctx, "nvlink_up", g->nvlinks_up, i);
}

/* The GPU x NIC matrix (nvidia-smi topo's words) and each GPU's nearest NIC. */
static void report_topology(struct probe_ctx *ctx, cJSON *env, const struct audit_gpus *gs, const struct audit_net *n)
{
	cJSON *t = cJSON_AddObjectToObject(env, "topology"), *nics, *rows, *row, *near;
	char name[96];
	unsigned int i;
	size_t k;
	int best;

	nics = cJSON_AddArrayToObject(t, "nics");
	for (k = 0; k < n->nib; k++) {
		snprintf(name, sizeof(name), "%s/%d", n->ib[k].device, n->ib[k].port);
		cJSON_AddItemToArray(nics, cJSON_CreateString(name));
	}
	rows = cJSON_AddArrayToObject(t, "matrix");
	near = cJSON_AddArrayToObject(t, "nearest_nic");
	for (i = 0; i < gs->n; i++) {
		const struct audit_gpu *g = &gs->g[i];

		row = cJSON_CreateArray();
		for (k = 0; k < n->nib; k++)
			cJSON_AddItemToArray(row, cJSON_CreateString(audit_affinity_name(audit_affinity(
							  g->pci_path, g->numa, n->ib[k].pci_path, n->ib[k].numa))));
		cJSON_AddItemToArray(rows, row);
		best = audit_nearest_nic(g, n->ib, n->nib);
		if (best < 0) {
			cJSON_AddItemToArray(near, cJSON_CreateNull());
			continue;
		}
		snprintf(name, sizeof(name), "%s/%d", n->ib[best].device, n->ib[best].port);
		cJSON_AddItemToArray(near, cJSON_CreateString(name));
		gpu_metric(ctx, "gpu_nic_same_numa",
			   audit_affinity(g->pci_path, g->numa, n->ib[best].pci_path, n->ib[best].numa) != AFF_SYS, i);
	}
	cJSON_AddStringToObject(t, "legend",
				"PIX: same PCIe root port or switch; PHB: same host bridge; "
				"NODE: same NUMA node; SYS: across NUMA nodes");
}

/* The inventory's GPU keys: model, driver, CUDA driver, VBIOS (each the distinct values, ", "-joined). */
static void inventory_gpus(struct probe_ctx *ctx, cJSON *inv, const struct audit_gpus *gs)
{
	struct distinct_list models = { 0 }, vbios = { 0 };
	char cuda[32], *s;
	unsigned int i;

	for (i = 0; i < gs->n; i++) {
		distinct_add(&models, gs->g[i].name);
		distinct_add(&vbios, gs->g[i].vbios);
	}
	s = distinct_join(&models);
	json_str(inv, "gpu_model", s);
	free(s);
	json_str(inv, "nvidia_driver", gs->driver[0] ? gs->driver : NULL);
	audit_cuda_version_text(gs->cuda_driver, cuda, sizeof(cuda));
	json_str(inv, "cuda_driver", gs->cuda_driver > 0 ? cuda : NULL);
	s = distinct_join(&vbios);
	json_str(inv, "vbios", s);
	free(s);
	if (gs->driver[0] && strtol(gs->driver, NULL, 10) > 0)
		metric(ctx, "driver_branch", (double)strtol(gs->driver, NULL, 10));
	if (gs->cuda_driver > 0)
		metric(ctx, "cuda_driver_version", gs->cuda_driver);
}

static void inventory_no_gpus(cJSON *inv)
{
	static const char *const keys[] = { "gpu_model", "nvidia_driver", "cuda_driver", "vbios" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_str(inv, keys[i], NULL);
}

static void gpus_unavailable(struct probe_ctx *ctx, cJSON *o, cJSON *inv, const char *why)
{
	cJSON_AddFalseToObject(o, "available");
	cJSON_AddStringToObject(o, "reason", why);
	probe_log(ctx, "gpu checks skipped: %s", why);
	inventory_no_gpus(inv);
}

static void report_gpus(struct probe_ctx *ctx, cJSON *env, cJSON *inv, const char *root, const struct audit_net *net)
{
	cJSON *o = cJSON_AddObjectToObject(env, "gpus"), *a;
	struct audit_gpus gs;
	struct nvml nv;
	char err[256];
	unsigned int i, degraded = 0, nvlink_down = 0, nvlink_known = 0;

	if (nvml_open(&nv, err, sizeof(err))) {
		gpus_unavailable(ctx, o, inv, err);
		return;
	}
	if (audit_gpus_read(&nv, root, &gs, err, sizeof(err))) {
		gpus_unavailable(ctx, o, inv, err);
		nvml_close(&nv);
		return;
	}
	cJSON_AddTrueToObject(o, "available");
	json_str(o, "driver_version", gs.driver[0] ? gs.driver : NULL);
	json_num(o, "cuda_driver_version", gs.cuda_driver, gs.cuda_driver >= 0);
	inventory_gpus(ctx, inv, &gs);
	metric(ctx, "gpus", gs.n);
	if (gs.n) {
		metric(ctx, "gpu_models_distinct", (double)distinct(&gs, 0));
		metric(ctx, "gpu_memory_distinct", (double)distinct(&gs, 1));
	}
	a = cJSON_AddArrayToObject(o, "devices");
	for (i = 0; i < gs.n; i++) {
		report_gpu(ctx, &gs.g[i], i);
		degraded += gs.g[i].degraded == 1;
		nvlink_known += gs.g[i].nvlinks >= 0;
		nvlink_down += gs.g[i].nvlinks_up >= 0 && gs.g[i].nvlinks_up < gs.g[i].nvlinks;
		cJSON_AddItemToArray(a, gpu_json(&gs.g[i], i));
	}
	metric(ctx, "pcie_degraded_gpus", degraded);
	if (nvlink_known)
		metric(ctx, "nvlink_down_gpus", nvlink_down);
	report_topology(ctx, env, &gs, net);
	audit_gpus_release(&gs);
	nvml_close(&nv);
}

/* ---- software ---- */

static cJSON *lib_json(const char *version, const char *lib)
{
	cJSON *o = cJSON_CreateObject();

	json_str(o, "version", version);
	json_str(o, "library", lib);
	return o;
}

static void report_containers(cJSON *sw, cJSON *inv, const struct audit_software *s)
{
	cJSON *a = cJSON_AddArrayToObject(sw, "containers"), *o;
	char key[64];
	size_t i;

	for (i = 0; i < AUDIT_CONTAINER_KINDS; i++) {
		const struct audit_container *c = &s->containers[i];

		snprintf(key, sizeof(key), "container.%s", c->name);
		json_str(inv, key, c->version);
		if (!c->path)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "path", c->path);
		json_str(o, "version", c->version);
		json_str(o, "output", c->line);
		json_str(o, "reason", c->reason);
		cJSON_AddItemToArray(a, o);
	}
}

static void report_software(struct probe_ctx *ctx, cJSON *env, cJSON *inv)
{
	cJSON *sw = cJSON_AddObjectToObject(env, "software"), *mpi;
	struct audit_sw_sources src;
	struct audit_software s;
	char cuda[32], nccl[32];

	audit_software_sources(&src);
	src.timeout_s = (double)probe_duration_ns(ctx, "command_timeout") / 1e9;
	audit_software_read(&src, &s);
	audit_cuda_version_text(s.cuda_runtime, cuda, sizeof(cuda));
	audit_nccl_version_text(s.nccl, nccl, sizeof(nccl));
	cJSON_AddItemToObject(sw, "cuda_runtime", lib_json(s.cuda_runtime > 0 ? cuda : NULL, s.cuda_runtime_lib));
	json_str(sw, "nccl", s.nccl > 0 ? nccl : NULL);
	json_str(sw, "nccl_library", s.nccl_lib);
	mpi = cJSON_AddObjectToObject(sw, "mpi");
	json_str(mpi, "version", s.mpi);
	json_str(mpi, "full", s.mpi_full);
	json_str(mpi, "source", s.mpi_source);
	json_str(mpi, "reason", s.mpi_reason);
	json_str(inv, "cuda_runtime", s.cuda_runtime > 0 ? cuda : NULL);
	json_str(inv, "nccl", s.nccl > 0 ? nccl : NULL);
	json_str(inv, "mpi", s.mpi);
	report_containers(sw, inv, &s);
	if (s.cuda_runtime > 0)
		metric(ctx, "cuda_runtime_version", s.cuda_runtime);
	if (s.nccl > 0)
		metric(ctx, "nccl_version", s.nccl);
	audit_software_release(&s);
}

/* inventory_info{key, value} = 1 for each inventory entry with a value. */
static void report_inventory(struct probe_ctx *ctx, const cJSON *inv)
{
	const cJSON *e;
	struct probe_metric *m;

	cJSON_ArrayForEach(e, inv)
	{
		if (!cJSON_IsString(e))
			continue;
		m = metric(ctx, "inventory_info", 1);
		probe_metric_label(m, "key", e->string);
		probe_metric_label(m, "value", e->valuestring);
	}
}

static int audit_run(struct probe_ctx *ctx)
{
	cJSON *env = probe_env(ctx), *inv;
	const char *root = probe_str(ctx, "root");
	struct audit_net net;

	cJSON_AddStringToObject(env, "root", root);
	inv = cJSON_AddObjectToObject(env, "inventory");
	report_host(ctx, env, inv, root);
	report_modules(ctx, env, inv, root);
	report_mounts(ctx, env, root);
	audit_net_read(root, &net);
	report_ib(ctx, env, inv, &net);
	report_eth(ctx, env, &net);
	if (probe_bool(ctx, "gpus")) {
		report_gpus(ctx, env, inv, root, &net);
	} else {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(env, "gpus"), "reason", "not asked for (--gpus=false)");
		inventory_no_gpus(inv);
	}
	audit_net_release(&net);
	report_software(ctx, env, inv);
	report_inventory(ctx, inv);
	return 0;
}

static const struct probe_param params[] = {
	{ "root", PT_STRING, "/",
	  "the file system to audit: reads ROOT/proc, ROOT/sys, ROOT/run, ROOT/etc (tests use a fake tree)", NULL, 0 },
	{ "mounts", PT_LIST, "/tmp", "required mounts (under root): each must be a directory a file can be created in",
	  NULL, 0 },
	{ "modules", PT_LIST, "nvidia,nvidia_peermem",
	  "kernel modules whose presence (proc/modules) and version (sys/module/NAME/version) are reported", NULL, 0 },
	{ "gpus", PT_BOOL, "true", "check the GPUs through NVML (false: host and network only)", NULL, 0 },
	{ "command_timeout", PT_DURATION, "3s",
	  "how long each version command (docker --version, mpirun --version ...) may take before it is killed", NULL,
	  0 },
	{ NULL }
};

const struct probe_ops probe_ops = {
	.name = "audit",
	.version = "0.1.0",
	.description = "node configuration audit: host settings, mounts, network links, GPUs and NVLink (nvml), "
		       "GPU-NIC topology, kernel modules, software versions (CUDA, NCCL, MPI, container runtimes)",
	.params = params,
	.metrics = metrics,
	.run = audit_run,
};
