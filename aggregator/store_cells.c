/*
 * store_cells - ingest's side of the store (store.h): the one write
 * transaction, each record's identity (recids.h), its cells and its
 * carrier's totals gathered in memory and written at commit, sorted, as
 * counts_packed rows and carrier_totals and carrier_day_totals rows, the
 * windows covered merged into runs, dead letters and Kafka positions.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "checkpointer.h"
#include "digest.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "ranges.h"
#include "recids.h"
#include "store_int.h"
#include "timeutil.h"

/* Cells gathered in memory before they are written, even inside one
 * transaction: a batch of records with thousands of cells each must not
 * grow the process without bound. 2^20 cells are 16 MiB (and their keys at
 * most 40 MiB more). */
#define STORE_PENDING_MAX (1u << 20)
/* ... and messages: the counts gathered add up to at most this, so that no
 * sum in memory can overflow. */
#define STORE_PENDING_MESSAGES_MAX (INT64_MAX / 2)
_Static_assert(STORE_PENDING_MAX < UINT32_MAX / 2, "key indexes fit the slots");
_Static_assert(RECORD_CELLS_MAX <= STORE_PENDING_MAX, "a record's cells fit the pending bound");
_Static_assert(STORE_CELL_MESSAGES_MAX <= STORE_PENDING_MESSAGES_MAX / RECORD_CELLS_MAX,
               "a record's messages fit the pending bound");
/* Name caches are dropped when they pass this size; a stream inventing
 * collector names then costs look-ups, not memory. */
#define STORE_NAME_CACHE_MAX 100000
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
/* The longest entry of a counts_packed row, ,393659,9223372036854775807
 * (a first id or a delta of at most 6 digits), and so the longest row: every
 * combination once. */
#define STORE_PACKED_ENTRY_MAX (1 + 6 + 1 + 19)
#define STORE_PACKED_MAX (2 + (size_t)RECORD_CELLS_MAX * STORE_PACKED_ENTRY_MAX)
_Static_assert(RECORD_CELLS_MAX <= 1000000, "a cell id has at most 6 digits");

_Static_assert(STORE_DAY_MS % STORE_BUCKET_MS == 0, "a day is whole buckets");

/* A new cache for each name table: the ids of a transaction rolled back are
 * gone with it. */
static void store_names_reset(struct store *st)
{
	int i;

	for (i = 0; i < NAMES_COUNT; i++) {
		htable_free(st->names[i], NULL);
		st->names[i] = htable_new(64);
	}
}

void store_cells_init(struct store *st)
{
	strbuf_init(&st->packed, STORE_PACKED_MAX);
	store_names_reset(st);
	st->content = digest_new();
}

void store_cells_release(struct store *st)
{
	int i;

	for (i = 0; i < NAMES_COUNT; i++)
		htable_free(st->names[i], NULL);
	digest_free(st->content);
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
	free(st->vouches);
	ranges_release(&st->vouched);
	free(st->stored.v);
	free(st->merged.v);
	free(st->sealacc.v);
	free(st->sealed);
	strbuf_release(&st->packed);
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
	/* Under the write lock: a day another process sealed since the last
	 * batch is seen before any record of it is added. */
	if (store_load_sealed(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_load_sealed(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_SEALED_ALL];
	int step;

	st->nsealed = 0;
	st->sealed_end = INT64_MIN;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(s, 0), end = sqlite3_column_int64(s, 1);

		/* Days are sealed oldest first, so they join into one span (or a
		 * few, around days never sealed): store_is_sealed's search stays
		 * short however many years of days the table holds. */
		if (st->nsealed > 0 && st->sealed[st->nsealed - 1][1] == start) {
			st->sealed[st->nsealed - 1][1] = end;
		} else {
			st->sealed = xgrow(st->sealed, st->nsealed + 1, &st->sealed_alloc,
			                   sizeof(*st->sealed), 16);
			st->sealed[st->nsealed][0] = start;
			st->sealed[st->nsealed][1] = end;
			st->nsealed++;
		}
		if (end > st->sealed_end)
			st->sealed_end = end;
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		store_db_error(st, "read sealed", err);
		return -1;
	}
	return 0;
}

int store_is_sealed(const struct store *st, int64_t ms)
{
	size_t lo = 0, hi = st->nsealed, mid;

	/* Most records are of days not sealed: one comparison. */
	if (ms >= st->sealed_end)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (st->sealed[mid][1] <= ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->nsealed && st->sealed[lo][0] <= ms;
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
	st->nvouches = 0;
	st->in_txn = 0;
}

int64_t store_bucket_of(int64_t ms)
{
	return time_floor_div(ms, STORE_BUCKET_MS) * STORE_BUCKET_MS;
}

/* ---- writing ---- */

/* Step a statement that returns no row, and reset it for the next use. */
int store_step_done(struct store *st, sqlite3_stmt *s, struct strbuf *err)
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

/* name's id from the cache (*cached 1) or the table: 1 and *id, 0 if it is
 * in neither, -1 with err. */
static int store_name_lookup(struct store *st, enum store_names which, const char *name,
                             size_t len, int64_t *id, int *cached, struct strbuf *err)
{
	void *hit = htable_find(st->names[which], name, len);
	sqlite3_stmt *s;
	int rc;

	*cached = hit != NULL;
	if (hit != NULL) {
		*id = (int64_t)(uintptr_t)hit;
		return 1;
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
	return rc == SQLITE_ROW;
}

int store_find_name(struct store *st, enum store_names which, const char *name, int64_t *id,
                    struct strbuf *err)
{
	int cached;

	return store_name_lookup(st, which, name, strlen(name), id, &cached, err);
}

int store_intern(struct store *st, enum store_names which, const char *name, int64_t *id,
                 struct strbuf *err)
{
	struct htable *cache;
	size_t len = strlen(name);
	sqlite3_stmt *s;
	int rc, cached;

	rc = store_name_lookup(st, which, name, len, id, &cached, err);
	if (rc < 0)
		return -1;
	if (cached)
		return 0;
	if (rc == 0) {
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
	cache = st->names[which];
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
	    h->messages_late < 0 || h->input_losses < 0) {
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
		if ((unsigned)c->dmarc_policy >= POL_COUNT || (unsigned)c->spam >= SPAM_COUNT ||
		    (unsigned)c->fate >= FATE_COUNT) {
			strbuf_printf(why, "cell %zu: policy, spam verdict or fate out of range", i);
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
size_t store_keyset_index(struct store_keyset *ks, int64_t bucket, int64_t carrier,
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

void store_keyset_clear(struct store_keyset *ks)
{
	ks->n = 0;
	if (ks->slots != NULL)
		memset(ks->slots, 0, ks->nslots * sizeof(*ks->slots));
}

/* The STORE_ITEMS_ALL sums of key index i of a keyset whose sums are *sums
 * (room for *alloc keys), zeroed when first reached. */
static int64_t *store_item_sums(int64_t **sums, size_t *alloc, size_t i)
{
	if (i >= *alloc) {
		size_t had = *alloc;

		*sums = xgrow(*sums, i + 1, alloc, STORE_ITEMS_ALL * sizeof(**sums), 64);
		memset(*sums + had * STORE_ITEMS_ALL, 0,
		       (*alloc - had) * STORE_ITEMS_ALL * sizeof(**sums));
	}
	return *sums + i * STORE_ITEMS_ALL;
}

/* Forget the gathered counts (written, or rolled back). */
static void store_tally_clear(struct store *st)
{
	size_t n = st->itemkeys.n < st->itemsums_alloc ? st->itemkeys.n : st->itemsums_alloc;

	if (st->itemsums != NULL)
		memset(st->itemsums, 0, n * STORE_ITEMS_ALL * sizeof(*st->itemsums));
	store_keyset_clear(&st->cellkeys);
	store_keyset_clear(&st->itemkeys);
	st->npending = 0;
	st->pending_messages = 0;
}

/* Gather [start, end) of (carrier, collector) into *spans (*n of them,
 * room for *alloc), with b's window length. */
static void store_add_span(struct store_span **spans, size_t *n, size_t *alloc, int64_t carrier,
                           int64_t collector, int64_t start, int64_t end,
                           const struct record_batch *b)
{
	struct store_span *sp;

	*spans = xgrow(*spans, *n + 1, alloc, sizeof(**spans), 256);
	sp = &(*spans)[(*n)++];
	sp->carrier = carrier;
	sp->collector = collector;
	sp->start = start;
	sp->end = end;
	sp->window = b->window_end_ms - b->window_start_ms;
}

/* The id of a cell's combination (all enums in range): record_cell_key's
 * number of the cell as the store's vocabulary spells it (store.h), the
 * file's ids standing in for the enum values. */
static uint32_t store_cell_id(const struct store *st, const struct record_cell *c)
{
	struct record_cell v;
	int m;

	/* Every cell of every record comes here; copying it to translate
	 * nothing cost a third more than the lookups alone. */
	if (st->vocab_is_enum)
		return record_cell_key(c);
	for (m = 0; m < AR_METHOD_COUNT; m++)
		v.result[m] = (enum ar_result)st->enum_to_vocab[VOCAB_RESULTS][c->result[m]];
	v.dmarc_policy = (enum ar_policy)st->enum_to_vocab[VOCAB_POLICIES][c->dmarc_policy];
	v.spam = (enum ar_spam)st->enum_to_vocab[VOCAB_SPAM][c->spam];
	v.fate = (enum ar_fate)st->enum_to_vocab[VOCAB_FATES][c->fate];
	v.messages = 0;
	return record_cell_key(&v);
}

/* Put v into p as 8 little-endian bytes; returns p + 8. */
static unsigned char *store_put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

/*
 * The content digest of b (recids.h): SHA-256 over the number of cells,
 * each cell's combination (record_cell_key of the enum values, so the same
 * in every store) and count, and the health counters, each as 8
 * little-endian bytes, in that order; its first 8 bytes as a little-endian
 * number. The bytes go to libcrypto a buffer at a time, not a number at a
 * time (each call costs more than the hashing of 16 bytes).
 */
static uint64_t store_content_digest(struct digest *ctx, const struct record_batch *b)
{
	const int64_t *h = &b->health.lines_read;
	unsigned char buf[64 * 16], *p = buf, out[DIGEST_SHA256_LEN];
	uint64_t v = 0;
	size_t i;
	int k;

	_Static_assert(sizeof(b->health) == 8 * sizeof(int64_t), "eight health counters");
	digest_reset(ctx);
	p = store_put_le64(p, (uint64_t)b->ncells);
	for (i = 0; i < b->ncells; i++) {
		if (p + 16 > buf + sizeof(buf)) {
			digest_update(ctx, buf, (size_t)(p - buf));
			p = buf;
		}
		p = store_put_le64(p, record_cell_key(&b->cells[i]));
		p = store_put_le64(p, (uint64_t)b->cells[i].messages);
	}
	digest_update(ctx, buf, (size_t)(p - buf));
	p = buf;
	for (k = 0; k < 7; k++)
		p = store_put_le64(p, (uint64_t)h[k]);
	/* Schema v2's additions only when they say something, so that a batch
	 * v1 could carry keeps the digest stored for it before v2 existed. */
	if (b->health.input_losses != 0 || b->vouch_start_ms != 0 || b->vouch_end_ms != 0) {
		p = store_put_le64(p, (uint64_t)b->health.input_losses);
		p = store_put_le64(p, (uint64_t)b->vouch_start_ms);
		p = store_put_le64(p, (uint64_t)b->vouch_end_ms);
	}
	digest_update(ctx, buf, (size_t)(p - buf));
	digest_final(ctx, out);
	for (k = 7; k >= 0; k--)
		v = v << 8 | out[k];
	return v;
}

/* Keep the conflict of r with the record recids met under its identity, in
 * that record's carrier and window: the counts in question are the stored
 * record's. Once per identity and digest of r. 0, or -1 with err. */
static int store_add_conflict(struct store *st, const struct recids_rec *r, struct strbuf *err)
{
	const struct recids_rec *found = recids_found(st->recids);
	sqlite3_stmt *s = st->stmt[ST_ADD_CONFLICT];
	int rc;

	sqlite3_bind_int64(s, 1, r->collector);
	sqlite3_bind_int64(s, 2, r->epoch);
	sqlite3_bind_int64(s, 3, r->seq);
	sqlite3_bind_int64(s, 4, (int64_t)r->digest);
	sqlite3_bind_int64(s, 5, found->carrier);
	sqlite3_bind_int64(s, 6, found->window_start_ms);
	sqlite3_bind_int64(s, 7, found->window_end_ms);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_db_error(st, "add conflict", err);
		return -1;
	}
	return 0;
}

/* b's window is in a sealed day: it is not stored, whatever it is; its
 * identity (looked up, never added, nor its names) says whether it was. */
static enum store_add_status store_add_sealed(struct store *st, const struct record_batch *b,
                                              struct strbuf *err)
{
	int64_t collector;
	int rc;

	rc = store_find_name(st, NAMES_COLLECTORS, b->collector, &collector, err);
	if (rc > 0)
		rc = recids_contains(st->recids, collector, b->epoch, b->seq, err);
	if (rc < 0)
		return STORE_ERROR;
	return rc > 0 ? STORE_SEALED_DUPLICATE : STORE_DAY_SEALED;
}

int store_prepare_record(struct digest *ctx, const struct record_batch *b,
                         struct store_prepared *p, struct strbuf *why)
{
	p->valid = 0;
	p->digest = 0;
	if (store_batch_check(b, why) < 0)
		return -1;
	p->valid = 1;
	p->digest = store_content_digest(ctx, b);
	return 0;
}

enum store_add_status store_add_record(struct store *st, const struct record_batch *b,
                                       const struct store_source *src, struct strbuf *err)
{
	struct store_prepared p;

	if (store_prepare_record(st->content, b, &p, err) < 0)
		return STORE_INVALID;
	return store_add_prepared(st, b, &p, NULL, src, err);
}

enum store_add_status store_add_prepared(struct store *st, const struct record_batch *b,
                                         const struct store_prepared *p, const char *why_invalid,
                                         const struct store_source *src, struct strbuf *err)
{
	struct recids_rec rr;
	int64_t bucket, total = 0;
	int64_t carrier, collector, source = 0;
	size_t i;

	if (!st->in_txn)
		msg_panic("store_add_record: no transaction");
	if (!p->valid) {
		if (why_invalid != NULL)
			strbuf_append_str(err, why_invalid);
		return STORE_INVALID;
	}
	/* Only after the check: the bucket of an extreme start overflows. */
	bucket = store_bucket_of(b->window_start_ms);
	if (store_is_sealed(st, b->window_start_ms))
		return store_add_sealed(st, b, err);
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
	rr.digest = p->digest;
	rr.has_digest = 1;
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
		return store_add_conflict(st, &rr, err) < 0 ? STORE_ERROR : STORE_CONFLICT;
	case RECIDS_CONTENT_CONFLICT:
		return store_add_conflict(st, &rr, err) < 0 ? STORE_ERROR : STORE_CONTENT_CONFLICT;
	case RECIDS_UNVERIFIED:
		return STORE_UNVERIFIED;
	case RECIDS_GONE:
		/* Only sealing removes a record whose identity stays. */
		if (st->nsealed > 0)
			return STORE_SEALED_CONFLICT;
		strbuf_printf(err, "%s: seq %lld is in record_seqs without its record", st->path,
		              (long long)b->seq);
		return STORE_ERROR;
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

		st->pending = xgrow(st->pending, st->npending + b->ncells, &st->pending_alloc,
		                    sizeof(*st->pending), 4096);
		for (i = 0; i < b->ncells; i++) {
			const struct record_cell *c = &b->cells[i];
			struct store_pending *pc = &st->pending[st->npending++];
			/* The cell's fate's items: fate unknown's, shifted. */
			int64_t *fs = sums + st->item_fate[c->fate];
			int m;

			pc->key = key;
			pc->cell = store_cell_id(st, c);
			pc->messages = c->messages;
			for (m = 0; m < AR_METHOD_COUNT; m++)
				fs[st->item_result[m][c->result[m]]] += c->messages;
			if (c->result[AR_DMARC] != AR_ABSENT)
				fs[st->item_policy[c->dmarc_policy]] += c->messages;
			fs[st->item_spam[c->spam]] += c->messages;
			fs[st->item_messages] += c->messages;
		}
		st->pending_messages += total;
	}
	/* A correction adds late counts to a window already received (or lost):
	 * it says nothing about whether the window itself arrived; nor does a
	 * vouch-only record, whose window is merely the last of its span. */
	if (!b->correction && !record_batch_vouch_only(b))
		store_add_span(&st->spans, &st->nspans, &st->spans_alloc, carrier, collector,
		               b->window_start_ms, b->window_end_ms, b);
	if (b->vouch_end_ms > b->vouch_start_ms)
		store_add_span(&st->vouches, &st->nvouches, &st->vouches_alloc, carrier, collector,
		               b->vouch_start_ms, b->vouch_end_ms, b);
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
		v = sums + refs[i].index * STORE_ITEMS_ALL;
		for (item = 0; item < STORE_ITEMS_ALL; item++) {
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
		v = st->itemsums + i * STORE_ITEMS_ALL;
		d = store_keyset_index(&st->daykeys,
		                       time_floor_div(st->itemkeys.k[i].bucket, STORE_DAY_MS) *
		                               STORE_DAY_MS,
		                       st->itemkeys.k[i].carrier, 0);
		day = store_item_sums(&st->daysums, &st->daysums_alloc, d);
		/* No overflow: all sums together are at most pending_messages. */
		for (item = 0; item < STORE_ITEMS_ALL; item++)
			day[item] += v[item];
	}
	refs = store_sorted_keys(st, &st->daykeys);
	if (store_write_items(st, st->stmt[ST_ADD_DAY_TOTAL], refs, st->daykeys.n, st->daysums,
	                      err) < 0)
		goto out;
	rc = 0;
out:
	if (st->daysums != NULL)
		memset(st->daysums, 0, st->daykeys.n * STORE_ITEMS_ALL * sizeof(*st->daysums));
	store_keyset_clear(&st->daykeys);
	return rc;
}

/* ---- counts_packed rows ----
 *
 * A row's cells are a JSON array of pairs, [cell,messages,delta,messages,
 * ...]: the first cell's id, then each next cell's id less the one before
 * it (ids ascending, so every delta is at least 1), every count at least
 * 1, no blanks. Rows written before schema version 9 are a JSON object,
 * {"cell id":messages,...}, ids ascending; both forms are read, only the
 * array is written (a row is rewritten in it when a batch adds to it). The
 * array of deltas takes 5 to 6 bytes a cell where the object took 10 (a
 * row of a collector's quarter-hour: 0.5 KB instead of 0.85). JSON because
 * the file must read without the program: the counts view needs nothing
 * but SQLite's built-in JSON and window functions. store_cells_parse()
 * below reads for merging exactly the forms written, nothing else.
 *
 * A row is read, merged with the batch's cells of its key and written back
 * once per batch. In the benchmark (results/aggregator-benchmark.md) a batch
 * of 20,000 records holds about 110,000 cells and touches two to three
 * thousand rows, where one row per cell meant one upsert per distinct cell,
 * 80,000 or so, and the largest part of ingest's time.
 */

void store_cellvec_push(struct store_cellvec *cv, int64_t cell, int64_t messages)
{
	cv->v = xgrow(cv->v, cv->n + 1, &cv->alloc, sizeof(*cv->v), 256);
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
		if (d > max || v > (max - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	*out = v;
	return p;
}

/* A row's cells of the form before schema version 9 ({"id":messages,...})
 * into st->stored. 0, or -1 if the text is anything else. */
static int store_cells_parse_object(struct store *st, const unsigned char *p,
                                    const unsigned char *end)
{
	uint64_t cell, messages;
	int64_t prev = -1;

	if (p == end || *p++ != '{')
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

/* (store_int.h) Exactly the forms store_cells_format writes and wrote
 * before version 9. The ids being ascending and below RECORD_CELLS_MAX
 * bounds the vector. */
int store_cells_parse(struct store *st, const unsigned char *text, size_t len)
{
	const unsigned char *p = text, *end = text + len;
	uint64_t delta, messages;
	int64_t cell = -1;

	st->stored.n = 0;
	if (text == NULL || p == end)
		return -1;
	if (*p == '{')
		return store_cells_parse_object(st, p, end);
	if (*p++ != '[')
		return -1;
	for (;;) {
		/* The first id may be 0; every delta after it is at least 1. */
		p = store_parse_uint(p, end, (uint64_t)(RECORD_CELLS_MAX - 1 - (cell < 0 ? 0 : cell)),
		                     &delta);
		if (p == NULL || (cell >= 0 && delta == 0) || p == end || *p++ != ',')
			return -1;
		cell = cell < 0 ? (int64_t)delta : cell + (int64_t)delta;
		p = store_parse_uint(p, end, INT64_MAX, &messages);
		if (p == NULL || messages == 0 || p == end)
			return -1;
		store_cellvec_push(&st->stored, cell, (int64_t)messages);
		if (*p == ']')
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
		entry[n++] = i == 0 ? '[' : ',';
		n += num_format_u64(entry + n,
		                    (uint64_t)(i == 0 ? cv->v[i].cell : cv->v[i].cell - cv->v[i - 1].cell));
		entry[n++] = ',';
		n += num_format_u64(entry + n, (uint64_t)cv->v[i].messages);
		if (strbuf_append(&st->packed, entry, n) < 0)
			goto toolong;
	}
	if (strbuf_append_byte(&st->packed, ']') < 0)
		goto toolong;
	return 0;
toolong:
	/* Cannot happen: at most RECORD_CELLS_MAX distinct ids fit the cap. */
	strbuf_printf(err, "%s: counts row longer than %zu bytes", st->path, (size_t)STORE_PACKED_MAX);
	return -1;
}

int store_write_row(struct store *st, sqlite3_stmt *ins, int64_t bucket, int64_t carrier,
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

int store_cells_merge(struct store *st, const struct store_cellcount *g, size_t k,
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

#define STORE_CELL_DIGIT_BITS 10
_Static_assert(RECORD_CELLS_MAX <= 1 << (2 * STORE_CELL_DIGIT_BITS), "two digits hold a cell id");

/* The digit of p a radix pass sorts on. */
static inline size_t store_radix_digit(const struct store_pending *p, enum store_digit digit,
                                       const uint32_t *rank)
{
	if (digit == DIGIT_KEY)
		return rank[p->key];
	if (digit == DIGIT_CELL_LOW)
		return p->cell & ((1u << STORE_CELL_DIGIT_BITS) - 1);
	return p->cell >> STORE_CELL_DIGIT_BITS;
}

/* One stable counting-sort pass of src[0..n) into dst on a digit below
 * nbuckets; count has room for nbuckets + 1. */
static void store_radix_pass(const struct store_pending *src, struct store_pending *dst, size_t n,
                             enum store_digit digit, const uint32_t *rank, size_t *count,
                             size_t nbuckets)
{
	size_t i, d;

	memset(count, 0, (nbuckets + 1) * sizeof(*count));
	for (i = 0; i < n; i++)
		count[store_radix_digit(&src[i], digit, rank) + 1]++;
	for (d = 0; d < nbuckets; d++)
		count[d + 1] += count[d];
	for (i = 0; i < n; i++)
		dst[count[store_radix_digit(&src[i], digit, rank)]++] = src[i];
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

/* Merge the n gathered spans sp among themselves first (a batch usually
 * holds several consecutive windows of each collector), then into the
 * table of r. Overlapping, repeated and touching spans, in any order, join;
 * a collector's spans of different epochs alike (the key has no epoch). */
static int store_flush_spanlist(struct store_span *sp, size_t n, struct ranges *r,
                                struct strbuf *err)
{
	size_t i, out = 0;

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
		if (ranges_merge(r, sp[i].carrier, sp[i].collector, sp[i].start, sp[i].end,
		                 sp[i].start, sp[i].end, sp[i].window, err) < 0)
			return -1;
	}
	return 0;
}

/* The windows covered (table runs) and the spans vouched for (vouched). */
static int store_flush_spans(struct store *st, struct strbuf *err)
{
	if (store_flush_spanlist(st->spans, st->nspans, &st->runs, err) < 0 ||
	    store_flush_spanlist(st->vouches, st->nvouches, &st->vouched, err) < 0)
		return -1;
	st->nspans = st->nvouches = 0;
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
