#include "input_time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

#define DAY_MS INT64_C(86400000)

int input_clock_set_zone(const char *zone)
{
	char path[512];
	size_t n = strlen(zone);

	/* glibc falls back to UTC for a zone it cannot find; check the file. */
	if (strcmp(zone, "UTC") != 0) {
		if (n == 0 || n > 200 || zone[0] == '/' || strstr(zone, "..") != NULL)
			return -1;
		memcpy(path, "/usr/share/zoneinfo/", 20);
		memcpy(path + 20, zone, n + 1);
		if (access(path, R_OK) != 0)
			return -1;
	}
	if (setenv("TZ", zone, 1) != 0)
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
}

/* RFC 3339, with the value of the "YYYY-MM-DDTHH:MM:SS" and zone cached. */
static int parse_rfc3339_cached(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                                size_t *used)
{
	size_t i = 19, fd = 0;
	int frac = 0;

	if (clk->rfc_zone_len > 0 && len > 20 && memcmp(s, clk->rfc_prefix, 19) == 0) {
		if (s[i] == '.') {
			i++;
			while (i < len && s[i] >= '0' && s[i] <= '9') {
				if (fd < 3)
					frac = frac * 10 + (s[i] - '0');
				fd++;
				i++;
			}
			if (fd == 0)
				goto full;
			for (; fd < 3; fd++)
				frac *= 10;
		}
		if (len - i >= clk->rfc_zone_len && memcmp(s + i, clk->rfc_zone, clk->rfc_zone_len) == 0) {
			*ms = clk->rfc_base_ms + frac;
			*used = i + clk->rfc_zone_len;
			return 0;
		}
	}
full:
	if (time_parse_rfc3339(s, len, ms, used) < 0)
		return -1;
	/* Remember the prefix and the zone (what follows the fraction). */
	for (i = 19, frac = 0, fd = 0; i < *used && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')); i++) {
		if (s[i] != '.' && fd < 3) {
			frac = frac * 10 + (s[i] - '0');
			fd++;
		}
	}
	if (i > 19) {
		for (; fd < 3; fd++)
			frac *= 10;
	}
	if (*used - i <= sizeof(clk->rfc_zone)) {
		memcpy(clk->rfc_prefix, s, 19);
		clk->rfc_zone_len = *used - i;
		memcpy(clk->rfc_zone, s + i, clk->rfc_zone_len);
		clk->rfc_base_ms = *ms - frac;
	}
	return 0;
}

static int digits(const char *s, size_t n, int *out)
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

static int month_days(int64_t y, int m)
{
	static const unsigned char d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
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
	if (digits(s, 2, h) || s[2] != ':' || digits(s + 3, 2, mi) || s[5] != ':' ||
	    digits(s + 6, 2, sec) || *h > 23 || *mi > 59 || *sec > 60)
		return -1;
	return 0;
}

/* "Nov  2 10:00:00" or "Nov 02 10:00:00": 15 bytes. */
static int parse_traditional(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                             size_t *used)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mo = 0, d, h, mi, sec, i;
	int64_t ref_y, y;
	unsigned rm, rd;

	if (len < 15 || s[3] != ' ' || s[6] != ' ')
		return -1;
	for (i = 0; i < 12; i++) {
		if (memcmp(s, months + 3 * i, 3) == 0) {
			mo = i + 1;
			break;
		}
	}
	if (mo == 0)
		return -1;
	if (s[4] == ' ') {
		if (digits(s + 5, 1, &d))
			return -1;
	} else if (digits(s + 4, 2, &d)) {
		return -1;
	}
	if (d < 1 || parse_hms(s + 7, &h, &mi, &sec) < 0)
		return -1;
	time_civil_from_days(time_floor_div(clk->ref_ms, DAY_MS), &ref_y, &rm, &rd);
	/* The latest year that does not put the line more than a day after the reference. */
	for (y = ref_y + 1; y >= ref_y - 4; y--) {
		int64_t t;

		if (d > month_days(y, mo))
			continue;
		t = local_to_utc(clk, civil_seconds(y, mo, d, h, mi, sec)) * 1000;
		if (t <= clk->ref_ms + DAY_MS) {
			*ms = t;
			*used = 15;
			return 0;
		}
	}
	return -1;
}

/* Exim: "2026-11-22 10:00:00[.123][ +0900]". */
static int parse_exim(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                      size_t *used)
{
	int y, mo, d, h, mi, sec, frac = 0, oh, om;
	size_t i = 19;
	int64_t local;

	if (len < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != ' ' || parse_hms(s + 11, &h, &mi, &sec) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -1;
	if (i + 4 <= len && s[i] == '.' && digits(s + i + 1, 3, &frac) == 0)
		i += 4;
	local = civil_seconds(y, mo, d, h, mi, sec);
	if (i + 6 <= len && s[i] == ' ' && (s[i + 1] == '+' || s[i + 1] == '-') &&
	    digits(s + i + 2, 2, &oh) == 0 && digits(s + i + 4, 2, &om) == 0 &&
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

int input_time_parse(struct input_clock *clk, const char *s, size_t len, int64_t *ms,
                     size_t *used)
{
	if (len >= 11 && s[4] == '-' && s[10] == 'T')
		return parse_rfc3339_cached(clk, s, len, ms, used);
	if (len >= 11 && s[4] == '-' && s[10] == ' ')
		return parse_exim(clk, s, len, ms, used);
	return parse_traditional(clk, s, len, ms, used);
}
