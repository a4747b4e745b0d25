/*
 * test_audit.c - the audit probe's readers (probes/audit/) against fake
 * /proc, /sys and /run trees built in a temporary directory: a healthy node,
 * then one fault at a time (swap on, an InfiniBand port down, a NIC on the
 * other NUMA node); and its GPU checks against the stand-in NVML
 * (tests/fakes/fake_nvml.c, a small real shared library playing two H100s:
 * an x8 link, a missing GPU), since this machine has no GPU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "nvml.h"
#include "xalloc.h"

/* ---- the fake tree ---- */

static void mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
	free(p);
}

/* Write root/rel with content (a directory when content is NULL). */
static void put(const char *root, const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", root, rel), *slash;
	FILE *fp;

	if (!content) {
		mkdirs(p);
		free(p);
		return;
	}
	slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(p);
	*slash = '/';
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
	free(p);
}

/* root/rel -> root/target (absolute). */
static void link_to(const char *root, const char *rel, const char *target)
{
	char *p = xasprintf("%s/%s", root, rel), *t = xasprintf("%s/%s", root, target), *slash;

	slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(p);
	*slash = '/';
	assert_int_equal(symlink(t, p), 0);
	free(p);
	free(t);
}

/* A PCI device at sys/devices/<path> with a numa_node, linked from sys/bus/pci/devices/<addr>. */
static void pci_device(const char *root, const char *path, int numa)
{
	char *rel = xasprintf("sys/devices/%s/numa_node", path), num[16], *bus;
	const char *addr = strrchr(path, '/') + 1;

	snprintf(num, sizeof(num), "%d\n", numa);
	put(root, rel, num);
	free(rel);
	rel = xasprintf("sys/bus/pci/devices/%s", addr);
	bus = xasprintf("sys/devices/%s", path);
	link_to(root, rel, bus);
	free(rel);
	free(bus);
}

static void ib_port(const char *root, const char *dev, const char *pci_path, const char *state, const char *rate)
{
	char *p = xasprintf("sys/class/infiniband/%s/ports/1/state", dev), *t;

	put(root, p, state);
	free(p);
	p = xasprintf("sys/class/infiniband/%s/ports/1/rate", dev);
	put(root, p, rate);
	free(p);
	p = xasprintf("sys/class/infiniband/%s/ports/1/link_layer", dev);
	put(root, p, "InfiniBand\n");
	free(p);
	p = xasprintf("sys/class/infiniband/%s/device", dev);
	t = xasprintf("sys/devices/%s", pci_path);
	link_to(root, p, t);
	free(p);
	free(t);
}

#define GPU0_PATH "pci0000:17/0000:17:01.0/0000:18:00.0"
#define NIC0_PATH "pci0000:17/0000:17:01.0/0000:19:00.0"
#define GPU1_PATH "pci0000:29/0000:29:01.0/0000:2a:00.0"
#define NIC1_PATH "pci0000:29/0000:29:01.0/0000:2b:00.0"

/* A healthy two-socket node with two GPUs, each with an NDR HCA behind its own PCIe root port. */
static void healthy(const char *root, int swap, int port1_down, int nic1)
{
	char meminfo[256];

	snprintf(meminfo, sizeof(meminfo),
		 "MemTotal:       2113680424 kB\nMemFree:        2000000000 kB\nSwapTotal:      %d kB\n"
		 "SwapFree:       %d kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n",
		 swap ? 8388604 : 0, swap ? 8000000 : 0);
	put(root, "proc/meminfo", meminfo);
	put(root, "proc/sys/vm/swappiness", "1\n");
	put(root, "proc/sys/kernel/numa_balancing", "0\n");
	put(root, "proc/sys/kernel/osrelease", "6.8.0-45-generic\n");
	put(root, "proc/modules",
	    "nvidia_peermem 16384 0 - Live 0x0000000000000000 (OE)\nnvidia 9543680 1 nvidia_peermem, Live 0x0\n");
	put(root, "proc/mounts", "/dev/sda1 / ext4 rw 0 0\nfs:/data /data nfs4 rw 0 0\n");
	put(root, "data", NULL);
	put(root, "sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
	put(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
	put(root, "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
	put(root, "run/systemd/timesync/synchronized", "");
	pci_device(root, GPU0_PATH, 0);
	pci_device(root, GPU1_PATH, 1);
	pci_device(root, NIC0_PATH, 0);
	ib_port(root, "mlx5_0", NIC0_PATH, "4: ACTIVE\n", "400 Gb/sec (4X NDR)\n");
	if (nic1) {
		pci_device(root, NIC1_PATH, 1);
		ib_port(root, "mlx5_1", NIC1_PATH, port1_down ? "1: DOWN\n" : "4: ACTIVE\n",
			port1_down ? "10 Gb/sec (4X SDR)\n" : "400 Gb/sec (4X NDR)\n");
	}
	put(root, "sys/class/net/ens1f0/device/vendor", "0x15b3\n");
	put(root, "sys/class/net/ens1f0/type", "1\n");
	put(root, "sys/class/net/ens1f0/operstate", "up\n");
	put(root, "sys/class/net/ens1f0/speed", "100000\n");
	put(root, "sys/class/net/ens1f0/mtu", "9000\n");
	put(root, "sys/class/net/ib0/device/vendor", "0x15b3\n");
	put(root, "sys/class/net/ib0/type", "32\n");
	put(root, "sys/class/net/lo/type", "772\n");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-audit.XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

/* ---- host ---- */

static void test_host_healthy(void **state)
{
	struct audit_host h;

	healthy(*state, 0, 0, 1);
	audit_host_read(*state, &h);
	assert_int_equal(h.mem_total, 2113680424LL * 1024);
	assert_int_equal(h.swap_total, 0);
	assert_int_equal(h.swappiness, 1);
	assert_int_equal(h.numa_balancing, 0);
	assert_int_equal(h.hugepage_size, 2 << 20);
	assert_string_equal(h.thp, "always");
	assert_string_equal(h.governor, "performance");
	assert_int_equal(h.governor_cpus, 2);
	assert_int_equal(h.governor_perf, 2);
	assert_string_equal(h.kernel, "6.8.0-45-generic");
	assert_int_equal(h.clock_synced, 1);
	assert_string_equal(h.clock_source, "timesyncd");
	audit_host_release(&h);
	assert_int_equal(audit_module_loaded(*state, "nvidia"), 1);
	assert_int_equal(audit_module_loaded(*state, "nvidia_peermem"), 1);
	assert_int_equal(audit_module_loaded(*state, "nvidia_uvm"), 0);
}

static void test_host_faults(void **state)
{
	struct audit_host h;

	healthy(*state, 1, 0, 1);
	put(*state, "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
	put(*state, "sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
	{
		char *p = audit_path(*state, "run/systemd/timesync/synchronized");

		unlink(p);
		free(p);
	}
	audit_host_read(*state, &h);
	assert_int_equal(h.swap_total, 8388604LL * 1024);
	assert_int_equal(h.swap_total - h.swap_free, (8388604LL - 8000000) * 1024);
	assert_string_equal(h.governor, "mixed");
	assert_int_equal(h.governor_perf, 1);
	assert_string_equal(h.thp, "never");
	assert_int_equal(h.clock_synced, -1); /* a fake root: no ntp_adjtime, unknown */
	assert_true(isnan(h.clock_offset));
	audit_host_release(&h);
}

static void test_empty_root(void **state)
{
	struct audit_host h;
	struct audit_net n;

	audit_host_read(*state, &h);
	assert_int_equal(h.mem_total, -1);
	assert_null(h.thp);
	assert_null(h.kernel);
	assert_int_equal(h.governor_cpus, 0);
	audit_host_release(&h);
	assert_int_equal(audit_module_loaded(*state, "nvidia"), -1);
	audit_net_read(*state, &n);
	assert_int_equal(n.nib, 0);
	assert_int_equal(n.neth, 0);
	audit_net_release(&n);
}

static void test_mounts(void **state)
{
	struct audit_mount m;

	healthy(*state, 0, 0, 1);
	audit_mount_check(*state, "/data", &m);
	assert_true(m.present);
	assert_true(m.writable);
	assert_true(m.free > 0);
	assert_string_equal(m.mountpoint, "/data");
	assert_string_equal(m.fstype, "nfs4");
	audit_mount_release(&m);
	audit_mount_check(*state, "/scratch", &m);
	assert_false(m.present);
	assert_false(m.writable);
	assert_non_null(strstr(m.reason, "'/scratch' is not a directory"));
	assert_string_equal(m.mountpoint, "/");
	audit_mount_release(&m);
}

static void test_parsers(void **state)
{
	char *s;

	(void)state;
	assert_true(fabs(audit_ib_rate("400 Gb/sec (4X NDR)") - 5e10) < 1);
	assert_true(fabs(audit_ib_rate("200 Gb/sec (2X NDR)") - 2.5e10) < 1);
	assert_true(audit_ib_rate("junk") == 0);
	assert_true(audit_ib_rate(NULL) == 0);
	s = audit_bracketed("always [madvise] never");
	assert_string_equal(s, "madvise");
	free(s);
	assert_null(audit_bracketed("always madvise never"));
	{
		char bus[32];

		audit_sysfs_bus_id("00000000:2A:00.0", bus, sizeof(bus));
		assert_string_equal(bus, "0000:2a:00.0");
	}
}

/* ---- network ---- */

static void test_net_healthy(void **state)
{
	struct audit_net n;

	healthy(*state, 0, 0, 1);
	audit_net_read(*state, &n);
	assert_int_equal(n.nib, 2);
	assert_string_equal(n.ib[0].device, "mlx5_0");
	assert_int_equal(n.ib[0].port, 1);
	assert_true(n.ib[0].active && n.ib[1].active);
	assert_true(fabs(n.ib[1].rate - 5e10) < 1);
	assert_int_equal(n.ib[0].numa, 0);
	assert_int_equal(n.ib[1].numa, 1);
	assert_string_equal(n.ib[0].pci_path, NIC0_PATH);
	assert_int_equal(n.neth, 1); /* ens1f0 only: ib0 is IPoIB, lo has no device */
	assert_string_equal(n.eth[0].name, "ens1f0");
	assert_true(n.eth[0].up);
	assert_true(fabs(n.eth[0].speed - 100000 * 1e6 / 8) < 1);
	assert_int_equal(n.eth[0].mtu, 9000);
	audit_net_release(&n);
}

static void test_net_port_down(void **state)
{
	struct audit_net n;

	healthy(*state, 0, 1, 1);
	audit_net_read(*state, &n);
	assert_int_equal(n.nib, 2);
	assert_true(n.ib[0].active);
	assert_false(n.ib[1].active);
	assert_string_equal(n.ib[1].state, "DOWN");
	audit_net_release(&n);
}

/* ---- topology ---- */

static void test_affinity(void **state)
{
	(void)state;
	assert_int_equal(audit_affinity(GPU0_PATH, 0, NIC0_PATH, 0), AFF_PIX);
	assert_int_equal(audit_affinity(GPU0_PATH, 0, "pci0000:17/0000:17:02.0/0000:1a:00.0", 0), AFF_PHB);
	assert_int_equal(audit_affinity(GPU0_PATH, 0, "pci0000:20/0000:20:01.0/0000:21:00.0", 0), AFF_NODE);
	assert_int_equal(audit_affinity(GPU0_PATH, 0, NIC1_PATH, 1), AFF_SYS);
	assert_int_equal(audit_affinity(NULL, -1, NULL, -1), AFF_NODE); /* one node, no paths */
	assert_string_equal(audit_affinity_name(AFF_SYS), "SYS");
}

/* ---- GPUs through the stand-in NVML ---- */

/* $SD_BUILD, or the build dir this binary lies in (<build>/tests/unit/test_audit). Caller frees. */
static char *fake_nvml(void)
{
	const char *env = getenv("SD_BUILD");
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;
	int up;

	if (env && *env)
		return xasprintf("%s/tests/fakes/libnvml.so", env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	for (up = 0; up < 3 && (slash = strrchr(exe, '/')); up++)
		*slash = '\0';
	p = xasprintf("%s/tests/fakes/libnvml.so", exe);
	if (access(p, R_OK))
		fail_msg("'%s' is not built: run make tests", p);
	return p;
}

static void read_gpus(const char *root, struct audit_gpus *gs)
{
	char *lib = fake_nvml(), err[256];
	struct nvml nv;

	setenv(NVML_LIB_ENV, lib, 1);
	free(lib);
	if (nvml_open(&nv, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(audit_gpus_read(&nv, root, gs, err, sizeof(err)), 0);
	nvml_close(&nv);
}

static void test_gpus_healthy(void **state)
{
	struct audit_gpus gs;
	struct audit_net n;
	unsigned int i;

	healthy(*state, 0, 0, 1);
	setenv("FAKE_NVML_PCIE", "5x16,5x16", 1);
	read_gpus(*state, &gs);
	unsetenv("FAKE_NVML_PCIE");
	assert_int_equal(gs.n, 2);
	assert_string_equal(gs.driver, "580.65.06");
	assert_int_equal(gs.cuda_driver, 13000);
	audit_net_read(*state, &n);
	for (i = 0; i < 2; i++) {
		assert_string_equal(gs.g[i].name, "NVIDIA H100 80GB HBM3");
		assert_int_equal(gs.g[i].memory, 80LL << 30);
		assert_int_equal(gs.g[i].ecc, 1);
		assert_int_equal(gs.g[i].width, 16);
		assert_int_equal(gs.g[i].degraded, 0);
		assert_int_equal(gs.g[i].persistence, 1);
		assert_int_equal(gs.g[i].mig, 0);
		assert_int_equal(gs.g[i].compute_mode, 0);
		assert_int_equal(gs.g[i].retired_pending, -1); /* Not Supported on an H100, as in the stand-in */
		assert_int_equal(gs.g[i].remap_pending, 0);
		assert_int_equal(gs.g[i].numa, (int)i);
		assert_int_equal(audit_nearest_nic(&gs.g[i], n.ib, n.nib), (int)i);
	}
	assert_string_equal(gs.g[1].bus_id, "0000:2a:00.0");
	assert_string_equal(gs.g[1].pci_path, GPU1_PATH);
	audit_net_release(&n);
	audit_gpus_release(&gs);
}

/* The stand-in's default: GPU 1 trained at gen 4 x8 of gen 5 x16; and the other settings off. */
static void test_gpus_faults(void **state)
{
	struct audit_gpus gs;

	healthy(*state, 0, 0, 1);
	setenv("FAKE_NVML_PERSISTENCE", "0", 1);
	setenv("FAKE_NVML_MIG", "1", 1);
	setenv("FAKE_NVML_ECC", "0", 1);
	setenv("FAKE_NVML_REMAP_PENDING", "1", 1);
	read_gpus(*state, &gs);
	unsetenv("FAKE_NVML_PERSISTENCE");
	unsetenv("FAKE_NVML_MIG");
	unsetenv("FAKE_NVML_ECC");
	unsetenv("FAKE_NVML_REMAP_PENDING");
	assert_int_equal(gs.n, 2);
	assert_int_equal(gs.g[0].degraded, 0);
	assert_int_equal(gs.g[1].degraded, 1);
	assert_int_equal(gs.g[1].width, 8);
	assert_int_equal(gs.g[1].width_max, 16);
	assert_int_equal(gs.g[0].persistence, 0);
	assert_int_equal(gs.g[0].mig, 1);
	assert_int_equal(gs.g[0].ecc, 0);
	assert_int_equal(gs.g[0].remap_pending, 1);
	assert_int_equal(gs.g[1].remap_pending, 0);
	audit_gpus_release(&gs);
}

static void test_gpu_missing(void **state)
{
	struct audit_gpus gs;

	healthy(*state, 0, 0, 1);
	setenv("FAKE_NVML_GPUS", "1", 1);
	read_gpus(*state, &gs);
	unsetenv("FAKE_NVML_GPUS");
	assert_int_equal(gs.n, 1);
	audit_gpus_release(&gs);
}

/* Only mlx5_0 (NUMA 0): GPU 1 (NUMA 1) has its nearest NIC across the sockets. */
static void test_numa_far_nic(void **state)
{
	struct audit_gpus gs;
	struct audit_net n;
	int k;

	healthy(*state, 0, 0, 0);
	read_gpus(*state, &gs);
	audit_net_read(*state, &n);
	assert_int_equal(n.nib, 1);
	k = audit_nearest_nic(&gs.g[1], n.ib, n.nib);
	assert_int_equal(k, 0);
	assert_int_equal(audit_affinity(gs.g[1].pci_path, gs.g[1].numa, n.ib[k].pci_path, n.ib[k].numa), AFF_SYS);
	assert_int_equal(audit_affinity(gs.g[0].pci_path, gs.g[0].numa, n.ib[0].pci_path, n.ib[0].numa), AFF_PIX);
	audit_net_release(&n);
	audit_gpus_release(&gs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mounts, setup, teardown),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test_setup_teardown(test_net_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_port_down, setup, teardown),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test_setup_teardown(test_gpus_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpus_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpu_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numa_far_nic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
