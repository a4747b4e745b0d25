/*
 * test_audit.c - the audit probe's readers (probes/audit/) against fake
 * /proc, /sys and /run trees built in a temporary directory: a healthy node,
 * then one fault at a time (swap on, an InfiniBand port down, a NIC on the
 * other NUMA node, nvidia_peermem not loaded); its GPU checks against the
 * stand-in NVML (tests/fakes/fake_nvml.c, a small real shared library playing
 * two H100s: an x8 link, a missing GPU, an NVLink link down), since this
 * machine has no GPU; and its software readers against fake commands (shell
 * scripts on a PATH of their own: a version, a failure, a hang) and libraries
 * that are absent or lack the symbol.
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
#include <time.h>
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

/* ---- modules, OS, firmware ---- */

static void test_modules(void **state)
{
	char *v;

	healthy(*state, 0, 0, 1);
	put(*state, "sys/module/nvidia/version", "580.65.06\n");
	put(*state, "sys/module/nvidia_peermem/version", "580.65.06\n");
	put(*state, "sys/module/tcp_cubic/parameters", NULL); /* in-tree: no version file */
	v = audit_module_version(*state, "nvidia");
	assert_string_equal(v, "580.65.06");
	free(v);
	assert_null(audit_module_version(*state, "tcp_cubic"));
	assert_null(audit_module_version(*state, "nvidia_uvm"));
	/* the fault: nvidia_peermem not loaded (no GPUDirect RDMA) */
	put(*state, "proc/modules", "nvidia 9543680 0 - Live 0x0\nnvidia_peermemx 1 0 - Live 0x0\n");
	assert_int_equal(audit_module_loaded(*state, "nvidia"), 1);
	assert_int_equal(audit_module_loaded(*state, "nvidia_peermem"), 0); /* a longer name is not it */
}

static void test_os_release(void **state)
{
	char *s;

	assert_null(audit_os_release(*state));
	put(*state, "usr/lib/os-release", "NAME=Fallback\nPRETTY_NAME='Fallback OS 1'\n");
	s = audit_os_release(*state);
	assert_string_equal(s, "Fallback OS 1");
	free(s);
	put(*state, "etc/os-release", "NAME=\"Ubuntu\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID=ubuntu\n");
	s = audit_os_release(*state);
	assert_string_equal(s, "Ubuntu 22.04.4 LTS");
	free(s);
}

static void test_hca_firmware(void **state)
{
	struct audit_net n;

	healthy(*state, 0, 0, 1);
	put(*state, "sys/class/infiniband/mlx5_0/fw_ver", "28.39.1002\n");
	audit_net_read(*state, &n);
	assert_int_equal(n.nib, 2);
	assert_string_equal(n.ib[0].fw, "28.39.1002");
	assert_null(n.ib[1].fw);
	audit_net_release(&n);
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

/* The stand-in's HGX baseboard: 18 NVLink links per GPU, all up; and its VBIOS. */
static void test_nvlink_healthy(void **state)
{
	struct audit_gpus gs;
	unsigned int i;

	healthy(*state, 0, 0, 1);
	read_gpus(*state, &gs);
	for (i = 0; i < gs.n; i++) {
		assert_int_equal(gs.g[i].nvlinks, NVML_NVLINK_MAX_LINKS);
		assert_int_equal(gs.g[i].nvlinks_up, 18);
		assert_string_equal(gs.g[i].vbios, "96.00.99.00.01");
	}
	audit_gpus_release(&gs);
}

/* A link down on GPU 1; a node without NVLink (PCIe cards); a VBIOS that differs. */
static void test_nvlink_faults(void **state)
{
	struct audit_gpus gs;

	healthy(*state, 0, 0, 1);
	setenv("FAKE_NVML_NVLINK", "18,17", 1);
	setenv("FAKE_NVML_VBIOS", ",96.00.74.00.1C", 1);
	read_gpus(*state, &gs);
	assert_int_equal(gs.g[0].nvlinks_up, 18);
	assert_int_equal(gs.g[1].nvlinks, 18);
	assert_int_equal(gs.g[1].nvlinks_up, 17);
	assert_string_equal(gs.g[0].vbios, "96.00.99.00.01");
	assert_string_equal(gs.g[1].vbios, "96.00.74.00.1C");
	audit_gpus_release(&gs);
	setenv("FAKE_NVML_NVLINK", "none", 1);
	read_gpus(*state, &gs);
	assert_int_equal(gs.g[0].nvlinks, 0);
	assert_int_equal(gs.g[0].nvlinks_up, 0);
	audit_gpus_release(&gs);
	unsetenv("FAKE_NVML_NVLINK");
	unsetenv("FAKE_NVML_VBIOS");
}

/* A driver without nvmlDeviceGetNvLinkState: unknown (-1), not "no links". */
static void test_nvlink_symbol_missing(void **state)
{
	char *lib = fake_nvml(), err[256];
	struct audit_gpus gs;
	struct nvml nv;

	healthy(*state, 0, 0, 1);
	setenv(NVML_LIB_ENV, lib, 1);
	free(lib);
	if (nvml_open(&nv, err, sizeof(err)))
		fail_msg("%s", err);
	nv.fn[NVML_SYM_DEVICE_NVLINK_STATE] = NULL;
	nv.fn[NVML_SYM_DEVICE_VBIOS_VERSION] = NULL;
	assert_int_equal(audit_gpus_read(&nv, *state, &gs, err, sizeof(err)), 0);
	nvml_close(&nv);
	assert_int_equal(gs.g[0].nvlinks, -1);
	assert_int_equal(gs.g[0].nvlinks_up, -1);
	assert_string_equal(gs.g[0].vbios, "");
	audit_gpus_release(&gs);
}

/* ---- software ---- */

/* An executable shell script root/bin/name. */
static void script(const char *root, const char *name, const char *body)
{
	char *rel = xasprintf("bin/%s", name), *p = xasprintf("%s/bin/%s", root, name), *text;

	text = xasprintf("#!/bin/sh\n%s\n", body);
	put(root, rel, text);
	assert_int_equal(chmod(p, 0755), 0);
	free(text);
	free(rel);
	free(p);
}

static void test_version_text(void **state)
{
	char buf[32], *s;

	(void)state;
	audit_cuda_version_text(13000, buf, sizeof(buf));
	assert_string_equal(buf, "13.0");
	audit_cuda_version_text(12040, buf, sizeof(buf));
	assert_string_equal(buf, "12.4");
	audit_cuda_version_text(-1, buf, sizeof(buf));
	assert_string_equal(buf, "unknown");
	audit_nccl_version_text(22809, buf, sizeof(buf));
	assert_string_equal(buf, "2.28.9");
	audit_nccl_version_text(2804, buf, sizeof(buf)); /* 2.8.4, before the 2.9 encoding */
	assert_string_equal(buf, "2.8.4");
	s = audit_version_token("Docker version 28.2.2, build e6534b4");
	assert_string_equal(s, "28.2.2");
	free(s);
	s = audit_version_token("mpirun (Open MPI) 4.1.4");
	assert_string_equal(s, "4.1.4");
	free(s);
	s = audit_version_token("singularity-ce version v3.11.4-1");
	assert_string_equal(s, "3.11.4-1");
	free(s);
	s = audit_version_token("3.4.1");
	assert_string_equal(s, "3.4.1");
	free(s);
	assert_null(audit_version_token("no digits here"));
	assert_null(audit_version_token(NULL));
	s = audit_mpi_short("Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022");
	assert_string_equal(s, "Open MPI v4.1.4");
	free(s);
	s = audit_mpi_short("MPICH Version:\t4.0.2\nMPICH Release date:\tThu Apr 7 2022\n");
	assert_string_equal(s, "MPICH Version: 4.0.2");
	free(s);
}

static void test_which_and_exec(void **state)
{
	char *bin = xasprintf("%s/bin", (char *)*state), *path = xasprintf("/nonexistent:%s", bin), *p, *line, err[256];
	const char *argv[3] = { NULL, "--version", NULL };
	struct timespec t0, t1;

	script(*state, "docker", "echo 'Docker version 99.1.0, build abc'; echo second line");
	script(*state, "podman", "echo 'podman: broken' >&2; exit 3");
	script(*state, "enroot", "exec sleep 30");
	put(*state, "bin/apptainer/x", ""); /* a directory is not a command */
	put(*state, "bin/notexec", "#!/bin/sh\necho no\n");
	assert_null(audit_which(path, "notexec"));
	assert_null(audit_which(path, "apptainer"));
	assert_null(audit_which(NULL, "docker"));
	p = audit_which(path, "docker");
	assert_non_null(p);
	argv[0] = p;
	line = audit_exec_line(argv, 5, err, sizeof(err));
	assert_string_equal(line, "Docker version 99.1.0, build abc");
	free(line);
	free(p);
	p = audit_which(path, "podman");
	argv[0] = p;
	assert_null(audit_exec_line(argv, 5, err, sizeof(err)));
	assert_non_null(strstr(err, "exited with status 3"));
	free(p);
	/* a command that hangs is killed at the timeout, with its process group */
	p = audit_which(path, "enroot");
	argv[0] = p;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_null(audit_exec_line(argv, 0.3, err, sizeof(err)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(err, "did not answer within 0.3s"));
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	free(p);
	argv[0] = "/nonexistent/docker";
	assert_null(audit_exec_line(argv, 5, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot execute"));
	free(path);
	free(bin);
}

static const char *const no_libs[] = { "/nonexistent/libx.so", NULL };

/* Containers and MPI (through mpirun: no MPI library here) from fake commands; no CUDA, no NCCL. */
static void test_software_fake(void **state)
{
	char *bin = xasprintf("%s/bin", (char *)*state), *lib = fake_nvml();
	const char *nvml_only[] = { lib, NULL }; /* loads, but has no cudaRuntimeGetVersion */
	struct audit_sw_sources src = { nvml_only, no_libs, no_libs, bin, 0.5 };
	struct audit_software s;
	size_t i;

	script(*state, "docker", "echo 'Docker version 27.5.1, build 9f9e405'");
	script(*state, "enroot", "[ \"$1\" = version ] && echo 3.4.1");
	script(*state, "apptainer", "exec sleep 30");
	script(*state, "mpirun", "echo 'mpirun (Open MPI) 5.0.3'; echo; echo 'Report bugs to ...'");
	audit_software_read(&src, &s);
	assert_int_equal(s.cuda_runtime, -1);
	assert_null(s.cuda_runtime_lib);
	assert_int_equal(s.nccl, -1);
	assert_string_equal(s.mpi, "mpirun (Open MPI) 5.0.3");
	assert_non_null(strstr(s.mpi_source, "mpirun --version"));
	for (i = 0; i < AUDIT_CONTAINER_KINDS; i++) {
		const struct audit_container *c = &s.containers[i];

		assert_string_equal(c->name, audit_container_kinds[i].name);
		if (!strcmp(c->name, "docker"))
			assert_string_equal(c->version, "27.5.1");
		else if (!strcmp(c->name, "enroot"))
			assert_string_equal(c->version, "3.4.1");
		else if (!strcmp(c->name, "apptainer"))
			assert_true(c->path && !c->version && strstr(c->reason, "did not answer"));
		else
			assert_true(!c->path && !c->version && !c->reason); /* podman, singularity: absent */
	}
	audit_software_release(&s);
	/* nothing at all: no libraries, no commands */
	src.cudart_libs = no_libs;
	src.path = "/nonexistent";
	audit_software_read(&src, &s);
	assert_null(s.mpi);
	assert_string_equal(s.mpi_reason, "no MPI library loads and no mpirun on PATH");
	assert_null(s.containers[0].path);
	audit_software_release(&s);
	free(lib);
	free(bin);
}

/* The real libraries where this machine has them (the CUDA toolkit has no GPU to need). */
static void test_software_real_libs(void **state)
{
	static const char *const cudart[] = { "/usr/local/cuda/lib64/libcudart.so", NULL };
	char *lib = NULL;
	int v = -1;

	(void)state;
	if (access(cudart[0], R_OK))
		skip();
	assert_int_equal(audit_lib_version(cudart, "cudaRuntimeGetVersion", &v, &lib), 0);
	assert_true(v >= 10000);
	assert_string_equal(lib, cudart[0]);
	free(lib);
	assert_int_equal(audit_lib_version(no_libs, "cudaRuntimeGetVersion", &v, &lib), -1);
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
		cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_os_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hca_firmware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvlink_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvlink_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvlink_symbol_missing, setup, teardown),
		cmocka_unit_test(test_version_text),
		cmocka_unit_test_setup_teardown(test_which_and_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_software_fake, setup, teardown),
		cmocka_unit_test(test_software_real_libs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
