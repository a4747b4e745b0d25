/*
 * gpu.h - membw's GPU paths: device STREAM, device-to-device copies,
 * host<->device over PCIe (copy engine and SM), peer-to-peer between GPUs.
 *
 * membw.c calls membw_gpu() once for `target: gpu` (or `auto`); gpu.c reports
 * every figure through the probe API (metrics and formulas: probes/METRICS.md,
 * section `membw`), and gpu.cu holds the CUDA code, compiled only when the
 * build has CUDA (SD_HAVE_CUDA). Without CUDA, or without a device, it
 * reports nothing and says why.
 */
#ifndef SD_MEMBW_GPU_H
#define SD_MEMBW_GPU_H

#include <stddef.h>
#include <stdint.h>

struct probe_ctx;

struct membw_gpu_opts {
	uint64_t size; /* bytes per device array (STREAM) and largest host<->device transfer */
	int reps;      /* repetitions; the first is a warm-up and not counted */
	int device;    /* device STREAM kernels and device-to-device cudaMemcpy */
	int pcie;      /* host<->device: h2d, d2h, bidirectional; copy engine and SM */
	int far;       /* also from/to the NUMA node farthest from each GPU (labelled) */
	int sweep;     /* h2d/d2h bandwidth-vs-size series, 4 KiB .. size */
	int p2p;       /* GPU x GPU matrix where more than one GPU is visible */
};

/*
 * Measure the GPU paths asked for, on every visible GPU. Returns 0 when it
 * measured (a wrong result has already been recorded with probe_fail and
 * counted in wrong_elements); 1 when there is nothing to measure, with the
 * reason in why ("no CUDA device"); -1 on an error (already recorded with
 * probe_error).
 */
int membw_gpu(struct probe_ctx *ctx, const struct membw_gpu_opts *o, char *why, size_t whylen);

#endif
