/* unit.outbox: durable records until acknowledged; crash recovery; corruption. */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outbox.h"

static char dir[256];

static void setup_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-outbox-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void cleanup_dir(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/outbox", dir);
	unlink(path);
	rmdir(dir);
}

static off_t file_size(void)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/outbox", dir);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_append_send_ack(void)
{
	struct strbuf err;
	struct outbox *ob;
	struct outbox_record r;
	char data[32];
	int i;

	setup_dir();
	strbuf_init(&err, 1024);
	ob = outbox_open(dir, 0, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	for (i = 1; i <= 5; i++) {
		snprintf(data, sizeof(data), "record-%d", i);
		CU_ASSERT_EQUAL(outbox_append(ob, i, data, strlen(data), &err), 0);
	}
	CU_ASSERT_EQUAL(outbox_sync(ob, &err), 0);
	CU_ASSERT_EQUAL(outbox_count(ob), 5);
	/* Only records below the durable limit are handed out. */
	CU_ASSERT_EQUAL(outbox_next_unsent(ob, 3, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 1);
	CU_ASSERT_EQUAL(outbox_next_unsent(ob, 3, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 2);
	CU_ASSERT_EQUAL(outbox_next_unsent(ob, 3, &r), 0);
	/* A failed delivery makes the record unsent again. */
	outbox_ack(ob, 2, 0);
	CU_ASSERT_EQUAL(outbox_next_unsent(ob, 3, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 2);
	CU_ASSERT_EQUAL(r.len, 8);
	CU_ASSERT_EQUAL(memcmp(r.data, "record-2", 8), 0);
	/* Acks out of order: start moves only over the acknowledged prefix. */
	outbox_ack(ob, 2, 1);
	CU_ASSERT_EQUAL(outbox_start(ob), 0);
	outbox_ack(ob, 1, 1);
	CU_ASSERT(outbox_start(ob) > 0);
	CU_ASSERT_EQUAL(outbox_count(ob), 3);
	outbox_free(ob);
	strbuf_release(&err);
	cleanup_dir();
}

static void test_crash_recovery(void)
{
	struct strbuf err;
	struct outbox *ob;
	struct outbox_record r;
	uint64_t start, end;

	setup_dir();
	strbuf_init(&err, 1024);
	ob = outbox_open(dir, 0, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	CU_ASSERT_EQUAL(outbox_append(ob, 7, "seven", 5, &err), 0);
	CU_ASSERT_EQUAL(outbox_append(ob, 8, "eight", 5, &err), 0);
	outbox_ack(ob, 7, 1);
	/* The checkpoint would record these two offsets... */
	start = outbox_start(ob);
	end = outbox_end(ob);
	/* ...and then a record appended after it, and a crash. */
	CU_ASSERT_EQUAL(outbox_append(ob, 9, "nine", 4, &err), 0);
	outbox_free(ob);
	CU_ASSERT(file_size() > (off_t)end);

	ob = outbox_open(dir, start, end, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	/* Cut back to the checkpoint; record 8 is sent again, 9 never was. */
	CU_ASSERT_EQUAL(file_size(), (off_t)end);
	CU_ASSERT_EQUAL(outbox_count(ob), 1);
	CU_ASSERT_EQUAL(outbox_next_unsent(ob, 100, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 8);
	CU_ASSERT_EQUAL(memcmp(r.data, "eight", 5), 0);
	outbox_ack(ob, 8, 1);
	/* All acknowledged: a reset empties the file once the checkpoint is written. */
	CU_ASSERT_EQUAL(outbox_reset_begin(ob), 1);
	CU_ASSERT_EQUAL(outbox_start(ob), 0);
	CU_ASSERT_EQUAL(outbox_end(ob), 0);
	CU_ASSERT_EQUAL(outbox_reset_done(ob, &err), 0);
	CU_ASSERT_EQUAL(file_size(), 0);
	outbox_free(ob);
	strbuf_release(&err);
	cleanup_dir();
}

static void test_corruption(void)
{
	struct strbuf err;
	struct outbox *ob;
	char path[512];
	uint64_t end;
	int fd;

	setup_dir();
	strbuf_init(&err, 1024);
	ob = outbox_open(dir, 0, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	CU_ASSERT_EQUAL(outbox_append(ob, 1, "payload", 7, &err), 0);
	end = outbox_end(ob);
	outbox_free(ob);
	/* Flip one payload byte: the checksum catches it. */
	snprintf(path, sizeof(path), "%s/outbox", dir);
	fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, "X", 1, 14), 1);
	close(fd);
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(outbox_open(dir, 0, end, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "checksum"));
	/* A checkpoint that claims more than the file holds. */
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(outbox_open(dir, 0, end + 100, &err));
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(outbox_open(dir, end, 0, &err));
	strbuf_release(&err);
	cleanup_dir();
}

/* Thousands in flight: every record is handed out once, in order; one
 * refused in the middle is handed out again before any newer one; out of
 * order acknowledgements and the compaction of the array keep all of this. */
static void test_many_in_flight(void)
{
	struct strbuf err;
	struct outbox *ob;
	struct outbox_record r;
	char data[32];
	int64_t i, next = 0;

	setup_dir();
	strbuf_init(&err, 1024);
	ob = outbox_open(dir, 0, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	for (i = 0; i < 5000; i++) {
		snprintf(data, sizeof(data), "r%lld", (long long)i);
		CU_ASSERT_EQUAL_FATAL(outbox_append(ob, i, data, strlen(data), &err), 0);
	}
	while (outbox_next_unsent(ob, 3000, &r))
		CU_ASSERT_EQUAL_FATAL(r.seq, next++);
	CU_ASSERT_EQUAL(next, 3000);
	outbox_ack(ob, 1500, 0); /* refused: again, before 3000 */
	outbox_ack(ob, 2999, 0);
	CU_ASSERT_EQUAL_FATAL(outbox_next_unsent(ob, 5000, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 1500);
	CU_ASSERT_EQUAL_FATAL(outbox_next_unsent(ob, 5000, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 2999);
	/* Acknowledged newest first: the head moves only when the oldest is. */
	for (i = 2999; i >= 0; i--)
		outbox_ack(ob, i, 1);
	CU_ASSERT_EQUAL(outbox_count(ob), 2000);
	/* More appended after the head moved (the array is compacted). */
	for (i = 5000; i < 6000; i++) {
		snprintf(data, sizeof(data), "r%lld", (long long)i);
		CU_ASSERT_EQUAL_FATAL(outbox_append(ob, i, data, strlen(data), &err), 0);
	}
	next = 3000;
	while (outbox_next_unsent(ob, 6000, &r))
		CU_ASSERT_EQUAL_FATAL(r.seq, next++);
	CU_ASSERT_EQUAL(next, 6000);
	outbox_ack(ob, 4000, 0);
	CU_ASSERT_EQUAL_FATAL(outbox_next_unsent(ob, 6000, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 4000);
	CU_ASSERT_EQUAL(outbox_next_unsent(ob, 6000, &r), 0);
	for (i = 3000; i < 6000; i++)
		outbox_ack(ob, i, 1);
	CU_ASSERT_EQUAL(outbox_count(ob), 0);
	CU_ASSERT_EQUAL(outbox_bytes(ob), 0);
	outbox_free(ob);
	strbuf_release(&err);
	cleanup_dir();
}

/* Records whose checksums are good but whose sequence numbers no collector
 * writes (not increasing from 1) are refused when the outbox is opened:
 * the look-ups by sequence number rely on the order. */
static void test_out_of_sequence(void)
{
	static const int64_t cases[][2] = { { 5, 3 }, { 4, 4 }, { 0, 1 }, { INT64_MIN, 2 } };
	struct strbuf err;
	struct outbox *ob;
	uint64_t end;
	size_t i;

	strbuf_init(&err, 1024);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup_dir();
		ob = outbox_open(dir, 0, 0, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
		CU_ASSERT_EQUAL(outbox_append(ob, cases[i][0], "a", 1, &err), 0);
		CU_ASSERT_EQUAL(outbox_append(ob, cases[i][1], "b", 1, &err), 0);
		end = outbox_end(ob);
		outbox_free(ob);
		strbuf_reset(&err);
		ob = outbox_open(dir, 0, end, &err);
		CU_ASSERT_PTR_NULL(ob);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "out of sequence"));
		outbox_free(ob);
		cleanup_dir();
	}
	/* In order, they load, and the newest is known. */
	setup_dir();
	ob = outbox_open(dir, 0, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	CU_ASSERT_EQUAL(outbox_last_seq(ob), 0);
	CU_ASSERT_EQUAL(outbox_append(ob, 3, "a", 1, &err), 0);
	CU_ASSERT_EQUAL(outbox_append(ob, 9, "b", 1, &err), 0);
	end = outbox_end(ob);
	outbox_free(ob);
	ob = outbox_open(dir, 0, end, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
	CU_ASSERT_EQUAL(outbox_last_seq(ob), 9);
	outbox_free(ob);
	cleanup_dir();
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("outbox", NULL, NULL);
	CU_add_test(s, "append, send, ack", test_append_send_ack);
	CU_add_test(s, "crash recovery", test_crash_recovery);
	CU_add_test(s, "corruption", test_corruption);
	CU_add_test(s, "many in flight", test_many_in_flight);
	CU_add_test(s, "records out of sequence", test_out_of_sequence);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
