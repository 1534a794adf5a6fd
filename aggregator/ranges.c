#include "ranges.h"

#include <stdlib.h>

#include "mem.h"

static int ranges_error(const struct ranges *r, const char *verb, struct strbuf *err)
{
	strbuf_printf(err, "store: %s %s: %s", verb, r->what, sqlite3_errmsg(r->db));
	return -1;
}

/* Bind the key and an interval's start to s (and the rest as it takes). */
static void ranges_bind(sqlite3_stmt *s, int64_t k1, int64_t k2, int64_t start)
{
	sqlite3_bind_int64(s, 1, k1);
	sqlite3_bind_int64(s, 2, k2);
	sqlite3_bind_int64(s, 3, start);
}

static int ranges_write(const struct ranges *r, sqlite3_stmt *s, struct strbuf *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : ranges_error(r, "write", err);
}

/* ins or upd for [lo, hi] with extra. */
static int ranges_put(const struct ranges *r, sqlite3_stmt *s, int64_t k1, int64_t k2,
                      int64_t lo, int64_t hi, int64_t extra, struct strbuf *err)
{
	ranges_bind(s, k1, k2, lo);
	sqlite3_bind_int64(s, 4, hi);
	if (sqlite3_bind_parameter_count(s) >= 5)
		sqlite3_bind_int64(s, 5, extra);
	return ranges_write(r, s, err);
}

int ranges_merge(struct ranges *r, int64_t k1, int64_t k2, int64_t lo, int64_t hi,
                 int64_t reach_lo, int64_t reach_hi, int64_t extra, struct strbuf *err)
{
	sqlite3_stmt *s = r->before;
	int64_t start, end;
	size_t n = 0, i;
	int step;

	/* The intervals found are collected before any is changed, as SQLite
	 * does not promise what a query sees of rows changed while it steps. */
	ranges_bind(s, k1, k2, reach_hi);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		start = sqlite3_column_int64(s, 0);
		end = sqlite3_column_int64(s, 1);
		if (end < reach_lo)
			break;
		r->starts = xgrow(r->starts, n + 1, &r->starts_alloc, sizeof(*r->starts), 16);
		r->starts[n++] = start;
		if (start < lo)
			lo = start;
		if (end > hi)
			hi = end;
	}
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return ranges_error(r, "read", err);
	/* The usual case: [lo, hi] continues the key's last interval. */
	if (n == 1 && r->starts[0] == lo)
		return ranges_put(r, r->upd, k1, k2, lo, hi, extra, err);
	for (i = 0; i < n; i++) {
		ranges_bind(r->del, k1, k2, r->starts[i]);
		if (ranges_write(r, r->del, err) < 0)
			return -1;
	}
	return ranges_put(r, r->ins, k1, k2, lo, hi, extra, err);
}

void ranges_release(struct ranges *r)
{
	free(r->starts);
	r->starts = NULL;
	r->starts_alloc = 0;
}
