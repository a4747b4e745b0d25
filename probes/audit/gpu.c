/*
 * gpu.c - the GPUs' configuration through NVML (probes/lib/nvml.h) for the
 * audit probe: model, memory, ECC, PCIe link against its maximum, persistence,
 * MIG and compute modes, retired pages and remapped rows pending, NVLink
 * links up, the VBIOS version; and each GPU's place in the PCI tree and NUMA
 * node from sysfs under the root.
 */
#include "audit.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvml.h"
#include "xalloc.h"

void audit_sysfs_bus_id(const char *nvml_bus_id, char *out, size_t len)
{
	size_t n = strlen(nvml_bus_id), i;
	const char *s = n > 12 ? nvml_bus_id + n - 12 : nvml_bus_id; /* "0000:18:00.0": domain of 4 digits */

	snprintf(out, len, "%s", s);
	for (i = 0; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

/*
 * NVLink links that answer and those of them that are up. A link number the
 * GPU does not have, or a GPU without NVLink, answers Not Supported (or
 * Invalid Argument): not counted. -1 when the driver lacks the call.
 */
static void read_nvlinks(struct nvml *nv, unsigned int i, struct audit_gpu *g)
{
	unsigned int link;
	int active;

	g->nvlinks = g->nvlinks_up = -1;
	if (!nvml_has(nv, NVML_SYM_DEVICE_NVLINK_STATE))
		return;
	g->nvlinks = g->nvlinks_up = 0;
	for (link = 0; link < NVML_NVLINK_MAX_LINKS; link++) {
		if (nvml_device_nvlink_state(nv, i, link, &active, NULL, 0))
			continue;
		g->nvlinks++;
		g->nvlinks_up += active;
	}
}

/* Every call may fail (Not Supported on this GPU, missing from an old driver): the field then stays -1. */
static void read_one(struct nvml *nv, const char *root, unsigned int i, struct audit_gpu *g)
{
	unsigned int gen, width;
	uint64_t mem;
	int a, b;
	struct nvml_remapped_rows rows;
	char bus[NVML_BUS_ID_LEN], *rel;
	long long numa;

	memset(g, 0, sizeof(*g));
	g->memory = -1;
	g->ecc = g->ecc_pending = g->gen = g->gen_max = g->width = g->width_max = g->degraded = -1;
	g->persistence = g->mig = g->mig_pending = g->compute_mode = g->retired_pending = -1;
	g->remap_pending = g->remap_failure = g->numa = -1;
	nvml_device_name(nv, i, g->name, sizeof(g->name), NULL, 0);
	nvml_device_uuid(nv, i, g->uuid, sizeof(g->uuid), NULL, 0);
	if (!nvml_device_memory_total(nv, i, &mem, NULL, 0))
		g->memory = (long long)mem;
	if (!nvml_device_ecc_mode(nv, i, &a, &b, NULL, 0)) {
		g->ecc = a;
		g->ecc_pending = b;
	}
	if (!nvml_device_pcie_link(nv, i, 0, &gen, &width, NULL, 0)) {
		g->gen = (int)gen;
		g->width = (int)width;
	}
	if (!nvml_device_pcie_link(nv, i, 1, &gen, &width, NULL, 0)) {
		g->gen_max = (int)gen;
		g->width_max = (int)width;
	}
	/* GPUs lower the generation when idle; only a narrower width is a sure sign (nvml.h). */
	if (g->width > 0 && g->width_max > 0)
		g->degraded = g->width < g->width_max;
	if (!nvml_device_persistence_mode(nv, i, &a, NULL, 0))
		g->persistence = a;
	if (!nvml_device_mig_mode(nv, i, &a, &b, NULL, 0)) {
		g->mig = a;
		g->mig_pending = b;
	}
	if (!nvml_device_compute_mode(nv, i, &a, NULL, 0))
		g->compute_mode = a;
	if (!nvml_device_retired_pages_pending(nv, i, &a, NULL, 0))
		g->retired_pending = a;
	if (!nvml_device_remapped_rows(nv, i, &rows, NULL, 0)) {
		g->remap_pending = rows.pending != 0;
		g->remap_failure = rows.failure != 0;
	}
	read_nvlinks(nv, i, g);
	nvml_device_vbios_version(nv, i, g->vbios, sizeof(g->vbios), NULL, 0);
	if (nvml_device_pci_bus_id(nv, i, bus, sizeof(bus), NULL, 0))
		return;
	audit_sysfs_bus_id(bus, g->bus_id, sizeof(g->bus_id));
	numa = audit_ll(root, "sys/bus/pci/devices/%s/numa_node", g->bus_id);
	g->numa = numa < 0 || numa > INT_MAX ? -1 : (int)numa;
	rel = xasprintf("sys/bus/pci/devices/%s", g->bus_id);
	g->pci_path = audit_pci_path(root, rel);
	free(rel);
}

int audit_gpus_read(struct nvml *nv, const char *root, struct audit_gpus *out, char *err, size_t len)
{
	unsigned int i, n;

	memset(out, 0, sizeof(*out));
	out->cuda_driver = -1;
	if (nvml_device_count(nv, &n, err, len))
		return -1;
	nvml_driver_version(nv, out->driver, sizeof(out->driver), NULL, 0);
	nvml_cuda_driver_version(nv, &out->cuda_driver, NULL, 0);
	out->g = xcalloc(n ? n : 1, sizeof(*out->g));
	out->n = n;
	for (i = 0; i < n; i++)
		read_one(nv, root, i, &out->g[i]);
	return 0;
}

void audit_gpus_release(struct audit_gpus *out)
{
	unsigned int i;

	for (i = 0; i < out->n; i++)
		free(out->g[i].pci_path);
	free(out->g);
	memset(out, 0, sizeof(*out));
}
