/*
 * unit.chart - what the charts share (plot/chart.c) and the charts beyond
 * the results bars (plot/chart_adoption.c, plot/chart_spam.c, and the
 * by-provider small multiples of plot/chart_results.c), drawn for real
 * with gnuplot: month labels stay readable from 3 to 60 months (thinned
 * to calendar months, never more than fit); shares round as the
 * aggregator rounds; the fixture's charts exist in both languages, are
 * PNGs of the requested size and SVGs with the expected series, panels
 * and last values; providers beyond the panel limit get no small
 * multiples rather than unreadable ones; a provider with no data in any
 * column gets empty panels, and gnuplot never a label at NaN.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart.h"
#include "csvin.h"
#include "gnuplot.h"
#include "lang.h"
#include "report_csv.h"
#include "spam_csv.h"
#include "strbuf.h"
#include "test_files.h"

#define ERR_CAP 16384

static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
	unsigned char b[24];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return -1;
	n = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	if (n != sizeof(b) || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0 ||
	    memcmp(b + 8, "\0\0\0\x0dIHDR", 8) != 0)
		return -1;
	*w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
	*h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
	return 0;
}

static size_t count_str(const char *text, const char *needle)
{
	size_t n = 0;

	for (text = strstr(text, needle); text != NULL; text = strstr(text + 1, needle))
		n++;
	return n;
}

static struct report_table *read_report(const char *name)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	struct report_table *t = NULL;
	struct csvin_limits lim;
	struct strbuf path, err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	csvin_limits_default(&lim);
	strbuf_init(&path, 4096);
	strbuf_init(&err, ERR_CAP);
	strbuf_printf(&path, "%s/tests/fixtures/%s", src, name);
	CU_ASSERT_EQUAL_FATAL(report_read_file(path.data, &lim, &t, &err), 0);
	strbuf_release(&path);
	strbuf_release(&err);
	return t;
}

static struct spam_table *read_spam(const char *name)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	struct spam_table *t = NULL;
	struct csvin_limits lim;
	struct strbuf path, err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	csvin_limits_default(&lim);
	strbuf_init(&path, 4096);
	strbuf_init(&err, ERR_CAP);
	strbuf_printf(&path, "%s/tests/fixtures/%s", src, name);
	CU_ASSERT_EQUAL_FATAL(spam_read_file(path.data, &lim, &t, &err), 0);
	strbuf_release(&path);
	strbuf_release(&err);
	return t;
}

static struct gnuplot *new_runner(void)
{
	struct gnuplot_opts o;
	struct strbuf err;
	struct gnuplot *g;

	memset(&o, 0, sizeof(o));
	o.timeout_sec = 60;
	strbuf_init(&err, ERR_CAP);
	g = gnuplot_new(&o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	strbuf_release(&err);
	return g;
}

static void setup_ctx(struct chart_ctx *c, const struct report_table *t,
                      const struct spam_table *s, const char *lang, const char *outdir,
                      struct gnuplot *g)
{
	memset(c, 0, sizeof(*c));
	c->report = t;
	c->spam = s;
	c->lang = lang_find(lang);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->lang);
	c->width = CHART_WIDTH_DEFAULT;
	c->height = CHART_HEIGHT_DEFAULT;
	c->outdir = outdir;
	c->gp = g;
}

static int draw_all(struct chart_ctx *c, struct strbuf *err)
{
	static const chart_fn fns[] = {
		chart_adoption, chart_spam, chart_results,
		chart_adoption_by_carrier, chart_spam_by_carrier, chart_results_by_carrier,
	};
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (fns[i](c, err) < 0)
			return -1;
	}
	return 0;
}

static void test_month_step(void)
{
	CU_ASSERT_EQUAL(chart_month_step(0, 5), 1);
	CU_ASSERT_EQUAL(chart_month_step(3, 12), 1);
	CU_ASSERT_EQUAL(chart_month_step(12, 12), 1);
	CU_ASSERT_EQUAL(chart_month_step(13, 12), 2);
	CU_ASSERT_EQUAL(chart_month_step(24, 12), 2);
	CU_ASSERT_EQUAL(chart_month_step(25, 12), 3);
	CU_ASSERT_EQUAL(chart_month_step(36, 12), 3);
	CU_ASSERT_EQUAL(chart_month_step(37, 12), 4);
	CU_ASSERT_EQUAL(chart_month_step(60, 11), 6);
	CU_ASSERT_EQUAL(chart_month_step(60, 5), 12);
	CU_ASSERT_EQUAL(chart_month_step(120, 5), 24);
	CU_ASSERT_EQUAL(chart_month_step(6, 0), 6);
}

/* An axis of n months from year/month. */
static void make_axis(struct chart_axis *ax, int year, int month, size_t n)
{
	size_t i;

	ax->m = calloc(n, sizeof(*ax->m));
	ax->n = n;
	for (i = 0; i < n; i++) {
		ax->m[i].year = year + (int)((month - 1 + (int)i) / 12);
		ax->m[i].month = (month - 1 + (int)i) % 12 + 1;
		snprintf(ax->m[i].text, sizeof(ax->m[i].text), "%04d-%02d", ax->m[i].year,
		         ax->m[i].month);
	}
}

/* A row's panel and month: found by scope and month; -1 for a scope
 * without a panel or a month off the axis; the panel limit's edge. */
static void test_place(void)
{
	static const char *const scopes[3] = { "docomo", "kddi", "softbank" };
	struct chart_axis ax;
	size_t p = 99, k = 99;

	make_axis(&ax, 2025, 11, 4); /* 2025-11 .. 2026-02 */
	CU_ASSERT_EQUAL(chart_place(&ax, scopes, 3, "kddi", 2026, 1, &p, &k), 0);
	CU_ASSERT_EQUAL(p, 1);
	CU_ASSERT_EQUAL(k, 2);
	CU_ASSERT_EQUAL(chart_place(&ax, scopes, 3, "softbank", 2025, 11, &p, &k), 0);
	CU_ASSERT_EQUAL(p, 2);
	CU_ASSERT_EQUAL(k, 0);
	p = k = 99;
	CU_ASSERT_EQUAL(chart_place(&ax, scopes, 3, "all", 2026, 1, &p, &k), -1);
	CU_ASSERT_EQUAL(chart_place(&ax, scopes, 3, "kddi", 2026, 3, &p, &k), -1);
	CU_ASSERT_EQUAL(chart_place(&ax, scopes, 2, "softbank", 2026, 1, &p, &k), -1);
	CU_ASSERT_EQUAL(p, 99);
	CU_ASSERT_EQUAL(k, 99);
	chart_axis_release(&ax);

	CU_ASSERT_EQUAL(chart_panels_fit(1, "test chart"), 1);
	CU_ASSERT_EQUAL(chart_panels_fit(CHART_PANELS_MAX, "test chart"), 1);
	CU_ASSERT_EQUAL(chart_panels_fit(CHART_PANELS_MAX + 1, "test chart"), 0);
}

/* For every span from 3 to 60 months and chart widths from narrow panels
 * to a full chart: no more labels than fit, labels only on the step's
 * calendar months, and at least as many as whole steps. */
static void test_month_ticks(void)
{
	static const double widths[] = { 180.0, 300.0, 450.0, 880.0, 1800.0 };
	const struct plot_lang *en = lang_find("en"), *ja = lang_find("ja");
	struct strbuf sb;
	size_t n, w, i;

	strbuf_init(&sb, 256);
	for (n = 3; n <= 60; n++) {
		for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			struct chart_axis ax;
			size_t fit = chart_labels_fit(en, widths[w]), labels = 0;
			unsigned step = chart_month_step(n, fit);

			make_axis(&ax, 2022, 4, n);
			for (i = 0; i < n; i++) {
				strbuf_reset(&sb);
				CU_ASSERT_EQUAL(chart_month_tick(en, &ax, i, step, &sb), 0);
				if (sb.len == 0)
					continue;
				labels++;
				CU_ASSERT_STRING_EQUAL(sb.data, ax.m[i].text);
				if (step <= 12)
					CU_ASSERT_EQUAL((unsigned)(ax.m[i].month - 1) % step, 0);
			}
			/* Calendar alignment may add one to n / step, and
			 * never takes one away. */
			CU_ASSERT(labels <= fit + 1);
			CU_ASSERT(labels >= n / step);
			CU_ASSERT(labels >= 1 || n < step);
			free(ax.m);
		}
	}
	/* Japanese months. */
	{
		struct chart_axis ax;

		make_axis(&ax, 2026, 9, 5);
		strbuf_reset(&sb);
		CU_ASSERT_EQUAL(chart_month_tick(ja, &ax, 0, 1, &sb), 0);
		CU_ASSERT_STRING_EQUAL(sb.data, "2026\xe5\xb9\xb4" "9\xe6\x9c\x88");
		strbuf_reset(&sb);
		/* Every 3rd month from January: October yes, November no. */
		CU_ASSERT_EQUAL(chart_month_tick(ja, &ax, 1, 3, &sb), 0);
		CU_ASSERT_STRING_EQUAL(sb.data, "2026\xe5\xb9\xb4" "10\xe6\x9c\x88");
		strbuf_reset(&sb);
		CU_ASSERT_EQUAL(chart_month_tick(ja, &ax, 2, 3, &sb), 0);
		CU_ASSERT_EQUAL(sb.len, 0);
		free(ax.m);
	}
	strbuf_release(&sb);
}

static void test_axis_and_carriers(void)
{
	struct report_table *t = read_report("report-sample.csv");
	struct spam_table *s = read_spam("spam-sample.csv");
	struct chart_ctx c;
	struct chart_axis ax;
	const char **carriers = NULL;
	size_t n;

	setup_ctx(&c, t, s, "en", "/nonexistent", NULL);
	chart_axis_build(&c, &ax);
	CU_ASSERT_EQUAL(ax.n, 6);
	CU_ASSERT_STRING_EQUAL(ax.m[0].text, "2026-04");
	CU_ASSERT_STRING_EQUAL(ax.m[5].text, "2026-09");
	CU_ASSERT_EQUAL(chart_axis_index(&ax, 2026, 7), 3);
	CU_ASSERT_EQUAL(chart_axis_index(&ax, 2026, 10), -1);
	chart_axis_release(&ax);
	n = chart_carriers(&c, &carriers);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(carriers[0], "docomo");
	CU_ASSERT_STRING_EQUAL(carriers[1], "kddi");
	CU_ASSERT_STRING_EQUAL(carriers[2], "softbank");
	free(carriers);
	report_table_free(t);
	spam_table_free(s);
}

static void test_shares(void)
{
	struct report_row r;
	int64_t v = -1;

	CU_ASSERT_EQUAL(chart_share_x100(0, 7), 0);
	CU_ASSERT_EQUAL(chart_share_x100(7, 7), 10000);
	CU_ASSERT_EQUAL(chart_share_x100(1, 3), 3333);
	CU_ASSERT_EQUAL(chart_share_x100(2, 3), 6667);
	/* Half up: 0.005 % is 0.01 %. */
	CU_ASSERT_EQUAL(chart_share_x100(1, 20000), 1);
	CU_ASSERT_EQUAL(chart_share_x100(1, 20001), 0);
	/* No overflow at the largest counts. */
	CU_ASSERT_EQUAL(chart_share_x100(REPORT_COUNT_MAX - 1, REPORT_COUNT_MAX), 10000);
	CU_ASSERT_EQUAL(chart_share_x100(REPORT_COUNT_MAX / 3, REPORT_COUNT_MAX), 3333);

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(chart_policy_share(&r, 0, &v), -1);
	r.policy[POL_NONE] = 42898131;
	r.policy[POL_QUARANTINE] = 17314634;
	r.policy[POL_REJECT] = 16413840;
	CU_ASSERT_EQUAL(chart_policy_share(&r, 0, &v), 0);
	CU_ASSERT_EQUAL(v, 4402);
	CU_ASSERT_EQUAL(chart_policy_share(&r, 1, &v), 0);
	CU_ASSERT_EQUAL(v, 2142);
}

static void test_note(void)
{
	static const char *const sentences[] = {
		"All providers.", " A sentence of some length to fill a line with words.", "",
		" Another sentence of some length to fill a line with words.",
	};
	struct chart_ctx c;
	struct strbuf sb;

	memset(&c, 0, sizeof(c));
	c.width = 2000;
	strbuf_init(&sb, 4096);
	CU_ASSERT_EQUAL(chart_note(&sb, &c, sentences, 4), 1);
	CU_ASSERT_STRING_EQUAL(sb.data, "'All providers. A sentence of some length to fill a line "
	                                "with words. Another sentence of some length to fill a "
	                                "line with words.'");
	strbuf_reset(&sb);
	c.width = 500;
	CU_ASSERT_EQUAL(chart_note(&sb, &c, sentences, 4), 2);
	CU_ASSERT_STRING_EQUAL(sb.data, "'All providers. A sentence of some length to fill a line "
	                                "with words.' . \"\\n\" . 'Another sentence of some length "
	                                "to fill a line with words.'");
	strbuf_release(&sb);
}

struct want {
	const char *file;
	const char *text; /* in the SVG, as "<text>TEXT</text>" */
};

static void check_svgs(const char *out, const struct want *w, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		struct strbuf path, needle;
		char *text;

		strbuf_init(&path, 4096);
		strbuf_init(&needle, 4096);
		strbuf_printf(&path, "%s/%s", out, w[i].file);
		strbuf_printf(&needle, "<text>%s</text>", w[i].text);
		text = slurp(path.data, &len);
		if (strstr(text, needle.data) == NULL) {
			fprintf(stderr, "\n%s lacks %s\n", w[i].file, needle.data);
			CU_FAIL("SVG text missing");
		}
		free(text);
		strbuf_release(&path);
		strbuf_release(&needle);
	}
}

static void test_fixture_charts(void)
{
	static const char *const names[] = {
		"adoption", "spam", "spf-results", "dkim-results", "dmarc-results", "arc-results",
		"adoption-by-carrier", "spam-by-carrier", "spf-results-by-carrier",
		"dkim-results-by-carrier", "dmarc-results-by-carrier", "arc-results-by-carrier",
	};
	static const struct want en[] = {
		{ "adoption.svg", "Adoption: share of messages with a result other than none" },
		{ "adoption.svg", "SPF" }, { "adoption.svg", "DKIM" }, { "adoption.svg", "DMARC" },
		{ "adoption.svg", "DMARC p=quarantine or reject" }, { "adoption.svg", "DMARC p=reject" },
		/* The last values, 2026-09 of scope all. */
		{ "adoption.svg", "94.39%" }, { "adoption.svg", "80.23%" }, { "adoption.svg", "67.17%" },
		{ "adoption.svg", "44.02%" }, { "adoption.svg", "21.42%" },
		{ "adoption.svg", "2026-04" }, { "adoption.svg", "2026-09" },
		{ "spam.svg", "Spam share, right axis (%)" },
		{ "spam.svg", "Messages per month, left axis (millions)" },
		{ "spam.svg", "43.71%" }, { "spam.svg", "Messages per month (millions)" },
		{ "adoption-by-carrier.svg", "docomo" }, { "adoption-by-carrier.svg", "kddi" },
		{ "adoption-by-carrier.svg", "softbank" }, { "adoption-by-carrier.svg", "94.59%" },
		{ "spam-by-carrier.svg", "softbank" }, { "spam-by-carrier.svg", "44.36%" },
		{ "spf-results-by-carrier.svg", "kddi" },
		{ "spf-results-by-carrier.svg", "Fail (HardFail)" },
		{ "spf-results-by-carrier.svg",
		  "SPF results by month and provider (share of messages with a result)" },
	};
	static const struct want ja[] = {
		{ "adoption.svg", "送信ドメイン認証の導入状況（none以外の結果の割合）" },
		{ "adoption.svg", "2026年9月" }, { "adoption.svg", "DMARC p=quarantine/reject" },
		{ "spam.svg", "迷惑メールの割合と受信通数（月別）" },
		{ "spam.svg", "月間受信通数（百万通）" },
		{ "spf-results.svg", "SPFの認証結果の割合（月別）" },
		{ "spf-results.svg", "2026年9月の割合" }, { "spf-results.svg", "HardFail: 0.47%" },
		{ "dkim-results-by-carrier.svg", "docomo" },
	};
	struct report_table *t = read_report("report-policy-sample.csv");
	struct spam_table *s = read_spam("spam-sample.csv");
	struct gnuplot *g = new_runner();
	struct strbuf err;
	size_t li, i;

	strbuf_init(&err, ERR_CAP);
	for (li = 0; li < 2; li++) {
		char *out = make_dir();
		struct chart_ctx c;

		setup_ctx(&c, t, s, li == 0 ? "en" : "ja", out, g);
		CU_ASSERT_EQUAL_FATAL(draw_all(&c, &err), 0);
		CU_ASSERT_EQUAL(c.nmade, 12);
		CU_ASSERT_EQUAL(c.nwritten, 24);
		for (i = 0; i < sizeof(names) / sizeof(names[0]) && i < c.nmade; i++) {
			struct strbuf p;
			uint32_t w = 0, h = 0;

			CU_ASSERT_STRING_EQUAL(c.made[i].basename, names[i]);
			CU_ASSERT_EQUAL(c.made[i].by_carrier, i >= 6);
			strbuf_init(&p, 4096);
			strbuf_printf(&p, "%s/%s.png", out, names[i]);
			CU_ASSERT_EQUAL(png_size(p.data, &w, &h), 0);
			CU_ASSERT_EQUAL(w, CHART_WIDTH_DEFAULT);
			CU_ASSERT_EQUAL(h, CHART_HEIGHT_DEFAULT);
			strbuf_release(&p);
		}
		if (li == 0)
			check_svgs(out, en, sizeof(en) / sizeof(en[0]));
		else
			check_svgs(out, ja, sizeof(ja) / sizeof(ja[0]));
		chart_ctx_release(&c);
		remove_dir(out);
		free(out);
	}
	gnuplot_free(g);
	report_table_free(t);
	spam_table_free(s);
	strbuf_release(&err);
}

/* Issue 13: months the report marks incomplete (scope "all", complete
 * "no") are marked where a reader looks: "*" after their tick label (alone
 * where the label is thinned out) and a footnote naming each with the share
 * of its collection windows missing. A carrier's incomplete row, a complete
 * month and one without data are not marked. */
static void test_incomplete_marks(void)
{
	static const char head[] =
		"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
		"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
		"share_temperror,share_permerror,share_policy,share_non_none,suppressed,"
		"windows_expected,windows_received,share_windows_received,complete\n";
	static const char tail[] = ",0,0,0,0,0,0,0,0,,,,,,,,,,no,0,0,,no data\n";
	struct strbuf csv, sb, err;
	struct csvin_limits lim;
	struct report_reader *r;
	struct report_table *t = NULL;
	struct chart_ctx c;
	struct chart_axis ax;
	char *out, *text;
	size_t len;

	strbuf_init(&csv, 4096);
	strbuf_init(&sb, 4096);
	strbuf_init(&err, ERR_CAP);
	strbuf_append_str(&csv, head);
	strbuf_append_str(&csv, "2026-08,all,spf,2,100,10,90,0,0,0,0,0,0,10.00,90.00,0.00,0.00,0.00,"
	                        "0.00,0.00,0.00,90.00,no,2976,2976,100.00,yes\n");
	strbuf_append_str(&csv, "2026-08,p1,spf,1,50,5,45,0,0,0,0,0,0,10.00,90.00,0.00,0.00,0.00,"
	                        "0.00,0.00,0.00,90.00,no,1488,1400,94.09,no\n");
	strbuf_append_str(&csv, "2026-09,all,spf,2,100,20,80,0,0,0,0,0,0,20.00,80.00,0.00,0.00,0.00,"
	                        "0.00,0.00,0.00,80.00,no,2880,2802,97.29,no\n");
	strbuf_append_str(&csv, "2026-10,all,spf,0,0");
	strbuf_append_str(&csv, tail);
	csvin_limits_default(&lim);
	r = report_reader_new("incomplete.csv", &lim);
	CU_ASSERT_EQUAL_FATAL(report_reader_feed(r, csv.data, csv.len), 0);
	CU_ASSERT_EQUAL_FATAL(report_reader_finish(r, &t), 0);
	report_reader_free(r);

	setup_ctx(&c, t, NULL, "en", "/nonexistent", NULL);
	chart_axis_build(&c, &ax);
	CU_ASSERT_EQUAL_FATAL(ax.n, 3);
	CU_ASSERT_EQUAL(ax.m[0].incomplete, 0);
	CU_ASSERT_EQUAL(ax.m[1].incomplete, 1);
	CU_ASSERT_EQUAL(ax.m[1].missing_x100, 271);
	CU_ASSERT_EQUAL(ax.m[2].incomplete, 0);
	CU_ASSERT_EQUAL(chart_month_tick(c.lang, &ax, 1, 1, &sb), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "2026-09*");
	strbuf_reset(&sb);
	/* Every 3rd month: September's label is thinned out, its mark is not. */
	CU_ASSERT_EQUAL(chart_month_tick(c.lang, &ax, 1, 3, &sb), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, "*");
	strbuf_reset(&sb);
	CU_ASSERT_EQUAL(chart_month_tick(c.lang, &ax, 0, 3, &sb), 0);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_EQUAL(chart_incomplete_note(c.lang, &ax, &sb), 0);
	CU_ASSERT_STRING_EQUAL(sb.data, " *: incomplete month, its data partly missing (share of "
	                                "collection windows missing): 2026-09 2.71%.");
	strbuf_reset(&sb);
	CU_ASSERT_EQUAL(chart_incomplete_note(lang_find("ja"), &ax, &sb), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.data, "2026\xe5\xb9\xb4" "9\xe6\x9c\x88 2.71%"));
	chart_axis_release(&ax);

	/* Drawn: the mark under September's bar and the footnote. */
	out = make_dir();
	c.outdir = out;
	c.gp = new_runner();
	CU_ASSERT_EQUAL_FATAL(chart_results(&c, &err), 0);
	strbuf_reset(&sb);
	strbuf_printf(&sb, "%s/spf-results.svg", out);
	text = slurp(sb.data, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-09*"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "2026-09 2.71%"));
	CU_ASSERT_PTR_NULL(strstr(text, "2026-08*"));
	free(text);
	gnuplot_free(c.gp);
	chart_ctx_release(&c);
	remove_dir(out);
	free(out);

	/* A complete column of another value is refused by line and column. */
	strbuf_reset(&csv);
	strbuf_append_str(&csv, head);
	strbuf_append_str(&csv, "2026-10,all,spf,0,0");
	strbuf_append_str(&csv, ",0,0,0,0,0,0,0,0,,,,,,,,,,no,0,0,,maybe\n");
	r = report_reader_new("bad.csv", &lim);
	CU_ASSERT_EQUAL(report_reader_feed(r, csv.data, csv.len), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(report_reader_error(r), "not yes, no or no data"));
	CU_ASSERT_PTR_NOT_NULL(strstr(report_reader_error(r), "bad.csv:2:"));
	report_reader_free(r);

	report_table_free(t);
	strbuf_release(&csv);
	strbuf_release(&sb);
	strbuf_release(&err);
}

/* A report of `months` months from 2022-04 for scopes all and p1..pN. */
static struct report_table *synth(size_t months, size_t providers)
{
	struct strbuf csv, err;
	struct csvin_limits lim;
	struct report_reader *r;
	struct report_table *t = NULL;
	size_t i, p;

	strbuf_init(&csv, 1 << 24);
	strbuf_init(&err, ERR_CAP);
	strbuf_append_str(&csv, "month,scope,method,providers,messages,none,pass,fail,softfail,"
	                        "neutral,temperror,permerror,policy,share_none,share_pass,"
	                        "share_fail,share_softfail,share_neutral,share_temperror,"
	                        "share_permerror,share_policy,share_non_none\n");
	for (i = 0; i < months; i++) {
		int y = 2022 + (int)((3 + i) / 12), m = (int)((3 + i) % 12) + 1;

		for (p = 0; p <= providers; p++) {
			int none = 20 - (int)(i % 20);

			if (p == 0)
				strbuf_printf(&csv, "%04d-%02d,all,spf,%zu,100,%d,%d,0,0,0,0,0,0,", y, m,
				              providers, none, 100 - none);
			else
				strbuf_printf(&csv, "%04d-%02d,p%zu,spf,1,100,%d,%d,0,0,0,0,0,0,", y, m, p,
				              none, 100 - none);
			strbuf_printf(&csv, "%d,%d,0,0,0,0,0,0,%d\n", none, 100 - none, 100 - none);
		}
	}
	csvin_limits_default(&lim);
	r = report_reader_new("synth.csv", &lim);
	CU_ASSERT_EQUAL_FATAL(report_reader_feed(r, csv.data, csv.len), 0);
	CU_ASSERT_EQUAL_FATAL(report_reader_finish(r, &t), 0);
	report_reader_free(r);
	strbuf_release(&csv);
	strbuf_release(&err);
	return t;
}

/* Month labels in an SVG: "<text>YYYY-MM</text>". */
static size_t month_labels(const char *svg)
{
	size_t n = 0;
	const char *p;

	for (p = strstr(svg, "<text>20"); p != NULL; p = strstr(p + 1, "<text>20")) {
		if (strlen(p) > 14 && p[10] == '-' && memcmp(p + 13, "</text>", 7) == 0)
			n++;
	}
	return n;
}

/* 3, 13 and 60 months: every month labelled at 3, every one or every other
 * at 13 (as they fit), one in six at 60 (January and July); the panels of
 * small multiples, narrower, the same in each panel. */
static void test_spans(void)
{
	static const struct {
		size_t months, single_min, single_max;
	} spans[] = { { 3, 3, 3 }, { 13, 7, 13 }, { 60, 9, 11 } };
	struct gnuplot *g = new_runner();
	struct strbuf err;
	size_t i, len;

	strbuf_init(&err, ERR_CAP);
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		struct report_table *t = synth(spans[i].months, 4);
		char *out = make_dir(), *text;
		struct chart_ctx c;
		struct strbuf p;
		size_t n;

		setup_ctx(&c, t, NULL, "en", out, g);
		CU_ASSERT_EQUAL_FATAL(chart_results(&c, &err), 0);
		CU_ASSERT_EQUAL_FATAL(chart_adoption_by_carrier(&c, &err), 0);
		CU_ASSERT_EQUAL_FATAL(c.nmade, 2);
		strbuf_init(&p, 4096);
		strbuf_printf(&p, "%s/spf-results.svg", out);
		text = slurp(p.data, &len);
		n = month_labels(text);
		if (n < spans[i].single_min || n > spans[i].single_max) {
			fprintf(stderr, "\n%zu months: %zu labels\n", spans[i].months, n);
			CU_FAIL("month labels of the single chart");
		}
		if (spans[i].months == 60) {
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "<text>2023-01</text>"));
			CU_ASSERT_PTR_NOT_NULL(strstr(text, "<text>2023-07</text>"));
			CU_ASSERT_PTR_NULL(strstr(text, "<text>2023-04</text>"));
		}
		free(text);
		strbuf_reset(&p);
		strbuf_printf(&p, "%s/adoption-by-carrier.svg", out);
		text = slurp(p.data, &len);
		/* Four panels, the same labels in each, fewer than the single
		 * chart's but at least two. */
		n = month_labels(text);
		CU_ASSERT_EQUAL(n % 4, 0);
		CU_ASSERT(n / 4 >= (spans[i].months < 3 ? 1 : 2));
		CU_ASSERT(n / 4 <= spans[i].single_max);
		CU_ASSERT_EQUAL(count_str(text, "<text>p3</text>"), 1);
		free(text);
		strbuf_release(&p);
		chart_ctx_release(&c);
		remove_dir(out);
		free(out);
		report_table_free(t);
	}
	gnuplot_free(g);
	strbuf_release(&err);
}

static void test_too_many_panels(void)
{
	struct report_table *t = synth(3, CHART_PANELS_MAX + 1);
	struct gnuplot *g = new_runner();
	char *out = make_dir();
	struct chart_ctx c;
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	setup_ctx(&c, t, NULL, "en", out, g);
	CU_ASSERT_EQUAL(chart_results_by_carrier(&c, &err), 0);
	CU_ASSERT_EQUAL(chart_adoption_by_carrier(&c, &err), 0);
	CU_ASSERT_EQUAL(c.nwritten, 0);
	chart_ctx_release(&c);
	report_table_free(t);
	/* At the limit, drawn. */
	t = synth(3, CHART_PANELS_MAX);
	setup_ctx(&c, t, NULL, "en", out, g);
	CU_ASSERT_EQUAL(chart_adoption_by_carrier(&c, &err), 0);
	CU_ASSERT_EQUAL(c.nwritten, 2);
	chart_ctx_release(&c);
	report_table_free(t);
	gnuplot_free(g);
	remove_dir(out);
	free(out);
	strbuf_release(&err);
}

/* Whether a script line (not a comment) mentions NaN in any case. */
static int script_has_nan(const char *text)
{
	const char *line = text;

	while (*line != '\0') {
		const char *end = strchr(line, '\n'), *q;

		if (end == NULL)
			end = line + strlen(line);
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		for (q = line; *line != '#' && q + 3 <= end; q++) {
			if ((q[0] | 0x20) == 'n' && (q[1] | 0x20) == 'a' && (q[2] | 0x20) == 'n')
				return 1;
		}
		line = *end != '\0' ? end + 1 : end;
	}
	return 0;
}

/* The data file of a kept script: its line "data = '<path>'"; NULL if none. */
static char *script_data(const char *text)
{
	const char *p = strstr(text, "\ndata = '"), *end;

	if (p == NULL)
		return NULL;
	p += strlen("\ndata = '");
	end = strchr(p, '\'');
	return end != NULL ? strndup(p, (size_t)(end - p)) : NULL;
}

/* Issue 14 item 6: a provider with every optional column empty (kddi: no
 * messages, so no shares and no policy counts) and one with no DMARC
 * policy data (softbank), beside one with everything (docomo). Its shares
 * are "no data": gnuplot 5.4 crashes drawing labels at NaN, so no script
 * may draw labels from a data file with NaN in it, nor compute one. */
static void test_empty_carrier(void)
{
	static const char *const names[] = {
		"adoption", "spam", "spf-results", "dkim-results", "dmarc-results", "arc-results",
		"adoption-by-carrier", "spam-by-carrier", "spf-results-by-carrier",
		"dkim-results-by-carrier", "dmarc-results-by-carrier", "arc-results-by-carrier",
	};
	struct report_table *t = read_report("report-empty-carrier.csv");
	struct spam_table *s = read_spam("spam-empty-carrier.csv");
	struct gnuplot_opts o;
	struct gnuplot *g;
	struct strbuf err, p;
	char *out = make_dir(), *kept, *text;
	struct chart_ctx c;
	struct dirent *de;
	DIR *d;
	size_t i, len, scripts = 0;

	memset(&o, 0, sizeof(o));
	o.timeout_sec = 60;
	/* Kept, to read what gnuplot was given. */
	o.keep_temp = 1;
	strbuf_init(&err, ERR_CAP);
	strbuf_init(&p, 4096);
	g = gnuplot_new(&o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	kept = strdup(gnuplot_dir(g));
	setup_ctx(&c, t, s, "en", out, g);
	if (draw_all(&c, &err) != 0)
		fprintf(stderr, "\n%s\n", err.data != NULL ? err.data : "");
	CU_ASSERT_EQUAL(c.nmade, 12);
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && i < c.nmade; i++) {
		uint32_t w = 0, h = 0;

		CU_ASSERT_STRING_EQUAL(c.made[i].basename, names[i]);
		strbuf_reset(&p);
		strbuf_printf(&p, "%s/%s.png", out, names[i]);
		CU_ASSERT_EQUAL(png_size(p.data, &w, &h), 0);
		strbuf_reset(&p);
		strbuf_printf(&p, "%s/%s.svg", out, names[i]);
		CU_ASSERT_EQUAL(access(p.data, R_OK), 0);
	}
	d = opendir(kept);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (de = readdir(d); de != NULL; de = readdir(d)) {
		char *data;

		if (strncmp(de->d_name, "script.gp.", 10) != 0)
			continue;
		scripts++;
		strbuf_reset(&p);
		strbuf_printf(&p, "%s/%s", kept, de->d_name);
		text = slurp(p.data, &len);
		if (script_has_nan(text)) {
			fprintf(stderr, "\n%s mentions NaN\n", p.data);
			CU_FAIL("a script computes with NaN");
		}
		data = script_data(text);
		CU_ASSERT_PTR_NOT_NULL(data);
		if (data != NULL && strstr(text, "with labels") != NULL) {
			char *rows = slurp(data, &len);

			if (strstr(rows, "NaN") != NULL || strstr(rows, "nan") != NULL) {
				fprintf(stderr, "\n%s draws labels from %s, which has NaN\n", p.data, data);
				CU_FAIL("labels at NaN");
			}
			free(rows);
		}
		free(data);
		free(text);
	}
	closedir(d);
	/* Twelve charts, one script each (it writes the PNG and the SVG). */
	CU_ASSERT_EQUAL(scripts, 12);
	chart_ctx_release(&c);
	gnuplot_free(g);
	remove_dir(kept);
	free(kept);
	remove_dir(out);
	free(out);
	report_table_free(t);
	spam_table_free(s);
	strbuf_release(&p);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("chart", NULL, NULL);
	if (s == NULL || CU_add_test(s, "month label step", test_month_step) == NULL ||
	    CU_add_test(s, "month labels for 3 to 60 months", test_month_ticks) == NULL ||
	    CU_add_test(s, "month axis and providers", test_axis_and_carriers) == NULL ||
	    CU_add_test(s, "shares round half up", test_shares) == NULL ||
	    CU_add_test(s, "footnotes wrap", test_note) == NULL ||
	    CU_add_test(s, "every chart of the fixture, en and ja", test_fixture_charts) == NULL ||
	    CU_add_test(s, "3, 13 and 60 months", test_spans) == NULL ||
	    CU_add_test(s, "too many providers for panels", test_too_many_panels) == NULL ||
	    CU_add_test(s, "a row's panel and month", test_place) == NULL ||
	    CU_add_test(s, "a provider with every column empty", test_empty_carrier) == NULL ||
	    CU_add_test(s, "incomplete months marked", test_incomplete_marks) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
