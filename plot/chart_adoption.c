/*
 * chart_adoption - the adoption trend (templates/adoption.gp): per month,
 * the non-none share of SPF, DKIM and DMARC as lines, the last value
 * written at the end of each; dashed, the share of DMARC p=quarantine or
 * reject and of p=reject alone among the mail under a published DMARC
 * policy, when the report has the policy columns; dash-dotted, the share of
 * the DMARC-evaluated mail that receivers refused (rejected, discarded or
 * held), when the report has the refused column:
 *   OUTDIR/adoption.png, .svg             all providers
 *   OUTDIR/adoption-by-carrier.png, .svg  one panel per provider
 */
#include "chart.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

/* Room right of the last month for its value ("94.39%"), in pixels. */
#define ADOPTION_LABEL_PX 58.0

/* The series: the three methods, the two policy shares, DMARC's refused. */
enum { S_SPF, S_DKIM, S_DMARC, S_POLICY_QR, S_POLICY_R, S_REFUSED, S_N };

static const enum ar_method adoption_methods[3] = { AR_SPF, AR_DKIM, AR_DMARC };

/* The template's own values (struct chart_frame has the others). */
enum {
	V_NSERIES,
	V_TITLES,
	V_COLOURS,
	V_DASHES,
	V_LAST_ROWS,
	V_LAST_VALUES,
	V_LAST_TEXTS,
	V_XMAX,
	V_N
};

static const char *const adoption_var_names[V_N] = {
	"NSERIES", "TITLES", "COLOURS", "DASHES", "LAST_ROWS", "LAST_VALUES", "LAST_TEXTS", "XMAX",
};

/* The value of series s for row r (a DMARC row for the policy series), in
 * hundredths; 0 and *out, or -1 where there is none. */
static int adoption_value(int s, const struct report_row *r, int64_t *out)
{
	if (r == NULL || r->messages == 0)
		return -1;
	if (s == S_POLICY_QR || s == S_POLICY_R)
		return chart_policy_share(r, s == S_POLICY_R, out);
	if (s == S_REFUSED)
		return chart_refused_share(r, out);
	*out = r->share_non_none;
	return 0;
}

/* values[(p * S_N + s) * nmonths + k]: hundredths, or -1 for none. */
static int64_t *adoption_values(const struct chart_ctx *c, const struct chart_axis *ax,
                                const char *const *scopes, size_t npanels)
{
	int64_t *v = xcalloc(npanels * S_N * (ax->n ? ax->n : 1), sizeof(*v));
	size_t i, p, s;

	for (i = 0; i < npanels * S_N * ax->n; i++)
		v[i] = -1;
	for (i = 0; i < c->report->n; i++) {
		const struct report_row *r = &c->report->rows[i];
		size_t k;

		if (chart_place(ax, scopes, npanels, r->scope, r->year, r->month, &p, &k) < 0)
			continue;
		for (s = 0; s < S_N; s++) {
			int64_t x;
			int want = s < 3 ? r->method == adoption_methods[s]
			           : s == S_REFUSED ? r->method == AR_DMARC && c->report->has_refused
			                            : r->method == AR_DMARC && c->report->has_policy;

			if (want && adoption_value((int)s, r, &x) == 0)
				v[(p * S_N + s) * ax->n + k] = x;
		}
	}
	return v;
}

static int adoption_draw(struct chart_ctx *c, const char *const *scopes, size_t npanels,
                         int by_carrier, struct strbuf *err)
{
	const struct plot_lang *lang = c->lang;
	struct chart_frame f;
	struct strbuf *val;
	const struct chart_axis *ax;
	int64_t *values = NULL;
	size_t series[S_N], nseries = 0, i, k, p, s;
	double legend_px = 0.0, room;
	const char *note[5], *key_titles[S_N];
	unsigned step, note_lines;
	int rc = -1;

	chart_frame_init(&f, c, npanels, by_carrier, adoption_var_names, V_N);
	val = f.val;
	ax = &f.ax;
	values = adoption_values(c, ax, scopes, npanels);

	/* A series with no value in any panel is left out. */
	for (s = 0; s < S_N; s++) {
		int seen = 0;

		for (p = 0; p < npanels && !seen; p++) {
			for (k = 0; k < ax->n && !seen; k++)
				seen = values[(p * S_N + s) * ax->n + k] >= 0;
		}
		if (seen)
			series[nseries++] = s;
	}
	if (nseries == 0) {
		msg_warn("no SPF, DKIM or DMARC messages in any month; no %sadoption chart",
		         by_carrier ? "by-provider " : "");
		rc = 0;
		goto out;
	}
	for (i = 0; i < nseries; i++) {
		const char *name;
		enum ar_method m = series[i] < 3 ? adoption_methods[series[i]] : AR_DMARC;

		if (series[i] == S_POLICY_QR)
			name = lang->policy_qr;
		else if (series[i] == S_POLICY_R)
			name = lang->policy_r;
		else if (series[i] == S_REFUSED)
			name = lang->refused;
		else
			name = lang->method[m];
		key_titles[i] = name;
		if (i > 0) {
			strbuf_append_byte(&val[V_TITLES], ',');
			strbuf_append_byte(&val[V_COLOURS], ',');
			strbuf_append_byte(&val[V_DASHES], ',');
		}
		gnuplot_quote_str(&val[V_TITLES], name);
		gnuplot_quote_str(&val[V_COLOURS], chart_method_colour(m));
		/* Solid for the methods; dashed and dotted for the policies;
		 * dash-dotted for the refused. */
		strbuf_append_str(&val[V_DASHES], series[i] == S_POLICY_QR  ? "2"
		                                  : series[i] == S_POLICY_R ? "3"
		                                  : series[i] == S_REFUSED  ? "4"
		                                                            : "1");
		if (chart_text_px(name) > legend_px)
			legend_px = chart_text_px(name);
	}

	note[0] = by_carrier ? lang->note_panels : lang->note_scope;
	note[1] = lang->note_adoption;
	note[2] = "";
	note[3] = "";
	for (i = 0; i < nseries; i++) {
		if (series[i] == S_POLICY_QR || series[i] == S_POLICY_R)
			note[2] = lang->note_policy;
		if (series[i] == S_REFUSED)
			note[3] = lang->note_refused;
	}
	note[4] = f.incomplete.data != NULL ? f.incomplete.data : "";
	note_lines = chart_note(&f.note, c, note, 5);
	chart_frame_layout(&f, key_titles, nseries, (unsigned)(legend_px + 75.0), 1, 0, note_lines);
	/* Months are one unit apart; the last value needs room after the last
	 * month, which the labels under the months do not get. */
	room = ax->n > 0 ? ADOPTION_LABEL_PX / (f.lay.panel_px / ((double)ax->n + 0.5)) : 1.0;
	if (room < 0.5)
		room = 0.5;
	strbuf_printf(&val[V_XMAX], "%.3f", (double)ax->n - 1.0 + room);
	step = chart_month_step(ax->n, chart_labels_fit(lang, f.lay.panel_px * (double)ax->n /
	                                                       ((double)ax->n - 0.5 + room)));

	for (p = 0; p < npanels; p++) {
		chart_frame_panel(&f, p, scopes[p]);
		for (k = 0; k < ax->n; k++) {
			int e = strbuf_printf(&f.data, "%zu\t", k);

			e |= chart_month_tick(lang, ax, k, step, &f.data);
			for (i = 0; i < nseries; i++) {
				int64_t x = values[(p * S_N + series[i]) * ax->n + k];

				e |= strbuf_append_byte(&f.data, '\t');
				if (x < 0)
					e |= strbuf_append_str(&f.data, "NaN");
				else
					e |= chart_format_hundredths(&f.data, x);
			}
			e |= strbuf_append_byte(&f.data, '\n');
			if (e != 0) {
				strbuf_printf(err, "adoption: data larger than %zu bytes", f.data.cap);
				goto out;
			}
		}
		/* The last value of each series goes to the template as a number
		 * and its text, to be drawn as one label: a series without a
		 * value in this panel (a provider with no DMARC policy data) has
		 * none. gnuplot never draws a label at a NaN coordinate (5.4
		 * crashed on that) nor formats one. */
		for (i = 0; i < nseries; i++) {
			const int64_t *row = &values[(p * S_N + series[i]) * ax->n];
			long last = -1;

			for (k = 0; k < ax->n; k++) {
				if (row[k] >= 0)
					last = (long)k;
			}
			if (p > 0 || i > 0) {
				strbuf_append_byte(&val[V_LAST_ROWS], ',');
				strbuf_append_byte(&val[V_LAST_VALUES], ',');
				strbuf_append_byte(&val[V_LAST_TEXTS], ',');
			}
			strbuf_printf(&val[V_LAST_ROWS], "%ld", last);
			chart_last_label(&val[V_LAST_VALUES], &val[V_LAST_TEXTS], last < 0 ? -1 : row[last],
			                 &f.text);
		}
	}

	strbuf_append_str(&f.title,
	                  by_carrier ? lang->adoption_by_carrier_title : lang->adoption_title);
	strbuf_append_str(&f.ylabel, lang->share_axis);
	strbuf_printf(&val[V_NSERIES], "%zu", nseries);
	if (chart_frame_draw(&f, by_carrier ? "adoption-by-carrier" : "adoption", "adoption", err) < 0)
		goto out;
	rc = 0;
out:
	free(values);
	chart_frame_release(&f);
	return rc;
}

int chart_adoption(struct chart_ctx *c, struct strbuf *err)
{
	static const char *const all[1] = { "all" };

	if (!report_table_has_scope(c->report, "all"))
		return 0;
	return adoption_draw(c, all, 1, 0, err);
}

int chart_adoption_by_carrier(struct chart_ctx *c, struct strbuf *err)
{
	const char **carriers = NULL;
	size_t n = chart_carriers(c, &carriers);
	int rc = 0;

	if (n > 0 && chart_panels_fit(n, "adoption chart"))
		rc = adoption_draw(c, carriers, n, 1, err);
	free(carriers);
	return rc;
}
