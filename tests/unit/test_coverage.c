/* unit.coverage: which windows each collector delivered in a month. */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "coverage.h"
#include "timeutil.h"

#define MIN INT64_C(60000)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi)
{
	return (time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static void add(struct coverage *c, const char *carrier, const char *collector, int64_t start,
                int64_t end, int64_t window)
{
	struct store_run run = { carrier, collector, start, end, window, 0 };
	struct strbuf err;

	strbuf_init(&err, 256);
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), 0);
	strbuf_release(&err);
}

static void vouch(struct coverage *c, const char *carrier, const char *collector,
                  int64_t start, int64_t end, int64_t window)
{
	struct store_run run = { carrier, collector, start, end, window, 1 };
	struct strbuf err;

	strbuf_init(&err, 256);
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), 0);
	strbuf_release(&err);
}

/* The row of kind for collector (NULL: the carrier's pending row), or NULL. */
static const struct coverage_row *find(const struct coverage_month *cm, enum coverage_kind kind,
                                       const char *carrier, const char *collector, int nth)
{
	size_t i;

	for (i = 0; i < cm->nrows; i++) {
		const struct coverage_row *r = &cm->rows[i];

		if (r->kind == kind && strcmp(r->carrier, carrier) == 0 &&
		    (collector == NULL ? r->collector == NULL
		                       : r->collector != NULL && strcmp(r->collector, collector) == 0) &&
		    nth-- == 0)
			return r;
	}
	return NULL;
}

static void test_windows_rounding(void)
{
	CU_ASSERT_EQUAL(coverage_windows(0, MIN), 0);
	CU_ASSERT_EQUAL(coverage_windows(MIN, MIN), 1);
	CU_ASSERT_EQUAL(coverage_windows(MIN / 2 - 1, MIN), 0);
	CU_ASSERT_EQUAL(coverage_windows(MIN / 2, MIN), 1);
	CU_ASSERT_EQUAL(coverage_windows(30 * DAY, MIN), 43200);
	/* No overflow at the top of the range. */
	CU_ASSERT_EQUAL(coverage_windows(INT64_MAX, HOUR),
	                INT64_MAX / HOUR + (INT64_MAX % HOUR >= HOUR / 2));
}

/*
 * November 2026 in UTC. Carrier a: a1 delivers all month but for a gap on
 * the 10th; a2 starts on the 15th; a3 falls silent on the 20th while a1
 * goes on; a4 falls silent too but is retired; a5 delivered only in
 * October and is not retired, so all November is missing. Carrier b's data
 * ends on the 25th (pending). Carrier c delivered only in October: not in
 * the month. The store's horizon is a1's end, in December.
 */
static void test_month(void)
{
	int64_t nov = utc_ms(2026, 11, 1, 0, 0), dec = utc_ms(2026, 12, 1, 0, 0);
	int64_t gap = utc_ms(2026, 11, 10, 12, 0), oct = utc_ms(2026, 10, 1, 0, 0);
	struct coverage *c = coverage_new();
	struct coverage_month cm;
	const struct coverage_row *r;

	memset(&cm, 0, sizeof(cm));
	coverage_retire(c, "a4");
	add(c, "a", "a1", oct, gap, MIN);
	add(c, "a", "a1", gap + 90 * MIN, dec + DAY, MIN);
	add(c, "a", "a2", utc_ms(2026, 11, 15, 0, 0), dec + DAY, 5 * MIN);
	add(c, "a", "a3", oct, utc_ms(2026, 11, 20, 0, 0), MIN);
	add(c, "a", "a4", oct, utc_ms(2026, 11, 20, 0, 0), MIN);
	add(c, "a", "a5", oct, nov - DAY, MIN);
	add(c, "b", "b1", oct, utc_ms(2026, 11, 25, 0, 0), MIN);
	add(c, "c", "c1", oct, nov - HOUR, MIN);
	coverage_month(c, nov, dec, &cm);

	CU_ASSERT_EQUAL(cm.horizon_ms, dec + DAY);
	r = find(&cm, COVERAGE_COLLECTOR, "a", "a1", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, nov);
	CU_ASSERT_EQUAL(r->end_ms, dec);
	CU_ASSERT_EQUAL(r->windows_expected, 30 * 24 * 60);
	CU_ASSERT_EQUAL(r->windows_received, 30 * 24 * 60 - 90);
	r = find(&cm, COVERAGE_GAP, "a", "a1", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, gap);
	CU_ASSERT_EQUAL(r->end_ms, gap + 90 * MIN);
	CU_ASSERT_EQUAL(r->windows_expected, 90);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_GAP, "a", "a1", 1));

	/* Expected only from its first window; its own window length. */
	r = find(&cm, COVERAGE_COLLECTOR, "a", "a2", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, utc_ms(2026, 11, 15, 0, 0));
	CU_ASSERT_EQUAL(r->windows_expected, 16 * 24 * 12);
	CU_ASSERT_EQUAL(r->windows_received, r->windows_expected);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_GAP, "a", "a2", 0));

	/* Silent while its carrier goes on: missing to the month's end. */
	r = find(&cm, COVERAGE_STOPPED, "a", "a3", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, utc_ms(2026, 11, 20, 0, 0));
	CU_ASSERT_EQUAL(r->end_ms, dec);
	CU_ASSERT_EQUAL(r->windows_expected, 11 * 24 * 60);
	r = find(&cm, COVERAGE_COLLECTOR, "a", "a3", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->windows_expected, 30 * 24 * 60);
	CU_ASSERT_EQUAL(r->windows_received, 19 * 24 * 60);

	/* Retired: expected only until its last window. */
	r = find(&cm, COVERAGE_COLLECTOR, "a", "a4", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->end_ms, utc_ms(2026, 11, 20, 0, 0));
	CU_ASSERT_EQUAL(r->windows_received, r->windows_expected);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_STOPPED, "a", "a4", 0));

	/* Silent since October, not retired: the whole month is missing. */
	r = find(&cm, COVERAGE_COLLECTOR, "a", "a5", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->windows_received, 0);
	CU_ASSERT_PTR_NOT_NULL(find(&cm, COVERAGE_STOPPED, "a", "a5", 0));

	/* Carrier b's data ends inside the month: pending, and b1 is expected
	 * only up to its carrier's horizon. */
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_PENDING, "a", NULL, 0));
	r = find(&cm, COVERAGE_PENDING, "b", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, utc_ms(2026, 11, 25, 0, 0));
	CU_ASSERT_EQUAL(r->end_ms, dec);
	r = find(&cm, COVERAGE_COLLECTOR, "b", "b1", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->windows_received, r->windows_expected);

	/* Carrier c is not in November at all. */
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_COLLECTOR, "c", "c1", 0));
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_PENDING, "c", NULL, 0));

	/* In December, a1 and a2 run to the store's horizon (1 December end);
	 * b, c and the silent collectors of a... a3 and a5 are still missing. */
	coverage_month(c, dec, utc_ms(2027, 1, 1, 0, 0), &cm);
	r = find(&cm, COVERAGE_PENDING, "a", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(r);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_PENDING, "b", NULL, 0));
	r = find(&cm, COVERAGE_COLLECTOR, "a", "a1", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->end_ms, dec + DAY);
	CU_ASSERT_EQUAL(r->windows_received, 24 * 60);
	CU_ASSERT_PTR_NOT_NULL(find(&cm, COVERAGE_STOPPED, "a", "a3", 0));
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_COLLECTOR, "a", "a4", 0));
	coverage_month_release(&cm);
	coverage_free(c);
	coverage_free(NULL);
}

/*
 * Issue 13: hourly windows in November 2026 (UTC). v1 received windows
 * only in the busy hours and vouched for the rest but 10 Nov 12:00-13:00,
 * when it was down: that hour, and only it, is a gap. v2 vouched for the
 * whole month without a single record (a host without mail): complete, and
 * its span carries the carrier's horizon to the month's end, so the carrier
 * is not pending. v3's vouch stops a day early: stopped.
 */
static void test_vouched(void)
{
	int64_t nov = utc_ms(2026, 11, 1, 0, 0), dec = utc_ms(2026, 12, 1, 0, 0);
	int64_t down = utc_ms(2026, 11, 10, 12, 0);
	struct coverage *c = coverage_new();
	struct coverage_month cm;
	const struct coverage_row *r;

	memset(&cm, 0, sizeof(cm));
	/* In store order: by start, a run before a span of the same start. */
	add(c, "a", "v1", nov, nov + 9 * HOUR, HOUR);
	vouch(c, "a", "v1", nov, down, HOUR);           /* overlaps the run */
	add(c, "a", "v1", nov + 2 * DAY, nov + 2 * DAY + HOUR, HOUR); /* inside the span */
	add(c, "a", "v1", down + HOUR, down + 5 * HOUR, HOUR);      /* after the hole */
	vouch(c, "a", "v1", down + 3 * HOUR, dec, HOUR);
	vouch(c, "a", "v2", nov, dec, HOUR);
	add(c, "a", "v3", nov, nov + HOUR, HOUR);
	vouch(c, "a", "v3", nov + HOUR, dec - DAY, HOUR); /* touches the run */
	coverage_month(c, nov, dec, &cm);

	CU_ASSERT_EQUAL(cm.horizon_ms, dec);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_PENDING, "a", NULL, 0));
	r = find(&cm, COVERAGE_COLLECTOR, "a", "v1", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->windows_expected, 30 * 24);
	CU_ASSERT_EQUAL(r->windows_received, 30 * 24 - 1);
	r = find(&cm, COVERAGE_GAP, "a", "v1", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, down);
	CU_ASSERT_EQUAL(r->end_ms, down + HOUR);
	CU_ASSERT_EQUAL(r->windows_expected, 1);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_GAP, "a", "v1", 1));
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_STOPPED, "a", "v1", 0));
	r = find(&cm, COVERAGE_COLLECTOR, "a", "v2", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->windows_received, 30 * 24);
	CU_ASSERT_EQUAL(r->windows_expected, 30 * 24);
	r = find(&cm, COVERAGE_STOPPED, "a", "v3", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start_ms, dec - DAY);
	CU_ASSERT_EQUAL(r->windows_expected, 24);
	CU_ASSERT_PTR_NULL(find(&cm, COVERAGE_GAP, "a", "v3", 0));
	coverage_month_release(&cm);
	coverage_free(c);
}

/* Each kind is merged in the store, so one overlapping or touching its own
 * kind is damage; the two kinds meet freely. */
static void test_vouched_order(void)
{
	struct coverage *c = coverage_new();
	struct store_run run = { "a", "x", 0, 10 * MIN, MIN, 1 };
	struct strbuf err;

	strbuf_init(&err, 256);
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), 0);
	run.vouched = 0;
	run.start_ms = 5 * MIN; /* a run inside the span */
	run.end_ms = 20 * MIN;
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), 0);
	run.vouched = 1;
	run.start_ms = 10 * MIN; /* touches the first span */
	run.end_ms = 30 * MIN;
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "vouched spans"));
	run.vouched = 0;
	run.start_ms = 20 * MIN; /* touches the run */
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), -1);
	run.vouched = 1;
	run.start_ms = 4 * MIN; /* before the last start */
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), -1);
	strbuf_release(&err);
	coverage_free(c);
}

static void test_add_order(void)
{
	struct coverage *c = coverage_new();
	struct store_run run = { "b", "x", 0, MIN, MIN, 0 };
	struct strbuf err;

	strbuf_init(&err, 256);
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), 0);
	run.carrier = "a";
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), -1);
	run.carrier = "b";
	run.start_ms = MIN / 2; /* overlaps the first */
	run.end_ms = 2 * MIN;
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), -1);
	run.start_ms = 2 * MIN;
	run.end_ms = 2 * MIN;
	CU_ASSERT_EQUAL(coverage_add_run(c, &run, &err), -1);
	CU_ASSERT_STRING_EQUAL(coverage_kind_name(COVERAGE_STOPPED), "stopped");
	coverage_free(c);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("coverage", NULL, NULL);
	CU_add_test(s, "windows rounding", test_windows_rounding);
	CU_add_test(s, "a month of collectors", test_month);
	CU_add_test(s, "runs in order", test_add_order);
	CU_add_test(s, "vouched spans cover", test_vouched);
	CU_add_test(s, "vouched spans in order", test_vouched_order);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
