#include "strutil.h"

#include <stdint.h>
#include <string.h>

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int str_eq_nocase(const char *s, size_t len, const char *lit)
{
	/* strlen() first: comparing len bytes of a shorter lit would read past it. */
	return strlen(lit) == len && str_mem_eq_nocase(s, lit, len);
}

const char *str_rchr(const char *s, size_t len, char c)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	const uint64_t pat = ones * (unsigned char)c;
	size_t i = len;

	/* Skip words without c from the end: (x - ones) & ~x & highs is not 0
	 * exactly when some byte of x is 0, i.e. some byte of the word is c. */
	while (i >= 8) {
		uint64_t w;

		memcpy(&w, s + i - 8, 8);
		w ^= pat;
		if (((w - ones) & ~w & highs) != 0)
			break;
		i -= 8;
	}
	while (i > 0) {
		i--;
		if (s[i] == c)
			return s + i;
	}
	return NULL;
}

void str_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void str_lower(char *s)
{
	for (; *s; s++)
		*s = ascii_lower(*s);
}

const char *str_find(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit), i;

	if (n == 0)
		return s;
	for (i = 0; i + n <= len; i++) {
		if (s[i] == lit[0] && memcmp(s + i, lit, n) == 0)
			return s + i;
	}
	return NULL;
}

const char *str_find_last(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit), i;

	if (n == 0)
		return s + len;
	for (i = len >= n ? len - n + 1 : 0; i-- > 0;) {
		if (s[i] == lit[0] && memcmp(s + i, lit, n) == 0)
			return s + i;
	}
	return NULL;
}
