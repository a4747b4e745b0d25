/* stats.c - see stats.h and probes/METRICS.md. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int stats_compute(const double *v, size_t n, struct stats *out)
{
	double *s, sum = 0, sq = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
	for (i = 0; i < n; i++)
		sum += s[i];
	out->mean = sum / (double)n;
	if (n > 1) {
		for (i = 0; i < n; i++)
			sq += (s[i] - out->mean) * (s[i] - out->mean);
		out->stddev = sqrt(sq / (double)(n - 1));
		if (out->mean != 0)
			out->cv = out->stddev / fabs(out->mean);
	}
	free(s);
	return 0;
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	double r;
	size_t k;

	if (!n)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	r = ceil(p / 100.0 * (double)n - 1e-9); /* tolerance: 99.9 / 100 * 1000 is 999.0000000000001 */
	k = r < 1 ? 1 : (size_t)r;
	return sorted[(k > n ? n : k) - 1];
}
