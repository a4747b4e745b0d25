/*
 * report.c - see report.h: the table of formats, and the driver that loads
 * the model once and runs each selected writer into its file.
 */
#include "report.h"
#include "model.h"
#include "parallel.h"
#include "strbuf.h"
#include "writers.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct format {
	const char *name;
	unsigned flag;
	const char *file;
	report_writer_fn write;
} formats[] = {
	{ "md", REPORT_MD, "report.md", report_md },	      { "html", REPORT_HTML, "report.html", report_html },
	{ "json", REPORT_JSON, "results.json", report_json }, { "junit", REPORT_JUNIT, "junit.xml", report_junit },
	{ "prom", REPORT_PROM, "metrics.prom", report_prom },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const char *report_file_name(unsigned format)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (formats[i].flag == format)
			return formats[i].file;
	return NULL;
}

static int parse_one(const char *name, size_t n, unsigned *mask)
{
	size_t i;

	if (n == 3 && !memcmp(name, "all", 3)) {
		*mask |= REPORT_ALL;
		return 0;
	}
	for (i = 0; i < NFORMATS; i++)
		if (strlen(formats[i].name) == n && !memcmp(formats[i].name, name, n)) {
			*mask |= formats[i].flag;
			return 0;
		}
	return -1;
}

int report_parse_formats(const char *csv, unsigned *out, char *err, size_t len)
{
	const char *p = csv ? csv : "", *end;
	unsigned mask = 0;
	size_t n;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!n)
			return errf(err, len, "empty report format in '%s' (use md, html, json, junit, prom or all)",
				    csv ? csv : "");
		if (parse_one(p, n, &mask))
			return errf(err, len, "unknown report format '%.*s' (use md, html, json, junit, prom or all)",
				    (int)n, p);
		if (!*end)
			break;
		p = end + 1;
	}
	*out = mask;
	return 0;
}

/* One format into its file, through a sink (sink.h): atomic, and streamed when large. */
static int write_one(const struct rmodel *m, const struct format *f, const char *dir, size_t stream_at, char *err,
		     size_t len)
{
	char *path = xasprintf("%s/%s", dir, f->file);
	struct sink s;

	sink_init(&s, path, stream_at);
	free(path);
	f->write(m, &s);
	return sink_close(&s, err, len);
}

int report_write(const cJSON *results, const char *dir, unsigned mask, const struct report_opts *o, char *err,
		 size_t len)
{
	return report_write_at(results, dir, mask, o, 0, err, len);
}

/* One writer's job: its format into its file, on a thread of its own. */
struct job {
	const struct rmodel *m;
	const struct format *f;
	const char *dir;
	size_t stream_at;
	int rc;
	char err[512];
};

static void run_job(void *arg)
{
	struct job *j = arg;

	j->rc = write_one(j->m, j->f, j->dir, j->stream_at, j->err, sizeof(j->err));
}

/*
 * Every selected format at once, one thread each (parallel.h): the writers
 * only read the model, and a fleet's junit.xml and metrics.prom (tens of MB
 * each) take as long as the rest together. The first failure in table order
 * is reported.
 */
static int write_all(const struct rmodel *m, unsigned mask, const char *dir, size_t stream_at, char *err, size_t len)
{
	struct job jobs[NFORMATS];
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < NFORMATS; i++)
		if (mask & formats[i].flag)
			jobs[n++] = (struct job){ .m = m, .f = &formats[i], .dir = dir, .stream_at = stream_at };
	parallel_run(jobs, n, sizeof(*jobs), run_job);
	for (i = 0; i < n && !rc; i++)
		if (jobs[i].rc)
			rc = errf(err, len, "%s", jobs[i].err);
	return rc;
}

static int write_formats(const cJSON *results, const struct verdict *v, const char *dir, unsigned mask,
			 const struct report_opts *o, size_t stream_at, char *err, size_t len)
{
	static const struct report_opts defaults = REPORT_OPTS_INIT;
	struct rmodel m;
	struct stat st;
	int rc;

	if (!mask || (mask & ~(unsigned)REPORT_ALL))
		return errf(err, len, "no report format selected (use md, html, json, junit, prom or all)");
	if (stat(dir, &st))
		return errf(err, len, "cannot write reports to '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errf(err, len, "cannot write reports to '%s': %s", dir, strerror(ENOTDIR));
	if (v ? model_load_verdict(&m, results, v, mask, o ? o : &defaults, err, len)
	      : model_load(&m, results, mask, o ? o : &defaults, err, len))
		return -1;
	rc = write_all(&m, mask, dir, stream_at, err, len);
	model_release(&m);
	return rc;
}

int report_write_at(const cJSON *results, const char *dir, unsigned mask, const struct report_opts *o, size_t stream_at,
		    char *err, size_t len)
{
	return write_formats(results, NULL, dir, mask, o, stream_at, err, len);
}

int report_write_verdict(const cJSON *results, const struct verdict *v, const char *dir, unsigned mask,
			 const struct report_opts *o, char *err, size_t len)
{
	return write_formats(results, v, dir, mask, o, 0, err, len);
}
