/* dtype.c - see dtype.h. */
#include "dtype.h"

#include <stdio.h>
#include <string.h>

/*
 * Unit roundoffs: 2^-53 fp64, 2^-24 fp32, 2^-11 fp16 and tf32 (10 explicit
 * mantissa bits), 2^-8 bf16. Inputs are generated already rounded to the
 * type (tf32: fp32 rounded to 10 mantissa bits), so u_in is 0 for every type.
 * GPU accumulators are fp32 except fp64 and int8 (exact int32). FP8 on Hopper
 * accumulates with about 14 bits in the tensor cores (DeepSeek-V3 technical
 * report, section 3.3.2), so its u_acc is 2^-13, not 2^-24. Results of fp16
 * and bf16 GEMMs are stored in their own type; fp8 results in bf16.
 */
#define U64 0x1p-53
#define U32 0x1p-24
#define U16 0x1p-11
#define UBF 0x1p-8

const struct gemm_dtype gemm_dtypes[GEMM_NDTYPES] = {
	[GEMM_FP64] = { GEMM_FP64, "fp64", 8, 8, "FLOP/s", "FLOP/B", 1, 60, 0, U64, U64, NULL },
	[GEMM_FP32] = { GEMM_FP32, "fp32", 4, 4, "FLOP/s", "FLOP/B", 1, 60, 0, U32, U32, NULL },
	[GEMM_TF32] = { GEMM_TF32, "tf32", 4, 4, "FLOP/s", "FLOP/B", 0, 80, 0, U32, U32,
			"tf32 is a GPU tensor-core mode" },
	[GEMM_FP16] = { GEMM_FP16, "fp16", 2, 2, "FLOP/s", "FLOP/B", 0, 70, 0, U32, U16, "OpenBLAS has no fp16 GEMM" },
	[GEMM_BF16] = { GEMM_BF16, "bf16", 2, 2, "FLOP/s", "FLOP/B", 0, 80, 0, U32, UBF,
			"bf16 is measured on GPUs only" },
	[GEMM_FP8_E4M3] = { GEMM_FP8_E4M3, "fp8_e4m3", 1, 2, "FLOP/s", "FLOP/B", 0, 89, 0, 0x1p-13, UBF,
			    "OpenBLAS has no fp8 GEMM" },
	[GEMM_FP8_E5M2] = { GEMM_FP8_E5M2, "fp8_e5m2", 1, 2, "FLOP/s", "FLOP/B", 0, 89, 0, 0x1p-13, UBF,
			    "OpenBLAS has no fp8 GEMM" },
	[GEMM_INT8] = { GEMM_INT8, "int8", 1, 4, "OP/s", "OP/B", 0, 75, 0, 0, 0, "OpenBLAS has no int8 GEMM" },
};

const struct gemm_dtype *gemm_dtype_find(const char *name)
{
	int i;

	for (i = 0; i < GEMM_NDTYPES; i++)
		if (name && !strcmp(gemm_dtypes[i].name, name))
			return &gemm_dtypes[i];
	return NULL;
}

int gemm_dtype_gpu_supported(const struct gemm_dtype *dt, int cc, char *why, size_t len)
{
	if (cc >= dt->min_cc)
		return 1;
	snprintf(why, len, "%s needs compute capability %d.%d or newer (this gpu: %d.%d)", dt->name, dt->min_cc / 10,
		 dt->min_cc % 10, cc / 10, cc % 10);
	return 0;
}

/*
 * Dense datasheet peaks in TFLOP/s (TOP/s for int8), in the order of enum
 * gemm_dtype_id; 0: none. The datasheets print sparse figures for tensor
 * types (marked *); dense is half of those. fp64 is the FP64 tensor-core
 * figure (cuBLAS DGEMM runs on the tensor cores), fp32 the CUDA-core figure.
 *  H100 SXM5, H100 PCIe, H100 NVL: NVIDIA H100 Tensor Core GPU datasheet.
 *  H200 SXM, H200 NVL: NVIDIA H200 Tensor Core GPU datasheet (same tensor
 *  figures as the H100 SXM5 and NVL). A100 (SXM and PCIe, 40 and 80 GB):
 *  NVIDIA A100 Tensor Core GPU datasheet; no fp8.
 * Matched by substring of the CUDA device name, first match wins, so the
 * more specific names come first ("H100 PCIe" before "H100").
 */
static const struct {
	const char *match;
	double tflops[GEMM_NDTYPES]; /* fp64 fp32 tf32 fp16 bf16 fp8_e4m3 fp8_e5m2 int8 */
} peaks[] = {
	{ "H100 NVL", { 60, 60, 417.5, 835, 835, 1670.5, 1670.5, 1670.5 } },
	{ "H100 PCIe", { 51, 51, 378, 756, 756, 1513, 1513, 1513 } },
	{ "H200 NVL", { 60, 60, 417.5, 835, 835, 1670.5, 1670.5, 1670.5 } },
	{ "H100", { 67, 67, 494.5, 989.5, 989.5, 1979, 1979, 1979 } },
	{ "H200", { 67, 67, 494.5, 989.5, 989.5, 1979, 1979, 1979 } },
	{ "A100", { 19.5, 19.5, 156, 312, 312, 0, 0, 624 } },
};

double gemm_dtype_peak(const char *gpu_name, const struct gemm_dtype *dt)
{
	size_t i;

	for (i = 0; gpu_name && i < sizeof(peaks) / sizeof(peaks[0]); i++)
		if (strstr(gpu_name, peaks[i].match))
			return peaks[i].tflops[dt->id] * 1e12;
	return 0;
}
