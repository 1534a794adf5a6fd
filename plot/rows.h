/*
 * rows - what plot's tables and charts do alike with their arrays of rows:
 * order them by month, or by scope and then month. The report and spam
 * readers (report_csv.c, spam_csv.c) and the month axis of chart.c use these.
 * (They grow their arrays with xgrow, mem.h.)
 */
#ifndef ARSTAT_ROWS_H
#define ARSTAT_ROWS_H

#include <stddef.h>

/* The order of months (year_a, month_a) and (year_b, month_b): negative,
 * 0 or positive, as strcmp's. */
int rows_month_cmp(int year_a, int month_a, int year_b, int month_b);

/* The order of rows by scope (bytewise), then month: negative, 0 or
 * positive, as strcmp's. */
int rows_scope_month_cmp(const char *scope_a, int year_a, int month_a, const char *scope_b,
                         int year_b, int month_b);

#endif
