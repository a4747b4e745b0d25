/*
 * coll.c - busbw's arithmetic (contract in coll.h; formulas in
 * probes/METRICS.md, section `busbw`).
 */
#include "coll.h"

#include <math.h>
#include <string.h>

static const char *const op_names[BUSBW_NOPS] = {
	[BUSBW_ALL_REDUCE] = "all_reduce", [BUSBW_ALL_GATHER] = "all_gather", [BUSBW_REDUCE_SCATTER] = "reduce_scatter",
	[BUSBW_BROADCAST] = "broadcast",   [BUSBW_REDUCE] = "reduce",	      [BUSBW_ALLTOALL] = "alltoall",
	[BUSBW_SENDRECV] = "sendrecv",
};

static const struct {
	const char *name;
	size_t size;
} dtypes[BUSBW_NDTYPES] = {
	[BUSBW_FLOAT] = { "float", 4 },
	[BUSBW_INT32] = { "int32", 4 },
	[BUSBW_HALF] = { "half", 2 },
	[BUSBW_BF16] = { "bf16", 2 },
};

const char *busbw_op_name(enum busbw_op op)
{
	return (unsigned)op < BUSBW_NOPS ? op_names[op] : NULL;
}

int busbw_op_parse(const char *name)
{
	int i;

	for (i = 0; i < BUSBW_NOPS; i++)
		if (!strcmp(name, op_names[i]))
			return i;
	return -1;
}

const char *busbw_dtype_name(enum busbw_dtype dt)
{
	return (unsigned)dt < BUSBW_NDTYPES ? dtypes[dt].name : NULL;
}

int busbw_dtype_parse(const char *name)
{
	int i;

	for (i = 0; i < BUSBW_NDTYPES; i++)
		if (!strcmp(name, dtypes[i].name))
			return i;
	return -1;
}

size_t busbw_dtype_size(enum busbw_dtype dt)
{
	return (unsigned)dt < BUSBW_NDTYPES ? dtypes[dt].size : 0;
}

double busbw_factor(enum busbw_op op, int nranks)
{
	double n = nranks;

	if (nranks < 1)
		return 0;
	switch (op) {
	case BUSBW_ALL_REDUCE:
		return 2 * (n - 1) / n;
	case BUSBW_ALL_GATHER:
	case BUSBW_REDUCE_SCATTER:
	case BUSBW_ALLTOALL:
		return (n - 1) / n;
	default:
		return 1;
	}
}

static int splits(enum busbw_op op)
{
	return op == BUSBW_ALL_GATHER || op == BUSBW_REDUCE_SCATTER || op == BUSBW_ALLTOALL;
}

void busbw_counts(enum busbw_op op, int nranks, size_t elt, uint64_t bytes, struct busbw_counts *c)
{
	size_t n = nranks > 0 ? (size_t)nranks : 1, total = elt ? (size_t)(bytes / elt) : 0;

	memset(c, 0, sizeof(*c));
	if (splits(op))
		total -= total % n;
	c->total = total;
	c->block = splits(op) ? total / n : total;
	c->send = op == BUSBW_ALL_GATHER ? c->block : total;
	c->recv = op == BUSBW_REDUCE_SCATTER ? c->block : total;
}

size_t busbw_sweep(uint64_t min, uint64_t max, unsigned factor, uint64_t *out, size_t cap)
{
	size_t n = 0;
	uint64_t s;

	if (!min || min > max || factor < 2)
		return 0;
	for (s = min; s <= max && n < cap; s *= factor) {
		out[n++] = s;
		if (s > UINT64_MAX / factor)
			break;
	}
	return n;
}

double busbw_input(enum busbw_dtype dt, int rank, size_t i)
{
	if (dt == BUSBW_HALF || dt == BUSBW_BF16)
		return (double)(((size_t)rank + i) % 3);
	return (double)(rank % 16 + 1) + (double)(i % 7);
}

void busbw_expect_init(struct busbw_expect *e, enum busbw_op op, enum busbw_dtype dt, int nranks, int rank,
		       const struct busbw_counts *c)
{
	size_t k;
	int r;

	e->op = op;
	e->dt = dt;
	e->nranks = nranks;
	e->rank = rank;
	e->c = *c;
	for (k = 0; k < 21; k++) {
		e->sum[k] = 0;
		for (r = 0; r < nranks; r++)
			e->sum[k] += busbw_input(dt, r, k);
	}
}

size_t busbw_result_count(const struct busbw_expect *e)
{
	return e->op == BUSBW_REDUCE_SCATTER ? e->c.block : e->c.total;
}

/* The input at index i summed over all ranks (both patterns repeat every 21 elements). */
static double sum_at(const struct busbw_expect *e, size_t i)
{
	return e->sum[i % 21];
}

double busbw_expected(const struct busbw_expect *e, size_t k)
{
	size_t b = e->c.block ? e->c.block : 1;
	int n = e->nranks;

	switch (e->op) {
	case BUSBW_ALL_REDUCE:
		return sum_at(e, k);
	case BUSBW_ALL_GATHER:
		return busbw_input(e->dt, (int)(k / b), k % b);
	case BUSBW_REDUCE_SCATTER:
		return sum_at(e, (size_t)e->rank * b + k);
	case BUSBW_BROADCAST:
		return busbw_input(e->dt, BUSBW_ROOT, k);
	case BUSBW_REDUCE:
		return e->rank == BUSBW_ROOT ? sum_at(e, k) : -1;
	case BUSBW_ALLTOALL:
		return busbw_input(e->dt, (int)(k / b), (size_t)e->rank * b + k % b);
	case BUSBW_SENDRECV:
		return busbw_input(e->dt, (e->rank + n - 1) % n, k);
	default:
		return -1;
	}
}

/* IEEE half from a value that half holds exactly (small integers, -1): sign, 5-bit exponent, 10-bit mantissa. */
static uint16_t to_half(double v)
{
	uint16_t sign = v < 0 ? 0x8000 : 0;
	int e;
	double m;

	if (v == 0)
		return 0;
	m = frexp(fabs(v), &e); /* |v| = m * 2^e, m in [0.5, 1) */
	return (uint16_t)(sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)((m * 2 - 1) * 1024));
}

static double from_half(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	double m = h & 0x3ff, v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(1 + m / 1024, e - 15);
	return h & 0x8000 ? -v : v;
}

double busbw_get(const void *buf, enum busbw_dtype dt, size_t i)
{
	float f;
	uint32_t u;

	switch (dt) {
	case BUSBW_FLOAT:
		return ((const float *)buf)[i];
	case BUSBW_INT32:
		return ((const int32_t *)buf)[i];
	case BUSBW_HALF:
		return from_half(((const uint16_t *)buf)[i]);
	case BUSBW_BF16:
		u = (uint32_t)((const uint16_t *)buf)[i] << 16;
		memcpy(&f, &u, sizeof(f));
		return f;
	default:
		return NAN;
	}
}

void busbw_set(void *buf, enum busbw_dtype dt, size_t i, double v)
{
	float f = (float)v;
	uint32_t u;

	switch (dt) {
	case BUSBW_FLOAT:
		((float *)buf)[i] = f;
		break;
	case BUSBW_INT32:
		((int32_t *)buf)[i] = (int32_t)v;
		break;
	case BUSBW_HALF:
		((uint16_t *)buf)[i] = to_half(v);
		break;
	case BUSBW_BF16:
		memcpy(&u, &f, sizeof(u));
		((uint16_t *)buf)[i] = (uint16_t)(u >> 16);
		break;
	default:
		break;
	}
}

void busbw_fill(void *buf, enum busbw_dtype dt, int rank, size_t first, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		busbw_set(buf, dt, i, busbw_input(dt, rank, first + i));
}

void busbw_poison(void *buf, enum busbw_dtype dt, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		busbw_set(buf, dt, i, -1);
}

uint64_t busbw_check(const struct busbw_expect *e, const void *out)
{
	size_t k, n = busbw_result_count(e);
	uint64_t wrong = 0;
	double want;

	for (k = 0; k < n; k++) {
		want = busbw_expected(e, k);
		if (want >= 0 && busbw_get(out, e->dt, k) != want)
			wrong++;
	}
	return wrong;
}
