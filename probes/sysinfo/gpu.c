/*
 * gpu.c - GPUs through NVML (probes/lib/nvml.h) for the sysinfo probe.
 *
 * No NVML, or NVML with no GPU, is "gpus" 0 and env.nvml saying why; never an
 * error, because sysinfo also runs on CPU-only nodes. A GPU field NVML cannot
 * give is null, with NVML's reason under that GPU's "reasons".
 */
#include "sysinfo.h"

#include <stdio.h>

#include "nvml.h"

#define ERRLEN 256

/* Record key as null in o, and why under o.reasons.key. */
static void unknown(cJSON *o, const char *key, const char *why)
{
	cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "reasons");

	if (!r)
		r = cJSON_AddObjectToObject(o, "reasons");
	cJSON_AddNullToObject(o, key);
	cJSON_AddStringToObject(r, key, why);
}

static void add_strings(cJSON *o, struct nvml *n, unsigned int i)
{
	static const struct {
		const char *key;
		int (*get)(struct nvml *, unsigned int, char *, size_t, char *, size_t);
	} strs[] = {
		{ "name", nvml_device_name },
		{ "uuid", nvml_device_uuid },
		{ "pci_bus_id", nvml_device_pci_bus_id },
	};
	char buf[NVML_NAME_LEN], err[ERRLEN];
	size_t k;

	for (k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
		if (strs[k].get(n, i, buf, sizeof(buf), err, sizeof(err)))
			unknown(o, strs[k].key, err);
		else
			cJSON_AddStringToObject(o, strs[k].key, buf);
}

static void add_memory(struct probe_ctx *ctx, cJSON *o, struct nvml *n, unsigned int i)
{
	char err[ERRLEN], label[16];
	uint64_t bytes;

	if (nvml_device_memory_total(n, i, &bytes, err, sizeof(err))) {
		unknown(o, "memory_total", err);
		return;
	}
	cJSON_AddNumberToObject(o, "memory_total", (double)bytes);
	snprintf(label, sizeof(label), "%u", i);
	probe_metric_label(sysinfo_metric(ctx, "gpu_memory_total", (double)bytes), "gpu", label);
}

/* Only a narrower width counts as degraded: GPUs lower the generation when idle. */
static void add_pcie(cJSON *o, struct nvml *n, unsigned int i)
{
	unsigned int cur_gen, cur_width, max_gen, max_width;
	char err[ERRLEN];
	cJSON *l;

	if (nvml_device_pcie_link(n, i, 0, &cur_gen, &cur_width, err, sizeof(err)) ||
	    nvml_device_pcie_link(n, i, 1, &max_gen, &max_width, err, sizeof(err))) {
		unknown(o, "pcie", err);
		return;
	}
	l = cJSON_AddObjectToObject(o, "pcie");
	cJSON_AddNumberToObject(l, "gen_current", cur_gen);
	cJSON_AddNumberToObject(l, "gen_max", max_gen);
	cJSON_AddNumberToObject(l, "width_current", cur_width);
	cJSON_AddNumberToObject(l, "width_max", max_width);
	cJSON_AddBoolToObject(l, "degraded", cur_width < max_width);
}

static void add_sensors(cJSON *o, struct nvml *n, unsigned int i)
{
	char err[ERRLEN];
	unsigned int temp;
	double w;
	int cur, pend;

	if (nvml_device_temperature(n, i, &temp, err, sizeof(err)))
		unknown(o, "temperature", err);
	else
		cJSON_AddNumberToObject(o, "temperature", temp);
	if (nvml_device_power_usage(n, i, &w, err, sizeof(err)))
		unknown(o, "power_usage", err);
	else
		cJSON_AddNumberToObject(o, "power_usage", w);
	if (nvml_device_power_limit(n, i, &w, err, sizeof(err)))
		unknown(o, "power_limit", err);
	else
		cJSON_AddNumberToObject(o, "power_limit", w);
	if (nvml_device_ecc_mode(n, i, &cur, &pend, err, sizeof(err))) {
		unknown(o, "ecc", err);
		return;
	}
	cJSON_AddBoolToObject(o, "ecc", cur);
	cJSON_AddBoolToObject(o, "ecc_pending", pend);
}

static cJSON *gpu_json(struct probe_ctx *ctx, struct nvml *n, unsigned int i)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "index", i);
	add_strings(o, n, i);
	add_memory(ctx, o, n, i);
	add_pcie(o, n, i);
	add_sensors(o, n, i);
	return o;
}

/* Driver and CUDA versions, and the optional NVML functions this library lacks. */
static void add_versions(cJSON *nv, struct nvml *n)
{
	char buf[NVML_VERSION_LEN], err[ERRLEN];
	cJSON *missing = cJSON_CreateArray();
	int v, s;

	if (nvml_driver_version(n, buf, sizeof(buf), err, sizeof(err)))
		unknown(nv, "driver_version", err);
	else
		cJSON_AddStringToObject(nv, "driver_version", buf);
	if (nvml_cuda_driver_version(n, &v, err, sizeof(err))) {
		unknown(nv, "cuda_driver_version", err);
	} else {
		snprintf(buf, sizeof(buf), "%d.%d", v / 1000, v % 1000 / 10);
		cJSON_AddStringToObject(nv, "cuda_driver_version", buf);
	}
	for (s = 0; s < NVML_SYM_COUNT; s++)
		if (!nvml_has(n, s))
			cJSON_AddItemToArray(missing, cJSON_CreateString(nvml_sym_name(s)));
	if (cJSON_GetArraySize(missing))
		cJSON_AddItemToObject(nv, "missing_functions", missing);
	else
		cJSON_Delete(missing);
}

void collect_gpus(struct probe_ctx *ctx, cJSON *env, unsigned int pci_gpus)
{
	cJSON *gpus = cJSON_AddArrayToObject(env, "gpus"), *nv = cJSON_AddObjectToObject(env, "nvml");
	char err[ERRLEN];
	unsigned int count = 0, i;
	struct nvml n;

	if (nvml_open(&n, err, sizeof(err)))
		goto unavailable;
	if (nvml_device_count(&n, &count, err, sizeof(err))) {
		nvml_close(&n);
		goto unavailable;
	}
	cJSON_AddTrueToObject(nv, "available");
	cJSON_AddStringToObject(nv, "library", nvml_lib(&n));
	cJSON_AddNumberToObject(nv, "device_count", count);
	cJSON_AddNumberToObject(nv, "pci_gpus", pci_gpus);
	if (!count)
		cJSON_AddStringToObject(nv, "reason", "nvml reports no gpus");
	add_versions(nv, &n);
	for (i = 0; i < count; i++)
		cJSON_AddItemToArray(gpus, gpu_json(ctx, &n, i));
	nvml_close(&n);
	sysinfo_metric(ctx, "gpus", count);
	return;
unavailable:
	cJSON_AddFalseToObject(nv, "available");
	cJSON_AddStringToObject(nv, "reason", err);
	cJSON_AddNumberToObject(nv, "pci_gpus", pci_gpus);
	sysinfo_metric(ctx, "gpus", 0);
}
