/*
 * declare - what carriers declare that no log holds: per carrier and month,
 * the mailbox accounts (アカウント数) and the accounts using a spam filter
 * (フィルタ利用者数), the two rows of the ministry's spam table the
 * collectors cannot count (issue 13).
 *
 * A declaration is a CSV file (UTF-8, an optional BOM, LF or CRLF line ends;
 * config/declaration.csv.example):
 *
 *   # lines starting with '#' and empty lines are passed over
 *   carrier,month,accounts,filter_users
 *   jp-alpha,2026-10,1250000,830000
 *
 * The header is exactly that line. Each row: a registered carrier's id, a
 * month "YYYY-MM" not after the current one, and two whole numbers of at
 * most DECLARE_ACCOUNTS_MAX, filter_users not above accounts; at most one
 * row per carrier and month. No field is quoted (none needs to be). The
 * file is the carrier's, so untrusted: every bad row is named by its line
 * and reason, and a file with any bad row stores nothing.
 */
#ifndef ARSTAT_AGGREGATOR_DECLARE_H
#define ARSTAT_AGGREGATOR_DECLARE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "strbuf.h"

struct carriers;

/* A declaration file's bytes at most (about 20,000 rows). */
#define DECLARE_FILE_MAX (1024 * 1024)
/* A line's bytes at most, its line end aside. */
#define DECLARE_LINE_MAX 200
/* Accounts of one carrier at most: eight times Japan's population, so no
 * real carrier comes near it, and a typo of a few digits too many does. */
#define DECLARE_ACCOUNTS_MAX INT64_C(1000000000)
/* Bad rows named one by one; the rest are counted. */
#define DECLARE_ERRORS_MAX 50

/* The header line, without its line end. */
#define DECLARE_HEADER "carrier,month,accounts,filter_users"

/* The rows of a parsed declaration; their strings point into text. */
struct declare_set {
	struct store_declared *rows;
	size_t n, alloc;
	size_t *lines; /* each row's line number */
	char *text;    /* a copy of the file's bytes, cut into fields */
};

/*
 * Parse a declaration's len bytes at data against the register reg (a row
 * of a carrier not in it is bad), for the months up to now_ms's (UTC).
 * Returns the number of bad rows: 0 with the rows in out; otherwise one line
 * "line N: reason" per bad row (at most DECLARE_ERRORS_MAX, then a line
 * counting the rest) appended to errors, and out empty. A file without a
 * header or without a row is one bad line. out is released with
 * declare_set_release, also after a failure.
 */
size_t declare_parse(const char *data, size_t len, const struct carriers *reg, int64_t now_ms,
                     struct declare_set *out, struct strbuf *errors);
void declare_set_release(struct declare_set *s);

/* What declare_file stored. */
struct declare_result {
	int64_t id;   /* the declaration's id in the store */
	size_t rows;
	char sha256[65];
};

/*
 * Read the declaration at path (at most DECLARE_FILE_MAX bytes), parse it as
 * declare_parse does and store it, with now_ms, path and the SHA-256 of its
 * bytes, in one transaction of st. 0 with res; or -1 with err (the file
 * cannot be read or is too long, its bad rows each "PATH:N: reason", or the
 * store failed) and nothing stored.
 */
int declare_file(struct store *st, const struct carriers *reg, const char *path, int64_t now_ms,
                 struct declare_result *res, struct strbuf *err);

#endif
