#include "checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "mem.h"
#include "ser.h"

#define CKPT_NAME "checkpoint"
#define CKPT_MAGIC "ARSTCKP1"
/* Version 2: each open message's fate (messages_save), the journal cursor
 * of each input, and input_losses among the windows' health counters.
 * Version 1, written before them, is still read: its messages start with
 * no fate, its inputs with no cursor, its windows with no losses. */
#define CKPT_VERSION 2
#define CKPT_VERSION_MIN 1
/* A checkpoint holds at most the open-message table and windows: bounded by settings. */
#define CKPT_MAX (UINT64_C(1) << 30)
/* More inputs than anyone configures: a count above it is corruption. */
#define CKPT_MAX_INPUTS 4096
/* Sequence numbers count records, one per window: far below this for ever,
 * and counting up from it cannot overflow. */
#define CKPT_SEQ_MAX (INT64_C(1) << 62)
/* Outbox offsets: an off_t of any file system. */
#define CKPT_OUTBOX_MAX ((UINT64_C(1) << 62))

static int checkpoint_body(const struct checkpoint *k, const struct messages *ms,
                           const struct windows *ws, struct strbuf *b)
{
	size_t i;

	if (ser_i64(b, k->next_seq) < 0 || ser_u64(b, k->outbox_start) < 0 ||
	    ser_u64(b, k->outbox_end) < 0 || ser_i64(b, k->log_now) < 0 ||
	    ser_u32(b, (uint32_t)k->ninputs) < 0)
		return -1;
	for (i = 0; i < k->ninputs; i++) {
		if (ser_bytes(b, k->inputs[i].name, strlen(k->inputs[i].name)) < 0 ||
		    tail_pos_save(&k->inputs[i].pos, b) < 0 ||
		    ser_bytes(b, k->inputs[i].cursor, strlen(k->inputs[i].cursor)) < 0)
			return -1;
	}
	if (messages_save(ms, b) < 0 || windows_save(ws, b) < 0)
		return -1;
	return 0;
}

int checkpoint_save(struct state *st, const struct checkpoint *k, const struct messages *ms,
                    const struct windows *ws, size_t *size, struct strbuf *err)
{
	struct strbuf b;
	size_t body_at;
	int rc = -1;

	strbuf_init(&b, CKPT_MAX);
	strbuf_append(&b, CKPT_MAGIC, 8);
	_Static_assert(CKPT_VERSION == MESSAGES_SAVE_VERSION, "the messages' form is the checkpoint's");
	ser_u32(&b, CKPT_VERSION);
	body_at = b.len;
	if (checkpoint_body(k, ms, ws, &b) < 0 ||
	    ser_u32(&b, (uint32_t)crc32(0L, (const Bytef *)b.data + body_at,
	                                (uInt)(b.len - body_at))) < 0) {
		strbuf_printf(err, "checkpoint larger than %llu bytes", (unsigned long long)CKPT_MAX);
		goto out;
	}
	if (state_save_blob(st, CKPT_NAME, b.data, b.len, err) < 0)
		goto out;
	if (size != NULL)
		*size = b.len;
	rc = 0;
out:
	strbuf_release(&b);
	return rc;
}

/* The frame of raw (magic, version, checksum); the body in *body, the
 * version in *version. */
static int checkpoint_frame(const struct state *st, const struct strbuf *raw, struct deser *body,
                            uint32_t *version, struct strbuf *err)
{
	struct deser d;
	uint32_t crc;

	if (raw->len < 16 || memcmp(raw->data, CKPT_MAGIC, 8) != 0) {
		strbuf_printf(err, "%s/%s: not a checkpoint", state_dir(st), CKPT_NAME);
		return -1;
	}
	deser_init(&d, raw->data + 8, raw->len - 8);
	*version = deser_u32(&d);
	if (*version < CKPT_VERSION_MIN || *version > CKPT_VERSION) {
		strbuf_printf(err, "%s/%s: unknown version", state_dir(st), CKPT_NAME);
		return -1;
	}
	crc = (uint32_t)(unsigned char)raw->data[raw->len - 4] |
	      (uint32_t)(unsigned char)raw->data[raw->len - 3] << 8 |
	      (uint32_t)(unsigned char)raw->data[raw->len - 2] << 16 |
	      (uint32_t)(unsigned char)raw->data[raw->len - 1] << 24;
	if (crc != (uint32_t)crc32(0L, (const Bytef *)raw->data + 12, (uInt)(raw->len - 16))) {
		strbuf_printf(err, "%s/%s: checksum mismatch", state_dir(st), CKPT_NAME);
		return -1;
	}
	deser_init(body, raw->data + 12, raw->len - 16);
	return 0;
}

/* An input's journal cursor (v2): printable, without NUL, and shorter than
 * JOURNAL_CURSOR_MAX. -1 if not. */
static int checkpoint_cursor_load(struct checkpoint_input *in, struct deser *d)
{
	size_t n, i;
	const char *p = deser_bytes(d, JOURNAL_CURSOR_MAX - 1, &n);

	if (p == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return -1;
	}
	memcpy(in->cursor, p, n);
	in->cursor[n] = '\0';
	return 0;
}

int checkpoint_load(struct state *st, struct checkpoint *k, struct messages *ms,
                    struct windows *ws, struct strbuf *err)
{
	struct strbuf raw;
	struct deser d;
	uint32_t n, version = 0;
	size_t i;
	int rc;

	memset(k, 0, sizeof(*k));
	strbuf_init(&raw, CKPT_MAX);
	rc = state_load_blob(st, CKPT_NAME, &raw, err);
	if (rc <= 0)
		goto out;
	rc = -1;
	if (checkpoint_frame(st, &raw, &d, &version, err) < 0)
		goto out;
	k->next_seq = deser_i64(&d);
	k->outbox_start = deser_u64(&d);
	k->outbox_end = deser_u64(&d);
	k->log_now = deser_i64(&d);
	n = deser_u32(&d);
	/* The sequence number is counted up, and the newest time compared with
	 * the clock: both within bounds before any arithmetic. */
	if (d.failed || n > CKPT_MAX_INPUTS || k->next_seq < 1 || k->next_seq > CKPT_SEQ_MAX ||
	    k->outbox_start > k->outbox_end || k->outbox_end > CKPT_OUTBOX_MAX ||
	    (k->log_now != INT64_MIN &&
	     (k->log_now < WINDOWS_TIME_MIN_MS || k->log_now > WINDOWS_TIME_MAX_MS))) {
		strbuf_printf(err, "%s/%s: corrupt header", state_dir(st), CKPT_NAME);
		goto out;
	}
	k->inputs = xcalloc(n ? n : 1, sizeof(*k->inputs));
	k->ninputs = n;
	for (i = 0; i < k->ninputs; i++) {
		size_t nl;
		const void *name = deser_bytes(&d, CHECKPOINT_NAME_MAX, &nl);

		size_t j;

		if (name == NULL || tail_pos_load(&k->inputs[i].pos, &d) < 0 ||
		    (version >= 2 && checkpoint_cursor_load(&k->inputs[i], &d) < 0)) {
			strbuf_printf(err, "%s/%s: corrupt input positions", state_dir(st), CKPT_NAME);
			goto out;
		}
		memcpy(k->inputs[i].name, name, nl);
		/* One position per input: the names are settings' names, unique. */
		for (j = 0; j < i; j++) {
			if (strcmp(k->inputs[j].name, k->inputs[i].name) == 0) {
				strbuf_printf(err, "%s/%s: corrupt input positions (an input twice)",
				              state_dir(st), CKPT_NAME);
				goto out;
			}
		}
	}
	if (messages_load(ms, &d, (int)version) < 0 ||
	    windows_load_format(ws, &d, version >= 2 ? WINDOWS_FORMAT : 1) < 0) {
		strbuf_printf(err, "%s/%s: corrupt message or window state (or window_seconds changed "
		              "since it was written)", state_dir(st), CKPT_NAME);
		goto out;
	}
	rc = 1;
out:
	strbuf_release(&raw);
	return rc;
}

void checkpoint_release(struct checkpoint *k)
{
	free(k->inputs);
	k->inputs = NULL;
	k->ninputs = 0;
}

/* Saving progress takes at most 1/20 (5 %) of the time: the wait after a
 * save that took t is at least 20 t. */
#define CKPT_TIME_SHARE_INV 20

int64_t checkpoint_wait_ms(int64_t interval_ms, int64_t max_bytes_per_second, size_t last_bytes,
                           int64_t took_ms)
{
	int64_t wait = interval_ms, by_rate, by_time;

	/* A checkpoint is at most CKPT_MAX (1 GiB): times 1000 fits. */
	if (last_bytes > CKPT_MAX)
		last_bytes = CKPT_MAX;
	by_rate = (int64_t)((uint64_t)last_bytes * 1000 / (uint64_t)max_bytes_per_second);
	/* A save that took over a day (a hung disk) waits as one of a day. */
	by_time = (took_ms < 86400000 ? took_ms : 86400000) * CKPT_TIME_SHARE_INV;
	if (by_rate > wait)
		wait = by_rate;
	if (by_time > wait)
		wait = by_time;
	return wait;
}
