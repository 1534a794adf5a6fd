/*
 * checkpoint - the collector's progress in one file, state_dir/checkpoint,
 * replaced atomically by state_save_blob (see collector.h for what it makes
 * exactly-once). Its format, all integers little-endian (common/ser.h):
 *
 *   "ARSTCKP1", u32 version (2; 1 is still read), body, u32 CRC-32 of the body
 *   body: i64 next sequence number, u64 outbox start, u64 outbox end,
 *         i64 newest log time read (ms, INT64_MIN if none), u32 inputs,
 *         per input: bytes name, its position (tail_pos_save),
 *                    bytes journal cursor (empty for a file; v2),
 *         the open messages (messages_save), the windows (windows_save;
 *         v2 with the health counter input_losses)
 *
 * Each part is written and read by the module that owns it; this one orders
 * them, frames them and checks the frame. Checkpoints already on disk must
 * keep loading: tests/unit/golden/checkpoint-v1.hex holds one of version 1
 * (before fates, journal cursors and input_losses: read as no fate, no
 * cursor, no losses), checkpoint-v2.hex one of version 2.
 */
#ifndef ARSTAT_COLLECTOR_CHECKPOINT_H
#define ARSTAT_COLLECTOR_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "messages.h"
#include "state.h"
#include "strbuf.h"
#include "tail.h"
#include "windows.h"

/* Longest input name a checkpoint holds (settings allow fewer). */
#define CHECKPOINT_NAME_MAX 127

struct checkpoint_input {
	char name[CHECKPOINT_NAME_MAX + 1];
	struct tail_pos pos;                /* a file's position (zero for a journal) */
	char cursor[JOURNAL_CURSOR_MAX];    /* a journal's position ("" for a file) */
};

/* What a checkpoint holds besides the open messages and the windows. */
struct checkpoint {
	int64_t next_seq;       /* next sequence number to give a record (>= 1) */
	uint64_t outbox_start;  /* the outbox's live part (outbox.h) */
	uint64_t outbox_end;
	int64_t log_now;        /* newest log time read (ms), INT64_MIN if none */
	struct checkpoint_input *inputs;
	size_t ninputs;
};

/*
 * Write k, ms's open messages and ws's windows as st's checkpoint, durable
 * when it returns 0; its size in bytes in *size if size is not NULL. -1
 * with err if it would exceed the size bound or the state directory cannot
 * be written (the previous checkpoint is then left as it was). k and its
 * inputs stay the caller's.
 */
int checkpoint_save(struct state *st, const struct checkpoint *k, const struct messages *ms,
                    const struct windows *ws, size_t *size, struct strbuf *err);

/*
 * Read st's checkpoint into k, and its open messages and windows into ms
 * and ws (replacing theirs). Returns 1 if read, 0 if there is none (k is
 * then zeroed, ms and ws untouched), -1 with err if it cannot be read or is
 * corrupt: a bad frame, a checksum mismatch, or content no collector writes,
 * whatever its checksum (a sequence number, outbox range or time out of
 * range, more than 4096 inputs or one twice, and what messages_load and
 * windows_load refuse, which includes windows of another window length);
 * ms and ws are then partly loaded. k->inputs is allocated: free it with
 * checkpoint_release, whatever the return.
 */
int checkpoint_load(struct state *st, struct checkpoint *k, struct messages *ms,
                    struct windows *ws, struct strbuf *err);
void checkpoint_release(struct checkpoint *k);

/*
 * How long after the start of the last save the next one is due (ms), for
 * a collector that saves at most every interval_ms: longer when the last
 * checkpoint was large or slow. A checkpoint is rewritten whole (every open
 * message: 57 MB for 200,000), so at a fixed interval its write rate would
 * grow with the table; spaced by the last one's size (last_bytes) and by
 * how long saving it took (took_ms: the write and the fsyncs), writing them
 * stays under max_bytes_per_second (> 0) and 5 % of the time.
 */
int64_t checkpoint_wait_ms(int64_t interval_ms, int64_t max_bytes_per_second, size_t last_bytes,
                           int64_t took_ms);

#endif
