/* util.c - small-file reading and JSON helpers for the sysinfo probe (see sysinfo.h). */
#include "sysinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

const char *sysfs_root(void)
{
	const char *r = getenv(SYSFS_ENV);

	return r && *r ? r : "/sys";
}

char *sysfs_path(const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	rel = xvasprintf(fmt, ap);
	va_end(ap);
	p = xasprintf("%s/%s", sysfs_root(), rel);
	free(rel);
	return p;
}

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

char *link_name(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *base;

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	return xstrdup(base ? base + 1 : buf);
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

int dir_names(const char *path, char ***names)
{
	struct dirent **list;
	int i, n = scandir(path, &list, not_dots, alphasort);

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

void json_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

void json_file_str(cJSON *o, const char *key, const char *path)
{
	char *s = read_line(path);

	json_str(o, key, s);
	free(s);
}

void json_file_num(cJSON *o, const char *key, const char *path)
{
	long long v;

	if (read_ll(path, &v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, (double)v);
}

void json_unavailable(cJSON *o, const char *key, const char *reason)
{
	cJSON *u = cJSON_AddObjectToObject(o, key);

	cJSON_AddFalseToObject(u, "available");
	cJSON_AddStringToObject(u, "reason", reason);
}
