/*
 * stream.h - STREAM on host memory: the four kernels, their byte counting,
 * the array sizing rule, the threaded run and the validation afterwards.
 *
 * Written from STREAM's rules (McCalpin, stream.c; probes/METRICS.md, `membw`),
 * not its code: arrays a, b, c of doubles; copy c=a, scale b=s*c, add c=a+b,
 * triad a=b+s*c with s=3; bytes counted 2, 2, 3, 3 arrays per element; each
 * array at least 4x the last-level caches the threads can use; the best of
 * the repetitions after the first; every element checked afterwards.
 *
 * Threads are pinned (one per core by default), and each first-touches the
 * part of the arrays it will use, so the memory lands on its own NUMA node
 * unless the run binds it elsewhere (stream_config.mem).
 */
#ifndef SD_MEMBW_STREAM_H
#define SD_MEMBW_STREAM_H

#include <hwloc.h>
#include <stddef.h>
#include <stdint.h>

#define STREAM_SCALAR 3.0
#define STREAM_MIN_BYTES (64ull << 20) /* floor of the sizing rule, per array */
#define STREAM_MAX_REPS 200	       /* values grow 15x per repetition: 15^200 is still finite */
#define STREAM_TOLERANCE 1e-13	       /* relative error an element may have (STREAM's epsilon for doubles) */

enum stream_kernel { STREAM_COPY, STREAM_SCALE, STREAM_ADD, STREAM_TRIAD, STREAM_NKERNELS };

/* "copy", "scale", "add", "triad". */
extern const char *const stream_kernel_names[STREAM_NKERNELS];

/* Bytes a kernel moves over n elements, counted as STREAM does: 16 (copy, scale) or 24 (add, triad) each. */
double stream_bytes(enum stream_kernel k, size_t n);

/*
 * Bytes per array by the sizing rule: 4x llc (the last-level cache bytes the
 * threads can use), at least STREAM_MIN_BYTES, at most a sixth of avail (so
 * the three arrays take at most half of it), in whole cache lines.
 * *capped is set when avail limited it (the run is then not a fair STREAM).
 */
uint64_t stream_default_size(uint64_t llc, uint64_t avail, int *capped);

/* Bytes of the last-level caches that intersect cpus (0 when hwloc knows of none). */
uint64_t stream_llc_bytes(hwloc_topology_t topo, hwloc_const_cpuset_t cpus);

/* The values every element of a, b, c should hold after reps repetitions. */
void stream_expected(int reps, double *a, double *b, double *c);

/* Elements of a, b, c (n each) whose relative error against stream_expected(reps) exceeds STREAM_TOLERANCE. */
size_t stream_check(const double *a, const double *b, const double *c, size_t n, int reps);

struct stream_config {
	hwloc_topology_t topo;
	size_t n;		    /* elements per array */
	unsigned nthreads;	    /* >= 1 */
	hwloc_const_cpuset_t *cpus; /* cpus[i]: where thread i runs; NULL: not pinned */
	hwloc_const_nodeset_t mem;  /* bind the arrays to these NUMA nodes; NULL: first touch */
	int reps;		    /* 2 .. STREAM_MAX_REPS; the first is not counted */
	int nt_stores;		    /* use non-temporal stores where the CPU has them */
	int corrupt;		    /* fault injection: change one element before the check */
};

struct stream_result {
	double best[STREAM_NKERNELS];	  /* B/s, best of repetitions 2..reps */
	double *samples[STREAM_NKERNELS]; /* B/s of repetitions 2..reps (reps - 1 each); owned, stream_result_release */
	size_t nsamples;
	size_t wrong;	      /* elements that failed the check */
	int nt_used;	      /* non-temporal stores were used */
	int mem_bound;	      /* the arrays were bound to cfg.mem (0 when binding was refused) */
	char bind_error[160]; /* why binding was refused, when it was */
};

/*
 * Allocate the arrays, run reps repetitions of the kernels on nthreads
 * threads, check every element, free the arrays. Returns 0 with r filled,
 * or -1 with a message in err (out of memory, threads could not start).
 */
int stream_run(const struct stream_config *cfg, struct stream_result *r, char *err, size_t len);

/* Free r's samples. */
void stream_result_release(struct stream_result *r);

#endif
