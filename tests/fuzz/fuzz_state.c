/*
 * fuzz_state: libFuzzer target for what the collector loads from its state
 * directory at start-up (collector/state.c, checkpoint.c with tail_pos.c,
 * messages.c and windows.c under it, outbox.c): a directory anyone who can
 * write to it, or a disk that fails, can fill with anything.
 *
 * Input: byte 0 chooses the file (modulo 5), the rest is its content:
 *   0 identity, 1 sequence (the other file valid): state_open();
 *   2 the body of a checkpoint, framed here with its magic, version and
 *     CRC-32 (so the fuzzer need not find the checksum), 3 a whole
 *     checkpoint as is: checkpoint_load() with 300-second windows;
 *   4 the outbox: bytes 1 and 2 say how far into the file its live part
 *     starts and how far before its end it ends, the rest is the file:
 *     outbox_open().
 * The loaders read paths, so each input is written to a temporary state
 * directory first (fuzz_util.h). Besides memory errors (ASan/UBSan) it
 * checks what the loaders promise (state.h, checkpoint.h, outbox.h):
 *   - a refusal has a reason;
 *   - a state opened has an epoch and a next sequence number of at least 1
 *     and a pseudonym of 32 hex digits;
 *   - a checkpoint loaded has a next sequence number of at least 1, at most
 *     4096 inputs with NUL-terminated names, and open messages and windows
 *     that save and load again to the same bytes; every window it holds can
 *     be made into a record the collector can publish (record_encode(), as
 *     collector.c's make_record() does), then the messages are completed and
 *     their windows made likewise, and a pending vouched span into a
 *     vouch-only record;
 *   - an outbox opened holds records whose frames exactly fill its live
 *     part, each handed out once by outbox_next_unsent() and counted by
 *     outbox_count() and outbox_bytes().
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.state_replay, tests/fuzz/CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "checkpoint.h"
#include "fuzz_util.h"
#include "messages.h"
#include "outbox.h"
#include "record.h"
#include "ser.h"
#include "state.h"
#include "strutil.h"
#include "windows.h"

/* Inputs larger than this are cut. */
#define FUZZ_STATE_MAX (256 * 1024)
/* The window length of the checkpoints (the golden one's). */
#define FUZZ_WINDOW_MS 300000
/* Checkpoint framing (checkpoint.h). */
#define FUZZ_CKPT_MAGIC "ARSTCKP1"

static const char fuzz_identity[] =
	"epoch=7\nsecret=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n";
static const char fuzz_sequence[] = "next=1\n";

/* The state directory with the given identity and sequence files; NULL
 * with a reason in err if state_open() refuses them. */
static struct state *fuzz_state_open(const void *identity, size_t ilen, const void *sequence,
                                     size_t slen, struct strbuf *err)
{
	struct state *st;
	size_t i;

	fuzz_file("identity", identity, ilen);
	fuzz_file("sequence", sequence, slen);
	st = state_open(fuzz_dir(), NULL, "mx1.example.jp", err);
	if (st == NULL) {
		FUZZ_CHECK(err->len > 0);
		return NULL;
	}
	FUZZ_CHECK(state_epoch(st) >= 1 && state_next_seq(st) >= 1);
	FUZZ_CHECK(strlen(state_pseudonym(st)) == 32);
	for (i = 0; i < 32; i++)
		FUZZ_CHECK(strchr("0123456789abcdef", state_pseudonym(st)[i]) != NULL);
	return st;
}

/* Messages and windows as a checkpoint holds them. */
static void fuzz_save(const struct messages *ms, const struct windows *ws, struct strbuf *out)
{
	FUZZ_CHECK(messages_save(ms, out) == 0 && windows_save(ws, out) == 0);
}

/* Every window of ws made into a record, as the collector does. */
static void fuzz_publish(struct state *st, struct windows *ws)
{
	struct record_batch b;
	struct strbuf rec, err;
	int64_t seq = 1;

	record_batch_init(&b);
	strbuf_init(&rec, 16 * 1024 * 1024);
	strbuf_init(&err, 1024);
	while (windows_peek(ws, INT64_MAX, &b)) {
		str_copy(b.carrier, "example", sizeof(b.carrier));
		str_copy(b.collector, state_pseudonym(st), sizeof(b.collector));
		b.epoch = state_epoch(st);
		b.seq = seq++;
		strbuf_reset(&rec);
		if (record_encode(&b, &rec, &err) < 0)
			fprintf(stderr, "fuzz_state: a loaded window: %s\n", err.data);
		FUZZ_CHECK(err.len == 0);
		windows_drop(ws);
	}
	/* And a vouched span still pending, on a record of its own. */
	if (windows_peek_vouch(ws, &b)) {
		str_copy(b.carrier, "example", sizeof(b.carrier));
		str_copy(b.collector, state_pseudonym(st), sizeof(b.collector));
		b.epoch = state_epoch(st);
		b.seq = seq;
		strbuf_reset(&rec);
		if (record_encode(&b, &rec, &err) < 0)
			fprintf(stderr, "fuzz_state: a loaded vouched span: %s\n", err.data);
		FUZZ_CHECK(err.len == 0 && record_batch_vouch_only(&b));
		windows_drop_vouch(ws);
		FUZZ_CHECK(!windows_peek_vouch(ws, &b));
	}
	strbuf_release(&rec);
	strbuf_release(&err);
	record_batch_free(&b);
}

static void fuzz_checkpoint(struct state *st)
{
	const struct messages_config cfg = { 200000, 600000, SPAM_UNKNOWN, 0, 1, { NULL, 0 }, NULL, 0, 1 };
	struct windows *ws = windows_new(FUZZ_WINDOW_MS), *ws2 = windows_new(FUZZ_WINDOW_MS);
	struct messages *ms = messages_new(&cfg, ws), *ms2 = messages_new(&cfg, ws2);
	struct strbuf err, saved, again;
	struct checkpoint k;
	struct deser d;
	size_t i;
	int rc;

	strbuf_init(&err, 4096);
	strbuf_init(&saved, 1u << 30);
	strbuf_init(&again, 1u << 30);
	rc = checkpoint_load(st, &k, ms, ws, &err);
	FUZZ_CHECK(rc == 1 || rc == -1);
	if (rc < 0) {
		FUZZ_CHECK(err.len > 0);
		goto out;
	}
	FUZZ_CHECK(k.next_seq >= 1 && k.ninputs <= 4096);
	for (i = 0; i < k.ninputs; i++)
		FUZZ_CHECK(memchr(k.inputs[i].name, '\0', sizeof(k.inputs[i].name)) != NULL);
	fuzz_save(ms, ws, &saved);
	deser_init(&d, saved.data, saved.len);
	FUZZ_CHECK(messages_load(ms2, &d, MESSAGES_SAVE_VERSION) == 0 && windows_load(ws2, &d) == 0);
	FUZZ_CHECK(d.pos == d.len);
	fuzz_save(ms2, ws2, &again);
	FUZZ_CHECK(again.len == saved.len && memcmp(again.data, saved.data, saved.len) == 0);
	fuzz_publish(st, ws);
	messages_complete_all(ms);
	fuzz_publish(st, ws);
out:
	checkpoint_release(&k);
	strbuf_release(&err);
	strbuf_release(&saved);
	strbuf_release(&again);
	messages_free(ms);
	messages_free(ms2);
	windows_free(ws);
	windows_free(ws2);
}

static void fuzz_outbox(const uint8_t *data, size_t size)
{
	struct outbox_record r;
	struct outbox *ob;
	struct strbuf err;
	uint64_t start, end, bytes = 0, bytes0;
	size_t n = 0, n0;

	if (size < 2)
		return;
	fuzz_file("outbox", data + 2, size - 2);
	start = data[0];
	end = size - 2 >= data[1] ? size - 2 - data[1] : 0;
	strbuf_init(&err, 4096);
	ob = outbox_open(fuzz_dir(), start, end, &err);
	if (ob == NULL) {
		FUZZ_CHECK(err.len > 0);
		goto out;
	}
	FUZZ_CHECK(outbox_start(ob) == start && outbox_end(ob) == end);
	n0 = outbox_count(ob);
	bytes0 = outbox_bytes(ob);
	while (outbox_next_unsent(ob, INT64_MAX, &r)) {
		FUZZ_CHECK(n < n0 && r.data != NULL);
		n++;
		bytes += r.len;
		outbox_ack(ob, r.seq, 1);
	}
	/* Each frame: u32 length, i64 sequence number, the bytes, u32 CRC. */
	FUZZ_CHECK(n == n0 && bytes == bytes0 && bytes + 16 * (uint64_t)n == end - start);
out:
	outbox_free(ob);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state *st = NULL;
	struct strbuf err, file;
	unsigned char le[4];
	uint32_t crc;
	int i;

	if (size == 0)
		return 0;
	if (size > FUZZ_STATE_MAX)
		size = FUZZ_STATE_MAX;
	strbuf_init(&err, 4096);
	strbuf_init(&file, FUZZ_STATE_MAX + 64);
	switch (data[0] % 5) {
	case 0:
		st = fuzz_state_open(data + 1, size - 1, fuzz_sequence, strlen(fuzz_sequence), &err);
		break;
	case 1:
		st = fuzz_state_open(fuzz_identity, strlen(fuzz_identity), data + 1, size - 1, &err);
		break;
	case 2:
		crc = (uint32_t)crc32(0L, data + 1, (uInt)(size - 1));
		for (i = 0; i < 4; i++)
			le[i] = (unsigned char)(crc >> (8 * i));
		FUZZ_CHECK(strbuf_append(&file, FUZZ_CKPT_MAGIC, 8) == 0 &&
		           strbuf_append(&file, "\1\0\0\0", 4) == 0 &&
		           strbuf_append(&file, data + 1, size - 1) == 0 &&
		           strbuf_append(&file, le, 4) == 0);
		/* fall through */
	case 3:
		if (file.len == 0)
			FUZZ_CHECK(strbuf_append(&file, data + 1, size - 1) == 0);
		st = fuzz_state_open(fuzz_identity, strlen(fuzz_identity), fuzz_sequence,
		                     strlen(fuzz_sequence), &err);
		FUZZ_CHECK(st != NULL);
		fuzz_file("checkpoint", file.data, file.len);
		fuzz_checkpoint(st);
		break;
	default:
		fuzz_outbox(data + 1, size - 1);
		break;
	}
	state_free(st);
	strbuf_release(&err);
	strbuf_release(&file);
	return 0;
}
