/*
 * csvout - a CSV file built in memory, row by row, and written out in the
 * encoding its readers need:
 *
 *   utf-8      UTF-8, lines end in LF (the default; what scripts read)
 *   utf-8-bom  UTF-8 with a byte-order mark, lines end in CRLF: Excel on
 *              Windows then opens Japanese text correctly
 *   cp932      Windows-31J (Microsoft's Shift_JIS, which has the circled
 *              digits), lines end in CRLF: legacy Japanese systems
 *
 * Text fields that hold a comma, a quote or a line break are quoted by
 * libcsv (csv_write); others are written as they are, as RFC 4180 allows,
 * so that plain readers (awk -F,) still split the file.
 *
 * Every field is safe to open in a spreadsheet (OWASP's advice on CSV
 * injection): one that starts with = + - @, a tab or a carriage return is
 * written after a single quote, unless it is a decimal number (-42, 6.05,
 * 93.67%) or the lone "-", which no spreadsheet reads as a formula. Text
 * that is not valid UTF-8, C1 controls and bidirectional formatting
 * characters are replaced by U+FFFD; in CP932, which has no U+FFFD, they and
 * any character CP932 cannot encode are replaced by "?" (csvout_replaced
 * counts them), so that one bad name in a store never fails a report. The
 * conversion from UTF-8 is iconv's.
 */
#ifndef ARSTAT_AGGREGATOR_CSVOUT_H
#define ARSTAT_AGGREGATOR_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

/* A report never comes near this; it bounds a runaway. */
#define CSVOUT_MAX_BYTES (256 * 1024 * 1024)

enum csvout_encoding { CSVOUT_UTF8, CSVOUT_UTF8_BOM, CSVOUT_CP932 };

/* Parse "utf-8", "utf-8-bom" or "cp932" (also "shift_jis", "sjis"). 0 or -1. */
int csvout_encoding_parse(const char *s, enum csvout_encoding *out);
const char *csvout_encoding_name(enum csvout_encoding e);

struct csvout;

/* Never returns NULL. */
struct csvout *csvout_new(enum csvout_encoding enc);
/* csvout_free(NULL) is a no-op. */
void csvout_free(struct csvout *o);

/* Append a field to the current row (csvout_printf's text is a field like
 * csvout_text's, made safe the same way). A failure (the buffer cap, a
 * field over 64 KiB) is remembered and reported by csvout_write. */
void csvout_text(struct csvout *o, const char *s);
void csvout_int(struct csvout *o, int64_t v);
void csvout_empty(struct csvout *o);
void csvout_printf(struct csvout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* End the current row. */
void csvout_end_row(struct csvout *o);

/* Characters of text fields replaced so far (see above); a caller warns. */
size_t csvout_replaced(const struct csvout *o);

/* The UTF-8 text built so far (without BOM, with the encoding's line ends). */
const char *csvout_data(const struct csvout *o, size_t *len);

/*
 * Write the file in its encoding to fp. 0, or -1 with err: the buffer cap
 * was reached, iconv is missing the conversion, or writing failed (a
 * character without an encoding in the target cannot reach here; should one,
 * err names its line).
 */
int csvout_write(const struct csvout *o, FILE *fp, struct strbuf *err);

#endif
