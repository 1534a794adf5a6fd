/*
 * unit.digest - SHA-256 against the FIPS 180-2 examples and HMAC-SHA-256
 * against RFC 4231 test cases 1-4, 6 and 7 (case 5 is a truncated output,
 * which digest_hmac_sha256 does not offer); then every message length around
 * the padding and every key length around the block against digests pinned
 * with the hand-written SHA-256 that libcrypto replaced (and checked with
 * Python's hashlib), since the collector's saved fingerprints and its
 * pseudonym depend on them.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "strutil.h"

static void check_digest(const unsigned char d[DIGEST_SHA256_LEN], const char *want_hex)
{
	char hex[2 * DIGEST_SHA256_LEN + 1];

	str_hex(d, DIGEST_SHA256_LEN, hex);
	CU_ASSERT_STRING_EQUAL(hex, want_hex);
}

static void check_sha(const void *msg, size_t len, const char *want_hex)
{
	unsigned char d[DIGEST_SHA256_LEN];
	struct digest *c;
	const unsigned char *p = msg;
	size_t i;

	digest_sha256(msg, len, d);
	check_digest(d, want_hex);
	/* Fed one byte at a time, the digest must be the same. */
	c = digest_new();
	for (i = 0; i < len; i++)
		digest_update(c, p + i, 1);
	digest_final(c, d);
	check_digest(d, want_hex);
	/* Reset, after a final or with something added, it starts afresh. */
	digest_reset(c);
	digest_update(c, p, len);
	digest_final(c, d);
	check_digest(d, want_hex);
	digest_reset(c);
	digest_update(c, "x", 1);
	digest_reset(c);
	digest_update(c, p, len);
	digest_final(c, d);
	digest_free(c);
	check_digest(d, want_hex);
}

static void test_fips(void)
{
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* The 896-bit message of FIPS 180-2 appendix C (SHA-512's second example). */
	check_sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	          112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void)
{
	static const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	size_t n = 1000000;
	unsigned char *a = malloc(n), d[DIGEST_SHA256_LEN];
	struct digest *c;
	size_t i, step;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	memset(a, 'a', n);
	digest_sha256(a, n, d);
	check_digest(d, want);
	/* In uneven pieces that straddle block boundaries. */
	c = digest_new();
	for (i = 0, step = 1; i < n; i += step, step = step % 151 + 1)
		digest_update(c, a + i, step < n - i ? step : n - i);
	digest_final(c, d);
	digest_free(c);
	check_digest(d, want);
	free(a);
}

/*
 * Every message length from 0 to 200 through one-shot and two-part updates
 * agrees; and the SHA-256 of the 201 digests, one after the other, is the one
 * the hand-written code gave.
 */
static void test_padding_lengths(void)
{
	unsigned char msg[200], all[201 * DIGEST_SHA256_LEN], d[DIGEST_SHA256_LEN];
	unsigned char d2[DIGEST_SHA256_LEN];
	size_t len, cut;

	for (len = 0; len < sizeof(msg); len++)
		msg[len] = (unsigned char)(len * 7 + 1);
	for (len = 0; len <= sizeof(msg); len++) {
		digest_sha256(msg, len, all + len * DIGEST_SHA256_LEN);
		for (cut = 0; cut <= len; cut += 13) {
			struct digest *c = digest_new();

			digest_update(c, msg, cut);
			digest_update(c, msg + cut, len - cut);
			digest_final(c, d2);
			digest_free(c);
			CU_ASSERT_EQUAL(memcmp(all + len * DIGEST_SHA256_LEN, d2, sizeof(d2)), 0);
		}
	}
	digest_sha256(all, sizeof(all), d);
	check_digest(d, "a762260eaf7d0bf0f3e5c702dd2bc7de18bb629df9cad5b668d384084812f4f8");
	/* The length 55/56/64 boundaries against known digests of runs of 'a'. */
	memset(msg, 'a', sizeof(msg));
	digest_sha256(msg, 55, d);
	check_digest(d, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	digest_sha256(msg, 56, d);
	check_digest(d, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	digest_sha256(msg, 64, d);
	check_digest(d, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

static void check_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
                       const char *want_hex)
{
	unsigned char d[DIGEST_SHA256_LEN];

	digest_hmac_sha256(key, klen, msg, mlen, d);
	check_digest(d, want_hex);
}

static void test_hmac_rfc4231(void)
{
	unsigned char key[131], data[50];

	/* Test case 1 */
	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There", 8,
	           "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* Test case 2 */
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* Test case 3 */
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	check_hmac(key, 20, data, 50,
	           "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	/* Test case 4 */
	{
		size_t i;

		for (i = 0; i < 25; i++)
			key[i] = (unsigned char)(i + 1);
		memset(data, 0xcd, 50);
		check_hmac(key, 25, data, 50,
		           "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	}
	/* Test case 6: a key longer than the block is hashed first. */
	memset(key, 0xaa, 131);
	check_hmac(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	           "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	/* Test case 7 */
	{
		static const char m7[] =
			"This is a test using a larger than block-size key and a larger than "
			"block-size data. The key needs to be hashed before being used by the "
			"HMAC algorithm.";

		check_hmac(key, 131, m7, sizeof(m7) - 1,
		           "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	}
}

static void test_hmac_key_edges(void)
{
	unsigned char key[65], d1[DIGEST_SHA256_LEN], d2[DIGEST_SHA256_LEN];

	/* An empty key and message (well-known value). */
	check_hmac("", 0, "", 0, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	/* A key of exactly one block is used as is; 65 bytes is hashed, so it differs
	 * from the same key cut to 64. */
	memset(key, 0x42, sizeof(key));
	digest_hmac_sha256(key, 64, "m", 1, d1);
	digest_hmac_sha256(key, 65, "m", 1, d2);
	CU_ASSERT_NOT_EQUAL(memcmp(d1, d2, sizeof(d1)), 0);
	/* A key padded with zeros to the block is the same key (RFC 2104). */
	memset(key + 10, 0, 54);
	digest_hmac_sha256(key, 10, "m", 1, d1);
	digest_hmac_sha256(key, 64, "m", 1, d2);
	CU_ASSERT_EQUAL(memcmp(d1, d2, sizeof(d1)), 0);
}

/*
 * Every key length from 0 to 131 (empty, shorter than the 64-byte block, one
 * block, hashed first): the SHA-256 of the 132 MACs is the one the
 * hand-written code gave.
 */
static void test_hmac_key_lengths(void)
{
	unsigned char key[131], msg[100], all[132 * DIGEST_SHA256_LEN], d[DIGEST_SHA256_LEN];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 13 + 5);
	for (i = 0; i <= sizeof(key); i++)
		digest_hmac_sha256(key, i, msg, sizeof(msg), all + i * DIGEST_SHA256_LEN);
	digest_sha256(all, sizeof(all), d);
	check_digest(d, "53405bd58b24489bfb5fcd9f5e1319fe975d466e63b50fa674313a6c29ee8e3a");
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("digest", NULL, NULL);
	if (s == NULL || CU_add_test(s, "FIPS 180-2 examples", test_fips) == NULL ||
	    CU_add_test(s, "one million 'a'", test_million_a) == NULL ||
	    CU_add_test(s, "padding at every length", test_padding_lengths) == NULL ||
	    CU_add_test(s, "HMAC RFC 4231 cases 1-4, 6, 7", test_hmac_rfc4231) == NULL ||
	    CU_add_test(s, "HMAC key edges", test_hmac_key_edges) == NULL ||
	    CU_add_test(s, "HMAC at every key length", test_hmac_key_lengths) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
