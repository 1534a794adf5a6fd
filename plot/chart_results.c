/*
 * chart_results - for each method in the report, the shares of its results
 * per month as 100 % stacked bars (templates/results.gp):
 *   OUTDIR/<method>-results.png, .svg             all providers (scope "all")
 *   OUTDIR/<method>-results-by-carrier.png, .svg  one panel per provider
 */
#include "chart.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

/* Must match the sentence lang->note_labels. */
#define RESULTS_LABEL_MIN "2.5"
/* A segment label ("90.32%") needs a bar this wide, in pixels. */
#define RESULTS_SEGMENT_LABEL_PX 50.0

/* The template's own values (struct chart_frame has the others). */
enum { V_KEY_TITLE, V_NSERIES, V_TITLES, V_COLOURS, V_INKS, V_LABEL_MIN, V_SHOW_COUNTS, V_N };

static const char *const results_var_names[V_N] = {
	"KEY_TITLE", "NSERIES", "TITLES", "COLOURS", "INKS", "LABEL_MIN", "SHOW_COUNTS",
};

/* The rows of method m and scope `scope`: a run, since the table is sorted
 * by method and scope. Sets *first and returns how many. */
static size_t results_rows(const struct report_table *t, enum ar_method m, const char *scope,
                           size_t *first)
{
	size_t i, n = 0;

	*first = 0;
	for (i = 0; i < t->n; i++) {
		if (t->rows[i].method != m || strcmp(t->rows[i].scope, scope) != 0)
			continue;
		if (n == 0)
			*first = i;
		n++;
	}
	return n;
}

/* One panel's rows placed on the month axis: at[k] is the row of month k,
 * or NULL. */
struct results_panel {
	const char *scope;
	const struct report_row **at;
	const struct report_row *last; /* the last row with messages, or NULL */
};

static void results_place(const struct chart_ctx *c, const struct chart_axis *ax,
                          enum ar_method m, struct results_panel *p)
{
	size_t first, n = results_rows(c->report, m, p->scope, &first), i;

	p->at = xcalloc(ax->n ? ax->n : 1, sizeof(*p->at));
	p->last = NULL;
	for (i = 0; i < n; i++) {
		const struct report_row *r = &c->report->rows[first + i];
		long k = chart_axis_index(ax, r->year, r->month);

		if (k < 0)
			msg_panic("results_place: month %s not on the axis", r->month_text);
		p->at[k] = r;
		/* Rows are in month order. */
		if (r->messages > 0)
			p->last = r;
	}
}

/* Draw method m over the given scopes: one panel each. by_carrier says
 * which kind of chart this is (its name, title and notes). */
static int results_draw(struct chart_ctx *c, enum ar_method m, const char *const *scopes,
                        size_t npanels, int by_carrier, struct strbuf *err)
{
	const struct plot_lang *lang = c->lang;
	enum ar_result series[REPORT_NRESULTS];
	struct results_panel *panels = xcalloc(npanels, sizeof(*panels));
	struct chart_frame f;
	struct strbuf *val, *text, base;
	const struct chart_axis *ax;
	size_t nseries = 0, i, k, p, fit;
	double legend_px = 0.0, count_px = 0.0;
	const char *note[5] = { "", "", "", "", "" };
	const char *key_titles[REPORT_NRESULTS];
	unsigned step, note_lines;
	int rc = -1, show_counts = 0, show_labels = 0, any = 0;
	const struct report_row *last = NULL;

	chart_frame_init(&f, c, npanels, by_carrier, results_var_names, V_N);
	val = f.val;
	text = &f.text;
	ax = &f.ax;
	strbuf_init(&base, 256);

	for (p = 0; p < npanels; p++) {
		panels[p].scope = scopes[p];
		results_place(c, ax, m, &panels[p]);
		any |= panels[p].last != NULL;
	}
	/* A result no month of any panel has is left out of bars and legend
	 * alike (DKIM has no SoftFail); its colour stays reserved for it. */
	for (i = 0; i < REPORT_NRESULTS; i++) {
		enum ar_result r = chart_result_order[i];
		int seen = 0;

		for (p = 0; p < npanels && !seen; p++) {
			for (k = 0; k < ax->n && !seen; k++)
				seen = panels[p].at[k] != NULL && panels[p].at[k]->share[r] > 0;
		}
		if (seen)
			series[nseries++] = r;
	}
	if (nseries == 0 || !any) {
		msg_warn("%s: no messages in any month; no %sresults chart", lang->method[m],
		         by_carrier ? "by-provider " : "");
		rc = 0;
		goto out;
	}
	/* The single chart's legend gives the shares of the last month with
	 * messages: the aggregator writes rows for months without data too. */
	if (!by_carrier)
		last = panels[0].last;

	/* Legend entries, and how wide the legend is. */
	for (i = 0; i < nseries; i++) {
		const char *name = lang->result[series[i]];

		if (m == AR_SPF && series[i] == AR_FAIL)
			name = lang->spf_fail;
		key_titles[i] = name;
		if (i > 0) {
			strbuf_append_byte(&val[V_TITLES], ',');
			strbuf_append_byte(&val[V_COLOURS], ',');
			strbuf_append_byte(&val[V_INKS], ',');
		}
		strbuf_reset(text);
		strbuf_append_str(text, name);
		if (last != NULL) {
			strbuf_append_str(text, ": ");
			chart_format_hundredths(text, last->share[series[i]]);
			strbuf_append_byte(text, '%');
		}
		if (chart_text_px(text->data) > legend_px)
			legend_px = chart_text_px(text->data);
		gnuplot_quote(&val[V_TITLES], text->data, text->len);
		gnuplot_quote_str(&val[V_COLOURS], chart_result_colour(series[i]));
		gnuplot_quote_str(&val[V_INKS], chart_result_ink(series[i]));
	}
	strbuf_reset(text);
	if (last != NULL) {
		strbuf_append_str(text, lang->latest_before);
		lang_month(lang, last->year, last->month, text);
		strbuf_append_str(text, lang->latest_after);
	}
	if (chart_text_px(text->data != NULL ? text->data : "") > legend_px + 40.0)
		legend_px = chart_text_px(text->data) - 40.0;
	gnuplot_quote(&val[V_KEY_TITLE], text->data != NULL ? text->data : "", text->len);

	/* Counts under the months, and shares on the bars, where they fit. */
	for (k = 0; !by_carrier && k < ax->n; k++) {
		strbuf_reset(text);
		strbuf_append_str(text, lang->count_prefix);
		chart_format_count(text, panels[0].at[k] != NULL ? panels[0].at[k]->messages : 0);
		if (chart_text_px(text->data) > count_px)
			count_px = chart_text_px(text->data);
	}
	/* The panels' width does not depend on what goes under them. */
	chart_frame_layout(&f, key_titles, nseries, (unsigned)(legend_px + 55.0), 2, 0, 1);
	if (!by_carrier && ax->n > 0 && f.lay.panel_px / (double)ax->n >= count_px + 8.0) {
		show_counts = 1;
		show_labels = f.lay.panel_px / (double)ax->n * 0.6 >= RESULTS_SEGMENT_LABEL_PX;
	}
	if (by_carrier) {
		note[0] = lang->note_panels;
	} else {
		note[0] = lang->note_scope;
		note[1] = show_counts ? lang->note_counts : "";
		note[2] = show_labels ? lang->note_labels : "";
		note[3] = lang->note_legend;
	}
	note[4] = f.incomplete.data != NULL ? f.incomplete.data : "";
	note_lines = chart_note(&f.note, c, note, 5);
	chart_frame_layout(&f, key_titles, nseries, (unsigned)(legend_px + 55.0), show_counts ? 2 : 1,
	                   0, note_lines);
	fit = chart_labels_fit(lang, f.lay.panel_px);
	step = chart_month_step(ax->n, fit);

	for (p = 0; p < npanels; p++) {
		chart_frame_panel(&f, p, panels[p].scope);
		for (k = 0; k < ax->n; k++) {
			const struct report_row *r = panels[p].at[k];
			int e = strbuf_printf(&f.data, "%zu\t", k);

			/* Labels come from validated months and our own numbers;
			 * tabs and line ends cannot occur in them. */
			e |= chart_month_tick(lang, ax, k, step, &f.data);
			e |= strbuf_append_byte(&f.data, '\t');
			if (show_counts && r != NULL) {
				e |= strbuf_append_str(&f.data, lang->count_prefix);
				e |= chart_format_count(&f.data, r->messages);
			}
			for (i = 0; i < nseries; i++) {
				e |= strbuf_append_byte(&f.data, '\t');
				e |= chart_format_hundredths(&f.data, r != NULL ? r->share[series[i]] : 0);
			}
			e |= strbuf_append_byte(&f.data, '\n');
			if (e != 0) {
				strbuf_printf(err, "%s results: data larger than %zu bytes", lang->method[m],
				              f.data.cap);
				goto out;
			}
		}
	}

	strbuf_printf(&f.title, "%s%s", lang->method[m],
	              by_carrier ? lang->results_by_carrier_title : lang->results_title);
	strbuf_append_str(&f.ylabel, lang->share_axis);
	strbuf_printf(&val[V_NSERIES], "%zu", nseries);
	/* No share reaches 101 %: no labels at all. */
	strbuf_append_str(&val[V_LABEL_MIN], show_labels ? RESULTS_LABEL_MIN : "101");
	strbuf_append_str(&val[V_SHOW_COUNTS], show_counts ? "1" : "0");
	strbuf_printf(&base, "%s-results%s", ar_method_name(m), by_carrier ? "-by-carrier" : "");
	if (chart_frame_draw(&f, base.data, "results", err) < 0)
		goto out;
	rc = 0;
out:
	for (p = 0; p < npanels; p++)
		free(panels[p].at);
	free(panels);
	strbuf_release(&base);
	chart_frame_release(&f);
	return rc;
}

int chart_results(struct chart_ctx *c, struct strbuf *err)
{
	static const char *const all[1] = { "all" };
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		size_t first;

		if (results_rows(c->report, (enum ar_method)m, "all", &first) == 0)
			continue;
		if (results_draw(c, (enum ar_method)m, all, 1, 0, err) < 0)
			return -1;
	}
	return 0;
}

int chart_results_by_carrier(struct chart_ctx *c, struct strbuf *err)
{
	const char **carriers = NULL;
	size_t n = chart_carriers(c, &carriers);
	int m, rc = -1;

	if (n == 0 || !chart_panels_fit(n, "results charts")) {
		rc = 0;
		goto out;
	}
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		size_t i, first, rows = 0;

		for (i = 0; i < n; i++)
			rows += results_rows(c->report, (enum ar_method)m, carriers[i], &first);
		if (rows == 0)
			continue;
		if (results_draw(c, (enum ar_method)m, carriers, n, 1, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(carriers);
	return rc;
}
