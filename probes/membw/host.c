/* host.c - see host.h. Formulas: probes/METRICS.md, section `membw`. */
#include "host.h"
#include "probe.h"
#include "stream.h"
#include "xalloc.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NODES 64 /* NUMA nodes measured pairwise; nodes beyond are not measured */

/* Where threads may run: one PU of each core of a cpuset, in topology order. */
struct placement {
	hwloc_bitmap_t *pus; /* owned */
	unsigned n;
	hwloc_bitmap_t all; /* the cpuset the cores were taken from; owned */
};

static void placement_free(struct placement *p)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		hwloc_bitmap_free(p->pus[i]);
	free(p->pus);
	hwloc_bitmap_free(p->all);
	memset(p, 0, sizeof(*p));
}

/* One PU of each core that intersects within; returns the count (0: none). */
static unsigned placement_init(struct placement *p, hwloc_topology_t topo, hwloc_const_cpuset_t within)
{
	int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	hwloc_obj_t core = NULL;

	p->pus = xcalloc(ncores > 0 ? (size_t)ncores : 1, sizeof(*p->pus));
	p->all = hwloc_bitmap_dup(within);
	p->n = 0;
	while ((core = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_CORE, core)) && p->n < (unsigned)ncores) {
		hwloc_bitmap_t pu;

		if (!hwloc_bitmap_intersects(core->cpuset, within))
			continue;
		pu = hwloc_bitmap_dup(core->cpuset);
		hwloc_bitmap_and(pu, pu, within);
		hwloc_bitmap_singlify(pu);
		p->pus[p->n++] = pu;
	}
	return p->n;
}

static uint64_t avail_bytes(void)
{
	long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
}

struct host_run {
	struct probe_ctx *ctx;
	hwloc_topology_t topo;
	const struct membw_host_opts *o;
	cJSON *env;   /* env.membw_host, owned by ctx */
	int corrupt;  /* fault injection */
	size_t wrong; /* over every run */
};

/* Bytes per array for threads on cpus: the option, or the sizing rule (the first use is recorded in env). */
static uint64_t array_bytes(struct host_run *h, hwloc_const_cpuset_t cpus)
{
	uint64_t llc = stream_llc_bytes(h->topo, cpus), size;
	int capped = 0;

	if (h->o->size)
		return h->o->size;
	size = stream_default_size(llc, avail_bytes(), &capped);
	if (!cJSON_GetObjectItem(h->env, "llc_bytes")) {
		cJSON_AddNumberToObject(h->env, "llc_bytes", (double)llc);
		cJSON_AddBoolToObject(h->env, "size_capped_by_memory", capped);
	}
	if (capped)
		probe_log(h->ctx, "arrays capped at %.0f MiB by available memory (4x LLC would be %.0f MiB)",
			  (double)size / 1048576, 4.0 * (double)llc / 1048576);
	return size;
}

/* One STREAM run of threads on p's cores (cycling when more), arrays on mem; 0, or -1 after probe_error. */
static int run_stream(struct host_run *h, const struct placement *p, unsigned threads, hwloc_const_nodeset_t mem,
		      struct stream_result *r)
{
	struct stream_config cfg = {
		.topo = h->topo,
		.n = (size_t)(array_bytes(h, p->all) / sizeof(double)),
		.nthreads = threads,
		.mem = mem,
		.reps = h->o->reps,
		.nt_stores = h->o->nt_stores,
		.corrupt = h->corrupt,
	};
	hwloc_const_cpuset_t *cpus = xcalloc(threads, sizeof(*cpus));
	char err[256];
	unsigned i;
	int rc;

	for (i = 0; i < threads; i++)
		cpus[i] = p->pus[i % p->n];
	cfg.cpus = cpus;
	rc = stream_run(&cfg, r, err, sizeof(err));
	free(cpus);
	if (rc)
		return probe_error(h->ctx, "%s", err);
	h->wrong += r->wrong;
	if (!cJSON_GetObjectItem(h->env, "array_bytes")) {
		cJSON_AddNumberToObject(h->env, "array_bytes", (double)(cfg.n * sizeof(double)));
		cJSON_AddNumberToObject(h->env, "reps", cfg.reps);
		cJSON_AddBoolToObject(h->env, "nt_stores", r->nt_used);
	}
	return 0;
}

/* A metric's samples are the counted repetitions; its value is the best (STREAM's rule). */
static struct probe_metric *stream_metric(struct host_run *h, const char *name, const struct stream_result *r,
					  enum stream_kernel k)
{
	struct probe_metric *m = probe_metric(h->ctx, name, "B/s", "higher");
	size_t i;

	for (i = 0; i < r->nsamples; i++)
		probe_metric_sample(m, r->samples[k][i]);
	probe_metric_value(m, r->best[k]);
	return m;
}

/* All cores, memory first-touched by the threads that use it: copy, scale, add, triad. */
static int all_cores(struct host_run *h, hwloc_const_cpuset_t allowed, double *triad)
{
	struct placement p = { 0 };
	struct stream_result r;
	unsigned threads;
	int k, rc = -1;

	if (!placement_init(&p, h->topo, allowed)) {
		probe_error(h->ctx, "no core to run on in this process's cpuset");
		goto out;
	}
	threads = h->o->threads ? h->o->threads : p.n;
	cJSON_AddNumberToObject(h->env, "threads", threads);
	if (run_stream(h, &p, threads, NULL, &r))
		goto out;
	for (k = 0; k < STREAM_NKERNELS; k++)
		stream_metric(h, stream_kernel_names[k], &r, (enum stream_kernel)k);
	*triad = r.best[STREAM_TRIAD];
	probe_log(h->ctx, "stream: %u threads, triad %.2f GB/s, non-temporal stores %s", threads, *triad / 1e9,
		  r.nt_used ? "used" : "not used");
	stream_result_release(&r);
	rc = 0;
out:
	placement_free(&p);
	return rc;
}

static void label_uint(struct probe_metric *m, const char *key, unsigned v)
{
	char b[16];

	snprintf(b, sizeof(b), "%u", v);
	probe_metric_label(m, key, b);
}

/*
 * Threads on cpu node's cores, arrays bound to mem node. Returns the triad
 * (B/s), 0 when the binding was refused (logged), or -1 after probe_error.
 */
static double node_pair(struct host_run *h, hwloc_obj_t cpu, hwloc_const_cpuset_t allowed, hwloc_obj_t mem)
{
	struct placement p = { 0 };
	struct stream_result r;
	hwloc_bitmap_t cpus = hwloc_bitmap_alloc();
	double triad = -1;

	hwloc_bitmap_and(cpus, cpu->cpuset, allowed);
	if (!placement_init(&p, h->topo, cpus)) {
		triad = 0;
		goto out;
	}
	if (run_stream(h, &p, p.n, mem->nodeset, &r))
		goto out;
	triad = 0;
	if (r.mem_bound) {
		struct probe_metric *m = stream_metric(h, "numa_triad", &r, STREAM_TRIAD);

		label_uint(m, "cpu", cpu->os_index);
		label_uint(m, "mem", mem->os_index);
		triad = r.best[STREAM_TRIAD];
	} else {
		probe_log(h->ctx, "node %u -> node %u not measured: binding memory refused: %s", cpu->os_index,
			  mem->os_index, r.bind_error);
	}
	stream_result_release(&r);
out:
	placement_free(&p);
	hwloc_bitmap_free(cpus);
	return triad;
}

/* NUMA nodes with cores in allowed (cpu) or memory this process may use (mem). Returns how many. */
static unsigned nodes(hwloc_topology_t topo, hwloc_const_cpuset_t allowed, int with_cpus, hwloc_obj_t *out)
{
	hwloc_const_nodeset_t mems = hwloc_topology_get_allowed_nodeset(topo);
	hwloc_obj_t node = NULL;
	unsigned n = 0;

	while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node)) && n < MAX_NODES) {
		if (with_cpus ? hwloc_bitmap_intersects(node->cpuset, allowed)
			      : hwloc_bitmap_isset(mems, node->os_index))
			out[n++] = node;
	}
	return n;
}

/*
 * Every (cpu node, memory node) pair: numa_triad{cpu,mem}; numa_balance, the
 * slowest node's local triad over the fastest's. With one node the pair is
 * the all-core run (reused when it ran, so the node is not measured twice).
 */
static int numa_pairs(struct host_run *h, hwloc_const_cpuset_t allowed, double all_triad)
{
	hwloc_obj_t cpu[MAX_NODES], mem[MAX_NODES];
	unsigned nc = nodes(h->topo, allowed, 1, cpu), nm = nodes(h->topo, allowed, 0, mem), i, j;
	double lo = 0, hi = 0, t;
	unsigned nlocal = 0;

	cJSON_AddNumberToObject(h->env, "numa_nodes", nm);
	if (nm == 1 && nc == 1 && all_triad > 0) {
		struct probe_metric *m = probe_metric_set(h->ctx, "numa_triad", "B/s", "higher", all_triad);

		label_uint(m, "cpu", cpu[0]->os_index);
		label_uint(m, "mem", mem[0]->os_index);
		probe_log(h->ctx, "one NUMA node: numa_triad is the all-core triad; numa_balance needs two nodes");
		return 0;
	}
	for (i = 0; i < nc; i++)
		for (j = 0; j < nm; j++) {
			if ((t = node_pair(h, cpu[i], allowed, mem[j])) < 0)
				return -1;
			if (cpu[i] != mem[j] || t <= 0)
				continue;
			lo = nlocal == 0 || t < lo ? t : lo;
			hi = t > hi ? t : hi;
			nlocal++;
		}
	if (nlocal >= 2)
		probe_metric_set(h->ctx, "numa_balance", "ratio", "higher", lo / hi);
	return 0;
}

static void wrong_elements(struct host_run *h)
{
	probe_metric_set(h->ctx, "wrong_elements", "count", "lower", (double)h->wrong);
	if (h->wrong)
		probe_fail(h->ctx, "%zu array elements held wrong values after the STREAM kernels", h->wrong);
}

int membw_host(struct probe_ctx *ctx, const struct membw_host_opts *o)
{
	struct host_run h = { .ctx = ctx, .o = o };
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	double triad = 0;
	int rc = -1;

	if (hwloc_topology_init(&h.topo) || hwloc_topology_load(h.topo)) {
		probe_error(ctx, "hwloc cannot read the topology");
		goto out;
	}
	/* The process's binding (taskset, a Slurm or cgroup cpuset) within what the topology allows. */
	if (hwloc_get_cpubind(h.topo, allowed, HWLOC_CPUBIND_PROCESS))
		hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(h.topo));
	hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_allowed_cpuset(h.topo));
	h.env = cJSON_AddObjectToObject(probe_env(ctx), "membw_host");
	h.corrupt = probe_fault(ctx, "corrupt");
	if (o->stream && all_cores(&h, allowed, &triad))
		goto out;
	if (o->numa && numa_pairs(&h, allowed, triad))
		goto out;
	wrong_elements(&h);
	rc = 0;
out:
	hwloc_bitmap_free(allowed);
	if (h.topo)
		hwloc_topology_destroy(h.topo);
	return rc;
}
