/*
 * avro_canon - Avro's Parsing Canonical Form and the CRC-64-AVRO fingerprint
 * (Avro specification, "Schema Fingerprints"), which Avro C 1.11.1 lacks.
 */
#ifndef ARSTAT_AVRO_CANON_H
#define ARSTAT_AVRO_CANON_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#include "strbuf.h"

/* CRC-64-AVRO (Rabin) fingerprint of buf[0..len). */
uint64_t avro_crc64(const void *buf, size_t len);

/* Append the Parsing Canonical Form of schema to out. 0, or -1 if out's cap
 * is exceeded or the schema holds a type this code does not know. */
int avro_canonical_form(avro_schema_t schema, struct strbuf *out);

/*
 * Append the Parsing Canonical Form of the schema in json[0..len) to out,
 * from the text itself (jansson), without Avro C's parser: for schemas from
 * outside, which that parser may leak on. Strict: names must be Avro names,
 * a named type is defined once, a reference follows its definition, no JSON
 * object has a key twice. 0, or -1 with the reason in why (never quoting
 * more of the text than an Avro name) and out as it was.
 */
int avro_canonical_form_json(const char *json, size_t len, struct strbuf *out,
                             struct strbuf *why);

/* Parse trusted JSON schema text (ours) and give its canonical-form
 * fingerprint. 0 or -1. */
int avro_schema_json_fingerprint(const char *json, uint64_t *fp);

#endif
