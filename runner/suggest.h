/*
 * suggest.h - "did you mean ...?" for unknown keys, step ids, probe names and
 * parameters, so every such message in shakedown suggests the same way.
 */
#ifndef SD_SUGGEST_H
#define SD_SUGGEST_H

#include <stddef.h>

/*
 * The candidate nearest to word, or NULL when none is close enough to be a
 * likely typo. Distance is Damerau-Levenshtein (optimal string alignment:
 * insert, delete, substitute, swap two neighbours; each costs 1), ignoring
 * ASCII case. Close enough: at most 1 edit for words of up to 4 characters,
 * 2 up to 8, 3 beyond, and always fewer edits than the word has characters.
 * Ties go to the earlier candidate; NULL candidates are skipped.
 * Returns a pointer into candidates (not a copy).
 */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

/*
 * The message for an unknown word among candidates, into buf (returns buf):
 *   unknown key 'stpes' (did you mean 'steps'?)
 *   unknown key 'zzz' (valid keys: plan, steps, ...HINT)
 * what is the kind of word ("key"); hint (may be NULL) is appended to the list.
 */
const char *suggest_unknown(const char *what, const char *word, const char *const *candidates, size_t n,
			    const char *hint, char *buf, size_t len);

/* The distance itself (exposed for the tests). */
size_t suggest_distance(const char *a, const char *b);

#endif
