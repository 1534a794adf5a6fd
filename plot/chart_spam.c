/*
 * chart_spam - the spam share per month as a line over the month's message
 * volume as bars (templates/spam.gp), from the spam CSV (--spam):
 *   OUTDIR/spam.png, .svg             all providers
 *   OUTDIR/spam-by-carrier.png, .svg  one panel per provider
 * Both axes have the same scale in every panel, so that panels compare.
 */
#include "chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

#define SPAM_LABEL_PX 58.0

/* The template's own values (struct chart_frame has the others). */
enum { V_Y2LABEL, V_LAST_ROWS, V_LAST_VALUES, V_LAST_TEXTS, V_XMAX, V_YMAX, V_YSTEP, V_Y2MAX,
       V_Y2STEP, V_VOLUME_COLOUR, V_SPAM_COLOUR, V_VOLUME_TITLE, V_SPAM_TITLE, V_N };

static const char *const spam_var_names[V_N] = {
	"Y2LABEL", "LAST_ROWS", "LAST_VALUES", "LAST_TEXTS", "XMAX", "YMAX", "YSTEP", "Y2MAX",
	"Y2STEP", "VOLUME_COLOUR", "SPAM_COLOUR", "VOLUME_TITLE", "SPAM_TITLE",
};

/* The smallest of 1, 2, 2.5 and 5 times a power of ten that is >= raw. */
static double spam_nice_step(double raw)
{
	static const double nice[] = { 1.0, 2.0, 2.5, 5.0, 10.0 };
	double mag;
	size_t i;

	if (!(raw > 0.0))
		return 1.0;
	mag = pow(10.0, floor(log10(raw)));
	for (i = 0; i < 4; i++) {
		if (nice[i] * mag >= raw * (1.0 - 1e-9))
			break;
	}
	return nice[i] * mag;
}

/*
 * The two axes from 0: the share's (percent, up to 100) with about five
 * ticks reaching above max_share by a tenth; the volume's with as many
 * ticks at a step of its own, so that both share the grid lines.
 */
static void spam_axes(double max_volume, double max_share, double *ymax, double *ystep,
                      double *y2max, double *y2step)
{
	double n;

	if (!(max_share > 0.0))
		max_share = 1.0;
	*y2step = spam_nice_step(max_share * 1.1 / 5.0);
	*y2max = ceil(max_share * 1.1 / *y2step) * *y2step;
	if (*y2max > 100.0) {
		*y2max = 100.0;
		*y2step = 20.0;
	}
	n = floor(*y2max / *y2step + 0.5);
	if (!(max_volume > 0.0))
		max_volume = 1.0;
	*ystep = spam_nice_step(max_volume * 1.05 / n);
	*ymax = *ystep * n;
}

static int spam_draw(struct chart_ctx *c, const char *const *scopes, size_t npanels,
                     int by_carrier, struct strbuf *err)
{
	const struct plot_lang *lang = c->lang;
	const struct plot_lang_unit *unit;
	const struct spam_row **at = NULL;
	struct chart_frame f;
	struct strbuf *val, *text;
	const struct chart_axis *ax;
	size_t i, k, p;
	int64_t max_messages = 0;
	int32_t max_share = 0;
	double legend_px, room, ymax, ystep, y2max, y2step;
	const char *note[3], *key_titles[2] = { NULL, NULL };
	char *vol_title = NULL;
	unsigned step, note_lines;
	int rc = -1, any = 0;

	chart_frame_init(&f, c, npanels, by_carrier, spam_var_names, V_N);
	val = f.val;
	text = &f.text;
	ax = &f.ax;

	/* at[p * ax->n + k]: the row of panel p in month k, or NULL. */
	at = xcalloc(npanels * (ax->n ? ax->n : 1), sizeof(*at));
	for (i = 0; i < c->spam->n; i++) {
		const struct spam_row *r = &c->spam->rows[i];

		if (chart_place(ax, scopes, npanels, r->scope, r->year, r->month, &p, &k) < 0)
			continue;
		at[p * ax->n + k] = r;
		if (r->messages > max_messages)
			max_messages = r->messages;
		if (r->share_spam > max_share)
			max_share = r->share_spam;
		any |= r->messages > 0;
	}
	if (!any) {
		msg_warn("no messages in the spam CSV; no %sspam chart", by_carrier ? "by-provider " : "");
		rc = 0;
		goto out;
	}
	unit = lang_unit(lang, max_messages);
	spam_axes((double)max_messages / (double)unit->div, max_share / 100.0, &ymax, &ystep, &y2max,
	          &y2step);
	strbuf_printf(&val[V_YMAX], "%g", ymax);
	strbuf_printf(&val[V_YSTEP], "%g", ystep);
	strbuf_printf(&val[V_Y2MAX], "%g", y2max);
	strbuf_printf(&val[V_Y2STEP], "%g", y2step);

	/* The volume's unit goes into its legend entry too: panels of small
	 * multiples have no axis titles. */
	strbuf_printf(text, "%s%s", lang->volume_series, unit->name);
	gnuplot_quote(&val[V_VOLUME_TITLE], text->data, text->len);
	legend_px = chart_text_px(lang->spam_series);
	if (chart_text_px(text->data) > legend_px)
		legend_px = chart_text_px(text->data);
	vol_title = xstrdup(text->data);
	key_titles[0] = vol_title;
	key_titles[1] = lang->spam_series;
	note[0] = by_carrier ? lang->note_panels : lang->note_scope;
	note[1] = lang->note_spam;
	note[2] = f.incomplete.data != NULL ? f.incomplete.data : "";
	note_lines = chart_note(&f.note, c, note, 3);
	chart_frame_layout(&f, key_titles, 2, (unsigned)(legend_px + 50.0), 1, 1, note_lines);
	/* As in chart_adoption.c: room for the last share after the last month. */
	room = ax->n > 0 ? SPAM_LABEL_PX / (f.lay.panel_px / ((double)ax->n + 0.6)) : 1.0;
	if (room < 0.4)
		room = 0.4;
	strbuf_printf(&val[V_XMAX], "%.3f", (double)ax->n - 0.4 + room);
	step = chart_month_step(ax->n, chart_labels_fit(lang, f.lay.panel_px * (double)ax->n /
	                                                       ((double)ax->n + 0.2 + room)));

	for (p = 0; p < npanels; p++) {
		long last = -1;
		int32_t last_share = -1;

		chart_frame_panel(&f, p, scopes[p]);
		if (p > 0) {
			strbuf_append_byte(&val[V_LAST_ROWS], ',');
			strbuf_append_byte(&val[V_LAST_VALUES], ',');
			strbuf_append_byte(&val[V_LAST_TEXTS], ',');
		}
		for (k = 0; k < ax->n; k++) {
			const struct spam_row *r = at[p * ax->n + k];
			int e = strbuf_printf(&f.data, "%zu\t", k);

			e |= chart_month_tick(lang, ax, k, step, &f.data);
			if (r == NULL)
				e |= strbuf_append_str(&f.data, "\tNaN");
			else
				e |= strbuf_printf(&f.data, "\t%.4f", (double)r->messages / (double)unit->div);
			if (r == NULL || r->share_spam < 0) {
				e |= strbuf_append_str(&f.data, "\tNaN\n");
			} else {
				e |= strbuf_append_byte(&f.data, '\t');
				e |= chart_format_hundredths(&f.data, r->share_spam);
				e |= strbuf_append_byte(&f.data, '\n');
				last = (long)k;
				last_share = r->share_spam;
			}
			if (e != 0) {
				strbuf_printf(err, "spam: data larger than %zu bytes", f.data.cap);
				goto out;
			}
		}
		/* As in chart_adoption.c: the last share is a label of its own,
		 * none in a panel without shares, never one at NaN. */
		strbuf_printf(&val[V_LAST_ROWS], "%ld", last);
		chart_last_label(&val[V_LAST_VALUES], &val[V_LAST_TEXTS], last_share, text);
	}

	strbuf_append_str(&f.title, by_carrier ? lang->spam_by_carrier_title : lang->spam_title);
	strbuf_printf(&f.ylabel, "%s%s", lang->volume_axis, unit->name);
	gnuplot_quote_str(&val[V_Y2LABEL], lang->spam_axis);
	gnuplot_quote_str(&val[V_VOLUME_COLOUR], CHART_VOLUME_COLOUR);
	gnuplot_quote_str(&val[V_SPAM_COLOUR], CHART_SPAM_COLOUR);
	gnuplot_quote_str(&val[V_SPAM_TITLE], lang->spam_series);
	if (chart_frame_draw(&f, by_carrier ? "spam-by-carrier" : "spam", "spam", err) < 0)
		goto out;
	rc = 0;
out:
	free(vol_title);
	free(at);
	chart_frame_release(&f);
	return rc;
}

int chart_spam(struct chart_ctx *c, struct strbuf *err)
{
	static const char *const all[1] = { "all" };

	if (c->spam == NULL || !spam_table_has_scope(c->spam, "all"))
		return 0;
	return spam_draw(c, all, 1, 0, err);
}

int chart_spam_by_carrier(struct chart_ctx *c, struct strbuf *err)
{
	const char **carriers = NULL;
	size_t n, i, j;
	int rc = 0;

	if (c->spam == NULL)
		return 0;
	/* Only the providers that the spam CSV has. */
	n = chart_carriers(c, &carriers);
	for (i = 0, j = 0; i < n; i++) {
		if (spam_table_has_scope(c->spam, carriers[i]))
			carriers[j++] = carriers[i];
	}
	n = j;
	if (n > 0 && chart_panels_fit(n, "spam chart"))
		rc = spam_draw(c, carriers, n, 1, err);
	free(carriers);
	return rc;
}
