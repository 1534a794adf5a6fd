/*
 * report - the monthly report: which instants a month covers in a time zone,
 * the totals of each month per scope (all carriers, each carrier), their
 * coverage, and the suppression rule. The files are written by
 * report_tidy.c (the tidy CSVs and the coverage CSV, with the columns of
 * domain/report_schema.h) and report_ministry.c (the ministry's layout); the
 * definitions of every figure are at the top of report.c.
 */
#ifndef ARSTAT_AGGREGATOR_REPORT_H
#define ARSTAT_AGGREGATOR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "coverage.h"
#include "csvout.h"
#include "record.h"
#include "store.h"
#include "strbuf.h"
#include "timeutil.h"

/* Years a report may name; the lower bound keeps every instant after 1970. */
#define REPORT_YEAR_MIN 1971
#define REPORT_YEAR_MAX TIME_YEAR_MAX
/* No total in a report may pass this, so that count * 20000 + total (the
 * rounding of a share, count <= total) fits in int64. It is about a thousand
 * times the world's monthly mail; a store that sums beyond it is refused,
 * not rounded. */
#define REPORT_TOTAL_MAX (INT64_MAX / 20001)
/* "YYYY-MM" and its NUL. */
#define REPORT_MONTH_LEN 8
/* --from/--to span at most this many months (twenty years). */
#define REPORT_MONTHS_MAX 240

struct report_month {
	int year, month;              /* month 1..12 */
	char text[REPORT_MONTH_LEN];  /* "YYYY-MM", as printed in the month column */
	int64_t start_ms, end_ms;     /* [first instant of the month, of the next) in UTC */
	int days;                     /* calendar days, for the daily averages */
};

/*
 * Fill m for the month s ("YYYY-MM", year in [REPORT_YEAR_MIN,
 * REPORT_YEAR_MAX]) cut in time zone tz (an IANA name such as "Asia/Tokyo",
 * or "UTC"). The month starts at the first instant whose local date is its
 * first day, also where midnight does not exist or occurs twice. Uses and
 * restores the TZ environment variable, so it is not thread-safe. 0, or -1
 * with the reason in err (malformed month, unknown zone).
 */
int report_month_init(struct report_month *m, const char *s, const char *tz,
                      struct strbuf *err);
/*
 * The months from "YYYY-MM" to "YYYY-MM" inclusive, at most
 * REPORT_MONTHS_MAX, into a new array (*out, *n; the caller frees it).
 * 0, or -1 with err (malformed, reversed or too long a range).
 */
int report_month_range(const char *from, const char *to, const char *tz,
                       struct report_month **out, size_t *n, struct strbuf *err);

/*
 * count/total as a percentage with two decimals, rounded half up, computed
 * in integers: returns the percentage times 100 (e.g. 9367 for 93.665 %).
 * Requires 0 <= count <= total, 0 < total <= REPORT_TOTAL_MAX.
 */
int64_t report_share_x100(int64_t count, int64_t total);
/* Format that share as "93.67" into buf (at least 8 bytes); an empty string
 * if total is 0 or the share cannot be computed (the arguments outside
 * report_share_x100's range, which only a damaged store gives). */
void report_format_share(int64_t count, int64_t total, char *buf, size_t size);
/* a/b rounded half up, for 0 <= a <= REPORT_TOTAL_MAX, 0 < b <= REPORT_TOTAL_MAX. */
int64_t report_div_half_up(int64_t a, int64_t b);

/* Is a message of fate f in the population of the shares (accepted, or
 * its fate unknown), or refused (rejected, discarded, held)? */
static inline int report_fate_counted(enum ar_fate f)
{
	return f == FATE_UNKNOWN || f == FATE_ACCEPTED;
}

/* What one scope adds up to in one month. */
struct report_totals {
	/* The population of every share: messages accepted or of fate
	 * unknown. */
	int64_t results[AR_METHOD_COUNT][AR_RESULT_COUNT];
	/* Messages with a DMARC result (not absent), by published policy. */
	int64_t dmarc_policy[POL_COUNT];
	int64_t spam[SPAM_COUNT];
	int64_t messages;
	/* Each fate's messages alone (the refused ones are in none of the
	 * figures above), by method and result, and in all. */
	int64_t fate_results[FATE_COUNT][AR_METHOD_COUNT][AR_RESULT_COUNT];
	int64_t fate_messages[FATE_COUNT];
	/* Carriers with messages for the method, and with any message; for a
	 * carrier's own scope 0 or 1. Set by report_load / report_finish. */
	int64_t method_providers[AR_METHOD_COUNT];
	int64_t providers;
	/* Coverage: windows expected and received, windows missing in gaps, and
	 * whether some carrier's data ends before the month does. */
	int64_t windows_expected, windows_received;
	int pending;
	/* The store's totals for the scope cannot be used: they overflow, do
	 * not add up, or pass REPORT_TOTAL_MAX (a store written before the
	 * limits of intake.h, or damaged). Its counts and shares are written
	 * empty and it is not complete; the other scopes are reported as ever.
	 * The figures above then hold only what could be added (nothing, for
	 * a carrier), and for a carrier damaged_methods (bit m) and
	 * damaged_any say whether its totals had messages, for the providers. */
	int damaged;
	unsigned damaged_methods;
	int damaged_any;
	/* What carriers declared for the month (declare.h): mailbox accounts
	 * and accounts using a spam filter, summed over the carriers that
	 * declared them (declared_providers; 0 or 1 for a carrier's own scope),
	 * each carrier's latest declaration. */
	int64_t accounts, filter_users, declared_providers;
};

/* A declaration a month's figures came from: a carrier's latest. */
struct report_declaration {
	char *carrier;
	int64_t id, declared_ms;
	char *file;
	char sha256[65];
};

struct report_scope {
	char *carrier; /* NULL for "all" */
	struct report_totals t;
};

struct report_period {
	struct report_month month;
	struct report_scope all;
	struct report_scope *carriers; /* sorted by strcmp of carrier */
	size_t ncarriers, alloc;
	struct coverage_month coverage;
	int data_to_end; /* the store's horizon is at or after the month's end */
	/* The declarations used, one per declaring carrier, by carrier. */
	struct report_declaration *declarations;
	size_t ndeclarations;
};

struct report_options {
	int by_carrier;        /* rows per carrier (not for publication) */
	int64_t min_providers; /* suppression threshold for combined figures */
	const char *time_zone; /* for the notes; not copied */
};

struct report {
	struct report_options opt;
	struct report_period *periods;
	size_t nperiods;
	struct coverage *coverage; /* the periods' coverage rows point into it */
};

/* An empty report with these options. Never returns NULL. */
struct report *report_new(const struct report_options *opt);
/* report_free(NULL) is a no-op. */
void report_free(struct report *r);

/* Add a month (a column of the ministry layout, a block of tidy rows). */
struct report_period *report_add_period(struct report *r, const struct report_month *m);

/*
 * Add messages of one combination of one carrier to a month. 0, or -1 with
 * err if messages is negative, a value is out of range, or a total would
 * pass REPORT_TOTAL_MAX. Carriers may come in any order.
 */
int report_add_cell(struct report_period *p, const char *carrier, const struct record_cell *cell,
                    struct strbuf *err);
/* Add a carrier's totals for the month (as the store sums them). Totals
 * that overflowed, do not add up or would take a total past
 * REPORT_TOTAL_MAX mark the carrier's scope and "all" damaged (see
 * struct report_totals) with a warning instead. 0, or -1 with err (not
 * today: kept for callers that stop on it). */
int report_add_totals(struct report_period *p, const char *carrier, const struct store_totals *t,
                      struct strbuf *err);
/* Add the month's coverage (computed from c, which must outlive the report)
 * to its scopes. */
void report_add_coverage(struct report_period *p, const struct coverage *c);
/* Add a carrier's declared accounts and filter users for the month, from
 * declaration d (copied). Called once per carrier and month. */
void report_add_declared(struct report_period *p, const struct store_declaration *d);
/* The declaration carrier's figures of month p came from, or NULL. */
const struct report_declaration *report_declaration_of(const struct report_period *p,
                                                       const char *carrier);
/* Count the providers of every scope; call once every cell is in. */
void report_finish(struct report *r);

/*
 * Load every month of r from the store: counts, declared accounts, and coverage (with the
 * collectors named in retired marked so), of the carriers of reg only (the
 * data of any other is left out, with a warning per carrier; reg NULL: every
 * carrier of the store, for tests and tools without settings), then
 * report_finish. 0 or -1 with err.
 */
struct carriers;
int report_load(struct report *r, struct store *st, const struct carriers *reg,
                char *const *retired, size_t nretired, struct strbuf *err);

/* Is a combined figure over this many providers withheld? Only in the
 * published form (without by_carrier), and only for 0 < providers < min. */
int report_suppressed(const struct report *r, int64_t providers);
/* What a scope's month holds: every window expected (see coverage.h), some
 * missing, or no data at all (no window expected, no message: a month before
 * the first collector reported or after the last stopped, or of an empty
 * store), which is never complete. */
enum report_completeness { REPORT_INCOMPLETE, REPORT_COMPLETE, REPORT_NO_DATA };
enum report_completeness report_completeness(const struct report_period *p,
                                             const struct report_totals *t);
/* Its value in the tidy CSVs' complete column: "no", "yes", "no data". */
const char *report_completeness_name(enum report_completeness c);
/* Is the scope's month complete (REPORT_COMPLETE)? */
int report_complete(const struct report_period *p, const struct report_totals *t);
/*
 * Is month p complete, the question a publication asks before it goes out
 * (scope "all", report_complete's rule, which coverage.h defines)? 1; or 0
 * with what is missing appended to missing, one line each: no data at all
 * in the month (then the only line), a carrier whose
 * data ends inside the month, a collector's gap or silence (its windows
 * missing, from and to, UTC), the store's data ending before the month
 * does. At most REPORT_MISSING_LINES lines; the rest are counted in a last
 * line that points at the coverage CSV. missing's cap may cut the text.
 */
#define REPORT_MISSING_LINES 20
int report_period_missing(const struct report_period *p, struct strbuf *missing);
/* Messages with a result for method m (every result but "absent"). */
int64_t report_method_messages(const struct report_totals *t, int m);
/* Messages of fate f with a result for method m. */
int64_t report_fate_method_messages(const struct report_totals *t, enum ar_fate f, int m);
/* Messages refused (rejected, discarded or held) with a result for method m. */
int64_t report_refused_method_messages(const struct report_totals *t, int m);

/* ---- writers (report_tidy.c) ---- */

/* The method CSV: per month, scope "all" then each carrier if by_carrier,
 * each with spf, dkim, dmarc, arc. */
void report_write_methods(const struct report *r, struct csvout *o);
/* The spam CSV, same months and scopes. */
void report_write_spam(const struct report *r, struct csvout *o);
/* The coverage CSV: per month, the rows of each carrier (see coverage.h). */
void report_write_coverage(const struct report *r, struct csvout *o);

/* ---- the ministry's layout (report_ministry.c) ---- */

enum report_lang { REPORT_LANG_EN, REPORT_LANG_JA };

/* Parse "en" or "ja". 0 or -1. */
int report_lang_parse(const char *s, enum report_lang *out);
/* Months as columns, methods and the spam table as rows; scope "all" only. */
void report_write_ministry(const struct report *r, enum report_lang lang, struct csvout *o);

#endif
