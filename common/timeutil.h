/*
 * timeutil - calendar arithmetic in UTC without the C library's time zone
 * state, and parsing of the timestamps mail logs carry. All instants are
 * milliseconds since the Unix epoch (UTC), as Avro's timestamp-millis.
 */
#ifndef ARSTAT_TIMEUTIL_H
#define ARSTAT_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of time_days_from_civil. */
void time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/*
 * Parse an RFC 3339 timestamp at the start of s[0..len):
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). Fractions beyond
 * milliseconds are truncated. Returns 0 with *ms and *consumed (bytes used),
 * or -1 if s does not start with such a timestamp.
 */
int time_parse_rfc3339(const char *s, size_t len, int64_t *ms, size_t *consumed);

/* Format ms as "YYYY-MM-DDTHH:MM:SSZ" (UTC). buf must hold 21 bytes. */
void time_format_utc(int64_t ms, char *buf, size_t size);

/* Floor division of a by b (b > 0), correct for negative a. */
int64_t time_floor_div(int64_t a, int64_t b);

#endif
