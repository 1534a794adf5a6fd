/* unit.sink: backends found by name through their operations table; the file sink,
 * and what its files survive: every single-bit flip is read back as the same
 * records or reported as damage, never as other counts. */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocf.h"
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

/* A record as the collector makes them: single-object encoded, current
 * schema; its counts depend on seq. */
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
	c.result[0] = AR_PASS;
	c.result[2] = AR_FAIL;
	c.dmarc_policy = POL_REJECT;
	c.messages = 1 + seq % 17;
	record_batch_add_cell(&b, &c);
	b.health.lines_read = 1000 + seq;
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

/* The path of the one .avro file in dir, into path. */
static void find_file(char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	path[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".avro") != NULL)
			snprintf(path, size, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	CU_ASSERT_FATAL(path[0] != '\0');
}

#define FLIP_RECORDS 30
#define FLIP_BLOCK 10

struct flip_result {
	int refused;  /* the file is not read at all */
	int bad;      /* damaged stretches reported */
	int rejected; /* records the decoder refused */
	int same;     /* records read back as written */
	int changed;  /* records read back with other content: a silent change */
};

/* Read path as ingest --file does and compare every record that decodes
 * with what was written (originals[seq - 1]): the same identity must have
 * the same encoding, byte for byte. */
static struct flip_result read_back(const char *path, struct strbuf *const originals)
{
	struct flip_result res = { 0, 0, 0, 0, 0 };
	struct record_batch b;
	struct strbuf why, again;
	struct ocf_reader *r;
	struct ocf_item item;
	enum ocf_status st;

	strbuf_init(&why, 1024);
	strbuf_init(&again, 1 << 20);
	record_batch_init(&b);
	r = ocf_reader_new(path, &why);
	if (r == NULL) {
		res.refused = 1;
		goto out;
	}
	for (;;) {
		strbuf_reset(&why);
		st = ocf_reader_next(r, &item, &why);
		if (st == OCF_END || st == OCF_ERROR)
			break;
		if (st == OCF_BAD) {
			res.bad++;
			continue;
		}
		if (record_decode(item.data, item.len, &b, &why) != RECORD_OK) {
			res.rejected++;
			continue;
		}
		strbuf_reset(&again);
		CU_ASSERT_EQUAL_FATAL(record_encode(&b, &again, &why), 0);
		if (b.seq >= 1 && b.seq <= FLIP_RECORDS && again.len == originals[b.seq - 1].len &&
		    memcmp(again.data, originals[b.seq - 1].data, again.len) == 0)
			res.same++;
		else
			res.changed++;
	}
out:
	ocf_reader_free(r);
	record_batch_free(&b);
	strbuf_release(&again);
	strbuf_release(&why);
	return res;
}

/* The experiment, on every fifth bit of a file of the file sink (30
 * records in three blocks): a flip may cost records, but what is lost is
 * reported (the file refused, a damaged stretch, a record the decoder
 * refuses), and no record is ever read back with other content. */
static void test_file_bit_flips(void)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf originals[FLIP_RECORDS], err;
	struct flip_result res;
	struct sink_params p;
	struct sink *s;
	char path[600];
	unsigned char byte;
	long flips = 0, silent = 0, lost = 0, kept = 0;
	off_t size, bit;
	int64_t i;
	int fd;

	snprintf(dir, sizeof(dir), "%s/arstat-sink-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	strbuf_init(&err, 1024);
	nacked = failed_acks = 0;
	params(&p, "file", NULL);
	s = sink_new(&p, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 0; i < FLIP_RECORDS; i++) {
		strbuf_init(&originals[i], 1 << 20);
		encode(i + 1, &originals[i]);
		CU_ASSERT_EQUAL(sink_send(s, i + 1, "key", originals[i].data, originals[i].len, &err),
		                0);
		/* A poll makes the records durable: one block each time. */
		if ((i + 1) % FLIP_BLOCK == 0)
			sink_poll(s, 0);
	}
	sink_free(s);
	CU_ASSERT_EQUAL(nacked, FLIP_RECORDS);
	find_file(path, sizeof(path));

	res = read_back(path, originals);
	CU_ASSERT_EQUAL_FATAL(res.same, FLIP_RECORDS);
	CU_ASSERT_EQUAL(res.bad + res.rejected + res.changed + res.refused, 0);

	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	size = lseek(fd, 0, SEEK_END);
	for (bit = 0; bit < size * 8; bit += 5) {
		CU_ASSERT_FATAL(pread(fd, &byte, 1, bit / 8) == 1);
		byte ^= (unsigned char)(1u << (bit % 8));
		CU_ASSERT_FATAL(pwrite(fd, &byte, 1, bit / 8) == 1);
		res = read_back(path, originals);
		byte ^= (unsigned char)(1u << (bit % 8));
		CU_ASSERT_FATAL(pwrite(fd, &byte, 1, bit / 8) == 1);
		flips++;
		if (res.changed > 0) {
			silent++;
			continue;
		}
		if (res.same == FLIP_RECORDS) {
			kept++;
			continue;
		}
		/* Records lost: never without a word. */
		lost++;
		CU_ASSERT(res.refused || res.bad > 0 || res.rejected > 0);
	}
	close(fd);
	printf("\n  %ld flips of a %lld-byte file: %ld read back whole, %ld reported damage,"
	       " %ld changed records silently\n",
	       flips, (long long)size, kept, lost, silent);
	CU_ASSERT(flips >= 150);
	CU_ASSERT_EQUAL(silent, 0);
	for (i = 0; i < FLIP_RECORDS; i++)
		strbuf_release(&originals[i]);
	strbuf_release(&err);
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
	CU_add_test(s, "file sink: single-bit flips", test_file_bit_flips);
	CU_add_test(s, "kafka sink", test_kafka);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
