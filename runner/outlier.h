/*
 * outlier.h - consistency across the nodes of a multi-node run: nodes whose
 * metric is far from their peers' (robust outliers), and versions or
 * configuration that differ between nodes (fleet drift). verdict.c feeds both
 * while it evaluates each node and writes what they find into the verdict
 * (runner/RESULTS.md, "outliers", "series" and "drift"); the maths and the
 * allowlist of drift keys are documented in probes/METRICS.md ("Across
 * nodes").
 *
 * Outliers (Iglewicz & Hoaglin's modified z-score), per series: one (step id,
 * metric name, labels) that at least OUTLIER_MIN_NODES nodes report with a
 * finite value and a `better` of higher or lower:
 *
 *   median   the median of the nodes' values
 *   MAD      the median of |value - median|
 *   scale    max(MAD, OUTLIER_MAD_FLOOR * |median|)
 *   z        0.6745 * (value - median) / scale
 *
 * A node is flagged when z is beyond OUTLIER_Z on the metric's bad side
 * (z < -3.5 for `better: higher`, z > 3.5 for `better: lower`); a node
 * better than its peers is never flagged. The floor keeps identical nodes
 * plus noise from flagging anything (with MAD near 0 any jitter would be a
 * huge z): a node must be at least 3.5 / 0.6745 * 1 % = 5.2 % worse than the
 * median to be flagged. A series whose median and MAD are both 0 is not
 * judged (no scale). Cost: O(n log n) per series (a sort for each median).
 *
 * Not judged: metrics of the inventory and of the probes in
 * outlier_skipped_probes (configuration, which drift covers), metrics with
 * unit `count`, and nodes that were lost (unreachable, timeout, excluded).
 */
#ifndef SD_OUTLIER_H
#define SD_OUTLIER_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#define OUTLIER_MIN_NODES 3
#define OUTLIER_Z 3.5
#define OUTLIER_MAD_FLOOR 0.01
#define OUTLIER_K 0.6745
/* At most this many outliers are listed (worst first); the rest are counted. */
#define OUTLIER_MAX_LISTED 1000
/* At most this many hosts are listed for one drift value; the rest are counted. */
#define DRIFT_MAX_HOSTS 16

/* The centre and scale of one series. */
struct outlier_fit {
	double median, mad, scale; /* scale: NAN when the series is not judged */
	size_t n;
};

/*
 * Fit the n values of x (reordered: x is scratch; NANs are ignored). Returns
 * 0, or -1 when fewer than OUTLIER_MIN_NODES values are finite or the median
 * and MAD are both 0 (f is still filled, scale NAN).
 */
int outlier_fit(double *x, size_t n, struct outlier_fit *f);
/* The modified z of x against f; NAN when f is not judged. */
double outlier_z(const struct outlier_fit *f, double x);
/* Whether z is an outlier on the bad side: lower_better 0 (better: higher) or 1. */
int outlier_bad(double z, int lower_better);

/* One series across nodes. Strings and labels are borrowed from the first node that reported it. */
struct outlier_series {
	const char *step, *metric, *unit;
	const cJSON *labels;
	int lower_better;
	struct outlier_fit fit;
	size_t nflagged;
	uint32_t first, n; /* its points, after outlier_finish() */
};

struct outlier_point {
	double value;
	uint32_t node, series;
};

/* A node flagged in a series. */
struct outlier_flag {
	uint32_t node, series;
	double value, z;
};

struct outlier_set {
	struct outlier_series *series;
	size_t nseries, series_alloc;
	struct outlier_point *points;
	size_t npoints, points_alloc;
	struct outlier_flag *flags; /* worst |z| first */
	size_t nflags;
	uint32_t *table; /* private: 1 + series index, open addressing */
	size_t table_size;
};

void outlier_init(struct outlier_set *s);
/*
 * One metric of a node: its step id and probe (the probe decides whether it
 * is judged), name, unit, better, labels (may be NULL) and value. Borrowed:
 * the strings must outlive s.
 */
void outlier_add(struct outlier_set *s, uint32_t node, const char *step, const char *probe, const char *name,
		 const char *unit, const char *better, const cJSON *labels, double value);
/* Group the points by series, fit each series and flag the outliers. */
void outlier_finish(struct outlier_set *s);
void outlier_release(struct outlier_set *s);
/* Whether a probe's metrics are judged across nodes. */
int outlier_probe_judged(const char *probe);

/* ---- fleet drift ---- */

/* One node's value of one drift key; value borrowed from the results, or from d. */
struct drift_item {
	const char *key; /* borrowed: a drift_keys[] name, or a member's name (module.nvidia) */
	const char *value;
	uint32_t node;
};

/* One distinct value of a key, after drift_finish(). */
struct drift_value {
	const char *value;
	size_t first, n; /* its items: d->items[first .. first+n), in node order */
};

struct drift_key_result {
	const char *key;
	size_t first, n; /* d->values[first .. first+n), most nodes first */
};

struct drift {
	struct drift_item *items;
	size_t nitems, alloc;
	char **owned; /* numbers as text */
	size_t nowned, owned_alloc;
	struct drift_value *values;
	size_t nvalues;
	struct drift_key_result *keys; /* only the keys with more than one value */
	size_t nkeys;
};

void drift_init(struct drift *d);
/*
 * The drift keys of one node, from its inventory (the sysinfo result
 * document, or NULL) and its audit result document (or NULL).
 */
void drift_add_node(struct drift *d, uint32_t node, const cJSON *inventory, const cJSON *audit);
/* Group by key and value; keep the keys where the nodes differ. */
void drift_finish(struct drift *d);
void drift_release(struct drift *d);

#endif
