#include "result.h"

#include "strutil.h"

static const char *const result_names[AR_RESULT_COUNT] = {
	"none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "policy", "absent",
};
static const char *const method_names[AR_METHOD_COUNT] = { "spf", "dkim", "dmarc", "arc" };
static const char *const policy_names[POL_COUNT] = { "absent", "none", "quarantine", "reject" };
static const char *const spam_names[SPAM_COUNT] = { "unknown", "ham", "spam" };

const char *ar_result_name(enum ar_result r)
{
	return (unsigned)r < AR_RESULT_COUNT ? result_names[r] : "?";
}

const char *ar_method_name(enum ar_method m)
{
	return (unsigned)m < AR_METHOD_COUNT ? method_names[m] : "?";
}

const char *ar_policy_name(enum ar_policy p)
{
	return (unsigned)p < POL_COUNT ? policy_names[p] : "?";
}

const char *ar_spam_name(enum ar_spam s)
{
	return (unsigned)s < SPAM_COUNT ? spam_names[s] : "?";
}

static int lookup(const char *const *names, int n, const char *s, size_t len, int *out)
{
	int i;

	for (i = 0; i < n; i++) {
		if (str_eq_nocase(s, len, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

int ar_result_parse(const char *s, size_t len, enum ar_result *out)
{
	int i;

	/* "absent" is ours, not a result a header can carry. */
	if (lookup(result_names, AR_ABSENT, s, len, &i) == 0) {
		*out = (enum ar_result)i;
		return 0;
	}
	if (str_eq_nocase(s, len, "hardfail")) {
		*out = AR_FAIL;
		return 0;
	}
	return -1;
}

int ar_method_parse(const char *s, size_t len, enum ar_method *out)
{
	int i;

	if (lookup(method_names, AR_METHOD_COUNT, s, len, &i) < 0)
		return -1;
	*out = (enum ar_method)i;
	return 0;
}

int ar_policy_parse(const char *s, size_t len, enum ar_policy *out)
{
	int i;

	/* "absent" is ours; a header's p= is one of the three DMARC policies. */
	if (lookup(policy_names + 1, POL_COUNT - 1, s, len, &i) < 0)
		return -1;
	*out = (enum ar_policy)(i + 1);
	return 0;
}
