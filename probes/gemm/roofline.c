/* roofline.c - see roofline.h; the formulas are in probes/METRICS.md, `gemm`. */
#include "roofline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define GEMM_DIM_MAX 1048576ULL

/* One dimension: digits, then the separator sep ('x', or '\0' for the last). */
static int parse_dim(const char **p, char sep, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno || *end != sep || v == 0 || v > GEMM_DIM_MAX)
		return -1;
	*out = v;
	*p = sep ? end + 1 : end;
	return 0;
}

int gemm_shape_parse(const char *s, struct gemm_shape *out, char *err, size_t len)
{
	const char *p = s ? s : "";

	if (parse_dim(&p, 'x', &out->m) || parse_dim(&p, 'x', &out->n) || parse_dim(&p, '\0', &out->k)) {
		snprintf(err, len,
			 "invalid shape '%s': expected MxNxK, three whole numbers 1..%llu (e.g. 4096x4096x4096)",
			 s ? s : "", GEMM_DIM_MAX);
		return -1;
	}
	return 0;
}

double gemm_flops(const struct gemm_shape *s)
{
	return 2.0 * (double)s->m * (double)s->n * (double)s->k;
}

double gemm_min_bytes(const struct gemm_shape *s, size_t elt_in, size_t elt_out)
{
	double m = (double)s->m, n = (double)s->n, k = (double)s->k;

	return (double)elt_in * (m * k + k * n) + (double)elt_out * m * n;
}

double gemm_intensity(double flops, double bytes)
{
	return bytes > 0 ? flops / bytes : 0;
}

double roofline_attainable(double peak, double bw, double ai)
{
	double mem = bw * ai;

	return mem < peak ? mem : peak;
}

double roofline_ridge(double peak, double bw)
{
	return bw > 0 ? peak / bw : 0;
}

double roofline_of_roof(double attained, double peak, double bw, double ai)
{
	double roof = roofline_attainable(peak, bw, ai);

	return roof > 0 ? attained / roof : 0;
}
