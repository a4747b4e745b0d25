/* report_cmd.h - `shakedown report`, and what `shakedown run` shares with it. */
#ifndef SD_REPORT_CMD_H
#define SD_REPORT_CMD_H

#include <cJSON.h>

struct baseline;
struct report_opts;
struct verdict;
struct results_cache;

int report_main(int argc, char **argv);

/* Read and parse a results.json (caller owns); NULL after a message on stderr. */
cJSON *report_load_results(const char *path);

/*
 * Check doc against b (NULL: the runner's own checks only) into v, which
 * borrows from both (release it with verdict_release() before either goes),
 * and store the verdict as results.json keeps it (verdict_results_json()) as
 * doc["verdict"].
 */
void report_judge(cJSON *doc, struct verdict *v, const struct baseline *b, const char *selected_by);

/* The reports in formats, from v (every check, however many), into dir. 0, or -1 after a message on stderr. */
int report_emit(const cJSON *doc, const struct verdict *v, const char *dir, unsigned formats,
		const struct report_opts *ro);

/*
 * report_emit() and, at the same time on a second thread, results.json with
 * results_write_cached(results_path, doc, cache): at the end of a
 * 4,096-node run each takes about as long as the other. Nothing may change
 * doc meanwhile. 0, or -1 after a message on stderr for each that failed.
 */
int report_finish(const cJSON *doc, const struct verdict *v, const char *dir, unsigned formats,
		  const struct report_opts *ro, const char *results_path, struct results_cache *cache);

/* report_judge() then report_emit(): 0, or -1 after a message on stderr. */
int report_render(cJSON *doc, const struct baseline *b, const char *selected_by, const char *dir, unsigned formats,
		  const struct report_opts *ro);

/* The path from dir to the repository's runbooks/, with a trailing '/'; caller frees. */
char *report_runbook_prefix(const char *dir);

#endif
