/* unit.state: the collector's state directory. */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static char dir[256];

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-state-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void remove_dir(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/identity", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sequence", dir);
	unlink(path);
	rmdir(dir);
}

static void test_create_and_reopen(void)
{
	struct strbuf err;
	struct state *a, *b, *c;
	char pseud[65];
	int64_t epoch;

	strbuf_init(&err, 1024);
	make_dir();
	a = state_open(dir, NULL, "mx1.example.jp", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	epoch = state_epoch(a);
	CU_ASSERT(epoch > 0);
	CU_ASSERT_EQUAL(state_next_seq(a), 1);
	CU_ASSERT_EQUAL(strlen(state_pseudonym(a)), 32);
	CU_ASSERT_PTR_NULL(strstr(state_pseudonym(a), "mx1"));
	snprintf(pseud, sizeof(pseud), "%s", state_pseudonym(a));
	CU_ASSERT_EQUAL(state_save_seq(a, 42, &err), 0);
	state_free(a);

	b = state_open(dir, NULL, "mx1.example.jp", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(state_epoch(b), epoch);
	CU_ASSERT_STRING_EQUAL(state_pseudonym(b), pseud);
	CU_ASSERT_EQUAL(state_next_seq(b), 42);
	state_free(b);

	/* Another host name under the same secret is another pseudonym. */
	c = state_open(dir, NULL, "mx2.example.jp", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_NOT_EQUAL(state_pseudonym(c), pseud);
	state_free(c);
	remove_dir();
	strbuf_release(&err);
}

static void test_configured_secret(void)
{
	struct strbuf err;
	struct state *a;

	strbuf_init(&err, 1024);
	make_dir();
	/* HMAC-SHA-256(key = 0x0b x 20, "Hi There") starts b0344c61d8db38535ca8afceaf0bf12b (RFC 4231 case 1). */
	a = state_open(dir, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(state_pseudonym(a), "b0344c61d8db38535ca8afceaf0bf12b");
	state_free(a);
	CU_ASSERT_PTR_NULL(state_open(dir, "0b0b", "h", &err)); /* too short */
	CU_ASSERT_PTR_NULL(state_open(dir, "zz0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "h", &err));
	remove_dir();
	strbuf_release(&err);
}

/*
 * Pseudonyms pinned with the hand-written SHA-256 that libcrypto replaced:
 * a collector keeps its pseudonym across the upgrade, from a configured
 * secret and from the secret in its identity file alike.
 */
static void test_golden_pseudonym(void)
{
	struct strbuf err;
	struct state *a;
	char path[512];
	FILE *fp;

	strbuf_init(&err, 1024);
	make_dir();
	a = state_open(dir, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	               "mx1.carrier-a.example.jp", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(state_pseudonym(a), "8e555636bcbc09b650c1055e6616131d");
	state_free(a);
	remove_dir();

	make_dir();
	snprintf(path, sizeof(path), "%s/identity", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("epoch=4715634536866908743\n"
	      "secret=5954979030684f1ebd11928a5d23176378b3872adb74a27c017a23202790aad0\n", fp);
	fclose(fp);
	a = state_open(dir, NULL, "mx1.carrier-a.example.jp", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(state_epoch(a), INT64_C(4715634536866908743));
	CU_ASSERT_STRING_EQUAL(state_pseudonym(a), "5d6e5a62de7197981ef05fd2299f8571");
	state_free(a);
	remove_dir();
	strbuf_release(&err);
}

static void test_corrupt_and_unwritable(void)
{
	struct strbuf err;
	char path[512];
	FILE *fp;

	strbuf_init(&err, 1024);
	make_dir();
	snprintf(path, sizeof(path), "%s/identity", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("epoch=abc\nsecret=00\n", fp);
	fclose(fp);
	CU_ASSERT_PTR_NULL(state_open(dir, NULL, "h", &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "corrupt"));
	remove_dir();

	/* A state directory that cannot be created is an error with its path. */
	strbuf_reset(&err);
	CU_ASSERT_PTR_NULL(state_open("/proc/arstat-cannot-exist/state", NULL, "h", &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "/proc/arstat-cannot-exist/state"));
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("state", NULL, NULL);
	CU_add_test(s, "create and reopen", test_create_and_reopen);
	CU_add_test(s, "configured secret", test_configured_secret);
	CU_add_test(s, "corrupt and unwritable", test_corrupt_and_unwritable);
	CU_add_test(s, "golden pseudonym", test_golden_pseudonym);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
