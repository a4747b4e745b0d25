/*
 * nccl.cu - the CUDA side of busbw's NCCL backend; the contract is
 * nccl_cuda.h.
 *
 * The communicator is non-blocking (ncclConfig_t.blocking = 0), so no NCCL
 * call can hang this thread: a call that answers ncclInProgress is polled
 * with ncclCommGetAsyncError until it settles, as nccl-tests does. The timed
 * operations are enqueued back to back with an event after each (a ring of
 * RING events: at most RING operations in flight); the host polls the event
 * of the oldest unfinished operation and the communicator's async error.
 * The deadline is per operation: timeout seconds without one completing,
 * the same rule as the MPI backend's watchdog. Alltoall is a group of
 * ncclSend/ncclRecv per peer (every NCCL version has them), sendrecv one
 * send to the next rank and one receive from the previous in a group.
 */
#include "nccl_cuda.h"

#include <cuda_runtime.h>
#include <nccl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 32		  /* operations in flight at most */
#define POLL_NS 20000	  /* host sleep between polls; the GPU has the ring queued meanwhile */
#define FINALIZE_MAX_S 60 /* ncclCommFinalize on close: at most this long, then abort */

static_assert(sizeof(ncclUniqueId) == NCCLC_ID_BYTES, "NCCL unique id size");

struct ncclc {
	int dev;
	ncclComm_t comm; /* NULL once aborted or destroyed */
	cudaStream_t stream;
	cudaEvent_t start, stop, ring[RING];
	int nevents; /* ring events created */
	void *send, *recv;
	uint64_t bytes;
	double timeout;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nap(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

static int cuda_fail(cudaError_t rc, const char *what, char *err, size_t len)
{
	snprintf(err, len, "'%s' failed: %s", what, cudaGetErrorString(rc));
	return -1;
}

static int nccl_fail(struct ncclc *x, ncclResult_t rc, const char *what, char *err, size_t len)
{
	const char *last = x && x->comm ? ncclGetLastError(x->comm) : ncclGetLastError(NULL);

	snprintf(err, len, "'%s' failed: %s%s%s%s", what, ncclGetErrorString(rc), last && *last ? " (" : "",
		 last ? last : "", last && *last ? ")" : "");
	return -1;
}

#define CK(call)                                                                                                       \
	do {                                                                                                           \
		cudaError_t ck_rc = (call);                                                                            \
		if (ck_rc != cudaSuccess)                                                                              \
			return cuda_fail(ck_rc, #call, err, len);                                                      \
	} while (0)

static void abort_comm(struct ncclc *x, ncclc_tick tick, void *arg)
{
	if (!x->comm)
		return;
	if (tick)
		tick(arg); /* the abort gets a full watchdog period of its own */
	ncclCommAbort(x->comm);
	x->comm = NULL;
}

/*
 * The communicator's state: 0 settled, 1 still in progress, -1 an error
 * (the communicator aborted, the reason in err).
 */
static int comm_state(struct ncclc *x, const char *what, char *err, size_t len)
{
	ncclResult_t st = ncclSuccess, rc = ncclCommGetAsyncError(x->comm, &st);

	if (rc != ncclSuccess)
		st = rc;
	if (st == ncclSuccess)
		return 0;
	if (st == ncclInProgress)
		return 1;
	nccl_fail(x, st, what, err, len);
	abort_comm(x, NULL, NULL);
	return -1;
}

/* After an NCCL call that answered rc: wait until it settles, at most until deadline. */
static int settle(struct ncclc *x, ncclResult_t rc, const char *what, double deadline, ncclc_tick tick, void *arg,
		  char *err, size_t len)
{
	int st;

	if (rc != ncclSuccess && rc != ncclInProgress) {
		nccl_fail(x, rc, what, err, len);
		abort_comm(x, tick, arg);
		return -1;
	}
	if (rc == ncclSuccess)
		return 0;
	while ((st = comm_state(x, what, err, len)) == 1) {
		if (now() > deadline) {
			abort_comm(x, tick, arg);
			snprintf(err, len, "timeout: '%s' did not settle within %gs", what, x->timeout);
			return NCCLC_TIMEOUT;
		}
		nap();
	}
	return st;
}

int ncclc_devices(int *count, char *err, size_t len)
{
	cudaError_t rc = cudaGetDeviceCount(count);

	if (rc != cudaSuccess) {
		*count = 0;
		snprintf(err, len, "%s", cudaGetErrorString(rc));
	}
	return 0;
}

void ncclc_version(char *buf, size_t len)
{
	int v = 0;

	if (ncclGetVersion(&v) != ncclSuccess)
		v = NCCL_VERSION_CODE;
	/* since 2.9 the code is major*10000 + minor*100 + patch; before, major*1000 + minor*100 + patch */
	if (v >= 10000)
		snprintf(buf, len, "NCCL %d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	else
		snprintf(buf, len, "NCCL %d.%d.%d", v / 1000, v / 100 % 10, v % 100);
}

int ncclc_unique_id(unsigned char id[NCCLC_ID_BYTES], char *err, size_t len)
{
	ncclUniqueId u;
	ncclResult_t rc = ncclGetUniqueId(&u);

	if (rc != ncclSuccess)
		return nccl_fail(NULL, rc, "ncclGetUniqueId", err, len);
	memcpy(id, u.internal, NCCLC_ID_BYTES);
	return 0;
}

static int setup(struct ncclc *x, uint64_t bytes, char *err, size_t len)
{
	CK(cudaSetDevice(x->dev));
	CK(cudaStreamCreateWithFlags(&x->stream, cudaStreamNonBlocking));
	CK(cudaEventCreate(&x->start));
	CK(cudaEventCreate(&x->stop));
	for (; x->nevents < RING; x->nevents++)
		CK(cudaEventCreateWithFlags(&x->ring[x->nevents], cudaEventDisableTiming));
	CK(cudaMalloc(&x->send, bytes));
	CK(cudaMalloc(&x->recv, bytes));
	return 0;
}

int ncclc_open(int dev, int nranks, int rank, const unsigned char id[NCCLC_ID_BYTES], uint64_t bytes, double timeout,
	       ncclc_tick tick, void *arg, struct ncclc **xp, char *err, size_t len)
{
	struct ncclc *x = (struct ncclc *)calloc(1, sizeof(*x));
	ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
	ncclUniqueId u;
	ncclResult_t rc;
	double t0 = now();

	*xp = x;
	if (!x) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	x->dev = dev;
	x->bytes = bytes;
	x->timeout = timeout;
	if (setup(x, bytes ? bytes : 1, err, len))
		return -1;
	memcpy(u.internal, id, NCCLC_ID_BYTES);
	cfg.blocking = 0;
	rc = ncclCommInitRankConfig(&x->comm, nranks, u, rank, &cfg);
	if (rc != ncclSuccess && rc != ncclInProgress) {
		x->comm = NULL; /* nothing to abort */
		return nccl_fail(x, rc, "ncclCommInitRankConfig", err, len);
	}
	return settle(x, ncclInProgress, "ncclCommInitRankConfig", t0 + timeout, tick, arg, err, len);
}

int ncclc_upload(struct ncclc *x, int recv, const void *host, size_t bytes, char *err, size_t len)
{
	CK(cudaSetDevice(x->dev)); /* the calling thread may not have it current */
	CK(cudaMemcpyAsync(recv ? x->recv : x->send, host, bytes, cudaMemcpyHostToDevice, x->stream));
	CK(cudaStreamSynchronize(x->stream));
	return 0;
}

int ncclc_download(struct ncclc *x, size_t offset, void *host, size_t bytes, char *err, size_t len)
{
	CK(cudaSetDevice(x->dev));
	CK(cudaMemcpyAsync(host, (char *)x->recv + offset, bytes, cudaMemcpyDeviceToHost, x->stream));
	CK(cudaStreamSynchronize(x->stream));
	return 0;
}

static ncclDataType_t nccl_type(enum busbw_dtype dt)
{
	switch (dt) {
	case BUSBW_INT32:
		return ncclInt32;
	case BUSBW_HALF:
		return ncclFloat16;
	case BUSBW_BF16:
		return ncclBfloat16;
	default:
		return ncclFloat32;
	}
}

/* Enqueue one operation; what: the NCCL call's name for messages. */
static ncclResult_t launch(struct ncclc *x, const struct ncclc_call *c, const char **what)
{
	size_t elt = busbw_dtype_size(c->dt), n = c->c.total, b = c->c.block, bb = b * elt;
	ncclDataType_t t = nccl_type(c->dt);
	char *r = (char *)x->recv, *s = c->inplace ? r : (char *)x->send;
	ncclComm_t w = x->comm;
	cudaStream_t q = x->stream;
	ncclResult_t rc;
	int p;

	switch (c->op) {
	case BUSBW_ALL_REDUCE:
		*what = "ncclAllReduce";
		return ncclAllReduce(s, r, n, t, ncclSum, w, q);
	case BUSBW_ALL_GATHER:
		*what = "ncclAllGather";
		return ncclAllGather(c->inplace ? r + (size_t)c->rank * bb : s, r, b, t, w, q);
	case BUSBW_REDUCE_SCATTER:
		*what = "ncclReduceScatter";
		return ncclReduceScatter(s, c->inplace ? r + (size_t)c->rank * bb : r, b, t, ncclSum, w, q);
	case BUSBW_BROADCAST:
		*what = "ncclBroadcast";
		return ncclBroadcast(s, r, n, t, BUSBW_ROOT, w, q);
	case BUSBW_REDUCE:
		*what = "ncclReduce";
		return ncclReduce(s, r, n, t, ncclSum, BUSBW_ROOT, w, q);
	case BUSBW_ALLTOALL:
		*what = "alltoall (ncclSend/ncclRecv group)";
		if ((rc = ncclGroupStart()) != ncclSuccess)
			return rc;
		for (p = 0; p < c->nranks; p++) {
			if ((rc = ncclSend(s + (size_t)p * bb, b, t, p, w, q)) != ncclSuccess ||
			    (rc = ncclRecv(r + (size_t)p * bb, b, t, p, w, q)) != ncclSuccess) {
				ncclGroupEnd();
				return rc;
			}
		}
		return ncclGroupEnd();
	case BUSBW_SENDRECV:
		*what = "sendrecv (ncclSend/ncclRecv group)";
		if ((rc = ncclGroupStart()) != ncclSuccess)
			return rc;
		if ((rc = ncclSend(s, n, t, (c->rank + 1) % c->nranks, w, q)) != ncclSuccess ||
		    (rc = ncclRecv(r, n, t, (c->rank + c->nranks - 1) % c->nranks, w, q)) != ncclSuccess) {
			ncclGroupEnd();
			return rc;
		}
		return ncclGroupEnd();
	default:
		*what = "unknown collective";
		return ncclInvalidArgument;
	}
}

struct waiter {
	struct ncclc *x;
	const char *what;
	int done;    /* operations known to have completed */
	double last; /* when the last one did (or the run began) */
	double timeout;
	ncclc_tick tick;
	void *arg;
};

/* Wait until operation w->done completes: 0, -1, or NCCLC_TIMEOUT (aborted). */
static int wait_one(struct waiter *w, char *err, size_t len)
{
	cudaError_t q;

	for (;;) {
		q = cudaEventQuery(w->x->ring[w->done % RING]);
		if (q == cudaSuccess) {
			w->done++;
			w->last = now();
			if (w->tick)
				w->tick(w->arg);
			return 0;
		}
		if (q != cudaErrorNotReady) {
			cuda_fail(q, "cudaEventQuery", err, len);
			abort_comm(w->x, w->tick, w->arg);
			return -1;
		}
		if (comm_state(w->x, w->what, err, len) < 0)
			return -1;
		if (now() - w->last > w->timeout) {
			abort_comm(w->x, w->tick, w->arg);
			snprintf(err, len, "timeout: %s did not complete within %gs", w->what, w->timeout);
			return NCCLC_TIMEOUT;
		}
		nap();
	}
}

int ncclc_run(struct ncclc *x, const struct ncclc_call *c, int iters, double timeout, ncclc_tick tick, void *arg,
	      double *sec, char *err, size_t len)
{
	struct waiter w = { x, "collective", 0, now(), timeout, tick, arg };
	ncclResult_t r;
	float ms = 0;
	int i, rc;

	if (!x->comm) {
		snprintf(err, len, "the NCCL communicator was aborted");
		return -1;
	}
	CK(cudaSetDevice(x->dev));
	CK(cudaEventRecord(x->start, x->stream));
	for (i = 0; i < iters; i++) {
		while (i - w.done >= RING)
			if ((rc = wait_one(&w, err, len)))
				return rc;
		r = launch(x, c, &w.what);
		if ((rc = settle(x, r, w.what, w.last + timeout, tick, arg, err, len)))
			return rc;
		CK(cudaEventRecord(x->ring[i % RING], x->stream));
	}
	CK(cudaEventRecord(x->stop, x->stream));
	while (w.done < iters)
		if ((rc = wait_one(&w, err, len)))
			return rc;
	CK(cudaEventSynchronize(x->stop));
	CK(cudaEventElapsedTime(&ms, x->start, x->stop));
	*sec = ms / 1e3;
	return 0;
}

/* ncclCommFinalize, polled for at most FINALIZE_MAX_S (or the open timeout if longer); then destroy or abort. */
static void finish_comm(struct ncclc *x)
{
	double limit = x->timeout > FINALIZE_MAX_S ? x->timeout : FINALIZE_MAX_S, t0 = now();
	ncclResult_t rc = ncclCommFinalize(x->comm), st = rc;

	while (st == ncclInProgress && now() - t0 < limit) {
		nap();
		if (ncclCommGetAsyncError(x->comm, &st) != ncclSuccess)
			break;
	}
	if (st == ncclSuccess)
		ncclCommDestroy(x->comm);
	else
		ncclCommAbort(x->comm);
	x->comm = NULL;
}

void ncclc_close(struct ncclc *x, int abort)
{
	int i;

	if (!x)
		return;
	cudaSetDevice(x->dev);
	if (x->comm && abort)
		abort_comm(x, NULL, NULL);
	if (abort) {
		free(x); /* device memory, stream and events go with the process */
		return;
	}
	if (x->comm)
		finish_comm(x);
	cudaFree(x->send);
	cudaFree(x->recv);
	for (i = 0; i < x->nevents; i++)
		cudaEventDestroy(x->ring[i]);
	if (x->start)
		cudaEventDestroy(x->start);
	if (x->stop)
		cudaEventDestroy(x->stop);
	if (x->stream)
		cudaStreamDestroy(x->stream);
	free(x);
}
