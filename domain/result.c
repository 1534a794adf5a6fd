#include "result.h"

#include "strutil.h"

/* A word and its length, so that a look-up compares lengths first. */
struct result_word {
	const char *s;
	size_t len;
};
#define WORD(lit) { lit, sizeof(lit) - 1 }

/*
 * The result names, in enum order, then the aliases ar_result_parse()
 * accepts; alias_code[] says what each alias means.
 */
enum { ALIAS_HARDFAIL = AR_RESULT_COUNT, ALIAS_TEMPFAIL, ALIAS_TIMEOUT, ALIAS_PERMFAIL, NWORDS };
static const struct result_word result_words[NWORDS] = {
	WORD("none"),     WORD("pass"),      WORD("fail"),      WORD("softfail"),
	WORD("neutral"),  WORD("temperror"), WORD("permerror"), WORD("policy"),
	WORD("absent"),
	WORD("hardfail"), WORD("tempfail"),  WORD("timeout"),   WORD("permfail"),
};
static const enum ar_result alias_code[NWORDS - AR_RESULT_COUNT] = {
	AR_FAIL, AR_TEMPERROR, AR_TEMPERROR, AR_PERMERROR,
};
static const struct result_word method_words[AR_METHOD_COUNT] = {
	WORD("spf"), WORD("dkim"), WORD("dmarc"), WORD("arc"),
};
static const struct result_word policy_words[POL_COUNT] = {
	WORD("absent"), WORD("none"), WORD("quarantine"), WORD("reject"),
};
static const char *const spam_names[SPAM_COUNT] = { "unknown", "ham", "spam" };

const char *ar_result_name(enum ar_result r)
{
	return (unsigned)r < AR_RESULT_COUNT ? result_words[r].s : "?";
}

const char *ar_method_name(enum ar_method m)
{
	return (unsigned)m < AR_METHOD_COUNT ? method_words[m].s : "?";
}

const char *ar_policy_name(enum ar_policy p)
{
	return (unsigned)p < POL_COUNT ? policy_words[p].s : "?";
}

const char *ar_spam_name(enum ar_spam s)
{
	return (unsigned)s < SPAM_COUNT ? spam_names[s] : "?";
}

/* ASCII lower case of c. */
static unsigned char fold(char c)
{
	unsigned char u = (unsigned char)c;

	return (unsigned char)(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
}

/* 1 if s[0..len) is w in any case. */
static int word_is(const struct result_word *w, const char *s, size_t len)
{
	return w->len == len && str_mem_eq_nocase(s, w->s, len);
}

/* Length and first letter as one switch label. */
#define KW(len, first) ((unsigned)(len) << 8 | (unsigned char)(first))

int ar_result_parse(const char *s, size_t len, enum ar_result *out)
{
	int i;

	if (len == 0 || len > 9)
		return -1;
	/* The only word that can be s: its index in result_words[]. */
	switch (KW(len, fold(s[0]))) {
	case KW(4, 'p'): i = AR_PASS; break;
	case KW(4, 'f'): i = AR_FAIL; break;
	case KW(4, 'n'): i = AR_NONE; break;
	case KW(8, 's'): i = AR_SOFTFAIL; break;
	case KW(7, 'n'): i = AR_NEUTRAL; break;
	case KW(9, 't'): i = AR_TEMPERROR; break;
	case KW(9, 'p'): i = AR_PERMERROR; break;
	case KW(6, 'p'): i = AR_POLICY; break;
	case KW(8, 'h'): i = ALIAS_HARDFAIL; break;
	case KW(8, 't'): i = ALIAS_TEMPFAIL; break;
	case KW(7, 't'): i = ALIAS_TIMEOUT; break;
	case KW(8, 'p'): i = ALIAS_PERMFAIL; break;
	default: return -1;
	}
	if (!word_is(&result_words[i], s, len))
		return -1;
	*out = i < AR_RESULT_COUNT ? (enum ar_result)i : alias_code[i - AR_RESULT_COUNT];
	return 0;
}

int ar_method_parse(const char *s, size_t len, enum ar_method *out)
{
	enum ar_method m;

	if (len == 0)
		return -1;
	switch (KW(len, fold(s[0]))) {
	case KW(3, 's'): m = AR_SPF; break;
	case KW(4, 'd'): m = AR_DKIM; break;
	case KW(5, 'd'): m = AR_DMARC; break;
	case KW(3, 'a'): m = AR_ARC; break;
	default: return -1;
	}
	if (!word_is(&method_words[m], s, len))
		return -1;
	*out = m;
	return 0;
}

int ar_policy_parse(const char *s, size_t len, enum ar_policy *out)
{
	enum ar_policy p;

	/* By length alone: the three words have three lengths. */
	switch (len) {
	case 4: p = POL_NONE; break;
	case 6: p = POL_REJECT; break;
	case 10: p = POL_QUARANTINE; break;
	default: return -1;
	}
	if (!word_is(&policy_words[p], s, len))
		return -1;
	*out = p;
	return 0;
}
