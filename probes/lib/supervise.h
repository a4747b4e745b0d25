/*
 * supervise.h - run one child process under supervision (after git's
 * run-command.h and fio's engines/exec.c).
 *
 * sup_run() is init, start and finish in one call: it executes argv[0]
 * directly (execve, never a shell, no PATH search) in a process group of its
 * own, captures its stdout in memory, sends its stderr to a given fd, and
 * waits for it while enforcing a timeout, a stdout limit and an interrupt
 * flag. To stop the child it sends SIGTERM to the whole group, keeps reading
 * for a grace period, then sends SIGKILL. When the group leader has exited,
 * whatever is left of its group is killed with SIGKILL (a probe's
 * grandchildren do not outlive the step) and the leader is always reaped.
 *
 * The child gets: stdin from /dev/null, stdout into the supervisor, stderr on
 * stderr_fd, the caller's environment less env_unset plus envp_extra, every signal at its
 * default disposition and an empty signal mask. Every other fd the caller
 * holds is marked close-on-exec in the child (close_range where the kernel
 * has it); open your own fds with O_CLOEXEC anyway.
 *
 * Signals: sup_run never writes to the child, and it changes no signal
 * disposition of the caller. The runner ignores SIGPIPE process-wide (for its
 * own writes to closed pipes); the child does not inherit that, since ignored
 * dispositions would survive execve. sup_run does not handle SIGCHLD: leave it
 * at its default (not SIG_IGN, which would make the kernel reap the child).
 *
 * The child also gets SIGKILL when the supervisor dies (PR_SET_PDEATHSIG), so
 * a runner killed with SIGKILL leaves no probe running; the probe's own
 * children are not covered by that.
 *
 * Limits: a process that leaves the group (setsid, setpgid) escapes the kill.
 * A process in uninterruptible sleep (a hung driver call) cannot be killed;
 * after SIGKILL sup_run waits SUP_ABANDON_S seconds for the leader and then
 * gives up on it (abandoned), so the runner is never hung by one step.
 *
 * The one child-process API of the project, in the common library: the
 * runner runs its steps, node agents and describe calls with it, and probes
 * their commands (the audit's version commands, probes/audit/software.c).
 */
#ifndef SD_SUPERVISE_H
#define SD_SUPERVISE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SUP_GRACE_NS_DEFAULT (5ULL * 1000000000ULL)
#define SUP_STDOUT_LIMIT_DEFAULT ((size_t)64 << 20)
#define SUP_ABANDON_S 30

/* Everything is borrowed for the duration of sup_run(); zero means default. */
struct sup_opts {
	const char *const *argv;       /* argv[0] is the path executed; NULL-terminated */
	const char *const *envp_extra; /* optional, NULL-terminated "K=V" that add to or replace the environment */
	const char *const *env_unset;  /* optional, NULL-terminated names removed from the environment */
	int stderr_fd;		       /* the child's stderr (e.g. a log file); -1: /dev/null */
	uint64_t timeout_ns;	       /* 0: no timeout */
	uint64_t grace_ns;	       /* SIGTERM to SIGKILL; 0: SUP_GRACE_NS_DEFAULT */
	size_t stdout_limit;	       /* bytes kept at most; 0: SUP_STDOUT_LIMIT_DEFAULT */
	/* Called from the wait loop about every tick_interval_ns (0: never), e.g. for a "still running" line. */
	void (*tick)(void *arg, double elapsed_s);
	void *tick_arg;
	uint64_t tick_interval_ns;
	/*
	 * Optional; when *interrupt becomes non-zero (the runner's SIGINT/SIGTERM
	 * handler sets it) the child is stopped like on a timeout and the result
	 * says interrupted. Seen within 50 ms. Already non-zero: the child is
	 * started and stopped at once, so check it before calling.
	 */
	volatile sig_atomic_t *interrupt;
};

/*
 * How the child ended. At most one of interrupted, timed_out, overflowed
 * caused the stop (the first one that happened); overflowed is also set when
 * the limit was exceeded after the child had already exited.
 */
struct sup_result {
	char *out;	       /* captured stdout, NUL-terminated, never NULL after sup_run; owned by the result */
	size_t out_len;	       /* bytes in out, at most the stdout limit */
	char *cmd;	       /* copy of argv[0]; owned by the result */
	pid_t pid;	       /* the child, also its process group id; 0 when it never started */
	int exited, exit_code; /* WIFEXITED, WEXITSTATUS */
	int signaled, signal;  /* WIFSIGNALED, WTERMSIG */
	int timed_out, overflowed, interrupted;
	int stop_signal;  /* what sup_run sent to stop it: 0 (nothing), SIGTERM, or SIGKILL after the grace period */
	int abandoned;	  /* still not reaped SUP_ABANDON_S after SIGKILL; exited/signaled are both 0 */
	int spawn_failed; /* it did not run: spawn_call failed with spawn_errno */
	int spawn_errno;
	const char *spawn_call;	       /* static: "execve" (ENOENT, EACCES...), "fork", "pipe2", "open /dev/null" */
	uint64_t timeout_ns, grace_ns; /* as applied, for sup_describe */
	size_t stdout_limit;
	double wall_s; /* from just before fork until sup_run returns */
};

/*
 * Run o->argv to completion. Returns 0 when the child was started and reaped
 * (however it ended: see r), -1 when it did not run or was abandoned
 * (r->spawn_failed, r->abandoned). r is filled in either case and must be
 * released with sup_result_release(). Never exits, never prints.
 */
int sup_run(const struct sup_opts *o, struct sup_result *r);

/* Free the contents of r; r can be reused afterwards. */
void sup_result_release(struct sup_result *r);

/* 1 when the child exited with status 0 and nothing went wrong. */
int sup_clean(const struct sup_result *r);

/*
 * One lower-case line saying how the child ended, into buf (always
 * NUL-terminated); returns buf. Examples:
 *   exited with status 3
 *   killed by signal 11 (SIGSEGV)
 *   timed out after 2s; stopped with SIGTERM
 *   timed out after 2s; did not stop within the 1s grace period, killed with SIGKILL
 *   stdout exceeded 64 MiB; stopped with SIGTERM
 *   interrupted; stopped with SIGTERM
 *   cannot execute '/x/y': No such file or directory
 *   cannot run '/x/y': fork: Resource temporarily unavailable
 */
const char *sup_describe(const struct sup_result *r, char *buf, size_t len);

/* "SIGSEGV" for 11, NULL for a signal without a name here. */
const char *sup_signame(int sig);

#endif
