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
 *                  source, records)
 *       The records themselves, up to RECIDS_ROW_MAX a row, all of one
 *       collector, epoch, carrier and source (or none), with consecutive
 *       seqs first_seq..last_seq, so rows never overlap. records is a
 *       JSON array with one array per record:
 *       [seq, window_start_ms, window_end_ms, correction, cells, messages,
 *        lines_read, lines_malformed, lines_overlong, headers_untrusted,
 *        headers_malformed, messages_evicted, messages_late, partition,
 *        kafka_offset, digest]  (partition and kafka_offset null for a
 *       record without a source; digest missing from the records of rows
 *       written before schema version 5).
 *       min_window_ms is the earliest window_start_ms of the row's records
 *       (schema version 9), indexed, so that sealing a month (store.h)
 *       finds its rows without reading the table. A seq is stored once;
 *       rows are added, and changed only by sealing, which deletes the
 *       records of a sealed month: a row of them goes, a row that also
 *       holds later records keeps those (its seqs then need not be
 *       consecutive, and first_seq, last_seq and min_window_ms are its
 *       kept records'). A seq in record_seqs that no row holds is of a
 *       sealed record (RECIDS_GONE).
 *
 *       digest is the content digest (store_cells.c computes it): the first
 *       8 bytes of the SHA-256 of the record's cells (combination and count,
 *       in the record's order, which the collector keeps ascending) and
 *       health counters, as a little-endian signed 64-bit integer. A record
 *       delivered again has the same digest; a record with other counts
 *       under the same identity and window differs but once in 2^64, and
 *       one crafted to match needs about 2^64 SHA-256 evaluations (a second
 *       preimage). It costs about 20 bytes a record and 0.2 us to compute.
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
	" source INTEGER REFERENCES sources(id), records TEXT NOT NULL," \
	" min_window_ms INTEGER);" \
	"CREATE UNIQUE INDEX records_packed_seq" \
	" ON records_packed(collector, epoch, first_seq, last_seq);" \
	RECIDS_WINDOW_INDEX_SQL
/* Sealing (store_seal.c) finds a month's rows by their earliest window;
 * also run by the upgrade from version 8. */
#define RECIDS_WINDOW_INDEX_SQL \
	"CREATE INDEX IF NOT EXISTS records_packed_window ON records_packed(min_window_ms);"
#define RECIDS_VIEW_SQL \
	"CREATE VIEW records AS SELECT p.collector AS collector, p.epoch AS epoch," \
	" r.value ->> 0 AS seq, p.carrier AS carrier, r.value ->> 1 AS window_start_ms," \
	" r.value ->> 2 AS window_end_ms, r.value ->> 3 AS correction, r.value ->> 4 AS cells," \
	" r.value ->> 5 AS messages, r.value ->> 6 AS lines_read," \
	" r.value ->> 7 AS lines_malformed, r.value ->> 8 AS lines_overlong," \
	" r.value ->> 9 AS headers_untrusted, r.value ->> 10 AS headers_malformed," \
	" r.value ->> 11 AS messages_evicted, r.value ->> 12 AS messages_late," \
	" p.source AS source, r.value ->> 13 AS partition, r.value ->> 14 AS kafka_offset" \
	" FROM records_packed p, json_each(p.records) r;"

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
 * A records_packed row's records, text being its records column (the form
 * recids_row_encode writes; this is the one reader of every entry besides
 * the finder of one seq): into out[0..*n), at most max; the fields a row
 * keeps in columns (collector, epoch, carrier, source) are left as they
 * are, input_losses is 0. 0, or -1 if the text is not in that form or
 * holds more than max records.
 */
int recids_row_decode(const unsigned char *text, size_t len, struct recids_rec *out,
                      size_t max, size_t *n);
/* recs[0..n) (n <= RECIDS_ROW_MAX, source as the row's) as a row's records
 * text, into text (made by recids_row_text_init: its cap holds a row). */
void recids_row_encode(struct strbuf *text, const struct recids_rec *recs, size_t n);
void recids_row_text_init(struct strbuf *text);

/* Inside a transaction: write what is gathered. 0, or -1 with err (the
 * caller must then roll back and call recids_rollback). */
int recids_flush(struct recids *ri, struct strbuf *err);
/* After the caller's ROLLBACK: forget what is gathered and what was learnt
 * from the store in the transaction. */
void recids_rollback(struct recids *ri);

#endif
