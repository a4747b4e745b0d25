/* verify.c - see verify.h; the tolerance is written down in probes/METRICS.md, `gemm`. */
#include "verify.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

double gemm_tolerance(const struct gemm_dtype *dt, uint64_t k)
{
	return 2 * dt->u_in + 4 * sqrt((double)k) * dt->u_acc + dt->u_out;
}

/*
 * Rounding of the check itself, in long double, relative to |A|·|B|: a
 * generous multiple of the worst case so an exact (int8) result never trips it.
 */
static long double check_slack(const struct gemm_shape *s)
{
	return 4.0L * (long double)(s->n + s->k) * LDBL_EPSILON;
}

static long double at(const void *p, enum gemm_elt e, uint64_t i)
{
	return e == GEMM_ELT_F64 ? ((const double *)p)[i] : ((const float *)p)[i];
}

/* Dot product of two contiguous vectors of k elements; *absdot gets the sum of |x·y|. */
static long double dot(const void *x, const void *y, enum gemm_elt e, uint64_t k, long double *absdot)
{
	long double s = 0, as = 0, t;
	uint64_t i;

	if (e == GEMM_ELT_F64) {
		const double *a = x, *b = y;
		for (i = 0; i < k; i++) {
			t = (long double)a[i] * b[i];
			s += t;
			as += fabsl(t);
		}
	} else {
		const float *a = x, *b = y;
		for (i = 0; i < k; i++) {
			t = (long double)a[i] * b[i];
			s += t;
			as += fabsl(t);
		}
	}
	*absdot = as;
	return s;
}

static const void *offset(const void *p, enum gemm_elt e, uint64_t i)
{
	return (const char *)p + i * (e == GEMM_ELT_F64 ? sizeof(double) : sizeof(float));
}

/* Compare row m of c with the reference, element by element. */
static void check_row(const struct gemm_shape *s, const void *a, const void *b, const void *c, enum gemm_elt e,
		      long double bound, uint64_t m, struct gemm_check *out)
{
	long double ref, abs, err;
	double ratio;
	uint64_t n;

	for (n = 0; n < s->n; n++) {
		ref = dot(offset(a, e, m * s->k), offset(b, e, n * s->k), e, s->k, &abs);
		err = fabsl(at(c, e, m + n * s->m) - ref);
		ratio = abs > 0 ? (double)(err / abs) : err > 0 ? INFINITY : 0;
		if (isnan(ratio))
			ratio = INFINITY;
		if (ratio > out->worst)
			out->worst = ratio;
		if (!(err <= bound * abs) && !out->wrong++) {
			out->first_m = m;
			out->first_n = n;
		}
	}
	out->rows_checked++;
}

/* Freivalds screen: flag[m] set where (c·x)(m) differs from (a·(b·x))(m) by more than the bound. */
static void screen(const struct gemm_shape *s, const void *a, const void *b, const void *c, enum gemm_elt e,
		   long double bound, unsigned char *flag, struct gemm_check *out)
{
	long double *x = xcalloc(s->n, sizeof(*x)), *y = xcalloc(s->k, sizeof(*y));
	long double *ya = xcalloc(s->k, sizeof(*ya)), *cx = xcalloc(s->m, sizeof(*cx));
	long double rhs, lim, v, err;
	uint64_t m, n, k, r = 0x9e3779b97f4a7c15ULL;

	for (n = 0; n < s->n; n++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		x[n] = 0.5L + (long double)(r >> 11) * 0x1p-53L; /* in [0.5, 1.5): no element escapes */
		for (k = 0; k < s->k; k++) {
			v = at(b, e, n * s->k + k);
			y[k] += v * x[n];
			ya[k] += fabsl(v) * x[n];
		}
		for (m = 0; m < s->m; m++)
			cx[m] += at(c, e, m + n * s->m) * x[n];
	}
	for (m = 0; m < s->m; m++) {
		rhs = 0;
		lim = 0;
		for (k = 0; k < s->k; k++) {
			v = at(a, e, m * s->k + k);
			rhs += v * y[k];
			lim += fabsl(v) * ya[k];
		}
		err = fabsl(cx[m] - rhs);
		flag[m] = !(err <= bound * lim);
		if (lim > 0 && !flag[m] && err / lim > out->worst)
			out->worst = (double)(err / lim);
	}
	free(x);
	free(y);
	free(ya);
	free(cx);
}

uint64_t gemm_verify(const struct gemm_shape *s, const void *a, const void *b, const void *c, enum gemm_elt e,
		     double tol, int full, struct gemm_check *out)
{
	long double bound = (long double)tol + check_slack(s);
	unsigned char *flag;
	uint64_t m;

	memset(out, 0, sizeof(*out));
	out->full = full || (double)s->m * (double)s->n * (double)s->k <= (double)GEMM_VERIFY_FULL_MNK;
	if (out->full) {
		for (m = 0; m < s->m; m++)
			check_row(s, a, b, c, e, bound, m, out);
		return out->wrong;
	}
	flag = xcalloc(s->m, 1);
	screen(s, a, b, c, e, bound, flag, out);
	for (m = 0; m < s->m; m++)
		if (flag[m])
			check_row(s, a, b, c, e, bound, m, out);
	free(flag);
	return out->wrong;
}

uint64_t gemm_bits_differ(const void *x, const void *y, uint64_t n, size_t elt)
{
	const unsigned char *p = x, *q = y;
	uint64_t i, d = 0;

	for (i = 0; i < n; i++)
		d += memcmp(p + i * elt, q + i * elt, elt) != 0;
	return d;
}

void gemm_fill(void *p, enum gemm_elt e, uint64_t n, uint64_t seed)
{
	uint64_t i, z;
	double v;

	for (i = 0; i < n; i++) {
		z = seed + (i + 1) * 0x9e3779b97f4a7c15ULL; /* splitmix64 */
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		v = (double)(z >> 11) * 0x1p-52 - 1.0;
		if (e == GEMM_ELT_F64)
			((double *)p)[i] = v;
		else
			((float *)p)[i] = (float)v;
	}
}

void gemm_corrupt(void *c, enum gemm_elt e, uint64_t i)
{
	if (e == GEMM_ELT_F64)
		((double *)c)[i] = ((double *)c)[i] * 1024 + 1024;
	else
		((float *)c)[i] = ((float *)c)[i] * 1024 + 1024;
}
