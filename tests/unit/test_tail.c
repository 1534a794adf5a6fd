/* unit.tail: following a file through rotation, truncation and restarts. */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "tail.h"

static char dir[256], live[300];

static void setup_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-tail-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(live, sizeof(live), "%s/mail.log", dir);
}

static void cleanup_dir(void)
{
	char cmd[600];

	/* Test files only, in our own mkdtemp directory. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void append(const char *path, const char *text)
{
	FILE *fp = fopen(path, "a");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

static void gzip_to(const char *src, const char *dst)
{
	char buf[4096];
	FILE *in = fopen(src, "rb");
	gzFile out = gzopen(dst, "wb");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		gzwrite(out, buf, (unsigned)n);
	fclose(in);
	gzclose(out);
	unlink(src);
}

/* tail_new and tail_open of the live file, resuming at resume if not NULL. */
static struct tail *open_tail(const struct tail_pos *resume)
{
	struct tail *t = tail_new(live, 1024);
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL_FATAL(tail_open(t, resume, 0, &err), 0);
	strbuf_release(&err);
	return t;
}

/*
 * Hand every line available now to fn (polling a few times at the end),
 * at most max_lines of them.
 */
static void read_lines(struct tail *t, void (*fn)(void *ctx, const char *line, size_t len),
                       void *ctx, int max_lines)
{
	const char *line;
	size_t len;
	int polls = 0, n = 0;

	while (n < max_lines) {
		enum lr_status st = tail_next(t, &line, &len);

		if (st == LR_LINE) {
			fn(ctx, line, len);
			n++;
			continue;
		}
		CU_ASSERT_NOT_EQUAL(st, LR_ERROR);
		if (polls++ < 3 && tail_poll(t))
			continue;
		break;
	}
}

struct joined {
	char *out;
	size_t size;
};

static void join_line(void *ctx, const char *line, size_t len)
{
	struct joined *j = ctx;
	size_t used = strlen(j->out);

	CU_ASSERT_FATAL(used + len + 2 < j->size);
	memcpy(j->out + used, line, len);
	used += len;
	j->out[used++] = '|';
	j->out[used] = '\0';
}

/* Read every line available now into out, joined by '|'. */
static void read_all(struct tail *t, char *out, size_t size)
{
	struct joined j = { out, size };

	read_lines(t, join_line, &j, INT32_MAX);
}

static void test_follow_and_partial_line(void)
{
	struct tail *t;
	char got[4096] = "";

	setup_dir();
	append(live, "a1\na2\npart");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "a1|a2|");
	append(live, "ial\na3\n");
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "a1|a2|partial|a3|");
	CU_ASSERT_EQUAL(tail_lag_bytes(t), 0);
	tail_free(t);
	cleanup_dir();
}

static void test_rename_rotation_running(void)
{
	struct tail *t;
	char got[4096] = "", rotated[400];

	setup_dir();
	append(live, "a1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	/* Written to the old file after our last read, then renamed: still read. */
	append(live, "a2\n");
	snprintf(rotated, sizeof(rotated), "%s.1", live);
	CU_ASSERT_EQUAL(rename(live, rotated), 0);
	append(rotated, "a3\n");
	append(live, "b1\n");
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "a1|a2|a3|b1|");
	CU_ASSERT_EQUAL(tail_stats(t)->rotations, 1);
	tail_free(t);
	cleanup_dir();
}

static void test_copytruncate_running(void)
{
	struct tail *t;
	char got[4096] = "", copy[400], cmd[2048];

	setup_dir();
	append(live, "2026-11-01 line a1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	/* A line we have not read yet goes into the copy, then the file is emptied
	 * and written again with more than we had read: only the head tells. */
	append(live, "2026-11-01 line a2\n");
	snprintf(copy, sizeof(copy), "%s.1", live);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && : > '%s'", live, copy, live);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	append(live, "2026-11-02 line b1 which is longer than before\n");
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "2026-11-01 line a1|2026-11-01 line a2|"
	                            "2026-11-02 line b1 which is longer than before|");
	CU_ASSERT_EQUAL(tail_stats(t)->truncations, 1);
	tail_free(t);
	cleanup_dir();
}

/* Stopped after a1; while stopped the file is rotated twice and compressed. */
static void test_resume_in_compressed_rotation(void)
{
	struct tail *t;
	struct tail_pos pos;
	char got[4096] = "", r1[400], r2[400];

	setup_dir();
	snprintf(r1, sizeof(r1), "%s.1", live);
	snprintf(r2, sizeof(r2), "%s.2.gz", live);
	append(live, "first file line 1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	tail_position(t, &pos);
	tail_free(t);
	CU_ASSERT_EQUAL(pos.offset, 18);

	append(live, "first file line 2\n");
	CU_ASSERT_EQUAL(rename(live, r1), 0);
	append(live, "second file line 1\n");
	gzip_to(r1, r2);
	CU_ASSERT_EQUAL(rename(live, r1), 0);
	append(live, "third file line 1\n");

	got[0] = '\0';
	t = open_tail(&pos);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "first file line 2|second file line 1|third file line 1|");
	CU_ASSERT_EQUAL(tail_stats(t)->resumed_rotated, 1);
	tail_free(t);
	cleanup_dir();
}

/* A new file that got the old inode is not taken for the old one. */
static void test_resume_reused_inode_and_lost(void)
{
	struct tail *t;
	struct tail_pos pos;
	char got[4096] = "";

	setup_dir();
	append(live, "old content 1\nold content 2\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	tail_position(t, &pos);
	tail_free(t);

	/* Deleted (rotated away for good) and a new, longer file in its place. */
	unlink(live);
	append(live, "new content 1 is here\nnew content 2 is here\n");
	got[0] = '\0';
	t = open_tail(&pos);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "new content 1 is here|new content 2 is here|");
	CU_ASSERT_EQUAL(tail_stats(t)->positions_lost, 1);
	tail_free(t);
	cleanup_dir();
}

static void test_resume_same_file(void)
{
	struct tail *t;
	struct tail_pos pos;
	char got[4096] = "";

	setup_dir();
	append(live, "x1\nx2\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	tail_position(t, &pos);
	tail_free(t);
	append(live, "x3\n");
	got[0] = '\0';
	t = open_tail(&pos);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "x3|");
	CU_ASSERT_EQUAL(tail_stats(t)->positions_lost, 0);
	tail_free(t);
	cleanup_dir();
}

/* Stopped right after moving to a new, still empty file, which is then
 * written and rotated away while we are stopped: found as the successor. */
static void test_resume_at_start_of_rotated_file(void)
{
	struct tail *t;
	struct tail_pos pos;
	char got[4096] = "", r1[400], r2[400];

	setup_dir();
	snprintf(r1, sizeof(r1), "%s.1", live);
	snprintf(r2, sizeof(r2), "%s.2", live);
	append(live, "file A line 1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	CU_ASSERT_EQUAL(rename(live, r1), 0);
	append(live, ""); /* file B, empty */
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file A line 1|");
	tail_position(t, &pos);
	CU_ASSERT_EQUAL(pos.offset, 0);
	CU_ASSERT(pos.prev_fp_len > 0);
	tail_free(t);

	append(live, "file B line 1\n");
	CU_ASSERT_EQUAL(rename(r1, r2), 0);
	CU_ASSERT_EQUAL(rename(live, r1), 0);
	append(live, "file C line 1\n");
	got[0] = '\0';
	t = open_tail(&pos);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file B line 1|file C line 1|");
	tail_free(t);
	cleanup_dir();
}

/* Rotate live -> NAME.1 the way logrotate does, shifting NAME.1..NAME.(n-1) up
 * first, then create the live file with `text` (maybe empty). */
static void rotate_rename(int n, const char *text)
{
	char a[400], b[400];
	int k;

	for (k = n - 1; k >= 1; k--) {
		snprintf(a, sizeof(a), "%s.%d", live, k);
		snprintf(b, sizeof(b), "%s.%d", live, k + 1);
		if (access(a, F_OK) == 0)
			CU_ASSERT_EQUAL(rename(a, b), 0);
	}
	snprintf(a, sizeof(a), "%s.1", live);
	CU_ASSERT_EQUAL(rename(live, a), 0);
	append(live, text);
}

/* Stopped at the end of file A; while stopped, an empty file B is rotated
 * (logrotate's default ifempty), then C: B is passed over, C and D read. */
static void test_resume_over_empty_rotated_file(void)
{
	struct tail *t;
	struct tail_pos pos;
	char got[4096] = "";

	setup_dir();
	append(live, "file A line 1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file A line 1|");
	tail_position(t, &pos);
	tail_free(t);

	rotate_rename(5, "");                 /* A -> .1, B (empty) live */
	rotate_rename(5, "file C line 1\n"); /* B -> .1 */
	rotate_rename(5, "file D line 1\n"); /* C -> .1, B -> .2, A -> .3 */
	got[0] = '\0';
	t = open_tail(&pos);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file C line 1|file D line 1|");
	CU_ASSERT_EQUAL(tail_stats(t)->positions_lost, 0);
	tail_free(t);
	cleanup_dir();
}

/* The same while running: we hold the empty file B when it is rotated, and
 * C after it is rotated before we look again. */
static void test_running_over_empty_rotated_file(void)
{
	struct tail *t;
	char got[4096] = "";

	setup_dir();
	append(live, "file A line 1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	rotate_rename(5, "");                 /* A -> .1, B (empty) live */
	read_all(t, got, sizeof(got));        /* finishes A, holds B */
	CU_ASSERT_STRING_EQUAL(got, "file A line 1|");
	rotate_rename(5, "file C line 1\n"); /* B -> .1 */
	rotate_rename(5, "file D line 1\n"); /* C -> .1 */
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file A line 1|file C line 1|file D line 1|");
	CU_ASSERT_EQUAL(tail_stats(t)->positions_lost, 0);
	tail_free(t);
	cleanup_dir();
}

/* copytruncate as logrotate does it: NAME.1 -> NAME.2, copy, empty. */
static void rotate_copytruncate(void)
{
	char r1[400], r2[400], cmd[2048];

	snprintf(r1, sizeof(r1), "%s.1", live);
	snprintf(r2, sizeof(r2), "%s.2", live);
	if (access(r1, F_OK) == 0)
		CU_ASSERT_EQUAL(rename(r1, r2), 0);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && : > '%s'", live, r1, live);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
}

/* Stopped at the start of the emptied live file after a copytruncate; while
 * stopped, it is written (B) and copytruncated again, then written (C). The
 * live file has the same inode all along: B must be found in the copy. */
static void test_resume_empty_live_after_copytruncate(void)
{
	struct tail *t;
	struct tail_pos pos;
	char got[4096] = "";

	setup_dir();
	append(live, "file A line 1\n");
	t = open_tail(NULL);
	read_all(t, got, sizeof(got));
	rotate_copytruncate();
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file A line 1|");
	tail_position(t, &pos);
	CU_ASSERT_EQUAL(pos.fp_len, 0);
	CU_ASSERT(pos.prev_fp_len > 0);
	tail_free(t);

	append(live, "file B line 1\n");
	rotate_copytruncate();
	append(live, "file C line 1\n");
	got[0] = '\0';
	t = open_tail(&pos);
	read_all(t, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "file B line 1|file C line 1|");
	CU_ASSERT_EQUAL(tail_stats(t)->positions_lost, 0);
	tail_free(t);
	cleanup_dir();
}

/* Lines "TAG NNNNNN" padded to 99 bytes with the newline, from..to-1, appended to path. */
static void append_numbered(const char *path, char tag, int from, int to)
{
	FILE *fp = fopen(path, "a");
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	for (i = from; i < to; i++)
		fprintf(fp, "%c %06d %-89s\n", tag, i, "padding");
	fclose(fp);
}

/* The NNNNNN of a numbered line (which, like every line from the reader,
 * is not NUL-terminated: no atoi). */
static int line_number(const char *line)
{
	int i, n = 0;

	for (i = 2; i < 8; i++)
		n = n * 10 + (line[i] - '0');
	return n;
}

struct numbered {
	int next_c, next_d;
};

/* Each line must be the next of its tag. */
static void check_numbered(void *ctx, const char *line, size_t len)
{
	struct numbered *nb = ctx;
	int *next;

	CU_ASSERT_FATAL(len == 98 && (line[0] == 'C' || line[0] == 'D'));
	next = line[0] == 'C' ? &nb->next_c : &nb->next_d;
	CU_ASSERT_EQUAL_FATAL(line_number(line), *next);
	(*next)++;
}

/* copytruncate while we are in the middle of the file, and the writer fills
 * it again beyond our offset before we reach its end: the rest of the old
 * content comes from the copy, the new content once, from its start. */
static void test_copytruncate_in_the_middle(void)
{
	struct tail *t;
	struct numbered nb = { 0, 0 };

	setup_dir();
	append_numbered(live, 'C', 0, 6000);
	t = open_tail(NULL);
	read_lines(t, check_numbered, &nb, 10);
	CU_ASSERT_EQUAL(nb.next_c, 10);
	rotate_copytruncate();
	append_numbered(live, 'D', 0, 9000);
	read_lines(t, check_numbered, &nb, INT32_MAX);
	CU_ASSERT_EQUAL(nb.next_c, 6000);
	CU_ASSERT_EQUAL(nb.next_d, 9000);
	CU_ASSERT_EQUAL(tail_stats(t)->truncations, 1);
	CU_ASSERT_EQUAL(tail_stats(t)->positions_lost, 0);
	tail_free(t);
	cleanup_dir();
}

/* tail_open of live: -1 with errno e and a reason starting with why. */
static void check_refused(struct tail *t, int e, const char *why)
{
	struct strbuf err;

	strbuf_init(&err, 1024);
	errno = 0;
	CU_ASSERT_EQUAL(tail_open(t, NULL, 0, &err), -1);
	CU_ASSERT_EQUAL(errno, e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err.data);
	CU_ASSERT_EQUAL(strncmp(err.data, why, strlen(why)), 0);
	strbuf_release(&err);
}

/*
 * Only a regular file is opened: a directory (which read as EISDIR at every
 * poll) and a FIFO (which blocked in open() until a writer came) are refused
 * at once with a reason, a missing file with ENOENT; the alarm turns a
 * blocking open into a failure instead of a hang.
 */
static void test_refuses_non_regular(void)
{
	struct tail *t;

	setup_dir();
	t = tail_new(live, 1024);
	check_refused(t, ENOENT, "No such file or directory");
	CU_ASSERT_EQUAL_FATAL(mkdir(live, 0700), 0);
	check_refused(t, EINVAL, "not a regular file (a directory)");
	CU_ASSERT_EQUAL(tail_poll(t), 0);
	CU_ASSERT_EQUAL_FATAL(rmdir(live), 0);
	CU_ASSERT_EQUAL_FATAL(mkfifo(live, 0600), 0);
	alarm(10);
	check_refused(t, EINVAL, "not a regular file (a FIFO)");
	CU_ASSERT_EQUAL(tail_poll(t), 0);
	alarm(0);
	CU_ASSERT_EQUAL_FATAL(unlink(live), 0);
	append(live, "line 1\n");
	CU_ASSERT_EQUAL(tail_poll(t), 1);
	tail_free(t);
	cleanup_dir();
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tail", NULL, NULL);
	CU_add_test(s, "follow, partial line", test_follow_and_partial_line);
	CU_add_test(s, "rename rotation while running", test_rename_rotation_running);
	CU_add_test(s, "copytruncate while running", test_copytruncate_running);
	CU_add_test(s, "resume in a compressed rotation", test_resume_in_compressed_rotation);
	CU_add_test(s, "reused name, lost position", test_resume_reused_inode_and_lost);
	CU_add_test(s, "resume in the same file", test_resume_same_file);
	CU_add_test(s, "resume at the start of a rotated file", test_resume_at_start_of_rotated_file);
	CU_add_test(s, "resume over an empty rotated file", test_resume_over_empty_rotated_file);
	CU_add_test(s, "running over an empty rotated file", test_running_over_empty_rotated_file);
	CU_add_test(s, "copytruncate in the middle of the file", test_copytruncate_in_the_middle);
	CU_add_test(s, "resume in an emptied live file after copytruncate",
	            test_resume_empty_live_after_copytruncate);
	CU_add_test(s, "refuses what is not a regular file", test_refuses_non_regular);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
