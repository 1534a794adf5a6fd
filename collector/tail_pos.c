/*
 * tail_pos - a reading position in the collector's checkpoint (see tail.h).
 * The layout is part of the checkpoint format (checkpoint.h): changing it
 * makes every saved checkpoint unreadable.
 */
#include "tail.h"

#include <string.h>

int tail_pos_save(const struct tail_pos *pos, struct strbuf *sb)
{
	if (ser_u64(sb, pos->dev) < 0 || ser_u64(sb, pos->ino) < 0 || ser_u32(sb, pos->fp_len) < 0 ||
	    ser_bytes(sb, pos->fp, sizeof(pos->fp)) < 0 || ser_u64(sb, pos->offset) < 0 ||
	    ser_u32(sb, pos->prev_fp_len) < 0 ||
	    ser_bytes(sb, pos->prev_fp, sizeof(pos->prev_fp)) < 0 || ser_i64(sb, pos->when_ms) < 0)
		return -1;
	return 0;
}

/* A fingerprint written by ser_bytes: exactly TAIL_FP_HASH bytes. */
static int load_fp(struct deser *d, unsigned char fp[TAIL_FP_HASH])
{
	size_t len;
	const void *p = deser_bytes(d, TAIL_FP_HASH, &len);

	if (p == NULL || len != TAIL_FP_HASH)
		return -1;
	memcpy(fp, p, len);
	return 0;
}

int tail_pos_load(struct tail_pos *pos, struct deser *d)
{
	memset(pos, 0, sizeof(*pos));
	pos->dev = deser_u64(d);
	pos->ino = deser_u64(d);
	pos->fp_len = deser_u32(d);
	if (load_fp(d, pos->fp) < 0)
		return -1;
	pos->offset = deser_u64(d);
	pos->prev_fp_len = deser_u32(d);
	if (load_fp(d, pos->prev_fp) < 0)
		return -1;
	pos->when_ms = deser_i64(d);
	if (d->failed || pos->fp_len > TAIL_FP_BYTES || pos->prev_fp_len > TAIL_FP_BYTES)
		return -1;
	return 0;
}
