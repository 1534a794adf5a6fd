/* unit.ranges: intervals merged into a table, against a model. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "ranges.h"
#include "strbuf.h"

#define SPACE 300

static sqlite3 *db;
static struct ranges r;

/* A table like runs: key (a, b), [s, e], and a value kept with it. */
static void setup(int with_extra)
{
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(":memory:", &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, "CREATE TABLE t(a INTEGER, b INTEGER, s INTEGER,"
	                                       " e INTEGER, x INTEGER, PRIMARY KEY (a, b, s))"
	                                       " WITHOUT ROWID",
	                                   NULL, NULL, NULL),
	                      SQLITE_OK);
	memset(&r, 0, sizeof(r));
	r.db = db;
	r.what = "t";
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT s, e FROM t WHERE a = ?1 AND b = ?2"
	                                             " AND s <= ?3 ORDER BY s DESC",
	                                         -1, &r.before, NULL),
	                      SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "DELETE FROM t WHERE a = ? AND b = ? AND s = ?",
	                                         -1, &r.del, NULL),
	                      SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, with_extra
	                                             ? "INSERT INTO t VALUES (?,?,?,?,?)"
	                                             : "INSERT INTO t VALUES (?,?,?,?,NULL)",
	                                         -1, &r.ins, NULL),
	                      SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, with_extra
	                                             ? "UPDATE t SET e = ?4, x = ?5 WHERE a = ?1"
	                                               " AND b = ?2 AND s = ?3"
	                                             : "UPDATE t SET e = ?4 WHERE a = ?1"
	                                               " AND b = ?2 AND s = ?3",
	                                         -1, &r.upd, NULL),
	                      SQLITE_OK);
}

static void teardown(void)
{
	sqlite3_finalize(r.before);
	sqlite3_finalize(r.del);
	sqlite3_finalize(r.ins);
	sqlite3_finalize(r.upd);
	ranges_release(&r);
	sqlite3_close(db);
}

static int64_t query_int(const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Closed intervals (seqs: [lo, hi] reaches lo - 1 and hi + 1) or half-open
 * ones (windows: [lo, hi) reaches lo and hi), merged in random order for
 * two keys; the table must hold exactly the model's maximal intervals.
 */
static void check_random(int closed)
{
	static unsigned char covered[2][SPACE + 2];
	struct strbuf err;
	int i, k, pos;
	int64_t lo, hi, want_rows = 0, want_len = 0;

	memset(covered, 0, sizeof(covered));
	strbuf_init(&err, 1024);
	for (i = 0; i < 400; i++) {
		k = (int)(rng() % 2);
		lo = 1 + (int64_t)(rng() % (SPACE - 10));
		hi = lo + (int64_t)(rng() % 6) + !closed;
		CU_ASSERT_EQUAL(ranges_merge(&r, 7, k, lo, hi, closed ? lo - 1 : lo,
		                             closed ? hi + 1 : hi, i, &err), 0);
		for (pos = (int)lo; pos < hi + closed; pos++)
			covered[k][pos] = 1;
	}
	for (k = 0; k < 2; k++) {
		for (pos = 1; pos <= SPACE; pos++) {
			want_len += covered[k][pos];
			want_rows += covered[k][pos] && !covered[k][pos - 1];
		}
	}
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM t"), want_rows);
	CU_ASSERT_EQUAL(query_int(closed ? "SELECT sum(e - s + 1) FROM t"
	                                 : "SELECT sum(e - s) FROM t"),
	                want_len);
	/* None overlaps or reaches the next. */
	CU_ASSERT_EQUAL(query_int(closed ? "SELECT count(*) FROM t p JOIN t q ON p.a = q.a"
	                                   " AND p.b = q.b AND p.s < q.s AND q.s <= p.e + 1"
	                                 : "SELECT count(*) FROM t p JOIN t q ON p.a = q.a"
	                                   " AND p.b = q.b AND p.s < q.s AND q.s <= p.e"),
	                0);
	strbuf_release(&err);
}

static void test_closed(void)
{
	setup(0);
	check_random(1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM t WHERE x IS NOT NULL"), 0);
	teardown();
}

static void test_half_open(void)
{
	struct strbuf err;

	setup(1);
	check_random(0);
	teardown();

	/* The value kept is the last merged one; touching intervals join,
	 * an interval one apart does not. */
	strbuf_init(&err, 1024);
	setup(1);
	CU_ASSERT_EQUAL(ranges_merge(&r, 1, 1, 0, 60, 0, 60, 60, &err), 0);
	CU_ASSERT_EQUAL(ranges_merge(&r, 1, 1, 60, 120, 60, 120, 60, &err), 0);
	CU_ASSERT_EQUAL(ranges_merge(&r, 1, 1, 121, 300, 121, 300, 179, &err), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM t"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT e * 1000 + x FROM t WHERE s = 0"), 120060);
	CU_ASSERT_EQUAL(ranges_merge(&r, 1, 1, 100, 130, 100, 130, 30, &err), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM t"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT s * 1000000 + e * 1000 + x FROM t"), 300030);
	/* The table gone: the error names it, nothing is left half done. */
	CU_ASSERT_EQUAL(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TRIGGER no BEFORE INSERT ON t BEGIN"
	                                 " SELECT RAISE(ABORT, 'refused'); END",
	                             NULL, NULL, NULL),
	                SQLITE_OK);
	CU_ASSERT_EQUAL(ranges_merge(&r, 1, 2, 0, 5, 0, 5, 5, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "write t: refused") : NULL);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	teardown();
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ranges", NULL, NULL);
	CU_add_test(s, "closed intervals in random order", test_closed);
	CU_add_test(s, "half-open intervals, the kept value, errors", test_half_open);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
