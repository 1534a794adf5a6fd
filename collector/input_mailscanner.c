/*
 * input_mailscanner - MailScanner's per-message spam verdict in syslog (tag
 * "MailScanner": the ident is the name of its configuration file,
 * MailScanner.conf), written when "Log Spam" / "Log Non Spam" are on.
 *
 * Message.pm's IsSpam() logs
 *
 *   Message ID from IP (SENDER) to DOMAINS is REPORT
 *
 * REPORT being the spam report with blanks squeezed: "spam, SpamAssassin
 * (...)" or "not spam, SpamAssassin (...)" ($LocalSpamText and
 * $LocalNotSpamText, the English "spam" and "not spam" of languages.conf),
 * "spam (blacklisted)", "not spam (whitelisted), ...", and with "Use
 * SpamAssassin = no" the RBL names alone (no verdict word: not read).
 * "... is too big for spam checks (N > M bytes)" and "Message ID from IP
 * (SENDER) is whitelisted" give no verdict. Other languages' words are not
 * known and give none.
 *
 * ID is MailScanner's name of the message: with Postfix the queue ID of
 * the held message and "." and five hex digits ("6773D15E4E9.A3F46"), with
 * Exim and sendmail their message ID. The part before "." is the queue ID
 * of the join; the message MailScanner queues again ("Requeue: ID to QID")
 * bypasses cleanup, so Postfix logs no message-id or header line of it and
 * it is not counted a second time.
 *
 * With Postfix, PFDiskStore.pm's WriteQueue logs, once the batch is
 * scanned and the message is written back to Postfix's incoming queue,
 *
 *   Requeue: ID to QID
 *
 * (InfoLog("Requeue: %s to %s", id, new queue file name), the same form at
 * every hash directory depth). It is the end of the held copy (Postfix logs
 * no "removed" for it: MailScanner renames the file away) and MailScanner
 * releasing it to delivery: IN_DONE, accepted, INPUT_FATE_RELEASED, which
 * turns the held fate of Postfix's "hold:" line (MailScanner's header_checks
 * HOLD) into accepted. A message MailScanner deletes or quarantines is never
 * queued again and stays held.
 *
 * SENDER is the envelope sender, which the sender chooses and which may
 * hold ") to x is spam": the verdict taken follows the last ") to DOMAINS
 * is " (DOMAINS without blanks), as the report after the real one holds no
 * ") to " (rule names and scores, RBL names, "(whitelisted)").
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

static const char message[] = "Message ";
static const char requeue[] = "Requeue: ";
static const char requeue_cut[] = "MailScanner requeue line cut short";

/*
 * The queue ID of MailScanner's message name id[0..idl): all of an Exim or
 * sendmail ID, Postfix's before ".". Return its length, or 0 if the name
 * has another form.
 */
static size_t name_queue_id(const char *id, size_t idl)
{
	size_t ql;

	for (ql = 0; ql < idl && id[ql] != '.'; ql++) {
		if (!str_is_alnum(id[ql]) && id[ql] != '-')
			break;
	}
	if ((ql < idl && id[ql] != '.') || ql < 5 || ql > 32)
		return 0;
	return ql;
}

/* "Requeue: ID to QID" (p, len after "Requeue: "): see the top. */
static enum input_status requeue_line(const char *p, size_t len, struct input_event *ev,
                                      const char **why)
{
	const char *end = p + len, *q, *nq;
	size_t idl, ql, nl;

	for (idl = 0; idl < len && p[idl] != ' '; idl++)
		;
	q = p + idl;
	if (idl == 0 || !str_starts_with(q, (size_t)(end - q), " to ")) {
		*why = idl == 0 || q == end || str_is_cut_prefix(q, (size_t)(end - q), " to ")
		               ? requeue_cut
		               : "MailScanner requeue line of unexpected form";
		return INPUT_MALFORMED;
	}
	nq = q + 4;
	nl = (size_t)(end - nq);
	if (nl == 0) {
		*why = requeue_cut;
		return INPUT_MALFORMED;
	}
	/* The new queue file's name is Postfix's queue ID: nothing else. */
	for (q = nq; q < end && str_is_alnum(*q); q++)
		;
	ql = name_queue_id(p, idl);
	if (q != end || nl < 5 || nl > 32 || ql == 0) {
		*why = "MailScanner requeue line of unexpected form";
		return INPUT_MALFORMED;
	}
	ev->kind = IN_DONE;
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	ev->fate = FATE_ACCEPTED;
	ev->fate_flags = INPUT_FATE_RELEASED;
	return INPUT_OK;
}

/* The verdict a REPORT starts with, or SPAM_UNKNOWN. */
static enum ar_spam report_verdict(const char *r, size_t n)
{
	static const char notspam[] = "not spam", spam[] = "spam";

	/* "spam" alone, or followed by its punctuation: not "spamhaus-ZEN". */
	if (str_starts_with(r, n, notspam) &&
	    (n == sizeof(notspam) - 1 || r[sizeof(notspam) - 1] == ',' ||
	     r[sizeof(notspam) - 1] == ' '))
		return SPAM_HAM;
	if (str_starts_with(r, n, spam) &&
	    (n == sizeof(spam) - 1 || r[sizeof(spam) - 1] == ',' || r[sizeof(spam) - 1] == ' '))
		return SPAM_SPAM;
	return SPAM_UNKNOWN;
}

enum input_status input_mailscanner_message(const char *tag, size_t taglen, const char *p,
                                            size_t len, struct input_event *ev,
                                            const char **why)
{
	static const char cut[] = "MailScanner verdict line cut short";
	const char *end = p + len, *q, *to, *id, *verdict;
	size_t idl, ql, n;

	(void)tag;
	(void)taglen;
	if (str_starts_with(p, len, requeue))
		return requeue_line(p + sizeof(requeue) - 1, len - (sizeof(requeue) - 1), ev, why);
	if (!str_starts_with(p, len, message)) {
		if (str_is_cut_prefix(p, len, requeue)) {
			*why = requeue_cut;
			return INPUT_MALFORMED;
		}
		if (str_is_cut_prefix(p, len, message)) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	id = p + sizeof(message) - 1;
	for (idl = 0; id + idl < end && id[idl] != ' ' && idl <= 64; idl++)
		;
	/* "Message ID from ": other "Message ..." lines (e.g. "Message ID
	 * had bad watermark") are not verdicts. */
	q = id + idl;
	if (q == end) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (!str_starts_with(q, (size_t)(end - q), " from ")) {
		if (str_is_cut_prefix(q, (size_t)(end - q), " from ")) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	/* The last ") to DOMAINS is " after " from IP (": what follows the
	 * real one is MailScanner's report, which holds none. */
	verdict = NULL;
	q = str_find(q, (size_t)(end - q), " (");
	to = q != NULL ? str_find_last(q, (size_t)(end - q), ") to ") : NULL;
	if (to != NULL) {
		const char *d = to + 5;

		while (d < end && *d != ' ')
			d++;
		if (d > to + 5 && str_starts_with(d, (size_t)(end - d), " is "))
			verdict = d + 4;
	}
	if (verdict == NULL) {
		/* "is whitelisted" lines have no " to "; a verdict line always
		 * has: one without is cut short. */
		if (str_find(p, len, ") is ") != NULL)
			return INPUT_OK;
		*why = cut;
		return INPUT_MALFORMED;
	}
	q = verdict;
	n = (size_t)(end - q);
	ev->spam = report_verdict(q, n);
	if (ev->spam == SPAM_UNKNOWN) {
		/* A report cut inside its first word cannot be told. */
		if (n == 0 || str_is_cut_prefix(q, n, "not spam") || str_is_cut_prefix(q, n, "spam")) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	ql = name_queue_id(id, idl);
	if (ql == 0) {
		*why = "MailScanner message ID of unexpected form";
		return INPUT_MALFORMED;
	}
	ev->kind = IN_SPAM;
	ev->queue_id.p = id;
	ev->queue_id.len = ql;
	return INPUT_OK;
}
