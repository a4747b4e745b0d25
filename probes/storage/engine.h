/*
 * engine.h - the storage probe's data path: one thread per file keeps qd I/Os
 * of bs bytes in flight, through io_uring (liburing) or, where io_uring is
 * unavailable, through qd threads doing pread/pwrite (the same queue depth as
 * concurrency). Writes carry the verification pattern (pattern.h); reads are
 * verified as they complete. Every loop checks a stop flag (a signal, an
 * error on any file, a deadline) before issuing more, and drains what is in
 * flight before returning, so files can be closed and removed at once.
 *
 * Timing: every worker sets up first (its ring, its qd buffers, the write
 * pattern), then all wait at one start gate; the gate opens once, for all of
 * them, when the last is ready, and that instant is the job's t_start. The
 * job's t_end is the last I/O completion on any file. t_end - t_start is the
 * I/O alone, as fio times a job (from its start, after file layout and
 * buffer setup, to its last completion), never set-up or tear-down.
 */
#ifndef SD_STORAGE_ENGINE_H
#define SD_STORAGE_ENGINE_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern.h"

enum engine_kind { ENGINE_URING, ENGINE_PSYNC };
enum engine_op { OP_SEQWRITE, OP_SEQREAD, OP_RANDREAD };

struct engine_file {
	int fd;
	const char *name; /* path relative to the work directory, for messages */
	uint64_t id;	  /* file id in the pattern */
	uint64_t size;	  /* bytes; a multiple of bs */
};

/* What one file's worker did. */
struct engine_result {
	uint64_t ios, bytes;	/* completed */
	struct pattern_bad bad; /* verification (reads with verify) */
	int err;		/* errno of the first failed I/O, 0 when none */
	uint64_t err_offset;	/* its offset */
	char err_what[96];	/* "write", "read", "short write (N of M bytes)" */
	double *lat;		/* per-I/O latency in s (randread), owned by the caller; may be NULL */
	_Atomic uint64_t nlat;	/* latencies stored in lat[] */
	double t_last;		/* probe_now() of its last completed I/O; 0 when none */
};

struct engine_job {
	enum engine_kind kind;
	enum engine_op op;
	unsigned bs, qd;
	unsigned uring_setup;		  /* index in engine_uring_setups (engine_uring_available's) */
	uint64_t nios;			  /* per file: size/bs for sequential, a count for random */
	double runtime;			  /* seconds after t_start when no new I/O starts; 0: no bound */
	int verify;			  /* check read data against the pattern */
	uint64_t seed;			  /* run seed: the random offsets' */
	const struct pattern *pat;	  /* the run's pattern (pattern_init'd with seed) */
	volatile sig_atomic_t *interrupt; /* set by SIGTERM/SIGINT */
	atomic_int *corrupt_once;	  /* fault injection: flip a byte in the next read buffer (1 -> 0) */
	atomic_int stop;		  /* set by the first error on any file */
	/* set by engine_run: */
	double deadline;       /* t_start + runtime (0: none) */
	double t_start, t_end; /* probe_now() at the start gate and at the last completion */
	double setup_s;	       /* seconds from engine_run to t_start: worker set-up, untimed */
};

/*
 * Ring set-up flags, best first: SINGLE_ISSUER|DEFER_TASKRUN (Linux 6.1 on:
 * completions are posted when the worker reaps, no interrupting task work),
 * COOP_TASKRUN (5.19 on), none. fio (3.33 on) asks for the same, in that order.
 */
extern const unsigned engine_uring_setups[3];
extern const char *const engine_uring_setup_names[3];

/*
 * Whether io_uring works here (a ring of qd entries can be set up); why not in
 * why. *setup: the index in engine_uring_setups of the best that works.
 */
int engine_uring_available(unsigned qd, unsigned *setup, char *why, size_t n);

/*
 * Run job on files[0..n) at once, one worker per file, filling res[i] for
 * files[i] and job->t_start, t_end (the timed I/O: see the top). Returns 0,
 * or -1 when a worker could not start (errno; nothing was measured then).
 */
int engine_run(struct engine_job *job, const struct engine_file *files, struct engine_result *res, size_t n);

/* Byte offset of I/O number i of a file (sequential: i x bs; random: uniform over whole blocks). */
uint64_t engine_offset(const struct engine_job *job, const struct engine_file *f, uint64_t i);

#endif
