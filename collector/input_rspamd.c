/*
 * input_rspamd - rspamd's scan result line, from its own log file
 * (/var/log/rspamd/rspamd.log, format "rspamd") or from syslog (tag
 * "rspamd").
 *
 * The file logger writes "STAMP #PID(PROCESS) <TAG>; MODULE; FUNCTION: TEXT",
 * the stamp in local time without a zone ("2026-11-22 10:00:00", the same
 * form as Exim's). Syslog gets "<TAG>; MODULE; FUNCTION: TEXT". The scan
 * result comes from rspamd_task_write_log() with the default log_format:
 *
 *   id: <MESSAGE-ID>, qid: <QUEUEID>, ip: 192.0.2.10, from: <a@b>,
 *   (default: T (reject): [15.00/15.00] [SYMBOL(1.00){...},...]), len: 1234,
 *   time: 87.5ms, dns req: 12, digest: <...>, rcpts: <...>, mime_rcpts: <...>
 *
 * The verdict is read from the action, which means the same in every rspamd
 * version (the T/F letter before it changed meaning in 2.0: T only for
 * reject before, any action not flagged ham since):
 *   reject, add header, rewrite subject, discard, quarantine      spam
 *   no action, greylist                                           ham
 *   soft reject                                                   no verdict
 *     (a temporary refusal for rate limits and lookup failures, not a
 *     judgement of the message)
 *   any other (custom) action: the letter, T spam, F ham
 *   letter S (scan skipped), whatever the action                  no verdict
 * qid is the MTA's queue ID (Postfix's from the milter, Exim's message ID
 * from its spam= ACL condition). A result line without qid cannot be joined
 * and is IN_OTHER.
 *
 * The log has no host column: ev->host is empty, and the collector gives
 * such events the host name configured for the input, which must equal the
 * host column of the MTA's log that the queue IDs belong to.
 *
 * The message ID and the envelope sender come from the sender and stand
 * before the verdict. The first " qid: <" and the first "(default: " after
 * it are taken; a sender who writes those strings into its Message-ID can
 * have its own verdict joined to another queue ID of the same host, which
 * moves one message's spam verdict and nothing else.
 *
 * Symbols (setting rspamd_symbols). Hosts that add no Authentication-Results
 * header (rspamd's milter_headers without its authentication-results
 * routine: Mailcow, NethServer, many ISPs) have rspamd's symbols as the only
 * record of SPF, DKIM, DMARC and ARC. task.c's rspamd_task_log_metric_res()
 * writes them, sorted by the absolute score and then by name, as
 * "[SCORE/REQUIRED] [SYM,SYM,...])", each SYM being NAME, NAME(%.2f score)
 * ($symbols_scores), NAME{OPT;OPT;} ($symbols_params) or both
 * ($symbols_scores_params, the default). Every option ends with ";", after
 * log_task_max_elts (7) of them comes "...;", and rspamd only replaces
 * unprintable bytes in them, so an option may hold ",", "}" or "]": a
 * block ends at the first "}" after ";" (or "{}") that ",", "]" follows.
 * rspamd's logger cuts a line at RSPAMD_LOGBUF_SIZE (8192 bytes on x86_64,
 * 2048 elsewhere) and syslog may cut it sooner: a list without its closing
 * "])" is a line cut short, and malformed, since the symbols are sorted by
 * score and a method's symbol may be among those lost.
 *
 * The symbols and their results are those of rspamd's modules (spf.lua,
 * dkim_check.c, dmarc.lua, arc.lua; names as registered by default) and
 * the mapping its own Authentication-Results writer uses
 * (lualib/lua_auth_results.lua), so a host that adds rspamd's header counts
 * the same with or without it:
 *   R_SPF_ALLOW pass, R_SPF_FAIL fail, R_SPF_SOFTFAIL softfail,
 *   R_SPF_NEUTRAL neutral, R_SPF_DNSFAIL temperror, R_SPF_PERMFAIL
 *   permerror, R_SPF_NA none, R_SPF_PLUSALL pass ("+all": spf.lua
 *   publishes it as pass);
 *   R_DKIM_ALLOW pass, R_DKIM_REJECT fail, R_DKIM_TEMPFAIL temperror,
 *   R_DKIM_PERMFAIL permerror, R_DKIM_NA none (one symbol per result, the
 *   signatures of a message merge by the outcome rule);
 *   DMARC_POLICY_ALLOW and the composite DMARC_POLICY_ALLOW_WITH_FAILURES
 *   pass; DMARC_POLICY_REJECT, DMARC_POLICY_QUARANTINE,
 *   DMARC_POLICY_SOFTFAIL fail; DMARC_DNSFAIL temperror; DMARC_BAD_POLICY
 *   permerror; DMARC_NA none;
 *   ARC_ALLOW pass, ARC_REJECT fail, ARC_INVALID permerror, ARC_DNSFAIL
 *   temperror, ARC_NA none.
 * The published DMARC policy is the second option of DMARC_POLICY_* and of
 * DMARC_DNSFAIL after an SPF/DKIM temporary error ("DOMAIN[ : REASON];
 * POLICY;", dmarc.lua's insert_result(..., policy.dmarc_policy)): the
 * record's p= (sp= for a subdomain), also when pct= sampled the disposition
 * down (DMARC_POLICY_QUARANTINE{d : r;reject;sampled_out;}). Without
 * options ($symbols, $symbols_scores) the symbol tells what it can:
 * REJECT reject, QUARANTINE quarantine, SOFTFAIL none, ALLOW no policy
 * known (counted as absent). DMARC_NA and DMARC_BAD_POLICY have no policy.
 * A symbol renamed in the module's settings is not recognised.
 *
 * rspamd keeps one result per symbol name, and spf.lua and dmarc.lua insert
 * one symbol each: a name twice, or two SPF or two DMARC results, is not a
 * list rspamd wrote (a sender's text in another symbol's options that
 * spells ";},R_SPF_ALLOW{" is), and the line is malformed. A forged
 * symbol where rspamd wrote none of its method is not found out this way;
 * it moves that one message's result.
 */
#include "input.h"

#include <string.h>

#include "strutil.h"

static const char write_log[] = "rspamd_task_write_log: ";

/* rspamd_symbols, set once at start-up. */
static int read_symbols;

void input_rspamd_set_symbols(int on)
{
	read_symbols = on != 0;
}

/* The symbols that carry a result (see above). */
static const struct auth_symbol {
	const char *name;
	enum ar_method method;
	enum ar_result result;
	/* DMARC: the policy the symbol alone tells (used without options) */
	enum ar_policy policy;
	/* DMARC: the second option is the published policy */
	int policy_option;
} auth_symbols[] = {
	{ "R_SPF_ALLOW", AR_SPF, AR_PASS, POL_ABSENT, 0 },
	{ "R_SPF_FAIL", AR_SPF, AR_FAIL, POL_ABSENT, 0 },
	{ "R_SPF_SOFTFAIL", AR_SPF, AR_SOFTFAIL, POL_ABSENT, 0 },
	{ "R_SPF_NEUTRAL", AR_SPF, AR_NEUTRAL, POL_ABSENT, 0 },
	{ "R_SPF_DNSFAIL", AR_SPF, AR_TEMPERROR, POL_ABSENT, 0 },
	{ "R_SPF_PERMFAIL", AR_SPF, AR_PERMERROR, POL_ABSENT, 0 },
	{ "R_SPF_NA", AR_SPF, AR_NONE, POL_ABSENT, 0 },
	{ "R_SPF_PLUSALL", AR_SPF, AR_PASS, POL_ABSENT, 0 },
	{ "R_DKIM_ALLOW", AR_DKIM, AR_PASS, POL_ABSENT, 0 },
	{ "R_DKIM_REJECT", AR_DKIM, AR_FAIL, POL_ABSENT, 0 },
	{ "R_DKIM_TEMPFAIL", AR_DKIM, AR_TEMPERROR, POL_ABSENT, 0 },
	{ "R_DKIM_PERMFAIL", AR_DKIM, AR_PERMERROR, POL_ABSENT, 0 },
	{ "R_DKIM_NA", AR_DKIM, AR_NONE, POL_ABSENT, 0 },
	{ "DMARC_POLICY_ALLOW", AR_DMARC, AR_PASS, POL_ABSENT, 1 },
	{ "DMARC_POLICY_REJECT", AR_DMARC, AR_FAIL, POL_REJECT, 1 },
	{ "DMARC_POLICY_QUARANTINE", AR_DMARC, AR_FAIL, POL_QUARANTINE, 1 },
	{ "DMARC_POLICY_SOFTFAIL", AR_DMARC, AR_FAIL, POL_NONE, 1 },
	{ "DMARC_DNSFAIL", AR_DMARC, AR_TEMPERROR, POL_ABSENT, 1 },
	{ "DMARC_BAD_POLICY", AR_DMARC, AR_PERMERROR, POL_ABSENT, 0 },
	{ "DMARC_NA", AR_DMARC, AR_NONE, POL_ABSENT, 0 },
	/* A composite of DMARC_POLICY_ALLOW (conf/composites.conf), which the
	 * line then also holds: not a second DMARC result. */
	{ "DMARC_POLICY_ALLOW_WITH_FAILURES", AR_DMARC, AR_PASS, POL_ABSENT, 0 },
	{ "ARC_ALLOW", AR_ARC, AR_PASS, POL_ABSENT, 0 },
	{ "ARC_REJECT", AR_ARC, AR_FAIL, POL_ABSENT, 0 },
	{ "ARC_INVALID", AR_ARC, AR_PERMERROR, POL_ABSENT, 0 },
	{ "ARC_DNSFAIL", AR_ARC, AR_TEMPERROR, POL_ABSENT, 0 },
	{ "ARC_NA", AR_ARC, AR_NONE, POL_ABSENT, 0 },
};

#define AUTH_SYMBOLS (sizeof(auth_symbols) / sizeof(auth_symbols[0]))
#define COMPOSITE_ALLOW 20 /* index of DMARC_POLICY_ALLOW_WITH_FAILURES */

/* Index in auth_symbols of the name p[0..n), or -1. Most symbols of a line
 * are of other modules: the first byte sends them away. */
static int auth_symbol_find(const char *p, size_t n)
{
	size_t i;

	if (n < 6 || (p[0] != 'R' && p[0] != 'D' && p[0] != 'A'))
		return -1;
	for (i = 0; i < AUTH_SYMBOLS; i++) {
		if (strlen(auth_symbols[i].name) == n && memcmp(auth_symbols[i].name, p, n) == 0)
			return (int)i;
	}
	return -1;
}

/* Bytes a symbol name does not hold: what follows it, and blanks. */
static int ends_name(char c)
{
	return c == '(' || c == '{' || c == ',' || c == ']' || (unsigned char)c <= ' ';
}

/* Bytes of a "%.2f" score, "nan" and "inf" included. */
static int is_score_char(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'n' ||
	       c == 'a' || c == 'i' || c == 'f';
}

/*
 * The published policy in the options o[0..n) (without the braces) of a
 * DMARC symbol: its second option; POL_ABSENT if there is none of the
 * three words.
 */
static enum ar_policy option_policy(const char *o, size_t n)
{
	const char *a = memchr(o, ';', n), *b;
	enum ar_policy pol;

	if (a == NULL)
		return POL_ABSENT;
	a++;
	b = memchr(a, ';', n - (size_t)(a - o));
	if (b == NULL || ar_policy_parse(a, (size_t)(b - a), &pol) < 0)
		return POL_ABSENT;
	return pol;
}

/*
 * The symbol list of a result line, at p[0..len) = " [SCORES] [SYM,...])...",
 * into ev->results and ev->dmarc_policy (has_results when one was found).
 */
static enum input_status parse_symbols(const char *p, size_t len, struct input_event *ev,
                                       const char **why)
{
	static const char cut[] = "rspamd symbol list cut short";
	static const char form[] = "rspamd symbol list of unexpected form";
	uint32_t seen = 0;
	int method_sym[AR_METHOD_COUNT];
	struct authres_outcome acc;
	size_t i, k, start;
	int m, idx;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		method_sym[m] = -1;
	authres_outcome_init(&acc);
	/* " [-1.20/15.00] [" */
	if (len < 2) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (p[0] != ' ' || p[1] != '[') {
		*why = form;
		return INPUT_MALFORMED;
	}
	for (i = 2; i < len && i < 64 && p[i] != ']'; i++)
		;
	if (i + 2 >= len) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (p[i] != ']' || p[i + 1] != ' ' || p[i + 2] != '[') {
		*why = form;
		return INPUT_MALFORMED;
	}
	i += 3;
	if (i < len && p[i] == ']')
		goto close;
	for (;;) {
		const char *opts = NULL;
		size_t nopts = 0;

		for (start = i; i < len && i - start <= 128 && !ends_name(p[i]); i++)
			;
		if (i == len) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		if (i == start || i - start > 128 || (unsigned char)p[i] <= ' ') {
			*why = form;
			return INPUT_MALFORMED;
		}
		idx = auth_symbol_find(p + start, i - start);
		if (p[i] == '(') {
			for (k = ++i; i < len && i - k <= 32 && is_score_char(p[i]); i++)
				;
			if (i == len) {
				*why = cut;
				return INPUT_MALFORMED;
			}
			if (i == k || p[i] != ')') {
				*why = form;
				return INPUT_MALFORMED;
			}
			i++;
		}
		if (i < len && p[i] == '{') {
			/* The first "}" after ";" or "{" that "," or "]" follows. */
			for (k = ++i;; i++) {
				if (i + 1 >= len) {
					*why = cut;
					return INPUT_MALFORMED;
				}
				if (p[i] == '}' && (i == k || p[i - 1] == ';') &&
				    (p[i + 1] == ',' || p[i + 1] == ']'))
					break;
			}
			opts = p + k;
			nopts = i - k;
			i++;
		}
		if (i == len) {
			*why = cut;
			return INPUT_MALFORMED;
		}
		if (p[i] != ',' && p[i] != ']') {
			*why = form;
			return INPUT_MALFORMED;
		}
		if (idx >= 0) {
			const struct auth_symbol *a = &auth_symbols[idx];
			struct authres_outcome one;

			if (seen & (UINT32_C(1) << idx)) {
				*why = "rspamd symbol listed twice";
				return INPUT_MALFORMED;
			}
			seen |= UINT32_C(1) << idx;
			m = (int)a->method;
			/* spf.lua and dmarc.lua insert one symbol each; DKIM and
			 * ARC symbols merge by the outcome rule. */
			if ((a->method == AR_SPF || a->method == AR_DMARC) && idx != COMPOSITE_ALLOW) {
				if (method_sym[m] >= 0) {
					*why = "rspamd symbols of two results for one method";
					return INPUT_MALFORMED;
				}
				method_sym[m] = idx;
			}
			authres_outcome_init(&one);
			one.result[m] = a->result;
			if (a->method == AR_DMARC) {
				one.dmarc_policy = a->policy_option && opts != NULL
				                           ? option_policy(opts, nopts)
				                           : POL_ABSENT;
				if (one.dmarc_policy == POL_ABSENT)
					one.dmarc_policy = a->policy;
			}
			authres_outcome_merge(&acc, &one);
			ev->has_results = 1;
		}
		if (p[i] == ']')
			break;
		i++;
	}
close:
	if (i + 1 >= len) {
		*why = cut;
		return INPUT_MALFORMED;
	}
	if (p[i + 1] != ')') {
		*why = form;
		return INPUT_MALFORMED;
	}
	for (m = 0; m < AR_METHOD_COUNT; m++)
		ev->results[m] = (unsigned char)acc.result[m];
	ev->results_policy = (unsigned char)acc.dmarc_policy;
	return INPUT_OK;
}

/* rspamd names the MTA's queue ID; Exim's hold dashes. */
static int is_qid_char(char c)
{
	return str_is_alnum(c) || c == '-';
}

/* SPAM_SPAM, SPAM_HAM, or SPAM_UNKNOWN. */
static enum ar_spam action_verdict(char letter, const char *a, size_t n)
{
	static const char *const spam[] = { "reject", "add header", "rewrite subject", "discard",
		                            "quarantine" };
	static const char *const ham[] = { "no action", "greylist" };
	size_t i;

	if (letter == 'S')
		return SPAM_UNKNOWN;
	for (i = 0; i < sizeof(spam) / sizeof(spam[0]); i++) {
		if (strlen(spam[i]) == n && memcmp(a, spam[i], n) == 0)
			return SPAM_SPAM;
	}
	for (i = 0; i < sizeof(ham) / sizeof(ham[0]); i++) {
		if (strlen(ham[i]) == n && memcmp(a, ham[i], n) == 0)
			return SPAM_HAM;
	}
	if (n == 11 && memcmp(a, "soft reject", 11) == 0)
		return SPAM_UNKNOWN;
	return letter == 'T' ? SPAM_SPAM : SPAM_HAM;
}

/*
 * "<TAG>; MODULE; FUNCTION: TEXT" at p: the scan result if FUNCTION is
 * rspamd_task_write_log, else IN_OTHER.
 */
static enum input_status parse_body(const char *p, size_t len, struct input_event *ev,
                                    const char **why)
{
	const char *q, *fn, *end, *act;
	size_t n, i, ql;
	char letter;

	/* The tag and module are short words; look for the function only in
	 * the first bytes, before anything a sender wrote. */
	n = len < 96 ? len : 96;
	fn = str_find(p, n, "; ");
	if (len == 0 || p[0] != '<' || fn == NULL)
		return INPUT_OK;
	fn = str_find(fn + 2, n - (size_t)(fn + 2 - p), "; ");
	if (fn == NULL)
		return INPUT_OK;
	fn += 2;
	n = len - (size_t)(fn - p);
	if (!str_starts_with(fn, n, write_log)) {
		if (n < sizeof(write_log) - 1 && memcmp(fn, write_log, n) == 0) {
			*why = "rspamd line cut short";
			return INPUT_MALFORMED;
		}
		return INPUT_OK;
	}
	q = str_find(fn, n, " qid: <");
	if (q == NULL)
		return INPUT_OK;
	q += 7;
	n = len - (size_t)(q - p);
	for (ql = 0; ql < n && ql <= 32 && is_qid_char(q[ql]); ql++)
		;
	if (ql == n) {
		*why = "rspamd line cut short";
		return INPUT_MALFORMED;
	}
	if (ql < 5 || ql > 32 || q[ql] != '>') {
		*why = "rspamd qid of unexpected form";
		return INPUT_MALFORMED;
	}
	act = str_find(q + ql, n - ql, "(default: ");
	if (act == NULL) {
		*why = "rspamd result line without its verdict";
		return INPUT_MALFORMED;
	}
	act += 10;
	n = len - (size_t)(act - p);
	/* "L (ACTION): [" */
	if (n < 4 || (act[0] != 'T' && act[0] != 'F' && act[0] != 'S') || act[1] != ' ' ||
	    act[2] != '(') {
		*why = "rspamd verdict of unexpected form";
		return INPUT_MALFORMED;
	}
	letter = act[0];
	act += 3;
	n -= 3;
	end = NULL;
	for (i = 0; i < n && i < 64; i++) {
		if (act[i] == ')') {
			end = act + i;
			break;
		}
	}
	if (end == NULL || end == act || (size_t)(end - act) + 1 >= n || end[1] != ':') {
		*why = "rspamd verdict of unexpected form";
		return INPUT_MALFORMED;
	}
ev->spam = action_verdict(letter, act, (size_t)(end - act));
	if (read_symbols && parse_symbols(end + 2, n - (size_t)(end + 2 - act), ev, why) != INPUT_OK)
		return INPUT_MALFORMED;
	/* A soft reject or a skipped scan gives no verdict, but the results
	 * of the symbols of a soft reject count. */
	if (ev->spam == SPAM_UNKNOWN && !ev->has_results)
		return INPUT_OK;
	ev->kind = IN_SPAM;
	ev->queue_id.p = q;
	ev->queue_id.len = ql;
	return INPUT_OK;
}

enum input_status input_rspamd_parse(const char *line, size_t len, struct input_clock *clk,
                                     struct input_event *ev, const char **why)
{
	size_t used, i;
	const char *p;

	memset(ev, 0, sizeof(*ev));
	if (input_time_parse(clk, line, len, &ev->time_ms, &used) < 0) {
		*why = "no timestamp at the start of the line";
		return INPUT_MALFORMED;
	}
	/* No host column: the collector puts in the input's configured host. */
	ev->host.p = line;
	ev->host.len = 0;
	p = line + used;
	len -= used;
	/* " #PID(PROCESS) " */
	if (len < 2 || p[0] != ' ' || p[1] != '#') {
		*why = "no process field after the timestamp";
		return INPUT_MALFORMED;
	}
	for (i = 2; i < len && i < 80 && p[i] != ' '; i++)
		;
	if (i >= len || p[i] != ' ' || p[i - 1] != ')') {
		*why = "no process field after the timestamp";
		return INPUT_MALFORMED;
	}
	return parse_body(p + i + 1, len - i - 1, ev, why);
}

enum input_status input_rspamd_message(const char *tag, size_t taglen, const char *p,
                                       size_t len, struct input_event *ev, const char **why)
{
	(void)tag;
	(void)taglen;
	return parse_body(p, len, ev, why);
}
