/*
 * writers.h - the report writers, one per format, each rendering the model
 * (model.h) into a sink (sink.h) that report.c opened on its file. A writer
 * cannot fail: the model is already validated, memory failure aborts, and a
 * write error is kept by the sink and reported when it is closed.
 */
#ifndef SD_REPORT_WRITERS_H
#define SD_REPORT_WRITERS_H

#include "model.h"
#include "sink.h"

typedef void (*report_writer_fn)(const struct rmodel *m, struct sink *out);

void report_md(const struct rmodel *m, struct sink *out);
void report_html(const struct rmodel *m, struct sink *out);
void report_json(const struct rmodel *m, struct sink *out);
void report_junit(const struct rmodel *m, struct sink *out);
void report_prom(const struct rmodel *m, struct sink *out);

/* report_write() with the size at which a file starts to stream (sink.h); for tests. */
int report_write_at(const cJSON *results, const char *dir, unsigned formats, const struct report_opts *o,
		    size_t stream_at, char *err, size_t len);

#endif
