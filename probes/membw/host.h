/*
 * host.h - membw's host-memory paths: STREAM on all cores, and per NUMA node
 * pair (threads on one node, memory on another). Kernels, sizing and
 * validation are in stream.h; this reports them through the probe API.
 */
#ifndef SD_MEMBW_HOST_H
#define SD_MEMBW_HOST_H

#include <stdint.h>

struct probe_ctx;

struct membw_host_opts {
	uint64_t size;	  /* bytes per array; 0: the sizing rule (stream_default_size) */
	unsigned threads; /* 0: one per core */
	int reps;	  /* >= 2; the first is not counted */
	int nt_stores;	  /* non-temporal stores where the CPU has them */
	int stream;	  /* all cores, memory first-touched by the threads that use it */
	int numa;	  /* each (cpu node, memory node) pair, and numa_balance */
};

/* Returns 0 (a wrong result is recorded with probe_fail), or -1 after probe_error. */
int membw_host(struct probe_ctx *ctx, const struct membw_host_opts *o);

#endif
