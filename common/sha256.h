/*
 * sha256 - SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), used for the
 * collector pseudonym: a keyed hash of the host name, so the aggregator can
 * tell collectors apart without learning which host is which.
 */
#ifndef ARSTAT_SHA256_H
#define ARSTAT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256_ctx {
	uint32_t h[8];
	uint64_t nbytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_LEN]);
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]);
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                 unsigned char out[SHA256_DIGEST_LEN]);

#endif
