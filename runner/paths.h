/*
 * paths.h - where shakedown's data lives at run time, and relative paths
 * between places (a report's link to its runbook).
 *
 * The repository layout is the install layout: the runner is
 * ROOT/build/bin/shakedown (any BUILDDIR works as long as it is two levels
 * below ROOT, e.g. build/check/bin is three: then ROOT is found by walking up
 * until a directory holds runbooks/ and suites/); a build tree outside the
 * repository falls back to walking up from the current directory.
 * Environment override: SHAKEDOWN_ROOT for ROOT itself.
 */
#ifndef SD_PATHS_H
#define SD_PATHS_H

/* The directory holding runbooks/ and suites/, or NULL; caller frees. */
char *paths_root(void);

/* ROOT/name (e.g. "runbooks", "suites/baselines"), or NULL when there is no ROOT; caller frees. */
char *paths_data(const char *name);

/*
 * The path of `to` relative to the directory `from_dir` (both must exist),
 * e.g. "../../runbooks"; NULL when either cannot be resolved. Caller frees.
 */
char *paths_relative(const char *from_dir, const char *to);

#endif
