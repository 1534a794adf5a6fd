#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "log.h"
#include "mem.h"

/* A stretch of covered time: windows received, spans vouched for, or both,
 * joined where they overlap or touch. */
struct coverage_run {
	int64_t start, end;
};

struct coverage_collector {
	char *name;
	size_t carrier;         /* index in carriers */
	size_t first_run, nruns;
	int64_t window_ms;      /* of its newest run or span */
	/* The end of its last run and of its last vouched span added
	 * (INT64_MIN: none): neither kind overlaps or touches itself in the
	 * store, so one that does is damage. */
	int64_t run_end, vouch_end;
	int retired;
};

struct coverage_carrier {
	char *name;
	int64_t horizon;        /* end of its newest window */
	size_t first_collector, ncollectors;
};

struct coverage {
	struct coverage_run *runs;
	size_t nruns, runs_alloc;
	struct coverage_collector *collectors;
	size_t ncollectors, collectors_alloc;
	struct coverage_carrier *carriers;
	size_t ncarriers, carriers_alloc;
	struct htable *retired; /* pseudonym -> non-NULL */
	int64_t horizon;
};

struct coverage *coverage_new(void)
{
	struct coverage *c = xcalloc(1, sizeof(*c));

	c->retired = htable_new(16);
	c->horizon = INT64_MIN;
	return c;
}

void coverage_free(struct coverage *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncollectors; i++)
		free(c->collectors[i].name);
	for (i = 0; i < c->ncarriers; i++)
		free(c->carriers[i].name);
	free(c->runs);
	free(c->collectors);
	free(c->carriers);
	htable_free(c->retired, NULL);
	free(c);
}

void coverage_retire(struct coverage *c, const char *collector)
{
	size_t len = strlen(collector);

	if (htable_find(c->retired, collector, len) == NULL)
		htable_insert(c->retired, collector, len, c);
}

const char *coverage_kind_name(enum coverage_kind k)
{
	switch (k) {
	case COVERAGE_COLLECTOR:
		return "collector";
	case COVERAGE_GAP:
		return "gap";
	case COVERAGE_STOPPED:
		return "stopped";
	case COVERAGE_PENDING:
		return "pending";
	}
	return "?";
}

int64_t coverage_windows(int64_t ms, int64_t window_ms)
{
	if (ms < 0 || window_ms <= 0)
		msg_panic("coverage_windows(%lld, %lld)", (long long)ms, (long long)window_ms);
	return ms / window_ms + (ms % window_ms >= window_ms - ms % window_ms ? 1 : 0);
}

int coverage_add_run(struct coverage *c, const struct store_run *run, struct strbuf *err)
{
	struct coverage_carrier *ca = c->ncarriers > 0 ? &c->carriers[c->ncarriers - 1] : NULL;
	struct coverage_collector *co;
	int cmp;

	if (run->start_ms >= run->end_ms || run->window_ms <= 0) {
		strbuf_printf(err, "coverage: empty run or window");
		return -1;
	}
	cmp = ca != NULL ? strcmp(ca->name, run->carrier) : -1;
	if (cmp > 0) {
		strbuf_printf(err, "coverage: runs out of carrier order");
		return -1;
	}
	if (cmp < 0) {
		c->carriers = xgrow(c->carriers, c->ncarriers + 1, &c->carriers_alloc, sizeof(*c->carriers), 8);
		ca = &c->carriers[c->ncarriers++];
		memset(ca, 0, sizeof(*ca));
		ca->name = xstrdup(run->carrier);
		ca->horizon = INT64_MIN;
		ca->first_collector = c->ncollectors;
	}
	co = ca->ncollectors > 0 ? &c->collectors[c->ncollectors - 1] : NULL;
	cmp = co != NULL ? strcmp(co->name, run->collector) : -1;
	if (cmp > 0) {
		strbuf_printf(err, "coverage: runs out of collector order");
		return -1;
	}
	if (cmp < 0) {
		c->collectors = xgrow(c->collectors, c->ncollectors + 1, &c->collectors_alloc,
		                      sizeof(*c->collectors), 16);
		co = &c->collectors[c->ncollectors++];
		memset(co, 0, sizeof(*co));
		co->name = xstrdup(run->collector);
		co->carrier = c->ncarriers - 1;
		co->first_run = c->nruns;
		co->run_end = co->vouch_end = INT64_MIN;
		co->retired = htable_find(c->retired, run->collector, strlen(run->collector)) != NULL;
		ca->ncollectors++;
	} else if (run->start_ms < c->runs[c->nruns - 1].start ||
	           run->start_ms <= (run->vouched ? co->vouch_end : co->run_end)) {
		strbuf_printf(err, "coverage: %s of a collector overlap or are out of order",
		              run->vouched ? "vouched spans" : "runs");
		return -1;
	}
	if (run->vouched)
		co->vouch_end = run->end_ms;
	else
		co->run_end = run->end_ms;
	/* A window is covered when its record arrived or a span vouched for
	 * it: the two kinds join into one stretch where they meet. */
	if (co->nruns > 0 && run->start_ms <= c->runs[c->nruns - 1].end) {
		if (run->end_ms > c->runs[c->nruns - 1].end)
			c->runs[c->nruns - 1].end = run->end_ms;
	} else {
		c->runs = xgrow(c->runs, c->nruns + 1, &c->runs_alloc, sizeof(*c->runs), 64);
		c->runs[c->nruns].start = run->start_ms;
		c->runs[c->nruns].end = run->end_ms;
		c->nruns++;
		co->nruns++;
	}
	co->window_ms = run->window_ms;
	if (run->end_ms > ca->horizon)
		ca->horizon = run->end_ms;
	if (run->end_ms > c->horizon)
		c->horizon = run->end_ms;
	return 0;
}

void coverage_take_run(struct coverage *c, const struct store_run *run)
{
	struct strbuf why;

	/* A damaged store must still report: a run out of order or
	 * overlapping another is left out, said once each. */
	strbuf_init(&why, 256);
	if (coverage_add_run(c, run, &why) < 0)
		msg_warn("%s (collector %s of carrier %s); that run is left out", why.data,
		         run->collector, run->carrier);
	strbuf_release(&why);
}

static struct coverage_row *coverage_row_add(struct coverage_month *cm, enum coverage_kind kind,
                                             const char *carrier, const char *collector)
{
	struct coverage_row *row;

	cm->rows = xgrow(cm->rows, cm->nrows + 1, &cm->alloc, sizeof(*cm->rows), 32);
	row = &cm->rows[cm->nrows++];
	memset(row, 0, sizeof(*row));
	row->kind = kind;
	row->carrier = carrier;
	row->collector = collector;
	return row;
}

/* A hole [start, end) in a collector's span. */
static void coverage_hole(struct coverage_month *cm, enum coverage_kind kind,
                          const struct coverage_collector *co, const char *carrier,
                          int64_t start, int64_t end)
{
	struct coverage_row *row = coverage_row_add(cm, kind, carrier, co->name);

	row->start_ms = start;
	row->end_ms = end;
	row->window_ms = co->window_ms;
	row->windows_expected = coverage_windows(end - start, co->window_ms);
}

static void coverage_collector_month(const struct coverage *c,
                                     const struct coverage_collector *co,
                                     const struct coverage_carrier *ca, int64_t start_ms,
                                     int64_t end_ms, struct coverage_month *cm)
{
	const struct coverage_run *runs = &c->runs[co->first_run];
	int64_t first = runs[0].start, last = runs[co->nruns - 1].end;
	int64_t lo = first > start_ms ? first : start_ms;
	int64_t until = co->retired ? last : ca->horizon;
	int64_t hi = until < end_ms ? until : end_ms;
	int64_t covered = 0, cursor, s, e;
	struct coverage_row *row;
	size_t i, summary;

	if (lo >= hi)
		return;
	summary = cm->nrows;
	row = coverage_row_add(cm, COVERAGE_COLLECTOR, ca->name, co->name);
	row->start_ms = lo;
	row->end_ms = hi;
	row->window_ms = co->window_ms;
	cursor = lo;
	for (i = 0; i < co->nruns; i++) {
		if (runs[i].end <= lo)
			continue;
		if (runs[i].start >= hi)
			break;
		s = runs[i].start > lo ? runs[i].start : lo;
		e = runs[i].end < hi ? runs[i].end : hi;
		if (s > cursor)
			coverage_hole(cm, COVERAGE_GAP, co, ca->name, cursor, s);
		covered += e - s;
		cursor = e;
	}
	if (cursor < hi)
		coverage_hole(cm, COVERAGE_STOPPED, co, ca->name, cursor, hi);
	/* The row pointer may have moved while holes were added. */
	row = &cm->rows[summary];
	row->windows_expected = coverage_windows(hi - lo, co->window_ms);
	row->windows_received = coverage_windows(covered, co->window_ms);
}

void coverage_month(const struct coverage *c, int64_t start_ms, int64_t end_ms,
                    struct coverage_month *out)
{
	size_t i, j;

	out->nrows = 0;
	out->horizon_ms = c->horizon;
	for (i = 0; i < c->ncarriers; i++) {
		const struct coverage_carrier *ca = &c->carriers[i];

		if (ca->horizon <= start_ms)
			continue;
		if (ca->horizon < end_ms) {
			struct coverage_row *row = coverage_row_add(out, COVERAGE_PENDING, ca->name, NULL);

			row->start_ms = ca->horizon;
			row->end_ms = end_ms;
		}
		for (j = 0; j < ca->ncollectors; j++)
			coverage_collector_month(c, &c->collectors[ca->first_collector + j], ca,
			                         start_ms, end_ms, out);
	}
}

void coverage_month_release(struct coverage_month *cm)
{
	free(cm->rows);
	memset(cm, 0, sizeof(*cm));
}
