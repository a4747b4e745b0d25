/*
 * sysfile.h - reading the small files and directories of /proc and /sys (or
 * a fake tree under a test's root): one implementation for every probe.
 */
#ifndef SD_SYSFILE_H
#define SD_SYSFILE_H

/* The first line of a file, trailing white space removed; NULL with errno set. Caller frees. */
char *read_line(const char *path);
/* The first line as an integer (decimal, or hex with 0x); -1 with errno set. */
int read_ll(const char *path, long long *v);
/*
 * The entries of a directory except "." and "..", in natural order (cpu2
 * before cpu10); returns how many, or -1 with errno set. *names and every
 * name are the caller's: names_free().
 */
int dir_names(const char *path, char ***names);
void names_free(char **names, int n);

#endif
