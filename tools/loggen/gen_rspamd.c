/*
 * gen_rspamd - rspamd's own log file, rspamd.log (collector/input_rspamd.c
 * reads it): "STAMP #PID(PROCESS) <TAG>; MODULE; FUNC: TEXT", the loaded
 * message and the scan result "rspamd_task_write_log: ..., qid: <QID>, ...
 * (default: T (add header): ...)", qid being Postfix's queue ID or Exim's
 * message ID.
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

static void rspamd_present(struct gen *g, struct sess *s)
{
	static const unsigned w_ham[] = { 950, 50, 0, 0, 0 }, w_spam[] = { 0, 0, 700, 200, 100 };

	s->rspamd_verdict = (unsigned char)loggen_spam_verdict(g, s, w_ham, w_spam, 5);
	s->tspam = rspamd_verdicts[s->rspamd_verdict].spam;
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
	if (!skipped)
		lb_str(b, spam ? "BAYES_SPAM(5.10){99.99%;},MISSING_MID(2.50){},"
		                 "R_SPF_SOFTFAIL(0.00){~all;}"
		               : "R_SPF_ALLOW(-0.20){+ip4;},MIME_GOOD(-0.10){text/plain;},"
		                 "ASN(0.00){}");
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
