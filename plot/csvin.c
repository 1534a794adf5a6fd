#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "strbuf.h"
#include "strutil.h"

/* Messages hold a file name, a position and a shortened field value. */
#define CSVIN_ERR_CAP 8192
/* At most this many bytes of an offending value are quoted in a message. */
#define CSVIN_SHOW_MAX 40
#define CSVIN_READ_CHUNK 65536

/* Where the next field starts, as far as we know after the last byte. */
enum csvin_start {
	START_KNOWN,        /* fline/fcol hold it */
	START_NEXT,         /* at the next byte, whatever it is (after a delimiter) */
	START_NEXT_CONTENT, /* at the next byte that is not a line end (after a record) */
};

struct csvin_recfield {
	size_t off, len; /* in rec */
	unsigned long line, col;
};

struct csvin_row {
	struct csvin *c;
	struct csvin_field *f; /* one per schema column */
	unsigned long line, col;
};

struct csvin {
	const char *name;
	const char *const *cols;
	size_t ncols;
	size_t nrequired; /* columns [nrequired, ncols) are optional */
	struct csvin_limits lim;
	csvin_row_fn fn;
	void *ctx;

	struct csv_parser parser;
	int failed;
	int finished;
	struct strbuf err;
	size_t nbytes;
	size_t nrows;

	int have_header;
	size_t header_nfields;
	size_t *map; /* schema column -> header field index, SIZE_MAX if absent */

	/* The record being assembled: every field's bytes, each followed by a NUL. */
	struct strbuf rec;
	struct csvin_recfield fields[CSVIN_MAX_COLUMNS];
	size_t nfields;

	/* Position of the byte being parsed (after the last one, at the end). */
	unsigned long line, col;
	int after_cr;
	/* Start of the field being parsed and its raw bytes so far. */
	enum csvin_start start;
	unsigned long fline, fcol;
	size_t fraw;
	/* Set by the callbacks while one byte is parsed. */
	int fired;
	int row_ended;

	struct csvin_field *rowf;
};

void csvin_limits_default(struct csvin_limits *lim)
{
	lim->max_bytes = (size_t)CSVIN_MAX_BYTES_DEFAULT;
	lim->max_rows = (size_t)CSVIN_MAX_ROWS_DEFAULT;
	lim->max_field = (size_t)CSVIN_MAX_FIELD_DEFAULT;
}

/* libcsv's only allocator hook; ours never returns NULL, so CSV_ENOMEM
 * cannot happen. */
static void *csvin_realloc(void *p, size_t n)
{
	return xreallocarray(p, n, 1);
}

/* No byte counts as a space: libcsv would otherwise trim blanks around
 * unquoted fields and hide them from the schema's checks. */
static int csvin_no_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static void csvin_vfail_at(struct csvin *c, unsigned long line, unsigned long col,
                           const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void csvin_vfail_at(struct csvin *c, unsigned long line, unsigned long col,
                           const char *fmt, va_list ap)
{
	/* The first error is the one worth reading; later ones are its echoes. */
	if (c->failed)
		return;
	c->failed = 1;
	strbuf_reset(&c->err);
	strbuf_printf(&c->err, "%s:%lu:%lu: ", c->name, line, col);
	strbuf_vprintf(&c->err, fmt, ap);
}

static void csvin_fail_at(struct csvin *c, unsigned long line, unsigned long col,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void csvin_fail_at(struct csvin *c, unsigned long line, unsigned long col,
                          const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	csvin_vfail_at(c, line, col, fmt, ap);
	va_end(ap);
}

/* Append s[0..len) in double quotes, shortened and with anything but
 * printable ASCII as \xNN, so that a hostile value cannot forge lines on a
 * terminal. */
static void csvin_show(struct strbuf *sb, const char *s, size_t len)
{
	size_t i, n = len < CSVIN_SHOW_MAX ? len : CSVIN_SHOW_MAX;

	strbuf_append_byte(sb, '"');
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			strbuf_printf(sb, "\\x%02x", ch);
		else
			strbuf_append_byte(sb, ch);
	}
	strbuf_append_byte(sb, '"');
	if (n < len)
		strbuf_append_str(sb, "...");
}

static void csvin_on_field(void *s, size_t len, void *data)
{
	struct csvin *c = data;
	struct csvin_recfield *f;

	c->fired = 1;
	if (c->failed)
		return;
	if (c->nfields == CSVIN_MAX_COLUMNS) {
		csvin_fail_at(c, c->fline, c->fcol, "more than %d fields in a record",
		              CSVIN_MAX_COLUMNS);
		return;
	}
	if (len > 0 && memchr(s, '\0', len) != NULL) {
		csvin_fail_at(c, c->fline, c->fcol, "field contains a NUL byte");
		return;
	}
	f = &c->fields[c->nfields++];
	f->off = c->rec.len;
	f->len = len;
	f->line = c->fline;
	f->col = c->fcol;
	/* The field length is bounded before libcsv hands it over and the
	 * buffer's cap allows the widest record, so this cannot fail. */
	if (strbuf_append(&c->rec, s, len) < 0 || strbuf_append_byte(&c->rec, '\0') < 0)
		msg_panic("csvin: record buffer cap too small");
}

static int csvin_header(struct csvin *c)
{
	size_t i, j;

	for (i = 0; i < c->nfields; i++) {
		struct csvin_recfield *f = &c->fields[i];

		/* A byte-order mark is not part of the first column's name. */
		if (i == 0 && f->len >= 3 && memcmp(c->rec.data + f->off, "\xef\xbb\xbf", 3) == 0) {
			f->off += 3;
			f->len -= 3;
		}
	}
	for (i = 0; i < c->ncols; i++) {
		size_t found = c->nfields;

		for (j = 0; j < c->nfields; j++) {
			const struct csvin_recfield *f = &c->fields[j];

			if (!str_eq_nocase(c->rec.data + f->off, f->len, c->cols[i]))
				continue;
			if (found != c->nfields) {
				csvin_fail_at(c, f->line, f->col,
				              "column \"%s\" appears twice in the header (first at column %lu)",
				              c->cols[i], c->fields[found].col);
				return -1;
			}
			found = j;
		}
		if (found == c->nfields && i >= c->nrequired) {
			c->map[i] = SIZE_MAX;
			continue;
		}
		if (found == c->nfields) {
			csvin_fail_at(c, c->fields[0].line, c->fields[0].col,
			              "header lacks the required column \"%s\"", c->cols[i]);
			return -1;
		}
		c->map[i] = found;
	}
	c->header_nfields = c->nfields;
	c->have_header = 1;
	return 0;
}

static int csvin_data(struct csvin *c)
{
	struct csvin_row row;
	size_t i;

	if (c->nfields > c->header_nfields) {
		const struct csvin_recfield *extra = &c->fields[c->header_nfields];

		csvin_fail_at(c, extra->line, extra->col,
		              "record has more fields than the header's %zu", c->header_nfields);
		return -1;
	}
	if (c->nfields < c->header_nfields) {
		/* The record ended where the parser stands now. */
		csvin_fail_at(c, c->line, c->col, "record ends after %zu of the header's %zu fields",
		              c->nfields, c->header_nfields);
		return -1;
	}
	if (c->nrows == c->lim.max_rows) {
		csvin_fail_at(c, c->fields[0].line, c->fields[0].col, "more than %zu data records",
		              c->lim.max_rows);
		return -1;
	}
	c->nrows++;
	for (i = 0; i < c->ncols; i++) {
		const struct csvin_recfield *f;

		/* An optional column the header lacks reads as empty, placed
		 * where the record starts. */
		if (c->map[i] == SIZE_MAX) {
			c->rowf[i].s = "";
			c->rowf[i].len = 0;
			c->rowf[i].line = c->fields[0].line;
			c->rowf[i].col = c->fields[0].col;
			continue;
		}
		f = &c->fields[c->map[i]];
		c->rowf[i].s = c->rec.data + f->off;
		c->rowf[i].len = f->len;
		c->rowf[i].line = f->line;
		c->rowf[i].col = f->col;
	}
	row.c = c;
	row.f = c->rowf;
	row.line = c->fields[0].line;
	row.col = c->fields[0].col;
	if (c->fn(c->ctx, &row) < 0) {
		if (!c->failed)
			csvin_fail_at(c, row.line, row.col, "record rejected");
		return -1;
	}
	return 0;
}

static void csvin_on_row(int term, void *data)
{
	struct csvin *c = data;

	(void)term;
	c->fired = 1;
	c->row_ended = 1;
	if (c->failed)
		return;
	if (c->have_header)
		csvin_data(c);
	else
		csvin_header(c);
	c->nfields = 0;
	strbuf_reset(&c->rec);
}

struct csvin *csvin_new(const char *name, const char *const *cols, size_t ncols,
                        const struct csvin_limits *lim, csvin_row_fn fn, void *ctx)
{
	struct csvin *c;

	if (lim->max_bytes < (size_t)CSVIN_MAX_BYTES_MIN || lim->max_bytes > (size_t)CSVIN_MAX_BYTES_MAX ||
	    lim->max_rows < (size_t)CSVIN_MAX_ROWS_MIN || lim->max_rows > (size_t)CSVIN_MAX_ROWS_MAX ||
	    lim->max_field < (size_t)CSVIN_MAX_FIELD_MIN || lim->max_field > (size_t)CSVIN_MAX_FIELD_MAX)
		msg_panic("csvin_new: limits out of bounds");
	if (ncols == 0 || ncols > CSVIN_MAX_COLUMNS)
		msg_panic("csvin_new: bad schema of %zu columns", ncols);
	c = xcalloc(1, sizeof(*c));
	c->name = name;
	c->cols = cols;
	c->ncols = ncols;
	c->nrequired = ncols;
	c->lim = *lim;
	c->fn = fn;
	c->ctx = ctx;
	strbuf_init(&c->err, CSVIN_ERR_CAP);
	strbuf_append_str(&c->err, "");
	strbuf_init(&c->rec, CSVIN_MAX_COLUMNS * (lim->max_field + 1));
	c->map = xcalloc(ncols, sizeof(*c->map));
	c->rowf = xcalloc(ncols, sizeof(*c->rowf));
	c->line = 1;
	c->col = 1;
	c->start = START_NEXT_CONTENT;
	/* Strict quoting, NUL-terminated fields for the schema's parsers. */
	if (csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		msg_panic("csvin_new: csv_init failed");
	csv_set_realloc_func(&c->parser, csvin_realloc);
	csv_set_space_func(&c->parser, csvin_no_space);
	return c;
}

void csvin_free(struct csvin *c)
{
	if (c == NULL)
		return;
	csv_free(&c->parser);
	strbuf_release(&c->err);
	strbuf_release(&c->rec);
	free(c->map);
	free(c->rowf);
	free(c);
}

/* Move the position past one byte. A lone CR ends a line as LF does; the
 * LF of a CRLF pair does not end another. */
static void csvin_advance(struct csvin *c, unsigned char ch)
{
	if (ch == '\n') {
		if (!c->after_cr)
			c->line++;
		c->col = 1;
		c->after_cr = 0;
	} else if (ch == '\r') {
		c->line++;
		c->col = 1;
		c->after_cr = 1;
	} else {
		c->col++;
		c->after_cr = 0;
	}
}

void csvin_optional(struct csvin *c, size_t first)
{
	if (first > c->ncols || c->nbytes > 0 || c->finished)
		msg_panic("csvin_optional: column %zu of %zu, after %zu bytes", first, c->ncols,
		          c->nbytes);
	c->nrequired = first;
}

int csvin_has_column(const struct csvin *c, size_t col)
{
	if (col >= c->ncols)
		msg_panic("csvin_has_column: column %zu of %zu", col, c->ncols);
	return c->have_header && c->map[col] != SIZE_MAX;
}

int csvin_row_has(const struct csvin_row *row, size_t col)
{
	return csvin_has_column(row->c, col);
}

int csvin_feed(struct csvin *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	if (c->failed || c->finished)
		return -1;
	/*
	 * One byte at a time: libcsv's callbacks do not say where a field
	 * began, and this is the only way to know it, and to stop an overlong
	 * field at its limit instead of after libcsv has buffered it. The
	 * inputs are small (a report has a few thousand records), so the cost
	 * of a call per byte does not matter.
	 */
	for (i = 0; i < len; i++) {
		unsigned char ch = p[i];

		if (c->nbytes == c->lim.max_bytes) {
			csvin_fail_at(c, c->line, c->col, "input larger than %zu bytes", c->lim.max_bytes);
			return -1;
		}
		c->nbytes++;
		if (c->start == START_NEXT ||
		    (c->start == START_NEXT_CONTENT && ch != '\r' && ch != '\n')) {
			c->start = START_KNOWN;
			c->fline = c->line;
			c->fcol = c->col;
			c->fraw = 0;
		}
		c->fired = 0;
		c->row_ended = 0;
		if (csv_parse(&c->parser, &ch, 1, csvin_on_field, csvin_on_row, c) != 1) {
			csvin_fail_at(c, c->line, c->col,
			              "malformed quoting (a quote inside an unquoted field, or text after a closing quote)");
			return -1;
		}
		if (c->failed)
			return -1;
		if (c->fired) {
			c->start = c->row_ended ? START_NEXT_CONTENT : START_NEXT;
		} else if (c->start == START_KNOWN && ++c->fraw > c->lim.max_field) {
			csvin_fail_at(c, c->fline, c->fcol, "field longer than %zu bytes", c->lim.max_field);
			return -1;
		}
		csvin_advance(c, ch);
	}
	return 0;
}

int csvin_finish(struct csvin *c)
{
	if (c->failed || c->finished)
		return -1;
	c->finished = 1;
	/* A last field that ends at the end of input starts here if it has
	 * not started yet ("a,b," without a line end). */
	if (c->start != START_KNOWN) {
		c->fline = c->line;
		c->fcol = c->col;
	}
	if (csv_fini(&c->parser, csvin_on_field, csvin_on_row, c) != 0) {
		csvin_fail_at(c, c->fline, c->fcol, "quoted field not closed before the end of input");
		return -1;
	}
	if (c->failed)
		return -1;
	if (!c->have_header) {
		csvin_fail_at(c, 1, 1, "empty input: expected a header line");
		return -1;
	}
	return 0;
}

int csvin_read_file(struct csvin *c, const char *path)
{
	unsigned char *buf = NULL;
	struct stat st;
	int fd = -1, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		strbuf_reset(&c->err);
		strbuf_printf(&c->err, "%s: cannot open: %s", c->name, strerror(errno));
		c->failed = 1;
		goto out;
	}
	/* Refuse a regular file that is too large before reading any of it. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > c->lim.max_bytes) {
		strbuf_reset(&c->err);
		strbuf_printf(&c->err, "%s: larger than %zu bytes", c->name, c->lim.max_bytes);
		c->failed = 1;
		goto out;
	}
	buf = xmalloc(CSVIN_READ_CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, CSVIN_READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_reset(&c->err);
			strbuf_printf(&c->err, "%s: cannot read: %s", c->name, strerror(errno));
			c->failed = 1;
			goto out;
		}
		if (n == 0)
			break;
		if (csvin_feed(c, buf, (size_t)n) < 0)
			goto out;
	}
	if (csvin_finish(c) < 0)
		goto out;
	rc = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

const char *csvin_error(const struct csvin *c)
{
	return c->err.data;
}

size_t csvin_rows(const struct csvin *c)
{
	return c->nrows;
}

const struct csvin_field *csvin_row_field(const struct csvin_row *row, size_t col)
{
	if (col >= row->c->ncols)
		msg_panic("csvin_row_field: column %zu of %zu", col, row->c->ncols);
	return &row->f[col];
}

unsigned long csvin_row_line(const struct csvin_row *row)
{
	return row->line;
}

unsigned long csvin_row_col(const struct csvin_row *row)
{
	return row->col;
}

int csvin_row_fail(const struct csvin_row *row, size_t col, const char *fmt, ...)
{
	struct csvin *c = row->c;
	const struct csvin_field *f = csvin_row_field(row, col);
	va_list ap;

	if (c->failed)
		return -1;
	c->failed = 1;
	strbuf_reset(&c->err);
	strbuf_printf(&c->err, "%s:%lu:%lu: %s: ", c->name, f->line, f->col, c->cols[col]);
	va_start(ap, fmt);
	strbuf_vprintf(&c->err, fmt, ap);
	va_end(ap);
	strbuf_append_str(&c->err, ": ");
	csvin_show(&c->err, f->s, f->len);
	return -1;
}

int csvin_row_fail_at(const struct csvin_row *row, unsigned long line, unsigned long col,
                      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	csvin_vfail_at(row->c, line, col, fmt, ap);
	va_end(ap);
	return -1;
}
