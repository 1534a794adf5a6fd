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
