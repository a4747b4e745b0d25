/*
 * storage.c - the storage probe: throughput, IOPS, latency and metadata rate
 * of a filesystem, safe by construction. It writes only inside a fresh work
 * directory it creates under `path` (safety.h) and removes it on success, on
 * error and on SIGTERM/SIGINT. Data path: engine.h (io_uring or a pread/pwrite
 * pool); verification: pattern.h; metadata: meta.h.
 * Metrics and formulas: probes/METRICS.md, section `storage`.
 */
#include "engine.h"
#include "meta.h"
#include "pattern.h"
#include "probe.h"
#include "sanitize.h"
#include "safety.h"
#include "stats.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#if SD_HAVE_MPI
#include <mpi.h>
#endif

SD_NO_LEAK_CHECK_FOR_MPI; /* Open MPI's own allocations would fail the leak check: sanitize.h */

static const struct probe_param params[] = {
	{ .name = "path",
	  .type = PT_STRING,
	  .required = 1,
	  .help = "target directory (the probe works in a fresh subdirectory)" },
	{ .name = "workloads",
	  .type = PT_LIST,
	  .def = "seqwrite,seqread,randread,fsync,meta",
	  .choices = "seqwrite|seqread|randread|fsync|meta",
	  .help = "what to measure, in this order whatever the order given" },
	{ .name = "size", .type = PT_SIZE, .def = "1GiB", .help = "bytes per data file (a multiple of bs)" },
	{ .name = "jobs", .type = PT_INT, .def = "4", .help = "data files, each with its own worker; meta threads" },
	{ .name = "bs",
	  .type = PT_SIZE,
	  .def = "1MiB",
	  .help = "block size of seqwrite and seqread (a multiple of 4 KiB)" },
	{ .name = "qd", .type = PT_INT, .def = "16", .help = "I/Os in flight per file, seqwrite and seqread" },
	{ .name = "rand_bs", .type = PT_SIZE, .def = "4KiB", .help = "block size of randread (a multiple of 4 KiB)" },
	{ .name = "rand_qd", .type = PT_INT, .def = "32", .help = "I/Os in flight per file, randread" },
	{ .name = "rand_ios", .type = PT_INT, .def = "200000", .help = "random reads in all (bounded by runtime too)" },
	{ .name = "runtime", .type = PT_DURATION, .def = "60s", .help = "time bound of randread and of fsync" },
	{ .name = "fsync_ios",
	  .type = PT_INT,
	  .def = "200",
	  .help = "4 KiB write + fsync pairs (bounded by runtime too)" },
	{ .name = "meta_files", .type = PT_INT, .def = "10000", .help = "small files of the meta workload, in all" },
	{ .name = "direct",
	  .type = PT_BOOL,
	  .def = "true",
	  .help = "O_DIRECT; buffered (labelled direct=false) where refused" },
	{ .name = "engine",
	  .type = PT_ENUM,
	  .def = "auto",
	  .choices = "auto|io_uring|psync",
	  .help = "auto: io_uring where it works, else psync (pread/pwrite threads)" },
	{ .name = "verify", .type = PT_BOOL, .def = "true", .help = "verify every 4 KiB sector read back" },
	{ .name = "preallocate",
	  .type = PT_BOOL,
	  .def = "false",
	  .help = "allocate data files (fallocate) before the timed seqwrite, as fio's default does; false: "
		  "seqwrite writes new empty files, as a checkpoint writer does" },
	{ .name = "reserve",
	  .type = PT_SIZE,
	  .def = "512MiB",
	  .help = "free space that must remain after the probe's data" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ "seqwrite_bw", "B/s", "higher",
	  "sequential write, jobs x size bytes / timed I/O (set-up excluded) {direct=false when buffered}" },
	{ "seqread_bw", "B/s", "higher", "sequential read, jobs x size bytes / timed I/O (set-up excluded) {direct}" },
	{ "randread_iops", "IOPS", "higher", "random reads completed / timed I/O (set-up excluded) {direct}" },
	{ "randread_lat_p50", "s", "lower", "random read latency, submit to completion, median {direct}" },
	{ "randread_lat_p90", "s", "lower", "random read latency, 90th percentile {direct}" },
	{ "randread_lat_p99", "s", "lower", "random read latency, 99th percentile {direct}" },
	{ "randread_lat_p999", "s", "lower", "random read latency, 99.9th percentile {direct}" },
	{ "fsync_lat_p50", "s", "lower", "4 KiB write + fsync latency, median {direct}" },
	{ "fsync_lat_p99", "s", "lower", "4 KiB write + fsync latency, 99th percentile {direct}" },
	{ "fsync_lat_p999", "s", "lower", "4 KiB write + fsync latency, 99.9th percentile {direct}" },
	{ "fsync_iops", "IOPS", "higher", "write + fsync pairs / wall time {direct}" },
	{ "meta_create_rate", "ops/s", "higher", "files created (open O_CREAT|O_EXCL, write 4 KiB, close) / s" },
	{ "meta_stat_rate", "ops/s", "higher", "stat calls / s" },
	{ "meta_read_rate", "ops/s", "higher", "open + read 4 KiB + close / s" },
	{ "meta_unlink_rate", "ops/s", "higher", "unlink calls / s" },
	{ "data_mismatch", "count", "lower", "4 KiB sectors read back that failed verification; any fails the probe" },
	{ NULL },
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

#define MAX_JOBS 256

/*
 * What one process (MPI rank) measured, kept until the end: rank 0 gathers
 * every rank's and reports the aggregates and, launched on many ranks, the
 * per-rank figures (METRICS.md, section `storage`, "Under MPI"). A time of 0:
 * the workload did not run (or did not finish) on this rank.
 */
struct fig {
	double seq_bytes[2], seq_s[2]; /* [0] seqwrite, [1] seqread */
	double rand_ios, rand_s, fsync_ios, fsync_s;
	double meta_ops[META_PHASES], meta_s[META_PHASES];
	double p99[2]; /* this rank's randread, fsync latency p99 */
	uint64_t mismatches, nlat[2];
	int direct, interrupted;
	char host[256];
	char first_bad[1024];
	char error[1536]; /* the first error that stopped this rank */
};

struct storage {
	struct probe_ctx *ctx;
	const char *path;
	char host[256], name[256];
	int parentfd, dirfd;
	int direct; /* in effect */
	enum engine_kind engine;
	unsigned uring_setup; /* engine_uring_setups index that works here */
	uint64_t seed;
	struct pattern pat; /* of seed */
	unsigned jobs;
	struct engine_file files[MAX_JOBS];
	char fnames[MAX_JOBS][32];
	int files_written;
	atomic_int corrupt;
	uint64_t mismatches;
	char first_bad[1024];
	char error[1536]; /* first error that stops the run */
	int rank, nranks, mpi;
	struct fig fig; /* this rank's figures */
	double *lat[2]; /* sorted latency samples: randread, fsync (owned) */
	size_t nlat[2];
};

/* Record the first error that stops the run (reported at the end, with the rank under MPI); returns -1. */
__attribute__((format(printf, 2, 3))) static int serr(struct storage *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

static int want(struct probe_ctx *ctx, const char *w)
{
	size_t i, n = probe_list_len(ctx, "workloads");

	for (i = 0; i < n; i++)
		if (!strcmp(probe_list_item(ctx, "workloads", i), w))
			return 1;
	return 0;
}

/* A metric of the data path: labelled direct=false when it went through the page cache. */
static void data_metric(struct storage *s, const char *name, const char *unit, const char *better, double v)
{
	struct probe_metric *m = probe_metric_set(s->ctx, name, unit, better, v);

	if (!s->direct)
		probe_metric_label(m, "direct", "false");
}

static void note_bad(struct storage *s, const struct pattern_bad *bad, const char *file)
{
	if (!bad->count)
		return;
	if (!s->mismatches)
		snprintf(s->first_bad, sizeof(s->first_bad), "'%s/%s' at offset %" PRIu64 " (%s)", s->name, file,
			 bad->offset, pattern_why_names[bad->why]);
	s->mismatches += bad->count;
}

static int check_params(struct probe_ctx *ctx)
{
	uint64_t size = probe_size(ctx, "size"), bs = probe_size(ctx, "bs"), rbs = probe_size(ctx, "rand_bs");

	if (probe_list_len(ctx, "workloads") == 0)
		return probe_error(ctx, "workloads is empty");
	if (probe_int(ctx, "jobs") < 1 || probe_int(ctx, "jobs") > MAX_JOBS)
		return probe_error(ctx, "jobs must be 1..%d, not %lld", MAX_JOBS, probe_int(ctx, "jobs"));
	if (!bs || bs % PATTERN_SECTOR || bs > (64u << 20))
		return probe_error(ctx, "bs must be a multiple of 4 KiB up to 64 MiB, not %" PRIu64, bs);
	if (!rbs || rbs % PATTERN_SECTOR || rbs > bs)
		return probe_error(ctx, "rand_bs must be a multiple of 4 KiB no larger than bs, not %" PRIu64, rbs);
	if (!size || size % bs)
		return probe_error(ctx, "size must be a positive multiple of bs (%" PRIu64 "), not %" PRIu64, bs, size);
	if (probe_int(ctx, "qd") < 1 || probe_int(ctx, "qd") > 1024 || probe_int(ctx, "rand_qd") < 1 ||
	    probe_int(ctx, "rand_qd") > 1024)
		return probe_error(ctx, "qd and rand_qd must be 1..1024");
	if (probe_int(ctx, "rand_ios") < 1 || probe_int(ctx, "fsync_ios") < 1 || probe_int(ctx, "meta_files") < 1)
		return probe_error(ctx, "rand_ios, fsync_ios and meta_files must be at least 1");
	return 0;
}

static int data_workloads(struct probe_ctx *ctx)
{
	return want(ctx, "seqwrite") || want(ctx, "seqread") || want(ctx, "randread");
}

/* Free space (and inodes) for everything the workloads will write, checked before writing anything. */
static int check_space(struct storage *s)
{
	struct probe_ctx *ctx = s->ctx;
	struct safety_space sp = {
		.data_bytes = data_workloads(ctx) ? s->jobs * probe_size(ctx, "size") : 0,
		.fsync_bytes = want(ctx, "fsync") ? (uint64_t)probe_int(ctx, "fsync_ios") * PATTERN_SECTOR : 0,
		.meta_files = want(ctx, "meta") ? (uint64_t)probe_int(ctx, "meta_files") : 0,
		.reserve = probe_size(ctx, "reserve"),
	};
	uint64_t need = safety_space_needed(&sp), avail;
	cJSON *env = cJSON_AddObjectToObject(probe_env(ctx), "space");
	struct statvfs v;

	if (statvfs(s->path, &v) < 0)
		return serr(s, "cannot statvfs '%s': %s", s->path, strerror(errno));
	avail = (uint64_t)v.f_bavail * v.f_frsize;
	cJSON_AddNumberToObject(env, "available", (double)avail);
	cJSON_AddNumberToObject(env, "needed", (double)need);
	if (probe_fault(ctx, "skip_space_check"))
		return 0;
	if (avail < need)
		return probe_error(ctx,
				   "not enough free space in '%s': %" PRIu64 " bytes available, %" PRIu64
				   " needed (data %" PRIu64 " + fsync %" PRIu64 " + meta %" PRIu64 " + reserve %" PRIu64
				   "); nothing written",
				   s->path, avail, need, sp.data_bytes, sp.fsync_bytes,
				   sp.meta_files * SAFETY_META_FILE_COST, sp.reserve);
	if (v.f_files && sp.meta_files && (uint64_t)v.f_favail < sp.meta_files + 1024)
		return serr(s, "not enough free inodes in '%s': %" PRIu64 " available, %" PRIu64 " needed", s->path,
			    (uint64_t)v.f_favail, sp.meta_files + 1024);
	return 0;
}

static void log_sweep(void *arg, const char *name, const char *what)
{
	probe_log(arg, "found '%s' in the target: %s", name, what);
}

/* mkdir the fresh work directory and its marker; everything else is created inside it. */
static int make_workdir(struct storage *s)
{
	char marker[512];
	uint32_t rnd;
	ssize_t n;
	int fd;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)pattern_mix((uint64_t)time(NULL) ^ (uint64_t)getpid());
	safety_dirname(s->name, sizeof(s->name), s->host, (long)getpid(), rnd);
	if (mkdirat(s->parentfd, s->name, 0700) < 0)
		return serr(s, "cannot create work directory '%s' in '%s': %s", s->name, s->path, strerror(errno));
	s->dirfd = openat(s->parentfd, s->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0)
		return serr(s, "cannot open work directory '%s': %s", s->name, strerror(errno));
	safety_marker_text(marker, sizeof(marker), s->host, (long)getpid());
	fd = openat(s->dirfd, SAFETY_MARKER, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	n = fd < 0 ? -1 : write(fd, marker, strlen(marker));
	if (fd < 0 || n != (ssize_t)strlen(marker) || close(fd) < 0)
		return serr(s, "cannot write the marker in '%s/%s': %s", s->path, s->name,
			    strerror(errno ? errno : ENOSPC));
	probe_log(s->ctx, "work directory '%s/%s'", s->path, s->name);
	cJSON_AddStringToObject(probe_env(s->ctx), "workdir", s->name);
	return 0;
}

/* Create the data files; O_DIRECT refused (EINVAL) falls back to buffered, said in the log and env. */
static int open_files(struct storage *s, uint64_t size)
{
	int prealloc = probe_bool(s->ctx, "preallocate");
	unsigned i;

	for (i = 0; i < s->jobs; i++) {
		int flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | (s->direct ? O_DIRECT : 0);

		snprintf(s->fnames[i], sizeof(s->fnames[i]), "data.%u", i);
		s->files[i] = (struct engine_file){ .fd = -1, .name = s->fnames[i], .id = i, .size = size };
		s->files[i].fd = openat(s->dirfd, s->fnames[i], flags, 0600);
		if (s->files[i].fd < 0 && errno == EINVAL && s->direct) {
			probe_log(s->ctx,
				  "O_DIRECT refused on '%s' (EINVAL): buffered I/O, metrics labelled direct=false "
				  "(they measure the page cache, not the storage)",
				  s->path);
			cJSON_AddStringToObject(probe_env(s->ctx), "direct_refused",
						"O_DIRECT open failed with EINVAL");
			s->direct = 0;
			i--;
			continue;
		}
		if (s->files[i].fd < 0)
			return serr(s, "cannot create '%s/%s/%s': %s", s->path, s->name, s->fnames[i], strerror(errno));
		/*
		 * preallocate: allocated up front, untimed, as fio does (fallocate=native), so the writes
		 * neither allocate nor extend the file. Best effort: where it fails (unsupported, ENOSPC) the
		 * file is emptied again and the writes themselves meet the error, named by offset.
		 */
		if (prealloc && fallocate(s->files[i].fd, 0, 0, (off_t)size) < 0 && ftruncate(s->files[i].fd, 0) < 0)
			return serr(s, "cannot truncate '%s/%s/%s': %s", s->path, s->name, s->fnames[i],
				    strerror(errno));
	}
	return 0;
}

static void close_files(struct storage *s)
{
	unsigned i;

	for (i = 0; i < s->jobs; i++)
		if (s->files[i].fd >= 0) {
			close(s->files[i].fd);
			s->files[i].fd = -1;
		}
}

/* Errors of one engine run: the first, named by file and offset, stops the probe. */
static int engine_errors(struct storage *s, struct engine_result *r, const char *what)
{
	unsigned i;

	for (i = 0; i < s->jobs; i++) {
		note_bad(s, &r[i].bad, s->fnames[i]);
		if (r[i].err && !s->error[0])
			snprintf(s->error, sizeof(s->error), "%s: %s '%s/%s' at offset %" PRIu64 ": %s", what,
				 r[i].err_what, s->name, s->fnames[i], r[i].err_offset, strerror(r[i].err));
	}
	return s->error[0] || interrupted ? -1 : 0;
}

static double sum_bytes(struct storage *s, struct engine_result *r, uint64_t *ios)
{
	double b = 0;
	unsigned i;

	*ios = 0;
	for (i = 0; i < s->jobs; i++) {
		b += (double)r[i].bytes;
		*ios += r[i].ios;
	}
	return b;
}

static int fsync_all(struct storage *s)
{
	unsigned i;

	for (i = 0; i < s->jobs; i++)
		if (fsync(s->files[i].fd) < 0) {
			snprintf(s->error, sizeof(s->error), "fsync '%s/%s': %s", s->name, s->fnames[i],
				 strerror(errno));
			return -1;
		}
	return 0;
}

/* seqwrite (or the untimed layout for reads), seqread: bytes / wall time. */
static int run_seq(struct storage *s, enum engine_op op, int report)
{
	struct probe_ctx *ctx = s->ctx;
	struct engine_job job = {
		.kind = s->engine,
		.uring_setup = s->uring_setup,
		.op = op,
		.bs = (unsigned)probe_size(ctx, "bs"),
		.qd = (unsigned)probe_int(ctx, "qd"),
		.nios = probe_size(ctx, "size") / probe_size(ctx, "bs"),
		.verify = probe_bool(ctx, "verify"),
		.seed = s->seed,
		.pat = &s->pat,
		.interrupt = &interrupted,
		.corrupt_once = &s->corrupt,
	};
	struct engine_result r[MAX_JOBS];
	uint64_t ios;
	double dt, bytes, t_end;

	memset(r, 0, sizeof(r));
	if (engine_run(&job, s->files, r, s->jobs) < 0) {
		snprintf(s->error, sizeof(s->error), "cannot start I/O workers: %s", strerror(errno));
		return -1;
	}
	if (engine_errors(s, r, op == OP_SEQWRITE ? "seqwrite" : "seqread") < 0)
		return -1;
	/* timed: from the engine's start gate to the last completion (engine.h, "Timing") */
	t_end = job.t_end;
	/*
	 * Writes end with an fsync of every file: buffered, it is timed, so the figure is write-back, not the
	 * page cache; direct, it is not (fio's end_fsync=0), but it still runs, so the written extents are
	 * committed and the device has written back its cache before the reads start: a read phase timed
	 * while the device still digests 2 GiB of writes measures the writes' tail, not reads.
	 */
	if (op == OP_SEQWRITE) {
		double t_sync = probe_now();

		if (fsync_all(s) < 0)
			return -1;
		if (!s->direct)
			t_end = probe_now();
		else
			probe_log(ctx, "%s: fsync after the timed writes %.3f s (untimed)",
				  report ? "seqwrite" : "layout", probe_now() - t_sync);
	}
	dt = t_end - job.t_start;
	if (op == OP_SEQWRITE)
		s->files_written = 1;
	bytes = sum_bytes(s, r, &ios);
	if (report && dt > 0) {
		s->fig.seq_bytes[op == OP_SEQREAD] = bytes;
		s->fig.seq_s[op == OP_SEQREAD] = dt;
	}
	probe_log(ctx, "%s: %.0f bytes in %.3f s%s (set-up before the timed I/O %.3f s)",
		  op == OP_SEQWRITE ? (report ? "seqwrite" : "layout") : "seqread", bytes, dt,
		  s->direct ? "" : " (buffered)", job.setup_s);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Keep a workload's samples (sorted) for the report; takes *lat over. */
static void keep_latencies(struct storage *s, int k, double **lat, size_t n)
{
	qsort(*lat, n, sizeof(**lat), cmp_double);
	s->lat[k] = *lat;
	s->nlat[k] = n;
	s->fig.nlat[k] = n;
	s->fig.p99[k] = stats_percentile(*lat, n, 99);
	*lat = NULL;
}

static void latency_metrics(struct storage *s, const char *prefix, double *lat, size_t n, int p90)
{
	static const struct {
		const char *suffix;
		double p;
	} pct[] = { { "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p999", 99.9 } };
	char name[64];
	size_t i;

	if (!n)
		return;
	for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
		if (pct[i].p == 90 && !p90)
			continue;
		snprintf(name, sizeof(name), "%s_lat_%s", prefix, pct[i].suffix);
		data_metric(s, name, "s", "lower", stats_percentile(lat, n, pct[i].p));
	}
}

static int run_randread(struct storage *s)
{
	struct probe_ctx *ctx = s->ctx;
	uint64_t total = (uint64_t)probe_int(ctx, "rand_ios"), per = (total + s->jobs - 1) / s->jobs, ios;
	struct engine_job job = {
		.kind = s->engine,
		.uring_setup = s->uring_setup,
		.op = OP_RANDREAD,
		.bs = (unsigned)probe_size(ctx, "rand_bs"),
		.qd = (unsigned)probe_int(ctx, "rand_qd"),
		.nios = per,
		.verify = probe_bool(ctx, "verify"),
		.seed = s->seed,
		.pat = &s->pat,
		.interrupt = &interrupted,
		.corrupt_once = &s->corrupt,
	};
	struct engine_result r[MAX_JOBS];
	double *lat = calloc(per * s->jobs, sizeof(*lat)), dt;
	size_t n = 0;
	unsigned i;
	int rc = -1;

	if (!lat) {
		snprintf(s->error, sizeof(s->error), "cannot allocate %" PRIu64 " latency samples", per * s->jobs);
		return -1;
	}
	memset(r, 0, sizeof(r));
	for (i = 0; i < s->jobs; i++)
		r[i].lat = lat + (size_t)i * per;
	job.runtime = (double)probe_duration_ns(ctx, "runtime") * 1e-9;
	if (engine_run(&job, s->files, r, s->jobs) < 0) {
		snprintf(s->error, sizeof(s->error), "cannot start I/O workers: %s", strerror(errno));
		goto out;
	}
	dt = job.t_end - job.t_start; /* the start gate to the last completion (engine.h, "Timing") */
	if (engine_errors(s, r, "randread") < 0)
		goto out;
	sum_bytes(s, r, &ios);
	/* gather the per-file latencies into one array (each file's share is contiguous from its start) */
	for (i = 0; i < s->jobs; i++) {
		uint64_t k = atomic_load(&r[i].nlat) < per ? atomic_load(&r[i].nlat) : per;

		memmove(lat + n, r[i].lat, k * sizeof(*lat));
		n += k;
	}
	if (dt > 0) {
		s->fig.rand_ios = (double)ios;
		s->fig.rand_s = dt;
	}
	keep_latencies(s, 0, &lat, n);
	probe_log(ctx, "randread: %" PRIu64 " reads of %u bytes in %.3f s (set-up before the timed I/O %.3f s)", ios,
		  job.bs, dt, job.setup_s);
	rc = 0;
out:
	free(lat);
	return rc;
}

/* Checkpoint-style: write 4 KiB at the next offset, fsync, count the pair's latency. */
static int run_fsync(struct storage *s)
{
	struct probe_ctx *ctx = s->ctx;
	uint64_t n = (uint64_t)probe_int(ctx, "fsync_ios"), i, done = 0;
	double *lat = calloc(n, sizeof(*lat)), t0, deadline;
	const uint64_t id = 1ull << 31;
	unsigned char *buf = NULL;
	struct pattern_bad bad = { 0 };
	int fd = -1, rc = -1;

	if (!lat || posix_memalign((void **)&buf, PATTERN_SECTOR, PATTERN_SECTOR)) {
		snprintf(s->error, sizeof(s->error), "fsync: out of memory");
		goto out;
	}
	fd = openat(s->dirfd, "fsync.0", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | (s->direct ? O_DIRECT : 0), 0600);
	if (fd < 0 && errno == EINVAL && s->direct) {
		probe_log(ctx, "O_DIRECT refused on '%s' (EINVAL): fsync workload buffered, labelled direct=false",
			  s->path);
		s->direct = 0;
		fd = openat(s->dirfd, "fsync.0", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		snprintf(s->error, sizeof(s->error), "cannot create '%s/fsync.0': %s", s->name, strerror(errno));
		goto out;
	}
	t0 = probe_now();
	deadline = t0 + (double)probe_duration_ns(ctx, "runtime") * 1e-9;
	for (i = 0; i < n && !interrupted && probe_now() < deadline; i++, done++) {
		uint64_t off = i * PATTERN_SECTOR;
		double a;
		ssize_t w;

		pattern_fill(&s->pat, buf, PATTERN_SECTOR, id, off);
		a = probe_now();
		w = pwrite(fd, buf, PATTERN_SECTOR, (off_t)off);
		if (w != PATTERN_SECTOR || fsync(fd) < 0) {
			snprintf(s->error, sizeof(s->error), "fsync: %s '%s/fsync.0' at offset %" PRIu64 ": %s",
				 w != PATTERN_SECTOR ? "write" : "fsync", s->name, off,
				 strerror(w < 0 || w == PATTERN_SECTOR ? errno : ENOSPC));
			goto out;
		}
		lat[i] = probe_now() - a;
	}
	if (interrupted)
		goto out;
	if (done) {
		s->fig.fsync_ios = (double)done;
		s->fig.fsync_s = probe_now() - t0;
	}
	for (i = 0; probe_bool(ctx, "verify") && i < done; i++) {
		if (pread(fd, buf, PATTERN_SECTOR, (off_t)(i * PATTERN_SECTOR)) != PATTERN_SECTOR) {
			snprintf(s->error, sizeof(s->error), "fsync: read back '%s/fsync.0' at offset %" PRIu64 ": %s",
				 s->name, i * PATTERN_SECTOR, strerror(errno ? errno : EIO));
			goto out;
		}
		if (atomic_exchange(&s->corrupt, 0))
			buf[PATTERN_SECTOR / 2 + 100] ^= 0x5a; /* fault injection */
		pattern_check(&s->pat, buf, PATTERN_SECTOR, id, i * PATTERN_SECTOR, &bad);
	}
	note_bad(s, &bad, "fsync.0");
	keep_latencies(s, 1, &lat, done);
	probe_log(ctx, "fsync: %" PRIu64 " write+fsync pairs", done);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(lat);
	free(buf);
	return rc;
}

/* The agreement after a phase: whether this or any rank failed (an MPI_Allreduce, so also a barrier). */
static int agree(struct storage *s, int failed)
{
	failed = failed || s->error[0] || interrupted;
#if SD_HAVE_MPI
	if (s->nranks > 1) {
		int any = 0;

		MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
		return any;
	}
#endif
	return failed;
}

/* Every rank starts a timed phase together. */
static void barrier(struct storage *s)
{
#if SD_HAVE_MPI
	if (s->nranks > 1)
		MPI_Barrier(MPI_COMM_WORLD);
#else
	(void)s;
#endif
}

static int meta_sync(void *arg, int failed)
{
	return agree(arg, failed);
}

static int run_meta(struct storage *s)
{
	struct probe_ctx *ctx = s->ctx;
	struct meta_job job = {
		.dirfd = s->dirfd,
		.threads = s->jobs,
		.files = (uint64_t)probe_int(ctx, "meta_files"),
		.verify = probe_bool(ctx, "verify"),
		.pat = &s->pat,
		.interrupt = &interrupted,
		.corrupt_once = &s->corrupt,
		.sync = meta_sync,
		.sync_arg = s,
	};
	struct meta_result r;
	int ph, rc = meta_run(&job, &r);

	if (r.bad.count) {
		if (!s->mismatches)
			snprintf(s->first_bad, sizeof(s->first_bad), "'%s/%s' at offset %" PRIu64 " (%s)", s->name,
				 r.err_path, r.bad.offset, pattern_why_names[r.bad.why]);
		s->mismatches += r.bad.count;
	}
	if (rc < 0) {
		if (r.err)
			snprintf(s->error, sizeof(s->error), "meta: %s '%s/%s': %s", r.err_what, s->name, r.err_path,
				 strerror(r.err));
		return -1;
	}
	for (ph = 0; ph < META_PHASES; ph++) {
		s->fig.meta_ops[ph] = (double)r.ops[ph];
		s->fig.meta_s[ph] = r.seconds[ph];
	}
	probe_log(ctx, "meta: %" PRIu64 " files, %u threads", job.files, job.threads);
	return safety_remove_tree(s->dirfd, "meta") < 0
		       ? (snprintf(s->error, sizeof(s->error), "cannot remove '%s/meta': %s", s->name, strerror(errno)),
			  -1)
		       : 0;
}

static int choose_engine(struct storage *s)
{
	const char *e = probe_str(s->ctx, "engine");
	char why[128] = "";
	unsigned qd = (unsigned)probe_int(s->ctx, "qd");

	if ((unsigned)probe_int(s->ctx, "rand_qd") > qd)
		qd = (unsigned)probe_int(s->ctx, "rand_qd");
	s->engine = ENGINE_PSYNC;
	if (strcmp(e, "psync") && engine_uring_available(qd, &s->uring_setup, why, sizeof(why)))
		s->engine = ENGINE_URING;
	else if (!strcmp(e, "io_uring"))
		return serr(s, "engine io_uring asked for, but it does not work here: %s", why);
	else if (why[0]) {
		probe_log(s->ctx, "io_uring unavailable (%s): using psync (pread/pwrite threads)", why);
		cJSON_AddStringToObject(probe_env(s->ctx), "engine_fallback", why);
	}
	cJSON_AddStringToObject(probe_env(s->ctx), "engine", s->engine == ENGINE_URING ? "io_uring" : "psync");
	if (s->engine == ENGINE_URING)
		cJSON_AddStringToObject(probe_env(s->ctx), "uring_setup", engine_uring_setup_names[s->uring_setup]);
	return 0;
}

/* One timed phase on every rank at once: barrier, run, agreement; -1 when any rank failed. */
#define PHASE(s, call) (barrier(s), agree((s), (call) < 0) ? -1 : 0)

static int workloads(struct storage *s)
{
	struct probe_ctx *ctx = s->ctx;

	if (data_workloads(ctx)) {
		if (agree(s, open_files(s, probe_size(ctx, "size")) < 0))
			return -1;
		if (want(ctx, "seqwrite") && PHASE(s, run_seq(s, OP_SEQWRITE, 1)) < 0)
			return -1;
		if (!s->files_written && PHASE(s, run_seq(s, OP_SEQWRITE, 0)) < 0) /* lay out the files */
			return -1;
		if (want(ctx, "seqread") && PHASE(s, run_seq(s, OP_SEQREAD, 1)) < 0)
			return -1;
		if (want(ctx, "randread") && PHASE(s, run_randread(s)) < 0)
			return -1;
		close_files(s);
		for (unsigned i = 0; i < s->jobs; i++)
			unlinkat(s->dirfd, s->fnames[i], 0);
	}
	if (want(ctx, "fsync") && PHASE(s, run_fsync(s)) < 0)
		return -1;
	/* meta agrees before and after each of its phases itself (meta_sync) */
	if (want(ctx, "meta") && agree(s, run_meta(s) < 0))
		return -1;
	return agree(s, 0) ? -1 : 0;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Remove the work directory and all in it; the probe's last word on the filesystem. */
static int remove_workdir(struct storage *s)
{
	close_files(s);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
	if (!s->name[0])
		return 0;
	if (safety_remove_tree(s->parentfd, s->name) < 0) {
		probe_log(s->ctx, "cannot remove work directory '%s/%s': %s", s->path, s->name, strerror(errno));
		return -1;
	}
	probe_log(s->ctx, "removed work directory '%s/%s'", s->path, s->name);
	return 0;
}

/* Launched by mpirun/srun with an MPI process manager: MPI is started, one work directory per rank. */
static void mpi_start(struct storage *s)
{
	s->nranks = 1;
#if SD_HAVE_MPI
	int prov = 0;

	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK") && !getenv("PMI_SIZE"))
		return;
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &prov) != MPI_SUCCESS) {
		probe_log(s->ctx, "MPI_Init_thread failed: running as one process");
		return;
	}
	s->mpi = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &s->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &s->nranks);
#endif
}

/*
 * Rank 0 gets every rank's figures and latency samples (pooled, sorted).
 * One process: its own. Under MPI, *figs and pooled[] are allocated (rank 0;
 * the caller frees them); other ranks get NULL.
 */
static void exchange(struct storage *s, struct fig **figs, double **pooled, size_t *npooled)
{
	int k;

	for (k = 0; k < 2; k++) {
		pooled[k] = s->lat[k];
		npooled[k] = s->nlat[k];
	}
	*figs = &s->fig;
#if SD_HAVE_MPI
	if (s->nranks > 1) {
		const int sz = (int)sizeof(s->fig), n = s->nranks;
		int *cnt = NULL, *disp = NULL, r;
		struct fig *all = NULL;

		if (s->rank == 0 &&
		    (!(all = calloc((size_t)n, sizeof(*all))) || !(cnt = calloc((size_t)n, sizeof(int))) ||
		     !(disp = calloc((size_t)n, sizeof(int)))))
			MPI_Abort(MPI_COMM_WORLD, 1);
		MPI_Gather(&s->fig, sz, MPI_BYTE, all, sz, MPI_BYTE, 0, MPI_COMM_WORLD);
		for (k = 0; k < 2; k++) {
			int mine = (int)s->nlat[k], tot = 0;

			MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
			for (r = 0; s->rank == 0 && r < n; r++) {
				disp[r] = tot;
				tot += cnt[r];
			}
			pooled[k] = NULL;
			if (s->rank == 0 && !(pooled[k] = malloc(((size_t)tot + 1) * sizeof(double))))
				MPI_Abort(MPI_COMM_WORLD, 1);
			MPI_Gatherv(s->lat[k], mine, MPI_DOUBLE, pooled[k], cnt, disp, MPI_DOUBLE, 0, MPI_COMM_WORLD);
			npooled[k] = (size_t)tot;
			if (s->rank == 0)
				qsort(pooled[k], (size_t)tot, sizeof(double), cmp_double);
		}
		free(cnt);
		free(disp);
		*figs = all;
	}
#endif
}

/* A metric; rank >= 0 labels it with the rank and its host; direct = 0 labels it direct=false. */
static void put(struct storage *s, const char *name, const char *unit, const char *better, double v, int direct,
		int rank, const char *host)
{
	struct probe_metric *m = probe_metric_set(s->ctx, name, unit, better, v);
	char r[16];

	if (!direct)
		probe_metric_label(m, "direct", "false");
	if (rank >= 0) {
		snprintf(r, sizeof(r), "%d", rank);
		probe_metric_label(m, "rank", r);
		probe_metric_label(m, "host", host);
	}
}

#define FIELD(f) offsetof(struct fig, f)
static const struct rate {
	const char *name, *unit;
	size_t ops, secs; /* offsets of two doubles in struct fig */
	int data;	  /* a data-path metric: labelled direct=false when buffered */
} rates[] = {
	{ "seqwrite_bw", "B/s", FIELD(seq_bytes[0]), FIELD(seq_s[0]), 1 },
	{ "seqread_bw", "B/s", FIELD(seq_bytes[1]), FIELD(seq_s[1]), 1 },
	{ "randread_iops", "IOPS", FIELD(rand_ios), FIELD(rand_s), 1 },
	{ "fsync_iops", "IOPS", FIELD(fsync_ios), FIELD(fsync_s), 1 },
	{ "meta_create_rate", "ops/s", FIELD(meta_ops[META_CREATE]), FIELD(meta_s[META_CREATE]), 0 },
	{ "meta_stat_rate", "ops/s", FIELD(meta_ops[META_STAT]), FIELD(meta_s[META_STAT]), 0 },
	{ "meta_read_rate", "ops/s", FIELD(meta_ops[META_READ]), FIELD(meta_s[META_READ]), 0 },
	{ "meta_unlink_rate", "ops/s", FIELD(meta_ops[META_UNLINK]), FIELD(meta_s[META_UNLINK]), 0 },
};

static double fget(const struct fig *f, size_t off)
{
	double v;

	memcpy(&v, (const char *)f + off, sizeof(v));
	return v;
}

/*
 * Rank 0's metrics: each rate as the sum over ranks / the slowest rank's
 * time (where every rank ran it), latency percentiles over every rank's
 * samples; launched on many ranks, each rank's own figures too.
 */
static void report_metrics(struct storage *s, const struct fig *f, int n, double **pooled, size_t *npooled)
{
	size_t i;
	int r, direct = 1;

	for (r = 0; r < n; r++)
		direct = direct && f[r].direct;
	s->direct = direct;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		double sum = 0, tmax = 0;
		int all = 1;

		for (r = 0; r < n; r++) {
			sum += fget(&f[r], rates[i].ops);
			tmax = fget(&f[r], rates[i].secs) > tmax ? fget(&f[r], rates[i].secs) : tmax;
			all = all && fget(&f[r], rates[i].secs) > 0;
		}
		if (all)
			put(s, rates[i].name, rates[i].unit, "higher", sum / tmax, direct || !rates[i].data, -1, NULL);
	}
	latency_metrics(s, "randread", pooled[0], npooled[0], 1);
	latency_metrics(s, "fsync", pooled[1], npooled[1], 0);
	for (r = 0; n > 1 && r < n; r++) {
		for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
			if (fget(&f[r], rates[i].secs) > 0)
				put(s, rates[i].name, rates[i].unit, "higher",
				    fget(&f[r], rates[i].ops) / fget(&f[r], rates[i].secs),
				    f[r].direct || !rates[i].data, r, f[r].host);
		if (f[r].nlat[0])
			put(s, "randread_lat_p99", "s", "lower", f[r].p99[0], f[r].direct, r, f[r].host);
		if (f[r].nlat[1])
			put(s, "fsync_lat_p99", "s", "lower", f[r].p99[1], f[r].direct, r, f[r].host);
		put(s, "data_mismatch", "count", "lower", (double)f[r].mismatches, 1, r, f[r].host);
	}
}

/* Rank 0's verdict over every rank: failed (data) outranks error; returns the probe's rc. */
static int verdict(struct storage *s, const struct fig *f, int n, int rc)
{
	struct probe_ctx *ctx = s->ctx;
	uint64_t bad = 0;
	int r, first_bad = -1, first_err = -1, sig = 0;
	char who[300] = "";

	for (r = 0; r < n; r++) {
		bad += f[r].mismatches;
		if (f[r].mismatches && first_bad < 0)
			first_bad = r;
		if (f[r].error[0] && first_err < 0)
			first_err = r;
		if (f[r].interrupted && !sig)
			sig = f[r].interrupted;
	}
	if (first_err >= 0) {
		if (n > 1)
			snprintf(who, sizeof(who), "rank %d (%s): ", first_err, f[first_err].host);
		probe_error(ctx, "%s%s%s", who, f[first_err].error,
			    s->name[0] || n > 1 ? "; work directory removed" : "");
		rc = -1;
	} else if (sig) {
		probe_error(ctx, "interrupted by %s; work directory removed", sig == SIGINT ? "SIGINT" : "SIGTERM");
		rc = -1;
	}
	if (rc == 0 || bad) {
		probe_metric_set(ctx, "data_mismatch", "count", "lower", (double)bad);
		if (n > 1 && bad)
			snprintf(who, sizeof(who), "rank %d (%s): ", first_bad, f[first_bad].host);
		if (bad)
			probe_fail(ctx, "data mismatch: %" PRIu64 " bad 4 KiB sectors read back, the first in %s%s",
				   bad, n > 1 ? who : "", f[first_bad].first_bad);
	}
	return bad ? 0 : rc; /* failed (data) outranks error (what stopped the run) */
}

/* Checks and the work directory, before any workload: -1 with s->error (or the probe's error) set. */
static int setup(struct storage *s)
{
	struct probe_ctx *ctx = s->ctx;
	cJSON *env = probe_env(ctx);
	char err[600];
	struct statfs fs;
	int removed;

	if (check_params(ctx) < 0) /* the same on every rank */
		return -1;
	if (safety_check_target(s->path, err, sizeof(err)) < 0)
		return serr(s, "%s", err);
	s->parentfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->parentfd < 0)
		return serr(s, "cannot open '%s': %s", s->path, strerror(errno));
	if (statfs(s->path, &fs) == 0)
		cJSON_AddStringToObject(env, "fs_type",
					(snprintf(err, sizeof(err), "0x%lx", (unsigned long)fs.f_type), err));
	removed = safety_sweep(s->path, s->host, log_sweep, ctx);
	cJSON_AddNumberToObject(env, "stale_removed", removed);
	if (check_space(s) < 0 || choose_engine(s) < 0)
		return -1;
	if (getrandom(&s->seed, sizeof(s->seed), 0) != sizeof(s->seed))
		s->seed = pattern_mix((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	pattern_init(&s->pat, s->seed);
	atomic_store(&s->corrupt, probe_fault(ctx, "corrupt"));
	return make_workdir(s);
}

static void add_rank_env(struct storage *s, const struct fig *f, int n)
{
	int r, q, hosts = 0;

	for (r = 0; r < n; r++) {
		for (q = 0; q < r && strcmp(f[q].host, f[r].host); q++)
			;
		hosts += q == r;
	}
	cJSON_AddNumberToObject(probe_env(s->ctx), "ranks", n);
	cJSON_AddNumberToObject(probe_env(s->ctx), "hosts", hosts);
}

static int run(struct probe_ctx *ctx)
{
	struct storage *s = calloc(1, sizeof(*s));
	double *pooled[2] = { NULL, NULL };
	size_t npooled[2];
	struct fig *figs = NULL;
	int rc, k;

	if (!s)
		return probe_error(ctx, "out of memory");
	s->ctx = ctx;
	s->path = probe_str(ctx, "path");
	s->parentfd = s->dirfd = -1;
	s->jobs = (unsigned)probe_int(ctx, "jobs");
	s->direct = probe_bool(ctx, "direct");
	for (unsigned i = 0; i < MAX_JOBS; i++)
		s->files[i].fd = -1;
	mpi_start(s);
	install_signals();
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		snprintf(s->host, sizeof(s->host), "unknown");
	rc = setup(s);
	rc = agree(s, rc < 0) ? -1 : workloads(s);
	cJSON_AddBoolToObject(probe_env(ctx), "direct", s->direct);
	cJSON_AddBoolToObject(probe_env(ctx), "preallocate", probe_bool(ctx, "preallocate"));
	if (remove_workdir(s) < 0)
		serr(s, "cannot remove work directory '%s/%s': %s", s->path, s->name, strerror(errno));
	if (s->parentfd >= 0)
		close(s->parentfd);
	snprintf(s->fig.host, sizeof(s->fig.host), "%s", s->host);
	snprintf(s->fig.first_bad, sizeof(s->fig.first_bad), "%s", s->first_bad);
	snprintf(s->fig.error, sizeof(s->fig.error), "%s", s->error);
	s->fig.mismatches = s->mismatches;
	s->fig.interrupted = interrupted;
	s->fig.direct = s->direct;
	exchange(s, &figs, pooled, npooled);
	if (s->rank == 0) {
		add_rank_env(s, figs, s->nranks);
		report_metrics(s, figs, s->nranks, pooled, npooled);
		rc = verdict(s, figs, s->nranks, rc);
	}
	if (s->nranks > 1) {
		free(figs);
		free(pooled[0]);
		free(pooled[1]);
	}
#if SD_HAVE_MPI
	if (s->mpi)
		MPI_Finalize();
#endif
	for (k = 0; k < 2; k++)
		free(s->lat[k]);
	free(s);
	return rc < 0 ? -1 : 0;
}

const struct probe_ops probe_ops = {
	.name = "storage",
	.version = "1.0.0",
	.description = "storage: sequential and random throughput, IOPS, latency percentiles, fsync and metadata rates "
		       "of a directory, with every sector verified; writes only in a work directory of its own",
	.params = params,
	.metrics = metrics,
	.run = run,
};
