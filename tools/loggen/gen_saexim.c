/*
 * gen_saexim - SA-Exim 4.2 (sa-exim.c, Exim's local_scan() running
 * SpamAssassin's spamc) in Exim's main log: one "MSGID SA: Action: ..."
 * line per message it scanned, written before Exim decides (so before the
 * "<=" arrival line or the refusal), which collector/input_exim.c reads as
 * the message's spam verdict:
 *
 *   SA: Action: flagged as Spam but accepted: STATUS (scanned in N/M secs |
 *       Message-Id: ID). From <SENDER> (host=NAME [IP]) for RCPTS      spam
 *   SA: Action: scanned but message isn't spam: STATUS (...). ...       ham
 *   SA: Action: SA didn't successfully run against message, accepting
 *       (time: N/M secs | Message-Id: ID). ...                    no verdict
 *   SA: Action: spamd took more than N secs to run, accepting message
 *       (scanned in N/N secs | Message-Id: ID). ...               no verdict
 *
 * STATUS is "score=S required=R", with " trigger=T" for the actions that
 * refuse: "permanently rejected message" (local_scan() rejects: Exim logs
 * "F=SENDER H=... rejected by local_scan(): TEXT"), "silently tossed
 * message" (every recipient dropped: Exim logs "<=" and "=> blackhole
 * (local_scan)", a discard), "temporarily rejected message" and
 * "teergrubed sender ..." (a 4xx: "temporarily rejected by local_scan()",
 * a deferral). Those come with --refused-per-day; their fate line is
 * gen_exim.c's. Message-Id is the header's value cleaned of its angle
 * brackets (SAsafemesgidchars).
 */
#include "loggen_int.h"

static void saexim_host_init(struct gen *g)
{
	(void)g; /* Exim's own process writes the lines. */
}

/* Accepted messages: flagged as spam, scanned ham, or no verdict when
 * spamc failed or timed out (the collector's spam_default then). */
static void saexim_present(struct gen *g, struct sess *s)
{
	static const unsigned w_ham[] = { 0, 950, 30, 20 }, w_spam[] = { 950, 0, 30, 20 };

	s->saexim = (unsigned char)(SAE_FLAGGED + loggen_spam_verdict(g, s, w_ham, w_spam, 4));
	s->tspam = s->saexim == SAE_FLAGGED;
}

/* spamc scans at the end of DATA, before Exim accepts the message. */
static int64_t saexim_layout(struct gen *g, struct sess *s, int64_t t)
{
	t += rng_range(&g->rng, 300 * US_PER_MS, 3000 * US_PER_MS);
	sess_add(s, t, L_SAEXIM, 0);
	return t;
}

/*
 * "score=S required=5.0[ trigger=T]". A refusal gives the threshold T (in
 * tenths) its score passed: sa-exim.conf's SAtempreject 9.0, SApermreject
 * 12.0, SAdevnull 20.0 and SAteergrube 25.0, checked from the highest, so
 * the score lies between T and the next.
 */
static void lb_status(struct lbuf *b, const struct sess *s, int spam, unsigned trigger,
                      unsigned span)
{
	int64_t v = loggen_spam_score(s, spam);

	if (trigger > 0)
		v = (int64_t)(trigger + (s->msgid_rand >> 16) % span) * 100;
	lb_str(b, "score=");
	loggen_tenths(b, v);
	lb_str(b, " required=5.0");
	if (trigger > 0) {
		lb_str(b, " trigger=");
		lb_dec(b, trigger / 10, 1);
		lb_chr(b, '.');
		lb_dec(b, trigger % 10, 1);
	}
}

static void saexim_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	unsigned secs = 1 + (unsigned)(s->msgid_rand >> 20) % 3, n;

	gen_exim_msg_prefix(g, b, s->t[i], s);
	lb_str(b, " SA: Action: ");
	switch ((enum saexim_action)s->saexim) {
	case SAE_FLAGGED:
		lb_str(b, "flagged as Spam but accepted: ");
		lb_status(b, s, 1, 0, 1);
		break;
	case SAE_HAM:
		lb_str(b, "scanned but message isn't spam: ");
		lb_status(b, s, 0, 0, 1);
		break;
	case SAE_NORUN:
		lb_str(b, "SA didn't successfully run against message, accepting (time: 0/0 secs");
		secs = 0;
		break;
	case SAE_TIMEOUT:
		lb_str(b, "spamd took more than 240 secs to run, accepting message");
		secs = 240;
		break;
	case SAE_PERMREJECT:
		lb_str(b, "permanently rejected message: ");
		lb_status(b, s, 1, 120, 80);
		break;
	case SAE_TOSSED:
		lb_str(b, "silently tossed message: ");
		lb_status(b, s, 1, 200, 50);
		break;
	case SAE_TEMPREJECT:
		lb_str(b, "temporarily rejected message: ");
		lb_status(b, s, 1, 90, 30);
		break;
	case SAE_TEERGRUBE:
		/* The client hangs up, or waits out SAteergrubetime. */
		lb_str(b, (s->msgid_rand & 1) == 0
		                  ? "teergrubed sender for 30 secs until it closed the connection: "
		                  : "teergrubed sender until full configured duration of 900 secs: ");
		lb_status(b, s, 1, 250, 100);
		break;
	case SAE_NONE:
		msg_panic("loggen: SA-Exim line of a message it did not scan");
	}
	if (secs > 0) {
		lb_str(b, " (scanned in ");
		lb_dec(b, secs, 1);
		lb_chr(b, '/');
		lb_dec(b, secs, 1);
		lb_str(b, " secs");
	}
	lb_str(b, " | Message-Id: ");
	loggen_msgid(b, s);
	lb_str(b, "). From <");
	loggen_sender(b, s);
	lb_str(b, "> (host=");
	if (strcmp(loggen_senders[s->sender].client, "unknown") != 0) {
		lb_str(b, loggen_senders[s->sender].client);
		lb_chr(b, ' ');
	}
	lb_chr(b, '[');
	lb_str(b, loggen_senders[s->sender].ip);
	lb_str(b, "]) for ");
	for (n = 0; n < s->nrcpt; n++) {
		if (n > 0)
			lb_str(b, ", ");
		loggen_rcpt(g, b, s->rcpt[n]);
	}
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_saexim = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_SAEXIM),
	.host_init = saexim_host_init,
	.present = saexim_present,
	.layout = saexim_layout,
	.line = saexim_line,
};
