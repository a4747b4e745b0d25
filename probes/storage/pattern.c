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

/*
 * Sector layout: header [0, 40), payload [40, 4088), tag [4088, 4096). The
 * crc32 runs over bytes 40..4095 (payload, tag) and then 0..31 (the header
 * words before the crc): the payload comes first so its state is computed
 * once per run for each payload block and each sector only continues it over 40 bytes.
 */
struct sector_head {
	uint64_t magic, seed, file_id, offset;
	uint32_t crc, pad;
};
_Static_assert(sizeof(struct sector_head) == PATTERN_HEAD, "sector header is 40 bytes");
#define CRC_HEAD offsetof(struct sector_head, crc)
#define TAG_AT (PATTERN_SECTOR - PATTERN_TAIL)

uint64_t pattern_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t tag(uint64_t seed, uint64_t file_id, uint64_t off)
{
	return pattern_mix(seed ^ pattern_mix(file_id ^ pattern_mix(off)));
}

void pattern_init(struct pattern *p, uint64_t seed)
{
	uint64_t x = pattern_mix(seed) | 1; /* xorshift64 never leaves 0 */
	size_t b, i;

	p->seed = seed;
	for (b = 0; b < PATTERN_BLOCKS; b++) {
		for (i = 0; i < PATTERN_PAYLOAD; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(p->payload[b] + i, &x, 8);
		}
		p->payload_crc[b] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), p->payload[b], PATTERN_PAYLOAD);
	}
}

/* The payload block of the sector at byte offset off. */
static size_t block_of(uint64_t off)
{
	return (size_t)(off / PATTERN_SECTOR % PATTERN_BLOCKS);
}

static void stamp_sector(const struct pattern *p, unsigned char *s, uint64_t file_id, uint64_t off)
{
	struct sector_head h = { PATTERN_MAGIC, p->seed, file_id, off, 0, 0 };
	uint64_t t = tag(p->seed, file_id, off);
	uLong c;

	memcpy(s + TAG_AT, &t, PATTERN_TAIL);
	c = crc32(p->payload_crc[block_of(off)], s + TAG_AT, PATTERN_TAIL);
	h.crc = (uint32_t)crc32(c, (const unsigned char *)&h, (uInt)CRC_HEAD);
	memcpy(s, &h, PATTERN_HEAD);
}

void pattern_stamp(const struct pattern *p, void *buf, size_t len, uint64_t file_id, uint64_t off)
{
	unsigned char *b = buf;
	size_t i;

	for (i = 0; i + PATTERN_SECTOR <= len; i += PATTERN_SECTOR)
		stamp_sector(p, b + i, file_id, off + i);
}

void pattern_fill(const struct pattern *p, void *buf, size_t len, uint64_t file_id, uint64_t off)
{
	unsigned char *b = buf;
	size_t i;

	for (i = 0; i + PATTERN_SECTOR <= len; i += PATTERN_SECTOR)
		memcpy(b + i + PATTERN_HEAD, p->payload[block_of(off + i)], PATTERN_PAYLOAD);
	pattern_stamp(p, buf, len, file_id, off);
}

static enum pattern_why check_sector(const struct pattern *p, const unsigned char *s, uint64_t file_id, uint64_t off)
{
	struct sector_head h;
	uint64_t t;
	uLong c;

	memcpy(&h, s, PATTERN_HEAD);
	if (h.magic != PATTERN_MAGIC)
		return PATTERN_BAD_MAGIC;
	if (h.seed != p->seed)
		return PATTERN_BAD_SEED;
	if (h.file_id != file_id)
		return PATTERN_BAD_FILE;
	if (h.offset != off)
		return PATTERN_BAD_OFFSET;
	/*
	 * Every other byte is compared with what was written: the payload with its block (memcmp runs at
	 * memory speed, where a crc32 over it would make verification, not the storage, the bound of a fast
	 * read), the tag, the pad; the stored crc32 then with the payload's precomputed state continued over
	 * the tag and the header words. A sector passes only byte for byte as pattern_fill made it.
	 */
	memcpy(&t, s + TAG_AT, PATTERN_TAIL);
	if (h.pad || t != tag(p->seed, file_id, off) ||
	    memcmp(s + PATTERN_HEAD, p->payload[block_of(off)], PATTERN_PAYLOAD))
		return PATTERN_BAD_CRC;
	c = crc32(p->payload_crc[block_of(off)], s + TAG_AT, PATTERN_TAIL);
	if (h.crc != (uint32_t)crc32(c, s, (uInt)CRC_HEAD))
		return PATTERN_BAD_CRC;
	return PATTERN_OK;
}

uint64_t pattern_check(const struct pattern *p, const void *buf, size_t len, uint64_t file_id, uint64_t off,
		       struct pattern_bad *bad)
{
	const unsigned char *b = buf;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i + PATTERN_SECTOR <= len; i += PATTERN_SECTOR) {
		enum pattern_why why = check_sector(p, b + i, file_id, off + i);

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
