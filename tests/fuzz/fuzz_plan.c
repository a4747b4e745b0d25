/*
 * fuzz_plan.c - the plan loader (runner/plan.h): plan_load() on the input,
 * then the command line's edits of a loaded plan, plan_set() and
 * plan_only(), on what loaded.
 *
 * plan_load() reads only from a path, so the input is written to
 * input.yaml in the harness's private directory (fuzz_util.h). Text after a
 * line "#--inc" goes to inc.yaml beside it, so that `- include: inc.yaml`
 * (and include cycles through it) are reached; without that line inc.yaml is
 * removed.
 */
#include "fuzz_util.h"
#include "plan.h"

#define INC_SEP "\n#--inc\n"

static void edit(struct plan *p, struct diags *d)
{
	static const char *const sets[] = { "repeat=3", "timeout=90s", "size=1GiB", "repeat=0", "timeout=x" };
	char *a, *first;
	size_t i;

	if (!p->nsteps)
		return;
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		a = xasprintf("%s.%s", p->steps[i % p->nsteps].id, sets[i]);
		plan_set(p, a, d);
		free(a);
	}
	plan_set(p, "no-such-step.repeat=2", d);
	if (!plan_find_step(p, p->steps[0].id))
		abort(); /* a loaded step can be found by its id */
	first = xasprintf("%s, no-such-step", p->steps[0].id);
	plan_only(p, first, d); /* an unknown id: refused, p unchanged */
	free(first);
	first = xstrdup(p->steps[p->nsteps - 1].id);
	if (plan_only(p, first, d) || p->nsteps != 1)
		abort(); /* --only with one known id keeps exactly that step */
	free(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_path("input.yaml"), *inc = fuzz_path("inc.yaml");
	const uint8_t *rest;
	size_t rest_len, head = fuzz_split(data, size, INC_SEP, &rest, &rest_len);
	struct diags d = DIAGS_INIT;
	struct plan p;

	fuzz_write_file(path, data, head);
	if (rest)
		fuzz_write_file(inc, rest, rest_len);
	else
		unlink(inc);
	plan_load(path, &p, &d);
	edit(&p, &d);
	plan_release(&p);
	diags_release(&d);
	free(path);
	free(inc);
	return 0;
}
