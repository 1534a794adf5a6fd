/*
 * unit.input_pmg - Proxmox Mail Gateway's re-injection (pmg_reinjection).
 * Golden: tests/golden/input/pmg.in parsed line by line must print exactly
 * tests/golden/input/pmg.ref; every prefix and every split of those lines
 * parses without reading past its end (ASan). And a message seen twice by
 * Postfix, once from the internet and once from pmg-smtp-filter, counts
 * once, whatever the order of the copy's lines.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"
#include "messages.h"
#include "record_batch.h"

static void test_golden(void)
{
	input_pmg_set_enabled(1);
	golden_compare("pmg", input_syslog_parse);
	golden_robustness("pmg", input_syslog_parse);
	input_pmg_set_enabled(0);
}

/* Off (the default), the lines are other lines. */
static void test_off(void)
{
	static const char line[] =
		"2026-11-22T10:00:01.000000+09:00 pmg1 pmg-smtp-filter[3120]: 2A1B6C5F3D2E1A0B3C: "
		"accept mail to <u@carrier-a.example.jp> (5B2C3D4E5F) (rule: default-accept)";
	struct input_clock clk;
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL(input_syslog_parse(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	CU_ASSERT_EQUAL(input_pmg_reads_lmtp(), 0);
}

/* The lines of one message on a PMG, in the order PMG writes them, and with
 * the copy's lines after the filter's (a slow filter log): count once. */
static const char *const pmg_log[] = {
	"2026-11-22T10:00:00.000000+09:00 pmg1 postfix/cleanup[3100]: 4F1A2B3C4D: "
	"message-id=<m1@example.com>",
	"2026-11-22T10:00:00.000100+09:00 pmg1 postfix/cleanup[3100]: 4F1A2B3C4D: info: header "
	"Authentication-Results: mx.carrier-a.example.jp; spf=pass smtp.mailfrom=example.com "
	"from mail.example.com[192.0.2.10]; from=<a@example.com> to=<u@carrier-a.example.jp> "
	"proto=ESMTP helo=<mail.example.com>",
	"2026-11-22T10:00:00.500000+09:00 pmg1 pmg-smtp-filter[3120]: 2A1B6C5F3D2E1A0B3C: new mail "
	"message-id=<m1@example.com>",
	"2026-11-22T10:00:00.900000+09:00 pmg1 postfix/cleanup[3101]: 5B2C3D4E5F: "
	"message-id=<m1@example.com>",
	"2026-11-22T10:00:01.000000+09:00 pmg1 pmg-smtp-filter[3120]: 2A1B6C5F3D2E1A0B3C: accept "
	"mail to <u@carrier-a.example.jp> (5B2C3D4E5F) (rule: default-accept)",
	"2026-11-22T10:00:01.200000+09:00 pmg1 postfix/lmtp[3130]: 4F1A2B3C4D: "
	"to=<u@carrier-a.example.jp>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.3, dsn=2.5.0, "
	"status=sent (250 2.5.0 OK (2A1B6C5F3D2E1A0B3C))",
	"2026-11-22T10:00:01.300000+09:00 pmg1 postfix/qmgr[3002]: 4F1A2B3C4D: removed",
	"2026-11-22T10:00:01.400000+09:00 pmg1 postfix/qmgr[3002]: 5B2C3D4E5F: removed",
};

static int64_t count_messages(int enabled, struct record_health *health)
{
	static const char *const ids[] = { "mx.carrier-a.example.jp" };
	struct windows *ws = windows_new(60000);
	struct messages_config mc;
	struct messages *ms;
	struct record_batch b;
	struct input_clock clk;
	struct input_event ev;
	const char *why;
	int64_t n = 0;
	size_t i;

	memset(&mc, 0, sizeof(mc));
	mc.max_open = 100;
	mc.idle_ms = 600000;
	mc.spam_default = SPAM_HAM;
	mc.trust.ids = ids;
	mc.trust.n = 1;
	mc.join_reinjected = enabled;
	ms = messages_new(&mc, ws);
	input_pmg_set_enabled(enabled);
	input_clock_init(&clk, INT64_C(1794960000000));
	for (i = 0; i < sizeof(pmg_log) / sizeof(pmg_log[0]); i++) {
		why = NULL;
		CU_ASSERT_EQUAL_FATAL(
			input_syslog_parse(pmg_log[i], strlen(pmg_log[i]), &clk, &ev, &why), INPUT_OK);
		messages_apply(ms, &ev);
	}
	input_pmg_set_enabled(0);
	messages_complete_all(ms);
	record_batch_init(&b);
	memset(health, 0, sizeof(*health));
	while (windows_take(ws, INT64_MAX, &b)) {
		for (i = 0; i < b.ncells; i++) {
			n += b.cells[i].messages;
			/* The one message keeps the internet side's result. */
			if (enabled)
				CU_ASSERT_EQUAL(b.cells[i].result[AR_SPF], AR_PASS);
		}
	}
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
	return n;
}

static void test_counted_once(void)
{
	struct record_health h;

	CU_ASSERT_EQUAL(count_messages(1, &h), 1);
	/* Without the setting, the copy is a second message (what it fixes). */
	CU_ASSERT_EQUAL(count_messages(0, &h), 2);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_pmg", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines, every prefix and split", test_golden) == NULL ||
	    CU_add_test(s, "off by default", test_off) == NULL ||
	    CU_add_test(s, "a re-injected message counts once", test_counted_once) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
