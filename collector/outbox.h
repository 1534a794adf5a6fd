/*
 * outbox - records made durable on local disk before they are sent.
 *
 * An append-only file in the state directory (state_dir/outbox) holds every
 * record not yet acknowledged by the sink, framed as
 *   u32 length, i64 sequence number, bytes, u32 CRC-32 of sequence and bytes.
 * The checkpoint stores which part of the file is live ([start, end)): a
 * record is appended, the file is fsync'ed, the checkpoint that covers it is
 * written, and only then is the record sent. After a crash the file is cut
 * back to the checkpoint's end, and everything in [start, end) is sent
 * again under the same sequence numbers, which the aggregator recognises.
 */
#ifndef ARSTAT_COLLECTOR_OUTBOX_H
#define ARSTAT_COLLECTOR_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct outbox;

struct outbox_record {
	int64_t seq;
	const void *data;
	size_t len;
};

/*
 * Open state_dir/outbox, cut it to `end` and load the records in
 * [start, end) as unsent. NULL with err on I/O error, a corrupt record, or
 * records not in increasing sequence order from 1.
 */
struct outbox *outbox_open(const char *state_dir, uint64_t start, uint64_t end,
                           struct strbuf *err);
void outbox_free(struct outbox *ob);

/* Append a record (copied); durable after outbox_sync. 0 or -1 with err. */
int outbox_append(struct outbox *ob, int64_t seq, const void *data, size_t len,
                  struct strbuf *err);
int outbox_sync(struct outbox *ob, struct strbuf *err);

/* The next record below sequence number `below` not yet handed to the sink,
 * marked as handed; 0 if none. (Records appended after the last durable
 * checkpoint must not be sent yet: pass its next sequence number.) */
int outbox_next_unsent(struct outbox *ob, int64_t below, struct outbox_record *r);
/* The sink acknowledged seq (ok) or gave up on it (!ok: it will be sent again). */
void outbox_ack(struct outbox *ob, int64_t seq, int ok);

/* The live part of the file, for the checkpoint. */
uint64_t outbox_start(const struct outbox *ob);
uint64_t outbox_end(const struct outbox *ob);
size_t outbox_count(const struct outbox *ob);   /* records not acknowledged */
int64_t outbox_last_seq(const struct outbox *ob); /* the newest one's seq; 0 if none */
uint64_t outbox_bytes(const struct outbox *ob); /* their bytes */

/*
 * If every record is acknowledged, start over at offset 0: call before
 * writing a checkpoint, then outbox_reset_done() after it is durable (which
 * empties the file). Returns 1 if a reset is pending.
 */
int outbox_reset_begin(struct outbox *ob);
int outbox_reset_done(struct outbox *ob, struct strbuf *err);

#endif
