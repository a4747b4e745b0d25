/*
 * supervise.c - see supervise.h.
 *
 * Shape: result_init → spawn (fork, child side, CLOEXEC error pipe) →
 * supervise (poll loop on stdout and a pidfd, against monotonic deadlines) →
 * finish (kill what is left of the group, reap, drain stdout).
 *
 * The leader's exit is noticed with waitid(WNOWAIT), which leaves it a zombie:
 * while it is one, its pid (the group id) cannot be reused, so the group kill
 * that follows cannot hit an unrelated process. Only then is it reaped.
 */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "units.h"
#include "xalloc.h"

extern char **environ;

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
/* Longest poll while the interrupt flag must be watched, or the leader's exit without a pidfd. */
#define POLL_CAP_MS 50
/* After the leader is gone, how long to read on for what a process that left the group still writes. */
#define DRAIN_NS (1000 * NS_PER_MS)
#define BUF_START ((size_t)64 << 10)
#define STR_(x) #x
#define STR(x) STR_(x)

/* What the parent holds while starting the child; all fds are close-on-exec. */
struct spawn {
	int out[2];
	int err[2];
	int devnull;
	char **envp;
	struct sigaction dfl;
	sigset_t nomask;
	pid_t parent; /* the supervisor, for the parent-death signal */
};

struct sup {
	const struct sup_opts *o;
	struct sup_result *r;
	int out_fd, pidfd;
	size_t cap;
	uint64_t t0, deadline, kill_at, give_up_at, next_tick;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void result_init(const struct sup_opts *o, struct sup_result *r, size_t *cap)
{
	memset(r, 0, sizeof(*r));
	r->timeout_ns = o->timeout_ns;
	r->grace_ns = o->grace_ns ? o->grace_ns : SUP_GRACE_NS_DEFAULT;
	r->stdout_limit = o->stdout_limit ? o->stdout_limit : SUP_STDOUT_LIMIT_DEFAULT;
	if (r->stdout_limit == SIZE_MAX)
		r->stdout_limit--;
	r->cmd = xstrdup(o->argv && o->argv[0] ? o->argv[0] : "");
	*cap = r->stdout_limit + 1 < BUF_START ? r->stdout_limit + 1 : BUF_START;
	r->out = xmalloc(*cap);
	r->out[0] = '\0';
}

static void spawn_failed(struct sup_result *r, const char *call, int err)
{
	r->spawn_failed = 1;
	r->spawn_call = call;
	r->spawn_errno = err;
}

/* 1 when environment entry e ("K=V") has its key replaced by one in extra. */
static int overridden(const char *e, const char *const *extra)
{
	for (; extra && *extra; extra++) {
		size_t k = strcspn(*extra, "=");

		if (!strncmp(e, *extra, k) && e[k] == '=')
			return 1;
	}
	return 0;
}

/* 1 when environment entry e ("K=V") is named in names[]. */
static int named(const char *e, const char *const *names)
{
	for (; names && *names; names++) {
		size_t k = strlen(*names);

		if (!strncmp(e, *names, k) && e[k] == '=')
			return 1;
	}
	return 0;
}

/* environ less unset, plus extra; the array is the caller's to free, the strings are borrowed. */
static char **make_envp(const char *const *extra, const char *const *unset)
{
	size_t n = 0, m = 0, i;
	char **v;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	v = xcalloc(n + m + 1, sizeof(*v));
	m = 0;
	for (i = 0; i < n; i++)
		if (!overridden(environ[i], extra) && !named(environ[i], unset))
			v[m++] = environ[i];
	for (i = 0; extra && extra[i]; i++)
		v[m++] = (char *)extra[i];
	return v;
}

/*
 * In the child, between fork and exec: async-signal-safe calls only. Copies go
 * above 2 first so that dup2 works whatever fds the sources are.
 */
__attribute__((noreturn)) static void child(const struct sup_opts *o, struct spawn *sp)
{
	int in, out, err, sig, e;

	setpgid(0, 0);
	/* a runner killed with SIGKILL takes its probe along (not the probe's own children) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sp->parent)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sp->dfl, NULL);
	sigprocmask(SIG_SETMASK, &sp->nomask, NULL);
	in = fcntl(sp->devnull, F_DUPFD_CLOEXEC, 3);
	out = fcntl(sp->out[1], F_DUPFD_CLOEXEC, 3);
	err = fcntl(o->stderr_fd >= 0 ? o->stderr_fd : sp->devnull, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		goto fail;
#ifdef SYS_close_range
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
	execve(o->argv[0], (char *const *)o->argv, sp->envp);
fail:
	e = errno;
	if (write(sp->err[1], &e, sizeof(e)) < 0) {
		/* nothing left to tell it to */
	}
	_exit(127);
}

static void reap(struct sup_result *r)
{
	int st;
	pid_t rc;

	do
		rc = waitpid(r->pid, &st, 0);
	while (rc < 0 && errno == EINTR);
	if (rc != r->pid)
		return;
	if (WIFEXITED(st)) {
		r->exited = 1;
		r->exit_code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		r->signaled = 1;
		r->signal = WTERMSIG(st);
	}
}

/* After fork, in the parent: 0 once the child has exec'd, -1 (reaped) when exec failed. */
static int exec_result(struct sup *s, struct spawn *sp)
{
	ssize_t n;
	int e;

	setpgid(s->r->pid, s->r->pid); /* also here: no kill(-pgid) may precede the group */
	close_fd(&sp->out[1]);
	close_fd(&sp->err[1]);
	do
		n = read(sp->err[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(e))
		return 0;
	reap(s->r); /* its status 127 is ours, not the program's */
	s->r->exited = s->r->exit_code = 0;
	s->r->pid = 0;
	spawn_failed(s->r, "execve", e);
	return -1;
}

static int spawn_prepare(struct spawn *sp, struct sup_result *r, const struct sup_opts *o)
{
	if (pipe2(sp->out, O_CLOEXEC) < 0 || pipe2(sp->err, O_CLOEXEC) < 0) {
		spawn_failed(r, "pipe2", errno);
		return -1;
	}
	sp->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (sp->devnull < 0) {
		spawn_failed(r, "open /dev/null", errno);
		return -1;
	}
	sp->envp = make_envp(o->envp_extra, o->env_unset);
	sp->parent = getpid();
	memset(&sp->dfl, 0, sizeof(sp->dfl));
	sp->dfl.sa_handler = SIG_DFL;
	sigemptyset(&sp->nomask);
	return 0;
}

static int spawn(struct sup *s)
{
	struct spawn sp = { .out = { -1, -1 }, .err = { -1, -1 }, .devnull = -1 };
	int ret = -1;

	if (!s->o->argv || !s->o->argv[0]) {
		spawn_failed(s->r, "argv", EINVAL);
		return -1;
	}
	if (spawn_prepare(&sp, s->r, s->o) < 0)
		goto out;
	s->r->pid = fork();
	if (s->r->pid < 0) {
		spawn_failed(s->r, "fork", errno);
		s->r->pid = 0;
		goto out;
	}
	if (s->r->pid == 0)
		child(s->o, &sp);
	if (exec_result(s, &sp) < 0)
		goto out;
	s->out_fd = sp.out[0];
	sp.out[0] = -1;
#ifdef SYS_pidfd_open
	s->pidfd = (int)syscall(SYS_pidfd_open, s->r->pid, 0U);
#endif
	ret = 0;
out:
	close_fd(&sp.out[0]);
	close_fd(&sp.out[1]);
	close_fd(&sp.err[0]);
	close_fd(&sp.err[1]);
	close_fd(&sp.devnull);
	free(sp.envp);
	return ret;
}

/* 1 once the leader has exited (it stays a zombie until reap), or cannot be waited for. */
static int leader_exited(const struct sup_result *r)
{
	siginfo_t si;
	int rc;

	memset(&si, 0, sizeof(si));
	do
		rc = waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	while (rc < 0 && errno == EINTR);
	return rc < 0 || si.si_pid != 0;
}

/* Read once from stdout; keep at most the limit, discard and flag the rest; close at EOF. */
static void read_out(struct sup *s)
{
	struct sup_result *r = s->r;
	size_t room = r->stdout_limit - r->out_len;
	char scratch[BUF_START];
	ssize_t n;

	if (room && r->out_len + 1 == s->cap) {
		s->cap = s->cap > r->stdout_limit / 2 ? r->stdout_limit + 1 : s->cap * 2;
		r->out = xrealloc(r->out, s->cap);
	}
	if (room)
		n = read(s->out_fd, r->out + r->out_len, s->cap - 1 - r->out_len);
	else
		n = read(s->out_fd, scratch, sizeof(scratch));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&s->out_fd);
		return;
	}
	if (!room) {
		r->overflowed = 1;
		return;
	}
	r->out_len += (size_t)n;
	r->out[r->out_len] = '\0';
}

static void stop(struct sup *s, uint64_t now)
{
	kill(-s->r->pid, SIGTERM);
	s->r->stop_signal = SIGTERM;
	s->kill_at = now + s->r->grace_ns;
}

/* Start stopping on interrupt, timeout or overflow; escalate after the grace period. */
static void enforce(struct sup *s, uint64_t now)
{
	const struct sup_opts *o = s->o;
	struct sup_result *r = s->r;

	if (!r->stop_signal) {
		if (o->interrupt && *o->interrupt)
			r->interrupted = 1;
		else if (r->timeout_ns && now >= s->deadline)
			r->timed_out = 1;
		if (r->interrupted || r->timed_out || r->overflowed)
			stop(s, now);
	} else if (r->stop_signal == SIGTERM && now >= s->kill_at) {
		kill(-r->pid, SIGKILL);
		r->stop_signal = SIGKILL;
		s->give_up_at = now + SUP_ABANDON_S * NS_PER_S;
	} else if (r->stop_signal == SIGKILL && now >= s->give_up_at) {
		r->abandoned = 1;
	}
}

static void tick(struct sup *s, uint64_t now)
{
	const struct sup_opts *o = s->o;

	if (!o->tick || !o->tick_interval_ns || now < s->next_tick)
		return;
	o->tick(o->tick_arg, (double)(now - s->t0) / 1e9);
	s->next_tick = now + o->tick_interval_ns;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Milliseconds until the next thing to do, rounded up; -1: nothing but fds to wait for. */
static int wait_ms(const struct sup *s, uint64_t now)
{
	const struct sup_result *r = s->r;
	uint64_t next = UINT64_MAX, ms;

	if (r->timeout_ns && !r->stop_signal)
		next = s->deadline;
	if (r->stop_signal == SIGTERM)
		next = min_u64(next, s->kill_at);
	if (r->stop_signal == SIGKILL)
		next = min_u64(next, s->give_up_at);
	if (s->o->tick && s->o->tick_interval_ns)
		next = min_u64(next, s->next_tick);
	if (s->pidfd < 0 || s->o->interrupt)
		next = min_u64(next, now + POLL_CAP_MS * NS_PER_MS);
	if (next == UINT64_MAX)
		return -1;
	ms = next <= now ? 0 : (next - now + NS_PER_MS - 1) / NS_PER_MS;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Wait for output, the leader's exit or the next deadline, and read what came. */
static void wait_once(struct sup *s, int ms)
{
	struct pollfd p[2];
	nfds_t n = 0;
	int rc;

	if (s->out_fd >= 0)
		p[n++] = (struct pollfd){ .fd = s->out_fd, .events = POLLIN };
	if (s->pidfd >= 0)
		p[n++] = (struct pollfd){ .fd = s->pidfd, .events = POLLIN };
	rc = poll(p, n, ms);
	if (rc < 0 && errno != EINTR) {
		/* ENOMEM and the like: back off; the deadlines still hold */
		nanosleep(&(struct timespec){ .tv_nsec = 10 * (long)NS_PER_MS }, NULL);
		return;
	}
	if (rc > 0 && s->out_fd >= 0 && p[0].revents)
		read_out(s);
}

static void supervise(struct sup *s)
{
	uint64_t now;

	s->deadline = s->t0 + s->r->timeout_ns;
	s->next_tick = s->t0 + s->o->tick_interval_ns;
	for (;;) {
		now = now_ns();
		if (leader_exited(s->r))
			return;
		enforce(s, now);
		if (s->r->abandoned)
			return;
		tick(s, now);
		wait_once(s, wait_ms(s, now));
	}
}

/* Read what is left in the pipe, for at most DRAIN_NS. */
static void drain(struct sup *s)
{
	uint64_t end = now_ns() + DRAIN_NS, now;
	struct pollfd p;

	while (s->out_fd >= 0 && (now = now_ns()) < end) {
		p = (struct pollfd){ .fd = s->out_fd, .events = POLLIN };
		if (poll(&p, 1, (int)((end - now + NS_PER_MS - 1) / NS_PER_MS)) > 0)
			read_out(s);
	}
}

static void finish(struct sup *s)
{
	if (!s->r->abandoned) {
		kill(-s->r->pid, SIGKILL); /* the rest of the group, while the zombie leader holds its id */
		reap(s->r);
		drain(s);
	}
	close_fd(&s->out_fd);
	close_fd(&s->pidfd);
}

int sup_run(const struct sup_opts *o, struct sup_result *r)
{
	struct sup s = { .o = o, .r = r, .out_fd = -1, .pidfd = -1 };
	int ret = -1;

	result_init(o, r, &s.cap);
	s.t0 = now_ns();
	if (spawn(&s) < 0)
		goto out;
	supervise(&s);
	finish(&s);
	ret = r->abandoned ? -1 : 0;
out:
	r->wall_s = (double)(now_ns() - s.t0) / 1e9;
	return ret;
}

void sup_result_release(struct sup_result *r)
{
	free(r->out);
	free(r->cmd);
	memset(r, 0, sizeof(*r));
}

int sup_clean(const struct sup_result *r)
{
	return r->exited && r->exit_code == 0 && !r->timed_out && !r->overflowed && !r->interrupted &&
	       !r->spawn_failed && !r->abandoned;
}

const char *sup_signame(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",   [SIGILL] = "SIGILL",
		[SIGTRAP] = "SIGTRAP",	   [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL",	   [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",   [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",   [SIGCHLD] = "SIGCHLD",
		[SIGCONT] = "SIGCONT",	   [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",   [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU",	   [SIGURG] = "SIGURG",	  [SIGXCPU] = "SIGXCPU",   [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",
		[SIGSYS] = "SIGSYS",
	};

	if (sig <= 0 || (size_t)sig >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[sig];
}

/* How it ended by itself: exit status or signal. */
static const char *describe_end(const struct sup_result *r, char *buf, size_t len)
{
	const char *name = sup_signame(r->signal);

	if (r->signaled && name)
		snprintf(buf, len, "killed by signal %d (%s)", r->signal, name);
	else if (r->signaled)
		snprintf(buf, len, "killed by signal %d", r->signal);
	else if (r->exited)
		snprintf(buf, len, "exited with status %d", r->exit_code);
	else
		snprintf(buf, len, "ended with an unknown status");
	return buf;
}

/* Why the supervisor stopped it, into buf; NULL when it did not. */
static const char *describe_cause(const struct sup_result *r, char *buf, size_t len)
{
	char v[32];

	if (r->interrupted)
		snprintf(buf, len, "interrupted");
	else if (r->timed_out)
		snprintf(buf, len, "timed out after %s", units_format_duration_ns(r->timeout_ns, v, sizeof(v)));
	else if (r->overflowed)
		snprintf(buf, len, "stdout exceeded %s", units_format_size(r->stdout_limit, v, sizeof(v)));
	else
		return NULL;
	return buf;
}

const char *sup_describe(const struct sup_result *r, char *buf, size_t len)
{
	char cause[64], g[48];

	if (r->spawn_failed && !strcmp(r->spawn_call, "execve"))
		snprintf(buf, len, "cannot execute '%s': %s", r->cmd, strerror(r->spawn_errno));
	else if (r->spawn_failed)
		snprintf(buf, len, "cannot run '%s': %s: %s", r->cmd, r->spawn_call, strerror(r->spawn_errno));
	else if (!describe_cause(r, cause, sizeof(cause)))
		describe_end(r, buf, len);
	else if (r->stop_signal == SIGTERM)
		snprintf(buf, len, "%s; stopped with SIGTERM", cause);
	else if (r->stop_signal == SIGKILL)
		snprintf(buf, len, "%s; did not stop within the %s grace period, killed with SIGKILL%s", cause,
			 units_format_duration_ns(r->grace_ns, g, sizeof(g)),
			 r->abandoned ? ", and it still had not exited " STR(SUP_ABANDON_S) "s later; abandoned" : "");
	else
		snprintf(buf, len, "%s; %s", cause, describe_end(r, g, sizeof(g)));
	return buf;
}
