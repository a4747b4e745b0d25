/* test_suggest.c - "did you mean" (suggest.c): the distance and when a word is close enough. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "suggest.h"

static void test_distance(void **state)
{
	static const struct {
		const char *a, *b;
		size_t want;
	} cases[] = {
		{ "", "", 0 },
		{ "a", "", 1 },
		{ "", "abc", 3 },
		{ "steps", "steps", 0 },
		{ "stpes", "steps", 1 }, /* a swap is one edit */
		{ "sise", "size", 1 },
		{ "tiemout", "timeout", 1 },
		{ "Steps", "steps", 0 }, /* case is ignored */
		{ "kitten", "sitting", 3 },
		{ "ab", "ba", 1 },
		{ "abc", "ca", 3 }, /* OSA: no edit of a swapped pair */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (suggest_distance(cases[i].a, cases[i].b) != cases[i].want)
			fail_msg("distance('%s', '%s') = %zu, want %zu", cases[i].a, cases[i].b,
				 suggest_distance(cases[i].a, cases[i].b), cases[i].want);
		assert_int_equal(suggest_distance(cases[i].b, cases[i].a), cases[i].want);
	}
}

static void test_nearest(void **state)
{
	static const char *const keys[] = { "plan", "description", "defaults", "requires", "steps", "baseline" };
	static const char *const with_null[] = { NULL, "size", NULL, "sizes" };
	static const struct {
		const char *word, *want;
	} cases[] = {
		{ "stpes", "steps" },
		{ "step", "steps" },
		{ "Plan", "plan" },
		{ "descripton", "description" },
		{ "defualts", "defaults" },
		{ "require", "requires" },
		{ "base_line", "baseline" },
		{ "foo", NULL },
		{ "x", NULL },	/* one letter: nothing is close enough */
		{ "pl", NULL }, /* two edits from "plan" is too many for a short word */
		{ "", NULL },
		{ "timeout", NULL },
	};
	size_t i;
	const char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = suggest_nearest(cases[i].word, keys, sizeof(keys) / sizeof(keys[0]));
		if (cases[i].want ? !got || strcmp(got, cases[i].want) : got != NULL)
			fail_msg("nearest('%s') = '%s', want '%s'", cases[i].word, got ? got : "(none)",
				 cases[i].want ? cases[i].want : "(none)");
	}
	/* NULL candidates are skipped; a tie goes to the earlier candidate */
	assert_string_equal(suggest_nearest("sise", with_null, 4), "size");
	assert_string_equal(suggest_nearest("sizex", with_null, 4), "size");
	assert_null(suggest_nearest("size", keys, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
