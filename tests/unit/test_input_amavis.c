/*
 * unit.input_amavis - amavisd-new's main log entry (spam verdict by Queue-ID) from syslog.
 * Golden: tests/golden/input/amavis.in parsed line by line must print
 * exactly tests/golden/input/amavis.ref; every prefix and every split of
 * those lines parses without reading past its end (ASan).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

static enum ar_spam verdict_of(const char *disp_cat)
{
	char line[1024];
	struct input_event ev;
	const char *why = NULL;
	int n = snprintf(line, sizeof(line), "2026-11-22T10:00:00+09:00 mx1 amavis[1]: (00001-01) "
	                 "%s {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	                 "Queue-ID: 4F1A2B3C4D, Message-ID: <e@f>, Hits: 1, size: 10, 5 ms", disp_cat);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(line));
	input_clock_init(&clk, INT64_C(1794960000000));
	if (input_syslog_parse(line, strlen(line), &clk, &ev, &why) != INPUT_OK ||
	    ev.kind != IN_SPAM)
		return SPAM_UNKNOWN;
	CU_ASSERT(ev.queue_id.len == 10 && memcmp(ev.queue_id.p, "4F1A2B3C4D", 10) == 0);
	return ev.spam;
}

/* The decisions documented in input_amavis.c. */
static void test_categories(void)
{
	CU_ASSERT_EQUAL(verdict_of("Passed CLEAN"), SPAM_HAM);
	CU_ASSERT_EQUAL(verdict_of("Passed SPAM"), SPAM_SPAM);
	CU_ASSERT_EQUAL(verdict_of("Blocked SPAM"), SPAM_SPAM);
	CU_ASSERT_EQUAL(verdict_of("Passed SPAMMY"), SPAM_SPAM);
	CU_ASSERT_EQUAL(verdict_of("Passed BAD-HEADER-3"), SPAM_HAM);
	CU_ASSERT_EQUAL(verdict_of("Blocked INFECTED (Eicar-Signature)"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Blocked BANNED (.exe)"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Passed UNCHECKED"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Passed OVERSIZED"), SPAM_UNKNOWN);
	CU_ASSERT_EQUAL(verdict_of("Blocked MTA-BLOCKED"), SPAM_UNKNOWN);
}

static void test_golden(void)
{
	golden_compare("amavis", input_syslog_parse);
}

static void test_robustness(void)
{
	golden_robustness("amavis", input_syslog_parse);
}

/* amavis as content_filter: "queued_as: NEWID" is the event's alias; the last
 * one of the line counts, so a Message-ID spelling one names nothing. */
static void alias_of(const char *tail, char *out, size_t size, enum input_kind *kind)
{
	char line[1024];
	struct input_event ev;
	const char *why = NULL;
	int n = snprintf(line, sizeof(line), "2026-11-22T10:00:00+09:00 mx1 amavis[1]: (00001-01) "
	                 "%s", tail);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(line));
	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	*kind = ev.kind;
	CU_ASSERT_FATAL(ev.alias.len < size);
	memcpy(out, ev.alias.p != NULL ? ev.alias.p : "", ev.alias.len);
	out[ev.alias.len] = '\0';
}

static void test_queued_as(void)
{
	char a[64];
	enum input_kind k;

	alias_of("Passed CLEAN {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <e@f>, mail_id: x, Hits: 1, size: 10, "
	         "queued_as: 5B6C7D8E9F, 5 ms", a, sizeof(a), &k);
	CU_ASSERT_EQUAL(k, IN_SPAM);
	CU_ASSERT_STRING_EQUAL(a, "5B6C7D8E9F");
	/* A sender's Message-ID that spells a queued_as: the real one wins. */
	alias_of("Passed CLEAN {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <x, queued_as: AAAAAAAAAA, y@f>, mail_id: x, "
	         "Hits: 1, size: 10, queued_as: 5B6C7D8E9F, dkim_sd=s1:b.example, 5 ms",
	         a, sizeof(a), &k);
	CU_ASSERT_STRING_EQUAL(a, "5B6C7D8E9F");
	/* A blocked message is not re-injected: a spelt one names nothing. */
	alias_of("Blocked SPAM {DiscardedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <x, queued_as: AAAAAAAAAA, y@f>, mail_id: x, "
	         "Hits: 9, size: 10, 5 ms", a, sizeof(a), &k);
	CU_ASSERT_EQUAL(k, IN_SPAM);
	CU_ASSERT_STRING_EQUAL(a, "");
	/* A passed one without a real queued_as (amavis as a milter) does give
	 * the spelt one: which is why messages.c uses it only when configured
	 * as a content filter (test_messages). */
	alias_of("Passed CLEAN {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <x, queued_as: AAAAAAAAAA, y@f>, mail_id: x, "
	         "Hits: 1, size: 10, 5 ms", a, sizeof(a), &k);
	CU_ASSERT_STRING_EQUAL(a, "AAAAAAAAAA");
	/* A verdict-less category still links the two queue IDs. */
	alias_of("Passed UNCHECKED {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <e@f>, mail_id: x, Hits: -, size: 10, "
	         "queued_as: 5B6C7D8E9F, 5 ms", a, sizeof(a), &k);
	CU_ASSERT_EQUAL(k, IN_SPAM);
	CU_ASSERT_STRING_EQUAL(a, "5B6C7D8E9F");
	/* Forms we do not know link nothing. */
	alias_of("Passed CLEAN {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <e@f>, mail_id: x, Hits: 1, size: 10, "
	         "queued_as: 5B6C7D8E9F/5B6C7D8EA0, 5 ms", a, sizeof(a), &k);
	CU_ASSERT_STRING_EQUAL(a, "");
	/* Without a verdict or an alias, the line still gives the fate. */
	alias_of("Passed UNCHECKED {RelayedInbound}, [192.0.2.1] <a@b.example> -> <c@d.example>, "
	         "Queue-ID: 4F1A2B3C4D, Message-ID: <e@f>, mail_id: x, Hits: -, size: 10, 5 ms",
	         a, sizeof(a), &k);
	CU_ASSERT_EQUAL(k, IN_SPAM);
	CU_ASSERT_STRING_EQUAL(a, "");
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_amavis", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines", test_golden) == NULL ||
	    CU_add_test(s, "every prefix and split", test_robustness) == NULL ||
	    CU_add_test(s, "categories", test_categories) == NULL ||
	    CU_add_test(s, "queued_as", test_queued_as) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
