/* engine.c - see engine.h. */
#include "engine.h"

#include "probe.h"

#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The start gate (engine.h, "Timing"): parties arrive once set up and wait
 * until it opens; the opener first waits until every party has arrived. One
 * condition variable serves both waits (broadcast).
 */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	int open;
};

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->ready = 0;
	g->open = 0;
}

static void gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

/* A party: ready (or failed, with the job stopped); wait for the start. */
static void gate_arrive(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->ready++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

/* The opener: wait for n parties; then, holding the lock, run at_open (may be NULL) and open. */
static void gate_open(struct gate *g, unsigned n, void (*at_open)(void *), void *arg)
{
	pthread_mutex_lock(&g->lock);
	while (g->ready < n)
		pthread_cond_wait(&g->cond, &g->lock);
	if (at_open)
		at_open(arg);
	g->open = 1;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

const unsigned engine_uring_setups[3] = { IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
					  IORING_SETUP_COOP_TASKRUN, 0 };
const char *const engine_uring_setup_names[3] = { "single_issuer,defer_taskrun", "coop_taskrun", "plain" };

/* A ring of qd entries, with the set-up flags of engine_uring_setups[*setup] or, refused (EINVAL), the next. */
static int ring_init(struct io_uring *ring, unsigned qd, unsigned *setup)
{
	int rc;

	for (;; ++*setup) {
		struct io_uring_params p = { .flags = engine_uring_setups[*setup] };

		rc = io_uring_queue_init_params(qd, ring, &p);
		if (rc != -EINVAL || *setup == 2)
			return rc;
	}
}

int engine_uring_available(unsigned qd, unsigned *setup, char *why, size_t n)
{
	struct io_uring ring;
	int rc;

	*setup = 0;
	rc = ring_init(&ring, qd, setup);
	if (rc < 0) {
		snprintf(why, n, "io_uring_queue_init: %s", strerror(-rc));
		return 0;
	}
	io_uring_queue_exit(&ring);
	return 1;
}

uint64_t engine_offset(const struct engine_job *job, const struct engine_file *f, uint64_t i)
{
	uint64_t blocks = f->size / job->bs;

	if (job->op != OP_RANDREAD || !blocks)
		return i * job->bs;
	return pattern_mix(job->seed ^ (f->id << 40) ^ i) % blocks * job->bs;
}

static int stopping(struct engine_job *job)
{
	return *job->interrupt || atomic_load(&job->stop) || (job->deadline > 0 && probe_now() > job->deadline);
}

static void record_error(struct engine_job *job, const struct engine_file *f, struct engine_result *r, int err,
			 uint64_t off, const char *what)
{
	if (!r->err) {
		r->err = err;
		r->err_offset = off;
		snprintf(r->err_what, sizeof(r->err_what), "%s", what);
	}
	(void)f;
	atomic_store(&job->stop, 1);
}

/*
 * One completed I/O of res bytes (negative: -errno) at off. A short write is
 * retried once for the rest, so the error names the real cause (ENOSPC, EIO).
 */
static void complete(struct engine_job *job, const struct engine_file *f, struct engine_result *r, unsigned char *buf,
		     uint64_t off, long res, double t0, double t_done)
{
	int is_write = job->op == OP_SEQWRITE;
	char what[96];

	if (res >= 0 && (unsigned long)res < job->bs && is_write) {
		ssize_t more = pwrite(f->fd, buf + res, job->bs - (size_t)res, (off_t)(off + (uint64_t)res));

		if (more < 0)
			res = -errno;
		else
			res += more;
	}
	if (res < 0) {
		record_error(job, f, r, (int)-res, off, is_write ? "write" : "read");
		return;
	}
	if ((unsigned long)res != job->bs) {
		snprintf(what, sizeof(what), "short %s (%ld of %u bytes)", is_write ? "write" : "read", res, job->bs);
		record_error(job, f, r, EIO, off, what);
		return;
	}
	if (!is_write && job->verify) {
		if (job->corrupt_once && atomic_exchange(job->corrupt_once, 0))
			buf[job->bs / 2 + 100] ^= 0x5a; /* fault injection: the read must then fail verification */
		pattern_check(job->pat, buf, job->bs, f->id, off, &r->bad);
	}
	r->ios++;
	r->bytes += job->bs;
	if (t_done > r->t_last)
		r->t_last = t_done;
	if (r->lat) {
		uint64_t k = atomic_fetch_add(&r->nlat, 1);

		if (k < job->nios)
			r->lat[k] = t_done - t0;
	}
}

struct uring_slot {
	unsigned char *buf;
	uint64_t off;
	uint64_t filled; /* a write buffer: the offset whose payloads it holds (pattern_fill'd for) */
	double t0;
};

/* Make a reused write buffer the sectors of off: a stamp where it holds off's payloads, else a fill. */
static void write_buffer(struct engine_job *job, const struct engine_file *f, unsigned char *buf, uint64_t *filled,
			 uint64_t off)
{
	if (pattern_same_payloads(*filled, off)) {
		pattern_stamp(job->pat, buf, job->bs, f->id, off);
		return;
	}
	pattern_fill(job->pat, buf, job->bs, f->id, off);
	*filled = off;
}

/*
 * Untimed set-up of one buffer: a write buffer gets the payloads of offset 0
 * (each write of an offset a multiple of PATTERN_PERIOD away then stamps
 * headers only: write_buffer); a read buffer is touched, so its pages are
 * faulted in before the start gate rather than by the first reads.
 */
static int buffer_setup(struct engine_job *job, const struct engine_file *f, unsigned char **buf)
{
	if (posix_memalign((void **)buf, PATTERN_SECTOR, job->bs)) {
		*buf = NULL;
		return -1;
	}
	if (job->op == OP_SEQWRITE)
		pattern_fill(job->pat, *buf, job->bs, f->id, 0);
	else
		memset(*buf, 0, job->bs);
	return 0;
}

/* Keep qd I/Os in flight on one ring until nios are done or the job stops. */
static void uring_loop(struct engine_job *job, const struct engine_file *f, struct engine_result *r,
		       struct io_uring *ring, struct uring_slot *slots, unsigned *free_ix, unsigned nfree)
{
	unsigned inflight = 0, i;
	uint64_t next = 0;
	int rc;

	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0, queued = 0;
		double t;

		while (nfree && next < job->nios && !stopping(job)) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
			struct uring_slot *s;

			if (!sqe)
				break;
			i = free_ix[--nfree];
			s = &slots[i];
			s->off = engine_offset(job, f, next++);
			if (job->op == OP_SEQWRITE) {
				write_buffer(job, f, s->buf, &s->filled, s->off);
				io_uring_prep_write(sqe, f->fd, s->buf, job->bs, s->off);
			} else {
				io_uring_prep_read(sqe, f->fd, s->buf, job->bs, s->off);
			}
			io_uring_sqe_set_data64(sqe, i);
			s->t0 = probe_now();
			queued++;
		}
		if (queued) {
			rc = io_uring_submit(ring);
			if (rc < 0) {
				record_error(job, f, r, -rc, 0, "io_uring_submit");
				break; /* none of these was submitted; those in flight are drained by queue_exit */
			}
			inflight += queued;
		}
		if (!inflight)
			break;
		rc = io_uring_wait_cqe(ring, &cqe);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			record_error(job, f, r, -rc, 0, "io_uring_wait_cqe");
			break;
		}
		t = probe_now();
		io_uring_for_each_cqe(ring, head, cqe)
		{
			struct uring_slot *s = &slots[io_uring_cqe_get_data64(cqe)];

			complete(job, f, r, s->buf, s->off, cqe->res, s->t0, t);
			free_ix[nfree++] = (unsigned)io_uring_cqe_get_data64(cqe);
			seen++;
		}
		io_uring_cq_advance(ring, seen);
		inflight -= seen;
	}
}

/* Set up (ring, buffers), arrive at the start gate, run, tear down. */
static void uring_worker(struct engine_job *job, const struct engine_file *f, struct engine_result *r, struct gate *g)
{
	struct uring_slot *slots = calloc(job->qd, sizeof(*slots));
	unsigned *free_ix = calloc(job->qd, sizeof(*free_ix));
	unsigned nfree = 0, i, setup = job->uring_setup;
	struct io_uring ring;
	int rc = -1, ok;

	if (!slots || !free_ix)
		record_error(job, f, r, ENOMEM, 0, "allocate");
	else if ((rc = ring_init(&ring, job->qd, &setup)) < 0) /* made by the thread that uses it (SINGLE_ISSUER) */
		record_error(job, f, r, -rc, 0, "io_uring_queue_init");
	for (i = 0; rc >= 0 && i < job->qd; i++) {
		if (buffer_setup(job, f, &slots[i].buf) < 0) {
			record_error(job, f, r, ENOMEM, 0, "allocate");
			break;
		}
		free_ix[nfree++] = i;
	}
	ok = rc >= 0 && nfree == job->qd;
	gate_arrive(g); /* failed or not: the others wait for every worker */
	if (ok)
		uring_loop(job, f, r, &ring, slots, free_ix, nfree);
	if (rc >= 0)
		io_uring_queue_exit(&ring);
	for (i = 0; slots && i < job->qd; i++)
		free(slots[i].buf);
	free(slots);
	free(free_ix);
}

/*
 * psync: qd threads per file share one I/O counter. Each sets up its buffer
 * and arrives at the file's own gate; the file's worker, once all have,
 * arrives at the job's gate and, when that opens, opens the file's.
 */
struct psync_file {
	struct engine_job *job;
	const struct engine_file *f;
	struct engine_result *r;
	pthread_mutex_t lock; /* guards r (complete()) */
	struct gate gate;     /* the file's own start gate */
	_Atomic uint64_t next;
};

static void *psync_thread(void *arg)
{
	struct psync_file *p = arg;
	struct engine_job *job = p->job;
	unsigned char *buf;
	uint64_t filled = 0; /* buffer_setup fills for offset 0 */
	int ok = buffer_setup(job, p->f, &buf) == 0;

	if (!ok) {
		pthread_mutex_lock(&p->lock);
		record_error(job, p->f, p->r, ENOMEM, 0, "allocate");
		pthread_mutex_unlock(&p->lock);
	}
	gate_arrive(&p->gate);
	while (ok && !stopping(job)) {
		uint64_t i = atomic_fetch_add(&p->next, 1), off;
		double t0;
		ssize_t res;

		if (i >= job->nios)
			break;
		off = engine_offset(job, p->f, i);
		if (job->op == OP_SEQWRITE) {
			write_buffer(job, p->f, buf, &filled, off);
			t0 = probe_now();
			res = pwrite(p->f->fd, buf, job->bs, (off_t)off);
		} else {
			t0 = probe_now();
			res = pread(p->f->fd, buf, job->bs, (off_t)off);
		}
		if (res < 0)
			res = -errno;
		pthread_mutex_lock(&p->lock);
		complete(job, p->f, p->r, buf, off, (long)res, t0, probe_now());
		pthread_mutex_unlock(&p->lock);
	}
	free(buf);
	return NULL;
}

/* Run as the file's gate opens (all its threads are set up): wait for the job's gate to open first. */
static void psync_arrive(void *arg)
{
	gate_arrive(arg);
}

static void psync_worker(struct engine_job *job, const struct engine_file *f, struct engine_result *r, struct gate *g)
{
	struct psync_file p = { .job = job, .f = f, .r = r };
	pthread_t *t = calloc(job->qd, sizeof(*t));
	unsigned i, started = 0;

	pthread_mutex_init(&p.lock, NULL);
	gate_init(&p.gate);
	for (i = 0; t && i < job->qd; i++, started++)
		if (pthread_create(&t[i], NULL, psync_thread, &p))
			break;
	if (!started)
		record_error(job, f, r, EAGAIN, 0, "start I/O threads");
	gate_open(&p.gate, started, psync_arrive, g);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	gate_destroy(&p.gate);
	pthread_mutex_destroy(&p.lock);
	free(t);
}

struct worker {
	struct engine_job *job;
	const struct engine_file *f;
	struct engine_result *r;
	struct gate *gate;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->job->kind == ENGINE_URING)
		uring_worker(w->job, w->f, w->r, w->gate);
	else
		psync_worker(w->job, w->f, w->r, w->gate);
	return NULL;
}

/* At the opening of the job's gate: the timed I/O starts now. */
static void job_start(void *arg)
{
	struct engine_job *job = arg;

	job->t_start = probe_now();
	job->deadline = job->runtime > 0 ? job->t_start + job->runtime : 0;
}

int engine_run(struct engine_job *job, const struct engine_file *files, struct engine_result *res, size_t n)
{
	double t_call = probe_now();
	struct worker *w = calloc(n, sizeof(*w));
	pthread_t *t = calloc(n, sizeof(*t));
	size_t i, started = 0;
	struct gate g;
	int rc = 0, e = 0;

	job->t_start = job->t_end = job->deadline = 0;
	if (!w || !t) {
		free(w);
		free(t);
		errno = ENOMEM;
		return -1;
	}
	gate_init(&g);
	for (i = 0; i < n; i++) {
		w[i] = (struct worker){ job, &files[i], &res[i], &g };
		e = pthread_create(&t[i], NULL, worker_main, &w[i]);
		if (e) {
			atomic_store(&job->stop, 1);
			rc = -1;
			break;
		}
		started++;
	}
	gate_open(&g, (unsigned)started, job_start, job);
	job->setup_s = job->t_start - t_call;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	job->t_end = job->t_start;
	for (i = 0; i < started; i++)
		if (res[i].t_last > job->t_end)
			job->t_end = res[i].t_last;
	gate_destroy(&g);
	free(w);
	free(t);
	errno = e;
	return rc;
}
