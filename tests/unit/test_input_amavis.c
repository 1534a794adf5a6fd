/*
 * unit.input_amavis - amavisd-new's main log entry (spam verdict by Queue-ID) from syslog.
 * Golden: tests/golden/input/amavis.in parsed line by line must print
 * exactly tests/golden/input/amavis.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

static enum ar_spam verdict_of(const char *disp_cat)
{
	char line[1024];
	struct input_event ev;
	const char *why = NULL;
	int n = snprintf(line, sizeof(line), "2026-11-22T10:00:00+09:00 mx1 amavis[1]: (00001-01) "
	                 "%s {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	                 "Queue-ID: 4F1A2B3C4D, Message-ID: <e@f>, Hits: 1, size: 10, 5 ms", disp_cat);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(line));
	input_clock_init(&clk, INT64_C(1794960000000));
	if (input_syslog_parse(line, strlen(line), &clk, &ev, &why) != INPUT_OK ||
	    ev.kind != IN_SPAM)
		return SPAM_UNKNOWN;
	CU_ASSERT(ev.queue_id.len == 10 && memcmp(ev.queue_id.p, "4F1A2B3C4D", 10) == 0);
	return ev.spam;
}

/* The decisions documented in input_amavis.c. */
static void test_categories(void)
{
	CU_ASSERT_EQUAL(verdict_of("Passed CLEAN"), SPAM_HAM);
	CU_ASSERT_EQUAL(verdict_of("Passed SPAM"), SPAM_SPAM);
	CU_ASSERT_EQUAL(verdict_of("Blocked SPAM"), SPAM_SPAM);
	CU_ASSERT_EQUAL(verdict_of("Passed SPAMMY"), SPAM_SPAM);
	CU_ASSERT_EQUAL(verdict_of("Passed BAD-HEADER-3"), SPAM_HAM);
	CU_ASSERT_EQUAL(verdict_of("Blocked INFECTED (Eicar-Signature)"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Blocked BANNED (.exe)"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Passed UNCHECKED"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Passed OVERSIZED"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Blocked MTA-BLOCKED"), SPAM_UNKNOWN);
}

static void test_golden(void)
{
	golden_compare("amavis", input_syslog_parse);
}

static void test_robustness(void)
{
	golden_robustness("amavis", input_syslog_parse);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_amavis", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL ||
	    CU_add_test(s, "categories", test_categories) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
