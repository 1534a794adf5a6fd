/*
 * unit.authres_rfc: table-driven cases for domain/authres, drawn from RFC 8601
 * Appendix B, RFC 7601, RFC 8617 (ARC), vendors' published headers (Gmail,
 * Microsoft 365, Yahoo, Japanese carriers), the log formats of Postfix and
 * Exim, and malformed input. Each row gives flags, a header value and what
 * must come out, in one of two compact forms:
 *   'o' "ID SPF DKIM DMARC ARC POLICY"  - the merged outcome per method
 *   'a' "ID spf=L dkim=L dmarc=L arc=L" - every result as written, lowercased
 * or "error=NAME" (authres_error_name) when the value must be rejected.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "authres.h"

#define T AUTHRES_F_TRUNCATED
#define X AUTHRES_F_EXIM_ESCAPES
#define Q AUTHRES_F_POSTFIX_QQ
#define A AUTHRES_F_AAR

struct tcase {
	char mode;
	unsigned flags;
	const char *in;
	const char *want;
};

static struct authres_header h;

static void put(char *buf, size_t size, size_t *o, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && *o + 1 < size; i++) {
		char c = s[i];

		buf[(*o)++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	buf[*o] = '\0';
}

static void puts_(char *buf, size_t size, size_t *o, const char *s)
{
	put(buf, size, o, s, strlen(s));
}

/* The compact form of what the parser made of in. */
static void summarise(char mode, unsigned flags, const char *in, char *buf, size_t size)
{
	struct authres_outcome out;
	size_t o = 0;
	int m;

	buf[0] = '\0';
	if (authres_header_parse(in, strlen(in), flags, &h) < 0) {
		puts_(buf, size, &o, "error=");
		puts_(buf, size, &o, authres_error_name(h.error));
		return;
	}
	put(buf, size, &o, h.authserv_id.p, h.authserv_id.len);
	if (mode == 'o') {
		authres_header_outcome(&h, &out);
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			puts_(buf, size, &o, " ");
			puts_(buf, size, &o, out.result[m] == AR_ABSENT ? "-" : ar_result_name(out.result[m]));
		}
		puts_(buf, size, &o, " ");
		puts_(buf, size, &o, out.dmarc_policy == POL_ABSENT ? "-" : ar_policy_name(out.dmarc_policy));
		return;
	}
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		size_t i;
		int any = 0;

		puts_(buf, size, &o, " ");
		puts_(buf, size, &o, ar_method_name((enum ar_method)m));
		puts_(buf, size, &o, "=");
		for (i = 0; i < h.nresults; i++) {
			if (h.results[i].method_id != m)
				continue;
			if (any)
				puts_(buf, size, &o, ",");
			put(buf, size, &o, h.results[i].result.p, h.results[i].result.len);
			any = 1;
		}
		if (!any)
			puts_(buf, size, &o, "-");
	}
}

static const struct tcase rfc8601[] = {
	/* RFC 8601 Appendix B.2: service provided, no authentication done. */
	{ 'o', 0, "example.org 1; none", "example.org - - - - -" },
	/* B.3: one result. */
	{ 'o', 0, "example.com; spf=pass smtp.mailfrom=example.net", "example.com pass - - - -" },
	/* B.4: several results, one MTA; and the iprev header. */
	{ 'o', 0, "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net",
	  "example.com pass - - - -" },
	{ 'o', 0, "example.com; iprev=pass\r\n        policy.iprev=192.0.2.200", "example.com - - - - -" },
	/* B.5: different MTAs. */
	{ 'o', 0, "example.com;\r\n          dkim=pass (good signature) header.d=example.com", "example.com - pass - - -" },
	{ 'o', 0, "example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.com;\r\n          spf=fail smtp.mailfrom=example.com",
	  "example.com fail - - - -" },
	/* B.6: multi-tiered. */
	{ 'a', 0, "example.com;\r\n          dkim=pass reason=\"good signature\"\r\n            header.i=@mail-router.example.net;\r\n          dkim=fail reason=\"bad signature\"\r\n            header.i=@newyork.example.com",
	  "example.com spf=- dkim=pass,fail dmarc=- arc=-" },
	{ 'o', 0, "example.com;\r\n          dkim=pass reason=\"good signature\"\r\n            header.i=@mail-router.example.net;\r\n          dkim=fail reason=\"bad signature\"\r\n            header.i=@newyork.example.com",
	  "example.com - pass - - -" },
	{ 'o', 0, "example.net;\r\n          dkim=pass (good signature) header.i=@newyork.example.com", "example.net - pass - - -" },
	/* B.7: comment-heavy. */
	{ 'o', 0, "foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n      policy (A dot can go here) . (like that) expired\r\n      (this surprised me) = (as I wasn't expecting it) 1362471462",
	  "foo.example.net - fail - - -" },
	/* RFC 7601 section 2.2 / 8601: version, CFWS before none. */
	{ 'o', 0, "example.org 1 (version one) ; (nothing) none (really)", "example.org - - - - -" },
	{ 'o', 0, "example.org;none", "example.org - - - - -" },
	{ 'o', 0, "  (lead) example.org ; spf = pass", "example.org pass - - - -" },
	/* RFC 7601 2.7.1 DKIM results. */
	{ 'o', 0, "a.example; dkim=none", "a.example - none - - -" },
	{ 'o', 0, "a.example; dkim=neutral", "a.example - neutral - - -" },
	{ 'o', 0, "a.example; dkim=policy", "a.example - policy - - -" },
	{ 'o', 0, "a.example; dkim=temperror", "a.example - temperror - - -" },
	{ 'o', 0, "a.example; dkim=permerror", "a.example - permerror - - -" },
	/* 2.7.2 SPF results. */
	{ 'o', 0, "a.example; spf=softfail smtp.mailfrom=b.example", "a.example softfail - - - -" },
	{ 'o', 0, "a.example; spf=neutral smtp.helo=mail.b.example", "a.example neutral - - - -" },
	{ 'o', 0, "a.example; spf=none", "a.example none - - - -" },
	{ 'o', 0, "a.example; spf=policy smtp.mailfrom=b.example", "a.example policy - - - -" },
	/* Methods arstat does not count are read and ignored. */
	{ 'o', 0, "a.example; iprev=fail policy.iprev=192.0.2.1 (NOT FOUND); auth=none; dkim-adsp=pass; vbr=pass header.md=b.example header.mv=dwl.example",
	  "a.example - - - - -" },
	{ 'o', 0, "a.example; sender-id=fail header.from=b.example; domainkeys=neutral (no sig)", "a.example - - - - -" },
	/*
	 * Yahoo!'s legacy form, still written by Yahoo! JAPAN's servers: a
	 * "from=DOMAIN" property after the authserv-id and again before a
	 * later result, "domainkeys=" beside "dkim=", and a stray property as
	 * an element of its own. The results count; the rest is skipped.
	 */
	{ 'o', 0, "mta706.mail.djm.yahoo.co.jp  from=b.example; domainkeys=pass (ok); dkim=pass (ok); header.i=@b.example",
	  "mta706.mail.djm.yahoo.co.jp - pass - - -" },
	{ 'a', 0, "mta706.mail.djm.yahoo.co.jp  from=b.example; domainkeys=pass (ok); dkim=pass (ok); header.i=@b.example",
	  "mta706.mail.djm.yahoo.co.jp spf=- dkim=pass dmarc=- arc=-" },
	{ 'o', 0, "mta1328.mail.bf1.yahoo.com  from=b.example; domainkeys=neutral (no sig);  from=b.example; dkim=neutral (no sig)",
	  "mta1328.mail.bf1.yahoo.com - neutral - - -" },
	{ 'o', 0, "mta1146.mail.bf1.yahoo.com  from=; domainkeys=fail (bad syntax);  from=; dkim=neutral (no sig)",
	  "mta1146.mail.bf1.yahoo.com - neutral - - -" },
	{ 'o', 0, "mta.yahoo.co.jp from=b.example; spf=pass smtp.mailfrom=b.example; dkim=fail header.d=b.example; domainkeys=neutral (no sig) header.From=u@b.example",
	  "mta.yahoo.co.jp pass fail - - -" },
	{ 'o', 0, "mta.yahoo.co.jp 1 from=\"b.example\" (c); dkim=pass", "mta.yahoo.co.jp - pass - - -" },
	/* Only a property may stand there, not a result or a bare word. */
	{ 'o', 0, "mta.yahoo.co.jp from; dkim=pass", "error=bad-version" },
	{ 'o', 0, "mta.yahoo.co.jp dkim=pass", "error=bad-version" },
	{ 'o', 0, "a.example; dkim=pass; header.i", "error=expected-equals" },
	{ 'o', 0, "a.example; rrvs=pass smtp.rcptto=user@b.example; smime=pass body.smime-identifier=u@b.example",
	  "a.example - - - - -" },
	/* Method versions. */
	{ 'a', 0, "a.example; dkim/1=pass; spf / 2 = fail", "a.example spf=fail dkim=pass dmarc=- arc=-" },
	/* Keywords in any case. */
	{ 'o', 0, "A.EXAMPLE; SPF=PASS SMTP.MAILFROM=B.EXAMPLE; DKIM=Fail HEADER.D=B.EXAMPLE; DMARC=PASS", "a.example pass fail pass - -" },
	/* Quoted authserv-id and values. */
	{ 'o', 0, "\"a.example\"; spf=pass smtp.mailfrom=\"user;x\"@b.example", "a.example pass - - - -" },
	{ 'o', 0, "a.example; dkim=pass header.i=\"dkim\\\"quoted@b.example\"", "a.example - pass - - -" },
	/* Reason in token and quoted forms, and misplaced after properties. */
	{ 'o', 0, "a.example; dkim=fail reason=bad_signature header.d=b.example", "a.example - fail - - -" },
	{ 'o', 0, "a.example; dkim=fail header.d=b.example reason=\"late reason\"", "a.example - fail - - -" },
	/* Unknown ptypes kept, body ptype. */
	{ 'o', 0, "a.example; dkim=pass body.hash=abc header.d=b.example; spf=pass imap.override=true", "a.example pass pass - - -" },
	/* Nested and escaped comments; ";" and "=" inside comments and quotes do not count. */
	{ 'o', 0, "a.example; spf=fail (x (y; dkim=pass) \\) z) smtp.mailfrom=b.example", "a.example fail - - - -" },
	{ 'o', 0, "a.example; dkim=fail header.d=\"b.example; dkim=pass\"", "a.example - fail - - -" },
	{ 'o', 0, "a.example (dkim=pass; spf=pass); dmarc=none", "a.example - - none - -" },
	/* Empty property values (tolerated, as Fastmail writes them). */
	{ 'o', 0, "a.example; dmarc=none header.from=", "a.example - - none - -" },
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom=; dkim=pass", "a.example pass pass - - -" },
	/* Trailing semicolon(s) and white space. */
	{ 'o', 0, "a.example; spf=pass;", "a.example pass - - - -" },
	{ 'o', 0, "a.example; spf=pass; \t", "a.example pass - - - -" },
	{ 'o', 0, "a.example;", "a.example - - - - -" },
	{ 'o', 0, "a.example; none;", "a.example - - - - -" },
	/* Line endings at the very end. */
	{ 'o', 0, "a.example; spf=pass\r\n", "a.example pass - - - -" },
	{ 'o', 0, "a.example; spf=pass\n", "a.example pass - - - -" },
	{ 'o', 0, "a.example; spf=pass\r", "a.example pass - - - -" },
	/* Folding with bare LF and CRLF, space and tab. */
	{ 'o', 0, "a.example;\n\tspf=pass\n smtp.mailfrom=b.example;\r\n\tdkim=pass", "a.example pass pass - - -" },
	/* UTF-8 in quoted strings, comments and values (RFC 8616). */
	{ 'o', 0, "\"\xe6\x97\xa5\xe6\x9c\xac.jp\"; dkim=pass header.i=\xe4\xba\x8c@\xe9\xbb\x92.\xe6\x97\xa5\xe6\x9c\xac (\xc3\xa9)",
	  "\xe6\x97\xa5\xe6\x9c\xac.jp - pass - - -" },
};

static const struct tcase arc8617[] = {
	/* RFC 8617 section 4.1.1 / Appendix B: AAR with its instance tag. */
	{ 'o', A, "i=1; lists.example.org;\r\n      spf=pass smtp.mfrom=jqd@d1.example;\r\n      dkim=pass (1024-bit key) header.i=@d1.example;\r\n      dmarc=pass",
	  "lists.example.org pass pass pass - -" },
	{ 'o', A, "i=2; gmail.example; spf=fail smtp.from=jqd@d1.example; dkim=fail (512-bit key) header.i=@d1.example; dmarc=fail; arc=pass (as.2.gmail.example=pass, ams.2.gmail.example=pass, as.1.lists.example.org=pass, ams.1.lists.example.org=fail (message has been altered))",
	  "gmail.example fail fail fail pass -" },
	{ 'o', A, "i = 3 ; x.example; arc=fail (as.1.a.example=fail)", "x.example - - - fail -" },
	{ 'o', A, "x.example; arc=pass", "error=bad-instance" },
	{ 'o', A, "i=; x.example; arc=pass", "error=bad-instance" },
	{ 'o', A, "i=1 x.example; arc=pass", "error=bad-instance" },
	/* The same text without the flag is not an Authentication-Results value. */
	{ 'o', 0, "i=1; lists.example.org; spf=pass", "error=expected-semicolon" },
	/* ARC in Authentication-Results: comments never count. */
	{ 'o', 0, "mx.google.com; arc=pass (i=1 spf=pass spfdomain=a.example dkim=pass dkdomain=a.example dmarc=pass fromdomain=a.example)",
	  "mx.google.com - - - pass -" },
	{ 'o', 0, "a.example; arc=none", "a.example - - - none -" },
	{ 'o', 0, "a.example; arc=fail (1 set(s)) smtp.remote-ip=192.0.2.1", "a.example - - - fail -" },
	{ 'o', 0, "a.example; arc=pass header.oldest-pass=0 smtp.remote-ip=127.0.0.1", "a.example - - - pass -" },
	/* Microsoft's arc comment with brackets and "=" inside. */
	{ 'o', 0, "a.example; arc=pass (0 oda=1 ltdi=1 spf=[1,1,smtp.mailfrom=b.example] dkim=[1,1,header.d=b.example] dmarc=[1,1,header.from=b.example])",
	  "a.example - - - pass -" },
};

static const struct tcase vendors[] = {
	/* Gmail (published examples). */
	{ 'o', 0, "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20210112 header.b=Ab1/Cd+e;\r\n       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com dmarc=pass fromdomain=example.com);\r\n       spf=pass (google.com: domain of a@example.com designates 209.85.220.41 as permitted sender) smtp.mailfrom=a@example.com;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com",
	  "mx.google.com pass pass pass pass reject" },
	{ 'o', 0, "mx.google.com; spf=softfail (google.com: domain of transitioning a@b.example does not designate 192.0.2.1 as permitted sender) smtp.mailfrom=a@b.example; dmarc=fail (p=QUARANTINE sp=NONE dis=QUARANTINE) header.from=b.example",
	  "mx.google.com softfail - fail - quarantine" },
	{ 'o', 0, "mx.google.com; dkim=neutral (no key) header.i=@b.example; spf=neutral (google.com: 192.0.2.1 is neither permitted nor denied by best guess record for domain of a@b.example) smtp.mailfrom=a@b.example",
	  "mx.google.com neutral neutral - - -" },
	{ 'o', 0, "mx.google.com; gateway.spf=pass (google.com: domain a.example configured 192.0.2.1 as internal address) smtp.mailfrom=a@b.example; dkim=pass header.i=@b.example",
	  "mx.google.com - pass - - -" },
	{ 'o', 0, "mx.google.com; spf=temperror (google.com: error in processing during lookup of a@b.example: DNS error) smtp.mailfrom=a@b.example",
	  "mx.google.com temperror - - - -" },
	/* Microsoft 365: action=, compauth=, bestguesspass; EOP with an authserv-id. */
	{ 'o', 0, "mx.example.jp; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.com; dkim=pass (signature was verified) header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;compauth=pass reason=100",
	  "mx.example.jp pass pass pass - -" },
	{ 'o', 0, "mx.example.jp; dmarc=bestguesspass action=none header.from=contoso.com", "mx.example.jp - - none - -" },
	{ 'a', 0, "mx.example.jp; dmarc=bestguesspass action=none header.from=contoso.com", "mx.example.jp spf=- dkim=- dmarc=bestguesspass arc=-" },
	{ 'o', 0, "mx.example.jp; dkim=none (message not signed) header.d=none;dmarc=fail action=oreject header.from=b.example;compauth=fail reason=000",
	  "mx.example.jp - none fail - -" },
	{ 'o', 0, "mx.example.jp; dmarc=permerror action=none header.from=b.example;compauth=none reason=405", "mx.example.jp - - permerror - -" },
	{ 'o', 0, "mx.example.jp; dkim=timeout (key query timeout) header.d=b.example", "mx.example.jp - temperror - - -" },
	/* Microsoft without an authserv-id: not RFC 8601; rejected, never misread. */
	{ 'o', 0, "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.com; dkim=pass (signature was verified) header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;compauth=pass reason=100",
	  "error=expected-semicolon" },
	{ 'o', 0, "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example; mx.example.jp; dkim=pass", "error=expected-semicolon" },
	/* Yahoo. */
	{ 'o', 0, "atlas122.free.mail.gq1.yahoo.com; dkim=pass header.i=@b.example header.s=s1; spf=pass smtp.mailfrom=b.example; dmarc=pass(p=REJECT) header.from=b.example;",
	  "atlas122.free.mail.gq1.yahoo.com pass pass pass - reject" },
	{ 'a', 0, "atlas122.free.mail.gq1.yahoo.com; dkim=dkim_pass header.i=@b.example; dmarc=success(p=REJECT) header.from=b.example;",
	  "atlas122.free.mail.gq1.yahoo.com spf=- dkim=dkim_pass dmarc=success arc=-" },
	/* Yahoo's dkim_pass and success are not guessed into pass. */
	{ 'o', 0, "atlas122.free.mail.gq1.yahoo.com; dkim=dkim_pass header.i=@b.example; dmarc=success(p=REJECT) header.from=b.example;",
	  "atlas122.free.mail.gq1.yahoo.com - - - - reject" },
	/* Japanese carriers: hardfail, upper case, several tiers. */
	{ 'o', 0, "mfsmax.docomo.ne.jp; spf=hardfail smtp.mailfrom=b.example", "mfsmax.docomo.ne.jp fail - - - -" },
	{ 'a', 0, "mfsmax.docomo.ne.jp; spf=hardfail smtp.mailfrom=b.example", "mfsmax.docomo.ne.jp spf=hardfail dkim=- dmarc=- arc=-" },
	{ 'o', 0, "ezweb.ne.jp; dkim=hardfail header.d=b.example; dkim=pass header.d=c.example", "ezweb.ne.jp - pass - - -" },
	{ 'o', 0, "mx.softbank.jp; SPF=HardFail smtp.mailfrom=b.example; DKIM=HardFail header.i=@b.example", "mx.softbank.jp fail fail - - -" },
	{ 'o', 0, "mx.example.ne.jp; spf=pass smtp.mailfrom=b.example; sender-id=pass header.from=b.example; dkim=pass header.i=@b.example",
	  "mx.example.ne.jp pass pass - - -" },
	/* OpenDMARC, OpenDKIM, Fastmail, AOL, iCloud. */
	{ 'o', 0, "mail.example.jp; dmarc=none (p=none dis=none) header.from=b.example", "mail.example.jp - - none - -" },
	{ 'o', 0, "mail.example.jp; dmarc=fail (p=reject dis=reject) header.from=b.example", "mail.example.jp - - fail - reject" },
	{ 'o', 0, "mail.example.jp; dmarc=fail header.from=b.example policy.published-domain-policy=quarantine policy.applied-disposition=none",
	  "mail.example.jp - - fail - quarantine" },
	{ 'o', 0, "mail.example.jp; dkim=pass (2048-bit key; unprotected) header.d=b.example header.i=@b.example header.a=rsa-sha256 header.s=s1 header.b=n+hM2AZB;\n dkim-atps=neutral",
	  "mail.example.jp - pass - - -" },
	{ 'o', 0, "mx6.messagingengine.com; arc=none (no signatures found); dkim=pass (1024-bit rsa key sha256) header.d=b.example header.b=oF80QtY/ x-bits=1024; dmarc=pass (p=reject,d=none) header.from=b.example; x-tls=pass version=TLSv1.2 bits=128/128",
	  "mx6.messagingengine.com - pass pass none reject" },
	{ 'o', 0, "mx.aol.com;\n\tspf=pass (aol.com: the domain b.example reports 192.0.2.1 as a permitted sender.) smtp.mailfrom=b.example;\n\tdkim=pass (aol.com: email passed verification from the domain b.example.) header.i=@b.example;",
	  "mx.aol.com pass pass - - -" },
	{ 'o', 0, "mr21p00im-spfmilter010.me.com; spf=pass\n (mr21p00im-spfmilter010.me.com: domain of a@b.example\n designates 192.0.2.1 as permitted sender)\n smtp.mailfrom=a@b.example",
	  "mr21p00im-spfmilter010.me.com pass - - - -" },
	{ 'o', 0, "mxfront8g.mail.yandex.net; spf=pass (domain of b.example designates 192.0.2.1 as permitted sender, rule=[ip4:192.0.2.0/24]) smtp.mail=a@b.example; dkim=pass header.i=@b.example",
	  "mxfront8g.mail.yandex.net pass pass - - -" },
	/* Aliases: tempfail, permfail, bestguesspass only for DMARC. */
	{ 'o', 0, "a.example; spf=tempfail; dkim=permfail", "a.example temperror permerror - - -" },
	{ 'o', 0, "a.example; spf=bestguesspass", "a.example - - - - -" },
	{ 'o', 0, "a.example; dkim=foo; spf=pass", "a.example pass - - - -" },
	/* BIMI and its folded, unquoted URI. */
	{ 'o', 0, "a.example;\r\n  bimi=pass header.d=b.example header.selector=default\r\n    policy.authority=pass policy.authority-uri=\r\n    https://b.example/a.pem", "a.example - - - - -" },
	/* IPv6 address values. */
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom=b.example smtp.remote-ip=2001:db8::1; iprev=pass policy.iprev=2001:db8::1", "a.example pass - - - -" },
};

static const struct tcase malformed[] = {
	{ 'o', 0, "", "error=empty" },
	{ 'o', 0, "   ", "error=empty" },
	{ 'o', 0, "(only a comment)", "error=empty" },
	{ 'o', 0, ";none", "error=no-authserv-id" },
	{ 'o', 0, "; spf=pass", "error=no-authserv-id" },
	{ 'o', 0, "\"\"; none", "error=no-authserv-id" },
	{ 'o', 0, "example/net; none", "error=expected-semicolon" },
	{ 'o', 0, "a.example", "error=expected-semicolon" },
	{ 'o', 0, "a.example 1", "error=expected-semicolon" },
	{ 'o', 0, "a.example foo; none", "error=bad-version" },
	{ 'o', 0, "a.example 1.0; none", "error=bad-version" },
	{ 'o', 0, "a.example 1 1; none", "error=bad-version" },
	{ 'o', 0, "a.example 1a; none", "error=bad-version" },
	{ 'o', 0, "a.example = = x;", "error=expected-semicolon" },
	{ 'o', 0, "\xc3\xa9xampl\xc3\xa9.org; none", "error=no-authserv-id" },
	{ 'o', 0, "a.example; spf", "error=expected-equals" },
	{ 'o', 0, "a.example; spf pass", "error=expected-equals" },
	{ 'o', 0, "a.example; spf=", "error=expected-result" },
	{ 'o', 0, "a.example; spf= ;", "error=expected-result" },
	{ 'o', 0, "a.example; spf=.", "error=expected-result" },
	{ 'o', 0, "a.example; spf=\"pass\"", "error=expected-result" },
	{ 'o', 0, "a.example; \"spf\"=pass", "error=expected-method" },
	{ 'o', 0, "a.example; =pass", "error=expected-method" },
	{ 'o', 0, "a.example; .", "error=expected-method" },
	{ 'o', 0, "a.example; ;spf=pass", "error=expected-method" },
	{ 'o', 0, "a.example; spf=pass;; dkim=pass", "error=expected-method" },
	{ 'o', 0, "a.example; dkim/=pass", "error=bad-method-version" },
	{ 'o', 0, "a.example; dkim/a=pass", "error=bad-method-version" },
	{ 'o', 0, "a.example; dkim/1.0=pass", "error=bad-method-version" },
	{ 'o', 0, "a.example; none; spf=pass", "error=none-with-results" },
	{ 'o', 0, "a.example; spf=fail; none", "error=none-with-results" },
	{ 'o', 0, "a.example; none none", "error=none-with-results" },
	{ 'o', 0, "a.example; none dkim=pass", "error=none-with-results" },
	{ 'o', 0, "a.example; spf=pass reason", "error=bad-reason" },
	{ 'o', 0, "a.example; spf=pass reason=", "error=bad-reason" },
	{ 'o', 0, "a.example; spf=pass reason \"x\"", "error=bad-reason" },
	{ 'o', 0, "a.example; spf=pass smtp", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass smtp.", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom;", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass smtp..mailfrom=x", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass smtp=mailfrom=x", "error=bad-property" },
	{ 'o', 0, "a.example; iprev=pass policy.iprev.192.0.2.1", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom=a@b.example for c@d.example", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass .", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass reason=\"x\" .;", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass; outlook.com; dkim=pass", "error=expected-equals" },
	{ 'o', 0, "a.example; spf=pass (unterminated", "error=unterminated-comment" },
	{ 'o', 0, "a.example; dkim=pass ((a) b", "error=unterminated-comment" },
	{ 'o', 0, "a.example (x; none", "error=unterminated-comment" },
	{ 'o', 0, "(x a.example; none", "error=unterminated-comment" },
	{ 'o', 0, "a.example; spf=pass (a\\", "error=unterminated-comment" },
	{ 'o', 0, "a.example; dkim=pass (a (b)) c) header.d=x", "error=bad-property" },
	{ 'o', 0, "a.example; dkim=pass ) header.d=x", "error=unterminated-comment" },
	{ 'o', 0, "\"a.example; none", "error=unterminated-quote" },
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom=\"a", "error=unterminated-quote" },
	{ 'o', 0, "a.example; spf=pass reason=\"x\\\"", "error=unterminated-quote" },
	{ 'o', 0, "a.example;\nspf=pass", "error=bad-line-break" },
	{ 'o', 0, "a.example; spf=pass\n\n smtp.mailfrom=x", "error=bad-line-break" },
	{ 'o', 0, "a.example; spf=pass\r smtp.mailfrom=x", "error=bad-line-break" },
	{ 'o', 0, "a.example; spf=pass (a\nb)", "error=bad-line-break" },
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom=\"a\nb\"", "error=bad-line-break" },
	{ 'o', 0, "a.example; spf=pass\r\n", "a.example pass - - - -" },
	{ 'o', 0, "a.example; spf=pass\r\n\r\n", "error=bad-line-break" },
	{ 'o', 0, "a.example; spf=pass\x01", "error=bad-property" },
	{ 'o', 0, "a.example; spf=pass (a\x1b b)", "error=control-character" },
	{ 'o', 0, "a.example; spf=pass reason=\"a\x7f\"", "error=control-character" },
	{ 'o', 0, "a.example  from=b.example; dkim=pass", "a.example - pass - - -" },
	{ 'o', 0, "i=5", "error=expected-semicolon" },
	{ 'o', 0, "test.example.com; foo=bar;dkim=fail ;one=; two ;three;dmarc=pass", "error=expected-result" },
	/* Text after the value must not be ignored. */
	{ 'o', 0, "a.example; spf=pass smtp.mailfrom=a.example \"q\"", "error=bad-property" },
};

static const struct tcase logged[] = {
	/* Postfix header_checks INFO: cut at 200 characters (AUTHRES_F_TRUNCATED). */
	{ 'o', T, "mx.example.jp; spf=pass; dkim=pa", "mx.example.jp pass - - - -" },
	{ 'a', T, "mx.example.jp; spf=pass; dkim=pa", "mx.example.jp spf=pass dkim=- dmarc=- arc=-" },
	{ 'o', T, "mx.example.jp; spf=pass; dmarc=pass (p=rej", "mx.example.jp pass - - - -" },
	{ 'o', T, "mx.example.jp; spf=pass; dkim=pass header.d=\"b.exa", "mx.example.jp pass - - - -" },
	{ 'o', T, "mx.example.jp; spf=pass smtp.mailfrom=b.exa", "mx.example.jp - - - - -" },
	{ 'o', T, "mx.example.jp; spf=pass; dkim=pass;", "mx.example.jp pass pass - - -" },
	{ 'o', T, "mx.example.jp; spf=pass; dkim=pass; ", "mx.example.jp pass pass - - -" },
	{ 'o', T, "mx.example.jp; spf=pass; dkim=pass; d", "mx.example.jp pass pass - - -" },
	{ 'o', T, "mx.example.jp; spf=pass;", "mx.example.jp pass - - - -" },
	{ 'o', T, "mx.example.jp;", "mx.example.jp - - - - -" },
	{ 'o', T, "mx.example.jp; no", "mx.example.jp - - - - -" },
	{ 'o', T, "mx.exam", "error=truncated" },
	{ 'o', T, "mx.example.jp (a comm", "error=truncated" },
	{ 'o', T, "", "error=empty" },
	/* A real error before the cut is still an error. */
	{ 'o', T, "mx.example.jp; spf=pass (x; dkim; dkim=pa", "mx.example.jp - - - - -" },
	{ 'o', T, "mx.example.jp; spf pass; dkim=pa", "error=expected-equals" },
	{ 'o', T, "mx.example.jp foo; spf=pass; dkim=pa", "error=bad-version" },
	/* Without the flag, "dkim=pa" is a (unknown) result, and a cut comment is an error. */
	{ 'a', 0, "mx.example.jp; spf=pass; dkim=pa", "mx.example.jp spf=pass dkim=pa dmarc=- arc=-" },
	{ 'o', 0, "mx.example.jp; spf=pass; dkim=pa", "mx.example.jp pass - - - -" },
	{ 'o', 0, "mx.example.jp; spf=pass; dmarc=pass (p=rej", "error=unterminated-comment" },
	/* Postfix prints a folded header's line breaks and tabs as "?". */
	{ 'o', Q, "mx.example.jp;??spf=pass smtp.mailfrom=b.example;??dkim=pass header.d=b.example", "mx.example.jp pass pass - - -" },
	{ 'o', Q, "mx.example.jp;? spf=pass (why? because)? smtp.mailfrom=b.example", "mx.example.jp pass - - - -" },
	{ 'o', Q, "mx.example.jp; dkim=pass header.i=\"a?b\"@b.example", "mx.example.jp - pass - - -" },
	{ 'o', 0, "mx.example.jp;??spf=pass", "error=expected-method" },
	{ 'o', Q | T, "mx.example.jp;??spf=pass;??dkim=fa", "mx.example.jp pass - - - -" },
	/* Exim's logwrite escapes line breaks and tabs as \n, \r and \t. */
	{ 'o', X, "mx.example.jp;\\n\\tspf=pass smtp.mailfrom=b.example;\\n\\tdkim=pass (2048-bit\\n\\t key) header.d=b.example",
	  "mx.example.jp pass pass - - -" },
	{ 'o', X, "mx.example.jp;\\r\\n spf=pass", "mx.example.jp pass - - - -" },
	{ 'o', X, "mx.example.jp; spf=pass\\n", "mx.example.jp pass - - - -" },
	{ 'o', X, "mx.example.jp;\\nspf=pass", "error=bad-line-break" },
	{ 'o', X, "mx.example.jp; dkim=pass header.i=\\344\\272\\214@b.example", "mx.example.jp - pass - - -" },
	{ 'o', X, "mx.example.jp; spf=pass (a \\) b)", "mx.example.jp pass - - - -" },
	{ 'o', 0, "mx.example.jp;\\n\\tspf=pass", "error=expected-method" },
};

static const struct tcase policies[] = {
	{ 'o', 0, "a.example; dmarc=pass (p=none dis=none) header.from=b.example", "a.example - - pass - none" },
	{ 'o', 0, "a.example; dmarc=pass (P=Quarantine) header.from=b.example", "a.example - - pass - quarantine" },
	{ 'o', 0, "a.example; dmarc=fail (sp=reject p=none) header.from=b.example", "a.example - - fail - none" },
	{ 'o', 0, "a.example; dmarc=fail (sp=reject) header.from=b.example", "a.example - - fail - -" },
	{ 'o', 0, "a.example; dmarc=pass (policy=reject) header.from=b.example", "a.example - - pass - reject" },
	{ 'o', 0, "a.example; dmarc=pass (p=reject,d=none) header.from=b.example", "a.example - - pass - reject" },
	{ 'o', 0, "a.example; dmarc=pass policy.published-domain-policy=reject", "a.example - - pass - reject" },
	{ 'o', 0, "a.example; dmarc=pass policy.published-domain-policy=\"quarantine\"", "a.example - - pass - quarantine" },
	/* The property wins over a comment. */
	{ 'o', 0, "a.example; dmarc=pass (p=none) policy.published-domain-policy=reject", "a.example - - pass - reject" },
	/* Only a dmarc resinfo's comment counts, and not a p= of other words. */
	{ 'o', 0, "a.example; spf=pass (p=reject); dkim=pass (p=reject)", "a.example pass pass - - -" },
	{ 'o', 0, "a.example; dmarc=pass (xp=reject)", "a.example - - pass - -" },
	{ 'o', 0, "a.example; dmarc=pass (p=bogus)", "a.example - - pass - -" },
	/* The strongest policy of two dmarc results. */
	{ 'o', 0, "a.example; dmarc=none (p=none); dmarc=fail (p=reject)", "a.example - - fail - reject" },
	/*
	 * dmarc=none is "no DMARC policy record was published" (RFC 7489
	 * section 11.2), so no policy counts whatever the comment says.
	 * OpenDMARC's mlfi_eom() writes "dmarc=%s (p=%s dis=%s)" with p= from
	 * the record's p/sp, which is "none" also when there is no record
	 * (DMARC_POLICY_ABSENT) or no From: domain (DMARC_FROM_DOMAIN_ABSENT).
	 */
	{ 'o', 0, "mail.example.jp; dmarc=none (p=none dis=none) header.from=b.example", "mail.example.jp - - none - -" },
	{ 'o', 0, "mail.example.jp; dmarc=none (p=none dis=none) header.from=", "mail.example.jp - - none - -" },
	{ 'o', 0, "a.example; dmarc=none policy.published-domain-policy=none", "a.example - - none - -" },
	{ 'o', 0, "a.example; dmarc=none (p=reject)", "a.example - - none - -" },
	/* A record with p=none that the message fails, passes or cannot reach: p=none counts. */
	{ 'o', 0, "mail.example.jp; dmarc=fail (p=none dis=none) header.from=b.example", "mail.example.jp - - fail - none" },
	{ 'o', 0, "mail.example.jp; dmarc=pass (p=none dis=none) header.from=b.example", "mail.example.jp - - pass - none" },
	/* The message's policy across a no-record header and a p=none one. */
	{ 'o', 0, "a.example; dmarc=none (p=none); dmarc=fail (p=none)", "a.example - - fail - none" },
	/* A policy after the cut is not read. */
	{ 'o', T, "a.example; dmarc=fail (p=reject", "a.example - - - - -" },
};

static unsigned run_table(const char *name, const struct tcase *t, size_t n)
{
	char got[1024];
	size_t i;
	unsigned bad = 0;

	for (i = 0; i < n; i++) {
		summarise(t[i].mode, t[i].flags, t[i].in, got, sizeof(got));
		if (strcmp(got, t[i].want) != 0) {
			printf("\n%s[%zu] flags=%u in: %s\n  want: %s\n  got:  %s\n", name, i, t[i].flags,
			       t[i].in, t[i].want, got);
			bad++;
		}
		CU_ASSERT_STRING_EQUAL(got, t[i].want);
	}
	return bad;
}

#define RUN(tbl) run_table(#tbl, tbl, sizeof(tbl) / sizeof(tbl[0]))

static void test_rfc8601(void) { RUN(rfc8601); }
static void test_arc(void) { RUN(arc8617); }
static void test_vendors(void) { RUN(vendors); }
static void test_malformed(void) { RUN(malformed); }
static void test_logged(void) { RUN(logged); }
static void test_policies(void) { RUN(policies); }

int main(void)
{
	CU_pSuite s;
	unsigned failed;
	size_t total = sizeof(rfc8601) / sizeof(rfc8601[0]) + sizeof(arc8617) / sizeof(arc8617[0]) +
	               sizeof(vendors) / sizeof(vendors[0]) + sizeof(malformed) / sizeof(malformed[0]) +
	               sizeof(logged) / sizeof(logged[0]) + sizeof(policies) / sizeof(policies[0]);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("authres_rfc", NULL, NULL);
	CU_add_test(s, "RFC 8601 Appendix B and RFC 7601", test_rfc8601);
	CU_add_test(s, "RFC 8617 ARC", test_arc);
	CU_add_test(s, "vendors", test_vendors);
	CU_add_test(s, "malformed", test_malformed);
	CU_add_test(s, "as logged (cut, ??, \\n)", test_logged);
	CU_add_test(s, "DMARC policy", test_policies);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	printf("authres_rfc: %zu table cases\n", total);
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
