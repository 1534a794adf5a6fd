/*
 * publish - the month's publication, made in one run: everything the
 * statistics team publishes for a month, in one folder that appears whole or
 * not at all, with a manifest that proves later what was published and from
 * what.
 *
 * DIR/YYYY-MM/ (README.md's "The monthly run" lists the files):
 *   methods-M.csv, spam-M.csv, coverage-M.csv   the tidy CSVs (UTF-8)
 *   ministry-M-LANG-ENCODING.csv                the ministry's layout, per
 *                                               language and encoding
 *   charts-LANG/                                arstat-plot's charts and
 *                                               dashboard over the trend months
 *   INCOMPLETE.txt                              only when published with --force
 *                                               although incomplete or early
 *   README.txt, MANIFEST.txt, SHA256SUMS        what the folder is; every file
 *                                               with its SHA-256 and the store's
 *                                               state; `sha256sum -c SHA256SUMS`
 *
 * Rules:
 *   - A month is published only when it is complete (report_period_missing)
 *     and its end plus publish_grace_days has passed; otherwise the run
 *     fails naming what is missing. --force publishes anyway, and then
 *     INCOMPLETE.txt, the README and the manifest say so.
 *   - The folder is built in DIR/.M.partial-PID, every file and directory
 *     fsync'ed, then renamed into place (never over an existing folder). A
 *     run killed part-way leaves only that hidden folder, which the next run
 *     removes. DIR is locked (flock) for the whole run.
 *   - The same store gives the same bytes: nothing in a file depends on the
 *     time of the run (the dashboard's generation time is the end of the
 *     data it shows). If the files (all but README.txt, MANIFEST.txt and
 *     SHA256SUMS, which describe them) are those of the month's newest
 *     revision, nothing is written ("already published, unchanged");
 *     otherwise the new files are a new revision beside the old,
 *     M.r2, M.r3, ..., never an overwrite.
 */
#ifndef ARSTAT_AGGREGATOR_PUBLISH_H
#define ARSTAT_AGGREGATOR_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "settings.h"
#include "strbuf.h"

/* "YYYY-MM.rNNNNNNNNNN" and its NUL, with room. */
#define PUBLISH_NAME_LEN 32
/* Revisions of one month at most: far beyond any honest need. */
#define PUBLISH_REVISION_MAX 9999

/*
 * The month a --month argument names: "YYYY-MM", or "previous", the month
 * before the one holding now_ms in time zone tz. 0 with *out
 * (report_month_init), or -1 with err.
 */
int publish_month_resolve(const char *arg, int64_t now_ms, const char *tz,
                          struct report_month *out, struct strbuf *err);

/* The folder name of revision rev (1..PUBLISH_REVISION_MAX) of month
 * ("YYYY-MM"): "YYYY-MM" for 1, "YYYY-MM.rN" after. buf holds
 * PUBLISH_NAME_LEN bytes. */
void publish_folder_name(const char *month, unsigned rev, char *buf, size_t size);
/* The revision whose folder is name, of month if month is not NULL (of any
 * month otherwise, then its month into month_out, 8 bytes, if not NULL); 0
 * if name is no such folder ("2026-09.r1", "2026-09.r02" are not). */
unsigned publish_folder_revision(const char *name, const char *month, char *month_out);
/* 1 if name is a folder a publish run builds in (".YYYY-MM.partial-PID"). */
int publish_is_partial(const char *name);

struct publish_request {
	const char *month;     /* --month: "YYYY-MM" or "previous" */
	const char *out_dir;   /* --out: created (one level) if missing */
	int force;
	int64_t now_ms;        /* the clock, for "previous" and the grace period */
	const char *version;   /* this program's, for the manifest */
};

struct publish_result {
	char month[REPORT_MONTH_LEN];   /* the month, once resolved */
	char folder[PUBLISH_NAME_LEN];  /* the folder published or found unchanged */
	unsigned revision;
	int unchanged;  /* the newest revision already held these files */
	int forced;     /* published although incomplete or within the grace period */
	size_t files;   /* files in the folder */
	/* After the run, also a failed one: the newest folder in DIR (for the
	 * metric), or "" and 0. */
	char newest_month[REPORT_MONTH_LEN];
	unsigned newest_revision;
};

/*
 * Make the publication of rq->month from the store and settings s (after
 * settings_finish). 0 with *res; or -1 with the reason in err (a month not
 * complete or within its grace period without force, a store or plot
 * failure, another run holding DIR); on failure nothing appears in DIR but
 * possibly a hidden partial folder of a run that was killed.
 */
int publish_run(const struct settings *s, const struct publish_request *rq,
                struct publish_result *res, struct strbuf *err);

/*
 * Write s->publish_metrics_file (if set) atomically: the run's time
 * (now_ms), whether it succeeded and was forced, and the newest published
 * month and revision in res. 0, or -1 with err.
 */
int publish_write_metrics(const struct settings *s, int64_t now_ms, int ok,
                          const struct publish_result *res, struct strbuf *err);

#endif
