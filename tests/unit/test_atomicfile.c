/*
 * unit.atomicfile - replacing a file whole: the content and mode of a new
 * file, a replaced one, a stale temporary file from a killed writer, a link
 * planted at the temporary name (never followed), an abandoned handle (no
 * temporary file left), a failed rename (the old content stays), the stdio
 * stream, two writers at once (the second refused), a FIFO or directory at
 * the temporary name (refused, not blocked on); and fdio_write_all through
 * a pipe that takes a little at a time.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fdio.h"
#include "strbuf.h"

static char dir[] = "/tmp/arstat-atomicfile-XXXXXX";

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* The whole content of path into buf (NUL-terminated); its length or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static int exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static void test_replace_new_and_old(void)
{
	char path[256], tmp[256], buf[64];
	struct strbuf err;
	struct stat sb;
	mode_t mask = umask(022);

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "a");
	path_of(tmp, sizeof(tmp), ".a.tmp");
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "first", 5, &err), 0);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "first");
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
	CU_ASSERT_FALSE(exists(tmp));

	/* Replaced, and the umask applies as for open(2). */
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0666, "second!", 7, &err), 0);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 7);
	CU_ASSERT_STRING_EQUAL(buf, "second!");
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0644);

	/* Empty content is a file of 0 bytes, not no file. */
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "", 0, &err), 0);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 0);
	umask(mask);
	strbuf_release(&err);
}

/* A killed writer's temporary file is replaced, not an obstacle. */
static void test_stale_temp(void)
{
	char path[256], tmp[256], buf[64];
	struct strbuf err;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "b");
	path_of(tmp, sizeof(tmp), ".b.tmp");
	CU_ASSERT_EQUAL(atomicfile_replace(tmp, 0600, "half a checkp", 13, &err), 0);
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "whole", 5, &err), 0);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "whole");
	CU_ASSERT_FALSE(exists(tmp));
	strbuf_release(&err);
}

/* A link planted at the temporary name is removed, never written through. */
static void test_planted_link(void)
{
	char path[256], tmp[256], victim[256], buf[64];
	struct strbuf err;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "c");
	path_of(tmp, sizeof(tmp), ".c.tmp");
	path_of(victim, sizeof(victim), "victim");
	CU_ASSERT_EQUAL(atomicfile_replace(victim, 0600, "precious", 8, &err), 0);
	CU_ASSERT_EQUAL(symlink(victim, tmp), 0);
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "data", 4, &err), 0);
	CU_ASSERT_EQUAL(slurp(victim, buf, sizeof(buf)), 8);
	CU_ASSERT_STRING_EQUAL(buf, "precious");
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 4);
	strbuf_release(&err);
}

/* Freed without a commit: the target is untouched, no temporary file stays. */
static void test_abandon(void)
{
	char path[256], tmp[256], buf[64];
	struct atomicfile *af;
	struct strbuf err;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "d");
	path_of(tmp, sizeof(tmp), ".d.tmp");
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "old", 3, &err), 0);
	af = atomicfile_new(path, 0600, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(af);
	CU_ASSERT_TRUE(exists(tmp));
	CU_ASSERT_EQUAL(atomicfile_write(af, "new", 3, &err), 0);
	atomicfile_free(af);
	CU_ASSERT_FALSE(exists(tmp));
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 3);
	CU_ASSERT_STRING_EQUAL(buf, "old");
	atomicfile_free(NULL);
	strbuf_release(&err);
}

/* A rename that fails (the target is a non-empty directory) keeps the old
 * target, removes the temporary file and says why. */
static void test_rename_fails(void)
{
	char path[256], inner[256], tmp[256];
	struct strbuf err;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "e");
	path_of(inner, sizeof(inner), "e/x");
	path_of(tmp, sizeof(tmp), ".e.tmp");
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(atomicfile_replace(inner, 0600, "x", 1, &err), 0);
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "data", 4, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "cannot rename"));
	CU_ASSERT_FALSE(exists(tmp));
	CU_ASSERT_TRUE(exists(inner));
	unlink(inner);
	rmdir(path);
	strbuf_release(&err);
}

/* A directory that does not exist: an error naming the file, nothing made. */
static void test_no_directory(void)
{
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_PTR_NULL(atomicfile_new("/nonexistent/dir/f", 0600, &err));
	CU_ASSERT_STRING_EQUAL(err.data,
	                       "cannot create /nonexistent/dir/.f.tmp: No such file or directory");
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(atomicfile_new("/nonexistent/dir/", 0600, &err));
	CU_ASSERT_STRING_EQUAL(err.data, "/nonexistent/dir/: not a file name");
	strbuf_release(&err);
}

/* A relative name lives in the current directory. */
static void test_relative(void)
{
	char cwd[512], buf[64];
	struct strbuf err;

	strbuf_init(&err, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
	CU_ASSERT_EQUAL(atomicfile_replace("rel", 0600, "here", 4, &err), 0);
	CU_ASSERT_EQUAL(slurp("rel", buf, sizeof(buf)), 4);
	CU_ASSERT_FALSE(exists(".rel.tmp"));
	CU_ASSERT_EQUAL(chdir(cwd), 0);
	strbuf_release(&err);
}

/* Formatted output through the stream and raw writes keep their order. */
static void test_stream(void)
{
	char path[256], buf[64];
	struct atomicfile *af;
	struct strbuf err;
	FILE *fp;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "f");
	af = atomicfile_new(path, 0600, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(af);
	fp = atomicfile_stream(af, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_PTR_EQUAL(atomicfile_stream(af, &err), fp);
	fprintf(fp, "n=%d;", 42);
	CU_ASSERT_EQUAL(atomicfile_write(af, "raw;", 4, &err), 0);
	fputs("end", fp);
	CU_ASSERT_FALSE(exists(path));
	CU_ASSERT_EQUAL(atomicfile_commit(af, &err), 0);
	atomicfile_free(af);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 12);
	CU_ASSERT_STRING_EQUAL(buf, "n=42;raw;end");
	strbuf_release(&err);
}

/* Two writers of one target at once: the second is refused while the first
 * holds the temporary file, and succeeds once the first has renamed it. */
static void test_two_writers(void)
{
	char path[256], buf[64];
	struct atomicfile *a, *b;
	struct strbuf err;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "g");
	a = atomicfile_new(path, 0600, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(atomicfile_write(a, "first", 5, &err), 0);
	b = atomicfile_new(path, 0600, &err);
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "another process is writing it"));
	/* The refused writer did not disturb the first one's file. */
	CU_ASSERT_EQUAL(atomicfile_commit(a, &err), 0);
	atomicfile_free(a);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "first");
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(atomicfile_replace(path, 0600, "second", 6, &err), 0);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 6);
	strbuf_release(&err);
}

/* A FIFO or a directory planted at the temporary name: refused at once,
 * never blocked on, the target untouched. */
static void test_planted_special(void)
{
	char path[256], tmp[256];
	struct strbuf err;

	strbuf_init(&err, 1024);
	path_of(path, sizeof(path), "h");
	path_of(tmp, sizeof(tmp), ".h.tmp");
	CU_ASSERT_EQUAL_FATAL(mkfifo(tmp, 0600), 0);
	CU_ASSERT_PTR_NULL(atomicfile_new(path, 0600, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "cannot create"));
	CU_ASSERT_FALSE(exists(path));
	unlink(tmp);
	CU_ASSERT_EQUAL_FATAL(mkdir(tmp, 0700), 0);
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(atomicfile_new(path, 0600, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "cannot create"));
	rmdir(tmp);
	strbuf_release(&err);
}

/* A pipe takes at most its capacity at once: fdio_write_all must loop. */
static void test_write_all_pipe(void)
{
	enum { N = 1 << 20 };
	char *data = malloc(N), *back = malloc(N);
	int fds[2];
	pid_t pid;
	size_t got = 0;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	for (i = 0; i < N; i++)
		data[i] = (char)(i * 7 + i / 251);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(fdio_write_all(fds[1], data, N) == 0 ? 0 : 1);
	}
	close(fds[1]);
	while (got < N) {
		ssize_t n = read(fds[0], back + got, N - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	CU_ASSERT_EQUAL(got, (size_t)N);
	CU_ASSERT_EQUAL(memcmp(data, back, N), 0);
	free(data);
	free(back);
}

/* A closed descriptor: -1 with errno, not a loop. */
static void test_write_all_error(void)
{
	int fds[2];

	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	errno = 0;
	CU_ASSERT_EQUAL(fdio_write_all(fds[1], "x", 1), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	CU_ASSERT_EQUAL(fdio_write_all(fds[1], "", 0), 0);
}

int main(void)
{
	CU_pSuite s;
	static const char *const left[] = { "a", "b", "c", "victim", "d", "f", "rel", "g" };
	unsigned failed;
	char path[256];
	size_t i;

	if (mkdtemp(dir) == NULL)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("atomicfile", NULL, NULL);
	if (s == NULL || CU_add_test(s, "new and replaced", test_replace_new_and_old) == NULL ||
	    CU_add_test(s, "stale temporary file", test_stale_temp) == NULL ||
	    CU_add_test(s, "planted link", test_planted_link) == NULL ||
	    CU_add_test(s, "abandoned", test_abandon) == NULL ||
	    CU_add_test(s, "rename fails", test_rename_fails) == NULL ||
	    CU_add_test(s, "no directory", test_no_directory) == NULL ||
	    CU_add_test(s, "relative name", test_relative) == NULL ||
	    CU_add_test(s, "stream", test_stream) == NULL ||
	    CU_add_test(s, "two writers at once", test_two_writers) == NULL ||
	    CU_add_test(s, "planted FIFO and directory", test_planted_special) == NULL ||
	    CU_add_test(s, "write_all through a pipe", test_write_all_pipe) == NULL ||
	    CU_add_test(s, "write_all error", test_write_all_error) == NULL) {
		CU_cleanup_registry();
		return CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	/* Every test leaves only its targets: the directory must come out empty. */
	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		path_of(path, sizeof(path), left[i]);
		unlink(path);
	}
	if (rmdir(dir) < 0)
		return 1;
	return failed != 0;
}
