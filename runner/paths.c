/* paths.c - see paths.h. */
#include "paths.h"
#include "xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int is_root(const char *dir)
{
	char *a = xasprintf("%s/runbooks", dir), *b = xasprintf("%s/suites", dir);
	int ok = is_dir(a) && is_dir(b);

	free(a);
	free(b);
	return ok;
}

/* The nearest directory at or above dir (modified) that is a root, or NULL; caller frees. */
static char *walk_up(char *dir)
{
	char *slash;

	for (;;) {
		if (is_root(dir))
			return xstrdup(dir);
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return NULL;
		*slash = '\0';
	}
}

char *paths_root(void)
{
	const char *env = getenv("SHAKEDOWN_ROOT");
	char buf[PATH_MAX], *root = NULL;
	ssize_t n;

	if (env && *env)
		return is_dir(env) ? xstrdup(env) : NULL;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		root = walk_up(buf);
	}
	/* a build tree outside the repository: the directory we run in */
	if (!root && getcwd(buf, sizeof(buf)))
		root = walk_up(buf);
	return root;
}

char *paths_data(const char *name)
{
	char *root = paths_root(), *p;

	if (!root)
		return NULL;
	p = xasprintf("%s/%s", root, name);
	free(root);
	return p;
}

char *paths_relative(const char *from_dir, const char *to)
{
	char *a = realpath(from_dir, NULL), *b = realpath(to, NULL), *out = NULL, *p;
	size_t common = 0, i;

	if (!a || !b)
		goto out;
	if (!strcmp(a, "/")) {
		out = xstrdup(b[1] ? b + 1 : ".");
		goto out;
	}
	/* the longest common prefix that ends at a path component */
	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			common = i;
	if (!a[i] && (b[i] == '/' || !b[i]))
		common = i;
	out = xstrdup("");
	for (p = a + common; *p; p++)
		if (*p == '/') {
			char *t = xasprintf("%s../", out);

			free(out);
			out = t;
		}
	p = xasprintf("%s%s", out, b[common] == '/' ? b + common + 1 : b + common);
	free(out);
	out = *p ? p : (free(p), xstrdup("."));
out:
	free(a);
	free(b);
	return out;
}
