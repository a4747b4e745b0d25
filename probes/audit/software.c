/*
 * software.c - the software a fleet must agree on, for the audit probe: the
 * CUDA runtime and NCCL (their libraries' own version calls, loaded with
 * dlopen), the MPI library (MPI_Get_library_version, which the MPI standard
 * allows before MPI_Init; `mpirun --version` when no library loads) and the
 * container runtimes on PATH (`docker --version` and the like, run as argv
 * with a timeout, never through a shell). Sources: audit.h.
 *
 * The commands run under the project's one child-process API
 * (probes/lib/supervise.h), like the runner's steps.
 */
#include "audit.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise.h"
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

/* Enough for any version command's output; more is a command gone wrong, stopped and reported. */
#define VERSION_OUT_LIMIT ((size_t)64 << 10)
/* SIGTERM to SIGKILL after the timeout: a version command has nothing to clean up. */
#define VERSION_GRACE_NS (100ULL * 1000000ULL)

/* The first non-empty line of text, cut in place; NULL when there is none. */
static char *first_line(char *text)
{
	char *nl;

	text += strspn(text, "\r\n");
	nl = strpbrk(text, "\r\n");
	if (nl)
		*nl = '\0';
	return *text ? text : NULL;
}

char *audit_exec_line(const char *const *argv, double timeout_s, char *err, size_t len)
{
	struct sup_opts o = {
		.argv = argv,
		.stderr_fd = -1,
		.timeout_ns = timeout_s > 1e-9 ? (uint64_t)(timeout_s * 1e9) : 1, /* 0 would be none */
		.grace_ns = VERSION_GRACE_NS,
		.stdout_limit = VERSION_OUT_LIMIT,
	};
	struct sup_result r;
	char how[256], *line = NULL;

	sup_run(&o, &r);
	if (r.timed_out)
		snprintf(err, len, "'%s' did not answer within %gs", argv[0], timeout_s);
	else if (r.spawn_failed)
		snprintf(err, len, "%s", sup_describe(&r, how, sizeof(how)));
	else if (!sup_clean(&r))
		snprintf(err, len, "'%s' %s", argv[0], sup_describe(&r, how, sizeof(how)));
	else if (!(line = first_line(r.out)))
		snprintf(err, len, "'%s' printed nothing", argv[0]);
	else
		line = xstrdup(line);
	sup_result_release(&r);
	return line;
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
