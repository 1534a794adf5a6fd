/* unit.sink: backends found by name through their operations table; the file sink. */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "sink.h"

static char dir[256];
static int64_t acked[16], nacked, failed_acks;

static void on_ack(void *arg, int64_t seq, int ok)
{
	(void)arg;
	if (!ok) {
		failed_acks++;
		return;
	}
	if (nacked < 16)
		acked[nacked] = seq;
	nacked++;
}

static void params(struct sink_params *p, const char *kind, const struct cfg_kvlist *kafka)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->kafka = kafka;
	p->topic = "arstat.counts";
	p->file_dir = dir;
	p->file_prefix = "0123456789abcdef0123456789abcdef";
	p->ack = on_ack;
}

/* The .avro files in dir; the size of the last one found in *size. */
static int count_files(off_t *size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL) {
		char path[600];
		struct stat st;

		if (strstr(e->d_name, ".avro") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0)
			*size = st.st_size;
		n++;
	}
	closedir(d);
	return n;
}

static void remove_files(void)
{
	char cmd[600];

	/* Test files only, in our own mkdtemp directory. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A record as the collector makes them: single-object encoded, current schema. */
static void encode(int64_t seq, struct strbuf *out)
{
	struct record_batch b;
	struct record_cell c;
	struct strbuf err;

	record_batch_init(&b);
	memcpy(b.carrier, "carrier-a", sizeof("carrier-a"));
	memcpy(b.collector, "0123456789abcdef0123456789abcdef", 33);
	b.epoch = 1;
	b.seq = seq;
	b.window_start_ms = INT64_C(1790925600000);
	b.window_end_ms = INT64_C(1790925900000);
	memset(&c, 0, sizeof(c));
	c.messages = 3;
	record_batch_add_cell(&b, &c);
	strbuf_init(&err, 1024);
	strbuf_reset(out);
	CU_ASSERT_EQUAL_FATAL(record_encode(&b, out, &err), 0);
	strbuf_release(&err);
	record_batch_free(&b);
}

static void test_unknown_kind(void)
{
	struct sink_params p;
	struct strbuf err;

	strbuf_init(&err, 1024);
	params(&p, "carrier-pigeon", NULL);
	CU_ASSERT_PTR_NULL(sink_new(&p, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "\"carrier-pigeon\" is not kafka or file"));
	strbuf_release(&err);
	sink_free(NULL);
}

/* Records are acknowledged once durable, at the poll; what is not a record
 * of the current schema is refused. */
static void test_file(void)
{
	const char *tmp = getenv("TMPDIR");
	struct sink_params p;
	struct strbuf err, rec;
	struct sink *s;
	off_t size = 0;

	snprintf(dir, sizeof(dir), "%s/arstat-sink-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	strbuf_init(&err, 1024);
	strbuf_init(&rec, 1 << 20);
	nacked = failed_acks = 0;

	params(&p, "file", NULL);
	p.file_dir = NULL;
	CU_ASSERT_PTR_NULL(sink_new(&p, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "file_sink_dir"));

	params(&p, "file", NULL);
	s = sink_new(&p, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(sink_healthy(s));
	encode(7, &rec);
	CU_ASSERT_EQUAL(sink_send(s, 7, "key", rec.data, rec.len, &err), 0);
	encode(8, &rec);
	CU_ASSERT_EQUAL(sink_send(s, 8, "key", rec.data, rec.len, &err), 0);
	CU_ASSERT_EQUAL(nacked, 0); /* not durable yet */
	sink_poll(s, 0);
	CU_ASSERT_EQUAL(nacked, 2);
	CU_ASSERT_EQUAL(acked[0], 7);
	CU_ASSERT_EQUAL(acked[1], 8);
	encode(9, &rec);
	CU_ASSERT_EQUAL(sink_send(s, 9, "key", rec.data, rec.len, &err), 0);
	sink_poll(s, 0);
	CU_ASSERT_EQUAL(nacked, 3);

	strbuf_reset(&err);
	CU_ASSERT_EQUAL(sink_send(s, 10, "key", "not a record", 12, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not single-object encoded"));
	CU_ASSERT_EQUAL(failed_acks, 0);
	CU_ASSERT(sink_healthy(s));
	sink_free(s);
	CU_ASSERT_EQUAL(count_files(&size), 1);
	CU_ASSERT(size > (off_t)(3 * (rec.len - 10)));

	strbuf_release(&err);
	strbuf_release(&rec);
	remove_files();
}

/* A producer is made from the kafka.* settings (no broker is needed for
 * that), and bad settings are refused with librdkafka's reason. */
static void test_kafka(void)
{
	struct cfg_kv kv[2] = { { "bootstrap.servers", "127.0.0.1:1" }, { "no.such.property", "1" } };
	struct cfg_kvlist list = { kv, 1 };
	struct sink_params p;
	struct strbuf err;
	struct sink *s;

	strbuf_init(&err, 1024);
	params(&p, "kafka", &list);
	s = sink_new(&p, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(sink_healthy(s));
	sink_poll(s, 0);
	sink_free(s);

	list.n = 2;
	CU_ASSERT_PTR_NULL(sink_new(&p, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "no.such.property"));
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sink", NULL, NULL);
	CU_add_test(s, "unknown kind", test_unknown_kind);
	CU_add_test(s, "file sink", test_file);
	CU_add_test(s, "kafka sink", test_kafka);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
