/*
 * gen_exim_dkim - Exim's own DKIM verification lines in its main log
 * (log_selector +dkim_verbose; collector/input_exim.c reads them): "STAMP
 * MSGID DKIM: d=DOMAIN s=SELECTOR c=relaxed/relaxed a=rsa-sha256 b=2048
 * [RESULT]", one for the message's signature, as dkim_exim_verify_log_sig()
 * writes it, before the "<=" line. An unsigned message has none.
 */
#include "loggen_int.h"

/* The bracket Exim writes for each result (the collector maps it back as
 * Exim's ${authresults} does); NULL for one no line gives. */
static const char *const dkim_texts[NRES] = {
	[AR_PASS] = "verification succeeded",
	[AR_FAIL] = "verification failed - body hash mismatch (body probably modified in transit)",
	[AR_NEUTRAL] = "invalid - syntax error in public key record",
	[AR_TEMPERROR] = "invalid - public key record (currently?) unavailable",
	[AR_PERMERROR] = "invalid - unspecified problem",
	[AR_POLICY] = "fail - hash too weak",
};

static void exim_dkim_host_init(struct gen *g)
{
	(void)g;
}

/* The line's result is the message's DKIM result; it draws nothing. */
static void exim_dkim_present(struct gen *g, struct sess *s)
{
	enum ar_result v = s->res[AR_DKIM];

	(void)g;
	if (v != AR_ABSENT && v < NRES && dkim_texts[v] != NULL)
		s->mres[AR_DKIM] = v;
}

static int64_t exim_dkim_layout(struct gen *g, struct sess *s, int64_t t)
{
	(void)g;
	if (s->mres[AR_DKIM] == AR_ABSENT)
		return t;
	sess_add(s, t + 50, L_EXIM_DKIM, 0);
	return t + 50;
}

static void exim_dkim_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;

	g->mta->stamp(g, b, s->t[i]);
	lb_chr(b, ' ');
	lb_str(b, s->qid);
	lb_str(b, " DKIM: d=");
	lb_str(b, loggen_senders[s->sender].domain);
	lb_str(b, " s=");
	lb_str(b, loggen_selectors[s->selector]);
	lb_str(b, " c=relaxed/relaxed a=rsa-sha256 b=2048 [");
	lb_str(b, dkim_texts[s->mres[AR_DKIM]]);
	lb_chr(b, ']');
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_exim_dkim = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_EXIM_DKIM),
	.host_init = exim_dkim_host_init,
	.present = exim_dkim_present,
	.layout = exim_dkim_layout,
	.line = exim_dkim_line,
};
