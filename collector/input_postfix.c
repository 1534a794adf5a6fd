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
		/* Only "QID: removed" counts, and most qmgr lines are others: look at
		 * the end of the line before reading a queue ID. */
		static const char removed[] = ": removed";
		const size_t rl = sizeof(removed) - 1;

		if (len > rl && memcmp(p + len - rl, removed, rl) == 0 &&
		    input_queue_id_len(p, len) == len - rl) {
			ev->kind = IN_DONE;
			ev->queue_id.p = p;
			ev->queue_id.len = len - rl;
		}
	}
	return INPUT_OK;
}
