/*
 * digest - SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), computed by
 * OpenSSL's libcrypto so that no one has to audit hand-written
 * cryptography. The collector uses them for its pseudonym (a keyed hash of
 * the host name, so the aggregator can tell collectors apart without
 * learning which host is which) and for the fingerprints that find a log
 * file again after rotation; the aggregator for the identity of a container
 * file. All of these are saved: the digests must never change
 * (tests/golden/state-upgrade).
 *
 * None of these functions fails: libcrypto fails only when it cannot
 * allocate or its configuration (OPENSSL_CONF) offers no SHA-256, and then
 * the program ends with msg_fatal.
 */
#ifndef ARSTAT_DIGEST_H
#define ARSTAT_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* SHA-256 of the len bytes at data, into out. */
void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);

/*
 * HMAC-SHA-256 of the msglen bytes at msg under the keylen bytes at key
 * (any length; longer than a block it is hashed first, RFC 2104), into out.
 */
void digest_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                        unsigned char out[DIGEST_SHA256_LEN]);

/* A SHA-256 of data that comes in pieces (opaque). */
struct digest;

/* A new SHA-256 of nothing yet; the caller frees it with digest_free. */
struct digest *digest_new(void);
/* Add the len bytes at data to the message. */
void digest_update(struct digest *d, const void *data, size_t len);
/* The SHA-256 of all the pieces, into out; d can then only be reset or
 * freed. */
void digest_final(struct digest *d, unsigned char out[DIGEST_SHA256_LEN]);
/* Start d again on a new message, dropping what was added: one context
 * serves many short messages without an allocation each. */
void digest_reset(struct digest *d);
/* Free d; digest_free(NULL) does nothing. */
void digest_free(struct digest *d);

#endif
