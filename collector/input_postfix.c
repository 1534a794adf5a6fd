#include "input.h"

#include <string.h>

#include "strutil.h"

/* Postfix's cleanup_act_log() prints a header with "%.200s": longer text is cut. */
#define POSTFIX_HEADER_LOG_MAX 200

/*
 * cleanup_act_log() and cleanup_milter_hbc_log() write "QID: ROUTE TEXT from
 * CLIENT;" and then optional " from=<...>", " to=<...>", " proto=...",
 * " helo=<...>", and ": OPTIONAL TEXT" when the action has one. Find the
 * " from CLIENT;" that ends the header text: the last one whose CLIENT has
 * no blank and no ';' (scanning from the end keeps a " from " inside the
 * header itself from ending it early).
 */
static const char *header_text_end(const char *p, size_t len)
{
	const char *q = p + len;

	/* Walk back over the ';'s only: each may end " from CLIENT". */
	while (q > p) {
		const char *semi = str_rchr(p, (size_t)(q - p), ';'), *sp;

		if (semi == NULL)
			break;
		/* CLIENT is what follows the last blank before the ';', and must
		 * hold no ';' of its own (then the ';' before it is the end). */
		sp = str_rchr(p, (size_t)(semi - p), ' ');
		if (sp != NULL && sp + 1 < semi && sp - p >= 5 &&
		    memchr(sp + 1, ';', (size_t)(semi - sp - 1)) == NULL &&
		    memcmp(sp - 5, " from ", 6) == 0)
			return sp - 5;
		q = semi;
	}
	return NULL;
}

/*
 * The words before a header's text in the cleanup lines that log one, from
 * Postfix's source: cleanup_act_log() (cleanup/cleanup_message.c) writes
 * "ACTION: header TEXT" for header_checks, and also for mime_header_checks
 * and nested_header_checks, which the line cannot tell apart;
 * cleanup_milter_hbc_log() (cleanup/cleanup_milter.c) writes
 * "milter-header-ACTION: header TEXT" for milter_header_checks, the headers
 * that milters add. The actions that leave the header in the message and
 * log it: INFO ("info") and WARN ("warning"). "ACTION: body TEXT" is a body
 * line (body_checks), content anyone can write, and never read as a header.
 */
static const struct {
	const char *words;
	size_t len;
} header_routes[] = {
	{ "info: header ", 13 },
	{ "warning: header ", 16 },
	{ "milter-header-info: header ", 27 },
	{ "milter-header-warning: header ", 30 },
};

/*
 * The length of the route words p starts with (0 if none), or -1 if p[0..len)
 * is a line cut inside them.
 */
static int header_route(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(header_routes) / sizeof(header_routes[0]); i++) {
		size_t wl = header_routes[i].len;

		if (len >= wl) {
			if (memcmp(p, header_routes[i].words, wl) == 0)
				return (int)wl;
		} else if (memcmp(p, header_routes[i].words, len) == 0) {
			return -1;
		}
	}
	return 0;
}

/*
 * What the lines about a message's fate say, from Postfix's source:
 *
 * cleanup (postfix/cleanup), the message's content:
 *   "QID: reject: CONTEXT TEXT from ORIGIN;...: REASON"    cleanup_act_log() for
 *     header_checks, body_checks and their mime/nested forms (CONTEXT header,
 *     body or content), REASON the DSN text "5.7.1 ..." ("4.x.x ..." when
 *     the operator gave one: the message is deferred, not refused); also
 *     "QID: reject: mime-error ..." (strict MIME checks). Processing stops:
 *     the message is done.
 *   "QID: discard: CONTEXT ...", "QID: hold: CONTEXT ..."  the same actions
 *     DISCARD and HOLD; the message goes on (more headers are logged).
 *   "QID: milter-header-ACTION: header ..." and "milter-body-ACTION: body ..."
 *     (cleanup_milter_hbc_log(), milter_header_checks): the same three.
 *   "QID: milter-ACTION: EVENT from NAME[ADDR]: TEXT;..." (cleanup_milter_apply(),
 *     a milter's reply at END-OF-MESSAGE, or at an emulated SMTP event for
 *     mail not received by smtpd): ACTION reject ("4.x.x" TEXT: deferred),
 *     discard or hold. At END-OF-MESSAGE it is the message's last word.
 *   "QID: removed (canceled)" and "QID: removed (discarded)" (cleanup_flush(),
 *     Postfix 3.10 and later): the queue file of a message not received, or
 *     discarded, is removed.
 * smtpd (postfix/smtpd), log_whatsup() and check_milter_reply():
 *   "QID: ACTION: WHERE from NAME[ADDR]: TEXT;..." with ACTION reject or
 *     milter-reject (only WHERE END-OF-MESSAGE, "DATA content" or "BDAT
 *     content" refuse the message itself: at RCPT one recipient is refused,
 *     and before DATA nothing of the message was logged) and TEXT the reply
 *     ("550 5.7.1 ...", "4xx" deferred), or ACTION discard, hold,
 *     milter-discard, milter-hold, which apply to the whole message at any
 *     stage. "NOQUEUE: ..." lines have no queue ID: no message was started.
 * qmgr (postfix/qmgr), opened() and qmgr_active_done():
 *   "QID: from=<S>, size=N, nrcpt=N (queue active)" - the message was queued:
 *     accepted. "QID: removed" - it left the queue, delivered or bounced: it
 *     had been accepted.
 * A reason or reply that starts with neither '4' nor '5' ("bare <LF>
 * received", whose code is 550 by default) is a refusal.
 */

/* 1 if the reason that ends a cleanup_act_log() line is a deferral: its DSN
 * is the last ": 4.d" or ": 5.d" of the line (what comes after it is the
 * operator's text). */
static int reason_deferred(const char *p, size_t len)
{
	const char *t4 = str_find_last(p, len, ": 4."), *t5;

	if (t4 == NULL)
		return 0;
	t5 = str_find_last(p, len, ": 5.");
	return t5 == NULL || t4 > t5;
}

/* 1 if the reply after "WHERE from NAME[ADDR]: " in p[0..len) is a deferral
 * (starts with '4'). */
static int reply_deferred(const char *p, size_t len)
{
	const char *from = str_find(p, len, " from "), *r;

	if (from == NULL)
		return 0;
	r = str_find(from, len - (size_t)(from - p), "]: ");
	return r != NULL && (size_t)(r + 3 - p) < len && r[3] == '4';
}

/* Set ev to fate f of the message, final (IN_DONE) or not (IN_FATE). */
static enum input_status fate_event(struct input_event *ev, enum ar_fate f, int final,
                                    int deferred)
{
	ev->kind = final ? IN_DONE : IN_FATE;
	ev->fate = f;
	ev->fate_flags = deferred ? INPUT_FATE_TEMPORARY : 0u;
	return INPUT_OK;
}

/* The fate words a line starts with after "QID: ". */
enum fate_word {
	FW_NONE = 0,
	FW_REJECT,
	FW_DISCARD,
	FW_HOLD,
	FW_MILTER_REJECT,
	FW_MILTER_DISCARD,
	FW_MILTER_HOLD,
	FW_HBC_REJECT, /* milter-header-reject:, milter-body-reject: */
	FW_HBC_DISCARD,
	FW_HBC_HOLD,
	FW_REMOVED_CANCELED,
	FW_REMOVED_DISCARDED,
};

static const struct {
	const char *words;
	size_t len;
	enum fate_word w;
} fate_words[] = {
	{ "reject: ", 8, FW_REJECT },
	{ "discard: ", 9, FW_DISCARD },
	{ "hold: ", 6, FW_HOLD },
	{ "milter-reject: ", 15, FW_MILTER_REJECT },
	{ "milter-discard: ", 16, FW_MILTER_DISCARD },
	{ "milter-hold: ", 13, FW_MILTER_HOLD },
	{ "milter-header-reject: ", 22, FW_HBC_REJECT },
	{ "milter-header-discard: ", 23, FW_HBC_DISCARD },
	{ "milter-header-hold: ", 20, FW_HBC_HOLD },
	{ "milter-body-reject: ", 20, FW_HBC_REJECT },
	{ "milter-body-discard: ", 21, FW_HBC_DISCARD },
	{ "milter-body-hold: ", 18, FW_HBC_HOLD },
	/* cleanup's only: the last ones (FATE_WORDS_SMTPD leaves them out). */
	{ "removed (canceled)", 18, FW_REMOVED_CANCELED },
	{ "removed (discarded)", 19, FW_REMOVED_DISCARDED },
};
#define FATE_WORDS_ALL (sizeof(fate_words) / sizeof(fate_words[0]))
#define FATE_WORDS_SMTPD (FATE_WORDS_ALL - 2)

/*
 * The fate word of the first nwords of fate_words[] p[0..len) starts with,
 * *wl its length; FW_NONE if none, or -1 if p[0..len) is a line cut inside
 * one.
 */
static int fate_word(const char *p, size_t len, size_t nwords, size_t *wl)
{
	size_t i;

	/* Every fate word starts with one of these: most lines leave here. */
	if (len == 0 || (p[0] != 'r' && p[0] != 'd' && p[0] != 'h' && p[0] != 'm'))
		return FW_NONE;
	for (i = 0; i < nwords; i++) {
		size_t n = fate_words[i].len;

		if (len >= n) {
			if (memcmp(p, fate_words[i].words, n) == 0) {
				*wl = n;
				return (int)fate_words[i].w;
			}
		} else if (memcmp(p, fate_words[i].words, len) == 0) {
			return -1;
		}
	}
	return FW_NONE;
}

static int starts_end_of_message(const char *p, size_t len)
{
	return str_starts_with(p, len, "END-OF-MESSAGE ");
}

/* A cleanup line about the message's fate, p[0..len) after "QID: "; *done
 * is 0 if the line is not one. */
static enum input_status cleanup_fate(const char *p, size_t len, struct input_event *ev,
                                      const char **why, int *done)
{
	size_t wl = 0;
	int w = fate_word(p, len, FATE_WORDS_ALL, &wl);
	const char *rest = p + wl;
	size_t rl = len - wl;

	*done = 1;
	switch (w) {
	case -1:
		*why = "cleanup line cut short";
		return INPUT_MALFORMED;
	case FW_REJECT:
	case FW_HBC_REJECT:
		return fate_event(ev, FATE_REJECTED, 1, reason_deferred(rest, rl));
	case FW_DISCARD:
	case FW_HBC_DISCARD:
		return fate_event(ev, FATE_DISCARDED, 0, 0);
	case FW_HOLD:
	case FW_HBC_HOLD:
		return fate_event(ev, FATE_HELD, 0, 0);
	case FW_MILTER_REJECT:
		return fate_event(ev, FATE_REJECTED, starts_end_of_message(rest, rl),
		                  reply_deferred(rest, rl));
	case FW_MILTER_DISCARD:
		return fate_event(ev, FATE_DISCARDED, starts_end_of_message(rest, rl), 0);
	case FW_MILTER_HOLD:
		return fate_event(ev, FATE_HELD, starts_end_of_message(rest, rl), 0);
	case FW_REMOVED_CANCELED:
		/* Not received: refused (a reject line said so before) or a
		 * transaction the client did not finish. */
		if (rl != 0)
			break;
		return fate_event(ev, FATE_UNKNOWN, 1, 1);
	case FW_REMOVED_DISCARDED:
		if (rl != 0)
			break;
		return fate_event(ev, FATE_DISCARDED, 1, 0);
	default:
		break;
	}
	*done = 0;
	return INPUT_OK;
}

/*
 * smtpd's line p[0..len): only "QID: ACTION: ..." with a fate word counts.
 * Most smtpd lines ("connect from", "QID: client=", "NOQUEUE: reject: RCPT")
 * leave at the first bytes after the queue ID.
 */
static enum input_status parse_smtpd(const char *p, size_t len, struct input_event *ev,
                                     const char **why)
{
	const char *colon = memchr(p, ':', len < 34 ? len : 34), *rest;
	size_t ql, wl = 0, rl;
	int w;

	/* smtpd writes a line or more per SMTP command, and nearly all are
	 * not ours: "connect from", TLS and "disconnect" lines have no ':'
	 * where a queue ID's ends, "QID: client=" has the wrong letter after
	 * it. Look at those bytes before reading a queue ID. */
	if (colon == NULL || (size_t)(colon - p) + 2 >= len || colon[1] != ' ' ||
	    (colon[2] != 'r' && colon[2] != 'm' && colon[2] != 'd' && colon[2] != 'h'))
		return INPUT_OK;
	ql = input_queue_id_len(p, len);
	if (ql == 0 || (ql == 7 && memcmp(p, "NOQUEUE", 7) == 0))
		return INPUT_OK;
	w = fate_word(p + ql + 2, len - ql - 2, FATE_WORDS_SMTPD, &wl);
	if (w == FW_NONE)
		return INPUT_OK;
	if (w < 0) {
		*why = "smtpd line cut short";
		return INPUT_MALFORMED;
	}
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	rest = p + ql + 2 + wl;
	rl = len - ql - 2 - wl;
	switch (w) {
	case FW_REJECT:
	case FW_MILTER_REJECT:
		/* At RCPT one recipient is refused; before DATA nothing of the
		 * message was logged: only a refusal of the content counts. */
		if (!starts_end_of_message(rest, rl) && !str_starts_with(rest, rl, "DATA content ") &&
		    !str_starts_with(rest, rl, "BDAT content "))
			break;
		return fate_event(ev, FATE_REJECTED, 1, reply_deferred(rest, rl));
	case FW_DISCARD:
	case FW_MILTER_DISCARD:
		return fate_event(ev, FATE_DISCARDED, 0, 0);
	case FW_HOLD:
	case FW_MILTER_HOLD:
		return fate_event(ev, FATE_HELD, 0, 0);
	default:
		break;
	}
	ev->queue_id.p = NULL;
	ev->queue_id.len = 0;
	return INPUT_OK;
}

static enum input_status parse_cleanup(const char *p, size_t len, struct input_event *ev,
                                       const char **why)
{
	static const char msgid[] = "message-id=";
	size_t ql = input_queue_id_len(p, len), tl;
	const char *text, *end;
	int rl;

	if (ql == 0) {
		/* Other cleanup messages ("warning: ...") have several words; a
		 * lone word is a line cut short, likely inside a queue ID. */
		if (memchr(p, ' ', len) == NULL) {
			*why = "cleanup line cut short";
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	p += ql + 2;
	len -= ql + 2;
	if (len >= sizeof(msgid) - 1 && memcmp(p, msgid, sizeof(msgid) - 1) == 0) {
		ev->kind = IN_MSGID;
		/* For verdicts that name the message by it (spamd_join). */
		ev->message_id.p = p + sizeof(msgid) - 1;
		ev->message_id.len = len - (sizeof(msgid) - 1);
		return INPUT_OK;
	}
	rl = header_route(p, len);
	if (rl == 0) {
		int done;
		enum input_status st = cleanup_fate(p, len, ev, why, &done);

		if (done)
			return st;
	}
	/* A line cut inside the words that introduce what we read. */
	if (rl < 0 || (len < sizeof(msgid) - 1 && memcmp(p, msgid, len) == 0)) {
		*why = "cleanup line cut short";
		return INPUT_MALFORMED;
	}
	if (rl == 0)
		return INPUT_OK;
	text = p + rl;
	end = header_text_end(text, len - (size_t)rl);
	if (end == NULL) {
		*why = "header_checks line without its \"from CLIENT;\" trailer";
		return INPUT_MALFORMED;
	}
	tl = (size_t)(end - text);
	if (input_header_event(ev, text, tl) < 0) {
		*why = "header_checks line without a header name";
		return INPUT_MALFORMED;
	}
	/* Exactly the limit means Postfix may have cut it; the caller then
	 * drops what may be incomplete instead of misreading it. */
	ev->value_truncated = tl >= POSTFIX_HEADER_LOG_MAX;
	/* msg_output.c writes every byte that is not printable as '?'. */
	ev->value_qq = 1;
	return INPUT_OK;
}

enum input_status input_postfix_message(const char *tag, size_t taglen, const char *p,
                                        size_t len, struct input_event *ev, const char **why)
{
	/* "postfix/cleanup" or a multi-instance "postfix-out/cleanup". A loop
	 * for the '/': the tag is short, and this runs for most lines. */
	const char *slash = tag;
	size_t dl;

	while (slash < tag + taglen && *slash != '/')
		slash++;
	if (slash == tag + taglen)
		return INPUT_OK;
	dl = taglen - (size_t)(slash + 1 - tag);
	if (dl == 7 && memcmp(slash + 1, "cleanup", 7) == 0)
		return parse_cleanup(p, len, ev, why);
	/* Delivery to Proxmox Mail Gateway's filter (pmg_reinjection). */
	if (dl == 4 && memcmp(slash + 1, "lmtp", 4) == 0)
		return input_pmg_lmtp(p, len, ev, why);
	if (dl == 4 && memcmp(slash + 1, "qmgr", 4) == 0) {
		/* Only "QID: removed" and "QID: from=<...>, ... (queue active)"
		 * count, and most qmgr lines are others: look at the end of the
		 * line before reading a queue ID. */
		static const char removed[] = ": removed", active[] = " (queue active)";
		const size_t rl = sizeof(removed) - 1, al = sizeof(active) - 1;
		size_t ql;

		if (len > rl && memcmp(p + len - rl, removed, rl) == 0 &&
		    input_queue_id_len(p, len) == len - rl) {
			ev->kind = IN_DONE;
			ev->fate = FATE_ACCEPTED;
			ev->queue_id.p = p;
			ev->queue_id.len = len - rl;
		} else if (len > al && memcmp(p + len - al, active, al) == 0) {
			ql = input_queue_id_len(p, len);
			if (ql > 0 && str_starts_with(p + ql + 2, len - ql - 2, "from=<")) {
				ev->kind = IN_FATE;
				ev->fate = FATE_ACCEPTED;
				ev->queue_id.p = p;
				ev->queue_id.len = ql;
			}
		}
		return INPUT_OK;
	}
	if (dl == 5 && memcmp(slash + 1, "smtpd", 5) == 0)
		return parse_smtpd(p, len, ev, why);
	return INPUT_OK;
}

enum input_status input_postfix_smtpd(const char *tag, size_t taglen, const char *p, size_t len,
                                      struct input_event *ev, const char **why)
{
	(void)tag;
	(void)taglen;
	return parse_smtpd(p, len, ev, why);
}
