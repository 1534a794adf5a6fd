#include "csvout.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "mem.h"
#include "strutil.h"

/* Longest field written with csvout_printf (numbers, shares). */
#define CSVOUT_FIELD_MAX 1024
/* iconv output chunk. */
#define CSVOUT_CHUNK 65536

struct csvout {
	enum csvout_encoding enc;
	struct strbuf buf;
	int row_started;
	int failed;
	unsigned char *quoted; /* scratch for csv_write */
	size_t quoted_alloc;
	struct strbuf field;   /* scratch: a text field made safe */
	size_t replaced;       /* characters replaced in text fields */
	iconv_t cp932;         /* CSVOUT_CP932: to test a character's encoding */
};

/* What replaces a character a text field must not carry: U+FFFD, or in
 * CP932, which has no U+FFFD, a question mark. */
#define CSVOUT_REPLACEMENT "\xEF\xBF\xBD"
/* The bytes a spreadsheet reads as the start of a formula (OWASP's list):
 * a text field beginning with one is written after a single quote. */
#define CSVOUT_FORMULA_START "=+-@\t\r"
/* A text field longer than this fails the file like an overlong printf
 * field: it bounds the scratch a field is made safe in. */
#define CSVOUT_TEXT_MAX (64 * 1024)

int csvout_encoding_parse(const char *s, enum csvout_encoding *out)
{
	if (strcmp(s, "utf-8") == 0 || strcmp(s, "utf8") == 0) {
		*out = CSVOUT_UTF8;
		return 0;
	}
	if (strcmp(s, "utf-8-bom") == 0 || strcmp(s, "utf8-bom") == 0) {
		*out = CSVOUT_UTF8_BOM;
		return 0;
	}
	if (strcmp(s, "cp932") == 0 || strcmp(s, "shift_jis") == 0 || strcmp(s, "sjis") == 0) {
		*out = CSVOUT_CP932;
		return 0;
	}
	return -1;
}

const char *csvout_encoding_name(enum csvout_encoding e)
{
	switch (e) {
	case CSVOUT_UTF8:
		return "utf-8";
	case CSVOUT_UTF8_BOM:
		return "utf-8-bom";
	case CSVOUT_CP932:
		return "cp932";
	}
	return "?";
}

struct csvout *csvout_new(enum csvout_encoding enc)
{
	struct csvout *o = xcalloc(1, sizeof(*o));

	o->enc = enc;
	strbuf_init(&o->buf, CSVOUT_MAX_BYTES);
	/* Room for every byte of a field replaced by three, and the quote. */
	strbuf_init(&o->field, 3 * CSVOUT_TEXT_MAX + 2);
	o->cp932 = (iconv_t)-1;
	if (enc == CSVOUT_CP932)
		o->cp932 = iconv_open("CP932", "UTF-8");
	return o;
}

void csvout_free(struct csvout *o)
{
	if (o == NULL)
		return;
	strbuf_release(&o->buf);
	strbuf_release(&o->field);
	if (o->cp932 != (iconv_t)-1)
		iconv_close(o->cp932);
	free(o->quoted);
	free(o);
}

static void csvout_append(struct csvout *o, const void *data, size_t len)
{
	if (!o->failed && strbuf_append(&o->buf, data, len) < 0)
		o->failed = 1;
}

static void csvout_sep(struct csvout *o)
{
	if (o->row_started)
		csvout_append(o, ",", 1);
	o->row_started = 1;
}

/* A decimal number as the report writes them (-42, 6.05, 93.67%), or the
 * lone "-" of a figure without data: a spreadsheet reads neither as a
 * formula, so they are written as they are. */
static int csvout_is_number(const char *s)
{
	size_t i = 0;

	if (s[0] == '-' && s[1] == '\0')
		return 1;
	if (s[i] == '-')
		i++;
	if (s[i] < '0' || s[i] > '9')
		return 0;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (s[i] == '.') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (s[i] == '%')
		i++;
	return s[i] == '\0';
}

/* 1 if the CP932 file can hold character c (n bytes of valid UTF-8). */
static int csvout_cp932_has(struct csvout *o, const char *c, size_t n)
{
	char out[8], *in = (char *)(uintptr_t)c, *op = out;
	size_t inleft = n, outleft = sizeof(out);

	if (o->cp932 == (iconv_t)-1)
		return 1; /* csvout_write reports the missing conversion */
	iconv(o->cp932, NULL, NULL, NULL, NULL);
	return iconv(o->cp932, &in, &inleft, &op, &outleft) != (size_t)-1 && inleft == 0;
}

/*
 * s made safe to open in a spreadsheet, into o->field: a leading formula
 * byte (CSVOUT_FORMULA_START) gets a single quote before it unless s is a
 * number; bytes that are not valid UTF-8, C1 controls and bidirectional
 * formatting characters (a stored name may hold them: the store only
 * refuses C0 controls), and in CP932 any character it cannot encode, are
 * replaced and counted. Returns the field; len is at most CSVOUT_TEXT_MAX.
 */
static const char *csvout_safe(struct csvout *o, const char *s, size_t len)
{
	const char *repl = o->enc == CSVOUT_CP932 ? "?" : CSVOUT_REPLACEMENT;
	size_t i = 0, n;
	uint32_t cp;

	strbuf_reset(&o->field);
	if (len > 0 && strchr(CSVOUT_FORMULA_START, s[0]) != NULL && !csvout_is_number(s))
		strbuf_append_byte(&o->field, '\'');
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			strbuf_append_byte(&o->field, (unsigned char)s[i++]);
			continue;
		}
		n = str_utf8_decode(s + i, len - i, &cp);
		if (n == 0 || str_is_control_or_bidi(cp) ||
		    (o->enc == CSVOUT_CP932 && !csvout_cp932_has(o, s + i, n))) {
			strbuf_append_str(&o->field, repl);
			o->replaced++;
			i += n > 0 ? n : 1;
			continue;
		}
		strbuf_append(&o->field, s + i, n);
		i += n;
	}
	return o->field.data != NULL ? o->field.data : "";
}

/* A text field: anything but plain printable ASCII that starts like no
 * formula goes through csvout_safe first. */
void csvout_text(struct csvout *o, const char *s)
{
	size_t len = strlen(s), need, i;

	csvout_sep(o);
	if (len > CSVOUT_TEXT_MAX) {
		o->failed = 1;
		return;
	}
	for (i = 0; i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F; i++)
		;
	if (i < len || (len > 0 && strchr(CSVOUT_FORMULA_START, s[0]) != NULL)) {
		s = csvout_safe(o, s, len);
		len = strlen(s);
	}
	if (strpbrk(s, ",\"\r\n") == NULL) {
		csvout_append(o, s, len);
		return;
	}
	/* csv_write returns the size the quoted field needs, whether or not it
	 * fits, so one call sizes the buffer and the second fills it. */
	need = csv_write(NULL, 0, s, len);
	if (need > o->quoted_alloc) {
		free(o->quoted);
		o->quoted = xmalloc(need);
		o->quoted_alloc = need;
	}
	if (csv_write(o->quoted, o->quoted_alloc, s, len) != need) {
		o->failed = 1;
		return;
	}
	csvout_append(o, o->quoted, need);
}

void csvout_int(struct csvout *o, int64_t v)
{
	csvout_printf(o, "%lld", (long long)v);
}

void csvout_empty(struct csvout *o)
{
	csvout_sep(o);
}

void csvout_printf(struct csvout *o, const char *fmt, ...)
{
	char field[CSVOUT_FIELD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(field, sizeof(field), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(field)) {
		o->failed = 1;
		return;
	}
	csvout_text(o, field);
}

void csvout_end_row(struct csvout *o)
{
	if (o->enc == CSVOUT_UTF8)
		csvout_append(o, "\n", 1);
	else
		csvout_append(o, "\r\n", 2);
	o->row_started = 0;
}

size_t csvout_replaced(const struct csvout *o)
{
	return o->replaced;
}

const char *csvout_data(const struct csvout *o, size_t *len)
{
	*len = o->buf.len;
	return o->buf.data != NULL ? o->buf.data : "";
}

/* The line (from 1) holding byte off of the UTF-8 text. */
static size_t csvout_line_of(const struct csvout *o, size_t off)
{
	size_t i, line = 1;

	for (i = 0; i < off && i < o->buf.len; i++)
		line += o->buf.data[i] == '\n';
	return line;
}

static int csvout_write_cp932(const struct csvout *o, FILE *fp, struct strbuf *err)
{
	iconv_t cd = iconv_open("CP932", "UTF-8");
	char out[CSVOUT_CHUNK];
	char *in = o->buf.data, *op;
	size_t inleft = o->buf.len, outleft;
	int rc = -1;

	if (cd == (iconv_t)-1) {
		strbuf_printf(err, "iconv: no conversion from UTF-8 to CP932: %s", strerror(errno));
		return -1;
	}
	while (inleft > 0) {
		op = out;
		outleft = sizeof(out);
		if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1 && errno != E2BIG) {
			strbuf_printf(err, "line %zu: %s", csvout_line_of(o, (size_t)(in - o->buf.data)),
			              errno == EILSEQ ? "a character has no CP932 encoding"
			                              : "incomplete UTF-8 text");
			goto out;
		}
		if (fwrite(out, 1, sizeof(out) - outleft, fp) != sizeof(out) - outleft) {
			strbuf_printf(err, "write error: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	iconv_close(cd);
	return rc;
}

int csvout_write(const struct csvout *o, FILE *fp, struct strbuf *err)
{
	static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };

	if (o->failed) {
		strbuf_printf(err, "report larger than %d bytes, or a field too long",
		              CSVOUT_MAX_BYTES);
		return -1;
	}
	if (o->enc == CSVOUT_CP932)
		return csvout_write_cp932(o, fp, err);
	if ((o->enc == CSVOUT_UTF8_BOM && fwrite(bom, 1, sizeof(bom), fp) != sizeof(bom)) ||
	    (o->buf.len > 0 && fwrite(o->buf.data, 1, o->buf.len, fp) != o->buf.len)) {
		strbuf_printf(err, "write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}
