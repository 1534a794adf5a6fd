/*
 * result - the vocabulary of arstat's counts: authentication results per
 * method, DMARC published policy and spam verdict, and the one table of
 * their names, which writers print and readers (domain/authres.c, plot's
 * report reader) look up. The enum orders equal the symbol orders of the
 * Avro schemas (schemas/counts-v*.avsc), so an enum value is also its Avro
 * symbol index.
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

/*
 * What the receiver did with a message (schema v2's Fate): accepted (queued
 * for delivery), rejected (refused at SMTP time, e.g. a milter's reject at
 * the end of DATA), discarded (accepted, then dropped), held (quarantined).
 * Unknown: the log does not tell; every v1 record's messages.
 */
enum ar_fate {
	FATE_UNKNOWN = 0,
	FATE_ACCEPTED,
	FATE_REJECTED,
	FATE_DISCARDED,
	FATE_HELD,
	FATE_COUNT
};

/* Lowercase names; "?" for a value out of range, never NULL. */
const char *ar_result_name(enum ar_result r);
const char *ar_method_name(enum ar_method m);
const char *ar_policy_name(enum ar_policy p);
const char *ar_spam_name(enum ar_spam s);
const char *ar_fate_name(enum ar_fate f);

/*
 * Case-insensitive look-ups of s[0..len) (need not be NUL-terminated):
 * 0 and *out, or -1 (*out untouched) for anything else. They run for every
 * result of every header, so a keyword is picked by its length and first
 * letter and then compared once.
 *
 * ar_result_parse: a result keyword as headers write it: the names above
 * but "absent" (ours, not a header's), and the aliases real systems write:
 * hardfail (RFC 5451, Japanese carriers) = fail; tempfail, timeout =
 * temperror; permfail = permerror.
 * ar_method_parse: spf, dkim, dmarc, arc.
 * ar_policy_parse: a DMARC policy word (RFC 7489 section 6.3): none,
 * quarantine, reject ("absent" is ours).
 */
int ar_result_parse(const char *s, size_t len, enum ar_result *out);
int ar_method_parse(const char *s, size_t len, enum ar_method *out);
int ar_policy_parse(const char *s, size_t len, enum ar_policy *out);

#endif
