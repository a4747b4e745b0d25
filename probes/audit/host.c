/*
 * host.c - the host's configuration for the audit probe: memory and swap,
 * swappiness, transparent huge pages, hugepages, NUMA balancing, the CPU
 * frequency governor, the kernel, loaded modules, clock synchronisation and
 * the required mounts. Sources: audit.h.
 */
#include "audit.h"
#include "sysfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include "xalloc.h"

/* proc/meminfo: "SwapTotal:  8388604 kB" lines; kB is KiB. */
static void read_meminfo(const char *root, struct audit_host *h)
{
	static const struct {
		const char *key;
		size_t off;
		int kib;
	} keys[] = {
		{ "MemTotal", offsetof(struct audit_host, mem_total), 1 },
		{ "SwapTotal", offsetof(struct audit_host, swap_total), 1 },
		{ "SwapFree", offsetof(struct audit_host, swap_free), 1 },
		{ "HugePages_Total", offsetof(struct audit_host, hugepages_total), 0 },
		{ "Hugepagesize", offsetof(struct audit_host, hugepage_size), 1 },
	};
	char *p = audit_path(root, "proc/meminfo"), *line = NULL, name[64];
	FILE *fp = fopen(p, "re");
	size_t cap = 0, i;
	long long v;

	free(p);
	while (fp && getline(&line, &cap, fp) > 0) {
		if (sscanf(line, "%63[^:]: %lld", name, &v) != 2)
			continue;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(name, keys[i].key))
				*(long long *)((char *)h + keys[i].off) = keys[i].kib ? v * 1024 : v;
	}
	free(line);
	if (fp)
		fclose(fp);
}

char *audit_bracketed(const char *s)
{
	const char *a = s ? strchr(s, '[') : NULL, *b = a ? strchr(a, ']') : NULL;

	return b ? xasprintf("%.*s", (int)(b - a - 1), a + 1) : NULL;
}

static int is_cpu_dir(const char *s)
{
	if (strncmp(s, "cpu", 3) || !s[3])
		return 0;
	for (s += 3; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void read_governors(const char *root, struct audit_host *h)
{
	char **names, *g;
	int i, n = audit_names(root, "sys/devices/system/cpu", &names);

	for (i = 0; i < n; i++) {
		if (!is_cpu_dir(names[i]))
			continue;
		g = audit_line(root, "sys/devices/system/cpu/%s/cpufreq/scaling_governor", names[i]);
		if (!g)
			continue;
		h->governor_cpus++;
		h->governor_perf += !strcmp(g, "performance");
		if (!h->governor) {
			h->governor = g;
			continue;
		}
		if (strcmp(h->governor, g)) {
			free(h->governor);
			h->governor = xstrdup("mixed");
		}
		free(g);
	}
	names_free(names, n);
}

int audit_module_loaded(const char *root, const char *name)
{
	char *p = audit_path(root, "proc/modules"), *line = NULL;
	FILE *fp = fopen(p, "re");
	size_t cap = 0, len = strlen(name);
	int found = 0;

	free(p);
	if (!fp)
		return -1;
	while (!found && getline(&line, &cap, fp) > 0)
		found = !strncmp(line, name, len) && line[len] == ' ';
	free(line);
	fclose(fp);
	return found;
}

char *audit_module_version(const char *root, const char *name)
{
	return audit_line(root, "sys/module/%s/version", name);
}

static char *pretty_name(const char *root, const char *rel)
{
	char *p = audit_path(root, "%s", rel), *line = NULL, *out = NULL, *v;
	FILE *fp = fopen(p, "re");
	size_t cap = 0, n;

	free(p);
	while (fp && !out && getline(&line, &cap, fp) > 0) {
		if (strncmp(line, "PRETTY_NAME=", 12))
			continue;
		v = line + 12;
		n = strcspn(v, "\r\n");
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v++;
			n -= 2;
		}
		out = xasprintf("%.*s", (int)n, v);
	}
	free(line);
	if (fp)
		fclose(fp);
	return out;
}

char *audit_os_release(const char *root)
{
	char *s = pretty_name(root, "etc/os-release");

	return s ? s : pretty_name(root, "usr/lib/os-release");
}

/*
 * timesyncd leaves run/systemd/timesync/synchronized once synchronised.
 * Otherwise, on the real root only, the kernel's NTP state: chronyd and ntpd
 * clear STA_UNSYNC while they discipline the clock; the offset is theirs.
 */
static void read_clock(const char *root, struct audit_host *h)
{
	char *p = audit_path(root, "run/systemd/timesync/synchronized");
	struct timex tx = { 0 };
	int state;

	h->clock_offset = NAN;
	if (!access(p, F_OK)) {
		h->clock_synced = 1;
		h->clock_source = xstrdup("timesyncd");
		free(p);
		return;
	}
	free(p);
	if (strcmp(root, "/")) {
		h->clock_source = xstrdup("unknown: no run/systemd/timesync/synchronized under the root");
		return;
	}
	state = ntp_adjtime(&tx);
	if (state < 0) {
		h->clock_source = xasprintf("unknown: ntp_adjtime failed: %s", strerror(errno));
		return;
	}
	h->clock_synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	h->clock_offset = tx.offset * ((tx.status & STA_NANO) ? 1e-9 : 1e-6);
	h->clock_source = xstrdup("kernel");
}

void audit_host_read(const char *root, struct audit_host *h)
{
	char *thp;

	memset(h, 0, sizeof(*h));
	h->mem_total = h->swap_total = h->swap_free = h->hugepages_total = h->hugepage_size = -1;
	h->clock_synced = -1;
	read_meminfo(root, h);
	h->swappiness = audit_ll(root, "proc/sys/vm/swappiness");
	h->numa_balancing = audit_ll(root, "proc/sys/kernel/numa_balancing");
	thp = audit_line(root, "sys/kernel/mm/transparent_hugepage/enabled");
	h->thp = audit_bracketed(thp);
	free(thp);
	read_governors(root, h);
	h->kernel = audit_line(root, "proc/sys/kernel/osrelease");
	h->os = audit_os_release(root);
	read_clock(root, h);
}

void audit_host_release(struct audit_host *h)
{
	free(h->thp);
	free(h->governor);
	free(h->kernel);
	free(h->os);
	free(h->clock_source);
	memset(h, 0, sizeof(*h));
}

/* The mount point in proc/mounts that holds path (the longest prefix), and its type. */
static void find_mount(const char *root, const char *path, struct audit_mount *m)
{
	char *p = audit_path(root, "proc/mounts"), *line = NULL, dir[4096], type[64];
	FILE *fp = fopen(p, "re");
	size_t cap = 0, best = 0, len;

	free(p);
	while (fp && getline(&line, &cap, fp) > 0) {
		if (sscanf(line, "%*s %4095s %63s", dir, type) != 2)
			continue;
		len = strlen(dir);
		if (strncmp(path, dir, len) || (path[len] && path[len] != '/' && strcmp(dir, "/")))
			continue;
		if (len > best || !m->mountpoint) {
			best = len;
			free(m->mountpoint);
			free(m->fstype);
			m->mountpoint = xstrdup(dir);
			m->fstype = xstrdup(type);
		}
	}
	free(line);
	if (fp)
		fclose(fp);
}

/* Create and remove a file: access(W_OK) says yes on a read-only file system mounted rw in a container. */
static int try_write(const char *dir, char *reason, size_t len)
{
	char *tmpl = xasprintf("%s/.shakedown-audit-XXXXXX", dir);
	int fd = mkstemp(tmpl);

	if (fd < 0) {
		snprintf(reason, len, "cannot create a file in '%s': %s", dir, strerror(errno));
		free(tmpl);
		return 0;
	}
	close(fd);
	unlink(tmpl);
	free(tmpl);
	return 1;
}

void audit_mount_check(const char *root, const char *path, struct audit_mount *m)
{
	char *full = audit_path(root, "%s", path);
	struct statvfs vfs;
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->path = xstrdup(path);
	m->free = -1;
	find_mount(root, path, m);
	errno = 0;
	if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(m->reason, sizeof(m->reason), "'%s' is not a directory%s%s", path, errno ? ": " : "",
			 errno ? strerror(errno) : "");
		free(full);
		return;
	}
	m->present = 1;
	if (!statvfs(full, &vfs))
		m->free = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
	m->writable = try_write(full, m->reason, sizeof(m->reason));
	free(full);
}

void audit_mount_release(struct audit_mount *m)
{
	free(m->path);
	free(m->fstype);
	free(m->mountpoint);
	memset(m, 0, sizeof(*m));
}
