/* test_redact.c - redact_url_password(): credentials out of URLs, everything else untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "redact.h"

static void test_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "http://alice:s3cret@127.0.0.1:5000", "http://alice:REDACTED@127.0.0.1:5000" },
		{ "https://u:p@reg.example/v2/x?y=1", "https://u:REDACTED@reg.example/v2/x?y=1" },
		{ "https://u:p:q@h", "https://u:REDACTED@h" },		/* the password is all after the first ':' */
		{ "https://user@host/path", "https://user@host/path" }, /* no password */
		{ "https://host:5000/a@b", "https://host:5000/a@b" },	/* '@' in the path, ':' is the port */
		{ "https://host:5000", "https://host:5000" },
		{ "no url: a:b@c", "no url: a:b@c" },
		{ "", "" },
		{ "://:@", "://:REDACTED@" },
	};
	size_t i;
	char *r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = redact_url_password(cases[i][0]);
		assert_string_equal(r, cases[i][1]);
		free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
