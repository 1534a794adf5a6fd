/*
 * gen_opendmarc - OpenDMARC 1.4's lines in the maillog, as a milter at the
 * end of DATA (collector/input_opendmarc.c reads them): "QID: DOMAIN RESULT"
 * for DMARC (no p=) and "QID: SPF(mailfrom): DOMAIN RESULT" for its own SPF
 * check (SPFSelfValidate).
 */
#include "loggen_int.h"

static const char *const dmarc_words[AR_RESULT_COUNT] = {
	[AR_NONE] = "none", [AR_PASS] = "pass", [AR_FAIL] = "fail",
	/* OpenDMARC's own word for a DNS failure in its SPF check */
	[AR_TEMPERROR] = "tempfail", [AR_PERMERROR] = "permerror",
};

static void opendmarc_host_init(struct gen *g)
{
	g->opendmarc_pid = loggen_pid_new(g);
}

/* OpenDMARC's lines: DMARC none, pass, fail, temperror (no p=); SPF of its
 * own check when no header gives one. */
static void opendmarc_present(struct gen *g, struct sess *s)
{
	struct rng *r = &g->rng;
	enum ar_result v = s->res[AR_SPF];

	if (v == AR_PASS || v == AR_NONE || v == AR_FAIL || v == AR_TEMPERROR ||
	    v == AR_PERMERROR) {
		if (!s->has_ar || rng_chance(r, 400)) {
			s->mres[AR_SPF] = v;
			s->hres[AR_SPF] = AR_ABSENT;
		}
	}
	v = s->res[AR_DMARC];
	if (v == AR_NONE || v == AR_PASS || v == AR_FAIL || v == AR_TEMPERROR) {
		s->mres[AR_DMARC] = v;
		s->hres[AR_DMARC] = s->has_ar && rng_chance(r, 250)
		                            ? (enum ar_result)rng_pick(r, loggen_w_tier, NRES)
		                            : AR_ABSENT;
	}
}

static int64_t opendmarc_layout(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;

	if (s->mres[AR_SPF] != AR_ABSENT) {
		t += rng_range(r, 200, 5 * US_PER_MS);
		sess_add(s, t, L_OPENDMARC_SPF, 0);
	}
	if (s->mres[AR_DMARC] != AR_ABSENT) {
		t += rng_range(r, 200, 5 * US_PER_MS);
		sess_add(s, t, L_OPENDMARC, 0);
	}
	return t;
}

static void opendmarc_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;

	gen_syslog_prefix(g, b, s->t[i], "opendmarc", NULL, g->opendmarc_pid);
	lb_qid(b, s);
	if (s->kind[i] == L_OPENDMARC_SPF) {
		lb_str(b, "SPF(mailfrom): ");
		lb_str(b, loggen_senders[s->sender].domain);
		lb_chr(b, ' ');
		lb_str(b, dmarc_words[s->mres[AR_SPF]]);
	} else {
		lb_str(b, loggen_senders[s->sender].domain);
		lb_chr(b, ' ');
		lb_str(b, s->mres[AR_DMARC] == AR_TEMPERROR ? "temperror"
		                                            : dmarc_words[s->mres[AR_DMARC]]);
	}
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_opendmarc = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_OPENDMARC_SPF) | LINE_BIT(L_OPENDMARC),
	.host_init = opendmarc_host_init,
	.present = opendmarc_present,
	.layout = opendmarc_layout,
	.line = opendmarc_line,
};
