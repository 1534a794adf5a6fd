/*
 * store_schema - what a store file holds and how it is opened: the schema
 * (store.h describes it), the vocabulary of results, policies, verdicts and
 * fates and the item ids, the upgrades from schema versions 2 to 8, the pragmas
 * and prepared statements of an open store, and closing it.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "checkpointer.h"
#include "log.h"
#include "mem.h"
#include "recids.h"
#include "store_int.h"

/* "arst": marks the file as ours, so a report never reads someone else's database. */
#define STORE_APPLICATION_ID 0x61727374
#define STORE_SCHEMA_VERSION 10
/* A report reading while ingest commits, or two short-lived writers, wait this
 * long for the lock rather than fail at once. */
#define STORE_BUSY_TIMEOUT_MS 10000
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

/* The conflicts met (store.h), once per identity and conflicting content;
 * and the same with names. Also run by the upgrade from version 4. */
#define STORE_CONFLICTS_SQL \
	"CREATE TABLE conflicts(" \
	" collector INTEGER NOT NULL REFERENCES collectors(id)," \
	" epoch INTEGER NOT NULL, seq INTEGER NOT NULL, digest INTEGER NOT NULL," \
	" carrier INTEGER NOT NULL REFERENCES carriers(id)," \
	" window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL," \
	" PRIMARY KEY (collector, epoch, seq, digest)" \
	") WITHOUT ROWID;" \
	"CREATE VIEW conflicts_named AS SELECT ca.name AS carrier, co.name AS collector," \
	" c.epoch, c.seq, c.digest, c.window_start_ms, c.window_end_ms FROM conflicts c" \
	" JOIN carriers ca ON ca.id = c.carrier JOIN collectors co ON co.id = c.collector;"

/* The carriers' declarations (store.h): each file declared once, its rows
 * kept for ever; a later declaration of a carrier and month wins. Also run
 * by the upgrade from version 5. */
#define STORE_DECLARATIONS_SQL \
	"CREATE TABLE declarations(" \
	" id INTEGER PRIMARY KEY, declared_ms INTEGER NOT NULL, file TEXT NOT NULL," \
	" sha256 TEXT NOT NULL, rows INTEGER NOT NULL" \
	");" \
	"CREATE TABLE declared_accounts(" \
	" carrier INTEGER NOT NULL REFERENCES carriers(id), month TEXT NOT NULL," \
	" declaration INTEGER NOT NULL REFERENCES declarations(id)," \
	" accounts INTEGER NOT NULL CHECK (typeof(accounts) = 'integer' AND accounts >= 0)," \
	" filter_users INTEGER NOT NULL CHECK (typeof(filter_users) = 'integer'" \
	"  AND filter_users >= 0 AND filter_users <= accounts)," \
	" PRIMARY KEY (carrier, month, declaration)" \
	") WITHOUT ROWID;" \
	"CREATE VIEW declared_accounts_named AS SELECT ca.name AS carrier, a.month," \
	" a.accounts, a.filter_users, d.id AS declaration, d.declared_ms, d.file, d.sha256" \
	" FROM declared_accounts a JOIN carriers ca ON ca.id = a.carrier" \
	" JOIN declarations d ON d.id = a.declaration;"

/* The spans collectors vouched for (store.h), merged per carrier and
 * collector as runs are, and the same with names. Also run by the upgrade
 * from version 6. */
#define STORE_VOUCHED_SQL \
	"CREATE TABLE vouched(" \
	" carrier INTEGER NOT NULL REFERENCES carriers(id)," \
	" collector INTEGER NOT NULL REFERENCES collectors(id)," \
	" start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, window_ms INTEGER NOT NULL," \
	" PRIMARY KEY (carrier, collector, start_ms)" \
	") WITHOUT ROWID;" \
	"CREATE VIEW vouched_named AS SELECT ca.name AS carrier, co.name AS collector," \
	" v.start_ms, v.end_ms, v.window_ms FROM vouched v JOIN carriers ca ON ca.id = v.carrier" \
	" JOIN collectors co ON co.id = v.collector;"

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
/* The view counts: one row per cell of each counts_packed row, of either
 * form (store_cells.c): the object of before version 9, and the array of
 * pairs whose ids are running sums of its deltas. Also run by the
 * migrations from versions 2 and 8. */
#define STORE_COUNTS_VIEW_SQL "CREATE VIEW counts AS" STORE_COUNTS_OF("counts_packed", "p.collector") ";"
/* One table's cells (a counts_packed or counts_sealed, of either form),
 * one row per cell, collector being the SQL of its collector column. */
#define STORE_COUNTS_OF(table, collector) \
	" SELECT p.bucket_start_ms AS bucket_start_ms, p.carrier AS carrier," \
	" " collector " AS collector, CAST(j.key AS INTEGER) AS cell, j.value AS messages" \
	" FROM " table " p, json_each(p.cells) j WHERE substr(p.cells, 1, 1) = '{'" \
	" UNION ALL SELECT bucket_start_ms, carrier, collector, cell, messages FROM (" \
	"  SELECT p.bucket_start_ms AS bucket_start_ms, p.carrier AS carrier," \
	"  " collector " AS collector, j.key AS k, j.value AS messages," \
	"  sum(CASE WHEN j.key % 2 = 0 THEN j.value ELSE 0 END)" \
	"   OVER (PARTITION BY p.id ORDER BY j.key) AS cell" \
	"  FROM " table " p, json_each(p.cells) j WHERE substr(p.cells, 1, 1) = '[')" \
	" WHERE k % 2 = 1"
/* Version 9's counts: counts_packed's and, with collector NULL, the sealed
 * months' (store.h). */
#define STORE_COUNTS_VIEW_V9_SQL \
	"CREATE VIEW counts AS" STORE_COUNTS_OF("counts_packed", "p.collector") \
	" UNION ALL" STORE_COUNTS_OF("counts_sealed", "NULL") ";"

/* What sealing keeps of a day (store.h), and the periods sealed, named in
 * the column period (version 9, which sealed months, called it month: the
 * upgrade from version 8 makes it so, the one from version 9 renames it). */
#define STORE_SEALED_SQL(period) \
	"CREATE TABLE counts_sealed(" \
	" id INTEGER PRIMARY KEY," \
	" bucket_start_ms INTEGER NOT NULL," \
	" carrier INTEGER NOT NULL REFERENCES carriers(id)," \
	" cells TEXT NOT NULL," \
	" UNIQUE (bucket_start_ms, carrier)" \
	");" \
	"CREATE TABLE health_sealed(" \
	" bucket_start_ms INTEGER NOT NULL," \
	" carrier INTEGER NOT NULL REFERENCES carriers(id)," \
	" records INTEGER NOT NULL, messages INTEGER NOT NULL, lines_read INTEGER NOT NULL," \
	" lines_malformed INTEGER NOT NULL, lines_overlong INTEGER NOT NULL," \
	" headers_untrusted INTEGER NOT NULL, headers_malformed INTEGER NOT NULL," \
	" messages_evicted INTEGER NOT NULL, messages_late INTEGER NOT NULL," \
	" PRIMARY KEY (bucket_start_ms, carrier)" \
	") WITHOUT ROWID;" \
	"CREATE TABLE sealed(" \
	" " period " TEXT NOT NULL PRIMARY KEY, start_ms INTEGER NOT NULL UNIQUE," \
	" end_ms INTEGER NOT NULL, sealed_ms INTEGER NOT NULL, records INTEGER NOT NULL," \
	" records_rows INTEGER NOT NULL, records_rows_trimmed INTEGER NOT NULL," \
	" counts_rows INTEGER NOT NULL, counts_sealed_rows INTEGER NOT NULL," \
	" totals_rows INTEGER NOT NULL" \
	");" \
	"CREATE VIEW health_sealed_named AS SELECT h.bucket_start_ms, ca.name AS carrier," \
	" h.records, h.messages, h.lines_read, h.lines_malformed, h.lines_overlong," \
	" h.headers_untrusted, h.headers_malformed, h.messages_evicted, h.messages_late" \
	" FROM health_sealed h JOIN carriers ca ON ca.id = h.carrier;"

/* The records of version 3's table (now the view records, recids.h) with
 * names. Also run by the migration from version 3. */
#define STORE_RECORDS_NAMED_SQL \
	"CREATE VIEW records_named AS SELECT co.name AS collector, r.epoch, r.seq," \
	" ca.name AS carrier, r.window_start_ms, r.window_end_ms, r.correction, r.cells," \
	" r.messages, r.lines_read, r.lines_malformed, r.lines_overlong, r.headers_untrusted," \
	" r.headers_malformed, r.messages_evicted, r.messages_late, so.name AS source," \
	" r.partition, r.kafka_offset FROM records r JOIN collectors co ON co.id = r.collector" \
	" JOIN carriers ca ON ca.id = r.carrier LEFT JOIN sources so ON so.id = r.source;"

/* The fates (schema version 7); also run by the upgrade from version 6. */
#define STORE_FATES_TABLE_SQL \
	"CREATE TABLE fates(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"

/* The items of every fate but unknown (id 0), from fate unknown's: the same
 * item as the store names it, its fate's name in front ("rejected.spf.pass")
 * and its id the unknown one's plus fate * STORE_ITEMS; written in SQL so
 * that the upgrade from version 6 names them in the store's own vocabulary.
 * store_load_items checks every name. Format: STORE_ITEMS twice. */
#define STORE_FATE_ITEMS_SQL \
	"INSERT INTO items(id, name) SELECT f.id * %d + i.id, f.name || '.' || i.name" \
	" FROM fates f, items i WHERE f.id > 0 AND i.id < %d;"

static const char store_schema_sql[] =
	"CREATE TABLE carriers(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE collectors(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE sources(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE results(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE policies(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE spam_verdicts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	STORE_FATES_TABLE_SQL
	STORE_COUNTS_TABLE_SQL
	STORE_SEALED_SQL("period")
	STORE_COUNTS_VIEW_V9_SQL
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
	STORE_CONFLICTS_SQL
	STORE_DECLARATIONS_SQL
	STORE_VOUCHED_SQL
	"CREATE TABLE positions("
	" topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,"
	" PRIMARY KEY (topic, partition)"
	") WITHOUT ROWID;"
	STORE_RECORDS_NAMED_SQL
	"CREATE VIEW runs_named AS SELECT ca.name AS carrier, co.name AS collector,"
	" r.start_ms, r.end_ms, r.window_ms FROM runs r JOIN carriers ca ON ca.id = r.carrier"
	" JOIN collectors co ON co.id = r.collector;";

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
	[ST_VOUCH_BEFORE] =
		"SELECT start_ms, end_ms FROM vouched WHERE carrier = ?1 AND collector = ?2"
		" AND start_ms <= ?3 ORDER BY start_ms DESC",
	[ST_VOUCH_DELETE] =
		"DELETE FROM vouched WHERE carrier = ? AND collector = ? AND start_ms = ?",
	[ST_VOUCH_INSERT] =
		"INSERT INTO vouched(carrier, collector, start_ms, end_ms, window_ms) VALUES (?,?,?,?,?)",
	[ST_VOUCH_UPDATE] =
		"UPDATE vouched SET end_ms = ?4, window_ms = ?5"
		" WHERE carrier = ?1 AND collector = ?2 AND start_ms = ?3",
	[ST_ADD_DEAD] =
		"INSERT OR IGNORE INTO dead_letters(source, partition, kafka_offset, reason, length)"
		" VALUES (?,?,?,?,?)",
	[ST_SET_POS] =
		"INSERT INTO positions(topic, partition, next_offset) VALUES (?,?,?)"
		" ON CONFLICT DO UPDATE SET next_offset = excluded.next_offset",
	[ST_GET_POS] = "SELECT next_offset FROM positions WHERE topic = ? AND partition = ?",
	[ST_ADD_CONFLICT] =
		"INSERT OR IGNORE INTO conflicts(collector, epoch, seq, digest, carrier,"
		" window_start_ms, window_end_ms) VALUES (?,?,?,?,?,?,?)",
	[ST_COUNT_CONFLICTS] =
		"SELECT count(*) FROM conflicts c JOIN carriers ca ON ca.id = c.carrier"
		" JOIN collectors co ON co.id = c.collector WHERE ca.name = ?1 AND co.name = ?2"
		" AND c.window_start_ms >= ?3 AND c.window_start_ms < ?4",
	/* Whole UTC days from carrier_day_totals, the partial days at both ends
	 * from carrier_totals. */
	[ST_SUM] =
		"SELECT ca.name, t.item, t.messages FROM ("
		" SELECT carrier, item, messages FROM carrier_day_totals"
		"  WHERE day_start_ms >= ?1 AND day_start_ms < ?2"
		" UNION ALL SELECT carrier, item, messages FROM carrier_totals"
		"  WHERE bucket_start_ms >= ?3 AND bucket_start_ms < ?4"
		" UNION ALL SELECT carrier, item, messages FROM carrier_totals"
		"  WHERE bucket_start_ms >= ?5 AND bucket_start_ms < ?6"
		") t JOIN carriers ca ON ca.id = t.carrier ORDER BY ca.name",
	/* The windows received and the spans vouched for, together in the
	 * order coverage takes them (coverage.h). */
	[ST_RUNS_ALL] =
		"SELECT ca.name, co.name, r.start_ms, r.end_ms, r.window_ms, r.vouched FROM ("
		" SELECT carrier, collector, start_ms, end_ms, window_ms, 0 AS vouched FROM runs"
		" UNION ALL SELECT carrier, collector, start_ms, end_ms, window_ms, 1 FROM vouched"
		") r JOIN carriers ca ON ca.id = r.carrier JOIN collectors co ON co.id = r.collector"
		" ORDER BY ca.name, co.name, r.start_ms, r.vouched",
	[ST_SEALED_ALL] = "SELECT start_ms, end_ms FROM sealed ORDER BY start_ms",
	[ST_FIND_NAME + NAMES_CARRIERS] = "SELECT id FROM carriers WHERE name = ?",
	[ST_FIND_NAME + NAMES_COLLECTORS] = "SELECT id FROM collectors WHERE name = ?",
	[ST_FIND_NAME + NAMES_SOURCES] = "SELECT id FROM sources WHERE name = ?",
	[ST_ADD_NAME + NAMES_CARRIERS] = "INSERT INTO carriers(name) VALUES (?)",
	[ST_ADD_NAME + NAMES_COLLECTORS] = "INSERT INTO collectors(name) VALUES (?)",
	[ST_ADD_NAME + NAMES_SOURCES] = "INSERT INTO sources(name) VALUES (?)",
};

void store_db_error(struct store *st, const char *what, struct strbuf *err)
{
	strbuf_printf(err, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int store_exec(struct store *st, const char *sql, struct strbuf *err)
{
	char *why = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &why) != SQLITE_OK) {
		strbuf_printf(err, "%s: %s", st->path, why != NULL ? why : "SQLite error");
		sqlite3_free(why);
		return -1;
	}
	return 0;
}

int store_query_int(struct store *st, const char *sql, int64_t *out, struct strbuf *err)
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

/* ---- cells: (results, policy, spam, fate) <-> id ----
 *
 * A cell's id is a mixed-radix number: the ids of its fate in fates, its
 * SPF, DKIM, DMARC and ARC results in the results table, its policy's in
 * policies and its verdict's in spam_verdicts, in that order, with radices
 * the sizes of those tables (record_cell_key's arithmetic). Fate unknown's
 * id is 0, so a cell of fate unknown has the id it had in schema 6. The
 * tables hold the names, so the file says what its numbers mean, and the
 * program maps names (not its enum values) to ids when it opens a store.
 * The views decode ids with the same arithmetic.
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

static const char *store_fate_name(int v)
{
	return ar_fate_name((enum ar_fate)v);
}

static const struct {
	const char *table;
	const char *(*name_of)(int);
	int n;
} store_vocabs[VOCAB_COUNT] = {
	{ "results", store_result_name, AR_RESULT_COUNT },
	{ "policies", store_policy_name, POL_COUNT },
	{ "spam_verdicts", store_spam_name, SPAM_COUNT },
	{ "fates", store_fate_name, FATE_COUNT },
};

_Static_assert((int)FATE_COUNT <= (int)AR_RESULT_COUNT && (int)POL_COUNT <= (int)AR_RESULT_COUNT &&
                       (int)SPAM_COUNT <= (int)AR_RESULT_COUNT,
               "every vocabulary fits struct store's maps");

_Static_assert(AR_METHOD_COUNT == 4, "the ids and views name four methods");

enum store_item_kind store_item_decode(int64_t item, int *method, int *id_in_vocab,
                                       int *fate_in_vocab)
{
	*method = *id_in_vocab = *fate_in_vocab = 0;
	if (item < 0 || item >= STORE_ITEMS_ALL)
		return ITEM_NONE;
	*fate_in_vocab = (int)(item / STORE_ITEMS);
	item %= STORE_ITEMS;
	if (item < STORE_ITEM_POLICY) {
		*method = (int)(item / STORE_R);
		*id_in_vocab = (int)(item % STORE_R);
		return ITEM_RESULT;
	}
	if (item >= STORE_ITEM_POLICY && item < STORE_ITEM_SPAM) {
		*id_in_vocab = (int)(item - STORE_ITEM_POLICY);
		return ITEM_POLICY;
	}
	if (item >= STORE_ITEM_SPAM && item < STORE_ITEM_MESSAGES) {
		*id_in_vocab = (int)(item - STORE_ITEM_SPAM);
		return ITEM_SPAM;
	}
	return item == STORE_ITEM_MESSAGES ? ITEM_MESSAGES : ITEM_NONE;
}

/* The name of an item of kind (not ITEM_NONE) in items ("spf.pass",
 * "dmarc_policy.reject", "spam.ham", "messages"; with the fate in front
 * unless it is unknown, "rejected.spf.pass"), value being the enum value
 * of its result, policy or verdict, into sb. 0, or -1 if sb is full. */
static int store_item_name(struct strbuf *sb, enum store_item_kind kind, int method, int value,
                           enum ar_fate fate)
{
	if (fate != FATE_UNKNOWN && strbuf_printf(sb, "%s.", ar_fate_name(fate)) < 0)
		return -1;
	switch (kind) {
	case ITEM_RESULT:
		return strbuf_printf(sb, "%s.%s", ar_method_name((enum ar_method)method),
		                     store_result_name(value));
	case ITEM_POLICY:
		return strbuf_printf(sb, "dmarc_policy.%s", store_policy_name(value));
	case ITEM_SPAM:
		return strbuf_printf(sb, "spam.%s", store_spam_name(value));
	case ITEM_MESSAGES:
		return strbuf_printf(sb, "messages");
	case ITEM_NONE:
		break;
	}
	return -1;
}

/* The place value in a cell id (record_cell_key's number, store.h) of
 * each method's result, of the policy and of the fate: the id of the cell
 * whose only digit not 0 is that one, at 1. The spam verdict is the last
 * digit (place 1). */
static void store_cell_places(int64_t method_place[AR_METHOD_COUNT], int64_t *policy_place,
                              int64_t *fate_place)
{
	struct record_cell c;
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		memset(&c, 0, sizeof(c));
		c.result[m] = (enum ar_result)1;
		method_place[m] = record_cell_key(&c);
	}
	memset(&c, 0, sizeof(c));
	c.dmarc_policy = (enum ar_policy)1;
	*policy_place = record_cell_key(&c);
	memset(&c, 0, sizeof(c));
	c.fate = (enum ar_fate)1;
	*fate_place = record_cell_key(&c);
}

/* The view counts_named into sql: counts with each cell's digits decoded
 * into names. 0, or -1 if sql is full. */
static int store_counts_named_sql(struct strbuf *sql)
{
	int64_t method_place[AR_METHOD_COUNT], policy_place, fate_place;
	struct strbuf cols, joins;
	int m, rc = -1;

	store_cell_places(method_place, &policy_place, &fate_place);
	strbuf_init(&cols, 4096);
	strbuf_init(&joins, 4096);
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if (strbuf_printf(&cols, "%sr%d.name AS %s", m > 0 ? ", " : "", m,
		                  ar_method_name((enum ar_method)m)) < 0 ||
		    strbuf_printf(&joins, " JOIN results r%d ON r%d.id = c.cell / %lld %% %d", m, m,
		                  (long long)method_place[m], STORE_R) < 0)
			goto out;
	}
	/* The fate is the most significant digit: no modulo. */
	if (strbuf_printf(&cols, ", p.name AS dmarc_policy, s.name AS spam, f.name AS fate") < 0 ||
	    strbuf_printf(&joins, " JOIN policies p ON p.id = c.cell / %lld %% %d"
	                          " JOIN spam_verdicts s ON s.id = c.cell %% %d"
	                          " JOIN fates f ON f.id = c.cell / %lld",
	                  (long long)policy_place, POL_COUNT, SPAM_COUNT, (long long)fate_place) < 0)
		goto out;
	if (strbuf_printf(sql, "CREATE VIEW counts_named AS SELECT c.bucket_start_ms,"
	                       " ca.name AS carrier, co.name AS collector, %s, c.messages"
	                       " FROM counts c JOIN carriers ca ON ca.id = c.carrier"
	                       " LEFT JOIN collectors co ON co.id = c.collector%s;",
	                  cols.data, joins.data) < 0)
		goto out;
	rc = 0;
out:
	strbuf_release(&cols);
	strbuf_release(&joins);
	return rc;
}

/* The rows of vocabulary v, our names with the enum values as ids, as SQL
 * into sql. 0, or -1 if sql is full. The names are our own constants
 * (lowercase letters), never input, so they may go into SQL text. */
static int store_vocab_sql(struct strbuf *sql, enum store_vocab v)
{
	int i;

	for (i = 0; i < store_vocabs[v].n; i++) {
		if (strbuf_printf(sql, "INSERT INTO %s(id, name) VALUES (%d, '%s');",
		                  store_vocabs[v].table, i, store_vocabs[v].name_of(i)) < 0)
			return -1;
	}
	return 0;
}

/* Fill the vocabularies with our names, the id being the enum value, and
 * the items, and create the view that decodes cell ids. */
static int store_create_vocab(struct store *st, struct strbuf *err)
{
	struct strbuf sql, name;
	enum store_item_kind kind;
	int v, i, m, f, id, rc = -1;

	strbuf_init(&sql, 16384);
	strbuf_init(&name, 256);
	/* The item names too are made of our own constants, so they may go
	 * into SQL text. */
	for (v = 0; v < VOCAB_COUNT; v++) {
		if (store_vocab_sql(&sql, (enum store_vocab)v) < 0)
			goto toolong;
	}
	/* Fate unknown's items in id order, named as store_load_items expects
	 * (a vocabulary id being the enum value here); the other fates' from
	 * them, as the upgrade from version 6 makes them. */
	for (id = 0; id < STORE_ITEMS; id++) {
		kind = store_item_decode(id, &m, &i, &f);
		strbuf_reset(&name);
		if (store_item_name(&name, kind, m, i, FATE_UNKNOWN) < 0 ||
		    strbuf_printf(&sql, "INSERT INTO items(id, name) VALUES (%d, '%s');", id,
		                  name.data) < 0)
			goto toolong;
	}
	if (strbuf_printf(&sql, STORE_FATE_ITEMS_SQL, STORE_ITEMS, STORE_ITEMS) < 0 ||
	    store_counts_named_sql(&sql) < 0)
		goto toolong;
	rc = store_exec(st, sql.data, err);
	goto out;
toolong:
	strbuf_printf(err, "%s: schema SQL too long", st->path);
out:
	strbuf_release(&sql);
	strbuf_release(&name);
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
	enum store_item_kind kind;
	int64_t id;
	int m, r, v, f, step, seen = 0, rc = -1;
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
	for (r = 0; r < FATE_COUNT; r++)
		st->item_fate[r] = (int64_t)st->enum_to_vocab[VOCAB_FATES][r] * STORE_ITEMS;
	if (sqlite3_prepare_v2(st->db, "SELECT id, name FROM items", -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, "items", err);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		name = (const char *)sqlite3_column_text(s, 1);
		strbuf_reset(&want);
		kind = store_item_decode(id, &m, &v, &f);
		if (kind == ITEM_NONE || name == NULL)
			goto bad;
		if (kind != ITEM_MESSAGES)
			v = st->vocab_to_enum[kind][v];
		if (store_item_name(&want, kind, m, v, (enum ar_fate)st->vocab_to_enum[VOCAB_FATES][f]) <
		            0 ||
		    strcmp(name, want.data) != 0)
			goto bad;
		seen++;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "items", err);
		goto out;
	}
	if (seen != STORE_ITEMS_ALL)
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
	st->vocab_is_enum = 1;
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
			if (id != value)
				st->vocab_is_enum = 0;
			seen++;
		}
		if (step != SQLITE_DONE) {
			store_db_error(st, store_vocabs[v].table, err);
			goto out;
		}
		if (seen != n)
			goto bad;
	}
	/* A cell or item of fate unknown has the id it had before fates: the
	 * fate's digit is 0. */
	if (st->enum_to_vocab[VOCAB_FATES][FATE_UNKNOWN] != 0) {
		v = VOCAB_FATES;
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

/* ---- upgrades ----
 *
 * Each upgrade runs in one transaction, so a crash leaves the older version
 * as it was; store_upgrade opens and ends it, and an upgrade's step only
 * moves the data and changes the schema.
 */

/*
 * Schema version 2 kept one counts row per cell; version 3 one row per
 * bucket, carrier and collector (counts_packed), with a view named counts
 * that gives the old rows. Everything else is the same. The cells are read
 * in key order, so each new row is written once. Returns 0 with what was
 * done in done, or -1 with err (a row that no version of this program can
 * have written is refused, not guessed at).
 */
static int store_migrate_v2(struct store *st, struct strbuf *done, struct strbuf *err)
{
	sqlite3_stmt *rd = NULL, *ins = NULL;
	int64_t rows = 0, packed = 0;
	int64_t bucket = 0, carrier = 0, collector = 0, cell, messages;
	int step, rc = -1;

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
		if (cell < 0 || cell >= RECORD_CELLS_V1_MAX || messages < 1) {
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
	               err) < 0)
		goto out;
	strbuf_printf(done, "%lld counts rows packed into %lld", (long long)rows, (long long)packed);
	rc = 0;
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(ins);
	st->merged.n = 0;
	return rc;
}

/*
 * Schema version 3 kept a records row per record; version 4 keeps them
 * packed (recids.h), with a view named records that gives the old rows.
 * Everything else is the same. Returns 0 with what was done in done, or -1
 * with err (a row that no version of this program can have written is
 * refused).
 */
static int store_migrate_v3(struct store *st, struct strbuf *done, struct strbuf *err)
{
	sqlite3_stmt *rd = NULL;
	struct recids *ri = NULL;
	struct recids_rec r;
	int64_t rows = 0, packed = 0;
	int step, rc = -1;

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
	/* The table cannot be dropped while a statement reads it. */
	sqlite3_finalize(rd);
	rd = NULL;
	/* records_named names records and reads the view from now on. */
	if (store_exec(st, "DROP VIEW records_named; DROP TABLE records;" RECIDS_VIEW_SQL
	                   STORE_RECORDS_NAMED_SQL "PRAGMA user_version = 4", err) < 0)
		goto out;
	strbuf_printf(done, "%lld records packed into %lld rows", (long long)rows,
	              (long long)packed);
	rc = 0;
out:
	sqlite3_finalize(rd);
	recids_free(ri);
	return rc;
}

/*
 * Schema version 5 keeps a digest of each new record's content in its
 * records_packed entry (recids.h) and the conflicts met (store.h). Records
 * stored before keep no digest: a record delivered again under one of their
 * identities for the same window cannot be compared (STORE_UNVERIFIED).
 * Returns 0 with what was done in done, or -1 with err.
 */
static int store_migrate_v4(struct store *st, struct strbuf *done, struct strbuf *err)
{
	if (store_exec(st, STORE_CONFLICTS_SQL "PRAGMA user_version = 5", err) < 0)
		return -1;
	strbuf_printf(done, "records stored so far have no content digest");
	return 0;
}

/*
 * Schema version 6 keeps the carriers' declarations of mailbox accounts and
 * filter users (store.h); a store of version 5 has none yet. Returns 0 with
 * what was done in done, or -1 with err.
 */
static int store_migrate_v5(struct store *st, struct strbuf *done, struct strbuf *err)
{
	if (store_exec(st, STORE_DECLARATIONS_SQL "PRAGMA user_version = 6", err) < 0)
		return -1;
	strbuf_printf(done, "no carrier has declared accounts yet");
	return 0;
}

/*
 * Schema version 7 keeps each message's fate (record schema v2): a table
 * fates, a digit of every cell id (the most significant, so the cells
 * stored so far, all of fate unknown, keep their ids), the items of each
 * fate but unknown, and counts_named with the fate's column. Returns 0 with
 * what was done in done, or -1 with err.
 */
static int store_migrate_v6(struct store *st, struct strbuf *done, struct strbuf *err)
{
	struct strbuf sql;
	int rc = -1;

	strbuf_init(&sql, 16384);
	if (strbuf_printf(&sql, "%sDROP VIEW counts_named;", STORE_FATES_TABLE_SQL) < 0 ||
	    store_vocab_sql(&sql, VOCAB_FATES) < 0 ||
	    strbuf_printf(&sql, STORE_FATE_ITEMS_SQL, STORE_ITEMS, STORE_ITEMS) < 0 ||
	    store_counts_named_sql(&sql) < 0 ||
	    strbuf_printf(&sql, "PRAGMA user_version = 7") < 0)
		goto toolong;
	if (store_exec(st, sql.data, err) < 0)
		goto out;
	strbuf_printf(done, "the counts stored so far are of fate unknown");
	rc = 0;
	goto out;
toolong:
	strbuf_printf(err, "%s: upgrade SQL too long", st->path);
out:
	strbuf_release(&sql);
	return rc;
}

/*
 * Schema version 8 keeps the spans collectors vouched for (store.h); a
 * store of version 7 has none, so its coverage is what it was until
 * vouching records arrive. Returns 0 with what was done in done, or -1 with
 * err.
 */
static int store_migrate_v7(struct store *st, struct strbuf *done, struct strbuf *err)
{
	if (store_exec(st, STORE_VOUCHED_SQL "PRAGMA user_version = 8", err) < 0)
		return -1;
	strbuf_printf(done, "no collector has vouched for a span yet");
	return 0;
}

/*
 * Schema version 9 writes records_packed and counts_packed rows in compact
 * forms (recids.h, store_cells.c) and can seal months (store.h):
 * records_packed gains digests (NULL in the rows written before, which
 * keep their form and are read as they are) and min_window_ms, filled here
 * from each row's records (read by recids, the one reader of that text) and
 * indexed; the tables of sealed months; the views records and counts,
 * which read both forms, counts and counts_named showing sealed counts. A
 * store upgraded from version 3 in this same run has both columns, and its
 * rows min_window_ms, already. Returns 0 with what was done in done, or -1
 * with err.
 */
static int store_migrate_v8(struct store *st, struct strbuf *done, struct strbuf *err)
{
	sqlite3_stmt *rd = NULL, *upd = NULL;
	struct recids_rec *recs = xcalloc(RECIDS_ROW_MAX, sizeof(*recs));
	struct strbuf sql;
	int64_t has_digests = 0, has_window = 0, rows = 0, id, min;
	size_t n, i;
	int step, rc = -1;

	strbuf_init(&sql, 16384);
	if (store_query_int(st, "SELECT count(*) FROM pragma_table_info('records_packed')"
	                        " WHERE name = 'digests'", &has_digests, err) < 0 ||
	    store_query_int(st, "SELECT count(*) FROM pragma_table_info('records_packed')"
	                        " WHERE name = 'min_window_ms'", &has_window, err) < 0)
		goto out;
	if (!has_digests &&
	    store_exec(st, "ALTER TABLE records_packed ADD COLUMN digests BLOB", err) < 0)
		goto out;
	if (!has_window && store_exec(st, "ALTER TABLE records_packed ADD COLUMN"
	                                  " min_window_ms INTEGER", err) < 0)
		goto out;
	if (sqlite3_prepare_v2(st->db, "SELECT id, records, digests, first_seq FROM records_packed"
	                               " WHERE min_window_ms IS NULL", -1, &rd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE records_packed SET min_window_ms = ? WHERE id = ?",
	                       -1, &upd, NULL) != SQLITE_OK) {
		store_db_error(st, "upgrade", err);
		goto out;
	}
	/* The rows are read in rowid order and each is changed in place
	 * (its rowid kept, the column in no index yet): SQLite's cursor finds
	 * its place again by rowid, and a row met again is filled already. */
	while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
		id = sqlite3_column_int64(rd, 0);
		if (recids_row_decode(sqlite3_column_text(rd, 1), (size_t)sqlite3_column_bytes(rd, 1),
		                      sqlite3_column_blob(rd, 2), (size_t)sqlite3_column_bytes(rd, 2),
		                      sqlite3_column_int64(rd, 3), recs, RECIDS_ROW_MAX, &n) < 0) {
			strbuf_printf(err, "%s: upgrade: records_packed row %lld is not in the form "
			                   "this program writes", st->path, (long long)id);
			goto out;
		}
		min = INT64_MAX;
		for (i = 0; i < n; i++)
			min = recs[i].window_start_ms < min ? recs[i].window_start_ms : min;
		sqlite3_bind_int64(upd, 1, min);
		sqlite3_bind_int64(upd, 2, id);
		if (store_step_done(st, upd, err) < 0)
			goto out;
		rows++;
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "upgrade", err);
		goto out;
	}
	sqlite3_finalize(rd);
	rd = NULL;
	if (strbuf_printf(&sql, "%s%sDROP VIEW records;%sDROP VIEW counts_named; DROP VIEW counts;%s",
	                  RECIDS_WINDOW_INDEX_SQL, STORE_SEALED_SQL("month"), RECIDS_VIEW_SQL,
	                  STORE_COUNTS_VIEW_V9_SQL) < 0 ||
	    store_counts_named_sql(&sql) < 0 || strbuf_printf(&sql, "PRAGMA user_version = 9") < 0) {
		strbuf_printf(err, "%s: upgrade SQL too long", st->path);
		goto out;
	}
	if (store_exec(st, sql.data, err) < 0)
		goto out;
	strbuf_printf(done, "new rows are written in the compact forms (the rows stored so far "
	                    "keep theirs); the earliest window of %lld records_packed rows noted; "
	                    "no month sealed yet", (long long)rows);
	rc = 0;
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(upd);
	strbuf_release(&sql);
	free(recs);
	return rc;
}

/*
 * Schema version 10 seals UTC days (store.h): the table sealed names its
 * periods in the column period, "YYYY-MM-DD" for a day; the months version
 * 9 sealed keep their rows ("YYYY-MM", their [start_ms, end_ms)) and stay
 * sealed as they are, since every reader of the table reads the interval.
 * And it finds records_packed rows by the day of their earliest window
 * first (recids.h, RECIDS_DAY_INDEX_SQL); a store migrated from version 3
 * got that index already. Returns 0 with what was done in done, or -1 with
 * err.
 */
static int store_migrate_v9(struct store *st, struct strbuf *done, struct strbuf *err)
{
	int64_t months = 0;

	if (store_query_int(st, "SELECT count(*) FROM sealed", &months, err) < 0 ||
	    store_exec(st, "ALTER TABLE sealed RENAME COLUMN month TO period;"
	                   "DROP INDEX IF EXISTS records_packed_seq;" RECIDS_DAY_INDEX_SQL
	                   "PRAGMA user_version = 10", err) < 0)
		return -1;
	strbuf_printf(done, "%lld months sealed before kept as they are; days are sealed from now "
	                    "on; records_packed rows indexed by the day of their earliest window",
	              (long long)months);
	return 0;
}

/* The upgrades, in order: each takes a store of version from to from + 1. */
static const struct store_upgrade {
	int64_t from;
	const char *what; /* what changes, for the log */
	int (*step)(struct store *st, struct strbuf *done, struct strbuf *err);
} store_upgrades[] = {
	{ 2, "counts packed per bucket, carrier and collector", store_migrate_v2 },
	{ 3, "record identities packed", store_migrate_v3 },
	{ 4, "content digests of records, conflicts kept", store_migrate_v4 },
	{ 5, "carriers' declarations of accounts and filter users", store_migrate_v5 },
	{ 6, "each message's fate", store_migrate_v6 },
	{ 7, "spans collectors vouched for", store_migrate_v7 },
	{ 8, "compact rows of records and counts; months can be sealed", store_migrate_v8 },
	{ 9, "sealing by the UTC day; records found by their day", store_migrate_v9 },
};

/*
 * Run upgrade u in a write transaction, reading the version again under the
 * lock: another process may have upgraded while we waited for it (then
 * there is nothing to do). 0, or -1 with err, its failure explained: it may
 * be a report without write access that found the store of an older
 * version. Nothing of a failed upgrade stays.
 */
static int store_upgrade(struct store *st, const struct store_upgrade *u, struct strbuf *err)
{
	struct strbuf why, done;
	int64_t version;
	int rc = -1, in_txn = 0;

	strbuf_init(&why, 1024);
	strbuf_init(&done, 256);
	if (store_exec(st, "BEGIN IMMEDIATE", &why) < 0)
		goto out;
	in_txn = 1;
	if (store_query_int(st, "PRAGMA user_version", &version, &why) < 0)
		goto out;
	if (version == u->from) {
		msg_info("%s: upgrading the store from schema version %lld to %lld (%s)", st->path,
		         (long long)u->from, (long long)(u->from + 1), u->what);
		if (u->step(st, &done, &why) < 0)
			goto out;
	}
	if (store_exec(st, "COMMIT", &why) < 0)
		goto out;
	in_txn = 0;
	if (version == u->from)
		msg_info("%s: schema version %lld: %s", st->path, (long long)(u->from + 1),
		         done.data != NULL ? done.data : "");
	rc = 0;
out:
	if (in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc < 0)
		strbuf_printf(err, "store schema version %lld could not be upgraded to %d (the first "
		                   "program of this version to open it needs write access): %s",
		              (long long)u->from, STORE_SCHEMA_VERSION,
		              why.data != NULL ? why.data : "?");
	strbuf_release(&why);
	strbuf_release(&done);
	return rc;
}

/* Create the schema in an empty file, or check that the file holds ours. */
static int store_check_schema(struct store *st, enum store_mode mode, struct strbuf *err)
{
	int64_t app_id, version, objects;
	size_t i;

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
		for (i = 0; i < sizeof(store_upgrades) / sizeof(store_upgrades[0]); i++) {
			if (version != store_upgrades[i].from)
				continue;
			if (store_upgrade(st, &store_upgrades[i], err) < 0)
				return -1;
			version++;
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
		                   "PRAGMA user_version = 10", err) < 0)
			goto fail;
	}
	if (store_exec(st, "COMMIT", err) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* r merges intervals into the table what with the four statements from
 * first on: before, delete, insert, update (ranges.h), in that order in the
 * statement enum. */
static void store_ranges_init(struct store *st, struct ranges *r, const char *what, int first)
{
	r->db = st->db;
	r->what = what;
	r->before = st->stmt[first];
	r->del = st->stmt[first + 1];
	r->ins = st->stmt[first + 2];
	r->upd = st->stmt[first + 3];
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
	_Static_assert(STORE_SCHEMA_VERSION == 10, "user_version literals");

	st->path = xstrdup(path);
	store_cells_init(st);
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
	 * STORE_WRITER_CHECKPOINT_PRAGMA in store_cells.c): a commit is on disk
	 * before ingest moves on. */
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
	store_ranges_init(st, &st->runs, "runs", ST_RUNS_BEFORE);
	store_ranges_init(st, &st->vouched, "vouched", ST_VOUCH_BEFORE);
	st->recids = recids_new(st->db, err);
	if (st->recids == NULL || store_load_sealed(st, err) < 0)
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
	store_cells_release(st);
	free(st->path);
	free(st);
}
