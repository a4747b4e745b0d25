/*
 * coll.h - busbw's arithmetic, with no MPI or CUDA in it: the collectives'
 * names and bus-bandwidth factors, how a message size becomes element
 * counts, the size sweep, and the input/expected values that make every
 * result checkable element by element.
 *
 * Formulas: probes/METRICS.md, section `busbw` (after nccl-tests,
 * doc/PERFORMANCE.md). Used by the MPI driver (mpi.c), the NCCL side
 * (nccl.cu, through the same functions) and tests/unit/test_busbw.c.
 */
#ifndef SD_BUSBW_COLL_H
#define SD_BUSBW_COLL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum busbw_op {
	BUSBW_ALL_REDUCE,
	BUSBW_ALL_GATHER,
	BUSBW_REDUCE_SCATTER,
	BUSBW_BROADCAST,
	BUSBW_REDUCE,
	BUSBW_ALLTOALL,
	BUSBW_SENDRECV,
	BUSBW_NOPS
};

enum busbw_dtype { BUSBW_FLOAT, BUSBW_INT32, BUSBW_HALF, BUSBW_BF16, BUSBW_NDTYPES };

#define BUSBW_ROOT 0 /* root of broadcast and reduce */

/* "all_reduce" ...; NULL for an out-of-range op. */
const char *busbw_op_name(enum busbw_op op);
/* The op with this name, or -1. */
int busbw_op_parse(const char *name);
const char *busbw_dtype_name(enum busbw_dtype dt);
int busbw_dtype_parse(const char *name);
size_t busbw_dtype_size(enum busbw_dtype dt);

/* busbw = algbw x factor: 2(n-1)/n all_reduce; (n-1)/n all_gather, reduce_scatter, alltoall; 1 otherwise. */
double busbw_factor(enum busbw_op op, int nranks);

/*
 * Element counts for a message of `bytes` (nccl-tests' size): total is the
 * count algbw is computed over (algbw = total x elt / time); send and recv
 * are this rank's buffer counts; block = total / nranks for the split
 * collectives (all_gather: each rank's share; reduce_scatter: each rank's
 * result; alltoall: per peer), else total. total is rounded down to a
 * multiple of nranks where the collective splits it; 0 when it is too small.
 */
struct busbw_counts {
	size_t total, send, recv, block;
};
void busbw_counts(enum busbw_op op, int nranks, size_t elt, uint64_t bytes, struct busbw_counts *c);

/*
 * The sweep min, min*factor, ... <= max into out[0..cap); returns how many
 * (0 when min is 0, min > max or factor < 2).
 */
size_t busbw_sweep(uint64_t min, uint64_t max, unsigned factor, uint64_t *out, size_t cap);

/*
 * Inputs: element i on rank r is (r % 16) + 1 + (i % 7) for float and int32
 * (every sum over up to 2^19 ranks is an exact float), (r + i) % 3 for half
 * and bfloat16 (sums exact up to 128 ranks in bfloat16).
 */
double busbw_input(enum busbw_dtype dt, int rank, size_t i);

/*
 * The value element k of this rank's result must hold after op, or -1 when
 * the element is not checked (reduce on a non-root rank). The result is
 * what busbw_result_count says: all_gather: total; reduce_scatter: block;
 * others: total.
 */
struct busbw_expect {
	enum busbw_op op;
	enum busbw_dtype dt;
	int nranks, rank;
	struct busbw_counts c;
	double sum[21]; /* sum over ranks of the input at i, by i % 21 */
};
void busbw_expect_init(struct busbw_expect *e, enum busbw_op op, enum busbw_dtype dt, int nranks, int rank,
		       const struct busbw_counts *c);
double busbw_expected(const struct busbw_expect *e, size_t k);
size_t busbw_result_count(const struct busbw_expect *e);

/* Element i of a buffer of dt as a double; store v (an exactly representable value) there. */
double busbw_get(const void *buf, enum busbw_dtype dt, size_t i);
void busbw_set(void *buf, enum busbw_dtype dt, size_t i, double v);

/* Fill n elements of buf with the input of rank for indices first .. first+n-1. */
void busbw_fill(void *buf, enum busbw_dtype dt, int rank, size_t first, size_t n);
/* Fill n elements with -1, a value no result holds. */
void busbw_poison(void *buf, enum busbw_dtype dt, size_t n);

/* Elements of out (busbw_result_count of them) that differ from busbw_expected. */
uint64_t busbw_check(const struct busbw_expect *e, const void *out);

#ifdef __cplusplus
}
#endif

#endif
