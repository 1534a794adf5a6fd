/*
 * result_int - the insides of result.c shared with the parser: the one
 * table of words and the look-ups in it, inline so that authres.c, which
 * looks up the method and the result of every resinfo and the policy words
 * of DMARC comments, compares each candidate against a constant (the words
 * are static const here, so the compiler folds them) and makes no call.
 * Everyone else uses result.h.
 */
#ifndef ARSTAT_RESULT_INT_H
#define ARSTAT_RESULT_INT_H

#include <stddef.h>

#include "result.h"
#include "strutil.h"

/* A word and its length, so that a look-up compares lengths first. */
struct result_word {
	const char *s;
	size_t len;
};
#define RESULT_WORD(lit) { lit, sizeof(lit) - 1 }

/*
 * The result names, in enum order, then the aliases a header may write for
 * them; result_alias_code[] says what each alias means.
 */
enum {
	RESULT_ALIAS_HARDFAIL = AR_RESULT_COUNT,
	RESULT_ALIAS_TEMPFAIL,
	RESULT_ALIAS_TIMEOUT,
	RESULT_ALIAS_PERMFAIL,
	RESULT_NWORDS
};
static const struct result_word result_words[RESULT_NWORDS] = {
	RESULT_WORD("none"),     RESULT_WORD("pass"),      RESULT_WORD("fail"),
	RESULT_WORD("softfail"), RESULT_WORD("neutral"),   RESULT_WORD("temperror"),
	RESULT_WORD("permerror"), RESULT_WORD("policy"),   RESULT_WORD("absent"),
	RESULT_WORD("hardfail"), RESULT_WORD("tempfail"),  RESULT_WORD("timeout"),
	RESULT_WORD("permfail"),
};
static const enum ar_result result_alias_code[RESULT_NWORDS - AR_RESULT_COUNT] = {
	AR_FAIL, AR_TEMPERROR, AR_TEMPERROR, AR_PERMERROR,
};
static const struct result_word result_method_words[AR_METHOD_COUNT] = {
	RESULT_WORD("spf"), RESULT_WORD("dkim"), RESULT_WORD("dmarc"), RESULT_WORD("arc"),
};
static const struct result_word result_policy_words[POL_COUNT] = {
	RESULT_WORD("absent"), RESULT_WORD("none"), RESULT_WORD("quarantine"), RESULT_WORD("reject"),
};

/* ASCII lower case of c. */
static inline unsigned char result_fold(char c)
{
	unsigned char u = (unsigned char)c;

	return (unsigned char)(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
}

/* Length and first letter as one switch label. */
#define RESULT_KW(len, first) ((unsigned)(len) << 8 | (unsigned char)(first))

/* s[0..n) is word i of table t in any case, n being its length (a constant
 * in every call, so the comparison unrolls). */
#define RESULT_IS(s, t, i, n) str_mem_eq_nocase((s), (t)[i].s, (n))

/* ar_result_parse(), inline. */
static inline int result_parse(const char *s, size_t len, enum ar_result *out)
{
	int i, ok;

	if (len == 0 || len > 9)
		return -1;
	/* The only word that can be s, picked by length and first letter. */
	switch (RESULT_KW(len, result_fold(s[0]))) {
	case RESULT_KW(4, 'p'): i = AR_PASS; ok = RESULT_IS(s, result_words, i, 4); break;
	case RESULT_KW(4, 'f'): i = AR_FAIL; ok = RESULT_IS(s, result_words, i, 4); break;
	case RESULT_KW(4, 'n'): i = AR_NONE; ok = RESULT_IS(s, result_words, i, 4); break;
	case RESULT_KW(8, 's'): i = AR_SOFTFAIL; ok = RESULT_IS(s, result_words, i, 8); break;
	case RESULT_KW(7, 'n'): i = AR_NEUTRAL; ok = RESULT_IS(s, result_words, i, 7); break;
	case RESULT_KW(9, 't'): i = AR_TEMPERROR; ok = RESULT_IS(s, result_words, i, 9); break;
	case RESULT_KW(9, 'p'): i = AR_PERMERROR; ok = RESULT_IS(s, result_words, i, 9); break;
	case RESULT_KW(6, 'p'): i = AR_POLICY; ok = RESULT_IS(s, result_words, i, 6); break;
	case RESULT_KW(8, 'h'): i = RESULT_ALIAS_HARDFAIL; ok = RESULT_IS(s, result_words, i, 8); break;
	case RESULT_KW(8, 't'): i = RESULT_ALIAS_TEMPFAIL; ok = RESULT_IS(s, result_words, i, 8); break;
	case RESULT_KW(7, 't'): i = RESULT_ALIAS_TIMEOUT; ok = RESULT_IS(s, result_words, i, 7); break;
	case RESULT_KW(8, 'p'): i = RESULT_ALIAS_PERMFAIL; ok = RESULT_IS(s, result_words, i, 8); break;
	default: return -1;
	}
	if (!ok)
		return -1;
	*out = i < AR_RESULT_COUNT ? (enum ar_result)i : result_alias_code[i - AR_RESULT_COUNT];
	return 0;
}

/* ar_method_parse(), inline. */
static inline int result_method_parse(const char *s, size_t len, enum ar_method *out)
{
	enum ar_method m;
	int ok;

	if (len == 0 || len > 5)
		return -1;
	switch (RESULT_KW(len, result_fold(s[0]))) {
	case RESULT_KW(3, 's'): m = AR_SPF; ok = RESULT_IS(s, result_method_words, m, 3); break;
	case RESULT_KW(4, 'd'): m = AR_DKIM; ok = RESULT_IS(s, result_method_words, m, 4); break;
	case RESULT_KW(5, 'd'): m = AR_DMARC; ok = RESULT_IS(s, result_method_words, m, 5); break;
	case RESULT_KW(3, 'a'): m = AR_ARC; ok = RESULT_IS(s, result_method_words, m, 3); break;
	default: return -1;
	}
	if (!ok)
		return -1;
	*out = m;
	return 0;
}

/* ar_policy_parse(), inline. */
static inline int result_policy_parse(const char *s, size_t len, enum ar_policy *out)
{
	enum ar_policy p;
	int ok;

	/* By length alone: the three words have three lengths. */
	switch (len) {
	case 4: p = POL_NONE; ok = RESULT_IS(s, result_policy_words, p, 4); break;
	case 6: p = POL_REJECT; ok = RESULT_IS(s, result_policy_words, p, 6); break;
	case 10: p = POL_QUARANTINE; ok = RESULT_IS(s, result_policy_words, p, 10); break;
	default: return -1;
	}
	if (!ok)
		return -1;
	*out = p;
	return 0;
}

#endif
