/*
 * csvin - a bounded CSV reader over libcsv that finds columns by name and
 * reports every problem as "FILE:LINE:COLUMN: reason".
 *
 * The first record is the header. A schema lists the columns a reader wants;
 * they are looked up by name (ASCII case-insensitive), so the writer may
 * order them as it likes and add columns of its own, which are ignored. A
 * wanted column missing from the header is an error, unless the reader was
 * told it is optional (csvin_optional): then every record reads it as an
 * empty field, and csvin_has_column() says it was not there. Every data
 * record must have as many fields as the header. Blank lines are skipped; LF and CRLF
 * line ends are accepted; quoting follows RFC 4180 strictly (a quote inside
 * an unquoted field, text after a closing quote and an unterminated quote
 * are errors). Nothing is trimmed: " 12" stays " 12", so a number with a
 * space in it is the schema's to reject. A UTF-8 byte-order mark before the
 * header is ignored, because spreadsheets write one.
 *
 * LINE is the 1-based physical line, COLUMN the 1-based byte in that line
 * where the offending field starts (or, for a short record, where it ends).
 *
 * Input arrives in chunks of any size, split anywhere; the result does not
 * depend on where the splits fall.
 */
#ifndef ARSTAT_CSVIN_H
#define ARSTAT_CSVIN_H

#include <stddef.h>

/* Hard bounds of the limits; callers' configuration tables use these. */
#define CSVIN_MAX_BYTES_DEFAULT (16L * 1024 * 1024)
#define CSVIN_MAX_BYTES_MIN 1024L
#define CSVIN_MAX_BYTES_MAX (1024L * 1024 * 1024)
#define CSVIN_MAX_ROWS_DEFAULT 100000L
#define CSVIN_MAX_ROWS_MIN 1L
#define CSVIN_MAX_ROWS_MAX 10000000L
#define CSVIN_MAX_FIELD_DEFAULT 256L
#define CSVIN_MAX_FIELD_MIN 32L
#define CSVIN_MAX_FIELD_MAX 65536L
/* Fields per record; a record with more is an error. Not configurable: the
 * widest file arstat writes has 33 columns (report_schema.h REPORT_M_NCOLS). */
#define CSVIN_MAX_COLUMNS 64

struct csvin_limits {
	size_t max_bytes; /* the whole input */
	size_t max_rows;  /* data records, the header not counted */
	size_t max_field; /* one field as written in the file, quotes included */
};

/* Fill lim with the defaults above. */
void csvin_limits_default(struct csvin_limits *lim);

struct csvin_field {
	const char *s;      /* NUL-terminated (a NUL inside a field is an error) */
	size_t len;
	unsigned long line; /* where the field starts */
	unsigned long col;
};

/* One data record, valid only during the row callback. */
struct csvin_row;

/* The field of schema column `col` (an index into the schema passed to
 * csvin_new). Never NULL. */
const struct csvin_field *csvin_row_field(const struct csvin_row *row, size_t col);
/* Whether schema column `col` is in the header (always, for a required one). */
int csvin_row_has(const struct csvin_row *row, size_t col);
/* Where the record starts. */
unsigned long csvin_row_line(const struct csvin_row *row);
unsigned long csvin_row_col(const struct csvin_row *row);
/*
 * Record an error at schema column `col` of this record, as
 * "FILE:LINE:COLUMN: NAME: message". Always returns -1, so that a row
 * callback can end with `return csvin_row_fail(...)`.
 */
int csvin_row_fail(const struct csvin_row *row, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same at an explicit position and without a column name. */
int csvin_row_fail_at(const struct csvin_row *row, unsigned long line, unsigned long c,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Called once per data record; returns 0, or -1 after csvin_row_fail(). */
typedef int (*csvin_row_fn)(void *ctx, const struct csvin_row *row);

struct csvin;

/*
 * A reader for input called `name` (used in messages; not copied, must
 * outlive the reader) wanting the `ncols` columns named in `cols` (not
 * copied either). Limits outside the hard bounds are our bug and panic.
 * Never returns NULL.
 */
struct csvin *csvin_new(const char *name, const char *const *cols, size_t ncols,
                        const struct csvin_limits *lim, csvin_row_fn fn, void *ctx);
void csvin_free(struct csvin *c);
/*
 * Make schema columns [first, ncols) optional: a header without them is
 * accepted (for columns a newer writer adds). Call before the first feed;
 * later is our bug and panics.
 */
void csvin_optional(struct csvin *c, size_t first);
/* Whether schema column `col` was in the header; 0 before the header. */
int csvin_has_column(const struct csvin *c, size_t col);
/*
 * Parse the next chunk. Returns 0, or -1 when the input is malformed, too
 * large, or the row callback failed; the reader then stays failed and
 * csvin_error() says why.
 */
int csvin_feed(struct csvin *c, const void *buf, size_t len);
/* End of input: flushes a last record without a line end. 0 or -1. */
int csvin_finish(struct csvin *c);
/* Feed a whole file and finish. A file that cannot be read is an error
 * like any other ("FILE: reason"). 0 or -1. */
int csvin_read_file(struct csvin *c, const char *path);
/* The error message after a failure ("" before one). Owned by the reader. */
const char *csvin_error(const struct csvin *c);
/* Number of data records passed to the callback so far. */
size_t csvin_rows(const struct csvin *c);

#endif
