/*
 * coverage - which windows each collector covered, month by month, read
 * from the store's runs (stretches of windows received) and vouched spans
 * (stretches the collector read through, so that a window in them without a
 * record had no lines; see store.h), so that an incomplete month is never
 * published as if it were complete.
 *
 * Rules (README.md, "Coverage"):
 *   - A window of a collector is covered when its record arrived or it lies
 *     in a span the collector vouched for: a quiet hour on a host that
 *     vouched for it is no gap; an hour it was down, vouched for by nothing,
 *     is.
 *   - A carrier's horizon is the end of the newest window any of its
 *     collectors covered; the store's horizon is the newest of all.
 *   - A collector is expected to cover from the start of its first covered
 *     window until its carrier's horizon: once it has reported, silence is
 *     missing data. A collector named as retired is expected only until the
 *     end of its last covered window (a host taken out of service, or whose
 *     state directory was re-created and so got a new pseudonym).
 *   - In a month, a collector's expected span is that interval cut to the
 *     month; windows expected and received are the span and the covered part
 *     of it divided by the collector's window length (rounded half up).
 *     Holes between its covered stretches are gaps; silence from its last
 *     covered window to the end of the span is a gap of kind "stopped".
 *   - A carrier whose horizon falls inside the month is "pending": its data
 *     for the rest of the month has not arrived (or it stopped providing).
 *     A carrier whose horizon is before the month is not in the month.
 *   - A month (in a scope) is complete when no window is missing, no
 *     carrier is pending, and the store's horizon is at or after its end.
 */
#ifndef ARSTAT_AGGREGATOR_COVERAGE_H
#define ARSTAT_AGGREGATOR_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "strbuf.h"

struct coverage;

/* Never returns NULL. */
struct coverage *coverage_new(void);
/* coverage_free(NULL) is a no-op. */
void coverage_free(struct coverage *c);

/* Mark a collector (by pseudonym) as retired. Before any run is added. */
void coverage_retire(struct coverage *c, const char *collector);
/*
 * Add a run or a vouched span (run->vouched). They must come in store_runs()
 * order (carrier, collector, start); runs must not overlap or touch other
 * runs of the collector, nor vouched spans other vouched spans (the store
 * merges each kind), while a run and a span join where they meet. 0, or -1
 * with err otherwise.
 */
int coverage_add_run(struct coverage *c, const struct store_run *run, struct strbuf *err);
/* Add a run as coverage_add_run() does; one it refuses (only a damaged
 * store holds one) is left out with a warning. */
void coverage_take_run(struct coverage *c, const struct store_run *run);

enum coverage_kind {
	COVERAGE_COLLECTOR, /* one per collector expected in the month */
	COVERAGE_GAP,       /* missing windows between two runs */
	COVERAGE_STOPPED,   /* missing windows after the collector's last one */
	COVERAGE_PENDING,   /* a carrier's data ends before the month does */
};

/* Its name in the coverage CSV: "collector", "gap", "stopped", "pending". */
const char *coverage_kind_name(enum coverage_kind k);

struct coverage_row {
	enum coverage_kind kind;
	const char *carrier;   /* valid while the coverage lives */
	const char *collector; /* NULL for COVERAGE_PENDING */
	int64_t start_ms, end_ms;
	int64_t window_ms;        /* the collector's window length; 0 for PENDING */
	int64_t windows_expected; /* COLLECTOR: over the span; GAP, STOPPED: missing */
	int64_t windows_received; /* COLLECTOR only */
	int64_t conflicts;        /* COLLECTOR only: the store's conflicts of its
	                             windows starting in the month; coverage_month
	                             leaves it 0 for the caller to fill */
};

/* The coverage of one month: rows by carrier (byte order), each carrier's
 * pending row first, then each collector followed by its gaps. */
struct coverage_month {
	struct coverage_row *rows;
	size_t nrows, alloc;
	int64_t horizon_ms; /* the store's horizon; INT64_MIN if the store has no window */
};

/* Fill out (which must be zeroed or released) for [start_ms, end_ms). */
void coverage_month(const struct coverage *c, int64_t start_ms, int64_t end_ms,
                    struct coverage_month *out);
void coverage_month_release(struct coverage_month *cm);

/* ms / window_ms rounded half up (ms >= 0, window_ms > 0). */
int64_t coverage_windows(int64_t ms, int64_t window_ms);

#endif
