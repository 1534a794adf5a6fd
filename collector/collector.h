/*
 * collector - the collector's pipeline, from log lines to published records:
 *
 *   inputs (tail + format parser) -> messages (one outcome per message)
 *   -> windows (counts per window) -> records -> outbox (durable) -> sink
 *
 * and the checkpoint that makes it exactly-once (checkpoint.h): one atomic
 * file in the state directory holding the reading position of every input,
 * the open messages, the open windows, the next sequence number and the live
 * part of the outbox. Everything after the checkpoint is re-done from it after a
 * crash; a record is sent only once a checkpoint that covers it is durable,
 * and always under the same (collector, epoch, sequence) identity.
 */
#ifndef ARSTAT_COLLECTOR_COLLECTOR_H
#define ARSTAT_COLLECTOR_COLLECTOR_H

#include <stdint.h>

#include "result.h"
#include "settings.h"
#include "strbuf.h"

struct collector;

/* One input's part of the counters (its name is the setting's). */
struct collector_input_stats {
	const char *name;
	uint64_t lines; /* lines (journal: entries of the identifiers) read */
	int open;       /* 1 while its file or journal is open */
};

struct collector_stats {
	uint64_t lines, malformed, overlong;
	uint64_t implausible;       /* lines dated beyond max_future/max_past_seconds */
	uint64_t messages;          /* counted into windows */
	uint64_t records_made, records_acked;
	uint64_t outbox_records, outbox_bytes;
	uint64_t checkpoints, state_errors, sink_errors;
	uint64_t checkpoint_bytes;  /* written by the checkpoints */
	uint64_t checkpoint_ms;     /* spent saving progress (outbox sync and checkpoint) */
	uint64_t lag_bytes;
	int64_t lag_seconds;        /* wall clock minus the newest log time read */
	uint64_t rotations, truncations, resumed_rotated, positions_lost;
	uint64_t input_losses;      /* input found gone before it was read (health.input_losses) */
	/* Messages counted into records, by each method's result and by
	 * spam verdict (the view mtail or rspamd's own counters give). */
	uint64_t results[AR_METHOD_COUNT][AR_RESULT_COUNT];
	uint64_t spam[SPAM_COUNT];
	int64_t start_ms;           /* wall clock when the collector started */
	int64_t last_ack_ms;        /* wall clock of the last acknowledgement, 0 if none yet */
	/* Per input; points into the collector, valid until its next call. */
	const struct collector_input_stats *inputs;
	size_t ninputs;
	int backpressure;           /* reading paused: outbox full */
	int state_broken;           /* reading paused: state directory unwritable */
	int sink_down;
};

/* Open the state, the checkpoint, the inputs and the sink. NULL with err. */
struct collector *collector_new(const struct settings *s, struct strbuf *err);
void collector_free(struct collector *c);

/*
 * Do one round of work: read up to a batch of lines from the inputs, count,
 * make records of finished windows, save a checkpoint when due, send what
 * the checkpoint covers, serve acknowledgements. Returns the number of lines
 * read (0 when every input is at its end or reading is paused).
 */
size_t collector_step(struct collector *c);
/* Wait until an input may have grown or the poll interval passed. */
void collector_wait(struct collector *c);
/*
 * 0 if every input's file is open; else -1 with err naming each that is not,
 * as "input NAME (PATH): reason", separated by "; ". --once calls it before
 * reading: a backfill that cannot read one of its inputs must fail, not
 * publish the others as if that one were empty.
 */
int collector_inputs_open(const struct collector *c, struct strbuf *err);
/*
 * --once: vouch for the windows between the inputs' first and last lines
 * read by this run, instead of by the clock (windows.h). Before the first
 * collector_step.
 */
void collector_backfill(struct collector *c);
/* 1 when every input has been read to its current end. */
int collector_caught_up(const struct collector *c);

/*
 * --once: complete every open message, make records of every window, save,
 * send, and wait up to the flush timeout for the sink. 0 if every record was
 * acknowledged and no input had a read error, -1 with err otherwise
 * (unacknowledged records stay in the outbox).
 */
int collector_finish_all(struct collector *c, struct strbuf *err);
/*
 * Shutdown (SIGTERM): make records of the windows that are complete, save,
 * send, wait up to timeout_ms for acknowledgements, save again. Open
 * messages and windows stay in the checkpoint for the next start.
 */
void collector_shutdown(struct collector *c, int timeout_ms);

void collector_stats(struct collector *c, struct collector_stats *st);
/* Log the counters at info level and write the metrics file if configured. */
void collector_report(struct collector *c);

#endif
