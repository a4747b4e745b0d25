/*
 * sysinfo.h - the parts of the sysinfo probe, shared between its own files.
 *
 * Each collector reads one area of the host, adds its facts to the env object
 * under one key and its metrics to ctx. None of them fails the probe: what
 * cannot be read is null, or an object {"available": false, "reason": ...}.
 *
 * SHAKEDOWN_SYSFS (default "/sys") moves every sysfs path, so tests can run
 * the probe against a small made-up tree (GPUs, InfiniBand) this machine lacks.
 */
#ifndef SD_SYSINFO_H
#define SD_SYSINFO_H

#include <stdint.h>

#include <cJSON.h>

#include "probe.h"
#include "sysfile.h"

#define SYSFS_ENV "SHAKEDOWN_SYSFS"

/* sysinfo.c: add the metric declared under name in probe_ops.metrics[]; aborts on an undeclared name. */
struct probe_metric *sysinfo_metric(struct probe_ctx *ctx, const char *name, double v);

/* The collectors. */
void collect_host(struct probe_ctx *ctx, cJSON *env);	/* host.c: hostname, os, kernel */
void collect_memory(struct probe_ctx *ctx, cJSON *env); /* host.c: /proc/meminfo, cgroup limit */
void collect_mounts(struct probe_ctx *ctx, cJSON *env); /* host.c */
void collect_cpu(struct probe_ctx *ctx, cJSON *env);	/* cpu.c: hwloc, cpufreq */
/* pci.c: returns how many NVIDIA GPUs are on the PCI bus. */
unsigned int collect_pci(struct probe_ctx *ctx, cJSON *env);
void collect_nics(struct probe_ctx *ctx, cJSON *env);			     /* net.c */
void collect_infiniband(struct probe_ctx *ctx, cJSON *env);		     /* net.c */
void collect_gpus(struct probe_ctx *ctx, cJSON *env, unsigned int pci_gpus); /* gpu.c: NVML */

/* util.c - reading small files, building JSON. */

/* "$SHAKEDOWN_SYSFS" or "/sys"; static storage. */
const char *sysfs_root(void);
/* A path under the sysfs root: sysfs_path("class/net/%s/mtu", name). Caller frees. */
__attribute__((format(printf, 1, 2))) char *sysfs_path(const char *fmt, ...);
/* The last path component of a symlink's target (a driver's name); NULL when absent. Caller frees. */
char *link_name(const char *path);

/* Add a string, or null when s is NULL. */
void json_str(cJSON *o, const char *key, const char *s);
/* Add the file's first line, or null; the same with the value as a number. */
void json_file_str(cJSON *o, const char *key, const char *path);
void json_file_num(cJSON *o, const char *key, const char *path);
/* {"available": false, "reason": reason} under key. */
void json_unavailable(cJSON *o, const char *key, const char *reason);

#endif
