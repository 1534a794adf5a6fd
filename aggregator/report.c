/*
 * The monthly report and what its figures mean.
 *
 * Month: [first instant of the month, first instant of the next month) with
 * both cut at local midnight of the 1st in the report's time zone (default
 * Asia/Tokyo), found with the C library's zone data, so daylight saving time
 * is honoured. Counts are summed over the 15-minute buckets that start in
 * that interval (see store.h for how a record is attributed to a bucket).
 * --from/--to gives several months; each is cut the same way.
 *
 * Scopes: "all" (every carrier together), then with --by-carrier one scope per
 * carrier id, in byte order: every carrier with counts or expected windows in
 * the month.
 *
 * Carriers: only those of the register (carriers.h). A store may hold data
 * of a carrier no longer registered (or stored before there was a
 * register): it is left out of every figure, providers, coverage and row,
 * and the report warns once per such carrier; so min_providers counts
 * registered providers with data only.
 *
 * The columns' names and order are domain/report_schema.h's.
 *
 * Method CSV, one row per month, scope and method (spf, dkim, dmarc, arc):
 *   messages     messages whose result for the method is not "absent"; a
 *                carrier that does not evaluate a method adds nothing to it.
 *   providers    carriers with messages > 0 for the method (0 or 1 in a
 *                carrier's own scope).
 *   none..policy the messages with that result.
 *   share_X      X / messages as a percentage, two decimals, rounded half up
 *                in integer arithmetic: 93.665 becomes 93.67. Rounded shares
 *                need not add up to 100.00.
 *   share_non_none  (messages - none) / messages, likewise.
 *   policy_none, policy_quarantine, policy_reject (DMARC rows only)
 *                messages with a DMARC result by the strongest DMARC policy
 *                published by the sender's domain; messages for which no
 *                policy was seen are in none of the three. share_policy_X
 *                is policy_X / messages.
 *   Shares are empty fields when messages is 0.
 *
 * Spam CSV, one row per month and scope:
 *   messages     every message, whatever its results.
 *   providers    carriers with messages > 0.
 *   spam         messages with the verdict "spam".
 *   share_spam   spam / (ham + spam), as above; empty if no message has a
 *                verdict. Messages with verdict unknown are left out of it.
 *   daily_messages, daily_spam
 *                messages and spam divided by the calendar days of the
 *                month, rounded half up to an integer.
 *
 * Both CSVs end with the same columns:
 *   suppressed   "yes" if the row's figures are withheld: a combined figure
 *                (scope "all") of fewer than min_providers providers (but at
 *                least one) in a report without --by-carrier, so no single
 *                carrier's numbers can be read off a published report. Then
 *                every count and share of the row is empty; providers stays.
 *                A report with --by-carrier shows every carrier's figures
 *                anyway and is not for publication, so nothing is withheld.
 *   windows_expected, windows_received, share_windows_received
 *                the collectors' windows of the scope in the month (see
 *                coverage.h).
 *   complete     "yes" if no window is missing, no carrier's data ends
 *                before the month's end and the store holds data up to the
 *                month's end; "no data" if the scope expected no window
 *                and has no message in the month (never "yes": nothing
 *                received is no proof that nothing was lost); otherwise
 *                "no", and the coverage CSV says why.
 *
 * A month without any data still gets its "all" rows, with zeros and empty
 * shares.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "carriers.h"
#include "declare.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "record_batch.h"
#include "strutil.h"
#include "timeutil.h"

/* The zone is checked before TZ is set: see time_zone_known(). */
static int report_tz_check(const char *tz, struct strbuf *err)
{
	if (time_zone_known(tz))
		return 0;
	strbuf_printf(err, "time zone \"%s\" is not a known zone name (such as Asia/Tokyo or UTC)",
	              tz);
	return -1;
}

/* Local year, month (1..12) and day of t in the zone TZ names. 0 or -1. */
static int report_local_ym(time_t t, int *year, int *month, int *day)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
	return 0;
}

/* Is t the first instant of (year, month) in the current zone: local date the
 * 1st of that month, one second earlier an earlier month? */
static int report_is_month_start(time_t t, int year, int month)
{
	int y, mo, d, py, pm, pd;

	if (report_local_ym(t, &y, &mo, &d) < 0 || report_local_ym(t - 1, &py, &pm, &pd) < 0)
		return 0;
	if (y != year || mo != month || d != 1)
		return 0;
	return py < year || (py == year && pm < month);
}

/*
 * First instant of (year, month) in the zone TZ now names. mktime() alone is
 * not enough where local midnight of the 1st does not exist (clocks jump from
 * 00:00 to 01:00) or happens twice, so each reading of tm_isdst is tried and
 * the earliest candidate that really starts the month wins.
 */
static int report_local_month_start(int year, int month, time_t *out)
{
	static const int isdst[] = { -1, 0, 1 };
	time_t best = 0, t;
	int found = 0;
	size_t i;

	for (i = 0; i < sizeof(isdst) / sizeof(isdst[0]); i++) {
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = year - 1900;
		tm.tm_mon = month - 1;
		tm.tm_mday = 1;
		tm.tm_isdst = isdst[i];
		t = mktime(&tm);
		if (t == (time_t)-1 || !report_is_month_start(t, year, month))
			continue;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (!found)
		return -1;
	*out = best;
	return 0;
}

int report_month_init(struct report_month *m, const char *s, const char *tz,
                      struct strbuf *err)
{
	int year, month, next_year, next_month, rc = -1;
	time_t start = 0, end = 0;
	char *saved_tz = NULL;
	const char *old;

	memset(m, 0, sizeof(*m));
	if (time_parse_month(s, strlen(s), &year, &month) < 0 || year < REPORT_YEAR_MIN) {
		strbuf_printf(err, "month \"%s\" is not YYYY-MM (years %d to %d)", s, REPORT_YEAR_MIN,
		              REPORT_YEAR_MAX);
		return -1;
	}
	if (report_tz_check(tz, err) < 0)
		return -1;
	m->year = year;
	m->month = month;
	str_copy(m->text, s, sizeof(m->text));
	next_year = m->month == 12 ? m->year + 1 : m->year;
	next_month = m->month == 12 ? 1 : m->month + 1;
	m->days = (int)(time_days_from_civil(next_year, (unsigned)next_month, 1) -
	                time_days_from_civil(m->year, (unsigned)m->month, 1));

	old = getenv("TZ");
	if (old != NULL)
		saved_tz = xstrdup(old);
	if (setenv("TZ", tz, 1) < 0) {
		strbuf_printf(err, "cannot set TZ");
		goto out;
	}
	tzset();
	if (report_local_month_start(m->year, m->month, &start) < 0 ||
	    report_local_month_start(next_year, next_month, &end) < 0) {
		strbuf_printf(err, "cannot find where %s begins or ends in time zone %s", s, tz);
		goto out;
	}
	m->start_ms = (int64_t)start * 1000;
	m->end_ms = (int64_t)end * 1000;
	rc = 0;
out:
	if (saved_tz != NULL)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
	return rc;
}


int report_month_range(const char *from, const char *to, const char *tz,
                       struct report_month **out, size_t *n, struct strbuf *err)
{
	struct report_month first, last, *months = NULL;
	char text[REPORT_MONTH_LEN];
	int64_t count;
	int year, month;
	size_t i;

	*out = NULL;
	*n = 0;
	if (report_month_init(&first, from, tz, err) < 0 || report_month_init(&last, to, tz, err) < 0)
		return -1;
	count = ((int64_t)last.year * 12 + last.month) - ((int64_t)first.year * 12 + first.month) + 1;
	if (count < 1 || count > REPORT_MONTHS_MAX) {
		strbuf_printf(err, "months %s to %s: the range must run forward and span at most %d "
		              "months", from, to, REPORT_MONTHS_MAX);
		return -1;
	}
	months = xcalloc((size_t)count, sizeof(*months));
	year = first.year;
	month = first.month;
	for (i = 0; i < (size_t)count; i++) {
		snprintf(text, sizeof(text), "%04d-%02d", year, month);
		if (report_month_init(&months[i], text, tz, err) < 0) {
			free(months);
			return -1;
		}
		if (++month > 12) {
			month = 1;
			year++;
		}
	}
	*out = months;
	*n = (size_t)count;
	return 0;
}

int64_t report_share_x100(int64_t count, int64_t total)
{
	if (count < 0 || count > total || total <= 0 || total > REPORT_TOTAL_MAX)
		msg_panic("report_share_x100(%lld, %lld): out of range", (long long)count,
		          (long long)total);
	/* count * 10000 / total + 1/2, floored: (count * 20000 + total) / (2 * total). */
	return (count * 20000 + total) / (2 * total);
}

void report_format_share(int64_t count, int64_t total, char *buf, size_t size)
{
	int64_t x;

	/* Beyond REPORT_TOTAL_MAX only a damaged store goes (windows of a
	 * millisecond from a hundred thousand collectors): no share, no abort. */
	if (total <= 0 || total > REPORT_TOTAL_MAX || count < 0 || count > total) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	x = report_share_x100(count, total);
	snprintf(buf, size, "%lld.%02lld", (long long)(x / 100), (long long)(x % 100));
}

int64_t report_div_half_up(int64_t a, int64_t b)
{
	if (a < 0 || b <= 0 || a > REPORT_TOTAL_MAX || b > REPORT_TOTAL_MAX)
		msg_panic("report_div_half_up(%lld, %lld): out of range", (long long)a, (long long)b);
	return (2 * a + b) / (2 * b);
}

struct report *report_new(const struct report_options *opt)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->opt = *opt;
	return r;
}

static void report_period_release(struct report_period *p)
{
	size_t i;

	for (i = 0; i < p->ncarriers; i++)
		free(p->carriers[i].carrier);
	free(p->carriers);
	for (i = 0; i < p->ndeclarations; i++) {
		free(p->declarations[i].carrier);
		free(p->declarations[i].file);
	}
	free(p->declarations);
	coverage_month_release(&p->coverage);
}

void report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nperiods; i++)
		report_period_release(&r->periods[i]);
	free(r->periods);
	coverage_free(r->coverage);
	free(r);
}

struct report_period *report_add_period(struct report *r, const struct report_month *m)
{
	struct report_period *p;

	r->periods = xreallocarray(r->periods, r->nperiods + 1, sizeof(*r->periods));
	p = &r->periods[r->nperiods++];
	memset(p, 0, sizeof(*p));
	p->month = *m;
	return p;
}

/* The scope of carrier, created in sorted position if new. */
static struct report_scope *report_scope_of(struct report_period *p, const char *carrier)
{
	size_t lo = 0, hi = p->ncarriers, mid;
	int cmp;

	/* Rows arrive sorted by carrier, so the last scope is the usual answer. */
	if (p->ncarriers > 0 && strcmp(p->carriers[p->ncarriers - 1].carrier, carrier) == 0)
		return &p->carriers[p->ncarriers - 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(p->carriers[mid].carrier, carrier);
		if (cmp == 0)
			return &p->carriers[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	p->carriers = xgrow(p->carriers, p->ncarriers + 1, &p->alloc, sizeof(*p->carriers), 8);
	memmove(&p->carriers[lo + 1], &p->carriers[lo],
	        (p->ncarriers - lo) * sizeof(*p->carriers));
	memset(&p->carriers[lo], 0, sizeof(p->carriers[lo]));
	p->carriers[lo].carrier = xstrdup(carrier);
	p->ncarriers++;
	return &p->carriers[lo];
}

/* Messages of every fate: what REPORT_TOTAL_MAX bounds. */
static int64_t report_all_fates(const struct report_totals *t)
{
	int64_t n = 0;
	int f;

	for (f = 0; f < FATE_COUNT; f++)
		n += t->fate_messages[f];
	return n;
}

/* The same of a store's totals that passed report_totals_check (or of
 * damaged ones: then only compared with 0, and saturated). */
static int64_t report_all_fates_store(const struct store_totals *t)
{
	int64_t n = 0;
	int f;

	for (f = 0; f < FATE_COUNT; f++) {
		if (t->fate_messages[f] > 0 && __builtin_add_overflow(n, t->fate_messages[f], &n))
			return INT64_MAX;
	}
	return n;
}

static void report_totals_add(struct report_totals *t, const struct record_cell *c)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		t->fate_results[c->fate][m][c->result[m]] += c->messages;
	t->fate_messages[c->fate] += c->messages;
	if (!report_fate_counted(c->fate))
		return;
	for (m = 0; m < AR_METHOD_COUNT; m++)
		t->results[m][c->result[m]] += c->messages;
	if (c->result[AR_DMARC] != AR_ABSENT)
		t->dmarc_policy[c->dmarc_policy] += c->messages;
	t->spam[c->spam] += c->messages;
	t->messages += c->messages;
}

int report_add_cell(struct report_period *p, const char *carrier, const struct record_cell *cell,
                    struct strbuf *err)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if ((unsigned)cell->result[m] >= AR_RESULT_COUNT) {
			strbuf_printf(err, "result out of range");
			return -1;
		}
	}
	if ((unsigned)cell->spam >= SPAM_COUNT || (unsigned)cell->dmarc_policy >= POL_COUNT ||
	    (unsigned)cell->fate >= FATE_COUNT) {
		strbuf_printf(err, "policy, spam verdict or fate out of range");
		return -1;
	}
	/* Every other total is part of the fates' messages, so bounding their
	 * sum bounds them all. */
	if (cell->messages < 0 || cell->messages > REPORT_TOTAL_MAX - report_all_fates(&p->all.t)) {
		strbuf_printf(err, "message count out of range (negative, or the month's total "
		                   "exceeds %lld)", (long long)REPORT_TOTAL_MAX);
		return -1;
	}
	report_totals_add(&p->all.t, cell);
	report_totals_add(&report_scope_of(p, carrier)->t, cell);
	return 0;
}

/* t's figures are plausible: none negative, each method's results and the
 * verdicts adding up to the messages, the policies to at most those; each
 * fate's results adding up to its messages, the population's fates to the
 * messages, and all fates within REPORT_TOTAL_MAX. */
static int report_totals_check(const struct store_totals *t)
{
	int64_t sum, all = 0, counted = 0;
	int m, i, f;

	if (t->messages < 0 || t->messages > REPORT_TOTAL_MAX)
		return -1;
	for (f = 0; f < FATE_COUNT; f++) {
		if (t->fate_messages[f] < 0 || t->fate_messages[f] > REPORT_TOTAL_MAX - all)
			return -1;
		all += t->fate_messages[f];
		if (report_fate_counted((enum ar_fate)f))
			counted += t->fate_messages[f];
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			for (i = 0, sum = 0; i < AR_RESULT_COUNT; i++) {
				if (t->fate_results[f][m][i] < 0 ||
				    t->fate_results[f][m][i] > t->fate_messages[f])
					return -1;
				sum += t->fate_results[f][m][i];
			}
			if (sum != t->fate_messages[f])
				return -1;
		}
	}
	if (counted != t->messages)
		return -1;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (i = 0, sum = 0; i < AR_RESULT_COUNT; i++) {
			if (t->results[m][i] < 0 || t->results[m][i] > t->messages)
				return -1;
			sum += t->results[m][i];
		}
		if (sum != t->messages)
			return -1;
	}
	for (i = 0, sum = 0; i < SPAM_COUNT; i++) {
		if (t->spam[i] < 0 || t->spam[i] > t->messages)
			return -1;
		sum += t->spam[i];
	}
	if (sum != t->messages)
		return -1;
	for (i = 0, sum = 0; i < POL_COUNT; i++) {
		if (t->dmarc_policy[i] < 0 || t->dmarc_policy[i] > t->messages)
			return -1;
		sum += t->dmarc_policy[i];
	}
	return sum == t->messages - t->results[AR_DMARC][AR_ABSENT] ? 0 : -1;
}

static void report_totals_add_sum(struct report_totals *t, const struct store_totals *add)
{
	int m, i, f;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (i = 0; i < AR_RESULT_COUNT; i++)
			t->results[m][i] += add->results[m][i];
	}
	for (i = 0; i < POL_COUNT; i++)
		t->dmarc_policy[i] += add->dmarc_policy[i];
	for (i = 0; i < SPAM_COUNT; i++)
		t->spam[i] += add->spam[i];
	t->messages += add->messages;
	for (f = 0; f < FATE_COUNT; f++) {
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			for (i = 0; i < AR_RESULT_COUNT; i++)
				t->fate_results[f][m][i] += add->fate_results[f][m][i];
		}
		t->fate_messages[f] += add->fate_messages[f];
	}
}

/* Mark the carrier's scope damaged: what its totals had messages for is
 * kept (for the providers), none of its figures. */
static void report_mark_damaged(struct report_period *p, const char *carrier,
                                const struct store_totals *t, const char *why)
{
	struct report_totals *ct = &report_scope_of(p, carrier)->t;
	int m, res;

	msg_warn("report %s: the store's totals of carrier %s %s; its figures and the month's "
	         "combined figures are left empty", p->month.text, carrier, why);
	ct->damaged = 1;
	ct->damaged_any |= report_all_fates_store(t) > 0;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (res = 0; res < AR_RESULT_COUNT; res++) {
			if (res != AR_ABSENT && t->results[m][res] > 0)
				ct->damaged_methods |= 1u << m;
		}
	}
	p->all.t.damaged = 1;
}

int report_add_totals(struct report_period *p, const char *carrier, const struct store_totals *t,
                      struct strbuf *err)
{
	(void)err;
	/* Whatever the store holds, the report is written: a figure that
	 * cannot be computed is left empty, never the run failed. */
	if (t->overflow) {
		report_mark_damaged(p, carrier, t, "overflow 64 bits");
		return 0;
	}
	if (t->unknown_items) {
		report_mark_damaged(p, carrier, t, "hold items this program does not know");
		return 0;
	}
	if (report_totals_check(t) < 0) {
		report_mark_damaged(p, carrier, t, "do not add up or pass the report's limit");
		return 0;
	}
	report_totals_add_sum(&report_scope_of(p, carrier)->t, t);
	/* Every other total is part of the fates' messages, so bounding their
	 * sum bounds them all. */
	if (p->all.t.damaged)
		return 0;
	if (report_all_fates_store(t) > REPORT_TOTAL_MAX - report_all_fates(&p->all.t)) {
		msg_warn("report %s: the carriers' combined total passes %lld messages; the month's "
		         "combined figures are left empty", p->month.text, (long long)REPORT_TOTAL_MAX);
		p->all.t.damaged = 1;
		return 0;
	}
	report_totals_add_sum(&p->all.t, t);
	return 0;
}

void report_add_declared(struct report_period *p, const struct store_declaration *d)
{
	struct report_totals *t = &report_scope_of(p, d->carrier)->t;
	struct report_declaration *rd;

	/* The store's checks keep each figure within declare.h's bound, so no
	 * sum over the register's carriers comes near overflow. */
	t->accounts += d->accounts;
	t->filter_users += d->filter_users;
	t->declared_providers = 1;
	p->all.t.accounts += d->accounts;
	p->all.t.filter_users += d->filter_users;
	p->all.t.declared_providers++;
	p->declarations = xreallocarray(p->declarations, p->ndeclarations + 1,
	                                sizeof(*p->declarations));
	rd = &p->declarations[p->ndeclarations++];
	rd->carrier = xstrdup(d->carrier);
	rd->id = d->id;
	rd->declared_ms = d->declared_ms;
	rd->file = xstrdup(d->file);
	str_copy(rd->sha256, d->sha256, sizeof(rd->sha256));
}

const struct report_declaration *report_declaration_of(const struct report_period *p,
                                                       const char *carrier)
{
	size_t i;

	for (i = 0; i < p->ndeclarations; i++) {
		if (strcmp(p->declarations[i].carrier, carrier) == 0)
			return &p->declarations[i];
	}
	return NULL;
}

void report_add_coverage(struct report_period *p, const struct coverage *c)
{
	const struct coverage_row *row;
	struct report_totals *t;
	size_t i;

	coverage_month(c, p->month.start_ms, p->month.end_ms, &p->coverage);
	p->data_to_end = p->coverage.horizon_ms >= p->month.end_ms;
	for (i = 0; i < p->coverage.nrows; i++) {
		row = &p->coverage.rows[i];
		t = &report_scope_of(p, row->carrier)->t;
		switch (row->kind) {
		case COVERAGE_COLLECTOR:
			t->windows_expected += row->windows_expected;
			t->windows_received += row->windows_received;
			p->all.t.windows_expected += row->windows_expected;
			p->all.t.windows_received += row->windows_received;
			break;
		case COVERAGE_PENDING:
			t->pending = 1;
			p->all.t.pending = 1;
			break;
		case COVERAGE_GAP:
		case COVERAGE_STOPPED:
			break;
		}
	}
}

int64_t report_fate_method_messages(const struct report_totals *t, enum ar_fate f, int m)
{
	return t->fate_messages[f] - t->fate_results[f][m][AR_ABSENT];
}

int64_t report_refused_method_messages(const struct report_totals *t, int m)
{
	int64_t n = 0;
	int f;

	for (f = 0; f < FATE_COUNT; f++) {
		if (!report_fate_counted((enum ar_fate)f))
			n += report_fate_method_messages(t, (enum ar_fate)f, m);
	}
	return n;
}

int64_t report_method_messages(const struct report_totals *t, int m)
{
	int64_t n = 0;
	int res;

	for (res = 0; res < AR_RESULT_COUNT; res++) {
		if (res != AR_ABSENT)
			n += t->results[m][res];
	}
	return n;
}

void report_finish(struct report *r)
{
	size_t i, j;
	int m;

	for (i = 0; i < r->nperiods; i++) {
		struct report_period *p = &r->periods[i];

		memset(p->all.t.method_providers, 0, sizeof(p->all.t.method_providers));
		p->all.t.providers = 0;
		for (j = 0; j < p->ncarriers; j++) {
			struct report_totals *t = &p->carriers[j].t;

			for (m = 0; m < AR_METHOD_COUNT; m++) {
				t->method_providers[m] = t->damaged ? (t->damaged_methods >> m & 1u) != 0
				                                    : report_method_messages(t, m) > 0;
				p->all.t.method_providers[m] += t->method_providers[m];
			}
			t->providers = t->damaged ? t->damaged_any : t->messages > 0;
			p->all.t.providers += t->providers;
		}
	}
}

struct report_load_ctx {
	struct report_period *p;
	struct coverage *cov;
	const struct carriers *reg; /* NULL: every carrier of the store */
	char **left_out;            /* carriers warned about, each once */
	size_t nleft_out;
};

/* 1 if carrier's data belongs in the report; otherwise 0, after a warning
 * the first time. */
static int report_registered(struct report_load_ctx *ctx, const char *carrier)
{
	struct strbuf why;
	size_t i;

	if (ctx->reg == NULL || carriers_find(ctx->reg, carrier) != NULL)
		return 1;
	for (i = 0; i < ctx->nleft_out; i++) {
		if (strcmp(ctx->left_out[i], carrier) == 0)
			return 0;
	}
	ctx->left_out = xreallocarray(ctx->left_out, ctx->nleft_out + 1, sizeof(*ctx->left_out));
	ctx->left_out[ctx->nleft_out++] = xstrdup(carrier);
	/* A stored id may predate the register's character set: it is named
	 * only if it is a valid id, so the log never carries what it cannot. */
	strbuf_init(&why, 256);
	if (record_carrier_check(carrier, &why) == 0)
		msg_warn("the store holds data of carrier %s, which is not registered: left out of "
		         "the report", carrier);
	else
		msg_warn("the store holds data of a carrier whose id is not a valid one (%zu bytes), "
		         "so not registered: left out of the report", strlen(carrier));
	strbuf_release(&why);
	return 0;
}

static int report_load_totals(void *arg, const char *carrier, const struct store_totals *t,
                              struct strbuf *err)
{
	struct report_load_ctx *ctx = arg;

	if (!report_registered(ctx, carrier))
		return 0;
	return report_add_totals(ctx->p, carrier, t, err);
}

static int report_load_declared(void *arg, const struct store_declaration *d,
                                struct strbuf *err)
{
	struct report_load_ctx *ctx = arg;

	(void)err;
	/* The store's checks allow no more, but a damaged or hand-edited store
	 * might: such a row is left out, never summed. */
	if (d->accounts < 0 || d->filter_users < 0 || d->filter_users > d->accounts ||
	    d->accounts > DECLARE_ACCOUNTS_MAX) {
		msg_warn("report %s: declaration %lld of carrier %s holds figures no declaration "
		         "can have; left out", ctx->p->month.text, (long long)d->id, d->carrier);
		return 0;
	}
	if (report_registered(ctx, d->carrier))
		report_add_declared(ctx->p, d);
	return 0;
}

static int report_load_run(void *arg, const struct store_run *run, struct strbuf *err)
{
	struct report_load_ctx *ctx = arg;

	(void)err;
	if (report_registered(ctx, run->carrier))
		coverage_take_run(ctx->cov, run);
	return 0;
}

/* Each collector row of p's coverage gets the store's conflicts of its
 * windows in the month: the report flags them there. 0, or -1 with err. */
static int report_load_conflicts(struct report_period *p, struct store *st, struct strbuf *err)
{
	size_t i;

	for (i = 0; i < p->coverage.nrows; i++) {
		struct coverage_row *row = &p->coverage.rows[i];

		if (row->kind == COVERAGE_COLLECTOR &&
		    store_count_conflicts(st, row->carrier, row->collector, p->month.start_ms,
		                          p->month.end_ms, &row->conflicts, err) < 0)
			return -1;
	}
	return 0;
}

int report_load(struct report *r, struct store *st, const struct carriers *reg,
                char *const *retired, size_t nretired, struct strbuf *err)
{
	struct coverage *cov;
	struct report_load_ctx ctx;
	size_t i;
	int rc = -1;

	if (r->coverage != NULL)
		msg_panic("report_load: called twice");
	memset(&ctx, 0, sizeof(ctx));
	ctx.reg = reg;
	cov = ctx.cov = r->coverage = coverage_new();
	for (i = 0; i < nretired; i++)
		coverage_retire(cov, retired[i]);
	if (store_runs(st, report_load_run, &ctx, err) < 0)
		goto out;
	for (i = 0; i < r->nperiods; i++) {
		ctx.p = &r->periods[i];
		if (store_sum_totals(st, ctx.p->month.start_ms, ctx.p->month.end_ms,
		                     report_load_totals, &ctx, err) < 0)
			goto out;
		if (store_declarations(st, ctx.p->month.text, report_load_declared, &ctx, err) < 0)
			goto out;
		report_add_coverage(ctx.p, cov);
		if (report_load_conflicts(ctx.p, st, err) < 0)
			goto out;
	}
	report_finish(r);
	rc = 0;
out:
	for (i = 0; i < ctx.nleft_out; i++)
		free(ctx.left_out[i]);
	free(ctx.left_out);
	return rc;
}

int report_suppressed(const struct report *r, int64_t providers)
{
	return !r->opt.by_carrier && providers > 0 && providers < r->opt.min_providers;
}

enum report_completeness report_completeness(const struct report_period *p,
                                             const struct report_totals *t)
{
	/* Nothing expected and nothing received is no evidence of a complete
	 * month: the ministry would otherwise print 完全 for an empty one. */
	if (t->windows_expected == 0 && t->messages == 0 && !t->pending && !t->damaged)
		return REPORT_NO_DATA;
	if (p->data_to_end && !t->pending && !t->damaged &&
	    t->windows_received == t->windows_expected)
		return REPORT_COMPLETE;
	return REPORT_INCOMPLETE;
}

const char *report_completeness_name(enum report_completeness c)
{
	switch (c) {
	case REPORT_COMPLETE:
		return "yes";
	case REPORT_NO_DATA:
		return "no data";
	case REPORT_INCOMPLETE:
		break;
	}
	return "no";
}

int report_complete(const struct report_period *p, const struct report_totals *t)
{
	return report_completeness(p, t) == REPORT_COMPLETE;
}

int report_period_missing(const struct report_period *p, struct strbuf *missing)
{
	const struct coverage_row *row;
	char from[32], to[32];
	size_t i, lines = 0, more = 0;

	switch (report_completeness(p, &p->all.t)) {
	case REPORT_COMPLETE:
		return 1;
	case REPORT_NO_DATA:
		if (p->coverage.horizon_ms == INT64_MIN)
			strbuf_printf(missing, "the store holds no data at all\n");
		else
			strbuf_printf(missing, "the month has no data at all: no collector of a "
			              "registered carrier delivered a window in it\n");
		return 0;
	case REPORT_INCOMPLETE:
		break;
	}
	if (!p->data_to_end) {
		if (p->coverage.horizon_ms == INT64_MIN) {
			strbuf_printf(missing, "the store holds no data at all\n");
		} else {
			time_format_utc(p->coverage.horizon_ms, from, sizeof(from));
			strbuf_printf(missing, "the store's data ends at %s, before the month does\n", from);
		}
		lines++;
	}
	for (i = 0; i < p->coverage.nrows; i++) {
		row = &p->coverage.rows[i];
		if (row->kind == COVERAGE_COLLECTOR ||
		    (row->kind != COVERAGE_PENDING && row->windows_expected == 0))
			continue;
		if (lines == REPORT_MISSING_LINES) {
			more++;
			continue;
		}
		time_format_utc(row->start_ms, from, sizeof(from));
		time_format_utc(row->end_ms, to, sizeof(to));
		if (row->kind == COVERAGE_PENDING)
			strbuf_printf(missing, "carrier %s: no data from %s to the month's end %s "
			              "(pending)\n", row->carrier, from, to);
		else
			strbuf_printf(missing, "carrier %s, collector %s: %lld window(s) missing from %s "
			              "to %s (%s)\n", row->carrier, row->collector,
			              (long long)row->windows_expected, from, to,
			              coverage_kind_name(row->kind));
		lines++;
	}
	if (more > 0)
		strbuf_printf(missing, "and %zu more gap(s): see the coverage CSV\n", more);
	if (lines == 0)
		strbuf_printf(missing, "%lld of %lld expected windows received\n",
		              (long long)p->all.t.windows_received, (long long)p->all.t.windows_expected);
	return 0;
}
