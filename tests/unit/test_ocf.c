/* unit.ocf: object container files as the collector's file sink writes them
 * (Avro C's avro_file_writer, schema counts-v1, codec snappy; null and
 * deflate as it wrote before), read record by record, also when cut short or
 * damaged; and ingest_file_run into a store. */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <avro.h>
#include <sqlite3.h>

#include "avro_canon.h"
#include "ingest.h"
#include "log.h"
#include "ocf.h"
#include "record.h"
#include "settings.h"
#include "store.h"

static char dir[256];

static size_t slurp(const char *path, char **out);
static void spill(const char *path, const char *bytes, size_t size);

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-ocf-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void remove_dir(void)
{
	static const char *const names[] = { "a.avro", "b.avro", "cut.avro", "bad.avro",
		                             "v2.avro", "snappy.avro", "empty.avro", "agg.db",
		                             "agg.db-wal", "agg.db-shm", "agg.db.deadletter",
		                             "text.avro", "tail.avro", "log.txt" };
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in_dir(path, sizeof(path), names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Record i of a test file: collector "ocf-<seed>", seq i + 1, two cells. */
static void make_record(int seed, int i, struct record_batch *b)
{
	struct record_cell c1 = { { AR_PASS, AR_PASS, AR_PASS, AR_NONE },
		POL_REJECT, SPAM_HAM, FATE_UNKNOWN, 0 };
	struct record_cell c2 = { { AR_FAIL, AR_NONE, AR_FAIL, AR_ABSENT },
		POL_NONE, SPAM_SPAM, FATE_UNKNOWN, 0 };

	b->ncells = 0;
	snprintf(b->carrier, sizeof(b->carrier), "jp-ocf");
	snprintf(b->collector, sizeof(b->collector), "ocf-%d", seed);
	b->epoch = 7;
	b->seq = i + 1;
	b->window_start_ms = INT64_C(1793614020000) + (int64_t)i * 60000;
	b->window_end_ms = b->window_start_ms + 60000;
	b->correction = 0;
	memset(&b->health, 0, sizeof(b->health));
	/* At least the messages counted, as in every collector's record
	 * (intake refuses fewer: issue 14, item 2). */
	b->health.lines_read = 1000 + i;
	c1.messages = 100 + i;
	c2.messages = 1 + i % 7;
	record_batch_add_cell(b, &c1);
	record_batch_add_cell(b, &c2);
}

/* The text of schema version v as compiled in. */
static const char *schema_text(int v)
{
	const struct record_schema_version *vs;
	size_t n = record_schema_versions(&vs), i;

	for (i = 0; i < n; i++) {
		if (vs[i].version == v)
			return vs[i].json;
	}
	return NULL;
}

static void set_long(avro_value_t *rec, const char *name, int64_t v)
{
	avro_value_t f;

	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(rec, name, &f, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(avro_value_set_long(&f, v), 0);
}

static void set_enum(avro_value_t *rec, const char *name, int v)
{
	avro_value_t f;

	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(rec, name, &f, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(avro_value_set_enum(&f, v), 0);
}

/* b as a value of the v1 schema, field by field by name, as a file sink
 * with its own encoder would fill it; record.c's encoder is not used, so
 * the file does not depend on which version record.c writes. extra: set a
 * long field "extra" too (the made-up version 2). */
static void fill_value(avro_value_t *root, const struct record_batch *b, int extra)
{
	static const char *const methods[] = { "spf", "dkim", "dmarc", "arc" };
	static const char *const health[] = { "lines_read",        "lines_malformed",
		                              "lines_overlong",    "headers_untrusted",
		                              "headers_malformed", "messages_evicted",
		                              "messages_late" };
	const int64_t *hv = &b->health.lines_read;
	avro_value_t f, cells, cell, h;
	size_t i;
	int m;

	avro_value_reset(root);
	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(root, "carrier", &f, NULL), 0);
	avro_value_set_string(&f, b->carrier);
	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(root, "collector", &f, NULL), 0);
	avro_value_set_string(&f, b->collector);
	set_long(root, "epoch", b->epoch);
	set_long(root, "seq", b->seq);
	set_long(root, "window_start", b->window_start_ms);
	set_long(root, "window_end", b->window_end_ms);
	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(root, "correction", &f, NULL), 0);
	avro_value_set_boolean(&f, b->correction);
	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(root, "cells", &cells, NULL), 0);
	for (i = 0; i < b->ncells; i++) {
		CU_ASSERT_EQUAL_FATAL(avro_value_append(&cells, &cell, NULL), 0);
		for (m = 0; m < 4; m++)
			set_enum(&cell, methods[m], (int)b->cells[i].result[m]);
		set_enum(&cell, "dmarc_policy", (int)b->cells[i].dmarc_policy);
		set_enum(&cell, "spam", (int)b->cells[i].spam);
		set_long(&cell, "messages", b->cells[i].messages);
	}
	CU_ASSERT_EQUAL_FATAL(avro_value_get_by_name(root, "health", &h, NULL), 0);
	for (i = 0; i < 7; i++)
		set_long(&h, health[i], hv[i]);
	if (extra)
		set_long(root, "extra", 99);
}

/* Schema v1 with a field added: what a version 2 might be. */
static char *v2_text(void)
{
	const char *v1 = schema_text(1), *end = strrchr(v1, ']');
	const char *add = ", {\"name\": \"extra\", \"type\": \"long\", \"default\": 0}]}";
	size_t n = (size_t)(end - v1);
	char *t = malloc(n + strlen(add) + 1);

	memcpy(t, v1, n);
	memcpy(t + n, add, strlen(add) + 1);
	return t;
}

/* Write n records (seed) with Avro C's file writer. version 2: the made-up v2. */
static void write_file(const char *name, int seed, int n, const char *codec, size_t block,
                       int version)
{
	char path[600], *json = version == 2 ? v2_text() : NULL;
	const char *text = json != NULL ? json : schema_text(1);
	avro_schema_t schema = NULL;
	avro_value_iface_t *iface;
	avro_file_writer_t w;
	avro_value_t root;
	struct record_batch b;
	int i;

	path_in_dir(path, sizeof(path), name);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(avro_schema_from_json_length(text, strlen(text), &schema), 0);
	iface = avro_generic_class_from_schema(schema);
	CU_ASSERT_EQUAL_FATAL(avro_generic_value_new(iface, &root), 0);
	CU_ASSERT_EQUAL_FATAL(avro_file_writer_create_with_codec(path, schema, &w, codec, block), 0);
	record_batch_init(&b);
	for (i = 0; i < n; i++) {
		make_record(seed, i, &b);
		fill_value(&root, &b, version == 2);
		CU_ASSERT_EQUAL_FATAL(avro_file_writer_append_value(w, &root), 0);
	}
	CU_ASSERT_EQUAL(avro_file_writer_close(w), 0);
	record_batch_free(&b);
	avro_value_decref(&root);
	avro_value_iface_decref(iface);
	avro_schema_decref(schema);
	free(json);
}

struct read_result {
	int records, bad, decoded, in_order;
	const char *last_reason;
	enum ocf_status end;
};

/* Read a whole file; check each record decodes to record i of seed. */
static struct read_result read_file(const char *path, int seed)
{
	struct read_result res = { 0, 0, 0, 1, NULL, OCF_END };
	struct ocf_reader *r;
	struct ocf_item item;
	struct record_batch b, want;
	struct strbuf why;
	enum ocf_status st;

	strbuf_init(&why, 1024);
	record_batch_init(&b);
	record_batch_init(&want);
	r = ocf_reader_new(path, &why);
	if (r == NULL) {
		res.end = OCF_ERROR;
		goto out;
	}
	while ((st = ocf_reader_next(r, &item, &why)) == OCF_RECORD || st == OCF_BAD) {
		if (st == OCF_BAD) {
			res.bad++;
			res.last_reason = item.reason;
			continue;
		}
		if (record_decode(item.data, item.len, &b, &why) == RECORD_OK) {
			make_record(seed, res.decoded, &want);
			if (b.seq != want.seq || b.ncells != want.ncells ||
			    b.cells[0].messages != want.cells[0].messages ||
			    b.health.lines_read != want.health.lines_read)
				res.in_order = 0;
			res.decoded++;
		}
		res.records++;
	}
	res.end = st;
out:
	ocf_reader_free(r);
	record_batch_free(&b);
	record_batch_free(&want);
	strbuf_release(&why);
	return res;
}

static void test_read_codecs(void)
{
	char path[600];
	struct read_result res;
	struct ocf_reader *r;
	struct strbuf err;

	/* Small blocks, many of them; snappy is what the file sink writes. */
	static const struct {
		const char *codec;
		int records;
		size_t block;
		int checked;
	} files[] = {
		{ "null", 500, 2048, 0 },
		{ "deflate", 300, 16384, 0 },
		{ "snappy", 400, 2048, 1 },
	};
	size_t i;

	strbuf_init(&err, 1024);
	make_dir();
	path_in_dir(path, sizeof(path), "a.avro");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		write_file("a.avro", (int)i + 1, files[i].records, files[i].codec, files[i].block, 1);
		res = read_file(path, (int)i + 1);
		CU_ASSERT_EQUAL(res.end, OCF_END);
		CU_ASSERT_EQUAL(res.records, files[i].records);
		CU_ASSERT_EQUAL(res.decoded, files[i].records);
		CU_ASSERT(res.in_order);
		CU_ASSERT_EQUAL(res.bad, 0);
		r = ocf_reader_new(path, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_STRING_EQUAL(ocf_reader_codec(r), files[i].codec);
		CU_ASSERT_EQUAL(ocf_reader_checked(r), files[i].checked);
		CU_ASSERT_EQUAL(strncmp(ocf_reader_id(r), "file:", 5), 0);
		CU_ASSERT_EQUAL(strlen(ocf_reader_id(r)), OCF_ID_LEN - 1);
		ocf_reader_free(r);
	}

	/* A file the sink has just opened: a header and no block. */
	write_file("empty.avro", 3, 0, "deflate", 16384, 1);
	path_in_dir(path, sizeof(path), "empty.avro");
	res = read_file(path, 3);
	CU_ASSERT_EQUAL(res.end, OCF_END);
	CU_ASSERT_EQUAL(res.records, 0);
	remove_dir();
	strbuf_release(&err);
}

/* Cut at every byte, a file yields a prefix of its records, at most one
 * "truncated" item, and never crashes or reads past what it has. */
static void test_cut_everywhere(void)
{
	char path[600], cut[600];
	struct read_result res;
	struct stat sb;
	unsigned char *bytes;
	size_t size, len;
	int last = 0, header_end = -1;
	FILE *fp;

	make_dir();
	write_file("a.avro", 4, 20, "null", 512, 1);
	path_in_dir(path, sizeof(path), "a.avro");
	path_in_dir(cut, sizeof(cut), "cut.avro");
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	size = (size_t)sb.st_size;
	bytes = malloc(size);
	fp = fopen(path, "rb");
	CU_ASSERT_FATAL(fp != NULL && fread(bytes, 1, size, fp) == size);
	fclose(fp);
	for (len = 0; len <= size; len++) {
		fp = fopen(cut, "wb");
		fwrite(bytes, 1, len, fp);
		fclose(fp);
		res = read_file(cut, 4);
		if (res.end == OCF_ERROR) {
			/* Only while the header is incomplete. */
			CU_ASSERT(header_end < 0);
			continue;
		}
		if (header_end < 0)
			header_end = (int)len;
		CU_ASSERT_EQUAL(res.end, OCF_END);
		CU_ASSERT(res.in_order);
		CU_ASSERT_EQUAL(res.records, res.decoded);
		CU_ASSERT(res.bad <= 1);
		CU_ASSERT(res.records >= last);
		last = res.records;
	}
	CU_ASSERT_EQUAL(last, 20);
	free(bytes);
	remove_dir();
}

/* Byte offset in the file of the n-th occurrence (from 0) of the sync
 * marker after the header's. A file ends with a block's marker. */
static long find_sync(const unsigned char *bytes, size_t size, int n)
{
	const unsigned char *sync = bytes + size - 16;
	size_t i;
	int seen = -1;

	for (i = 4; i + 16 <= size; i++) {
		if (memcmp(bytes + i, sync, 16) == 0 && seen++ == n)
			return (long)i;
	}
	return -1;
}

/* A damaged block is one bad item; the reader finds the next sync marker
 * and the later blocks are read. */
static void test_damaged_block(void)
{
	char path[600], bad[600];
	struct read_result res;
	unsigned char *bytes;
	struct stat sb;
	size_t size;
	long s1, s2;
	FILE *fp;

	make_dir();
	write_file("a.avro", 5, 200, "deflate", 1024, 1);
	path_in_dir(path, sizeof(path), "a.avro");
	path_in_dir(bad, sizeof(bad), "bad.avro");
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	size = (size_t)sb.st_size;
	bytes = malloc(size);
	fp = fopen(path, "rb");
	CU_ASSERT_FATAL(fp != NULL && fread(bytes, 1, size, fp) == size);
	fclose(fp);
	/* The markers ending the first and second blocks. */
	s1 = find_sync(bytes, size, 1);
	s2 = find_sync(bytes, size, 2);
	CU_ASSERT_FATAL(s1 > 0 && s2 > s1);

	/* Damage the second block's deflate data (its header stays sound). */
	memcpy(bytes + s1 + 16 + 4, "\xff\xff\xff\xff\xff\xff", 6);
	fp = fopen(bad, "wb");
	fwrite(bytes, 1, size, fp);
	fclose(fp);
	res = read_file(bad, 5);
	CU_ASSERT_EQUAL(res.end, OCF_END);
	CU_ASSERT_EQUAL(res.bad, 1);
	CU_ASSERT(res.records > 100 && res.records < 200);
	CU_ASSERT_EQUAL(res.records, res.decoded);

	/* Damage the marker after the second block: the framing is lost, and
	 * found again at the next marker. */
	fp = fopen(path, "rb");
	CU_ASSERT_FATAL(fp != NULL && fread(bytes, 1, size, fp) == size);
	fclose(fp);
	bytes[s2] ^= 0xff;
	fp = fopen(bad, "wb");
	fwrite(bytes, 1, size, fp);
	fclose(fp);
	res = read_file(bad, 5);
	CU_ASSERT_EQUAL(res.end, OCF_END);
	CU_ASSERT_EQUAL(res.bad, 1);
	CU_ASSERT_STRING_EQUAL(res.last_reason, "corrupt_block");
	CU_ASSERT(res.records > 100 && res.records < 200);

	/* A block size beyond every bound. */
	fp = fopen(path, "rb");
	CU_ASSERT_FATAL(fp != NULL && fread(bytes, 1, size, fp) == size);
	fclose(fp);
	memcpy(bytes + s1 + 16, "\x02\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
	fp = fopen(bad, "wb");
	fwrite(bytes, 1, size, fp);
	fclose(fp);
	res = read_file(bad, 5);
	CU_ASSERT_EQUAL(res.end, OCF_END);
	CU_ASSERT(res.bad >= 1);
	CU_ASSERT(res.records > 100 && res.records < 200);
	free(bytes);
	remove_dir();
}

static void test_not_readable(void)
{
	struct strbuf err;
	char path[600];
	FILE *fp;

	strbuf_init(&err, 1024);
	make_dir();
	path_in_dir(path, sizeof(path), "text.avro");
	fp = fopen(path, "w");
	fputs("carrier,messages\n", fp);
	fclose(fp);
	CU_ASSERT_PTR_NULL(ocf_reader_new(path, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "not an Avro object") : NULL);
	path_in_dir(path, sizeof(path), "missing.avro");
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(ocf_reader_new(path, &err));
	/* A codec this reader does not have. */
	path_in_dir(path, sizeof(path), "bad.avro");
	spill(path,
	      "Obj\x01\x04\x16" "avro.schema" "\x0c\"null\"" "\x14" "avro.codec" "\x12" "zstandard"
	      "\x00" "0123456789abcdef",
	      4 + 2 + 11 + 7 + 1 + 10 + 1 + 9 + 1 + 16);
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(ocf_reader_new(path, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "codec not supported") : NULL);
	ocf_reader_free(NULL);
	remove_dir();
	strbuf_release(&err);
}

/* A file of a schema this build does not read (a collector newer than the
 * aggregator) is not read at all: its header's schema is never handed to
 * Avro C's parser, and the records could not be found in its blocks
 * without it. The message gives the schema's fingerprint; a newer
 * aggregator reads the file later. */
static void test_unknown_version(void)
{
	char path[600], *v2 = v2_text(), hex[17];
	struct ocf_reader *r;
	struct strbuf err;
	uint64_t fp;

	strbuf_init(&err, 1024);
	make_dir();
	write_file("v2.avro", 7, 20, "snappy", 16384, 2);
	path_in_dir(path, sizeof(path), "v2.avro");
	r = ocf_reader_new(path, &err);
	CU_ASSERT_PTR_NULL(r);
	ocf_reader_free(r);
	CU_ASSERT_EQUAL_FATAL(avro_schema_json_fingerprint(v2, &fp), 0);
	snprintf(hex, sizeof(hex), "%016" PRIx64, fp);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, hex) : NULL);
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "not a counts schema") : NULL);
	free(v2);
	remove_dir();
	strbuf_release(&err);
}

/* Settings for a store at db (batch_max_messages: batch, or the default if
 * NULL) and the store, new. */
static struct store *new_store(const char *db, const char *batch, struct settings *s)
{
	struct store *st;
	struct strbuf err;

	strbuf_init(&err, 1024);
	memset(s, 0, sizeof(*s));
	CU_ASSERT_EQUAL_FATAL(settings_load(s, NULL, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_set(s, "db", db, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_set(s, "carrier.jp-ocf.name", "OCF", &err), 0);
	if (batch != NULL)
		CU_ASSERT_EQUAL_FATAL(settings_set(s, "batch_max_messages", batch, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_finish(s, &err), 0);
	st = store_new(db, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	strbuf_release(&err);
	return st;
}

static int64_t query_int(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Files into a store: identities are what dedup, whatever file (or Kafka
 * message) a record came in; a file cut short yields its complete blocks and
 * one dead letter, counted once however often it is read. */
static void test_ingest_files(void)
{
	static const volatile sig_atomic_t no_stop = 0;
	char a[600], b[600], cut[600], db[600], dl[600], bad[600];
	char *paths[4];
	struct ingest_stats stats;
	struct settings s;
	struct store *st;
	struct strbuf err;
	unsigned char *bytes;
	struct stat sb;
	FILE *fp;

	strbuf_init(&err, 1024);
	make_dir();
	write_file("a.avro", 8, 120, "deflate", 4096, 1);
	write_file("b.avro", 8, 150, "null", 4096, 1); /* the 120 of a, and 30 more */
	path_in_dir(a, sizeof(a), "a.avro");
	path_in_dir(b, sizeof(b), "b.avro");
	path_in_dir(cut, sizeof(cut), "cut.avro");
	path_in_dir(bad, sizeof(bad), "missing.avro");
	path_in_dir(db, sizeof(db), "agg.db");
	path_in_dir(dl, sizeof(dl), "agg.db.deadletter");
	CU_ASSERT_EQUAL_FATAL(stat(b, &sb), 0);
	bytes = malloc((size_t)sb.st_size);
	fp = fopen(b, "rb");
	CU_ASSERT_FATAL(fp != NULL && fread(bytes, 1, (size_t)sb.st_size, fp) == (size_t)sb.st_size);
	fclose(fp);
	fp = fopen(cut, "wb");
	fwrite(bytes, 1, (size_t)sb.st_size - 100, fp);
	fclose(fp);
	free(bytes);

	st = new_store(db, "50", &s);
	paths[0] = a;
	paths[1] = cut;
	paths[2] = bad;
	paths[3] = b;
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, "jp-ocf", paths, 4, 1, &no_stop, &stats, &err), 0);
	CU_ASSERT_EQUAL(stats.files, 3);
	CU_ASSERT_EQUAL(stats.files_failed, 1);
	CU_ASSERT_EQUAL(stats.counts.stored, 150);
	CU_ASSERT_EQUAL(stats.counts.dead_letters, 1);
	/* Every record of cut.avro is one of a's; b repeats a's 120 and adds
	 * 30: all but those 30 and the dead letter are duplicates. */
	CU_ASSERT(stats.counts.messages > 120 + 150 + 1);
	CU_ASSERT_EQUAL(stats.counts.duplicates, stats.counts.messages - 120 - 30 - 1);
	/* Again: nothing new. */
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, "jp-ocf", paths, 4, 1, &no_stop, &stats, &err), 0);
	CU_ASSERT_EQUAL(stats.counts.stored, 0);
	CU_ASSERT_EQUAL(stats.counts.dead_letters, 0);
	store_free(st);
	settings_free(&s);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM records"), 150);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM dead_letters WHERE reason = 'truncated'"
	                              " AND source LIKE 'file:%' AND partition = -1"), 1);
	/* Windows of one collector, one after the other: one run. */
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM runs"), 1);
	CU_ASSERT_EQUAL(query_int(db, "SELECT (end_ms - start_ms) / 60000 FROM runs"), 150);
	fp = fopen(dl, "r");
	CU_ASSERT_PTR_NOT_NULL(fp);
	if (fp != NULL) {
		char line[256];

		CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), fp));
		CU_ASSERT_EQUAL(strncmp(line, "file:", 5), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(line, "\t-1\t"));
		CU_ASSERT_PTR_NOT_NULL(strstr(line, "\ttruncated\t"));
		CU_ASSERT_PTR_NULL(fgets(line, sizeof(line), fp));
		fclose(fp);
	}
	remove_dir();
	strbuf_release(&err);
}

/* The whole of path, NUL-terminated, into *out (malloc'd); its size. */
static size_t slurp(const char *path, char **out)
{
	struct stat sb;
	size_t size;
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	size = (size_t)sb.st_size;
	*out = malloc(size + 1);
	fp = fopen(path, "rb");
	CU_ASSERT_FATAL(fp != NULL && fread(*out, 1, size, fp) == size);
	fclose(fp);
	(*out)[size] = '\0';
	return size;
}

static void spill(const char *path, const char *bytes, size_t size)
{
	FILE *fp = fopen(path, "wb");

	CU_ASSERT_FATAL(fp != NULL && fwrite(bytes, 1, size, fp) == size);
	fclose(fp);
}

/* Read path as ingest does, why reset before every call; the good records
 * must be the first `good`, then one bad item: its reason and why. */
static void read_tail(const char *path, int good, const char *reason, const char *why_has)
{
	struct ocf_reader *r;
	struct ocf_item item;
	struct strbuf why;
	enum ocf_status st;
	int records = 0, bad = 0;

	strbuf_init(&why, 1024);
	r = ocf_reader_new(path, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (;;) {
		strbuf_reset(&why);
		st = ocf_reader_next(r, &item, &why);
		if (st != OCF_RECORD && st != OCF_BAD)
			break;
		if (st == OCF_RECORD) {
			CU_ASSERT_EQUAL(item.index, records);
			/* A record's call says nothing of the bad part to come. */
			CU_ASSERT_EQUAL(why.len, 0);
			records++;
			continue;
		}
		bad++;
		CU_ASSERT_EQUAL(item.index, good);
		CU_ASSERT_STRING_EQUAL(item.reason, reason);
		CU_ASSERT(why.len > 0);
		CU_ASSERT_PTR_NOT_NULL(why.data != NULL ? strstr(why.data, why_has) : NULL);
	}
	CU_ASSERT_EQUAL(st, OCF_END);
	CU_ASSERT_EQUAL(records, good);
	CU_ASSERT_EQUAL(bad, 1);
	ocf_reader_free(r);
	strbuf_release(&why);
}

/* A block of good records then a damaged tail, its framing sound: the
 * tail's reason comes with the bad item, though the block was split calls
 * earlier (when its first record was handed out), and ingest gives it to
 * the dead letter. */
static void test_bad_tail(void)
{
	static const volatile sig_atomic_t no_stop = 0;
	char path[600], tail[600], db[600], dl[600], logp[600], *bytes, *text, *paths[1];
	struct ingest_stats stats;
	enum msg_level level;
	struct settings s;
	struct store *st;
	struct strbuf err;
	size_t size, i, last = 0;
	long s0;
	int saved, fd;

	strbuf_init(&err, 1024);
	make_dir();
	/* Five records in one block. */
	write_file("a.avro", 9, 5, "null", 16384, 1);
	path_in_dir(path, sizeof(path), "a.avro");
	path_in_dir(tail, sizeof(tail), "tail.avro");
	size = slurp(path, &bytes);
	/* The block's record count (5, zig-zag 0x0a) follows the header's
	 * sync marker, which is the file's last 16 bytes too. */
	s0 = (long)size - 16;
	for (i = 4; i + 16 <= size; i++) {
		if (memcmp(bytes + i, bytes + size - 16, 16) == 0) {
			s0 = (long)i;
			break;
		}
	}
	CU_ASSERT_FATAL(s0 < (long)size - 16 && bytes[s0 + 16] == 0x0a);

	/* The count says 4: one record's bytes are left over. */
	bytes[s0 + 16] = 0x08;
	spill(tail, bytes, size);
	read_tail(tail, 4, "corrupt", "bytes after the block's 4 records");
	bytes[s0 + 16] = 0x0a;

	/* The fifth record's carrier (length 6, zig-zag 0x0c) has length -1. */
	for (i = 0; i + 7 <= size; i++) {
		if (memcmp(bytes + i, "\x0cjp-ocf", 7) == 0)
			last = i;
	}
	CU_ASSERT_FATAL(last > (size_t)s0);
	bytes[last] = 0x01;
	spill(tail, bytes, size);
	read_tail(tail, 4, "corrupt", "length -1");
	free(bytes);

	/* Ingest: the dead letter's reason in the store and the file, and its
	 * detail in the debug log (intake logs the detail at debug level only). */
	path_in_dir(db, sizeof(db), "agg.db");
	path_in_dir(dl, sizeof(dl), "agg.db.deadletter");
	path_in_dir(logp, sizeof(logp), "log.txt");
	st = new_store(db, NULL, &s);
	paths[0] = tail;
	level = msg_get_level();
	msg_set_level(MSG_DEBUG);
	fflush(stderr);
	saved = dup(2);
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(saved >= 0 && fd >= 0 && dup2(fd, 2) == 2);
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, "jp-ocf", paths, 1, 1, &no_stop, &stats, &err), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	msg_set_level(level);
	CU_ASSERT_EQUAL(stats.counts.stored, 4);
	CU_ASSERT_EQUAL(stats.counts.dead_letters, 1);
	store_free(st);
	settings_free(&s);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM dead_letters WHERE reason = 'corrupt'"
	                              " AND source LIKE 'file:%' AND partition = 4"), 1);
	slurp(dl, &text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\t4\t"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\tcorrupt\t"));
	free(text);
	slurp(logp, &text);
	/* "file F, block at byte B, record 4: <detail>" */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ", record 4: string length -1"));
	free(text);
	remove_dir();
	strbuf_release(&err);
}

/* Snappy blocks: one that fails its CRC-32, one whose data does not
 * uncompress, one that states an uncompressed size beyond the limit (refused
 * before anything is allocated) and one shorter than a checksum are each one
 * bad item; the blocks after them are read. */
static void test_snappy_damage(void)
{
	static const struct {
		const char *what, *reason, *why;
	} cases[] = {
		{ "crc", "checksum", "fails its CRC-32 check" },
		{ "data", NULL, NULL },
		{ "huge", "corrupt_block", "more than" },
		{ "short", "corrupt_block", "shorter than its checksum" },
	};
	char path[600], bad[600], *bytes, *copy;
	struct ocf_reader *r;
	struct ocf_item item;
	struct strbuf why;
	enum ocf_status st;
	size_t size, c, start, len;
	long s1, s2;
	int records, nbad;

	strbuf_init(&why, 1024);
	make_dir();
	write_file("a.avro", 10, 200, "snappy", 1024, 1);
	path_in_dir(path, sizeof(path), "a.avro");
	path_in_dir(bad, sizeof(bad), "bad.avro");
	size = slurp(path, &bytes);
	copy = malloc(size);
	/* The second block lies between the first block's marker and its own. */
	s1 = find_sync((unsigned char *)bytes, size, 1);
	s2 = find_sync((unsigned char *)bytes, size, 2);
	CU_ASSERT_FATAL(s1 > 0 && s2 > s1);
	start = (size_t)s1 + 16;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		memcpy(copy, bytes, size);
		len = size;
		if (strcmp(cases[c].what, "crc") == 0) {
			copy[s2 - 1] ^= 0x01; /* the CRC's last byte */
		} else if (strcmp(cases[c].what, "data") == 0) {
			copy[s2 - 10] ^= 0x40; /* inside the compressed data */
		} else {
			/* Replace the block's size and data: 2 records, 9 or 3 bytes. */
			const char *body = strcmp(cases[c].what, "huge") == 0
			                       ? "\x04\x12\x80\x80\x80\x40\x00\x00\x00\x00\x00"
			                       : "\x04\x06\x00\x00\x00";
			size_t blen = strcmp(cases[c].what, "huge") == 0 ? 11 : 5;

			memcpy(copy + start, body, blen);
			memcpy(copy + start + blen, bytes + s2, size - (size_t)s2);
			len = start + blen + (size - (size_t)s2);
		}
		spill(bad, copy, len);
		r = ocf_reader_new(bad, &why);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		records = nbad = 0;
		for (;;) {
			strbuf_reset(&why);
			st = ocf_reader_next(r, &item, &why);
			if (st != OCF_RECORD && st != OCF_BAD)
				break;
			if (st == OCF_RECORD) {
				records++;
				continue;
			}
			nbad++;
			CU_ASSERT_EQUAL(item.index, -1);
			CU_ASSERT_EQUAL(item.block_offset, s1 + 16);
			if (cases[c].reason != NULL) {
				CU_ASSERT_STRING_EQUAL(item.reason, cases[c].reason);
				CU_ASSERT_PTR_NOT_NULL(why.data != NULL ? strstr(why.data, cases[c].why)
				                                        : NULL);
			} else {
				/* Damaged snappy data either does not uncompress or
				 * uncompresses to other bytes: never records. */
				CU_ASSERT(strcmp(item.reason, "checksum") == 0 ||
				          strcmp(item.reason, "corrupt_block") == 0);
			}
		}
		CU_ASSERT_EQUAL(st, OCF_END);
		CU_ASSERT_EQUAL(nbad, 1);
		/* Every block but the second. */
		CU_ASSERT(records > 150 && records < 200);
		ocf_reader_free(r);
	}
	free(copy);
	free(bytes);
	remove_dir();
	strbuf_release(&why);
}

/* ingest --file refuses a file whose blocks carry no checksum unless told
 * to read it; a snappy block that fails its checksum is a dead letter of
 * reason "checksum". */
static void test_ingest_unchecked(void)
{
	static const volatile sig_atomic_t no_stop = 0;
	char a[600], b[600], db[600], *paths[2], *bytes;
	struct ingest_stats stats;
	struct settings s;
	struct store *st;
	struct strbuf err;
	size_t size;
	long s2;

	strbuf_init(&err, 1024);
	make_dir();
	write_file("a.avro", 11, 40, "deflate", 16384, 1);
	write_file("b.avro", 12, 60, "snappy", 1024, 1);
	path_in_dir(a, sizeof(a), "a.avro");
	path_in_dir(b, sizeof(b), "b.avro");
	path_in_dir(db, sizeof(db), "agg.db");
	size = slurp(b, &bytes);
	s2 = find_sync((unsigned char *)bytes, size, 2);
	CU_ASSERT_FATAL(s2 > 0);
	bytes[s2 - 2] ^= 0x10; /* the second block's CRC */
	spill(b, bytes, size);
	free(bytes);
	st = new_store(db, NULL, &s);
	paths[0] = a;
	paths[1] = b;
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, "jp-ocf", paths, 2, 0, &no_stop, &stats, &err), 0);
	CU_ASSERT_EQUAL(stats.files, 1);
	CU_ASSERT_EQUAL(stats.files_failed, 1);
	CU_ASSERT_EQUAL(stats.counts.dead_letters, 1);
	CU_ASSERT(stats.counts.stored > 40 && stats.counts.stored < 60);
	/* Told to: the deflate file is read too. */
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, "jp-ocf", paths, 1, 1, &no_stop, &stats, &err), 0);
	CU_ASSERT_EQUAL(stats.files, 1);
	CU_ASSERT_EQUAL(stats.files_failed, 0);
	CU_ASSERT_EQUAL(stats.counts.stored, 40);
	store_free(st);
	settings_free(&s);
	CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM dead_letters WHERE reason = 'checksum'"
	                              " AND partition = -1"), 1);
	remove_dir();
	strbuf_release(&err);
}

/* A container file of nothing but a header: schema json, codec snappy. */
static void header_only(const char *path, const char *json)
{
	unsigned char buf[8192];
	size_t n = 0, len = strlen(json);
	uint64_t v = 2 * (uint64_t)len; /* zig-zag */

	CU_ASSERT_FATAL(len < sizeof(buf) - 64);
	memcpy(buf, "Obj\x01\x04\x14" "avro.codec" "\x0c" "snappy" "\x16" "avro.schema", 35);
	n = 35;
	for (; v >= 0x80; v >>= 7)
		buf[n++] = (unsigned char)(v | 0x80);
	buf[n++] = (unsigned char)v;
	memcpy(buf + n, json, len);
	n += len;
	buf[n++] = 0;
	memcpy(buf + n, "0123456789abcdef", 16);
	n += 16;
	spill(path, (const char *)buf, n);
}

/* A header whose schema defines a named type twice is refused with a
 * reason, and costs no memory: Avro C's parser leaks what it built of such
 * a schema (LeakSanitizer fails this test on a reader that hands it the
 * text). Other schemas that are not ours are refused too; ours in another
 * spelling (the published text, with docs and blanks) is read. */
static void test_header_schemas(void)
{
	static const struct {
		const char *json, *why;
	} refused[] = {
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
		  "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}}]}",
		  "defines R twice" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
		  "{\"name\":\"a\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"x\"]}},"
		  "{\"name\":\"b\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"y\"]}}]}",
		  "defines E twice" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
		  "{\"name\":\"a\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}},"
		  "{\"name\":\"b\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}}]}",
		  "defines F twice" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}",
		  "not a counts schema this build reads" },
		{ "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}",
		  "Nope" },
		{ "[\"long\", ", "JSON" },
		{ "{\"type\":\"record\",\"type\":\"enum\",\"name\":\"R\",\"symbols\":[]}", "JSON" },
		/* Records of no bytes: a file of a few bytes could claim a block
		 * of OCF_BLOCK_BYTES_MAX of them (ocf_split refuses a record of
		 * no bytes too). */
		{ "\"null\"", "not a counts schema this build reads" },
	};
	char path[600];
	struct ocf_reader *r;
	struct strbuf err;
	size_t i;

	strbuf_init(&err, 1024);
	make_dir();
	path_in_dir(path, sizeof(path), "bad.avro");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		header_only(path, refused[i].json);
		strbuf_reset(&err);
		r = ocf_reader_new(path, &err);
		CU_ASSERT_PTR_NULL(r);
		ocf_reader_free(r);
		CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, refused[i].why) : NULL);
		if (err.data == NULL || strstr(err.data, refused[i].why) == NULL)
			printf("\n  %s: %s\n", refused[i].why, err.data != NULL ? err.data : "(none)");
	}
	/* The published text of v1, docs and all, is v1. */
	header_only(path, schema_text(1));
	strbuf_reset(&err);
	r = ocf_reader_new(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL(record_schema_find(ocf_reader_fingerprint(r)));
	ocf_reader_free(r);
	remove_dir();
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ocf", NULL, NULL);
	CU_add_test(s, "codecs null, deflate and snappy, empty file", test_read_codecs);
	CU_add_test(s, "cut at every byte", test_cut_everywhere);
	CU_add_test(s, "damaged blocks", test_damaged_block);
	CU_add_test(s, "files that cannot be read", test_not_readable);
	CU_add_test(s, "unknown schema version", test_unknown_version);
	CU_add_test(s, "ingest files", test_ingest_files);
	CU_add_test(s, "good records then a bad tail", test_bad_tail);
	CU_add_test(s, "damaged snappy blocks", test_snappy_damage);
	CU_add_test(s, "ingest: files without checksums", test_ingest_unchecked);
	CU_add_test(s, "header schemas: named types defined twice, not ours", test_header_schemas);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
