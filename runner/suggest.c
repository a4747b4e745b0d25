/* suggest.c - nearest-word suggestions; the contract is in suggest.h. */
#include "suggest.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

static int same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Three rows of the dynamic-programming table are enough for OSA distance. */
size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *pp = xcalloc(lb + 1, sizeof(*pp));
	size_t *prev = xcalloc(lb + 1, sizeof(*prev));
	size_t *cur = xcalloc(lb + 1, sizeof(*cur));
	size_t *tmp;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + !same(a[i - 1], b[j - 1]));
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]) &&
			    pp[j - 2] + 1 < cur[j])
				cur[j] = pp[j - 2] + 1;
		}
		tmp = pp;
		pp = prev;
		prev = cur;
		cur = tmp;
	}
	d = prev[lb];
	free(pp);
	free(prev);
	free(cur);
	return d;
}

static size_t max_edits(size_t len)
{
	if (len <= 4)
		return 1;
	if (len <= 8)
		return 2;
	return 3;
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strlen(word), limit = max_edits(len), best = (size_t)-1, i, d;
	const char *pick = NULL;

	if (limit >= len)
		limit = len ? len - 1 : 0;
	for (i = 0; i < n; i++) {
		if (!candidates[i])
			continue;
		d = suggest_distance(word, candidates[i]);
		if (d <= limit && d < best) {
			best = d;
			pick = candidates[i];
		}
	}
	return pick;
}

const char *suggest_unknown(const char *what, const char *word, const char *const *candidates, size_t n,
			    const char *hint, char *buf, size_t len)
{
	const char *near = suggest_nearest(word, candidates, n);
	char list[256];
	size_t i, used = 0;

	if (near) {
		snprintf(buf, len, "unknown %s '%s' (did you mean '%s'?)", what, word, near);
		return buf;
	}
	list[0] = '\0';
	for (i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", candidates[i]);
	snprintf(buf, len, "unknown %s '%s' (valid %ss: %s%s)", what, word, what, list, hint ? hint : "");
	return buf;
}
