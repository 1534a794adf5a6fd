/*
 * loggen - a deterministic generator of mail logs with ground truth.
 *
 * For every carrier and host it writes the logs that carrier's mail hosts
 * keep, as the carrier's setup says (the profile's, or the options'):
 *
 *   MTA Postfix (default): OUT/<carrier>/<host>/maillog, the lines Postfix
 *     3.7 (smtpd, cleanup with header_checks INFO, qmgr, local or smtp)
 *     writes through syslog, with the milters' and amavis's lines in between;
 *     stamps RFC 3339 with microseconds and a fixed UTC offset (Debian 12's
 *     rsyslog, default), traditional "Nov  2 10:00:00" or Postfix's
 *     maillog_file "Nov 02 10:00:00" (both local time, no year, no zone).
 *   MTA Exim: OUT/<carrier>/<host>/mainlog, Exim 4.96/4.97's main log
 *     ("STAMP MSGID <= ...", "=>", "Completed"; 16-character message IDs,
 *     switching to the 23-character form of 4.97 at a point of the run) with
 *     the ACL convention of collector/input_exim.c for headers:
 *     "STAMP MSGID ar: Authentication-Results: ID;\n\tspf=pass ...". Stamps
 *     "2026-11-22 10:00:00.123 +0900" (log_selector +millisec, log_timezone)
 *     for --timestamps rfc3339, else "2026-11-22 10:00:00" (local time).
 *   Exim's own DKIM lines (--milters exim-dkim, Exim only): "STAMP MSGID
 *     DKIM: d=... s=... [verification succeeded]" and the other results of
 *     log_selector +dkim_verbose, one per signed message, before "<=".
 *   Milters (Postfix only): OpenDKIM 2.11 ("QID: DKIM verification
 *     successful", "bad signature data", "no signature data", or with
 *     opendkim-logresults the LogResults form "QID: signature=... result=
 *     \"...\"") and OpenDMARC 1.4 ("QID: DOMAIN RESULT", "QID:
 *     SPF(mailfrom): DOMAIN RESULT") in the maillog, at the end of DATA.
 *   Spam filter: flag (default) - an "X-Spam-Flag: YES|NO" header line like
 *     the results' (header_checks, or Exim's ar: convention); amavis
 *     (Postfix only, as amavisd-milter: no re-injection) - "(PID-NN) Passed
 *     CATEGORY ..., Queue-ID: QID, ..." in the maillog; rspamd - its own log
 *     OUT/<carrier>/<host>/rspamd.log ("2026-11-22 10:00:00 #PID(...) <tag>;
 *     ...; rspamd_task_write_log: ..., qid: <QID>, ... (default: T (add
 *     header): ...)"), qid being Postfix's queue ID or Exim's message ID;
 *     rspamd-symbols - the same, its symbol list also carrying the SPF,
 *     DKIM, DMARC and ARC symbols of the message's results (R_SPF_ALLOW,
 *     DMARC_POLICY_REJECT{DOMAIN : REASON;reject;}, ...), which count as a
 *     filter's results (the collector's rspamd_symbols = yes); spamd
 *     (Postfix only, as spamass-milter) - SpamAssassin's spamd lines in
 *     the maillog, its "spamd: result: Y|. SCORE - TESTS ...,mid=<MID>,..."
 *     naming the message by the Message-ID of its cleanup "message-id="
 *     line (the collector's spamd_join = yes); mailscanner (Postfix only) -
 *     every message held by header_checks ("QID: hold: header Received:
 *     ..."), MailScanner's "Message ID from IP (SENDER) to DOMAIN is spam,
 *     SpamAssassin (...)" (or "is spam (blacklisted)", "is not spam, ...",
 *     "is whitelisted" with "is not spam (whitelisted), ...", "is too big for
 *     spam checks": no verdict) and "Requeue: ID to QID2", after which qmgr
 *     queues, delivers and removes QID2 (never received by cleanup: not a
 *     second message); pmg (Postfix only) - a Proxmox Mail Gateway: QID is
 *     delivered by LMTP to pmg-smtp-filter ("... status=sent (250 2.5.0 OK
 *     (LOGID))"), which logs "LOGID: new mail ...", "LOGID: SA score=...",
 *     "LOGID: accept mail to <RCPT> (QID2) (rule: ...)" and queues the
 *     message again as QID2 (smtpd, cleanup message-id, qmgr, deliveries,
 *     removed): every message is in the log twice and counts once (the
 *     collector's pmg_reinjection = yes); its spam verdict stays the
 *     header's, as the collector does not read PMG's SA score line; sa-exim
 *     (Exim only) - SA-Exim's "MSGID SA: Action: flagged as Spam but
 *     accepted: ..." (spam), "scanned but message isn't spam: ..." (ham),
 *     "SA didn't successfully run ..." or "spamd took more than ..." (no
 *     verdict) before the "<=" line.
 *
 * Alongside: OUT/truth.csv, the exact counts a correct collector must find;
 * OUT/truth-lines.csv, lines per host (all its files); OUT/inputs.csv,
 * "carrier,host,format,path" for every log file (format syslog, exim or
 * rspamd as the collector names them; path relative to OUT). Each log file's
 * modification time is the time of its last line, which is what year
 * inference of stamps without a year needs.
 *
 * What counts, and when:
 *   - A message is one queue ID that ends with "QUEUEID: removed" (Exim:
 *     "MSGID Completed"). Rejected sessions (NOQUEUE; Exim "rejected RCPT")
 *     and injected garbage lines are not messages.
 *   - Its EVENT TIME is the timestamp of its first header line (cleanup
 *     "info: header", Exim "ar:"; Authentication-Results or X-Spam-Flag), or
 *     of its cleanup "message-id=" line (Exim: its "<=" arrival line) when it
 *     has no such line. Milter, amavis and rspamd lines never set it. The
 *     event time decides the month (cut in the --tz-offset) and, for the
 *     collector, the window. Around every month boundary inside the run each
 *     host carries three messages placed on purpose across it: one whose
 *     message-id line is before the boundary and whose first header line is
 *     after it (Exim: first header line before, arrival after), one whose
 *     first header line is before and whose "removed" line is after it, and
 *     one whose first header line (a forged or X-Spam-Flag one) is before
 *     and whose trusted header line is after it.
 *   - Only the Authentication-Results header whose authserv-id is exactly
 *     mx.<carrier>.example.jp counts; a forged one (another authserv-id,
 *     logged before the trusted one) is ignored. A method that no trusted
 *     source names counts as "absent"; "hardfail" counts as fail; case does
 *     not matter. Milter lines are trusted sources (the operator configured
 *     them). A method with results from several sources (the trusted header
 *     and a milter, or several DKIM signatures in one LogResults line) counts
 *     the most significant: pass > fail > softfail > neutral > policy >
 *     permerror > temperror > none.
 *   - The DMARC published policy is the p= of the trusted header's dmarc
 *     result comment, or the policy option of rspamd's DMARC symbol (the
 *     strongest of the two), "absent" when there is none (OpenDMARC's log
 *     line does not carry p=; DMARC_NA and DMARC_BAD_POLICY carry none).
 *     A message is spam if it has the header "X-Spam-Flag: YES", or amavis
 *     logged SPAM or SPAMMY, or rspamd's action is reject, add header or
 *     rewrite subject, or spamd's result is "Y"; ham otherwise (also when
 *     the filter gave
 *     no verdict: amavis UNCHECKED, rspamd skipped scan), so the collector
 *     must count messages without a verdict as ham (spam_default = ham).
 *
 *   - With --refused-per-day, each host also has messages that are not
 *     accepted, in even shares (each has a trusted header): REJECTED at the
 *     end of DATA (Postfix: a milter's "milter-reject: END-OF-MESSAGE ...
 *     5.7.1"; Exim: "H=... F=<...> rejected after DATA"), DISCARDED (Postfix
 *     header_checks "discard: header ..."; Exim "<=" then "=> blackhole (DATA
 *     ACL discarded recipients)" and "Completed"), HELD (Postfix "hold:
 *     header ..."; Exim "<=" then "frozen by ACL") and DEFERRED (a 4xx
 *     refusal: "milter-reject ... 4.7.1", "temporarily rejected after DATA").
 *     They carry no filter line, but on SA-Exim hosts: SA-Exim refuses in
 *     local_scan(), "SA: Action: permanently rejected message" then
 *     "F=SENDER H=... rejected by local_scan(): ..." (rejected), "silently
 *     tossed message" then "<=" and "=> blackhole (local_scan)" (discarded),
 *     "temporarily rejected message" or "teergrubed sender ..." then
 *     "temporarily rejected by local_scan()" (deferred); and on MailScanner
 *     hosts, where a held message is one MailScanner judged spam and
 *     quarantined: the header_checks hold line, its verdict and "Spam
 *     Actions: message ID actions are store", no requeue. The counts above (messages, methods,
 *     policy, spam) are of the accepted messages only, the population of a
 *     report; truth.csv gives the refused ones as "fate,<fate>" (how many)
 *     and "<fate>:<method>,<result>", for rejected, discarded and held; a
 *     deferred message counts nowhere (its sender tries again).
 *
 * Everything follows from the options and the seed: each host draws from its
 * own xoshiro256** stream seeded from (seed, carrier, host), so the same
 * options give byte-identical files, and the default setup's files are those
 * of the generator before setups existed.
 */
#ifndef ARSTAT_LOGGEN_H
#define ARSTAT_LOGGEN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "strbuf.h"

/* Options; filled from loggen_cfg_table (names are the long options without
 * the leading "--"), read-only once loggen_run() starts. */
struct loggen_opts {
	char *out;                 /* output directory (required) */
	int64_t carriers;          /* carrier-a, carrier-b, ... */
	int64_t hosts;             /* per carrier: mx1 .. mxN */
	char *start;               /* first month, YYYY-MM */
	int64_t months;            /* number of whole months */
	int64_t messages_per_day;  /* exactly this many per host and local day */
	int64_t seed;
	char *tz_offset;           /* +HH:MM or -HH:MM; timestamps and month cuts */
	char *profile;             /* result distribution and carriers' setups,
	                              see loggen_profile_names() */
	int64_t malformed_per_day; /* garbage lines per host and day */
	int64_t refused_per_day;   /* messages refused at the end of DATA (or after)
	                              per host and day, beside messages_per_day */
	int overlong;              /* one 70000-byte line per host */
	/* The carriers' setup; NULL (unset) keeps the profile's per carrier. */
	char *mta;         /* postfix | exim */
	char *milters;     /* none, or a comma list of opendmarc, opendkim,
	                      opendkim-logresults */
	char *spam_filter; /* flag | amavis | amavis-cf | rspamd | rspamd-symbols | spamd |
	                      mailscanner | pmg | sa-exim */
	char *timestamps;  /* rfc3339 | traditional | maillog */
};

extern const struct cfg_entry loggen_cfg_table[];

/* Zero o and set every option to its default. */
void loggen_opts_init(struct loggen_opts *o);
/* Free the strings held by o. */
void loggen_opts_free(struct loggen_opts *o);

/* What a run wrote, for the summary line. */
struct loggen_summary {
	uint64_t files;
	uint64_t messages;
	uint64_t lines;
	uint64_t malformed; /* garbage lines, the overlong ones not included */
	uint64_t overlong;
	uint64_t bytes;     /* of all log files */
};

/*
 * Validate o and write the whole output tree. Returns 0 and fills *sum, or
 * -1 with a reason in err: invalid option values (the caller's input) or a
 * file that cannot be created or written (the environment). Existing files of
 * the same names are replaced; nothing else in the directory is touched.
 */
int loggen_run(const struct loggen_opts *o, struct loggen_summary *sum, struct strbuf *err);

/* Names of the built-in profiles, NULL-terminated; the first is the default. */
const char *const *loggen_profile_names(void);
/* One-line description of a profile, or NULL if the name is unknown. */
const char *loggen_profile_describe(const char *name);

/* Parse "+HH:MM" / "-HH:MM" (at most 14:00) into minutes east of UTC. */
int loggen_parse_tz(const char *s, int *minutes);

/* Carrier id of index i (0 = "carrier-a", 25 = "carrier-z", 26 =
 * "carrier-aa"); out must hold LOGGEN_ID_MAX bytes. */
#define LOGGEN_ID_MAX 32
void loggen_carrier_id(unsigned i, char *out, size_t size);

/* Write the RFC 3339 form of us (microseconds since the epoch, UTC) as seen
 * at tz_minutes east of UTC, e.g. "2026-08-01T09:00:00.123456+09:00", and a
 * NUL. out must hold LOGGEN_TIME_LEN + 1 bytes. */
#define LOGGEN_TIME_LEN 32
void loggen_format_time(int64_t us, int tz_minutes, char *out);

/* Postfix queue IDs for a message whose queue file was created at us with
 * inode number inode (< 2^24): the short form "%05X" of the microseconds
 * followed by the inode in 5 or 6 upper-case hex digits (10 or 11
 * characters), and the long form of enable_long_queue_ids (seconds and
 * microseconds in base 52, 'z', inode in base 51). out must hold
 * LOGGEN_QID_MAX bytes. Return the length. */
#define LOGGEN_QID_MAX 24
size_t loggen_qid_short(int64_t us, uint32_t inode, char *out);
size_t loggen_qid_long(int64_t us, uint32_t inode, char *out);

#endif
