/*
 * jsonarena.h - parse a large JSON document with every cJSON item and string
 * bump-allocated in one arena: a single reserved mapping (huge pages where
 * the kernel offers them) instead of a malloc per item. A 4,096-node
 * results.json is some two million items; one malloc each (and the page
 * faults of a heap grown 4 kB at a time) was most of the time it took to
 * read one (tests/bench/bench_reports --fleet).
 *
 * The tree is an ordinary cJSON tree: it may be changed (items added with
 * cJSON_Create*, detached, deleted). cJSON's allocation hooks are replaced
 * once, process-wide, by ones that allocate from the calling thread's arena
 * while it parses and from malloc otherwise, and that free an arena item as
 * a no-op (its memory goes when the arena does) and anything else with
 * free(). cJSON_malloc()/cJSON_free() and free() of what cJSON_Print*()
 * returns keep working.
 *
 * Ownership: json_arena_parse() returns a tree the caller owns and releases
 * with json_delete() (which unmaps the arena once the tree is gone); a part of
 * it detached and kept must not outlive that. json_delete() also releases
 * an ordinary tree, so a caller that may hold either uses it always.
 */
#ifndef SD_JSONARENA_H
#define SD_JSONARENA_H

#include <stddef.h>

#include <cJSON.h>

/* Below this many bytes of text an arena is not worth its mapping: json_parse_large() uses cJSON_Parse. */
#define JSON_ARENA_MIN_TEXT (256u * 1024u)

/*
 * cJSON_ParseWithLengthOpts(text, len, end, require_null_terminated) with the
 * items in a new arena. When no arena can be had (no address space, too
 * many live ones) it parses into ordinary malloc'd items. NULL on a parse
 * error, with *end (if end is not NULL) at the error.
 */
cJSON *json_arena_parse(const char *text, size_t len, const char **end, int require_null_terminated);

/* json_arena_parse() for a text of at least JSON_ARENA_MIN_TEXT bytes, else plain cJSON. */
cJSON *json_parse_large(const char *text, size_t len, const char **end, int require_null_terminated);

/* Release a tree from json_arena_parse() (and its arena) or any other cJSON tree. NULL is nothing. */
void json_delete(cJSON *doc);

#endif
