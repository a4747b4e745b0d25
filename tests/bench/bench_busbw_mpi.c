/*
 * bench_busbw_mpi.c - the peer the busbw probe's MPI backend is measured
 * against: a bare MPI_Allreduce loop, with nothing around it.
 *
 *   mpirun -np 2 bench_busbw_mpi [BYTES [ITERS [WARMUP]]]   (default 16 MiB, 20, 5)
 *
 * Timed as the probe times it (probes/busbw/driver.c): float sum, out of
 * place, WARMUP untimed calls, a barrier, ITERS calls back to back; each
 * rank's mean, the slowest rank's counts. Rank 0 prints one parseable line:
 *
 *   bare_mpi_allreduce bytes 16777216 ranks 2 time_s 0.00512 busbw 6.55e+09
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long long bytes = argc > 1 ? strtoll(argv[1], NULL, 10) : 16ll << 20;
	int iters = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20,
	    warm = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 5;
	int rank, n, i, count = (int)(bytes / (long long)sizeof(float));
	float *s = malloc((size_t)count * sizeof(float)), *r = malloc((size_t)count * sizeof(float));
	double t0, t, tmax = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	if (!s || !r || count < 1 || iters < 1 || warm < 0) {
		fprintf(stderr, "bench_busbw_mpi: bad arguments or out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	for (i = 0; i < count; i++)
		s[i] = (float)(rank % 16 + 1 + i % 7);
	for (i = 0; i < warm; i++)
		MPI_Allreduce(s, r, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = now();
	for (i = 0; i < iters; i++)
		MPI_Allreduce(s, r, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	t = (now() - t0) / iters;
	MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("bare_mpi_allreduce bytes %lld ranks %d time_s %.9g busbw %.6g\n", (long long)count * 4, n, tmax,
		       (double)count * 4 / tmax * 2 * (n - 1) / n);
	free(s);
	free(r);
	MPI_Finalize();
	return 0;
}
