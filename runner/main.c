/*
 * main.c - the `shakedown` command: argument parsing and dispatch only.
 * Everything it runs lives in run.c (plans, single probes), plan.c
 * (validation) and catalog.c (probe listing).
 */
#include "baseline.h"
#include "catalog.h"
#include "compare.h"
#include "exitcodes.h"
#include "genbaseline.h"
#include "plan.h"
#include "report_cmd.h"
#include "run.h"
#include "units.h"
#include "xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char exit_codes_help[] =
	"Exit codes:\n"
	"  0    everything ran and passed\n"
	"  1    a check failed (a probe reported 'failed', a requirement was not met)\n"
	"  2    usage, plan or baseline error (nothing ran)\n"
	"  3    a probe errored, crashed or timed out\n"
	"  130  interrupted (SIGINT or SIGTERM); results.json keeps every finished step\n";

static void usage_main(FILE *fp)
{
	fprintf(fp,
		"usage: shakedown COMMAND [ARGS]\n\n"
		"Commands:\n"
		"  run PLAN [--out DIR] [--only STEP,...] [--set STEP.PARAM=VALUE]... [--baseline F|auto] [-q]\n"
		"                      run a plan; writes DIR/<plan>-<UTC time>/results.json, the reports and logs/\n"
		"  validate FILE...    check plans and baselines without running anything\n"
		"  report RESULTS.json [--baseline F] [--out DIR] [--format md,html,json,junit,prom]\n"
		"                      check a finished run against a baseline again and write its reports\n"
		"  baseline RESULTS.json [--margin 10%%]\n"
		"                      write a baseline (YAML, on stdout) from a golden run\n"
		"  compare OLD.json NEW.json [--threshold 5%%]\n"
		"                      regressions between two runs, from repeated samples\n"
		"  probes [NAME]       list probes, or one probe's parameters and metrics\n"
		"  probe [--timeout DUR] NAME [--PARAM=VALUE]...\n"
		"                      run one probe and print its JSON result\n"
		"  --version           print the version\n\n"
		"Each command takes --help. Probes are found in $SHAKEDOWN_PROBE_PATH, then in\n"
		"probes/ next to this executable.\n\n%s",
		exit_codes_help);
}

static void usage_run(FILE *fp)
{
	fprintf(fp,
		"usage: shakedown run PLAN [options]\n\n"
		"Run the steps of PLAN (a YAML file, see suites/README.md) as supervised probe\n"
		"processes. Progress goes to stderr; the run directory's path is printed on stdout.\n\n"
		"Options:\n"
		"  -o, --out DIR                 parent of the run directory (default: runs)\n"
		"      --only STEP,...           run only these steps (by id), in plan order\n"
		"      --set STEP.PARAM=VALUE    override a step parameter (also STEP.repeat, STEP.timeout)\n"
		"  -b, --baseline F|auto         check against this baseline (auto: the one matching the inventory)\n"
		"                                instead of the plan's\n"
		"  -q, --quiet                   no progress on stderr\n"
		"  -h, --help                    this text\n\n%s",
		exit_codes_help);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "only", required_argument, NULL, 'O' },
		{ "set", required_argument, NULL, 's' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = { .argc = argc, .argv = argv };
	const char **sets = xcalloc((size_t)argc, sizeof(*sets)), **only = xcalloc((size_t)argc, sizeof(*only));
	int c, code = SD_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "+o:b:qh", opts, NULL)) != -1 || (optind < argc && !ro.plan_path)) {
		if (c == -1) { /* a positional: the plan; options may follow it */
			ro.plan_path = argv[optind++];
			continue;
		}
		switch (c) {
		case 'o':
			ro.out_dir = optarg;
			break;
		case 'O':
			only[ro.nonly++] = optarg;
			break;
		case 's':
			sets[ro.nsets++] = optarg;
			break;
		case 'b':
			ro.baseline = optarg;
			break;
		case 'q':
			ro.quiet = 1;
			break;
		case 'h':
			usage_run(stdout);
			code = SD_EXIT_OK;
			goto out;
		default:
			usage_run(stderr);
			goto out;
		}
	}
	if (!ro.plan_path || optind < argc) {
		fprintf(stderr, "shakedown run: %s\n", ro.plan_path ? "more than one plan given" : "no plan given");
		usage_run(stderr);
		goto out;
	}
	ro.sets = sets;
	ro.only = only;
	code = run_plan(&ro);
out:
	free(sets);
	free(only);
	return code;
}

static void validate_baseline(const char *path, struct diags *d)
{
	struct baseline b;
	size_t before = d->n;

	baseline_load(path, &b, d);
	if (d->n == before)
		printf("%s: ok (baseline '%s', %zu checks)\n", path, b.name, b.nchecks);
	baseline_release(&b);
}

/* A plan, and the baseline it names (checked against the plan's steps: unknown metrics are warnings). */
static void validate_plan(const char *path, struct catalog *cat, struct diags *d, struct diags *warn)
{
	struct baseline b;
	struct plan p;
	size_t before = d->n;

	if (!plan_load(path, &p, d) && cat)
		catalog_check_plan(cat, &p, d);
	if (d->n == before && cat && p.baseline && strcmp(p.baseline, "auto")) {
		if (!baseline_load(p.baseline, &b, d))
			baseline_check_plan(&b, &p, cat, d, warn);
		baseline_release(&b);
	}
	if (d->n == before)
		printf("%s: ok (plan '%s', %zu steps)\n", path, p.name, p.nsteps);
	plan_release(&p);
}

static int cmd_validate(int argc, char **argv)
{
	struct catalog cat;
	struct diags d = DIAGS_INIT, warn = DIAGS_INIT;
	char buf[4096];
	int i, have_cat;
	size_t k;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: shakedown validate FILE...\n\n"
			"Check plans (YAML, keys, types, units, includes, environment variables, probes and\n"
			"their parameters, the baseline they name) and baselines (a file whose top level has\n"
			"`baseline:`). Prints every error as file:line:col: message and exits 2 if any;\n"
			"checks of metrics that no step produces are warnings.\n");
		return argc < 2 ? SD_EXIT_USAGE : SD_EXIT_OK;
	}
	have_cat = !catalog_init(&cat);
	for (i = 1; i < argc; i++) {
		if (baseline_sniff(argv[i]) == 1)
			validate_baseline(argv[i], &d);
		else
			validate_plan(argv[i], have_cat ? &cat : NULL, &d, &warn);
	}
	for (k = 0; k < warn.n; k++)
		fprintf(stderr, "warning: %s\n", diag_format(&warn.v[k], buf, sizeof(buf)));
	diags_print(&d, stderr);
	i = d.n ? SD_EXIT_USAGE : SD_EXIT_OK;
	diags_release(&d);
	diags_release(&warn);
	catalog_release(&cat);
	return i;
}

static void print_probe(const struct probe_desc *pd)
{
	size_t i;

	printf("%s %s - %s\nexecutable: %s\n\nParameters:\n", pd->name, pd->version, pd->description, pd->path);
	if (!pd->nparams)
		printf("  (none)\n");
	for (i = 0; i < pd->nparams; i++) {
		const struct probe_pdesc *p = &pd->params[i];

		printf("  %-16s %-9s default %-10s %s%s%s%s\n", p->name, p->type,
		       p->required ? "(required)"
		       : p->def	   ? p->def
				   : "(unset)",
		       p->help ? p->help : "", p->choices ? " [" : "", p->choices ? p->choices : "",
		       p->choices ? "]" : "");
	}
	printf("\nMetrics:\n");
	for (i = 0; i < pd->nmetrics; i++)
		printf("  %-28s %-8s %-7s %s\n", pd->metrics[i].name, pd->metrics[i].unit, pd->metrics[i].better,
		       pd->metrics[i].help ? pd->metrics[i].help : "");
}

static int cmd_probes(int argc, char **argv)
{
	const struct probe_desc *pd;
	struct catalog cat;
	char err[512], **names;
	size_t n = 0, i;
	int code = SD_EXIT_OK;

	if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))) {
		fprintf(argc > 2 ? stderr : stdout,
			"usage: shakedown probes [NAME]\n\n"
			"List every probe with its description, or show one probe's parameters\n"
			"(name, type, default, meaning) and the metrics it emits.\n");
		return argc > 2 ? SD_EXIT_USAGE : SD_EXIT_OK;
	}
	if (catalog_init(&cat)) {
		fprintf(stderr, "shakedown: cannot find the probe directory\n");
		return SD_EXIT_USAGE;
	}
	if (argc == 2) {
		pd = catalog_get(&cat, argv[1], err, sizeof(err));
		if (pd)
			print_probe(pd);
		else
			fprintf(stderr, "shakedown: %s\n", err);
		code = pd ? SD_EXIT_OK : SD_EXIT_USAGE;
		goto out;
	}
	names = catalog_names(&cat, &n);
	for (i = 0; i < n; i++) {
		pd = catalog_get(&cat, names[i], err, sizeof(err));
		if (pd)
			printf("%-12s %s\n", pd->name, pd->description);
		else
			printf("%-12s (broken: %s)\n", names[i], err);
		free(names[i]);
	}
	free(names);
out:
	catalog_release(&cat);
	return code;
}

static int cmd_probe(int argc, char **argv)
{
	uint64_t timeout_ns = 0;
	char err[256];
	int i = 1;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: shakedown probe [--timeout DUR] NAME [--PARAM=VALUE]...\n\n"
			"Run one probe directly, its log on stderr, and print its JSON result on stdout.\n"
			"`shakedown probes NAME` lists its parameters. Default: no timeout (Ctrl-C stops it).\n\n%s",
			exit_codes_help);
		return argc < 2 ? SD_EXIT_USAGE : SD_EXIT_OK;
	}
	if (!strcmp(argv[1], "--timeout") || !strncmp(argv[1], "--timeout=", 10)) {
		const char *v = argv[1][9] == '=' ? argv[1] + 10 : (argc > 2 ? argv[2] : "");

		i = argv[1][9] == '=' ? 2 : 3;
		if (units_parse_duration_ns(v, &timeout_ns, err, sizeof(err))) {
			fprintf(stderr, "shakedown probe: --timeout: %s\n", err);
			return SD_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "shakedown probe: no probe named\n");
		return SD_EXIT_USAGE;
	}
	return run_single_probe(argv[i], argc - i - 1, argv + i + 1,
				(unsigned)((timeout_ns + 999999999ULL) / 1000000000ULL));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return SD_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("shakedown %s\n", SD_VERSION);
		return SD_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage_main(stdout);
		return SD_EXIT_OK;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probes"))
		return cmd_probes(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probe"))
		return cmd_probe(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return report_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return compare_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "baseline"))
		return genbaseline_main(argc - 1, argv + 1);
	fprintf(stderr, "shakedown: unknown command '%s'\n\n", argv[1]);
	usage_main(stderr);
	return SD_EXIT_USAGE;
}
