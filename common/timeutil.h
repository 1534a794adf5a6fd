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

/*
 * Parse exactly s[0..len) as a month "YYYY-MM", the form every program's
 * --month, the report CSV's month column and loggen's --start take: four
 * digits, '-', two digits, year in [TIME_YEAR_MIN, TIME_YEAR_MAX], month
 * 01..12. No sign, no blank. Returns 0 with *year and *month, or -1.
 */
#define TIME_YEAR_MIN 1970
#define TIME_YEAR_MAX 9999
/* The last millisecond of TIME_YEAR_MAX (9999-12-31T23:59:59.999Z): the
 * bound of every instant the programs accept (unit.timeutil checks it). */
#define TIME_MS_MAX INT64_C(253402300799999)
#define TIME_MONTH_LEN 7
int time_parse_month(const char *s, size_t len, int *year, int *month);

/*
 * Parse exactly s[0..len) as a day "YYYY-MM-DD": a month as
 * time_parse_month takes it, '-', two digits of a day the month has.
 * Returns 0 with the days since 1970-01-01 in *days, or -1.
 */
#define TIME_DAY_LEN 10
int time_parse_day(const char *s, size_t len, int64_t *days);
/* days (since 1970-01-01, of years 0 to 9999) as "YYYY-MM-DD", the form
 * time_parse_day reads, into buf. */
void time_format_day(int64_t days, char buf[TIME_DAY_LEN + 1]);

/*
 * Is zone a time zone name the C library will really use: "UTC", or the name
 * of a zone file under $TZDIR (default /usr/share/zoneinfo) made of letters,
 * digits and "/_-+", not absolute, without "..", at most TIME_ZONE_NAME_MAX
 * bytes? glibc treats a TZ naming no zone file as UTC without a word, which
 * would cut Tokyo's months nine hours late; so every TZ arstat sets is
 * checked here first. Returns 1 or 0.
 */
#define TIME_ZONE_NAME_MAX 128
int time_zone_known(const char *zone);

/* Days in month m (1..12) of year y, proleptic Gregorian. */
int time_month_days(int64_t y, int m);

/*
 * Read exactly n digits at s into *out; -1 on a non-digit (*out untouched).
 * Inline: the timestamp parsers call it for every log line.
 */
static inline int time_digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Floor division of a by b (b > 0), correct for negative a. */
int64_t time_floor_div(int64_t a, int64_t b);

#endif
