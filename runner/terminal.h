/*
 * terminal.h - the verdict as a person reads it on the terminal: one line,
 * then every failed or errored check with its runbook's path.
 */
#ifndef SD_TERMINAL_H
#define SD_TERMINAL_H

#include <stdio.h>

#include <cJSON.h>

/*
 * Print the one-line verdict of a `verdict` object (RESULTS.md) and, for each
 * check that failed, warned or errored, a line with its message and the path
 * of its runbook (relative to the current directory when the repository's
 * runbooks/ is found). At most max_lines check lines, then a count.
 */
void terminal_verdict(const cJSON *verdict, FILE *fp, unsigned max_lines);

/* The path to show for runbook id (caller frees): relative to the current directory when possible. */
char *terminal_runbook_path(const char *id);

#endif
