/*
 * fuzz_yamltree.c - the YAML tree layer (runner/yamltree.h) on its own:
 * ytree_parse() from a buffer, then a walk over every node the way the plan
 * and baseline loaders read them (ynode_get, ynode_pair, ynode_describe), so
 * that aliases, merge keys and the limits are all exercised. Variables are
 * expanded from a fixed table, not the environment.
 */
#include "fuzz_util.h"
#include "yamltree.h"

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "SET"))
		return "value";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

/* Visit every node below n, at most budget visits (aliases can make the expanded tree large). */
static void walk(const struct ynode *n, int depth, size_t *budget)
{
	char buf[64];
	size_t i;

	if (!n || !*budget)
		return;
	(*budget)--;
	ynode_describe(n, buf, sizeof(buf));
	if (depth > YTREE_MAX_DEPTH + 1)
		abort(); /* the depth limit did not hold */
	switch (n->kind) {
	case YNODE_SCALAR:
		if (!n->text || strlen(n->text) > (size_t)-1 / 2)
			abort();
		break;
	case YNODE_SEQ:
		for (i = 0; i < n->n; i++)
			walk(n->items[i], depth + 1, budget);
		break;
	case YNODE_MAP:
		for (i = 0; i < n->n; i++) {
			const struct ypair *p = &n->pairs[i];

			if (!p->key || p->key->kind != YNODE_SCALAR)
				abort(); /* yamltree.h: keys are always scalars */
			if (!p->key->bad && (!ynode_pair(n, p->key->text) || !ynode_get(n, p->key->text)))
				abort(); /* every key written can be looked up (a bad one was reported and is skipped)
					  */
			walk(p->value, depth + 1, budget);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct subst_env env = { .lookup = lookup, .ctx = NULL };
	struct ytree t = YTREE_INIT;
	struct diags d = DIAGS_INIT;
	size_t budget = 100000, i;
	char buf[256];

	ytree_parse(&t, "fuzz.yaml", (const char *)data, size, &env, &d);
	walk(t.root, 0, &budget);
	for (i = 0; i < d.n; i++)
		diag_format(&d.v[i], buf, sizeof(buf));
	ytree_release(&t);
	diags_release(&d);
	return 0;
}
