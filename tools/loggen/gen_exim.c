/*
 * gen_exim - Exim 4.96/4.97's main log (collector/input_exim.c reads it):
 * "STAMP MSGID <= ...", "=>", "->", "Completed", the SMTP connection lines,
 * rejected RCPTs, and the DATA ACL's "logwrite = :main: ar: ..." lines that
 * log headers. Message IDs switch from the 16-character form to 4.97's
 * 23-character one at the host's switch.
 */
#include "loggen_int.h"

#include "timeutil.h"

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void put_b62(char *out, uint64_t v, unsigned width)
{
	unsigned i;

	for (i = width; i-- > 0;) {
		out[i] = b62[v % 62];
		v /= 62;
	}
}

/* Exim's message ID for a message received at us by the process that got
 * the unique number `unique` (we use the queue-file inode counter, which
 * never repeats within a host): "1abcDE-000123-AB" (time, pid, fraction of
 * a second in 1/2000 s) before 4.97, "1abcDE-00000000012-ABCD" (fraction in
 * microseconds) from 4.97. out must hold LOGGEN_QID_MAX bytes. */
static size_t exim_msgid(int64_t us, uint32_t unique, int new_form, char *out)
{
	int64_t sec = time_floor_div(us, US_PER_SEC);
	uint64_t frac = (uint64_t)(us - sec * US_PER_SEC);

	put_b62(out, (uint64_t)sec, 6);
	out[6] = '-';
	if (!new_form) {
		put_b62(out + 7, unique, 6);
		out[13] = '-';
		put_b62(out + 14, frac / 500, 2);
		out[16] = '\0';
		return 16;
	}
	put_b62(out + 7, unique, 11);
	out[18] = '-';
	put_b62(out + 19, frac, 4);
	out[23] = '\0';
	return 23;
}

static void exim_queue_id(const struct gen *g, int64_t t, uint32_t inode, char *out)
{
	exim_msgid(t, inode, t >= g->long_qid_from, out);
}

/* "2026-11-22 10:00:00.123 +0900" with +millisec and log_timezone (what
 * --timestamps rfc3339 stands for here), else "2026-11-22 10:00:00". */
static void exim_stamp(struct gen *g, struct lbuf *b, int64_t us)
{
	loggen_time_iso(g, b, us, g->su->stamps == TS_RFC3339);
}

static void exim_orphan_prefix(struct gen *g, struct lbuf *b, int64_t t)
{
	exim_stamp(g, b, t);
	lb_chr(b, ' ');
}

/* "name [ip]:port" as Exim writes a host; without a name "(helo) [ip]:port"
 * once the client has said EHLO, "[ip]:port" before. */
void gen_exim_host(struct lbuf *b, const struct sess *s, int helo_known)
{
	const char *client = s->type == S_REJECT ? "unknown" : loggen_senders[s->sender].client;

	if (strcmp(client, "unknown") != 0) {
		lb_str(b, client);
		lb_chr(b, ' ');
	} else if (helo_known) {
		lb_chr(b, '(');
		lb_str(b, s->type == S_REJECT ? loggen_reject_helos[s->reject_helo]
		                              : loggen_senders[s->sender].helo);
		lb_str(b, ") ");
	}
	lb_chr(b, '[');
	if (s->type == S_REJECT) {
		lb_str(b, "203.0.113.");
		lb_dec(b, s->reject_ip, 1);
	} else {
		lb_str(b, loggen_senders[s->sender].ip);
	}
	lb_str(b, "]:");
	lb_dec(b, loggen_client_port(s), 1);
}

/* "STAMP TEXTHOST": a line about session s's SMTP client. */
static void lb_exim_client(struct gen *g, struct lbuf *b, int64_t t, const struct sess *s,
                           const char *text, int helo_known)
{
	exim_stamp(g, b, t);
	lb_str(b, text);
	gen_exim_host(b, s, helo_known);
}

/* "STAMP MSGID" */
void gen_exim_msg_prefix(struct gen *g, struct lbuf *b, int64_t t, const struct sess *s)
{
	exim_stamp(g, b, t);
	lb_chr(b, ' ');
	lb_str(b, s->qid);
}

static void exim_line(struct gen *g, const struct sess *s, unsigned i)
{
	struct lbuf *b = &g->lb;
	int64_t t = s->t[i];
	enum line_kind k = (enum line_kind)s->kind[i];

	switch (k) {
	case L_TLS:
	case L_CLIENT:
	case L_MSGID:
		/* Exim logs none of these (without +tls_peerdn and the like). */
		return;
	case L_CONNECT:
		/* log_selector +smtp_connection */
		lb_exim_client(g, b, t, s, " SMTP connection from ", 0);
		lb_str(b, " (TCP/IP connection count = ");
		lb_dec(b, 1 + s->msgid_rand % 7, 1);
		lb_chr(b, ')');
		break;
	case L_DISCONNECT:
		lb_exim_client(g, b, t, s, " SMTP connection from ", 1);
		lb_str(b, " closed by QUIT");
		break;
	case L_NOQUEUE:
		lb_exim_client(g, b, t, s, " H=", 1);
		lb_str(b, " F=<");
		loggen_sender(b, s);
		lb_str(b, "> rejected RCPT <");
		loggen_rcpt(g, b, s->rcpt[0]);
		lb_str(b, ">: cannot find your reverse hostname");
		break;
	case L_HDR_FORGED:
	case L_HDR_AR:
	case L_HDR_SPAM:
		/* The DATA ACL's "logwrite = :main: ar: ..." (input_exim.c). */
		gen_exim_msg_prefix(g, b, t, s);
		lb_str(b, gen_exim.header_lead);
		loggen_header(g, b, s, k);
		break;
	case L_QMGR:
		gen_exim_msg_prefix(g, b, t, s);
		lb_str(b, " <= ");
		loggen_sender(b, s);
		lb_str(b, " H=");
		gen_exim_host(b, s, 1);
		lb_str(b, s->tls ? " P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S="
		                 : " P=esmtp S=");
		lb_dec(b, s->size, 1);
		lb_str(b, " id=");
		loggen_msgid(b, s);
		break;
	case L_DELIVERY:
		gen_exim_msg_prefix(g, b, t, s);
		lb_str(b, s->arg[i] == 0 ? " => " : " -> ");
		if (s->relay_smtp) {
			loggen_rcpt(g, b, s->rcpt[s->arg[i]]);
			lb_str(b, " R=smarthost T=remote_smtp H=");
			loggen_mailbox_name(g, b);
			lb_str(b, " [");
			loggen_mailbox_ip(g, b);
			lb_str(b, "] C=\"");
			loggen_mailbox_qid(b, s);
			lb_chr(b, '"');
		} else {
			lb_str(b, "user");
			lb_dec(b, s->rcpt[s->arg[i]], 5);
			lb_str(b, " <");
			loggen_rcpt(g, b, s->rcpt[s->arg[i]]);
			lb_str(b, "> R=local_user T=mail_spool");
		}
		break;
	case L_REMOVED:
		gen_exim_msg_prefix(g, b, t, s);
		lb_str(b, " Completed");
		break;
	case L_FATE:
		/* smtp_handle_acl_fail() for the DATA ACL's deny and defer,
		 * receive.c for its discard and "control = freeze"; receive.c
		 * too for local_scan()'s (SA-Exim's) refusals, "F=SENDER" without
		 * brackets and the host after it, and its discard of all
		 * recipients ("silently tossed"). */
		gen_exim_msg_prefix(g, b, t, s);
		if (s->saexim == SAE_TOSSED) {
			lb_str(b, " => blackhole (local_scan)");
		} else if (s->saexim != SAE_NONE) {
			lb_str(b, " F=");
			loggen_sender(b, s);
			lb_str(b, " H=");
			gen_exim_host(b, s, 1);
			/* The client that hung up on the teergrube gets no text. */
			if (s->fate == LGF_REJECTED)
				lb_str(b, " rejected by local_scan(): Rejected");
			else if (s->saexim == SAE_TEERGRUBE && (s->msgid_rand & 1) == 0)
				lb_str(b, " temporarily rejected by local_scan(): ");
			else
				lb_str(b, " temporarily rejected by local_scan(): Try again later");
		} else if (s->fate == LGF_REJECTED || s->fate == LGF_DEFERRED) {
			lb_str(b, " H=");
			gen_exim_host(b, s, 1);
			lb_str(b, " F=<");
			loggen_sender(b, s);
			lb_str(b, s->fate == LGF_REJECTED ? "> rejected after DATA: DMARC policy reject for "
			                                  : "> temporarily rejected after DATA: greylisted "
			                                    "for ");
			lb_str(b, loggen_senders[s->sender].domain);
		} else if (s->fate == LGF_DISCARDED) {
			lb_str(b, " => blackhole (DATA ACL discarded recipients): spam");
		} else {
			lb_str(b, " frozen by ACL");
		}
		break;
	default:
		msg_panic("loggen: no Exim form for line kind %d", (int)k);
	}
	loggen_out_line(g, 0, b);
}

const struct gen_mta gen_exim = {
	.file = "mainlog",
	.format = "exim",
	.header_budget = LG_HEADER_BUDGET_EXIM,
	/* Exim's ${authresults} folds after each ";", and logwrite prints the
	 * line break and tab as "\n" and "\t". */
	.ar_sep = ";\\n\\t",
	.header_lead = " ar: ",
	/* Cut inside the date and time: ".123 +0900" alone would leave a valid
	 * stamp. */
	.stamp_time_len = 19,
	.stamp = exim_stamp,
	.queue_id = exim_queue_id,
	.orphan_prefix = exim_orphan_prefix,
	.line = exim_line,
};
