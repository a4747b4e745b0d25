/*
 * busbw.h - the parts of the busbw probe and how they meet.
 *
 * busbw.c owns the parameters and the report and runs the watchdog; a worker
 * thread runs the sweep (driver.c): for every collective, in-place mode and
 * size it does a handshake with rank 0, warm-up, a barrier, the timed
 * iterations, a checked iteration, and gathers each rank's time and wrong
 * elements to rank 0. The collectives themselves come from a backend: MPI on
 * host memory (mpi.c) or NCCL on one GPU per rank (nccl.c, nccl.cu; only in a
 * CUDA build). The arithmetic is coll.h; formulas: probes/METRICS.md,
 * section `busbw`.
 *
 * Why a worker thread: blocking collectives run as fast as a bare MPI loop
 * (Open MPI's non-blocking ones, polled, were ~30% slower here), and a rank
 * stuck in one can only be rescued from another thread. The worker states
 * what it is doing (busbw_watch); the probe's own thread gives up on an
 * operation that outlasts op_timeout, reports `timeout` with the ranks that
 * had not reached it, and aborts the job once the document is out.
 */
#ifndef SD_BUSBW_H
#define SD_BUSBW_H

#include "coll.h"

#include <pthread.h>
#include <stdint.h>

#define BUSBW_TIMEOUT 1 /* a backend's open() or run() result: the deadline passed (NCCL polls its own) */
#define BUSBW_MAX_SIZES 64

struct busbw_opts {
	int ops[BUSBW_NOPS];
	int nops;
	enum busbw_dtype dt;
	int modes[2]; /* in-place flags to run: {0}, {1} or {0, 1} */
	int nmodes;
	uint64_t sizes[BUSBW_MAX_SIZES];
	size_t nsizes;
	int warmup, iters, check;
	double timeout; /* seconds an operation may take */
	int corrupt;	/* fault: rank 0 changes one result element before its check */
	int stall;	/* fault: the last rank stops taking part before the first operation */
	int slow;	/* fault: this rank waits 50 ms before each operation (a slow node: busbw.slow@NODE) */
};

struct busbw_case {
	enum busbw_op op;
	int inplace;
	enum busbw_dtype dt;
	uint64_t bytes; /* total x element size: the message size reported */
	struct busbw_counts c;
};

/* One measured case, combined over ranks on rank 0. */
struct busbw_record {
	enum busbw_op op;
	int inplace;
	uint64_t bytes;
	double time;	 /* seconds per operation: the slowest rank's mean over iters */
	double time_min; /* the fastest rank's */
	uint64_t wrong;	 /* wrong elements summed over ranks (0 when not checked) */
};

enum busbw_phase { BUSBW_IDLE, BUSBW_SETUP, BUSBW_HANDSHAKE, BUSBW_OP };

struct busbw_job;

struct busbw_backend {
	const char *name;
	/* 1 when the backend runs op in this mode with this dtype */
	int (*supports)(enum busbw_op op, int inplace, enum busbw_dtype dt);
	/* Buffers for messages up to max_bytes. Returns 0, or -1 with err */
	int (*open)(struct busbw_job *j, uint64_t max_bytes, char *err, size_t len);
	/* Write this rank's inputs for one case; poison the result elsewhere */
	int (*prepare)(struct busbw_job *j, const struct busbw_case *c, char *err, size_t len);
	/* Run the collective iters times back to back; *sec: seconds for all. 0, -1, or BUSBW_TIMEOUT */
	int (*run)(struct busbw_job *j, const struct busbw_case *c, int iters, double *sec, char *err, size_t len);
	/* This rank's result, busbw_result_count elements, in host memory owned by the backend */
	int (*result)(struct busbw_job *j, const struct busbw_case *c, void **out, char *err, size_t len);
	/* Free everything; abort: the job is being abandoned (ncclCommAbort) */
	void (*close)(struct busbw_job *j, int abort);
	/* Library version for env ("NCCL 2.23.4"); NULL when none */
	const char *(*version)(void);
};

extern const struct busbw_backend busbw_mpi;
extern const struct busbw_backend busbw_nccl; /* CUDA and MPI builds only */

struct busbw_job {
	const struct busbw_opts *o;
	const struct busbw_backend *be;
	void *state; /* the backend's */
	int rank, nranks, nodes, local_rank;

	/* Shared with the watchdog, under mu. */
	pthread_mutex_t mu;
	enum busbw_phase phase;
	double since; /* probe_now() when the phase began */
	struct busbw_case cur;
	int step;     /* handshakes begun */
	int *arrived; /* rank 0: the last step each rank reached */
	struct busbw_record *rec;
	size_t nrec;
	int done, rc;
	char err[512];
};

/* The worker thread's body: arg is the job. Sets rc (0, -1 with err), then done. */
void *busbw_worker(void *arg);

/* State what the worker is doing now (the watchdog times it from here). */
void busbw_watch(struct busbw_job *j, enum busbw_phase phase);

/* Whether this build has the NCCL backend and a CUDA device; why not in err. */
int busbw_nccl_usable(char *err, size_t len);

#endif
