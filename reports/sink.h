/*
 * sink.h - where a writer's output goes: a strbuf that is written to its file
 * atomically when the writer is done, and that streams once it grows large.
 *
 * A report that stays under the threshold (every single-node report) is
 * handed whole to results_write_file_atomic(). One that outgrows it (a
 * fleet's junit.xml or metrics.prom, hundreds of MB) is streamed to a
 * temporary file in the same directory instead, with the same protocol at
 * the end: fsync, rename over the target, fsync the directory. Either way a
 * reader sees the old file or the whole new one, and memory stays bounded.
 *
 * Writers add to sink.sb with the out_* functions and call sink_tick() at
 * record boundaries (a testcase, a sample line) so a flush never splits
 * anything they still need.
 */
#ifndef SD_REPORT_SINK_H
#define SD_REPORT_SINK_H

#include <stddef.h>

#include "strbuf.h"

#define SINK_STREAM_AT ((size_t)4 << 20) /* 4 MiB */

struct sink {
	struct strbuf sb;
	char *path, *tmp; /* tmp: the temporary file once streaming, else NULL */
	int fd;		  /* -1 until streaming */
	int errnum;	  /* the first write error, 0 if none */
	size_t stream_at;
};

/* Start a sink for path (copied); stream_at 0 means SINK_STREAM_AT. */
void sink_init(struct sink *s, const char *path, size_t stream_at);

/* Flush to the temporary file once the buffer holds stream_at bytes or more. */
void sink_tick(struct sink *s);

/*
 * Finish: replace path atomically with everything added. Returns 0, or -1
 * with a message in err (the temporary file removed, path untouched). The
 * sink is released either way.
 */
int sink_close(struct sink *s, char *err, size_t len);

#endif
