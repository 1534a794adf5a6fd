#include "strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

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

size_t str_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c, min;
	size_t n, i;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2;
		c = u[0] & 0x1Fu;
		min = 0x80;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		n = 3;
		c = u[0] & 0x0Fu;
		min = 0x800;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4;
		c = u[0] & 0x07u;
		min = 0x10000;
	} else {
		/* A continuation byte, C0/C1 (always overlong) or F5..FF. */
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xC0u) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

int str_is_control_or_bidi(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
	       cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int str_split_list(const char *list, size_t max, char **copy, char ***items, size_t *n)
{
	char *p, **names = NULL;
	size_t count = 0;

	*copy = xstrdup(list != NULL ? list : "");
	*items = NULL;
	*n = 0;
	p = *copy;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (count == max) {
			free(names);
			free(*copy);
			*copy = NULL;
			return -1;
		}
		names = xreallocarray(names, count + 1, sizeof(*names));
		names[count++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	*items = names;
	*n = count;
	return 0;
}
