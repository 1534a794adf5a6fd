#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "htable.h"
#include "log.h"
#include "mem.h"
#include "timeutil.h"

/* "arst": marks the file as ours, so a report never reads someone else's database. */
#define STORE_APPLICATION_ID 0x61727374
#define STORE_SCHEMA_VERSION 2
/* A report reading while ingest commits, or two short-lived writers, wait this
 * long for the lock rather than fail at once. */
#define STORE_BUSY_TIMEOUT_MS 10000
/* Counts gathered in memory before they are written, even inside one
 * transaction: a batch of records with thousands of cells each must not
 * grow the process without bound. 2^20 distinct keys are 40 MiB. */
#define STORE_PENDING_MAX (1u << 20)
/* ... and records: a key sums at most this many records' cells, so that no
 * sum in memory can overflow. */
#define STORE_PENDING_RECORDS_MAX 1000000
_Static_assert(STORE_PENDING_MAX < UINT32_MAX / 2, "tally indexes fit the slots");
_Static_assert(STORE_CELL_MESSAGES_MAX <= INT64_MAX / STORE_PENDING_RECORDS_MAX,
               "pending sums fit int64");
/* Name caches are dropped when they pass this size; a stream inventing
 * collector names then costs look-ups, not memory. */
#define STORE_NAME_CACHE_MAX 100000
/* 64 MiB of page cache instead of SQLite's 2 MiB: a batch touches pages all
 * over the records and counts trees, and re-reading them from the kernel
 * cost a third of ingest's time. */
#define STORE_CACHE_PRAGMA "PRAGMA cache_size=-65536"

_Static_assert(STORE_DAY_MS % STORE_BUCKET_MS == 0, "a day is whole buckets");

static const char store_schema_sql[] =
	"CREATE TABLE carriers(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE collectors(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE sources(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE results(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE policies(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE spam_verdicts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	/* typeof() = 'integer': SQLite turns an integer sum that overflows into
	 * a float without a word; the check turns that into an error. */
	"CREATE TABLE counts("
	" bucket_start_ms INTEGER NOT NULL,"
	" carrier INTEGER NOT NULL REFERENCES carriers(id),"
	" collector INTEGER NOT NULL REFERENCES collectors(id),"
	" cell INTEGER NOT NULL,"
	" messages INTEGER NOT NULL CHECK (typeof(messages) = 'integer'),"
	" PRIMARY KEY (bucket_start_ms, carrier, collector, cell)"
	") WITHOUT ROWID;"
	"CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
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
	"CREATE TABLE records("
	" collector INTEGER NOT NULL REFERENCES collectors(id),"
	" epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" carrier INTEGER NOT NULL REFERENCES carriers(id),"
	" window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL,"
	" correction INTEGER NOT NULL,"
	" cells INTEGER NOT NULL, messages INTEGER NOT NULL,"
	" lines_read INTEGER NOT NULL, lines_malformed INTEGER NOT NULL,"
	" lines_overlong INTEGER NOT NULL, headers_untrusted INTEGER NOT NULL,"
	" headers_malformed INTEGER NOT NULL, messages_evicted INTEGER NOT NULL,"
	" messages_late INTEGER NOT NULL,"
	" source INTEGER REFERENCES sources(id), partition INTEGER, kafka_offset INTEGER,"
	" PRIMARY KEY (collector, epoch, seq)"
	") WITHOUT ROWID;"
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
	"CREATE VIEW records_named AS SELECT co.name AS collector, r.epoch, r.seq,"
	" ca.name AS carrier, r.window_start_ms, r.window_end_ms, r.correction, r.cells,"
	" r.messages, r.lines_read, r.lines_malformed, r.lines_overlong, r.headers_untrusted,"
	" r.headers_malformed, r.messages_evicted, r.messages_late, so.name AS source,"
	" r.partition, r.kafka_offset FROM records r JOIN collectors co ON co.id = r.collector"
	" JOIN carriers ca ON ca.id = r.carrier LEFT JOIN sources so ON so.id = r.source;"
	"CREATE VIEW runs_named AS SELECT ca.name AS carrier, co.name AS collector,"
	" r.start_ms, r.end_ms, r.window_ms FROM runs r JOIN carriers ca ON ca.id = r.carrier"
	" JOIN collectors co ON co.id = r.collector;";

enum store_names { NAMES_CARRIERS, NAMES_COLLECTORS, NAMES_SOURCES, NAMES_COUNT };

enum {
	ST_ADD_RECORD,
	ST_GET_RECORD,
	ST_ADD_COUNT,
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
	[ST_ADD_RECORD] =
		"INSERT OR IGNORE INTO records(collector, epoch, seq, carrier, window_start_ms,"
		" window_end_ms, correction, cells, messages, lines_read, lines_malformed,"
		" lines_overlong, headers_untrusted, headers_malformed, messages_evicted,"
		" messages_late, source, partition, kafka_offset)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_GET_RECORD] =
		"SELECT carrier, window_start_ms, window_end_ms, correction FROM records"
		" WHERE collector = ? AND epoch = ? AND seq = ?",
	[ST_ADD_COUNT] =
		"INSERT INTO counts(bucket_start_ms, carrier, collector, cell, messages)"
		" VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET messages = messages + excluded.messages",
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

/* Counts of one key, gathered until store_flush(). */
struct store_tally {
	int64_t bucket;    /* bucket start, or day start once rolled up */
	int64_t carrier;
	int64_t collector; /* 0 for the carrier totals */
	int64_t cell;      /* the cell's id, or an item's for the carrier totals */
	int64_t messages;
};

/* Tallies with equal keys summed as they come (open addressing on the key),
 * so memory and the sort at flush grow with the distinct keys of a batch,
 * not with its cells. */
struct store_tallyset {
	struct store_tally *t; /* distinct keys, in arrival order */
	size_t n, alloc;
	uint32_t *slots;       /* index + 1 into t, 0 free */
	size_t nslots;         /* a power of two, 2 * alloc */
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
	/* Vocabulary id <-> enum value, per vocabulary (see store_load_vocab). */
	int vocab_to_enum[3][AR_RESULT_COUNT];
	int enum_to_vocab[3][AR_RESULT_COUNT];
	/* Item ids (see store.h) of each result of each method, each policy,
	 * each verdict, and of all messages; from the store's vocabulary. */
	int64_t item_result[AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t item_policy[POL_COUNT];
	int64_t item_spam[SPAM_COUNT];
	int64_t item_messages;
	struct store_tallyset cells;  /* for counts */
	struct store_tallyset items;  /* for carrier_totals */
	size_t pending_records;       /* records whose counts are gathered */
	struct store_span *spans;
	size_t nspans, spans_alloc;
	int64_t *run_starts; /* scratch for store_apply_span */
	size_t run_starts_alloc;
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
		                   "PRAGMA user_version = 2", err) < 0)
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
	_Static_assert(STORE_SCHEMA_VERSION == 2, "user_version literal");

	st->path = xstrdup(path);
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
	/* synchronous=FULL: a commit is on disk before ingest moves on, so the
	 * positions stored never run ahead of the counts after a power loss. */
	if (store_set_wal(st, err) < 0 || store_exec(st, "PRAGMA synchronous=FULL", err) < 0 ||
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
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (sqlite3_close(st->db) != SQLITE_OK)
		msg_panic("store_free: %s still busy", st->path);
	for (i = 0; i < NAMES_COUNT; i++)
		htable_free(st->names[i], NULL);
	free(st->cells.t);
	free(st->cells.slots);
	free(st->items.t);
	free(st->items.slots);
	free(st->spans);
	free(st->run_starts);
	free(st->path);
	free(st);
}

/* ---- transactions ---- */

int store_begin(struct store *st, struct strbuf *err)
{
	if (st->in_txn)
		msg_panic("store_begin: transaction already open");
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

/* After INSERT OR IGNORE ignored b: is the stored record the same one? */
static enum store_add_status store_compare_stored(struct store *st, const struct record_batch *b,
                                                  int64_t collector, int64_t carrier,
                                                  struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_GET_RECORD];
	enum store_add_status status = STORE_ERROR;

	sqlite3_bind_int64(s, 1, collector);
	sqlite3_bind_int64(s, 2, b->epoch);
	sqlite3_bind_int64(s, 3, b->seq);
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_db_error(st, "read record", err);
		goto out;
	}
	if (sqlite3_column_int64(s, 0) == carrier &&
	    sqlite3_column_int64(s, 1) == b->window_start_ms &&
	    sqlite3_column_int64(s, 2) == b->window_end_ms &&
	    sqlite3_column_int(s, 3) == (b->correction != 0))
		status = STORE_DUPLICATE;
	else
		status = STORE_CONFLICT;
out:
	sqlite3_reset(s);
	return status;
}

static size_t store_tally_hash(int64_t bucket, int64_t carrier, int64_t collector, int64_t cell)
{
	uint64_t h = (uint64_t)bucket * UINT64_C(0x9e3779b97f4a7c15);

	h = (h ^ (uint64_t)carrier) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (uint64_t)collector) * UINT64_C(0x94d049bb133111eb);
	h = (h ^ (uint64_t)cell) * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h ^ (h >> 31));
}

/* Rebuild the slots for the tallies there are (after growth). */
static void store_tally_reindex(struct store_tallyset *ts)
{
	size_t i, j, mask;

	free(ts->slots);
	ts->nslots = 2 * ts->alloc;
	ts->slots = xcalloc(ts->nslots, sizeof(*ts->slots));
	mask = ts->nslots - 1;
	for (i = 0; i < ts->n; i++) {
		const struct store_tally *t = &ts->t[i];

		j = store_tally_hash(t->bucket, t->carrier, t->collector, t->cell) & mask;
		while (ts->slots[j] != 0)
			j = (j + 1) & mask;
		ts->slots[j] = (uint32_t)(i + 1);
	}
}

/* Add messages to a key. */
static void store_add_tally(struct store_tallyset *ts, int64_t bucket, int64_t carrier,
                            int64_t collector, int64_t cell, int64_t messages)
{
	struct store_tally *t;
	size_t j, mask;
	uint32_t slot;

	if (ts->n == ts->alloc) {
		ts->alloc = ts->alloc ? ts->alloc * 2 : 1024;
		ts->t = xreallocarray(ts->t, ts->alloc, sizeof(*ts->t));
		store_tally_reindex(ts);
	}
	mask = ts->nslots - 1;
	j = store_tally_hash(bucket, carrier, collector, cell) & mask;
	while ((slot = ts->slots[j]) != 0) {
		t = &ts->t[slot - 1];
		if (t->bucket == bucket && t->carrier == carrier && t->collector == collector &&
		    t->cell == cell) {
			t->messages += messages;
			return;
		}
		j = (j + 1) & mask;
	}
	t = &ts->t[ts->n++];
	t->bucket = bucket;
	t->carrier = carrier;
	t->collector = collector;
	t->cell = cell;
	t->messages = messages;
	ts->slots[j] = (uint32_t)ts->n;
}

static void store_tallyset_clear(struct store_tallyset *ts)
{
	ts->n = 0;
	if (ts->slots != NULL)
		memset(ts->slots, 0, ts->nslots * sizeof(*ts->slots));
}

/* Forget the gathered counts (written, or rolled back). */
static void store_tally_clear(struct store *st)
{
	store_tallyset_clear(&st->cells);
	store_tallyset_clear(&st->items);
	st->pending_records = 0;
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
	sqlite3_stmt *s = st->stmt[ST_ADD_RECORD];
	const struct record_health *h = &b->health;
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
	sqlite3_bind_int64(s, 1, collector);
	sqlite3_bind_int64(s, 2, b->epoch);
	sqlite3_bind_int64(s, 3, b->seq);
	sqlite3_bind_int64(s, 4, carrier);
	sqlite3_bind_int64(s, 5, b->window_start_ms);
	sqlite3_bind_int64(s, 6, b->window_end_ms);
	sqlite3_bind_int(s, 7, b->correction != 0);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)b->ncells);
	sqlite3_bind_int64(s, 9, total);
	sqlite3_bind_int64(s, 10, h->lines_read);
	sqlite3_bind_int64(s, 11, h->lines_malformed);
	sqlite3_bind_int64(s, 12, h->lines_overlong);
	sqlite3_bind_int64(s, 13, h->headers_untrusted);
	sqlite3_bind_int64(s, 14, h->headers_malformed);
	sqlite3_bind_int64(s, 15, h->messages_evicted);
	sqlite3_bind_int64(s, 16, h->messages_late);
	if (src != NULL) {
		sqlite3_bind_int64(s, 17, source);
		sqlite3_bind_int(s, 18, src->partition);
		sqlite3_bind_int64(s, 19, src->offset);
	} else {
		sqlite3_bind_null(s, 17);
		sqlite3_bind_null(s, 18);
		sqlite3_bind_null(s, 19);
	}
	if (store_step_done(st, s, err) < 0)
		return STORE_ERROR;
	if (sqlite3_changes(st->db) == 0)
		return store_compare_stored(st, b, collector, carrier, err);

	for (i = 0; i < b->ncells; i++) {
		const struct record_cell *c = &b->cells[i];
		int m;

		store_add_tally(&st->cells, bucket, carrier, collector, store_cell_id(st, c),
		                c->messages);
		for (m = 0; m < AR_METHOD_COUNT; m++)
			store_add_tally(&st->items, bucket, carrier, 0, st->item_result[m][c->result[m]],
			                c->messages);
		if (c->result[AR_DMARC] != AR_ABSENT)
			store_add_tally(&st->items, bucket, carrier, 0, st->item_policy[c->dmarc_policy],
			                c->messages);
		store_add_tally(&st->items, bucket, carrier, 0, st->item_spam[c->spam], c->messages);
		store_add_tally(&st->items, bucket, carrier, 0, st->item_messages, c->messages);
	}
	/* A correction adds late counts to a window already received (or lost):
	 * it says nothing about whether the window itself arrived. */
	if (!b->correction)
		store_add_span(st, carrier, collector, b);
	if ((st->cells.n >= STORE_PENDING_MAX || ++st->pending_records >= STORE_PENDING_RECORDS_MAX) &&
	    store_flush(st, err) < 0)
		return STORE_ERROR;
	return STORE_ADDED;
}

static int store_tally_cmp(const void *pa, const void *pb)
{
	const struct store_tally *a = pa, *b = pb;

	if (a->bucket != b->bucket)
		return a->bucket < b->bucket ? -1 : 1;
	if (a->carrier != b->carrier)
		return a->carrier < b->carrier ? -1 : 1;
	if (a->collector != b->collector)
		return a->collector < b->collector ? -1 : 1;
	if (a->cell != b->cell)
		return a->cell < b->cell ? -1 : 1;
	return 0;
}

/* Sort the tallies and add up equal keys; returns the new count. Sorted keys
 * let SQLite walk its B-tree in order. A sum cannot overflow: a key holds
 * the cells of at most STORE_PENDING_RECORDS_MAX records. */
static size_t store_tally_combine(struct store_tally *t, size_t n)
{
	size_t i, out = 0;

	if (n == 0)
		return 0;
	qsort(t, n, sizeof(*t), store_tally_cmp);
	for (i = 1; i < n; i++) {
		if (store_tally_cmp(&t[out], &t[i]) == 0)
			t[out].messages += t[i].messages;
		else
			t[++out] = t[i];
	}
	return out + 1;
}

/* Upsert sorted tallies with stmt: (bucket, carrier, [collector,] key, messages). */
static int store_write_tallies(struct store *st, sqlite3_stmt *s, const struct store_tally *t,
                               size_t n, int with_collector, struct strbuf *err)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		k = 1;
		sqlite3_bind_int64(s, k++, t[i].bucket);
		sqlite3_bind_int64(s, k++, t[i].carrier);
		if (with_collector)
			sqlite3_bind_int64(s, k++, t[i].collector);
		sqlite3_bind_int64(s, k++, t[i].cell);
		sqlite3_bind_int64(s, k, t[i].messages);
		if (store_step_done(st, s, err) < 0)
			return -1;
	}
	return 0;
}

/* Write the cells into counts, the items into carrier_totals and, rolled up
 * to days, into carrier_day_totals. */
static int store_flush_tallies(struct store *st, struct strbuf *err)
{
	struct store_tally *t;
	size_t n, i;

	n = store_tally_combine(st->cells.t, st->cells.n);
	if (store_write_tallies(st, st->stmt[ST_ADD_COUNT], st->cells.t, n, 1, err) < 0)
		return -1;
	t = st->items.t;
	n = store_tally_combine(t, st->items.n);
	if (store_write_tallies(st, st->stmt[ST_ADD_TOTAL], t, n, 0, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		t[i].bucket = time_floor_div(t[i].bucket, STORE_DAY_MS) * STORE_DAY_MS;
	n = store_tally_combine(t, n);
	if (store_write_tallies(st, st->stmt[ST_ADD_DAY_TOTAL], t, n, 0, err) < 0)
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

/*
 * Merge [sp->start, sp->end) into the collector's runs: every run that
 * overlaps or touches it is replaced by their union. Runs are disjoint and
 * do not touch, so walking back from the last run starting at or before
 * sp->end stops at the first one that ends before sp->start. The runs found
 * are collected before any is changed, as SQLite does not promise what a
 * query sees of rows changed while it steps.
 */
static int store_apply_span(struct store *st, const struct store_span *sp, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_RUNS_BEFORE];
	int64_t lo = sp->start, hi = sp->end, start, end;
	size_t n = 0, i;
	int step;

	sqlite3_bind_int64(s, 1, sp->carrier);
	sqlite3_bind_int64(s, 2, sp->collector);
	sqlite3_bind_int64(s, 3, sp->end);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		start = sqlite3_column_int64(s, 0);
		end = sqlite3_column_int64(s, 1);
		if (end < sp->start)
			break;
		if (n == st->run_starts_alloc) {
			st->run_starts_alloc = st->run_starts_alloc ? st->run_starts_alloc * 2 : 16;
			st->run_starts = xreallocarray(st->run_starts, st->run_starts_alloc,
			                               sizeof(*st->run_starts));
		}
		st->run_starts[n++] = start;
		if (start < lo)
			lo = start;
		if (end > hi)
			hi = end;
	}
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		store_db_error(st, "read runs", err);
		return -1;
	}
	/* The usual case: the window continues the collector's last run. */
	if (n == 1 && st->run_starts[0] == lo) {
		s = st->stmt[ST_RUN_UPDATE];
		sqlite3_bind_int64(s, 1, sp->carrier);
		sqlite3_bind_int64(s, 2, sp->collector);
		sqlite3_bind_int64(s, 3, lo);
		sqlite3_bind_int64(s, 4, hi);
		sqlite3_bind_int64(s, 5, sp->window);
		return store_step_done(st, s, err);
	}
	s = st->stmt[ST_RUN_DELETE];
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, sp->carrier);
		sqlite3_bind_int64(s, 2, sp->collector);
		sqlite3_bind_int64(s, 3, st->run_starts[i]);
		if (store_step_done(st, s, err) < 0)
			return -1;
	}
	s = st->stmt[ST_RUN_INSERT];
	sqlite3_bind_int64(s, 1, sp->carrier);
	sqlite3_bind_int64(s, 2, sp->collector);
	sqlite3_bind_int64(s, 3, lo);
	sqlite3_bind_int64(s, 4, hi);
	sqlite3_bind_int64(s, 5, sp->window);
	return store_step_done(st, s, err);
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
	for (i = 0; i < n; i++) {
		if (store_apply_span(st, &sp[i], err) < 0)
			return -1;
	}
	st->nspans = 0;
	return 0;
}

static int store_flush(struct store *st, struct strbuf *err)
{
	if (store_flush_tallies(st, err) < 0 || store_flush_spans(st, err) < 0)
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
