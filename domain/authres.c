#include "authres.h"

#include <string.h>

#include "strutil.h"

/* Rank of each result under the outcome rule; higher wins. */
static const int result_rank[AR_RESULT_COUNT] = {
	[AR_NONE] = 1,      [AR_PASS] = 8,      [AR_FAIL] = 7,      [AR_SOFTFAIL] = 6,
	[AR_NEUTRAL] = 5,   [AR_TEMPERROR] = 2, [AR_PERMERROR] = 3, [AR_POLICY] = 4,
	[AR_ABSENT] = 0,
};

/* Strongest policy wins: the enum is already ordered absent < none < quarantine < reject. */

void authres_outcome_init(struct authres_outcome *o)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		o->result[m] = AR_ABSENT;
	o->dmarc_policy = POL_ABSENT;
}

void authres_outcome_merge(struct authres_outcome *acc, const struct authres_outcome *in)
{
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if (result_rank[in->result[m]] > result_rank[acc->result[m]])
			acc->result[m] = in->result[m];
	}
	if (in->dmarc_policy > acc->dmarc_policy)
		acc->dmarc_policy = in->dmarc_policy;
}

struct scan {
	const char *s;
	size_t len;
	size_t pos;
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* Skip a comment starting at '(' (nesting and backslash escapes). -1 if unterminated. */
static int skip_comment(struct scan *sc)
{
	int depth = 0;

	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos++];

		if (c == '\\') {
			if (sc->pos >= sc->len)
				return -1;
			sc->pos++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				return 0;
		}
	}
	return -1;
}

/* Skip a quoted string starting at '"'. -1 if unterminated. */
static int skip_quoted(struct scan *sc)
{
	sc->pos++;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos++];

		if (c == '\\') {
			if (sc->pos >= sc->len)
				return -1;
			sc->pos++;
		} else if (c == '"') {
			return 0;
		}
	}
	return -1;
}

/* Skip white space and comments. -1 on an unterminated comment. */
static int skip_cfws(struct scan *sc)
{
	while (sc->pos < sc->len) {
		if (is_wsp(sc->s[sc->pos]))
			sc->pos++;
		else if (sc->s[sc->pos] == '(') {
			if (skip_comment(sc) < 0)
				return -1;
		} else
			break;
	}
	return 0;
}

static size_t read_token(struct scan *sc)
{
	size_t start = sc->pos;

	while (sc->pos < sc->len && is_token_char(sc->s[sc->pos]))
		sc->pos++;
	return sc->pos - start;
}

/*
 * Find the end of the resinfo starting at sc->pos: the next ';' outside
 * comments and quoted strings, or the end. -1 if a comment or string is
 * unterminated.
 */
static int find_resinfo_end(const struct scan *sc, size_t *end)
{
	struct scan t = *sc;

	while (t.pos < t.len && t.s[t.pos] != ';') {
		if (t.s[t.pos] == '(') {
			if (skip_comment(&t) < 0)
				return -1;
		} else if (t.s[t.pos] == '"') {
			if (skip_quoted(&t) < 0)
				return -1;
		} else {
			t.pos++;
		}
	}
	*end = t.pos;
	return 0;
}

/*
 * The DMARC published policy in a dmarc resinfo: "policy.published-domain-policy=X"
 * or OpenDMARC's "(p=X dis=Y)" comment. Scans the raw text of the resinfo.
 */
static enum ar_policy find_policy(const char *s, size_t len)
{
	static const char *const keys[] = { "policy.published-domain-policy=", "p=" };
	size_t i, k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t kl = strlen(keys[k]);

		for (i = 0; i + kl <= len; i++) {
			size_t j = i + kl, vl = 0;
			enum ar_policy p;

			/* "p=" must start a word: after "(", white space or ";". */
			if (i > 0 && s[i - 1] != '(' && !is_wsp(s[i - 1]) && s[i - 1] != ';')
				continue;
			if (!str_eq_nocase(s + i, kl, keys[k]))
				continue;
			while (j + vl < len && is_token_char(s[j + vl]))
				vl++;
			if (ar_policy_parse(s + j, vl, &p) == 0)
				return p;
		}
	}
	return POL_ABSENT;
}

enum authres_status authres_parse(const char *v, size_t len, int truncated,
                                  const struct authres_trust *trust, struct authres_outcome *out)
{
	struct scan sc = { v, len, 0 };
	struct authres_outcome acc;
	size_t idlen, idstart, end, i;
	int trusted = 0, nresults = 0, saw_none = 0;

	authres_outcome_init(&acc);
	if (skip_cfws(&sc) < 0)
		return AUTHRES_MALFORMED;
	/* authserv-id: a token or a quoted string. */
	idstart = sc.pos;
	if (sc.pos < sc.len && sc.s[sc.pos] == '"') {
		if (skip_quoted(&sc) < 0)
			return AUTHRES_MALFORMED;
		idstart++;
		idlen = sc.pos - 1 - idstart;
	} else {
		idlen = read_token(&sc);
	}
	if (idlen == 0)
		return AUTHRES_MALFORMED;
	for (i = 0; i < trust->n; i++) {
		if (str_eq_nocase(v + idstart, idlen, trust->ids[i]))
			trusted = 1;
	}
	/* Optional numeric version, then ';'. */
	if (skip_cfws(&sc) < 0)
		return AUTHRES_MALFORMED;
	if (sc.pos < sc.len && sc.s[sc.pos] >= '0' && sc.s[sc.pos] <= '9') {
		read_token(&sc);
		if (skip_cfws(&sc) < 0)
			return AUTHRES_MALFORMED;
	}
	if (sc.pos < sc.len && sc.s[sc.pos] != ';')
		return AUTHRES_MALFORMED;
	if (!trusted)
		return AUTHRES_UNTRUSTED;

	while (sc.pos < sc.len) {
		size_t mstart, mlen, rlen, rstart;
		enum ar_method method;
		enum ar_result result;
		int last;

		sc.pos++; /* the ';' */
		if (find_resinfo_end(&sc, &end) < 0) {
			/* An unterminated comment at the end of a cut header is the cut. */
			if (truncated)
				break;
			return AUTHRES_MALFORMED;
		}
		last = end >= sc.len;
		if (truncated && last)
			break;
		if (skip_cfws(&sc) < 0)
			return AUTHRES_MALFORMED;
		if (sc.pos >= end) {
			sc.pos = end; /* empty resinfo: a trailing ';' */
			continue;
		}
		mstart = sc.pos;
		mlen = read_token(&sc);
		if (mlen == 0)
			return AUTHRES_MALFORMED;
		if (str_eq_nocase(v + mstart, mlen, "none") && nresults == 0) {
			saw_none = 1;
			if (skip_cfws(&sc) < 0 || sc.pos != end)
				return AUTHRES_MALFORMED;
			continue;
		}
		if (saw_none)
			return AUTHRES_MALFORMED;
		if (sc.pos < end && sc.s[sc.pos] == '/') { /* method version */
			sc.pos++;
			if (read_token(&sc) == 0)
				return AUTHRES_MALFORMED;
		}
		if (skip_cfws(&sc) < 0 || sc.pos >= end || sc.s[sc.pos] != '=')
			return AUTHRES_MALFORMED;
		sc.pos++;
		if (skip_cfws(&sc) < 0)
			return AUTHRES_MALFORMED;
		rstart = sc.pos;
		rlen = read_token(&sc);
		if (rlen == 0)
			return AUTHRES_MALFORMED;
		nresults++;
		if (ar_method_parse(v + mstart, mlen, &method) == 0) {
			struct authres_outcome one;

			if (ar_result_parse(v + rstart, rlen, &result) < 0)
				return AUTHRES_MALFORMED;
			authres_outcome_init(&one);
			one.result[method] = result;
			if (method == AR_DMARC)
				one.dmarc_policy = find_policy(v + sc.pos, end - sc.pos);
			authres_outcome_merge(&acc, &one);
		}
		/* Methods we do not count (iprev, auth, x-*) are skipped whole. */
		sc.pos = end;
	}
	*out = acc;
	return AUTHRES_OK;
}
