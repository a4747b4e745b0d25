/* catalog.c - probe discovery and self-descriptions; see catalog.h. */
#include "catalog.h"
#include "plan.h"
#include "protocol.h"
#include "suggest.h"
#include "supervise.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DESCRIBE_TIMEOUT_NS (20ULL * 1000000000ULL)

static void add_dir(struct catalog *c, const char *dir, size_t len)
{
	if (!len)
		return;
	c->dirs = xrealloc(c->dirs, (c->ndirs + 1) * sizeof(*c->dirs));
	c->dirs[c->ndirs++] = xstrndup(dir, len);
}

int catalog_init(struct catalog *c)
{
	const char *env = getenv("SHAKEDOWN_PROBE_PATH"), *p, *colon;
	char exe[PATH_MAX], *slash;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	for (p = env; p && *p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		add_dir(c, p, colon ? (size_t)(colon - p) : strlen(p));
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			char *dir = xasprintf("%.*s/probes", (int)(slash - exe), exe);

			add_dir(c, dir, strlen(dir));
			free(dir);
		}
	}
	return c->ndirs ? 0 : -1;
}

static void pdesc_release(struct probe_pdesc *p)
{
	free(p->name);
	free(p->type);
	free(p->def);
	free(p->help);
	free(p->choices);
}

static void desc_free(struct probe_desc *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nparams; i++)
		pdesc_release(&d->params[i]);
	for (i = 0; i < d->nmetrics; i++) {
		free(d->metrics[i].name);
		free(d->metrics[i].unit);
		free(d->metrics[i].better);
		free(d->metrics[i].help);
	}
	free(d->params);
	free(d->metrics);
	free(d->name);
	free(d->version);
	free(d->description);
	free(d->path);
	free(d);
}

void catalog_release(struct catalog *c)
{
	size_t i;

	for (i = 0; i < c->ndirs; i++)
		free(c->dirs[i]);
	for (i = 0; i < c->n; i++)
		desc_free(c->probes[i]);
	free(c->dirs);
	free(c->probes);
	memset(c, 0, sizeof(*c));
}

int catalog_valid_name(const char *name)
{
	const char *p;

	if (!name || !*name || strlen(name) > 64)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int is_executable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

static int exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* The first path DIR/name on the search path for which ok() holds, or NULL; caller frees. */
static char *search(const struct catalog *c, const char *name, int (*ok)(const char *path))
{
	char *path;
	size_t i;

	if (!catalog_valid_name(name))
		return NULL;
	for (i = 0; i < c->ndirs; i++) {
		path = xasprintf("%s/%s", c->dirs[i], name);
		if (ok(path))
			return path;
		free(path);
	}
	return NULL;
}

char *catalog_find(const struct catalog *c, const char *name)
{
	return search(c, name, is_executable_file);
}

static char *dup_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static char *join_choices(const cJSON *arr)
{
	const cJSON *x;
	char *out = NULL, *t;

	if (!cJSON_IsArray(arr))
		return NULL;
	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsString(x))
			continue;
		t = out ? xasprintf("%s|%s", out, x->valuestring) : xstrdup(x->valuestring);
		free(out);
		out = t;
	}
	return out;
}

static struct probe_desc *desc_from_json(const cJSON *doc)
{
	struct probe_desc *d = xcalloc(1, sizeof(*d));
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "params");
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(doc, "metrics");
	const cJSON *x;

	d->name = dup_string(doc, "probe");
	d->version = dup_string(doc, "version");
	d->description = dup_string(doc, "description");
	d->per_gpu = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "per_gpu"));
	d->params = xcalloc((size_t)cJSON_GetArraySize(params) + 1, sizeof(*d->params));
	cJSON_ArrayForEach(x, params)
	{
		struct probe_pdesc *p = &d->params[d->nparams++];

		p->name = dup_string(x, "name");
		p->type = dup_string(x, "type");
		p->def = dup_string(x, "default");
		p->help = dup_string(x, "help");
		p->choices = join_choices(cJSON_GetObjectItemCaseSensitive(x, "choices"));
		p->required = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "required"));
	}
	d->metrics = xcalloc((size_t)cJSON_GetArraySize(metrics) + 1, sizeof(*d->metrics));
	cJSON_ArrayForEach(x, metrics)
	{
		struct probe_mdesc *m = &d->metrics[d->nmetrics++];

		m->name = dup_string(x, "name");
		m->unit = dup_string(x, "unit");
		m->better = dup_string(x, "better");
		m->help = dup_string(x, "help");
	}
	return d;
}

static struct probe_desc *describe(const char *name, const char *path, char *err, size_t len)
{
	const char *argv[] = { path, "--describe", NULL };
	struct sup_opts o = { .argv = argv, .stderr_fd = -1, .timeout_ns = DESCRIBE_TIMEOUT_NS };
	struct sup_result r;
	struct probe_desc *d = NULL;
	char why[256];
	cJSON *doc = NULL;

	if (sup_run(&o, &r) || !r.exited || r.exit_code) {
		snprintf(err, len, "probe '%s' --describe failed: %s", name, sup_describe(&r, why, sizeof(why)));
		goto out;
	}
	doc = cJSON_Parse(r.out);
	if (!doc) {
		snprintf(err, len, "probe '%s' --describe did not print JSON", name);
		goto out;
	}
	if (protocol_check_describe(doc, why, sizeof(why))) {
		snprintf(err, len, "probe '%s' --describe: %s", name, why);
		goto out;
	}
	d = desc_from_json(doc);
	if (strcmp(d->name, name)) {
		snprintf(err, len, "probe '%s' describes itself as '%s'", name, d->name);
		desc_free(d);
		d = NULL;
		goto out;
	}
	d->path = xstrdup(path);
out:
	cJSON_Delete(doc);
	sup_result_release(&r);
	return d;
}

/* The path of a file named `name` in a probe directory (found but not runnable), or NULL; the caller frees it. */
static char *find_unrunnable(const struct catalog *c, const char *name)
{
	return search(c, name, exists);
}

static void unknown_probe(const struct catalog *c, const char *name, char *err, size_t len)
{
	size_t n, i;
	char **names = catalog_names(c, &n);
	const char *near = suggest_nearest(name, (const char *const *)names, n);
	char *there = find_unrunnable(c, name);

	if (there) /* the probe is there, as a file the runner cannot execute: say so, not "unknown" */
		snprintf(err, len, "probe '%s' is not an executable file: '%s'", name, there);
	else if (near)
		snprintf(err, len, "unknown probe '%s' (did you mean '%s'?)", name, near);
	else
		snprintf(err, len, "unknown probe '%s' (see `shakedown probes`)", name);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(there);
}

const struct probe_desc *catalog_get(struct catalog *c, const char *name, char *err, size_t len)
{
	struct probe_desc *d;
	char *path;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->probes[i]->name, name))
			return c->probes[i];
	path = catalog_find(c, name);
	if (!path) {
		unknown_probe(c, name, err, len);
		return NULL;
	}
	d = describe(name, path, err, len);
	free(path);
	if (!d)
		return NULL;
	c->probes = xrealloc(c->probes, (c->n + 1) * sizeof(*c->probes));
	c->probes[c->n++] = d;
	return d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **catalog_names(const struct catalog *c, size_t *n)
{
	char **names = NULL, *path;
	size_t i, count = 0, out = 0;
	struct dirent *e;
	DIR *dir;

	for (i = 0; i < c->ndirs; i++) {
		dir = opendir(c->dirs[i]);
		while (dir && (e = readdir(dir))) {
			if (!catalog_valid_name(e->d_name))
				continue;
			path = xasprintf("%s/%s", c->dirs[i], e->d_name);
			if (is_executable_file(path)) {
				names = xrealloc(names, (count + 1) * sizeof(*names));
				names[count++] = xstrdup(e->d_name);
			}
			free(path);
		}
		if (dir)
			closedir(dir);
	}
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	for (i = 0; i < count; i++) {
		if (out && !strcmp(names[out - 1], names[i]))
			free(names[i]);
		else
			names[out++] = names[i];
	}
	*n = out;
	return names;
}

const struct probe_pdesc *probe_desc_param(const struct probe_desc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nparams; i++)
		if (!strcmp(d->params[i].name, name))
			return &d->params[i];
	return NULL;
}

static void unknown_param(const struct probe_desc *pd, const struct plan_param *pp, struct diags *d)
{
	const char **names = xcalloc(pd->nparams + 1, sizeof(*names));
	const char *near;
	size_t i;

	for (i = 0; i < pd->nparams; i++)
		names[i] = pd->params[i].name;
	near = suggest_nearest(pp->name, names, pd->nparams);
	if (near)
		diags_add(d, pp->file, pp->line, pp->col, "unknown parameter '%s' for probe '%s' (did you mean '%s'?)",
			  pp->name, pd->name, near);
	else
		diags_add(d, pp->file, pp->line, pp->col,
			  "unknown parameter '%s' for probe '%s' (see `shakedown probes %s`)", pp->name, pd->name,
			  pd->name);
	free(names);
}

static void check_step(struct catalog *c, const struct plan_step *s, struct diags *d)
{
	const struct probe_desc *pd;
	const struct probe_pdesc *pp;
	char err[512];
	size_t i, j;
	int given;

	pd = catalog_get(c, s->probe, err, sizeof(err));
	if (!pd) {
		diags_add(d, s->file, s->probe_line, s->probe_col, "%s", err);
		return;
	}
	for (i = 0; i < s->nparams; i++) {
		pp = probe_desc_param(pd, s->params[i].name);
		if (!pp)
			unknown_param(pd, &s->params[i], d);
		else if (protocol_check_value(pp->type, pp->choices, s->params[i].value, err, sizeof(err)))
			diags_add(d, s->params[i].file, s->params[i].value_line, s->params[i].value_col,
				  "parameter '%s': %s", pp->name, err);
	}
	for (j = 0; j < pd->nparams; j++) {
		if (!pd->params[j].required)
			continue;
		for (i = 0, given = 0; i < s->nparams; i++)
			given |= !strcmp(s->params[i].name, pd->params[j].name);
		if (!given)
			diags_add(d, s->file, s->line, s->col, "step '%s': probe '%s' needs parameter '%s'", s->id,
				  pd->name, pd->params[j].name);
	}
}

int catalog_check_plan(struct catalog *c, const struct plan *p, struct diags *d)
{
	size_t before = d->n, i;

	for (i = 0; i < p->nsteps; i++)
		check_step(c, &p->steps[i], d);
	return d->n == before ? 0 : -1;
}
