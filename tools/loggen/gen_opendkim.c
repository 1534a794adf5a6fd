/*
 * gen_opendkim - OpenDKIM 2.11's lines in the maillog, as a milter at the end
 * of DATA (collector/input_opendkim.c reads them): "QID: DKIM verification
 * successful", "bad signature data", "no signature data", "message has
 * signatures from ...", or with LogResults "QID: signature=... domain=...
 * selector=... result="..."" for each signature.
 */
#include "loggen_int.h"

/* libopendkim's signature error strings the LogResults lines use, with the
 * result each stands for (collector/input_opendkim.c reads them back). */
static const struct {
	const char *text;
	enum ar_result result;
} dkim_errors[] = {
	{ "no signature error", AR_PASS },
	{ "signature verification failed", AR_FAIL },
	{ "key DNS query failed", AR_TEMPERROR },
	{ "key not found in DNS", AR_PERMERROR },
	{ "signature expired", AR_PERMERROR },
	{ "body hash corrupt", AR_PERMERROR },
	{ "key revoked", AR_PERMERROR },
};
#define NDKIM_ERRORS (sizeof(dkim_errors) / sizeof(dkim_errors[0]))

static void opendkim_host_init(struct gen *g)
{
	g->opendkim_pid = loggen_pid_new(g);
}

static unsigned dkim_error_for(struct rng *r, enum ar_result want)
{
	unsigned i, n = 0, pick;

	for (i = 0; i < NDKIM_ERRORS; i++)
		n += dkim_errors[i].result == want;
	if (n == 0)
		msg_panic("loggen: no DKIM error string for a result");
	pick = (unsigned)rng_below(r, n);
	for (i = 0; i < NDKIM_ERRORS; i++) {
		if (dkim_errors[i].result == want && pick-- == 0)
			return i;
	}
	return 0;
}

/* OpenDKIM's lines for DKIM: one-line forms can say pass, fail and none;
 * LogResults pass, fail, permerror and temperror (an unsigned message gives
 * no LogResults line at all). */
static void opendkim_present(struct gen *g, struct sess *s)
{
	struct rng *r = &g->rng;
	enum ar_result v = s->res[AR_DKIM];
	int lr = (g->su->milters & MIL_OPENDKIM_LR) != 0, ok;

	if (v == AR_ABSENT)
		return;
	ok = lr ? (v == AR_PASS || v == AR_FAIL || v == AR_PERMERROR || v == AR_TEMPERROR)
	        : (v == AR_PASS || v == AR_FAIL || v == AR_NONE);
	s->second_sig = v != AR_NONE && rng_chance(r, 150);
	if (!ok)
		return; /* only the header can say it */
	s->mres[AR_DKIM] = v;
	/* Instead of, or in addition to, an upstream tier's dkim= result. */
	s->hres[AR_DKIM] = s->has_ar && rng_chance(r, 250)
	                           ? (enum ar_result)rng_pick(r, loggen_w_tier, NRES)
	                           : AR_ABSENT;
	if (!lr)
		return;
	s->lr_nsig = 1;
	s->lr_err[0] = (unsigned char)dkim_error_for(r, v);
	if (s->second_sig) {
		/* A second signature ranked no higher, so that the line's
		 * merged result stays v; written before or after the first. */
		unsigned second;

		do {
			second = (unsigned)rng_below(r, NDKIM_ERRORS);
		} while (loggen_result_rank(dkim_errors[second].result) > loggen_result_rank(v));
		s->lr_err[1] = (unsigned char)second;
		s->lr_nsig = 2;
		if (rng_chance(r, 500)) {
			s->lr_err[1] = s->lr_err[0];
			s->lr_err[0] = (unsigned char)second;
		}
	}
}

static int64_t opendkim_layout(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;

	if (s->mres[AR_DKIM] == AR_ABSENT)
		return t;
	if (s->second_sig && (g->su->milters & MIL_OPENDKIM)) {
		t += rng_range(r, 200, 2000);
		sess_add(s, t, L_OPENDKIM_MULTI, 0);
	}
	t += rng_range(r, 200, 5 * US_PER_MS);
	sess_add(s, t, L_OPENDKIM, 0);
	return t;
}

static void opendkim_line(struct gen *g, const struct sess *s, unsigned i)
{
	static const char *const words[AR_RESULT_COUNT] = {
		[AR_PASS] = "DKIM verification successful",
		[AR_FAIL] = "bad signature data",
		[AR_NONE] = "no signature data",
	};
	struct lbuf *b = &g->lb;
	const char *dom = loggen_senders[s->sender].domain;
	unsigned n;

	gen_syslog_prefix(g, b, s->t[i], "opendkim", NULL, g->opendkim_pid);
	lb_qid(b, s);
	if (s->kind[i] == L_OPENDKIM_MULTI) {
		lb_str(b, "message has signatures from ");
		lb_str(b, dom);
		lb_str(b, ", esp.example");
	} else if (s->lr_nsig == 0) {
		if (words[s->mres[AR_DKIM]] == NULL)
			msg_panic("loggen: OpenDKIM cannot log this result");
		lb_str(b, words[s->mres[AR_DKIM]]);
	} else {
		for (n = 0; n < s->lr_nsig; n++) {
			/* The second signature is the ESP's. */
			int esp = n == 1;

			if (n > 0)
				lb_str(b, "; ");
			lb_str(b, "signature=");
			loggen_b64ish(b, s->msgid_rand + n, 8);
			lb_str(b, " domain=");
			lb_str(b, esp ? "esp.example" : dom);
			lb_str(b, " selector=");
			lb_str(b, esp ? "k2" : loggen_selectors[s->selector]);
			lb_str(b, " result=\"");
			lb_str(b, dkim_errors[s->lr_err[n]].text);
			lb_chr(b, '"');
		}
	}
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_opendkim = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_OPENDKIM_MULTI) | LINE_BIT(L_OPENDKIM),
	.host_init = opendkim_host_init,
	.present = opendkim_present,
	.layout = opendkim_layout,
	.line = opendkim_line,
};
