/*
 * chart - what every chart shares: the context it draws in, one colour per
 * authentication result and per method (the same on every chart and on the
 * dashboard), the month axis and its labels, the layout of small
 * multiples, number formatting, and chart_draw(), which turns a template,
 * its values and a data file into OUTDIR/<name>.png and .svg.
 *
 * A chart module (chart_<name>.c) picks its rows from the tables, and in a
 * struct chart_frame writes a tab-separated data file and the template's
 * values, and draws it with chart_frame_draw. Add one to the list in main.c.
 *
 * The month axis: every chart, and every panel of small multiples, spans
 * the same months, the union of the months in the report and spam tables,
 * so that charts and panels line up; a scope without a row for a month has
 * a gap there. Labels under the axis are thinned to every 2nd, 3rd, 6th or
 * 12th month, on calendar months (January, April, July, October for every
 * 3rd), so that they stay readable from 3 to 60 months and beyond.
 */
#ifndef ARSTAT_CHART_H
#define ARSTAT_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "gnuplot.h"
#include "lang.h"
#include "report_csv.h"
#include "spam_csv.h"
#include "strbuf.h"
#include "template.h"

#define CHART_WIDTH_DEFAULT 1200
#define CHART_HEIGHT_DEFAULT 700
#define CHART_SIZE_MIN 320
#define CHART_SIZE_MAX 8000

/* A chart drawn, for the dashboard: OUTDIR/<basename>.png and .svg. */
struct chart_made {
	char *basename;
	char *title;    /* plain text */
	int by_carrier; /* small multiples, one panel per provider */
};

struct chart_ctx {
	const struct report_table *report;
	const struct spam_table *spam; /* NULL without --spam */
	const struct plot_lang *lang;
	unsigned width, height; /* pixels of the PNG; the SVG's size in its units */
	const char *outdir;
	struct gnuplot *gp;
	/* Files written so far, in order; chart_ctx_release frees them. */
	char **written;
	size_t nwritten;
	/* Charts drawn so far, in order; chart_ctx_release frees them. */
	struct chart_made *made;
	size_t nmade;
};

/* Free the lists of written files and charts. */
void chart_ctx_release(struct chart_ctx *c);
/* Record that `path` was written (copied). */
void chart_ctx_wrote(struct chart_ctx *c, const char *path);

/* The months of a chart's axis, in order. */
struct chart_month {
	int year, month;
	char text[8]; /* "YYYY-MM" */
	/* The report marks the month incomplete (scope "all", complete "no"),
	 * with this share of its collection windows missing in hundredths (-1:
	 * not known). */
	int incomplete;
	int32_t missing_x100;
};

struct chart_axis {
	struct chart_month *m;
	size_t n;
};

/* The union of the months in c->report and c->spam, each marked
 * incomplete as the report's "all" rows say. Free with chart_axis_release. */
void chart_axis_build(const struct chart_ctx *c, struct chart_axis *ax);
void chart_axis_release(struct chart_axis *ax);
/* The index of (year, month) on ax, or -1. */
long chart_axis_index(const struct chart_axis *ax, int year, int month);
/*
 * Every how many months a label goes, so that at most max_labels of them
 * stand under n months: 1, 2, 3, 4, 6, 12, 24, ... (0 and 1 months: 1).
 */
unsigned chart_month_step(size_t n, size_t max_labels);
/* Append month i's label on ax: the month as the language writes it, if
 * the month is one of those labelled at `step`, else nothing; and "*" after
 * it (alone where the label is thinned out) if the month is incomplete, so
 * that the mark stands under its bar or point. 0 or -1. */
int chart_month_tick(const struct plot_lang *l, const struct chart_axis *ax, size_t i,
                     unsigned step, struct strbuf *out);
/* The width in pixels of UTF-8 text at the 11-point font, roughly: an
 * ASCII character is 7.5, a wide (CJK) one 15. */
double chart_text_px(const char *s);
/* How many month labels fit across `px` pixels in language l. */
size_t chart_labels_fit(const struct plot_lang *l, double px);

/* Scopes other than "all" in the report or spam table (the providers of
 * --by-carrier data), sorted bytewise, each once; the strings belong to the
 * tables. *out is the caller's to free (NULL when there are none). */
size_t chart_carriers(const struct chart_ctx *c, const char ***out);

/* Small multiples: at most this many panels on one chart. More providers
 * than this get no by-provider charts (with a warning): panels would be too
 * small to read. */
#define CHART_PANELS_MAX 24

/* Whether n providers fit on one chart of small multiples: 1, or 0 after
 * a warning that there is no by-provider `what` ("spam chart"). */
int chart_panels_fit(size_t n, const char *what);
/*
 * Where a row of (scope, year, month) goes on a chart of the panels
 * scopes[0..npanels) over the months of ax: 0 with its panel and its month's
 * index on ax, or -1 if its scope has no panel or its month is not on ax.
 */
int chart_place(const struct chart_axis *ax, const char *const *scopes, size_t npanels,
                const char *scope, int year, int month, size_t *panel, size_t *k);

/*
 * Where a chart's panels and legend go, in screen fractions computed from
 * pixel sizes, so that text keeps its room at any --width and --height.
 * The values reach the templates as {{ROWS}}, {{COLS}}, {{MARGINS}},
 * {{SPACING}}, {{KEY_X}}, {{KEY_Y}}, {{NOTE_Y}}, {{KEY_XS}}, {{KEY_YS}},
 * {{PX_X}} and {{PX_Y}} (one pixel in screen fractions).
 *
 * A single chart has gnuplot's legend on the right (KEY_X, KEY_Y), as the
 * ministry's charts do. Small multiples have their legend in rows under
 * the title, drawn by the template from KEY_XS and KEY_YS (where each
 * entry's sample starts): gnuplot's own legend would be sized to one
 * panel, and a column beside the panels would take their width.
 */
#define CHART_LAYOUT_NVARS 11
struct chart_layout {
	unsigned rows, cols;
	double panel_px; /* width of one panel's plot area */
	struct strbuf text[CHART_LAYOUT_NVARS];
};

/*
 * Lay out n panels (1 for a single chart) on c's canvas: small multiples
 * (small, even of one panel) with titled panels and the legend entries
 * `titles[0..ntitles)` in rows above them; a single chart with a legend
 * legend_px wide on the right. Tick labels take tick_lines lines; y2 adds
 * a right-hand axis; the footnote has note_lines lines (chart_note).
 * Release with chart_layout_release.
 */
void chart_layout_init(struct chart_layout *l, const struct chart_ctx *c, size_t n, int small,
                       const char *const *titles, size_t ntitles, unsigned legend_px,
                       unsigned tick_lines, int y2, unsigned note_lines);
void chart_layout_release(struct chart_layout *l);
/*
 * Append to out the footnote made of the n sentences (each with its own
 * leading space where the language puts one) as a gnuplot string
 * expression, broken into lines that fit c's width at the footnote's font.
 * Returns the number of lines (at least 1).
 */
unsigned chart_note(struct strbuf *out, const struct chart_ctx *c, const char *const *sentences,
                    size_t n);
/* Append to out the footnote sentence naming ax's incomplete months, each
 * with the share of its collection windows missing (lang's
 * note_incomplete); nothing if none is. 0 or -1 (cap). */
int chart_incomplete_note(const struct plot_lang *l, const struct chart_axis *ax,
                          struct strbuf *out);
/* Fill vars[0..CHART_LAYOUT_NVARS) with the layout's template values. */
void chart_layout_vars(const struct chart_layout *l, struct template_var *vars);

/* A chart: draws zero or more files into c->outdir. 0, or -1 with err. */
typedef int (*chart_fn)(struct chart_ctx *c, struct strbuf *err);

/* The results in the order the ministry's charts list them: None, Neutral,
 * Pass, Fail (HardFail), SoftFail, TempError, PermError, then Policy. */
extern const enum ar_result chart_result_order[REPORT_NRESULTS];
/* The fill colour of a result, the same on every chart ("#rrggbb"), and a
 * text colour readable on it. */
const char *chart_result_colour(enum ar_result r);
const char *chart_result_ink(enum ar_result r);
/* The colour of a method's lines and cards. */
const char *chart_method_colour(enum ar_method m);
/* Spam share lines and message volume bars. */
#define CHART_SPAM_COLOUR "#c0392b"
#define CHART_VOLUME_COLOUR "#b4c7e7"

/* num / den as hundredths of a percent, rounded half up in integer
 * arithmetic as the aggregator rounds its shares; 0 <= num <= den,
 * 0 < den <= REPORT_COUNT_MAX, else our bug (panic). */
int64_t chart_share_x100(int64_t num, int64_t den);
/*
 * The share of DMARC p=quarantine or reject (with reject_only, p=reject
 * alone) among the mail of row r under a published DMARC policy, in
 * hundredths. 0 and *out, or -1 if r has no such mail.
 */
int chart_policy_share(const struct report_row *r, int reject_only, int64_t *out);
/*
 * The share refused by the receivers (rejected, discarded, held) of the
 * messages of row r with a result for its method, the refused included, in
 * hundredths. 0 and *out, or -1 if r has no such message (or its table no
 * refused column).
 */
int chart_refused_share(const struct report_row *r, int64_t *out);

/*
 * The end-of-line label of a share of v hundredths, or of none if v < 0,
 * for a template's arrays of labels: appends its position to `values` (the
 * share as a number, 0 for none) and its text, quoted, to `texts` ("94.39%",
 * '' for none); scratch is the caller's buffer, reset here. A template
 * draws a label only where the text is not empty, so gnuplot never gets a
 * label at NaN. Returns 0, or -1 if a buffer's cap is reached.
 */
int chart_last_label(struct strbuf *values, struct strbuf *texts, int64_t v,
                     struct strbuf *scratch);

/* Append v with a comma every three digits ("12,345,678"). 0 or -1 (cap). */
int chart_format_count(struct strbuf *out, int64_t v);
/* Append hundredths as a decimal with two places ("89.11"). 0 or -1 (cap). */
int chart_format_hundredths(struct strbuf *out, int64_t v);

/*
 * Draw one chart as OUTDIR/<basename>.png and .svg, titled `title` (plain
 * text, recorded in c->made for the dashboard). The template is run
 * once per format with the terminal and output already set, and with
 * {{DATA}} set to the quoted path of a file holding data[0..len); vars are
 * the rest of its values. The files appear in OUTDIR only once gnuplot has
 * succeeded, each by rename, so a failed run leaves no half-drawn chart;
 * their paths are added to c->written. 0, or -1 with the reason in err.
 */
int chart_draw(struct chart_ctx *c, const char *basename, const char *title, int by_carrier,
               const char *template_name, const struct template_var *vars, size_t nvars,
               const char *data, size_t len, struct strbuf *err);

/*
 * Write OUTDIR/name (no slash in it) with the bytes of file src, or, if src
 * is NULL, data[0..len); atomically, by rename, and added to c->written.
 * 0, or -1 with the reason in err.
 */
int chart_write_file(struct chart_ctx *c, const char *name, const char *src, const char *data,
                     size_t len, struct strbuf *err);

/* Caps of a chart's data file and of each template value. */
#define CHART_DATA_CAP (4 * 1024 * 1024)
#define CHART_VALUE_CAP 65536

/*
 * What every chart drawer (chart_<name>.c) sets up and tears down: the month
 * axis, the data file, the layout, and the template values every template
 * has, which chart_frame_draw fills in: {{TITLE}} and {{YLABEL}} (quoted
 * from title and ylabel), {{NOTE}}, {{PANEL_TITLES}}, {{NBARS}} (the
 * months), {{NPANELS}}, {{SMALL}} (by_carrier) and the layout's. The values
 * of the chart's own placeholders, names[i], go into val[i].
 */
struct chart_frame {
	struct chart_ctx *c;
	size_t npanels;
	int by_carrier;             /* small multiples, one panel per provider */
	struct chart_axis ax;       /* the months (chart_axis_build) */
	struct strbuf data;         /* the data file, a block per panel */
	struct strbuf title;        /* plain text */
	struct strbuf ylabel;       /* plain text */
	struct strbuf note;         /* a gnuplot expression: chart_note() */
	struct strbuf panel_titles; /* gnuplot strings: chart_frame_panel() */
	struct strbuf incomplete;   /* chart_incomplete_note() of ax: the drawer
	                               adds it to its footnote's sentences */
	struct strbuf text;         /* the drawer's scratch */
	const char *const *names;   /* the chart's own placeholders */
	struct strbuf *val;         /* and their values */
	size_t nvals;
	struct chart_layout lay; /* valid after chart_frame_layout() */
	int lay_ready;
};

/* Set up f to draw npanels panels on c: the axis built, every buffer empty
 * (data CHART_DATA_CAP, values CHART_VALUE_CAP); names must outlive f.
 * Release with chart_frame_release, whatever happens. */
void chart_frame_init(struct chart_frame *f, struct chart_ctx *c, size_t npanels, int by_carrier,
                      const char *const *names, size_t nvals);
/* chart_layout_init() of f's panels (replacing a layout laid before). */
void chart_frame_layout(struct chart_frame *f, const char *const *titles, size_t ntitles,
                        unsigned legend_px, unsigned tick_lines, int y2, unsigned note_lines);
/* Start panel p, of scope `scope`: a blank-line-separated block of the data
 * file, a title in {{PANEL_TITLES}}. Panels come in order from 0. */
void chart_frame_panel(struct chart_frame *f, size_t p, const char *scope);
/* chart_draw() of f, laid out, as OUTDIR/<basename>.png and .svg from
 * template_name. 0, or -1 with the reason in err. */
int chart_frame_draw(struct chart_frame *f, const char *basename, const char *template_name,
                     struct strbuf *err);
/* Free what f holds. */
void chart_frame_release(struct chart_frame *f);

/* The charts there are; each draws nothing when its data is missing. */
int chart_results(struct chart_ctx *c, struct strbuf *err);
int chart_results_by_carrier(struct chart_ctx *c, struct strbuf *err);
int chart_adoption(struct chart_ctx *c, struct strbuf *err);
int chart_adoption_by_carrier(struct chart_ctx *c, struct strbuf *err);
int chart_spam(struct chart_ctx *c, struct strbuf *err);
int chart_spam_by_carrier(struct chart_ctx *c, struct strbuf *err);

#endif
