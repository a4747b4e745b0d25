/*
 * gpu.h - gemm's GPU path: every visible GPU at once, one host thread each,
 * through cuBLASLt (gpu.cu, compiled only with CUDA). Reports through
 * gemm_report(), one target per GPU (label gpu=<CUDA index>).
 */
#ifndef SD_GEMM_GPU_H
#define SD_GEMM_GPU_H

#include "gemm.h"

#include <stddef.h>

struct probe_ctx;
struct gemm_summary;

/*
 * Measure plan on every GPU. Returns 0 when it measured (results reported,
 * counts added to sum), 1 when there is nothing to measure with the reason
 * in why ("no CUDA device ..."), -1 on an error already recorded with
 * probe_error (a shape too big for a GPU's memory).
 */
int gemm_gpu(struct probe_ctx *ctx, const struct gemm_plan *p, struct gemm_summary *sum, char *why, size_t len);

#endif
