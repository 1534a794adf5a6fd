/*
 * ocf - read an Avro object container file (the collector's file sink writes
 * them with Avro C's avro_file_writer) record by record, and hand out each
 * record in single-object encoding (C3 01, the fingerprint of the file's
 * writer schema, the datum), so that a record from a file goes through
 * exactly the decoder and checks a record from Kafka goes through.
 *
 * A file is untrusted input. Avro C 1.11.1's own file reader allocates the
 * block size a file states before reading a byte of it, ignores a block that
 * fails to decompress, fails on a file that holds no block yet, and stops at
 * the first bad block. This reader parses the container itself, with every
 * size bounded (OCF_BLOCK_BYTES_MAX), uses libsnappy and zlib for the
 * codecs, walks each datum against the writer schema to find where it ends
 * (avro_walk.h), and after a damaged block
 * searches for the next sync marker and goes on: a file cut short by a
 * crash yields every complete block. `arstat-aggregator ingest --file`
 * reads files with it.
 *
 * The writer schema in the header must be one of the counts schemas this
 * build reads (record.h), in any spelling: its canonical form is written
 * from the JSON text (avro_canon.h) and compared with theirs, and the
 * schema used is ours, parsed from our own text. The header's text is never
 * handed to Avro C's parser, which leaks memory on some schemas (a named
 * type defined twice). A file of another schema is refused at its header.
 *
 * Codecs: "snappy", which the file sink writes: every block carries the
 * CRC-32 of its uncompressed data, and a block that fails it is an OCF_BAD
 * item of reason "checksum", so a flipped bit never becomes another count.
 * "null" and "deflate" (the two every Avro implementation has, and what
 * the file sink wrote before) carry no checksum: ocf_reader_checked() tells
 * them apart, and the caller decides whether to read such a file at all.
 */
#ifndef ARSTAT_OCF_H
#define ARSTAT_OCF_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* A block larger than this, compressed or not, is not one our collectors
 * write (Avro C's writer uses 16 KiB blocks unless told otherwise). */
#define OCF_BLOCK_BYTES_MAX (64 * 1024 * 1024)
/* The header's metadata (the schema is about 2 KiB). */
#define OCF_META_BYTES_MAX (1024 * 1024)
/* "file:", 32 hex digits of the sync marker, "-", 16 of a hash, and a NUL. */
#define OCF_ID_LEN 55

struct ocf_reader;

enum ocf_status {
	OCF_RECORD = 0, /* item holds one record */
	OCF_BAD = 1,    /* item describes bytes that could not be read as records */
	OCF_END = 2,    /* no more blocks */
	OCF_ERROR = -1, /* reading the file failed (I/O error); err says why */
};

struct ocf_item {
	/* OCF_RECORD: the record, single-object encoded. OCF_BAD: the bytes
	 * skipped as far as they are known (may be NULL), and the reason. Valid
	 * until the next call. */
	const unsigned char *data;
	size_t len;
	int64_t block_offset; /* byte offset in the file of the block */
	int32_t index;        /* record index in the block; -1: the block itself */
	/* OCF_BAD: a short token: "truncated", "corrupt_block" (framing or
	 * codec), "checksum" (a block that fails its CRC), "corrupt" (records
	 * whose end cannot be found). */
	const char *reason;
};

/*
 * Open path and read its header. Returns the reader, or NULL with the reason
 * in err: the file cannot be opened or read, is not an object container file,
 * its header is malformed or too large, its codec is not supported, or its
 * schema is not valid JSON, not a schema, or not one of ours (the message
 * gives its fingerprint then).
 */
struct ocf_reader *ocf_reader_new(const char *path, struct strbuf *err);
/* ocf_reader_free(NULL) is a no-op. */
void ocf_reader_free(struct ocf_reader *r);

/*
 * The next record or damaged stretch. OCF_BAD items come with the reason
 * (in item->reason, details appended to why); reading goes on after them.
 * OCF_ERROR only for an I/O error. why is written only by the call whose
 * OCF_BAD or OCF_ERROR it explains, so a caller may reset it before each.
 */
enum ocf_status ocf_reader_next(struct ocf_reader *r, struct ocf_item *item, struct strbuf *why);

/* "file:", the sync marker and a hash of the first block, in hex: the
 * file's identity, the same for a copy, a renamed file or one that has grown
 * by more blocks, different for files of different content. */
const char *ocf_reader_id(const struct ocf_reader *r);
/* The codec named in the header ("snappy", "null" or "deflate"). */
const char *ocf_reader_codec(const struct ocf_reader *r);
/* 1 if every block of the file carries a checksum the reader verifies
 * (codec snappy), 0 if damage inside a block can go unnoticed (null,
 * deflate). */
int ocf_reader_checked(const struct ocf_reader *r);
/* CRC-64-AVRO fingerprint of the writer schema's canonical form: always
 * one of record.h's versions. */
uint64_t ocf_reader_fingerprint(const struct ocf_reader *r);

#endif
