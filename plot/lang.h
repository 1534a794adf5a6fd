/*
 * lang - the words on the charts and the dashboard, one table per language
 * (--lang): English and Japanese, as the ministry (MIC) words its charts.
 * A language is added by adding a table in lang.c, with a font that has
 * its glyphs (Japanese uses Noto Sans CJK JP, Debian fonts-noto-cjk).
 *
 * Every string here is trusted text: it goes into gnuplot scripts through
 * gnuplot_quote() all the same, and into HTML through html escaping, so a
 * translator cannot break either by writing a quote.
 */
#ifndef ARSTAT_LANG_H
#define ARSTAT_LANG_H

#include <stdint.h>

#include "report_csv.h"
#include "strbuf.h"

/* A unit for message volumes: counts are divided by `div`. */
struct plot_lang_unit {
	int64_t div;
	const char *name; /* appended to the axis title, e.g. " (millions)" */
};

#define LANG_UNITS 4

struct plot_lang {
	const char *code;      /* "en" */
	const char *name;      /* the language's own name, for the dashboard */
	const char *font;      /* fontconfig family for gnuplot */
	const char *css_fonts; /* CSS font-family list for the dashboard */
	const char *method[AR_METHOD_COUNT];  /* "SPF" */
	const char *result[REPORT_NRESULTS];  /* legend names, CSV order */
	const char *spf_fail;      /* SPF's fail is called hardfail by the ministry */
	const char *share_axis;    /* y axis of share charts */
	const char *count_prefix;  /* before the message count under a month */
	const char *month_axis;    /* x axis */

	/* Results charts: the method name comes first. */
	const char *results_title;
	const char *results_by_carrier_title;
	const char *latest_before, *latest_after; /* around the month: legend title */
	/* Footnotes, in sentences put together as they apply. */
	const char *note_scope;    /* whose mail */
	const char *note_counts;   /* what n means, when the counts are shown */
	const char *note_labels;   /* which segments are labelled, when some are */
	const char *note_legend;   /* what the legend's numbers are */
	const char *note_panels;   /* what a panel of small multiples is */
	/* Months the report marks incomplete: their ticks get "*", and the
	 * footnote names them, each with the share of collection windows
	 * missing: note_incomplete, then "MONTH SHARE%" joined by
	 * note_incomplete_sep, then note_incomplete_end. */
	const char *note_incomplete;
	const char *note_incomplete_sep;
	const char *note_incomplete_end;
	const char *dash_incomplete; /* the dashboard's warning, before the share */
	const char *dash_incomplete_end;

	/* Adoption chart. */
	const char *adoption_title;
	const char *adoption_by_carrier_title;
	const char *policy_qr;     /* series: p=quarantine or reject */
	const char *policy_r;      /* series: p=reject */
	const char *note_adoption; /* what the lines are */
	const char *note_policy;   /* what the DMARC policy lines are */
	const char *refused;       /* series: DMARC mail refused by the receivers */
	const char *note_refused;  /* what the refused line is */

	/* Spam chart. */
	const char *spam_title;
	const char *spam_by_carrier_title;
	const char *spam_series;
	const char *volume_series;
	const char *spam_axis;
	const char *volume_axis;   /* the unit's name follows */
	const char *note_spam;
	struct plot_lang_unit units[LANG_UNITS]; /* largest first; the last has div 1 */

	/* Dashboard. */
	const char *dash_title;
	const char *dash_subtitle;  /* before the month */
	const char *dash_non_none;  /* under a method's adoption figure */
	const char *dash_pass;      /* before a method's pass share */
	const char *dash_policy;    /* the DMARC policy card (its table column is policy_qr) */
	const char *dash_policy_sub;
	const char *dash_refused;   /* the refused card (its table column too) */
	const char *dash_refused_sub;
	const char *dash_spam;
	const char *dash_spam_sub;
	const char *dash_messages;
	const char *dash_messages_sub;
	const char *dash_providers;
	const char *dash_vs_before; /* around the previous month: "vs. 2026-08" */
	const char *dash_vs_after;
	const char *dash_pt;        /* percentage points */
	const char *dash_all;       /* section: all providers */
	const char *dash_by_carrier;
	const char *dash_table;     /* section: latest month by provider */
	const char *dash_provider;  /* table column */
	const char *dash_data;      /* section: data */
	const char *dash_report_csv;
	const char *dash_spam_csv;
	const char *dash_svg_note;  /* how to get the SVG of a chart */
	const char *dash_generated;
	const char *dash_no_data;   /* a month or cell without messages */
};

/* The table for code, or NULL if there is none. */
const struct plot_lang *lang_find(const char *code);
/* The codes there are, comma-separated, for messages. */
const char *lang_codes(void);
/* Append a month as the language writes it ("2026-04", "2026年4月").
 * 0, or -1 if out's cap is reached. */
int lang_month(const struct plot_lang *l, int year, int month, struct strbuf *out);
/* The largest unit of l in which `max` is at least 1 (or the last unit). */
const struct plot_lang_unit *lang_unit(const struct plot_lang *l, int64_t max);

#endif
