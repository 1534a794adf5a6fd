#include "input.h"

#include <string.h>

/* The formats an input may name; one file per format. */
static const struct {
	const char *name;
	input_parse_fn parse;
} input_formats[] = {
	{ "syslog", input_syslog_parse },
	/* Older name of the same: Postfix and its milters log through syslog. */
	{ "postfix", input_syslog_parse },
	/* Exim's main log (log_file_path), one file per host. */
	{ "exim", input_exim_parse },
	/* The systemd journal (collector/journal.c): its entries are made into
	 * the syslog lines rsyslog would write, so the same parsers read them. */
	{ "journal", input_syslog_parse },
	/* rspamd's own log file (logging { type = "file"; }). */
	{ "rspamd", input_rspamd_parse },
};

input_parse_fn input_format_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(input_formats) / sizeof(input_formats[0]); i++) {
		if (strcmp(input_formats[i].name, name) == 0)
			return input_formats[i].parse;
	}
	return NULL;
}

/* [0-9A-Za-z], the characters of a queue ID: one load per byte, no branches
 * that depend on which range a byte falls in. */
static const unsigned char queue_id_char[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

size_t input_queue_id_len(const char *p, size_t len)
{
	size_t i = 0, n = len < 33 ? len : 33;

	while (i < n && queue_id_char[(unsigned char)p[i]])
		i++;
	if (i < 5 || i > 32 || i + 1 >= len || p[i] != ':' || p[i + 1] != ' ')
		return 0;
	return i;
}

int input_milter_job(const char *p, size_t len, const char *cut, const char **why,
                     size_t *qid_len, const char **text, size_t *n)
{
	size_t ql = input_queue_id_len(p, len);

	/* Start-up and error messages have several words; one word alone is a
	 * line cut short, likely inside the queue ID. */
	if (ql == 0 && len > 0 && memchr(p, ' ', len) == NULL) {
		*why = cut;
		return -1;
	}
	if (ql == 0)
		return 0;
	*qid_len = ql;
	*text = p + ql + 2;
	*n = len - ql - 2;
	return 1;
}

void input_event_results(const struct input_event *ev, struct authres_outcome *out)
{
	int m;

	authres_outcome_init(out);
	for (m = 0; m < AR_METHOD_COUNT; m++)
		out->result[m] = (enum ar_result)ev->results[m];
	out->dmarc_policy = (enum ar_policy)ev->results_policy;
}

int input_header_event(struct input_event *ev, const char *text, size_t len)
{
	const char *colon = memchr(text, ':', len);

	if (colon == NULL || colon == text)
		return -1;
	ev->kind = IN_HEADER;
	ev->name.p = text;
	ev->name.len = (size_t)(colon - text);
	ev->value.p = colon + 1;
	ev->value.len = len - ev->name.len - 1;
	while (ev->value.len > 0 && (ev->value.p[0] == ' ' || ev->value.p[0] == '\t')) {
		ev->value.p++;
		ev->value.len--;
	}
	return 0;
}
