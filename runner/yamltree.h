/*
 * yamltree.h - a YAML document as a small tree of nodes that know where they
 * were written, built from libyaml's event API.
 *
 * Why not libyaml's document loader: we want 1-based line:column marks on
 * every node (for "file:line:col: message"), aliases that share the anchored
 * node instead of copying it, bounds on nesting and on alias expansion, and
 * messages of our own for what YAML gets wrong most often (tabs, encodings,
 * duplicate keys).
 *
 * What it accepts: exactly one document, UTF-8 text (a UTF-8 byte order mark
 * is fine) without NUL bytes. Mapping keys must be scalars and unique; "<<"
 * merge keys (YAML 1.1) are applied, keys written in the mapping win. Tags
 * other than the core ones (!!str, !!int, !!map, ...) are errors; !!str marks
 * a scalar as quoted. Limits: YTREE_MAX_DEPTH levels of nesting,
 * YTREE_MAX_NODES nodes once every alias is expanded (so a "billion laughs"
 * file is refused, not walked), YTREE_MAX_KEYS keys in one mapping.
 *
 * Every scalar value (not a key) is passed through subst_expand() when the
 * tree is built, so consumers see expanded text; a value whose expansion
 * failed is kept unexpanded and marked bad (its error is already reported).
 */
#ifndef SD_YAMLTREE_H
#define SD_YAMLTREE_H

#include <stddef.h>

#include "diag.h"
#include "subst.h"

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 1000000
#define YTREE_MAX_KEYS 10000

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ypair;

struct ynode {
	enum ynode_kind kind;
	int line, col;	      /* 1-based; where the node (or the alias naming it) was written */
	unsigned quoted : 1;  /* scalar: written quoted, as a block scalar, or tagged !!str */
	unsigned null : 1;    /* scalar: plain "", "~", "null", "Null" or "NULL" */
	unsigned bad : 1;     /* an error about this node was already reported; do not interpret it */
	char *text;	      /* scalar: its text, NUL-terminated, never NULL */
	size_t n;	      /* seq: number of items; map: number of pairs */
	struct ynode **items; /* seq */
	struct ypair *pairs;  /* map, in the order written (merged keys where "<<" was) */

	/* Private to yamltree.c. */
	const struct ynode *alias_of; /* borrowed text/items/pairs from this node */
	size_t weight;		      /* nodes in the expanded subtree, this one included */
	int open;		      /* collection whose end has not been seen yet */
	size_t alloc;
};

struct ypair {
	struct ynode *key, *value; /* key is always a scalar */
};

struct ytree {
	char *file;	    /* the name used in messages */
	struct ynode *root; /* NULL when the text could not be parsed */
	struct ynode **all; /* every node, so that release frees each exactly once */
	size_t nall, alloc;
};

#define YTREE_INIT                                                                                                     \
	{                                                                                                              \
		NULL, NULL, NULL, 0, 0                                                                                 \
	}

/*
 * Parse len bytes of buf, naming it file in messages. Adds every error found
 * to d and returns -1 when there was any, 0 otherwise. t->root is set when a
 * tree could be built, even with errors (duplicate keys, unknown aliases, bad
 * variables), so a caller can go on looking for more; it is NULL after an
 * error that stops parsing (bad encoding, syntax error, limits, empty file).
 * env: for subst_expand() (NULL: getenv). Release t with ytree_release() in
 * every case.
 */
int ytree_parse(struct ytree *t, const char *file, const char *buf, size_t len, const struct subst_env *env,
		struct diags *d);

void ytree_release(struct ytree *t);

/* The value of key in map, or NULL (also when map is not a mapping). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/* The pair whose value is key's, for the key's mark; NULL when absent. */
const struct ypair *ynode_pair(const struct ynode *map, const char *key);

/* "a mapping", "a list", "text 'abc'" for messages; the text form is written to buf. */
const char *ynode_describe(const struct ynode *n, char *buf, size_t len);

#endif
