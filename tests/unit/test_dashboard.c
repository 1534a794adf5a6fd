/*
 * unit.dashboard - OUTDIR/index.html (plot/dashboard.c): the latest
 * month's headline figures are the fixture's, with their change from the
 * month before; charts and CSVs are linked by relative paths and the CSVs
 * copied beside the page; a provider's name full of HTML is text on the
 * page and nothing else; the page has no script and nothing from
 * elsewhere; both languages.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart.h"
#include "csvin.h"
#include "dashboard.h"
#include "lang.h"
#include "report_csv.h"
#include "spam_csv.h"
#include "strbuf.h"
#include "test_files.h"

#define ERR_CAP 16384
/* 2026-11-22T05:00:00Z */
#define NOW 1795323600LL

static char *fixture_path(const char *name)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	struct strbuf p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	strbuf_init(&p, 4096);
	strbuf_printf(&p, "%s/tests/fixtures/%s", src, name);
	return p.data;
}

static struct report_table *read_report_buf(const char *csv, size_t len)
{
	struct csvin_limits lim;
	struct report_reader *r;
	struct report_table *t = NULL;

	csvin_limits_default(&lim);
	lim.max_field = 4096;
	r = report_reader_new("t.csv", &lim);
	CU_ASSERT_EQUAL_FATAL(report_reader_feed(r, csv, len), 0);
	CU_ASSERT_EQUAL_FATAL(report_reader_finish(r, &t), 0);
	report_reader_free(r);
	return t;
}

/* The page for the fixtures in lang, written to a new directory (*out). */
static char *page(const char *lang, const char *report, int with_spam, char **out)
{
	char *rpath = fixture_path(report), *spath = fixture_path("spam-sample.csv"), *html, *p;
	struct report_table *t = NULL;
	struct spam_table *s = NULL;
	struct csvin_limits lim;
	struct chart_ctx c;
	struct strbuf err, ip;
	size_t len;

	csvin_limits_default(&lim);
	strbuf_init(&err, ERR_CAP);
	strbuf_init(&ip, 4096);
	CU_ASSERT_EQUAL_FATAL(report_read_file(rpath, &lim, &t, &err), 0);
	if (with_spam)
		CU_ASSERT_EQUAL_FATAL(spam_read_file(spath, &lim, &s, &err), 0);
	*out = make_dir();
	memset(&c, 0, sizeof(c));
	c.report = t;
	c.spam = s;
	c.lang = lang_find(lang);
	c.width = 1200;
	c.height = 700;
	c.outdir = *out;
	/* Charts as chart_draw records them; the page does not open them. */
	c.made = calloc(2, sizeof(*c.made));
	c.made[0].basename = strdup("adoption");
	c.made[0].title = strdup("Adoption <all>");
	c.made[1].basename = strdup("spf-results-by-carrier");
	c.made[1].title = strdup("SPF by provider");
	c.made[1].by_carrier = 1;
	c.nmade = 2;
	CU_ASSERT_EQUAL_FATAL(dashboard_write(&c, rpath, with_spam ? spath : NULL, NOW, &err), 0);
	CU_ASSERT_EQUAL(c.nwritten, with_spam ? 3 : 2);
	strbuf_printf(&ip, "%s/index.html", *out);
	CU_ASSERT_STRING_EQUAL(c.written[c.nwritten - 1], ip.data);
	html = slurp(ip.data, &len);
	/* The CSVs are copied whole. */
	p = slurp(c.written[0], &len);
	{
		size_t l2;
		char *orig = slurp(rpath, &l2);

		CU_ASSERT_EQUAL(len, l2);
		CU_ASSERT_EQUAL(memcmp(p, orig, len), 0);
		free(orig);
	}
	free(p);
	chart_ctx_release(&c);
	report_table_free(t);
	spam_table_free(s);
	free(rpath);
	free(spath);
	strbuf_release(&err);
	strbuf_release(&ip);
	return html;
}

static void expect(const char *html, const char *needle)
{
	if (strstr(html, needle) == NULL) {
		fprintf(stderr, "\npage lacks: %s\n", needle);
		CU_FAIL("missing from the page");
	}
}

static void test_escape(void)
{
	struct strbuf sb;

	strbuf_init(&sb, 256);
	CU_ASSERT_EQUAL(dashboard_escape(&sb, "<a href=\"x\">&'</a>", 18), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	strbuf_release(&sb);
	strbuf_init(&sb, 7);
	CU_ASSERT_EQUAL(dashboard_escape(&sb, "<<", 2), -1);
	strbuf_release(&sb);
}

static void test_figures(void)
{
	char *out, *html = page("en", "report-policy-sample.csv", 1, &out);

	/* 2026-09, scope all, from the CSVs. */
	expect(html, "<body data-month=\"2026-09\">");
	expect(html, "data-figure=\"spf-non-none\">94.39<");
	expect(html, "data-figure=\"dkim-non-none\">80.23<");
	expect(html, "data-figure=\"dmarc-non-none\">67.17<");
	expect(html, "data-figure=\"arc-non-none\">18.97<");
	expect(html, "data-figure=\"dmarc-policy\">44.02<");
	expect(html, "data-figure=\"spam-share\">43.71<");
	expect(html, "data-figure=\"messages\">114,086,287<");
	expect(html, "data-figure=\"providers\">3<");
	/* SPF 94.39 against 93.94 in 2026-08; spam up is bad news. */
	expect(html, "<div class=\"delta good\">\xe2\x96\xb2 +0.45 pt <span class=\"vs\">vs. 2026-08");
	expect(html, "<div class=\"delta bad\">\xe2\x96\xb2 +1.76 pt");
	expect(html, "pass: 90.32%");
	expect(html, "p=reject: 21.42%");
	/* The table of providers. */
	expect(html, "<tr><th scope=\"row\">kddi</th><td>94.27%</td><td>80.56%</td><td>67.48%</td>"
	             "<td>18.46%</td><td>43.50%</td><td>42.16%</td><td>38,926,807</td></tr>");
	/* Charts and data, by relative links only. */
	expect(html, "<a href=\"adoption.svg\"><img src=\"adoption.png\" width=\"1200\" "
	             "height=\"700\" alt=\"Adoption &lt;all&gt;\"></a>");
	expect(html, "<img src=\"spf-results-by-carrier.png\"");
	expect(html, "<a href=\"report.csv\">");
	expect(html, "<a href=\"spam.csv\">");
	expect(html, "2026-11-22T05:00:00Z");
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	CU_ASSERT_PTR_NULL(strstr(html, "://"));
	CU_ASSERT_PTR_NULL(strstr(html, "src=\"/"));
	CU_ASSERT_PTR_NULL(strstr(html, "href=\"/"));
	free(html);
	remove_dir(out);
	free(out);
}

/* Without the policy columns and without --spam: those cards are left out,
 * the rest stays. */
static void test_partial_data(void)
{
	char *out, *html = page("en", "report-sample.csv", 0, &out);

	expect(html, "data-figure=\"spf-non-none\">94.39<");
	expect(html, "data-figure=\"providers\">3<");
	CU_ASSERT_PTR_NULL(strstr(html, "dmarc-policy"));
	CU_ASSERT_PTR_NULL(strstr(html, "spam-share"));
	CU_ASSERT_PTR_NULL(strstr(html, "spam.csv"));
	free(html);
	remove_dir(out);
	free(out);
}

static void test_japanese(void)
{
	char *out, *html = page("ja", "report-policy-sample.csv", 1, &out);

	expect(html, "<html lang=\"ja\">");
	expect(html, "2026\xe5\xb9\xb4" "9\xe6\x9c\x88");
	expect(html, "data-figure=\"spf-non-none\">94.39<");
	expect(html, "\"Noto Sans CJK JP\"");
	free(html);
	remove_dir(out);
	free(out);
}

/* The page of the report CSV text csv in English, written to a new
 * directory (*out) whose report.csv it is: nothing is copied. */
static char *page_of_csv(const char *csv, char **out)
{
	struct report_table *t = read_report_buf(csv, strlen(csv));
	char *html, *rpath;
	struct chart_ctx c;
	struct strbuf err, p;
	size_t len;
	FILE *fp;

	*out = make_dir();
	strbuf_init(&err, ERR_CAP);
	strbuf_init(&p, 4096);
	strbuf_printf(&p, "%s/report.csv", *out);
	rpath = strdup(p.data);
	fp = fopen(rpath, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(csv, fp);
	fclose(fp);
	memset(&c, 0, sizeof(c));
	c.report = t;
	c.lang = lang_find("en");
	c.width = 1200;
	c.height = 700;
	c.outdir = *out;
	CU_ASSERT_EQUAL_FATAL(dashboard_write(&c, rpath, NULL, NOW, &err), 0);
	CU_ASSERT_EQUAL(c.nwritten, 1);
	strbuf_reset(&p);
	strbuf_printf(&p, "%s/index.html", *out);
	html = slurp(p.data, &len);
	chart_ctx_release(&c);
	report_table_free(t);
	free(rpath);
	strbuf_release(&err);
	strbuf_release(&p);
	return html;
}

/* A provider named with HTML: text on the page, never markup. */
static void test_hostile_provider(void)
{
	static const char csv[] =
		"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
		"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
		"share_temperror,share_permerror,share_policy,share_non_none\n"
		"2026-09,all,spf,1,100,10,90,0,0,0,0,0,0,10.00,90.00,0,0,0,0,0,0,90.00\n"
		"2026-09,\"<script>alert('x')</script><img src=x onerror=\"\"y\"\">&amp;\",spf,1,100,"
		"10,90,0,0,0,0,0,0,10.00,90.00,0,0,0,0,0,0,90.00\n";
	char *out, *html = page_of_csv(csv, &out);

	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	CU_ASSERT_PTR_NULL(strstr(html, "<img src=x"));
	expect(html, "<th scope=\"row\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img "
	             "src=x onerror=&quot;y&quot;&gt;&amp;amp;</th>");
	free(html);
	remove_dir(out);
	free(out);
}

/* Issue 13: a latest month the report marks incomplete says so in the
 * headline, with the share of collection windows missing; a complete one
 * does not. */
static void test_incomplete_month(void)
{
	static const char head[] =
		"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
		"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
		"share_temperror,share_permerror,share_policy,share_non_none,suppressed,"
		"windows_expected,windows_received,share_windows_received,complete\n"
		"2026-08,all,spf,1,100,10,90,0,0,0,0,0,0,10.00,90.00,0,0,0,0,0,0,90.00,no,2976,2976,"
		"100.00,yes\n";
	static const char *const last[] = {
		"2026-09,all,spf,1,100,10,90,0,0,0,0,0,0,10.00,90.00,0,0,0,0,0,0,90.00,no,2880,2802,"
		"97.29,no\n",
		"2026-09,all,spf,1,100,10,90,0,0,0,0,0,0,10.00,90.00,0,0,0,0,0,0,90.00,no,2880,2880,"
		"100.00,yes\n",
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct strbuf csv;
		char *out, *html;

		strbuf_init(&csv, 4096);
		strbuf_append_str(&csv, head);
		strbuf_append_str(&csv, last[i]);
		html = page_of_csv(csv.data, &out);
		if (i == 0)
			expect(html, "<p class=\"incomplete\">Incomplete month: part of its data is "
			             "missing (collection windows missing: 2.71%); see the coverage "
			             "report.</p>");
		else
			CU_ASSERT_PTR_NULL(strstr(html, "<p class=\"incomplete\">"));
		free(html);
		remove_dir(out);
		free(out);
		strbuf_release(&csv);
	}
}

static void test_no_data(void)
{
	static const char csv[] =
		"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
		"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
		"share_temperror,share_permerror,share_policy,share_non_none\n"
		"2026-09,all,spf,0,0,0,0,0,0,0,0,0,0,,,,,,,,,\n";
	struct report_table *t = read_report_buf(csv, sizeof(csv) - 1);
	char *out = make_dir();
	struct chart_ctx c;
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	memset(&c, 0, sizeof(c));
	c.report = t;
	c.lang = lang_find("en");
	c.width = 1200;
	c.height = 700;
	c.outdir = out;
	CU_ASSERT_EQUAL(dashboard_write(&c, "/nonexistent.csv", NULL, NOW, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "dashboard: no month with messages for all providers");
	CU_ASSERT_EQUAL(c.nwritten, 0);
	chart_ctx_release(&c);
	report_table_free(t);
	remove_dir(out);
	free(out);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("dashboard", NULL, NULL);
	if (s == NULL || CU_add_test(s, "HTML escaping", test_escape) == NULL ||
	    CU_add_test(s, "headline figures of the fixture", test_figures) == NULL ||
	    CU_add_test(s, "without policies and spam", test_partial_data) == NULL ||
	    CU_add_test(s, "Japanese", test_japanese) == NULL ||
	    CU_add_test(s, "a provider named with HTML", test_hostile_provider) == NULL ||
	    CU_add_test(s, "no data", test_no_data) == NULL ||
	    CU_add_test(s, "an incomplete latest month", test_incomplete_month) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
