/*
 * pattern.h - the storage probe's self-verifying data: every 4 KiB sector the
 * probe writes carries a header (magic, per-run seed, file id, byte offset)
 * and a payload derived from those, closed by a zlib crc32. A read verifies
 * each sector against where it was read from, so corrupted, stale, misplaced
 * or torn data are all caught, and the first bad one is named by offset.
 * Format and rules: probes/METRICS.md, section `storage` ("Verification").
 */
#ifndef SD_STORAGE_PATTERN_H
#define SD_STORAGE_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_SECTOR 4096u
#define PATTERN_MAGIC 0x524f545344484b53ull /* "SKHDSTOR" little-endian */

/* Why a sector failed verification (pattern_why_names[] gives the words). */
enum pattern_why {
	PATTERN_OK = 0,
	PATTERN_BAD_MAGIC,  /* not a sector of ours at all (zeroes, other data) */
	PATTERN_BAD_SEED,   /* ours, from another run */
	PATTERN_BAD_FILE,   /* ours, from another file */
	PATTERN_BAD_OFFSET, /* ours, from another offset in this file */
	PATTERN_BAD_CRC,    /* header right, contents damaged */
};
extern const char *const pattern_why_names[];

/*
 * Fill buf[0..len) (len a multiple of PATTERN_SECTOR) with the sectors that
 * belong at byte offset off of file file_id in the run seeded seed.
 */
void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t file_id, uint64_t off);

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
uint64_t pattern_check(const void *buf, size_t len, uint64_t seed, uint64_t file_id, uint64_t off,
		       struct pattern_bad *bad);

/* splitmix64: the probe's one mixing function (seeds, payloads, random offsets). */
uint64_t pattern_mix(uint64_t x);

#endif
