#include "rows.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "mem.h"

/* The first allocation: a report of a few years has a few hundred rows. */
#define ROWS_FIRST 64

void *rows_grow(void *v, size_t n, size_t *alloc, size_t size)
{
	size_t want;

	assert(n <= *alloc);
	if (n < *alloc)
		return v;
	want = *alloc != 0 ? *alloc : ROWS_FIRST / 2;
	/* Doubling must not wrap round to a smaller array. */
	if (want > SIZE_MAX / 2)
		msg_panic("rows_grow: %zu elements of %zu bytes", want, size);
	want *= 2;
	v = xreallocarray(v, want, size);
	*alloc = want;
	return v;
}

int rows_month_cmp(int year_a, int month_a, int year_b, int month_b)
{
	if (year_a != year_b)
		return year_a < year_b ? -1 : 1;
	if (month_a != month_b)
		return month_a < month_b ? -1 : 1;
	return 0;
}

int rows_scope_month_cmp(const char *scope_a, int year_a, int month_a, const char *scope_b,
                         int year_b, int month_b)
{
	int c = strcmp(scope_a, scope_b);

	if (c != 0)
		return c;
	return rows_month_cmp(year_a, month_a, year_b, month_b);
}
