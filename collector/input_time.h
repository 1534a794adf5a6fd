/*
 * input_time - the timestamps mail logs start with, into UTC milliseconds.
 *
 *   RFC 3339 with a zone:  2026-11-22T10:00:00.123456+09:00  (Debian 12 rsyslog)
 *   traditional syslog:    Nov  2 10:00:00                    (no year, no zone)
 *   Postfix maillog_file:  Nov 02 10:00:00                    (no year, no zone)
 *   Exim main log:         2026-11-22 10:00:00 [+0900]        (zone optional)
 *
 * A stamp without a zone is local time in the configured zone (process-wide
 * TZ, set once at start-up by input_clock_set_zone). A stamp without a year
 * gets the latest year that does not put it more than a day after the
 * clock's reference time (the file's modification time, or the time the
 * input was opened): logs do not come from the future, and this stays right
 * across New Year.
 */
#ifndef ARSTAT_COLLECTOR_INPUT_TIME_H
#define ARSTAT_COLLECTOR_INPUT_TIME_H

#include <stddef.h>
#include <stdint.h>

struct input_clock {
	int64_t ref_ms; /* reference for year inference (UTC ms) */
	/* Cache of the zone's UTC offset for one local hour: mktime() is slow. */
	int64_t cache_local_hour; /* local seconds / 3600, or INT64_MIN */
	int64_t cache_offset_s;   /* UTC = local - offset */
	/* Lines of one minute share their RFC 3339 prefix "YYYY-MM-DDTHH:MM:":
	 * its first 16 bytes (as two words) and its value are kept. */
	uint64_t rfc_prefix[2];
	char rfc_zone[6];
	size_t rfc_zone_len;      /* 0: nothing cached */
	int64_t rfc_base_ms;      /* UTC ms of the prefix (second 0) in that zone */
	/* Time of the last entry of a format whose entries span lines (Exim's
	 * main log): its continuation lines take it. INT64_MIN before one. */
	int64_t entry_ms;
};

/* Set the process's time zone for stamps without one (e.g. "Asia/Tokyo").
 * 0, or -1 if the zone is unknown (glibc would silently use UTC). */
int input_clock_set_zone(const char *zone);
/* A clock whose year inference refers to ref_ms. */
void input_clock_init(struct input_clock *clk, int64_t ref_ms);

/*
 * Parse the timestamp at the start of s[0..len) in any of the forms above.
 * Returns 0 with *ms and *used (bytes, not counting the blank after it), or
 * -1 if s does not start with a valid timestamp.
 */
int input_time_parse(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                     size_t *used);

#endif
