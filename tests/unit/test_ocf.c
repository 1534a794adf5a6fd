/* unit.ocf: object container files as the collector's file sink writes them
 * (Avro C's avro_file_writer, schema counts-v1), read record by record, also
 * when cut short or damaged; and ingest_file_run into a store. */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <avro.h>
#include <sqlite3.h>

#include "ingest.h"
#include "log.h"
#include "ocf.h"
#include "record.h"
#include "settings.h"
#include "store.h"

static char dir[256];

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
	struct record_cell c1 = { { AR_PASS, AR_PASS, AR_PASS, AR_NONE }, POL_REJECT, SPAM_HAM, 0 };
	struct record_cell c2 = { { AR_FAIL, AR_NONE, AR_FAIL, AR_ABSENT }, POL_NONE, SPAM_SPAM, 0 };

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

	strbuf_init(&err, 1024);
	make_dir();
	/* Small blocks: many of them. */
	write_file("a.avro", 1, 500, "null", 2048, 1);
	path_in_dir(path, sizeof(path), "a.avro");
	res = read_file(path, 1);
	CU_ASSERT_EQUAL(res.end, OCF_END);
	CU_ASSERT_EQUAL(res.records, 500);
	CU_ASSERT_EQUAL(res.decoded, 500);
	CU_ASSERT(res.in_order);
	CU_ASSERT_EQUAL(res.bad, 0);
	r = ocf_reader_new(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(ocf_reader_codec(r), "null");
	CU_ASSERT_EQUAL(strncmp(ocf_reader_id(r), "file:", 5), 0);
	CU_ASSERT_EQUAL(strlen(ocf_reader_id(r)), OCF_ID_LEN - 1);
	ocf_reader_free(r);

	write_file("b.avro", 2, 300, "deflate", 16384, 1);
	path_in_dir(path, sizeof(path), "b.avro");
	res = read_file(path, 2);
	CU_ASSERT_EQUAL(res.records, 300);
	CU_ASSERT_EQUAL(res.decoded, 300);
	CU_ASSERT(res.in_order);
	CU_ASSERT_EQUAL(res.bad, 0);

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
	write_file("snappy.avro", 6, 10, "snappy", 16384, 1);
	path_in_dir(path, sizeof(path), "snappy.avro");
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(ocf_reader_new(path, &err));
	CU_ASSERT_PTR_NOT_NULL(err.data != NULL ? strstr(err.data, "codec") : NULL);
	ocf_reader_free(NULL);
	remove_dir();
	strbuf_release(&err);
}

/* A file of a schema this build does not know is read; its records carry
 * that schema's fingerprint and so are unknown_schema to the decoder. */
static void test_unknown_version(void)
{
	struct record_batch b;
	struct ocf_reader *r;
	struct ocf_item item;
	struct strbuf err;
	char path[600];
	int n = 0;

	strbuf_init(&err, 1024);
	record_batch_init(&b);
	make_dir();
	write_file("v2.avro", 7, 20, "deflate", 16384, 2);
	path_in_dir(path, sizeof(path), "v2.avro");
	r = ocf_reader_new(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	while (ocf_reader_next(r, &item, &err) == OCF_RECORD) {
		CU_ASSERT_EQUAL(record_decode(item.data, item.len, &b, &err), RECORD_UNKNOWN_SCHEMA);
		n++;
	}
	CU_ASSERT_EQUAL(n, 20);
	ocf_reader_free(r);
	record_batch_free(&b);
	remove_dir();
	strbuf_release(&err);
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

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL_FATAL(settings_load(&s, NULL, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_set(&s, "db", db, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_set(&s, "batch_max_messages", "50", &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_finish(&s, &err), 0);
	st = store_new(db, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	paths[0] = a;
	paths[1] = cut;
	paths[2] = bad;
	paths[3] = b;
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, paths, 4, &no_stop, &stats, &err), 0);
	CU_ASSERT_EQUAL(stats.files, 3);
	CU_ASSERT_EQUAL(stats.files_failed, 1);
	CU_ASSERT_EQUAL(stats.counts.stored, 150);
	CU_ASSERT_EQUAL(stats.counts.dead_letters, 1);
	/* Every record of cut.avro is one of a's; b repeats a's 120 and adds
	 * 30: all but those 30 and the dead letter are duplicates. */
	CU_ASSERT(stats.counts.messages > 120 + 150 + 1);
	CU_ASSERT_EQUAL(stats.counts.duplicates, stats.counts.messages - 120 - 30 - 1);
	/* Again: nothing new. */
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, paths, 4, &no_stop, &stats, &err), 0);
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
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL_FATAL(settings_load(&s, NULL, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_set(&s, "db", db, &err), 0);
	CU_ASSERT_EQUAL_FATAL(settings_finish(&s, &err), 0);
	st = store_new(db, STORE_CREATE, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	paths[0] = tail;
	level = msg_get_level();
	msg_set_level(MSG_DEBUG);
	fflush(stderr);
	saved = dup(2);
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(saved >= 0 && fd >= 0 && dup2(fd, 2) == 2);
	CU_ASSERT_EQUAL(ingest_file_run(st, &s, paths, 1, &no_stop, &stats, &err), 0);
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

/* A schema whose records take no bytes ("null"): a file of a few bytes
 * claiming a block of 60 million of them is one bad item, not 60 million
 * records. */
static void test_empty_records(void)
{
	static const char sync[] = "0123456789abcdef";
	char path[600], bytes[128];
	size_t n = 0;
	uint64_t v = 2 * UINT64_C(60000000); /* zig-zag */

	make_dir();
	memcpy(bytes, "Obj\x01\x02\x16" "avro.schema" "\x0c\"null\"\x00", 25);
	n = 25;
	memcpy(bytes + n, sync, 16);
	n += 16;
	for (; v >= 0x80; v >>= 7)
		bytes[n++] = (char)(v | 0x80);
	bytes[n++] = (char)v;
	bytes[n++] = 0; /* size 0 */
	memcpy(bytes + n, sync, 16);
	n += 16;
	path_in_dir(path, sizeof(path), "tail.avro");
	spill(path, bytes, n);
	read_tail(path, 0, "corrupt", "record 0 of the block takes no bytes");
	remove_dir();
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ocf", NULL, NULL);
	CU_add_test(s, "codecs null and deflate, empty file", test_read_codecs);
	CU_add_test(s, "cut at every byte", test_cut_everywhere);
	CU_add_test(s, "damaged blocks", test_damaged_block);
	CU_add_test(s, "files that cannot be read", test_not_readable);
	CU_add_test(s, "unknown schema version", test_unknown_version);
	CU_add_test(s, "ingest files", test_ingest_files);
	CU_add_test(s, "good records then a bad tail", test_bad_tail);
	CU_add_test(s, "records of no bytes", test_empty_records);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
