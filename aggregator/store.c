#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "mem.h"
#include "timeutil.h"

/* "arst": marks the file as ours, so a report never reads someone else's database. */
#define STORE_APPLICATION_ID 0x61727374
#define STORE_SCHEMA_VERSION 1
/* A report reading while ingest commits, or two short-lived writers, wait this
 * long for the lock rather than fail at once. */
#define STORE_BUSY_TIMEOUT_MS 10000

static const char store_schema_sql[] =
	"CREATE TABLE counts("
	" bucket_start_ms INTEGER NOT NULL,"
	" carrier TEXT NOT NULL,"
	" collector TEXT NOT NULL,"
	" spf TEXT NOT NULL, dkim TEXT NOT NULL, dmarc TEXT NOT NULL, arc TEXT NOT NULL,"
	" dmarc_policy TEXT NOT NULL,"
	" spam TEXT NOT NULL,"
	" messages INTEGER NOT NULL,"
	" PRIMARY KEY (bucket_start_ms, carrier, collector, spf, dkim, dmarc, arc,"
	"  dmarc_policy, spam)"
	") WITHOUT ROWID;"
	"CREATE TABLE records("
	" collector TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" carrier TEXT NOT NULL,"
	" window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL,"
	" correction INTEGER NOT NULL,"
	" cells INTEGER NOT NULL, messages INTEGER NOT NULL,"
	" lines_read INTEGER NOT NULL, lines_malformed INTEGER NOT NULL,"
	" lines_overlong INTEGER NOT NULL, headers_untrusted INTEGER NOT NULL,"
	" headers_malformed INTEGER NOT NULL, messages_evicted INTEGER NOT NULL,"
	" messages_late INTEGER NOT NULL,"
	" topic TEXT, partition INTEGER, kafka_offset INTEGER,"
	" PRIMARY KEY (collector, epoch, seq)"
	") WITHOUT ROWID;"
	"CREATE INDEX records_window ON records(window_start_ms);"
	"CREATE TABLE dead_letters("
	" topic TEXT NOT NULL, partition INTEGER NOT NULL, kafka_offset INTEGER NOT NULL,"
	" reason TEXT NOT NULL, length INTEGER NOT NULL,"
	" PRIMARY KEY (topic, partition, kafka_offset)"
	") WITHOUT ROWID;"
	"CREATE TABLE positions("
	" topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,"
	" PRIMARY KEY (topic, partition)"
	") WITHOUT ROWID;";

enum {
	ST_ADD_COUNT,
	ST_ADD_RECORD,
	ST_GET_RECORD,
	ST_ADD_DEAD,
	ST_SET_POS,
	ST_GET_POS,
	ST_SUM,
	ST_COUNT
};

static const char *const store_stmt_sql[ST_COUNT] = {
	[ST_ADD_COUNT] =
		"INSERT INTO counts(bucket_start_ms, carrier, collector, spf, dkim, dmarc, arc,"
		" dmarc_policy, spam, messages) VALUES (?,?,?,?,?,?,?,?,?,?)"
		" ON CONFLICT DO UPDATE SET messages = messages + excluded.messages",
	[ST_ADD_RECORD] =
		"INSERT OR IGNORE INTO records(collector, epoch, seq, carrier, window_start_ms,"
		" window_end_ms, correction, cells, messages, lines_read, lines_malformed,"
		" lines_overlong, headers_untrusted, headers_malformed, messages_evicted,"
		" messages_late, topic, partition, kafka_offset)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_GET_RECORD] =
		"SELECT carrier, window_start_ms, window_end_ms, correction FROM records"
		" WHERE collector = ? AND epoch = ? AND seq = ?",
	[ST_ADD_DEAD] =
		"INSERT OR IGNORE INTO dead_letters(topic, partition, kafka_offset, reason, length)"
		" VALUES (?,?,?,?,?)",
	[ST_SET_POS] =
		"INSERT INTO positions(topic, partition, next_offset) VALUES (?,?,?)"
		" ON CONFLICT DO UPDATE SET next_offset = excluded.next_offset",
	[ST_GET_POS] = "SELECT next_offset FROM positions WHERE topic = ? AND partition = ?",
	[ST_SUM] =
		"SELECT carrier, spf, dkim, dmarc, arc, dmarc_policy, spam, SUM(messages)"
		" FROM counts WHERE bucket_start_ms >= ? AND bucket_start_ms < ?"
		" GROUP BY carrier, spf, dkim, dmarc, arc, dmarc_policy, spam"
		" ORDER BY carrier, spf, dkim, dmarc, arc, dmarc_policy, spam",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char *path;
	int in_txn;
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

/* Create the schema in an empty file, or check that the file holds ours. */
static int store_check_schema(struct store *st, enum store_mode mode, struct strbuf *err)
{
	int64_t app_id, version, objects;

	if (store_query_int(st, "PRAGMA application_id", &app_id, err) < 0 ||
	    store_query_int(st, "PRAGMA user_version", &version, err) < 0 ||
	    store_query_int(st, "SELECT count(*) FROM sqlite_schema", &objects, err) < 0)
		return -1;
	if (app_id == STORE_APPLICATION_ID) {
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
		if (store_exec(st, store_schema_sql, err) < 0 ||
		    store_exec(st, "PRAGMA application_id = 1634890612;"
		                   "PRAGMA user_version = 1", err) < 0)
			goto fail;
	}
	if (store_exec(st, "COMMIT", err) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *store_new(const char *path, enum store_mode mode, struct strbuf *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags = SQLITE_OPEN_READWRITE;
	int i;

	/* The literal in store_check_schema must match the constant. */
	_Static_assert(STORE_APPLICATION_ID == 1634890612, "application id literal");
	_Static_assert(STORE_SCHEMA_VERSION == 1, "user_version literal");

	st->path = xstrdup(path);
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
	    store_check_schema(st, mode, err) < 0)
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
	free(st->path);
	free(st);
}

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

int store_commit(struct store *st, struct strbuf *err)
{
	if (!st->in_txn)
		msg_panic("store_commit: no transaction");
	if (store_exec(st, "COMMIT", err) < 0) {
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
	st->in_txn = 0;
}

int64_t store_bucket_of(int64_t ms)
{
	return time_floor_div(ms, STORE_BUCKET_MS) * STORE_BUCKET_MS;
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

/* After INSERT OR IGNORE ignored b: is the stored record the same one? */
static enum store_add_status store_compare_stored(struct store *st, const struct record_batch *b,
                                                  struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_GET_RECORD];
	enum store_add_status status = STORE_ERROR;
	const unsigned char *carrier;

	sqlite3_bind_text(s, 1, b->collector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, b->epoch);
	sqlite3_bind_int64(s, 3, b->seq);
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_db_error(st, "read record", err);
		goto out;
	}
	carrier = sqlite3_column_text(s, 0);
	if (carrier != NULL && strcmp((const char *)carrier, b->carrier) == 0 &&
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

enum store_add_status store_add_record(struct store *st, const struct record_batch *b,
                                       const struct store_source *src, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_ADD_RECORD];
	const struct record_health *h = &b->health;
	int64_t bucket = store_bucket_of(b->window_start_ms), total = 0;
	size_t i;

	if (!st->in_txn)
		msg_panic("store_add_record: no transaction");
	if (store_batch_check(b, err) < 0)
		return STORE_INVALID;
	for (i = 0; i < b->ncells; i++)
		total += b->cells[i].messages;

	/* The identity goes first: whether it was new decides whether the counts
	 * are added, in the same transaction, so the two cannot disagree. */
	store_bind_text(s, 1, b->collector);
	sqlite3_bind_int64(s, 2, b->epoch);
	sqlite3_bind_int64(s, 3, b->seq);
	store_bind_text(s, 4, b->carrier);
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
		store_bind_text(s, 17, src->topic);
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
		return store_compare_stored(st, b, err);

	s = st->stmt[ST_ADD_COUNT];
	for (i = 0; i < b->ncells; i++) {
		const struct record_cell *c = &b->cells[i];

		sqlite3_bind_int64(s, 1, bucket);
		store_bind_text(s, 2, b->carrier);
		store_bind_text(s, 3, b->collector);
		store_bind_text(s, 4, ar_result_name(c->result[AR_SPF]));
		store_bind_text(s, 5, ar_result_name(c->result[AR_DKIM]));
		store_bind_text(s, 6, ar_result_name(c->result[AR_DMARC]));
		store_bind_text(s, 7, ar_result_name(c->result[AR_ARC]));
		store_bind_text(s, 8, ar_policy_name(c->dmarc_policy));
		store_bind_text(s, 9, ar_spam_name(c->spam));
		sqlite3_bind_int64(s, 10, c->messages);
		if (store_step_done(st, s, err) < 0)
			return STORE_ERROR;
	}
	return STORE_ADDED;
}

int store_add_dead_letter(struct store *st, const char *topic, int32_t partition,
                          int64_t offset, const char *reason, size_t length,
                          struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_ADD_DEAD];

	if (!st->in_txn)
		msg_panic("store_add_dead_letter: no transaction");
	store_bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	sqlite3_bind_int64(s, 3, offset);
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

/* Name back to enum value: exact names only, as store_add_record wrote them. */
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

int store_sum_cells(struct store *st, int64_t start_ms, int64_t end_ms, store_cell_fn fn,
                    void *arg, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_SUM];
	struct record_cell cell;
	const unsigned char *carrier;
	int rc = -1, step, m, v;

	sqlite3_bind_int64(s, 1, start_ms);
	sqlite3_bind_int64(s, 2, end_ms);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&cell, 0, sizeof(cell));
		carrier = sqlite3_column_text(s, 0);
		if (carrier == NULL) {
			strbuf_printf(err, "%s: counts row without carrier", st->path);
			goto out;
		}
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			if (store_lookup(store_result_name, AR_RESULT_COUNT,
			                 sqlite3_column_text(s, 1 + m), &v) < 0) {
				strbuf_printf(err, "%s: unknown %s result in counts", st->path,
				              ar_method_name((enum ar_method)m));
				goto out;
			}
			cell.result[m] = (enum ar_result)v;
		}
		if (store_lookup(store_policy_name, POL_COUNT, sqlite3_column_text(s, 5), &v) < 0) {
			strbuf_printf(err, "%s: unknown dmarc_policy in counts", st->path);
			goto out;
		}
		cell.dmarc_policy = (enum ar_policy)v;
		if (store_lookup(store_spam_name, SPAM_COUNT, sqlite3_column_text(s, 6), &v) < 0) {
			strbuf_printf(err, "%s: unknown spam verdict in counts", st->path);
			goto out;
		}
		cell.spam = (enum ar_spam)v;
		cell.messages = sqlite3_column_int64(s, 7);
		if (fn(arg, (const char *)carrier, &cell, err) < 0)
			goto out;
	}
	/* SUM() fails with "integer overflow" rather than wrap. */
	if (step != SQLITE_DONE) {
		store_db_error(st, "sum counts", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_reset(s);
	return rc;
}
