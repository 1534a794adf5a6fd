/*
 * record_v1 - schema v1's body decoded by hand; see record_v1.h.
 *
 * Why a second decoder: the reference path (the schema walk of avro_walk.h,
 * then Avro C building a generic value and v1_decode() reading it field by
 * field by name) costs 4 to 5 microseconds a record, which was a quarter of
 * the aggregator's ingest time. This file reads the same bytes in one pass:
 * 0.15 microseconds for a record of six cells, with record_decode()'s checks
 * of the batch (on the machine of results/aggregator-benchmark.md). It knows
 * one schema only and never has to grow: a published schema never changes
 * (unit.record pins v1's fingerprint), and a new version is read by the
 * reference until someone writes it a decoder of its own.
 *
 * Every check mirrors one of the schema walk's (AVRO_WALK_CHECK) or
 * v1_decode()'s in record.c, so that the two paths accept exactly the same
 * bodies; record_decode() runs the
 * reference on anything refused here, so a check missing here would only
 * cost time, while a check too lax here would let through a record the
 * reference refuses. Every byte is read through avro_bin.h's cursor, which
 * never reads past the end. unit.record_v1 compares the two on every input it makes.
 */
#include "record_v1.h"

#include <stdint.h>
#include <string.h>

#include "avro_bin.h"
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

/* An enum index below n. */
static int v1_enum(struct avro_bin *c, int64_t n, int *out)
{
	int64_t v;

	if (avro_bin_long(c, &v) != AVRO_BIN_OK || v < 0 || v >= n)
		return -1;
	*out = (int)v;
	return 0;
}

/* A string into dst[size] with its NUL: it must fit and hold no NUL. */
static int v1_string(struct avro_bin *c, char *dst, size_t size)
{
	int64_t n;

	if (avro_bin_length(c, &n) != AVRO_BIN_OK || (uint64_t)n >= size)
		return -1;
	if (memchr(c->p, '\0', (size_t)n) != NULL)
		return -1;
	memcpy(dst, c->p, (size_t)n);
	dst[n] = '\0';
	c->p += n;
	return 0;
}

static int v1_cell(struct avro_bin *c, struct record_batch *b)
{
	struct record_cell cell;
	int m, v;

	/* Zeroed padding too: batches are compared with memcmp (the tests,
	 * the fuzz harness) against the reference decoder's. */
	memset(&cell, 0, sizeof(cell));
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
	cell.fate = FATE_UNKNOWN; /* v1 has none */
	if (avro_bin_long(c, &cell.messages) != AVRO_BIN_OK)
		return -1;
	record_batch_add_cell(b, &cell);
	return 0;
}

/* The cells array: blocks ended by a zero count; a negative count is
 * followed by the block's size in bytes, which must be exact. items_left
 * is the walk's item budget: one per body byte. */
static int v1_cells(struct avro_bin *c, struct record_batch *b, size_t items_left)
{
	int64_t count, size, k;
	const unsigned char *items;

	for (;;) {
		size = -1;
		if (avro_bin_long(c, &count) != AVRO_BIN_OK)
			return -1;
		if (count == 0)
			return 0;
		if (count < 0) {
			if (count == INT64_MIN)
				return -1;
			count = -count;
			if (avro_bin_long(c, &size) != AVRO_BIN_OK || size < 0 ||
			    (uint64_t)size > avro_bin_left(c))
				return -1;
		}
		if ((uint64_t)count > items_left)
			return -1;
		items_left -= (size_t)count;
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
	struct avro_bin c;
	int64_t *health = &b->health.lines_read;
	size_t i;

	avro_bin_init(&c, body, len);
	if (v1_string(&c, b->carrier, sizeof(b->carrier)) < 0 ||
	    v1_string(&c, b->collector, sizeof(b->collector)) < 0 ||
	    avro_bin_long(&c, &b->epoch) != AVRO_BIN_OK || avro_bin_long(&c, &b->seq) != AVRO_BIN_OK ||
	    avro_bin_long(&c, &b->window_start_ms) != AVRO_BIN_OK ||
	    avro_bin_long(&c, &b->window_end_ms) != AVRO_BIN_OK)
		return -1;
	if (avro_bin_left(&c) == 0 || *c.p > 1)
		return -1;
	b->correction = *c.p++;
	if (v1_cells(&c, b, len) < 0)
		return -1;
	for (i = 0; i < V1_HEALTH_LONGS; i++) {
		if (avro_bin_long(&c, &health[i]) != AVRO_BIN_OK)
			return -1;
	}
	return avro_bin_left(&c) == 0 ? 0 : -1;
}

/* ---- encoding ---- */

/* The encoder writes every value of result.h's enums as a v1 symbol: a new
 * value there needs a new schema version (and encoder) first. */
_Static_assert(V1_RESULT_SYMBOLS == AR_RESULT_COUNT, "every ar_result is a v1 symbol");
_Static_assert(V1_POLICY_SYMBOLS == POL_COUNT, "every ar_policy is a v1 symbol");
_Static_assert(V1_SPAM_SYMBOLS == SPAM_COUNT, "every ar_spam is a v1 symbol");

/* A string field: its bytes up to the NUL, as Avro bytes. */
static unsigned char *v1_put_string(unsigned char *p, const char *s, size_t max)
{
	return avro_bin_put_bytes(p, s, strnlen(s, max));
}

size_t record_v1_encode_max(const struct record_batch *b)
{
	/* Strings: length and bytes; six longs and a boolean; the cells'
	 * block count, six enums of one byte and a long each, and the end of
	 * the array; seven health longs. */
	return 2 * AVRO_BIN_LONG_MAX_BYTES + RECORD_CARRIER_MAX + RECORD_COLLECTOR_MAX +
	       4 * AVRO_BIN_LONG_MAX_BYTES + 1 + 2 * AVRO_BIN_LONG_MAX_BYTES +
	       b->ncells * (AR_METHOD_COUNT + 2 + AVRO_BIN_LONG_MAX_BYTES) +
	       V1_HEALTH_LONGS * AVRO_BIN_LONG_MAX_BYTES;
}

size_t record_v1_encode(const struct record_batch *b, unsigned char *out)
{
	const int64_t *hv = &b->health.lines_read;
	unsigned char *p = out;
	size_t i;
	int m;

	p = v1_put_string(p, b->carrier, sizeof(b->carrier));
	p = v1_put_string(p, b->collector, sizeof(b->collector));
	p = avro_bin_put_long(p, b->epoch);
	p = avro_bin_put_long(p, b->seq);
	p = avro_bin_put_long(p, b->window_start_ms);
	p = avro_bin_put_long(p, b->window_end_ms);
	*p++ = b->correction != 0;
	/* One block of all cells, then the empty block that ends the array;
	 * an empty array is the end block alone (as Avro C writes them). */
	if (b->ncells > 0) {
		p = avro_bin_put_long(p, (int64_t)b->ncells);
		for (i = 0; i < b->ncells; i++) {
			const struct record_cell *c = &b->cells[i];

			/* Enum indexes below 64 are one varint byte: 2 * index. */
			for (m = 0; m < AR_METHOD_COUNT; m++)
				*p++ = (unsigned char)(2 * (int)c->result[m]);
			*p++ = (unsigned char)(2 * (int)c->dmarc_policy);
			*p++ = (unsigned char)(2 * (int)c->spam);
			p = avro_bin_put_long(p, c->messages);
		}
	}
	*p++ = 0;
	for (i = 0; i < V1_HEALTH_LONGS; i++)
		p = avro_bin_put_long(p, hv[i]);
	return (size_t)(p - out);
}
