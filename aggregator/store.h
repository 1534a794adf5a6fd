/*
 * store - the aggregator's one SQLite file: counts in 15-minute buckets, the
 * identity of every record stored, the stretches of time each collector has
 * covered, the dead letters seen, and the Kafka positions reached. The store
 * is the truth: counts, identities and positions change together in one
 * transaction, so a crash at any point, a re-run or a duplicate delivery
 * never changes a total.
 *
 * Schema (version 10, PRAGMA user_version = 10; WAL; 16 KiB pages in a store
 * created by version 3 or later):
 *
 *   carriers(id, name), collectors(id, name), sources(id, name)
 *       Names stored once; the other tables refer to them by id.
 *   results(id, name), policies(id, name), spam_verdicts(id, name),
 *   fates(id, name)
 *       The vocabulary, with the lowercase names of domain/result.h ("pass",
 *       "absent", "quarantine", "ham", "rejected", ...). A cell (one
 *       combination of SPF, DKIM, DMARC and ARC result, published policy,
 *       spam verdict and fate) is stored as one integer, the mixed-radix
 *       number of those seven ids: (((((fate * 9 + spf) * 9 + dkim) * 9 +
 *       dmarc) * 9 + arc) * 4 + policy) * 3 + spam, below 393,660. Fate
 *       unknown is id 0, so its cells (every v1 record's, and all cells of
 *       a store before version 7) are below 78,732. The program maps names
 *       to ids when it opens the store, so the file says what its numbers
 *       mean.
 *   counts_packed(id, bucket_start_ms, carrier, collector, cells)
 *       The finest grain: per 15-minute bucket, carrier and collector, one
 *       row whose cells are a JSON array of pairs, the first cell's id and
 *       its message count, then each next id's difference from the one
 *       before and its count: [1234,17,6,3] is cells 1234 and 1240, ids
 *       ascending, counts >= 1, no blanks (store_cells.c). Rows written
 *       before version 9 are a JSON object, {"1234":17,"1240":3}, until a
 *       batch adds to them.
 *   counts_sealed(id, bucket_start_ms, carrier, cells)
 *       A sealed day's counts (see Sealing below): counts_packed's rows
 *       of its buckets summed over collectors, per bucket and carrier, in
 *       the same form.
 *   counts(bucket_start_ms, carrier, collector, cell, messages)
 *       A view of counts_packed with one row per cell (json_each and a
 *       running sum), the rows of version 2's counts table; and of
 *       counts_sealed, with collector NULL (counts_named shows NULL too: no
 *       collector name can be NULL, where any printable text, "(sealed)"
 *       say, could be a collector's).
 *   items(id, name)
 *       What a report adds up, one id each: the messages with each result of
 *       each method ("spf.pass", ..., "arc.absent"), the messages with a
 *       DMARC result by published policy ("dmarc_policy.reject", ...), by
 *       spam verdict ("spam.ham", ...), and all messages ("messages"): 44
 *       items for messages of fate unknown, ids 0 to 43, and the same 44 for
 *       each other fate, named with the fate in front ("rejected.spf.pass",
 *       "accepted.messages") and numbered fate * 44 + the unknown one's id.
 *   carrier_totals(bucket_start_ms, carrier, item, messages)
 *   carrier_day_totals(day_start_ms, carrier, item, messages)
 *       Those items summed over collectors and combinations, per bucket and
 *       per UTC day: a report needs each method's results, not their joint
 *       distribution (which counts keeps). They are written in the
 *       transaction that writes counts, so all three always agree. A month
 *       is read as its whole UTC days from carrier_day_totals and the partial
 *       days at its ends from carrier_totals: at most 220 x (31 + 192) rows
 *       per carrier, whatever the number of collectors and combinations.
 *   record_seqs(collector, epoch, first_seq, last_seq)
 *   records_packed(id, collector, epoch, first_seq, last_seq, carrier,
 *                  source, records, digests)
 *       Which records are stored: the identity (collector, epoch, seq) that
 *       makes a second delivery a no-op, as ranges of seqs, and each
 *       record's window, health counters and origin, up to 64 records a row
 *       (recids.h describes both).
 *   records(collector, epoch, seq, carrier, window_start_ms, window_end_ms,
 *           correction, cells, messages, lines_read, lines_malformed,
 *           lines_overlong, headers_untrusted, headers_malformed,
 *           messages_evicted, messages_late, source, partition, kafka_offset)
 *       A view of records_packed with one row per record, the rows of
 *       version 3's records table.
 *   runs(carrier, collector, start_ms, end_ms, window_ms)
 *       Disjoint, non-touching stretches of time covered by a collector's
 *       windows (corrections excluded), merged as records arrive: the
 *       coverage report reads gaps from here without scanning records.
 *       window_ms is the length of the last window added to the run. A
 *       vouch-only record (record_batch_vouch_only) adds no run: its window
 *       is only the last of its span.
 *   vouched(carrier, collector, start_ms, end_ms, window_ms)
 *       Disjoint, non-touching spans a collector vouched for (the vouch_start
 *       and vouch_end of its records, schema v2: it read every input through
 *       them, so a window in them without a record had no lines), merged as
 *       records arrive, whatever their epoch, order or overlap; window_ms is
 *       the window length of the last record merged in. Coverage counts a
 *       window in them as covered (coverage.h).
 *   conflicts(collector, epoch, seq, digest, carrier, window_start_ms,
 *             window_end_ms)
 *       Records refused because their identity was stored with other
 *       content (another carrier or window, or other cells or health: see
 *       recids.h), once per identity and content digest of the refused
 *       record, under the carrier and window of the stored one, whose
 *       counts are in question; the coverage report shows them per
 *       collector and month. The refused record itself is a dead letter.
 *   dead_letters(source, partition, kafka_offset, reason, length)
 *       Messages that could not be stored; primary key (source, partition,
 *       kafka_offset), so a re-read counts once.
 *   declarations(id, declared_ms, file, sha256, rows)
 *   declared_accounts(carrier, month, declaration, accounts, filter_users)
 *       What carriers declared that no log holds (arstat-aggregator
 *       declare): per carrier and month "YYYY-MM", mailbox accounts and
 *       accounts using a spam filter, with the declaration they came in
 *       (when it was stored, the file's path as given and the SHA-256 of
 *       its bytes). Nothing is replaced: the declaration with the highest
 *       id of a carrier and month is the one a report uses.
 *   health_sealed(bucket_start_ms, carrier, records, messages, lines_read,
 *                 lines_malformed, lines_overlong, headers_untrusted,
 *                 headers_malformed, messages_evicted, messages_late)
 *       A sealed day's records summed per 15-minute bucket (of each
 *       record's window_start) and carrier: how many, their messages and
 *       their health counters.
 *   sealed(period, start_ms, end_ms, sealed_ms, records, records_rows,
 *          records_rows_trimmed, counts_rows, counts_sealed_rows,
 *          totals_rows)
 *       The periods sealed, [start_ms, end_ms): a UTC day "YYYY-MM-DD"
 *       (version 10), or a UTC month "YYYY-MM" sealed whole by version 9;
 *       when, and what was collapsed: records and records_packed rows
 *       deleted (and rows that kept their later records), counts_packed
 *       rows deleted and counts_sealed rows written.
 *   positions(topic, partition, next_offset)
 *       The next Kafka offset to read per partition.
 *   Views counts_named, carrier_totals_named, carrier_day_totals_named,
 *   records_named and runs_named show the same rows with names instead of
 *   ids, so the file reads without the program.
 *
 * Versions: store_new() upgrades a store of version 2 (counts a table with a
 * row per cell) to 3, one of version 3 (records a table with a row per
 * record) to 4, and one of version 4 (no content digests, no conflicts
 * table) to 5, one of version 5 (no declarations) to 6, and one of version 6
 * (no fates: its cells and items are of fate unknown) to 7, and one of
 * version 7 (no vouched spans) to 8, one of version 8 (no compact rows,
 * no sealing) to 9, and one of version 9 (sealed months, its column month;
 * records_packed indexed by collector first) to 10, each in one transaction, on first open by this program (ingest or
 * report); version 1 (a development build) is refused.
 *
 * Durability: a commit is atomic (WAL). The first store_begin starts a
 * thread that checkpoints the log after each commit (checkpointer.h); with
 * it running, commits do not wait for the disk (synchronous=NORMAL) and its
 * checkpoint syncs them instead, moments later. A crash of the process loses
 * nothing committed; a power loss in those moments may undo the last
 * batches whole (their counts, identities and positions together), which
 * ingest then reads again. store_free() syncs everything.
 *
 * Sealing (store_seal): identities and per-record details are needed only
 * while a second delivery can still arrive. Once a UTC day [s, e) is
 * older than the replay horizon (the setting seal_after_days), it can be
 * sealed, in one transaction (a crash leaves it sealed or not, never
 * half): its counts_packed rows are summed over collectors into
 * counts_sealed and deleted; its records (windows starting before e) are
 * summed into health_sealed and deleted from records_packed (a row
 * holding later records keeps those); its carrier_totals quarter-hours
 * are deleted unless it is the first or last day of its month (the day
 * totals say the same; see store_seal.c); a row goes into sealed. The day,
 * not the month, so that what is not sealed spans the horizon and a day,
 * not a month and the horizon. Kept as they are: record_seqs (every
 * identity), runs, vouched, conflicts, dead_letters, carrier_day_totals,
 * declarations: so every report (which reads the totals, runs and vouched
 * spans, in any time zone, since every zone's month is whole buckets) is
 * the same before, while its month is partly sealed, and after. A record
 * arriving later whose window starts in a sealed day is not stored
 * (STORE_SEALED_DUPLICATE if its identity is stored, STORE_DAY_SEALED if
 * not); one of a day not sealed whose identity is a sealed record's is
 * STORE_SEALED_CONFLICT. Days are sealed oldest first: a day is refused
 * while records or counts of an earlier day are not sealed. Months sealed
 * whole by version 9 stay sealed periods as they are.
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
#include "timeutil.h"

struct digest;

#define STORE_BUCKET_MS (15 * 60 * 1000)
#define STORE_DAY_MS (24 * 60 * 60 * 1000)
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
 * Open the store at path, upgrading a store of schema version 2 or later to
 * the current one (see above).
 * Returns the store (the caller frees it with store_free), or NULL with the
 * reason in err: the file cannot be opened or created, is not an SQLite
 * file, holds another schema version, a cells table this program cannot
 * read or (versions 2 and 3) a row it cannot have written, or the journal
 * mode cannot be set. A store is used by one thread (its checkpoint thread
 * has its own connection).
 */
struct store *store_new(const char *path, enum store_mode mode, struct strbuf *err);
/* Close: a transaction still open is rolled back, the checkpoint thread is
 * stopped and what was committed is synced. store_free(NULL) is a no-op. */
void store_free(struct store *st);

/* Start the one write transaction (BEGIN IMMEDIATE). 0, or -1 with err. */
int store_begin(struct store *st, struct strbuf *err);
/* Write the counts and runs gathered since store_begin and commit; the sync
 * follows on the checkpoint thread (see Durability above). 0, or -1 with err
 * (the transaction is then rolled back: nothing of it is stored). */
int store_commit(struct store *st, struct strbuf *err);
/* Undo everything since store_begin; a no-op outside a transaction. */
void store_rollback(struct store *st);

/* Where a record came from; kept with it for tracing. For Kafka: the topic,
 * partition and offset; for a container file: its identity (ocf.h), the
 * record's index in its block, the block's byte offset. */
struct store_source {
	const char *name;
	int32_t partition;
	int64_t offset;
};

enum store_add_status {
	STORE_ADDED = 0,     /* counts, identity and window stored */
	STORE_DUPLICATE = 1, /* identity already stored, same window: skipped */
	STORE_CONFLICT = 2,  /* identity already stored for another carrier or
	                        window: skipped, kept in conflicts, and worth a
	                        warning */
	STORE_CONTENT_CONFLICT = 3, /* identity already stored for the same
	                               window with other content (cells or
	                               health): skipped, kept in conflicts */
	STORE_UNVERIFIED = 4, /* identity already stored, same window, by a
	                         version that kept no content digest: skipped
	                         as a duplicate that could not be compared */
	STORE_SEALED_DUPLICATE = 5, /* window in a sealed day, identity stored:
	                               a record of it delivered again; skipped */
	STORE_DAY_SEALED = 6, /* window in a sealed day, identity not stored:
	                         too late to be counted; skipped */
	STORE_SEALED_CONFLICT = 7, /* identity stored for a record of a sealed
	                              day (its details are gone: not kept in
	                              conflicts); skipped */
	STORE_INVALID = -1,  /* the batch fails store_batch_check: nothing stored */
	STORE_ERROR = -2,    /* SQLite failed; the transaction must be rolled back */
};

/*
 * Check what the store relies on: carrier and collector non-empty without
 * control characters, window_start < window_end, epoch any, seq >= 1, at
 * most RECORD_CELLS_MAX cells, every enum in range (fates too), 1 <= messages <=
 * STORE_CELL_MESSAGES_MAX, health counters >= 0. 0, or -1 with the first
 * problem in why (which never quotes a name from the batch).
 */
int store_batch_check(const struct record_batch *b, struct strbuf *why);

/*
 * Inside a transaction: store b unless its identity (collector, epoch, seq)
 * is already stored. The identity is written at once (so a second copy later
 * in the same transaction is a duplicate); the counts and the covered window
 * are gathered in memory and written by store_commit. src may be NULL. On
 * STORE_INVALID and STORE_ERROR the reason is in err.
 */
enum store_add_status store_add_record(struct store *st, const struct record_batch *b,
                                       const struct store_source *src, struct strbuf *err);

/*
 * What store_add_record works out from the record alone, before it touches
 * the store: whether store_batch_check passes and the content digest
 * (recids.h). Ingest does this on its reader thread, so that the writer,
 * the thread every record waits for, does not (the digest and the check
 * were an eighth of the writer's time, measured: results/store-growth.md).
 */
struct store_prepared {
	int valid;       /* store_batch_check passed */
	uint64_t digest; /* the content digest, if valid */
};

/*
 * Prepare b into *p with the digest context ctx (digest_new; one per
 * thread). No store is needed; any thread. 0, or -1 with why set as
 * store_batch_check sets it (p->valid is then 0).
 */
int store_prepare_record(struct digest *ctx, const struct record_batch *b,
                         struct store_prepared *p, struct strbuf *why);

/*
 * store_add_record for a b prepared by store_prepare_record into p (which
 * must be b's, unchanged since): the same results. p->valid 0 gives
 * STORE_INVALID with why_invalid (the reason store_prepare_record gave; may
 * be NULL) in err.
 */
enum store_add_status store_add_prepared(struct store *st, const struct record_batch *b,
                                         const struct store_prepared *p, const char *why_invalid,
                                         const struct store_source *src, struct strbuf *err);

/* Inside a transaction: count a message that could not be stored (reason: a
 * short token such as "corrupt"). Returns 1 if new, 0 if this (source,
 * partition, offset) was counted before, -1 with err. */
int store_add_dead_letter(struct store *st, const struct store_source *src, const char *reason,
                          size_t length, struct strbuf *err);

/* Inside a transaction: record the next offset to read. 0 or -1 with err. */
int store_set_position(struct store *st, const char *topic, int32_t partition,
                       int64_t next_offset, struct strbuf *err);
/* The stored next offset: 1 and *next_offset, 0 if none stored, -1 with err. */
int store_get_position(struct store *st, const char *topic, int32_t partition,
                       int64_t *next_offset, struct strbuf *err);

/* What a report adds up for a carrier (the items above). */
struct store_totals {
	/* The population of every share: messages whose fate is accepted or
	 * unknown (every v1 record's), not those refused. */
	int64_t results[AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t dmarc_policy[POL_COUNT]; /* messages with a DMARC result (not absent) */
	int64_t spam[SPAM_COUNT];
	int64_t messages;
	/* Each fate's messages alone, by method and result, and in all. */
	int64_t fate_results[FATE_COUNT][AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t fate_messages[FATE_COUNT];
	/* A sum passed INT64_MAX (a store written before the limits of
	 * intake.h, or damaged): the figures that did are INT64_MAX. */
	int overflow;
	/* Rows of items that are none of store.h's were left out (damage). */
	int unknown_items;
};

/*
 * Call fn once per carrier with its totals over every bucket that starts in
 * [start_ms, end_ms), in ascending carrier order (byte order); carriers
 * without messages there are left out. A sum that would pass INT64_MAX
 * stops there and sets the totals' overflow. fn returns 0 to go on or -1
 * to stop (store_sum_totals then returns -1 and leaves err as fn left it).
 * A row of an item that is none of those above is left out and counted in
 * unknown_items. 0, or -1 with err (SQLite failed, a row names no
 * carrier, or the range begins or ends inside a sealed UTC day that is not
 * its month's first or last: sealing deleted that day's quarter hours).
 */
typedef int (*store_totals_fn)(void *arg, const char *carrier, const struct store_totals *t,
                               struct strbuf *err);
int store_sum_totals(struct store *st, int64_t start_ms, int64_t end_ms, store_totals_fn fn,
                     void *arg, struct strbuf *err);

/* One stretch of covered time (see runs above), or one span vouched for
 * (vouched). */
struct store_run {
	const char *carrier;
	const char *collector;
	int64_t start_ms, end_ms, window_ms;
	int vouched; /* 1: a row of vouched, 0: of runs */
};

/*
 * Call fn for every run and every vouched span, ordered by carrier,
 * collector (byte order) and start (a run before a span of the same start);
 * the strings are valid during the call only. A row that is no span (no
 * names, end not after start, window not positive: damage) is passed over
 * with a warning. fn returns 0 or -1 as for store_sum_totals. 0, or -1
 * with err.
 */
typedef int (*store_run_fn)(void *arg, const struct store_run *run, struct strbuf *err);
int store_runs(struct store *st, store_run_fn fn, void *arg, struct strbuf *err);

/*
 * The conflicts kept (see conflicts above) of collector of carrier whose
 * stored record's window starts in [start_ms, end_ms), into *n. 0, or -1
 * with err.
 */
int store_count_conflicts(struct store *st, const char *carrier, const char *collector,
                          int64_t start_ms, int64_t end_ms, int64_t *n, struct strbuf *err);

/* What a publication records of the store it was made from (publish.h). */
struct store_position {
	char *topic;
	int32_t partition;
	int64_t next_offset;
};

struct store_state {
	int64_t records;      /* identities stored (record_seqs' ranges summed) */
	int64_t dead_letters; /* messages that could not be stored */
	struct store_position *positions; /* by topic (byte order), partition */
	size_t npositions;
};

/*
 * Read the store's state into out (which the caller releases with
 * store_state_release, also after a failure). Outside a transaction. 0, or
 * -1 with err.
 */
int store_state_read(struct store *st, struct store_state *out, struct strbuf *err);
void store_state_release(struct store_state *s);

/* One carrier's figures for one month, as a declaration gives them. */
struct store_declared {
	const char *carrier; /* a registered carrier's id */
	const char *month;   /* "YYYY-MM" */
	int64_t accounts, filter_users; /* 0 <= filter_users <= accounts */
};

/*
 * Inside a transaction: store a declaration of n rows (at most one per
 * carrier and month) made at declared_ms from the file named file whose
 * bytes have the SHA-256 sha256 (64 lowercase hex digits); its id into *id.
 * Earlier declarations stay; this one wins for its carriers and months. 0,
 * or -1 with err (SQLite failed, or a row the table's checks refuse; the
 * caller rolls back).
 */
int store_add_declaration(struct store *st, int64_t declared_ms, const char *file,
                          const char *sha256, const struct store_declared *rows, size_t n,
                          int64_t *id, struct strbuf *err);

/* A declared row as a report uses it: the carrier's latest for the month. */
struct store_declaration {
	const char *carrier;
	int64_t accounts, filter_users;
	int64_t id, declared_ms; /* the declaration it came in */
	const char *file, *sha256;
};

/*
 * Call fn for each carrier with a declaration for month ("YYYY-MM"), with
 * the latest (highest id) one's row, in carrier order (byte order); the
 * strings are valid during the call only. fn returns 0 or -1 as for
 * store_sum_totals. 0, or -1 with err.
 */
typedef int (*store_declaration_fn)(void *arg, const struct store_declaration *d,
                                    struct strbuf *err);
int store_declarations(struct store *st, const char *month, store_declaration_fn fn, void *arg,
                       struct strbuf *err);

/* What store_seal_day did. */
struct store_seal_result {
	char day[TIME_DAY_LEN + 1]; /* "YYYY-MM-DD" */
	int already;              /* it was sealed before: nothing done */
	int64_t records;          /* records deleted (their health summed) */
	int64_t records_rows;     /* records_packed rows deleted */
	int64_t records_rows_trimmed; /* rows that kept later records */
	int64_t counts_rows;      /* counts_packed rows deleted */
	int64_t counts_sealed_rows; /* counts_sealed rows written */
	int64_t health_rows;      /* health_sealed rows written */
	int64_t totals_rows;      /* carrier_totals rows deleted (an inner day's) */
	double seconds;           /* how long the seal took (0 if already) */
};

/*
 * Seal the UTC day day (days since 1970-01-01; see Sealing above) in one
 * write transaction of its own (none may be open), at now_ms. pause_ms:
 * sleep this long inside the transaction before its commit (0 in use; a
 * crash test kills the process there). Memory stays bounded by one
 * bucket's cells and the day's buckets x carriers health sums, whatever
 * the number of collectors. Returns 0 with res (already set if the day was
 * sealed before, alone or in a month sealed by schema 9), or -1 with err
 * (SQLite failed, a row not in our form, or an earlier day holds records
 * or counts not sealed); nothing is then changed.
 */
int store_seal_day(struct store *st, int64_t day, int64_t now_ms, unsigned pause_ms,
                   struct store_seal_result *res, struct strbuf *err);

/*
 * Seal the n days from first_day on, oldest first, each in its own
 * transaction (store_seal_day, pause_ms as there), each sealed one logged
 * at info and given to fn (if not NULL); days sealed before are passed
 * over; how many were sealed into *sealed. Outside a transaction. 0, or -1
 * with err (the days sealed before the failure stay sealed).
 */
typedef void (*store_seal_fn)(void *arg, const struct store_seal_result *res);
int store_seal_days(struct store *st, int64_t first_day, size_t n, int64_t now_ms,
                    unsigned pause_ms, store_seal_fn fn, void *arg, size_t *sealed,
                    struct strbuf *err);

/* Seal the UTC month year-month's days: store_seal_days. 0, or -1 with err
 * (also for a month out of range). */
int store_seal_month(struct store *st, int year, int month, int64_t now_ms, unsigned pause_ms,
                     store_seal_fn fn, void *arg, size_t *sealed, struct strbuf *err);

/*
 * The days to seal at now_ms with horizon_ms, oldest first: from the day
 * of the earliest records or counts not sealed to the last day whose end
 * plus horizon_ms is at most now_ms, the first (days since 1970-01-01)
 * into *first_day and their number into *n (0 if none); some may be
 * sealed already (store_seal_day then does nothing). 0, or -1 with err.
 */
int store_seal_due(struct store *st, int64_t now_ms, int64_t horizon_ms, int64_t *first_day,
                   size_t *n, struct strbuf *err);

/*
 * Seal every day store_seal_due names (store_seal_days). 0, or -1 with err
 * (the days sealed before the failure stay sealed).
 */
int store_seal_all_due(struct store *st, int64_t now_ms, int64_t horizon_ms, unsigned pause_ms,
                       store_seal_fn fn, void *arg, size_t *sealed, struct strbuf *err);

/* Is the day of instant ms sealed (alone or in a month sealed by schema
 * 9)? (As of the last store_begin or store_new.) 1 or 0. */
int store_is_sealed(const struct store *st, int64_t ms);

/* The file's size in bytes and how much of it is free pages. 0, or -1
 * with err. */
int store_file_bytes(struct store *st, int64_t *bytes, int64_t *free_bytes, struct strbuf *err);

/* Bucket holding instant ms (floor to STORE_BUCKET_MS, also before 1970). */
int64_t store_bucket_of(int64_t ms);

#endif
