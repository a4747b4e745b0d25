/*
 * pci.c - the PCI devices a GPU cluster cares about, from sysfs
 * (bus/pci/devices/<address>/): NVIDIA GPUs and NVSwitches, network and
 * InfiniBand adapters, NVMe drives; with ids, NUMA node, driver and the PCIe
 * link as trained now against the most it supports.
 */
#include "sysinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_VENDOR_NVIDIA 0x10de

/* First match wins: InfiniBand (0x0207) before any network controller (0x02xx). */
static const struct pci_kind {
	const char *kind;
	unsigned int vendor; /* 0: any vendor */
	unsigned int class;  /* the class file: base << 16 | sub << 8 | prog-if */
	unsigned int mask;
} kinds[] = {
	{ "gpu", PCI_VENDOR_NVIDIA, 0x030000, 0xff0000 }, /* display: VGA 0x0300, 3D 0x0302 */
	{ "nvswitch", PCI_VENDOR_NVIDIA, 0x068000, 0xffff00 },
	{ "infiniband", 0, 0x020700, 0xffff00 },
	{ "network", 0, 0x020000, 0xff0000 },
	{ "nvme", 0, 0x010800, 0xffff00 },
};

static const char *pci_kind(long long vendor, long long class)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((!kinds[i].vendor || kinds[i].vendor == vendor) && (class & kinds[i].mask) == kinds[i].class)
			return kinds[i].kind;
	return NULL;
}

/* PCIe generation from a link speed file ("16.0 GT/s PCIe", "8 GT/s"); 0 when unknown. */
static int pcie_gen(const char *speed)
{
	static const struct {
		double gts;
		int gen;
	} gens[] = { { 2.5, 1 }, { 5, 2 }, { 8, 3 }, { 16, 4 }, { 32, 5 }, { 64, 6 } };
	double v = speed ? strtod(speed, NULL) : 0;
	size_t i;

	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (v > gens[i].gts * 0.9 && v < gens[i].gts * 1.1)
			return gens[i].gen;
	return 0;
}

static void add_gen(cJSON *link, const char *key, const char *speed)
{
	int gen = pcie_gen(speed);

	if (gen)
		cJSON_AddNumberToObject(link, key, gen);
	else
		cJSON_AddNullToObject(link, key);
}

/*
 * The link, or null when sysfs has no link files (virtual devices). Only a
 * narrower width counts as degraded: devices lower the speed when idle.
 */
static cJSON *link_json(const char *addr)
{
	char *cur_speed, *max_speed, *p;
	long long cur_w = -1, max_w = -1;
	cJSON *link;

	p = sysfs_path("bus/pci/devices/%s/current_link_width", addr);
	read_ll(p, &cur_w);
	free(p);
	p = sysfs_path("bus/pci/devices/%s/max_link_width", addr);
	read_ll(p, &max_w);
	free(p);
	p = sysfs_path("bus/pci/devices/%s/current_link_speed", addr);
	cur_speed = read_line(p);
	free(p);
	p = sysfs_path("bus/pci/devices/%s/max_link_speed", addr);
	max_speed = read_line(p);
	free(p);
	if (!cur_speed && !max_speed && cur_w < 0 && max_w < 0)
		return cJSON_CreateNull();
	link = cJSON_CreateObject();
	add_gen(link, "gen_current", cur_speed);
	add_gen(link, "gen_max", max_speed);
	cJSON_AddItemToObject(link, "width_current", cur_w > 0 ? cJSON_CreateNumber(cur_w) : cJSON_CreateNull());
	cJSON_AddItemToObject(link, "width_max", max_w > 0 ? cJSON_CreateNumber(max_w) : cJSON_CreateNull());
	json_str(link, "speed_current", cur_speed);
	json_str(link, "speed_max", max_speed);
	if (cur_w > 0 && max_w > 0)
		cJSON_AddBoolToObject(link, "degraded", cur_w < max_w);
	else
		cJSON_AddNullToObject(link, "degraded");
	free(cur_speed);
	free(max_speed);
	return link;
}

static cJSON *device_json(const char *addr, const char *kind, long long vendor, long long device, long long class)
{
	cJSON *o = cJSON_CreateObject();
	char hex[16], *p, *driver;
	long long numa;

	cJSON_AddStringToObject(o, "address", addr);
	cJSON_AddStringToObject(o, "kind", kind);
	snprintf(hex, sizeof(hex), "0x%04llx", vendor);
	cJSON_AddStringToObject(o, "vendor", hex);
	snprintf(hex, sizeof(hex), "0x%04llx", device);
	cJSON_AddStringToObject(o, "device", device >= 0 ? hex : "unknown");
	snprintf(hex, sizeof(hex), "0x%06llx", class);
	cJSON_AddStringToObject(o, "class", hex);
	p = sysfs_path("bus/pci/devices/%s/numa_node", addr);
	if (read_ll(p, &numa) || numa < 0) /* -1: one node, or the firmware does not say */
		cJSON_AddNullToObject(o, "numa_node");
	else
		cJSON_AddNumberToObject(o, "numa_node", numa);
	free(p);
	p = sysfs_path("bus/pci/devices/%s/driver", addr);
	driver = link_name(p);
	json_str(o, "driver", driver);
	free(driver);
	free(p);
	cJSON_AddItemToObject(o, "link", link_json(addr));
	return o;
}

/* Add the device at addr to a when it is of interest; returns 1 for an NVIDIA GPU. */
static int add_device(cJSON *a, const char *addr)
{
	long long vendor, device = -1, class;
	const char *kind;
	char *p;
	int bad;

	p = sysfs_path("bus/pci/devices/%s/vendor", addr);
	bad = read_ll(p, &vendor);
	free(p);
	p = sysfs_path("bus/pci/devices/%s/class", addr);
	bad = bad || read_ll(p, &class);
	free(p);
	if (bad || !(kind = pci_kind(vendor, class)))
		return 0;
	p = sysfs_path("bus/pci/devices/%s/device", addr);
	read_ll(p, &device);
	free(p);
	cJSON_AddItemToArray(a, device_json(addr, kind, vendor, device, class));
	return !strcmp(kind, "gpu");
}

unsigned int collect_pci(struct probe_ctx *ctx, cJSON *env)
{
	char *dir = sysfs_path("bus/pci/devices"), **names, reason[256];
	int i, n = dir_names(dir, &names);
	unsigned int gpus = 0;
	cJSON *a;

	(void)ctx;
	if (n < 0) {
		snprintf(reason, sizeof(reason), "cannot list '%s': %s", dir, strerror(errno));
		json_unavailable(env, "pci", reason);
		free(dir);
		return 0;
	}
	a = cJSON_AddArrayToObject(env, "pci");
	for (i = 0; i < n; i++)
		gpus += add_device(a, names[i]);
	names_free(names, n);
	free(dir);
	return gpus;
}
