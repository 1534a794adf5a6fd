/*
 * unit.secretfile - a secret read from a file: the content without its final
 * newline (LF or CRLF); refused, with a reason naming the file and never the
 * content: group- or world-readable (or writable) files, a directory, a
 * FIFO (not blocked on), a missing file, an empty one, two lines, a NUL
 * byte, one byte over the limit (the limit itself read); a link to a
 * private file followed.
 */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretfile.h"
#include "strbuf.h"

static char dir[] = "/tmp/arstat-secretfile-XXXXXX";
static char path[256];

/* Write data[0..len) to the test file with mode. */
static void put(const void *data, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

/* Read the test file: the secret (to be freed) or NULL, the reason in err. */
static char *get(struct strbuf *err)
{
	char *s = (char *)"unset";

	strbuf_reset(err);
	if (secretfile_read(path, &s, err) < 0) {
		CU_ASSERT_PTR_NULL(s);
		CU_ASSERT_PTR_NOT_NULL(strstr(err->data, path));
		return NULL;
	}
	return s;
}

static void test_read(void)
{
	static const char *const forms[] = { "s3cret", "s3cret\n", "s3cret\r\n" };
	struct strbuf err;
	char *s;
	size_t i;

	strbuf_init(&err, 1024);
	for (i = 0; i < 3; i++) {
		put(forms[i], strlen(forms[i]), 0600);
		s = get(&err);
		CU_ASSERT_STRING_EQUAL(s != NULL ? s : "", "s3cret");
		secretfile_free(s);
	}
	put("pw", 2, 0400);
	s = get(&err);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "", "pw");
	secretfile_free(s);
	secretfile_free(NULL);
	strbuf_release(&err);
}

static void test_modes_refused(void)
{
	static const mode_t modes[] = { 0640, 0604, 0620, 0602, 0610, 0644, 0666 };
	struct strbuf err;
	size_t i;

	strbuf_init(&err, 1024);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		put("topsecret", 9, modes[i]);
		CU_ASSERT_PTR_NULL(get(&err));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "group or others"));
		CU_ASSERT_PTR_NULL(strstr(err.data, "topsecret"));
	}
	strbuf_release(&err);
}

static void test_content_refused(void)
{
	static const char nul[] = { 'a', '\0', 'b' };
	char *big = malloc(SECRETFILE_MAX + 2);
	struct strbuf err;
	char *s;

	strbuf_init(&err, 1024);
	put("", 0, 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "empty"));
	put("\n", 1, 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	put("alpha\nbeta\n", 11, 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_PTR_NULL(strstr(err.data, "alpha"));
	put("a\rb", 3, 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	put(nul, sizeof(nul), 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'x', SECRETFILE_MAX + 1);
	big[SECRETFILE_MAX + 1] = '\n';
	put(big, SECRETFILE_MAX + 2, 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "longer than"));
	put(big, SECRETFILE_MAX + 1, 0600);
	CU_ASSERT_PTR_NULL(get(&err));
	/* The limit itself, with and without its CRLF. */
	big[SECRETFILE_MAX] = '\r';
	big[SECRETFILE_MAX + 1] = '\n';
	put(big, SECRETFILE_MAX + 2, 0600);
	s = get(&err);
	CU_ASSERT(s != NULL && strlen(s) == SECRETFILE_MAX);
	secretfile_free(s);
	put(big, SECRETFILE_MAX, 0600);
	s = get(&err);
	CU_ASSERT(s != NULL && strlen(s) == SECRETFILE_MAX);
	secretfile_free(s);
	free(big);
	strbuf_release(&err);
}

static void test_not_files(void)
{
	char target[300];
	struct strbuf err;
	char *s;

	strbuf_init(&err, 1024);
	unlink(path);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a regular file"));
	rmdir(path);
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	CU_ASSERT_PTR_NULL(get(&err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a regular file"));
	unlink(path);
	/* A link to a private file: followed (systemd's credentials). */
	snprintf(target, sizeof(target), "%s.target", path);
	unlink(target);
	CU_ASSERT_FATAL(symlink(target, path) == 0);
	{
		int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);

		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_FATAL(write(fd, "via-link\n", 9) == 9);
		close(fd);
	}
	s = get(&err);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "", "via-link");
	secretfile_free(s);
	unlink(path);
	unlink(target);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/secret", dir);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("secretfile", NULL, NULL);
	if (s == NULL || CU_add_test(s, "read", test_read) == NULL ||
	    CU_add_test(s, "modes refused", test_modes_refused) == NULL ||
	    CU_add_test(s, "content refused", test_content_refused) == NULL ||
	    CU_add_test(s, "not files", test_not_files) == NULL) {
		CU_cleanup_registry();
		return CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	unlink(path);
	if (rmdir(dir) < 0)
		return 1;
	return failed != 0;
}
