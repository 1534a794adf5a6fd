/*
 * chart - what every chart shares: the context it draws in, one colour per
 * authentication result, number formatting, and chart_draw(), which turns
 * a template, its values and a data file into OUTDIR/<name>.png and .svg.
 *
 * A chart module (chart_<name>.c) picks its rows from the tables, writes a
 * tab-separated data file and the template's values, and calls chart_draw.
 * Add one to the list in main.c.
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
};

/* Free the list of written files. */
void chart_ctx_release(struct chart_ctx *c);

/* A chart: draws zero or more files into c->outdir. 0, or -1 with err. */
typedef int (*chart_fn)(struct chart_ctx *c, struct strbuf *err);

/* The results in the order the ministry's charts list them: None, Neutral,
 * Pass, Fail (HardFail), SoftFail, TempError, PermError, then Policy. */
extern const enum report_result chart_result_order[REPORT_RESULT_COUNT];
/* The fill colour of a result, the same on every chart ("#rrggbb"), and a
 * text colour readable on it. */
const char *chart_result_colour(enum report_result r);
const char *chart_result_ink(enum report_result r);

/* Append v with a comma every three digits ("12,345,678"). 0 or -1 (cap). */
int chart_format_count(struct strbuf *out, int64_t v);
/* Append hundredths as a decimal with two places ("89.11"). 0 or -1 (cap). */
int chart_format_hundredths(struct strbuf *out, int64_t v);

/*
 * Draw one chart as OUTDIR/<basename>.png and .svg. The template is run
 * once per format with the terminal and output already set, and with
 * {{DATA}} set to the quoted path of a file holding data[0..len); vars are
 * the rest of its values. The files appear in OUTDIR only once gnuplot has
 * succeeded, each by rename, so a failed run leaves no half-drawn chart;
 * their paths are added to c->written. 0, or -1 with the reason in err.
 */
int chart_draw(struct chart_ctx *c, const char *basename, const char *template_name,
               const struct template_var *vars, size_t nvars, const char *data, size_t len,
               struct strbuf *err);

/* The charts there are. */
int chart_results(struct chart_ctx *c, struct strbuf *err);

#endif
