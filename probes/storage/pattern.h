/*
 * pattern.h - the storage probe's self-verifying data: every 4 KiB sector the
 * probe writes carries a header (magic, per-run seed, file id, byte offset,
 * crc32), a payload and a trailer tag. The payloads are PATTERN_BLOCKS random
 * blocks per run, derived from the seed and made once (pattern_init); the
 * sector at byte offset o carries block (o / 4 KiB) mod PATTERN_BLOCKS, so
 * no two sectors of any aligned MiB share a payload (the data does not
 * compress or dedupe below that span, as real checkpoints and datasets do
 * not), and a write buffer reused for an offset a multiple of PATTERN_PERIOD
 * away keeps its payloads: writing a sector then costs a 40-byte header, an
 * 8-byte tag and a crc32 over those 40 bytes, continued from its block's
 * precomputed crc state. A read verifies each sector byte for byte against
 * what belongs where it was read from (the payload compared with its block,
 * the header words, the tag and the crc computed from the block's state), so
 * corrupted, stale, misplaced or torn data are all caught, and the first bad
 * one is named by offset; the cost is a memcmp and 40 bytes of crc a sector,
 * not a crc32 over 4 KiB.
 * Format and rules: probes/METRICS.md, section `storage` ("Verification").
 */
#ifndef SD_STORAGE_PATTERN_H
#define SD_STORAGE_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_SECTOR 4096u
#define PATTERN_MAGIC 0x524f545344484b53ull /* "SKHDSTOR" little-endian */
#define PATTERN_HEAD 40u		    /* magic, seed, file id, offset (8 bytes each), crc32, pad */
#define PATTERN_TAIL 8u			    /* pattern_mix(seed ^ file id ^ offset) */
#define PATTERN_PAYLOAD (PATTERN_SECTOR - PATTERN_HEAD - PATTERN_TAIL)
#define PATTERN_BLOCKS 256u				 /* payload blocks per run */
#define PATTERN_PERIOD (PATTERN_BLOCKS * PATTERN_SECTOR) /* bytes after which payloads repeat: 1 MiB */

/* Why a sector failed verification (pattern_why_names[] gives the words). */
enum pattern_why {
	PATTERN_OK = 0,
	PATTERN_BAD_MAGIC,  /* not a sector of ours at all (zeroes, other data) */
	PATTERN_BAD_SEED,   /* ours, from another run */
	PATTERN_BAD_FILE,   /* ours, from another file */
	PATTERN_BAD_OFFSET, /* ours, from another offset in this file */
	PATTERN_BAD_CRC,    /* header right, contents damaged (or torn: tail of another write) */
};
extern const char *const pattern_why_names[];

/* One run's pattern (about 1 MiB): its seed, the payload blocks and the crc32 state after each. */
struct pattern {
	uint64_t seed;
	uint32_t payload_crc[PATTERN_BLOCKS];
	unsigned char payload[PATTERN_BLOCKS][PATTERN_PAYLOAD];
};

/* Make the run's payload blocks from seed (xorshift64 words) and their crc32s. */
void pattern_init(struct pattern *p, uint64_t seed);

/* Whether sectors at byte offsets a and b carry the same payloads (a buffer filled for a serves b after a stamp). */
static inline int pattern_same_payloads(uint64_t a, uint64_t b)
{
	return a % PATTERN_PERIOD == b % PATTERN_PERIOD;
}

/*
 * Fill buf[0..len) (len a multiple of PATTERN_SECTOR) with the sectors that
 * belong at byte offset off of file file_id: payload, header and tag.
 */
void pattern_fill(const struct pattern *p, void *buf, size_t len, uint64_t file_id, uint64_t off);

/*
 * As pattern_fill, but write only each sector's header and tag: buf must
 * already hold the payloads of off (pattern_fill'd for an offset o with
 * pattern_same_payloads(o, off), and not read into since). The cheap per-I/O
 * path of a write buffer that is reused.
 */
void pattern_stamp(const struct pattern *p, void *buf, size_t len, uint64_t file_id, uint64_t off);

struct pattern_bad {
	uint64_t count;	 /* bad sectors found */
	uint64_t offset; /* byte offset of the first bad one (valid when count > 0) */
	enum pattern_why why;
};

/*
 * Verify buf[0..len) read from byte offset off of file file_id. Adds the bad
 * sectors to *bad (count; offset and why of the first one when bad->count was
 * 0). Returns the number of bad sectors in this buffer.
 */
uint64_t pattern_check(const struct pattern *p, const void *buf, size_t len, uint64_t file_id, uint64_t off,
		       struct pattern_bad *bad);

/* splitmix64: the probe's one mixing function (seeds, payloads, random offsets). */
uint64_t pattern_mix(uint64_t x);

#endif
