/*
 * strutil - small string helpers that glibc 2.36 lacks (strlcpy) or that the
 * parsers share.
 */
#ifndef ARSTAT_STRUTIL_H
#define ARSTAT_STRUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Copy with truncation; always NUL-terminates when size > 0. Returns
 * strlen(src); truncation happened if the result >= size (like strlcpy). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Case-insensitive (ASCII) comparison of s[0..len) with the NUL-terminated lit:
 * 1 if equal, else 0. */
int str_eq_nocase(const char *s, size_t len, const char *lit);
/* Case-insensitive (ASCII) equality of a[0..n) and b[0..n): 1 or 0. Inline:
 * the parsers compare keywords with it for every line. */
static inline int str_mem_eq_nocase(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	/* Keywords and host names are mostly written in the case we compare
	 * with: equal words of eight bytes need no folding. memcpy() is how C
	 * reads a word at any alignment; compilers make it one load. */
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
	}
	for (; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x != y && (x < 'A' || x > 'Z' ? x : x - 'A' + 'a') !=
		                      (y < 'A' || y > 'Z' ? y : y - 'A' + 'a'))
			return 0;
	}
	return 1;
}
/* s[0..len) equals the NUL-terminated lit: 1 or 0. */
static inline int str_eq(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len == n && memcmp(s, lit, n) == 0;
}
/* s[0..len) begins with the NUL-terminated lit: 1 or 0. */
static inline int str_starts_with(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(s, lit, n) == 0;
}
/* 1 if s[0..len) is a non-empty proper prefix of lit: a line cut short
 * inside the words lit. */
static inline int str_is_cut_prefix(const char *s, size_t len, const char *lit)
{
	return len > 0 && len < strlen(lit) && memcmp(s, lit, len) == 0;
}
/* [0-9A-Za-z] in any locale. */
static inline int str_is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
/* The first (str_find) or last (str_find_last) lit in s[0..len), or NULL
 * (memmem(), which C11 and POSIX lack). An empty lit is found at s. */
const char *str_find(const char *s, size_t len, const char *lit);
const char *str_find_last(const char *s, size_t len, const char *lit);
/* The last c in s[0..len), or NULL (memrchr(), which C11 and POSIX lack). */
const char *str_rchr(const char *s, size_t len, char c);
/* Write 2*len lowercase hex digits and a NUL to out (size >= 2*len+1). */
void str_hex(const unsigned char *in, size_t len, char *out);
/* Lowercase ASCII in place. */
void str_lower(char *s);
/*
 * The UTF-8 sequence at s[0..len) (len > 0): its code point in *cp and its
 * length, 1 to 4; or 0 if it is not valid UTF-8 (a stray or missing
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, cut
 * short by len), *cp then undefined.
 */
size_t str_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* 1 if cp is a control character (C0, DEL, C1) or a bidirectional
 * formatting character (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069), any of which makes text display other than it reads;
 * else 0. */
int str_is_control_or_bidi(uint32_t cp);
/*
 * Split a settings list ("a, b c", separated by blanks, tabs and commas;
 * empty items dropped) into *items (n of them, pointing into *copy, a copy
 * of list; the caller frees both; list NULL is empty). 0, or -1 with nothing
 * to free if there are more than max items.
 */
int str_split_list(const char *list, size_t max, char **copy, char ***items, size_t *n);

#endif
