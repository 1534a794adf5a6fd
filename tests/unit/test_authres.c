/* unit.authres: the skeleton Authentication-Results reader and the outcome rule. */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

static const char *const trusted_ids[] = { "mx.example.jp", "relay.example.jp" };
static const struct authres_trust trust = { trusted_ids, 2 };

static enum authres_status parse(const char *v, int truncated, struct authres_outcome *o)
{
	return authres_parse(v, strlen(v), truncated, &trust, o);
}

static void test_basic(void)
{
	struct authres_outcome o;

	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass smtp.mailfrom=a.example; dkim=fail "
	                            "header.d=a.example; dmarc=pass (p=reject dis=none) "
	                            "header.from=a.example; arc=none", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_FAIL);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_ARC], AR_NONE);
	CU_ASSERT_EQUAL(o.dmarc_policy, POL_REJECT);
}

static void test_variants(void)
{
	struct authres_outcome o;

	/* Upper case, hardfail, versions, comments with ';' and '=' inside, quoted id. */
	CU_ASSERT_EQUAL_FATAL(parse("(c) \"MX.Example.JP\" 1 (v); SPF=HardFail (x;y=z) "
	                            "smtp.mailfrom=a; dkim/1=Pass; iprev=pass policy.iprev=1.2.3.4; "
	                            "dmarc=quarantine", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL_FATAL(parse("(c) \"MX.Example.JP\" 1 (v); SPF=HardFail (x;y=z) "
	                            "smtp.mailfrom=a; dkim/1=Pass; iprev=pass policy.iprev=1.2.3.4; "
	                            "dmarc=fail policy.published-domain-policy=quarantine;", 0, &o),
	                      AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_FAIL);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_FAIL);
	CU_ASSERT_EQUAL(o.result[AR_ARC], AR_ABSENT);
	CU_ASSERT_EQUAL(o.dmarc_policy, POL_QUARANTINE);
}

static void test_none_and_empty(void)
{
	struct authres_outcome o;
	int m;

	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; none", 0, &o), AUTHRES_OK);
	for (m = 0; m < AR_METHOD_COUNT; m++)
		CU_ASSERT_EQUAL(o.result[m], AR_ABSENT);
	CU_ASSERT_EQUAL(parse("mx.example.jp; none; spf=pass", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(parse("", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(parse(";spf=pass", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(parse("mx.example.jp; spf=", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(parse("mx.example.jp; spf=pass (unterminated", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(parse("mx.example.jp; spf=bogus", 0, &o), AUTHRES_MALFORMED);
}

static void test_trust(void)
{
	struct authres_outcome o;

	o.result[AR_SPF] = AR_NEUTRAL;
	CU_ASSERT_EQUAL(parse("mx.forged.example; spf=pass; dkim=pass", 0, &o), AUTHRES_UNTRUSTED);
	/* Untrusted headers leave the outcome alone. */
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_NEUTRAL);
	/* A trusted id as a prefix of another is not trusted. */
	CU_ASSERT_EQUAL(parse("mx.example.jp.evil; spf=pass", 0, &o), AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(parse("relay.example.jp; spf=pass", 0, &o), AUTHRES_OK);
}

static void test_truncated(void)
{
	struct authres_outcome o;

	/* Cut inside the last result: "dkim=pa" is not a result, and it is not misread. */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass; dkim=pa", 1, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_ABSENT);
	/* Cut inside a comment. */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass; dmarc=pass (p=rej", 1, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_ABSENT);
	/* Without the flag, the same text is an error. */
	CU_ASSERT_EQUAL(parse("mx.example.jp; spf=pass; dkim=pa", 0, &o), AUTHRES_MALFORMED);
}

static void test_merge_rule(void)
{
	struct authres_outcome o;

	/* Two DKIM signatures, one fails, one passes: pass. Two tiers of SPF: the more significant. */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; dkim=fail; dkim=pass; spf=none; spf=softfail; "
	                            "dmarc=none (p=none); dmarc=fail (p=reject)", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_SOFTFAIL);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_FAIL);
	CU_ASSERT_EQUAL(o.dmarc_policy, POL_REJECT);
}

static void test_every_prefix(void)
{
	const char *v = "(a (nested \\) c) b) mx.example.jp 1; spf=pass (x) smtp.mailfrom=\"a;b\"; "
	                "dkim=pass; dmarc=fail (p=reject dis=quarantine)";
	size_t n = strlen(v), i;

	for (i = 0; i <= n; i++) {
		struct authres_outcome o;
		char *copy = malloc(i ? i : 1);

		memcpy(copy, v, i);
		(void)authres_parse(copy, i, 0, &trust, &o);
		(void)authres_parse(copy, i, 1, &trust, &o);
		free(copy);
	}
	CU_PASS("every prefix read within bounds");
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("authres", NULL, NULL);
	CU_add_test(s, "basic", test_basic);
	CU_add_test(s, "variants", test_variants);
	CU_add_test(s, "none and empty", test_none_and_empty);
	CU_add_test(s, "trust", test_trust);
	CU_add_test(s, "truncated", test_truncated);
	CU_add_test(s, "merge rule", test_merge_rule);
	CU_add_test(s, "every prefix", test_every_prefix);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
