/*
 * gpucuda.h - the C interface of gpu.cu (cuBLASLt). gpu.c calls it only in a
 * build with CUDA (SD_HAVE_CUDA); every function is safe to call from one
 * host thread per GPU at the same time.
 */
#ifndef SD_GEMM_GPUCUDA_H
#define SD_GEMM_GPUCUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gemm_gpu_info {
	char name[256];
	int cc; /* compute capability, major*10+minor */
	uint64_t mem;
	int sms;
};

/* Number of CUDA devices; 0 with the reason in why ("no CUDA device: ..."). */
int gemm_cuda_devices(char *why, size_t len);
int gemm_cuda_info(int dev, struct gemm_gpu_info *info, char *why, size_t len);

struct gemm_cuda_case {
	/* in */
	int dev, dtype; /* dtype: enum gemm_dtype_id */
	uint64_t m, n, k;
	int reps, verify, corrupt;
	double tol, tol_ref; /* the dtype's tolerance; the fp64 reference's own */
	double min_s;	     /* a repetition lasts at least this long (back-to-back GEMMs) */
	/* out */
	double *secs; /* reps entries, allocated by the caller */
	int inner;
	uint64_t wrong, repeat_diff;
	double worst;
	char why[256];
};

/* Run one case: 0 measured, 1 cuBLASLt has no algorithm for it (why), -1 error (why). */
int gemm_cuda_run(struct gemm_cuda_case *c);

/* Device memory bandwidth in B/s: triad a = b + s·c over 3 × 256 MiB, 24 B per element, best of reps. 0 on error. */
double gemm_cuda_bandwidth(int dev, int reps, char *why, size_t len);

#ifdef __cplusplus
}
#endif

#endif
