/* util.c - reading small files under a root, for the audit probe (see audit.h). */
#include "audit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static char *first_line(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!fp)
		return NULL;
	n = getline(&line, &cap, fp);
	fclose(fp);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	return line;
}

char *audit_line(const char *root, const char *fmt, ...)
{
	va_list ap;
	char *p, *s;

	va_start(ap, fmt);
	p = vpath(root, fmt, ap);
	va_end(ap);
	s = first_line(p);
	free(p);
	return s;
}

long long audit_ll(const char *root, const char *fmt, ...)
{
	va_list ap;
	char *p, *s, *end;
	long long v = -1;

	va_start(ap, fmt);
	p = vpath(root, fmt, ap);
	va_end(ap);
	s = first_line(p);
	free(p);
	if (s) {
		errno = 0;
		v = strtoll(s, &end, 0);
		if (end == s || *end || errno)
			v = -1;
	}
	free(s);
	return v;
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

int audit_names(const char *root, const char *rel, char ***names)
{
	char *p = audit_path(root, "%s", rel);
	struct dirent **list;
	int i, n = scandir(p, &list, not_dots, versionsort);

	free(p);
	*names = NULL;
	if (n < 0)
		return -1;
	*names = xcalloc(n ? (size_t)n : 1, sizeof(**names));
	for (i = 0; i < n; i++) {
		(*names)[i] = xstrdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return n;
}

void audit_names_free(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
