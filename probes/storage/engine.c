/* engine.c - see engine.h. */
#include "engine.h"

#include "probe.h"

#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int engine_uring_available(unsigned qd, char *why, size_t n)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(qd, &ring, 0);

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
		     uint64_t off, long res, double lat)
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
	if (r->lat) {
		uint64_t k = atomic_fetch_add(&r->nlat, 1);

		if (k < job->nios)
			r->lat[k] = lat;
	}
}

struct uring_slot {
	unsigned char *buf;
	uint64_t off;
	double t0;
};

static void uring_worker(struct engine_job *job, const struct engine_file *f, struct engine_result *r)
{
	struct uring_slot *slots = calloc(job->qd, sizeof(*slots));
	unsigned *free_ix = calloc(job->qd, sizeof(*free_ix));
	unsigned nfree = 0, inflight = 0, i;
	struct io_uring ring;
	uint64_t next = 0;
	int rc;

	if (!slots || !free_ix) {
		record_error(job, f, r, ENOMEM, 0, "allocate");
		goto out_nomem;
	}
	rc = io_uring_queue_init(job->qd, &ring, 0);
	if (rc < 0) {
		record_error(job, f, r, -rc, 0, "io_uring_queue_init");
		goto out_nomem;
	}
	for (i = 0; i < job->qd; i++) {
		if (posix_memalign((void **)&slots[i].buf, PATTERN_SECTOR, job->bs)) {
			record_error(job, f, r, ENOMEM, 0, "allocate");
			goto out;
		}
		if (job->op == OP_SEQWRITE) /* payload once; each write then stamps headers only */
			pattern_fill(job->pat, slots[i].buf, job->bs, f->id, 0);
		free_ix[nfree++] = i;
	}
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0, queued = 0;

		while (nfree && next < job->nios && !stopping(job)) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			struct uring_slot *s;

			if (!sqe)
				break;
			i = free_ix[--nfree];
			s = &slots[i];
			s->off = engine_offset(job, f, next++);
			if (job->op == OP_SEQWRITE) {
				pattern_stamp(job->pat, s->buf, job->bs, f->id, s->off);
				io_uring_prep_write(sqe, f->fd, s->buf, job->bs, s->off);
			} else {
				io_uring_prep_read(sqe, f->fd, s->buf, job->bs, s->off);
			}
			io_uring_sqe_set_data64(sqe, i);
			s->t0 = now_s();
			queued++;
		}
		if (queued) {
			rc = io_uring_submit(&ring);
			if (rc < 0) {
				record_error(job, f, r, -rc, 0, "io_uring_submit");
				break; /* nothing of these was submitted; the ones in flight are drained by queue_exit
					*/
			}
			inflight += queued;
		}
		if (!inflight)
			break;
		rc = io_uring_wait_cqe(&ring, &cqe);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			record_error(job, f, r, -rc, 0, "io_uring_wait_cqe");
			break;
		}
		io_uring_for_each_cqe(&ring, head, cqe)
		{
			struct uring_slot *s = &slots[io_uring_cqe_get_data64(cqe)];

			complete(job, f, r, s->buf, s->off, cqe->res, now_s() - s->t0);
			free_ix[nfree++] = (unsigned)io_uring_cqe_get_data64(cqe);
			seen++;
		}
		io_uring_cq_advance(&ring, seen);
		inflight -= seen;
	}
out:
	io_uring_queue_exit(&ring);
	for (i = 0; i < job->qd; i++)
		free(slots[i].buf);
out_nomem:
	free(slots);
	free(free_ix);
}

/* psync: qd threads per file share one I/O counter. */
struct psync_file {
	struct engine_job *job;
	const struct engine_file *f;
	struct engine_result *r;
	pthread_mutex_t lock; /* guards r (complete()) */
	_Atomic uint64_t next;
};

static void *psync_thread(void *arg)
{
	struct psync_file *p = arg;
	struct engine_job *job = p->job;
	unsigned char *buf;

	if (posix_memalign((void **)&buf, PATTERN_SECTOR, job->bs)) {
		pthread_mutex_lock(&p->lock);
		record_error(job, p->f, p->r, ENOMEM, 0, "allocate");
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	if (job->op == OP_SEQWRITE) /* payload once; each write then stamps headers only */
		pattern_fill(job->pat, buf, job->bs, p->f->id, 0);
	while (!stopping(job)) {
		uint64_t i = atomic_fetch_add(&p->next, 1), off;
		double t0;
		ssize_t res;

		if (i >= job->nios)
			break;
		off = engine_offset(job, p->f, i);
		t0 = now_s();
		if (job->op == OP_SEQWRITE) {
			pattern_stamp(job->pat, buf, job->bs, p->f->id, off);
			t0 = now_s();
			res = pwrite(p->f->fd, buf, job->bs, (off_t)off);
		} else {
			res = pread(p->f->fd, buf, job->bs, (off_t)off);
		}
		if (res < 0)
			res = -errno;
		pthread_mutex_lock(&p->lock);
		complete(job, p->f, p->r, buf, off, (long)res, now_s() - t0);
		pthread_mutex_unlock(&p->lock);
	}
	free(buf);
	return NULL;
}

static void psync_worker(struct engine_job *job, const struct engine_file *f, struct engine_result *r)
{
	struct psync_file p = { .job = job, .f = f, .r = r };
	pthread_t *t = calloc(job->qd, sizeof(*t));
	unsigned i, started = 0;

	pthread_mutex_init(&p.lock, NULL);
	for (i = 0; t && i < job->qd; i++, started++)
		if (pthread_create(&t[i], NULL, psync_thread, &p))
			break;
	if (!started)
		record_error(job, f, r, EAGAIN, 0, "start I/O threads");
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&p.lock);
	free(t);
}

struct worker {
	struct engine_job *job;
	const struct engine_file *f;
	struct engine_result *r;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->job->kind == ENGINE_URING)
		uring_worker(w->job, w->f, w->r);
	else
		psync_worker(w->job, w->f, w->r);
	return NULL;
}

int engine_run(struct engine_job *job, const struct engine_file *files, struct engine_result *res, size_t n)
{
	struct worker *w = calloc(n, sizeof(*w));
	pthread_t *t = calloc(n, sizeof(*t));
	size_t i, started = 0;
	int rc = 0, e = 0;

	if (!w || !t) {
		rc = -1;
		e = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		w[i] = (struct worker){ job, &files[i], &res[i] };
		e = pthread_create(&t[i], NULL, worker_main, &w[i]);
		if (e) {
			atomic_store(&job->stop, 1);
			rc = -1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
out:
	free(w);
	free(t);
	errno = e;
	return rc;
}
