/*
 * test_plan.c - the plan loader (plan.c), through files: inline YAML written
 * to a temporary directory, and the fixtures under tests/data/plans/ (for
 * includes). Run from the repository root.
 *
 * Error cases are a table: a plan's text and every message it must produce,
 * exactly and in order. Messages about the inline file are compared as
 * "line:col: message"; others (included files) with their full path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "plan.h"
#include "xalloc.h"

#define FIX "tests/data/plans/"
#define MAXMSG 8

static char tmpdir[] = "/tmp/sd-test-plan-XXXXXX";

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc ? -1 : 0;
}

/* Write text (len bytes; -1: strlen) to tmpdir/name; returns the path (caller frees). */
static char *write_file(const char *name, const char *text, long len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	fwrite(text, 1, len < 0 ? strlen(text) : (size_t)len, fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* One diagnostic as the tables write it: without the file name when it is `self`. */
static char *show(const struct diag *g, const char *self)
{
	char buf[1024];

	if (g->file && !strcmp(g->file, self))
		return xasprintf("%d:%d: %s", g->line, g->col, g->msg);
	return xstrdup(diag_format(g, buf, sizeof(buf)));
}

static void print_diags(const struct diags *d, const char *self)
{
	size_t i;
	char *s;

	for (i = 0; i < d->n; i++) {
		s = show(&d->v[i], self);
		print_message("  got: %s\n", s);
		free(s);
	}
}

/* Assert that d holds exactly want[] (NULL-terminated), in order. */
static void expect_diags(const char *name, const struct diags *d, const char *self, const char *const *want)
{
	size_t n = 0, i;
	char *s;

	while (n < MAXMSG && want[n])
		n++;
	if (d->n != n) {
		print_diags(d, self);
		fail_msg("case '%s': %zu messages, want %zu", name, d->n, n);
	}
	for (i = 0; i < n; i++) {
		s = show(&d->v[i], self);
		if (strcmp(s, want[i])) {
			print_diags(d, self);
			fail_msg("case '%s': message %zu is\n  '%s'\nwant\n  '%s'", name, i + 1, s, want[i]);
		}
		free(s);
	}
}

/* ---- errors, one case per row ---- */

struct err_case {
	const char *name;
	const char *yaml;
	const char *want[MAXMSG];
};

static const struct err_case err_cases[] = {
	/* keys */
	{ "unknown key, suggested",
	  "plan: q\nstpes:\n  - {id: a, probe: b}\n",
	  { "1:1: the plan has no 'steps'", "2:1: unknown key 'stpes' (did you mean 'steps'?)" } },
	{ "unknown key, listed",
	  "plan: q\nfoo: 1\nsteps: [{id: a, probe: b}]\n",
	  { "2:1: unknown key 'foo' (valid keys: plan, description, defaults, requires, steps, baseline, nodes)" } },
	{ "unknown step key, hint",
	  "plan: q\nsteps:\n  - id: a\n    probe: b\n    size: 1GiB\n    tiemout: 5s\n",
	  { "5:5: unknown key 'size' (valid keys: id, probe, with, repeat, timeout, launcher; probe parameters go under 'with')",
	    "6:5: unknown key 'tiemout' (did you mean 'timeout'?)" } },
	{ "unknown defaults key",
	  "plan: q\ndefaults: {timout: 5s, retries: 2}\nsteps: [{id: a, probe: b}]\n",
	  { "2:12: unknown key 'timout' (did you mean 'timeout'?)",
	    "2:24: unknown key 'retries' (valid keys: timeout, repeat, launcher)" } },
	{ "unknown requires key",
	  "plan: q\nrequires: {gpus: 1}\nsteps: [{id: a, probe: b}]\n",
	  { "2:12: unknown key 'gpus' (valid keys: gpus_per_node, min_memory, min_cpus)" } },
	{ "duplicate key",
	  "plan: q\nsteps: [{id: a, probe: b}]\nplan: r\n",
	  { "3:1: duplicate key 'plan' (first at line 1)" } },
	{ "nodes not a mapping",
	  "plan: q\nnodes: 4\nsteps: [{id: a, probe: b}]\n",
	  { "2:8: 'nodes' must be a mapping of hostfile, hosts or slurm and their settings, got '4'" } },
	{ "nodes without a source",
	  "plan: q\nnodes: {locate: true}\nsteps: [{id: a, probe: b}]\n",
	  { "2:8: 'nodes' needs one of hostfile, hosts, slurm" } },
	{ "nodes with two sources",
	  "plan: q\nnodes: {hosts: [a], slurm: allocation}\nsteps: [{id: a, probe: b}]\n",
	  { "2:21: 'nodes' has both 'hosts' and 'slurm': give one of hostfile, hosts, slurm" } },
	{ "nodes: bad values",
	  "plan: q\nnodes:\n  hosts: [a, '-x', [b]]\n  on_node_failure: retry\n  locate: maybe\n"
	  "  launcher_args: ''\nsteps: [{id: a, probe: b}]\n",
	  { "3:14: a host must be a host name (letters, digits, '.', '_', '-'), got '-x'",
	    "3:20: a host must be a host name (letters, digits, '.', '_', '-'), got a list",
	    "4:20: 'on_node_failure' must be exclude or abort, got 'retry'",
	    "5:11: 'locate' must be true or false, got 'maybe'",
	    "6:18: 'launcher_args' must be a list of launcher arguments, got ''" } },
	{ "nodes: slurm keys",
	  "plan: q\nnodes: {slurm: {partiton: gpu, nodes: 0}}\nsteps: [{id: a, probe: b}]\n",
	  { "2:17: unknown key 'partiton' (did you mean 'partition'?)",
	    "2:39: 'nodes' must be an integer of 1 or more, got '0'" } },
	{ "nodes: slurm text",
	  "plan: q\nnodes: {slurm: all}\nsteps: [{id: a, probe: b}]\n",
	  { "2:16: 'slurm' must be 'allocation' or a mapping of partition and nodes, got 'all'" } },
	{ "missing plan and steps",
	  "description: x\n",
	  { "1:1: the plan has no name (add 'plan: NAME')", "1:1: the plan has no 'steps'" } },

	/* types */
	{ "steps not a list", "plan: q\nsteps: 5\n", { "2:8: 'steps' must be a list of steps" } },
	{ "steps empty", "plan: q\nsteps: []\n", { "2:8: 'steps' is empty: list at least one step" } },
	{ "plan name a list", "plan: [a]\nsteps: [{id: a, probe: b}]\n", { "1:7: 'plan' must be text, got a list" } },
	{ "plan name empty", "plan:\nsteps: [{id: a, probe: b}]\n", { "1:6: 'plan' has no value" } },
	{ "plan name bad",
	  "plan: my plan\nsteps: [{id: a, probe: b}]\n",
	  { "1:7: plan name 'my plan' must be letters, digits, '.', '_' and '-', starting with a letter or digit" } },
	{ "description a mapping",
	  "plan: q\ndescription: {a: 1}\nsteps: [{id: a, probe: b}]\n",
	  { "2:14: 'description' must be text, got a mapping" } },
	{ "defaults not a mapping",
	  "plan: q\ndefaults: 5s\nsteps: [{id: a, probe: b}]\n",
	  { "2:11: 'defaults' must be a mapping of timeout, repeat and launcher, got '5s'" } },
	{ "repeat a word",
	  "plan: q\nsteps:\n  - {id: a, probe: b, repeat: five}\n",
	  { "3:31: 'repeat' must be an integer from 1 to 10000, got 'five'" } },
	{ "repeat out of range",
	  "plan: q\ndefaults: {repeat: 0}\nsteps:\n  - {id: a, probe: b, repeat: 10001}\n  - {id: c, probe: b, repeat: 1.5}\n"
	  "  - {id: d, probe: b, repeat: [1]}\n  - {id: e, probe: b, repeat: }\n",
	  { "2:20: 'repeat' must be an integer from 1 to 10000, got '0'",
	    "4:31: 'repeat' must be an integer from 1 to 10000, got '10001'",
	    "5:31: 'repeat' must be an integer from 1 to 10000, got '1.5'",
	    "6:31: 'repeat' must be an integer from 1 to 10000, got a list",
	    "7:31: 'repeat' must be an integer from 1 to 10000, got nothing" } },
	{ "timeouts",
	  "plan: q\nsteps:\n  - {id: a, probe: b, timeout: 90}\n  - {id: c, probe: b, timeout: 0s}\n"
	  "  - {id: d, probe: b, timeout: 5 parsecs}\n  - {id: e, probe: b, timeout: {s: 1}}\n",
	  { "3:32: invalid duration '90': missing unit (ms, s, m, h)",
	    "4:32: 'timeout' must be longer than 0, got '0s'",
	    "5:32: invalid duration '5 parsecs': unknown unit 'parsecs' (use ns, us, ms, s, m, h, d)",
	    "6:32: 'timeout' must be a duration such as 90s or 15m, got a mapping" } },
	{ "requires values",
	  "plan: q\nrequires:\n  gpus_per_node: -1\n  min_memory: 1XB\n  min_cpus: 0\nsteps: [{id: a, probe: b}]\n",
	  { "3:18: 'gpus_per_node' must be an integer of 0 or more, got '-1'",
	    "4:15: invalid size '1XB': unknown unit 'XB' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)",
	    "5:13: 'min_cpus' must be an integer of 1 or more, got '0'" } },

	/* steps */
	{ "step not a mapping",
	  "plan: q\nsteps:\n  - membw\n  -\n",
	  { "3:5: step 1 must be a mapping with 'id' and 'probe', got 'membw'",
	    "4:4: step 2 must be a mapping with 'id' and 'probe', got nothing" } },
	{ "missing id and probe",
	  "plan: q\nsteps:\n  - {id: a, probe: b}\n  - id: c\n  - with: {x: 1}\n",
	  { "4:5: step 2 has no 'probe'", "5:5: step 3 has no 'id'", "5:5: step 3 has no 'probe'" } },
	{ "duplicate step ids",
	  "plan: q\nsteps:\n  - id: a\n    probe: b\n  - id: c\n    probe: b\n  - id: a\n    probe: d\n",
	  { "7:9: duplicate step id 'a' (first at %s:3:5)" } },
	{ "bad id and probe",
	  "plan: q\nsteps:\n  - {id: -a, probe: Mem_BW}\n  - {id: ../x, probe: a/b}\n",
	  { "3:10: step id '-a' must be letters, digits, '.', '_' and '-', starting with a letter or digit",
	    "3:21: probe name 'Mem_BW' must be lower-case letters, digits, '_' and '-'",
	    "4:10: step id '../x' must be letters, digits, '.', '_' and '-', starting with a letter or digit",
	    "4:23: probe name 'a/b' must be lower-case letters, digits, '_' and '-'" } },
	{ "with values",
	  "plan: q\nsteps:\n  - id: a\n    probe: b\n    with:\n      m: {x: 1}\n      l: [1, [2]]\n      c: [a, 'b,c']\n"
	  "      n:\n      bad=name: 1\n",
	  { "6:10: parameter 'm' must be a value or a list of values, got a mapping",
	    "7:14: parameter 'l': a list item must be a single value, got a list",
	    "8:14: parameter 'c': list item 'b,c' contains ','",
	    "9:9: parameter 'n' has no value (write '' for an empty one)",
	    "10:7: parameter name 'bad=name' must be letters, digits, '_' and '-', starting with a letter or digit" } },
	{ "with not a mapping",
	  "plan: q\nsteps:\n  - {id: a, probe: b, with: [size, 1]}\n",
	  { "3:29: 'with' must be a mapping of parameter names to values, got a list" } },

	/* launcher */
	{ "launcher values",
	  "plan: q\nsteps:\n  - {id: a, probe: b, launcher: {kind: mpirun, np: 0}}\n"
	  "  - {id: c, probe: b, launcher: {kind: mpiexec}}\n"
	  "  - {id: d, probe: b, launcher: {np: 2}}\n"
	  "  - {id: e, probe: b, launcher: mpirun}\n",
	  { "3:52: 'np' must be an integer of 1 or more, got '0'",
	    "4:40: launcher kind 'mpiexec' is not one of local, mpirun, srun", "5:33: the launcher has no 'kind'",
	    "6:33: 'launcher' must be a mapping of kind and its settings, got 'mpirun'" } },
	{ "launcher keys",
	  "plan: q\ndefaults:\n  launcher: {kind: srun, np: 2, ntasks: 1}\nsteps:\n"
	  "  - {id: a, probe: b, launcher: {kind: local, args: [-v]}}\n"
	  "  - {id: c, probe: b, launcher: {kind: mpirun, hostfile: nowhere, args: [[x], '']}}\n",
	  { "3:26: 'np' does not apply to launcher kind srun (it is for mpirun)",
	    "3:33: unknown key 'ntasks' (valid keys: kind, np, hostfile, nodes, ntasks_per_node, args)",
	    "5:47: 'args' does not apply to launcher kind local (it is for mpirun and srun)",
	    "6:58: cannot read hostfile '%D/nowhere': No such file or directory",
	    "6:74: a launcher argument must be one non-empty value, got a list",
	    "6:79: a launcher argument must be one non-empty value, got ''" } },

	/* the file itself */
	{ "empty", "", { "1:1: empty plan" } },
	{ "only comments", "# nothing\n\n", { "1:1: empty plan" } },
	{ "only a document marker", "---\n", { "1:1: empty plan" } },
	{ "a list", "- id: a\n  probe: b\n", { "1:1: a plan must be a mapping with 'plan' and 'steps'" } },
	{ "a word", "hello\n", { "1:1: a plan must be a mapping with 'plan' and 'steps'" } },
	{ "not YAML",
	  "plan: q\nsteps: [a, b\ndescription: x\n",
	  { "3:12: did not find expected ',' or ']' (while parsing a flow sequence at 2:8)" } },
	{ "mapping in a plain value",
	  "plan: q\nsteps: a: b\n",
	  { "2:9: mapping values are not allowed in this context" } },
	{ "two documents", "plan: q\n---\nplan: r\n", { "2:1: more than one YAML document in the file" } },
	{ "tab in indentation",
	  "plan: q\nsteps:\n  - id: a\n\t  probe: b\n",
	  { "4:1: tab character in indentation; YAML allows only spaces" } },
	{ "tab after spaces",
	  "plan: q\nsteps:\n  - id: a\n  \tprobe: b\n",
	  { "4:3: tab character in indentation; YAML allows only spaces" } },
	{ "tab indenting a block",
	  "plan: q\nsteps:\n\t- id: a\n",
	  { "3:1: tab character in indentation; YAML allows only spaces" } },
	{ "looping alias",
	  "plan: q\nsteps: &s\n  - id: a\n    probe: b\n    with: {x: *s}\n",
	  { "5:15: alias '*s' refers to a node that contains it" } },
	{ "unknown alias", "plan: q\nsteps: [{id: a, probe: *p}]\n", { "2:24: unknown alias '*p'" } },
	{ "unsupported tag", "plan: !shell q\nsteps: [{id: a, probe: b}]\n", { "1:7: unsupported tag '!shell'" } },
	{ "mapping as a key",
	  "plan: q\n{a: 1}: x\nsteps: [{id: a, probe: b}]\n",
	  { "2:1: a mapping key must be text, not a mapping" } },
	{ "nesting too deep",
	  "plan: q\nsteps: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  { "2:71: nesting deeper than 64 levels" } },

	/* environment variables */
	{ "unset variable",
	  "plan: q\nsteps:\n  - id: a\n    probe: b\n    with: {nodes: '${SD_TEST_UNSET}'}\n",
	  { "5:19: environment variable 'SD_TEST_UNSET' is not set (write ${SD_TEST_UNSET:-default} to give a default)" } },
	{ "unterminated variable",
	  "plan: q\nsteps: [{id: a, probe: b, timeout: '${T'}]\n",
	  { "2:36: unterminated '${T' (missing '}')" } },
	{ "bad variable name",
	  "plan: q\nsteps: [{id: a, probe: b, timeout: '${1T}'}]\n",
	  { "2:36: invalid variable name '1T' in '${1T}'" } },
	{ "variable then bad duration",
	  "plan: q\nsteps: [{id: a, probe: b, timeout: '${SD_TEST_SET}'}]\n",
	  { "2:36: invalid duration 'set': expected a number with a unit (ms, s, m, h)" } },

	/* includes */
	{ "include not found",
	  "plan: q\nsteps:\n  - include: nowhere.yaml\n",
	  { "3:14: cannot open included file '%D/nowhere.yaml': No such file or directory" } },
	{ "include with more keys",
	  "plan: q\nsteps:\n  - {include: '', id: x}\n",
	  { "3:15: 'include' has no value",
	    "3:19: 'id' cannot go with 'include' (an include item has only 'include')" } },
	{ "include of itself",
	  "plan: q\nsteps:\n  - include: case.yaml\n",
	  { "3:14: include cycle: %D/case.yaml -> %D/case.yaml" } },
};

/* Expand %s (the case's file) and %D (its directory) in a wanted message. */
static char *expand_want(const char *w, const char *path)
{
	char *out = xstrdup(""), *next;
	const char *p;

	for (p = w; *p; p++) {
		if (p[0] == '%' && (p[1] == 's' || p[1] == 'D')) {
			next = xasprintf("%s%s", out, p[1] == 's' ? path : tmpdir);
			p++;
		} else {
			next = xasprintf("%s%c", out, *p);
		}
		free(out);
		out = next;
	}
	return out;
}

static void test_errors(void **state)
{
	const char *want[MAXMSG + 1];
	char *path, *exp[MAXMSG];
	struct diags d = DIAGS_INIT;
	struct plan p;
	size_t i, j;

	(void)state;
	setenv("SD_TEST_SET", "set", 1);
	unsetenv("SD_TEST_UNSET");
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		path = write_file("case.yaml", c->yaml, -1);
		memset(want, 0, sizeof(want));
		for (j = 0; j < MAXMSG && c->want[j]; j++)
			want[j] = exp[j] = expand_want(c->want[j], path);
		assert_int_equal(plan_load(path, &p, &d), -1);
		expect_diags(c->name, &d, path, want);
		for (j = 0; j < MAXMSG && c->want[j]; j++)
			free(exp[j]);
		plan_release(&p);
		diags_release(&d);
		free(path);
	}
}

/* Errors in bytes that cannot be written as C string literals in the table. */
static void test_bad_bytes(void **state)
{
	static const struct {
		const char *name, *bytes;
		long len;
		const char *want;
	} cases[] = {
		{ "latin-1", "plan: q\ndescription: caf\xe9\n", -1, "2:17: not UTF-8 text" },
		{ "after multi-byte characters", "plan: q\ndescription: \xc3\xa9t\xc3\xa9 \xed\xa0\x80\n", -1,
		  "2:18: not UTF-8 text" },
		{ "overlong", "plan: \xc0\xaf\n", -1, "1:7: not UTF-8 text" },
		{ "truncated at the end", "plan: q\xe2\x82", -1, "1:8: not UTF-8 text" },
		{ "NUL", "plan: q\n\0\0\0", 11, "2:1: NUL byte: this is a binary file, not YAML text" },
		{ "UTF-16", "\xff\xfep\0l\0a\0n\0", 10, "1:1: not UTF-8 text (this file is UTF-16; save it as UTF-8)" },
		{ "control character", "plan: q\x01\n", -1, "1:8: control characters are not allowed" },
	};
	struct diags d = DIAGS_INIT;
	struct plan p;
	size_t i;
	char *path;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *want[] = { cases[i].want, NULL };

		path = write_file("bytes.yaml", cases[i].bytes, cases[i].len);
		assert_int_equal(plan_load(path, &p, &d), -1);
		expect_diags(cases[i].name, &d, path, want);
		plan_release(&p);
		diags_release(&d);
		free(path);
	}
}

/* validate must see every error: three independent ones, all reported, in file order. */
static void test_three_errors(void **state)
{
	static const char *const want[] = {
		FIX "three-errors.yaml:3:21: invalid duration '90': missing unit (ms, s, m, h)",
		FIX "three-errors.yaml:7:13: 'repeat' must be an integer from 1 to 10000, got 'five'",
		FIX "three-errors.yaml:8:5: step 2 has no 'probe'",
		NULL,
	};
	struct diags d = DIAGS_INIT;
	struct plan p;

	(void)state;
	assert_int_equal(plan_load(FIX "three-errors.yaml", &p, &d), -1);
	expect_diags("three-errors", &d, "", want);
	/* what was valid is still there, for the probe checks that come next */
	assert_int_equal(p.nsteps, 1);
	assert_string_equal(p.steps[0].id, "a");
	plan_release(&p);
	diags_release(&d);
}

static void test_fixture_errors(void **state)
{
	static const struct {
		const char *file;
		const char *want[MAXMSG];
	} cases[] = {
		{ FIX "empty.yaml", { FIX "empty.yaml:1:1: empty plan" } },
		{ FIX "tabs.yaml", { FIX "tabs.yaml:4:1: tab character in indentation; YAML allows only spaces" } },
		{ FIX "not-utf8.yaml", { FIX "not-utf8.yaml:2:17: not UTF-8 text" } },
		{ FIX "binary.yaml", { FIX "binary.yaml:2:1: NUL byte: this is a binary file, not YAML text" } },
		{ FIX "not-yaml.yaml",
		  { FIX "not-yaml.yaml:2:1: did not find expected ',' or '}' (while parsing a flow mapping at 1:3)" } },
		{ FIX "looping-alias.yaml",
		  { FIX "looping-alias.yaml:5:15: alias '*s' refers to a node that contains it" } },
		{ FIX "cycle.yaml",
		  { FIX "inc/cycle-2.yaml:4:14: include cycle: " FIX "inc/cycle-1.yaml -> " FIX
			"inc/cycle-2.yaml -> " FIX "inc/cycle-1.yaml" } },
		{ FIX "dup-across.yaml",
		  { FIX "inc/deeper.yaml:2:9: duplicate step id 'deeper' (first at " FIX "inc/deeper.yaml:2:5)" } },
		{ FIX "include-errors.yaml",
		  { FIX "include-errors.yaml:3:14: cannot open included file '" FIX
			"inc/missing.yaml': No such file or directory",
		    FIX
		    "inc/bad-syntax.yaml:4:1: did not find expected ',' or ']' (while parsing a flow sequence at 3:12)",
		    FIX "inc/not-a-mapping.yaml:1:1: an included file must be a mapping with 'steps'",
		    FIX "inc/empty.yaml:1:1: empty file: an included file needs 'steps'",
		    FIX "inc/no-steps.yaml:1:1: the included file has no 'steps'",
		    FIX
		    "include-errors.yaml:8:32: 'id' cannot go with 'include' (an include item has only 'include')" } },
		{ FIX "no-such-plan.yaml",
		  { "cannot open plan '" FIX "no-such-plan.yaml': No such file or directory" } },
		{ "tests/data", { "cannot read plan 'tests/data': Is a directory" } },
	};
	struct diags d = DIAGS_INIT;
	struct plan p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(plan_load(cases[i].file, &p, &d), -1);
		expect_diags(cases[i].file, &d, "", cases[i].want);
		plan_release(&p);
		diags_release(&d);
	}
}

/* ---- what a valid plan loads into ---- */

static void assert_param(const struct plan_step *s, size_t i, const char *name, const char *value, int line, int col)
{
	assert_true(i < s->nparams);
	assert_string_equal(s->params[i].name, name);
	assert_string_equal(s->params[i].value, value);
	assert_string_equal(s->params[i].file, s->file);
	assert_int_equal(s->params[i].line, line);
	assert_int_equal(s->params[i].col, col);
}

static void assert_step(const struct plan_step *s, const char *id, const char *probe, unsigned repeat,
			uint64_t timeout_s, const char *file, int line)
{
	assert_string_equal(s->id, id);
	assert_string_equal(s->probe, probe);
	assert_int_equal(s->repeat, repeat);
	assert_int_equal(s->timeout_ns, timeout_s * 1000000000ULL);
	assert_string_equal(s->file, file);
	assert_int_equal(s->line, line);
	assert_int_equal(s->probe_line, line + 1);
}

static void test_valid_fixture(void **state)
{
	struct diags d = DIAGS_INIT;
	struct plan p;

	(void)state;
	assert_int_equal(plan_load(FIX "valid.yaml", &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(p.path, FIX "valid.yaml");
	assert_string_equal(p.name, "fixture-valid");
	assert_string_equal(p.description, "every key, an include of a fragment and of a whole plan");
	assert_string_equal(p.baseline, FIX "baselines/fixture.yaml");
	assert_int_equal(p.default_timeout_ns, 120 * 1000000000ULL);
	assert_int_equal(p.default_repeat, 2);
	/* the included whole plan's requirements are merged: the larger wins */
	assert_int_equal(p.req.gpus_per_node, 4);
	assert_int_equal(p.req.min_memory, 1ULL << 30);
	assert_int_equal(p.req.min_cpus, 2);

	assert_int_equal(p.nsteps, 5);
	assert_step(&p.steps[0], "host-membw", "membw", 5, 60, FIX "valid.yaml", 8);
	assert_int_equal(p.steps[0].col, 5);
	assert_int_equal(p.steps[0].probe_col, 12);
	assert_int_equal(p.steps[0].nparams, 3);
	assert_param(&p.steps[0], 0, "target", "cpu", 10, 12);
	assert_param(&p.steps[0], 1, "size", "1GiB", 10, 25);
	assert_param(&p.steps[0], 2, "dtypes", "fp32,bf16", 10, 37);
	assert_int_equal(p.steps[0].params[2].value_line, 10);
	assert_int_equal(p.steps[0].params[2].value_col, 45);
	/* fragment: its own defaults (repeat 3), the plan's timeout */
	assert_step(&p.steps[1], "frag-one", "sysinfo", 3, 5, FIX "inc/fragment.yaml", 5);
	/* included from the fragment: the fragment's defaults reach it */
	assert_step(&p.steps[2], "deeper", "sysinfo", 3, 120, FIX "inc/deeper.yaml", 2);
	assert_step(&p.steps[3], "quoted", "echo", 2, 120, FIX "valid.yaml", 14);
	assert_param(&p.steps[3], 0, "count", "1", 17, 7);
	assert_param(&p.steps[3], 1, "bare", "1", 18, 7);
	/* a whole plan: its defaults for its steps, the including plan's for the rest */
	assert_step(&p.steps[4], "whole-gemm", "gemm", 2, 30, FIX "inc/whole-plan.yaml", 9);

	assert_int_equal(p.nfiles, 4);
	assert_string_equal(p.files[0], FIX "valid.yaml");
	assert_string_equal(p.files[1], FIX "inc/fragment.yaml");
	assert_string_equal(p.files[2], FIX "inc/deeper.yaml");
	assert_string_equal(p.files[3], FIX "inc/whole-plan.yaml");
	plan_release(&p);
	diags_release(&d);
}

/* Load inline text that must be valid. */
static void load_ok(const char *text, struct plan *p)
{
	struct diags d = DIAGS_INIT;
	char *path = write_file("ok.yaml", text, -1);
	const char *none[] = { NULL };

	plan_load(path, p, &d);
	expect_diags(text, &d, path, none);
	diags_release(&d);
	free(path);
}

static void test_builtin_defaults(void **state)
{
	struct plan p;

	(void)state;
	load_ok("plan: bare\nsteps:\n  - {id: a, probe: b}\n", &p);
	assert_null(p.description);
	assert_null(p.baseline);
	assert_int_equal(p.default_timeout_ns, PLAN_DEFAULT_TIMEOUT_NS);
	assert_int_equal(p.default_repeat, 1);
	assert_int_equal(p.req.gpus_per_node, -1);
	assert_int_equal(p.req.min_memory, 0);
	assert_int_equal(p.req.min_cpus, -1);
	assert_int_equal(p.steps[0].repeat, 1);
	assert_int_equal(p.steps[0].timeout_ns, 600 * 1000000000ULL);
	assert_int_equal(p.steps[0].nparams, 0);
	plan_release(&p);
}

static void test_nodes(void **state)
{
	char *hf = write_file("hosts.txt", "# the rack\nn01 slots=8\n\n  n02\tslots=8 # spare\nn01\nn03.cluster\n", -1);
	struct plan p;

	(void)state;
	load_ok("plan: many\nsteps:\n  - {id: a, probe: b}\n", &p);
	assert_int_equal(p.nodes.source, PLAN_NODES_NONE);
	plan_release(&p);
	load_ok("plan: many\nnodes:\n  hosts: [n1, n2, n1, 'n3.x']\n  on_node_failure: abort\n  locate: true\n"
		"  launcher_args: [--mca, btl, tcp]\nsteps:\n  - {id: a, probe: b}\n",
		&p);
	assert_int_equal(p.nodes.source, PLAN_NODES_HOSTS);
	assert_int_equal(p.nodes.nhosts, 3); /* each once */
	assert_string_equal(p.nodes.hosts[2], "n3.x");
	assert_int_equal(p.nodes.on_failure, PLAN_NODE_FAILURE_ABORT);
	assert_int_equal(p.nodes.locate, 1);
	assert_int_equal(p.nodes.nargs, 3);
	assert_string_equal(p.nodes.args[2], "tcp");
	plan_release(&p);
	load_ok("plan: many\nnodes: {hostfile: hosts.txt}\nsteps:\n  - {id: a, probe: b}\n", &p);
	assert_int_equal(p.nodes.source, PLAN_NODES_HOSTFILE);
	assert_string_equal(p.nodes.hostfile, hf);
	assert_int_equal(p.nodes.nhosts, 3);
	assert_string_equal(p.nodes.hosts[0], "n01");
	assert_string_equal(p.nodes.hosts[1], "n02");
	assert_string_equal(p.nodes.hosts[2], "n03.cluster");
	assert_int_equal(p.nodes.on_failure, PLAN_NODE_FAILURE_EXCLUDE);
	plan_release(&p);
	load_ok("plan: many\nnodes: {slurm: {partition: gpu, nodes: 16}}\nsteps:\n  - {id: a, probe: b}\n", &p);
	assert_int_equal(p.nodes.source, PLAN_NODES_SLURM);
	assert_string_equal(p.nodes.partition, "gpu");
	assert_int_equal(p.nodes.slurm_nodes, 16);
	plan_release(&p);
	load_ok("plan: many\nnodes: {slurm: allocation}\nsteps:\n  - {id: a, probe: b}\n", &p);
	assert_int_equal(p.nodes.source, PLAN_NODES_SLURM);
	assert_null(p.nodes.partition);
	plan_release(&p);
	free(hf);
}

static void test_env(void **state)
{
	struct plan p;

	(void)state;
	setenv("SD_TEST_SIZE", "2GiB", 1);
	setenv("SD_TEST_EMPTY", "", 1);
	unsetenv("SD_TEST_UNSET");
	load_ok("plan: env\nbaseline: ${SD_TEST_UNSET:-auto}\nsteps:\n"
		"  - id: a\n    probe: b\n    timeout: ${SD_TEST_UNSET:-90s}\n    repeat: \"${SD_TEST_UNSET:-3}\"\n"
		"    with:\n      size: ${SD_TEST_SIZE}\n      e: '${SD_TEST_EMPTY:-dflt}'\n      cost: $$5 and $HOME\n"
		"      list: [x, '${SD_TEST_SIZE}']\n",
		&p);
	assert_string_equal(p.baseline, "auto");
	assert_int_equal(p.steps[0].timeout_ns, 90 * 1000000000ULL);
	assert_int_equal(p.steps[0].repeat, 3);
	assert_int_equal(p.steps[0].nparams, 4);
	assert_string_equal(p.steps[0].params[0].value, "2GiB");
	assert_string_equal(p.steps[0].params[1].value, "dflt"); /* ":-" also covers set but empty */
	assert_string_equal(p.steps[0].params[2].value, "$5 and $HOME");
	assert_string_equal(p.steps[0].params[3].value, "x,2GiB");
	plan_release(&p);
}

/* Keys are never expanded: the parameter is named "${SD_TEST_SIZE}" and refused. */
static void test_env_key_not_expanded(void **state)
{
	static const char *const want[] = {
		"2:34: parameter name '${SD_TEST_SIZE}' must be letters, digits, '_' and '-', starting with a letter or digit",
		NULL,
	};
	struct diags d = DIAGS_INIT;
	struct plan p;
	char *path = write_file("key.yaml", "plan: q\nsteps: [{id: a, probe: b, with: {'${SD_TEST_SIZE}': 1}}]\n", -1);

	(void)state;
	setenv("SD_TEST_SIZE", "2GiB", 1);
	assert_int_equal(plan_load(path, &p, &d), -1);
	expect_diags("key", &d, path, want);
	plan_release(&p);
	diags_release(&d);
	free(path);
}

static void test_yaml_features(void **state)
{
	struct plan p;

	(void)state;
	load_ok("plan: yaml\r\n"
		"description: \"a tab\tinside quotes,\n\tand on a continuation line\"\r\n"
		"steps:\r\n"
		"  - id: a\r\n    probe: b\r\n    with: &w {size: 1GiB, target: cpu}\r\n"
		"  - id: b\r\n    probe: b\r\n    with: {<<: *w, target: gpu}\r\n"
		"  - {id: c, probe: b, with: *w}\r\n"
		"  - {id: d, probe: b, with: {s: !!str 5, t: '', u: \"\"}}\r\n",
		&p);
	assert_string_equal(p.description, "a tab\tinside quotes, and on a continuation line");
	assert_int_equal(p.nsteps, 4);
	/* CRLF counts as one line break */
	assert_int_equal(p.steps[1].line, 8);
	/* merge: the merged key where "<<" stands, keys written in the mapping win */
	assert_int_equal(p.steps[1].nparams, 2);
	assert_param(&p.steps[1], 0, "size", "1GiB", 7, 15);
	assert_param(&p.steps[1], 1, "target", "gpu", 10, 20);
	/* an alias: the anchored mapping's keys keep their own marks */
	assert_param(&p.steps[2], 1, "target", "cpu", 7, 27);
	assert_string_equal(p.steps[3].params[0].value, "5");
	assert_string_equal(p.steps[3].params[1].value, "");
	assert_string_equal(p.steps[3].params[2].value, "");
	plan_release(&p);
}

/* Columns count characters, as libyaml does, not bytes. */
static void test_columns_are_characters(void **state)
{
	static const char *const want[] = {
		"2:12: unknown key '\xc3\xa9\xc3\xa9' (valid keys: timeout, repeat, launcher)",
		"2:19: unknown key 'x' (valid keys: timeout, repeat, launcher)",
		NULL,
	};
	struct diags d = DIAGS_INIT;
	struct plan p;
	char *path = write_file("utf8.yaml",
				"plan: q\ndefaults: {\xc3\xa9\xc3\xa9: 1, x: 1}\nsteps: [{id: a, probe: b}]\n", -1);

	(void)state;
	assert_int_equal(plan_load(path, &p, &d), -1);
	expect_diags("utf8", &d, path, want);
	plan_release(&p);
	diags_release(&d);
	free(path);
}

static void test_alias_bomb(void **state)
{
	struct diags d = DIAGS_INIT;
	struct plan p;
	char *text = xstrdup("plan: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n"), *next, *path;
	char prev = 'a', c;

	(void)state;
	for (c = 'b'; c <= 'h'; prev = c, c++) {
		next = xasprintf("%s%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", text, c, c, prev,
				 prev, prev, prev, prev, prev, prev, prev, prev, prev);
		free(text);
		text = next;
	}
	path = write_file("bomb.yaml", text, -1);
	assert_int_equal(plan_load(path, &p, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "the document expands to more than 1000000 nodes (check its aliases)");
	assert_int_equal(d.v[0].line, 7); /* f: 1 + 10 * 111111 nodes */
	plan_release(&p);
	diags_release(&d);
	free(path);
	free(text);
}

static void test_include_depth(void **state)
{
	struct diags d = DIAGS_INIT;
	struct plan p;
	char name[32], *text, *path;
	int i;

	(void)state;
	for (i = 0; i <= PLAN_MAX_INCLUDE_DEPTH + 1; i++) {
		snprintf(name, sizeof(name), "depth%02d.yaml", i);
		text = xasprintf("%ssteps:\n  - {id: s%02d, probe: b}\n  - include: depth%02d.yaml\n",
				 i ? "" : "plan: deep\n", i, i + 1);
		free(write_file(name, text, -1));
		free(text);
	}
	path = xasprintf("%s/depth00.yaml", tmpdir);
	assert_int_equal(plan_load(path, &p, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "includes nested deeper than 16 levels");
	text = xasprintf("%s/depth16.yaml", tmpdir);
	assert_string_equal(d.v[0].file, text);
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(p.nsteps, PLAN_MAX_INCLUDE_DEPTH + 1);
	free(text);
	free(path);
	plan_release(&p);
	diags_release(&d);
}

/* ---- --set and --only ---- */

static const char only_plan[] = "plan: cli\ndefaults: {timeout: 1m}\nsteps:\n"
				"  - {id: host-membw, probe: membw, with: {size: 1GiB, target: cpu}}\n"
				"  - {id: gemm.bf16, probe: gemm}\n"
				"  - {id: nccl, probe: nccl}\n";

struct set_case {
	const char *arg;
	const char *err; /* NULL: must succeed */
};

static const struct set_case set_cases[] = {
	{ "host-membw.size=4GiB", NULL },
	{ "host-membw.iters=10", NULL },
	{ "gemm.bf16.repeat=7", NULL },
	{ "gemm.bf16.timeout=5s", NULL },
	{ "nccl.empty=", NULL },
	{ "hostmembw.size=1GiB", "--set 'hostmembw.size=1GiB': unknown step 'hostmembw' (did you mean 'host-membw'?)" },
	{ "zzz.size=1", "--set 'zzz.size=1': unknown step 'zzz'" },
	{ "host-membw.size", "--set 'host-membw.size': expected STEP.PARAM=VALUE" },
	{ "size=1", "--set 'size=1': expected STEP.PARAM=VALUE" },
	{ "nccl.=1", "--set 'nccl.=1': expected STEP.PARAM=VALUE" },
	{ ".x=1", "--set '.x=1': expected STEP.PARAM=VALUE" },
	{ "nccl.repeat=five", "--set 'nccl.repeat=five': 'repeat' must be an integer from 1 to 10000, got 'five'" },
	{ "nccl.repeat=0", "--set 'nccl.repeat=0': 'repeat' must be an integer from 1 to 10000, got '0'" },
	{ "nccl.timeout=90", "--set 'nccl.timeout=90': invalid duration '90': missing unit (ms, s, m, h)" },
	{ "nccl.timeout=0ms", "--set 'nccl.timeout=0ms': 'timeout' must be longer than 0, got '0ms'" },
	{ "nccl.a b=1",
	  "--set 'nccl.a b=1': parameter name 'a b' must be letters, digits, '_' and '-', starting with a letter or digit" },
};

static void test_set(void **state)
{
	struct diags d = DIAGS_INIT;
	struct plan p;
	size_t i;

	(void)state;
	load_ok(only_plan, &p);
	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		int rc = plan_set(&p, set_cases[i].arg, &d);

		if (!set_cases[i].err) {
			if (rc || d.n)
				print_diags(&d, "");
			assert_int_equal(rc, 0);
			assert_int_equal(d.n, 0);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_int_equal(d.n, 1);
		assert_null(d.v[0].file);
		assert_string_equal(d.v[0].msg, set_cases[i].err);
		diags_release(&d);
	}
	/* replaced in place, with the --set as its origin */
	assert_int_equal(p.steps[0].nparams, 3);
	assert_string_equal(p.steps[0].params[0].name, "size");
	assert_string_equal(p.steps[0].params[0].value, "4GiB");
	assert_string_equal(p.steps[0].params[0].file, "--set 'host-membw.size=4GiB'");
	assert_int_equal(p.steps[0].params[0].line, 0);
	assert_int_equal(p.steps[0].params[0].value_col, 0);
	assert_string_equal(p.steps[0].params[1].value, "cpu");
	/* added */
	assert_string_equal(p.steps[0].params[2].name, "iters");
	assert_string_equal(p.steps[0].params[2].value, "10");
	/* repeat and timeout are the step's, not parameters; ids may hold dots */
	assert_int_equal(p.steps[1].repeat, 7);
	assert_int_equal(p.steps[1].timeout_ns, 5 * 1000000000ULL);
	assert_int_equal(p.steps[1].nparams, 0);
	assert_int_equal(p.steps[2].repeat, 1);
	assert_int_equal(p.steps[2].timeout_ns, 60 * 1000000000ULL);
	assert_string_equal(p.steps[2].params[0].name, "empty");
	assert_string_equal(p.steps[2].params[0].value, "");
	plan_release(&p);
}

static void test_only(void **state)
{
	static const struct {
		const char *csv;
		const char *keep; /* ids kept, space-separated; NULL: error */
		const char *err[4];
	} cases[] = {
		{ "nccl,host-membw", "host-membw nccl", { NULL } },
		{ " gemm.bf16 , ,", "gemm.bf16", { NULL } },
		{ "nccl,nccl", "nccl", { NULL } },
		{ "ncl,gem,zzz",
		  NULL,
		  { "--only: unknown step 'ncl' (did you mean 'nccl'?)", "--only: unknown step 'gem'",
		    "--only: unknown step 'zzz'" } },
		{ " , ", NULL, { "--only ' , ': no step ids given" } },
	};
	struct diags d = DIAGS_INIT;
	struct plan p;
	size_t i, j;
	char ids[128];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_ok(only_plan, &p);
		if (!cases[i].keep) {
			assert_int_equal(plan_only(&p, cases[i].csv, &d), -1);
			expect_diags(cases[i].csv, &d, "", cases[i].err);
			assert_int_equal(p.nsteps, 3); /* unchanged */
		} else {
			assert_int_equal(plan_only(&p, cases[i].csv, &d), 0);
			ids[0] = '\0';
			for (j = 0; j < p.nsteps; j++)
				snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s", j ? " " : "",
					 p.steps[j].id);
			assert_string_equal(ids, cases[i].keep);
		}
		diags_release(&d);
		plan_release(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),	      cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_three_errors),  cmocka_unit_test(test_fixture_errors),
		cmocka_unit_test(test_valid_fixture), cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_env),	      cmocka_unit_test(test_env_key_not_expanded),
		cmocka_unit_test(test_yaml_features), cmocka_unit_test(test_columns_are_characters),
		cmocka_unit_test(test_alias_bomb),    cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_set),	      cmocka_unit_test(test_only),
		cmocka_unit_test(test_nodes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
