/*
 * input_spamd - SpamAssassin's spamd result line in syslog (tag "spamd",
 * the ident spamd gives Mail::SpamAssassin::Logger::Syslog), read when the
 * setting spamd_join is on (input_spamd_set_enabled()).
 *
 * spamd.raw's check() logs, after every scan,
 *
 *   spamd: result: Y 15 - TEST,TEST scantime=1.2,size=3456,user=U,uid=N,
 *   required_score=5.0,rhost=H,raddr=A,rport=P,mid=<ID>[,rmid=<ID>]
 *   [,bayes=0.999998],autolearn=STATUS[,ITEM...]
 *
 * from sprintf("spamd: result: %s %2d - %s %s", $yorn, $score, $tests,
 * join(",", @extra)): "Y" spam, "." ham; the score rounded to an integer
 * and padded to two places; the tests hit, sorted, joined by ",", empty
 * when none hit. The syslog logger of SpamAssassin before 4.0 (and 4.x
 * without an escape setting) turns tabs and spaces into one space and
 * squeezes runs of them ("tr/\x09\x20\x00-\x1f/  _/s"), so ".  5 - " comes
 * as ". 5 - ", and an empty test list leaves "- scantime=...": a word with
 * "=" is the first extra, not a test (rule names have none).
 *
 * The line names its message by the Message-ID header, mid=, as spamd's
 * parse_msgids() made it ("<...>", bytes outside printable ASCII and angle
 * brackets inside as "?", "," and blanks as "_"; "(unknown)" without one),
 * not by a queue ID: the event is IN_SPAM with an empty queue ID and
 * ev->message_id set, which the collector joins through the Message-ID the
 * MTA logged (collector/msgids.c). user= (spamc -u, often the recipient)
 * stands before it and may hold anything but ",": the mid= taken is the
 * one after the last ",rport=", which no later field can spell, as none
 * holds a ",".
 *
 * Other spamd lines ("spamd: identified spam (15.0/5.0) for ...", "spamd:
 * clean message ...", "spamd: connection from ...", "prefork: ...") carry
 * nothing the result line does not: IN_OTHER. A result line whose test
 * list or extras were cut (syslog's line limit) before mid= and the value
 * after it is malformed.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

static const char result[] = "spamd: result: ";

/* spamd_join, set once at start-up. */
static int enabled;

void input_spamd_set_enabled(int on)
{
	enabled = on != 0;
}

enum input_status input_spamd_message(const char *tag, size_t taglen, const char *p, size_t len,
                                      struct input_event *ev, const char **why)
{
	static const char cut[] = "spamd result line cut short";
	static const char form[] = "spamd result line of unexpected form";
	const char *q, *end = p + len, *mid;
	size_t i, k;

	(void)tag;
	(void)taglen;
	if (!enabled)
		return INPUT_OK;
	if (!str_starts_with(p, len, result)) {
		if (len < sizeof(result) - 1 && memcmp(p, result, len) == 0) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	q = p + sizeof(result) - 1;
	/* "Y" or ".", blanks, the score, " - " */
	if (q == end) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (*q != 'Y' && *q != '.') {
		*why = form;
		return INPUT_MALFORMED;
	}
	ev->spam = *q == 'Y' ? SPAM_SPAM : SPAM_HAM;
	for (i = 1; q + i < end && q[i] == ' '; i++)
		;
	if (i > 1 && q + i < end && q[i] == '-')
		i++;
	for (k = i; q + i < end && i - k < 12 && q[i] >= '0' && q[i] <= '9'; i++)
		;
	if ((size_t)(end - q) < i + 3) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (i == 1 || i == k || memcmp(q + i, " - ", 3) != 0) {
		*why = form;
		return INPUT_MALFORMED;
	}
	q += i + 3;
	/* The extras start with scantime=, after the tests (none, or a word
	 * without "="). */
	mid = str_find_last(q, (size_t)(end - q), ",rport=");
	if (mid == NULL || str_find(q, (size_t)(mid - q), "scantime=") == NULL) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	mid += 7;
	while (mid < end && *mid != ',')
		mid++;
	if ((size_t)(end - mid) < 5 || memcmp(mid, ",mid=", 5) != 0) {
		if (mid == end || str_is_cut_prefix(mid, (size_t)(end - mid), ",mid=")) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		*why = form;
		return INPUT_MALFORMED;
	}
	mid += 5;
	for (q = mid; q < end && *q != ','; q++)
		;
	/* autolearn= always follows: a value that ends the line was cut. */
	if (q == end) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (q == mid || (size_t)(q - mid) > INPUT_MSGID_MAX) {
		*why = form;
		return INPUT_MALFORMED;
	}
	/* Without a Message-ID there is nothing to join. */
	if ((size_t)(q - mid) == 9 && memcmp(mid, "(unknown)", 9) == 0)
		return INPUT_OK;
	ev->kind = IN_SPAM;
	ev->message_id.p = mid;
	ev->message_id.len = (size_t)(q - mid);
	return INPUT_OK;
}
