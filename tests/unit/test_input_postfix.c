/*
 * unit.input_postfix: Postfix syslog lines into input events. The syslog
 * reader dispatches on the tag before reading it, and reads the tags of
 * cleanup and qmgr by a shorter path: lines around those paths (other
 * programs and daemons, tags without a PID, with a broken PID, or glued to
 * the message) must come out as the general reading of the tag says.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "input_golden.h"

static struct input_clock clk;

static enum input_status parse(const char *line, struct input_event *ev, const char **why)
{
	*why = NULL;
	return input_syslog_parse(line, strlen(line), &clk, ev, why);
}

static int span_is(struct input_span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static void test_header_line(void)
{
	const char *line =
		"2026-11-02T10:00:00.123456+09:00 mx1 postfix/cleanup[4242]: 4F1A2B3C4D: info: header "
		"Authentication-Results: mx.example.jp; spf=pass smtp.mailfrom=a.example; dkim=pass "
		"header.d=a.example from mail.a.example[192.0.2.1]; from=<x@a.example> "
		"to=<y@example.jp> proto=ESMTP helo=<mail.a.example>";
	struct input_event ev;
	const char *why;

	CU_ASSERT_EQUAL_FATAL(parse(line, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	/* 2026-11-02T01:00:00.123Z */
	CU_ASSERT_EQUAL(ev.time_ms, 1793581200123LL);
	CU_ASSERT(span_is(ev.host, "mx1"));
	CU_ASSERT(span_is(ev.queue_id, "4F1A2B3C4D"));
	CU_ASSERT(span_is(ev.name, "Authentication-Results"));
	CU_ASSERT(span_is(ev.value, "mx.example.jp; spf=pass smtp.mailfrom=a.example; dkim=pass "
	                            "header.d=a.example"));
	CU_ASSERT_EQUAL(ev.value_truncated, 0);
}

static void test_header_with_from_inside(void)
{
	/* " from " inside the header text must not end it early. */
	const char *line =
		"2026-11-02T10:00:00Z mx1 postfix/cleanup[1]: 4bXk2R0Zz3z9vQ: info: header "
		"Authentication-Results: mx.example.jp; spf=pass (mail from a.example; ok) "
		"from unknown[198.51.100.7]; from=<> to=<y@example.jp> proto=SMTP helo=<h>";
	struct input_event ev;
	const char *why;

	CU_ASSERT_EQUAL_FATAL(parse(line, &ev, &why), INPUT_OK);
	CU_ASSERT(span_is(ev.queue_id, "4bXk2R0Zz3z9vQ"));
	CU_ASSERT(span_is(ev.value, "mx.example.jp; spf=pass (mail from a.example; ok)"));
}

static void test_truncated_header(void)
{
	char line[1024], text[201];
	struct input_event ev;
	const char *why;

	/* A header text of exactly 200 characters is what Postfix's %.200s leaves of a longer one. */
	memset(text, 'x', 200);
	memcpy(text, "Authentication-Results: mx.example.jp; dkim=pass", 48);
	text[200] = '\0';
	snprintf(line, sizeof(line),
	         "2026-11-02T10:00:00Z mx1 postfix/cleanup[1]: 4F1A2B3C4D: info: header %s from "
	         "h[192.0.2.1]; from=<a@b> to=<c@d>", text);
	CU_ASSERT_EQUAL_FATAL(parse(line, &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
	CU_ASSERT_EQUAL(ev.value_truncated, 1);
}

static void test_other_kinds(void)
{
	struct input_event ev;
	const char *why;

	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
	                      &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_DONE);
	CU_ASSERT(span_is(ev.queue_id, "4F1A2B3C4D"));
	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix/cleanup[9]: 4F1A2B3C4D: "
	                      "message-id=<abc@example>", &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_MSGID);
	/* qmgr's opened(): the message is queued, accepted. */
	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: "
	                      "from=<a@b>, size=1, nrcpt=1 (queue active)", &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_FATE);
	CU_ASSERT_EQUAL(ev.fate, FATE_ACCEPTED);
	CU_ASSERT(span_is(ev.queue_id, "4F1A2B3C4D"));
	/* Other qmgr lines ending so are not (a queue ID is needed). */
	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix/qmgr[9]: "
	                      "from=<a@b>, size=1, nrcpt=1 (queue active)", &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix/smtpd[9]: connect from "
	                      "a[192.0.2.1]", &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix-out/qmgr[9]: ABCDEF123: removed",
	                      &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_DONE);
	/* "removed" must be the whole message, not a prefix. */
	CU_ASSERT_EQUAL(parse("2026-11-02T10:00:01+09:00 mx1 postfix/qmgr[9]: ABCDEF123: removedx",
	                      &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
}

static void test_traditional_stamps(void)
{
	struct input_event ev;
	const char *why;

	/* Local time in Asia/Tokyo, year taken from the clock's reference (2026-11-18). */
	CU_ASSERT_EQUAL_FATAL(parse("Nov  2 10:00:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
	                            &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.kind, IN_DONE);
	CU_ASSERT_EQUAL(ev.time_ms, 1793581200000LL);
	CU_ASSERT_EQUAL_FATAL(parse("Nov 02 10:00:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
	                            &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.time_ms, 1793581200000LL);
	/* December is last year's: the reference is in November. */
	CU_ASSERT_EQUAL_FATAL(parse("Dec 31 23:59:59 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
	                            &ev, &why), INPUT_OK);
	CU_ASSERT_EQUAL(ev.time_ms, 1767193199000LL); /* 2025-12-31T14:59:59Z */
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"Nox  2 10:00:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
		"2026-11-02T10:00:00+09:00",
		"2026-11-02T10:00:00+09:00 mx1",
		"2026-13-02T10:00:00+09:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
		"2026-11-02T10:00:00+09:00 mx1 postfix/cleanup[1]: 4F1A2B3C4D: info: header "
		"Authentication-Results: cut without trailer",
		"2026-11-02T10:00:00+09:00 mx1 postfix/cleanup[1]: 4F1A2B3C4D: info: header "
		"no-colon-here from h[1.2.3.4]; from=<>",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct input_event ev;
		const char *why = NULL;

		CU_ASSERT_EQUAL(parse(bad[i], &ev, &why), INPUT_MALFORMED);
		CU_ASSERT_PTR_NOT_NULL(why);
	}
}

#define STAMP "2026-11-02T10:00:00+09:00 mx1 "

/* What a line must give: its kind, or -1 for malformed, and its queue ID. */
struct expect {
	const char *line;
	int kind;
	const char *qid;
};

static void check_expect(const struct expect *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct input_event ev;
		const char *why;
		enum input_status st = parse(x[i].line, &ev, &why);
		int kind = st == INPUT_OK ? (int)ev.kind : -1;

		CU_ASSERT_EQUAL(kind, x[i].kind);
		if (kind != x[i].kind)
			fprintf(stderr, "line \"%s\": kind %d, want %d\n", x[i].line, kind, x[i].kind);
		if (st == INPUT_OK && x[i].qid != NULL)
			CU_ASSERT(span_is(ev.queue_id, x[i].qid));
		if (st == INPUT_OK)
			CU_ASSERT(span_is(ev.host, "mx1"));
	}
}

static void test_tags(void)
{
	static const struct expect x[] = {
		{ STAMP "postfix/cleanup[4242]: 4F1A2B3C4D: message-id=<a@b>", IN_MSGID, "4F1A2B3C4D" },
		/* Without a PID, and with a PID that is not digits: the general path. */
		{ STAMP "postfix/cleanup: 4F1A2B3C4D: message-id=<a@b>", IN_MSGID, "4F1A2B3C4D" },
		{ STAMP "postfix/cleanup[12a]: 4F1A2B3C4D: message-id=<a@b>", IN_MSGID, "4F1A2B3C4D" },
		{ STAMP "postfix/cleanup[]: 4F1A2B3C4D: message-id=<a@b>", IN_MSGID, "4F1A2B3C4D" },
		{ STAMP "postfix/cleanup[1][2]: 4F1A2B3C4D: message-id=<a@b>", IN_MSGID, "4F1A2B3C4D" },
		/* The message glued to the tag: the tag is all up to the blank. */
		{ STAMP "postfix/cleanup[123]:4F1A2B3C4D: message-id=<a@b>", IN_OTHER, NULL },
		{ STAMP "postfix/cleanup[123]]: 4F1A2B3C4D: message-id=<a@b>", IN_MSGID, NULL },
		/* Cut after the tag: nothing of a cleanup message is left. */
		{ STAMP "postfix/cleanup[123]:", -1, NULL },
		{ STAMP "postfix/cleanup[123]", IN_OTHER, NULL },
		{ STAMP "postfix/cleanup[", IN_OTHER, NULL },
		{ STAMP "postfix/cleanup", IN_OTHER, NULL },
		{ STAMP "postfix/", IN_OTHER, NULL },
		{ STAMP "postfix", IN_OTHER, NULL },
		/* Daemons we do not read, also those that start like ours. */
		{ STAMP "postfix/smtpd[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "postfix/smtp[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "postfix/local[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "postfix/cleanupd[1]: 4F1A2B3C4D: message-id=<a>", IN_OTHER, NULL },
		{ STAMP "postfix/clean[1]: 4F1A2B3C4D: message-id=<a>", IN_OTHER, NULL },
		{ STAMP "postfix/qmgrx[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "postfix/q[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "postfix/[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "Postfix/qmgr[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "smtpd[1]: 4F1A2B3C4D: message-id=<a>", IN_OTHER, NULL },
		{ STAMP "qmgr[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "cleanup[1]: 4F1A2B3C4D: message-id=<a>", IN_OTHER, NULL },
		{ STAMP "postfixx/qmgr[1]: 4F1A2B3C4D: removed", IN_OTHER, NULL },
		/* qmgr by both paths, and a multi-instance Postfix. */
		{ STAMP "postfix/qmgr[9]: 4F1A2B3C4D: removed", IN_DONE, "4F1A2B3C4D" },
		{ STAMP "postfix/qmgr: 4F1A2B3C4D: removed", IN_DONE, "4F1A2B3C4D" },
		{ STAMP "postfix/qmgr[9x]: 4F1A2B3C4D: removed", IN_DONE, "4F1A2B3C4D" },
		{ STAMP "postfix-out/cleanup[1]: 4F1A2B3C4D: message-id=<a>", IN_MSGID, "4F1A2B3C4D" },
		{ STAMP "postfix-out/qmgr: 4F1A2B3C4D: removed", IN_DONE, "4F1A2B3C4D" },
		/* Other programs we read still reach their parsers. */
		{ STAMP "opendmarc[7]: 4F1A2B3C4D: example.com pass", IN_RESULT, "4F1A2B3C4D" },
		{ STAMP "opendkim[7]: 4F1A2B3C4D: DKIM verification successful", IN_RESULT,
		  "4F1A2B3C4D" },
		{ STAMP "exim[7]: 1rABCd-000Abc-Xy Completed", IN_DONE, "1rABCd-000Abc-Xy" },
		/* No tag at all. */
		{ STAMP ": x", IN_OTHER, NULL },
		{ STAMP "x", IN_OTHER, NULL },
	};

	check_expect(x, sizeof(x) / sizeof(x[0]));
}

/*
 * The PID of smtpd's, cleanup's and qmgr's tags is read eight bytes at a
 * time: PIDs of every length from 1 to 19 digits, with every one of its
 * bytes in turn replaced by bytes just outside '0'..'9', by a letter, by a
 * byte with the high bit set and by the other bytes of the tag. Only digits
 * take the short path: smtpd's line then gives its fate, and a tag of
 * another form nothing; cleanup's and qmgr's lines give their events by
 * either path (the general one reads "[12x]" as well).
 */
static void test_pid_digits(void)
{
	static const char bad[] = { '0' - 1,    '9' + 1,    'a', (char)0xb5, (char)0x80,
		                    (char)0xff, '[',        ']', ':' };
	char line[256], pid[32];
	size_t n, k, b;

	for (n = 1; n < 20; n++) {
		for (k = 0; k <= n; k++) {
			for (b = 0; b < (k < n ? sizeof(bad) : 1); b++) {
				struct input_event ev;
				const char *why;
				enum input_status st;
				size_t i;

				for (i = 0; i < n; i++)
					pid[i] = (char)('0' + (i * 7 + n) % 10);
				pid[n] = '\0';
				/* k == n: the PID as it is. */
				if (k < n)
					pid[k] = bad[b];
				snprintf(line, sizeof(line),
				         STAMP "postfix/smtpd[%s]: 4F1A2B3C6B: reject: END-OF-MESSAGE "
				               "from a[192.0.2.1]: 550 5.7.1 no; from=<x@a> to=<y@b>",
				         pid);
				st = parse(line, &ev, &why);
				CU_ASSERT_EQUAL(st, INPUT_OK);
				if (k < n) {
					CU_ASSERT_EQUAL(ev.kind, IN_OTHER);
				} else {
					CU_ASSERT_EQUAL(ev.kind, IN_DONE);
					CU_ASSERT(ev.fate == FATE_REJECTED);
					CU_ASSERT(span_is(ev.queue_id, "4F1A2B3C6B"));
				}
				snprintf(line, sizeof(line),
				         STAMP "postfix/cleanup[%s]: 4F1A2B3C4D: message-id=<a@b>", pid);
				st = parse(line, &ev, &why);
				CU_ASSERT_EQUAL(st, INPUT_OK);
				CU_ASSERT_EQUAL(ev.kind, IN_MSGID);
				CU_ASSERT(span_is(ev.queue_id, "4F1A2B3C4D"));
				snprintf(line, sizeof(line), STAMP "postfix/qmgr[%s]: 4F1A2B3C4D: removed",
				         pid);
				st = parse(line, &ev, &why);
				CU_ASSERT_EQUAL(st, INPUT_OK);
				CU_ASSERT_EQUAL(ev.kind, IN_DONE);
				CU_ASSERT(span_is(ev.queue_id, "4F1A2B3C4D"));
			}
		}
	}
}

/* Only "QID: removed", exactly, completes a message. */
static void test_qmgr_removed(void)
{
	static const struct expect x[] = {
		{ STAMP "postfix/qmgr[9]: ABCDE: removed", IN_DONE, "ABCDE" },
		{ STAMP "postfix/qmgr[9]: ABCD: removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 0123456789abcdefghijABCDEFGHIJ01: removed", IN_DONE,
		  "0123456789abcdefghijABCDEFGHIJ01" },
		{ STAMP "postfix/qmgr[9]: 0123456789abcdefghijABCDEFGHIJ012: removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 4F1A2B3C4D: removed ", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 4F1A2B3C4D:  removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 4F1A2B3C4D: Removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 4F1A2B3C4D removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 4F1A-2B3C4D: removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: : removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: 4F1A2B3C4D: from=<a>, removed", IN_OTHER, NULL },
		{ STAMP "postfix/qmgr[9]: x 4F1A2B3C4D: removed", IN_OTHER, NULL },
	};

	check_expect(x, sizeof(x) / sizeof(x[0]));
}

/*
 * The header text ends at the last " from CLIENT;" whose CLIENT has no
 * blank and no ';': a ';' or " from " in the trailer or the header itself
 * must not move it.
 */
static void test_header_end(void)
{
	static const struct {
		const char *line;
		const char *value; /* NULL: malformed */
	} x[] = {
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: hi from "
		        "a[192.0.2.1]; from=<x;y@z> to=<p;q@r>", "hi" },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: a; b from c from "
		        "h[192.0.2.1]; from=<> to=<y@z>", "a; b from c" },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x from h;i; from=<>",
		  "x" },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x from h[1.2.3.4];",
		  "x" },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: from h;", "" },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x from ;", NULL },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x from  h;", NULL },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x fromh;", NULL },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x from h", NULL },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header Subject: x;y;z", NULL },
		{ STAMP "postfix/cleanup[1]: 4F1A2B3C4D: info: header from h;", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		struct input_event ev;
		const char *why;
		enum input_status st = parse(x[i].line, &ev, &why);

		if (x[i].value == NULL) {
			CU_ASSERT_EQUAL(st, INPUT_MALFORMED);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(st, INPUT_OK);
		CU_ASSERT_EQUAL(ev.kind, IN_HEADER);
		CU_ASSERT(span_is(ev.name, "Subject"));
		CU_ASSERT(span_is(ev.value, x[i].value));
		if (!span_is(ev.value, x[i].value))
			fprintf(stderr, "line \"%s\": value \"%.*s\"\n", x[i].line, (int)ev.value.len,
			        ev.value.p);
	}
}

/* Every prefix of line, each in a buffer of its own length (ASan sees a
 * read past its end). */
static void parse_every_prefix(const char *line)
{
	size_t n = strlen(line), i;

	for (i = 0; i <= n; i++) {
		char *copy = malloc(i ? i : 1);
		struct input_event ev;
		const char *why;

		memcpy(copy, line, i);
		(void)input_syslog_parse(copy, i, &clk, &ev, &why);
		free(copy);
	}
	CU_PASS("no prefix read out of bounds");
}

/* Every prefix of a good line parses or is rejected without reading past its end (ASan checks). */
static void test_every_prefix(void)
{
	parse_every_prefix(
		"2026-11-02T10:00:00.5+09:00 mx1 postfix/cleanup[4242]: 4F1A2B3C4D: info: header "
		"Authentication-Results: mx.example.jp; spf=pass from a[192.0.2.1]; from=<x@a> to=<y@b>");
}

/* Every prefix of smtpd's line: the PID is read a word at a time, never
 * past the line's end. */
static void test_smtpd_every_prefix(void)
{
	parse_every_prefix("2026-11-02T10:00:00.5+09:00 mx1 postfix/smtpd[1234567890123]: "
	                   "4F1A2B3C4D: hold: END-OF-MESSAGE from a[192.0.2.1]: x");
}

/* tests/golden/input/postfix.in: every route Postfix's source logs a header by. */
static void test_golden(void)
{
	golden_compare("postfix", input_syslog_parse);
	golden_robustness("postfix", input_syslog_parse);
}

int main(void)
{
	CU_pSuite s;

	if (golden_init() < 0)
		return 1;
	input_clock_init(&clk, INT64_C(1795000000000)); /* 2026-11-18 */
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("input_postfix", NULL, NULL);
	CU_add_test(s, "header line", test_header_line);
	CU_add_test(s, "from inside header", test_header_with_from_inside);
	CU_add_test(s, "truncated header", test_truncated_header);
	CU_add_test(s, "other kinds", test_other_kinds);
	CU_add_test(s, "traditional stamps", test_traditional_stamps);
	CU_add_test(s, "malformed", test_malformed);
	CU_add_test(s, "every prefix", test_every_prefix);
	CU_add_test(s, "tags", test_tags);
	CU_add_test(s, "qmgr removed", test_qmgr_removed);
	CU_add_test(s, "PID digits", test_pid_digits);
	CU_add_test(s, "smtpd every prefix", test_smtpd_every_prefix);
	CU_add_test(s, "end of the header text", test_header_end);
	CU_add_test(s, "golden lines", test_golden);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned failed = CU_get_number_of_failures();

		CU_cleanup_registry();
		return failed ? 1 : 0;
	}
}
