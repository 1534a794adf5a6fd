/*
 * record_body - a decoder (and an encoder) of the binary body of schema
 * versions 1 and 2 (schemas/counts-v1.avsc, counts-v2.avsc) written out by
 * hand: the fast path of record_decode() and record_encode() for records of
 * those fingerprints. The two versions differ in three places only (v2's
 * cell has a fate before its count, its health record an eighth counter,
 * and the record ends with the vouched span), so one reader and one writer
 * take the version's layout as a parameter.
 *
 * Avro C's generic reader (record_decode_generic() in record.h) stays the
 * reference: whatever this decoder accepts, the reference accepts with the
 * same batch, and whenever this decoder refuses, record_decode() asks the
 * reference for the verdict and the reason (tests/unit/test_record_body.c
 * checks both against each other for each version on valid, mutated and
 * random input; tests/fuzz/fuzz_record.c does so on what the fuzzer finds).
 */
#ifndef ARSTAT_RECORD_BODY_H
#define ARSTAT_RECORD_BODY_H

#include <stddef.h>

#include "record_batch.h"

/* Where a version's body differs from v1's; opaque, one per version. */
struct record_body_layout;

/* The layouts written out by hand: schema v1 and v2. */
extern const struct record_body_layout record_body_v1;
extern const struct record_body_layout record_body_v2;

/* The layout of schema version `version`, or NULL if it has none here (a
 * later version until someone writes one: the reference reads it). */
const struct record_body_layout *record_body_layout_of(int version);

/*
 * Decode body[0..len) (the bytes after the single-object header) into b,
 * which must be initialised and hold no cells (its cell storage is reused;
 * the fields a layout lacks, such as v1's fate, input losses and vouched
 * span, are left as record_batch_clear() set them: 0, FATE_UNKNOWN).
 * Returns 0 if the body is exactly one value of the layout's schema that
 * passes every check the schema walk makes (avro_walk.h, AVRO_WALK_CHECK:
 * lengths and counts within the bytes present, varints of at most 10 bytes
 * without overflow, booleans 0 or 1, enum indexes in range, sized blocks
 * whose size is right) and fits the batch (strings within their fields
 * without a NUL, at most RECORD_CELLS_MAX cells); -1 otherwise, with b in an
 * unspecified state that the caller clears. Never reads outside
 * body[0..len); gives no reason (the reference decoder does).
 */
int record_body_decode(const struct record_body_layout *l, const unsigned char *body, size_t len,
                       struct record_batch *b);

/*
 * The encoder of the same layouts, written out likewise: record_encode()'s
 * fast path, byte for byte what Avro C's generic writer makes of the same
 * batch (record_encode_generic_version(); unit.record_body compares the
 * two). record_body_encode_max() is an upper bound of the body's size for
 * b; record_body_encode() writes the body into out (at least that many
 * bytes) and returns its length. b must have passed record_batch_check(),
 * and for v1 carry nothing v1 cannot say (record_encode_version() checks):
 * the v1 writer leaves out fates, input losses and the vouched span.
 */
size_t record_body_encode_max(const struct record_body_layout *l, const struct record_batch *b);
size_t record_body_encode(const struct record_body_layout *l, const struct record_batch *b,
                          unsigned char *out);

#endif
