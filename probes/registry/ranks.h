/*
 * ranks.h - the registry probe under an MPI launcher (mpirun, srun): every
 * rank runs its `herd` pulls at the same moment (a barrier first), and rank 0
 * gathers every pull's time, the bytes, the wall times and the first failing
 * rank's reason: the many-nodes-pull-the-same-image case. Without MPI (or not
 * launched by it) these are one-process no-ops: rank 0 of 1.
 */
#ifndef SD_RANKS_H
#define SD_RANKS_H

#include <stddef.h>

struct ranks {
	int mpi, rank, n;
};

/* MPI_Init when launched under an MPI process manager; else rank 0 of 1. */
void ranks_start(struct ranks *r);
void ranks_end(struct ranks *r);
void ranks_barrier(struct ranks *r);
/* 1 when bad is non-zero on any rank (every rank gets the answer). */
int ranks_any(struct ranks *r, int bad);
/* Rank 0 gets every rank's mine[0..k) in all[rank * k + i] (all: r->n * k, rank 0 only). */
void ranks_gather(struct ranks *r, const double *mine, int k, double *all);
/*
 * The first rank whose err is non-zero: rank 0 gets its err and "rank R
 * (host): reason" in out (len bytes). Returns that rank, or -1 when none.
 */
int ranks_first_error(struct ranks *r, int err, const char *reason, int *err_out, char *out, size_t len);

#endif
