/*
 * fuzz_record: libFuzzer target for the record decoders (domain/record.c,
 * record_v1.c, record_batch.c, and under them avro_bin.h's cursor and
 * avro_walk.c's schema walk). If the first input byte is odd, the rest is a
 * body and gets the current schema's single-object header in front (so the
 * fuzzer need not find the fingerprint); if even, the rest is the whole
 * record. Besides memory errors (ASan/UBSan) it checks what the decoders
 * promise:
 *   - record_decode() (the hand decoder first) and record_decode_generic()
 *     (the reference) give the same status and, on RECORD_OK, the same batch;
 *   - a batch either accepts is encoded again by record_encode(), and that
 *     record decodes to the same batch.
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.record_replay, tests/fuzz/CMakeLists.txt); the function is a
 * libFuzzer entry point as it stands, for a fuzzing build made as
 * fuzz_authres's is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro_bin.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	       memcmp(&a->health, &b->health, sizeof(a->health)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[AVRO_BIN_HEADER_LEN + FUZZ_RECORD_MAX];
	struct record_batch fast, ref, again;
	struct strbuf err, out;
	enum record_decode_status st_fast, st_ref;
	size_t len = 0;

	if (size == 0)
		return 0;
	if (size - 1 > FUZZ_RECORD_MAX)
		size = FUZZ_RECORD_MAX + 1;
	if (data[0] & 1) {
		avro_bin_header_write(buf, record_current_fingerprint());
		len = AVRO_BIN_HEADER_LEN;
	}
	memcpy(buf + len, data + 1, size - 1);
	len += size - 1;

	record_batch_init(&fast);
	record_batch_init(&ref);
	record_batch_init(&again);
	strbuf_init(&err, 1024);
	strbuf_init(&out, 4 * 1024 * 1024);
	st_fast = record_decode(buf, len, &fast, &err);
	st_ref = record_decode_generic(buf, len, &ref, &err);
	if (st_fast != st_ref)
		abort();
	if (st_fast == RECORD_OK) {
		if (!same_batch(&fast, &ref))
			abort();
		if (record_encode(&fast, &out, &err) < 0 ||
		    record_decode(out.data, out.len, &again, &err) != RECORD_OK ||
		    !same_batch(&fast, &again))
			abort();
	}
	strbuf_release(&err);
	strbuf_release(&out);
	record_batch_free(&fast);
	record_batch_free(&ref);
	record_batch_free(&again);
	return 0;
}
