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
 * SENDER is the envelope sender, which the sender chooses and which may
 * hold ") to x is spam": the verdict taken follows the last ") to DOMAINS
 * is " (DOMAINS without blanks), as the report after the real one holds no
 * ") to " (rule names and scores, RBL names, "(whitelisted)").
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

static const char message[] = "Message ";

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
	if (!str_starts_with(p, len, message)) {
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
	/* The queue ID: all of an Exim or sendmail ID, Postfix's before ".". */
	for (ql = 0; ql < idl && id[ql] != '.'; ql++) {
		if (!str_is_alnum(id[ql]) && id[ql] != '-')
			break;
	}
	if ((ql < idl && id[ql] != '.') || ql < 5 || ql > 32) {
		*why = "MailScanner message ID of unexpected form";
		return INPUT_MALFORMED;
	}
	ev->kind = IN_SPAM;
	ev->queue_id.p = id;
	ev->queue_id.len = ql;
	return INPUT_OK;
}
