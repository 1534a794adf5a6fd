/*
 * gen_amavis - amavisd-new's "(PID-NN) Passed CATEGORY {ACTION}, ...,
 * Queue-ID: QID, ..." in the maillog (collector/input_amavis.c reads it), as
 * a milter at the end of DATA (amavisd-milter) or, as Postfix's
 * content_filter, after the first delivery with the re-injected copy's queue
 * ID as "queued_as:".
 */
#include "loggen_int.h"

/* amavis categories: the verdict each gives (collector/input_amavis.c). */
static const struct {
	const char *name;
	const char *action;
	int spam;
} amavis_cats[] = {
	{ "CLEAN", "RelayedInbound", 0 },
	{ "BAD-HEADER-0", "RelayedInbound", 0 },
	{ "UNCHECKED", "RelayedInbound", 0 }, /* no verdict: ham by spam_default */
	{ "SPAMMY", "RelayedTaggedInbound", 1 },
	{ "SPAM", "RelayedTaggedInbound", 1 },
};

static void amavis_host_init(struct gen *g)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		g->amavis_pid[i] = loggen_pid_new(g);
}

static void amavis_present(struct gen *g, struct sess *s)
{
	static const unsigned w_ham[] = { 900, 60, 40, 0, 0 }, w_spam[] = { 0, 0, 0, 300, 700 };

	s->amavis_cat = (unsigned char)loggen_spam_verdict(g, s, w_ham, w_spam, 5);
	s->tspam = amavis_cats[s->amavis_cat].spam;
}

/* As a milter only: as content_filter the MTA's delivery chain holds its
 * line (build_message). */
static int64_t amavis_layout(struct gen *g, struct sess *s, int64_t t)
{
	if (g->su->spam != SPAMF_AMAVIS)
		return t;
	t += rng_range(&g->rng, 50 * US_PER_MS, 900 * US_PER_MS);
	sess_add(s, t, L_AMAVIS, 0);
	return t;
}

static void amavis_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	const char *ip = loggen_senders[s->sender].ip;
	/* amavisd children serve up to 20 messages each ($max_requests),
	 * numbered in the log ID "(PID-NN)". */
	unsigned c = (unsigned)rng_below(&g->rng, 4), n;

	if (++g->amavis_nreq[c] > 20) {
		g->amavis_pid[c] = loggen_pid_new(g);
		g->amavis_nreq[c] = 1;
	}
	gen_syslog_prefix(g, b, s->t[i], "amavis", NULL, g->amavis_pid[c]);
	lb_chr(b, '(');
	lb_dec(b, g->amavis_pid[c], 5);
	lb_chr(b, '-');
	lb_dec(b, g->amavis_nreq[c], 2);
	lb_str(b, ") Passed ");
	lb_str(b, amavis_cats[s->amavis_cat].name);
	lb_str(b, " {");
	lb_str(b, amavis_cats[s->amavis_cat].action);
	lb_str(b, "}, [");
	lb_str(b, ip);
	lb_str(b, "]:");
	lb_dec(b, loggen_client_port(s), 1);
	lb_str(b, " [");
	lb_str(b, ip);
	lb_str(b, "] <");
	loggen_sender(b, s);
	lb_str(b, "> -> ");
	for (n = 0; n < s->nrcpt; n++) {
		lb_str(b, n > 0 ? ",<" : "<");
		loggen_rcpt(g, b, s->rcpt[n]);
		lb_chr(b, '>');
	}
	lb_str(b, ", Queue-ID: ");
	lb_str(b, s->qid);
	lb_str(b, ", Message-ID: <");
	loggen_msgid(b, s);
	lb_str(b, ">, mail_id: ");
	loggen_b64ish(b, s->msgid_rand ^ 0x5a5a5a5aULL, 12);
	lb_str(b, ", Hits: ");
	if (strcmp(amavis_cats[s->amavis_cat].name, "UNCHECKED") == 0)
		lb_chr(b, '-');
	else
		loggen_milli(b, loggen_spam_score(s, amavis_cats[s->amavis_cat].spam), 3);
	lb_str(b, ", size: ");
	lb_dec(b, s->size, 1);
	if (g->su->spam == SPAMF_AMAVIS_CF) {
		lb_str(b, ", queued_as: ");
		lb_str(b, s->qid2);
	}
	if (s->mres[AR_DKIM] == AR_PASS || s->hres[AR_DKIM] == AR_PASS) {
		lb_str(b, ", dkim_sd=");
		lb_str(b, loggen_selectors[s->selector]);
		lb_chr(b, ':');
		lb_str(b, loggen_senders[s->sender].domain);
	}
	lb_str(b, ", ");
	lb_dec(b, 50 + (s->msgid_rand >> 24) % 900, 1);
	lb_str(b, " ms");
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_amavis = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_AMAVIS),
	.host_init = amavis_host_init,
	.present = amavis_present,
	.layout = amavis_layout,
	.line = amavis_line,
};
