#include "input.h"

#include <stdint.h>
#include <string.h>

/*
 * Programs whose lines we read, by syslog tag. A prefix entry matches the
 * tag's part before '/' and any "-suffix" of it (Postfix multi-instance:
 * "postfix-out/cleanup").
 */
static const struct {
	const char *name;
	size_t len; /* strlen(name), kept here: this table is read for every line */
	int prefix;
	input_prog_fn fn;
} input_programs[] = {
	{ "postfix", 7, 1, input_postfix_message },
	{ "opendmarc", 9, 0, input_opendmarc_message },
	{ "opendkim", 8, 0, input_opendkim_message },
	/* amavisd-new's syslog ident is "amavis" by default; older setups and
	 * other packagings use the program's name. */
	{ "amavis", 6, 0, input_amavis_message },
	{ "amavisd", 7, 0, input_amavis_message },
	{ "amavisd-new", 11, 0, input_amavis_message },
	{ "rspamd", 6, 0, input_rspamd_message },
	{ "exim", 4, 0, input_exim_message },
	{ "spamd", 5, 0, input_spamd_message },
	{ "pmg-smtp-filter", 15, 0, input_pmg_message },
	/* MailScanner's ident is its configuration file's name. */
	{ "MailScanner", 11, 0, input_mailscanner_message },
};

static input_prog_fn program_find(const char *tag, size_t taglen)
{
	size_t i;

	for (i = 0; i < sizeof(input_programs) / sizeof(input_programs[0]); i++) {
		size_t nl = input_programs[i].len;

		if (taglen < nl || memcmp(tag, input_programs[i].name, nl) != 0)
			continue;
		if (taglen == nl)
			return input_programs[i].fn;
		if (input_programs[i].prefix && (tag[nl] == '/' || tag[nl] == '-'))
			return input_programs[i].fn;
	}
	return NULL;
}

/* Up to the first blank. A loop, not memchr(): a host name is a few bytes,
 * where the call costs more than the search. */
static size_t word_len(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != ' ')
		i++;
	return i;
}

/*
 * The number of ASCII digits at the start of p[0..len): the PID in a tag.
 * Nine lines in ten of a Postfix log have one (smtpd's, cleanup's, qmgr's),
 * and a byte loop cost some 45 instructions for the usual four or five
 * digits; eight bytes are looked at in one word where the line is long
 * enough, as a PID has at most seven digits on Linux.
 */
static size_t digits_len(const char *p, size_t len)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;

	while (len - i >= 8) {
		uint64_t x, nd;

		memcpy(&x, p + i, 8);
		/* A byte is a digit when x ^ '0' is 0 to 9: adding 0x76 to its
		 * low seven bits sets its high bit from 10 on, and a high bit
		 * already set is no digit either; no carry crosses a byte. */
		x ^= ones * '0';
		nd = (((x & ~highs) + ones * 0x76) | x) & highs;
		if (nd != 0) {
			/* The digits are the bytes below the lowest non-digit:
			 * (lowest bit >> 7) - 1 has 0xff in each of them. */
			nd = (((nd & (~nd + 1)) >> 7) - 1) & ones;
			return i + (size_t)((nd * ones) >> 56);
		}
		i += 8;
	}
#endif
	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/*
 * 1 if a tag starting with c may be one of input_programs[]: most lines of a
 * mail log are of programs we do not read (smtpd, smtp, local, ...), and for
 * them the first byte of the tag is all we need to look at.
 */
static int program_may_start(char c)
{
	return c == 'p' || c == 'o' || c == 'a' || c == 'r' || c == 'e' || c == 's' ||
	       c == 'M';
}

/*
 * A "postfix/s..." line at p (the tag): only smtpd's lines about a message's
 * fate count, and smtpd writes a line or more per SMTP command. Apart from
 * the rest of the file's path so that the lines of cleanup and qmgr keep
 * theirs as short as it was.
 */
static enum input_status postfix_smtpd(const char *p, size_t len, struct input_event *ev,
                                       const char **why)
{
	size_t wl;

	/* Of the other daemons starting with 's' (smtp, scache, showq) we read
	 * nothing. */
	if (len <= 14 || memcmp(p + 8, "smtpd[", 6) != 0)
		return INPUT_OK;
	wl = 14 + digits_len(p + 14, len - 14);
	if (wl + 2 >= len || p[wl] != ']' || p[wl + 1] != ':' || p[wl + 2] != ' ')
		return INPUT_OK; /* no text, or a tag of another form: nothing of ours */
	return input_postfix_smtpd(p, 13, p + wl + 3, len - wl - 3, ev, why);
}

enum input_status input_syslog_parse(const char *line, size_t len, struct input_clock *clk,
                                     struct input_event *ev, const char **why)
{
	/* Copied rather than memset(): for this size compilers emit "rep stos",
	 * whose start-up cost is a noticeable part of a line we do not read. */
	static const struct input_event empty;
	size_t used, wl, taglen, lb;
	const char *p = line, *tag;
	input_prog_fn fn;

	*ev = empty;
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
	/*
	 * Dispatch on the tag before reading it: whatever a line of a program
	 * we do not read holds, it is INPUT_OK and IN_OTHER (a line without a
	 * tag too). Postfix's own daemons other than cleanup and qmgr are most
	 * of the file; "postfix/" followed by another letter is one of them.
	 */
	if (len == 0 || !program_may_start(p[0]))
		return INPUT_OK;
	tag = p;
	fn = NULL;
	if (len > 8 && memcmp(p, "postfix/", 8) == 0) {
		if (p[8] == 's')
			return postfix_smtpd(p, len, ev, why);
		/* lmtp, and "local" with it, only for pmg_reinjection. */
		if (p[8] != 'c' && p[8] != 'q' && (p[8] != 'l' || !input_pmg_reads_lmtp()))
			return INPUT_OK;
		/* "postfix/cleanup[PID]:" and "postfix/qmgr[PID]:", the tags of
		 * nearly every line we read: only the PID is left to read. */
		taglen = len > 16 && memcmp(p + 8, "cleanup[", 8) == 0 ? 15
		         : len > 13 && memcmp(p + 8, "qmgr[", 5) == 0 ? 12 : 0;
		if (taglen > 0) {
			wl = taglen + 1 + digits_len(p + taglen + 1, len - taglen - 1);
			if (wl + 1 < len && p[wl] == ']' && p[wl + 1] == ':' &&
			    (wl + 2 == len || p[wl + 2] == ' ')) {
				wl += 2;
				fn = input_postfix_message;
			}
		}
	}
	if (fn == NULL) {
		/* "TAG[PID]:" or "TAG:", read once for its end and its first '['. */
		lb = SIZE_MAX;
		for (wl = 0; wl < len && p[wl] != ' '; wl++) {
			if (p[wl] == '[' && lb == SIZE_MAX)
				lb = wl;
		}
		if (wl < 2 || tag[wl - 1] != ':')
			return INPUT_OK; /* a syslog line without a tag: not ours, not broken */
		taglen = wl - 1;
		if (tag[taglen - 1] == ']' && lb < taglen)
			taglen = lb;
		fn = program_find(tag, taglen);
		if (fn == NULL)
			return INPUT_OK;
	}
	p += wl;
	len -= wl;
	if (len > 0) {
		p++;
		len--;
	}
	return fn(tag, taglen, p, len, ev, why);
}
