/*
 * analysis.h - the soak probe's maths over sampled series, kept apart from
 * the load and the sensors so it can be tested with known answers. Every
 * formula is written down in probes/METRICS.md, section `soak`.
 *
 * A series is n values v[0..n-1] at times t[0..n-1] (seconds since the load
 * started, increasing). NAN marks a sample that is missing; every function
 * skips NANs and returns NAN when nothing is left to compute from.
 */
#ifndef SD_SOAK_ANALYSIS_H
#define SD_SOAK_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

/* Samples in the first and in the last window: a tenth of n, at least 1 (and at most n). */
size_t soak_window(size_t n);

/* Mean of v[from .. to-1], NANs skipped. */
double soak_mean(const double *v, size_t from, size_t to);
/* Median of v[from .. to-1], NANs skipped. */
double soak_median(const double *v, size_t from, size_t to);
/* Largest value, NANs skipped. */
double soak_max(const double *v, size_t n);

/* Steady-state value: the median of v after the first window. */
double soak_steady(const double *v, size_t n);

/* Drift: mean of the last window over mean of the first window, minus 1 (a signed ratio). */
double soak_drift(const double *v, size_t n);

/*
 * Time to thermal plateau: m is the mean of the last window; the plateau
 * time is the first t[k] such that every sample from k on is within tol of
 * m. Returns NAN when fewer than 2 samples are present.
 */
double soak_plateau(const double *t, const double *v, size_t n, double tol);

/* Fraction of samples 1..n-1 (one per interval) whose mask has any bit of bits set. */
double soak_flag_fraction(const uint64_t *mask, const unsigned char *valid, size_t n, uint64_t bits);

/*
 * Difference of a cumulative counter that wraps at range (range 0: never
 * wraps): later - earlier, adding range once when later < earlier.
 */
double soak_counter_delta(double earlier, double later, double range);

#endif
