/*
 * mpi.c - busbw's MPI backend: the collectives with Open MPI (or any MPI) on
 * host memory, blocking calls from the worker thread (busbw.h says why).
 *
 * MPI has no out-of-place broadcast and no non-blocking in-place sendrecv or
 * (portably) in-place alltoall: broadcast runs in-place only, sendrecv and
 * alltoall out-of-place only. In-place reduce_scatter leaves the result at
 * the start of the buffer (MPI_Reduce_scatter_block with MPI_IN_PLACE).
 */
#include "busbw.h"
#include "probe.h"

#if SD_HAVE_MPI
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct mpi_state {
	void *send, *recv;
};

static MPI_Datatype mpi_type(enum busbw_dtype dt)
{
	return dt == BUSBW_INT32 ? MPI_INT32_T : MPI_FLOAT;
}

static int mpi_supports(enum busbw_op op, int inplace, enum busbw_dtype dt)
{
	if (dt != BUSBW_FLOAT && dt != BUSBW_INT32)
		return 0;
	if (op == BUSBW_BROADCAST)
		return inplace;
	if (op == BUSBW_SENDRECV || op == BUSBW_ALLTOALL)
		return !inplace;
	return 1;
}

static int mpi_open(struct busbw_job *j, uint64_t max_bytes, char *err, size_t len)
{
	struct mpi_state *st = calloc(1, sizeof(*st));
	size_t bytes = (size_t)max_bytes + 64;

	if (!st || !(st->send = malloc(bytes)) || !(st->recv = malloc(bytes))) {
		if (st) {
			free(st->send);
			free(st);
		}
		snprintf(err, len, "cannot allocate 2 x %zu bytes of host memory", bytes);
		return -1;
	}
	j->state = st;
	return 0;
}

/* Inputs where the collective reads them; -1 where a result goes. */
static int mpi_prepare(struct busbw_job *j, const struct busbw_case *c, char *err, size_t len)
{
	struct mpi_state *st = j->state;
	size_t b = c->c.block;

	(void)err;
	(void)len;
	busbw_poison(st->recv, c->dt, c->c.total);
	if (!c->inplace) {
		busbw_fill(st->send, c->dt, j->rank, 0, c->c.send);
		return 0;
	}
	if (c->op == BUSBW_ALL_GATHER)
		busbw_fill((char *)st->recv + (size_t)j->rank * b * busbw_dtype_size(c->dt), c->dt, j->rank, 0, b);
	else if (c->op != BUSBW_BROADCAST || j->rank == BUSBW_ROOT)
		busbw_fill(st->recv, c->dt, j->rank, 0, c->c.total);
	return 0;
}

static int call(struct busbw_job *j, const struct busbw_case *c)
{
	struct mpi_state *st = j->state;
	MPI_Datatype t = mpi_type(c->dt);
	MPI_Comm w = MPI_COMM_WORLD;
	void *s = c->inplace ? MPI_IN_PLACE : st->send, *r = st->recv;
	int n = (int)c->c.total, b = (int)c->c.block, next, prev;

	switch (c->op) {
	case BUSBW_ALL_REDUCE:
		return MPI_Allreduce(s, r, n, t, MPI_SUM, w);
	case BUSBW_ALL_GATHER:
		return MPI_Allgather(s, b, t, r, b, t, w);
	case BUSBW_REDUCE_SCATTER:
		return MPI_Reduce_scatter_block(s, r, b, t, MPI_SUM, w);
	case BUSBW_BROADCAST:
		return MPI_Bcast(r, n, t, BUSBW_ROOT, w);
	case BUSBW_REDUCE:
		if (c->inplace && j->rank != BUSBW_ROOT)
			s = r;
		return MPI_Reduce(s, r, n, t, MPI_SUM, BUSBW_ROOT, w);
	case BUSBW_ALLTOALL:
		return MPI_Alltoall(s, b, t, r, b, t, w);
	case BUSBW_SENDRECV:
		next = (j->rank + 1) % j->nranks;
		prev = (j->rank + j->nranks - 1) % j->nranks;
		return MPI_Sendrecv(s, n, t, next, 0, r, n, t, prev, 0, w, MPI_STATUS_IGNORE);
	default:
		return MPI_ERR_OP;
	}
}

static int mpi_run(struct busbw_job *j, const struct busbw_case *c, int iters, double *sec, char *err, size_t len)
{
	char text[MPI_MAX_ERROR_STRING];
	double t0 = probe_now();
	int i, rc, n = 0;

	for (i = 0; i < iters; i++) {
		busbw_watch(j, BUSBW_OP);
		if (j->o->slow)
			usleep(50000);
		if ((rc = call(j, c)) != MPI_SUCCESS) {
			if (MPI_Error_string(rc, text, &n) != MPI_SUCCESS)
				snprintf(text, sizeof(text), "error %d", rc);
			snprintf(err, len, "%s failed: %s", busbw_op_name(c->op), text);
			return -1;
		}
	}
	*sec = probe_now() - t0;
	return 0;
}

static int mpi_result(struct busbw_job *j, const struct busbw_case *c, void **out, char *err, size_t len)
{
	struct mpi_state *st = j->state;

	(void)c;
	(void)err;
	(void)len;
	*out = st->recv;
	return 0;
}

static void mpi_close(struct busbw_job *j, int abort)
{
	struct mpi_state *st = j->state;

	(void)abort;
	if (!st)
		return;
	free(st->send);
	free(st->recv);
	free(st);
	j->state = NULL;
}

const struct busbw_backend busbw_mpi = {
	.name = "mpi",
	.supports = mpi_supports,
	.open = mpi_open,
	.prepare = mpi_prepare,
	.run = mpi_run,
	.result = mpi_result,
	.close = mpi_close,
};
#endif
