/*
 * unit.strbuf - the capped buffer: the cap holds to the byte, a refused append
 * leaves the buffer as it was, printf grows it, and the content stays
 * NUL-terminated.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

static void test_empty(void)
{
	struct strbuf sb;

	strbuf_init(&sb, 10);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_EQUAL(sb.cap, 10);
	CU_ASSERT_PTR_NULL(sb.data);
	/* An empty append still yields a terminated (empty) string. */
	CU_ASSERT_EQUAL(strbuf_append(&sb, "", 0), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb.data);
	CU_ASSERT_STRING_EQUAL(sb.data, "");
	strbuf_release(&sb);
	CU_ASSERT_PTR_NULL(sb.data);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_EQUAL(sb.cap, 10);
	strbuf_release(&sb);
}

static void test_cap_exact(void)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, 100);
	for (i = 0; i < 100; i++) {
		CU_ASSERT_EQUAL_FATAL(strbuf_append_byte(&sb, (unsigned char)('a' + i % 26)), 0);
		CU_ASSERT_EQUAL(sb.len, i + 1);
		CU_ASSERT_EQUAL(sb.data[sb.len], '\0');
	}
	CU_ASSERT_EQUAL(strbuf_append_byte(&sb, 'x'), -1);
	CU_ASSERT_EQUAL(strbuf_append(&sb, "x", 1), -1);
	CU_ASSERT_EQUAL(strbuf_append_str(&sb, "x"), -1);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%c", 'x'), -1);
	/* Appending nothing to a full buffer is fine. */
	CU_ASSERT_EQUAL(strbuf_append(&sb, "", 0), 0);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%s", ""), 0);
	CU_ASSERT_EQUAL(sb.len, 100);
	CU_ASSERT_EQUAL(strlen(sb.data), 100);
	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(sb.data[i], (char)('a' + i % 26));
	strbuf_release(&sb);
}

static void test_refused_leaves_unchanged(void)
{
	struct strbuf sb;
	char big[64];

	memset(big, 'B', sizeof(big));
	strbuf_init(&sb, 50);
	CU_ASSERT_EQUAL(strbuf_append_str(&sb, "hello"), 0);
	/* 5 + 46 = 51 > 50: refused as a whole, not partially copied. */
	CU_ASSERT_EQUAL(strbuf_append(&sb, big, 46), -1);
	CU_ASSERT_EQUAL(sb.len, 5);
	CU_ASSERT_STRING_EQUAL(sb.data, "hello");
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%046d", 1), -1);
	CU_ASSERT_EQUAL(sb.len, 5);
	CU_ASSERT_STRING_EQUAL(sb.data, "hello");
	/* A length that would overflow len + extra is refused, not wrapped. */
	CU_ASSERT_EQUAL(strbuf_append(&sb, big, SIZE_MAX), -1);
	CU_ASSERT_EQUAL(strbuf_append(&sb, big, SIZE_MAX - 2), -1);
	CU_ASSERT_EQUAL(sb.len, 5);
	CU_ASSERT_STRING_EQUAL(sb.data, "hello");
	/* Exactly up to the cap is accepted. */
	CU_ASSERT_EQUAL(strbuf_append(&sb, big, 45), 0);
	CU_ASSERT_EQUAL(sb.len, 50);
	CU_ASSERT_EQUAL(memcmp(sb.data, "hello", 5), 0);
	CU_ASSERT_EQUAL(sb.data[49], 'B');
	CU_ASSERT_EQUAL(sb.data[50], '\0');
	strbuf_release(&sb);
}

static void test_cap_zero(void)
{
	struct strbuf sb;

	strbuf_init(&sb, 0);
	CU_ASSERT_EQUAL(strbuf_append_byte(&sb, 'a'), -1);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "x"), -1);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%s", ""), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb.data);
	CU_ASSERT_STRING_EQUAL(sb.data, "");
	strbuf_release(&sb);
}

static void test_printf_growth(void)
{
	struct strbuf sb;
	char want[16];
	size_t i;

	strbuf_init(&sb, 1 << 20);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%s=%d", "n", 42), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "n=42");
	CU_ASSERT_EQUAL(sb.len, 4);
	strbuf_reset(&sb);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "");
	/* Many appends of 7 bytes force several reallocations past the 64-byte start. */
	for (i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL_FATAL(strbuf_printf(&sb, "[%05zu]", i), 0);
	CU_ASSERT_EQUAL(sb.len, 7000);
	CU_ASSERT_EQUAL(strlen(sb.data), 7000);
	CU_ASSERT(sb.alloc > 7000);
	for (i = 0; i < 1000; i++) {
		snprintf(want, sizeof(want), "[%05zu]", i);
		CU_ASSERT_EQUAL(memcmp(sb.data + 7 * i, want, 7), 0);
	}
	/* One printf far larger than the allocation so far. */
	strbuf_reset(&sb);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%0100000d|", 7), 0);
	CU_ASSERT_EQUAL(sb.len, 100001);
	CU_ASSERT_EQUAL(sb.data[99999], '7');
	CU_ASSERT_EQUAL(sb.data[0], '0');
	CU_ASSERT_EQUAL(sb.data[100000], '|');
	CU_ASSERT_EQUAL(sb.data[100001], '\0');
	strbuf_release(&sb);
}

static void test_printf_exact_cap(void)
{
	struct strbuf sb;

	strbuf_init(&sb, 10);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%s", "abcde"), 0);
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%05d", 12), 0);
	CU_ASSERT_EQUAL(sb.len, 10);
	CU_ASSERT_STRING_EQUAL(sb.data, "abcde00012");
	CU_ASSERT_EQUAL(strbuf_printf(&sb, "%d", 1), -1);
	CU_ASSERT_STRING_EQUAL(sb.data, "abcde00012");
	strbuf_release(&sb);
}

static void test_binary_and_truncate(void)
{
	struct strbuf sb;
	static const char bin[5] = { 'a', '\0', 'b', '\0', 'c' };

	strbuf_init(&sb, 64);
	CU_ASSERT_EQUAL(strbuf_append(&sb, bin, sizeof(bin)), 0);
	CU_ASSERT_EQUAL(sb.len, 5);
	CU_ASSERT_EQUAL(memcmp(sb.data, bin, 5), 0);
	CU_ASSERT_EQUAL(sb.data[5], '\0');
	strbuf_truncate(&sb, 10); /* longer than len: no-op */
	CU_ASSERT_EQUAL(sb.len, 5);
	CU_ASSERT_EQUAL(sb.data[4], 'c');
	strbuf_truncate(&sb, 1);
	CU_ASSERT_EQUAL(sb.len, 1);
	CU_ASSERT_STRING_EQUAL(sb.data, "a");
	CU_ASSERT_EQUAL(strbuf_append_str(&sb, "xyz"), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "axyz");
	strbuf_truncate(&sb, 0);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "");
	/* After truncation the freed room counts against the cap again. */
	{
		char fill[64];

		memset(fill, 'f', sizeof(fill));
		CU_ASSERT_EQUAL(strbuf_append(&sb, fill, 64), 0);
		CU_ASSERT_EQUAL(strbuf_append_byte(&sb, 'g'), -1);
		strbuf_truncate(&sb, 63);
		CU_ASSERT_EQUAL(strbuf_append_byte(&sb, 'g'), 0);
		CU_ASSERT_EQUAL(sb.data[63], 'g');
		CU_ASSERT_EQUAL(sb.data[64], '\0');
	}
	strbuf_release(&sb);
	/* The buffer may be used again after release. */
	CU_ASSERT_EQUAL(strbuf_append_str(&sb, "again"), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "again");
	strbuf_release(&sb);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("strbuf", NULL, NULL);
	if (s == NULL || CU_add_test(s, "empty buffer", test_empty) == NULL ||
	    CU_add_test(s, "cap enforced to the byte", test_cap_exact) == NULL ||
	    CU_add_test(s, "refused append leaves buffer unchanged",
	                test_refused_leaves_unchanged) == NULL ||
	    CU_add_test(s, "cap zero", test_cap_zero) == NULL ||
	    CU_add_test(s, "printf growth", test_printf_growth) == NULL ||
	    CU_add_test(s, "printf up to the cap", test_printf_exact_cap) == NULL ||
	    CU_add_test(s, "binary content and truncate", test_binary_and_truncate) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
