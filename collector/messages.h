/*
 * messages - the table of open messages: all lines of one message (same host
 * and queue ID) are joined into one outcome, which is counted once when the
 * message completes: at its "removed" line, after an idle time, or early
 * when the table is full (the oldest goes first, counted as evicted).
 */
#ifndef ARSTAT_COLLECTOR_MESSAGES_H
#define ARSTAT_COLLECTOR_MESSAGES_H

#include <stdint.h>

#include "authres.h"
#include "input.h"
#include "ser.h"
#include "windows.h"

struct messages_config {
	size_t max_open;
	int64_t idle_ms;
	enum ar_spam spam_default;
	/* Several inputs: a "removed" line completes its message only once
	 * messages_complete_done() says every input has passed its time. */
	int wait_for_inputs;
	/* amavis is Postfix's content_filter: an amavis line's "queued_as"
	 * queue ID is the same message, queued again (counted once). Off, the
	 * alias is ignored: with amavis as a milter no real queued_as is logged,
	 * and a sender's Message-ID could spell one. */
	int join_reinjected;
	struct authres_trust trust;
	/* Vendor names of Authentication-Results ("X-*-Authentication-Results"),
	 * read as it is; may be NULL when nauthres_names is 0. */
	const char *const *authres_names;
	size_t nauthres_names;
};

struct messages;

/* Completed messages are counted into ws (borrowed). Never returns NULL. */
struct messages *messages_new(const struct messages_config *cfg, struct windows *ws);
void messages_free(struct messages *ms);

/* Tell the table the monotonic time (ms) for wall-clock idleness. */
void messages_set_clock(struct messages *ms, int64_t mono_ms);
/* Apply one input event. */
void messages_apply(struct messages *ms, const struct input_event *ev);
/* Complete every message idle since before now_ms - idle. */
void messages_expire(struct messages *ms, int64_t now_ms);
/* Complete every message with no line for idle time by the wall clock
 * (for a quiet log, once every input is read to its end). */
void messages_expire_wall(struct messages *ms);
/* Complete the messages whose "removed" line is at or before safe_ms. */
void messages_complete_done(struct messages *ms, int64_t safe_ms);
/* Verdicts dropped because their message never appeared. */
uint64_t messages_unjoined(const struct messages *ms);
/* Complete every open message (end of input in --once mode). */
void messages_complete_all(struct messages *ms);
/* Event time of the oldest open message, or INT64_MAX if none. */
int64_t messages_oldest_ms(const struct messages *ms);
size_t messages_open_count(const struct messages *ms);

/* Append every open message, oldest first (for a checkpoint). */
int messages_save(const struct messages *ms, struct strbuf *sb);
/* Replace the open messages with saved ones; -1 if corrupt (a key twice or
 * empty, a time outside the windows' range, a result, policy or verdict that does not exist). */
int messages_load(struct messages *ms, struct deser *d);

#endif
