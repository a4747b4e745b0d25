/* sink.c - see sink.h. */
#include "sink.h"
#include "results.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sink_init(struct sink *s, const char *path, size_t stream_at)
{
	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	s->fd = -1;
	s->stream_at = stream_at ? stream_at : SINK_STREAM_AT;
}

/* Write out the buffer, opening the temporary file (named as results.c names its own) on the first call. */
static void flush(struct sink *s)
{
	if (s->errnum)
		goto drop;
	if (s->fd < 0) {
		s->tmp = xasprintf("%s.tmp.%ld", s->path, (long)getpid());
		s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->fd < 0) {
			s->errnum = errno;
			goto drop;
		}
	}
	if (results_write_all(s->fd, s->sb.buf ? s->sb.buf : "", s->sb.len))
		s->errnum = errno ? errno : EIO;
drop:
	s->sb.len = 0;
	if (s->sb.buf)
		s->sb.buf[0] = '\0';
}

void sink_tick(struct sink *s)
{
	if (s->sb.len >= s->stream_at)
		flush(s);
}

/* The streamed case: the rest, fsync, rename, fsync the directory. */
static int finish_stream(struct sink *s, char *err, size_t len)
{
	flush(s);
	if (s->fd < 0) {
		snprintf(err, len, "cannot create '%s': %s", s->tmp, strerror(s->errnum));
		return -1;
	}
	if (!s->errnum && fsync(s->fd))
		s->errnum = errno;
	if (s->errnum) {
		snprintf(err, len, "cannot write '%s': %s", s->tmp, strerror(s->errnum));
		close(s->fd);
		unlink(s->tmp);
		return -1;
	}
	if (close(s->fd) || rename(s->tmp, s->path)) {
		snprintf(err, len, "cannot replace '%s': %s", s->path, strerror(errno));
		unlink(s->tmp);
		return -1;
	}
	results_fsync_dir_of(s->path);
	return 0;
}

int sink_close(struct sink *s, char *err, size_t len)
{
	int rc;

	if (s->fd < 0 && !s->errnum)
		rc = results_write_file_atomic(s->path, s->sb.buf ? s->sb.buf : "", s->sb.len, err, len);
	else
		rc = finish_stream(s, err, len);
	strbuf_release(&s->sb);
	free(s->path);
	free(s->tmp);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	return rc;
}
