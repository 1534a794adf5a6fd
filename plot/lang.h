/*
 * lang - the words on the charts, one table per language (--lang).
 * Only English exists so far; a language is added by adding a table in
 * lang.c, with a font that has its glyphs.
 */
#ifndef ARSTAT_LANG_H
#define ARSTAT_LANG_H

#include "report_csv.h"

struct plot_lang {
	const char *code;          /* "en" */
	const char *font;          /* fontconfig family for gnuplot */
	const char *method[REPORT_METHOD_COUNT];  /* "SPF" */
	const char *result[REPORT_RESULT_COUNT];  /* legend names, CSV order */
	const char *spf_fail;      /* SPF's fail is called hardfail by the ministry */
	const char *results_title; /* after the method name */
	const char *share_axis;    /* y axis of share charts */
	const char *count_prefix;  /* before the message count under a month */
	const char *latest_title;  /* legend title of the results charts, before the month */
	/* Footnote of the results charts, in sentences put together as they apply. */
	const char *note_scope;    /* whose mail */
	const char *note_counts;   /* what n means, when the counts are shown */
	const char *note_labels;   /* which segments are labelled, when some are */
	const char *note_legend;   /* what the legend's numbers are */
};

/* The table for code, or NULL if there is none. */
const struct plot_lang *lang_find(const char *code);
/* The codes there are, comma-separated, for messages. */
const char *lang_codes(void);

#endif
