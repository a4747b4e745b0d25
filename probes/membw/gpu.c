/* gpu.c - see gpu.h. (placeholder until the GPU paths land) */
#include "gpu.h"
#include "probe.h"

#include <stdio.h>

int membw_gpu(struct probe_ctx *ctx, const struct membw_gpu_opts *o, char *why, size_t whylen)
{
	(void)ctx;
	(void)o;
	snprintf(why, whylen, "no CUDA device");
	return 1;
}
