/* exitcodes.h - the runner's exit codes, documented in README.md and `shakedown --help`. */
#ifndef SD_EXITCODES_H
#define SD_EXITCODES_H

enum {
	SD_EXIT_OK = 0,		   /* everything ran and passed */
	SD_EXIT_CHECK = 1,	   /* a check failed (a probe reported failed, a requirement was not met) */
	SD_EXIT_USAGE = 2,	   /* usage, plan or baseline error: nothing ran */
	SD_EXIT_PROBE = 3,	   /* a probe errored, crashed or timed out */
	SD_EXIT_INTERRUPTED = 130, /* SIGINT or SIGTERM */
};

#endif
