/*
 * gen_pmg - Proxmox Mail Gateway's after-queue filtering (pmg-api's
 * master.cf template), read with pmg_reinjection = yes (collector/
 * input_pmg.c). Postfix queues a message from the internet under QID (its
 * cleanup logs the message-id and the header_checks lines) and hands it by
 * LMTP to pmg-smtp-filter on 127.0.0.1:10024. The filter logs, under its own
 * ID for the message, LOGID (MailQueue.pm new_fileid(): "%X%X%05X" of an
 * inode, the seconds and the microseconds),
 *
 *   LOGID: new mail message-id=<MID>                       (pmg-smtp-filter)
 *   LOGID: SA score=S/5 time=T bayes=... autolearn=... hits=... (RuleDB/Spam.pm)
 *
 * sends the message back to Postfix on 127.0.0.1:10025 (PMG::Utils::
 * reinject_mail(), with XFORWARD), which queues it again under QID2: smtpd's
 * "QID2: client=..., orig_queue_id=QID, orig_client=localhost[127.0.0.1]",
 * cleanup's message-id line (no header_checks on that listener), qmgr's,
 * the deliveries and "removed" of QID2. The filter then logs
 *
 *   LOGID: accept mail to <RCPT> (QID2) (rule: default-accept)  (RuleDB/Accept.pm)
 *   LOGID: processing time: T seconds (A, B, 0)
 *
 * and answers the LMTP DATA per recipient "250 2.5.0 OK (LOGID)" (PMG/SMTP.pm),
 * which Postfix's lmtp logs as QID's delivery before "QID: removed". The
 * message is in the log twice, as QID and as QID2, and counts once. PMG's
 * own verdict (the SA score line) is not read by the collector: the spam
 * count is the header's (X-Spam-Flag, as on a host without a filter), and
 * the score written agrees with it.
 */
#include "loggen_int.h"

static void pmg_host_init(struct gen *g)
{
	unsigned i;

	/* pmg-smtp-filter's pre-forked servers, the smtpd of the re-injection
	 * listener and the lmtp client to the filter. */
	for (i = 0; i < 3; i++)
		g->pmg_pid[i] = loggen_pid_new(g);
	g->pmg_smtpd_pid = loggen_pid_new(g);
	g->lmtp_pid = loggen_pid_new(g);
}

/* The verdict stays the header's (see the top). */
static void pmg_present(struct gen *g, struct sess *s)
{
	(void)g;
	(void)s;
}

/* Nothing at the end of DATA: the filter runs after the queue. */
static int64_t pmg_layout(struct gen *g, struct sess *s, int64_t t)
{
	(void)g;
	(void)s;
	return t;
}

int64_t gen_pmg_layout_queued(struct gen *g, struct sess *s, int64_t tq)
{
	struct rng *r = &g->rng;
	int64_t t, ta, tl, tq2, end;
	unsigned i;

	t = tq + rng_range(r, 5 * US_PER_MS, 300 * US_PER_MS);
	sess_add(s, t, L_PMG, PMG_NEW);
	t += rng_range(r, 200 * US_PER_MS, 2000 * US_PER_MS);
	sess_add(s, t, L_PMG, PMG_SA);
	/* The copy, queued before the filter logs its accept lines. */
	t += rng_range(r, 5 * US_PER_MS, 50 * US_PER_MS);
	sess_add(s, t, L_REINJ_CLIENT, 0);
	s->t_copy = t;
	t += rng_range(r, 1 * US_PER_MS, 5 * US_PER_MS);
	sess_add(s, t, L_REINJ_MSGID, 0);
	ta = t + rng_range(r, 1 * US_PER_MS, 10 * US_PER_MS);
	for (i = 0; i < s->nrcpt; i++)
		sess_add(s, ta + i, L_PMG, PMG_ACCEPT + i);
	tq2 = ta + rng_range(r, 1 * US_PER_MS, 20 * US_PER_MS);
	sess_add(s, tq2, L_REINJ_QMGR, 0);
	t = ta + s->nrcpt + rng_range(r, 100, 3 * US_PER_MS);
	sess_add(s, t, L_PMG, PMG_TIME);
	/* Postfix logs the filter's answer for each recipient, then removes
	 * QID. */
	tl = t + rng_range(r, 1 * US_PER_MS, 10 * US_PER_MS);
	for (i = 0; i < s->nrcpt; i++)
		sess_add(s, tl + i, L_DELIVERY, i);
	sess_add(s, tl + s->nrcpt + rng_range(r, 100, 3000), L_REMOVED, 0);
	/* The copy is delivered once qmgr has it, whichever comes last. */
	end = tl + s->nrcpt + 3000;
	return end > tq2 ? end : tq2;
}

void gen_pmg_logid(struct lbuf *b, const struct sess *s)
{
	/* The filter's queue file is made when the LMTP DATA starts: close
	 * after qmgr's line, which is all the session keeps. */
	int64_t t = s->t_qmgr + 5 * US_PER_MS;

	lb_hex(b, 0x10000 + ((s->msgid_rand >> 12) & 0xFFFFF), 1, 1);
	lb_hex(b, (uint64_t)(t / US_PER_SEC), 1, 1);
	lb_hex(b, (uint64_t)(t % US_PER_SEC), 5, 1);
}

static void pmg_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	unsigned arg = s->arg[i];
	int64_t score = loggen_spam_score(s, s->tspam) / 1000;

	gen_syslog_prefix(g, b, s->t[i], "pmg-smtp-filter", NULL,
	                  g->pmg_pid[(s->msgid_rand >> 4) % 3]);
	gen_pmg_logid(b, s);
	lb_str(b, ": ");
	if (arg == PMG_NEW) {
		lb_str(b, "new mail message-id=<");
		loggen_msgid(b, s);
		lb_chr(b, '>');
	} else if (arg == PMG_SA) {
		lb_str(b, "SA score=");
		lb_dec(b, score > 0 ? (uint64_t)score : 0, 1);
		lb_str(b, "/5 time=0.");
		lb_dec(b, 100 + (s->msgid_rand >> 40) % 900, 3);
		lb_str(b, s->tspam ? " bayes=0.99 autolearn=no autolearn_force=no "
		                     "hits=BAYES_99(3.5),RDNS_NONE(0.793),URIBL_BLACK(1.7)"
		                   : " bayes=undefined autolearn=no autolearn_force=no "
		                     "hits=DKIM_SIGNED(0.1),DKIM_VALID(-0.1),SPF_PASS(-0.001)");
	} else if (arg == PMG_TIME) {
		lb_str(b, "processing time: 0.");
		lb_dec(b, 300 + (s->msgid_rand >> 30) % 600, 3);
		lb_str(b, " seconds (0.");
		lb_dec(b, 200 + (s->msgid_rand >> 40) % 100, 3);
		lb_str(b, ", 0.101, 0)");
	} else {
		lb_str(b, "accept mail to <");
		loggen_rcpt(g, b, s->rcpt[arg - PMG_ACCEPT]);
		lb_str(b, "> (");
		lb_str(b, s->qid2);
		lb_str(b, ") (rule: default-accept)");
	}
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_pmg = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_PMG),
	.host_init = pmg_host_init,
	.present = pmg_present,
	.layout = pmg_layout,
	.line = pmg_line,
};
