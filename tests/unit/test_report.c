/* unit.report: month boundaries, rounding, and the report CSV against golden files. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "store.h"
#include "timeutil.h"

static int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi)
{
	return (time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static void check_month(const char *month, const char *tz, int64_t start, int64_t end, int days)
{
	struct report_month m;
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, month, tz, &err), 0);
	CU_ASSERT_EQUAL(m.start_ms, start);
	CU_ASSERT_EQUAL(m.end_ms, end);
	CU_ASSERT_EQUAL(m.days, days);
	CU_ASSERT_STRING_EQUAL(m.text, month);
	strbuf_release(&err);
}

static void test_month_bounds(void)
{
	struct report_month m;
	struct strbuf err;

	strbuf_init(&err, 1024);
	/* Tokyo is UTC+9 all year: November starts at 15:00Z on 31 October. */
	check_month("2026-11", "Asia/Tokyo", utc_ms(2026, 10, 31, 15, 0), utc_ms(2026, 11, 30, 15, 0),
	            30);
	CU_ASSERT_EQUAL(report_month_init(&m, "2026-11", "Asia/Tokyo", &err), 0);
	CU_ASSERT(utc_ms(2026, 10, 31, 15, 30) >= m.start_ms &&
	          utc_ms(2026, 10, 31, 15, 30) < m.end_ms);
	CU_ASSERT(utc_ms(2026, 10, 31, 14, 59) < m.start_ms);
	check_month("2026-12", "Asia/Tokyo", utc_ms(2026, 11, 30, 15, 0), utc_ms(2026, 12, 31, 15, 0),
	            31);
	check_month("2026-12", "UTC", utc_ms(2026, 12, 1, 0, 0), utc_ms(2027, 1, 1, 0, 0), 31);
	check_month("2028-02", "UTC", utc_ms(2028, 2, 1, 0, 0), utc_ms(2028, 3, 1, 0, 0), 29);
	check_month("2027-02", "UTC", utc_ms(2027, 2, 1, 0, 0), utc_ms(2027, 3, 1, 0, 0), 28);
	/* Berlin: CET (+1) until 29 March 2026, CEST (+2) until 25 October. */
	check_month("2026-03", "Europe/Berlin", utc_ms(2026, 2, 28, 23, 0), utc_ms(2026, 3, 31, 22, 0),
	            31);
	check_month("2026-10", "Europe/Berlin", utc_ms(2026, 9, 30, 22, 0), utc_ms(2026, 10, 31, 23, 0),
	            31);
	/* Offsets of half and three quarters of an hour. */
	check_month("2026-11", "Asia/Kolkata", utc_ms(2026, 10, 31, 18, 30),
	            utc_ms(2026, 11, 30, 18, 30), 30);
	check_month("2026-11", "Asia/Kathmandu", utc_ms(2026, 10, 31, 18, 15),
	            utc_ms(2026, 11, 30, 18, 15), 30);
	/* Paraguay, 1 October 2023: clocks went from 00:00 (-04) to 01:00 (-03),
	 * so the month began at 01:00 local, 04:00Z. */
	check_month("2023-10", "America/Asuncion", utc_ms(2023, 10, 1, 4, 0),
	            utc_ms(2023, 11, 1, 3, 0), 31);
	check_month("2023-09", "America/Asuncion", utc_ms(2023, 9, 1, 4, 0), utc_ms(2023, 10, 1, 4, 0),
	            30);
	strbuf_release(&err);
}

static void test_month_restores_tz(void)
{
	struct report_month m;
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(setenv("TZ", "Europe/Paris", 1), 0);
	CU_ASSERT_EQUAL(report_month_init(&m, "2026-11", "Asia/Tokyo", &err), 0);
	CU_ASSERT_STRING_EQUAL(getenv("TZ"), "Europe/Paris");
	CU_ASSERT_EQUAL(unsetenv("TZ"), 0);
	CU_ASSERT_EQUAL(report_month_init(&m, "2026-11", "Asia/Tokyo", &err), 0);
	CU_ASSERT_PTR_NULL(getenv("TZ"));
	strbuf_release(&err);
}

static void expect_month_error(const char *month, const char *tz, const char *why)
{
	struct report_month m;
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(report_month_init(&m, month, tz, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, why) : NULL);
	strbuf_release(&err);
}

static void test_month_errors(void)
{
	expect_month_error("2026-13", "UTC", "YYYY-MM");
	expect_month_error("2026-00", "UTC", "YYYY-MM");
	expect_month_error("2026-1", "UTC", "YYYY-MM");
	expect_month_error("26-11", "UTC", "YYYY-MM");
	expect_month_error("2026/11", "UTC", "YYYY-MM");
	expect_month_error("2026-11x", "UTC", "YYYY-MM");
	expect_month_error("2026--1", "UTC", "YYYY-MM");
	expect_month_error("1970-01", "UTC", "YYYY-MM");
	expect_month_error("", "UTC", "YYYY-MM");
	/* glibc would take any of these silently as UTC. */
	expect_month_error("2026-11", "Asia/Tokio", "time zone");
	expect_month_error("2026-11", "", "time zone");
	expect_month_error("2026-11", "/etc/localtime", "time zone");
	expect_month_error("2026-11", "../zoneinfo/Asia/Tokyo", "time zone");
	expect_month_error("2026-11", "JST-9", "time zone");
	expect_month_error("2026-11", "Asia", "time zone");
}

static void check_share(int64_t count, int64_t total, const char *want)
{
	char buf[32];

	report_format_share(count, total, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	if (strcmp(buf, want) != 0)
		fprintf(stderr, "share(%lld, %lld) = %s, want %s\n", (long long)count,
		        (long long)total, buf, want);
}

static void test_rounding(void)
{
	/* Exactly half way rounds up. */
	check_share(18733, 20000, "93.67");  /* 93.665 */
	check_share(1267, 20000, "6.34");    /* 6.335 */
	check_share(1, 20000, "0.01");       /* 0.005 */
	check_share(1, 8, "12.50");
	check_share(1, 16, "6.25");          /* 6.25 exactly */
	check_share(1, 32, "3.13");          /* 3.125 */
	check_share(3, 32, "9.38");          /* 9.375 */
	/* Just below half way rounds down. */
	check_share(1, 20001, "0.00");       /* 0.0049997... */
	check_share(18732, 20000, "93.66");  /* 93.660 */
	check_share(1, 200000, "0.00");      /* 0.0005 */
	check_share(1, 3, "33.33");
	check_share(2, 3, "66.67");
	check_share(0, 7, "0.00");
	check_share(7, 7, "100.00");
	check_share(0, 0, "");
	check_share(5, 0, "");
	/* The largest total the report accepts. */
	check_share(REPORT_TOTAL_MAX / 2, REPORT_TOTAL_MAX, "50.00");
	check_share(REPORT_TOTAL_MAX, REPORT_TOTAL_MAX, "100.00");
	CU_ASSERT_EQUAL(report_share_x100(18733, 20000), 9367);

	CU_ASSERT_EQUAL(report_div_half_up(45, 30), 2);  /* 1.5 */
	CU_ASSERT_EQUAL(report_div_half_up(44, 30), 1);
	CU_ASSERT_EQUAL(report_div_half_up(15, 30), 1);  /* 0.5 */
	CU_ASSERT_EQUAL(report_div_half_up(14, 30), 0);
	CU_ASSERT_EQUAL(report_div_half_up(0, 31), 0);
	CU_ASSERT_EQUAL(report_div_half_up(20012, 30), 667);
}

static void test_add_cell_limits(void)
{
	struct record_cell c = { { AR_PASS, AR_PASS, AR_PASS, AR_PASS }, POL_NONE, SPAM_HAM, 1 };
	struct report *r = report_new();
	struct strbuf err;

	strbuf_init(&err, 1024);
	c.messages = REPORT_TOTAL_MAX;
	CU_ASSERT_EQUAL(report_add_cell(r, "a", &c, &err), 0);
	c.messages = 1;
	CU_ASSERT_EQUAL(report_add_cell(r, "b", &c, &err), -1);
	c.messages = -1;
	CU_ASSERT_EQUAL(report_add_cell(r, "b", &c, &err), -1);
	c.messages = 0;
	c.result[AR_ARC] = AR_RESULT_COUNT;
	CU_ASSERT_EQUAL(report_add_cell(r, "b", &c, &err), -1);
	report_free(r);
	report_free(NULL);
	strbuf_release(&err);
}

/* The hand-made store: three carriers, records on both sides of both ends
 * of November 2026 in Tokyo, and two collectors of one carrier adding up. */
struct golden_record {
	const char *carrier, *collector;
	int64_t epoch, seq;
	int y;
	unsigned mo, d;
	int h, mi;
	size_t ncells;
	struct record_cell cells[3];
};

#define CELL(spf, dkim, dmarc, arc, pol, spam, n) \
	{ { AR_##spf, AR_##dkim, AR_##dmarc, AR_##arc }, POL_##pol, SPAM_##spam, n }

static const struct golden_record golden_records[] = {
	{ "jp-alpha", "ca1", 1, 1, 2026, 10, 31, 15, 0, 2, {
	  CELL(PASS, PASS, PASS, ABSENT, REJECT, HAM, 18726),
	  CELL(FAIL, NONE, FAIL, ABSENT, REJECT, SPAM, 1267) } },
	/* 14:59Z on 31 October is still October in Tokyo. */
	{ "jp-alpha", "ca1", 1, 2, 2026, 10, 31, 14, 59, 1, {
	  CELL(PASS, PASS, PASS, PASS, NONE, HAM, 1000000) } },
	{ "jp-alpha", "ca2", 9, 1, 2026, 11, 1, 0, 0, 1, {
	  CELL(PASS, PASS, PASS, ABSENT, REJECT, HAM, 7) } },
	/* The last minute of November in Tokyo, and the first of December. */
	{ "jp-beta", "cb1", 2, 1, 2026, 11, 30, 14, 59, 1, {
	  CELL(SOFTFAIL, PASS, NONE, PASS, ABSENT, UNKNOWN, 3) } },
	{ "jp-beta", "cb1", 2, 2, 2026, 11, 30, 15, 0, 1, {
	  CELL(PASS, PASS, PASS, PASS, NONE, HAM, 500) } },
	{ "jp-beta", "cb1", 2, 3, 2026, 11, 15, 3, 7, 3, {
	  CELL(NEUTRAL, FAIL, PERMERROR, FAIL, QUARANTINE, HAM, 2),
	  CELL(TEMPERROR, TEMPERROR, TEMPERROR, NONE, NONE, SPAM, 1),
	  CELL(PERMERROR, POLICY, POLICY, PERMERROR, ABSENT, UNKNOWN, 1) } },
	/* Evaluates SPF only; its name needs CSV quoting. */
	{ "ex,\"q\"", "cq1", 3, 1, 2026, 11, 20, 0, 0, 1, {
	  CELL(PASS, ABSENT, ABSENT, ABSENT, ABSENT, UNKNOWN, 5) } },
};

static char dir[256];
static char db_path[512];

static void build_store(void)
{
	struct store *st;
	struct strbuf err;
	size_t i;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-report-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/agg.db", dir);
	strbuf_init(&err, 1024);
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	for (i = 0; i < sizeof(golden_records) / sizeof(golden_records[0]); i++) {
		const struct golden_record *g = &golden_records[i];
		struct record_cell cells[3];
		struct record_batch b;

		memset(&b, 0, sizeof(b));
		memcpy(cells, g->cells, sizeof(cells));
		snprintf(b.carrier, sizeof(b.carrier), "%s", g->carrier);
		snprintf(b.collector, sizeof(b.collector), "%s", g->collector);
		b.epoch = g->epoch;
		b.seq = g->seq;
		b.window_start_ms = utc_ms(g->y, g->mo, g->d, g->h, g->mi);
		b.window_end_ms = b.window_start_ms + 60000;
		b.cells = cells;
		b.ncells = g->ncells;
		CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	}
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	strbuf_release(&err);
}

static void remove_store(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The golden file's text; the caller frees it. */
static char *read_golden(const char *name)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	char path[1024];
	char *text = NULL;
	size_t len = 0, n;
	char buf[4096];
	FILE *fp;
	FILE *mem = open_memstream(&text, &len);

	snprintf(path, sizeof(path), "%s/tests/unit/golden/%s", src != NULL ? src : ".", name);
	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "cannot open golden file %s (is ARSTAT_SOURCE_DIR set?)\n", path);
		fclose(mem);
		free(text);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(fp);
	fclose(mem);
	return text;
}

enum which { METHODS, SPAM, BOTH };

static void check_golden(const char *month, int by_carrier, enum which w, const char *golden)
{
	struct report_month m;
	struct report *r = report_new();
	struct store *st;
	struct strbuf err;
	char *got = NULL, *want = read_golden(golden);
	size_t len = 0;
	FILE *mem = open_memstream(&got, &len);

	strbuf_init(&err, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, month, "Asia/Tokyo", &err), 0);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(report_load(r, st, &m, &err), 0);
	if (w != SPAM)
		CU_ASSERT_EQUAL(report_write_methods(r, &m, by_carrier, mem), 0);
	if (w != METHODS)
		CU_ASSERT_EQUAL(report_write_spam(r, &m, by_carrier, mem), 0);
	fclose(mem);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n--- %s\n%s--- got\n%s", golden, want, got);
	free(got);
	free(want);
	store_free(st);
	report_free(r);
	strbuf_release(&err);
}

static void test_golden(void)
{
	build_store();
	check_golden("2026-11", 1, METHODS, "report-2026-11-methods.ref");
	check_golden("2026-11", 1, SPAM, "report-2026-11-spam.ref");
	/* A month without data still has its rows. */
	check_golden("2027-01", 1, BOTH, "report-2027-01-empty.ref");
	remove_store();
}

/* Without --by-carrier the rows are the first lines of the full report. */
static void test_all_only(void)
{
	struct report_month m;
	struct report *r = report_new();
	struct store *st;
	struct strbuf err;
	char *got = NULL, *want = read_golden("report-2026-11-methods.ref");
	size_t len = 0, i, cut = 0;
	FILE *mem = open_memstream(&got, &len);

	build_store();
	strbuf_init(&err, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	for (i = 0; i < 5; i++)
		cut += strcspn(want + cut, "\n") + 1;
	want[cut] = '\0';
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, "2026-11", "Asia/Tokyo", &err), 0);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(report_load(r, st, &m, &err), 0);
	CU_ASSERT_EQUAL(report_write_methods(r, &m, 0, mem), 0);
	fclose(mem);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
	free(want);
	store_free(st);
	report_free(r);
	strbuf_release(&err);
	remove_store();
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("report", NULL, NULL);
	CU_add_test(s, "month bounds", test_month_bounds);
	CU_add_test(s, "month restores TZ", test_month_restores_tz);
	CU_add_test(s, "month errors", test_month_errors);
	CU_add_test(s, "rounding half up", test_rounding);
	CU_add_test(s, "add cell limits", test_add_cell_limits);
	CU_add_test(s, "golden CSV", test_golden);
	CU_add_test(s, "scope all only", test_all_only);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
