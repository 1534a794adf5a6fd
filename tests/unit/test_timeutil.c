/*
 * unit.timeutil - civil-date arithmetic checked against itself over about
 * 1100 years of days and against gmtime_r, known dates, RFC 3339 parsing
 * (zones, fractions of 1..9 digits, impossible dates, truncated input) and
 * UTC formatting.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned char n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

static void test_known_days(void)
{
	int64_t y;
	unsigned m, d;

	CU_ASSERT_EQUAL(time_days_from_civil(1970, 1, 1), 0);
	CU_ASSERT_EQUAL(time_days_from_civil(1969, 12, 31), -1);
	CU_ASSERT_EQUAL(time_days_from_civil(2000, 1, 1), 10957);
	CU_ASSERT_EQUAL(time_days_from_civil(2000, 2, 29), 11016);
	CU_ASSERT_EQUAL(time_days_from_civil(2000, 3, 1), 11017);
	CU_ASSERT_EQUAL(time_days_from_civil(1900, 3, 1), -25508);
	CU_ASSERT_EQUAL(time_days_from_civil(1600, 1, 1), -135140);
	CU_ASSERT_EQUAL(time_days_from_civil(2038, 1, 19), 24855);
	/* TIME_MS_MAX is the last millisecond of TIME_YEAR_MAX. */
	CU_ASSERT_EQUAL(TIME_MS_MAX + 1, time_days_from_civil(TIME_YEAR_MAX + 1, 1, 1) * 86400000);
	CU_ASSERT_EQUAL(time_days_from_civil(2026, 2, 28), 20512);
	CU_ASSERT_EQUAL(time_days_from_civil(0, 3, 1), -719468);
	CU_ASSERT_EQUAL(time_days_from_civil(-1, 12, 31), -719529);
	time_civil_from_days(11016, &y, &m, &d);
	CU_ASSERT(y == 2000 && m == 2 && d == 29);
	time_civil_from_days(-1, &y, &m, &d);
	CU_ASSERT(y == 1969 && m == 12 && d == 31);
	time_civil_from_days(-719468, &y, &m, &d);
	CU_ASSERT(y == 0 && m == 3 && d == 1);
	time_civil_from_days(-719469, &y, &m, &d);
	CU_ASSERT(y == 0 && m == 2 && d == 29); /* year 0 is a leap year */
	time_civil_from_days(2932896, &y, &m, &d);
	CU_ASSERT(y == 9999 && m == 12 && d == 31);
}

/* Walk ~1100 years day by day: each day follows from the one before, and
 * days_from_civil inverts civil_from_days. */
static void test_round_trip(void)
{
	int64_t day, y0, y;
	unsigned m0, d0, m, d;
	long bad = 0;

	time_civil_from_days(-220000, &y0, &m0, &d0);
	for (day = -220000 + 1; day <= 200000; day++) {
		time_civil_from_days(day, &y, &m, &d);
		if (time_days_from_civil(y, m, d) != day)
			bad++;
		if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
			bad++;
		/* The successor of (y0, m0, d0). */
		if (d0 < month_days(y0, m0)) {
			if (!(y == y0 && m == m0 && d == d0 + 1))
				bad++;
		} else if (m0 < 12) {
			if (!(y == y0 && m == m0 + 1 && d == 1))
				bad++;
		} else if (!(y == y0 + 1 && m == 1 && d == 1)) {
			bad++;
		}
		y0 = y;
		m0 = m;
		d0 = d;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(y0, 2517); /* 200000 days after the epoch */
}

/* Against the C library's own UTC conversion, every 17th day over ~1100 years. */
static void test_against_gmtime(void)
{
	int64_t day, y;
	unsigned m, d;
	long bad = 0;

	for (day = -220000; day <= 200000; day += 17) {
		time_t t = (time_t)(day * 86400);
		struct tm tm;

		CU_ASSERT_PTR_NOT_NULL_FATAL(gmtime_r(&t, &tm));
		time_civil_from_days(day, &y, &m, &d);
		if (y != (int64_t)tm.tm_year + 1900 || m != (unsigned)tm.tm_mon + 1 ||
		    d != (unsigned)tm.tm_mday)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_floor_div(void)
{
	CU_ASSERT_EQUAL(time_floor_div(7, 2), 3);
	CU_ASSERT_EQUAL(time_floor_div(-7, 2), -4);
	CU_ASSERT_EQUAL(time_floor_div(-8, 2), -4);
	CU_ASSERT_EQUAL(time_floor_div(0, 5), 0);
	CU_ASSERT_EQUAL(time_floor_div(-1, 1000), -1);
	CU_ASSERT_EQUAL(time_floor_div(-1000, 1000), -1);
	CU_ASSERT_EQUAL(time_floor_div(-1001, 1000), -2);
	CU_ASSERT_EQUAL(time_floor_div(INT64_MIN, 1), INT64_MIN);
}

/* Parse s (all of it, from a heap copy of exactly its length so ASan sees any over-read). */
static int parse(const char *s, int64_t *ms, size_t *consumed)
{
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, s, len);
	rc = time_parse_rfc3339(copy, len, ms, consumed);
	free(copy);
	return rc;
}

static void expect_ms(const char *s, int64_t want, size_t want_consumed)
{
	int64_t ms = -42;
	size_t consumed = 0;

	CU_ASSERT_EQUAL_FATAL(parse(s, &ms, &consumed), 0);
	CU_ASSERT_EQUAL(ms, want);
	CU_ASSERT_EQUAL(consumed, want_consumed);
}

static void expect_bad(const char *s)
{
	int64_t ms = -42;
	size_t consumed = 77;

	CU_ASSERT_EQUAL(parse(s, &ms, &consumed), -1);
	CU_ASSERT_EQUAL(ms, -42);
	CU_ASSERT_EQUAL(consumed, 77);
}

#define DAY_MS INT64_C(86400000)

static void test_rfc3339_zones(void)
{
	int64_t d2026 = time_days_from_civil(2026, 3, 1) * DAY_MS;

	expect_ms("1970-01-01T00:00:00Z", 0, 20);
	expect_ms("1970-01-01t00:00:01z", 1000, 20);
	expect_ms("1969-12-31T23:59:59Z", -1000, 20);
	expect_ms("2000-02-29T12:34:56Z", 11016 * DAY_MS + 45296000, 20);
	expect_ms("2026-03-01T00:00:00Z", d2026, 20);
	expect_ms("2026-03-01T09:00:00+09:00", d2026, 25);
	expect_ms("2026-02-28T19:00:00-05:00", d2026, 25);
	expect_ms("2026-02-28T18:30:00-05:30", d2026, 25);
	expect_ms("2026-03-01T05:30:00+05:30", d2026, 25);
	expect_ms("2026-03-01T00:00:00+00:00", d2026, 25);
	expect_ms("2026-03-01T00:00:00-00:00", d2026, 25);
	expect_ms("2026-03-01T23:59:00+23:59", d2026, 25);
	/* The day before 2000-03-01 in UTC is 2000-02-29. */
	expect_ms("2000-03-01T08:59:59+09:00", 11016 * DAY_MS + 86399000, 25);
	expect_ms("9999-12-31T23:59:59Z", INT64_C(253402300799000), 20);
	expect_ms("0000-01-01T00:00:00Z", INT64_C(-62167219200000), 20);
	/* Text after the timestamp is left for the caller. */
	expect_ms("2026-03-01T00:00:00Z mail.info postfix/smtpd[1]:", d2026, 20);
	expect_ms("2026-03-01T09:00:00.5+09:00 host", d2026 + 500, 27);
	/* A leap second is folded into the start of the next second. */
	expect_ms("2016-12-31T23:59:60Z", time_days_from_civil(2017, 1, 1) * DAY_MS, 20);
}

static void test_rfc3339_fractions(void)
{
	static const struct {
		const char *s;
		int64_t frac;
	} cases[] = {
		{ "2026-03-01T00:00:00.1Z", 100 },
		{ "2026-03-01T00:00:00.12Z", 120 },
		{ "2026-03-01T00:00:00.123Z", 123 },
		{ "2026-03-01T00:00:00.1239Z", 123 },
		{ "2026-03-01T00:00:00.12399Z", 123 },
		{ "2026-03-01T00:00:00.123999Z", 123 },
		{ "2026-03-01T00:00:00.1239999Z", 123 },
		{ "2026-03-01T00:00:00.12399999Z", 123 },
		{ "2026-03-01T00:00:00.999999999Z", 999 },
		{ "2026-03-01T00:00:00.000000001Z", 0 },
		{ "2026-03-01T00:00:00.0Z", 0 },
		{ "2026-03-01T00:00:00.05Z", 50 },
		{ "2026-03-01T00:00:00.007Z", 7 },
	};
	int64_t d2026 = time_days_from_civil(2026, 3, 1) * DAY_MS;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_ms(cases[i].s, d2026 + cases[i].frac, strlen(cases[i].s));
	expect_ms("2026-03-01T09:00:00.123456+09:00", d2026 + 123, 32);
	/* Before the epoch the fraction still counts forward from the second. */
	expect_ms("1969-12-31T23:59:59.999Z", -1, 24);
	expect_ms("1969-12-31T23:59:59.001Z", -999, 24);
}

static void test_rfc3339_invalid(void)
{
	static const char *const bad[] = {
		"2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-06-31T00:00:00Z",
		"2026-09-31T00:00:00Z", "2026-11-31T00:00:00Z", "2026-01-32T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:61Z",
		"2026-01-01T00:00:00", "2026-01-01T00:00:00.123", "2026-01-01T00:00:00 Z",
		"2026-01-01T00:00:00.Z", "2026-01-01T00:00:00,5Z", "2026-01-01 00:00:00Z",
		"2026-01-01T00:00:00+0900", "2026-01-01T00:00:00+09", "2026-01-01T00:00:00+09:",
		"2026-01-01T00:00:00+09:0", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+09:60",
		"2026-01-01T00:00:00X", "2026-1-01T00:00:00Z", "26-01-01T00:00:00Z",
		"2026/01/01T00:00:00Z", "2026-01-01T00-00:00Z", "2026-01-01T0a:00:00Z",
		"-026-01-01T00:00:00Z", "Mar  1 00:00:00 host", "", "Z",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = -42;
		size_t consumed = 77;
		int rc = parse(bad[i], &ms, &consumed);

		if (rc != -1)
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_EQUAL(ms, -42);
	}
	/* Leap days that do exist. */
	expect_ms("2024-02-29T00:00:00Z", time_days_from_civil(2024, 2, 29) * DAY_MS, 20);
	expect_ms("2000-02-29T00:00:00Z", 11016 * DAY_MS, 20);
	expect_ms("1600-02-29T00:00:00Z", time_days_from_civil(1600, 2, 29) * DAY_MS, 20);
	expect_bad("2026-02-29T00:00:00+09:00");
}

/* No proper prefix of a valid timestamp is one: the parser must stop at len. */
static void test_rfc3339_truncated(void)
{
	static const char *const full[] = {
		"2026-03-01T09:00:00.123456+09:00",
		"2026-03-01T09:00:00-05:30",
		"2026-03-01T09:00:00.1Z",
		"2026-03-01T09:00:00Z",
	};
	size_t i, k;

	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		size_t len = strlen(full[i]);

		for (k = 0; k < len; k++) {
			char *copy = malloc(k ? k : 1);
			int64_t ms;
			size_t consumed;

			CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
			memcpy(copy, full[i], k);
			CU_ASSERT_EQUAL(time_parse_rfc3339(copy, k, &ms, &consumed), -1);
			free(copy);
		}
	}
}

static void check_format(int64_t ms, const char *want)
{
	char buf[21];

	memset(buf, 'x', sizeof(buf));
	time_format_utc(ms, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
}

static void test_format(void)
{
	int64_t ms;
	long bad = 0;

	check_format(0, "1970-01-01T00:00:00Z");
	check_format(999, "1970-01-01T00:00:00Z");
	check_format(-1, "1969-12-31T23:59:59Z");
	check_format(-1000, "1969-12-31T23:59:59Z");
	check_format(-1001, "1969-12-31T23:59:58Z");
	check_format(11016 * DAY_MS + 45296000, "2000-02-29T12:34:56Z");
	check_format(INT64_C(1772323199999), "2026-02-28T23:59:59Z");
	check_format(INT64_C(253402300799999), "9999-12-31T23:59:59Z");
	check_format(INT64_C(-62167219200000), "0000-01-01T00:00:00Z");
	/* A small buffer is truncated, not overrun. */
	{
		char small[11];

		memset(small, 'x', sizeof(small));
		time_format_utc(0, small, sizeof(small));
		CU_ASSERT_STRING_EQUAL(small, "1970-01-01");
	}
	/* Format then parse gives back the second, over a wide spread of instants. */
	for (ms = INT64_C(-2208988800000); ms < INT64_C(4102444800000); ms += INT64_C(7777777777)) {
		char buf[21];
		int64_t back;
		size_t consumed;

		time_format_utc(ms, buf, sizeof(buf));
		if (time_parse_rfc3339(buf, strlen(buf), &back, &consumed) != 0 || consumed != 20 ||
		    back != time_floor_div(ms, 1000) * 1000)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* The one YYYY-MM parser: digits only (no sign, no blank), years 1970..9999. */
static void test_parse_month(void)
{
	static const char *const bad[] = {
		"2026-00", "2026-13", "2026-9", "2026-009", "202a-09", "-026-09", "2026/09",
		"1969-12", "10000-01", "2026-0a", "", "2026-+9", "+026-09",
	};
	size_t i;
	int y = 0, m = 0;

	CU_ASSERT_EQUAL(time_parse_month("2026-09", 7, &y, &m), 0);
	CU_ASSERT_EQUAL(y, 2026);
	CU_ASSERT_EQUAL(m, 9);
	CU_ASSERT_EQUAL(time_parse_month("1970-01", 7, &y, &m), 0);
	CU_ASSERT_EQUAL(time_parse_month("9999-12", 7, &y, &m), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		y = m = -1;
		CU_ASSERT_EQUAL(time_parse_month(bad[i], strlen(bad[i]), &y, &m), -1);
		CU_ASSERT_EQUAL(y, -1);
	}
}

/* A day is a month as above and a day it has (leap years too). */
static void test_parse_day(void)
{
	static const char *const bad[] = {
		"2026-09-00", "2026-09-31", "2026-02-29", "2026-13-01", "2026-09-1", "2026-09-001",
		"2026-09+01", "2026-09-+1", "2026-09-0a", "1969-12-31", "", "2026-09",
	};
	size_t i;
	int64_t d = 0;
	char text[TIME_DAY_LEN + 1];

	CU_ASSERT_EQUAL(time_parse_day("1970-01-01", 10, &d), 0);
	CU_ASSERT_EQUAL(d, 0);
	CU_ASSERT_EQUAL(time_parse_day("2028-02-29", 10, &d), 0);
	CU_ASSERT_EQUAL(d, time_days_from_civil(2028, 2, 29));
	CU_ASSERT_EQUAL(time_parse_day("9999-12-31", 10, &d), 0);
	CU_ASSERT_EQUAL(d, time_days_from_civil(9999, 12, 31));
	/* time_format_day writes what time_parse_day reads. */
	time_format_day(time_days_from_civil(2028, 2, 29), text);
	CU_ASSERT_STRING_EQUAL(text, "2028-02-29");
	time_format_day(0, text);
	CU_ASSERT_STRING_EQUAL(text, "1970-01-01");
	time_format_day(d, text);
	CU_ASSERT_STRING_EQUAL(text, "9999-12-31");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = -1;
		CU_ASSERT_EQUAL(time_parse_day(bad[i], strlen(bad[i]), &d), -1);
		CU_ASSERT_EQUAL(d, -1);
	}
}

/* time_zone_known: UTC, zone files, and names that would escape the zone
 * directory or name nothing (which glibc would silently read as UTC). */
static void test_zone_known(void)
{
	static const char *const bad[] = {
		"", "Nowhere/City", "/usr/share/zoneinfo/Asia/Tokyo", "../zoneinfo/Asia/Tokyo",
		"Asia/../Asia/Tokyo", "Asia/Tokyo ", "Asia", "Asia/Tokyo;rm", "utc",
	};
	char *saved = getenv("TZDIR") != NULL ? strdup(getenv("TZDIR")) : NULL;
	char longname[TIME_ZONE_NAME_MAX + 2];
	size_t i;

	unsetenv("TZDIR");
	CU_ASSERT_TRUE(time_zone_known("UTC"));
	CU_ASSERT_TRUE(time_zone_known("Asia/Tokyo"));
	CU_ASSERT_TRUE(time_zone_known("Etc/GMT+9"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_FALSE(time_zone_known(bad[i]));
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_FALSE(time_zone_known(longname));
	/* glibc reads TZDIR; so does the check. */
	setenv("TZDIR", "/nonexistent", 1);
	CU_ASSERT_FALSE(time_zone_known("Asia/Tokyo"));
	CU_ASSERT_TRUE(time_zone_known("UTC"));
	setenv("TZDIR", "/usr/share/zoneinfo/Asia", 1);
	CU_ASSERT_TRUE(time_zone_known("Tokyo"));
	if (saved != NULL)
		setenv("TZDIR", saved, 1);
	else
		unsetenv("TZDIR");
	free(saved);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("timeutil", NULL, NULL);
	if (s == NULL || CU_add_test(s, "known days", test_known_days) == NULL ||
	    CU_add_test(s, "round trip over ~1100 years", test_round_trip) == NULL ||
	    CU_add_test(s, "against gmtime_r", test_against_gmtime) == NULL ||
	    CU_add_test(s, "floor division", test_floor_div) == NULL ||
	    CU_add_test(s, "RFC 3339 zones", test_rfc3339_zones) == NULL ||
	    CU_add_test(s, "RFC 3339 fractions", test_rfc3339_fractions) == NULL ||
	    CU_add_test(s, "RFC 3339 invalid", test_rfc3339_invalid) == NULL ||
	    CU_add_test(s, "RFC 3339 truncated", test_rfc3339_truncated) == NULL ||
	    CU_add_test(s, "time_format_utc", test_format) == NULL ||
	    CU_add_test(s, "time_parse_month", test_parse_month) == NULL ||
	    CU_add_test(s, "time_parse_day", test_parse_day) == NULL ||
	    CU_add_test(s, "time_zone_known", test_zone_known) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
