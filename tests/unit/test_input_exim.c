/*
 * unit.input_exim - Exim's main log (format "exim") and Exim's lines in syslog.
 * Golden: tests/golden/input/exim.in parsed line by line must print
 * exactly tests/golden/input/exim.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

/* The same lines through syslog (tag "exim"). */
static void test_syslog(void)
{
	static const char arrival[] =
		"2026-11-22T10:00:01.5+09:00 mx3 exim[812]: 1tEaB4-00000000Q7e-00Ab <= a@b.example "
		"H=mail.b.example [192.0.2.1] P=esmtp S=100";
	static const char header[] =
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: 1tEaB3-000Q7d-2K ar: "
		"Authentication-Results: mx.example.jp;\\n\\tspf=pass smtp.mailfrom=b.example";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(arrival, strlen(arrival), &clk, &ev, &why),
	                      INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_MSGID);
	CU_ASSERT(ev.host.len == 3 && memcmp(ev.host.p, "mx3", 3) == 0);
	CU_ASSERT(ev.queue_id.len == 23 &&
	          memcmp(ev.queue_id.p, "1tEaB4-00000000Q7e-00Ab", 23) == 0);
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(header, strlen(header), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT(ev.queue_id.len == 16 && memcmp(ev.queue_id.p, "1tEaB3-000Q7d-2K", 16) == 0);
	CU_ASSERT_EQUAL(ev.value_escaped, 1);
	CU_ASSERT_EQUAL(ev.value_truncated, 0);
}

/*
 * Through syslog, write_syslog() (src/src/log.c) sends an entry of several
 * lines, or longer than MAX_SYSLOG_LEN (870), as pieces "[1\3] ...",
 * "[2\3] ...", "[3/3] ...". The first piece of a logged header is the
 * header cut short; the later pieces count nothing. None is malformed.
 */
static void test_syslog_pieces(void)
{
	static const char first[] =
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: [1\\2] 1tEaB3-000Q7d-2K ar: "
		"Authentication-Results: mx.example.jp;\\n\\tspf=pass smtp.mailfrom=b.example;\\n\\tdkim=pa";
	static const char first_pid[] =
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: [1\\2] [812] 1tEaB3-000Q7d-2K ar: "
		"Authentication-Results: mx.example.jp;\\n\\tspf=pass";
	static const char *const other[] = {
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: [2/2] ss header.d=b.example",
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: [2\\3] 1tEaB3-000Q7d-2K ar: X-Spam-Flag: NO",
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: [1\\2] Exim configuration error in line 8 of "
		"/etc/exim4/exim4.conf:",
		"2026-11-22T10:00:01+09:00 mx3 exim[812]: [2/2]   main option \"foo\" unknown",
	};
	struct input_event ev;
	const char *why = NULL;
	size_t i;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(first, strlen(first), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT(ev.queue_id.len == 16 && memcmp(ev.queue_id.p, "1tEaB3-000Q7d-2K", 16) == 0);
	CU_ASSERT(ev.name.len == 22 && memcmp(ev.name.p, "Authentication-Results", 22) == 0);
	CU_ASSERT_EQUAL(ev.value_truncated, 1);
	CU_ASSERT_EQUAL(ev.value_escaped, 1);
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(first_pid, strlen(first_pid), &clk, &ev, &why),
	                      INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT_EQUAL(ev.value_truncated, 1);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		CU_ASSERT_EQUAL(input_syslog_parse(other[i], strlen(other[i]), &clk, &ev, &why),
		                INPUT_OK);
		CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	}
}

/* exim_ar_prefix: the word before the header in the logwrite, or none. */
static void test_prefix(void)
{
	static const char bare[] = "2026-11-22 10:00:01 1tEaB3-000Q7d-2K Authentication-Results: "
	                           "mx.example.jp;\\n\\tspf=pass smtp.mailfrom=b.example";
	static const char ar[] = "2026-11-22 10:00:01 1tEaB3-000Q7d-2K ar: X-Spam-Flag: YES";
	static const char mine[] = "2026-11-22 10:00:01 1tEaB3-000Q7d-2K arstat:X-Spam-Flag: YES";
	static const char *const not_headers[] = {
		"2026-11-22 10:00:05 1tEaB6-000Q7g-4M ** bad@carrier-c.example.jp R=local_user: "
		"Unrouteable address",
		"2026-11-22 10:00:05 1tEaB6-000Q7g-4M H=mail.example.com [192.0.2.10] "
		"F=<info@example.com> sender verify defer for <info@example.com>",
		"2026-11-22 10:00:05 1tEaB6-000Q7g-4M Frozen (delivery error message)",
		"2026-11-22 10:00:05 1tEaB6-000Q7g-4M no header name here",
	};
	struct input_event ev;
	const char *why = NULL;
	size_t i;

	CU_ASSERT_EQUAL(input_exim_set_prefix("two words"), -1);
	CU_ASSERT_EQUAL(input_exim_set_prefix("a\tb"), -1);
	CU_ASSERT_EQUAL_FATAL(input_exim_set_prefix(""), 0);
	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_exim_parse(bare, strlen(bare), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT(ev.name.len == 22 && memcmp(ev.name.p, "Authentication-Results", 22) == 0);
	CU_ASSERT(ev.value.len > 14 && memcmp(ev.value.p, "mx.example.jp;", 14) == 0);
	CU_ASSERT_EQUAL(ev.value_escaped, 1);
	/* Without a prefix, lines that are no header are other lines, not malformed. */
	for (i = 0; i < sizeof(not_headers) / sizeof(not_headers[0]); i++) {
		CU_ASSERT_EQUAL(input_exim_parse(not_headers[i], strlen(not_headers[i]), &clk, &ev, &why),
		                INPUT_OK);
		CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	}
	CU_ASSERT_EQUAL_FATAL(input_exim_set_prefix("arstat:"), 0);
	CU_ASSERT_EQUAL_FATAL(input_exim_parse(mine, strlen(mine), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT(ev.name.len == 11 && memcmp(ev.name.p, "X-Spam-Flag", 11) == 0);
	CU_ASSERT_EQUAL_FATAL(input_exim_parse(ar, strlen(ar), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	/* The default, which the golden lines use. */
	CU_ASSERT_EQUAL_FATAL(input_exim_set_prefix("ar:"), 0);
	CU_ASSERT_EQUAL_FATAL(input_exim_parse(ar, strlen(ar), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
}

/* Exim's own DKIM lines through syslog, and with an empty exim_ar_prefix
 * (which would otherwise read "DKIM: ..." as a header named DKIM). */
static void test_dkim_syslog_and_prefix(void)
{
	static const char sys[] =
		"Nov 22 10:01:00 mx3 exim[4242]: 1tEaC1-000Q8a-1A DKIM: d=example.com s=s1 "
		"c=relaxed/relaxed a=rsa-sha256 b=2048 [verification succeeded]";
	static const char file[] =
		"2026-11-22 10:01:00 1tEaC1-000Q8a-1A DKIM: d=example.com s=s1 "
		"c=relaxed/relaxed a=rsa-sha256 b=2048 [invalid - public key record (currently?) "
		"unavailable]";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(sys, strlen(sys), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_RESULT);
	CU_ASSERT_EQUAL(ev.method, AR_DKIM);
	CU_ASSERT_EQUAL(ev.result, AR_PASS);
	CU_ASSERT(ev.host.len == 3 && memcmp(ev.host.p, "mx3", 3) == 0);
	CU_ASSERT(ev.queue_id.len == 16 && memcmp(ev.queue_id.p, "1tEaC1-000Q8a-1A", 16) == 0);
	CU_ASSERT_EQUAL_FATAL(input_exim_set_prefix(""), 0);
	CU_ASSERT_EQUAL(input_exim_parse(file, strlen(file), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_RESULT);
	CU_ASSERT_EQUAL(ev.result, AR_TEMPERROR);
	CU_ASSERT_EQUAL_FATAL(input_exim_set_prefix("ar:"), 0);
}

/* A continuation line before any entry (reading began inside one) has no time. */
static void test_continuation_first(void)
{
	static const char cont[] = "  main option \"foo\" unknown";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL(input_exim_parse(cont, strlen(cont), &clk, &ev, &why), INPUT_MALFORMED);
	CU_ASSERT_PTR_NOT_NULL(why);
	CU_ASSERT_EQUAL(input_exim_parse("", 0, &clk, &ev, &why), INPUT_MALFORMED);
}

/* The format is registered under its name; its events have no host. */
static void test_registered(void)
{
	static const char line[] = "2026-11-22 10:00:02 1tEaB3-000Q7d-2K Completed";
	input_parse_fn fn = input_format_find("exim");
	struct input_event ev;
	const char *why = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(fn(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_DONE);
	CU_ASSERT_EQUAL(ev.host.len, 0);
	/* Local time in Asia/Tokyo. */
	CU_ASSERT_EQUAL(ev.time_ms, INT64_C(1795309202000));
}

static void test_golden(void)
{
	golden_compare("exim", input_exim_parse);
}

static void test_robustness(void)
{
	golden_robustness("exim", input_exim_parse);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_exim", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL ||
	    CU_add_test(s, "through syslog", test_syslog) == NULL ||
	    CU_add_test(s, "syslog pieces of one entry", test_syslog_pieces) == NULL ||
	    CU_add_test(s, "exim_ar_prefix", test_prefix) == NULL ||
	    CU_add_test(s, "DKIM lines via syslog, empty prefix", test_dkim_syslog_and_prefix) == NULL ||
	    CU_add_test(s, "continuation before any entry", test_continuation_first) == NULL ||
	    CU_add_test(s, "registered format", test_registered) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
