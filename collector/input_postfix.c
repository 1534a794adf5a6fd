#include "input.h"

#include <string.h>

#include "strutil.h"

/* Postfix's cleanup_act_log() prints a header with "%.200s": longer text is cut. */
#define POSTFIX_HEADER_LOG_MAX 200

/*
 * cleanup_act_log() writes "QID: info: header TEXT from CLIENT;" and then
 * optional " from=<...>", " to=<...>", " proto=...", " helo=<...>". Find the
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

static enum input_status parse_cleanup(const char *p, size_t len, struct input_event *ev,
                                       const char **why)
{
	static const char info[] = "info: header ";
	static const char msgid[] = "message-id=";
	size_t ql = input_queue_id_len(p, len), tl;
	const char *text, *end;

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
	/* A line cut inside the words that introduce what we read. */
	if ((len < sizeof(info) - 1 && memcmp(p, info, len) == 0) ||
	    (len < sizeof(msgid) - 1 && memcmp(p, msgid, len) == 0)) {
		*why = "cleanup line cut short";
		return INPUT_MALFORMED;
	}
	if (len >= sizeof(msgid) - 1 && memcmp(p, msgid, sizeof(msgid) - 1) == 0) {
		ev->kind = IN_MSGID;
		return INPUT_OK;
	}
	if (len < sizeof(info) - 1 || memcmp(p, info, sizeof(info) - 1) != 0)
		return INPUT_OK;
	text = p + sizeof(info) - 1;
	end = header_text_end(text, len - (size_t)(text - p));
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
