#include "ser.h"

#include <string.h>

int ser_u8(struct strbuf *sb, uint8_t v)
{
	return strbuf_append(sb, &v, 1);
}

int ser_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return strbuf_append(sb, b, sizeof(b));
}

int ser_u64(struct strbuf *sb, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return strbuf_append(sb, b, sizeof(b));
}

int ser_i64(struct strbuf *sb, int64_t v)
{
	return ser_u64(sb, (uint64_t)v);
}

int ser_bytes(struct strbuf *sb, const void *p, size_t len)
{
	if (len > UINT32_MAX || ser_u32(sb, (uint32_t)len) < 0)
		return -1;
	return strbuf_append(sb, p, len);
}

void deser_init(struct deser *d, const void *p, size_t len)
{
	d->p = p;
	d->len = len;
	d->pos = 0;
	d->failed = 0;
}

static const unsigned char *take(struct deser *d, size_t n)
{
	const unsigned char *r;

	if (d->failed || n > d->len - d->pos) {
		d->failed = 1;
		return NULL;
	}
	r = d->p + d->pos;
	d->pos += n;
	return r;
}

uint8_t deser_u8(struct deser *d)
{
	const unsigned char *b = take(d, 1);

	return b ? b[0] : 0;
}

uint32_t deser_u32(struct deser *d)
{
	const unsigned char *b = take(d, 4);
	uint32_t v = 0;
	int i;

	if (b == NULL)
		return 0;
	for (i = 3; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

uint64_t deser_u64(struct deser *d)
{
	const unsigned char *b = take(d, 8);
	uint64_t v = 0;
	int i;

	if (b == NULL)
		return 0;
	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

int64_t deser_i64(struct deser *d)
{
	return (int64_t)deser_u64(d);
}

const void *deser_bytes(struct deser *d, size_t max, size_t *len)
{
	uint32_t n = deser_u32(d);

	if (d->failed || n > max) {
		d->failed = 1;
		*len = 0;
		return NULL;
	}
	*len = n;
	return take(d, n);
}
