/*
 * nccl_cuda.h - the CUDA side of busbw's NCCL backend (nccl.cu), as plain C.
 *
 * nccl.c owns the policy: which device, the MPI bootstrap, the inputs and
 * the checks (coll.h, the same as the MPI backend's), the watchdog. These
 * functions own the mechanism: one non-blocking NCCL communicator on one
 * device, its stream and buffers, the collectives, CUDA-event timing, and
 * polling (cudaEventQuery + ncclCommGetAsyncError) against a deadline with
 * ncclCommAbort when it passes. They exist only in a CUDA build
 * (SD_HAVE_CUDA), so nccl.c calls them under #if SD_HAVE_CUDA only.
 *
 * Every function returns 0, or -1 with a lower-case reason in err
 * ("'ncclAllReduce' failed: unhandled system error (...)"); the waiting ones
 * may return NCCLC_TIMEOUT instead, after aborting the communicator.
 */
#ifndef SD_BUSBW_NCCL_CUDA_H
#define SD_BUSBW_NCCL_CUDA_H

#include "coll.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NCCLC_ID_BYTES 128 /* NCCL_UNIQUE_ID_BYTES */
#define NCCLC_TIMEOUT 1	   /* == BUSBW_TIMEOUT */

/* One communicator on one device: stream, events, send and receive buffers. */
struct ncclc;

/*
 * Called whenever the work moves on (an operation completed) and just before
 * an abort: the caller restarts its watchdog's clock there, so the deadline
 * enforced here (timeout seconds without progress) is the one that counts.
 */
typedef void (*ncclc_tick)(void *arg);

/* CUDA devices visible; 0 (and 0 returned) when there is no device or driver, the reason in err. */
int ncclc_devices(int *count, char *err, size_t len);

/* "NCCL 2.28.9" into buf. */
void ncclc_version(char *buf, size_t len);

/* A new unique id (rank 0 makes it; the caller broadcasts it). */
int ncclc_unique_id(unsigned char id[NCCLC_ID_BYTES], char *err, size_t len);

/*
 * On device dev: a stream, device send and receive buffers of bytes each,
 * and rank's part of a non-blocking communicator of nranks built from id.
 * Initialisation is polled; it must end within timeout seconds, or the
 * communicator is aborted and NCCLC_TIMEOUT returned. *x is owned by the
 * caller (ncclc_close), also after a failure when it is not NULL.
 */
int ncclc_open(int dev, int nranks, int rank, const unsigned char id[NCCLC_ID_BYTES], uint64_t bytes, double timeout,
	       ncclc_tick tick, void *arg, struct ncclc **x, char *err, size_t len);

/* Copy bytes from host to the start of the send (recv 0) or receive (recv 1) buffer. */
int ncclc_upload(struct ncclc *x, int recv, const void *host, size_t bytes, char *err, size_t len);

/* Copy bytes from the receive buffer, starting at offset, to host. */
int ncclc_download(struct ncclc *x, size_t offset, void *host, size_t bytes, char *err, size_t len);

/* One collective as busbw runs it (coll.h's counts; rank and nranks of the communicator). */
struct ncclc_call {
	enum busbw_op op;
	int inplace;
	enum busbw_dtype dt;
	int rank, nranks;
	struct busbw_counts c;
};

/*
 * Enqueue iters operations back to back on the stream (at most a few dozen
 * in flight) and wait for them; *sec: CUDA-event seconds from before the
 * first to after the last. Returns NCCLC_TIMEOUT when timeout seconds pass
 * without an operation completing (the communicator is aborted then).
 */
int ncclc_run(struct ncclc *x, const struct ncclc_call *c, int iters, double timeout, ncclc_tick tick, void *arg,
	      double *sec, char *err, size_t len);

/*
 * Free everything. abort: the job is being abandoned: ncclCommAbort, and the
 * device memory is left to the process's end (a stuck kernel would hang a
 * cudaFree). Otherwise the communicator is finalized (bounded by the open
 * timeout; aborted past it) and destroyed.
 */
void ncclc_close(struct ncclc *x, int abort);

#ifdef __cplusplus
}
#endif

#endif
