#include "recids.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mem.h"
#include "numparse.h"
#include "ranges.h"

/* Records gathered before they are written, even inside one transaction:
 * 2^16 of them are 9 MiB. */
#define RECIDS_PENDING_MAX (1u << 16)
/* Gaps remembered (one per collector and epoch met); past this many they
 * are all forgotten, so a stream inventing identities costs look-ups, not
 * memory. */
#define RECIDS_GAPS_MAX 100000
/* The numbers of one record in a row (see recids.h), the last
 * (the digest) missing from rows written before schema version 5, and the
 * longest text of a record and of a row. */
#define RECIDS_FIELDS 16
#define RECIDS_F_PARTITION 13
#define RECIDS_F_OFFSET 14
#define RECIDS_F_DIGEST 15
#define RECIDS_ENTRY_MAX (2 + RECIDS_FIELDS * (NUM_I64_DIGITS_MAX + 1))
#define RECIDS_ROW_TEXT_MAX (2 + (size_t)RECIDS_ROW_MAX * (RECIDS_ENTRY_MAX + 1))
/* The numbers of one record in a compact row (schema version 9, recids.h):
 * window start, length, correction, cells, messages, partition, offset,
 * then the seven health counters; an entry ends after its last number that
 * is not 0 (null for partition and offset), messages at the least. */
#define RECIDS_C_FIELDS 14
#define RECIDS_C_MIN 5
#define RECIDS_C_PARTITION 5
#define RECIDS_C_OFFSET 6
#define RECIDS_C_HEALTH 7
/* A window of a compact row starts and ends within +-2^61 ms, so that its
 * start relative to the row's first and its length fit an int64; the rest
 * (none that intake lets through) go into rows of the older form. */
#define RECIDS_C_WINDOW_LIMIT ((int64_t)1 << 61)

enum {
	RS_SEQ_AT,
	RS_SEQ_AFTER,
	RS_SEQS_BEFORE,
	RS_SEQ_DELETE,
	RS_SEQ_INSERT,
	RS_SEQ_UPDATE,
	RS_ROW_INSERT,
	RS_ROW_FIND,
	RS_ROW_DAYS,
	RS_COUNT
};

static const char *const recids_sql[RS_COUNT] = {
	[RS_SEQ_AT] =
		"SELECT first_seq, last_seq FROM record_seqs WHERE collector = ?1 AND epoch = ?2"
		" AND first_seq <= ?3 ORDER BY first_seq DESC LIMIT 1",
	[RS_SEQ_AFTER] =
		"SELECT first_seq FROM record_seqs WHERE collector = ?1 AND epoch = ?2"
		" AND first_seq > ?3 ORDER BY first_seq LIMIT 1",
	[RS_SEQS_BEFORE] =
		"SELECT first_seq, last_seq FROM record_seqs WHERE collector = ?1 AND epoch = ?2"
		" AND first_seq <= ?3 ORDER BY first_seq DESC",
	[RS_SEQ_DELETE] =
		"DELETE FROM record_seqs WHERE collector = ? AND epoch = ? AND first_seq = ?",
	[RS_SEQ_INSERT] =
		"INSERT INTO record_seqs(collector, epoch, first_seq, last_seq) VALUES (?,?,?,?)",
	[RS_SEQ_UPDATE] =
		"UPDATE record_seqs SET last_seq = ?4"
		" WHERE collector = ?1 AND epoch = ?2 AND first_seq = ?3",
	[RS_ROW_INSERT] =
		"INSERT INTO records_packed(collector, epoch, first_seq, last_seq, carrier, source,"
		" records, digests, min_window_ms) VALUES (?,?,?,?,?,?,?,?,?)",
	/* A row holds consecutive seqs and rows do not overlap: the one of day
	 * ?4 that can hold seq is the last starting at or before it. */
	[RS_ROW_FIND] =
		"SELECT carrier, records, first_seq, digests, last_seq FROM records_packed"
		" WHERE " RECIDS_DAY_SQL " = ?4 AND collector = ?1 AND epoch = ?2"
		" AND first_seq <= ?3 ORDER BY first_seq DESC LIMIT 1",
	/* The days rows are of (the day is monotonic in min_window_ms). */
	[RS_ROW_DAYS] =
		"SELECT min(min_window_ms) / 86400000, max(min_window_ms) / 86400000"
		" FROM records_packed",
};

/* A map from three integers to an index, by open addressing. */
struct recids_slot {
	int64_t k[3];
	uint32_t idx; /* index + 1; 0: free */
};

struct recids_map {
	struct recids_slot *s;
	size_t nslots; /* a power of two */
	size_t n;
	uint64_t seed; /* so that crafted identities cannot pile up in a chain */
};

/* The seqs lo..hi of a (collector, epoch) are known not to be stored
 * (empty when lo > hi). */
struct recids_gap {
	int64_t collector, epoch, lo, hi;
};

/* A gathered record's identity and place, for sorting. */
struct recids_ref {
	int64_t collector, epoch, seq;
	size_t index;
};

struct recids {
	sqlite3 *db;
	sqlite3_stmt *stmt[RS_COUNT];
	struct recids_rec *pending;
	size_t npending, pending_alloc;
	struct recids_map pending_map; /* (collector, epoch, seq) -> pending */
	struct recids_gap *gaps;
	size_t ngaps, gaps_alloc;
	struct recids_map gap_map;     /* (collector, epoch, 0) -> gaps */
	struct ranges seqs;            /* the table record_seqs */
	struct recids_rec found;       /* what the last record not new met */
	/* Scratch of recids_flush. */
	struct recids_ref *refs;
	size_t refs_alloc;
	struct strbuf text;
	unsigned char *digests; /* a compact row's, RECIDS_ROW_MAX * 8 bytes */
};

static void recids_db_error(struct recids *ri, const char *what, struct strbuf *err)
{
	strbuf_printf(err, "store: %s: %s", what, sqlite3_errmsg(ri->db));
}

/* ---- the map ---- */

static uint64_t recids_hash(const struct recids_map *m, int64_t a, int64_t b, int64_t c)
{
	uint64_t h = m->seed;

	h = (h ^ (uint64_t)a) * UINT64_C(0x9e3779b97f4a7c15);
	h = (h ^ (h >> 29) ^ (uint64_t)b) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (h >> 32) ^ (uint64_t)c) * UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

static void recids_map_init(struct recids_map *m)
{
	uint64_t seed = 0;

	/* Without entropy the map still works, only predictably. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) * UINT64_C(0x2545f4914f6cdd1d);
	m->seed = seed;
	m->nslots = 1024;
	m->n = 0;
	m->s = xcalloc(m->nslots, sizeof(*m->s));
}

/* The index stored under (a, b, c), or SIZE_MAX. */
static size_t recids_map_find(const struct recids_map *m, int64_t a, int64_t b, int64_t c)
{
	size_t mask = m->nslots - 1, j = (size_t)recids_hash(m, a, b, c) & mask;
	const struct recids_slot *sl;

	for (; (sl = &m->s[j])->idx != 0; j = (j + 1) & mask) {
		if (sl->k[0] == a && sl->k[1] == b && sl->k[2] == c)
			return sl->idx - 1;
	}
	return SIZE_MAX;
}

static void recids_map_place(struct recids_map *m, const int64_t k[3], uint32_t idx)
{
	size_t mask = m->nslots - 1, j = (size_t)recids_hash(m, k[0], k[1], k[2]) & mask;

	while (m->s[j].idx != 0)
		j = (j + 1) & mask;
	memcpy(m->s[j].k, k, sizeof(m->s[j].k));
	m->s[j].idx = idx;
}

/* Store index under (a, b, c), which must be absent. Half full at most. */
static void recids_map_put(struct recids_map *m, int64_t a, int64_t b, int64_t c, size_t index)
{
	const int64_t k[3] = { a, b, c };

	if ((m->n + 1) * 2 > m->nslots) {
		struct recids_slot *old = m->s;
		size_t n = m->nslots, i;

		m->nslots *= 2;
		m->s = xcalloc(m->nslots, sizeof(*m->s));
		for (i = 0; i < n; i++) {
			if (old[i].idx != 0)
				recids_map_place(m, old[i].k, old[i].idx);
		}
		free(old);
	}
	recids_map_place(m, k, (uint32_t)(index + 1));
	m->n++;
}

static void recids_map_clear(struct recids_map *m)
{
	if (m->n > 0)
		memset(m->s, 0, m->nslots * sizeof(*m->s));
	m->n = 0;
}

/* ---- life ---- */

struct recids *recids_new(sqlite3 *db, struct strbuf *err)
{
	struct recids *ri = xcalloc(1, sizeof(*ri));
	int i;

	_Static_assert(RECIDS_PENDING_MAX < UINT32_MAX && RECIDS_GAPS_MAX < UINT32_MAX,
	               "indexes fit the slots");
	ri->db = db;
	recids_map_init(&ri->pending_map);
	recids_map_init(&ri->gap_map);
	strbuf_init(&ri->text, RECIDS_ROW_TEXT_MAX);
	ri->digests = xmalloc((size_t)RECIDS_ROW_MAX * 8);
	for (i = 0; i < RS_COUNT; i++) {
		if (sqlite3_prepare_v3(db, recids_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ri->stmt[i],
		                       NULL) != SQLITE_OK) {
			recids_db_error(ri, "prepare", err);
			recids_free(ri);
			return NULL;
		}
	}
	ri->seqs.db = db;
	ri->seqs.what = "record_seqs";
	ri->seqs.before = ri->stmt[RS_SEQS_BEFORE];
	ri->seqs.del = ri->stmt[RS_SEQ_DELETE];
	ri->seqs.ins = ri->stmt[RS_SEQ_INSERT];
	ri->seqs.upd = ri->stmt[RS_SEQ_UPDATE];
	return ri;
}

void recids_free(struct recids *ri)
{
	int i;

	if (ri == NULL)
		return;
	for (i = 0; i < RS_COUNT; i++)
		sqlite3_finalize(ri->stmt[i]);
	free(ri->pending);
	free(ri->pending_map.s);
	free(ri->gaps);
	free(ri->gap_map.s);
	free(ri->refs);
	ranges_release(&ri->seqs);
	strbuf_release(&ri->text);
	free(ri->digests);
	free(ri);
}

void recids_rollback(struct recids *ri)
{
	int i;

	for (i = 0; i < RS_COUNT; i++)
		sqlite3_reset(ri->stmt[i]);
	ri->npending = 0;
	recids_map_clear(&ri->pending_map);
	/* A gap may have been narrowed by a flush that the rollback undid; a
	 * narrower gap would still be right, but forgetting is simpler. */
	ri->ngaps = 0;
	recids_map_clear(&ri->gap_map);
}

/* ---- looking up ---- */

/* Stored (or gathered) record s against r, both of one identity: the same
 * carrier and window and, where s has a digest, the same content make r a
 * duplicate. */
static enum recids_status recids_compare(struct recids *ri, const struct recids_rec *s,
                                         const struct recids_rec *r)
{
	ri->found = *s;
	if (s->carrier != r->carrier || s->window_start_ms != r->window_start_ms ||
	    s->window_end_ms != r->window_end_ms || (s->correction != 0) != (r->correction != 0))
		return RECIDS_CONFLICT;
	if (!s->has_digest)
		return RECIDS_UNVERIFIED;
	return s->digest == r->digest ? RECIDS_DUPLICATE : RECIDS_CONTENT_CONFLICT;
}

/* One number of a row's entry at *pp: -?digits, or null where allowed
 * (as 0). 0, or -1 if it is anything else. */
static int recids_parse_field(const char **pp, const char *end, int null_ok, int64_t *out)
{
	const char *p = *pp, *start = p;

	if (null_ok && end - p >= 4 && memcmp(p, "null", 4) == 0) {
		*out = 0;
		*pp = p + 4;
		return 0;
	}
	if (p < end && *p == '-')
		p++;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (num_parse_i64(start, (size_t)(p - start), INT64_MIN, INT64_MAX, out) < 0)
		return -1;
	*pp = p;
	return 0;
}

/*
 * Find seq in a records_packed row's text, the form recids_format_entry
 * writes (or wrote before schema version 5, without the digest): if there,
 * its numbers go to out (null as 0), *nfields says how many it has, and
 * *found is set.
 * Every entry's seq is read, and the whole of the entry found; the others
 * are passed over to their ']' (a duplicate delivery reads a row per
 * record, and reading every number of it was most of that time). 0, or -1
 * if what is read is not in that form.
 */
static int recids_parse_row(const unsigned char *text, size_t len, int64_t seq,
                            int64_t out[RECIDS_FIELDS], int *nfields, int *found)
{
	const char *p = (const char *)text, *end = p + len;
	int64_t v[RECIDS_FIELDS];
	int f;

	*found = 0;
	if (text == NULL || p == end || *p++ != '[')
		return -1;
	for (;;) {
		if (p == end || *p++ != '[' || recids_parse_field(&p, end, 0, &v[0]) < 0)
			return -1;
		if (v[0] != seq || *found) {
			p = memchr(p, ']', (size_t)(end - p));
			if (p == NULL)
				return -1;
		} else {
			for (f = 1; f < RECIDS_FIELDS; f++) {
				if (f == RECIDS_F_DIGEST && p < end && *p == ']')
					break;
				if (p == end || *p++ != ',' ||
				    recids_parse_field(&p, end,
				                       f == RECIDS_F_PARTITION || f == RECIDS_F_OFFSET,
				                       &v[f]) < 0)
					return -1;
			}
			if (p == end || *p != ']')
				return -1;
			memcpy(out, v, (size_t)f * sizeof(v[0]));
			*nfields = f;
			*found = 1;
		}
		p++; /* the entry's ']' */
		if (p == end)
			return -1;
		if (*p == ']')
			return p + 1 == end ? 0 : -1;
		if (*p++ != ',')
			return -1;
	}
}

/* The little-endian 64-bit number at p. */
static uint64_t recids_get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int k;

	for (k = 7; k >= 0; k--)
		v = v << 8 | p[k];
	return v;
}

/* One entry of a row of the form before version 9 at *pp (after its '['),
 * up to its ']' included, into r. 0, or -1 if it is not in that form. */
static int recids_decode_entry(const char **pp, const char *end, struct recids_rec *r)
{
	const char *p = *pp;
	int64_t v[RECIDS_FIELDS];
	int f;

	for (f = 0; f < RECIDS_FIELDS; f++) {
		if (f == RECIDS_F_DIGEST && p < end && *p == ']')
			break;
		if ((f > 0 && (p == end || *p++ != ',')) ||
		    recids_parse_field(&p, end, f == RECIDS_F_PARTITION || f == RECIDS_F_OFFSET,
		                       &v[f]) < 0)
			return -1;
	}
	if (p == end || *p++ != ']' || v[RECIDS_F_PARTITION] < INT32_MIN ||
	    v[RECIDS_F_PARTITION] > INT32_MAX)
		return -1;
	r->seq = v[0];
	r->window_start_ms = v[1];
	r->window_end_ms = v[2];
	r->correction = v[3] != 0;
	r->cells = v[4];
	r->messages = v[5];
	r->health.lines_read = v[6];
	r->health.lines_malformed = v[7];
	r->health.lines_overlong = v[8];
	r->health.headers_untrusted = v[9];
	r->health.headers_malformed = v[10];
	r->health.messages_evicted = v[11];
	r->health.messages_late = v[12];
	r->health.input_losses = 0;
	r->partition = (int32_t)v[RECIDS_F_PARTITION];
	r->offset = v[RECIDS_F_OFFSET];
	r->has_digest = f > RECIDS_F_DIGEST;
	r->digest = r->has_digest ? (uint64_t)v[RECIDS_F_DIGEST] : 0;
	*pp = p;
	return 0;
}

/* Entry k of a compact row at *pp (after its '['), up to its ']' included,
 * into r, its window start relative to base unless k is 0 (then it is the
 * base). 0, or -1 if it is not in that form. */
static int recids_decode_compact(const char **pp, const char *end, size_t k, int64_t base,
                                 struct recids_rec *r)
{
	const char *p = *pp;
	int64_t v[RECIDS_C_FIELDS] = { 0 };
	int f, null_source = 0;

	for (f = 0; f < RECIDS_C_FIELDS; f++) {
		if (f >= RECIDS_C_MIN && p < end && *p == ']')
			break;
		if (f > 0 && (p == end || *p++ != ','))
			return -1;
		if (f == RECIDS_C_PARTITION || f == RECIDS_C_OFFSET) {
			if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
				p += 4;
				null_source = 1;
				continue;
			}
		}
		if (recids_parse_field(&p, end, 0, &v[f]) < 0)
			return -1;
	}
	if (p == end || *p++ != ']')
		return -1;
	if (v[0] < -2 * RECIDS_C_WINDOW_LIMIT || v[0] > 2 * RECIDS_C_WINDOW_LIMIT || v[1] <= 0 ||
	    v[1] > 2 * RECIDS_C_WINDOW_LIMIT || v[RECIDS_C_PARTITION] < INT32_MIN ||
	    v[RECIDS_C_PARTITION] > INT32_MAX)
		return -1;
	r->window_start_ms = k == 0 ? v[0] : base + v[0];
	if (r->window_start_ms < -RECIDS_C_WINDOW_LIMIT || r->window_start_ms > RECIDS_C_WINDOW_LIMIT)
		return -1;
	r->window_end_ms = r->window_start_ms + v[1];
	r->correction = v[2] != 0;
	r->cells = v[3];
	r->messages = v[4];
	r->partition = null_source ? 0 : (int32_t)v[RECIDS_C_PARTITION];
	r->offset = null_source ? 0 : v[RECIDS_C_OFFSET];
	r->health.lines_read = v[RECIDS_C_HEALTH];
	r->health.lines_malformed = v[RECIDS_C_HEALTH + 1];
	r->health.lines_overlong = v[RECIDS_C_HEALTH + 2];
	r->health.headers_untrusted = v[RECIDS_C_HEALTH + 3];
	r->health.headers_malformed = v[RECIDS_C_HEALTH + 4];
	r->health.messages_evicted = v[RECIDS_C_HEALTH + 5];
	r->health.messages_late = v[RECIDS_C_HEALTH + 6];
	r->health.input_losses = 0;
	r->has_digest = 1;
	*pp = p;
	return 0;
}

/*
 * Entry k of a compact row's text into r (its window, correction and
 * counts; the digest and seq are the caller's): the first entry (the row's
 * base) and entry k are read whole by recids_decode_compact, the entries
 * between passed over to their ']' (a duplicate delivery reads a row per
 * record). 0, or -1 if the text is not in that form or has no entry k.
 */
static int recids_find_compact(const unsigned char *text, size_t len, int64_t k,
                               struct recids_rec *r)
{
	const char *p = (const char *)text, *end = p + len;
	int64_t i;

	if (text == NULL || p == end || *p++ != '[' || p == end || *p++ != '[' ||
	    recids_decode_compact(&p, end, 0, 0, r) < 0)
		return -1;
	for (i = 1; i <= k; i++) {
		if (p == end || *p++ != ',' || p == end || *p++ != '[')
			return -1;
		if (i == k)
			return recids_decode_compact(&p, end, (size_t)k, r->window_start_ms, r);
		p = memchr(p, ']', (size_t)(end - p));
		if (p == NULL)
			return -1;
		p++;
	}
	return 0;
}

int recids_row_decode(const unsigned char *text, size_t len, const unsigned char *digests,
                      size_t dlen, int64_t first_seq, struct recids_rec *out, size_t max,
                      size_t *n)
{
	const char *p = (const char *)text, *end = p + len;
	int64_t base = 0;
	struct recids_rec *r;

	*n = 0;
	if (text == NULL || p == end || *p++ != '[')
		return -1;
	for (;;) {
		if (*n == max || p == end || *p++ != '[')
			return -1;
		r = &out[*n];
		if (digests == NULL) {
			if (recids_decode_entry(&p, end, r) < 0)
				return -1;
		} else {
			if ((*n + 1) * 8 > dlen || first_seq > INT64_MAX - (int64_t)*n ||
			    recids_decode_compact(&p, end, *n, base, r) < 0)
				return -1;
			if (*n == 0)
				base = r->window_start_ms;
			r->seq = first_seq + (int64_t)*n;
			r->digest = recids_get_le64(digests + *n * 8);
		}
		(*n)++;
		if (p == end)
			return -1;
		if (*p == ']')
			return p + 1 == end && (digests == NULL || dlen == *n * 8) ? 0 : -1;
		if (*p++ != ',')
			return -1;
	}
}

/* Look in the rows of day for the one holding r's seq: SQLITE_ROW with s
 * (RS_ROW_FIND) on it, SQLITE_DONE if none of that day does, or SQLite's
 * error. s is left to the caller to reset. */
static int recids_find_in_day(sqlite3_stmt *s, const struct recids_rec *r, int64_t day)
{
	int step;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, r->collector);
	sqlite3_bind_int64(s, 2, r->epoch);
	sqlite3_bind_int64(s, 3, r->seq);
	sqlite3_bind_int64(s, 4, day);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW && sqlite3_column_int64(s, 4) < r->seq)
		step = SQLITE_DONE;
	return step;
}

/*
 * Find the row holding r's seq, by its day (records_packed_day, recids.h):
 * r's own window's day first, where a second delivery of r finds it (or
 * the day before, for a row begun before midnight); then every other day
 * rows are of, back to the first and on to the last: a row's earliest
 * window may be days before r's (a correction among its records), and a
 * conflicting delivery may name another window than the stored record's.
 * Those are rare, and the days are bounded by the months not sealed.
 * SQLITE_ROW with s (RS_ROW_FIND) on the row, SQLITE_DONE if no row holds
 * it, or SQLite's error (read from the connection).
 */
static int recids_find_row(struct recids *ri, const struct recids_rec *r)
{
	sqlite3_stmt *s = ri->stmt[RS_ROW_FIND], *days = ri->stmt[RS_ROW_DAYS];
	/* As SQL divides: towards zero. */
	int64_t own = r->window_start_ms / 86400000, first, last, d;
	int step;

	step = recids_find_in_day(s, r, own);
	if (step == SQLITE_DONE)
		step = recids_find_in_day(s, r, own - 1);
	if (step != SQLITE_DONE)
		return step;
	step = sqlite3_step(days);
	if (step != SQLITE_ROW || sqlite3_column_type(days, 0) == SQLITE_NULL) {
		sqlite3_reset(days);
		return step == SQLITE_ROW ? SQLITE_DONE : step;
	}
	first = sqlite3_column_int64(days, 0);
	last = sqlite3_column_int64(days, 1);
	sqlite3_reset(days);
	step = SQLITE_DONE;
	for (d = (own - 2 < last ? own - 2 : last); d >= first && step == SQLITE_DONE; d--)
		step = recids_find_in_day(s, r, d);
	for (d = (own + 1 > first ? own + 1 : first); d <= last && step == SQLITE_DONE; d++)
		step = recids_find_in_day(s, r, d);
	return step;
}

/* r's identity is in record_seqs: find its record and compare. */
static enum recids_status recids_stored(struct recids *ri, const struct recids_rec *r,
                                        struct strbuf *err)
{
	sqlite3_stmt *s = ri->stmt[RS_ROW_FIND];
	enum recids_status status = RECIDS_ERROR;
	int64_t v[RECIDS_FIELDS] = { 0 };
	int step, found = 0, nfields = 0;
	struct recids_rec stored;

	step = recids_find_row(ri, r);
	memset(&stored, 0, sizeof(stored));
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		recids_db_error(ri, "read records", err);
		goto out;
	}
	if (step == SQLITE_DONE) {
		status = RECIDS_GONE; /* sealed, or damage: the caller knows which */
		goto out;
	}
	stored.carrier = sqlite3_column_int64(s, 0);
	if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
		/* A compact row: the digests apart, 8 bytes each in seq order. */
		int64_t k = r->seq - sqlite3_column_int64(s, 2); /* RS_ROW_FIND: 0 <= k < 64 */
		const unsigned char *d = sqlite3_column_blob(s, 3);

		if (k < 0 || k >= RECIDS_ROW_MAX || d == NULL ||
		    (int64_t)sqlite3_column_bytes(s, 3) < (k + 1) * 8 ||
		    recids_find_compact(sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1),
		                        k, &stored) < 0) {
			strbuf_printf(err, "store: a records_packed row is not in the form this "
			                   "program writes");
			goto out;
		}
		stored.digest = recids_get_le64(d + k * 8);
	} else if (recids_parse_row(sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1),
	                            r->seq, v, &nfields, &found) < 0) {
		strbuf_printf(err, "store: a records_packed row is not in the form this program "
		                   "writes");
		goto out;
	} else if (!found) {
		/* A row trimmed by sealing may hold seqs around this one. */
		status = RECIDS_GONE;
		goto out;
	} else {
		stored.window_start_ms = v[1];
		stored.window_end_ms = v[2];
		stored.correction = v[3] != 0;
		stored.has_digest = nfields > RECIDS_F_DIGEST;
		stored.digest = (uint64_t)v[RECIDS_F_DIGEST];
	}
	status = recids_compare(ri, &stored, r);
out:
	sqlite3_reset(s);
	return status;
}

static struct recids_gap *recids_gap_find(struct recids *ri, int64_t collector, int64_t epoch)
{
	size_t i = recids_map_find(&ri->gap_map, collector, epoch, 0);

	return i == SIZE_MAX ? NULL : &ri->gaps[i];
}

static void recids_gap_set(struct recids *ri, int64_t collector, int64_t epoch, int64_t lo,
                           int64_t hi)
{
	struct recids_gap *g = recids_gap_find(ri, collector, epoch);

	if (g == NULL) {
		if (ri->ngaps == RECIDS_GAPS_MAX) {
			ri->ngaps = 0;
			recids_map_clear(&ri->gap_map);
		}
		ri->gaps = xgrow(ri->gaps, ri->ngaps + 1, &ri->gaps_alloc, sizeof(*ri->gaps), 1024);
		recids_map_put(&ri->gap_map, collector, epoch, 0, ri->ngaps);
		g = &ri->gaps[ri->ngaps++];
		g->collector = collector;
		g->epoch = epoch;
	}
	g->lo = lo;
	g->hi = hi;
}

/* r's seq is outside its remembered gap: look it up in record_seqs, and
 * remember the gap around it if it is not stored. */
static enum recids_status recids_lookup(struct recids *ri, const struct recids_rec *r,
                                        struct strbuf *err)
{
	sqlite3_stmt *s = ri->stmt[RS_SEQ_AT];
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	int step, stored = 0;

	sqlite3_bind_int64(s, 1, r->collector);
	sqlite3_bind_int64(s, 2, r->epoch);
	sqlite3_bind_int64(s, 3, r->seq);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		int64_t last = sqlite3_column_int64(s, 1);

		if (last >= r->seq)
			stored = 1;
		else
			lo = last + 1; /* last < seq: no overflow */
	}
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		goto fail;
	if (stored)
		return recids_stored(ri, r, err);

	s = ri->stmt[RS_SEQ_AFTER];
	sqlite3_bind_int64(s, 1, r->collector);
	sqlite3_bind_int64(s, 2, r->epoch);
	sqlite3_bind_int64(s, 3, r->seq);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		hi = sqlite3_column_int64(s, 0) - 1; /* first > seq: no overflow */
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		goto fail;
	recids_gap_set(ri, r->collector, r->epoch, lo, hi);
	return RECIDS_NEW;
fail:
	recids_db_error(ri, "read record_seqs", err);
	return RECIDS_ERROR;
}

enum recids_status recids_add(struct recids *ri, const struct recids_rec *r,
                              struct strbuf *err)
{
	const struct recids_gap *g;
	enum recids_status status;
	size_t i;

	if (ri->npending == RECIDS_PENDING_MAX && recids_flush(ri, err) < 0)
		return RECIDS_ERROR;
	/* Earlier in this transaction? */
	i = recids_map_find(&ri->pending_map, r->collector, r->epoch, r->seq);
	if (i != SIZE_MAX)
		return recids_compare(ri, &ri->pending[i], r);
	g = recids_gap_find(ri, r->collector, r->epoch);
	if (g == NULL || r->seq < g->lo || r->seq > g->hi) {
		status = recids_lookup(ri, r, err);
		if (status != RECIDS_NEW)
			return status;
	}
	ri->pending = xgrow(ri->pending, ri->npending + 1, &ri->pending_alloc, sizeof(*ri->pending), 1024);
	ri->pending[ri->npending] = *r;
	recids_map_put(&ri->pending_map, r->collector, r->epoch, r->seq, ri->npending);
	ri->npending++;
	return RECIDS_NEW;
}

/* ---- writing ---- */

static int recids_ref_cmp(const void *pa, const void *pb)
{
	const struct recids_ref *a = pa, *b = pb;

	if (a->collector != b->collector)
		return a->collector < b->collector ? -1 : 1;
	if (a->epoch != b->epoch)
		return a->epoch < b->epoch ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

static int recids_step_done(struct recids *ri, sqlite3_stmt *s, const char *what,
                            struct strbuf *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		recids_db_error(ri, what, err);
		return -1;
	}
	return 0;
}

/* Append r as a row's entry of the form before version 9 to text (whose
 * cap holds RECIDS_ROW_MAX entries). */
static void recids_format_entry(struct strbuf *text, const struct recids_rec *r, int first)
{
	const struct record_health *h = &r->health;
	const int64_t v[RECIDS_F_PARTITION] = {
		r->seq, r->window_start_ms, r->window_end_ms, r->correction != 0, r->cells,
		r->messages, h->lines_read, h->lines_malformed, h->lines_overlong,
		h->headers_untrusted, h->headers_malformed, h->messages_evicted, h->messages_late,
	};
	char buf[RECIDS_ENTRY_MAX + 1];
	size_t n = 0, f;

	if (!first)
		buf[n++] = ',';
	buf[n++] = '[';
	for (f = 0; f < RECIDS_F_PARTITION; f++) {
		n += num_format_i64(buf + n, v[f]);
		buf[n++] = ',';
	}
	if (r->source != 0) {
		n += num_format_i64(buf + n, r->partition);
		buf[n++] = ',';
		n += num_format_i64(buf + n, r->offset);
	} else {
		memcpy(buf + n, "null,null", 9);
		n += 9;
	}
	/* Only the upgrade from version 3 adds records without one. */
	if (r->has_digest) {
		buf[n++] = ',';
		n += num_format_i64(buf + n, (int64_t)r->digest);
	}
	buf[n++] = ']';
	/* Cannot fail: RECIDS_ROW_MAX entries fit the buffer's cap. */
	if (strbuf_append(text, buf, n) < 0)
		abort();
}

/* Can r go into a compact row? It has a digest and a window within the
 * limit (every record intake lets through does). */
static int recids_compactable(const struct recids_rec *r)
{
	return r->has_digest && r->window_start_ms >= -RECIDS_C_WINDOW_LIMIT &&
	       r->window_end_ms <= RECIDS_C_WINDOW_LIMIT;
}

/* Append r as entry k of a compact row (recids.h) whose first record's
 * window starts at base to text, its digest to digests[k * 8..]. */
static void recids_format_compact(struct strbuf *text, unsigned char *digests,
                                  const struct recids_rec *r, size_t k, int64_t base)
{
	const struct record_health *h = &r->health;
	const int64_t v[RECIDS_C_FIELDS] = {
		k == 0 ? r->window_start_ms : r->window_start_ms - base,
		r->window_end_ms - r->window_start_ms, r->correction != 0, r->cells, r->messages,
		r->partition, r->offset, h->lines_read, h->lines_malformed, h->lines_overlong,
		h->headers_untrusted, h->headers_malformed, h->messages_evicted, h->messages_late,
	};
	char buf[RECIDS_ENTRY_MAX + 1];
	unsigned char *d = digests + k * 8;
	size_t n = 0, f, last = RECIDS_C_FIELDS;
	uint64_t dg = r->digest;
	int i;

	/* Trailing health counters of 0, then partition and offset if the
	 * record has no source, are left out. */
	while (last > RECIDS_C_HEALTH && v[last - 1] == 0)
		last--;
	if (last == RECIDS_C_HEALTH && r->source == 0)
		last = RECIDS_C_MIN;
	if (k > 0)
		buf[n++] = ',';
	buf[n++] = '[';
	for (f = 0; f < last; f++) {
		if (f > 0)
			buf[n++] = ',';
		if ((f == RECIDS_C_PARTITION || f == RECIDS_C_OFFSET) && r->source == 0) {
			memcpy(buf + n, "null", 4);
			n += 4;
		} else {
			n += num_format_i64(buf + n, v[f]);
		}
	}
	buf[n++] = ']';
	/* Cannot fail: RECIDS_ROW_MAX entries fit the buffer's cap. */
	if (strbuf_append(text, buf, n) < 0)
		abort();
	for (i = 0; i < 8; i++, dg >>= 8)
		d[i] = (unsigned char)(dg & 0xff);
}

void recids_row_text_init(struct strbuf *text)
{
	strbuf_init(text, RECIDS_ROW_TEXT_MAX);
}

int recids_row_encode(struct strbuf *text, unsigned char *digests, const struct recids_rec *recs,
                      size_t n)
{
	int compact = 1;
	size_t i;

	if (n == 0 || n > RECIDS_ROW_MAX)
		abort();
	for (i = 0; i < n; i++)
		compact = compact && recids_compactable(&recs[i]);
	strbuf_reset(text);
	strbuf_append_byte(text, '[');
	for (i = 0; i < n; i++) {
		if (compact)
			recids_format_compact(text, digests, &recs[i], i, recs[0].window_start_ms);
		else
			recids_format_entry(text, &recs[i], i == 0);
	}
	strbuf_append_byte(text, ']');
	return compact;
}

/* Write refs[0..n) (one collector and epoch, consecutive seqs) as rows of
 * one carrier and source each, at most RECIDS_ROW_MAX records a row;
 * compact rows where the records allow it, else rows of the older form. */
static int recids_write_rows(struct recids *ri, const struct recids_ref *refs, size_t n,
                             struct strbuf *err)
{
	sqlite3_stmt *s = ri->stmt[RS_ROW_INSERT];
	size_t i = 0, j;

	while (i < n) {
		const struct recids_rec *first = &ri->pending[refs[i].index], *r = first;
		int compact = recids_compactable(first);
		int64_t min_window = INT64_MAX;

		strbuf_reset(&ri->text);
		strbuf_append_byte(&ri->text, '[');
		for (j = i; j < n && j - i < RECIDS_ROW_MAX; j++) {
			r = &ri->pending[refs[j].index];
			if (r->carrier != first->carrier || r->source != first->source ||
			    recids_compactable(r) != compact)
				break;
			if (compact)
				recids_format_compact(&ri->text, ri->digests, r, j - i,
				                      first->window_start_ms);
			else
				recids_format_entry(&ri->text, r, j == i);
			if (r->window_start_ms < min_window)
				min_window = r->window_start_ms;
		}
		strbuf_append_byte(&ri->text, ']');
		r = &ri->pending[refs[j - 1].index];
		sqlite3_bind_int64(s, 1, first->collector);
		sqlite3_bind_int64(s, 2, first->epoch);
		sqlite3_bind_int64(s, 3, first->seq);
		sqlite3_bind_int64(s, 4, r->seq);
		sqlite3_bind_int64(s, 5, first->carrier);
		if (first->source != 0)
			sqlite3_bind_int64(s, 6, first->source);
		else
			sqlite3_bind_null(s, 6);
		sqlite3_bind_text(s, 7, ri->text.data, (int)ri->text.len, SQLITE_STATIC);
		if (compact)
			sqlite3_bind_blob(s, 8, ri->digests, (int)((j - i) * 8), SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 8);
		sqlite3_bind_int64(s, 9, min_window);
		if (recids_step_done(ri, s, "write records", err) < 0)
			return -1;
		i = j;
	}
	return 0;
}

/* Merge the seqs [a, b] into the ranges of (collector, epoch): a range
 * that touches them (ends at a - 1, starts at b + 1) is joined too. */
static int recids_merge_seqs(struct recids *ri, int64_t collector, int64_t epoch, int64_t a,
                             int64_t b, struct strbuf *err)
{
	return ranges_merge(&ri->seqs, collector, epoch, a, b, a - (a > INT64_MIN),
	                    b + (b < INT64_MAX), 0, err);
}

/* refs[0..n) (one collector and epoch, seq ascending) are now stored: the
 * remembered gap keeps only its part above the last of them inside it, which
 * holds none of them. */
static void recids_gap_narrow(struct recids *ri, const struct recids_ref *refs, size_t n)
{
	struct recids_gap *g = recids_gap_find(ri, refs[0].collector, refs[0].epoch);
	size_t i = n;

	if (g == NULL || g->lo > g->hi)
		return;
	while (i > 0 && refs[i - 1].seq > g->hi)
		i--;
	if (i == 0 || refs[i - 1].seq < g->lo)
		return;
	if (refs[i - 1].seq == INT64_MAX) {
		g->lo = 1;
		g->hi = 0;
	} else {
		g->lo = refs[i - 1].seq + 1;
	}
}

int recids_flush(struct recids *ri, struct strbuf *err)
{
	struct recids_ref *refs;
	size_t n = ri->npending, i, j, k, start;
	int rc = -1;

	if (n == 0)
		return 0;
	if (n > ri->refs_alloc) {
		ri->refs_alloc = n;
		ri->refs = xreallocarray(ri->refs, n, sizeof(*ri->refs));
	}
	refs = ri->refs;
	for (i = 0; i < n; i++) {
		refs[i].collector = ri->pending[i].collector;
		refs[i].epoch = ri->pending[i].epoch;
		refs[i].seq = ri->pending[i].seq;
		refs[i].index = i;
	}
	qsort(refs, n, sizeof(*refs), recids_ref_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && refs[j].collector == refs[i].collector &&
		                refs[j].epoch == refs[i].epoch; j++)
			;
		/* Consecutive seqs are one range, and rows never span a gap, so
		 * that rows do not overlap however the seqs arrive. The seqs are
		 * distinct, so one followed by another is below INT64_MAX. */
		for (start = i, k = i + 1; k <= j; k++) {
			if (k < j && refs[k].seq == refs[k - 1].seq + 1)
				continue;
			if (recids_write_rows(ri, refs + start, k - start, err) < 0 ||
			    recids_merge_seqs(ri, refs[i].collector, refs[i].epoch, refs[start].seq,
			                      refs[k - 1].seq, err) < 0)
				goto out;
			start = k;
		}
		recids_gap_narrow(ri, refs + i, j - i);
	}
	rc = 0;
out:
	ri->npending = 0;
	recids_map_clear(&ri->pending_map);
	return rc;
}

const struct recids_rec *recids_found(const struct recids *ri)
{
	return &ri->found;
}

int recids_contains(struct recids *ri, int64_t collector, int64_t epoch, int64_t seq,
                    struct strbuf *err)
{
	sqlite3_stmt *s = ri->stmt[RS_SEQ_AT];
	int step, stored = 0;

	if (recids_map_find(&ri->pending_map, collector, epoch, seq) != SIZE_MAX)
		return 1;
	sqlite3_bind_int64(s, 1, collector);
	sqlite3_bind_int64(s, 2, epoch);
	sqlite3_bind_int64(s, 3, seq);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		stored = sqlite3_column_int64(s, 1) >= seq;
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		recids_db_error(ri, "read record_seqs", err);
		return -1;
	}
	return stored;
}
