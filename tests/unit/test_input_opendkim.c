/*
 * unit.input_opendkim - OpenDKIM 2.11's verification verdicts (one-line and LogResults forms) from syslog.
 * Golden: tests/golden/input/opendkim.in parsed line by line must print
 * exactly tests/golden/input/opendkim.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

static enum input_status parse(const char *line, struct input_event *ev)
{
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	return input_syslog_parse(line, strlen(line), &clk, ev, &why);
}

static enum ar_result dkim_of(const char *text)
{
	char line[1024];
	struct input_event ev;
	int n = snprintf(line, sizeof(line), "2026-11-22T10:00:00+09:00 mx1 opendkim[1]: "
	                 "4F1A2B3C4D: %s", text);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(line));
	if (parse(line, &ev) != INPUT_OK || ev.kind != IN_RESULT)
		return AR_ABSENT;
	CU_ASSERT_EQUAL(ev.method, AR_DKIM);
	return ev.result;
}

/* The mappings that matter, apart from the golden text. */
static void test_mapping(void)
{
	CU_ASSERT_EQUAL(dkim_of("DKIM verification successful"), AR_PASS);
	CU_ASSERT_EQUAL(dkim_of("bad signature data"), AR_FAIL);
	CU_ASSERT_EQUAL(dkim_of("no signature data"), AR_NONE);
	CU_ASSERT_EQUAL(dkim_of("signature=a domain=b selector=c result=\"no signature error\""),
	                AR_PASS);
	CU_ASSERT_EQUAL(dkim_of("signature=a domain=b selector=c result=\"key DNS query failed\"; "
	                        "signature=d domain=e selector=f result=\"key revoked\""),
	                AR_PERMERROR);
	/* Any passing signature makes the line pass, wherever it stands. */
	CU_ASSERT_EQUAL(dkim_of("signature=a domain=b selector=c result=\"no signature error\"; "
	                        "signature=d domain=e selector=f result=\"signature verification "
	                        "failed\""),
	                AR_PASS);
	CU_ASSERT_EQUAL(dkim_of("message has signatures from a.example, b.example"), AR_ABSENT);
}

static void test_golden(void)
{
	golden_compare("opendkim", input_syslog_parse);
}

static void test_robustness(void)
{
	golden_robustness("opendkim", input_syslog_parse);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_opendkim", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL ||
	    CU_add_test(s, "result mapping", test_mapping) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
