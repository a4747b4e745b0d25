/*
 * cpu.h - gemm's CPU path: OpenBLAS dgemm (fp64) and sgemm (fp32), timed,
 * repeated and verified (verify.h), and a streaming kernel for the roofline's
 * bandwidth ceiling. No probe API calls here: gemm.c reports, and the unit
 * test links this file directly.
 */
#ifndef SD_GEMM_CPU_H
#define SD_GEMM_CPU_H

#include "dtype.h"
#include "roofline.h"
#include "verify.h"

#include <stddef.h>
#include <stdint.h>

struct gemm_cpu_case {
	/* in */
	const struct gemm_dtype *dt; /* fp64 or fp32 */
	struct gemm_shape shape;
	int reps;     /* timed repetitions, after one warm-up */
	int verify;   /* check the result against the reference (verify.h) */
	int corrupt;  /* fault injection: corrupt one element before the checks */
	double min_s; /* a repetition runs the GEMM back to back until it lasts this long (small shapes) */
	/* out */
	double *secs; /* reps seconds per GEMM; caller allocates reps entries */
	int inner;    /* GEMMs per repetition */
	double tol;   /* the tolerance used */
	struct gemm_check check;
	uint64_t repeat_diff; /* elements that differ bitwise between the warm-up's result and the last one */
};

/* Use this many OpenBLAS threads (0: leave OpenBLAS's default). Returns the number now in use. */
int gemm_cpu_threads(int threads);

/*
 * Run one case. Returns 0, or -1 with a message in err when it could not
 * run (out of memory; the shape is then too big for this host).
 */
int gemm_cpu_run(struct gemm_cpu_case *c, char *err, size_t len);

/*
 * Host memory bandwidth in B/s for the roofline: OpenBLAS daxpy (y += a·x,
 * 24 B per element, threaded by OpenBLAS) over two arrays of 128 MiB or
 * twice the L3 each (at most 512 MiB, 1/16 of memory), best of reps after
 * one warm-up. Returns 0 when the arrays cannot be allocated.
 */
double gemm_cpu_bandwidth(int reps);

/* OpenBLAS's build description (openblas_get_config()); static storage. */
const char *gemm_cpu_blas(void);

#endif
