/*
 * cpuload.c - the soak probe's CPU load (contract in load.h): one thread per
 * core, pinned with hwloc, running a vectorised FMA loop and optionally a
 * memory-bound loop, counting flops and bytes as it goes.
 *
 * The FMA block is 12 independent vectors of 4 doubles, each updated
 * x = x * a + b for FMA_ITERS iterations: 96 flops per iteration (an FMA is 2),
 * enough independent chains to fill two FMA pipes. It is compiled for
 * AVX-512, AVX2+FMA and a baseline, chosen at run time (target_clones). Every
 * block starts from the same x, so every block's result must be bit for bit
 * the first one's; a difference is counted as sdc.
 */
#include "load.h"

#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

#define NACC 12
#define LANES 4
#define FMA_ITERS 20000
#define FLOPS_PER_BLOCK (2ull * NACC * LANES * FMA_ITERS)

typedef double v4d __attribute__((vector_size(32)));

struct cpu_thread {
	struct soak_cpu *c;
	struct soak_unit *u;
	hwloc_bitmap_t set; /* the PU to bind to; NULL: unbound */
	pthread_t tid;
	int started;
	int corrupt;
};

struct soak_cpu {
	struct soak_cpu_opts o;
	hwloc_topology_t topo;
	_Atomic int stop;
	size_t n;
	struct soak_unit *units; /* n, cache-line aligned */
	struct cpu_thread *th;
};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#else
#define CLONES
#endif

CLONES static void fma_block(double *out)
{
	v4d acc[NACC], a = { 0.999999, 0.999998, 0.999997, 0.999996 }, b = { 1e-6, 2e-6, 3e-6, 4e-6 };
	int i, j;

	for (j = 0; j < NACC; j++)
		for (i = 0; i < LANES; i++)
			acc[j][i] = 0.5 + 0.01 * (j * LANES + i);
	for (i = 0; i < FMA_ITERS; i++)
		for (j = 0; j < NACC; j++)
			acc[j] = acc[j] * a + b;
	memcpy(out, acc, sizeof(acc));
}

/* One pass over the buffer, 16 bytes moved per element (a read and a write). */
CLONES static void mem_block(double *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = buf[i] * 0.5 + 1.0;
}

static void *cpu_main(void *arg)
{
	struct cpu_thread *t = arg;
	double first[NACC * LANES], now[NACC * LANES], *buf = NULL;
	size_t nbuf = t->c->o.mem_bytes / sizeof(double);
	int have_first = 0;

	if (t->set)
		hwloc_set_cpubind(t->c->topo, t->set, HWLOC_CPUBIND_THREAD);
	if (nbuf) {
		buf = malloc(nbuf * sizeof(*buf));
		if (buf)
			for (size_t i = 0; i < nbuf; i++)
				buf[i] = 1.0;
		else
			nbuf = 0;
	}
	while (!atomic_load_explicit(&t->c->stop, memory_order_relaxed)) {
		if (t->c->o.fma) {
			fma_block(have_first ? now : first);
			if (have_first) {
				if (t->corrupt) {
					now[0] = -now[0];
					t->corrupt = 0;
				}
				if (memcmp(first, now, sizeof(now)))
					atomic_fetch_add_explicit(&t->u->sdc, 1, memory_order_relaxed);
				atomic_fetch_add_explicit(&t->u->checks, 1, memory_order_relaxed);
			}
			have_first = 1;
			atomic_fetch_add_explicit(&t->u->flops, FLOPS_PER_BLOCK, memory_order_relaxed);
		}
		if (nbuf) {
			mem_block(buf, nbuf);
			atomic_fetch_add_explicit(&t->u->bytes, 16 * (uint64_t)nbuf, memory_order_relaxed);
			atomic_fetch_add_explicit(&t->u->flops, 2 * (uint64_t)nbuf, memory_order_relaxed);
		}
	}
	free(buf);
	return NULL;
}

/* One PU of each core this process may use, up to max (0: all); the cpusets go into c->th[i].set. */
static size_t pick_cores(struct soak_cpu *c, unsigned int max)
{
	int ncores = hwloc_get_nbobjs_by_type(c->topo, HWLOC_OBJ_CORE), i;
	hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(c->topo);
	hwloc_obj_t core;
	hwloc_bitmap_t set;
	size_t n = 0;

	c->th = xcalloc(ncores > 0 ? (size_t)ncores : 1, sizeof(*c->th));
	for (i = 0; i < ncores && (!max || n < max); i++) {
		core = hwloc_get_obj_by_type(c->topo, HWLOC_OBJ_CORE, i);
		set = hwloc_bitmap_dup(core->cpuset);
		hwloc_bitmap_and(set, set, allowed);
		if (hwloc_bitmap_iszero(set)) {
			hwloc_bitmap_free(set);
			continue;
		}
		hwloc_bitmap_singlify(set);
		c->th[n++].set = set;
	}
	return n;
}

int soak_cpu_start(const struct soak_cpu_opts *o, struct soak_cpu **out, char *note, size_t notelen, char *err,
		   size_t len)
{
	struct soak_cpu *c = xcalloc(1, sizeof(*c));
	size_t i;
	int rc;

	c->o = *o;
	*note = '\0';
	if (hwloc_topology_init(&c->topo) || hwloc_topology_load(c->topo)) {
		soak_cpu_stop(c);
		return errf(err, len, "cannot read the machine's topology (hwloc): %s", strerror(errno));
	}
	c->n = pick_cores(c, o->threads);
	if (o->threads > c->n) {
		/* more threads than cores: the extra ones run unbound */
		c->th = xrealloc(c->th, o->threads * sizeof(*c->th));
		memset(c->th + c->n, 0, (o->threads - c->n) * sizeof(*c->th));
		snprintf(note, notelen, "%u threads on %zu cores: %zu unbound", o->threads, c->n,
			 (size_t)o->threads - c->n);
		c->n = o->threads;
	}
	c->units = aligned_alloc(64, (c->n ? c->n : 1) * sizeof(*c->units));
	if (!c->units) {
		soak_cpu_stop(c);
		return errf(err, len, "out of memory");
	}
	memset(c->units, 0, (c->n ? c->n : 1) * sizeof(*c->units));
	for (i = 0; i < c->n; i++) {
		c->th[i].c = c;
		c->th[i].u = &c->units[i];
		c->th[i].corrupt = o->corrupt && i == 0;
		if (c->th[i].set)
			snprintf(c->units[i].label, sizeof(c->units[i].label), "%d", hwloc_bitmap_first(c->th[i].set));
		else
			snprintf(c->units[i].label, sizeof(c->units[i].label), "t%zu", i);
		rc = pthread_create(&c->th[i].tid, NULL, cpu_main, &c->th[i]);
		if (rc) {
			soak_cpu_stop(c);
			return errf(err, len, "cannot start a load thread: %s", strerror(rc));
		}
		c->th[i].started = 1;
	}
	*out = c;
	return 0;
}

size_t soak_cpu_units(const struct soak_cpu *c)
{
	return c->n;
}

struct soak_unit *soak_cpu_unit(struct soak_cpu *c, size_t i)
{
	return &c->units[i];
}

void soak_cpu_stop(struct soak_cpu *c)
{
	size_t i;

	if (!c)
		return;
	atomic_store(&c->stop, 1);
	for (i = 0; c->th && i < c->n; i++) {
		if (c->th[i].started)
			pthread_join(c->th[i].tid, NULL);
		if (c->th[i].set)
			hwloc_bitmap_free(c->th[i].set);
	}
	free(c->th);
	free(c->units);
	if (c->topo)
		hwloc_topology_destroy(c->topo);
	free(c);
}
