/*
 * gen_postfix - Postfix 3.7's lines in the maillog (collector/input_postfix.c
 * reads them): smtpd's connect, TLS, client=, NOQUEUE and disconnect lines,
 * cleanup's message-id= and header lines (header_checks INFO and WARN,
 * milter_header_checks), qmgr's from= and
 * removed, local's or smtp's deliveries; with amavis as content_filter also
 * the re-injected copy's cleanup and removed lines; behind MailScanner the
 * header_checks HOLD of every message and the queue file MailScanner puts
 * back (qmgr, deliveries, removed under its new name); on a Proxmox Mail
 * Gateway the LMTP deliveries to pmg-smtp-filter and the copy it queues
 * again (smtpd's client= with XFORWARD, cleanup, qmgr, deliveries,
 * removed). Queue IDs are the short form, or the long one of
 * enable_long_queue_ids from the host's switch on.
 */
#include "loggen_int.h"

#include "timeutil.h"

/* Postfix's alphabet for long queue IDs (mail_queue.h): digits and consonants. */
static const char qid_alphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

size_t loggen_qid_short(int64_t us, uint32_t inode, char *out)
{
	struct lbuf b;

	b.n = 0;
	lb_hex(&b, (uint64_t)(us - time_floor_div(us, US_PER_SEC) * US_PER_SEC), 5, 1);
	lb_hex(&b, inode, inode < 0x100000 ? 5 : 6, 1);
	memcpy(out, b.b, b.n);
	out[b.n] = '\0';
	return b.n;
}

/* Postfix safe_ultostr: most significant digit first, padded with '0'. */
static size_t encode_base(uint64_t v, unsigned base, unsigned pad, char *out)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = qid_alphabet[v % base];
		v /= base;
	} while (v > 0 && n < sizeof(tmp));
	while (n < pad && n < sizeof(tmp))
		tmp[n++] = '0';
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t loggen_qid_long(int64_t us, uint32_t inode, char *out)
{
	int64_t sec = time_floor_div(us, US_PER_SEC);
	size_t n;

	n = encode_base((uint64_t)sec, 52, 6, out);
	n += encode_base((uint64_t)(us - sec * US_PER_SEC), 52, 4, out + n);
	out[n++] = 'z';
	n += encode_base(inode, 51, 1, out + n);
	out[n] = '\0';
	return n;
}

static void postfix_queue_id(const struct gen *g, int64_t t, uint32_t inode, char *out)
{
	if (t >= g->long_qid_from)
		loggen_qid_long(t, inode, out);
	else
		loggen_qid_short(t, inode, out);
}

/* "STAMP HOST postfix/PROG[PID]: " */
static void lb_prefix(struct gen *g, struct lbuf *b, int64_t t, const char *prog, unsigned pid)
{
	gen_syslog_prefix(g, b, t, "postfix", prog, pid);
}

/* "STAMP HOST postfix/PROG[PID]: QID: ", a line about the queue file qid. */
static void lb_prefix_qid(struct gen *g, struct lbuf *b, int64_t t, const char *prog,
                          unsigned pid, const char *qid)
{
	lb_prefix(g, b, t, prog, pid);
	lb_str(b, qid);
	lb_str(b, ": ");
}

/* A cleanup line of no session's: "... postfix/cleanup[PID]: " */
static void postfix_orphan_prefix(struct gen *g, struct lbuf *b, int64_t t)
{
	lb_prefix(g, b, t, "cleanup", loggen_pid_any(g, &g->cleanup));
}

/* Seconds with up to two decimals and no trailing zeros, as Postfix logs delays. */
static void lb_secs(struct lbuf *b, int64_t us)
{
	uint64_t cs = us > 0 ? (uint64_t)us / 10000 : 0;

	lb_dec(b, cs / 100, 1);
	if (cs % 100 != 0) {
		lb_chr(b, '.');
		if (cs % 10 == 0)
			lb_dec(b, (cs % 100) / 10, 1);
		else
			lb_dec(b, cs % 100, 2);
	}
}

static void lb_client(struct lbuf *b, const struct sess *s)
{
	if (s->type == S_REJECT) {
		lb_str(b, "unknown[203.0.113.");
		lb_dec(b, s->reject_ip, 1);
		lb_chr(b, ']');
		return;
	}
	lb_str(b, loggen_senders[s->sender].client);
	lb_chr(b, '[');
	lb_str(b, loggen_senders[s->sender].ip);
	lb_chr(b, ']');
}

/* An smtpd line of session s that names its client: "... TEXT name[ip]". */
static void lb_smtpd(struct gen *g, struct lbuf *b, int64_t t, const struct sess *s,
                     const char *text)
{
	lb_prefix(g, b, t, "smtpd", s->smtpd_pid);
	lb_str(b, text);
	lb_client(b, s);
}

/* "; from=<SENDER> to=<RCPT> proto=ESMTP helo=<HELO>" */
static void lb_envelope(struct gen *g, struct lbuf *b, const struct sess *s)
{
	lb_str(b, "; from=<");
	loggen_sender(b, s);
	lb_str(b, "> to=<");
	loggen_rcpt(g, b, s->rcpt[0]);
	lb_str(b, "> proto=ESMTP helo=<");
	lb_str(b, s->type == S_REJECT ? loggen_reject_helos[s->reject_helo]
	                              : loggen_senders[s->sender].helo);
	lb_chr(b, '>');
}

/* The queue file qmgr delivers and removes: MailScanner's copy replaces the
 * message it held. */
static const char *queued_qid(const struct sess *s)
{
	return s->requeued ? s->qid2 : s->qid;
}

/* A delivery of queue file qid to recipient rcpt; lmtp: to pmg-smtp-filter,
 * which answers with its ID of the message. */
static void lb_delivery(struct gen *g, struct lbuf *b, const struct sess *s, int64_t t,
                        unsigned rcpt, const char *qid, int lmtp)
{
	int64_t total = t - s->t_client, a = s->t_qmgr - s->t_client, rest, pb, pc;

	if (lmtp)
		lb_prefix_qid(g, b, t, "lmtp", g->lmtp_pid, qid);
	else
		lb_prefix_qid(g, b, t, s->relay_smtp ? "smtp" : "local", s->deliver_pid, qid);
	lb_str(b, "to=<");
	loggen_rcpt(g, b, s->rcpt[rcpt]);
	lb_str(b, ">, relay=");
	if (lmtp) {
		lb_str(b, "127.0.0.1[127.0.0.1]:10024");
	} else if (s->relay_smtp) {
		loggen_mailbox_name(g, b);
		lb_chr(b, '[');
		loggen_mailbox_ip(g, b);
		lb_str(b, "]:25");
	} else {
		lb_str(b, "local");
	}
	/* delays=a/b/c/d: before the active queue, in it, connection set-up,
	 * transmission (Postfix's split); they add up to delay. */
	rest = total - a;
	pb = rest / 10;
	pc = s->relay_smtp || lmtp ? rest / 5 : 0;
	lb_str(b, ", delay=");
	lb_secs(b, total);
	lb_str(b, ", delays=");
	lb_secs(b, a);
	lb_chr(b, '/');
	lb_secs(b, pb);
	lb_chr(b, '/');
	lb_secs(b, pc);
	lb_chr(b, '/');
	lb_secs(b, rest - pb - pc);
	if (lmtp) {
		lb_str(b, ", dsn=2.5.0, status=sent (250 2.5.0 OK (");
		gen_pmg_logid(b, s);
		lb_str(b, "))");
		return;
	}
	lb_str(b, ", dsn=2.0.0, status=sent (");
	if (s->relay_smtp)
		loggen_mailbox_qid(b, s);
	else
		lb_str(b, "delivered to mailbox");
	lb_chr(b, ')');
}

/*
 * The routes Postfix logs a header by (cleanup_act_log() and
 * cleanup_milter_hbc_log(); see collector/input_postfix.c): mostly
 * header_checks INFO, some WARN and some milter_header_checks. Picked from
 * the message's size, so that no random number is drawn and a seed's
 * messages stay what they were.
 */
static const char *postfix_header_lead(const struct sess *s)
{
	switch (s->size % 16) {
	case 3:
		return ": warning: header ";
	case 7:
		return ": milter-header-info: header ";
	case 11:
		return ": milter-header-warning: header ";
	default:
		return gen_postfix.header_lead;
	}
}

static void postfix_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	int64_t t = s->t[i];
	enum line_kind k = (enum line_kind)s->kind[i];

	switch (k) {
	case L_CONNECT:
		lb_smtpd(g, b, t, s, "connect from ");
		break;
	case L_TLS:
		lb_smtpd(g, b, t, s, "Anonymous TLS connection established from ");
		lb_str(b, ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) "
		          "key-exchange X25519 server-signature RSA-PSS (2048 bits) "
		          "server-digest SHA256");
		break;
	case L_CLIENT:
		lb_prefix_qid(g, b, t, "smtpd", s->smtpd_pid, s->qid);
		lb_str(b, "client=");
		lb_client(b, s);
		break;
	case L_MSGID:
	case L_REINJ_MSGID:
		/* The re-injected copy has a queue file, and so a name, of its own. */
		lb_prefix_qid(g, b, t, "cleanup", s->cleanup_pid, k == L_MSGID ? s->qid : s->qid2);
		lb_str(b, "message-id=<");
		loggen_msgid(b, s);
		lb_chr(b, '>');
		break;
	case L_HDR_FORGED:
	case L_HDR_AR:
	case L_HDR_SPAM:
		lb_prefix(g, b, t, "cleanup", s->cleanup_pid);
		lb_str(b, s->qid);
		lb_str(b, postfix_header_lead(s));
		loggen_header(g, b, s, k);
		lb_str(b, " from ");
		lb_client(b, s);
		lb_envelope(g, b, s);
		break;
	case L_MS_HOLD:
		/* MailScanner's "/^Received:/ HOLD": cleanup_act_log() of the
		 * Received: header smtpd put on top, its line breaks as "?". */
		lb_prefix_qid(g, b, t, "cleanup", s->cleanup_pid, s->qid);
		lb_str(b, "hold: header Received: from ");
		lb_str(b, loggen_senders[s->sender].helo);
		lb_str(b, " (");
		lb_str(b, loggen_senders[s->sender].client);
		lb_str(b, " [");
		lb_str(b, loggen_senders[s->sender].ip);
		lb_str(b, "])??by ");
		lb_str(b, g->host);
		lb_chr(b, '.');
		lb_str(b, g->carrier);
		lb_str(b, ".example.jp (Postfix) with ");
		lb_str(b, s->tls ? "ESMTPS" : "ESMTP");
		lb_str(b, " id ");
		lb_str(b, s->qid);
		lb_str(b, " from ");
		lb_client(b, s);
		lb_envelope(g, b, s);
		break;
	case L_REINJ_CLIENT:
		/* The re-injection listener with XFORWARD (PMG::Utils::reinject_mail). */
		lb_prefix_qid(g, b, t, "smtpd", g->pmg_smtpd_pid, s->qid2);
		lb_str(b, "client=");
		lb_client(b, s);
		lb_str(b, ", orig_queue_id=");
		lb_str(b, s->qid);
		lb_str(b, ", orig_client=localhost[127.0.0.1]");
		break;
	case L_QMGR:
	case L_REINJ_QMGR:
		lb_prefix_qid(g, b, t, "qmgr", g->qmgr_pid, k == L_QMGR ? queued_qid(s) : s->qid2);
		lb_str(b, "from=<");
		loggen_sender(b, s);
		lb_str(b, ">, size=");
		lb_dec(b, s->size, 1);
		lb_str(b, ", nrcpt=");
		lb_dec(b, s->nrcpt, 1);
		lb_str(b, " (queue active)");
		break;
	case L_DELIVERY:
		lb_delivery(g, b, s, t, s->arg[i], queued_qid(s), g->su->spam == SPAMF_PMG);
		break;
	case L_REINJ_DELIVERY:
		lb_delivery(g, b, s, t, s->arg[i], s->qid2, 0);
		break;
	case L_DISCONNECT:
		lb_smtpd(g, b, t, s, "disconnect from ");
		if (s->type == S_REJECT) {
			lb_str(b, " ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4");
		} else {
			lb_str(b, s->tls ? " ehlo=2 starttls=1 mail=1 rcpt=" : " ehlo=1 mail=1 rcpt=");
			lb_dec(b, s->nrcpt, 1);
			lb_str(b, " data=1 quit=1 commands=");
			lb_dec(b, (s->tls ? 6u : 4u) + s->nrcpt, 1);
		}
		break;
	case L_REMOVED:
	case L_REINJ_REMOVED:
		lb_prefix_qid(g, b, t, "qmgr", g->qmgr_pid, k == L_REMOVED ? queued_qid(s) : s->qid2);
		lb_str(b, "removed");
		break;
	case L_FATE:
		/* cleanup_milter_apply() for a milter's reply at the end of DATA,
		 * cleanup_act_log() for header_checks DISCARD and HOLD. */
		lb_prefix_qid(g, b, t, "cleanup", s->cleanup_pid, s->qid);
		if (s->fate == LGF_REJECTED || s->fate == LGF_DEFERRED) {
			lb_str(b, "milter-reject: END-OF-MESSAGE from ");
			lb_client(b, s);
			lb_str(b, s->fate == LGF_REJECTED ? ": 5.7.1 rejected by DMARC policy for "
			                                  : ": 4.7.1 Service unavailable - try again later"
			                                    " for ");
			lb_str(b, loggen_senders[s->sender].domain);
			lb_envelope(g, b, s);
		} else {
			lb_str(b, s->fate == LGF_DISCARDED ? "discard: header Subject: special offer from "
			                                   : "hold: header Subject: please review from ");
			lb_client(b, s);
			lb_envelope(g, b, s);
			if (s->fate == LGF_HELD)
				lb_str(b, ": held for review");
		}
		break;
	case L_NOQUEUE:
		lb_smtpd(g, b, t, s, "NOQUEUE: reject: RCPT from ");
		lb_str(b, ": 450 4.7.1 Client host rejected: cannot find your reverse hostname, "
		          "[203.0.113.");
		lb_dec(b, s->reject_ip, 1);
		lb_chr(b, ']');
		/* Postfix writes "; from=<..." after the reason, without " from CLIENT". */
		lb_envelope(g, b, s);
		break;
	default:
		msg_panic("loggen: no Postfix form for line kind %d", (int)k);
	}
	loggen_out_line(g, 0, b);
}

const struct gen_mta gen_postfix = {
	.file = "maillog",
	.format = "syslog",
	.header_budget = LG_HEADER_BUDGET,
	.ar_sep = "; ",
	.header_lead = ": info: header ",
	.stamp_time_len = 0,
	.stamp = gen_syslog_stamp,
	.queue_id = postfix_queue_id,
	.orphan_prefix = postfix_orphan_prefix,
	.line = postfix_line,
};
