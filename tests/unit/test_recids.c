/* unit.recids: the packed identities of stored records, against a model. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "recids.h"
#include "strbuf.h"

static sqlite3 *open_db(void)
{
	sqlite3 *db = NULL;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(":memory:", &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db,
	                                   "CREATE TABLE collectors(id INTEGER PRIMARY KEY);"
	                                   "CREATE TABLE carriers(id INTEGER PRIMARY KEY);"
	                                   "CREATE TABLE sources(id INTEGER PRIMARY KEY);"
	                                   RECIDS_TABLES_SQL RECIDS_VIEW_SQL,
	                                   NULL, NULL, NULL),
	                      SQLITE_OK);
	return db;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void exec(sqlite3 *db, const char *sql)
{
	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A record whose window and content follow from its seq (so a second
 * delivery of the same seq is a duplicate), shifted by `shift` minutes (a
 * conflict). */
static struct recids_rec rec(int64_t collector, int64_t epoch, int64_t seq, int64_t source,
                             int64_t shift)
{
	struct recids_rec r;

	memset(&r, 0, sizeof(r));
	r.collector = collector;
	r.epoch = epoch;
	r.seq = seq;
	r.carrier = 1 + collector % 2;
	r.window_start_ms = 1793458200000 + (seq % 100000 + shift) * 60000;
	r.window_end_ms = r.window_start_ms + 60000;
	r.cells = 3;
	r.messages = seq % 97 + 1;
	r.health.lines_read = seq % 100000 * 10;
	r.health.messages_late = seq % 5;
	/* Any number standing for the content will do: recids compares it. */
	r.digest = (uint64_t)seq * UINT64_C(0x9e3779b97f4a7c15);
	r.has_digest = 1;
	r.source = source;
	if (source != 0) {
		r.partition = (int32_t)(seq % 16);
		r.offset = seq % 100000 * 3;
	}
	return r;
}

static void begin(sqlite3 *db)
{
	exec(db, "BEGIN IMMEDIATE");
}

/* In a transaction rolled back after: recids_add refuses r as a row not
 * in our form (RECIDS_ERROR, with the reason). */
static void add_refused(sqlite3 *db, struct recids *ri, const struct recids_rec *r)
{
	struct strbuf err;

	strbuf_init(&err, 1024);
	begin(db);
	CU_ASSERT_EQUAL(recids_add(ri, r, &err), RECIDS_ERROR);
	CU_ASSERT_PTR_NOT_NULL(err.data);
	exec(db, "ROLLBACK");
	recids_rollback(ri);
	strbuf_release(&err);
}

static void commit(sqlite3 *db, struct recids *ri)
{
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(recids_flush(ri, &err), 0);
	exec(db, "COMMIT");
	strbuf_release(&err);
}

static enum recids_status add(struct recids *ri, struct recids_rec r)
{
	struct strbuf err;
	enum recids_status st;

	strbuf_init(&err, 1024);
	st = recids_add(ri, &r, &err);
	if (st == RECIDS_ERROR)
		fprintf(stderr, "recids_add: %s\n", err.data != NULL ? err.data : "?");
	strbuf_release(&err);
	return st;
}

/* Every range is disjoint from and does not touch the next of its
 * collector and epoch. */
static int64_t ranges_bad(sqlite3 *db)
{
	return query_int(db, "SELECT count(*) FROM record_seqs a JOIN record_seqs b"
	                     " ON a.collector = b.collector AND a.epoch = b.epoch"
	                     " AND a.first_seq < b.first_seq AND b.first_seq <= a.last_seq + 1"
	                     " UNION ALL SELECT count(*) FROM record_seqs WHERE last_seq < first_seq"
	                     " ORDER BY 1 DESC LIMIT 1");
}

/* Every records_packed row holds consecutive seqs, first_seq..last_seq in
 * order, and no two rows of a collector and epoch overlap: the one row that
 * can hold a seq is found with one look-up. */
static int64_t rows_bad(sqlite3 *db)
{
	/* A compact row has 8 bytes of digest per record; a row of the older
	 * form says its seqs. */
	return query_int(db, "SELECT count(*) FROM records_packed p WHERE"
	                     " json_array_length(p.records) != p.last_seq - p.first_seq + 1"
	                     " OR (p.digests IS NOT NULL AND length(p.digests)"
	                     "  != 8 * (p.last_seq - p.first_seq + 1))"
	                     " OR (p.digests IS NULL AND (p.records ->> '$[0][0]' != p.first_seq"
	                     "  OR p.records ->> '$[#-1][0]' != p.last_seq))"
	                     " OR EXISTS (SELECT 1 FROM records_packed q WHERE q.collector = p.collector"
	                     " AND q.epoch = p.epoch AND q.id != p.id AND q.first_seq <= p.last_seq"
	                     " AND q.last_seq >= p.first_seq)");
}

static void test_basics(void)
{
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	struct recids_rec r;
	int64_t s;

	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	for (s = 1; s <= 150; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 7, s, 1, 0)), RECIDS_NEW);
	/* Within the transaction: the same again, and reused for another window. */
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 5, 1, 0)), RECIDS_DUPLICATE);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 5, 1, 1)), RECIDS_CONFLICT);
	/* Another epoch or collector is another identity. */
	CU_ASSERT_EQUAL(add(ri, rec(1, 8, 5, 0, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(2, 7, 5, 0, 0)), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), 152);
	/* 150 records of one source: rows of 64, 64 and 22. */
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records_packed WHERE collector = 1"
	                              " AND epoch = 7"), 3);
	CU_ASSERT_EQUAL(query_int(db, "SELECT max(json_array_length(records)) FROM records_packed"),
	                RECIDS_ROW_MAX);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM record_seqs"), 3);
	CU_ASSERT_EQUAL(query_int(db, "SELECT last_seq FROM record_seqs WHERE collector = 1"
	                              " AND epoch = 7 AND first_seq = 1"), 150);
	/* What the view shows is what was added. */
	r = rec(1, 7, 77, 1, 0);
	CU_ASSERT_EQUAL(query_int(db, "SELECT window_start_ms FROM records WHERE collector = 1"
	                              " AND epoch = 7 AND seq = 77"), r.window_start_ms);
	CU_ASSERT_EQUAL(query_int(db, "SELECT lines_read + messages_late FROM records"
	                              " WHERE collector = 1 AND epoch = 7 AND seq = 77"),
	                r.health.lines_read + r.health.messages_late);
	CU_ASSERT_EQUAL(query_int(db, "SELECT kafka_offset FROM records WHERE seq = 77"), 231);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records WHERE source IS NULL"
	                              " AND partition IS NULL AND kafka_offset IS NULL"), 2);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records WHERE typeof(seq) != 'integer'"
	                              " OR typeof(window_end_ms) != 'integer'"), 0);

	/* Later, and after a fresh start (nothing remembered): the stored
	 * records are duplicates or conflicts, read from the rows. */
	begin(db);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 150, 1, 0)), RECIDS_DUPLICATE);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 151, 1, 0)), RECIDS_NEW);
	commit(db, ri);
	recids_free(ri);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	for (s = 1; s <= 151; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 7, s, 1, 0)), RECIDS_DUPLICATE);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 64, 1, -1)), RECIDS_CONFLICT);
	r = rec(1, 7, 65, 1, 0);
	r.carrier++;
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_CONFLICT);
	r = rec(1, 7, 66, 1, 0);
	r.correction = 1;
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_CONFLICT);
	/* The health counters and the origin are not the identity. */
	r = rec(1, 7, 67, 2, 0);
	r.health.lines_read = 1;
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_DUPLICATE);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 152, 1, 0)), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT last_seq FROM record_seqs WHERE collector = 1"
	                              " AND epoch = 7"), 152);
	CU_ASSERT_EQUAL(ranges_bad(db), 0);

	/* Seqs with gaps in one transaction: a row each run, never across a gap,
	 * and a later seq inside the gap is new and gets its own row. */
	begin(db);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 1000, 1, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 1002, 1, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 1003, 1, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 160, 1, 0)), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records_packed WHERE first_seq >= 160"),
	                3);
	begin(db);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 1001, 1, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(1, 7, 1002, 1, 0)), RECIDS_DUPLICATE);
	commit(db, ri);
	CU_ASSERT_EQUAL(rows_bad(db), 0);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM record_seqs WHERE collector = 1"
	                              " AND epoch = 7"), 3);
	recids_free(ri);
	recids_free(NULL);
	sqlite3_close(db);
	strbuf_release(&err);
}

/* Records a compact row cannot hold (no digest, a window out of its range)
 * go into rows of the older form, never beside compact ones; the view
 * shows both forms alike, and both are found again. */
/* test_forms' record of seq s: odd seqs with a source; 4 and 5 without a
 * digest, 8 with a window beyond the compact form's range. */
static struct recids_rec forms_rec(int64_t s)
{
	struct recids_rec r = rec(1, 1, s, s % 2, 0);

	if (s == 4 || s == 5)
		r.has_digest = 0;
	if (s == 8) {
		r.window_start_ms = INT64_MIN;
		r.window_end_ms = INT64_MAX;
	}
	return r;
}

static void test_forms(void)
{
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	struct recids_rec r;
	int64_t s;

	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	for (s = 1; s <= 10; s++)
		CU_ASSERT_EQUAL(add(ri, forms_rec(s)), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(rows_bad(db), 0);
	/* Odd seqs have a source and even ones not, so every row holds one
	 * seq here: 4, 5 (no digest) and 8 (out of range) of the older form. */
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records_packed WHERE digests IS NULL"), 3);
	CU_ASSERT_EQUAL(query_int(db, "SELECT sum(first_seq) FROM records_packed"
	                              " WHERE digests IS NULL"), 4 + 5 + 8);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), 10);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records WHERE seq != 8 AND"
	                              " window_end_ms - window_start_ms != 60000"), 0);
	CU_ASSERT_EQUAL(query_int(db, "SELECT window_end_ms FROM records WHERE seq = 8"), INT64_MAX);
	r = rec(1, 1, 7, 1, 0);
	CU_ASSERT_EQUAL(query_int(db, "SELECT window_start_ms FROM records WHERE seq = 7"),
	                r.window_start_ms);
	CU_ASSERT_EQUAL(query_int(db, "SELECT lines_read FROM records WHERE seq = 7"),
	                r.health.lines_read);
	CU_ASSERT_EQUAL(query_int(db, "SELECT kafka_offset FROM records WHERE seq = 7"), r.offset);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records WHERE seq % 2 = 0"
	                              " AND partition IS NULL AND kafka_offset IS NULL"), 5);
	recids_free(ri);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	for (s = 1; s <= 10; s++)
		CU_ASSERT_EQUAL(add(ri, forms_rec(s)),
		                s == 4 || s == 5 ? RECIDS_UNVERIFIED : RECIDS_DUPLICATE);
	r = rec(1, 1, 9, 1, 0);
	r.digest++;
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_CONTENT_CONFLICT);
	CU_ASSERT_EQUAL(recids_found(ri)->digest, rec(1, 1, 9, 1, 0).digest);
	r = rec(1, 1, 10, 0, 1);
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_CONFLICT);
	CU_ASSERT_EQUAL(recids_found(ri)->window_start_ms, rec(1, 1, 10, 0, 0).window_start_ms);
	exec(db, "ROLLBACK");
	recids_rollback(ri);
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&err);
}

/* Seqs out of order, gaps filled later, extreme values: ranges merge. */
static void test_ranges(void)
{
	static const int64_t order[] = { 10, 11, 12, 20, 1, 2, 3, 5, 4, 13, 19, 14, 15, 16, 17, 18, 6,
		                         8, 9, 7 };
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	size_t i;

	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		/* Each in its own transaction, a fresh start every third. */
		if (i % 3 == 2) {
			recids_free(ri);
			ri = recids_new(db, &err);
			CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
		}
		begin(db);
		CU_ASSERT_EQUAL(add(ri, rec(3, -5, order[i], 0, 0)), RECIDS_NEW);
		CU_ASSERT_EQUAL(add(ri, rec(3, -5, order[i], 0, 0)), RECIDS_DUPLICATE);
		commit(db, ri);
		CU_ASSERT_EQUAL(ranges_bad(db), 0);
	}
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM record_seqs"), 1);
	CU_ASSERT_EQUAL(query_int(db, "SELECT first_seq * 100 + last_seq FROM record_seqs"), 120);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(DISTINCT seq) FROM records"), 20);
	begin(db);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		CU_ASSERT_EQUAL(add(ri, rec(3, -5, order[i], 0, 0)), RECIDS_DUPLICATE);
	/* The ends of the range of int64 (a seq of 0 or less is refused by the
	 * store's check, not here). */
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, INT64_MAX, 0, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, INT64_MAX - 1, 0, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, INT64_MIN, 0, 0)), RECIDS_NEW);
	commit(db, ri);
	begin(db);
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, INT64_MAX, 0, 0)), RECIDS_DUPLICATE);
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, INT64_MIN, 0, 0)), RECIDS_DUPLICATE);
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, INT64_MIN + 1, 0, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(4, INT64_MIN, 0, 0, 0)), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM record_seqs WHERE collector = 4"), 3);
	CU_ASSERT_EQUAL(ranges_bad(db), 0);
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&err);
}

/* A transaction rolled back leaves nothing, also of what was flushed in
 * it, and nothing remembered from it decides later. */
static void test_rollback(void)
{
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	int64_t s, rows;

	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	for (s = 1; s <= 10; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 1, s, 0, 0)), RECIDS_NEW);
	commit(db, ri);
	begin(db);
	for (s = 11; s <= 20; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 1, s, 0, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(recids_flush(ri, &err), 0);
	for (s = 21; s <= 30; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 1, s, 0, 0)), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, rec(1, 1, 15, 0, 0)), RECIDS_DUPLICATE); /* flushed */
	CU_ASSERT_EQUAL(add(ri, rec(1, 1, 25, 0, 0)), RECIDS_DUPLICATE); /* gathered */
	exec(db, "ROLLBACK");
	recids_rollback(ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), 10);
	begin(db);
	for (s = 1; s <= 10; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 1, s, 0, 0)), RECIDS_DUPLICATE);
	for (s = 11; s <= 30; s++)
		CU_ASSERT_EQUAL(add(ri, rec(1, 1, s, 0, 0)), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), 30);
	CU_ASSERT_EQUAL(query_int(db, "SELECT last_seq FROM record_seqs"), 30);

	/* More than are gathered at once, in one transaction. */
	begin(db);
	rows = query_int(db, "SELECT count(*) FROM records_packed");
	for (s = 31; s <= 31 + 70000; s++)
		CU_ASSERT_EQUAL_FATAL(add(ri, rec(1, 1, s, 1, 0)), RECIDS_NEW);
	/* Rows written before the commit: what is gathered stays bounded. */
	CU_ASSERT(query_int(db, "SELECT count(*) FROM records_packed") > rows);
	CU_ASSERT_EQUAL(add(ri, rec(1, 1, 31, 1, 0)), RECIDS_DUPLICATE);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), 70031);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM record_seqs"), 1);
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&err);
}

/* Issue 14, item 3: the same identity and window with another digest is a
 * content conflict, gathered or stored; a record stored without a digest
 * (rows before schema version 5: fifteen numbers) cannot be compared and is
 * unverified, whatever the digest; recids_found gives what was met. */
static void test_content(void)
{
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	struct recids_rec r, other;

	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	r = rec(1, 7, 5, 0, 0);
	other = r;
	other.digest++;
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_NEW);
	CU_ASSERT_EQUAL(add(ri, other), RECIDS_CONTENT_CONFLICT);
	CU_ASSERT_EQUAL(recids_found(ri)->digest, r.digest);
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_DUPLICATE);
	commit(db, ri);
	begin(db);
	CU_ASSERT_EQUAL(add(ri, other), RECIDS_CONTENT_CONFLICT);
	CU_ASSERT_EQUAL(recids_found(ri)->window_start_ms, r.window_start_ms);
	CU_ASSERT_EQUAL(recids_found(ri)->has_digest, 1);
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_DUPLICATE);
	other = rec(1, 7, 5, 0, 1);
	CU_ASSERT_EQUAL(add(ri, other), RECIDS_CONFLICT);
	CU_ASSERT_EQUAL(recids_found(ri)->window_start_ms, r.window_start_ms);
	commit(db, ri);
	/* The row as version 4 wrote it: the older form without a digest. */
	r = rec(1, 7, 5, 0, 0);
	exec(db, "UPDATE records_packed SET digests = NULL, records = json_array(json_array("
	         "5, 1793458200000 + 5 * 60000, 1793458200000 + 6 * 60000, 0, 3, 6, 50, 0, 0, 0, 0, 0,"
	         " 0, NULL, NULL))");
	CU_ASSERT_EQUAL(query_int(db, "SELECT window_start_ms FROM records"), r.window_start_ms);
	CU_ASSERT_EQUAL(query_int(db, "SELECT json_array_length(records ->> '$[0]')"
	                              " FROM records_packed"), 15);
	begin(db);
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_UNVERIFIED);
	CU_ASSERT_EQUAL(recids_found(ri)->has_digest, 0);
	other = r;
	other.digest++;
	CU_ASSERT_EQUAL(add(ri, other), RECIDS_UNVERIFIED);
	other = rec(1, 7, 5, 0, 1);
	CU_ASSERT_EQUAL(add(ri, other), RECIDS_CONFLICT);
	exec(db, "ROLLBACK");
	recids_rollback(ri);
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&err);
}

/* A row changed behind our back is an error when it is read, never a
 * guess; an identity in record_seqs without its row too. */
static void test_bad_rows(void)
{
	/* Rows of the form before version 9 (digests NULL). */
	static const char *const bad[] = {
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,null,null]",   /* no closing bracket */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,null]]",       /* a field short */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,null,null,5,6]]",/* a field more */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,null,null,null]]",/* a digest null */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,null,null,]]", /* a digest empty */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,null,null,null]]",/* null where a number is */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,1.5,null]]",   /* not an integer */
		"[[1,2,3,0,1,1,0,0,0,0,0,0,0,99999999999999999999,null]]",
		"[[1, 2,3,0,1,1,0,0,0,0,0,0,0,null,null]]", /* a blank */
		"[1,2,3]",
		"[]",
		"",
	};
	/* Compact rows (a digest of 8 bytes kept); seq 1 is entry 0. */
	static const char *const bad_compact[] = {
		"[[1000,0,0,1,1]]",                         /* a window of no length */
		"[[1000,-60000,0,1,1]]",                    /* ending before it starts */
		"[[1000,60000]]",                           /* a field short */
		"[[1000, 60000,0,1,1]]",                    /* a blank */
		"[[1.5,60000,0,1,1]]",                      /* not an integer */
		"[[null,60000,0,1,1]]",                     /* null where a number is */
		"[[99999999999999999999,60000,0,1,1]]",     /* past int64 */
		"[[2305843009213693953,60000,0,1,1]]",      /* past the compact limit */
		"[[1000,4611686018427387905,0,1,1]]",       /* a length past it */
		"[1000,60000,0,1,1]",                       /* not an array of arrays */
		"[]",
		"",
	};
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	struct recids_rec r = rec(1, 1, 1, 0, 0);
	struct recids_rec r2 = rec(1, 1, 2, 0, 0);
	struct recids_rec out[RECIDS_ROW_MAX];
	sqlite3_stmt *s = NULL;
	size_t i, n;

	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	CU_ASSERT_EQUAL(add(ri, r), RECIDS_NEW);
	commit(db, ri);
	CU_ASSERT_EQUAL(query_int(db, "SELECT length(digests) FROM records_packed"), 8);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "UPDATE records_packed SET records = ?", -1, &s,
	                                         NULL), SQLITE_OK);
	for (i = 0; i < sizeof(bad_compact) / sizeof(bad_compact[0]); i++) {
		sqlite3_bind_text(s, 1, bad_compact[i], -1, SQLITE_STATIC);
		CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
		add_refused(db, ri, &r);
	}
	/* A digest too short for the entry; then a row that says it holds seq
	 * 2 and has one entry. */
	exec(db, "UPDATE records_packed SET records = '[[1000,60000,0,1,1]]', digests = x'0011'");
	add_refused(db, ri, &r);
	exec(db, "UPDATE records_packed SET last_seq = 2, digests = zeroblob(16)");
	exec(db, "UPDATE record_seqs SET last_seq = 2");
	add_refused(db, ri, &r2);
	/* Entry 0 sound, entry 1 (seq 2) of no length: the entry looked up is
	 * read whole too. */
	exec(db, "UPDATE records_packed SET records = '[[1000,60000,0,1,1],[60000,0,0,1,1]]'");
	add_refused(db, ri, &r2);
	/* ... and sound: found, with its window relative to entry 0's. */
	exec(db, "UPDATE records_packed SET records = '[[1000,60000,0,1,1],[60000,60000,0,1,1]]'");
	begin(db);
	CU_ASSERT_EQUAL(recids_add(ri, &r2, &err), RECIDS_CONFLICT);
	CU_ASSERT_EQUAL(recids_found(ri)->window_start_ms, 61000);
	CU_ASSERT_EQUAL(recids_found(ri)->window_end_ms, 121000);
	exec(db, "ROLLBACK");
	recids_rollback(ri);
	exec(db, "UPDATE records_packed SET last_seq = 1");
	exec(db, "UPDATE record_seqs SET last_seq = 1");
	/* The older form. */
	exec(db, "UPDATE records_packed SET digests = NULL");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sqlite3_bind_text(s, 1, bad[i], -1, SQLITE_STATIC);
		CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
		add_refused(db, ri, &r);
		/* The reader of whole rows refuses them too. */
		CU_ASSERT_EQUAL(recids_row_decode((const unsigned char *)bad[i], strlen(bad[i]), NULL,
		                                  0, 1, out, RECIDS_ROW_MAX, &n), -1);
	}
	/* A row in form without seq 1: its record is gone (sealed, store.h),
	 * which the caller tells from damage; not an error here. */
	sqlite3_bind_text(s, 1, "[[2,2,3,0,1,1,0,0,0,0,0,0,0,null,null]]", -1, SQLITE_STATIC);
	CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	begin(db);
	CU_ASSERT_EQUAL(recids_add(ri, &r, &err), RECIDS_GONE);
	CU_ASSERT_EQUAL(recids_contains(ri, r.collector, r.epoch, 1, &err), 1);
	CU_ASSERT_EQUAL(recids_contains(ri, r.collector, r.epoch, 2, &err), 0);
	exec(db, "ROLLBACK");
	recids_rollback(ri);
	sqlite3_finalize(s);
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&err);
}

/*
 * Random work against a model: identities from a small space (3
 * collectors, 2 epochs, seqs mostly in order with repeats and jumps), some
 * reused for another window; transactions committed or rolled back, flushes
 * in the middle, fresh starts. Every answer must be the model's, and the
 * tables must hold exactly the model's committed records.
 */
#define MODEL_SEQS 400
struct model {
	signed char committed[3][2][MODEL_SEQS]; /* 0 absent, else 1 + shift */
	signed char txn[3][2][MODEL_SEQS];
};

static uint64_t rng_state = 0x243f6a8885a308d3;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Whole rows as recids writes them are read back, each record's every
 * field (a row's source in its column: partition and offset kept only
 * with one), with min_window_ms the earliest window; and what
 * recids_row_encode writes of them is the same text. */
static void test_row_decode(void)
{
	sqlite3 *db = open_db();
	struct recids *ri;
	struct recids_rec want[70], got[RECIDS_ROW_MAX];
	unsigned char digests[RECIDS_ROW_MAX * 8];
	struct strbuf err, text;
	sqlite3_stmt *s = NULL;
	int64_t src, min;
	size_t i, n, seen = 0, rows = 0, k;

	strbuf_init(&err, 1024);
	recids_row_text_init(&text);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	begin(db);
	for (i = 0; i < 70; i++) {
		/* Seqs 1..70 of one collector: two rows; windows not in seq
		 * order (a correction comes later than its window). */
		want[i] = rec(3, 1, (int64_t)i + 1, 2, i % 7 == 3 ? -100 : 0);
		want[i].correction = i % 7 == 3;
		if (i == 5) {
			/* As the upgrade from version 3 wrote them. */
			want[i].has_digest = 0;
			want[i].digest = 0;
		}
		CU_ASSERT_EQUAL(add(ri, want[i]), RECIDS_NEW);
	}
	commit(db, ri);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT source, records, min_window_ms,"
	                                         " digests, first_seq FROM records_packed"
	                                         " ORDER BY first_seq", -1, &s, NULL),
	                      SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *dg = sqlite3_column_blob(s, 3);
		size_t dlen = (size_t)sqlite3_column_bytes(s, 3);

		src = sqlite3_column_int64(s, 0);
		CU_ASSERT_EQUAL_FATAL(recids_row_decode(sqlite3_column_text(s, 1),
		                                        (size_t)sqlite3_column_bytes(s, 1), dg, dlen,
		                                        sqlite3_column_int64(s, 4), got,
		                                        RECIDS_ROW_MAX, &n), 0);
		min = INT64_MAX;
		for (k = 0; k < n; k++) {
			const struct recids_rec *w = &want[seen + k];

			got[k].source = src;
			CU_ASSERT_EQUAL(got[k].seq, w->seq);
			CU_ASSERT_EQUAL(got[k].window_start_ms, w->window_start_ms);
			CU_ASSERT_EQUAL(got[k].window_end_ms, w->window_end_ms);
			CU_ASSERT_EQUAL(got[k].correction, w->correction);
			CU_ASSERT_EQUAL(got[k].cells, w->cells);
			CU_ASSERT_EQUAL(got[k].messages, w->messages);
			CU_ASSERT_EQUAL(memcmp(&got[k].health, &w->health, sizeof(w->health)), 0);
			CU_ASSERT_EQUAL(got[k].partition, w->partition);
			CU_ASSERT_EQUAL(got[k].offset, w->offset);
			CU_ASSERT_EQUAL(got[k].has_digest, w->has_digest);
			CU_ASSERT_EQUAL(got[k].digest, w->digest);
			if (w->window_start_ms < min)
				min = w->window_start_ms;
		}
		CU_ASSERT_EQUAL(sqlite3_column_int64(s, 2), min);
		/* Written back in the same form, to the byte. */
		CU_ASSERT_EQUAL(recids_row_encode(&text, digests, got, n), dg != NULL);
		CU_ASSERT_EQUAL(text.len, (size_t)sqlite3_column_bytes(s, 1));
		CU_ASSERT_EQUAL(memcmp(text.data, sqlite3_column_text(s, 1), text.len), 0);
		if (dg != NULL) {
			CU_ASSERT_EQUAL(dlen, n * 8);
			CU_ASSERT_EQUAL(memcmp(digests, sqlite3_column_blob(s, 3), dlen), 0);
			/* A digest short or long: refused. */
			CU_ASSERT_EQUAL(recids_row_decode(sqlite3_column_text(s, 1),
			                                  (size_t)sqlite3_column_bytes(s, 1),
			                                  sqlite3_column_blob(s, 3), dlen - 1,
			                                  sqlite3_column_int64(s, 4), got,
			                                  RECIDS_ROW_MAX, &k), -1);
		}
		/* Fewer places than records: refused, not overrun. */
		CU_ASSERT_EQUAL(recids_row_decode(sqlite3_column_text(s, 1),
		                                  (size_t)sqlite3_column_bytes(s, 1),
		                                  sqlite3_column_blob(s, 3),
		                                  (size_t)sqlite3_column_bytes(s, 3),
		                                  sqlite3_column_int64(s, 4), got, n - 1, &k),
		                -1);
		seen += n;
		rows++;
	}
	CU_ASSERT_EQUAL(seen, 70);
	/* 1-5 and 7-70 compact, 6 (no digest) of the older form. */
	CU_ASSERT_EQUAL(rows, 3);
	sqlite3_finalize(s);
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&text);
	strbuf_release(&err);
}

static void test_model(void)
{
	static struct model m;
	sqlite3 *db = open_db();
	struct strbuf err;
	struct recids *ri;
	int64_t next[3][2] = { { 1, 1 }, { 1, 1 }, { 1, 1 } }, expected_rows = 0;
	int round, op, c, e, shift, stored;
	int64_t seq;
	enum recids_status want, got;

	memset(&m, 0, sizeof(m));
	strbuf_init(&err, 1024);
	ri = recids_new(db, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
	for (round = 0; round < 300; round++) {
		int nops = (int)(rng() % 60), commit_it = rng() % 4 != 0;

		memcpy(m.txn, m.committed, sizeof(m.txn));
		begin(db);
		for (op = 0; op < nops; op++) {
			c = (int)(rng() % 3);
			e = (int)(rng() % 2);
			switch (rng() % 8) {
			case 0: /* an earlier one again */
				seq = 1 + (int64_t)(rng() % (uint64_t)next[c][e]);
				break;
			case 1: /* a jump ahead */
				seq = next[c][e] + (int64_t)(rng() % 10);
				break;
			default: /* the next one */
				seq = next[c][e];
				break;
			}
			if (seq >= MODEL_SEQS)
				seq = 1 + (int64_t)(rng() % (MODEL_SEQS - 1));
			if (seq >= next[c][e])
				next[c][e] = seq + 1;
			shift = rng() % 10 == 0 ? 1 : 0;
			stored = m.txn[c][e][seq];
			want = stored == 0 ? RECIDS_NEW
			                   : stored == 1 + shift ? RECIDS_DUPLICATE : RECIDS_CONFLICT;
			got = add(ri, rec(c + 1, e, seq, (int64_t)(rng() % 3), shift));
			CU_ASSERT_EQUAL(got, want);
			if (got != want)
				fprintf(stderr, "round %d: %d/%d/%lld: got %d, want %d\n", round, c, e,
				        (long long)seq, got, want);
			if (want == RECIDS_NEW)
				m.txn[c][e][seq] = (signed char)(1 + shift);
			if (rng() % 50 == 0)
				CU_ASSERT_EQUAL(recids_flush(ri, &err), 0);
		}
		if (commit_it) {
			commit(db, ri);
			memcpy(m.committed, m.txn, sizeof(m.txn));
		} else {
			exec(db, "ROLLBACK");
			recids_rollback(ri);
		}
		if (rng() % 10 == 0) {
			recids_free(ri);
			ri = recids_new(db, &err);
			CU_ASSERT_PTR_NOT_NULL_FATAL(ri);
		}
	}
	/* The tables hold the model's records, each once, with its window. */
	for (c = 0; c < 3; c++) {
		for (e = 0; e < 2; e++) {
			for (seq = 0; seq < MODEL_SEQS; seq++) {
				if (m.committed[c][e][seq] != 0)
					expected_rows++;
			}
		}
	}
	CU_ASSERT(expected_rows > 500);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), expected_rows);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM (SELECT DISTINCT collector, epoch, seq"
	                              " FROM records)"), expected_rows);
	CU_ASSERT_EQUAL(query_int(db, "SELECT sum(last_seq - first_seq + 1) FROM record_seqs"),
	                expected_rows);
	CU_ASSERT_EQUAL(ranges_bad(db), 0);
	CU_ASSERT_EQUAL(rows_bad(db), 0);
	/* Each stored seq lies in a range, and each record's window says which
	 * shift it was stored with. */
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1"
	                              " FROM record_seqs s WHERE s.collector = r.collector"
	                              " AND s.epoch = r.epoch AND r.seq BETWEEN s.first_seq"
	                              " AND s.last_seq)"), 0);
	for (c = 0; c < 3; c++) {
		for (e = 0; e < 2; e++) {
			char sql[256];
			int64_t shifted = 0;

			for (seq = 0; seq < MODEL_SEQS; seq++)
				shifted += m.committed[c][e][seq] == 2;
			snprintf(sql, sizeof(sql),
			         "SELECT count(*) FROM records WHERE collector = %d AND epoch = %d"
			         " AND window_start_ms = 1793458200000 + (seq + 1) * 60000", c + 1, e);
			CU_ASSERT_EQUAL(query_int(db, sql), shifted);
		}
	}
	recids_free(ri);
	sqlite3_close(db);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("recids", NULL, NULL);
	CU_add_test(s, "add, rows, duplicates, conflicts", test_basics);
	CU_add_test(s, "ranges merge whatever the order", test_ranges);
	CU_add_test(s, "rollback and flushes inside a transaction", test_rollback);
	CU_add_test(s, "rows not in our form are errors", test_bad_rows);
	CU_add_test(s, "compact rows and rows of the older form", test_forms);
	CU_add_test(s, "content digests", test_content);
	CU_add_test(s, "whole rows read and written back", test_row_decode);
	CU_add_test(s, "random work against a model", test_model);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
