/*
 * test_supervise.c - probes/lib/supervise.c against real child processes.
 *
 * Most cases run the misbehave test probe ($SD_BUILD/tests/probes/misbehave,
 * SD_BUILD defaulting to "build"); a few run coreutils by absolute path (never
 * a shell) to look at what the child inherited. The test process makes itself
 * a child subreaper, so that grandchildren the supervisor killed come back to
 * it and "the whole group is gone" can be checked exactly, whatever pid 1 is.
 *
 * Not flaky on a loaded machine: timing bounds are generous (ASan builds start
 * slowly), and where a timeout must find the probe in a given state (SIGTERM
 * ignored, grandchild forked) a tick callback holds the supervisor until the
 * probe says so on stderr. Every child is bounded by its own `seconds`; a test
 * that finds a group still alive kills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "supervise.h"

#define MS 1000000ULL

/* Must match MISBEHAVE_GARBAGE in tests/probes/misbehave.c. */
static const char garbage[] = "this is not json {\"probe\": \x01\x02 \xff garbage\n";

static char misbehave[4096];

static int group_setup(void **state)
{
	const char *b = getenv("SD_BUILD");

	(void)state;
	snprintf(misbehave, sizeof(misbehave), "%s/tests/probes/misbehave", b && *b ? b : "build");
	if (access(misbehave, X_OK)) {
		fprintf(stderr, "test probe '%s' is not built: %s\n", misbehave, strerror(errno));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN); /* as the runner does */
	return prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
}

/* Run misbehave --mode=MODE [ARGS...] with o's settings. */
static int run_mb(struct sup_opts *o, struct sup_result *r, const char *mode, const char *a1, const char *a2)
{
	char m[64];
	const char *argv[] = { misbehave, m, a1, a2, NULL };

	snprintf(m, sizeof(m), "--mode=%s", mode);
	if (!a1)
		argv[2] = NULL;
	o->argv = argv;
	return sup_run(o, r);
}

static int run_tool(struct sup_opts *o, struct sup_result *r, const char *path, const char *a1, const char *a2)
{
	const char *argv[] = { path, a1, a2, NULL };

	if (!a1)
		argv[1] = NULL;
	o->argv = argv;
	return sup_run(o, r);
}

static void need_tool(const char *path)
{
	if (access(path, X_OK)) {
		fprintf(stderr, "skipped: '%s' not found\n", path);
		skip();
	}
}

/*
 * Reap what the supervisor left to us (a subreaper) and check that the child's
 * whole process group is gone within 3 s.
 */
static void assert_group_gone(pid_t pgid)
{
	struct timespec ts = { 0, 10 * (long)MS };
	int i;

	assert_true(pgid > 0);
	for (i = 0; i < 300; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			return;
		nanosleep(&ts, NULL);
	}
	kill(-pgid, SIGKILL);
	fail_msg("process group %d still exists after the step", (int)pgid);
}

/* A temporary file, unlinked, open for reading and writing. */
static int temp_fd(void)
{
	char path[] = "/tmp/sd-sup-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static char *read_back(int fd)
{
	static char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/*
 * A tick callback that holds the supervisor, once, until the probe's stderr
 * says `needle` (at most 30 s): a timeout then always hits a probe that is
 * ready for it, however slowly it started on a loaded machine.
 */
struct gate {
	int fd;
	const char *needle;
	int open;
};

static void wait_ready(void *arg, double elapsed)
{
	struct gate *g = arg;
	struct timespec ts = { 0, 10 * (long)MS };
	int i;

	(void)elapsed;
	for (i = 0; !g->open && i < 3000; i++) {
		if (strstr(read_back(g->fd), g->needle))
			g->open = 1;
		else
			nanosleep(&ts, NULL);
	}
}

static void assert_describe(const struct sup_result *r, const char *want)
{
	char buf[256];

	assert_string_equal(sup_describe(r, buf, sizeof(buf)), want);
}

static void test_ok_parses(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	cJSON *doc, *st;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "ok", NULL, NULL), 0);
	assert_true(sup_clean(&r));
	assert_describe(&r, "exited with status 0");
	assert_int_equal(strlen(r.out), r.out_len);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	st = cJSON_GetObjectItemCaseSensitive(doc, "status");
	assert_true(cJSON_IsString(st));
	assert_string_equal(st->valuestring, "ok");
	cJSON_Delete(doc);
	assert_true(r.wall_s > 0 && r.wall_s < 30);
	assert_group_gone(r.pid);
	sup_result_release(&r);
	assert_null(r.out);
}

static void test_exit_code(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "exit", "--code=3", NULL), 0);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 3);
	assert_false(r.signaled);
	assert_false(sup_clean(&r));
	assert_int_equal(r.out_len, 0);
	assert_describe(&r, "exited with status 3");
	sup_result_release(&r);
}

static void test_crash_and_abort(void **state)
{
	static const struct {
		const char *mode;
		int sig;
		const char *want;
	} cases[] = {
		{ "crash", SIGSEGV, "killed by signal 11 (SIGSEGV)" },
		{ "abort", SIGABRT, "killed by signal 6 (SIGABRT)" },
	};
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(run_mb(&o, &r, cases[i].mode, NULL, NULL), 0);
		assert_true(r.signaled);
		assert_int_equal(r.signal, cases[i].sig);
		assert_false(r.exited);
		assert_int_equal(r.stop_signal, 0);
		assert_describe(&r, cases[i].want);
		sup_result_release(&r);
	}
}

static void test_garbage_verbatim(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "garbage", NULL, NULL), 0);
	assert_true(sup_clean(&r));
	assert_int_equal(r.out_len, sizeof(garbage) - 1);
	assert_memory_equal(r.out, garbage, sizeof(garbage) - 1);
	assert_int_equal(r.out[r.out_len], '\0');
	sup_result_release(&r);
}

static void test_empty(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "empty", NULL, NULL), 0);
	assert_true(sup_clean(&r));
	assert_non_null(r.out);
	assert_string_equal(r.out, "");
	assert_int_equal(r.out_len, 0);
	sup_result_release(&r);
}

static void test_timeout_stops_group(void **state)
{
	struct sup_opts o = { .stderr_fd = -1, .timeout_ns = 300 * MS };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "sleep", "--seconds=10s", NULL), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.stop_signal, SIGTERM);
	assert_true(r.signaled);
	assert_int_equal(r.signal, SIGTERM);
	assert_true(r.wall_s >= 0.29 && r.wall_s < 3);
	assert_false(sup_clean(&r));
	assert_describe(&r, "timed out after 300ms; stopped with SIGTERM");
	assert_group_gone(r.pid);
	sup_result_release(&r);
}

static void test_timeout_escalates_to_sigkill(void **state)
{
	struct gate g = { .fd = temp_fd(), .needle = "ignoring SIGTERM" };
	struct sup_opts o = { .stderr_fd = g.fd,
			      .timeout_ns = 200 * MS,
			      .grace_ns = 300 * MS,
			      .tick = wait_ready,
			      .tick_arg = &g,
			      .tick_interval_ns = 10 * MS };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "stubborn", "--seconds=10s", NULL), 0);
	assert_true(g.open);
	assert_true(r.timed_out);
	assert_int_equal(r.stop_signal, SIGKILL);
	assert_true(r.signaled);
	assert_int_equal(r.signal, SIGKILL);
	assert_true(r.wall_s >= 0.49 && r.wall_s < 6);
	assert_describe(&r, "timed out after 200ms; did not stop within the 300ms grace period, killed with SIGKILL");
	assert_group_gone(r.pid);
	close(g.fd);
	sup_result_release(&r);
}

/* A child that closed its stdout is still timed out: the pipe's EOF is not its end. */
static void test_timeout_after_stdout_closed(void **state)
{
	struct sup_opts o = { .stderr_fd = -1, .timeout_ns = 300 * MS };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "close-sleep", "--seconds=10s", NULL), 0);
	assert_true(r.timed_out);
	assert_true(r.signaled);
	assert_true(r.wall_s < 3);
	assert_group_gone(r.pid);
	sup_result_release(&r);
}

/* SIGTERM goes to the whole group, not just the probe; nothing of the group is left. */
static void test_timeout_kills_grandchild(void **state)
{
	struct gate g = { .fd = temp_fd(), .needle = " ready\n" };
	struct sup_opts o = { .stderr_fd = g.fd,
			      .timeout_ns = 300 * MS,
			      .tick = wait_ready,
			      .tick_arg = &g,
			      .tick_interval_ns = 10 * MS };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "fork-sleep", "--seconds=10s", NULL), 0);
	assert_true(g.open);
	assert_true(r.timed_out);
	assert_int_equal(r.stop_signal, SIGTERM);
	assert_true(r.signaled);
	assert_int_equal(r.signal, SIGTERM);
	assert_true(r.wall_s < 6);
	assert_group_gone(r.pid);
	assert_non_null(strstr(read_back(g.fd), " got SIGTERM\n"));
	close(g.fd);
	sup_result_release(&r);
}

/*
 * The probe reports ok and exits while its grandchild (10 s) still holds
 * stdout: the document is captured whole and the grandchild is killed.
 */
static void test_leader_exit_kills_grandchild(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	cJSON *doc;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "fork-sleep", "--seconds=1s", NULL), 0);
	assert_true(sup_clean(&r));
	assert_true(r.wall_s < 5);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	cJSON_Delete(doc);
	assert_group_gone(r.pid);
	sup_result_release(&r);
}

static void test_overflow_bounded(void **state)
{
	struct sup_opts o = { .stderr_fd = -1, .timeout_ns = 120000 * MS };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "huge", "--bytes=100MiB", NULL), 0);
	assert_true(r.overflowed);
	assert_false(r.timed_out);
	assert_int_equal(r.out_len, SUP_STDOUT_LIMIT_DEFAULT);
	assert_true(malloc_usable_size(r.out) <= SUP_STDOUT_LIMIT_DEFAULT + 65536);
	assert_int_equal(r.out[0], 'x');
	assert_int_equal(r.out[r.out_len - 1], 'x');
	assert_int_equal(r.out[r.out_len], '\0');
	assert_false(sup_clean(&r));
	/* Normally stopped while still writing; it may also have finished first. */
	if (r.stop_signal)
		assert_describe(&r, "stdout exceeded 64 MiB; stopped with SIGTERM");
	assert_group_gone(r.pid);
	sup_result_release(&r);
}

/* Exactly the limit is fine; one byte more is an overflow. */
static void test_overflow_edges(void **state)
{
	static const struct {
		const char *bytes;
		size_t limit, out_len;
		int overflowed;
	} cases[] = {
		/* clang-format off */
		{"--bytes=4096", 4096, 4096, 0},
		{"--bytes=4097", 4096, 4096, 1},
		{"--bytes=0", 1, 0, 0},
		{"--bytes=1MiB", 1000, 1000, 1},
		{"--bytes=1MiB", 1 << 20, 1 << 20, 0},
		/* clang-format on */
	};
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.stdout_limit = cases[i].limit;
		assert_int_equal(run_mb(&o, &r, "huge", cases[i].bytes, NULL), 0);
		assert_int_equal(r.overflowed, cases[i].overflowed);
		assert_int_equal(r.out_len, cases[i].out_len);
		if (!cases[i].overflowed)
			assert_true(sup_clean(&r));
		sup_result_release(&r);
	}
}

static void test_spawn_enoent(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_tool(&o, &r, "/nonexistent/shakedown-probe", NULL, NULL), -1);
	assert_true(r.spawn_failed);
	assert_int_equal(r.spawn_errno, ENOENT);
	assert_false(r.exited);
	assert_non_null(r.out);
	assert_describe(&r, "cannot execute '/nonexistent/shakedown-probe': No such file or directory");
	sup_result_release(&r);
}

/* Not "exited with status 127": a file without execute permission, and a directory. */
static void test_spawn_eacces(void **state)
{
	char path[] = "/tmp/sd-sup-XXXXXX";
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(run_tool(&o, &r, path, NULL, NULL), -1);
	unlink(path);
	assert_true(r.spawn_failed);
	assert_int_equal(r.spawn_errno, EACCES);
	assert_string_equal(r.spawn_call, "execve");
	sup_result_release(&r);
	assert_int_equal(run_tool(&o, &r, "/tmp", NULL, NULL), -1);
	assert_int_equal(r.spawn_errno, EACCES);
	assert_describe(&r, "cannot execute '/tmp': Permission denied");
	sup_result_release(&r);
}

static void test_bad_argv(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;

	(void)state;
	assert_int_equal(sup_run(&o, &r), -1);
	assert_true(r.spawn_failed);
	assert_int_equal(r.spawn_errno, EINVAL);
	sup_result_release(&r);
}

struct ticker {
	volatile sig_atomic_t flag;
	int ticks;
	double last;
};

static void on_tick(void *arg, double elapsed)
{
	struct ticker *t = arg;

	assert_true(elapsed >= t->last);
	t->last = elapsed;
	if (++t->ticks == 3)
		t->flag = 1;
}

static void test_interrupt_from_tick(void **state)
{
	struct ticker t = { 0 };
	struct sup_opts o = { .stderr_fd = -1,
			      .timeout_ns = 60000 * MS,
			      .tick = on_tick,
			      .tick_arg = &t,
			      .tick_interval_ns = 50 * MS,
			      .interrupt = &t.flag };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "sleep", "--seconds=10s", NULL), 0);
	assert_true(r.interrupted);
	assert_false(r.timed_out);
	assert_true(t.ticks >= 3);
	assert_true(t.last >= 0.14);
	assert_int_equal(r.stop_signal, SIGTERM);
	assert_true(r.wall_s < 3);
	assert_describe(&r, "interrupted; stopped with SIGTERM");
	assert_group_gone(r.pid);
	sup_result_release(&r);
}

static void test_stderr_to_fd(void **state)
{
	struct sup_opts o = { .stderr_fd = temp_fd() };
	struct sup_result r;

	(void)state;
	assert_int_equal(run_mb(&o, &r, "slow-ok", "--seconds=300ms", NULL), 0);
	assert_true(sup_clean(&r));
	assert_non_null(strstr(read_back(o.stderr_fd), "misbehave: still working (1)\n"));
	assert_null(strstr(r.out, "still working"));
	close(o.stderr_fd);
	sup_result_release(&r);
}

/* stdin is /dev/null, stderr is the given fd, and nothing else leaks in (even without O_CLOEXEC). */
static void test_child_fds(void **state)
{
	struct sup_opts o = { .stderr_fd = temp_fd() };
	struct sup_result r;
	char arg[64];
	int leak = open("/dev/null", O_RDONLY);

	(void)state;
	need_tool("/usr/bin/readlink");
	assert_true(leak > 2);
	assert_int_equal(run_tool(&o, &r, "/usr/bin/readlink", "/proc/self/fd/0", NULL), 0);
	assert_string_equal(r.out, "/dev/null\n");
	sup_result_release(&r);
	assert_int_equal(run_tool(&o, &r, "/usr/bin/readlink", "/proc/self/fd/2", NULL), 0);
	assert_non_null(strstr(r.out, "/tmp/sd-sup-"));
	sup_result_release(&r);
	snprintf(arg, sizeof(arg), "/proc/self/fd/%d", leak);
	assert_int_equal(run_tool(&o, &r, "/usr/bin/readlink", arg, NULL), 0);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 1);
	assert_string_equal(r.out, "");
	sup_result_release(&r);
	close(leak);
	close(o.stderr_fd);
}

/* The runner ignores SIGPIPE and may block signals; the child starts with neither. */
static void test_child_signals(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	sigset_t set, old;
	unsigned long long mask;
	const char *ign;

	(void)state;
	need_tool("/usr/bin/grep");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGINT, SIG_IGN);
	assert_int_equal(run_tool(&o, &r, "/usr/bin/grep", "^Sig[IB]", "/proc/self/status"), 0);
	signal(SIGINT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(sup_clean(&r));
	assert_non_null(strstr(r.out, "SigBlk:\t0000000000000000\n"));
	/*
	 * Ignored signals: none, except glibc's own two real-time signals (32, 33),
	 * which no program can set through sigaction() and some parents (make)
	 * leave ignored; glibc installs its handlers for them in every new process.
	 */
	ign = strstr(r.out, "SigIgn:\t");
	assert_non_null(ign);
	mask = strtoull(ign + 8, NULL, 16) & ~((1ULL << 31) | (1ULL << 32));
	if (mask)
		fail_msg("the child ignores signals: %s", r.out);
	sup_result_release(&r);
}

/* The child leads a process group of its own. */
static void test_child_pgroup(void **state)
{
	struct sup_opts o = { .stderr_fd = -1 };
	struct sup_result r;
	int pid = 0, ppid = 0, pgrp = 0;

	(void)state;
	need_tool("/usr/bin/cat");
	assert_int_equal(run_tool(&o, &r, "/usr/bin/cat", "/proc/self/stat", NULL), 0);
	assert_int_equal(sscanf(r.out, "%d (cat) %*c %d %d", &pid, &ppid, &pgrp), 3);
	assert_int_equal(pid, r.pid);
	assert_int_equal(ppid, getpid());
	assert_int_equal(pgrp, r.pid);
	assert_int_not_equal(pgrp, getpgrp());
	sup_result_release(&r);
}

static void test_env_extra(void **state)
{
	const char *extra[] = { "SD_SUP_NEW=hello", "SD_SUP_OLD=replaced", NULL };
	struct sup_opts o = { .stderr_fd = -1, .envp_extra = extra };
	struct sup_result r;

	(void)state;
	need_tool("/usr/bin/env");
	setenv("SD_SUP_OLD", "original", 1);
	setenv("SD_SUP_KEPT", "kept", 1);
	assert_int_equal(run_tool(&o, &r, "/usr/bin/env", NULL, NULL), 0);
	assert_non_null(strstr(r.out, "\nSD_SUP_NEW=hello\n"));
	assert_non_null(strstr(r.out, "\nSD_SUP_OLD=replaced\n"));
	assert_null(strstr(r.out, "SD_SUP_OLD=original"));
	assert_non_null(strstr(r.out, "SD_SUP_KEPT=kept\n"));
	unsetenv("SD_SUP_OLD");
	unsetenv("SD_SUP_KEPT");
	sup_result_release(&r);
}

/* sup_describe for every shape of ending, on made-up results. */
static void test_describe_table(void **state)
{
	static const struct {
		struct sup_result r;
		const char *want;
	} cases[] = {
		{ { .exited = 1 }, "exited with status 0" },
		{ { .exited = 1, .exit_code = 3 }, "exited with status 3" },
		{ { .signaled = 1, .signal = SIGSEGV }, "killed by signal 11 (SIGSEGV)" },
		{ { .signaled = 1, .signal = 40 }, "killed by signal 40" },
		{ { .timed_out = 1, .stop_signal = SIGTERM, .signaled = 1, .signal = SIGTERM, .timeout_ns = 2000 * MS },
		  "timed out after 2s; stopped with SIGTERM" },
		{ { .timed_out = 1,
		    .stop_signal = SIGKILL,
		    .signaled = 1,
		    .signal = SIGKILL,
		    .timeout_ns = 2000 * MS,
		    .grace_ns = 1000 * MS },
		  "timed out after 2s; did not stop within the 1s grace period, killed with SIGKILL" },
		{ { .timed_out = 1,
		    .stop_signal = SIGKILL,
		    .abandoned = 1,
		    .timeout_ns = 2000 * MS,
		    .grace_ns = 1000 * MS },
		  "timed out after 2s; did not stop within the 1s grace period, killed with SIGKILL, "
		  "and it still had not exited 30s later; abandoned" },
		{ { .overflowed = 1, .stop_signal = SIGTERM, .stdout_limit = 64 << 20 },
		  "stdout exceeded 64 MiB; stopped with SIGTERM" },
		{ { .overflowed = 1, .exited = 1, .stdout_limit = 4096 },
		  "stdout exceeded 4 KiB; exited with status 0" },
		{ { .interrupted = 1, .overflowed = 1, .stop_signal = SIGTERM }, "interrupted; stopped with SIGTERM" },
		{ { .spawn_failed = 1, .spawn_call = "execve", .spawn_errno = ENOENT, .cmd = (char *)"/x/y" },
		  "cannot execute '/x/y': No such file or directory" },
		{ { .spawn_failed = 1, .spawn_call = "fork", .spawn_errno = EAGAIN, .cmd = (char *)"/x/y" },
		  "cannot run '/x/y': fork: Resource temporarily unavailable" },
		{ { 0 }, "ended with an unknown status" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_describe(&cases[i].r, cases[i].want);
	assert_string_equal(sup_signame(SIGTERM), "SIGTERM");
	assert_null(sup_signame(0));
	assert_null(sup_signame(1000));
}

/* A short buffer is truncated, never overrun. */
static void test_describe_short_buffer(void **state)
{
	struct sup_result r = { .exited = 1, .exit_code = 3 };
	char buf[8];

	(void)state;
	assert_string_equal(sup_describe(&r, buf, sizeof(buf)), "exited ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_table),
		cmocka_unit_test(test_describe_short_buffer),
		cmocka_unit_test(test_ok_parses),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_crash_and_abort),
		cmocka_unit_test(test_garbage_verbatim),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_timeout_stops_group),
		cmocka_unit_test(test_timeout_escalates_to_sigkill),
		cmocka_unit_test(test_timeout_after_stdout_closed),
		cmocka_unit_test(test_timeout_kills_grandchild),
		cmocka_unit_test(test_leader_exit_kills_grandchild),
		cmocka_unit_test(test_overflow_bounded),
		cmocka_unit_test(test_overflow_edges),
		cmocka_unit_test(test_spawn_enoent),
		cmocka_unit_test(test_spawn_eacces),
		cmocka_unit_test(test_bad_argv),
		cmocka_unit_test(test_interrupt_from_tick),
		cmocka_unit_test(test_stderr_to_fd),
		cmocka_unit_test(test_child_fds),
		cmocka_unit_test(test_child_signals),
		cmocka_unit_test(test_child_pgroup),
		cmocka_unit_test(test_env_extra),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
