/*
 * unit.publish - the pure logic of aggregator/publish.c: which month a
 * --month argument names ("previous" across a year boundary and in a zone
 * whose month turns before UTC's), revision folder names both ways, and the
 * names of the hidden folders a run builds in; and report_period_missing,
 * the question publish asks of a month. The run itself is
 * integration.publish.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "coverage.h"
#include "publish.h"
#include "timeutil.h"

/* Milliseconds of a UTC instant. */
static int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi)
{
	return ((time_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * INT64_C(60000);
}

/* The month arg names at now in tz, as "YYYY-MM", or "error". */
static const char *resolve(const char *arg, int64_t now, const char *tz, char *buf)
{
	struct report_month m;
	struct strbuf err;
	int rc;

	strbuf_init(&err, 1024);
	rc = publish_month_resolve(arg, now, tz, &m, &err);
	strbuf_release(&err);
	snprintf(buf, 8, "%s", rc == 0 ? m.text : "error");
	return buf;
}

static void test_month_resolve(void)
{
	char buf[8];

	CU_ASSERT_STRING_EQUAL(resolve("2026-09", utc_ms(2026, 12, 7, 9, 0), "Asia/Tokyo", buf),
	                       "2026-09");
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2026, 12, 7, 9, 0), "Asia/Tokyo", buf),
	                       "2026-11");
	/* January: the month before is December of the year before. */
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2027, 1, 10, 0, 0), "Asia/Tokyo", buf),
	                       "2026-12");
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2027, 1, 1, 0, 0), "UTC", buf),
	                       "2026-12");
	/* 2026-12-31 15:30 UTC is already 2027-01-01 00:30 in Tokyo, still
	 * December in UTC: the zone of the settings decides. */
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2026, 12, 31, 15, 30), "Asia/Tokyo", buf),
	                       "2026-12");
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2026, 12, 31, 15, 30), "UTC", buf),
	                       "2026-11");
	/* The last instant of December in Tokyo. */
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2026, 12, 31, 15, 0) - 1, "Asia/Tokyo",
	                               buf), "2026-11");
	/* And a zone behind UTC: 2027-01-01 03:00 UTC is still 2026-12-31 in New York. */
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2027, 1, 1, 3, 0), "America/New_York",
	                               buf), "2026-11");
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2027, 1, 1, 6, 0), "America/New_York",
	                               buf), "2026-12");
	CU_ASSERT_STRING_EQUAL(resolve("last", utc_ms(2026, 12, 7, 9, 0), "UTC", buf), "error");
	CU_ASSERT_STRING_EQUAL(resolve("2026-13", utc_ms(2026, 12, 7, 9, 0), "UTC", buf), "error");
	CU_ASSERT_STRING_EQUAL(resolve("2026-9", utc_ms(2026, 12, 7, 9, 0), "UTC", buf), "error");
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(2026, 12, 7, 9, 0), "Nowhere/Atlantis",
	                               buf), "error");
	/* No month before the first a report may name. */
	CU_ASSERT_STRING_EQUAL(resolve("previous", utc_ms(1971, 1, 15, 0, 0), "UTC", buf), "error");
}

static void test_folder_names(void)
{
	char name[PUBLISH_NAME_LEN], month[8];

	publish_folder_name("2026-09", 1, name, sizeof(name));
	CU_ASSERT_STRING_EQUAL(name, "2026-09");
	publish_folder_name("2026-09", 2, name, sizeof(name));
	CU_ASSERT_STRING_EQUAL(name, "2026-09.r2");
	publish_folder_name("2026-09", 12, name, sizeof(name));
	CU_ASSERT_STRING_EQUAL(name, "2026-09.r12");

	CU_ASSERT_EQUAL(publish_folder_revision("2026-09", "2026-09", NULL), 1);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r2", "2026-09", NULL), 2);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r12", "2026-09", NULL), 12);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r9999", "2026-09", NULL), 9999);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r2", "2026-08", NULL), 0);
	/* Only the names publish_folder_name makes. */
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r1", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r02", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r0", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r2x", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r10000", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09.r99999999999999999999", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-09x", "2026-09", NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-0", NULL, NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("", NULL, NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision("2026-13", NULL, NULL), 0);
	CU_ASSERT_EQUAL(publish_folder_revision(".2026-09.partial-12", NULL, NULL), 0);
	/* Any month: which one is told. */
	CU_ASSERT_EQUAL(publish_folder_revision("2027-01.r3", NULL, month), 3);
	CU_ASSERT_STRING_EQUAL(month, "2027-01");
	/* Every name made is read back as its revision. */
	for (unsigned rev = 1; rev <= PUBLISH_REVISION_MAX; rev++) {
		publish_folder_name("2026-09", rev, name, sizeof(name));
		if (publish_folder_revision(name, "2026-09", NULL) != rev) {
			CU_FAIL("a revision's name does not read back");
			break;
		}
	}
}

/* A month of September 2026 in UTC with the runs given (carrier,
 * collector, start and end in hours from the month's start, window an
 * hour); what report_period_missing says into why. */
struct run_spec {
	const char *carrier, *collector;
	int64_t from_h, to_h;
};

static int missing_of(const struct run_spec *runs, size_t n, struct strbuf *why)
{
	struct report_options opt = { 0, 3, "UTC" };
	struct report_month m;
	struct report_period *p;
	struct coverage *cov = coverage_new();
	struct report *r = report_new(&opt);
	struct strbuf err;
	size_t i;
	int rc;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, "2026-09", "UTC", &err), 0);
	for (i = 0; i < n; i++) {
		struct store_run run = { runs[i].carrier, runs[i].collector,
			                 m.start_ms + runs[i].from_h * 3600000,
			                 m.start_ms + runs[i].to_h * 3600000, 3600000, 0 };

		CU_ASSERT_EQUAL(coverage_add_run(cov, &run, &err), 0);
	}
	p = report_add_period(r, &m);
	report_add_coverage(p, cov);
	rc = report_period_missing(p, why);
	report_free(r);
	coverage_free(cov);
	strbuf_release(&err);
	return rc;
}

static void test_missing(void)
{
	/* September has 720 hours. */
	static const struct run_spec complete[] = {
		{ "a", "x", 0, 721 },
		{ "b", "y", -5, 730 },
	};
	static const struct run_spec gaps[] = {
		{ "a", "x", 0, 10 },
		{ "a", "x", 12, 721 },
		{ "b", "y", 0, 480 },
	};
	static const struct run_spec early[] = {
		{ "a", "x", 0, 700 },
	};
	struct run_spec many[30];
	struct strbuf why;
	size_t i;

	strbuf_init(&why, 65536);
	CU_ASSERT_EQUAL(missing_of(complete, 2, &why), 1);
	CU_ASSERT_EQUAL(why.len, 0);

	CU_ASSERT_EQUAL(missing_of(gaps, 3, &why), 0);
	CU_ASSERT_STRING_EQUAL(why.data,
	                       "carrier a, collector x: 2 window(s) missing from 2026-09-01T10:00:00Z "
	                       "to 2026-09-01T12:00:00Z (gap)\n"
	                       "carrier b: no data from 2026-09-21T00:00:00Z to the month's end "
	                       "2026-10-01T00:00:00Z (pending)\n");
	strbuf_reset(&why);

	CU_ASSERT_EQUAL(missing_of(early, 1, &why), 0);
	CU_ASSERT_STRING_EQUAL(why.data,
	                       "the store's data ends at 2026-09-30T04:00:00Z, before the month does\n"
	                       "carrier a: no data from 2026-09-30T04:00:00Z to the month's end "
	                       "2026-10-01T00:00:00Z (pending)\n");
	strbuf_reset(&why);

	CU_ASSERT_EQUAL(missing_of(NULL, 0, &why), 0);
	CU_ASSERT_STRING_EQUAL(why.data, "the store holds no data at all\n");
	strbuf_reset(&why);

	/* 29 gaps: the first REPORT_MISSING_LINES named, the rest counted. */
	for (i = 0; i < 30; i++) {
		many[i].carrier = "a";
		many[i].collector = "x";
		many[i].from_h = (int64_t)i * 20;
		many[i].to_h = i == 29 ? 721 : (int64_t)i * 20 + 19;
	}
	CU_ASSERT_EQUAL(missing_of(many, 30, &why), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(why.data, "\nand 9 more gap(s): see the coverage CSV\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why.data, "from 2026-09-01T19:00:00Z to 2026-09-01T20:00:00Z"));
	strbuf_release(&why);
}

static void test_partial_names(void)
{
	CU_ASSERT_TRUE(publish_is_partial(".2026-09.partial-1"));
	CU_ASSERT_TRUE(publish_is_partial(".2026-09.partial-4194304"));
	CU_ASSERT_FALSE(publish_is_partial("2026-09.partial-1"));
	CU_ASSERT_FALSE(publish_is_partial(".2026-09.partial-"));
	CU_ASSERT_FALSE(publish_is_partial(".2026-09.partial-1x"));
	CU_ASSERT_FALSE(publish_is_partial(".2026-13.partial-1"));
	CU_ASSERT_FALSE(publish_is_partial(".2026-09"));
	CU_ASSERT_FALSE(publish_is_partial(".2026"));
	CU_ASSERT_FALSE(publish_is_partial("."));
	CU_ASSERT_FALSE(publish_is_partial(".."));
	CU_ASSERT_FALSE(publish_is_partial(".2026-09.tmp"));
	CU_ASSERT_FALSE(publish_is_partial("2026-09"));
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("publish", NULL, NULL);
	if (s == NULL || CU_add_test(s, "publish_month_resolve", test_month_resolve) == NULL ||
	    CU_add_test(s, "revision folder names", test_folder_names) == NULL ||
	    CU_add_test(s, "partial folder names", test_partial_names) == NULL ||
	    CU_add_test(s, "report_period_missing", test_missing) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
