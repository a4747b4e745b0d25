/* analysis.c - the soak probe's maths (contract in analysis.h; formulas in probes/METRICS.md, `soak`). */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t soak_window(size_t n)
{
	size_t w = n / 10;

	return w < 1 ? (n ? 1 : 0) : w;
}

double soak_mean(const double *v, size_t from, size_t to)
{
	double sum = 0;
	size_t i, k = 0;

	for (i = from; i < to; i++)
		if (!isnan(v[i])) {
			sum += v[i];
			k++;
		}
	return k ? sum / (double)k : NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double soak_median(const double *v, size_t from, size_t to)
{
	double *s, med;
	size_t i, k = 0;

	if (to <= from || !(s = malloc((to - from) * sizeof(*s))))
		return NAN;
	for (i = from; i < to; i++)
		if (!isnan(v[i]))
			s[k++] = v[i];
	qsort(s, k, sizeof(*s), cmp_double);
	med = !k ? NAN : k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
	free(s);
	return med;
}

double soak_max(const double *v, size_t n)
{
	double m = NAN;
	size_t i;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] > m))
			m = v[i];
	return m;
}

double soak_steady(const double *v, size_t n)
{
	size_t w = soak_window(n);

	return soak_median(v, n > w ? w : 0, n);
}

double soak_drift(const double *v, size_t n)
{
	size_t w = soak_window(n);
	double first = soak_mean(v, 0, w), last = soak_mean(v, n - w, n);

	if (!w || isnan(first) || isnan(last) || first == 0)
		return NAN;
	return last / first - 1;
}

double soak_plateau(const double *t, const double *v, size_t n, double tol)
{
	size_t w = soak_window(n), k, at = n;
	double m;

	if (n < 2)
		return NAN;
	m = soak_mean(v, n - w, n);
	if (isnan(m))
		return NAN;
	for (k = n; k-- > 0;) {
		if (isnan(v[k]))
			continue;
		if (fabs(v[k] - m) > tol)
			break;
		at = k;
	}
	return at < n ? t[at] : NAN;
}

double soak_flag_fraction(const uint64_t *mask, const unsigned char *valid, size_t n, uint64_t bits)
{
	size_t i, k = 0, set = 0;

	for (i = 1; i < n; i++) {
		if (valid && !valid[i])
			continue;
		k++;
		set += (mask[i] & bits) != 0;
	}
	return k ? (double)set / (double)k : NAN;
}

double soak_counter_delta(double earlier, double later, double range)
{
	if (later >= earlier || range <= 0)
		return later - earlier;
	return later + range - earlier;
}
