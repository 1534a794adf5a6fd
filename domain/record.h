/*
 * record - the wire form of the published batch of counts (record_batch.h):
 * Avro single-object encoding, i.e. the marker C3 01, the 8-byte
 * little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing
 * Canonical Form (avro_bin.h reads and writes that header), then the Avro
 * binary body.
 *
 * Readers know every schema version ever published by its fingerprint
 * (Avro C 1.11.1 cannot resolve a reader schema that adds a defaulted field),
 * so decoding dispatches on the fingerprint and never guesses. Avro C is
 * the reference encoder and decoder; schemas v1 and v2 also have a codec
 * written by hand (record_body.h), which record_decode() and record_encode()
 * use first.
 */
#ifndef ARSTAT_RECORD_H
#define ARSTAT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "record_batch.h"
#include "strbuf.h"

/*
 * Encode b as one single-object-encoded record of the current schema,
 * appended to out. Returns 0, or -1 with a reason in err (e.g. a field out of
 * range, or out exceeding its cap).
 */
int record_encode(const struct record_batch *b, struct strbuf *out, struct strbuf *err);
/* The same in schema version `version` (1 = counts-v1.avsc, ...): for the
 * tests of older readers, and for a writer that must speak to them. A batch
 * the version cannot carry (for v1: a fate, input losses or a vouched span)
 * is refused, never written with that part dropped. */
int record_encode_version(const struct record_batch *b, int version, struct strbuf *out,
                          struct strbuf *err);
/* The reference: the same through Avro C's generic writer (slower); for
 * the tests that compare the two. */
int record_encode_generic(const struct record_batch *b, struct strbuf *out, struct strbuf *err);
int record_encode_generic_version(const struct record_batch *b, int version, struct strbuf *out,
                                  struct strbuf *err);

enum record_decode_status {
	RECORD_OK = 0,
	RECORD_NOT_OURS = -1,     /* no single-object marker */
	RECORD_UNKNOWN_SCHEMA = -2, /* marker present, fingerprint unknown */
	RECORD_CORRUPT = -3,      /* known schema, body does not decode or fails checks */
};

/*
 * Decode one single-object-encoded record of any known schema version into b
 * (which must be initialised; previous cells are discarded). On failure b
 * holds no cells and err says why. A version with a hand-written decoder
 * (v1) is read by it; whatever it refuses, and every other version, goes to
 * record_decode_generic(), so the status and the reason are always the
 * generic decoder's.
 */
enum record_decode_status record_decode(const void *data, size_t len, struct record_batch *b,
                                        struct strbuf *err);
/*
 * The reference: the same as record_decode(), every version through the
 * schema-driven body check and Avro C's generic reader. Slower; exported for
 * the tests that compare the two.
 *
 * Threads: both may be called from several threads at once (the generic
 * reader takes a lock), once the schema registry exists: call
 * record_current_fingerprint() once before starting them.
 */
enum record_decode_status record_decode_generic(const void *data, size_t len,
                                                struct record_batch *b, struct strbuf *err);

/* Fingerprint of the current (newest) schema. */
uint64_t record_current_fingerprint(void);

/* The schema versions this build can read, newest first. */
struct record_schema_version {
	int version;
	uint64_t fingerprint;
	const char *json; /* schema text as published in schemas/ */
};
size_t record_schema_versions(const struct record_schema_version **out);
/* The version of schema fingerprint fp, or NULL if this build cannot read
 * it. The entry lives as long as the process. */
const struct record_schema_version *record_schema_find(uint64_t fp);

#endif
