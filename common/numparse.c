#include "numparse.h"

#include <string.h>

int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	/* Accumulate as a negative number: its range includes INT64_MIN. */
	int64_t acc = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		int d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		/* acc * 10 - d >= INT64_MIN, with the division done by the
		 * compiler rather than once per digit. */
		if (acc < INT64_MIN / 10 || (acc == INT64_MIN / 10 && d > -(INT64_MIN % 10)))
			return -1;
		acc = acc * 10 - d;
	}
	if (!neg) {
		if (acc == INT64_MIN)
			return -1;
		acc = -acc;
	}
	if (acc < min || acc > max)
		return -1;
	*out = acc;
	return 0;
}

int num_parse_i64_str(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return num_parse_i64(s, strlen(s), min, max, out);
}

int num_parse_hex_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}

size_t num_format_u64(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

size_t num_format_i64(char *buf, int64_t v)
{
	if (v >= 0)
		return num_format_u64(buf, (uint64_t)v);
	buf[0] = '-';
	/* -(v + 1) + 1 stays in range for INT64_MIN. */
	return 1 + num_format_u64(buf + 1, (uint64_t)(-(v + 1)) + 1);
}
