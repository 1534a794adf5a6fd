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
 * header; the word is the setting exim_ar_prefix ("ar:" by default, empty
 * for none: then the text after the message ID is the header). In
 * acl_smtp_data
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
 * Exim's own DKIM verification (log_selector +dkim_verbose): one line per
 * signature, "MSGID DKIM: d=DOMAIN s=SELECTOR c=H/B a=ALG b=BITS[ i=ID]
 * [ t=N][ x=N][ l=N] [RESULT]" (dkim_exim_verify_log_sig(),
 * src/src/miscmods/dkim.c), written while the message is received, so
 * before its "<=" line. Each is IN_RESULT for DKIM; the signatures of a
 * message merge by the outcome rule (one that passes makes DKIM pass).
 * RESULT is mapped as Exim's own ${authresults} (authres_dkim()) maps the
 * same signature, so the two sources agree and merging them counts
 * nothing twice:
 *   verification succeeded                          pass
 *   verification failed - (any reason)              fail
 *   invalid - public key record (currently?) unavailable    temperror
 *   invalid - overlong public key record            permerror
 *   invalid - syntax error in public key record,
 *   invalid - signature tag missing or invalid,
 *   invalid - unsupported DKIM version              neutral
 *   invalid - unspecified problem                   permerror
 *   not verified                                    none
 *   STATUS - REASON (acl_smtp_dkim set $dkim_verify_status, or Exim's
 *     own policy, e.g. "fail - hash too weak")      policy
 * pdkim's "DKIM: d=... s=... [failed key import]" precedes the "invalid"
 * line of the same signature and counts nothing, nor do "DKIM: validation
 * error: ..." and signing errors. The result is the last " [" of the line,
 * which must end with "]": the identity i= before it is the sender's text.
 *
 * SA-Exim (sa-exim.c 4.2, Exim's local_scan running SpamAssassin's spamc)
 * logs its decision as "MSGID SA: Action: ACTION: score=S required=R[
 * trigger=T] (scanned in N/M secs | Message-Id: ID). From <...> ...": IN_SPAM
 * by ACTION, the words sa-exim.c writes before the sender's text:
 *   flagged as Spam but accepted, silently tossed message, permanently
 *   rejected message, teergrubed sender ...                    spam
 *   scanned but message isn't spam                             ham
 *   temporarily rejected message (spam over SAtempreject, or greylisting
 *   of a message that is not spam), SA didn't successfully run, spamd took
 *   more than N secs                                           no verdict
 *
 * The main log has no host column: ev->host is empty, and the collector
 * gives such events the host name configured for the input.
 *
 * Entries of several lines. log_write() (src/src/log.c) writes an entry as
 * built, with the line breaks of its text: log_config_info() ends "Exim
 * configuration error in line N of FILE" with ":\n  ", routers and
 * transports write "%s router:\n  ...", and a format ending "\n" leaves an
 * empty line. In the main log the lines after the first start with a blank
 * or are empty; they continue the entry before them, which they are part
 * of: IN_OTHER at its time (clk->entry_ms). They carry nothing to count,
 * since logwrite passes its text through string_printing(), so a logged
 * header is always one line. Through syslog, write_syslog() sends such an
 * entry, and one longer than MAX_SYSLOG_LEN (870), as pieces
 * "[1\3] TEXT", "[2\3] TEXT", "[3/3] TEXT" ("\" when more follow): the
 * first piece is read as a line whose header is cut short
 * (value_truncated), the others are IN_OTHER.
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

/* exim_ar_prefix, set once at start-up (input_exim_set_prefix()). */
static char ar_prefix[INPUT_EXIM_PREFIX_MAX + 1] = "ar:";
static size_t ar_prefix_len = 3;

int input_exim_set_prefix(const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (n > INPUT_EXIM_PREFIX_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)prefix[i];

		if (c <= ' ' || c == 0x7f)
			return -1;
	}
	memcpy(ar_prefix, prefix, n + 1);
	ar_prefix_len = n;
	return 0;
}

/* 1 if p[0..len) is a header field name (RFC 5322 section 3.6.8: printable
 * ASCII but ":"; the caller stops at the colon). */
static int is_field_name(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	}
	return 1;
}

/*
 * Length of write_syslog()'s piece number "[I\N] " or "[I/N] " at p, with
 * *first set if I is 1; 0 if p does not start with one.
 */
static size_t piece_len(const char *p, size_t len, int *first)
{
	size_t i = 1, d;

	if (len < 6 || p[0] != '[')
		return 0;
	for (d = i; i < len && i - d < 6 && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (i == d || i >= len || (p[i] != '\\' && p[i] != '/'))
		return 0;
	*first = i - d == 1 && p[d] == '1';
	for (d = ++i; i < len && i - d < 6 && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (i == d || i + 1 >= len || p[i] != ']' || p[i + 1] != ' ')
		return 0;
	return i + 2;
}

/* The results of a DKIM line's brackets (see above), but the policy form. */
static const struct {
	const char *text;
	enum ar_result result; /* AR_ABSENT: the line counts nothing */
} dkim_results[] = {
	{ "verification succeeded", AR_PASS },
	{ "invalid - public key record (currently?) unavailable", AR_TEMPERROR },
	{ "invalid - overlong public key record", AR_PERMERROR },
	{ "invalid - syntax error in public key record", AR_NEUTRAL },
	{ "invalid - signature tag missing or invalid", AR_NEUTRAL },
	{ "invalid - unsupported DKIM version", AR_NEUTRAL },
	{ "invalid - unspecified problem", AR_PERMERROR },
	{ "not verified", AR_NONE },
	{ "failed key import", AR_ABSENT },
};

/*
 * "DKIM: TEXT" of message ev->queue_id, t[0..n) = TEXT: a signature's
 * result as IN_RESULT, other DKIM lines IN_OTHER.
 */
static enum input_status parse_dkim(const char *t, size_t n, struct input_event *ev,
                                    const char **why)
{
	const char *b, *dash;
	size_t i, bl;

	/* Only a signature's line starts with its tags (or, in pdkim's
	 * "failed key import" without them, with the bracket). */
	if (!str_starts_with(t, n, "d=") && !str_starts_with(t, n, "s=") &&
	    !str_starts_with(t, n, " ["))
		return INPUT_OK;
	b = str_find_last(t, n, " [");
	if (b == NULL || t[n - 1] != ']') {
		*why = "Exim DKIM line cut short";
		return INPUT_MALFORMED;
	}
	b += 2;
	bl = n - (size_t)(b - t) - 1;
	for (i = 0; i < sizeof(dkim_results) / sizeof(dkim_results[0]); i++) {
		if (strlen(dkim_results[i].text) == bl && memcmp(b, dkim_results[i].text, bl) == 0)
			break;
	}
	if (i < sizeof(dkim_results) / sizeof(dkim_results[0])) {
		if (dkim_results[i].result == AR_ABSENT)
			return INPUT_OK;
		ev->result = dkim_results[i].result;
	} else if (str_starts_with(b, bl, "verification failed - ")) {
		ev->result = AR_FAIL;
	} else {
		/* "STATUS - REASON": a status word, then the reason. */
		dash = str_find(b, bl, " - ");
		for (i = 0; dash != NULL && b + i < dash && str_is_alnum(b[i]); i++)
			;
		if (dash == NULL || i == 0 || b + i != dash) {
			*why = "Exim DKIM line with a result of unknown form";
			return INPUT_MALFORMED;
		}
		ev->result = AR_POLICY;
	}
	ev->kind = IN_RESULT;
	ev->method = AR_DKIM;
	ev->dmarc_policy = POL_ABSENT;
	return INPUT_OK;
}

/* SA-Exim's "SA: Action: TEXT" of message ev->queue_id: its verdict (see
 * above) as IN_SPAM, or IN_OTHER. */
static enum input_status parse_saexim(const char *t, size_t n, struct input_event *ev,
                                      const char **why)
{
	static const struct {
		const char *words;
		enum ar_spam spam;
	} actions[] = {
		{ "flagged as Spam but accepted: ", SPAM_SPAM },
		{ "silently tossed message: ", SPAM_SPAM },
		{ "permanently rejected message: ", SPAM_SPAM },
		{ "teergrubed sender ", SPAM_SPAM },
		{ "scanned but message isn't spam: ", SPAM_HAM },
		{ "temporarily rejected message: ", SPAM_UNKNOWN },
		{ "SA didn't successfully run against message", SPAM_UNKNOWN },
		{ "spamd took more than ", SPAM_UNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (str_starts_with(t, n, actions[i].words)) {
			if (actions[i].spam != SPAM_UNKNOWN) {
				ev->kind = IN_SPAM;
				ev->spam = actions[i].spam;
			}
			return INPUT_OK;
		}
		if (str_is_cut_prefix(t, n, actions[i].words) || n == 0) {
			*why = "Exim SA-Exim line cut short";
			return INPUT_MALFORMED;
		}
	}
	*why = "Exim SA-Exim line with an action of unknown form";
	return INPUT_MALFORMED;
}

/*
 * A message's fate in Exim's own lines after its message ID (src/src/
 * receive.c, smtp_in.c smtp_handle_acl_fail(), deliver.c):
 *   "<= SENDER ..."                 received and queued: accepted
 *   "(= SENDER ..."                 the same, the client told it was refused
 *                                   (control = fakereject): accepted
 *   "=> blackhole (DATA ACL discarded recipients)..."  an ACL's discard:
 *                                   discarded ("Completed" follows)
 *   "frozen by ACL", "frozen by local_scan()"   held (control = freeze)
 *   "H=HOST [IP] ... F=<S> rejected after DATA: TEXT", "... rejected during
 *   MIME ACL checks: TEXT"          refused by the DATA or MIME ACL, the last
 *                                   line of the message: rejected;
 *                                   "temporarily rejected" is a deferral (the
 *                                   client tries again)
 *   "F=<S> rejected by non-SMTP ACL: TEXT", "... rejected by local_scan(): TEXT"
 *                                   the same for other routes
 * "rejected after DATA PRDR" refuses some recipients only and is not a fate.
 * H= holds the client's HELO name and F= its sender, which come before the
 * words: a sender who writes " rejected after DATA" into them makes its own
 * message look refused, which moves that message's fate and nothing else.
 * Returns 1 with ev set, or 0 if text[0..n) is none of these.
 */
static int exim_fate(const char *text, size_t n, struct input_event *ev)
{
	static const char *const refusals[] = { "rejected after DATA", "rejected during MIME ACL",
		                                "rejected by non-SMTP ACL", "rejected by local_scan()" };
	size_t i;

	if (n >= 3 && (memcmp(text, "<= ", 3) == 0 || memcmp(text, "(= ", 3) == 0)) {
		ev->kind = IN_MSGID;
		ev->fate = FATE_ACCEPTED;
		return 1;
	}
	if (str_starts_with(text, n, "=> blackhole ") || str_starts_with(text, n, "frozen by ")) {
		ev->kind = IN_FATE;
		ev->fate = text[0] == '=' ? FATE_DISCARDED : FATE_HELD;
		return 1;
	}
	if (n < 2 || text[1] != '=' || (text[0] != 'H' && text[0] != 'F' && text[0] != 'U'))
		return 0;
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const char *r = str_find(text, n, refusals[i]);
		size_t rl = strlen(refusals[i]);

		if (r == NULL || (r > text && r[-1] != ' '))
			continue;
		if (i == 0 && str_starts_with(r + rl, n - (size_t)(r + rl - text), " PRDR"))
			return 0;
		ev->kind = IN_DONE;
		ev->fate = FATE_REJECTED;
		ev->fate_flags = r - text >= 12 && memcmp(r - 12, "temporarily ", 12) == 0
		                         ? INPUT_FATE_TEMPORARY
		                         : 0u;
		return 1;
	}
	return 0;
}

/* The text of a line after the stamp and the optional "[PID] ". */
static enum input_status parse_text(const char *p, size_t len, struct input_event *ev,
                                    const char **why)
{
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
	    (ar_prefix_len > 0 && str_is_cut_prefix(text, n, ar_prefix))) {
		*why = "Exim line cut short";
		return INPUT_MALFORMED;
	}
	if (exim_fate(text, n, ev))
		return INPUT_OK;
	if (n >= 9 && memcmp(text, "Completed", 9) == 0 && (n == 9 || text[9] == ' ')) {
		ev->kind = IN_DONE;
		return INPUT_OK;
	}
	/* Exim's own, whatever exim_ar_prefix is (an empty one would read
	 * it as a header "DKIM"). */
	if (n >= 6 && memcmp(text, "DKIM: ", 6) == 0)
		return parse_dkim(text + 6, n - 6, ev, why);
	if (n >= 12 && memcmp(text, "SA: Action: ", 12) == 0)
		return parse_saexim(text + 12, n - 12, ev, why);
	if (ar_prefix_len == 0) {
		/* Without a prefix, any line of the message's text that is not
		 * "NAME: VALUE" is one of Exim's own ("** ...", "H=... rejected"). */
		colon = memchr(text, ':', n);
		if (colon == NULL || !is_field_name(text, (size_t)(colon - text)))
			return INPUT_OK;
	} else {
		if (n < ar_prefix_len || memcmp(text, ar_prefix, ar_prefix_len) != 0)
			return INPUT_OK;
		text += ar_prefix_len;
		n -= ar_prefix_len;
		while (n > 0 && text[0] == ' ') {
			text++;
			n--;
		}
		if (n == 0) {
			*why = "Exim line cut short";
			return INPUT_MALFORMED;
		}
		colon = memchr(text, ':', n);
		if (colon == NULL || colon == text || memchr(text, ' ', (size_t)(colon - text)) != NULL) {
			*why = "Exim logwrite header line without a header name";
			return INPUT_MALFORMED;
		}
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
	if (len == 0 || line[0] == ' ' || line[0] == '\t') {
		/* A continuation line of a multi-line entry (see above). */
		if (clk->entry_ms == INT64_MIN) {
			*why = "Exim continuation line before any entry";
			return INPUT_MALFORMED;
		}
		ev->time_ms = clk->entry_ms;
		ev->host.p = line;
		ev->host.len = 0;
		return INPUT_OK;
	}
	if (input_time_parse(clk, line, len, &ev->time_ms, &used) < 0) {
		*why = "no timestamp at the start of the line";
		return INPUT_MALFORMED;
	}
	/* No host column: the collector puts in the input's configured host. */
	ev->host.p = line;
	ev->host.len = 0;
	clk->entry_ms = ev->time_ms;
	if (used == len || line[used] != ' ') {
		*why = "Exim line without text after the timestamp";
		return INPUT_MALFORMED;
	}
	return parse_text(line + used + 1, len - used - 1, ev, why);
}

enum input_status input_exim_message(const char *tag, size_t taglen, const char *p, size_t len,
                                     struct input_event *ev, const char **why)
{
	size_t pl;
	int first = 0;
	enum input_status st;

	(void)tag;
	(void)taglen;
	pl = piece_len(p, len, &first);
	if (pl == 0)
		return parse_text(p, len, ev, why);
	if (!first)
		return INPUT_OK; /* the rest of an entry: nothing to count */
	st = parse_text(p + pl, len - pl, ev, why);
	/* A piece that ends at the break Exim made is not a line cut short:
	 * only a header in it is (the rest is in the next pieces). */
	if (st == INPUT_MALFORMED) {
		ev->kind = IN_OTHER;
		ev->queue_id.p = NULL;
		ev->queue_id.len = 0;
		return INPUT_OK;
	}
	if (ev->kind == IN_HEADER)
		ev->value_truncated = 1;
	return st;
}
