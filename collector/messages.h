/*
 * messages - the table of open messages: all lines of one message (same host
 * and queue ID) are joined into one outcome and one fate, which are counted
 * once when the message completes: at its "removed" line or its refusal
 * (once every input has passed its time), after an idle time, or early when
 * the table is full (the oldest goes first, counted as evicted, with the
 * fate its lines gave so far, unknown if none). A message refused for now
 * (4xx) is not counted: the sender tries again.
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
	/* Publish each message's fate (setting publish_fates). Off, for an
	 * aggregator that does not keep fates: a message refused (rejected,
	 * discarded, held) is not counted, and the others go out with fate
	 * unknown. */
	int publish_fates;
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
/* Messages not counted because they were refused for now (a 4xx reply, a
 * transaction not finished): the sender tries again. */
uint64_t messages_deferred(const struct messages *ms);
/* Refused messages not counted because publish_fates is off. */
uint64_t messages_refused_unpublished(const struct messages *ms);
/* Complete every open message (end of input in --once mode). */
void messages_complete_all(struct messages *ms);
/* Event time of the oldest open message, or INT64_MAX if none. */
int64_t messages_oldest_ms(const struct messages *ms);
size_t messages_open_count(const struct messages *ms);

/* Append every open message, oldest first (for a checkpoint), in the form
 * of MESSAGES_SAVE_VERSION. Returns 0, or -1 if sb's cap is reached. */
#define MESSAGES_SAVE_VERSION 2
int messages_save(const struct messages *ms, struct strbuf *sb);
/*
 * Replace the open messages with saved ones written in form `version` (1:
 * without fates, which then start unknown; 2: with them). Returns 0, or -1
 * if corrupt (a key twice or empty, a time outside the windows' range, a
 * result, policy, verdict or fate that does not exist).
 */
int messages_load(struct messages *ms, struct deser *d, int version);

#endif
