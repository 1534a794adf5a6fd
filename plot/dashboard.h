/*
 * dashboard - OUTDIR/index.html: a static page beside the charts, for an
 * operations screen and for anyone opening the folder. It holds the latest
 * month's headline figures (the non-none share of each method and its
 * change from the month before, the DMARC quarantine/reject share, the
 * spam share, messages and providers), a table of the latest month by
 * provider, every chart drawn (each PNG links to its SVG), and links to
 * the CSVs, which are copied beside it as report.csv and spam.csv so that
 * the folder is complete on its own.
 *
 * The page works offline from the file system: no script, no font or
 * style sheet from elsewhere, only relative links. It reloads itself every
 * ten minutes, so a screen showing it picks up the next run's output.
 * Every string from the CSVs (a provider's name) is HTML-escaped.
 *
 * Each headline number is in an element with a data-figure attribute
 * naming it (spf-non-none, dkim-non-none, dmarc-non-none, arc-non-none,
 * dmarc-policy, dmarc-refused (when the report has the refused column),
 * spam-share, messages, providers; data-month on the page),
 * so that tests and scrapers need not parse the wording.
 */
#ifndef ARSTAT_DASHBOARD_H
#define ARSTAT_DASHBOARD_H

#include "chart.h"
#include "strbuf.h"

/*
 * Write OUTDIR/index.html for the charts in c->made, and copy report_csv
 * (and spam_csv, if not NULL) to OUTDIR/report.csv and spam.csv unless they
 * are those files already. `now` is the time written as the page's
 * generation time. Files written are added to c->written. 0, or -1 with the
 * reason in err.
 */
int dashboard_write(struct chart_ctx *c, const char *report_csv, const char *spam_csv,
                    long long now, struct strbuf *err);

/* Append s[0..len) to out with &, <, >, " and ' as character references.
 * 0, or -1 if out's cap is reached. */
int dashboard_escape(struct strbuf *out, const char *s, size_t len);

#endif
