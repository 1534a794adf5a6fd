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
 * fill). Returns 1 if a window was taken, 0 if none is ready. Use INT64_MAX
 * to take everything.
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

/* Append the whole state (for a checkpoint); -1 if sb's cap is exceeded. */
int windows_save(const struct windows *ws, struct strbuf *sb);
/*
 * Replace the state with one saved by windows_save; -1 if corrupt: another
 * window length, windows out of order or twice, a window outside
 * WINDOWS_TIME_MIN_MS..MAX_MS, a cell twice in a window, a cell key or count
 * or health counter out of range (nothing loaded is trusted: every value is
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
