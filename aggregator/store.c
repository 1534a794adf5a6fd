#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "checkpointer.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "ranges.h"
#include "recids.h"
#include "timeutil.h"

/* "arst": marks the file as ours, so a report never reads someone else's database. */
#define STORE_APPLICATION_ID 0x61727374
#define STORE_SCHEMA_VERSION 4
/* A report reading while ingest commits, or two short-lived writers, wait this
 * long for the lock rather than fail at once. */
#define STORE_BUSY_TIMEOUT_MS 10000
/* Cells gathered in memory before they are written, even inside one
 * transaction: a batch of records with thousands of cells each must not
 * grow the process without bound. 2^20 cells are 16 MiB (and their keys at
 * most 40 MiB more). */
#define STORE_PENDING_MAX (1u << 20)
/* ... and messages: the counts gathered add up to at most this, so that no
 * sum in memory can overflow. */
#define STORE_PENDING_MESSAGES_MAX (INT64_MAX / 2)
_Static_assert(STORE_PENDING_MAX < UINT32_MAX / 2, "key indexes fit the slots");
_Static_assert(STORE_CELL_MESSAGES_MAX <= STORE_PENDING_MESSAGES_MAX / RECORD_CELLS_MAX,
               "a record's messages fit the pending bound");
/* Name caches are dropped when they pass this size; a stream inventing
 * collector names then costs look-ups, not memory. */
#define STORE_NAME_CACHE_MAX 100000
/* 64 MiB of page cache instead of SQLite's 2 MiB: a batch touches pages all
 * over the records and counts trees, and re-reading them from the kernel
 * cost a third of ingest's time. */
#define STORE_CACHE_PRAGMA "PRAGMA cache_size=-65536"
/* 16 KiB pages for a new store instead of 4 KiB: a batch inserts records all
 * over the records tree (one place per collector), and with four times
 * fewer, larger pages the inserts, page splits and WAL frames of a batch cost
 * a quarter less (0.30 -> 0.23 s of CPU for the 160,000 records of the
 * benchmark). An existing store keeps its page size; SQLite ignores this
 * pragma once the file has pages. */
#define STORE_PAGE_SIZE_PRAGMA "PRAGMA page_size=16384"
/*
 * With the checkpoint thread (checkpointer.h) running, the writer commits
 * without syncing (synchronous=NORMAL): the thread syncs the log before it
 * copies it, right after each commit, and the writer's close syncs the rest.
 * A commit is atomic either way, and the batch's counts, identities and
 * positions are one commit; what NORMAL gives up is only that a power loss
 * (not a crash of the process: the log is written before COMMIT returns) in
 * the moment between a commit and that sync undoes the last batches whole,
 * and ingest reads them again. The writer checkpoints by itself only if the
 * log has grown past 4096 pages (64 MiB of 16 KiB pages), not SQLite's 1000:
 * the bound on the log should the thread fall behind.
 */
#define STORE_WRITER_CHECKPOINT_PRAGMA "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=4096"
/* The longest entry of a counts_packed row, "78731":9223372036854775807 and
 * its comma, and so the longest row: every combination once. */
#define STORE_PACKED_ENTRY_MAX (1 + 5 + 2 + 19 + 1)
#define STORE_PACKED_MAX (2 + (size_t)RECORD_CELLS_MAX * STORE_PACKED_ENTRY_MAX)
_Static_assert(RECORD_CELLS_MAX <= 100000, "a cell id has at most 5 digits");

_Static_assert(STORE_DAY_MS % STORE_BUCKET_MS == 0, "a day is whole buckets");

/* Schema version 3's counts: one row per bucket, carrier and collector, its
 * cells a JSON object (see store.h); the view gives them as version 2's
 * table did, one row per cell. A rowid table, as SQLite advises for rows of
 * hundreds of bytes (a WITHOUT ROWID row over a quarter of a page spills
 * into overflow pages). Also run by the migration from version 2. */
#define STORE_COUNTS_TABLE_SQL \
	"CREATE TABLE counts_packed(" \
	" id INTEGER PRIMARY KEY," \
	" bucket_start_ms INTEGER NOT NULL," \
	" carrier INTEGER NOT NULL REFERENCES carriers(id)," \
	" collector INTEGER NOT NULL REFERENCES collectors(id)," \
	" cells TEXT NOT NULL," \
	" UNIQUE (bucket_start_ms, carrier, collector)" \
	");"
#define STORE_COUNTS_VIEW_SQL \
	"CREATE VIEW counts AS SELECT p.bucket_start_ms, p.carrier, p.collector," \
	" CAST(j.key AS INTEGER) AS cell, j.value AS messages" \
	" FROM counts_packed p, json_each(p.cells) j;"

/* The records of version 3's table (now the view records, recids.h) with
 * names. Also run by the migration from version 3. */
#define STORE_RECORDS_NAMED_SQL \
	"CREATE VIEW records_named AS SELECT co.name AS collector, r.epoch, r.seq," \
	" ca.name AS carrier, r.window_start_ms, r.window_end_ms, r.correction, r.cells," \
	" r.messages, r.lines_read, r.lines_malformed, r.lines_overlong, r.headers_untrusted," \
	" r.headers_malformed, r.messages_evicted, r.messages_late, so.name AS source," \
	" r.partition, r.kafka_offset FROM records r JOIN collectors co ON co.id = r.collector" \
	" JOIN carriers ca ON ca.id = r.carrier LEFT JOIN sources so ON so.id = r.source;"

static const char store_schema_sql[] =
	"CREATE TABLE carriers(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE collectors(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE sources(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE results(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE policies(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE spam_verdicts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	STORE_COUNTS_TABLE_SQL
	STORE_COUNTS_VIEW_SQL
	"CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	/* typeof() = 'integer': SQLite turns an integer sum that overflows into
	 * a float without a word; the check turns that into an error. (The
	 * counts in counts_packed are added up by store_cells_merge, which
	 * refuses an overflow itself.) */
	"CREATE TABLE carrier_totals("
	" bucket_start_ms INTEGER NOT NULL,"
	" carrier INTEGER NOT NULL REFERENCES carriers(id),"
	" item INTEGER NOT NULL REFERENCES items(id),"
	" messages INTEGER NOT NULL CHECK (typeof(messages) = 'integer'),"
	" PRIMARY KEY (bucket_start_ms, carrier, item)"
	") WITHOUT ROWID;"
	"CREATE TABLE carrier_day_totals("
	" day_start_ms INTEGER NOT NULL,"
	" carrier INTEGER NOT NULL REFERENCES carriers(id),"
	" item INTEGER NOT NULL REFERENCES items(id),"
	" messages INTEGER NOT NULL CHECK (typeof(messages) = 'integer'),"
	" PRIMARY KEY (day_start_ms, carrier, item)"
	") WITHOUT ROWID;"
	"CREATE VIEW carrier_totals_named AS SELECT t.bucket_start_ms, ca.name AS carrier,"
	" i.name AS item, t.messages FROM carrier_totals t"
	" JOIN carriers ca ON ca.id = t.carrier JOIN items i ON i.id = t.item;"
	"CREATE VIEW carrier_day_totals_named AS SELECT t.day_start_ms, ca.name AS carrier,"
	" i.name AS item, t.messages FROM carrier_day_totals t"
	" JOIN carriers ca ON ca.id = t.carrier JOIN items i ON i.id = t.item;"
	RECIDS_TABLES_SQL
	RECIDS_VIEW_SQL
	"CREATE TABLE runs("
	" carrier INTEGER NOT NULL REFERENCES carriers(id),"
	" collector INTEGER NOT NULL REFERENCES collectors(id),"
	" start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, window_ms INTEGER NOT NULL,"
	" PRIMARY KEY (carrier, collector, start_ms)"
	") WITHOUT ROWID;"
	"CREATE TABLE dead_letters("
	" source TEXT NOT NULL, partition INTEGER NOT NULL, kafka_offset INTEGER NOT NULL,"
	" reason TEXT NOT NULL, length INTEGER NOT NULL,"
	" PRIMARY KEY (source, partition, kafka_offset)"
	") WITHOUT ROWID;"
	"CREATE TABLE positions("
	" topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,"
	" PRIMARY KEY (topic, partition)"
	") WITHOUT ROWID;"
	STORE_RECORDS_NAMED_SQL
	"CREATE VIEW runs_named AS SELECT ca.name AS carrier, co.name AS collector,"
	" r.start_ms, r.end_ms, r.window_ms FROM runs r JOIN carriers ca ON ca.id = r.carrier"
	" JOIN collectors co ON co.id = r.collector;";

enum store_names { NAMES_CARRIERS, NAMES_COLLECTORS, NAMES_SOURCES, NAMES_COUNT };

enum {
	ST_GET_PACKED,
	ST_ADD_PACKED,
	ST_SET_PACKED,
	ST_ADD_TOTAL,
	ST_ADD_DAY_TOTAL,
	ST_RUNS_BEFORE,
	ST_RUN_DELETE,
	ST_RUN_INSERT,
	ST_RUN_UPDATE,
	ST_ADD_DEAD,
	ST_SET_POS,
	ST_GET_POS,
	ST_SUM,
	ST_RUNS_ALL,
	ST_FIND_NAME,                     /* one per enum store_names */
	ST_ADD_NAME = ST_FIND_NAME + NAMES_COUNT,
	ST_COUNT = ST_ADD_NAME + NAMES_COUNT
};

static const char *const store_stmt_sql[ST_COUNT] = {
	[ST_GET_PACKED] =
		"SELECT id, cells FROM counts_packed"
		" WHERE bucket_start_ms = ? AND carrier = ? AND collector = ?",
	[ST_ADD_PACKED] =
		"INSERT INTO counts_packed(bucket_start_ms, carrier, collector, cells) VALUES (?,?,?,?)",
	[ST_SET_PACKED] = "UPDATE counts_packed SET cells = ? WHERE id = ?",
	[ST_ADD_TOTAL] =
		"INSERT INTO carrier_totals(bucket_start_ms, carrier, item, messages) VALUES (?,?,?,?)"
		" ON CONFLICT DO UPDATE SET messages = messages + excluded.messages",
	[ST_ADD_DAY_TOTAL] =
		"INSERT INTO carrier_day_totals(day_start_ms, carrier, item, messages) VALUES (?,?,?,?)"
		" ON CONFLICT DO UPDATE SET messages = messages + excluded.messages",
	[ST_RUNS_BEFORE] =
		"SELECT start_ms, end_ms FROM runs WHERE carrier = ?1 AND collector = ?2"
		" AND start_ms <= ?3 ORDER BY start_ms DESC",
	[ST_RUN_DELETE] = "DELETE FROM runs WHERE carrier = ? AND collector = ? AND start_ms = ?",
	[ST_RUN_INSERT] =
		"INSERT INTO runs(carrier, collector, start_ms, end_ms, window_ms) VALUES (?,?,?,?,?)",
	[ST_RUN_UPDATE] =
		"UPDATE runs SET end_ms = ?4, window_ms = ?5"
		" WHERE carrier = ?1 AND collector = ?2 AND start_ms = ?3",
	[ST_ADD_DEAD] =
		"INSERT OR IGNORE INTO dead_letters(source, partition, kafka_offset, reason, length)"
		" VALUES (?,?,?,?,?)",
	[ST_SET_POS] =
		"INSERT INTO positions(topic, partition, next_offset) VALUES (?,?,?)"
		" ON CONFLICT DO UPDATE SET next_offset = excluded.next_offset",
	[ST_GET_POS] = "SELECT next_offset FROM positions WHERE topic = ? AND partition = ?",
	/* Whole UTC days from carrier_day_totals, the partial days at both ends
	 * from carrier_totals. */
	[ST_SUM] =
		"SELECT ca.name, t.item, SUM(t.messages) FROM ("
		" SELECT carrier, item, messages FROM carrier_day_totals"
		"  WHERE day_start_ms >= ?1 AND day_start_ms < ?2"
		" UNION ALL SELECT carrier, item, messages FROM carrier_totals"
		"  WHERE bucket_start_ms >= ?3 AND bucket_start_ms < ?4"
		" UNION ALL SELECT carrier, item, messages FROM carrier_totals"
		"  WHERE bucket_start_ms >= ?5 AND bucket_start_ms < ?6"
		") t JOIN carriers ca ON ca.id = t.carrier"
		" GROUP BY ca.name, t.item ORDER BY ca.name, t.item",
	[ST_RUNS_ALL] =
		"SELECT ca.name, co.name, r.start_ms, r.end_ms, r.window_ms FROM runs r"
		" JOIN carriers ca ON ca.id = r.carrier JOIN collectors co ON co.id = r.collector"
		" ORDER BY ca.name, co.name, r.start_ms",
	[ST_FIND_NAME + NAMES_CARRIERS] = "SELECT id FROM carriers WHERE name = ?",
	[ST_FIND_NAME + NAMES_COLLECTORS] = "SELECT id FROM collectors WHERE name = ?",
	[ST_FIND_NAME + NAMES_SOURCES] = "SELECT id FROM sources WHERE name = ?",
	[ST_ADD_NAME + NAMES_CARRIERS] = "INSERT INTO carriers(name) VALUES (?)",
	[ST_ADD_NAME + NAMES_COLLECTORS] = "INSERT INTO collectors(name) VALUES (?)",
	[ST_ADD_NAME + NAMES_SOURCES] = "INSERT INTO sources(name) VALUES (?)",
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

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char *path;
	int in_txn;
	struct htable *names[NAMES_COUNT]; /* name -> id, for this transaction's view */
	struct recids *recids;             /* which records are stored */
	/* Vocabulary id <-> enum value, per vocabulary (see store_load_vocab). */
	int vocab_to_enum[3][AR_RESULT_COUNT];
	int enum_to_vocab[3][AR_RESULT_COUNT];
	/* Item ids (see store.h) of each result of each method, each policy,
	 * each verdict, and of all messages; from the store's vocabulary. */
	int64_t item_result[AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t item_policy[POL_COUNT];
	int64_t item_spam[SPAM_COUNT];
	int64_t item_messages;
	/* Counts gathered until store_flush(): each record's cells under its
	 * (bucket, carrier, collector), and its carrier's item sums (STORE_ITEMS
	 * per key of itemkeys, in itemsums) under (bucket, carrier). */
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
	/* Scratch of store_write_packed: a row's cells as read, as merged, and
	 * as text. */
	struct store_cellvec stored, merged;
	struct strbuf packed;
	/* Started at the first store_begin: ingest writes, a report does not. */
	struct checkpointer *ckpt;
	int ckpt_tried;
};

static void store_db_error(struct store *st, const char *what, struct strbuf *err)
{
	strbuf_printf(err, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* Run SQL that returns no rows we need. */
static int store_exec(struct store *st, const char *sql, struct strbuf *err)
{
	char *why = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &why) != SQLITE_OK) {
		strbuf_printf(err, "%s: %s", st->path, why != NULL ? why : "SQLite error");
		sqlite3_free(why);
		return -1;
	}
	return 0;
}

/* Run a statement yielding one integer (a pragma, a count). */
static int store_query_int(struct store *st, const char *sql, int64_t *out, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, sql, err);
		goto out;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_db_error(st, sql, err);
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Set the journal mode and check it took: a file system without shared memory
 * would silently keep the old mode, and WAL is what lets a report read while
 * ingest writes. */
static int store_set_wal(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *mode;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		store_db_error(st, "journal_mode", err);
		goto out;
	}
	mode = sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		strbuf_printf(err, "%s: cannot use WAL journal mode (got %s)", st->path,
		              mode != NULL ? (const char *)mode : "nothing");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- cells: (results, policy, spam) <-> id ----
 *
 * A cell's id is a mixed-radix number: the ids of its SPF, DKIM, DMARC and
 * ARC results in the results table, its policy's in policies and its
 * verdict's in spam_verdicts, in that order, with radices the sizes of those
 * tables. The tables hold the names, so the file says what its numbers mean,
 * and the program maps names (not its enum values) to ids when it opens a
 * store. The views decode ids with the same arithmetic.
 */

static const char *store_result_name(int v)
{
	return ar_result_name((enum ar_result)v);
}

static const char *store_policy_name(int v)
{
	return ar_policy_name((enum ar_policy)v);
}

static const char *store_spam_name(int v)
{
	return ar_spam_name((enum ar_spam)v);
}

/* The three vocabularies, the radix of each digit being its size. */
enum store_vocab { VOCAB_RESULTS, VOCAB_POLICIES, VOCAB_SPAM, VOCAB_COUNT };

static const struct {
	const char *table;
	const char *(*name_of)(int);
	int n;
} store_vocabs[VOCAB_COUNT] = {
	{ "results", store_result_name, AR_RESULT_COUNT },
	{ "policies", store_policy_name, POL_COUNT },
	{ "spam_verdicts", store_spam_name, SPAM_COUNT },
};

#define STORE_R AR_RESULT_COUNT
/* Place values of the digits: spf, dkim, dmarc, arc, policy, spam. */
#define STORE_PLACE_SPAM 1
#define STORE_PLACE_POLICY (STORE_PLACE_SPAM * SPAM_COUNT)
#define STORE_PLACE_ARC (STORE_PLACE_POLICY * POL_COUNT)
#define STORE_PLACE_DMARC (STORE_PLACE_ARC * STORE_R)
#define STORE_PLACE_DKIM (STORE_PLACE_DMARC * STORE_R)
#define STORE_PLACE_SPF (STORE_PLACE_DKIM * STORE_R)
_Static_assert(STORE_PLACE_SPF * STORE_R == RECORD_CELLS_MAX, "every cell has an id");
_Static_assert(AR_METHOD_COUNT == 4, "the ids and views name four methods");
/* Item ids: method * STORE_R + result, then policies, verdicts, messages;
 * the result, policy and verdict numbers being the vocabulary's ids. */
#define STORE_ITEM_POLICY (AR_METHOD_COUNT * STORE_R)
#define STORE_ITEM_SPAM (STORE_ITEM_POLICY + POL_COUNT)
#define STORE_ITEM_MESSAGES (STORE_ITEM_SPAM + SPAM_COUNT)
#define STORE_ITEMS (STORE_ITEM_MESSAGES + 1)

/* Fill the vocabularies with our names, the id being the enum value, and
 * create the views that decode cell ids. */
static int store_create_vocab(struct store *st, struct strbuf *err)
{
	static const int64_t method_place[AR_METHOD_COUNT] = { STORE_PLACE_SPF, STORE_PLACE_DKIM,
	                                                       STORE_PLACE_DMARC, STORE_PLACE_ARC };
	/* Each view: its name, the columns before the decoded cell, the FROM
	 * clause; the decoded columns and their joins go in between and after. */
	static const char *const views[][3] = {
		{ "counts_named", "c.bucket_start_ms, ca.name AS carrier, co.name AS collector",
		  " FROM counts c JOIN carriers ca ON ca.id = c.carrier"
		  " JOIN collectors co ON co.id = c.collector" },
	};
	struct strbuf sql, cols, joins;
	int v, i, m, rc = -1;

	strbuf_init(&sql, 16384);
	strbuf_init(&cols, 4096);
	strbuf_init(&joins, 4096);
	/* The names are our own constants (lowercase letters), never input, so
	 * they may go into SQL text. */
	for (v = 0; v < VOCAB_COUNT; v++) {
		for (i = 0; i < store_vocabs[v].n; i++) {
			if (strbuf_printf(&sql, "INSERT INTO %s(id, name) VALUES (%d, '%s');",
			                  store_vocabs[v].table, i, store_vocabs[v].name_of(i)) < 0)
				goto toolong;
		}
	}
	/* Items: each method's results, then the policies, the verdicts, and
	 * all messages (see store_item_ids). */
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (i = 0; i < STORE_R; i++) {
			if (strbuf_printf(&sql, "INSERT INTO items(id, name) VALUES (%d, '%s.%s');",
			                  m * STORE_R + i, ar_method_name((enum ar_method)m),
			                  store_result_name(i)) < 0)
				goto toolong;
		}
	}
	for (i = 0; i < POL_COUNT; i++) {
		if (strbuf_printf(&sql, "INSERT INTO items(id, name) VALUES (%d, 'dmarc_policy.%s');",
		                  STORE_ITEM_POLICY + i, store_policy_name(i)) < 0)
			goto toolong;
	}
	for (i = 0; i < SPAM_COUNT; i++) {
		if (strbuf_printf(&sql, "INSERT INTO items(id, name) VALUES (%d, 'spam.%s');",
		                  STORE_ITEM_SPAM + i, store_spam_name(i)) < 0)
			goto toolong;
	}
	if (strbuf_printf(&sql, "INSERT INTO items(id, name) VALUES (%d, 'messages');",
	                  STORE_ITEM_MESSAGES) < 0)
		goto toolong;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if (strbuf_printf(&cols, "%sr%d.name AS %s", m > 0 ? ", " : "", m,
		                  ar_method_name((enum ar_method)m)) < 0 ||
		    strbuf_printf(&joins, " JOIN results r%d ON r%d.id = c.cell / %lld %% %d", m, m,
		                  (long long)method_place[m], STORE_R) < 0)
			goto toolong;
	}
	if (strbuf_printf(&cols, ", p.name AS dmarc_policy, s.name AS spam") < 0 ||
	    strbuf_printf(&joins, " JOIN policies p ON p.id = c.cell / %d %% %d"
	                          " JOIN spam_verdicts s ON s.id = c.cell %% %d",
	                  STORE_PLACE_POLICY, POL_COUNT, SPAM_COUNT) < 0)
		goto toolong;
	for (i = 0; i < (int)(sizeof(views) / sizeof(views[0])); i++) {
		if (strbuf_printf(&sql, "CREATE VIEW %s AS SELECT %s, %s, c.messages%s%s;",
		                  views[i][0], views[i][1], cols.data, views[i][2], joins.data) < 0)
			goto toolong;
	}
	rc = store_exec(st, sql.data, err);
	goto out;
toolong:
	strbuf_printf(err, "%s: schema SQL too long", st->path);
out:
	strbuf_release(&sql);
	strbuf_release(&cols);
	strbuf_release(&joins);
	return rc;
}

/* Name back to enum value: exact names only. */
static int store_lookup(const char *(*name_of)(int), int n, const unsigned char *text, int *out)
{
	int i;

	if (text == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(name_of(i), (const char *)text) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

/* The items table must say what store_create_vocab wrote, in the store's
 * vocabulary; then the item of each enum value is known. */
static int store_load_items(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	struct strbuf want;
	int64_t id;
	int m, r, step, seen = 0, rc = -1;
	const char *name;

	strbuf_init(&want, 256);
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (r = 0; r < AR_RESULT_COUNT; r++)
			st->item_result[m][r] = m * STORE_R + st->enum_to_vocab[VOCAB_RESULTS][r];
	}
	for (r = 0; r < POL_COUNT; r++)
		st->item_policy[r] = STORE_ITEM_POLICY + st->enum_to_vocab[VOCAB_POLICIES][r];
	for (r = 0; r < SPAM_COUNT; r++)
		st->item_spam[r] = STORE_ITEM_SPAM + st->enum_to_vocab[VOCAB_SPAM][r];
	st->item_messages = STORE_ITEM_MESSAGES;
	if (sqlite3_prepare_v2(st->db, "SELECT id, name FROM items", -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, "items", err);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		name = (const char *)sqlite3_column_text(s, 1);
		strbuf_reset(&want);
		if (id >= 0 && id < STORE_ITEM_POLICY)
			strbuf_printf(&want, "%s.%s", ar_method_name((enum ar_method)(id / STORE_R)),
			              ar_result_name((enum ar_result)st->vocab_to_enum[VOCAB_RESULTS]
			                                                              [id % STORE_R]));
		else if (id >= STORE_ITEM_POLICY && id < STORE_ITEM_SPAM)
			strbuf_printf(&want, "dmarc_policy.%s",
			              ar_policy_name((enum ar_policy)st->vocab_to_enum[VOCAB_POLICIES]
			                                                              [id - STORE_ITEM_POLICY]));
		else if (id >= STORE_ITEM_SPAM && id < STORE_ITEM_MESSAGES)
			strbuf_printf(&want, "spam.%s",
			              ar_spam_name((enum ar_spam)st->vocab_to_enum[VOCAB_SPAM]
			                                                          [id - STORE_ITEM_SPAM]));
		else if (id == STORE_ITEM_MESSAGES)
			strbuf_printf(&want, "messages");
		if (name == NULL || want.data == NULL || strcmp(name, want.data) != 0)
			goto bad;
		seen++;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "items", err);
		goto out;
	}
	if (seen != STORE_ITEMS)
		goto bad;
	rc = 0;
	goto out;
bad:
	strbuf_printf(err, "%s: table items does not hold the names this program knows", st->path);
out:
	sqlite3_finalize(s);
	strbuf_release(&want);
	return rc;
}

/* Read the vocabularies: each must name every value of our enum exactly
 * once, with ids 0..n-1, or the file was not written by a version of us
 * that this program can read. */
static int store_load_vocab(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	struct strbuf sql;
	int v, i, id, value, step, rc = -1;

	strbuf_init(&sql, 256);
	for (v = 0; v < VOCAB_COUNT; v++) {
		int n = store_vocabs[v].n, seen = 0;

		for (i = 0; i < n; i++)
			st->vocab_to_enum[v][i] = st->enum_to_vocab[v][i] = -1;
		strbuf_reset(&sql);
		strbuf_printf(&sql, "SELECT id, name FROM %s", store_vocabs[v].table);
		sqlite3_finalize(s);
		s = NULL;
		if (sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
			store_db_error(st, store_vocabs[v].table, err);
			goto out;
		}
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			int64_t id64 = sqlite3_column_int64(s, 0);

			if (id64 < 0 || id64 >= n ||
			    store_lookup(store_vocabs[v].name_of, n, sqlite3_column_text(s, 1), &value) < 0)
				goto bad;
			id = (int)id64;
			if (st->vocab_to_enum[v][id] >= 0 || st->enum_to_vocab[v][value] >= 0)
				goto bad;
			st->vocab_to_enum[v][id] = value;
			st->enum_to_vocab[v][value] = id;
			seen++;
		}
		if (step != SQLITE_DONE) {
			store_db_error(st, store_vocabs[v].table, err);
			goto out;
		}
		if (seen != n)
			goto bad;
	}
	rc = store_load_items(st, err);
	goto out;
bad:
	strbuf_printf(err, "%s: table %s does not hold the names this program knows", st->path,
	              store_vocabs[v].table);
out:
	sqlite3_finalize(s);
	strbuf_release(&sql);
	return rc;
}

/* The id of a cell's combination (all enums in range). */
static int64_t store_cell_id(const struct store *st, const struct record_cell *c)
{
	int64_t id = 0;
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		id = id * STORE_R + st->enum_to_vocab[VOCAB_RESULTS][c->result[m]];
	id = id * POL_COUNT + st->enum_to_vocab[VOCAB_POLICIES][c->dmarc_policy];
	return id * SPAM_COUNT + st->enum_to_vocab[VOCAB_SPAM][c->spam];
}

/* ---- opening ---- */

static void store_cellvec_push(struct store_cellvec *cv, int64_t cell, int64_t messages);
static int store_write_row(struct store *st, sqlite3_stmt *ins, int64_t bucket, int64_t carrier,
                           int64_t collector, struct strbuf *err);

/*
 * Start the upgrade of a store of version `from` in a write transaction,
 * reading the version again under the lock: another process may have
 * upgraded while we waited for it. 1: the transaction is open and the
 * store still of version `from`; 0: nothing to do (no transaction left
 * open); -1 with err (none left open either).
 */
static int store_migration_begin(struct store *st, int64_t from, struct strbuf *err)
{
	int64_t version;

	if (store_exec(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (store_query_int(st, "PRAGMA user_version", &version, err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (version == from)
		return 1;
	if (store_exec(st, "COMMIT", err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * Schema version 2 kept one counts row per cell; version 3 one row per
 * bucket, carrier and collector (counts_packed), with a view named counts
 * that gives the old rows. Everything else is the same. In one transaction,
 * so a crash leaves version 2 as it was; the cells are read in key order,
 * so each new row is written once. Returns 0, or -1 with err (a row that no
 * version of this program can have written is refused, not guessed at).
 */
static int store_migrate_v2(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *rd = NULL, *ins = NULL;
	int64_t rows = 0, packed = 0;
	int64_t bucket = 0, carrier = 0, collector = 0, cell, messages;
	int step, rc = -1, in_txn = 0;

	rc = store_migration_begin(st, 2, err);
	if (rc <= 0)
		return rc;
	rc = -1;
	in_txn = 1;
	msg_info("%s: upgrading the store from schema version 2 to 3 (counts packed per bucket, "
	         "carrier and collector)", st->path);
	if (store_exec(st, STORE_COUNTS_TABLE_SQL, err) < 0)
		goto out;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT bucket_start_ms, carrier, collector, cell, messages FROM counts"
	                       " ORDER BY bucket_start_ms, carrier, collector, cell",
	                       -1, &rd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db,
	                       "INSERT INTO counts_packed(bucket_start_ms, carrier, collector, cells)"
	                       " VALUES (?,?,?,?)",
	                       -1, &ins, NULL) != SQLITE_OK) {
		store_db_error(st, "upgrade", err);
		goto out;
	}
	st->merged.n = 0;
	while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(rd, 0), ca = sqlite3_column_int64(rd, 1);
		int64_t co = sqlite3_column_int64(rd, 2);

		cell = sqlite3_column_int64(rd, 3);
		messages = sqlite3_column_int64(rd, 4);
		if (cell < 0 || cell >= RECORD_CELLS_MAX || messages < 1) {
			strbuf_printf(err, "%s: upgrade: counts row with cell %lld and %lld messages is "
			                   "not one this program wrote", st->path, (long long)cell,
			              (long long)messages);
			goto out;
		}
		if (st->merged.n > 0 && (b != bucket || ca != carrier || co != collector)) {
			if (store_write_row(st, ins, bucket, carrier, collector, err) < 0)
				goto out;
			packed++;
		}
		bucket = b;
		carrier = ca;
		collector = co;
		store_cellvec_push(&st->merged, cell, messages);
		rows++;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "upgrade", err);
		goto out;
	}
	if (st->merged.n > 0) {
		if (store_write_row(st, ins, bucket, carrier, collector, err) < 0)
			goto out;
		packed++;
	}
	/* counts_named names counts and reads the view from now on. */
	if (store_exec(st, "DROP TABLE counts;" STORE_COUNTS_VIEW_SQL "PRAGMA user_version = 3",
	               err) < 0 ||
	    store_exec(st, "COMMIT", err) < 0)
		goto out;
	in_txn = 0;
	msg_info("%s: schema version 3: %lld counts rows packed into %lld", st->path,
	         (long long)rows, (long long)packed);
	rc = 0;
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(ins);
	if (in_txn && rc < 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->merged.n = 0;
	return rc;
}

/*
 * Schema version 3 kept a records row per record; version 4 keeps them
 * packed (recids.h), with a view named records that gives the old rows.
 * Everything else is the same. In one transaction, as store_migrate_v2.
 * Returns 0, or -1 with err (a row that no version of this program can have
 * written is refused).
 */
static int store_migrate_v3(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *rd = NULL;
	struct recids *ri = NULL;
	struct recids_rec r;
	int64_t rows = 0, packed = 0;
	int step, rc = -1, in_txn = 0;

	rc = store_migration_begin(st, 3, err);
	if (rc <= 0)
		return rc;
	rc = -1;
	in_txn = 1;
	msg_info("%s: upgrading the store from schema version 3 to 4 (record identities packed)",
	         st->path);
	if (store_exec(st, RECIDS_TABLES_SQL, err) < 0)
		goto out;
	ri = recids_new(st->db, err);
	if (ri == NULL)
		goto out;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT collector, epoch, seq, carrier, window_start_ms, window_end_ms,"
	                       " correction, cells, messages, lines_read, lines_malformed,"
	                       " lines_overlong, headers_untrusted, headers_malformed,"
	                       " messages_evicted, messages_late, source, partition, kafka_offset"
	                       " FROM records ORDER BY collector, epoch, seq",
	                       -1, &rd, NULL) != SQLITE_OK) {
		store_db_error(st, "upgrade", err);
		goto out;
	}
	while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.collector = sqlite3_column_int64(rd, 0);
		r.epoch = sqlite3_column_int64(rd, 1);
		r.seq = sqlite3_column_int64(rd, 2);
		r.carrier = sqlite3_column_int64(rd, 3);
		r.window_start_ms = sqlite3_column_int64(rd, 4);
		r.window_end_ms = sqlite3_column_int64(rd, 5);
		r.correction = sqlite3_column_int(rd, 6) != 0;
		r.cells = sqlite3_column_int64(rd, 7);
		r.messages = sqlite3_column_int64(rd, 8);
		r.health.lines_read = sqlite3_column_int64(rd, 9);
		r.health.lines_malformed = sqlite3_column_int64(rd, 10);
		r.health.lines_overlong = sqlite3_column_int64(rd, 11);
		r.health.headers_untrusted = sqlite3_column_int64(rd, 12);
		r.health.headers_malformed = sqlite3_column_int64(rd, 13);
		r.health.messages_evicted = sqlite3_column_int64(rd, 14);
		r.health.messages_late = sqlite3_column_int64(rd, 15);
		/* Source ids start at 1: recids takes 0 for "no source". */
		if (sqlite3_column_type(rd, 16) != SQLITE_NULL) {
			r.source = sqlite3_column_int64(rd, 16);
			r.partition = sqlite3_column_int(rd, 17);
			r.offset = sqlite3_column_int64(rd, 18);
			if (r.source < 1) {
				strbuf_printf(err, "%s: upgrade: a records row with source %lld is not one "
				                   "this program wrote", st->path, (long long)r.source);
				goto out;
			}
		}
		/* The table's key makes every identity new. */
		if (recids_add(ri, &r, err) != RECIDS_NEW) {
			if (err->len == 0)
				strbuf_printf(err, "%s: upgrade: a records row repeats an identity",
				              st->path);
			goto out;
		}
		rows++;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "upgrade", err);
		goto out;
	}
	if (recids_flush(ri, err) < 0 ||
	    store_query_int(st, "SELECT count(*) FROM records_packed", &packed, err) < 0)
		goto out;
	sqlite3_finalize(rd);
	rd = NULL;
	/* records_named names records and reads the view from now on. */
	if (store_exec(st, "DROP VIEW records_named; DROP TABLE records;" RECIDS_VIEW_SQL
	                   STORE_RECORDS_NAMED_SQL "PRAGMA user_version = 4", err) < 0 ||
	    store_exec(st, "COMMIT", err) < 0)
		goto out;
	in_txn = 0;
	msg_info("%s: schema version 4: %lld records packed into %lld rows", st->path,
	         (long long)rows, (long long)packed);
	rc = 0;
out:
	sqlite3_finalize(rd);
	recids_free(ri);
	if (in_txn && rc < 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* store_migrate_v2 or _v3, its failure explained: it may be a report
 * without write access that found the store of an older version. */
static int store_upgrade(struct store *st, int64_t from,
                         int (*migrate)(struct store *, struct strbuf *), struct strbuf *err)
{
	struct strbuf why;
	int rc;

	strbuf_init(&why, 1024);
	rc = migrate(st, &why);
	if (rc < 0)
		strbuf_printf(err, "store schema version %lld could not be upgraded to %d (the first "
		                   "program of this version to open it needs write access): %s",
		              (long long)from, STORE_SCHEMA_VERSION, why.data != NULL ? why.data : "?");
	strbuf_release(&why);
	return rc;
}

/* Create the schema in an empty file, or check that the file holds ours. */
static int store_check_schema(struct store *st, enum store_mode mode, struct strbuf *err)
{
	int64_t app_id, version, objects;

	if (store_query_int(st, "PRAGMA application_id", &app_id, err) < 0 ||
	    store_query_int(st, "PRAGMA user_version", &version, err) < 0 ||
	    store_query_int(st, "SELECT count(*) FROM sqlite_schema", &objects, err) < 0)
		return -1;
	if (app_id == STORE_APPLICATION_ID) {
		if (version == 1) {
			strbuf_printf(err, "%s: store schema version 1, from a development build of "
			                   "the aggregator; ingest again into a new store", st->path);
			return -1;
		}
		/* Each upgrade in turn, each in its own transaction. */
		if (version == 2) {
			if (store_upgrade(st, 2, store_migrate_v2, err) < 0)
				return -1;
			version = 3;
		}
		if (version == 3)
			return store_upgrade(st, 3, store_migrate_v3, err);
		if (version != STORE_SCHEMA_VERSION) {
			strbuf_printf(err, "%s: store schema version %lld, this program knows %d",
			              st->path, (long long)version, STORE_SCHEMA_VERSION);
			return -1;
		}
		return 0;
	}
	if (app_id != 0 || objects != 0) {
		strbuf_printf(err, "%s: not an arstat store", st->path);
		return -1;
	}
	if (mode != STORE_CREATE) {
		strbuf_printf(err, "%s: empty store (nothing ingested yet)", st->path);
		return -1;
	}
	/* BEGIN IMMEDIATE, so two programs creating the same file at once do not
	 * both create the tables. */
	if (store_exec(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (store_query_int(st, "PRAGMA application_id", &app_id, err) < 0)
		goto fail;
	if (app_id == 0) {
		if (store_exec(st, store_schema_sql, err) < 0 || store_create_vocab(st, err) < 0 ||
		    store_exec(st, "PRAGMA application_id = 1634890612;"
		                   "PRAGMA user_version = 4", err) < 0)
			goto fail;
	}
	if (store_exec(st, "COMMIT", err) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void store_names_reset(struct store *st)
{
	int i;

	for (i = 0; i < NAMES_COUNT; i++) {
		htable_free(st->names[i], NULL);
		st->names[i] = htable_new(64);
	}
}

struct store *store_new(const char *path, enum store_mode mode, struct strbuf *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	/* NOMUTEX: a store is used by one thread only, so SQLite's per-call
	 * connection mutex is pure cost (a tenth of ingest's time). */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int i;

	/* The literals in store_check_schema must match the constants. */
	_Static_assert(STORE_APPLICATION_ID == 1634890612, "application id literal");
	_Static_assert(STORE_SCHEMA_VERSION == 4, "user_version literal");

	st->path = xstrdup(path);
	strbuf_init(&st->packed, STORE_PACKED_MAX);
	store_names_reset(st);
	if (mode == STORE_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		strbuf_printf(err, "%s: %s", path,
		              st->db != NULL ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	/* The page size first: setting WAL writes the header of a new file.
	 * synchronous=FULL until the checkpoint thread runs (see
	 * STORE_WRITER_CHECKPOINT_PRAGMA): a commit is on disk before ingest
	 * moves on. */
	if (store_exec(st, STORE_PAGE_SIZE_PRAGMA, err) < 0 || store_set_wal(st, err) < 0 ||
	    store_exec(st, "PRAGMA synchronous=FULL", err) < 0 ||
	    store_exec(st, STORE_CACHE_PRAGMA, err) < 0 ||
	    store_check_schema(st, mode, err) < 0 || store_load_vocab(st, err) < 0)
		goto fail;
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, store_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &st->stmt[i], NULL) != SQLITE_OK) {
			store_db_error(st, "prepare", err);
			goto fail;
		}
	}
	st->runs.db = st->db;
	st->runs.what = "runs";
	st->runs.before = st->stmt[ST_RUNS_BEFORE];
	st->runs.del = st->stmt[ST_RUN_DELETE];
	st->runs.ins = st->stmt[ST_RUN_INSERT];
	st->runs.upd = st->stmt[ST_RUN_UPDATE];
	st->recids = recids_new(st->db, err);
	if (st->recids == NULL)
		goto fail;
	return st;
fail:
	store_free(st);
	return NULL;
}

void store_free(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	if (st->in_txn)
		store_rollback(st);
	/* Before the writer closes, so that its close (the last connection's)
	 * checkpoints what is left and removes the log. A checkpoint of its own
	 * first, which syncs the log even if a reader keeps the close from
	 * checkpointing. */
	if (st->ckpt != NULL) {
		checkpointer_free(st->ckpt);
		sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	recids_free(st->recids);
	if (sqlite3_close(st->db) != SQLITE_OK)
		msg_panic("store_free: %s still busy", st->path);
	for (i = 0; i < NAMES_COUNT; i++)
		htable_free(st->names[i], NULL);
	free(st->cellkeys.k);
	free(st->cellkeys.slots);
	free(st->pending);
	free(st->itemkeys.k);
	free(st->itemkeys.slots);
	free(st->itemsums);
	free(st->refs);
	free(st->rank);
	free(st->sorted);
	free(st->count);
	free(st->grouped);
	free(st->daykeys.k);
	free(st->daykeys.slots);
	free(st->daysums);
	free(st->spans);
	ranges_release(&st->runs);
	free(st->stored.v);
	free(st->merged.v);
	strbuf_release(&st->packed);
	free(st->path);
	free(st);
}

/* ---- transactions ---- */

/* Before the first transaction: start the checkpoint thread, and only
 * then let commits go without a sync. Without it (it cannot start), the
 * writer syncs each commit and checkpoints by itself, as SQLite does by
 * default. */
static void store_checkpoint_start(struct store *st)
{
	struct strbuf why;

	st->ckpt_tried = 1;
	strbuf_init(&why, 1024);
	st->ckpt = checkpointer_new(st->path, &why);
	if (st->ckpt == NULL) {
		msg_warn("%s: no background checkpoints: %s", st->path,
		         why.data != NULL ? why.data : "?");
	} else if (store_exec(st, STORE_WRITER_CHECKPOINT_PRAGMA, &why) < 0) {
		/* Still FULL, or NORMAL with the thread running: both are safe. */
		msg_warn("%s", why.data);
	}
	strbuf_release(&why);
}

int store_begin(struct store *st, struct strbuf *err)
{
	if (st->in_txn)
		msg_panic("store_begin: transaction already open");
	if (!st->ckpt_tried)
		store_checkpoint_start(st);
	/* IMMEDIATE takes the write lock now rather than at the first write, so
	 * a busy store is noticed before any work is done. */
	if (store_exec(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	st->in_txn = 1;
	return 0;
}

static int store_flush(struct store *st, struct strbuf *err);
static void store_tally_clear(struct store *st);

int store_commit(struct store *st, struct strbuf *err)
{
	if (!st->in_txn)
		msg_panic("store_commit: no transaction");
	if (store_flush(st, err) < 0 || store_exec(st, "COMMIT", err) < 0) {
		store_rollback(st);
		return -1;
	}
	st->in_txn = 0;
	/* The thread copies (and syncs) what this commit wrote. */
	if (st->ckpt != NULL)
		checkpointer_kick(st->ckpt);
	return 0;
}

void store_rollback(struct store *st)
{
	int i;

	if (!st->in_txn)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_reset(st->stmt[i]);
	/* COMMIT may have failed after SQLite already rolled back (e.g. on a full
	 * disk); a second ROLLBACK then reports "no transaction", which is fine. */
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	/* Ids handed out in the transaction are gone with it. */
	store_names_reset(st);
	recids_rollback(st->recids);
	store_tally_clear(st);
	st->nspans = 0;
	st->in_txn = 0;
}

int64_t store_bucket_of(int64_t ms)
{
	return time_floor_div(ms, STORE_BUCKET_MS) * STORE_BUCKET_MS;
}

/* ---- writing ---- */

/* Step a statement that returns no row, and reset it for the next use. */
static int store_step_done(struct store *st, sqlite3_stmt *s, struct strbuf *err)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE) {
		store_db_error(st, "write", err);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

static int store_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	return sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

/* The id of name in one of the name tables, added if new. 0 or -1 with err. */
static int store_intern(struct store *st, enum store_names which, const char *name, int64_t *id,
                        struct strbuf *err)
{
	struct htable *cache = st->names[which];
	size_t len = strlen(name);
	sqlite3_stmt *s;
	void *hit;
	int rc;

	hit = htable_find(cache, name, len);
	if (hit != NULL) {
		*id = (int64_t)(uintptr_t)hit;
		return 0;
	}
	s = st->stmt[ST_FIND_NAME + which];
	store_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_db_error(st, "read name", err);
		return -1;
	}
	if (rc == SQLITE_DONE) {
		s = st->stmt[ST_ADD_NAME + which];
		store_bind_text(s, 1, name);
		if (store_step_done(st, s, err) < 0)
			return -1;
		*id = sqlite3_last_insert_rowid(st->db);
	}
	/* Row ids start at 1, so an id never looks like a missing entry. */
	if (*id <= 0 || (uint64_t)*id > UINTPTR_MAX) {
		strbuf_printf(err, "%s: name id %lld out of range", st->path, (long long)*id);
		return -1;
	}
	if (htable_count(cache) >= STORE_NAME_CACHE_MAX) {
		htable_free(cache, NULL);
		cache = st->names[which] = htable_new(64);
	}
	htable_insert(cache, name, len, (void *)(uintptr_t)*id);
	return 0;
}

/* Carrier and collector go into report rows and log lines: printable only. */
static int store_name_ok(const char *s, size_t max)
{
	size_t i;

	if (s[0] == '\0')
		return 0;
	for (i = 0; i < max && s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	}
	return i < max;
}

int store_batch_check(const struct record_batch *b, struct strbuf *why)
{
	const struct record_health *h = &b->health;
	size_t i;
	int m;

	if (!store_name_ok(b->carrier, sizeof(b->carrier))) {
		strbuf_printf(why, "carrier empty or not printable");
		return -1;
	}
	if (!store_name_ok(b->collector, sizeof(b->collector))) {
		strbuf_printf(why, "collector empty or not printable");
		return -1;
	}
	if (b->seq < 1) {
		strbuf_printf(why, "seq %lld < 1", (long long)b->seq);
		return -1;
	}
	if (b->window_start_ms >= b->window_end_ms) {
		strbuf_printf(why, "window start not before its end");
		return -1;
	}
	if (h->lines_read < 0 || h->lines_malformed < 0 || h->lines_overlong < 0 ||
	    h->headers_untrusted < 0 || h->headers_malformed < 0 || h->messages_evicted < 0 ||
	    h->messages_late < 0) {
		strbuf_printf(why, "negative health counter");
		return -1;
	}
	if (b->ncells > RECORD_CELLS_MAX || (b->ncells > 0 && b->cells == NULL)) {
		strbuf_printf(why, "cells missing or too many");
		return -1;
	}
	for (i = 0; i < b->ncells; i++) {
		const struct record_cell *c = &b->cells[i];

		for (m = 0; m < AR_METHOD_COUNT; m++) {
			if ((unsigned)c->result[m] >= AR_RESULT_COUNT) {
				strbuf_printf(why, "cell %zu: %s result out of range", i,
				              ar_method_name((enum ar_method)m));
				return -1;
			}
		}
		if ((unsigned)c->dmarc_policy >= POL_COUNT || (unsigned)c->spam >= SPAM_COUNT) {
			strbuf_printf(why, "cell %zu: policy or spam verdict out of range", i);
			return -1;
		}
		if (c->messages < 1 || c->messages > STORE_CELL_MESSAGES_MAX) {
			strbuf_printf(why, "cell %zu: message count %lld out of range", i,
			              (long long)c->messages);
			return -1;
		}
	}
	return 0;
}

static size_t store_key_hash(int64_t bucket, int64_t carrier, int64_t collector)
{
	uint64_t h = (uint64_t)bucket * UINT64_C(0x9e3779b97f4a7c15);

	h = (h ^ (uint64_t)carrier) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (uint64_t)collector) * UINT64_C(0x94d049bb133111eb);
	return (size_t)(h ^ (h >> 31));
}

/* Rebuild the slots for the keys there are (after growth). */
static void store_keyset_reindex(struct store_keyset *ks)
{
	size_t i, j, mask;

	free(ks->slots);
	ks->nslots = 2 * ks->alloc;
	ks->slots = xcalloc(ks->nslots, sizeof(*ks->slots));
	mask = ks->nslots - 1;
	for (i = 0; i < ks->n; i++) {
		const struct store_key *k = &ks->k[i];

		j = store_key_hash(k->bucket, k->carrier, k->collector) & mask;
		while (ks->slots[j] != 0)
			j = (j + 1) & mask;
		ks->slots[j] = (uint32_t)(i + 1);
	}
}

/* The index of a key, added if new. The callers bound the number of keys
 * by STORE_PENDING_MAX. */
static size_t store_keyset_index(struct store_keyset *ks, int64_t bucket, int64_t carrier,
                                 int64_t collector)
{
	struct store_key *k;
	size_t j, mask;
	uint32_t slot;

	if (ks->n == ks->alloc) {
		ks->alloc = ks->alloc ? ks->alloc * 2 : 1024;
		ks->k = xreallocarray(ks->k, ks->alloc, sizeof(*ks->k));
		store_keyset_reindex(ks);
	}
	mask = ks->nslots - 1;
	j = store_key_hash(bucket, carrier, collector) & mask;
	while ((slot = ks->slots[j]) != 0) {
		k = &ks->k[slot - 1];
		if (k->bucket == bucket && k->carrier == carrier && k->collector == collector)
			return slot - 1;
		j = (j + 1) & mask;
	}
	k = &ks->k[ks->n];
	k->bucket = bucket;
	k->carrier = carrier;
	k->collector = collector;
	ks->slots[j] = (uint32_t)++ks->n;
	return ks->n - 1;
}

static void store_keyset_clear(struct store_keyset *ks)
{
	ks->n = 0;
	if (ks->slots != NULL)
		memset(ks->slots, 0, ks->nslots * sizeof(*ks->slots));
}

/* The STORE_ITEMS sums of key index i of a keyset whose sums are *sums
 * (room for *alloc keys), zeroed when first reached. */
static int64_t *store_item_sums(int64_t **sums, size_t *alloc, size_t i)
{
	if (i >= *alloc) {
		size_t want = *alloc ? *alloc * 2 : 64;

		while (want <= i)
			want *= 2;
		*sums = xreallocarray(*sums, want, STORE_ITEMS * sizeof(**sums));
		memset(*sums + *alloc * STORE_ITEMS, 0, (want - *alloc) * STORE_ITEMS * sizeof(**sums));
		*alloc = want;
	}
	return *sums + i * STORE_ITEMS;
}

/* Forget the gathered counts (written, or rolled back). */
static void store_tally_clear(struct store *st)
{
	size_t n = st->itemkeys.n < st->itemsums_alloc ? st->itemkeys.n : st->itemsums_alloc;

	if (st->itemsums != NULL)
		memset(st->itemsums, 0, n * STORE_ITEMS * sizeof(*st->itemsums));
	store_keyset_clear(&st->cellkeys);
	store_keyset_clear(&st->itemkeys);
	st->npending = 0;
	st->pending_messages = 0;
}

static void store_add_span(struct store *st, int64_t carrier, int64_t collector,
                           const struct record_batch *b)
{
	struct store_span *sp;

	if (st->nspans == st->spans_alloc) {
		st->spans_alloc = st->spans_alloc ? st->spans_alloc * 2 : 256;
		st->spans = xreallocarray(st->spans, st->spans_alloc, sizeof(*st->spans));
	}
	sp = &st->spans[st->nspans++];
	sp->carrier = carrier;
	sp->collector = collector;
	sp->start = b->window_start_ms;
	sp->end = b->window_end_ms;
	sp->window = b->window_end_ms - b->window_start_ms;
}

enum store_add_status store_add_record(struct store *st, const struct record_batch *b,
                                       const struct store_source *src, struct strbuf *err)
{
	struct recids_rec rr;
	int64_t bucket = store_bucket_of(b->window_start_ms), total = 0;
	int64_t carrier, collector, source = 0;
	size_t i;

	if (!st->in_txn)
		msg_panic("store_add_record: no transaction");
	if (store_batch_check(b, err) < 0)
		return STORE_INVALID;
	for (i = 0; i < b->ncells; i++)
		total += b->cells[i].messages;
	if (store_intern(st, NAMES_CARRIERS, b->carrier, &carrier, err) < 0 ||
	    store_intern(st, NAMES_COLLECTORS, b->collector, &collector, err) < 0 ||
	    (src != NULL && store_intern(st, NAMES_SOURCES, src->name, &source, err) < 0))
		return STORE_ERROR;

	/* The identity goes first: whether it was new decides whether the counts
	 * are added, in the same transaction, so the two cannot disagree. */
	memset(&rr, 0, sizeof(rr));
	rr.collector = collector;
	rr.epoch = b->epoch;
	rr.seq = b->seq;
	rr.carrier = carrier;
	rr.window_start_ms = b->window_start_ms;
	rr.window_end_ms = b->window_end_ms;
	rr.correction = b->correction != 0;
	rr.cells = (int64_t)b->ncells;
	rr.messages = total;
	rr.health = b->health;
	if (src != NULL) {
		rr.source = source;
		rr.partition = src->partition;
		rr.offset = src->offset;
	}
	switch (recids_add(st->recids, &rr, err)) {
	case RECIDS_NEW:
		break;
	case RECIDS_DUPLICATE:
		return STORE_DUPLICATE;
	case RECIDS_CONFLICT:
		return STORE_CONFLICT;
	default:
		return STORE_ERROR;
	}

	/* Write out what is gathered first if this record would pass a bound
	 * (a record alone stays within both: see the static assertions). */
	if ((st->npending + b->ncells > STORE_PENDING_MAX ||
	     st->pending_messages > STORE_PENDING_MESSAGES_MAX - total) &&
	    store_flush(st, err) < 0)
		return STORE_ERROR;
	if (b->ncells > 0) {
		uint32_t key = (uint32_t)store_keyset_index(&st->cellkeys, bucket, carrier, collector);
		int64_t *sums = store_item_sums(&st->itemsums, &st->itemsums_alloc,
		                                store_keyset_index(&st->itemkeys, bucket, carrier, 0));

		if (st->npending + b->ncells > st->pending_alloc) {
			while (st->npending + b->ncells > st->pending_alloc)
				st->pending_alloc = st->pending_alloc ? st->pending_alloc * 2 : 4096;
			st->pending = xreallocarray(st->pending, st->pending_alloc, sizeof(*st->pending));
		}
		for (i = 0; i < b->ncells; i++) {
			const struct record_cell *c = &b->cells[i];
			struct store_pending *pc = &st->pending[st->npending++];
			int m;

			pc->key = key;
			pc->cell = (uint32_t)store_cell_id(st, c);
			pc->messages = c->messages;
			for (m = 0; m < AR_METHOD_COUNT; m++)
				sums[st->item_result[m][c->result[m]]] += c->messages;
			if (c->result[AR_DMARC] != AR_ABSENT)
				sums[st->item_policy[c->dmarc_policy]] += c->messages;
			sums[st->item_spam[c->spam]] += c->messages;
			sums[st->item_messages] += c->messages;
		}
		st->pending_messages += total;
	}
	/* A correction adds late counts to a window already received (or lost):
	 * it says nothing about whether the window itself arrived. */
	if (!b->correction)
		store_add_span(st, carrier, collector, b);
	return STORE_ADDED;
}

static int store_keyref_cmp(const void *pa, const void *pb)
{
	const struct store_key *a = &((const struct store_keyref *)pa)->key;
	const struct store_key *b = &((const struct store_keyref *)pb)->key;

	if (a->bucket != b->bucket)
		return a->bucket < b->bucket ? -1 : 1;
	if (a->carrier != b->carrier)
		return a->carrier < b->carrier ? -1 : 1;
	if (a->collector != b->collector)
		return a->collector < b->collector ? -1 : 1;
	return 0;
}

/* The keys of ks in key order, in st->refs. Sorted keys let SQLite walk
 * its B-trees in order. */
static struct store_keyref *store_sorted_keys(struct store *st, const struct store_keyset *ks)
{
	size_t i;

	if (ks->n > st->refs_alloc) {
		st->refs_alloc = ks->alloc;
		st->refs = xreallocarray(st->refs, st->refs_alloc, sizeof(*st->refs));
	}
	for (i = 0; i < ks->n; i++) {
		st->refs[i].key = ks->k[i];
		st->refs[i].index = i;
	}
	if (ks->n > 1)
		qsort(st->refs, ks->n, sizeof(*st->refs), store_keyref_cmp);
	return st->refs;
}

/* Upsert the non-zero item sums of keys (sorted) with stmt: (bucket or day,
 * carrier, item, messages). */
static int store_write_items(struct store *st, sqlite3_stmt *s, const struct store_keyref *refs,
                             size_t n, const int64_t *sums, struct strbuf *err)
{
	const int64_t *v;
	size_t i;
	int item;

	for (i = 0; i < n; i++) {
		v = sums + refs[i].index * STORE_ITEMS;
		for (item = 0; item < STORE_ITEMS; item++) {
			if (v[item] == 0)
				continue;
			sqlite3_bind_int64(s, 1, refs[i].key.bucket);
			sqlite3_bind_int64(s, 2, refs[i].key.carrier);
			sqlite3_bind_int64(s, 3, item);
			sqlite3_bind_int64(s, 4, v[item]);
			if (store_step_done(st, s, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* The items into carrier_totals and, rolled up to UTC days, into
 * carrier_day_totals. */
static int store_flush_items(struct store *st, struct strbuf *err)
{
	const struct store_keyref *refs;
	const int64_t *v;
	int64_t *day;
	size_t i, n = st->itemkeys.n, d;
	int item, rc = -1;

	refs = store_sorted_keys(st, &st->itemkeys);
	if (store_write_items(st, st->stmt[ST_ADD_TOTAL], refs, n, st->itemsums, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		v = st->itemsums + i * STORE_ITEMS;
		d = store_keyset_index(&st->daykeys,
		                       time_floor_div(st->itemkeys.k[i].bucket, STORE_DAY_MS) *
		                               STORE_DAY_MS,
		                       st->itemkeys.k[i].carrier, 0);
		day = store_item_sums(&st->daysums, &st->daysums_alloc, d);
		/* No overflow: all sums together are at most pending_messages. */
		for (item = 0; item < STORE_ITEMS; item++)
			day[item] += v[item];
	}
	refs = store_sorted_keys(st, &st->daykeys);
	if (store_write_items(st, st->stmt[ST_ADD_DAY_TOTAL], refs, st->daykeys.n, st->daysums,
	                      err) < 0)
		goto out;
	rc = 0;
out:
	if (st->daysums != NULL)
		memset(st->daysums, 0, st->daykeys.n * STORE_ITEMS * sizeof(*st->daysums));
	store_keyset_clear(&st->daykeys);
	return rc;
}

/* ---- counts_packed rows ----
 *
 * A row's cells are a JSON object, {"cell id":messages,...}, ids ascending,
 * every count at least 1, no blanks: SQLite's json_each() reads it for the
 * counts view, and store_cells_parse() below for merging, which accepts that
 * form only and nothing else. JSON because the file must read without the
 * program: the view needs nothing but SQLite's built-in JSON functions.
 *
 * A row is read, merged with the batch's cells of its key and written back
 * once per batch. In the benchmark (results/aggregator-benchmark.md) a batch
 * of 20,000 records holds about 110,000 cells and touches two to three
 * thousand rows, where one row per cell meant one upsert per distinct cell,
 * 80,000 or so, and the largest part of ingest's time.
 */

static void store_cellvec_push(struct store_cellvec *cv, int64_t cell, int64_t messages)
{
	if (cv->n == cv->alloc) {
		cv->alloc = cv->alloc ? cv->alloc * 2 : 256;
		cv->v = xreallocarray(cv->v, cv->alloc, sizeof(*cv->v));
	}
	cv->v[cv->n].cell = cell;
	cv->v[cv->n].messages = messages;
	cv->n++;
}

/* A decimal number of at most max without sign or leading zeros, from p;
 * returns the end, or NULL. */
static const unsigned char *store_parse_uint(const unsigned char *p, const unsigned char *end,
                                             uint64_t max, uint64_t *out)
{
	const unsigned char *start = p;
	uint64_t v = 0, d;

	while (p < end && *p >= '0' && *p <= '9') {
		d = (uint64_t)(*p - '0');
		if (v > (max - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	*out = v;
	return p;
}

/* Read a row's cells into st->stored: exactly the form store_cells_format
 * writes. 0, or -1 if the text is anything else. The ids being ascending
 * and below RECORD_CELLS_MAX bounds the vector. */
static int store_cells_parse(struct store *st, const unsigned char *text, size_t len)
{
	const unsigned char *p = text, *end = text + len;
	uint64_t cell, messages;
	int64_t prev = -1;

	st->stored.n = 0;
	if (text == NULL || p == end || *p++ != '{')
		return -1;
	for (;;) {
		if (p == end || *p++ != '"')
			return -1;
		p = store_parse_uint(p, end, RECORD_CELLS_MAX - 1, &cell);
		if (p == NULL || (int64_t)cell <= prev || end - p < 2 || p[0] != '"' || p[1] != ':')
			return -1;
		p = store_parse_uint(p + 2, end, INT64_MAX, &messages);
		if (p == NULL || messages == 0 || p == end)
			return -1;
		store_cellvec_push(&st->stored, (int64_t)cell, (int64_t)messages);
		prev = (int64_t)cell;
		if (*p == '}')
			return p + 1 == end ? 0 : -1;
		if (*p++ != ',')
			return -1;
	}
}

/* cv (ascending, counts >= 1, at least one) as a row's text in st->packed. */
static int store_cells_format(struct store *st, const struct store_cellvec *cv,
                              struct strbuf *err)
{
	char entry[STORE_PACKED_ENTRY_MAX + 1];
	size_t i, n;

	strbuf_reset(&st->packed);
	for (i = 0; i < cv->n; i++) {
		n = 0;
		entry[n++] = i == 0 ? '{' : ',';
		entry[n++] = '"';
		n += num_format_u64(entry + n, (uint64_t)cv->v[i].cell);
		entry[n++] = '"';
		entry[n++] = ':';
		n += num_format_u64(entry + n, (uint64_t)cv->v[i].messages);
		if (strbuf_append(&st->packed, entry, n) < 0)
			goto toolong;
	}
	if (strbuf_append_byte(&st->packed, '}') < 0)
		goto toolong;
	return 0;
toolong:
	/* Cannot happen: at most RECORD_CELLS_MAX distinct ids fit the cap. */
	strbuf_printf(err, "%s: counts row longer than %zu bytes", st->path, (size_t)STORE_PACKED_MAX);
	return -1;
}

/* Insert st->merged as the row of (bucket, carrier, collector) with ins
 * (counts_packed's INSERT) and empty it. 0, or -1 with err. */
static int store_write_row(struct store *st, sqlite3_stmt *ins, int64_t bucket, int64_t carrier,
                           int64_t collector, struct strbuf *err)
{
	if (store_cells_format(st, &st->merged, err) < 0)
		return -1;
	sqlite3_bind_int64(ins, 1, bucket);
	sqlite3_bind_int64(ins, 2, carrier);
	sqlite3_bind_int64(ins, 3, collector);
	sqlite3_bind_text(ins, 4, st->packed.data, (int)st->packed.len, SQLITE_STATIC);
	st->merged.n = 0;
	return store_step_done(st, ins, err);
}

/* st->merged = st->stored + g[0..k) (ascending cells, of the bucket given
 * for the message). 0, or -1 with err if a count would leave int64. */
static int store_cells_merge(struct store *st, const struct store_cellcount *g, size_t k,
                             int64_t bucket, struct strbuf *err)
{
	const struct store_cellvec *a = &st->stored;
	size_t i = 0, j = 0;

	st->merged.n = 0;
	while (i < a->n || j < k) {
		if (j == k || (i < a->n && a->v[i].cell < g[j].cell)) {
			store_cellvec_push(&st->merged, a->v[i].cell, a->v[i].messages);
			i++;
		} else if (i == a->n || g[j].cell < a->v[i].cell) {
			store_cellvec_push(&st->merged, g[j].cell, g[j].messages);
			j++;
		} else {
			if (a->v[i].messages > INT64_MAX - g[j].messages) {
				strbuf_printf(err, "%s: count of cell %lld overflows in bucket %lld", st->path,
				              (long long)g[j].cell, (long long)bucket);
				return -1;
			}
			store_cellvec_push(&st->merged, g[j].cell, a->v[i].messages + g[j].messages);
			i++;
			j++;
		}
	}
	return 0;
}

/* Add the counts g[0..k) (ascending cells) to the row of key. */
static int store_write_packed(struct store *st, const struct store_key *key,
                              const struct store_cellcount *g, size_t k, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_GET_PACKED];
	int64_t id = 0;
	int step, rc = -1;

	sqlite3_bind_int64(s, 1, key->bucket);
	sqlite3_bind_int64(s, 2, key->carrier);
	sqlite3_bind_int64(s, 3, key->collector);
	step = sqlite3_step(s);
	st->stored.n = 0;
	if (step == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		/* The text lives until the reset below. */
		if (store_cells_parse(st, sqlite3_column_text(s, 1),
		                      (size_t)sqlite3_column_bytes(s, 1)) < 0) {
			strbuf_printf(err, "%s: counts_packed row %lld: cells are not in the form this "
			                   "program writes", st->path, (long long)id);
			goto out;
		}
	} else if (step != SQLITE_DONE) {
		store_db_error(st, "read counts", err);
		goto out;
	}
	sqlite3_reset(s);
	if (store_cells_merge(st, g, k, key->bucket, err) < 0)
		goto out;
	if (id != 0) {
		if (store_cells_format(st, &st->merged, err) < 0)
			goto out;
		s = st->stmt[ST_SET_PACKED];
		sqlite3_bind_text(s, 1, st->packed.data, (int)st->packed.len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, id);
	} else {
		rc = store_write_row(st, st->stmt[ST_ADD_PACKED], key->bucket, key->carrier,
		                     key->collector, err);
		s = NULL;
		goto out;
	}
	rc = store_step_done(st, s, err);
	s = NULL;
out:
	if (s != NULL)
		sqlite3_reset(s);
	return rc;
}

/* Which digit of a cell a radix pass sorts on. */
enum store_digit { DIGIT_CELL_LOW, DIGIT_CELL_HIGH, DIGIT_KEY };

#define STORE_CELL_DIGIT_BITS 9
_Static_assert(RECORD_CELLS_MAX <= 1 << (2 * STORE_CELL_DIGIT_BITS), "two digits hold a cell id");

/* One stable counting-sort pass of src[0..n) into dst on a digit below
 * nbuckets; count has room for nbuckets + 1. */
static void store_radix_pass(const struct store_pending *src, struct store_pending *dst, size_t n,
                             enum store_digit digit, const uint32_t *rank, size_t *count,
                             size_t nbuckets)
{
	size_t i, d;

	memset(count, 0, (nbuckets + 1) * sizeof(*count));
	for (i = 0; i < n; i++) {
		d = digit == DIGIT_KEY        ? rank[src[i].key]
		    : digit == DIGIT_CELL_LOW ? src[i].cell & ((1u << STORE_CELL_DIGIT_BITS) - 1)
		                              : src[i].cell >> STORE_CELL_DIGIT_BITS;
		count[d + 1]++;
	}
	for (d = 0; d < nbuckets; d++)
		count[d + 1] += count[d];
	for (i = 0; i < n; i++) {
		d = digit == DIGIT_KEY        ? rank[src[i].key]
		    : digit == DIGIT_CELL_LOW ? src[i].cell & ((1u << STORE_CELL_DIGIT_BITS) - 1)
		                              : src[i].cell >> STORE_CELL_DIGIT_BITS;
		dst[count[d]++] = src[i];
	}
}

/* The gathered cells into counts_packed, a row per (bucket, carrier,
 * collector), in key order. A radix sort (two passes on the cell id, one on
 * the key's rank) puts each key's cells together in ascending order in time
 * linear in the cells, where qsort() took a tenth of ingest's time; then
 * equal cells are added up. */
static int store_flush_cells(struct store *st, struct strbuf *err)
{
	const struct store_keyref *refs;
	size_t nkeys = st->cellkeys.n, n = st->npending, i, j, out;
	size_t nbuckets = nkeys > (1u << STORE_CELL_DIGIT_BITS) ? nkeys : 1u << STORE_CELL_DIGIT_BITS;
	struct store_pending *p;

	if (nkeys == 0)
		return 0;
	if (nkeys > st->rank_alloc) {
		st->rank_alloc = st->cellkeys.alloc;
		st->rank = xreallocarray(st->rank, st->rank_alloc, sizeof(*st->rank));
	}
	if (nbuckets + 1 > st->count_alloc) {
		st->count_alloc = nbuckets + 1;
		st->count = xreallocarray(st->count, st->count_alloc, sizeof(*st->count));
	}
	if (n > st->sorted_alloc) {
		st->sorted_alloc = st->pending_alloc;
		st->sorted = xreallocarray(st->sorted, st->sorted_alloc, sizeof(*st->sorted));
		st->grouped_alloc = st->pending_alloc;
		st->grouped = xreallocarray(st->grouped, st->grouped_alloc, sizeof(*st->grouped));
	}
	refs = store_sorted_keys(st, &st->cellkeys);
	for (i = 0; i < nkeys; i++)
		st->rank[refs[i].index] = (uint32_t)i;
	store_radix_pass(st->pending, st->sorted, n, DIGIT_CELL_LOW, NULL, st->count,
	                 1u << STORE_CELL_DIGIT_BITS);
	store_radix_pass(st->sorted, st->pending, n, DIGIT_CELL_HIGH, NULL, st->count,
	                 1u << STORE_CELL_DIGIT_BITS);
	store_radix_pass(st->pending, st->sorted, n, DIGIT_KEY, st->rank, st->count, nkeys);
	p = st->sorted;
	for (i = 0; i < n; i = j) {
		/* No overflow: all counts together are at most pending_messages. */
		out = 0;
		st->grouped[0].cell = p[i].cell;
		st->grouped[0].messages = p[i].messages;
		for (j = i + 1; j < n && p[j].key == p[i].key; j++) {
			if (p[j].cell == st->grouped[out].cell) {
				st->grouped[out].messages += p[j].messages;
			} else {
				out++;
				st->grouped[out].cell = p[j].cell;
				st->grouped[out].messages = p[j].messages;
			}
		}
		if (store_write_packed(st, &refs[st->rank[p[i].key]].key, st->grouped, out + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* Write the gathered counts and forget them. */
static int store_flush_tallies(struct store *st, struct strbuf *err)
{
	if (store_flush_cells(st, err) < 0 || store_flush_items(st, err) < 0)
		return -1;
	store_tally_clear(st);
	return 0;
}

static int store_span_cmp(const void *pa, const void *pb)
{
	const struct store_span *a = pa, *b = pb;

	if (a->carrier != b->carrier)
		return a->carrier < b->carrier ? -1 : 1;
	if (a->collector != b->collector)
		return a->collector < b->collector ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

/* Merge the gathered windows among themselves first (a batch usually holds
 * several consecutive windows of each collector), then into the table. */
static int store_flush_spans(struct store *st, struct strbuf *err)
{
	struct store_span *sp = st->spans;
	size_t n = st->nspans, i, out = 0;

	if (n == 0)
		return 0;
	qsort(sp, n, sizeof(*sp), store_span_cmp);
	for (i = 1; i < n; i++) {
		if (sp[i].carrier == sp[out].carrier && sp[i].collector == sp[out].collector &&
		    sp[i].start <= sp[out].end) {
			if (sp[i].end > sp[out].end) {
				sp[out].end = sp[i].end;
				sp[out].window = sp[i].window;
			}
		} else {
			sp[++out] = sp[i];
		}
	}
	n = out + 1;
	/* Windows are half-open: a run that ends where the window starts is
	 * continued by it. */
	for (i = 0; i < n; i++) {
		if (ranges_merge(&st->runs, sp[i].carrier, sp[i].collector, sp[i].start, sp[i].end,
		                 sp[i].start, sp[i].end, sp[i].window, err) < 0)
			return -1;
	}
	st->nspans = 0;
	return 0;
}

static int store_flush(struct store *st, struct strbuf *err)
{
	if (recids_flush(st->recids, err) < 0 || store_flush_tallies(st, err) < 0 ||
	    store_flush_spans(st, err) < 0)
		return -1;
	return 0;
}

int store_add_dead_letter(struct store *st, const struct store_source *src, const char *reason,
                          size_t length, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_ADD_DEAD];

	if (!st->in_txn)
		msg_panic("store_add_dead_letter: no transaction");
	store_bind_text(s, 1, src->name);
	sqlite3_bind_int(s, 2, src->partition);
	sqlite3_bind_int64(s, 3, src->offset);
	store_bind_text(s, 4, reason);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)length);
	if (store_step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int store_set_position(struct store *st, const char *topic, int32_t partition,
                       int64_t next_offset, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_SET_POS];

	if (!st->in_txn)
		msg_panic("store_set_position: no transaction");
	store_bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	sqlite3_bind_int64(s, 3, next_offset);
	return store_step_done(st, s, err);
}

int store_get_position(struct store *st, const char *topic, int32_t partition,
                       int64_t *next_offset, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_GET_POS];
	int rc;

	store_bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*next_offset = sqlite3_column_int64(s, 0);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		store_db_error(st, "read position", err);
		rc = -1;
	}
	sqlite3_reset(s);
	return rc;
}

/* ---- reading ---- */

/* Round up to a multiple of unit (unit > 0), also below zero. */
static int64_t store_ceil_to(int64_t ms, int64_t unit)
{
	return -time_floor_div(-ms, unit) * unit;
}

/* Add one item's sum to t. 0, or -1 for an item this store does not have. */
static int store_totals_add(const struct store *st, struct store_totals *t, int64_t item,
                            int64_t messages)
{
	if (item >= 0 && item < STORE_ITEM_POLICY) {
		t->results[item / STORE_R]
		          [st->vocab_to_enum[VOCAB_RESULTS][item % STORE_R]] += messages;
		return 0;
	}
	if (item >= STORE_ITEM_POLICY && item < STORE_ITEM_SPAM) {
		t->dmarc_policy[st->vocab_to_enum[VOCAB_POLICIES][item - STORE_ITEM_POLICY]] += messages;
		return 0;
	}
	if (item >= STORE_ITEM_SPAM && item < STORE_ITEM_MESSAGES) {
		t->spam[st->vocab_to_enum[VOCAB_SPAM][item - STORE_ITEM_SPAM]] += messages;
		return 0;
	}
	if (item == STORE_ITEM_MESSAGES) {
		t->messages += messages;
		return 0;
	}
	return -1;
}

int store_sum_totals(struct store *st, int64_t start_ms, int64_t end_ms, store_totals_fn fn,
                     void *arg, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_SUM];
	struct store_totals t;
	const unsigned char *carrier;
	char *current = NULL;
	/* The buckets wanted are those starting in [start_ms, end_ms), i.e. the
	 * bucket starts in [lo, hi) once both ends are rounded up. */
	int64_t lo = store_ceil_to(start_ms, STORE_BUCKET_MS);
	int64_t hi = store_ceil_to(end_ms, STORE_BUCKET_MS);
	int64_t day_lo = store_ceil_to(lo, STORE_DAY_MS);
	int64_t day_hi = time_floor_div(hi, STORE_DAY_MS) * STORE_DAY_MS;
	int rc = -1, step;

	if (hi < lo)
		hi = lo;
	if (day_lo < day_hi) {
		sqlite3_bind_int64(s, 1, day_lo);
		sqlite3_bind_int64(s, 2, day_hi);
		sqlite3_bind_int64(s, 3, lo);
		sqlite3_bind_int64(s, 4, day_lo);
		sqlite3_bind_int64(s, 5, day_hi);
		sqlite3_bind_int64(s, 6, hi);
	} else {
		/* Less than a whole day: buckets only. */
		sqlite3_bind_int64(s, 1, 0);
		sqlite3_bind_int64(s, 2, 0);
		sqlite3_bind_int64(s, 3, lo);
		sqlite3_bind_int64(s, 4, hi);
		sqlite3_bind_int64(s, 5, 0);
		sqlite3_bind_int64(s, 6, 0);
	}
	memset(&t, 0, sizeof(t));
	/* Rows come by carrier: a carrier's totals are complete when the next
	 * carrier's first row (or the end) arrives. */
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		carrier = sqlite3_column_text(s, 0);
		if (carrier == NULL) {
			strbuf_printf(err, "%s: totals row without carrier", st->path);
			goto out;
		}
		if (current != NULL && strcmp(current, (const char *)carrier) != 0) {
			if (fn(arg, current, &t, err) < 0)
				goto out;
			memset(&t, 0, sizeof(t));
			free(current);
			current = NULL;
		}
		if (current == NULL)
			current = xstrdup((const char *)carrier);
		if (store_totals_add(st, &t, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2)) <
		    0) {
			strbuf_printf(err, "%s: totals row with an unknown item", st->path);
			goto out;
		}
	}
	/* SUM() fails with "integer overflow" rather than wrap. */
	if (step != SQLITE_DONE) {
		store_db_error(st, "sum totals", err);
		goto out;
	}
	if (current != NULL && fn(arg, current, &t, err) < 0)
		goto out;
	rc = 0;
out:
	free(current);
	sqlite3_reset(s);
	return rc;
}

int store_runs(struct store *st, store_run_fn fn, void *arg, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_RUNS_ALL];
	struct store_run run;
	int rc = -1, step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		run.carrier = (const char *)sqlite3_column_text(s, 0);
		run.collector = (const char *)sqlite3_column_text(s, 1);
		run.start_ms = sqlite3_column_int64(s, 2);
		run.end_ms = sqlite3_column_int64(s, 3);
		run.window_ms = sqlite3_column_int64(s, 4);
		if (run.carrier == NULL || run.collector == NULL || run.start_ms >= run.end_ms ||
		    run.window_ms <= 0) {
			strbuf_printf(err, "%s: malformed row in runs", st->path);
			goto out;
		}
		if (fn(arg, &run, err) < 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "read runs", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_reset(s);
	return rc;
}
