/*
 * gen_spamd - SpamAssassin's spamd in the maillog (through syslog, ident
 * "spamd"), asked by spamass-milter at the end of DATA: "spamd: connection
 * from ...", "spamd: processing message <MID> for ...", "spamd: identified
 * spam|clean message (SCORE/5.0) for ...", and the result line that the
 * collector reads with spamd_join = yes (collector/input_spamd.c):
 * "spamd: result: Y|. SCORE - TESTS scantime=...,rport=PORT,mid=<MID>,...",
 * as spamd.raw's check() writes it (score "%2d"). The line names the
 * message by the Message-ID that Postfix's cleanup logged, not by a queue
 * ID.
 */
#include "loggen_int.h"

static void spamd_host_init(struct gen *g)
{
	g->spamd_pid = loggen_pid_new(g);
}

/* spamd's verdict is the message's: the filter replaces the header's. */
static void spamd_present(struct gen *g, struct sess *s)
{
	static const unsigned w_ham[] = { 1000, 0 }, w_spam[] = { 0, 1000 };

	s->tspam = (int)loggen_spam_verdict(g, s, w_ham, w_spam, 2);
}

static int64_t spamd_layout(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;

	t += rng_range(r, 2 * US_PER_MS, 40 * US_PER_MS);
	sess_add(s, t, L_SPAMD, 0);
	t += rng_range(r, 200, 2 * US_PER_MS);
	sess_add(s, t, L_SPAMD, 1);
	t += rng_range(r, 100 * US_PER_MS, 2000 * US_PER_MS);
	sess_add(s, t, L_SPAMD, 2);
	sess_add(s, t + 1, L_SPAMD, 3);
	return t + 1;
}

/* The score as "%2d" prints it: the integer part (Perl's %d truncates),
 * padded to two places ("-3" is two already). */
static void lb_score2d(struct lbuf *b, int64_t milli)
{
	int64_t v = milli / 1000;

	if (v < 0) {
		lb_chr(b, '-');
		v = -v;
	} else if (v < 10) {
		lb_chr(b, ' ');
	}
	lb_dec(b, (uint64_t)v, 1);
}

static void spamd_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	int64_t score = loggen_spam_score(s, s->tspam);
	unsigned port = 30000 + (unsigned)(s->msgid_rand >> 48) % 30000;

	gen_syslog_prefix(g, b, s->t[i], "spamd", NULL, g->spamd_pid);
	switch (s->arg[i]) {
	case 0:
		lb_str(b, "spamd: connection from localhost [127.0.0.1]:");
		lb_dec(b, port, 1);
		lb_str(b, " to port 783, fd 6");
		break;
	case 1:
		lb_str(b, "spamd: processing message <");
		loggen_msgid(b, s);
		lb_str(b, "> for debian-spamd:110");
		break;
	case 2:
		lb_str(b, s->tspam ? "spamd: identified spam (" : "spamd: clean message (");
		loggen_tenths(b, score);
		lb_str(b, "/5.0) for debian-spamd:110 in 0.9 seconds, ");
		lb_dec(b, s->size, 1);
		lb_str(b, " bytes.");
		break;
	default:
		lb_str(b, "spamd: result: ");
		lb_str(b, s->tspam ? "Y " : ". ");
		lb_score2d(b, score);
		lb_str(b, s->tspam ? " - BAYES_99,BAYES_999,RDNS_NONE,URIBL_BLACK scantime=0.9,size="
		                   : " - BAYES_00,DKIM_SIGNED,DKIM_VALID,SPF_PASS scantime=0.9,size=");
		lb_dec(b, s->size, 1);
		lb_str(b, ",user=debian-spamd,uid=110,required_score=5.0,rhost=localhost,"
		          "raddr=127.0.0.1,rport=");
		lb_dec(b, port, 1);
		lb_str(b, ",mid=<");
		loggen_msgid(b, s);
		lb_str(b, s->tspam ? ">,bayes=1.000000,autolearn=spam" : ">,bayes=0.000000,autolearn=ham");
		break;
	}
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_spamd = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_SPAMD),
	.host_init = spamd_host_init,
	.present = spamd_present,
	.layout = spamd_layout,
	.line = spamd_line,
};
