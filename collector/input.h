/*
 * input - what an input format makes of one log line. Each format lives in
 * its own file (input_postfix.c, input_opendmarc.c, input_exim.c, ...) and
 * turns a line into an input_event that points into the line (nothing is
 * copied). Two tables pick them: input.c's by the format an input names
 * (input_format_find), input_syslog.c's by a syslog line's program tag.
 */
#ifndef ARSTAT_COLLECTOR_INPUT_H
#define ARSTAT_COLLECTOR_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "authres.h"
#include "input_time.h"
#include "result.h"

enum input_kind {
	IN_OTHER = 0, /* a well-formed line that carries nothing we count */
	IN_HEADER,    /* a logged header of a message: name and value */
	IN_MSGID,     /* the message was received (cleanup message-id line, Exim "<=") */
	IN_DONE,      /* the message is done: it left the queue (qmgr "removed", Exim
	                 "Completed") or was refused (ev->fate says which) */
	IN_FATE,      /* what was done with the message, which goes on (ev->fate) */
	IN_RESULT,    /* a local milter's verdict for one method (OpenDMARC, OpenDKIM):
	                 trusted because the operator configured this log as that milter's */
	IN_SPAM,      /* a spam filter's verdict (amavis, rspamd) */
};

/*
 * Flags of an event's fate (input_event.fate_flags):
 *   INPUT_FATE_TEMPORARY  refused for now (a 4xx reply, or a transaction
 *                         that never completed): the sender tries again, so
 *                         this is no message; with FATE_UNKNOWN, a
 *                         transaction canceled for a reason the line does not
 *                         give (Postfix "removed (canceled)")
 *   INPUT_FATE_FILTER     the action a content filter took after the MTA
 *                         accepted the message or before it did, by the
 *                         filter's own words (amavis): messages.c reads it
 *                         for the setup (amavis_content_filter)
 *   INPUT_FATE_QUARANTINED the filter kept a copy in its quarantine
 *   INPUT_FATE_RELEASED   the filter that held the message released it to
 *                         delivery (MailScanner's "Requeue:"): a held fate
 *                         becomes ev->fate (accepted); a refusal stays
 */
#define INPUT_FATE_TEMPORARY 0x1u
#define INPUT_FATE_FILTER 0x2u
#define INPUT_FATE_QUARANTINED 0x4u
#define INPUT_FATE_RELEASED 0x8u

/* A host name longer than this makes the line malformed (DNS allows 253). */
#define INPUT_HOST_MAX 255
/* Longest Message-ID an event carries, angle brackets included (RFC 5322's
 * line limit); spamd's mid= of more is malformed, Postfix's not joined. */
#define INPUT_MSGID_MAX 1000

struct input_span {
	const char *p;
	size_t len;
};

/*
 * Every line of every input fills one of these (input_syslog_parse() copies
 * a zeroed one first), so its size is part of the cost of a line: the
 * fields that few lines use sit in what would be padding, or share a place.
 */
struct input_event {
	int64_t time_ms;
	enum input_kind kind;
	/* IN_SPAM with has_results: the result per method (enum ar_result,
	 * AR_ABSENT where the line has none), see input_event_results(). */
	unsigned char results[AR_METHOD_COUNT];
	struct input_span host;     /* the logging host, as written */
	struct input_span queue_id; /* IN_HEADER, IN_MSGID, IN_DONE */
	struct input_span name;     /* IN_HEADER: header name */
	union {
		/* IN_HEADER: header value, without the logger's trailer */
		struct input_span value;
		/* IN_MSGID: the Message-ID header value the MTA logged (Postfix
		 * cleanup's "message-id="), empty if none; IN_SPAM with an
		 * empty queue ID: the Message-ID the verdict names (spamd's
		 * "mid="), which the collector turns into a queue ID
		 * (collector/msgids.c). Never logged, saved or published. */
		struct input_span message_id;
	};
	int value_truncated;        /* IN_HEADER: the logger cut the header short */
	int value_escaped;          /* IN_HEADER: line breaks written as \\n, \\t (Exim) */
	int value_qq;               /* IN_HEADER: line breaks and tabs written as '?' (Postfix) */
	enum ar_method method;      /* IN_RESULT */
	enum ar_result result;      /* IN_RESULT */
	enum ar_policy dmarc_policy; /* IN_RESULT for DMARC: published policy, or POL_ABSENT */
	enum ar_spam spam;          /* IN_SPAM */
	/* IN_SPAM: a spam filter's line also gives results (rspamd's symbols,
	 * setting rspamd_symbols): results[] above and results_policy (enum
	 * ar_policy, the published DMARC policy). A zeroed event has none. */
	unsigned char has_results, results_policy;
	/* What this line tells of the message's fate (any kind; FATE_UNKNOWN
	 * if nothing), with INPUT_FATE_* flags. */
	enum ar_fate fate;
	unsigned fate_flags;
	/* IN_SPAM: the queue ID under which a content filter gave the message
	 * back to the MTA (amavis's "queued_as:"), or empty. The two queue IDs
	 * are one message: messages.c counts it once. */
	struct input_span alias;
};

/* The results of an IN_SPAM event with has_results, as an outcome. */
void input_event_results(const struct input_event *ev, struct authres_outcome *out);

enum input_status {
	INPUT_OK = 0,
	INPUT_MALFORMED = -1, /* not a line of this format (e.g. no timestamp) */
};

/*
 * A format's line parser. clk turns the line's timestamp into UTC (it keeps
 * the year-inference state of traditional syslog stamps, so one clock per
 * input file). On INPUT_MALFORMED, *why is a short static reason that names
 * no part of the line (it is logged at warning level).
 */
typedef enum input_status (*input_parse_fn)(const char *line, size_t len,
                                            struct input_clock *clk, struct input_event *ev,
                                            const char **why);

/*
 * Syslog files (rsyslog's /var/log/mail.log, or Postfix's own maillog_file):
 * "STAMP HOST TAG[PID]: MESSAGE". The prefix is read once here, then the
 * MESSAGE goes to the parser of the program named by TAG (input_syslog.c
 * holds the table): Postfix, milters, spam filters share one file on most
 * hosts and are joined by the Postfix queue ID.
 */
enum input_status input_syslog_parse(const char *line, size_t len, struct input_clock *clk,
                                     struct input_event *ev, const char **why);

/*
 * A program's part of a syslog line. tag[0..taglen) is the tag without
 * "[PID]" (e.g. "postfix/cleanup", "opendmarc"); msg[0..len) what follows
 * "TAG[PID]: ". ev->time_ms and ev->host are already set, ev->kind is
 * IN_OTHER. Return INPUT_OK for a line that is fine but carries nothing.
 */
typedef enum input_status (*input_prog_fn)(const char *tag, size_t taglen, const char *msg,
                                           size_t len, struct input_event *ev, const char **why);

/* Postfix: cleanup header_checks INFO and message-id lines, the fate lines
 * of cleanup, smtpd and qmgr (input_postfix.c), qmgr "removed". */
enum input_status input_postfix_message(const char *tag, size_t taglen, const char *msg,
                                        size_t len, struct input_event *ev, const char **why);
/* The same for a line known to be smtpd's (the syslog reader's short path
 * for "postfix/smtpd[PID]:"). */
enum input_status input_postfix_smtpd(const char *tag, size_t taglen, const char *msg,
                                      size_t len, struct input_event *ev, const char **why);

/*
 * Length of a Postfix queue ID at p followed by ": ", or 0. Short IDs are
 * upper-case hex, long ones (enable_long_queue_ids) [0-9A-Za-z]; 5..32 bytes.
 */
size_t input_queue_id_len(const char *p, size_t len);

/*
 * A milter's line about one message, "QID: TEXT" (OpenDKIM and OpenDMARC log
 * so): 1 with *qid_len the length of QID at p and *text, *n set to TEXT; 0
 * for a line without a queue ID (start-up and error messages, which count
 * nothing); -1 with *why = cut for a single word, which is a line cut short,
 * likely inside the queue ID.
 */
int input_milter_job(const char *p, size_t len, const char *cut, const char **why,
                     size_t *qid_len, const char **text, size_t *n);

/*
 * Make ev an IN_HEADER of text[0..len) = "NAME: VALUE" as an MTA logs a
 * header (blanks after the colon skipped; value_truncated and
 * value_escaped are the caller's). -1 without a colon or with an empty name.
 */
int input_header_event(struct input_event *ev, const char *text, size_t len);

/* The format of this name ("postfix", ...), or NULL. */
input_parse_fn input_format_find(const char *name);

/*
 * Further formats, one file each. The *_message functions are program
 * parsers for input_syslog.c's table (see input_prog_fn); the *_parse
 * functions are whole-line formats for input.c's table (see input_parse_fn).
 * Formats whose lines have no host column (Exim's main log, rspamd's log
 * file) leave ev->host empty (len 0): the collector substitutes the host name
 * configured for the input, which must equal the host column of the syslog
 * lines the events are joined with.
 */

/* OpenDMARC 1.4: "QID: DOMAIN RESULT" (DMARC, policy absent) and
 * "QID: SPF(mailfrom|helo): DOMAIN RESULT" (SPF) as IN_RESULT. */
enum input_status input_opendmarc_message(const char *tag, size_t taglen, const char *msg,
                                          size_t len, struct input_event *ev, const char **why);

/* OpenDKIM 2.11: "QID: DKIM verification successful" (pass), "QID: bad
 * signature data" (fail), "QID: no signature data" (none) and the LogResults
 * form "QID: signature=... result="..."" (signatures merged) as IN_RESULT. */
enum input_status input_opendkim_message(const char *tag, size_t taglen, const char *msg,
                                         size_t len, struct input_event *ev, const char **why);

/* amavisd-new: "(LOGID) Passed|Blocked CATEGORY ..., Queue-ID: QID, ..." as
 * IN_SPAM (SPAM, SPAMMY: spam; CLEAN, BAD-HEADER: ham; others no verdict). */
enum input_status input_amavis_message(const char *tag, size_t taglen, const char *msg,
                                       size_t len, struct input_event *ev, const char **why);

/* rspamd's scan result "... rspamd_task_write_log: ..., qid: <QID>, ...
 * (default: L (ACTION): ...)" as IN_SPAM: from syslog (tag "rspamd") ... */
enum input_status input_rspamd_message(const char *tag, size_t taglen, const char *msg,
                                       size_t len, struct input_event *ev, const char **why);
/* ... or from its own log file, "STAMP #PID(PROCESS) <TAG>; MODULE; FUNC: TEXT"
 * (format "rspamd"; no host column). */
enum input_status input_rspamd_parse(const char *line, size_t len, struct input_clock *clk,
                                     struct input_event *ev, const char **why);

/*
 * Setting rspamd_symbols: on (1), a result line also gives the SPF, DKIM,
 * DMARC and ARC results its symbols name (has_results; see
 * input_rspamd.c), and a line whose symbol list is cut short or cannot be
 * rspamd's is malformed; off (0, the default), the symbols are not read.
 * Set once at start-up, for the process, like the time zone.
 */
void input_rspamd_set_symbols(int on);

/*
 * Proxmox Mail Gateway (setting pmg_reinjection): pmg-smtp-filter's "LOGID:
 * accept mail to <RCPT> (QID2) (rule: NAME)" and Postfix's lmtp "QID1: ...
 * status=sent (250 2.5.0 OK (LOGID))" as IN_SPAM without a verdict whose
 * alias is the re-injected copy, so that QID1, LOGID and QID2 count once.
 */
enum input_status input_pmg_message(const char *tag, size_t taglen, const char *msg, size_t len,
                                    struct input_event *ev, const char **why);
/* Postfix's lmtp line after "postfix/lmtp[PID]: ". */
enum input_status input_pmg_lmtp(const char *msg, size_t len, struct input_event *ev,
                                 const char **why);
/* Set once at start-up, for the process; whether lmtp lines are read. */
void input_pmg_set_enabled(int on);
int input_pmg_reads_lmtp(void);

/* MailScanner: "Message ID from IP (SENDER) to DOMAINS is spam|not spam..."
 * as IN_SPAM, the queue ID being ID up to its "." (Postfix); "Requeue: ID to
 * QID" (Postfix) as IN_DONE, accepted, INPUT_FATE_RELEASED. */
enum input_status input_mailscanner_message(const char *tag, size_t taglen, const char *msg,
                                            size_t len, struct input_event *ev,
                                            const char **why);

/* SpamAssassin's spamd: "spamd: result: Y|. SCORE - TESTS ...,mid=<ID>,..."
 * as IN_SPAM naming its message by message_id (no queue ID); IN_OTHER
 * unless input_spamd_set_enabled(1) (setting spamd_join). */
enum input_status input_spamd_message(const char *tag, size_t taglen, const char *msg,
                                      size_t len, struct input_event *ev, const char **why);
/* Set once at start-up, for the process. */
void input_spamd_set_enabled(int on);

/* Exim: "MSGID <= ..." (IN_MSGID), "MSGID Completed" (IN_DONE) and the ACL
 * convention "MSGID ar: NAME: VALUE" (IN_HEADER, value_escaped) with old and
 * 4.97+ message IDs as queue IDs; from syslog (tag "exim") ... */
enum input_status input_exim_message(const char *tag, size_t taglen, const char *msg,
                                     size_t len, struct input_event *ev, const char **why);
/* ... or from its main log file, "STAMP [[PID] ]TEXT" (format "exim"; no
 * host column). A line starting with a blank, or empty, continues the entry
 * before it: IN_OTHER at its time (malformed before any entry). */
enum input_status input_exim_parse(const char *line, size_t len, struct input_clock *clk,
                                   struct input_event *ev, const char **why);

/* Longest exim_ar_prefix, in bytes. */
#define INPUT_EXIM_PREFIX_MAX 32

/*
 * The word before "NAME: VALUE" in the logwrite of a header (setting
 * exim_ar_prefix; "ar:" until set). Empty: the text after the message ID
 * is the header itself, and a line whose text is not "NAME: VALUE" is an
 * other line, not a malformed one. Set once at start-up, for the process,
 * like the time zone. Returns 0, or -1 (nothing changed) for a prefix longer
 * than INPUT_EXIM_PREFIX_MAX or with a blank or control character.
 */
int input_exim_set_prefix(const char *prefix);

#endif
