/*
 * record_body - schema v1's and v2's bodies decoded and encoded by hand; see
 * record_body.h.
 *
 * Why a second decoder: the reference path (the schema walk of avro_walk.h,
 * then Avro C building a generic value and decode_version() reading it field
 * by field by name) costs 4 to 5 microseconds a record, which was a quarter
 * of the aggregator's ingest time. This file reads the same bytes in one
 * pass: 0.15 microseconds for a record of six cells, with record_decode()'s
 * checks of the batch (on the machine of results/aggregator-benchmark.md).
 * It knows the published layouts only and never has to change for them: a
 * published schema never changes (unit.record pins the fingerprints), and a
 * new version is read by the reference until someone gives it a layout
 * here. A layout is the few facts where the versions differ, read into
 * locals once a record, so that v2 costs v1's loop and a byte a cell.
 *
 * Every check mirrors one of the schema walk's (AVRO_WALK_CHECK) or
 * decode_version()'s in record.c, so that the two paths accept exactly the
 * same bodies; record_decode() runs the reference on anything refused here,
 * so a check missing here would only cost time, while a check too lax here
 * would let through a record the reference refuses. Every byte is read
 * through avro_bin.h's cursor, which never reads past the end.
 * unit.record_body compares the two on every input it makes, for each
 * layout.
 */
#include "record_body.h"

#include <stdint.h>
#include <string.h>

#include "avro_bin.h"
#include "mem.h"
#include "result.h"

/* Symbol counts of the enums (Result, Policy, Spam; v2's Fate), as
 * published: the same in v1 and v2. The enums of result.h may grow; the
 * symbols are a prefix of them. */
#define BODY_RESULT_SYMBOLS 9
#define BODY_POLICY_SYMBOLS 4
#define BODY_SPAM_SYMBOLS 3
#define BODY_FATE_SYMBOLS 5
_Static_assert(BODY_RESULT_SYMBOLS <= AR_RESULT_COUNT, "results are ar_result values");
_Static_assert(BODY_POLICY_SYMBOLS <= POL_COUNT, "policies are ar_policy values");
_Static_assert(BODY_SPAM_SYMBOLS <= SPAM_COUNT, "verdicts are ar_spam values");
_Static_assert(BODY_FATE_SYMBOLS <= FATE_COUNT, "fates are ar_fate values");

/*
 * Where a version's body differs from v1's. A cell is its four results, the
 * policy and the verdict, then (if fates) the fate, then its count; the
 * health record is the first health_longs counters of struct record_health
 * in order; a vouching version ends with vouch_start and vouch_end.
 */
struct record_body_layout {
	int fates;
	size_t health_longs;
	int vouch;
};

const struct record_body_layout record_body_v1 = { .fates = 0, .health_longs = 7, .vouch = 0 };
const struct record_body_layout record_body_v2 = { .fates = 1, .health_longs = 8, .vouch = 1 };

/* v2's health record is all of struct record_health; a counter added there
 * needs a new schema version (and layout) first. */
_Static_assert(8 == sizeof(struct record_health) / sizeof(int64_t),
               "v2's health counters are record_health's");

const struct record_body_layout *record_body_layout_of(int version)
{
	switch (version) {
	case 1:
		return &record_body_v1;
	case 2:
		return &record_body_v2;
	default:
		return NULL;
	}
}

/* An enum index below n (at most 64). */
static inline int body_enum(struct avro_bin *c, int n, int *out)
{
	int64_t v;
	unsigned z;

	/* Avro C writes an index as one byte, 2 * index; a byte without the
	 * continuation bit is a whole varint, and an odd one a negative
	 * value. Seven of these a cell make this shortcut worth its lines;
	 * a longer encoding of the same index (legal) takes the cursor. */
	if (c->p != c->end && *c->p < 0x80) {
		z = *c->p++;
		if ((z & 1) != 0 || z >= 2 * (unsigned)n)
			return -1;
		*out = (int)(z >> 1);
		return 0;
	}
	if (avro_bin_long(c, &v) != AVRO_BIN_OK || v < 0 || v >= n)
		return -1;
	*out = (int)v;
	return 0;
}

/* A string into dst[size] with its NUL: it must fit and hold no NUL. */
static int body_string(struct avro_bin *c, char *dst, size_t size)
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

/* One cell into *cell, whose room the caller reserved. */
static inline int body_cell(struct avro_bin *c, struct record_cell *cell, int fates)
{
	int m, v;

	/* Zeroed padding too: batches are compared with memcmp (the tests,
	 * the fuzz harness) against the reference decoder's. FATE_UNKNOWN is
	 * 0: a version without fates leaves it. */
	memset(cell, 0, sizeof(*cell));
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if (body_enum(c, BODY_RESULT_SYMBOLS, &v) < 0)
			return -1;
		cell->result[m] = (enum ar_result)v;
	}
	if (body_enum(c, BODY_POLICY_SYMBOLS, &v) < 0)
		return -1;
	cell->dmarc_policy = (enum ar_policy)v;
	if (body_enum(c, BODY_SPAM_SYMBOLS, &v) < 0)
		return -1;
	cell->spam = (enum ar_spam)v;
	if (fates) {
		if (body_enum(c, BODY_FATE_SYMBOLS, &v) < 0)
			return -1;
		cell->fate = (enum ar_fate)v;
	}
	if (avro_bin_long(c, &cell->messages) != AVRO_BIN_OK)
		return -1;
	return 0;
}

/* The cells array: blocks ended by a zero count; a negative count is
 * followed by the block's size in bytes, which must be exact. items_left
 * is the walk's item budget: one per body byte. */
static int body_cells(struct avro_bin *c, struct record_batch *b, size_t items_left, int fates)
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
		/* decode_version() refuses more cells than combinations before
		 * it copies any; so do we, which also bounds the batch's memory. */
		if ((uint64_t)count > RECORD_CELLS_MAX - b->ncells)
			return -1;
		/* A cell is at least 7 bytes (8 with a fate): a count the bytes
		 * left cannot hold is refused before room is made for it, so
		 * that the room reserved is bounded by the body's length. */
		if ((uint64_t)count > avro_bin_left(c) / (size_t)(7 + (fates != 0)))
			return -1;
		b->cells = xgrow(b->cells, b->ncells + (size_t)count, &b->cells_alloc,
		                 sizeof(*b->cells), 16);
		items = c->p;
		for (k = 0; k < count; k++) {
			if (body_cell(c, &b->cells[b->ncells], fates) < 0)
				return -1;
			b->ncells++;
		}
		if (size >= 0 && (uint64_t)size != (size_t)(c->p - items))
			return -1;
	}
}

int record_body_decode(const struct record_body_layout *l, const unsigned char *body, size_t len,
                       struct record_batch *b)
{
	struct avro_bin c;
	int64_t *health = &b->health.lines_read;
	size_t i, nhealth = l->health_longs;

	avro_bin_init(&c, body, len);
	if (body_string(&c, b->carrier, sizeof(b->carrier)) < 0 ||
	    body_string(&c, b->collector, sizeof(b->collector)) < 0 ||
	    avro_bin_long(&c, &b->epoch) != AVRO_BIN_OK || avro_bin_long(&c, &b->seq) != AVRO_BIN_OK ||
	    avro_bin_long(&c, &b->window_start_ms) != AVRO_BIN_OK ||
	    avro_bin_long(&c, &b->window_end_ms) != AVRO_BIN_OK)
		return -1;
	if (avro_bin_left(&c) == 0 || *c.p > 1)
		return -1;
	b->correction = *c.p++;
	if (body_cells(&c, b, len, l->fates) < 0)
		return -1;
	for (i = 0; i < nhealth; i++) {
		if (avro_bin_long(&c, &health[i]) != AVRO_BIN_OK)
			return -1;
	}
	if (l->vouch && (avro_bin_long(&c, &b->vouch_start_ms) != AVRO_BIN_OK ||
	                 avro_bin_long(&c, &b->vouch_end_ms) != AVRO_BIN_OK))
		return -1;
	return avro_bin_left(&c) == 0 ? 0 : -1;
}

/* ---- encoding ---- */

/* The encoder writes every value of result.h's enums as a symbol: a new
 * value there needs a new schema version (and layout) first. */
_Static_assert(BODY_RESULT_SYMBOLS == AR_RESULT_COUNT, "every ar_result is a symbol");
_Static_assert(BODY_POLICY_SYMBOLS == POL_COUNT, "every ar_policy is a symbol");
_Static_assert(BODY_SPAM_SYMBOLS == SPAM_COUNT, "every ar_spam is a symbol");
_Static_assert(BODY_FATE_SYMBOLS == FATE_COUNT, "every ar_fate is a v2 symbol");

/* A string field: its bytes up to the NUL, as Avro bytes. */
static unsigned char *body_put_string(unsigned char *p, const char *s, size_t max)
{
	return avro_bin_put_bytes(p, s, strnlen(s, max));
}

size_t record_body_encode_max(const struct record_body_layout *l, const struct record_batch *b)
{
	/* Strings: length and bytes; six longs and a boolean; the cells'
	 * block count, six or seven enums of one byte and a long each, and
	 * the end of the array; the health longs; the vouched span. */
	return 2 * AVRO_BIN_LONG_MAX_BYTES + RECORD_CARRIER_MAX + RECORD_COLLECTOR_MAX +
	       4 * AVRO_BIN_LONG_MAX_BYTES + 1 + 2 * AVRO_BIN_LONG_MAX_BYTES +
	       b->ncells * (AR_METHOD_COUNT + 2 + (size_t)(l->fates != 0) + AVRO_BIN_LONG_MAX_BYTES) +
	       l->health_longs * AVRO_BIN_LONG_MAX_BYTES +
	       (l->vouch ? 2 * AVRO_BIN_LONG_MAX_BYTES : 0);
}

size_t record_body_encode(const struct record_body_layout *l, const struct record_batch *b,
                          unsigned char *out)
{
	const int64_t *hv = &b->health.lines_read;
	unsigned char *p = out;
	size_t i;
	int m, fates = l->fates;

	p = body_put_string(p, b->carrier, sizeof(b->carrier));
	p = body_put_string(p, b->collector, sizeof(b->collector));
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
			if (fates)
				*p++ = (unsigned char)(2 * (int)c->fate);
			p = avro_bin_put_long(p, c->messages);
		}
	}
	*p++ = 0;
	for (i = 0; i < l->health_longs; i++)
		p = avro_bin_put_long(p, hv[i]);
	if (l->vouch) {
		p = avro_bin_put_long(p, b->vouch_start_ms);
		p = avro_bin_put_long(p, b->vouch_end_ms);
	}
	return (size_t)(p - out);
}
