/* diag.c - see diag.h. */
#include "diag.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diags_add(struct diags *d, const char *file, int line, int col, const char *fmt, ...)
{
	struct diag *g;
	va_list ap;

	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 8;
		d->v = xrealloc(d->v, d->alloc * sizeof(*d->v));
	}
	g = &d->v[d->n++];
	g->file = file ? xstrdup(file) : NULL;
	g->line = line;
	g->col = col;
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

const char *diag_format(const struct diag *g, char *buf, size_t len)
{
	if (g->file && g->line > 0 && g->col > 0)
		snprintf(buf, len, "%s:%d:%d: %s", g->file, g->line, g->col, g->msg);
	else if (g->file && g->line > 0)
		snprintf(buf, len, "%s:%d: %s", g->file, g->line, g->msg);
	else if (g->file)
		snprintf(buf, len, "%s: %s", g->file, g->msg);
	else
		snprintf(buf, len, "%s", g->msg);
	return buf;
}

void diags_print(const struct diags *d, FILE *fp)
{
	char buf[4096];
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(fp, "%s\n", diag_format(&d->v[i], buf, sizeof(buf)));
}

void diags_release(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = 0;
}
