/* clock.h - monotonic time for measuring, UTC wall time for reports. */
#ifndef SD_CLOCK_H
#define SD_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic seconds / nanoseconds from an arbitrary origin. */
double clock_mono_s(void);
uint64_t clock_mono_ns(void);

/* Current UTC time as "2026-11-24T13:40:00.123Z" into buf; returns buf. */
const char *clock_utc_iso(char *buf, size_t len);

/* Current UTC time as "20261124T134000Z" (for directory names) into buf; returns buf. */
const char *clock_utc_stamp(char *buf, size_t len);

#endif
