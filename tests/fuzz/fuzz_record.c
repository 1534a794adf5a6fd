/*
 * fuzz_record: libFuzzer target for the record decoders (domain/record.c,
 * record_body.c, record_batch.c, and under them avro_bin.h's cursor and
 * avro_walk.c's schema walk). If the first input byte is odd, the rest is a
 * body and gets a single-object header in front (so the fuzzer need not find
 * the fingerprint): schema v2's if the byte's second bit is set, v1's if not
 * (the seeds of v1 bodies, from before v2, start with 0x01); if even, the
 * rest is the whole record. Besides memory errors (ASan/UBSan) it checks
 * what the decoders promise (record.h, record_body.h), with each decoder
 * reading a heap copy of exactly its input, so that a read past the end
 * shows:
 *   - the hand decoder alone (record_body_decode(), on the body of a v1 or
 *     v2 record, in its version's layout) and the reference, Avro C's
 *     generic reader (record_decode_generic()), agree: the hand decoder accepts a batch
 *     that passes record_batch_check() exactly when the reference accepts,
 *     and then with the same batch, field for field; what the hand decoder
 *     accepts holds C strings within their fields and enums in range;
 *   - record_decode() (the hand decoder, falling back to the reference)
 *     gives the reference's status and batch, and on failure its reason;
 *   - a batch they accept is encoded again in the record's version by
 *     record_encode_version() (the hand encoder), byte for byte as
 *     record_encode_generic_version() does, and that record decodes to
 *     the same batch.
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.record_replay, tests/fuzz/CMakeLists.txt).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro_bin.h"
#include "fuzz_util.h"
#include "record.h"
#include "record_body.h"

/* Inputs larger than this are cut: a record of every cell is about 1 MB,
 * and small inputs find the same paths faster. */
#define FUZZ_RECORD_MAX (64 * 1024)

static int same_batch(const struct record_batch *a, const struct record_batch *b)
{
	return strcmp(a->carrier, b->carrier) == 0 && strcmp(a->collector, b->collector) == 0 &&
	       a->epoch == b->epoch && a->seq == b->seq && a->window_start_ms == b->window_start_ms &&
	       a->window_end_ms == b->window_end_ms && a->correction == b->correction &&
	       a->ncells == b->ncells &&
	       (a->ncells == 0 || memcmp(a->cells, b->cells, a->ncells * sizeof(*a->cells)) == 0) &&
	       memcmp(&a->health, &b->health, sizeof(a->health)) == 0 &&
	       a->vouch_start_ms == b->vouch_start_ms && a->vouch_end_ms == b->vouch_end_ms;
}

/* What record_body.h promises of any batch the hand decoder accepts. */
static void check_fields(const struct record_batch *b)
{
	size_t i;
	int m;

	FUZZ_CHECK(memchr(b->carrier, '\0', sizeof(b->carrier)) != NULL);
	FUZZ_CHECK(memchr(b->collector, '\0', sizeof(b->collector)) != NULL);
	FUZZ_CHECK(b->ncells <= RECORD_CELLS_MAX);
	for (i = 0; i < b->ncells; i++) {
		for (m = 0; m < AR_METHOD_COUNT; m++)
			FUZZ_CHECK((unsigned)b->cells[i].result[m] < AR_RESULT_COUNT);
		FUZZ_CHECK((unsigned)b->cells[i].dmarc_policy < POL_COUNT);
		FUZZ_CHECK((unsigned)b->cells[i].spam < SPAM_COUNT);
		FUZZ_CHECK((unsigned)b->cells[i].fate < FATE_COUNT);
	}
}

/* The schema version of a record's fingerprint; 0 if none. */
static int version_of(const unsigned char *rec, size_t len)
{
	const struct record_schema_version *v;
	uint64_t fp;

	if (avro_bin_header_read(rec, len, &fp) < 0)
		return 0;
	v = record_schema_find(fp);
	return v != NULL ? v->version : 0;
}

/* The fingerprint of schema version `version` (which this build has). */
static uint64_t fingerprint_of(int version)
{
	const struct record_schema_version *all;
	size_t i, n = record_schema_versions(&all);

	for (i = 0; i < n; i++) {
		if (all[i].version == version)
			return all[i].fingerprint;
	}
	FUZZ_CHECK(0);
	return 0;
}

/* The hand decoder alone on rec's body, against the reference's verdict. */
static void check_hand(const unsigned char *rec, size_t len, enum record_decode_status st_ref,
                       const struct record_batch *ref)
{
	const struct record_body_layout *layout = record_body_layout_of(version_of(rec, len));
	struct record_batch hand;
	unsigned char *body;
	int ok;

	if (layout == NULL)
		return;
	len -= AVRO_BIN_HEADER_LEN;
	body = malloc(len > 0 ? len : 1);
	FUZZ_CHECK(body != NULL);
	if (len > 0)
		memcpy(body, rec + AVRO_BIN_HEADER_LEN, len);
	record_batch_init(&hand);
	ok = record_body_decode(layout, body, len, &hand) == 0;
	if (ok)
		check_fields(&hand);
	ok = ok && record_batch_check(&hand, NULL) == 0;
	FUZZ_CHECK(ok == (st_ref == RECORD_OK));
	if (ok)
		FUZZ_CHECK(same_batch(&hand, ref));
	record_batch_free(&hand);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_batch fast, ref, again;
	struct strbuf err_fast, err_ref, out, out_ref;
	enum record_decode_status st_fast, st_ref;
	unsigned char *buf;
	size_t len = 0;
	int version;

	if (size == 0)
		return 0;
	if (size - 1 > FUZZ_RECORD_MAX)
		size = FUZZ_RECORD_MAX + 1;
	buf = malloc(AVRO_BIN_HEADER_LEN + size);
	FUZZ_CHECK(buf != NULL);
	if (data[0] & 1) {
		avro_bin_header_write(buf, fingerprint_of(data[0] & 2 ? 2 : 1));
		len = AVRO_BIN_HEADER_LEN;
	}
	memcpy(buf + len, data + 1, size - 1);
	len += size - 1;

	record_batch_init(&fast);
	record_batch_init(&ref);
	record_batch_init(&again);
	strbuf_init(&err_fast, 1024);
	strbuf_init(&err_ref, 1024);
	strbuf_init(&out, 4 * 1024 * 1024);
	strbuf_init(&out_ref, 4 * 1024 * 1024);
	st_fast = record_decode(buf, len, &fast, &err_fast);
	st_ref = record_decode_generic(buf, len, &ref, &err_ref);
	FUZZ_CHECK(st_fast == st_ref);
	check_hand(buf, len, st_ref, &ref);
	if (st_fast == RECORD_OK) {
		FUZZ_CHECK(same_batch(&fast, &ref));
		version = version_of(buf, len);
		FUZZ_CHECK(record_encode_version(&fast, version, &out, &err_fast) == 0);
		FUZZ_CHECK(record_encode_generic_version(&fast, version, &out_ref, &err_fast) == 0);
		FUZZ_CHECK(out.len == out_ref.len && memcmp(out.data, out_ref.data, out.len) == 0);
		FUZZ_CHECK(record_decode(out.data, out.len, &again, &err_fast) == RECORD_OK);
		FUZZ_CHECK(same_batch(&fast, &again));
	} else {
		FUZZ_CHECK(fast.ncells == 0);
		FUZZ_CHECK(err_ref.len > 0);
		FUZZ_CHECK(err_fast.len == err_ref.len &&
		           memcmp(err_fast.data, err_ref.data, err_ref.len) == 0);
	}
	strbuf_release(&err_fast);
	strbuf_release(&err_ref);
	strbuf_release(&out);
	strbuf_release(&out_ref);
	record_batch_free(&fast);
	record_batch_free(&ref);
	record_batch_free(&again);
	free(buf);
	return 0;
}
