/*
 * unit.input_spamd - SpamAssassin's spamd result line through syslog, and
 * the Message-ID join it needs (collector/msgids.c).
 * Golden: tests/golden/input/spamd.in parsed line by line must print exactly
 * tests/golden/input/spamd.ref; every prefix and every split of those lines
 * parses without reading past its end (ASan). The Message-IDs that Postfix
 * logs are normalised as spamd's parse_msgids() does, so the two meet.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"
#include "msgids.h"

static struct input_clock clk;

static void test_golden(void)
{
	input_spamd_set_enabled(1);
	golden_compare("spamd", input_syslog_parse);
	golden_robustness("spamd", input_syslog_parse);
	input_spamd_set_enabled(0);
}

/* Off (the default), spamd's lines are other lines, a cut one too. */
static void test_off(void)
{
	static const char *const lines[] = {
		"Nov 22 10:00:00 mx1 spamd[1]: spamd: result: Y 15 - B scantime=1,rport=1,mid=<a@b>,"
		"autolearn=no",
		"Nov 22 10:00:00 mx1 spamd[1]: spamd: result: Y 15 - BAYES_9",
	};
	struct input_event ev;
	const char *why = NULL;
	size_t i;

	input_clock_init(&clk, INT64_C(1794960000000));
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(input_syslog_parse(lines[i], strlen(lines[i]), &clk, &ev, &why),
		                INPUT_OK);
		CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	}
}

/* Postfix's cleanup line gives the Message-ID it logged. */
static void test_postfix_message_id(void)
{
	static const char line[] = "Nov 22 10:00:00 mx1 postfix/cleanup[7]: 4F1A2B3C4D: "
	                           "message-id=<84df03f977f72e6b@example.com>";
	static const char mid[] = "<84df03f977f72e6b@example.com>";
	struct input_event ev;
	const char *why = NULL;

	input_clock_init(&clk, INT64_C(1794960000000));
	CU_ASSERT_EQUAL_FATAL(input_syslog_parse(line, strlen(line), &clk, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_MSGID);
	CU_ASSERT(ev.message_id.len == strlen(mid) && memcmp(ev.message_id.p, mid, strlen(mid)) == 0);
}

/* spamd's parse_msgids() and its ",", blank to "_" (spamd.raw), case by case. */
static void test_normalize(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<a@b.example>", "<a@b.example>" },
		{ "  <a@b.example>  ", "<a@b.example>" },
		{ "<a@b.example> (added by postmaster)", "<a@b.example>" },
		{ "(x) <a(y)@b> (z(nested))", "<a@b>" },
		{ "a@b.example", "<a@b.example>" },
		{ "<a,b@c>", "<a_b@c>" },
		{ "<a b@c>", "<a?b@c>" },
		{ "<a\tb\n c@d>", "<a?b?c@d>" },
		{ "<a<b@c>", "<a?b@c>" },
		{ "<\xe3\x81\x82@c>", "<???@c>" },
		{ "junk <first@x> <second@y>", "<first@x>" },
		{ "<unclosed@x", "<?unclosed@x>" },
		{ "((a)", "<(>" },
		{ "<>", "" },
		{ "", "" },
		{ "(only a comment)", "" },
	};
	char out[MSGIDS_ID_MAX + 2];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = msgids_normalize(cases[i].in, strlen(cases[i].in), out);
		if (n != strlen(cases[i].out) || memcmp(out, cases[i].out, n) != 0)
			fprintf(stderr, "case %zu: got %.*s\n", i, (int)n, out);
		CU_ASSERT(n == strlen(cases[i].out) && memcmp(out, cases[i].out, n) == 0);
	}
}

static struct input_span sp(const char *s)
{
	struct input_span x = { s, strlen(s) };

	return x;
}

/* Pairs by host, the latest of a Message-ID, the bound, refusals. */
static void test_table(void)
{
	struct msgids *t = msgids_new(64);
	struct input_span q;
	char longid[MSGIDS_ID_MAX + 2], qid[16], mid[32];
	int i, found;

	CU_ASSERT_EQUAL(msgids_put(t, sp("mx1"), "<a@b> (c)", 9, sp("4F1A2B3C4D")), 0);
	CU_ASSERT_EQUAL(msgids_put(t, sp("mx2"), "<a@b>", 5, sp("4F1A2B3C4E")), 0);
	CU_ASSERT_EQUAL_FATAL(msgids_get(t, sp("mx1"), "<a@b>", 5, &q), 0);
	CU_ASSERT(q.len == 10 && memcmp(q.p, "4F1A2B3C4D", 10) == 0);
	CU_ASSERT_EQUAL_FATAL(msgids_get(t, sp("mx2"), "<a@b>", 5, &q), 0);
	CU_ASSERT(q.len == 10 && memcmp(q.p, "4F1A2B3C4E", 10) == 0);
	CU_ASSERT_EQUAL(msgids_get(t, sp("mx3"), "<a@b>", 5, &q), -1);
	CU_ASSERT_EQUAL(msgids_get(t, sp("mx1"), "<A@b>", 5, &q), -1);
	/* A sender re-using a Message-ID: the later message. */
	CU_ASSERT_EQUAL(msgids_put(t, sp("mx1"), "<a@b>", 5, sp("4F1A2B3C4F")), 0);
	CU_ASSERT_EQUAL_FATAL(msgids_get(t, sp("mx1"), "<a@b>", 5, &q), 0);
	CU_ASSERT(q.len == 10 && memcmp(q.p, "4F1A2B3C4F", 10) == 0);
	/* Nothing to keep: no Message-ID, no queue ID, one too long. */
	CU_ASSERT_EQUAL(msgids_put(t, sp("mx1"), "<>", 2, sp("4F1A2B3C50")), -1);
	CU_ASSERT_EQUAL(msgids_put(t, sp("mx1"), "<x@y>", 5, sp("")), -1);
	memset(longid, 'a', sizeof(longid));
	CU_ASSERT_EQUAL(msgids_put(t, sp("mx1"), longid, MSGIDS_ID_MAX + 1, sp("4F1A2B3C51")), -1);
	CU_ASSERT_EQUAL(msgids_get(t, sp("mx1"), longid, MSGIDS_ID_MAX + 3, &q), -1);
	/* Bounded: 64 entries; of 1000 pairs the latest are found, the
	 * first are gone. */
	for (i = 0; i < 1000; i++) {
		snprintf(qid, sizeof(qid), "Q%07d", i);
		snprintf(mid, sizeof(mid), "<m%d@x>", i);
		CU_ASSERT_EQUAL(msgids_put(t, sp("mx1"), mid, strlen(mid), sp(qid)), 0);
	}
	for (i = 0, found = 0; i < 1000; i++) {
		snprintf(qid, sizeof(qid), "Q%07d", i);
		snprintf(mid, sizeof(mid), "<m%d@x>", i);
		if (msgids_get(t, sp("mx1"), mid, strlen(mid), &q) == 0) {
			CU_ASSERT(q.len == 8 && memcmp(q.p, qid, 8) == 0);
			found++;
		}
	}
	CU_ASSERT(found > 16 && found <= 64);
	snprintf(mid, sizeof(mid), "<m%d@x>", 999);
	CU_ASSERT_EQUAL(msgids_get(t, sp("mx1"), mid, strlen(mid), &q), 0);
	msgids_free(t);
	msgids_free(NULL);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (golden_init() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("input_spamd", NULL, NULL);
	if (s == NULL || CU_add_test(s, "golden lines, every prefix and split", test_golden) == NULL ||
	    CU_add_test(s, "off by default", test_off) == NULL ||
	    CU_add_test(s, "Postfix's message-id line", test_postfix_message_id) == NULL ||
	    CU_add_test(s, "Message-IDs as spamd writes them", test_normalize) == NULL ||
	    CU_add_test(s, "the Message-ID table", test_table) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
