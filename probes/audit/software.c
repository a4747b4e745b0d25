/*
 * software.c - the software a fleet must agree on, for the audit probe: the
 * CUDA runtime and NCCL (their libraries' own version calls, loaded with
 * dlopen), the MPI library (MPI_Get_library_version, which the MPI standard
 * allows before MPI_Init; `mpirun --version` when no library loads) and the
 * container runtimes on PATH (`docker --version` and the like, run as argv
 * with a timeout, never through a shell). Sources: audit.h.
 *
 * A small fork/exec of its own rather than runner/supervise.c, which lives in
 * the runner's library that probes do not link; this one only needs one line
 * of a version command's stdout.
 */
#include "audit.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

/* The library names tried when no override is set, in order. */
static const char *const cudart_libs[] = { "libcudart.so",
					   "libcudart.so.13",
					   "libcudart.so.12",
					   "libcudart.so.11.0",
					   "/usr/local/cuda/lib64/libcudart.so",
					   NULL };
static const char *const nccl_libs[] = { "libnccl.so.2", "libnccl.so", NULL };
static const char *const mpi_libs[] = { "libmpi.so.40", "libmpi.so.12", "libmpi.so", NULL };

const struct audit_container_kind audit_container_kinds[] = {
	{ "docker", "--version" },    { "podman", "--version" },      { "enroot", "version" },
	{ "apptainer", "--version" }, { "singularity", "--version" }, { NULL, NULL },
};

int audit_lib_version(const char *const *libs, const char *symbol, int *version, char **lib)
{
	int (*get)(int *);
	void *dl;
	int v;

	for (; *libs; libs++) {
		dl = dlopen(*libs, RTLD_NOW | RTLD_LOCAL);
		if (!dl)
			continue;
		*(void **)&get = dlsym(dl, symbol);
		v = 0;
		if (get && !get(&v) && v > 0) {
			*version = v;
			*lib = xstrdup(*libs);
			dlclose(dl);
			return 0;
		}
		dlclose(dl);
	}
	return -1;
}

/* MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI, 8192 in MPICH: room for either. */
#define MPI_VERSION_BUF 8192

char *audit_lib_mpi_version(const char *const *libs, char **lib)
{
	int (*get)(char *, int *);
	char *buf = xmalloc(MPI_VERSION_BUF), *out = NULL;
	void *dl;
	int n;

	for (; *libs && !out; libs++) {
		dl = dlopen(*libs, RTLD_NOW | RTLD_LOCAL);
		if (!dl)
			continue;
		*(void **)&get = dlsym(dl, "MPI_Get_library_version");
		n = 0;
		memset(buf, 0, MPI_VERSION_BUF);
		if (get && !get(buf, &n) && buf[0]) {
			buf[MPI_VERSION_BUF - 1] = '\0';
			out = xstrdup(buf);
			*lib = xstrdup(*libs);
		}
		dlclose(dl);
	}
	free(buf);
	return out;
}

char *audit_mpi_short(const char *s)
{
	size_t n = 0, i;
	char *out;

	if (!s)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	while (s[n] && s[n] != ',' && s[n] != '\n')
		n++;
	out = xasprintf("%.*s", (int)n, s);
	for (i = 0; out[i]; i++) /* MPICH's "Version:\t4.0.2": one line, single spaces */
		if (out[i] == '\t')
			out[i] = ' ';
	while (i > 0 && isspace((unsigned char)out[i - 1]))
		out[--i] = '\0';
	return out;
}

char *audit_which(const char *path, const char *name)
{
	const char *dir = path, *end;
	struct stat st;
	char *p;

	if (!path || !*name || strchr(name, '/'))
		return NULL;
	while (*dir) {
		end = strchr(dir, ':');
		if (!end)
			end = dir + strlen(dir);
		p = xasprintf("%.*s/%s", (int)(end - dir), end == dir ? "." : dir, name);
		if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK))
			return p;
		free(p);
		dir = *end ? end + 1 : end;
	}
	return NULL;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * The child: a process group of its own (a timeout kills all it started),
 * SIGKILL when the probe dies (the runner's kill of the probe's group does
 * not reach this group), stdin and stderr /dev/null, stdout the pipe.
 * Async-signal-safe calls only.
 */
static void child(const char *const *argv, pid_t parent, int null_fd, int out_fd)
{
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(126);
	if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(null_fd, 2) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* Read the child's stdout until EOF or the deadline; keeps the first cap - 1 bytes. 1 when it timed out. */
static int drain(int fd, double deadline, char *buf, size_t cap, size_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char scratch[4096];
	ssize_t got;
	size_t room;
	int wait_ms;

	for (;;) {
		wait_ms = (int)((deadline - mono_s()) * 1000);
		if (wait_ms <= 0)
			return 1;
		if (poll(&pfd, 1, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (!pfd.revents)
			continue;
		room = cap - 1 - *len;
		got = read(fd, room ? buf + *len : scratch, room ? room : sizeof(scratch));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return 0;
		if (room)
			*len += (size_t)got;
	}
}

/*
 * Wait for pid to exit (until the deadline), then SIGKILL whatever is left of
 * its group (all of it after a timeout) while the leader's zombie still holds
 * the group id, then reap the leader. Returns the wait status, or -1.
 */
static int reap(pid_t pid, double deadline)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	siginfo_t info;
	int status;

	for (;;) {
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT))
			return -1;
		if (info.si_pid == pid || mono_s() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);
	return waitpid(pid, &status, 0) == pid ? status : -1;
}

char *audit_exec_line(const char *const *argv, double timeout_s, char *err, size_t len)
{
	char buf[4096], *nl, *line;
	size_t got = 0;
	double deadline = mono_s() + timeout_s;
	int fds[2], null_fd, timed_out, status;
	pid_t pid, self = getpid();

	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || pipe2(fds, O_CLOEXEC)) {
		snprintf(err, len, "cannot run '%s': %s", argv[0], strerror(errno));
		if (null_fd >= 0)
			close(null_fd);
		return NULL;
	}
	pid = fork();
	if (pid == 0)
		child(argv, self, null_fd, fds[1]);
	close(fds[1]);
	close(null_fd);
	if (pid < 0) {
		snprintf(err, len, "cannot run '%s': fork: %s", argv[0], strerror(errno));
		close(fds[0]);
		return NULL;
	}
	setpgid(pid, pid); /* also in the child: whichever runs first */
	timed_out = drain(fds[0], deadline, buf, sizeof(buf), &got);
	close(fds[0]);
	status = reap(pid, timed_out ? 0 : deadline);
	buf[got] = '\0';
	if (timed_out) {
		snprintf(err, len, "'%s' did not answer within %gs", argv[0], timeout_s);
		return NULL;
	}
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(err, len, "cannot execute '%s'", argv[0]);
		else if (status >= 0 && WIFSIGNALED(status))
			snprintf(err, len, "'%s' was killed by signal %d", argv[0], WTERMSIG(status));
		else
			snprintf(err, len, "'%s' exited with status %d", argv[0],
				 status < 0 ? -1 : WEXITSTATUS(status));
		return NULL;
	}
	for (line = buf; *line == '\n' || *line == '\r'; line++)
		;
	nl = strpbrk(line, "\r\n");
	if (nl)
		*nl = '\0';
	if (!*line) {
		snprintf(err, len, "'%s' printed nothing", argv[0]);
		return NULL;
	}
	return xstrdup(line);
}

char *audit_version_token(const char *line)
{
	const char *s = line, *start;
	size_t n;

	while (s && *s) {
		while (*s && isspace((unsigned char)*s))
			s++;
		start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*start == 'v' && isdigit((unsigned char)start[1]))
			start++;
		if (!isdigit((unsigned char)*start))
			continue;
		n = (size_t)(s - start);
		while (n > 0 && !isalnum((unsigned char)start[n - 1])) /* "28.2.2," */
			n--;
		return xasprintf("%.*s", (int)n, start);
	}
	return NULL;
}

void audit_cuda_version_text(int v, char *buf, size_t len)
{
	if (v <= 0)
		snprintf(buf, len, "unknown");
	else if (v % 10)
		snprintf(buf, len, "%d.%d.%d", v / 1000, v % 1000 / 10, v % 10);
	else
		snprintf(buf, len, "%d.%d", v / 1000, v % 1000 / 10);
}

void audit_nccl_version_text(int v, char *buf, size_t len)
{
	if (v <= 0)
		snprintf(buf, len, "unknown");
	else if (v >= 20900) /* NCCL_VERSION_CODE: major*10000 + minor*100 + patch from 2.9 on */
		snprintf(buf, len, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	else
		snprintf(buf, len, "%d.%d.%d", v / 1000, v / 100 % 10, v % 100);
}

/* An override from the environment (one path) in one[], or the default list. */
static const char *const *libs_or(const char *env, const char *one[2], const char *const *def)
{
	const char *s = getenv(env);

	if (!s || !*s)
		return def;
	one[0] = s;
	one[1] = NULL;
	return one;
}

void audit_software_sources(struct audit_sw_sources *src)
{
	static const char *cudart[2], *nccl[2], *mpi[2];

	src->cudart_libs = libs_or(AUDIT_CUDART_LIB_ENV, cudart, cudart_libs);
	src->nccl_libs = libs_or(AUDIT_NCCL_LIB_ENV, nccl, nccl_libs);
	src->mpi_libs = libs_or(AUDIT_MPI_LIB_ENV, mpi, mpi_libs);
	src->path = getenv("PATH");
	src->timeout_s = 3;
}

/* `mpirun --version` when no MPI library answered: "mpirun (Open MPI) 4.1.4". */
static void mpi_from_mpirun(const struct audit_sw_sources *src, struct audit_software *s)
{
	char *mpirun = audit_which(src->path, "mpirun"), err[256];
	const char *argv[3];

	if (!mpirun) {
		s->mpi_reason = xstrdup("no MPI library loads and no mpirun on PATH");
		return;
	}
	argv[0] = mpirun;
	argv[1] = "--version";
	argv[2] = NULL;
	s->mpi_full = audit_exec_line(argv, src->timeout_s, err, sizeof(err));
	if (s->mpi_full) {
		s->mpi = xstrdup(s->mpi_full);
		s->mpi_source = xasprintf("%s --version", mpirun);
	} else {
		s->mpi_reason = xstrdup(err);
	}
	free(mpirun);
}

static void read_container(const struct audit_sw_sources *src, const struct audit_container_kind *k,
			   struct audit_container *c)
{
	char err[256];
	const char *argv[3];

	memset(c, 0, sizeof(*c));
	c->name = k->name;
	c->path = audit_which(src->path, k->name);
	if (!c->path)
		return;
	argv[0] = c->path;
	argv[1] = k->version_arg;
	argv[2] = NULL;
	c->line = audit_exec_line(argv, src->timeout_s, err, sizeof(err));
	c->version = audit_version_token(c->line);
	if (!c->line)
		c->reason = xstrdup(err);
	else if (!c->version)
		c->reason = xasprintf("no version in '%s'", c->line);
}

void audit_software_read(const struct audit_sw_sources *src, struct audit_software *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->cuda_runtime = s->nccl = -1;
	audit_lib_version(src->cudart_libs, "cudaRuntimeGetVersion", &s->cuda_runtime, &s->cuda_runtime_lib);
	audit_lib_version(src->nccl_libs, "ncclGetVersion", &s->nccl, &s->nccl_lib);
	s->mpi_full = audit_lib_mpi_version(src->mpi_libs, &s->mpi_source);
	if (s->mpi_full)
		s->mpi = audit_mpi_short(s->mpi_full);
	else
		mpi_from_mpirun(src, s);
	for (i = 0; audit_container_kinds[i].name; i++)
		read_container(src, &audit_container_kinds[i], &s->containers[i]);
}

void audit_software_release(struct audit_software *s)
{
	size_t i;

	free(s->cuda_runtime_lib);
	free(s->nccl_lib);
	free(s->mpi);
	free(s->mpi_full);
	free(s->mpi_source);
	free(s->mpi_reason);
	for (i = 0; i < AUDIT_CONTAINER_KINDS; i++) {
		free(s->containers[i].path);
		free(s->containers[i].line);
		free(s->containers[i].version);
		free(s->containers[i].reason);
	}
	memset(s, 0, sizeof(*s));
}
