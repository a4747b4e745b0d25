/*
 * map.h - a hash map from (string, string, tag) to an index, used by the
 * report model to group checks by id, find a node by host and a step by
 * (node, id) in constant time, so a report over thousands of nodes stays
 * linear in the size of the results.
 *
 * Keys are not copied: the strings must outlive the map (they point into the
 * results document or into storage the caller owns). b may be NULL.
 */
#ifndef SD_REPORT_MAP_H
#define SD_REPORT_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_entry {
	const char *a, *b;
	uint64_t tag;
	uint64_t hash;
	size_t value;
	int used;
};

struct map {
	struct map_entry *e;
	size_t cap, n;
};

#define MAP_INIT                                                                                                       \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

/*
 * The value stored for the key, or, when there is none, store `value` for it
 * and return `value` (find-or-insert in one lookup: callers pass the index the
 * key would get).
 */
size_t map_intern(struct map *m, const char *a, const char *b, uint64_t tag, size_t value);

/* The value stored for the key, or (size_t)-1. */
size_t map_get(const struct map *m, const char *a, const char *b, uint64_t tag);

void map_release(struct map *m);

#endif
