/*
 * test_yamltree.c - YAML text to marked nodes (yamltree.c): marks, scalar
 * flags, aliases, merge keys, limits and the errors of the YAML layer.
 * The plan-level messages built on top are in test_plan.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "yamltree.h"

static int parse(struct ytree *t, const char *text, struct diags *d)
{
	return ytree_parse(t, "t.yaml", text, strlen(text), NULL, d);
}

static void assert_mark(const struct ynode *n, int line, int col)
{
	assert_non_null(n);
	assert_int_equal(n->line, line);
	assert_int_equal(n->col, col);
}

static void test_marks(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;
	const struct ynode *steps, *s0;

	(void)state;
	assert_int_equal(parse(&t, "a: 1\r\n\xc3\xa9t\xc3\xa9: 'x'\r\nsteps:\r\n  - id: one\r\n    n: [1, 2]\r\n", &d),
			 0);
	assert_int_equal(t.root->kind, YNODE_MAP);
	assert_mark(t.root, 1, 1);
	assert_int_equal(t.root->n, 3);
	/* columns count characters: "été" is three */
	assert_mark(t.root->pairs[1].key, 2, 1);
	assert_mark(t.root->pairs[1].value, 2, 6);
	steps = ynode_get(t.root, "steps");
	assert_int_equal(steps->kind, YNODE_SEQ);
	assert_mark(steps, 4, 3);
	s0 = steps->items[0];
	assert_mark(s0, 4, 5);
	assert_mark(ynode_pair(s0, "n")->key, 5, 5);
	assert_mark(ynode_get(s0, "n")->items[1], 5, 12);
	assert_null(ynode_get(s0, "missing"));
	assert_null(ynode_get(ynode_get(s0, "id"), "x")); /* not a mapping */
	ytree_release(&t);
	diags_release(&d);
}

static void test_scalars(void **state)
{
	static const struct {
		const char *key, *text;
		int quoted, null;
	} want[] = {
		{ "bare", "1", 0, 0 },	  { "single", "1", 1, 0 },     { "double", "1", 1, 0 },
		{ "tagged", "1", 1, 0 },  { "tilde", "~", 0, 1 },      { "null", "null", 0, 1 },
		{ "Null", "Null", 0, 1 }, { "empty", "", 0, 1 },       { "qnull", "null", 1, 0 },
		{ "qempty", "", 1, 0 },	  { "block", "a\nb\n", 1, 0 }, { "folded", "a b\n", 1, 0 },
		{ "bool", "yes", 0, 0 },  { "nul", "a", 1, 0 },
	};
	struct diags d = DIAGS_INIT;
	struct ytree t;
	const struct ynode *v;
	size_t i;

	(void)state;
	assert_int_equal(
		parse(&t,
		      "bare: 1\nsingle: '1'\ndouble: \"1\"\ntagged: !!str 1\ntilde: ~\nnull: null\nNull: Null\n"
		      "empty:\nqnull: 'null'\nqempty: ''\nblock: |\n  a\n  b\nfolded: >\n  a\n  b\nbool: yes\n"
		      "nul: \"a\\0b\"\n",
		      &d),
		-1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "NUL character in a string");
	assert_int_equal(d.v[0].line, 18);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		v = ynode_get(t.root, want[i].key);
		assert_non_null(v);
		assert_int_equal(v->kind, YNODE_SCALAR);
		assert_string_equal(v->text, want[i].text);
		assert_int_equal(v->quoted, want[i].quoted);
		assert_int_equal(v->null, want[i].null);
	}
	assert_true(ynode_get(t.root, "nul")->bad);
	ytree_release(&t);
	diags_release(&d);
}

static void test_aliases(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;
	const struct ynode *a, *b, *m;

	(void)state;
	assert_int_equal(parse(&t, "a: &x hello\nb: *x\nm: &m {k: 1}\nn: [*m, *m]\n", &d), 0);
	a = ynode_get(t.root, "a");
	b = ynode_get(t.root, "b");
	/* the alias shares the text but has its own mark */
	assert_string_equal(b->text, "hello");
	assert_ptr_equal(a->text, b->text);
	assert_mark(b, 2, 4);
	m = ynode_get(t.root, "n")->items[1];
	assert_int_equal(m->kind, YNODE_MAP);
	assert_mark(m, 4, 9);
	assert_string_equal(ynode_get(m, "k")->text, "1");
	assert_mark(ynode_get(m, "k"), 3, 11);
	ytree_release(&t);
	diags_release(&d);
}

static void test_merge(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;
	const struct ynode *m;

	(void)state;
	assert_int_equal(parse(&t,
			       "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\n"
			       "c: {w: 0, <<: [*a, *b], x: 3}\n"
			       "d: {'<<': 1}\n",
			       &d),
			 0);
	m = ynode_get(t.root, "c");
	/* w, then the merged keys where "<<" was (x written here wins, y from the first source), then x */
	assert_int_equal(m->n, 4);
	assert_string_equal(m->pairs[0].key->text, "w");
	assert_string_equal(m->pairs[1].key->text, "y");
	assert_string_equal(m->pairs[1].value->text, "1");
	assert_string_equal(m->pairs[2].key->text, "z");
	assert_string_equal(m->pairs[3].key->text, "x");
	assert_string_equal(m->pairs[3].value->text, "3");
	/* a quoted "<<" is an ordinary key */
	assert_string_equal(ynode_get(t.root, "d")->pairs[0].key->text, "<<");
	ytree_release(&t);
	diags_release(&d);
}

static void test_substitution(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;

	(void)state;
	setenv("SD_TEST_YT", "v", 1);
	unsetenv("SD_TEST_YT_UNSET");
	assert_int_equal(parse(&t, "${SD_TEST_YT}: ${SD_TEST_YT}\nb: \"${SD_TEST_YT_UNSET}\"\n", &d), -1);
	/* keys are left alone, values expanded */
	assert_string_equal(t.root->pairs[0].key->text, "${SD_TEST_YT}");
	assert_string_equal(t.root->pairs[0].value->text, "v");
	/* a value that failed is kept as written, marked bad, reported once at its mark */
	assert_true(ynode_get(t.root, "b")->bad);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 4);
	ytree_release(&t);
	diags_release(&d);
}

struct err_case {
	const char *name, *text;
	int keeps_root; /* the tree is still built after the error */
	const char *want;
};

static const struct err_case err_cases[] = {
	{ "duplicate key", "a: 1\nb: 2\na: 3\n", 1, "t.yaml:3:1: duplicate key 'a' (first at line 1)" },
	{ "complex key", "? [a]\n: 1\n", 1, "t.yaml:1:3: a mapping key must be text, not a list" },
	{ "unknown tag", "a: !x 1\n", 1, "t.yaml:1:4: unsupported tag '!x'" },
	{ "unknown alias", "a: *nope\n", 1, "t.yaml:1:4: unknown alias '*nope'" },
	{ "self alias", "a: &x {b: *x}\n", 1, "t.yaml:1:11: alias '*x' refers to a node that contains it" },
	{ "merge of a scalar", "a: {<<: 1}\n", 1, "t.yaml:1:9: '<<' (merge) needs a mapping or a list of mappings" },
	{ "merge of a list with a scalar", "a: {<<: [{b: 1}, 2]}\n", 1,
	  "t.yaml:1:9: '<<' (merge) needs a mapping or a list of mappings" },
	{ "merge of an unknown alias", "a: {<<: *x}\n", 1, "t.yaml:1:9: unknown alias '*x'" },
	{ "two documents", "a: 1\n---\nb: 2\n", 0, "t.yaml:2:1: more than one YAML document in the file" },
	{ "syntax", "a: [1\n", 0,
	  "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)" },
	{ "bad indentation", "a:\n  b: 1\n c: 2\n", 0,
	  "t.yaml:3:2: did not find expected key (while parsing a block mapping at 1:1)" },
	{ "tab", "a:\n\tb: 1\n", 0, "t.yaml:2:1: tab character in indentation; YAML allows only spaces" },
	{ "not UTF-8", "a: \x80\n", 0, "t.yaml:1:4: not UTF-8 text" },
	{ "surrogate", "a: \xed\xb0\x80\n", 0, "t.yaml:1:4: not UTF-8 text" },
	{ "too big", "a: \xf4\x90\x80\x80\n", 0, "t.yaml:1:4: not UTF-8 text" },
};

static void test_errors(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;
	char buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		assert_int_equal(parse(&t, c->text, &d), -1);
		if (d.n != 1)
			fail_msg("case '%s': %zu messages, want 1", c->name, d.n);
		if (strcmp(diag_format(&d.v[0], buf, sizeof(buf)), c->want))
			fail_msg("case '%s': got '%s', want '%s'", c->name, buf, c->want);
		assert_int_equal(t.root != NULL, c->keeps_root);
		ytree_release(&t);
		diags_release(&d);
	}
}

/* Tabs are fine where YAML allows them: inside quotes and after indentation. */
static void test_tabs_allowed(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;

	(void)state;
	assert_int_equal(parse(&t, "a: \"x\n\ty\"\nb:\t1\nc: [1,\n\t2]\n", &d), 0);
	assert_string_equal(ynode_get(t.root, "a")->text, "x y");
	assert_string_equal(ynode_get(t.root, "b")->text, "1");
	ytree_release(&t);
	diags_release(&d);
}

static void test_empty(void **state)
{
	static const char *const texts[] = { "", "\n\n", "# just a comment\n", "\xef\xbb\xbf" };
	struct diags d = DIAGS_INIT;
	struct ytree t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse(&t, texts[i], &d), 0);
		assert_null(t.root);
		assert_int_equal(d.n, 0);
		ytree_release(&t);
	}
}

static char *nested(int levels)
{
	char *s = xcalloc((size_t)levels * 2 + 2, 1);
	int i;

	for (i = 0; i < levels; i++) {
		s[i] = '[';
		s[levels + i] = ']';
	}
	s[2 * levels] = '\n';
	return s;
}

static void test_depth(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;
	char *s;

	(void)state;
	s = nested(YTREE_MAX_DEPTH);
	assert_int_equal(parse(&t, s, &d), 0);
	ytree_release(&t);
	free(s);
	s = nested(YTREE_MAX_DEPTH + 1);
	assert_int_equal(parse(&t, s, &d), -1);
	assert_null(t.root);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "nesting deeper than 64 levels");
	assert_int_equal(d.v[0].col, YTREE_MAX_DEPTH + 1);
	ytree_release(&t);
	diags_release(&d);
	free(s);
}

/* Aliases count as what they stand for: 10^6 items through 6 levels of aliases is refused. */
static void test_alias_bomb(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;

	(void)state;
	assert_int_equal(parse(&t,
			       "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
			       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			       "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
			       &d),
			 -1);
	assert_null(t.root);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "the document expands to more than 1000000 nodes (check its aliases)");
	assert_int_equal(d.v[0].line, 6);
	ytree_release(&t);
	diags_release(&d);
}

static void test_describe(void **state)
{
	struct diags d = DIAGS_INIT;
	struct ytree t;
	char buf[64];

	(void)state;
	assert_int_equal(parse(&t, "a: text\nb: [1]\nc: {x: 1}\nd:\n", &d), 0);
	assert_string_equal(ynode_describe(ynode_get(t.root, "a"), buf, sizeof(buf)), "'text'");
	assert_string_equal(ynode_describe(ynode_get(t.root, "b"), buf, sizeof(buf)), "a list");
	assert_string_equal(ynode_describe(ynode_get(t.root, "c"), buf, sizeof(buf)), "a mapping");
	assert_string_equal(ynode_describe(ynode_get(t.root, "d"), buf, sizeof(buf)), "nothing");
	ytree_release(&t);
	diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks),	     cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_aliases),	     cmocka_unit_test(test_merge),
		cmocka_unit_test(test_substitution), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tabs_allowed), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_depth),	     cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
