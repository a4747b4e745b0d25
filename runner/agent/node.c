/*
 * shakedown-node - the runner's agent on every node of a multi-node plan
 * (suites/README.md "nodes"; runner/fanout.h starts it).
 *
 *   mpirun --map-by ppr:1:node ... shakedown-node --timeout-ms=N [--per-gpu] -- PROBE [--p=v]...
 *   srun --ntasks-per-node=1 ...   shakedown-node --timeout-ms=N [--per-gpu] -- PROBE [--p=v]...
 *   ... shakedown-node --ping
 *
 * One rank per node. Each rank runs the probe as a supervised child (the
 * shared child-process API, probes/lib/supervise.h: timeout, stdout limit, process
 * group kill) with the launcher's rank variables removed, so the probe runs
 * as rank 0 of one on its node, and SHAKEDOWN_NODE set to the node's name.
 * The probe's stderr goes to the agent's stderr, each line prefixed with
 * "[NODE] ", which the launcher forwards to the step's log.
 *
 * Every rank sends rank 0 a record of how its probe ended and what it
 * printed; rank 0 writes one line per node on stdout as each arrives, so a
 * job the launcher aborts half-way (a node died) still leaves the runner
 * every record that came in:
 *
 *   @sdnodes {"size": N, "hosts": ["n0", ...]}          first, from a gather at start
 *   @sdnode {"host": "n0", "rank": 0, "wall_s": 1.2, "exit": {"code": 0, "signal": null},
 *            "stop": null | "timed out after 2s; stopped with SIGTERM", "timed_out": false,
 *            "overflowed": false, "spawn_failed": false, "out": "<the probe's stdout>"}
 *   @sdnode {"host": "n3", "rank": 3, "lost": "no result from this node within 95s"}
 *   @sdnode {"host": "n0", "rank": 0, "gpus": [{"gpu": "0", and the fields above}, ...]}
 *
 * --per-gpu (a probe whose --describe says "per_gpu": true): the rank runs
 * one instance per GPU of its node at once, each with CUDA_VISIBLE_DEVICES
 * and SHAKEDOWN_GPU set to its GPU (runner/pergpu.h), its stderr lines
 * prefixed "[NODE gpu G] ", and sends them as one record with "gpus". A node
 * without GPUs runs one ordinary instance.
 *
 * Rank 0 waits for the others until the probe timeout plus AGENT_SLACK_S
 * after the gather; ranks still missing then are written as lost and the job
 * is ended with MPI_Abort, so a hung node cannot hang the step. --ping sends
 * only the names (a reachability test).
 *
 * The node's name is $SHAKEDOWN_NODE_NAME when set (a site whose scheduler
 * names differ from hostnames; tests that play many nodes on one machine),
 * else gethostname().
 */
#include "parallel.h"
#include "pergpu.h"
#include "results.h"
#include "sanitize.h"
#include "strbuf.h"
#include "supervise.h"
#include "xalloc.h"

#include <cJSON.h>
#include <mpi.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AGENT_SLACK_S 30.0
#define NAME_LEN 256
#define TAG_LEN 11
#define TAG_DATA 12

extern char **environ;

SD_NO_LEAK_CHECK_FOR_MPI; /* Open MPI's own allocations would fail the leak check: sanitize.h */

struct opts {
	uint64_t timeout_ns;
	int ping;
	int per_gpu;	   /* one instance per GPU (pergpu.h) */
	char **probe_argv; /* borrowed from argv */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--timeout-ms=", 13)) {
			o->timeout_ns = strtoull(argv[i] + 13, NULL, 10) * 1000000ULL;
		} else if (!strcmp(argv[i], "--ping")) {
			o->ping = 1;
		} else if (!strcmp(argv[i], "--per-gpu")) {
			o->per_gpu = 1;
		} else if (!strcmp(argv[i], "--") && i + 1 < argc) {
			o->probe_argv = argv + i + 1;
			return 0;
		} else {
			break;
		}
	}
	if (o->ping)
		return 0;
	fprintf(stderr, "usage: shakedown-node --timeout-ms=N [--per-gpu] -- PROBE [ARGS...] | --ping\n");
	return -1;
}

static void node_name(char *buf, size_t len)
{
	const char *e = getenv("SHAKEDOWN_NODE_NAME");

	if (e && *e) {
		snprintf(buf, len, "%s", e);
		return;
	}
	if (gethostname(buf, len - 1))
		snprintf(buf, len, "unknown");
	buf[len - 1] = '\0';
}

/*
 * The launcher's variables, removed from the probe's environment: with them
 * the probe would take itself for one rank of many (and an MPI-linked probe
 * would try to join the agent's job). NULL-terminated; caller frees the array
 * and its strings.
 */
static char **launcher_vars(void)
{
	static const char *const prefixes[] = { "OMPI_",	"PMIX_",	 "PMI_",
						"SLURM_PROCID", "SLURM_LOCALID", "SLURM_STEP_",
						"ORTE_",	"OPAL_",	 NULL };
	char **names = NULL, **e;
	size_t n = 0, i;

	for (e = environ; *e; e++) {
		for (i = 0; prefixes[i] && strncmp(*e, prefixes[i], strlen(prefixes[i])); i++)
			;
		if (!prefixes[i] || !strchr(*e, '='))
			continue;
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrndup(*e, (size_t)(strchr(*e, '=') - *e));
	}
	names = xrealloc(names, (n + 1) * sizeof(*names));
	names[n] = NULL;
	return names;
}

/*
 * The probe's stderr, line by line onto ours with "[NODE] " in front, each
 * line in one write: with one instance per GPU several of these run at once,
 * and a prefix written apart from its line could land inside another's.
 */
struct prefixer {
	int fd;
	const char *name;
};

#define PREFIX_LINE_MAX 4096 /* a longer line is passed on in pieces, each prefixed */

static void put_line(struct strbuf *line)
{
	if (line->len && results_write_all(STDERR_FILENO, line->buf, line->len) < 0) {
		/* the launcher is gone: nowhere left to say it */
	}
	line->len = 0;
}

static void *prefix_lines(void *arg)
{
	struct prefixer *p = arg;
	struct strbuf line = STRBUF_INIT;
	char buf[8192], *nl;
	ssize_t n;
	size_t off, take;

	while ((n = read(p->fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (off = 0; n > 0 && off < (size_t)n; off += take) {
			if (!line.len) {
				strbuf_addstr(&line, "[");
				strbuf_addstr(&line, p->name);
				strbuf_addstr(&line, "] ");
			}
			nl = memchr(buf + off, '\n', (size_t)n - off);
			take = nl ? (size_t)(nl - (buf + off)) + 1 : (size_t)n - off;
			strbuf_add(&line, buf + off, take);
			if (nl || line.len >= PREFIX_LINE_MAX)
				put_line(&line);
		}
	}
	if (line.len) {
		strbuf_addstr(&line, "\n");
		put_line(&line);
	}
	strbuf_release(&line);
	close(p->fd);
	return NULL;
}

/* The probe's stdout as text: NUL bytes (binary garbage) become '?'. */
static char *out_text(const struct sup_result *r)
{
	char *t = xmalloc(r->out_len + 1);
	size_t i;

	for (i = 0; i < r->out_len; i++)
		t[i] = r->out[i] ? r->out[i] : '?';
	t[r->out_len] = '\0';
	return t;
}

/* One instance of the probe; gpu: the one GPU it may see (pergpu.h), or NULL for the whole node. */
static cJSON *run_probe(const struct opts *o, const char *name, int rank, const char *gpu)
{
	char **unset = launcher_vars(), *env_node = xasprintf("SHAKEDOWN_NODE=%s", name), *text;
	char *env_vis = gpu ? xasprintf("CUDA_VISIBLE_DEVICES=%s", gpu) : NULL;
	char *env_gpu = gpu ? xasprintf("SHAKEDOWN_GPU=%s", gpu) : NULL;
	char *label = gpu ? xasprintf("%s gpu %s", name, gpu) : xstrdup(name);
	const char *extra[] = { env_node, env_vis, env_gpu, NULL };
	struct sup_opts so = { .argv = (const char *const *)o->probe_argv,
			       .envp_extra = extra,
			       .env_unset = (const char *const *)unset,
			       .timeout_ns = o->timeout_ns };
	struct sup_result r;
	struct prefixer px = { -1, label };
	pthread_t th;
	int fds[2] = { -1, -1 }, threaded = 0;
	char why[512];
	cJSON *rec = cJSON_CreateObject(), *ex;

	so.stderr_fd = STDERR_FILENO;
	if (!pipe2(fds, O_CLOEXEC)) {
		px.fd = fds[0];
		so.stderr_fd = fds[1];
		threaded = !pthread_create(&th, NULL, prefix_lines, &px);
		if (!threaded)
			close(fds[0]);
	}
	sup_run(&so, &r);
	if (fds[1] >= 0)
		close(fds[1]);
	if (threaded)
		pthread_join(th, NULL);
	cJSON_AddStringToObject(rec, "host", name);
	cJSON_AddNumberToObject(rec, "rank", rank);
	if (gpu)
		cJSON_AddStringToObject(rec, "gpu", gpu);
	cJSON_AddNumberToObject(rec, "wall_s", r.wall_s);
	ex = cJSON_AddObjectToObject(rec, "exit");
	cJSON_AddItemToObject(ex, "code", r.exited ? cJSON_CreateNumber(r.exit_code) : cJSON_CreateNull());
	cJSON_AddItemToObject(ex, "signal", r.signaled ? cJSON_CreateNumber(r.signal) : cJSON_CreateNull());
	cJSON_AddItemToObject(rec, "stop",
			      sup_clean(&r) ? cJSON_CreateNull()
					    : cJSON_CreateString(sup_describe(&r, why, sizeof(why))));
	cJSON_AddBoolToObject(rec, "timed_out", r.timed_out);
	cJSON_AddBoolToObject(rec, "overflowed", r.overflowed);
	cJSON_AddBoolToObject(rec, "spawn_failed", r.spawn_failed || r.abandoned);
	text = out_text(&r);
	cJSON_AddStringToObject(rec, "out", text);
	free(text);
	sup_result_release(&r);
	free(env_node);
	free(env_vis);
	free(env_gpu);
	free(label);
	strv_free(unset);
	return rec;
}

struct gpu_job {
	const struct opts *o;
	const char *name, *gpu;
	int rank;
	cJSON *rec;
};

static void gpu_job_run(void *arg)
{
	struct gpu_job *j = arg;

	j->rec = run_probe(j->o, j->name, j->rank, j->gpu);
}

/*
 * This node's record: the probe's, or with --per-gpu one instance per GPU at
 * once, {"host", "rank", "gpus": [each instance's record, with "gpu"]}
 * (the runner merges them: attempt_from_record). No GPU: one instance.
 */
static cJSON *node_record(const struct opts *o, const char *name, int rank)
{
	size_t n = 0, i;
	char **gpus = o->per_gpu ? pergpu_devices(&n) : NULL;
	struct gpu_job *jobs;
	cJSON *rec, *arr;

	if (!n)
		return run_probe(o, name, rank, NULL);
	jobs = xcalloc(n, sizeof(*jobs));
	for (i = 0; i < n; i++)
		jobs[i] = (struct gpu_job){ .o = o, .name = name, .gpu = gpus[i], .rank = rank };
	parallel_run(jobs, n, sizeof(*jobs), gpu_job_run);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "host", name);
	cJSON_AddNumberToObject(rec, "rank", rank);
	arr = cJSON_AddArrayToObject(rec, "gpus");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, jobs[i].rec);
	free(jobs);
	strv_free(gpus);
	return rec;
}

static void emit(const char *tag, const char *json)
{
	printf("%s %s\n", tag, json);
	fflush(stdout);
}

static void emit_obj(const char *tag, const cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);

	emit(tag, t ? t : "{}");
	free(t);
}

static void emit_lost(const char *names, int rank, double waited)
{
	cJSON *o = cJSON_CreateObject();
	char why[128];

	cJSON_AddStringToObject(o, "host", names + (size_t)rank * NAME_LEN);
	cJSON_AddNumberToObject(o, "rank", rank);
	snprintf(why, sizeof(why), "no result from this node within %.0fs", waited);
	cJSON_AddStringToObject(o, "lost", why);
	emit_obj("@sdnode", o);
	cJSON_Delete(o);
}

/* Rank 0: write the other ranks' records as they arrive, until all are in or the deadline passes. */
static int collect(int size, const char *names, double deadline, double t0)
{
	char *got = xcalloc((size_t)size, 1), *buf;
	int have = 1, flag, src, r;
	uint64_t len;
	MPI_Status st;

	while (have < size && now_s() < deadline) {
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_LEN, MPI_COMM_WORLD, &flag, &st);
		if (!flag) {
			usleep(5000);
			continue;
		}
		src = st.MPI_SOURCE;
		MPI_Recv(&len, 1, MPI_UINT64_T, src, TAG_LEN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		buf = xmalloc(len + 1);
		MPI_Recv(buf, (int)len, MPI_CHAR, src, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		buf[len] = '\0';
		emit("@sdnode", buf);
		free(buf);
		if (!got[src])
			have++;
		got[src] = 1;
	}
	for (r = 1; r < size; r++)
		if (!got[r])
			emit_lost(names, r, now_s() - t0);
	free(got);
	return have == size ? 0 : -1;
}

static void send_record(const cJSON *rec)
{
	char *t = cJSON_PrintUnformatted(rec);
	uint64_t len = strlen(t);

	MPI_Send(&len, 1, MPI_UINT64_T, 0, TAG_LEN, MPI_COMM_WORLD);
	MPI_Send(t, (int)len, MPI_CHAR, 0, TAG_DATA, MPI_COMM_WORLD);
	free(t);
}

static void emit_header(int size, const char *names)
{
	cJSON *o = cJSON_CreateObject(), *h;
	int r;

	cJSON_AddNumberToObject(o, "size", size);
	h = cJSON_AddArrayToObject(o, "hosts");
	for (r = 0; r < size; r++)
		cJSON_AddItemToArray(h, cJSON_CreateString(names + (size_t)r * NAME_LEN));
	emit_obj("@sdnodes", o);
	cJSON_Delete(o);
}

int main(int argc, char **argv)
{
	struct opts o;
	char name[NAME_LEN], *names = NULL;
	int rank, size, rc = 0;
	double t0;
	cJSON *rec = NULL;

	if (parse(argc, argv, &o))
		return 2;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	memset(name, 0, sizeof(name));
	node_name(name, sizeof(name));
	if (rank == 0)
		names = xcalloc((size_t)size, NAME_LEN);
	MPI_Gather(name, NAME_LEN, MPI_CHAR, names, NAME_LEN, MPI_CHAR, 0, MPI_COMM_WORLD);
	t0 = now_s();
	if (rank == 0)
		emit_header(size, names);
	if (o.ping) {
		MPI_Finalize();
		free(names);
		return 0;
	}
	rec = node_record(&o, name, rank);
	if (rank == 0) {
		emit_obj("@sdnode", rec);
		rc = collect(size, names, t0 + (double)o.timeout_ns / 1e9 + AGENT_SLACK_S, t0);
	} else {
		send_record(rec);
	}
	cJSON_Delete(rec);
	free(names);
	if (rc) {
		/* a node is lost: end the whole job rather than wait for it in MPI_Finalize */
		fflush(NULL);
		MPI_Abort(MPI_COMM_WORLD, 3);
	}
	MPI_Finalize();
	return 0;
}
