/*
 * subst.h - environment variables in plan values.
 *
 *   ${NAME}           the variable's value; an error when it is not set
 *   ${NAME:-default}  the value, or default when the variable is unset or empty
 *   $$                a literal '$'
 *
 * NAME is [A-Za-z_][A-Za-z0-9_]*. A default is literal text up to the first
 * '}' (it cannot contain '}' or another "${"). A '$' followed by anything else
 * is kept as it is, so "$HOME" is not expanded: write "${HOME}".
 * The plan loader expands every scalar value (never a mapping key) before it
 * interprets it, so `timeout: ${T:-90s}` works.
 */
#ifndef SD_SUBST_H
#define SD_SUBST_H

#include "diag.h"

/* The value of name, or NULL when it is not set. */
typedef const char *subst_lookup_fn(const char *name, void *ctx);

struct subst_env {
	subst_lookup_fn *lookup; /* NULL: getenv() */
	void *ctx;
};

/*
 * Expand s. On success returns 0 and *out is a new string (caller frees). On
 * error adds every problem found in s to d at file:line:col (the mark of the
 * scalar that holds s), returns -1 and sets *out to NULL. env may be NULL
 * (getenv). Messages:
 *   environment variable 'NODES' is not set (write ${NODES:-default} to give a default)
 *   unterminated '${' in '...'
 *   invalid variable name 'A B' in '${A B}'
 */
int subst_expand(const char *s, const struct subst_env *env, char **out, struct diags *d, const char *file, int line,
		 int col);

/* Whether s contains anything subst_expand would change. */
int subst_has_vars(const char *s);

#endif
