/*
 * roofline.h - the arithmetic of a GEMM and of the roofline model, pure
 * functions with no I/O (unit-tested with known answers in test_gemm.c).
 *
 * For C = A·B with A M×K, B K×N, C M×N (probes/METRICS.md, `gemm`):
 *   flops          = 2·M·N·K  (one multiply and one add per term)
 *   min bytes      = elt_in·(M·K + K·N) + elt_out·M·N  (each matrix moved once;
 *                    C is written, not read: beta = 0)
 *   intensity (AI) = flops / min bytes, in FLOP/B
 *   attainable     = min(peak, bandwidth · AI)
 *   ridge point    = peak / bandwidth, the AI where the two ceilings meet
 *   of roof        = attained / attainable(AI), a ratio in 0..1 (may exceed 1
 *                    when a cache beats the memory bandwidth ceiling)
 */
#ifndef SD_GEMM_ROOFLINE_H
#define SD_GEMM_ROOFLINE_H

#include <stddef.h>
#include <stdint.h>

struct gemm_shape {
	uint64_t m, n, k;
};

/*
 * Parse "MxNxK" (three positive decimal integers, each at most 1048576:
 * "8192x8192x8192", "4096x1x4096"). Returns 0, or -1 with a lower-case
 * message in err that quotes the text.
 */
int gemm_shape_parse(const char *s, struct gemm_shape *out, char *err, size_t len);

double gemm_flops(const struct gemm_shape *s);
double gemm_min_bytes(const struct gemm_shape *s, size_t elt_in, size_t elt_out);
/* flops / bytes; 0 when bytes is 0. */
double gemm_intensity(double flops, double bytes);

/* min(peak, bw·ai). */
double roofline_attainable(double peak, double bw, double ai);
/* peak / bw; 0 when bw is 0. */
double roofline_ridge(double peak, double bw);
/* attained / roofline_attainable(peak, bw, ai); 0 when that is 0. */
double roofline_of_roof(double attained, double peak, double bw, double ai);

#endif
