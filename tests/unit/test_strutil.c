/*
 * unit.strutil - str_copy truncation and its strlcpy-style return value,
 * str_eq_nocase on length-delimited input, str_hex and str_lower.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "strutil.h"

static void test_copy(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(str_copy(buf, "abc", sizeof(buf)), 3);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	CU_ASSERT_EQUAL(buf[4], 'x'); /* nothing written past the NUL */

	/* Exactly fits: 7 characters and the NUL. */
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(str_copy(buf, "1234567", sizeof(buf)), 7);
	CU_ASSERT_STRING_EQUAL(buf, "1234567");

	/* One too many: truncated, terminated, result >= size tells. */
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(str_copy(buf, "12345678", sizeof(buf)), 8);
	CU_ASSERT_STRING_EQUAL(buf, "1234567");
	CU_ASSERT_EQUAL(str_copy(buf, "a much longer source string", sizeof(buf)), 27);
	CU_ASSERT_STRING_EQUAL(buf, "a much ");

	/* Size 1 holds only the NUL; size 0 writes nothing at all. */
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(str_copy(buf, "abc", 1), 3);
	CU_ASSERT_EQUAL(buf[0], '\0');
	CU_ASSERT_EQUAL(buf[1], 'x');
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(str_copy(buf, "abc", 0), 3);
	CU_ASSERT_EQUAL(buf[0], 'x');
	CU_ASSERT_EQUAL(str_copy(NULL, "abcd", 0), 4);

	/* Empty source. */
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(str_copy(buf, "", sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_eq_nocase(void)
{
	CU_ASSERT_TRUE(str_eq_nocase("pass", 4, "pass"));
	CU_ASSERT_TRUE(str_eq_nocase("PASS", 4, "pass"));
	CU_ASSERT_TRUE(str_eq_nocase("PaSs", 4, "pAsS"));
	CU_ASSERT_TRUE(str_eq_nocase("", 0, ""));
	/* Only len bytes of s count. */
	CU_ASSERT_TRUE(str_eq_nocase("spf=pass", 3, "SPF"));
	CU_ASSERT_TRUE(str_eq_nocase("DKIM;", 4, "dkim"));
	/* Length mismatches in both directions. */
	CU_ASSERT_FALSE(str_eq_nocase("pas", 3, "pass"));
	CU_ASSERT_FALSE(str_eq_nocase("passx", 5, "pass"));
	CU_ASSERT_FALSE(str_eq_nocase("pass", 0, "pass"));
	CU_ASSERT_FALSE(str_eq_nocase("x", 1, ""));
	CU_ASSERT_FALSE(str_eq_nocase("fail", 4, "pass"));
	CU_ASSERT_FALSE(str_eq_nocase("pasS", 4, "pasT"));
	/* A NUL inside s is a byte like any other, not an end. */
	CU_ASSERT_FALSE(str_eq_nocase("pa\0s", 4, "pa"));
	/* ASCII only: characters next to the letter ranges are not folded. */
	CU_ASSERT_FALSE(str_eq_nocase("@", 1, "`"));
	CU_ASSERT_FALSE(str_eq_nocase("[", 1, "{"));
	CU_ASSERT_FALSE(str_eq_nocase("\xc3\x84", 2, "\xc3\xa4"));
	CU_ASSERT_TRUE(str_eq_nocase("AZaz09-", 7, "azAZ09-"));
}

static void test_hex(void)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 0x10 };
	char out[2 * sizeof(in) + 2];

	memset(out, 'x', sizeof(out));
	str_hex(in, sizeof(in), out);
	CU_ASSERT_STRING_EQUAL(out, "00017f80abcdefff10");
	CU_ASSERT_EQUAL(out[2 * sizeof(in) + 1], 'x');
	str_hex(in, 0, out);
	CU_ASSERT_STRING_EQUAL(out, "");
	str_hex(in + 4, 1, out);
	CU_ASSERT_STRING_EQUAL(out, "ab");
}

static void test_lower(void)
{
	char s[] = "Mixed CASE 123 @[`{ \xc3\x84";

	str_lower(s);
	CU_ASSERT_STRING_EQUAL(s, "mixed case 123 @[`{ \xc3\x84");
	s[0] = '\0';
	str_lower(s);
	CU_ASSERT_EQUAL(s[0], '\0');
	CU_ASSERT_EQUAL(s[1], 'i');
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("strutil", NULL, NULL);
	if (s == NULL || CU_add_test(s, "str_copy", test_copy) == NULL ||
	    CU_add_test(s, "str_eq_nocase", test_eq_nocase) == NULL ||
	    CU_add_test(s, "str_hex", test_hex) == NULL ||
	    CU_add_test(s, "str_lower", test_lower) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
