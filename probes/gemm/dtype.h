/*
 * dtype.h - the data types gemm measures: storage sizes, precision, which
 * targets and GPU generations run them, and the datasheet peaks by GPU name.
 *
 * One table (dtype.c) holds every fact about a data type, so the CPU path,
 * the GPU path, the tolerance (verify.c) and the roofline (roofline.c) agree.
 * Formulas and sources: probes/METRICS.md, section `gemm`.
 */
#ifndef SD_GEMM_DTYPE_H
#define SD_GEMM_DTYPE_H

#include <stddef.h>

enum gemm_dtype_id {
	GEMM_FP64,
	GEMM_FP32,
	GEMM_TF32,
	GEMM_FP16,
	GEMM_BF16,
	GEMM_FP8_E4M3,
	GEMM_FP8_E5M2,
	GEMM_INT8,
	GEMM_NDTYPES
};

struct gemm_dtype {
	enum gemm_dtype_id id;
	const char *name;   /* as in params and metric names: "bf16" */
	size_t elt_in;	    /* bytes per element of A and B in memory */
	size_t elt_out;	    /* bytes per element of C (D) in memory */
	const char *unit;   /* "FLOP/s", or "OP/s" for integer types */
	const char *x_unit; /* roofline intensity: "FLOP/B" or "OP/B" */
	int cpu;	    /* has a CPU (OpenBLAS) path */
	int min_cc;	    /* lowest CUDA compute capability, major*10+minor, with a cuBLASLt path */
	/*
	 * Unit roundoffs for the tolerance (verify.h): of the inputs as the
	 * multiplier sees them (0: inputs are exact in the stored type), of the
	 * accumulator, and of the stored result. 0 everywhere: exact (int8).
	 */
	double u_in, u_acc, u_out;
	const char *cpu_why; /* why there is no CPU path, when cpu == 0 */
};

/* The table, in the order of enum gemm_dtype_id. */
extern const struct gemm_dtype gemm_dtypes[GEMM_NDTYPES];

/* The entry named name ("fp8_e4m3"), or NULL. */
const struct gemm_dtype *gemm_dtype_find(const char *name);

/*
 * Whether a GPU of compute capability cc (major*10+minor, 90 for H100)
 * runs dt through cuBLASLt; when not, a one-line reason is written to why
 * ("fp8_e4m3 needs compute capability 8.9 or newer (this GPU: 8.0)").
 */
int gemm_dtype_gpu_supported(const struct gemm_dtype *dt, int cc, char *why, size_t len);

/*
 * Datasheet dense peak of dt in FLOP/s (OP/s for int8) on a GPU whose CUDA
 * device name is gpu_name ("NVIDIA H100 80GB HBM3"); 0 when the GPU or the
 * data type's figure is not in the table. Sources are cited in dtype.c.
 */
double gemm_dtype_peak(const char *gpu_name, const struct gemm_dtype *dt);

#endif
