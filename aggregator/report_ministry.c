/*
 * report_ministry - the layout the ministry publishes: one column per month,
 * one row per figure, scope "all" only.
 *
 *   Item | 2026-09 | 2026-10 ...
 *   SPF                                     a section heading
 *   Data providers | 3 | 3                  carriers with SPF results
 *   (1) None | 0.52% | ...                  share of each result, in the
 *   ...                                     ministry's order for the method
 *   DKIM, DMARC                             likewise
 *   Spam
 *   Data providers, total and spam mail as daily averages in units of
 *   10,000 messages (two decimals, rounded half up), spam share
 *   Data providers (accounts, filter users), Mailbox accounts, Accounts
 *   using a spam filter: what carriers declared (declare.h), in units of
 *   10,000 accounts, summed over the carriers that declared
 *   Windows received, Complete              the coverage of the month
 *   Refused by the receiver                 a section heading; for each
 *   SPF refused share | 0.80% | ...         method the share refused of the
 *   SPF ④ HardFail: rejected | 120 | ...    messages with a result, and the
 *   ...                                     messages rejected, discarded and
 *                                           held by result (a row only when
 *                                           some month has such messages)
 *   notes
 *
 * A share is of the messages with a result for the method, as in the tidy
 * CSV: of those the receiver accepted or whose fate is unknown; the refused
 * section comes after the rows of the layout before fates, which keep their
 * places. "x" marks a figure withheld for having fewer than min_providers
 * providers, "-" one without data. Results the ministry's set for a method
 * does not list (e.g. "policy" for SPF) are summed in an "Other" row, shown
 * only when some month has such messages, so that no count is hidden.
 */
#include "report.h"

#include <string.h>

/* The results of each method in the ministry's order, with their labels;
 * the same in both languages (they are the RFC 8601 result names). */
struct ministry_result {
	enum ar_result result;
	const char *label;
};

static const struct ministry_result ministry_spf[] = {
	{ AR_NONE, "\xE2\x91\xA0 None" },          /* U+2460 CIRCLED DIGIT ONE */
	{ AR_NEUTRAL, "\xE2\x91\xA1 Neutral" },
	{ AR_PASS, "\xE2\x91\xA2 Pass" },
	{ AR_FAIL, "\xE2\x91\xA3 HardFail" },
	{ AR_SOFTFAIL, "\xE2\x91\xA4 SoftFail" },
	{ AR_TEMPERROR, "\xE2\x91\xA5 TempError" },
	{ AR_PERMERROR, "\xE2\x91\xA6 PermError" },
};

static const struct ministry_result ministry_dkim[] = {
	{ AR_NONE, "\xE2\x91\xA0 None" },
	{ AR_NEUTRAL, "\xE2\x91\xA1 Neutral" },
	{ AR_PASS, "\xE2\x91\xA2 Pass" },
	{ AR_FAIL, "\xE2\x91\xA3 Fail" },
	{ AR_POLICY, "\xE2\x91\xA4 Policy" },
	{ AR_TEMPERROR, "\xE2\x91\xA5 TempError" },
	{ AR_PERMERROR, "\xE2\x91\xA6 PermError" },
};

static const struct ministry_result ministry_dmarc[] = {
	{ AR_NONE, "\xE2\x91\xA0 None" },
	{ AR_PASS, "\xE2\x91\xA1 Pass" },
	{ AR_FAIL, "\xE2\x91\xA2 Fail" },
	{ AR_TEMPERROR, "\xE2\x91\xA3 TempError" },
	{ AR_PERMERROR, "\xE2\x91\xA4 PermError" },
};

struct ministry_method {
	enum ar_method method;
	const char *heading;
	const struct ministry_result *results;
	size_t nresults;
};

#define MINISTRY_N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ministry_method ministry_methods[] = {
	{ AR_SPF, "SPF", ministry_spf, MINISTRY_N(ministry_spf) },
	{ AR_DKIM, "DKIM", ministry_dkim, MINISTRY_N(ministry_dkim) },
	{ AR_DMARC, "DMARC", ministry_dmarc, MINISTRY_N(ministry_dmarc) },
};

enum ministry_text {
	MT_ITEM,
	MT_PROVIDERS,
	MT_OTHER,
	MT_SPAM,
	MT_TOTAL_MAIL,
	MT_SPAM_MAIL,
	MT_SPAM_SHARE,
	MT_DECLARED_PROVIDERS,
	MT_ACCOUNTS,
	MT_FILTER_USERS,
	MT_WINDOWS,
	MT_COMPLETE,
	MT_YES,
	MT_NO,
	MT_NO_DATA,
	MT_NOTES,
	MT_NOTE_WITHHELD,      /* followed by the minimum and ... */
	MT_NOTE_WITHHELD_END,  /* ... this */
	MT_NOTE_NO_DATA,
	MT_NOTE_SHARES,
	MT_NOTE_MONTHS,        /* followed by the zone and ... */
	MT_NOTE_MONTHS_END,    /* ... this */
	MT_NOTE_COVERAGE,
	MT_REFUSED,
	MT_REFUSED_SHARE,
	MT_REJECTED, /* in the order of the fates, FATE_REJECTED .. FATE_HELD */
	MT_DISCARDED,
	MT_HELD,
	MT_NOTE_REFUSED,
	MT_COUNT
};

/* UTF-8; every character also exists in CP932 (no wave dash, no minus sign
 * whose mapping differs between Shift_JIS variants). */
static const char *const ministry_texts[][MT_COUNT] = {
	[REPORT_LANG_EN] = {
		[MT_ITEM] = "Item",
		[MT_PROVIDERS] = "Data providers",
		[MT_OTHER] = "Other",
		[MT_SPAM] = "Spam",
		[MT_TOTAL_MAIL] = "Total mail (10,000 messages/day)",
		[MT_SPAM_MAIL] = "Spam mail (10,000 messages/day)",
		[MT_SPAM_SHARE] = "Spam share",
		[MT_DECLARED_PROVIDERS] = "Data providers (accounts, filter users)",
		[MT_ACCOUNTS] = "Mailbox accounts (10,000 accounts)",
		[MT_FILTER_USERS] = "Accounts using a spam filter (10,000 accounts)",
		[MT_WINDOWS] = "Collection windows received",
		[MT_COMPLETE] = "Complete",
		[MT_YES] = "yes",
		[MT_NO] = "no",
		[MT_NO_DATA] = "no data",
		[MT_NOTES] = "Notes",
		[MT_NOTE_WITHHELD] = "x: withheld, fewer than ",
		[MT_NOTE_WITHHELD_END] = " data providers",
		[MT_NOTE_NO_DATA] = "-: no data",
		[MT_NOTE_SHARES] = "Shares are of the messages with a result for the method, rounded "
		                   "half up to two decimals; they need not add up to 100.00%.",
		[MT_NOTE_MONTHS] = "Months begin at midnight, ",
		[MT_NOTE_MONTHS_END] = " time.",
		[MT_NOTE_COVERAGE] = "A month marked incomplete lacks data; see the coverage report.",
		[MT_REFUSED] = "Refused by the receiver (messages in the month, not in the shares "
		               "above)",
		[MT_REFUSED_SHARE] = "refused share",
		[MT_REJECTED] = "rejected",
		[MT_DISCARDED] = "discarded",
		[MT_HELD] = "held",
		[MT_NOTE_REFUSED] = "Shares are of the messages the receiver accepted or whose fate "
		                    "the log does not tell; messages it rejected, discarded or held "
		                    "are counted apart.",
	},
	[REPORT_LANG_JA] = {
		[MT_ITEM] = "\xE9\xA0\x85\xE7\x9B\xAE", /* 項目 */
		/* データ提供者数 */
		[MT_PROVIDERS] = "\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE6\x8F\x90\xE4\xBE\x9B"
		                 "\xE8\x80\x85\xE6\x95\xB0",
		[MT_OTHER] = "\xE3\x81\x9D\xE3\x81\xAE\xE4\xBB\x96", /* その他 */
		[MT_SPAM] = "\xE8\xBF\xB7\xE6\x83\x91\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB", /* 迷惑メール */
		/* 総メール数（万通/日） */
		[MT_TOTAL_MAIL] = "\xE7\xB7\x8F\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB\xE6\x95\xB0"
		                  "\xEF\xBC\x88\xE4\xB8\x87\xE9\x80\x9A/\xE6\x97\xA5\xEF\xBC\x89",
		/* 迷惑メール数（万通/日） */
		[MT_SPAM_MAIL] = "\xE8\xBF\xB7\xE6\x83\x91\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB"
		                 "\xE6\x95\xB0\xEF\xBC\x88\xE4\xB8\x87\xE9\x80\x9A/\xE6\x97\xA5"
		                 "\xEF\xBC\x89",
		/* 迷惑メール率 */
		[MT_SPAM_SHARE] = "\xE8\xBF\xB7\xE6\x83\x91\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB"
		                  "\xE7\x8E\x87",
		/* データ提供者数（アカウント数・フィルタ利用者数） */
		[MT_DECLARED_PROVIDERS] = "\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE6\x8F\x90"
		                          "\xE4\xBE\x9B\xE8\x80\x85\xE6\x95\xB0\xEF\xBC\x88"
		                          "\xE3\x82\xA2\xE3\x82\xAB\xE3\x82\xA6\xE3\x83\xB3"
		                          "\xE3\x83\x88\xE6\x95\xB0\xE3\x83\xBB\xE3\x83\x95"
		                          "\xE3\x82\xA3\xE3\x83\xAB\xE3\x82\xBF\xE5\x88\xA9"
		                          "\xE7\x94\xA8\xE8\x80\x85\xE6\x95\xB0\xEF\xBC\x89",
		/* アカウント数（万アカウント） */
		[MT_ACCOUNTS] = "\xE3\x82\xA2\xE3\x82\xAB\xE3\x82\xA6\xE3\x83\xB3\xE3\x83"
		                "\x88\xE6\x95\xB0\xEF\xBC\x88\xE4\xB8\x87\xE3\x82\xA2\xE3"
		                "\x82\xAB\xE3\x82\xA6\xE3\x83\xB3\xE3\x83\x88\xEF\xBC\x89",
		/* フィルタ利用者数（万アカウント） */
		[MT_FILTER_USERS] = "\xE3\x83\x95\xE3\x82\xA3\xE3\x83\xAB\xE3\x82\xBF\xE5"
		                    "\x88\xA9\xE7\x94\xA8\xE8\x80\x85\xE6\x95\xB0\xEF\xBC"
		                    "\x88\xE4\xB8\x87\xE3\x82\xA2\xE3\x82\xAB\xE3\x82\xA6"
		                    "\xE3\x83\xB3\xE3\x83\x88\xEF\xBC\x89",
		/* 集計単位の受信率 */
		[MT_WINDOWS] = "\xE9\x9B\x86\xE8\xA8\x88\xE5\x8D\x98\xE4\xBD\x8D\xE3\x81\xAE"
		               "\xE5\x8F\x97\xE4\xBF\xA1\xE7\x8E\x87",
		/* データの完全性 */
		[MT_COMPLETE] = "\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE3\x81\xAE\xE5\xAE\x8C"
		                "\xE5\x85\xA8\xE6\x80\xA7",
		[MT_YES] = "\xE5\xAE\x8C\xE5\x85\xA8", /* 完全 */
		[MT_NO] = "\xE6\xAC\xA0\xE6\x90\x8D\xE3\x81\x82\xE3\x82\x8A", /* 欠損あり */
		/* データなし */
		[MT_NO_DATA] = "\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE3\x81\xAA\xE3\x81\x97",
		[MT_NOTES] = "\xE6\xB3\xA8", /* 注 */
		/* x: データ提供者数が N 未満のため非公表 */
		[MT_NOTE_WITHHELD] = "x: \xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE6\x8F\x90\xE4\xBE"
		                     "\x9B\xE8\x80\x85\xE6\x95\xB0\xE3\x81\x8C",
		[MT_NOTE_WITHHELD_END] = "\xE6\x9C\xAA\xE6\xBA\x80\xE3\x81\xAE\xE3\x81\x9F\xE3\x82"
		                         "\x81\xE9\x9D\x9E\xE5\x85\xAC\xE8\xA1\xA8",
		/* -: データなし */
		[MT_NOTE_NO_DATA] = "-: \xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF\xE3\x81\xAA\xE3\x81\x97",
		/* 割合は各認証方式の結果があるメールに占める割合で、小数第3位を四捨五入
		 * しているため、合計が100.00%にならない場合がある。 */
		[MT_NOTE_SHARES] = "\xE5\x89\xB2\xE5\x90\x88\xE3\x81\xAF\xE5\x90\x84\xE8\xAA\x8D"
		                   "\xE8\xA8\xBC\xE6\x96\xB9\xE5\xBC\x8F\xE3\x81\xAE\xE7\xB5\x90"
		                   "\xE6\x9E\x9C\xE3\x81\x8C\xE3\x81\x82\xE3\x82\x8B\xE3\x83\xA1"
		                   "\xE3\x83\xBC\xE3\x83\xAB\xE3\x81\xAB\xE5\x8D\xA0\xE3\x82\x81"
		                   "\xE3\x82\x8B\xE5\x89\xB2\xE5\x90\x88\xE3\x81\xA7\xE3\x80\x81"
		                   "\xE5\xB0\x8F\xE6\x95\xB0\xE7\xAC\xAC""3\xE4\xBD\x8D\xE3\x82\x92"
		                   "\xE5\x9B\x9B\xE6\x8D\xA8\xE4\xBA\x94\xE5\x85\xA5\xE3\x81\x97"
		                   "\xE3\x81\xA6\xE3\x81\x84\xE3\x82\x8B\xE3\x81\x9F\xE3\x82\x81"
		                   "\xE3\x80\x81\xE5\x90\x88\xE8\xA8\x88\xE3\x81\x8C""100.00%"
		                   "\xE3\x81\xAB\xE3\x81\xAA\xE3\x82\x89\xE3\x81\xAA\xE3\x81\x84"
		                   "\xE5\xA0\xB4\xE5\x90\x88\xE3\x81\x8C\xE3\x81\x82\xE3\x82\x8B"
		                   "\xE3\x80\x82",
		/* 月の区切りは ZONE 時間の午前0時。 */
		[MT_NOTE_MONTHS] = "\xE6\x9C\x88\xE3\x81\xAE\xE5\x8C\xBA\xE5\x88\x87\xE3\x82\x8A"
		                   "\xE3\x81\xAF",
		[MT_NOTE_MONTHS_END] = "\xE6\x99\x82\xE9\x96\x93\xE3\x81\xAE\xE5\x8D\x88\xE5\x89"
		                       "\x8D""0\xE6\x99\x82\xE3\x80\x82",
		/* 欠損ありの月はデータが欠けている（収集状況の報告を参照）。 */
		[MT_NOTE_COVERAGE] = "\xE6\xAC\xA0\xE6\x90\x8D\xE3\x81\x82\xE3\x82\x8A\xE3\x81\xAE"
		                     "\xE6\x9C\x88\xE3\x81\xAF\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF"
		                     "\xE3\x81\x8C\xE6\xAC\xA0\xE3\x81\x91\xE3\x81\xA6\xE3\x81\x84"
		                     "\xE3\x82\x8B\xEF\xBC\x88\xE5\x8F\x8E\xE9\x9B\x86\xE7\x8A\xB6"
		                     "\xE6\xB3\x81\xE3\x81\xAE\xE5\xA0\xB1\xE5\x91\x8A\xE3\x82\x92"
		                     "\xE5\x8F\x82\xE7\x85\xA7\xEF\xBC\x89\xE3\x80\x82",
		/* 受信側で拒否・破棄・保留されたメール（月間通数、上記の割合には含まない） */
		[MT_REFUSED] = "\xE5\x8F\x97\xE4\xBF\xA1\xE5\x81\xB4\xE3\x81\xA7\xE6\x8B\x92\xE5"
		               "\x90\xA6\xE3\x83\xBB\xE7\xA0\xB4\xE6\xA3\x84\xE3\x83\xBB\xE4\xBF"
		               "\x9D\xE7\x95\x99\xE3\x81\x95\xE3\x82\x8C\xE3\x81\x9F\xE3\x83\xA1"
		               "\xE3\x83\xBC\xE3\x83\xAB\xEF\xBC\x88\xE6\x9C\x88\xE9\x96\x93\xE9"
		               "\x80\x9A\xE6\x95\xB0\xE3\x80\x81\xE4\xB8\x8A\xE8\xA8\x98\xE3\x81"
		               "\xAE\xE5\x89\xB2\xE5\x90\x88\xE3\x81\xAB\xE3\x81\xAF\xE5\x90\xAB"
		               "\xE3\x81\xBE\xE3\x81\xAA\xE3\x81\x84\xEF\xBC\x89",
		/* 拒否等の割合 */
		[MT_REFUSED_SHARE] = "\xE6\x8B\x92\xE5\x90\xA6\xE7\xAD\x89\xE3\x81\xAE\xE5\x89"
		                     "\xB2\xE5\x90\x88",
		[MT_REJECTED] = "\xE6\x8B\x92\xE5\x90\xA6",  /* 拒否 */
		[MT_DISCARDED] = "\xE7\xA0\xB4\xE6\xA3\x84", /* 破棄 */
		[MT_HELD] = "\xE4\xBF\x9D\xE7\x95\x99",      /* 保留 */
		/* 割合は受信側が受け付けたメール（処理結果不明を含む）に対するもので、
		 * 拒否・破棄・保留されたメールは別に数える。 */
		[MT_NOTE_REFUSED] = "\xE5\x89\xB2\xE5\x90\x88\xE3\x81\xAF\xE5\x8F\x97\xE4\xBF\xA1\xE5"
		                    "\x81\xB4\xE3\x81\x8C\xE5\x8F\x97\xE3\x81\x91\xE4\xBB\x98\xE3\x81"
		                    "\x91\xE3\x81\x9F\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB\xEF\xBC\x88"
		                    "\xE5\x87\xA6\xE7\x90\x86\xE7\xB5\x90\xE6\x9E\x9C\xE4\xB8\x8D\xE6"
		                    "\x98\x8E\xE3\x82\x92\xE5\x90\xAB\xE3\x82\x80\xEF\xBC\x89\xE3\x81"
		                    "\xAB\xE5\xAF\xBE\xE3\x81\x99\xE3\x82\x8B\xE3\x82\x82\xE3\x81\xAE"
		                    "\xE3\x81\xA7\xE3\x80\x81\xE6\x8B\x92\xE5\x90\xA6\xE3\x83\xBB\xE7"
		                    "\xA0\xB4\xE6\xA3\x84\xE3\x83\xBB\xE4\xBF\x9D\xE7\x95\x99\xE3\x81"
		                    "\x95\xE3\x82\x8C\xE3\x81\x9F\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB"
		                    "\xE3\x81\xAF\xE5\x88\xA5\xE3\x81\xAB\xE6\x95\xB0\xE3\x81\x88\xE3"
		                    "\x82\x8B\xE3\x80\x82",
	},
};

int report_lang_parse(const char *s, enum report_lang *out)
{
	if (strcmp(s, "en") == 0) {
		*out = REPORT_LANG_EN;
		return 0;
	}
	if (strcmp(s, "ja") == 0) {
		*out = REPORT_LANG_JA;
		return 0;
	}
	return -1;
}

static void ministry_month_header(struct csvout *o, const struct report_month *m,
                                  enum report_lang lang)
{
	if (lang == REPORT_LANG_JA)
		/* 年, 月 */
		csvout_printf(o, "%d\xE5\xB9\xB4%d\xE6\x9C\x88", m->year, m->month);
	else
		csvout_text(o, m->text);
}

/* A row with a label and no figures (a heading, a note). */
static void ministry_label_row(struct csvout *o, const char *label)
{
	csvout_text(o, label);
	csvout_end_row(o);
}

static void ministry_share(struct csvout *o, int64_t count, int64_t total)
{
	char buf[32];

	if (total == 0) {
		csvout_text(o, "-");
		return;
	}
	report_format_share(count, total, buf, sizeof(buf));
	if (buf[0] == '\0')
		csvout_empty(o); /* cannot be computed: a damaged store */
	else
		csvout_printf(o, "%s%%", buf);
}

/* Messages per day in units of 10,000, two decimals, rounded half up:
 * hundredths of 10,000 per day are messages / (days * 100). */
static void ministry_per_day(struct csvout *o, int64_t messages, int days)
{
	int64_t x = report_div_half_up(messages, (int64_t)days * 100);

	csvout_printf(o, "%lld.%02lld", (long long)(x / 100), (long long)(x % 100));
}

/* Is method m withheld in period p? */
static int ministry_withheld(const struct report *r, const struct report_period *p, int m)
{
	return report_suppressed(r, p->all.t.method_providers[m]);
}

static int ministry_listed(const struct ministry_method *mm, int res)
{
	size_t i;

	for (i = 0; i < mm->nresults; i++) {
		if ((int)mm->results[i].result == res)
			return 1;
	}
	return 0;
}

/* Messages of method mm whose result is not in the ministry's set, in
 * counts (the population's results, or a fate's). */
static int64_t ministry_other_of(const struct ministry_method *mm,
                                 const int64_t counts[AR_METHOD_COUNT][AR_RESULT_COUNT])
{
	int64_t n = 0;
	int res;

	for (res = 0; res < AR_RESULT_COUNT; res++) {
		if (res != AR_ABSENT && !ministry_listed(mm, res))
			n += counts[mm->method][res];
	}
	return n;
}

static int64_t ministry_other(const struct ministry_method *mm, const struct report_totals *t)
{
	return ministry_other_of(mm, t->results);
}

static void ministry_method(const struct report *r, const struct ministry_method *mm,
                            const char *const *text, struct csvout *o)
{
	int m = (int)mm->method, other = 0;
	size_t i, j;

	ministry_label_row(o, mm->heading);
	csvout_text(o, text[MT_PROVIDERS]);
	for (j = 0; j < r->nperiods; j++)
		csvout_int(o, r->periods[j].all.t.method_providers[m]);
	csvout_end_row(o);
	for (i = 0; i <= mm->nresults; i++) {
		if (i == mm->nresults) {
			for (j = 0; j < r->nperiods; j++)
				other |= ministry_other(mm, &r->periods[j].all.t) > 0;
			if (!other)
				break;
			csvout_text(o, text[MT_OTHER]);
		} else {
			csvout_text(o, mm->results[i].label);
		}
		for (j = 0; j < r->nperiods; j++) {
			const struct report_period *p = &r->periods[j];
			const struct report_totals *t = &p->all.t;
			int64_t n = i == mm->nresults ? ministry_other(mm, t)
			                              : t->results[m][mm->results[i].result];

			if (ministry_withheld(r, p, m))
				csvout_text(o, "x");
			else if (t->damaged)
				csvout_empty(o);
			else
				ministry_share(o, n, report_method_messages(t, m));
		}
		csvout_end_row(o);
	}
}

static void ministry_spam(const struct report *r, const char *const *text, struct csvout *o)
{
	size_t j;
	int row;

	ministry_label_row(o, text[MT_SPAM]);
	for (row = 0; row < 4; row++) {
		static const enum ministry_text labels[] = { MT_PROVIDERS, MT_TOTAL_MAIL, MT_SPAM_MAIL,
		                                             MT_SPAM_SHARE };

		csvout_text(o, text[labels[row]]);
		for (j = 0; j < r->nperiods; j++) {
			const struct report_period *p = &r->periods[j];
			const struct report_totals *t = &p->all.t;
			int64_t spam = t->spam[SPAM_SPAM];

			if (row == 0)
				csvout_int(o, t->providers);
			else if (report_suppressed(r, t->providers))
				csvout_text(o, "x");
			else if (t->damaged)
				csvout_empty(o);
			else if (t->providers == 0 && row != 3)
				csvout_text(o, "-");
			else if (row == 1)
				ministry_per_day(o, t->messages, p->month.days);
			else if (row == 2)
				ministry_per_day(o, spam, p->month.days);
			else
				ministry_share(o, spam, spam + t->spam[SPAM_HAM]);
		}
		csvout_end_row(o);
	}
}

/* Accounts in units of 10,000, two decimals, rounded half up. */
static void ministry_ten_thousands(struct csvout *o, int64_t n)
{
	int64_t x = report_div_half_up(n, 100);

	csvout_printf(o, "%lld.%02lld", (long long)(x / 100), (long long)(x % 100));
}

/* The rows carriers declare (declare.h): the providers that declared, and
 * their accounts and filter users summed, withheld like any combined figure. */
static void ministry_declared(const struct report *r, const char *const *text, struct csvout *o)
{
	size_t j;
	int row;

	for (row = 0; row < 3; row++) {
		static const enum ministry_text labels[] = { MT_DECLARED_PROVIDERS, MT_ACCOUNTS,
		                                             MT_FILTER_USERS };

		csvout_text(o, text[labels[row]]);
		for (j = 0; j < r->nperiods; j++) {
			const struct report_totals *t = &r->periods[j].all.t;

			if (row == 0)
				csvout_int(o, t->declared_providers);
			else if (report_suppressed(r, t->declared_providers))
				csvout_text(o, "x");
			else if (t->declared_providers == 0)
				csvout_text(o, "-");
			else
				ministry_ten_thousands(o, row == 1 ? t->accounts : t->filter_users);
		}
		csvout_end_row(o);
	}
}

static void ministry_coverage(const struct report *r, const char *const *text, struct csvout *o)
{
	size_t j;

	csvout_text(o, text[MT_WINDOWS]);
	for (j = 0; j < r->nperiods; j++)
		ministry_share(o, r->periods[j].all.t.windows_received,
		               r->periods[j].all.t.windows_expected);
	csvout_end_row(o);
	csvout_text(o, text[MT_COMPLETE]);
	for (j = 0; j < r->nperiods; j++) {
		static const enum ministry_text label[] = {
			[REPORT_INCOMPLETE] = MT_NO,
			[REPORT_COMPLETE] = MT_YES,
			[REPORT_NO_DATA] = MT_NO_DATA,
		};

		csvout_text(o, text[label[report_completeness(&r->periods[j], &r->periods[j].all.t)]]);
	}
	csvout_end_row(o);
}

/* A figure of period p for method m that is withheld ("x") or cannot be
 * computed (empty): 1 with it written; 0 if the caller writes it. */
static int ministry_refused_hidden(const struct report *r, const struct report_period *p, int m,
                                   struct csvout *o)
{
	if (ministry_withheld(r, p, m)) {
		csvout_text(o, "x");
		return 1;
	}
	if (p->all.t.damaged) {
		csvout_empty(o);
		return 1;
	}
	return 0;
}

/* Messages of fate f of method mm with result row i (mm->nresults: the
 * results not listed). */
static int64_t ministry_refused_count(const struct ministry_method *mm, size_t i,
                                      const struct report_totals *t, int f)
{
	if (i == mm->nresults)
		return ministry_other_of(mm, t->fate_results[f]);
	return t->fate_results[f][mm->method][mm->results[i].result];
}

/* The refused section of method mm: its refused share, then per result and
 * refused fate the messages, in a row only if some month has any (as the
 * "Other" row: no count is hidden, and no empty row is added). */
static void ministry_refused_method(const struct report *r, const struct ministry_method *mm,
                                    const char *const *text, struct csvout *o)
{
	int m = (int)mm->method, f, any;
	size_t i, j;

	csvout_printf(o, "%s %s", mm->heading, text[MT_REFUSED_SHARE]);
	for (j = 0; j < r->nperiods; j++) {
		const struct report_totals *t = &r->periods[j].all.t;
		int64_t refused = report_refused_method_messages(t, m);

		if (!ministry_refused_hidden(r, &r->periods[j], m, o))
			ministry_share(o, refused, refused + report_method_messages(t, m));
	}
	csvout_end_row(o);
	for (i = 0; i <= mm->nresults; i++) {
		for (f = FATE_REJECTED; f < FATE_COUNT; f++) {
			for (j = 0, any = 0; j < r->nperiods; j++)
				any |= ministry_refused_count(mm, i, &r->periods[j].all.t, f) > 0;
			if (!any)
				continue;
			csvout_printf(o, "%s %s: %s", mm->heading,
			              i == mm->nresults ? text[MT_OTHER] : mm->results[i].label,
			              text[MT_REJECTED + f - FATE_REJECTED]);
			for (j = 0; j < r->nperiods; j++) {
				if (!ministry_refused_hidden(r, &r->periods[j], m, o))
					csvout_int(o, ministry_refused_count(mm, i, &r->periods[j].all.t,
					                                     f));
			}
			csvout_end_row(o);
		}
	}
}

void report_write_ministry(const struct report *r, enum report_lang lang, struct csvout *o)
{
	const char *const *text = ministry_texts[lang];
	size_t i;

	csvout_text(o, text[MT_ITEM]);
	for (i = 0; i < r->nperiods; i++)
		ministry_month_header(o, &r->periods[i].month, lang);
	csvout_end_row(o);
	for (i = 0; i < MINISTRY_N(ministry_methods); i++)
		ministry_method(r, &ministry_methods[i], text, o);
	ministry_spam(r, text, o);
	ministry_declared(r, text, o);
	ministry_coverage(r, text, o);
	ministry_label_row(o, text[MT_REFUSED]);
	for (i = 0; i < MINISTRY_N(ministry_methods); i++)
		ministry_refused_method(r, &ministry_methods[i], text, o);
	ministry_label_row(o, text[MT_NOTES]);
	csvout_printf(o, "%s%lld%s", text[MT_NOTE_WITHHELD], (long long)r->opt.min_providers,
	              text[MT_NOTE_WITHHELD_END]);
	csvout_end_row(o);
	ministry_label_row(o, text[MT_NOTE_NO_DATA]);
	ministry_label_row(o, text[MT_NOTE_SHARES]);
	ministry_label_row(o, text[MT_NOTE_REFUSED]);
	csvout_printf(o, "%s%s%s", text[MT_NOTE_MONTHS],
	              r->opt.time_zone != NULL ? r->opt.time_zone : "UTC", text[MT_NOTE_MONTHS_END]);
	csvout_end_row(o);
	ministry_label_row(o, text[MT_NOTE_COVERAGE]);
}
