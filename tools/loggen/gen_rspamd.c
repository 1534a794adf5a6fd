/*
 * gen_rspamd - rspamd's own log file, rspamd.log (collector/input_rspamd.c
 * reads it): "STAMP #PID(PROCESS) <TAG>; MODULE; FUNC: TEXT", the loaded
 * message and the scan result "rspamd_task_write_log: ..., qid: <QID>, ...
 * (default: T (add header): ...)", qid being Postfix's queue ID or Exim's
 * message ID. With --spam-filter rspamd-symbols the symbol list carries the
 * SPF, DKIM, DMARC and ARC symbols of the message's results as rspamd's
 * modules insert them (the collector reads them with rspamd_symbols = yes);
 * plain rspamd writes none of them.
 */
#include "loggen_int.h"

/* rspamd's is_spam letter and action (collector/input_rspamd.c). The
 * actions that refuse the message (reject, greylist, soft reject) are not
 * used: the message would not be queued. */
static const struct {
	const char *text;
	int spam;
} rspamd_verdicts[] = {
	{ "F (no action)", 0 },
	{ "S (no action)", 0 },  /* scan skipped: no verdict, ham by spam_default */
	{ "T (add header)", 1 },
	{ "T (rewrite subject)", 1 },
	{ "F (add header)", 1 }, /* rspamd before 2.0: T only for reject */
};

static void rspamd_host_init(struct gen *g)
{
	g->rspamd_pid[0] = loggen_pid_new(g);
	g->rspamd_pid[1] = loggen_pid_new(g);
}

/*
 * The symbol rspamd inserts for result r of method m (src/plugins/lua/spf.lua,
 * dkim_check.c, dmarc.lua, arc.lua), its score and whether options follow;
 * NULL for a result none of its symbols gives (DKIM neutral, policy). A
 * DMARC failure's symbol is the published policy's.
 */
static const char *auth_symbol(enum ar_method m, enum ar_result r, enum ar_policy pol)
{
	static const char *const spf[NRES] = {
		[AR_NONE] = "R_SPF_NA(0.00){}",           [AR_PASS] = "R_SPF_ALLOW(-0.20){",
		[AR_FAIL] = "R_SPF_FAIL(1.00){-all;}",    [AR_SOFTFAIL] = "R_SPF_SOFTFAIL(0.00){~all;}",
		[AR_NEUTRAL] = "R_SPF_NEUTRAL(0.00){?all;}", [AR_TEMPERROR] = "R_SPF_DNSFAIL(0.00){}",
		[AR_PERMERROR] = "R_SPF_PERMFAIL(0.00){}",
	};
	static const char *const dkim[NRES] = {
		[AR_NONE] = "R_DKIM_NA(0.00){}",          [AR_PASS] = "R_DKIM_ALLOW(-0.20){",
		[AR_FAIL] = "R_DKIM_REJECT(1.00){",       [AR_TEMPERROR] = "R_DKIM_TEMPFAIL(0.00){",
		[AR_PERMERROR] = "R_DKIM_PERMFAIL(0.00){",
	};
	static const char *const dmarc_fail[POL_COUNT] = {
		[POL_NONE] = "DMARC_POLICY_SOFTFAIL(0.10){",
		[POL_QUARANTINE] = "DMARC_POLICY_QUARANTINE(1.50){",
		[POL_REJECT] = "DMARC_POLICY_REJECT(2.00){",
	};
	static const char *const dmarc[NRES] = {
		[AR_NONE] = "DMARC_NA(0.00){", [AR_PASS] = "DMARC_POLICY_ALLOW(-0.50){",
		[AR_TEMPERROR] = "DMARC_DNSFAIL(0.00){", [AR_PERMERROR] = "DMARC_BAD_POLICY(0.50){",
	};
	static const char *const arc[NRES] = {
		[AR_NONE] = "ARC_NA(0.00){}",                      [AR_PASS] = "ARC_ALLOW(-1.00){",
		[AR_FAIL] = "ARC_REJECT(1.00){seal check failed: fail, {};}",
		[AR_TEMPERROR] = "ARC_DNSFAIL(0.00){}", [AR_PERMERROR] = "ARC_INVALID(0.50){invalid count of seals and signatures;}",
	};

	if (r >= NRES)
		return NULL;
	switch (m) {
	case AR_SPF:
		return spf[r];
	case AR_DKIM:
		return dkim[r];
	case AR_DMARC:
		/* A failure or a temporary error names the policy, which a
		 * message without one cannot have. */
		if ((r == AR_FAIL || r == AR_TEMPERROR || r == AR_PASS) && pol == POL_ABSENT)
			return NULL;
		return r == AR_FAIL ? dmarc_fail[pol] : dmarc[r];
	case AR_ARC:
		return arc[r];
	case AR_METHOD_COUNT:
		break;
	}
	return NULL;
}

static void rspamd_present(struct gen *g, struct sess *s)
{
	static const unsigned w_ham[] = { 950, 50, 0, 0, 0 }, w_spam[] = { 0, 0, 700, 200, 100 };
	int m;

	s->rspamd_verdict = (unsigned char)loggen_spam_verdict(g, s, w_ham, w_spam, 5);
	s->tspam = rspamd_verdicts[s->rspamd_verdict].spam;
	/* A skipped scan has no symbols. */
	if (g->su->spam != SPAMF_RSPAMD_SYMBOLS || s->rspamd_verdict == 1)
		return;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		if (s->res[m] != AR_ABSENT && auth_symbol((enum ar_method)m, s->res[m], s->pol) != NULL)
			s->mres[m] = s->res[m];
	}
	/* dmarc.lua's symbols carry the policy but for DMARC_NA and
	 * DMARC_BAD_POLICY (no usable record). */
	if (s->mres[AR_DMARC] == AR_PASS || s->mres[AR_DMARC] == AR_FAIL ||
	    s->mres[AR_DMARC] == AR_TEMPERROR)
		s->mpol = s->pol;
}

/* The options of s's symbol for method m, after its "{", up to its "}". */
static void auth_options(struct lbuf *b, const struct sess *s, enum ar_method m)
{
	const char *dom = loggen_senders[s->sender].domain;

	switch (m) {
	case AR_SPF:
		lb_str(b, "+ip4:");
		lb_str(b, loggen_senders[s->sender].ip);
		lb_str(b, ";}");
		return;
	case AR_DKIM:
		lb_str(b, dom);
		lb_str(b, ":s=");
		lb_str(b, loggen_selectors[s->selector]);
		lb_str(b, ";}");
		return;
	case AR_DMARC:
		lb_str(b, dom);
		if (s->res[m] == AR_FAIL)
			lb_str(b, " : No valid SPF, No valid DKIM");
		else if (s->res[m] == AR_TEMPERROR)
			lb_str(b, " : SPF/DKIM temp error");
		else if (s->res[m] == AR_PERMERROR)
			lb_str(b, " : p tag has invalid value: bogus");
		lb_chr(b, ';');
		if (s->res[m] == AR_PASS || s->res[m] == AR_FAIL || s->res[m] == AR_TEMPERROR) {
			lb_str(b, ar_policy_name(s->pol));
			lb_chr(b, ';');
		}
		lb_chr(b, '}');
		return;
	case AR_ARC:
		lb_str(b, "fwd.example:s=arc:i=1;}");
		return;
	case AR_METHOD_COUNT:
		break;
	}
}

static int64_t rspamd_layout(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;

	t += rng_range(r, 200, 3 * US_PER_MS);
	sess_add(s, t, L_RSPAMD_LOADED, 0);
	t += rng_range(r, 20 * US_PER_MS, 200 * US_PER_MS);
	sess_add(s, t, L_RSPAMD_RESULT, 0);
	return t;
}

static void lb_rspamd_prefix(struct gen *g, struct lbuf *b, int64_t t, const struct sess *s)
{
	/* Through the milter Postfix talks to rspamd's proxy worker; Exim's
	 * spam= condition to a normal worker. */
	loggen_time_iso(g, b, t, 0);
	lb_str(b, " #");
	lb_dec(b, g->rspamd_pid[s->msgid_rand % 2], 1);
	lb_str(b, s->exim ? "(normal) <" : "(rspamd_proxy) <");
	lb_hex(b, (s->msgid_rand >> 8) & 0xFFFFFF, 6, 0);
	lb_str(b, s->exim ? ">; task; " : ">; proxy; ");
}

/* Two 64-bit hex numbers that look like a hash of the message. */
static void lb_hash(struct lbuf *b, uint64_t x, uint64_t mul, uint64_t mask)
{
	lb_hex(b, x * mul, 16, 0);
	lb_hex(b, x ^ mask, 16, 0);
}

static void rspamd_loaded(struct lbuf *b, const struct sess *s)
{
	lb_str(b, "rspamd_message_parse: loaded message; id: <");
	loggen_msgid(b, s);
	lb_str(b, ">; queue-id: <");
	lb_str(b, s->qid);
	lb_str(b, ">; size: ");
	lb_dec(b, s->size, 1);
	lb_str(b, "; checksum: <");
	lb_hash(b, s->msgid_rand, 0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL);
	lb_chr(b, '>');
}

static void rspamd_result(struct gen *g, struct lbuf *b, const struct sess *s)
{
	int spam = rspamd_verdicts[s->rspamd_verdict].spam;
	int skipped = s->rspamd_verdict == 1;
	unsigned n;

	lb_str(b, "rspamd_task_write_log: id: <");
	loggen_msgid(b, s);
	lb_str(b, ">, qid: <");
	lb_str(b, s->qid);
	lb_str(b, ">, ip: ");
	lb_str(b, loggen_senders[s->sender].ip);
	lb_str(b, ", from: <");
	loggen_sender(b, s);
	lb_str(b, ">, (default: ");
	lb_str(b, rspamd_verdicts[s->rspamd_verdict].text);
	lb_str(b, ": [");
	loggen_milli(b, skipped ? 0 : loggen_spam_score(s, spam), 2);
	lb_str(b, "/15.00] [");
	/* A skipped scan has no symbols. */
	if (!skipped) {
		int m;

		lb_str(b, spam ? "BAYES_SPAM(5.10){99.99%;},MISSING_MID(2.50){}"
		               : "MIME_GOOD(-0.10){text/plain;},ASN(0.00){}");
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			const char *sym;

			if (s->mres[m] == AR_ABSENT)
				continue;
			sym = auth_symbol((enum ar_method)m, s->mres[m], s->pol);
			lb_chr(b, ',');
			lb_str(b, sym);
			if (sym[strlen(sym) - 1] == '{')
				auth_options(b, s, (enum ar_method)m);
		}
	}
	lb_str(b, "]), len: ");
	lb_dec(b, s->size, 1);
	lb_str(b, ", time: ");
	loggen_milli(b, (int64_t)(20000 + (s->msgid_rand >> 30) % 180000), 3);
	lb_str(b, "ms, dns req: ");
	lb_dec(b, (s->msgid_rand >> 50) % 40, 1);
	lb_str(b, ", digest: <");
	lb_hash(b, s->msgid_rand, 0xD1B54A32D192ED03ULL, 0x8CB92BA72F3D8DD7ULL);
	lb_str(b, ">, rcpts: <");
	for (n = 0; n < s->nrcpt; n++) {
		if (n > 0)
			lb_chr(b, ',');
		loggen_rcpt(g, b, s->rcpt[n]);
	}
	lb_str(b, ">, mime_rcpts: <");
	loggen_rcpt(g, b, s->rcpt[0]);
	lb_chr(b, '>');
}

static void rspamd_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;

	lb_rspamd_prefix(g, b, s->t[i], s);
	if (s->kind[i] == L_RSPAMD_LOADED)
		rspamd_loaded(b, s);
	else
		rspamd_result(g, b, s);
	loggen_out_line(g, 1, b);
}

const struct gen_filter gen_rspamd = {
	.file = "rspamd.log",
	.format = "rspamd",
	.kinds = LINE_BIT(L_RSPAMD_LOADED) | LINE_BIT(L_RSPAMD_RESULT),
	.host_init = rspamd_host_init,
	.present = rspamd_present,
	.layout = rspamd_layout,
	.line = rspamd_line,
};
