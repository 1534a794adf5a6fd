/*
 * loggen - the generator's machinery: options, profiles and setups, the
 * sessions and their truth, time stamps, the heap that writes lines in time
 * order, the output files. Each log format's lines are written by its own
 * gen_<format>.c, reached through the tables of loggen_int.h.
 */
#include "loggen.h"
#include "loggen_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "result.h"
#include "strutil.h"
#include "timeutil.h"

/* Every session's lines lie within this span of its first line (the layout
 * below stays under 6 s); the last day's sessions start earlier than the run's
 * end by this much so that none straddles it. */
#define LG_SPAN_MAX_US (10 * US_PER_SEC)
/* The overlong line, longer than any collector's line limit should be. */
#define LG_OVERLONG_LEN 70000
/* Queue-file inode numbers are a bijection of a per-host counter on 24 bits:
 * messages take the lower half, garbage lines' orphan queue IDs the upper,
 * so no queue ID repeats within a host. */
#define LG_INODE_SPACE (1u << 23)
#define LG_PATH_MAX 4096

/* ---------------------------------------------------------------------- */
/* Options */

#define OPT(field) offsetof(struct loggen_opts, field)
const struct cfg_entry loggen_cfg_table[] = {
	{ "out", CFG_STR, NULL, 0, 0, OPT(out), "output directory (required)" },
	{ "carriers", CFG_INT, "3", 1, 100, OPT(carriers), "number of carriers" },
	{ "hosts", CFG_INT, "2", 1, 100, OPT(hosts), "hosts per carrier (mx1..mxN)" },
	{ "start", CFG_STR, "2026-08", 0, 0, OPT(start), "first month, YYYY-MM" },
	{ "months", CFG_INT, "3", 1, 120, OPT(months), "number of months" },
	{ "messages-per-day", CFG_INT, "200", 0, 10000000, OPT(messages_per_day),
	  "messages per host and day" },
	{ "seed", CFG_INT, "1", 0, INT64_MAX, OPT(seed), "random seed" },
	{ "tz-offset", CFG_STR, "+09:00", 0, 0, OPT(tz_offset),
	  "UTC offset of timestamps and month cuts, +HH:MM" },
	{ "profile", CFG_STR, "default", 0, 0, OPT(profile),
	  "result distribution and carriers' setups (--list-profiles)" },
	{ "malformed-per-day", CFG_INT, "3", 0, 100000, OPT(malformed_per_day),
	  "garbage lines per host and day" },
	{ "refused-per-day", CFG_INT, "0", 0, 1000000, OPT(refused_per_day),
	  "messages per host and day refused at the end of DATA, discarded, held or deferred" },
	{ "overlong", CFG_BOOL, "no", 0, 0, OPT(overlong), "one 70000-byte line per host" },
	{ "mta", CFG_STR, NULL, 0, 0, OPT(mta), "postfix or exim, for every carrier" },
	{ "milters", CFG_STR, NULL, 0, 0, OPT(milters),
	  "none, or opendmarc,opendkim (or opendkim-logresults), or exim-dkim (Exim's own DKIM "
	  "lines), for every carrier" },
	{ "spam-filter", CFG_STR, NULL, 0, 0, OPT(spam_filter),
	  "flag, amavis (milter), amavis-cf (content_filter: messages queued twice), rspamd or "
	  "rspamd-symbols (its SPF/DKIM/DMARC/ARC symbols are results), spamd (SpamAssassin), "
	  "mailscanner (MailScanner, messages held and queued again) or pmg (Proxmox Mail "
	  "Gateway, messages queued twice), all Postfix only, or sa-exim (SA-Exim, Exim only), "
	  "for every carrier" },
	{ "timestamps", CFG_STR, NULL, 0, 0, OPT(timestamps),
	  "rfc3339, traditional or maillog, for every carrier" },
	CFG_END
};
#undef OPT

void loggen_opts_init(struct loggen_opts *o)
{
	memset(o, 0, sizeof(*o));
	cfg_defaults(loggen_cfg_table, o);
}

void loggen_opts_free(struct loggen_opts *o)
{
	if (o != NULL)
		cfg_free(loggen_cfg_table, o);
}

int loggen_parse_tz(const char *s, int *minutes)
{
	int64_t h, m;
	int total;

	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -1;
	if (num_parse_i64(s + 1, 2, 0, 14, &h) < 0 || num_parse_i64(s + 4, 2, 0, 59, &m) < 0)
		return -1;
	total = (int)(h * 60 + m);
	if (total > 14 * 60)
		return -1;
	*minutes = s[0] == '-' ? -total : total;
	return 0;
}

void loggen_carrier_id(unsigned i, char *out, size_t size)
{
	char rev[16];
	size_t n = 0, k, pos;
	const char *prefix = "carrier-";

	/* Bijective base 26: a..z, aa..az, ba.. so that every index has a name. */
	i++;
	while (i > 0 && n < sizeof(rev)) {
		i--;
		rev[n++] = (char)('a' + i % 26);
		i /= 26;
	}
	pos = str_copy(out, prefix, size);
	for (k = 0; k < n && pos + 1 < size; k++)
		out[pos++] = rev[n - 1 - k];
	if (size > 0)
		out[pos < size ? pos : size - 1] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Random streams: splitmix64 seeds each host's xoshiro256** (loggen_int.h). */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed;
	int i;

	/* Mixing carrier and host into the splitmix state gives every host its
	 * own stream, so hosts can be generated in any order. */
	x ^= splitmix64(&x) + a * 0xD1B54A32D192ED03ULL;
	x ^= splitmix64(&x) + b * 0x8CB92BA72F3D8DD7ULL;
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

/* ---------------------------------------------------------------------- */
/* Profiles */

/* A profile without setups gives every carrier this one. */
static const struct setup setup_default = { MTA_POSTFIX, 0, SPAMF_FLAG, TS_RFC3339 };

/* Carriers cycle through these in the mixed profile: every format the
 * collector reads, and the combinations the join must handle. */
static const struct setup setups_mixed[] = {
	{ MTA_POSTFIX, MIL_OPENDKIM | MIL_OPENDMARC, SPAMF_FLAG, TS_RFC3339 },
	{ MTA_POSTFIX, MIL_OPENDKIM_LR, SPAMF_AMAVIS, TS_TRADITIONAL },
	{ MTA_EXIM, 0, SPAMF_RSPAMD, TS_TRADITIONAL },
	{ MTA_POSTFIX, 0, SPAMF_RSPAMD, TS_MAILLOG },
	{ MTA_EXIM, 0, SPAMF_FLAG, TS_RFC3339 },
	{ MTA_POSTFIX, 0, SPAMF_AMAVIS_CF, TS_RFC3339 },
	{ MTA_POSTFIX, 0, SPAMF_RSPAMD_SYMBOLS, TS_RFC3339 },
	{ MTA_POSTFIX, MIL_OPENDMARC, SPAMF_SPAMD, TS_TRADITIONAL },
	{ MTA_EXIM, MIL_EXIM_DKIM, SPAMF_FLAG, TS_RFC3339 },
	{ MTA_POSTFIX, 0, SPAMF_MAILSCANNER, TS_RFC3339 },
	{ MTA_POSTFIX, MIL_OPENDKIM, SPAMF_PMG, TS_TRADITIONAL },
	{ MTA_EXIM, 0, SPAMF_SAEXIM, TS_TRADITIONAL },
};

struct profile {
	const char *name;
	const char *desc;
	unsigned masks[4]; /* methods evaluated by carrier i: masks[i % nmasks] */
	unsigned nmasks;
	unsigned w_spf[NRES], w_dkim[NRES], w_dmarc[NRES], w_arc[NRES];
	/* DMARC follows SPF and DKIM (pass when either passes) instead of w_dmarc. */
	int dmarc_follows;
	unsigned pm_dmarc_record; /* sender publishes a DMARC record */
	unsigned pm_dmarc_temperror, pm_dmarc_permerror;
	unsigned w_policy[POL_COUNT];
	unsigned pm_noheader, pm_forged, pm_upper, pm_hardfail, pm_spam, pm_ham_flag;
	const struct setup *setups; /* carrier i: setups[i % nsetups]; none: setup_default */
	unsigned nsetups;
};

/* The carriers and shares of the default profile, which plain and mixed
 * keep: carrier-a evaluates SPF, DKIM, DMARC and ARC, carrier-b all but ARC,
 * carrier-c SPF only (with iprev); shares per thousand in the order of
 * enum ar_result; DMARC follows SPF and DKIM where the sender publishes a
 * record (700 per thousand). Fields masks to w_policy of struct profile. */
#define PROFILE_REALISTIC \
	{ M_ALL, M_SPF | M_DKIM | M_DMARC, M_SPF | M_IPREV }, 3, \
	{ 60, 800, 40, 50, 20, 15, 15, 0 }, \
	{ 380, 500, 80, 0, 10, 15, 15, 0 }, \
	{ 0 }, \
	{ 850, 100, 50, 0, 0, 0, 0, 0 }, \
	1, 700, 15, 10, \
	{ 0, 500, 250, 250 }

static const struct profile profiles[] = {
	{
		"default",
		"carrier-a SPF+DKIM+DMARC+ARC, carrier-b SPF+DKIM+DMARC, carrier-c SPF only (cycling); "
		"realistic shares, 3% without header, 2% forged, 50% spam",
		PROFILE_REALISTIC,
		30, 20, 20, 250, 500, 600,
		NULL, 0,
	},
	{
		"uniform",
		"every carrier evaluates all four methods; every result and policy equally likely; "
		"5% without header, 5% forged, 10% upper case",
		{ M_ALL }, 1,
		{ 1, 1, 1, 1, 1, 1, 1, 1 },
		{ 1, 1, 1, 1, 1, 1, 1, 1 },
		{ 1, 1, 1, 1, 1, 1, 1, 1 },
		{ 1, 1, 1, 1, 1, 1, 1, 1 },
		0, 0, 0, 0,
		{ 1, 1, 1, 1 },
		50, 50, 100, 500, 500, 500,
		NULL, 0,
	},
	{
		"plain",
		"like default, but every message has exactly one trusted header, all lower case, "
		"no hardfail",
		PROFILE_REALISTIC,
		0, 0, 0, 0, 500, 600,
		NULL, 0,
	},
	{
		"mixed",
		"like default, but the carriers run different software: Postfix with OpenDKIM and "
		"OpenDMARC; Postfix with OpenDKIM LogResults, amavis and traditional stamps; Exim "
		"with rspamd; Postfix with rspamd and maillog_file stamps; Exim with "
		"X-Spam-Flag; Postfix with amavis as content_filter; Postfix with rspamd's "
		"symbols as a source of results; Postfix with OpenDMARC and SpamAssassin's spamd; "
		"Exim with its own DKIM lines; Postfix with MailScanner; a Proxmox Mail Gateway "
		"with OpenDKIM and traditional stamps; Exim with SA-Exim and traditional stamps "
		"(cycling)",
		PROFILE_REALISTIC,
		30, 20, 20, 250, 500, 600,
		setups_mixed, sizeof(setups_mixed) / sizeof(setups_mixed[0]),
	},
};
#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

static const char *const profile_names[NPROFILES + 1] = { "default", "uniform", "plain", "mixed",
	                                                  NULL };

const char *const *loggen_profile_names(void)
{
	return profile_names;
}

static const struct profile *profile_find(const char *name)
{
	size_t i;

	for (i = 0; i < NPROFILES; i++) {
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	}
	return NULL;
}

const char *loggen_profile_describe(const char *name)
{
	const struct profile *p = profile_find(name);

	return p != NULL ? p->desc : NULL;
}

/* ---------------------------------------------------------------------- */
/* Fixed vocabulary of the generated traffic (documentation address ranges). */

/* Domains are short on purpose: they appear up to four times in a header. */
const struct sender loggen_senders[] = {
	{ "example.com", "mail.example.com", "192.0.2.10", "mail.example.com" },
	{ "example.net", "mx01.example.net", "192.0.2.25", "mx01.example.net" },
	{ "example.org", "smtp.example.org", "192.0.2.33", "smtp.example.org" },
	{ "shop.example", "out1.shop.example", "198.51.100.7", "out1.shop.example" },
	{ "news.example", "bulk.news.example", "198.51.100.20", "bulk.news.example" },
	{ "bank.example", "mail.bank.example", "198.51.100.41", "mail.bank.example" },
	{ "ex.co.jp", "mx.ex.co.jp", "203.0.113.5", "mx.ex.co.jp" },
	{ "ex.ne.jp", "smtp.ex.ne.jp", "203.0.113.18", "smtp.ex.ne.jp" },
	{ "mail.example", "o1.mail.example", "2001:db8::25", "o1.mail.example" },
	{ "trip.example", "mta.trip.example", "203.0.113.77", "mta.trip.example" },
	{ "promo.example", "unknown", "203.0.113.200", "promo.example" },
	{ "cheap.example", "unknown", "198.51.100.199", "localhost" },
	{ "ml.example.org", "list.example.org", "192.0.2.61", "list.example.org" },
	{ "sns.example", "notify.sns.example", "2001:db8:1::7", "notify.sns.example" },
};
#define NSENDERS (sizeof(loggen_senders) / sizeof(loggen_senders[0]))

static const char *const locals[] = {
	"info", "noreply", "news", "alice", "bob", "support", "billing", "no-reply", "mailer",
	"carol", "dave", "shop", "bounce",
};
#define NLOCALS (sizeof(locals) / sizeof(locals[0]))

const char *const loggen_selectors[] = { "s1", "k1", "mail", "2024a" };
#define NSELECTORS (sizeof(loggen_selectors) / sizeof(loggen_selectors[0]))

static const char *const forged_formats[] = { "mx.forged.example", "%s.example.jp",
	                                      "mx.%s.example.jp.evil.example" };

const char *const loggen_reject_helos[] = { "ylmf-pc", "localhost", "User", "win-8a3k2" };
#define NREJECT_HELOS (sizeof(loggen_reject_helos) / sizeof(loggen_reject_helos[0]))

/* Share of each local hour in a Japanese carrier's inbound mail. */
static const unsigned hour_weights[24] = {
	3, 2, 2, 2, 2, 3, 5, 8, 12, 15, 15, 14, 12, 13, 14, 14, 13, 12, 11, 10, 9, 8, 6, 4,
};

/* ---------------------------------------------------------------------- */
/* Timestamps and inode numbers */

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

static void format_date(int64_t day, char *p)
{
	int64_t y;
	unsigned m, d;

	time_civil_from_days(day, &y, &m, &d);
	put2(p, (unsigned)(y / 100));
	put2(p + 2, (unsigned)(y % 100));
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
	p[10] = 'T';
}

static void format_clock(int64_t rem_us, char *p)
{
	uint64_t sec = (uint64_t)(rem_us / US_PER_SEC), usec = (uint64_t)(rem_us % US_PER_SEC);
	int i;

	put2(p, (unsigned)(sec / 3600));
	p[2] = ':';
	put2(p + 3, (unsigned)(sec / 60 % 60));
	p[5] = ':';
	put2(p + 6, (unsigned)(sec % 60));
	p[8] = '.';
	for (i = 14; i >= 9; i--) {
		p[i] = (char)('0' + usec % 10);
		usec /= 10;
	}
}

static void format_tz(int tz_minutes, char *p)
{
	unsigned a = (unsigned)(tz_minutes < 0 ? -tz_minutes : tz_minutes);

	p[0] = tz_minutes < 0 ? '-' : '+';
	put2(p + 1, a / 60);
	p[3] = ':';
	put2(p + 4, a % 60);
}

void loggen_format_time(int64_t us, int tz_minutes, char *out)
{
	int64_t local = us + (int64_t)tz_minutes * 60 * US_PER_SEC;
	int64_t day = time_floor_div(local, US_PER_DAY);

	format_date(day, out);
	format_clock(local - day * US_PER_DAY, out + 11);
	format_tz(tz_minutes, out + 26);
	out[LOGGEN_TIME_LEN] = '\0';
}

/* A bijection on 24 bits (odd multipliers and xor-shifts), so that inode
 * numbers look random but never repeat. */
static uint32_t scramble24(uint32_t x)
{
	x = (x * 0x9E3779u + 0x5A5A5u) & 0xFFFFFFu;
	x ^= x >> 13;
	x = (x * 0x2545F5u) & 0xFFFFFFu;
	x ^= x >> 11;
	return x;
}

/* ---------------------------------------------------------------------- */
/* Sessions (struct sess and struct gen in loggen_int.h) */

/* Batch entries: what starts when, within one local day. */
enum ev_type { EV_MESSAGE, EV_FORCED, EV_REJECT, EV_GARBAGE, EV_OVERLONG, EV_REFUSED };

struct ev {
	int64_t t;
	uint32_t ord;
	unsigned char type;
	unsigned char aux;
};

/* Truth slots per (month, carrier). */
enum {
	SLOT_MESSAGES = 0,
	SLOT_RESULT = 1, /* + method * AR_RESULT_COUNT + result */
	SLOT_POLICY = SLOT_RESULT + AR_METHOD_COUNT * AR_RESULT_COUNT,
	SLOT_SPAM = SLOT_POLICY + POL_COUNT, /* + 0 ham, + 1 spam */
	/* Refused messages: per counted fate (rejected, discarded, held) how
	 * many, then method * AR_RESULT_COUNT + result. */
	SLOT_FATE = SLOT_SPAM + 2,
	SLOT_FATE_SIZE = 1 + AR_METHOD_COUNT * AR_RESULT_COUNT,
	SLOT_COUNT = SLOT_FATE + LGF_DEFERRED * SLOT_FATE_SIZE,
};

/* Everything fixed for the run, computed from the options. */
struct run {
	const struct loggen_opts *o;
	const struct profile *prof;
	int tz;                 /* minutes east of UTC */
	int64_t start_year;
	unsigned start_month;
	unsigned carriers, hosts, months;
	int64_t days;
	int64_t run_start, run_end; /* UTC microseconds */
	int64_t *month_start;       /* months + 1 boundaries, UTC microseconds */
	uint64_t *counts;           /* [months][carriers][SLOT_COUNT] */
	uint64_t *file_lines, *file_malformed, *file_overlong; /* [carrier * hosts + host] */
	struct setup *setups;       /* [carrier] */
	struct ev *batch;
	size_t batch_cap;
	struct loggen_summary sum;
};

unsigned loggen_pid_new(struct gen *g)
{
	g->next_pid += 1 + (unsigned)rng_below(&g->rng, 400);
	if (g->next_pid > 4194000)
		g->next_pid = 300 + (unsigned)rng_below(&g->rng, 1000);
	return g->next_pid;
}

static void pidpool_init(struct gen *g, struct pidpool *p, unsigned n)
{
	unsigned i;

	p->n = n;
	for (i = 0; i < n; i++) {
		p->pid[i] = loggen_pid_new(g);
		p->busy_until[i] = INT64_MIN;
	}
}

/* A process free at `from`, busy until `until` afterwards. Postfix reuses a
 * process for many sessions, replaces it now and then (max_use, max_idle) and
 * starts another when all are busy; so do we. */
static unsigned pid_pick(struct gen *g, struct pidpool *p, int64_t from, int64_t until)
{
	unsigned start = (unsigned)rng_below(&g->rng, p->n), k, i;

	for (k = 0; k < p->n; k++) {
		i = (start + k) % p->n;
		if (p->busy_until[i] <= from)
			goto found;
	}
	if (p->n == PID_POOL_MAX)
		return loggen_pid_new(g); /* beyond the process limit: a short-lived extra */
	i = p->n++;
	p->pid[i] = loggen_pid_new(g);
found:
	if (rng_below(&g->rng, 256) == 0)
		p->pid[i] = loggen_pid_new(g);
	p->busy_until[i] = until;
	return p->pid[i];
}

unsigned loggen_pid_any(struct gen *g, const struct pidpool *p)
{
	return p->pid[rng_below(&g->rng, p->n)];
}

/* ---------------------------------------------------------------------- */
/* Output */

void loggen_out_line(struct gen *g, int which, struct lbuf *b)
{
	FILE *fp = which == 0 ? g->fp : g->fp2;

	if (fp == NULL)
		msg_panic("loggen: line for a file that is not open");
	lb_chr(b, '\n');
	if (fwrite(b->b, 1, b->n, fp) != b->n)
		g->write_error = 1;
	g->lines++;
	g->bytes += b->n;
	if (g->line_t > g->last_t[which])
		g->last_t[which] = g->line_t;
	b->n = 0;
}

void loggen_time_rfc3339(struct gen *g, struct lbuf *b, int64_t us)
{
	int64_t local = us + (int64_t)g->r->tz * 60 * US_PER_SEC;
	int64_t day = time_floor_div(local, US_PER_DAY);
	char clock[15];

	/* Most lines of a file share their date: convert it once per day. */
	if (day != g->day_cached) {
		format_date(day, g->day_text);
		g->day_cached = day;
	}
	format_clock(local - day * US_PER_DAY, clock);
	lb_mem(b, g->day_text, 11);
	lb_mem(b, clock, sizeof(clock));
	lb_mem(b, g->tz_text, 6);
}

/* Local civil time of us: date, and seconds and microseconds of the day. */
static void local_civil(const struct gen *g, int64_t us, int64_t *y, unsigned *m, unsigned *d,
                        int64_t *sec, int64_t *usec)
{
	int64_t local = us + (int64_t)g->r->tz * 60 * US_PER_SEC;
	int64_t day = time_floor_div(local, US_PER_DAY), rem = local - day * US_PER_DAY;

	time_civil_from_days(day, y, m, d);
	*sec = rem / US_PER_SEC;
	*usec = rem % US_PER_SEC;
}

static void lb_hms(struct lbuf *b, int64_t sec)
{
	lb_dec(b, (uint64_t)(sec / 3600), 2);
	lb_chr(b, ':');
	lb_dec(b, (uint64_t)(sec / 60 % 60), 2);
	lb_chr(b, ':');
	lb_dec(b, (uint64_t)(sec % 60), 2);
}

/* "Nov  2 10:00:00" (syslog) or "Nov 02 10:00:00" (Postfix maillog_file). */
void loggen_time_bsd(struct gen *g, struct lbuf *b, int64_t us, int zero_day)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t y, sec, usec;
	unsigned m, d;

	local_civil(g, us, &y, &m, &d, &sec, &usec);
	lb_mem(b, months + 3 * (m - 1), 3);
	lb_chr(b, ' ');
	if (d < 10)
		lb_chr(b, zero_day ? '0' : ' ');
	lb_dec(b, d, 1);
	lb_chr(b, ' ');
	lb_hms(b, sec);
}

/* "2026-11-22 10:00:00", with ".123 +0900" if `precise` (Exim's +millisec
 * and log_timezone). Exim's and rspamd's own files. */
void loggen_time_iso(struct gen *g, struct lbuf *b, int64_t us, int precise)
{
	int64_t y, sec, usec;
	unsigned m, d;

	local_civil(g, us, &y, &m, &d, &sec, &usec);
	lb_dec(b, (uint64_t)y, 4);
	lb_chr(b, '-');
	lb_dec(b, m, 2);
	lb_chr(b, '-');
	lb_dec(b, d, 2);
	lb_chr(b, ' ');
	lb_hms(b, sec);
	if (precise) {
		unsigned a = (unsigned)(g->r->tz < 0 ? -g->r->tz : g->r->tz);

		lb_chr(b, '.');
		lb_dec(b, (uint64_t)(usec / 1000), 3);
		lb_str(b, g->r->tz < 0 ? " -" : " +");
		lb_dec(b, a / 60, 2);
		lb_dec(b, a % 60, 2);
	}
}

void loggen_sender(struct lbuf *b, const struct sess *s)
{
	lb_str(b, locals[s->from_local]);
	lb_chr(b, '@');
	lb_str(b, loggen_senders[s->sender].domain);
}

void loggen_rcpt(struct gen *g, struct lbuf *b, uint32_t user)
{
	lb_str(b, "user");
	lb_dec(b, user, 5);
	lb_chr(b, '@');
	lb_str(b, g->carrier);
	lb_str(b, ".example.jp");
}

void loggen_msgid(struct lbuf *b, const struct sess *s)
{
	lb_hex(b, s->msgid_rand, 16, 0);
	lb_chr(b, '@');
	lb_str(b, loggen_senders[s->sender].domain);
}

unsigned loggen_client_port(const struct sess *s)
{
	uint64_t x = s->type == S_REJECT ? (uint64_t)s->rcpt[0] << 40 : s->msgid_rand;

	return 1024 + (unsigned)((x >> 40) % 60000);
}

void loggen_mailbox_name(struct gen *g, struct lbuf *b)
{
	lb_str(b, "mbox1.");
	lb_str(b, g->carrier);
	lb_str(b, ".example.jp");
}

void loggen_mailbox_ip(struct gen *g, struct lbuf *b)
{
	lb_str(b, "10.");
	lb_dec(b, g->c % 250, 1);
	lb_chr(b, '.');
	lb_dec(b, g->h % 250, 1);
	lb_str(b, ".11");
}

void loggen_mailbox_qid(struct lbuf *b, const struct sess *s)
{
	lb_str(b, "250 2.0.0 Ok: queued as ");
	lb_hex(b, (s->msgid_rand >> 20) & 0xFFFFFFFFFFULL, 10, 1);
}

void loggen_b64ish(struct lbuf *b, uint64_t x, unsigned n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned i;

	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		lb_chr(b, a[x >> 58]);
	}
}

void loggen_milli(struct lbuf *b, int64_t v, unsigned decimals)
{
	uint64_t a = (uint64_t)(v < 0 ? -v : v);

	if (v < 0)
		lb_chr(b, '-');
	lb_dec(b, a / 1000, 1);
	lb_chr(b, '.');
	lb_dec(b, decimals == 2 ? a % 1000 / 10 : a % 1000, decimals);
}

void loggen_tenths(struct lbuf *b, int64_t v)
{
	uint64_t a = (uint64_t)(v < 0 ? -v : v);

	/* No "-0.0": a score that prints as zero has no sign. */
	if (v <= -100)
		lb_chr(b, '-');
	lb_dec(b, a / 1000, 1);
	lb_chr(b, '.');
	lb_dec(b, a % 1000 / 100, 1);
}

int64_t loggen_spam_score(const struct sess *s, int spam)
{
	int64_t u = (int64_t)((s->msgid_rand >> 16) % 1000);

	return spam ? 5000 + u * 12 : -3000 + u * 6;
}

unsigned loggen_spam_verdict(struct gen *g, struct sess *s, const unsigned *w_ham,
                             const unsigned *w_spam, unsigned n)
{
	unsigned v = rng_pick(&g->rng, s->tspam ? w_spam : w_ham, n);

	s->spamline = SPAMLINE_NONE;
	return v;
}

/* ---------------------------------------------------------------------- */
/* Authentication-Results */

static const char *const result_upper[NRES] = {
	"None", "Pass", "Fail", "SoftFail", "Neutral", "TempError", "PermError", "Policy",
};
static const char *const method_upper[AR_METHOD_COUNT] = { "SPF", "DKIM", "DMARC", "ARC" };
static const char *const policy_upper[POL_COUNT] = { "ABSENT", "NONE", "QUARANTINE", "REJECT" };

static void ar_method(struct gen *g, struct lbuf *b, const struct sess *s, enum ar_method m)
{
	enum ar_result r = s->hres[m];

	lb_str(b, g->mta->ar_sep);
	lb_str(b, s->upper ? method_upper[m] : ar_method_name(m));
	lb_chr(b, '=');
	if (m == AR_SPF && r == AR_FAIL && s->hardfail)
		lb_str(b, s->upper ? "HardFail" : "hardfail");
	else
		lb_str(b, s->upper ? result_upper[r] : ar_result_name(r));
}

/* The trusted header's text. Properties are dropped, least useful first,
 * until the text fits LG_HEADER_BUDGET; level 4 keeps only what counts. */
static void ar_text(struct gen *g, struct lbuf *b, const struct sess *s, unsigned level)
{
	const char *dom = loggen_senders[s->sender].domain;
	unsigned mask = g->r->prof->masks[g->c % g->r->prof->nmasks];
	int any = 0;

	lb_str(b, "Authentication-Results: mx.");
	lb_str(b, g->carrier);
	lb_str(b, ".example.jp");
	if ((mask & M_IPREV) && level < 2) {
		lb_str(b, g->mta->ar_sep);
		lb_str(b, s->iprev_fail ? "iprev=fail policy.iprev=" : "iprev=pass policy.iprev=");
		lb_str(b, loggen_senders[s->sender].ip);
		/* "none" stands only alone (RFC 8601 section 2.2). */
		any = 1;
	}
	if (s->hres[AR_SPF] != AR_ABSENT) {
		ar_method(g, b, s, AR_SPF);
		if (level < 3) {
			lb_str(b, " smtp.mailfrom=");
			lb_str(b, dom);
		}
		any = 1;
	}
	if (s->hres[AR_DKIM] != AR_ABSENT) {
		ar_method(g, b, s, AR_DKIM);
		if (s->hres[AR_DKIM] != AR_NONE && level < 3) {
			lb_str(b, " header.d=");
			lb_str(b, dom);
			if (level < 1) {
				lb_str(b, " header.s=");
				lb_str(b, loggen_selectors[s->selector]);
			}
		}
		any = 1;
	}
	if (s->hres[AR_DMARC] != AR_ABSENT) {
		ar_method(g, b, s, AR_DMARC);
		if (s->pol != POL_ABSENT) {
			/* dis= is what the receiver did: nothing for a pass. */
			enum ar_policy dis = s->hres[AR_DMARC] == AR_FAIL ? s->pol : POL_NONE;

			lb_str(b, " (p=");
			lb_str(b, s->upper ? policy_upper[s->pol] : ar_policy_name(s->pol));
			lb_str(b, " dis=");
			lb_str(b, s->upper ? policy_upper[dis] : ar_policy_name(dis));
			lb_chr(b, ')');
		}
		if (level < 4) {
			lb_str(b, " header.from=");
			lb_str(b, dom);
		}
		any = 1;
	}
	if (s->hres[AR_ARC] != AR_ABSENT) {
		ar_method(g, b, s, AR_ARC);
		any = 1;
	}
	if (!any) {
		lb_str(b, g->mta->ar_sep);
		lb_str(b, "none");
	}
}

static void forged_text(struct gen *g, struct lbuf *b, const struct sess *s, unsigned level)
{
	const char *fmt = forged_formats[s->forged_kind];
	const char *pct = strstr(fmt, "%s");
	const char *dom = loggen_senders[s->sender].domain;

	lb_str(b, "Authentication-Results: ");
	if (pct != NULL) {
		lb_mem(b, fmt, (size_t)(pct - fmt));
		lb_str(b, g->carrier);
		lb_str(b, pct + 2);
	} else {
		lb_str(b, fmt);
	}
	lb_str(b, g->mta->ar_sep);
	lb_str(b, "spf=pass");
	if (level < 1) {
		lb_str(b, " smtp.mailfrom=");
		lb_str(b, dom);
	}
	lb_str(b, g->mta->ar_sep);
	lb_str(b, "dkim=pass");
	if (level < 1) {
		lb_str(b, " header.d=");
		lb_str(b, dom);
	}
	lb_str(b, g->mta->ar_sep);
	lb_str(b, "dmarc=pass");
	if (level < 1) {
		lb_str(b, " header.from=");
		lb_str(b, dom);
	}
}

void loggen_header(struct gen *g, struct lbuf *b, const struct sess *s, enum line_kind k)
{
	size_t mark = b->n;
	unsigned level;

	if (k == L_HDR_SPAM) {
		lb_str(b, s->spamline == SPAMLINE_YES ? "X-Spam-Flag: YES" : "X-Spam-Flag: NO");
		return;
	}
	for (level = 0;; level++) {
		b->n = mark;
		if (k == L_HDR_AR)
			ar_text(g, b, s, level);
		else
			forged_text(g, b, s, level);
		if (b->n - mark <= g->mta->header_budget)
			return;
		if (level >= 4)
			msg_panic("loggen: header of %zu bytes does not fit", b->n - mark);
	}
}

/* ---------------------------------------------------------------------- */
/* Building sessions */

/* Stable insertion sort by time: the disconnect line is laid out apart from
 * the delivery chain and may fall anywhere after the qmgr line. */
static void sess_sort(struct sess *s)
{
	unsigned i, j;

	for (i = 1; i < s->nlines; i++) {
		int64_t t = s->t[i];
		unsigned char k = s->kind[i], a = s->arg[i];

		for (j = i; j > 0 && s->t[j - 1] > t; j--) {
			s->t[j] = s->t[j - 1];
			s->kind[j] = s->kind[j - 1];
			s->arg[j] = s->arg[j - 1];
		}
		s->t[j] = t;
		s->kind[j] = k;
		s->arg[j] = a;
	}
}

/* Methods the carrier's milters evaluate, on every message. */
static unsigned milter_methods(const struct setup *su, unsigned mask)
{
	unsigned m = 0;

	/* Exim verifies DKIM by default; +dkim_verbose logs it. */
	if (su->milters & (MIL_OPENDKIM | MIL_OPENDKIM_LR | MIL_EXIM_DKIM))
		m |= M_DKIM;
	/* OpenDMARC checks SPF itself (SPFSelfValidate) where the carrier
	 * evaluates SPF at all. */
	if (su->milters & MIL_OPENDMARC)
		m |= M_DMARC | (mask & M_SPF);
	return m;
}

static void draw_results(struct gen *g, struct sess *s)
{
	const struct profile *p = g->r->prof;
	unsigned mask = p->masks[g->c % p->nmasks];
	unsigned mil = milter_methods(g->su, mask);
	struct rng *r = &g->rng;
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		s->res[m] = AR_ABSENT;
	s->pol = POL_ABSENT;
	s->upper = rng_chance(r, p->pm_upper);
	s->iprev_fail = rng_chance(r, 30);
	/* Without a trusted header only the milters give results. */
	if (!s->has_ar) {
		if (mil == 0)
			return;
		mask = mil;
	} else {
		mask |= mil;
	}
	if (mask & M_SPF) {
		s->res[AR_SPF] = (enum ar_result)rng_pick(r, p->w_spf, NRES);
		s->hardfail = s->res[AR_SPF] == AR_FAIL && rng_chance(r, p->pm_hardfail);
	}
	if (mask & M_DKIM)
		s->res[AR_DKIM] = (enum ar_result)rng_pick(r, p->w_dkim, NRES);
	if (mask & M_ARC)
		s->res[AR_ARC] = (enum ar_result)rng_pick(r, p->w_arc, NRES);
	if (!(mask & M_DMARC))
		return;
	if (!p->dmarc_follows) {
		s->res[AR_DMARC] = (enum ar_result)rng_pick(r, p->w_dmarc, NRES);
		s->pol = (enum ar_policy)rng_pick(r, p->w_policy, POL_COUNT);
		return;
	}
	/* A domain without a DMARC record gets dmarc=none and no policy; with
	 * one, DMARC passes when an aligned SPF or DKIM pass exists. */
	if (!rng_chance(r, p->pm_dmarc_record)) {
		s->res[AR_DMARC] = AR_NONE;
		return;
	}
	{
		uint64_t u = rng_below(r, 1000);

		if (u < p->pm_dmarc_temperror) {
			s->res[AR_DMARC] = AR_TEMPERROR;
		} else if (u < p->pm_dmarc_temperror + p->pm_dmarc_permerror) {
			s->res[AR_DMARC] = AR_PERMERROR;
		} else {
			int aligned = s->res[AR_SPF] == AR_PASS || s->res[AR_DKIM] == AR_PASS;

			s->res[AR_DMARC] = aligned && rng_chance(r, 950) ? AR_PASS : AR_FAIL;
			s->pol = (enum ar_policy)rng_pick(r, p->w_policy, POL_COUNT);
		}
	}
}

int loggen_result_rank(enum ar_result r)
{
	static const int rank[AR_RESULT_COUNT] = {
		[AR_ABSENT] = 0, [AR_NONE] = 1, [AR_TEMPERROR] = 2, [AR_PERMERROR] = 3,
		[AR_POLICY] = 4, [AR_NEUTRAL] = 5, [AR_SOFTFAIL] = 6, [AR_FAIL] = 7, [AR_PASS] = 8,
	};

	return rank[r];
}

static enum ar_result result_merge(enum ar_result a, enum ar_result b)
{
	return loggen_result_rank(b) > loggen_result_rank(a) ? b : a;
}

const unsigned loggen_w_tier[NRES] = { 30, 50, 20, 0, 0, 0, 0, 0 };


/* Decide which source logs each result and the spam verdict, and what the
 * collector must count (the truth). The default setup draws nothing here. */
static void present(struct gen *g, struct sess *s)
{
	unsigned i;
	int m;

	s->exim = g->su->mta == MTA_EXIM;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		s->hres[m] = s->has_ar ? s->res[m] : AR_ABSENT;
		s->mres[m] = AR_ABSENT;
	}
	s->mpol = POL_ABSENT;
	/* The milters change hres and mres, the spam filter tspam and spamline;
	 * a refused message carries none of their lines. */
	s->tspam = s->spamline == SPAMLINE_YES;
	for (i = 0; i < g->nfilters && s->type != S_REFUSED; i++)
		g->filters[i]->present(g, s);
	for (m = 0; m < AR_METHOD_COUNT; m++)
		s->tres[m] = result_merge(s->hres[m], s->mres[m]);
	/* dmarc=none means no record (RFC 7489 section 11.2): a p= written
	 * beside it (as OpenDMARC does) is no published policy. */
	s->tpol = s->hres[AR_DMARC] != AR_ABSENT && s->hres[AR_DMARC] != AR_NONE ? s->pol
	                                                                          : POL_ABSENT;
	/* rspamd's DMARC symbol carries the policy too (the strongest stays). */
	if (s->mpol > s->tpol)
		s->tpol = s->mpol;
}

/* Lay out one message relative to its connect time 0. */
#define FORCE_HEADER 1 /* with a trusted header */
#define FORCE_REFUSED 4 /* no filter's lines; s->fate the caller's */
#define FORCE_FORGED 2 /* with a forged header */
/*
 * The end of a refused message s after its last header line at t: the line
 * that decides its fate (s->fate, drawn here), and Exim's arrival and
 * "Completed" lines where it queued the message first (a discard, a freeze).
 */
static void build_refused_end(struct gen *g, struct sess *s, int64_t t)
{
	struct rng *r = &g->rng;
	int64_t tf = t + rng_range(r, 5 * US_PER_MS, 900 * US_PER_MS);

	s->fate = (unsigned char)rng_below(r, LGF_COUNT);
	/* SA-Exim refuses in local_scan(), after the DATA ACL: its line comes
	 * first, then Exim's (a freeze stays the ACL's). */
	if (g->su->spam == SPAMF_SAEXIM && s->fate != LGF_HELD) {
		static const unsigned char actions[LGF_COUNT] = {
			[LGF_REJECTED] = SAE_PERMREJECT, [LGF_DISCARDED] = SAE_TOSSED,
			[LGF_DEFERRED] = SAE_TEMPREJECT,
		};

		s->saexim = actions[s->fate];
		if (s->fate == LGF_DEFERRED && (s->msgid_rand & 2) != 0)
			s->saexim = SAE_TEERGRUBE;
		sess_add(s, tf - 1, L_SAEXIM, 0);
	}
	/* Behind MailScanner a message is held by header_checks and stays held
	 * when MailScanner quarantines it. */
	if (g->su->spam == SPAMF_MAILSCANNER && s->fate == LGF_HELD) {
		s->t_qmgr = tf;
		sess_add(s, tf + rng_range(r, 5 * US_PER_MS, 300 * US_PER_MS), L_DISCONNECT, 0);
		gen_mailscanner_layout_held(g, s, tf);
		sess_sort(s);
		return;
	}
	if (s->exim && (s->fate == LGF_DISCARDED || s->fate == LGF_HELD)) {
		sess_add(s, tf, L_QMGR, 0); /* "<=" */
		tf += rng_range(r, 100, 3000);
	}
	sess_add(s, tf, L_FATE, 0);
	/* cleanup holds the message until the end of DATA, the fate line. */
	s->t_qmgr = tf;
	if (s->exim && s->fate == LGF_DISCARDED)
		sess_add(s, tf + rng_range(r, 100, 3000), L_REMOVED, 0); /* "Completed" */
	sess_add(s, tf + rng_range(r, 5 * US_PER_MS, 300 * US_PER_MS), L_DISCONNECT, 0);
	sess_sort(s);
}

static void build_message(struct gen *g, struct sess *s, unsigned force)
{
	const struct profile *p = g->r->prof;
	struct rng *r = &g->rng;
	int64_t t, tq, td;
	int spam_first;
	unsigned i, sz;

	memset(s, 0, sizeof(*s));
	s->type = force & FORCE_REFUSED ? S_REFUSED : S_MESSAGE;
	s->sender = (unsigned)rng_below(r, NSENDERS);
	s->from_local = (unsigned)rng_below(r, NLOCALS);
	s->selector = (unsigned)rng_below(r, NSELECTORS);
	s->nrcpt = rng_chance(r, 80) ? 2 : 1;
	for (i = 0; i < s->nrcpt; i++)
		s->rcpt[i] = (uint32_t)rng_below(r, 100000);
	s->tls = rng_chance(r, 750);
	s->relay_smtp = rng_chance(r, 300);
	s->has_ar = (force & FORCE_HEADER) || !rng_chance(r, p->pm_noheader);
	s->forged = rng_chance(r, p->pm_forged) || (force & FORCE_FORGED);
	s->forged_kind = (int)rng_below(r, sizeof(forged_formats) / sizeof(forged_formats[0]));
	draw_results(g, s);
	if (rng_chance(r, p->pm_spam))
		s->spamline = SPAMLINE_YES;
	else
		s->spamline = rng_chance(r, p->pm_ham_flag) ? SPAMLINE_NO : SPAMLINE_NONE;
	sz = (unsigned)rng_below(r, 100);
	if (sz < 70)
		s->size = (unsigned)rng_range(r, 1500, 20000);
	else if (sz < 95)
		s->size = (unsigned)rng_range(r, 20000, 200000);
	else
		s->size = (unsigned)rng_range(r, 200000, 5000000);
	s->msgid_rand = rng_next(r);
	present(g, s);

	t = 0;
	sess_add(s, t, L_CONNECT, 0);
	if (s->tls) {
		t += rng_range(r, 5 * US_PER_MS, 60 * US_PER_MS);
		sess_add(s, t, L_TLS, 0);
	}
	t += rng_range(r, 30 * US_PER_MS, 350 * US_PER_MS);
	sess_add(s, t, L_CLIENT, 0);
	s->t_client = t;
	t += rng_range(r, 80 * US_PER_MS, 1200 * US_PER_MS);
	sess_add(s, t, L_MSGID, 0);
	/* Headers are logged in the order they stand in the message; a spam
	 * filter's flag sometimes stands above the receiver's own header. */
	spam_first = s->spamline != SPAMLINE_NONE && rng_chance(r, 100);
	if (spam_first) {
		t += rng_range(r, 100, 2000);
		sess_add(s, t, L_HDR_SPAM, 0);
	}
	if (s->forged) {
		t += rng_range(r, 100, 2000);
		sess_add(s, t, L_HDR_FORGED, 0);
	}
	if (s->has_ar) {
		t += rng_range(r, 100, 2000);
		sess_add(s, t, L_HDR_AR, 0);
	}
	if (s->spamline != SPAMLINE_NONE && !spam_first) {
		t += rng_range(r, 100, 2000);
		sess_add(s, t, L_HDR_SPAM, 0);
	}
	if (s->type == S_REFUSED) {
		build_refused_end(g, s, t);
		return;
	}
	/* The milters', amavis's and rspamd's lines at the end of DATA. */
	for (i = 0; i < g->nfilters; i++)
		t = g->filters[i]->layout(g, s, t);
	tq = t + rng_range(r, 1 * US_PER_MS, 30 * US_PER_MS);
	sess_add(s, tq, L_QMGR, 0);
	s->t_qmgr = tq;
	sess_add(s, tq + rng_range(r, 5 * US_PER_MS, 300 * US_PER_MS), L_DISCONNECT, 0);
	if (g->su->spam == SPAMF_PMG) {
		/* QID goes to pmg-smtp-filter, which queues the copy (QID2) again;
		 * the copy is delivered to the mailbox server. */
		td = gen_pmg_layout_queued(g, s, tq) + rng_range(r, 5 * US_PER_MS, 800 * US_PER_MS);
		sess_add(s, td, L_REINJ_DELIVERY, 0);
		for (i = 1; i < s->nrcpt; i++) {
			td += rng_range(r, 1 * US_PER_MS, 50 * US_PER_MS);
			sess_add(s, td, L_REINJ_DELIVERY, i);
		}
		sess_add(s, td + rng_range(r, 100, 3000), L_REINJ_REMOVED, 0);
		goto sorted;
	}
	td = tq + rng_range(r, 5 * US_PER_MS, 800 * US_PER_MS);
	if (rng_chance(r, 10))
		td += rng_range(r, 1 * US_PER_SEC, 3 * US_PER_SEC);
	if (g->su->spam == SPAMF_AMAVIS_CF) {
		/* The first delivery is to amavis, which scans the message, gives
		 * it back to Postfix (the copy's cleanup line: a re-injection
		 * listener without header_checks logs no header lines) and then
		 * logs its verdict with the copy's queue ID, before Postfix records
		 * the delivery and removes the original; the copy is delivered and
		 * removed after that (above). */
		int64_t tr = tq + rng_range(r, 20 * US_PER_MS, 600 * US_PER_MS);
		int64_t ta = tr + rng_range(r, 1 * US_PER_MS, 20 * US_PER_MS);

		sess_add(s, tr, L_REINJ_MSGID, 0);
		s->t_copy = tr;
		sess_add(s, ta, L_AMAVIS, 0);
		if (td <= ta)
			td = ta + rng_range(r, 1 * US_PER_MS, 10 * US_PER_MS);
	}
	sess_add(s, td, L_DELIVERY, 0);
	for (i = 1; i < s->nrcpt; i++) {
		td += rng_range(r, 1 * US_PER_MS, 50 * US_PER_MS);
		sess_add(s, td, L_DELIVERY, i);
	}
	td += rng_range(r, 100, 3000);
	sess_add(s, td, L_REMOVED, 0);
	if (g->su->spam == SPAMF_AMAVIS_CF)
		sess_add(s, td + rng_range(r, 5 * US_PER_MS, 800 * US_PER_MS), L_REINJ_REMOVED, 0);
sorted:
	sess_sort(s);
	if (s->t[s->nlines - 1] >= LG_SPAN_MAX_US)
		msg_panic("loggen: session longer than its bound");
}

static void build_reject(struct gen *g, struct sess *s)
{
	struct rng *r = &g->rng;
	int64_t t;

	memset(s, 0, sizeof(*s));
	s->type = S_REJECT;
	s->exim = g->su->mta == MTA_EXIM;
	s->sender = (unsigned)rng_below(r, NSENDERS);
	s->from_local = (unsigned)rng_below(r, NLOCALS);
	s->rcpt[0] = (uint32_t)rng_below(r, 100000);
	s->nrcpt = 1;
	s->reject_ip = (unsigned)rng_range(r, 1, 254);
	s->reject_helo = (unsigned)rng_below(r, NREJECT_HELOS);
	t = 0;
	sess_add(s, t, L_CONNECT, 0);
	t += rng_range(r, 50 * US_PER_MS, 500 * US_PER_MS);
	sess_add(s, t, L_NOQUEUE, 0);
	t += rng_range(r, 1 * US_PER_MS, 100 * US_PER_MS);
	sess_add(s, t, L_DISCONNECT, 0);
}

/* Index of the line whose time is the message's event time. */
static unsigned event_line(const struct sess *s)
{
	/* Exim has no message-id line: its arrival line, written when the
	 * message is accepted (after the DATA ACL's header lines), stands in. */
	enum line_kind arrival = s->exim ? L_QMGR : L_MSGID;
	unsigned i, msgid = 0;

	for (i = 0; i < s->nlines; i++) {
		if (s->kind[i] == L_HDR_AR || s->kind[i] == L_HDR_FORGED || s->kind[i] == L_HDR_SPAM)
			return i;
		if (s->kind[i] == arrival)
			msgid = i;
	}
	return msgid;
}

static unsigned line_of(const struct sess *s, enum line_kind k)
{
	unsigned i;

	for (i = 0; i < s->nlines; i++) {
		if (s->kind[i] == k)
			return i;
	}
	msg_panic("loggen: session without line kind %d", (int)k);
}

/* A message laid out so that month boundary B falls between its message-id
 * line and its first header line (which = 0), between that header line and
 * its removed line (which = 1), or between a forged first header line and the
 * trusted one after it (which = 2); returns its connect time. */
static int64_t build_forced(struct gen *g, struct sess *s, int which, int64_t boundary)
{
	int64_t lo, hi, pos;

	build_message(g, s, which == 2 ? FORCE_HEADER | FORCE_FORGED : FORCE_HEADER);
	if (which == 0 && s->exim) {
		/* Exim's arrival line follows the header lines. */
		lo = s->t[event_line(s)] + 1;
		hi = s->t[line_of(s, L_QMGR)];
	} else if (which == 0) {
		lo = s->t[line_of(s, L_MSGID)] + 1;
		hi = s->t[event_line(s)];
	} else if (which == 2) {
		lo = s->t[event_line(s)] + 1;
		hi = s->t[event_line(s) + 1];
	} else {
		lo = s->t[event_line(s)] + 1;
		hi = s->t[line_of(s, L_REMOVED)];
	}
	if (hi < lo)
		msg_panic("loggen: forced message without room around the boundary");
	pos = rng_range(&g->rng, lo, hi);
	return boundary - pos;
}

/* Write line i of s through the format that owns its kind. */
static void emit_line(struct gen *g, const struct sess *s, unsigned i)
{
	g->line_t = s->t[i];
	g->writer[s->kind[i]](g, s, i);
}

/* ---------------------------------------------------------------------- */
/* Garbage */

enum garbage_kind { G_TRUNC_CLEANUP, G_RANDOM, G_TRUNC_TIME, G_EMPTY, G_KINDS };
static const unsigned garbage_weights[G_KINDS] = { 40, 30, 20, 10 };

/* A queue ID that no message uses. */
static void orphan_qid(struct gen *g, int64_t t, char *out)
{
	uint32_t inode = scramble24(LG_INODE_SPACE +
	                            (uint32_t)((g->inode_base + g->ngarbage++) % LG_INODE_SPACE));

	g->mta->queue_id(g, t, inode, out);
}

static void emit_garbage(struct gen *g, int64_t t)
{
	struct lbuf *b = &g->lb;
	struct rng *r = &g->rng;
	char qid[LOGGEN_QID_MAX];
	enum garbage_kind kind;

	g->line_t = t;
	kind = (enum garbage_kind)rng_pick(r, garbage_weights, G_KINDS);
	/* In Exim's main log an empty line continues the entry before it
	 * (input_exim.c): well-formed, so no garbage there. */
	if (kind == G_EMPTY && g->su->mta == MTA_EXIM)
		kind = G_TRUNC_TIME;
	switch (kind) {
	case G_TRUNC_CLEANUP: {
		size_t lo, hi;

		/* A cleanup line cut (by a full disk or a crash) before any result:
		 * somewhere in "QUEUEID: info: header Authentication-Results"
		 * (Exim: "MSGID ar: Authentication-Results"). */
		orphan_qid(g, t, qid);
		g->mta->orphan_prefix(g, b, t);
		lo = b->n + 3;
		lb_str(b, qid);
		lb_str(b, g->mta->header_lead);
		lb_str(b, "Authentication-Results: mx.");
		hi = b->n - 5;
		b->n = (size_t)rng_range(r, (int64_t)lo, (int64_t)hi);
		break;
	}
	case G_RANDOM: {
		size_t n = (size_t)rng_range(r, 1, 300), i;

		for (i = 0; i < n; i++) {
			unsigned char c;

			/* Any byte but NUL, CR and LF, so that the line stays one line;
			 * in Exim's main log not a blank first, which would make it
			 * a continuation line (well-formed). */
			do {
				c = (unsigned char)rng_range(r, 1, 255);
			} while (c == '\n' || c == '\r' ||
			         (i == 0 && g->su->mta == MTA_EXIM && (c == ' ' || c == '\t')));
			lb_chr(b, (char)c);
		}
		break;
	}
	case G_TRUNC_TIME: {
		/* Cut inside the date and time, so that no stamp is left (Exim's
		 * ".123 +0900" would leave a valid one). */
		size_t keep;

		g->mta->stamp(g, b, t);
		keep = g->mta->stamp_time_len != 0 ? g->mta->stamp_time_len : b->n;
		b->n = (size_t)rng_range(r, 1, (int64_t)keep - 1);
		break;
	}
	case G_EMPTY:
		break;
	case G_KINDS:
		break;
	}
	loggen_out_line(g, 0, b);
	g->malformed++;
}

static void emit_overlong(struct gen *g, int64_t t)
{
	struct lbuf *b = &g->lb;
	char qid[LOGGEN_QID_MAX];
	static const char fill[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t left;

	orphan_qid(g, t, qid);
	g->mta->orphan_prefix(g, b, t);
	lb_str(b, qid);
	lb_str(b, g->mta->header_lead);
	lb_str(b, "X-Filler: ");
	if (t > g->last_t[0])
		g->last_t[0] = t;
	left = LG_OVERLONG_LEN - b->n;
	if (fwrite(b->b, 1, b->n, g->fp) != b->n)
		g->write_error = 1;
	while (left > 0) {
		size_t n = left < sizeof(fill) - 1 ? left : sizeof(fill) - 1;

		if (fwrite(fill, 1, n, g->fp) != n)
			g->write_error = 1;
		left -= n;
	}
	if (fputc('\n', g->fp) == EOF)
		g->write_error = 1;
	b->n = 0;
	g->lines++;
	g->bytes += LG_OVERLONG_LEN + 1;
	g->overlong++;
}

/* ---------------------------------------------------------------------- */
/* The heap of open sessions */

static int sess_before(const struct gen *g, size_t a, size_t b)
{
	const struct sess *x = &g->pool[a], *y = &g->pool[b];
	int64_t tx = x->t[x->next], ty = y->t[y->next];

	return tx < ty || (tx == ty && x->order < y->order);
}

static void heap_push(struct gen *g, size_t idx)
{
	size_t i = g->nheap++;

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!sess_before(g, idx, g->heap[parent]))
			break;
		g->heap[i] = g->heap[parent];
		i = parent;
	}
	g->heap[i] = idx;
}

static void heap_fix_top(struct gen *g)
{
	size_t i = 0, n = g->nheap, idx = g->heap[0];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && sess_before(g, g->heap[c + 1], g->heap[c]))
			c++;
		if (!sess_before(g, g->heap[c], idx))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	g->heap[i] = idx;
}

static size_t sess_alloc(struct gen *g)
{
	if (g->nfree > 0)
		return g->free_list[--g->nfree];
	if (g->pool_used == g->pool_cap) {
		size_t cap = g->pool_cap ? g->pool_cap * 2 : 64;

		g->pool = xreallocarray(g->pool, cap, sizeof(*g->pool));
		g->free_list = xreallocarray(g->free_list, cap, sizeof(*g->free_list));
		g->heap = xreallocarray(g->heap, cap, sizeof(*g->heap));
		g->pool_cap = cap;
	}
	return g->pool_used++;
}

/* Whether the earliest pending line is due no later than t. */
static int heap_due(const struct gen *g, int64_t t)
{
	const struct sess *s = &g->pool[g->heap[0]];

	return s->t[s->next] <= t;
}

/* Write the earliest pending line; the session leaves the heap after its last. */
static void heap_emit_top(struct gen *g)
{
	size_t idx = g->heap[0];
	struct sess *s = &g->pool[idx];

	emit_line(g, s, s->next);
	s->next++;
	if (s->next < s->nlines) {
		heap_fix_top(g);
		return;
	}
	g->free_list[g->nfree++] = idx;
	g->heap[0] = g->heap[--g->nheap];
	if (g->nheap > 0)
		heap_fix_top(g);
}

/* ---------------------------------------------------------------------- */
/* Starting sessions */

static void tally(struct gen *g, const struct sess *s)
{
	struct run *r = g->r;
	int64_t ev = s->t[event_line(s)];
	int64_t local = ev + (int64_t)r->tz * 60 * US_PER_SEC;
	int64_t y, mi;
	unsigned m, d, k;
	uint64_t *cnt;

	time_civil_from_days(time_floor_div(local, US_PER_DAY), &y, &m, &d);
	mi = (y * 12 + m - 1) - (r->start_year * 12 + r->start_month - 1);
	if (mi < 0 || mi >= r->months)
		msg_panic("loggen: message event outside the run");
	cnt = r->counts + ((size_t)mi * r->carriers + g->c) * SLOT_COUNT;
	if (s->type == S_REFUSED) {
		/* Not in the population: its own counts, none for a deferral. */
		if (s->fate == LGF_DEFERRED)
			return;
		cnt += SLOT_FATE + (size_t)s->fate * SLOT_FATE_SIZE;
		cnt[0]++;
		for (k = 0; k < AR_METHOD_COUNT; k++)
			cnt[1 + k * AR_RESULT_COUNT + s->tres[k]]++;
		return;
	}
	cnt[SLOT_MESSAGES]++;
	for (k = 0; k < AR_METHOD_COUNT; k++)
		cnt[SLOT_RESULT + k * AR_RESULT_COUNT + s->tres[k]]++;
	cnt[SLOT_POLICY + s->tpol]++;
	cnt[SLOT_SPAM + (s->tspam ? 1 : 0)]++;
}

/* Place a laid-out session at connect time t0, give it its identity, count it
 * and write its first line. */
static void start_session(struct gen *g, const struct sess *proto, int64_t t0)
{
	size_t idx = sess_alloc(g);
	struct sess *s = &g->pool[idx];
	unsigned i;

	*s = *proto;
	for (i = 0; i < s->nlines; i++)
		s->t[i] += t0;
	s->t_client += t0;
	s->t_qmgr += t0;
	if (s->t_copy != 0)
		s->t_copy += t0;
	s->order = g->order++;
	s->next = 0;
	s->smtpd_pid = pid_pick(g, &g->smtpd, s->t[0], s->t[line_of(s, L_DISCONNECT)]);
	if (s->type == S_REFUSED) {
		uint32_t inode = scramble24((uint32_t)((g->inode_base + g->nmsg++) % LG_INODE_SPACE));

		s->cleanup_pid = pid_pick(g, &g->cleanup, s->t_client, s->t_qmgr);
		g->mta->queue_id(g, s->t_client, inode, s->qid);
		tally(g, s);
	} else if (s->type == S_MESSAGE) {
		uint32_t inode = scramble24((uint32_t)((g->inode_base + g->nmsg++) % LG_INODE_SPACE));

		/* smtpd hands the message to cleanup from MAIL FROM (client=) to the
		 * end of DATA; the delivery agent holds it until the last delivery. */
		s->cleanup_pid = pid_pick(g, &g->cleanup, s->t_client, s->t_qmgr);
		s->deliver_pid = pid_pick(g, s->relay_smtp ? &g->smtp : &g->local, s->t_qmgr,
		                          s->t[line_of(s, L_REMOVED)]);
		/* The queue file is created when smtpd accepts MAIL FROM, logged
		 * as client=; its time names the file. Exim names the message
		 * when DATA starts; MAIL FROM is close enough. */
		g->mta->queue_id(g, s->t_client, inode, s->qid);
		if (s->t_copy != 0) {
			/* The copy's queue file, made when amavis, MailScanner or
			 * pmg-smtp-filter gives the message back. */
			uint32_t inode2 =
			    scramble24((uint32_t)((g->inode_base + g->nmsg++) % LG_INODE_SPACE));

			g->mta->queue_id(g, s->t_copy, inode2, s->qid2);
		}
		tally(g, s);
	}
	emit_line(g, s, 0);
	s->next = 1;
	if (s->next < s->nlines)
		heap_push(g, idx);
	else
		g->free_list[g->nfree++] = idx;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->ord < y->ord ? -1 : (x->ord > y->ord);
}

/* Month index whose last day is local day d (0-based from the run start), or -1. */
static int month_ending_on(const struct run *r, int64_t d)
{
	int64_t day_end = r->run_start + (d + 1) * US_PER_DAY;
	unsigned i;

	for (i = 1; i < r->months; i++) {
		if (r->month_start[i] == day_end)
			return (int)i;
	}
	return -1;
}

static int64_t hour_start(struct gen *g, int64_t day_start, int64_t limit)
{
	int64_t t = day_start + (int64_t)rng_pick(&g->rng, hour_weights, 24) * 3600 * US_PER_SEC +
	            (int64_t)rng_below(&g->rng, 3600 * (uint64_t)US_PER_SEC);

	if (t >= limit)
		t = day_start + (int64_t)rng_below(&g->rng, (uint64_t)(limit - day_start));
	return t;
}

/* Batch entry n: an event of type `type` at t. */
static void batch_set(struct run *r, size_t n, enum ev_type type, int64_t t)
{
	r->batch[n].ord = (uint32_t)n;
	r->batch[n].type = (unsigned char)type;
	r->batch[n].aux = 0;
	r->batch[n].t = t;
}

/* Fill the batch of local day d and return its length. */
static size_t build_day(struct gen *g, int64_t d, int64_t overlong_day)
{
	struct run *r = g->r;
	struct rng *rng = &g->rng;
	int64_t day_start = r->run_start + d * US_PER_DAY;
	int64_t limit = d == r->days - 1 ? r->run_end - LG_SPAN_MAX_US : day_start + US_PER_DAY;
	uint64_t nmsg = (uint64_t)r->o->messages_per_day, i;
	uint64_t nrej = nmsg / 20, ngar = (uint64_t)r->o->malformed_per_day;
	uint64_t nref = (uint64_t)r->o->refused_per_day;
	size_t n = 0;
	int boundary = month_ending_on(r, d);

	for (i = 0; i < nmsg; i++) {
		struct ev *e = &r->batch[n];

		e->ord = (uint32_t)n;
		e->type = EV_MESSAGE;
		e->aux = 0;
		if (boundary > 0 && i < NFORCED) {
			e->type = EV_FORCED;
			e->aux = (unsigned char)i;
			e->t = build_forced(g, &g->forced[i], (int)i, r->month_start[boundary]);
		} else if (i > 0 && rng_chance(rng, 250)) {
			/* Senders come in bursts: several sessions open at once. */
			int64_t base = r->batch[rng_below(rng, i)].t;

			e->t = base + (int64_t)rng_below(rng, 3 * US_PER_SEC);
			if (e->t >= limit)
				e->t = base + (int64_t)rng_below(rng, (uint64_t)(limit - base));
		} else {
			e->t = hour_start(g, day_start, limit);
		}
		n++;
	}
	for (i = 0; i < nrej; i++, n++)
		batch_set(r, n, EV_REJECT, hour_start(g, day_start, limit));
	for (i = 0; i < nref; i++, n++)
		batch_set(r, n, EV_REFUSED, hour_start(g, day_start, limit));
	for (i = 0; i < ngar; i++, n++)
		batch_set(r, n, EV_GARBAGE,
		          day_start + (int64_t)rng_below(rng, (uint64_t)(limit - day_start)));
	if (d == overlong_day) {
		batch_set(r, n, EV_OVERLONG,
		          day_start + (int64_t)rng_below(rng, (uint64_t)(limit - day_start)));
		n++;
	}
	qsort(r->batch, n, sizeof(*r->batch), ev_cmp);
	return n;
}

static void start_event(struct gen *g, const struct ev *e)
{
	struct sess proto;

	switch ((enum ev_type)e->type) {
	case EV_MESSAGE:
		build_message(g, &proto, 0);
		start_session(g, &proto, e->t);
		break;
	case EV_FORCED:
		start_session(g, &g->forced[e->aux], e->t);
		break;
	case EV_REJECT:
		build_reject(g, &proto);
		start_session(g, &proto, e->t);
		break;
	case EV_REFUSED:
		build_message(g, &proto, FORCE_HEADER | FORCE_REFUSED);
		start_session(g, &proto, e->t);
		break;
	case EV_GARBAGE:
		emit_garbage(g, e->t);
		break;
	case EV_OVERLONG:
		emit_overlong(g, e->t);
		break;
	}
}

/* ---------------------------------------------------------------------- */
/* One host's file */

static int mkdir_one(const char *path, struct strbuf *err)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	strbuf_printf(err, "cannot create directory %s: %s", path, strerror(errno));
	return -1;
}

/* mkdir -p */
static int mkdir_parents(const char *path, struct strbuf *err)
{
	char buf[LG_PATH_MAX];
	size_t len = str_copy(buf, path, sizeof(buf)), i;

	if (len >= sizeof(buf)) {
		strbuf_printf(err, "path too long: %s", path);
		return -1;
	}
	for (i = 1; i < len; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir_one(buf, err) < 0)
			return -1;
		buf[i] = '/';
	}
	return mkdir_one(buf, err);
}

/* The formats of a setup: its MTA, and its filters in the order they see a
 * message (struct gen_filter); returns how many filters. */
static const struct gen_mta *const mta_formats[] = {
	[MTA_POSTFIX] = &gen_postfix,
	[MTA_EXIM] = &gen_exim,
};
static const struct gen_filter *const spamf_formats[] = {
	[SPAMF_FLAG] = NULL, /* a header line of the MTA's */
	[SPAMF_AMAVIS] = &gen_amavis,
	[SPAMF_RSPAMD] = &gen_rspamd,
	[SPAMF_AMAVIS_CF] = &gen_amavis,
	[SPAMF_RSPAMD_SYMBOLS] = &gen_rspamd,
	[SPAMF_SPAMD] = &gen_spamd,
	[SPAMF_MAILSCANNER] = &gen_mailscanner,
	[SPAMF_PMG] = &gen_pmg,
	[SPAMF_SAEXIM] = &gen_saexim,
};

static unsigned setup_filters(const struct setup *su, const struct gen_filter **f)
{
	unsigned n = 0;

	if (su->milters & (MIL_OPENDKIM | MIL_OPENDKIM_LR))
		f[n++] = &gen_opendkim;
	if (su->milters & MIL_OPENDMARC)
		f[n++] = &gen_opendmarc;
	if (su->milters & MIL_EXIM_DKIM)
		f[n++] = &gen_exim_dkim;
	if (spamf_formats[su->spam] != NULL)
		f[n++] = spamf_formats[su->spam];
	return n;
}

/* The filter of f[0..n) that writes its own file (at most one does), or NULL. */
static const struct gen_filter *own_file_filter(const struct gen_filter *const *f, unsigned n)
{
	const struct gen_filter *own = NULL;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (f[i]->file == NULL)
			continue;
		if (own != NULL)
			msg_panic("loggen: two filters with their own log file");
		own = f[i];
	}
	return own;
}

static FILE *log_open(const char *path, struct strbuf *err)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		strbuf_printf(err, "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	/* One large stdio buffer; every line is a single fwrite into it. */
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	return fp;
}

/* Close fp and give the file the time of its last line as modification
 * time, as a log file has: readers infer the year of stamps without one
 * from it. 0, or -1 with err. */
static int log_close(FILE *fp, const char *path, int64_t last_us, int write_error,
                     struct strbuf *err)
{
	struct timespec ts[2];
	int bad = fflush(fp) != 0 || ferror(fp) || write_error;

	if (fclose(fp) != 0 || bad) {
		strbuf_printf(err, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	ts[0].tv_sec = (time_t)time_floor_div(last_us, US_PER_SEC);
	ts[0].tv_nsec = (long)(last_us - (int64_t)ts[0].tv_sec * US_PER_SEC) * 1000;
	ts[1] = ts[0];
	if (utimensat(AT_FDCWD, path, ts, 0) != 0) {
		strbuf_printf(err, "cannot set the time of %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int host_path(char *out, const struct run *r, const struct gen *g, const char *name,
                     struct strbuf *err)
{
	int n = snprintf(out, LG_PATH_MAX, "%s/%s/%s%s%s", r->o->out, g->carrier, g->host,
	                 name != NULL ? "/" : "", name != NULL ? name : "");

	if (n < 0 || (size_t)n >= LG_PATH_MAX) {
		strbuf_printf(err, "output path too long");
		return -1;
	}
	return 0;
}

static int gen_host(struct run *r, unsigned c, unsigned h, struct strbuf *err)
{
	struct gen *g = xcalloc(1, sizeof(*g));
	char path[LG_PATH_MAX], path2[LG_PATH_MAX];
	const struct gen_filter *own;
	int64_t d, overlong_day = -1, span;
	int rc = -1, n;
	size_t nb, i;
	unsigned k;

	g->r = r;
	g->c = c;
	g->h = h;
	g->su = &r->setups[c];
	g->mta = mta_formats[g->su->mta];
	g->nfilters = setup_filters(g->su, g->filters);
	own = own_file_filter(g->filters, g->nfilters);
	/* Every line kind goes to the MTA but those a filter writes. */
	for (k = 0; k < L_COUNT; k++)
		g->writer[k] = g->mta->line;
	for (i = 0; i < g->nfilters; i++) {
		for (k = 0; k < L_COUNT; k++) {
			if (g->filters[i]->kinds & LINE_BIT(k))
				g->writer[k] = g->filters[i]->line;
		}
	}
	loggen_carrier_id(c, g->carrier, sizeof(g->carrier));
	n = snprintf(g->host, sizeof(g->host), "mx%u", h + 1);
	if (n < 0 || (size_t)n >= sizeof(g->host))
		msg_panic("loggen: host name too long");
	format_tz(r->tz, g->tz_text);
	g->day_cached = INT64_MIN;
	rng_seed(&g->rng, (uint64_t)r->o->seed, c, h);
	g->next_pid = 300 + (unsigned)rng_below(&g->rng, 30000);
	g->qmgr_pid = loggen_pid_new(g);
	g->inode_base = (uint32_t)rng_below(&g->rng, LG_INODE_SPACE);
	pidpool_init(g, &g->smtpd, 3);
	pidpool_init(g, &g->cleanup, 1);
	pidpool_init(g, &g->local, 1);
	pidpool_init(g, &g->smtp, 1);
	/* Each host is switched to enable_long_queue_ids (Exim: to 4.97's
	 * message IDs) at its own point of the run, so that every file holds
	 * both forms. */
	span = r->run_end - r->run_start;
	g->long_qid_from = r->run_start + span / (2 * (int64_t)r->hosts + 1) *
	                                      (2 * (int64_t)r->hosts - (int64_t)h);
	if (r->o->overlong)
		overlong_day = (int64_t)rng_below(&g->rng, (uint64_t)r->days);
	/* The filters' daemons; drawn after everything the default setup draws,
	 * so that its files stay as they were. */
	for (i = 0; i < g->nfilters; i++)
		g->filters[i]->host_init(g);

	if (host_path(path, r, g, NULL, err) < 0)
		goto out;
	if (mkdir_parents(path, err) < 0)
		goto out;
	if (host_path(path, r, g, g->mta->file, err) < 0 ||
	    (own != NULL && host_path(path2, r, g, own->file, err) < 0))
		goto out;
	g->fp = log_open(path, err);
	if (g->fp == NULL)
		goto out;
	if (own != NULL) {
		g->fp2 = log_open(path2, err);
		if (g->fp2 == NULL)
			goto out;
	}
	g->last_t[0] = g->last_t[1] = r->run_start;

	for (d = 0; d < r->days; d++) {
		nb = build_day(g, d, overlong_day);
		for (i = 0; i < nb;) {
			/* Merge new sessions into the open ones by time, so that the
			 * file is in time order and sessions interleave. */
			if (g->nheap > 0 && heap_due(g, r->batch[i].t))
				heap_emit_top(g);
			else
				start_event(g, &r->batch[i++]);
		}
	}
	while (g->nheap > 0)
		heap_emit_top(g);

	n = log_close(g->fp, path, g->last_t[0], g->write_error, err);
	g->fp = NULL;
	if (n < 0)
		goto out;
	r->sum.files++;
	if (g->fp2 != NULL) {
		n = log_close(g->fp2, path2, g->last_t[1], g->write_error, err);
		g->fp2 = NULL;
		if (n < 0)
			goto out;
		r->sum.files++;
	}
	r->file_lines[c * r->hosts + h] = g->lines;
	r->file_malformed[c * r->hosts + h] = g->malformed;
	r->file_overlong[c * r->hosts + h] = g->overlong;
	r->sum.messages += g->nmsg;
	r->sum.lines += g->lines;
	r->sum.malformed += g->malformed;
	r->sum.overlong += g->overlong;
	r->sum.bytes += g->bytes;
	rc = 0;
out:
	if (g->fp != NULL)
		fclose(g->fp);
	if (g->fp2 != NULL)
		fclose(g->fp2);
	free(g->pool);
	free(g->free_list);
	free(g->heap);
	free(g);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Ground truth */

struct row {
	const char *dim;
	const char *val;
	uint64_t count;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->dim, y->dim);

	return c != 0 ? c : strcmp(x->val, y->val);
}

struct named {
	char name[LOGGEN_ID_MAX];
	unsigned idx;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Indices 0..n-1 ordered by the names they get, as the CSV rows are sorted. */
static struct named *sorted_names(unsigned n, int hosts)
{
	struct named *v = xcalloc(n, sizeof(*v));
	unsigned i;
	int len;

	for (i = 0; i < n; i++) {
		v[i].idx = i;
		if (hosts) {
			len = snprintf(v[i].name, sizeof(v[i].name), "mx%u", i + 1);
			if (len < 0 || (size_t)len >= sizeof(v[i].name))
				msg_panic("loggen: host name too long");
		} else {
			loggen_carrier_id(i, v[i].name, sizeof(v[i].name));
		}
	}
	qsort(v, n, sizeof(*v), named_cmp);
	return v;
}

/* The refused fates' names in truth.csv, and the dimensions of their
 * results ("<fate>:<method>", in the order of enum ar_method). */
static const char *const fate_names[LGF_DEFERRED] = { "rejected", "discarded", "held" };
static const char *const fate_dims[LGF_DEFERRED][AR_METHOD_COUNT] = {
	{ "rejected:spf", "rejected:dkim", "rejected:dmarc", "rejected:arc" },
	{ "discarded:spf", "discarded:dkim", "discarded:dmarc", "discarded:arc" },
	{ "held:spf", "held:dkim", "held:dmarc", "held:arc" },
};

/* The rows of one (month, carrier), sorted by dimension and value. */
static size_t truth_rows(const uint64_t *cnt, struct row *rows)
{
	size_t n = 0;
	unsigned m, v, f;

	rows[n++] = (struct row){ "messages", "all", cnt[SLOT_MESSAGES] };
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (v = 0; v < AR_RESULT_COUNT; v++)
			rows[n++] = (struct row){ ar_method_name((enum ar_method)m),
				                  ar_result_name((enum ar_result)v),
				                  cnt[SLOT_RESULT + m * AR_RESULT_COUNT + v] };
	}
	for (v = 0; v < POL_COUNT; v++)
		rows[n++] = (struct row){ "dmarc_policy", ar_policy_name((enum ar_policy)v),
			                  cnt[SLOT_POLICY + v] };
	rows[n++] = (struct row){ "spam", ar_spam_name(SPAM_HAM), cnt[SLOT_SPAM] };
	rows[n++] = (struct row){ "spam", ar_spam_name(SPAM_SPAM), cnt[SLOT_SPAM + 1] };
	for (f = 0; f < LGF_DEFERRED; f++) {
		const uint64_t *fc = cnt + SLOT_FATE + (size_t)f * SLOT_FATE_SIZE;

		rows[n++] = (struct row){ "fate", fate_names[f], fc[0] };
		for (m = 0; m < AR_METHOD_COUNT; m++) {
			for (v = 0; v < AR_RESULT_COUNT; v++)
				rows[n++] = (struct row){ fate_dims[f][m], ar_result_name((enum ar_result)v),
					                  fc[1 + m * AR_RESULT_COUNT + v] };
		}
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	return n;
}

static int close_checked(FILE *fp, const char *path, struct strbuf *err)
{
	int bad = ferror(fp);

	if (fclose(fp) != 0 || bad) {
		strbuf_printf(err, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* truth.csv: month,carrier,dimension,value,count, only counts > 0. */
static void rows_truth(FILE *fp, const struct run *r, const struct named *car,
                       const struct named *hosts)
{
	struct row rows[SLOT_COUNT];
	unsigned mi, ci;

	(void)hosts;
	for (mi = 0; mi < r->months; mi++) {
		int64_t ym = r->start_year * 12 + (r->start_month - 1) + mi;

		for (ci = 0; ci < r->carriers; ci++) {
			const uint64_t *cnt =
			        r->counts + ((size_t)mi * r->carriers + car[ci].idx) * SLOT_COUNT;
			size_t nrows = truth_rows(cnt, rows), k;

			for (k = 0; k < nrows; k++) {
				if (rows[k].count == 0)
					continue;
				fprintf(fp, "%04" PRId64 "-%02u,%s,%s,%s,%" PRIu64 "\n", ym / 12,
				        (unsigned)(ym % 12 + 1), car[ci].name, rows[k].dim, rows[k].val,
				        rows[k].count);
			}
		}
	}
}

/* truth-lines.csv: carrier,host,lines,malformed,overlong per host. */
static void rows_truth_lines(FILE *fp, const struct run *r, const struct named *car,
                             const struct named *hosts)
{
	unsigned ci, hi;

	for (ci = 0; ci < r->carriers; ci++) {
		for (hi = 0; hi < r->hosts; hi++) {
			size_t k = (size_t)car[ci].idx * r->hosts + hosts[hi].idx;

			fprintf(fp, "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", car[ci].name,
			        hosts[hi].name, r->file_lines[k], r->file_malformed[k],
			        r->file_overlong[k]);
		}
	}
}

/* inputs.csv: every log file written, with the collector's name of its
 * format, sorted by carrier, host and path. */
static void rows_inputs(FILE *fp, const struct run *r, const struct named *car,
                        const struct named *hosts)
{
	const struct gen_filter *f[GEN_FILTERS_MAX], *own;
	unsigned ci, hi;

	for (ci = 0; ci < r->carriers; ci++) {
		const struct setup *su = &r->setups[car[ci].idx];
		const struct gen_mta *mta = mta_formats[su->mta];

		own = own_file_filter(f, setup_filters(su, f));
		for (hi = 0; hi < r->hosts; hi++) {
			/* "mainlog" and "maillog" sort before "rspamd.log". */
			fprintf(fp, "%s,%s,%s,%s/%s/%s\n", car[ci].name, hosts[hi].name, mta->format,
			        car[ci].name, hosts[hi].name, mta->file);
			if (own != NULL)
				fprintf(fp, "%s,%s,%s,%s/%s/%s\n", car[ci].name, hosts[hi].name,
				        own->format, car[ci].name, hosts[hi].name, own->file);
		}
	}
}

/* The tables written after the logs, in this order, rows sorted by carrier
 * and host names. */
static const struct {
	const char *name;
	const char *header;
	void (*rows)(FILE *fp, const struct run *r, const struct named *car,
	             const struct named *hosts);
} tables[] = {
	{ "truth.csv", "month,carrier,dimension,value,count\n", rows_truth },
	{ "truth-lines.csv", "carrier,host,lines,malformed,overlong\n", rows_truth_lines },
	{ "inputs.csv", "carrier,host,format,path\n", rows_inputs },
};

static int write_tables(const struct run *r, struct strbuf *err)
{
	char path[LG_PATH_MAX];
	struct named *car = sorted_names(r->carriers, 0), *hosts = sorted_names(r->hosts, 1);
	FILE *fp = NULL;
	size_t i;
	int rc = -1, n;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		n = snprintf(path, sizeof(path), "%s/%s", r->o->out, tables[i].name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			strbuf_printf(err, "output path too long");
			goto out;
		}
		fp = fopen(path, "w");
		if (fp == NULL) {
			strbuf_printf(err, "cannot create %s: %s", path, strerror(errno));
			goto out;
		}
		fputs(tables[i].header, fp);
		tables[i].rows(fp, r, car, hosts);
		n = close_checked(fp, path, err);
		fp = NULL;
		if (n < 0)
			goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(car);
	free(hosts);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Setups */

static const char *const mta_names[] = { "postfix", "exim" };
static const char *const spamf_names[] = { "flag",   "amavis",      "rspamd",
	                                    "amavis-cf", "rspamd-symbols", "spamd",
	                                    "mailscanner", "pmg", "sa-exim" };
#define NSPAMF (sizeof(spamf_names) / sizeof(spamf_names[0]))
static const char *const stamps_names[] = { "rfc3339", "traditional", "maillog" };

/* Index of name in names[0..n), or -1. */
static int name_index(const char *name, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/* "none" or a comma list of opendmarc, opendkim, opendkim-logresults. */
static int parse_milters(const char *s, unsigned *out)
{
	unsigned m = 0;

	if (strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	while (*s != '\0') {
		size_t n = strcspn(s, ",");

		if (n == 9 && memcmp(s, "opendmarc", 9) == 0)
			m |= MIL_OPENDMARC;
		else if (n == 8 && memcmp(s, "opendkim", 8) == 0)
			m |= MIL_OPENDKIM;
		else if (n == 19 && memcmp(s, "opendkim-logresults", 19) == 0)
			m |= MIL_OPENDKIM_LR;
		else if (n == 9 && memcmp(s, "exim-dkim", 9) == 0)
			m |= MIL_EXIM_DKIM;
		else
			return -1;
		s += n;
		if (*s == ',' && *++s == '\0')
			return -1;
	}
	if ((m & MIL_OPENDKIM) && (m & MIL_OPENDKIM_LR))
		return -1;
	/* Exim's own lines and the milters are of different MTAs. */
	if ((m & MIL_EXIM_DKIM) && m != MIL_EXIM_DKIM)
		return -1;
	*out = m;
	return m != 0 ? 0 : -1;
}

/* Every carrier's setup: the profile's, with the options' fields on top.
 * Refuses combinations no real host has. */
static int setups_make(struct run *r, const struct loggen_opts *o, struct strbuf *err)
{
	const struct profile *p = r->prof;
	int mta = -1, spam = -1, stamps = -1;
	unsigned milters = 0, c;

	if (o->mta != NULL && (mta = name_index(o->mta, mta_names, 2)) < 0) {
		strbuf_printf(err, "--mta: \"%s\" is not postfix or exim", o->mta);
		return -1;
	}
	if (o->spam_filter != NULL && (spam = name_index(o->spam_filter, spamf_names, NSPAMF)) < 0) {
		strbuf_printf(err, "--spam-filter: \"%s\" is not flag, amavis, rspamd, amavis-cf, "
		              "rspamd-symbols, spamd, mailscanner, pmg or sa-exim",
		              o->spam_filter);
		return -1;
	}
	if (o->timestamps != NULL && (stamps = name_index(o->timestamps, stamps_names, 3)) < 0) {
		strbuf_printf(err, "--timestamps: \"%s\" is not rfc3339, traditional or maillog",
		              o->timestamps);
		return -1;
	}
	if (o->milters != NULL && parse_milters(o->milters, &milters) < 0) {
		strbuf_printf(err, "--milters: \"%s\" is not none or a list of opendmarc, "
		              "opendkim, opendkim-logresults (one OpenDKIM form)", o->milters);
		return -1;
	}
	r->setups = xcalloc(r->carriers, sizeof(*r->setups));
	for (c = 0; c < r->carriers; c++) {
		struct setup *su = &r->setups[c];
		char id[LOGGEN_ID_MAX];

		*su = p->nsetups > 0 ? p->setups[c % p->nsetups] : setup_default;
		if (mta >= 0)
			su->mta = (unsigned char)mta;
		if (o->milters != NULL)
			su->milters = (unsigned char)milters;
		if (spam >= 0)
			su->spam = (unsigned char)spam;
		if (stamps >= 0)
			su->stamps = (unsigned char)stamps;
		loggen_carrier_id(c, id, sizeof(id));
		if (su->mta == MTA_EXIM && ((su->milters & ~MIL_EXIM_DKIM) != 0 ||
		                            SPAMF_IS_POSTFIX_ONLY(su->spam))) {
			strbuf_printf(err, "%s: Exim runs no milters, no amavis, spamd, MailScanner or "
			              "PMG here (see --mta, --milters, --spam-filter)", id);
			return -1;
		}
		if (su->mta == MTA_POSTFIX && su->spam == SPAMF_SAEXIM) {
			strbuf_printf(err, "%s: SA-Exim is Exim's (see --mta, --spam-filter)", id);
			return -1;
		}
		if (su->mta == MTA_POSTFIX && (su->milters & MIL_EXIM_DKIM)) {
			strbuf_printf(err, "%s: exim-dkim lines are Exim's (see --mta, --milters)", id);
			return -1;
		}
		if (su->mta == MTA_POSTFIX && su->stamps == TS_MAILLOG &&
		    (su->milters != 0 || SPAMF_IS_POSTFIX_ONLY(su->spam))) {
			strbuf_printf(err, "%s: Postfix's maillog_file holds only Postfix's lines; "
			              "milters, amavis, spamd, MailScanner and PMG log through syslog "
			              "(use --timestamps rfc3339 or traditional)", id);
			return -1;
		}
		/* A stamp without a year is read as the latest year that does not
		 * put it after the file's time: a run of more than a year would be
		 * ambiguous. */
		if (su->mta == MTA_POSTFIX && su->stamps != TS_RFC3339 && r->months > 12) {
			strbuf_printf(err, "%s: stamps without a year need --months 12 or fewer", id);
			return -1;
		}
	}
	return 0;
}

static int run_setup(struct run *r, const struct loggen_opts *o, struct strbuf *err)
{
	uint64_t per_host;
	int start_year, start_month;
	unsigned i;

	r->o = o;
	if (o->out == NULL || o->out[0] == '\0') {
		strbuf_printf(err, "--out DIR is required");
		return -1;
	}
	if (o->start == NULL ||
	    time_parse_month(o->start, strlen(o->start), &start_year, &start_month) < 0) {
		strbuf_printf(err, "--start: \"%s\" is not a month YYYY-MM",
		              o->start ? o->start : "");
		return -1;
	}
	r->start_year = start_year;
	r->start_month = (unsigned)start_month;
	if (o->tz_offset == NULL || loggen_parse_tz(o->tz_offset, &r->tz) < 0) {
		strbuf_printf(err, "--tz-offset: \"%s\" is not +HH:MM or -HH:MM (at most 14:00)",
		              o->tz_offset ? o->tz_offset : "");
		return -1;
	}
	r->prof = o->profile != NULL ? profile_find(o->profile) : NULL;
	if (r->prof == NULL) {
		strbuf_printf(err, "--profile: unknown profile \"%s\"", o->profile ? o->profile : "");
		return -1;
	}
	if (o->carriers < 1 || o->carriers > 100 || o->hosts < 1 || o->hosts > 100 ||
	    o->months < 1 || o->months > 120 || o->messages_per_day < 0 ||
	    o->messages_per_day > 10000000 || o->malformed_per_day < 0 ||
	    o->malformed_per_day > 100000 || o->seed < 0 || o->refused_per_day < 0 ||
	    o->refused_per_day > 1000000) {
		strbuf_printf(err, "an option is out of its range (see --help)");
		return -1;
	}
	r->carriers = (unsigned)o->carriers;
	r->hosts = (unsigned)o->hosts;
	r->months = (unsigned)o->months;
	if (setups_make(r, o, err) < 0)
		return -1;
	r->month_start = xcalloc(r->months + 1, sizeof(*r->month_start));
	for (i = 0; i <= r->months; i++) {
		int64_t ym = r->start_year * 12 + (r->start_month - 1) + i;
		int64_t days = time_days_from_civil(ym / 12, (unsigned)(ym % 12 + 1), 1);

		/* Local midnight of the 1st, as an instant. */
		r->month_start[i] = days * US_PER_DAY - (int64_t)r->tz * 60 * US_PER_SEC;
	}
	r->run_start = r->month_start[0];
	r->run_end = r->month_start[r->months];
	r->days = (r->run_end - r->run_start) / US_PER_DAY;
	per_host = ((uint64_t)o->messages_per_day + (uint64_t)o->refused_per_day) * (uint64_t)r->days;
	if (per_host >= LG_INODE_SPACE ||
	    (uint64_t)o->malformed_per_day * (uint64_t)r->days + 1 >= LG_INODE_SPACE) {
		strbuf_printf(err, "at most %u messages (and as many garbage lines) per host fit "
		              "the queue ID space; lower --messages-per-day or --months",
		              LG_INODE_SPACE - 1);
		return -1;
	}
	r->batch_cap = (size_t)o->messages_per_day + (size_t)o->messages_per_day / 20 +
	               (size_t)o->malformed_per_day + (size_t)o->refused_per_day + 1;
	r->batch = xcalloc(r->batch_cap, sizeof(*r->batch));
	r->counts = xcalloc((size_t)r->months * r->carriers * SLOT_COUNT, sizeof(*r->counts));
	r->file_lines = xcalloc((size_t)r->carriers * r->hosts, sizeof(uint64_t));
	r->file_malformed = xcalloc((size_t)r->carriers * r->hosts, sizeof(uint64_t));
	r->file_overlong = xcalloc((size_t)r->carriers * r->hosts, sizeof(uint64_t));
	return 0;
}

int loggen_run(const struct loggen_opts *o, struct loggen_summary *sum, struct strbuf *err)
{
	struct run r;
	unsigned c, h;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (run_setup(&r, o, err) < 0)
		goto out;
	if (mkdir_parents(o->out, err) < 0)
		goto out;
	for (c = 0; c < r.carriers; c++) {
		for (h = 0; h < r.hosts; h++) {
			if (gen_host(&r, c, h, err) < 0)
				goto out;
		}
	}
	if (write_tables(&r, err) < 0)
		goto out;
	*sum = r.sum;
	rc = 0;
out:
	free(r.month_start);
	free(r.setups);
	free(r.batch);
	free(r.counts);
	free(r.file_lines);
	free(r.file_malformed);
	free(r.file_overlong);
	return rc;
}
