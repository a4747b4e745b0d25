/*
 * run.h - run a plan: inventory, requirements, every step supervised, results
 * written after each attempt, a summary at the end. See README.md "Results".
 */
#ifndef SD_RUN_H
#define SD_RUN_H

#include <stddef.h>

struct run_opts {
	const char *plan_path;
	const char *out_dir;	 /* parent of the run directory; default "runs" */
	const char *const *sets; /* --set STEP.PARAM=VALUE, nsets of them */
	size_t nsets;
	const char *const *only; /* --only STEP,...; nonly of them */
	size_t nonly;
	const char *baseline; /* --baseline FILE|auto: overrides the plan's */
	int quiet;	      /* -q: no progress on stderr */
	int argc;	      /* the command line, recorded in results.json */
	char *const *argv;
};

/* Returns the process exit code (exitcodes.h). */
int run_plan(const struct run_opts *o);

/*
 * `shakedown probe NAME --PARAM=VALUE...`: run one probe with its stderr on
 * ours, print its document (pretty) on stdout. Returns the exit code.
 */
int run_single_probe(const char *name, int argc, char **argv, unsigned timeout_s);

#endif
