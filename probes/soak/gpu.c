/*
 * gpu.c - the soak probe's GPU load, host side (contract in load.h): one host
 * thread per visible GPU running batches of GEMMs (gpu.cu) and counting
 * 2 n^3 flops per GEMM; every check_every seconds the output is compared
 * with the first one. Without CUDA it says "no CUDA device".
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#if SD_HAVE_CUDA
#include "gpu_cuda.h"
#include "xalloc.h"

#include <pthread.h>
#include <time.h>

#define ERRLEN 256
#define BATCH 8 /* GEMMs between counter updates: well under a second at any size that loads a GPU */

struct gpu_thread {
	struct soak_gpu *g;
	struct soak_unit *u;
	int dev;
	pthread_t tid;
	int started;
	int corrupt;
	int failed;
	char err[ERRLEN];
};

struct soak_gpu {
	struct soak_gpu_opts o;
	_Atomic int stop;
	size_t n;
	struct soak_unit *units;
	struct gpu_thread *th;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *gpu_main(void *arg)
{
	struct gpu_thread *t = arg;
	struct soakc *s = NULL;
	double flops = 2.0 * (double)t->g->o.n * (double)t->g->o.n * (double)t->g->o.n, next;
	uint64_t wrong;

	if (soakc_open(t->dev, t->g->o.fp16, t->g->o.n, &s, t->err, sizeof(t->err)))
		goto fail;
	if (soakc_run(s, 1, t->err, sizeof(t->err)) || soakc_compare(s, 0, &wrong, t->err, sizeof(t->err)))
		goto fail;
	next = now_s() + t->g->o.check_every;
	while (!atomic_load_explicit(&t->g->stop, memory_order_relaxed)) {
		if (soakc_run(s, BATCH, t->err, sizeof(t->err)))
			goto fail;
		atomic_fetch_add_explicit(&t->u->flops, (uint64_t)(flops * BATCH), memory_order_relaxed);
		if (now_s() < next)
			continue;
		if (soakc_compare(s, t->corrupt, &wrong, t->err, sizeof(t->err)))
			goto fail;
		t->corrupt = 0;
		atomic_fetch_add_explicit(&t->u->checks, 1, memory_order_relaxed);
		if (wrong)
			atomic_fetch_add_explicit(&t->u->sdc, 1, memory_order_relaxed);
		next = now_s() + t->g->o.check_every;
	}
	soakc_close(s);
	return NULL;
fail:
	t->failed = 1;
	soakc_close(s);
	return NULL;
}

int soak_gpu_start(const struct soak_gpu_opts *o, struct soak_gpu **out, char *err, size_t len)
{
	struct soak_gpu *g;
	int count = 0, i, rc;
	char why[ERRLEN] = "";

	soakc_count(&count, why, sizeof(why));
	if (count <= 0) {
		snprintf(err, len, "no CUDA device");
		return 1;
	}
	g = xcalloc(1, sizeof(*g));
	g->o = *o;
	g->units = aligned_alloc(64, (size_t)count * sizeof(*g->units));
	if (!g->units) {
		free(g);
		return errf(err, len, "out of memory");
	}
	memset(g->units, 0, (size_t)count * sizeof(*g->units));
	g->th = xcalloc((size_t)count, sizeof(*g->th));
	for (i = 0; i < count; i++) {
		g->th[i] = (struct gpu_thread){ .g = g, .u = &g->units[i], .dev = i, .corrupt = o->corrupt && i == 0 };
		snprintf(g->units[i].label, sizeof(g->units[i].label), "%d", i);
		rc = pthread_create(&g->th[i].tid, NULL, gpu_main, &g->th[i]);
		if (rc) {
			soak_gpu_stop(g, NULL, 0);
			return errf(err, len, "cannot start a gpu thread: %s", strerror(rc));
		}
		g->th[i].started = 1;
		g->n = (size_t)i + 1;
	}
	*out = g;
	return 0;
}

size_t soak_gpu_units(const struct soak_gpu *g)
{
	return g->n;
}

struct soak_unit *soak_gpu_unit(struct soak_gpu *g, size_t i)
{
	return &g->units[i];
}

int soak_gpu_stop(struct soak_gpu *g, char *err, size_t len)
{
	int rc = 0;
	size_t i;

	atomic_store(&g->stop, 1);
	for (i = 0; i < g->n; i++) {
		if (g->th[i].started)
			pthread_join(g->th[i].tid, NULL);
		if (g->th[i].failed && !rc)
			rc = errf(err, len, "%s", g->th[i].err);
	}
	free(g->th);
	free(g->units);
	free(g);
	return rc;
}

#else /* !SD_HAVE_CUDA */

struct soak_gpu {
	int unused;
};

int soak_gpu_start(const struct soak_gpu_opts *o, struct soak_gpu **out, char *err, size_t len)
{
	(void)o;
	*out = NULL;
	snprintf(err, len, "no CUDA device");
	return 1;
}

size_t soak_gpu_units(const struct soak_gpu *g)
{
	(void)g;
	return 0;
}

struct soak_unit *soak_gpu_unit(struct soak_gpu *g, size_t i)
{
	(void)g;
	(void)i;
	return NULL;
}

int soak_gpu_stop(struct soak_gpu *g, char *err, size_t len)
{
	(void)g;
	(void)err;
	(void)len;
	return 0;
}

#endif
