/*
 * strutil - small string helpers that glibc 2.36 lacks (strlcpy) or that the
 * parsers share.
 */
#ifndef ARSTAT_STRUTIL_H
#define ARSTAT_STRUTIL_H

#include <stddef.h>

/* Copy with truncation; always NUL-terminates when size > 0. Returns
 * strlen(src); truncation happened if the result >= size (like strlcpy). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Case-insensitive (ASCII) comparison of s[0..len) with the NUL-terminated lit. */
int str_eq_nocase(const char *s, size_t len, const char *lit);
/* Write 2*len lowercase hex digits and a NUL to out (size >= 2*len+1). */
void str_hex(const unsigned char *in, size_t len, char *out);
/* Lowercase ASCII in place. */
void str_lower(char *s);

#endif
