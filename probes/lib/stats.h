/*
 * stats.h - summary statistics over repeated samples, used by probes (per
 * repetition) and by the runner (per step repeat). Definitions are written
 * down once in probes/METRICS.md ("Statistics").
 */
#ifndef SD_STATS_H
#define SD_STATS_H

#include <stddef.h>

struct stats {
	size_t n;
	double median, min, max, mean;
	double stddev; /* sample standard deviation (n-1); 0 when n < 2 */
	double cv;     /* stddev / |mean|; 0 when mean is 0 or n < 2 */
};

/* Summarise v[0..n); v is not modified. n == 0 gives all zeros. Returns 0, or -1 when out of memory. */
int stats_compute(const double *v, size_t n, struct stats *out);

/*
 * The p-th percentile (0 <= p <= 100) of sorted[0..n), ascending, by the
 * nearest-rank method: the smallest sample with at least p % of the samples
 * at or below it, sorted[ceil(p / 100 * n) - 1] (sorted[0] for p = 0). Always
 * one of the samples, never interpolated. n == 0 gives 0. (METRICS.md,
 * "Statistics".)
 */
double stats_percentile(const double *sorted, size_t n, double p);

#endif
