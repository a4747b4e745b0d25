/*
 * test_sysinfo.c - the sysinfo probe and the NVML loader (probes/sysinfo/,
 * probes/lib/nvml.c).
 *
 * The probe is run as built ($SD_BUILD/bin/probes/sysinfo; SD_BUILD is set
 * by tests/run-tests.sh, else taken from where this test binary lies) and its
 * JSON checked against what this machine really has. The machines have no
 * GPU and no NVIDIA driver: tests/fakes/fake_nvml.c, a small real shared
 * library, plays two H100s (one on a degraded x8 link), and a made-up sysfs
 * tree (SHAKEDOWN_SYSFS) plays a GPU, an InfiniBand HCA and an NVMe drive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hwloc.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "nvml.h"
#include "xalloc.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* ---- where things are ---- */

/* $SD_BUILD, or the build dir this binary lies in (<build>/tests/unit/test_sysinfo). Caller frees. */
static char *build_dir(void)
{
	const char *env = getenv("SD_BUILD");
	char exe[PATH_MAX], *slash;
	ssize_t n;
	int up;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return xstrdup("build");
	exe[n] = '\0';
	for (up = 0; up < 3 && (slash = strrchr(exe, '/')); up++)
		*slash = '\0';
	return xstrdup(exe);
}

/* An absolute path to a file in the build dir; the test fails when it is not there. Caller frees. */
static char *built(const char *rel)
{
	char *b = build_dir(), *p = xasprintf("%s/%s", b, rel), *abs = realpath(p, NULL);

	if (!abs)
		fail_msg("'%s' is not built (%s): run make tests", p, strerror(errno));
	free(b);
	free(p);
	return abs;
}

/* ---- running the probe ---- */

/* Read fd to its end. Caller frees. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = xmalloc(cap);
	ssize_t n;

	while ((n = read(fd, buf + len, cap - len - 1)) > 0 || (n < 0 && errno == EINTR)) {
		len += n > 0 ? (size_t)n : 0;
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Run the probe with arg (NULL: none) and the environment changes in env
 * ({"NAME", "value"} pairs, value NULL to unset; ends with NULL); it must exit
 * 0 and print one JSON document, which is returned (caller deletes).
 */
static cJSON *run_probe(const char *arg, const char *const *env)
{
	char *probe = built("bin/probes/sysinfo"), *out;
	int fds[2], status;
	cJSON *doc;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (; env && env[0]; env += 2)
			env[1] ? setenv(env[0], env[1], 1) : unsetenv(env[0]);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(probe, probe, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = slurp(fds[0]);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	doc = cJSON_Parse(out);
	if (!doc)
		fail_msg("probe output is not JSON: %.200s", out);
	free(out);
	free(probe);
	return doc;
}

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		fail_msg("no '%s' in %s", key, o->string ? o->string : "object");
	return v;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	if (!cJSON_IsString(v))
		fail_msg("'%s' is not a string", key);
	return v->valuestring;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	if (!cJSON_IsNumber(v))
		fail_msg("'%s' is not a number", key);
	return v->valuedouble;
}

/* The metric name (with label gpu=<gpu> when gpu is not NULL), or NULL. */
static const cJSON *find_metric(const cJSON *doc, const char *name, const char *gpu)
{
	const cJSON *m, *labels, *g;

	cJSON_ArrayForEach(m, get(doc, "metrics"))
	{
		if (strcmp(str(m, "name"), name))
			continue;
		labels = cJSON_GetObjectItemCaseSensitive(m, "labels");
		g = labels ? cJSON_GetObjectItemCaseSensitive(labels, "gpu") : NULL;
		if (gpu ? g && !strcmp(g->valuestring, gpu) : !g)
			return m;
	}
	return NULL;
}

static double metric(const cJSON *doc, const char *name, const char *gpu)
{
	const cJSON *m = find_metric(doc, name, gpu);

	if (!m)
		fail_msg("no metric '%s'%s%s", name, gpu ? " for gpu " : "", gpu ? gpu : "");
	return num(m, "value");
}

static const cJSON *env_of(const cJSON *doc)
{
	assert_string_equal(str(doc, "status"), "ok");
	return get(doc, "env");
}

/* ---- what this machine has, to compare with ---- */

static double meminfo_total(void)
{
	FILE *fp = fopen("/proc/meminfo", "r");
	unsigned long long kib = 0;

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "MemTotal: %llu kB", &kib), 1);
	fclose(fp);
	return kib * 1024.0;
}

static int hwloc_count(hwloc_obj_type_t type)
{
	hwloc_topology_t t;
	int n;

	assert_int_equal(hwloc_topology_init(&t), 0);
	assert_int_equal(hwloc_topology_load(t), 0);
	n = hwloc_get_nbobjs_by_type(t, type);
	hwloc_topology_destroy(t);
	return n;
}

/* ---- the probe without NVML ---- */

static const char *const no_nvml[] = { NVML_LIB_ENV, "/nonexistent/libnvidia-ml.so.1", NULL };

static void check_host(const cJSON *doc)
{
	const cJSON *env = env_of(doc);
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	assert_string_equal(str(env, "hostname"), host);
	assert_true(strlen(str(get(env, "kernel"), "release")) > 0);
	assert_true(strlen(str(get(env, "os"), "pretty_name")) > 0);
}

static void check_cpu_memory(const cJSON *doc)
{
	const cJSON *env = env_of(doc);
	double threads = metric(doc, "cpu_threads", NULL), mem = metric(doc, "memory_total", NULL);

	assert_int_equal((int)threads, hwloc_count(HWLOC_OBJ_PU));
	assert_true(threads <= sysconf(_SC_NPROCESSORS_ONLN));
	assert_int_equal((int)metric(doc, "cpu_cores", NULL), hwloc_count(HWLOC_OBJ_CORE));
	assert_int_equal((int)metric(doc, "cpu_sockets", NULL), hwloc_count(HWLOC_OBJ_PACKAGE));
	assert_int_equal((int)metric(doc, "numa_nodes", NULL), cJSON_GetArraySize(get(env, "numa")));
	assert_true(metric(doc, "numa_nodes", NULL) >= 1);
	assert_true(fabs(mem - meminfo_total()) <= 0.01 * meminfo_total());
	assert_true(metric(doc, "swap_total", NULL) >= 0);
	assert_true(metric(doc, "hugepages_total", NULL) >= 0);
	assert_int_equal((int)num(get(env, "cpu"), "threads"), (int)threads);
}

/* No pseudo filesystem is listed, and "/" is. */
static void check_mounts(const cJSON *doc)
{
	static const char *const pseudo[] = { "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", NULL };
	const cJSON *m;
	const char *const *p;
	int root = 0;

	cJSON_ArrayForEach(m, get(env_of(doc), "mounts"))
	{
		for (p = pseudo; *p; p++)
			assert_string_not_equal(str(m, "type"), *p);
		root |= !strcmp(str(m, "target"), "/");
	}
	assert_true(root);
}

static void test_probe_without_nvml(void **state)
{
	cJSON *doc = run_probe(NULL, no_nvml);
	const cJSON *nv = get(env_of(doc), "nvml");

	(void)state;
	assert_int_equal((int)metric(doc, "gpus", NULL), 0);
	assert_int_equal(cJSON_GetArraySize(get(env_of(doc), "gpus")), 0);
	assert_true(cJSON_IsFalse(get(nv, "available")));
	assert_non_null(strstr(str(nv, "reason"), "not found"));
	assert_null(find_metric(doc, "gpu_memory_total", "0"));
	check_host(doc);
	check_cpu_memory(doc);
	check_mounts(doc);
	cJSON_Delete(doc);
}

/* A library that is there but whose driver is not: NVML's reason, still no error. */
static void test_probe_driver_not_loaded(void **state)
{
	char *fake = built("tests/fakes/libnvml.so");
	const char *const env[] = { NVML_LIB_ENV, fake, "FAKE_NVML_INIT_RC", "9", NULL };
	cJSON *doc = run_probe(NULL, env);
	const cJSON *nv = get(env_of(doc), "nvml");

	(void)state;
	assert_int_equal((int)metric(doc, "gpus", NULL), 0);
	assert_true(cJSON_IsFalse(get(nv, "available")));
	assert_string_equal(str(nv, "reason"), "'nvmlInit_v2' failed: Driver Not Loaded");
	cJSON_Delete(doc);
	free(fake);
}

/* ---- the probe with two fake H100s ---- */

struct gpu_case {
	const char *label;
	int gen_current, width_current;
	int degraded;
};

static const struct gpu_case gpu_cases[] = {
	{ "0", 5, 16, 0 }, { "1", 4, 8, 1 }, /* the degraded link */
};

static void check_gpu(const cJSON *doc, const cJSON *g, const struct gpu_case *c)
{
	const cJSON *pcie = get(g, "pcie");

	assert_string_equal(str(g, "name"), "NVIDIA H100 80GB HBM3");
	assert_true(!strncmp(str(g, "uuid"), "GPU-", 4));
	assert_true(strlen(str(g, "pci_bus_id")) == 16);
	assert_true(num(g, "memory_total") == 80 * GIB);
	assert_true(metric(doc, "gpu_memory_total", c->label) == 80 * GIB);
	assert_int_equal((int)num(pcie, "gen_current"), c->gen_current);
	assert_int_equal((int)num(pcie, "width_current"), c->width_current);
	assert_int_equal((int)num(pcie, "gen_max"), 5);
	assert_int_equal((int)num(pcie, "width_max"), 16);
	assert_int_equal(cJSON_IsTrue(get(pcie, "degraded")), c->degraded);
	assert_true(num(g, "power_limit") == 700);
	assert_null(cJSON_GetObjectItemCaseSensitive(g, "reasons"));
}

/* Every metric printed is declared in --describe, and with GPUs every declared one is printed. */
static void check_declared(const cJSON *doc)
{
	cJSON *d = run_probe("--describe", NULL);
	const cJSON *m, *dm;
	int found;

	cJSON_ArrayForEach(m, get(doc, "metrics"))
	{
		found = 0;
		cJSON_ArrayForEach(dm, get(d, "metrics")) found |= !strcmp(str(dm, "name"), str(m, "name"));
		if (!found)
			fail_msg("metric '%s' is not declared", str(m, "name"));
	}
	cJSON_ArrayForEach(dm, get(d, "metrics")) if (!find_metric(doc, str(dm, "name"), NULL) &&
						      !find_metric(doc, str(dm, "name"), "0"))
		fail_msg("declared metric '%s' is not reported", str(dm, "name"));
	cJSON_Delete(d);
}

static void test_probe_with_fake_nvml(void **state)
{
	char *fake = built("tests/fakes/libnvml.so");
	const char *const env[] = { NVML_LIB_ENV, fake, NULL };
	cJSON *doc = run_probe(NULL, env);
	const cJSON *gpus = get(env_of(doc), "gpus"), *nv = get(env_of(doc), "nvml");
	size_t i;

	(void)state;
	assert_int_equal((int)metric(doc, "gpus", NULL), 2);
	assert_int_equal(cJSON_GetArraySize(gpus), 2);
	for (i = 0; i < sizeof(gpu_cases) / sizeof(gpu_cases[0]); i++)
		check_gpu(doc, cJSON_GetArrayItem(gpus, (int)i), &gpu_cases[i]);
	assert_true(cJSON_IsTrue(get(nv, "available")));
	assert_string_equal(str(nv, "driver_version"), "580.65.06");
	assert_string_equal(str(nv, "cuda_driver_version"), "13.0");
	assert_null(cJSON_GetObjectItemCaseSensitive(nv, "missing_functions"));
	check_declared(doc);
	cJSON_Delete(doc);
	free(fake);
}

/* NVML there, no GPU in it: 0, and the reason. */
static void test_probe_nvml_no_gpus(void **state)
{
	char *fake = built("tests/fakes/libnvml.so");
	const char *const env[] = { NVML_LIB_ENV, fake, "FAKE_NVML_GPUS", "0", NULL };
	cJSON *doc = run_probe(NULL, env);
	const cJSON *nv = get(env_of(doc), "nvml");

	(void)state;
	assert_int_equal((int)metric(doc, "gpus", NULL), 0);
	assert_true(cJSON_IsTrue(get(nv, "available")));
	assert_string_equal(str(nv, "reason"), "nvml reports no gpus");
	cJSON_Delete(doc);
	free(fake);
}

/* ---- the probe against a made-up sysfs ---- */

/* Files (content) and symlinks (target starting with "->") of a GPU node's sysfs. */
static const struct {
	const char *path, *content;
} fake_sysfs[] = {
	{ "bus/pci/devices/0000:18:00.0/vendor", "0x10de\n" },
	{ "bus/pci/devices/0000:18:00.0/device", "0x2330\n" },
	{ "bus/pci/devices/0000:18:00.0/class", "0x030200\n" },
	{ "bus/pci/devices/0000:18:00.0/numa_node", "1\n" },
	{ "bus/pci/devices/0000:18:00.0/current_link_speed", "16.0 GT/s PCIe\n" },
	{ "bus/pci/devices/0000:18:00.0/max_link_speed", "32.0 GT/s PCIe\n" },
	{ "bus/pci/devices/0000:18:00.0/current_link_width", "8\n" },
	{ "bus/pci/devices/0000:18:00.0/max_link_width", "16\n" },
	{ "bus/pci/devices/0000:18:00.0/driver", "->../../../bus/pci/drivers/nvidia" },
	{ "bus/pci/devices/0000:00:1f.0/vendor", "0x8086\n" }, /* an ISA bridge: left out */
	{ "bus/pci/devices/0000:00:1f.0/class", "0x060100\n" },
	{ "bus/pci/devices/0000:3b:00.0/vendor", "0x15b3\n" },
	{ "bus/pci/devices/0000:3b:00.0/device", "0x1021\n" },
	{ "bus/pci/devices/0000:3b:00.0/class", "0x020700\n" },
	{ "bus/pci/devices/0000:3b:00.0/numa_node", "-1\n" },
	{ "bus/pci/devices/0000:3b:00.0/driver", "->../../../bus/pci/drivers/mlx5_core" },
	{ "bus/pci/devices/0000:5e:00.0/vendor", "0x144d\n" },
	{ "bus/pci/devices/0000:5e:00.0/class", "0x010802\n" },
	{ "class/net/ib0/operstate", "up\n" },
	{ "class/net/ib0/speed", "400000\n" },
	{ "class/net/ib0/mtu", "4092\n" },
	{ "class/net/ib0/device", "->../../../bus/pci/devices/0000:3b:00.0" },
	{ "class/net/eth1/operstate", "down\n" },
	{ "class/net/eth1/speed", "-1\n" },
	{ "class/net/eth1/mtu", "1500\n" },
	{ "class/net/lo/mtu", "65536\n" },
	{ "class/infiniband/mlx5_0/fw_ver", "28.39.1002\n" },
	{ "class/infiniband/mlx5_0/ports/1/state", "4: ACTIVE\n" },
	{ "class/infiniband/mlx5_0/ports/1/phys_state", "5: LinkUp\n" },
	{ "class/infiniband/mlx5_0/ports/1/rate", "400 Gb/sec (4X NDR)\n" },
	{ "class/infiniband/mlx5_0/ports/1/link_layer", "InfiniBand\n" },
	{ "devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n" },
	{ "devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n" },
	{ "devices/system/cpu/cpu2/cpufreq/scaling_governor", "powersave\n" },
	{ "devices/system/cpu/cpufreq/boost", "1\n" }, /* not a cpuN: ignored */
};

static void mkdirs(char *path)
{
	char *s;

	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("cannot create '%s': %s", path, strerror(errno));
		*s = '/';
	}
}

static void make_entry(const char *root, const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", root, rel);
	FILE *fp;

	mkdirs(p);
	if (!strncmp(content, "->", 2)) {
		assert_int_equal(symlink(content + 2, p), 0);
	} else {
		fp = fopen(p, "w");
		assert_non_null(fp);
		fputs(content, fp);
		fclose(fp);
	}
	free(p);
}

static int setup_sysfs(void **state)
{
	char *root = xstrdup("/tmp/sd-sysfs.XXXXXX");
	size_t i;

	if (!mkdtemp(root))
		return -1;
	for (i = 0; i < sizeof(fake_sysfs) / sizeof(fake_sysfs[0]); i++)
		make_entry(root, fake_sysfs[i].path, fake_sysfs[i].content);
	*state = root;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown_sysfs(void **state)
{
	int rc = nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(*state);
	return rc;
}

static const cJSON *find_by(const cJSON *a, const char *key, const char *value)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, a) if (!strcmp(str(o, key), value)) return o;
	fail_msg("no entry with %s '%s'", key, value);
	return NULL;
}

static void check_fake_pci(const cJSON *env)
{
	const cJSON *pci = get(env, "pci"), *gpu, *link;

	assert_int_equal(cJSON_GetArraySize(pci), 3);
	gpu = find_by(pci, "address", "0000:18:00.0");
	assert_string_equal(str(gpu, "kind"), "gpu");
	assert_string_equal(str(gpu, "device"), "0x2330");
	assert_string_equal(str(gpu, "driver"), "nvidia");
	assert_int_equal((int)num(gpu, "numa_node"), 1);
	link = get(gpu, "link");
	assert_int_equal((int)num(link, "gen_current"), 4);
	assert_int_equal((int)num(link, "gen_max"), 5);
	assert_int_equal((int)num(link, "width_current"), 8);
	assert_true(cJSON_IsTrue(get(link, "degraded")));
	assert_string_equal(str(find_by(pci, "address", "0000:3b:00.0"), "kind"), "infiniband");
	assert_true(cJSON_IsNull(get(find_by(pci, "address", "0000:3b:00.0"), "numa_node")));
	assert_string_equal(str(find_by(pci, "address", "0000:5e:00.0"), "kind"), "nvme");
	assert_true(cJSON_IsNull(get(find_by(pci, "address", "0000:5e:00.0"), "link")));
	assert_int_equal((int)num(get(env, "nvml"), "pci_gpus"), 1);
}

static void check_fake_net(const cJSON *env)
{
	const cJSON *nics = get(env, "nics"), *ib0 = find_by(nics, "name", "ib0"), *eth1, *port;

	assert_int_equal(cJSON_GetArraySize(nics), 2); /* lo is left out */
	assert_int_equal((int)num(ib0, "speed"), 400000);
	assert_int_equal((int)num(ib0, "mtu"), 4092);
	assert_string_equal(str(ib0, "driver"), "mlx5_core");
	assert_string_equal(str(ib0, "device"), "0000:3b:00.0");
	eth1 = find_by(nics, "name", "eth1");
	assert_true(cJSON_IsNull(get(eth1, "speed")));
	assert_true(cJSON_IsTrue(get(eth1, "virtual")));
	port = cJSON_GetArrayItem(get(find_by(get(env, "infiniband"), "device", "mlx5_0"), "ports"), 0);
	assert_int_equal((int)num(port, "port"), 1);
	assert_string_equal(str(port, "state"), "ACTIVE");
	assert_string_equal(str(port, "phys_state"), "LinkUp");
	assert_true(num(port, "rate_gbps") == 400);
	assert_string_equal(str(port, "link_layer"), "InfiniBand");
}

static void test_probe_fake_sysfs(void **state)
{
	const char *const env[] = { "SHAKEDOWN_SYSFS", *state, NVML_LIB_ENV, no_nvml[1], NULL };
	cJSON *doc = run_probe(NULL, env);
	const cJSON *e = env_of(doc), *cpu = get(e, "cpu");

	check_fake_pci(e);
	check_fake_net(e);
	assert_string_equal(str(cpu, "governor"), "mixed");
	assert_int_equal((int)num(get(cpu, "governors"), "performance"), 2);
	assert_int_equal((int)num(get(cpu, "governors"), "powersave"), 1);
	cJSON_Delete(doc);
}

/* An empty sysfs (a tight container): nulls and reasons, still ok. */
static void test_probe_empty_sysfs(void **state)
{
	char root[] = "/tmp/sd-sysfs-empty.XXXXXX";
	const char *const env[] = { "SHAKEDOWN_SYSFS", root, NVML_LIB_ENV, no_nvml[1], NULL };
	cJSON *doc;
	const cJSON *e;

	(void)state;
	assert_non_null(mkdtemp(root));
	doc = run_probe(NULL, env);
	e = env_of(doc);
	assert_true(cJSON_IsFalse(get(get(e, "pci"), "available")));
	assert_true(cJSON_IsFalse(get(get(e, "nics"), "available")));
	assert_int_equal(cJSON_GetArraySize(get(e, "infiniband")), 0);
	assert_true(cJSON_IsNull(get(get(e, "cpu"), "governor")));
	assert_int_equal((int)metric(doc, "gpus", NULL), 0);
	cJSON_Delete(doc);
	rmdir(root);
}

/* ---- the NVML loader ---- */

static int setup_fake_nvml(void **state)
{
	char *fake = built("tests/fakes/libnvml.so");

	setenv(NVML_LIB_ENV, fake, 1);
	unsetenv("FAKE_NVML_INIT_RC");
	unsetenv("FAKE_NVML_GPUS");
	*state = fake;
	return 0;
}

static int teardown_fake_nvml(void **state)
{
	unsetenv(NVML_LIB_ENV);
	unsetenv("FAKE_NVML_INIT_RC");
	free(*state);
	return 0;
}

static void test_nvml_missing_library(void **state)
{
	struct nvml n;
	char err[256];

	(void)state;
	setenv(NVML_LIB_ENV, "/nonexistent/libnvidia-ml.so.1", 1);
	assert_int_equal(nvml_open(&n, err, sizeof(err)), -1);
	assert_string_equal(err, "'/nonexistent/libnvidia-ml.so.1' not found (set by SHAKEDOWN_NVML_LIB)");
	assert_null(nvml_lib(&n));
	assert_int_equal(nvml_device_count(&n, &(unsigned int){ 0 }, err, sizeof(err)), -1);
	assert_string_equal(err, "nvml is not loaded");
	nvml_close(&n);
	nvml_close(&n);
}

/* A real library that is not NVML: its first required symbol is named. */
static void test_nvml_not_nvml(void **state)
{
	struct nvml n;
	char err[256];

	(void)state;
	setenv(NVML_LIB_ENV, "libm.so.6", 1);
	assert_int_equal(nvml_open(&n, err, sizeof(err)), -1);
	assert_string_equal(err, "'libm.so.6' has no 'nvmlInit_v2': not an NVML library, or one too old");
}

static void test_nvml_init_fails(void **state)
{
	struct nvml n;
	char err[256];

	(void)state;
	setenv("FAKE_NVML_INIT_RC", "9", 1);
	assert_int_equal(nvml_open(&n, err, sizeof(err)), -1);
	assert_string_equal(err, "'nvmlInit_v2' failed: Driver Not Loaded");
}

static void check_nvml_gpu(struct nvml *n, unsigned int i, const struct gpu_case *c)
{
	char buf[NVML_NAME_LEN], err[256];
	unsigned int gen, width;
	uint64_t mem;

	assert_int_equal(nvml_device_name(n, i, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "NVIDIA H100 80GB HBM3");
	assert_int_equal(nvml_device_memory_total(n, i, &mem, err, sizeof(err)), 0);
	assert_true(mem == 80ULL << 30);
	assert_int_equal(nvml_device_pcie_link(n, i, 0, &gen, &width, err, sizeof(err)), 0);
	assert_int_equal(gen, c->gen_current);
	assert_int_equal(width, c->width_current);
	assert_int_equal(nvml_device_pcie_link(n, i, 1, &gen, &width, err, sizeof(err)), 0);
	assert_int_equal(gen, 5);
	assert_int_equal(width, 16);
}

static void test_nvml_fake(void **state)
{
	struct nvml n;
	char buf[NVML_VERSION_LEN], err[256];
	unsigned int count, temp;
	int cuda, ecc, pending, s;
	double w;

	assert_int_equal(nvml_open(&n, err, sizeof(err)), 0);
	assert_string_equal(nvml_lib(&n), *state);
	for (s = 0; s < NVML_SYM_COUNT; s++)
		assert_true(nvml_has(&n, s));
	assert_int_equal(nvml_device_count(&n, &count, err, sizeof(err)), 0);
	assert_int_equal(count, 2);
	check_nvml_gpu(&n, 0, &gpu_cases[0]);
	check_nvml_gpu(&n, 1, &gpu_cases[1]);
	assert_int_equal(nvml_driver_version(&n, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "580.65.06");
	assert_int_equal(nvml_cuda_driver_version(&n, &cuda, err, sizeof(err)), 0);
	assert_int_equal(cuda, 13000);
	assert_int_equal(nvml_device_pci_bus_id(&n, 1, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "00000000:2A:00.0");
	assert_int_equal(nvml_device_temperature(&n, 0, &temp, err, sizeof(err)), 0);
	assert_int_equal(temp, 34);
	assert_int_equal(nvml_device_power_usage(&n, 0, &w, err, sizeof(err)), 0);
	assert_true(w == 71.25);
	assert_int_equal(nvml_device_ecc_mode(&n, 1, &ecc, &pending, err, sizeof(err)), 0);
	assert_true(ecc && pending);
	nvml_close(&n);
	assert_null(nvml_lib(&n));
}

static void test_nvml_errors(void **state)
{
	struct nvml n;
	char buf[NVML_NAME_LEN], err[256];
	unsigned int temp;

	(void)state;
	assert_int_equal(nvml_open(&n, err, sizeof(err)), 0);
	assert_int_equal(nvml_device_name(&n, 5, buf, sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(err, "'nvmlDeviceGetHandleByIndex_v2' failed for gpu 5: Invalid Argument");
	assert_int_equal(nvml_device_name(&n, 0, buf, 4, err, sizeof(err)), -1);
	assert_string_equal(err, "'nvmlDeviceGetName' failed for gpu 0: Insufficient Size");
	assert_int_equal(nvml_last_rc(&n), 7); /* NVML_ERROR_INSUFFICIENT_SIZE */
	/* an older driver without this function: reported, not a crash */
	n.fn[NVML_SYM_DEVICE_TEMPERATURE] = NULL;
	assert_false(nvml_has(&n, NVML_SYM_DEVICE_TEMPERATURE));
	assert_int_equal(nvml_device_temperature(&n, 0, &temp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nvmlDeviceGetTemperature' not found in '"));
	assert_int_equal(nvml_last_rc(&n), NVML_RC_NO_SYMBOL);
	nvml_close(&n);
	/* and it opens again after a close */
	assert_int_equal(nvml_open(&n, err, sizeof(err)), 0);
	nvml_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_without_nvml),
		cmocka_unit_test(test_probe_driver_not_loaded),
		cmocka_unit_test(test_probe_with_fake_nvml),
		cmocka_unit_test(test_probe_nvml_no_gpus),
		cmocka_unit_test_setup_teardown(test_probe_fake_sysfs, setup_sysfs, teardown_sysfs),
		cmocka_unit_test(test_probe_empty_sysfs),
		cmocka_unit_test_setup_teardown(test_nvml_missing_library, setup_fake_nvml, teardown_fake_nvml),
		cmocka_unit_test_setup_teardown(test_nvml_not_nvml, setup_fake_nvml, teardown_fake_nvml),
		cmocka_unit_test_setup_teardown(test_nvml_init_fails, setup_fake_nvml, teardown_fake_nvml),
		cmocka_unit_test_setup_teardown(test_nvml_fake, setup_fake_nvml, teardown_fake_nvml),
		cmocka_unit_test_setup_teardown(test_nvml_errors, setup_fake_nvml, teardown_fake_nvml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
