#include "lang.h"

#include <string.h>

static const struct plot_lang lang_en = {
	.code = "en",
	.font = "DejaVu Sans",
	.method = { "SPF", "DKIM", "DMARC", "ARC" },
	.result = { "None", "Pass", "Fail", "SoftFail", "Neutral", "TempError", "PermError",
	            "Policy" },
	.spf_fail = "Fail (HardFail)",
	.results_title = " results by month (share of messages with a result)",
	.share_axis = "Share of messages (%)",
	.count_prefix = "n = ",
	.latest_title = "Share in ",
	.note_scope = "All providers.",
	.note_counts = " n = messages in the month.",
	.note_labels = " Shares below 2.5 % are not written on the bars.",
	.note_legend = " The legend gives the shares of the last month.",
};

static const struct plot_lang *const lang_all[] = { &lang_en };

const struct plot_lang *lang_find(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(lang_all) / sizeof(lang_all[0]); i++) {
		if (strcmp(lang_all[i]->code, code) == 0)
			return lang_all[i];
	}
	return NULL;
}

/* Kept in step with lang_all by hand: a list built at run time would need
 * a mutable buffer for a message nobody reads twice. */
const char *lang_codes(void)
{
	return "en";
}
