#include "result.h"

#include "result_int.h"

/* The tables and look-ups are in result_int.h, which authres.c shares. */

static const char *const spam_names[SPAM_COUNT] = { "unknown", "ham", "spam" };
static const char *const fate_names[FATE_COUNT] = { "unknown", "accepted", "rejected", "discarded",
	                                             "held" };

const char *ar_result_name(enum ar_result r)
{
	return (unsigned)r < AR_RESULT_COUNT ? result_words[r].s : "?";
}

const char *ar_method_name(enum ar_method m)
{
	return (unsigned)m < AR_METHOD_COUNT ? result_method_words[m].s : "?";
}

const char *ar_policy_name(enum ar_policy p)
{
	return (unsigned)p < POL_COUNT ? result_policy_words[p].s : "?";
}

const char *ar_spam_name(enum ar_spam s)
{
	return (unsigned)s < SPAM_COUNT ? spam_names[s] : "?";
}

const char *ar_fate_name(enum ar_fate f)
{
	return (unsigned)f < FATE_COUNT ? fate_names[f] : "?";
}

int ar_result_parse(const char *s, size_t len, enum ar_result *out)
{
	return result_parse(s, len, out);
}

int ar_method_parse(const char *s, size_t len, enum ar_method *out)
{
	return result_method_parse(s, len, out);
}

int ar_policy_parse(const char *s, size_t len, enum ar_policy *out)
{
	return result_policy_parse(s, len, out);
}
