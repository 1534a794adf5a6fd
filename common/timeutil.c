#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "numparse.h"
#include "strbuf.h"

int64_t time_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && (a < 0))
		q--;
	return q;
}

int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = time_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = time_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int time_month_days(int64_t y, int m)
{
	static const unsigned char d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

int time_parse_rfc3339(const char *s, size_t len, int64_t *ms, size_t *consumed)
{
	int y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0, sign = 0;
	size_t i = 19, fdigits = 0;
	int64_t t;

	if (len < 20 || time_digits(s, 4, &y) || s[4] != '-' || time_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || time_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    time_digits(s + 11, 2, &h) || s[13] != ':' || time_digits(s + 14, 2, &mi) ||
	    s[16] != ':' || time_digits(s + 17, 2, &sec))
		return -1;
	/* A day the month does not have (February 29 outside leap years) would
	 * quietly become the next month's in time_days_from_civil(). */
	if (mo < 1 || mo > 12 || d < 1 || d > time_month_days(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (fdigits < 3)
				frac = frac * 10 + (s[i] - '0');
			fdigits++;
			i++;
		}
		if (fdigits == 0)
			return -1;
		for (; fdigits < 3; fdigits++)
			frac *= 10;
	}
	if (i >= len)
		return -1;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i < 6 || time_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    time_digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	/* A leap second is folded into the next second's start; logs rarely carry one. */
	t = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	*consumed = i;
	return 0;
}

void time_format_utc(int64_t ms, char *buf, size_t size)
{
	int64_t secs = time_floor_div(ms, 1000);
	int64_t days = time_floor_div(secs, 86400), rem = secs - days * 86400, y;
	unsigned m, d;

	time_civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
	         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

static int time_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int time_parse_month(const char *s, size_t len, int *year, int *month)
{
	int64_t y, m;
	size_t i;

	if (len != TIME_MONTH_LEN || s[4] != '-')
		return -1;
	/* num_parse_i64 takes a sign; a month has none. */
	for (i = 0; i < len; i++)
		if (i != 4 && !time_is_digit(s[i]))
			return -1;
	if (num_parse_i64(s, 4, TIME_YEAR_MIN, TIME_YEAR_MAX, &y) < 0 ||
	    num_parse_i64(s + 5, 2, 1, 12, &m) < 0)
		return -1;
	*year = (int)y;
	*month = (int)m;
	return 0;
}

void time_format_day(int64_t days, char buf[TIME_DAY_LEN + 1])
{
	int64_t y;
	unsigned m, d;

	time_civil_from_days(days, &y, &m, &d);
	snprintf(buf, TIME_DAY_LEN + 1, "%04d-%02u-%02u", (int)y, m, d);
}

int time_parse_day(const char *s, size_t len, int64_t *days)
{
	int year, month;
	int64_t d;

	if (len != TIME_DAY_LEN || s[TIME_MONTH_LEN] != '-' ||
	    time_parse_month(s, TIME_MONTH_LEN, &year, &month) < 0 ||
	    !time_is_digit(s[8]) || !time_is_digit(s[9]) ||
	    num_parse_i64(s + 8, 2, 1, time_month_days(year, month), &d) < 0)
		return -1;
	*days = time_days_from_civil(year, (unsigned)month, (unsigned)d);
	return 0;
}

int time_zone_known(const char *zone)
{
	const char *dir = getenv("TZDIR");
	struct strbuf path;
	struct stat sb;
	size_t i, len = strlen(zone);
	int known = 0;

	if (strcmp(zone, "UTC") == 0)
		return 1;
	if (len == 0 || len > TIME_ZONE_NAME_MAX || zone[0] == '/' || strstr(zone, "..") != NULL)
		return 0;
	for (i = 0; i < len; i++) {
		char c = zone[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || time_is_digit(c) ||
		      c == '/' || c == '_' || c == '-' || c == '+'))
			return 0;
	}
	strbuf_init(&path, 4096);
	/* glibc reads zone files from TZDIR when it is set, so the check must too. */
	if (strbuf_printf(&path, "%s/%s",
	                  dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo", zone) == 0 &&
	    stat(path.data, &sb) == 0 && S_ISREG(sb.st_mode))
		known = 1;
	strbuf_release(&path);
	return known;
}
