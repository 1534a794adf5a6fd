/*
 * store_seal - sealing a UTC day of the store (store.h, "Sealing"): in one
 * write transaction, its counts_packed rows summed over collectors into
 * counts_sealed, its records' health summed into health_sealed and their
 * records_packed entries deleted, a row in sealed. Row texts are read and
 * written only through their own module's functions (store_cells_parse,
 * store_cells_merge and store_write_row for cells; recids_row_decode and
 * recids_row_encode for records), so a change of either form carries over.
 *
 * Memory: counts are read in index order (bucket, carrier, collector), so
 * one bucket and carrier's cells are summed at a time; records are read a
 * row at a time by their earliest window; the health sums are the day's
 * buckets x carriers (96 x carriers). Nothing grows with the number of
 * collectors or records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "log.h"
#include "mem.h"
#include "recids.h"
#include "store_int.h"
#include "timeutil.h"

/* What health_sealed sums per bucket and carrier: records, messages and
 * the seven health counters a records_packed entry keeps. */
enum { SEAL_RECORDS, SEAL_MESSAGES, SEAL_HEALTH, SEAL_SUMS = SEAL_HEALTH + 7 };

struct seal {
	struct store *st;
	int64_t start, end;
	struct store_seal_result *res;
	struct store_keyset keys; /* (bucket, carrier, 0) -> index into sums */
	int64_t (*sums)[SEAL_SUMS];
	size_t sums_alloc;
	struct recids_rec *recs; /* one row's records */
	struct strbuf text;      /* a trimmed row's records */
	unsigned char *digests;  /* and their digests, if compact */
	sqlite3_stmt *scratch_ins; /* a bucket's sums, into temp.seal_sums */
};

/* Prepare sql on st's connection into *s. 0, or -1 with err. */
static int seal_prepare(struct store *st, const char *sql, sqlite3_stmt **s, struct strbuf *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		store_db_error(st, "seal", err);
		return -1;
	}
	return 0;
}

/* The bucket's sum of one carrier (st->sealacc), formatted, kept in
 * sl->sums_text until the bucket's rows are deleted; sealacc emptied. */
static int seal_keep_sum(struct seal *sl, int64_t carrier, struct strbuf *err)
{
	struct store *st = sl->st;
	struct store_cellvec tmp = st->merged;

	/* store_write_row writes merged; here it is only formatted (by
	 * store_cells_format, through a row written to the scratch table). */
	st->merged = st->sealacc;
	st->sealacc = tmp;
	st->sealacc.n = 0;
	if (store_write_row(st, sl->scratch_ins, 0, carrier, 0, err) < 0)
		return -1;
	return 0;
}

/*
 * counts_packed's rows of the day, bucket by bucket in (carrier,
 * collector) order from their unique index: each carrier's cells summed
 * over collectors, the bucket's rows deleted, then the sums written to
 * counts_sealed, so that the pages the rows free are those the sums fill
 * (written before the deletion, they grew the file by a tenth). One
 * bucket's sums wait in a scratch table of this connection's temporary
 * database. 0, or -1 with err.
 */
static int seal_counts(struct seal *sl, struct strbuf *err)
{
	struct store *st = sl->st;
	sqlite3_stmt *next = NULL, *rd = NULL, *del = NULL, *move = NULL, *clear = NULL;
	int64_t bucket, carrier = 0, ca;
	int step, rc = -1;

	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS seal_sums(bucket_start_ms INTEGER,"
	                   " carrier INTEGER, collector INTEGER, cells TEXT)", err) < 0 ||
	    seal_prepare(st, "SELECT min(bucket_start_ms) FROM counts_packed"
	                     " WHERE bucket_start_ms >= ?1 AND bucket_start_ms < ?2", &next,
	                 err) < 0 ||
	    seal_prepare(st, "SELECT carrier, cells FROM counts_packed WHERE bucket_start_ms = ?"
	                     " ORDER BY carrier, collector", &rd, err) < 0 ||
	    seal_prepare(st, "INSERT INTO temp.seal_sums(bucket_start_ms, carrier, collector, cells)"
	                     " VALUES (?,?,?,?)", &sl->scratch_ins, err) < 0 ||
	    seal_prepare(st, "DELETE FROM counts_packed WHERE bucket_start_ms = ?", &del, err) < 0 ||
	    seal_prepare(st, "INSERT INTO counts_sealed(bucket_start_ms, carrier, cells)"
	                     " SELECT ?, carrier, cells FROM temp.seal_sums ORDER BY carrier", &move,
	                 err) < 0 ||
	    seal_prepare(st, "DELETE FROM temp.seal_sums", &clear, err) < 0)
		goto out;
	bucket = sl->start;
	for (;;) {
		sqlite3_bind_int64(next, 1, bucket);
		sqlite3_bind_int64(next, 2, sl->end);
		step = sqlite3_step(next);
		if (step != SQLITE_ROW) {
			store_db_error(st, "seal: read counts", err);
			goto out;
		}
		if (sqlite3_column_type(next, 0) == SQLITE_NULL)
			break;
		bucket = sqlite3_column_int64(next, 0);
		sqlite3_reset(next);
		st->sealacc.n = 0;
		sqlite3_bind_int64(rd, 1, bucket);
		while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
			ca = sqlite3_column_int64(rd, 0);
			if (st->sealacc.n > 0 && ca != carrier && seal_keep_sum(sl, carrier, err) < 0)
				goto out;
			carrier = ca;
			if (store_cells_parse(st, sqlite3_column_text(rd, 1),
			                      (size_t)sqlite3_column_bytes(rd, 1)) < 0) {
				strbuf_printf(err, "%s: a counts_packed row of bucket %lld: cells are not in "
				                   "the form this program writes", st->path, (long long)bucket);
				goto out;
			}
			/* merged = stored + the sum so far; the sum is then merged. */
			if (store_cells_merge(st, st->sealacc.v, st->sealacc.n, bucket, err) < 0)
				goto out;
			{
				struct store_cellvec tmp = st->sealacc;

				st->sealacc = st->merged;
				st->merged = tmp;
			}
			sl->res->counts_rows++;
		}
		sqlite3_reset(rd);
		if (step != SQLITE_DONE) {
			store_db_error(st, "seal: read counts", err);
			goto out;
		}
		if (st->sealacc.n > 0 && seal_keep_sum(sl, carrier, err) < 0)
			goto out;
		sqlite3_bind_int64(del, 1, bucket);
		sqlite3_bind_int64(move, 1, bucket);
		if (store_step_done(st, del, err) < 0 || store_step_done(st, move, err) < 0)
			goto out;
		sl->res->counts_sealed_rows += sqlite3_changes(st->db);
		if (store_step_done(st, clear, err) < 0)
			goto out;
		bucket += STORE_BUCKET_MS;
	}
	rc = 0;
out:
	st->sealacc.n = 0;
	st->merged.n = 0;
	sqlite3_finalize(next);
	sqlite3_finalize(rd);
	sqlite3_finalize(sl->scratch_ins);
	sl->scratch_ins = NULL;
	sqlite3_finalize(del);
	sqlite3_finalize(move);
	sqlite3_finalize(clear);
	return rc;
}

/* Add record r of carrier to its bucket's health sums. */
static void seal_add_health(struct seal *sl, int64_t carrier, const struct recids_rec *r)
{
	size_t i = store_keyset_index(&sl->keys, store_bucket_of(r->window_start_ms), carrier, 0);
	const struct record_health *h = &r->health;
	int64_t *v;

	if (i >= sl->sums_alloc) {
		size_t had = sl->sums_alloc;

		sl->sums = xgrow(sl->sums, i + 1, &sl->sums_alloc, sizeof(*sl->sums), 1024);
		memset(sl->sums + had, 0, (sl->sums_alloc - had) * sizeof(*sl->sums));
	}
	v = sl->sums[i];
	/* No overflow: each value is below 2^63 / 2^20 in any store written
	 * through intake's limits, and a day holds fewer than 2^40
	 * records; a damaged store could still pass it, which SQLite's
	 * integer check would not notice, so the sums saturate. */
	{
		const int64_t add[SEAL_SUMS] = {
			1, r->messages, h->lines_read, h->lines_malformed, h->lines_overlong,
			h->headers_untrusted, h->headers_malformed, h->messages_evicted,
			h->messages_late,
		};
		int k;

		for (k = 0; k < SEAL_SUMS; k++)
			v[k] = add[k] > 0 && v[k] > INT64_MAX - add[k] ? INT64_MAX : v[k] + add[k];
	}
}

/* recs[0..n) (consecutive seqs of one row, whose collector, epoch,
 * carrier and source (0: none) they carry) as the row id if first, else as
 * a new row, in the form recids_row_encode chooses. 0, or -1 with err. */
static int seal_write_run(struct seal *sl, sqlite3_stmt *upd, sqlite3_stmt *ins, int64_t id,
                          int first, const struct recids_rec *recs, size_t n,
                          struct strbuf *err)
{
	sqlite3_stmt *s = first ? upd : ins;
	int64_t min = INT64_MAX;
	size_t i;
	int compact = recids_row_encode(&sl->text, sl->digests, recs, n);

	for (i = 0; i < n; i++)
		min = recs[i].window_start_ms < min ? recs[i].window_start_ms : min;
	sqlite3_bind_int64(s, 1, recs[0].seq);
	sqlite3_bind_int64(s, 2, recs[n - 1].seq);
	sqlite3_bind_text(s, 3, sl->text.data, (int)sl->text.len, SQLITE_STATIC);
	if (compact)
		sqlite3_bind_blob(s, 4, sl->digests, (int)(n * 8), SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, min);
	if (first) {
		sqlite3_bind_int64(s, 6, id);
	} else {
		sqlite3_bind_int64(s, 6, recs[0].collector);
		sqlite3_bind_int64(s, 7, recs[0].epoch);
		sqlite3_bind_int64(s, 8, recs[0].carrier);
		if (recs[0].source != 0)
			sqlite3_bind_int64(s, 9, recs[0].source);
		else
			sqlite3_bind_null(s, 9);
	}
	return store_step_done(sl->st, s, err);
}

/*
 * records_packed's rows holding a record whose window starts before the
 * day's end, found by their earliest window (indexed), one at a time:
 * each such record's health summed and its entry deleted; a row left
 * empty is deleted, one holding later records keeps them, each run of
 * consecutive seqs among them as a row of its own (a compact row's seqs
 * are its place: recids.h), the first in the row's place. Each row once
 * done no longer matches, so the next look-up finds the next row. 0, or
 * -1 with err.
 */
static int seal_records(struct seal *sl, struct strbuf *err)
{
	struct store *st = sl->st;
	sqlite3_stmt *rd = NULL, *del = NULL, *upd = NULL, *ins = NULL;
	size_t n, i, j, keep;
	int64_t id, carrier;
	int step, rc = -1;

	if (seal_prepare(st, "SELECT id, carrier, source, records, collector, epoch, first_seq,"
	                     " digests FROM records_packed"
	                     " WHERE min_window_ms < ?1 ORDER BY min_window_ms LIMIT 1", &rd,
	                 err) < 0 ||
	    seal_prepare(st, "DELETE FROM records_packed WHERE id = ?", &del, err) < 0 ||
	    seal_prepare(st, "UPDATE records_packed SET first_seq = ?1, last_seq = ?2,"
	                     " records = ?3, digests = ?4, min_window_ms = ?5 WHERE id = ?6", &upd,
	                 err) < 0 ||
	    seal_prepare(st, "INSERT INTO records_packed(first_seq, last_seq, records, digests,"
	                     " min_window_ms, collector, epoch, carrier, source)"
	                     " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)", &ins, err) < 0)
		goto out;
	for (;;) {
		sqlite3_bind_int64(rd, 1, sl->end);
		step = sqlite3_step(rd);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			store_db_error(st, "seal: read records", err);
			goto out;
		}
		id = sqlite3_column_int64(rd, 0);
		carrier = sqlite3_column_int64(rd, 1);
		if (recids_row_decode(sqlite3_column_text(rd, 3), (size_t)sqlite3_column_bytes(rd, 3),
		                      sqlite3_column_blob(rd, 7), (size_t)sqlite3_column_bytes(rd, 7),
		                      sqlite3_column_int64(rd, 6), sl->recs, RECIDS_ROW_MAX, &n) < 0 ||
		    n == 0) {
			strbuf_printf(err, "%s: records_packed row %lld is not in the form this program "
			                   "writes", st->path, (long long)id);
			goto out;
		}
		keep = 0;
		for (i = 0; i < n; i++) {
			sl->recs[i].source = sqlite3_column_int64(rd, 2); /* NULL: 0, none */
			sl->recs[i].carrier = carrier;
			sl->recs[i].collector = sqlite3_column_int64(rd, 4);
			sl->recs[i].epoch = sqlite3_column_int64(rd, 5);
			if (sl->recs[i].window_start_ms < sl->end) {
				seal_add_health(sl, carrier, &sl->recs[i]);
				sl->res->records++;
			} else {
				sl->recs[keep++] = sl->recs[i];
			}
		}
		sqlite3_reset(rd);
		if (keep == 0) {
			sqlite3_bind_int64(del, 1, id);
			if (store_step_done(st, del, err) < 0)
				goto out;
			sl->res->records_rows++;
			continue;
		}
		if (keep == n) {
			/* min_window_ms said otherwise: damage, not ours to mend here. */
			strbuf_printf(err, "%s: records_packed row %lld has no record before its "
			                   "min_window_ms", st->path, (long long)id);
			goto out;
		}
		/* Entries stay in seq order; rows of other seqs do not overlap
		 * these, so the unique index holds. */
		for (i = 0; i < keep; i = j) {
			for (j = i + 1; j < keep && sl->recs[j].seq == sl->recs[j - 1].seq + 1; j++)
				;
			if (seal_write_run(sl, upd, ins, id, i == 0, sl->recs + i, j - i, err) < 0)
				goto out;
		}
		sl->res->records_rows_trimmed++;
	}
	rc = 0;
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(del);
	sqlite3_finalize(upd);
	sqlite3_finalize(ins);
	return rc;
}

/*
 * carrier_totals' quarter-hours of the day deleted unless it is the first
 * or last UTC day of its month: a report reads a month in any zone as
 * whole UTC days from carrier_day_totals and quarter-hours only for the
 * partial days at its ends, and a month in a zone less than a day from UTC
 * (every zone) begins and ends inside the first or last UTC day of a UTC
 * month. For the days between, the day totals say the same, and
 * counts_sealed keeps every quarter-hour's joint counts, from which these
 * totals can be summed again. Once a month's days are all sealed the store
 * holds what sealing the month whole left. A year of 10 carriers'
 * quarter-hour totals was 658 MB of a 2.26 GB store
 * (results/store-growth.md). 0, or -1 with err.
 */
int store_seal_keeps_totals(int64_t day_ms)
{
	int64_t y;
	unsigned m, d;

	time_civil_from_days(time_floor_div(day_ms, STORE_DAY_MS), &y, &m, &d);
	return d == 1 || (int)d == time_month_days(y, (int)m);
}

static int seal_totals(struct seal *sl, struct strbuf *err)
{
	struct store *st = sl->st;
	sqlite3_stmt *del = NULL;
	int rc = -1;

	if (store_seal_keeps_totals(sl->start)) {
		rc = 0;
		goto out;
	}
	if (seal_prepare(st, "DELETE FROM carrier_totals WHERE bucket_start_ms >= ?1"
	                     " AND bucket_start_ms < ?2", &del, err) < 0)
		goto out;
	sqlite3_bind_int64(del, 1, sl->start);
	sqlite3_bind_int64(del, 2, sl->end);
	if (store_step_done(st, del, err) < 0)
		goto out;
	sl->res->totals_rows = sqlite3_changes(st->db);
	rc = 0;
out:
	sqlite3_finalize(del);
	return rc;
}

/* The health sums into health_sealed, a row per bucket and carrier (its
 * buckets are of this day alone, which is sealed once). */
static int seal_write_health(struct seal *sl, struct strbuf *err)
{
	struct store *st = sl->st;
	sqlite3_stmt *ins = NULL;
	size_t i;
	int k, rc = -1;

	if (seal_prepare(st, "INSERT INTO health_sealed(bucket_start_ms, carrier, records,"
	                     " messages, lines_read, lines_malformed, lines_overlong,"
	                     " headers_untrusted, headers_malformed, messages_evicted,"
	                     " messages_late) VALUES (?,?,?,?,?,?,?,?,?,?,?)", &ins, err) < 0)
		goto out;
	for (i = 0; i < sl->keys.n; i++) {
		sqlite3_bind_int64(ins, 1, sl->keys.k[i].bucket);
		sqlite3_bind_int64(ins, 2, sl->keys.k[i].carrier);
		for (k = 0; k < SEAL_SUMS; k++)
			sqlite3_bind_int64(ins, 3 + k, sl->sums[i][k]);
		if (store_step_done(st, ins, err) < 0)
			goto out;
		sl->res->health_rows++;
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	return rc;
}

/* The earliest instant of records or counts not sealed (INT64_MAX if
 * none) into *first: the first entry of two indexes. 0, or -1 with err. */
static int seal_first_open(struct store *st, int64_t *first, struct strbuf *err)
{
	int64_t rec_min, cnt_min;

	if (store_query_int(st, "SELECT coalesce(min(min_window_ms), 9223372036854775807)"
	                        " FROM records_packed", &rec_min, err) < 0 ||
	    store_query_int(st, "SELECT coalesce(min(bucket_start_ms), 9223372036854775807)"
	                        " FROM counts_packed", &cnt_min, err) < 0)
		return -1;
	*first = rec_min < cnt_min ? rec_min : cnt_min;
	return 0;
}

/* Refuse a day while an earlier one holds records or counts not sealed:
 * the oldest first keeps every sealed day whole. */
static int seal_check_order(struct seal *sl, struct strbuf *err)
{
	struct store *st = sl->st;
	int64_t first;
	char day[TIME_DAY_LEN + 1];

	if (seal_first_open(st, &first, err) < 0)
		return -1;
	if (first >= sl->start)
		return 0;
	time_format_day(time_floor_div(first, STORE_DAY_MS), day);
	strbuf_printf(err, "%s: %s holds records or counts not sealed: seal it first "
	                   "(days are sealed oldest first)", st->path, day);
	return -1;
}

int store_seal_day(struct store *st, int64_t day, int64_t now_ms, unsigned pause_ms,
                   struct store_seal_result *res, struct strbuf *err)
{
	struct seal sl;
	sqlite3_stmt *s = NULL;
	struct timespec t0, t1;
	int64_t exists = 0, secure = -1;
	int rc = -1, in_txn = 0;

	if (st->in_txn)
		msg_panic("store_seal_day: a transaction is open");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	memset(&sl, 0, sizeof(sl));
	strbuf_init(&sl.text, 1);
	if (day < time_days_from_civil(TIME_YEAR_MIN, 1, 1) ||
	    day >= time_days_from_civil(TIME_YEAR_MAX, 1, 1)) {
		strbuf_printf(err, "%s: cannot seal day %lld: out of range", st->path, (long long)day);
		goto out;
	}
	time_format_day(day, res->day);
	sl.st = st;
	sl.res = res;
	sl.start = day * STORE_DAY_MS;
	sl.end = sl.start + STORE_DAY_MS;
	sl.recs = xcalloc(RECIDS_ROW_MAX, sizeof(*sl.recs));
	sl.digests = xmalloc((size_t)RECIDS_ROW_MAX * 8);
	strbuf_release(&sl.text);
	recids_row_text_init(&sl.text);
	/* A SQLite built with SECURE_DELETE (Debian's) zeroes every page a
	 * deletion frees, and so writes the day's whole size to the log
	 * again (a 500 MB log for 2.9 million records, results/store-seal.md);
	 * FAST zeroes what is written anyway. The rows hold counts under
	 * pseudonyms, nothing to hide from the file's owner. */
	if (store_query_int(st, "PRAGMA secure_delete", &secure, err) < 0 ||
	    store_exec(st, "PRAGMA secure_delete = FAST", err) < 0)
		goto out;
	if (store_exec(st, "BEGIN IMMEDIATE", err) < 0)
		goto out;
	in_txn = 1;
	/* A month sealed whole (by schema 9) covers its days. */
	if (seal_prepare(st, "SELECT count(*) FROM sealed WHERE start_ms <= ?1 AND end_ms > ?1",
	                 &s, err) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, sl.start);
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_db_error(st, "seal", err);
		goto out;
	}
	exists = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (exists > 0) {
		res->already = 1;
	} else {
		if (seal_check_order(&sl, err) < 0 || seal_counts(&sl, err) < 0 ||
		    seal_records(&sl, err) < 0 || seal_write_health(&sl, err) < 0 ||
		    seal_totals(&sl, err) < 0 ||
		    seal_prepare(st, "INSERT INTO sealed(period, start_ms, end_ms, sealed_ms, records,"
		                     " records_rows, records_rows_trimmed, counts_rows,"
		                     " counts_sealed_rows, totals_rows) VALUES (?,?,?,?,?,?,?,?,?,?)",
		                 &s, err) < 0)
			goto out;
		sqlite3_bind_text(s, 1, res->day, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, sl.start);
		sqlite3_bind_int64(s, 3, sl.end);
		sqlite3_bind_int64(s, 4, now_ms);
		sqlite3_bind_int64(s, 5, res->records);
		sqlite3_bind_int64(s, 6, res->records_rows);
		sqlite3_bind_int64(s, 7, res->records_rows_trimmed);
		sqlite3_bind_int64(s, 8, res->counts_rows);
		sqlite3_bind_int64(s, 9, res->counts_sealed_rows);
		sqlite3_bind_int64(s, 10, res->totals_rows);
		if (store_step_done(st, s, err) < 0)
			goto out;
	}
	if (pause_ms > 0) {
		struct timespec ts = { (time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000L };

		/* Said, so that the test knows when to kill. */
		msg_info("%s: sealing %s: pausing %u ms before the commit (test hook)", st->path,
		         res->day, pause_ms);
		nanosleep(&ts, NULL);
	}
	if (store_exec(st, "COMMIT", err) < 0)
		goto out;
	in_txn = 0;
	rc = store_load_sealed(st, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!res->already)
		res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
out:
	if (in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	if (secure >= 0 && secure <= 2) {
		char sql[40];

		snprintf(sql, sizeof(sql), "PRAGMA secure_delete = %d", (int)secure);
		sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
	sqlite3_finalize(s);
	free(sl.keys.k);
	free(sl.keys.slots);
	free(sl.sums);
	free(sl.recs);
	free(sl.digests);
	strbuf_release(&sl.text);
	return rc;
}

int store_seal_days(struct store *st, int64_t first_day, size_t n, int64_t now_ms,
                    unsigned pause_ms, store_seal_fn fn, void *arg, size_t *sealed,
                    struct strbuf *err)
{
	struct store_seal_result res;
	size_t i;

	*sealed = 0;
	for (i = 0; i < n; i++) {
		if (store_seal_day(st, first_day + (int64_t)i, now_ms, pause_ms, &res, err) < 0)
			return -1;
		if (res.already)
			continue;
		msg_info("%s: sealed %s: %lld records and %lld counts rows collapsed into %lld "
		         "(%lld records rows deleted, %lld kept later records) in %.1f s",
		         st->path, res.day, (long long)res.records, (long long)res.counts_rows,
		         (long long)res.counts_sealed_rows, (long long)res.records_rows,
		         (long long)res.records_rows_trimmed, res.seconds);
		if (fn != NULL)
			fn(arg, &res);
		(*sealed)++;
	}
	return 0;
}

int store_seal_month(struct store *st, int year, int month, int64_t now_ms, unsigned pause_ms,
                     store_seal_fn fn, void *arg, size_t *sealed, struct strbuf *err)
{
	*sealed = 0;
	if (year < TIME_YEAR_MIN || year >= TIME_YEAR_MAX || month < 1 || month > 12) {
		strbuf_printf(err, "%s: cannot seal month %d-%d: out of range", st->path, year, month);
		return -1;
	}
	return store_seal_days(st, time_days_from_civil(year, (unsigned)month, 1),
	                       (size_t)time_month_days(year, month), now_ms, pause_ms, fn, arg,
	                       sealed, err);
}

int store_seal_due(struct store *st, int64_t now_ms, int64_t horizon_ms, int64_t *first_day,
                   size_t *n, struct strbuf *err)
{
	int64_t first, last;

	*n = 0;
	*first_day = 0;
	if (seal_first_open(st, &first, err) < 0)
		return -1;
	if (first == INT64_MAX || now_ms - horizon_ms < first)
		return 0;
	*first_day = time_floor_div(first, STORE_DAY_MS);
	/* The last day whose end is at most now - horizon: the day before
	 * the one holding that instant. */
	last = time_floor_div(now_ms - horizon_ms, STORE_DAY_MS) - 1;
	if (last >= *first_day)
		*n = (size_t)(last - *first_day + 1);
	return 0;
}

int store_file_bytes(struct store *st, int64_t *bytes, int64_t *free_bytes, struct strbuf *err)
{
	int64_t pages, free_pages, page_size;

	if (store_query_int(st, "PRAGMA page_count", &pages, err) < 0 ||
	    store_query_int(st, "PRAGMA freelist_count", &free_pages, err) < 0 ||
	    store_query_int(st, "PRAGMA page_size", &page_size, err) < 0)
		return -1;
	*bytes = pages * page_size;
	*free_bytes = free_pages * page_size;
	return 0;
}

int store_seal_all_due(struct store *st, int64_t now_ms, int64_t horizon_ms, unsigned pause_ms,
                       store_seal_fn fn, void *arg, size_t *sealed, struct strbuf *err)
{
	int64_t first;
	size_t n;

	*sealed = 0;
	if (store_seal_due(st, now_ms, horizon_ms, &first, &n, err) < 0)
		return -1;
	return store_seal_days(st, first, n, now_ms, pause_ms, fn, arg, sealed, err);
}
