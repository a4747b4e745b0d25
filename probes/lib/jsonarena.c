/*
 * jsonarena.c - see jsonarena.h. An arena is one private anonymous mapping,
 * reserved (MAP_NORESERVE: only the pages touched cost memory) at
 * ARENA_PER_BYTE times the text plus a little, its header at the start.
 * Parsing bump-allocates from it; an allocation that no longer fits goes to
 * malloc, so a text that needs more than the reservation still parses.
 *
 * The live arenas' address ranges sit in a small table of atomics, so the
 * free hook can tell an arena item (nothing to do) from a malloc'd one in a
 * few compares, from any thread.
 */
#include "jsonarena.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define ARENA_PER_BYTE 16u	  /* reserved bytes per byte of text: cJSON needs 5-8 on results documents */
#define ARENA_SLACK (1u << 20)	  /* and this much more */
#define ARENA_ALIGN_TO (2u << 20) /* a huge page: where the reservation starts */
#define ARENA_MAX 16		  /* arenas live at once; more parse with malloc */
#define ARENA_HEADER 64		  /* the struct arena at the start, rounded up */

struct arena {
	char *base; /* the mapping: this header, then the items */
	size_t size, used;
	int slot;
};

static struct {
	_Atomic uintptr_t lo, hi; /* [lo, hi) of a live arena; lo 0: a free slot */
} live[ARENA_MAX];

static __thread struct arena *parsing; /* the arena this thread parses into, or NULL */
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static int in_arena(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	int i;

	for (i = 0; i < ARENA_MAX; i++)
		if (a >= atomic_load_explicit(&live[i].lo, memory_order_relaxed) &&
		    a < atomic_load_explicit(&live[i].hi, memory_order_relaxed))
			return i;
	return -1;
}

static void *hook_malloc(size_t n)
{
	struct arena *a = parsing;
	size_t need = (n + 7) & ~(size_t)7;
	void *p;

	if (a && need >= n && need <= a->size - a->used) {
		p = a->base + a->used;
		a->used += need;
		return p;
	}
	return malloc(n);
}

static void hook_free(void *p)
{
	if (p && in_arena(p) < 0)
		free(p);
}

static void install_hooks(void)
{
	cJSON_Hooks h = { hook_malloc, hook_free };

	cJSON_InitHooks(&h);
}

/* Reserve the mapping, aligned to a huge page, and claim a slot; NULL when either cannot be had. */
static struct arena *arena_new(size_t text_len)
{
	size_t size, map;
	uintptr_t start, aligned;
	struct arena *a;
	char *m;
	int i;

	if (text_len > (SIZE_MAX - ARENA_SLACK - ARENA_ALIGN_TO) / ARENA_PER_BYTE)
		return NULL;
	size = (text_len * ARENA_PER_BYTE + ARENA_SLACK + ARENA_ALIGN_TO - 1) & ~(size_t)(ARENA_ALIGN_TO - 1);
	map = size + ARENA_ALIGN_TO;
	m = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	start = (uintptr_t)m;
	aligned = (start + ARENA_ALIGN_TO - 1) & ~(uintptr_t)(ARENA_ALIGN_TO - 1);
	if (aligned > start)
		munmap(m, aligned - start);
	if (aligned + size < start + map)
		munmap((char *)(aligned + size), start + map - (aligned + size));
	madvise((void *)aligned, size, MADV_HUGEPAGE); /* a hint: fewer page faults where THP is on */
	a = (struct arena *)aligned;
	a->base = (char *)aligned;
	a->size = size;
	a->used = ARENA_HEADER;
	for (i = 0; i < ARENA_MAX; i++) {
		uintptr_t zero = 0;

		if (atomic_compare_exchange_strong(&live[i].lo, &zero, aligned)) {
			atomic_store(&live[i].hi, aligned + size);
			a->slot = i;
			return a;
		}
	}
	munmap(a->base, size);
	return NULL;
}

static void arena_free(struct arena *a)
{
	atomic_store(&live[a->slot].hi, 0);
	atomic_store(&live[a->slot].lo, 0);
	munmap(a->base, a->size);
}

cJSON *json_arena_parse(const char *text, size_t len, const char **end, int require_null_terminated)
{
	struct arena *a;
	cJSON *doc;

	/* the root is cJSON's first allocation, so a tree parsed in an arena has its root there (json_delete) */
	pthread_once(&hooks_once, install_hooks);
	a = arena_new(len);
	parsing = a;
	doc = cJSON_ParseWithLengthOpts(text, len, end, require_null_terminated);
	parsing = NULL;
	if (a && !doc)
		arena_free(a); /* a parse error: what it allocated was freed as no-ops */
	return doc;
}

cJSON *json_parse_large(const char *text, size_t len, const char **end, int require_null_terminated)
{
	if (len < JSON_ARENA_MIN_TEXT)
		return cJSON_ParseWithLengthOpts(text, len, end, require_null_terminated);
	return json_arena_parse(text, len, end, require_null_terminated);
}

void json_delete(cJSON *doc)
{
	int slot = doc ? in_arena(doc) : -1;
	struct arena *a;

	if (slot < 0) {
		cJSON_Delete(doc);
		return;
	}
	a = (struct arena *)atomic_load(&live[slot].lo);
	cJSON_Delete(doc); /* frees what was added to the tree since; the arena's items are no-ops */
	arena_free(a);
}
