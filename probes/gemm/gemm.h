/*
 * gemm.h - what the CPU and GPU paths hand to the probe's report (gemm.c):
 * one result per (dtype, shape), measured or not and why.
 */
#ifndef SD_GEMM_GEMM_H
#define SD_GEMM_GEMM_H

#include "dtype.h"
#include "roofline.h"

#include <stddef.h>
#include <stdint.h>

struct probe_ctx;

enum gemm_status { GEMM_RAN = 0, GEMM_UNSUPPORTED = 1, GEMM_ERROR = -1 };

struct gemm_result {
	const struct gemm_dtype *dt;
	struct gemm_shape shape;
	enum gemm_status status;
	char why[256];	      /* GEMM_UNSUPPORTED, GEMM_ERROR: one lower-case line */
	double *secs;	      /* seconds per GEMM, one per repetition (owned; gemm_results_free) */
	int nsecs, inner;     /* repetitions; GEMMs per repetition */
	int verified, full;   /* checked against a reference; every element compared */
	uint64_t wrong;	      /* elements outside the tolerance */
	uint64_t repeat_diff; /* elements that differ bitwise between two runs of the same GEMM */
	double worst, tol;    /* largest error seen / (|A|·|B|), and the tolerance */
};

/* Where the results were measured: the host, or one GPU. */
struct gemm_target {
	const char *gpu;       /* label value ("0"), or NULL on the CPU */
	const char *gpu_name;  /* CUDA device name for the datasheet peaks, or NULL */
	double bandwidth;      /* B/s for the roofline */
	const char *bw_source; /* "measured" or "param" */
};

/* What the reports found, over every target: decides the probe's status at the end (gemm.c). */
struct gemm_summary {
	uint64_t wrong;	   /* wrong_elements over all targets */
	size_t ran;	   /* results measured */
	size_t errors;	   /* results that could not be measured */
	char first[256];   /* the first wrong result or error, for the reason */
	char skipped[256]; /* why the first unsupported dtype was not measured */
};

/* Report every result as metrics, roofline series and env, and count them into sum (gemm.c). */
void gemm_report(struct probe_ctx *ctx, const struct gemm_target *t, const struct gemm_result *r, size_t n,
		 struct gemm_summary *sum);
/* Free the secs of n results, then r itself. */
void gemm_results_free(struct gemm_result *r, size_t n);

/* The shapes and dtypes a path runs, from the params (gemm.c). */
struct gemm_plan {
	struct gemm_shape *shapes;
	size_t nshapes;
	const struct gemm_dtype **dtypes;
	size_t ndtypes;
	int reps, verify, corrupt;
	double bandwidth; /* B/s from the params; 0: measure */
};

#endif
