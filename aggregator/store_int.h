/*
 * store_int - the insides of the store (store.h) shared by its three files,
 * as SQLite keeps sqliteInt.h beside its own; nothing outside store_*.c
 * includes it.
 *
 *   store_schema.c  the schema, its vocabulary and item ids, the upgrades
 *                   from versions 2 to 8, opening and closing a store
 *   store_cells.c   ingest's write transaction: each record's identity, its
 *                   cells gathered and written as counts_packed rows and
 *                   carrier totals, the runs covered, the spans vouched for,
 *                   dead letters, positions
 *   store_query.c   what the reports read: carrier totals, runs and vouched
 *                   spans
 *   store_declare.c the carriers' declarations, written and read
 *   store_seal.c    sealing a day: its counts summed over collectors, its
 *                   records' health summed, their rows deleted
 */
#ifndef ARSTAT_AGGREGATOR_STORE_INT_H
#define ARSTAT_AGGREGATOR_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "ranges.h"
#include "record.h"
#include "store.h"
#include "strbuf.h"

struct checkpointer;
struct htable;
struct recids;

/* The name tables (carriers, collectors, sources), one interning cache each. */
enum store_names { NAMES_CARRIERS, NAMES_COLLECTORS, NAMES_SOURCES, NAMES_COUNT };

/* The statements store_new prepares once (their SQL is store_stmt_sql, in
 * store_schema.c beside the schema they read). */
enum {
	ST_GET_PACKED,
	ST_ADD_PACKED,
	ST_SET_PACKED,
	ST_ADD_TOTAL,
	ST_ADD_DAY_TOTAL,
	ST_RUNS_BEFORE, /* the four of runs, then of vouched, in ranges.h's order */
	ST_RUN_DELETE,
	ST_RUN_INSERT,
	ST_RUN_UPDATE,
	ST_VOUCH_BEFORE,
	ST_VOUCH_DELETE,
	ST_VOUCH_INSERT,
	ST_VOUCH_UPDATE,
	ST_ADD_DEAD,
	ST_SET_POS,
	ST_GET_POS,
	ST_SUM,
	ST_RUNS_ALL,
	ST_ADD_CONFLICT,
	ST_COUNT_CONFLICTS,
	ST_SEALED_ALL,
	ST_FIND_NAME,                     /* one per enum store_names */
	ST_ADD_NAME = ST_FIND_NAME + NAMES_COUNT,
	ST_COUNT = ST_ADD_NAME + NAMES_COUNT
};

/* ---- cells and items: ids that stand for names of the store's vocabulary
 * (store.h). A cell id is record_cell_key's number (record_batch.h) of the
 * store's ids; the item arithmetic is explained in store_schema.c ---- */

/* The four vocabularies, the radix of each digit being its size. */
enum store_vocab { VOCAB_RESULTS, VOCAB_POLICIES, VOCAB_SPAM, VOCAB_FATES, VOCAB_COUNT };

#define STORE_R AR_RESULT_COUNT
/* Item ids of one fate: method * STORE_R + result, then policies, verdicts,
 * messages; the result, policy and verdict numbers being the vocabulary's
 * ids. The items of fate f (its id in fates) are those plus f * STORE_ITEMS:
 * fate unknown's id is 0, so they are the items of schema 6. */
#define STORE_ITEM_POLICY (AR_METHOD_COUNT * STORE_R)
#define STORE_ITEM_SPAM (STORE_ITEM_POLICY + POL_COUNT)
#define STORE_ITEM_MESSAGES (STORE_ITEM_SPAM + SPAM_COUNT)
#define STORE_ITEMS (STORE_ITEM_MESSAGES + 1)
#define STORE_ITEMS_ALL (STORE_ITEMS * FATE_COUNT)

/* What an item adds up; the first three are also the vocabulary of its
 * number. */
enum store_item_kind {
	ITEM_RESULT = VOCAB_RESULTS,
	ITEM_POLICY = VOCAB_POLICIES,
	ITEM_SPAM = VOCAB_SPAM,
	ITEM_MESSAGES,
	ITEM_NONE,
};

/* What gathered counts are keyed by: (bucket, carrier, collector) for
 * counts_packed; (bucket or day, carrier, 0) for the carrier totals. */
struct store_key {
	int64_t bucket;
	int64_t carrier;
	int64_t collector;
};

/* Keys numbered in order of arrival, found by open addressing: a record
 * looks its key up once, however many cells it has. */
struct store_keyset {
	struct store_key *k;
	size_t n, alloc;
	uint32_t *slots; /* index + 1 into k, 0 free */
	size_t nslots;   /* a power of two, 2 * alloc */
};

/* A cell of a record, gathered until store_flush(). */
struct store_pending {
	uint32_t key;  /* into cellkeys */
	uint32_t cell; /* id, below RECORD_CELLS_MAX */
	int64_t messages;
};

/* A key and its index, for sorting keys. */
struct store_keyref {
	struct store_key key;
	size_t index;
};

/* One cell's count in a counts_packed row. */
struct store_cellcount {
	int64_t cell;
	int64_t messages;
};

/* A row's cells, ascending by id; at most RECORD_CELLS_MAX of them. */
struct store_cellvec {
	struct store_cellcount *v;
	size_t n, alloc;
};

/* A window newly covered, gathered until store_flush(). */
struct store_span {
	int64_t carrier, collector, start, end, window;
};

/* An open store (store.h): opened and closed by store_schema.c; what is
 * gathered for the transaction and the scratch of writing it are
 * store_cells.c's. */
struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char *path;
	int in_txn;
	struct htable *names[NAMES_COUNT]; /* name -> id, for this transaction's view */
	struct recids *recids;             /* which records are stored */
	/* Vocabulary id <-> enum value, per vocabulary (see store_load_vocab). */
	int vocab_to_enum[VOCAB_COUNT][AR_RESULT_COUNT];
	int enum_to_vocab[VOCAB_COUNT][AR_RESULT_COUNT];
	/* Every vocabulary id is its enum value (so in every store this
	 * program created): a cell's id is record_cell_key() of the cell as
	 * it is, with nothing to translate. */
	int vocab_is_enum;
	/* Item ids (see store.h) of each result of each method, each policy,
	 * each verdict, and of all messages, for fate unknown; plus item_fate
	 * of the message's fate; from the store's vocabulary. */
	int64_t item_result[AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t item_policy[POL_COUNT];
	int64_t item_spam[SPAM_COUNT];
	int64_t item_messages;
	int64_t item_fate[FATE_COUNT];
	/* Counts gathered until store_flush(): each record's cells under its
	 * (bucket, carrier, collector), and its carrier's item sums
	 * (STORE_ITEMS_ALL per key of itemkeys, in itemsums) under (bucket,
	 * carrier). */
	struct store_keyset cellkeys;
	struct store_pending *pending;
	size_t npending, pending_alloc;
	struct store_keyset itemkeys;
	int64_t *itemsums;
	size_t itemsums_alloc;      /* keys itemsums has room for */
	int64_t pending_messages;   /* sum of every count gathered */
	/* Scratch of store_flush: keys in order and each key's rank in it, the
	 * cells sorted, digit counts, one key's cells added up, days. */
	struct store_keyref *refs;
	size_t refs_alloc;
	uint32_t *rank;
	size_t rank_alloc;
	struct store_pending *sorted;
	size_t sorted_alloc;
	size_t *count;
	size_t count_alloc;
	struct store_cellcount *grouped;
	size_t grouped_alloc;
	struct store_keyset daykeys;
	int64_t *daysums;
	size_t daysums_alloc;
	struct store_span *spans;
	size_t nspans, spans_alloc;
	struct ranges runs;  /* the table runs, merged by store_flush_spans */
	/* Spans records vouched for, gathered until store_flush() as windows
	 * are (window: the vouching record's window length), and the table
	 * vouched they are merged into. */
	struct store_span *vouches;
	size_t nvouches, vouches_alloc;
	struct ranges vouched;
	/* Scratch of store_write_packed: a row's cells as read, as merged, and
	 * as text. */
	struct store_cellvec stored, merged;
	struct strbuf packed;
	/* Started at the first store_begin: ingest writes, a report does not. */
	struct checkpointer *ckpt;
	int ckpt_tried;
	/* Each record's content digest (recids.h), one context reused. */
	struct digest *content;
	/* The sealed periods [start, end), ascending, adjacent ones joined,
	 * read at store_new and at each store_begin (another process may have
	 * sealed one); sealed_end
	 * is the latest end, or INT64_MIN. */
	int64_t (*sealed)[2];
	size_t nsealed, sealed_alloc;
	int64_t sealed_end;
	/* Scratch of store_seal_day: a bucket's cells summed so far. */
	struct store_cellvec sealacc;
};

/* ---- store_schema.c ---- */

/* Put "path: what: SQLite's message" into err. */
void store_db_error(struct store *st, const char *what, struct strbuf *err);
/* Run a statement yielding one integer (a pragma, a count; NULL is 0).
 * 0, or -1 with err (also if it yields no row). */
int store_query_int(struct store *st, const char *sql, int64_t *out, struct strbuf *err);
/* Run SQL that returns no rows we need. 0, or -1 with err. */
int store_exec(struct store *st, const char *sql, struct strbuf *err);
/* The kind of item id: for ITEM_RESULT the method in *method and the
 * result's vocabulary id in *id_in_vocab; for ITEM_POLICY and ITEM_SPAM the
 * vocabulary id in *id_in_vocab; for every kind but ITEM_NONE the fate's
 * vocabulary id in *fate_in_vocab; ITEM_NONE for an id that is no item.
 * Nothing is read from the store. */
enum store_item_kind store_item_decode(int64_t item, int *method, int *id_in_vocab,
                                       int *fate_in_vocab);

/* ---- store_cells.c ---- */

/* Set up st's write-side state (before anything is read or upgraded);
 * cannot fail. store_cells_release frees it; both are store_new's and
 * store_free's. */
void store_cells_init(struct store *st);
void store_cells_release(struct store *st);
/* Append (cell, messages) to cv, growing it (never fails). */
void store_cellvec_push(struct store_cellvec *cv, int64_t cell, int64_t messages);
/* Insert st->merged as the counts_packed row of (bucket, carrier, collector)
 * with ins (an INSERT of those four columns in that order) and empty it.
 * 0, or -1 with err. */
int store_write_row(struct store *st, sqlite3_stmt *ins, int64_t bucket, int64_t carrier,
                    int64_t collector, struct strbuf *err);
/* Read a counts_packed (or counts_sealed) row's cells into st->stored:
 * exactly the form store_cells_format writes. 0, or -1 if the text is
 * anything else. */
int store_cells_parse(struct store *st, const unsigned char *text, size_t len);
/* st->merged = st->stored + g[0..k) (ascending cells, of the bucket given
 * for the message). 0, or -1 with err if a count would leave int64. */
int store_cells_merge(struct store *st, const struct store_cellcount *g, size_t k,
                      int64_t bucket, struct strbuf *err);
/* The index of a key in ks, added if new (ks grows; never fails). */
size_t store_keyset_index(struct store_keyset *ks, int64_t bucket, int64_t carrier,
                          int64_t collector);
void store_keyset_clear(struct store_keyset *ks);
/* Step a statement that returns no row and reset it. 0, or -1 with err. */
int store_step_done(struct store *st, sqlite3_stmt *s, struct strbuf *err);
/* Read the sealed periods into st->sealed. 0, or -1 with err. */
int store_load_sealed(struct store *st, struct strbuf *err);
/* Does the UTC day starting at day_ms keep its quarter-hour carrier totals
 * once sealed (the first or last day of its month: seal_totals)? 1 or 0. */
int store_seal_keeps_totals(int64_t day_ms);
/* The id of name in a name table if it is there: 1 and *id, 0 if not,
 * -1 with err. Nothing is added. */
int store_find_name(struct store *st, enum store_names which, const char *name, int64_t *id,
                    struct strbuf *err);
/* Inside a transaction: the id of name in one of the name tables, added if
 * new. 0 or -1 with err. */
int store_intern(struct store *st, enum store_names which, const char *name, int64_t *id,
                 struct strbuf *err);

#endif
