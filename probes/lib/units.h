/*
 * units.h - the one place where sizes, durations and plain numbers are parsed.
 *
 * Used by the runner (plans, --set) and by every probe (--PARAM=VALUE), so a
 * value means the same thing wherever it is written.
 *
 * Sizes: plain bytes ("4096"), or a number with a unit: B, KB, MB, GB, TB, PB
 * (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024); a fraction is
 * allowed when the result is a whole number of bytes ("1.5KiB"). Units are case
 * sensitive except that "k" is accepted for "K".
 * Durations: a number with a unit: ns, us, ms, s, m, h, d ("500ms", "1.5s",
 * "15m"). A bare number is rejected: "90" could mean seconds or milliseconds.
 *
 * All functions return 0 on success and -1 on error, with a lower-case message
 * in err (which may be NULL) that quotes the input.
 */
#ifndef SD_UNITS_H
#define SD_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_NS_PER_S 1000000000ULL

int units_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);
int units_parse_duration_ns(const char *s, uint64_t *out, char *err, size_t errlen);
int units_parse_int(const char *s, long long *out, char *err, size_t errlen);
int units_parse_double(const char *s, double *out, char *err, size_t errlen);
/* true/false, yes/no, on/off, 1/0 */
int units_parse_bool(const char *s, int *out, char *err, size_t errlen);

/* Human formatting into buf (always NUL-terminated); returns buf. */
const char *units_format_size(uint64_t bytes, char *buf, size_t len);
const char *units_format_duration_ns(uint64_t ns, char *buf, size_t len);

#endif
