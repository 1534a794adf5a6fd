/*
 * numparse - the one checked number parser (no atoi, no sscanf), and its
 * counterpart for writing numbers where printf's cost shows.
 */
#ifndef ARSTAT_NUMPARSE_H
#define ARSTAT_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse exactly `len` bytes of `s` as a decimal integer with an optional
 * leading '-', and check min <= value <= max. Returns 0 and sets *out, or -1
 * (empty, non-digit, overflow, out of range); *out is untouched on failure.
 */
int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* Same for a NUL-terminated string. */
int num_parse_i64_str(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parse a 64-bit unsigned hexadecimal number of 1..16 digits. */
int num_parse_hex_u64(const char *s, size_t len, uint64_t *out);

/* The decimal digits of v, with '-' if negative, into buf (at least
 * NUM_I64_DIGITS_MAX bytes; no NUL). Returns the number of bytes written. */
#define NUM_I64_DIGITS_MAX 20
size_t num_format_i64(char *buf, int64_t v);
/* The same for an unsigned number (at most 20 digits). */
size_t num_format_u64(char *buf, uint64_t v);

#endif
