/*
 * Unit tests for domain/record: the single-object wire form of count batches.
 *
 * Bodies for the decoder's checks are built here by a small Avro binary
 * writer of the test's own, so the decoder is tested against bytes the
 * encoder would refuse to produce; the same writer also reproduces
 * record_encode()'s output byte for byte, which ties both to the format
 * rather than to each other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "avro_canon.h"
#include "record.h"
#include "strbuf.h"

extern const char *const arstat_schema_texts[];
extern const size_t arstat_schema_count;

/*
 * The fingerprints of schemas/counts-v1.avsc and counts-v2.avsc, printed once
 * from avro_schema_json_fingerprint() and cross-checked with an independent
 * CRC-64-AVRO (a Python transcription of the specification's) over the
 * canonical forms below. If this test fails, a schema file was edited: a
 * published schema must never change; add the next version instead.
 */
#define COUNTS_V1_FINGERPRINT UINT64_C(0xe8498559bbe2c212)
#define COUNTS_V2_FINGERPRINT UINT64_C(0x3d9ad876c2dfe1a6)

static const char counts_v1_canonical[] =
	"{\"name\":\"org.arstat.CountBatch\",\"type\":\"record\",\"fields\":["
	"{\"name\":\"carrier\",\"type\":\"string\"},{\"name\":\"collector\",\"type\":\"string\"},"
	"{\"name\":\"epoch\",\"type\":\"long\"},{\"name\":\"seq\",\"type\":\"long\"},"
	"{\"name\":\"window_start\",\"type\":\"long\"},{\"name\":\"window_end\",\"type\":\"long\"},"
	"{\"name\":\"correction\",\"type\":\"boolean\"},"
	"{\"name\":\"cells\",\"type\":{\"type\":\"array\",\"items\":{\"name\":\"org.arstat.Cell\","
	"\"type\":\"record\",\"fields\":["
	"{\"name\":\"spf\",\"type\":{\"name\":\"org.arstat.Result\",\"type\":\"enum\",\"symbols\":["
	"\"none\",\"pass\",\"fail\",\"softfail\",\"neutral\",\"temperror\",\"permerror\",\"policy\","
	"\"absent\"]}},"
	"{\"name\":\"dkim\",\"type\":\"org.arstat.Result\"},"
	"{\"name\":\"dmarc\",\"type\":\"org.arstat.Result\"},"
	"{\"name\":\"arc\",\"type\":\"org.arstat.Result\"},"
	"{\"name\":\"dmarc_policy\",\"type\":{\"name\":\"org.arstat.Policy\",\"type\":\"enum\","
	"\"symbols\":[\"absent\",\"none\",\"quarantine\",\"reject\"]}},"
	"{\"name\":\"spam\",\"type\":{\"name\":\"org.arstat.Spam\",\"type\":\"enum\",\"symbols\":["
	"\"unknown\",\"ham\",\"spam\"]}},"
	"{\"name\":\"messages\",\"type\":\"long\"}]}}},"
	"{\"name\":\"health\",\"type\":{\"name\":\"org.arstat.Health\",\"type\":\"record\",\"fields\":["
	"{\"name\":\"lines_read\",\"type\":\"long\"},{\"name\":\"lines_malformed\",\"type\":\"long\"},"
	"{\"name\":\"lines_overlong\",\"type\":\"long\"},"
	"{\"name\":\"headers_untrusted\",\"type\":\"long\"},"
	"{\"name\":\"headers_malformed\",\"type\":\"long\"},"
	"{\"name\":\"messages_evicted\",\"type\":\"long\"},"
	"{\"name\":\"messages_late\",\"type\":\"long\"}]}}]}";

static const char counts_v2_canonical[] =
	"{\"name\":\"org.arstat.CountBatch\",\"type\":\"record\",\"fields\":[{\"name\":\"carrier"
	"\",\"type\":\"string\"},{\"name\":\"collector\",\"type\":\"string\"},{\"name\":\"epoch\""
	",\"type\":\"long\"},{\"name\":\"seq\",\"type\":\"long\"},{\"name\":\"window_start\",\"ty"
	"pe\":\"long\"},{\"name\":\"window_end\",\"type\":\"long\"},{\"name\":\"correction\",\"ty"
	"pe\":\"boolean\"},{\"name\":\"cells\",\"type\":{\"type\":\"array\",\"items\":{\"name\":"
	"\"org.arstat.Cell\",\"type\":\"record\",\"fields\":[{\"name\":\"spf\",\"type\":{\"name\""
	":\"org.arstat.Result\",\"type\":\"enum\",\"symbols\":[\"none\",\"pass\",\"fail\",\"softf"
	"ail\",\"neutral\",\"temperror\",\"permerror\",\"policy\",\"absent\"]}},{\"name\":\"dkim"
	"\",\"type\":\"org.arstat.Result\"},{\"name\":\"dmarc\",\"type\":\"org.arstat.Result\"},{"
	"\"name\":\"arc\",\"type\":\"org.arstat.Result\"},{\"name\":\"dmarc_policy\",\"type\":{\""
	"name\":\"org.arstat.Policy\",\"type\":\"enum\",\"symbols\":[\"absent\",\"none\",\"quaran"
	"tine\",\"reject\"]}},{\"name\":\"spam\",\"type\":{\"name\":\"org.arstat.Spam\",\"type\":"
	"\"enum\",\"symbols\":[\"unknown\",\"ham\",\"spam\"]}},{\"name\":\"fate\",\"type\":{\"nam"
	"e\":\"org.arstat.Fate\",\"type\":\"enum\",\"symbols\":[\"unknown\",\"accepted\",\"reject"
	"ed\",\"discarded\",\"held\"]}},{\"name\":\"messages\",\"type\":\"long\"}]}}},{\"name\":"
	"\"health\",\"type\":{\"name\":\"org.arstat.Health\",\"type\":\"record\",\"fields\":[{\"n"
	"ame\":\"lines_read\",\"type\":\"long\"},{\"name\":\"lines_malformed\",\"type\":\"long\"}"
	",{\"name\":\"lines_overlong\",\"type\":\"long\"},{\"name\":\"headers_untrusted\",\"type"
	"\":\"long\"},{\"name\":\"headers_malformed\",\"type\":\"long\"},{\"name\":\"messages_evi"
	"cted\",\"type\":\"long\"},{\"name\":\"messages_late\",\"type\":\"long\"},{\"name\":\"inp"
	"ut_losses\",\"type\":\"long\"}]}},{\"name\":\"vouch_start\",\"type\":\"long\"},{\"name\""
	":\"vouch_end\",\"type\":\"long\"}]}";

#define OUT_CAP (16 * 1024 * 1024)
#define ERR_CAP 512

/* ---- helpers ---- */

/* The schema version the batches and the Avro writer below are for: 1 or 2. */
static int wv = 1;

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The i-th of all combinations, so that cells are distinct. */
static void cell_nth(size_t i, struct record_cell *c)
{
	int m;

	memset(c, 0, sizeof(*c));
	c->spam = (enum ar_spam)(i % SPAM_COUNT);
	i /= SPAM_COUNT;
	c->dmarc_policy = (enum ar_policy)(i % POL_COUNT);
	i /= POL_COUNT;
	for (m = AR_METHOD_COUNT - 1; m >= 0; m--) {
		c->result[m] = (enum ar_result)(i % AR_RESULT_COUNT);
		i /= AR_RESULT_COUNT;
	}
	c->fate = (enum ar_fate)i;
}

static void batch_fill(struct record_batch *b, size_t ncells)
{
	struct record_cell c;
	size_t i;

	record_batch_init(b);
	memcpy(b->carrier, "jp-docomo", sizeof("jp-docomo"));
	memcpy(b->collector, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 65);
	b->epoch = INT64_C(-7310457412598237121);
	b->seq = 42;
	b->window_start_ms = INT64_C(1714521600000);
	b->window_end_ms = INT64_C(1714525200000);
	b->correction = 1;
	for (i = 0; i < ncells; i++) {
		/* Spread over the combinations, not just the first few. */
		cell_nth((i * 7919) % (wv >= 2 ? RECORD_CELLS_MAX : RECORD_CELLS_V1_MAX), &c);
		c.messages = (int64_t)(i * i * 1000003 % 100000) + (i == 0 ? INT64_C(1) << 40 : 1);
		record_batch_add_cell(b, &c);
	}
	b->health.lines_read = 1000000;
	b->health.lines_malformed = 3;
	b->health.lines_overlong = 1;
	b->health.headers_untrusted = 17;
	b->health.headers_malformed = 2;
	b->health.messages_evicted = 0;
	b->health.messages_late = INT64_MAX;
	if (wv >= 2) {
		b->health.input_losses = 2;
		b->vouch_start_ms = INT64_C(1714514400000);
		b->vouch_end_ms = INT64_C(1714525200000);
	}
}

static void assert_batch_equal(const struct record_batch *a, const struct record_batch *b)
{
	size_t i;
	int m;

	CU_ASSERT_STRING_EQUAL(a->carrier, b->carrier);
	CU_ASSERT_STRING_EQUAL(a->collector, b->collector);
	CU_ASSERT_EQUAL(a->epoch, b->epoch);
	CU_ASSERT_EQUAL(a->seq, b->seq);
	CU_ASSERT_EQUAL(a->window_start_ms, b->window_start_ms);
	CU_ASSERT_EQUAL(a->window_end_ms, b->window_end_ms);
	CU_ASSERT_EQUAL(a->correction != 0, b->correction != 0);
	CU_ASSERT_EQUAL(memcmp(&a->health, &b->health, sizeof(a->health)), 0);
	CU_ASSERT_EQUAL(a->vouch_start_ms, b->vouch_start_ms);
	CU_ASSERT_EQUAL(a->vouch_end_ms, b->vouch_end_ms);
	CU_ASSERT_EQUAL_FATAL(a->ncells, b->ncells);
	for (i = 0; i < a->ncells; i++) {
		for (m = 0; m < AR_METHOD_COUNT; m++)
			CU_ASSERT_EQUAL(a->cells[i].result[m], b->cells[i].result[m]);
		CU_ASSERT_EQUAL(a->cells[i].dmarc_policy, b->cells[i].dmarc_policy);
		CU_ASSERT_EQUAL(a->cells[i].spam, b->cells[i].spam);
		CU_ASSERT_EQUAL(a->cells[i].fate, b->cells[i].fate);
		CU_ASSERT_EQUAL(a->cells[i].messages, b->cells[i].messages);
	}
}

/* What every decoded batch must satisfy, whatever the input was. */
static int batch_valid(const struct record_batch *b)
{
	size_t i;
	int m;

	if (memchr(b->carrier, '\0', sizeof(b->carrier)) == NULL ||
	    memchr(b->collector, '\0', sizeof(b->collector)) == NULL || b->seq < 1 ||
	    b->window_end_ms <= b->window_start_ms || b->ncells > RECORD_CELLS_MAX)
		return 0;
	if (b->health.lines_read < 0 || b->health.lines_malformed < 0 || b->health.lines_overlong < 0 ||
	    b->health.headers_untrusted < 0 || b->health.headers_malformed < 0 ||
	    b->health.messages_evicted < 0 || b->health.messages_late < 0)
		return 0;
	for (i = 0; i < b->ncells; i++) {
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			if ((unsigned)b->cells[i].result[m] >= AR_RESULT_COUNT)
				return 0;
		}
		if ((unsigned)b->cells[i].dmarc_policy >= POL_COUNT ||
		    (unsigned)b->cells[i].spam >= SPAM_COUNT || b->cells[i].messages < 0)
			return 0;
	}
	return 1;
}

/* Encode a batch of ncells into out (reset first); asserts success. */
static void encode_fill(struct strbuf *out, size_t ncells)
{
	struct record_batch b;
	struct strbuf err;

	strbuf_init(&err, ERR_CAP);
	batch_fill(&b, ncells);
	strbuf_reset(out);
	CU_ASSERT_EQUAL(record_encode_version(&b, wv, out, &err), 0);
	if (err.len > 0)
		fprintf(stderr, "encode: %s\n", err.data);
	record_batch_free(&b);
	strbuf_release(&err);
}

static enum record_decode_status decode_buf(const struct strbuf *in, struct record_batch *b,
                                            struct strbuf *err)
{
	return record_decode(in->data, in->len, b, err);
}

/* ---- an Avro binary writer of the test's own ---- */

static void put_byte(struct strbuf *t, unsigned char c)
{
	CU_ASSERT_EQUAL_FATAL(strbuf_append_byte(t, c), 0);
}

/* Raw varint of an unsigned value, no zig-zag. */
static void put_varint(struct strbuf *t, uint64_t z)
{
	while (z >= 0x80) {
		put_byte(t, (unsigned char)(z | 0x80));
		z >>= 7;
	}
	put_byte(t, (unsigned char)z);
}

static void put_long(struct strbuf *t, int64_t v)
{
	uint64_t sign = v < 0 ? ~UINT64_C(0) : 0;

	put_varint(t, ((uint64_t)v << 1) ^ sign);
}

static void put_bytes(struct strbuf *t, const void *s, size_t n)
{
	put_long(t, (int64_t)n);
	CU_ASSERT_EQUAL_FATAL(strbuf_append(t, s, n), 0);
}

static void put_str(struct strbuf *t, const char *s)
{
	put_bytes(t, s, strlen(s));
}

static void put_header(struct strbuf *t, uint64_t fp)
{
	int i;

	put_byte(t, 0xC3);
	put_byte(t, 0x01);
	for (i = 0; i < 8; i++)
		put_byte(t, (unsigned char)(fp >> (8 * i)));
}

/* Cell fields as raw numbers, so that out-of-range values can be written. */
struct raw_cell {
	int64_t e[7]; /* spf dkim dmarc arc policy spam fate (fate from v2 only) */
	int64_t messages;
};

static void put_raw_cell(struct strbuf *t, const struct raw_cell *c)
{
	int i;

	for (i = 0; i < (wv >= 2 ? 7 : 6); i++)
		put_long(t, c->e[i]);
	put_long(t, c->messages);
}

static void raw_from_cell(const struct record_cell *c, struct raw_cell *r)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		r->e[m] = c->result[m];
	r->e[4] = c->dmarc_policy;
	r->e[5] = c->spam;
	r->e[6] = c->fate;
	r->messages = c->messages;
}

static void put_health(struct strbuf *t, const struct record_health *h)
{
	put_long(t, h->lines_read);
	put_long(t, h->lines_malformed);
	put_long(t, h->lines_overlong);
	put_long(t, h->headers_untrusted);
	put_long(t, h->headers_malformed);
	put_long(t, h->messages_evicted);
	put_long(t, h->messages_late);
	if (wv >= 2)
		put_long(t, h->input_losses);
}

/* What follows the cells: the health record, and from v2 the vouched span. */
static void put_tail(struct strbuf *t, const struct record_batch *b)
{
	put_health(t, &b->health);
	if (wv >= 2) {
		put_long(t, b->vouch_start_ms);
		put_long(t, b->vouch_end_ms);
	}
}

/* Header and the fields before the cells, from b. */
static void put_prefix(struct strbuf *t, const struct record_batch *b)
{
	put_header(t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	put_str(t, b->carrier);
	put_str(t, b->collector);
	put_long(t, b->epoch);
	put_long(t, b->seq);
	put_long(t, b->window_start_ms);
	put_long(t, b->window_end_ms);
	put_byte(t, b->correction ? 1 : 0);
}

/* A whole record of b, cells in one block as Avro C writes them. */
static void put_record(struct strbuf *t, const struct record_batch *b)
{
	struct raw_cell r;
	size_t i;

	put_prefix(t, b);
	if (b->ncells > 0) {
		put_long(t, (int64_t)b->ncells);
		for (i = 0; i < b->ncells; i++) {
			raw_from_cell(&b->cells[i], &r);
			put_raw_cell(t, &r);
		}
	}
	put_long(t, 0);
	put_tail(t, b);
}

/* Decode t and expect st; on failure the batch must hold no cells and err a
 * reason, which contains `reason` unless that is NULL. */
static void expect_decode(const struct strbuf *t, enum record_decode_status st, const char *reason)
{
	struct record_batch b;
	struct strbuf err;
	enum record_decode_status got;

	strbuf_init(&err, ERR_CAP);
	record_batch_init(&b);
	got = decode_buf(t, &b, &err);
	if (got != st)
		fprintf(stderr, "decode: got %d want %d (%s)\n", (int)got, (int)st,
		        err.data != NULL ? err.data : "");
	CU_ASSERT_EQUAL(got, st);
	if (st != RECORD_OK) {
		CU_ASSERT_EQUAL(b.ncells, 0);
		CU_ASSERT_FATAL(err.len > 0);
		if (reason != NULL && strstr(err.data, reason) == NULL) {
			fprintf(stderr, "decode: reason \"%s\" lacks \"%s\"\n", err.data, reason);
			CU_FAIL("decode failed for another reason");
		}
	}
	record_batch_free(&b);
	strbuf_release(&err);
}

/* ---- tests ---- */

static void test_fingerprint_stable(void)
{
	const struct record_schema_version *v = NULL;
	const char *text = arstat_schema_texts[arstat_schema_count - 1];
	avro_schema_t schema = NULL;
	struct strbuf canon;
	uint64_t fp = 0;
	size_t n, i, j;

	static const struct {
		const char *canonical;
		uint64_t fingerprint;
	} pinned[] = {
		{ counts_v1_canonical, COUNTS_V1_FINGERPRINT },
		{ counts_v2_canonical, COUNTS_V2_FINGERPRINT },
	};

	printf("\n  counts-v%zu fingerprint: 0x%016" PRIx64 "\n", arstat_schema_count,
	       record_current_fingerprint());
	CU_ASSERT_EQUAL_FATAL(arstat_schema_count, sizeof(pinned) / sizeof(pinned[0]));
	CU_ASSERT_EQUAL(record_current_fingerprint(), COUNTS_V2_FINGERPRINT);
	for (i = 0; i < arstat_schema_count; i++) {
		const char *t = arstat_schema_texts[i];

		CU_ASSERT_EQUAL(avro_schema_json_fingerprint(t, &fp), 0);
		CU_ASSERT_EQUAL(fp, pinned[i].fingerprint);
		CU_ASSERT_EQUAL(avro_crc64(pinned[i].canonical, strlen(pinned[i].canonical)),
		                pinned[i].fingerprint);
		strbuf_init(&canon, 65536);
		CU_ASSERT_EQUAL_FATAL(avro_schema_from_json_length(t, strlen(t), &schema), 0);
		CU_ASSERT_EQUAL(avro_canonical_form(schema, &canon), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(canon.data);
		CU_ASSERT_STRING_EQUAL(canon.data, pinned[i].canonical);
		avro_schema_decref(schema);
		strbuf_release(&canon);
	}

	n = record_schema_versions(&v);
	CU_ASSERT_EQUAL_FATAL(n, arstat_schema_count);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v[0].version, (int)n);
	CU_ASSERT_EQUAL(v[0].fingerprint, record_current_fingerprint());
	CU_ASSERT_PTR_EQUAL(v[0].json, text);
	CU_ASSERT_EQUAL(v[n - 1].version, 1);
	CU_ASSERT_EQUAL(v[n - 1].fingerprint, COUNTS_V1_FINGERPRINT);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(avro_schema_json_fingerprint(v[i].json, &fp), 0);
		CU_ASSERT_EQUAL(fp, v[i].fingerprint);
		for (j = i + 1; j < n; j++)
			CU_ASSERT_NOT_EQUAL(v[i].fingerprint, v[j].fingerprint);
	}
}

static void test_header_bytes(void)
{
	static const unsigned char want[10] = { 0xC3, 0x01, 0xa6, 0xe1, 0xdf, 0xc2,
		                                0x76, 0xd8, 0x9a, 0x3d };
	struct strbuf out;

	strbuf_init(&out, OUT_CAP);
	wv = 2; /* the current version */
	encode_fill(&out, 3);
	wv = 1;
	CU_ASSERT_FATAL(out.len > sizeof(want));
	CU_ASSERT_EQUAL(memcmp(out.data, want, sizeof(want)), 0);
	strbuf_release(&out);
}

static void test_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 5, 300 };
	struct record_batch in, got;
	struct strbuf out, err;
	size_t k;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		batch_fill(&in, sizes[k]);
		record_batch_init(&got);
		strbuf_reset(&out);
		CU_ASSERT_EQUAL(record_encode(&in, &out, &err), 0);
		CU_ASSERT_EQUAL(decode_buf(&out, &got, &err), RECORD_OK);
		assert_batch_equal(&in, &got);
		record_batch_free(&in);
		record_batch_free(&got);
	}
	/* Empty strings, no correction, extreme values. */
	batch_fill(&in, 2);
	in.carrier[0] = '\0';
	in.collector[0] = '\0';
	in.correction = 0;
	in.epoch = INT64_MIN;
	in.seq = INT64_MAX;
	in.window_start_ms = INT64_MIN;
	in.window_end_ms = INT64_MAX;
	in.cells[1].messages = 0;
	record_batch_init(&got);
	strbuf_reset(&out);
	CU_ASSERT_EQUAL(record_encode(&in, &out, &err), 0);
	CU_ASSERT_EQUAL(decode_buf(&out, &got, &err), RECORD_OK);
	assert_batch_equal(&in, &got);
	CU_ASSERT_EQUAL(got.correction, 0);
	record_batch_free(&in);
	record_batch_free(&got);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Every combination once: the largest valid record. */
static void test_roundtrip_all_cells(void)
{
	struct record_batch in, got;
	struct strbuf out, err;
	struct record_cell c;
	size_t i;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	batch_fill(&in, 0);
	for (i = 0; i < RECORD_CELLS_MAX; i++) {
		cell_nth(i, &c);
		c.messages = (int64_t)i;
		record_batch_add_cell(&in, &c);
	}
	record_batch_init(&got);
	CU_ASSERT_EQUAL(record_encode(&in, &out, &err), 0);
	CU_ASSERT_EQUAL(decode_buf(&out, &got, &err), RECORD_OK);
	assert_batch_equal(&in, &got);
	/* One more is necessarily a repeat, and over the limit. */
	cell_nth(0, &c);
	record_batch_add_cell(&in, &c);
	strbuf_reset(&out);
	CU_ASSERT_EQUAL(record_encode(&in, &out, &err), -1);
	CU_ASSERT_EQUAL(out.len, 0);
	record_batch_free(&in);
	record_batch_free(&got);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* The test's own writer gives the same bytes: the encoder writes the format,
 * and the hand-built bodies below are what the decoder will meet. */
static void test_independent_encoding(void)
{
	struct record_batch b;
	struct strbuf out, mine;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&mine, OUT_CAP);
	batch_fill(&b, 40);
	encode_fill(&out, 40);
	put_record(&mine, &b);
	CU_ASSERT_EQUAL_FATAL(out.len, mine.len);
	CU_ASSERT_EQUAL(memcmp(out.data, mine.data, out.len), 0);
	record_batch_free(&b);
	strbuf_release(&out);
	strbuf_release(&mine);
}

static void test_independent_encoding_v2(void)
{
	wv = 2;
	test_independent_encoding();
	wv = 1;
}

static void test_decode_rejects(void);

static void test_decode_rejects_v2(void)
{
	wv = 2;
	test_decode_rejects();
	wv = 1;
}

/* v1 cannot carry what v2 added: such a batch is refused in v1, never
 * written with the addition dropped; v2 carries it through. */
static void test_v1_refuses_v2_content(void)
{
	struct record_batch b, got;
	struct strbuf out, err;
	int k;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	for (k = 0; k < 3; k++) {
		batch_fill(&b, 3);
		if (k == 0)
			b.cells[1].fate = FATE_REJECTED;
		else if (k == 1)
			b.health.input_losses = 1;
		else
			b.vouch_end_ms = 60000;
		strbuf_reset(&out);
		CU_ASSERT_EQUAL(record_encode_version(&b, 1, &out, &err), -1);
		CU_ASSERT_EQUAL(record_encode_generic_version(&b, 1, &out, &err), -1);
		CU_ASSERT_EQUAL(out.len, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "v1 cannot carry"));
		CU_ASSERT_EQUAL(record_encode_version(&b, 2, &out, &err), 0);
		record_batch_init(&got);
		CU_ASSERT_EQUAL(decode_buf(&out, &got, &err), RECORD_OK);
		assert_batch_equal(&b, &got);
		record_batch_free(&got);
		record_batch_free(&b);
	}
	/* A vouched span must be empty or a span. */
	batch_fill(&b, 1);
	b.vouch_start_ms = 5;
	b.vouch_end_ms = 5;
	strbuf_reset(&out);
	CU_ASSERT_EQUAL(record_encode(&b, &out, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "vouched span"));
	CU_ASSERT_EQUAL(record_encode_version(&b, 9, &out, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "no schema version 9"));
	record_batch_free(&b);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Records are appended; a failed encode leaves out as it was. */
static void test_encode_appends(void)
{
	struct record_batch b, got;
	struct strbuf out, err;
	size_t first;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	batch_fill(&b, 4);
	CU_ASSERT_EQUAL(strbuf_append_str(&out, "xy"), 0);
	CU_ASSERT_EQUAL(record_encode(&b, &out, &err), 0);
	first = out.len;
	CU_ASSERT_EQUAL(record_encode(&b, &out, &err), 0);
	CU_ASSERT_EQUAL(out.len - first, first - 2);
	CU_ASSERT_EQUAL(memcmp(out.data + 2, out.data + first, first - 2), 0);
	record_batch_init(&got);
	CU_ASSERT_EQUAL(record_decode(out.data + first, out.len - first, &got, &err), RECORD_OK);
	assert_batch_equal(&b, &got);
	record_batch_free(&b);
	record_batch_free(&got);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* An output cap one byte short fails cleanly; an exact one succeeds, also
 * when the body outgrows the first buffer guess. */
static void test_encode_cap(void)
{
	static const size_t sizes[] = { 0, 3, 200 };
	struct record_batch b;
	struct strbuf full, out, err;
	size_t k, cap;

	strbuf_init(&full, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		batch_fill(&b, sizes[k]);
		strbuf_reset(&full);
		CU_ASSERT_EQUAL(record_encode(&b, &full, &err), 0);
		for (cap = 0; cap <= full.len; cap++) {
			strbuf_init(&out, cap);
			strbuf_reset(&err);
			if (cap < full.len) {
				CU_ASSERT_EQUAL(record_encode(&b, &out, &err), -1);
				CU_ASSERT_EQUAL(out.len, 0);
				CU_ASSERT(err.len > 0);
			} else {
				CU_ASSERT_EQUAL(record_encode(&b, &out, &err), 0);
				CU_ASSERT_EQUAL_FATAL(out.len, full.len);
				CU_ASSERT_EQUAL(memcmp(out.data, full.data, full.len), 0);
			}
			strbuf_release(&out);
			/* Only the edges matter for large records. */
			if (cap == 12 && full.len > 40)
				cap = full.len - 3;
		}
		record_batch_free(&b);
	}
	strbuf_release(&full);
	strbuf_release(&err);
}

static void expect_encode_fails(const struct record_batch *b, const char *what)
{
	struct strbuf out, err;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	CU_ASSERT_EQUAL(strbuf_append_str(&out, "keep"), 0);
	if (record_encode(b, &out, &err) != -1) {
		fprintf(stderr, "encode accepted %s\n", what);
		CU_FAIL("encode accepted an invalid batch");
	}
	CU_ASSERT_EQUAL(out.len, 4);
	CU_ASSERT(err.len > 0);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_encode_rejects(void)
{
	struct record_batch b;

	batch_fill(&b, 3);
	b.cells[1].result[AR_DKIM] = AR_RESULT_COUNT;
	expect_encode_fails(&b, "a result out of range");
	record_batch_free(&b);

	batch_fill(&b, 3);
	b.cells[2].dmarc_policy = POL_COUNT;
	expect_encode_fails(&b, "a policy out of range");
	record_batch_free(&b);

	batch_fill(&b, 3);
	b.cells[0].spam = SPAM_COUNT;
	expect_encode_fails(&b, "a spam verdict out of range");
	record_batch_free(&b);

	batch_fill(&b, 3);
	b.cells[0].messages = -1;
	expect_encode_fails(&b, "a negative count");
	record_batch_free(&b);

	batch_fill(&b, 3);
	b.cells[2] = b.cells[0];
	expect_encode_fails(&b, "a repeated cell");
	record_batch_free(&b);

	batch_fill(&b, 1);
	b.window_end_ms = b.window_start_ms;
	expect_encode_fails(&b, "an empty window");
	record_batch_free(&b);

	batch_fill(&b, 1);
	b.seq = 0;
	expect_encode_fails(&b, "seq 0");
	record_batch_free(&b);

	batch_fill(&b, 1);
	b.health.headers_malformed = -5;
	expect_encode_fails(&b, "a negative health counter");
	record_batch_free(&b);

	batch_fill(&b, 1);
	memset(b.carrier, 'c', sizeof(b.carrier));
	expect_encode_fails(&b, "an unterminated carrier");
	record_batch_free(&b);

	batch_fill(&b, 1);
	memset(b.collector, 'f', sizeof(b.collector));
	expect_encode_fails(&b, "an unterminated collector");
	record_batch_free(&b);
}

static void test_not_ours(void)
{
	static const char *const inputs[] = { "", "\xC3", "\xC3\x01", "{\"carrier\":\"x\"}",
		                              "\xC3\x02\x12\xc2\xe2\xbb\x59\x85\x49\xe8\x00" };
	struct strbuf t, err;
	struct record_batch b;
	size_t i;

	strbuf_init(&t, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		strbuf_reset(&t);
		CU_ASSERT_EQUAL(strbuf_append_str(&t, inputs[i]), 0);
		expect_decode(&t, RECORD_NOT_OURS, "not an Avro single-object record");
	}
	/* A valid record with the marker bytes swapped. */
	encode_fill(&t, 2);
	t.data[0] = 0x01;
	t.data[1] = (char)0xC3;
	expect_decode(&t, RECORD_NOT_OURS, "not an Avro single-object record");
	/* NULL data with length 0 is just empty. */
	record_batch_init(&b);
	CU_ASSERT_EQUAL(record_decode(NULL, 0, &b, &err), RECORD_NOT_OURS);
	record_batch_free(&b);
	strbuf_release(&t);
	strbuf_release(&err);
}

static void test_unknown_fingerprint(void)
{
	struct strbuf t, err;
	struct record_batch b;
	int i;

	strbuf_init(&t, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	for (i = 2; i < 10; i++) {
		encode_fill(&t, 2);
		t.data[i] = (char)(t.data[i] ^ 0x40);
		expect_decode(&t, RECORD_UNKNOWN_SCHEMA, "unknown schema fingerprint");
	}
	/* The header alone, of an unknown schema. */
	strbuf_reset(&t);
	put_header(&t, COUNTS_V1_FINGERPRINT + 1);
	record_batch_init(&b);
	CU_ASSERT_EQUAL(decode_buf(&t, &b, &err), RECORD_UNKNOWN_SCHEMA);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "e8498559bbe2c213"));
	record_batch_free(&b);
	strbuf_release(&t);
	strbuf_release(&err);
}

/* Every proper prefix: too short for the header, or a truncated body. */
static void test_truncated(void)
{
	struct strbuf out, err;
	struct record_batch b;
	size_t len;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	encode_fill(&out, 6);
	record_batch_init(&b);
	for (len = 0; len < out.len; len++) {
		enum record_decode_status st = record_decode(out.data, len, &b, &err);

		CU_ASSERT_EQUAL(st, len < 10 ? RECORD_NOT_OURS : RECORD_CORRUPT);
		CU_ASSERT_EQUAL(b.ncells, 0);
	}
	CU_ASSERT_EQUAL(record_decode(out.data, out.len, &b, &err), RECORD_OK);
	CU_ASSERT_EQUAL(b.ncells, 6);
	record_batch_free(&b);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* A decode replaces what the batch held, and a failed one leaves no cells. */
static void test_decode_replaces(void)
{
	struct strbuf out, err;
	struct record_batch b;

	strbuf_init(&out, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	encode_fill(&out, 9);
	record_batch_init(&b);
	CU_ASSERT_EQUAL(decode_buf(&out, &b, &err), RECORD_OK);
	CU_ASSERT_EQUAL(b.ncells, 9);
	encode_fill(&out, 2);
	CU_ASSERT_EQUAL(decode_buf(&out, &b, &err), RECORD_OK);
	CU_ASSERT_EQUAL(b.ncells, 2);
	CU_ASSERT_EQUAL(record_decode(out.data, out.len - 1, &b, &err), RECORD_CORRUPT);
	CU_ASSERT_EQUAL(b.ncells, 0);
	CU_ASSERT_EQUAL(b.seq, 0);
	CU_ASSERT_EQUAL(b.carrier[0], '\0');
	record_batch_free(&b);
	record_batch_free(NULL);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Well-formed Avro that breaks our rules, and malformed Avro. */
static void test_decode_rejects(void)
{
	struct record_batch b;
	struct raw_cell rc;
	struct strbuf t;
	int i;

	strbuf_init(&t, OUT_CAP);
	batch_fill(&b, 2);

	/* The hand-built record itself is fine. */
	put_record(&t, &b);
	expect_decode(&t, RECORD_OK, NULL);

	/* A trailing byte. */
	put_byte(&t, 0);
	expect_decode(&t, RECORD_CORRUPT, "after the end");

	/* Strings at and over their limits. */
	memset(b.carrier, 'c', RECORD_CARRIER_MAX - 1);
	b.carrier[RECORD_CARRIER_MAX - 1] = '\0';
	strbuf_reset(&t);
	put_record(&t, &b);
	expect_decode(&t, RECORD_OK, NULL);
	{
		char longer[RECORD_CARRIER_MAX + 1]; /* one byte too many */

		memset(longer, 'c', RECORD_CARRIER_MAX);
		longer[RECORD_CARRIER_MAX] = '\0';
		strbuf_reset(&t);
		put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
		put_str(&t, longer);
		put_str(&t, b.collector);
		put_long(&t, b.epoch);
		put_long(&t, b.seq);
		put_long(&t, b.window_start_ms);
		put_long(&t, b.window_end_ms);
		put_byte(&t, 0);
		put_long(&t, 0);
		put_tail(&t, &b);
		expect_decode(&t, RECORD_CORRUPT, "carrier is 64 bytes");
	}
	b.carrier[0] = 'x';
	b.carrier[1] = '\0';

	strbuf_reset(&t);
	put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	put_str(&t, b.carrier);
	put_str(&t, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"); /* 65 */
	put_long(&t, 1);
	put_long(&t, 1);
	put_long(&t, 0);
	put_long(&t, 1);
	put_byte(&t, 0);
	put_long(&t, 0);
	put_tail(&t, &b);
	expect_decode(&t, RECORD_CORRUPT, "collector is 65 bytes");

	/* A NUL inside the carrier. */
	strbuf_reset(&t);
	put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	put_bytes(&t, "a\0b", 3);
	put_str(&t, b.collector);
	put_long(&t, 1);
	put_long(&t, 1);
	put_long(&t, 0);
	put_long(&t, 1);
	put_byte(&t, 0);
	put_long(&t, 0);
	put_tail(&t, &b);
	expect_decode(&t, RECORD_CORRUPT, "contains a NUL");

	/* Field values out of range, one at a time. */
	{
		struct record_batch v = b;

		v.ncells = 0;
		v.window_end_ms = v.window_start_ms;
		strbuf_reset(&t);
		put_record(&t, &v);
		expect_decode(&t, RECORD_CORRUPT, "not after window start");

		v = b;
		v.ncells = 0;
		v.seq = 0;
		strbuf_reset(&t);
		put_record(&t, &v);
		expect_decode(&t, RECORD_CORRUPT, "seq 0");

		v = b;
		v.ncells = 0;
		v.health.lines_read = -1;
		strbuf_reset(&t);
		put_record(&t, &v);
		expect_decode(&t, RECORD_CORRUPT, "lines_read is negative");
	}

	/* A boolean that is neither 0 nor 1. */
	strbuf_reset(&t);
	put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	put_str(&t, b.carrier);
	put_str(&t, b.collector);
	put_long(&t, 1);
	put_long(&t, 1);
	put_long(&t, 0);
	put_long(&t, 1);
	put_byte(&t, 2);
	put_long(&t, 0);
	put_tail(&t, &b);
	expect_decode(&t, RECORD_CORRUPT, "boolean");

	/* Cells with a bad enum index or count, one field at a time. */
	for (i = 0; i < 8; i++) {
		static const int64_t bad[8] = { AR_RESULT_COUNT, AR_RESULT_COUNT, AR_RESULT_COUNT,
			                        AR_RESULT_COUNT, POL_COUNT, SPAM_COUNT, -1, -1 };

		raw_from_cell(&b.cells[0], &rc);
		if (i < 6)
			rc.e[i] = bad[i];
		else if (i == 6)
			rc.e[0] = -1;
		else
			rc.messages = -1;
		strbuf_reset(&t);
		put_prefix(&t, &b);
		put_long(&t, 1);
		put_raw_cell(&t, &rc);
		put_long(&t, 0);
		put_tail(&t, &b);
		expect_decode(&t, RECORD_CORRUPT, i == 7 ? "negative message count" : "out of range");
	}

	/* The same cell twice. */
	raw_from_cell(&b.cells[0], &rc);
	strbuf_reset(&t);
	put_prefix(&t, &b);
	put_long(&t, 2);
	put_raw_cell(&t, &rc);
	put_raw_cell(&t, &rc);
	put_long(&t, 0);
	put_tail(&t, &b);
	expect_decode(&t, RECORD_CORRUPT, "repeats");

	/* Cells in two blocks, the second with a byte size (negative count), as
	 * other writers may send them: valid if the size is right. */
	for (i = 0; i < 2; i++) {
		struct strbuf block;
		struct raw_cell r1;

		strbuf_init(&block, 1024);
		raw_from_cell(&b.cells[1], &r1);
		put_raw_cell(&block, &r1);
		raw_from_cell(&b.cells[0], &rc);
		strbuf_reset(&t);
		put_prefix(&t, &b);
		put_long(&t, 1);
		put_raw_cell(&t, &rc);
		put_long(&t, -1);
		put_long(&t, (int64_t)block.len + i);
		CU_ASSERT_EQUAL(strbuf_append(&t, block.data, block.len), 0);
		put_long(&t, 0);
		put_tail(&t, &b);
		expect_decode(&t, i == 0 ? RECORD_OK : RECORD_CORRUPT, i == 0 ? NULL : "declares");
		strbuf_release(&block);
	}

	/* Lengths and counts that Avro C would trust. */
	{
		static const int64_t lens[] = { -1, -2, INT64_MIN, INT64_MAX, 1000, INT64_C(1) << 40 };
		size_t k;

		for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			/* As the carrier's length. */
			strbuf_reset(&t);
			put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
			put_long(&t, lens[k]);
			CU_ASSERT_EQUAL(strbuf_append_str(&t, "abcdefgh"), 0);
			expect_decode(&t, RECORD_CORRUPT, "string length");
			/* As the cell count, plain and as a sized block. */
			strbuf_reset(&t);
			put_prefix(&t, &b);
			put_long(&t, lens[k]);
			put_raw_cell(&t, &rc);
			put_long(&t, 0);
			put_tail(&t, &b);
			expect_decode(&t, RECORD_CORRUPT, NULL);
			strbuf_reset(&t);
			put_prefix(&t, &b);
			put_long(&t, -1);
			put_long(&t, lens[k]);
			put_raw_cell(&t, &rc);
			put_long(&t, 0);
			put_tail(&t, &b);
			expect_decode(&t, RECORD_CORRUPT, "block size");
		}
	}

	/* A varint of 11 bytes, and one of 10 whose last byte overflows. */
	strbuf_reset(&t);
	put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	for (i = 0; i < 10; i++)
		put_byte(&t, 0x80);
	put_byte(&t, 0x00);
	expect_decode(&t, RECORD_CORRUPT, "longer than 10 bytes");
	strbuf_reset(&t);
	put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	for (i = 0; i < 9; i++)
		put_byte(&t, 0xff);
	put_byte(&t, 0x02);
	expect_decode(&t, RECORD_CORRUPT, "overflows");

	/* A body of nothing but continuation bytes. */
	strbuf_reset(&t);
	put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
	for (i = 0; i < 5; i++)
		put_byte(&t, 0xff);
	expect_decode(&t, RECORD_CORRUPT, "truncated");

	record_batch_free(&b);
	strbuf_release(&t);
}

/* Flip bytes of a valid record at random: whatever comes back must be a
 * status, and a batch that decodes must be valid. Leaks show in the
 * sanitizer and valgrind runs. */
static void test_random_flips(void)
{
	struct strbuf good, t, err;
	struct record_batch b;
	enum record_decode_status st;
	unsigned counts[4] = { 0, 0, 0, 0 };
	int iter, k;

	strbuf_init(&good, OUT_CAP);
	strbuf_init(&t, OUT_CAP);
	strbuf_init(&err, ERR_CAP);
	encode_fill(&good, 12);
	record_batch_init(&b);
	rng_state = UINT64_C(0x2545f4914f6cdd1d);
	for (iter = 0; iter < 5000; iter++) {
		int nflips = 1 + (int)(rng() % 4);

		strbuf_reset(&t);
		CU_ASSERT_EQUAL_FATAL(strbuf_append(&t, good.data, good.len), 0);
		for (k = 0; k < nflips; k++) {
			/* Mostly the body, where the decoder has work to do. */
			size_t at = 10 + (size_t)(rng() % (t.len - 10));
			unsigned char x = (unsigned char)(1 + rng() % 255);

			if (iter % 10 == 0)
				at = (size_t)(rng() % t.len);
			t.data[at] = (char)(t.data[at] ^ x);
		}
		/* Sometimes also cut the record short. */
		if (iter % 7 == 0)
			strbuf_truncate(&t, (size_t)(rng() % t.len));
		st = decode_buf(&t, &b, &err);
		switch (st) {
		case RECORD_OK:
			counts[0]++;
			CU_ASSERT(batch_valid(&b));
			break;
		case RECORD_NOT_OURS:
			counts[1]++;
			CU_ASSERT_EQUAL(b.ncells, 0);
			break;
		case RECORD_UNKNOWN_SCHEMA:
			counts[2]++;
			CU_ASSERT_EQUAL(b.ncells, 0);
			break;
		case RECORD_CORRUPT:
			counts[3]++;
			CU_ASSERT_EQUAL(b.ncells, 0);
			CU_ASSERT(err.len > 0);
			break;
		default:
			CU_FAIL("decode returned no status");
			break;
		}
	}
	printf("\n  flips: ok %u, not ours %u, unknown %u, corrupt %u\n", counts[0], counts[1],
	       counts[2], counts[3]);
	/* Each outcome happened, so the test reached every path. */
	CU_ASSERT(counts[0] > 0 && counts[1] > 0 && counts[2] > 0 && counts[3] > 0);

	/* Random bodies behind a valid header. */
	for (iter = 0; iter < 3000; iter++) {
		size_t n = (size_t)(rng() % 96);

		strbuf_reset(&t);
		put_header(&t, wv >= 2 ? COUNTS_V2_FINGERPRINT : COUNTS_V1_FINGERPRINT);
		for (k = 0; k < (int)n; k++)
			put_byte(&t, (unsigned char)rng());
		st = decode_buf(&t, &b, &err);
		CU_ASSERT(st == RECORD_OK || st == RECORD_CORRUPT);
		if (st == RECORD_OK) {
			CU_ASSERT(batch_valid(&b));
		} else {
			CU_ASSERT_EQUAL(b.ncells, 0);
		}
	}
	record_batch_free(&b);
	strbuf_release(&good);
	strbuf_release(&t);
	strbuf_release(&err);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "fingerprints of counts-v1 and v2 are stable", test_fingerprint_stable },
		{ "header bytes", test_header_bytes },
		{ "round trip", test_roundtrip },
		{ "round trip of every combination", test_roundtrip_all_cells },
		{ "independent encoding gives the same bytes (v1)", test_independent_encoding },
		{ "independent encoding gives the same bytes (v2)", test_independent_encoding_v2 },
		{ "v1 refuses what only v2 carries", test_v1_refuses_v2_content },
		{ "encode appends", test_encode_appends },
		{ "encode respects the output cap", test_encode_cap },
		{ "encode rejects invalid batches", test_encode_rejects },
		{ "not ours", test_not_ours },
		{ "unknown fingerprint", test_unknown_fingerprint },
		{ "truncated at every length", test_truncated },
		{ "decode replaces the batch", test_decode_replaces },
		{ "decode rejects bad bodies (v1)", test_decode_rejects },
		{ "decode rejects bad bodies (v2)", test_decode_rejects_v2 },
		{ "random byte flips", test_random_flips },
	};
	CU_pSuite suite;
	unsigned failures;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite("record", NULL, NULL);
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
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures == 0 ? 0 : 1;
}
