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

/* Parse JSON schema text and give its canonical-form fingerprint. 0 or -1. */
int avro_schema_json_fingerprint(const char *json, uint64_t *fp);

#endif
