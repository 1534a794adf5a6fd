/*
 * declare - a carrier's declaration of accounts and filter users (declare.h):
 * parsed strictly, every bad row named, stored whole or not at all.
 */
#include "declare.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carriers.h"
#include "digest.h"
#include "htable.h"
#include "mem.h"
#include "numparse.h"
#include "record_batch.h"
#include "report.h"
#include "strutil.h"
#include "timeutil.h"

#define DECLARE_NFIELDS 4

/* The parse's state: what is reported, how many bad rows (a row may have
 * several reasons), and the rows seen by carrier and month. */
struct declare_ctx {
	struct strbuf *errors;
	size_t bad, reasons, last_line;
	struct htable *seen; /* "carrier,month" -> its line */
};

/* Count a bad row and name its reason, unless DECLARE_ERRORS_MAX are named. */
__attribute__((format(printf, 3, 4)))
static void declare_bad(struct declare_ctx *c, size_t line, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	/* Lines come in order, so a new line is a new bad row. */
	if (c->bad == 0 || line != c->last_line)
		c->bad++;
	c->last_line = line;
	if (c->reasons++ >= DECLARE_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	strbuf_printf(c->errors, "line %zu: %s\n", line, why);
}

/* A count field: 0 and *out, or -1 after naming what is wrong with it. */
static int declare_count(struct declare_ctx *c, size_t line, const char *name, const char *s,
                         int64_t *out)
{
	size_t i, len = strlen(s);

	if (len == 0) {
		declare_bad(c, line, "%s is empty", name);
		return -1;
	}
	if (s[0] == '-') {
		declare_bad(c, line, "%s is negative", name);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			declare_bad(c, line, "%s is not a whole number (digits only, no sign, "
			            "separator or blank)", name);
			return -1;
		}
	}
	if (num_parse_i64(s, len, 0, DECLARE_ACCOUNTS_MAX, out) < 0) {
		declare_bad(c, line, "%s is more than %lld, not a plausible number of accounts", name,
		            (long long)DECLARE_ACCOUNTS_MAX);
		return -1;
	}
	return 0;
}

/* The line of an earlier row of the same carrier and month, or 0 after
 * noting this one's: a file of many rows is checked in one pass. */
static size_t declare_earlier(struct declare_ctx *c, const char *carrier, const char *month,
                              size_t line)
{
	char key[128];
	int n = snprintf(key, sizeof(key), "%s,%s", carrier, month);
	void *hit;

	/* A checked id and month are short; the bound only keeps snprintf honest. */
	if (n < 0 || (size_t)n >= sizeof(key))
		return 0;
	hit = htable_find(c->seen, key, (size_t)n);
	if (hit != NULL)
		return (size_t)(uintptr_t)hit;
	htable_insert(c->seen, key, (size_t)n, (void *)(uintptr_t)line);
	return 0;
}

/* Check one row (its fields cut, NUL-terminated) and keep it if good. */
static void declare_row(struct declare_ctx *c, struct declare_set *s, size_t line,
                        char **f, int now_year, int now_month, const struct carriers *reg)
{
	struct strbuf why;
	int64_t accounts = 0, filter_users = 0;
	int year, month, bad = 0;
	size_t earlier, old_alloc;

	strbuf_init(&why, 256);
	/* The id is named only once it is known to be an id: the file is
	 * untrusted, and the message goes to a log and a terminal. */
	if (record_carrier_check(f[0], &why) < 0) {
		declare_bad(c, line, "carrier is not a carrier id (a-z or 0-9, then a-z, 0-9, '.', "
		            "'_' or '-'; at most 63 bytes)");
		bad = 1;
	} else if (carriers_find(reg, f[0]) == NULL) {
		declare_bad(c, line, "carrier %s is not registered (carrier.%s.name in the settings)",
		            f[0], f[0]);
		bad = 1;
	}
	if (time_parse_month(f[1], strlen(f[1]), &year, &month) < 0 || year < REPORT_YEAR_MIN) {
		declare_bad(c, line, "month is not YYYY-MM (e.g. 2026-10; years from %d)",
		            REPORT_YEAR_MIN);
		bad = 1;
	} else if (year > now_year || (year == now_year && month > now_month)) {
		declare_bad(c, line, "month %s has not begun yet", f[1]);
		bad = 1;
	}
	if (declare_count(c, line, "accounts", f[2], &accounts) < 0)
		bad = 1;
	if (declare_count(c, line, "filter_users", f[3], &filter_users) < 0)
		bad = 1;
	if (!bad && filter_users > accounts) {
		declare_bad(c, line, "filter_users (%lld) is more than accounts (%lld)",
		            (long long)filter_users, (long long)accounts);
		bad = 1;
	}
	if (!bad) {
		earlier = declare_earlier(c, f[0], f[1], line);
		if (earlier != 0) {
			declare_bad(c, line, "carrier %s, month %s is declared on line %zu already",
			            f[0], f[1], earlier);
			bad = 1;
		}
	}
	strbuf_release(&why);
	if (bad)
		return;
	old_alloc = s->alloc;
	s->rows = xgrow(s->rows, s->n + 1, &s->alloc, sizeof(*s->rows), 16);
	if (s->alloc != old_alloc)
		s->lines = xreallocarray(s->lines, s->alloc, sizeof(*s->lines));
	s->rows[s->n].carrier = f[0];
	s->rows[s->n].month = f[1];
	s->rows[s->n].accounts = accounts;
	s->rows[s->n].filter_users = filter_users;
	s->lines[s->n] = line;
	s->n++;
}

/* Cut a line of exactly DECLARE_NFIELDS fields (NUL-terminated) at its
 * commas into f. */
static void declare_fields(char *line, char **f)
{
	size_t n;
	char *p = line, *comma;

	for (n = 0; n < DECLARE_NFIELDS; n++) {
		f[n] = p;
		comma = strchr(p, ',');
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
}

/* Count the commas of a line, for the message of a wrong number of fields. */
static size_t declare_commas(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == ',';
	return n;
}

size_t declare_parse(const char *data, size_t len, const struct carriers *reg, int64_t now_ms,
                     struct declare_set *out, struct strbuf *errors)
{
	struct declare_ctx c = { errors, 0, 0, 0, NULL };
	char *f[DECLARE_NFIELDS] = { NULL }; /* filled per row by the split; zeroed for GCC -O2 */
	size_t pos = 0, line = 0, n, linelen;
	int64_t days, y;
	unsigned mo, d;
	int header = 0;
	char *p, *end;

	memset(out, 0, sizeof(*out));
	c.seen = htable_new(64);
	days = time_floor_div(now_ms, 86400000);
	time_civil_from_days(days, &y, &mo, &d);
	out->text = xmalloc(len + 1);
	memcpy(out->text, data, len);
	out->text[len] = '\0';
	/* A BOM, as spreadsheets save UTF-8. */
	if (len >= 3 && memcmp(out->text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		p = out->text + pos;
		end = memchr(p, '\n', len - pos);
		linelen = end != NULL ? (size_t)(end - p) : len - pos;
		pos += linelen + (end != NULL);
		line++;
		p[linelen] = '\0';
		if (linelen > 0 && p[linelen - 1] == '\r')
			p[--linelen] = '\0';
		if (strlen(p) != linelen) {
			declare_bad(&c, line, "holds a NUL byte");
			continue;
		}
		if (linelen == 0 || p[0] == '#')
			continue;
		if (linelen > DECLARE_LINE_MAX) {
			declare_bad(&c, line, "longer than %d bytes", DECLARE_LINE_MAX);
			continue;
		}
		if (!header) {
			if (strcmp(p, DECLARE_HEADER) != 0) {
				declare_bad(&c, line, "the header must be %s", DECLARE_HEADER);
				/* Without it the rows cannot be read as meant. */
				break;
			}
			header = 1;
			continue;
		}
		if (strchr(p, '"') != NULL) {
			declare_bad(&c, line, "holds a quote; no field needs quoting");
			continue;
		}
		n = declare_commas(p) + 1;
		if (n != DECLARE_NFIELDS) {
			declare_bad(&c, line, "%zu field(s), not %d (%s)", n, DECLARE_NFIELDS,
			            DECLARE_HEADER);
			continue;
		}
		declare_fields(p, f);
		declare_row(&c, out, line, f, (int)y, (int)mo, reg);
	}
	if (c.bad == 0 && !header)
		declare_bad(&c, line, "no header: the file must begin with %s", DECLARE_HEADER);
	else if (c.bad == 0 && out->n == 0)
		declare_bad(&c, line, "no row: the file declares nothing");
	if (c.reasons > DECLARE_ERRORS_MAX)
		strbuf_printf(errors, "and %zu more reason(s) in later rows\n",
		              c.reasons - DECLARE_ERRORS_MAX);
	if (c.bad > 0)
		out->n = 0;
	htable_free(c.seen, NULL);
	return c.bad;
}

void declare_set_release(struct declare_set *s)
{
	free(s->rows);
	free(s->lines);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

/* The file's bytes, at most DECLARE_FILE_MAX, into *data (the caller frees
 * it) and *len. 0, or -1 with err. */
static int declare_read(const char *path, char **data, size_t *len, struct strbuf *err)
{
	FILE *fp = fopen(path, "rb");
	size_t n;
	int rc = -1;

	*data = NULL;
	*len = 0;
	if (fp == NULL) {
		strbuf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	*data = xmalloc(DECLARE_FILE_MAX + 1);
	/* One byte more than allowed tells a file too long from one just long enough. */
	n = fread(*data, 1, DECLARE_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		strbuf_printf(err, "%s: read error", path);
		goto out;
	}
	if (n > DECLARE_FILE_MAX) {
		strbuf_printf(err, "%s: longer than %d bytes, not a declaration", path,
		              DECLARE_FILE_MAX);
		goto out;
	}
	*len = n;
	rc = 0;
out:
	fclose(fp);
	if (rc < 0) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

int declare_file(struct store *st, const struct carriers *reg, const char *path, int64_t now_ms,
                 struct declare_result *res, struct strbuf *err)
{
	unsigned char sum[DIGEST_SHA256_LEN];
	struct declare_set set;
	struct strbuf bad;
	const char *p, *nl;
	char *data = NULL, *full = NULL;
	size_t len, nbad;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&set, 0, sizeof(set));
	strbuf_init(&bad, 16384);
	if (declare_read(path, &data, &len, err) < 0)
		goto out;
	digest_sha256(data, len, sum);
	str_hex(sum, sizeof(sum), res->sha256);
	nbad = declare_parse(data, len, reg, now_ms, &set, &bad);
	if (nbad > 0) {
		strbuf_printf(err, "%s: %zu bad row(s), nothing stored:\n", path, nbad);
		/* Each "line N: why" as "PATH:N: why", as compilers name a line. */
		for (p = bad.data; p != NULL && *p != '\0'; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				break;
			if (strncmp(p, "line ", 5) == 0)
				strbuf_printf(err, "%s:%.*s\n", path, (int)(nl - p - 5), p + 5);
			else
				strbuf_printf(err, "%.*s\n", (int)(nl - p), p);
		}
		goto out;
	}
	/* The file is named as it was found, not as a working directory saw it. */
	full = realpath(path, NULL);
	if (store_begin(st, err) < 0)
		goto out;
	if (store_add_declaration(st, now_ms, full != NULL ? full : path, res->sha256, set.rows, set.n, &res->id,
	                          err) < 0) {
		store_rollback(st);
		goto out;
	}
	if (store_commit(st, err) < 0)
		goto out;
	res->rows = set.n;
	rc = 0;
out:
	declare_set_release(&set);
	strbuf_release(&bad);
	free(data);
	free(full);
	return rc;
}
