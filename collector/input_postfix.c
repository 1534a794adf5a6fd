#include "input.h"

#include <string.h>

#include "strutil.h"

/* Postfix's cleanup_act_log() prints a header with "%.200s": longer text is cut. */
#define POSTFIX_HEADER_LOG_MAX 200

static const char *span_find(const char *p, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i;

	for (i = 0; i + nl <= len; i++) {
		if (memcmp(p + i, needle, nl) == 0)
			return p + i;
	}
	return NULL;
}

/* Read a word up to the next space. */
static size_t word_len(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != ' ')
		i++;
	return i;
}

static int is_queue_id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * A queue ID followed by ": ". Short IDs are upper-case hex; long ones
 * (enable_long_queue_ids) use [0-9A-Za-z]. Returns its length or 0.
 */
static size_t queue_id_len(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && i <= 32 && is_queue_id_char(p[i]))
		i++;
	if (i < 5 || i > 32 || i + 1 >= len || p[i] != ':' || p[i + 1] != ' ')
		return 0;
	return i;
}

/*
 * cleanup_act_log() writes "QID: info: header TEXT from CLIENT;" and then
 * optional " from=<...>", " to=<...>", " proto=...", " helo=<...>". Find the
 * " from CLIENT;" that ends the header text: the last one whose CLIENT has
 * no blank and no ';' (scanning from the end keeps a " from " inside the
 * header itself from ending it early).
 */
static const char *header_text_end(const char *p, size_t len)
{
	size_t i = len;

	while (i-- > 0) {
		size_t j;

		if (i + 6 > len || memcmp(p + i, " from ", 6) != 0)
			continue;
		for (j = i + 6; j < len && p[j] != ' ' && p[j] != ';'; j++)
			;
		if (j > i + 6 && j < len && p[j] == ';')
			return p + i;
	}
	return NULL;
}

static enum input_status parse_cleanup(const char *p, size_t len, struct input_event *ev,
                                       const char **why)
{
	static const char info[] = "info: header ";
	static const char msgid[] = "message-id=";
	size_t ql = queue_id_len(p, len), tl;
	const char *text, *end, *colon;

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
	colon = memchr(text, ':', tl);
	if (colon == NULL || colon == text) {
		*why = "header_checks line without a header name";
		return INPUT_MALFORMED;
	}
	ev->kind = IN_HEADER;
	ev->name.p = text;
	ev->name.len = (size_t)(colon - text);
	ev->value.p = colon + 1;
	ev->value.len = tl - ev->name.len - 1;
	while (ev->value.len > 0 && (ev->value.p[0] == ' ' || ev->value.p[0] == '\t')) {
		ev->value.p++;
		ev->value.len--;
	}
	/* Exactly the limit means Postfix may have cut it; the caller then
	 * drops what may be incomplete instead of misreading it. */
	ev->value_truncated = tl >= POSTFIX_HEADER_LOG_MAX;
	return INPUT_OK;
}

enum input_status input_postfix_parse(const char *line, size_t len, struct input_clock *clk,
                                      struct input_event *ev, const char **why)
{
	size_t used, wl;
	const char *p = line, *prog;

	memset(ev, 0, sizeof(*ev));
	if (input_time_parse(clk, p, len, &ev->time_ms, &used) < 0) {
		*why = "no timestamp at the start of the line";
		return INPUT_MALFORMED;
	}
	p += used;
	len -= used;
	if (len < 2 || p[0] != ' ') {
		*why = "no host name after the timestamp";
		return INPUT_MALFORMED;
	}
	p++;
	len--;
	wl = word_len(p, len);
	if (wl == 0 || wl == len) {
		*why = "no program after the host name";
		return INPUT_MALFORMED;
	}
	if (wl > INPUT_HOST_MAX) {
		*why = "host name longer than 255 bytes";
		return INPUT_MALFORMED;
	}
	ev->host.p = p;
	ev->host.len = wl;
	p += wl + 1;
	len -= wl + 1;
	/* "postfix/cleanup[123]: " or a multi-instance "postfix-out/cleanup[123]: ". */
	prog = p;
	wl = word_len(p, len);
	if (wl < 2 || prog[wl - 1] != ':') {
		ev->kind = IN_OTHER; /* a syslog line without a tag: not ours, not broken */
		return INPUT_OK;
	}
	p += wl;
	len -= wl;
	if (len > 0) {
		p++;
		len--;
	}
	if (span_find(prog, wl, "/cleanup[") != NULL && str_eq_nocase(prog, 7, "postfix"))
		return parse_cleanup(p, len, ev, why);
	if (span_find(prog, wl, "/qmgr[") != NULL && str_eq_nocase(prog, 7, "postfix")) {
		size_t ql = queue_id_len(p, len);

		if (ql > 0 && len - ql - 2 == 7 && memcmp(p + ql + 2, "removed", 7) == 0) {
			ev->kind = IN_DONE;
			ev->queue_id.p = p;
			ev->queue_id.len = ql;
		}
	}
	return INPUT_OK;
}
