/*
 * windows - message counts per event-time window, ready to publish. Each
 * window holds a sparse map from cell (one combination of results, policy
 * and spam verdict) to its message count, plus the health counters of the
 * lines whose time falls in it. A count for a window that was already taken
 * goes into a correction window for the same interval, never into another
 * window and never lost.
 */
#ifndef ARSTAT_COLLECTOR_WINDOWS_H
#define ARSTAT_COLLECTOR_WINDOWS_H

#include <stdint.h>

#include "record.h"
#include "ser.h"
#include "timeutil.h"

struct windows;

/*
 * The event times a window or an open message can hold: the years 0 to
 * 9999 that the log parsers read (Exim's stamps have four free digits), in
 * UTC ms. A checkpoint that holds another time is corrupt.
 */
#define WINDOWS_TIME_MIN_MS INT64_C(-62167219200000) /* 0000-01-01T00:00:00Z */
#define WINDOWS_TIME_MAX_MS TIME_MS_MAX
/* More than any host logs in a window of at most an hour: a count or health
 * counter in a checkpoint above it is corrupt (and one line more cannot
 * overflow it). */
#define WINDOWS_COUNT_MAX (INT64_C(1) << 48)

/* window_ms > 0. Never returns NULL. */
struct windows *windows_new(int64_t window_ms);
void windows_free(struct windows *ws);

/* Count one message with the given cell (its messages field is ignored). */
void windows_count(struct windows *ws, int64_t event_ms, const struct record_cell *cell);
/* The health counters of the window holding time_ms. */
struct record_health *windows_health(struct windows *ws, int64_t time_ms);

/*
 * Take the oldest window (correction windows first) that ends at or before
 * `before_ms` into b (carrier, collector, epoch and seq are the caller's to
 * fill), with the span vouched for and not yet published, if any (below).
 * Returns 1 if a window was taken, 0 if none is ready. Use INT64_MAX to
 * take everything.
 */
int windows_take(struct windows *ws, int64_t before_ms, struct record_batch *b);

/*
 * windows_take in two steps, for a caller that may fail to store the record:
 * windows_peek fills b from that window but leaves it in place (1 if there
 * is one); windows_drop then removes it, once the record is safe. A window
 * peeked but not dropped is still in the next checkpoint.
 */
int windows_peek(const struct windows *ws, int64_t before_ms, struct record_batch *b);
void windows_drop(struct windows *ws);

/*
 * Vouching (README.md, "Coverage"): the windows this collector read every
 * one of its inputs through, so that a window among them for which it
 * publishes no record had no lines. The windows keep the span vouched for
 * and not yet published, and put it on the next record they fill: a window's
 * record (windows_peek) or a record of its own (windows_peek_vouch), the
 * drop that follows marking it published. The span is saved with the
 * windows, so each vouched window goes out on exactly one record, under
 * that record's identity, however the collector is stopped.
 *
 * A vouch-only record has no cells, all health counters 0, is no
 * correction, and its window is the last window of its span: a window of
 * the collector's length, aligned, as recent as the span allows, so it
 * passes the aggregator's checks as any record does; the aggregator counts
 * it neither as a window of data nor (having its own identity) as a
 * conflict with the record of that window, if there is one
 * (record_batch_vouch_only).
 */

/*
 * Vouch for [start_ms, end_ms) (aligned to the window length). What lies
 * before 0 (a record's span cannot) or before the end of the last span
 * published is left out. Returns 0 when it was added to the pending span
 * (or nothing was left to add), 1 when it lies apart from a pending span:
 * a record carries one span, so publish the pending one first
 * (windows_peek_vouch, windows_drop_vouch) and call again.
 */
int windows_vouch(struct windows *ws, int64_t start_ms, int64_t end_ms);
/*
 * A following collector's vouch, once per round of reading that began at
 * the clock's begin_ms and ended at end_ms: reading_ok is 0 when the round
 * could not read (an input missing, unreadable or failing, reading paused
 * by backpressure or an unwritable state directory): the stretch of
 * uninterrupted reading ends there. The first good round after that (or
 * after the start) begins a new stretch at its end_ms (not its begin_ms:
 * an input may have appeared only during the round); and when every input
 * was read to its end in a round of the stretch (at_end), the whole windows
 * from the stretch's start to begin_ms - grace_ms are vouched for: their
 * end passed on the clock, with the margin of grace for lines written late,
 * before every input was read to its end. The window in which a stretch
 * began is not whole, so the time the collector was not reading (stopped,
 * paused, without an input) is never vouched for. The stretch is not saved:
 * a restart begins a new one. Returns as windows_vouch.
 */
int windows_vouch_follow(struct windows *ws, int64_t begin_ms, int64_t end_ms, int64_t grace_ms,
                         int reading_ok, int at_end);
/*
 * A backfill's (--once) vouch: first_ms is the latest of the inputs' first
 * lines read by this run, last_ms the earliest of their newest lines
 * (INT64_MIN when an input has none yet: nothing is vouched for). Vouches
 * from the window holding first_ms through the window holding last_ms when
 * every input is at its end (at_end), or until last_ms - grace_ms while
 * reading on. Returns as windows_vouch.
 */
int windows_vouch_backfill(struct windows *ws, int64_t first_ms, int64_t last_ms,
                           int64_t grace_ms, int at_end);
/* The length in ms of the span vouched for and not published (0: none). */
int64_t windows_vouch_pending(const struct windows *ws);
/*
 * Fill b as a vouch-only record of the pending span (see above; carrier,
 * collector, epoch and seq are the caller's): 1, or 0 if nothing is
 * pending. windows_drop_vouch then marks it published, once the record is
 * safe.
 */
int windows_peek_vouch(const struct windows *ws, struct record_batch *b);
void windows_drop_vouch(struct windows *ws);

/* Append the whole state (for a checkpoint); -1 if sb's cap is exceeded. */
int windows_save(const struct windows *ws, struct strbuf *sb);
/*
 * Replace the state with one saved by windows_save; the vouch state is the
 * last part windows_save writes, and one saved before there was any (a
 * checkpoint of an earlier version, which ends with the windows) loads as
 * none pending. -1 if corrupt: another
 * window length, windows out of order or twice, a window outside
 * WINDOWS_TIME_MIN_MS..MAX_MS, a cell twice in a window, a cell key or count
 * or health counter out of range, a vouched span unaligned, out of order or
 * out of range (nothing loaded is trusted: every value is
 * checked before any arithmetic on it). On -1 the state is partly loaded:
 * free it or load again.
 */
int windows_load(struct windows *ws, struct deser *d);
/*
 * The same for a state saved in an older form: format 1 (checkpoints
 * version 1) has no input_losses in the health counters; WINDOWS_FORMAT is
 * what windows_save writes.
 */
#define WINDOWS_FORMAT 2
int windows_load_format(struct windows *ws, struct deser *d, int format);

#endif
