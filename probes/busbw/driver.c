/*
 * driver.c - the sweep, run by the worker thread (contract in busbw.h).
 *
 * For every collective, mode and size: handshake (each rank tells rank 0 it
 * has reached the case, so a timeout can name the ranks that had not), fill,
 * warm-up, barrier, iters timed back to back, one checked run, and a gather
 * of (seconds per operation, wrong elements) to rank 0, which keeps the
 * slowest rank's time (METRICS.md, section `busbw`: time is the max over
 * ranks of each rank's mean). MPI carries the control traffic for both
 * backends.
 */
#include "busbw.h"
#include "probe.h"

#if SD_HAVE_MPI
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG_HANDSHAKE 7301
#define HOST_LEN 64

void busbw_watch(struct busbw_job *j, enum busbw_phase phase)
{
	pthread_mutex_lock(&j->mu);
	j->phase = phase;
	j->since = probe_now();
	pthread_mutex_unlock(&j->mu);
}

static int mpi_fail(struct busbw_job *j, int rc, const char *what)
{
	char text[MPI_MAX_ERROR_STRING];
	int n = 0;

	if (MPI_Error_string(rc, text, &n) != MPI_SUCCESS)
		snprintf(text, sizeof(text), "error %d", rc);
	snprintf(j->err, sizeof(j->err), "'%s' failed: %s", what, text);
	return -1;
}

#define MPI_CK(call)                                                                                                   \
	do {                                                                                                           \
		int mck_rc = (call);                                                                                   \
		if (mck_rc != MPI_SUCCESS)                                                                             \
			return mpi_fail(j, mck_rc, #call);                                                             \
	} while (0)

/* Hostnames of every rank: the node count, and this rank's index among the ranks on its node. */
static int find_nodes(struct busbw_job *j)
{
	char *all = calloc((size_t)j->nranks, HOST_LEN), me[HOST_LEN] = "";
	int r, q, rc;

	if (!all)
		return snprintf(j->err, sizeof(j->err), "out of memory"), -1;
	gethostname(me, sizeof(me) - 1);
	busbw_watch(j, BUSBW_SETUP);
	rc = MPI_Allgather(me, HOST_LEN, MPI_CHAR, all, HOST_LEN, MPI_CHAR, MPI_COMM_WORLD);
	busbw_watch(j, BUSBW_IDLE);
	if (rc != MPI_SUCCESS) {
		free(all);
		return mpi_fail(j, rc, "MPI_Allgather");
	}
	j->nodes = 0;
	j->local_rank = 0;
	for (r = 0; r < j->nranks; r++) {
		for (q = 0; q < r && strncmp(all + (size_t)q * HOST_LEN, all + (size_t)r * HOST_LEN, HOST_LEN); q++)
			;
		j->nodes += q == r;
		if (r < j->rank && !strncmp(all + (size_t)r * HOST_LEN, me, HOST_LEN))
			j->local_rank++;
	}
	free(all);
	return 0;
}

/* Rank 0 learns which ranks reached this case (j->arrived), then everyone meets at a barrier. */
static int handshake(struct busbw_job *j)
{
	int step, r, k, ndone, *idx = NULL, *from = NULL, rc = 0;
	MPI_Request *req = NULL;

	pthread_mutex_lock(&j->mu);
	step = ++j->step;
	if (j->rank == 0)
		j->arrived[0] = step;
	pthread_mutex_unlock(&j->mu);
	busbw_watch(j, BUSBW_HANDSHAKE);
	if (j->rank != 0) {
		MPI_CK(MPI_Send(&step, 1, MPI_INT, 0, TAG_HANDSHAKE, MPI_COMM_WORLD));
		goto barrier;
	}
	req = calloc((size_t)j->nranks, sizeof(*req));
	from = calloc((size_t)j->nranks, sizeof(*from));
	idx = calloc((size_t)j->nranks, sizeof(*idx));
	if (!req || !from || !idx) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		rc = -1;
		goto out;
	}
	for (r = 1; r < j->nranks; r++)
		MPI_CK(MPI_Irecv(&from[r], 1, MPI_INT, r, TAG_HANDSHAKE, MPI_COMM_WORLD, &req[r]));
	for (ndone = 0; ndone < j->nranks - 1;) {
		int got = 0;

		MPI_CK(MPI_Waitsome(j->nranks - 1, req + 1, &got, idx, MPI_STATUSES_IGNORE));
		if (got == MPI_UNDEFINED)
			break;
		pthread_mutex_lock(&j->mu);
		for (k = 0; k < got; k++)
			j->arrived[idx[k] + 1] = from[idx[k] + 1];
		pthread_mutex_unlock(&j->mu);
		ndone += got;
	}
barrier:
	rc = MPI_Barrier(MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		rc = mpi_fail(j, rc, "MPI_Barrier");
out:
	free(req);
	free(from);
	free(idx);
	return rc;
}

/* A timed case on every rank; rank 0 appends the combined record. Returns 0, -1, or BUSBW_TIMEOUT. */
static int one_case(struct busbw_job *j, const struct busbw_case *c, int *corrupt)
{
	double sec = 0, mine[2], *all = NULL;
	struct busbw_expect e;
	struct busbw_record rec = { .op = c->op, .inplace = c->inplace, .bytes = c->bytes };
	void *out;
	int rc, r;

	pthread_mutex_lock(&j->mu);
	j->cur = *c;
	pthread_mutex_unlock(&j->mu);
	if ((rc = handshake(j)))
		return rc;
	if ((rc = j->be->prepare(j, c, j->err, sizeof(j->err))))
		return rc;
	if (j->o->warmup && (rc = j->be->run(j, c, j->o->warmup, &sec, j->err, sizeof(j->err))))
		return rc;
	busbw_watch(j, BUSBW_OP);
	MPI_CK(MPI_Barrier(MPI_COMM_WORLD));
	if ((rc = j->be->run(j, c, j->o->iters, &sec, j->err, sizeof(j->err))))
		return rc;
	mine[0] = sec / j->o->iters;
	mine[1] = 0;
	if (j->o->check) {
		if ((rc = j->be->prepare(j, c, j->err, sizeof(j->err))) ||
		    (rc = j->be->run(j, c, 1, &sec, j->err, sizeof(j->err))) ||
		    (rc = j->be->result(j, c, &out, j->err, sizeof(j->err))))
			return rc;
		busbw_watch(j, BUSBW_IDLE);
		busbw_expect_init(&e, c->op, c->dt, j->nranks, j->rank, &c->c);
		if (*corrupt && j->rank == 0) {
			busbw_set(out, c->dt, 0, busbw_get(out, c->dt, 0) + 1);
			*corrupt = 0;
		}
		mine[1] = (double)busbw_check(&e, out);
	}
	if (j->rank == 0 && !(all = calloc((size_t)j->nranks * 2, sizeof(*all))))
		return snprintf(j->err, sizeof(j->err), "out of memory"), -1;
	busbw_watch(j, BUSBW_OP);
	rc = MPI_Gather(mine, 2, MPI_DOUBLE, all, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
	busbw_watch(j, BUSBW_IDLE);
	if (rc != MPI_SUCCESS) {
		free(all);
		return mpi_fail(j, rc, "MPI_Gather");
	}
	if (j->rank != 0)
		return 0;
	rec.time_min = all[0];
	for (r = 0; r < j->nranks; r++) {
		rec.time = all[2 * r] > rec.time ? all[2 * r] : rec.time;
		rec.time_min = all[2 * r] < rec.time_min ? all[2 * r] : rec.time_min;
		rec.wrong += (uint64_t)all[2 * r + 1];
	}
	free(all);
	pthread_mutex_lock(&j->mu);
	j->rec[j->nrec++] = rec;
	pthread_mutex_unlock(&j->mu);
	return 0;
}

static void stall(struct busbw_job *j)
{
	double until = probe_now() + j->o->timeout * 4 + 30;

	fprintf(stderr, "busbw: rank %d stops taking part (fault 'stall')\n", j->rank);
	while (probe_now() < until)
		sleep(1);
}

static int sweep(struct busbw_job *j)
{
	const struct busbw_opts *o = j->o;
	size_t elt = busbw_dtype_size(o->dt), s;
	int i, m, rc, corrupt = o->corrupt;
	struct busbw_case c;

	if (o->stall && j->nranks > 1 && j->rank == j->nranks - 1)
		stall(j);
	for (i = 0; i < o->nops; i++)
		for (m = 0; m < o->nmodes; m++) {
			if (!j->be->supports(o->ops[i], o->modes[m], o->dt)) {
				if (j->rank == 0)
					fprintf(stderr, "busbw: %s %s not measured: backend %s does not have it\n",
						busbw_op_name(o->ops[i]), o->modes[m] ? "in-place" : "out-of-place",
						j->be->name);
				continue;
			}
			for (s = 0; s < o->nsizes; s++) {
				c = (struct busbw_case){ .op = o->ops[i], .inplace = o->modes[m], .dt = o->dt };
				busbw_counts(c.op, j->nranks, elt, o->sizes[s], &c.c);
				if (!c.c.total)
					continue;
				c.bytes = (uint64_t)c.c.total * elt;
				if ((rc = one_case(j, &c, &corrupt)))
					return rc;
			}
		}
	return 0;
}

void *busbw_worker(void *arg)
{
	struct busbw_job *j = arg;
	int rc;

	rc = find_nodes(j);
	if (!rc)
		rc = j->be->open(j, j->o->sizes[j->o->nsizes - 1], j->err, sizeof(j->err));
	if (!rc)
		rc = sweep(j);
	if (rc != BUSBW_TIMEOUT) /* a backend's own timeout keeps its phase for the reason */
		busbw_watch(j, BUSBW_IDLE);
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->done = 1;
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

#else

void busbw_watch(struct busbw_job *j, enum busbw_phase phase)
{
	(void)j;
	(void)phase;
}

void *busbw_worker(void *arg)
{
	(void)arg;
	return NULL;
}

#endif
