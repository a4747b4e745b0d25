/* util.c - small-file reading and JSON helpers for the sysinfo probe (see sysinfo.h). */
#include "sysinfo.h"

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
