/*
 * fuzz_csv: libFuzzer target for arstat-plot's readers of the aggregator's
 * CSVs (plot/report_csv.c and plot/spam_csv.c, on plot/csvin.c and libcsv).
 * Input: byte 0 chooses the reader (even: the report, odd: the spam CSV),
 * byte 1 a chunk size (1 to 64 bytes), the rest is the file. Besides memory
 * errors (ASan/UBSan) it checks what report_csv.h, spam_csv.h and csvin.h
 * promise:
 *   - the report read in one piece and in chunks of that size gives the
 *     same result: the same error message, or the same rows (csvin.h:
 *     "the result does not depend on where the splits fall");
 *   - a refusal has a message;
 *   - a table read holds months 1 to 12, non-empty scopes, counts within
 *     messages and REPORT_COUNT_MAX (spam within messages), shares of at
 *     most 100 %, policy counts within messages, and rows in the promised
 *     order with no (month, scope[, method]) twice.
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.csv_replay, tests/fuzz/CMakeLists.txt).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "report_csv.h"
#include "rows.h"
#include "spam_csv.h"

/* Inputs larger than this are cut. */
#define FUZZ_CSV_MAX (64 * 1024)

/* The report read with chunks of `chunk` bytes (0: all at once): 0 and
 * *out, or -1 with the message in err. */
static int fuzz_report_read(const uint8_t *data, size_t size, size_t chunk,
                            const struct csvin_limits *lim, struct report_table **out,
                            struct strbuf *err)
{
	struct report_reader *r = report_reader_new("report.csv", lim);
	size_t off = 0, n;
	int rc = 0;

	while (rc == 0 && off < size) {
		n = chunk == 0 || size - off < chunk ? size - off : chunk;
		rc = report_reader_feed(r, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = report_reader_finish(r, out);
	if (rc < 0)
		FUZZ_CHECK(strbuf_append_str(err, report_reader_error(r)) == 0);
	report_reader_free(r);
	return rc;
}

static int same_report_row(const struct report_row *a, const struct report_row *b)
{
	return a->year == b->year && a->month == b->month &&
	       strcmp(a->month_text, b->month_text) == 0 && strcmp(a->scope, b->scope) == 0 &&
	       a->method == b->method && a->providers == b->providers &&
	       a->messages == b->messages && memcmp(a->count, b->count, sizeof(a->count)) == 0 &&
	       memcmp(a->share, b->share, sizeof(a->share)) == 0 &&
	       a->share_non_none == b->share_non_none &&
	       memcmp(a->policy, b->policy, sizeof(a->policy)) == 0 && a->line == b->line;
}

static void check_head(int month, const char *month_text, const char *scope)
{
	FUZZ_CHECK(month >= 1 && month <= 12 && strlen(month_text) == 7);
	FUZZ_CHECK(scope != NULL && scope[0] != '\0');
}

static void check_report(const struct report_table *t)
{
	const struct report_row *r, *prev = NULL;
	int64_t sum;
	size_t i;
	int k;

	for (i = 0; i < t->n; i++) {
		r = &t->rows[i];
		check_head(r->month, r->month_text, r->scope);
		FUZZ_CHECK((unsigned)r->method < AR_METHOD_COUNT);
		FUZZ_CHECK(r->messages >= 0 && r->messages <= REPORT_COUNT_MAX && r->providers >= 0);
		for (k = 0; k < REPORT_NRESULTS; k++) {
			FUZZ_CHECK(r->count[k] >= 0 && r->count[k] <= r->messages);
			FUZZ_CHECK(r->share[k] >= 0 && r->share[k] <= 10000);
		}
		FUZZ_CHECK(r->share_non_none >= 0 && r->share_non_none <= 10000);
		for (sum = 0, k = 0; k < POL_COUNT; k++) {
			FUZZ_CHECK(r->policy[k] >= 0 && (t->has_policy || r->policy[k] == 0));
			sum += r->policy[k];
		}
		FUZZ_CHECK(sum <= r->messages);
		if (prev != NULL)
			FUZZ_CHECK(prev->method < r->method ||
			           (prev->method == r->method &&
			            rows_scope_month_cmp(prev->scope, prev->year, prev->month, r->scope,
			                                 r->year, r->month) < 0));
		prev = r;
	}
}

static void fuzz_report(const uint8_t *data, size_t size, size_t chunk,
                        const struct csvin_limits *lim)
{
	struct report_table *whole = NULL, *cut = NULL;
	struct strbuf err_whole, err_cut;
	int rc_whole, rc_cut;
	size_t i;

	strbuf_init(&err_whole, 4096);
	strbuf_init(&err_cut, 4096);
	rc_whole = fuzz_report_read(data, size, 0, lim, &whole, &err_whole);
	rc_cut = fuzz_report_read(data, size, chunk, lim, &cut, &err_cut);
	FUZZ_CHECK(rc_whole == rc_cut);
	if (rc_whole < 0) {
		FUZZ_CHECK(err_whole.len > 0);
		FUZZ_CHECK(err_whole.len == err_cut.len &&
		           memcmp(err_whole.data, err_cut.data, err_cut.len) == 0);
	} else {
		check_report(whole);
		FUZZ_CHECK(whole->n == cut->n && whole->has_policy == cut->has_policy);
		for (i = 0; i < whole->n; i++)
			FUZZ_CHECK(same_report_row(&whole->rows[i], &cut->rows[i]));
	}
	report_table_free(whole);
	report_table_free(cut);
	strbuf_release(&err_whole);
	strbuf_release(&err_cut);
}

static void fuzz_spam(const uint8_t *data, size_t size, const struct csvin_limits *lim)
{
	const struct spam_row *r, *prev = NULL;
	struct spam_table *t = NULL;
	struct strbuf err;
	size_t i;

	strbuf_init(&err, 4096);
	if (spam_read_buffer("spam.csv", data, size, lim, &t, &err) < 0) {
		FUZZ_CHECK(err.len > 0);
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		r = &t->rows[i];
		check_head(r->month, r->month_text, r->scope);
		FUZZ_CHECK(r->messages >= 0 && r->messages <= REPORT_COUNT_MAX && r->providers >= 0);
		FUZZ_CHECK(r->spam >= 0 && r->spam <= r->messages);
		FUZZ_CHECK(r->share_spam >= -1 && r->share_spam <= 10000);
		FUZZ_CHECK(r->share_spam != -1 || r->spam == 0);
		FUZZ_CHECK(r->daily_messages >= 0 && r->daily_spam >= 0);
		if (prev != NULL)
			FUZZ_CHECK(rows_scope_month_cmp(prev->scope, prev->year, prev->month, r->scope,
			                                r->year, r->month) < 0);
		prev = r;
	}
out:
	spam_table_free(t);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csvin_limits lim;

	if (size < 2)
		return 0;
	if (size > FUZZ_CSV_MAX)
		size = FUZZ_CSV_MAX;
	csvin_limits_default(&lim);
	if (data[0] & 1)
		fuzz_spam(data + 2, size - 2, &lim);
	else
		fuzz_report(data + 2, size - 2, 1 + (size_t)(data[1] % 64), &lim);
	return 0;
}
