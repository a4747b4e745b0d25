/*
 * cpu.c - CPU model, sockets/cores/threads, NUMA nodes (hwloc) and the
 * cpufreq governor for the sysinfo probe.
 *
 * hwloc's topology is restricted to the CPUs and memory this process may use
 * (its cgroup cpuset), so cpu_threads is what a job here can run on; the
 * host's online count is env.cpu.threads_online. Definitions: METRICS.md.
 */
#include "sysinfo.h"

#include <ctype.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

/* "model name" from /proc/cpuinfo, for when hwloc names no model. Caller frees. */
static char *cpuinfo_model(void)
{
	FILE *fp = fopen("/proc/cpuinfo", "re");
	char *line = NULL, *model = NULL, *v;
	size_t cap = 0;
	ssize_t n;

	if (!fp)
		return NULL;
	while (!model && (n = getline(&line, &cap, fp)) > 0) {
		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		v++;
		v += strspn(v, " \t");
		model = xstrdup(v);
	}
	free(line);
	fclose(fp);
	return model;
}

/* The model name with the padding some CPUs put in it removed. */
static void add_model(cJSON *cpu, hwloc_topology_t topo)
{
	hwloc_obj_t pkg = topo ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0) : NULL;
	const char *info = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
	char *m = info ? xstrdup(info) : cpuinfo_model();
	size_t n = m ? strlen(m) : 0;

	while (n > 0 && isspace((unsigned char)m[n - 1]))
		m[--n] = '\0';
	json_str(cpu, "model", m);
	free(m);
}

/* Count one more CPU running governor g. */
static void count_governor(cJSON *govs, const char *g)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(govs, g);

	if (c)
		cJSON_SetNumberValue(c, c->valuedouble + 1);
	else
		cJSON_AddNumberToObject(govs, g, 1);
}

/* {"performance": 64}: how many CPUs run each scaling governor. Caller deletes. */
static cJSON *read_governors(void)
{
	char *dir = sysfs_path("devices/system/cpu"), **names, *path, *g;
	cJSON *govs = cJSON_CreateObject();
	int i, n = dir_names(dir, &names);

	for (i = 0; i < n; i++) {
		if (strncmp(names[i], "cpu", 3) || !isdigit((unsigned char)names[i][3]))
			continue;
		path = sysfs_path("devices/system/cpu/%s/cpufreq/scaling_governor", names[i]);
		if ((g = read_line(path)))
			count_governor(govs, g);
		free(g);
		free(path);
	}
	names_free(names, n);
	free(dir);
	return govs;
}

/* One governor by name; several: "mixed" and the counts; none: null and why. */
static void add_governor(cJSON *cpu)
{
	cJSON *govs = read_governors();
	int n = cJSON_GetArraySize(govs);

	if (n > 1) {
		cJSON_AddStringToObject(cpu, "governor", "mixed");
		cJSON_AddItemToObject(cpu, "governors", govs);
		return;
	}
	if (n == 1) {
		cJSON_AddStringToObject(cpu, "governor", govs->child->string);
	} else {
		cJSON_AddNullToObject(cpu, "governor");
		cJSON_AddStringToObject(cpu, "governor_reason",
					"no cpufreq in sysfs (no cpufreq driver, a VM or a container)");
	}
	cJSON_Delete(govs);
}

static void add_numa(struct probe_ctx *ctx, cJSON *env, hwloc_topology_t topo)
{
	hwloc_obj_t node = NULL;
	cJSON *a = cJSON_AddArrayToObject(env, "numa"), *o;
	char *cpus;
	int n = 0;

	while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node))) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "node", node->os_index);
		if (node->cpuset && hwloc_bitmap_list_asprintf(&cpus, node->cpuset) >= 0) {
			cJSON_AddStringToObject(o, "cpus", cpus);
			free(cpus);
		} else {
			cJSON_AddNullToObject(o, "cpus");
		}
		cJSON_AddNumberToObject(o, "memory", (double)node->attr->numanode.local_memory);
		cJSON_AddItemToArray(a, o);
		n++;
	}
	sysinfo_metric(ctx, "numa_nodes", n);
}

static void add_counts(struct probe_ctx *ctx, cJSON *cpu, hwloc_topology_t topo)
{
	static const struct {
		hwloc_obj_type_t type;
		const char *key, *metric;
	} counts[] = {
		{ HWLOC_OBJ_PACKAGE, "sockets", "cpu_sockets" },
		{ HWLOC_OBJ_CORE, "cores", "cpu_cores" },
		{ HWLOC_OBJ_PU, "threads", "cpu_threads" },
	};
	size_t i;
	int n;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		n = hwloc_get_nbobjs_by_type(topo, counts[i].type);
		if (n <= 0) {
			cJSON_AddNullToObject(cpu, counts[i].key);
			continue;
		}
		cJSON_AddNumberToObject(cpu, counts[i].key, n);
		sysinfo_metric(ctx, counts[i].metric, n);
	}
}

/* Without hwloc: the online count from the kernel, and no NUMA facts. */
static void without_hwloc(struct probe_ctx *ctx, cJSON *env, cJSON *cpu, long online)
{
	cJSON_AddNullToObject(cpu, "sockets");
	cJSON_AddNullToObject(cpu, "cores");
	if (online > 0) {
		cJSON_AddNumberToObject(cpu, "threads", online);
		sysinfo_metric(ctx, "cpu_threads", online);
	} else {
		cJSON_AddNullToObject(cpu, "threads");
	}
	cJSON_AddStringToObject(cpu, "reason", "hwloc cannot load the topology");
	json_unavailable(env, "numa", "hwloc cannot load the topology");
}

void collect_cpu(struct probe_ctx *ctx, cJSON *env)
{
	cJSON *cpu = cJSON_AddObjectToObject(env, "cpu");
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	hwloc_topology_t topo = NULL;

	if (hwloc_topology_init(&topo)) {
		topo = NULL;
	} else if (hwloc_topology_load(topo)) {
		hwloc_topology_destroy(topo);
		topo = NULL;
	}
	add_model(cpu, topo);
	if (topo)
		add_counts(ctx, cpu, topo);
	else
		without_hwloc(ctx, env, cpu, online);
	if (online > 0)
		cJSON_AddNumberToObject(cpu, "threads_online", online);
	else
		cJSON_AddNullToObject(cpu, "threads_online");
	add_governor(cpu);
	if (topo) {
		add_numa(ctx, env, topo);
		hwloc_topology_destroy(topo);
	}
}
