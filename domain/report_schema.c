#include "report_schema.h"

/*
 * The names are literal, not made from ar_result_name() and the like at run
 * time, so that the tables are constants a reader can hand to its CSV parser;
 * unit.report_schema checks that they agree with the vocabulary.
 */
const char *const report_method_columns[REPORT_M_NCOLS] = {
	"month", "scope", "method", "providers", "messages",
	"none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "policy",
	"share_none", "share_pass", "share_fail", "share_softfail", "share_neutral",
	"share_temperror", "share_permerror", "share_policy", "share_non_none",
	"policy_none", "policy_quarantine", "policy_reject",
	"share_policy_none", "share_policy_quarantine", "share_policy_reject",
	"suppressed", "windows_expected", "windows_received", "share_windows_received", "complete",
	"refused", "share_refused", "rejected", "discarded", "held",
	"rejected_none", "rejected_pass", "rejected_fail", "rejected_softfail",
	"rejected_neutral", "rejected_temperror", "rejected_permerror", "rejected_policy",
	"discarded_none", "discarded_pass", "discarded_fail", "discarded_softfail",
	"discarded_neutral", "discarded_temperror", "discarded_permerror", "discarded_policy",
	"held_none", "held_pass", "held_fail", "held_softfail",
	"held_neutral", "held_temperror", "held_permerror", "held_policy",
};

const char *const report_spam_columns[REPORT_S_NCOLS] = {
	"month", "scope", "providers", "messages", "spam", "share_spam", "daily_messages",
	"daily_spam", "suppressed", "windows_expected", "windows_received",
	"share_windows_received", "complete", "declared_providers", "accounts", "filter_users",
	"declarations",
};

const char *const report_coverage_columns[REPORT_C_NCOLS] = {
	"month", "carrier", "collector", "kind", "start", "end", "window_seconds",
	"windows_expected", "windows_received", "windows_missing", "share_windows_received",
	"conflicts",
};
