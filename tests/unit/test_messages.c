/*
 * unit.messages: joining a message's lines into one outcome, counted once.
 * The table of open messages hashes the queue ID and tells hosts apart by
 * the whole key: many messages (the table grows), one queue ID on several
 * hosts, a host name with a NUL in it, all through a save and a load.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "messages.h"
#include "record_batch.h"

static const char *const ids[] = { "mx.example.jp" };

static struct messages_config config(size_t max_open)
{
	struct messages_config mc;

	memset(&mc, 0, sizeof(mc)); /* every field, also those added later */
	mc.max_open = max_open;
	mc.idle_ms = 600000;
	mc.spam_default = SPAM_HAM;
	mc.trust.ids = ids;
	mc.trust.n = 1;
	return mc;
}

static struct input_event ev(enum input_kind kind, int64_t t, const char *host, const char *qid,
                             const char *name, const char *value)
{
	struct input_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.time_ms = t;
	e.host.p = host;
	e.host.len = strlen(host);
	e.queue_id.p = qid;
	e.queue_id.len = strlen(qid);
	if (name != NULL) {
		e.name.p = name;
		e.name.len = strlen(name);
		e.value.p = value;
		e.value.len = strlen(value);
	}
	return e;
}

/* Take every window and sum the messages of cells matching spf (or all if spf < 0). */
static int64_t drain(struct windows *ws, int spf, struct record_health *health)
{
	struct record_batch b;
	int64_t n = 0;
	size_t i;

	record_batch_init(&b);
	memset(health, 0, sizeof(*health));
	while (windows_take(ws, INT64_MAX, &b)) {
		for (i = 0; i < b.ncells; i++) {
			if (spf < 0 || b.cells[i].result[AR_SPF] == (enum ar_result)spf)
				n += b.cells[i].messages;
		}
		health->headers_untrusted += b.health.headers_untrusted;
		health->messages_evicted += b.health.messages_evicted;
	}
	record_batch_free(&b);
	return n;
}

static void test_join_and_trust(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *ms = messages_new(&mc, ws);
	struct input_event e;
	struct record_health h;

	e = ev(IN_MSGID, 1000, "mx1", "ABC123", NULL, NULL);
	messages_apply(ms, &e);
	/* A forged header first, then the trusted one. */
	e = ev(IN_HEADER, 1001, "mx1", "ABC123", "Authentication-Results",
	       "mx.forged.example; spf=fail");
	messages_apply(ms, &e);
	e = ev(IN_HEADER, 1002, "mx1", "ABC123", "Authentication-Results",
	       "mx.example.jp; spf=pass");
	messages_apply(ms, &e);
	e = ev(IN_HEADER, 1003, "mx1", "ABC123", "X-Spam-Flag", "YES");
	messages_apply(ms, &e);
	/* Same queue ID on another host is another message. */
	e = ev(IN_HEADER, 1004, "mx2", "ABC123", "Authentication-Results", "mx.example.jp; spf=fail");
	messages_apply(ms, &e);
	CU_ASSERT_EQUAL(messages_open_count(ms), 2);
	e = ev(IN_DONE, 2000, "mx1", "ABC123", NULL, NULL);
	messages_apply(ms, &e);
	messages_apply(ms, &e); /* a second "removed" counts nothing */
	CU_ASSERT_EQUAL(messages_open_count(ms), 1);
	e = ev(IN_DONE, 2000, "mx2", "ABC123", NULL, NULL);
	messages_apply(ms, &e);
	CU_ASSERT_EQUAL(messages_open_count(ms), 0);
	CU_ASSERT_EQUAL(drain(ws, AR_PASS, &h), 1);
	messages_free(ms);
	windows_free(ws);
}

static void test_cells_spam_and_absent(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *ms = messages_new(&mc, ws);
	struct record_batch b;
	struct input_event e;

	e = ev(IN_HEADER, 5000, "mx1", "Q1", "Authentication-Results",
	       "mx.example.jp; spf=pass; dmarc=pass (p=reject)");
	messages_apply(ms, &e);
	e = ev(IN_HEADER, 5001, "mx1", "Q1", "X-Spam-Flag", "YES");
	messages_apply(ms, &e);
	e = ev(IN_DONE, 5002, "mx1", "Q1", NULL, NULL);
	messages_apply(ms, &e);
	/* No Authentication-Results at all: every method absent, spam default applies. */
	e = ev(IN_MSGID, 6000, "mx1", "Q2", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_DONE, 6001, "mx1", "Q2", NULL, NULL);
	messages_apply(ms, &e);

	record_batch_init(&b);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL_FATAL(b.ncells, 2);
	/* Cells are sorted by key: all-absent sorts after pass. */
	CU_ASSERT_EQUAL(b.cells[0].result[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(b.cells[0].result[AR_DKIM], AR_ABSENT);
	CU_ASSERT_EQUAL(b.cells[0].result[AR_DMARC], AR_PASS);
	CU_ASSERT_EQUAL(b.cells[0].dmarc_policy, POL_REJECT);
	CU_ASSERT_EQUAL(b.cells[0].spam, SPAM_SPAM);
	CU_ASSERT_EQUAL(b.cells[1].result[AR_SPF], AR_ABSENT);
	CU_ASSERT_EQUAL(b.cells[1].spam, SPAM_HAM);
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
}

/*
 * OpenDMARC reports a domain without a DMARC record twice: its log line
 * "QID: DOMAIN none" and its header "dmarc=none (p=none dis=none)" (p=
 * printed from an empty record). Both must count "no policy", in one cell.
 */
static void test_opendmarc_no_record(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *ms = messages_new(&mc, ws);
	struct record_batch b;
	struct input_event e;

	e = ev(IN_HEADER, 5000, "mx1", "Q1", "Authentication-Results",
	       "mx.example.jp; dmarc=none (p=none dis=none) header.from=b.example");
	messages_apply(ms, &e);
	e = ev(IN_DONE, 5001, "mx1", "Q1", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_MSGID, 5002, "mx1", "Q2", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_RESULT, 5002, "mx1", "Q2", NULL, NULL);
	e.method = AR_DMARC;
	e.result = AR_NONE;
	e.dmarc_policy = POL_ABSENT;
	messages_apply(ms, &e);
	e = ev(IN_DONE, 5003, "mx1", "Q2", NULL, NULL);
	messages_apply(ms, &e);

	record_batch_init(&b);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL_FATAL(b.ncells, 1);
	CU_ASSERT_EQUAL(b.cells[0].messages, 2);
	CU_ASSERT_EQUAL(b.cells[0].result[AR_DMARC], AR_NONE);
	CU_ASSERT_EQUAL(b.cells[0].dmarc_policy, POL_ABSENT);
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
}

/*
 * rspamd's symbols (IN_SPAM with has_results) join the message's other
 * results by the outcome rule: with its own trusted header, which rspamd
 * builds from the same symbols, they agree; beside another one (dkim=fail
 * in the header, R_DKIM_ALLOW in the symbols) the more significant stays.
 * A verdict line without results changes no result.
 */
static void test_filter_results(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *ms = messages_new(&mc, ws);
	struct record_batch b;
	struct input_event e;
	size_t i;

	e = ev(IN_HEADER, 5000, "mx1", "Q1", "Authentication-Results",
	       "mx.example.jp; spf=pass smtp.mailfrom=a.example; dkim=fail header.d=a.example");
	messages_apply(ms, &e);
	e = ev(IN_SPAM, 5001, "mx1", "Q1", NULL, NULL);
	e.spam = SPAM_SPAM;
	e.has_results = 1;
	e.results[AR_SPF] = AR_PASS;
	e.results[AR_DKIM] = AR_PASS;
	e.results[AR_DMARC] = AR_FAIL;
	e.results[AR_ARC] = AR_ABSENT;
	e.results_policy = POL_REJECT;
	messages_apply(ms, &e);
	e = ev(IN_MSGID, 5002, "mx1", "Q2", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_SPAM, 5003, "mx1", "Q2", NULL, NULL);
	e.spam = SPAM_HAM; /* has_results 0: the results stay absent */
	messages_apply(ms, &e);
	messages_complete_all(ms);

	record_batch_init(&b);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL_FATAL(b.ncells, 2);
	CU_ASSERT_EQUAL(b.cells[0].messages + b.cells[1].messages, 2);
	for (i = 0; i < 2; i++) {
		if (b.cells[i].spam == SPAM_SPAM) {
			CU_ASSERT_EQUAL(b.cells[i].result[AR_SPF], AR_PASS);
			CU_ASSERT_EQUAL(b.cells[i].result[AR_DKIM], AR_PASS);
			CU_ASSERT_EQUAL(b.cells[i].result[AR_DMARC], AR_FAIL);
			CU_ASSERT_EQUAL(b.cells[i].result[AR_ARC], AR_ABSENT);
			CU_ASSERT_EQUAL(b.cells[i].dmarc_policy, POL_REJECT);
		} else {
			CU_ASSERT_EQUAL(b.cells[i].spam, SPAM_HAM);
			CU_ASSERT_EQUAL(b.cells[i].result[AR_SPF], AR_ABSENT);
			CU_ASSERT_EQUAL(b.cells[i].result[AR_DMARC], AR_ABSENT);
			CU_ASSERT_EQUAL(b.cells[i].dmarc_policy, POL_ABSENT);
		}
	}
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
}

static void test_event_time_and_window(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *ms = messages_new(&mc, ws);
	struct record_batch b;
	struct input_event e;

	/* message-id at 59.999 s, first header at 60.000 s: the header's time decides. */
	e = ev(IN_MSGID, 59999, "mx1", "Q1", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_HEADER, 60000, "mx1", "Q1", "Authentication-Results", "mx.example.jp; spf=pass");
	messages_apply(ms, &e);
	e = ev(IN_DONE, 61000, "mx1", "Q1", NULL, NULL);
	messages_apply(ms, &e);
	record_batch_init(&b);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.window_start_ms, 60000);
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
}

static void test_bound_and_idle(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(3);
	struct messages *ms = messages_new(&mc, ws);
	struct input_event e;
	struct record_health h;
	char qid[16];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(qid, sizeof(qid), "Q%05d", i);
		e = ev(IN_MSGID, 1000 + i, "mx1", qid, NULL, NULL);
		messages_apply(ms, &e);
		CU_ASSERT(messages_open_count(ms) <= 3);
	}
	CU_ASSERT_EQUAL(messages_oldest_ms(ms), 1007);
	messages_expire(ms, 1009 + 600000); /* Q7, Q8 idle; Q9 not yet */
	CU_ASSERT_EQUAL(messages_open_count(ms), 1);
	messages_complete_all(ms);
	CU_ASSERT_EQUAL(messages_oldest_ms(ms), INT64_MAX);
	/* Every message counted exactly once, 7 of them early. */
	CU_ASSERT_EQUAL(drain(ws, -1, &h), 10);
	CU_ASSERT_EQUAL(h.messages_evicted, 7);
	messages_free(ms);
	windows_free(ws);
}

/* Open messages survive a save and load, and complete as they would have. */
static void test_save_load(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *a = messages_new(&mc, ws), *b = messages_new(&mc, ws);
	struct input_event e;
	struct strbuf sb;
	struct deser d;
	struct record_health h;

	strbuf_init(&sb, 1 << 20);
	e = ev(IN_MSGID, 1000, "mx1", "Q1", NULL, NULL);
	messages_apply(a, &e);
	e = ev(IN_HEADER, 1001, "mx1", "Q1", "Authentication-Results", "mx.example.jp; spf=pass");
	messages_apply(a, &e);
	e = ev(IN_HEADER, 1002, "mx2", "Q2", "X-Spam-Flag", "YES");
	messages_apply(a, &e);
	CU_ASSERT_EQUAL_FATAL(messages_save(a, &sb), 0);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(messages_load(b, &d, MESSAGES_SAVE_VERSION), 0);
	CU_ASSERT_EQUAL(messages_open_count(b), 2);
	CU_ASSERT_EQUAL(messages_oldest_ms(b), 1000);
	e = ev(IN_DONE, 3000, "mx1", "Q1", NULL, NULL);
	messages_apply(b, &e);
	CU_ASSERT_EQUAL(messages_open_count(b), 1);
	messages_complete_all(b);
	CU_ASSERT_EQUAL(drain(ws, AR_PASS, &h), 1);
	/* A truncated state is refused. */
	deser_init(&d, sb.data, sb.len - 1);
	CU_ASSERT_EQUAL(messages_load(b, &d, MESSAGES_SAVE_VERSION), -1);
	strbuf_release(&sb);
	messages_free(a);
	messages_free(b);
	windows_free(ws);
}

/* An event whose host is host[0..hl) (it may hold a NUL). */
static struct input_event ev_host(enum input_kind kind, int64_t t, const char *host, size_t hl,
                                  const char *qid, const char *name, const char *value)
{
	struct input_event e = ev(kind, t, "", qid, name, value);

	e.host.p = host;
	e.host.len = hl;
	return e;
}

static void test_many_and_hosts(void)
{
	static const char *const hosts[] = { "mx1", "mx2", "m\0x1", "mx1\0" };
	static const size_t hlen[] = { 3, 3, 4, 4 };
	enum { NQ = 3000, NH = 4 };
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(1000000);
	struct messages *a = messages_new(&mc, ws), *b = messages_new(&mc, ws);
	struct input_event e;
	struct record_health h;
	struct strbuf sb;
	struct deser d;
	char qid[16];
	int i, k;

	/* The same queue IDs on every host: NQ * NH messages, a result each
	 * that tells which host's line reached which message. */
	for (i = 0; i < NQ; i++) {
		snprintf(qid, sizeof(qid), "%X", 0x10000 + i);
		for (k = 0; k < NH; k++) {
			e = ev_host(IN_MSGID, 1000 + i, hosts[k], hlen[k], qid, NULL, NULL);
			messages_apply(a, &e);
			e = ev_host(IN_HEADER, 1000 + i, hosts[k], hlen[k], qid, "Authentication-Results",
			            k % 2 == 0 ? "mx.example.jp; spf=pass" : "mx.example.jp; spf=fail");
			messages_apply(a, &e);
		}
	}
	CU_ASSERT_EQUAL(messages_open_count(a), (size_t)NQ * NH);
	/* A "removed" line finds its own host's message only. */
	e = ev_host(IN_DONE, 9000, hosts[2], hlen[2], "10000", NULL, NULL);
	messages_apply(a, &e);
	e = ev_host(IN_DONE, 9000, "m", 1, "10000", NULL, NULL);
	messages_apply(a, &e);
	e = ev_host(IN_DONE, 9000, "mx1", 3, "1000", NULL, NULL);
	messages_apply(a, &e);
	CU_ASSERT_EQUAL(messages_open_count(a), (size_t)NQ * NH - 1);

	strbuf_init(&sb, 1 << 24);
	CU_ASSERT_EQUAL_FATAL(messages_save(a, &sb), 0);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(messages_load(b, &d, MESSAGES_SAVE_VERSION), 0);
	CU_ASSERT_EQUAL(messages_open_count(b), (size_t)NQ * NH - 1);
	/* After the load, every message is found by its host and queue ID. */
	for (i = 0; i < NQ; i++) {
		snprintf(qid, sizeof(qid), "%X", 0x10000 + i);
		for (k = 0; k < NH; k++) {
			e = ev_host(IN_DONE, 9000 + i, hosts[k], hlen[k], qid, NULL, NULL);
			messages_apply(b, &e);
		}
	}
	CU_ASSERT_EQUAL(messages_open_count(b), 0);
	/* Hosts 0 and 2 said pass, 1 and 3 fail; one of host 2's was taken before. */
	CU_ASSERT_EQUAL(drain(ws, AR_PASS, &h), 2 * NQ);
	messages_complete_all(a);
	strbuf_release(&sb);
	messages_free(a);
	messages_free(b);
	windows_free(ws);
}

/* amavis as Postfix's content_filter: message A is queued again as B; the
 * amavis line for A names B (alias). Counted once, with what both logged,
 * when so configured; as two messages when not. */
static int64_t reinjected_count(int join, enum ar_result *spf, enum ar_spam *spam)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = config(100);
	struct messages *ms;
	struct record_batch b;
	struct input_event e;
	int64_t n = 0;
	size_t i;

	mc.join_reinjected = join;
	ms = messages_new(&mc, ws);
	e = ev(IN_MSGID, 1000, "mx1", "AAAA1", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_HEADER, 1001, "mx1", "AAAA1", "Authentication-Results",
	       "mx.example.jp; spf=pass");
	messages_apply(ms, &e);
	/* The copy, re-injected by amavis: its own header_checks lines. */
	e = ev(IN_MSGID, 1500, "mx1", "BBBB2", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_HEADER, 1501, "mx1", "BBBB2", "X-Spam-Flag", "YES");
	messages_apply(ms, &e);
	e = ev(IN_SPAM, 1600, "mx1", "AAAA1", NULL, NULL);
	e.spam = SPAM_HAM;
	e.alias.p = "BBBB2";
	e.alias.len = 5;
	messages_apply(ms, &e);
	e = ev(IN_DONE, 1700, "mx1", "AAAA1", NULL, NULL);
	messages_apply(ms, &e);
	e = ev(IN_DONE, 1800, "mx1", "BBBB2", NULL, NULL);
	messages_apply(ms, &e);
	CU_ASSERT_EQUAL(messages_open_count(ms), 0);
	record_batch_init(&b);
	*spf = AR_ABSENT;
	*spam = SPAM_UNKNOWN;
	while (windows_take(ws, INT64_MAX, &b)) {
		for (i = 0; i < b.ncells; i++) {
			n += b.cells[i].messages;
			if (b.cells[i].result[AR_SPF] != AR_ABSENT)
				*spf = b.cells[i].result[AR_SPF];
			if (b.cells[i].spam == SPAM_SPAM)
				*spam = SPAM_SPAM;
		}
	}
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
	return n;
}

static void test_reinjected_copy(void)
{
	enum ar_result spf;
	enum ar_spam spam;

	CU_ASSERT_EQUAL(reinjected_count(1, &spf, &spam), 1);
	CU_ASSERT_EQUAL(spf, AR_PASS);
	CU_ASSERT_EQUAL(spam, SPAM_SPAM); /* the copy's X-Spam-Flag wins over amavis's ham */
	CU_ASSERT_EQUAL(reinjected_count(0, &spf, &spam), 2);
}

/*
 * One message's syslog lines through the Postfix reader and the table, as
 * the collector reads them: the result of `method` in its one cell (or
 * AR_COUNT_NONE if the lines made no message). The lines are RFC 3339
 * stamped, so no zone or year is needed.
 */
#define AR_COUNT_NONE ((enum ar_result)-1)
static enum ar_result logged_result(const struct messages_config *mc, const char *const *lines,
                                    size_t n, enum ar_method method)
{
	struct windows *ws = windows_new(60000);
	struct messages *ms = messages_new(mc, ws);
	struct input_clock clk;
	struct record_batch b;
	enum ar_result r = AR_COUNT_NONE;
	size_t i;

	input_clock_init(&clk, 1793581200000LL);
	for (i = 0; i < n; i++) {
		struct input_event e;
		const char *why = NULL;

		CU_ASSERT_EQUAL_FATAL(input_syslog_parse(lines[i], strlen(lines[i]), &clk, &e, &why),
		                      INPUT_OK);
		messages_apply(ms, &e);
	}
	messages_complete_done(ms, INT64_MAX);
	record_batch_init(&b);
	while (windows_take(ws, INT64_MAX, &b)) {
		for (i = 0; i < b.ncells; i++) {
			CU_ASSERT_EQUAL(r, AR_COUNT_NONE); /* one message, one cell */
			r = b.cells[i].result[method];
		}
	}
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
	return r;
}

#define STAMP "2026-11-02T10:00:0"
#define TRAILER " from mail.a.example[192.0.2.1]; from=<x@a.example> to=<y@example.jp> proto=ESMTP helo=<mail.a.example>"
#define MSGID STAMP "1+09:00 mx1 postfix/cleanup[8]: 4F1A2B3C4D: message-id=<1@a.example>"
#define REMOVED STAMP "3+09:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed"
#define CLEANUP STAMP "2+09:00 mx1 postfix/cleanup[8]: 4F1A2B3C4D: "

/* What a header's logged line gives for `method`, between message-id and removed. */
static enum ar_result header_result(const struct messages_config *mc, const char *line,
                                    enum ar_method method)
{
	const char *lines[] = { MSGID, line, REMOVED };

	return logged_result(mc, lines, 3, method);
}

/*
 * Postfix's msg_output.c (msg_vprintf) passes every logged text through
 * printable(..., '?'): the line break and the tab or blank that fold a
 * header are written as "??" or "? ", and a CR LF as "??".
 */
static void test_postfix_folded(void)
{
	struct messages_config mc = config(100);

	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Authentication-Results: "
	                              "mx.example.jp;??spf=pass smtp.mailfrom=a.example;??dkim=pass "
	                              "header.d=a.example" TRAILER, AR_DKIM), AR_PASS);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Authentication-Results: "
	                              "mx.example.jp;? spf=fail (sender?? not permitted)"
	                              " smtp.mailfrom=a.example" TRAILER, AR_SPF), AR_FAIL);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Authentication-Results: "
	                              "mx.example.jp;???spf=softfail smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_SOFTFAIL);
}

/*
 * Postfix's other routes for a header, from its source: cleanup_act_log()
 * (cleanup/cleanup_message.c) writes "QID: ACTION: header TEXT from
 * ORIGIN;" + the trailer (+ ": OPTIONAL TEXT" when the action has one), for
 * ACTION "info" (INFO) and "warning" (WARN); cleanup_milter_hbc_log()
 * (cleanup/cleanup_milter.c) writes "QID: milter-header-ACTION: header TEXT
 * from NAME[ADDR];" + the trailer for milter_header_checks, the headers that
 * milters add. A body line (body_checks, "ACTION: body TEXT") is message
 * content anyone can write, never a header.
 */
static void test_postfix_routes(void)
{
	struct messages_config mc = config(100);

	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "warning: header Authentication-Results: "
	                              "mx.example.jp; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_PASS);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "warning: header Authentication-Results: "
	                              "mx.example.jp; spf=fail smtp.mailfrom=a.example" TRAILER
	                              ": AR seen; logged", AR_SPF), AR_FAIL);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Authentication-Results: "
	                              "mx.example.jp; spf=neutral smtp.mailfrom=a.example" TRAILER
	                              ": optional text", AR_SPF), AR_NEUTRAL);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "milter-header-info: header Authentication-Results: "
	                              "mx.example.jp; dkim=pass header.d=a.example" TRAILER, AR_DKIM),
	                AR_PASS);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "milter-header-warning: header "
	                              "Authentication-Results: mx.example.jp;??dmarc=fail (p=reject "
	                              "dis=none) header.from=a.example" TRAILER, AR_DMARC), AR_FAIL);
	/* Not a header: the text of a body line, and other actions' lines. */
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: body Authentication-Results: "
	                              "mx.example.jp; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_ABSENT);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "milter-body-info: body Authentication-Results: "
	                              "mx.example.jp; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_ABSENT);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "strip: header Authentication-Results: "
	                              "mx.example.jp; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_ABSENT);
}

/*
 * Received-SPF (RFC 7208 section 9.1): result, comment, key=value pairs;
 * trusted when receiver= is one of trusted_authserv_ids. Beside an
 * Authentication-Results spf= of the same message, the outcome rule decides.
 */
static void test_received_spf(void)
{
	struct messages_config mc = config(100);

	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Received-SPF: Pass "
	                              "(mailfrom) identity=mailfrom; client-ip=192.0.2.1; "
	                              "helo=mail.a.example; envelope-from=x@a.example; "
	                              "receiver=mx.example.jp" TRAILER, AR_SPF), AR_PASS);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Received-SPF: Softfail "
	                              "(mx.example.jp: domain of transitioning x@a.example does not "
	                              "designate 192.0.2.1 as permitted sender)??client-ip=192.0.2.1;"
	                              " envelope-from=x@a.example; receiver=mx.example.jp;" TRAILER,
	                              AR_SPF), AR_SOFTFAIL);
	/* The receiver is not ours, or not named: nothing counts. */
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Received-SPF: Pass "
	                              "client-ip=192.0.2.1; receiver=mx.forged.example" TRAILER,
	                              AR_SPF), AR_ABSENT);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header Received-SPF: Pass "
	                              "(mx.example.jp: 192.0.2.1 is permitted)" TRAILER,
	                              AR_SPF), AR_ABSENT);
	{
		const char *lines[] = {
			MSGID,
			CLEANUP "info: header Received-SPF: Fail client-ip=192.0.2.1; "
			        "receiver=mx.example.jp" TRAILER,
			CLEANUP "info: header Authentication-Results: mx.example.jp; spf=pass "
			        "smtp.mailfrom=a.example" TRAILER,
			REMOVED,
		};

		CU_ASSERT_EQUAL(logged_result(&mc, lines, 4, AR_SPF), AR_PASS);
	}
}

/* Vendor names of Authentication-Results count only when configured
 * (authres_header_names); ARC-Authentication-Results never does. */
static void test_vendor_names(void)
{
	static const char *const names[] = { "X-*-Authentication-Results" };
	struct messages_config mc = config(100);
	const char *vendor = CLEANUP "info: header X-Example-Authentication-Results: mx.example.jp;"
	                             " spf=pass smtp.mailfrom=a.example" TRAILER;

	CU_ASSERT_EQUAL(header_result(&mc, vendor, AR_SPF), AR_ABSENT);
	mc.authres_names = names;
	mc.nauthres_names = 1;
	CU_ASSERT_EQUAL(header_result(&mc, vendor, AR_SPF), AR_PASS);
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header X-Authentication-Results: "
	                              "mx.example.jp; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_ABSENT); /* "*" is one or more characters */
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header ARC-Authentication-Results: i=1; "
	                              "mx.example.jp; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_ABSENT);
	/* The vendor header is held to the same trust. */
	CU_ASSERT_EQUAL(header_result(&mc, CLEANUP "info: header X-Example-Authentication-Results: "
	                              "mx.forged.example; spf=pass smtp.mailfrom=a.example" TRAILER,
	                              AR_SPF), AR_ABSENT);
}

/* ---- fates ---- */

/* Outcome of one message's lines: how many messages were counted, with
 * which fate (the last cell's), and how many were deferred. */
struct fate_out {
	int64_t counted;
	enum ar_fate fate;
	uint64_t deferred;
	size_t open_before_end; /* messages still open after the lines */
};

/*
 * Lines of one or more messages through format `parse` and the table, as
 * the collector reads them with one input; the rest completed at the end
 * (as at the end of --once, or after the idle time).
 */
static struct fate_out logged_fate(const struct messages_config *mc, input_parse_fn parse,
                                   const char *const *lines, size_t n)
{
	struct windows *ws = windows_new(60000);
	struct messages *ms = messages_new(mc, ws);
	struct input_clock clk;
	struct record_batch b;
	struct fate_out o;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.fate = FATE_COUNT;
	input_clock_init(&clk, 1793581200000LL);
	for (i = 0; i < n; i++) {
		struct input_event e;
		const char *why = NULL;

		CU_ASSERT_EQUAL_FATAL(parse(lines[i], strlen(lines[i]), &clk, &e, &why), INPUT_OK);
		if (e.host.len == 0) {
			e.host.p = "mx1";
			e.host.len = 3;
		}
		messages_apply(ms, &e);
	}
	o.open_before_end = messages_open_count(ms);
	messages_complete_all(ms);
	o.deferred = messages_deferred(ms);
	record_batch_init(&b);
	while (windows_take(ws, INT64_MAX, &b)) {
		for (i = 0; i < b.ncells; i++) {
			o.counted += b.cells[i].messages;
			o.fate = b.cells[i].fate;
		}
	}
	record_batch_free(&b);
	messages_free(ms);
	windows_free(ws);
	return o;
}

#define PF(t, prog, text) STAMP t "+09:00 mx1 postfix/" prog ": 4F1A2B3C4D: " text
#define AR_LINE PF("2", "cleanup[8]", "info: header Authentication-Results: mx.example.jp; " \
                   "spf=pass smtp.mailfrom=a.example" TRAILER)
#define QACTIVE PF("3", "qmgr[9]", "from=<x@a.example>, size=2345, nrcpt=1 (queue active)")

static struct messages_config fate_config(int content_filter)
{
	struct messages_config mc = config(100);

	mc.publish_fates = 1;
	mc.join_reinjected = content_filter;
	return mc;
}

/* What one message's Postfix lines (after its message-id and header lines)
 * make of its fate; FATE_COUNT if it is not counted. */
static enum ar_fate postfix_fate(int content_filter, const char *l1, const char *l2,
                                 const char *l3, uint64_t *deferred)
{
	struct messages_config mc = fate_config(content_filter);
	const char *lines[5] = { MSGID, AR_LINE };
	size_t n = 2;
	struct fate_out o;

	if (l1 != NULL)
		lines[n++] = l1;
	if (l2 != NULL)
		lines[n++] = l2;
	if (l3 != NULL)
		lines[n++] = l3;
	o = logged_fate(&mc, input_syslog_parse, lines, n);
	if (deferred != NULL)
		*deferred = o.deferred;
	CU_ASSERT(o.counted <= 1);
	return o.counted == 1 ? o.fate : FATE_COUNT;
}

/*
 * Postfix's fate lines, from its source (see collector/input_postfix.c):
 * queued by qmgr, refused at the end of DATA by a milter or by
 * header_checks, discarded, held; a 4xx refusal is no message (the client
 * sends it again), nor is a transaction canceled without a refusal.
 */
static void test_fate_postfix(void)
{
	uint64_t deferred;

	CU_ASSERT_EQUAL(postfix_fate(0, QACTIVE, REMOVED, NULL, NULL), FATE_ACCEPTED);
	/* "removed" alone: only a queued message leaves the active queue. */
	CU_ASSERT_EQUAL(postfix_fate(0, REMOVED, NULL, NULL, NULL), FATE_ACCEPTED);
	/* No fate line: the log does not tell. */
	CU_ASSERT_EQUAL(postfix_fate(0, NULL, NULL, NULL, NULL), FATE_UNKNOWN);
	/* A milter's reject at the end of DATA (cleanup_milter_apply). */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
	                                   "mail.a.example[192.0.2.1]: 5.7.1 rejected by DMARC policy "
	                                   "for a.example; from=<x@a.example> to=<y@example.jp> "
	                                   "proto=ESMTP helo=<mail.a.example>"),
	                             PF("3", "cleanup[8]", "removed (canceled)"), NULL, NULL),
	                FATE_REJECTED);
	/* ... or a deferral: not counted, counted as deferred. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
	                                   "mail.a.example[192.0.2.1]: 4.7.1 Try again later; "
	                                   "from=<x@a.example> to=<y@example.jp> proto=ESMTP "
	                                   "helo=<mail.a.example>"), NULL, NULL, &deferred),
	                FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
	/* header_checks REJECT: the reason's DSN tells a refusal from a deferral. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "reject: header Subject: win now"
	                                   TRAILER ": 5.7.1 message content rejected"), NULL, NULL,
	                             NULL), FATE_REJECTED);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "reject: body click here" TRAILER
	                                   ": 4.7.1 try later"), NULL, NULL, &deferred), FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "reject: mime-error invalid header "
	                                   "text: x from mail.a.example[192.0.2.1]; from=<x@a.example> "
	                                   "to=<y@example.jp>"), NULL, NULL, NULL), FATE_REJECTED);
	/* smtpd_end_of_data_restrictions (log_whatsup) */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "smtpd[7]", "reject: END-OF-MESSAGE from "
	                                   "mail.a.example[192.0.2.1]: 550 5.7.1 <y@example.jp>: "
	                                   "Recipient address rejected; from=<x@a.example> "
	                                   "to=<y@example.jp> proto=ESMTP helo=<mail.a.example>"),
	                             NULL, NULL, NULL), FATE_REJECTED);
	/* One recipient refused at RCPT: the message goes on to the others. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("1", "smtpd[7]", "reject: RCPT from "
	                                   "mail.a.example[192.0.2.1]: 550 5.1.1 <z@example.jp>: "
	                                   "Recipient address rejected: User unknown; "
	                                   "from=<x@a.example> to=<z@example.jp> proto=ESMTP "
	                                   "helo=<mail.a.example>"), QACTIVE, REMOVED, NULL),
	                FATE_ACCEPTED);
	/* DISCARD (header_checks, then Postfix 3.10's removed line; or a milter
	 * at RCPT through smtpd), also over a later milter's reject, as
	 * cleanup_flush() does. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "discard: header Subject: x" TRAILER),
	                             PF("4", "cleanup[8]", "removed (discarded)"), NULL, NULL),
	                FATE_DISCARDED);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("1", "smtpd[7]", "milter-discard: RCPT from "
	                                   "mail.a.example[192.0.2.1]: milter triggers DISCARD action; "
	                                   "from=<x@a.example> to=<y@example.jp> proto=ESMTP "
	                                   "helo=<mail.a.example>"), NULL, NULL, NULL),
	                FATE_DISCARDED);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "milter-header-discard: header "
	                                   "X-Virus: yes" TRAILER ": x"),
	                             PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
	                                "mail.a.example[192.0.2.1]: 5.7.1 no; from=<x@a.example>"),
	                             NULL, NULL), FATE_DISCARDED);
	/* HOLD: the message waits in the hold queue, with no further line. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "hold: header Subject: x" TRAILER
	                                   ": held for review"), NULL, NULL, NULL), FATE_HELD);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "milter-hold: END-OF-MESSAGE from "
	                                   "mail.a.example[192.0.2.1]: milter triggers HOLD action; "
	                                   "from=<x@a.example> to=<y@example.jp> proto=ESMTP "
	                                   "helo=<mail.a.example>"), NULL, NULL, NULL), FATE_HELD);
	/* A HOLD then refused or deferred at the end of DATA (every message on
	 * a MailScanner host has the hold line): never queued, so rejected, or
	 * not counted until the client sends it again. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "hold: header Received: from x"
	                                   TRAILER ": held"),
	                             PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
	                                "mail.a.example[192.0.2.1]: 4.7.1 Try again later; "
	                                "from=<x@a.example> to=<y@example.jp> proto=ESMTP "
	                                "helo=<mail.a.example>"), NULL, &deferred), FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "hold: header Received: from x"
	                                   TRAILER ": held"),
	                             PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
	                                "mail.a.example[192.0.2.1]: 5.7.1 rejected; "
	                                "from=<x@a.example> to=<y@example.jp> proto=ESMTP "
	                                "helo=<mail.a.example>"), NULL, NULL), FATE_REJECTED);
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "hold: header Received: from x"
	                                   TRAILER ": held"),
	                             PF("3", "cleanup[8]", "removed (canceled)"), NULL, &deferred),
	                FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
	/* A transaction canceled without a refusal (the client went away after
	 * the headers were logged): not received, not counted. */
	CU_ASSERT_EQUAL(postfix_fate(0, PF("3", "cleanup[8]", "removed (canceled)"), NULL, NULL,
	                             &deferred), FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
}

/* A refusal at the end of DATA is the message's last line: it is complete
 * then, not after the idle time. */
static void test_fate_refusal_completes(void)
{
	struct messages_config mc = fate_config(0);
	const char *lines[] = { MSGID, AR_LINE,
		                PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
		                   "mail.a.example[192.0.2.1]: 5.7.1 rejected; from=<x@a.example>") };
	struct fate_out o = logged_fate(&mc, input_syslog_parse, lines, 3);

	CU_ASSERT_EQUAL(o.open_before_end, 0);
	CU_ASSERT_EQUAL(o.counted, 1);
	CU_ASSERT_EQUAL(o.fate, FATE_REJECTED);
}

/* publish_fates off: refused messages are not counted, the others carry no fate. */
static void test_fate_unpublished(void)
{
	struct messages_config mc = config(100);
	const char *accepted[] = { MSGID, AR_LINE, QACTIVE, REMOVED };
	const char *rejected[] = { MSGID, AR_LINE,
		                   PF("3", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
		                      "mail.a.example[192.0.2.1]: 5.7.1 rejected; from=<x@a.example>") };
	struct fate_out o = logged_fate(&mc, input_syslog_parse, accepted, 4);

	CU_ASSERT_EQUAL(o.counted, 1);
	CU_ASSERT_EQUAL(o.fate, FATE_UNKNOWN);
	o = logged_fate(&mc, input_syslog_parse, rejected, 3);
	CU_ASSERT_EQUAL(o.counted, 0);
}

#define AMAVIS(actions) STAMP "3+09:00 mx1 amavis[77]: (00077-01) " actions ", [192.0.2.1]:4000 " \
	"[192.0.2.1] <x@a.example> -> <y@example.jp>, Queue-ID: 4F1A2B3C4D, Message-ID: " \
	"<1@a.example>, mail_id: AbCd, Hits: 9.1, size: 2345, 1234 ms"

/*
 * amavis's own actions ({ACTIONS} of its log line): as a milter, the MTA's
 * line decides and amavis's counts only where the MTA logged none; as
 * Postfix's content_filter (after the queue), a message it blocks had been
 * accepted by Postfix and is held if quarantined, else discarded.
 */
static void test_fate_amavis(void)
{
	uint64_t deferred;

	/* Milter: Postfix's own milter-reject agrees; amavis alone decides
	 * without one. */
	CU_ASSERT_EQUAL(postfix_fate(0, AMAVIS("Blocked SPAM {RejectedInbound}"),
	                             PF("4", "cleanup[8]", "milter-reject: END-OF-MESSAGE from "
	                                "mail.a.example[192.0.2.1]: 5.7.0 spam; from=<x@a.example>"),
	                             NULL, NULL), FATE_REJECTED);
	CU_ASSERT_EQUAL(postfix_fate(0, AMAVIS("Blocked SPAM {DiscardedInbound,Quarantined}"), NULL,
	                             NULL, NULL), FATE_DISCARDED);
	CU_ASSERT_EQUAL(postfix_fate(0, AMAVIS("Passed CLEAN {RelayedInbound}"), QACTIVE, REMOVED,
	                             NULL), FATE_ACCEPTED);
	CU_ASSERT_EQUAL(postfix_fate(0, AMAVIS("Blocked SPAM {TempFailedInbound}"), NULL, NULL,
	                             &deferred), FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
	/* The MTA's word wins over the filter's: Postfix queued it. */
	CU_ASSERT_EQUAL(postfix_fate(0, AMAVIS("Blocked SPAM {DiscardedInbound}"), QACTIVE, REMOVED,
	                             NULL), FATE_ACCEPTED);
	/* Content filter: after "queue active" and before "removed". */
	CU_ASSERT_EQUAL(postfix_fate(1, QACTIVE, AMAVIS("Blocked SPAM {DiscardedInbound,Quarantined}"),
	                             REMOVED, NULL), FATE_HELD);
	CU_ASSERT_EQUAL(postfix_fate(1, QACTIVE, AMAVIS("Blocked INFECTED (Eicar-Signature) "
	                                                "{BouncedInbound}"), REMOVED, NULL),
	                FATE_DISCARDED);
	CU_ASSERT_EQUAL(postfix_fate(1, QACTIVE, AMAVIS("Blocked SPAM"), REMOVED, NULL),
	                FATE_DISCARDED);
	CU_ASSERT_EQUAL(postfix_fate(1, QACTIVE, AMAVIS("Passed SPAM {RelayedTaggedInbound}"),
	                             REMOVED, NULL), FATE_ACCEPTED);
	/* A deferral after the queue: Postfix tries amavis again later. */
	CU_ASSERT_EQUAL(postfix_fate(1, QACTIVE, AMAVIS("Blocked SPAM {TempFailedInbound}"),
	                             REMOVED, NULL), FATE_ACCEPTED);
}

#define MS_HOLD PF("2", "cleanup[8]", "hold: header Received: from mail.a.example (mail.a.example " \
                   "[192.0.2.1]) by mx.example.jp" TRAILER ": MailScanner")
#define MS_VERDICT STAMP "4+09:00 mx1 MailScanner[2112]: Message 4F1A2B3C4D.A3F46 from " \
	"192.0.2.1 (x@a.example) to example.jp is spam, SpamAssassin (not cached, score=9.1, " \
	"required 5)"
#define MS_REQUEUE STAMP "5+09:00 mx1 MailScanner[2112]: Requeue: 4F1A2B3C4D.A3F46 to 5B2C3D4E5F"

/*
 * MailScanner behind Postfix: header_checks HOLD puts every message in the
 * hold queue, MailScanner scans it there and queues it again for delivery
 * ("Requeue: ID to QID", PFDiskStore.pm). The held copy is then done and was
 * accepted; before "Requeue:" was read it stayed held, open until idle.
 */
static void test_fate_mailscanner(void)
{
	struct messages_config mc = fate_config(0);
	const char *released[] = { MSGID, AR_LINE, MS_HOLD, MS_VERDICT, MS_REQUEUE };
	const char *kept[] = { MSGID, AR_LINE, MS_HOLD, MS_VERDICT };
	struct fate_out o;

	o = logged_fate(&mc, input_syslog_parse, released, 5);
	CU_ASSERT_EQUAL(o.counted, 1);
	CU_ASSERT_EQUAL(o.fate, FATE_ACCEPTED);
	/* "Requeue:" ends the held copy: no "removed" is logged for it. */
	CU_ASSERT_EQUAL(o.open_before_end, 0);
	/* Deleted or quarantined by MailScanner: never queued again, held. */
	o = logged_fate(&mc, input_syslog_parse, kept, 4);
	CU_ASSERT_EQUAL(o.counted, 1);
	CU_ASSERT_EQUAL(o.fate, FATE_HELD);
	CU_ASSERT_EQUAL(o.open_before_end, 1);
}

#define EXIM(t, text) "2026-11-02 10:00:0" t " +0900 1tEaB3-000Q7d-2K " text
#define EXIM_AR EXIM("1", "ar: Authentication-Results: mx.example.jp;\\n\\tspf=pass " \
                     "smtp.mailfrom=a.example")

static enum ar_fate exim_fate(const char *l1, const char *l2, uint64_t *deferred)
{
	struct messages_config mc = fate_config(0);
	const char *lines[3] = { EXIM_AR, l1, l2 };
	struct fate_out o = logged_fate(&mc, input_exim_parse, lines, l2 != NULL ? 3 : 2);

	if (deferred != NULL)
		*deferred = o.deferred;
	return o.counted == 1 ? o.fate : FATE_COUNT;
}

/* Exim: "<=" queued it, an ACL's rejection after DATA refused it, "=> blackhole"
 * discarded it, "frozen by ACL" holds it. */
static void test_fate_exim(void)
{
	uint64_t deferred;

	CU_ASSERT_EQUAL(exim_fate(EXIM("1", "<= x@a.example H=mail.a.example [192.0.2.1] P=esmtps "
	                               "S=2345 id=1@a.example"), EXIM("2", "Completed"), NULL),
	                FATE_ACCEPTED);
	CU_ASSERT_EQUAL(exim_fate(EXIM("2", "H=mail.a.example [192.0.2.1] F=<x@a.example> rejected "
	                               "after DATA: DMARC policy reject"), NULL, NULL),
	                FATE_REJECTED);
	CU_ASSERT_EQUAL(exim_fate(EXIM("2", "H=mail.a.example [192.0.2.1] F=<x@a.example> "
	                               "temporarily rejected after DATA: try later"), NULL,
	                          &deferred), FATE_COUNT);
	CU_ASSERT_EQUAL(deferred, 1);
	CU_ASSERT_EQUAL(exim_fate(EXIM("1", "<= x@a.example H=mail.a.example [192.0.2.1] P=esmtp "
	                               "S=2345"), EXIM("1", "=> blackhole (DATA ACL discarded "
	                                               "recipients): spam"), NULL), FATE_DISCARDED);
	CU_ASSERT_EQUAL(exim_fate(EXIM("1", "<= x@a.example H=mail.a.example [192.0.2.1] P=esmtp "
	                               "S=2345"), EXIM("1", "frozen by ACL"), NULL), FATE_HELD);
}

/* A checkpoint of version 1 holds no fate: its messages start unknown and
 * take the fate of their later lines; version 2 keeps it; a fate no
 * collector writes is refused. */
static void test_fate_save_load(void)
{
	struct windows *ws = windows_new(60000);
	struct messages_config mc = fate_config(0);
	struct messages *a = messages_new(&mc, ws), *b = messages_new(&mc, ws);
	struct input_event e;
	struct strbuf sb;
	struct deser d;
	struct record_batch rb;
	size_t i;
	int held = 0, accepted = 0;

	strbuf_init(&sb, 1 << 20);
	e = ev(IN_MSGID, 1000, "mx1", "Q1", NULL, NULL);
	messages_apply(a, &e);
	e.kind = IN_FATE;
	e.fate = FATE_HELD;
	messages_apply(a, &e);
	CU_ASSERT_EQUAL_FATAL(messages_save(a, &sb), 0);
	/* Version 2 keeps the held fate. */
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(messages_load(b, &d, 2), 0);
	messages_complete_all(b);
	/* Version 1: the same without the last three bytes (the fate). */
	deser_init(&d, sb.data, sb.len - 3);
	CU_ASSERT_EQUAL_FATAL(messages_load(b, &d, 1), 0);
	CU_ASSERT_EQUAL(d.len - d.pos, 0);
	e = ev(IN_DONE, 3000, "mx1", "Q1", NULL, NULL);
	e.fate = FATE_ACCEPTED;
	messages_apply(b, &e);
	CU_ASSERT_EQUAL(messages_open_count(b), 0);
	record_batch_init(&rb);
	while (windows_take(ws, INT64_MAX, &rb)) {
		for (i = 0; i < rb.ncells; i++) {
			held += rb.cells[i].fate == FATE_HELD ? (int)rb.cells[i].messages : 0;
			accepted += rb.cells[i].fate == FATE_ACCEPTED ? (int)rb.cells[i].messages : 0;
		}
	}
	record_batch_free(&rb);
	CU_ASSERT_EQUAL(held, 1);
	CU_ASSERT_EQUAL(accepted, 1);
	/* A fate out of range. */
	sb.data[sb.len - 3] = (char)(FATE_COUNT + 1);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL(messages_load(b, &d, 2), -1);
	strbuf_release(&sb);
	messages_free(a);
	messages_free(b);
	windows_free(ws);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("messages", NULL, NULL);
	CU_add_test(s, "join and trust", test_join_and_trust);
	CU_add_test(s, "cells, spam, absent", test_cells_spam_and_absent);
	CU_add_test(s, "OpenDMARC without a record: no policy", test_opendmarc_no_record);
	CU_add_test(s, "a filter's results (rspamd symbols)", test_filter_results);
	CU_add_test(s, "event time", test_event_time_and_window);
	CU_add_test(s, "bound and idle", test_bound_and_idle);
	CU_add_test(s, "save and load", test_save_load);
	CU_add_test(s, "many messages, hosts", test_many_and_hosts);
	CU_add_test(s, "content filter copy counted once", test_reinjected_copy);
	CU_add_test(s, "Postfix folded headers", test_postfix_folded);
	CU_add_test(s, "Postfix header routes", test_postfix_routes);
	CU_add_test(s, "Received-SPF", test_received_spf);
	CU_add_test(s, "vendor names of Authentication-Results", test_vendor_names);
	CU_add_test(s, "fate: Postfix", test_fate_postfix);
	CU_add_test(s, "fate: a refusal completes the message", test_fate_refusal_completes);
	CU_add_test(s, "fate: publish_fates off", test_fate_unpublished);
	CU_add_test(s, "fate: amavis as milter and content filter", test_fate_amavis);
	CU_add_test(s, "fate: Exim", test_fate_exim);
	CU_add_test(s, "fate: MailScanner releases the held message", test_fate_mailscanner);
	CU_add_test(s, "fate: save and load, version 1 upgraded", test_fate_save_load);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
