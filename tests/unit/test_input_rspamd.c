/*
 * unit.input_rspamd - rspamd's scan result line, from its own log file (format "rspamd") and from syslog.
 * Golden: tests/golden/input/rspamd.in parsed line by line must print
 * exactly tests/golden/input/rspamd.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

/* The same result line through syslog (tag "rspamd"). */
static void test_syslog(void)
{
	static const char line[] =
		"Nov 17 10:00:00 mx1 rspamd[812]: <a1b2c3>; proxy; rspamd_task_write_log: "
		"id: <m@example.com>, qid: <4F1A2B3C4D>, ip: 192.0.2.10, "
		"(default: T (add header): [7.00/15.00] [BAYES_SPAM(5.10){}]), len: 10";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_SPAM);
	CU_ASSERT_EQUAL(ev.spam, SPAM_SPAM);
	CU_ASSERT(ev.host.len == 3 && memcmp(ev.host.p, "mx1", 3) == 0);
	CU_ASSERT(ev.queue_id.len == 10 && memcmp(ev.queue_id.p, "4F1A2B3C4D", 10) == 0);
	CU_ASSERT_EQUAL(ev.time_ms, INT64_C(1794877200000)); /* 2026-11-17T01:00:00Z */
}

/* The format is registered under its name; its events have no host. */
static void test_registered(void)
{
	static const char line[] =
		"2026-11-22 10:00:00 #1(normal) <a>; task; rspamd_task_write_log: id: <m>, "
		"qid: <4F1A2B3C4D>, (default: F (no action): [0.00/15.00] [])";
	input_parse_fn fn = input_format_find("rspamd");
	struct input_event ev;
	const char *why = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(fn(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_SPAM);
	CU_ASSERT_EQUAL(ev.spam, SPAM_HAM);
	CU_ASSERT_EQUAL(ev.host.len, 0);
}

static void test_golden(void)
{
	golden_compare("rspamd", input_rspamd_parse);
}

static void test_robustness(void)
{
	golden_robustness("rspamd", input_rspamd_parse);
}

/* rspamd_symbols = yes: tests/golden/input/rspamd_symbols.in, and every
 * prefix and split of its lines. */
static void test_symbols_golden(void)
{
	input_rspamd_set_symbols(1);
	golden_compare("rspamd_symbols", input_rspamd_parse);
	golden_robustness("rspamd_symbols", input_rspamd_parse);
	input_rspamd_set_symbols(0);
}

/* Off (the default), the symbols are not read: a list cut short is no
 * concern, the verdict still counts. */
static void test_symbols_off(void)
{
	static const char line[] =
		"2026-11-22 10:00:00 #1(normal) <a>; task; rspamd_task_write_log: id: <m>, "
		"qid: <4F1A2B3C4D>, (default: T (reject): [16.00/15.00] [R_SPF_FAIL(1.00){-al";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_rspamd_parse(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_SPAM);
	CU_ASSERT_EQUAL(ev.spam, SPAM_SPAM);
	CU_ASSERT_EQUAL(ev.has_results, 0);
	input_rspamd_set_symbols(1);
	CU_ASSERT_EQUAL(input_rspamd_parse(line, strlen(line), &clk, &ev, &why), INPUT_MALFORMED);
	input_rspamd_set_symbols(0);
}

/* Symbols through syslog: the same reading as from rspamd's own file. */
static void test_symbols_syslog(void)
{
	static const char line[] =
		"Nov 22 10:01:00 mx1 rspamd[812]: <a1b2c3>; proxy; rspamd_task_write_log: "
		"id: <m@example.com>, qid: <4F1A2B3CC0>, ip: 192.0.2.10, (default: F (no action): "
		"[-1.20/15.00] [DMARC_POLICY_ALLOW(-0.50){example.com;reject;},R_DKIM_REJECT(1.00)"
		"{example.com:s=a;},R_SPF_ALLOW(-0.20){+mx;}]), len: 10";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	input_rspamd_set_symbols(1);
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	input_rspamd_set_symbols(0);
	CU_ASSERT_EQUAL(ev.kind, IN_SPAM);
	CU_ASSERT_EQUAL(ev.spam, SPAM_HAM);
	CU_ASSERT(ev.has_results);
	CU_ASSERT_EQUAL(ev.results[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(ev.results[AR_DKIM], AR_FAIL);
	CU_ASSERT_EQUAL(ev.results[AR_DMARC], AR_PASS);
	CU_ASSERT_EQUAL(ev.results[AR_ARC], AR_ABSENT);
	CU_ASSERT_EQUAL(ev.results_policy, POL_REJECT);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_rspamd", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL ||
	    CU_add_test(s, "through syslog", test_syslog) == NULL ||
	    CU_add_test(s, "registered format", test_registered) == NULL ||
	    CU_add_test(s, "symbols: golden lines, every prefix and split", test_symbols_golden) == NULL ||
	    CU_add_test(s, "symbols off by default", test_symbols_off) == NULL ||
	    CU_add_test(s, "symbols through syslog", test_symbols_syslog) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
