/*
 * unit.authres: the API of domain/authres - what authres_header_parse()
 * returns (spans, properties, errors and their offsets), the trust rule, the
 * outcome rule, the AUTHRES_F_* flags, Received-SPF, header names, the fixed
 * capacity, and every prefix of real headers (a logger's cut at every byte).
 * The keyword matchers (a switch on length and first letter) are checked
 * against the whole vocabulary in every case, and against near misses.
 * The many header shapes are in test_authres_rfc.c.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

static const char *const trusted_ids[] = { "mx.example.jp", "relay.example.jp" };
static const struct authres_trust trust = { trusted_ids, 2 };
static struct authres_header h;

static enum authres_status parse(const char *v, int truncated, struct authres_outcome *o)
{
	return authres_parse(v, strlen(v), truncated, &trust, o);
}

static int span_eq(const struct authres_span *s, const char *want)
{
	if (s->len == 0)
		return want[0] == '\0';
	return s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
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
	CU_ASSERT_EQUAL(o.dmarc_disposition, POL_NONE);
	CU_ASSERT_EQUAL(o.truncated, 0);
	CU_ASSERT_EQUAL(o.unknown, 0);
}

static void test_variants(void)
{
	struct authres_outcome o;

	/*
	 * Upper case, hardfail, versions, comments with ';' and '=' inside, quoted
	 * id. The skeleton rejected "dmarc=quarantine" (not a result keyword);
	 * the full parser follows RFC 8601 section 2.2, where a result is any
	 * Keyword: the header is well-formed, and the unknown keyword is not
	 * guessed into a result but counted in o.unknown (ar-vectors dkv-dkim-foo).
	 */
	CU_ASSERT_EQUAL_FATAL(parse("(c) \"MX.Example.JP\" 1 (v); SPF=HardFail (x;y=z) "
	                            "smtp.mailfrom=a; dkim/1=Pass; iprev=pass policy.iprev=1.2.3.4; "
	                            "dmarc=quarantine", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_ABSENT);
	CU_ASSERT_EQUAL(o.unknown, 1);
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
	/* Was MALFORMED in the skeleton; a result is any Keyword (see test_variants). */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=bogus", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_ABSENT);
	CU_ASSERT_EQUAL(o.unknown, 1);
	CU_ASSERT_EQUAL(parse("mx.example.jp; spf=bo-gus!", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(authres_parse(NULL, 0, 0, &trust, &o), AUTHRES_MALFORMED);
}

static void test_trust(void)
{
	static const char *const quoted_ids[] = { "mx \"a\".example.jp" };
	static const struct authres_trust tq = { quoted_ids, 1 };
	static const struct authres_trust none = { NULL, 0 };
	struct authres_outcome o;

	o.result[AR_SPF] = AR_NEUTRAL;
	CU_ASSERT_EQUAL(parse("mx.forged.example; spf=pass; dkim=pass", 0, &o), AUTHRES_UNTRUSTED);
	/* Untrusted headers leave the outcome alone. */
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_NEUTRAL);
	/* A trusted id as a prefix or suffix of another is not trusted. */
	CU_ASSERT_EQUAL(parse("mx.example.jp.evil; spf=pass", 0, &o), AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(parse("evil-mx.example.jp; spf=pass", 0, &o), AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(parse("mx.example.j; spf=pass", 0, &o), AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(parse("relay.example.jp; spf=pass", 0, &o), AUTHRES_OK);
	/* Case-insensitive, quoted or not. */
	CU_ASSERT_EQUAL(parse("MX.EXAMPLE.JP; spf=pass", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(parse("\"Mx.Example.Jp\"; spf=pass", 0, &o), AUTHRES_OK);
	/* Quoted-pairs are undone before comparing. */
	CU_ASSERT_EQUAL(authres_parse_ex("\"mx \\\"a\\\".example.jp\"; spf=pass", 30, 0, &tq, &o),
	                AUTHRES_OK);
	CU_ASSERT_EQUAL(authres_parse_ex("\"mx \\\"a\\\".example.jp\"; spf=pass", 30, 0, &trust, &o),
	                AUTHRES_UNTRUSTED);
	/* An empty set trusts nothing; NULL trusts everything (tools only). */
	CU_ASSERT_EQUAL(authres_parse_ex("mx.example.jp; spf=pass", 23, 0, &none, &o), AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(authres_parse_ex("anything.example; spf=pass", 26, 0, NULL, &o), AUTHRES_OK);
	/* A malformed header is malformed whether trusted or not. */
	CU_ASSERT_EQUAL(parse("mx.forged.example; spf", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(authres_trust_match(&trust, "RELAY.example.jp", 16), 1);
	CU_ASSERT_EQUAL(authres_trust_match(&trust, "relay.example.jp", 15), 0);
	CU_ASSERT_EQUAL(authres_trust_match(NULL, "x", 1), 1);
}

static void test_truncated(void)
{
	struct authres_outcome o;

	/* Cut inside the last result: "dkim=pa" is not a result, and it is not misread. */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass; dkim=pa", 1, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_ABSENT);
	CU_ASSERT_EQUAL(o.truncated, 1);
	/* Cut inside a comment. */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass; dmarc=pass (p=rej", 1, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_ABSENT);
	/*
	 * Without the flag, a cut comment is an error; "dkim=pa" is a well-formed
	 * result with an unknown keyword (the skeleton called it malformed), so
	 * it is not counted either: the outcome is the same, with o.unknown set.
	 */
	CU_ASSERT_EQUAL(parse("mx.example.jp; spf=pass; dmarc=pass (p=rej", 0, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass; dkim=pa", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_ABSENT);
	CU_ASSERT_EQUAL(o.unknown, 1);
	CU_ASSERT_EQUAL(o.truncated, 0);
	/* Nothing was cut if the value ends after a ";". */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; spf=pass; dkim=pass;", 1, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_PASS);
	CU_ASSERT_EQUAL(o.truncated, 0);
	/* The header API says what was dropped. */
	CU_ASSERT_EQUAL_FATAL(authres_header_parse("mx.example.jp; spf=pass; dkim=pass header.d=x", 45,
	                                           AUTHRES_F_TRUNCATED, &h), 0);
	CU_ASSERT_EQUAL(h.truncated, 1);
	CU_ASSERT_EQUAL(h.nresults, 1);
	CU_ASSERT_EQUAL(h.nprops, 0);
	CU_ASSERT(span_eq(&h.cut, " dkim=pass header.d=x"));
	/* A cut before the first ";" leaves nothing to trust. */
	CU_ASSERT_EQUAL(parse("mx.exampl", 1, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL(authres_header_parse("mx.exampl", 9, AUTHRES_F_TRUNCATED, &h), -1);
	CU_ASSERT_EQUAL(h.error, AUTHRES_E_TRUNCATED);
}

static void test_merge_rule(void)
{
	struct authres_outcome o, acc;
	static const enum ar_result order[] = { AR_PASS, AR_FAIL, AR_SOFTFAIL, AR_NEUTRAL,
		                                AR_POLICY, AR_PERMERROR, AR_TEMPERROR, AR_NONE,
		                                AR_ABSENT };
	size_t i, j;

	/* Two DKIM signatures, one fails, one passes: pass. Two tiers of SPF: the more significant. */
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; dkim=fail; dkim=pass; spf=none; spf=softfail; "
	                            "dmarc=none (p=none); dmarc=fail (p=reject)", 0, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_SOFTFAIL);
	CU_ASSERT_EQUAL(o.result[AR_DMARC], AR_FAIL);
	CU_ASSERT_EQUAL(o.dmarc_policy, POL_REJECT);
	/* The rule as a total order, in both merge orders. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		for (j = 0; j < sizeof(order) / sizeof(order[0]); j++) {
			struct authres_outcome a, b;

			authres_outcome_init(&a);
			authres_outcome_init(&b);
			a.result[AR_DKIM] = order[i];
			b.result[AR_DKIM] = order[j];
			authres_outcome_merge(&a, &b);
			CU_ASSERT_EQUAL(a.result[AR_DKIM], order[i < j ? i : j]);
		}
	}
	/* Counts add up; policies and dispositions take the strongest. */
	authres_outcome_init(&acc);
	authres_outcome_init(&o);
	o.truncated = 1;
	o.unknown = 2;
	o.dmarc_disposition = POL_QUARANTINE;
	authres_outcome_merge(&acc, &o);
	authres_outcome_merge(&acc, &o);
	CU_ASSERT_EQUAL(acc.truncated, 2);
	CU_ASSERT_EQUAL(acc.unknown, 4);
	CU_ASSERT_EQUAL(acc.dmarc_disposition, POL_QUARANTINE);
	/* Across two headers of one message: the message's outcome. */
	authres_outcome_init(&acc);
	CU_ASSERT_EQUAL_FATAL(parse("mx.example.jp; dkim=fail; dmarc=fail (p=quarantine dis=quarantine)", 0, &o), AUTHRES_OK);
	authres_outcome_merge(&acc, &o);
	CU_ASSERT_EQUAL_FATAL(parse("relay.example.jp; dkim=pass; dmarc=none (p=none dis=none)", 0, &o), AUTHRES_OK);
	authres_outcome_merge(&acc, &o);
	CU_ASSERT_EQUAL(acc.result[AR_DKIM], AR_PASS);
	CU_ASSERT_EQUAL(acc.result[AR_DMARC], AR_FAIL);
	CU_ASSERT_EQUAL(acc.dmarc_policy, POL_QUARANTINE);
	CU_ASSERT_EQUAL(acc.dmarc_disposition, POL_QUARANTINE);
}

static void test_header_fields(void)
{
	const char *v = "(c) mx.example.jp 1 (v); dkim/1 = pass reason=\"good sig\" header.d=a.example "
	                "header.i=@a.example (c) x-bits=2048; dmarc=fail (p=none) action=quarantine "
	                "policy.published-domain-policy=reject header.from=\"a.example\"; "
	                "x-foo=bar smtp.mailfrom=";
	const struct authres_resinfo *r;

	CU_ASSERT_EQUAL_FATAL(authres_header_parse(v, strlen(v), 0, &h), 0);
	CU_ASSERT(span_eq(&h.authserv_id, "mx.example.jp"));
	CU_ASSERT_EQUAL(h.authserv_id_quoted, 0);
	CU_ASSERT(span_eq(&h.version, "1"));
	CU_ASSERT_EQUAL(h.no_result, 0);
	CU_ASSERT_EQUAL_FATAL(h.nresults, 3);
	CU_ASSERT_EQUAL(h.nprops, 7);
	r = &h.results[0];
	CU_ASSERT(span_eq(&r->method, "dkim"));
	CU_ASSERT(span_eq(&r->method_version, "1"));
	CU_ASSERT(span_eq(&r->result, "pass"));
	CU_ASSERT(span_eq(&r->reason, "\"good sig\""));
	CU_ASSERT_EQUAL(r->method_id, AR_DKIM);
	CU_ASSERT_EQUAL(r->code, AR_PASS);
	CU_ASSERT_EQUAL(r->prop_first, 0);
	CU_ASSERT_EQUAL_FATAL(r->nprops, 3);
	CU_ASSERT(span_eq(&h.props[0].ptype, "header"));
	CU_ASSERT(span_eq(&h.props[0].property, "d"));
	CU_ASSERT(span_eq(&h.props[0].value, "a.example"));
	CU_ASSERT(span_eq(&h.props[1].value, "@a.example"));
	CU_ASSERT_EQUAL(h.props[2].ptype.len, 0);
	CU_ASSERT(span_eq(&h.props[2].property, "x-bits"));
	CU_ASSERT(span_eq(&h.props[2].value, "2048"));
	r = &h.results[1];
	CU_ASSERT_EQUAL(r->method_id, AR_DMARC);
	CU_ASSERT_EQUAL(r->code, AR_FAIL);
	/* The property beats the comment; action= gives the disposition. */
	CU_ASSERT_EQUAL(r->dmarc_policy, POL_REJECT);
	CU_ASSERT_EQUAL(r->dmarc_disposition, POL_QUARANTINE);
	CU_ASSERT_EQUAL(r->nprops, 3);
	CU_ASSERT(span_eq(&h.props[5].value, "\"a.example\""));
	r = &h.results[2];
	CU_ASSERT(span_eq(&r->method, "x-foo"));
	CU_ASSERT_EQUAL(r->method_id, -1);
	CU_ASSERT_EQUAL(r->code, AR_ABSENT);
	CU_ASSERT_EQUAL(h.props[6].value.len, 0);
	/* "none" and quoted ids. */
	CU_ASSERT_EQUAL_FATAL(authres_header_parse("\"a b\" ; none", 12, 0, &h), 0);
	CU_ASSERT(span_eq(&h.authserv_id, "a b"));
	CU_ASSERT_EQUAL(h.authserv_id_quoted, 1);
	CU_ASSERT_EQUAL(h.no_result, 1);
	CU_ASSERT_EQUAL(h.nresults, 0);
}

static void test_errors(void)
{
	static const struct {
		const char *v;
		enum authres_error e;
		size_t off;
	} cases[] = {
		{ "a.example; spf=pass smtp.mailfrom", AUTHRES_E_PROPERTY, 33 },
		{ "a.example; spf", AUTHRES_E_EQUALS, 14 },
		{ "a.example; spf=pass (x", AUTHRES_E_COMMENT, 20 },
		{ "a.example; spf=pass x=\"y", AUTHRES_E_QUOTE, 22 },
		{ "a.example;\nspf=pass", AUTHRES_E_FOLD, 11 },
		{ "a.example; none; spf=pass", AUTHRES_E_NONE_ALONE, 17 },
		{ "a.example x; none", AUTHRES_E_VERSION, 10 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(authres_header_parse(cases[i].v, strlen(cases[i].v), 0, &h), -1);
		CU_ASSERT_EQUAL(h.error, cases[i].e);
		CU_ASSERT_EQUAL(h.error_offset, cases[i].off);
		if (h.error != cases[i].e || h.error_offset != cases[i].off)
			printf("\n%s: got %s at %zu\n", cases[i].v, authres_error_name(h.error), h.error_offset);
	}
	for (i = 0; i < AUTHRES_E_COUNT; i++)
		CU_ASSERT_PTR_NOT_NULL(authres_error_name((enum authres_error)i));
	CU_ASSERT_STRING_EQUAL(authres_error_name(AUTHRES_E_COUNT), "?");
}

static void test_capacity(void)
{
	/* 70 results: more than the header struct holds, not more than the outcome path reads. */
	char v[2048];
	size_t n = 0, i;
	struct authres_outcome o;

	n += (size_t)snprintf(v, sizeof(v), "mx.example.jp");
	for (i = 0; i < 70; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "; dkim=%s", i == 69 ? "pass" : "fail");
	CU_ASSERT_EQUAL(authres_header_parse(v, n, 0, &h), -1);
	CU_ASSERT_EQUAL(h.error, AUTHRES_E_CAPACITY);
	CU_ASSERT_EQUAL_FATAL(authres_parse_ex(v, n, 0, &trust, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_PASS);
	/* 300 properties in one result. */
	n = (size_t)snprintf(v, sizeof(v), "mx.example.jp; dkim=pass");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, " a=b");
	CU_ASSERT_EQUAL(authres_header_parse(v, n, 0, &h), -1);
	CU_ASSERT_EQUAL(h.error, AUTHRES_E_CAPACITY);
	CU_ASSERT_EQUAL(authres_parse_ex(v, n, 0, &trust, &o), AUTHRES_OK);
	/* Deep nesting costs a counter, not stack. */
	n = (size_t)snprintf(v, sizeof(v), "mx.example.jp; spf=pass ");
	for (i = 0; i < 500; i++)
		v[n++] = '(';
	for (i = 0; i < 500; i++)
		v[n++] = ')';
	CU_ASSERT_EQUAL(authres_parse_ex(v, n, 0, &trust, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(authres_parse_ex(v, n - 1, 0, &trust, &o), AUTHRES_MALFORMED);
}

static void test_flags(void)
{
	struct authres_outcome o;
	const char *exim = "mx.example.jp;\\n\\tspf=pass;\\n\\tdkim=fail";
	const char *qq = "mx.example.jp;??spf=pass;??dkim=fail";

	CU_ASSERT_EQUAL(authres_parse_ex(exim, strlen(exim), 0, &trust, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL_FATAL(authres_parse_ex(exim, strlen(exim), AUTHRES_F_EXIM_ESCAPES, &trust, &o),
	                      AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_FAIL);
	CU_ASSERT_EQUAL(authres_parse_ex(qq, strlen(qq), 0, &trust, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL_FATAL(authres_parse_ex(qq, strlen(qq), AUTHRES_F_POSTFIX_QQ, &trust, &o),
	                      AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_FAIL);
	CU_ASSERT_EQUAL_FATAL(authres_parse_ex(qq, strlen(qq), AUTHRES_F_POSTFIX_QQ | AUTHRES_F_TRUNCATED,
	                                       &trust, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_ABSENT);
	CU_ASSERT_EQUAL(o.truncated, 1);
	/* The AAR instance tag: an AAR value read as AR is malformed, and back. */
	CU_ASSERT_EQUAL(authres_parse_ex("i=1; mx.example.jp; arc=pass", 28, 0, &trust, &o), AUTHRES_MALFORMED);
	CU_ASSERT_EQUAL_FATAL(authres_parse_ex("i=1; mx.example.jp; arc=pass", 28, AUTHRES_F_AAR, &trust, &o),
	                      AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_ARC], AR_PASS);
	CU_ASSERT_EQUAL_FATAL(authres_header_parse("i=12; x; none", 13, AUTHRES_F_AAR, &h), 0);
	CU_ASSERT(span_eq(&h.instance, "12"));
}

static void test_received_spf(void)
{
	static const struct {
		const char *v;
		unsigned flags;
		int rc;
		enum ar_result r;
		const char *receiver;
	} cases[] = {
		{ "pass (mx.example.jp: domain of a@b.example designates 192.0.2.1 as permitted sender) "
		  "receiver=mx.example.jp; client-ip=192.0.2.1; envelope-from=\"a@b.example\"; helo=mail.b.example;",
		  0, 0, AR_PASS, "mx.example.jp" },
		{ "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; helo=mail.b.example; "
		  "envelope-from=a@b.example; receiver=<UNKNOWN>", 0, 0, AR_PASS, "<UNKNOWN>" },
		{ "Softfail (domain of transitioning a@b.example does not designate 192.0.2.1 as permitted sender)",
		  0, 0, AR_SOFTFAIL, "" },
		{ "fail", 0, 0, AR_FAIL, "" },
		{ "  none (no record) receiver=mx.example.jp", 0, 0, AR_NONE, "mx.example.jp" },
		{ "neutral", 0, 0, AR_NEUTRAL, "" },
		{ "TempError (DNS timeout) receiver=mx.example.jp; identity=helo", 0, 0, AR_TEMPERROR, "mx.example.jp" },
		{ "permerror (bad record)", 0, 0, AR_PERMERROR, "" },
		{ "hardfail", 0, 0, AR_FAIL, "" },
		{ "", 0, -1, AR_ABSENT, "" },
		{ "bogus (x)", 0, -1, AR_ABSENT, "" },
		{ "pass(x)receiver=mx.example.jp", 0, 0, AR_PASS, "mx.example.jp" },
		{ "pass receiver", 0, -1, AR_ABSENT, "" },
		{ "pass (unterminated", 0, -1, AR_ABSENT, "" },
		{ "pass receiver=mx.example.jp; client-ip=192.0.2.1 x", 0, -1, AR_ABSENT, "" },
		/* Cut by the logger: the result stands, the key-value list may be cut. */
		{ "pass (mx.example.jp: domain of a@b.exa", AUTHRES_F_TRUNCATED, 0, AR_PASS, "" },
		{ "pas", AUTHRES_F_TRUNCATED, -1, AR_ABSENT, "" },
		{ "pass?(mailfrom)?identity=mailfrom;?receiver=mx.example.jp", AUTHRES_F_POSTFIX_QQ, 0, AR_PASS,
		  "mx.example.jp" },
		{ "pass\\n\\t(mailfrom) receiver=mx.example.jp", AUTHRES_F_EXIM_ESCAPES, 0, AR_PASS, "mx.example.jp" },
	};
	struct authres_received_spf r;
	struct authres_outcome o;
	enum authres_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = authres_received_spf_parse(cases[i].v, strlen(cases[i].v), cases[i].flags, &r, &err);

		CU_ASSERT_EQUAL(rc, cases[i].rc);
		if (rc != cases[i].rc)
			printf("\nReceived-SPF %zu: %s: rc %d (%s)\n", i, cases[i].v, rc, authres_error_name(err));
		if (rc == 0) {
			CU_ASSERT_EQUAL(r.code, cases[i].r);
			CU_ASSERT(span_eq(&r.receiver, cases[i].receiver));
		} else {
			CU_ASSERT_NOT_EQUAL(err, AUTHRES_E_NONE);
		}
	}
	/* As a source of the SPF result: trusted by its receiver=. */
	CU_ASSERT_EQUAL_FATAL(authres_received_spf_outcome(cases[0].v, strlen(cases[0].v), 0, &trust, &o),
	                      AUTHRES_OK);
	CU_ASSERT_EQUAL(o.result[AR_SPF], AR_PASS);
	CU_ASSERT_EQUAL(o.result[AR_DKIM], AR_ABSENT);
	CU_ASSERT_EQUAL(authres_received_spf_outcome(cases[1].v, strlen(cases[1].v), 0, &trust, &o),
	                AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(authres_received_spf_outcome(cases[2].v, strlen(cases[2].v), 0, &trust, &o),
	                AUTHRES_UNTRUSTED);
	CU_ASSERT_EQUAL(authres_received_spf_outcome(cases[2].v, strlen(cases[2].v), 0, NULL, &o), AUTHRES_OK);
	CU_ASSERT_EQUAL(authres_received_spf_outcome("x", 1, 0, NULL, &o), AUTHRES_MALFORMED);
}

static void test_header_kind(void)
{
	static const char *const extra[] = { "X-Example-Authentication-Results", "X-*-Auth-Results" };

	CU_ASSERT_EQUAL(authres_header_kind("Authentication-Results", 22, NULL, 0), AUTHRES_KIND_AR);
	CU_ASSERT_EQUAL(authres_header_kind("authentication-results", 22, NULL, 0), AUTHRES_KIND_AR);
	CU_ASSERT_EQUAL(authres_header_kind("ARC-Authentication-Results", 26, NULL, 0), AUTHRES_KIND_AAR);
	CU_ASSERT_EQUAL(authres_header_kind("Received-SPF", 12, NULL, 0), AUTHRES_KIND_RECEIVED_SPF);
	CU_ASSERT_EQUAL(authres_header_kind("X-Example-Authentication-Results", 32, NULL, 0), AUTHRES_KIND_OTHER);
	CU_ASSERT_EQUAL(authres_header_kind("x-example-authentication-results", 32, extra, 2), AUTHRES_KIND_AR);
	CU_ASSERT_EQUAL(authres_header_kind("X-Ms-Auth-Results", 17, extra, 2), AUTHRES_KIND_AR);
	CU_ASSERT_EQUAL(authres_header_kind("X--Auth-Results", 15, extra, 2), AUTHRES_KIND_OTHER);
	CU_ASSERT_EQUAL(authres_header_kind("X-Auth-Results", 14, extra, 2), AUTHRES_KIND_OTHER);
	CU_ASSERT_EQUAL(authres_header_kind("Authentication-Results-X", 24, extra, 2), AUTHRES_KIND_OTHER);
	CU_ASSERT_EQUAL(authres_header_kind("Authentication-Result", 21, extra, 2), AUTHRES_KIND_OTHER);
}

static void test_result_code(void)
{
	enum ar_result r;

	CU_ASSERT(authres_result_code(AR_SPF, "HardFail", 8, &r) == 0 && r == AR_FAIL);
	CU_ASSERT(authres_result_code(AR_DKIM, "tempfail", 8, &r) == 0 && r == AR_TEMPERROR);
	CU_ASSERT(authres_result_code(AR_DKIM, "timeout", 7, &r) == 0 && r == AR_TEMPERROR);
	CU_ASSERT(authres_result_code(AR_SPF, "permfail", 8, &r) == 0 && r == AR_PERMERROR);
	CU_ASSERT(authres_result_code(AR_DMARC, "bestguesspass", 13, &r) == 0 && r == AR_NONE);
	CU_ASSERT_EQUAL(authres_result_code(AR_DKIM, "bestguesspass", 13, &r), -1);
	CU_ASSERT_EQUAL(authres_result_code(AR_DKIM, "dkim_pass", 9, &r), -1);
	CU_ASSERT_EQUAL(authres_result_code(AR_DMARC, "success", 7, &r), -1);
	CU_ASSERT_EQUAL(authres_result_code(AR_DMARC, "absent", 6, &r), -1);
}

/* Upper-case the letters of w whose bit in mask is set (bit i for byte i). */
static void case_mask(char *out, const char *w, unsigned long mask)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++) {
		out[i] = w[i];
		if ((mask >> (i % 32)) & 1u && w[i] >= 'a' && w[i] <= 'z')
			out[i] = (char)(w[i] - 'a' + 'A');
	}
	out[i] = '\0';
}

/*
 * The result keywords are matched by a switch on the length and the folded
 * first letter, then one comparison: every keyword in lower, upper and mixed
 * case is found, for every method, and nothing else is - a keyword with any
 * one byte changed, cut short, extended, or with a first byte next to the
 * letter ranges ('@', '[', '`', '{' and non-ASCII, which must not fold).
 */
static void test_keyword_matcher(void)
{
	static const struct {
		const char *word;
		enum ar_result code;
		int dmarc_only;
	} words[] = {
		{ "pass", AR_PASS, 0 },          { "fail", AR_FAIL, 0 },
		{ "none", AR_NONE, 0 },          { "softfail", AR_SOFTFAIL, 0 },
		{ "neutral", AR_NEUTRAL, 0 },    { "temperror", AR_TEMPERROR, 0 },
		{ "permerror", AR_PERMERROR, 0 }, { "policy", AR_POLICY, 0 },
		{ "hardfail", AR_FAIL, 0 },      { "tempfail", AR_TEMPERROR, 0 },
		{ "timeout", AR_TEMPERROR, 0 },  { "permfail", AR_PERMERROR, 0 },
		{ "bestguesspass", AR_NONE, 1 },
	};
	static const unsigned long masks[] = { 0, ~0ul, 0x1, 0x5555, 0xaaaa, 0x80 };
	static const char firsts[] = { '@', '[', '`', '{', (char)0xc3, (char)0xf0, '0', '_' };
	size_t i, j, k;
	int m;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *w = words[i].word;
		size_t n = strlen(w);
		char buf[32];

		for (k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
			case_mask(buf, w, masks[k]);
			for (m = AR_SPF; m < AR_METHOD_COUNT; m++) {
				enum ar_result r = AR_ABSENT;
				int rc = authres_result_code(m, buf, n, &r);

				if (words[i].dmarc_only && m != AR_DMARC) {
					CU_ASSERT_EQUAL(rc, -1);
				} else {
					CU_ASSERT_EQUAL(rc, 0);
					CU_ASSERT_EQUAL(r, words[i].code);
				}
			}
		}
		/* Each byte changed to its neighbours in the alphabet, or to '-'. */
		for (j = 0; j < n; j++) {
			static const char subs[] = { 1, -1, 0 };

			for (k = 0; k < sizeof(subs); k++) {
				enum ar_result r;

				memcpy(buf, w, n + 1);
				buf[j] = subs[k] != 0 ? (char)(w[j] + subs[k]) : '-';
				CU_ASSERT_EQUAL(authres_result_code(AR_DMARC, buf, n, &r), -1);
			}
		}
		/* Cut short and extended; the keyword inside a longer span. */
		for (j = 0; j < n; j++) {
			enum ar_result r;

			CU_ASSERT_EQUAL(authres_result_code(AR_DMARC, w, j, &r), -1);
		}
		memcpy(buf, w, n);
		buf[n] = 's';
		buf[n + 1] = '\0';
		{
			enum ar_result r;

			CU_ASSERT_EQUAL(authres_result_code(AR_DMARC, buf, n + 1, &r), -1);
			for (k = 0; k < sizeof(firsts); k++) {
				memcpy(buf, w, n + 1);
				buf[0] = firsts[k];
				CU_ASSERT_EQUAL(authres_result_code(AR_DMARC, buf, n, &r), -1);
			}
		}
	}
	{
		enum ar_result r;
		char big[100];

		memset(big, 'p', sizeof(big));
		CU_ASSERT_EQUAL(authres_result_code(AR_SPF, "", 0, &r), -1);
		CU_ASSERT_EQUAL(authres_result_code(AR_SPF, big, sizeof(big), &r), -1);
		CU_ASSERT_EQUAL(authres_result_code(AR_SPF, "bestguesspasss", 14, &r), -1);
		/* Same length and first letter as a keyword, but another word. */
		CU_ASSERT_EQUAL(authres_result_code(AR_SPF, "part", 4, &r), -1);
		CU_ASSERT_EQUAL(authres_result_code(AR_SPF, "tempxrror", 9, &r), -1);
		CU_ASSERT_EQUAL(authres_result_code(AR_SPF, "Neutron", 7, &r), -1);
		/* Methods not counted keep the keyword; absent is never one. */
		CU_ASSERT(authres_result_code(-1, "PASS", 4, &r) == 0 && r == AR_PASS);
		CU_ASSERT_EQUAL(authres_result_code(-1, "absent", 6, &r), -1);
	}
}

/* The counted methods by name, in any case; other names are kept but not counted. */
static void test_method_names(void)
{
	static const struct {
		const char *name;
		int id;
	} names[] = {
		{ "spf", AR_SPF },     { "SPF", AR_SPF },     { "sPf", AR_SPF },
		{ "dkim", AR_DKIM },   { "DKIM", AR_DKIM },   { "Dkim", AR_DKIM },
		{ "dmarc", AR_DMARC }, { "DMARC", AR_DMARC }, { "dMaRc", AR_DMARC },
		{ "arc", AR_ARC },     { "ARC", AR_ARC },     { "aRc", AR_ARC },
		{ "sp", -1 },          { "spff", -1 },        { "spg", -1 },
		{ "dkin", -1 },        { "dkim2", -1 },       { "dmarcx", -1 },
		{ "dmar", -1 },        { "arc1", -1 },        { "ar", -1 },
		{ "x-dkim", -1 },      { "auth", -1 },        { "iprev", -1 },
		{ "smime", -1 },       { "gateway.spf", -1 }, { "d", -1 },
		{ "brc", -1 },         { "asc", -1 },         { "drc", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char v[128];

		snprintf(v, sizeof(v), "mx.example.jp; %s=pass", names[i].name);
		CU_ASSERT_EQUAL_FATAL(authres_header_parse(v, strlen(v), 0, &h), 0);
		CU_ASSERT_EQUAL_FATAL(h.nresults, 1);
		CU_ASSERT_EQUAL(h.results[0].method_id, names[i].id);
		if (h.results[0].method_id != names[i].id)
			fprintf(stderr, "method %s: %d\n", names[i].name, h.results[0].method_id);
	}
}

/* a and b are equal but for the case of ASCII letters: 1 or 0 (a model,
 * byte by byte, of what the parser does). */
static int same_nocase(const char *a, const char *b)
{
	size_t i;

	for (i = 0; a[i] != '\0' && b[i] != '\0'; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] - 'A' + 'a') : b[i];

		if (x != y)
			return 0;
	}
	return a[i] == b[i];
}

/*
 * The DMARC policy words, wherever they are read (comment p= and policy=,
 * dis=, the policy properties, action=), are the three policy names of the
 * vocabulary in any case, and nothing else.
 */
static void test_policy_words(void)
{
	/* The text before and after the word. */
	static const char *const forms[][2] = {
		{ "mx.example.jp; dmarc=pass (p=", ") header.from=a.example" },
		{ "mx.example.jp; dmarc=pass (policy=", ") header.from=a.example" },
		{ "mx.example.jp; dmarc=pass policy.published-domain-policy=", "" },
	};
	static const char *const disp_forms[][2] = {
		{ "mx.example.jp; dmarc=pass (dis=", ") header.from=a.example" },
		{ "mx.example.jp; dmarc=pass policy.applied-disposition=", "" },
		{ "mx.example.jp; dmarc=pass action=", "" },
	};
	static const char *const candidates[] = {
		"none",   "NONE",       "nOnE",       "reject",   "REJECT",     "Reject",
		"quarantine", "QUARANTINE", "QuArAnTiNe", "non",  "nonex",      "rejec",
		"rejects", "quarantin", "quarantines", "absent", "pass",       "n0ne",
		"mone",   "@one",       "reJect1",
	};
	size_t i, f;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		const char *w = candidates[i];
		enum ar_policy want = POL_ABSENT;
		char v[256];

		int p;

		for (p = POL_NONE; p < POL_COUNT; p++) {
			if (same_nocase(w, ar_policy_name((enum ar_policy)p)))
				want = (enum ar_policy)p;
		}
		for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
			struct authres_outcome o;

			snprintf(v, sizeof(v), "%s%s%s", forms[f][0], w, forms[f][1]);
			CU_ASSERT_EQUAL_FATAL(authres_parse_ex(v, strlen(v), 0, &trust, &o), AUTHRES_OK);
			CU_ASSERT_EQUAL(o.dmarc_policy, want);
		}
		for (f = 0; f < sizeof(disp_forms) / sizeof(disp_forms[0]); f++) {
			struct authres_outcome o;

			snprintf(v, sizeof(v), "%s%s%s", disp_forms[f][0], w, disp_forms[f][1]);
			CU_ASSERT_EQUAL_FATAL(authres_parse_ex(v, strlen(v), 0, &trust, &o), AUTHRES_OK);
			CU_ASSERT_EQUAL(o.dmarc_disposition, want);
		}
	}
}

/*
 * A logger may cut a header at any byte. For every prefix of real headers:
 * no read outside the prefix (each is a malloc of exactly its length, so
 * ASan sees one), and with AUTHRES_F_TRUNCATED the results read are the first
 * results of the whole header, one fewer at most than complete ones before
 * the cut - never a misread one.
 */
static void test_every_prefix(void)
{
	static const char *const values[] = {
		"(a (nested \\) c) b) mx.example.jp 1; spf=pass (x) smtp.mailfrom=\"a;b\"; "
		"dkim=pass; dmarc=fail (p=reject dis=quarantine)",
		"mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20210112 header.b=Ab1/Cd+e;\r\n"
		"       arc=pass (i=1 spf=pass spfdomain=example.com);\r\n       spf=softfail (google.com: "
		"domain of a@example.com) smtp.mailfrom=a@example.com;\r\n       dmarc=pass (p=REJECT sp=REJECT "
		"dis=NONE) header.from=example.com",
		"mx.example.jp; spf=hardfail smtp.mailfrom=b.example; dkim=hardfail header.d=b.example; "
		"dmarc=fail policy.published-domain-policy=reject",
	};
	static struct authres_header full, cut;
	size_t k;

	for (k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
		const char *v = values[k];
		size_t n = strlen(v), i, j;

		CU_ASSERT_EQUAL_FATAL(authres_header_parse(v, n, 0, &full), 0);
		for (i = 0; i <= n; i++) {
			struct authres_outcome o;
			char *copy = malloc(i ? i : 1);

			CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
			memcpy(copy, v, i);
			(void)authres_parse_ex(copy, i, 0, &trust, &o);
			(void)authres_parse_ex(copy, i, AUTHRES_F_POSTFIX_QQ | AUTHRES_F_EXIM_ESCAPES, &trust, &o);
			if (authres_header_parse(copy, i, AUTHRES_F_TRUNCATED, &cut) == 0) {
				CU_ASSERT(cut.nresults <= full.nresults);
				for (j = 0; j < cut.nresults && j < full.nresults; j++) {
					CU_ASSERT_EQUAL(cut.results[j].code, full.results[j].code);
					CU_ASSERT_EQUAL(cut.results[j].method_id, full.results[j].method_id);
				}
				/* Cut at the end of the whole header: only the last may go. */
				if (i == n)
					CU_ASSERT_EQUAL(cut.nresults + 1, full.nresults);
			} else {
				CU_ASSERT(cut.error == AUTHRES_E_TRUNCATED || cut.error == AUTHRES_E_EMPTY);
			}
			free(copy);
		}
	}
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
	CU_add_test(s, "header fields", test_header_fields);
	CU_add_test(s, "errors and offsets", test_errors);
	CU_add_test(s, "capacity", test_capacity);
	CU_add_test(s, "flags", test_flags);
	CU_add_test(s, "Received-SPF", test_received_spf);
	CU_add_test(s, "header names", test_header_kind);
	CU_add_test(s, "result keywords", test_result_code);
	CU_add_test(s, "keyword matcher", test_keyword_matcher);
	CU_add_test(s, "method names", test_method_names);
	CU_add_test(s, "policy words", test_policy_words);
	CU_add_test(s, "every prefix", test_every_prefix);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
