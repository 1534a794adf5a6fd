/*
 * avro_bin - the Avro binary encoding's primitives (Avro specification,
 * "Binary Encoding" and "Single-object encoding"), read through one bounded
 * cursor and written to a buffer the caller has sized.
 *
 * Everything that reads Avro bytes in arstat reads them here: the
 * schema-driven walker (avro_walk.h), the hand-written v1 and v2 codec
 * (record_body.c) and the container-file reader (ocf.c). The cursor never reads
 * outside [start, end); every function that fails says how, and leaves the
 * cursor somewhere inside the bytes (where is unspecified), so the caller
 * stops.
 *
 * The functions are static inline because the hand decoder calls them
 * a few dozen times a record and is timed in tens of nanoseconds
 * (tests/bench/record_bench.c); a call each would cost more than the work.
 */
#ifndef ARSTAT_AVRO_BIN_H
#define ARSTAT_AVRO_BIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Zig-zag varints: a long takes at most 10 bytes, the tenth carrying one
 * bit; an int at most 5, the fifth carrying four. */
#define AVRO_BIN_LONG_MAX_BYTES 10
#define AVRO_BIN_INT_MAX_BYTES 5
#define AVRO_BIN_LONG_LAST_BITS 1
#define AVRO_BIN_INT_LAST_BITS 4

/* Single-object encoding: the marker C3 01, then the 8-byte little-endian
 * CRC-64-AVRO fingerprint of the writer schema's canonical form. */
#define AVRO_BIN_HEADER_LEN 10
#define AVRO_BIN_MARKER0 0xC3
#define AVRO_BIN_MARKER1 0x01

enum avro_bin_status {
	AVRO_BIN_OK = 0,
	AVRO_BIN_SHORT = -1,    /* the bytes end before the value does */
	AVRO_BIN_OVERFLOW = -2, /* a varint's last byte holds bits beyond its type */
	AVRO_BIN_TOO_LONG = -3, /* a varint goes on past its type's last byte */
	AVRO_BIN_LENGTH = -4,   /* a length is negative or beyond the bytes left */
};

struct avro_bin {
	const unsigned char *start; /* for offsets in messages */
	const unsigned char *p;
	const unsigned char *end;
};

/* Read data[0..len) (data may be NULL if len is 0). The cursor borrows
 * data. */
static inline void avro_bin_init(struct avro_bin *c, const void *data, size_t len)
{
	c->start = data;
	c->p = c->start;
	/* No arithmetic on a null pointer, even of zero. */
	c->end = len > 0 ? c->start + len : c->start;
}

/* Bytes not yet read. */
static inline size_t avro_bin_left(const struct avro_bin *c)
{
	return (size_t)(c->end - c->p);
}

/* Bytes read so far. */
static inline size_t avro_bin_offset(const struct avro_bin *c)
{
	return (size_t)(c->p - c->start);
}

/*
 * A zig-zag varint of at most max_bytes bytes whose last byte carries
 * last_bits bits (AVRO_BIN_LONG_* or AVRO_BIN_INT_*): the checks Avro C's
 * reader leaves out. AVRO_BIN_OK and *out, or SHORT, OVERFLOW, TOO_LONG.
 */
static inline enum avro_bin_status avro_bin_varint(struct avro_bin *c, int max_bytes,
                                                   unsigned last_bits, int64_t *out)
{
	uint64_t v = 0;
	unsigned char byte;
	int i;

	for (i = 0; i < max_bytes; i++) {
		if (c->p == c->end)
			return AVRO_BIN_SHORT;
		byte = *c->p++;
		if (i == max_bytes - 1 && (byte & 0x7f) >> last_bits != 0)
			return AVRO_BIN_OVERFLOW;
		v |= (uint64_t)(byte & 0x7f) << (7 * i);
		if ((byte & 0x80) == 0) {
			/* Zig-zag: the low bit is the sign. */
			*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
			return AVRO_BIN_OK;
		}
	}
	return AVRO_BIN_TOO_LONG;
}

/* An Avro long (also an enum index, a union branch, a block count). */
static inline enum avro_bin_status avro_bin_long(struct avro_bin *c, int64_t *out)
{
	return avro_bin_varint(c, AVRO_BIN_LONG_MAX_BYTES, AVRO_BIN_LONG_LAST_BITS, out);
}

/* An Avro int, in an int64_t. */
static inline enum avro_bin_status avro_bin_int(struct avro_bin *c, int64_t *out)
{
	return avro_bin_varint(c, AVRO_BIN_INT_MAX_BYTES, AVRO_BIN_INT_LAST_BITS, out);
}

/*
 * The length prefix of a string, bytes or map key: a long from 0 to the
 * bytes left, which the caller then takes with avro_bin_skip(). AVRO_BIN_OK,
 * a varint's failure, or AVRO_BIN_LENGTH (*n then holds the length read,
 * for the caller's message).
 */
static inline enum avro_bin_status avro_bin_length(struct avro_bin *c, int64_t *n)
{
	enum avro_bin_status st = avro_bin_long(c, n);

	if (st != AVRO_BIN_OK)
		return st;
	if (*n < 0 || (uint64_t)*n > avro_bin_left(c))
		return AVRO_BIN_LENGTH;
	return AVRO_BIN_OK;
}

/* Pass over n bytes (fixed, float, double, or what a length covers):
 * AVRO_BIN_OK, or AVRO_BIN_SHORT without moving. */
static inline enum avro_bin_status avro_bin_skip(struct avro_bin *c, size_t n)
{
	if (n > avro_bin_left(c))
		return AVRO_BIN_SHORT;
	c->p += n;
	return AVRO_BIN_OK;
}

/*
 * Write v as a zig-zag varint long at p, which has room for
 * AVRO_BIN_LONG_MAX_BYTES; returns the byte after it.
 */
static inline unsigned char *avro_bin_put_long(unsigned char *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);

	while (z >= 0x80) {
		*p++ = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	*p++ = (unsigned char)z;
	return p;
}

/* Write data[0..n) as Avro bytes or string (length, then the bytes) at p,
 * which has room for AVRO_BIN_LONG_MAX_BYTES + n; returns the byte after. */
static inline unsigned char *avro_bin_put_bytes(unsigned char *p, const void *data, size_t n)
{
	p = avro_bin_put_long(p, (int64_t)n);
	memcpy(p, data, n);
	return p + n;
}

/* Write the single-object header of a record whose writer schema has
 * fingerprint fp into out[0..AVRO_BIN_HEADER_LEN). */
static inline void avro_bin_header_write(unsigned char *out, uint64_t fp)
{
	int i;

	out[0] = AVRO_BIN_MARKER0;
	out[1] = AVRO_BIN_MARKER1;
	for (i = 0; i < 8; i++)
		out[2 + i] = (unsigned char)(fp >> (8 * i));
}

/*
 * Read the single-object header at the start of data[0..len): 0 and the
 * writer schema's fingerprint in *fp, or -1 if len is shorter than the
 * header or the marker is not there. The body follows at
 * AVRO_BIN_HEADER_LEN.
 */
static inline int avro_bin_header_read(const void *data, size_t len, uint64_t *fp)
{
	const unsigned char *p = data;
	uint64_t v = 0;
	int i;

	if (len < AVRO_BIN_HEADER_LEN || p[0] != AVRO_BIN_MARKER0 || p[1] != AVRO_BIN_MARKER1)
		return -1;
	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[2 + i] << (8 * i);
	*fp = v;
	return 0;
}

#endif
