/*
 * input_rspamd - rspamd's scan result line, from its own log file
 * (/var/log/rspamd/rspamd.log, format "rspamd") or from syslog (tag
 * "rspamd").
 *
 * The file logger writes "STAMP #PID(PROCESS) <TAG>; MODULE; FUNCTION: TEXT",
 * the stamp in local time without a zone ("2026-11-22 10:00:00", the same
 * form as Exim's). Syslog gets "<TAG>; MODULE; FUNCTION: TEXT". The scan
 * result comes from rspamd_task_write_log() with the default log_format:
 *
 *   id: <MESSAGE-ID>, qid: <QUEUEID>, ip: 192.0.2.10, from: <a@b>,
 *   (default: T (reject): [15.00/15.00] [SYMBOL(1.00){...},...]), len: 1234,
 *   time: 87.5ms, dns req: 12, digest: <...>, rcpts: <...>, mime_rcpts: <...>
 *
 * The verdict is read from the action, which means the same in every rspamd
 * version (the T/F letter before it changed meaning in 2.0: T only for
 * reject before, any action not flagged ham since):
 *   reject, add header, rewrite subject, discard, quarantine      spam
 *   no action, greylist                                           ham
 *   soft reject                                                   no verdict
 *     (a temporary refusal for rate limits and lookup failures, not a
 *     judgement of the message)
 *   any other (custom) action: the letter, T spam, F ham
 *   letter S (scan skipped), whatever the action                  no verdict
 * qid is the MTA's queue ID (Postfix's from the milter, Exim's message ID
 * from its spam= ACL condition). A result line without qid cannot be joined
 * and is IN_OTHER.
 *
 * The log has no host column: ev->host is empty, and the collector gives
 * such events the host name configured for the input, which must equal the
 * host column of the MTA's log that the queue IDs belong to.
 *
 * The message ID and the envelope sender come from the sender and stand
 * before the verdict. The first " qid: <" and the first "(default: " after
 * it are taken; a sender who writes those strings into its Message-ID can
 * have its own verdict joined to another queue ID of the same host, which
 * moves one message's spam verdict and nothing else.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

static const char write_log[] = "rspamd_task_write_log: ";

/* rspamd names the MTA's queue ID; Exim's hold dashes. */
static int is_qid_char(char c)
{
	return str_is_alnum(c) || c == '-';
}

/* SPAM_SPAM, SPAM_HAM, or SPAM_UNKNOWN. */
static enum ar_spam action_verdict(char letter, const char *a, size_t n)
{
	static const char *const spam[] = { "reject", "add header", "rewrite subject", "discard",
		                            "quarantine" };
	static const char *const ham[] = { "no action", "greylist" };
	size_t i;

	if (letter == 'S')
		return SPAM_UNKNOWN;
	for (i = 0; i < sizeof(spam) / sizeof(spam[0]); i++) {
		if (strlen(spam[i]) == n && memcmp(a, spam[i], n) == 0)
			return SPAM_SPAM;
	}
	for (i = 0; i < sizeof(ham) / sizeof(ham[0]); i++) {
		if (strlen(ham[i]) == n && memcmp(a, ham[i], n) == 0)
			return SPAM_HAM;
	}
	if (n == 11 && memcmp(a, "soft reject", 11) == 0)
		return SPAM_UNKNOWN;
	return letter == 'T' ? SPAM_SPAM : SPAM_HAM;
}

/*
 * "<TAG>; MODULE; FUNCTION: TEXT" at p: the scan result if FUNCTION is
 * rspamd_task_write_log, else IN_OTHER.
 */
static enum input_status parse_body(const char *p, size_t len, struct input_event *ev,
                                    const char **why)
{
	const char *q, *fn, *end, *act;
	size_t n, i, ql;
	char letter;

	/* The tag and module are short words; look for the function only in
	 * the first bytes, before anything a sender wrote. */
	n = len < 96 ? len : 96;
	fn = str_find(p, n, "; ");
	if (len == 0 || p[0] != '<' || fn == NULL)
		return INPUT_OK;
	fn = str_find(fn + 2, n - (size_t)(fn + 2 - p), "; ");
	if (fn == NULL)
		return INPUT_OK;
	fn += 2;
	n = len - (size_t)(fn - p);
	if (!str_starts_with(fn, n, write_log)) {
		if (n < sizeof(write_log) - 1 && memcmp(fn, write_log, n) == 0) {
			*why = "rspamd line cut short";
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	q = str_find(fn, n, " qid: <");
	if (q == NULL)
		return INPUT_OK;
	q += 7;
	n = len - (size_t)(q - p);
	for (ql = 0; ql < n && ql <= 32 && is_qid_char(q[ql]); ql++)
		;
	if (ql == n) {
		*why = "rspamd line cut short";
		return INPUT_MALFORMED;
	}
	if (ql < 5 || ql > 32 || q[ql] != '>') {
		*why = "rspamd qid of unexpected form";
		return INPUT_MALFORMED;
	}
	act = str_find(q + ql, n - ql, "(default: ");
	if (act == NULL) {
		*why = "rspamd result line without its verdict";
		return INPUT_MALFORMED;
	}
	act += 10;
	n = len - (size_t)(act - p);
	/* "L (ACTION): [" */
	if (n < 4 || (act[0] != 'T' && act[0] != 'F' && act[0] != 'S') || act[1] != ' ' ||
	    act[2] != '(') {
		*why = "rspamd verdict of unexpected form";
		return INPUT_MALFORMED;
	}
	letter = act[0];
	act += 3;
	n -= 3;
	end = NULL;
	for (i = 0; i < n && i < 64; i++) {
		if (act[i] == ')') {
			end = act + i;
			break;
		}
	}
	if (end == NULL || end == act || (size_t)(end - act) + 1 >= n || end[1] != ':') {
		*why = "rspamd verdict of unexpected form";
		return INPUT_MALFORMED;
	}
	ev->spam = action_verdict(letter, act, (size_t)(end - act));
	if (ev->spam == SPAM_UNKNOWN)
		return INPUT_OK;
	ev->kind = IN_SPAM;
	ev->queue_id.p = q;
	ev->queue_id.len = ql;
	return INPUT_OK;
}

enum input_status input_rspamd_parse(const char *line, size_t len, struct input_clock *clk,
                                     struct input_event *ev, const char **why)
{
	size_t used, i;
	const char *p;

	memset(ev, 0, sizeof(*ev));
	if (input_time_parse(clk, line, len, &ev->time_ms, &used) < 0) {
		*why = "no timestamp at the start of the line";
		return INPUT_MALFORMED;
	}
	/* No host column: the collector puts in the input's configured host. */
	ev->host.p = line;
	ev->host.len = 0;
	p = line + used;
	len -= used;
	/* " #PID(PROCESS) " */
	if (len < 2 || p[0] != ' ' || p[1] != '#') {
		*why = "no process field after the timestamp";
		return INPUT_MALFORMED;
	}
	for (i = 2; i < len && i < 80 && p[i] != ' '; i++)
		;
	if (i >= len || p[i] != ' ' || p[i - 1] != ')') {
		*why = "no process field after the timestamp";
		return INPUT_MALFORMED;
	}
	return parse_body(p + i + 1, len - i - 1, ev, why);
}

enum input_status input_rspamd_message(const char *tag, size_t taglen, const char *p,
                                       size_t len, struct input_event *ev, const char **why)
{
	(void)tag;
	(void)taglen;
	return parse_body(p, len, ev, why);
}
