/*
 * fuzz_util.h - what the libFuzzer harnesses (tests/fuzz/README.md) share.
 *
 * Some parsers read only from a path (plan_load, baseline_load,
 * results_read): the harness writes each input to a file in a private
 * directory made once per process under $TMPDIR and removed at exit. Every
 * input overwrites (or removes) the files it uses, so nothing carries over
 * from one input to the next. The source tree's root is compiled in
 * (FUZZ_SRCDIR) for the fixed inputs some harnesses load read-only at start
 * (a baseline, a results document).
 */
#ifndef SD_FUZZ_UTIL_H
#define SD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char fuzz_dir_path[4096];
static const char *const fuzz_dir_files[] = { "input.yaml", "inc.yaml", "input.json", NULL };

static inline void fuzz_dir_remove(void)
{
	size_t i;
	char path[4200];

	for (i = 0; fuzz_dir_files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir_path, fuzz_dir_files[i]);
		unlink(path);
	}
	rmdir(fuzz_dir_path);
}

/* The private directory; made on first use. Aborts when it cannot be made. */
static inline const char *fuzz_dir(void)
{
	const char *tmp;

	if (fuzz_dir_path[0])
		return fuzz_dir_path;
	tmp = getenv("TMPDIR");
	snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/sd-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir_path)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_dir_remove);
	return fuzz_dir_path;
}

/* fuzz_dir()/name (one of fuzz_dir_files); caller frees. */
static inline char *fuzz_path(const char *name)
{
	return xasprintf("%s/%s", fuzz_dir(), name);
}

/* Replace the file at path with n bytes of data. Aborts on a write error: the harness would test nothing. */
static inline void fuzz_write_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || (n && fwrite(data, 1, n, fp) != n) || fclose(fp)) {
		perror("fuzz: writing the input file");
		abort();
	}
}

/* A NUL-terminated copy of data (caller frees). */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = xmalloc(n + 1);

	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* Split data at the first occurrence of sep: *rest (NULL when absent) and its length. Returns the head's length. */
static inline size_t fuzz_split(const uint8_t *data, size_t n, const char *sep, const uint8_t **rest, size_t *rest_len)
{
	size_t k = strlen(sep);
	const uint8_t *p = k <= n ? memmem(data, n, sep, k) : NULL;

	if (!p) {
		*rest = NULL;
		*rest_len = 0;
		return n;
	}
	*rest = p + k;
	*rest_len = n - (size_t)(p - data) - k;
	return (size_t)(p - data);
}

/* A file of the source tree, read whole (caller frees), or NULL. */
static inline char *fuzz_read_source(const char *rel, size_t *len)
{
	char *path = xasprintf("%s/%s", FUZZ_SRCDIR, rel), *buf = NULL;
	FILE *fp = fopen(path, "rb");
	long n;

	free(path);
	if (!fp)
		return NULL;
	if (!fseek(fp, 0, SEEK_END) && (n = ftell(fp)) >= 0 && !fseek(fp, 0, SEEK_SET)) {
		buf = xmalloc((size_t)n + 1);
		if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(fp);
	return buf;
}

#endif
