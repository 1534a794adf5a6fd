/* unit.report: month boundaries, rounding, and the report CSV against golden files. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iconv.h>

#include <sqlite3.h>

#include "carriers.h"
#include "csvout.h"
#include "record_batch.h"
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
	/* Outside the range only a damaged store gives: no share, no abort. */
	check_share(1, REPORT_TOTAL_MAX + 1, "");
	check_share(4, 3, "");
	check_share(-1, 3, "");
	check_share(0, -3, "");
	check_share(REPORT_TOTAL_MAX, REPORT_TOTAL_MAX, "100.00");
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
	struct record_cell c = { { AR_PASS, AR_PASS, AR_PASS, AR_PASS },
		POL_NONE, SPAM_HAM, FATE_UNKNOWN, 1 };
	struct report_options opt = { 0, 3, "UTC" };
	struct report *r = report_new(&opt);
	struct report_month m;
	struct report_period *p;
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, "2026-11", "UTC", &err), 0);
	p = report_add_period(r, &m);
	c.messages = REPORT_TOTAL_MAX;
	CU_ASSERT_EQUAL(report_add_cell(p, "a", &c, &err), 0);
	c.messages = 1;
	CU_ASSERT_EQUAL(report_add_cell(p, "b", &c, &err), -1);
	c.messages = -1;
	CU_ASSERT_EQUAL(report_add_cell(p, "b", &c, &err), -1);
	c.messages = 0;
	c.result[AR_ARC] = AR_RESULT_COUNT;
	CU_ASSERT_EQUAL(report_add_cell(p, "b", &c, &err), -1);
	c.result[AR_ARC] = AR_PASS;
	c.fate = FATE_COUNT;
	CU_ASSERT_EQUAL(report_add_cell(p, "b", &c, &err), -1);
	/* A refused message counts against the limit too: every fate adds up
	 * to at most REPORT_TOTAL_MAX. */
	c.fate = FATE_REJECTED;
	c.messages = 1;
	CU_ASSERT_EQUAL(report_add_cell(p, "b", &c, &err), -1);
	report_free(r);
	report_free(NULL);

	/* Refused messages are in their fate's counts only; accepted and
	 * unknown ones are the population. */
	r = report_new(&opt);
	p = report_add_period(r, &m);
	c.fate = FATE_ACCEPTED;
	c.messages = 5;
	CU_ASSERT_EQUAL(report_add_cell(p, "a", &c, &err), 0);
	c.fate = FATE_UNKNOWN;
	c.messages = 2;
	CU_ASSERT_EQUAL(report_add_cell(p, "a", &c, &err), 0);
	c.fate = FATE_HELD;
	c.result[AR_DMARC] = AR_FAIL;
	c.messages = 3;
	CU_ASSERT_EQUAL(report_add_cell(p, "a", &c, &err), 0);
	CU_ASSERT_EQUAL(p->all.t.messages, 7);
	CU_ASSERT_EQUAL(p->all.t.results[AR_DMARC][AR_PASS], 7);
	CU_ASSERT_EQUAL(p->all.t.results[AR_DMARC][AR_FAIL], 0);
	CU_ASSERT_EQUAL(p->all.t.fate_messages[FATE_HELD], 3);
	CU_ASSERT_EQUAL(p->all.t.fate_results[FATE_HELD][AR_DMARC][AR_FAIL], 3);
	CU_ASSERT_EQUAL(report_refused_method_messages(&p->all.t, AR_DMARC), 3);
	CU_ASSERT_EQUAL(report_fate_method_messages(&p->all.t, FATE_ACCEPTED, AR_SPF), 5);
	report_free(r);
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
	{ { AR_##spf, AR_##dkim, AR_##dmarc, AR_##arc }, POL_##pol, SPAM_##spam, FATE_UNKNOWN, n }
#define FCELL(spf, dkim, dmarc, arc, pol, spam, fate, n) \
	{ { AR_##spf, AR_##dkim, AR_##dmarc, AR_##arc }, POL_##pol, SPAM_##spam, FATE_##fate, n }

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
	/* Schema v2 collectors (fates) beside the v1 ones above (fate unknown):
	 * the accepted are in the shares; the rejected (DMARC fail under
	 * p=reject), held and discarded only in the refused columns and rows. */
	{ "jp-alpha", "ca3", 4, 1, 2026, 11, 10, 0, 0, 3, {
	  FCELL(PASS, PASS, PASS, ABSENT, REJECT, HAM, ACCEPTED, 40),
	  FCELL(FAIL, FAIL, FAIL, ABSENT, REJECT, SPAM, REJECTED, 25),
	  FCELL(SOFTFAIL, NONE, FAIL, ABSENT, QUARANTINE, SPAM, HELD, 4) } },
	{ "jp-beta", "cb2", 5, 1, 2026, 11, 10, 0, 0, 2, {
	  FCELL(PASS, FAIL, FAIL, ABSENT, REJECT, SPAM, DISCARDED, 2),
	  FCELL(NONE, NONE, NONE, ABSENT, ABSENT, UNKNOWN, ACCEPTED, 6) } },
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
		/* jp-beta's seq 3 delivered again with another count (issue 14,
		 * item 3): refused, counts unchanged, the coverage CSV flags it. */
		if (strcmp(g->collector, "cb1") == 0 && g->seq == 3) {
			cells[0].messages++;
			CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_CONTENT_CONFLICT);
		}
	}
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	/* What carriers declared (issue 13): October by jp-alpha alone (one
	 * provider: withheld where min_providers is 2), November by all three,
	 * jp-beta's corrected by a later declaration, which wins. */
	{
		static const struct store_declared first[] = {
			{ "jp-alpha", "2026-10", 1240000, 820000 },
			{ "jp-alpha", "2026-11", 1250000, 830000 },
			{ "jp-beta", "2026-11", 99, 0 },
			{ "ex,\"q\"", "2026-11", 10000, 5000 },
		};
		static const struct store_declared second[] = {
			{ "jp-beta", "2026-11", 2345678, 1000001 },
		};
		int64_t id;

		CU_ASSERT_EQUAL(store_begin(st, &err), 0);
		CU_ASSERT_EQUAL(store_add_declaration(st, utc_ms(2026, 12, 2, 0, 0), "/decl/first.csv",
		                                      "00", first, 4, &id, &err), 0);
		CU_ASSERT_EQUAL(store_add_declaration(st, utc_ms(2026, 12, 3, 0, 0), "/decl/beta.csv",
		                                      "01", second, 1, &id, &err), 0);
		CU_ASSERT_EQUAL(id, 2);
		CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	}
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

/* The golden file's path. */
static void golden_path(const char *name, char *path, size_t size)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");

	snprintf(path, size, "%s/tests/unit/golden/%s", src != NULL ? src : ".", name);
}

/* The golden file's bytes (NUL-terminated too); the caller frees them. */
static char *read_golden(const char *name, size_t *len)
{
	char path[1024];
	char *text = NULL;
	size_t n, size = 0;
	char buf[4096];
	FILE *fp;
	FILE *mem = open_memstream(&text, &size);

	golden_path(name, path, sizeof(path));
	fp = fopen(path, "rb");
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
	if (len != NULL)
		*len = size;
	return text;
}

enum which { METHODS, SPAM, COVERAGE, MINISTRY };

struct golden_case {
	const char *from, *to;
	int by_carrier;
	int64_t min_providers;
	enum which which;
	enum csvout_encoding enc;
	enum report_lang lang;
	const char *golden;
};

/* The register render() reports with; NULL: every carrier of the store. */
static const struct carriers *render_reg;

/* The report of the hand-made store as the case asks, in memory. */
static struct csvout *render(const struct golden_case *gc)
{
	struct report_options opt = { gc->by_carrier, gc->min_providers, "Asia/Tokyo" };
	struct report_month *months = NULL;
	struct report *r = report_new(&opt);
	struct csvout *o = csvout_new(gc->enc);
	struct store *st;
	struct strbuf err;
	size_t n = 0, i;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL_FATAL(report_month_range(gc->from, gc->to, "Asia/Tokyo", &months, &n, &err),
	                      0);
	for (i = 0; i < n; i++)
		report_add_period(r, &months[i]);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(report_load(r, st, render_reg, NULL, 0, &err), 0);
	switch (gc->which) {
	case METHODS:
		report_write_methods(r, o);
		break;
	case SPAM:
		report_write_spam(r, o);
		break;
	case COVERAGE:
		report_write_coverage(r, o);
		break;
	case MINISTRY:
		report_write_ministry(r, gc->lang, o);
		break;
	}
	store_free(st);
	report_free(r);
	free(months);
	strbuf_release(&err);
	return o;
}

/* The bytes csvout_write produces, encoding applied. */
static char *encoded(const struct csvout *o, size_t *len)
{
	struct strbuf err;
	char *got = NULL;
	FILE *mem = open_memstream(&got, len);

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(csvout_write(o, mem, &err), 0);
	fclose(mem);
	strbuf_release(&err);
	return got;
}

/* Compare with the golden file; ARSTAT_UPDATE_GOLDEN=1 rewrites it instead
 * (then check the difference by eye before committing it). */
static void check_golden(const struct golden_case *gc)
{
	struct csvout *o = render(gc);
	size_t got_len = 0, want_len = 0;
	char *got = encoded(o, &got_len), *want;
	char path[1024];
	FILE *fp;

	if (getenv("ARSTAT_UPDATE_GOLDEN") != NULL) {
		golden_path(gc->golden, path, sizeof(path));
		fp = fopen(path, "wb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fwrite(got, 1, got_len, fp);
		fclose(fp);
	}
	want = read_golden(gc->golden, &want_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT(got_len == want_len && memcmp(got, want, got_len) == 0);
	if (got_len != want_len || memcmp(got, want, got_len) != 0)
		fprintf(stderr, "\n--- %s\n%s--- got\n%s", gc->golden, want, got);
	free(got);
	free(want);
	csvout_free(o);
}

static void test_golden(void)
{
	static const struct golden_case cases[] = {
		{ "2026-11", "2026-11", 1, 3, METHODS, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2026-11-methods.ref" },
		{ "2026-11", "2026-11", 1, 3, SPAM, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2026-11-spam.ref" },
		/* A month without data still has its rows. */
		{ "2027-01", "2027-01", 1, 3, METHODS, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2027-01-empty.ref" },
		{ "2027-01", "2027-01", 1, 3, SPAM, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2027-01-empty-spam.ref" },
		/* Published (no --by-carrier): figures of fewer than 3 providers
		 * are withheld; three months, the time-zone boundary between them. */
		{ "2026-10", "2026-12", 0, 3, METHODS, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2026-10-12-published.ref" },
		{ "2026-10", "2026-12", 0, 3, SPAM, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2026-10-12-published-spam.ref" },
		{ "2026-10", "2026-12", 0, 3, COVERAGE, CSVOUT_UTF8, REPORT_LANG_EN,
		  "report-2026-10-12-coverage.ref" },
		/* The ministry's layout, in both languages and every encoding. */
		{ "2026-10", "2026-12", 0, 2, MINISTRY, CSVOUT_UTF8, REPORT_LANG_EN,
		  "ministry-2026-10-12-en.ref" },
		{ "2026-10", "2026-12", 0, 2, MINISTRY, CSVOUT_UTF8, REPORT_LANG_JA,
		  "ministry-2026-10-12-ja.ref" },
		{ "2026-10", "2026-12", 0, 2, MINISTRY, CSVOUT_UTF8_BOM, REPORT_LANG_JA,
		  "ministry-2026-10-12-ja-bom-crlf.ref" },
		{ "2026-10", "2026-12", 0, 2, MINISTRY, CSVOUT_CP932, REPORT_LANG_JA,
		  "ministry-2026-10-12-ja-cp932.ref" },
		/* The tidy layout in the other two encodings. */
		{ "2026-11", "2026-11", 1, 3, METHODS, CSVOUT_CP932, REPORT_LANG_EN,
		  "report-2026-11-methods-cp932.ref" },
		{ "2026-11", "2026-11", 1, 3, SPAM, CSVOUT_UTF8_BOM, REPORT_LANG_EN,
		  "report-2026-11-spam-bom-crlf.ref" },
	};
	size_t i;

	build_store();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_golden(&cases[i]);
	remove_store();
}

/* Add one record of carrier, collector "c-<carrier>", seq 1, in the window
 * at (d, h) UTC of November 2026: n cells of the first n combinations with
 * `messages` each. */
static void add_damaged_record(struct store *st, const char *carrier, int d, size_t n,
                               int64_t messages)
{
	struct record_cell *cells = calloc(n, sizeof(*cells));
	struct record_batch b;
	struct strbuf err;
	size_t i;

	strbuf_init(&err, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cells);
	memset(&b, 0, sizeof(b));
	for (i = 0; i < n; i++) {
		record_cell_unkey((uint32_t)i, &cells[i]);
		cells[i].messages = messages;
	}
	snprintf(b.carrier, sizeof(b.carrier), "%s", carrier);
	snprintf(b.collector, sizeof(b.collector), "c-%s", carrier);
	b.epoch = 1;
	b.seq = d;
	b.window_start_ms = utc_ms(2026, 11, (unsigned)d, 3, 0);
	b.window_end_ms = b.window_start_ms + 60000;
	b.cells = cells;
	b.ncells = n;
	CU_ASSERT_EQUAL(store_add_record(st, &b, NULL, &err), STORE_ADDED);
	free(cells);
	strbuf_release(&err);
}

static void exec_sql(const char *sql)
{
	sqlite3 *db = NULL;
	char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &why) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, why);
	CU_ASSERT_PTR_NULL(why);
	sqlite3_free(why);
	sqlite3_close(db);
}

/*
 * Issue 14, item 2: whatever a store holds, report reports. Stores written
 * by older versions (or damaged) may hold what ingest now refuses: a record
 * of 500 cells of 10^12 messages (past what a share can be computed of),
 * day totals whose sum overflows 64 bits, totals that do not add up. Each
 * such carrier's figures are left empty, its rows and the month's "all"
 * rows say complete "no", and the other carriers are reported as ever.
 */
static void test_damaged_store(void)
{
	static const struct golden_case cases[] = {
		{ "2026-11", "2026-11", 1, 3, METHODS, CSVOUT_UTF8, REPORT_LANG_EN, NULL },
		{ "2026-11", "2026-11", 1, 3, SPAM, CSVOUT_UTF8, REPORT_LANG_EN, NULL },
		{ "2026-10", "2026-12", 0, 1, METHODS, CSVOUT_UTF8, REPORT_LANG_EN, NULL },
		{ "2026-10", "2026-12", 0, 1, SPAM, CSVOUT_UTF8, REPORT_LANG_EN, NULL },
		{ "2026-10", "2026-12", 0, 1, COVERAGE, CSVOUT_UTF8, REPORT_LANG_EN, NULL },
		{ "2026-10", "2026-12", 0, 1, MINISTRY, CSVOUT_UTF8, REPORT_LANG_JA, NULL },
		{ "2026-11", "2026-11", 1, 3, MINISTRY, CSVOUT_CP932, REPORT_LANG_EN, NULL },
	};
	const char *tmp = getenv("TMPDIR");
	struct store *st;
	struct strbuf err;
	size_t i, len;

	snprintf(dir, sizeof(dir), "%s/arstat-report-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/agg.db", dir);
	strbuf_init(&err, 1024);
	st = store_new(db_path, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_begin(st, &err), 0);
	add_damaged_record(st, "big", 2, 500, INT64_C(1000000000000));
	add_damaged_record(st, "fine", 2, 3, 7);
	add_damaged_record(st, "huge", 2, 1, 1);
	add_damaged_record(st, "huge", 3, 1, 1);
	add_damaged_record(st, "odd", 2, 2, 5);
	add_damaged_record(st, "unk", 2, 1, 5);
	CU_ASSERT_EQUAL(store_commit(st, &err), 0);
	store_free(st);
	/* Two days of 2^62 each: their sum passes INT64_MAX. */
	exec_sql("UPDATE carrier_day_totals SET messages = 4611686018427387904 WHERE carrier ="
	         " (SELECT id FROM carriers WHERE name = 'huge')");
	/* One result more than there are messages. */
	exec_sql("UPDATE carrier_day_totals SET messages = messages + 1 WHERE carrier ="
	         " (SELECT id FROM carriers WHERE name = 'odd') AND item = 0");
	/* An item no version has. */
	exec_sql("INSERT INTO carrier_day_totals SELECT day_start_ms, carrier, 9999, 1"
	         " FROM carrier_day_totals WHERE carrier ="
	         " (SELECT id FROM carriers WHERE name = 'unk') LIMIT 1");
	/* Runs no version wrote: empty, of no window, overlapping fine's one. */
	exec_sql("INSERT INTO runs SELECT carrier, collector, start_ms + 1, start_ms + 1, 60000"
	         " FROM runs WHERE carrier = (SELECT id FROM carriers WHERE name = 'fine');"
	         "INSERT INTO runs SELECT carrier, collector, start_ms + 2, end_ms, 0"
	         " FROM runs WHERE carrier = (SELECT id FROM carriers WHERE name = 'fine')"
	         " AND window_ms > 0;"
	         "INSERT INTO runs SELECT carrier, collector, start_ms + 30000, end_ms + 60000,"
	         " 60000 FROM runs WHERE carrier = (SELECT id FROM carriers WHERE name = 'fine')"
	         " AND start_ms < end_ms AND window_ms > 0");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct csvout *o = render(&cases[i]);
		char *text = encoded(o, &len);

		CU_ASSERT_PTR_NOT_NULL(text);
		if (cases[i].which == METHODS && cases[i].by_carrier) {
			/* fine's own figures, as ever; big's, huge's and odd's empty. */
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,fine,spf,1,21,21,0,"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,big,spf,1,,,"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,huge,spf,1,,,"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,odd,spf,1,,,"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,unk,spf,1,,,"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,all,spf,5,,,"));
		}
		if (cases[i].which == SPAM && cases[i].by_carrier)
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,fine,1,21,7,50.00,1,0,no,1,1,100.00,no"));
		/* fine's one good run is its coverage; the others are left out. */
		if (cases[i].which == COVERAGE)
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,fine,c-fine,collector,"
			                                    "2026-11-02T03:00:00Z,2026-11-02T03:01:00Z,60,"
			                                    "1,1,0,100.00,0\n"));
		if (cases[i].which == SPAM && !cases[i].by_carrier) {
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-10,all,0,0,0,,0,0,no,"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-11,all,5,,,,,,no,"));
		}
		free(text);
		csvout_free(o);
	}
	remove_store();
	strbuf_release(&err);
}

/* Without --by-carrier and with suppression off, the rows are the first
 * lines of the full report. */
static void test_all_only(void)
{
	static const struct golden_case full = { "2026-11", "2026-11", 1, 1, METHODS, CSVOUT_UTF8,
		                                 REPORT_LANG_EN, NULL };
	static const struct golden_case all = { "2026-11", "2026-11", 0, 1, METHODS, CSVOUT_UTF8,
		                                REPORT_LANG_EN, NULL };
	struct csvout *o, *p;
	const char *a, *b;
	size_t alen, blen, i, cut = 0;

	build_store();
	o = render(&full);
	p = render(&all);
	a = csvout_data(o, &alen);
	b = csvout_data(p, &blen);
	for (i = 0; i < 5; i++)
		cut += strcspn(a + cut, "\n") + 1;
	CU_ASSERT_EQUAL(blen, cut);
	CU_ASSERT(blen == cut && memcmp(a, b, cut) == 0);
	csvout_free(o);
	csvout_free(p);
	remove_store();
}

/* Issue 14, item 1: a store holding data of a carrier that is not
 * registered (ex,"q", whose id no register accepts) still reports, without
 * it: November's SPF then has two providers, under min_providers 3, so the
 * combined figures are withheld; by carrier, it has no row. */
static void test_unregistered_left_out(void)
{
	static const struct golden_case published = { "2026-11", "2026-11", 0, 3, METHODS,
		                                      CSVOUT_UTF8, REPORT_LANG_EN, NULL };
	static const struct golden_case by_carrier = { "2026-11", "2026-11", 1, 3, METHODS,
		                                       CSVOUT_UTF8, REPORT_LANG_EN, NULL };
	static const struct golden_case coverage = { "2026-11", "2026-11", 1, 3, COVERAGE,
		                                     CSVOUT_UTF8, REPORT_LANG_EN, NULL };
	static const struct golden_case spam_published = { "2026-11", "2026-11", 0, 3, SPAM,
		                                           CSVOUT_UTF8, REPORT_LANG_EN, NULL };
	static const struct golden_case spam_by_carrier = { "2026-11", "2026-11", 1, 3, SPAM,
		                                            CSVOUT_UTF8, REPORT_LANG_EN, NULL };
	static struct cfg_kv kv[] = { { "jp-alpha.name", "Alpha" }, { "jp-beta.name", "Beta" } };
	struct cfg_kvlist l = { kv, 2 };
	struct carriers *reg = NULL;
	struct csvout *o;
	struct strbuf err;
	const char *text;
	size_t len;

	strbuf_init(&err, 256);
	CU_ASSERT_EQUAL_FATAL(carriers_new(&l, "arstat.counts", &reg, &err), 0);
	build_store();
	/* Without the register: three providers, published. */
	o = render(&published);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n2026-11,all,spf,3,"));
	csvout_free(o);
	render_reg = reg;
	o = render(&published);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n2026-11,all,spf,2,,,,"));
	csvout_free(o);
	o = render(&by_carrier);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",jp-alpha,spf,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",jp-beta,spf,"));
	CU_ASSERT_PTR_NULL(strstr(text, "ex,"));
	CU_ASSERT_PTR_NULL(strstr(text, "\"q\""));
	csvout_free(o);
	o = render(&coverage);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NULL(strstr(text, "cq1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "cb1"));
	csvout_free(o);
	/* Issue 13: its declaration is left out too; the two registered
	 * carriers' are used (jp-beta's later one), withheld under 3. */
	o = render(&spam_published);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n2026-11,all,2,,,,,,yes,78476,6,0.01,no,2,,,1 2\n"));
	csvout_free(o);
	o = render(&spam_by_carrier);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",no,2,3595678,1830001,1 2\n"));
	csvout_free(o);
	render_reg = NULL;
	remove_store();
	carriers_free(reg);
	strbuf_release(&err);
}

/* Issue 13: a month with no data at all says so, never "complete": September
 * 2026 lies before every window of the store, whose data runs past its end,
 * so no window is missing, yet nothing was received either. */
static void test_no_data_month(void)
{
	static const struct golden_case ministry_en = { "2026-09", "2026-10", 0, 1, MINISTRY,
		                                        CSVOUT_UTF8, REPORT_LANG_EN, NULL };
	static const struct golden_case ministry_ja = { "2026-09", "2026-10", 0, 1, MINISTRY,
		                                        CSVOUT_UTF8, REPORT_LANG_JA, NULL };
	static const struct golden_case spam = { "2026-09", "2026-10", 0, 1, SPAM, CSVOUT_UTF8,
		                                 REPORT_LANG_EN, NULL };
	struct report_options opt = { 0, 1, "Asia/Tokyo" };
	struct report_month m;
	struct report *r;
	struct store *st;
	struct csvout *o;
	struct strbuf err, why;
	const char *text;
	size_t len;

	strbuf_init(&err, 1024);
	strbuf_init(&why, 1024);
	build_store();
	o = render(&ministry_en);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nComplete,no data,yes\n"));
	csvout_free(o);
	o = render(&ministry_ja);
	text = csvout_data(o, &len);
	/* データの完全性,データなし,完全 */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE3\x81\xAE"
	                                    "\xE5\xAE\x8C\xE5\x85\xA8\xE6\x80\xA7,\xE3\x83\x87"
	                                    "\xE3\x83\xBC\xE3\x82\xBF\xE3\x81\xAA\xE3\x81\x97,"
	                                    "\xE5\xAE\x8C\xE5\x85\xA8\n"));
	csvout_free(o);
	o = render(&spam);
	text = csvout_data(o, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n2026-09,all,0,0,0,,0,0,no,0,0,,no data"));
	CU_ASSERT_PTR_NULL(strstr(text, "\n2026-09,all,0,0,0,,0,0,no,0,0,,yes"));
	csvout_free(o);

	/* What a publication asks: not complete, and why. */
	r = report_new(&opt);
	CU_ASSERT_EQUAL_FATAL(report_month_init(&m, "2026-09", "Asia/Tokyo", &err), 0);
	report_add_period(r, &m);
	st = store_new(db_path, STORE_EXISTING, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(report_load(r, st, NULL, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL(report_complete(&r->periods[0], &r->periods[0].all.t), 0);
	CU_ASSERT_EQUAL(report_period_missing(&r->periods[0], &why), 0);
	CU_ASSERT_PTR_NOT_NULL(why.data != NULL ? strstr(why.data, "no data at all") : NULL);
	store_free(st);
	report_free(r);
	remove_store();
	strbuf_release(&err);
	strbuf_release(&why);
}

/* Every encoding holds the same text: CP932 and UTF-8 with BOM, converted
 * back with iconv, are the UTF-8 file with CRLF line ends. */
static void test_encodings_round_trip(void)
{
	struct golden_case gc = { "2026-10", "2026-12", 0, 2, MINISTRY, CSVOUT_UTF8, REPORT_LANG_JA,
		                  NULL };
	struct csvout *o;
	char *utf8, *bom, *sjis, *back, *in, *out, *crlf;
	size_t ulen, blen, slen, inleft, outleft, i, clen = 0;
	iconv_t cd;

	build_store();
	o = render(&gc);
	utf8 = encoded(o, &ulen);
	csvout_free(o);
	gc.enc = CSVOUT_UTF8_BOM;
	o = render(&gc);
	bom = encoded(o, &blen);
	csvout_free(o);
	gc.enc = CSVOUT_CP932;
	o = render(&gc);
	sjis = encoded(o, &slen);
	csvout_free(o);

	crlf = malloc(2 * ulen + 1);
	for (i = 0; i < ulen; i++) {
		if (utf8[i] == '\n')
			crlf[clen++] = '\r';
		crlf[clen++] = utf8[i];
	}
	CU_ASSERT(blen == clen + 3 && memcmp(bom, "\xEF\xBB\xBF", 3) == 0 &&
	          memcmp(bom + 3, crlf, clen) == 0);
	/* Japanese text is shorter in CP932 (2 bytes a character, not 3). */
	CU_ASSERT(slen < clen);
	cd = iconv_open("UTF-8", "CP932");
	CU_ASSERT_FATAL(cd != (iconv_t)-1);
	back = malloc(4 * slen + 1);
	in = sjis;
	out = back;
	inleft = slen;
	outleft = 4 * slen;
	CU_ASSERT(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
	iconv_close(cd);
	CU_ASSERT_EQUAL((size_t)(out - back), clen);
	CU_ASSERT(memcmp(back, crlf, clen) == 0);
	free(utf8);
	free(bom);
	free(sjis);
	free(back);
	free(crlf);
	remove_store();
}

static void test_month_range(void)
{
	struct report_month *m = NULL;
	struct strbuf err;
	size_t n = 0;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(report_month_range("2026-11", "2027-02", "Asia/Tokyo", &m, &n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(m[0].text, "2026-11");
	CU_ASSERT_STRING_EQUAL(m[1].text, "2026-12");
	CU_ASSERT_STRING_EQUAL(m[2].text, "2027-01");
	CU_ASSERT_STRING_EQUAL(m[3].text, "2027-02");
	CU_ASSERT_EQUAL(m[2].end_ms, m[3].start_ms);
	CU_ASSERT_EQUAL(m[3].days, 28);
	free(m);
	CU_ASSERT_EQUAL(report_month_range("2026-11", "2026-11", "UTC", &m, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(m);
	CU_ASSERT_EQUAL(report_month_range("2026-11", "2026-10", "UTC", &m, &n, &err), -1);
	CU_ASSERT_EQUAL(report_month_range("2000-01", "2020-01", "UTC", &m, &n, &err), -1);
	CU_ASSERT_EQUAL(report_month_range("2026-11", "2026-13", "UTC", &m, &n, &err), -1);
	CU_ASSERT_PTR_NULL(m);
	strbuf_release(&err);
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
	CU_add_test(s, "a damaged store still reports", test_damaged_store);
	CU_add_test(s, "encodings round trip", test_encodings_round_trip);
	CU_add_test(s, "month range", test_month_range);
	CU_add_test(s, "unregistered carriers left out", test_unregistered_left_out);
	CU_add_test(s, "a month without data says so", test_no_data_month);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
