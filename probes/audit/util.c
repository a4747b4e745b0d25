/* util.c - reading small files under a root, for the audit probe (see audit.h). */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfile.h"
#include "xalloc.h"

static char *vpath(const char *root, const char *fmt, va_list ap)
{
	char *rel = xvasprintf(fmt, ap), *p;
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	p = xasprintf("%.*s/%s", (int)n, !strcmp(root, "/") ? "" : root, rel[0] == '/' ? rel + 1 : rel);
	free(rel);
	return p;
}

char *audit_path(const char *root, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath(root, fmt, ap);
	va_end(ap);
	return p;
}

char *audit_line(const char *root, const char *fmt, ...)
{
	va_list ap;
	char *p, *s;

	va_start(ap, fmt);
	p = vpath(root, fmt, ap);
	va_end(ap);
	s = read_line(p);
	free(p);
	return s;
}

long long audit_ll(const char *root, const char *fmt, ...)
{
	va_list ap;
	char *p;
	long long v;

	va_start(ap, fmt);
	p = vpath(root, fmt, ap);
	va_end(ap);
	if (read_ll(p, &v) < 0)
		v = -1;
	free(p);
	return v;
}

int audit_names(const char *root, const char *rel, char ***names)
{
	char *p = audit_path(root, "%s", rel);
	int n = dir_names(p, names);

	free(p);
	return n;
}
