/*
 * report_csv - the aggregator's monthly report CSV, read into a table.
 *
 * Columns (found by name; order free; other columns ignored):
 *   month,scope,method,providers,messages,
 *   none,pass,fail,softfail,neutral,temperror,permerror,policy,
 *   share_none,...,share_policy,share_non_none
 * month is YYYY-MM; scope is "all" or a carrier id (no control characters);
 * method is spf|dkim|dmarc|arc; counts are non-negative integers, none larger
 * than messages; shares are percentages in [0, 100] with at most two
 * decimals, except that the aggregator leaves them empty when messages is 0
 * (a month without data, a carrier that does not evaluate the method): then
 * they are read as 0. A second record with the same (month, scope, method)
 * is an error. Every error names FILE:LINE:COLUMN (see csvin.h).
 *
 * Optional columns (a newer aggregator writes them; an older file without
 * them is read as before): policy_none, policy_quarantine, policy_reject,
 * the DMARC rows' messages by the strongest published DMARC policy seen.
 * All three or none of them; in other methods' rows they may be empty (read
 * as 0); their sum is at most messages. And suppressed: a row with "yes"
 * there has its figures withheld and is skipped. And the coverage:
 * complete ("yes", "no" or "no data"; "no" marks the row's month
 * incomplete on the charts) and share_windows_received (a share, or empty).
 * And refused (an aggregator of record schema v2's fates writes it): the
 * messages with a result for the method that the receiver rejected,
 * discarded or held, in none of the counts above (empty in a withheld row,
 * read as 0).
 *
 * The column names are the aggregator's (domain/report_schema.h), and the
 * methods and results the vocabulary's (domain/result.h).
 */
#ifndef ARSTAT_REPORT_CSV_H
#define ARSTAT_REPORT_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "htable.h"
#include "report_schema.h"
#include "result.h"
#include "strbuf.h"

/* Largest count accepted; far above any mail volume, far below overflow
 * when counts are summed. */
#define REPORT_COUNT_MAX INT64_C(1000000000000000)

struct report_row {
	int year, month;      /* month 1..12 */
	char month_text[8];   /* "YYYY-MM" */
	char *scope;          /* owned by the table */
	enum ar_method method;
	int64_t providers, messages;
	int64_t count[REPORT_NRESULTS]; /* by enum ar_result */
	/* Shares in hundredths of a percent: 8911 is 89.11 %. All 0 when
	 * messages is 0; test messages, not the shares, for "no data". */
	int32_t share[REPORT_NRESULTS];
	int32_t share_non_none;
	/* Messages by published DMARC policy (POL_NONE .. POL_REJECT; POL_ABSENT
	 * stays 0); all 0 unless the table has_policy. */
	int64_t policy[POL_COUNT];
	/* complete is "no"; the share of collection windows received in
	 * hundredths, or -1 if not known (empty, or an older file). */
	int incomplete;
	int32_t windows_x100;
	/* Messages refused by the receiver (not in messages); 0 unless the
	 * table has_refused. */
	int64_t refused;
	unsigned long line; /* where the record was in the file */
};

/* Rows sorted by method, then scope (bytewise), then month. */
struct report_table {
	struct report_row *rows;
	size_t n;
	int has_policy; /* the file had the policy_* columns */
	int has_refused; /* the file had the refused column */
};

/*
 * Field parsers shared by the readers of arstat's CSV family (a month
 * column is read by time_parse_month in timeutil.h). Each parses
 * exactly s[0..len) and returns 0 with the value, or -1 (value untouched).
 * report_parse_hundredths: "D[.D[D]]" with at most `max` hundredths, e.g.
 *   "89.1" -> 8910; no sign, no exponent, no spaces.
 */
int report_parse_hundredths(const char *s, size_t len, int64_t max, int64_t *out);

/*
 * Record checks shared by the readers of the tidy CSVs (report_csv.c,
 * spam_csv.c). Those that return int give 0, or -1 after csvin_row_fail().
 * report_row_withheld: 1 if field `col` is "yes", the aggregator's mark of
 *   a row whose figures are withheld (nothing of it is drawn), else 0.
 * report_row_head: the month (field col_month, into *year, *month and
 *   text, "YYYY-MM" and its NUL) and the scope (field col_scope: not empty,
 *   no control character).
 * report_row_count: field col as a non-negative integer up to max.
 * report_row_claim: the duplicate check of a record about to become a row.
 *   Its key is `tag` (what else tells records apart, of fixed width,
 *   starting with the month "YYYY-MM": the month, and the method in the
 *   report CSV) followed by field col_scope; `keys` is the reader's table of
 *   the keys so far. Returns the scope, a copy for the row to own, with the
 *   key recorded; or NULL after csvin_row_fail_at() at the record's start,
 *   "duplicate record: month M<what> as on line N", if an earlier record
 *   had the key.
 */
int report_row_withheld(const struct csvin_row *row, size_t col);
int report_row_head(const struct csvin_row *row, size_t col_month, size_t col_scope, int *year,
                    int *month, char *text);
int report_row_count(const struct csvin_row *row, size_t col, int64_t max, int64_t *out);
char *report_row_claim(struct htable *keys, const struct csvin_row *row, size_t col_scope,
                       const char *tag, const char *what);

struct report_reader;

/* A reader for input called `name` (copied). Never returns NULL. */
struct report_reader *report_reader_new(const char *name, const struct csvin_limits *lim);
void report_reader_free(struct report_reader *r);
/* Parse the next chunk, split anywhere. 0, or -1 with report_reader_error(). */
int report_reader_feed(struct report_reader *r, const void *buf, size_t len);
/* End of input. 0 and *out (the caller's, free with report_table_free), or
 * -1 with report_reader_error(). The reader is spent either way. */
int report_reader_finish(struct report_reader *r, struct report_table **out);
/* The message after a failure; owned by the reader. */
const char *report_reader_error(const struct report_reader *r);

/* Read a whole file. 0 and *out, or -1 with the reason in err. */
int report_read_file(const char *path, const struct csvin_limits *lim,
                     struct report_table **out, struct strbuf *err);
/* Whether t has a row of `scope`. */
int report_table_has_scope(const struct report_table *t, const char *scope);
void report_table_free(struct report_table *t);

#endif
