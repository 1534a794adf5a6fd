/*
 * fuzz_ocf: libFuzzer target for the object container file reader
 * (domain/ocf.c: header, codecs, block framing, resynchronisation, and under
 * it avro_walk.c's split of a block into records), with every record it
 * hands out going on to record_decode() as ingest --file sends it. The
 * input is a whole file. Besides memory errors (ASan/UBSan) it checks what
 * the reader promises:
 *   - a file is refused only with a reason, and an accepted one has an
 *     identity "file:..." and the codec snappy, null or deflate;
 *   - reading ends in OCF_END: a file's bytes are never an I/O error;
 *   - a record carries the file's single-object header, and decodes or is
 *     refused with a reason (unknown_schema when the writer schema is not
 *     one of ours); its call says nothing in why;
 *   - a bad item has a reason token and a detail in why, given by the call
 *     that returns it (why is reset before each call, as ingest does);
 *   - no item lies outside the input: block offsets within it and never
 *     going back, and the bytes an item stands for (the file's bytes for a
 *     damaged framing and for everything of a "null" file) within it.
 * The reader reads a path, so each input is written to a temporary file
 * first (fuzz_util.h). Linked with replay.c for the corpus replay test under
 * any compiler (fuzz.ocf_replay, tests/fuzz/CMakeLists.txt); the function is
 * a libFuzzer entry point as it stands (fuzz_ocf with -DARSTAT_FUZZ=ON).
 */
#include <stdint.h>
#include <string.h>

#include "avro_bin.h"
#include "fuzz_util.h"
#include "ocf.h"
#include "record.h"

/* Inputs larger than this are cut: our files are 16 KiB blocks, and small
 * inputs find the same paths faster. */
#define FUZZ_OCF_MAX (256 * 1024)

/* One record: as ingest hands it to intake_message(). */
static void fuzz_record(const struct ocf_item *item, const unsigned char *header, int ours,
                        struct record_batch *b, struct strbuf *err)
{
	enum record_decode_status st;

	FUZZ_CHECK(item->data != NULL && item->len >= AVRO_BIN_HEADER_LEN);
	FUZZ_CHECK(memcmp(item->data, header, AVRO_BIN_HEADER_LEN) == 0);
	FUZZ_CHECK(item->index >= 0);
	strbuf_reset(err);
	st = record_decode(item->data, item->len, b, err);
	if (st == RECORD_OK) {
		FUZZ_CHECK(ours);
		FUZZ_CHECK(record_batch_check(b, NULL) == 0);
	} else {
		FUZZ_CHECK(err->len > 0);
		FUZZ_CHECK(ours ? st == RECORD_CORRUPT : st == RECORD_UNKNOWN_SCHEMA);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char header[AVRO_BIN_HEADER_LEN];
	struct ocf_reader *r;
	struct ocf_item item;
	struct record_batch b;
	const char *path;
	struct strbuf why, err;
	enum ocf_status st;
	int64_t last_offset = 0, end;
	int ours, null_codec;

	if (size > FUZZ_OCF_MAX)
		size = FUZZ_OCF_MAX;
	end = (int64_t)size;
	path = fuzz_file("input.avro", data, size);
	strbuf_init(&why, 4096);
	strbuf_init(&err, 4096);
	record_batch_init(&b);
	r = ocf_reader_new(path, &why);
	if (r == NULL) {
		FUZZ_CHECK(why.len > 0);
		goto out;
	}
	FUZZ_CHECK(strncmp(ocf_reader_id(r), "file:", 5) == 0 &&
	           strlen(ocf_reader_id(r)) == OCF_ID_LEN - 1);
	null_codec = strcmp(ocf_reader_codec(r), "null") == 0;
	FUZZ_CHECK(null_codec || strcmp(ocf_reader_codec(r), "deflate") == 0 ||
	           strcmp(ocf_reader_codec(r), "snappy") == 0);
	ours = record_schema_find(ocf_reader_fingerprint(r)) != NULL;
	avro_bin_header_write(header, ocf_reader_fingerprint(r));
	for (;;) {
		strbuf_reset(&why);
		st = ocf_reader_next(r, &item, &why);
		FUZZ_CHECK(st != OCF_ERROR);
		if (st == OCF_END)
			break;
		FUZZ_CHECK(item.block_offset >= last_offset && item.block_offset < end);
		last_offset = item.block_offset;
		if (st == OCF_RECORD) {
			FUZZ_CHECK(why.len == 0);
			/* A "null" block's records are its bytes, after its header. */
			if (null_codec)
				FUZZ_CHECK((int64_t)(item.len - AVRO_BIN_HEADER_LEN) <=
				           end - item.block_offset);
			fuzz_record(&item, header, ours, &b, &err);
			continue;
		}
		FUZZ_CHECK(st == OCF_BAD);
		FUZZ_CHECK(item.reason != NULL && item.reason[0] != '\0');
		FUZZ_CHECK(why.len > 0);
		FUZZ_CHECK(item.index >= -1);
		if (item.data == NULL || null_codec)
			FUZZ_CHECK((int64_t)item.len <= end - item.block_offset);
	}
out:
	ocf_reader_free(r);
	record_batch_free(&b);
	strbuf_release(&why);
	strbuf_release(&err);
	return 0;
}
