/* report_tidy - the tidy CSVs (methods, spam) and the coverage CSV: every
 * column of domain/report_schema.h, in its order; what the figures mean is
 * at the top of report.c, the coverage rows in coverage.h. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "report_schema.h"
#include "timeutil.h"

static void tidy_header(struct csvout *o, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		csvout_text(o, names[i]);
	csvout_end_row(o);
}

static void tidy_share(struct csvout *o, int64_t count, int64_t total)
{
	char buf[32];

	report_format_share(count, total, buf, sizeof(buf));
	csvout_text(o, buf);
}

static void tidy_empties(struct csvout *o, size_t n)
{
	while (n-- > 0)
		csvout_empty(o);
}

static const char *tidy_scope_name(const struct report_scope *s)
{
	return s->carrier != NULL ? s->carrier : "all";
}

/* The columns both CSVs end with. */
static void tidy_tail(struct csvout *o, const struct report_period *p,
                      const struct report_totals *t, int suppressed)
{
	csvout_text(o, suppressed ? "yes" : "no");
	csvout_int(o, t->windows_expected);
	csvout_int(o, t->windows_received);
	tidy_share(o, t->windows_received, t->windows_expected);
	csvout_text(o, report_completeness_name(report_completeness(p, t)));
}

/* The refused columns of method m's row (after the old ones): empty if the
 * row's figures are withheld or damaged. */
static void tidy_refused(struct csvout *o, const struct report_totals *t, int m, int empty)
{
	int64_t refused = report_refused_method_messages(t, m);
	int f, res;

	if (empty) {
		tidy_empties(o, REPORT_M_NCOLS - REPORT_M_REFUSED);
		return;
	}
	csvout_int(o, refused);
	tidy_share(o, refused, refused + report_method_messages(t, m));
	for (f = FATE_REJECTED; f < FATE_COUNT; f++)
		csvout_int(o, report_fate_method_messages(t, (enum ar_fate)f, m));
	for (f = FATE_REJECTED; f < FATE_COUNT; f++) {
		for (res = 0; res < REPORT_NRESULTS; res++)
			csvout_int(o, t->fate_results[f][m][res]);
	}
}

static void tidy_method_row(const struct report *r, const struct report_period *p,
                            const struct report_scope *s, int m, struct csvout *o)
{
	const struct report_totals *t = &s->t;
	int64_t messages = report_method_messages(t, m);
	int64_t providers = t->method_providers[m];
	int suppressed = s->carrier == NULL && report_suppressed(r, providers);
	int res, pol;

	csvout_text(o, p->month.text);
	csvout_text(o, tidy_scope_name(s));
	csvout_text(o, ar_method_name((enum ar_method)m));
	csvout_int(o, providers);
	if (suppressed || t->damaged) {
		/* every figure from messages up to suppressed */
		tidy_empties(o, REPORT_M_SUPPRESSED - REPORT_M_MESSAGES);
	} else {
		csvout_int(o, messages);
		for (res = 0; res < REPORT_NRESULTS; res++)
			csvout_int(o, t->results[m][res]);
		for (res = 0; res < REPORT_NRESULTS; res++)
			tidy_share(o, t->results[m][res], messages);
		tidy_share(o, messages - t->results[m][AR_NONE], messages);
		if (m == AR_DMARC) {
			for (pol = POL_NONE; pol < POL_COUNT; pol++)
				csvout_int(o, t->dmarc_policy[pol]);
			for (pol = POL_NONE; pol < POL_COUNT; pol++)
				tidy_share(o, t->dmarc_policy[pol], messages);
		} else {
			tidy_empties(o, REPORT_M_SUPPRESSED - REPORT_M_POLICY0);
		}
	}
	tidy_tail(o, p, t, suppressed);
	tidy_refused(o, t, m, suppressed || t->damaged);
	csvout_end_row(o);
}

void report_write_methods(const struct report *r, struct csvout *o)
{
	size_t i, j;
	int m;

	tidy_header(o, report_method_columns, REPORT_M_NCOLS);
	for (i = 0; i < r->nperiods; i++) {
		const struct report_period *p = &r->periods[i];

		for (m = 0; m < AR_METHOD_COUNT; m++)
			tidy_method_row(r, p, &p->all, m, o);
		for (j = 0; r->opt.by_carrier && j < p->ncarriers; j++) {
			for (m = 0; m < AR_METHOD_COUNT; m++)
				tidy_method_row(r, p, &p->carriers[j], m, o);
		}
	}
}

static int tidy_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The declared columns of a spam row: providers, accounts, filter users,
 * and the ids of the declarations behind them. */
static void tidy_declared(const struct report *r, const struct report_period *p,
                          const struct report_scope *s, struct csvout *o)
{
	const struct report_totals *t = &s->t;
	const struct report_declaration *d;
	struct strbuf ids;
	int64_t *v;
	size_t i, n = 0;

	csvout_int(o, t->declared_providers);
	if (t->declared_providers == 0 ||
	    (s->carrier == NULL && report_suppressed(r, t->declared_providers))) {
		tidy_empties(o, 2);
	} else {
		csvout_int(o, t->accounts);
		csvout_int(o, t->filter_users);
	}
	v = xcalloc(p->ndeclarations + 1, sizeof(*v));
	for (i = 0; i < p->ndeclarations; i++) {
		d = &p->declarations[i];
		if (s->carrier == NULL || strcmp(s->carrier, d->carrier) == 0)
			v[n++] = d->id;
	}
	qsort(v, n, sizeof(*v), tidy_id_cmp);
	/* Each id at most 20 digits and a blank, for at most every carrier. */
	strbuf_init(&ids, (n + 1) * 22);
	for (i = 0; i < n; i++) {
		/* One declaration may hold several carriers' rows: named once. */
		if (i > 0 && v[i] == v[i - 1])
			continue;
		strbuf_printf(&ids, "%s%lld", ids.len > 0 ? " " : "", (long long)v[i]);
	}
	csvout_text(o, ids.data != NULL ? ids.data : "");
	strbuf_release(&ids);
	free(v);
}

static void tidy_spam_row(const struct report *r, const struct report_period *p,
                          const struct report_scope *s, struct csvout *o)
{
	const struct report_totals *t = &s->t;
	int64_t spam = t->spam[SPAM_SPAM];
	int suppressed = s->carrier == NULL && report_suppressed(r, t->providers);

	csvout_text(o, p->month.text);
	csvout_text(o, tidy_scope_name(s));
	csvout_int(o, t->providers);
	if (suppressed || t->damaged) {
		tidy_empties(o, REPORT_S_SUPPRESSED - REPORT_S_MESSAGES);
	} else {
		csvout_int(o, t->messages);
		csvout_int(o, spam);
		tidy_share(o, spam, spam + t->spam[SPAM_HAM]);
		csvout_int(o, report_div_half_up(t->messages, p->month.days));
		csvout_int(o, report_div_half_up(spam, p->month.days));
	}
	tidy_tail(o, p, t, suppressed);
	tidy_declared(r, p, s, o);
	csvout_end_row(o);
}

void report_write_spam(const struct report *r, struct csvout *o)
{
	size_t i, j;

	tidy_header(o, report_spam_columns, REPORT_S_NCOLS);
	for (i = 0; i < r->nperiods; i++) {
		const struct report_period *p = &r->periods[i];

		tidy_spam_row(r, p, &p->all, o);
		for (j = 0; r->opt.by_carrier && j < p->ncarriers; j++)
			tidy_spam_row(r, p, &p->carriers[j], o);
	}
}

static void tidy_time(struct csvout *o, int64_t ms)
{
	char buf[32];

	time_format_utc(ms, buf, sizeof(buf));
	csvout_text(o, buf);
}

void report_write_coverage(const struct report *r, struct csvout *o)
{
	size_t i, j;

	tidy_header(o, report_coverage_columns, REPORT_C_NCOLS);
	for (i = 0; i < r->nperiods; i++) {
		const struct report_period *p = &r->periods[i];

		/* The store's data ends inside the month: say so once, as a row of
		 * no carrier, so that an empty coverage never reads as complete. */
		if (!p->data_to_end) {
			csvout_text(o, p->month.text);
			tidy_empties(o, REPORT_C_KIND - REPORT_C_CARRIER);
			csvout_text(o, "pending");
			if (p->coverage.horizon_ms > p->month.start_ms)
				tidy_time(o, p->coverage.horizon_ms);
			else
				tidy_time(o, p->month.start_ms);
			tidy_time(o, p->month.end_ms);
			tidy_empties(o, REPORT_C_NCOLS - REPORT_C_WINDOW_SECONDS);
			csvout_end_row(o);
		}
		for (j = 0; j < p->coverage.nrows; j++) {
			const struct coverage_row *row = &p->coverage.rows[j];

			csvout_text(o, p->month.text);
			csvout_text(o, row->carrier);
			if (row->collector != NULL)
				csvout_text(o, row->collector);
			else
				csvout_empty(o);
			csvout_text(o, coverage_kind_name(row->kind));
			tidy_time(o, row->start_ms);
			tidy_time(o, row->end_ms);
			if (row->kind == COVERAGE_PENDING) {
				tidy_empties(o, REPORT_C_NCOLS - REPORT_C_WINDOW_SECONDS);
			} else if (row->kind == COVERAGE_COLLECTOR) {
				csvout_printf(o, "%lld", (long long)(row->window_ms / 1000));
				csvout_int(o, row->windows_expected);
				csvout_int(o, row->windows_received);
				csvout_int(o, row->windows_expected - row->windows_received);
				tidy_share(o, row->windows_received, row->windows_expected);
				csvout_int(o, row->conflicts);
			} else {
				csvout_printf(o, "%lld", (long long)(row->window_ms / 1000));
				tidy_empties(o, 2);
				csvout_int(o, row->windows_expected);
				tidy_empties(o, REPORT_C_NCOLS - REPORT_C_SHARE_WINDOWS_RECEIVED);
			}
			csvout_end_row(o);
		}
	}
}
