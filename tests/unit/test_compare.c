/*
 * test_compare.c - `shakedown compare` (compare.c): the Mann–Whitney U test
 * against known answers, the decision rule, matching of metrics by step,
 * name and labels, and the command's exit codes and output.
 *
 * Known answers: exact p-values are the classical tables (1/C(6,3) = 0.05
 * one-sided for 3 vs 3 separated, 2/C(10,5) = 0.00794 two-sided for 5 vs 5);
 * the rest were computed independently by enumerating every split of the
 * pooled samples (exact) and by the textbook tie-corrected normal formula
 * with continuity correction, which is SciPy's mannwhitneyu(method=
 * "asymptotic") (e.g. 0.0808556 for [1,2,3] vs [4,5,6]).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "strbuf.h"
#include "xalloc.h"

#define NMAX 32
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct mwu_case {
	double a[NMAX];
	size_t n1;
	double b[NMAX];
	size_t n2;
	double u, p_exact, p_normal;
};

static const struct mwu_case mwu_cases[] = {
	{ { 1, 2, 3 }, 3, { 4, 5, 6 }, 3, 0, 0.1, 0.0808555983700523 },
	{ { 4, 5, 6 }, 3, { 1, 2, 3 }, 3, 9, 0.1, 0.0808555983700523 },
	{ { 1, 2, 3, 4, 5 }, 5, { 6, 7, 8, 9, 10 }, 5, 0, 0.007936507936507936, 0.012185780355344818 },
	{ { 10.1, 10.3, 9.9, 10.0, 10.2 },
	  5,
	  { 9.5, 9.6, 9.4, 9.7, 9.55 },
	  5,
	  25,
	  0.007936507936507936,
	  0.012185780355344818 },
	{ { 1, 2, 3, 4 }, 4, { 5, 6, 7, 8 }, 4, 0, 0.02857142857142857, 0.03038282197657751 },
	{ { 1, 3, 5 }, 3, { 2, 4, 6 }, 3, 3, 0.7, 0.6625205835400575 },
	/* identical samples: nothing to tell apart */
	{ { 5, 5, 5 }, 3, { 5, 5, 5 }, 3, 4.5, 1, 1 },
	/* ties: the exact conditional distribution given the tied ranks */
	{ { 8, 8, 8 }, 3, { 7, 7, 7 }, 3, 9, 0.1, 0.046854177603873774 },
	{ { 1, 2, 2 }, 3, { 2, 3, 4 }, 3, 1, 0.3, 0.16415972847851523 },
	{ { 1, 2, 2, 3 }, 4, { 2, 3, 3, 4, 5 }, 5, 3, 0.15873015873015872, 0.09934224785346527 },
	{ { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 },
	  11,
	  { 6.5, 8.5, 10.5, 12, 13, 14, 15, 16, 17, 18 },
	  10,
	  9,
	  0.0005500175778813549,
	  0.0013552612381405014 },
	/* one sample each: the smallest p is 1 */
	{ { 1 }, 1, { 2 }, 1, 0, 1, 1 },
};

static void assert_close(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want) + 1e-300) {
		print_error("got %.17g, wanted %.17g\n", got, want);
		fail();
	}
}

static void test_mwu_known(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(mwu_cases); i++) {
		const struct mwu_case *c = &mwu_cases[i];
		double ranks[2 * NMAX], ties;
		struct mwu t;

		ties = mwu_rank(c->a, c->n1, c->b, c->n2, ranks);
		assert_true(ties >= 0);
		assert_close(mwu_u(c->a, c->n1, c->b, c->n2), c->u, 0);
		assert_close(mwu_p_exact(ranks, c->n1, c->n2), c->p_exact, 1e-12);
		assert_close(mwu_p_normal(c->u, c->n1, c->n2, ties), c->p_normal, 1e-9);
		assert_int_equal(mwu_test(c->a, c->n1, c->b, c->n2, &t), 0);
		assert_true(t.exact);
		assert_close(t.u, c->u, 0);
		assert_close(t.p, c->p_exact, 1e-12);
	}
}

static void test_mwu_ranks(void **state)
{
	const double a[] = { 10, 20, 20 }, b[] = { 20, 5 };
	const double want[] = { 2, 4, 4, 4, 1 };
	double ranks[5];
	size_t i;

	(void)state;
	/* three values tied at ranks 3, 4, 5: mean 4, tie term 3³ − 3 */
	assert_close(mwu_rank(a, 3, b, 2, ranks), 24, 0);
	for (i = 0; i < 5; i++)
		assert_close(ranks[i], want[i], 0);
	/* no ties, and an empty second sample */
	assert_close(mwu_rank(b, 2, NULL, 0, ranks), 0, 0);
	assert_close(ranks[0], 2, 0);
	assert_close(ranks[1], 1, 0);
}

/* Above MWU_EXACT_MAX on a side: the normal approximation. */
static void test_mwu_large(void **state)
{
	double a[30], b[30];
	struct mwu t;
	size_t i;

	(void)state;
	for (i = 0; i < 25; i++) {
		a[i] = (double)i;
		b[i] = (double)(i + 25);
	}
	assert_int_equal(mwu_test(a, 25, b, 25, &t), 0);
	assert_false(t.exact);
	assert_close(t.u, 0, 0);
	assert_close(t.p, 1.4156562248495634e-09, 1e-6);

	for (i = 0; i < 30; i++)
		a[i] = (double)(i % 7);
	for (i = 0; i < 24; i++)
		b[i] = (double)(i % 9 + 1);
	assert_int_equal(mwu_test(a, 30, b, 24, &t), 0);
	assert_false(t.exact);
	assert_close(t.u, 217.5, 0);
	assert_close(t.p, 0.012762137183549432, 1e-9);

	/* 20 vs 20 is still exact, and close to the approximation */
	assert_int_equal(mwu_test(a, 20, b, 20, &t), 0);
	assert_true(t.exact);
	{
		double ranks[40], ties = mwu_rank(a, 20, b, 20, ranks);

		struct mwu swapped;

		assert_close(t.p, mwu_p_normal(t.u, 20, 20, ties), 0.1);
		/* two-sided: the same p with the samples swapped, and U1 + U2 = n1·n2 */
		assert_int_equal(mwu_test(b, 20, a, 20, &swapped), 0);
		assert_close(swapped.p, t.p, 1e-12);
		assert_close(swapped.u, 400 - t.u, 0);
		assert_true(mwu_p_exact(ranks, 0, 40) < 0);
		assert_true(mwu_p_exact(ranks, 21, 20) < 0);
	}
}

struct decide_case {
	double gain;
	int tested;
	double p;
	enum compare_verdict want;
};

static const struct decide_case decide_cases[] = {
	{ -0.10, 1, 0.008, COMPARE_REGRESSION },
	{ +0.10, 1, 0.008, COMPARE_IMPROVEMENT },
	{ -0.02, 1, 0.008, COMPARE_UNCHANGED }, /* significant but within the threshold */
	{ +0.02, 1, 0.008, COMPARE_UNCHANGED },
	{ -0.05, 1, 0.001, COMPARE_UNCHANGED }, /* "more than the threshold": exactly 5 % is not */
	{ -0.10, 1, 0.10, COMPARE_NOISE },	/* beyond the threshold but not significant */
	{ +0.30, 1, 0.70, COMPARE_NOISE },
	{ -0.10, 1, 0.05, COMPARE_REGRESSION }, /* p = alpha is significant */
	{ 0, 1, 1, COMPARE_UNCHANGED },
	{ -0.10, 0, 0, COMPARE_REGRESSION_UNTESTED },
	{ -0.15, 0, 0, COMPARE_REGRESSION_UNTESTED }, /* 3 × 5 % is not beyond it */
	{ -0.16, 0, 0, COMPARE_REGRESSION },
	{ +0.10, 0, 0, COMPARE_IMPROVEMENT_UNTESTED },
	{ +0.20, 0, 0, COMPARE_IMPROVEMENT },
	{ -0.01, 0, 0, COMPARE_UNCHANGED },
	{ -INFINITY, 0, 0, COMPARE_REGRESSION },
	{ -INFINITY, 1, 0.5, COMPARE_NOISE },
};

static void test_decide(void **state)
{
	const struct compare_opts o = { .threshold = 0.05, .alpha = 0.05 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(decide_cases); i++) {
		const struct decide_case *c = &decide_cases[i];
		enum compare_verdict v = compare_decide(c->gain, c->tested, c->p, &o);

		if (v != c->want) {
			print_error("case %zu: gain %g tested %d p %g: got '%s', wanted '%s'\n", i, c->gain, c->tested,
				    c->p, compare_verdict_name(v), compare_verdict_name(c->want));
			fail();
		}
	}
}

/* ---- whole documents ---- */

/* Results documents are written with ' for " (json_text() swaps them). */
static const char *const old_lines[] = {
	"{'schema_version': 1, 'run': {'id': 'r1', 'status': 'complete'}, 'host': {'hostname': 'node1'}, 'steps': [",
	" {'id': 'mem', 'status': 'ok', 'metrics': [",
	"  {'name': 'triad', 'unit': 'B/s', 'better': 'higher', 'labels': {'gpu': '0', 'numa': '1'},",
	"   'samples': [100, 101, 99, 100, 102]},",
	"  {'name': 'triad', 'unit': 'B/s', 'better': 'higher', 'labels': {'gpu': '1', 'numa': '1'},",
	"   'samples': [100, 101, 99, 100, 102]},",
	"  {'name': 'copy', 'unit': 'B/s', 'better': 'higher', 'labels': {}, 'samples': [100, 101, 99, 100, 102]},",
	"  {'name': 'scale', 'unit': 'B/s', 'better': 'higher', 'labels': null, 'samples': [100, 101, 99, 100, 102]},",
	"  {'name': 'gone', 'unit': 'B/s', 'better': 'higher', 'value': 1}]},",
	" {'id': 'lat', 'status': 'ok', 'metrics': [",
	"  {'name': 'latency', 'unit': 's', 'better': 'lower', 'samples': [1.0, 1.01, 0.99, 1.0, 1.02]},",
	"  {'name': 'jitter', 'unit': 's', 'better': 'lower', 'samples': [1.0, 1.3, 0.8, 1.1, 0.9]},",
	"  {'name': 'tiny', 'unit': 's', 'better': 'lower', 'samples': [1.0, 1.001, 1.002, 1.003, 1.004]},",
	"  {'name': 'once', 'unit': 's', 'better': 'lower', 'samples': [1.0]},",
	"  {'name': 'once_big', 'unit': 's', 'better': 'lower', 'value': 1.0, 'samples': []}]},",
	" {'id': 'gemm', 'status': 'ok', 'metrics': [",
	"  {'name': 'flops', 'unit': 'FLOP/s', 'better': 'higher', 'samples': [1e12, 1e12]}]},",
	" {'id': 'skipme', 'status': 'skipped', 'metrics': []}",
	"]}",
};

static const char *const new_lines[] = {
	"{'schema_version': 1, 'run': {'id': 'r2', 'status': 'complete'}, 'host': {'hostname': 'node1'}, 'steps': [",
	" {'id': 'mem', 'status': 'ok', 'metrics': [",
	/* labels in another order: the same metric */
	"  {'name': 'triad', 'unit': 'B/s', 'better': 'higher', 'labels': {'numa': '1', 'gpu': '0'},",
	"   'samples': [80, 81, 79, 80, 82]},",
	"  {'name': 'triad', 'unit': 'B/s', 'better': 'higher', 'labels': {'gpu': '1', 'numa': '1'},",
	"   'samples': [120, 121, 119, 120, 122]},",
	/* {}, null and no labels are all "no labels" */
	"  {'name': 'copy', 'unit': 'B/s', 'better': 'higher', 'samples': [100, 101, 99, 100, 102]},",
	"  {'name': 'scale', 'unit': 'B/s', 'better': 'higher', 'labels': {}, 'samples': [100, 101, 99, 100, 102]},",
	"  {'name': 'fresh', 'unit': 'B/s', 'better': 'higher', 'samples': [1]}]},",
	" {'id': 'lat', 'status': 'ok', 'metrics': [",
	"  {'name': 'latency', 'unit': 's', 'better': 'lower', 'samples': [1.2, 1.21, 1.19, 1.2, 1.22]},",
	"  {'name': 'jitter', 'unit': 's', 'better': 'lower', 'samples': [1.4, 0.9, 1.0, 1.2, 1.5]},",
	"  {'name': 'tiny', 'unit': 's', 'better': 'lower', 'samples': [1.011, 1.012, 1.013, 1.014, 1.015]},",
	"  {'name': 'once', 'unit': 's', 'better': 'lower', 'samples': [1.1]},",
	"  {'name': 'once_big', 'unit': 's', 'better': 'lower', 'samples': [1.2]}]},",
	" {'id': 'gemm', 'status': 'error', 'metrics': []},",
	" {'id': 'skipme', 'status': 'ok', 'metrics': [",
	"  {'name': 'late', 'unit': 'count', 'better': 'higher', 'samples': [8]}]}",
	"]}",
};

/* lines joined, ' made " (caller frees). */
static char *json_text(const char *const *lines, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addstr(&sb, lines[i]);
	for (p = sb.buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	return strbuf_detach(&sb);
}

static char *old_doc, *new_doc; /* set up by setup() */

struct row_case {
	const char *key;
	enum compare_verdict verdict;
	const char *note; /* NULL: none */
};

static const struct row_case row_cases[] = {
	{ "mem.triad{gpu=0,numa=1}", COMPARE_REGRESSION, NULL },
	{ "mem.triad{gpu=1,numa=1}", COMPARE_IMPROVEMENT, NULL },
	{ "mem.copy", COMPARE_UNCHANGED, NULL },
	{ "mem.scale", COMPARE_UNCHANGED, NULL },
	{ "lat.latency", COMPARE_REGRESSION, NULL }, /* better: lower, and it went up 20 % */
	{ "lat.jitter", COMPARE_NOISE, NULL },
	{ "lat.tiny", COMPARE_UNCHANGED, NULL }, /* significant (p 0.008) but 1 % */
	{ "lat.once", COMPARE_REGRESSION_UNTESTED, NULL },
	{ "lat.once_big", COMPARE_REGRESSION, NULL },
	{ "mem.gone", COMPARE_REMOVED, NULL },
	{ "gemm.flops", COMPARE_REMOVED, "step 'gemm' is error in new" },
	{ "mem.fresh", COMPARE_ADDED, NULL },
	{ "skipme.late", COMPARE_ADDED, "step 'skipme' is skipped in old" },
};

struct loaded {
	cJSON *od, *nd;
	struct compare_run old, new;
	struct compare_result res;
};

static void load_both(struct loaded *l, const char *old_text, const char *new_text)
{
	const struct compare_opts o = { .threshold = 0.05, .alpha = 0.05 };
	char err[256];

	l->od = cJSON_Parse(old_text);
	l->nd = cJSON_Parse(new_text);
	assert_non_null(l->od);
	assert_non_null(l->nd);
	assert_int_equal(compare_run_load(l->od, "old.json", &l->old, err, sizeof(err)), 0);
	assert_int_equal(compare_run_load(l->nd, "new.json", &l->new, err, sizeof(err)), 0);
	assert_int_equal(compare_runs(&l->old, &l->new, &o, &l->res), 0);
}

static void release_both(struct loaded *l)
{
	compare_result_release(&l->res);
	compare_run_release(&l->old);
	compare_run_release(&l->new);
	cJSON_Delete(l->od);
	cJSON_Delete(l->nd);
}

static void test_matching(void **state)
{
	struct loaded l;
	cJSON *js, *rows, *r;
	size_t i;

	(void)state;
	load_both(&l, old_doc, new_doc);
	assert_int_equal(l.res.n, ARRAY_SIZE(row_cases));
	js = compare_to_json(&l.res);
	rows = cJSON_GetObjectItem(js, "metrics");
	for (i = 0; i < ARRAY_SIZE(row_cases); i++) {
		const struct compare_row *row = &l.res.rows[i];
		const char *key = (row->old ? row->old : row->new)->key;
		const cJSON *note;

		r = cJSON_GetArrayItem(rows, (int)i);
		note = cJSON_GetObjectItem(r, "note");
		if (strcmp(key, row_cases[i].key) || row->verdict != row_cases[i].verdict) {
			print_error("row %zu: got %s %s, wanted %s %s\n", i, key, compare_verdict_name(row->verdict),
				    row_cases[i].key, compare_verdict_name(row_cases[i].verdict));
			fail();
		}
		assert_string_equal(cJSON_GetObjectItem(r, "verdict")->valuestring,
				    compare_verdict_name(row_cases[i].verdict));
		if (row_cases[i].note)
			assert_string_equal(note->valuestring, row_cases[i].note);
		else
			assert_true(cJSON_IsNull(note));
	}
	/* the numbers of one row: medians, change, gain, the test */
	assert_close(l.res.rows[4].old->median, 1.0, 0);
	assert_close(l.res.rows[4].new->median, 1.2, 1e-12);
	assert_close(l.res.rows[4].change, 0.2, 1e-12);
	assert_close(l.res.rows[4].gain, -0.2, 1e-12);
	assert_true(l.res.rows[4].tested && l.res.rows[4].test.exact);
	assert_close(l.res.rows[4].test.p, 0.007936507936507936, 1e-12);
	r = cJSON_GetArrayItem(rows, 7); /* once: no test */
	assert_string_equal(cJSON_GetObjectItem(r, "test")->valuestring, "none");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "p")));
	r = cJSON_GetArrayItem(rows, 10); /* removed: no new side, no change */
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "new")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "change")));
	assert_int_equal(compare_exit_code(&l.res), 1);
	assert_int_equal(cJSON_GetObjectItem(js, "exit_code")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(js, "counts"), "regression")->valueint, 3);
	cJSON_Delete(js);
	release_both(&l);
}

static char *text_of(const struct compare_result *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	compare_write_text(res, fp);
	fclose(fp);
	return buf;
}

static void test_text(void **state)
{
	static const char *const want[] = {
		"old: r1 on node1 (old.json)\n",
		"test: two-sided Mann-Whitney U at alpha 0.05; threshold 5%\n",
		"metric                   old          new          change    p        verdict\n",
		"mem.triad{gpu=0,numa=1}  100 B/s      80 B/s       -20.0%    0.0079   regression\n",
		"mem.copy                 100 B/s      100 B/s      +0.0%     1        unchanged\n",
		"lat.latency              1 s          1.20 s       +20.0%    0.0079   regression\n",
		"lat.jitter               1 s          1.20 s       +20.0%    0.29     noise\n",
		"lat.tiny                 1.00 s       1.01 s       +1.1%     0.0079   unchanged\n",
		"lat.once                 1 s          1.10 s       +10.0%    -        regression?\n",
		"lat.once_big             1 s          1.20 s       +20.0%    -        regression\n",
		"\np '-': fewer than 2 samples on a side, so no significance test; judged on the threshold alone "
		"('?'), a regression only beyond 15%\n",
		"\nremoved: mem.gone\n",
		"removed: gemm.flops (step 'gemm' is error in new)\n",
		"added:   mem.fresh\n",
		"\n9 metrics compared: 3 regression, 1 improvement, 1 noise, 3 unchanged, 1 regression?, 0 "
		"improvement?; 2 removed, 2 added: REGRESSION (exit 1)\n",
	};
	struct loaded l;
	char *text;
	size_t i;

	(void)state;
	load_both(&l, old_doc, new_doc);
	text = text_of(&l.res);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(text, want[i])) {
			print_error("missing:\n%s\nin:\n%s\n", want[i], text);
			fail();
		}
	free(text);
	release_both(&l);

	/* a run against itself */
	load_both(&l, old_doc, old_doc);
	assert_int_equal(compare_exit_code(&l.res), 0);
	text = text_of(&l.res);
	assert_non_null(strstr(text, ": no regression (exit 0)\n"));
	free(text);
	release_both(&l);
}

struct bad_case {
	const char *doc;
	const char *err;
};

#define MALFORMED "metrics[0] is malformed (needs name, unit, better, samples or value)"

/* One step each, with ' for ". */
static const struct bad_case bad_docs[] = {
	{ "{'id': 'a', 'status': 'ok', 'metrics': [{'name': 'x', 'unit': 'B', 'samples': [1]}]}",
	  "'t.json': step 'a': " MALFORMED },
	{ "{'id': 'a', 'status': 'ok', 'metrics': [{'name': 'x', 'unit': 'B', 'better': 'sideways', 'value': 1}]}",
	  "'t.json': step 'a': " MALFORMED },
	{ "{'id': 'a', 'status': 'ok', 'metrics': [{'name': 'x', 'unit': 'B', 'better': 'higher', 'value': 1}, "
	  "{'name': 'x', 'unit': 'B', 'better': 'higher', 'labels': {'gpu': 0}, 'value': 1}]}",
	  "'t.json': step 'a': metrics[1] is malformed (needs name, unit, better, samples or value)" },
	{ "{'id': 'a', 'status': 'ok', 'metrics': [{'name': 'x', 'unit': 'B', 'better': 'higher', 'samples': ['1']}]}",
	  "'t.json': step 'a': " MALFORMED },
	{ "{'id': 'a', 'status': 'ok', 'metrics': [{'name': 'x', 'unit': 'B', 'better': 'higher'}]}",
	  "'t.json': step 'a': " MALFORMED },
	{ "{'status': 'ok'}", "'t.json': steps[0] has no 'id' or 'status'" },
	{ "{'id': 'a', 'status': 'ok', 'metrics': {}}", "'t.json': step 'a': 'metrics' is not a list" },
};

static void test_bad_metrics(void **state)
{
	struct compare_run r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_docs); i++) {
		const char *lines[] = { "{'schema_version': 1, 'steps': [", bad_docs[i].doc, "]}" };
		char *text = json_text(lines, ARRAY_SIZE(lines));
		cJSON *doc = cJSON_Parse(text);

		free(text);
		assert_non_null(doc);
		assert_int_equal(compare_run_load(doc, "t.json", &r, err, sizeof(err)), -1);
		assert_string_equal(err, bad_docs[i].err);
		cJSON_Delete(doc);
	}
}

struct fraction_case {
	const char *in;
	double want; /* < 0: an error */
};

static const struct fraction_case fraction_cases[] = {
	{ "5%", 0.05 }, { "0.05", 0.05 }, { "12.5 %", 0.125 }, { "0", 0 },    { "5 GB", -1 },
	{ "-1%", -1 },	{ "abc", -1 },	  { "", -1 },	       { "5%x", -1 },
};

static void test_fraction(void **state)
{
	char err[256];
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(fraction_cases); i++) {
		const struct fraction_case *c = &fraction_cases[i];
		int rc = compare_parse_fraction("--threshold", c->in, &v, err, sizeof(err));

		if (c->want < 0) {
			char want[128];

			snprintf(want, sizeof(want),
				 "invalid --threshold '%s': expected a fraction like '5%%' or '0.05'", c->in);
			assert_int_equal(rc, -1);
			assert_string_equal(err, want);
		} else {
			assert_int_equal(rc, 0);
			assert_close(v, c->want, 1e-12);
		}
	}
}

/* ---- compare_main ---- */

static char tmpdir[64];

static char *write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = xcalloc(1 << 20, 1);

	assert_non_null(fp);
	assert_true(fread(buf, 1, (1 << 20) - 1, fp) < (1 << 20) - 1);
	fclose(fp);
	return buf;
}

/* Run compare_main with stdout and stderr in files; *out and *err get their text (caller frees). */
static int run_main(char **out, char **err, int argc, char **argv)
{
	char *op = xasprintf("%s/stdout", tmpdir), *ep = xasprintf("%s/stderr", tmpdir);
	int so = dup(1), se = dup(2), fo = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600), code;

	fflush(stdout);
	fflush(stderr);
	dup2(fo, 1);
	dup2(fe, 2);
	code = compare_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	*out = slurp(op);
	*err = slurp(ep);
	free(op);
	free(ep);
	return code;
}

struct main_case {
	const char *args[8]; /* after "compare"; "OLD", "NEW", "BAD", "NOTRES", "MISSING" name test files */
	int code;
	const char *out; /* a substring of stdout, or NULL */
	const char *err; /* a substring of stderr, or NULL */
};

static const struct main_case main_cases[] = {
	{ { "OLD", "OLD" }, 0, ": no regression (exit 0)", NULL },
	{ { "OLD", "NEW" }, 1, ": REGRESSION (exit 1)", NULL },
	{ { "--threshold", "25%", "OLD", "NEW" }, 0, "0 regression, 0 improvement", NULL },
	{ { "OLD", "NEW", "--format", "json" }, 1, "\"exit_code\":\t1", NULL },
	{ { "-f", "json", "OLD", "OLD" }, 0, "\"regression\":\tfalse", NULL },
	/* nothing significant at 0.001 with 5 samples; once_big (untested, 20 % > 3 × 5 %) still fails */
	{ { "--alpha", "0.001", "OLD", "NEW" }, 1, "1 regression, 0 improvement, 4 noise", NULL },
	{ { "--help" }, 0, "usage: shakedown compare OLD.json NEW.json", NULL },
	{ { "OLD" }, 2, NULL, "shakedown compare: need OLD.json and NEW.json" },
	{ { "OLD", "NEW", "NEW" }, 2, NULL, "shakedown compare: too many arguments" },
	{ { "--alpha", "2", "OLD", "NEW" }, 2, NULL, "invalid --alpha '2': expected a level between 0 and 1" },
	{ { "--threshold", "5 GB", "OLD", "NEW" }, 2, NULL, "invalid --threshold '5 GB'" },
	{ { "--format", "xml", "OLD", "NEW" }, 2, NULL, "invalid --format 'xml': expected 'text' or 'json'" },
	{ { "--bogus", "OLD", "NEW" }, 2, NULL, "usage: shakedown compare" },
	{ { "OLD", "MISSING" }, 2, NULL, "cannot read '" },
	{ { "BAD", "NEW" }, 2, NULL, "bad.json' is not JSON (near line 2)" },
	{ { "OLD", "NOTRES" }, 2, NULL, "notres.json' is not a shakedown results document (no 'schema_version')" },
	{ { "OLD", "STEPLESS" }, 2, NULL, "stepless.json' is not a shakedown results document (no 'steps')" },
	{ { "OLD", "V2" }, 2, NULL, "results schema version 2 is not supported" },
};

static void test_main(void **state)
{
	char *files[][2] = {
		{ "OLD", write_tmp("old.json", old_doc) },
		{ "NEW", write_tmp("new.json", new_doc) },
		{ "BAD", write_tmp("bad.json", "{\"schema_version\": 1,\n \"steps\": [}\n") },
		{ "NOTRES", write_tmp("notres.json", "{\"protocol\": 1, \"metrics\": []}") },
		{ "STEPLESS", write_tmp("stepless.json", "{\"schema_version\": 1}") },
		{ "V2", write_tmp("v2.json", "{\"schema_version\": 2, \"steps\": []}") },
		{ "MISSING", xasprintf("%s/missing.json", tmpdir) },
	};
	size_t i, j, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(main_cases); i++) {
		const struct main_case *c = &main_cases[i];
		char *argv[10] = { "compare" }, *out, *err;
		int argc = 1, code;

		for (j = 0; c->args[j]; j++) {
			argv[argc] = (char *)c->args[j];
			for (k = 0; k < ARRAY_SIZE(files); k++)
				if (!strcmp(c->args[j], files[k][0]))
					argv[argc] = files[k][1];
			argc++;
		}
		code = run_main(&out, &err, argc, argv);
		if (code != c->code || (c->out && !strstr(out, c->out)) || (c->err && !strstr(err, c->err))) {
			print_error("case %zu: exit %d (wanted %d)\nstdout:\n%s\nstderr:\n%s\n", i, code, c->code, out,
				    err);
			fail();
		}
		free(out);
		free(err);
	}
	for (k = 0; k < ARRAY_SIZE(files); k++) {
		unlink(files[k][1]);
		free(files[k][1]);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sd-compare.XXXXXX");
	old_doc = json_text(old_lines, ARRAY_SIZE(old_lines));
	new_doc = json_text(new_lines, ARRAY_SIZE(new_lines));
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *p;

	(void)state;
	free(old_doc);
	free(new_doc);
	p = xasprintf("%s/stdout", tmpdir);
	unlink(p);
	free(p);
	p = xasprintf("%s/stderr", tmpdir);
	unlink(p);
	free(p);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_known),   cmocka_unit_test(test_mwu_ranks), cmocka_unit_test(test_mwu_large),
		cmocka_unit_test(test_decide),	    cmocka_unit_test(test_matching),  cmocka_unit_test(test_text),
		cmocka_unit_test(test_bad_metrics), cmocka_unit_test(test_fraction),  cmocka_unit_test(test_main),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
