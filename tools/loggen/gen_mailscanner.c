/*
 * gen_mailscanner - MailScanner 5 behind Postfix, through syslog (ident
 * "MailScanner", its configuration file's name; collector/
 * input_mailscanner.c reads it). Postfix's header_checks holds every
 * message ("/^Received:/ HOLD": cleanup's "QID: hold: header Received: ..."
 * line, gen_postfix.c's L_MS_HOLD); MailScanner takes it from the hold
 * queue in a batch, logs its verdict with "Log Spam" and "Log Non Spam" on
 * (Message.pm IsSpam()):
 *
 *   Message ID from IP (SENDER) to DOMAINS is spam, SpamAssassin (...)
 *   Message ID from IP (SENDER) to DOMAINS is spam (blacklisted)
 *   Message ID from IP (SENDER) to DOMAINS is not spam, SpamAssassin (...)
 *   Message ID from IP (SENDER) is whitelisted, and with the SpamAssassin
 *     header kept: "... to DOMAINS is not spam (whitelisted), SpamAssassin (...)"
 *   Message ID from IP (SENDER) to DOMAINS is too big for spam checks
 *     (SIZE > 200000 bytes)                        (no verdict: spam_default)
 *
 * and writes it back to Postfix's incoming queue under a new queue file
 * name, which Postfix's cleanup never sees (PFDiskStore.pm WriteQueue):
 * "Requeue: ID to QID2". qmgr then queues, delivers and removes QID2; QID is
 * never removed. A message MailScanner quarantines ("Spam Actions =
 * store") is never requeued and stays held (with --refused-per-day, its
 * held messages). ID is MailScanner's name of the held file: a short queue
 * ID with "." and PostfixKey()'s "A" and four hex digits of a checksum
 * ("6773D15E4E9.A3F46"), a long queue ID alone (Postfix.pm).
 */
#include "loggen_int.h"

/* Verdicts: spam, blacklisted spam, ham, whitelisted ham, too big. */
enum { MSV_SPAM, MSV_BLACKLISTED, MSV_HAM, MSV_WHITELISTED, MSV_TOOBIG, MSV_COUNT };
/* MailScanner's "Max Spam Check Size" (its default, 200k). */
#define MS_MAX_CHECK_SIZE 200000u

static void mailscanner_host_init(struct gen *g)
{
	unsigned i;

	/* "Max Children": each child scans whole batches. */
	for (i = 0; i < 3; i++)
		g->mailscanner_pid[i] = loggen_pid_new(g);
}

static void mailscanner_present(struct gen *g, struct sess *s)
{
	static const unsigned w_ham[MSV_COUNT] = { 0, 0, 900, 100, 0 },
	                      w_spam[MSV_COUNT] = { 850, 100, 0, 50, 0 };

	s->ms_verdict = (unsigned char)loggen_spam_verdict(g, s, w_ham, w_spam, MSV_COUNT);
	/* A message over the size is not checked: no verdict. */
	if (s->size > MS_MAX_CHECK_SIZE)
		s->ms_verdict = MSV_TOOBIG;
	s->tspam = s->ms_verdict == MSV_SPAM || s->ms_verdict == MSV_BLACKLISTED;
}

/* The hold line while cleanup reads the headers (the Received: header the
 * HOLD matches comes first), and MailScanner's batch line after t. */
static int64_t layout_hold(struct gen *g, struct sess *s, int64_t t)
{
	int64_t t_msgid = s->t[0], th;
	unsigned i;

	for (i = 0; i < s->nlines; i++) {
		if (s->kind[i] == L_MSGID)
			t_msgid = s->t[i];
	}
	th = s->t_client + (t_msgid - s->t_client) / 2;
	sess_add(s, th, L_MS_HOLD, 0);
	t += rng_range(&g->rng, 500 * US_PER_MS, 3000 * US_PER_MS);
	sess_add(s, t, L_MAILSCANNER, MS_BATCH);
	return t;
}

int64_t gen_mailscanner_layout_held(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;

	s->ms_verdict = MSV_SPAM;
	t = layout_hold(g, s, t) + rng_range(r, 100 * US_PER_MS, 1500 * US_PER_MS);
	sess_add(s, t, L_MAILSCANNER, MS_VERDICT);
	t += rng_range(r, 1 * US_PER_MS, 50 * US_PER_MS);
	sess_add(s, t, L_MAILSCANNER, MS_ACTIONS);
	return t;
}

/* The hold and MailScanner's lines a batch later; the copy queued again at
 * the requeue, which the caller's qmgr line follows. */
static int64_t mailscanner_layout(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;

	t = layout_hold(g, s, t);
	t += rng_range(r, 100 * US_PER_MS, 1500 * US_PER_MS);
	if (s->ms_verdict == MSV_WHITELISTED) {
		sess_add(s, t, L_MAILSCANNER, MS_WHITELISTED);
		t += rng_range(r, 1, 2 * US_PER_MS);
	}
	sess_add(s, t, L_MAILSCANNER, MS_VERDICT);
	if (s->tspam) {
		t += rng_range(r, 1 * US_PER_MS, 50 * US_PER_MS);
		sess_add(s, t, L_MAILSCANNER, MS_ACTIONS);
	}
	t += rng_range(r, 5 * US_PER_MS, 200 * US_PER_MS);
	sess_add(s, t, L_MAILSCANNER, MS_REQUEUE);
	s->t_copy = t;
	s->requeued = 1;
	return t;
}

/* MailScanner's name of the held queue file. */
static void lb_ms_id(struct lbuf *b, const struct sess *s)
{
	lb_str(b, s->qid);
	/* Long queue IDs (with their 'z') get no suffix. */
	if (strchr(s->qid, 'z') == NULL) {
		lb_str(b, ".A");
		lb_hex(b, (s->msgid_rand >> 32) & 0xFFFF, 4, 1);
	}
}

/* "Message ID from IP (SENDER)" */
static void lb_ms_message(struct lbuf *b, const struct sess *s)
{
	lb_str(b, "Message ");
	lb_ms_id(b, s);
	lb_str(b, " from ");
	lb_str(b, loggen_senders[s->sender].ip);
	lb_str(b, " (");
	loggen_sender(b, s);
	lb_chr(b, ')');
}

/* SpamAssassin's report as MailScanner quotes it. */
static void lb_sa_report(struct lbuf *b, const struct sess *s, int spam, const char *cached)
{
	lb_str(b, "SpamAssassin (");
	lb_str(b, cached);
	lb_str(b, ", score=");
	loggen_tenths(b, loggen_spam_score(s, spam));
	lb_str(b, spam ? ", required 5, BAYES_99 3.50, URIBL_BLACK 1.70)"
	               : ", required 5, BAYES_00 -1.90, DKIM_VALID -0.10)");
}

static void mailscanner_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	unsigned pid = g->mailscanner_pid[(s->msgid_rand >> 8) % 3];

	gen_syslog_prefix(g, b, s->t[i], "MailScanner", NULL, pid);
	switch ((enum ms_line)s->arg[i]) {
	case MS_BATCH:
		lb_str(b, "New Batch: Scanning 1 messages, ");
		lb_dec(b, s->size, 1);
		lb_str(b, " bytes");
		break;
	case MS_WHITELISTED:
		lb_ms_message(b, s);
		lb_str(b, " is whitelisted");
		break;
	case MS_VERDICT:
		lb_ms_message(b, s);
		lb_str(b, " to ");
		lb_str(b, g->carrier);
		lb_str(b, ".example.jp is ");
		switch (s->ms_verdict) {
		case MSV_SPAM:
			lb_str(b, "spam, ");
			lb_sa_report(b, s, 1, "not cached");
			break;
		case MSV_BLACKLISTED:
			lb_str(b, "spam (blacklisted)");
			break;
		case MSV_HAM:
			lb_str(b, "not spam, ");
			lb_sa_report(b, s, 0, "not cached");
			break;
		case MSV_WHITELISTED:
			lb_str(b, "not spam (whitelisted), ");
			lb_sa_report(b, s, 0, "cached");
			break;
		default:
			lb_str(b, "too big for spam checks (");
			lb_dec(b, s->size, 1);
			lb_str(b, " > 200000 bytes)");
			break;
		}
		break;
	case MS_ACTIONS:
		lb_str(b, "Spam Actions: message ");
		lb_ms_id(b, s);
		/* A quarantine ("Spam Actions = store") keeps the held file:
		 * no requeue. */
		lb_str(b, s->type == S_REFUSED ? " actions are store" : " actions are deliver,header");
		break;
	case MS_REQUEUE:
		lb_str(b, "Requeue: ");
		lb_ms_id(b, s);
		lb_str(b, " to ");
		lb_str(b, s->qid2);
		break;
	}
	loggen_out_line(g, 0, b);
}

const struct gen_filter gen_mailscanner = {
	.file = NULL,
	.format = NULL,
	.kinds = LINE_BIT(L_MAILSCANNER),
	.host_init = mailscanner_host_init,
	.present = mailscanner_present,
	.layout = mailscanner_layout,
	.line = mailscanner_line,
};
