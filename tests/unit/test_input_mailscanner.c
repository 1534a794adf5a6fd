/*
 * unit.input_mailscanner - MailScanner's per-message verdicts through
 * syslog. Golden: tests/golden/input/mailscanner.in parsed line by line
 * must print exactly tests/golden/input/mailscanner.ref; every prefix and
 * every split of those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>

#include "input.h"
#include "input_golden.h"

static void test_golden(void)
{
	golden_compare("mailscanner", input_syslog_parse);
}

static void test_robustness(void)
{
	golden_robustness("mailscanner", input_syslog_parse);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_mailscanner", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
