/*
 * record_v1 - a decoder (and an encoder) of schema version 1's binary body
 * (schemas/counts-v1.avsc) written out by hand: the fast path of
 * record_decode() for records of that fingerprint. Avro C's generic reader
 * (record_decode_generic() in record.h) stays the reference: whatever this
 * decoder accepts, the reference accepts with the same batch, and whenever
 * this decoder refuses, record_decode() asks the reference for the verdict
 * and the reason (tests/unit/test_record_v1.c checks both against each other
 * on valid, mutated and random input).
 */
#ifndef ARSTAT_RECORD_V1_H
#define ARSTAT_RECORD_V1_H

#include <stddef.h>

#include "record_batch.h"

/*
 * Decode body[0..len) (the bytes after the single-object header) into b,
 * which must be initialised and hold no cells (its cell storage is reused).
 * Returns 0 if the body is exactly one value of schema v1 that passes every
 * check the schema walk makes (avro_walk.h, AVRO_WALK_CHECK: lengths and
 * counts within the bytes present, varints of at most 10 bytes without
 * overflow, booleans 0 or 1, enum indexes in range, sized blocks whose size
 * is right) and fits the batch (strings within their fields without a NUL,
 * at most RECORD_CELLS_MAX cells); -1 otherwise, with b in an unspecified state that the caller
 * clears. Never reads outside body[0..len); gives no reason (the reference
 * decoder does).
 */
int record_v1_decode(const unsigned char *body, size_t len, struct record_batch *b);

/*
 * The encoder of the same schema, written out likewise: record_encode()'s
 * fast path for v1, byte for byte what Avro C's generic writer makes of the
 * same batch (record_encode_generic(); unit.record_v1 compares the two).
 * record_v1_encode_max() is an upper bound of the body's size for b;
 * record_v1_encode() writes the body into out (at least that many bytes) and
 * returns its length. b must have passed record_batch_check().
 */
size_t record_v1_encode_max(const struct record_batch *b);
size_t record_v1_encode(const struct record_batch *b, unsigned char *out);

#endif
