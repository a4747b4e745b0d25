/* safety.c - see safety.h. */
#include "safety.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const safety_judgement_names[] = {
	[SAFETY_NOT_OURS] = "not ours",
	[SAFETY_OTHER_HOST] = "another host's",
	[SAFETY_ALIVE] = "owner alive",
	[SAFETY_STALE] = "stale",
};

int safety_check_target(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot use target path '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		snprintf(err, errlen,
			 "refusing block device '%s': the probe writes files inside a directory, never to a device",
			 path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "target path '%s' is not a directory", path);
		return -1;
	}
	if (access(path, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "target directory '%s' is not writable: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void clean_host(char *out, size_t n, const char *host)
{
	size_t i;

	for (i = 0; host[i] && i + 1 < n; i++)
		out[i] = isalnum((unsigned char)host[i]) || host[i] == '.' || host[i] == '-' ? host[i] : '_';
	out[i] = '\0';
}

void safety_dirname(char *buf, size_t n, const char *host, long pid, uint32_t rnd)
{
	char h[128];

	clean_host(h, sizeof(h), host);
	snprintf(buf, n, SAFETY_PREFIX "%s-%ld-%08" PRIx32, h, pid, rnd);
}

void safety_marker_text(char *buf, size_t n, const char *host, long pid)
{
	snprintf(buf, n, "shakedown-storage-marker 1\nhost %s\npid %ld\n", host, pid);
}

int safety_parse_marker(const char *text, char *host, size_t hostlen, long *pid)
{
	const char *h, *p, *e;
	char *end;
	size_t len;

	if (strncmp(text, "shakedown-storage-marker 1\n", 27))
		return -1;
	h = strstr(text, "\nhost ");
	p = strstr(text, "\npid ");
	if (!h || !p)
		return -1;
	h += 6;
	e = strchr(h, '\n');
	len = e ? (size_t)(e - h) : strlen(h);
	if (!len || len >= hostlen)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	errno = 0;
	*pid = strtol(p + 5, &end, 10);
	if (errno || end == p + 5 || *pid <= 0 || (*end && *end != '\n'))
		return -1;
	return 0;
}

enum safety_judgement safety_judge(const char *marker, const char *myhost, int (*alive)(long pid))
{
	char host[256];
	long pid;

	if (!marker || safety_parse_marker(marker, host, sizeof(host), &pid) < 0)
		return SAFETY_NOT_OURS;
	if (strcmp(host, myhost))
		return SAFETY_OTHER_HOST;
	return alive(pid) ? SAFETY_ALIVE : SAFETY_STALE;
}

int safety_pid_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t safety_space_needed(const struct safety_space *s)
{
	uint64_t meta =
		s->meta_files > UINT64_MAX / SAFETY_META_FILE_COST ? UINT64_MAX : s->meta_files * SAFETY_META_FILE_COST;

	return sat_add(sat_add(sat_add(s->data_bytes, s->fsync_bytes), meta), s->reserve);
}

static int remove_below(int dfd, dev_t dev);

static int remove_entry(int dfd, const char *name, dev_t dev)
{
	struct stat st;
	int fd, rc = 0, e = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	if (st.st_dev != dev) {
		errno = EXDEV; /* something mounted inside: not ours to empty */
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (remove_below(fd, dev) < 0) {
		rc = -1;
		e = errno;
	}
	close(fd);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	errno = e;
	return rc;
}

static int remove_below(int dfd, dev_t dev)
{
	int fd = dup(dfd), rc = 0, e = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_entry(dfd, de->d_name, dev) < 0 && rc == 0) {
			rc = -1;
			e = errno;
		}
	}
	closedir(d);
	errno = e;
	return rc;
}

int safety_remove_tree(int parentfd, const char *name)
{
	struct stat st;

	if (fstat(parentfd, &st) < 0)
		return -1;
	return remove_entry(parentfd, name, st.st_dev);
}

static char *read_marker(int dfd, const char *name)
{
	char path[512], *buf;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" SAFETY_MARKER, name);
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = calloc(1, 1024);
	n = buf ? read(fd, buf, 1023) : -1;
	close(fd);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int safety_sweep(const char *path, const char *myhost, void (*log)(void *arg, const char *name, const char *what),
		 void *arg)
{
	int dfd, removed = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		enum safety_judgement j;
		char *marker;

		if (strncmp(de->d_name, SAFETY_PREFIX, strlen(SAFETY_PREFIX)) || !strcmp(de->d_name, SAFETY_MARKER))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		marker = read_marker(dfd, de->d_name);
		j = safety_judge(marker, myhost, safety_pid_alive);
		free(marker);
		if (j != SAFETY_STALE) {
			log(arg, de->d_name, safety_judgement_names[j]);
			continue;
		}
		if (safety_remove_tree(dfd, de->d_name) == 0) {
			removed++;
			log(arg, de->d_name, "removed (stale: marker of this host, owner process gone)");
		} else {
			log(arg, de->d_name, strerror(errno));
		}
	}
	closedir(d);
	return removed;
}
