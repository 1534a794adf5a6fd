/*
 * unit.report_schema - the report CSVs' column names agree with the
 * vocabulary (a result's count column is its name, its share "share_" and
 * the name, a policy's "policy_" and the name), every name is a lowercase
 * identifier written once per CSV, and the CSVs end with the same columns.
 * The order as the aggregator writes it is checked by unit.report's golden
 * files, the readers' use of it by unit.report_csv.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "report_schema.h"

static void test_vocabulary(void)
{
	char want[64];
	int r, p, f;

	for (r = 0; r < REPORT_NRESULTS; r++) {
		const char *name = ar_result_name((enum ar_result)r);

		CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_COUNT0 + r], name);
		snprintf(want, sizeof(want), "share_%s", name);
		CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_SHARE0 + r], want);
	}
	for (p = POL_NONE; p < POL_COUNT; p++) {
		const char *name = ar_policy_name((enum ar_policy)p);

		snprintf(want, sizeof(want), "policy_%s", name);
		CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_POLICY0 + p - POL_NONE], want);
		snprintf(want, sizeof(want), "share_policy_%s", name);
		CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_SHARE_POLICY0 + p - POL_NONE],
		                       want);
	}
	/* The refused fates' columns, after the old ones. */
	for (f = FATE_REJECTED; f < FATE_COUNT; f++) {
		const char *fate = ar_fate_name((enum ar_fate)f);

		CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_FATE0 + f - FATE_REJECTED], fate);
		for (r = 0; r < REPORT_NRESULTS; r++) {
			snprintf(want, sizeof(want), "%s_%s", fate, ar_result_name((enum ar_result)r));
			CU_ASSERT_STRING_EQUAL(
				report_method_columns[REPORT_M_FATE_COUNT0 +
			                              (f - FATE_REJECTED) * REPORT_NRESULTS + r],
				want);
		}
	}
	CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_REFUSED], "refused");
	CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_SHARE_REFUSED], "share_refused");
	CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_SHARE_NON_NONE], "share_non_none");
	CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_SUPPRESSED], "suppressed");
	CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_COMPLETE], "complete");
	CU_ASSERT_STRING_EQUAL(report_spam_columns[REPORT_S_SUPPRESSED], "suppressed");
	CU_ASSERT_STRING_EQUAL(report_spam_columns[REPORT_S_SHARE_SPAM], "share_spam");
	CU_ASSERT_STRING_EQUAL(report_coverage_columns[REPORT_C_KIND], "kind");
}

/* Every name of cols[0..n) is [a-z_]+ and none comes twice. */
static void check_names(const char *const *cols, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(cols[i]);
		CU_ASSERT(cols[i][0] != '\0');
		CU_ASSERT_EQUAL(strspn(cols[i], "abcdefghijklmnopqrstuvwxyz_"), strlen(cols[i]));
		for (j = 0; j < i; j++)
			CU_ASSERT(strcmp(cols[i], cols[j]) != 0);
	}
}

static void test_names(void)
{
	size_t i;

	check_names(report_method_columns, REPORT_M_NCOLS);
	check_names(report_spam_columns, REPORT_S_NCOLS);
	check_names(report_coverage_columns, REPORT_C_NCOLS);
	/* Both tidy CSVs start with month and scope and follow their figures
	 * with the same five; the spam CSV then has the declared columns. */
	for (i = 0; i < 2; i++)
		CU_ASSERT_STRING_EQUAL(report_method_columns[i], report_spam_columns[i]);
	for (i = 0; i < 5; i++)
		CU_ASSERT_STRING_EQUAL(report_method_columns[REPORT_M_SUPPRESSED + i],
		                       report_spam_columns[REPORT_S_SUPPRESSED + i]);
	/* The columns of schema v1's time keep their places; the fates' come
	 * after them. */
	CU_ASSERT_EQUAL(REPORT_M_REFUSED, REPORT_M_SUPPRESSED + 5);
	CU_ASSERT_EQUAL(REPORT_M_SUPPRESSED, 28);
	CU_ASSERT_EQUAL(REPORT_S_DECLARED_PROVIDERS, REPORT_S_SUPPRESSED + 5);
	CU_ASSERT_STRING_EQUAL(report_spam_columns[REPORT_S_DECLARED_PROVIDERS],
	                       "declared_providers");
	CU_ASSERT_STRING_EQUAL(report_spam_columns[REPORT_S_DECLARATIONS], "declarations");
	CU_ASSERT_EQUAL(REPORT_S_NCOLS, REPORT_S_DECLARATIONS + 1);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("report_schema", NULL, NULL);
	CU_add_test(s, "names of the vocabulary", test_vocabulary);
	CU_add_test(s, "names", test_names);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
