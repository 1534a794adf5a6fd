/*
 * input - what an input format makes of one log line. Each format lives in
 * its own file (input_postfix.c, later milters and Exim) and turns a line
 * into an input_event that points into the line (nothing is copied).
 */
#ifndef ARSTAT_COLLECTOR_INPUT_H
#define ARSTAT_COLLECTOR_INPUT_H

#include <stddef.h>
#include <stdint.h>

enum input_kind {
	IN_OTHER = 0, /* a well-formed line that carries nothing we count */
	IN_HEADER,    /* a logged header of a message: name and value */
	IN_MSGID,     /* the message was accepted (cleanup message-id line) */
	IN_DONE,      /* the message left the queue (qmgr "removed") */
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
};

enum input_status {
	INPUT_OK = 0,
	INPUT_MALFORMED = -1, /* not a line of this format (e.g. no timestamp) */
};

/*
 * Postfix via syslog (RFC 3339 timestamps, as Debian 12's rsyslog writes):
 * cleanup header_checks INFO lines, cleanup message-id lines, qmgr removed
 * lines. On INPUT_MALFORMED, *why is a short static reason.
 */
enum input_status input_postfix_parse(const char *line, size_t len, struct input_event *ev,
                                      const char **why);

#endif
