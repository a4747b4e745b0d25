/*
 * gpu.cu - the soak probe's GPU load with cuBLASLt (contract in gpu_cuda.h):
 * one square tensor-core GEMM, bf16 or fp16 inputs with fp32 accumulation and
 * output, run back to back; its output compared bit for bit with the first
 * one, gpu-burn style (the same inputs and algorithm give the same bits).
 */
#include "gpu_cuda.h"

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <stdio.h>
#include <string.h>

#define WORKSPACE (32u << 20)

struct soakc {
	int dev;
	uint64_t n;
	cudaStream_t stream;
	cublasLtHandle_t lt;
	cublasLtMatmulDesc_t op;
	cublasLtMatrixLayout_t la, lc;
	cublasLtMatmulHeuristicResult_t heur;
	void *a, *b, *ws;
	float *d, *ref;
	unsigned long long *wrong;
	int have_ref;
};

/* Values in [-1, 1) from the index: the same on every run and every GPU. */
template <typename T> __global__ void fill(T *p, uint64_t n, uint32_t seed)
{
	uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x;

	for (; i < n; i += (uint64_t)gridDim.x * blockDim.x) {
		uint32_t h = (uint32_t)i * 2654435761u ^ seed;
		h ^= h >> 15;
		h *= 2246822519u;
		h ^= h >> 13;
		p[i] = T((float)(h & 0xffff) / 32768.0f - 1.0f);
	}
}

__global__ void count_diff(const float *a, const float *b, uint64_t n, unsigned long long *wrong)
{
	uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x;
	unsigned long long k = 0;

	for (; i < n; i += (uint64_t)gridDim.x * blockDim.x)
		k += __float_as_uint(a[i]) != __float_as_uint(b[i]);
	if (k)
		atomicAdd(wrong, k);
}

static int cuda_fail(struct soakc *s, const char *what, cudaError_t e, char *err, size_t len)
{
	snprintf(err, len, "%s failed on gpu %d: %s", what, s ? s->dev : -1, cudaGetErrorString(e));
	return -1;
}

static int lt_fail(struct soakc *s, const char *what, cublasStatus_t st, char *err, size_t len)
{
	snprintf(err, len, "%s failed on gpu %d: %s", what, s->dev, cublasLtGetStatusString(st));
	return -1;
}

extern "C" int soakc_count(int *count, char *err, size_t len)
{
	cudaError_t e = cudaGetDeviceCount(count);

	if (e != cudaSuccess) {
		*count = 0;
		snprintf(err, len, "cudaGetDeviceCount: %s", cudaGetErrorString(e));
	}
	return 0;
}

static int plan(struct soakc *s, int fp16, char *err, size_t len)
{
	cudaDataType_t in = fp16 ? CUDA_R_16F : CUDA_R_16BF;
	cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
	cublasLtMatmulPreference_t pref = NULL;
	cublasLtMatrixLayout_t lb = NULL;
	size_t ws = WORKSPACE;
	uint64_t n = s->n;
	cublasStatus_t st;
	int found = 0;

	if ((st = cublasLtCreate(&s->lt)) || (st = cublasLtMatmulDescCreate(&s->op, CUBLAS_COMPUTE_32F, CUDA_R_32F)) ||
	    (st = cublasLtMatmulDescSetAttribute(s->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta))) ||
	    (st = cublasLtMatmulDescSetAttribute(s->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb))) ||
	    (st = cublasLtMatrixLayoutCreate(&s->la, in, n, n, n)) ||
	    (st = cublasLtMatrixLayoutCreate(&s->lc, CUDA_R_32F, n, n, n)) ||
	    (st = cublasLtMatmulPreferenceCreate(&pref)) ||
	    (st = cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
						       sizeof(ws))))
		return lt_fail(s, "cublaslt setup", st, err, len);
	lb = s->la;
	st = cublasLtMatmulAlgoGetHeuristic(s->lt, s->op, s->la, lb, s->lc, s->lc, pref, 1, &s->heur, &found);
	cublasLtMatmulPreferenceDestroy(pref);
	if (st || !found) {
		snprintf(err, len, "cublaslt has no algorithm for a %s %llux%llux%llu gemm on gpu %d",
			 fp16 ? "fp16" : "bf16", (unsigned long long)n, (unsigned long long)n, (unsigned long long)n,
			 s->dev);
		return -1;
	}
	return 0;
}

extern "C" int soakc_open(int dev, int fp16, uint64_t n, struct soakc **out, char *err, size_t len)
{
	struct soakc *s = (struct soakc *)calloc(1, sizeof(*s));
	size_t in_bytes = n * n * 2, out_bytes = n * n * sizeof(float);
	cudaError_t e;

	if (!s) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	s->dev = dev;
	s->n = n;
	if ((e = cudaSetDevice(dev)) || (e = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking)) ||
	    (e = cudaMalloc(&s->a, in_bytes)) || (e = cudaMalloc(&s->b, in_bytes)) ||
	    (e = cudaMalloc((void **)&s->d, out_bytes)) || (e = cudaMalloc((void **)&s->ref, out_bytes)) ||
	    (e = cudaMalloc(&s->ws, WORKSPACE)) || (e = cudaMalloc((void **)&s->wrong, sizeof(*s->wrong)))) {
		cuda_fail(s, "allocating the gemm buffers", e, err, len);
		goto fail;
	}
	if (fp16) {
		fill<<<1024, 256, 0, s->stream>>>((__half *)s->a, n * n, 1u);
		fill<<<1024, 256, 0, s->stream>>>((__half *)s->b, n * n, 2u);
	} else {
		fill<<<1024, 256, 0, s->stream>>>((__nv_bfloat16 *)s->a, n * n, 1u);
		fill<<<1024, 256, 0, s->stream>>>((__nv_bfloat16 *)s->b, n * n, 2u);
	}
	if ((e = cudaStreamSynchronize(s->stream)) || (e = cudaGetLastError())) {
		cuda_fail(s, "filling the inputs", e, err, len);
		goto fail;
	}
	if (plan(s, fp16, err, len))
		goto fail;
	*out = s;
	return 0;
fail:
	soakc_close(s);
	return -1;
}

extern "C" int soakc_run(struct soakc *s, int batch, char *err, size_t len)
{
	float alpha = 1, beta = 0;
	cublasStatus_t st;
	cudaError_t e;
	int i;

	for (i = 0; i < batch; i++) {
		st = cublasLtMatmul(s->lt, s->op, &alpha, s->a, s->la, s->b, s->la, &beta, s->d, s->lc, s->d, s->lc,
				    &s->heur.algo, s->ws, WORKSPACE, s->stream);
		if (st)
			return lt_fail(s, "cublasLtMatmul", st, err, len);
	}
	if ((e = cudaStreamSynchronize(s->stream)))
		return cuda_fail(s, "the gemm loop", e, err, len);
	return 0;
}

extern "C" int soakc_compare(struct soakc *s, int corrupt, uint64_t *wrong, char *err, size_t len)
{
	size_t bytes = s->n * s->n * sizeof(float);
	unsigned long long w = 0;
	float bad = 12345.0f;
	cudaError_t e;

	*wrong = 0;
	if (!s->have_ref) {
		if ((e = cudaMemcpyAsync(s->ref, s->d, bytes, cudaMemcpyDeviceToDevice, s->stream)) ||
		    (e = cudaStreamSynchronize(s->stream)))
			return cuda_fail(s, "keeping the first result", e, err, len);
		s->have_ref = 1;
		return 0;
	}
	if (corrupt && (e = cudaMemcpyAsync(s->d, &bad, sizeof(bad), cudaMemcpyHostToDevice, s->stream)))
		return cuda_fail(s, "injecting the sdc fault", e, err, len);
	if ((e = cudaMemsetAsync(s->wrong, 0, sizeof(*s->wrong), s->stream)))
		return cuda_fail(s, "the comparison", e, err, len);
	count_diff<<<1024, 256, 0, s->stream>>>(s->d, s->ref, s->n * s->n, s->wrong);
	if ((e = cudaMemcpyAsync(&w, s->wrong, sizeof(w), cudaMemcpyDeviceToHost, s->stream)) ||
	    (e = cudaStreamSynchronize(s->stream)))
		return cuda_fail(s, "the comparison", e, err, len);
	*wrong = w;
	return 0;
}

extern "C" void soakc_close(struct soakc *s)
{
	if (!s)
		return;
	cudaSetDevice(s->dev);
	if (s->lc)
		cublasLtMatrixLayoutDestroy(s->lc);
	if (s->la)
		cublasLtMatrixLayoutDestroy(s->la);
	if (s->op)
		cublasLtMatmulDescDestroy(s->op);
	if (s->lt)
		cublasLtDestroy(s->lt);
	cudaFree(s->a);
	cudaFree(s->b);
	cudaFree(s->d);
	cudaFree(s->ref);
	cudaFree(s->ws);
	cudaFree(s->wrong);
	if (s->stream)
		cudaStreamDestroy(s->stream);
	free(s);
}
