/*
 * quantity.h - numbers with units as people write and read them ("2.9 TB/s",
 * "400 Gb/s", "85 °C", "3%"), converted to and from the protocol's base units
 * (protocol.h: B/s, FLOP/s, OP/s, s, IOPS, ops/s, B, celsius, W, J, Hz,
 * ratio, count). Baselines parse with it; reports format with it; the unit
 * table lives here once (probes/METRICS.md "Units").
 *
 * Rates and counts use decimal prefixes (1 GB/s = 1e9 B/s; Gb/s are bits:
 * 1 Gb/s = 1.25e8 B/s); binary prefixes are accepted where written (GiB/s).
 * Sizes (B) are formatted with binary prefixes, everything else decimal.
 */
#ifndef SD_QUANTITY_H
#define SD_QUANTITY_H

#include <stddef.h>

/*
 * Parse "NUMBER [UNIT]". On success *value is in base units and *base is the
 * base unit (a static string), or NULL when no unit was written (a plain
 * number, which fits any metric). Returns 0, or -1 with a message in err:
 *   invalid quantity '2.9 TBs': unknown unit 'TBs'
 */
int quantity_parse(const char *text, double *value, const char **base, char *err, size_t len);

/* The base unit a display unit converts to ("TB/s" -> "B/s"), or NULL. */
const char *quantity_base_of(const char *unit);

/*
 * Format a base-unit value for people: three significant digits and the
 * prefix that keeps the number between 1 and 1000 ("2.90 TB/s", "512 GiB",
 * "41.2 ms", "97.5 %", "71 °C", "8"). Returns buf.
 */
const char *quantity_format(double value, const char *base, char *buf, size_t len);

#endif
