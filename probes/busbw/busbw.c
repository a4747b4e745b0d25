/*
 * busbw.c - the busbw probe: collective bus bandwidth the way nccl-tests
 * measures it, every result checked, and never a hang.
 *
 * backend mpi: the collectives over MPI on host memory (mpi.c); nccl: one
 * GPU per rank (nccl.c, nccl.cu); auto: nccl when this build has CUDA and a
 * device is present, else mpi. Run it under mpirun/srun for many ranks; run
 * alone it is a singleton MPI job of one rank. Only rank 0's document counts
 * (the probe library prints it); the other ranks send it their figures.
 * The sweep runs in a worker thread (driver.c); this thread is the watchdog.
 * Metrics and formulas: probes/METRICS.md, section `busbw`.
 */
#include "busbw.h"
#include "probe.h"
#include "sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if SD_HAVE_MPI
#include <mpi.h>
#endif

SD_NO_LEAK_CHECK_FOR_MPI; /* Open MPI's own allocations would fail the leak check: sanitize.h */

#define OPS_ALL "all_reduce|all_gather|reduce_scatter|broadcast|reduce|alltoall|sendrecv"
#define ABORT_GRACE_S 5 /* ranks other than 0 wait this long after a timeout, so rank 0's document gets out */

static const struct probe_param params[] = {
	{ .name = "backend",
	  .type = PT_ENUM,
	  .def = "auto",
	  .choices = "mpi|nccl|auto",
	  .help = "mpi: MPI on host memory; nccl: NCCL, one GPU per rank; auto: nccl when a CUDA device is present" },
	{ .name = "ops",
	  .type = PT_LIST,
	  .def = "all_reduce,all_gather,reduce_scatter,broadcast,reduce,alltoall,sendrecv",
	  .choices = OPS_ALL,
	  .help = "collectives to measure (sendrecv: each rank to the next in a ring)" },
	{ .name = "min_bytes", .type = PT_SIZE, .def = "8", .help = "smallest message (nccl-tests -b)" },
	{ .name = "max_bytes", .type = PT_SIZE, .def = "128MiB", .help = "largest message (nccl-tests -e)" },
	{ .name = "step_factor",
	  .type = PT_INT,
	  .def = "2",
	  .help = "each size is the previous one times this (nccl-tests -f; >= 2)" },
	{ .name = "dtype",
	  .type = PT_ENUM,
	  .def = "float",
	  .choices = "float|int32|half|bf16",
	  .help = "element type; half and bf16 with backend nccl only" },
	{ .name = "inplace",
	  .type = PT_ENUM,
	  .def = "both",
	  .choices = "false|true|both",
	  .help = "out-of-place, in-place, or both (where the backend has the mode)" },
	{ .name = "warmup", .type = PT_INT, .def = "5", .help = "untimed operations before each size (0..10000)" },
	{ .name = "iters", .type = PT_INT, .def = "20", .help = "timed operations per size (1..100000)" },
	{ .name = "check", .type = PT_BOOL, .def = "true", .help = "run each size once more and check every element" },
	{ .name = "op_timeout",
	  .type = PT_DURATION,
	  .def = "60s",
	  .help = "an operation that takes longer ends the probe: status error, reason timeout" },
	{ .name = "busbw_min_bytes",
	  .type = PT_SIZE,
	  .def = "1MiB",
	  .help = "<op>_busbw_avg averages the sizes from this one up" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ "time", "s", "lower", "seconds per operation, the slowest rank's mean over iters {op,size,inplace}" },
	{ "algbw", "B/s", "higher", "size / time {op,size,inplace}" },
	{ "busbw", "B/s", "higher", "algbw x the collective's factor (nccl-tests) {op,size,inplace}" },
	{ "wrong", "count", "lower", "result elements that differ from the exact answer, all ranks {op,size,inplace}" },
	{ "<op>_busbw", "B/s", "higher", "busbw at the largest size (out-of-place where measured)" },
	{ "<op>_busbw_avg", "B/s", "higher", "mean busbw over the sizes >= busbw_min_bytes" },
	{ "<op>_latency", "s", "lower", "time at the smallest size" },
	{ "wrong_elements", "count", "lower", "wrong result elements, every collective, size and rank" },
	{ "timeouts", "count", "lower", "operations that outlasted op_timeout (the probe stops at the first)" },
	{ NULL },
};

static int parse_opts(struct probe_ctx *ctx, struct busbw_opts *o)
{
	const char *inplace = probe_str(ctx, "inplace");
	long long f = probe_int(ctx, "step_factor");
	size_t i;

	o->nops = (int)probe_list_len(ctx, "ops");
	for (i = 0; i < (size_t)o->nops; i++)
		o->ops[i] = busbw_op_parse(probe_list_item(ctx, "ops", i));
	o->dt = (enum busbw_dtype)busbw_dtype_parse(probe_str(ctx, "dtype"));
	o->nmodes = 0;
	if (strcmp(inplace, "true"))
		o->modes[o->nmodes++] = 0;
	if (strcmp(inplace, "false"))
		o->modes[o->nmodes++] = 1;
	o->warmup = (int)probe_int(ctx, "warmup");
	o->iters = (int)probe_int(ctx, "iters");
	o->check = probe_bool(ctx, "check");
	o->timeout = (double)probe_duration_ns(ctx, "op_timeout") / 1e9;
	if (o->nops < 1 || o->nops > BUSBW_NOPS)
		return probe_error(ctx, "ops must list 1..%d collectives", BUSBW_NOPS);
	if (f < 2 || f > 1024)
		return probe_error(ctx, "step_factor must be 2..1024, not %lld", f);
	if (probe_int(ctx, "warmup") < 0 || probe_int(ctx, "warmup") > 10000)
		return probe_error(ctx, "warmup must be 0..10000, not %lld", probe_int(ctx, "warmup"));
	if (probe_int(ctx, "iters") < 1 || probe_int(ctx, "iters") > 100000)
		return probe_error(ctx, "iters must be 1..100000, not %lld", probe_int(ctx, "iters"));
	if (!(o->timeout > 0))
		return probe_error(ctx, "op_timeout must be more than 0s");
	o->nsizes = busbw_sweep(probe_size(ctx, "min_bytes"), probe_size(ctx, "max_bytes"), (unsigned)f, o->sizes,
				BUSBW_MAX_SIZES);
	if (!o->nsizes)
		return probe_error(ctx, "min_bytes must be at least 1 and at most max_bytes");
	if (o->sizes[o->nsizes - 1] < probe_size(ctx, "max_bytes") && o->nsizes == BUSBW_MAX_SIZES)
		return probe_error(ctx, "the sweep has more than %d sizes: raise step_factor", BUSBW_MAX_SIZES);
	return 0;
}

/*
 * The backend asked for, or 1 with the skip already recorded, or -1 on an
 * error. auto: nccl when busbw_nccl_usable says so (a CUDA build with a
 * device), else mpi, with a log line saying which and why.
 */
static int pick_backend(struct probe_ctx *ctx, const struct busbw_opts *o, const struct busbw_backend **be)
{
	const char *want = probe_str(ctx, "backend");
	char why[256] = "";
	int gpu = strcmp(want, "mpi") && busbw_nccl_usable(why, sizeof(why));

	if (!strcmp(want, "nccl") && !gpu) {
		probe_skip(ctx, "%s", why);
		return 1;
	}
#if SD_HAVE_CUDA && SD_HAVE_MPI
	if (gpu) {
		if (!strcmp(want, "auto"))
			probe_log(ctx, "backend nccl (%s)", why);
		*be = &busbw_nccl;
		return 0;
	}
#endif
	if (!strcmp(want, "auto"))
		probe_log(ctx, "backend mpi (%s)", why[0] ? why : "no GPU backend");
	if (o->dt == BUSBW_HALF || o->dt == BUSBW_BF16)
		return probe_error(ctx, "dtype %s needs backend nccl", busbw_dtype_name(o->dt));
#if SD_HAVE_MPI
	*be = &busbw_mpi;
	return 0;
#else
	(void)be;
	return probe_error(ctx, "this build has no MPI (make MPI=yes)");
#endif
}

#if SD_HAVE_MPI
static volatile int abort_job; /* set on a timeout: abort the MPI job once the document is out */
static int my_rank;

static void abort_at_exit(void)
{
	if (!abort_job)
		return;
	fflush(stdout);
	if (my_rank != 0)
		sleep(ABORT_GRACE_S);
	MPI_Abort(MPI_COMM_WORLD, 1);
}

static void label3(struct probe_metric *m, const struct busbw_record *r)
{
	char size[32];

	snprintf(size, sizeof(size), "%llu", (unsigned long long)r->bytes);
	probe_metric_label(m, "op", busbw_op_name(r->op));
	probe_metric_label(m, "size", size);
	probe_metric_label(m, "inplace", r->inplace ? "true" : "false");
}

/* The records of one op for its summaries: out-of-place where measured, else in-place. */
static int summary_mode(const struct busbw_job *j, enum busbw_op op)
{
	size_t i;

	for (i = 0; i < j->nrec; i++)
		if (j->rec[i].op == op && !j->rec[i].inplace)
			return 0;
	return 1;
}

static void report_op(struct probe_ctx *ctx, const struct busbw_job *j, enum busbw_op op, uint64_t avg_from)
{
	const struct busbw_record *first = NULL, *last = NULL;
	double f = busbw_factor(op, j->nranks), sum = 0;
	int mode = summary_mode(j, op), n = 0;
	struct probe_series *s = NULL;
	char name[64];
	size_t i;

	for (i = 0; i < j->nrec; i++) {
		const struct busbw_record *r = &j->rec[i];
		if (r->op != op || r->inplace != mode || !(r->time > 0))
			continue;
		if (!s) {
			s = probe_series_xy(ctx, "busbw", "B/s", "B");
			probe_series_label(s, "op", busbw_op_name(op));
			probe_series_label(s, "inplace", mode ? "true" : "false");
			probe_series_draw(s, 1, 0);
		}
		probe_series_add(s, (double)r->bytes, (double)r->bytes / r->time * f);
		first = first ? first : r;
		last = r;
		if (r->bytes >= avg_from) {
			sum += (double)r->bytes / r->time * f;
			n++;
		}
	}
	if (!last)
		return;
	if (!n) {
		sum = (double)last->bytes / last->time * f;
		n = 1;
	}
	snprintf(name, sizeof(name), "%s_busbw", busbw_op_name(op));
	probe_metric_set(ctx, name, "B/s", "higher", (double)last->bytes / last->time * f);
	snprintf(name, sizeof(name), "%s_busbw_avg", busbw_op_name(op));
	probe_metric_set(ctx, name, "B/s", "higher", sum / n);
	snprintf(name, sizeof(name), "%s_latency", busbw_op_name(op));
	probe_metric_set(ctx, name, "s", "lower", first->time);
}

/* Rank 0: every record, the summaries, the verdict on wrong results. */
static void report(struct probe_ctx *ctx, const struct busbw_job *j, int timeouts)
{
	uint64_t wrong = 0;
	size_t i;
	int op;

	for (i = 0; i < j->nrec; i++) {
		const struct busbw_record *r = &j->rec[i];
		double f = busbw_factor(r->op, j->nranks), alg = r->time > 0 ? (double)r->bytes / r->time : 0;
		label3(probe_metric_set(ctx, "time", "s", "lower", r->time), r);
		label3(probe_metric_set(ctx, "algbw", "B/s", "higher", alg), r);
		label3(probe_metric_set(ctx, "busbw", "B/s", "higher", alg * f), r);
		label3(probe_metric_set(ctx, "wrong", "count", "lower", (double)r->wrong), r);
		wrong += r->wrong;
	}
	for (op = 0; op < BUSBW_NOPS; op++)
		report_op(ctx, j, (enum busbw_op)op, probe_size(ctx, "busbw_min_bytes"));
	probe_metric_set(ctx, "wrong_elements", "count", "lower", (double)wrong);
	probe_metric_set(ctx, "timeouts", "count", "lower", timeouts);
	if (wrong)
		probe_fail(ctx, "%llu result elements held wrong values after the collectives",
			   (unsigned long long)wrong);
}

static void add_env(struct probe_ctx *ctx, const struct busbw_job *j)
{
	cJSON *env = probe_env(ctx);
	const char *v = j->be->version ? j->be->version() : NULL;
	char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
	int n = 0;

	if (MPI_Get_library_version(lib, &n) == MPI_SUCCESS) {
		lib[strcspn(lib, "\n,")] = 0;
		cJSON_AddStringToObject(env, "mpi_library", lib);
	}
	cJSON_AddStringToObject(env, "backend", j->be->name);
	cJSON_AddNumberToObject(env, "ranks", j->nranks);
	cJSON_AddNumberToObject(env, "nodes", j->nodes);
	if (v)
		cJSON_AddStringToObject(env, "nccl_version", v);
	cJSON_AddStringToObject(env, "time_combined", "max over ranks of each rank's mean seconds per operation");
	cJSON_AddStringToObject(env, "dtype", busbw_dtype_name(j->o->dt));
}

/* "1,3" for the ranks whose last handshake is older than the current one; "" when none or unknown. */
static void late_ranks(const struct busbw_job *j, char *buf, size_t len)
{
	size_t used = 0;
	int r;

	buf[0] = 0;
	for (r = 0; j->arrived && r < j->nranks && used + 16 < len; r++)
		if (j->arrived[r] < j->step)
			used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", r);
}

static void timeout_reason(struct probe_ctx *ctx, const struct busbw_job *j, enum busbw_phase phase)
{
	char late[512];

	late_ranks(j, late, sizeof(late));
	if (phase == BUSBW_SETUP)
		probe_error(ctx, "timeout: setup (%s) did not complete within %gs",
			    strcmp(j->be->name, "nccl") ? "gathering host names" : "host names, NCCL communicator",
			    j->o->timeout);
	else if (j->rank != 0)
		probe_error(ctx, "timeout: %s at %llu B did not complete within %gs; ranks late: unknown on rank %d",
			    busbw_op_name(j->cur.op), (unsigned long long)j->cur.bytes, j->o->timeout, j->rank);
	else if (phase == BUSBW_HANDSHAKE)
		probe_error(ctx, "timeout: %s at %llu B did not complete within %gs; ranks late: %s",
			    busbw_op_name(j->cur.op), (unsigned long long)j->cur.bytes, j->o->timeout,
			    late[0] ? late : "none");
	else
		probe_error(ctx,
			    "timeout: %s at %llu B did not complete within %gs; ranks late: none (every rank "
			    "entered it)",
			    busbw_op_name(j->cur.op), (unsigned long long)j->cur.bytes, j->o->timeout);
}

/* Wait for the worker; 1 when an operation outlasted the timeout (phase in *ph), 0 when it finished. */
static int watchdog(struct busbw_job *j, enum busbw_phase *ph)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int over;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		over = j->phase != BUSBW_IDLE && probe_now() - j->since > j->o->timeout;
		*ph = j->phase;
		if (j->done || over) {
			pthread_mutex_unlock(&j->mu);
			return j->done ? (j->rc == BUSBW_TIMEOUT) : 1;
		}
		pthread_mutex_unlock(&j->mu);
		nanosleep(&ts, NULL);
	}
}

/* After a timeout the worker may still be inside MPI, so its job is left allocated (the job is aborted). */
static int run_job(struct probe_ctx *ctx, struct busbw_opts *o, const struct busbw_backend *be)
{
	struct busbw_job *j = calloc(1, sizeof(*j));
	enum busbw_phase ph = BUSBW_IDLE;
	pthread_t th;
	int prov = 0, rc = 0, timed_out;

	if (!j)
		return probe_error(ctx, "out of memory");
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &prov) != MPI_SUCCESS) {
		free(j);
		return probe_error(ctx, "MPI_Init_thread failed");
	}
	if (prov < MPI_THREAD_MULTIPLE)
		probe_log(ctx,
			  "the MPI library gives thread level %d, not MPI_THREAD_MULTIPLE: a timeout may not "
			  "abort cleanly",
			  prov);
	atexit(abort_at_exit);
	j->o = o;
	j->be = be;
	MPI_Comm_rank(MPI_COMM_WORLD, &j->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &j->nranks);
	my_rank = j->rank;
	pthread_mutex_init(&j->mu, NULL);
	j->arrived = calloc((size_t)j->nranks, sizeof(*j->arrived));
	j->rec = calloc((size_t)o->nops * 2 * o->nsizes, sizeof(*j->rec));
	if (!j->arrived || !j->rec) {
		rc = probe_error(ctx, "out of memory");
		goto out;
	}
	o->corrupt = probe_fault(ctx, "corrupt");
	o->stall = probe_fault(ctx, "stall");
	o->slow = probe_fault(ctx, "slow");
	if (pthread_create(&th, NULL, busbw_worker, j)) {
		rc = probe_error(ctx, "cannot start the worker thread");
		goto out;
	}
	timed_out = watchdog(j, &ph);
	pthread_mutex_lock(&j->mu);
	add_env(ctx, j);
	if (j->rank == 0)
		report(ctx, j, timed_out);
	if (timed_out) {
		timeout_reason(ctx, j, ph);
		abort_job = 1;
		if (j->done)
			be->close(j, 1);
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	pthread_mutex_unlock(&j->mu);
	pthread_join(th, NULL);
	if (j->rc)
		rc = probe_error(ctx, "%s", j->err);
	be->close(j, 0);
out:
	free(j->arrived);
	free(j->rec);
	pthread_mutex_destroy(&j->mu);
	free(j);
	MPI_Finalize();
	return rc;
}
#endif

static int run(struct probe_ctx *ctx)
{
	const struct busbw_backend *be = NULL;
	struct busbw_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	if (parse_opts(ctx, &o))
		return -1;
	if ((rc = pick_backend(ctx, &o, &be)))
		return rc < 0 ? -1 : 0;
#if SD_HAVE_MPI
	return run_job(ctx, &o, be);
#else
	return probe_error(ctx, "this build has no MPI (make MPI=yes)");
#endif
}

const struct probe_ops probe_ops = {
	.name = "busbw",
	.version = "1.0.0",
	.description = "collective bus bandwidth (nccl-tests maths) over NCCL or MPI, every result checked, "
		       "a watchdog on every operation",
	.params = params,
	.metrics = metrics,
	.run = run,
};
