/* pergpu.c - see pergpu.h. */
#include "pergpu.h"
#include "nvml.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* CUDA_VISIBLE_DEVICES's names (indexes or UUIDs), empty entries skipped. */
static char **from_visible(const char *vis, size_t *n)
{
	char **v = xcalloc(PERGPU_MAX + 1, sizeof(*v));
	const char *p = vis, *end;

	*n = 0;
	while (*p && *n < PERGPU_MAX) {
		end = p + strcspn(p, ",");
		if (end > p)
			v[(*n)++] = xstrndup(p, (size_t)(end - p));
		p = *end ? end + 1 : end;
	}
	if (*n)
		return v;
	free(v);
	return NULL;
}

char **pergpu_devices(size_t *n)
{
	const char *vis = getenv("CUDA_VISIBLE_DEVICES");
	struct nvml nv;
	unsigned int count = 0, i;
	char err[256], **v;

	*n = 0;
	if (vis)
		return from_visible(vis, n);
	if (nvml_open(&nv, err, sizeof(err)))
		return NULL;
	if (nvml_device_count(&nv, &count, err, sizeof(err)))
		count = 0;
	nvml_close(&nv);
	if (!count)
		return NULL;
	if (count > PERGPU_MAX)
		count = PERGPU_MAX;
	v = xcalloc(count + 1, sizeof(*v));
	for (i = 0; i < count; i++)
		v[i] = xasprintf("%u", i);
	*n = count;
	return v;
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* ok < skipped < failed < error < interrupted; anything else counts as error. */
static int severity(const char *status)
{
	static const char *const order[] = { "ok", "skipped", "failed", "error", "interrupted" };
	int i;

	for (i = 0; status && i < 5; i++)
		if (!strcmp(status, order[i]))
			return i;
	return 3;
}

/* Copies of src's items into dst, each with labels.gpu = gpu. */
static void add_labelled(cJSON *dst, const cJSON *src, const char *gpu)
{
	const cJSON *it;
	cJSON *c, *labels;

	cJSON_ArrayForEach(it, src)
	{
		if (!cJSON_IsObject(it))
			continue;
		c = cJSON_Duplicate(it, 1);
		labels = cJSON_GetObjectItemCaseSensitive(c, "labels");
		if (!cJSON_IsObject(labels)) {
			cJSON_DeleteItemFromObjectCaseSensitive(c, "labels");
			labels = cJSON_AddObjectToObject(c, "labels");
		}
		cJSON_DeleteItemFromObjectCaseSensitive(labels, "gpu");
		cJSON_AddStringToObject(labels, "gpu", gpu);
		cJSON_AddItemToArray(dst, c);
	}
}

static void copy_member(cJSON *dst, const cJSON *src, const char *k)
{
	const cJSON *v = get(src, k);

	if (v)
		cJSON_AddItemToObject(dst, k, cJSON_Duplicate(v, 1));
}

/* The merged result document, or NULL when no instance printed one. */
static cJSON *merge_results(cJSON *const *at, const char *const *gpus, size_t n, const char *probe, const cJSON *status,
			    const cJSON *reason)
{
	const cJSON *first = NULL, *r;
	cJSON *doc, *metrics, *series, *envs;
	double dur = 0;
	size_t i;

	for (i = 0; i < n && !first; i++)
		if (cJSON_IsObject(get(at[i], "result")))
			first = get(at[i], "result");
	if (!first)
		return NULL;
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "protocol", 1);
	cJSON_AddStringToObject(doc, "probe", probe);
	copy_member(doc, first, "version");
	cJSON_AddItemToObject(doc, "status", cJSON_Duplicate(status, 0));
	cJSON_AddItemToObject(doc, "reason", cJSON_Duplicate(reason, 0));
	copy_member(doc, first, "host");
	copy_member(doc, first, "start");
	copy_member(doc, first, "params");
	metrics = cJSON_AddArrayToObject(doc, "metrics");
	series = cJSON_AddArrayToObject(doc, "series");
	envs = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "env"), "gpus");
	for (i = 0; i < n; i++) {
		r = get(at[i], "result");
		if (!cJSON_IsObject(r))
			continue;
		if (cJSON_GetNumberValue(get(r, "duration_s")) > dur)
			dur = cJSON_GetNumberValue(get(r, "duration_s"));
		add_labelled(metrics, get(r, "metrics"), gpus[i]);
		add_labelled(series, get(r, "series"), gpus[i]);
		if (get(r, "env"))
			cJSON_AddItemToObject(envs, gpus[i], cJSON_Duplicate(get(r, "env"), 1));
	}
	cJSON_AddNumberToObject(doc, "duration_s", dur);
	return doc;
}

cJSON *pergpu_merge(cJSON *const *at, const char *const *gpus, size_t n, const char *probe)
{
	cJSON *m = cJSON_CreateObject(), *res, *reason;
	const char *why;
	size_t i, worst = 0;
	double wall = 0;

	for (i = 0; i < n; i++) {
		if (severity(cJSON_GetStringValue(get(at[i], "status"))) >
		    severity(cJSON_GetStringValue(get(at[worst], "status"))))
			worst = i;
		if (cJSON_GetNumberValue(get(at[i], "wall_s")) > wall)
			wall = cJSON_GetNumberValue(get(at[i], "wall_s"));
	}
	for (i = 0; i < n && severity(cJSON_GetStringValue(get(at[worst], "status"))) == 1; i++)
		if (!severity(cJSON_GetStringValue(get(at[i], "status"))))
			worst = i; /* a mix of ok and skipped is ok, as a step's attempts are (RESULTS.md) */
	why = n ? cJSON_GetStringValue(get(at[worst], "reason")) : "no GPU instance ran";
	cJSON_AddStringToObject(m, "status", n ? cJSON_GetStringValue(get(at[worst], "status")) : "error");
	reason = why ? cJSON_CreateString("") : cJSON_CreateNull();
	if (why) {
		char *t = n ? xasprintf("gpu %s: %s", gpus[worst], why) : xstrdup(why);

		cJSON_SetValuestring(reason, t);
		free(t);
	}
	cJSON_AddItemToObject(m, "reason", reason);
	cJSON_AddNumberToObject(m, "wall_s", wall);
	cJSON_AddItemToObject(m, "exit",
			      n && get(at[worst], "exit") ? cJSON_Duplicate(get(at[worst], "exit"), 1)
							  : cJSON_Parse("{\"code\": null, \"signal\": null}"));
	res = merge_results(at, gpus, n, probe, get(m, "status"), reason);
	cJSON_AddItemToObject(m, "result", res ? res : cJSON_CreateNull());
	return m;
}
