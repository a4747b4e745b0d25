/*
 * test_launcher.c - the launcher command lines (runner/launch.c): exact argv
 * and extra environment for local, mpirun and srun, as root and not, with a
 * hostfile, extra arguments and forwarded variables; a launcher missing from
 * PATH. The launchers are stand-in executables in a temporary directory (only
 * their path is used: nothing is run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch.h"
#include "plan.h"
#include "xalloc.h"

static char dir[] = "/tmp/sd-test-launch-XXXXXX";

static void touch_exe(const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chmod(p, 0755), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	touch_exe("mpirun");
	touch_exe("srun");
	touch_exe("probe");
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc ? -1 : 0;
}

#define MAXV 24

struct argv_case {
	const char *name;
	struct plan_launcher l;
	uid_t euid;
	const char *argv[MAXV]; /* "@" stands for the temporary directory */
	const char *env[4];
};

static char *args_v[] = { "--oversubscribe", "--bind-to", "none" };
static char *sargs_v[] = { "--gpus-per-task=1" };

static const struct argv_case cases[] = {
	{ "local", { .kind = PLAN_LAUNCH_LOCAL }, 0, { "@/probe", "--size=1GiB" }, { NULL } },
	{ "mpirun as root",
	  { .kind = PLAN_LAUNCH_MPIRUN, .np = 2 },
	  0,
	  { "@/mpirun", "--allow-run-as-root", "-np", "2", "-x", "PATH", "-x", "SHAKEDOWN_FAULT", "-x", "NCCL_DEBUG",
	    "@/probe", "--size=1GiB" },
	  { "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1" } },
	{ "mpirun not root, hostfile, args",
	  { .kind = PLAN_LAUNCH_MPIRUN, .np = 8, .hostfile = "/etc/hosts.mpi", .args = args_v, .nargs = 3 },
	  1000,
	  { "@/mpirun", "-np", "8", "--hostfile", "/etc/hosts.mpi", "-x", "PATH", "-x", "SHAKEDOWN_FAULT", "-x",
	    "NCCL_DEBUG", "--oversubscribe", "--bind-to", "none", "@/probe", "--size=1GiB" },
	  { NULL } },
	{ "mpirun, np left to mpirun",
	  { .kind = PLAN_LAUNCH_MPIRUN },
	  1000,
	  { "@/mpirun", "-x", "PATH", "-x", "SHAKEDOWN_FAULT", "-x", "NCCL_DEBUG", "@/probe", "--size=1GiB" },
	  { NULL } },
	{ "srun",
	  { .kind = PLAN_LAUNCH_SRUN, .nodes = 2, .ntasks_per_node = 8, .args = sargs_v, .nargs = 1 },
	  0,
	  { "@/srun", "--nodes=2", "--ntasks-per-node=8", "--export=ALL", "--gpus-per-task=1", "@/probe",
	    "--size=1GiB" },
	  { NULL } },
	{ "srun, allocation's defaults",
	  { .kind = PLAN_LAUNCH_SRUN },
	  1000,
	  { "@/srun", "--export=ALL", "@/probe", "--size=1GiB" },
	  { NULL } },
};

static void test_argv(void **state)
{
	static const char *const env[] = { "HOME=/root",
					   "PATH=/usr/bin",
					   "SHAKEDOWN_FAULT=x.y",
					   "SECRET_TOKEN=s",
					   "NCCL_DEBUG=INFO",
					   "OMPI_MCA_x=1",
					   NULL };
	static const char *const args[] = { "--size=1GiB", NULL };
	struct launch_host h = { dir, env, 0 };
	char *probe = xasprintf("%s/probe", dir), err[256], *want;
	struct launch l;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct argv_case *c = &cases[i];

		h.euid = c->euid;
		assert_int_equal(launch_build(&l, &c->l, probe, args, &h, err, sizeof(err)), 0);
		for (j = 0; c->argv[j]; j++) {
			want = c->argv[j][0] == '@' ? xasprintf("%s%s", dir, c->argv[j] + 1) : xstrdup(c->argv[j]);
			if (!l.argv[j] || strcmp(l.argv[j], want))
				fail_msg("case '%s': argv[%zu] is '%s', want '%s'", c->name, j,
					 l.argv[j] ? l.argv[j] : "(end)", want);
			free(want);
		}
		if (l.argv[j])
			fail_msg("case '%s': extra argv[%zu] '%s'", c->name, j, l.argv[j]);
		for (j = 0; c->env[j]; j++)
			if (!l.envp_extra[j] || strcmp(l.envp_extra[j], c->env[j]))
				fail_msg("case '%s': env[%zu] is '%s', want '%s'", c->name, j,
					 l.envp_extra[j] ? l.envp_extra[j] : "(end)", c->env[j]);
		if (l.envp_extra[j])
			fail_msg("case '%s': extra env '%s'", c->name, l.envp_extra[j]);
		assert_string_equal(l.env_unset[0], "OMPI_COMM_WORLD_RANK");
		launch_release(&l);
	}
	free(probe);
}

static void test_not_found(void **state)
{
	struct plan_launcher mpi = { .kind = PLAN_LAUNCH_MPIRUN, .np = 2 };
	struct launch_host h = { "/nonexistent:/also/not", NULL, 0 };
	char err[256];
	struct launch l;

	(void)state;
	assert_int_equal(launch_build(&l, &mpi, "/bin/sh", NULL, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "launcher 'mpirun' not found in PATH");
	h.path = NULL;
	mpi.kind = PLAN_LAUNCH_SRUN;
	assert_int_equal(launch_build(&l, &mpi, "/bin/sh", NULL, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "launcher 'srun' not found in PATH");
	h.path = dir;
	assert_int_equal(launch_build(&l, &mpi, "/nonexistent/probe", NULL, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot resolve probe path '/nonexistent/probe': No such file or directory");
}

/* A relative probe path becomes absolute (the launcher may start it elsewhere). */
static void test_absolute_probe(void **state)
{
	struct plan_launcher mpi = { .kind = PLAN_LAUNCH_MPIRUN, .np = 1 };
	struct launch_host h = { dir, NULL, 1000 };
	char err[256], *cwd = getcwd(NULL, 0), *want = xasprintf("%s/probe", dir);
	struct launch l;

	(void)state;
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(launch_build(&l, &mpi, "probe", NULL, &h, err, sizeof(err)), 0);
	assert_string_equal(l.argv[3], want);
	assert_null(l.argv[4]);
	launch_release(&l);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_absolute_probe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
