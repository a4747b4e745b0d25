/* fanout.c - see fanout.h. */
#include "fanout.h"
#include "catalog.h"
#include "launch.h"
#include "supervise.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS_PER_S 1000000000ULL

static char *agent_path(void)
{
	const char *e = getenv("SHAKEDOWN_AGENT");
	char exe[PATH_MAX];
	ssize_t n;

	if (e && *e)
		return xstrdup(e);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return xasprintf("%s/shakedown-node", dirname(exe));
}

int fanout_init(struct fanout *f, const struct plan_nodes *pn, const char *run_dir, char *err, size_t len)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->pn = pn;
	f->agent = agent_path();
	if (!f->agent || access(f->agent, X_OK)) {
		snprintf(err, len, "cannot run the node agent '%s': %s (it is built where MPI is: make MPI=yes)",
			 f->agent ? f->agent : "shakedown-node", strerror(errno));
		return -1;
	}
	f->hostfile = xasprintf("%s/nodes.hosts", run_dir);
	f->n = pn->nhosts;
	f->nodes = xcalloc(f->n ? f->n : 1, sizeof(*f->nodes));
	for (i = 0; i < f->n; i++) {
		f->nodes[i].host = xstrdup(pn->hosts[i]);
		f->nodes[i].state = "ok";
	}
	return 0;
}

void fanout_release(struct fanout *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->nodes[i].host);
		free(f->nodes[i].reason);
	}
	free(f->nodes);
	free(f->agent);
	free(f->hostfile);
	memset(f, 0, sizeof(*f));
}

size_t fanout_live(const struct fanout *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++)
		n += !strcmp(f->nodes[i].state, "ok");
	return n;
}

void fanout_exclude(struct fanout *f, size_t i, const char *state, const char *reason)
{
	f->nodes[i].state = state;
	free(f->nodes[i].reason);
	f->nodes[i].reason = reason ? xstrdup(reason) : NULL;
}

/* ---- launcher command lines ---- */

static int write_hostfile(const struct fanout *f)
{
	FILE *fp = fopen(f->hostfile, "we");
	size_t i;
	int rc;

	if (!fp)
		return -1;
	for (i = 0; i < f->n; i++)
		if (!strcmp(f->nodes[i].state, "ok"))
			fprintf(fp, "%s\n", f->nodes[i].host);
	rc = ferror(fp) ? -1 : 0;
	return fclose(fp) || rc ? -1 : 0;
}

/* --exclude=a,b of the nodes no longer live (srun), or NULL; caller frees. */
static char *srun_exclude(const struct fanout *f)
{
	char *s = NULL, *t;
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->nodes[i].state, "ok"))
			continue;
		t = s ? xasprintf("%s,%s", s, f->nodes[i].host) : xasprintf("--exclude=%s", f->nodes[i].host);
		free(s);
		s = t;
	}
	return s;
}

/* Where the plan's nodes place ranks: the generated hostfile or one host (mpirun), or srun's node options. */
static void place(struct fanout *f, struct plan_launcher *l, const char *only)
{
	const struct plan_nodes *pn = f->pn;
	char *ex, *a;

	if (pn->source != PLAN_NODES_SLURM) {
		l->kind = PLAN_LAUNCH_MPIRUN;
		if (only) {
			plan_launcher_add_arg(l, "--host");
			plan_launcher_add_arg(l, only);
		} else if (!l->hostfile) {
			l->hostfile = xstrdup(f->hostfile);
		}
		return;
	}
	l->kind = PLAN_LAUNCH_SRUN;
	if (pn->partition) {
		a = xasprintf("--partition=%s", pn->partition);
		plan_launcher_add_arg(l, a);
		free(a);
	}
	if (only) {
		a = xasprintf("--nodelist=%s", only);
		plan_launcher_add_arg(l, a);
		free(a);
		l->nodes = 1;
	} else if ((ex = srun_exclude(f))) {
		plan_launcher_add_arg(l, ex);
		free(ex);
	}
}

/* The launcher that starts the agent once per live node (or on node `only`). */
static void agent_launcher(struct fanout *f, struct plan_launcher *l, const char *only)
{
	size_t i, live = fanout_live(f);

	memset(l, 0, sizeof(*l));
	place(f, l, only);
	if (l->kind == PLAN_LAUNCH_MPIRUN) {
		l->np = only ? 1 : (long long)live;
		plan_launcher_add_arg(l, "--map-by");
		plan_launcher_add_arg(l, "ppr:1:node");
	} else {
		if (!only)
			l->nodes = f->n ? (long long)live : f->pn->slurm_nodes;
		l->ntasks_per_node = 1;
	}
	for (i = 0; i < f->pn->nargs; i++)
		plan_launcher_add_arg(l, f->pn->args[i]);
}

void fanout_collective_launcher(struct fanout *f, const struct plan_launcher *step, struct plan_launcher *to)
{
	size_t live = fanout_live(f);

	plan_launcher_copy(to, step);
	if (f->pn->source != PLAN_NODES_SLURM) {
		if (!to->hostfile) {
			write_hostfile(f);
			to->hostfile = xstrdup(f->hostfile);
			if (!to->np) {
				to->np = (long long)live;
				plan_launcher_add_arg(to, "--map-by");
				plan_launcher_add_arg(to, "ppr:1:node");
			}
		}
	} else {
		char *ex = srun_exclude(f);

		if (!to->nodes && f->n)
			to->nodes = (long long)live;
		if (ex)
			plan_launcher_add_arg(to, ex);
		free(ex);
	}
	for (size_t i = 0; i < f->pn->nargs; i++)
		plan_launcher_add_arg(to, f->pn->args[i]);
}

/* ---- running the agent ---- */

/* Start the agent under l with args; stdout into r (caller releases). Returns -1 when it could not be built. */
static int run_agent(struct fanout *f, const struct plan_launcher *l, const char *const *args, uint64_t timeout_ns,
		     const struct attempt_opts *o, struct sup_result *r, char *err, size_t len)
{
	struct launch_host host = launch_host_current();
	struct launch ln;
	struct sup_opts so = { .stderr_fd = o ? o->stderr_fd : -1,
			       .timeout_ns = timeout_ns,
			       .interrupt = o ? o->interrupt : NULL,
			       .tick = o ? o->tick : NULL,
			       .tick_arg = o ? o->tick_arg : NULL,
			       .tick_interval_ns = NS_PER_S };
	size_t live = fanout_live(f);

	/* every node's record passes through here: 4 MiB a node on top of the usual limit, at most 4 GiB */
	so.stdout_limit = live < 1008 ? (live + 16) * ((size_t)4 << 20) : (size_t)4 << 30;
	if (launch_build(&ln, l, f->agent, args, &host, err, len))
		return -1;
	so.argv = (const char *const *)ln.argv;
	so.envp_extra = (const char *const *)ln.envp_extra;
	so.env_unset = ln.env_unset;
	launch_log(so.stderr_fd, &ln);
	sup_run(&so, r);
	launch_release(&ln);
	return 0;
}

/* Node index for a record: by name (exact, then the part before the first '.'), else by rank among live nodes. */
static long find_node(const struct fanout *f, const char *host, int rank, const size_t *live_idx, size_t nlive)
{
	size_t i, hl = host ? strcspn(host, ".") : 0;

	for (i = 0; host && i < f->n; i++)
		if (!strcmp(f->nodes[i].host, host))
			return (long)i;
	for (i = 0; host && i < f->n; i++)
		if (strcspn(f->nodes[i].host, ".") == hl && !strncmp(f->nodes[i].host, host, hl))
			return (long)i;
	if (rank >= 0 && (size_t)rank < nlive)
		return (long)live_idx[rank];
	return -1;
}

/* slurm: the node list comes from the first agent header. */
static void learn_nodes(struct fanout *f, const cJSON *hdr)
{
	const cJSON *h, *hosts = cJSON_GetObjectItemCaseSensitive(hdr, "hosts");

	if (f->n || !cJSON_IsArray(hosts))
		return;
	f->nodes = xrealloc(f->nodes, ((size_t)cJSON_GetArraySize(hosts) + 1) * sizeof(*f->nodes));
	cJSON_ArrayForEach(h, hosts)
	{
		if (!cJSON_IsString(h) || f->n >= PLAN_MAX_NODES)
			continue;
		memset(&f->nodes[f->n], 0, sizeof(f->nodes[f->n]));
		f->nodes[f->n].host = xstrdup(h->valuestring);
		f->nodes[f->n].state = "ok";
		f->n++;
	}
}

/* The live nodes' indexes, in order; caller frees. */
static size_t *live_indexes(const struct fanout *f, size_t *n)
{
	size_t *v = xcalloc(f->n + 1, sizeof(*v)), i;

	for (*n = 0, i = 0; i < f->n; i++)
		if (!strcmp(f->nodes[i].state, "ok"))
			v[(*n)++] = i;
	return v;
}

/* Each "@sdnode" line of out into recs[node] (a new object), the header into learn_nodes. */
static void parse_records(struct fanout *f, char *out, cJSON **recs)
{
	size_t nlive = 0, *live = NULL;
	char *line, *next;
	cJSON *j;
	long k;

	for (line = out; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "@sdnodes ", 9)) {
			if ((j = cJSON_Parse(line + 9)))
				learn_nodes(f, j);
			cJSON_Delete(j);
			free(live);
			live = live_indexes(f, &nlive);
			continue;
		}
		if (strncmp(line, "@sdnode ", 8) || !(j = cJSON_Parse(line + 8)))
			continue;
		if (!live)
			live = live_indexes(f, &nlive);
		k = find_node(f, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "host")),
			      (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "rank")), live, nlive);
		if (k < 0 || recs[k]) {
			cJSON_Delete(j);
			continue;
		}
		recs[k] = j;
	}
	free(live);
}

/* 1 when the agent answers --ping on node i alone. */
static int ping(struct fanout *f, size_t i, const struct attempt_opts *o)
{
	static const char *const args[] = { "--ping", NULL };
	struct plan_launcher l;
	struct sup_result r;
	char err[512];
	int ok = 0;

	agent_launcher(f, &l, f->nodes[i].host);
	if (!run_agent(f, &l, args, FANOUT_PING_TIMEOUT_S * NS_PER_S, o, &r, err, sizeof(err))) {
		ok = sup_clean(&r) && strstr(r.out, "@sdnodes ");
		sup_result_release(&r);
	}
	plan_launcher_release(&l);
	return ok;
}

/* Agent arguments: --timeout-ms=T [--per-gpu] -- PROBE --name=value...; caller frees with strv_free(). */
static char **agent_args(const struct attempt_opts *o)
{
	char **v = xcalloc(o->nparams + 5, sizeof(*v)), probe[PATH_MAX];
	size_t i, k = 0;

	v[k++] = xasprintf("--timeout-ms=%llu", (unsigned long long)(o->timeout_ns / 1000000ULL));
	if (o->probe->per_gpu)
		v[k++] = xstrdup("--per-gpu");
	v[k++] = xstrdup("--");
	v[k++] = xstrdup(realpath(o->probe->path, probe) ? probe : o->probe->path);
	for (i = 0; i < o->nparams; i++)
		v[k++] = xasprintf("--%s=%s", o->params[i].name, o->params[i].value);
	return v;
}

/*
 * A live node with no usable record: ping it. Returns 1 when it failed
 * (and is now unreachable or timeout), 0 when it answers.
 */
static int judge_missing(struct fanout *f, size_t i, const cJSON *rec, const char *launcher_msg,
			 const struct attempt_opts *o)
{
	const char *lost = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "lost"));
	char *why;

	if (o->interrupt && *o->interrupt)
		return 0;
	if (ping(f, i, o)) {
		if (!lost)
			return 0;
		fanout_exclude(f, i, "timeout", lost);
	} else {
		why = xasprintf("the node agent cannot be started there (%s)",
				launcher_msg ? launcher_msg : "no answer within the ping timeout");
		fanout_exclude(f, i, "unreachable", why);
		free(why);
	}
	f->nodes[i].fresh_failure = 1;
	return 1;
}

/*
 * One fan-out on the live nodes. coll[i] is set for a node that answers but
 * sent no record because the launcher ended the job (another node failed).
 */
static size_t fanout_once(struct fanout *f, const struct attempt_opts *o, cJSON **out, char *coll)
{
	struct plan_launcher l;
	struct sup_result r;
	char **args = agent_args(o), err[512], how[512];
	size_t i, n_before = f->n, failed = 0;
	cJSON **recs = xcalloc(FANOUT_MAX_OUT(f), sizeof(*recs));
	char *live0 = xcalloc(FANOUT_MAX_OUT(f), 1);
	int ran;

	for (i = 0; i < f->n; i++) {
		live0[i] = !strcmp(f->nodes[i].state, "ok");
	}
	write_hostfile(f);
	agent_launcher(f, &l, NULL);
	ran = !run_agent(f, &l, (const char *const *)args, o->timeout_ns + FANOUT_SLACK_S * NS_PER_S, o, &r, err,
			 sizeof(err));
	if (ran) {
		parse_records(f, r.out, recs);
		if (!sup_clean(&r))
			sup_describe(&r, how, sizeof(how));
	}
	if (!n_before)
		for (i = 0; i < f->n; i++)
			live0[i] = 1; /* learnt from this fan-out (slurm) */
	for (i = 0; i < f->n; i++) {
		out[i] = NULL;
		if (!live0[i])
			continue;
		if (recs[i] && !cJSON_GetObjectItemCaseSensitive(recs[i], "lost")) {
			out[i] = attempt_from_record(o, recs[i]);
			continue;
		}
		if (ran && r.interrupted) {
			out[i] = attempt_none("interrupted", "interrupted before this node reported");
			continue;
		}
		if (judge_missing(f, i, recs[i], ran ? NULL : err, o)) {
			failed++;
			out[i] = attempt_none("error", f->nodes[i].reason);
		} else {
			char *why = xasprintf("no result from this node: the launcher ended the job (%s)",
					      ran ? (sup_clean(&r) ? "exited before it reported" : how) : err);

			coll[i] = 1;
			out[i] = attempt_none("error", why);
			free(why);
		}
	}
	if (ran)
		sup_result_release(&r);
	for (i = 0; i < FANOUT_MAX_OUT(f) && i < f->n; i++)
		cJSON_Delete(recs[i]);
	free(recs);
	free(live0);
	plan_launcher_release(&l);
	strv_free(args);
	return failed;
}

/*
 * Nodes whose results were lost only because the launcher ended the job for
 * another node's failure run the attempt once more, alone: the other live
 * nodes are held out of that launch.
 */
size_t fanout_attempt(struct fanout *f, const struct attempt_opts *o, cJSON **out)
{
	char *coll = xcalloc(FANOUT_MAX_OUT(f), 1), *again = NULL;
	cJSON **retry = NULL;
	size_t failed, i, n = 0;

	for (i = 0; i < f->n; i++)
		f->nodes[i].fresh_failure = 0;
	failed = fanout_once(f, o, out, coll);
	for (i = 0; i < f->n; i++)
		n += coll[i];
	if (!n || (o->interrupt && *o->interrupt))
		goto out;
	for (i = 0; i < f->n; i++)
		if (!coll[i] && !strcmp(f->nodes[i].state, "ok"))
			f->nodes[i].state = "held";
	retry = xcalloc(f->n + 1, sizeof(*retry));
	again = xcalloc(f->n + 1, 1);
	failed += fanout_once(f, o, retry, again);
	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->nodes[i].state, "held"))
			f->nodes[i].state = "ok";
		if (!retry[i])
			continue;
		cJSON_Delete(out[i]);
		out[i] = retry[i];
	}
out:
	free(retry);
	free(again);
	free(coll);
	return failed;
}
