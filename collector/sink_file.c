/*
 * The file sink writes the same records as Avro object container files
 * (schema: the current counts schema), one file per collector run, named
 * PREFIX-YYYYmmddTHHMMSSZ-SEQ.avro, for carriers that cannot reach Kafka;
 * `arstat-aggregator ingest --file` reads them. Records are acknowledged
 * once written and fsync'ed (a batch at a time, at each poll), so a crash
 * can leave records both in the file and in the outbox: the aggregator drops the
 * second copy by its (collector, epoch, seq) identity. A file is never
 * appended to after a restart; a new one is started.
 *
 * Blocks are written with the Avro specification's "snappy" codec, the one
 * whose blocks carry a checksum (the CRC-32 of the uncompressed data): a
 * file goes over disks and networks the collector does not control, and
 * the aggregator must tell a damaged block from counts (domain/ocf.h).
 */
#include "sink_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <avro.h>

#include "avro_bin.h"
#include "log.h"
#include "mem.h"
#include "record.h"

/* Start a new file after this many bytes, so files stay easy to move. */
#define SINK_FILE_ROTATE_BYTES (64u * 1024 * 1024)
/* The codec of every block; see the top of this file. */
#define SINK_FILE_CODEC "snappy"
/* Avro C's own default: a block holds at most this many bytes of records
 * (fewer when a poll makes the records durable sooner). */
#define SINK_FILE_BLOCK_BYTES (16u * 1024)

struct sink_file {
	char *dir;
	char *prefix;
	sink_ack_fn ack;
	void *ack_arg;
	avro_schema_t schema;
	uint64_t fingerprint;
	FILE *fp;
	avro_file_writer_t w;
	uint64_t written;
	int broken;
	/* Appended but not yet fsync'ed: acknowledged together at the next poll,
	 * so that a burst of records costs one fsync, not one each. */
	int64_t *pending;
	size_t npending, pending_alloc;
};

static void sink_file_free(void *impl);
static void sink_file_sync(struct sink_file *sf);

static void close_file(struct sink_file *sf)
{
	if (sf->w != NULL) {
		avro_file_writer_close(sf->w); /* closes fp too (should_close) */
		sf->w = NULL;
		sf->fp = NULL;
	}
}

static int open_file(struct sink_file *sf, int64_t seq, struct strbuf *err)
{
	char stamp[32];
	struct strbuf path;
	time_t now = time(NULL);
	struct tm tm;
	int rc = -1;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	strbuf_init(&path, 4096);
	if (strbuf_printf(&path, "%s/%s-%s-%lld.avro", sf->dir, sf->prefix, stamp,
	                  (long long)seq) < 0) {
		strbuf_printf(err, "file sink: path too long");
		goto out;
	}
	sf->fp = fopen(path.data, "wbx");
	if (sf->fp == NULL) {
		strbuf_printf(err, "%s: %s", path.data, strerror(errno));
		goto out;
	}
	if (avro_file_writer_create_with_codec_fp(sf->fp, path.data, 1, sf->schema, &sf->w,
	                                          SINK_FILE_CODEC, SINK_FILE_BLOCK_BYTES) != 0) {
		strbuf_printf(err, "%s: %s", path.data, avro_strerror());
		fclose(sf->fp);
		sf->fp = NULL;
		sf->w = NULL;
		goto out;
	}
	sf->written = 0;
	msg_info("file sink: writing %s", path.data);
	rc = 0;
out:
	strbuf_release(&path);
	return rc;
}

/* The file is in doubt: give up on it and on what waits in it; the outbox
 * sends those records again, into a new file. */
static void sink_file_fail(struct sink_file *sf)
{
	size_t i;

	close_file(sf);
	sf->broken = 1;
	for (i = 0; i < sf->npending; i++)
		sf->ack(sf->ack_arg, sf->pending[i], 0);
	sf->npending = 0;
}

/* The sink_ops of this backend take the handle untyped (void *impl). */
static void *sink_file_new(const struct sink_params *p, struct strbuf *err)
{
	struct sink_file *sf = xcalloc(1, sizeof(*sf));
	const struct record_schema_version *v;
	size_t n = record_schema_versions(&v);

	if (p->file_dir == NULL) {
		strbuf_printf(err, "sink = file needs file_sink_dir");
		goto fail;
	}
	sf->dir = xstrdup(p->file_dir);
	sf->prefix = xstrdup(p->file_prefix);
	sf->ack = p->ack;
	sf->ack_arg = p->ack_arg;
	if (n == 0 || avro_schema_from_json_length(v[0].json, strlen(v[0].json), &sf->schema) != 0) {
		strbuf_printf(err, "file sink: cannot parse the current schema: %s", avro_strerror());
		goto fail;
	}
	sf->fingerprint = v[0].fingerprint;
	return sf;
fail:
	sink_file_free(sf);
	return NULL;
}

static void sink_file_free(void *impl)
{
	struct sink_file *sf = impl;

	if (sf == NULL)
		return;
	sink_file_sync(sf);
	close_file(sf);
	free(sf->pending);
	if (sf->schema != NULL)
		avro_schema_decref(sf->schema);
	free(sf->dir);
	free(sf->prefix);
	free(sf);
}

static int sink_file_send(void *impl, int64_t seq, const char *key, const void *data,
                          size_t len, struct strbuf *err)
{
	struct sink_file *sf = impl;
	const unsigned char *b = data;
	uint64_t fp;

	(void)key; /* a container file has no record keys */
	if (avro_bin_header_read(b, len, &fp) < 0) {
		strbuf_printf(err, "file sink: record %lld is not single-object encoded", (long long)seq);
		return -1;
	}
	if (fp != sf->fingerprint) {
		strbuf_printf(err, "file sink: record %lld has another schema", (long long)seq);
		return -1;
	}
	if (sf->w != NULL && sf->written > SINK_FILE_ROTATE_BYTES) {
		sink_file_sync(sf);
		close_file(sf);
	}
	if (sf->w == NULL && open_file(sf, seq, err) < 0) {
		sf->broken = 1;
		return -1;
	}
	/* The body is the binary encoding under the file's schema: write it as is. */
	if (avro_file_writer_append_encoded(sf->w, b + AVRO_BIN_HEADER_LEN,
	                                    (int64_t)(len - AVRO_BIN_HEADER_LEN)) != 0) {
		strbuf_printf(err, "file sink: write failed: %s", avro_strerror());
		sink_file_fail(sf);
		sf->ack(sf->ack_arg, seq, 0);
		return -1;
	}
	sf->written += len;
	sf->pending =
	    xgrow(sf->pending, sf->npending + 1, &sf->pending_alloc, sizeof(*sf->pending), 256);
	sf->pending[sf->npending++] = seq;
	return 0;
}

static void sink_file_sync(struct sink_file *sf)
{
	size_t i;

	if (sf->npending == 0)
		return;
	if (sf->w == NULL || avro_file_writer_flush(sf->w) != 0 || fflush(sf->fp) != 0 ||
	    fsync(fileno(sf->fp)) != 0) {
		msg_error("file sink: cannot make records durable: %s",
		          errno ? strerror(errno) : avro_strerror());
		sink_file_fail(sf);
		return;
	}
	sf->broken = 0;
	for (i = 0; i < sf->npending; i++)
		sf->ack(sf->ack_arg, sf->pending[i], 1);
	sf->npending = 0;
}

/* Records are acknowledged once durable: at each poll, a batch at a time. */
static void sink_file_poll(void *impl, int timeout_ms)
{
	(void)timeout_ms;
	sink_file_sync(impl);
}

static int sink_file_healthy(const void *impl)
{
	const struct sink_file *sf = impl;

	return !sf->broken;
}

const struct sink_ops sink_file_ops = {
	.name = "file",
	.new = sink_file_new,
	.free = sink_file_free,
	.send = sink_file_send,
	.poll = sink_file_poll,
	.healthy = sink_file_healthy,
};
