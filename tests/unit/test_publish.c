/*
 * unit.publish - the pure logic of aggregator/publish.c: which month a
 * --month argument names ("previous" across a year boundary and in a zone
 * whose month turns before UTC's), revision folder names both ways, and the
 * names of the hidden folders a run builds in. The run itself is
 * integration.publish.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
	    CU_add_test(s, "partial folder names", test_partial_names) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
