/*
 * ranks.c - MPI for the registry probe's herd (ranks.h); built without MPI
 * as rank 0 of 1.
 */
#include "ranks.h"
#include "sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if SD_HAVE_MPI
#include <mpi.h>
SD_NO_LEAK_CHECK_FOR_MPI; /* Open MPI's own allocations would fail the leak check: sanitize.h */
#endif

#define REASON_MAX 1200

void ranks_start(struct ranks *r)
{
	r->mpi = 0;
	r->rank = 0;
	r->n = 1;
#if SD_HAVE_MPI
	int prov = 0;

	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK") && !getenv("PMI_SIZE"))
		return;
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &prov) != MPI_SUCCESS)
		return;
	r->mpi = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &r->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &r->n);
#endif
}

void ranks_end(struct ranks *r)
{
#if SD_HAVE_MPI
	if (r->mpi)
		MPI_Finalize();
#endif
	r->mpi = 0;
}

void ranks_barrier(struct ranks *r)
{
#if SD_HAVE_MPI
	if (r->mpi)
		MPI_Barrier(MPI_COMM_WORLD);
#endif
	(void)r;
}

int ranks_any(struct ranks *r, int bad)
{
	int any = bad != 0;

#if SD_HAVE_MPI
	if (r->mpi)
		MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
	(void)r;
	return any;
}

void ranks_gather(struct ranks *r, const double *mine, int k, double *all)
{
#if SD_HAVE_MPI
	if (r->mpi) {
		MPI_Gather(mine, k, MPI_DOUBLE, all, k, MPI_DOUBLE, 0, MPI_COMM_WORLD);
		return;
	}
#endif
	(void)r;
	memcpy(all, mine, (size_t)k * sizeof(*mine));
}

int ranks_first_error(struct ranks *r, int err, const char *reason, int *err_out, char *out, size_t len)
{
	char mine[REASON_MAX], host[64] = "";
	int first = -1;

	gethostname(host, sizeof(host) - 1);
	snprintf(mine, sizeof(mine), "rank %d (%.60s): %s", r->rank, host, err ? reason : "");
	*err_out = 0;
#if SD_HAVE_MPI
	if (r->mpi) {
		int *errs = r->rank == 0 ? calloc((size_t)r->n, sizeof(int)) : NULL;
		char *all = r->rank == 0 ? calloc((size_t)r->n, REASON_MAX) : NULL;
		int ok = r->rank != 0 || (errs && all);

		MPI_Gather(&err, 1, MPI_INT, errs, 1, MPI_INT, 0, MPI_COMM_WORLD);
		MPI_Gather(mine, REASON_MAX, MPI_CHAR, all, REASON_MAX, MPI_CHAR, 0, MPI_COMM_WORLD);
		for (int i = 0; ok && r->rank == 0 && i < r->n && first < 0; i++)
			if (errs[i]) {
				first = i;
				*err_out = errs[i];
				snprintf(out, len, "%.*s", REASON_MAX, all + (size_t)i * REASON_MAX);
			}
		free(errs);
		free(all);
		return first;
	}
#endif
	(void)r;
	if (err) {
		*err_out = err;
		snprintf(out, len, "%s", reason);
		first = 0;
	}
	return first;
}
