/*
 * results.h - the run's results model and its atomic file writer.
 *
 * The model is the results.json document itself (a cJSON tree, layout in
 * runner/RESULTS.md and runner/schema/results.schema.json): every report
 * writer reads the same model. It is rewritten after every finished attempt
 * with results_write_atomic(), so a runner killed at any point leaves a
 * results.json that parses and holds every step that had finished.
 */
#ifndef SD_RESULTS_H
#define SD_RESULTS_H

#include <stddef.h>

#include <cJSON.h>

#define RESULTS_SCHEMA_VERSION 1

/*
 * Read a results.json document. Returns a new tree (caller frees with
 * json_delete(): a large document is parsed into an arena, jsonarena.h), or
 * NULL with a message in err:
 *   cannot read 'x.json': No such file or directory
 *   'x.json' is not JSON (near line 3)
 *   'x.json' is not a shakedown results document (no 'steps' list)
 */
cJSON *results_read(const char *path, char *err, size_t len);

/*
 * Write text to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync the directory. On error the old file is
 * untouched, the temporary file removed, and err says what failed.
 */
int results_write_file_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen);

/* The pieces, for writers that stream a file (reports/sink.c): write all of p (EINTR-safe), and fsync the directory
 * holding path. */
int results_write_all(int fd, const char *p, size_t len);
void results_fsync_dir_of(const char *path);

/* Serialise doc (pretty-printed) and write it with results_write_file_atomic. */
int results_write_atomic(const char *path, const cJSON *doc, char *err, size_t errlen);

/*
 * The serialised text of each element of the document's top-level "steps"
 * array, kept between writes: a run rewrites results.json after every attempt,
 * and printing every finished step again each time made a long plan quadratic.
 * Mark a step stale with results_cache_stale() whenever it changes.
 */
struct results_cache {
	char **text; /* text[i]: step i, or NULL when stale */
	size_t n;
};

void results_cache_stale(struct results_cache *c, size_t step);
void results_cache_release(struct results_cache *c);

/*
 * Serialise doc as JSON, each top-level member pretty-printed, the steps from
 * the cache (refreshing stale ones), except "nodes": one compact node per
 * line. Returns a new string (caller frees).
 */
char *results_print(const cJSON *doc, struct results_cache *c);

/* results_print() then results_write_file_atomic(). */
int results_write_cached(const char *path, const cJSON *doc, struct results_cache *c, char *err, size_t errlen);

/*
 * Aggregate the metrics of a step's attempts into the step's metric list:
 * metrics are matched by name and labels; with one attempt, the samples are
 * that attempt's samples; with several, each attempt contributes its value.
 * Each aggregated metric carries value (median), samples and stats (n,
 * median, min, max, mean, stddev, cv; probes/METRICS.md "Statistics").
 * attempts: the step's "attempts" array. Returns a new array (caller owns).
 */
cJSON *results_aggregate_metrics(const cJSON *attempts);

#endif
