/*
 * verify.h - is a GEMM's result right? Tolerances, the reference check, the
 * repeat (bit-identical) check and the input generator, for the CPU path and
 * for the unit tests. (The GPU path checks on the GPU against an fp64
 * reference GEMM with the same tolerance: gpu.cu.)
 *
 * Layout, the same on CPU and GPU ("TN" in BLAS terms): A is M×K stored by
 * rows (a[m*K + k]), B is K×N stored by columns (b[n*K + k]), C is M×N stored
 * by columns (c[m + n*M]). Every dot product then reads contiguous memory.
 *
 * Tolerance (probes/METRICS.md, `gemm`): element (m,n) is right when
 *     |c - ref| <= tol · (|A|·|B|)(m,n),
 *     tol = 2·u_in + 4·sqrt(K)·u_acc + u_out
 * with the unit roundoffs of dtype.h. The bound is relative to |A|·|B|, not
 * to |c|, because c may cancel to near zero; sqrt(K) and not K because
 * rounding errors of a long sum add like a random walk (Higham, Accuracy and
 * Stability of Numerical Algorithms, 2nd ed., section 3.5); the factor 4
 * leaves room for blocked and split-K summation orders.
 */
#ifndef SD_GEMM_VERIFY_H
#define SD_GEMM_VERIFY_H

#include "dtype.h"
#include "roofline.h"

#include <stddef.h>
#include <stdint.h>

/* Element types of host arrays. */
enum gemm_elt { GEMM_ELT_F32, GEMM_ELT_F64 };

/* Problems with M·N·K up to this are compared element by element; larger ones are screened first. */
#define GEMM_VERIFY_FULL_MNK (1ULL << 27)

double gemm_tolerance(const struct gemm_dtype *dt, uint64_t k);

struct gemm_check {
	uint64_t wrong;	       /* elements outside the tolerance (NaN and infinities included) */
	uint64_t rows_checked; /* rows compared element by element */
	double worst;	       /* largest |c - ref| / (|A|·|B|) seen, to compare with tol */
	uint64_t first_m, first_n;
	int full; /* 1: every element compared; 0: rows screened, flagged rows compared */
};

/*
 * Check c = a·b (layout above) against a long double reference. Small
 * problems (M·N·K <= GEMM_VERIFY_FULL_MNK, or full set) compare every element. Larger ones are
 * screened row by row (Freivalds: c·x against a·(b·x) for a random x > 0,
 * bounded by tol·(|A|·(|B|·x))), and every flagged row is then compared
 * element by element, so the count is exact for the rows flagged. Cost:
 * O(M·N + N·K + M·K) plus O(N·K) per flagged row. Returns the number of
 * wrong elements (also in out->wrong).
 */
uint64_t gemm_verify(const struct gemm_shape *s, const void *a, const void *b, const void *c, enum gemm_elt e,
		     double tol, int full, struct gemm_check *out);

/* Elements of x and y (n elements of elt bytes) whose bits differ. */
uint64_t gemm_bits_differ(const void *x, const void *y, uint64_t n, size_t elt);

/* Fill p with n values in [-1, 1) from seed, rounded to the type (reproducible). */
void gemm_fill(void *p, enum gemm_elt e, uint64_t n, uint64_t seed);

/* Make element i clearly wrong (v -> 1024·v + 1024): the `corrupt` fault. */
void gemm_corrupt(void *c, enum gemm_elt e, uint64_t i);

#endif
