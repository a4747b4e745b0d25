/*
 * test_subst.c - ${VAR}, ${VAR:-default} and $$ in plan values (subst.c).
 * Variables come from a fixed table through the lookup callback, so the
 * process environment does not matter; one case goes through getenv().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "subst.h"

static const char *const vars[][2] = {
	{ "HOST", "node1" },	    { "N", "4" }, { "EMPTY", "" }, { "_under_1", "u" },
	{ "DOLLAR", "$x ${HOST}" }, /* a value is not expanded again */
};

static const char *lookup(const char *name, void *ctx)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(vars[i][0], name))
			return vars[i][1];
	return NULL;
}

static const struct subst_env env = { lookup, NULL };

struct ok_case {
	const char *in, *out;
};

static const struct ok_case ok_cases[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "${HOST}", "node1" },
	{ "x${N}y${N}z", "x4y4z" },
	{ "${_under_1}", "u" },
	{ "${MISSING:-8}", "8" },
	{ "${MISSING:-}", "" },
	{ "${MISSING:-a b:c-d}", "a b:c-d" },
	{ "${N:-8}", "4" },
	{ "${EMPTY}", "" },
	{ "${EMPTY:-dflt}", "dflt" }, /* ":-" covers set-but-empty, as in the shell */
	{ "$$", "$" },
	{ "$${HOST}", "${HOST}" },
	{ "$$$$", "$$" },
	{ "cost: $5", "cost: $5" },
	{ "$HOME", "$HOME" },
	{ "trailing $", "trailing $" },
	{ "${DOLLAR}", "$x ${HOST}" },
	{ "{HOST}", "{HOST}" },
};

static void test_expands(void **state)
{
	struct diags d = DIAGS_INIT;
	char *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		out = NULL;
		if (subst_expand(ok_cases[i].in, &env, &out, &d, "f.yaml", 3, 9))
			fail_msg("'%s': %s", ok_cases[i].in, d.n ? d.v[0].msg : "failed");
		assert_int_equal(d.n, 0);
		assert_string_equal(out, ok_cases[i].out);
		free(out);
	}
}

struct err_case {
	const char *in;
	const char *want[3];
};

static const struct err_case err_cases[] = {
	{ "${NODES}", { "environment variable 'NODES' is not set (write ${NODES:-default} to give a default)" } },
	{ "${A} and ${B}",
	  { "environment variable 'A' is not set (write ${A:-default} to give a default)",
	    "environment variable 'B' is not set (write ${B:-default} to give a default)" } },
	{ "${HOST", { "unterminated '${HOST' (missing '}')" } },
	{ "x ${", { "unterminated '${' (missing '}')" } },
	{ "${}", { "invalid variable name '' in '${}'" } },
	{ "${1X}", { "invalid variable name '1X' in '${1X}'" } },
	{ "${A B}", { "invalid variable name 'A B' in '${A B}'" } },
	{ "${A-b}", { "invalid variable name 'A-b' in '${A-b}'" } },
	{ "${A:b}", { "invalid variable name 'A:b' in '${A:b}'" } },
	{ "${A:-${B}}", { "nested '${' in '${A:-${B}' is not supported" } },
	{ "${NOPE} ${HOST",
	  { "environment variable 'NOPE' is not set (write ${NOPE:-default} to give a default)",
	    "unterminated '${HOST' (missing '}')" } },
};

static void test_errors(void **state)
{
	struct diags d = DIAGS_INIT;
	char *out;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		out = (char *)"untouched";
		assert_int_equal(subst_expand(c->in, &env, &out, &d, "f.yaml", 3, 9), -1);
		assert_null(out);
		for (n = 0; n < 3 && c->want[n]; n++)
			;
		if (d.n != n)
			fail_msg("'%s': %zu messages, want %zu", c->in, d.n, n);
		for (j = 0; j < n; j++) {
			/* every message carries the scalar's mark */
			assert_string_equal(d.v[j].file, "f.yaml");
			assert_int_equal(d.v[j].line, 3);
			assert_int_equal(d.v[j].col, 9);
			assert_string_equal(d.v[j].msg, c->want[j]);
		}
		diags_release(&d);
	}
}

static void test_getenv(void **state)
{
	struct diags d = DIAGS_INIT;
	char *out;

	(void)state;
	setenv("SD_TEST_SUBST", "from-env", 1);
	unsetenv("SD_TEST_SUBST_UNSET");
	assert_int_equal(subst_expand("${SD_TEST_SUBST}/${SD_TEST_SUBST_UNSET:-x}", NULL, &out, &d, NULL, 0, 0), 0);
	assert_string_equal(out, "from-env/x");
	free(out);
	assert_int_equal(subst_expand("${SD_TEST_SUBST_UNSET}", NULL, &out, &d, NULL, 0, 0), -1);
	assert_int_equal(d.n, 1);
	diags_release(&d);
}

static void test_has_vars(void **state)
{
	(void)state;
	assert_false(subst_has_vars("1GiB"));
	assert_true(subst_has_vars("${X}"));
	assert_true(subst_has_vars("$$"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expands),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_getenv),
		cmocka_unit_test(test_has_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
