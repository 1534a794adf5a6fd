/*
 * report - the monthly report: which instants a month covers in a time zone,
 * the totals of a month per scope (all carriers, each carrier), and the two
 * CSV files regulators publish. The column definitions are at the top of
 * report.c.
 */
#ifndef ARSTAT_AGGREGATOR_REPORT_H
#define ARSTAT_AGGREGATOR_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "store.h"
#include "strbuf.h"

/* Years a report may name; the lower bound keeps every instant after 1970. */
#define REPORT_YEAR_MIN 1971
#define REPORT_YEAR_MAX 9999
/* No total in a report may pass this, so that count * 20000 + total (the
 * rounding of a share, count <= total) fits in int64. It is about a thousand
 * times the world's monthly mail; a store that sums beyond it is refused,
 * not rounded. */
#define REPORT_TOTAL_MAX (INT64_MAX / 20001)
/* "YYYY-MM" and its NUL. */
#define REPORT_MONTH_LEN 8

struct report_month {
	int year, month;              /* month 1..12 */
	char text[REPORT_MONTH_LEN];  /* "YYYY-MM", as printed in the month column */
	int64_t start_ms, end_ms;     /* [first instant of the month, of the next) in UTC */
	int days;                     /* calendar days, for the daily averages */
};

/*
 * Fill m for the month s ("YYYY-MM", year in [REPORT_YEAR_MIN,
 * REPORT_YEAR_MAX]) cut in time zone tz (an IANA name such as "Asia/Tokyo",
 * or "UTC"). The month starts at the first instant whose local date is its
 * first day, also where midnight does not exist or occurs twice. Uses and
 * restores the TZ environment variable, so it is not thread-safe. 0, or -1
 * with the reason in err (malformed month, unknown zone).
 */
int report_month_init(struct report_month *m, const char *s, const char *tz,
                      struct strbuf *err);

/*
 * count/total as a percentage with two decimals, rounded half up, computed
 * in integers: returns the percentage times 100 (e.g. 9367 for 93.665 %).
 * Requires 0 <= count <= total, 0 < total <= REPORT_TOTAL_MAX.
 */
int64_t report_share_x100(int64_t count, int64_t total);
/* Format that share as "93.67" into buf (at least 8 bytes); an empty string
 * if total is 0. */
void report_format_share(int64_t count, int64_t total, char *buf, size_t size);
/* a/b rounded half up, for 0 <= a <= REPORT_TOTAL_MAX, 0 < b <= REPORT_TOTAL_MAX. */
int64_t report_div_half_up(int64_t a, int64_t b);

struct report;

/* An empty report (no carrier, all totals 0). Never returns NULL. */
struct report *report_new(void);
/* report_free(NULL) is a no-op. */
void report_free(struct report *r);

/*
 * Add messages of one combination of one carrier. 0, or -1 with err if
 * messages is negative, a value is out of range, or a total would pass
 * REPORT_TOTAL_MAX. Carriers may come in any order.
 */
int report_add_cell(struct report *r, const char *carrier, const struct record_cell *cell,
                    struct strbuf *err);
/* Add every count of the store in [m->start_ms, m->end_ms). 0 or -1 with err. */
int report_load(struct report *r, struct store *st, const struct report_month *m,
                struct strbuf *err);

/*
 * Write the method CSV (header and rows: scope "all", then each carrier in
 * byte order if by_carrier, each with spf, dkim, dmarc, arc) to out.
 * 0, or -1 if writing failed.
 */
int report_write_methods(const struct report *r, const struct report_month *m, int by_carrier,
                         FILE *out);
/* Write the spam CSV, same scopes. 0, or -1 if writing failed. */
int report_write_spam(const struct report *r, const struct report_month *m, int by_carrier,
                      FILE *out);

#endif
