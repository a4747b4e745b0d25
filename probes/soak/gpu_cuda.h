/*
 * gpu_cuda.h - the CUDA side of the soak probe's GPU load (gpu.cu), as plain
 * C. Exists only in a build with CUDA (SD_HAVE_CUDA); gpu.c calls it under
 * #if SD_HAVE_CUDA. Functions return 0, or -1 with a lower-case reason in err.
 */
#ifndef SD_SOAK_GPU_CUDA_H
#define SD_SOAK_GPU_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CUDA devices visible; 0 when the runtime finds none (the reason in err). */
int soakc_count(int *count, char *err, size_t len);

struct soakc;

/*
 * On device dev (the calling thread binds to it): n x n inputs of bf16 (fp16
 * when fp16) filled on the GPU with fixed values, an n x n fp32-accumulated
 * output, and the cuBLASLt plan. *out is owned by the caller: soakc_close.
 */
int soakc_open(int dev, int fp16, uint64_t n, struct soakc **out, char *err, size_t len);
/* Run batch GEMMs D = A^T B back to back and wait for them. */
int soakc_run(struct soakc *s, int batch, char *err, size_t len);
/*
 * The first call keeps a copy of D as the reference; every later call counts
 * the elements of D that differ from it bit for bit into *wrong. corrupt
 * (fault injection) changes one element of D before the comparison.
 */
int soakc_compare(struct soakc *s, int corrupt, uint64_t *wrong, char *err, size_t len);
void soakc_close(struct soakc *s);

#ifdef __cplusplus
}
#endif

#endif
