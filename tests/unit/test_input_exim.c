/*
 * unit.input_exim - Exim's main log (format "exim") and Exim's lines in syslog.
 * Golden: tests/golden/input/exim.in parsed line by line must print
 * exactly tests/golden/input/exim.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

/* The same lines through syslog (tag "exim"). */
static void test_syslog(void)
{
	static const char arrival[] =
		"2026-11-22T10:00:01.5+09:00 mx3 exim[812]: 1tEaB4-00000000Q7e-00Ab <= a@b.example "
		"H=mail.b.example [192.0.2.1] P=esmtp S=100";
	static const char header[] =
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: 1tEaB3-000Q7d-2K ar: "
		"Authentication-Results: mx.example.jp;\\n\\tspf=pass smtp.mailfrom=b.example";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(arrival, strlen(arrival), &clk, &ev, &why),
	                      INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_MSGID);
	CU_ASSERT(ev.host.len == 3 && memcmp(ev.host.p, "mx3", 3) == 0);
	CU_ASSERT(ev.queue_id.len == 23 &&
	          memcmp(ev.queue_id.p, "1tEaB4-00000000Q7e-00Ab", 23) == 0);
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(header, strlen(header), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT(ev.queue_id.len == 16 && memcmp(ev.queue_id.p, "1tEaB3-000Q7d-2K", 16) == 0);
	CU_ASSERT_EQUAL(ev.value_escaped, 1);
	CU_ASSERT_EQUAL(ev.value_truncated, 0);
}

/* The format is registered under its name; its events have no host. */
static void test_registered(void)
{
	static const char line[] = "2026-11-22 10:00:02 1tEaB3-000Q7d-2K Completed";
	input_parse_fn fn = input_format_find("exim");
	struct input_event ev;
	const char *why = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(fn(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_DONE);
	CU_ASSERT_EQUAL(ev.host.len, 0);
	/* Local time in Asia/Tokyo. */
	CU_ASSERT_EQUAL(ev.time_ms, INT64_C(1795309202000));
}

static void test_golden(void)
{
	golden_compare("exim", input_exim_parse);
}

static void test_robustness(void)
{
	golden_robustness("exim", input_exim_parse);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_exim", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL ||
	    CU_add_test(s, "through syslog", test_syslog) == NULL ||
	    CU_add_test(s, "registered format", test_registered) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
