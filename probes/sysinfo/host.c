/* host.c - hostname, OS, kernel, memory and mounts for the sysinfo probe. */
#include "sysinfo.h"

#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xalloc.h"

/* ---- hostname, os, kernel ---- */

/* An os-release value without its shell quoting: "Debian GNU/Linux 12 (bookworm)". Caller frees. */
static char *unquote(const char *v)
{
	size_t n = strlen(v), i, j = 0;
	char q = 0, *out = xmalloc(n + 1);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		q = v[0];
		v++;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		if (q == '"' && v[i] == '\\' && i + 1 < n)
			i++;
		out[j++] = v[i];
	}
	out[j] = '\0';
	return out;
}

static int read_os_release(cJSON *os, const char *path)
{
	static const struct {
		const char *var, *key;
	} keys[] = {
		{ "PRETTY_NAME", "pretty_name" },
		{ "ID", "id" },
		{ "VERSION_ID", "version_id" },
	};
	FILE *fp = fopen(path, "re");
	char *line = NULL, *v;
	size_t cap = 0, i, klen;
	ssize_t n;

	if (!fp)
		return -1;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			klen = strlen(keys[i].var);
			if (strncmp(line, keys[i].var, klen) || line[klen] != '=')
				continue;
			v = unquote(line + klen + 1);
			cJSON_DeleteItemFromObjectCaseSensitive(os, keys[i].key);
			cJSON_AddStringToObject(os, keys[i].key, v);
			free(v);
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

static void collect_os(cJSON *env)
{
	cJSON *os = cJSON_CreateObject();
	char reason[256];

	if (!read_os_release(os, "/etc/os-release") || !read_os_release(os, "/usr/lib/os-release")) {
		if (!cJSON_GetObjectItemCaseSensitive(os, "pretty_name"))
			cJSON_AddNullToObject(os, "pretty_name");
		cJSON_AddItemToObject(env, "os", os);
		return;
	}
	cJSON_Delete(os);
	snprintf(reason, sizeof(reason), "cannot open '/etc/os-release' or '/usr/lib/os-release': %s", strerror(errno));
	json_unavailable(env, "os", reason);
}

void collect_host(struct probe_ctx *ctx, cJSON *env)
{
	char host[HOST_NAME_MAX + 1] = "", reason[128];
	struct utsname u;
	cJSON *k;

	(void)ctx;
	if (gethostname(host, sizeof(host) - 1))
		cJSON_AddNullToObject(env, "hostname");
	else
		cJSON_AddStringToObject(env, "hostname", host);
	collect_os(env);
	if (uname(&u)) {
		snprintf(reason, sizeof(reason), "uname failed: %s", strerror(errno));
		json_unavailable(env, "kernel", reason);
		return;
	}
	k = cJSON_AddObjectToObject(env, "kernel");
	cJSON_AddStringToObject(k, "release", u.release);
	cJSON_AddStringToObject(k, "version", u.version);
	cJSON_AddStringToObject(k, "machine", u.machine);
}

/* ---- memory ---- */

static const struct meminfo_key {
	const char *name;   /* in /proc/meminfo */
	const char *key;    /* in env.memory */
	int kib;	    /* value is in kB (KiB): convert to bytes */
	const char *metric; /* also reported as this metric */
} meminfo_keys[] = {
	{ "MemTotal", "total", 1, "memory_total" },
	{ "MemAvailable", "available", 1, NULL },
	{ "SwapTotal", "swap_total", 1, "swap_total" },
	{ "SwapFree", "swap_free", 1, NULL },
	{ "HugePages_Total", "hugepages_total", 0, "hugepages_total" },
	{ "HugePages_Free", "hugepages_free", 0, NULL },
	{ "Hugepagesize", "hugepage_size", 1, NULL },
};
#define NMEMINFO (sizeof(meminfo_keys) / sizeof(meminfo_keys[0]))

/* Fill v[i] for meminfo_keys[i], bytes or counts; found[i] says which were present. */
static int read_meminfo(double *v, int *found)
{
	FILE *fp = fopen("/proc/meminfo", "re");
	char name[64], *line = NULL;
	unsigned long long x;
	size_t cap = 0, i;

	if (!fp)
		return -1;
	while (getline(&line, &cap, fp) > 0) {
		if (sscanf(line, "%63[^:]: %llu", name, &x) != 2)
			continue;
		for (i = 0; i < NMEMINFO; i++)
			if (!strcmp(name, meminfo_keys[i].name)) {
				v[i] = meminfo_keys[i].kib ? x * 1024.0 : (double)x;
				found[i] = 1;
			}
	}
	free(line);
	fclose(fp);
	return 0;
}

/* The cgroup memory file for this process: v1 "N:...memory...:/p", else v2 "0::/p". Caller frees. */
static char *cgroup_memory_file(void)
{
	FILE *fp = fopen("/proc/self/cgroup", "re");
	char *line = NULL, *v1 = NULL, *v2 = NULL, *path, *ctl;
	size_t cap = 0;
	ssize_t n;

	if (!fp)
		return NULL;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		ctl = strchr(line, ':');
		path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		ctl++;
		if (!*ctl && !v2)
			v2 = sysfs_path("fs/cgroup%s/memory.max", strcmp(path, "/") ? path : "");
		else if (strstr(ctl, "memory") && !v1)
			v1 = sysfs_path("fs/cgroup/memory%s/memory.limit_in_bytes", strcmp(path, "/") ? path : "");
	}
	free(line);
	fclose(fp);
	if (v1) {
		free(v2);
		return v1;
	}
	return v2;
}

/* The cgroup memory limit in bytes, or 0 when there is none or it cannot be read. */
static unsigned long long cgroup_memory_limit(void)
{
	char *file = cgroup_memory_file();
	long long v = 0;

	/* "max" (v2) fails to parse; v1 says "no limit" with a number near 2^63 */
	if (!file || read_ll(file, &v) || v <= 0 || v >= (1LL << 60))
		v = 0;
	free(file);
	return (unsigned long long)v;
}

void collect_memory(struct probe_ctx *ctx, cJSON *env)
{
	double v[NMEMINFO] = { 0 };
	int found[NMEMINFO] = { 0 };
	unsigned long long limit;
	cJSON *m;
	size_t i;

	if (read_meminfo(v, found)) {
		json_unavailable(env, "memory", "cannot open '/proc/meminfo'");
		return;
	}
	m = cJSON_AddObjectToObject(env, "memory");
	for (i = 0; i < NMEMINFO; i++) {
		if (!found[i]) {
			cJSON_AddNullToObject(m, meminfo_keys[i].key);
			continue;
		}
		cJSON_AddNumberToObject(m, meminfo_keys[i].key, v[i]);
		if (meminfo_keys[i].metric)
			sysinfo_metric(ctx, meminfo_keys[i].metric, v[i]);
	}
	limit = cgroup_memory_limit();
	if (limit)
		cJSON_AddNumberToObject(m, "cgroup_limit", (double)limit);
	else
		cJSON_AddNullToObject(m, "cgroup_limit");
}

/* ---- mounts ---- */

/* Kernel and virtual filesystems: nothing a job stores data on. */
static const char *const pseudo_fs[] = { "proc",       "sysfs",	  "devpts",	"devtmpfs",    "mqueue",
					 "tracefs",    "debugfs", "securityfs", "pstore",      "bpf",
					 "configfs",   "fusectl", "autofs",	"binfmt_misc", "hugetlbfs",
					 "rpc_pipefs", "nsfs",	  "efivarfs",	"selinuxfs",   NULL };

/* Local filesystems whose size statvfs reports without risk of hanging (never network ones). */
static const char *const sized_fs[] = { "tmpfs", "ext2", "ext3", "ext4", "xfs", "btrfs", "overlay", "vfat", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static int is_pseudo(const char *type)
{
	return !strncmp(type, "cgroup", 6) || in_list(pseudo_fs, type);
}

static cJSON *mount_json(const struct mntent *me)
{
	cJSON *o = cJSON_CreateObject();
	struct statvfs st;

	cJSON_AddStringToObject(o, "source", me->mnt_fsname);
	cJSON_AddStringToObject(o, "target", me->mnt_dir);
	cJSON_AddStringToObject(o, "type", me->mnt_type);
	cJSON_AddStringToObject(o, "options", me->mnt_opts);
	if (in_list(sized_fs, me->mnt_type) && !statvfs(me->mnt_dir, &st)) {
		cJSON_AddNumberToObject(o, "size", (double)st.f_blocks * st.f_frsize);
		cJSON_AddNumberToObject(o, "avail", (double)st.f_bavail * st.f_frsize);
	} else {
		cJSON_AddNullToObject(o, "size");
		cJSON_AddNullToObject(o, "avail");
	}
	return o;
}

void collect_mounts(struct probe_ctx *ctx, cJSON *env)
{
	FILE *fp = setmntent("/proc/self/mounts", "re");
	struct mntent *me;
	cJSON *a;

	(void)ctx;
	if (!fp) {
		json_unavailable(env, "mounts", "cannot open '/proc/self/mounts'");
		return;
	}
	a = cJSON_AddArrayToObject(env, "mounts");
	while ((me = getmntent(fp)))
		if (!is_pseudo(me->mnt_type))
			cJSON_AddItemToArray(a, mount_json(me));
	endmntent(fp);
}
