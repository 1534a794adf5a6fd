/*
 * authres - reading Authentication-Results header values (RFC 8601) into one
 * outcome per method, with the trust rule of RFC 8601 section 5: only headers
 * whose authserv-id is in the configured set count.
 *
 * This is the walking skeleton's reader: it handles comments (nested and
 * escaped), quoted strings, method versions, "none", upper case and
 * "hardfail", and reports what it cannot read instead of guessing. The full
 * RFC 8601 parser (properties, reasons, vendor variants) replaces the
 * internals behind this same interface.
 */
#ifndef ARSTAT_AUTHRES_H
#define ARSTAT_AUTHRES_H

#include <stddef.h>

#include "result.h"

struct authres_trust {
	const char *const *ids; /* authserv-ids, compared case-insensitively */
	size_t n;
};

struct authres_outcome {
	enum ar_result result[AR_METHOD_COUNT]; /* AR_ABSENT where no result */
	enum ar_policy dmarc_policy;            /* POL_ABSENT where not given */
};

enum authres_status {
	AUTHRES_OK = 0,
	AUTHRES_UNTRUSTED, /* well-formed enough to read the authserv-id, not ours */
	AUTHRES_MALFORMED, /* cannot be read; nothing from it counts */
};

/* All methods absent, no policy. */
void authres_outcome_init(struct authres_outcome *o);

/*
 * Read the header value v[0..len). If `truncated` is set, the value was cut
 * short by the logger, so its last result is dropped rather than misread.
 * Only on AUTHRES_OK is *out filled (all results of the header, merged by the
 * outcome rule).
 */
enum authres_status authres_parse(const char *v, size_t len, int truncated,
                                  const struct authres_trust *trust, struct authres_outcome *out);

/*
 * The per-method outcome rule, applied in this one place: a message may carry
 * several results for a method (two DKIM signatures, two tiers). The outcome
 * is the most significant one: pass > fail > softfail > neutral > policy >
 * permerror > temperror > none > absent. So DKIM passes if any signature
 * passes, and otherwise shows its most significant failure. The DMARC policy
 * is the strongest one seen (reject > quarantine > none).
 */
void authres_outcome_merge(struct authres_outcome *acc, const struct authres_outcome *in);

#endif
