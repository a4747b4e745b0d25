/*
 * gpu.c - membw's GPU paths, the C side (contract in gpu.h): what to measure
 * on which GPU and NUMA node, and the metrics. The CUDA work is in gpu.cu
 * behind gpu_cuda.h; the arithmetic in peak.c; formulas in probes/METRICS.md,
 * section `membw`.
 *
 * GPUs are labelled by their CUDA ordinal as this process sees them. Each is
 * matched to its NVML device (peaks, PCIe link) and to its hwloc PCI object
 * (the NUMA node nearest to it) by PCI bus id, so CUDA_VISIBLE_DEVICES and
 * CUDA_DEVICE_ORDER cannot mix them up.
 *
 * Every rate is the best repetition after the first; all of them are kept
 * as samples.
 */
#include "gpu.h"
#include "peak.h"
#include "probe.h"

#include <stdio.h>

#if SD_HAVE_CUDA
#include "gpu_cuda.h"
#include "nvml.h"

#include <hwloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ERRLEN 512
#define SIZE_ALIGN 4096ull	     /* arrays and transfers are whole pages */
#define P2P_MAX_BYTES (256ull << 20) /* long enough for NVLink, short enough for an 8x8 matrix */
#define SWEEP_CAP 40

struct gpu_run {
	struct probe_ctx *ctx;
	const struct membw_gpu_opts *o;
	uint64_t size;	  /* bytes per array and per transfer, a multiple of SIZE_ALIGN */
	double *sec;	  /* GPU_NKERNELS * reps seconds, scratch */
	struct nvml nvml; /* open when have_nvml */
	int have_nvml;
	hwloc_topology_t topo; /* loaded when have_topo */
	int have_topo;
	cJSON *env_gpus;
};

struct gpu_dev {
	int dev;
	char label[16];
	struct gpuc_info info;
	int nvml_idx; /* -1: not found in NVML */
	int near;     /* hwloc logical index of the nearest NUMA node; -1: unknown */
};

/* Host memory bound to one NUMA node (or wherever the kernel puts it), pinned and mapped. */
struct host_buf {
	void *p;
	size_t bytes;
	hwloc_topology_t topo; /* NULL: p came from mmap */
	int registered;
};

static struct probe_metric *gpu_metric(struct probe_ctx *ctx, const char *name, const char *unit,
				       const struct gpu_dev *d)
{
	struct probe_metric *m = probe_metric(ctx, name, unit, "higher");

	probe_metric_label(m, "gpu", d->label);
	return m;
}

/* Samples bytes/sec[r] for r >= 1 into m (when not NULL); returns the best, 0 when no time was measurable. */
static double best_rate(struct probe_metric *m, const double *sec, int reps, double bytes)
{
	double best = 0, v;
	int r;

	for (r = 1; r < reps; r++) {
		if (!(sec[r] > 0))
			continue;
		v = bytes / sec[r];
		if (m)
			probe_metric_sample(m, v);
		if (v > best)
			best = v;
	}
	if (m)
		probe_metric_value(m, best);
	return best;
}

/* ---- NVML: peaks and the PCIe link ---- */

static void nvml_match(struct gpu_run *g, struct gpu_dev *d)
{
	char bus[NVML_BUS_ID_LEN], err[ERRLEN];
	unsigned int i, count = 0;

	d->nvml_idx = -1;
	if (!g->have_nvml || nvml_device_count(&g->nvml, &count, err, sizeof(err)))
		return;
	for (i = 0; i < count; i++)
		if (!nvml_device_pci_bus_id(&g->nvml, i, bus, sizeof(bus), NULL, 0) &&
		    pci_addr_same(bus, d->info.bus_id)) {
			d->nvml_idx = (int)i;
			return;
		}
	probe_log(g->ctx, "gpu %s (%s) not found in nvml: no peaks for it", d->label, d->info.bus_id);
}

static void report_hbm(struct gpu_run *g, const struct gpu_dev *d, double triad)
{
	unsigned int mhz = 0, bits = 0;
	char err[ERRLEN];
	double peak;

	if (d->nvml_idx < 0)
		return;
	if (nvml_device_max_mem_clock(&g->nvml, (unsigned int)d->nvml_idx, &mhz, err, sizeof(err)) ||
	    nvml_device_mem_bus_width(&g->nvml, (unsigned int)d->nvml_idx, &bits, err, sizeof(err))) {
		probe_log(g->ctx, "no hbm peak for gpu %s: %s", d->label, err);
		return;
	}
	peak = peak_hbm(mhz, bits);
	if (!(peak > 0))
		return;
	probe_metric_value(gpu_metric(g->ctx, "hbm_peak", "B/s", d), peak);
	probe_metric_value(gpu_metric(g->ctx, "triad_of_peak", "ratio", d), triad / peak);
}

/*
 * The link as trained now, read right after the copies: an idle GPU lowers
 * its PCIe generation, so a reading taken before them would understate the peak.
 */
static void report_link(struct gpu_run *g, const struct gpu_dev *d, double h2d, double d2h)
{
	unsigned int gen = 0, width = 0, gen_max = 0, width_max = 0;
	char err[ERRLEN];
	double peak;

	if (d->nvml_idx < 0)
		return;
	if (nvml_device_pcie_link(&g->nvml, (unsigned int)d->nvml_idx, 0, &gen, &width, err, sizeof(err))) {
		probe_log(g->ctx, "no pcie link for gpu %s: %s", d->label, err);
		return;
	}
	probe_metric_value(gpu_metric(g->ctx, "pcie_gen", "count", d), gen);
	probe_metric_value(gpu_metric(g->ctx, "pcie_width", "count", d), width);
	if (!nvml_device_pcie_link(&g->nvml, (unsigned int)d->nvml_idx, 1, &gen_max, &width_max, err, sizeof(err))) {
		probe_metric_value(gpu_metric(g->ctx, "pcie_gen_max", "count", d), gen_max);
		probe_metric_value(gpu_metric(g->ctx, "pcie_width_max", "count", d), width_max);
	}
	peak = peak_pcie(gen, width);
	if (!(peak > 0)) {
		probe_log(g->ctx, "gpu %s: no pcie peak for gen %u x%u", d->label, gen, width);
		return;
	}
	probe_metric_value(gpu_metric(g->ctx, "pcie_peak", "B/s", d), peak);
	if (h2d > 0)
		probe_metric_value(gpu_metric(g->ctx, "h2d_of_peak", "ratio", d), h2d / peak);
	if (d2h > 0)
		probe_metric_value(gpu_metric(g->ctx, "d2h_of_peak", "ratio", d), d2h / peak);
}

/* ---- device STREAM and d2d ---- */

static int run_device(struct gpu_run *g, const struct gpu_dev *d, int corrupt)
{
	struct probe_ctx *ctx = g->ctx;
	struct probe_metric *m;
	int reps = g->o->reps, k;
	uint64_t n = g->size / sizeof(double), wrong = 0;
	double expect[3], triad = 0;
	char err[ERRLEN];

	if (3 * g->size > d->info.mem_free)
		return probe_error(ctx, "gpu_size %llu needs 3 arrays on gpu %s, which has %llu bytes free",
				   (unsigned long long)g->size, d->label, (unsigned long long)d->info.mem_free);
	gpu_stream_expected(reps, &expect[0], &expect[1], &expect[2]);
	if (gpuc_stream(d->dev, n, reps, expect, corrupt, g->sec, &wrong, err, sizeof(err)))
		return probe_error(ctx, "%s", err);
	for (k = 0; k < GPU_NKERNELS; k++) {
		double best;

		m = gpu_metric(ctx, gpu_kernel_names[k], "B/s", d);
		best = best_rate(m, g->sec + (size_t)k * reps, reps, gpu_kernel_bytes((enum gpu_kernel)k, n));
		if (k == GPU_TRIAD)
			triad = best;
	}
	m = probe_metric(ctx, "wrong_elements", "count", "lower");
	probe_metric_label(m, "gpu", d->label);
	probe_metric_value(m, (double)wrong);
	if (wrong)
		probe_fail(ctx, "gpu %s: %llu array elements wrong after the stream kernels", d->label,
			   (unsigned long long)wrong);
	report_hbm(g, d, triad);
	return 0;
}

/* ---- NUMA: where the host buffers live ---- */

/* The hwloc logical index of the NUMA node nearest to the PCI device bus_id; -1 when unknown. */
static int near_node(struct gpu_run *g, const char *bus_id)
{
	struct pci_addr a;
	hwloc_obj_t pci, anc, node;

	if (!g->have_topo || pci_addr_parse(bus_id, &a))
		return -1;
	pci = hwloc_get_pcidev_by_busid(g->topo, a.domain, a.bus, a.dev, a.func);
	anc = pci ? hwloc_get_non_io_ancestor_obj(g->topo, pci) : NULL;
	if (!anc || !anc->nodeset || hwloc_bitmap_iszero(anc->nodeset))
		return -1;
	node = hwloc_get_numanode_obj_by_os_index(g->topo, (unsigned int)hwloc_bitmap_first(anc->nodeset));
	return node ? (int)node->logical_index : -1;
}

/* The logical index of the NUMA node farthest from near (by the OS's distance matrix); -1 when only one. */
static int far_node(struct gpu_run *g, int near)
{
	unsigned int nr = 1, n, i, j;
	struct hwloc_distances_s *dist = NULL;
	uint64_t *m = NULL;
	int far;

	n = (unsigned int)hwloc_get_nbobjs_by_type(g->topo, HWLOC_OBJ_NUMANODE);
	if (near < 0 || n < 2)
		return -1;
	if (hwloc_distances_get_by_type(g->topo, HWLOC_OBJ_NUMANODE, &nr, &dist, HWLOC_DISTANCES_KIND_MEANS_LATENCY,
					0) ||
	    nr < 1)
		return numa_farthest(NULL, n, (unsigned int)near);
	if (dist->nbobjs != n) {
		hwloc_distances_release(g->topo, dist);
		return numa_farthest(NULL, n, (unsigned int)near);
	}
	/* Reorder the matrix by logical index, the order numa_farthest answers in. */
	m = calloc((size_t)n * n, sizeof(*m));
	for (i = 0; m && i < n; i++)
		for (j = 0; j < n; j++) {
			unsigned int li = dist->objs[i]->logical_index, lj = dist->objs[j]->logical_index;

			if (li < n && lj < n)
				m[(size_t)li * n + lj] = dist->values[(size_t)i * n + j];
		}
	far = numa_farthest(m, n, (unsigned int)near);
	free(m);
	hwloc_distances_release(g->topo, dist);
	return far;
}

static int node_os_index(struct gpu_run *g, int logical)
{
	hwloc_obj_t o = hwloc_get_obj_by_type(g->topo, HWLOC_OBJ_NUMANODE, (unsigned int)logical);

	return o ? (int)o->os_index : -1;
}

static void host_free(struct host_buf *b)
{
	if (!b->p)
		return;
	if (b->registered)
		gpuc_host_unregister(b->p);
	if (b->topo)
		hwloc_free(b->topo, b->p, b->bytes);
	else
		munmap(b->p, b->bytes);
	b->p = NULL;
}

/* bytes of pinned, mapped host memory on NUMA node `node` (logical; -1: wherever the kernel puts it). */
static int host_alloc(struct gpu_run *g, int node, size_t bytes, struct host_buf *b, char *err, size_t len)
{
	hwloc_obj_t o =
		node >= 0 && g->have_topo ? hwloc_get_obj_by_type(g->topo, HWLOC_OBJ_NUMANODE, (unsigned)node) : NULL;

	memset(b, 0, sizeof(*b));
	b->bytes = bytes;
	if (o) {
		b->topo = g->topo;
		b->p = hwloc_alloc_membind(g->topo, bytes, o->nodeset, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET);
	} else {
		b->p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b->p == MAP_FAILED)
			b->p = NULL;
	}
	if (!b->p) {
		snprintf(err, len, "cannot allocate %zu bytes of host memory%s", bytes, o ? " on its numa node" : "");
		return -1;
	}
	/* Touched before pinning, so the pages land where the binding says. */
	memset(b->p, 1, bytes);
	if (gpuc_host_register(b->p, bytes, err, len)) {
		host_free(b);
		return -1;
	}
	b->registered = 1;
	return 0;
}

/* ---- host <-> device ---- */

/* One copy kind, reps times, reported as metric name (extra label numa when numa >= 0); returns the best rate. */
static int time_kind(struct gpu_run *g, const struct gpu_dev *d, struct gpuc_xfer *x, enum gpuc_xfer_kind kind,
		     const struct host_buf *src, struct host_buf *dst, const char *name, int numa, double *best)
{
	double bytes = (double)g->size * (kind == GPUC_BIDIR ? 2 : 1);
	struct probe_metric *m;
	char err[ERRLEN], os[16];

	if (gpuc_xfer_time(x, kind, src->p, dst->p, g->size, 1, g->o->reps, g->sec, err, sizeof(err)))
		return probe_error(g->ctx, "%s", err);
	m = gpu_metric(g->ctx, name, "B/s", d);
	if (numa >= 0) {
		snprintf(os, sizeof(os), "%d", numa);
		probe_metric_label(m, "numa", os);
	}
	*best = best_rate(m, g->sec, g->o->reps, bytes);
	return 0;
}

/* Bandwidth over transfer size, SWEEP_MIN_BYTES .. size, as series NAME_sweep. */
static int sweep(struct gpu_run *g, const struct gpu_dev *d, struct gpuc_xfer *x, enum gpuc_xfer_kind kind,
		 const struct host_buf *src, struct host_buf *dst)
{
	uint64_t sizes[SWEEP_CAP];
	size_t n = sweep_sizes(g->size, sizes, SWEEP_CAP), i;
	struct probe_series *s;
	char err[ERRLEN];

	s = probe_series_xy(g->ctx, kind == GPUC_H2D ? "h2d_sweep" : "d2h_sweep", "B/s", "B");
	probe_series_label(s, "gpu", d->label);
	probe_series_draw(s, 1, 0);
	for (i = 0; i < n; i++) {
		unsigned int batch = sweep_batch(sizes[i]);

		if (gpuc_xfer_time(x, kind, src->p, dst->p, sizes[i], batch, g->o->reps, g->sec, err, sizeof(err)))
			return probe_error(g->ctx, "%s", err);
		probe_series_add(s, (double)sizes[i], best_rate(NULL, g->sec, g->o->reps, (double)sizes[i] * batch));
	}
	return 0;
}

static int pcie_near(struct gpu_run *g, const struct gpu_dev *d, struct gpuc_xfer *x)
{
	struct host_buf src, dst;
	double h2d = 0, d2h = 0, unused;
	char err[ERRLEN];
	int rc = -1;

	memset(&dst, 0, sizeof(dst));
	if (host_alloc(g, d->near, g->size, &src, err, sizeof(err)) ||
	    host_alloc(g, d->near, g->size, &dst, err, sizeof(err))) {
		probe_error(g->ctx, "gpu %s: %s", d->label, err);
		goto out;
	}
	if (time_kind(g, d, x, GPUC_H2D, &src, &dst, "h2d", -1, &h2d) ||
	    time_kind(g, d, x, GPUC_D2H, &src, &dst, "d2h", -1, &d2h) ||
	    time_kind(g, d, x, GPUC_BIDIR, &src, &dst, "bidir", -1, &unused))
		goto out;
	report_link(g, d, h2d, d2h);
	if (d->info.can_map && (time_kind(g, d, x, GPUC_H2D_SM, &src, &dst, "h2d_sm", -1, &unused) ||
				time_kind(g, d, x, GPUC_D2H_SM, &src, &dst, "d2h_sm", -1, &unused)))
		goto out;
	if (g->o->sweep && (sweep(g, d, x, GPUC_H2D, &src, &dst) || sweep(g, d, x, GPUC_D2H, &src, &dst)))
		goto out;
	rc = 0;
out:
	host_free(&src);
	host_free(&dst);
	return rc;
}

static int pcie_far(struct gpu_run *g, const struct gpu_dev *d, struct gpuc_xfer *x, int far)
{
	struct host_buf src, dst;
	int os = node_os_index(g, far), rc = -1;
	char err[ERRLEN];
	double unused;

	memset(&dst, 0, sizeof(dst));
	if (host_alloc(g, far, g->size, &src, err, sizeof(err)) ||
	    host_alloc(g, far, g->size, &dst, err, sizeof(err))) {
		probe_error(g->ctx, "gpu %s: %s", d->label, err);
		goto out;
	}
	if (time_kind(g, d, x, GPUC_H2D, &src, &dst, "h2d_far", os, &unused) ||
	    time_kind(g, d, x, GPUC_D2H, &src, &dst, "d2h_far", os, &unused))
		goto out;
	rc = 0;
out:
	host_free(&src);
	host_free(&dst);
	return rc;
}

static int run_pcie(struct gpu_run *g, const struct gpu_dev *d)
{
	struct gpuc_xfer *x = NULL;
	char err[ERRLEN];
	int far = -1, rc;

	if (2 * g->size > d->info.mem_free)
		return probe_error(g->ctx, "gpu_size %llu needs 2 buffers on gpu %s, which has %llu bytes free",
				   (unsigned long long)g->size, d->label, (unsigned long long)d->info.mem_free);
	if (d->near < 0)
		probe_log(g->ctx, "gpu %s: nearest numa node unknown; host buffers are not bound", d->label);
	if (gpuc_xfer_new(d->dev, g->size, &x, err, sizeof(err)))
		return probe_error(g->ctx, "%s", err);
	rc = pcie_near(g, d, x);
	if (!rc && g->o->far) {
		far = d->near >= 0 ? far_node(g, d->near) : -1;
		if (far >= 0)
			rc = pcie_far(g, d, x, far);
		else
			probe_log(g->ctx, "gpu %s: no farther numa node known; h2d_far and d2h_far not measured",
				  d->label);
	}
	gpuc_xfer_free(x);
	return rc;
}

/* ---- GPU <-> GPU ---- */

static int p2p_pair(struct gpu_run *g, int src, int dst, int bidir, uint64_t bytes)
{
	char err[ERRLEN], s[16], t[16];
	struct probe_metric *m;
	int enabled = 0;

	if (gpuc_p2p_time(src, dst, bytes, bidir, g->o->reps, g->sec, &enabled, err, sizeof(err)))
		return probe_error(g->ctx, "%s", err);
	snprintf(s, sizeof(s), "%d", src);
	snprintf(t, sizeof(t), "%d", dst);
	m = probe_metric(g->ctx, bidir ? "p2p_bidir" : "p2p", "B/s", "higher");
	probe_metric_label(m, "src", s);
	probe_metric_label(m, "dst", t);
	probe_metric_label(m, "p2p", enabled ? "enabled" : "disabled");
	best_rate(m, g->sec, g->o->reps, (double)bytes * (bidir ? 2 : 1));
	return 0;
}

/* Every ordered pair one way; every unordered pair both ways at once. */
static int run_p2p(struct gpu_run *g, int count)
{
	uint64_t bytes = g->size < P2P_MAX_BYTES ? g->size : P2P_MAX_BYTES;
	int i, j;

	for (i = 0; i < count; i++)
		for (j = 0; j < count; j++)
			if (i != j && (p2p_pair(g, i, j, 0, bytes) || (i < j && p2p_pair(g, i, j, 1, bytes))))
				return -1;
	return 0;
}

/* ---- the run ---- */

static void env_gpu(struct gpu_run *g, const struct gpu_dev *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "gpu", d->label);
	cJSON_AddStringToObject(o, "name", d->info.name);
	cJSON_AddStringToObject(o, "bus_id", d->info.bus_id);
	cJSON_AddNumberToObject(o, "sms", d->info.sms);
	if (d->nvml_idx >= 0)
		cJSON_AddNumberToObject(o, "nvml_index", d->nvml_idx);
	if (d->near >= 0)
		cJSON_AddNumberToObject(o, "numa_near", node_os_index(g, d->near));
	cJSON_AddItemToArray(g->env_gpus, o);
}

static void setup(struct gpu_run *g)
{
	char err[ERRLEN];

	if (nvml_open(&g->nvml, err, sizeof(err)))
		probe_log(g->ctx, "no nvml, so no hbm or pcie peaks: %s", err);
	else
		g->have_nvml = 1;
	if (!g->o->pcie)
		return;
	if (hwloc_topology_init(&g->topo))
		return;
	hwloc_topology_set_io_types_filter(g->topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (hwloc_topology_load(g->topo)) {
		probe_log(g->ctx, "cannot load the hwloc topology: host buffers are not bound to numa nodes");
		hwloc_topology_destroy(g->topo);
		return;
	}
	g->have_topo = 1;
}

static void teardown(struct gpu_run *g)
{
	if (g->have_nvml)
		nvml_close(&g->nvml);
	if (g->have_topo)
		hwloc_topology_destroy(g->topo);
	free(g->sec);
}

static int run_one(struct gpu_run *g, int dev, int corrupt)
{
	struct gpu_dev d = { .dev = dev, .nvml_idx = -1, .near = -1 };
	char err[ERRLEN];

	snprintf(d.label, sizeof(d.label), "%d", dev);
	if (gpuc_info(dev, &d.info, err, sizeof(err)))
		return probe_error(g->ctx, "%s", err);
	nvml_match(g, &d);
	d.near = near_node(g, d.info.bus_id);
	env_gpu(g, &d);
	if (g->o->device && run_device(g, &d, corrupt))
		return -1;
	if (g->o->pcie && run_pcie(g, &d))
		return -1;
	return 0;
}

int membw_gpu(struct probe_ctx *ctx, const struct membw_gpu_opts *o, char *why, size_t whylen)
{
	struct gpu_run g = { .ctx = ctx, .o = o };
	char err[ERRLEN] = "";
	int count = 0, dev, corrupt, rc = 0;

	gpuc_count(&count, err, sizeof(err));
	if (count <= 0) {
		if (*err)
			probe_log(ctx, "%s", err);
		snprintf(why, whylen, "no CUDA device");
		return 1;
	}
	g.size = o->size / SIZE_ALIGN * SIZE_ALIGN;
	if (g.size < SIZE_ALIGN)
		return probe_error(ctx, "gpu_size must be at least 4KiB, not %llu", (unsigned long long)o->size);
	g.sec = calloc((size_t)GPU_NKERNELS * (size_t)o->reps, sizeof(*g.sec));
	if (!g.sec)
		return probe_error(ctx, "out of memory");
	setup(&g);
	g.env_gpus = cJSON_AddArrayToObject(probe_env(ctx), "gpus");
	corrupt = o->device && probe_fault(ctx, "corrupt_gpu");
	for (dev = 0; dev < count && !rc; dev++)
		rc = run_one(&g, dev, corrupt && dev == 0);
	if (!rc && o->p2p && count > 1)
		rc = run_p2p(&g, count);
	teardown(&g);
	return rc;
}

#else /* !SD_HAVE_CUDA */

int membw_gpu(struct probe_ctx *ctx, const struct membw_gpu_opts *o, char *why, size_t whylen)
{
	(void)o;
	probe_log(ctx, "built without CUDA");
	snprintf(why, whylen, "no CUDA device");
	return 1;
}

#endif
