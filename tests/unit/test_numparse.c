/*
 * unit.numparse - the checked integer parser: the edges of int64_t, overflow
 * by one, malformed input, range checks, and hexadecimal of 1..16 digits;
 * and the writer, against snprintf and back through the parser.
 */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numparse.h"

/* A value that no test expects, to show *out is left alone on failure. */
#define SENTINEL INT64_C(0x5a5a5a5a5a5a5a5a)

static int parse(const char *s, int64_t min, int64_t max, int64_t *out)
{
	*out = SENTINEL;
	return num_parse_i64(s, strlen(s), min, max, out);
}

static void expect_ok(const char *s, int64_t want)
{
	int64_t v;

	CU_ASSERT_EQUAL_FATAL(parse(s, INT64_MIN, INT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, want);
}

static void expect_fail(const char *s, int64_t min, int64_t max)
{
	int64_t v;

	CU_ASSERT_EQUAL(parse(s, min, max, &v), -1);
	CU_ASSERT_EQUAL(v, SENTINEL);
}

static void test_simple(void)
{
	expect_ok("0", 0);
	expect_ok("-0", 0);
	expect_ok("7", 7);
	expect_ok("-7", -7);
	expect_ok("1234567890", INT64_C(1234567890));
	expect_ok("000000000000000000000000000042", 42);
	expect_ok("-000000000000000000000000000042", -42);
}

static void test_edges(void)
{
	expect_ok("9223372036854775807", INT64_MAX);
	expect_ok("-9223372036854775808", INT64_MIN);
	expect_ok("9223372036854775806", INT64_MAX - 1);
	expect_ok("-9223372036854775807", INT64_MIN + 1);
	/* Overflow by one in each direction, and by more. */
	expect_fail("9223372036854775808", INT64_MIN, INT64_MAX);
	expect_fail("-9223372036854775809", INT64_MIN, INT64_MAX);
	expect_fail("9223372036854775810", INT64_MIN, INT64_MAX);
	expect_fail("92233720368547758070", INT64_MIN, INT64_MAX);
	expect_fail("-92233720368547758080", INT64_MIN, INT64_MAX);
	expect_fail("99999999999999999999", INT64_MIN, INT64_MAX);
	expect_fail("18446744073709551616", INT64_MIN, INT64_MAX);
}

static void test_malformed(void)
{
	int64_t v = SENTINEL;

	expect_fail("", INT64_MIN, INT64_MAX);
	expect_fail("-", INT64_MIN, INT64_MAX);
	expect_fail("--1", INT64_MIN, INT64_MAX);
	expect_fail("+1", INT64_MIN, INT64_MAX);
	expect_fail(" 1", INT64_MIN, INT64_MAX);
	expect_fail("1 ", INT64_MIN, INT64_MAX);
	expect_fail("1-", INT64_MIN, INT64_MAX);
	expect_fail("12a", INT64_MIN, INT64_MAX);
	expect_fail("a12", INT64_MIN, INT64_MAX);
	expect_fail("0x10", INT64_MIN, INT64_MAX);
	expect_fail("1.0", INT64_MIN, INT64_MAX);
	expect_fail("1e3", INT64_MIN, INT64_MAX);
	/* Only `len` bytes count: a digit beyond them is not read, a NUL inside is not a digit. */
	CU_ASSERT_EQUAL(num_parse_i64("123456", 3, INT64_MIN, INT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, 123);
	v = SENTINEL;
	CU_ASSERT_EQUAL(num_parse_i64("12\0003", 4, INT64_MIN, INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(v, SENTINEL);
	CU_ASSERT_EQUAL(num_parse_i64("-5", 1, INT64_MIN, INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(num_parse_i64("5", 0, INT64_MIN, INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(v, SENTINEL);
}

static void test_range(void)
{
	int64_t v;

	CU_ASSERT_EQUAL(parse("1", 1, 10, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(parse("10", 1, 10, &v), 0);
	CU_ASSERT_EQUAL(v, 10);
	expect_fail("0", 1, 10);
	expect_fail("11", 1, 10);
	expect_fail("-1", 0, 100);
	CU_ASSERT_EQUAL(parse("-5", -5, -1, &v), 0);
	CU_ASSERT_EQUAL(v, -5);
	expect_fail("-6", -5, -1);
	expect_fail("0", -5, -1);
	/* The extremes as bounds. */
	expect_fail("9223372036854775807", INT64_MIN, INT64_MAX - 1);
	expect_fail("-9223372036854775808", INT64_MIN + 1, INT64_MAX);
	CU_ASSERT_EQUAL(parse("42", 42, 42, &v), 0);
	CU_ASSERT_EQUAL(v, 42);
}

static void test_str(void)
{
	int64_t v = SENTINEL;

	CU_ASSERT_EQUAL(num_parse_i64_str("65535", 0, 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 65535);
	v = SENTINEL;
	CU_ASSERT_EQUAL(num_parse_i64_str("65536", 0, 65535, &v), -1);
	CU_ASSERT_EQUAL(num_parse_i64_str("", 0, 65535, &v), -1);
	CU_ASSERT_EQUAL(num_parse_i64_str("-", INT64_MIN, INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(v, SENTINEL);
	CU_ASSERT_EQUAL(num_parse_i64_str("-9223372036854775808", INT64_MIN, 0, &v), 0);
	CU_ASSERT_EQUAL(v, INT64_MIN);
}

static void test_hex(void)
{
	static const char digits16[] = "0123456789abcdef";
	uint64_t v;
	size_t n;

	CU_ASSERT_EQUAL(num_parse_hex_u64("0", 1, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(num_parse_hex_u64("f", 1, &v), 0);
	CU_ASSERT_EQUAL(v, 15);
	CU_ASSERT_EQUAL(num_parse_hex_u64("A", 1, &v), 0);
	CU_ASSERT_EQUAL(v, 10);
	CU_ASSERT_EQUAL(num_parse_hex_u64("DeadBeef", 8, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_C(0xdeadbeef));
	CU_ASSERT_EQUAL(num_parse_hex_u64("ffffffffffffffff", 16, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(num_parse_hex_u64("FFFFFFFFFFFFFFFF", 16, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(num_parse_hex_u64("0000000000000001", 16, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* Every length from 1 to 16 of "0123456789abcdef". */
	for (n = 1; n <= 16; n++) {
		uint64_t want = 0;
		size_t i;

		for (i = 0; i < n; i++)
			want = want * 16 + i;
		v = 0xa5;
		CU_ASSERT_EQUAL(num_parse_hex_u64(digits16, n, &v), 0);
		CU_ASSERT_EQUAL(v, want);
	}

	/* 17 digits never fit, even with leading zeros; failure leaves *out alone. */
	v = 0xa5;
	CU_ASSERT_EQUAL(num_parse_hex_u64("00000000000000001", 17, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("10000000000000000", 17, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("", 0, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("g", 1, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("0x1", 3, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("-1", 2, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("12 ", 3, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("1G", 2, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("1@", 2, &v), -1);
	CU_ASSERT_EQUAL(num_parse_hex_u64("1`", 2, &v), -1);
	CU_ASSERT_EQUAL(v, 0xa5);
	/* Only `len` bytes are read. */
	CU_ASSERT_EQUAL(num_parse_hex_u64("abcz", 3, &v), 0);
	CU_ASSERT_EQUAL(v, 0xabc);
}

/* num_format_i64 and _u64 write what snprintf writes, at the edges and
 * around every power of ten, and the parser reads it back. */
static void expect_format(int64_t v)
{
	char got[NUM_I64_DIGITS_MAX + 1], want[32];
	size_t n = num_format_i64(got, v);
	int64_t back;

	CU_ASSERT_FATAL(n <= NUM_I64_DIGITS_MAX);
	got[n] = '\0';
	snprintf(want, sizeof(want), "%" PRId64, v);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(num_parse_i64(got, n, INT64_MIN, INT64_MAX, &back), 0);
	CU_ASSERT_EQUAL(back, v);
	if (v >= 0) {
		n = num_format_u64(got, (uint64_t)v);
		got[n] = '\0';
		CU_ASSERT_STRING_EQUAL(got, want);
	}
}

static void test_format(void)
{
	char buf[NUM_I64_DIGITS_MAX + 1];
	int64_t p = 1;
	size_t n;
	int i;

	expect_format(0);
	expect_format(INT64_MAX);
	expect_format(INT64_MIN);
	expect_format(INT64_MIN + 1);
	/* 10^0 .. 10^18, the largest power of ten in an int64. */
	for (i = 0;; i++) {
		expect_format(p);
		expect_format(p - 1);
		expect_format(-p);
		expect_format(1 - p);
		if (i == 18)
			break;
		p *= 10;
	}
	n = num_format_u64(buf, UINT64_MAX);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "18446744073709551615");
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("numparse", NULL, NULL);
	if (s == NULL || CU_add_test(s, "simple values", test_simple) == NULL ||
	    CU_add_test(s, "int64 edges and overflow by one", test_edges) == NULL ||
	    CU_add_test(s, "malformed input", test_malformed) == NULL ||
	    CU_add_test(s, "range checks", test_range) == NULL ||
	    CU_add_test(s, "NUL-terminated form", test_str) == NULL ||
	    CU_add_test(s, "hexadecimal 1..16 digits, 17 rejected", test_hex) == NULL ||
	    CU_add_test(s, "writing: as snprintf, and read back", test_format) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
