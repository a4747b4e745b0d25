/*
 * launch.h - the command line that starts a probe under its step's launcher
 * (suites/README.md "launcher"): the probe itself (local), or mpirun or srun
 * starting it on many ranks. Always an argv array, never a shell.
 *
 *   local   PROBE --p=v...
 *   mpirun  MPIRUN [--allow-run-as-root] [-np N] [--hostfile F] [-x NAME]... [ARGS...] PROBE --p=v...
 *   srun    SRUN [--nodes=N] [--ntasks-per-node=N] --export=ALL [ARGS...] PROBE --p=v...
 *
 * The launcher is looked up in $PATH here (the supervisor does no PATH
 * search) and the probe's path is made absolute, since the launcher may
 * start it in another directory or on another node.
 *
 * Environment: srun passes the runner's whole environment to its tasks
 * (--export=ALL, written out so that a site's SLURM_EXPORT_ENV cannot change
 * it). mpirun's remote ranks get only what -x names, so the runner forwards
 * PATH, LD_LIBRARY_PATH, OMP_NUM_THREADS and every SHAKEDOWN_* and NCCL_*
 * variable it has, by name (values stay out of argv). Run as root (euid 0),
 * mpirun gets --allow-run-as-root and OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)=1; not
 * otherwise. Every kind removes the rank variables of the runner's own launch
 * (LAUNCH_RANK_VARS) from the child's environment, so that a runner started
 * by srun runs its local probes as rank 0 and its launchers set their own.
 */
#ifndef SD_LAUNCH_H
#define SD_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

struct plan_launcher;

/* The variables a probe reads its rank from, first one set wins (probes/lib/probe.h). */
#define LAUNCH_RANK_VARS "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"

/* What launch_build() looks at; launch_host_current() fills it from this process. */
struct launch_host {
	const char *path;	/* $PATH, to find the launcher in; NULL: none */
	const char *const *env; /* "K=V" entries to choose forwarded variables from */
	uid_t euid;
};

struct launch_host launch_host_current(void);

struct launch {
	char **argv;		      /* NULL-terminated; argv[0] is an absolute path */
	char **envp_extra;	      /* NULL-terminated "K=V" the child gets in addition */
	const char *const *env_unset; /* NULL-terminated names removed from the child's environment (static) */
	const char *who;	      /* what runs: "probe", "mpirun" or "srun", for error reasons */
};

/*
 * Build l (which need not be initialised) for the probe at probe_path with
 * its arguments probe_args (NULL-terminated, borrowed) under launcher lc
 * (NULL: local). Returns 0, or -1 with err set (l then holds nothing):
 *   launcher 'mpirun' not found in PATH
 *   cannot resolve probe path 'x': No such file or directory
 * Release l with launch_release().
 */
int launch_build(struct launch *l, const struct plan_launcher *lc, const char *probe_path,
		 const char *const *probe_args, const struct launch_host *h, char *err, size_t len);
void launch_release(struct launch *l);

/* "launch: ARGV..." on fd (nothing when fd < 0), so that a launcher's failure can be replayed by hand. */
void launch_log(int fd, const struct launch *l);

/*
 * The absolute path of the executable name in the colon-separated dirs of
 * path (empty entries are the current directory); NULL when none. Caller frees.
 */
char *launch_which(const char *name, const char *path);

#endif
