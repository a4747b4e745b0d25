/*
 * fleet.c - the per-node heatmap of a multi-node run (model.h, struct
 * rheat): a few key metrics, every node's distance from the median in each,
 * and the nodes ordered worst first, for html.c to draw.
 *
 * The centre and scale come from the verdict's `series` (runner/outlier.c
 * computed them over the same values), so the colours and the outlier list
 * agree. Each node's values are found in one pass over the model's metrics:
 * O(metrics × key series) string comparisons, then a sort of the nodes.
 */
#include "model.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double num(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static int same_labels(const cJSON *a, const cJSON *b)
{
	const cJSON *x = a ? a->child : NULL, *y = b ? b->child : NULL;

	for (; x && y; x = x->next, y = y->next) {
		const char *xv = cJSON_IsString(x) ? x->valuestring : "", *yv = cJSON_IsString(y) ? y->valuestring : "";

		if (!x->string || !y->string || strcmp(x->string, y->string) || strcmp(xv, yv))
			return 0;
	}
	return !x && !y;
}

/* Whether a series of the same step and metric (other labels: another GPU) is already in the heatmap. */
static int metric_shown(const struct rheat *h, const cJSON *s)
{
	const char *step = model_str(s, "step"), *metric = model_str(s, "metric");
	size_t k;

	for (k = 0; k < h->nseries; k++)
		if (step && metric && !strcmp(h->step[k], step) && !strcmp(h->metric[k], metric))
			return 1;
	return 0;
}

/*
 * How much a series belongs in the heatmap: one that flagged a node first,
 * then one of a metric not shown yet (so eight GPUs of one metric do not
 * crowd out the others), then the most flagged; ties in document order.
 */
static double series_rank(const struct rheat *h, const cJSON *s)
{
	double f = num(s, "flagged");

	if (isnan(f))
		f = 0;
	return (f > 0) * 4e9 + !metric_shown(h, s) * 2e9 + f;
}

/* The key series, best first (series_rank). */
static void pick_series(struct rmodel *m)
{
	struct rheat *h = &m->heat;
	const cJSON *s, *best_s;
	double r, best_r;
	size_t n = (size_t)cJSON_GetArraySize(m->series), i, k, best;
	unsigned char *taken = xcalloc(n + 1, 1);

	for (k = 0; k < MODEL_HEAT_SERIES; k++) {
		best = n;
		best_r = -1;
		best_s = NULL;
		i = 0;
		cJSON_ArrayForEach(s, m->series)
		{
			if (!taken[i] && (r = series_rank(h, s)) > best_r) {
				best = i;
				best_r = r;
				best_s = s;
			}
			i++;
		}
		if (best == n)
			break;
		taken[best] = 1;
		s = best_s;
		h->series[h->nseries] = s;
		h->step[h->nseries] = model_str(s, "step");
		h->metric[h->nseries] = model_str(s, "metric");
		h->unit[h->nseries] = model_str(s, "unit");
		h->median[h->nseries] = num(s, "median");
		h->scale[h->nseries] = num(s, "scale");
		h->lower[h->nseries] = model_str(s, "better") && !strcmp(model_str(s, "better"), "lower");
		if (h->step[h->nseries] && h->metric[h->nseries] && h->scale[h->nseries] > 0)
			h->nseries++;
	}
	free(taken);
}

static float *g_worst; /* qsort has no context argument: the nodes' worst z, for cmp_node */

static int cmp_node(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (g_worst[x] != g_worst[y])
		return g_worst[x] < g_worst[y] ? 1 : -1;
	return (x > y) - (x < y);
}

void fleet_heat_build(struct rmodel *m)
{
	struct rheat *h = &m->heat;
	size_t i, k, n;
	float *worst;

	if (m->nnodes < 2 || !cJSON_GetArraySize(m->series))
		return;
	pick_series(m);
	if (!h->nseries)
		return;
	n = m->nnodes * h->nseries;
	h->z = xmalloc(n * sizeof(*h->z));
	for (i = 0; i < n; i++)
		h->z[i] = NAN;
	for (i = 0; i < m->nmetrics; i++) {
		const struct rmetric *r = &m->metrics[i];
		const struct rstep *st = &m->steps[r->step];

		if (isnan(r->value) || !st->id)
			continue;
		for (k = 0; k < h->nseries; k++) {
			double z;

			if (strcmp(r->name, h->metric[k]) || strcmp(st->id, h->step[k]) ||
			    !same_labels(r->labels, cJSON_GetObjectItemCaseSensitive(h->series[k], "labels")))
				continue;
			z = 0.6745 * (r->value - h->median[k]) / h->scale[k];
			MODEL_HEAT_Z(m, st->node, k) = (float)(h->lower[k] ? z : -z);
		}
	}
	worst = xmalloc(m->nnodes * sizeof(*worst));
	h->order = xmalloc(m->nnodes * sizeof(*h->order));
	for (i = 0; i < m->nnodes; i++) {
		int any = 0;

		worst[i] = -INFINITY;
		for (k = 0; k < h->nseries; k++) {
			float z = MODEL_HEAT_Z(m, i, k);

			if (isnan(z))
				continue;
			any = 1;
			worst[i] = z > worst[i] ? z : worst[i];
		}
		if (any)
			h->order[h->norder++] = i;
	}
	g_worst = worst;
	qsort(h->order, h->norder, sizeof(*h->order), cmp_node);
	g_worst = NULL;
	free(worst);
}

void fleet_heat_release(struct rmodel *m)
{
	free(m->heat.z);
	free(m->heat.order);
	memset(&m->heat, 0, sizeof(m->heat));
}
