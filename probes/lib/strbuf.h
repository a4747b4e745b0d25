/*
 * strbuf.h - a growing string (after git's strbuf.h), and errf() for the
 * "fill err, return -1" idiom every parser here uses.
 *
 * A strbuf owns buf; buf is always NUL-terminated once anything was added.
 * Allocation failure aborts (xalloc.h).
 */
#ifndef SD_STRBUF_H
#define SD_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, alloc;
};

#define STRBUF_INIT                                                                                                    \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
/* Hand over the string (caller frees; "" when nothing was added); sb is empty again. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/*
 * Append the whole of the regular file at path, at most max bytes, to sb.
 * Returns 0, or -1 with a message in err that does not name the file (the
 * caller does): "No such file or directory", "not a regular file",
 * "larger than 4 MiB".
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max, char *err, size_t len);

/* Format a message into err (nothing when err is NULL or len 0); returns -1. */
__attribute__((format(printf, 3, 4))) int errf(char *err, size_t len, const char *fmt, ...);

#endif
