/*
 * record_v1 - schema v1's body decoded by hand; see record_v1.h.
 *
 * Why a second decoder: the reference path (body_check() walking the schema,
 * then Avro C building a generic value and v1_decode() reading it field by
 * field by name) costs 4 to 5 microseconds a record, which was a quarter of
 * the aggregator's ingest time. This file reads the same bytes in one pass:
 * 0.15 microseconds for a record of six cells, with record_decode()'s checks
 * of the batch (on the machine of results/aggregator-benchmark.md). It knows
 * one schema only and never has to grow: a published schema never changes
 * (unit.record pins v1's fingerprint), and a new version is read by the
 * reference until someone writes it a decoder of its own.
 *
 * Every check mirrors one of body_check()'s or v1_decode()'s, so that the
 * two paths accept exactly the same bodies; record_decode() runs the
 * reference on anything refused here, so a check missing here would only
 * cost time, while a check too lax here would let through a record the
 * reference refuses. unit.record_v1 compares the two on every input it makes.
 */
#include "record_v1.h"

#include <stdint.h>
#include <string.h>

#include "result.h"

/* Symbol counts of v1's enums (Result, Policy, Spam), as published. The
 * enums of result.h may grow; v1's symbols are a prefix of them. */
#define V1_RESULT_SYMBOLS 9
#define V1_POLICY_SYMBOLS 4
#define V1_SPAM_SYMBOLS 3
/* v1's Health record: seven longs, in struct record_health's order. */
#define V1_HEALTH_LONGS 7
_Static_assert(V1_RESULT_SYMBOLS <= AR_RESULT_COUNT, "v1 results are ar_result values");
_Static_assert(V1_POLICY_SYMBOLS <= POL_COUNT, "v1 policies are ar_policy values");
_Static_assert(V1_SPAM_SYMBOLS <= SPAM_COUNT, "v1 verdicts are ar_spam values");
_Static_assert(V1_HEALTH_LONGS <= sizeof(struct record_health) / sizeof(int64_t),
               "v1's health counters are record_health's first");

/* Avro longs are zig-zag varints of at most 10 bytes; the tenth may carry
 * one bit only (as in body_varint()). */
#define V1_VARINT_MAX_BYTES 10

struct v1_cursor {
	const unsigned char *p;
	const unsigned char *end;
	/* Array items still allowed, as body_check()'s items_left: one per
	 * body byte. */
	size_t items_left;
};

static size_t v1_left(const struct v1_cursor *c)
{
	return (size_t)(c->end - c->p);
}

static int v1_long(struct v1_cursor *c, int64_t *out)
{
	uint64_t v = 0;
	unsigned char byte;
	int i;

	for (i = 0; i < V1_VARINT_MAX_BYTES; i++) {
		if (c->p == c->end)
			return -1;
		byte = *c->p++;
		if (i == V1_VARINT_MAX_BYTES - 1 && (byte & 0x7f) >> 1 != 0)
			return -1;
		v |= (uint64_t)(byte & 0x7f) << (7 * i);
		if ((byte & 0x80) == 0) {
			*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
			return 0;
		}
	}
	return -1;
}

/* An enum index below n. */
static int v1_enum(struct v1_cursor *c, int64_t n, int *out)
{
	int64_t v;

	if (v1_long(c, &v) < 0 || v < 0 || v >= n)
		return -1;
	*out = (int)v;
	return 0;
}

/* A string into dst[size] with its NUL: it must fit and hold no NUL. */
static int v1_string(struct v1_cursor *c, char *dst, size_t size)
{
	int64_t n;

	if (v1_long(c, &n) < 0 || n < 0 || (uint64_t)n > v1_left(c) || (uint64_t)n >= size)
		return -1;
	if (memchr(c->p, '\0', (size_t)n) != NULL)
		return -1;
	memcpy(dst, c->p, (size_t)n);
	dst[n] = '\0';
	c->p += n;
	return 0;
}

static int v1_cell(struct v1_cursor *c, struct record_batch *b)
{
	struct record_cell cell;
	int m, v;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if (v1_enum(c, V1_RESULT_SYMBOLS, &v) < 0)
			return -1;
		cell.result[m] = (enum ar_result)v;
	}
	if (v1_enum(c, V1_POLICY_SYMBOLS, &v) < 0)
		return -1;
	cell.dmarc_policy = (enum ar_policy)v;
	if (v1_enum(c, V1_SPAM_SYMBOLS, &v) < 0)
		return -1;
	cell.spam = (enum ar_spam)v;
	if (v1_long(c, &cell.messages) < 0)
		return -1;
	record_batch_add_cell(b, &cell);
	return 0;
}

/* The cells array: blocks ended by a zero count; a negative count is
 * followed by the block's size in bytes, which must be exact. */
static int v1_cells(struct v1_cursor *c, struct record_batch *b)
{
	int64_t count, size, k;
	const unsigned char *items;

	for (;;) {
		size = -1;
		if (v1_long(c, &count) < 0)
			return -1;
		if (count == 0)
			return 0;
		if (count < 0) {
			if (count == INT64_MIN)
				return -1;
			count = -count;
			if (v1_long(c, &size) < 0 || size < 0 || (uint64_t)size > v1_left(c))
				return -1;
		}
		if ((uint64_t)count > c->items_left)
			return -1;
		c->items_left -= (size_t)count;
		/* v1_decode() refuses more cells than combinations before it
		 * copies any; so do we, which also bounds the batch's memory. */
		if ((uint64_t)count > RECORD_CELLS_MAX - b->ncells)
			return -1;
		items = c->p;
		for (k = 0; k < count; k++) {
			if (v1_cell(c, b) < 0)
				return -1;
		}
		if (size >= 0 && (uint64_t)size != (size_t)(c->p - items))
			return -1;
	}
}

int record_v1_decode(const unsigned char *body, size_t len, struct record_batch *b)
{
	struct v1_cursor c = { body, body + len, len };
	int64_t *health = &b->health.lines_read;
	size_t i;

	if (v1_string(&c, b->carrier, sizeof(b->carrier)) < 0 ||
	    v1_string(&c, b->collector, sizeof(b->collector)) < 0 || v1_long(&c, &b->epoch) < 0 ||
	    v1_long(&c, &b->seq) < 0 || v1_long(&c, &b->window_start_ms) < 0 ||
	    v1_long(&c, &b->window_end_ms) < 0)
		return -1;
	if (c.p == c.end || *c.p > 1)
		return -1;
	b->correction = *c.p++;
	if (v1_cells(&c, b) < 0)
		return -1;
	for (i = 0; i < V1_HEALTH_LONGS; i++) {
		if (v1_long(&c, &health[i]) < 0)
			return -1;
	}
	return c.p == c.end ? 0 : -1;
}

/* ---- encoding ---- */

/* The encoder writes every value of result.h's enums as a v1 symbol: a new
 * value there needs a new schema version (and encoder) first. */
_Static_assert(V1_RESULT_SYMBOLS == AR_RESULT_COUNT, "every ar_result is a v1 symbol");
_Static_assert(V1_POLICY_SYMBOLS == POL_COUNT, "every ar_policy is a v1 symbol");
_Static_assert(V1_SPAM_SYMBOLS == SPAM_COUNT, "every ar_spam is a v1 symbol");

/* A zig-zag varint long, as Avro writes it: at most 10 bytes. */
static unsigned char *v1_put_long(unsigned char *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);

	while (z >= 0x80) {
		*p++ = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	*p++ = (unsigned char)z;
	return p;
}

static unsigned char *v1_put_string(unsigned char *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	p = v1_put_long(p, (int64_t)n);
	memcpy(p, s, n);
	return p + n;
}

size_t record_v1_encode_max(const struct record_batch *b)
{
	/* Strings: length and bytes; six longs and a boolean; the cells'
	 * block count, six enums of one byte and a long each, and the end of
	 * the array; seven health longs. */
	return 2 * V1_VARINT_MAX_BYTES + RECORD_CARRIER_MAX + RECORD_COLLECTOR_MAX +
	       4 * V1_VARINT_MAX_BYTES + 1 + 2 * V1_VARINT_MAX_BYTES +
	       b->ncells * (AR_METHOD_COUNT + 2 + V1_VARINT_MAX_BYTES) +
	       V1_HEALTH_LONGS * V1_VARINT_MAX_BYTES;
}

size_t record_v1_encode(const struct record_batch *b, unsigned char *out)
{
	const int64_t *hv = &b->health.lines_read;
	unsigned char *p = out;
	size_t i;
	int m;

	p = v1_put_string(p, b->carrier, sizeof(b->carrier));
	p = v1_put_string(p, b->collector, sizeof(b->collector));
	p = v1_put_long(p, b->epoch);
	p = v1_put_long(p, b->seq);
	p = v1_put_long(p, b->window_start_ms);
	p = v1_put_long(p, b->window_end_ms);
	*p++ = b->correction != 0;
	/* One block of all cells, then the empty block that ends the array;
	 * an empty array is the end block alone (as Avro C writes them). */
	if (b->ncells > 0) {
		p = v1_put_long(p, (int64_t)b->ncells);
		for (i = 0; i < b->ncells; i++) {
			const struct record_cell *c = &b->cells[i];

			/* Enum indexes below 64 are one varint byte: 2 * index. */
			for (m = 0; m < AR_METHOD_COUNT; m++)
				*p++ = (unsigned char)(2 * (int)c->result[m]);
			*p++ = (unsigned char)(2 * (int)c->dmarc_policy);
			*p++ = (unsigned char)(2 * (int)c->spam);
			p = v1_put_long(p, c->messages);
		}
	}
	*p++ = 0;
	for (i = 0; i < V1_HEALTH_LONGS; i++)
		p = v1_put_long(p, hv[i]);
	return (size_t)(p - out);
}
