/* unit.checkpoint: the collector's checkpoint file, and checkpoints already on disk. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "checkpoint.h"
#include "mem.h"
#include "ser.h"
#include "test_files.h"

/* The golden checkpoint's window length (tests/unit/golden/checkpoint-v1.hex). */
#define GOLDEN_WINDOW_MS 300000

static char dir[256], path[300];

static struct state *open_state(void)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf err;
	struct state *st;

	snprintf(dir, sizeof(dir), "%s/arstat-checkpoint-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	strbuf_init(&err, 1024);
	st = state_open(dir, NULL, "mx1.example.jp", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	strbuf_release(&err);
	return st;
}

static void close_state(struct state *st)
{
	char p[512];

	state_free(st);
	unlink(path);
	snprintf(p, sizeof(p), "%s/identity", dir);
	unlink(p);
	rmdir(dir);
}

static struct messages *new_messages(struct windows *ws)
{
	struct messages_config mc;

	memset(&mc, 0, sizeof(mc));
	mc.max_open = 1000;
	mc.idle_ms = 600000;
	return messages_new(&mc, ws);
}

/* The golden checkpoint's bytes into out. */
static void read_golden_named(struct strbuf *out, const char *name)
{
	size_t n;
	unsigned char *bytes = golden_hex(name, &n);

	CU_ASSERT_FATAL(n > 16);
	CU_ASSERT_EQUAL_FATAL(strbuf_append(out, bytes, n), 0);
	free(bytes);
}

static void read_golden(struct strbuf *out)
{
	read_golden_named(out, "checkpoint-v1.hex");
}

static void write_file(const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void read_file(struct strbuf *out)
{
	char buf[4096];
	FILE *fp = fopen(path, "rb");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(out, buf, n);
	fclose(fp);
}

/* Put the body's CRC-32 back at the end, after a test changed the body. */
static void fix_crc(struct strbuf *b)
{
	uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)b->data + 12, (uInt)(b->len - 16));
	int i;

	for (i = 0; i < 4; i++)
		b->data[b->len - 4 + (size_t)i] = (char)(crc >> (8 * i));
}

/* Load bytes as the checkpoint into fresh tables of window_ms; returns
 * checkpoint_load's result, its error in err. */
static int load_bytes(struct state *st, const struct strbuf *b, int64_t window_ms,
                      struct strbuf *err)
{
	struct windows *ws = windows_new(window_ms);
	struct messages *ms = new_messages(ws);
	struct checkpoint k;
	int rc;

	write_file(b->data, b->len);
	strbuf_reset(err);
	rc = checkpoint_load(st, &k, ms, ws, err);
	checkpoint_release(&k);
	messages_free(ms);
	windows_free(ws);
	return rc;
}

/* A checkpoint written before the checkpoint had a module of its own
 * (version 1) loads as it was written, and is upgraded when saved: version
 * 2, the same content plus an empty journal cursor per input and a zero
 * input_losses per window, which loads and saves again to the same bytes. */
static void test_golden(void)
{
	struct state *st = open_state();
	struct windows *ws = windows_new(GOLDEN_WINDOW_MS);
	struct messages *ms = new_messages(ws);
	struct strbuf golden, again, err;
	struct checkpoint k;
	struct record_batch b;
	int64_t last_start = INT64_MIN;
	size_t nwin = 0;

	strbuf_init(&golden, 1 << 20);
	strbuf_init(&again, 1 << 20);
	strbuf_init(&err, 1024);
	read_golden(&golden);
	CU_ASSERT_EQUAL(golden.len, 654);
	write_file(golden.data, golden.len);
	CU_ASSERT_EQUAL_FATAL(checkpoint_load(st, &k, ms, ws, &err), 1);
	CU_ASSERT_EQUAL(k.next_seq, 51);
	CU_ASSERT_EQUAL(k.outbox_start, 0);
	CU_ASSERT_EQUAL(k.outbox_end, 5509);
	CU_ASSERT_EQUAL(k.log_now, INT64_C(1790925713673));
	CU_ASSERT_EQUAL_FATAL(k.ninputs, 2);
	CU_ASSERT_STRING_EQUAL(k.inputs[0].name, "main");
	CU_ASSERT_EQUAL(k.inputs[0].pos.dev, 65024);
	CU_ASSERT_EQUAL(k.inputs[0].pos.ino, 10004992);
	CU_ASSERT_EQUAL(k.inputs[0].pos.fp_len, 1024);
	CU_ASSERT_EQUAL(k.inputs[0].pos.fp[0], 0x67);
	CU_ASSERT_EQUAL(k.inputs[0].pos.fp[15], 0x92);
	CU_ASSERT_EQUAL(k.inputs[0].pos.offset, 122390);
	CU_ASSERT_EQUAL(k.inputs[0].pos.prev_fp_len, 0);
	CU_ASSERT_EQUAL(k.inputs[0].pos.when_ms, INT64_C(1796621888685));
	CU_ASSERT_STRING_EQUAL(k.inputs[1].name, "alt");
	CU_ASSERT_EQUAL(k.inputs[1].pos.ino, 10004994);
	CU_ASSERT_EQUAL(k.inputs[1].pos.fp_len, 0);
	CU_ASSERT_EQUAL(k.inputs[1].pos.offset, 0);
	CU_ASSERT_EQUAL(messages_open_count(ms), 1);

	CU_ASSERT_STRING_EQUAL(k.inputs[0].cursor, "");
	CU_ASSERT_STRING_EQUAL(k.inputs[1].cursor, "");

	/* Saved again, it is version 2: the same with each open message's
	 * fate (none yet: three zero bytes), the 2 inputs' empty journal
	 * cursors (u32 0 each) and the 4 windows' input_losses (i64 0 each):
	 * tests/unit/golden/checkpoint-v2.hex. */
	unlink(path);
	CU_ASSERT_EQUAL(checkpoint_save(st, &k, ms, ws, NULL, &err), 0);
	read_file(&again);
	strbuf_reset(&golden);
	read_golden_named(&golden, "checkpoint-v2.hex");
	CU_ASSERT_EQUAL(golden.len, 654 + 3 + 2 * 4 + 4 * 8);
	CU_ASSERT_EQUAL(again.len, golden.len);
	CU_ASSERT(again.len == golden.len && memcmp(again.data, golden.data, golden.len) == 0);
	/* ... which loads and saves to the same bytes. */
	checkpoint_release(&k);
	CU_ASSERT_EQUAL_FATAL(checkpoint_load(st, &k, ms, ws, &err), 1);
	unlink(path);
	CU_ASSERT_EQUAL(checkpoint_save(st, &k, ms, ws, NULL, &err), 0);
	strbuf_reset(&again);
	read_file(&again);
	CU_ASSERT(again.len == golden.len && memcmp(again.data, golden.data, golden.len) == 0);

	/* The windows came back too, in order. */
	record_batch_init(&b);
	while (windows_take(ws, INT64_MAX, &b)) {
		CU_ASSERT(b.window_start_ms > last_start);
		last_start = b.window_start_ms;
		nwin++;
	}
	record_batch_free(&b);
	CU_ASSERT_EQUAL(nwin, 4);

	checkpoint_release(&k);
	messages_free(ms);
	windows_free(ws);
	strbuf_release(&golden);
	strbuf_release(&again);
	strbuf_release(&err);
	close_state(st);
}

/* What is saved is what is loaded, and saves again to the same bytes. */
static void test_round_trip(void)
{
	struct state *st = open_state();
	struct windows *ws = windows_new(60000), *ws2 = windows_new(60000);
	struct messages *ms = new_messages(ws), *ms2 = new_messages(ws2);
	struct checkpoint k, l;
	struct strbuf first, second, err;
	struct record_cell cell;
	size_t i, size = 0;

	strbuf_init(&first, 1 << 20);
	strbuf_init(&second, 1 << 20);
	strbuf_init(&err, 1024);
	memset(&cell, 0, sizeof(cell));
	windows_count(ws, INT64_C(1790925713673), &cell);
	memset(&k, 0, sizeof(k));
	k.next_seq = 7;
	k.outbox_start = 100;
	k.outbox_end = 200;
	k.log_now = INT64_MIN;
	k.ninputs = 3;
	k.inputs = xcalloc(k.ninputs, sizeof(*k.inputs));
	for (i = 0; i < k.ninputs; i++) {
		snprintf(k.inputs[i].name, sizeof(k.inputs[i].name), "in%zu", i);
		k.inputs[i].pos.dev = 1 + i;
		k.inputs[i].pos.ino = 1000 + i;
		k.inputs[i].pos.fp_len = TAIL_FP_BYTES;
		memset(k.inputs[i].pos.fp, (int)(0xa0 + i), TAIL_FP_HASH);
		k.inputs[i].pos.offset = 4096 * i;
		k.inputs[i].pos.prev_fp_len = (uint32_t)i;
		memset(k.inputs[i].pos.prev_fp, (int)(0xb0 + i), TAIL_FP_HASH);
		k.inputs[i].pos.when_ms = -(int64_t)i;
	}
	/* A journal input: its cursor, and no file position. */
	memset(&k.inputs[2].pos, 0, sizeof(k.inputs[2].pos));
	snprintf(k.inputs[2].cursor, sizeof(k.inputs[2].cursor), "%s",
	         "s=0123456789abcdef0123456789abcdef;i=1a2b;b=0123456789abcdef0123456789abcdef;"
	         "m=3e8;t=65a1b2c3d4e5f;x=9f8e7d6c5b4a3928");
	windows_health(ws, INT64_C(1790925713673))->input_losses = 3;
	CU_ASSERT_EQUAL_FATAL(checkpoint_save(st, &k, ms, ws, &size, &err), 0);
	read_file(&first);
	CU_ASSERT_EQUAL(size, first.len);
	CU_ASSERT_EQUAL_FATAL(checkpoint_load(st, &l, ms2, ws2, &err), 1);
	CU_ASSERT_EQUAL(l.next_seq, 7);
	CU_ASSERT_EQUAL(l.outbox_start, 100);
	CU_ASSERT_EQUAL(l.outbox_end, 200);
	CU_ASSERT_EQUAL(l.log_now, INT64_MIN);
	CU_ASSERT_EQUAL_FATAL(l.ninputs, 3);
	for (i = 0; i < l.ninputs; i++) {
		CU_ASSERT_STRING_EQUAL(l.inputs[i].name, k.inputs[i].name);
		CU_ASSERT(memcmp(&l.inputs[i].pos, &k.inputs[i].pos, sizeof(l.inputs[i].pos)) == 0);
		CU_ASSERT_STRING_EQUAL(l.inputs[i].cursor, k.inputs[i].cursor);
	}
	CU_ASSERT_EQUAL(windows_health(ws2, INT64_C(1790925713673))->input_losses, 3);
	unlink(path);
	CU_ASSERT_EQUAL(checkpoint_save(st, &l, ms2, ws2, NULL, &err), 0);
	read_file(&second);
	CU_ASSERT(first.len == second.len && memcmp(first.data, second.data, first.len) == 0);

	/* A cursor is text: a control character in it is corruption, whatever
	 * the checksum. */
	{
		char *at = NULL;
		size_t j;
		struct windows *ws3 = windows_new(60000);
		struct messages *ms3 = new_messages(ws3);
		struct checkpoint m;

		for (j = 0; j + 6 <= first.len && at == NULL; j++) {
			if (memcmp(first.data + j, "i=1a2b", 6) == 0)
				at = first.data + j;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(at);
		at[1] = '\n';
		fix_crc(&first);
		write_file(first.data, first.len);
		CU_ASSERT_EQUAL(checkpoint_load(st, &m, ms3, ws3, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt input positions"));
		checkpoint_release(&m);
		messages_free(ms3);
		windows_free(ws3);
	}

	free(k.inputs);
	checkpoint_release(&l);
	messages_free(ms);
	messages_free(ms2);
	windows_free(ws);
	windows_free(ws2);
	strbuf_release(&first);
	strbuf_release(&second);
	strbuf_release(&err);
	close_state(st);
}

/* No checkpoint yet: 0, and nothing to resume from. */
static void test_missing(void)
{
	struct state *st = open_state();
	struct windows *ws = windows_new(60000);
	struct messages *ms = new_messages(ws);
	struct checkpoint k;
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(checkpoint_load(st, &k, ms, ws, &err), 0);
	CU_ASSERT_EQUAL(k.next_seq, 0);
	CU_ASSERT_EQUAL(k.outbox_end, 0);
	CU_ASSERT_EQUAL(k.ninputs, 0);
	CU_ASSERT_EQUAL(err.len, 0);
	checkpoint_release(&k);
	messages_free(ms);
	windows_free(ws);
	strbuf_release(&err);
	close_state(st);
}

/* Every kind of damage is refused with a message that says which. */
static void test_corrupt(void)
{
	struct state *st = open_state();
	struct strbuf golden, b, err;

	strbuf_init(&golden, 1 << 20);
	strbuf_init(&b, 1 << 20);
	strbuf_init(&err, 1024);
	read_golden(&golden);
	CU_ASSERT_EQUAL(load_bytes(st, &golden, GOLDEN_WINDOW_MS, &err), 1);

	strbuf_append(&b, golden.data, 15);
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a checkpoint"));

	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	b.data[7] = '2';
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a checkpoint"));

	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	b.data[8] = 3;
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "unknown version"));
	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	b.data[8] = 0;
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "unknown version"));

	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	b.data[100] ^= 1;
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "checksum mismatch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, dir));

	/* next_seq 0 (bytes 12..19). */
	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	memset(b.data + 12, 0, 8);
	fix_crc(&b);
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt header"));

	/* 4097 inputs (bytes 44..47). */
	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	b.data[44] = 0x01;
	b.data[45] = 0x10;
	fix_crc(&b);
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt header"));

	/* The first input's fingerprint over 1025 bytes (its fp_len at 72..75). */
	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	CU_ASSERT_EQUAL((unsigned char)b.data[73], 0x04);
	b.data[72] = 0x01;
	fix_crc(&b);
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt input positions"));

	/* The first input's fingerprint of 15 bytes (its length at 76..79). */
	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len);
	CU_ASSERT_EQUAL((unsigned char)b.data[76], 16);
	b.data[76] = 15;
	fix_crc(&b);
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt input positions"));

	/* The windows, read with another window length. */
	CU_ASSERT_EQUAL(load_bytes(st, &golden, 60000, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "window_seconds changed"));

	/* Cut short inside the windows, the frame made good again. */
	strbuf_reset(&b);
	strbuf_append(&b, golden.data, golden.len - 40);
	strbuf_append(&b, "CRC!", 4);
	fix_crc(&b);
	CU_ASSERT_EQUAL(load_bytes(st, &b, GOLDEN_WINDOW_MS, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt message or window state"));

	strbuf_release(&golden);
	strbuf_release(&b);
	strbuf_release(&err);
	close_state(st);
}

/*
 * A checkpoint made by hand, field by field as checkpoint.h describes it:
 * what a crafted file can hold whatever its checksum. craft_default() is
 * one the collector could have written; each test changes one thing.
 */
#define CRAFT_WINDOW_MS 60000
#define CRAFT_T INT64_C(1790925713673) /* 2026-10-02 */

struct craft {
	int64_t next_seq, log_now;
	uint64_t outbox_start, outbox_end;
	int input_twice;
	int64_t first_ms, event_ms, last_ms, done_ms;
	int64_t window_ms, taken_below;
	int any_taken;
	size_t nwin;
	int64_t index[2];
	int correction[2];
	size_t ncells; /* cells of the first window */
	uint32_t key[2];
	int64_t count[2];
	int64_t lines_read;
};

static void craft_default(struct craft *c)
{
	memset(c, 0, sizeof(*c));
	c->next_seq = 5;
	c->log_now = CRAFT_T;
	c->first_ms = c->event_ms = CRAFT_T - 2000;
	c->last_ms = CRAFT_T - 1000;
	c->done_ms = -1;
	c->window_ms = CRAFT_WINDOW_MS;
	c->taken_below = CRAFT_T / CRAFT_WINDOW_MS - 2;
	c->any_taken = 1;
	c->nwin = 2;
	c->index[0] = CRAFT_T / CRAFT_WINDOW_MS - 5; /* a correction window */
	c->correction[0] = 1;
	c->index[1] = CRAFT_T / CRAFT_WINDOW_MS;
	c->ncells = 2;
	c->key[0] = 5;
	c->key[1] = 7;
	c->count[0] = 3;
	c->count[1] = 4;
	c->lines_read = 10;
}

static void craft_bytes(const struct craft *c, struct strbuf *b)
{
	struct tail_pos pos;
	size_t i, j, ninputs = c->input_twice ? 2 : 1;
	static const char key[] = "mx1\0ABC123";
	uint32_t crc;

	strbuf_reset(b);
	memset(&pos, 0, sizeof(pos));
	strbuf_append(b, "ARSTCKP1", 8);
	ser_u32(b, 1);
	ser_i64(b, c->next_seq);
	ser_u64(b, c->outbox_start);
	ser_u64(b, c->outbox_end);
	ser_i64(b, c->log_now);
	ser_u32(b, (uint32_t)ninputs);
	for (i = 0; i < ninputs; i++) {
		ser_bytes(b, "main", 4);
		tail_pos_save(&pos, b);
	}
	/* One open message. */
	ser_u32(b, 1);
	ser_bytes(b, key, sizeof(key) - 1);
	ser_i64(b, c->first_ms);
	ser_i64(b, c->event_ms);
	ser_i64(b, -1);
	ser_i64(b, c->last_ms);
	ser_i64(b, c->done_ms);
	ser_u8(b, 1);
	for (i = 0; i < AR_METHOD_COUNT; i++)
		ser_u8(b, 0);
	ser_u8(b, 0);
	ser_u8(b, 0);
	/* The windows. */
	ser_i64(b, c->window_ms);
	ser_i64(b, c->taken_below);
	ser_u8(b, (uint8_t)c->any_taken);
	ser_u32(b, (uint32_t)c->nwin);
	for (i = 0; i < c->nwin; i++) {
		size_t ncells = i == 0 ? c->ncells : 0;

		ser_i64(b, c->index[i]);
		ser_u8(b, (uint8_t)c->correction[i]);
		ser_u32(b, (uint32_t)ncells);
		ser_i64(b, c->lines_read);
		for (j = 1; j < 7; j++)
			ser_i64(b, 0);
		for (j = 0; j < ncells; j++) {
			ser_u32(b, c->key[j]);
			ser_i64(b, c->count[j]);
		}
	}
	crc = (uint32_t)crc32(0L, (const Bytef *)b->data + 12, (uInt)(b->len - 12));
	ser_u32(b, crc);
}

/*
 * Load a crafted checkpoint; if it loads, use it as the collector would
 * (complete the messages, take every window), so that a value that slipped
 * through shows as a sanitizer report. checkpoint_load's result.
 */
static int load_and_use(struct state *st, const struct craft *c, struct strbuf *err)
{
	struct windows *ws = windows_new(CRAFT_WINDOW_MS);
	struct messages *ms = new_messages(ws);
	struct record_batch b;
	struct record_cell cell;
	struct checkpoint k;
	struct strbuf bytes;
	int rc;

	strbuf_init(&bytes, 1 << 20);
	craft_bytes(c, &bytes);
	write_file(bytes.data, bytes.len);
	strbuf_reset(err);
	rc = checkpoint_load(st, &k, ms, ws, err);
	if (rc == 1) {
		record_batch_init(&b);
		memset(&cell, 0, sizeof(cell));
		messages_complete_all(ms);
		windows_count(ws, c->log_now, &cell);
		while (windows_take(ws, INT64_MAX, &b))
			;
		record_batch_free(&b);
	}
	checkpoint_release(&k);
	messages_free(ms);
	windows_free(ws);
	strbuf_release(&bytes);
	return rc;
}

/* A checkpoint that is well framed but holds what no collector writes is
 * refused, saying so, before any arithmetic on it (the sanitizer build
 * would report an overflow). */
static void test_crafted(void)
{
	struct state *st = open_state();
	struct strbuf err;
	struct craft c;
	int n = 0;

	strbuf_init(&err, 1024);
	craft_default(&c);
	CU_ASSERT_EQUAL_FATAL(load_and_use(st, &c, &err), 1);

#define REFUSED(change, what)                                                              \
	do {                                                                                \
		craft_default(&c);                                                          \
		change;                                                                     \
		CU_ASSERT_EQUAL(load_and_use(st, &c, &err), -1);                            \
		if (strstr(err.data, what) == NULL)                                         \
			fprintf(stderr, "crafted checkpoint %d: \"%s\" lacks \"%s\"\n", n,  \
			        err.data, what);                                            \
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, what));                             \
		n++;                                                                        \
	} while (0)
	/* The header. */
	REFUSED(c.next_seq = INT64_MAX, "corrupt header");
	REFUSED(c.log_now = INT64_MAX, "corrupt header");
	REFUSED(c.log_now = INT64_MIN + 1, "corrupt header");
	REFUSED((c.outbox_start = 10, c.outbox_end = 5), "corrupt header");
	REFUSED(c.outbox_end = UINT64_MAX, "corrupt header");
	REFUSED(c.input_twice = 1, "an input twice");
	/* The open message. */
	REFUSED(c.first_ms = INT64_MAX, "corrupt message or window state");
	REFUSED(c.first_ms = INT64_MIN, "corrupt message or window state");
	REFUSED(c.last_ms = INT64_MAX, "corrupt message or window state");
	REFUSED(c.event_ms = INT64_MIN, "corrupt message or window state");
	REFUSED(c.event_ms = WINDOWS_TIME_MAX_MS + 1, "corrupt message or window state");
	REFUSED(c.done_ms = INT64_MIN, "corrupt message or window state");
	/* The windows. */
	REFUSED((c.key[1] = c.key[0], c.count[0] = c.count[1] = INT64_MAX),
	        "corrupt message or window state");
	REFUSED(c.key[1] = c.key[0], "corrupt message or window state");
	REFUSED(c.count[0] = INT64_MAX, "corrupt message or window state");
	REFUSED(c.count[0] = WINDOWS_COUNT_MAX + 1, "corrupt message or window state");
	REFUSED(c.count[0] = -1, "corrupt message or window state");
	REFUSED(c.key[0] = RECORD_CELLS_MAX, "corrupt message or window state");
	REFUSED(c.lines_read = INT64_MAX, "corrupt message or window state");
	REFUSED(c.lines_read = -1, "corrupt message or window state");
	REFUSED(c.index[1] = INT64_MAX, "corrupt message or window state");
	REFUSED(c.index[1] = INT64_MAX / CRAFT_WINDOW_MS, "corrupt message or window state");
	REFUSED(c.index[0] = INT64_MIN, "corrupt message or window state");
	REFUSED((c.index[1] = c.index[0], c.correction[1] = 1), "corrupt message or window state");
	REFUSED((c.correction[0] = 0, c.index[0] = c.index[1] + 1), /* out of order */
	        "corrupt message or window state");
	REFUSED(c.taken_below = INT64_MAX, "corrupt message or window state");
	REFUSED(c.taken_below = INT64_MIN, "corrupt message or window state");
	REFUSED(c.window_ms = CRAFT_WINDOW_MS * 2, "window_seconds changed");
#undef REFUSED
	strbuf_release(&err);
	close_state(st);
}

/* The wait between two saves: the configured interval for a small and
 * quick checkpoint; longer for a large one (its bytes at the rate bound)
 * or a slow one (20 times its duration). */
static void test_wait(void)
{
	/* 1 KB written in 2 ms: the interval. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(1000, 4194304, 1000, 2), 1000);
	/* 57 MB (200,000 open messages) at 4 MiB/s: 13.6 s. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(1000, 4194304, 57000000, 300), 13589);
	/* The same at 64 KiB/s: 14.5 minutes. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(1000, 65536, 57000000, 300), 869750);
	/* Small but slow (a busy disk's fsync of 2 s): 40 s, 5 % of the time. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(1000, 4194304, 1000, 2000), 40000);
	/* A larger interval wins over both. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(60000, 4194304, 57000000, 300), 60000);
	/* The extremes do not overflow. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(10, 1024, SIZE_MAX, 0), (INT64_C(1) << 30) * 1000 / 1024);
	CU_ASSERT_EQUAL(checkpoint_wait_ms(10, INT64_C(1) << 40, 0, INT64_MAX), INT64_C(86400000) * 20);
	/* Nothing saved yet. */
	CU_ASSERT_EQUAL(checkpoint_wait_ms(1000, 4194304, 0, 0), 1000);
}

/* A state directory that went away: the save fails and says where. */
static void test_save_fails(void)
{
	struct state *st = open_state();
	struct windows *ws = windows_new(60000);
	struct messages *ms = new_messages(ws);
	struct checkpoint k;
	struct strbuf err;
	char p[512];

	strbuf_init(&err, 1024);
	memset(&k, 0, sizeof(k));
	k.next_seq = 1;
	snprintf(p, sizeof(p), "%s/identity", dir);
	unlink(p);
	rmdir(dir);
	CU_ASSERT_EQUAL(checkpoint_save(st, &k, ms, ws, NULL, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, dir));
	messages_free(ms);
	windows_free(ws);
	strbuf_release(&err);
	close_state(st);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("checkpoint", NULL, NULL);
	CU_add_test(s, "golden v1 checkpoint loads and saves the same", test_golden);
	CU_add_test(s, "round trip", test_round_trip);
	CU_add_test(s, "no checkpoint yet", test_missing);
	CU_add_test(s, "corrupt checkpoints", test_corrupt);
	CU_add_test(s, "crafted checkpoints with a good checksum", test_crafted);
	CU_add_test(s, "the wait between saves follows size and duration", test_wait);
	CU_add_test(s, "unwritable state directory", test_save_fails);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
