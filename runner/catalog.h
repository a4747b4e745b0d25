/*
 * catalog.h - where probes are found and what they say about themselves.
 *
 * Probes are executables named after the probe. They are looked up in the
 * directories of $SHAKEDOWN_PROBE_PATH (colon-separated, searched first),
 * then in "probes/" next to the runner's own executable (/proc/self/exe).
 * A probe describes itself with `--describe` (probes/PROTOCOL.md); the
 * catalog runs that once per probe and keeps the answer.
 */
#ifndef SD_CATALOG_H
#define SD_CATALOG_H

#include <stddef.h>

#include "diag.h"

struct plan;

struct probe_pdesc {
	char *name, *type, *def, *help;
	char *choices; /* "a|b|c", or NULL */
	int required;
};

struct probe_mdesc {
	char *name, *unit, *better, *help;
};

struct probe_desc {
	char *name, *version, *description;
	char *path; /* the executable */
	struct probe_pdesc *params;
	size_t nparams;
	struct probe_mdesc *metrics;
	size_t nmetrics;
	int per_gpu; /* "per_gpu": true: one instance per GPU (attempt.h) */
};

struct catalog {
	char **dirs;
	size_t ndirs;
	struct probe_desc **probes; /* described so far */
	size_t n;
};

/* Set up the search path. Returns 0, or -1 when no directory could be determined. */
int catalog_init(struct catalog *c);
void catalog_release(struct catalog *c);

/* Valid probe name: [a-z0-9_-]+, no path separators. */
int catalog_valid_name(const char *name);

/* Path of the probe's executable, or NULL. Caller frees. */
char *catalog_find(const struct catalog *c, const char *name);

/*
 * The probe's self-description (owned by the catalog), running --describe on
 * first use. NULL when the probe is not found or its description is bad;
 * err then says why ("unknown probe 'x'", "probe 'x' --describe: ...").
 */
const struct probe_desc *catalog_get(struct catalog *c, const char *name, char *err, size_t len);

/* Every probe name on the search path, sorted and unique; caller frees names and array. */
char **catalog_names(const struct catalog *c, size_t *n);

const struct probe_pdesc *probe_desc_param(const struct probe_desc *d, const char *name);

/*
 * Check each step of a plan against its probe: the probe exists (nearest name
 * suggested otherwise), every parameter is declared and its value has the
 * declared type, required parameters are given. Adds located errors to d;
 * returns 0 when none were added.
 */
int catalog_check_plan(struct catalog *c, const struct plan *p, struct diags *d);

#endif
