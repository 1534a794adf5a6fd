#include "report_csv.h"

#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "rows.h"
#include "timeutil.h"

/*
 * The columns this reader wants, by their index in its csvin schema; from
 * COL_POLICY0 on they are optional (an older aggregator did not write them).
 * report_want() gives each one's column in domain/report_schema.h.
 */
enum {
	COL_MONTH,
	COL_SCOPE,
	COL_METHOD,
	COL_PROVIDERS,
	COL_MESSAGES,
	COL_COUNT0, /* none .. policy, by enum ar_result */
	COL_SHARE0 = COL_COUNT0 + REPORT_NRESULTS,
	COL_SHARE_NON_NONE = COL_SHARE0 + REPORT_NRESULTS,
	COL_POLICY0, /* policy_none .. policy_reject */
	COL_SUPPRESSED = COL_POLICY0 + REPORT_NPOLICIES, /* "yes": figures withheld */
	COL_SHARE_WINDOWS,  /* share_windows_received */
	COL_COMPLETE,       /* "yes", "no" or "no data" */
	COL_REFUSED,        /* messages refused by the receiver */
	COL_N
};

/* The method CSV's columns up to share_non_none, the three policy counts,
 * suppressed, the coverage's share and complete: where each COL_ is in the
 * aggregator's schema. */
static enum report_method_col report_want(size_t col)
{
	if (col < COL_POLICY0)
		return (enum report_method_col)(REPORT_M_MONTH + col);
	if (col < COL_SUPPRESSED)
		return (enum report_method_col)(REPORT_M_POLICY0 + (col - COL_POLICY0));
	if (col == COL_SHARE_WINDOWS)
		return REPORT_M_SHARE_WINDOWS_RECEIVED;
	if (col == COL_COMPLETE)
		return REPORT_M_COMPLETE;
	if (col == COL_REFUSED)
		return REPORT_M_REFUSED;
	return REPORT_M_SUPPRESSED;
}

_Static_assert((int)REPORT_M_SHARE_NON_NONE == (int)COL_SHARE_NON_NONE,
               "the reader's required columns are the schema's first ones");
_Static_assert(REPORT_M_NCOLS <= CSVIN_MAX_COLUMNS, "the method CSV fits csvin's records");
_Static_assert(AR_METHOD_COUNT <= 10, "a method is one digit in a row's key (report_on_row)");

/* A provider count above this is not a count of mail providers. */
#define REPORT_PROVIDERS_MAX 1000000

struct report_reader {
	char *name;
	const char *cols[COL_N]; /* the csvin schema: names from report_method_columns */
	struct csvin *csv;
	struct report_table *table;
	size_t alloc;
	/* (month, method, scope) of every row so far (report_row_claim). */
	struct htable *keys;
};

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

int report_parse_hundredths(const char *s, size_t len, int64_t max, int64_t *out)
{
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot != NULL ? (size_t)(dot - s) : len;
	size_t flen = dot != NULL ? len - ilen - 1 : 0;
	int64_t ip, fp = 0, v;

	/* num_parse_i64 takes a sign; a share has none. */
	if (ilen == 0 || !is_digit(s[0]))
		return -1;
	if (num_parse_i64(s, ilen, 0, max / 100, &ip) < 0)
		return -1;
	if (dot != NULL) {
		if (flen < 1 || flen > 2 || !is_digit(dot[1]) ||
		    num_parse_i64(dot + 1, flen, 0, 99, &fp) < 0)
			return -1;
		if (flen == 1)
			fp *= 10;
	}
	v = ip * 100 + fp;
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int report_row_count(const struct csvin_row *row, size_t col, int64_t max, int64_t *out)
{
	const struct csvin_field *f = csvin_row_field(row, col);

	/* A leading sign is not part of a count. */
	if (f->len == 0 || !is_digit(f->s[0]) || num_parse_i64(f->s, f->len, 0, max, out) < 0)
		return csvin_row_fail(row, col, "not a non-negative integer up to %lld", (long long)max);
	return 0;
}

int report_row_withheld(const struct csvin_row *row, size_t col)
{
	const struct csvin_field *f = csvin_row_field(row, col);

	return f->len == 3 && memcmp(f->s, "yes", 3) == 0;
}

int report_row_head(const struct csvin_row *row, size_t col_month, size_t col_scope, int *year,
                    int *month, char *text)
{
	const struct csvin_field *f;
	size_t i;

	f = csvin_row_field(row, col_month);
	if (time_parse_month(f->s, f->len, year, month) < 0)
		return csvin_row_fail(row, col_month, "not a month YYYY-MM");
	memcpy(text, f->s, 7);
	text[7] = '\0';

	f = csvin_row_field(row, col_scope);
	if (f->len == 0)
		return csvin_row_fail(row, col_scope, "empty");
	for (i = 0; i < f->len; i++) {
		unsigned char ch = (unsigned char)f->s[i];

		if (ch < 0x20 || ch == 0x7f)
			return csvin_row_fail(row, col_scope, "contains a control character");
	}
	return 0;
}

char *report_row_claim(struct htable *keys, const struct csvin_row *row, size_t col_scope,
                       const char *tag, const char *what)
{
	const struct csvin_field *scope = csvin_row_field(row, col_scope);
	unsigned long line = csvin_row_line(row), first;
	struct strbuf key;

	/* The tag has a fixed width, so the scope needs no separator. */
	strbuf_init(&key, strlen(tag) + scope->len);
	strbuf_append_str(&key, tag);
	strbuf_append(&key, scope->s, scope->len);
	/* The value is the line cast to a pointer: lines start at 1, so never NULL. */
	first = (unsigned long)(uintptr_t)htable_find(keys, key.data, key.len);
	if (first == 0)
		htable_insert(keys, key.data, key.len, (void *)(uintptr_t)line);
	strbuf_release(&key);
	if (first != 0) {
		csvin_row_fail_at(row, line, csvin_row_col(row),
		                  "duplicate record: month %.7s%s as on line %lu", tag, what, first);
		return NULL;
	}
	return xstrndup(scope->s, scope->len);
}

/* A share of no messages (messages is 0) is written as an empty field; it
 * is read as 0, and anything but empty or 0 is an error. */
static int parse_share(const struct csvin_row *row, size_t col, int64_t messages, int32_t *out)
{
	const struct csvin_field *f = csvin_row_field(row, col);
	int64_t v;

	if (messages == 0 && f->len == 0) {
		*out = 0;
		return 0;
	}
	if (report_parse_hundredths(f->s, f->len, 10000, &v) < 0)
		return csvin_row_fail(row, col,
		                      "not a percentage from 0 to 100 with at most two decimals");
	if (messages == 0 && v != 0)
		return csvin_row_fail(row, col, "a share of no messages (messages is 0)");
	*out = (int32_t)v;
	return 0;
}

/* The optional policy columns: all or none of them in the header; each
 * empty (0) or a count; together at most messages. */
static int parse_policy(const struct csvin_row *row, struct report_row *rw)
{
	int64_t sum = 0;
	size_t i, have = 0;

	for (i = 0; i < REPORT_NPOLICIES; i++)
		have += csvin_row_has(row, COL_POLICY0 + i) ? 1 : 0;
	if (have == 0)
		return 0;
	if (have != REPORT_NPOLICIES)
		return csvin_row_fail_at(row, 1, 1,
		                         "header has some of policy_none, policy_quarantine and "
		                         "policy_reject but not all three");
	for (i = 0; i < REPORT_NPOLICIES; i++) {
		int64_t *n = &rw->policy[POL_NONE + i];

		if (csvin_row_field(row, COL_POLICY0 + i)->len == 0)
			continue;
		if (report_row_count(row, COL_POLICY0 + i, REPORT_COUNT_MAX, n) < 0)
			return -1;
		sum += *n;
	}
	if (sum > rw->messages)
		return csvin_row_fail(row, COL_POLICY0 + REPORT_NPOLICIES - 1,
		                      "policy counts add up to %lld, more than messages (%lld)",
		                      (long long)sum, (long long)rw->messages);
	return 0;
}

/* The optional coverage columns: complete ("no" marks the row's month
 * incomplete; "yes", "no data" or absent do not) and the share of the
 * collection windows received (empty or absent: not known). */
static int parse_coverage(const struct csvin_row *row, struct report_row *rw)
{
	const struct csvin_field *f = csvin_row_field(row, COL_COMPLETE);
	int64_t v;

	rw->incomplete = 0;
	rw->windows_x100 = -1;
	if (f->len == 2 && memcmp(f->s, "no", 2) == 0)
		rw->incomplete = 1;
	else if (f->len != 0 && !(f->len == 3 && memcmp(f->s, "yes", 3) == 0) &&
	         !(f->len == 7 && memcmp(f->s, "no data", 7) == 0))
		return csvin_row_fail(row, COL_COMPLETE, "not yes, no or no data");
	f = csvin_row_field(row, COL_SHARE_WINDOWS);
	if (f->len == 0)
		return 0;
	if (report_parse_hundredths(f->s, f->len, 10000, &v) < 0)
		return csvin_row_fail(row, COL_SHARE_WINDOWS,
		                      "not a percentage from 0 to 100 with at most two decimals");
	rw->windows_x100 = (int32_t)v;
	return 0;
}

static int report_parse_row(const struct csvin_row *row, struct report_row *rw)
{
	const struct csvin_field *f;
	size_t i;

	if (report_row_head(row, COL_MONTH, COL_SCOPE, &rw->year, &rw->month, rw->month_text) < 0)
		return -1;
	f = csvin_row_field(row, COL_METHOD);
	if (ar_method_parse(f->s, f->len, &rw->method) < 0)
		return csvin_row_fail(row, COL_METHOD, "unknown method (expected spf, dkim, dmarc or arc)");

	if (report_row_count(row, COL_PROVIDERS, REPORT_PROVIDERS_MAX, &rw->providers) < 0 ||
	    report_row_count(row, COL_MESSAGES, REPORT_COUNT_MAX, &rw->messages) < 0)
		return -1;
	for (i = 0; i < REPORT_NRESULTS; i++) {
		if (report_row_count(row, COL_COUNT0 + i, REPORT_COUNT_MAX, &rw->count[i]) < 0)
			return -1;
		/* Whatever the share's denominator, no result can count more
		 * messages than there are. */
		if (rw->count[i] > rw->messages)
			return csvin_row_fail(row, COL_COUNT0 + i, "larger than messages (%lld)",
			                      (long long)rw->messages);
	}
	for (i = 0; i < REPORT_NRESULTS; i++) {
		if (parse_share(row, COL_SHARE0 + i, rw->messages, &rw->share[i]) < 0)
			return -1;
	}
	if (parse_share(row, COL_SHARE_NON_NONE, rw->messages, &rw->share_non_none) < 0)
		return -1;
	if (parse_policy(row, rw) < 0)
		return -1;
	if (parse_coverage(row, rw) < 0)
		return -1;
	/* Optional: an older file has no refused column. */
	if (csvin_row_has(row, COL_REFUSED) && csvin_row_field(row, COL_REFUSED)->len > 0 &&
	    report_row_count(row, COL_REFUSED, REPORT_COUNT_MAX, &rw->refused) < 0)
		return -1;
	rw->line = csvin_row_line(row);
	return 0;
}

static int report_on_row(void *ctx, const struct csvin_row *row)
{
	struct report_reader *r = ctx;
	struct report_table *t = r->table;
	struct report_row rw;
	char tag[9];

	memset(&rw, 0, sizeof(rw));
	/* The aggregator withholds a combined figure of too few providers: such
	 * a row has no counts, and nothing of it is drawn. */
	if (report_row_withheld(row, COL_SUPPRESSED))
		return 0;
	if (report_parse_row(row, &rw) < 0)
		return -1;
	/* The month and the method's one digit: a fixed width. */
	memcpy(tag, rw.month_text, 7);
	tag[7] = (char)('0' + (int)rw.method);
	tag[8] = '\0';
	rw.scope = report_row_claim(r->keys, row, COL_SCOPE, tag, ", scope and method");
	if (rw.scope == NULL)
		return -1;
	t->rows = xgrow(t->rows, t->n + 1, &r->alloc, sizeof(*t->rows), 64);
	t->rows[t->n++] = rw;
	return 0;
}

struct report_reader *report_reader_new(const char *name, const struct csvin_limits *lim)
{
	struct report_reader *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->name = xstrdup(name);
	for (i = 0; i < COL_N; i++)
		r->cols[i] = report_method_columns[report_want(i)];
	r->table = xcalloc(1, sizeof(*r->table));
	r->keys = htable_new(256);
	r->csv = csvin_new(r->name, r->cols, COL_N, lim, report_on_row, r);
	csvin_optional(r->csv, COL_POLICY0);
	return r;
}

void report_reader_free(struct report_reader *r)
{
	if (r == NULL)
		return;
	csvin_free(r->csv);
	report_table_free(r->table);
	htable_free(r->keys, NULL);
	free(r->name);
	free(r);
}

int report_reader_feed(struct report_reader *r, const void *buf, size_t len)
{
	return csvin_feed(r->csv, buf, len);
}

static int report_row_cmp(const void *pa, const void *pb)
{
	const struct report_row *a = pa, *b = pb;

	if (a->method != b->method)
		return a->method < b->method ? -1 : 1;
	return rows_scope_month_cmp(a->scope, a->year, a->month, b->scope, b->year, b->month);
}

/* Hand the finished table over, sorted. */
static void report_take(struct report_reader *r, struct report_table **out)
{
	if (r->table->n > 1)
		qsort(r->table->rows, r->table->n, sizeof(*r->table->rows), report_row_cmp);
	/* Rows have checked that the header has all three or none. */
	r->table->has_policy = csvin_has_column(r->csv, COL_POLICY0) &&
	                       csvin_has_column(r->csv, COL_POLICY0 + REPORT_NPOLICIES - 1);
	r->table->has_refused = csvin_has_column(r->csv, COL_REFUSED);
	*out = r->table;
	r->table = NULL;
}

int report_reader_finish(struct report_reader *r, struct report_table **out)
{
	if (csvin_finish(r->csv) < 0)
		return -1;
	report_take(r, out);
	return 0;
}

const char *report_reader_error(const struct report_reader *r)
{
	return csvin_error(r->csv);
}

int report_read_file(const char *path, const struct csvin_limits *lim,
                     struct report_table **out, struct strbuf *err)
{
	struct report_reader *r = report_reader_new(path, lim);
	int rc = -1;

	if (csvin_read_file(r->csv, path) < 0) {
		strbuf_append_str(err, csvin_error(r->csv));
		goto out;
	}
	report_take(r, out);
	rc = 0;
out:
	report_reader_free(r);
	return rc;
}

int report_table_has_scope(const struct report_table *t, const char *scope)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->rows[i].scope, scope) == 0)
			return 1;
	}
	return 0;
}

void report_table_free(struct report_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->rows[i].scope);
	free(t->rows);
	free(t);
}
