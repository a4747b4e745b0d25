/*
 * diag.h - a list of located error messages ("file:line:col: message").
 *
 * Plan and baseline loaders add every error they find to one list, so that
 * `shakedown validate` can print all of them, not just the first. Lines and
 * columns are 1-based; 0 means "unknown" and is left out of the output.
 */
#ifndef SD_DIAG_H
#define SD_DIAG_H

#include <stdio.h>
#include <stddef.h>

struct diag {
	char *file;
	int line, col;
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, alloc;
};

#define DIAGS_INIT                                                                                                     \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

/* Append a message; file may be NULL. Never fails (aborts when out of memory). */
__attribute__((format(printf, 5, 6))) void diags_add(struct diags *d, const char *file, int line, int col,
						     const char *fmt, ...);

/* Print each as "file:line:col: message\n". */
void diags_print(const struct diags *d, FILE *fp);

/* Format one diagnostic into buf the way diags_print does. */
const char *diag_format(const struct diag *g, char *buf, size_t len);

/* Free the contents; d can be reused afterwards. */
void diags_release(struct diags *d);

#endif
