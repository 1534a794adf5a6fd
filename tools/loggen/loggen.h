/*
 * loggen - a deterministic generator of Postfix mail logs with ground truth.
 *
 * For every carrier and host it writes OUT/<carrier>/<host>/maillog: the
 * lines Postfix 3.7 (smtpd, cleanup with header_checks INFO, qmgr, local or
 * smtp) writes through Debian 12's rsyslog with RFC 3339 microsecond
 * timestamps in a fixed UTC offset. Alongside it writes OUT/truth.csv, the
 * exact counts a correct collector must find, and OUT/truth-lines.csv.
 *
 * What counts, and when:
 *   - A message is one queue ID that ends with "QUEUEID: removed". Rejected
 *     sessions (NOQUEUE) and injected garbage lines are not messages.
 *   - Its EVENT TIME is the timestamp of its first cleanup "info: header"
 *     line (Authentication-Results or X-Spam-Flag), or of its cleanup
 *     "message-id=" line when it has no such line. The event time decides
 *     the month (cut in the --tz-offset) and, for the collector, the window.
 *     Around every month boundary inside the run each host carries three
 *     messages placed on purpose across it: one whose message-id line is
 *     before the boundary and whose first header line is after it, one
 *     whose first header line is before and whose "removed" line is after
 *     it, and one whose first header line (a forged or X-Spam-Flag one) is
 *     before and whose trusted header line is after it.
 *   - Only the Authentication-Results header whose authserv-id is exactly
 *     mx.<carrier>.example.jp counts; a forged one (another authserv-id,
 *     logged before the trusted one) is ignored. A method that the trusted
 *     header does not name, or a message without a trusted header, counts
 *     as "absent"; "hardfail" counts as fail; case does not matter.
 *   - The DMARC published policy is the p= of the dmarc result's comment,
 *     "absent" when there is none. A message is spam if it has the header
 *     "X-Spam-Flag: YES", ham otherwise.
 *
 * Everything follows from the options and the seed: each host draws from its
 * own xoshiro256** stream seeded from (seed, carrier, host), so the same
 * options give byte-identical files.
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
	char *profile;             /* result distribution, see loggen_profile_names() */
	int64_t malformed_per_day; /* garbage lines per host and day */
	int overlong;              /* one 70000-byte line per file */
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
	uint64_t bytes;     /* of the maillog files */
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

/* Parse "YYYY-MM" (year 1970..9999). 0, or -1 if malformed. */
int loggen_parse_month(const char *s, int64_t *year, unsigned *month);
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
