/*
 * rows - what plot's tables and charts do alike with their arrays of rows:
 * grow them one element at a time, and order them by month, or by scope
 * and then month. The report and spam readers (report_csv.c, spam_csv.c)
 * and the month axis and provider list of chart.c use these, so that each
 * array keeps its own element type and there is one copy of the logic.
 */
#ifndef ARSTAT_ROWS_H
#define ARSTAT_ROWS_H

#include <stddef.h>

/*
 * Room for element n (at most *alloc: arrays grow one element at a time)
 * of the array v of size-byte elements, of which *alloc are allocated (0
 * for a NULL v). Returns v itself while n < *alloc, else v
 * grown (to 64 elements at first, then twice as many each time) with *alloc
 * updated; the caller stores the result back where v came from, like
 * realloc's. Never returns NULL: running out of memory, or an array too large
 * for size_t, panics (mem.h).
 */
void *rows_grow(void *v, size_t n, size_t *alloc, size_t size);

/* The order of months (year_a, month_a) and (year_b, month_b): negative,
 * 0 or positive, as strcmp's. */
int rows_month_cmp(int year_a, int month_a, int year_b, int month_b);

/* The order of rows by scope (bytewise), then month: negative, 0 or
 * positive, as strcmp's. */
int rows_scope_month_cmp(const char *scope_a, int year_a, int month_a, const char *scope_b,
                         int year_b, int month_b);

#endif
