/*
 * recids - which records a store holds: the identity (collector, epoch, seq)
 * that makes a second delivery of a record a no-op, each record's window,
 * health counters and origin, kept for tracing, and a digest of its content
 * that tells a second delivery from another record under the same identity.
 *
 * Store schema version 3 kept a row per record, and inserting it (one
 * B-tree seek among a thousand collectors' places) was half of ingest's
 * time. Version 4 keeps them packed (store.h shows where this fits):
 *
 *   record_seqs(collector, epoch, first_seq, last_seq)
 *       The seqs stored, per collector and epoch, as disjoint, non-touching
 *       ranges: a collector numbers its records 1, 2, 3, ..., so this is
 *       usually one row per (collector, epoch), changed once per batch.
 *   records_packed(id, collector, epoch, first_seq, last_seq, carrier,
 *                  source, records, digests, min_window_ms)
 *       The records themselves, up to RECIDS_ROW_MAX a row, all of one
 *       collector, epoch, carrier and source (or none), with consecutive
 *       seqs first_seq..last_seq, so rows never overlap. A seq is stored
 *       once; rows are added, and changed only by sealing, which deletes
 *       the records of a sealed month: a row of them goes, a row that also
 *       holds later records keeps those, as one row per run of consecutive
 *       seqs. A seq in record_seqs that no row holds is of a sealed record
 *       (RECIDS_GONE). min_window_ms is the earliest window_start_ms of the
 *       row's records (schema version 9), indexed, so that sealing a month
 *       (store.h) finds its rows without reading the table. A row is of one
 *       of two forms:
 *
 *       compact (schema version 9; digests is not NULL): records is a JSON
 *       array with one array per record, in seq order (entry k is seq
 *       first_seq + k):
 *         [window_start, window_length_ms, correction, cells, messages,
 *          partition, kafka_offset, lines_read, lines_malformed,
 *          lines_overlong, headers_untrusted, headers_malformed,
 *          messages_evicted, messages_late]
 *       window_start being in ms for the first entry and relative to the
 *       first entry's for the others; an entry ends after its last number
 *       that is not 0 (partition and offset: null for a record without a
 *       source), so with messages at the least. digests holds each record's
 *       content digest, 8 bytes little-endian per record in seq order.
 *       About 35 bytes a record where the older form took 89 (a row of 64
 *       records from Kafka: 2.6 KB instead of 6), because the seq, the
 *       window's end, the health counters of 0 and the digest's decimal
 *       digits are not written.
 *
 *       before version 9 (digests NULL): records is a JSON array with one
 *       array per record:
 *       [seq, window_start_ms, window_end_ms, correction, cells, messages,
 *        lines_read, lines_malformed, lines_overlong, headers_untrusted,
 *        headers_malformed, messages_evicted, messages_late, partition,
 *        kafka_offset, digest]  (partition and kafka_offset null for a
 *       record without a source; digest missing from the records of rows
 *       written before schema version 5). Rows of this form are still
 *       written for records without a digest (the upgrade from version 3)
 *       or with a window out of the compact form's range (none that intake
 *       lets through).
 *
 *       The digest is the content digest (store_cells.c computes it): the first
 *       8 bytes of the SHA-256 of the record's cells (combination and count,
 *       in the record's order, which the collector keeps ascending) and
 *       health counters, as a little-endian signed 64-bit integer. A record
 *       delivered again has the same digest; a record with other counts
 *       under the same identity and window differs but once in 2^64, and
 *       one crafted to match needs about 2^64 SHA-256 evaluations (a second
 *       preimage).
 *   records (a view)
 *       One row per record with the columns of version 3's table.
 *
 * Deciding whether a record is new costs no query in the usual case: for
 * each (collector, epoch) met, the range of seqs known not to be stored
 * around the last one looked up (the gap between two record_seqs rows) is
 * remembered, and the collector's next seqs fall in it. Only a seq outside
 * it, or a stored one, costs an index look-up; a stored one also reads the
 * record's row, to tell a duplicate from an identity reused for another
 * window or for the same window with other content. A record stored
 * without a digest (before schema version 5) cannot be compared: a record
 * of its identity and window is then RECIDS_UNVERIFIED, skipped as a
 * duplicate was before.
 *
 * recids works inside the caller's transaction on the caller's connection;
 * the caller must call recids_flush before COMMIT and recids_rollback after
 * a ROLLBACK.
 */
#ifndef ARSTAT_AGGREGATOR_RECIDS_H
#define ARSTAT_AGGREGATOR_RECIDS_H

#include <stdint.h>

#include <sqlite3.h>

#include "record.h"
#include "strbuf.h"

/* Records in one records_packed row, at most: a row of 64 typical records
 * is about 6 KB, well inside a 16 KiB page (rows of a rowid table spill
 * into overflow pages only past a page). */
#define RECIDS_ROW_MAX 64

/* The tables and the view, for the store's schema and its upgrade
 * (store_schema.c). The view records_named (store_schema.c) reads the view
 * records. */
#define RECIDS_TABLES_SQL \
	"CREATE TABLE record_seqs(" \
	" collector INTEGER NOT NULL REFERENCES collectors(id)," \
	" epoch INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL," \
	" PRIMARY KEY (collector, epoch, first_seq)" \
	") WITHOUT ROWID;" \
	"CREATE TABLE records_packed(" \
	" id INTEGER PRIMARY KEY," \
	" collector INTEGER NOT NULL REFERENCES collectors(id)," \
	" epoch INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL," \
	" carrier INTEGER NOT NULL REFERENCES carriers(id)," \
	" source INTEGER REFERENCES sources(id), records TEXT NOT NULL, digests BLOB," \
	" min_window_ms INTEGER);" \
	RECIDS_DAY_INDEX_SQL \
	RECIDS_WINDOW_INDEX_SQL
/* The day of a row's earliest window (UTC days since 1970; SQL's integer
 * division, the same wherever it is used), and the index that finds a row
 * by its day, collector, epoch and seq (schema version 10; see recids.c,
 * recids_stored). Before, it was records_packed_seq(collector, epoch,
 * first_seq, last_seq): each batch's new rows, one per collector, landed
 * at as many places as there are collectors, so a commit into a store
 * holding a month of 1,000 collectors wrote about 1,000 of that index's
 * 16 KiB leaf pages, and ingest into it took half as long again as into a
 * new store (results/store-growth.md). A batch's rows are of a few days:
 * a few places. Also run by the upgrade from version 9. */
#define RECIDS_DAY_SQL "(min_window_ms / 86400000)"
#define RECIDS_DAY_INDEX_SQL \
	"CREATE UNIQUE INDEX IF NOT EXISTS records_packed_day" \
	" ON records_packed(" RECIDS_DAY_SQL ", collector, epoch, first_seq);"
/* Sealing (store_seal.c) finds a month's rows by their earliest window;
 * also run by the upgrade from version 8. */
#define RECIDS_WINDOW_INDEX_SQL \
	"CREATE INDEX IF NOT EXISTS records_packed_window ON records_packed(min_window_ms);"
/* The view records: the rows of each form (above), one row per record.
 * Also run by the upgrade from version 8. */
#define RECIDS_VIEW_SQL \
	"CREATE VIEW records AS SELECT p.collector AS collector, p.epoch AS epoch," \
	" r.value ->> 0 AS seq, p.carrier AS carrier, r.value ->> 1 AS window_start_ms," \
	" r.value ->> 2 AS window_end_ms, r.value ->> 3 AS correction, r.value ->> 4 AS cells," \
	" r.value ->> 5 AS messages, r.value ->> 6 AS lines_read," \
	" r.value ->> 7 AS lines_malformed, r.value ->> 8 AS lines_overlong," \
	" r.value ->> 9 AS headers_untrusted, r.value ->> 10 AS headers_malformed," \
	" r.value ->> 11 AS messages_evicted, r.value ->> 12 AS messages_late," \
	" p.source AS source, r.value ->> 13 AS partition, r.value ->> 14 AS kafka_offset" \
	" FROM records_packed p, json_each(p.records) r WHERE p.digests IS NULL" \
	" UNION ALL SELECT collector, epoch, seq, carrier, window_start_ms," \
	" window_start_ms + length, correction, cells, messages, lines_read, lines_malformed," \
	" lines_overlong, headers_untrusted, headers_malformed, messages_evicted, messages_late," \
	" source, partition, kafka_offset FROM (SELECT p.collector AS collector," \
	" p.epoch AS epoch, p.first_seq + r.key AS seq, p.carrier AS carrier," \
	" CASE r.key WHEN 0 THEN r.value ->> 0" \
	"  ELSE (p.records ->> '$[0][0]') + (r.value ->> 0) END AS window_start_ms," \
	" r.value ->> 1 AS length, r.value ->> 2 AS correction, r.value ->> 3 AS cells," \
	" r.value ->> 4 AS messages, coalesce(r.value ->> 7, 0) AS lines_read," \
	" coalesce(r.value ->> 8, 0) AS lines_malformed," \
	" coalesce(r.value ->> 9, 0) AS lines_overlong," \
	" coalesce(r.value ->> 10, 0) AS headers_untrusted," \
	" coalesce(r.value ->> 11, 0) AS headers_malformed," \
	" coalesce(r.value ->> 12, 0) AS messages_evicted," \
	" coalesce(r.value ->> 13, 0) AS messages_late, p.source AS source," \
	" r.value ->> 5 AS partition, r.value ->> 6 AS kafka_offset" \
	" FROM records_packed p, json_each(p.records) r WHERE p.digests IS NOT NULL);"

/* One record as recids keeps it; names are the store's ids. */
struct recids_rec {
	int64_t collector, epoch, seq, carrier;
	int64_t window_start_ms, window_end_ms;
	int correction;
	int64_t cells, messages;
	struct record_health health;
	int64_t source; /* 0: no source (partition and offset not kept) */
	int32_t partition;
	int64_t offset;
	uint64_t digest; /* of the content (see records_packed above) */
	int has_digest;  /* read from a row: 0 if it was written without one */
};

enum recids_status {
	RECIDS_NEW = 0,       /* not stored: now gathered, written by recids_flush */
	RECIDS_DUPLICATE = 1, /* stored before with the same carrier, window and
	                         content digest */
	RECIDS_CONFLICT = 2,  /* stored before for another carrier or window */
	RECIDS_CONTENT_CONFLICT = 3, /* stored before for the same carrier and
	                                window with another content digest */
	RECIDS_UNVERIFIED = 4, /* stored before for the same carrier and window
	                          without a digest: the content cannot be compared */
	RECIDS_GONE = 5,      /* stored before, but its record is no longer kept
	                         (sealed, store_seal.c; or damage) */
	RECIDS_ERROR = -1,    /* SQLite failed, or a row is not in our form */
};

struct recids;

/* Prepare the statements on db, which must hold the tables above. Returns
 * the handle (recids_free frees it), or NULL with err. */
struct recids *recids_new(sqlite3 *db, struct strbuf *err);
/* recids_free(NULL) is a no-op. Records not flushed are dropped. */
void recids_free(struct recids *ri);

/*
 * Inside a transaction: is r's identity stored, or gathered earlier in this
 * transaction? If not, gather r (RECIDS_NEW). The identity decides whether
 * r is new; if it is not, r's carrier, window and digest (r->digest, which
 * the caller sets) say which of the other statuses it is. Nothing but a new
 * record is gathered. May write what
 * is gathered (recids_flush) to bound memory. RECIDS_ERROR with err.
 */
enum recids_status recids_add(struct recids *ri, const struct recids_rec *r,
                              struct strbuf *err);
/* The record that the last recids_add not returning RECIDS_NEW or
 * RECIDS_ERROR met under r's identity: its carrier, window, correction and
 * digest (has_digest 0 if it has none); its other fields are not read.
 * Valid until the next recids_add. */
const struct recids_rec *recids_found(const struct recids *ri);
/* Is (collector, epoch, seq) stored, or gathered in this transaction?
 * Nothing is gathered. 1, 0, or -1 with err. */
int recids_contains(struct recids *ri, int64_t collector, int64_t epoch, int64_t seq,
                    struct strbuf *err);

/*
 * A records_packed row's records, of either form (above): text its records
 * column, digests its digests column (NULL for a row of the older form,
 * dlen bytes), first_seq its first_seq. Into out[0..*n), at most max; the
 * fields a row keeps in columns (collector, epoch, carrier, source) are
 * left as they are, input_losses is 0. This is the one reader of every
 * entry besides the finder of one seq. 0, or -1 if the row is not in
 * either form or holds more than max records.
 */
int recids_row_decode(const unsigned char *text, size_t len, const unsigned char *digests,
                      size_t dlen, int64_t first_seq, struct recids_rec *out, size_t max,
                      size_t *n);
/* recs[0..n) (1 <= n <= RECIDS_ROW_MAX, consecutive seqs in order, source
 * as the row's) as a row: its records text into text (made by
 * recids_row_text_init: its cap holds a row), and if the row is compact its
 * digests into digests (room for RECIDS_ROW_MAX * 8 bytes). Returns 1 for
 * a compact row, 0 for one of the older form (digests untouched: the
 * column is NULL). */
int recids_row_encode(struct strbuf *text, unsigned char *digests, const struct recids_rec *recs,
                      size_t n);
void recids_row_text_init(struct strbuf *text);

/* Inside a transaction: write what is gathered. 0, or -1 with err (the
 * caller must then roll back and call recids_rollback). */
int recids_flush(struct recids *ri, struct strbuf *err);
/* After the caller's ROLLBACK: forget what is gathered and what was learnt
 * from the store in the transaction. */
void recids_rollback(struct recids *ri);

#endif
