/*
 * unit.input_time: the timestamps of mail logs. RFC 3339 stamps are read
 * through a cache of the minute and the zone of the stamp before; whatever
 * came before, every stamp must read as the full parser (time_parse_rfc3339,
 * with a fresh clock) reads it: same value, same length, same refusals. The
 * other forms must not be disturbed by what the cache holds.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_time.h"
#include "timeutil.h"

/* The reference clock of traditional stamps: 2026-11-18T00:00:00Z. */
#define REF_MS 1795046400000LL

/* Parse s with clk, and with the full parser; both must agree. */
static void check_same(struct input_clock *clk, const char *s, size_t len)
{
	int64_t got = 0, want = 0;
	size_t got_used = 0, want_used = 0;
	int rc = input_time_parse(clk, s, len, &got, &got_used);
	int want_rc = time_parse_rfc3339(s, len, &want, &want_used);

	CU_ASSERT_EQUAL(rc, want_rc);
	if (rc == 0 && want_rc == 0) {
		CU_ASSERT_EQUAL(got, want);
		CU_ASSERT_EQUAL(got_used, want_used);
	}
	if (rc != want_rc || (rc == 0 && (got != want || got_used != want_used)))
		fprintf(stderr, "stamp \"%.*s\": %d %lld %zu, want %d %lld %zu\n", (int)len, s, rc,
		        (long long)got, got_used, want_rc, (long long)want, want_used);
}

static void check_line(struct input_clock *clk, const char *s)
{
	check_same(clk, s, strlen(s));
}

/* A stamp of the cached minute, then s: s must read as the full parser reads it. */
static void after_warm(const char *warm, const char *s)
{
	struct input_clock clk;
	int64_t ms;
	size_t used;

	input_clock_init(&clk, REF_MS);
	CU_ASSERT_EQUAL_FATAL(input_time_parse(&clk, warm, strlen(warm), &ms, &used), 0);
	check_line(&clk, s);
}

static void test_same_minute(void)
{
	static const char warm[] = "2026-11-02T10:00:00.123456+09:00 mx1 postfix/qmgr[9]: x";
	static const char *const lines[] = {
		/* Seconds, fractions of every length, no fraction. */
		"2026-11-02T10:00:05+09:00 mx1",
		"2026-11-02T10:00:05.1+09:00 mx1",
		"2026-11-02T10:00:05.12+09:00 mx1",
		"2026-11-02T10:00:05.123+09:00 mx1",
		"2026-11-02T10:00:05.1234+09:00 mx1",
		"2026-11-02T10:00:59.999999999+09:00 mx1",
		/* A leap second is folded into the next; 61 is no second. */
		"2026-11-02T10:00:60+09:00 mx1",
		"2026-11-02T10:00:60.5+09:00 mx1",
		"2026-11-02T10:00:61+09:00 mx1",
		"2026-11-02T10:00:99+09:00 mx1",
		/* Seconds or fraction that are not digits; "." without digits. */
		"2026-11-02T10:00:5x+09:00 mx1",
		"2026-11-02T10:00:x5+09:00 mx1",
		"2026-11-02T10:00:05.+09:00 mx1",
		"2026-11-02T10:00:05.x+09:00 mx1",
		/* Another zone in the same minute, or none, or a broken one. */
		"2026-11-02T10:00:05Z mx1",
		"2026-11-02T10:00:05z mx1",
		"2026-11-02T10:00:05-05:30 mx1",
		"2026-11-02T10:00:05+09:01 mx1",
		"2026-11-02T10:00:05+9:00 mx1",
		"2026-11-02T10:00:05+09:0 mx1",
		"2026-11-02T10:00:05 mx1",
		"2026-11-02T10:00:05.123456 mx1",
		/* The zone, then no blank (the full parser does not ask for one). */
		"2026-11-02T10:00:05+09:00mx1",
		/* A prefix that differs only at the ':'. */
		"2026-11-02T10:00-05+09:00 mx1",
		/* The next minute, hour, day. */
		"2026-11-02T10:01:00+09:00 mx1",
		"2026-11-02T11:00:00+09:00 mx1",
		"2026-11-03T10:00:00+09:00 mx1",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		after_warm(warm, lines[i]);
	/* And the same with "Z" cached. */
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		after_warm("2026-11-02T10:00:00Z mx1", lines[i]);
}

/* A stamp of the cached minute cut at every length (a line cut by the logger). */
static void test_cut_stamps(void)
{
	static const char *const full[] = {
		"2026-11-02T10:00:07.654321+09:00 mx1",
		"2026-11-02T10:00:07Z mx1",
		"2026-11-02T10:00:07.5-05:00",
	};
	size_t i, n;

	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		for (n = 0; n <= strlen(full[i]); n++) {
			struct input_clock clk;
			int64_t ms;
			size_t used;

			input_clock_init(&clk, REF_MS);
			CU_ASSERT_EQUAL_FATAL(input_time_parse(&clk, "2026-11-02T10:00:00.1+09:00 a", 29,
			                                       &ms, &used), 0);
			if (full[i][0] != '\0' && n >= 11)
				check_same(&clk, full[i], n);
			else
				CU_ASSERT_EQUAL(input_time_parse(&clk, full[i], n, &ms, &used), -1);
		}
	}
}

/* A long run of consecutive stamps through one clock, as a log has them:
 * across minutes, hours, a day, a month and a year, in two zones. */
static void test_running_log(void)
{
	static const char *const zones[] = { "+09:00", "Z", "-03:30" };
	struct input_clock clk;
	int64_t t;
	size_t z;

	input_clock_init(&clk, REF_MS);
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		/* 2026-12-31T23:58:00 local, in steps of 7.3 s, for 10 minutes. */
		for (t = 0; t < 600000; t += 7300) {
			int64_t days, sec, y;
			unsigned m, d;
			char line[64];

			sec = 58 * 60 + 23 * 3600 + t / 1000;
			days = time_days_from_civil(2026, 12, 31) + sec / 86400;
			sec %= 86400;
			time_civil_from_days(days, &y, &m, &d);
			snprintf(line, sizeof(line), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lld%s mx1",
			         (long long)y, m, d, (long long)(sec / 3600), (long long)(sec / 60 % 60),
			         (long long)(sec % 60), (long long)(t % 1000), zones[z]);
			check_line(&clk, line);
		}
	}
}

/* Traditional and Exim stamps read the same whatever RFC 3339 minute is cached. */
static void test_other_forms(void)
{
	static const char *const lines[] = {
		"Nov  2 10:00:00 mx1 postfix/qmgr[9]: x",
		"Nov 02 10:00:00 mx1 postfix/qmgr[9]: x",
		"2026-11-02 10:00:00 +0900 [1] x",
		"2026-11-02 10:00:00.250 x",
		"Nox  2 10:00:00 mx1",
		"2026-11-02 10:00:0",
	};
	size_t i;

	CU_ASSERT_EQUAL_FATAL(input_clock_set_zone("Asia/Tokyo"), 0);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct input_clock fresh, warm;
		int64_t a = 0, b = 0, ms;
		size_t ua = 0, ub = 0, used;
		int ra, rb;

		input_clock_init(&fresh, REF_MS);
		input_clock_init(&warm, REF_MS);
		CU_ASSERT_EQUAL_FATAL(input_time_parse(&warm, "2026-11-02T10:00:00+09:00 x", 27, &ms,
		                                       &used), 0);
		ra = input_time_parse(&fresh, lines[i], strlen(lines[i]), &a, &ua);
		rb = input_time_parse(&warm, lines[i], strlen(lines[i]), &b, &ub);
		CU_ASSERT_EQUAL(ra, rb);
		CU_ASSERT_EQUAL(a, b);
		CU_ASSERT_EQUAL(ua, ub);
	}
	/* The first two are 2026-11-02T01:00:00Z. */
	{
		struct input_clock clk;
		int64_t ms;
		size_t used;

		input_clock_init(&clk, REF_MS);
		CU_ASSERT_EQUAL(input_time_parse(&clk, lines[0], strlen(lines[0]), &ms, &used), 0);
		CU_ASSERT_EQUAL(ms, 1793581200000LL);
		CU_ASSERT_EQUAL(used, 15);
	}
}

/* Every prefix of line, each in its own exactly-sized allocation: ASan sees
 * any read past the end of a cut stamp. */
static void parse_every_prefix(const char *line)
{
	struct input_clock clk;
	int64_t ms;
	size_t n, used;

	for (n = 0; n < strlen(line); n++) {
		char *cut = malloc(n ? n : 1);

		memcpy(cut, line, n);
		input_clock_init(&clk, REF_MS);
		(void)input_time_parse(&clk, cut, n, &ms, &used);
		free(cut);
	}
}

/*
 * Traditional stamps whose day is not padded ("Nov 2", as some daemons and
 * relays write it) read as the padded ones; every other day and width is
 * refused, and no reading goes past a cut stamp (each prefix is its own
 * allocation, for ASan).
 */
static void test_unpadded_day(void)
{
	static const struct {
		const char *line;
		int ok;
		int64_t ms;
		size_t used;
	} x[] = {
		{ "Nov 2 10:00:00 mx1 postfix/qmgr[9]: x", 1, 1793581200000LL, 14 },
		{ "Nov  2 10:00:00 mx1 postfix/qmgr[9]: x", 1, 1793581200000LL, 15 },
		{ "Nov 2 10:00:00", 1, 1793581200000LL, 14 },
		{ "Nov 9 23:59:59 mx1 x", 1, 1794236399000LL, 14 },
		{ "Nov 0 10:00:00 mx1 x", 0, 0, 0 },
		{ "Nov 2 10:00:0", 0, 0, 0 },
		{ "Nov 2  10:00:00 mx1 x", 0, 0, 0 },
		{ "Nov 2 1:00:00 mx1 x", 0, 0, 0 },
		{ "Nov x 10:00:00 mx1 x", 0, 0, 0 },
	};
	size_t i;

	CU_ASSERT_EQUAL_FATAL(input_clock_set_zone("Asia/Tokyo"), 0);
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		struct input_clock clk;
		int64_t ms = 0;
		size_t used = 0;
		int rc;

		input_clock_init(&clk, REF_MS);
		rc = input_time_parse(&clk, x[i].line, strlen(x[i].line), &ms, &used);
		CU_ASSERT_EQUAL(rc, x[i].ok ? 0 : -1);
		if (x[i].ok && rc == 0) {
			CU_ASSERT_EQUAL(ms, x[i].ms);
			CU_ASSERT_EQUAL(used, x[i].used);
		}
		if ((rc == 0) != x[i].ok)
			fprintf(stderr, "\"%s\": %d\n", x[i].line, rc);
		parse_every_prefix(x[i].line);
	}
}

/*
 * "YYYY-MM-DD HH:MM:SS" stamps (Exim, rspamd) with a fraction of any number
 * of digits: rspamd with log_usec = true writes more than three. The
 * milliseconds are the first three digits; the stamp ends after the last.
 */
static void test_fraction_digits(void)
{
	static const struct {
		const char *line;
		int64_t ms; /* after 2026-11-22T01:00:00Z */
		size_t used;
	} x[] = {
		{ "2026-11-22 10:00:00 #1(normal) x", 0, 19 },
		{ "2026-11-22 10:00:00.5 #1(normal) x", 500, 21 },
		{ "2026-11-22 10:00:00.25 #1(normal) x", 250, 22 },
		{ "2026-11-22 10:00:00.123 #1(normal) x", 123, 23 },
		{ "2026-11-22 10:00:00.12345 #1(normal) x", 123, 25 },
		{ "2026-11-22 10:00:00.987654 #1(normal) x", 987, 26 },
		{ "2026-11-22 10:00:00.123456789", 123, 29 },
		{ "2026-11-22 01:00:00.12345 +0000 [1] x", 123, 31 },
		{ "2026-11-22 10:00:00.9 +0900", 900, 27 },
	};
	const int64_t base = 1795309200000LL; /* 2026-11-22T01:00:00Z */
	size_t i;

	CU_ASSERT_EQUAL_FATAL(input_clock_set_zone("Asia/Tokyo"), 0);
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		struct input_clock clk;
		int64_t ms = 0;
		size_t used = 0;

		input_clock_init(&clk, REF_MS);
		CU_ASSERT_EQUAL(input_time_parse(&clk, x[i].line, strlen(x[i].line), &ms, &used), 0);
		CU_ASSERT_EQUAL(ms, base + x[i].ms);
		CU_ASSERT_EQUAL(used, x[i].used);
		if (ms != base + x[i].ms || used != x[i].used)
			fprintf(stderr, "\"%s\": %lld %zu\n", x[i].line, (long long)(ms - base), used);
		parse_every_prefix(x[i].line);
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_time", NULL, NULL);
	if (s == NULL || CU_add_test(s, "same minute, cached", test_same_minute) == NULL ||
	    CU_add_test(s, "cut stamps", test_cut_stamps) == NULL ||
	    CU_add_test(s, "a running log", test_running_log) == NULL ||
	    CU_add_test(s, "other forms", test_other_forms) == NULL ||
	    CU_add_test(s, "unpadded day", test_unpadded_day) == NULL ||
	    CU_add_test(s, "fraction digits", test_fraction_digits) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
