/*
 * nccl.c - busbw's NCCL backend, the C side: whether it can run here, the
 * device and the MPI bootstrap, the inputs and results (the CUDA side is
 * nccl.cu, its contract nccl_cuda.h).
 *
 * One rank per GPU: device = local rank (driver.c, from the host names
 * gathered over MPI) modulo the devices this process sees. Rank 0 makes the
 * NCCL unique id and broadcasts it over MPI with a status, so a rank 0 that
 * could not make one fails every rank instead of hanging them. Inputs are
 * written on the host with coll.c exactly as the MPI backend writes them
 * (mpi.c) and copied to the device; the result is copied back for the same
 * check. The communicator is non-blocking: nccl.cu polls every operation
 * against op_timeout, restarting the watchdog's clock on progress, and
 * aborts it (ncclCommAbort) when the deadline passes.
 *
 * In-place: all_gather reads its share at recv + rank x block and
 * reduce_scatter leaves its result at recv + rank x block (NCCL's in-place
 * rules). alltoall and sendrecv run out-of-place only: NCCL has no in-place
 * form of them, and a send and a receive on one buffer in one group race.
 */
#include "busbw.h"
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SD_HAVE_CUDA && SD_HAVE_MPI
#include "nccl_cuda.h"

#include <mpi.h>

struct nccl_state {
	struct ncclc *x;
	void *host; /* inputs on their way to the device; the result on its way back */
};

static int nccl_supports(enum busbw_op op, int inplace, enum busbw_dtype dt)
{
	if (dt >= BUSBW_NDTYPES)
		return 0;
	if (op == BUSBW_SENDRECV || op == BUSBW_ALLTOALL)
		return !inplace;
	return op < BUSBW_NOPS;
}

static void tick_setup(void *arg)
{
	busbw_watch(arg, BUSBW_SETUP);
}

static void tick_op(void *arg)
{
	busbw_watch(arg, BUSBW_OP);
}

/* Rank 0's unique id to every rank, with whether rank 0 could make one. */
static int share_id(struct busbw_job *j, unsigned char id[NCCLC_ID_BYTES], char *err, size_t len)
{
	struct {
		int ok;
		unsigned char id[NCCLC_ID_BYTES];
	} msg;
	int rc;

	memset(&msg, 0, sizeof(msg));
	if (j->rank == 0)
		msg.ok = !ncclc_unique_id(msg.id, err, len);
	busbw_watch(j, BUSBW_SETUP);
	rc = MPI_Bcast(&msg, (int)sizeof(msg), MPI_BYTE, 0, MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return snprintf(err, len, "'MPI_Bcast' of the NCCL unique id failed: error %d", rc), -1;
	if (!msg.ok) {
		if (j->rank != 0)
			snprintf(err, len, "rank 0 could not make an NCCL unique id");
		return -1;
	}
	memcpy(id, msg.id, NCCLC_ID_BYTES);
	return 0;
}

static int nccl_open(struct busbw_job *j, uint64_t max_bytes, char *err, size_t len)
{
	struct nccl_state *st = calloc(1, sizeof(*st));
	unsigned char id[NCCLC_ID_BYTES];
	size_t bytes = (size_t)max_bytes + 64;
	int count = 0, dev, rc;
	char why[256] = "";

	if (!st || !(st->host = malloc(bytes))) {
		free(st);
		return snprintf(err, len, "cannot allocate %zu bytes of host memory", bytes), -1;
	}
	j->state = st;
	ncclc_devices(&count, why, sizeof(why));
	if (count < 1)
		return snprintf(err, len, "rank %d: no CUDA device%s%s%s", j->rank, why[0] ? " (" : "", why,
				why[0] ? ")" : ""),
		       -1;
	dev = j->local_rank % count;
	if (j->local_rank >= count && j->rank == 0)
		fprintf(stderr, "busbw: more ranks on a node than its %d CUDA devices: ranks share GPUs\n", count);
	if (share_id(j, id, err, len))
		return -1;
	rc = ncclc_open(dev, j->nranks, j->rank, id, bytes, j->o->timeout, tick_setup, j, &st->x, err, len);
	if (rc == NCCLC_TIMEOUT)
		return BUSBW_TIMEOUT;
	if (rc)
		return -1;
	busbw_watch(j, BUSBW_IDLE);
	return 0;
}

static int upload(struct nccl_state *st, int recv, enum busbw_dtype dt, size_t n, char *err, size_t len)
{
	return ncclc_upload(st->x, recv, st->host, n * busbw_dtype_size(dt), err, len);
}

/* The MPI backend's inputs (mpi_prepare), written on the host and copied to the device. */
static int nccl_prepare(struct busbw_job *j, const struct busbw_case *c, char *err, size_t len)
{
	struct nccl_state *st = j->state;
	size_t b = c->c.block;

	if (!c->inplace) {
		busbw_fill(st->host, c->dt, j->rank, 0, c->c.send);
		if (upload(st, 0, c->dt, c->c.send, err, len))
			return -1;
		busbw_poison(st->host, c->dt, c->c.total);
		return upload(st, 1, c->dt, c->c.total, err, len);
	}
	busbw_poison(st->host, c->dt, c->c.total);
	if (c->op == BUSBW_ALL_GATHER)
		busbw_fill((char *)st->host + (size_t)j->rank * b * busbw_dtype_size(c->dt), c->dt, j->rank, 0, b);
	else if (c->op != BUSBW_BROADCAST || j->rank == BUSBW_ROOT)
		busbw_fill(st->host, c->dt, j->rank, 0, c->c.total);
	return upload(st, 1, c->dt, c->c.total, err, len);
}

static int nccl_run(struct busbw_job *j, const struct busbw_case *c, int iters, double *sec, char *err, size_t len)
{
	struct nccl_state *st = j->state;
	struct ncclc_call call = {
		.op = c->op, .inplace = c->inplace, .dt = c->dt, .rank = j->rank, .nranks = j->nranks, .c = c->c
	};
	int rc;

	busbw_watch(j, BUSBW_OP);
	rc = ncclc_run(st->x, &call, iters, j->o->timeout, tick_op, j, sec, err, len);
	return rc == NCCLC_TIMEOUT ? BUSBW_TIMEOUT : rc;
}

static int nccl_result(struct busbw_job *j, const struct busbw_case *c, void **out, char *err, size_t len)
{
	struct nccl_state *st = j->state;
	size_t elt = busbw_dtype_size(c->dt), n = c->c.total, off = 0;

	if (c->op == BUSBW_REDUCE_SCATTER) {
		n = c->c.block;
		off = c->inplace ? (size_t)j->rank * c->c.block * elt : 0;
	}
	*out = st->host;
	return ncclc_download(st->x, off, st->host, n * elt, err, len);
}

static void nccl_close(struct busbw_job *j, int abort)
{
	struct nccl_state *st = j->state;

	if (!st)
		return;
	ncclc_close(st->x, abort);
	free(st->host);
	free(st);
	j->state = NULL;
}

static const char *nccl_version(void)
{
	static char v[64];

	if (!v[0])
		ncclc_version(v, sizeof(v));
	return v;
}

const struct busbw_backend busbw_nccl = {
	.name = "nccl",
	.supports = nccl_supports,
	.open = nccl_open,
	.prepare = nccl_prepare,
	.run = nccl_run,
	.result = nccl_result,
	.close = nccl_close,
	.version = nccl_version,
};

int busbw_nccl_usable(char *err, size_t len)
{
	char why[256] = "";
	int count = 0;

	ncclc_devices(&count, why, sizeof(why));
	if (count > 0) {
		snprintf(err, len, "%d CUDA device%s", count, count == 1 ? "" : "s");
		return 1;
	}
	if (why[0])
		fprintf(stderr, "busbw: cudaGetDeviceCount: %s\n", why);
	snprintf(err, len, "no CUDA device");
	return 0;
}

#else

int busbw_nccl_usable(char *err, size_t len)
{
	if (SD_HAVE_CUDA)
		fprintf(stderr, "busbw: this build has no MPI, which the NCCL backend bootstraps over\n");
	snprintf(err, len, "no CUDA device");
	return 0;
}

#endif
