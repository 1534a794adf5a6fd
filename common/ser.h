/*
 * ser - little-endian binary serialization for the collector's own files
 * (checkpoint, outbox). Writing appends to a capped strbuf; reading checks
 * every length against what is left, so a corrupt file is an error, never
 * an over-read.
 */
#ifndef ARSTAT_SER_H
#define ARSTAT_SER_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Writers return 0, or -1 if the buffer's cap would be exceeded. */
int ser_u8(struct strbuf *sb, uint8_t v);
int ser_u32(struct strbuf *sb, uint32_t v);
int ser_u64(struct strbuf *sb, uint64_t v);
int ser_i64(struct strbuf *sb, int64_t v);
/* A u32 length, then the bytes. */
int ser_bytes(struct strbuf *sb, const void *p, size_t len);

struct deser {
	const unsigned char *p;
	size_t len;
	size_t pos;
	int failed; /* sticky: set by the first read past the end */
};

void deser_init(struct deser *d, const void *p, size_t len);
uint8_t deser_u8(struct deser *d);
uint32_t deser_u32(struct deser *d);
uint64_t deser_u64(struct deser *d);
int64_t deser_i64(struct deser *d);
/* Bytes written by ser_bytes; points into the input; NULL (and failed) if
 * longer than max or than what is left. */
const void *deser_bytes(struct deser *d, size_t max, size_t *len);

#endif
