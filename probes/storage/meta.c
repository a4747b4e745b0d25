/* meta.c - see meta.h. */
#include "meta.h"

#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const meta_phase_names[] = { "create", "stat", "read", "unlink" };

struct meta_shared {
	struct meta_job *job;
	struct meta_result *r;
	pthread_mutex_t lock;
	atomic_int stop;
	_Atomic uint64_t ops;
	enum meta_phase phase;
};

struct meta_thread {
	struct meta_shared *sh;
	unsigned t;
	uint64_t first, n; /* global index of its first file, and how many */
	unsigned char *buf;
};

uint64_t meta_share(uint64_t files, unsigned n, unsigned t)
{
	return files / n + (t < files % n ? 1 : 0);
}

static void file_path(char *buf, size_t n, unsigned t, uint64_t local)
{
	snprintf(buf, n, "meta/t%u/d%" PRIu64 "/f%" PRIu64, t, local / META_DIR_FILES, local);
}

static void fail(struct meta_shared *sh, const char *path, const char *what, int err)
{
	pthread_mutex_lock(&sh->lock);
	if (!sh->r->err) {
		sh->r->err = err;
		snprintf(sh->r->err_path, sizeof(sh->r->err_path), "%s", path);
		snprintf(sh->r->err_what, sizeof(sh->r->err_what), "%s", what);
	}
	pthread_mutex_unlock(&sh->lock);
	atomic_store(&sh->stop, 1);
}

/* One operation of the current phase on one file; 0, or -1 after fail(). */
static int one_op(struct meta_thread *th, uint64_t local)
{
	struct meta_shared *sh = th->sh;
	uint64_t id = META_ID_BASE + th->first + local;
	char path[128];
	struct stat st;
	ssize_t n;
	int fd;

	file_path(path, sizeof(path), th->t, local);
	switch (sh->phase) {
	case META_CREATE:
		fd = openat(sh->job->dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(sh, path, "create", errno), -1;
		pattern_fill(sh->job->pat, th->buf, PATTERN_SECTOR, id, 0);
		n = write(fd, th->buf, PATTERN_SECTOR);
		if (n != PATTERN_SECTOR) {
			fail(sh, path, "write", n < 0 ? errno : ENOSPC);
			close(fd);
			return -1;
		}
		if (close(fd) < 0)
			return fail(sh, path, "close", errno), -1;
		return 0;
	case META_STAT:
		if (fstatat(sh->job->dirfd, path, &st, 0) < 0)
			return fail(sh, path, "stat", errno), -1;
		return 0;
	case META_READ:
		fd = openat(sh->job->dirfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail(sh, path, "open", errno), -1;
		n = read(fd, th->buf, PATTERN_SECTOR);
		close(fd);
		if (n != PATTERN_SECTOR)
			return fail(sh, path, "read", n < 0 ? errno : EIO), -1;
		if (sh->job->verify) {
			struct pattern_bad bad = { 0 };

			if (sh->job->corrupt_once && atomic_exchange(sh->job->corrupt_once, 0))
				th->buf[PATTERN_SECTOR / 2 + 100] ^= 0x5a; /* fault injection */
			if (pattern_check(sh->job->pat, th->buf, PATTERN_SECTOR, id, 0, &bad)) {
				pthread_mutex_lock(&sh->lock);
				if (!sh->r->bad.count) {
					sh->r->bad = bad;
					snprintf(sh->r->err_path, sizeof(sh->r->err_path), "%s", path);
				} else {
					sh->r->bad.count += bad.count;
				}
				pthread_mutex_unlock(&sh->lock);
			}
		}
		return 0;
	case META_UNLINK:
		if (unlinkat(sh->job->dirfd, path, 0) < 0)
			return fail(sh, path, "unlink", errno), -1;
		return 0;
	default:
		return -1;
	}
}

static void *phase_thread(void *arg)
{
	struct meta_thread *th = arg;
	struct meta_shared *sh = th->sh;
	uint64_t i, done = 0;

	for (i = 0; i < th->n; i++) {
		if (*sh->job->interrupt || atomic_load(&sh->stop))
			break;
		if (one_op(th, i) < 0)
			break;
		done++;
	}
	atomic_fetch_add(&sh->ops, done);
	return NULL;
}

static int run_phase(struct meta_shared *sh, struct meta_thread *th, unsigned n, enum meta_phase ph)
{
	pthread_t *t = calloc(n, sizeof(*t));
	unsigned i, started = 0;
	double t0;

	if (!t)
		return fail(sh, "meta", "allocate", ENOMEM), -1;
	sh->phase = ph;
	atomic_store(&sh->ops, 0);
	t0 = probe_now();
	for (i = 0; i < n; i++, started++)
		if (pthread_create(&t[i], NULL, phase_thread, &th[i])) {
			fail(sh, "meta", "start threads", EAGAIN);
			break;
		}
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	sh->r->seconds[ph] = probe_now() - t0;
	sh->r->ops[ph] = atomic_load(&sh->ops);
	free(t);
	return atomic_load(&sh->stop) || *sh->job->interrupt ? -1 : 0;
}

/* mkdir meta, meta/tT, meta/tT/dD (make = 1), or remove what is left below meta (make = 0). */
static int make_dirs(struct meta_shared *sh, struct meta_thread *th, unsigned n)
{
	char path[128];
	unsigned t;
	uint64_t d;

	if (mkdirat(sh->job->dirfd, "meta", 0700) < 0)
		return fail(sh, "meta", "mkdir", errno), -1;
	for (t = 0; t < n; t++) {
		snprintf(path, sizeof(path), "meta/t%u", t);
		if (mkdirat(sh->job->dirfd, path, 0700) < 0)
			return fail(sh, path, "mkdir", errno), -1;
		for (d = 0; d * META_DIR_FILES < th[t].n; d++) {
			snprintf(path, sizeof(path), "meta/t%u/d%" PRIu64, t, d);
			if (mkdirat(sh->job->dirfd, path, 0700) < 0)
				return fail(sh, path, "mkdir", errno), -1;
		}
	}
	return 0;
}

static int agreed(struct meta_job *job, int failed)
{
	return job->sync ? job->sync(job->sync_arg, failed) : failed;
}

int meta_run(struct meta_job *job, struct meta_result *r)
{
	struct meta_shared sh = { .job = job, .r = r };
	struct meta_thread *th = calloc(job->threads, sizeof(*th));
	uint64_t first = 0;
	unsigned t;
	int rc = -1, ph, failed = 0;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&sh.lock, NULL);
	if (!th) {
		fail(&sh, "meta", "allocate", ENOMEM);
		failed = 1;
	}
	for (t = 0; th && t < job->threads; t++) {
		th[t] = (struct meta_thread){
			.sh = &sh, .t = t, .first = first, .n = meta_share(job->files, job->threads, t)
		};
		first += th[t].n;
		if (!failed && posix_memalign((void **)&th[t].buf, PATTERN_SECTOR, PATTERN_SECTOR)) {
			fail(&sh, "meta", "allocate", ENOMEM);
			failed = 1;
		}
	}
	if (!failed && make_dirs(&sh, th, job->threads) < 0)
		failed = 1;
	/* every process reaches every agreement point until one says stop (sync: an MPI collective) */
	for (ph = 0; ph < META_PHASES; ph++) {
		if (agreed(job, failed))
			goto out;
		failed = run_phase(&sh, th, job->threads, (enum meta_phase)ph) < 0;
	}
	if (agreed(job, failed))
		goto out;
	rc = 0;
out:
	/* whatever is left (an early stop) is removed with the work directory by the caller */
	if (th)
		for (t = 0; t < job->threads; t++)
			free(th[t].buf);
	free(th);
	pthread_mutex_destroy(&sh.lock);
	return rc;
}
