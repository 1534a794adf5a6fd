/*
 * input_opendmarc - OpenDMARC 1.4's verdict lines, read from syslog.
 *
 * mlfi_eom() in opendmarc/opendmarc.c logs, with the MTA's job ID (Postfix's
 * queue ID, milter macro {i}) first:
 *
 *   "%s: %s %s"            jobid, From: domain, DMARC result
 *                          result: none (no record), pass, fail, temperror
 *   "%s: SPF(%s): %s %s"   jobid, "mailfrom" or "helo", domain, SPF result
 *                          (SPFSelfValidate only) result: pass, none,
 *                          tempfail, fail, permerror
 *
 * The published policy (p=) is not in these lines, only in the header that
 * OpenDMARC adds (which header_checks cannot see: they run before milters),
 * so a DMARC result read here carries POL_ABSENT. Every other line of
 * OpenDMARC ("ignoring mail from ...", "RFC5322 requirement error: ...",
 * start-up and error messages) is IN_OTHER.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

/* The result words of the two forms, in the counts' vocabulary. */
static int dmarc_result(const char *p, size_t len, enum ar_result *r)
{
	if (str_eq(p, len, "pass"))
		*r = AR_PASS;
	else if (str_eq(p, len, "fail"))
		*r = AR_FAIL;
	else if (str_eq(p, len, "none"))
		*r = AR_NONE;
	else if (str_eq(p, len, "temperror"))
		*r = AR_TEMPERROR;
	else if (str_eq(p, len, "permerror"))
		*r = AR_PERMERROR;
	else
		return -1;
	return 0;
}

static int spf_result(const char *p, size_t len, enum ar_result *r)
{
	/* OpenDMARC's own name for a DNS failure during its SPF check. */
	if (str_eq(p, len, "tempfail")) {
		*r = AR_TEMPERROR;
		return 0;
	}
	return dmarc_result(p, len, r);
}

static int any_result_prefix(const char *p, size_t len)
{
	static const char *const words[] = { "pass", "fail", "none", "temperror", "permerror",
		                             "tempfail" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (str_is_cut_prefix(p, len, words[i]))
			return 1;
	}
	return 0;
}

/* A From: or MAIL FROM domain as OpenDMARC prints it; empty is possible
 * (a From: without a domain part reaches the "none" branch). */
static int is_domain(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || (unsigned char)c >= 0x80))
			return 0;
	}
	return 1;
}

enum input_status input_opendmarc_message(const char *tag, size_t taglen, const char *p,
                                          size_t len, struct input_event *ev, const char **why)
{
	static const char spf_mailfrom[] = "SPF(mailfrom): ";
	static const char spf_helo[] = "SPF(helo): ";
	size_t ql = 0, sp, n;
	int job;
	const char *text;
	int is_spf = 0;
	enum ar_result r;

	(void)tag;
	(void)taglen;
	job = input_milter_job(p, len, "OpenDMARC line cut short", why, &ql, &text, &n);
	if (job <= 0)
		return job < 0 ? INPUT_MALFORMED : INPUT_OK;
	if (n >= sizeof(spf_mailfrom) - 1 &&
	    memcmp(text, spf_mailfrom, sizeof(spf_mailfrom) - 1) == 0) {
		is_spf = 1;
		text += sizeof(spf_mailfrom) - 1;
		n -= sizeof(spf_mailfrom) - 1;
	} else if (n >= sizeof(spf_helo) - 1 && memcmp(text, spf_helo, sizeof(spf_helo) - 1) == 0) {
		is_spf = 1;
		text += sizeof(spf_helo) - 1;
		n -= sizeof(spf_helo) - 1;
	} else if (str_is_cut_prefix(text, n, spf_mailfrom) || str_is_cut_prefix(text, n, spf_helo)) {
		*why = "OpenDMARC line cut short";
		return INPUT_MALFORMED;
	}
	/* Exactly "DOMAIN RESULT": the domain has no blank, so the last blank
	 * separates them; any other number of words is another message. */
	{
		const char *blank = NULL;
		size_t i, blanks = 0;

		for (i = 0; i < n; i++) {
			if (text[i] == ' ') {
				blanks++;
				blank = text + i;
			}
		}
		if (blanks == 0) {
			if (is_spf || is_domain(text, n)) {
				*why = "OpenDMARC line cut short";
				return INPUT_MALFORMED;
			}
			return INPUT_OK;
		}
		if (blanks > 1)
			return INPUT_OK;
		sp = (size_t)(blank - text);
	}
	if (!is_domain(text, sp))
		return INPUT_OK;
	if ((is_spf ? spf_result : dmarc_result)(text + sp + 1, n - sp - 1, &r) < 0) {
		if (n - sp - 1 == 0 || any_result_prefix(text + sp + 1, n - sp - 1)) {
			*why = "OpenDMARC line cut short";
			return INPUT_MALFORMED;
		}
		/* "QID: two words" is some other message; after "SPF(...): "
		 * only a result can come. */
		if (is_spf) {
			*why = "OpenDMARC SPF line with an unknown result";
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	ev->kind = IN_RESULT;
	ev->queue_id.p = p;
	ev->queue_id.len = ql;
	ev->method = is_spf ? AR_SPF : AR_DMARC;
	ev->result = r;
	ev->dmarc_policy = POL_ABSENT;
	return INPUT_OK;
}
