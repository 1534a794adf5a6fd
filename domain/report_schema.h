/*
 * report_schema - the columns of the aggregator's tidy report CSVs: their
 * names and order, and what each holds. It is the contract between the
 * writer (aggregator/report_tidy.c writes every column, in this order) and
 * the readers (plot/report_csv.c and plot/spam_csv.c find the columns they
 * want by these names, in any order). What each figure means is at the top
 * of aggregator/report.c.
 *
 * Types of the fields, as the aggregator writes them:
 *   month   "YYYY-MM"
 *   text    any text without control characters (a carrier id, "all")
 *   kind    a coverage row's kind (aggregator/coverage.h)
 *   count   a non-negative decimal integer
 *   share   a percentage with two decimals ("93.67"); empty when what it is
 *           a share of is 0
 *   flag    "yes" or "no"
 *   completeness  "yes", "no" or "no data" (aggregator/report.c, complete)
 *   time    an RFC 3339 instant in UTC
 * A row whose figures are withheld (suppressed "yes") has every count and
 * share between providers and suppressed empty.
 */
#ifndef ARSTAT_REPORT_SCHEMA_H
#define ARSTAT_REPORT_SCHEMA_H

#include "result.h"

/* The results with columns: every one but AR_ABSENT, in enum order. */
#define REPORT_NRESULTS AR_ABSENT
/* The published DMARC policies with columns: POL_NONE .. POL_REJECT. */
#define REPORT_NPOLICIES (POL_COUNT - POL_NONE)
/* The fates of messages refused, with columns: FATE_REJECTED .. FATE_HELD. */
#define REPORT_NREFUSED (FATE_COUNT - FATE_REJECTED)

/* The method CSV: one row per month, scope and method. */
enum report_method_col {
	REPORT_M_MONTH,     /* month */
	REPORT_M_SCOPE,     /* text: "all" or a carrier */
	REPORT_M_METHOD,    /* ar_method_name(): spf, dkim, dmarc, arc */
	REPORT_M_PROVIDERS, /* count */
	REPORT_M_MESSAGES,  /* count */
	/* count: "none" .. "policy", column REPORT_M_COUNT0 + r for result r */
	REPORT_M_COUNT0,
	/* share: "share_none" .. "share_policy" */
	REPORT_M_SHARE0 = REPORT_M_COUNT0 + REPORT_NRESULTS,
	REPORT_M_SHARE_NON_NONE = REPORT_M_SHARE0 + REPORT_NRESULTS, /* share */
	/* count: "policy_none" .. "policy_reject", column REPORT_M_POLICY0 + p - POL_NONE;
	 * empty in rows of methods other than DMARC */
	REPORT_M_POLICY0,
	/* share: "share_policy_none" .. "share_policy_reject", likewise */
	REPORT_M_SHARE_POLICY0 = REPORT_M_POLICY0 + REPORT_NPOLICIES,
	REPORT_M_SUPPRESSED = REPORT_M_SHARE_POLICY0 + REPORT_NPOLICIES, /* flag */
	REPORT_M_WINDOWS_EXPECTED,       /* count */
	REPORT_M_WINDOWS_RECEIVED,       /* count */
	REPORT_M_SHARE_WINDOWS_RECEIVED, /* share */
	REPORT_M_COMPLETE,               /* completeness */
	/* Added with record schema v2's fates, after the columns above, which
	 * keep their places. The figures above are of the messages accepted or
	 * of fate unknown; these are of the messages the receiver refused,
	 * with a result for the method (empty when the row is withheld): */
	REPORT_M_REFUSED,       /* count: rejected + discarded + held */
	REPORT_M_SHARE_REFUSED, /* share: refused / (messages + refused) */
	/* count: "rejected", "discarded", "held", column REPORT_M_FATE0 + f -
	 * FATE_REJECTED for fate f */
	REPORT_M_FATE0,
	/* count: "rejected_none" .. "rejected_policy", then "discarded_none"
	 * .., then "held_none" ..: column REPORT_M_FATE_COUNT0 + (f -
	 * FATE_REJECTED) * REPORT_NRESULTS + r for fate f and result r */
	REPORT_M_FATE_COUNT0 = REPORT_M_FATE0 + REPORT_NREFUSED,
	REPORT_M_NCOLS = REPORT_M_FATE_COUNT0 + REPORT_NREFUSED * REPORT_NRESULTS
};

/* The spam CSV: one row per month and scope. */
enum report_spam_col {
	REPORT_S_MONTH,          /* month */
	REPORT_S_SCOPE,          /* text */
	REPORT_S_PROVIDERS,      /* count */
	REPORT_S_MESSAGES,       /* count */
	REPORT_S_SPAM,           /* count */
	REPORT_S_SHARE_SPAM,     /* share, of the messages with a verdict */
	REPORT_S_DAILY_MESSAGES, /* count */
	REPORT_S_DAILY_SPAM,     /* count */
	REPORT_S_SUPPRESSED,             /* flag */
	REPORT_S_WINDOWS_EXPECTED,       /* count */
	REPORT_S_WINDOWS_RECEIVED,       /* count */
	REPORT_S_SHARE_WINDOWS_RECEIVED, /* share */
	REPORT_S_COMPLETE,               /* completeness */
	/* What carriers declared (aggregator/declare.h), the latest declaration
	 * of each carrier for the month: */
	REPORT_S_DECLARED_PROVIDERS, /* count: carriers that declared */
	/* count: their mailbox accounts and accounts using a spam filter,
	 * summed; empty if none declared or withheld (0 < declared_providers
	 * < min_providers in a published report: the rule of every combined
	 * figure, applied to the declaring providers) */
	REPORT_S_ACCOUNTS,
	REPORT_S_FILTER_USERS,
	/* text: the store's ids of the declarations used, ascending, separated
	 * by blanks ("2 5"); empty if none */
	REPORT_S_DECLARATIONS,
	REPORT_S_NCOLS
};

/* The coverage CSV: per month, the rows of each carrier (aggregator/coverage.h). */
enum report_coverage_col {
	REPORT_C_MONTH,          /* month */
	REPORT_C_CARRIER,        /* text; empty in a "pending" row of no carrier */
	REPORT_C_COLLECTOR,      /* text; may be empty */
	REPORT_C_KIND,           /* kind */
	REPORT_C_START,          /* time */
	REPORT_C_END,            /* time */
	REPORT_C_WINDOW_SECONDS, /* count */
	REPORT_C_WINDOWS_EXPECTED,       /* count */
	REPORT_C_WINDOWS_RECEIVED,       /* count */
	REPORT_C_WINDOWS_MISSING,        /* count */
	REPORT_C_SHARE_WINDOWS_RECEIVED, /* share */
	/* count: in a "collector" row, the records refused because their
	 * identity was stored with other content, for that collector's windows
	 * starting in the month (aggregator/store.h, conflicts); empty in
	 * other rows */
	REPORT_C_CONFLICTS,
	REPORT_C_NCOLS
};

/* The header names, indexed by the enums above; lowercase, as written. */
extern const char *const report_method_columns[REPORT_M_NCOLS];
extern const char *const report_spam_columns[REPORT_S_NCOLS];
extern const char *const report_coverage_columns[REPORT_C_NCOLS];

#endif
