#include "input_time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

#define DAY_MS INT64_C(86400000)

int input_clock_set_zone(const char *zone)
{
	if (!time_zone_known(zone) || setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	return 0;
}

void input_clock_init(struct input_clock *clk, int64_t ref_ms)
{
	clk->ref_ms = ref_ms;
	clk->cache_local_hour = INT64_MIN;
	clk->cache_offset_s = 0;
	clk->rfc_zone_len = 0;
	clk->entry_ms = INT64_MIN;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * a[0..n) == b[0..n) for a zone (n <= 6) without a library call, which would
 * make the cache hit save and restore registers: six bytes ("+09:00") as two
 * loads each, "Z" and others byte by byte.
 */
static int zone_eq(const char *a, const char *b, size_t n)
{
	uint32_t a4, b4;
	uint16_t a2, b2;
	size_t i;

	if (n == 6) {
		memcpy(&a4, a, 4);
		memcpy(&b4, b, 4);
		memcpy(&a2, a + 4, 2);
		memcpy(&b2, b + 4, 2);
		return a4 == b4 && a2 == b2;
	}
	for (i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
	}
	return 1;
}

/*
 * The optional fraction, of any number of digits, of a stamp at s[19..len)
 * (RFC 3339, and Exim's and rspamd's "YYYY-MM-DD HH:MM:SS", whose seconds
 * also end at 19): *i is set past it, and the milliseconds (its first three
 * digits) are returned, or -1 for a "." without digits, which is refused.
 */
static int rfc3339_fraction(const char *s, size_t len, size_t *i)
{
	size_t p = 19, f0, fd;
	int frac = 0;

	if (p < len && s[p] == '.') {
		f0 = ++p;
		while (p < len && is_digit(s[p]))
			p++;
		fd = p - f0;
		if (fd == 0)
			return -1;
		frac += (s[f0] - '0') * 100;
		if (fd >= 2)
			frac += (s[f0 + 1] - '0') * 10;
		if (fd >= 3)
			frac += s[f0 + 2] - '0';
	}
	*i = p;
	return frac;
}

/*
 * RFC 3339, with the value of the minute ("YYYY-MM-DDTHH:MM:") and the zone
 * of the line before cached: a busy log has a few lines per second but many
 * per minute, and then only the seconds, the fraction and the zone are read.
 * 1 and *ms, *used if s has the cached minute and zone, else 0.
 */
static int rfc3339_hit(const struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                       size_t *used)
{
	size_t i, zl = clk->rfc_zone_len;
	int sec, frac;
	uint64_t w0, w1;

	if (zl == 0 || len <= 20)
		return 0;
	/* The prefix as two words and its ':' (s[16]) on its own: a library
	 * call to compare 17 bytes would cost more than the rest of a hit. */
	memcpy(&w0, s, 8);
	memcpy(&w1, s + 8, 8);
	if (w0 != clk->rfc_prefix[0] || w1 != clk->rfc_prefix[1] || s[16] != ':' ||
	    !is_digit(s[17]) || !is_digit(s[18]))
		return 0;
	sec = (s[17] - '0') * 10 + (s[18] - '0');
	frac = rfc3339_fraction(s, len, &i);
	/* Second 60 is a leap second, folded into the next as the full parser
	 * does. */
	if (frac < 0 || sec > 60 || len - i < zl || !zone_eq(s + i, clk->rfc_zone, zl))
		return 0;
	*ms = clk->rfc_base_ms + sec * 1000 + frac;
	*used = i + zl;
	return 1;
}

/* RFC 3339 by the full parser; the minute and the zone are kept for rfc3339_hit(). */
static int parse_rfc3339(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                         size_t *used)
{
	size_t i;
	int sec, frac;

	if (time_parse_rfc3339(s, len, ms, used) < 0)
		return -1;
	/* The full parser accepted the stamp: its seconds are two digits, s[16]
	 * is ':', and its fraction has digits. */
	sec = (s[17] - '0') * 10 + (s[18] - '0');
	frac = rfc3339_fraction(s, *used, &i);
	if (frac >= 0 && *used - i <= sizeof(clk->rfc_zone)) {
		memcpy(clk->rfc_prefix, s, sizeof(clk->rfc_prefix));
		clk->rfc_zone_len = *used - i;
		memcpy(clk->rfc_zone, s + i, clk->rfc_zone_len);
		clk->rfc_base_ms = *ms - frac - sec * 1000;
	}
	return 0;
}

/* Local wall-clock seconds (as if UTC) to UTC seconds in the process's zone. */
static int64_t local_to_utc(struct input_clock *clk, int64_t local_s)
{
	int64_t hour = time_floor_div(local_s, 3600);

	if (hour != clk->cache_local_hour) {
		struct tm tm;
		int64_t days = time_floor_div(local_s, 86400), rem = local_s - days * 86400, y;
		unsigned m, d;
		time_t t;

		time_civil_from_days(days, &y, &m, &d);
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)(y - 1900);
		tm.tm_mon = (int)m - 1;
		tm.tm_mday = (int)d;
		tm.tm_hour = (int)(rem / 3600);
		tm.tm_isdst = -1;
		t = mktime(&tm);
		/* The offset of this local hour (DST changes happen on the hour). */
		clk->cache_offset_s = hour * 3600 - (int64_t)t;
		clk->cache_local_hour = hour;
	}
	return local_s - clk->cache_offset_s;
}

static int64_t civil_seconds(int64_t y, int mo, int d, int h, int mi, int s)
{
	return time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

static int parse_hms(const char *s, int *h, int *mi, int *sec)
{
	if (time_digits(s, 2, h) || s[2] != ':' || time_digits(s + 3, 2, mi) || s[5] != ':' ||
	    time_digits(s + 6, 2, sec) || *h > 23 || *mi > 59 || *sec > 60)
		return -1;
	return 0;
}

/* "Nov  2 10:00:00" or "Nov 02 10:00:00": 15 bytes; or "Nov 2 10:00:00", 14
 * bytes, the day not padded, as some daemons and relays write it. */
static int parse_traditional(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                             size_t *used)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mo = 0, d, h, mi, sec, i;
	int64_t ref_y, y;
	unsigned rm, rd;
	size_t t0; /* where the time of day starts */

	if (len < 14 || s[3] != ' ')
		return -1;
	for (i = 0; i < 12; i++) {
		if (memcmp(s, months + 3 * i, 3) == 0) {
			mo = i + 1;
			break;
		}
	}
	if (mo == 0)
		return -1;
	if (is_digit(s[4]) && s[5] == ' ') {
		d = s[4] - '0';
		t0 = 6;
	} else if (len < 15 || s[6] != ' ') {
		return -1;
	} else if (s[4] == ' ') {
		if (time_digits(s + 5, 1, &d))
			return -1;
		t0 = 7;
	} else if (time_digits(s + 4, 2, &d)) {
		return -1;
	} else {
		t0 = 7;
	}
	if (d < 1 || parse_hms(s + t0, &h, &mi, &sec) < 0)
		return -1;
	time_civil_from_days(time_floor_div(clk->ref_ms, DAY_MS), &ref_y, &rm, &rd);
	/* The latest year that does not put the line more than a day after the reference. */
	for (y = ref_y + 1; y >= ref_y - 4; y--) {
		int64_t t;

		if (d > time_month_days(y, mo))
			continue;
		t = local_to_utc(clk, civil_seconds(y, mo, d, h, mi, sec)) * 1000;
		if (t <= clk->ref_ms + DAY_MS) {
			*ms = t;
			*used = t0 + 8;
			return 0;
		}
	}
	return -1;
}

/* Exim and rspamd: "2026-11-22 10:00:00[.123...][ +0900]". */
static int parse_exim(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                      size_t *used)
{
	int y, mo, d, h, mi, sec, frac, oh, om;
	size_t i = 19;
	int64_t local;

	if (len < 19 || time_digits(s, 4, &y) || s[4] != '-' || time_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    time_digits(s + 8, 2, &d) || s[10] != ' ' || parse_hms(s + 11, &h, &mi, &sec) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > time_month_days(y, mo))
		return -1;
	/* rspamd writes more digits with log_usec = true. */
	frac = rfc3339_fraction(s, len, &i);
	if (frac < 0)
		return -1;
	local = civil_seconds(y, mo, d, h, mi, sec);
	if (i + 6 <= len && s[i] == ' ' && (s[i + 1] == '+' || s[i + 1] == '-') &&
	    time_digits(s + i + 2, 2, &oh) == 0 && time_digits(s + i + 4, 2, &om) == 0 &&
	    (i + 6 == len || s[i + 6] == ' ')) {
		int64_t off = oh * 3600 + om * 60;

		*ms = (local - (s[i + 1] == '-' ? -off : off)) * 1000 + frac;
		i += 6;
	} else {
		*ms = local_to_utc(clk, local) * 1000 + frac;
	}
	*used = i;
	return 0;
}

/* Every form; not inlined into input_time_parse(), so that its stack frame
 * and saved registers are not paid by the cache hits. */
static __attribute__((noinline)) int parse_any(struct input_clock *clk, const char *s,
                                               size_t len, int64_t *ms, size_t *used)
{
	if (len >= 11 && s[4] == '-' && s[10] == 'T')
		return parse_rfc3339(clk, s, len, ms, used);
	if (len >= 11 && s[4] == '-' && s[10] == ' ')
		return parse_exim(clk, s, len, ms, used);
	return parse_traditional(clk, s, len, ms, used);
}

int input_time_parse(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                     size_t *used)
{
	/* A hit can only be an RFC 3339 stamp: the cached prefix is one. */
	if (rfc3339_hit(clk, s, len, ms, used))
		return 0;
	return parse_any(clk, s, len, ms, used);
}
