/*
 * safety.h - what keeps the storage probe from ever harming data: the target
 * checks (a writable directory; never a block device), the free-space rule,
 * the probe's own work directory (fresh, named, marked) and the removal of
 * exactly what it created, and the sweep of stale work directories left by a
 * run that was killed (marker present, same host, owner process gone).
 * Rules: probes/METRICS.md, section `storage` ("Safety").
 */
#ifndef SD_STORAGE_SAFETY_H
#define SD_STORAGE_SAFETY_H

#include <stddef.h>
#include <stdint.h>

#define SAFETY_PREFIX ".shakedown-storage-"
#define SAFETY_MARKER ".shakedown-storage-marker"

/* 0 when path is an existing writable directory; else -1 and a message in err. */
int safety_check_target(const char *path, char *err, size_t errlen);

/* The work directory's name: ".shakedown-storage-HOST-PID-RRRRRRRR" (host with odd characters as '_'). */
void safety_dirname(char *buf, size_t n, const char *host, long pid, uint32_t rnd);

/* The marker file's contents for (host, pid), and its parser (0, or -1 when it is not a marker). */
void safety_marker_text(char *buf, size_t n, const char *host, long pid);
int safety_parse_marker(const char *text, char *host, size_t hostlen, long *pid);

enum safety_judgement {
	SAFETY_NOT_OURS,   /* no (valid) marker: never touched */
	SAFETY_OTHER_HOST, /* another host's run (shared filesystem): its owner may be alive */
	SAFETY_ALIVE,	   /* this host, owner still running */
	SAFETY_STALE,	   /* this host, owner gone: ours to remove */
};
extern const char *const safety_judgement_names[];
/* Judge a candidate directory by its marker text (NULL: none); alive(pid) says whether a process runs. */
enum safety_judgement safety_judge(const char *marker, const char *myhost, int (*alive)(long pid));
/* kill(pid, 0): 1 when the process exists (EPERM counts as existing). */
int safety_pid_alive(long pid);

/* What the workloads will write, to check against the free space before writing anything. */
struct safety_space {
	uint64_t data_bytes;  /* jobs x size for the data workloads, 0 when none runs */
	uint64_t fsync_bytes; /* fsync_ios x its write size, 0 when fsync does not run */
	uint64_t meta_files;  /* small files of the meta workload, 0 when it does not run */
	uint64_t reserve;     /* free space that must remain afterwards */
};
#define SAFETY_META_FILE_COST 8192u /* one 4 KiB file plus its inode and directory entry, rounded up */
/* Bytes needed: data + fsync + meta_files x SAFETY_META_FILE_COST + reserve (saturating). */
uint64_t safety_space_needed(const struct safety_space *s);

/*
 * Remove the tree name under the directory open as parentfd: never follows a
 * symbolic link, never crosses into another filesystem. Returns 0, or -1 with
 * errno of the first failure (it goes on removing what it can).
 */
int safety_remove_tree(int parentfd, const char *name);

/*
 * Remove stale work directories of ours directly under path (judged
 * SAFETY_STALE and owned by this user); each removal is reported through
 * log(arg, name). Returns how many were removed.
 */
int safety_sweep(const char *path, const char *myhost, void (*log)(void *arg, const char *name, const char *what),
		 void *arg);

#endif
