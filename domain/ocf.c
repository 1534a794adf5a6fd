/*
 * Layout of an object container file (Avro specification, "Object Container
 * Files"): the magic "Obj" 0x01; the metadata, an Avro map of bytes holding
 * at least avro.schema and possibly avro.codec; a 16-byte sync marker; then
 * blocks, each: a long count of records, a long size in bytes, that many
 * bytes (the records, compressed by the codec), and the sync marker again.
 */
#include "ocf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <snappy-c.h>
#include <zlib.h>

#include "avro_bin.h"
#include "avro_canon.h"
#include "avro_walk.h"
#include "digest.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "strutil.h"

#define OCF_MAGIC "Obj\x01"
#define OCF_MAGIC_LEN 4
#define OCF_SYNC_LEN 16
/* Metadata entries; we need two. */
#define OCF_META_ENTRIES_MAX 1024
/* The canonical form of our schemas is about a kilobyte. */
#define OCF_CANON_MAX (64 * 1024)
/* Bytes of the first block hashed into the file's identity when its header
 * cannot be trusted. */
#define OCF_ID_PEEK_MAX (64 * 1024)
/* Bytes of the hash in the identity. */
#define OCF_ID_HASH_LEN 8

enum ocf_codec { OCF_CODEC_NULL, OCF_CODEC_DEFLATE, OCF_CODEC_SNAPPY };

/* The Avro specification's snappy codec: each block's data is compressed
 * with snappy and followed by the CRC-32 (ISO 3309, zlib's crc32) of the
 * uncompressed data, 4 bytes, big-endian. */
#define OCF_SNAPPY_CRC_LEN 4

struct ocf_reader {
	FILE *fp;
	char *path;
	int64_t pos;               /* bytes consumed from the file */
	unsigned char sync[OCF_SYNC_LEN];
	char id[OCF_ID_LEN];
	enum ocf_codec codec;
	avro_schema_t schema;
	uint64_t fingerprint;
	unsigned char header[AVRO_BIN_HEADER_LEN];
	/* The current block: raw bytes, decoded bytes, where each record ends. */
	unsigned char *raw;
	size_t raw_alloc;
	unsigned char *dec;
	size_t dec_len, dec_alloc;
	size_t *ends;
	size_t nends, ends_alloc;
	size_t next;               /* next record of the block to hand out */
	int64_t block_offset;
	int block_bad;             /* a bad item follows the good records */
	const char *block_reason;
	/* Why the block's bad part is bad. Kept here, not written to the
	 * caller's why: the block is split in the call that hands out its first
	 * good record, and the bad part comes calls later. */
	struct strbuf bad_why;
	size_t bad_from;           /* byte in dec where the bad part starts */
	int32_t bad_index;         /* its record index, -1 for the whole block */
	int at_end;
	unsigned char *record;     /* header + one datum */
	size_t record_alloc;
};

/* ---- reading the stream ---- */

enum ocf_read { OCF_READ_OK = 0, OCF_READ_EOF = 1, OCF_READ_FAIL = -1 };

/* Exactly n bytes. OCF_READ_EOF if the file ends first (also part way). */
static enum ocf_read ocf_read_bytes(struct ocf_reader *r, void *buf, size_t n)
{
	size_t got = fread(buf, 1, n, r->fp);

	r->pos += (int64_t)got;
	if (got == n)
		return OCF_READ_OK;
	return ferror(r->fp) ? OCF_READ_FAIL : OCF_READ_EOF;
}

/* A zig-zag varint long. *none is set if the file ended before its first
 * byte (a clean end), so the caller can tell that from a cut-off number.
 * The bytes are gathered up to the last one (no continuation bit) or the
 * most a long may take, and decoded by avro_bin.h. */
static enum ocf_read ocf_read_long(struct ocf_reader *r, int64_t *out, int *none)
{
	unsigned char buf[AVRO_BIN_LONG_MAX_BYTES];
	struct avro_bin cur;
	size_t n = 0;
	int c;

	if (none != NULL)
		*none = 0;
	do {
		c = getc(r->fp);
		if (c == EOF) {
			if (ferror(r->fp))
				return OCF_READ_FAIL;
			if (none != NULL && n == 0)
				*none = 1;
			return OCF_READ_EOF;
		}
		r->pos++;
		buf[n++] = (unsigned char)c;
	} while ((c & 0x80) != 0 && n < sizeof(buf));
	avro_bin_init(&cur, buf, n);
	/* Overflowing 64 bits, or longer than 10 bytes. */
	if (avro_bin_long(&cur, out) != AVRO_BIN_OK)
		return OCF_READ_FAIL;
	return OCF_READ_OK;
}

/* ---- the header ---- */

/* One length-prefixed string or bytes value of the metadata, into a fresh
 * buffer (NUL-terminated for convenience); *budget bounds the total. */
static int ocf_read_meta_bytes(struct ocf_reader *r, char **out, size_t *len, size_t *budget,
                               struct strbuf *err)
{
	int64_t n;
	char *buf;

	if (ocf_read_long(r, &n, NULL) != OCF_READ_OK || n < 0) {
		strbuf_printf(err, "%s: malformed header", r->path);
		return -1;
	}
	if ((uint64_t)n > *budget) {
		strbuf_printf(err, "%s: header metadata larger than %d bytes", r->path,
		              OCF_META_BYTES_MAX);
		return -1;
	}
	*budget -= (size_t)n;
	buf = xmalloc((size_t)n + 1);
	if (ocf_read_bytes(r, buf, (size_t)n) != OCF_READ_OK) {
		free(buf);
		strbuf_printf(err, "%s: header cut short", r->path);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/*
 * The schema of canonical form canon (fingerprint r->fingerprint) as one of
 * the versions this build reads: parsed by Avro C from our own embedded
 * text, never from the file's. The forms are compared whole, not only by
 * fingerprint: CRC-64 is no defence against a schema made to collide. 0, or
 * -1 with err for a schema this build does not read (an aggregator that
 * does can read the file later; the records already stored are skipped).
 */
static int ocf_use_own_schema(struct ocf_reader *r, const struct strbuf *canon,
                              struct strbuf *err)
{
	const struct record_schema_version *v = record_schema_find(r->fingerprint);
	struct strbuf own;
	int rc = -1;

	strbuf_init(&own, OCF_CANON_MAX);
	if (v != NULL) {
		if (avro_schema_from_json_length(v->json, strlen(v->json), &r->schema) != 0)
			msg_panic("ocf: embedded schema v%d does not parse: %s", v->version,
			          avro_strerror());
		if (avro_canonical_form(r->schema, &own) < 0)
			msg_panic("ocf: no canonical form for embedded schema v%d", v->version);
		if (own.len == canon->len && memcmp(own.data, canon->data, own.len) == 0)
			rc = 0;
	}
	if (rc < 0)
		strbuf_printf(err, "%s: writer schema (fingerprint %016" PRIx64 ") is not a counts"
		              " schema this build reads; not read", r->path, r->fingerprint);
	strbuf_release(&own);
	return rc;
}

static int ocf_read_header(struct ocf_reader *r, struct strbuf *err)
{
	unsigned char magic[OCF_MAGIC_LEN];
	char *key = NULL, *value = NULL, *schema_json = NULL, *codec = NULL;
	size_t klen, vlen, schema_len = 0, budget = OCF_META_BYTES_MAX, entries = 0;
	int64_t count, size;
	struct strbuf canon, why;
	int rc = -1;

	strbuf_init(&canon, OCF_CANON_MAX);
	strbuf_init(&why, 1024);
	if (ocf_read_bytes(r, magic, sizeof(magic)) != OCF_READ_OK ||
	    memcmp(magic, OCF_MAGIC, OCF_MAGIC_LEN) != 0) {
		strbuf_printf(err, "%s: not an Avro object container file", r->path);
		goto out;
	}
	for (;;) {
		if (ocf_read_long(r, &count, NULL) != OCF_READ_OK) {
			strbuf_printf(err, "%s: malformed header", r->path);
			goto out;
		}
		if (count == 0)
			break;
		if (count < 0) {
			/* A negative count is followed by the block's size in bytes. */
			if (count == INT64_MIN || ocf_read_long(r, &size, NULL) != OCF_READ_OK) {
				strbuf_printf(err, "%s: malformed header", r->path);
				goto out;
			}
			count = -count;
		}
		if ((uint64_t)count > OCF_META_ENTRIES_MAX - entries) {
			strbuf_printf(err, "%s: more than %d header entries", r->path,
			              OCF_META_ENTRIES_MAX);
			goto out;
		}
		entries += (size_t)count;
		for (; count > 0; count--) {
			if (ocf_read_meta_bytes(r, &key, &klen, &budget, err) < 0 ||
			    ocf_read_meta_bytes(r, &value, &vlen, &budget, err) < 0)
				goto out;
			if (strcmp(key, "avro.schema") == 0 && schema_json == NULL) {
				schema_json = value;
				schema_len = vlen;
				value = NULL;
			} else if (strcmp(key, "avro.codec") == 0 && codec == NULL) {
				codec = value;
				value = NULL;
			}
			free(key);
			free(value);
			key = value = NULL;
		}
	}
	if (ocf_read_bytes(r, r->sync, sizeof(r->sync)) != OCF_READ_OK) {
		strbuf_printf(err, "%s: header cut short", r->path);
		goto out;
	}
	if (codec == NULL || strcmp(codec, "null") == 0) {
		r->codec = OCF_CODEC_NULL;
	} else if (strcmp(codec, "deflate") == 0) {
		r->codec = OCF_CODEC_DEFLATE;
	} else if (strcmp(codec, "snappy") == 0) {
		r->codec = OCF_CODEC_SNAPPY;
	} else {
		/* Not quoted: the name is the file's, and may be anything. */
		strbuf_printf(err, "%s: codec not supported (snappy, null and deflate are)", r->path);
		goto out;
	}
	if (schema_json == NULL) {
		strbuf_printf(err, "%s: header has no avro.schema", r->path);
		goto out;
	}
	/* The header's schema is the file's and may be anything: its canonical
	 * form is written from the text (avro_canon.h), and only a form of one
	 * of our own schemas lets the file be read. */
	if (avro_canonical_form_json(schema_json, schema_len, &canon, &why) < 0) {
		strbuf_printf(err, "%s: writer schema refused: %s", r->path,
		              why.len > 0 ? why.data : "too large");
		goto out;
	}
	r->fingerprint = avro_crc64(canon.data, canon.len);
	if (ocf_use_own_schema(r, &canon, err) < 0)
		goto out;
	rc = 0;
out:
	free(key);
	free(value);
	free(schema_json);
	free(codec);
	strbuf_release(&canon);
	strbuf_release(&why);
	return rc;
}

/*
 * The file's identity: the sync marker, and a hash of its first block.
 * Avro C seeds its sync marker generator with the time in seconds, so two
 * files a collector writes in the same second share a marker; the first
 * block's bytes tell them apart, and they stay the same when a file grows
 * by more blocks or is copied. A file without blocks has nothing to tell
 * apart, and needs nothing: it yields no dead letter.
 */
static int ocf_identify(struct ocf_reader *r, struct strbuf *err)
{
	unsigned char digest[DIGEST_SHA256_LEN], buf[4096];
	char hex[2 * OCF_SYNC_LEN + 1], hhex[2 * OCF_ID_HASH_LEN + 1];
	struct digest *dg;
	int64_t start = r->pos, count, size, want = OCF_ID_PEEK_MAX;
	size_t n;

	if (ocf_read_long(r, &count, NULL) == OCF_READ_OK &&
	    ocf_read_long(r, &size, NULL) == OCF_READ_OK && count >= 0 && size >= 0 &&
	    size <= OCF_BLOCK_BYTES_MAX)
		want = (r->pos - start) + size + OCF_SYNC_LEN;
	if (fseeko(r->fp, (off_t)start, SEEK_SET) != 0) {
		strbuf_printf(err, "%s: %s", r->path, strerror(errno));
		return -1;
	}
	clearerr(r->fp);
	r->pos = start;
	dg = digest_new();
	while (want > 0) {
		n = fread(buf, 1, want < (int64_t)sizeof(buf) ? (size_t)want : sizeof(buf), r->fp);
		if (n == 0)
			break;
		digest_update(dg, buf, n);
		want -= (int64_t)n;
	}
	digest_final(dg, digest);
	digest_free(dg);
	if (ferror(r->fp) || fseeko(r->fp, (off_t)start, SEEK_SET) != 0) {
		strbuf_printf(err, "%s: read error", r->path);
		return -1;
	}
	clearerr(r->fp);
	str_hex(r->sync, sizeof(r->sync), hex);
	str_hex(digest, OCF_ID_HASH_LEN, hhex);
	snprintf(r->id, sizeof(r->id), "file:%s-%s", hex, hhex);
	return 0;
}

struct ocf_reader *ocf_reader_new(const char *path, struct strbuf *err)
{
	struct ocf_reader *r = xcalloc(1, sizeof(*r));

	r->path = xstrdup(path);
	strbuf_init(&r->bad_why, 1024);
	r->fp = fopen(path, "rb");
	if (r->fp == NULL) {
		strbuf_printf(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (ocf_read_header(r, err) < 0 || ocf_identify(r, err) < 0)
		goto fail;
	avro_bin_header_write(r->header, r->fingerprint);
	return r;
fail:
	ocf_reader_free(r);
	return NULL;
}

void ocf_reader_free(struct ocf_reader *r)
{
	if (r == NULL)
		return;
	if (r->fp != NULL)
		fclose(r->fp);
	if (r->schema != NULL)
		avro_schema_decref(r->schema);
	free(r->raw);
	free(r->dec);
	free(r->ends);
	free(r->record);
	strbuf_release(&r->bad_why);
	free(r->path);
	free(r);
}

const char *ocf_reader_id(const struct ocf_reader *r)
{
	return r->id;
}

const char *ocf_reader_codec(const struct ocf_reader *r)
{
	switch (r->codec) {
	case OCF_CODEC_SNAPPY:
		return "snappy";
	case OCF_CODEC_DEFLATE:
		return "deflate";
	case OCF_CODEC_NULL:
		break;
	}
	return "null";
}

int ocf_reader_checked(const struct ocf_reader *r)
{
	return r->codec == OCF_CODEC_SNAPPY;
}

uint64_t ocf_reader_fingerprint(const struct ocf_reader *r)
{
	return r->fingerprint;
}

/* ---- blocks ---- */

/* Grow *buf to at least n bytes (n <= OCF_BLOCK_BYTES_MAX). */
static void ocf_reserve(unsigned char **buf, size_t *alloc, size_t n)
{
	*buf = xgrow(*buf, n, alloc, 1, 16384);
}

/* Inflate raw[0..len) (RFC 1951, no zlib header, as Avro writes it) into
 * dec, at most OCF_BLOCK_BYTES_MAX bytes. 0, or -1 with why (r->bad_why)
 * and the reason token in *reason. */
static int ocf_inflate(struct ocf_reader *r, size_t len, const char **reason, struct strbuf *why)
{
	z_stream zs;
	int zrc, rc = -1;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -15) != Z_OK) {
		strbuf_printf(why, "zlib: cannot initialise");
		return -1;
	}
	zs.next_in = r->raw;
	zs.avail_in = (uInt)len;
	r->dec_len = 0;
	for (;;) {
		if (r->dec_len == r->dec_alloc) {
			if (r->dec_alloc >= OCF_BLOCK_BYTES_MAX) {
				strbuf_printf(why, "block inflates to more than %d bytes",
				              OCF_BLOCK_BYTES_MAX);
				goto out;
			}
			ocf_reserve(&r->dec, &r->dec_alloc, r->dec_alloc + 1);
		}
		zs.next_out = r->dec + r->dec_len;
		zs.avail_out = (uInt)(r->dec_alloc - r->dec_len);
		zrc = inflate(&zs, Z_NO_FLUSH);
		r->dec_len = (size_t)(zs.next_out - r->dec);
		if (zrc == Z_STREAM_END)
			break;
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			strbuf_printf(why, "block does not inflate: %s", zs.msg != NULL ? zs.msg : "zlib");
			goto out;
		}
		if (zrc == Z_BUF_ERROR && zs.avail_in == 0) {
			strbuf_printf(why, "deflate data cut short");
			goto out;
		}
	}
	if (zs.avail_in != 0) {
		strbuf_printf(why, "%u bytes after the end of the deflate data", zs.avail_in);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		*reason = "corrupt_block";
	inflateEnd(&zs);
	return rc;
}

/* Uncompress the snappy block raw[0..len) into dec and check its CRC-32.
 * The size snappy's preamble states is checked against OCF_BLOCK_BYTES_MAX
 * before anything is allocated: the file is untrusted. 0, or -1 with why
 * and the reason token in *reason: "checksum" when the data uncompresses
 * but is not what was written, "corrupt_block" when it does not. */
static int ocf_unsnappy(struct ocf_reader *r, size_t len, const char **reason,
                        struct strbuf *why)
{
	const unsigned char *stored;
	size_t n;
	uLong crc;
	uint32_t want;

	*reason = "corrupt_block";
	r->dec_len = 0;
	if (len < OCF_SNAPPY_CRC_LEN) {
		strbuf_printf(why, "snappy block of %zu bytes, shorter than its checksum", len);
		return -1;
	}
	len -= OCF_SNAPPY_CRC_LEN;
	if (snappy_uncompressed_length((const char *)r->raw, len, &n) != SNAPPY_OK) {
		strbuf_printf(why, "snappy block does not state its size");
		return -1;
	}
	if (n > OCF_BLOCK_BYTES_MAX) {
		strbuf_printf(why, "snappy block states %zu bytes, more than %d", n,
		              OCF_BLOCK_BYTES_MAX);
		return -1;
	}
	/* A byte at least, so that dec is never NULL for snappy to write to. */
	ocf_reserve(&r->dec, &r->dec_alloc, n > 0 ? n : 1);
	if (snappy_uncompress((const char *)r->raw, len, (char *)r->dec, &n) != SNAPPY_OK) {
		strbuf_printf(why, "snappy block does not uncompress");
		return -1;
	}
	stored = r->raw + len;
	want = (uint32_t)stored[0] << 24 | (uint32_t)stored[1] << 16 | (uint32_t)stored[2] << 8 |
	       (uint32_t)stored[3];
	crc = crc32(0L, Z_NULL, 0);
	/* zlib takes a uInt length; n <= OCF_BLOCK_BYTES_MAX fits. */
	crc = crc32(crc, r->dec, (uInt)n);
	if ((uint32_t)crc != want) {
		*reason = "checksum";
		strbuf_printf(why, "block fails its CRC-32 check (stored %08" PRIx32
		              ", computed %08" PRIx32 ")", want, (uint32_t)crc);
		return -1;
	}
	r->dec_len = n;
	return 0;
}

/* Find the records of the decoded block: each is walked against the writer
 * schema, only to find where it ends (the decoder judges each record on its
 * own, so one bad value spoils one record, not the rest of its block). The
 * records before one whose end cannot be found stay good; the rest of the
 * block is marked bad, and why in r->bad_why.
 * A record must take a byte at least. A schema such as "null" has records
 * of none, and a file of a few bytes could then claim a block of
 * OCF_BLOCK_BYTES_MAX records: as many ends kept and records handed out
 * (and dead letters written) for nothing read. Ours take dozens. */
static void ocf_split(struct ocf_reader *r, int64_t count)
{
	struct avro_walk w;
	size_t start;
	int64_t i;

	avro_walk_init(&w, r->dec, r->dec_len, AVRO_WALK_FRAME, &r->bad_why);
	r->nends = 0;
	r->next = 0;
	for (i = 0; i < count; i++) {
		start = avro_bin_offset(&w.in);
		if (avro_walk_value(&w, r->schema) < 0) {
			r->block_bad = 1;
			r->block_reason = "corrupt";
			break;
		}
		if (avro_bin_offset(&w.in) == start) {
			strbuf_printf(&r->bad_why, "record %" PRId64 " of the block takes no bytes", i);
			r->block_bad = 1;
			r->block_reason = "corrupt";
			break;
		}
		r->ends = xgrow(r->ends, r->nends + 1, &r->ends_alloc, sizeof(*r->ends), 64);
		r->ends[r->nends++] = avro_bin_offset(&w.in);
	}
	if (!r->block_bad && avro_bin_left(&w.in) != 0) {
		strbuf_printf(&r->bad_why, "%zu bytes after the block's %" PRId64 " records",
		              avro_bin_left(&w.in), count);
		r->block_bad = 1;
		r->block_reason = "corrupt";
	}
	r->bad_from = r->nends > 0 ? r->ends[r->nends - 1] : 0;
	r->bad_index = (int32_t)r->nends;
}

/*
 * After a damaged block: look for the sync marker from the byte after the
 * block's start, and continue after it. Without one the file ends here. 0,
 * or -1 on an I/O error.
 */
static int ocf_resync(struct ocf_reader *r, struct strbuf *why)
{
	unsigned char win[OCF_SYNC_LEN];
	size_t have = 0;
	int c;

	if (fseeko(r->fp, (off_t)(r->block_offset + 1), SEEK_SET) != 0) {
		strbuf_printf(why, "%s: %s", r->path, strerror(errno));
		return -1;
	}
	r->pos = r->block_offset + 1;
	for (;;) {
		c = getc(r->fp);
		if (c == EOF) {
			if (ferror(r->fp)) {
				strbuf_printf(why, "%s: read error", r->path);
				return -1;
			}
			r->at_end = 1;
			return 0;
		}
		r->pos++;
		if (have == OCF_SYNC_LEN) {
			memmove(win, win + 1, OCF_SYNC_LEN - 1);
			have--;
		}
		win[have++] = (unsigned char)c;
		if (have == OCF_SYNC_LEN && memcmp(win, r->sync, OCF_SYNC_LEN) == 0)
			return 0;
	}
}

/*
 * Read the next block into dec and split it. Returns OCF_RECORD when a
 * block was read (it may hold bad parts), OCF_BAD with item filled for a
 * block that could not be read at all, OCF_END, or OCF_ERROR.
 */
static enum ocf_status ocf_next_block(struct ocf_reader *r, struct ocf_item *item,
                                      struct strbuf *why)
{
	unsigned char sync[OCF_SYNC_LEN];
	int64_t count, size;
	enum ocf_read rd;
	const char *reason = "corrupt_block";
	int none;

	r->nends = r->next = 0;
	r->block_bad = 0;
	strbuf_reset(&r->bad_why);
	r->dec_len = 0;
	r->block_offset = r->pos;
	if (r->at_end)
		return OCF_END;
	rd = ocf_read_long(r, &count, &none);
	if (rd == OCF_READ_EOF && none)
		return OCF_END;
	if (rd == OCF_READ_EOF) {
		reason = "truncated";
		strbuf_printf(why, "file ends inside a block header");
		goto bad;
	}
	if (rd == OCF_READ_OK)
		rd = ocf_read_long(r, &size, NULL);
	if (rd == OCF_READ_EOF) {
		reason = "truncated";
		strbuf_printf(why, "file ends inside a block header");
		goto bad;
	}
	if (rd == OCF_READ_FAIL && ferror(r->fp)) {
		strbuf_printf(why, "%s: read error", r->path);
		return OCF_ERROR;
	}
	if (rd == OCF_READ_FAIL || count < 0 || size < 0 || size > OCF_BLOCK_BYTES_MAX ||
	    count > OCF_BLOCK_BYTES_MAX) {
		strbuf_printf(why, "block header out of range");
		goto bad;
	}
	ocf_reserve(&r->raw, &r->raw_alloc, (size_t)size);
	rd = ocf_read_bytes(r, r->raw, (size_t)size);
	if (rd == OCF_READ_OK)
		rd = ocf_read_bytes(r, sync, sizeof(sync));
	if (rd == OCF_READ_FAIL) {
		strbuf_printf(why, "%s: read error", r->path);
		return OCF_ERROR;
	}
	if (rd == OCF_READ_EOF) {
		reason = "truncated";
		strbuf_printf(why, "file ends inside a block of %" PRId64 " bytes", size);
		goto bad;
	}
	if (memcmp(sync, r->sync, sizeof(sync)) != 0) {
		strbuf_printf(why, "block not followed by the file's sync marker");
		goto bad;
	}
	/* From here the framing is sound: a block that does not decode is bad
	 * on its own, and the next one starts where this one ended. */
	if (r->codec != OCF_CODEC_NULL) {
		if ((r->codec == OCF_CODEC_DEFLATE
		         ? ocf_inflate(r, (size_t)size, &r->block_reason, &r->bad_why)
		         : ocf_unsnappy(r, (size_t)size, &r->block_reason, &r->bad_why)) < 0) {
			r->dec_len = 0;
			r->block_bad = 1;
			r->bad_from = 0;
			r->bad_index = -1;
			return OCF_RECORD;
		}
	} else {
		ocf_reserve(&r->dec, &r->dec_alloc, (size_t)size);
		if (size > 0)
			memcpy(r->dec, r->raw, (size_t)size);
		r->dec_len = (size_t)size;
	}
	ocf_split(r, count);
	return OCF_RECORD;
bad:
	item->data = NULL;
	item->len = (size_t)(r->pos - r->block_offset);
	item->block_offset = r->block_offset;
	item->index = -1;
	item->reason = reason;
	if (ocf_resync(r, why) < 0)
		return OCF_ERROR;
	return OCF_BAD;
}

enum ocf_status ocf_reader_next(struct ocf_reader *r, struct ocf_item *item, struct strbuf *why)
{
	enum ocf_status st;
	size_t from, len;

	memset(item, 0, sizeof(*item));
	for (;;) {
		if (r->next < r->nends) {
			from = r->next == 0 ? 0 : r->ends[r->next - 1];
			len = r->ends[r->next] - from;
			if (r->record_alloc < AVRO_BIN_HEADER_LEN + len) {
				r->record_alloc = AVRO_BIN_HEADER_LEN + len;
				free(r->record);
				r->record = xmalloc(r->record_alloc);
			}
			memcpy(r->record, r->header, AVRO_BIN_HEADER_LEN);
			memcpy(r->record + AVRO_BIN_HEADER_LEN, r->dec + from, len);
			item->data = r->record;
			item->len = AVRO_BIN_HEADER_LEN + len;
			item->block_offset = r->block_offset;
			item->index = (int32_t)r->next;
			r->next++;
			return OCF_RECORD;
		}
		if (r->block_bad) {
			/* The bad tail of a block whose framing was sound. */
			r->block_bad = 0;
			item->data = r->dec_len > r->bad_from ? r->dec + r->bad_from : NULL;
			item->len = r->dec_len - r->bad_from;
			item->block_offset = r->block_offset;
			item->index = r->bad_index;
			item->reason = r->block_reason;
			if (r->bad_why.len > 0)
				(void)strbuf_append(why, r->bad_why.data, r->bad_why.len);
			return OCF_BAD;
		}
		st = ocf_next_block(r, item, why);
		if (st != OCF_RECORD)
			return st;
	}
}
