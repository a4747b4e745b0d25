/* pattern.c - see pattern.h. */
#include "pattern.h"

#include <string.h>
#include <zlib.h>

const char *const pattern_why_names[] = {
	[PATTERN_OK] = "ok",
	[PATTERN_BAD_MAGIC] = "not a probe sector (bad magic)",
	[PATTERN_BAD_SEED] = "sector from another run (bad seed)",
	[PATTERN_BAD_FILE] = "sector from another file (bad file id)",
	[PATTERN_BAD_OFFSET] = "sector from another offset (bad offset)",
	[PATTERN_BAD_CRC] = "contents damaged (bad crc32)",
};

/* Sector layout: header words, then payload up to the end; the crc covers everything but itself. */
struct sector_head {
	uint64_t magic, seed, file_id, offset;
	uint32_t crc, pad;
};
#define HEAD ((size_t)sizeof(struct sector_head))
_Static_assert(sizeof(struct sector_head) == 40, "sector header is 40 bytes");

uint64_t pattern_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint32_t sector_crc(const unsigned char *s)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, s, (uInt)offsetof(struct sector_head, crc));
	c = crc32(c, s + HEAD, (uInt)(PATTERN_SECTOR - HEAD));
	return (uint32_t)c;
}

static void fill_sector(unsigned char *s, uint64_t seed, uint64_t file_id, uint64_t off)
{
	struct sector_head h = { PATTERN_MAGIC, seed, file_id, off, 0, 0 };
	uint64_t x = pattern_mix(seed ^ pattern_mix(file_id ^ pattern_mix(off)));
	size_t i;

	/* xorshift64 payload: cheap, and different for every (seed, file, offset) */
	for (i = HEAD; i < PATTERN_SECTOR; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(s + i, &x, 8);
	}
	memcpy(s, &h, HEAD);
	h.crc = sector_crc(s);
	memcpy(s, &h, HEAD);
}

void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t file_id, uint64_t off)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i + PATTERN_SECTOR <= len; i += PATTERN_SECTOR)
		fill_sector(p + i, seed, file_id, off + i);
}

static enum pattern_why check_sector(const unsigned char *s, uint64_t seed, uint64_t file_id, uint64_t off)
{
	struct sector_head h;

	memcpy(&h, s, HEAD);
	if (h.magic != PATTERN_MAGIC)
		return PATTERN_BAD_MAGIC;
	if (h.seed != seed)
		return PATTERN_BAD_SEED;
	if (h.file_id != file_id)
		return PATTERN_BAD_FILE;
	if (h.offset != off)
		return PATTERN_BAD_OFFSET;
	if (h.crc != sector_crc(s))
		return PATTERN_BAD_CRC;
	return PATTERN_OK;
}

uint64_t pattern_check(const void *buf, size_t len, uint64_t seed, uint64_t file_id, uint64_t off,
		       struct pattern_bad *bad)
{
	const unsigned char *p = buf;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i + PATTERN_SECTOR <= len; i += PATTERN_SECTOR) {
		enum pattern_why why = check_sector(p + i, seed, file_id, off + i);

		if (why == PATTERN_OK)
			continue;
		if (!bad->count) {
			bad->offset = off + i;
			bad->why = why;
		}
		bad->count++;
		n++;
	}
	return n;
}
