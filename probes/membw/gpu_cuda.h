/*
 * gpu_cuda.h - the CUDA side of membw's GPU paths (gpu.cu), as plain C.
 *
 * gpu.c decides what to measure and reports it; these functions run the
 * kernels and copies and return raw times. They exist only in a build with
 * CUDA (SD_HAVE_CUDA), so gpu.c calls them under #if SD_HAVE_CUDA only.
 *
 * Every function returns 0, or -1 with a lower-case reason in err
 * ("'cudaMalloc' failed for gpu 1: out of memory"). Times are seconds, one
 * per repetition, measured with CUDA events on the device's own stream(s).
 * Devices are CUDA ordinals as this process sees them (CUDA_VISIBLE_DEVICES).
 */
#ifndef SD_MEMBW_GPU_CUDA_H
#define SD_MEMBW_GPU_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CUDA devices visible; 0 (and 0 returned) when the runtime finds no device or no driver, the reason in err. */
int gpuc_count(int *count, char *err, size_t len);

struct gpuc_info {
	char name[256];
	char bus_id[32];   /* "0000:18:00.0" */
	int sms;	   /* streaming multiprocessors */
	int can_map;	   /* can map pinned host memory (the SM path) */
	uint64_t mem_free; /* device memory free now, bytes */
};
int gpuc_info(int dev, struct gpuc_info *info, char *err, size_t len);

/*
 * Device STREAM on three arrays of n doubles (n even) and a d2d cudaMemcpy:
 * times[k * reps + r] is repetition r of kernel k (enum gpu_kernel, peak.h).
 * Afterwards every element is compared with expect[] (a, b, c after reps
 * repetitions; gpu_stream_expected) and, after the d2d copies, c with a's
 * start value; *wrong counts the elements that differ. corrupt (fault
 * injection) changes one element of a before its check.
 */
int gpuc_stream(int dev, uint64_t n, int reps, const double expect[3], int corrupt, double *times, uint64_t *wrong,
		char *err, size_t len);

/* Pin host memory the caller allocated (page-aligned), mapped into the device address space. */
int gpuc_host_register(void *p, size_t bytes, char *err, size_t len);
void gpuc_host_unregister(void *p);

enum gpuc_xfer_kind {
	GPUC_H2D,    /* cudaMemcpyAsync host -> device (copy engine) */
	GPUC_D2H,    /* cudaMemcpyAsync device -> host */
	GPUC_BIDIR,  /* both at once, two streams; time until both end */
	GPUC_H2D_SM, /* a kernel reads the mapped host buffer, writes device memory */
	GPUC_D2H_SM, /* a kernel reads device memory, writes the mapped host buffer */
};

/* Device buffers and streams for host<->device timing on one device. */
struct gpuc_xfer;

/* Allocate two device buffers of bytes each on dev. *x is owned by the caller: gpuc_xfer_free. */
int gpuc_xfer_new(int dev, uint64_t bytes, struct gpuc_xfer **x, char *err, size_t len);
void gpuc_xfer_free(struct gpuc_xfer *x);

/*
 * Time reps repetitions of batch transfers of bytes each (bytes <= the
 * buffers' size; a multiple of 16 for the SM kinds). src is the pinned host
 * source (h2d, bidir), dst the pinned host destination (d2h, bidir); both
 * registered with gpuc_host_register. seconds[r] covers the whole batch.
 */
int gpuc_xfer_time(struct gpuc_xfer *x, enum gpuc_xfer_kind kind, const void *src, void *dst, uint64_t bytes,
		   unsigned int batch, int reps, double *seconds, char *err, size_t len);

/*
 * Peer copies src -> dst of bytes, reps times (and dst -> src at the same
 * time when bidir; seconds until both end). Peer access is enabled both ways
 * when the devices allow it (*enabled 1); otherwise CUDA stages the copies
 * through the host (*enabled 0).
 */
int gpuc_p2p_time(int src, int dst, uint64_t bytes, int bidir, int reps, double *seconds, int *enabled, char *err,
		  size_t len);

#ifdef __cplusplus
}
#endif

#endif
