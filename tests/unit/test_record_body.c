/*
 * unit.record_body: the hand-written codec of schemas v1 and v2 against the
 * reference, Avro C's generic reader and writer (record_decode_generic(),
 * record_encode_generic_version()). Every test runs once for each version
 * (a suite each), on records and bodies of that version's layout.
 *
 * Every input below goes through both record_decode() (the hand decoder,
 * falling back to the reference when it refuses) and record_decode_generic()
 * alone; they must agree on the status, on the batch when it decodes, and on
 * the reason when it does not. And every body the reference accepts must be
 * accepted by record_body_decode() itself with the same batch, so that valid
 * records never take the slow path. The inputs: records written by
 * record_encode_version() from random batches (v2's with every fate, input
 * losses and vouched spans); bodies written field by field by a
 * writer of the test's own that goes wrong on purpose (lengths, counts,
 * varints, block sizes, enum indexes out of bounds, bytes missing or left
 * over); byte flips, insertions and deletions of both; every truncation of
 * some; and random bytes. Each input is decoded from a heap copy of exactly
 * its length, so that a read past the end shows in the ASan and valgrind
 * runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "record.h"
#include "record_body.h"
#include "strbuf.h"

#define OUT_CAP (4 * 1024 * 1024)
#define ERR_CAP 512
#define HEADER_LEN 10

/* How many inputs of each kind; enough for every outcome to occur many
 * times, few enough for the valgrind run. */
#define VALID_RECORDS 400
#define CRAFTED_BODIES 6000
#define MUTATIONS 8000
#define RANDOM_BODIES 3000

/* ---- helpers ---- */

/* The schema version under test, set by its suite's init, and its layout. */
static int version;
static const struct record_body_layout *layout;

static int use_v1(void)
{
	version = 1;
	layout = &record_body_v1;
	return 0;
}

static int use_v2(void)
{
	version = 2;
	layout = &record_body_v2;
	return 0;
}

/* The fingerprint of the version under test, whatever the current one is. */
static uint64_t version_fingerprint(void)
{
	const struct record_schema_version *v;
	size_t i, n = record_schema_versions(&v);

	for (i = 0; i < n; i++) {
		if (v[i].version == version)
			return v[i].fingerprint;
	}
	CU_FAIL_FATAL("no such schema version");
	return 0;
}

static uint64_t rng_state = UINT64_C(0x853c49e6748fea9b);

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rng_below(uint64_t n)
{
	return n == 0 ? 0 : rng() % n;
}

/* What happened, over all inputs. */
struct tally {
	unsigned ok, corrupt, not_ours, unknown;
	unsigned fast_accepts; /* record_body_decode() said yes */
};

static struct tally tally;

static void put_byte(struct strbuf *t, unsigned char c)
{
	CU_ASSERT_EQUAL_FATAL(strbuf_append_byte(t, c), 0);
}

/* A varint of z, padded with `pad` redundant continuation bytes (a longer
 * encoding of the same value, which readers accept up to 10 bytes). */
static void put_varint_padded(struct strbuf *t, uint64_t z, int pad)
{
	while (z >= 0x80) {
		put_byte(t, (unsigned char)(z | 0x80));
		z >>= 7;
	}
	if (pad > 0) {
		put_byte(t, (unsigned char)(z | 0x80));
		while (--pad > 0)
			put_byte(t, 0x80);
		put_byte(t, 0x00);
	} else {
		put_byte(t, (unsigned char)z);
	}
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? ~UINT64_C(0) : 0);
}

static void put_long(struct strbuf *t, int64_t v)
{
	put_varint_padded(t, zigzag(v), 0);
}

static void put_header(struct strbuf *t, uint64_t fp)
{
	int i;

	put_byte(t, 0xC3);
	put_byte(t, 0x01);
	for (i = 0; i < 8; i++)
		put_byte(t, (unsigned char)(fp >> (8 * i)));
}

/* A long that is often at an edge. */
static int64_t any_long(void)
{
	static const int64_t edges[] = { 0, 1, -1, 2, 63, 64, -64, -65, 127, 128, 8191, 8192,
		                         INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN,
		                         INT64_MAX - 1, INT64_MIN + 1, 1793458800000 };

	switch (rng_below(3)) {
	case 0:
		return edges[rng_below(sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return (int64_t)rng_below(1000);
	default:
		return (int64_t)rng();
	}
}

/* A long as a varint, sometimes encoded in a longer form than needed, or
 * broken: too long, or its tenth byte carrying more than one bit. */
static void put_any_varint(struct strbuf *t, int64_t v, int breakable)
{
	unsigned r = (unsigned)rng_below(100);
	int i;

	if (breakable && r < 2) {
		for (i = 0; i < 10; i++)
			put_byte(t, 0x80 | (unsigned char)rng_below(128));
		put_byte(t, (unsigned char)rng_below(128)); /* an 11th byte */
		return;
	}
	if (breakable && r < 6) {
		/* Ten bytes: the last may carry one bit (INT64_MIN, INT64_MAX
		 * and their kin) and no more. */
		static const unsigned char last[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x40, 0x7f };

		for (i = 0; i < 9; i++)
			put_byte(t, rng_below(2) ? 0xff : 0x80 | (unsigned char)rng_below(128));
		put_byte(t, last[rng_below(sizeof(last))]);
		return;
	}
	if (r < 12) {
		/* Padded, within 10 bytes for values that leave room. */
		uint64_t z = zigzag(v);
		int len = 1;

		while (len < 10 && (z >> (7 * len)) != 0)
			len++;
		if (len < 10) {
			put_varint_padded(t, z, 1 + (int)rng_below((uint64_t)(10 - len)));
			return;
		}
	}
	put_long(t, v);
}

/* A string field of about `limit` bytes at most (with its NUL), often right,
 * sometimes too long, with a NUL, or with a length that lies. */
static void put_any_string(struct strbuf *t, size_t limit, int breakable)
{
	char s[200];
	size_t n, i;
	unsigned r = (unsigned)rng_below(100);

	n = (size_t)rng_below(limit); /* fits with its NUL */
	if (breakable && r < 5)
		n = limit - 1 + (size_t)rng_below(3); /* at, one over, two over */
	for (i = 0; i < n; i++)
		s[i] = (char)('a' + rng_below(26));
	if (breakable && r >= 5 && r < 8 && n > 0)
		s[rng_below(n)] = '\0';
	if (breakable && r >= 8 && r < 11) {
		/* A length that does not match the bytes. */
		put_any_varint(t, any_long(), 1);
	} else {
		put_any_varint(t, (int64_t)n, breakable);
	}
	CU_ASSERT_EQUAL_FATAL(strbuf_append(t, s, n), 0);
}

/* An enum index below n, or (rarely) not. */
static void put_any_enum(struct strbuf *t, int64_t n, int breakable)
{
	unsigned r = (unsigned)rng_below(100);

	if (breakable && r < 2)
		put_any_varint(t, n, 1);
	else if (breakable && r < 3)
		put_any_varint(t, -1 - (int64_t)rng_below(3), 1);
	else if (breakable && r < 4)
		put_any_varint(t, any_long(), 1);
	else
		put_any_varint(t, (int64_t)rng_below((uint64_t)n), breakable);
}

/* One cell: its combination drawn from a few, so that repeats happen; v2's
 * has the fate after the verdict. */
static void put_any_cell(struct strbuf *t, int breakable)
{
	static const int64_t radix[7] = { 9, 9, 9, 9, 4, 3, 5 };
	int i, n = version >= 2 ? 7 : 6;

	for (i = 0; i < n; i++) {
		if (rng_below(4) == 0)
			put_any_enum(t, radix[i], breakable);
		else
			put_any_varint(t, (int64_t)rng_below(2), 0);
	}
	if (breakable && rng_below(50) == 0)
		put_any_varint(t, any_long(), 1);
	else
		put_any_varint(t, 1 + (int64_t)rng_below(1000), breakable);
}

/* The cells array: blocks of items, some with a byte size (negative count),
 * the size right or (rarely) wrong; rarely a count that lies. */
static void put_any_cells(struct strbuf *t, int breakable)
{
	int blocks = (int)rng_below(4), b, k, n;

	for (b = 0; b < blocks; b++) {
		struct strbuf block;

		n = (int)rng_below(b == 0 ? 12 : 4);
		if (n == 0 && rng_below(2) == 0)
			continue; /* a zero count would end the array here */
		strbuf_init(&block, 64 * 1024);
		for (k = 0; k < n; k++)
			put_any_cell(&block, breakable);
		if (n > 0 && rng_below(3) == 0) {
			int64_t size = (int64_t)block.len;

			put_any_varint(t, -(int64_t)n, breakable);
			if (breakable && rng_below(10) == 0)
				size += (int64_t)rng_below(5) - 2;
			if (breakable && rng_below(40) == 0)
				size = any_long();
			put_any_varint(t, size, breakable);
		} else if (breakable && rng_below(40) == 0) {
			put_any_varint(t, any_long(), 1);
		} else {
			put_any_varint(t, n, breakable);
		}
		if (block.len > 0)
			CU_ASSERT_EQUAL_FATAL(strbuf_append(t, block.data, block.len), 0);
		strbuf_release(&block);
	}
	put_any_varint(t, 0, 0);
}

/* A whole record of the version under test written field by field, now
 * and then wrong. */
static void put_crafted(struct strbuf *t, int breakable)
{
	int i;
	unsigned r;

	put_header(t, version_fingerprint());
	put_any_string(t, RECORD_CARRIER_MAX, breakable);
	put_any_string(t, RECORD_COLLECTOR_MAX, breakable);
	put_any_varint(t, any_long(), breakable);                       /* epoch */
	put_any_varint(t, rng_below(10) ? 1 + (int64_t)rng_below(100000) : any_long(),
	               breakable);                                      /* seq */
	put_any_varint(t, 1793458800000 + (int64_t)rng_below(10) * 60000, breakable);
	put_any_varint(t, rng_below(10) ? 1793458860000 + (int64_t)rng_below(10) * 60000
	                                : any_long(),
	               breakable);                                      /* window end */
	r = (unsigned)rng_below(100);
	put_byte(t, (unsigned char)(breakable && r < 3 ? 2 + rng_below(254) : rng_below(2)));
	put_any_cells(t, breakable);
	for (i = 0; i < (version >= 2 ? 8 : 7); i++)
		put_any_varint(t, rng_below(20) ? (int64_t)rng_below(100000) : any_long(), breakable);
	if (version >= 2) {
		/* The vouched span: none, a span, or (rarely) neither, which
		 * the batch check refuses. */
		int64_t start = rng_below(2) ? 0 : 1793458800000 + (int64_t)rng_below(10) * 60000;
		int64_t end = start == 0 ? 0 : start + 60000 * (1 + (int64_t)rng_below(5));

		if (breakable && rng_below(10) == 0)
			end = any_long();
		put_any_varint(t, start, breakable);
		put_any_varint(t, end, breakable);
	}
	if (breakable && rng_below(30) == 0)
		put_byte(t, (unsigned char)rng());
}

/* A valid batch of random content for the version under test (b
 * initialised by the caller): v2's cells have any fate, and its batches
 * input losses and a vouched span now and then. */
static void random_batch(struct record_batch *bp)
{
	struct record_batch b = *bp;
	struct record_cell c;
	size_t ncells, i, n;
	int m;

	n = 1 + (size_t)rng_below(RECORD_CARRIER_MAX - 1);
	for (i = 0; i < n; i++)
		b.carrier[i] = (char)('A' + rng_below(58));
	n = 1 + (size_t)rng_below(RECORD_COLLECTOR_MAX - 1);
	for (i = 0; i < n; i++)
		b.collector[i] = "0123456789abcdef"[rng_below(16)];
	b.epoch = any_long();
	b.seq = 1 + (int64_t)rng_below(INT64_MAX - 1);
	b.window_start_ms = rng_below(4) ? 1793458800000 + (int64_t)rng_below(1000000000)
	                                 : (int64_t)rng_below(INT64_MAX / 2) - INT64_MAX / 4;
	b.window_end_ms = b.window_start_ms + 1 + (int64_t)rng_below(INT64_MAX / 4);
	b.correction = (int)rng_below(2);
	switch (rng_below(10)) {
	case 0:
		ncells = 0;
		break;
	case 1:
		ncells = 33 + (size_t)rng_below(1000); /* past the pairwise check */
		break;
	default:
		ncells = (size_t)rng_below(33);
		break;
	}
	/* Distinct combinations: consecutive keys from a random start (the
	 * fate is the most significant place, so v1's all have fate unknown). */
	n = (size_t)rng_below((version >= 2 ? RECORD_CELLS_MAX : RECORD_CELLS_V1_MAX) - ncells + 1);
	for (i = 0; i < ncells; i++) {
		size_t k = n + i;

		memset(&c, 0, sizeof(c));
		c.fate = (enum ar_fate)(k / RECORD_CELLS_V1_MAX);
		k %= RECORD_CELLS_V1_MAX;
		c.spam = (enum ar_spam)(k % SPAM_COUNT);
		k /= SPAM_COUNT;
		c.dmarc_policy = (enum ar_policy)(k % POL_COUNT);
		k /= POL_COUNT;
		for (m = AR_METHOD_COUNT - 1; m >= 0; m--) {
			c.result[m] = (enum ar_result)(k % AR_RESULT_COUNT);
			k /= AR_RESULT_COUNT;
		}
		c.messages = rng_below(8) ? (int64_t)rng_below(1000) : (int64_t)(rng() >> 1);
		record_batch_add_cell(&b, &c);
	}
	b.health.lines_read = (int64_t)(rng() >> 1);
	b.health.lines_malformed = (int64_t)rng_below(10);
	b.health.messages_late = INT64_MAX;
	if (version >= 2 && rng_below(3) == 0)
		b.health.input_losses = (int64_t)rng_below(3);
	if (version >= 2 && rng_below(2) == 0) {
		b.vouch_start_ms = rng_below(4) ? 1793458800000 + (int64_t)rng_below(1000000000)
		                                : (int64_t)rng_below(INT64_MAX / 2);
		b.vouch_end_ms = b.vouch_start_ms + 1 + (int64_t)rng_below(INT64_MAX / 4);
	}
	*bp = b;
}

static void put_encoded(struct strbuf *t)
{
	struct record_batch b;
	struct strbuf err;

	record_batch_init(&b);
	random_batch(&b);
	strbuf_init(&err, ERR_CAP);
	if (record_encode_version(&b, version, t, &err) != 0)
		fprintf(stderr, "encode: %s\n", err.data != NULL ? err.data : "?");
	record_batch_free(&b);
	strbuf_release(&err);
}

/* The hand encoder writes byte for byte what Avro C's generic writer does,
 * and refuses what it refuses (an invalid batch, a full buffer). */
static void test_encoder_matches_reference(void)
{
	const struct record_schema_version *cur;
	struct strbuf a, g, ea, eg;
	struct record_batch b;
	int i;

	strbuf_init(&a, OUT_CAP);
	strbuf_init(&g, OUT_CAP);
	strbuf_init(&ea, ERR_CAP);
	strbuf_init(&eg, ERR_CAP);
	rng_state = UINT64_C(0x2545f4914f6cdd1d);
	for (i = 0; i < VALID_RECORDS; i++) {
		record_batch_init(&b);
		random_batch(&b);
		if (i % 50 == 7)
			b.seq = 0; /* invalid: sequence numbers start at 1 */
		strbuf_reset(&a);
		strbuf_reset(&g);
		CU_ASSERT_EQUAL_FATAL(record_encode_version(&b, version, &a, &ea),
		                      record_encode_generic_version(&b, version, &g, &eg));
		CU_ASSERT_EQUAL_FATAL(a.len, g.len);
		CU_ASSERT_FATAL(a.len == 0 || memcmp(a.data, g.data, a.len) == 0);
		/* record_encode() writes the current version by the same path. */
		(void)record_schema_versions(&cur);
		if (cur[0].version == version) {
			strbuf_reset(&g);
			CU_ASSERT_EQUAL(record_encode(&b, &g, &eg), a.len > 0 ? 0 : -1);
			CU_ASSERT(g.len == a.len && (a.len == 0 || memcmp(a.data, g.data, a.len) == 0));
		}
		record_batch_free(&b);
	}
	/* A buffer too small for the record: refused by both, left as it was. */
	record_batch_init(&b);
	random_batch(&b);
	strbuf_release(&a);
	strbuf_release(&g);
	strbuf_init(&a, 16);
	strbuf_init(&g, 16);
	CU_ASSERT_EQUAL(record_encode_version(&b, version, &a, &ea), -1);
	CU_ASSERT_EQUAL(record_encode_generic_version(&b, version, &g, &eg), -1);
	CU_ASSERT_EQUAL(a.len, 0);
	CU_ASSERT_EQUAL(g.len, 0);
	record_batch_free(&b);
	strbuf_release(&a);
	strbuf_release(&g);
	strbuf_release(&ea);
	strbuf_release(&eg);
}


static void assert_same_batch(const struct record_batch *a, const struct record_batch *b)
{
	size_t i;

	CU_ASSERT_STRING_EQUAL(a->carrier, b->carrier);
	CU_ASSERT_STRING_EQUAL(a->collector, b->collector);
	CU_ASSERT_EQUAL(a->epoch, b->epoch);
	CU_ASSERT_EQUAL(a->seq, b->seq);
	CU_ASSERT_EQUAL(a->window_start_ms, b->window_start_ms);
	CU_ASSERT_EQUAL(a->window_end_ms, b->window_end_ms);
	CU_ASSERT_EQUAL(a->correction, b->correction);
	CU_ASSERT_EQUAL(memcmp(&a->health, &b->health, sizeof(a->health)), 0);
	CU_ASSERT_EQUAL(a->vouch_start_ms, b->vouch_start_ms);
	CU_ASSERT_EQUAL(a->vouch_end_ms, b->vouch_end_ms);
	CU_ASSERT_EQUAL_FATAL(a->ncells, b->ncells);
	for (i = 0; i < a->ncells; i++)
		CU_ASSERT_EQUAL(memcmp(&a->cells[i], &b->cells[i], sizeof(a->cells[i])), 0);
}

/* The heart of the test: decode data[0..len) both ways and compare. */
static void check_input(const unsigned char *data, size_t len)
{
	unsigned char *copy = malloc(len > 0 ? len : 1), *body;
	struct record_batch fast, ref, direct;
	struct strbuf ferr, rerr;
	enum record_decode_status fs, rs;
	size_t i;
	int d, m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	if (len > 0)
		memcpy(copy, data, len);
	record_batch_init(&fast);
	record_batch_init(&ref);
	record_batch_init(&direct);
	strbuf_init(&ferr, ERR_CAP);
	strbuf_init(&rerr, ERR_CAP);
	/* Exactly len bytes: a read past the end is a heap overflow. */
	fs = record_decode(copy, len, &fast, &ferr);
	rs = record_decode_generic(copy, len, &ref, &rerr);
	if (fs != rs)
		fprintf(stderr, "record_decode %d, reference %d (%s)\n", (int)fs, (int)rs,
		        rerr.data != NULL ? rerr.data : "");
	CU_ASSERT_EQUAL(fs, rs);
	if (fs == RECORD_OK && rs == RECORD_OK) {
		assert_same_batch(&fast, &ref);
	} else {
		CU_ASSERT_EQUAL(fast.ncells, 0);
		CU_ASSERT_STRING_EQUAL(ferr.data != NULL ? ferr.data : "",
		                       rerr.data != NULL ? rerr.data : "");
	}
	switch (rs) {
	case RECORD_OK:
		tally.ok++;
		break;
	case RECORD_CORRUPT:
		tally.corrupt++;
		break;
	case RECORD_NOT_OURS:
		tally.not_ours++;
		break;
	case RECORD_UNKNOWN_SCHEMA:
		tally.unknown++;
		break;
	}
	/* The hand decoder alone, on a body of exactly its length, in the
	 * layout of the record's fingerprint. */
	if (len >= HEADER_LEN && rs != RECORD_NOT_OURS && rs != RECORD_UNKNOWN_SCHEMA) {
		uint64_t fp = 0;
		const struct record_schema_version *v;
		const struct record_body_layout *l;

		for (i = 0; i < 8; i++)
			fp |= (uint64_t)copy[2 + i] << (8 * i);
		v = record_schema_find(fp);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		l = record_body_layout_of(v->version);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		body = malloc(len - HEADER_LEN > 0 ? len - HEADER_LEN : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		memcpy(body, copy + HEADER_LEN, len - HEADER_LEN);
		d = record_body_decode(l, body, len - HEADER_LEN, &direct);
		if (d == 0) {
			tally.fast_accepts++;
			/* What it accepts are C strings within their fields and
			 * enum values in range, whatever the batch checks say. */
			CU_ASSERT_PTR_NOT_NULL(memchr(direct.carrier, '\0', sizeof(direct.carrier)));
			CU_ASSERT_PTR_NOT_NULL(memchr(direct.collector, '\0', sizeof(direct.collector)));
			CU_ASSERT(direct.ncells <= RECORD_CELLS_MAX);
			for (i = 0; i < direct.ncells; i++) {
				const struct record_cell *c = &direct.cells[i];

				for (m = 0; m < AR_METHOD_COUNT; m++)
					CU_ASSERT((unsigned)c->result[m] < AR_RESULT_COUNT);
				CU_ASSERT((unsigned)c->dmarc_policy < POL_COUNT);
				CU_ASSERT((unsigned)c->spam < SPAM_COUNT);
				CU_ASSERT((unsigned)c->fate < FATE_COUNT);
				if (v->version == 1)
					CU_ASSERT_EQUAL(c->fate, FATE_UNKNOWN);
			}
		}
		/* Every valid record takes the fast path, with the same batch. */
		if (rs == RECORD_OK) {
			CU_ASSERT_EQUAL(d, 0);
			if (d == 0)
				assert_same_batch(&direct, &ref);
		}
		free(body);
	}
	record_batch_free(&fast);
	record_batch_free(&ref);
	record_batch_free(&direct);
	strbuf_release(&ferr);
	strbuf_release(&rerr);
	free(copy);
}

static void check_buf(const struct strbuf *t)
{
	check_input((const unsigned char *)t->data, t->len);
}

/* Flip, insert or delete a few bytes (mostly in the body). */
static void mutate(struct strbuf *t)
{
	int k, n = 1 + (int)rng_below(3);
	size_t at;

	for (k = 0; k < n && t->len > 0; k++) {
		at = t->len > HEADER_LEN && rng_below(10) ? HEADER_LEN + (size_t)rng_below(t->len - HEADER_LEN)
		                                          : (size_t)rng_below(t->len);
		switch (rng_below(4)) {
		case 0:
		case 1:
			t->data[at] = (char)(t->data[at] ^ (char)(1 + rng_below(255)));
			break;
		case 2:
			/* Delete the byte at `at`. */
			memmove(t->data + at, t->data + at + 1, t->len - at - 1);
			strbuf_truncate(t, t->len - 1);
			break;
		default:
			/* Insert a byte before `at`. */
			CU_ASSERT_EQUAL_FATAL(strbuf_append_byte(t, 0), 0);
			memmove(t->data + at + 1, t->data + at, t->len - at - 1);
			t->data[at] = (char)rng();
			break;
		}
	}
	if (rng_below(8) == 0 && t->len > 0)
		strbuf_truncate(t, (size_t)rng_below(t->len));
}

/* ---- tests ---- */

/* Records as the collector writes them decode the same both ways, at every
 * length short of the whole too. */
static void test_valid_records(void)
{
	struct strbuf t;
	size_t len;
	int i;

	strbuf_init(&t, OUT_CAP);
	rng_state = UINT64_C(0x853c49e6748fea9b);
	memset(&tally, 0, sizeof(tally));
	for (i = 0; i < VALID_RECORDS; i++) {
		strbuf_reset(&t);
		put_encoded(&t);
		check_buf(&t);
		/* Every truncation of a few of them. */
		if (i % 40 == 0 && t.len < 4096) {
			for (len = 0; len < t.len; len++)
				check_input((const unsigned char *)t.data, len);
		}
	}
	printf("\n  valid: ok %u, corrupt %u, not ours %u\n", tally.ok, tally.corrupt,
	       tally.not_ours);
	CU_ASSERT(tally.ok >= VALID_RECORDS);
	CU_ASSERT(tally.corrupt > 0);
	strbuf_release(&t);
}

/* Bodies written field by field, now and then wrong in one place. */
static void test_crafted_bodies(void)
{
	struct strbuf t;
	int i;

	strbuf_init(&t, OUT_CAP);
	rng_state = UINT64_C(0x2545f4914f6cdd1d);
	memset(&tally, 0, sizeof(tally));
	for (i = 0; i < CRAFTED_BODIES; i++) {
		strbuf_reset(&t);
		put_crafted(&t, i % 2);
		check_buf(&t);
	}
	printf("\n  crafted: ok %u, corrupt %u, hand decoder accepted %u\n", tally.ok,
	       tally.corrupt, tally.fast_accepts);
	/* Both outcomes, and bodies the hand decoder accepts but the batch
	 * checks refuse (seq, window, repeats), happened. */
	CU_ASSERT(tally.ok > CRAFTED_BODIES / 10);
	CU_ASSERT(tally.corrupt > CRAFTED_BODIES / 10);
	CU_ASSERT(tally.fast_accepts > tally.ok);
	strbuf_release(&t);
}

/* Byte flips, insertions, deletions and cuts of valid and crafted records. */
static void test_mutations(void)
{
	struct strbuf t;
	int i;

	strbuf_init(&t, OUT_CAP);
	rng_state = UINT64_C(0x9e3779b97f4a7c15);
	memset(&tally, 0, sizeof(tally));
	for (i = 0; i < MUTATIONS; i++) {
		strbuf_reset(&t);
		if (i % 2)
			put_encoded(&t);
		else
			put_crafted(&t, 0);
		mutate(&t);
		check_buf(&t);
	}
	printf("\n  mutated: ok %u, corrupt %u, not ours %u, unknown %u\n", tally.ok,
	       tally.corrupt, tally.not_ours, tally.unknown);
	CU_ASSERT(tally.ok > 0 && tally.corrupt > 0 && tally.not_ours > 0 && tally.unknown > 0);
	strbuf_release(&t);
}

/* Random bytes behind the version's header, and short inputs of any kind. */
static void test_random_bodies(void)
{
	struct strbuf t;
	size_t n, k;
	int i;

	strbuf_init(&t, OUT_CAP);
	rng_state = UINT64_C(0xda942042e4dd58b5);
	memset(&tally, 0, sizeof(tally));
	for (i = 0; i < RANDOM_BODIES; i++) {
		strbuf_reset(&t);
		n = (size_t)rng_below(i % 3 == 0 ? 16 : 200);
		if (i % 5 != 0)
			put_header(&t, version_fingerprint());
		for (k = 0; k < n; k++)
			put_byte(&t, (unsigned char)(i % 2 ? rng() : rng_below(3)));
		check_buf(&t);
	}
	/* The empty input. */
	check_input((const unsigned char *)"", 0);
	printf("\n  random: ok %u, corrupt %u, not ours %u\n", tally.ok, tally.corrupt,
	       tally.not_ours);
	CU_ASSERT(tally.corrupt > 0 && tally.not_ours > 0);
	strbuf_release(&t);
}

/* The hand decoder refuses what it must, on its own: a few bodies by hand. */
static void test_direct_refusals(void)
{
	struct record_batch b;
	struct strbuf t;
	int i;

	strbuf_init(&t, OUT_CAP);
	record_batch_init(&b);
	/* The empty body, and a body of only a carrier. */
	CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)"", 0, &b), -1);
	put_long(&t, 1);
	put_byte(&t, 'x');
	CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)t.data, t.len, &b), -1);
	/* A minimal valid body: "x", "y", 0, 1, 0, 1, false, no cells, health
	 * (and v2's empty vouched span). */
	strbuf_reset(&t);
	put_long(&t, 1);
	put_byte(&t, 'x');
	put_long(&t, 1);
	put_byte(&t, 'y');
	put_long(&t, 0);
	put_long(&t, 1);
	put_long(&t, 0);
	put_long(&t, 1);
	put_byte(&t, 0);
	put_long(&t, 0);
	for (i = 0; i < (version >= 2 ? 8 + 2 : 7); i++) /* health; v2: the vouched span */
		put_long(&t, 0);
	CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)t.data, t.len, &b), 0);
	CU_ASSERT_STRING_EQUAL(b.carrier, "x");
	CU_ASSERT_STRING_EQUAL(b.collector, "y");
	CU_ASSERT_EQUAL(b.seq, 1);
	/* Each proper prefix is refused, and so is one byte more. */
	for (i = 0; i < (int)t.len; i++) {
		record_batch_free(&b);
		record_batch_init(&b);
		CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)t.data, (size_t)i, &b), -1);
	}
	put_byte(&t, 0);
	record_batch_free(&b);
	record_batch_init(&b);
	CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)t.data, t.len, &b), -1);
	/* Block counts that cannot be negated or lie about what follows. */
	{
		static const int64_t counts[] = { INT64_MIN, INT64_MIN + 1, -1, INT64_MAX };
		size_t k;

		for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
			strbuf_reset(&t);
			put_header(&t, version_fingerprint());
			put_long(&t, 0);
			put_long(&t, 0);
			for (i = 0; i < 4; i++)
				put_long(&t, 1);
			put_byte(&t, 0);
			put_long(&t, counts[k]);
			put_long(&t, 7); /* a block size, or the first cell's spf */
			for (i = 0; i < 14; i++)
				put_long(&t, 0);
			record_batch_free(&b);
			record_batch_init(&b);
			CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)t.data + HEADER_LEN,
			                                 t.len - HEADER_LEN, &b), -1);
			check_buf(&t);
		}
	}
	/* A cell count of more combinations than exist, in a body that could
	 * hold that many one-byte items: refused before any is read. */
	strbuf_reset(&t);
	put_long(&t, 0);
	put_long(&t, 0);
	for (i = 0; i < 4; i++)
		put_long(&t, 1);
	put_byte(&t, 0);
	put_long(&t, RECORD_CELLS_MAX + 1);
	while (t.len < (size_t)(RECORD_CELLS_MAX + 1) * 8)
		put_byte(&t, 0);
	record_batch_free(&b);
	record_batch_init(&b);
	CU_ASSERT_EQUAL(record_body_decode(layout, (const unsigned char *)t.data, t.len, &b), -1);
	CU_ASSERT_EQUAL(b.ncells, 0);
	record_batch_free(&b);
	strbuf_release(&t);
}

/* What v1 cannot carry (a fate, input losses, a vouched span) is refused
 * by both writers of v1 with the same reason, never written without it; v2
 * writes each, and both decoders read it back. */
static void test_v1_refuses_v2_content(void)
{
	struct strbuf a, g, ea, eg;
	struct record_batch b, d;
	size_t k;

	if (version != 1)
		return;
	strbuf_init(&a, OUT_CAP);
	strbuf_init(&g, OUT_CAP);
	strbuf_init(&ea, ERR_CAP);
	strbuf_init(&eg, ERR_CAP);
	/* k: a cell held, input losses, a vouched span. */
	for (k = 0; k < 3; k++) {
		record_batch_init(&b);
		record_batch_init(&d);
		rng_state = UINT64_C(0x853c49e6748fea9b) + k;
		do {
			record_batch_free(&b);
			record_batch_init(&b);
			random_batch(&b);
		} while (b.ncells == 0);
		if (k == 0)
			b.cells[b.ncells - 1].fate = FATE_HELD;
		else if (k == 1)
			b.health.input_losses = 2;
		else
			b.vouch_end_ms = 1 + (b.vouch_start_ms = 1793458800000);
		strbuf_reset(&a);
		strbuf_reset(&g);
		CU_ASSERT_EQUAL(record_encode_version(&b, 1, &a, &ea), -1);
		CU_ASSERT_EQUAL(record_encode_generic_version(&b, 1, &g, &eg), -1);
		CU_ASSERT_EQUAL(a.len + g.len, 0);
		CU_ASSERT_STRING_EQUAL(ea.data, eg.data);
		CU_ASSERT_PTR_NOT_NULL(strstr(ea.data, "schema v1 cannot carry"));
		CU_ASSERT_EQUAL(record_encode_version(&b, 2, &a, &ea), 0);
		CU_ASSERT_EQUAL(record_decode(a.data, a.len, &d, &ea), RECORD_OK);
		assert_same_batch(&b, &d);
		check_buf(&a);
		record_batch_free(&b);
		record_batch_free(&d);
	}
	strbuf_release(&a);
	strbuf_release(&g);
	strbuf_release(&ea);
	strbuf_release(&eg);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "valid records decode the same both ways", test_valid_records },
		{ "crafted bodies decode the same both ways", test_crafted_bodies },
		{ "mutated records decode the same both ways", test_mutations },
		{ "random bodies decode the same both ways", test_random_bodies },
		{ "the hand decoder refuses on its own", test_direct_refusals },
		{ "the hand encoder writes what the reference writes", test_encoder_matches_reference },
		{ "v1 refuses what only v2 carries", test_v1_refuses_v2_content },
	};
	static const struct {
		const char *name;
		CU_InitializeFunc init;
	} suites[] = {
		{ "record_body v1", use_v1 },
		{ "record_body v2", use_v2 },
	};
	CU_pSuite suite;
	unsigned failures;
	size_t i, k;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (k = 0; k < sizeof(suites) / sizeof(suites[0]); k++) {
		suite = CU_add_suite(suites[k].name, suites[k].init, NULL);
		if (suite == NULL) {
			CU_cleanup_registry();
			return 1;
		}
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
			if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
				CU_cleanup_registry();
				return 1;
			}
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures == 0 ? 0 : 1;
}
