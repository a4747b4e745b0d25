/* sysfile.c - see sysfile.h. */
#include "sysfile.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *read_line(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int saved;

	if (!fp)
		return NULL;
	errno = 0;
	n = getline(&line, &cap, fp);
	saved = errno;
	fclose(fp);
	if (n < 0) {
		free(line);
		errno = saved ? saved : ENODATA;
		return NULL;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	return line;
}

int read_ll(const char *path, long long *v)
{
	char *s = read_line(path), *end;
	int rc = -1;

	if (!s)
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 0);
	if (end == s || *end || errno)
		errno = errno ? errno : EINVAL;
	else
		rc = 0;
	free(s);
	return rc;
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

int dir_names(const char *path, char ***names)
{
	struct dirent **list;
	int i, n = scandir(path, &list, not_dots, versionsort);

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

void names_free(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
