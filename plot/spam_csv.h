/*
 * spam_csv - the aggregator's monthly spam CSV, read into a table.
 *
 * Columns (found by name; order free; other columns ignored):
 *   month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam
 * month, scope, counts and the share follow report_csv.h; spam is at most
 * messages; share_spam is of the messages with a verdict and is empty when
 * none had one (so it may be empty only if spam is 0); daily_messages and
 * daily_spam are per-day averages (the aggregator writes integers; up to
 * two decimals are accepted). A second record with the same (month, scope)
 * is an error.
 */
#ifndef ARSTAT_SPAM_CSV_H
#define ARSTAT_SPAM_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "strbuf.h"

struct spam_row {
	int year, month;
	char month_text[8];
	char *scope; /* owned by the table */
	int64_t providers, messages, spam;
	int32_t share_spam;                 /* hundredths of a percent; -1: empty */
	int64_t daily_messages, daily_spam; /* hundredths */
	unsigned long line;
};

/* Rows sorted by scope (bytewise), then month. */
struct spam_table {
	struct spam_row *rows;
	size_t n;
};

/* Read a whole file. 0 and *out (free with spam_table_free), or -1 with the
 * reason ("FILE:LINE:COLUMN: ...") in err. */
int spam_read_file(const char *path, const struct csvin_limits *lim,
                   struct spam_table **out, struct strbuf *err);
/* The same from memory, for tests; `name` is used in messages. */
int spam_read_buffer(const char *name, const void *buf, size_t len,
                     const struct csvin_limits *lim, struct spam_table **out,
                     struct strbuf *err);
/* Whether t has a row of `scope`. */
int spam_table_has_scope(const struct spam_table *t, const char *scope);
void spam_table_free(struct spam_table *t);

#endif
