/*
 * input_pmg - Proxmox Mail Gateway's re-injection, read with the setting
 * pmg_reinjection (input_pmg_set_enabled()), so that each message counts
 * once.
 *
 * With PMG's default after-queue filtering (src/templates/master.cf.in of
 * pmg-api) Postfix queues a message from the internet under QID1 (its
 * cleanup logs the message-id and the header_checks lines), hands it by
 * LMTP to pmg-smtp-filter on 127.0.0.1:10024, and the filter, for the
 * recipients its rules accept, sends it back to Postfix on 127.0.0.1:10025,
 * which queues it again under QID2 (with no_header_body_checks: a
 * message-id line only). Both queue IDs would count. The filter's own ID
 * for the message, LOGID (MailQueue.pm new_fileid(): "%X%X%05X" of inode,
 * seconds and microseconds), links them:
 *
 *   pmg-smtp-filter[PID]: LOGID: accept mail to <RCPT> (QID2) (rule: NAME)
 *       (PMG/RuleDB/Accept.pm, one line per recipient) - QID2 is a copy
 *   postfix/lmtp[PID]: QID1: to=<RCPT>, relay=127.0.0.1[127.0.0.1]:10024,
 *       ..., status=sent (250 2.5.0 OK (LOGID))
 *       (PMG/SMTP.pm's LMTP reply for a delivered recipient) - LOGID is QID1
 *
 * Each is an IN_SPAM without a verdict whose alias is the copy: messages.c
 * folds QID2 into LOGID and LOGID into QID1 (as amavis's queued_as), so the
 * message counts once, under QID1, with QID1's results. The filter logs its
 * line before it answers Postfix's LMTP, which logs the lmtp line after;
 * QID2's "removed" line, should it come before the filter's line, leaves
 * QID2 counted on its own (the rare case the join cannot mend). Blocked
 * mail ("250 2.7.0 BLOCKED (LOGID)") has no copy. With before-queue
 * filtering (smtpd_proxy_filter) the internet side queues nothing and only
 * QID2 exists: nothing to join.
 *
 * RCPT is the sender's choice: the filter line's QID2 is the parenthesis
 * before its last " (rule: ", the lmtp line's LOGID the one that ends the
 * line, so that no address can spell them.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

/* pmg_reinjection, set once at start-up. */
static int enabled;

void input_pmg_set_enabled(int on)
{
	enabled = on != 0;
}

int input_pmg_reads_lmtp(void)
{
	return enabled;
}

/* Length of a queue ID-like token (letters and digits, 5..32) at p that
 * fills p[0..len) exactly, or 0. */
static size_t id_len(const char *p, size_t len)
{
	size_t i;

	if (len < 5 || len > 32)
		return 0;
	for (i = 0; i < len; i++) {
		if (!str_is_alnum(p[i]))
			return 0;
	}
	return len;
}

enum input_status input_pmg_message(const char *tag, size_t taglen, const char *p, size_t len,
                                    struct input_event *ev, const char **why)
{
	static const char accept[] = "accept mail to <";
	const char *rule, *open;
	size_t ql, n;
	const char *text;

	(void)tag;
	(void)taglen;
	if (!enabled)
		return INPUT_OK;
	ql = input_queue_id_len(p, len);
	if (ql == 0)
		return INPUT_OK; /* start-up and error lines */
	text = p + ql + 2;
	n = len - ql - 2;
	if (!str_starts_with(text, n, accept)) {
		if (str_is_cut_prefix(text, n, accept)) {
			*why = "pmg-smtp-filter line cut short";
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	rule = str_find_last(text, n, " (rule: ");
	if (rule == NULL || rule == text || rule[-1] != ')') {
		*why = "pmg-smtp-filter accept line cut short or of unexpected form";
		return INPUT_MALFORMED;
	}
	open = str_rchr(text, (size_t)(rule - 1 - text), '(');
	if (open == NULL || id_len(open + 1, (size_t)(rule - 1 - (open + 1))) == 0) {
		*why = "pmg-smtp-filter accept line of unexpected form";
		return INPUT_MALFORMED;
	}
	ev->kind = IN_SPAM;
	ev->spam = SPAM_UNKNOWN;
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	ev->alias.p = open + 1;
	ev->alias.len = (size_t)(rule - 1 - (open + 1));
	return INPUT_OK;
}

enum input_status input_pmg_lmtp(const char *p, size_t len, struct input_event *ev,
                                 const char **why)
{
	static const char ok[] = "status=sent (250 2.5.0 OK (";
	const size_t okl = sizeof(ok) - 1;
	const char *open;
	size_t ql, il;

	if (!enabled)
		return INPUT_OK;
	/* "QID1: to=<...>, ..., status=sent (250 2.5.0 OK (LOGID))" */
	if (len < 2 || p[len - 1] != ')' || p[len - 2] != ')')
		return INPUT_OK;
	open = str_rchr(p, len - 2, '(');
	if (open == NULL || (size_t)(open + 1 - p) < okl ||
	    memcmp(open + 1 - okl, ok, okl) != 0)
		return INPUT_OK; /* another reply: a final delivery, a BLOCKED */
	il = id_len(open + 1, (size_t)(p + len - 2 - (open + 1)));
	ql = input_queue_id_len(p, len);
	if (il == 0 || ql == 0) {
		*why = "Postfix lmtp line to PMG's filter of unexpected form";
		return INPUT_MALFORMED;
	}
	ev->kind = IN_SPAM;
	ev->spam = SPAM_UNKNOWN;
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	ev->alias.p = open + 1;
	ev->alias.len = il;
	return INPUT_OK;
}
