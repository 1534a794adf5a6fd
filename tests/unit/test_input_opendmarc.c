/*
 * unit.input_opendmarc - OpenDMARC 1.4's verdict lines (DMARC and SPF) from syslog.
 * Golden: tests/golden/input/opendmarc.in parsed line by line must print
 * exactly tests/golden/input/opendmarc.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
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

/* The mappings that matter, apart from the golden text. */
static void test_mapping(void)
{
	struct input_event ev;

	CU_ASSERT_EQUAL_FATAL(parse("2026-11-22T10:00:00+09:00 mx1 opendmarc[1]: 4F1A2B3C4D: "
	                            "example.com fail", &ev), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_RESULT);
	CU_ASSERT_EQUAL(ev.method, AR_DMARC);
	CU_ASSERT_EQUAL(ev.result, AR_FAIL);
	/* OpenDMARC does not log p=: the policy stays absent. */
	CU_ASSERT_EQUAL(ev.dmarc_policy, POL_ABSENT);
	CU_ASSERT(ev.queue_id.len == 10 && memcmp(ev.queue_id.p, "4F1A2B3C4D", 10) == 0);
	CU_ASSERT_EQUAL_FATAL(parse("2026-11-22T10:00:00+09:00 mx1 opendmarc[1]: 4F1A2B3C4D: "
	                            "SPF(mailfrom): example.com tempfail", &ev), INPUT_OK);
	CU_ASSERT_EQUAL(ev.method, AR_SPF);
	CU_ASSERT_EQUAL(ev.result, AR_TEMPERROR);
	CU_ASSERT_EQUAL_FATAL(parse("2026-11-22T10:00:00+09:00 mx1 opendmarc[1]: 4F1A2B3C4D: "
	                            "ignoring mail from example.com", &ev), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
}

static void test_golden(void)
{
	golden_compare("opendmarc", input_syslog_parse);
}

static void test_robustness(void)
{
	golden_robustness("opendmarc", input_syslog_parse);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_opendmarc", NULL, NULL);
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
