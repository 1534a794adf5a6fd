/* unit.secret: secrets from files only their owner may read, and from
 * systemd's credentials. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

static char dir[256];

/* dir/name holding data[0..len), mode `mode`; its path in path. */
static void put(const char *name, const void *data, size_t len, mode_t mode, char *path,
                size_t cap)
{
	FILE *fp;

	snprintf(path, cap, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
	fclose(fp);
	CU_ASSERT_EQUAL_FATAL(chmod(path, mode), 0);
}

/* secret_read of spec: its result, the secret in got (cap bytes), the
 * error in why. */
static int read_secret(const char *spec, char *got, size_t cap, char *why, size_t whycap)
{
	struct strbuf out, err;
	int rc;

	strbuf_init(&out, SECRET_MAX);
	strbuf_init(&err, 4096);
	rc = secret_read(spec, &out, &err);
	snprintf(got, cap, "%s", rc == 0 ? out.data : "");
	snprintf(why, whycap, "%s", err.data != NULL ? err.data : "");
	secret_wipe(&out);
	strbuf_release(&err);
	return rc;
}

/* Remove dir and the files the tests put there. */
static void cleanup(void)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i",
		                             "j", "k", "l", "m", "n", "kafka-password" };
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-secret-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void test_files(void)
{
	char path[512], got[SECRET_MAX + 8], why[4096], big[SECRET_MAX + 2];

	setup();
	put("a", "hunter2\n", 8, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(got, "hunter2");
	/* Only one line break goes, with its CR; blanks are the secret's. */
	put("b", " pass word \r\n", 13, 0400, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(got, " pass word ");
	put("c", "nonewline", 9, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(got, "nonewline");

	/* Others may read or write it: refused, the mode said, the secret not. */
	put("d", "hunter2\n", 8, 0640, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "0640"));
	CU_ASSERT_PTR_NULL(strstr(why, "hunter2"));
	put("e", "hunter2\n", 8, 0602, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	put("f", "hunter2\n", 8, 0620, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);

	/* Empty, a line break alone, a NUL or a line break inside. */
	put("g", "", 0, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "empty"));
	put("h", "\n", 1, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	put("i", "ab\0cd", 5, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	put("j", "alpha\nbeta\n", 11, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_PTR_NULL(strstr(why, "alpha"));

	/* SECRET_MAX bytes and a line break are read; one more byte is not. */
	memset(big, 'x', sizeof(big));
	big[SECRET_MAX] = '\n';
	put("k", big, SECRET_MAX + 1, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(strlen(got), SECRET_MAX);
	put("l", big, SECRET_MAX + 1 - 1, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), 0);
	big[SECRET_MAX] = 'x';
	put("m", big, SECRET_MAX + 1, 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "longer than"));
	put("n", big, sizeof(big), 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);

	/* Not a file, or not there. */
	CU_ASSERT_EQUAL(read_secret(dir, got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a regular file"));
	snprintf(path, sizeof(path), "%s/none", dir);
	CU_ASSERT_EQUAL(read_secret(path, got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file"));
	cleanup();
}

/* "credential:NAME" is $CREDENTIALS_DIRECTORY/NAME (LoadCredential=). */
static void test_credentials(void)
{
	char path[512], got[64], why[4096];

	setup();
	put("kafka-password", "s3cret\n", 7, 0400, path, sizeof(path));
	unsetenv("CREDENTIALS_DIRECTORY");
	CU_ASSERT_EQUAL(read_secret("credential:kafka-password", got, sizeof(got), why, sizeof(why)),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "LoadCredential=kafka-password:"));
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	CU_ASSERT_EQUAL(read_secret("credential:kafka-password", got, sizeof(got), why, sizeof(why)),
	                0);
	CU_ASSERT_STRING_EQUAL(got, "s3cret");
	CU_ASSERT_EQUAL(read_secret("credential:../etc/passwd", got, sizeof(got), why, sizeof(why)),
	                -1);
	CU_ASSERT_EQUAL(read_secret("credential:", got, sizeof(got), why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(read_secret("credential:none", got, sizeof(got), why, sizeof(why)), -1);
	unsetenv("CREDENTIALS_DIRECTORY");
	cleanup();
}

int main(void)
{
	CU_pSuite s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("secret", NULL, NULL);
	CU_add_test(s, "secrets from files", test_files);
	CU_add_test(s, "systemd credentials", test_credentials);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
