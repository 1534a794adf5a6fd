/*
 * store - the aggregator's one SQLite file: counts in 15-minute buckets, the
 * identity of every record stored, the windows received with their health
 * counters, the dead letters seen, and the Kafka positions reached. The store
 * is the truth: counts, identities and positions change together in one
 * transaction, so a crash at any point, a re-run or a duplicate delivery
 * never changes a total.
 *
 * Schema (version 1, PRAGMA user_version = 1; WAL, synchronous=FULL):
 *
 *   counts(bucket_start_ms, carrier, collector, spf, dkim, dmarc, arc,
 *          dmarc_policy, spam, messages)
 *       Primary key: every column but messages; a new record adds to messages.
 *       Result, policy and spam columns hold the lowercase names of
 *       domain/result.h ("pass", "absent", "quarantine", "ham", ...), so the
 *       file reads without the program.
 *   records(collector, epoch, seq, carrier, window_start_ms, window_end_ms,
 *           correction, cells, messages, lines_read, lines_malformed,
 *           lines_overlong, headers_untrusted, headers_malformed,
 *           messages_evicted, messages_late, topic, partition, kafka_offset)
 *       One row per stored record, primary key (collector, epoch, seq): the
 *       identity that makes a second delivery a no-op, the window it covers
 *       (for coverage reports) and its health counters.
 *   dead_letters(topic, partition, kafka_offset, reason, length)
 *       Kafka messages that could not be stored; primary key (topic,
 *       partition, kafka_offset), so a re-read counts once.
 *   positions(topic, partition, next_offset)
 *       The next Kafka offset to read per partition.
 *
 * Attribution: a record's counts go to the 15-minute bucket (aligned to the
 * Unix epoch, so to every UTC quarter hour) that contains its window_start.
 * Every time zone in use today has an offset that is a multiple of 15
 * minutes, so a month boundary in any zone is a bucket boundary; a record is
 * exact for any zone when its window lies inside one bucket (the collector's
 * default one-minute windows do), and otherwise counts wholly at its start.
 */
#ifndef ARSTAT_AGGREGATOR_STORE_H
#define ARSTAT_AGGREGATOR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "strbuf.h"

#define STORE_BUCKET_MS (15 * 60 * 1000)
/* A cell claiming more messages than this in one window is not believed: no
 * mail system sees a trillion messages a minute, and the bound keeps every
 * sum the report forms far from int64 overflow. */
#define STORE_CELL_MESSAGES_MAX INT64_C(1000000000000)

struct store;

enum store_mode {
	STORE_CREATE,   /* create the file and schema if missing (ingest) */
	STORE_EXISTING, /* the file must exist and hold our schema (report) */
};

/*
 * Open the store at path. Returns the store (the caller frees it with
 * store_free), or NULL with the reason in err: the file cannot be opened or
 * created, is not an SQLite file, holds another schema version, or the
 * journal mode cannot be set.
 */
struct store *store_new(const char *path, enum store_mode mode, struct strbuf *err);
/* Close; a transaction still open is rolled back. store_free(NULL) is a no-op. */
void store_free(struct store *st);

/* Start the one write transaction (BEGIN IMMEDIATE). 0, or -1 with err. */
int store_begin(struct store *st, struct strbuf *err);
/* Make everything since store_begin durable. 0, or -1 with err (the
 * transaction is then rolled back: nothing of it is stored). */
int store_commit(struct store *st, struct strbuf *err);
/* Undo everything since store_begin; a no-op outside a transaction. */
void store_rollback(struct store *st);

/* Where a record came from; kept with it for tracing. */
struct store_source {
	const char *topic;
	int32_t partition;
	int64_t offset;
};

enum store_add_status {
	STORE_ADDED = 0,     /* counts, identity and window stored */
	STORE_DUPLICATE = 1, /* identity already stored, same window: skipped */
	STORE_CONFLICT = 2,  /* identity already stored for another carrier or
	                        window: skipped, and worth a warning */
	STORE_INVALID = -1,  /* the batch fails store_batch_check: nothing stored */
	STORE_ERROR = -2,    /* SQLite failed; the transaction must be rolled back */
};

/*
 * Check what the store relies on: carrier and collector non-empty without
 * control characters, window_start < window_end, epoch any, seq >= 1, at
 * most RECORD_CELLS_MAX cells, every enum in range, 1 <= messages <=
 * STORE_CELL_MESSAGES_MAX, health counters >= 0. 0, or -1 with the first
 * problem in why (which never quotes a name from the batch).
 */
int store_batch_check(const struct record_batch *b, struct strbuf *why);

/*
 * Inside a transaction: store b unless its identity (collector, epoch, seq)
 * is already stored. src may be NULL. On STORE_INVALID and STORE_ERROR the
 * reason is in err.
 */
enum store_add_status store_add_record(struct store *st, const struct record_batch *b,
                                       const struct store_source *src, struct strbuf *err);

/* Inside a transaction: count a Kafka message that could not be stored
 * (reason: a short token such as "corrupt"). Returns 1 if new, 0 if this
 * (topic, partition, offset) was counted before, -1 with err. */
int store_add_dead_letter(struct store *st, const char *topic, int32_t partition,
                          int64_t offset, const char *reason, size_t length,
                          struct strbuf *err);

/* Inside a transaction: record the next offset to read. 0 or -1 with err. */
int store_set_position(struct store *st, const char *topic, int32_t partition,
                       int64_t next_offset, struct strbuf *err);
/* The stored next offset: 1 and *next_offset, 0 if none stored, -1 with err. */
int store_get_position(struct store *st, const char *topic, int32_t partition,
                       int64_t *next_offset, struct strbuf *err);

/*
 * Call fn once per distinct (carrier, results, policy, spam) combination with
 * the messages summed over every bucket in [start_ms, end_ms) and every
 * collector, in ascending carrier order (byte order). fn returns 0 to go on
 * or -1 to stop (store_sum_cells then returns -1 and leaves err as fn left
 * it). 0, or -1 with err (e.g. an unknown name in the file).
 */
typedef int (*store_cell_fn)(void *arg, const char *carrier, const struct record_cell *cell,
                             struct strbuf *err);
int store_sum_cells(struct store *st, int64_t start_ms, int64_t end_ms, store_cell_fn fn,
                    void *arg, struct strbuf *err);

/* Bucket holding instant ms (floor to STORE_BUCKET_MS, also before 1970). */
int64_t store_bucket_of(int64_t ms);

#endif
