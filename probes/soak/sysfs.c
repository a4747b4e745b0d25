/* sysfs.c - the soak probe's CPU sensors from sysfs (contract in sysfs.h). */
#include "sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

static int parse_number(const char *buf, double *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(buf, &end);
	if (end == buf || errno)
		return -1;
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end)
		return -1;
	*v = d;
	return 0;
}

static int read_fd(int fd, double *v)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return parse_number(buf, v);
}

int soak_read_number(const char *path, double *v)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = read_fd(fd, v);
	close(fd);
	return rc;
}

/* The first line of a text file, trailing newline removed, or NULL. Caller frees. */
static char *read_line(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	char *s = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		s = xstrdup(buf);
	}
	fclose(f);
	return s;
}

int soak_sensor_read(const struct soak_sensor *s, double *v)
{
	double raw;

	if (read_fd(s->fd, &raw))
		return -1;
	*v = raw * s->scale;
	return 0;
}

static void add(struct soak_sensors *ss, enum soak_sensor_kind kind, char *name, int cpu, const char *path,
		double scale, double range)
{
	struct soak_sensor s = { kind, name, cpu, -1, scale, range };
	double v;

	s.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0 || soak_sensor_read(&s, &v)) {
		if (s.fd >= 0)
			close(s.fd);
		free(name);
		return;
	}
	ss->s = xrealloc(ss->s, (ss->n + 1) * sizeof(*ss->s));
	ss->s[ss->n++] = s;
}

/* Directory entries that start with prefix followed by a number (and, when tail, exactly tail), sorted by it. */
struct entry {
	long num;
	char *name;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->num > y->num) - (x->num < y->num);
}

static size_t list(const char *dir, const char *prefix, const char *tail, struct entry **out)
{
	size_t n = 0, plen = strlen(prefix);
	struct entry *e = NULL;
	struct dirent *d;
	DIR *dp = opendir(dir);
	char *end;
	long num;

	*out = NULL;
	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, prefix, plen) || d->d_name[plen] < '0' || d->d_name[plen] > '9')
			continue;
		num = strtol(d->d_name + plen, &end, 10);
		if (tail ? strcmp(end, tail) : *end != '\0')
			continue;
		e = xrealloc(e, (n + 1) * sizeof(*e));
		e[n].num = num;
		e[n++].name = xstrdup(d->d_name);
	}
	closedir(dp);
	if (n)
		qsort(e, n, sizeof(*e), cmp_entry);
	*out = e;
	return n;
}

static void free_entries(struct entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

static void find_thermal(const char *root, struct soak_sensors *ss)
{
	char *dir = xasprintf("%s/class/thermal", root), *p, *type;
	struct entry *e;
	size_t i, n = list(dir, "thermal_zone", NULL, &e);

	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s/type", dir, e[i].name);
		type = read_line(p);
		free(p);
		p = xasprintf("%s/%s/temp", dir, e[i].name);
		add(ss, SENSOR_TEMP, type ? xasprintf("%s:%s", e[i].name, type) : xstrdup(e[i].name), -1, p, 1e-3, 0);
		free(p);
		free(type);
	}
	free_entries(e, n);
	free(dir);
}

static void find_hwmon(const char *root, struct soak_sensors *ss)
{
	char *dir = xasprintf("%s/class/hwmon", root), *hdir, *p, *name, *label;
	struct entry *e, *t;
	size_t i, j, n = list(dir, "hwmon", NULL, &e), nt;

	for (i = 0; i < n; i++) {
		hdir = xasprintf("%s/%s", dir, e[i].name);
		p = xasprintf("%s/name", hdir);
		name = read_line(p);
		free(p);
		nt = list(hdir, "temp", "_input", &t);
		for (j = 0; j < nt; j++) {
			p = xasprintf("%s/temp%ld_label", hdir, t[j].num);
			label = read_line(p);
			free(p);
			p = xasprintf("%s/%s", hdir, t[j].name);
			add(ss, SENSOR_TEMP,
			    xasprintf("%s/temp%ld%s%s", name ? name : e[i].name, t[j].num, label ? ":" : "",
				      label ? label : ""),
			    -1, p, 1e-3, 0);
			free(p);
			free(label);
		}
		free_entries(t, nt);
		free(name);
		free(hdir);
	}
	free_entries(e, n);
	free(dir);
}

static void find_cpufreq(const char *root, struct soak_sensors *ss)
{
	char *dir = xasprintf("%s/devices/system/cpu", root), *p;
	struct entry *e;
	size_t i, n = list(dir, "cpu", NULL, &e);

	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s/cpufreq/scaling_cur_freq", dir, e[i].name);
		add(ss, SENSOR_FREQ, xstrdup(e[i].name), (int)e[i].num, p, 1e3, 0);
		free(p);
	}
	free_entries(e, n);
	free(dir);
}

/* Top-level RAPL domains only (intel-rapl:N, one per package); subdomains (intel-rapl:N:M) are inside them. */
static void find_rapl(const char *root, struct soak_sensors *ss)
{
	char *dir = xasprintf("%s/class/powercap", root), *p, *name;
	struct entry *e;
	size_t i, n = list(dir, "intel-rapl:", NULL, &e);
	double range = 0;

	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s/max_energy_range_uj", dir, e[i].name);
		if (soak_read_number(p, &range))
			range = 0;
		free(p);
		p = xasprintf("%s/%s/name", dir, e[i].name);
		name = read_line(p);
		free(p);
		p = xasprintf("%s/%s/energy_uj", dir, e[i].name);
		add(ss, SENSOR_ENERGY, name ? xasprintf("%s:%s", e[i].name, name) : xstrdup(e[i].name), -1, p, 1e-6,
		    range * 1e-6);
		free(p);
		free(name);
	}
	free_entries(e, n);
	free(dir);
}

size_t soak_sensors_find(const char *root, struct soak_sensors *out)
{
	out->s = NULL;
	out->n = 0;
	find_thermal(root, out);
	find_hwmon(root, out);
	find_cpufreq(root, out);
	find_rapl(root, out);
	return out->n;
}

void soak_sensors_release(struct soak_sensors *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++) {
		close(ss->s[i].fd);
		free(ss->s[i].name);
	}
	free(ss->s);
	ss->s = NULL;
	ss->n = 0;
}
