#include "spam_csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "mem.h"
#include "numparse.h"
#include "report_csv.h"
#include "report_schema.h"
#include "rows.h"

/*
 * The columns this reader wants are the spam CSV's first ones
 * (domain/report_schema.h), up to suppressed, which is optional: an older
 * aggregator did not write it.
 */
#define SPAM_NCOLS (REPORT_S_SUPPRESSED + 1)

#define SPAM_PROVIDERS_MAX 1000000

struct spam_reader {
	struct spam_table *table;
	size_t alloc;
	struct htable *keys; /* (month, scope) -> line (report_row_claim) */
};

static int parse_hundredths(const struct csvin_row *row, size_t col, int64_t max,
                            const char *what, int64_t *out)
{
	const struct csvin_field *f = csvin_row_field(row, col);

	if (report_parse_hundredths(f->s, f->len, max, out) < 0)
		return csvin_row_fail(row, col, "not %s with at most two decimals", what);
	return 0;
}

static int spam_on_row(void *ctx, const struct csvin_row *row)
{
	struct spam_reader *r = ctx;
	struct spam_table *t = r->table;
	struct spam_row rw;
	int64_t share;

	memset(&rw, 0, sizeof(rw));
	/* Withheld (too few providers): no figures to draw. */
	if (report_row_withheld(row, REPORT_S_SUPPRESSED))
		return 0;
	if (report_row_head(row, REPORT_S_MONTH, REPORT_S_SCOPE, &rw.year, &rw.month,
	                    rw.month_text) < 0)
		return -1;
	if (report_row_count(row, REPORT_S_PROVIDERS, SPAM_PROVIDERS_MAX, &rw.providers) < 0 ||
	    report_row_count(row, REPORT_S_MESSAGES, REPORT_COUNT_MAX, &rw.messages) < 0 ||
	    report_row_count(row, REPORT_S_SPAM, REPORT_COUNT_MAX, &rw.spam) < 0)
		return -1;
	if (rw.spam > rw.messages)
		return csvin_row_fail(row, REPORT_S_SPAM, "larger than messages (%lld)",
		                      (long long)rw.messages);
	/* No verdict at all leaves the share empty; a spam verdict is one. */
	if (rw.spam == 0 && csvin_row_field(row, REPORT_S_SHARE_SPAM)->len == 0)
		share = -1;
	else if (parse_hundredths(row, REPORT_S_SHARE_SPAM, 10000, "a percentage from 0 to 100",
	                          &share) < 0)
		return -1;
	if (parse_hundredths(row, REPORT_S_DAILY_MESSAGES, REPORT_COUNT_MAX * 100,
	                     "a non-negative number", &rw.daily_messages) < 0 ||
	    parse_hundredths(row, REPORT_S_DAILY_SPAM, REPORT_COUNT_MAX * 100, "a non-negative number",
	                     &rw.daily_spam) < 0)
		return -1;
	rw.share_spam = (int32_t)share;
	rw.line = csvin_row_line(row);
	rw.scope = report_row_claim(r->keys, row, REPORT_S_SCOPE, rw.month_text, " and scope");
	if (rw.scope == NULL)
		return -1;
	t->rows = xgrow(t->rows, t->n + 1, &r->alloc, sizeof(*t->rows), 64);
	t->rows[t->n++] = rw;
	return 0;
}

int spam_table_has_scope(const struct spam_table *t, const char *scope)
{
	size_t lo = 0, hi = t->n;

	/* The rows are sorted by scope first: a binary search finds one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->rows[mid].scope, scope);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int spam_row_cmp(const void *pa, const void *pb)
{
	const struct spam_row *a = pa, *b = pb;

	return rows_scope_month_cmp(a->scope, a->year, a->month, b->scope, b->year, b->month);
}

/* Read from a file (path != NULL) or from buf; the common part of both. */
static int spam_read(const char *name, const char *path, const void *buf, size_t len,
                     const struct csvin_limits *lim, struct spam_table **out, struct strbuf *err)
{
	struct spam_reader r;
	struct csvin *csv;
	int rc = -1;

	r.table = xcalloc(1, sizeof(*r.table));
	r.alloc = 0;
	r.keys = htable_new(256);
	csv = csvin_new(name, report_spam_columns, SPAM_NCOLS, lim, spam_on_row, &r);
	csvin_optional(csv, REPORT_S_SUPPRESSED);
	if (path != NULL)
		rc = csvin_read_file(csv, path);
	else if (csvin_feed(csv, buf, len) < 0 || csvin_finish(csv) < 0)
		rc = -1;
	else
		rc = 0;
	if (rc < 0) {
		strbuf_append_str(err, csvin_error(csv));
		goto out;
	}
	if (r.table->n > 1)
		qsort(r.table->rows, r.table->n, sizeof(*r.table->rows), spam_row_cmp);
	*out = r.table;
	r.table = NULL;
out:
	csvin_free(csv);
	htable_free(r.keys, NULL);
	spam_table_free(r.table);
	return rc;
}

int spam_read_file(const char *path, const struct csvin_limits *lim,
                   struct spam_table **out, struct strbuf *err)
{
	return spam_read(path, path, NULL, 0, lim, out, err);
}

int spam_read_buffer(const char *name, const void *buf, size_t len,
                     const struct csvin_limits *lim, struct spam_table **out,
                     struct strbuf *err)
{
	return spam_read(name, NULL, buf, len, lim, out, err);
}

void spam_table_free(struct spam_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->rows[i].scope);
	free(t->rows);
	free(t);
}
