/* unit.csvout: CSV fields quoted by libcsv where they must be, the three
 * encodings, no text field that a spreadsheet runs as a formula, and text
 * that cannot be written replaced, never failing the file. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"

/* What csvout_write produces; the caller frees it. */
static char *written(const struct csvout *o, size_t *len, int *rc, struct strbuf *err)
{
	char *got = NULL;
	FILE *mem = open_memstream(&got, len);

	*rc = csvout_write(o, mem, err);
	fclose(mem);
	return got;
}

static void test_quoting(void)
{
	struct csvout *o = csvout_new(CSVOUT_UTF8);
	struct strbuf err;
	size_t len = 0;
	char *got;
	int rc;

	strbuf_init(&err, 256);
	csvout_text(o, "plain");
	csvout_text(o, "a,b");
	csvout_text(o, "say \"hi\"");
	csvout_empty(o);
	csvout_int(o, -42);
	csvout_printf(o, "%d.%02d%%", 6, 5);
	csvout_end_row(o);
	csvout_text(o, "line\nbreak");
	csvout_end_row(o);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(got, "plain,\"a,b\",\"say \"\"hi\"\"\",,-42,6.05%\n\"line\nbreak\"\n");
	free(got);
	csvout_free(o);
	csvout_free(NULL);
	strbuf_release(&err);
}

static void test_encodings(void)
{
	static const char *const names[] = { "utf-8", "utf-8-bom", "cp932", "sjis", "shift_jis" };
	enum csvout_encoding e;
	struct csvout *o;
	struct strbuf err;
	size_t len = 0, i;
	char *got;
	int rc;

	strbuf_init(&err, 256);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CU_ASSERT_EQUAL(csvout_encoding_parse(names[i], &e), 0);
	CU_ASSERT_EQUAL(csvout_encoding_parse("latin1", &e), -1);
	CU_ASSERT_STRING_EQUAL(csvout_encoding_name(CSVOUT_CP932), "cp932");

	o = csvout_new(CSVOUT_UTF8_BOM);
	csvout_text(o, "\xE9\xA0\x85\xE7\x9B\xAE"); /* 項目 */
	csvout_end_row(o);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(len == 11 && memcmp(got, "\xEF\xBB\xBF\xE9\xA0\x85\xE7\x9B\xAE\r\n", 11) == 0);
	free(got);
	csvout_free(o);

	/* CP932: 項目 is 8D 80 96 DA, the circled digit one 87 40 (an NEC
	 * special character, absent from plain Shift_JIS). */
	o = csvout_new(CSVOUT_CP932);
	csvout_text(o, "\xE9\xA0\x85\xE7\x9B\xAE");
	csvout_text(o, "\xE2\x91\xA0");
	csvout_end_row(o);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(len == 9 && memcmp(got, "\x8D\x80\x96\xDA,\x87\x40\r\n", 9) == 0);
	free(got);
	csvout_free(o);
	strbuf_release(&err);
}

/* Issue 14, item 5: a character CP932 cannot encode (or text that is not
 * valid UTF-8, or a bidi control) no longer fails the whole report: it is
 * replaced by "?" and counted, the rest of the file is intact. */
static void test_cp932_unencodable(void)
{
	struct csvout *o = csvout_new(CSVOUT_CP932);
	struct strbuf err;
	size_t len = 0;
	char *got;
	int rc;

	strbuf_init(&err, 256);
	csvout_text(o, "carrier");
	csvout_end_row(o);
	csvout_text(o, "\xF0\x9F\x98\x80"); /* U+1F600 */
	csvout_text(o, "a\xE2\x80\xAE" "b");    /* U+202E RIGHT-TO-LEFT OVERRIDE */
	csvout_text(o, "x\xC3" "y\xFF");         /* not UTF-8 */
	csvout_text(o, "\xE9\xA0\x85");       /* 項, which CP932 has */
	csvout_end_row(o);
	CU_ASSERT_EQUAL(csvout_replaced(o), 4);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(len == 24 && memcmp(got, "carrier\r\n?,a?b,x?y?,\x8D\x80\r\n", 24) == 0);
	free(got);
	csvout_free(o);
	strbuf_release(&err);
}

/* In UTF-8 the same text gets U+FFFD instead; valid text is untouched. */
static void test_utf8_replaced(void)
{
	struct csvout *o = csvout_new(CSVOUT_UTF8);
	struct strbuf err;
	size_t len = 0;
	char *got;
	int rc;

	strbuf_init(&err, 256);
	csvout_text(o, "a\xE2\x80\xAE" "b\xE2\x81\xA6");
	csvout_text(o, "x\xC3" "y\xC2\x85");
	csvout_text(o, "\xE6\xA0\xAA\xF0\x9F\x98\x80"); /* 株 and U+1F600 */
	csvout_end_row(o);
	CU_ASSERT_EQUAL(csvout_replaced(o), 4);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(got, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD,x\xEF\xBF\xBDy\xEF\xBF\xBD,"
	                            "\xE6\xA0\xAA\xF0\x9F\x98\x80\n");
	free(got);
	csvout_free(o);
	strbuf_release(&err);
}

/* Issue 14, item 5: no text field can start a formula (OWASP): a leading
 * = + - @, tab or CR gets a single quote; numbers, negative ones too, and
 * the lone "-" stay numbers. */
static void test_formulas(void)
{
	struct csvout *o = csvout_new(CSVOUT_UTF8);
	struct strbuf err;
	size_t len = 0;
	char *got;
	int rc;

	strbuf_init(&err, 256);
	csvout_text(o, "=cmd|' /C calc'!A0");
	csvout_text(o, "@SUM(1)");
	csvout_text(o, "+1+1");
	csvout_text(o, "-2+3");
	csvout_text(o, "\tx");
	csvout_text(o, "\r=1");
	csvout_text(o, "=a,b");
	csvout_end_row(o);
	csvout_text(o, "-");
	csvout_text(o, "-42");
	csvout_int(o, -7);
	csvout_printf(o, "%s", "-0.50");
	csvout_printf(o, "%s", "-12.5%");
	csvout_text(o, "a=b");
	csvout_text(o, "-1e3");
	csvout_text(o, "-.5");
	csvout_text(o, "--1");
	csvout_end_row(o);
	CU_ASSERT_EQUAL(csvout_replaced(o), 0);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(got, "'=cmd|' /C calc'!A0,'@SUM(1),'+1+1,'-2+3,'\tx,\"'\r=1\",\"'=a,b\"\n"
	                            "-,-42,-7,-0.50,-12.5%,a=b,'-1e3,'-.5,'--1\n");
	free(got);
	csvout_free(o);
	strbuf_release(&err);
}

/* A field longer than printf fields may be fails the whole file. */
static void test_failure_sticks(void)
{
	struct csvout *o = csvout_new(CSVOUT_UTF8);
	struct strbuf err;
	char *big = malloc(5000), *got;
	size_t len = 0;
	int rc;

	strbuf_init(&err, 256);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	csvout_printf(o, "%s", big);
	csvout_text(o, "after");
	csvout_end_row(o);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_EQUAL(len, 0);
	free(got);
	free(big);
	csvout_free(o);

	/* So does a text field over 64 KiB, safe or not. */
	big = malloc(70000);
	memset(big, 'x', 69999);
	big[69999] = '\0';
	o = csvout_new(CSVOUT_UTF8);
	csvout_text(o, big);
	csvout_end_row(o);
	got = written(o, &len, &rc, &err);
	CU_ASSERT_EQUAL(rc, -1);
	free(got);
	free(big);
	csvout_free(o);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("csvout", NULL, NULL);
	CU_add_test(s, "quoting", test_quoting);
	CU_add_test(s, "encodings", test_encodings);
	CU_add_test(s, "CP932 replaces what it cannot encode", test_cp932_unencodable);
	CU_add_test(s, "UTF-8: invalid bytes and bidi controls replaced", test_utf8_replaced);
	CU_add_test(s, "no field starts a formula", test_formulas);
	CU_add_test(s, "a failure sticks", test_failure_sticks);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
