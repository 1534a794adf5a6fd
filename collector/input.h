/*
 * input - what an input format makes of one log line. Each format lives in
 * its own file (input_postfix.c, later milters and Exim) and turns a line
 * into an input_event that points into the line (nothing is copied).
 */
#ifndef ARSTAT_COLLECTOR_INPUT_H
#define ARSTAT_COLLECTOR_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "input_time.h"
#include "result.h"

enum input_kind {
	IN_OTHER = 0, /* a well-formed line that carries nothing we count */
	IN_HEADER,    /* a logged header of a message: name and value */
	IN_MSGID,     /* the message was accepted (cleanup message-id line, Exim "<=") */
	IN_DONE,      /* the message left the queue (qmgr "removed", Exim "Completed") */
	IN_RESULT,    /* a local milter's verdict for one method (OpenDMARC, OpenDKIM):
	                 trusted because the operator configured this log as that milter's */
	IN_SPAM,      /* a spam filter's verdict (amavis, rspamd) */
};

/* A host name longer than this makes the line malformed (DNS allows 253). */
#define INPUT_HOST_MAX 255

struct input_span {
	const char *p;
	size_t len;
};

struct input_event {
	int64_t time_ms;
	enum input_kind kind;
	struct input_span host;     /* the logging host, as written */
	struct input_span queue_id; /* IN_HEADER, IN_MSGID, IN_DONE */
	struct input_span name;     /* IN_HEADER: header name */
	struct input_span value;    /* IN_HEADER: header value, without the logger's trailer */
	int value_truncated;        /* IN_HEADER: the logger cut the header short */
	int value_escaped;          /* IN_HEADER: line breaks written as \\n, \\t (Exim) */
	enum ar_method method;      /* IN_RESULT */
	enum ar_result result;      /* IN_RESULT */
	enum ar_policy dmarc_policy; /* IN_RESULT for DMARC: published policy, or POL_ABSENT */
	enum ar_spam spam;          /* IN_SPAM */
};

enum input_status {
	INPUT_OK = 0,
	INPUT_MALFORMED = -1, /* not a line of this format (e.g. no timestamp) */
};

/*
 * A format's line parser. clk turns the line's timestamp into UTC (it keeps
 * the year-inference state of traditional syslog stamps, so one clock per
 * input file). On INPUT_MALFORMED, *why is a short static reason that names
 * no part of the line (it is logged at warning level).
 */
typedef enum input_status (*input_parse_fn)(const char *line, size_t len,
                                            struct input_clock *clk, struct input_event *ev,
                                            const char **why);

/*
 * Postfix via syslog: cleanup header_checks INFO lines, cleanup message-id
 * lines, qmgr removed lines.
 */
enum input_status input_postfix_parse(const char *line, size_t len, struct input_clock *clk,
                                      struct input_event *ev, const char **why);

/* The format of this name ("postfix", ...), or NULL. */
input_parse_fn input_format_find(const char *name);

#endif
