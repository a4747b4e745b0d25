/*
 * xalloc.h - allocation that never returns NULL: out of memory aborts with a
 * message. Used where a NULL check at every call would hide the real logic.
 * The caller owns (and frees) every returned pointer.
 */
#ifndef SD_XALLOC_H
#define SD_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
char *xvasprintf(const char *fmt, va_list ap);

/* Free a NULL-terminated array of strings (an argv, an environment list) and the strings; NULL is nothing. */
void strv_free(char **v);

#endif
