/*
 * misbehave.c - a test probe that fails in every way a real probe can, on
 * request, to test the runner's supervision (probes/lib/supervise.c), its fault
 * handling end to end (tests/e2e/faults.sh) and, with mode=ok, the per-step
 * overhead benchmark (tests/bench/run-bench.sh).
 *
 * It is a real probe built with the probe library, so the runner treats it
 * like any other. Everything is bounded: sleeps by `seconds`, output by
 * `bytes`. Modes that bypass the library end with _exit() so that no document
 * is printed.
 *
 * Modes:
 *   ok          one metric `value` (count) = 1, with samples
 *   sleep       sleep `seconds`, then ok
 *   slow-ok     log a line to stderr every 0.1 s for `seconds`, then ok
 *   crash       die of SIGSEGV
 *   abort       abort() (SIGABRT)
 *   garbage     MISBEHAVE_GARBAGE (not JSON) on stdout, exit 0
 *   empty       nothing on stdout, exit 0
 *   nothing     nothing on stdout, exit `code`
 *   exit        _exit(`code`) at once, nothing printed
 *   huge        `bytes` bytes of 'x' on stdout, exit 0
 *   fail, skip, error   the verdict, with a reason (`reason`, or one saying it was asked to)
 *   schema      valid JSON that violates the protocol, exit 0
 *   fork-sleep  fork a grandchild (same process group) that sleeps 10 times
 *               `seconds`, so that it outlives the probe unless it is killed;
 *               then sleep `seconds` and report ok. The grandchild logs
 *               "grandchild PID ready", and "grandchild PID got SIGTERM" when
 *               it gets one; on SIGTERM the probe waits for it, then dies of
 *               the signal (a polite parent: the test can see that the SIGTERM
 *               reached the whole group, not only the probe)
 *   stubborn    ignore SIGTERM, log "ignoring SIGTERM", sleep `seconds`, then
 *               ok (tests the escalation to SIGKILL)
 *   close-sleep close stdout, sleep `seconds`, exit 0 (a timeout without an open pipe)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* What mode=garbage prints; tests/unit/test_supervise.c compares it byte for byte. */
#define MISBEHAVE_GARBAGE "this is not json {\"probe\": \x01\x02 \xff garbage\n"

static const struct probe_param params[] = {
	{ .name = "mode",
	  .type = PT_ENUM,
	  .def = "ok",
	  .help = "how to misbehave",
	  .choices = "ok|sleep|slow-ok|crash|abort|garbage|empty|nothing|exit|huge|fail|skip|error|schema|"
		     "fork-sleep|stubborn|close-sleep" },
	{ .name = "seconds", .type = PT_DURATION, .def = "0s", .help = "how long the sleeping modes sleep" },
	{ .name = "bytes", .type = PT_SIZE, .def = "100MiB", .help = "how much mode=huge writes" },
	{ .name = "code", .type = PT_INT, .def = "1", .help = "exit status for mode=nothing and mode=exit" },
	{ .name = "reason",
	  .type = PT_STRING,
	  .def = "",
	  .help = "the reason mode=fail, skip and error give (hostile text for the report tests)" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ .name = "value", .unit = "count", .better = "higher", .help = "always 1: proof that mode=ok ran" },
	{ .name = NULL },
};

/*
 * In the sanitizer build, let a crash be a crash: ASan would otherwise catch
 * SIGSEGV and exit 1. Only this test probe opts out; the hook is ignored
 * without ASan.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0";
}

/* Sleep until `ns` have passed, whatever signals arrive. */
static void sleep_ns(uint64_t ns)
{
	double end = probe_now() + (double)ns / 1e9, left;
	struct timespec ts;

	while ((left = end - probe_now()) > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static void write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(1, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		p += w;
		n -= (size_t)w;
	}
}

static void huge(uint64_t bytes)
{
	static char chunk[64 << 10];
	size_t n;

	memset(chunk, 'x', sizeof(chunk));
	while (bytes) {
		n = bytes < sizeof(chunk) ? (size_t)bytes : sizeof(chunk);
		write_all(chunk, n);
		bytes -= n;
	}
	_exit(0);
}

static int ok(struct probe_ctx *ctx)
{
	struct probe_metric *m = probe_metric(ctx, "value", "count", "higher");
	int i;

	for (i = 0; i < 3; i++)
		probe_metric_sample(m, 1);
	return 0;
}

static int slow_ok(struct probe_ctx *ctx, uint64_t ns)
{
	double end = probe_now() + (double)ns / 1e9;
	int i = 0;

	while (probe_now() < end) {
		probe_log(ctx, "still working (%d)", ++i);
		sleep_ns(100 * 1000000ULL);
	}
	return ok(ctx);
}

static char term_note[64];
static volatile pid_t grandchild;

/* In the grandchild: say that the group's SIGTERM reached it, then go. */
static void grandchild_term(int sig)
{
	(void)sig;
	if (write(2, term_note, strlen(term_note)) < 0) {
		/* nowhere else to say it */
	}
	_exit(0);
}

/* In the probe: a polite parent lets its child go first, then dies of the signal. */
static void leader_term(int sig)
{
	if (grandchild > 0)
		waitpid(grandchild, NULL, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int fork_sleep(struct probe_ctx *ctx, uint64_t ns)
{
	pid_t pid;

	signal(SIGTERM, leader_term);
	pid = fork();
	if (pid < 0)
		return probe_error(ctx, "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		snprintf(term_note, sizeof(term_note), "misbehave: grandchild %ld got SIGTERM\n", (long)getpid());
		signal(SIGTERM, grandchild_term);
		probe_log(ctx, "grandchild %ld ready", (long)getpid());
		sleep_ns(10 * ns);
		_exit(0);
	}
	grandchild = pid;
	sleep_ns(ns);
	return ok(ctx);
}

/* The modes that end without the library's document. */
static void misbehave_raw(const char *mode, long long code, uint64_t ns)
{
	static const char schema[] = "{\"probe\":\"misbehave\",\"status\":\"great\"}\n";

	if (!strcmp(mode, "crash")) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	} else if (!strcmp(mode, "abort")) {
		abort();
	} else if (!strcmp(mode, "garbage")) {
		write_all(MISBEHAVE_GARBAGE, sizeof(MISBEHAVE_GARBAGE) - 1);
		_exit(0);
	} else if (!strcmp(mode, "empty")) {
		_exit(0);
	} else if (!strcmp(mode, "nothing") || !strcmp(mode, "exit")) {
		_exit((int)code);
	} else if (!strcmp(mode, "schema")) {
		write_all(schema, sizeof(schema) - 1);
		_exit(0);
	} else if (!strcmp(mode, "close-sleep")) {
		close(1);
		sleep_ns(ns);
		_exit(0);
	}
}

static int run(struct probe_ctx *ctx)
{
	const char *mode = probe_str(ctx, "mode"), *why = probe_str(ctx, "reason");
	uint64_t ns = probe_duration_ns(ctx, "seconds");

	misbehave_raw(mode, probe_int(ctx, "code"), ns);
	if (!strcmp(mode, "huge"))
		huge(probe_size(ctx, "bytes"));
	if (!strcmp(mode, "stubborn")) {
		signal(SIGTERM, SIG_IGN);
		probe_log(ctx, "ignoring SIGTERM");
	}
	if (!strcmp(mode, "sleep") || !strcmp(mode, "stubborn"))
		sleep_ns(ns);
	if (!strcmp(mode, "slow-ok"))
		return slow_ok(ctx, ns);
	if (!strcmp(mode, "fork-sleep"))
		return fork_sleep(ctx, ns);
	if (!strcmp(mode, "fail")) {
		probe_fail(ctx, "%s", *why ? why : "misbehave was asked to fail");
		return 0;
	}
	if (!strcmp(mode, "skip")) {
		probe_skip(ctx, "%s", *why ? why : "misbehave was asked to skip");
		return 0;
	}
	if (!strcmp(mode, "error"))
		return probe_error(ctx, "%s", *why ? why : "misbehave was asked to report an error");
	return ok(ctx);
}

const struct probe_ops probe_ops = {
	.name = "misbehave",
	.version = "1.0.0",
	.description = "test probe: misbehaves on request, to test the runner's supervision",
	.params = params,
	.metrics = metrics,
	.run = run,
};
