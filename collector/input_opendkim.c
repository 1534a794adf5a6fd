/*
 * input_opendkim - OpenDKIM 2.11's verification verdicts, read from syslog.
 *
 * opendkim/opendkim.c logs with the MTA's job ID (Postfix's queue ID) first:
 *
 *   "%s: DKIM verification successful"   mlfi_eom(), SyslogSuccess    -> pass
 *   "%s: bad signature data"             dkimf_libstatus(), BADSIG     -> fail
 *   "%s: no signature data"              dkimf_libstatus(), NOSIG      -> none
 *   "%s: signature=%s domain=%s selector=%s result=\"%s\"[; ...]"
 *                                        mlfi_eom(), LogResults: one
 *                                        entry per signature, joined by "; "
 *
 * In the LogResults form "result" is libopendkim's signature error string
 * (dkim-tables.c, sigerrors[]). It is mapped to the result OpenDKIM's own
 * Authentication-Results field would show, and the signatures of one line
 * are merged by the outcome rule (a message passes if any signature does):
 *
 *   "no signature error"             pass
 *   "signature verification failed"  fail
 *   "key DNS query failed"           temperror  (DNS trouble, try again)
 *   any other sigerrors[] string     permerror  (bad tag syntax, no key in
 *                                               DNS, bad key, expired ...)
 *   a string not in sigerrors[]      not counted (a newer OpenDKIM's; we do
 *                                               not guess)
 *
 * A known limit of the source: the error string says nothing about the body
 * hash, so a signature whose header part verifies but whose body hash does
 * not match is logged "no signature error" and counted as pass here.
 * Signing lines ("DKIM-Signature field added"), "message has signatures
 * from ...", SSL error details and start-up messages are IN_OTHER.
 *
 * Domain and selector come from the message (its DKIM-Signature), but DKIM
 * tag values cannot hold a blank, so each " name=" of the LogResults form
 * is found at its place and cannot be forged by them.
 */
#include "input.h"

#include <string.h>

#include "authres.h"
#include "strutil.h"

/* libopendkim's sigerrors[] strings other than the three mapped apart. */
static const char *const sigerrors_permanent[] = {
	"unsupported signature version",
	"invalid domain coverage",
	"signature expired",
	"signature timestamp in the future",
	"signature timestamp order error",
	"canonicalization missing",
	"invalid header canonicalization",
	"invalid body canonicalization",
	"signature algorithm missing",
	"signature algorithm invalid",
	"header list missing",
	"body length value invalid",
	"query method invalid",
	"query option invalid",
	"domain tag missing",
	"domain tag empty",
	"selector tag missing",
	"selector tag empty",
	"signature data missing",
	"signature data empty",
	"signature data corrupt",
	"key not found in DNS",
	"key DNS reply corrupt",
	"body hash missing",
	"body hash empty",
	"body hash corrupt",
	"unauthorized subdomain",
	"multiple keys found",
	"header list tag empty",
	"header list missing required entries",
	"length tag value exceeds body size",
	"unprotected header field",
	"unknown key version",
	"unknown key hash",
	"signature-key hash mismatch",
	"not an e-mail key",
	"key granularity mismatch",
	"key type missing",
	"unknown key type",
	"key revoked",
	"unable to apply public key",
};

/* 0 and *r, or -1 for a string we do not know. */
static int sigerror_result(const char *p, size_t len, enum ar_result *r)
{
	size_t i;

	if (str_eq(p, len, "no signature error")) {
		*r = AR_PASS;
		return 0;
	}
	if (str_eq(p, len, "signature verification failed")) {
		*r = AR_FAIL;
		return 0;
	}
	if (str_eq(p, len, "key DNS query failed")) {
		*r = AR_TEMPERROR;
		return 0;
	}
	for (i = 0; i < sizeof(sigerrors_permanent) / sizeof(sigerrors_permanent[0]); i++) {
		if (str_eq(p, len, sigerrors_permanent[i])) {
			*r = AR_PERMERROR;
			return 0;
		}
	}
	return -1;
}

/* Length of the blank-free token at p, which must be followed by a blank. */
static size_t token_len(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != ' ')
		i++;
	return i;
}

/*
 * "signature=S domain=D selector=SEL result="ERR"" entries joined by "; ".
 * 0 with *counted signatures merged into *r (AR_ABSENT if none counted),
 * or -1 if the text breaks the form (a line cut short or not LogResults).
 */
static int parse_logresults(const char *p, size_t len, enum ar_result *r, unsigned *counted)
{
	static const char *const names[] = { "signature=", " domain=", " selector=", " result=\"" };
	struct authres_outcome acc, one;
	size_t i = 0;

	authres_outcome_init(&acc);
	*counted = 0;
	for (;;) {
		size_t k, n;
		const char *err, *q;
		enum ar_result sr;

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			n = strlen(names[k]);
			if (len - i < n || memcmp(p + i, names[k], n) != 0)
				return -1;
			i += n;
			if (k == 3)
				break;
			n = token_len(p + i, len - i);
			if (n == 0 || i + n == len)
				return -1;
			i += n;
		}
		err = p + i;
		q = memchr(err, '"', len - i);
		if (q == NULL)
			return -1;
		if (sigerror_result(err, (size_t)(q - err), &sr) == 0) {
			authres_outcome_init(&one);
			one.result[AR_DKIM] = sr;
			authres_outcome_merge(&acc, &one);
			(*counted)++;
		}
		i = (size_t)(q - p) + 1;
		if (i == len)
			break;
		if (len - i < 2 || p[i] != ';' || p[i + 1] != ' ')
			return -1;
		i += 2;
	}
	*r = acc.result[AR_DKIM];
	return 0;
}

enum input_status input_opendkim_message(const char *tag, size_t taglen, const char *p,
                                         size_t len, struct input_event *ev, const char **why)
{
	static const char *const fixed[] = { "DKIM verification successful", "bad signature data",
		                             "no signature data" };
	static const enum ar_result fixed_result[] = { AR_PASS, AR_FAIL, AR_NONE };
	size_t ql = 0, n, i;
	int job;
	const char *text;
	enum ar_result r = AR_ABSENT;
	unsigned counted;

	(void)tag;
	(void)taglen;
	job = input_milter_job(p, len, "OpenDKIM line cut short", why, &ql, &text, &n);
	if (job <= 0)
		return job < 0 ? INPUT_MALFORMED : INPUT_OK;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (str_eq(text, n, fixed[i])) {
			r = fixed_result[i];
			goto found;
		}
		if (str_is_cut_prefix(text, n, fixed[i])) {
			*why = "OpenDKIM line cut short";
			return INPUT_MALFORMED;
		}
	}
	if (n == 0 || str_is_cut_prefix(text, n, "signature=")) {
		*why = "OpenDKIM line cut short";
		return INPUT_MALFORMED;
	}
	if (n < 10 || memcmp(text, "signature=", 10) != 0)
		return INPUT_OK;
	if (parse_logresults(text, n, &r, &counted) < 0) {
		*why = "OpenDKIM LogResults line cut short or malformed";
		return INPUT_MALFORMED;
	}
	if (counted == 0)
		return INPUT_OK; /* only error strings we do not know */
found:
	ev->kind = IN_RESULT;
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	ev->method = AR_DKIM;
	ev->result = r;
	ev->dmarc_policy = POL_ABSENT;
	return INPUT_OK;
}
