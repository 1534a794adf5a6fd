/*
 * store_query - what the reports read from the store (store.h): each
 * carrier's totals over a stretch of time, from the per-day and
 * per-quarter-hour totals ingest wrote, and the runs of covered time the
 * coverage report reads gaps from.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "mem.h"
#include "store_int.h"
#include "timeutil.h"

/* Round up to a multiple of unit (unit > 0), also below zero. */
static int64_t store_ceil_to(int64_t ms, int64_t unit)
{
	return -time_floor_div(-ms, unit) * unit;
}

/* *sum += messages, or INT64_MAX (or INT64_MIN) and t->overflow set if
 * that would pass it: a store written before today's limits may hold rows
 * whose sum no int64 holds, and a report must still be written. */
static void store_totals_sum(struct store_totals *t, int64_t *sum, int64_t messages)
{
	if (__builtin_add_overflow(*sum, messages, sum)) {
		*sum = messages > 0 ? INT64_MAX : INT64_MIN;
		t->overflow = 1;
	}
}

/* Add one row of an item to t. 0, or -1 for an item this store does not
 * have. */
static int store_totals_add(const struct store *st, struct store_totals *t, int64_t item,
                            int64_t messages)
{
	int method, v, f;
	enum store_item_kind kind = store_item_decode(item, &method, &v, &f);
	enum ar_fate fate;
	int counted;

	if (kind == ITEM_NONE)
		return -1;
	/* The population of the shares is what was not refused. */
	fate = (enum ar_fate)st->vocab_to_enum[VOCAB_FATES][f];
	counted = fate == FATE_UNKNOWN || fate == FATE_ACCEPTED;
	switch (kind) {
	case ITEM_RESULT:
		v = st->vocab_to_enum[kind][v];
		store_totals_sum(t, &t->fate_results[fate][method][v], messages);
		if (counted)
			store_totals_sum(t, &t->results[method][v], messages);
		return 0;
	case ITEM_POLICY:
		if (counted)
			store_totals_sum(t, &t->dmarc_policy[st->vocab_to_enum[kind][v]], messages);
		return 0;
	case ITEM_SPAM:
		if (counted)
			store_totals_sum(t, &t->spam[st->vocab_to_enum[kind][v]], messages);
		return 0;
	case ITEM_MESSAGES:
		store_totals_sum(t, &t->fate_messages[fate], messages);
		if (counted)
			store_totals_sum(t, &t->messages, messages);
		return 0;
	case ITEM_NONE:
		break;
	}
	return -1;
}

/*
 * Are the quarter-hour totals of [lo, hi) (bucket starts, within at most
 * two UTC days) gone? Sealing deletes them for a month's inner days
 * (seal_totals), since a month in any zone needs them only on its first
 * and last UTC day; a range that begins or ends inside another sealed day
 * (no report asks for one today) would read those days as empty. 1 with
 * the day in err, or 0.
 */
static int store_totals_pruned(struct store *st, int64_t lo, int64_t hi, struct strbuf *err)
{
	int64_t day[2], k;
	char when[32];

	if (hi <= lo)
		return 0;
	day[0] = time_floor_div(lo, STORE_DAY_MS) * STORE_DAY_MS;
	day[1] = time_floor_div(hi - 1, STORE_DAY_MS) * STORE_DAY_MS;
	for (k = 0; k < 2; k++) {
		if (store_is_sealed(st, day[k]) && !store_seal_keeps_totals(day[k])) {
			time_format_utc(day[k], when, sizeof(when));
			strbuf_printf(err, "%s: the day from %s is sealed and its quarter-hour totals "
			                   "are gone: a range can begin or end inside a sealed UTC day only "
			                   "on a month's first or last day", st->path, when);
			return 1;
		}
	}
	return 0;
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
	if (day_lo < day_hi ? store_totals_pruned(st, lo, day_lo, err) ||
	                          store_totals_pruned(st, day_hi, hi, err)
	                    : store_totals_pruned(st, lo, hi, err))
		return -1;
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
		    0)
			t.unknown_items = 1;
	}
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

int store_count_conflicts(struct store *st, const char *carrier, const char *collector,
                          int64_t start_ms, int64_t end_ms, int64_t *n, struct strbuf *err)
{
	sqlite3_stmt *s = st->stmt[ST_COUNT_CONFLICTS];
	int step;

	sqlite3_bind_text(s, 1, carrier, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, collector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, start_ms);
	sqlite3_bind_int64(s, 4, end_ms);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (step != SQLITE_ROW) {
		store_db_error(st, "count conflicts", err);
		return -1;
	}
	return 0;
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
		run.vouched = sqlite3_column_int(s, 5) != 0;
		/* Whatever is stored must report: a row no version wrote is left
		 * out, and the coverage shows its windows as missing. */
		if (run.carrier == NULL || run.collector == NULL || run.start_ms >= run.end_ms ||
		    run.window_ms <= 0) {
			msg_warn("%s: a row of %s that is no span (%lld to %lld, window %lld ms) "
			         "is left out", st->path, run.vouched ? "vouched" : "runs",
			         (long long)run.start_ms, (long long)run.end_ms,
			         (long long)run.window_ms);
			continue;
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

int store_state_read(struct store *st, struct store_state *out, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	size_t alloc = 0;
	int rc = -1, step;

	memset(out, 0, sizeof(*out));
	/* Summing the ranges reads a row per run of seqs, not one per record. */
	if (store_query_int(st, "SELECT COALESCE(SUM(last_seq - first_seq + 1), 0) FROM record_seqs",
	                    &out->records, err) < 0 ||
	    store_query_int(st, "SELECT COUNT(*) FROM dead_letters", &out->dead_letters, err) < 0)
		goto out;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT topic, partition, next_offset FROM positions "
	                       "ORDER BY topic, partition", -1, &s, NULL) != SQLITE_OK) {
		store_db_error(st, "read positions", err);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *topic = sqlite3_column_text(s, 0);
		struct store_position *p;

		if (topic == NULL) {
			strbuf_printf(err, "%s: malformed row in positions", st->path);
			goto out;
		}
		out->positions = xgrow(out->positions, out->npositions + 1, &alloc,
		                       sizeof(*out->positions), 16);
		p = &out->positions[out->npositions++];
		p->topic = xstrdup((const char *)topic);
		p->partition = (int32_t)sqlite3_column_int(s, 1);
		p->next_offset = sqlite3_column_int64(s, 2);
	}
	if (step != SQLITE_DONE) {
		store_db_error(st, "read positions", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

void store_state_release(struct store_state *s)
{
	size_t i;

	for (i = 0; i < s->npositions; i++)
		free(s->positions[i].topic);
	free(s->positions);
	memset(s, 0, sizeof(*s));
}
