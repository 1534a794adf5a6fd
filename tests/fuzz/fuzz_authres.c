/*
 * fuzz_authres: libFuzzer target for domain/authres. The first input byte
 * chooses the AUTHRES_F_* flags, the rest is the header value. Besides
 * memory errors (ASan/UBSan) it checks what the parser promises:
 *   - every span it returns lies inside the input;
 *   - authres_parse_ex() and authres_header_parse() agree on whether the
 *     value is well-formed (except for a header with more results than the
 *     fixed-capacity struct holds), and on the merged outcome;
 *   - a value that parses without AUTHRES_F_TRUNCATED keeps all but at most
 *     its last result when parsed with it (a cut drops one result, never more).
 * Built by tests/fuzz/CMakeLists.txt with clang (-DARSTAT_FUZZ=ON); the same
 * file is linked with replay.c for the corpus replay test under any compiler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "fuzz_util.h"

static struct authres_header h, h2;

static void check_span(const struct authres_span *s, const char *v, size_t len)
{
	if (s->len == 0)
		return;
	if (s->p < v || s->p + s->len > v + len)
		abort();
}

static void check_header(const struct authres_header *hd, const char *v, size_t len)
{
	size_t i;

	check_span(&hd->authserv_id, v, len);
	check_span(&hd->version, v, len);
	check_span(&hd->instance, v, len);
	check_span(&hd->cut, v, len);
	if (hd->nresults > AUTHRES_MAX_RESULTS || hd->nprops > AUTHRES_MAX_PROPS)
		abort();
	for (i = 0; i < hd->nresults; i++) {
		const struct authres_resinfo *r = &hd->results[i];

		check_span(&r->method, v, len);
		check_span(&r->method_version, v, len);
		check_span(&r->result, v, len);
		check_span(&r->reason, v, len);
		if (r->method.len == 0 || r->result.len == 0)
			abort();
		if (r->prop_first + r->nprops > hd->nprops)
			abort();
	}
	for (i = 0; i < hd->nprops; i++) {
		check_span(&hd->props[i].ptype, v, len);
		check_span(&hd->props[i].property, v, len);
		check_span(&hd->props[i].value, v, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "mx.example.jp", "example.com" };
	static const char *const names[] = { "X-*-Authentication-Results" };
	const struct authres_trust trust = { ids, 2 };
	struct authres_outcome o1, o2;
	struct authres_received_spf rs;
	enum authres_error err;
	unsigned flags;
	const char *v;
	size_t len;
	char *copy;
	enum authres_status st;
	int rc;

	if (size == 0)
		return 0;
	flags = data[0] & 0x0fu;
	len = size - 1;
	/* A copy of exactly len bytes, so ASan sees any read past the end. */
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, len);
	v = copy;

	rc = authres_header_parse(v, len, flags, &h);
	if (rc == 0) {
		check_header(&h, v, len);
		authres_header_outcome(&h, &o1);
	} else if (h.error == AUTHRES_E_NONE || h.error >= AUTHRES_E_COUNT || h.error_offset > len) {
		abort();
	}
	st = authres_parse_ex(v, len, flags, NULL, &o2);
	if (rc == 0 && st != AUTHRES_OK)
		abort();
	if (rc < 0 && h.error != AUTHRES_E_CAPACITY && st != AUTHRES_MALFORMED)
		abort();
	if (rc == 0 && memcmp(o1.result, o2.result, sizeof(o1.result)) != 0)
		abort();
	if (rc == 0 && (o1.dmarc_policy != o2.dmarc_policy || o1.truncated != o2.truncated))
		abort();
	(void)authres_parse_ex(v, len, flags, &trust, &o2);

	if (rc == 0 && !(flags & AUTHRES_F_TRUNCATED)) {
		if (authres_header_parse(v, len, flags | AUTHRES_F_TRUNCATED, &h2) == 0) {
			check_header(&h2, v, len);
			if (h2.nresults + 1 < h.nresults)
				abort();
		} else if (h2.error != AUTHRES_E_TRUNCATED && h2.error != AUTHRES_E_CAPACITY) {
			abort();
		}
	}

	if (authres_received_spf_parse(v, len, flags, &rs, &err) == 0) {
		check_span(&rs.result, v, len);
		check_span(&rs.receiver, v, len);
		check_span(&rs.identity, v, len);
		check_span(&rs.client_ip, v, len);
		check_span(&rs.envelope_from, v, len);
		check_span(&rs.helo, v, len);
	}
	(void)authres_received_spf_outcome(v, len, flags, &trust, &o1);
	(void)authres_header_kind(v, len, names, 1);
	free(copy);
	return 0;
}
