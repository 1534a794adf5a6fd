/* unit.log: messages on stderr, with syslog priorities when stderr is the
 * journal's stream (JOURNAL_STREAM names its device and inode). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char path[300];

/* stderr into a new temporary file; its old descriptor in *saved. */
static void capture(int *saved)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, sizeof(path), "%s/arstat-log-XXXXXX", tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(*saved >= 0);
	CU_ASSERT_FATAL(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	close(fd);
}

/* stderr back; what was written into out (cap bytes). */
static void release(int saved, char *out, size_t cap)
{
	FILE *fp;
	size_t n;

	fflush(stderr);
	CU_ASSERT_FATAL(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	fp = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	n = fread(out, 1, cap - 1, fp);
	out[n] = '\0';
	fclose(fp);
	unlink(path);
}

static void log_all(void)
{
	msg_set_level(MSG_DEBUG);
	msg_debug("d %d", 1);
	msg_info("i");
	msg_warn("w");
	msg_error("e");
	msg_set_level(MSG_INFO);
}

/* Without the journal: the plain form, no priorities. */
static void test_plain(void)
{
	char out[4096];
	int saved;

	unsetenv("JOURNAL_STREAM");
	capture(&saved);
	msg_init("arstat-test");
	log_all();
	release(saved, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "arstat-test: debug: d 1\narstat-test: info: i\n"
	                            "arstat-test: warning: w\narstat-test: error: e\n");
}

/* stderr is the stream JOURNAL_STREAM names: each line starts with its
 * priority, which journald takes as the entry's PRIORITY. */
static void test_journal(void)
{
	char out[4096], v[64];
	struct stat st;
	int saved;

	capture(&saved);
	CU_ASSERT_EQUAL_FATAL(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	msg_init("arstat-test");
	log_all();
	release(saved, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "<7>arstat-test: debug: d 1\n<6>arstat-test: info: i\n"
	                            "<4>arstat-test: warning: w\n<3>arstat-test: error: e\n");
	unsetenv("JOURNAL_STREAM");
	msg_init("arstat-test");
}

/* A variable inherited by a program whose stderr is elsewhere (another
 * inode), or that is not "DEVICE:INODE": no priorities. */
static void test_other_stream(void)
{
	static const char *const bad[] = { "1:2", "garbage", "12:", ":34", "1:2:3", "-1:5" };
	char out[4096];
	size_t i;
	int saved;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("JOURNAL_STREAM", bad[i], 1);
		capture(&saved);
		msg_init("arstat-test");
		msg_warn("w");
		release(saved, out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, "arstat-test: warning: w\n");
	}
	unsetenv("JOURNAL_STREAM");
	msg_init("arstat-test");
}

int main(void)
{
	CU_pSuite s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("log", NULL, NULL);
	CU_add_test(s, "plain messages", test_plain);
	CU_add_test(s, "priorities on the journal's stream", test_journal);
	CU_add_test(s, "no priorities on another stream", test_other_stream);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
