/* unit.store: the aggregator's SQLite store. */
#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "digest.h"
#include "record_batch.h"
#include "store.h"
#include "strbuf.h"
#include "timeutil.h"

static char dir[256];
static char db_path[512];

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-store-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/agg.db", dir);
}

static void remove_dir(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/other.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/text.db", dir);
	unlink(path);
	rmdir(dir);
}

static int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi)
{
	return (time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static struct record_cell cells_a[2] = {
	{ { AR_PASS, AR_PASS, AR_PASS, AR_ABSENT }, POL_REJECT, SPAM_HAM, FATE_UNKNOWN, 10 },
	{ { AR_FAIL, AR_NONE, AR_FAIL, AR_ABSENT }, POL_REJECT, SPAM_SPAM, FATE_UNKNOWN, 3 },
};
static struct record_cell cells_b[1] = {
	{ { AR_PASS, AR_PASS, AR_PASS, AR_ABSENT }, POL_REJECT, SPAM_HAM, FATE_UNKNOWN, 5 },
};

/* A record of collector "c1" epoch 7 in the window starting 2026-11-02T10:07Z. */
static void make_batch(struct record_batch *b, int64_t seq, struct record_cell *cells, size_t n)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->carrier, sizeof(b->carrier), "jp-a");
	snprintf(b->collector, sizeof(b->collector), "c1");
	b->epoch = 7;
	b->seq = seq;
	b->window_start_ms = utc_ms(2026, 11, 2, 10, 7);
	b->window_end_ms = b->window_start_ms + 60000;
	b->cells = cells;
	b->ncells = n;
	b->cells_alloc = n;
	b->health.lines_read = 100;
}


/* Open the store at db_path (mode), add record seq 1 of cells_a in one
 * transaction, and close it. */
static void store_one_record(enum store_mode mode)
{
	struct record_batch a;
	struct store *st;
	struct strbuf err;

	strbuf_init(&err, 1024);
	st = store_new(db_path, mode, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_a, 2);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	strbuf_release(&err);
}

struct sums {
	int64_t messages, spf_pass, spam, dmarc_reject, carriers;
};

static int sum_cb(void *arg, const char *carrier, const struct store_totals *t,
                  struct strbuf *err)
{
	struct sums *s = arg;

	(void)err;
	CU_ASSERT_STRING_EQUAL(carrier, "jp-a");
	s->messages += t->messages;
	s->spf_pass += t->results[AR_SPF][AR_PASS];
	s->spam += t->spam[SPAM_SPAM];
	s->dmarc_reject += t->dmarc_policy[POL_REJECT];
	s->carriers++;
	return 0;
}

static struct sums sum_day(struct store *st)
{
	struct sums s = { 0, 0, 0, 0, 0 };
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 11, 2, 0, 0), utc_ms(2026, 11, 3, 0, 0),
	                                 sum_cb, &s, &err), 0);
	strbuf_release(&err);
	return s;
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

static void test_bucket(void)
{
	CU_ASSERT_EQUAL(store_bucket_of(0), 0);
	CU_ASSERT_EQUAL(store_bucket_of(STORE_BUCKET_MS - 1), 0);
	CU_ASSERT_EQUAL(store_bucket_of(STORE_BUCKET_MS), STORE_BUCKET_MS);
	CU_ASSERT_EQUAL(store_bucket_of(-1), -STORE_BUCKET_MS);
	CU_ASSERT_EQUAL(store_bucket_of(utc_ms(2026, 11, 2, 10, 7)), utc_ms(2026, 11, 2, 10, 0));
	CU_ASSERT_EQUAL(store_bucket_of(utc_ms(2026, 10, 31, 18, 44)), utc_ms(2026, 10, 31, 18, 30));
}

static void test_add_duplicate_reopen(void)
{
	struct record_batch a, b, conflict;
	struct store *st;
	struct strbuf err;
	struct sums s;
	int64_t pos = -1;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_a, 2);
	make_batch(&b, 2, cells_b, 1);

	CU_ASSERT_EQUAL(store_get_position(st, "t", 0, &pos, &err), 0);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	/* Delivered twice in the same batch: the second is a no-op already. */
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_DUPLICATE);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 5, &err), 0);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	s = sum_day(st);
	CU_ASSERT_EQUAL(s.messages, 13);
	CU_ASSERT_EQUAL(s.spf_pass, 10);
	CU_ASSERT_EQUAL(s.spam, 3);

	/* A later batch: a duplicate, a conflicting reuse of the identity, and a
	 * new record adding to the same bucket and combination. */
	conflict = a;
	conflict.window_start_ms += 60000;
	conflict.window_end_ms += 60000;
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_DUPLICATE);
	CU_ASSERT_EQUAL(store_add_record(st, &conflict, NULL, &err), STORE_CONFLICT);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 8, &err), 0);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 1, 3, &err), 0);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	s = sum_day(st);
	CU_ASSERT_EQUAL(s.messages, 18);
	CU_ASSERT_EQUAL(s.spf_pass, 15);
	CU_ASSERT_EQUAL(s.dmarc_reject, 18);
	CU_ASSERT_EQUAL(s.carriers, 1);
	store_free(st);

	/* What is on disk: counts in the bucket of the window start, identities,
	 * health, positions. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT min(bucket_start_ms) FROM counts"),
	                utc_ms(2026, 11, 2, 10, 0));
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts_named WHERE spf = 'pass'"
	                          " AND arc = 'absent' AND spam = 'ham' AND dmarc_policy = 'reject'"
	                          " AND carrier = 'jp-a' AND collector = 'c1'"), 15);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT sum(lines_read) FROM records"), 200);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM records WHERE seq = 1"), 13);
	/* The rollups agree with the finest table. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts"), 2); /* b's cell added to a's */
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM carrier_totals_named"
	                          " WHERE item = 'messages'"), 18);
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM carrier_day_totals_named"
	                          " WHERE item = 'messages'"), 18);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM carrier_day_totals_named"
	                          " WHERE item = 'spf.fail'"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM carrier_day_totals_named"
	                          " WHERE item = 'dmarc_policy.reject'"), 18);
	CU_ASSERT_EQUAL(query_int("SELECT day_start_ms FROM carrier_day_totals LIMIT 1"),
	                utc_ms(2026, 11, 2, 0, 0));
	/* Two one-minute windows in a row are one run; the conflict added none. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT end_ms - start_ms FROM runs"), 60000);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_get_position(st, "t", 0, &pos, &err), 1);
	CU_ASSERT_EQUAL(pos, 8);
	CU_ASSERT_EQUAL(store_get_position(st, "t", 1, &pos, &err), 1);
	CU_ASSERT_EQUAL(pos, 3);
	CU_ASSERT_EQUAL(store_get_position(st, "other", 0, &pos, &err), 0);
	s = sum_day(st);
	CU_ASSERT_EQUAL(s.messages, 18);
	/* Re-reading everything from the beginning changes no total. */
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_DUPLICATE);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DUPLICATE);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	CU_ASSERT_EQUAL(sum_day(st).messages, 18);
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

static unsigned char *put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

/* The content digest of b as recids.h defines it. */
static int64_t content_digest(const struct record_batch *b)
{
	const int64_t *h = &b->health.lines_read;
	unsigned char bytes[8 + 16 * 8 + 7 * 8], *p = bytes, out[DIGEST_SHA256_LEN];
	uint64_t v = 0;
	size_t i;
	int k;

	CU_ASSERT_FATAL(b->ncells <= 8);
	p = put_le64(p, b->ncells);
	for (i = 0; i < b->ncells; i++) {
		p = put_le64(p, record_cell_key(&b->cells[i]));
		p = put_le64(p, (uint64_t)b->cells[i].messages);
	}
	for (k = 0; k < 7; k++)
		p = put_le64(p, (uint64_t)h[k]);
	digest_sha256(bytes, (size_t)(p - bytes), out);
	for (k = 7; k >= 0; k--)
		v = v << 8 | out[k];
	return (int64_t)v;
}

/* Issue 14, item 3: a record that reuses a stored identity for the same
 * window with other cells or other health is not a duplicate: the first
 * stays, the second is a content conflict (and counts nothing), in the
 * transaction that stored the first, in a later one and after reopening;
 * the same content again is still a duplicate. Each conflict is kept for
 * the report, by the carrier, collector and window of the stored record. */
static void test_content_conflict(void)
{
	struct record_cell other_count[2];
	struct record_batch a, other_cells, other_health, reordered_health;
	struct store *st;
	struct strbuf err;
	int round;

	strbuf_init(&err, 1024);
	make_dir();
	memcpy(other_count, cells_a, sizeof(other_count));
	other_count[1].messages = 4;
	make_batch(&a, 1, cells_a, 2);
	make_batch(&other_cells, 1, other_count, 2);
	make_batch(&other_health, 1, cells_a, 2);
	other_health.health.messages_late = 1;
	/* The same counters, moved from one field to another. */
	make_batch(&reordered_health, 1, cells_a, 2);
	reordered_health.health.lines_read = 0;
	reordered_health.health.lines_malformed = 100;
	for (round = 0; round < 3; round++) {
		st = store_new(db_path, STORE_CREATE, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		CU_ASSERT_EQUAL(store_begin(st, &err), 0);
		CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err),
		                round == 0 ? STORE_ADDED : STORE_DUPLICATE);
		CU_ASSERT_EQUAL(store_add_record(st, &other_cells, NULL, &err), STORE_CONTENT_CONFLICT);
		CU_ASSERT_EQUAL(store_add_record(st, &other_health, NULL, &err),
		                STORE_CONTENT_CONFLICT);
		CU_ASSERT_EQUAL(store_add_record(st, &reordered_health, NULL, &err),
		                STORE_CONTENT_CONFLICT);
		CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_DUPLICATE);
		CU_ASSERT_EQUAL(store_commit(st, &err), 0);
		CU_ASSERT_EQUAL(sum_day(st).messages, 13);
		store_free(st);
	}
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM records"), 13);
	/* Each conflicting content once, however often it came, under the
	 * stored record's carrier, collector and window. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM conflicts_named WHERE carrier = 'jp-a'"
	                          " AND collector = 'c1' AND epoch = 7 AND seq = 1"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT count(DISTINCT window_start_ms) FROM conflicts"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT min(window_start_ms) FROM conflicts"),
	                a.window_start_ms);
	/* The digest kept is the one recids.h describes, computed here apart. */
	{
		/* A compact row keeps it apart, 8 bytes little-endian. */
		uint64_t d = (uint64_t)content_digest(&a);
		int k;

		CU_ASSERT_EQUAL(query_int("SELECT length(digests) FROM records_packed"), 8);
		{
			sqlite3 *db = NULL;
			sqlite3_stmt *q = NULL;
			const unsigned char *blob;
			uint64_t got = 0;

			CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
			CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT digests FROM records_packed",
			                                         -1, &q, NULL), SQLITE_OK);
			CU_ASSERT_EQUAL_FATAL(sqlite3_step(q), SQLITE_ROW);
			blob = sqlite3_column_blob(q, 0);
			CU_ASSERT_PTR_NOT_NULL_FATAL(blob);
			for (k = 7; k >= 0; k--)
				got = got << 8 | blob[k];
			CU_ASSERT_EQUAL(got, d);
			sqlite3_finalize(q);
			sqlite3_close(db);
		}
	}
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	{
		int64_t n = -1;

		CU_ASSERT_EQUAL(store_count_conflicts(st, "jp-a", "c1", utc_ms(2026, 11, 1, 0, 0),
		                                      utc_ms(2026, 12, 1, 0, 0), &n, &err), 0);
		CU_ASSERT_EQUAL(n, 3);
		CU_ASSERT_EQUAL(store_count_conflicts(st, "jp-a", "c1", utc_ms(2026, 10, 1, 0, 0),
		                                      utc_ms(2026, 11, 1, 0, 0), &n, &err), 0);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_EQUAL(store_count_conflicts(st, "jp-a", "c2", utc_ms(2026, 11, 1, 0, 0),
		                                      utc_ms(2026, 12, 1, 0, 0), &n, &err), 0);
		CU_ASSERT_EQUAL(n, 0);
	}
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

static void test_rollback(void)
{
	struct record_batch a, b;
	struct store *st;
	struct strbuf err;
	int64_t pos = -1;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_a, 2);
	make_batch(&b, 2, cells_b, 1);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 1, &err), 0);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);

	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 2, &err), 0);
	store_rollback(st);
	CU_ASSERT_EQUAL(sum_day(st).messages, 13);
	CU_ASSERT_EQUAL(store_get_position(st, "t", 0, &pos, &err), 1);
	CU_ASSERT_EQUAL(pos, 1);
	/* The identity went with the counts: b is new again. */
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	CU_ASSERT_EQUAL(sum_day(st).messages, 18);
	/* A transaction left open is rolled back when the store is freed. */
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 99, &err), 0);
	store_free(st);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_get_position(st, "t", 0, &pos, &err), 1);
	CU_ASSERT_EQUAL(pos, 1);
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

/* A record prepared apart (store_prepare_record with a digest context of
 * its own, as ingest's reader thread does) is stored, refused or found a
 * duplicate or a content conflict exactly as store_add_record would: the
 * digest is the same whichever context made it. */
static void test_prepared(void)
{
	struct record_cell other_count[2];
	struct record_batch a, other, bad;
	struct store_prepared pa, pother, pbad;
	struct digest *ctx = digest_new();
	struct store *st;
	struct strbuf err, why;

	strbuf_init(&err, 1024);
	strbuf_init(&why, 1024);
	make_dir();
	memcpy(other_count, cells_a, sizeof(other_count));
	other_count[1].messages = 4;
	make_batch(&a, 1, cells_a, 2);
	make_batch(&other, 1, other_count, 2);
	make_batch(&bad, 2, cells_a, 2);
	bad.seq = 0;
	CU_ASSERT_EQUAL(store_prepare_record(ctx, &a, &pa, &why), 0);
	CU_ASSERT_EQUAL(pa.valid, 1);
	CU_ASSERT_EQUAL(store_prepare_record(ctx, &other, &pother, &why), 0);
	CU_ASSERT_NOT_EQUAL(pa.digest, pother.digest);
	CU_ASSERT_EQUAL(store_prepare_record(ctx, &bad, &pbad, &why), -1);
	CU_ASSERT_EQUAL(pbad.valid, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(why.data, "seq 0"));

	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_prepared(st, &a, &pa, NULL, NULL, &err), STORE_ADDED);
	/* The store's own digest of the same record matches the prepared one. */
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_DUPLICATE);
	CU_ASSERT_EQUAL(store_add_record(st, &other, NULL, &err), STORE_CONTENT_CONFLICT);
	CU_ASSERT_EQUAL(store_add_prepared(st, &other, &pother, NULL, NULL, &err),
	                STORE_CONTENT_CONFLICT);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_add_prepared(st, &bad, &pbad, why.data, NULL, &err), STORE_INVALID);
	CU_ASSERT_STRING_EQUAL(err.data, why.data);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	CU_ASSERT_EQUAL(sum_day(st).messages, 13);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 1);
	digest_free(ctx);
	strbuf_release(&why);
	strbuf_release(&err);
}


/* make_batch's record seq of cells_a, in the minute starting at start. */
static void make_batch_at(struct record_batch *b, int64_t seq, int64_t start)
{
	make_batch(b, seq, cells_a, 2);
	b->window_start_ms = start;
	b->window_end_ms = start + 60000;
}

/* Rows are found by the day of their earliest window (records_packed_day):
 * a second delivery whose row began the day before, one whose row's
 * earliest window is days earlier (a correction among its records), and
 * conflicting deliveries naming days before and after the stored record's
 * are all found, and compared. */
static void test_row_days(void)
{
	static const int64_t day = 86400000;
	int64_t d0 = utc_ms(2026, 11, 2, 0, 0);
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	/* seq, window start: row 1 spans midnight; row 2 holds a correction
	 * four days older than its other records. */
	const int64_t rows[6][2] = {
		{ 1, d0 - 60000 }, { 2, d0 }, { 3, d0 + 60000 },
		{ 4, d0 + 5 * day }, { 5, d0 + day }, { 6, d0 + 5 * day + 60000 },
	};
	int i;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	for (i = 0; i < 6; i++) {
		if (i % 3 == 0)
			CU_ASSERT_EQUAL(store_begin(st, &err), 0);
		make_batch_at(&b, rows[i][0], rows[i][1]);
		b.correction = i == 4;
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
		if (i % 3 == 2)
			CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	}
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT count(DISTINCT min_window_ms / 86400000)"
	                          " FROM records_packed"), 2);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	for (i = 0; i < 6; i++) {
		make_batch_at(&b, rows[i][0], rows[i][1]);
		b.correction = i == 4;
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DUPLICATE);
	}
	/* Another window under a stored identity: days before the row's... */
	make_batch_at(&b, 1, d0 - 3 * day);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONFLICT);
	/* ... and days after it. */
	make_batch_at(&b, 6, d0 + 9 * day);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONFLICT);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	/* Each conflict kept under the stored record's window. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM conflicts"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 6);
	strbuf_release(&err);
}


/* A process killed in the middle of a batch leaves neither its counts nor
 * its identities nor its positions behind. */
static void test_crash_mid_batch(void)
{
	struct record_batch a, b;
	struct store *st;
	struct strbuf err;
	int64_t pos = -1;
	pid_t pid;
	int status = 0;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_a, 2);
	make_batch(&b, 2, cells_b, 1);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 1, &err), 0);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	/* SQLite connections must not cross fork(). */
	store_free(st);

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		st = store_new(db_path, STORE_CREATE, &err);
		if (st == NULL || store_begin(st, &err) < 0 ||
		    store_add_record(st, &b, NULL, &err) != STORE_ADDED ||
		    store_set_position(st, "t", 0, 2, &err) < 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(sum_day(st).messages, 13);
	CU_ASSERT_EQUAL(store_get_position(st, "t", 0, &pos, &err), 1);
	CU_ASSERT_EQUAL(pos, 1);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	CU_ASSERT_EQUAL(sum_day(st).messages, 18);
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

static void expect_invalid(struct store *st, const struct record_batch *b, const char *why)
{
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(store_add_record(st, b, NULL, &err), STORE_INVALID);
	CU_ASSERT_PTR_NOT_NULL(err.data);
	if (err.data != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, why));
	strbuf_release(&err);
}

static void test_invalid(void)
{
	struct record_cell bad[1];
	struct record_batch b;
	struct store *st;
	struct strbuf err;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);

	make_batch(&b, 1, cells_a, 2);
	b.carrier[0] = '\0';
	expect_invalid(st, &b, "carrier");
	make_batch(&b, 1, cells_a, 2);
	b.carrier[1] = '\n';
	expect_invalid(st, &b, "carrier");
	make_batch(&b, 1, cells_a, 2);
	memset(b.collector, 'x', sizeof(b.collector)); /* no NUL */
	expect_invalid(st, &b, "collector");
	make_batch(&b, 0, cells_a, 2);
	expect_invalid(st, &b, "seq");
	make_batch(&b, 1, cells_a, 2);
	b.window_end_ms = b.window_start_ms;
	expect_invalid(st, &b, "window");
	make_batch(&b, 1, cells_a, 2);
	b.health.messages_late = -1;
	expect_invalid(st, &b, "health");

	bad[0] = cells_a[0];
	bad[0].messages = 0;
	make_batch(&b, 1, bad, 1);
	expect_invalid(st, &b, "message count");
	bad[0].messages = STORE_CELL_MESSAGES_MAX + 1;
	expect_invalid(st, &b, "message count");
	bad[0] = cells_a[0];
	bad[0].result[AR_DKIM] = AR_RESULT_COUNT;
	expect_invalid(st, &b, "dkim");
	bad[0] = cells_a[0];
	bad[0].spam = SPAM_COUNT;
	expect_invalid(st, &b, "spam");
	make_batch(&b, 1, NULL, 1);
	expect_invalid(st, &b, "cells");

	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	CU_ASSERT_EQUAL(sum_day(st).carriers, 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 0);
	remove_dir();
	strbuf_release(&err);
}

static void test_dead_letters(void)
{
	struct store_source a = { "t", 0, 4 }, b = { "t", 1, 4 };
	struct store *st;
	struct strbuf err;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_dead_letter(st, &a, "corrupt", 17, &err), 1);
	CU_ASSERT_EQUAL(store_add_dead_letter(st, &a, "corrupt", 17, &err), 0);
	CU_ASSERT_EQUAL(store_add_dead_letter(st, &b, "not_ours", 0, &err), 1);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM dead_letters"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT length FROM dead_letters WHERE partition = 0"), 17);
	remove_dir();
	strbuf_release(&err);
}

static int stop_cb(void *arg, const char *carrier, const struct store_totals *c,
                   struct strbuf *err)
{
	(void)arg;
	(void)carrier;
	(void)c;
	strbuf_printf(err, "stopped");
	return -1;
}

/* [start, end): a bucket starting at end belongs to the next period. */
static void test_sum_range(void)
{
	struct record_batch a, b;
	struct store *st;
	struct strbuf err;
	struct sums s = { 0, 0, 0, 0, 0 };
	int64_t bucket;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_a, 2);
	make_batch(&b, 2, cells_b, 1);
	b.window_start_ms = utc_ms(2026, 11, 2, 10, 15); /* the next bucket */
	b.window_end_ms = b.window_start_ms + 60000;
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	bucket = utc_ms(2026, 11, 2, 10, 15);
	CU_ASSERT_EQUAL(store_sum_totals(st, 0, bucket, sum_cb, &s, &err), 0);
	CU_ASSERT_EQUAL(s.messages, 13);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(store_sum_totals(st, bucket, bucket + STORE_BUCKET_MS, sum_cb, &s, &err), 0);
	CU_ASSERT_EQUAL(s.messages, 5);
	CU_ASSERT_EQUAL(store_sum_totals(st, 0, bucket, stop_cb, NULL, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "stopped");
	/* The statement was reset: the store still works. */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(store_sum_totals(st, 0, bucket, sum_cb, &s, &err), 0);
	CU_ASSERT_EQUAL(s.messages, 13);
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

static void test_open_errors(void)
{
	struct strbuf err;
	char path[600];
	sqlite3 *db = NULL;
	FILE *fp;

	make_dir();
	strbuf_init(&err, 1024);
	/* The report does not create a store. */
	CU_ASSERT_PTR_NULL(store_new(db_path, STORE_EXISTING, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, db_path) : NULL);
	CU_ASSERT_EQUAL(access(db_path, F_OK), -1);

	snprintf(path, sizeof(path), "%s/text.db", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("this is not a database, just text long enough to fill a header page......\n", fp);
	fclose(fp);
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(store_new(path, STORE_CREATE, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "text.db") : NULL);

	/* Someone else's SQLite file is left alone. */
	snprintf(path, sizeof(path), "%s/other.db", dir);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(store_new(path, STORE_CREATE, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "not an arstat store") : NULL);

	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(store_new("/proc/arstat-cannot-exist/agg.db", STORE_CREATE, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "/proc/arstat-cannot-exist")
	                                        : NULL);
	store_free(NULL);
	remove_dir();
	strbuf_release(&err);
}

/* A record of collector name at start (UTC ms) lasting len ms, one cell. */
static void make_one(struct record_batch *b, struct record_cell *cell, const char *carrier,
                     const char *collector, int64_t seq, int64_t start, int64_t len,
                     int64_t messages)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->carrier, sizeof(b->carrier), "%s", carrier);
	snprintf(b->collector, sizeof(b->collector), "%s", collector);
	b->epoch = 1;
	b->seq = seq;
	b->window_start_ms = start;
	b->window_end_ms = start + len;
	*cell = cells_b[0];
	cell->messages = messages;
	cell->spam = (enum ar_spam)(seq % SPAM_COUNT);
	b->cells = cell;
	b->ncells = 1;
	b->cells_alloc = 1;
}

/* Messages, and SPF passes, of every carrier. */
static int sum_all_cb(void *arg, const char *carrier, const struct store_totals *t,
                      struct strbuf *err)
{
	int64_t *total = arg;

	(void)carrier;
	(void)err;
	total[0] += t->messages;
	total[1] += t->results[AR_SPF][AR_PASS];
	return 0;
}

/* Sums from the rollups (whole days and partial days) equal sums over the
 * finest table, for ranges that start and end anywhere. */
static void test_rollups_any_range(void)
{
	static const int64_t minute = 60000;
	struct record_batch b;
	struct record_cell cell;
	struct store *st;
	struct strbuf err;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t t0 = utc_ms(2026, 10, 29, 0, 0), seq, total[2], want, pass, start, end;
	uint64_t r = 12345;
	int i;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	/* Every 7 minutes for six days, two carriers. */
	for (seq = 1; seq <= 6 * 24 * 60 / 7; seq++) {
		make_one(&b, &cell, seq % 2 ? "jp-a" : "jp-b", seq % 2 ? "c1" : "c2", seq,
		         t0 + seq * 7 * minute, minute, seq % 50 + 1);
		CU_ASSERT_EQUAL_FATAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	}
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
	                                         "SELECT coalesce(sum(messages), 0),"
	                                         " coalesce(sum(messages) FILTER (WHERE spf = 'pass'), 0)"
	                                         " FROM counts_named"
	                                         " WHERE bucket_start_ms >= ? AND bucket_start_ms < ?",
	                                         -1, &q, NULL), SQLITE_OK);
	for (i = 0; i < 300; i++) {
		/* Mostly bucket-aligned ends (month boundaries are), some not. */
		r = r * 6364136223846793005u + 1442695040888963407u;
		start = t0 - STORE_DAY_MS + (int64_t)((r >> 33) % (8u * 96u)) * STORE_BUCKET_MS;
		r = r * 6364136223846793005u + 1442695040888963407u;
		end = start + (int64_t)((r >> 33) % (5u * 96u)) * STORE_BUCKET_MS;
		if (i % 3 == 0) {
			start += (int64_t)(r % 900000u);
			end -= (int64_t)((r >> 20) % 900000u);
		}
		total[0] = total[1] = 0;
		CU_ASSERT_EQUAL(store_sum_totals(st, start, end, sum_all_cb, total, &err), 0);
		/* Buckets starting in [start, end). */
		sqlite3_bind_int64(q, 1, start);
		sqlite3_bind_int64(q, 2, end);
		CU_ASSERT_EQUAL(sqlite3_step(q), SQLITE_ROW);
		want = sqlite3_column_int64(q, 0);
		pass = sqlite3_column_int64(q, 1);
		sqlite3_reset(q);
		CU_ASSERT_EQUAL(total[0], want);
		CU_ASSERT_EQUAL(total[1], pass);
		if (total[0] != want)
			fprintf(stderr, "[%lld, %lld): rollups %lld, counts %lld\n", (long long)start,
			        (long long)end, (long long)total[0], (long long)want);
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

/* Windows merge into runs whatever order they come in; corrections and
 * duplicates add none. */
static void test_runs(void)
{
	static const int64_t minute = 60000;
	/* Window numbers in arrival order: 0-2, then 5, then 3 (4 stays a
	 * gap), then 10 and 9 (a second run), 1 again (a duplicate identity). */
	static const int order[] = { 0, 1, 2, 5, 3, 10, 9 };
	struct record_batch b;
	struct record_cell cell;
	struct store *st;
	struct strbuf err;
	int64_t t0 = utc_ms(2026, 11, 2, 0, 0);
	size_t i;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		/* A transaction per record, so the merge in the table is tested,
		 * not only the one in memory. */
		CU_ASSERT_EQUAL(store_begin(st, &err), 0);
		make_one(&b, &cell, "jp-a", "c1", order[i] + 1, t0 + order[i] * minute, minute, 1);
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
		CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	}
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	make_one(&b, &cell, "jp-a", "c1", 2, t0 + minute, minute, 1);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DUPLICATE);
	/* A correction of window 4 does not fill the gap. */
	make_one(&b, &cell, "jp-a", "c1", 100, t0 + 4 * minute, minute, 1);
	b.correction = 1;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	/* Another collector's windows are its own runs; in one batch, out of
	 * order, they still make one run. */
	make_one(&b, &cell, "jp-a", "c2", 2, t0 + minute, minute, 1);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	make_one(&b, &cell, "jp-a", "c2", 1, t0, minute, 1);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs_named WHERE collector = 'c1'"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT (end_ms - start_ms) / 60000 FROM runs_named"
	                          " WHERE collector = 'c1' ORDER BY start_ms LIMIT 1"), 4);
	CU_ASSERT_EQUAL(query_int("SELECT (start_ms - 0) % 3600000 / 60000 FROM runs_named"
	                          " WHERE collector = 'c1' ORDER BY start_ms LIMIT 1 OFFSET 1"), 5);
	CU_ASSERT_EQUAL(query_int("SELECT (end_ms - start_ms) / 60000 FROM runs_named"
	                          " WHERE collector = 'c1' ORDER BY start_ms LIMIT 1 OFFSET 2"), 2);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs_named WHERE collector = 'c2'"), 1);
	/* Now fill the gap: the three runs of c1 before 9 become one. */
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	for (i = 4; i <= 8; i++) {
		make_one(&b, &cell, "jp-a", "c1", (int64_t)i + 1, t0 + (int64_t)i * minute, minute, 1);
		store_add_record(st, &b, NULL, &err);
	}
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs_named WHERE collector = 'c1'"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT (end_ms - start_ms) / 60000 FROM runs_named"
	                          " WHERE collector = 'c1'"), 11);
	remove_dir();
	strbuf_release(&err);
}

/* One span of vouched_named of collector, the nth by start, as
 * "start-end" in minutes after t0 ("" if there is none). */
static const char *vouched_span(const char *collector, int nth, int64_t t0)
{
	static char out[64];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	out[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT start_ms, end_ms FROM vouched_named"
	                                             " WHERE collector = ?1 ORDER BY start_ms"
	                                             " LIMIT 1 OFFSET ?2",
	                                         -1, &s, NULL),
	                      SQLITE_OK);
	sqlite3_bind_text(s, 1, collector, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, nth);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%lld-%lld",
		         (long long)((sqlite3_column_int64(s, 0) - t0) / 60000),
		         (long long)((sqlite3_column_int64(s, 1) - t0) / 60000));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* Issue 13: the spans records vouch for, merged per collector whatever
 * their order, overlap, repetition or epoch; a vouch-only record adds no
 * run and is no conflict with the record of its window. */
static void test_vouched(void)
{
	static const int64_t minute = 60000;
	/* Spans in minutes after t0, in arrival order, one record each (and
	 * its own transaction from the fourth on, so that the merge in the
	 * table is tested, not only the one in memory). */
	static const struct {
		int lo, hi;
		int64_t epoch;
	} spans[] = {
		{ 10, 20, 1 }, { 30, 40, 1 }, { 15, 25, 1 }, /* overlaps the first */
		{ 0, 5, 1 },                                  /* before all */
		{ 30, 40, 1 },                                /* again */
		{ 50, 60, 2 },                                /* another epoch */
		{ 40, 50, 2 },                                /* touches both sides */
	};
	struct record_batch b;
	struct record_cell cell;
	struct store *st;
	struct strbuf err;
	int64_t t0 = utc_ms(2026, 11, 2, 0, 0);
	size_t i;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		if (i >= 3) {
			CU_ASSERT_EQUAL(store_commit(st, &err), 0);
			CU_ASSERT_EQUAL(store_begin(st, &err), 0);
		}
		make_one(&b, &cell, "jp-a", "c1", (int64_t)i + 1, t0 + 100 * minute + (int64_t)i * minute,
		         minute, 1);
		b.health.lines_read = 1;
		b.epoch = spans[i].epoch;
		b.vouch_start_ms = t0 + spans[i].lo * minute;
		b.vouch_end_ms = t0 + spans[i].hi * minute;
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	}
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	/* Delivered again: a duplicate, nothing changes. */
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DUPLICATE);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM vouched_named WHERE collector = 'c1'"), 3);
	CU_ASSERT_STRING_EQUAL(vouched_span("c1", 0, t0), "0-5");
	CU_ASSERT_STRING_EQUAL(vouched_span("c1", 1, t0), "10-25");
	CU_ASSERT_STRING_EQUAL(vouched_span("c1", 2, t0), "30-60");
	CU_ASSERT_EQUAL(query_int("SELECT window_ms FROM vouched_named LIMIT 1"), minute);
	/* The records' windows are runs of their own: 100-107. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs_named WHERE collector = 'c1'"), 1);

	/* A vouch-only record whose window is that of a stored record of c1
	 * (minute 100): its own identity, no conflict, no run; its span joins. */
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	make_one(&b, &cell, "jp-a", "c1", 50, t0 + 100 * minute, minute, 1);
	b.ncells = 0;
	b.vouch_start_ms = t0 + 60 * minute;
	b.vouch_end_ms = t0 + 101 * minute;
	CU_ASSERT_TRUE(record_batch_vouch_only(&b));
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	/* And one far from every run: still no run. */
	make_one(&b, &cell, "jp-a", "c1", 51, t0 + 299 * minute, minute, 1);
	b.ncells = 0;
	b.vouch_start_ms = t0 + 200 * minute;
	b.vouch_end_ms = t0 + 300 * minute;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM conflicts"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs_named WHERE collector = 'c1'"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT (end_ms - start_ms) / 60000 FROM runs_named"), 7);
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM records WHERE cells = 0"), 0);
	CU_ASSERT_STRING_EQUAL(vouched_span("c1", 2, t0), "30-101");
	CU_ASSERT_STRING_EQUAL(vouched_span("c1", 3, t0), "200-300");
	remove_dir();
	strbuf_release(&err);
}

/* Fault: the counts of a batch cannot be written (a sum that would leave
 * int64). The commit must fail and take the batch's identities with it, so
 * that the record is not lost as a "duplicate" on the next attempt. (The
 * stored count is set through counts_packed; counts is a view of it.) */
static void test_flush_fault(void)
{
	struct record_batch a, b;
	struct store *st;
	struct strbuf err;
	sqlite3 *db = NULL;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_b, 1);
	make_batch(&b, 2, cells_b, 1);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "UPDATE counts_packed SET cells = '[' || (SELECT cell"
	                                 " FROM counts) || ',9223372036854775806]'",
	                             NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts"), INT64_C(9223372036854775806));
	sqlite3_close(db);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_set_position(st, "t", 0, 2, &err), 0);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_commit(st, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "overflows") : NULL);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM positions"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT typeof(messages) = 'integer' FROM counts"), 1);
	remove_dir();
	strbuf_release(&err);
}

/* The vocabulary tables say what the numbers mean; a store whose names the
 * program cannot read, or one of the development schema version 1, is
 * refused. */
static void test_schema_checks(void)
{
	struct strbuf err;
	sqlite3 *db = NULL;

	strbuf_init(&err, 1024);
	make_dir();
	store_one_record(STORE_CREATE);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM results"), AR_RESULT_COUNT);
	/* The cell id is the documented mixed-radix number... */
	CU_ASSERT_EQUAL(query_int("SELECT cell FROM counts WHERE messages = 3"),
	                ((((AR_FAIL * 9 + AR_NONE) * 9 + AR_FAIL) * 9 + AR_ABSENT) * 4 + POL_REJECT) *
	                                3 + SPAM_SPAM);
	/* ... and the views decode it. */
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts_named WHERE spf = 'fail'"
	                          " AND dkim = 'none' AND dmarc = 'fail' AND arc = 'absent'"
	                          " AND dmarc_policy = 'reject' AND spam = 'spam'"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM items"), 44 * FATE_COUNT);
	CU_ASSERT_EQUAL(query_int("SELECT id FROM items WHERE name = 'dkim.pass'"),
	                AR_DKIM * 9 + AR_PASS);
	CU_ASSERT_EQUAL(query_int("SELECT id FROM items WHERE name = 'rejected.dkim.pass'"),
	                FATE_REJECTED * 44 + AR_DKIM * 9 + AR_PASS);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM fates"), FATE_COUNT);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_named WHERE fate = 'unknown'"), 2);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "UPDATE spam_verdicts SET name = 'maybe' WHERE id = 2", NULL,
	                             NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_PTR_NULL(store_new(db_path, STORE_EXISTING, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "spam_verdicts") : NULL);

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(store_new(db_path, STORE_EXISTING, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "version 1") : NULL);
	remove_dir();
	strbuf_release(&err);
}

/* A store whose vocabulary ids are not our enum values (one this program
 * did not create, or made before an enum changed order): cells are
 * numbered by the store's ids, and the views name them right. */
static void test_vocab_not_enum(void)
{
	struct store *st;
	struct strbuf err;
	sqlite3 *db = NULL;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_free(st);
	/* "ham" and "spam" swap ids, in the vocabulary and in the items. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db,
	                             "UPDATE spam_verdicts SET name = 'x' WHERE name = 'ham';"
	                             "UPDATE spam_verdicts SET name = 'ham' WHERE name = 'spam';"
	                             "UPDATE spam_verdicts SET name = 'spam' WHERE name = 'x';"
	                             "UPDATE items SET name = replace(name, 'spam.ham', 'x')"
	                             " WHERE name LIKE '%spam.ham';"
	                             "UPDATE items SET name = replace(name, 'spam.spam', 'spam.ham')"
	                             " WHERE name LIKE '%spam.spam';"
	                             "UPDATE items SET name = replace(name, 'x', 'spam.spam')"
	                             " WHERE name LIKE '%x';",
	                             NULL, NULL, NULL),
	                SQLITE_OK);
	sqlite3_close(db);
	store_one_record(STORE_EXISTING);
	/* The spam cell's last digit is the store's id of "spam": SPAM_HAM. */
	CU_ASSERT_EQUAL(query_int("SELECT cell FROM counts WHERE messages = 3"),
	                ((((AR_FAIL * 9 + AR_NONE) * 9 + AR_FAIL) * 9 + AR_ABSENT) * 4 + POL_REJECT) *
	                                3 + SPAM_HAM);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts_named WHERE spam = 'spam'"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts_named WHERE spam = 'ham'"), 10);
	remove_dir();
	strbuf_release(&err);
}

struct fate_sums {
	struct store_totals t;
	int carriers;
};

static int fate_sum_cb(void *arg, const char *carrier, const struct store_totals *t,
                       struct strbuf *err)
{
	struct fate_sums *s = arg;

	(void)err;
	CU_ASSERT_STRING_EQUAL(carrier, "jp-a");
	s->t = *t;
	s->carriers++;
	return 0;
}

/* Each message's fate is kept: in the cell ids (the fate the most
 * significant digit, so fate unknown's ids are schema 6's), in counts_named,
 * and in the totals, whose population (the shares') is accepted + unknown
 * while each fate is also summed alone. A v1 record (fate unknown) and v2
 * records with fates share one store; a fate out of range is refused. */
static void test_fates(void)
{
	static struct record_cell fated[4] = {
		{ { AR_PASS, AR_PASS, AR_PASS, AR_ABSENT }, POL_REJECT, SPAM_HAM, FATE_ACCEPTED, 20 },
		{ { AR_FAIL, AR_NONE, AR_FAIL, AR_ABSENT }, POL_REJECT, SPAM_SPAM, FATE_REJECTED, 7 },
		{ { AR_FAIL, AR_NONE, AR_FAIL, AR_ABSENT }, POL_REJECT, SPAM_SPAM, FATE_HELD, 2 },
		{ { AR_FAIL, AR_FAIL, AR_FAIL, AR_ABSENT }, POL_QUARANTINE, SPAM_SPAM, FATE_DISCARDED, 1 },
	};
	struct record_cell bad = fated[0];
	struct fate_sums sums;
	struct record_batch a, b;
	struct store *st;
	struct strbuf err;
	int64_t unknown_id = ((((AR_FAIL * 9 + AR_NONE) * 9 + AR_FAIL) * 9 + AR_ABSENT) * 4 +
	                      POL_REJECT) * 3 + SPAM_SPAM;

	strbuf_init(&err, 1024);
	make_dir();
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&a, 1, cells_a, 2); /* as a v1 record decodes: fate unknown */
	make_batch(&b, 2, fated, 4);
	b.window_start_ms += 60000;
	b.window_end_ms += 60000;
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &a, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	bad.fate = FATE_COUNT;
	make_batch(&b, 3, &bad, 1);
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_INVALID);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "fate") : NULL);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);

	CU_ASSERT_EQUAL(query_int("SELECT cell FROM counts WHERE messages = 3"), unknown_id);
	CU_ASSERT_EQUAL(query_int("SELECT cell FROM counts WHERE messages = 7"),
	                FATE_REJECTED * RECORD_CELLS_V1_MAX + unknown_id);
	CU_ASSERT_EQUAL(query_int("SELECT cell FROM counts WHERE messages = 2"),
	                FATE_HELD * RECORD_CELLS_V1_MAX + unknown_id);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts_named WHERE fate = 'rejected'"
	                          " AND dmarc = 'fail' AND dmarc_policy = 'reject'"), 7);
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM counts_named WHERE fate = 'unknown'"), 13);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM carrier_totals_named"
	                          " WHERE item = 'discarded.dmarc_policy.quarantine'"), 1);

	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	memset(&sums, 0, sizeof(sums));
	CU_ASSERT_EQUAL(store_sum_totals(st, utc_ms(2026, 11, 2, 0, 0), utc_ms(2026, 11, 3, 0, 0),
	                                 fate_sum_cb, &sums, &err), 0);
	CU_ASSERT_EQUAL(sums.carriers, 1);
	/* The population: 13 unknown + 20 accepted. */
	CU_ASSERT_EQUAL(sums.t.messages, 33);
	CU_ASSERT_EQUAL(sums.t.results[AR_DMARC][AR_PASS], 30);
	CU_ASSERT_EQUAL(sums.t.results[AR_DMARC][AR_FAIL], 3);
	CU_ASSERT_EQUAL(sums.t.dmarc_policy[POL_REJECT], 33);
	CU_ASSERT_EQUAL(sums.t.dmarc_policy[POL_QUARANTINE], 0);
	CU_ASSERT_EQUAL(sums.t.spam[SPAM_SPAM], 3);
	/* Each fate alone. */
	CU_ASSERT_EQUAL(sums.t.fate_messages[FATE_UNKNOWN], 13);
	CU_ASSERT_EQUAL(sums.t.fate_messages[FATE_ACCEPTED], 20);
	CU_ASSERT_EQUAL(sums.t.fate_messages[FATE_REJECTED], 7);
	CU_ASSERT_EQUAL(sums.t.fate_messages[FATE_DISCARDED], 1);
	CU_ASSERT_EQUAL(sums.t.fate_messages[FATE_HELD], 2);
	CU_ASSERT_EQUAL(sums.t.fate_results[FATE_REJECTED][AR_DMARC][AR_FAIL], 7);
	CU_ASSERT_EQUAL(sums.t.fate_results[FATE_HELD][AR_SPF][AR_FAIL], 2);
	CU_ASSERT_EQUAL(sums.t.fate_results[FATE_DISCARDED][AR_DKIM][AR_FAIL], 1);
	CU_ASSERT_EQUAL(sums.t.fate_results[FATE_ACCEPTED][AR_ARC][AR_ABSENT], 20);
	CU_ASSERT_EQUAL(sums.t.unknown_items, 0);
	CU_ASSERT_EQUAL(sums.t.overflow, 0);
	store_free(st);
	remove_dir();
	strbuf_release(&err);
}

/* The text of one query's first column over all rows, ";"-separated (for
 * comparing a table's content before and after a change); caller frees. */
static char *query_text(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct strbuf out;
	const unsigned char *t;

	strbuf_init(&out, 64 * 1024 * 1024);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		t = sqlite3_column_text(s, 0);
		CU_ASSERT_EQUAL(strbuf_append_str(&out, t != NULL ? (const char *)t : "NULL"), 0);
		CU_ASSERT_EQUAL(strbuf_append_byte(&out, ';'), 0);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	if (out.data == NULL)
		return strdup("");
	return out.data;
}

/* Write a golden store (tests/unit/golden/NAME.sql) into db_path, with 4
 * KiB pages as versions 2 and 3 made them. */
static void load_golden_store(const char *name)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	char path[1024];
	struct strbuf sql;
	char buf[8192];
	size_t n;
	sqlite3 *db = NULL;
	char *why = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/unit/golden/%s.sql", src != NULL ? src : ".", name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fprintf(stderr, "cannot open %s (is ARSTAT_SOURCE_DIR set?)\n", path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	strbuf_init(&sql, 1024 * 1024);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		CU_ASSERT_EQUAL_FATAL(strbuf_append(&sql, buf, n), 0);
	fclose(fp);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA page_size = 4096", NULL, NULL, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql.data, NULL, NULL, &why) != SQLITE_OK)
		fprintf(stderr, "golden store %s: %s\n", name, why != NULL ? why : "?");
	CU_ASSERT_PTR_NULL(why);
	sqlite3_free(why);
	sqlite3_close(db);
	strbuf_release(&sql);
}

#define COUNTS_ROWS_SQL \
	"SELECT bucket_start_ms || ',' || carrier || ',' || collector || ',' || cell || ','" \
	" || messages FROM counts ORDER BY bucket_start_ms, carrier, collector, cell"
#define COUNTS_NAMED_SQL \
	"SELECT bucket_start_ms || carrier || collector || spf || dkim || dmarc || arc" \
	" || dmarc_policy || spam || ':' || messages FROM counts_named ORDER BY 1"

/* A store of schema version 2 (one counts row per cell) is upgraded to 3
 * when opened: the counts view gives exactly the rows the table held, the
 * rest is untouched, and ingest goes on adding to the packed rows. An
 * upgrade that meets a row no version of us wrote fails and leaves the
 * store at version 2. */
/* The golden store `name`, damaged by the SQL `damage` into what no version
 * of this program writes, is refused by the upgrade and left as it was:
 * still of `version`, its table `old_table` there, `new_table` not. */
static void check_upgrade_refused(const char *name, const char *damage, int64_t version,
                                  const char *old_table, const char *new_table)
{
	struct strbuf err;
	sqlite3 *db = NULL;
	char sql[256];

	strbuf_init(&err, 1024);
	load_golden_store(name);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, damage, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_PTR_NULL(store_new(db_path, STORE_CREATE, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "not one this program wrote")
	                                        : NULL);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), version);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_schema WHERE name = '%s'"
	                           " AND type = 'table'", old_table);
	CU_ASSERT_EQUAL(query_int(sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_schema WHERE name = '%s'",
	         new_table);
	CU_ASSERT_EQUAL(query_int(sql), 0);
	strbuf_release(&err);
}

static void test_upgrade_v2(void)
{
	char *counts_before, *named_before, *records_before, *totals_before, *after;
	int64_t keys, rows, messages, bucket;
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	char *carrier, *collector;

	strbuf_init(&err, 1024);
	make_dir();
	load_golden_store("store-v2");
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 2);
	counts_before = query_text(COUNTS_ROWS_SQL);
	named_before = query_text(COUNTS_NAMED_SQL);
	records_before = query_text("SELECT collector || epoch || seq || window_start_ms || messages"
	                            " FROM records ORDER BY 1");
	totals_before = query_text("SELECT bucket_start_ms || carrier || item || ':' || messages"
	                           " FROM carrier_totals ORDER BY 1");
	rows = query_int("SELECT count(*) FROM counts");
	keys = query_int("SELECT count(*) FROM (SELECT DISTINCT bucket_start_ms, carrier, collector"
	                 " FROM counts)");
	messages = query_int("SELECT sum(messages) FROM counts");
	CU_ASSERT(rows > keys && keys > 1);
	CU_ASSERT_EQUAL(messages, 4516);

	st = store_new(db_path, STORE_EXISTING, &err);
	if (st == NULL)
		fprintf(stderr, "upgrade: %s\n", err.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 10);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM pragma_table_info('sealed') WHERE name = 'period'"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'records_packed_day'"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'records_packed_seq'"), 0);
	CU_ASSERT_EQUAL(query_int("PRAGMA page_size"), 4096);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_packed"), keys);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts"), rows);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts WHERE typeof(cell) != 'integer'"
	                          " OR typeof(messages) != 'integer'"), 0);
	after = query_text(COUNTS_ROWS_SQL);
	CU_ASSERT_STRING_EQUAL(after, counts_before);
	free(after);
	after = query_text(COUNTS_NAMED_SQL);
	CU_ASSERT_STRING_EQUAL(after, named_before);
	free(after);
	after = query_text("SELECT collector || epoch || seq || window_start_ms || messages"
	                   " FROM records ORDER BY 1");
	CU_ASSERT_STRING_EQUAL(after, records_before);
	free(after);
	after = query_text("SELECT bucket_start_ms || carrier || item || ':' || messages"
	                   " FROM carrier_totals ORDER BY 1");
	CU_ASSERT_STRING_EQUAL(after, totals_before);
	free(after);

	/* Ingest adds to an upgraded row: a new record of a stored collector in
	 * a stored bucket, with one combination already there and one new. */
	carrier = query_text("SELECT carrier FROM counts_named ORDER BY bucket_start_ms LIMIT 1");
	collector = query_text("SELECT collector FROM counts_named ORDER BY bucket_start_ms LIMIT 1");
	bucket = query_int("SELECT min(bucket_start_ms) FROM counts");
	make_batch(&b, 1000000, cells_a, 2);
	/* query_text ends each row with ';'. */
	carrier[strlen(carrier) - 1] = '\0';
	collector[strlen(collector) - 1] = '\0';
	snprintf(b.carrier, sizeof(b.carrier), "%s", carrier);
	snprintf(b.collector, sizeof(b.collector), "%s", collector);
	b.window_start_ms = bucket;
	b.window_end_ms = bucket + 60000;
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_packed"), keys);
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM counts"), messages + 13);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts WHERE typeof(messages) != 'integer'"),
	                0);
	free(carrier);
	free(collector);
	remove_dir();

	/* A v2 row of 0 messages: refused, and nothing changed. */
	make_dir();
	check_upgrade_refused("store-v2", "UPDATE counts SET messages = 0 WHERE cell ="
	                                  " (SELECT max(cell) FROM counts)",
	                      2, "counts", "counts_packed");
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts"), rows);
	remove_dir();
	free(counts_before);
	free(named_before);
	free(records_before);
	free(totals_before);
	strbuf_release(&err);
}

#define RECORDS_NAMED_SQL \
	"SELECT collector || ',' || epoch || ',' || seq || ',' || carrier || ',' ||" \
	" window_start_ms || ',' || window_end_ms || ',' || correction || ',' || cells || ',' ||" \
	" messages || ',' || lines_read || ',' || lines_malformed || ',' || lines_overlong || ','" \
	" || headers_untrusted || ',' || headers_malformed || ',' || messages_evicted || ',' ||" \
	" messages_late || ',' || ifnull(source, '-') || ',' || ifnull(partition, '-') || ',' ||" \
	" ifnull(kafka_offset, '-') FROM records_named ORDER BY collector, epoch, seq"

/* The records and counts, as RECORDS_NAMED_SQL and COUNTS_NAMED_SQL read
 * them, are still records_before and counts_before. */
static void check_same_rows(const char *records_before, const char *counts_before)
{
	char *after = query_text(RECORDS_NAMED_SQL);

	CU_ASSERT_STRING_EQUAL(after, records_before);
	free(after);
	after = query_text(COUNTS_NAMED_SQL);
	CU_ASSERT_STRING_EQUAL(after, counts_before);
	free(after);
}

/* b: a record of cells_a under the identity, carrier and window of the
 * stored record that pick (" FROM records_named ... LIMIT 1") selects. */
static void batch_like_stored(struct record_batch *b, const char *pick)
{
	char sql[512], *collector, *carrier;

	snprintf(sql, sizeof(sql), "SELECT collector%s", pick);
	collector = query_text(sql);
	snprintf(sql, sizeof(sql), "SELECT carrier%s", pick);
	carrier = query_text(sql);
	collector[strlen(collector) - 1] = '\0';
	carrier[strlen(carrier) - 1] = '\0';
	snprintf(sql, sizeof(sql), "SELECT seq%s", pick);
	make_batch(b, query_int(sql), cells_a, 2);
	snprintf(b->carrier, sizeof(b->carrier), "%s", carrier);
	snprintf(b->collector, sizeof(b->collector), "%s", collector);
	snprintf(sql, sizeof(sql), "SELECT epoch%s", pick);
	b->epoch = query_int(sql);
	snprintf(sql, sizeof(sql), "SELECT window_start_ms%s", pick);
	b->window_start_ms = query_int(sql);
	snprintf(sql, sizeof(sql), "SELECT window_end_ms%s", pick);
	b->window_end_ms = query_int(sql);
	free(collector);
	free(carrier);
}

/* Version 3 kept a records row per record; version 4 packs them. The
 * upgrade keeps every record as it was (with and without a source), and
 * what was stored stays a duplicate. */
static void test_upgrade_v3(void)
{
	char *records_before, *counts_before;
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	int64_t records, keys;

	strbuf_init(&err, 1024);
	make_dir();
	load_golden_store("store-v3");
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 3);
	records_before = query_text(RECORDS_NAMED_SQL);
	counts_before = query_text(COUNTS_NAMED_SQL);
	records = query_int("SELECT count(*) FROM records");
	keys = query_int("SELECT count(*) FROM (SELECT DISTINCT collector, epoch FROM records)");
	CU_ASSERT_EQUAL(records, 84);
	CU_ASSERT_EQUAL(query_int("SELECT count(source) FROM records"), 24);

	st = store_new(db_path, STORE_EXISTING, &err);
	if (st == NULL)
		fprintf(stderr, "upgrade: %s\n", err.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 10);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'records'"
	                          " AND type = 'view'"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM record_seqs"), keys);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records_packed"), keys);
	check_same_rows(records_before, counts_before);

	/* A stored record again is a duplicate; the next seq is new. */
	batch_like_stored(&b, " FROM records_named WHERE source IS NULL ORDER BY collector, seq"
	                      " LIMIT 1");
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	/* Stored without a content digest: skipped, but not comparable. */
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_UNVERIFIED);
	b.window_start_ms += 3600000;
	b.window_end_ms += 3600000;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONFLICT);
	b.seq = 21;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), records + 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM record_seqs"), keys);
	remove_dir();

	/* A v3 row this program cannot have written: refused, nothing changed. */
	make_dir();
	check_upgrade_refused("store-v3", "UPDATE records SET source = 0 WHERE source IS NOT NULL",
	                      3, "records", "records_packed");
	remove_dir();
	free(records_before);
	free(counts_before);
	strbuf_release(&err);
}


/* Issue 14, item 3: version 4 kept no content digest; version 5 adds the
 * conflicts table and keeps every record as it was. A record stored before
 * cannot be compared (unverified, skipped as before); one stored after the
 * upgrade is, and the two kinds of rows are read side by side. */
static void test_upgrade_v4(void)
{
	char *records_before, *counts_before;
	struct record_cell other[2];
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	int64_t records;

	strbuf_init(&err, 1024);
	make_dir();
	load_golden_store("store-v4");
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 4);
	records_before = query_text(RECORDS_NAMED_SQL);
	counts_before = query_text(COUNTS_NAMED_SQL);
	records = query_int("SELECT count(*) FROM records");
	CU_ASSERT_EQUAL(records, 84);

	st = store_new(db_path, STORE_EXISTING, &err);
	if (st == NULL)
		fprintf(stderr, "upgrade: %s\n", err.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), 10);
	/* Version 7: the cells and items stored so far are of fate unknown,
	 * with their ids; the other fates' items are there, named. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_named WHERE fate <> 'unknown'"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts_named"),
	                query_int("SELECT count(*) FROM counts"));
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM items"), 44 * FATE_COUNT);
	CU_ASSERT_EQUAL(query_int("SELECT id FROM items WHERE name = 'held.messages'"),
	                FATE_HELD * 44 + 43);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM conflicts"), 0);
	/* Issue 13: and then version 6, with no declaration yet. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM declared_accounts"), 0);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM declarations"), 0);
	/* And version 8, with no span vouched for yet. */
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM vouched_named"), 0);
	check_same_rows(records_before, counts_before);

	batch_like_stored(&b, " FROM records_named WHERE source IS NULL ORDER BY collector,"
	                      " seq DESC LIMIT 1");
	memcpy(other, cells_a, sizeof(other));
	other[0].messages++;
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_UNVERIFIED);
	/* The next seq, in the next window, joins the old row's range. */
	b.seq++;
	b.window_start_ms += 60000;
	b.window_end_ms += 60000;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_DUPLICATE);
	b.cells = other;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONTENT_CONFLICT);
	b.seq--;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONFLICT);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM records"), records + 1);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM conflicts"), 2);
	free(records_before);
	free(counts_before);
	remove_dir();
	strbuf_release(&err);
}

/* A counts_packed row is read back only in the exact form the store writes
 * it; anything else fails the batch instead of being guessed at. */
static void test_packed_form(void)
{
	static const char *const bad[] = {
		"[0]", "[0,]", "[0,0]", "[1,1,0,1]", "[5,1,0,1]", "[01,1]", "[1,01]", "[1,1] ",
		" [1,1]", "[1,1,]", "[-1,1]", "[1,-1]", "[1, 1]", "[1,1.0]", "[1,1", "[1,1]]",
		"[1,9223372036854775808]", "[393660,1]", "[393659,1,1,1]", "[78731,1,314929,1]",
		"[1,\"1\"]", "[1,1e3]", "[\"1\",1]", "[1,1,1]", "[[1,1]]",
		"", "{}", "[]", "{\"1\":0}", "{\"2\":1,\"1\":1}", "{\"1\":1,\"1\":1}", "{\"01\":1}",
		"{\"1\":01}", "{\"1\":1} ", " {\"1\":1}", "{\"1\":1,}", "{\"1\":-1}", "{\"-1\":1}",
		"{\"1\":9223372036854775808}", "{\"1\":99999999999999999999}", "{\"393660\":1}",
		"{\"1\" :1}", "{\"1\": 1}", "{\"1\":1.0}", "{\"1\":1", "{\"1\":1}}", "{1:1}",
		"{\"\":1}", "{\"1\":\"1\"}", "{\"1\":1e3}",
	};
	struct record_batch b;
	struct store *st;
	struct strbuf err;
	sqlite3 *db = NULL;
	sqlite3_stmt *set = NULL;
	int64_t seq = 2;
	size_t i;

	strbuf_init(&err, 1024);
	make_dir();
	store_one_record(STORE_CREATE);
	/* What was written: the first id, then the delta to the next, no
	 * blanks. */
	CU_ASSERT_EQUAL(query_int("SELECT cells = '[' || min(cell) || ',' || (SELECT messages"
	                          " FROM counts WHERE cell = (SELECT min(cell) FROM counts)) ||"
	                          " ',' || (max(cell) - min(cell)) || ',' || (SELECT messages FROM"
	                          " counts WHERE cell = (SELECT max(cell) FROM counts)) || ']'"
	                          " FROM counts_packed, counts"), 1);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "UPDATE counts_packed SET cells = ?", -1, &set,
	                                         NULL), SQLITE_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sqlite3_bind_text(set, 1, bad[i], -1, SQLITE_STATIC);
		CU_ASSERT_EQUAL(sqlite3_step(set), SQLITE_DONE);
		sqlite3_reset(set);
		st = store_new(db_path, STORE_EXISTING, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		make_batch(&b, seq++, cells_b, 1);
		strbuf_reset(&err);
		CU_ASSERT_EQUAL(store_begin(st, &err), 0);
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
		CU_ASSERT_EQUAL(store_commit(st, &err), -1);
		if (err.data == NULL || strstr(err.data, "not in the form") == NULL)
			fprintf(stderr, "packed form \"%s\": %s\n", bad[i],
			        err.data != NULL ? err.data : "accepted");
		CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "not in the form") : NULL);
		store_free(st);
	}
	/* The same row in either right form is added to: the object of before
	 * version 9 here, the array below. */
	sqlite3_bind_text(set, 1, "{\"0\":1,\"78731\":9223372036854775807}", -1, SQLITE_STATIC);
	CU_ASSERT_EQUAL(sqlite3_step(set), SQLITE_DONE);
	sqlite3_finalize(set);
	sqlite3_close(db);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&b, seq++, cells_b, 1);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts WHERE cell = 78731"), INT64_MAX);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts WHERE cell = 0"), 1);
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM counts WHERE cell != 78731"), 6);
	/* Rewritten in the array form, and read back from it. */
	CU_ASSERT_EQUAL(query_int("SELECT substr(cells, 1, 3) = '[0,' FROM counts_packed"), 1);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	make_batch(&b, seq++, cells_b, 1);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM counts"), 3);
	CU_ASSERT_EQUAL(query_int("SELECT messages FROM counts WHERE cell = 78731"), INT64_MAX);
	CU_ASSERT_EQUAL(query_int("SELECT sum(messages) FROM counts WHERE cell != 78731"), 11);
	remove_dir();
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("store", NULL, NULL);
	CU_add_test(s, "bucket", test_bucket);
	CU_add_test(s, "add, duplicate, reopen", test_add_duplicate_reopen);
	CU_add_test(s, "rollback", test_rollback);
	CU_add_test(s, "content conflict", test_content_conflict);
	CU_add_test(s, "prepared apart", test_prepared);
	CU_add_test(s, "rows found by their day", test_row_days);
	CU_add_test(s, "crash mid batch", test_crash_mid_batch);
	CU_add_test(s, "invalid batches", test_invalid);
	CU_add_test(s, "dead letters", test_dead_letters);
	CU_add_test(s, "sum range", test_sum_range);
	CU_add_test(s, "open errors", test_open_errors);
	CU_add_test(s, "rollups for any range", test_rollups_any_range);
	CU_add_test(s, "runs", test_runs);
	CU_add_test(s, "vouched spans", test_vouched);
	CU_add_test(s, "flush fault rolls back", test_flush_fault);
	CU_add_test(s, "schema checks", test_schema_checks);
	CU_add_test(s, "vocabulary ids not the enum values", test_vocab_not_enum);
	CU_add_test(s, "fates kept and summed", test_fates);
	CU_add_test(s, "upgrade from schema version 2", test_upgrade_v2);
	CU_add_test(s, "upgrade from schema version 3", test_upgrade_v3);
	CU_add_test(s, "upgrade from schema version 4", test_upgrade_v4);
	CU_add_test(s, "packed counts are read in their one form", test_packed_form);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
