/*
 * unit.strutil - str_copy truncation and its strlcpy-style return value,
 * str_eq_nocase on length-delimited input, str_mem_eq_nocase (eight bytes at
 * a time) and str_rchr (a word at a time from the end) against byte-by-byte
 * models at every length and position, str_hex and str_lower.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
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

static int model_eq_nocase(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/*
 * Every length 0..40 (whole words, tails, both), a difference or a case
 * change at every position, and the bytes next to the letter ranges, which
 * must not fold. Each buffer is a malloc of exactly n bytes, so reading past
 * it shows under ASan.
 */
static void test_mem_eq_nocase(void)
{
	static const char edge[] = "@[`{AZaz09\x80\xc3\xe4\xff";
	size_t n, i, e;

	CU_ASSERT_TRUE(str_mem_eq_nocase("Authentication-Results", "authentication-results", 22));
	CU_ASSERT_TRUE(str_mem_eq_nocase("MX.EXAMPLE.JP", "mx.example.jp", 13));
	CU_ASSERT_FALSE(str_mem_eq_nocase("mx.example.jq", "mx.example.jp", 13));
	CU_ASSERT_TRUE(str_mem_eq_nocase("x", "y", 0));
	for (n = 0; n <= 40; n++) {
		char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		for (i = 0; i < n; i++)
			a[i] = (char)('a' + (i * 7) % 26);
		memcpy(b, a, n);
		CU_ASSERT_TRUE(str_mem_eq_nocase(a, b, n));
		for (i = 0; i < n; i++) {
			/* Upper case at i: equal. */
			b[i] = (char)(a[i] - 'a' + 'A');
			CU_ASSERT_TRUE(str_mem_eq_nocase(a, b, n));
			CU_ASSERT_TRUE(str_mem_eq_nocase(b, a, n));
			/* Another letter at i, after an equal word or not: different. */
			b[i] = (char)(a[i] == 'z' ? 'a' : a[i] + 1);
			CU_ASSERT_FALSE(str_mem_eq_nocase(a, b, n));
			CU_ASSERT_FALSE(str_mem_eq_nocase(b, a, n));
			/* The neighbours of the letter ranges against each other. */
			for (e = 0; e < sizeof(edge) - 1; e++) {
				size_t f;

				for (f = 0; f < sizeof(edge) - 1; f++) {
					char keep = a[i];

					a[i] = edge[e];
					b[i] = edge[f];
					CU_ASSERT_EQUAL(str_mem_eq_nocase(a, b, n), model_eq_nocase(a, b, n));
					a[i] = keep;
				}
			}
			b[i] = a[i];
		}
		free(a);
		free(b);
	}
}

static const char *model_rchr(const char *s, size_t len, char c)
{
	while (len > 0) {
		len--;
		if (s[len] == c)
			return s + len;
	}
	return NULL;
}

/* Every length 0..40 with c nowhere, at every position, twice, and with
 * the bytes that the word test could confuse (NUL, 0x80, c ^ 0x80, c + 1). */
static void test_rchr(void)
{
	static const char cs[] = { ';', ' ', '\0', (char)0x80, (char)0xff };
	size_t n, i, j, k;

	CU_ASSERT_PTR_NULL(str_rchr("abc", 0, 'a'));
	CU_ASSERT_PTR_NULL(str_rchr("abc", 3, ';'));
	for (k = 0; k < sizeof(cs); k++) {
		char c = cs[k];

		for (n = 0; n <= 40; n++) {
			char *s = malloc(n ? n : 1);

			CU_ASSERT_PTR_NOT_NULL_FATAL(s);
			for (i = 0; i < n; i++) {
				static const char fill[] = { 'x', (char)0x80, '\0', (char)0x7f, (char)0xbb };

				s[i] = fill[i % sizeof(fill)];
				if (s[i] == c || (char)(s[i] ^ 0x80) == c)
					s[i] = (char)(c + 1) == '\0' ? 'q' : (char)(c + 1);
			}
			CU_ASSERT_PTR_NULL(str_rchr(s, n, c));
			for (i = 0; i < n; i++) {
				char keep = s[i];

				s[i] = c;
				CU_ASSERT_PTR_EQUAL(str_rchr(s, n, c), s + i);
				for (j = 0; j < i; j++) {
					char keep2 = s[j];

					s[j] = c;
					CU_ASSERT_PTR_EQUAL(str_rchr(s, n, c), model_rchr(s, n, c));
					CU_ASSERT_PTR_EQUAL(str_rchr(s, i, c), model_rchr(s, i, c));
					s[j] = keep2;
				}
				s[i] = keep;
			}
			free(s);
		}
	}
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

/* str_find and str_find_last against a model at every length of the
 * haystack; str_eq, str_starts_with and str_is_cut_prefix at their edges. */
static void test_find(void)
{
	static const char hay[] = "a, qid: <x>, qid: <y>, q";
	static const char *const lits[] = { "qid: <", ", ", "q", "y>", ", q", "zz", "a, qid: <x>!" };
	size_t len, k, i;

	for (k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		size_t n = strlen(lits[k]);

		for (len = 0; len <= sizeof(hay) - 1; len++) {
			const char *first = NULL, *last = NULL;

			for (i = 0; i + n <= len; i++) {
				if (memcmp(hay + i, lits[k], n) == 0) {
					if (first == NULL)
						first = hay + i;
					last = hay + i;
				}
			}
			CU_ASSERT_PTR_EQUAL(str_find(hay, len, lits[k]), first);
			CU_ASSERT_PTR_EQUAL(str_find_last(hay, len, lits[k]), last);
		}
	}
	CU_ASSERT_PTR_EQUAL(str_find(hay, 3, ""), hay);
	CU_ASSERT_PTR_EQUAL(str_find_last(hay, 3, ""), hay + 3);

	CU_ASSERT_TRUE(str_eq("pass", 4, "pass"));
	CU_ASSERT_FALSE(str_eq("passx", 4, "pas"));
	CU_ASSERT_FALSE(str_eq("pas", 3, "pass"));
	CU_ASSERT_FALSE(str_eq("PASS", 4, "pass"));
	CU_ASSERT_TRUE(str_starts_with("Passed CLEAN", 12, "Passed "));
	CU_ASSERT_TRUE(str_starts_with("Passed ", 7, "Passed "));
	CU_ASSERT_FALSE(str_starts_with("Passed", 6, "Passed "));
	CU_ASSERT_TRUE(str_starts_with("x", 0, ""));
	CU_ASSERT_TRUE(str_is_cut_prefix("Compl", 5, "Completed"));
	CU_ASSERT_FALSE(str_is_cut_prefix("Completed", 9, "Completed"));
	CU_ASSERT_FALSE(str_is_cut_prefix("", 0, "Completed"));
	CU_ASSERT_FALSE(str_is_cut_prefix("Compx", 5, "Completed"));
	CU_ASSERT_TRUE(str_is_alnum('0') && str_is_alnum('z') && str_is_alnum('A'));
	CU_ASSERT_FALSE(str_is_alnum('-') || str_is_alnum('@') || str_is_alnum('[') ||
	                str_is_alnum('`') || str_is_alnum('{') || str_is_alnum('/') ||
	                str_is_alnum(':') || str_is_alnum((char)0xe9));
}

/* Every form UTF-8 forbids is refused, every valid one decoded. */
static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t len, want;
		uint32_t cp;
	} cases[] = {
		{ "a", 1, 1, 'a' },
		{ "\xC3\xA9", 2, 2, 0xE9 },
		{ "\xE3\x81\x82", 3, 3, 0x3042 },
		{ "\xF0\x9F\x98\x80", 4, 4, 0x1F600 },
		{ "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF },
		{ "\x80", 1, 0, 0 },             /* a continuation byte alone */
		{ "\xC0\xAF", 2, 0, 0 },         /* overlong "/" */
		{ "\xE0\x80\xAF", 3, 0, 0 },     /* overlong, three bytes */
		{ "\xED\xA0\x80", 3, 0, 0 },     /* a surrogate */
		{ "\xF4\x90\x80\x80", 4, 0, 0 }, /* beyond U+10FFFF */
		{ "\xF5\x80\x80\x80", 4, 0, 0 },
		{ "\xFF", 1, 0, 0 },
		{ "\xE3\x81", 2, 0, 0 },         /* cut short */
		{ "\xE3\x41\x82", 3, 0, 0 },     /* missing continuation */
	};
	size_t i;
	uint32_t cp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cp = 0;
		CU_ASSERT_EQUAL(str_utf8_decode(cases[i].s, cases[i].len, &cp), cases[i].want);
		if (cases[i].want > 0)
			CU_ASSERT_EQUAL(cp, cases[i].cp);
	}
	CU_ASSERT_TRUE(str_is_control_or_bidi(0) && str_is_control_or_bidi('\t') &&
	               str_is_control_or_bidi(0x7F) && str_is_control_or_bidi(0x85) &&
	               str_is_control_or_bidi(0x061C) && str_is_control_or_bidi(0x200E) &&
	               str_is_control_or_bidi(0x200F) && str_is_control_or_bidi(0x202A) &&
	               str_is_control_or_bidi(0x202E) && str_is_control_or_bidi(0x2066) &&
	               str_is_control_or_bidi(0x2069));
	CU_ASSERT_FALSE(str_is_control_or_bidi(' ') || str_is_control_or_bidi('~') ||
	                str_is_control_or_bidi(0xA0) || str_is_control_or_bidi(0x200D) ||
	                str_is_control_or_bidi(0x202F) || str_is_control_or_bidi(0x2065) ||
	                str_is_control_or_bidi(0x206A) || str_is_control_or_bidi(0x3042));
}

static void test_split_list(void)
{
	char *copy = NULL, **items = NULL;
	size_t n = 99;

	CU_ASSERT_EQUAL(str_split_list(" a, b\tc,,d ", 10, &copy, &items, &n), 0);
	CU_ASSERT_EQUAL(n, 4);
	if (n == 4) {
		CU_ASSERT_STRING_EQUAL(items[0], "a");
		CU_ASSERT_STRING_EQUAL(items[1], "b");
		CU_ASSERT_STRING_EQUAL(items[2], "c");
		CU_ASSERT_STRING_EQUAL(items[3], "d");
	}
	free(items);
	free(copy);
	CU_ASSERT_EQUAL(str_split_list(NULL, 10, &copy, &items, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(items);
	free(copy);
	CU_ASSERT_EQUAL(str_split_list(" , ", 10, &copy, &items, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(items);
	free(copy);
	/* One item over the limit: refused, nothing left to free. */
	CU_ASSERT_EQUAL(str_split_list("a b c", 2, &copy, &items, &n), -1);
	CU_ASSERT_PTR_NULL(copy);
	CU_ASSERT_EQUAL(str_split_list("a b", 2, &copy, &items, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	free(items);
	free(copy);
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
	    CU_add_test(s, "str_mem_eq_nocase", test_mem_eq_nocase) == NULL ||
	    CU_add_test(s, "str_rchr", test_rchr) == NULL ||
	    CU_add_test(s, "str_hex", test_hex) == NULL ||
	    CU_add_test(s, "str_lower", test_lower) == NULL ||
	    CU_add_test(s, "str_find and friends", test_find) == NULL ||
	    CU_add_test(s, "str_utf8_decode, str_is_control_or_bidi", test_utf8) == NULL ||
	    CU_add_test(s, "str_split_list", test_split_list) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
