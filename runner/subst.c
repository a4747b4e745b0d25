/* subst.c - ${VAR} expansion in plan values; the contract is in subst.h. */
#include "subst.h"
#include "strbuf.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct where {
	struct diags *d;
	const char *file;
	int line, col;
	int errors;
};

static const char *lookup(const struct subst_env *env, const char *name)
{
	if (env && env->lookup)
		return env->lookup(name, env->ctx);
	return getenv(name);
}

static int valid_name(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * Expand the reference "${...}" that spans ref[0..len) (len includes "${" and
 * "}") into b, or report why it cannot be expanded.
 */
static void expand_ref(const char *ref, size_t len, const struct subst_env *env, struct strbuf *b, struct where *w)
{
	const char *body = ref + 2, *sep, *value;
	size_t blen = len - 3, nlen;
	char *name;

	sep = memchr(body, ':', blen);
	nlen = sep && sep + 1 < body + blen && sep[1] == '-' ? (size_t)(sep - body) : blen;
	if (!valid_name(body, nlen)) {
		diags_add(w->d, w->file, w->line, w->col, "invalid variable name '%.*s' in '%.*s'", (int)nlen, body,
			  (int)len, ref);
		w->errors++;
		return;
	}
	name = xstrndup(body, nlen);
	value = lookup(env, name);
	if (nlen < blen && (!value || !*value)) {
		strbuf_add(b, body + nlen + 2, blen - nlen - 2);
	} else if (value) {
		strbuf_add(b, value, strlen(value));
	} else {
		diags_add(w->d, w->file, w->line, w->col,
			  "environment variable '%s' is not set (write ${%s:-default} to give a default)", name, name);
		w->errors++;
	}
	free(name);
}

/*
 * Length of the reference starting at s ("${" ... "}"), or 0 when it is
 * unterminated; *ok is 0 when it was reported and must not be expanded.
 */
static size_t ref_len(const char *s, struct where *w, int *ok)
{
	const char *end = strchr(s + 2, '}'), *nested = strstr(s + 2, "${");

	*ok = 0;
	if (!end) {
		diags_add(w->d, w->file, w->line, w->col, "unterminated '%.40s' (missing '}')", s);
		w->errors++;
		return 0;
	}
	if (nested && nested < end) {
		diags_add(w->d, w->file, w->line, w->col, "nested '${' in '%.*s' is not supported", (int)(end - s + 1),
			  s);
		w->errors++;
		return (size_t)(end - s + 1);
	}
	*ok = 1;
	return (size_t)(end - s + 1);
}

int subst_expand(const char *s, const struct subst_env *env, char **out, struct diags *d, const char *file, int line,
		 int col)
{
	struct where w = { d, file, line, col, 0 };
	struct strbuf b = STRBUF_INIT;
	const char *p = s, *dollar;
	size_t n;
	int ok;

	strbuf_add(&b, "", 0);
	while ((dollar = strchr(p, '$'))) {
		strbuf_add(&b, p, (size_t)(dollar - p));
		if (dollar[1] == '$') {
			strbuf_add(&b, "$", 1);
			p = dollar + 2;
		} else if (dollar[1] == '{') {
			n = ref_len(dollar, &w, &ok);
			if (!n)
				break;
			if (ok)
				expand_ref(dollar, n, env, &b, &w);
			p = dollar + n;
		} else {
			strbuf_add(&b, "$", 1);
			p = dollar + 1;
		}
	}
	if (w.errors) {
		strbuf_release(&b);
		*out = NULL;
		return -1;
	}
	strbuf_add(&b, p, strlen(p));
	*out = strbuf_detach(&b);
	return 0;
}

int subst_has_vars(const char *s)
{
	return strchr(s, '$') != NULL;
}
