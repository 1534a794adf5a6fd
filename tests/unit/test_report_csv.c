/*
 * unit.report_csv - the report CSV reader (plot/report_csv.c over
 * plot/csvin.c), the spam CSV reader that shares its machinery, and
 * plot/rows.c, the growable row arrays and row orders they share:
 * the fixture parses to the numbers in it; columns are found by name in any
 * order among extra ones; every kind of malformed input is refused with its
 * exact FILE:LINE:COLUMN; and the result does not depend on how the input
 * is split into chunks, tried at every byte.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "csvin.h"
#include "mem.h"
#include "report_csv.h"
#include "rows.h"
#include "spam_csv.h"
#include "strbuf.h"

#define ERR_CAP 8192

/* A header in the aggregator's order and a row whose field starts are
 * month 1, scope 9, method 13, providers 17, messages 19, none 24, pass 27,
 * fail 31, ..., share_none 46, share_pass 51, share_non_none 87; its line
 * end is at column 92. */
#define H "month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror," \
          "permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"     \
          "share_temperror,share_permerror,share_policy,share_non_none\n"
#define R "2026-09,all,spf,3,1000,10,900,20,30,40,0,0,0,1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00\n"
#define R_HEAD "2026-09,all,spf,3,1000,10,900,20,30,40,0,0,0,"
#define R_SHARES "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00\n"
#define R_SHARES_NOLF "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00"

static char *read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("ARSTAT_SOURCE_DIR");
	struct strbuf path, data;
	char buf[4096];
	FILE *fp;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	strbuf_init(&path, 4096);
	strbuf_printf(&path, "%s/tests/fixtures/%s", dir, name);
	fp = fopen(path.data, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	strbuf_init(&data, 1 << 24);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		CU_ASSERT_EQUAL_FATAL(strbuf_append(&data, buf, n), 0);
	fclose(fp);
	strbuf_release(&path);
	*len = data.len;
	return data.data;
}

/*
 * Parse buf as "t.csv" in pieces cut at the offsets in cuts[0..ncuts)
 * (ascending) or, with step > 0, in pieces of step bytes. Returns 0 and *t,
 * or -1 with the message in err.
 */
static int parse_cut(const char *buf, size_t len, const size_t *cuts, size_t ncuts, size_t step,
                     const struct csvin_limits *lim, struct report_table **t, struct strbuf *err)
{
	struct csvin_limits def;
	struct report_reader *r;
	size_t at = 0, i;
	int rc = -1;

	if (lim == NULL) {
		csvin_limits_default(&def);
		lim = &def;
	}
	r = report_reader_new("t.csv", lim);
	strbuf_reset(err);
	for (i = 0; i < ncuts; i++) {
		if (report_reader_feed(r, buf + at, cuts[i] - at) < 0)
			goto fail;
		at = cuts[i];
	}
	while (step > 0 && at < len) {
		size_t n = len - at < step ? len - at : step;

		if (report_reader_feed(r, buf + at, n) < 0)
			goto fail;
		at += n;
	}
	if (report_reader_feed(r, buf + at, len - at) < 0 || report_reader_finish(r, t) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	strbuf_append_str(err, report_reader_error(r));
out:
	report_reader_free(r);
	return rc;
}

static int parse_whole(const char *buf, size_t len, const struct csvin_limits *lim,
                       struct report_table **t, struct strbuf *err)
{
	return parse_cut(buf, len, NULL, 0, 0, lim, t, err);
}

static int rows_equal(const struct report_row *a, const struct report_row *b)
{
	return a->year == b->year && a->month == b->month &&
	       strcmp(a->month_text, b->month_text) == 0 && strcmp(a->scope, b->scope) == 0 &&
	       a->method == b->method && a->providers == b->providers &&
	       a->messages == b->messages && memcmp(a->count, b->count, sizeof(a->count)) == 0 &&
	       memcmp(a->share, b->share, sizeof(a->share)) == 0 &&
	       a->share_non_none == b->share_non_none && a->line == b->line;
}

static int tables_equal(const struct report_table *a, const struct report_table *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		if (!rows_equal(&a->rows[i], &b->rows[i]))
			return 0;
	}
	return 1;
}

static const struct report_row *find_row(const struct report_table *t, const char *month,
                                         const char *scope, enum ar_method m)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->rows[i].month_text, month) == 0 && strcmp(t->rows[i].scope, scope) == 0 &&
		    t->rows[i].method == m)
			return &t->rows[i];
	}
	return NULL;
}

static void test_limits_default(void)
{
	struct csvin_limits lim;

	csvin_limits_default(&lim);
	CU_ASSERT_EQUAL(lim.max_bytes, 16u * 1024 * 1024);
	CU_ASSERT_EQUAL(lim.max_rows, 100000);
	CU_ASSERT_EQUAL(lim.max_field, 256);
}

static void test_parse_hundredths(void)
{
	static const struct {
		const char *s;
		int64_t v; /* -1: refused */
	} cases[] = {
		{ "0", 0 }, { "0.00", 0 }, { "100", 10000 }, { "100.00", 10000 }, { "100.0", 10000 },
		{ "1.5", 150 }, { "1.05", 105 }, { "99.99", 9999 }, { "007.10", 710 },
		{ "100.01", -1 }, { "101", -1 }, { "1.", -1 }, { ".5", -1 }, { "+1", -1 },
		{ "-1", -1 }, { "-0", -1 }, { "1e2", -1 }, { " 1", -1 }, { "1 ", -1 }, { "1.234", -1 },
		{ "1.-5", -1 }, { "1.+5", -1 }, { "", -1 }, { "1..2", -1 }, { "1,5", -1 }, { "nan", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -42;
		int rc = report_parse_hundredths(cases[i].s, strlen(cases[i].s), 10000, &v);

		if (cases[i].v < 0) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_EQUAL(v, -42);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(v, cases[i].v);
		}
		if ((rc == 0) != (cases[i].v >= 0))
			fprintf(stderr, "hundredths case \"%s\" wrong\n", cases[i].s);
	}
}

static void test_fixture(void)
{
	const struct report_row *rw;
	struct report_table *t = NULL;
	struct strbuf err;
	size_t len, i;
	char *buf = read_fixture("report-sample.csv", &len);

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(buf, len, NULL, &t, &err), 0);
	/* 6 months x (all + 3 carriers) x 4 methods. */
	CU_ASSERT_EQUAL(t->n, 96);
	rw = find_row(t, "2026-04", "all", AR_SPF);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->year, 2026);
	CU_ASSERT_EQUAL(rw->month, 4);
	CU_ASSERT_EQUAL(rw->providers, 3);
	CU_ASSERT_EQUAL(rw->messages, 104623571);
	CU_ASSERT_EQUAL(rw->count[AR_NONE], 8227910);
	CU_ASSERT_EQUAL(rw->count[AR_PASS], 91401814);
	CU_ASSERT_EQUAL(rw->count[AR_FAIL], 635917);
	CU_ASSERT_EQUAL(rw->count[AR_SOFTFAIL], 2483798);
	CU_ASSERT_EQUAL(rw->count[AR_NEUTRAL], 1336677);
	CU_ASSERT_EQUAL(rw->count[AR_TEMPERROR], 112074);
	CU_ASSERT_EQUAL(rw->count[AR_PERMERROR], 425381);
	CU_ASSERT_EQUAL(rw->count[AR_POLICY], 0);
	CU_ASSERT_EQUAL(rw->share[AR_NONE], 786);
	CU_ASSERT_EQUAL(rw->share[AR_PASS], 8736);
	CU_ASSERT_EQUAL(rw->share[AR_SOFTFAIL], 237);
	CU_ASSERT_EQUAL(rw->share_non_none, 9214);
	CU_ASSERT_EQUAL(rw->line, 2);
	rw = find_row(t, "2026-06", "kddi", AR_DKIM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->providers, 1);
	CU_ASSERT_EQUAL(rw->messages, 37250730);
	CU_ASSERT_EQUAL(rw->count[AR_POLICY], 8997);
	CU_ASSERT_EQUAL(rw->share[AR_POLICY], 2);
	CU_ASSERT_EQUAL(rw->line, 43);
	rw = find_row(t, "2026-09", "softbank", AR_ARC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->share[AR_NONE], 8668);
	CU_ASSERT_EQUAL(rw->line, 97);
	/* Sorted by method, scope, month: the charts rely on it. */
	for (i = 1; i < t->n; i++) {
		const struct report_row *a = &t->rows[i - 1], *b = &t->rows[i];
		int c = strcmp(a->scope, b->scope);

		CU_ASSERT(a->method < b->method ||
		          (a->method == b->method && (c < 0 || (c == 0 && strcmp(a->month_text, b->month_text) < 0))));
	}
	report_table_free(t);

	/* The same through the file reader. */
	{
		struct csvin_limits lim;
		struct strbuf path;

		csvin_limits_default(&lim);
		strbuf_init(&path, 4096);
		strbuf_printf(&path, "%s/tests/fixtures/report-sample.csv", getenv("ARSTAT_SOURCE_DIR"));
		t = NULL;
		CU_ASSERT_EQUAL(report_read_file(path.data, &lim, &t, &err), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(t->n, 96);
		report_table_free(t);
		strbuf_release(&path);
	}
	free(buf);
	strbuf_release(&err);
}

/* The fixture in pieces of many sizes gives the same table as in one. */
static void test_fixture_chunks(void)
{
	static const size_t steps[] = { 1, 2, 3, 5, 7, 64, 1000, 4096 };
	struct report_table *whole = NULL, *t = NULL;
	struct strbuf err;
	size_t len, i;
	char *buf = read_fixture("report-sample.csv", &len);

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(buf, len, NULL, &whole, &err), 0);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		t = NULL;
		CU_ASSERT_EQUAL(parse_cut(buf, len, NULL, 0, steps[i], NULL, &t, &err), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT(tables_equal(whole, t));
		report_table_free(t);
	}
	report_table_free(whole);
	free(buf);
	strbuf_release(&err);
}

/*
 * A report as another writer might produce it: a byte-order mark, columns
 * in reverse order, an extra quoted column holding a comma, a doubled quote
 * and a CRLF, CRLF line ends, blank lines, and no line end at the very end.
 */
static const char tricky[] =
	"\xef\xbb\xbf"
	"share_non_none,share_policy,share_permerror,share_temperror,share_neutral,"
	"share_softfail,share_fail,share_pass,share_none,note,policy,permerror,temperror,neutral,"
	"softfail,fail,pass,none,messages,providers,method,scope,month\r\n"
	"99.00,0.00,0.00,0.00,4.00,3.00,2.00,90.00,1.00,\"a, \"\"quoted\"\"\r\nnote\","
	"0,0,0,40,30,20,900,10,1000,3,SPF,all,2026-09\r\n"
	"\r\n"
	"100.00,0.00,0.00,0.00,0.00,0.00,0.00,50.5,0,,0,0,0,0,0,0,5,0,10,1,dmarc,docomo \"x\",2026-08\r\n"
	"0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,\"\",0,0,0,0,0,0,0,0,0,0,arc,all,2026-07";

static void check_tricky(const struct report_table *t)
{
	const struct report_row *rw;

	CU_ASSERT_EQUAL_FATAL(t->n, 3);
	rw = find_row(t, "2026-09", "all", AR_SPF);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->messages, 1000);
	CU_ASSERT_EQUAL(rw->providers, 3);
	CU_ASSERT_EQUAL(rw->count[AR_NONE], 10);
	CU_ASSERT_EQUAL(rw->count[AR_PASS], 900);
	CU_ASSERT_EQUAL(rw->count[AR_NEUTRAL], 40);
	CU_ASSERT_EQUAL(rw->share[AR_PASS], 9000);
	CU_ASSERT_EQUAL(rw->share[AR_NEUTRAL], 400);
	CU_ASSERT_EQUAL(rw->share_non_none, 9900);
	CU_ASSERT_EQUAL(rw->line, 2);
	rw = find_row(t, "2026-07", "all", AR_ARC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->messages, 0);
	CU_ASSERT_EQUAL(rw->line, 6);
}

static void test_tricky_whole(void)
{
	struct report_table *t = NULL;
	struct strbuf err;
	int rc;

	strbuf_init(&err, ERR_CAP);
	rc = parse_whole(tricky, sizeof(tricky) - 1, NULL, &t, &err);
	/* The third record's scope has quotes in an unquoted field. */
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_STRING_EQUAL(err.data,
	                       "t.csv:5:80: malformed quoting (a quote inside an unquoted field, "
	                       "or text after a closing quote)");
	strbuf_release(&err);
}

/* tricky with the bad scope written as RFC 4180 wants it. */
static char *tricky_fixed(size_t *len)
{
	struct strbuf sb;
	const char *bad = strstr(tricky, "docomo \"x\"");
	size_t at = (size_t)(bad - tricky);

	strbuf_init(&sb, 4096);
	strbuf_append(&sb, tricky, at);
	strbuf_append_str(&sb, "\"docomo \"\"x\"\"\"");
	strbuf_append_str(&sb, bad + strlen("docomo \"x\""));
	*len = sb.len;
	return sb.data;
}

static void test_tricky_fixed(void)
{
	const struct report_row *rw;
	struct report_table *t = NULL;
	struct strbuf err;
	size_t len;
	char *buf = tricky_fixed(&len);

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(buf, len, NULL, &t, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.data == NULL ? "" : err.data, "");
	rw = find_row(t, "2026-08", "docomo \"x\"", AR_DMARC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->share[AR_PASS], 5050);
	CU_ASSERT_EQUAL(rw->share_non_none, 10000);
	CU_ASSERT_EQUAL(rw->line, 5);
	check_tricky(t);
	report_table_free(t);
	free(buf);
	strbuf_release(&err);
}

/* The tricky input cut in two at every byte, and fed a byte at a time. */
static void test_tricky_every_split(void)
{
	struct report_table *whole = NULL;
	struct strbuf err;
	size_t len, k;
	char *buf = tricky_fixed(&len);

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(buf, len, NULL, &whole, &err), 0);
	for (k = 0; k <= len; k++) {
		struct report_table *t = NULL;

		CU_ASSERT_EQUAL_FATAL(parse_cut(buf, len, &k, 1, 0, NULL, &t, &err), 0);
		CU_ASSERT(tables_equal(whole, t));
		report_table_free(t);
	}
	{
		struct report_table *t = NULL;

		CU_ASSERT_EQUAL_FATAL(parse_cut(buf, len, NULL, 0, 1, NULL, &t, &err), 0);
		CU_ASSERT(tables_equal(whole, t));
		report_table_free(t);
	}
	report_table_free(whole);
	free(buf);
	strbuf_release(&err);
}

struct bad_case {
	const char *what;
	const char *input;
	size_t len;
	const char *expect;
	size_t max_rows, max_field, max_bytes; /* 0: default */
};

#define BAD(what, input, expect) { what, input, sizeof(input) - 1, expect, 0, 0, 0 }
#define BAD_LIM(what, input, expect, rows, field, bytes) \
	{ what, input, sizeof(input) - 1, expect, rows, field, bytes }

#define QUOTING "malformed quoting (a quote inside an unquoted field, or text after a closing quote)"
#define COUNT_MAX "1000000000000000"

/* Ten good records of distinct months, 1139 bytes with the header: byte
 * 1025 is on line 10 at column 70. */
#define TEN_ROWS                                                                               \
	H "2025-01" R_HEAD_REST "2025-02" R_HEAD_REST "2025-03" R_HEAD_REST "2025-04" R_HEAD_REST \
	  "2025-05" R_HEAD_REST "2025-06" R_HEAD_REST "2025-07" R_HEAD_REST "2025-08" R_HEAD_REST \
	  "2025-09" R_HEAD_REST "2025-10" R_HEAD_REST
#define R_HEAD_REST ",all,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES

static const struct bad_case bad_cases[] = {
	BAD("empty input", "", "t.csv:1:1: empty input: expected a header line"),
	BAD("blank lines only", "\n\r\n\n", "t.csv:1:1: empty input: expected a header line"),
	BAD("missing column",
	    "month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
	    "permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
	    "share_temperror,share_permerror,share_non_none\n",
	    "t.csv:1:1: header lacks the required column \"share_policy\""),
	BAD("column twice",
	    "month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
	    "permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
	    "share_temperror,share_permerror,share_policy,share_non_none,Scope\n",
	    "t.csv:1:220: column \"scope\" appears twice in the header (first at column 7)"),
	BAD("too many fields", H "2026-09,all,spf,3,1000,10,900,20,30,40,0,0,0,"
	                         "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00,x\n",
	    "t.csv:2:93: record has more fields than the header's 22"),
	BAD("too few fields", H "2026-09,all,spf,3,1000,10,900,20,30,40,0,0,0,"
	                        "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00\n",
	    "t.csv:2:86: record ends after 21 of the header's 22 fields"),
	BAD("too few fields at the end of input", H "2026-09,all,spf",
	    "t.csv:2:16: record ends after 3 of the header's 22 fields"),
	BAD("count not a number", H "2026-09,all,spf,3,10x0,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:19: messages: not a non-negative integer up to " COUNT_MAX ": \"10x0\""),
	BAD("count with a space", H "2026-09,all,spf,3, 1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:19: messages: not a non-negative integer up to " COUNT_MAX ": \" 1000\""),
	BAD("negative count", H "2026-09,all,spf,-3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:17: providers: not a non-negative integer up to 1000000: \"-3\""),
	BAD("count too large", H "2026-09,all,spf,3,1000000000000001,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:19: messages: not a non-negative integer up to " COUNT_MAX
	    ": \"1000000000000001\""),
	BAD("empty count", H "2026-09,all,spf,3,1000,10,900,,30,40,0,0,0," R_SHARES,
	    "t.csv:2:31: fail: not a non-negative integer up to " COUNT_MAX ": \"\""),
	BAD("count above messages", H "2026-09,all,spf,3,1000,10,900,2000,30,40,0,0,0," R_SHARES,
	    "t.csv:2:31: fail: larger than messages (1000): \"2000\""),
	BAD("month 13", H "2026-13,all,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:1: month: not a month YYYY-MM: \"2026-13\""),
	BAD("month one digit", H "2026-9,all,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:1: month: not a month YYYY-MM: \"2026-9\""),
	BAD("month with a day", H "2026-09-01,all,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:1: month: not a month YYYY-MM: \"2026-09-01\""),
	BAD("unknown method", H "2026-09,all,smtp,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:13: method: unknown method (expected spf, dkim, dmarc or arc): \"smtp\""),
	BAD("empty scope", H "2026-09,,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:9: scope: empty: \"\""),
	BAD("control character in scope", H "2026-09,a\tl,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:9: scope: contains a control character: \"a\\x09l\""),
	BAD("NUL in a field", H "2026-09,a\0l,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:9: field contains a NUL byte"),
	BAD("share above 100", H R_HEAD "100.01,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00\n",
	    "t.csv:2:46: share_none: not a percentage from 0 to 100 with at most two decimals: "
	    "\"100.01\""),
	BAD("share with three decimals", H R_HEAD "1.00,90.001,2.00,3.00,4.00,0.00,0.00,0.00,99.00\n",
	    "t.csv:2:51: share_pass: not a percentage from 0 to 100 with at most two decimals: "
	    "\"90.001\""),
	BAD("share with an exponent", H R_HEAD "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,9.9e1\n",
	    "t.csv:2:87: share_non_none: not a percentage from 0 to 100 with at most two decimals: "
	    "\"9.9e1\""),
	BAD("empty share with messages", H R_HEAD ",90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00\n",
	    "t.csv:2:46: share_none: not a percentage from 0 to 100 with at most two decimals: \"\""),
	BAD("share of no messages", H "2026-09,all,spf,0,0,0,0,0,0,0,0,0,0,,,,,,,,50.00,\n",
	    "t.csv:2:44: share_policy: a share of no messages (messages is 0): \"50.00\""),
	BAD("duplicate record", H R R,
	    "t.csv:3:1: duplicate record: month 2026-09, scope and method as on line 2"),
	BAD("duplicate record, method in capitals",
	    H R "2026-09,all,SPF,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:3:1: duplicate record: month 2026-09, scope and method as on line 2"),
	BAD("stray quote", H "2026-09,a\"ll,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:10: " QUOTING),
	BAD("text after a closing quote", H "2026-09,\"all\"x,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES,
	    "t.csv:2:14: " QUOTING),
	BAD("unterminated quote", H "2026-09,\"all,spf\n",
	    "t.csv:2:9: quoted field not closed before the end of input"),
	BAD("line numbers count lines inside quotes",
	    "month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
	    "permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
	    "share_temperror,share_permerror,share_policy,share_non_none,note\n"
	    "2026-09,all,spf,3,1000,10,900,20,30,40,0,0,0,"
	    "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00,\"two\nlines\"\n"
	    "2026-09,all,dkim,3,10x0,10,900,20,30,40,0,0,0,"
	    "1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00,x\n",
	    "t.csv:4:20: messages: not a non-negative integer up to " COUNT_MAX ": \"10x0\""),
	BAD("CRLF line ends", "month,scope,method,providers,messages,none,pass,fail,softfail,neutral,"
	    "temperror,permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
	    "share_temperror,share_permerror,share_policy,share_non_none\r\n"
	    "2026-09,all,spf,3,1000,10,900,20,30,40,0,0,0,1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00\r\n"
	    "\r\n"
	    "2026-09,all,x,3,1000,10,900,20,30,40,0,0,0,1.00,90.00,2.00,3.00,4.00,0.00,0.00,0.00,99.00\r\n",
	    "t.csv:4:13: method: unknown method (expected spf, dkim, dmarc or arc): \"x\""),
	BAD_LIM("field too long", H "2026-09,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,spf\n",
	        "t.csv:2:9: field longer than 32 bytes", 0, 32, 0),
	BAD_LIM("quoted field too long", H "2026-09,\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",spf\n",
	        "t.csv:2:9: field longer than 32 bytes", 0, 32, 0),
	BAD_LIM("too many records", H R "2026-08" R_HEAD_REST,
	        "t.csv:3:1: more than 1 data records", 1, 0, 0),
	BAD_LIM("input too large", TEN_ROWS, "t.csv:10:70: input larger than 1024 bytes", 0, 0, 1024),
};

static void test_bad_cases(void)
{
	struct strbuf err;
	size_t i;

	strbuf_init(&err, ERR_CAP);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct csvin_limits lim;
		struct report_table *t = NULL;
		size_t k;

		csvin_limits_default(&lim);
		if (bc->max_rows)
			lim.max_rows = bc->max_rows;
		if (bc->max_field)
			lim.max_field = bc->max_field;
		if (bc->max_bytes)
			lim.max_bytes = bc->max_bytes;
		CU_ASSERT_EQUAL(parse_whole(bc->input, bc->len, &lim, &t, &err), -1);
		CU_ASSERT_PTR_NULL(t);
		if (err.data == NULL || strcmp(err.data, bc->expect) != 0) {
			fprintf(stderr, "\n%s:\n  got:    %s\n  wanted: %s\n", bc->what,
			        err.data ? err.data : "(nothing)", bc->expect);
			CU_FAIL("wrong message");
			continue;
		}
		/* The same message wherever the input is cut. */
		for (k = 0; k <= bc->len; k++) {
			t = NULL;
			CU_ASSERT_EQUAL(parse_cut(bc->input, bc->len, &k, 1, 0, &lim, &t, &err), -1);
			CU_ASSERT_PTR_NULL(t);
			if (err.data == NULL || strcmp(err.data, bc->expect) != 0) {
				fprintf(stderr, "\n%s cut at %zu: %s\n", bc->what, k, err.data);
				CU_FAIL("message depends on the cut");
				break;
			}
		}
	}
	strbuf_release(&err);
}

/* The aggregator writes rows for months without data, shares empty. */
static void test_no_messages(void)
{
	static const char in[] = H "2026-09,all,spf,0,0,0,0,0,0,0,0,0,0,,,,,,,,,\n"
	                           "2026-09,all,dkim,0,0,0,0,0,0,0,0,0,0,0,0.00,0,0,0,0,0,0,\n";
	struct report_table *t = NULL;
	struct strbuf err;
	size_t i;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(in, sizeof(in) - 1, NULL, &t, &err), 0);
	CU_ASSERT_EQUAL_FATAL(t->n, 2);
	for (i = 0; i < REPORT_NRESULTS; i++) {
		CU_ASSERT_EQUAL(t->rows[0].share[i], 0);
		CU_ASSERT_EQUAL(t->rows[1].share[i], 0);
	}
	CU_ASSERT_EQUAL(t->rows[0].messages, 0);
	CU_ASSERT_EQUAL(t->rows[0].share_non_none, 0);
	report_table_free(t);
	strbuf_release(&err);
}

/* A record may come before a failing one; nothing leaks and the reader
 * stays failed. */
static void test_failed_reader_stays_failed(void)
{
	struct csvin_limits lim;
	struct report_reader *r;
	struct report_table *t = NULL;
	static const char in[] = H R "2026-08,all,smtp\n";

	csvin_limits_default(&lim);
	r = report_reader_new("t.csv", &lim);
	CU_ASSERT_EQUAL(report_reader_feed(r, in, sizeof(in) - 1), -1);
	CU_ASSERT_EQUAL(report_reader_feed(r, R, sizeof(R) - 1), -1);
	CU_ASSERT_EQUAL(report_reader_finish(r, &t), -1);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(report_reader_error(r), "t.csv:3:1"));
	report_reader_free(r);
	report_reader_free(NULL);
	report_table_free(NULL);
}

/* The optional policy columns: absent, present in any order, empty in
 * rows of other methods; partial or too large, refused with the position,
 * wherever the input is cut. */
#define HP "month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror," \
           "permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"     \
           "share_temperror,share_permerror,share_policy,share_non_none,"                        \
           "policy_reject,policy_none,policy_quarantine\n"
#define RP_HEAD "2026-09,all,dmarc,3,1000,10,900,20,30,40,0,0,0,"

static void test_policy_columns(void)
{
	static const char in[] = HP R_HEAD R_SHARES_NOLF ",,,\n"
	                         RP_HEAD R_SHARES_NOLF ",300,500,190\n";
	static const char *const bad_in[] = {
		/* Two of the three. */
		"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
		"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
		"share_temperror,share_permerror,share_policy,share_non_none,policy_none,policy_reject\n"
		RP_HEAD R_SHARES_NOLF ",1,2\n",
		/* More than messages together: 300 + 500 + 201 > 1000. */
		HP RP_HEAD R_SHARES_NOLF ",300,500,201\n",
		/* Not a count. */
		HP RP_HEAD R_SHARES_NOLF ",-3,500,190\n",
	};
	static const char *const bad_expect[] = {
		"t.csv:1:1: header has some of policy_none, policy_quarantine and policy_reject but "
		"not all three",
		"t.csv:2:95: policy_reject: policy counts add up to 1001, more than messages (1000): "
		"\"300\"",
		"t.csv:2:95: policy_reject: not a non-negative integer up to 1000000000000000: \"-3\"",
	};
	struct report_table *t = NULL;
	const struct report_row *rw;
	struct strbuf err;
	size_t i, k;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(in, sizeof(in) - 1, NULL, &t, &err), 0);
	CU_ASSERT(t->has_policy);
	rw = find_row(t, "2026-09", "all", AR_DMARC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->policy[POL_NONE], 500);
	CU_ASSERT_EQUAL(rw->policy[POL_QUARANTINE], 190);
	CU_ASSERT_EQUAL(rw->policy[POL_REJECT], 300);
	rw = find_row(t, "2026-09", "all", AR_SPF);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->policy[POL_REJECT], 0);
	report_table_free(t);
	t = NULL;

	/* Without them, as before. */
	CU_ASSERT_EQUAL_FATAL(parse_whole(H R, sizeof(H R) - 1, NULL, &t, &err), 0);
	CU_ASSERT(!t->has_policy);
	report_table_free(t);

	for (i = 0; i < sizeof(bad_in) / sizeof(bad_in[0]); i++) {
		size_t len = strlen(bad_in[i]);

		for (k = 0; k <= len; k++) {
			t = NULL;
			CU_ASSERT_EQUAL(parse_cut(bad_in[i], len, &k, 1, 0, NULL, &t, &err), -1);
			CU_ASSERT_PTR_NULL(t);
			if (err.data == NULL || strcmp(err.data, bad_expect[i]) != 0) {
				fprintf(stderr, "\ncase %zu cut at %zu:\n  got:    %s\n  wanted: %s\n", i, k,
				        err.data, bad_expect[i]);
				CU_FAIL("wrong message");
				break;
			}
		}
	}
	strbuf_release(&err);
}

/* The fixture with the policy columns reads like the one without, plus
 * the policies. */
static void test_policy_fixture(void)
{
	struct report_table *a = NULL, *b = NULL;
	struct strbuf err;
	size_t la, lb, i;
	char *fa = read_fixture("report-sample.csv", &la);
	char *fb = read_fixture("report-policy-sample.csv", &lb);
	const struct report_row *rw;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(fa, la, NULL, &a, &err), 0);
	CU_ASSERT_EQUAL_FATAL(parse_whole(fb, lb, NULL, &b, &err), 0);
	CU_ASSERT(tables_equal(a, b));
	CU_ASSERT(b->has_policy);
	for (i = 0; i < b->n; i++) {
		rw = &b->rows[i];
		if (rw->method == AR_DMARC)
			CU_ASSERT_EQUAL(rw->policy[POL_NONE] + rw->policy[POL_QUARANTINE] +
			                    rw->policy[POL_REJECT],
			                rw->messages - rw->count[AR_NONE]);
	}
	rw = find_row(b, "2026-09", "all", AR_DMARC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->policy[POL_QUARANTINE], 17314634);
	CU_ASSERT_EQUAL(rw->policy[POL_REJECT], 16413840);
	report_table_free(a);
	report_table_free(b);
	free(fa);
	free(fb);
	strbuf_release(&err);
}

/* The refused column of an aggregator of record schema v2: absent, as
 * before; present, read (empty in a row read as 0); not a count, refused
 * with its position. The aggregator's own golden method CSV, which has it
 * and every other fate column, reads. */
static void test_refused_column(void)
{
	static const char in[] = "month,scope,method,providers,messages,none,pass,fail,softfail,"
	                         "neutral,temperror,permerror,policy,share_none,share_pass,"
	                         "share_fail,share_softfail,share_neutral,share_temperror,"
	                         "share_permerror,share_policy,share_non_none,refused\n"
	                         R_HEAD R_SHARES_NOLF ",31\n"
	                         "2026-10,all,spf,3,1000,10,900,20,30,40,0,0,0," R_SHARES_NOLF ",\n";
	static const char bad[] = "month,scope,method,providers,messages,none,pass,fail,softfail,"
	                          "neutral,temperror,permerror,policy,share_none,share_pass,"
	                          "share_fail,share_softfail,share_neutral,share_temperror,"
	                          "share_permerror,share_policy,share_non_none,refused\n"
	                          R_HEAD R_SHARES_NOLF ",x\n";
	struct report_table *t = NULL;
	const struct report_row *rw;
	struct strbuf err;
	char *golden;
	size_t len;
	int64_t v;

	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(in, sizeof(in) - 1, NULL, &t, &err), 0);
	CU_ASSERT(t->has_refused);
	rw = find_row(t, "2026-09", "all", AR_SPF);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->refused, 31);
	CU_ASSERT_EQUAL(chart_refused_share(rw, &v), 0);
	CU_ASSERT_EQUAL(v, 301); /* 31 / 1031 = 3.0068 % */
	rw = find_row(t, "2026-10", "all", AR_SPF);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->refused, 0);
	report_table_free(t);
	t = NULL;
	CU_ASSERT_EQUAL_FATAL(parse_whole(H R, sizeof(H R) - 1, NULL, &t, &err), 0);
	CU_ASSERT(!t->has_refused);
	report_table_free(t);
	t = NULL;
	CU_ASSERT_EQUAL(parse_whole(bad, sizeof(bad) - 1, NULL, &t, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "refused: not a non-negative") : NULL);
	CU_ASSERT_PTR_NULL(t);

	golden = read_fixture("../unit/golden/report-2026-11-methods.ref", &len);
	CU_ASSERT_EQUAL_FATAL(parse_whole(golden, len, NULL, &t, &err), 0);
	CU_ASSERT(t->has_refused);
	rw = find_row(t, "2026-11", "jp-alpha", AR_DMARC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->refused, 29);
	CU_ASSERT_EQUAL(rw->messages, 20040);
	report_table_free(t);
	free(golden);
	strbuf_release(&err);
}

static void test_missing_file(void)
{
	struct csvin_limits lim;
	struct report_table *t = NULL;
	struct strbuf err;

	csvin_limits_default(&lim);
	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(report_read_file("/nonexistent/report.csv", &lim, &t, &err), -1);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_STRING_EQUAL(err.data, "/nonexistent/report.csv: cannot open: No such file or directory");
	strbuf_release(&err);
}

static void test_spam_fixture(void)
{
	struct csvin_limits lim;
	struct spam_table *t = NULL;
	struct strbuf err;
	size_t len, i;
	char *buf = read_fixture("spam-sample.csv", &len);
	const struct spam_row *rw = NULL;

	csvin_limits_default(&lim);
	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(spam_read_buffer("spam.csv", buf, len, &lim, &t, &err), 0);
	CU_ASSERT_EQUAL(t->n, 24);
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->rows[i].scope, "kddi") == 0 && strcmp(t->rows[i].month_text, "2026-07") == 0)
			rw = &t->rows[i];
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw);
	CU_ASSERT_EQUAL(rw->providers, 1);
	CU_ASSERT_EQUAL(rw->messages, 37943088);
	CU_ASSERT_EQUAL(rw->spam, 16640649);
	CU_ASSERT_EQUAL(rw->share_spam, 4386);
	CU_ASSERT_EQUAL(rw->daily_messages, 122397058);
	CU_ASSERT_EQUAL(rw->daily_spam, 53679513);
	CU_ASSERT_EQUAL(rw->line, 16);
	spam_table_free(t);

	/* No verdicts: the share is empty, and read as -1. The aggregator
	 * writes the daily figures as integers. */
	{
		static const char in[] = "month,scope,providers,messages,spam,share_spam,daily_messages,"
		                         "daily_spam\n2026-09,all,3,300,0,,10,0\n";

		t = NULL;
		CU_ASSERT_EQUAL_FATAL(spam_read_buffer("s.csv", in, sizeof(in) - 1, &lim, &t, &err), 0);
		CU_ASSERT_EQUAL(t->rows[0].share_spam, -1);
		CU_ASSERT_EQUAL(t->rows[0].daily_messages, 1000);
		spam_table_free(t);
	}
	free(buf);
	strbuf_release(&err);
}

static void test_spam_bad(void)
{
	static const struct {
		const char *in, *expect;
	} cases[] = {
		{ "month,scope,providers,messages,spam,share_spam,daily_messages\n",
		  "s.csv:1:1: header lacks the required column \"daily_spam\"" },
		{ "month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam\n"
		  "2026-09,all,3,100,101,10.00,3.33,3.37\n",
		  "s.csv:2:19: spam: larger than messages (100): \"101\"" },
		{ "month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam\n"
		  "2026-09,all,3,100,10,10.00,3.333,0.33\n",
		  "s.csv:2:28: daily_messages: not a non-negative number with at most two decimals: \"3.333\"" },
		{ "month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam\n"
		  "2026-09,all,3,100,10,10.00,3.33,0.33\n"
		  "2026-09,all,3,100,10,10.00,3.33,0.33\n",
		  "s.csv:3:1: duplicate record: month 2026-09 and scope as on line 2" },
		{ "month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam\n"
		  "2026-09,all,3,100,10,,3,0\n",
		  "s.csv:2:22: share_spam: not a percentage from 0 to 100 with at most two decimals: \"\"" },
	};
	struct csvin_limits lim;
	struct strbuf err;
	size_t i;

	csvin_limits_default(&lim);
	strbuf_init(&err, ERR_CAP);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spam_table *t = NULL;

		strbuf_reset(&err);
		CU_ASSERT_EQUAL(spam_read_buffer("s.csv", cases[i].in, strlen(cases[i].in), &lim, &t, &err), -1);
		CU_ASSERT_PTR_NULL(t);
		CU_ASSERT_STRING_EQUAL(err.data, cases[i].expect);
		if (err.data == NULL || strcmp(err.data, cases[i].expect) != 0)
			fprintf(stderr, "\n  got:    %s\n  wanted: %s\n", err.data, cases[i].expect);
	}
	strbuf_release(&err);
}


/* A row the aggregator withheld (too few providers) has no counts and is skipped. */
static void test_suppressed_rows(void)
{
	static const char csv[] =
		"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
		"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
		"share_temperror,share_permerror,share_policy,share_non_none,suppressed\n"
		"2026-10,all,spf,1,,,,,,,,,,,,,,,,,,,yes\n"
		"2026-10,carrier-a,spf,1,10,1,9,0,0,0,0,0,0,10.00,90.00,0.00,0.00,0.00,0.00,0.00,"
		"0.00,90.00,no\n";
	struct report_table *t = NULL;
	struct strbuf err;

	strbuf_init(&err, 4096);
	CU_ASSERT_EQUAL_FATAL(parse_cut(csv, sizeof(csv) - 1, NULL, 0, 0, NULL, &t, &err), 0);
	CU_ASSERT_EQUAL_FATAL(t->n, 1);
	CU_ASSERT_STRING_EQUAL(t->rows[0].scope, "carrier-a");
	CU_ASSERT_EQUAL(t->rows[0].messages, 10);
	report_table_free(t);
	/* Without "yes", empty counts are still an error. */
	{
		static const char bad[] =
			"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
			"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
			"share_temperror,share_permerror,share_policy,share_non_none,suppressed\n"
			"2026-10,all,spf,1,,,,,,,,,,,,,,,,,,,no\n";

		t = NULL;
		CU_ASSERT_EQUAL(parse_cut(bad, sizeof(bad) - 1, NULL, 0, 0, NULL, &t, &err), -1);
	}
	strbuf_release(&err);
}

/* The scopes a table has: the report's by a scan, the spam table's by a
 * binary search over its rows sorted by scope. */
static void test_has_scope(void)
{
	struct csvin_limits lim;
	struct report_table *t = NULL;
	struct spam_table *st = NULL;
	struct strbuf err;
	size_t len;
	char *buf = read_fixture("spam-sample.csv", &len);

	csvin_limits_default(&lim);
	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL_FATAL(parse_whole(H R, strlen(H R), &lim, &t, &err), 0);
	CU_ASSERT_TRUE(report_table_has_scope(t, "all"));
	CU_ASSERT_FALSE(report_table_has_scope(t, "al"));
	CU_ASSERT_FALSE(report_table_has_scope(t, "kddi"));
	report_table_free(t);
	CU_ASSERT_EQUAL_FATAL(spam_read_buffer("spam.csv", buf, len, &lim, &st, &err), 0);
	CU_ASSERT_TRUE(spam_table_has_scope(st, "all"));
	CU_ASSERT_TRUE(spam_table_has_scope(st, "kddi"));
	CU_ASSERT_TRUE(spam_table_has_scope(st, st->rows[0].scope));
	CU_ASSERT_TRUE(spam_table_has_scope(st, st->rows[st->n - 1].scope));
	CU_ASSERT_FALSE(spam_table_has_scope(st, ""));
	CU_ASSERT_FALSE(spam_table_has_scope(st, "kdd"));
	CU_ASSERT_FALSE(spam_table_has_scope(st, "\x7f"));
	spam_table_free(st);
	free(buf);
	strbuf_release(&err);
}

/* rows.c: the orders of months and of (scope, month). */
static void test_rows(void)
{
	CU_ASSERT(rows_month_cmp(2025, 12, 2026, 1) < 0);
	CU_ASSERT(rows_month_cmp(2026, 2, 2026, 1) > 0);
	CU_ASSERT_EQUAL(rows_month_cmp(2026, 1, 2026, 1), 0);
	CU_ASSERT(rows_scope_month_cmp("all", 2026, 9, "kddi", 2020, 1) < 0);
	CU_ASSERT(rows_scope_month_cmp("kddi", 2026, 9, "kddi", 2026, 10) < 0);
	CU_ASSERT(rows_scope_month_cmp("kddi", 2027, 1, "kddi", 2026, 12) > 0);
	CU_ASSERT_EQUAL(rows_scope_month_cmp("kddi", 2026, 9, "kddi", 2026, 9), 0);
}

int main(void)
{
	CU_pSuite s, sp, rs;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("report_csv", NULL, NULL);
	sp = CU_add_suite("spam_csv", NULL, NULL);
	rs = CU_add_suite("rows", NULL, NULL);
	if (s == NULL || sp == NULL || rs == NULL ||
	    CU_add_test(s, "default limits", test_limits_default) == NULL ||
	    CU_add_test(s, "suppressed rows", test_suppressed_rows) == NULL ||
	    CU_add_test(s, "share field", test_parse_hundredths) == NULL ||
	    CU_add_test(s, "fixture", test_fixture) == NULL ||
	    CU_add_test(s, "fixture in chunks of many sizes", test_fixture_chunks) == NULL ||
	    CU_add_test(s, "stray quote in an otherwise tolerable file", test_tricky_whole) == NULL ||
	    CU_add_test(s, "BOM, column order, extra columns, CRLF, quotes", test_tricky_fixed) == NULL ||
	    CU_add_test(s, "split at every byte", test_tricky_every_split) == NULL ||
	    CU_add_test(s, "malformed input, exact positions, every split", test_bad_cases) == NULL ||
	    CU_add_test(s, "months without messages", test_no_messages) == NULL ||
	    CU_add_test(s, "a failed reader stays failed", test_failed_reader_stays_failed) == NULL ||
	    CU_add_test(s, "missing file", test_missing_file) == NULL ||
	    CU_add_test(s, "optional DMARC policy columns", test_policy_columns) == NULL ||
	    CU_add_test(s, "fixture with DMARC policies", test_policy_fixture) == NULL ||
	    CU_add_test(s, "the refused column", test_refused_column) == NULL ||
	    CU_add_test(sp, "fixture", test_spam_fixture) == NULL ||
	    CU_add_test(sp, "malformed input", test_spam_bad) == NULL ||
	    CU_add_test(sp, "which scopes a table has", test_has_scope) == NULL ||
	    CU_add_test(rs, "growth and order", test_rows) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
