/*
 * meta.h - the storage probe's metadata workload, mdtest-like: threads each
 * own a tree (meta/tT/dD/fI, at most META_DIR_FILES files a directory) and
 * go through four timed phases together: create (open O_CREAT|O_EXCL, write
 * one 4 KiB pattern sector, close), stat, read (open, read, close, verify),
 * unlink. Directories are made before, untimed; the caller removes the
 * (then empty) tree with the work directory.
 */
#ifndef SD_STORAGE_META_H
#define SD_STORAGE_META_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pattern.h"

#define META_DIR_FILES 1000u
#define META_ID_BASE (1ull << 32) /* pattern file ids of meta files: META_ID_BASE + index */

enum meta_phase { META_CREATE, META_STAT, META_READ, META_UNLINK, META_PHASES };
extern const char *const meta_phase_names[];

struct meta_job {
	int dirfd;	  /* the work directory */
	unsigned threads; /* >= 1 */
	uint64_t files;	  /* in all */
	int verify;
	const struct pattern *pat;
	volatile sig_atomic_t *interrupt;
	atomic_int *corrupt_once;
	/*
	 * Called by meta_run before each phase and after the last, with whether
	 * this process has failed so far; returns non-zero to stop (this or
	 * another MPI rank failed). NULL: stop on this process's failure only.
	 */
	int (*sync)(void *arg, int failed);
	void *sync_arg;
};

struct meta_result {
	double seconds[META_PHASES]; /* wall time of each phase */
	uint64_t ops[META_PHASES];   /* operations completed */
	struct pattern_bad bad;	     /* read-back verification */
	int err;		     /* errno of the first failure; 0 none */
	char err_path[128];	     /* relative to the work directory */
	char err_what[32];	     /* "create", "write", "stat", ... */
};

/* Files of thread t of n sharing files: the first files % n threads get one more. */
uint64_t meta_share(uint64_t files, unsigned n, unsigned t);

/*
 * Run every phase; stop early on an error or an interrupt (a data mismatch
 * is counted in r->bad and the run goes on). Returns 0, or -1 on an error
 * (r->err) or an interrupt.
 */
int meta_run(struct meta_job *job, struct meta_result *r);

#endif
