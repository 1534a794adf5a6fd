/*
 * unit.result - the vocabulary's one table of names: every name is read back
 * as its value in any case, "absent" is never read (it is ours, not a
 * header's), the aliases of results mean what result.h says, and near
 * misses (a byte changed, cut short, extended) are refused with *out
 * untouched. The keyword matcher is also tested through the parser
 * (unit.authres: "keyword matcher", "method names", "policy words").
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "result.h"

/* w with every letter upper-cased where the bit of its position in mask is set. */
static void case_mask(char *out, const char *w, unsigned mask)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++) {
		out[i] = w[i];
		if ((mask >> (i % 16)) & 1u && w[i] >= 'a' && w[i] <= 'z')
			out[i] = (char)(w[i] - 'a' + 'A');
	}
	out[i] = '\0';
}

static const unsigned masks[] = { 0, 0xffffu, 0x1u, 0x5555u, 0xaaaau };

static void test_result_names(void)
{
	int r;
	size_t k;

	for (r = AR_NONE; r < AR_ABSENT; r++) {
		const char *w = ar_result_name((enum ar_result)r);
		char buf[32];

		for (k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
			enum ar_result got = AR_ABSENT;

			case_mask(buf, w, masks[k]);
			CU_ASSERT_EQUAL(ar_result_parse(buf, strlen(buf), &got), 0);
			CU_ASSERT_EQUAL(got, r);
		}
	}
	CU_ASSERT_STRING_EQUAL(ar_result_name(AR_ABSENT), "absent");
	CU_ASSERT_STRING_EQUAL(ar_result_name(AR_RESULT_COUNT), "?");
	{
		enum ar_result got = AR_PASS;

		CU_ASSERT_EQUAL(ar_result_parse("absent", 6, &got), -1);
		CU_ASSERT_EQUAL(got, AR_PASS);
	}
}

static void test_result_aliases(void)
{
	static const struct {
		const char *word;
		enum ar_result code;
	} aliases[] = {
		{ "hardfail", AR_FAIL },
		{ "HardFail", AR_FAIL },
		{ "tempfail", AR_TEMPERROR },
		{ "timeout", AR_TEMPERROR },
		{ "permfail", AR_PERMERROR },
	};
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		enum ar_result got = AR_ABSENT;

		CU_ASSERT_EQUAL(ar_result_parse(aliases[i].word, strlen(aliases[i].word), &got), 0);
		CU_ASSERT_EQUAL(got, aliases[i].code);
	}
}

static void test_near_misses(void)
{
	static const char *const refused[] = {
		"", "p", "pas", "passs", "pasS ", " pass", "bestguesspass", "dkim_pass", "success",
		"part", "tempxrror", "Neutron", "hardfai", "permfails", "@ass", "[ass", "`ass", "{ass",
	};
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		enum ar_result got = AR_ABSENT;

		CU_ASSERT_EQUAL(ar_result_parse(refused[i], strlen(refused[i]), &got), -1);
		CU_ASSERT_EQUAL(got, AR_ABSENT);
	}
	/* Only the length says where a word ends: "pass" inside a longer span. */
	{
		enum ar_result got = AR_ABSENT;

		CU_ASSERT_EQUAL(ar_result_parse("passed", 4, &got), 0);
		CU_ASSERT_EQUAL(got, AR_PASS);
		/* A length whose bits above the switch's would alias a keyword's. */
		CU_ASSERT_EQUAL(ar_result_parse("pass", ((size_t)1 << 24) + 4, &got), -1);
	}
}

static void test_methods(void)
{
	static const char *const refused[] = {
		"", "sp", "spff", "spg", "dkin", "dkim2", "dmar", "dmarcx", "arc1", "ar", "brc",
		"x-dkim", "iprev", "gateway.spf", "absent",
	};
	int m;
	size_t i, k;

	for (m = AR_SPF; m < AR_METHOD_COUNT; m++) {
		const char *w = ar_method_name((enum ar_method)m);
		char buf[16];

		for (k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
			enum ar_method got = AR_METHOD_COUNT;

			case_mask(buf, w, masks[k]);
			CU_ASSERT_EQUAL(ar_method_parse(buf, strlen(buf), &got), 0);
			CU_ASSERT_EQUAL(got, m);
		}
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		enum ar_method got = AR_METHOD_COUNT;

		CU_ASSERT_EQUAL(ar_method_parse(refused[i], strlen(refused[i]), &got), -1);
		CU_ASSERT_EQUAL(got, AR_METHOD_COUNT);
	}
	CU_ASSERT_STRING_EQUAL(ar_method_name(AR_METHOD_COUNT), "?");
}

static void test_policies(void)
{
	static const char *const refused[] = {
		"", "absent", "non", "nonex", "rejec", "rejects", "quarantin", "quarantines",
		"n0ne", "mone", "@one", "pass",
	};
	int p;
	size_t i, k;

	for (p = POL_NONE; p < POL_COUNT; p++) {
		const char *w = ar_policy_name((enum ar_policy)p);
		char buf[16];

		for (k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
			enum ar_policy got = POL_ABSENT;

			case_mask(buf, w, masks[k]);
			CU_ASSERT_EQUAL(ar_policy_parse(buf, strlen(buf), &got), 0);
			CU_ASSERT_EQUAL(got, p);
		}
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		enum ar_policy got = POL_COUNT;

		CU_ASSERT_EQUAL(ar_policy_parse(refused[i], strlen(refused[i]), &got), -1);
		CU_ASSERT_EQUAL(got, POL_COUNT);
	}
	CU_ASSERT_STRING_EQUAL(ar_policy_name(POL_ABSENT), "absent");
	CU_ASSERT_STRING_EQUAL(ar_policy_name(POL_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(ar_spam_name(SPAM_UNKNOWN), "unknown");
	CU_ASSERT_STRING_EQUAL(ar_spam_name(SPAM_HAM), "ham");
	CU_ASSERT_STRING_EQUAL(ar_spam_name(SPAM_SPAM), "spam");
	CU_ASSERT_STRING_EQUAL(ar_spam_name(SPAM_COUNT), "?");
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("result", NULL, NULL);
	CU_add_test(s, "result names", test_result_names);
	CU_add_test(s, "result aliases", test_result_aliases);
	CU_add_test(s, "near misses", test_near_misses);
	CU_add_test(s, "methods", test_methods);
	CU_add_test(s, "policies and spam verdicts", test_policies);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
