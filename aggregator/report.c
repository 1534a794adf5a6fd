/*
 * The monthly report and what its columns mean.
 *
 * Month: [first instant of the month, first instant of the next month) with
 * both cut at local midnight of the 1st in the report's time zone (default
 * Asia/Tokyo), found with the C library's zone data, so daylight saving time
 * is honoured. Counts are summed over the 15-minute buckets that start in
 * that interval (see store.h for how a record is attributed to a bucket).
 *
 * Scopes: "all" (every carrier together), then with --by-carrier one scope per
 * carrier id, in byte order.
 *
 * Method CSV, one row per scope and method (spf, dkim, dmarc, arc):
 *   messages     messages whose result for the method is not "absent"; a
 *                carrier that does not evaluate a method adds nothing to it.
 *   providers    carriers with messages > 0 for the method (0 or 1 in a
 *                carrier's own scope).
 *   none..policy the messages with that result.
 *   share_X      X / messages as a percentage, two decimals, rounded half up
 *                in integer arithmetic: 93.665 becomes 93.67.
 *   share_non_none  (messages - none) / messages, likewise.
 *   Shares are empty fields when messages is 0.
 *
 * Spam CSV, one row per scope:
 *   messages     every message, whatever its results.
 *   providers    carriers with messages > 0. (A later version may count only
 *                carriers that give verdicts other than unknown.)
 *   spam         messages with the verdict "spam".
 *   share_spam   spam / (ham + spam), as above; empty if no message has a
 *                verdict. Messages with verdict unknown are left out of it.
 *   daily_messages, daily_spam
 *                messages and spam divided by the calendar days of the
 *                month, rounded half up to an integer.
 *
 * A month without any data still gets its rows, with zeros and empty shares.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "strutil.h"
#include "timeutil.h"

/* A zone name longer than this is not one tzdata has. */
#define REPORT_TZ_MAX 128

struct report_scope {
	char *carrier; /* NULL for "all" */
	int64_t results[AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t spam[SPAM_COUNT];
	int64_t messages;
};

struct report {
	struct report_scope all;
	struct report_scope *carriers; /* sorted by strcmp of carrier */
	size_t ncarriers, alloc;
};

/*
 * glibc treats a TZ value naming no zone file as UTC without a word, which
 * would cut Tokyo's months nine hours late. So only "UTC" and names of
 * existing zone files are accepted; the name must stay inside the zone
 * directory.
 */
static int report_tz_check(const char *tz, struct strbuf *err)
{
	const char *dir = getenv("TZDIR");
	struct strbuf path;
	struct stat sb;
	size_t i, len = strlen(tz);
	int rc = -1;

	if (strcmp(tz, "UTC") == 0)
		return 0;
	strbuf_init(&path, 4096);
	if (len == 0 || len > REPORT_TZ_MAX || tz[0] == '/' || strstr(tz, "..") != NULL)
		goto bad;
	for (i = 0; i < len; i++) {
		char c = tz[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-' || c == '+'))
			goto bad;
	}
	if (strbuf_printf(&path, "%s/%s", dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo",
	                  tz) < 0 ||
	    stat(path.data, &sb) < 0 || !S_ISREG(sb.st_mode))
		goto bad;
	rc = 0;
	goto out;
bad:
	strbuf_printf(err, "time zone \"%s\" is not a known zone name (such as Asia/Tokyo or UTC)",
	              tz);
out:
	strbuf_release(&path);
	return rc;
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
	int64_t year, month;
	int next_year, next_month, rc = -1;
	time_t start = 0, end = 0;
	char *saved_tz = NULL;
	const char *old;

	memset(m, 0, sizeof(*m));
	if (strlen(s) != REPORT_MONTH_LEN - 1 || s[4] != '-' ||
	    num_parse_i64(s, 4, REPORT_YEAR_MIN, REPORT_YEAR_MAX, &year) < 0 ||
	    num_parse_i64(s + 5, 2, 1, 12, &month) < 0) {
		strbuf_printf(err, "month \"%s\" is not YYYY-MM (years %d to %d)", s, REPORT_YEAR_MIN,
		              REPORT_YEAR_MAX);
		return -1;
	}
	if (report_tz_check(tz, err) < 0)
		return -1;
	m->year = (int)year;
	m->month = (int)month;
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

	if (total == 0) {
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

struct report *report_new(void)
{
	return xcalloc(1, sizeof(struct report));
}

void report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncarriers; i++)
		free(r->carriers[i].carrier);
	free(r->carriers);
	free(r);
}

/* The scope of carrier, created in sorted position if new. */
static struct report_scope *report_scope_of(struct report *r, const char *carrier)
{
	size_t lo = 0, hi = r->ncarriers, mid;
	int cmp;

	/* Rows arrive sorted by carrier, so the last scope is the usual answer. */
	if (r->ncarriers > 0 && strcmp(r->carriers[r->ncarriers - 1].carrier, carrier) == 0)
		return &r->carriers[r->ncarriers - 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(r->carriers[mid].carrier, carrier);
		if (cmp == 0)
			return &r->carriers[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->ncarriers == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 8;
		r->carriers = xreallocarray(r->carriers, r->alloc, sizeof(*r->carriers));
	}
	memmove(&r->carriers[lo + 1], &r->carriers[lo],
	        (r->ncarriers - lo) * sizeof(*r->carriers));
	memset(&r->carriers[lo], 0, sizeof(r->carriers[lo]));
	r->carriers[lo].carrier = xstrdup(carrier);
	r->ncarriers++;
	return &r->carriers[lo];
}

static void report_scope_add(struct report_scope *s, const struct record_cell *c)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		s->results[m][c->result[m]] += c->messages;
	s->spam[c->spam] += c->messages;
	s->messages += c->messages;
}

int report_add_cell(struct report *r, const char *carrier, const struct record_cell *cell,
                    struct strbuf *err)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if ((unsigned)cell->result[m] >= AR_RESULT_COUNT) {
			strbuf_printf(err, "result out of range");
			return -1;
		}
	}
	if ((unsigned)cell->spam >= SPAM_COUNT || (unsigned)cell->dmarc_policy >= POL_COUNT) {
		strbuf_printf(err, "policy or spam verdict out of range");
		return -1;
	}
	/* Every other total is part of all.messages, so bounding it bounds them all. */
	if (cell->messages < 0 || cell->messages > REPORT_TOTAL_MAX - r->all.messages) {
		strbuf_printf(err, "message count out of range (negative, or the month's total "
		                   "exceeds %lld)", (long long)REPORT_TOTAL_MAX);
		return -1;
	}
	report_scope_add(&r->all, cell);
	report_scope_add(report_scope_of(r, carrier), cell);
	return 0;
}

static int report_load_cell(void *arg, const char *carrier, const struct record_cell *cell,
                            struct strbuf *err)
{
	return report_add_cell(arg, carrier, cell, err);
}

int report_load(struct report *r, struct store *st, const struct report_month *m,
                struct strbuf *err)
{
	return store_sum_cells(st, m->start_ms, m->end_ms, report_load_cell, r, err);
}

/* Messages with a result for method m (all but "absent"). */
static int64_t report_method_messages(const struct report_scope *s, int m)
{
	int64_t n = 0;
	int res;

	for (res = 0; res < AR_RESULT_COUNT; res++) {
		if (res != AR_ABSENT)
			n += s->results[m][res];
	}
	return n;
}

/* RFC 4180: quote a field holding a separator, a quote or a line break. */
static void report_put_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void report_put_share(FILE *out, int64_t count, int64_t total)
{
	char buf[32];

	report_format_share(count, total, buf, sizeof(buf));
	fputc(',', out);
	fputs(buf, out);
}

static void report_method_row(FILE *out, const struct report *r, const struct report_scope *s,
                              const struct report_month *mon, int m)
{
	int64_t messages = report_method_messages(s, m), providers = 0;
	size_t i;
	int res;

	if (s == &r->all) {
		for (i = 0; i < r->ncarriers; i++)
			providers += report_method_messages(&r->carriers[i], m) > 0;
	} else {
		providers = messages > 0;
	}
	fprintf(out, "%s,", mon->text);
	report_put_field(out, s->carrier != NULL ? s->carrier : "all");
	fprintf(out, ",%s,%lld,%lld", ar_method_name((enum ar_method)m), (long long)providers,
	        (long long)messages);
	for (res = AR_NONE; res <= AR_POLICY; res++)
		fprintf(out, ",%lld", (long long)s->results[m][res]);
	for (res = AR_NONE; res <= AR_POLICY; res++)
		report_put_share(out, s->results[m][res], messages);
	report_put_share(out, messages - s->results[m][AR_NONE], messages);
	fputc('\n', out);
}

int report_write_methods(const struct report *r, const struct report_month *m, int by_carrier,
                         FILE *out)
{
	size_t i;
	int method;

	fputs("month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
	      "permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
	      "share_temperror,share_permerror,share_policy,share_non_none\n", out);
	for (method = 0; method < AR_METHOD_COUNT; method++)
		report_method_row(out, r, &r->all, m, method);
	for (i = 0; by_carrier && i < r->ncarriers; i++) {
		for (method = 0; method < AR_METHOD_COUNT; method++)
			report_method_row(out, r, &r->carriers[i], m, method);
	}
	return ferror(out) ? -1 : 0;
}

static void report_spam_row(FILE *out, const struct report *r, const struct report_scope *s,
                            const struct report_month *mon)
{
	int64_t providers = 0, spam = s->spam[SPAM_SPAM];
	size_t i;

	if (s == &r->all) {
		for (i = 0; i < r->ncarriers; i++)
			providers += r->carriers[i].messages > 0;
	} else {
		providers = s->messages > 0;
	}
	fprintf(out, "%s,", mon->text);
	report_put_field(out, s->carrier != NULL ? s->carrier : "all");
	fprintf(out, ",%lld,%lld,%lld", (long long)providers, (long long)s->messages,
	        (long long)spam);
	report_put_share(out, spam, spam + s->spam[SPAM_HAM]);
	fprintf(out, ",%lld,%lld\n", (long long)report_div_half_up(s->messages, mon->days),
	        (long long)report_div_half_up(spam, mon->days));
}

int report_write_spam(const struct report *r, const struct report_month *m, int by_carrier,
                      FILE *out)
{
	size_t i;

	fputs("month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam\n", out);
	report_spam_row(out, r, &r->all, m);
	for (i = 0; by_carrier && i < r->ncarriers; i++)
		report_spam_row(out, r, &r->carriers[i], m);
	return ferror(out) ? -1 : 0;
}
