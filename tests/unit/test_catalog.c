/*
 * test_catalog.c - probe discovery and self-descriptions (catalog.c):
 * SHAKEDOWN_PROBE_PATH order, names, non-executables, bad names, broken
 * --describe output, and the real test probe's description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "xalloc.h"

static char tmp[] = "/tmp/sd-catalog.XXXXXX";

static void write_exec(const char *name, const char *body, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmp, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	chmod(path, mode);
	free(path);
}

static int setup(void **state)
{
	const char *b = getenv("SD_BUILD") ? getenv("SD_BUILD") : "build";
	char *path;

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	/* a probe whose --describe prints garbage, one that is not executable, one with a bad name */
	write_exec("garbled", "#!/bin/sh\necho 'this is not json'\n", 0755);
	write_exec("liar",
		   "#!/bin/sh\necho '{\"protocol\":1,\"probe\":\"other\",\"version\":\"1\","
		   "\"description\":\"d\",\"params\":[],\"metrics\":[]}'\n",
		   0755);
	write_exec("notexec", "#!/bin/sh\nexit 0\n", 0644);
	write_exec("Bad.Name", "#!/bin/sh\nexit 0\n", 0755);
	path = xasprintf("%s:%s/tests/probes", tmp, b);
	setenv("SHAKEDOWN_PROBE_PATH", path, 1);
	free(path);
	return 0;
}

static int teardown(void **state)
{
	const char *names[] = { "garbled", "liar", "notexec", "Bad.Name" };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		char *p = xasprintf("%s/%s", tmp, names[i]);

		unlink(p);
		free(p);
	}
	rmdir(tmp);
	return 0;
}

static void test_names(void **state)
{
	struct catalog c;
	char **names;
	size_t n, i;
	int garbled = 0, misbehave = 0;

	(void)state;
	assert_int_equal(catalog_init(&c), 0);
	assert_true(c.ndirs >= 3); /* two from the environment, probes/ next to the executable */
	assert_string_equal(c.dirs[0], tmp);
	names = catalog_names(&c, &n);
	for (i = 0; i < n; i++) {
		garbled += !strcmp(names[i], "garbled");
		misbehave += !strcmp(names[i], "misbehave");
		assert_string_not_equal(names[i], "notexec");
		assert_string_not_equal(names[i], "Bad.Name");
		if (i)
			assert_true(strcmp(names[i - 1], names[i]) < 0);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	assert_int_equal(garbled, 1);
	assert_int_equal(misbehave, 1);
	catalog_release(&c);
}

static void test_valid_names(void **state)
{
	(void)state;
	assert_true(catalog_valid_name("membw"));
	assert_true(catalog_valid_name("gpu_burn-2"));
	assert_false(catalog_valid_name("../etc/passwd"));
	assert_false(catalog_valid_name("a/b"));
	assert_false(catalog_valid_name(""));
	assert_false(catalog_valid_name("Upper"));
}

static void test_describe(void **state)
{
	const struct probe_desc *d, *again;
	const struct probe_pdesc *mode;
	struct catalog c;
	char err[512];
	char *path;

	(void)state;
	assert_int_equal(catalog_init(&c), 0);
	d = catalog_get(&c, "misbehave", err, sizeof(err));
	if (!d)
		fail_msg("%s", err);
	assert_string_equal(d->name, "misbehave");
	mode = probe_desc_param(d, "mode");
	assert_non_null(mode);
	assert_string_equal(mode->type, "enum");
	assert_non_null(strstr(mode->choices, "crash"));
	assert_null(probe_desc_param(d, "nope"));
	again = catalog_get(&c, "misbehave", err, sizeof(err));
	assert_ptr_equal(d, again); /* described once */
	path = catalog_find(&c, "misbehave");
	assert_non_null(strstr(path, "tests/probes/misbehave"));
	free(path);

	assert_null(catalog_get(&c, "garbled", err, sizeof(err)));
	assert_string_equal(err, "probe 'garbled' --describe did not print JSON");
	assert_null(catalog_get(&c, "liar", err, sizeof(err)));
	assert_string_equal(err, "probe 'liar' describes itself as 'other'");
	assert_null(catalog_get(&c, "misbehav", err, sizeof(err)));
	assert_string_equal(err, "unknown probe 'misbehav' (did you mean 'misbehave'?)");
	assert_null(catalog_get(&c, "notexec", err, sizeof(err)));
	assert_null(catalog_find(&c, "../probes/misbehave"));
	catalog_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
