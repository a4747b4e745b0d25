/*
 * genbaseline.c - `shakedown baseline`: a baseline YAML from a golden run.
 * The rules are in genbaseline.h; the metrics are read with compare.c's
 * loader, so both commands agree on what a run's metrics are.
 */
#include "genbaseline.h"
#include "results.h"
#include "compare.h"
#include "exitcodes.h"
#include "jsonarena.h"
#include "stats.h"
#include "units.h"
#include "xalloc.h"

#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- thresholds ---- */

/* v rounded to `digits` significant digits, up (towards +inf) or down. */
static double round_sig(double v, int digits, int up)
{
	double scale, x;

	if (v == 0 || !isfinite(v))
		return v;
	scale = pow(10, floor(log10(fabs(v))) - (digits - 1));
	x = v / scale;
	/* 1e-9: 2.9e12 × 0.9 is 2609999999999.9995, which is 2.61e12 */
	x = up ? ceil(x - 1e-9) : floor(x + 1e-9);
	return x * scale;
}

double genbaseline_limit(double median, double margin, int lower)
{
	if (lower)
		return round_sig(median + fabs(median) * margin, 3, 1);
	return round_sig(median - fabs(median) * margin, 3, 0);
}

double genbaseline_max_cv(const double *v, size_t n, double slack)
{
	struct stats st;

	if (n < 3 || stats_compute(v, n, &st) || st.stddev == 0 || st.mean == 0)
		return 0;
	return round_sig(fmax(st.cv * slack * 100, 1), 2, 1) / 100;
}

/* ---- runbooks ---- */

struct runbook_rule {
	const char *probe;  /* NULL: any */
	const char *metric; /* NULL: any */
	const char *unit;   /* NULL: any */
	int gpu;	    /* -1: either; 1: only metrics about a GPU; 0: only others */
	const char *runbook;
};

static const struct runbook_rule runbook_rules[] = {
	{ "sysinfo", "gpus", NULL, -1, "gpu-count-mismatch" },
	{ "sysinfo", "gpu_memory_total", NULL, -1, "gpu-memory-mismatch" },
	{ "sysinfo", "cpu_threads", NULL, -1, "cpu-count-mismatch" },
	{ "sysinfo", "cpu_cores", NULL, -1, "cpu-count-mismatch" },
	{ "sysinfo", "cpu_sockets", NULL, -1, "cpu-count-mismatch" },
	{ "sysinfo", "numa_nodes", NULL, -1, "cpu-count-mismatch" },
	{ "sysinfo", "memory_total", NULL, -1, "memory-size-mismatch" },
	{ "membw", NULL, NULL, 1, "hbm-bandwidth-low" },
	{ "membw", NULL, NULL, 0, "host-memory-bandwidth-low" },
	{ "gemm", NULL, NULL, -1, "gemm-throughput-low" },
	{ "busbw", NULL, NULL, -1, "busbw-low" },
	{ "storage", NULL, "s", -1, "storage-latency-high" },
	{ "storage", NULL, "ops/s", -1, "storage-metadata-rate-low" },
	{ "storage", NULL, NULL, -1, "storage-throughput-low" },
	{ "registry", NULL, NULL, -1, "registry-pull-slow" },
	{ "soak", NULL, NULL, -1, "throughput-drift" },
	{ NULL, NULL, NULL, -1, "probe-failed" },
};

/* Metrics that describe a node rather than qualify it: no check (genbaseline.h). */
static const char *const descriptive[][2] = {
	{ "sysinfo", "swap_total" },
	{ "sysinfo", "hugepages_total" },
};

static int match(const char *rule, const char *s)
{
	return !rule || (s && !strcmp(rule, s));
}

const char *genbaseline_runbook(const char *probe, const char *metric, const char *unit, const cJSON *labels,
				const char *target)
{
	int gpu = cJSON_GetObjectItemCaseSensitive(labels, "gpu") || (target && !strcmp(target, "gpu"));
	const struct runbook_rule *r;

	for (r = runbook_rules; r->probe; r++)
		if (match(r->probe, probe) && match(r->metric, metric) && match(r->unit, unit) &&
		    (r->gpu < 0 || r->gpu == gpu))
			return r->runbook;
	return r->runbook;
}

static int is_descriptive(const char *probe, const char *metric)
{
	size_t i;

	for (i = 0; i < sizeof(descriptive) / sizeof(descriptive[0]); i++)
		if (probe && !strcmp(probe, descriptive[i][0]) && !strcmp(metric, descriptive[i][1]))
			return 1;
	return 0;
}

/* ---- YAML text ---- */

/* Words YAML 1.1 reads as booleans or null when plain. */
static int yaml_special(const char *s)
{
	static const char *const words[] = { "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	return 0;
}

/* Plain when it starts with a letter or '_' (nothing numeric) and holds only [A-Za-z0-9_./-]. */
static int yaml_plain_ok(const char *s)
{
	const char *p;

	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_./-", *p))
			return 0;
	return !yaml_special(s);
}

void genbaseline_yaml_scalar(struct strbuf *sb, const char *s)
{
	char esc[8];
	const char *p;

	if (yaml_plain_ok(s)) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addstr(sb, "\"");
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			strbuf_add(sb, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			strbuf_addstr(sb, esc);
		} else {
			strbuf_add(sb, p, 1);
		}
	}
	strbuf_addstr(sb, "\"");
}

/* A comment's text: one line, control characters shown as '?'. */
static void add_comment_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_add(sb, (unsigned char)*s < 0x20 || *s == 0x7f ? "?" : s, 1);
}

/* %.*g without the '+' and leading zeros of the exponent: 2.61e12, 1e-5. */
static const char *fmt_number(double v, int digits, char *buf, size_t len)
{
	char *e;

	snprintf(buf, len, "%.*g", digits, v);
	e = strchr(buf, 'e');
	if (e) {
		char *d = e + 1, *src;

		if (*d == '+' || *d == '-')
			d += *d == '-';
		src = *d == '+' ? d + 1 : d;
		while (*src == '0' && src[1])
			src++;
		memmove(d, src, strlen(src) + 1);
	}
	return buf;
}

/* ---- the document ---- */

struct gen {
	const cJSON *doc;
	const struct genbaseline_opts *o;
	struct strbuf checks;
	struct strbuf descriptive, zero, not_ok; /* comma-separated lists for the header comment */
	size_t nchecks;
};

static void list_add(struct strbuf *list, const char *item)
{
	if (list->len)
		strbuf_addstr(list, ", ");
	add_comment_text(list, item);
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The step's entry in the results' "steps" (probe) or the plan's (with.target). */
static const cJSON *find_step(const cJSON *steps, const char *id)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, steps) if (str_at(s, "id") && !strcmp(str_at(s, "id"), id)) return s;
	return NULL;
}

static void add_labels(struct strbuf *sb, const cJSON *labels)
{
	const cJSON *l;

	strbuf_addstr(sb, "    labels: {");
	cJSON_ArrayForEach(l, labels)
	{
		genbaseline_yaml_scalar(sb, l->string);
		strbuf_addstr(sb, ": ");
		genbaseline_yaml_scalar(sb, l->valuestring);
		if (l->next)
			strbuf_addstr(sb, ", ");
	}
	strbuf_addstr(sb, "}\n");
}

static void add_check(struct gen *g, const struct compare_metric *m, const char *kind, const char *value,
		      const char *severity, const char *runbook)
{
	char *key = xasprintf("%s.%s", m->step, m->name);
	struct strbuf *sb = &g->checks;

	strbuf_addstr(sb, "  - metric: ");
	genbaseline_yaml_scalar(sb, key);
	strbuf_addstr(sb, "\n");
	if (m->labels)
		add_labels(sb, m->labels);
	strbuf_addstr(sb, "    ");
	strbuf_addstr(sb, kind);
	strbuf_addstr(sb, ": ");
	strbuf_addstr(sb, value);
	strbuf_addstr(sb, "\n    severity: ");
	strbuf_addstr(sb, severity);
	strbuf_addstr(sb, "\n    runbook: ");
	strbuf_addstr(sb, runbook);
	strbuf_addstr(sb, "\n");
	g->nchecks++;
	free(key);
}

/* The main check of a metric: equals for counts, else min or max; 0, or -1 when it has none. */
static int value_check(struct gen *g, const struct compare_metric *m, const char *runbook)
{
	char num[64], value[96];

	if (!strcmp(m->unit, "count")) {
		add_check(g, m, "equals", fmt_number(m->median, 15, num, sizeof(num)), "critical", runbook);
		return 0;
	}
	if (m->median == 0) {
		list_add(&g->zero, m->key);
		return -1;
	}
	fmt_number(genbaseline_limit(m->median, g->o->margin, m->lower), 3, num, sizeof(num));
	snprintf(value, sizeof(value), "%s %s", num, m->unit);
	add_check(g, m, m->lower ? "max" : "min", value, "critical", runbook);
	return 0;
}

static void metric_checks(struct gen *g, const struct compare_metric *m)
{
	const cJSON *step = find_step(cJSON_GetObjectItemCaseSensitive(g->doc, "steps"), m->step);
	const cJSON *plan = cJSON_GetObjectItemCaseSensitive(g->doc, "plan");
	const cJSON *pstep = find_step(cJSON_GetObjectItemCaseSensitive(plan, "steps"), m->step);
	const char *probe = str_at(step, "probe");
	const char *target = str_at(cJSON_GetObjectItemCaseSensitive(pstep, "with"), "target");
	char num[64], value[96];
	double cv;

	if (is_descriptive(probe, m->name)) {
		list_add(&g->descriptive, m->key);
		return;
	}
	if (value_check(g, m, genbaseline_runbook(probe, m->name, m->unit, m->labels, target)) ||
	    !strcmp(m->unit, "count"))
		return;
	cv = genbaseline_max_cv(m->samples, m->n, g->o->cv_slack);
	if (cv > 0) {
		snprintf(value, sizeof(value), "%s%%", fmt_number(cv * 100, 2, num, sizeof(num)));
		add_check(g, m, "max_cv", value, "warning", "metric-unstable");
	}
}

/* "<plan>-<host>" with anything outside [A-Za-z0-9._-] made '-'. */
static char *default_name(const cJSON *doc)
{
	const char *plan = str_at(cJSON_GetObjectItemCaseSensitive(doc, "plan"), "name");
	const char *host = str_at(cJSON_GetObjectItemCaseSensitive(doc, "host"), "hostname");
	char *name = xasprintf("%s-%s", plan ? plan : "baseline", host ? host : "host"), *p;

	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			*p = '-';
	if (!isalnum((unsigned char)name[0]))
		name[0] = 'b';
	return name;
}

/* The inventory's metric without labels, or NAN. */
static double inventory_metric(const cJSON *inv, const char *name)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(inv, "metrics"))
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");

		if (str_at(m, "name") && !strcmp(str_at(m, "name"), name) && cJSON_IsNumber(v) &&
		    !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "labels")))
			return v->valuedouble;
	}
	return NAN;
}

/* The name every GPU has, as an fnmatch(3) pattern that matches only it (caller frees); NULL when they differ. */
static char *common_gpu_name(const cJSON *inv)
{
	const cJSON *g, *env = cJSON_GetObjectItemCaseSensitive(inv, "env");
	const char *name = NULL, *n;
	struct strbuf sb = STRBUF_INIT;

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(env, "gpus"))
	{
		n = str_at(g, "name");
		if (!n || (name && strcmp(name, n)))
			return NULL;
		name = n;
	}
	for (n = name; n && *n; n++) {
		if (strchr("*?[\\", *n))
			strbuf_addstr(&sb, "\\");
		strbuf_add(&sb, n, 1);
	}
	return name ? strbuf_detach(&sb) : NULL;
}

static void match_entry(struct strbuf *out, const char *key, const char *value)
{
	strbuf_addstr(out, "  ");
	strbuf_addstr(out, key);
	strbuf_addstr(out, ": ");
	genbaseline_yaml_scalar(out, value);
	strbuf_addstr(out, "\n");
}

/*
 * `match:` from the golden node's inventory (GPU name and count, CPU model),
 * so that `baseline: auto` picks this file only for nodes of the same kind.
 * Without an inventory, no `match` at all: an empty one would match any node.
 */
static void write_match(struct strbuf *out, const cJSON *doc)
{
	const cJSON *inv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "host"), "inventory");
	const char *model =
		str_at(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(inv, "env"), "cpu"), "model");
	double gpus = inventory_metric(inv, "gpus");
	char *gpu_name = common_gpu_name(inv), num[64];
	size_t start = out->len;

	strbuf_addstr(out, "match:\n");
	if (gpu_name)
		match_entry(out, "gpu_name", gpu_name);
	if (isfinite(gpus) && gpus >= 0 && gpus == floor(gpus)) {
		snprintf(num, sizeof(num), "  gpus: %.0f\n", gpus);
		strbuf_addstr(out, num);
	}
	if (model && *model)
		match_entry(out, "cpu_model", model);
	if (out->len == start + strlen("match:\n")) {
		out->len = start;
		out->buf[start] = '\0';
		strbuf_addstr(out,
			      "# no inventory in the run: no 'match', so 'baseline: auto' never picks this file\n");
	}
	free(gpu_name);
}

static void comment_list(struct strbuf *out, const char *title, const struct strbuf *list)
{
	if (!list->len)
		return;
	strbuf_addstr(out, "# Not checked (");
	strbuf_addstr(out, title);
	strbuf_addstr(out, "): ");
	strbuf_addstr(out, list->buf);
	strbuf_addstr(out, "\n");
}

static void write_header(struct gen *g, struct strbuf *out, const char *path, const struct compare_run *r)
{
	const char *started = str_at(cJSON_GetObjectItemCaseSensitive(g->doc, "run"), "started");
	char *name = g->o->name ? xstrdup(g->o->name) : default_name(g->doc);
	char *rules = xasprintf("# min/max: the run's median -/+ %g%%, rounded outward to 3 significant digits;\n"
				"# max_cv: the observed CV x %g, at least 1%%, where there were 3 or more samples.\n",
				g->o->margin * 100, g->o->cv_slack);
	char *desc = xasprintf("generated by `shakedown baseline` from %s on %s at %s", r->id, r->host,
			       started ? started : "?");

	strbuf_addstr(out, "# Generated by `shakedown baseline` from ");
	add_comment_text(out, path);
	strbuf_addstr(out, " (run ");
	add_comment_text(out, r->id);
	strbuf_addstr(out, "). Review it before use:\n# a baseline is only as good as the run it came from.\n");
	strbuf_addstr(out, rules);
	comment_list(out, "they describe the node rather than qualify it", &g->descriptive);
	comment_list(out, "median 0: no relative limit", &g->zero);
	comment_list(out, "step not ok", &g->not_ok);
	strbuf_addstr(out, "baseline: ");
	genbaseline_yaml_scalar(out, name);
	strbuf_addstr(out, "\ndescription: ");
	genbaseline_yaml_scalar(out, desc);
	strbuf_addstr(out, "\n");
	write_match(out, g->doc);
	strbuf_addstr(out, "checks:\n");
	free(name);
	free(rules);
	free(desc);
}

static void list_not_ok(struct gen *g, const struct compare_run *r)
{
	const cJSON *s;
	char *item;

	cJSON_ArrayForEach(s, r->steps)
	{
		if (!strcmp(s->valuestring, "ok"))
			continue;
		item = xasprintf("%s (%s)", s->string, s->valuestring);
		list_add(&g->not_ok, item);
		free(item);
	}
}

char *genbaseline_yaml(const cJSON *doc, const char *path, const struct genbaseline_opts *o, char *err, size_t len)
{
	struct gen g = { .doc = doc, .o = o };
	struct strbuf out = STRBUF_INIT;
	struct compare_run r;
	char *text = NULL;
	size_t i;

	if (compare_run_load(doc, path, &r, err, len))
		return NULL;
	for (i = 0; i < r.n; i++)
		metric_checks(&g, &r.m[i]);
	list_not_ok(&g, &r);
	if (!g.nchecks) {
		errf(err, len, "'%s' has no metrics to check in its ok steps: no baseline to write", path);
		goto out;
	}
	write_header(&g, &out, path, &r);
	strbuf_addstr(&out, g.checks.buf);
	text = strbuf_detach(&out);
out:
	strbuf_release(&out);
	strbuf_release(&g.checks);
	strbuf_release(&g.descriptive);
	strbuf_release(&g.zero);
	strbuf_release(&g.not_ok);
	compare_run_release(&r);
	return text;
}

/* ---- the command ---- */

static void usage(FILE *fp)
{
	fputs("usage: shakedown baseline RESULTS.json [--margin 10%] [--cv-slack 2] [--name NAME]\n\n"
	      "Write a baseline (YAML, on stdout) from a golden run: for every metric of every ok\n"
	      "step, min: median x (1 - margin) (better: higher), max: median x (1 + margin)\n"
	      "(better: lower) or equals: (counts), and max_cv: observed CV x slack (at least 1%)\n"
	      "where the step has 3 or more samples.\n\n"
	      "Options:\n"
	      "  -m, --margin F     how far below (above) the median a limit sits, '10%' or '0.1' (default 10%)\n"
	      "  -c, --cv-slack X   max_cv = observed CV x X, X >= 1 (default 2)\n"
	      "  -n, --name NAME    the baseline's name (default: <plan>-<host> of the run)\n"
	      "  -h, --help         this text\n\n"
	      "Exit codes: 0 written, 2 usage or input error.\n",
	      fp);
}

static int name_ok(const char *s)
{
	const char *p;

	if (!isalnum((unsigned char)*s))
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	return 1;
}

/* Options into o and *path; 0 to go on, 1 after --help, -1 after a usage error (printed). */
static int parse_args(int argc, char **argv, struct genbaseline_opts *o, const char **path)
{
	static const struct option opts[] = {
		{ "margin", required_argument, NULL, 'm' },
		{ "cv-slack", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int ch;

	optind = 0; /* GNU: restart getopt, whatever parsed before */
	while ((ch = getopt_long(argc, argv, "m:c:n:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (compare_parse_fraction("--margin", optarg, &o->margin, err, sizeof(err)))
				goto bad;
			if (o->margin >= 1) {
				errf(err, sizeof(err), "invalid --margin '%s': must be below 100%%", optarg);
				goto bad;
			}
			break;
		case 'c':
			if (units_parse_double(optarg, &o->cv_slack, NULL, 0) || !(o->cv_slack >= 1) ||
			    !isfinite(o->cv_slack)) {
				errf(err, sizeof(err), "invalid --cv-slack '%s': expected a number >= 1, like 2",
				     optarg);
				goto bad;
			}
			break;
		case 'n':
			if (!name_ok(optarg)) {
				errf(err, sizeof(err),
				     "invalid --name '%s': use letters, digits, '.', '_' and '-', starting with a letter or digit",
				     optarg);
				goto bad;
			}
			o->name = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 1) {
		errf(err, sizeof(err), "%s", argc - optind < 1 ? "need RESULTS.json" : "too many arguments");
		goto bad;
	}
	*path = argv[optind];
	return 0;
bad:
	fprintf(stderr, "shakedown baseline: %s\n", err);
	return -1;
}

int genbaseline_main(int argc, char **argv)
{
	struct genbaseline_opts o = { .margin = 0.10, .cv_slack = 2 };
	const char *path = NULL, *status;
	char err[512], *text = NULL;
	int rc = parse_args(argc, argv, &o, &path);
	cJSON *doc;

	if (rc)
		return rc > 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
	doc = results_read(path, err, sizeof(err));
	if (doc)
		text = genbaseline_yaml(doc, path, &o, err, sizeof(err));
	if (!text) {
		fprintf(stderr, "shakedown baseline: %s\n", err);
		json_delete(doc);
		return SD_EXIT_USAGE;
	}
	status = str_at(cJSON_GetObjectItemCaseSensitive(doc, "run"), "status");
	if (status && strcmp(status, "complete"))
		fprintf(stderr, "shakedown baseline: note: run in '%s' is '%s'; checks come from its ok steps only\n",
			path, status);
	fputs(text, stdout);
	fflush(stdout);
	free(text);
	json_delete(doc);
	return SD_EXIT_OK;
}
