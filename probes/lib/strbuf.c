/* strbuf.c - see strbuf.h. */
#include "strbuf.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > sb->alloc) {
		sb->alloc = (sb->len + n + 1) * 2;
		sb->buf = xrealloc(sb->buf, sb->alloc);
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return s;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

/* Room for at least n more bytes and the NUL. */
static void reserve(struct strbuf *sb, size_t n)
{
	if (sb->len + n + 1 > sb->alloc) {
		sb->alloc = sb->len + n + 1;
		sb->buf = xrealloc(sb->buf, sb->alloc);
	}
}

int strbuf_read_file(struct strbuf *sb, const char *path, size_t max, char *err, size_t len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	size_t n, total = 0;
	int rc = -1;

	if (!fp)
		return errf(err, len, "%s", strerror(errno));
	if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode)) {
		errf(err, len, "%s", S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		goto out;
	}
	/* read into the buffer itself, sized from the file: one read, no copy (a file can still grow) */
	reserve(sb, (size_t)st.st_size < max ? (size_t)st.st_size + 1 : 65536);
	do {
		if (sb->alloc - sb->len < 2)
			reserve(sb, sb->alloc);
		n = fread(sb->buf + sb->len, 1, sb->alloc - sb->len - 1, fp);
		sb->len += n;
		sb->buf[sb->len] = '\0';
		total += n;
		if (total > max) {
			errf(err, len, "larger than %zu MiB", max >> 20);
			goto out;
		}
	} while (n > 0);
	if (ferror(fp)) {
		errf(err, len, "%s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}

int errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}
