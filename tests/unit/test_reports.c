/*
 * test_reports.c - the report writers (reports/): each format rendered from
 * the hand-written results under tests/data/reports/ (single node, four
 * nodes, no verdict, all passing, hostile strings, series over x: sizes,
 * a roofline), the escapers, the SVG charts (linear, log-log, markers,
 * roofline ceilings), the aggregation across nodes and the atomic writes.
 *
 * With SD_REPORT_OUT=DIR set, it first writes every fixture's reports to
 * DIR/<fixture>/ (all formats) for tests/e2e/html.sh to open in a browser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "model.h"
#include "out.h"
#include "report.h"
#include "strbuf.h"
#include "svg.h"
#include "verdict.h"
#include "writers.h"
#include "xalloc.h"

#define FIX "tests/data/reports/"

static const char *const fixtures[] = { "single", "multi", "noverdict", "ready", "hostile", "charts", "fleet" };

/* ---- helpers ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

static cJSON *fixture(const char *name)
{
	char *path = xasprintf(FIX "%s.json", name), *text = slurp(path);
	cJSON *doc;

	assert_non_null(text);
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	free(text);
	free(path);
	return doc;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static const struct report_opts opts = { 0.12, 0.70, 0, "../../runbooks/" };

/* Render one format of a results document and return the file's text (caller frees). */
static char *render_doc(const cJSON *doc, unsigned format)
{
	char dir[] = "/tmp/sd-reports.XXXXXX", err[512], *path, *text;

	assert_non_null(mkdtemp(dir));
	if (report_write(doc, dir, format, &opts, err, sizeof(err)))
		fail_msg("report_write: %s", err);
	path = xasprintf("%s/%s", dir, report_file_name(format));
	text = slurp(path);
	assert_non_null(text);
	free(path);
	remove_dir(dir);
	return text;
}

static char *render(const char *name, unsigned format)
{
	cJSON *doc = fixture(name);
	char *text = render_doc(doc, format);

	cJSON_Delete(doc);
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)); p += len)
		n++;
	return n;
}

#define assert_contains(hay, needle)                                                                                   \
	do {                                                                                                           \
		if (!strstr((hay), (needle)))                                                                          \
			fail_msg("missing: %s", (needle));                                                             \
	} while (0)
#define assert_lacks(hay, needle)                                                                                      \
	do {                                                                                                           \
		if (strstr((hay), (needle)))                                                                           \
			fail_msg("unexpected: %s", (needle));                                                          \
	} while (0)

/* ---- sample output for tests/e2e/html.sh ---- */

/* Every fixture's reports into out/<fixture>/ (SD_REPORT_OUT). Returns 0, or 1 with a message. */
static int write_samples(const char *out)
{
	char err[512];
	size_t i;

	mkdir(out, 0755);
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char *dir = xasprintf("%s/%s", out, fixtures[i]), *path = xasprintf(FIX "%s.json", fixtures[i]);
		char *text = slurp(path);
		cJSON *doc = text ? cJSON_Parse(text) : NULL;
		int rc = -1;

		mkdir(dir, 0755);
		if (!doc)
			snprintf(err, sizeof(err), "cannot read '%s'", path);
		else
			rc = report_write(doc, dir, REPORT_ALL, &opts, err, sizeof(err));
		cJSON_Delete(doc);
		free(text);
		free(path);
		free(dir);
		if (rc) {
			fprintf(stderr, "test_reports: SD_REPORT_OUT: %s: %s\n", fixtures[i], err);
			return 1;
		}
	}
	return 0;
}

/* ---- formats ---- */

struct fmt_case {
	const char *in;
	unsigned want;
	const char *err;
};

static const struct fmt_case fmt_cases[] = {
	{ "md", REPORT_MD, NULL },
	{ "md,html,json,junit,prom", REPORT_ALL, NULL },
	{ " html , prom ", REPORT_HTML | REPORT_PROM, NULL },
	{ "all", REPORT_ALL, NULL },
	{ "junit,junit", REPORT_JUNIT, NULL },
	{ "pdf", 0, "unknown report format 'pdf' (use md, html, json, junit, prom or all)" },
	{ "md,,html", 0, "empty report format in 'md,,html' (use md, html, json, junit, prom or all)" },
	{ "", 0, "empty report format in '' (use md, html, json, junit, prom or all)" },
	{ "MD", 0, "unknown report format 'MD' (use md, html, json, junit, prom or all)" },
};

static void test_parse_formats(void **state)
{
	char err[256];
	unsigned got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		int rc = report_parse_formats(c->in, &got, err, sizeof(err));

		if (!c->err) {
			if (rc)
				fail_msg("'%s': %s", c->in, err);
			assert_int_equal(got, c->want);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, c->err);
		}
	}
	assert_string_equal(report_file_name(REPORT_PROM), "metrics.prom");
	assert_null(report_file_name(REPORT_ALL));
}

/* ---- markdown ---- */

static void test_md_single(void **state)
{
	char *md = render("single", REPORT_MD);
	const char *sections[] = {
		"## Scope",	    "## Environment",	 "## Results by area",	  "## Failures",
		"## Outlier nodes", "## Power and cost", "## Reviewer checklist", "## Appendix: raw metrics"
	};
	const char *prev = md;
	size_t i;

	(void)state;
	assert_contains(md, "\n**NOT READY** — 3 of 16 checks failed on node017, 1 errored, 1 warned, 1 skipped "
			    "(baseline h100-sxm-80gb)\n");
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const char *at = strstr(md, sections[i]);

		if (!at || at < prev)
			fail_msg("section '%s' missing or out of order", sections[i]);
		prev = at;
	}
	/* a failure with its evidence and runbook link */
	assert_contains(md, "### 1. FAIL `hbm.triad{gpu=1}:min` on node017\n\n"
			    "- **value** 2.50 TB/s, **threshold** >= 2.90 TB/s (0.75 × spec 3.35 TB/s), **margin** "
			    "\xe2\x88\x92"
			    "13.8 %\n");
	assert_contains(md, "- **step** `hbm` (probe `membw`), severity critical, log `logs/hbm.log`\n");
	assert_contains(md, "- **runbook** [hbm-bandwidth-low](../../runbooks/hbm-bandwidth-low.md)\n");
	assert_contains(md, "- **runbook** [probe-timed-out](../../runbooks/probe-timed-out.md)\n");
	assert_contains(md, "### 5. WARN `soak.temp_max{gpu=1}:max` on node017");
	/* results table row, environment, power */
	assert_contains(md, "| `h2d.h2d{gpu=1}:min` | 24.3 GB/s | >= 48.0 GB/s | \xe2\x88\x92"
			    "49.4 % | **FAIL** |\n");
	assert_contains(md, "degraded PCIe link: GPU 1 at gen4 x8 (max gen5 x16)");
	assert_contains(md, "| average power per node | 1,360 W: `power_avg` of probe `soak`");
	assert_contains(md, "Annual cost = 8,336 kWh × $0.12 = **$1,000 a year**.");
	assert_contains(md, "- [ ] **Who owns it?**");
	assert_contains(md, "- [x] **Is it documented?**");
	assert_contains(md, "| `triad` | `gpu=0` | 3.01 TB/s | B/s | 5 | 3.01 TB/s | 3.00 TB/s | 3.02 TB/s | 0.19 % |");
	free(md);
}

static void test_md_multi(void **state)
{
	char *md = render("multi", REPORT_MD);

	(void)state;
	assert_contains(md, "**NOT READY** — 2 of 60 checks failed on node003, 1 warned (baseline h100-sxm-80gb)");
	/* one row per check across the four nodes, not one per node */
	assert_int_equal(count(md, "| `hbm.triad{gpu=0}:min` |"), 1);
	assert_contains(md,
			"| `hbm.triad{gpu=0}:min` | 3 pass, 1 fail | 2.41 TB/s | 3.00 TB/s | 3.02 TB/s | >= 2.90 TB/s "
			"(0.75 × spec 3.35 TB/s) | \xe2\x88\x92"
			"16.9 % | **FAIL** |");
	assert_contains(md, "| `soak.temp_max{gpu=1}:max` | 3 pass, 1 warn | 78 °C | 79.5 °C | 84 °C |");
	/* drift across nodes is reported */
	assert_contains(md, "| GPUs | 2 variants: ");
	assert_contains(md, "driver 570.124.06, CUDA 13.0; PCIe gen5 x16 (1 node, e.g. node004)");
	assert_contains(md, "(all 4 nodes)");
	assert_contains(md, "The first node in full; 3 more nodes are in results.json");
	assert_contains(md, "mean over 4 nodes");
	assert_contains(md, "- [x] **Is it scalable?** — 4 nodes tested");
	free(md);
}

static void test_md_no_verdict(void **state)
{
	char *md = render("noverdict", REPORT_MD);

	(void)state;
	assert_contains(md,
			"\n**NO VERDICT** — no baseline was applied, so nothing was judged: 1 step ran on vm (1 ok)\n");
	assert_contains(md, "| baseline | none: results.json has no verdict");
	assert_contains(md, "No verdict: results.json has no verdict section");
	assert_contains(md, "No power was measured in this run");
	assert_contains(md, "6,132 kWh a year, $735.84 at $0.12/kWh, per node");
	assert_contains(md, "| `memory_total` |");
	free(md);
}

static void test_md_ready(void **state)
{
	char *md = render("ready", REPORT_MD);

	(void)state;
	assert_contains(md, "**READY** — all 15 checks passed on node018 (baseline h100-sxm-80gb)");
	assert_contains(md, "No check failed, errored or warned.");
	free(md);
}

/* Markdown: hostile text outside code spans is escaped; inside code spans it is literal by definition. */
static void test_md_hostile(void **state)
{
	char *md = render("hostile", REPORT_MD), *p, *q;

	(void)state;
	for (p = md; (p = strchr(p, '`'));) { /* blank out code spans */
		q = strchr(p + 1, '`');
		assert_non_null(q);
		memset(p, ' ', (size_t)(q - p + 1));
		p = q + 1;
	}
	assert_lacks(md, "<script");
	assert_lacks(md, "<img");
	assert_lacks(md, "<link");
	assert_lacks(md, "<style");
	assert_contains(md, "&lt;script>alert(1)&lt;/script>");
	assert_lacks(md, "(javascript"); /* an unsafe runbook id is not linked */
	free(md);
}

/* ---- html ---- */

static void test_html_self_contained(void **state)
{
	static const char *const banned[] = { "http://", "https://", "<script src", "<link",   "@import",
					      "url(",	 "<script",  "<img",	    "<iframe", "<object" };
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char *html = render(fixtures[i], REPORT_HTML);

		assert_true(!strncmp(html, "<!DOCTYPE html>\n", 16));
		assert_contains(html, "<style>");
		assert_contains(html, "Content-Security-Policy");
		for (k = 0; k < sizeof(banned) / sizeof(banned[0]); k++)
			if (strstr(html, banned[k]))
				fail_msg("%s: report.html contains '%s'", fixtures[i], banned[k]);
		assert_int_equal(count(html, "<section"), count(html, "</section>"));
		assert_int_equal(count(html, "<svg"), count(html, "</svg>"));
		assert_int_equal(count(html, "<table"), count(html, "</table>"));
		free(html);
	}
}

static void test_html_content(void **state)
{
	char *html = render("single", REPORT_HTML);

	(void)state;
	assert_contains(html, "<header class=\"banner s-fail\"><div class=\"status\">NOT READY</div>");
	assert_contains(html, "3 of 16 checks failed on node017, 1 errored, 1 warned, 1 skipped &#40;baseline "
			      "h100-sxm-80gb)");
	assert_contains(html, "<a href=\"../../runbooks/hbm-bandwidth-low.md\">hbm-bandwidth-low</a>");
	assert_contains(html, "<svg class=\"chart\"");
	assert_contains(html, "<polyline"); /* the soak temperature series */
	assert_contains(html, "soak&#58; gpu_temp &#40;celsius)");
	assert_int_equal(count(html, "<div class=\"problem "), 5);
	free(html);
	html = render("ready", REPORT_HTML);
	assert_contains(html, "<header class=\"banner s-ready\"><div class=\"status\">READY</div>");
	free(html);
	html = render("noverdict", REPORT_HTML);
	assert_contains(html, "<header class=\"banner s-none\"><div class=\"status\">NO VERDICT</div>");
	free(html);
}

static void test_html_hostile(void **state)
{
	char *html = render("hostile", REPORT_HTML);

	(void)state;
	assert_lacks(html, "<script>alert(1)</script>");
	assert_lacks(html, "\"><img");
	assert_lacks(html, "onerror=alert(1)>");
	assert_lacks(html, "<b>2.9</b>");
	assert_lacks(html, "javascript:");
	assert_lacks(html, "href=\"javascript");
	assert_contains(html, "&lt;script&gt;alert&#40;1)&lt;/script&gt;");
	assert_contains(html, "&quot;&gt;&lt;img src=x onerror=alert&#40;1)&gt;");
	assert_contains(html, "<code>javascript&#58;alert&#40;1)</code>"); /* shown, not linked */
	/* control characters do not reach the page */
	assert_lacks(html, "\x01");
	assert_lacks(html, "\x1b");
	/* the only <script-like text is escaped; the page has no script element at all */
	assert_int_equal(count(html, "<script"), 0);
	free(html);
}

/* ---- junit ---- */

static void test_junit_structure(void **state)
{
	char *x = render("single", REPORT_JUNIT);

	(void)state;
	assert_true(
		!strncmp(x,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"shakedown h100-acceptance: "
			 "NOT READY\" tests=\"16\" failures=\"4\" errors=\"1\" skipped=\"1\"",
			 120));
	assert_int_equal(count(x, "<testsuite "), 1);
	assert_int_equal(count(x, "<testcase "), 16);
	assert_int_equal(count(x, "<failure "), 4); /* 3 fail + 1 warn */
	assert_int_equal(count(x, "<error "), 1);
	assert_int_equal(count(x, "<skipped "), 1);
	assert_int_equal(count(x, "</testsuite>"), 1);
	assert_contains(
		x, "<testsuite name=\"node017\" hostname=\"node017\" id=\"0\" tests=\"16\" failures=\"4\" errors=\"1\" "
		   "skipped=\"1\" time=\"1270.120\"");
	assert_contains(x, "<property name=\"plan\" value=\"h100-acceptance\"/>");
	assert_contains(x, "<property name=\"baseline\" value=\"h100-sxm-80gb\"/>");
	assert_contains(x, "<property name=\"host\" value=\"node017\"/>");
	assert_contains(x, "<testcase classname=\"membw\" name=\"hbm.triad{gpu=0}:min\" time=\"12.400\"/>");
	assert_contains(x,
			"<failure message=\"value 2.50 TB/s, threshold &gt;= 2.90 TB/s (0.75 × spec 3.35 TB/s); triad "
			"2.50 TB/s &lt; 2.90 TB/s; runbook runbooks/hbm-bandwidth-low.md; log logs/hbm.log\" "
			"type=\"critical\">");
	assert_contains(x, "type=\"warning\">value 84 °C");
	free(x);

	x = render("multi", REPORT_JUNIT);
	assert_int_equal(count(x, "<testsuite "), 4);
	assert_int_equal(count(x, "<testcase "), 60);
	assert_contains(x, "<testsuite name=\"node003\" hostname=\"node003\" id=\"2\" tests=\"15\" failures=\"2\"");
	assert_contains(x, "<property name=\"verdict\" value=\"NOT READY\"/>");
	free(x);

	x = render("noverdict", REPORT_JUNIT); /* no verdict: one testcase per step */
	assert_contains(x, "<testcase classname=\"sysinfo\" name=\"inventory\" time=\"0.034\"/>");
	assert_contains(x, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\"");
	free(x);

	x = render("hostile", REPORT_JUNIT);
	assert_lacks(x, "<script");
	assert_lacks(x, "<img");
	assert_lacks(x, "\x01");
	assert_contains(x, "hostname=\"&lt;script&gt;alert(1)&lt;/script&gt;\"");
	assert_int_equal(count(x, "<testcase "), 16);
	free(x);
}

/* ---- prometheus ---- */

static int name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* One sample line: NAME[{label="value",...}] VALUE. Returns the name's length, or 0 when malformed. */
static size_t sample_ok(const char *l)
{
	const char *p = l;
	size_t n;

	if (!name_char(*p, 1))
		return 0;
	while (name_char(*p, 0))
		p++;
	n = (size_t)(p - l);
	if (*p == '{') {
		do {
			p++;
			if (!name_char(*p, 1) || *p == ':')
				return 0;
			while (name_char(*p, 0) && *p != ':')
				p++;
			if (*p++ != '=' || *p++ != '"')
				return 0;
			while (*p && *p != '"' && *p != '\n')
				p += *p == '\\' ? (p[1] == '\\' || p[1] == '"' || p[1] == 'n' ? 2 : 100000) : 1;
			if (*p++ != '"')
				return 0;
		} while (*p == ',');
		if (*p++ != '}')
			return 0;
	}
	if (*p++ != ' ' || !*p)
		return 0;
	for (; *p; p++)
		if (!strchr("0123456789.eE+-NaInf", *p))
			return 0;
	return n;
}

/* The exposition format: valid lines, HELP and TYPE once per family, a family's samples contiguous. */
static void prom_valid(const char *text)
{
	char *copy = xstrdup(text), *line, *next, cur[512] = "", key[520];
	struct strbuf types = STRBUF_INIT; /* "\nname\nname\n...": the families seen */
	size_t n;

	strbuf_addstr(&types, "\n");
	for (line = copy; *line; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		if (!strncmp(line, "# HELP ", 7))
			continue;
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_non_null(strstr(line, " gauge"));
			snprintf(cur, sizeof(cur), "%.*s", (int)(strstr(line, " gauge") - line - 7), line + 7);
			snprintf(key, sizeof(key), "\n%s\n", cur);
			if (strstr(types.buf, key))
				fail_msg("second # TYPE for %s", cur);
			strbuf_addstr(&types, key + 1);
			continue;
		}
		n = sample_ok(line);
		if (!n)
			fail_msg("malformed sample: %s", line);
		if (strlen(cur) != n || strncmp(line, cur, n))
			fail_msg("sample outside its family %s: %s", cur, line);
	}
	strbuf_release(&types);
	free(copy);
}

static void test_prom(void **state)
{
	char *p = render("single", REPORT_PROM);

	(void)state;
	prom_valid(p);
	assert_int_equal(count(p, "# TYPE shakedown_membw_triad_bytes_per_second gauge\n"), 1);
	assert_int_equal(count(p, "# HELP shakedown_membw_triad_bytes_per_second "), 1);
	assert_contains(
		p, "shakedown_membw_triad_bytes_per_second{host=\"node017\",step=\"hbm\",probe=\"membw\",gpu=\"0\"} "
		   "3010000000000\n");
	assert_contains(p, "shakedown_gemm_bf16_8192x8192x8192_flops_per_second{host=\"node017\",step=\"gemm\","
			   "probe=\"gemm\",gpu=\"0\",dtype=\"bf16\"} 793000000000000\n");
	assert_contains(p, "shakedown_soak_temp_max_celsius{");
	assert_contains(p, "shakedown_soak_power_avg_watts{");
	assert_contains(p, "shakedown_sysinfo_gpus{host=\"node017\",step=\"inventory\",probe=\"sysinfo\"} 2\n");
	assert_contains(p, "shakedown_run_info{plan=\"h100-acceptance\",baseline=\"h100-sxm-80gb\",version=\"0.1.0\","
			   "status=\"NOT READY\",run_id=\"h100-acceptance-20261124T134000Z\"} 1\n");
	assert_contains(p, "shakedown_run_timestamp_seconds 1795527600\n");
	assert_contains(p, "shakedown_check_status{host=\"node017\",area=\"membw\",check=\"hbm.triad{gpu=1}:min\","
			   "severity=\"critical\",verdict=\"fail\"} 0\n");
	assert_contains(p, "shakedown_check_status{host=\"node017\",area=\"membw\",check=\"hbm.triad{gpu=0}:min\","
			   "severity=\"critical\",verdict=\"pass\"} 1\n");
	assert_contains(p,
			"shakedown_check_status{host=\"node017\",area=\"thermal\",check=\"soak.temp_max{gpu=1}:max\","
			"severity=\"warning\",verdict=\"warn\"} 0\n");
	assert_contains(p, "shakedown_step_duration_seconds{host=\"node017\",step=\"storage\",probe=\"fio\","
			   "status=\"error\"} 600\n");
	assert_contains(p, "shakedown_node_ready{host=\"node017\",status=\"NOT READY\"} 0\n");
	assert_int_equal(count(p, "\nshakedown_check_status{"), 16);
	free(p);

	p = render("multi", REPORT_PROM);
	prom_valid(p);
	assert_int_equal(count(p, "# TYPE shakedown_membw_triad_bytes_per_second gauge\n"), 1);
	assert_int_equal(count(p, "\nshakedown_membw_triad_bytes_per_second{"), 8); /* 4 nodes x 2 GPUs */
	assert_int_equal(count(p, "\nshakedown_node_ready{"), 4);
	free(p);

	p = render("noverdict", REPORT_PROM);
	prom_valid(p);
	assert_contains(p, "status=\"NO VERDICT\"");
	assert_lacks(p, "shakedown_check_status");
	free(p);
}

static void test_prom_hostile(void **state)
{
	char *p = render("hostile", REPORT_PROM);

	(void)state;
	prom_valid(p);
	/* label values: backslash, double quote and newline escaped; label names sanitised */
	assert_contains(p, ",gpu=\"0\",we_ird_label=\"a\\\"b\\\\c\\nd<script>alert(1)</script>\"} 3010000000000\n");
	/* a probe label may not pose as ours */
	assert_contains(p, ",label_host=\"spoof\",label___name__=\"x\"} 1.5\n");
	/* metric names sanitised, HELP escaped */
	assert_contains(
		p, "# HELP shakedown_membw_we_ird_x__name__seconds shakedown probe 'membw' metric 'we ird{x}-name\\n' "
		   "in s (probes/METRICS.md)\n");
	assert_contains(p, "shakedown_run_info{plan=\"\\\"><img src=x onerror=alert(1)>\"");
	free(p);
}

/* A family name a probe could produce that collides with one of ours gets a suffix. */
static void test_prom_collision(void **state)
{
	cJSON *doc = cJSON_Parse(
		"{\"run\":{\"started\":\"2026-01-01T00:00:00Z\"},\"host\":{\"hostname\":\"n\"},"
		"\"steps\":[{\"id\":\"s\",\"probe\":\"check\",\"metrics\":["
		"{\"name\":\"status\",\"unit\":\"count\",\"value\":1},"
		"{\"name\":\"a-b\",\"unit\":\"B\",\"value\":2},{\"name\":\"a_b\",\"unit\":\"B\",\"value\":3}]},"
		"{\"id\":\"t\",\"probe\":\"x\",\"metrics\":[{\"name\":\"d\",\"value\":1,\"unit\":\"furlongs\","
		"\"labels\":{\"a.b\":\"1\",\"a-b\":\"2\",\"9x\":\"3\"}}]}],"
		"\"verdict\":{\"status\":\"READY\",\"checks\":[]}}");
	char *p = render_doc(doc, REPORT_PROM);

	(void)state;
	prom_valid(p);
	assert_contains(p, "# TYPE shakedown_check_status_2 gauge\n");
	assert_contains(p, "shakedown_check_a_b_bytes{host=\"n\",step=\"s\",probe=\"check\"} 2\n");
	assert_contains(p, "shakedown_check_a_b_bytes_2{host=\"n\",step=\"s\",probe=\"check\"} 3\n");
	/* an unknown unit: no suffix; labels that sanitise alike keep the first */
	assert_contains(p, "shakedown_x_d{host=\"n\",step=\"t\",probe=\"x\",a_b=\"1\",_9x=\"3\"} 1\n");
	free(p);
	cJSON_Delete(doc);
}

/* ---- atomic writes ---- */

static int entries(const char *dir, int *tmp)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	*tmp = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		*tmp += strstr(e->d_name, ".tmp") != NULL;
	}
	if (d)
		closedir(d);
	return n;
}

static void test_atomic(void **state)
{
	char dir[] = "/tmp/sd-reports.XXXXXX", err[512], *gone, *file;
	cJSON *doc = fixture("single");
	int tmp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(report_write(doc, dir, REPORT_MD, NULL, err, sizeof(err)), 0);
	assert_int_equal(entries(dir, &tmp), 1);
	assert_int_equal(report_write(doc, dir, REPORT_ALL, &opts, err, sizeof(err)), 0);
	assert_int_equal(entries(dir, &tmp), 5);
	assert_int_equal(tmp, 0);
	assert_int_equal(report_write(doc, dir, REPORT_ALL, &opts, err, sizeof(err)), 0); /* replaced in place */
	assert_int_equal(entries(dir, &tmp), 5);
	assert_int_equal(tmp, 0);

	gone = xasprintf("%s/missing", dir);
	assert_int_equal(report_write(doc, gone, REPORT_MD, NULL, err, sizeof(err)), -1);
	file = xasprintf("cannot write reports to '%s': No such file or directory", gone);
	assert_string_equal(err, file);
	free(file);
	free(gone);
	file = xasprintf("%s/report.md", dir);
	assert_int_equal(report_write(doc, file, REPORT_MD, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Not a directory"));
	free(file);
	assert_int_equal(report_write(doc, dir, 0, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "no report format selected (use md, html, json, junit, prom or all)");
	/* the json format writes the document itself */
	{
		char *path = xasprintf("%s/results.json", dir), *text = slurp(path);
		cJSON *back = cJSON_Parse(text);

		assert_non_null(back);
		assert_true(cJSON_Compare(back, doc, 1));
		cJSON_Delete(back);
		free(text);
		free(path);
	}
	if (geteuid() != 0) { /* an unwritable directory: an error, nothing half-written */
		chmod(dir, 0555);
		assert_int_equal(report_write(doc, dir, REPORT_MD, NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "cannot create"));
		chmod(dir, 0755);
	}
	remove_dir(dir);
	cJSON_Delete(doc);
}

/* Large files stream through the temporary file: the bytes are the same, and nothing is left behind. */
static void test_streaming(void **state)
{
	static const char *const files[] = { "report.md", "report.html", "results.json", "junit.xml", "metrics.prom" };
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char a[] = "/tmp/sd-reports.XXXXXX", b[] = "/tmp/sd-reports.XXXXXX", err[512];
		cJSON *doc = fixture(fixtures[i]);
		int tmp;

		assert_non_null(mkdtemp(a));
		assert_non_null(mkdtemp(b));
		assert_int_equal(report_write(doc, a, REPORT_ALL, &opts, err, sizeof(err)), 0);
		if (report_write_at(doc, b, REPORT_ALL, &opts, 64, err, sizeof(err)))
			fail_msg("%s: %s", fixtures[i], err);
		assert_int_equal(entries(b, &tmp), 5);
		assert_int_equal(tmp, 0);
		for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			char *pa = xasprintf("%s/%s", a, files[k]), *pb = xasprintf("%s/%s", b, files[k]);
			char *ta = slurp(pa), *tb = slurp(pb);

			assert_non_null(ta);
			assert_non_null(tb);
			if (strcmp(ta, tb))
				fail_msg("%s: streamed %s differs", fixtures[i], files[k]);
			free(ta);
			free(tb);
			free(pa);
			free(pb);
		}
		remove_dir(a);
		remove_dir(b);
		cJSON_Delete(doc);
	}
}

/* A document with nothing in it still renders; one that is not an object does not. */
static void test_sparse_documents(void **state)
{
	char dir[] = "/tmp/sd-reports.XXXXXX", err[512];
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	char *md;

	(void)state;
	md = render_doc(doc, REPORT_MD);
	assert_contains(md, "**NO VERDICT**");
	free(md);
	cJSON_AddItemToObject(doc, "verdict", cJSON_CreateObject());
	md = render_doc(doc, REPORT_MD);
	assert_contains(md, "**NO STATUS** — no checks were evaluated");
	free(md);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(report_write(doc, dir, REPORT_ALL, NULL, err, sizeof(err)), 0);
	assert_int_equal(report_write(arr, dir, REPORT_ALL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot render a report: the results are not a JSON object");
	remove_dir(dir);
	cJSON_Delete(doc);
	cJSON_Delete(arr);
}

/* Outliers are shown when an analysis provides them, and bounded. */
static void test_outliers(void **state)
{
	cJSON *doc = fixture("multi"), *out = cJSON_AddArrayToObject(cJSON_GetObjectItem(doc, "verdict"), "outliers");
	char *md, *html;
	int i;

	(void)state;
	for (i = 0; i < 60; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "host", i ? "node003" : "<b>node003</b>");
		cJSON_AddStringToObject(o, "message", "triad 20 % below the fleet median");
		cJSON_AddItemToArray(out, o);
	}
	md = render_doc(doc, REPORT_MD);
	assert_contains(md, "| `node003` | `?` | — | — |  | triad 20 % below the fleet median |\n");
	assert_contains(md, "| `<b>node003</b>` | `?` |");
	assert_int_equal(count(md, "fleet median"), MODEL_MAX_DETAIL);
	assert_contains(md, "10 more not shown here (results.json).");
	assert_lacks(md, "No multi-node outlier analysis yet");
	html = render_doc(doc, REPORT_HTML);
	assert_int_equal(count(html, "fleet median"), MODEL_MAX_DETAIL);
	free(md);
	free(html);
	cJSON_Delete(doc);
}

/* The fleet fixture (4 nodes, one lost, one slow, a drifted driver, a collective step) with hosts renamed and its
 * verdict computed again. */
static cJSON *fleet_with_hosts(const char *const hosts[4])
{
	cJSON *doc = fixture("fleet"), *v;
	struct baseline b;
	struct diags d = DIAGS_INIT;
	int i;

	for (i = 0; i < 4; i++)
		cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "nodes"), i), "host",
					  cJSON_CreateString(hosts[i]));
	assert_int_equal(baseline_load(FIX "fleet-baseline.yaml", &b, &d), 0);
	v = verdict_evaluate(&b, doc, "plan");
	cJSON_ReplaceItemInObject(doc, "verdict", v);
	baseline_release(&b);
	diags_release(&d);
	return doc;
}

/* A multi-node run: NOT READY nodes, outliers, the heatmap, drift, and a testcase per node and check. */
static void test_fleet(void **state)
{
	char *md = render("fleet", REPORT_MD), *html = render("fleet", REPORT_HTML);
	char *junit = render("fleet", REPORT_JUNIT), *prom = render("fleet", REPORT_PROM);

	(void)state;
	assert_contains(md, "**NOT READY** — 1 of 11 checks failed on n003 (baseline fleet-test)");
	assert_contains(md, "| nodes | 4 nodes: n001, n002, n003, n004; and the steps run across all of them at once "
			    "(cluster) |");
	assert_contains(md, "## NOT READY nodes\n\n1 node is NOT READY:\n\n| node | why |\n|---|---|\n"
			    "| `n003` | unreachable: ssh: connect to host n003 port 22: No route to host |\n");
	assert_contains(md, "| `n002` | `hbm.triad{gpu=0}` | 2.40 TB/s | 3 TB/s | -13.5 | triad{gpu=0} 2.40 TB/s is "
			    "20.0 % below the median 3 TB/s of 3 nodes (z = -13.5) |\n");
	/* the audit's software versions in the environment table, by variant across the nodes that ran it */
	assert_contains(md, "| software | 2 variants: nvidia\\_driver 580.65.06 · cuda\\_driver 12.8 · nccl 2.21.5 · "
			    "module.nvidia 580.65.06 (2 nodes, e.g. n001); nvidia\\_driver 570.124.06");
	assert_contains(md, "## Fleet drift\n");
	assert_contains(md, "| `nvidia_driver` | `580.65.06` | 2 | `n001`, `n002` |\n"
			    "| `nvidia_driver` | `570.124.06` | 1 | `n004` |\n");
	assert_lacks(md, "No multi-node outlier analysis yet");
	/* the audit's software versions in the environment table, by variant across the nodes that ran it */
	assert_contains(md, "| software | 2 variants: nvidia\\_driver 580.65.06 · cuda\\_driver 12.8 · nccl 2.21.5 · "
			    "module.nvidia 580.65.06 (2 nodes, e.g. n001); nvidia\\_driver 570.124.06");
	assert_contains(md, "Pairwise locate of `busbw-all` (all\\_reduce\\_busbw, 3 pair runs):\n\n"
			    "- node `n002`: slow in 2 of 2 pairs\n");

	assert_contains(html, "<section id=\"not-ready\"><h2>NOT READY nodes</h2>");
	assert_contains(html, "<li>node <code>n002</code>: slow in 2 of 2 pairs</li>");
	assert_contains(html, "<section id=\"outliers\">");
	assert_contains(html, "<section id=\"heatmap\">");
	/* worst node first in the table, its two triad cells outliers */
	assert_contains(html, "<tbody>\n<tr><td><code>n002</code></td><td class=\"z z3\">13.5</td>"
			      "<td class=\"z z3\">13.5</td>");
	assert_contains(html, "<svg class=\"strip\"");
	assert_lacks(html, "xmlns");
	assert_contains(html, "<section id=\"drift\"><h2>Fleet drift</h2>");
	assert_contains(html, "<td><code>570.124.06</code></td><td class=\"num\">1</td><td>n004</td>");

	/* one testsuite per node (and the collective one), one testcase per check of each */
	assert_int_equal(count(junit, "<testsuite "), 5);
	assert_int_equal(count(junit, "<testcase "), 11);
	assert_contains(junit, "<testsuite name=\"n003\" hostname=\"n003\" id=\"2\" tests=\"1\" failures=\"1\"");
	assert_contains(junit,
			"<testcase classname=\"node\" name=\"node:unreachable\" time=\"0.000\"><failure "
			"message=\"node &apos;n003&apos; unreachable: ssh: connect to host n003 port 22: No route "
			"to host; runbook runbooks/probe-error.md\" type=\"critical\">");
	assert_int_equal(count(junit, "name=\"hbm.triad{gpu=0}:min\""), 3);
	assert_contains(junit, "<testsuite name=\"cluster\"");
	assert_contains(junit, "name=\"busbw-all.all_reduce_busbw{bytes=1073741824}:min\"");

	assert_contains(prom, "shakedown_node_ready{host=\"n003\",status=\"NOT READY\"} 0\n");
	assert_contains(prom, "# TYPE shakedown_node_outliers gauge\nshakedown_node_outliers{host=\"n001\"} 0\n"
			      "shakedown_node_outliers{host=\"n002\"} 2\n");
	assert_lacks(prom, "shakedown_node_outliers{host=\"cluster\"}");
	assert_contains(prom, "shakedown_membw_triad_bytes_per_second{host=\"n002\",step=\"hbm\",probe=\"membw\","
			      "gpu=\"0\"} 2400000000000\n");
	free(md);
	free(html);
	free(junit);
	free(prom);
}

/* Hostile host names stay text in every fleet section. */
static void test_fleet_hostile(void **state)
{
	static const char *const hosts[4] = { "n001", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
					      "n`|*004\n" };
	cJSON *doc = fleet_with_hosts(hosts);
	char *md = render_doc(doc, REPORT_MD), *html = render_doc(doc, REPORT_HTML);
	char *junit = render_doc(doc, REPORT_JUNIT), *prom = render_doc(doc, REPORT_PROM);

	(void)state;
	/* the slow node is still the outlier, the lost one still NOT READY, the drifted one still listed */
	assert_lacks(html, "<script");
	assert_lacks(html, "<img");
	assert_lacks(html, "alert(1)");
	assert_contains(html, "<tr><td><code>&lt;script&gt;alert&#40;1)&lt;/script&gt;</code></td><td class=\"z z3\">");
	assert_contains(html, "<tr><td><code>&quot;&gt;&lt;img src=x onerror=alert&#40;1)&gt;</code></td><td>"
			      "unreachable");
	assert_contains(html, "<td class=\"num\">1</td><td>n`|*004\n</td>");
	assert_contains(md, "| `<script>alert(1)</script>` | `hbm.triad{gpu=0}` |");
	assert_contains(md, "| `\"><img src=x onerror=alert(1)>` | unreachable: ssh");
	assert_contains(md, "| `nvidia_driver` | `570.124.06` | 1 | `n'\\|*004 ` |");
	assert_contains(junit, "<testsuite name=\"&lt;script&gt;alert(1)&lt;/script&gt;\"");
	assert_lacks(junit, "<script");
	assert_contains(prom, "host=\"<script>alert(1)</script>\"");
	assert_contains(prom, "host=\"n`|*004\\n\"");
	free(md);
	free(html);
	free(junit);
	free(prom);
	cJSON_Delete(doc);
}

/* Every format's file for results, from the verdict as a tree in results, or from v itself. */
static char *render_all(cJSON *doc, const struct verdict *v, const char *name)
{
	char dir[] = "/tmp/sd-reports.XXXXXX", err[512], *path, *text;

	assert_non_null(mkdtemp(dir));
	if (v ? report_write_verdict(doc, v, dir, REPORT_ALL & ~REPORT_JSON, &opts, err, sizeof(err))
	      : report_write(doc, dir, REPORT_ALL & ~REPORT_JSON, &opts, err, sizeof(err)))
		fail_msg("report_write: %s", err);
	path = xasprintf("%s/%s", dir, name);
	text = slurp(path);
	assert_non_null(text);
	free(path);
	remove_dir(dir);
	return text;
}

/* Reports from a struct verdict (report_write_verdict) are the reports from its JSON, byte for byte. */
static void test_from_verdict(void **state)
{
	static const struct {
		const char *fixture, *baseline;
	} cases[] = {
		{ "fleet", FIX "fleet-baseline.yaml" },
		{ "multi", "suites/baselines/h100-sxm-80gb.yaml" },
		{ "single", "suites/baselines/h100-sxm-80gb.yaml" },
		{ "noverdict", NULL },
		{ "hostile", NULL },
	};
	static const char *const files[] = { "report.md", "report.html", "junit.xml", "metrics.prom" };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diags d = DIAGS_INIT;
		struct baseline b;
		struct verdict v;
		cJSON *doc = fixture(cases[i].fixture);

		cJSON_DeleteItemFromObject(doc, "verdict");
		if (cases[i].baseline)
			assert_int_equal(baseline_load(cases[i].baseline, &b, &d), 0);
		assert_int_equal(verdict_compute(&v, cases[i].baseline ? &b : NULL, doc, "plan"), 0);
		for (j = 0; j < sizeof(files) / sizeof(files[0]); j++) {
			char *from_struct = render_all(doc, &v, files[j]), *from_tree;

			cJSON_AddItemToObject(doc, "verdict", verdict_json(&v));
			from_tree = render_all(doc, NULL, files[j]);
			cJSON_DeleteItemFromObject(doc, "verdict");
			if (strcmp(from_struct, from_tree))
				fail_msg("%s: %s differs between the verdict's JSON and the verdict itself",
					 cases[i].fixture, files[j]);
			free(from_struct);
			free(from_tree);
		}
		verdict_release(&v);
		if (cases[i].baseline)
			baseline_release(&b);
		diags_release(&d);
		cJSON_Delete(doc);
	}
}

/* A single-node document is one node, even when a check names its host differently. */
static void test_single_node_host(void **state)
{
	cJSON *doc = fixture("single"), *c;
	char *md;

	(void)state;
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "verdict"), "checks"), 0);
	cJSON_ReplaceItemInObject(c, "host", cJSON_CreateString("node017.cluster.local"));
	md = render_doc(doc, REPORT_MD);
	assert_contains(md, "| nodes | 1 node: node017 |");
	assert_contains(md, "| check | value | threshold | margin | verdict |"); /* the one-node layout */
	free(md);
	cJSON_Delete(doc);
}

/* ---- headlines ---- */

/*
 * A document from a compact spec: per node, one letter per check (p pass,
 * w warn, f fail, s skipped, e error), nodes separated by '/'.
 */
static cJSON *spec_doc(const char *spec, const char *run_status, const char *baseline)
{
	static const char letters[] = "pwfse";
	static const char *const names[] = { "pass", "warn", "fail", "skipped", "error" };
	cJSON *doc = cJSON_CreateObject(), *v = cJSON_AddObjectToObject(doc, "verdict"), *checks, *nodes = NULL;
	int node = 0, k = 0;
	char host[16], id[16];
	const char *p;

	cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "run"), "status", run_status);
	cJSON_AddStringToObject(v, "status", "X");
	if (baseline)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "baseline"), "name", baseline);
	checks = cJSON_AddArrayToObject(v, "checks");
	if (strchr(spec, '/'))
		nodes = cJSON_AddArrayToObject(doc, "nodes");
	else
		cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "host"), "hostname", "n0");
	for (p = spec;; p++) {
		snprintf(host, sizeof(host), "n%d", node);
		if (nodes && (p == spec || p[-1] == '/')) {
			cJSON *n = cJSON_CreateObject();

			cJSON_AddStringToObject(n, "host", host);
			cJSON_AddItemToArray(nodes, n);
		}
		if (!*p)
			break;
		if (*p == '/') {
			node++;
			k = 0;
			continue;
		}
		{
			cJSON *c = cJSON_CreateObject();

			snprintf(id, sizeof(id), "c%d", k++);
			cJSON_AddStringToObject(c, "id", id);
			cJSON_AddStringToObject(c, "host", host);
			cJSON_AddStringToObject(c, "verdict", names[strchr(letters, *p) - letters]);
			cJSON_AddItemToArray(checks, c);
		}
	}
	return doc;
}

struct headline_case {
	const char *spec, *run_status, *baseline, *want;
};

static const struct headline_case headline_cases[] = {
	{ "p", "complete", "b", "the only check passed on n0 (baseline b)" },
	{ "pppp", "complete", NULL, "all 4 checks passed on n0 (no baseline: the runner's own checks only)" },
	{ "pp/pp/pp", "complete", "b", "all 6 checks passed on all 3 nodes (baseline b)" },
	{ "ppwp", "complete", "b", "3 of 4 checks passed, 1 warned on n0 (baseline b)" },
	{ "pfpe/pppp/fwps", "complete", "b",
	  "2 of 12 checks failed on 2 of 3 nodes, 1 errored, 1 warned, 1 skipped (baseline b)" },
	{ "ppe", "complete", "b", "1 of 3 checks could not be evaluated on n0 (baseline b)" },
	{ "ss", "complete", "b", "every check was skipped (baseline b)" },
	{ "pps", "interrupted", "b", "both checks passed on n0, 1 skipped; the run was interrupted (baseline b)" },
	{ "", "complete", "b", "no checks were evaluated (baseline b)" },
};

static void test_headlines(void **state)
{
	struct report_opts o = REPORT_OPTS_INIT;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(headline_cases) / sizeof(headline_cases[0]); i++) {
		const struct headline_case *h = &headline_cases[i];
		cJSON *doc = spec_doc(h->spec, h->run_status, h->baseline);
		struct rmodel m;

		assert_int_equal(model_load(&m, doc, REPORT_MD, &o, err, sizeof(err)), 0);
		assert_string_equal(m.headline, h->want);
		model_release(&m);
		cJSON_Delete(doc);
	}
}

/* ---- aggregation across nodes ---- */

/* n nodes, one check each with value i+1 (in a shuffled order), node 3 failing. */
static cJSON *many_nodes(size_t n)
{
	cJSON *doc = cJSON_CreateObject(), *nodes = cJSON_AddArrayToObject(doc, "nodes"), *v, *checks;
	size_t i;

	v = cJSON_AddObjectToObject(doc, "verdict");
	cJSON_AddStringToObject(v, "status", "NOT READY");
	checks = cJSON_AddArrayToObject(v, "checks");
	for (i = 0; i < n; i++) {
		char host[32];
		cJSON *node = cJSON_CreateObject(), *c = cJSON_CreateObject();
		size_t val = (i * 7) % n + 1; /* a permutation of 1..n when gcd(7, n) = 1 */

		snprintf(host, sizeof(host), "n%04zu", i);
		cJSON_AddStringToObject(node, "host", host);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(node, "steps"),
				     cJSON_Parse("{\"id\":\"s\",\"probe\":\"p\",\"status\":\"ok\",\"duration_s\":1,"
						 "\"metrics\":[{\"name\":\"m\",\"unit\":\"B/s\",\"value\":1}]}"));
		cJSON_AddItemToArray(nodes, node);
		cJSON_AddStringToObject(c, "id", "s.m:min");
		cJSON_AddStringToObject(c, "area", "a");
		cJSON_AddStringToObject(c, "host", host);
		cJSON_AddStringToObject(c, "step", "s");
		cJSON_AddNumberToObject(c, "value", (double)val);
		cJSON_AddStringToObject(c, "unit", "count");
		cJSON_AddNumberToObject(c, "margin", (double)val / 10);
		cJSON_AddStringToObject(c, "verdict", i == 3 ? "fail" : "pass");
		cJSON_AddStringToObject(c, "runbook", "r");
		cJSON_AddItemToArray(checks, c);
	}
	return doc;
}

static void test_aggregate(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 10, 11, 500 };
	struct report_opts o = REPORT_OPTS_INIT;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		cJSON *doc = many_nodes(n);
		struct rmodel m;

		assert_int_equal(model_load(&m, doc, REPORT_MD, &o, err, sizeof(err)), 0);
		assert_int_equal(m.nnodes, n);
		assert_int_equal(m.ngroups, 1);
		assert_int_equal(m.groups[0].n, n);
		assert_true(m.groups[0].vmin == 1);
		assert_true(m.groups[0].vmax == (double)n);
		assert_true(fabs(m.groups[0].vmed - (double)(n + 1) / 2) < 1e-9); /* median of 1..n */
		assert_int_equal(m.groups[0].verdict, n > 3 ? RV_FAIL : RV_PASS);
		assert_int_equal(m.nbad_nodes, n > 3 ? 1 : 0);
		model_release(&m);
		cJSON_Delete(doc);
	}
	{
		cJSON *doc = many_nodes(500);
		char *md = render_doc(doc, REPORT_MD);

		assert_contains(md, "**NOT READY** — 1 of 500 checks failed on n0003");
		assert_contains(md, "| `s.m:min` | 499 pass, 1 fail | 1 | 250 | 500 | — | +10.0 % | **FAIL** |");
		assert_contains(md, "500 nodes: n0000, n0001, n0002, n0003, n0004, n0005, n0006, n0007, … n0499");
		assert_contains(md, "499 more nodes are in results.json");
		free(md);
		cJSON_Delete(doc);
	}
}

/* Detail is bounded however many checks fail. */
static void test_bounded_detail(void **state)
{
	cJSON *doc = many_nodes(301), *c;
	char *md, *html;

	(void)state;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "verdict"), "checks"))
		cJSON_ReplaceItemInObject(c, "verdict", cJSON_CreateString("fail"));
	md = render_doc(doc, REPORT_MD);
	assert_int_equal(count(md, "\n### ") - count(md, "\n### a ") - count(md, "\n### n0000 / "), MODEL_MAX_DETAIL);
	assert_contains(md, "251 more not shown here");
	html = render_doc(doc, REPORT_HTML);
	assert_int_equal(count(html, "<div class=\"problem "), MODEL_MAX_DETAIL);
	free(md);
	free(html);
	cJSON_Delete(doc);
}

/* ---- escapers, numbers, charts ---- */

typedef void (*esc_fn)(struct strbuf *, const char *);

struct esc_case {
	esc_fn fn;
	const char *in, *want;
};

static const struct esc_case esc_cases[] = {
	{ out_esc_html, "<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;" },
	{ out_esc_html, "https://x url(y) @import", "https&#58;//x url&#40;y) &#64;import" },
	{ out_esc_html, "°C ✓ 日本", "°C ✓ 日本" },
	{ out_esc_html, "bad \xff\xfe utf8 \xc3", "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd" },
	{ out_esc_html, "overlong \xc0\xaf surrogate \xed\xa0\x80",
	  "overlong \xef\xbf\xbd\xef\xbf\xbd surrogate "
	  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ out_esc_html, "bell\x07tab\tnl\n", "bell\xef\xbf\xbdtab\tnl\n" },
	{ out_esc_xml, "<a b='c'>&\"", "&lt;a b=&apos;c&apos;&gt;&amp;&quot;" },
	{ out_esc_xml, "https://x", "https://x" },
	{ out_esc_md, "a|b*c_d`e[f]<g>&h\ni", "a\\|b\\*c\\_d\\`e\\[f\\]&lt;g>&amp;h i" },
	{ out_esc_prom_label, "a\"b\\c\nd", "a\\\"b\\\\c\\nd" },
	{ out_esc_prom_help, "a\"b\\c\nd", "a\"b\\\\c\\nd" },
	{ out_md_code, "a`b|c\nd", "`a'b\\|c d`" },
	{ out_esc_html, "", "" },
};

static void test_escapers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		esc_cases[i].fn(&sb, esc_cases[i].in);
		assert_string_equal(sb.buf ? sb.buf : "", esc_cases[i].want);
		strbuf_release(&sb);
	}
	{
		struct strbuf sb = STRBUF_INIT;

		out_esc_html(&sb, NULL);
		assert_int_equal(sb.len, 0);
	}
}

struct name_case {
	const char *in;
	int label;
	const char *want;
};

static const struct name_case name_cases[] = {
	{ "triad", 0, "triad" },    { "a-b.c d", 0, "a_b_c_d" },
	{ "9lives", 0, "_9lives" }, { "a:b", 0, "a:b" },
	{ "a:b", 1, "a_b" },	    { "", 0, "_" },
	{ NULL, 1, "_" },	    { "ü", 0, "__" },
};

static void test_names_and_numbers(void **state)
{
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		out_prom_name(&sb, name_cases[i].in, name_cases[i].label);
		assert_string_equal(sb.buf, name_cases[i].want);
		strbuf_release(&sb);
	}
	{
		static const struct {
			double v;
			const char *want;
		} nums[] = { { 0, "0" },
			     { -3, "-3" },
			     { 3.01e12, "3010000000000" },
			     { 0.1, "0.1" },
			     { 1e300, "1e+300" },
			     { -0.49375, "-0.49375" },
			     { 1.0 / 3, "0.333333333333333" } };
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			sb.len = 0;
			out_num(&sb, nums[i].v);
			assert_string_equal(sb.buf, nums[i].want);
		}
		sb.len = 0;
		out_num(&sb, NAN);
		out_str(&sb, " ");
		out_num(&sb, -INFINITY);
		assert_string_equal(sb.buf, "NaN -Inf");
		sb.len = 0;
		out_fixed(&sb, 12.3456, 3);
		out_str(&sb, " ");
		out_fixed(&sb, -0.0004, 3);
		out_str(&sb, " ");
		out_fixed(&sb, 1.9999, 2);
		out_str(&sb, " ");
		out_count(&sb, 1310720);
		assert_string_equal(sb.buf, "12.346 0.000 2.00 1,310,720");
		strbuf_release(&sb);
	}
	assert_string_equal(out_fmt_grouped(735840.004, 2, buf, sizeof(buf)), "735,840.00");
	assert_string_equal(out_fmt_grouped(999.996, 2, buf, sizeof(buf)), "1,000.00");
	assert_string_equal(out_fmt_grouped(6132, 0, buf, sizeof(buf)), "6,132");
	assert_string_equal(out_fmt_margin(0.038, buf, sizeof(buf)), "+3.8 %");
	assert_string_equal(out_fmt_margin(-0.138, buf, sizeof(buf)), "\xe2\x88\x92"
								      "13.8 %");
	assert_string_equal(out_fmt_duration(0.0412, buf, sizeof(buf)), "41.2 ms");
	assert_string_equal(out_fmt_duration(245, buf, sizeof(buf)), "4 min 05 s");
	assert_string_equal(out_fmt_duration(7380, buf, sizeof(buf)), "2 h 03 min");
}

static void test_svg(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	double *x = xcalloc(10000, sizeof(double)), *y = xcalloc(10000, sizeof(double));
	struct svg_series s[2] = { { .name = "<b>gpu=\"0\"</b>", .x = x, .y = y, .n = 10000 },
				   { .name = "empty", .x = x, .y = y, .n = 0 } };
	struct svg_line_chart c = {
		.title = "temp <script>", .xunit = "s", .yunit = "celsius", .series = s, .nseries = 2
	};
	struct svg_bar bars[2] = { { "<i>x</i>", "n&te", 5.0, NAN, NAN, NAN, SVG_PASS },
				   { "y", "z", -0.2, -0.3, 0.1, 0.0, SVG_FAIL } };
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		x[i] = (double)i, y[i] = 40 + (double)(i % 100) / 10;
	svg_line_chart(&sb, &c);
	assert_true(!strncmp(sb.buf, "<svg class=\"chart\"", 18));
	assert_lacks(sb.buf, "<script");
	assert_lacks(sb.buf, "<b>");
	assert_lacks(sb.buf, "xmlns"); /* inline in HTML5: no namespace URL */
	assert_contains(sb.buf, "&lt;b&gt;gpu=&quot;0&quot;&lt;/b&gt;");
	assert_int_equal(count(sb.buf, "<polyline"), 1);
	/* downsampled: at most 600 points and the last one */
	assert_true(count(strstr(sb.buf, "points=\""), ",") <= 601);
	assert_contains(sb.buf, ">0</text>");
	sb.len = 0;
	svg_margin_chart(&sb, "margins", bars, 2);
	assert_contains(sb.buf, "&lt;i&gt;x&lt;/i&gt;");
	assert_contains(sb.buf, "n&amp;te");
	assert_contains(sb.buf, "»"); /* the clipped bar is marked */
	assert_int_equal(count(sb.buf, "<svg"), 1);
	assert_int_equal(count(sb.buf, "</svg>"), 1);
	strbuf_release(&sb);
	free(x);
	free(y);
}

/* ---- series over x: log axes, markers, rooflines ---- */

struct log_case {
	double lo, hi;
	const char *unit;
	int max;
	const char *want; /* the tick labels, joined by "|" */
};

static const struct log_case log_cases[] = {
	{ 3000, 2e6, "B", 10, "1 KiB|4 KiB|16 KiB|64 KiB|256 KiB|1 MiB|4 MiB" },
	{ 4096, 1048576, "B", 10, "4 KiB|8 KiB|16 KiB|32 KiB|64 KiB|128 KiB|256 KiB|512 KiB|1 MiB" },
	{ 1024, 1073741824, "B", 3, "1 KiB|1 MiB|1 GiB" },
	{ 1024, 1073741824, "B", 8, "256 B|4 KiB|64 KiB|1 MiB|16 MiB|256 MiB|4 GiB" },
	{ 0.25, 1024, "FLOP/B", 10, "0.1|1|10|100|1 k|10 k" },
	{ 1e9, 3e12, "B/s", 7, "1 GB/s|10 GB/s|100 GB/s|1 TB/s|10 TB/s" },
	{ 1e-3, 1e15, NULL, 7, "0.001|1|1 k|1 M|1 G|1 T|1 P" },
	{ 2e-6, 5e-4, "s", 7, "1 us|10 us|100 us|1 ms" },
	{ 5, 5, "OP/B", 7, "1|10" },
	{ 1000, 1000, "FLOP/B", 7, "1 k|10 k" },
	{ 0.1, 0.1, "B/s", 7, "0.1 B/s|1 B/s" },
	{ 1, 1e60, NULL, 7, "1|10 G|1e+20|1e+30|1e+40|1e+50|1e+60" }, /* beyond P: no prefix */
	{ 1e-320, 1e308, "FLOP/s", 7, NULL },			      /* clamped: finite, at most 7 ticks */
};

static void test_svg_log_ticks(void **state)
{
	double t[64];
	char buf[64];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(log_cases) / sizeof(log_cases[0]); i++) {
		const struct log_case *c = &log_cases[i];
		struct svg_axis a;
		struct strbuf got = STRBUF_INIT;

		svg_axis_log(&a, c->lo, c->hi, c->unit, c->max);
		n = svg_axis_ticks(&a, t, 64);
		assert_true(n >= 2 && n <= (size_t)c->max);
		assert_true(a.lo > 0 && isfinite(a.hi) && a.lo < a.hi);
		assert_true(a.lo <= fmax(c->lo, 1e-300) * (1 + 1e-12) && a.hi >= fmin(c->hi, 1e300) * (1 - 1e-12));
		for (k = 0; k < n; k++)
			out_addf(&got, "%s%s", k ? "|" : "", svg_log_label(t[k], c->unit, buf, sizeof(buf)));
		if (c->want && strcmp(got.buf, c->want))
			fail_msg("ticks of %g..%g %s: got '%s', want '%s'", c->lo, c->hi, c->unit ? c->unit : "-",
				 got.buf, c->want);
		strbuf_release(&got);
	}
}

static void test_svg_axis_map(void **state)
{
	struct svg_axis lin = { .lo = 0, .hi = 10 }, lg;

	(void)state;
	svg_axis_log(&lg, 1, 1000, NULL, 7);
	assert_true(lg.lo == 1 && lg.hi == 1000);
	assert_true(fabs(svg_axis_frac(&lg, 1)) < 1e-12);
	assert_true(fabs(svg_axis_frac(&lg, 10) - 1.0 / 3) < 1e-12);
	assert_true(fabs(svg_axis_frac(&lg, 100) - 2.0 / 3) < 1e-12);
	assert_true(fabs(svg_axis_frac(&lg, 1000) - 1) < 1e-12);
	assert_true(fabs(svg_axis_frac(&lg, sqrt(10)) - 1.0 / 6) < 1e-12);
	assert_true(isnan(svg_axis_frac(&lg, 0)));
	assert_true(isnan(svg_axis_frac(&lg, -5)));
	assert_true(isnan(svg_axis_frac(&lg, INFINITY)));
	assert_true(isnan(svg_axis_frac(&lg, NAN)));
	assert_true(fabs(svg_axis_frac(&lin, 2.5) - 0.25) < 1e-12);
	assert_true(fabs(svg_axis_frac(&lin, -5) + 0.5) < 1e-12); /* linear: negatives are values like any */
	svg_axis_log(&lg, 4096, 1048576, "B", 10);
	assert_int_equal(lg.base, 2);
	assert_true(fabs(svg_axis_frac(&lg, 65536) - 0.5) < 1e-12);
}

/* Every number in the SVG (up to the end of its section) is finite: no "nan" or "inf" printed by %f. */
static void assert_finite_svg(const char *svg)
{
	const char *end = strstr(svg, "</section>");
	char *s = end ? xstrndup(svg, (size_t)(end - svg)) : xstrdup(svg);

	assert_lacks(s, "nan");
	assert_lacks(s, "inf");
	assert_lacks(s, "NAN");
	assert_lacks(s, "INF");
	free(s);
}

static void test_svg_points_log(void **state)
{
	static const double x[] = { -1, 0, 4096, 65536, 1048576, 16777216, NAN };
	static const double y[] = { 1e9, 2e9, 0, 1.5e12, 2.9e12, 3e12, 1e12 };
	struct svg_series s = { .name = "<i>gpu</i>", .x = x, .y = y, .n = 7 };
	struct svg_line_chart c = {
		.title = "bw", .xunit = "B", .yunit = "B/s", .series = &s, .nseries = 1, .xtitle = "B", .log = 1
	};
	struct strbuf sb = STRBUF_INIT;
	const char *pts;

	(void)state;
	c.points = 1;
	svg_line_chart(&sb, &c);
	assert_finite_svg(sb.buf);
	/* three drawable points (x and y > 0), each a circle with a tooltip; one more in the legend */
	assert_int_equal(count(sb.buf, "<circle"), 4);
	assert_int_equal(count(sb.buf, "</title></circle>"), 3);
	assert_contains(sb.buf, "<title>&lt;i&gt;gpu&lt;/i&gt;: 64 KiB, 1.50 TB/s</title>");
	assert_lacks(sb.buf, "<polyline");
	assert_lacks(sb.buf, "class=\"roof\""); /* no ceilings given */
	assert_contains(sb.buf, ">64 KiB</text>");
	assert_contains(sb.buf, ">1 TB/s</text>");
	assert_contains(sb.buf, "text-anchor=\"middle\" fill=\"#1d2330\">B</text>"); /* the axis title */
	sb.len = 0;
	c.points = 0;
	svg_line_chart(&sb, &c);
	assert_finite_svg(sb.buf);
	assert_int_equal(count(sb.buf, "<polyline"), 1);
	pts = strstr(sb.buf, "points=\"");
	assert_non_null(pts);
	assert_int_equal(count(pts, ","), 3); /* the same three points, joined */
	assert_int_equal(count(sb.buf, "<circle"), 0);
	strbuf_release(&sb);
}

static void test_svg_points_downsampled(void **state)
{
	double *x = xcalloc(5000, sizeof(double)), *y = xcalloc(5000, sizeof(double));
	struct svg_series s = { .name = "many", .x = x, .y = y, .n = 5000 };
	struct svg_line_chart c = { .title = "t", .xunit = "B", .yunit = "B/s", .series = &s, .nseries = 1 };
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++)
		x[i] = (double)(i + 1) * 1024, y[i] = 1e9 + (double)i * 1e6;
	c.points = 1;
	c.log = 1;
	svg_line_chart(&sb, &c);
	assert_true(count(sb.buf, "</title></circle>") <= 601);
	assert_true(count(sb.buf, "</title></circle>") >= 500);
	assert_finite_svg(sb.buf);
	strbuf_release(&sb);
	free(x);
	free(y);
}

/* The x and y of the n-th "M x y" or "L x y" in a roof path's d attribute. */
static void roof_paths(const char *svg, double diag[4], double flat[3])
{
	const char *p = strstr(svg, "class=\"roof\" d=\"");
	int h;

	assert_non_null(p);
	assert_int_equal(sscanf(p, "class=\"roof\" d=\"M%lf %lfL%lf %lf\"", &diag[0], &diag[1], &diag[2], &diag[3]), 4);
	p = strstr(p + 1, "class=\"roof\" d=\"");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "class=\"roof\" d=\"M%lf %lfH%d\"", &flat[0], &flat[1], &h), 3);
	flat[2] = h;
}

static void test_svg_roofline(void **state)
{
	static const double x[] = { 0.25, 1, 4, 16, 64, 256, 1024 };
	static const double y[] = { 0.8e12, 3.2e12, 1.3e13, 5.2e13, 2.1e14, 7.9e14, 8.1e14 };
	struct svg_series s[3] = {
		{ .name = "gpu=0", .x = x, .y = y, .n = 7, .ceil_compute = 9.89e14, .ceil_bw = 3.35e12 },
		{ .name = "gpu=1", .x = x, .y = y, .n = 7, .ceil_compute = 9.89e14, .ceil_bw = 3.35e12 },
		{ .name = "no roof", .x = x, .y = y, .n = 7 },
	};
	struct svg_line_chart c = { .title = "roofline",
				    .xunit = "FLOP/B",
				    .yunit = "FLOP/s",
				    .series = s,
				    .nseries = 3,
				    .xtitle = "FLOP/B",
				    .log = 1,
				    .points = 1 };
	struct strbuf sb = STRBUF_INIT;
	double diag[4], flat[3], slope;

	(void)state;
	svg_line_chart(&sb, &c);
	assert_finite_svg(sb.buf);
	/* equal ceilings are drawn once: one diagonal, one flat line */
	assert_int_equal(count(sb.buf, "class=\"roof\""), 2);
	assert_contains(sb.buf, ">compute 989 TFLOP/s</text>");
	assert_contains(sb.buf, ">bandwidth 3.35 TB/s</text>");
	assert_contains(sb.buf, ">0.1</text>");
	assert_contains(sb.buf, ">1 k</text>");
	roof_paths(sb.buf, diag, flat);
	/* the diagonal ends where the compute ceiling starts: the ridge at 989e12 / 3.35e12 = 295 FLOP/B */
	assert_true(fabs(diag[2] - flat[0]) < 0.11 && fabs(diag[3] - flat[1]) < 0.11);
	assert_true(diag[2] > diag[0] && diag[3] < diag[1]); /* rising to the right (SVG y grows down) */
	assert_true(flat[2] > flat[0]);
	/* on log-log axes with equal decades per pixel the bandwidth line has slope 1 decade per decade */
	slope = (diag[1] - diag[3]) / (diag[2] - diag[0]);
	{
		struct svg_axis ax, ay;

		svg_axis_log(&ax, 0.25, 1024, "FLOP/B", 10);
		svg_axis_log(&ay, 0.8e12, 9.89e14, "FLOP/s", 7);
		assert_true(fabs(slope - (log10(ax.hi / ax.lo) / 974) / (log10(ay.hi / ay.lo) / 208)) < 0.01);
	}
	/* not drawn without both ceilings, nor when drawing lines */
	s[0].ceil_bw = s[1].ceil_bw = 0;
	sb.len = 0;
	svg_line_chart(&sb, &c);
	assert_int_equal(count(sb.buf, "class=\"roof\""), 0);
	s[0].ceil_bw = s[1].ceil_bw = 3.35e12;
	c.points = 0;
	sb.len = 0;
	svg_line_chart(&sb, &c);
	assert_int_equal(count(sb.buf, "class=\"roof\""), 0);
	strbuf_release(&sb);
}

static void test_html_charts(void **state)
{
	char *html = render("charts", REPORT_HTML);

	(void)state;
	assert_contains(html, "<h2>Measurements</h2>");
	assert_lacks(html, "Measurements over time");
	/* hbm: bandwidth over transfer size, log-log lines, its 0 B point left out */
	assert_contains(html, "hbm&#58; bandwidth &#40;B/s)");
	assert_contains(html, ">4 KiB</text>");
	assert_contains(html, ">1 GiB</text>");
	assert_contains(html, "text-anchor=\"middle\" fill=\"#1d2330\">B</text>");
	/* gemm: the roofline, markers with ceilings, the ceiling labels left out of the legend */
	assert_contains(html, "gemm&#58; roofline &#40;FLOP/s)");
	assert_contains(html, "text-anchor=\"middle\" fill=\"#1d2330\">FLOP/B</text>");
	assert_int_equal(count(html, "class=\"roof\""), 2);
	assert_contains(html, ">compute 989 TFLOP/s</text>");
	assert_contains(html, ">bandwidth 3.35 TB/s</text>");
	assert_contains(html, ">gpu=0</text>");
	assert_contains(html, "<title>gpu=0: 0.125 FLOP/B, 343 GFLOP/s</title>");
	/* h2d: latency over size on linear axes, markers */
	assert_contains(html, "h2d&#58; latency &#40;s)");
	assert_contains(html, "<title>direction=h2d: 8 B, ");
	assert_contains(html, ">32 KiB</text>"); /* sizes on a linear axis step in powers of two */
	assert_contains(html, ">256 KiB</text>");
	/* soak's time series as before */
	assert_contains(html, "soak&#58; gpu_temp &#40;celsius)");
	assert_finite_svg(strstr(html, "<section id=\"series\">"));
	free(html);
}

static void test_html_charts_hostile(void **state)
{
	char *html = render("hostile", REPORT_HTML), *series;

	(void)state;
	series = strstr(html, "<section id=\"series\">");
	assert_non_null(series);
	assert_lacks(html, "<script>alert(2)");
	assert_lacks(html, "<img src=x onerror=alert(3)>");
	assert_lacks(html, "<svg onload");
	assert_lacks(html, "<b>k</b>");
	assert_contains(html, "B&quot;&gt;&lt;script&gt;alert&#40;2)&lt;/script&gt;</text>"); /* the x title */
	assert_contains(html, "&lt;img src=x onerror=alert&#40;3)&gt;");
	assert_contains(html, "roof&lt;svg onload=alert&#40;4)&gt;");
	assert_contains(html, "&lt;b&gt;k&lt;/b&gt;=v&amp;lt;");
	/* "1e15<script>" is no number: only the other series' ceilings are drawn */
	assert_int_equal(count(html, "class=\"roof\""), 2);
	assert_contains(html, ">compute 1 PFLOP/s</text>");
	assert_finite_svg(series);
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_formats),
		cmocka_unit_test(test_md_single),
		cmocka_unit_test(test_md_multi),
		cmocka_unit_test(test_md_no_verdict),
		cmocka_unit_test(test_md_ready),
		cmocka_unit_test(test_md_hostile),
		cmocka_unit_test(test_html_self_contained),
		cmocka_unit_test(test_html_content),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_junit_structure),
		cmocka_unit_test(test_prom),
		cmocka_unit_test(test_prom_hostile),
		cmocka_unit_test(test_prom_collision),
		cmocka_unit_test(test_atomic),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_sparse_documents),
		cmocka_unit_test(test_headlines),
		cmocka_unit_test(test_outliers),
		cmocka_unit_test(test_single_node_host),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_bounded_detail),
		cmocka_unit_test(test_escapers),
		cmocka_unit_test(test_names_and_numbers),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_log_ticks),
		cmocka_unit_test(test_svg_axis_map),
		cmocka_unit_test(test_svg_points_log),
		cmocka_unit_test(test_svg_points_downsampled),
		cmocka_unit_test(test_svg_roofline),
		cmocka_unit_test(test_html_charts),
		cmocka_unit_test(test_html_charts_hostile),
		cmocka_unit_test(test_fleet),
		cmocka_unit_test(test_fleet_hostile),
		cmocka_unit_test(test_from_verdict),
	};

	const char *out = getenv("SD_REPORT_OUT");

	if (out && *out && write_samples(out))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
