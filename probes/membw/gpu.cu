/*
 * gpu.cu - the CUDA side of membw's GPU paths; the contract is gpu_cuda.h.
 *
 * Kernels are grid-stride loops over 16-byte vectors (double2, uint4), with
 * enough blocks to fill every SM (SMs x the blocks of 256 threads one SM
 * holds), so a long array runs at the memory's speed rather than the
 * launch's. Times come from CUDA events recorded on the stream that does the
 * work; the host waits for each repetition before the next.
 */
#include "gpu_cuda.h"
#include "peak.h"

#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>

#define THREADS 256

/* Write "'WHAT' failed for gpu DEV: TEXT" into err; returns -1. */
static int cuda_fail(cudaError_t rc, const char *what, int dev, char *err, size_t len)
{
	if (err && len)
		snprintf(err, len, "'%s' failed for gpu %d: %s", what, dev, cudaGetErrorString(rc));
	return -1;
}

/* Run call; on failure record the reason and leave through `out`. */
#define CK(call)                                                     \
	do {                                                         \
		cudaError_t ck_rc = (call);                          \
		if (ck_rc != cudaSuccess) {                          \
			rc = cuda_fail(ck_rc, #call, dev, err, len); \
			goto out;                                    \
		}                                                    \
	} while (0)

__global__ void k_fill(double2 *x, double v, size_t n2)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n2; i += (size_t)gridDim.x * blockDim.x)
		x[i] = make_double2(v, v);
}

__global__ void k_copy(const double2 *__restrict__ a, double2 *__restrict__ c, size_t n2)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n2; i += (size_t)gridDim.x * blockDim.x)
		c[i] = a[i];
}

__global__ void k_scale(double2 *__restrict__ b, const double2 *__restrict__ c, double s, size_t n2)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n2; i += (size_t)gridDim.x * blockDim.x) {
		double2 v = c[i];
		b[i] = make_double2(s * v.x, s * v.y);
	}
}

__global__ void k_add(const double2 *__restrict__ a, const double2 *__restrict__ b, double2 *__restrict__ c,
		      size_t n2)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n2; i += (size_t)gridDim.x * blockDim.x) {
		double2 x = a[i], y = b[i];
		c[i] = make_double2(x.x + y.x, x.y + y.y);
	}
}

__global__ void k_triad(double2 *__restrict__ a, const double2 *__restrict__ b, const double2 *__restrict__ c,
			double s, size_t n2)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n2; i += (size_t)gridDim.x * blockDim.x) {
		double2 y = b[i], z = c[i];
		a[i] = make_double2(y.x + s * z.x, y.y + s * z.y);
	}
}

/* Count the elements of x that differ from want (the rule of gpu_stream_wrong). */
__global__ void k_check(const double *x, double want, double tol, size_t n, unsigned long long *wrong)
{
	double scale = want != 0 ? fabs(want) : 1.0;
	unsigned long long mine = 0;

	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		mine += !(fabs(x[i] - want) <= tol * scale);
	if (mine)
		atomicAdd(wrong, mine);
}

/* The SM path: 16-byte copies by a kernel, one side in mapped pinned host memory. */
__global__ void k_copy16(const uint4 *__restrict__ src, uint4 *__restrict__ dst, size_t n16)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n16; i += (size_t)gridDim.x * blockDim.x)
		dst[i] = src[i];
}

/* Blocks that fill every SM of dev once. */
static int grid_blocks(int dev, int *blocks)
{
	int sms = 0, per_sm = 0;

	if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
	    cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, dev) != cudaSuccess)
		return -1;
	*blocks = sms * (per_sm / THREADS > 0 ? per_sm / THREADS : 1);
	if (*blocks < 1)
		*blocks = 1;
	return 0;
}

extern "C" int gpuc_count(int *count, char *err, size_t len)
{
	cudaError_t rc = cudaGetDeviceCount(count);

	if (rc != cudaSuccess) {
		*count = 0;
		if (err && len)
			snprintf(err, len, "'cudaGetDeviceCount' failed: %s", cudaGetErrorString(rc));
		cudaGetLastError(); /* clear the sticky-looking error for later calls */
	}
	return 0;
}

extern "C" int gpuc_info(int dev, struct gpuc_info *info, char *err, size_t len)
{
	cudaDeviceProp p;
	int rc = 0;

	CK(cudaGetDeviceProperties(&p, dev));
	snprintf(info->name, sizeof(info->name), "%s", p.name);
	CK(cudaDeviceGetPCIBusId(info->bus_id, (int)sizeof(info->bus_id), dev));
	info->sms = p.multiProcessorCount;
	info->can_map = p.canMapHostMemory;
	CK(cudaSetDevice(dev));
	{
		size_t free_b = 0, total_b = 0;
		CK(cudaMemGetInfo(&free_b, &total_b));
		info->mem_free = free_b;
	}
out:
	return rc;
}

/* Time one launch or copy on stream s between events e0 and e1. */
static cudaError_t elapsed(cudaStream_t s, cudaEvent_t e0, cudaEvent_t e1, double *seconds)
{
	float ms = 0;
	cudaError_t rc;

	if ((rc = cudaEventRecord(e1, s)) != cudaSuccess || (rc = cudaEventSynchronize(e1)) != cudaSuccess ||
	    (rc = cudaEventElapsedTime(&ms, e0, e1)) != cudaSuccess)
		return rc;
	*seconds = ms / 1e3;
	return cudaSuccess;
}

/* Launch kernel k of the STREAM set (or the d2d copy) on arrays a, b, c of n2 double2 each. */
static cudaError_t launch(enum gpu_kernel k, int blocks, cudaStream_t s, double2 *a, double2 *b, double2 *c,
			  size_t n2)
{
	switch (k) {
	case GPU_COPY:
		k_copy<<<blocks, THREADS, 0, s>>>(a, c, n2);
		break;
	case GPU_SCALE:
		k_scale<<<blocks, THREADS, 0, s>>>(b, c, GPU_STREAM_SCALAR, n2);
		break;
	case GPU_ADD:
		k_add<<<blocks, THREADS, 0, s>>>(a, b, c, n2);
		break;
	case GPU_TRIAD:
		k_triad<<<blocks, THREADS, 0, s>>>(a, b, c, GPU_STREAM_SCALAR, n2);
		break;
	default:
		return cudaMemcpyAsync(c, a, n2 * sizeof(double2), cudaMemcpyDeviceToDevice, s);
	}
	return cudaGetLastError();
}

extern "C" int gpuc_stream(int dev, uint64_t n, int reps, const double expect[3], int corrupt, double *times,
			   uint64_t *wrong, char *err, size_t len)
{
	double2 *a = NULL, *b = NULL, *c = NULL;
	unsigned long long *dwrong = NULL, hwrong = 0;
	cudaStream_t s = NULL;
	cudaEvent_t e0 = NULL, e1 = NULL;
	size_t n2 = n / 2, bytes = n2 * sizeof(double2);
	int blocks = 1, rc = 0, k, r;

	CK(cudaSetDevice(dev));
	if (grid_blocks(dev, &blocks))
		CK(cudaGetLastError());
	CK(cudaMalloc(&a, bytes));
	CK(cudaMalloc(&b, bytes));
	CK(cudaMalloc(&c, bytes));
	CK(cudaMalloc(&dwrong, sizeof(*dwrong)));
	CK(cudaMemset(dwrong, 0, sizeof(*dwrong)));
	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	CK(cudaEventCreate(&e0));
	CK(cudaEventCreate(&e1));
	k_fill<<<blocks, THREADS, 0, s>>>(a, GPU_STREAM_A0, n2);
	k_fill<<<blocks, THREADS, 0, s>>>(b, GPU_STREAM_B0, n2);
	k_fill<<<blocks, THREADS, 0, s>>>(c, GPU_STREAM_C0, n2);
	CK(cudaGetLastError());

	/* d2d first: c = a each time, checked before STREAM's copy overwrites c. */
	for (r = 0; r < reps; r++) {
		CK(cudaEventRecord(e0, s));
		CK(launch(GPU_D2D, blocks, s, a, b, c, n2));
		CK(elapsed(s, e0, e1, &times[GPU_D2D * reps + r]));
	}
	k_check<<<blocks, THREADS, 0, s>>>((const double *)c, GPU_STREAM_A0, GPU_STREAM_TOLERANCE, 2 * n2, dwrong);
	CK(cudaGetLastError());

	for (r = 0; r < reps; r++)
		for (k = GPU_COPY; k <= GPU_TRIAD; k++) {
			CK(cudaEventRecord(e0, s));
			CK(launch((enum gpu_kernel)k, blocks, s, a, b, c, n2));
			CK(elapsed(s, e0, e1, &times[k * reps + r]));
		}
	if (corrupt) {
		double bad = expect[0] + 1.0;
		CK(cudaMemcpyAsync((double *)a + n2, &bad, sizeof(bad), cudaMemcpyHostToDevice, s));
	}
	k_check<<<blocks, THREADS, 0, s>>>((const double *)a, expect[0], GPU_STREAM_TOLERANCE, 2 * n2, dwrong);
	k_check<<<blocks, THREADS, 0, s>>>((const double *)b, expect[1], GPU_STREAM_TOLERANCE, 2 * n2, dwrong);
	k_check<<<blocks, THREADS, 0, s>>>((const double *)c, expect[2], GPU_STREAM_TOLERANCE, 2 * n2, dwrong);
	CK(cudaGetLastError());
	CK(cudaMemcpyAsync(&hwrong, dwrong, sizeof(hwrong), cudaMemcpyDeviceToHost, s));
	CK(cudaStreamSynchronize(s));
	*wrong = hwrong;
out:
	if (e0)
		cudaEventDestroy(e0);
	if (e1)
		cudaEventDestroy(e1);
	if (s)
		cudaStreamDestroy(s);
	cudaFree(a);
	cudaFree(b);
	cudaFree(c);
	cudaFree(dwrong);
	return rc;
}

extern "C" int gpuc_host_register(void *p, size_t bytes, char *err, size_t len)
{
	cudaError_t rc = cudaHostRegister(p, bytes, cudaHostRegisterPortable | cudaHostRegisterMapped);

	if (rc != cudaSuccess) {
		if (err && len)
			snprintf(err, len, "'cudaHostRegister' of %zu bytes failed: %s", bytes, cudaGetErrorString(rc));
		return -1;
	}
	return 0;
}

extern "C" void gpuc_host_unregister(void *p)
{
	cudaHostUnregister(p);
}

struct gpuc_xfer {
	int dev, blocks;
	uint64_t bytes;
	void *d[2]; /* d[0]: h2d destination, d[1]: d2h source */
	cudaStream_t s[2];
	cudaEvent_t ev[3]; /* start, stop, the second stream's end */
};

extern "C" void gpuc_xfer_free(struct gpuc_xfer *x)
{
	int i;

	if (!x)
		return;
	cudaSetDevice(x->dev);
	for (i = 0; i < 2; i++) {
		cudaFree(x->d[i]);
		if (x->s[i])
			cudaStreamDestroy(x->s[i]);
	}
	for (i = 0; i < 3; i++)
		if (x->ev[i])
			cudaEventDestroy(x->ev[i]);
	delete x;
}

extern "C" int gpuc_xfer_new(int dev, uint64_t bytes, struct gpuc_xfer **xp, char *err, size_t len)
{
	struct gpuc_xfer *x = new gpuc_xfer();
	int rc = 0, i;

	x->dev = dev;
	x->bytes = bytes;
	CK(cudaSetDevice(dev));
	if (grid_blocks(dev, &x->blocks))
		CK(cudaGetLastError());
	for (i = 0; i < 2; i++) {
		CK(cudaMalloc(&x->d[i], bytes));
		CK(cudaMemset(x->d[i], 0, bytes));
		CK(cudaStreamCreateWithFlags(&x->s[i], cudaStreamNonBlocking));
	}
	for (i = 0; i < 3; i++)
		CK(cudaEventCreate(&x->ev[i]));
	CK(cudaDeviceSynchronize());
out:
	if (rc) {
		gpuc_xfer_free(x);
		x = NULL;
	}
	*xp = x;
	return rc;
}

/* Queue one batch of the transfer kind on x's streams (the second stream joins at ev[0]). */
static cudaError_t queue(struct gpuc_xfer *x, enum gpuc_xfer_kind kind, const void *src, void *dst, uint64_t bytes,
			 unsigned int batch)
{
	void *mapped = NULL;
	cudaError_t rc = cudaSuccess;
	unsigned int i;

	if (kind == GPUC_H2D_SM || kind == GPUC_D2H_SM) {
		rc = cudaHostGetDevicePointer(&mapped, kind == GPUC_H2D_SM ? (void *)src : dst, 0);
		if (rc != cudaSuccess)
			return rc;
	}
	if (kind == GPUC_BIDIR && (rc = cudaStreamWaitEvent(x->s[1], x->ev[0], 0)) != cudaSuccess)
		return rc;
	for (i = 0; i < batch && rc == cudaSuccess; i++) {
		switch (kind) {
		case GPUC_H2D:
			rc = cudaMemcpyAsync(x->d[0], src, bytes, cudaMemcpyHostToDevice, x->s[0]);
			break;
		case GPUC_D2H:
			rc = cudaMemcpyAsync(dst, x->d[1], bytes, cudaMemcpyDeviceToHost, x->s[0]);
			break;
		case GPUC_BIDIR:
			rc = cudaMemcpyAsync(x->d[0], src, bytes, cudaMemcpyHostToDevice, x->s[0]);
			if (rc == cudaSuccess)
				rc = cudaMemcpyAsync(dst, x->d[1], bytes, cudaMemcpyDeviceToHost, x->s[1]);
			break;
		case GPUC_H2D_SM:
			k_copy16<<<x->blocks, THREADS, 0, x->s[0]>>>((const uint4 *)mapped, (uint4 *)x->d[0], bytes / 16);
			rc = cudaGetLastError();
			break;
		case GPUC_D2H_SM:
			k_copy16<<<x->blocks, THREADS, 0, x->s[0]>>>((const uint4 *)x->d[1], (uint4 *)mapped, bytes / 16);
			rc = cudaGetLastError();
			break;
		}
	}
	if (rc == cudaSuccess && kind == GPUC_BIDIR) {
		if ((rc = cudaEventRecord(x->ev[2], x->s[1])) == cudaSuccess)
			rc = cudaStreamWaitEvent(x->s[0], x->ev[2], 0);
	}
	return rc;
}

extern "C" int gpuc_xfer_time(struct gpuc_xfer *x, enum gpuc_xfer_kind kind, const void *src, void *dst,
			      uint64_t bytes, unsigned int batch, int reps, double *seconds, char *err, size_t len)
{
	int dev = x->dev, rc = 0, r;

	if (bytes > x->bytes || ((kind == GPUC_H2D_SM || kind == GPUC_D2H_SM) && bytes % 16)) {
		snprintf(err, len, "transfer of %llu bytes does not fit the buffers of gpu %d", (unsigned long long)bytes,
			 dev);
		return -1;
	}
	CK(cudaSetDevice(dev));
	for (r = 0; r < reps; r++) {
		CK(cudaEventRecord(x->ev[0], x->s[0]));
		CK(queue(x, kind, src, dst, bytes, batch));
		CK(elapsed(x->s[0], x->ev[0], x->ev[1], &seconds[r]));
	}
out:
	return rc;
}

/* Let dev reach peer's memory directly; already enabled is fine. */
static cudaError_t enable_peer(int dev, int peer)
{
	cudaError_t rc = cudaSetDevice(dev);

	if (rc == cudaSuccess)
		rc = cudaDeviceEnablePeerAccess(peer, 0);
	if (rc == cudaErrorPeerAccessAlreadyEnabled) {
		cudaGetLastError();
		rc = cudaSuccess;
	}
	return rc;
}

extern "C" int gpuc_p2p_time(int src, int dst, uint64_t bytes, int bidir, int reps, double *seconds, int *enabled,
			     char *err, size_t len)
{
	void *s_send = NULL, *s_recv = NULL, *d_recv = NULL, *d_send = NULL;
	cudaStream_t ss = NULL, ds = NULL;
	cudaEvent_t start = NULL, stop = NULL, done = NULL;
	int can_sd = 0, can_ds = 0, dev = src, rc = 0, r;

	CK(cudaDeviceCanAccessPeer(&can_sd, src, dst));
	CK(cudaDeviceCanAccessPeer(&can_ds, dst, src));
	*enabled = can_sd && (!bidir || can_ds);
	if (can_sd)
		CK(enable_peer(src, dst));
	if (can_ds)
		CK(enable_peer(dst, src));
	dev = dst;
	CK(cudaSetDevice(dst));
	CK(cudaMalloc(&d_recv, bytes));
	CK(cudaStreamCreateWithFlags(&ds, cudaStreamNonBlocking));
	CK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
	if (bidir) {
		CK(cudaMalloc(&d_send, bytes));
		CK(cudaMemset(d_send, 0, bytes));
	}
	dev = src;
	CK(cudaSetDevice(src));
	CK(cudaMalloc(&s_send, bytes));
	CK(cudaMemset(s_send, 0, bytes));
	if (bidir)
		CK(cudaMalloc(&s_recv, bytes));
	CK(cudaStreamCreateWithFlags(&ss, cudaStreamNonBlocking));
	CK(cudaEventCreate(&start));
	CK(cudaEventCreate(&stop));
	CK(cudaDeviceSynchronize());
	for (r = 0; r < reps; r++) {
		CK(cudaEventRecord(start, ss));
		CK(cudaMemcpyPeerAsync(d_recv, dst, s_send, src, bytes, ss));
		if (bidir) {
			CK(cudaStreamWaitEvent(ds, start, 0));
			CK(cudaMemcpyPeerAsync(s_recv, src, d_send, dst, bytes, ds));
			CK(cudaEventRecord(done, ds));
			CK(cudaStreamWaitEvent(ss, done, 0));
		}
		CK(elapsed(ss, start, stop, &seconds[r]));
	}
out:
	cudaSetDevice(src);
	if (ss)
		cudaStreamSynchronize(ss);
	if (ds)
		cudaStreamSynchronize(ds);
	cudaFree(s_send);
	cudaFree(s_recv);
	if (start)
		cudaEventDestroy(start);
	if (stop)
		cudaEventDestroy(stop);
	if (ss)
		cudaStreamDestroy(ss);
	cudaSetDevice(dst);
	cudaFree(d_recv);
	cudaFree(d_send);
	if (done)
		cudaEventDestroy(done);
	if (ds)
		cudaStreamDestroy(ds);
	return rc;
}
