/* report_cmd.h - `shakedown report`, and what `shakedown run` shares with it. */
#ifndef SD_REPORT_CMD_H
#define SD_REPORT_CMD_H

#include <cJSON.h>

struct baseline;
struct report_opts;

int report_main(int argc, char **argv);

/* Read and parse a results.json (caller owns); NULL after a message on stderr. */
cJSON *report_load_results(const char *path);

/*
 * Evaluate the checks (b may be NULL: the runner's own checks only), store
 * them as doc["verdict"], and write the reports in formats to dir. Returns 0,
 * or -1 after a message on stderr.
 */
int report_render(cJSON *doc, const struct baseline *b, const char *selected_by, const char *dir, unsigned formats,
		  const struct report_opts *ro);

/* The path from dir to the repository's runbooks/, with a trailing '/'; caller frees. */
char *report_runbook_prefix(const char *dir);

#endif
