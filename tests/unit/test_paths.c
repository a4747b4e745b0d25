/* test_paths.c - the repository root and relative paths between directories (paths.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "xalloc.h"

static char tmp[] = "/tmp/sd-paths.XXXXXX";

static void mk(const char *rel)
{
	char *p = xasprintf("%s/%s", tmp, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void check_rel(const char *from, const char *to, const char *want)
{
	char *f = xasprintf("%s/%s", tmp, from), *t = xasprintf("%s/%s", tmp, to), *got = paths_relative(f, t);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(f);
	free(t);
}

static void test_relative(void **state)
{
	char *got;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	mk("runbooks");
	mk("runs");
	mk("runs/quick-1");
	mk("runsx");
	check_rel("runs/quick-1", "runbooks", "../../runbooks");
	check_rel("runs", "runs/quick-1", "quick-1");
	check_rel("runs", "runsx", "../runsx");
	check_rel("runs", "runs", ".");
	got = paths_relative("/", tmp);
	assert_string_equal(got, tmp + 1);
	free(got);
	assert_null(paths_relative("/nonexistent-dir-for-sure", tmp));
}

static void test_root(void **state)
{
	char *root, *rb;

	(void)state;
	/* the tests run from the repository root: the executable is below it */
	root = paths_root();
	assert_non_null(root);
	rb = paths_data("runbooks");
	assert_non_null(strstr(rb, "/runbooks"));
	free(rb);
	free(root);
	setenv("SHAKEDOWN_ROOT", tmp, 1);
	root = paths_root();
	assert_string_equal(root, tmp);
	free(root);
	unsetenv("SHAKEDOWN_ROOT");
	{
		const char *dirs[] = { "runs/quick-1", "runs", "runsx", "runbooks", "" };
		size_t i;

		for (i = 0; i < 5; i++) {
			char *p = xasprintf("%s/%s", tmp, dirs[i]);

			rmdir(p);
			free(p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
