/*
 * run.c - run a plan (run.h). The order is fixed: load and check everything
 * (exit 2 before anything runs), create the run directory, take the
 * inventory, check the plan's requirements against it, run the steps, and
 * rewrite results.json after every attempt.
 */
#include "run.h"
#include "attempt.h"
#include "baseline.h"
#include "catalog.h"
#include "clock.h"
#include "exitcodes.h"
#include "fanout.h"
#include "locate.h"
#include "plan.h"
#include "paths.h"
#include "protocol.h"
#include "redact.h"
#include "report.h"
#include "report_cmd.h"
#include "results.h"
#include "terminal.h"
#include "suggest.h"
#include "units.h"
#include "verdict.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INVENTORY_PROBE "sysinfo"
#define INVENTORY_TIMEOUT_NS (120ULL * UNITS_NS_PER_S)
#define NOT_TTY_ALIVE_S 30.0
#define REPORT_INTERVAL_S 1.0

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct run {
	const struct run_opts *o;
	struct plan plan;
	struct catalog cat;
	char *dir, *results_path;
	cJSON *doc, *steps;
	struct results_cache cache;
	struct baseline bl;
	int have_bl, bl_auto;
	const char *bl_selected_by;
	struct report_opts ro;
	char *rb_prefix;
	double t0, last_render;
	int tty;
	/* progress of the step in flight */
	size_t cur;
	const char *cur_id;
	double next_alive;
	int write_failed;
	/* a multi-node plan (plan.nodes.source != NONE) */
	int multi;
	struct fanout fo;
	cJSON *nodes;	    /* the document's "nodes" array, one entry per fo.nodes[] */
	char *abort_reason; /* on_node_failure: abort, after a node failed */
};

/* ---- progress (stderr) ---- */

__attribute__((format(printf, 2, 3))) static void progress(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->o->quiet)
		return;
	if (r->tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void tick(void *arg, double elapsed)
{
	struct run *r = arg;

	if (r->o->quiet)
		return;
	if (r->tty) {
		fprintf(stderr, "\r\033[K[%zu/%zu] %s running %.0fs", r->cur, r->plan.nsteps, r->cur_id, elapsed);
		fflush(stderr);
	} else if (elapsed >= r->next_alive) {
		fprintf(stderr, "[%zu/%zu] %s still running (%.0fs)\n", r->cur, r->plan.nsteps, r->cur_id, elapsed);
		r->next_alive += NOT_TTY_ALIVE_S;
	}
}

/* ---- the results document and the reports ---- */

#define RUN_REPORTS (REPORT_MD | REPORT_HTML | REPORT_JUNIT | REPORT_PROM)

static void save(struct run *r)
{
	char err[512];

	if (results_write_cached(r->results_path, r->doc, &r->cache, err, sizeof(err)) && !r->write_failed) {
		fprintf(stderr, "shakedown: %s\n", err);
		r->write_failed = 1;
	}
}

/* Check everything so far against the baseline; write the reports and results.json. */
static void render(struct run *r)
{
	struct verdict v;

	r->last_render = clock_mono_s();
	report_judge(r->doc, &v, r->have_bl ? &r->bl : NULL, r->bl_selected_by);
	if (report_finish(r->doc, &v, r->dir, RUN_REPORTS, &r->ro, r->results_path, &r->cache))
		r->write_failed = 1;
	verdict_release(&v);
}

/* {"kind": ..., and what the plan gave for it}: how the step's probe was started. */
static cJSON *launcher_json(const struct plan_launcher *l)
{
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;

	cJSON_AddStringToObject(o, "kind", plan_launcher_kind_name(l->kind));
	if (l->np)
		cJSON_AddNumberToObject(o, "np", (double)l->np);
	if (l->hostfile)
		cJSON_AddStringToObject(o, "hostfile", l->hostfile);
	if (l->nodes)
		cJSON_AddNumberToObject(o, "nodes", (double)l->nodes);
	if (l->ntasks_per_node)
		cJSON_AddNumberToObject(o, "ntasks_per_node", (double)l->ntasks_per_node);
	if (l->kind != PLAN_LAUNCH_LOCAL) {
		a = cJSON_AddArrayToObject(o, "args");
		for (i = 0; i < l->nargs; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(l->args[i]));
	}
	return o;
}

static void add_redacted(cJSON *o, const char *key, const char *v)
{
	char *r = redact_url_password(v);

	if (key)
		cJSON_AddStringToObject(o, key, r);
	else
		cJSON_AddItemToArray(o, cJSON_CreateString(r));
	free(r);
}

static cJSON *plan_json(const struct plan *p)
{
	cJSON *o = cJSON_CreateObject(), *d, *rq, *steps, *s, *w;
	size_t i, j;

	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "path", p->path);
	if (p->description)
		cJSON_AddStringToObject(o, "description", p->description);
	d = cJSON_AddObjectToObject(o, "defaults");
	cJSON_AddNumberToObject(d, "timeout_s", (double)p->default_timeout_ns / 1e9);
	cJSON_AddNumberToObject(d, "repeat", p->default_repeat);
	rq = cJSON_AddObjectToObject(o, "requires");
	if (p->req.gpus_per_node >= 0)
		cJSON_AddNumberToObject(rq, "gpus_per_node", (double)p->req.gpus_per_node);
	if (p->req.min_memory)
		cJSON_AddNumberToObject(rq, "min_memory", (double)p->req.min_memory);
	if (p->req.min_cpus >= 0)
		cJSON_AddNumberToObject(rq, "min_cpus", (double)p->req.min_cpus);
	steps = cJSON_AddArrayToObject(o, "steps");
	for (i = 0; i < p->nsteps; i++) {
		const struct plan_step *st = &p->steps[i];

		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "id", st->id);
		cJSON_AddStringToObject(s, "probe", st->probe);
		w = cJSON_AddObjectToObject(s, "with");
		for (j = 0; j < st->nparams; j++)
			add_redacted(w, st->params[j].name, st->params[j].value);
		cJSON_AddNumberToObject(s, "repeat", st->repeat);
		cJSON_AddNumberToObject(s, "timeout_s", (double)st->timeout_ns / 1e9);
		cJSON_AddItemToObject(s, "launcher", launcher_json(&st->launcher));
		cJSON_AddItemToArray(steps, s);
	}
	return o;
}

/* Environment variables worth recording; an allowlist, so no credential ever lands in results. */
static const char *const env_allow[] = { "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
					 "SLURM_JOB_ID",	 "SLURM_JOB_NODELIST",	   "SLURM_NNODES",
					 "SLURM_JOB_PARTITION",	 "OMPI_COMM_WORLD_SIZE",   "NCCL_DEBUG",
					 "NCCL_IB_HCA",		 "NCCL_SOCKET_IFNAME",	   "NCCL_P2P_LEVEL",
					 "NCCL_NET_GDR_LEVEL",	 "SHAKEDOWN_PROBE_PATH",   NULL };

static cJSON *environment_json(void)
{
	cJSON *o = cJSON_CreateObject();
	const char *v;
	size_t i;

	for (i = 0; env_allow[i]; i++)
		if ((v = getenv(env_allow[i])))
			cJSON_AddStringToObject(o, env_allow[i], v);
	return o;
}

static cJSON *step_json(const struct plan_step *st)
{
	cJSON *s = cJSON_CreateObject();
	char *log = xasprintf("logs/%s.log", st->id);

	cJSON_AddStringToObject(s, "id", st->id);
	cJSON_AddStringToObject(s, "probe", st->probe);
	cJSON_AddStringToObject(s, "status", "pending");
	cJSON_AddNullToObject(s, "reason");
	cJSON_AddNullToObject(s, "started");
	cJSON_AddNumberToObject(s, "duration_s", 0);
	cJSON_AddNumberToObject(s, "repeat", st->repeat);
	cJSON_AddStringToObject(s, "log", log);
	cJSON_AddArrayToObject(s, "attempts");
	cJSON_AddArrayToObject(s, "metrics");
	free(log);
	return s;
}

static cJSON *cluster_json(const struct plan_nodes *pn);
static void sync_nodes(struct run *r);

static void doc_init(struct run *r, const char *run_id)
{
	cJSON *run, *cmd, *host;
	char now[40], hostname[256] = "unknown";
	int i;

	gethostname(hostname, sizeof(hostname) - 1);
	r->doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(r->doc, "schema_version", RESULTS_SCHEMA_VERSION);
	cJSON_AddStringToObject(r->doc, "shakedown_version", SD_VERSION);
	run = cJSON_AddObjectToObject(r->doc, "run");
	cJSON_AddStringToObject(run, "id", run_id);
	cJSON_AddStringToObject(run, "status", "running");
	cJSON_AddStringToObject(run, "started", clock_utc_iso(now, sizeof(now)));
	cJSON_AddNullToObject(run, "finished");
	cJSON_AddNumberToObject(run, "duration_s", 0);
	cJSON_AddNullToObject(run, "exit_code");
	cmd = cJSON_AddArrayToObject(run, "command");
	for (i = 0; i < r->o->argc; i++)
		add_redacted(cmd, NULL, r->o->argv[i]);
	host = cJSON_AddObjectToObject(r->doc, "host");
	cJSON_AddStringToObject(host, "hostname", hostname);
	cJSON_AddStringToObject(host, "inventory_status", "pending");
	cJSON_AddNullToObject(host, "inventory");
	cJSON_AddItemToObject(r->doc, "environment", environment_json());
	cJSON_AddItemToObject(r->doc, "plan", plan_json(&r->plan));
	cJSON_AddObjectToObject(r->doc, "requires");
	r->steps = cJSON_AddArrayToObject(r->doc, "steps");
	for (size_t k = 0; k < r->plan.nsteps; k++)
		cJSON_AddItemToArray(r->steps, step_json(&r->plan.steps[k]));
	cJSON_AddObjectToObject(r->doc, "summary");
	if (r->multi) {
		cJSON_AddItemToObject(r->doc, "cluster", cluster_json(&r->plan.nodes));
		r->nodes = cJSON_AddArrayToObject(r->doc, "nodes");
		sync_nodes(r);
	}
}

/* ---- the run directory ---- */

static int mkdir_p(const char *path)
{
	char *copy = xstrdup(path), *p;
	int rc = 0;

	for (p = copy + 1; *p && !rc; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (!rc && mkdir(copy, 0755) && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

static int make_run_dir(struct run *r, char **run_id)
{
	const char *out = r->o->out_dir ? r->o->out_dir : "runs";
	char stamp[32], *logs;
	int i;

	if (mkdir_p(out)) {
		fprintf(stderr, "shakedown: cannot create output directory '%s': %s\n", out, strerror(errno));
		return -1;
	}
	clock_utc_stamp(stamp, sizeof(stamp));
	for (i = 1; i < 1000; i++) {
		*run_id = i == 1 ? xasprintf("%s-%s", r->plan.name, stamp)
				 : xasprintf("%s-%s-%d", r->plan.name, stamp, i);
		r->dir = xasprintf("%s/%s", out, *run_id);
		if (!mkdir(r->dir, 0755))
			break;
		if (errno != EEXIST) {
			fprintf(stderr, "shakedown: cannot create run directory '%s': %s\n", r->dir, strerror(errno));
			return -1;
		}
		free(*run_id);
		free(r->dir);
		*run_id = r->dir = NULL;
	}
	if (!r->dir)
		return -1;
	logs = xasprintf("%s/logs", r->dir);
	i = mkdir(logs, 0755);
	free(logs);
	if (i) {
		fprintf(stderr, "shakedown: cannot create '%s/logs': %s\n", r->dir, strerror(errno));
		return -1;
	}
	r->results_path = xasprintf("%s/results.json", r->dir);
	return 0;
}

static int open_log(struct run *r, const char *name, char **path)
{
	int fd;

	*path = xasprintf("%s/logs/%s.log", r->dir, name);
	fd = open(*path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "shakedown: cannot open log '%s': %s\n", *path, strerror(errno));
	return fd;
}

/* ---- inventory and requirements ---- */

static const cJSON *find_metric(const cJSON *result, const char *name)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(result, "metrics"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "name");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, name) &&
		    !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "labels")))
			return m;
	}
	return NULL;
}

/* Returns the inventory probe's document (owned by r->doc), or NULL. */
static const cJSON *take_inventory(struct run *r)
{
	cJSON *host = cJSON_GetObjectItemCaseSensitive(r->doc, "host"), *at, *res;
	const struct probe_desc *pd;
	struct attempt_opts ao = { .timeout_ns = INVENTORY_TIMEOUT_NS, .interrupt = &interrupted };
	char err[512], *log = NULL;
	const char *status;

	pd = catalog_get(&r->cat, INVENTORY_PROBE, err, sizeof(err));
	if (!pd) {
		cJSON_ReplaceItemInObjectCaseSensitive(host, "inventory_status", cJSON_CreateString(err));
		return NULL;
	}
	progress(r, "[0/%zu] inventory (%s)\n", r->plan.nsteps, INVENTORY_PROBE);
	ao.probe = pd;
	ao.stderr_fd = open_log(r, "_inventory", &log);
	ao.log_path = log;
	at = attempt_run(&ao);
	if (ao.stderr_fd >= 0)
		close(ao.stderr_fd);
	free(log);
	status = cJSON_GetObjectItemCaseSensitive(at, "status")->valuestring;
	res = cJSON_DetachItemFromObjectCaseSensitive(at, "result");
	if (strcmp(status, "ok")) {
		const cJSON *reason = cJSON_GetObjectItemCaseSensitive(at, "reason");

		cJSON_ReplaceItemInObjectCaseSensitive(
			host, "inventory_status",
			cJSON_CreateString(cJSON_IsString(reason) ? reason->valuestring : status));
		cJSON_Delete(res);
		res = NULL;
	} else {
		cJSON_ReplaceItemInObjectCaseSensitive(host, "inventory_status", cJSON_CreateString("ok"));
		cJSON_ReplaceItemInObjectCaseSensitive(host, "inventory", res);
	}
	cJSON_Delete(at);
	return res;
}

/* Adds one requirement check; returns 1 when met, 0 when not, -1 when unknown. */
static int require(cJSON *checks, const cJSON *inv, const char *name, const char *metric, double want)
{
	const cJSON *m = inv ? find_metric(inv, metric) : NULL;
	cJSON *c = cJSON_CreateObject();
	int met = -1;

	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddStringToObject(c, "metric", metric);
	cJSON_AddNumberToObject(c, "required", want);
	if (m) {
		double have = cJSON_GetObjectItemCaseSensitive(m, "value")->valuedouble;

		cJSON_AddNumberToObject(c, "found", have);
		met = have >= want;
	} else {
		cJSON_AddNullToObject(c, "found");
		if (want <= 0)
			met = 1; /* "at least 0" holds without an inventory */
	}
	cJSON_AddItemToObject(c, "met", met < 0 ? cJSON_CreateNull() : cJSON_CreateBool(met));
	cJSON_AddItemToArray(checks, c);
	return met;
}

/*
 * Check requires: against the inventory. Returns 1 when all are met (or none
 * are set), 0 when one is not met, -1 when one cannot be checked.
 */
static int check_requires_into(struct run *r, cJSON *rq, const cJSON *inv)
{
	const struct plan_requires *q = &r->plan.req;
	cJSON *checks = cJSON_AddArrayToObject(rq, "checks");
	int unmet = 0, unknown = 0, m;

	if (q->gpus_per_node >= 0) {
		m = require(checks, inv, "gpus_per_node", "gpus", (double)q->gpus_per_node);
		unmet |= m == 0;
		unknown |= m < 0;
	}
	if (q->min_memory) {
		m = require(checks, inv, "min_memory", "memory_total", (double)q->min_memory);
		unmet |= m == 0;
		unknown |= m < 0;
	}
	if (q->min_cpus >= 0) {
		m = require(checks, inv, "min_cpus", "cpu_threads", (double)q->min_cpus);
		unmet |= m == 0;
		unknown |= m < 0;
	}
	m = unknown ? -1 : unmet ? 0 : 1;
	cJSON_AddItemToObject(rq, "met", m < 0 ? cJSON_CreateNull() : cJSON_CreateBool(m));
	return m;
}

static int check_requires(struct run *r, const cJSON *inv)
{
	return check_requires_into(r, cJSON_GetObjectItemCaseSensitive(r->doc, "requires"), inv);
}

static void report_unmet(struct run *r)
{
	const cJSON *c, *checks = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->doc, "requires"),
								   "checks");

	cJSON_ArrayForEach(c, checks)
	{
		const cJSON *found = cJSON_GetObjectItemCaseSensitive(c, "found");

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "met")))
			continue;
		if (cJSON_IsNumber(found))
			fprintf(stderr, "shakedown: requirement not met: %s %g required, this node has %g\n",
				cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring,
				cJSON_GetObjectItemCaseSensitive(c, "required")->valuedouble, found->valuedouble);
		else
			fprintf(stderr, "shakedown: requirement %s cannot be checked: the inventory is missing\n",
				cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
	}
}

/* ---- steps ---- */

static const char *worse(const char *a, const char *b)
{
	static const char *const order[] = { "ok", "skipped", "failed", "error", "interrupted", NULL };
	int ia = 0, ib = 0, i;

	for (i = 0; order[i]; i++) {
		if (!strcmp(order[i], a))
			ia = i;
		if (!strcmp(order[i], b))
			ib = i;
	}
	/* all skipped stays skipped; ok with some skipped is ok */
	if ((ia == 0 && ib == 1) || (ia == 1 && ib == 0))
		return "ok";
	return ia >= ib ? a : b;
}

/* Set o[key] (replaced, or added when missing). */
static void put(cJSON *o, const char *key, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, item);
	else
		cJSON_AddItemToObject(o, key, item);
}

static void set_str(cJSON *o, const char *key, const char *v)
{
	put(o, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void finish_step(cJSON *s, const char *status, double t0)
{
	cJSON *attempts = cJSON_GetObjectItemCaseSensitive(s, "attempts"), *at;
	const char *reason = NULL;

	cJSON_ArrayForEach(at, attempts)
	{
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(at, "status");
		const cJSON *re = cJSON_GetObjectItemCaseSensitive(at, "reason");

		if (!strcmp(st->valuestring, status) && cJSON_IsString(re) && !reason)
			reason = re->valuestring;
	}
	set_str(s, "status", status);
	set_str(s, "reason", reason);
	cJSON_ReplaceItemInObjectCaseSensitive(s, "duration_s", cJSON_CreateNumber(clock_mono_s() - t0));
	cJSON_ReplaceItemInObjectCaseSensitive(s, "metrics", results_aggregate_metrics(attempts));
}

static void log_header(int fd, const struct plan_step *st, unsigned i)
{
	char now[40];

	if (fd >= 0)
		dprintf(fd, "=== %s attempt %u/%u (probe %s) at %s ===\n", st->id, i + 1, st->repeat, st->probe,
			clock_utc_iso(now, sizeof(now)));
}

/* ---- many nodes (plan.nodes; fanout.h) ---- */

/* A node's entry: its own copy of every node-local step (collective steps are the run's). */
static cJSON *node_json(struct run *r, size_t i)
{
	cJSON *n = cJSON_CreateObject(), *steps;
	size_t k;

	cJSON_AddStringToObject(n, "host", r->fo.nodes[i].host);
	cJSON_AddNumberToObject(n, "rank", (double)i);
	cJSON_AddStringToObject(n, "status", "ok");
	cJSON_AddNullToObject(n, "reason");
	cJSON_AddStringToObject(n, "inventory_status", "pending");
	cJSON_AddNullToObject(n, "inventory");
	cJSON_AddObjectToObject(n, "requires");
	steps = cJSON_AddArrayToObject(n, "steps");
	for (k = 0; k < r->plan.nsteps; k++)
		if (!r->plan.steps[k].launcher.given)
			cJSON_AddItemToArray(steps, step_json(&r->plan.steps[k]));
	return n;
}

/* The document's nodes follow fo: new ones (slurm learns them) appended, states copied. */
static void sync_nodes(struct run *r)
{
	size_t i;
	cJSON *n;

	while ((size_t)cJSON_GetArraySize(r->nodes) < r->fo.n)
		cJSON_AddItemToArray(r->nodes, node_json(r, (size_t)cJSON_GetArraySize(r->nodes)));
	for (i = 0; i < r->fo.n; i++) {
		n = cJSON_GetArrayItem(r->nodes, (int)i);
		set_str(n, "status", r->fo.nodes[i].state);
		set_str(n, "reason", r->fo.nodes[i].reason);
	}
}

static cJSON *node_step(struct run *r, size_t node, const char *id)
{
	cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(r->nodes, (int)node), "steps"))
	{
		if (!strcmp(cJSON_GetObjectItemCaseSensitive(s, "id")->valuestring, id))
			return s;
	}
	return NULL;
}

static cJSON *cluster_json(const struct plan_nodes *pn)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddNumberToObject(c, "nodes", (double)pn->nhosts);
	cJSON_AddStringToObject(c, "source", plan_nodes_source_name(pn->source));
	if (pn->hostfile)
		cJSON_AddStringToObject(c, "hostfile", pn->hostfile);
	if (pn->partition)
		cJSON_AddStringToObject(c, "partition", pn->partition);
	cJSON_AddStringToObject(c, "on_node_failure", plan_node_failure_name(pn->on_failure));
	cJSON_AddBoolToObject(c, "locate", pn->locate);
	return c;
}

/* After a fan-out in which nodes failed: say so, and stop the run when the plan says abort. */
static void note_node_failures(struct run *r)
{
	size_t i;

	for (i = 0; i < r->fo.n; i++) {
		if (!r->fo.nodes[i].fresh_failure)
			continue;
		fprintf(stderr, "shakedown: node %s %s: %s%s\n", r->fo.nodes[i].host, r->fo.nodes[i].state,
			r->fo.nodes[i].reason,
			r->plan.nodes.on_failure == PLAN_NODE_FAILURE_ABORT ? "" : "; later steps run without it");
		if (r->plan.nodes.on_failure == PLAN_NODE_FAILURE_ABORT && !r->abort_reason)
			r->abort_reason = xasprintf("node %s %s and on_node_failure is abort", r->fo.nodes[i].host,
						    r->fo.nodes[i].state);
	}
	put(cJSON_GetObjectItemCaseSensitive(r->doc, "cluster"), "live",
	    cJSON_CreateNumber((double)fanout_live(&r->fo)));
}

/* The inventory of every node, and the requirements checked on each: a node that misses them is excluded. */
static const cJSON *take_inventory_nodes(struct run *r)
{
	cJSON *host = cJSON_GetObjectItemCaseSensitive(r->doc, "host"), **out, *n, *res;
	struct attempt_opts ao = { .timeout_ns = INVENTORY_TIMEOUT_NS, .interrupt = &interrupted };
	const cJSON *first = NULL, *reason;
	char err[512], *log = NULL;
	size_t i;

	cJSON_ReplaceItemInObjectCaseSensitive(host, "inventory_status", cJSON_CreateString("per node (nodes[])"));
	ao.probe = catalog_get(&r->cat, INVENTORY_PROBE, err, sizeof(err));
	if (!ao.probe)
		return NULL;
	progress(r, "[0/%zu] inventory (%s) on %zu nodes\n", r->plan.nsteps, INVENTORY_PROBE,
		 r->fo.n ? r->fo.n : (size_t)r->plan.nodes.slurm_nodes);
	ao.stderr_fd = open_log(r, "_inventory", &log);
	out = xcalloc(FANOUT_MAX_OUT(&r->fo), sizeof(*out));
	fanout_attempt(&r->fo, &ao, out);
	sync_nodes(r);
	for (i = 0; i < r->fo.n; i++) {
		if (!out[i])
			continue;
		n = cJSON_GetArrayItem(r->nodes, (int)i);
		reason = cJSON_GetObjectItemCaseSensitive(out[i], "reason");
		if (strcmp(cJSON_GetObjectItemCaseSensitive(out[i], "status")->valuestring, "ok")) {
			set_str(n, "inventory_status", cJSON_IsString(reason) ? reason->valuestring : "error");
		} else {
			res = cJSON_DetachItemFromObjectCaseSensitive(out[i], "result");
			set_str(n, "inventory_status", "ok");
			cJSON_ReplaceItemInObjectCaseSensitive(n, "inventory", res);
			first = first ? first : res;
		}
		if (!strcmp(r->fo.nodes[i].state, "ok") &&
		    check_requires_into(r, cJSON_GetObjectItemCaseSensitive(n, "requires"),
					cJSON_GetObjectItemCaseSensitive(n, "inventory")) != 1)
			fanout_exclude(&r->fo, i, "excluded", "the plan's requirements are not met on this node");
		cJSON_Delete(out[i]);
	}
	note_node_failures(r);
	sync_nodes(r);
	if (ao.stderr_fd >= 0)
		close(ao.stderr_fd);
	free(log);
	free(out);
	return first;
}

/* Every node that took part met the requirements: 1; none is left: 0. */
static int check_requires_nodes(struct run *r)
{
	cJSON *rq = cJSON_GetObjectItemCaseSensitive(r->doc, "requires");
	int live = fanout_live(&r->fo) > 0;

	cJSON_AddArrayToObject(rq, "checks");
	cJSON_AddBoolToObject(rq, "met", live);
	return live;
}

static const char *fold_status(const cJSON *attempts)
{
	const char *status = "skipped";
	const cJSON *at;
	int first = 1;

	cJSON_ArrayForEach(at, attempts)
	{
		const char *a = cJSON_GetObjectItemCaseSensitive(at, "status")->valuestring;

		status = first ? a : worse(status, a);
		first = 0;
	}
	return status;
}

/* The run's entry of a node-local step: the worst node status, counts by status, the first bad node's reason. */
static void aggregate_nodes_step(struct run *r, cJSON *s, const char *id, double t0)
{
	static const char *const keys[] = { "ok", "skipped", "failed", "error", "interrupted", NULL };
	const char *status = NULL, *bad_host = NULL, *bad_reason = NULL;
	cJSON *counts = cJSON_CreateObject(), *ns;
	int c[5] = { 0 }, k, total = 0;
	size_t i;
	char *reason = NULL;

	for (i = 0; i < r->fo.n; i++) {
		const char *st;

		ns = node_step(r, i, id);
		if (!ns || !strcmp((st = cJSON_GetObjectItemCaseSensitive(ns, "status")->valuestring), "pending"))
			continue;
		status = status ? worse(status, st) : st;
		for (k = 0; keys[k]; k++)
			c[k] += !strcmp(keys[k], st);
		total++;
		if (strcmp(st, "ok") && strcmp(st, "skipped") && !bad_host) {
			bad_host = r->fo.nodes[i].host;
			bad_reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ns, "reason"));
		}
	}
	for (k = 0; keys[k]; k++)
		if (c[k])
			cJSON_AddNumberToObject(counts, keys[k], c[k]);
	put(s, "nodes", counts);
	set_str(s, "status", status ? status : "error");
	if (bad_host)
		reason = xasprintf("%s on %d of %d nodes; first %s: %s", status, total - c[0] - c[1], total, bad_host,
				   bad_reason ? bad_reason : status);
	set_str(s, "reason", total ? reason : "no node ran it");
	free(reason);
	cJSON_ReplaceItemInObjectCaseSensitive(s, "duration_s", cJSON_CreateNumber(clock_mono_s() - t0));
}

/* A node-local step of a multi-node plan: every attempt on every live node at once. */
static void run_step_nodes(struct run *r, size_t idx, struct attempt_opts *ao, double t0)
{
	const struct plan_step *st = &r->plan.steps[idx];
	cJSON *s = cJSON_GetArrayItem(r->steps, (int)idx), **out = xcalloc(FANOUT_MAX_OUT(&r->fo), sizeof(*out)), *ns;
	size_t k, failed;
	unsigned i;
	char now[40];

	set_str(s, "scope", "nodes");
	for (i = 0; i < st->repeat && !interrupted && !r->abort_reason && fanout_live(&r->fo); i++) {
		r->next_alive = NOT_TTY_ALIVE_S;
		log_header(ao->stderr_fd, st, i);
		failed = fanout_attempt(&r->fo, ao, out);
		sync_nodes(r);
		for (k = 0; k < r->fo.n; k++) {
			if (!out[k] || !(ns = node_step(r, k, st->id))) {
				cJSON_Delete(out[k]);
				continue;
			}
			if (i == 0)
				set_str(ns, "started", clock_utc_iso(now, sizeof(now)));
			cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(ns, "attempts"), out[k]);
			finish_step(ns, fold_status(cJSON_GetObjectItemCaseSensitive(ns, "attempts")), t0);
		}
		aggregate_nodes_step(r, s, st->id, t0);
		results_cache_stale(&r->cache, idx);
		if (failed)
			note_node_failures(r);
		save(r);
	}
	free(out);
}

/*
 * The metric to locate a collective step's trouble by: the first of its
 * checks that failed against the baseline ("" when the step's status alone
 * failed it); NULL when nothing failed. Caller frees.
 */
static char *failing_metric(struct run *r, const cJSON *s, const char *id)
{
	const char *st = cJSON_GetObjectItemCaseSensitive(s, "status")->valuestring;
	struct verdict_fields *f = xmalloc(sizeof(*f));
	char *metric = NULL;
	struct verdict v;
	size_t i;

	verdict_compute(&v, r->have_bl ? &r->bl : NULL, r->doc, r->bl_selected_by);
	for (i = 0; i < v.nchecks && !metric; i++) {
		if (v.checks[i].result != VERDICT_FAIL || !v.checks[i].bc)
			continue;
		verdict_fields(&v, i, f);
		if (f->step && f->metric && !strcmp(f->step, id))
			metric = xstrdup(f->metric);
	}
	verdict_release(&v);
	free(f);
	if (!metric && (!strcmp(st, "failed") || !strcmp(st, "error")))
		metric = xstrdup("");
	return metric;
}

/* A collective step that failed across the nodes: run it on pairs and name the slow node or link (locate.h). */
static void maybe_locate(struct run *r, size_t idx, struct attempt_opts *ao)
{
	const struct plan_step *st = &r->plan.steps[idx];
	cJSON *s = cJSON_GetArrayItem(r->steps, (int)idx), *loc, *all;
	char *metric = failing_metric(r, s, st->id), *line;

	if (!metric || fanout_live(&r->fo) < 2)
		goto out;
	fprintf(stderr, "shakedown: %s failed across %zu nodes; running it on pairs of nodes to locate the cause\n",
		st->id, fanout_live(&r->fo));
	ao->launcher = &st->launcher;
	loc = locate_run(&r->fo, st->id, ao, *metric ? metric : NULL);
	line = locate_summary(loc);
	fprintf(stderr, "shakedown: %s\n", line);
	free(line);
	if (!(all = cJSON_GetObjectItemCaseSensitive(r->doc, "locate")))
		all = cJSON_AddArrayToObject(r->doc, "locate");
	cJSON_AddItemToArray(all, loc);
	save(r);
out:
	free(metric);
}

static const char *run_step(struct run *r, size_t idx)
{
	const struct plan_step *st = &r->plan.steps[idx];
	cJSON *s = cJSON_GetArrayItem(r->steps, (int)idx), *at;
	struct attempt_opts ao = { .params = st->params,
				   .nparams = st->nparams,
				   .launcher = &st->launcher,
				   .timeout_ns = st->timeout_ns,
				   .interrupt = &interrupted,
				   .tick = tick,
				   .tick_arg = r };
	const char *status = "skipped", *ast;
	char err[512], now[40], *log = NULL;
	double t0 = clock_mono_s();
	struct plan_launcher coll = { 0 };
	unsigned i;

	ao.probe = catalog_get(&r->cat, st->probe, err, sizeof(err));
	set_str(s, "started", clock_utc_iso(now, sizeof(now)));
	results_cache_stale(&r->cache, idx);
	ao.stderr_fd = open_log(r, st->id, &log);
	ao.log_path = log;
	if (r->multi && !st->launcher.given) {
		run_step_nodes(r, idx, &ao, t0);
		goto out;
	}
	if (r->multi) {
		set_str(s, "scope", "cluster");
		fanout_collective_launcher(&r->fo, &st->launcher, &coll);
		ao.launcher = &coll;
	}
	for (i = 0; i < st->repeat && !interrupted; i++) {
		r->next_alive = NOT_TTY_ALIVE_S;
		log_header(ao.stderr_fd, st, i);
		at = attempt_run(&ao);
		ast = cJSON_GetObjectItemCaseSensitive(at, "status")->valuestring;
		status = i == 0 ? ast : worse(status, ast);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(s, "attempts"), at);
		finish_step(s, status, t0);
		results_cache_stale(&r->cache, idx);
		save(r);
	}
	if (r->multi && r->plan.nodes.locate && !interrupted)
		maybe_locate(r, idx, &ao);
out:
	plan_launcher_release(&coll);
	if (ao.stderr_fd >= 0)
		close(ao.stderr_fd);
	free(log);
	return cJSON_GetObjectItemCaseSensitive(s, "status")->valuestring;
}

static void print_step_end(struct run *r, size_t idx)
{
	const cJSON *s = cJSON_GetArrayItem(r->steps, (int)idx);
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(s, "reason");
	const char *status = cJSON_GetObjectItemCaseSensitive(s, "status")->valuestring;
	char dur[32];

	units_format_duration_ns((uint64_t)(cJSON_GetObjectItemCaseSensitive(s, "duration_s")->valuedouble * 1e9), dur,
				 sizeof(dur));
	progress(r, "[%zu/%zu] %s (%s) %s %s%s%s\n", idx + 1, r->plan.nsteps, r->plan.steps[idx].id,
		 r->plan.steps[idx].probe, status, dur, cJSON_IsString(reason) ? ": " : "",
		 cJSON_IsString(reason) ? reason->valuestring : "");
}

/* ---- finishing ---- */

/* Node steps that never ran: not_run, with the node's own reason when it left the run. */
static void not_run_nodes(struct run *r)
{
	cJSON *ns;
	size_t i;
	char *why;

	for (i = 0; i < r->fo.n; i++) {
		cJSON_ArrayForEach(ns, cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(r->nodes, (int)i), "steps"))
		{
			if (strcmp(cJSON_GetObjectItemCaseSensitive(ns, "status")->valuestring, "pending"))
				continue;
			set_str(ns, "status", "not_run");
			why = strcmp(r->fo.nodes[i].state, "ok")
				      ? xasprintf("node %s: %s", r->fo.nodes[i].state, r->fo.nodes[i].reason)
				      : xstrdup(interrupted	  ? "the run was interrupted"
						: r->abort_reason ? r->abort_reason
								  : "requirements not met");
			set_str(ns, "reason", why);
			free(why);
		}
	}
}

static int summarise(struct run *r, int requires_state)
{
	static const char *const keys[] = { "ok", "skipped", "failed", "error", "interrupted", "not_run", NULL };
	cJSON *sum = cJSON_GetObjectItemCaseSensitive(r->doc, "summary"), *s;
	int counts[6] = { 0 }, i, code = SD_EXIT_OK;

	results_cache_release(&r->cache); /* statuses change below */
	if (r->multi)
		not_run_nodes(r);
	cJSON_ArrayForEach(s, r->steps)
	{
		cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "status");

		if (!strcmp(st->valuestring, "pending")) {
			set_str(s, "status", "not_run");
			set_str(s, "reason",
				interrupted	  ? "the run was interrupted"
				: r->abort_reason ? r->abort_reason
				: r->multi	  ? "no node left to run it"
						  : "requirements not met");
		}
		for (i = 0; keys[i]; i++)
			if (!strcmp(cJSON_GetObjectItemCaseSensitive(s, "status")->valuestring, keys[i]))
				counts[i]++;
	}
	cJSON_AddNumberToObject(sum, "steps", (double)r->plan.nsteps);
	for (i = 0; keys[i]; i++)
		cJSON_AddNumberToObject(sum, keys[i], counts[i]);
	if (counts[2] || requires_state == 0)
		code = SD_EXIT_CHECK;
	if (counts[3] || requires_state < 0)
		code = SD_EXIT_PROBE;
	if (interrupted)
		code = SD_EXIT_INTERRUPTED;
	return code;
}

/* The more serious of two exit codes: 130 > 3 > 1 > 0. */
static int combine_codes(int a, int b)
{
	static const int order[] = { SD_EXIT_OK, SD_EXIT_CHECK, SD_EXIT_PROBE, SD_EXIT_INTERRUPTED };
	int ia = 0, ib = 0, i;

	for (i = 0; i < 4; i++) {
		if (order[i] == a)
			ia = i;
		if (order[i] == b)
			ib = i;
	}
	return order[ia > ib ? ia : ib];
}

/* Mark the run finished, check it, write everything; returns the final exit code. */
static int finish_run(struct run *r, int code)
{
	cJSON *run = cJSON_GetObjectItemCaseSensitive(r->doc, "run");
	struct verdict v;
	char now[40];

	set_str(run, "status", interrupted ? "interrupted" : "complete");
	set_str(run, "finished", clock_utc_iso(now, sizeof(now)));
	cJSON_ReplaceItemInObjectCaseSensitive(run, "duration_s", cJSON_CreateNumber(clock_mono_s() - r->t0));
	report_judge(r->doc, &v, r->have_bl ? &r->bl : NULL, r->bl_selected_by);
	code = combine_codes(code, verdict_status_exit_code(v.status));
	cJSON_ReplaceItemInObjectCaseSensitive(run, "exit_code", cJSON_CreateNumber(code));
	if (report_finish(r->doc, &v, r->dir, RUN_REPORTS, &r->ro, r->results_path, &r->cache))
		r->write_failed = 1;
	verdict_release(&v);
	/* what could not be written is lost to whoever reads the run: never a pass */
	return r->write_failed ? combine_codes(code, SD_EXIT_PROBE) : code;
}

static void print_summary(struct run *r, int code)
{
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(r->doc, "summary");
	static const char *const verdict[] = { "PASSED", "FAILED", "", "PROBE ERRORS" };
	const char *v = code == SD_EXIT_INTERRUPTED ? "INTERRUPTED"
			: r->write_failed	    ? "RESULTS NOT WRITTEN"
						    : verdict[code];

#define N(k) (int)cJSON_GetObjectItemCaseSensitive(sum, k)->valuedouble
	if (!r->o->quiet)
		fprintf(stderr,
			"\nplan %s: %d steps: %d ok, %d skipped, %d failed, %d error, %d not run: %s (exit %d)\n"
			"results: %s\n",
			r->plan.name, N("steps"), N("ok"), N("skipped"), N("failed"), N("error") + N("interrupted"),
			N("not_run"), v, code, r->results_path);
#undef N
	if (!r->o->quiet) {
		terminal_verdict(cJSON_GetObjectItemCaseSensitive(r->doc, "verdict"), stderr, 20);
		fprintf(stderr, "report: %s/report.md\n", r->dir);
	}
	printf("%s\n", r->dir);
	fflush(stdout);
}

static void print_warnings(const struct diags *w)
{
	char buf[4096];
	size_t i;

	for (i = 0; i < w->n; i++)
		fprintf(stderr, "warning: %s\n", diag_format(&w->v[i], buf, sizeof(buf)));
}

/* The baseline named by --baseline or the plan; `auto` waits for the inventory. */
static void load_baseline(struct run *r, struct diags *d)
{
	const char *path = r->o->baseline ? r->o->baseline : r->plan.baseline;
	struct diags warn = DIAGS_INIT;
	size_t before = d->n;

	r->bl_selected_by = "none";
	if (!path)
		return;
	if (!strcmp(path, "auto")) {
		r->bl_auto = 1;
		return;
	}
	r->bl_selected_by = r->o->baseline ? "command line" : "plan";
	baseline_load(path, &r->bl, d);
	r->have_bl = 1;
	if (d->n == before)
		baseline_check_plan(&r->bl, &r->plan, &r->cat, d, &warn);
	if (!r->o->quiet)
		print_warnings(&warn);
	diags_release(&warn);
}

/* `baseline: auto`: the first shipped baseline whose match holds for the inventory. */
static int pick_auto_baseline(struct run *r, const cJSON *inv)
{
	char *dir = baseline_dir_default(), why[512] = "", *path = NULL;
	struct diags d = DIAGS_INIT;
	int rc = 0;

	r->bl_selected_by = "auto";
	path = dir && inv ? baseline_auto(dir, inv, why, sizeof(why)) : NULL;
	if (!path) {
		/* no baseline fits this node: the runner's own checks still apply */
		fprintf(stderr, "shakedown: baseline auto: %s\n", *why ? why : "no inventory or no suites/baselines");
		goto out;
	}
	baseline_load(path, &r->bl, &d);
	r->have_bl = 1;
	if (d.n) {
		diags_print(&d, stderr);
		rc = -1;
	} else {
		progress(r, "baseline: %s (auto: %s)\n", r->bl.name, why);
	}
out:
	diags_release(&d);
	free(path);
	free(dir);
	return rc;
}

static int load(struct run *r)
{
	struct diags d = DIAGS_INIT;
	size_t i;
	int rc = 0;

	if (plan_load(r->o->plan_path, &r->plan, &d))
		rc = -1;
	for (i = 0; !rc && i < r->o->nsets; i++)
		plan_set(&r->plan, r->o->sets[i], &d);
	for (i = 0; !rc && i < r->o->nonly; i++)
		plan_only(&r->plan, r->o->only[i], &d);
	if (!d.n && catalog_init(&r->cat))
		diags_add(&d, NULL, 0, 0, "cannot find the probe directory");
	if (!d.n)
		catalog_check_plan(&r->cat, &r->plan, &d);
	if (!d.n)
		load_baseline(r, &d);
	if (d.n) {
		diags_print(&d, stderr);
		rc = -1;
	}
	diags_release(&d);
	return rc;
}

static void run_steps(struct run *r)
{
	size_t i;

	for (i = 0; i < r->plan.nsteps && !interrupted && !r->abort_reason; i++) {
		r->cur = i + 1;
		r->cur_id = r->plan.steps[i].id;
		if (!r->tty)
			progress(r, "[%zu/%zu] %s (%s) ...\n", i + 1, r->plan.nsteps, r->cur_id,
				 r->plan.steps[i].probe);
		run_step(r, i);
		/*
		 * Check and rewrite the reports (and results.json) after a step, at most once every
		 * REPORT_INTERVAL_S: a plan of many short steps would otherwise
		 * spend its time re-rendering. results.json is always current
		 * (save() after every attempt) and the end of the run, SIGINT
		 * included, renders everything once more.
		 */
		if (clock_mono_s() - r->last_render >= REPORT_INTERVAL_S)
			render(r);
		print_step_end(r, i);
	}
}

int run_plan(const struct run_opts *o)
{
	struct run r = { .o = o, .tty = isatty(STDERR_FILENO) };
	char *run_id = NULL, err[512];
	const cJSON *inv;
	int code = SD_EXIT_USAGE, req;

	r.t0 = clock_mono_s();
	if (load(&r) || make_run_dir(&r, &run_id))
		goto out;
	r.multi = r.plan.nodes.source != PLAN_NODES_NONE;
	if (r.multi && fanout_init(&r.fo, &r.plan.nodes, r.dir, err, sizeof(err))) {
		fprintf(stderr, "shakedown: %s\n", err);
		code = SD_EXIT_PROBE;
		goto out;
	}
	install_signals();
	r.ro.usd_per_kwh = 0.12;
	r.ro.utilization = 0.70;
	r.rb_prefix = report_runbook_prefix(r.dir);
	r.ro.runbook_prefix = r.rb_prefix;
	doc_init(&r, run_id);
	save(&r);
	inv = r.multi ? take_inventory_nodes(&r) : take_inventory(&r);
	if (r.bl_auto && pick_auto_baseline(&r, inv))
		goto out;
	req = r.multi ? check_requires_nodes(&r) : check_requires(&r, inv);
	render(&r);
	save(&r);
	if (req == 1)
		run_steps(&r);
	else
		report_unmet(&r);
	code = finish_run(&r, summarise(&r, req));
	print_summary(&r, code);
out:
	if (r.have_bl)
		baseline_release(&r.bl);
	free(r.rb_prefix);
	cJSON_Delete(r.doc);
	results_cache_release(&r.cache);
	plan_release(&r.plan);
	catalog_release(&r.cat);
	free(r.dir);
	free(r.results_path);
	free(r.abort_reason);
	if (r.multi)
		fanout_release(&r.fo);
	free(run_id);
	return code;
}

/* ---- shakedown probe NAME ---- */

static int parse_probe_args(const struct probe_desc *pd, int argc, char **argv, struct plan_param *params)
{
	const char **names = xcalloc(pd->nparams + 1, sizeof(*names));
	const struct probe_pdesc *pp;
	char err[512];
	int i, rc = 0;

	for (size_t k = 0; k < pd->nparams; k++)
		names[k] = pd->params[k].name;
	for (i = 0; i < argc && !rc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		int dashed = !strncmp(a, "--", 2);
		const char *n = dashed ? a + 2 : a;
		char *name = eq && eq >= n ? xstrndup(n, (size_t)(eq - n)) : xstrdup(n);

		params[i].name = name;
		params[i].value = xstrdup(eq ? eq + 1 : "true");
		pp = dashed ? probe_desc_param(pd, name) : NULL;
		if (!dashed) {
			fprintf(stderr, "shakedown: unexpected argument '%s' (probe parameters are --NAME=VALUE)\n", a);
			rc = -1;
		} else if (!pp) {
			const char *near = suggest_nearest(name, names, pd->nparams);

			fprintf(stderr, "shakedown: unknown parameter '%s' for probe '%s'%s%s%s\n", a, pd->name,
				near ? " (did you mean '--" : "", near ? near : "", near ? "'?)" : "");
			rc = -1;
		} else if (protocol_check_value(pp->type, pp->choices, params[i].value, err, sizeof(err))) {
			fprintf(stderr, "shakedown: parameter '%s': %s\n", name, err);
			rc = -1;
		}
	}
	free(names);
	return rc;
}

int run_single_probe(const char *name, int argc, char **argv, unsigned timeout_s)
{
	struct catalog cat;
	const struct probe_desc *pd;
	struct plan_param *params = xcalloc((size_t)argc + 1, sizeof(*params));
	struct attempt_opts ao = { .stderr_fd = STDERR_FILENO,
				   .interrupt = &interrupted,
				   .timeout_ns = (uint64_t)timeout_s * UNITS_NS_PER_S };
	const cJSON *res, *reason;
	char err[512], *text;
	const char *status;
	cJSON *at = NULL;
	int code = SD_EXIT_USAGE, i;

	if (catalog_init(&cat) || !(pd = catalog_get(&cat, name, err, sizeof(err)))) {
		fprintf(stderr, "shakedown: %s\n", cat.ndirs ? err : "cannot find the probe directory");
		goto out;
	}
	if (parse_probe_args(pd, argc, argv, params))
		goto out;
	install_signals();
	ao.probe = pd;
	ao.params = params;
	ao.nparams = (size_t)argc;
	at = attempt_run(&ao);
	res = cJSON_GetObjectItemCaseSensitive(at, "result");
	if (cJSON_IsObject(res) && (text = cJSON_Print(res))) {
		printf("%s\n", text);
		free(text);
	}
	status = cJSON_GetObjectItemCaseSensitive(at, "status")->valuestring;
	reason = cJSON_GetObjectItemCaseSensitive(at, "reason");
	if (strcmp(status, "ok"))
		fprintf(stderr, "shakedown: probe '%s' %s%s%s\n", name, status, cJSON_IsString(reason) ? ": " : "",
			cJSON_IsString(reason) ? reason->valuestring : "");
	code = !strcmp(status, "ok") || !strcmp(status, "skipped") ? SD_EXIT_OK
	       : !strcmp(status, "failed")			   ? SD_EXIT_CHECK
	       : !strcmp(status, "interrupted")			   ? SD_EXIT_INTERRUPTED
								   : SD_EXIT_PROBE;
out:
	cJSON_Delete(at);
	for (i = 0; i < argc; i++) {
		free(params[i].name);
		free(params[i].value);
	}
	free(params);
	catalog_release(&cat);
	return code;
}
