#include "input.h"

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

static size_t word_len(const char *p, size_t len)
{
	const char *sp = memchr(p, ' ', len);

	return sp != NULL ? (size_t)(sp - p) : len;
}

enum input_status input_syslog_parse(const char *line, size_t len, struct input_clock *clk,
                                     struct input_event *ev, const char **why)
{
	size_t used, wl, taglen;
	const char *p = line, *tag;
	input_prog_fn fn;

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
	/* "TAG[PID]:" or "TAG:" */
	tag = p;
	wl = word_len(p, len);
	if (wl < 2 || tag[wl - 1] != ':')
		return INPUT_OK; /* a syslog line without a tag: not ours, not broken */
	taglen = wl - 1;
	if (tag[taglen - 1] == ']') {
		const char *lb = memchr(tag, '[', taglen);

		if (lb != NULL)
			taglen = (size_t)(lb - tag);
	}
	fn = program_find(tag, taglen);
	if (fn == NULL)
		return INPUT_OK;
	p += wl;
	len -= wl;
	if (len > 0) {
		p++;
		len--;
	}
	return fn(tag, taglen, p, len, ev, why);
}
