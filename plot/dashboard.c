#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "mem.h"
#include "timeutil.h"

/* The page is a few tens of kilobytes; the table grows with providers. */
#define DASH_HTML_CAP (16 * 1024 * 1024)
/* No single append to the page is longer than this: the longest is an
 * escaped provider name, at most 6 bytes for each of CSVIN_MAX_FIELD_MAX.
 * So a page that ends this far below the cap had no append refused. */
#define DASH_PIECE_MAX (6 * CSVIN_MAX_FIELD_MAX + 4096)
#define DASH_PATH_CAP 8192
/* Seconds between reloads of the page on a screen. */
#define DASH_REFRESH_S 600

int dashboard_escape(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int rc;

		switch (s[i]) {
		case '&':
			rc = strbuf_append_str(out, "&amp;");
			break;
		case '<':
			rc = strbuf_append_str(out, "&lt;");
			break;
		case '>':
			rc = strbuf_append_str(out, "&gt;");
			break;
		case '"':
			rc = strbuf_append_str(out, "&quot;");
			break;
		case '\'':
			rc = strbuf_append_str(out, "&#39;");
			break;
		default:
			rc = strbuf_append_byte(out, (unsigned char)s[i]);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void esc(struct strbuf *out, const char *s)
{
	dashboard_escape(out, s, strlen(s));
}

/* The row of (scope, method, year, month), or NULL. */
static const struct report_row *dash_row(const struct report_table *t, const char *scope,
                                         enum ar_method m, int year, int month)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct report_row *r = &t->rows[i];

		if (r->method == m && r->year == year && r->month == month &&
		    strcmp(r->scope, scope) == 0)
			return r;
	}
	return NULL;
}

static const struct spam_row *dash_spam_row(const struct spam_table *t, const char *scope,
                                            int year, int month)
{
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++) {
		const struct spam_row *r = &t->rows[i];

		if (r->year == year && r->month == month && strcmp(r->scope, scope) == 0)
			return r;
	}
	return NULL;
}

/* Whether scope "all" has messages in month k of the axis. */
static int dash_month_has_data(const struct chart_ctx *c, const struct chart_month *mo)
{
	const struct spam_row *sr = dash_spam_row(c->spam, "all", mo->year, mo->month);
	int m;

	if (sr != NULL && sr->messages > 0)
		return 1;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		const struct report_row *r = dash_row(c->report, "all", (enum ar_method)m,
		                                      mo->year, mo->month);

		if (r != NULL && r->messages > 0)
			return 1;
	}
	return 0;
}

/* A share in hundredths as the page writes it: "94.39". */
static void dash_share(struct strbuf *out, int64_t v)
{
	chart_format_hundredths(out, v);
}

/* The change from the month before, in percentage points; `higher_is_good`
 * says which way is an improvement. */
static void dash_delta(struct strbuf *h, const struct plot_lang *l, int64_t now, int64_t before,
                       const struct chart_month *prev, int higher_is_good)
{
	int64_t d = now - before;
	const char *cls = d == 0 ? "flat" : (d > 0) == (higher_is_good != 0) ? "good" : "bad";
	const char *arrow = d > 0 ? "\xe2\x96\xb2" : d < 0 ? "\xe2\x96\xbc" : "\xc2\xb1";

	strbuf_printf(h, "<div class=\"delta %s\">%s %s", cls, arrow, d > 0 ? "+" : "");
	chart_format_hundredths(h, d);
	esc(h, l->dash_pt);
	strbuf_append_str(h, " <span class=\"vs\">");
	esc(h, l->dash_vs_before);
	lang_month(l, prev->year, prev->month, h);
	esc(h, l->dash_vs_after);
	strbuf_append_str(h, "</span></div>\n");
}

/* One headline card. value_html is already HTML. */
static void dash_card_open(struct strbuf *h, const char *accent, const char *label,
                           const char *figure)
{
	/* Counts run to eleven digits and more; shares to five characters. */
	int count = strcmp(figure, "messages") == 0 || strcmp(figure, "providers") == 0;

	strbuf_printf(h, "<div class=\"kpi\" style=\"--accent:%s\">\n<div class=\"label\">", accent);
	esc(h, label);
	strbuf_printf(h, "</div>\n<div class=\"value%s\"><span class=\"num\" data-figure=\"%s\">",
	              count ? " count" : "", figure);
}

static void dash_card_sub(struct strbuf *h, const char *sub)
{
	strbuf_append_str(h, "<div class=\"sub\">");
	esc(h, sub);
	strbuf_append_str(h, "</div>\n");
}

static void dash_headline(struct strbuf *h, const struct chart_ctx *c,
                          const struct chart_month *latest, const struct chart_month *prev)
{
	const struct plot_lang *l = c->lang;
	const struct spam_row *sr = dash_spam_row(c->spam, "all", latest->year, latest->month);
	const struct spam_row *sp = prev != NULL ? dash_spam_row(c->spam, "all", prev->year,
	                                                         prev->month) : NULL;
	int64_t providers = 0;
	int m;

	strbuf_append_str(h, "<section class=\"kpis\">\n");
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		const struct report_row *r = dash_row(c->report, "all", (enum ar_method)m,
		                                      latest->year, latest->month);
		const struct report_row *p = prev != NULL ? dash_row(c->report, "all",
		                                                     (enum ar_method)m, prev->year,
		                                                     prev->month) : NULL;
		char figure[32];

		if (r == NULL || r->messages == 0)
			continue;
		if (r->providers > providers)
			providers = r->providers;
		snprintf(figure, sizeof(figure), "%s-non-none", ar_method_name((enum ar_method)m));
		dash_card_open(h, chart_method_colour((enum ar_method)m), l->method[m], figure);
		dash_share(h, r->share_non_none);
		strbuf_append_str(h, "</span><span class=\"unit\">%</span></div>\n");
		dash_card_sub(h, l->dash_non_none);
		if (p != NULL && p->messages > 0)
			dash_delta(h, l, r->share_non_none, p->share_non_none, prev, 1);
		strbuf_append_str(h, "<div class=\"sub2\">");
		esc(h, l->dash_pass);
		dash_share(h, r->share[AR_PASS]);
		strbuf_append_str(h, "%</div>\n</div>\n");
	}
	if (c->report->has_policy) {
		const struct report_row *r = dash_row(c->report, "all", AR_DMARC, latest->year,
		                                      latest->month);
		const struct report_row *p = prev != NULL ? dash_row(c->report, "all", AR_DMARC,
		                                                     prev->year, prev->month) : NULL;
		int64_t v, pv, rj;

		if (r != NULL && chart_policy_share(r, 0, &v) == 0) {
			dash_card_open(h, chart_method_colour(AR_DMARC), l->dash_policy, "dmarc-policy");
			dash_share(h, v);
			strbuf_append_str(h, "</span><span class=\"unit\">%</span></div>\n");
			dash_card_sub(h, l->dash_policy_sub);
			if (p != NULL && chart_policy_share(p, 0, &pv) == 0)
				dash_delta(h, l, v, pv, prev, 1);
			chart_policy_share(r, 1, &rj);
			strbuf_append_str(h, "<div class=\"sub2\">p=reject: ");
			dash_share(h, rj);
			strbuf_append_str(h, "%</div>\n</div>\n");
		}
	}
	if (c->report->has_refused) {
		const struct report_row *r = dash_row(c->report, "all", AR_DMARC, latest->year,
		                                      latest->month);
		const struct report_row *p = prev != NULL ? dash_row(c->report, "all", AR_DMARC,
		                                                     prev->year, prev->month) : NULL;
		int64_t v, pv;

		if (r != NULL && chart_refused_share(r, &v) == 0) {
			dash_card_open(h, chart_method_colour(AR_DMARC), l->dash_refused,
			               "dmarc-refused");
			dash_share(h, v);
			strbuf_append_str(h, "</span><span class=\"unit\">%</span></div>\n");
			dash_card_sub(h, l->dash_refused_sub);
			if (p != NULL && chart_refused_share(p, &pv) == 0)
				dash_delta(h, l, v, pv, prev, 0);
			strbuf_append_str(h, "</div>\n");
		}
	}
	if (sr != NULL && sr->share_spam >= 0) {
		dash_card_open(h, CHART_SPAM_COLOUR, l->dash_spam, "spam-share");
		dash_share(h, sr->share_spam);
		strbuf_append_str(h, "</span><span class=\"unit\">%</span></div>\n");
		dash_card_sub(h, l->dash_spam_sub);
		if (sp != NULL && sp->share_spam >= 0)
			dash_delta(h, l, sr->share_spam, sp->share_spam, prev, 0);
		strbuf_append_str(h, "</div>\n");
	}
	if (sr != NULL) {
		dash_card_open(h, "#595959", l->dash_messages, "messages");
		chart_format_count(h, sr->messages);
		strbuf_append_str(h, "</span></div>\n");
		dash_card_sub(h, l->dash_messages_sub);
		strbuf_append_str(h, "</div>\n");
		if (sr->providers > providers)
			providers = sr->providers;
	}
	dash_card_open(h, "#595959", l->dash_providers, "providers");
	chart_format_count(h, providers);
	strbuf_append_str(h, "</span></div>\n</div>\n</section>\n");
}

/* A table cell with a share, or "no data". */
static void dash_cell(struct strbuf *h, const struct plot_lang *l, int have, int64_t v)
{
	if (!have) {
		strbuf_append_str(h, "<td class=\"na\">");
		esc(h, l->dash_no_data);
		strbuf_append_str(h, "</td>");
		return;
	}
	strbuf_append_str(h, "<td>");
	dash_share(h, v);
	strbuf_append_str(h, "%</td>");
}

static void dash_carrier_table(struct strbuf *h, const struct chart_ctx *c,
                               const struct chart_month *latest)
{
	const struct plot_lang *l = c->lang;
	const char **carriers = NULL;
	size_t n = chart_carriers(c, &carriers), i;
	int m;

	if (n == 0)
		return;
	strbuf_append_str(h, "<section>\n<h2>");
	esc(h, l->dash_table);
	strbuf_append_str(h, " <span class=\"month\">");
	lang_month(l, latest->year, latest->month, h);
	strbuf_append_str(h, "</span></h2>\n<table class=\"carriers\">\n<thead><tr><th>");
	esc(h, l->dash_provider);
	strbuf_append_str(h, "</th>");
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		strbuf_printf(h, "<th style=\"--accent:%s\">", chart_method_colour((enum ar_method)m));
		esc(h, l->method[m]);
		strbuf_append_str(h, "</th>");
	}
	if (c->report->has_policy) {
		strbuf_printf(h, "<th style=\"--accent:%s\">", chart_method_colour(AR_DMARC));
		esc(h, l->policy_qr);
		strbuf_append_str(h, "</th>");
	}
	if (c->report->has_refused) {
		strbuf_printf(h, "<th style=\"--accent:%s\">", chart_method_colour(AR_DMARC));
		esc(h, l->dash_refused);
		strbuf_append_str(h, "</th>");
	}
	if (c->spam != NULL) {
		strbuf_printf(h, "<th style=\"--accent:%s\">", CHART_SPAM_COLOUR);
		esc(h, l->dash_spam);
		strbuf_append_str(h, "</th><th>");
		esc(h, l->dash_messages);
		strbuf_append_str(h, "</th>");
	}
	strbuf_append_str(h, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		const struct spam_row *sr = dash_spam_row(c->spam, carriers[i], latest->year,
		                                          latest->month);

		strbuf_append_str(h, "<tr><th scope=\"row\">");
		esc(h, carriers[i]);
		strbuf_append_str(h, "</th>");
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			const struct report_row *r = dash_row(c->report, carriers[i], (enum ar_method)m,
			                                      latest->year, latest->month);

			dash_cell(h, l, r != NULL && r->messages > 0, r != NULL ? r->share_non_none : 0);
		}
		if (c->report->has_policy) {
			const struct report_row *r = dash_row(c->report, carriers[i], AR_DMARC,
			                                      latest->year, latest->month);
			int64_t v = 0;
			/* Apart from the call below: the order in which arguments
			 * are evaluated is unspecified. */
			int have = r != NULL && chart_policy_share(r, 0, &v) == 0;

			dash_cell(h, l, have, v);
		}
		if (c->report->has_refused) {
			const struct report_row *r = dash_row(c->report, carriers[i], AR_DMARC,
			                                      latest->year, latest->month);
			int64_t v = 0;
			int have = r != NULL && chart_refused_share(r, &v) == 0;

			dash_cell(h, l, have, v);
		}
		if (c->spam != NULL) {
			dash_cell(h, l, sr != NULL && sr->share_spam >= 0, sr != NULL ? sr->share_spam : 0);
			if (sr != NULL) {
				strbuf_append_str(h, "<td>");
				chart_format_count(h, sr->messages);
				strbuf_append_str(h, "</td>");
			} else {
				dash_cell(h, l, 0, 0);
			}
		}
		strbuf_append_str(h, "</tr>\n");
	}
	strbuf_append_str(h, "</tbody>\n</table>\n</section>\n");
	free(carriers);
}

static void dash_charts(struct strbuf *h, const struct chart_ctx *c, int by_carrier)
{
	size_t i, n = 0;

	for (i = 0; i < c->nmade; i++)
		n += c->made[i].by_carrier == by_carrier;
	if (n == 0)
		return;
	strbuf_append_str(h, "<section>\n<h2>");
	esc(h, by_carrier ? c->lang->dash_by_carrier : c->lang->dash_all);
	strbuf_append_str(h, "</h2>\n<div class=\"charts\">\n");
	for (i = 0; i < c->nmade; i++) {
		const struct chart_made *cm = &c->made[i];

		if (cm->by_carrier != by_carrier)
			continue;
		/* Basenames are ours ([a-z-]); titles are the language's. */
		strbuf_printf(h, "<figure><a href=\"%s.svg\"><img src=\"%s.png\" width=\"%u\" "
		                 "height=\"%u\" alt=\"", cm->basename, cm->basename, c->width, c->height);
		esc(h, cm->title);
		strbuf_append_str(h, "\"></a></figure>\n");
	}
	strbuf_append_str(h, "</div>\n</section>\n");
}

static const char dash_css[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:#f3f5f8;color:#1d2733;font-family:var(--fonts);"
	"font-size:15px;line-height:1.45}\n"
	"header{background:#1f3864;color:#fff;padding:18px 28px}\n"
	"header h1{margin:0;font-size:26px;font-weight:600}\n"
	"header p{margin:4px 0 0;color:#d6e0f0}\n"
	"header .month{font-weight:700;color:#fff}\n"
	"main{padding:20px 28px 8px}\n"
	"h2{font-size:19px;margin:26px 0 12px;color:#1f3864;border-bottom:2px solid #d0d8e4;"
	"padding-bottom:4px}\n"
	"h2 .month{font-weight:400;color:#4a5a70;font-size:16px}\n"
	".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:14px}\n"
	".kpi{background:#fff;border-radius:6px;border-top:6px solid var(--accent);"
	"padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.12)}\n"
	".kpi .label{font-weight:700;font-size:16px;color:var(--accent);overflow-wrap:anywhere}\n"
	".kpi .value{font-size:40px;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums}\n"
	".kpi .value.count{font-size:22px;line-height:2;white-space:nowrap}\n"
	".kpi .unit{font-size:22px;margin-left:2px;color:#4a5a70}\n"
	".kpi .sub{font-size:13px;color:#4a5a70}\n"
	".kpi .sub2{font-size:13px;color:#4a5a70;margin-top:2px}\n"
	".delta{font-size:14px;font-weight:600;margin-top:6px}\n"
	".delta .vs{font-weight:400;color:#4a5a70}\n"
	".delta.good{color:#1e7b34}.delta.bad{color:#b02418}.delta.flat{color:#4a5a70}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}\n"
	"figure{margin:0;background:#fff;border-radius:6px;padding:8px;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12)}\n"
	"figure img{display:block;width:100%;height:auto}\n"
	"table.carriers{border-collapse:collapse;background:#fff;min-width:60%;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12);font-variant-numeric:tabular-nums}\n"
	"table.carriers th,table.carriers td{padding:7px 14px;border-bottom:1px solid #e2e7ee;"
	"text-align:right}\n"
	"table.carriers thead th{border-bottom:3px solid var(--accent,#1f3864);color:#1f3864}\n"
	"table.carriers tbody th{text-align:left;font-weight:600}\n"
	"table.carriers td.na{color:#8a96a8}\n"
	"footer{padding:8px 28px 24px;color:#4a5a70;font-size:13px}\n"
	"footer a{color:#1f3864}\n"
	".incomplete{background:#fdecea;border-left:4px solid #c0392b;padding:.4em .8em}\n";

static void dash_page(struct strbuf *h, const struct chart_ctx *c,
                      const struct chart_month *latest, const struct chart_month *prev,
                      int have_spam_csv, long long now)
{
	const struct plot_lang *l = c->lang;
	char when[32];

	time_format_utc((int64_t)now * 1000, when, sizeof(when));
	strbuf_printf(h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
	              l->code);
	strbuf_append_str(h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	strbuf_printf(h, "<meta http-equiv=\"refresh\" content=\"%d\">\n<title>", DASH_REFRESH_S);
	esc(h, l->dash_title);
	strbuf_append_str(h, " \xe2\x80\x94 ");
	lang_month(l, latest->year, latest->month, h);
	strbuf_append_str(h, "</title>\n<style>\n:root{--fonts:");
	/* Trusted text of ours, not from input: quotes stay quotes in CSS. */
	strbuf_append_str(h, l->css_fonts);
	strbuf_append_str(h, "}\n");
	strbuf_append_str(h, dash_css);
	strbuf_printf(h, "</style>\n</head>\n<body data-month=\"%s\">\n<header>\n<h1>", latest->text);
	esc(h, l->dash_title);
	strbuf_append_str(h, "</h1>\n<p>");
	esc(h, l->dash_subtitle);
	strbuf_append_str(h, "<span class=\"month\">");
	lang_month(l, latest->year, latest->month, h);
	strbuf_append_str(h, "</span></p>\n");
	/* The headline figures are the latest month's: say there, not only in
	 * a CSV column, that they lack data. */
	if (latest->incomplete) {
		strbuf_append_str(h, "<p class=\"incomplete\">");
		esc(h, l->dash_incomplete);
		if (latest->missing_x100 >= 0) {
			chart_format_hundredths(h, latest->missing_x100);
			strbuf_append_str(h, "%");
		} else {
			strbuf_append_str(h, "?");
		}
		esc(h, l->dash_incomplete_end);
		strbuf_append_str(h, "</p>\n");
	}
	strbuf_append_str(h, "</header>\n<main>\n");
	dash_headline(h, c, latest, prev);
	dash_charts(h, c, 0);
	dash_carrier_table(h, c, latest);
	dash_charts(h, c, 1);
	strbuf_append_str(h, "</main>\n<footer>\n<p>");
	esc(h, l->dash_data);
	strbuf_append_str(h, ": <a href=\"report.csv\">");
	esc(h, l->dash_report_csv);
	strbuf_append_str(h, "</a>");
	if (have_spam_csv) {
		strbuf_append_str(h, " \xc2\xb7 <a href=\"spam.csv\">");
		esc(h, l->dash_spam_csv);
		strbuf_append_str(h, "</a>");
	}
	strbuf_append_str(h, ". ");
	esc(h, l->dash_svg_note);
	strbuf_append_str(h, "</p>\n<p>");
	esc(h, l->dash_generated);
	strbuf_append_str(h, when);
	strbuf_append_str(h, "</p>\n</footer>\n</body>\n</html>\n");
}

/* Copy src to OUTDIR/name unless src is that file already. */
static int dash_copy_csv(struct chart_ctx *c, const char *src, const char *name,
                         struct strbuf *err)
{
	struct strbuf dst;
	struct stat a, b;
	int rc;

	strbuf_init(&dst, DASH_PATH_CAP);
	if (strbuf_printf(&dst, "%s/%s", c->outdir, name) < 0) {
		strbuf_printf(err, "output path too long in %s", c->outdir);
		strbuf_release(&dst);
		return -1;
	}
	if (stat(src, &a) == 0 && stat(dst.data, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		strbuf_release(&dst);
		return 0;
	}
	strbuf_release(&dst);
	rc = chart_write_file(c, name, src, NULL, 0, err);
	return rc;
}

int dashboard_write(struct chart_ctx *c, const char *report_csv, const char *spam_csv,
                    long long now, struct strbuf *err)
{
	struct chart_axis ax;
	struct strbuf html;
	const struct chart_month *latest = NULL, *prev = NULL;
	size_t k;
	int rc = -1;

	strbuf_init(&html, DASH_HTML_CAP);
	chart_axis_build(c, &ax);
	/* The latest month is the last with any messages; the one it is
	 * compared with, the last with messages before it. */
	for (k = ax.n; k > 0; k--) {
		if (!dash_month_has_data(c, &ax.m[k - 1]))
			continue;
		if (latest == NULL) {
			latest = &ax.m[k - 1];
		} else {
			prev = &ax.m[k - 1];
			break;
		}
	}
	if (latest == NULL) {
		strbuf_append_str(err, "dashboard: no month with messages for all providers");
		goto out;
	}
	dash_page(&html, c, latest, prev, spam_csv != NULL, now);
	if (html.len > html.cap - DASH_PIECE_MAX) {
		strbuf_printf(err, "dashboard: page larger than %zu bytes", html.cap);
		goto out;
	}
	if (dash_copy_csv(c, report_csv, "report.csv", err) < 0)
		goto out;
	if (spam_csv != NULL && dash_copy_csv(c, spam_csv, "spam.csv", err) < 0)
		goto out;
	if (chart_write_file(c, "index.html", NULL, html.data, html.len, err) < 0)
		goto out;
	rc = 0;
out:
	chart_axis_release(&ax);
	strbuf_release(&html);
	return rc;
}
