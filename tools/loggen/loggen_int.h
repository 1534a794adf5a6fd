/*
 * loggen_int - the insides loggen.c shares with the log formats' files.
 *
 * loggen.c holds the machinery: options, profiles and setups, the random
 * streams, the simulation of sessions and what they count (the truth), time
 * stamps, the heap that writes lines in time order and the output files.
 * Each log format writes its own lines, one file each, as the collector reads
 * them with one collector/input_<format>.c each:
 *   gen_syslog.c     "STAMP HOST TAG[PID]: " of every program logging through syslog
 *   gen_postfix.c    Postfix 3.7 (smtpd, cleanup, qmgr, local, smtp): an MTA
 *   gen_exim.c       Exim 4.96/4.97's main log: an MTA
 *   gen_opendkim.c   OpenDKIM 2.11's verdicts and LogResults lines: a filter
 *   gen_opendmarc.c  OpenDMARC 1.4's verdicts: a filter
 *   gen_amavis.c     amavisd-new's "Passed" lines: a filter
 *   gen_rspamd.c     rspamd's own log file: a filter
 *   gen_spamd.c      SpamAssassin's spamd (behind spamass-milter): a filter
 *   gen_mailscanner.c MailScanner's verdicts and requeues (Postfix's hold
 *                    queue): a filter
 *   gen_pmg.c        Proxmox Mail Gateway's pmg-smtp-filter (after-queue, the
 *                    message queued twice): a filter
 *   gen_saexim.c     SA-Exim's "SA: Action:" lines (Exim's local_scan): a filter
 * An MTA (struct gen_mta) owns the main log and every line kind no filter
 * claims; a filter (struct gen_filter) decides what it logs of a message,
 * lays its lines out in the session and writes them. loggen.c picks a host's
 * MTA and filters from the carrier's setup and reaches them only through
 * these tables. Everything here is private to tools/loggen; loggen.h is the
 * contract.
 */
#ifndef ARSTAT_LOGGEN_INT_H
#define ARSTAT_LOGGEN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "loggen.h"
#include "result.h"

#define US_PER_MS 1000LL
#define US_PER_SEC 1000000LL
#define US_PER_DAY (86400LL * US_PER_SEC)

/* Postfix logs at most 200 characters of a header (cleanup "%.200s"); ours
 * stay below this so that no header is ever cut in the log. Exim does not
 * cut: its budget only keeps lines bounded. */
#define LG_HEADER_BUDGET 190
#define LG_HEADER_BUDGET_EXIM 600
/* Generated lines are bounded by construction; a longer one is our bug. */
#define LG_LINE_MAX 2048
#define LG_MAX_LINES 28
#define LG_MAX_RCPT 2
/* Messages placed on purpose across each month boundary, per host. */
#define NFORCED 3

/* ---------------------------------------------------------------------- */
/* Random numbers: splitmix64 seeds xoshiro256** (Blackman and Vigna). The
 * draws are inline: a message takes dozens of them. */

struct rng {
	uint64_t s[4];
};

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/* Uniform in [0, n) for n > 0. The bias of the 64-bit multiply-shift is below
 * 2^-32 for the ranges used here, far below anything a test could see. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t x = rng_next(r);

	if (n <= UINT32_MAX)
		return ((x >> 32) * n) >> 32;
	return x % n;
}

/* Uniform in [lo, hi]. */
static inline int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* True with probability permille / 1000. */
static inline int rng_chance(struct rng *r, unsigned permille)
{
	return rng_below(r, 1000) < permille;
}

/* Index drawn with the given weights; the weights must not all be zero. */
static inline unsigned rng_pick(struct rng *r, const unsigned *w, unsigned n)
{
	unsigned i, total = 0;
	uint64_t x;

	for (i = 0; i < n; i++)
		total += w[i];
	if (total == 0)
		msg_panic("loggen: empty weight table");
	x = rng_below(r, total);
	for (i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* ---------------------------------------------------------------------- */
/* Line buffer: one per host, reused for every line. */

struct lbuf {
	size_t n;
	char b[LG_LINE_MAX];
};

static inline void lb_mem(struct lbuf *b, const char *s, size_t n)
{
	if (n > sizeof(b->b) - b->n)
		msg_panic("loggen: generated line longer than %d bytes", LG_LINE_MAX);
	memcpy(b->b + b->n, s, n);
	b->n += n;
}

static inline void lb_str(struct lbuf *b, const char *s)
{
	lb_mem(b, s, strlen(s));
}

static inline void lb_chr(struct lbuf *b, char c)
{
	lb_mem(b, &c, 1);
}

/* Decimal, at least `width` digits with leading zeros. */
static inline void lb_dec(struct lbuf *b, uint64_t v, unsigned width)
{
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < sizeof(tmp));
	while (n < width && n < sizeof(tmp))
		tmp[sizeof(tmp) - 1 - n++] = '0';
	lb_mem(b, tmp + sizeof(tmp) - n, n);
}

static inline void lb_hex(struct lbuf *b, uint64_t v, unsigned width, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[16];
	unsigned n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v & 15];
		v >>= 4;
	} while (v > 0 && n < sizeof(tmp));
	while (n < width && n < sizeof(tmp))
		tmp[sizeof(tmp) - 1 - n++] = '0';
	lb_mem(b, tmp + sizeof(tmp) - n, n);
}

/* ---------------------------------------------------------------------- */
/* Profiles and setups */

#define M_SPF (1u << AR_SPF)
#define M_DKIM (1u << AR_DKIM)
#define M_DMARC (1u << AR_DMARC)
#define M_ARC (1u << AR_ARC)
#define M_IPREV (1u << AR_METHOD_COUNT) /* not counted; parsers must skip it */
#define M_ALL (M_SPF | M_DKIM | M_DMARC | M_ARC)

/* Weights over none, pass, fail, softfail, neutral, temperror, permerror, policy. */
#define NRES AR_ABSENT

/* What a carrier runs: its MTA, milters, spam filter and syslog stamps. */
enum lg_mta { MTA_POSTFIX = 0, MTA_EXIM };
/* SPAMF_AMAVIS_CF: amavis as Postfix's content_filter, which gives each
 * message back to Postfix to be queued again under a new queue ID.
 * SPAMF_RSPAMD_SYMBOLS: rspamd whose result lines carry the SPF, DKIM, DMARC
 * and ARC symbols of the message's results (read with rspamd_symbols =
 * yes); plain SPAMF_RSPAMD writes none of them. SPAMF_SPAMD: SpamAssassin's
 * spamd behind spamass-milter, its verdict naming the message by Message-ID
 * (read with spamd_join = yes). SPAMF_MAILSCANNER: MailScanner behind
 * Postfix's header_checks HOLD, queueing each message again under a new
 * queue ID. SPAMF_PMG: Proxmox Mail Gateway's after-queue filter, which
 * queues each message again (read with pmg_reinjection = yes). SPAMF_SAEXIM:
 * SA-Exim in Exim's local_scan. */
enum lg_spamf {
	SPAMF_FLAG = 0, SPAMF_AMAVIS, SPAMF_RSPAMD, SPAMF_AMAVIS_CF, SPAMF_RSPAMD_SYMBOLS, SPAMF_SPAMD,
	SPAMF_MAILSCANNER, SPAMF_PMG, SPAMF_SAEXIM
};
#define SPAMF_IS_AMAVIS(f) ((f) == SPAMF_AMAVIS || (f) == SPAMF_AMAVIS_CF)
/* Filters that log through syslog beside Postfix, never with Exim here. */
#define SPAMF_IS_POSTFIX_ONLY(f) \
	(SPAMF_IS_AMAVIS(f) || (f) == SPAMF_SPAMD || (f) == SPAMF_MAILSCANNER || (f) == SPAMF_PMG)
enum lg_stamps { TS_RFC3339 = 0, TS_TRADITIONAL, TS_MAILLOG };
#define MIL_OPENDMARC 0x1u
#define MIL_OPENDKIM 0x2u    /* the one-line verdicts */
#define MIL_OPENDKIM_LR 0x4u /* LogResults */
#define MIL_EXIM_DKIM 0x8u   /* Exim's own DKIM lines (+dkim_verbose), Exim only */

struct setup {
	unsigned char mta, milters, spam, stamps;
};

/* ---------------------------------------------------------------------- */
/* Fixed vocabulary of the generated traffic (documentation address ranges),
 * in loggen.c. */

struct sender {
	const char *domain;
	const char *client; /* reverse DNS name, or "unknown" */
	const char *ip;
	const char *helo;
};

extern const struct sender loggen_senders[];
extern const char *const loggen_selectors[];
extern const char *const loggen_reject_helos[];
/* Another tier's view of a result, for headers that repeat a milter's method. */
extern const unsigned loggen_w_tier[NRES];

/* ---------------------------------------------------------------------- */
/* Sessions: one SMTP connection, its lines laid out in time before the first
 * is written, then emitted one by one from a heap ordered by time. */

enum line_kind {
	L_CONNECT, L_TLS, L_CLIENT, L_MSGID, L_HDR_FORGED, L_HDR_AR, L_HDR_SPAM, L_QMGR,
	L_DELIVERY, L_DISCONNECT, L_REMOVED, L_NOQUEUE,
	/* Milters, amavis and rspamd (the last two to rspamd.log). */
	L_OPENDKIM_MULTI, L_OPENDKIM, L_OPENDMARC_SPF, L_OPENDMARC, L_AMAVIS, L_RSPAMD_LOADED,
	L_RSPAMD_RESULT, L_SPAMD, L_EXIM_DKIM,
	/* amavis as content_filter: the copy Postfix queues again (qid2). */
	L_REINJ_MSGID, L_REINJ_REMOVED,
	/* MailScanner: Postfix's header_checks HOLD of every message, and
	 * MailScanner's own lines (arg: enum ms_line). */
	L_MS_HOLD, L_MAILSCANNER,
	/* PMG: pmg-smtp-filter's lines (arg: enum pmg_line), and Postfix's lines
	 * of the copy it queues again (qid2). */
	L_PMG, L_REINJ_CLIENT, L_REINJ_QMGR, L_REINJ_DELIVERY,
	/* SA-Exim's "SA: Action:" line (s->saexim). */
	L_SAEXIM,
	/* The line that refuses, discards or holds a message (s->fate). */
	L_FATE,
	L_COUNT
};
#define LINE_BIT(k) (1u << (k))
_Static_assert(L_COUNT <= 32, "struct gen_filter's kinds is a 32-bit mask");

enum sess_type { S_MESSAGE, S_REJECT, S_REFUSED };
/* What happens to a message of type S_REFUSED (S_MESSAGE: accepted). */
enum lg_fate { LGF_REJECTED = 0, LGF_DISCARDED, LGF_HELD, LGF_DEFERRED, LGF_COUNT };
enum spam_line { SPAMLINE_NONE, SPAMLINE_NO, SPAMLINE_YES };
/* MailScanner's lines of a message (arg of L_MAILSCANNER). */
enum ms_line { MS_BATCH = 0, MS_WHITELISTED, MS_VERDICT, MS_ACTIONS, MS_REQUEUE };
/* pmg-smtp-filter's lines of a message (arg of L_PMG); PMG_ACCEPT + n for
 * recipient n. */
enum pmg_line { PMG_NEW = 0, PMG_SA, PMG_TIME, PMG_ACCEPT };
/* SA-Exim's actions (sa-exim.c local_scan()); SAE_NONE: it logged nothing. */
enum saexim_action {
	SAE_NONE = 0, SAE_FLAGGED, SAE_HAM, SAE_NORUN, SAE_TIMEOUT, /* accepted */
	SAE_PERMREJECT, SAE_TOSSED, SAE_TEMPREJECT, SAE_TEERGRUBE   /* refused */
};

struct sess {
	int64_t t[LG_MAX_LINES];
	unsigned char kind[LG_MAX_LINES];
	unsigned char arg[LG_MAX_LINES];
	unsigned nlines, next;
	uint64_t order; /* tie-break between equal times: start order */
	enum sess_type type;
	/* identity, fixed at start */
	char qid[LOGGEN_QID_MAX];
	char qid2[LOGGEN_QID_MAX]; /* the copy queued again (amavis-cf, MailScanner, PMG) */
	int64_t t_copy;            /* when the copy's queue file is made; 0: no copy */
	int requeued;              /* the copy replaces the message (MailScanner): qmgr's,
	                              the deliveries' and removed lines are the copy's */
	unsigned smtpd_pid, cleanup_pid, deliver_pid;
	int64_t t_client, t_qmgr;
	/* content */
	unsigned sender, from_local, selector;
	uint32_t rcpt[LG_MAX_RCPT];
	unsigned nrcpt;
	int tls, relay_smtp, has_ar, upper, hardfail, forged, forged_kind, iprev_fail;
	enum spam_line spamline;
	enum ar_result res[AR_METHOD_COUNT];
	enum ar_policy pol;
	unsigned size;
	uint64_t msgid_rand;
	unsigned reject_ip, reject_helo;
	/* how the results are logged (present()) and what counts (truth) */
	int exim;                             /* laid out and written as Exim */
	enum ar_result hres[AR_METHOD_COUNT]; /* in the trusted header, AR_ABSENT if not */
	enum ar_result mres[AR_METHOD_COUNT]; /* in a milter's line, AR_ABSENT if none */
	enum ar_result tres[AR_METHOD_COUNT]; /* truth: the most significant of both */
	enum ar_policy mpol;                  /* the DMARC policy a filter's line gives */
	enum ar_policy tpol;
	int tspam;
	unsigned char lr_nsig, lr_err[2]; /* LogResults: signatures, index into dkim_errors */
	unsigned char second_sig;         /* a second DKIM signature (esp.example) */
	unsigned char amavis_cat;         /* index into amavis_cats */
	unsigned char rspamd_verdict;     /* index into rspamd_verdicts */
	unsigned char fate;               /* S_REFUSED: enum lg_fate */
	unsigned char ms_verdict;         /* index into MailScanner's verdicts */
	unsigned char saexim;             /* enum saexim_action */
};

/* Add a line of kind k at time t (relative to the session's start). */
static inline void sess_add(struct sess *s, int64_t t, enum line_kind k, unsigned arg)
{
	if (s->nlines >= LG_MAX_LINES)
		msg_panic("loggen: too many lines in a session");
	s->t[s->nlines] = t;
	s->kind[s->nlines] = (unsigned char)k;
	s->arg[s->nlines] = (unsigned char)arg;
	s->nlines++;
}

/* Daemon processes of one kind: a process serves one session at a time, so
 * its PID is busy until that session is done. */
#define PID_POOL_MAX 64
struct pidpool {
	unsigned pid[PID_POOL_MAX];
	int64_t busy_until[PID_POOL_MAX];
	unsigned n;
};

struct gen;

/* Write line i of session s (its kind is one the writer owns) to its file. */
typedef void (*gen_line_fn)(struct gen *g, const struct sess *s, unsigned i);

/*
 * An MTA: the main log's name and format, how its lines start and how it
 * names messages. It writes every line kind no filter claims.
 */
struct gen_mta {
	const char *file;     /* below OUT/<carrier>/<host>/ */
	const char *format;   /* the collector's name of the file's format (inputs.csv) */
	size_t header_budget; /* a logged Authentication-Results header fits this */
	const char *ar_sep;   /* between the results of a logged header */
	const char *header_lead; /* between a queue ID and a header it logs */
	/* Length of a stamp's date and time; a line cut shorter holds no valid
	 * stamp. 0: the whole stamp. */
	size_t stamp_time_len;
	/* The stamp that starts a line of the main log, as the carrier writes it. */
	void (*stamp)(struct gen *g, struct lbuf *b, int64_t us);
	/* The name of a message whose queue file was made at t with unique
	 * number inode, in the form of the software running at t; out holds
	 * LOGGEN_QID_MAX bytes. */
	void (*queue_id)(const struct gen *g, int64_t t, uint32_t inode, char *out);
	/* The start of a line of no session's that logs a header, up to the
	 * queue ID (garbage and overlong lines). */
	void (*orphan_prefix)(struct gen *g, struct lbuf *b, int64_t t);
	gen_line_fn line;
};

/*
 * A milter or spam filter. Called in the order of the host's filters
 * (OpenDKIM, OpenDMARC, then the spam filter), which is part of what the
 * random streams give: the order must not change.
 */
struct gen_filter {
	const char *file;   /* its own log file, or NULL: it logs through syslog */
	const char *format; /* the collector's name of that file's format */
	unsigned kinds;     /* LINE_BIT()s of the line kinds it writes */
	/* Draw its daemons' PIDs, once per host. */
	void (*host_init)(struct gen *g);
	/* Decide what it logs of message s: a milter takes results over from
	 * the header (s->hres to s->mres), a spam filter replaces the header's
	 * verdict s->tspam with its own. The truth is merged afterwards. */
	void (*present)(struct gen *g, struct sess *s);
	/* Add its lines after time t (the end of DATA); returns the time of
	 * the last, or t. */
	int64_t (*layout)(struct gen *g, struct sess *s, int64_t t);
	gen_line_fn line;
};

extern const struct gen_mta gen_postfix, gen_exim;
extern const struct gen_filter gen_opendkim, gen_opendmarc, gen_amavis, gen_rspamd, gen_spamd,
	gen_exim_dkim, gen_mailscanner, gen_pmg, gen_saexim;

#define GEN_FILTERS_MAX 3

/* Per host, reset for each file. */
struct gen {
	struct run *r;
	unsigned c, h;
	char carrier[LOGGEN_ID_MAX];
	char host[16];
	char tz_text[8];
	struct rng rng;
	FILE *fp;
	struct lbuf lb;
	int64_t day_cached;
	char day_text[12];
	int64_t long_qid_from; /* the host switched to enable_long_queue_ids here */
	uint64_t nmsg, ngarbage, order;
	uint32_t inode_base; /* where this host's inode numbers start */
	unsigned next_pid, qmgr_pid;
	struct pidpool smtpd, cleanup, local, smtp;
	/* open sessions: pool with a free list and a binary heap of indices */
	struct sess *pool;
	size_t pool_cap, pool_used;
	size_t *free_list, nfree;
	size_t *heap, nheap;
	struct sess forced[NFORCED];
	uint64_t lines, malformed, overlong, bytes;
	int write_error;
	/* the carrier's setup and what it needs */
	const struct setup *su;
	const struct gen_mta *mta;
	const struct gen_filter *filters[GEN_FILTERS_MAX];
	unsigned nfilters;
	gen_line_fn writer[L_COUNT]; /* by line kind */
	FILE *fp2;               /* a filter's own log file, or NULL */
	int64_t line_t;          /* time of the line being written */
	int64_t last_t[2];       /* time of the last line of each file */
	unsigned opendkim_pid, opendmarc_pid, rspamd_pid[2];
	unsigned amavis_pid[4], amavis_nreq[4];
	unsigned spamd_pid;
	unsigned mailscanner_pid[3], pmg_pid[3], pmg_smtpd_pid, lmtp_pid;
};

/* ---------------------------------------------------------------------- */
/* loggen.c's services to the formats */

/* A new PID, as the kernel hands them out. */
unsigned loggen_pid_new(struct gen *g);
/* Any process of pool p, for lines that belong to no session. */
unsigned loggen_pid_any(struct gen *g, const struct pidpool *p);

/* Write the line in b, with a newline, to file `which` (0 the MTA's log, 1 a
 * filter's own) and empty b. A failed write is remembered in g->write_error. */
void loggen_out_line(struct gen *g, int which, struct lbuf *b);

/* Time stamps of us in the host's zone: "2026-08-01T09:00:00.123456+09:00"
 * (rsyslog), "Nov  2 10:00:00" or with zero_day "Nov 02 10:00:00" (syslog,
 * Postfix maillog_file), "2026-11-22 10:00:00" with ".123 +0900" if precise
 * (Exim's +millisec and log_timezone; rspamd). */
void loggen_time_rfc3339(struct gen *g, struct lbuf *b, int64_t us);
void loggen_time_bsd(struct gen *g, struct lbuf *b, int64_t us, int zero_day);
void loggen_time_iso(struct gen *g, struct lbuf *b, int64_t us, int precise);

/* Parts of a message as every format writes them: "local@domain" of the
 * sender, "userNNNNN@CARRIER.example.jp" of a recipient, the Message-ID
 * "hex@domain", a client port that stays the same on every line of a
 * session, "mbox1.CARRIER.example.jp" and its address "10.C.H.11" (the
 * mailbox server a message is relayed to). */
void loggen_sender(struct lbuf *b, const struct sess *s);
void loggen_rcpt(struct gen *g, struct lbuf *b, uint32_t user);
void loggen_msgid(struct lbuf *b, const struct sess *s);
unsigned loggen_client_port(const struct sess *s);
void loggen_mailbox_name(struct gen *g, struct lbuf *b);
void loggen_mailbox_ip(struct gen *g, struct lbuf *b);
/* The mailbox server's own queue ID ("250 2.0.0 Ok: queued as X"): a parser
 * must not take it for one of ours. */
void loggen_mailbox_qid(struct lbuf *b, const struct sess *s);

/* The header of line kind k (L_HDR_AR, L_HDR_FORGED or L_HDR_SPAM) as
 * "Name: value", within the MTA's header budget. */
void loggen_header(struct gen *g, struct lbuf *b, const struct sess *s, enum line_kind k);

/* A few characters that look like base64 from x, for IDs in the lines. */
void loggen_b64ish(struct lbuf *b, uint64_t x, unsigned n);
/* Signed thousandths as amavis and rspamd print scores: "-1.900", "7.050";
 * decimals 3 or 2. */
void loggen_milli(struct lbuf *b, int64_t v, unsigned decimals);
/* Thousandths with one decimal, as SpamAssassin's "%.1f" scores are quoted
 * (cut, not rounded: near enough for a score): "-1.9", "7.0". */
void loggen_tenths(struct lbuf *b, int64_t v);
/* A spam score in thousandths, fixed per message. */
int64_t loggen_spam_score(const struct sess *s, int spam);
/*
 * A spam filter's verdict on s (amavis, rspamd): the index of one of its n
 * verdicts, drawn with w_spam's weights if s is spam so far, else w_ham's.
 * header_checks do not see the filter's own header (a milter adds it after
 * them; the re-injection from a content_filter skips them), so s logs no
 * X-Spam-Flag line any more. The caller makes s->tspam the verdict's.
 */
unsigned loggen_spam_verdict(struct gen *g, struct sess *s, const unsigned *w_ham,
                             const unsigned *w_spam, unsigned n);

/* gen_mailscanner.c: a held message s whose headers end at t, which
 * MailScanner judges spam and quarantines (never requeued): the hold line
 * and MailScanner's. Returns the time of the last. */
int64_t gen_mailscanner_layout_held(struct gen *g, struct sess *s, int64_t t);
/* gen_pmg.c: after-queue filtering. pmg-smtp-filter takes message s by LMTP
 * after qmgr's line at tq, queues the copy again and answers; lay out its
 * lines, the copy's and the LMTP deliveries. Returns the time from which
 * the copy is delivered. */
int64_t gen_pmg_layout_queued(struct gen *g, struct sess *s, int64_t tq);
/* gen_pmg.c: pmg-smtp-filter's ID of message s ("%X%X%05X" of an inode,
 * the seconds and microseconds of its queue file), as its lines and
 * Postfix's LMTP reply name it. */
void gen_pmg_logid(struct lbuf *b, const struct sess *s);
/* gen_exim.c: "STAMP MSGID" that starts Exim's lines about message s, and
 * "name [ip]:port" of its client. */
void gen_exim_msg_prefix(struct gen *g, struct lbuf *b, int64_t t, const struct sess *s);
void gen_exim_host(struct lbuf *b, const struct sess *s, int helo_known);

/* The outcome rule of loggen.h: the rank of a result, higher counts. */
int loggen_result_rank(enum ar_result r);

/* gen_syslog.c: the stamp of the carrier's syslog (--timestamps), and the
 * "STAMP HOST PROG[PID]: " (or "PROG/SUB[PID]: " when sub is not NULL) that
 * starts every line a program writes through it. */
void gen_syslog_stamp(struct gen *g, struct lbuf *b, int64_t us);
void gen_syslog_prefix(struct gen *g, struct lbuf *b, int64_t t, const char *prog,
                       const char *sub, unsigned pid);

/* "QID: " after a syslog prefix. */
static inline void lb_qid(struct lbuf *b, const struct sess *s)
{
	lb_str(b, s->qid);
	lb_str(b, ": ");
}

#endif
