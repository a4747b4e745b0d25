/* attempt.c - see attempt.h. */
#include "attempt.h"
#include "catalog.h"
#include "plan.h"
#include "protocol.h"
#include "supervise.h"
#include "xalloc.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GRACE_NS (5ULL * 1000000000ULL)
#define STDOUT_LIMIT (64UL << 20)

/*
 * The last non-empty line this attempt wrote to the log (from offset from on),
 * for error reasons; caller frees; NULL when none.
 */
static char *last_log_line(const char *path, off_t from)
{
	char buf[4096];
	ssize_t n;
	off_t size;
	char *end, *start;
	int fd;

	if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	size = lseek(fd, 0, SEEK_END);
	if (size - from > (off_t)sizeof(buf) - 1)
		from = size - (off_t)sizeof(buf) + 1;
	n = size > from ? pread(fd, buf, (size_t)(size - from), from) : 0;
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && isspace((unsigned char)end[-1]))
		*--end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	if (!*start)
		return NULL;
	if (strlen(start) > 200)
		start[200] = '\0';
	return xstrdup(start);
}

static char **build_argv(const struct attempt_opts *o)
{
	char **argv = xcalloc(o->nparams + 2, sizeof(*argv));
	size_t i;

	argv[0] = xstrdup(o->probe->path);
	for (i = 0; i < o->nparams; i++)
		argv[i + 1] = xasprintf("--%s=%s", o->params[i].name, o->params[i].value);
	return argv;
}

struct logref {
	const char *path;
	off_t from; /* where this attempt's lines start */
};

static void set_reason(cJSON *at, const char *status, const char *reason, const struct logref *log)
{
	char *tail = log && strcmp(status, "ok") ? last_log_line(log->path, log->from) : NULL;
	char *full = tail ? xasprintf("%s (last log line: %s)", reason, tail) : xstrdup(reason);

	cJSON_ReplaceItemInObjectCaseSensitive(at, "status", cJSON_CreateString(status));
	cJSON_ReplaceItemInObjectCaseSensitive(at, "reason", cJSON_CreateString(full));
	free(tail);
	free(full);
}

/* A printable excerpt of bad output: the first bytes, control characters shown as '?'. */
static char *excerpt(const char *s, size_t len)
{
	size_t n = len < 60 ? len : 60, i;
	char *e = xmalloc(n + 1);

	for (i = 0; i < n; i++)
		e[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	e[n] = '\0';
	return e;
}

static void interpret_output(cJSON *at, const struct attempt_opts *o, const struct sup_result *r,
			     const struct logref *log)
{
	char err[512], *ex;
	const char *end = NULL;
	cJSON *doc;

	if (!r->out_len || strspn(r->out, " \t\r\n") == r->out_len) {
		snprintf(err, sizeof(err), "probe printed no result%s",
			 r->exit_code ? "" : " and exited with status 0");
		if (r->exit_code)
			snprintf(err, sizeof(err), "probe exited with status %d without printing a result",
				 r->exit_code);
		set_reason(at, "error", err, log);
		return;
	}
	doc = cJSON_ParseWithLengthOpts(r->out, r->out_len, &end, 0);
	if (!doc || strspn(end, " \t\r\n") != strlen(end)) {
		ex = excerpt(r->out, r->out_len);
		snprintf(err, sizeof(err), "probe output is not one JSON document (%zu bytes starting '%s')",
			 r->out_len, ex);
		free(ex);
		cJSON_Delete(doc);
		set_reason(at, "error", err, log);
		return;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(at, "result", doc);
	if (protocol_check_result(doc, err, sizeof(err))) {
		char *why = xasprintf("probe output violates the protocol: %s", err);

		set_reason(at, "error", why, log);
		free(why);
		return;
	}
	if (strcmp(cJSON_GetObjectItemCaseSensitive(doc, "probe")->valuestring, o->probe->name)) {
		set_reason(at, "error", "probe output names another probe", log);
		return;
	}
	if (r->exit_code) {
		snprintf(err, sizeof(err), "probe exited with status %d", r->exit_code);
		set_reason(at, "error", err, log);
		return;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(at, "status",
					       cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "status"), 0));
	cJSON_ReplaceItemInObjectCaseSensitive(at, "reason",
					       cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "reason"), 0));
}

static const char *crash_reason(const struct sup_result *r, char *buf, size_t len)
{
	char d[256];

	snprintf(buf, len, "probe crashed: %s", sup_describe(r, d, sizeof(d)));
	return buf;
}

static cJSON *attempt_new(void)
{
	cJSON *at = cJSON_CreateObject(), *ex;

	cJSON_AddStringToObject(at, "status", "error");
	cJSON_AddNullToObject(at, "reason");
	cJSON_AddNumberToObject(at, "wall_s", 0);
	ex = cJSON_AddObjectToObject(at, "exit");
	cJSON_AddNullToObject(ex, "code");
	cJSON_AddNullToObject(ex, "signal");
	cJSON_AddNullToObject(at, "result");
	return at;
}

cJSON *attempt_run(const struct attempt_opts *o)
{
	char **argv = build_argv(o), why[512];
	struct sup_opts so = {
		.argv = (const char *const *)argv,
		.stderr_fd = o->stderr_fd,
		.timeout_ns = o->timeout_ns,
		.grace_ns = GRACE_NS,
		.stdout_limit = STDOUT_LIMIT,
		.tick = o->tick,
		.tick_arg = o->tick_arg,
		.tick_interval_ns = 1000000000ULL,
		.interrupt = o->interrupt,
	};
	struct sup_result r;
	cJSON *at = attempt_new(), *ex = cJSON_GetObjectItemCaseSensitive(at, "exit");
	struct logref log = { o->log_path, o->stderr_fd >= 0 ? lseek(o->stderr_fd, 0, SEEK_END) : 0 };
	size_t i;

	if (log.from < 0)
		log.from = 0;
	sup_run(&so, &r);
	cJSON_ReplaceItemInObjectCaseSensitive(at, "wall_s", cJSON_CreateNumber(r.wall_s));
	if (r.exited)
		cJSON_ReplaceItemInObjectCaseSensitive(ex, "code", cJSON_CreateNumber(r.exit_code));
	if (r.signaled)
		cJSON_ReplaceItemInObjectCaseSensitive(ex, "signal", cJSON_CreateNumber(r.signal));
	if (r.interrupted)
		set_reason(at, "interrupted", sup_describe(&r, why, sizeof(why)), NULL);
	else if (r.signaled && !r.timed_out && !r.overflowed)
		set_reason(at, "error", crash_reason(&r, why, sizeof(why)), &log);
	else if (r.spawn_failed || r.timed_out || r.overflowed || r.abandoned)
		set_reason(at, "error", sup_describe(&r, why, sizeof(why)), &log);
	else
		interpret_output(at, o, &r, &log);
	sup_result_release(&r);
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	return at;
}
