/* map.c - see map.h. Open addressing with linear probing, kept at most half full. */
#include "map.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return h * 1099511628211ULL;
	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL; /* FNV-1a */
	return (h ^ 0xff) * 1099511628211ULL;
}

/*
 * FNV-1a over the strings, the tag mixed in, then the splitmix64 finaliser:
 * keys that differ only in the tag (one step id on 4,096 nodes) must not land
 * in neighbouring slots, or linear probing degrades into long runs.
 */
static uint64_t hash_key(const char *a, const char *b, uint64_t tag)
{
	uint64_t h = hash_str(hash_str(14695981039346656037ULL, a), b);

	h ^= (tag + 1) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h ? h : 1;
}

static int same(const char *x, const char *y)
{
	if (x == y)
		return 1;
	return x && y && !strcmp(x, y);
}

static struct map_entry *slot(struct map_entry *e, size_t cap, const char *a, const char *b, uint64_t tag, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (e[i].used && !(e[i].hash == h && e[i].tag == tag && same(e[i].a, a) && same(e[i].b, b)))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

static void grow(struct map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct map_entry *e = xcalloc(cap, sizeof(*e)), *d;

	for (i = 0; i < m->cap; i++) {
		if (!m->e[i].used)
			continue;
		d = &e[(size_t)m->e[i].hash & (cap - 1)];
		while (d->used)
			d = d + 1 < e + cap ? d + 1 : e;
		*d = m->e[i];
	}
	free(m->e);
	m->e = e;
	m->cap = cap;
}

size_t map_intern(struct map *m, const char *a, const char *b, uint64_t tag, size_t value)
{
	uint64_t h = hash_key(a, b, tag);
	struct map_entry *e;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	e = slot(m->e, m->cap, a, b, tag, h);
	if (e->used)
		return e->value;
	e->a = a;
	e->b = b;
	e->tag = tag;
	e->hash = h;
	e->value = value;
	e->used = 1;
	m->n++;
	return value;
}

size_t map_get(const struct map *m, const char *a, const char *b, uint64_t tag)
{
	struct map_entry *e;

	if (!m->cap)
		return (size_t)-1;
	e = slot(m->e, m->cap, a, b, tag, hash_key(a, b, tag));
	return e->used ? e->value : (size_t)-1;
}

void map_release(struct map *m)
{
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}
