/*
 * gpu.cu - gemm on one GPU with cuBLASLt (see gpucuda.h): inputs generated
 * on the GPU, rounded to the data type; the typed GEMM timed with CUDA
 * events; the repeat check and the check against an fp64 reference GEMM
 * done on the GPU, so nothing of size M·N crosses PCIe.
 *
 * Every GEMM is "TN" (A transposed, column-major), the layout cuBLASLt
 * requires for int8 and fp8 and the one verify.h describes.
 */
#include "dtype.h"
#include "gpucuda.h"

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>

#define WORKSPACE (32u << 20)

/* ---- element access on the device, by type ---- */

__device__ inline void put(double v, double *p)
{
	*p = v;
}
__device__ inline void put(double v, float *p)
{
	*p = (float)v;
}
__device__ inline void put(double v, __half *p)
{
	*p = __double2half(v);
}
__device__ inline void put(double v, __nv_bfloat16 *p)
{
	*p = __double2bfloat16(v);
}
__device__ inline void put(double v, __nv_fp8_e4m3 *p)
{
	*p = __nv_fp8_e4m3(v);
}
__device__ inline void put(double v, __nv_fp8_e5m2 *p)
{
	*p = __nv_fp8_e5m2(v);
}
__device__ inline void put(double v, int8_t *p)
{
	*p = (int8_t)v;
}
__device__ inline void put(double v, int32_t *p)
{
	*p = (int32_t)v;
}
__device__ inline double get(const double *p)
{
	return *p;
}
__device__ inline double get(const float *p)
{
	return *p;
}
__device__ inline double get(const __half *p)
{
	return (double)__half2float(*p);
}
__device__ inline double get(const __nv_bfloat16 *p)
{
	return (double)__bfloat162float(*p);
}
__device__ inline double get(const __nv_fp8_e4m3 *p)
{
	return (double)(float)*p;
}
__device__ inline double get(const __nv_fp8_e5m2 *p)
{
	return (double)(float)*p;
}
__device__ inline double get(const int8_t *p)
{
	return *p;
}
__device__ inline double get(const int32_t *p)
{
	return *p;
}

/* Round an fp32 value to tf32 (10 mantissa bits), to nearest even. */
__device__ inline float to_tf32(float f)
{
	unsigned u = __float_as_uint(f);

	u += 0xfffu + ((u >> 13) & 1u);
	return __uint_as_float(u & 0xffffe000u);
}

#define GRID(n) (unsigned)std::min<size_t>(((n) + 255) / 256, 65535), 256
#define FOR_EACH(i, n)                                                                                                 \
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

/* Values in [-1, 1) (ints: whole numbers in [-64, 64]) from splitmix64, reproducible. */
__global__ void k_fill(double *p, size_t n, unsigned long long seed, int ints)
{
	FOR_EACH(i, n)
	{
		unsigned long long z = seed + (i + 1) * 0x9e3779b97f4a7c15ULL;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		p[i] = ints ? (double)((long long)(z % 129) - 64) : (double)(z >> 11) * 0x1p-52 - 1.0;
	}
}

/* dst = src rounded to T; src = the rounded value, so the fp64 reference multiplies what the GEMM does. */
template <typename T> __global__ void k_quantize(double *src, T *dst, size_t n, int tf32)
{
	FOR_EACH(i, n)
	{
		double v = tf32 ? (double)to_tf32((float)src[i]) : src[i];
		put(v, &dst[i]);
		src[i] = get(&dst[i]);
	}
}

__global__ void k_abs(double *p, size_t n)
{
	FOR_EACH(i, n)
	p[i] = fabs(p[i]);
}

/* Elements of elt bytes that differ between x and y (counted per thread, then one atomic). */
__global__ void k_differ(const unsigned char *x, const unsigned char *y, size_t n, size_t elt,
			 unsigned long long *count)
{
	unsigned long long d = 0;

	FOR_EACH(i, n)
	{
		for (size_t b = 0; b < elt; b++)
			if (x[i * elt + b] != y[i * elt + b]) {
				d++;
				break;
			}
	}
	if (d)
		atomicAdd(count, d);
}

template <typename T> __global__ void k_corrupt(T *d, size_t i)
{
	put(get(&d[i]) * 1024 + 1024, &d[i]);
}

/*
 * Count elements outside bound·|A||B|; the largest error / |A||B| goes to
 * worst (the bits of a non-negative double order like the value). Per thread,
 * then per warp, then one atomic: a launch of 256-thread blocks, all of which
 * reach the shuffle.
 */
template <typename T>
__global__ void k_compare(const T *d, const double *ref, const double *abs, size_t n, double bound,
			  unsigned long long *wrong, unsigned long long *worst)
{
	unsigned long long bad = 0;
	double w = 0;

	FOR_EACH(i, n)
	{
		double err = fabs(get(&d[i]) - ref[i]);
		double r = abs[i] > 0 ? err / abs[i] : err > 0 ? INFINITY : 0;
		if (isnan(r))
			r = INFINITY;
		bad += !(err <= bound * abs[i]);
		w = fmax(w, r);
	}
	for (int o = 16; o > 0; o >>= 1)
		w = fmax(w, __shfl_down_sync(0xffffffffu, w, o));
	if (bad)
		atomicAdd(wrong, bad);
	if ((threadIdx.x & 31) == 0)
		atomicMax(worst, (unsigned long long)__double_as_longlong(w));
}

__global__ void k_triad(double *a, const double *b, const double *c, size_t n)
{
	FOR_EACH(i, n)
	a[i] = b[i] + 0.5 * c[i];
}

/* ---- types ---- */

struct types {
	cudaDataType_t a, b, c, scale;
	cublasComputeType_t compute;
	size_t elt_in, elt_out;
};

static struct types types_of(int dtype)
{
	switch (dtype) {
	case GEMM_FP64:
		return { CUDA_R_64F, CUDA_R_64F, CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, 8, 8 };
	case GEMM_FP32:
		return { CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, 4, 4 };
	case GEMM_TF32:
		return { CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, 4, 4 };
	case GEMM_FP16:
		return { CUDA_R_16F, CUDA_R_16F, CUDA_R_16F, CUDA_R_32F, CUBLAS_COMPUTE_32F, 2, 2 };
	case GEMM_BF16:
		return { CUDA_R_16BF, CUDA_R_16BF, CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, 2, 2 };
	case GEMM_FP8_E4M3:
		return { CUDA_R_8F_E4M3, CUDA_R_8F_E4M3, CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, 1, 2 };
	case GEMM_FP8_E5M2: /* e5m2 × e5m2 is not offered: A e5m2 (gradients) × B e4m3 (weights) */
		return { CUDA_R_8F_E5M2, CUDA_R_8F_E4M3, CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, 1, 2 };
	default: /* GEMM_INT8 */
		return { CUDA_R_8I, CUDA_R_8I, CUDA_R_32I, CUDA_R_32I, CUBLAS_COMPUTE_32I, 1, 4 };
	}
}

/* ---- one matmul, set up once and run many times ---- */

struct matmul {
	cublasLtMatmulDesc_t op;
	cublasLtMatrixLayout_t la, lb, lc;
	cublasLtMatmulHeuristicResult_t heur;
	union {
		double d;
		float f;
		int32_t i;
	} alpha, beta;
};

static void matmul_release(struct matmul *mm)
{
	if (mm->lc)
		cublasLtMatrixLayoutDestroy(mm->lc);
	if (mm->lb)
		cublasLtMatrixLayoutDestroy(mm->lb);
	if (mm->la)
		cublasLtMatrixLayoutDestroy(mm->la);
	if (mm->op)
		cublasLtMatmulDescDestroy(mm->op);
	memset(mm, 0, sizeof(*mm));
}

/* 0, 1 when cuBLASLt offers no algorithm (why), -1 on an error (why). */
static int matmul_init(struct matmul *mm, cublasLtHandle_t lt, const struct types *t, uint64_t m, uint64_t n,
		       uint64_t k, char *why, size_t len)
{
	cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
	cublasLtMatmulPreference_t pref = NULL;
	size_t ws = WORKSPACE;
	int found = 0, rc = -1;
	cublasStatus_t st;

	memset(mm, 0, sizeof(*mm));
	if (t->scale == CUDA_R_64F) {
		mm->alpha.d = 1;
		mm->beta.d = 0;
	} else if (t->scale == CUDA_R_32F) {
		mm->alpha.f = 1;
		mm->beta.f = 0;
	} else {
		mm->alpha.i = 1;
		mm->beta.i = 0;
	}
	if ((st = cublasLtMatmulDescCreate(&mm->op, t->compute, t->scale)) ||
	    (st = cublasLtMatmulDescSetAttribute(mm->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta))) ||
	    (st = cublasLtMatmulDescSetAttribute(mm->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb))) ||
	    (st = cublasLtMatrixLayoutCreate(&mm->la, t->a, k, m, k)) ||
	    (st = cublasLtMatrixLayoutCreate(&mm->lb, t->b, k, n, k)) ||
	    (st = cublasLtMatrixLayoutCreate(&mm->lc, t->c, m, n, m)) || (st = cublasLtMatmulPreferenceCreate(&pref)) ||
	    (st = cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
						       sizeof(ws)))) {
		snprintf(why, len, "cublaslt setup failed: %s", cublasLtGetStatusString(st));
		goto out;
	}
	st = cublasLtMatmulAlgoGetHeuristic(lt, mm->op, mm->la, mm->lb, mm->lc, mm->lc, pref, 1, &mm->heur, &found);
	if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
		snprintf(why, len, "cublaslt has no algorithm for this type and shape (%s)",
			 st ? cublasLtGetStatusString(st) : "no heuristic result");
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	if (pref)
		cublasLtMatmulPreferenceDestroy(pref);
	if (rc)
		matmul_release(mm);
	return rc;
}

static cublasStatus_t matmul_run(struct matmul *mm, cublasLtHandle_t lt, const void *a, const void *b, void *d,
				 void *ws, cudaStream_t s)
{
	return cublasLtMatmul(lt, mm->op, &mm->alpha, a, mm->la, b, mm->lb, &mm->beta, d, mm->lc, d, mm->lc,
			      &mm->heur.algo, ws, WORKSPACE, s);
}

/* ---- one case ---- */

struct bufs {
	double *a64, *b64, *ref, *abs;
	void *a, *b, *d, *d0, *ws;
	unsigned long long *counters; /* wrong, worst, differ */
};

static void bufs_release(struct bufs *b)
{
	cudaFree(b->a64);
	cudaFree(b->b64);
	cudaFree(b->ref);
	cudaFree(b->abs);
	cudaFree(b->a);
	cudaFree(b->b);
	cudaFree(b->d);
	cudaFree(b->d0);
	cudaFree(b->ws);
	cudaFree(b->counters);
}

/* Dispatch a templated kernel on the element type of an input (in) or of the result (out). */
#define DISPATCH_IN(dtype, CALL)                                                                                       \
	switch (dtype) {                                                                                               \
	case GEMM_FP64:                                                                                                \
		CALL(double);                                                                                          \
		break;                                                                                                 \
	case GEMM_FP32:                                                                                                \
	case GEMM_TF32:                                                                                                \
		CALL(float);                                                                                           \
		break;                                                                                                 \
	case GEMM_FP16:                                                                                                \
		CALL(__half);                                                                                          \
		break;                                                                                                 \
	case GEMM_BF16:                                                                                                \
		CALL(__nv_bfloat16);                                                                                   \
		break;                                                                                                 \
	case GEMM_FP8_E4M3:                                                                                            \
		CALL(__nv_fp8_e4m3);                                                                                   \
		break;                                                                                                 \
	case GEMM_FP8_E5M2:                                                                                            \
		CALL(__nv_fp8_e5m2);                                                                                   \
		break;                                                                                                 \
	default:                                                                                                       \
		CALL(int8_t);                                                                                          \
		break;                                                                                                 \
	}
#define DISPATCH_OUT(dtype, CALL)                                                                                      \
	switch (dtype) {                                                                                               \
	case GEMM_FP64:                                                                                                \
		CALL(double);                                                                                          \
		break;                                                                                                 \
	case GEMM_FP32:                                                                                                \
	case GEMM_TF32:                                                                                                \
		CALL(float);                                                                                           \
		break;                                                                                                 \
	case GEMM_FP16:                                                                                                \
		CALL(__half);                                                                                          \
		break;                                                                                                 \
	case GEMM_INT8:                                                                                                \
		CALL(int32_t);                                                                                         \
		break;                                                                                                 \
	default:                                                                                                       \
		CALL(__nv_bfloat16);                                                                                   \
		break; /* bf16, and the fp8 types' results */                                                          \
	}

static int cuda_failed(struct gemm_cuda_case *c, const char *what, cudaError_t e)
{
	snprintf(c->why, sizeof(c->why), "%s failed on gpu %d: %s", what, c->dev, cudaGetErrorString(e));
	return -1;
}

/* Fill and round the inputs: a64/b64 keep the rounded values for the reference. */
static int make_inputs(struct gemm_cuda_case *c, struct bufs *b, cudaStream_t s)
{
	size_t na = c->m * c->k, nb = c->k * c->n;
	int ints = c->dtype == GEMM_INT8, tf32 = c->dtype == GEMM_TF32;

	k_fill<<<GRID(na), 0, s>>>(b->a64, na, 1, ints);
	k_fill<<<GRID(nb), 0, s>>>(b->b64, nb, 2, ints);
#define QA(T) k_quantize<T><<<GRID(na), 0, s>>>(b->a64, (T *)b->a, na, tf32)
	DISPATCH_IN(c->dtype, QA);
	/* fp8_e5m2 runs A e5m2 × B e4m3 */
#define QB(T) k_quantize<T><<<GRID(nb), 0, s>>>(b->b64, (T *)b->b, nb, tf32)
	DISPATCH_IN(c->dtype == GEMM_FP8_E5M2 ? GEMM_FP8_E4M3 : c->dtype, QB);
	return cudaGetLastError();
}

/* Warm up twice (the second's result kept in d0, its time sizes the inner loop), time reps repetitions. */
static int time_reps(struct gemm_cuda_case *c, struct matmul *mm, cublasLtHandle_t lt, struct bufs *b, size_t cbytes,
		     cudaStream_t s)
{
	cudaEvent_t e0, e1;
	float ms = 0;
	int r, i;
	cublasStatus_t st = CUBLAS_STATUS_SUCCESS;

	cudaEventCreate(&e0);
	cudaEventCreate(&e1);
	st = matmul_run(mm, lt, b->a, b->b, b->d, b->ws, s); /* first call: kernel loading, not a timing */
	cudaEventRecord(e0, s);
	if (!st)
		st = matmul_run(mm, lt, b->a, b->b, b->d, b->ws, s);
	cudaEventRecord(e1, s);
	cudaEventSynchronize(e1);
	cudaEventElapsedTime(&ms, e0, e1);
	cudaMemcpyAsync(b->d0, b->d, cbytes, cudaMemcpyDeviceToDevice, s);
	c->inner = ms > 0 && ms * 1e-3 < c->min_s ? (int)ceil(c->min_s / (ms * 1e-3)) : 1;
	c->inner = std::min(c->inner, 10000);
	for (r = 0; r < c->reps && !st; r++) {
		cudaEventRecord(e0, s);
		for (i = 0; i < c->inner && !st; i++)
			st = matmul_run(mm, lt, b->a, b->b, b->d, b->ws, s);
		cudaEventRecord(e1, s);
		cudaEventSynchronize(e1);
		cudaEventElapsedTime(&ms, e0, e1);
		c->secs[r] = ms * 1e-3 / c->inner;
	}
	cudaEventDestroy(e0);
	cudaEventDestroy(e1);
	if (st)
		snprintf(c->why, sizeof(c->why), "cublasLtMatmul failed on gpu %d: %s", c->dev,
			 cublasLtGetStatusString(st));
	return st ? -1 : 0;
}

static void corrupt(struct gemm_cuda_case *c, struct bufs *b, cudaStream_t s)
{
#define CORRUPT(T) k_corrupt<T><<<1, 1, 0, s>>>((T *)b->d, c->m * c->n / 2)
	DISPATCH_OUT(c->dtype, CORRUPT);
}

/* The fp64 reference (ref = A·B, abs = |A|·|B|) and the comparison. */
static int check(struct gemm_cuda_case *c, cublasLtHandle_t lt, struct bufs *b, cudaStream_t s)
{
	struct types t64 = types_of(GEMM_FP64);
	struct matmul mm;
	size_t nc = c->m * c->n;
	cublasStatus_t st;
	int rc = matmul_init(&mm, lt, &t64, c->m, c->n, c->k, c->why, sizeof(c->why));

	if (rc)
		return -1;
	st = matmul_run(&mm, lt, b->a64, b->b64, b->ref, b->ws, s);
	k_abs<<<GRID(c->m * c->k), 0, s>>>(b->a64, c->m * c->k);
	k_abs<<<GRID(c->k * c->n), 0, s>>>(b->b64, c->k * c->n);
	if (!st)
		st = matmul_run(&mm, lt, b->a64, b->b64, b->abs, b->ws, s);
	matmul_release(&mm);
	if (st) {
		snprintf(c->why, sizeof(c->why), "fp64 reference gemm failed on gpu %d: %s", c->dev,
			 cublasLtGetStatusString(st));
		return -1;
	}
#define COMPARE(T)                                                                                                     \
	k_compare<T><<<GRID(nc), 0, s>>>((const T *)b->d, b->ref, b->abs, nc, c->tol + c->tol_ref, &b->counters[0],    \
					 &b->counters[1])
	DISPATCH_OUT(c->dtype, COMPARE);
	return 0;
}

static int alloc_all(struct gemm_cuda_case *c, const struct types *t, struct bufs *b)
{
	size_t na = c->m * c->k, nb = c->k * c->n, nc = c->m * c->n;
	cudaError_t e;

	if ((e = cudaMalloc(&b->a64, na * 8)) || (e = cudaMalloc(&b->b64, nb * 8)) ||
	    (e = cudaMalloc(&b->a, na * t->elt_in)) || (e = cudaMalloc(&b->b, nb * t->elt_in)) ||
	    (e = cudaMalloc(&b->d, nc * t->elt_out)) || (e = cudaMalloc(&b->d0, nc * t->elt_out)) ||
	    (e = cudaMalloc(&b->ws, WORKSPACE)) || (e = cudaMalloc(&b->counters, 3 * sizeof(*b->counters))) ||
	    (c->verify && ((e = cudaMalloc(&b->ref, nc * 8)) || (e = cudaMalloc(&b->abs, nc * 8)))))
		return cuda_failed(c, "cudaMalloc", e);
	if ((e = cudaMemset(b->counters, 0, 3 * sizeof(*b->counters))))
		return cuda_failed(c, "cudaMemset", e);
	return 0;
}

int gemm_cuda_run(struct gemm_cuda_case *c)
{
	struct types t = types_of(c->dtype);
	struct bufs b;
	struct matmul mm;
	cublasLtHandle_t lt = NULL;
	cudaStream_t s = NULL;
	unsigned long long host[3] = { 0, 0, 0 };
	cudaError_t e;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&mm, 0, sizeof(mm));
	c->why[0] = '\0';
	if ((e = cudaSetDevice(c->dev)) || (e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)))
		return cuda_failed(c, "cudaSetDevice", e);
	if (cublasLtCreate(&lt)) {
		snprintf(c->why, sizeof(c->why), "cublasLtCreate failed on gpu %d", c->dev);
		goto out;
	}
	if ((rc = matmul_init(&mm, lt, &t, c->m, c->n, c->k, c->why, sizeof(c->why))))
		goto out;
	rc = -1;
	if (alloc_all(c, &t, &b) || (e = (cudaError_t)make_inputs(c, &b, s)))
		goto out_e;
	if (time_reps(c, &mm, lt, &b, c->m * c->n * t.elt_out, s))
		goto out;
	if (c->corrupt && !c->verify) /* the fault hits what the first check looks at */
		corrupt(c, &b, s);
	k_differ<<<GRID(c->m * c->n), 0, s>>>((const unsigned char *)b.d0, (const unsigned char *)b.d, c->m * c->n,
					      t.elt_out, &b.counters[2]);
	if (c->corrupt && c->verify)
		corrupt(c, &b, s);
	if (c->verify && check(c, lt, &b, s))
		goto out;
	if ((e = cudaMemcpyAsync(host, b.counters, sizeof(host), cudaMemcpyDeviceToHost, s)) ||
	    (e = cudaStreamSynchronize(s)))
		goto out_e;
	c->wrong = host[0];
	memcpy(&c->worst, &host[1], sizeof(c->worst));
	c->repeat_diff = host[2];
	rc = 0;
	goto out;
out_e:
	if (!c->why[0])
		cuda_failed(c, "gemm", e ? e : cudaGetLastError());
out:
	if (s)
		cudaStreamSynchronize(s);
	matmul_release(&mm);
	bufs_release(&b);
	if (lt)
		cublasLtDestroy(lt);
	if (s)
		cudaStreamDestroy(s);
	return rc;
}

/* ---- devices ---- */

int gemm_cuda_devices(char *why, size_t len)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess || n == 0) {
		snprintf(why, len, "no CUDA device (%s)", e ? cudaGetErrorString(e) : "none visible");
		return 0;
	}
	return n;
}

int gemm_cuda_info(int dev, struct gemm_gpu_info *info, char *why, size_t len)
{
	cudaDeviceProp p;
	cudaError_t e = cudaGetDeviceProperties(&p, dev);

	if (e != cudaSuccess) {
		snprintf(why, len, "cannot query gpu %d: %s", dev, cudaGetErrorString(e));
		return -1;
	}
	snprintf(info->name, sizeof(info->name), "%s", p.name);
	info->cc = p.major * 10 + p.minor;
	info->mem = p.totalGlobalMem;
	info->sms = p.multiProcessorCount;
	return 0;
}

double gemm_cuda_bandwidth(int dev, int reps, char *why, size_t len)
{
	size_t n = 32u << 20; /* 256 MiB per array: far above any L2 */
	double *a = NULL, *b = NULL, *c = NULL, best = 0;
	cudaEvent_t e0 = NULL, e1 = NULL;
	cudaError_t e;
	float ms;
	int r;

	if ((e = cudaSetDevice(dev)) || (e = cudaMalloc(&a, n * 8)) || (e = cudaMalloc(&b, n * 8)) ||
	    (e = cudaMalloc(&c, n * 8)) || (e = cudaMemset(b, 0, n * 8)) || (e = cudaMemset(c, 0, n * 8))) {
		snprintf(why, len, "cannot measure the bandwidth of gpu %d: %s", dev, cudaGetErrorString(e));
		goto out;
	}
	cudaEventCreate(&e0);
	cudaEventCreate(&e1);
	for (r = 0; r <= reps; r++) {
		cudaEventRecord(e0);
		k_triad<<<GRID(n)>>>(a, b, c, n);
		cudaEventRecord(e1);
		cudaEventSynchronize(e1);
		cudaEventElapsedTime(&ms, e0, e1);
		if (r > 0 && ms > 0) /* the first is a warm-up */
			best = std::max(best, 24.0 * n / (ms * 1e-3));
	}
	if ((e = cudaGetLastError())) {
		snprintf(why, len, "triad kernel failed on gpu %d: %s", dev, cudaGetErrorString(e));
		best = 0;
	}
out:
	if (e0)
		cudaEventDestroy(e0);
	if (e1)
		cudaEventDestroy(e1);
	cudaFree(a);
	cudaFree(b);
	cudaFree(c);
	return best;
}
