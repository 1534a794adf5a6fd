/*
 * input_exim - Exim's main log (format "exim"), or Exim's lines in syslog
 * (tag "exim").
 *
 *   STAMP [[PID] ]MSGID TEXT     a line about one message
 *   STAMP [[PID] ]TEXT           connections, rejections, queue runs: IN_OTHER
 *
 * STAMP is "2026-11-22 10:00:00", with ".123" (log_selector +millisec) and
 * " +0900" (log_timezone) when configured; "[PID] " comes with +pid. MSGID
 * is the message ID in the 16-character form "1abcDE-000123-AB" (time, pid,
 * fraction in base 62) or the 23-character form of Exim 4.97 and later,
 * "1abcDE-00000000012-ABCD"; it is the queue ID of the join.
 *
 *   MSGID <= sender ...          arrival                        IN_MSGID
 *   MSGID Completed[ QT=...]     the message left the queue     IN_DONE
 *   MSGID ar: NAME: VALUE        a header, logged by the ACL    IN_HEADER
 *
 * The "ar:" line is this project's convention, since Exim itself logs no
 * header: in acl_smtp_data
 *
 *   warn logwrite = :main: ar: ${authresults{$primary_hostname}}
 *   warn spam     = nobody:true
 *        logwrite = :main: ar: X-Spam-Flag: ${if >{$spam_score_int}{50}{YES}{NO}}
 *
 * ${authresults{ID}} expands to "Authentication-Results: ID;\n\tspf=...",
 * and Exim writes the line breaks and tabs of a log line as the two
 * characters "\n" and "\t" (string_printing()), so the value is passed on
 * with value_escaped = 1. Exim does not cut logged lines as Postfix does,
 * so value_truncated is 0. The ACL runs before the message is accepted, so
 * these lines come before its "<=" line.
 *
 * The main log has no host column: ev->host is empty, and the collector
 * gives such events the host name configured for the input.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

/*
 * Length of an Exim message ID at p (16 or 23), followed by a blank or the
 * end; 0 if p does not start with one. *cut is set if p[0..len) is all of
 * it a proper prefix of an ID: a line cut inside the ID.
 */
static size_t msgid_len(const char *p, size_t len, int *cut)
{
	/* Field lengths of the two forms. */
	static const size_t forms[2][3] = { { 6, 6, 2 }, { 6, 11, 4 } };
	size_t f;

	*cut = 0;
	for (f = 0; f < 2; f++) {
		size_t i = 0, k, j;
		int ok = 1;

		for (k = 0; k < 3 && ok; k++) {
			for (j = 0; j < forms[f][k]; j++, i++) {
				if (i == len) {
					*cut = 1;
					ok = 0;
					break;
				}
				if (!str_is_alnum(p[i])) {
					ok = 0;
					break;
				}
			}
			if (!ok)
				break;
			if (k < 2) {
				if (i == len) {
					*cut = 1;
					ok = 0;
				} else if (p[i] != '-') {
					ok = 0;
				} else {
					i++;
				}
			}
		}
		if (ok && (i == len || p[i] == ' '))
			return i;
	}
	return 0;
}

/* The text of a line after the stamp and the optional "[PID] ". */
static enum input_status parse_text(const char *p, size_t len, struct input_event *ev,
                                    const char **why)
{
	static const char ar[] = "ar: ";
	size_t ml, n;
	const char *text, *colon;
	int cut;

	if (len > 0 && p[0] == '[') {
		size_t i;

		for (i = 1; i < len && i < 12 && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i + 1 < len && i > 1 && p[i] == ']' && p[i + 1] == ' ') {
			p += i + 2;
			len -= i + 2;
		}
	}
	if (len == 0) {
		*why = "Exim line without text after the timestamp";
		return INPUT_MALFORMED;
	}
	ml = msgid_len(p, len, &cut);
	if (ml == 0) {
		/* Lines about no message start with words ("SMTP", "H=",
		 * "Start"); a lone token that is all of an ID's beginning is a
		 * line cut short. */
		if (cut) {
			*why = "Exim line cut short";
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	if (ml == len) {
		*why = "Exim line cut short";
		return INPUT_MALFORMED;
	}
	ev->queue_id.p = p;
	ev->queue_id.len = ml;
	text = p + ml + 1;
	n = len - ml - 1;
	if (n == 0 || str_is_cut_prefix(text, n, "<= ") || str_is_cut_prefix(text, n, "Completed") ||
	    str_is_cut_prefix(text, n, ar)) {
		*why = "Exim line cut short";
		return INPUT_MALFORMED;
	}
	if (n >= 3 && memcmp(text, "<= ", 3) == 0) {
		ev->kind = IN_MSGID;
		return INPUT_OK;
	}
	if (n >= 9 && memcmp(text, "Completed", 9) == 0 && (n == 9 || text[9] == ' ')) {
		ev->kind = IN_DONE;
		return INPUT_OK;
	}
	if (n < sizeof(ar) - 1 || memcmp(text, ar, sizeof(ar) - 1) != 0)
		return INPUT_OK;
	text += sizeof(ar) - 1;
	n -= sizeof(ar) - 1;
	colon = memchr(text, ':', n);
	if (colon == NULL || colon == text || memchr(text, ' ', (size_t)(colon - text)) != NULL) {
		*why = "Exim logwrite header line without a header name";
		return INPUT_MALFORMED;
	}
	input_header_event(ev, text, n);
	ev->value_truncated = 0;
	ev->value_escaped = 1;
	return INPUT_OK;
}

enum input_status input_exim_parse(const char *line, size_t len, struct input_clock *clk,
                                   struct input_event *ev, const char **why)
{
	size_t used;

	memset(ev, 0, sizeof(*ev));
	if (input_time_parse(clk, line, len, &ev->time_ms, &used) < 0) {
		*why = "no timestamp at the start of the line";
		return INPUT_MALFORMED;
	}
	/* No host column: the collector puts in the input's configured host. */
	ev->host.p = line;
	ev->host.len = 0;
	if (used == len || line[used] != ' ') {
		*why = "Exim line without text after the timestamp";
		return INPUT_MALFORMED;
	}
	return parse_text(line + used + 1, len - used - 1, ev, why);
}

enum input_status input_exim_message(const char *tag, size_t taglen, const char *p, size_t len,
                                     struct input_event *ev, const char **why)
{
	(void)tag;
	(void)taglen;
	return parse_text(p, len, ev, why);
}
