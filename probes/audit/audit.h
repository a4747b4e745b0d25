/*
 * audit.h - the parts of the audit probe: readers that gather the node's
 * configuration into plain structs, and audit.c, which turns them into
 * metrics (one per check) and env facts.
 *
 * Every reader takes the root of the file system it reads (the probe's
 * `root` parameter, "/" by default): root/proc/..., root/sys/..., root/run/...
 * so the tests run them against a fake tree built in a temporary directory.
 * None of them needs the probe library; they are linked into the unit test.
 * Numbers that could not be read are -1 (or NAN for doubles), strings NULL.
 *
 * Sources, relative to the root:
 *   proc/meminfo                              MemTotal, SwapTotal, SwapFree, HugePages_Total, Hugepagesize
 *   proc/sys/vm/swappiness                    0..200
 *   proc/sys/kernel/numa_balancing            0 off, 1 (or 2, 3: memory tiering) on
 *   proc/sys/kernel/osrelease                 kernel version
 *   etc/os-release (or usr/lib/os-release)    PRETTY_NAME: the distribution
 *   proc/modules                              loaded kernel modules (first field)
 *   sys/module/<name>/version                 a module's version (out-of-tree modules: nvidia, nvidia_peermem)
 *   proc/mounts                               file system type of a required mount
 *   sys/kernel/mm/transparent_hugepage/enabled   "always [madvise] never"
 *   sys/devices/system/cpu/cpu<N>/cpufreq/scaling_governor
 *   run/systemd/timesync/synchronized         present once systemd-timesyncd has synchronised
 *   sys/class/infiniband/<dev>/ports/<p>/{state,rate,link_layer}, <dev>/device (PCI device, numa_node),
 *     <dev>/fw_ver (the HCA's firmware)
 *   sys/class/net/<if>/{speed,mtu,operstate,type}, <if>/device (physical interfaces only)
 *   sys/bus/pci/devices/<addr>/numa_node      a GPU's NUMA node (the address from NVML)
 * and, only when root is "/", the kernel's NTP state (ntp_adjtime).
 *
 * Not under the root (software.c): libraries found by the dynamic loader
 * (libcudart, libnccl, libmpi; each list overridable with one path in
 * SHAKEDOWN_CUDART_LIB, SHAKEDOWN_NCCL_LIB, SHAKEDOWN_MPI_LIB) and commands
 * found on a PATH string the caller passes (container runtimes, mpirun).
 */
#ifndef SD_AUDIT_H
#define SD_AUDIT_H

#include <stddef.h>

struct nvml;

/* util.c - files under a root. */

/* root + "/" + the formatted relative path. Caller frees. */
__attribute__((format(printf, 2, 3))) char *audit_path(const char *root, const char *fmt, ...);
/* The first line of root/rel, trailing white space removed; NULL when unreadable. Caller frees. */
__attribute__((format(printf, 2, 3))) char *audit_line(const char *root, const char *fmt, ...);
/* The first line of root/rel as an integer; -1 when unreadable or not a number. */
__attribute__((format(printf, 2, 3))) long long audit_ll(const char *root, const char *fmt, ...);
/* Entries of root/rel except "." and "..", in natural order; the count, or -1. *names: names_free() (sysfile.h). */
int audit_names(const char *root, const char *rel, char ***names);

/* host.c */
struct audit_host {
	long long mem_total, swap_total, swap_free; /* bytes */
	long long hugepages_total, hugepage_size;   /* pages of the default size; bytes */
	long long swappiness;
	long long numa_balancing;
	char *thp;	     /* "always", "madvise", "never" */
	char *governor;	     /* the governor of every CPU, or "mixed" */
	int governor_cpus;   /* CPUs with cpufreq; 0: no cpufreq (VM, container) */
	int governor_perf;   /* CPUs whose governor is "performance" */
	char *kernel;	     /* osrelease */
	char *os;	     /* PRETTY_NAME of etc/os-release */
	int clock_synced;    /* 1, 0, -1 unknown */
	double clock_offset; /* seconds; NAN unknown */
	char *clock_source;  /* "timesyncd", "kernel" (ntp_adjtime), or why unknown */
};
void audit_host_read(const char *root, struct audit_host *h);
void audit_host_release(struct audit_host *h);

/* "always [madvise] never" -> "madvise" (the bracketed word); NULL when none. Caller frees. */
char *audit_bracketed(const char *s);
/* Whether module name is loaded (root/proc/modules): 1, 0; -1 when the file is unreadable. */
int audit_module_loaded(const char *root, const char *name);
/* root/sys/module/<name>/version ("580.65.06"); NULL when absent (in-tree modules have none). Caller frees. */
char *audit_module_version(const char *root, const char *name);
/* PRETTY_NAME from root/etc/os-release, else root/usr/lib/os-release, unquoted; NULL. Caller frees. */
char *audit_os_release(const char *root);

struct audit_mount {
	char *path;	  /* as asked: "/data" */
	int present;	  /* a directory there */
	int writable;	  /* a file could be created and removed in it */
	long long free;	  /* bytes available to an unprivileged user; -1 unknown */
	char *fstype;	  /* from proc/mounts, the longest mount point containing path; NULL unknown */
	char *mountpoint; /* that mount point */
	char reason[160]; /* why not ok */
};
/* Check root + path. m->path is a copy of path. */
void audit_mount_check(const char *root, const char *path, struct audit_mount *m);
void audit_mount_release(struct audit_mount *m);

/* net.c */
struct audit_ib_port {
	char *device; /* "mlx5_0" */
	int port;
	char *state;	  /* "ACTIVE", "DOWN" ... */
	int active;	  /* state is ACTIVE */
	double rate;	  /* bytes per second; 0 unknown */
	char *rate_text;  /* "400 Gb/sec (4X NDR)" */
	char *link_layer; /* "InfiniBand" or "Ethernet" (RoCE) */
	int numa;	  /* of the HCA's PCI device; -1 unknown */
	char *pci_path;	  /* its PCI device path under sys/devices ("pci0000:17/0000:17:01.0/0000:18:00.0"); NULL */
	char *fw;	  /* the HCA's firmware version (<dev>/fw_ver, "28.39.1002"); NULL */
};
struct audit_eth {
	char *name;
	char *operstate;
	double speed; /* bytes per second; 0: down or unknown */
	long long mtu;
	int up;
};
struct audit_net {
	struct audit_ib_port *ib;
	size_t nib;
	struct audit_eth *eth; /* physical, non-InfiniBand interfaces (those with a device link, type 1) */
	size_t neth;
};
void audit_net_read(const char *root, struct audit_net *n);
void audit_net_release(struct audit_net *n);
/* "400 Gb/sec (4X NDR)" -> 5e10 bytes per second; 0 when not a rate. */
double audit_ib_rate(const char *s);
/* The PCI path of the device behind root/<rel> (a symlink into sys/devices), from after "devices/"; NULL. */
char *audit_pci_path(const char *root, const char *rel);

/* gpu.c */
struct audit_gpu {
	char name[96];
	char uuid[96];
	char bus_id[32]; /* sysfs form: "0000:18:00.0" */
	long long memory;
	int ecc, ecc_pending;
	int gen, gen_max, width, width_max;
	int degraded; /* width below its maximum; -1 unknown */
	int persistence, mig, mig_pending, compute_mode;
	int retired_pending;
	int remap_pending, remap_failure;
	int numa; /* from sysfs; -1 unknown */
	char *pci_path;
	int nvlinks;	/* NVLink links NVML answers for (0: none, a PCIe card); -1 unknown */
	int nvlinks_up; /* of those, active; -1 unknown */
	char vbios[32]; /* "" unknown */
};
struct audit_gpus {
	struct audit_gpu *g;
	unsigned int n;
	char driver[80];
	int cuda_driver; /* 1000 * major + 10 * minor; -1 */
};
/* Read every GPU NVML reports. Returns 0, or -1 with the reason in err. */
int audit_gpus_read(struct nvml *nv, const char *root, struct audit_gpus *out, char *err, size_t len);
void audit_gpus_release(struct audit_gpus *out);
/* NVML's "00000000:18:00.0" -> sysfs's "0000:18:00.0" in out. */
void audit_sysfs_bus_id(const char *nvml_bus_id, char *out, size_t len);

/* Topology: a GPU against a NIC, in nvidia-smi topo's words. */
enum audit_affinity {
	AFF_PIX,  /* behind a common PCIe bridge or switch below the root port */
	AFF_PHB,  /* under the same PCIe host bridge */
	AFF_NODE, /* different host bridges, same NUMA node */
	AFF_SYS,  /* different NUMA nodes (across the socket interconnect) */
};
const char *audit_affinity_name(enum audit_affinity a);
/* numa -1 means unknown; with both unknown the host is taken as one node. */
enum audit_affinity audit_affinity(const char *gpu_path, int gpu_numa, const char *nic_path, int nic_numa);
/* The index of the nearest of n NICs (the best affinity, then the lowest index); -1 when n is 0. */
int audit_nearest_nic(const struct audit_gpu *g, const struct audit_ib_port *ib, size_t n);

/* software.c */
#define AUDIT_CUDART_LIB_ENV "SHAKEDOWN_CUDART_LIB"
#define AUDIT_NCCL_LIB_ENV "SHAKEDOWN_NCCL_LIB"
#define AUDIT_MPI_LIB_ENV "SHAKEDOWN_MPI_LIB"

/* Where the software readers look; audit_software_sources() fills the defaults. Borrowed. */
struct audit_sw_sources {
	const char *const *cudart_libs; /* dlopen names, tried in order; NULL-terminated */
	const char *const *nccl_libs;
	const char *const *mpi_libs;
	const char *path; /* colon-separated directories searched for commands (PATH); NULL: none */
	double timeout_s; /* per command */
};
/* The default libraries (or the one path of each override variable) and getenv("PATH"), 3 s per command. */
void audit_software_sources(struct audit_sw_sources *src);

/* The container runtimes looked for, and the argument that prints the version. */
struct audit_container_kind {
	const char *name, *version_arg;
};
#define AUDIT_CONTAINER_KINDS 5 /* docker, podman, enroot, apptainer, singularity */
extern const struct audit_container_kind audit_container_kinds[AUDIT_CONTAINER_KINDS + 1];

struct audit_container {
	const char *name; /* static: "docker" */
	char *path;	  /* found on PATH; NULL: absent */
	char *line;	  /* the first line its version command printed; NULL */
	char *version;	  /* the version in it ("28.2.2"); NULL */
	char *reason;	  /* why there is no version although it is present; NULL */
};

struct audit_software {
	int cuda_runtime;	/* cudaRuntimeGetVersion: 1000 * major + 10 * minor; -1 none */
	char *cuda_runtime_lib; /* the library that answered */
	int nccl;		/* ncclGetVersion (NCCL_VERSION_CODE); -1 none */
	char *nccl_lib;
	char *mpi;	  /* "Open MPI v4.1.4": the first clause of the library's version, or mpirun's line; NULL */
	char *mpi_full;	  /* MPI_Get_library_version's whole text, or mpirun --version's first line */
	char *mpi_source; /* the library, or "PATH/mpirun --version" */
	char *mpi_reason; /* why there is none */
	struct audit_container containers[AUDIT_CONTAINER_KINDS]; /* in audit_container_kinds' order */
};
void audit_software_read(const struct audit_sw_sources *src, struct audit_software *s);
void audit_software_release(struct audit_software *s);

/* The first of libs that loads, exports symbol (int symbol(int *)) and answers 0 with a positive version. */
int audit_lib_version(const char *const *libs, const char *symbol, int *version, char **lib);
/* MPI_Get_library_version from the first of libs that has it (no MPI_Init needed); NULL. Caller frees both. */
char *audit_lib_mpi_version(const char *const *libs, char **lib);
/* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4": up to the first comma or newline, tabs as spaces. */
char *audit_mpi_short(const char *s);
/* The first dir/name in the colon-separated path that is executable; NULL. Caller frees. */
char *audit_which(const char *path, const char *name);
/*
 * Run argv (argv[0] a path; no shell, no PATH search) with stdin and stderr on
 * /dev/null in a process group of its own; kill the group after timeout_s.
 * Returns the first non-empty line of its stdout when it exited with status 0,
 * else NULL with the reason in err. Caller frees.
 */
char *audit_exec_line(const char *const *argv, double timeout_s, char *err, size_t len);
/* The first word that starts with a digit (or 'v' and a digit), trailing punctuation dropped: "28.2.2". */
char *audit_version_token(const char *line);
/* 13000 -> "13.0", 12040 -> "12.4"; NVML's and cudaRuntimeGetVersion's encoding. */
void audit_cuda_version_text(int v, char *buf, size_t len);
/* 22809 -> "2.28.9" (2.9 and later: major*10000+minor*100+patch; before: major*1000+minor*100+patch). */
void audit_nccl_version_text(int v, char *buf, size_t len);

#endif
