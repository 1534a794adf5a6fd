#include "rows.h"

#include <string.h>

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
