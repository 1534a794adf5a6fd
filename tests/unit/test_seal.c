/* unit.seal: sealing days of the aggregator's store (store.h, "Sealing"). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "record_batch.h"
#include "store.h"
#include "strbuf.h"
#include "test_files.h"
#include "timeutil.h"

/* The store of the test running, in a directory of test_files.h's. */
static char *dir;
static char db_path[512];

static void new_store_dir(void)
{
	dir = make_dir();
	snprintf(db_path, sizeof(db_path), "%s/agg.db", dir);
}

static void remove_store_dir(void)
{
	remove_dir(dir);
	free(dir);
	dir = NULL;
}

static int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi)
{
	return (time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static int64_t query_int(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Every row of sql's first column, one a line (the caller frees). */
static char *query_text(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct strbuf out;
	char *text;

	strbuf_init(&out, 64 * 1024 * 1024);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		strbuf_printf(&out, "%s\n", t != NULL ? (const char *)t : "NULL");
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	text = strdup(out.data != NULL ? out.data : "");
	strbuf_release(&out);
	return text;
}

/* sql's rows (query_text) are want's text. A macro, so that a failure
 * names the line of the test. */
#define ASSERT_TEXT(sql, want) \
	do { \
		char *text_ = query_text(sql); \
		CU_ASSERT_STRING_EQUAL(text_, want); \
		free(text_); \
	} while (0)

static void exec_sql(const char *sql)
{
	sqlite3 *db = NULL;
	char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &why) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, why != NULL ? why : "?");
	CU_ASSERT_PTR_NULL(why);
	sqlite3_free(why);
	sqlite3_close(db);
}

static struct record_cell cells[3] = {
	{ { AR_PASS, AR_PASS, AR_PASS, AR_ABSENT }, POL_REJECT, SPAM_HAM, FATE_ACCEPTED, 10 },
	{ { AR_FAIL, AR_NONE, AR_FAIL, AR_ABSENT }, POL_REJECT, SPAM_SPAM, FATE_REJECTED, 3 },
	{ { AR_PASS, AR_FAIL, AR_NONE, AR_PASS }, POL_NONE, SPAM_HAM, FATE_UNKNOWN, 1 },
};

/* Collector c's record seq in the window w minutes after start (five
 * minute windows), with cells and health that follow from them. */
static void make_record(struct record_batch *b, int c, int64_t seq, int64_t start, int64_t w)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->carrier, sizeof(b->carrier), "carrier-%d", c % 2);
	snprintf(b->collector, sizeof(b->collector), "collector-%d", c);
	b->epoch = 100 + c;
	b->seq = seq;
	b->window_start_ms = start + w * 300000;
	b->window_end_ms = b->window_start_ms + 300000;
	b->cells = cells + seq % 2;
	b->ncells = 1 + (size_t)(seq + c) % 2;
	b->cells_alloc = b->ncells;
	b->health.lines_read = 100 + seq;
	b->health.lines_malformed = seq % 3;
	b->health.messages_late = c;
	b->vouch_start_ms = b->window_start_ms;
	b->vouch_end_ms = b->window_end_ms;
}

#define COLLECTORS 4
/* Each collector's records: 2 days of 5-minute windows from
 * 2026-10-31T00:00Z, so half in October and half in November, and rows of
 * 64 records straddle the month's end; plus a correction of October's
 * last day with a seq among November's. */
#define WINDOWS 576
#define CORRECTION_SEQ (WINDOWS + 1)

/* Each collector's windows 0..n-1 of step five-minute windows from start
 * (plus c quarter hours if stagger), seqs from 1; with correct, the
 * correction and the record after it described above. */
static void fill(int64_t start, int64_t n, int64_t step, int stagger, int correct)
{
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	int c;
	int64_t w;

	strbuf_init(&err, 1024);
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(store_begin(st, &err), 0);
	for (c = 0; c < COLLECTORS; c++) {
		for (w = 0; w < n; w++) {
			make_record(&b, c, w + 1, start + (stagger ? c * 900000 : 0), w * step);
			CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
		}
		if (!correct)
			continue;
		make_record(&b, c, CORRECTION_SEQ, start, 200);
		b.correction = 1;
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
		/* And November goes on after the correction. */
		make_record(&b, c, CORRECTION_SEQ + 1, start, WINDOWS);
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	}
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	strbuf_release(&err);
}

static void fill_store(void)
{
	fill(utc_ms(2026, 10, 31, 0, 0), WINDOWS, 1, 0, 1);
}

/* What every report reads, and what sealing must keep as it is. */
#define KEPT_SQL \
	"SELECT 'totals', bucket_start_ms, carrier, item, messages FROM carrier_totals" \
	" UNION ALL SELECT 'days', day_start_ms, carrier, item, messages FROM carrier_day_totals" \
	" UNION ALL SELECT 'runs', carrier, collector, start_ms, end_ms || ':' || window_ms FROM runs" \
	" UNION ALL SELECT 'vouched', carrier, collector, start_ms, end_ms || ':' || window_ms" \
	"  FROM vouched" \
	" UNION ALL SELECT 'seqs', collector, epoch, first_seq, last_seq FROM record_seqs" \
	" UNION ALL SELECT 'dead', source, partition, kafka_offset, reason FROM dead_letters" \
	" UNION ALL SELECT 'conflicts', collector, seq, digest, window_start_ms FROM conflicts"
#define KEPT_TEXT_SQL \
	"SELECT t || ',' || a || ',' || b || ',' || c || ',' || d FROM (" \
	" SELECT column1 AS t, column2 AS a, column3 AS b, column4 AS c, column5 AS d FROM (" \
	" VALUES ('', 0, 0, 0, 0) UNION ALL " KEPT_SQL ")) WHERE t != '' ORDER BY 1"
/* The counts per bucket, carrier and cell, over collectors. */
#define COUNTS_SUM_SQL \
	"SELECT bucket_start_ms || ',' || carrier || ',' || cell || ',' || sum(messages)" \
	" FROM counts GROUP BY bucket_start_ms, carrier, cell ORDER BY 1"
/* The records' health per bucket and carrier, as health_sealed keeps it. */
#define HEALTH_OF_RECORDS_SQL(cond) \
	"SELECT printf('%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d', bucket, carrier, count(*), sum(messages)," \
	" sum(lines_read), sum(lines_malformed), sum(lines_overlong), sum(headers_untrusted)," \
	" sum(headers_malformed), sum(messages_evicted), sum(messages_late)) FROM (" \
	" SELECT window_start_ms - window_start_ms % 900000 AS bucket, * FROM records" \
	" WHERE " cond ") GROUP BY bucket, carrier ORDER BY 1"
#define HEALTH_SEALED_SQL \
	"SELECT printf('%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d', bucket_start_ms, carrier, records," \
	" messages, lines_read, lines_malformed, lines_overlong, headers_untrusted," \
	" headers_malformed, messages_evicted, messages_late) FROM health_sealed ORDER BY 1"
#define RECORDS_SQL(cond) \
	"SELECT printf('%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s,%s,%s', collector," \
	" epoch, seq, carrier, window_start_ms, window_end_ms, correction, cells, messages," \
	" lines_read, lines_malformed, lines_overlong, headers_untrusted, headers_malformed," \
	" messages_evicted, messages_late, source, partition, kafka_offset) FROM records WHERE " \
	cond " ORDER BY collector, epoch, seq"
/* A table's rows as text. */
#define ROWS_SQL(table, cols) "SELECT " cols " FROM " table " ORDER BY id"
#define COUNTS_PACKED_ROWS ROWS_SQL("counts_packed", \
	"id || ',' || bucket_start_ms || ',' || carrier || ',' || collector || ',' || cells")
#define RECORDS_PACKED_ROWS ROWS_SQL("records_packed", \
	"id || ',' || collector || ',' || epoch || ',' || first_seq || ',' || last_seq || ','" \
	" || carrier || ',' || coalesce(source, '') || ',' || min_window_ms || ',' || records")
#define NOV "window_start_ms >= 1793491200000"
#define OCT "window_start_ms < 1793491200000"

static int64_t month_rows(void)
{
	return query_int("SELECT count(*) FROM counts_packed WHERE bucket_start_ms < 1793491200000");
}

static int64_t day_of(int y, unsigned mo, unsigned d)
{
	return time_days_from_civil(y, mo, d);
}

/* What store_seal_days gave its callback: the days' sums, and their
 * names one a line. */
struct tally {
	struct store_seal_result sum;
	size_t days;
	char names[64 * (TIME_DAY_LEN + 1)];
};

static void tally_add(void *arg, const struct store_seal_result *res)
{
	struct tally *t = arg;
	size_t len = strlen(t->names);

	CU_ASSERT_EQUAL(res->already, 0);
	t->sum.records += res->records;
	t->sum.records_rows_trimmed += res->records_rows_trimmed;
	t->sum.counts_rows += res->counts_rows;
	t->sum.counts_sealed_rows += res->counts_sealed_rows;
	t->sum.totals_rows += res->totals_rows;
	if (len + TIME_DAY_LEN + 2 <= sizeof(t->names))
		snprintf(t->names + len, sizeof(t->names) - len, "%s\n", res->day);
	t->days++;
}

/* Sealing October keeps every report's input, sums its counts and its
 * records' health exactly, deletes its rows (a row straddling the end
 * keeps November's records), and keeps November's records as they were. */
/* A store_totals_fn that takes the totals and does nothing with them. */
static int totals_none(void *arg, const char *carrier, const struct store_totals *t,
                       struct strbuf *err)
{
	(void)arg;
	(void)carrier;
	(void)t;
	(void)err;
	return 0;
}

static void test_seal_month(void)
{
	char *kept, *counts, *health, *nov;
	struct tally t;
	struct store *st;
	struct strbuf err;
	int64_t oct_records;
	size_t sealed;

	strbuf_init(&err, 1024);
	new_store_dir();
	fill_store();
	kept = query_text(KEPT_TEXT_SQL);
	counts = query_text(COUNTS_SUM_SQL);
	health = query_text(HEALTH_OF_RECORDS_SQL(OCT));
	nov = query_text(RECORDS_SQL(NOV));
	oct_records = query_int("SELECT count(*) FROM records WHERE " OCT);
	/* Each text holds what it should (a query gone wrong gives none). */
	CU_ASSERT(strlen(kept) > 100000);
	CU_ASSERT(strlen(counts) > 10000);
	CU_ASSERT(strlen(health) > 5000);
	CU_ASSERT(strlen(nov) > 50000);
	CU_ASSERT_EQUAL(oct_records, COLLECTORS * (WINDOWS / 2 + 1));
	CU_ASSERT(month_rows() > 0);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 31, 23, 59)), 0);
	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 10, 1, 0, tally_add, &t, &sealed, &err), 0);
	/* Every day, the empty ones too, each in its own transaction. */
	CU_ASSERT_EQUAL(sealed, 31);
	CU_ASSERT_EQUAL(t.days, 31);
	CU_ASSERT_EQUAL(strncmp(t.names, "2026-10-01\n2026-10-02\n", 22), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sealed"), 31);
	CU_ASSERT_EQUAL(t.sum.records, oct_records);
	CU_ASSERT(t.sum.records_rows_trimmed >= COLLECTORS);
	CU_ASSERT_EQUAL(t.sum.counts_sealed_rows, 96 * 2);
	/* Only the last day has data, and it keeps its quarter hours. */
	CU_ASSERT_EQUAL(t.sum.totals_rows, 0);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 1, 0, 0)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 31, 23, 59)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 11, 1, 0, 0)), 0);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 9, 30, 23, 59)), 0);
	/* Once only. */
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 10, 2, 0, tally_add, &t, &sealed, &err), 0);
	CU_ASSERT_EQUAL(sealed, 0);
	/* Totals of a range beginning or ending inside a sealed inner day are
	 * refused (its quarter hours are gone), not read as empty; on the
	 * month's first or last day, or over whole days, they are read. */
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 10, 15, 12, 0), utc_ms(2026, 11, 1, 0, 0),
	                                 totals_none, NULL, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "2026-10-15T00:00:00") : NULL);
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 10, 1, 0, 0), utc_ms(2026, 10, 20, 6, 0),
	                                 totals_none, NULL, &err), -1);
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 10, 31, 15, 0), utc_ms(2026, 11, 30, 15, 0),
	                                 totals_none, NULL, &err), 0);
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 10, 2, 0, 0), utc_ms(2026, 10, 30, 0, 0),
	                                 totals_none, NULL, &err), 0);
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 10, 1, 9, 0), utc_ms(2026, 10, 1, 10, 0),
	                                 totals_none, NULL, &err), 0);
	store_free(st);

	ASSERT_TEXT(KEPT_TEXT_SQL, kept);
	ASSERT_TEXT(COUNTS_SUM_SQL, counts);
	ASSERT_TEXT(HEALTH_SEALED_SQL, health);
	ASSERT_TEXT(RECORDS_SQL(NOV), nov);
	CU_ASSERT_EQUAL(month_rows(), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records WHERE " OCT), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed"
	                          " WHERE min_window_ms < 1793491200000"), 0);
	/* Sealed counts have no collector, in both views. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts WHERE " "bucket_start_ms < 1793491200000"
	                          " AND collector IS NOT NULL"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_named"),
	                query_int("SELECT count(*) FROM counts"));
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM counts_named WHERE collector IS NULL"),
	                query_int("SELECT sum(messages) FROM counts WHERE collector IS NULL"));
	CU_ASSERT(query_int("SELECT sum(messages) FROM counts WHERE collector IS NULL") > 0);
	CU_ASSERT_EQUAL(query_int("SELECT records FROM sealed WHERE period = '2026-10-31'"),
	                oct_records);
	CU_ASSERT_EQUAL(query_int("SELECT sum(end_ms - start_ms = 86400000) FROM sealed"), 31);
	free(kept);
	free(counts);
	free(health);
	free(nov);
	remove_store_dir();
	strbuf_release(&err);
}

/* After sealing: a record of the sealed month is never stored, told apart
 * by whether its identity was (delivered again, or too late); a record of
 * November under a sealed record's identity is a conflict, not an error;
 * November's own records behave as before. Nothing of it is counted. */
static void test_late_records(void)
{
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	char *kept;
	int64_t start = utc_ms(2026, 10, 31, 0, 0);
	size_t sealed;

	strbuf_init(&err, 1024);
	new_store_dir();
	fill_store();
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 10, 1, 0, NULL, NULL, &sealed, &err), 0);
	kept = query_text(KEPT_TEXT_SQL);

	CU_ASSERT_EQUAL_FATAL(store_begin(st, &err), 0);
	/* Delivered again: October's window 7 of collector 1. */
	make_record(&b, 1, 8, start, 7);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_DUPLICATE);
	/* ... even with other content. */
	b.health.lines_read++;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_DUPLICATE);
	/* The correction, whose entry sat among November's. */
	make_record(&b, 2, CORRECTION_SEQ, start, 200);
	b.correction = 1;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_DUPLICATE);
	/* Never stored: a seq no collector sent, a collector never seen. */
	make_record(&b, 1, 100000, start, 7);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DAY_SEALED);
	make_record(&b, 9, 1, start, 7);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DAY_SEALED);
	/* November, under October's identities: of a deleted row, and of the
	 * correction's entry cut from a row November kept. */
	make_record(&b, 1, 8, start, WINDOWS + 10);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_CONFLICT);
	make_record(&b, 2, CORRECTION_SEQ, start, WINDOWS + 10);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_CONFLICT);
	/* November's stored records are compared as ever. */
	make_record(&b, 3, WINDOWS, start, WINDOWS - 1);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DUPLICATE);
	make_record(&b, 3, WINDOWS, start, WINDOWS);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONFLICT);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	/* No name was added for the collector never seen. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM collectors"), COLLECTORS);
	/* Only the November conflict is kept (the stored record's window is
	 * known); every count is as it was. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM conflicts"), 1);
	exec_sql("DELETE FROM conflicts");
	ASSERT_TEXT(KEPT_TEXT_SQL, kept);
	free(kept);
	remove_store_dir();
	strbuf_release(&err);
}

/* Days are sealed oldest first; store_seal_due names the days whose end
 * is past the horizon, from the oldest data; store_seal_all_due seals
 * them. */
static void test_order_and_due(void)
{
	struct store_seal_result res;
	struct store *st;
	struct strbuf err;
	size_t n, sealed;
	int64_t first, day = 86400000;

	strbuf_init(&err, 1024);
	new_store_dir();
	fill_store();
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	/* A later day before an earlier one: refused, nothing done. */
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 11, 1, 0, NULL, NULL, &sealed, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "2026-10-31 holds") : NULL);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 11, 2), 1, 0, &res, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "2026-10-31 holds") : NULL);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sealed"), 0);
	/* Once 2026-10-31 is sealed, 2026-11-01 holds the oldest data. */
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 10, 31), 1, 0, &res, &err), 0);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 11, 2), 1, 0, &res, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "2026-11-01 holds") : NULL);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sealed"), 1);
	/* 45 days after 2026-11-02 less a millisecond: 2026-11-01 is not
	 * due yet. */
	CU_ASSERT_EQUAL(store_seal_due(st, utc_ms(2026, 11, 2, 0, 0) + 45 * day - 1, 45 * day,
	                               &first, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(store_seal_due(st, utc_ms(2026, 11, 2, 0, 0) + 45 * day, 45 * day, &first,
	                               &n, &err), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(first, day_of(2026, 11, 1));
	/* 2027-02-14 less 45 days is 2026-12-31: due up to 2026-12-30. */
	CU_ASSERT_EQUAL(store_seal_due(st, utc_ms(2027, 2, 14, 0, 0), 45 * day, &first, &n, &err),
	                0);
	CU_ASSERT_EQUAL(first, day_of(2026, 11, 1));
	CU_ASSERT_EQUAL(n, 60);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_seal_all_due(st, utc_ms(2027, 2, 14, 0, 0), 45 * day, 0, NULL, NULL,
	                                   &sealed, &err), 0);
	CU_ASSERT_EQUAL(sealed, 60);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_packed"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT sum(records) FROM sealed"),
	                COLLECTORS * (WINDOWS + 2));
	/* Nothing left: nothing due. */
	CU_ASSERT_EQUAL(store_seal_due(st, utc_ms(2030, 1, 1, 0, 0), 45 * day, &first, &n, &err),
	                0);
	CU_ASSERT_EQUAL(n, 0);
	store_free(st);
	remove_store_dir();
	strbuf_release(&err);
}

/* A row sealing cannot read fails the seal half way: nothing of it stays
 * (the counts it had already summed, the rows it had already deleted). */
static void test_failure_rolls_back(void)
{
	struct store_seal_result res;
	struct store *st;
	struct strbuf err;
	char *kept, *counts, *records;
	int64_t rows;

	strbuf_init(&err, 1024);
	new_store_dir();
	fill_store();
	/* The last row of October to be read (by its earliest window) made
	 * unreadable: the counts are done and most rows deleted by then. */
	exec_sql("UPDATE records_packed SET records = '[[1,2]]' WHERE id = (SELECT id FROM"
	         " records_packed WHERE min_window_ms < 1793491200000"
	         " ORDER BY min_window_ms DESC LIMIT 1)");
	kept = query_text(KEPT_TEXT_SQL);
	counts = query_text(COUNTS_PACKED_ROWS);
	records = query_text(RECORDS_PACKED_ROWS);
	rows = month_rows();
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 10, 31), 1, 0, &res, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "not in the form") : NULL);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 31, 0, 0)), 0);
	store_free(st);
	CU_ASSERT_EQUAL(month_rows(), rows);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sealed"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_sealed"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM health_sealed"), 0);
	ASSERT_TEXT(KEPT_TEXT_SQL, kept);
	ASSERT_TEXT(COUNTS_PACKED_ROWS, counts);
	ASSERT_TEXT(RECORDS_PACKED_ROWS, records);
	free(kept);
	free(counts);
	free(records);
	remove_store_dir();
	strbuf_release(&err);
}

/* A store of schema version 8 (made from a new one by undoing version 9 in
 * SQL: its tables, the column and its index, the views as they were) is
 * upgraded when opened, each row's earliest window noted, and then seals
 * as a new store does. */
static void test_upgrade_v8(void)
{
	size_t sealed;
	struct store *st;
	struct strbuf err;
	char *kept, *counts, *named, *join;
	struct strbuf sql;
	int64_t packed;

	strbuf_init(&err, 1024);
	strbuf_init(&sql, 1024 * 1024);
	new_store_dir();
	fill_store();
	packed = query_int("SELECT count(*) FROM records_packed");
	/* Version 8's counts_named was this one with an inner join of
	 * collectors (there were no sealed counts). */
	named = query_text("SELECT sql FROM sqlite_schema WHERE name = 'counts_named'");
	join = strstr(named, "LEFT JOIN collectors");
	CU_ASSERT_PTR_NOT_NULL_FATAL(join);
	memcpy(join, "     ", 5);
	strbuf_printf(&sql, "DROP VIEW counts_named; DROP VIEW counts;"
	              " DROP VIEW health_sealed_named; DROP TABLE sealed;"
	              " DROP TABLE health_sealed; DROP TABLE counts_sealed;"
	              " DROP INDEX records_packed_window; DROP INDEX records_packed_day;"
	              " CREATE UNIQUE INDEX records_packed_seq"
	              " ON records_packed(collector, epoch, first_seq, last_seq);"
	              " ALTER TABLE records_packed DROP COLUMN min_window_ms;"
	              /* counts_packed's rows of either form, as version 9 reads
	               * them (the column digests stays: its rows are compact). */
	              " CREATE VIEW counts AS SELECT p.bucket_start_ms, p.carrier, p.collector,"
	              " CAST(j.key AS INTEGER) AS cell, j.value AS messages"
	              " FROM counts_packed p, json_each(p.cells) j WHERE substr(p.cells, 1, 1) = '{'"
	              " UNION ALL SELECT bucket_start_ms, carrier, collector, cell, messages FROM ("
	              " SELECT p.bucket_start_ms AS bucket_start_ms, p.carrier AS carrier,"
	              " p.collector AS collector, j.key AS k, j.value AS messages,"
	              " sum(CASE WHEN j.key %% 2 = 0 THEN j.value ELSE 0 END)"
	              " OVER (PARTITION BY p.id ORDER BY j.key) AS cell"
	              " FROM counts_packed p, json_each(p.cells) j WHERE substr(p.cells, 1, 1) = '[')"
	              " WHERE k %% 2 = 1; %s; PRAGMA user_version = 8",
	              named);
	exec_sql(sql.data);
	free(named);
	strbuf_release(&sql);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 8);
	kept = query_text(KEPT_TEXT_SQL);
	counts = query_text(COUNTS_SUM_SQL);
	st = store_new(db_path, STORE_EXISTING, &err);
	if (st == NULL)
		fprintf(stderr, "upgrade: %s\n", err.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 10);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed WHERE min_window_ms IS NULL"),
	                0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed"), packed);
	/* Rows of 64 consecutive records, windows following seqs, but for
	 * each collector's correction (the earliest of its row). */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed WHERE min_window_ms !="
	                          " 1793404800000 + (first_seq - 1) * 300000"),
	                COLLECTORS);
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 10, 1, 0, NULL, NULL, &sealed, &err), 0);
	CU_ASSERT_EQUAL(sealed, 31);
	store_free(st);
	CU_ASSERT_EQUAL(month_rows(), 0);
	ASSERT_TEXT(KEPT_TEXT_SQL, kept);
	ASSERT_TEXT(COUNTS_SUM_SQL, counts);
	free(kept);
	free(counts);
	remove_store_dir();
	strbuf_release(&err);
}

/* Each collector's records of November 2026, one every six hours (72
 * five-minute windows) from its own quarter hour; rows of 64 records span
 * 16 days. */
#define MONTH_WINDOWS 120
static void fill_month(void)
{
	fill(utc_ms(2026, 11, 1, 0, 0), MONTH_WINDOWS, 72, 1, 0);
}

#define NOV1 "1793491200000"
#define NOV2 "1793577600000"
#define NOV11 "1794355200000"
#define NOV30 "1795996800000"
#define DEC1 "1796083200000"
/* What every report reads but the quarter-hour totals. */
#define KEPT_NO_QUARTERS_SQL \
	"WITH k(x) AS (" KEPT_TEXT_SQL ") SELECT x FROM k WHERE x NOT LIKE 'totals,%' ORDER BY 1"
#define QUARTERS_SQL(cond) \
	"SELECT bucket_start_ms || ',' || carrier || ',' || item || ',' || messages" \
	" FROM carrier_totals WHERE " cond " ORDER BY bucket_start_ms, carrier, item"
/* What sealing leaves, row by row (ids aside). */
#define SEALED_STATE_SQL \
	"SELECT 'c,' || bucket_start_ms || ',' || carrier || ',' || cells FROM counts_sealed" \
	" UNION ALL SELECT 'p,' || bucket_start_ms || ',' || carrier || ',' || collector || ','" \
	"  || cells FROM counts_packed" \
	" UNION ALL SELECT 'r,' || collector || ',' || first_seq || ',' || records" \
	"  FROM records_packed" \
	" UNION ALL SELECT 'q,' || bucket_start_ms || ',' || carrier || ',' || item || ','" \
	"  || messages FROM carrier_totals" \
	" UNION ALL SELECT 'd,' || day_start_ms || ',' || carrier || ',' || item || ','" \
	"  || messages FROM carrier_day_totals" \
	" UNION ALL SELECT 'h,' || bucket_start_ms || ',' || carrier || ',' || records || ','" \
	"  || messages || ',' || lines_read FROM health_sealed ORDER BY 1"

/* November sealed in two steps (its first ten days, then the rest) and in
 * one: while partly sealed every report's input but the inner days'
 * quarter-hour totals is as before, the counts summed over collectors are
 * the same, the sealed days' health is their records' and the later
 * records are untouched; late records of a sealed day are dead letters;
 * once complete the store is the same as after sealing the month whole,
 * and of November's quarter hours only its first and last day's stay. */
static void test_partly_sealed(void)
{
	char *kept, *counts, *health, *later, *ends, *after, *whole;
	struct store_seal_result res;
	struct record_batch b;
	struct tally t;
	struct store *st;
	struct strbuf err;
	size_t sealed;
	int64_t inner;

	strbuf_init(&err, 1024);
	new_store_dir();
	fill_month();
	kept = query_text(KEPT_NO_QUARTERS_SQL);
	counts = query_text(COUNTS_SUM_SQL);
	health = query_text(HEALTH_OF_RECORDS_SQL("window_start_ms < " NOV11));
	later = query_text(RECORDS_SQL("window_start_ms >= " NOV11));
	ends = query_text(QUARTERS_SQL("bucket_start_ms < " NOV2 " OR bucket_start_ms >= " NOV30));
	CU_ASSERT(strlen(kept) > 10000);
	CU_ASSERT(strlen(health) > 1000);
	CU_ASSERT(strlen(later) > 10000);
	CU_ASSERT(strlen(ends) > 100);
	inner = query_int("SELECT count(*) FROM carrier_totals WHERE bucket_start_ms >= " NOV2
	                  " AND bucket_start_ms < " NOV11);
	CU_ASSERT(inner > 0);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL(store_seal_days(st, day_of(2026, 11, 1), 10, 1, 0, tally_add, &t, &sealed,
	                                &err), 0);
	CU_ASSERT_EQUAL(sealed, 10);
	CU_ASSERT_EQUAL(t.sum.records, COLLECTORS * 40);
	CU_ASSERT(t.sum.records_rows_trimmed >= COLLECTORS);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 11, 10, 23, 59)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 11, 11, 0, 0)), 0);
	/* The inner days' quarter hours are gone, the first day's kept. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM carrier_totals WHERE bucket_start_ms >= "
	                          NOV2 " AND bucket_start_ms < " NOV11), 0);
	CU_ASSERT_EQUAL(t.sum.totals_rows, inner);
	ASSERT_TEXT(QUARTERS_SQL("bucket_start_ms < " NOV2 " OR bucket_start_ms >= " NOV30), ends);
	ASSERT_TEXT(KEPT_NO_QUARTERS_SQL, kept);
	ASSERT_TEXT(COUNTS_SUM_SQL, counts);
	ASSERT_TEXT(HEALTH_SEALED_SQL, health);
	ASSERT_TEXT(RECORDS_SQL("1"), later);

	/* Late records of a sealed day: not stored, told apart. */
	CU_ASSERT_EQUAL_FATAL(store_begin(st, &err), 0);
	make_record(&b, 1, 5, utc_ms(2026, 11, 1, 0, 0) + 900000, 4 * 72);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_DUPLICATE);
	make_record(&b, 1, 1000, utc_ms(2026, 11, 1, 0, 0), 4 * 72);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DAY_SEALED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);

	/* The month completes it: the ten days are passed over. */
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 11, 1, 0, tally_add, &t, &sealed, &err), 0);
	CU_ASSERT_EQUAL(sealed, 20);
	CU_ASSERT_EQUAL(t.days, 30);
	CU_ASSERT_EQUAL(t.sum.records, COLLECTORS * MONTH_WINDOWS);
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 11, 5), 1, 0, &res, &err), 0);
	CU_ASSERT_EQUAL(res.already, 1);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_packed"), 0);
	ASSERT_TEXT(QUARTERS_SQL("1"), ends);
	ASSERT_TEXT(KEPT_NO_QUARTERS_SQL, kept);
	ASSERT_TEXT(COUNTS_SUM_SQL, counts);
	after = query_text(SEALED_STATE_SQL);
	remove_store_dir();

	/* The same month sealed in one go. */
	new_store_dir();
	fill_month();
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 11, 1, 0, NULL, NULL, &sealed, &err), 0);
	CU_ASSERT_EQUAL(sealed, 30);
	store_free(st);
	whole = query_text(SEALED_STATE_SQL);
	CU_ASSERT(strlen(whole) > 10000);
	CU_ASSERT_STRING_EQUAL(after, whole);
	free(whole);
	free(after);
	free(kept);
	free(counts);
	free(health);
	free(later);
	free(ends);
	remove_store_dir();
	strbuf_release(&err);
}

/* A store of schema version 9 with October sealed as a month (made from
 * one whose October's days are sealed: their rows replaced by the month's,
 * the column named as version 9 named it) is upgraded: the month stays
 * sealed, as a period of its own, its days sealed already; the days after
 * it seal as in a new store. */
static void test_upgrade_v9(void)
{
	struct store_seal_result res;
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	size_t sealed;
	char *kept;
	int64_t oct_records;

	strbuf_init(&err, 1024);
	new_store_dir();
	fill_store();
	oct_records = query_int("SELECT count(*) FROM records WHERE " OCT);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 10, 1, 0, NULL, NULL, &sealed, &err), 0);
	store_free(st);
	exec_sql("CREATE TEMP TABLE s AS SELECT sum(records) AS records, sum(records_rows) AS rr,"
	         " sum(records_rows_trimmed) AS rt, sum(counts_rows) AS cr,"
	         " sum(counts_sealed_rows) AS cs, sum(totals_rows) AS tr FROM sealed;"
	         " DELETE FROM sealed; ALTER TABLE sealed RENAME COLUMN period TO month;"
	         " INSERT INTO sealed SELECT '2026-10', 1790812800000, " NOV1 ", 1, records, rr,"
	         " rt, cr, cs, tr FROM s; DROP INDEX records_packed_day;"
	         " CREATE UNIQUE INDEX records_packed_seq"
	         " ON records_packed(collector, epoch, first_seq, last_seq);"
	         " PRAGMA user_version = 9");
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 9);
	kept = query_text(KEPT_TEXT_SQL);

	st = store_new(db_path, STORE_EXISTING, &err);
	if (st == NULL)
		fprintf(stderr, "upgrade: %s\n", err.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 10);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sqlite_schema"
	                          " WHERE name IN ('records_packed_day', 'records_packed_seq')"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'records_packed_day'"),
	                1);
	CU_ASSERT_EQUAL(query_int("SELECT records FROM sealed WHERE period = '2026-10'"),
	                oct_records);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 1, 0, 0)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 31, 23, 59)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 11, 1, 0, 0)), 0);
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 10, 31), 1, 0, &res, &err), 0);
	CU_ASSERT_EQUAL(res.already, 1);
	CU_ASSERT_EQUAL(store_seal_month(st, 2026, 10, 1, 0, NULL, NULL, &sealed, &err), 0);
	CU_ASSERT_EQUAL(sealed, 0);
	CU_ASSERT_EQUAL_FATAL(store_begin(st, &err), 0);
	make_record(&b, 1, 8, utc_ms(2026, 10, 31, 0, 0), 7);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_SEALED_DUPLICATE);
	make_record(&b, 1, 100000, utc_ms(2026, 10, 31, 0, 0), 7);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DAY_SEALED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	ASSERT_TEXT(KEPT_TEXT_SQL, kept);
	/* The next day seals as a day, after the month. */
	CU_ASSERT_EQUAL(store_seal_day(st, day_of(2026, 11, 1), 1, 0, &res, &err), 0);
	CU_ASSERT_EQUAL(res.already, 0);
	CU_ASSERT(res.records > 0);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 10, 15, 0, 0)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 11, 1, 23, 59)), 1);
	CU_ASSERT_EQUAL(store_is_sealed(st, utc_ms(2026, 11, 2, 0, 0)), 0);
	store_free(st);
	ASSERT_TEXT("SELECT period FROM sealed ORDER BY start_ms", "2026-10\n2026-11-01\n");
	free(kept);
	remove_store_dir();
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("seal", NULL, NULL);
	CU_add_test(s, "a month's days sealed: kept, summed, deleted", test_seal_month);
	CU_add_test(s, "a month partly sealed, then completed", test_partly_sealed);
	CU_add_test(s, "late records of a sealed month", test_late_records);
	CU_add_test(s, "oldest first; months due", test_order_and_due);
	CU_add_test(s, "a failure half way leaves nothing", test_failure_rolls_back);
	CU_add_test(s, "upgrade from schema version 8, then seal", test_upgrade_v8);
	CU_add_test(s, "upgrade from schema version 9 with a month sealed", test_upgrade_v9);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned failed = CU_get_number_of_failures();

		CU_cleanup_registry();
		return failed != 0;
	}
}
