/* launch.c - see launch.h. */
#include "launch.h"
#include "plan.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char *const rank_vars[] = { LAUNCH_RANK_VARS, NULL };

/* mpirun -x: these names, and every name with one of these prefixes. */
static const char *const fwd_names[] = { "PATH", "LD_LIBRARY_PATH", "OMP_NUM_THREADS", NULL };
static const char *const fwd_prefixes[] = { "SHAKEDOWN_", "NCCL_", NULL };

struct launch_host launch_host_current(void)
{
	struct launch_host h = { getenv("PATH"), (const char *const *)environ, geteuid() };

	return h;
}

/* A growing NULL-terminated array of owned strings. */
struct strv {
	char **v;
	size_t n;
};

static void push(struct strv *s, char *owned)
{
	s->v = xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

char *launch_which(const char *name, const char *path)
{
	const char *p = path, *end;
	struct stat st;
	char *cand, *abs;

	if (!path || strchr(name, '/'))
		return NULL;
	for (; p; p = *end ? end + 1 : NULL) {
		end = strchrnul(p, ':');
		cand = end == p ? xasprintf("./%s", name) : xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (!stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK)) {
			/* keep the name (mpirun, not the orterun it links to); resolve only a relative directory */
			if (cand[0] == '/')
				return cand;
			abs = realpath(cand, NULL);
			free(cand);
			if (abs)
				return abs;
			continue;
		}
		free(cand);
	}
	return NULL;
}

static int forwarded(const char *entry)
{
	size_t k = strcspn(entry, "="), i;

	if (!entry[k])
		return 0;
	for (i = 0; fwd_names[i]; i++)
		if (strlen(fwd_names[i]) == k && !strncmp(entry, fwd_names[i], k))
			return 1;
	for (i = 0; fwd_prefixes[i]; i++)
		if (!strncmp(entry, fwd_prefixes[i], strlen(fwd_prefixes[i])))
			return 1;
	return 0;
}

static void mpirun_options(struct strv *a, struct strv *env, const struct plan_launcher *lc,
			   const struct launch_host *h)
{
	size_t i;

	if (h->euid == 0) {
		push(a, xstrdup("--allow-run-as-root"));
		push(env, xstrdup("OMPI_ALLOW_RUN_AS_ROOT=1"));
		push(env, xstrdup("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"));
	}
	if (lc->np) {
		push(a, xstrdup("-np"));
		push(a, xasprintf("%lld", lc->np));
	}
	if (lc->hostfile) {
		push(a, xstrdup("--hostfile"));
		push(a, xstrdup(lc->hostfile));
	}
	for (i = 0; h->env && h->env[i]; i++) {
		if (!forwarded(h->env[i]))
			continue;
		push(a, xstrdup("-x"));
		push(a, xstrndup(h->env[i], strcspn(h->env[i], "=")));
	}
}

static void srun_options(struct strv *a, const struct plan_launcher *lc)
{
	if (lc->nodes)
		push(a, xasprintf("--nodes=%lld", lc->nodes));
	if (lc->ntasks_per_node)
		push(a, xasprintf("--ntasks-per-node=%lld", lc->ntasks_per_node));
	push(a, xstrdup("--export=ALL"));
}

int launch_build(struct launch *l, const struct plan_launcher *lc, const char *probe_path,
		 const char *const *probe_args, const struct launch_host *h, char *err, size_t len)
{
	struct strv a = { 0 }, env = { 0 };
	const char *kind;
	char *exe, *probe;
	size_t i;

	memset(l, 0, sizeof(*l));
	l->env_unset = rank_vars;
	if (!lc || lc->kind == PLAN_LAUNCH_LOCAL) {
		push(&a, xstrdup(probe_path));
		l->who = "probe";
		goto args;
	}
	kind = plan_launcher_kind_name(lc->kind);
	if (!(exe = launch_which(kind, h->path))) {
		snprintf(err, len, "launcher '%s' not found in PATH", kind);
		return -1;
	}
	if (!(probe = realpath(probe_path, NULL))) {
		snprintf(err, len, "cannot resolve probe path '%s': %s", probe_path, strerror(errno));
		free(exe);
		return -1;
	}
	push(&a, exe);
	if (lc->kind == PLAN_LAUNCH_MPIRUN)
		mpirun_options(&a, &env, lc, h);
	else
		srun_options(&a, lc);
	for (i = 0; i < lc->nargs; i++)
		push(&a, xstrdup(lc->args[i]));
	push(&a, probe);
	l->who = kind;
args:
	for (i = 0; probe_args && probe_args[i]; i++)
		push(&a, xstrdup(probe_args[i]));
	l->argv = a.v;
	l->envp_extra = env.v ? env.v : xcalloc(1, sizeof(char *));
	return 0;
}

void launch_release(struct launch *l)
{
	strv_free(l->argv);
	strv_free(l->envp_extra);
	memset(l, 0, sizeof(*l));
}

void launch_log(int fd, const struct launch *l)
{
	size_t i;

	if (fd < 0)
		return;
	dprintf(fd, "launch:");
	for (i = 0; l->argv[i]; i++)
		dprintf(fd, " %s", l->argv[i]);
	dprintf(fd, "\n");
}
