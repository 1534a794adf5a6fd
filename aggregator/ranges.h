/*
 * ranges - sets of disjoint intervals kept in an SQLite table, one set per
 * key of two integers, merged as intervals arrive: the stretches of time a
 * collector's windows cover (store_cells.c, table runs) and the seqs of a
 * collector's records stored (recids.c, table record_seqs).
 *
 * The table's owner prepares four statements on it, with these parameters
 * (?1 and ?2 the key, ?3 an interval's start, ?4 its end):
 *   before  SELECT start, end ... WHERE key AND start <= ?3
 *           ORDER BY start DESC
 *   del     DELETE ... WHERE key AND start = ?3
 *   ins     INSERT ... (key, ?3 start, ?4 end [, ?5])
 *   upd     UPDATE ... SET end = ?4 [, ... = ?5] WHERE key AND start = ?3
 * ins and upd may take a fifth parameter, a value kept with the interval
 * (runs keep the length of the last window), set to that of the interval
 * last merged.
 */
#ifndef ARSTAT_AGGREGATOR_RANGES_H
#define ARSTAT_AGGREGATOR_RANGES_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "strbuf.h"

struct ranges {
	sqlite3 *db;
	const char *what; /* the table's name, for messages */
	sqlite3_stmt *before, *del, *ins, *upd;
	int64_t *starts;  /* scratch of ranges_merge */
	size_t starts_alloc;
};

/*
 * Merge [lo, hi] into the intervals of (k1, k2): every interval that
 * reaches into [reach_lo, reach_hi] is replaced, with [lo, hi], by their
 * union (so reach = [lo, hi] joins half-open intervals that touch, and
 * reach = [lo - 1, hi + 1] closed ones). The intervals being disjoint and
 * not reaching each other, walking back from the last one starting at or
 * before reach_hi stops at the first that ends before reach_lo. 0, or -1
 * with err; the caller's transaction is then to be rolled back.
 */
int ranges_merge(struct ranges *r, int64_t k1, int64_t k2, int64_t lo, int64_t hi,
                 int64_t reach_lo, int64_t reach_hi, int64_t extra, struct strbuf *err);
/* Free the scratch (the statements are the owner's). */
void ranges_release(struct ranges *r);

#endif
