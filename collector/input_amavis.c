/*
 * input_amavis - amavisd-new's main log entry, read from syslog.
 *
 * Its default $log_templ writes one line per message (per recipient group):
 *
 *   (12345-01) Passed CLEAN {RelayedInbound}, [192.0.2.10]:54321 [192.0.2.10]
 *   <a@example.com> -> <b@example.jp>, Queue-ID: 4F1A2B3C4D, Message-ID: <..>,
 *   mail_id: AbCdEfGh1234, Hits: -1.9, size: 2345, queued_as: 5B6C7D8E9F, 1234 ms
 *
 * "(LOGID) DISPOSITION CATEGORY[ (detail)][ {actions}], ...": disposition
 * Passed or Blocked, category the message's major contents category.
 * Queue-ID is the MTA's queue ID of the message amavis was given (Postfix
 * passes it with XFORWARD, amavisd-milter as the job ID); a line without it
 * cannot be joined and is IN_OTHER. The first ", Queue-ID: " of the line is
 * taken: it stands before Message-ID and every other field a sender writes.
 * Only the envelope addresses come earlier; a sender who writes
 * ", Queue-ID: X," into a quoted local part can have its own message's
 * verdict joined to another queue ID of the same host, which moves one
 * message's spam verdict and nothing else.
 *
 * Verdict by category (amavisd-new ranks them INFECTED > BANNED > UNCHECKED
 * > SPAM > SPAMMY > BAD-HEADER > OVERSIZED > MTA-BLOCKED > CLEAN and logs the
 * highest that applies):
 *   SPAM, SPAMMY (Passed or Blocked)      spam
 *   CLEAN, BAD-HEADER[-n]                 ham: spam checked, ranked below spam
 *   INFECTED, BANNED, UNCHECKED[-...],    no verdict (IN_OTHER): the category
 *   OVERSIZED, MTA-BLOCKED, others        hides or skipped the spam check, so
 *                                         the configured default applies
 *
 * amavis as Postfix's content_filter gives a passed message back to Postfix,
 * which queues it again under a new queue ID: "queued_as: NEWID". That is
 * the event's alias (messages.c counts the two queue IDs as one message);
 * the event is IN_SPAM even without a verdict, so that the two still meet.
 * Only "Passed" lines give one (a blocked message is not re-injected), and
 * the last ", queued_as: " of the line is taken: with amavis as a content
 * filter, every passed message has a real one, and it stands after every
 * field a sender writes (Message-ID comes before it; only amavis's own
 * fields, DKIM domains and the time follow), so a Message-ID that spells
 * ", queued_as: X" cannot name another message of the host. With amavis as
 * a milter no real one is logged and a spelt one would be last: so the
 * alias is used only when the configuration says amavis is Postfix's
 * content_filter (amavis_content_filter, messages.c).
 *
 * What amavis did with the message is the first word of "{ACTIONS}" after
 * the category ([:actions_performed] of $log_templ, e.g. "{RelayedInbound}",
 * "{DiscardedInbound,Quarantined}"; the word ends with the mail's direction,
 * Inbound, Outbound, Internal, OpenRelay):
 *   Relayed...                    passed on: accepted
 *   Discarded..., NoBounce...,    not delivered (the sender told nothing,
 *   Bounced...                    or a bounce): discarded
 *   Rejected...                   refused to the MTA: rejected
 *   TempFailed...                 refused for now: a deferral
 * and ",Quarantined" among the actions says a copy went to the quarantine.
 * Without actions (older templates) "Passed" is accepted and "Blocked"
 * discarded. The event carries it with INPUT_FATE_FILTER: what it means
 * depends on where amavis sits (messages.c): as a milter the MTA's own line
 * (milter-reject, milter-discard) decides and amavis's counts only without
 * one; as a content_filter the MTA had accepted the message, and a blocked
 * one is held if quarantined, else discarded. The actions come after the
 * category's detail, which for BANNED names the sender's attachment: a
 * sender who writes "{RelayedInbound}" into a file name moves its own
 * message's fate and nothing else. Every Passed or Blocked line with a
 * Queue-ID is an IN_SPAM event, with or without a verdict.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

static int is_cat_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* SPAM_SPAM, SPAM_HAM, or SPAM_UNKNOWN for a category that gives no verdict. */
static enum ar_spam category_verdict(const char *p, size_t len)
{
	if ((len == 4 && memcmp(p, "SPAM", 4) == 0) || (len == 6 && memcmp(p, "SPAMMY", 6) == 0))
		return SPAM_SPAM;
	if ((len == 5 && memcmp(p, "CLEAN", 5) == 0) || str_starts_with(p, len, "BAD-HEADER"))
		return SPAM_HAM;
	return SPAM_UNKNOWN;
}

/*
 * The fate from "{ACTIONS}" in p[0..len) (what follows the category, up to
 * the Queue-ID field), or from the disposition without them; see above.
 */
static void actions_fate(const char *p, size_t len, int passed, struct input_event *ev)
{
	static const struct {
		const char *word;
		enum ar_fate fate;
		unsigned flags;
	} actions[] = {
		{ "Relayed", FATE_ACCEPTED, 0u },     { "Discarded", FATE_DISCARDED, 0u },
		{ "NoBounce", FATE_DISCARDED, 0u },   { "Bounced", FATE_DISCARDED, 0u },
		{ "Rejected", FATE_REJECTED, 0u },
		{ "TempFailed", FATE_REJECTED, INPUT_FATE_TEMPORARY },
	};
	const char *open = str_find(p, len, " {"), *close = NULL;
	size_t i, n = 0;

	ev->fate = passed ? FATE_ACCEPTED : FATE_DISCARDED;
	ev->fate_flags = INPUT_FATE_FILTER;
	if (open == NULL)
		return;
	open += 2;
	/* A list of a few words: bounded, so a long detail is not searched. */
	for (i = 0; open + i < p + len && i < 96; i++) {
		if (open[i] == '}') {
			close = open + i;
			break;
		}
	}
	if (close == NULL)
		return;
	n = (size_t)(close - open);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (str_starts_with(open, n, actions[i].word)) {
			ev->fate = actions[i].fate;
			ev->fate_flags |= actions[i].flags;
			break;
		}
	}
	if (str_find(open, n, ",Quarantined") != NULL)
		ev->fate_flags |= INPUT_FATE_QUARANTINED;
}

enum input_status input_amavis_message(const char *tag, size_t taglen, const char *p,
                                       size_t len, struct input_event *ev, const char **why)
{
	static const char qid_field[] = ", Queue-ID: ";
	const char *close, *text, *cat, *q;
	size_t n, cl, ql;
	enum ar_spam verdict;
	int passed;

	(void)tag;
	(void)taglen;
	/* Per-message lines start with the log ID "(PID-NN)"; others are
	 * start-up and warning messages. */
	if (len == 0 || p[0] != '(')
		return INPUT_OK;
	close = memchr(p, ')', len < 64 ? len : 64);
	if (close == NULL) {
		if (memchr(p, ' ', len) == NULL) {
			*why = "amavis line cut short";
			return INPUT_MALFORMED;
		}
		return INPUT_OK; /* "(!)..." warnings and the like */
	}
	text = close + 1;
	n = len - (size_t)(text - p);
	if (n == 0 || str_is_cut_prefix(text, n, " Passed ") || str_is_cut_prefix(text, n, " Blocked ")) {
		*why = "amavis line cut short";
		return INPUT_MALFORMED;
	}
	passed = str_starts_with(text, n, " Passed ");
	if (passed)
		cat = text + 8;
	else if (str_starts_with(text, n, " Blocked "))
		cat = text + 9;
	else
		return INPUT_OK; /* FWD, ESMTP, p.path and other per-message lines */
	n = len - (size_t)(cat - p);
	for (cl = 0; cl < n && is_cat_char(cat[cl]); cl++)
		;
	if (cl == n) {
		*why = "amavis line cut short";
		return INPUT_MALFORMED;
	}
	/* Old templates wrote "Passed, <...>" without a category. */
	if (cl == 0 || (cat[cl] != ' ' && cat[cl] != ','))
		return INPUT_OK;
	verdict = category_verdict(cat, cl);
	q = str_find(cat + cl, n - cl, qid_field);
	if (q == NULL)
		return INPUT_OK;
	q += sizeof(qid_field) - 1;
	n = len - (size_t)(q - p);
	for (ql = 0; ql < n && ql <= 32 && str_is_alnum(q[ql]); ql++)
		;
	if (ql == n) {
		*why = "amavis line cut short";
		return INPUT_MALFORMED;
	}
	if (ql < 5 || ql > 32 || q[ql] != ',') {
		*why = "amavis Queue-ID of unexpected form";
		return INPUT_MALFORMED;
	}
	{
		static const char qas_field[] = ", queued_as: ";
		const char *rest = q + ql, *a = str_find_last(rest, len - (size_t)(rest - p), qas_field);
		size_t al = 0, an;

		if (a != NULL && passed) {
			a += sizeof(qas_field) - 1;
			an = len - (size_t)(a - p);
			for (al = 0; al < an && al <= 32 && str_is_alnum(a[al]); al++)
				;
			/* One queue ID, ended by ',' or the line; anything else
			 * (several, or a form we do not know) links nothing. */
			if (al >= 5 && al <= 32 && (al == an || a[al] == ',')) {
				ev->alias.p = a;
				ev->alias.len = al;
			}
		}
	}
	actions_fate(cat + cl, (size_t)(q - cat) - cl, passed, ev);
	ev->kind = IN_SPAM;
	ev->queue_id.p = q;
	ev->queue_id.len = ql;
	ev->spam = verdict;
	return INPUT_OK;
}
