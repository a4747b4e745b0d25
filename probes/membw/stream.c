/* stream.c - see stream.h. Formulas: probes/METRICS.md, section `membw`. */
#include "stream.h"
#include "clock.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#define HAVE_NT_STORES 1
#else
#define HAVE_NT_STORES 0
#endif

#define LINE 64				    /* bytes per cache line; arrays and chunks start on one */
#define CHUNK_ALIGN (LINE / sizeof(double)) /* elements */
#define ARRAY_GAP (LINE * 65)		    /* between arrays, so a, b, c do not alias in the caches */

const char *const stream_kernel_names[STREAM_NKERNELS] = { "copy", "scale", "add", "triad" };

static const int arrays_per_element[STREAM_NKERNELS] = { 2, 2, 3, 3 };

double stream_bytes(enum stream_kernel k, size_t n)
{
	return (double)arrays_per_element[k] * sizeof(double) * (double)n;
}

uint64_t stream_default_size(uint64_t llc, uint64_t avail, int *capped)
{
	uint64_t size = 4 * llc, cap = avail / 6;

	*capped = 0;
	if (size < STREAM_MIN_BYTES)
		size = STREAM_MIN_BYTES;
	if (avail && size > cap) {
		size = cap;
		*capped = 1;
	}
	return size / LINE * LINE;
}

/* The deepest cache level hwloc knows of (unified or data), or -1. */
static int llc_depth(hwloc_topology_t topo)
{
	int level, depth;

	for (level = 5; level >= 1; level--) {
		depth = hwloc_get_cache_type_depth(topo, (unsigned)level, HWLOC_OBJ_CACHE_UNIFIED);
		if (depth < 0)
			depth = hwloc_get_cache_type_depth(topo, (unsigned)level, HWLOC_OBJ_CACHE_DATA);
		if (depth >= 0)
			return depth;
	}
	return -1;
}

uint64_t stream_llc_bytes(hwloc_topology_t topo, hwloc_const_cpuset_t cpus)
{
	int depth = llc_depth(topo);
	hwloc_obj_t o = NULL;
	uint64_t sum = 0;

	if (depth < 0)
		return 0;
	while ((o = hwloc_get_next_obj_by_depth(topo, depth, o)))
		if (hwloc_bitmap_intersects(o->cpuset, cpus))
			sum += o->attr->cache.size;
	return sum;
}

void stream_expected(int reps, double *a, double *b, double *c)
{
	double aj = 1.0, bj = 2.0, cj = 0.0;
	int k;

	for (k = 0; k < reps; k++) {
		cj = aj;
		bj = STREAM_SCALAR * cj;
		cj = aj + bj;
		aj = bj + STREAM_SCALAR * cj;
	}
	*a = aj;
	*b = bj;
	*c = cj;
}

static int off(double v, double want)
{
	return !(fabs(v - want) <= STREAM_TOLERANCE * fabs(want));
}

size_t stream_check(const double *a, const double *b, const double *c, size_t n, int reps)
{
	double ea, eb, ec;
	size_t i, wrong = 0;

	stream_expected(reps, &ea, &eb, &ec);
	for (i = 0; i < n; i++)
		wrong += (size_t)off(a[i], ea) + (size_t)off(b[i], eb) + (size_t)off(c[i], ec);
	return wrong;
}

/* ---- kernels over one thread's chunk [lo, hi) ---- */

#if HAVE_NT_STORES
/* Non-temporal stores need 16-byte alignment: lo is a multiple of CHUNK_ALIGN, the odd tail is stored plainly. */
static void kernel_nt(enum stream_kernel k, double *a, double *b, double *c, size_t lo, size_t hi)
{
	const __m128d s = _mm_set1_pd(STREAM_SCALAR);
	size_t i, end = lo + (hi - lo) / 2 * 2;

	for (i = lo; i < end; i += 2) {
		switch (k) {
		case STREAM_COPY:
			_mm_stream_pd(c + i, _mm_load_pd(a + i));
			break;
		case STREAM_SCALE:
			_mm_stream_pd(b + i, _mm_mul_pd(s, _mm_load_pd(c + i)));
			break;
		case STREAM_ADD:
			_mm_stream_pd(c + i, _mm_add_pd(_mm_load_pd(a + i), _mm_load_pd(b + i)));
			break;
		default:
			_mm_stream_pd(a + i, _mm_add_pd(_mm_load_pd(b + i), _mm_mul_pd(s, _mm_load_pd(c + i))));
			break;
		}
	}
	for (; i < hi; i++) {
		double *dst = k == STREAM_COPY || k == STREAM_ADD ? c : k == STREAM_SCALE ? b : a;
		dst[i] = k == STREAM_COPY    ? a[i]
			 : k == STREAM_SCALE ? STREAM_SCALAR * c[i]
			 : k == STREAM_ADD   ? a[i] + b[i]
					     : b[i] + STREAM_SCALAR * c[i];
	}
	_mm_sfence();
}
#endif

/* Plain loops, one per kernel so the compiler vectorises each. */
static void kernel_plain(enum stream_kernel k, double *restrict a, double *restrict b, double *restrict c, size_t lo,
			 size_t hi)
{
	size_t i;

	switch (k) {
	case STREAM_COPY:
		for (i = lo; i < hi; i++)
			c[i] = a[i];
		break;
	case STREAM_SCALE:
		for (i = lo; i < hi; i++)
			b[i] = STREAM_SCALAR * c[i];
		break;
	case STREAM_ADD:
		for (i = lo; i < hi; i++)
			c[i] = a[i] + b[i];
		break;
	default:
		for (i = lo; i < hi; i++)
			a[i] = b[i] + STREAM_SCALAR * c[i];
		break;
	}
}

/* ---- the threaded run ---- */

struct shared {
	const struct stream_config *cfg;
	double *a, *b, *c;
	pthread_barrier_t bar;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int go;	       /* 0 wait, 1 run, -1 give up (not every thread started) */
	double *times; /* [rep * STREAM_NKERNELS + k], seconds, written by thread 0 */
	int nt;
};

struct worker {
	struct shared *sh;
	unsigned id;
	size_t lo, hi;
	pthread_t tid;
	int started;
};

static void first_touch(struct worker *w)
{
	size_t i;

	for (i = w->lo; i < w->hi; i++) {
		w->sh->a[i] = 1.0;
		w->sh->b[i] = 2.0;
		w->sh->c[i] = 0.0;
	}
}

/* Wait until every worker has started (1) or one could not be (-1). */
static int gate(struct shared *sh)
{
	int go;

	pthread_mutex_lock(&sh->lock);
	while (!sh->go)
		pthread_cond_wait(&sh->cond, &sh->lock);
	go = sh->go;
	pthread_mutex_unlock(&sh->lock);
	return go;
}

static void open_gate(struct shared *sh, int go)
{
	pthread_mutex_lock(&sh->lock);
	sh->go = go;
	pthread_cond_broadcast(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const struct stream_config *cfg = sh->cfg;
	double t0;
	int rep, k;

	if (gate(sh) < 0)
		return NULL;
	if (cfg->cpus)
		hwloc_set_cpubind(cfg->topo, cfg->cpus[w->id], HWLOC_CPUBIND_THREAD);
	first_touch(w);
	for (rep = 0; rep < cfg->reps; rep++)
		for (k = 0; k < STREAM_NKERNELS; k++) {
			pthread_barrier_wait(&sh->bar);
			t0 = clock_mono_s();
#if HAVE_NT_STORES
			if (sh->nt)
				kernel_nt((enum stream_kernel)k, sh->a, sh->b, sh->c, w->lo, w->hi);
			else
#endif
				kernel_plain((enum stream_kernel)k, sh->a, sh->b, sh->c, w->lo, w->hi);
			pthread_barrier_wait(&sh->bar);
			if (w->id == 0)
				sh->times[rep * STREAM_NKERNELS + k] = clock_mono_s() - t0;
		}
	return NULL;
}

/* Three arrays in one mapping, each starting on a cache line, ARRAY_GAP apart. Returns the mapping or NULL. */
static void *map_arrays(size_t n, size_t *maplen, double **a, double **b, double **c)
{
	size_t stride = (n * sizeof(double) + ARRAY_GAP + LINE - 1) / LINE * LINE;
	char *p;

	*maplen = 3 * stride;
	p = mmap(NULL, *maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, *maplen, MADV_HUGEPAGE); /* fewer TLB misses; advice only, ignored where unsupported */
	*a = (double *)p;
	*b = (double *)(p + stride);
	*c = (double *)(p + 2 * stride);
	return p;
}

static void bind_arrays(const struct stream_config *cfg, void *p, size_t len, struct stream_result *r)
{
	if (!cfg->mem)
		return;
	if (hwloc_set_area_membind(cfg->topo, p, len, cfg->mem, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET) == 0)
		r->mem_bound = 1;
	else
		snprintf(r->bind_error, sizeof(r->bind_error), "%s", strerror(errno));
}

/* Start the workers on their chunks; returns how many started. */
static unsigned start_workers(struct shared *sh, struct worker *w, unsigned nthreads, size_t n)
{
	size_t chunk = (n / nthreads + CHUNK_ALIGN - 1) / CHUNK_ALIGN * CHUNK_ALIGN;
	unsigned i;

	for (i = 0; i < nthreads; i++) {
		w[i].sh = sh;
		w[i].id = i;
		w[i].lo = i * chunk < n ? i * chunk : n;
		w[i].hi = (i + 1) * chunk < n ? (i + 1) * chunk : n;
		if (pthread_create(&w[i].tid, NULL, work, &w[i]))
			break;
		w[i].started = 1;
	}
	return i;
}

/* Best and samples from thread 0's times, repetitions after the first. */
static void collect(const struct stream_config *cfg, const double *times, struct stream_result *r)
{
	int rep, k;
	double bw;

	r->nsamples = (size_t)cfg->reps - 1;
	for (k = 0; k < STREAM_NKERNELS; k++) {
		r->samples[k] = xcalloc(r->nsamples, sizeof(double));
		for (rep = 1; rep < cfg->reps; rep++) {
			double t = times[rep * STREAM_NKERNELS + k];
			bw = t > 0 ? stream_bytes((enum stream_kernel)k, cfg->n) / t : 0;
			r->samples[k][rep - 1] = bw;
			if (bw > r->best[k])
				r->best[k] = bw;
		}
	}
}

int stream_run(const struct stream_config *cfg, struct stream_result *r, char *err, size_t len)
{
	struct shared sh = { .cfg = cfg, .nt = HAVE_NT_STORES && cfg->nt_stores };
	struct worker *w = NULL;
	size_t maplen = 0;
	void *map = NULL;
	unsigned i, started = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (cfg->n < 1 || cfg->nthreads < 1 || cfg->reps < 2 || cfg->reps > STREAM_MAX_REPS) {
		errf(err, len, "bad stream configuration (n %zu, threads %u, reps %d)", cfg->n, cfg->nthreads,
		     cfg->reps);
		return -1;
	}
	if (!(map = map_arrays(cfg->n, &maplen, &sh.a, &sh.b, &sh.c))) {
		errf(err, len, "cannot map 3 arrays of %zu bytes: %s", cfg->n * sizeof(double), strerror(errno));
		return -1;
	}
	bind_arrays(cfg, map, maplen, r);
	sh.times = xcalloc((size_t)cfg->reps * STREAM_NKERNELS, sizeof(double));
	w = xcalloc(cfg->nthreads, sizeof(*w));
	pthread_barrier_init(&sh.bar, NULL, cfg->nthreads);
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.cond, NULL);
	started = start_workers(&sh, w, cfg->nthreads, cfg->n);
	open_gate(&sh, started == cfg->nthreads ? 1 : -1);
	if (started < cfg->nthreads)
		errf(err, len, "cannot start thread %u of %u", started + 1, cfg->nthreads);
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	if (started < cfg->nthreads)
		goto out;
	if (cfg->corrupt)
		sh.a[cfg->n / 2] += 1.0;
	r->wrong = stream_check(sh.a, sh.b, sh.c, cfg->n, cfg->reps);
	r->nt_used = sh.nt;
	collect(cfg, sh.times, r);
	rc = 0;
out:
	pthread_barrier_destroy(&sh.bar);
	pthread_mutex_destroy(&sh.lock);
	pthread_cond_destroy(&sh.cond);
	free(w);
	free(sh.times);
	munmap(map, maplen);
	return rc;
}

void stream_result_release(struct stream_result *r)
{
	int k;

	for (k = 0; k < STREAM_NKERNELS; k++) {
		free(r->samples[k]);
		r->samples[k] = NULL;
	}
}
