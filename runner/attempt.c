/* attempt.c - see attempt.h. */
#include "attempt.h"
#include "catalog.h"
#include "launch.h"
#include "parallel.h"
#include "pergpu.h"
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

/* A line of only '-' (10 or more): the frame of an Open MPI help message. */
static int is_rule(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n && l[i] == '-'; i++)
		;
	return i >= 10 && strspn(l + i, " \t\r") >= n - i;
}

static int is_blank(const char *l, size_t n)
{
	return strspn(l, " \t\r") >= n;
}

/* Whitespace runs squeezed to one space, trimmed, at most 200 characters; caller frees. */
static char *squeeze(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n && k < 200; i++) {
		if (isspace((unsigned char)s[i])) {
			if (k && out[k - 1] != ' ')
				out[k++] = ' ';
		} else {
			out[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
		}
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	return out;
}

/* The first paragraph of the box whose first line is at box: up to a blank line or its closing rule. */
static char *first_paragraph(const char *box)
{
	const char *l = box, *nl;
	size_t n;

	for (;; l = nl + 1) {
		nl = strchrnul(l, '\n');
		n = (size_t)(nl - l);
		if (is_blank(l, n) || is_rule(l, n) || !*nl)
			break;
	}
	return squeeze(box, (size_t)((is_blank(l, n) || is_rule(l, n) ? l : nl) - box));
}

/*
 * The message that says most about how this attempt ended, from what it
 * logged (buf, NUL-terminated): its last non-blank line outside Open MPI's
 * dashed help boxes; without one, the first paragraph of the last box. NULL
 * when there is nothing. Caller frees.
 */
static char *pick_message(const char *buf)
{
	const char *l, *nl, *last = NULL, *box = NULL;
	size_t last_n = 0, n;
	int in_box = 0, box_first = 0;

	for (l = buf; *l; l = *nl ? nl + 1 : nl) {
		nl = strchrnul(l, '\n');
		n = (size_t)(nl - l);
		if (is_rule(l, n)) {
			in_box = !in_box;
			box_first = in_box;
		} else if (is_blank(l, n)) {
			continue;
		} else if (in_box && box_first) {
			box = l;
			box_first = 0;
		} else if (!in_box) {
			last = l;
			last_n = n;
		}
	}
	if (last)
		return squeeze(last, last_n);
	return box ? first_paragraph(box) : NULL;
}

/*
 * The message of what this attempt wrote to the log (from offset from on;
 * the last 16 KiB at most), for error reasons; caller frees; NULL when none.
 */
static char *last_log_line(const char *path, off_t from)
{
	char buf[16384], *msg;
	ssize_t n;
	off_t size;
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
	msg = pick_message(buf);
	if (msg && !*msg) {
		free(msg);
		msg = NULL;
	}
	return msg;
}

/* The probe's own arguments, --name=value; caller frees with strv_free(). */
static char **probe_args(const struct attempt_opts *o)
{
	char **argv = xcalloc(o->nparams + 1, sizeof(*argv));
	size_t i;

	for (i = 0; i < o->nparams; i++)
		argv[i] = xasprintf("--%s=%s", o->params[i].name, o->params[i].value);
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

static void interpret_output(cJSON *at, const struct attempt_opts *o, const char *who, const struct sup_result *r,
			     const struct logref *log)
{
	char err[512], *ex;
	const char *end = NULL;
	cJSON *doc;

	if (!r->out_len || strspn(r->out, " \t\r\n") == r->out_len) {
		snprintf(err, sizeof(err), "probe printed no result%s",
			 r->exit_code ? "" : " and exited with status 0");
		if (r->exit_code)
			snprintf(err, sizeof(err), "%s exited with status %d without printing a result", who,
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
		/* An error the probe reported itself (a collective timed out, then MPI_Abort) keeps its reason. */
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(doc, "reason");

		if (!strcmp(st->valuestring, "error") && cJSON_IsString(why))
			snprintf(err, sizeof(err), "%s; %s exited with status %d", why->valuestring, who, r->exit_code);
		else
			snprintf(err, sizeof(err), "%s exited with status %d", who, r->exit_code);
		set_reason(at, "error", err, log);
		return;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(at, "status",
					       cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "status"), 0));
	cJSON_ReplaceItemInObjectCaseSensitive(at, "reason",
					       cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "reason"), 0));
}

static const char *crash_reason(const char *who, const struct sup_result *r, char *buf, size_t len)
{
	char d[256];

	snprintf(buf, len, "%s crashed: %s", who, sup_describe(r, d, sizeof(d)));
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

/* extra and the launcher's own variables, in one NULL-terminated list (the strings borrowed). */
static const char **join_env(const char *const *extra, char *const *launcher)
{
	size_t n = 0, k = 0, i;
	const char **v;

	for (i = 0; extra && extra[i]; i++)
		n++;
	for (i = 0; launcher && launcher[i]; i++)
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; extra && extra[i]; i++)
		v[k++] = extra[i];
	for (i = 0; launcher && launcher[i]; i++)
		v[k++] = launcher[i];
	return v;
}

/* One instance of the probe; extra_env (may be NULL) added to its environment. */
static cJSON *run_one(const struct attempt_opts *o, const char *const *extra_env)
{
	char **args = probe_args(o), why[512];
	struct launch_host host = launch_host_current();
	struct launch l;
	struct sup_opts so = {
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
	struct logref log = { o->log_path, 0 };
	const char **env = NULL;

	if (launch_build(&l, o->launcher, o->probe->path, (const char *const *)args, &host, why, sizeof(why))) {
		set_reason(at, "error", why, NULL);
		strv_free(args);
		return at;
	}
	so.argv = (const char *const *)l.argv;
	env = join_env(extra_env, l.envp_extra);
	so.envp_extra = env;
	so.env_unset = l.env_unset;
	if (strcmp(l.who, "probe")) /* the command line of a launcher, not of a local probe */
		launch_log(o->stderr_fd, &l);
	log.from = o->stderr_fd >= 0 ? lseek(o->stderr_fd, 0, SEEK_END) : 0;
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
		set_reason(at, "error", crash_reason(l.who, &r, why, sizeof(why)), &log);
	else if (r.spawn_failed || r.timed_out || r.overflowed || r.abandoned)
		set_reason(at, "error", sup_describe(&r, why, sizeof(why)), &log);
	else
		interpret_output(at, o, l.who, &r, &log);
	sup_result_release(&r);
	launch_release(&l);
	strv_free(args);
	free(env);
	return at;
}

/* One instance per GPU (pergpu.h), on threads of their own. */
struct gpu_job {
	struct attempt_opts o;
	const char *env[3];
	char *vis, *gpu;
	cJSON *at;
};

static void gpu_job_run(void *arg)
{
	struct gpu_job *j = arg;

	j->at = run_one(&j->o, j->env);
}

static cJSON *run_per_gpu(const struct attempt_opts *o, char **gpus, size_t n)
{
	struct gpu_job *jobs = xcalloc(n, sizeof(*jobs));
	cJSON **at = xcalloc(n, sizeof(*at)), *m;
	size_t i;

	for (i = 0; i < n; i++) {
		struct gpu_job *j = &jobs[i];

		j->o = *o;
		if (i) /* one progress line, not n */
			j->o.tick = NULL;
		j->o.log_path = NULL; /* the log's last line may be another instance's: no "last log line" in reasons */
		j->vis = xasprintf("CUDA_VISIBLE_DEVICES=%s", gpus[i]);
		j->gpu = xasprintf("SHAKEDOWN_GPU=%s", gpus[i]);
		j->env[0] = j->vis;
		j->env[1] = j->gpu;
	}
	parallel_run(jobs, n, sizeof(*jobs), gpu_job_run);
	for (i = 0; i < n; i++)
		at[i] = jobs[i].at;
	m = pergpu_merge(at, (const char *const *)gpus, n, o->probe->name);
	for (i = 0; i < n; i++) {
		cJSON_Delete(at[i]);
		free(jobs[i].vis);
		free(jobs[i].gpu);
	}
	free(at);
	free(jobs);
	return m;
}

cJSON *attempt_run(const struct attempt_opts *o)
{
	size_t n = 0;
	char **gpus = NULL;
	cJSON *at;

	/* per GPU only where the probe runs on this machine: a launcher's ranks are the collective's own */
	if (o->probe->per_gpu && (!o->launcher || o->launcher->kind == PLAN_LAUNCH_LOCAL))
		gpus = pergpu_devices(&n);
	at = n ? run_per_gpu(o, gpus, n) : run_one(o, NULL);
	strv_free(gpus);
	return at;
}

static int num_or(const cJSON *o, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v))
		return 0;
	*out = (int)v->valuedouble;
	return 1;
}

cJSON *attempt_none(const char *status, const char *reason)
{
	cJSON *at = attempt_new();

	set_reason(at, status, reason, NULL);
	return at;
}

/* A node's per-GPU record: {"gpus": [{"gpu": "0", and a record as below}, ...]}, merged (pergpu.h). */
static cJSON *from_gpu_records(const struct attempt_opts *o, const cJSON *subs)
{
	size_t n = (size_t)cJSON_GetArraySize(subs), i = 0;
	cJSON **at = xcalloc(n + 1, sizeof(*at)), *m;
	const char **gpus = xcalloc(n + 1, sizeof(*gpus));
	const cJSON *sub;

	cJSON_ArrayForEach(sub, subs)
	{
		const char *g = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sub, "gpu"));

		gpus[i] = g ? g : "?";
		at[i++] = attempt_from_record(o, sub);
	}
	m = pergpu_merge(at, gpus, i, o->probe->name);
	while (i)
		cJSON_Delete(at[--i]);
	free(at);
	free(gpus);
	return m;
}

cJSON *attempt_from_record(const struct attempt_opts *o, const cJSON *rec)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(rec, "exit"),
		    *out = cJSON_GetObjectItemCaseSensitive(rec, "out");
	const cJSON *stop = cJSON_GetObjectItemCaseSensitive(rec, "stop"),
		    *lost = cJSON_GetObjectItemCaseSensitive(rec, "lost");
	const cJSON *wall = cJSON_GetObjectItemCaseSensitive(rec, "wall_s");
	cJSON *at = attempt_new(), *aex = cJSON_GetObjectItemCaseSensitive(at, "exit");
	struct sup_result r;
	char why[512];

	memset(&r, 0, sizeof(r));
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(rec, "gpus")) && !cJSON_IsString(lost)) {
		cJSON_Delete(at);
		return from_gpu_records(o, cJSON_GetObjectItemCaseSensitive(rec, "gpus"));
	}
	if (cJSON_IsString(lost)) {
		set_reason(at, "error", lost->valuestring, NULL);
		return at;
	}
	if (cJSON_IsNumber(wall))
		cJSON_ReplaceItemInObjectCaseSensitive(at, "wall_s", cJSON_CreateNumber(wall->valuedouble));
	r.exited = num_or(ex, "code", &r.exit_code);
	r.signaled = num_or(ex, "signal", &r.signal);
	if (r.exited)
		cJSON_ReplaceItemInObjectCaseSensitive(aex, "code", cJSON_CreateNumber(r.exit_code));
	if (r.signaled)
		cJSON_ReplaceItemInObjectCaseSensitive(aex, "signal", cJSON_CreateNumber(r.signal));
	r.timed_out = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "timed_out"));
	r.overflowed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "overflowed"));
	if (r.signaled && !r.timed_out && !r.overflowed) {
		snprintf(why, sizeof(why), "probe crashed: %s", cJSON_IsString(stop) ? stop->valuestring : "killed");
		set_reason(at, "error", why, NULL);
	} else if (r.timed_out || r.overflowed || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "spawn_failed")) ||
		   (!r.exited && !r.signaled)) {
		set_reason(at, "error", cJSON_IsString(stop) ? stop->valuestring : "the probe did not run", NULL);
	} else {
		r.out = cJSON_IsString(out) ? out->valuestring : (char *)"";
		r.out_len = strlen(r.out);
		interpret_output(at, o, "probe", &r, NULL);
	}
	return at;
}
