/*
 * result - the vocabulary of arstat's counts: authentication results per
 * method, DMARC published policy and spam verdict. The enum orders equal the
 * symbol orders of the Avro schema (schemas/counts-v1.avsc), so an enum value
 * is also its Avro symbol index.
 */
#ifndef ARSTAT_RESULT_H
#define ARSTAT_RESULT_H

#include <stddef.h>

enum ar_result {
	AR_NONE = 0,
	AR_PASS,
	AR_FAIL,
	AR_SOFTFAIL,
	AR_NEUTRAL,
	AR_TEMPERROR,
	AR_PERMERROR,
	AR_POLICY,
	AR_ABSENT, /* method not evaluated (no trusted result for it) */
	AR_RESULT_COUNT
};

enum ar_method { AR_SPF = 0, AR_DKIM, AR_DMARC, AR_ARC, AR_METHOD_COUNT };

enum ar_policy { POL_ABSENT = 0, POL_NONE, POL_QUARANTINE, POL_REJECT, POL_COUNT };

enum ar_spam { SPAM_UNKNOWN = 0, SPAM_HAM, SPAM_SPAM, SPAM_COUNT };

/* Lowercase names; never NULL for a value in range. */
const char *ar_result_name(enum ar_result r);
const char *ar_method_name(enum ar_method m);
const char *ar_policy_name(enum ar_policy p);
const char *ar_spam_name(enum ar_spam s);

/* Case-insensitive look-ups of s[0..len); 0 and *out, or -1 if unknown.
 * ar_result_parse also accepts "hardfail" (Japanese carriers) as fail. */
int ar_result_parse(const char *s, size_t len, enum ar_result *out);
int ar_method_parse(const char *s, size_t len, enum ar_method *out);
int ar_policy_parse(const char *s, size_t len, enum ar_policy *out);

#endif
