/*
 * chart_results - for each method in the report, the shares of its results
 * per month over all providers (scope "all"), as 100 % stacked bars:
 * OUTDIR/<method>-results.png and .svg (templates/results.gp).
 */
#include "chart.h"

#include <string.h>

#include "log.h"

#define RESULTS_DATA_CAP (1024 * 1024)
#define RESULTS_VALUE_CAP 4096
/* Beyond this many months the bars get too narrow for labels and for the
 * message counts under them, and the month names are slanted; the legend
 * still gives the last month's shares. */
#define RESULTS_WIDE_MONTHS 12
/* Must match the sentence lang->note_labels. */
#define RESULTS_LABEL_MIN "2.5"

/* Values of one template placeholder each. */
enum { V_TITLE, V_YLABEL, V_KEY_TITLE, V_NOTE, V_NSERIES, V_NBARS, V_TITLES, V_COLOURS,
       V_INKS, V_LABEL_MIN, V_SHOW_COUNTS, V_XTIC_ROTATE, V_N };

static const char *const results_var_names[V_N] = {
	"TITLE", "YLABEL", "KEY_TITLE", "NOTE", "NSERIES", "NBARS", "TITLES", "COLOURS",
	"INKS", "LABEL_MIN", "SHOW_COUNTS", "XTIC_ROTATE",
};

/* The rows of method m with scope "all": a run, since the table is sorted
 * by method and scope. Sets *first and returns how many. */
static size_t results_rows(const struct report_table *t, enum report_method m, size_t *first)
{
	size_t i, n = 0;

	*first = 0;
	for (i = 0; i < t->n; i++) {
		if (t->rows[i].method != m || strcmp(t->rows[i].scope, "all") != 0)
			continue;
		if (n == 0)
			*first = i;
		n++;
	}
	return n;
}

static int results_one(struct chart_ctx *c, enum report_method m, const struct report_row *rows,
                       size_t nrows, struct strbuf *err)
{
	const struct plot_lang *lang = c->lang;
	enum report_result series[REPORT_RESULT_COUNT];
	struct strbuf data, val[V_N], base, text;
	struct template_var vars[V_N];
	size_t nseries = 0, i, k, last;
	int rc = -1, wide = nrows > RESULTS_WIDE_MONTHS;

	strbuf_init(&data, RESULTS_DATA_CAP);
	strbuf_init(&base, 64);
	strbuf_init(&text, RESULTS_VALUE_CAP);
	for (i = 0; i < V_N; i++)
		strbuf_init(&val[i], RESULTS_VALUE_CAP);

	/* A result no month has is left out of bars and legend alike (DKIM
	 * has no SoftFail); its colour stays reserved for it. */
	for (i = 0; i < REPORT_RESULT_COUNT; i++) {
		enum report_result r = chart_result_order[i];

		for (k = 0; k < nrows; k++) {
			if (rows[k].share[r] > 0)
				break;
		}
		if (k < nrows)
			series[nseries++] = r;
	}
	/* The legend's shares are those of the last month with messages: the
	 * aggregator writes rows for months without data too. */
	for (last = nrows; last > 0 && rows[last - 1].messages == 0; last--)
		;
	if (nseries == 0 || last == 0) {
		msg_warn("%s: no messages in any month; no results chart", lang->method[m]);
		rc = 0;
		goto out;
	}
	last--;

	for (k = 0; k < nrows; k++) {
		int e = strbuf_printf(&data, "%zu\t%s\t%s", k, rows[k].month_text, lang->count_prefix);

		e |= chart_format_count(&data, rows[k].messages);
		for (i = 0; i < nseries; i++) {
			e |= strbuf_append_byte(&data, '\t');
			e |= chart_format_hundredths(&data, rows[k].share[series[i]]);
		}
		e |= strbuf_append_byte(&data, '\n');
		if (e != 0) {
			strbuf_printf(err, "%s results: data larger than %zu bytes", lang->method[m],
			              data.cap);
			goto out;
		}
	}

	/* The legend also gives the last month's share of every result, as
	 * the thin segments at the bottom have no room for a label. A month
	 * without messages is an empty bar above its "n = 0". */
	for (i = 0; i < nseries; i++) {
		const char *title = lang->result[series[i]];

		if (m == REPORT_SPF && series[i] == REPORT_FAIL)
			title = lang->spf_fail;
		if (i > 0) {
			strbuf_append_byte(&val[V_TITLES], ',');
			strbuf_append_byte(&val[V_COLOURS], ',');
			strbuf_append_byte(&val[V_INKS], ',');
		}
		strbuf_reset(&text);
		strbuf_printf(&text, "%s: ", title);
		chart_format_hundredths(&text, rows[last].share[series[i]]);
		strbuf_append_byte(&text, '%');
		gnuplot_quote(&val[V_TITLES], text.data, text.len);
		gnuplot_quote_str(&val[V_COLOURS], chart_result_colour(series[i]));
		gnuplot_quote_str(&val[V_INKS], chart_result_ink(series[i]));
	}
	strbuf_reset(&text);
	strbuf_printf(&text, "%s%s", lang->latest_title, rows[last].month_text);
	gnuplot_quote(&val[V_KEY_TITLE], text.data, text.len);
	strbuf_reset(&text);
	strbuf_printf(&text, "%s%s%s%s", lang->note_scope, wide ? "" : lang->note_counts,
	              wide ? "" : lang->note_labels, lang->note_legend);
	gnuplot_quote(&val[V_NOTE], text.data, text.len);
	strbuf_reset(&text);
	strbuf_printf(&text, "%s%s", lang->method[m], lang->results_title);
	gnuplot_quote(&val[V_TITLE], text.data, text.len);
	gnuplot_quote_str(&val[V_YLABEL], lang->share_axis);
	strbuf_printf(&val[V_NSERIES], "%zu", nseries);
	strbuf_printf(&val[V_NBARS], "%zu", nrows);
	/* No share reaches 101 %: no labels at all. */
	strbuf_append_str(&val[V_LABEL_MIN], wide ? "101" : RESULTS_LABEL_MIN);
	strbuf_append_str(&val[V_SHOW_COUNTS], wide ? "0" : "1");
	strbuf_append_str(&val[V_XTIC_ROTATE], wide ? "rotate by 45 right" : "norotate");
	for (i = 0; i < V_N; i++) {
		vars[i].name = results_var_names[i];
		vars[i].value = val[i].data != NULL ? val[i].data : "";
	}
	strbuf_printf(&base, "%s-results", report_method_name(m));
	if (chart_draw(c, base.data, "results", vars, V_N, data.data, data.len, err) < 0)
		goto out;
	rc = 0;
out:
	strbuf_release(&data);
	strbuf_release(&base);
	strbuf_release(&text);
	for (i = 0; i < V_N; i++)
		strbuf_release(&val[i]);
	return rc;
}

int chart_results(struct chart_ctx *c, struct strbuf *err)
{
	int m;

	for (m = 0; m < REPORT_METHOD_COUNT; m++) {
		size_t first, n = results_rows(c->report, (enum report_method)m, &first);

		if (n == 0)
			continue;
		if (results_one(c, (enum report_method)m, &c->report->rows[first], n, err) < 0)
			return -1;
	}
	return 0;
}
