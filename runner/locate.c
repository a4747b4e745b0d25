/* locate.c - see locate.h. */
#include "locate.h"
#include "stats.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
	size_t a, b; /* node indexes */
	int round;
	struct attempt_opts ao;
	struct plan_launcher l;
	cJSON *at;
	double value;
	int has_value, slow;
};

/*
 * The step's launcher placed on nodes a and b only: as many ranks per node as
 * the step had (its np over the live nodes, at least 1).
 */
static void pair_launcher(const struct fanout *f, const struct plan_launcher *step, const char *a, const char *b,
			  size_t live, struct plan_launcher *l)
{
	long long per = step->np && live ? step->np / (long long)live : 1;
	char *hosts = xasprintf("%s,%s", a, b), *s;
	size_t i;

	plan_launcher_copy(l, step);
	per = per < 1 ? 1 : per;
	if (f->pn->source == PLAN_NODES_SLURM) {
		l->kind = PLAN_LAUNCH_SRUN;
		l->nodes = 2;
		l->ntasks_per_node = per;
		s = xasprintf("--nodelist=%s", hosts);
		plan_launcher_add_arg(l, s);
		free(s);
	} else {
		l->kind = PLAN_LAUNCH_MPIRUN;
		free(l->hostfile);
		l->hostfile = NULL;
		l->np = 2 * per;
		plan_launcher_add_arg(l, "--host");
		s = xasprintf("%s:%lld,%s:%lld", a, per, b, per);
		plan_launcher_add_arg(l, s);
		free(s);
		plan_launcher_add_arg(l, "--map-by");
		s = xasprintf("ppr:%lld:node", per);
		plan_launcher_add_arg(l, s);
		free(s);
	}
	for (i = 0; i < f->pn->nargs; i++)
		plan_launcher_add_arg(l, f->pn->args[i]);
	free(hosts);
}

static void *run_pair(void *arg)
{
	struct pair *p = arg;

	p->at = attempt_run(&p->ao);
	return NULL;
}

/* Every pair of one round at once, LOCATE_MAX_PARALLEL at a time. */
static void run_round(struct pair *pairs, size_t n, int round)
{
	pthread_t th[LOCATE_MAX_PARALLEL];
	int started[LOCATE_MAX_PARALLEL];
	size_t *idx = xcalloc(n + 1, sizeof(*idx)), m = 0, i, k, batch;

	for (i = 0; i < n; i++)
		if (pairs[i].round == round)
			idx[m++] = i;
	for (i = 0; i < m; i += batch) {
		batch = m - i < LOCATE_MAX_PARALLEL ? m - i : LOCATE_MAX_PARALLEL;
		for (k = 0; k < batch; k++) {
			started[k] = !pthread_create(&th[k], NULL, run_pair, &pairs[idx[i + k]]);
			if (!started[k])
				run_pair(&pairs[idx[i + k]]);
		}
		for (k = 0; k < batch; k++)
			if (started[k])
				pthread_join(th[k], NULL);
	}
	free(idx);
}

/* The largest value of metric (or the first metric's name, chosen into *metric) in the attempt's result. */
static int pair_value(const cJSON *at, const char **metric, double *out)
{
	const cJSON *m, *res = cJSON_GetObjectItemCaseSensitive(at, "result");
	int found = 0;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(res, "metrics"))
	{
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");

		if (!name || !cJSON_IsNumber(v))
			continue;
		if (!*metric)
			*metric = name;
		if (strcmp(name, *metric))
			continue;
		if (!found || v->valuedouble > *out)
			*out = v->valuedouble;
		found = 1;
	}
	return found;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void judge(struct pair *pairs, size_t n, double *reference)
{
	double *v = xcalloc(n + 1, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (pairs[i].has_value &&
		    !strcmp(cJSON_GetObjectItemCaseSensitive(pairs[i].at, "status")->valuestring, "ok"))
			v[k++] = pairs[i].value;
	qsort(v, k, sizeof(*v), cmp_double);
	*reference = k ? stats_percentile(v, k, 75.0) : 0;
	for (i = 0; i < n; i++)
		pairs[i].slow = !pairs[i].has_value ||
				strcmp(cJSON_GetObjectItemCaseSensitive(pairs[i].at, "status")->valuestring, "ok") ||
				pairs[i].value < (1.0 - LOCATE_TOLERANCE) * *reference;
	free(v);
}

static cJSON *suspects(const struct fanout *f, const struct pair *pairs, size_t n, cJSON *links)
{
	size_t *np = xcalloc(f->n, sizeof(*np)), *ns = xcalloc(f->n, sizeof(*ns)), i;
	cJSON *nodes = cJSON_CreateArray(), *o;
	char why[128];

	for (i = 0; i < n; i++) {
		np[pairs[i].a]++;
		np[pairs[i].b]++;
		ns[pairs[i].a] += pairs[i].slow;
		ns[pairs[i].b] += pairs[i].slow;
	}
	for (i = 0; i < f->n; i++) {
		if (np[i] < 2 || ns[i] < np[i])
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "host", f->nodes[i].host);
		snprintf(why, sizeof(why), "slow in %zu of %zu pairs", ns[i], np[i]);
		cJSON_AddStringToObject(o, "reason", why);
		cJSON_AddItemToArray(nodes, o);
	}
	for (i = 0; i < n; i++) {
		if (!pairs[i].slow || (np[pairs[i].a] >= 2 && ns[pairs[i].a] == np[pairs[i].a]) ||
		    (np[pairs[i].b] >= 2 && ns[pairs[i].b] == np[pairs[i].b]))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "a", f->nodes[pairs[i].a].host);
		cJSON_AddStringToObject(o, "b", f->nodes[pairs[i].b].host);
		cJSON_AddStringToObject(o, "reason",
					np[pairs[i].a] < 2 ? "the only pair is slow: cannot tell node from link"
							   : "slow together, each fine with its other partner");
		cJSON_AddItemToArray(links, o);
	}
	free(np);
	free(ns);
	return nodes;
}

/* The ring's pairs and their rounds: even positions, odd positions, then the closing pair when m is odd. */
static struct pair *schedule(const struct fanout *f, size_t *n)
{
	size_t *live = xcalloc(f->n + 1, sizeof(*live)), m = 0, i;
	struct pair *p;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->nodes[i].state, "ok"))
			live[m++] = i;
	*n = m < 2 ? 0 : m == 2 ? 1 : m;
	p = xcalloc(*n + 1, sizeof(*p));
	for (i = 0; i < *n; i++) {
		p[i].a = live[i];
		p[i].b = live[(i + 1) % m];
		p[i].round = (m % 2 && i == m - 1) ? 2 : (int)(i % 2);
	}
	free(live);
	return p;
}

static cJSON *pair_json(const struct fanout *f, const struct pair *p)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(p->at, "reason");

	cJSON_AddStringToObject(o, "a", f->nodes[p->a].host);
	cJSON_AddStringToObject(o, "b", f->nodes[p->b].host);
	cJSON_AddNumberToObject(o, "round", p->round);
	cJSON_AddStringToObject(o, "status", cJSON_GetObjectItemCaseSensitive(p->at, "status")->valuestring);
	cJSON_AddItemToObject(o, "reason",
			      cJSON_IsString(reason) ? cJSON_CreateString(reason->valuestring) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "value", p->has_value ? cJSON_CreateNumber(p->value) : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "slow", p->slow);
	return o;
}

cJSON *locate_run(struct fanout *f, const char *step_id, const struct attempt_opts *o, const char *metric)
{
	size_t n, i, live = fanout_live(f);
	struct pair *pairs = schedule(f, &n);
	cJSON *loc = cJSON_CreateObject(), *arr, *links;
	double reference = 0;
	int round;

	for (i = 0; i < n; i++) {
		pairs[i].ao = *o;
		pairs[i].ao.tick = NULL;
		pair_launcher(f, o->launcher, f->nodes[pairs[i].a].host, f->nodes[pairs[i].b].host, live, &pairs[i].l);
		pairs[i].ao.launcher = &pairs[i].l;
	}
	for (round = 0; round < 3; round++)
		run_round(pairs, n, round);
	for (i = 0; i < n; i++)
		pairs[i].has_value = pair_value(pairs[i].at, &metric, &pairs[i].value);
	judge(pairs, n, &reference);
	cJSON_AddStringToObject(loc, "step", step_id);
	cJSON_AddItemToObject(loc, "metric", metric ? cJSON_CreateString(metric) : cJSON_CreateNull());
	cJSON_AddNumberToObject(loc, "reference", reference);
	cJSON_AddNumberToObject(loc, "tolerance", LOCATE_TOLERANCE);
	arr = cJSON_AddArrayToObject(loc, "pairs");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, pair_json(f, &pairs[i]));
	links = cJSON_CreateArray();
	cJSON_AddItemToObject(loc, "suspect_nodes", suspects(f, pairs, n, links));
	cJSON_AddItemToObject(loc, "suspect_links", links);
	for (i = 0; i < n; i++) {
		cJSON_Delete(pairs[i].at);
		plan_launcher_release(&pairs[i].l);
	}
	free(pairs);
	return loc;
}

char *locate_summary(const cJSON *loc)
{
	const cJSON *s;
	char *out = xasprintf("locate %s:", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(loc, "step")));
	char *t;
	int any = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(loc, "suspect_nodes"))
	{
		t = xasprintf("%s suspect node %s (%s);", out, cJSON_GetObjectItemCaseSensitive(s, "host")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(s, "reason")->valuestring);
		free(out);
		out = t;
		any = 1;
	}
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(loc, "suspect_links"))
	{
		t = xasprintf("%s suspect link %s-%s (%s);", out, cJSON_GetObjectItemCaseSensitive(s, "a")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(s, "b")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(s, "reason")->valuestring);
		free(out);
		out = t;
		any = 1;
	}
	if (!any) {
		t = xasprintf("%s no pair stands out", out);
		free(out);
		out = t;
	}
	return out;
}
