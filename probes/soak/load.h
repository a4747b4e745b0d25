/*
 * load.h - the soak probe's loads: every core (cpuload.c) or every GPU
 * (gpu.c) busy on its own thread until stopped, each counting its work in
 * counters the sampler reads every interval without stopping it.
 *
 * Both check themselves gpu-burn style: the same computation from the same
 * inputs is repeated, and every result is compared bit for bit with the first
 * one; a difference is a silent data corruption (sdc) and is counted.
 */
#ifndef SD_SOAK_LOAD_H
#define SD_SOAK_LOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One unit of load (a core, a GPU): cumulative counts, written by its thread, read by the sampler. */
struct soak_unit {
	_Alignas(64) _Atomic uint64_t flops; /* floating-point operations done */
	_Atomic uint64_t bytes;		     /* bytes moved by the memory-bound loop */
	_Atomic uint64_t checks;	     /* results compared with the first */
	_Atomic uint64_t sdc;		     /* comparisons that differed */
	char label[32];			     /* "3" (cpu number, or CUDA ordinal) */
};

struct soak_cpu_opts {
	unsigned int threads; /* 0: one per core this process may use */
	int fma;	      /* run the FMA loop */
	uint64_t mem_bytes;   /* 0: no memory-bound loop; else bytes per thread it streams over */
	int corrupt;	      /* fault injection: thread 0's first comparison differs */
};

struct soak_cpu;

/*
 * Start the threads, each pinned to one core (hwloc; unpinned when hwloc
 * cannot bind, said in *note). Returns 0 with *out owned by the caller
 * (soak_cpu_stop), or -1 with the reason in err.
 */
int soak_cpu_start(const struct soak_cpu_opts *o, struct soak_cpu **out, char *note, size_t notelen, char *err,
		   size_t len);
size_t soak_cpu_units(const struct soak_cpu *c);
struct soak_unit *soak_cpu_unit(struct soak_cpu *c, size_t i);
/* Stop and join the threads, and free c. */
void soak_cpu_stop(struct soak_cpu *c);

struct soak_gpu_opts {
	int fp16;	    /* 0: bf16, 1: fp16 (both with fp32 accumulation) */
	uint64_t n;	    /* square GEMM size n x n x n */
	double check_every; /* seconds between comparisons with the first result */
	int corrupt;	    /* fault injection: GPU 0's first comparison differs */
};

struct soak_gpu;

/*
 * Start one host thread per visible GPU. Returns 0 with *out owned by the
 * caller (soak_gpu_stop); 1 when there is no GPU to load, the reason in err
 * ("no CUDA device"); -1 on an error, the reason in err.
 */
int soak_gpu_start(const struct soak_gpu_opts *o, struct soak_gpu **out, char *err, size_t len);
size_t soak_gpu_units(const struct soak_gpu *g);
struct soak_unit *soak_gpu_unit(struct soak_gpu *g, size_t i);
/* Stop and join the threads; returns 0, or -1 when a thread failed (the first reason in err). Frees g. */
int soak_gpu_stop(struct soak_gpu *g, char *err, size_t len);

#endif
