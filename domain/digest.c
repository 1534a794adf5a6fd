#include "digest.h"

#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "log.h"
#include "mem.h"

struct digest {
	EVP_MD_CTX *ctx;
};

/* libcrypto's reason for the last failure, and the end of the program. */
static void digest_fail(const char *what) __attribute__((noreturn));
static void digest_fail(const char *what)
{
	char reason[256];

	ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
	msg_fatal("libcrypto cannot compute %s (%s); check OPENSSL_CONF and the providers it loads",
	          what, reason);
}

void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != DIGEST_SHA256_LEN)
		digest_fail("SHA-256");
}

void digest_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                        unsigned char out[DIGEST_SHA256_LEN])
{
	size_t n = 0;

	/* EVP_Q_mac takes the key length as a size_t (HMAC() wants an int). */
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, msg, msglen, out,
	              DIGEST_SHA256_LEN, &n) == NULL ||
	    n != DIGEST_SHA256_LEN)
		digest_fail("HMAC-SHA-256");
}

struct digest *digest_new(void)
{
	struct digest *d = xcalloc(1, sizeof(*d));

	d->ctx = EVP_MD_CTX_new();
	if (d->ctx == NULL || EVP_DigestInit_ex2(d->ctx, EVP_sha256(), NULL) != 1)
		digest_fail("SHA-256");
	return d;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	if (EVP_DigestUpdate(d->ctx, data, len) != 1)
		digest_fail("SHA-256");
}

void digest_final(struct digest *d, unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1 || n != DIGEST_SHA256_LEN)
		digest_fail("SHA-256");
}

void digest_reset(struct digest *d)
{
	/* NULL: the digest the context was set up with. */
	if (EVP_DigestInit_ex2(d->ctx, NULL, NULL) != 1)
		digest_fail("SHA-256");
}

void digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}
