/*
 * arstat-plot - draw arstat's monthly report as charts.
 *
 *   arstat-plot --input report.csv [--spam spam.csv] --output-dir DIR [--lang en|ja]
 *   arstat-plot --help | --help-config[=tsv] | --version
 *
 * Reads the report CSV the aggregator writes (and, with --spam, its spam
 * CSV), checks every field of it, and draws charts in the style of the
 * ministry's (MIC) publications with gnuplot, each as PNG and SVG in DIR:
 *   <method>-results        results of SPF, DKIM, DMARC, ARC per month,
 *                           100 % stacked bars (all providers)
 *   adoption                non-none share of SPF, DKIM, DMARC per month;
 *                           DMARC p=quarantine/reject if the CSV has it
 *   spam                    spam share over message volume (with --spam)
 *   *-by-carrier            the same as small multiples, one panel per
 *                           provider, when the CSV has --by-carrier data
 * and DIR/index.html, a static dashboard of the latest month with the
 * charts and copies of the CSVs (report.csv, spam.csv) beside it (see
 * dashboard.h; --no-dashboard leaves it out). Titles and labels are in
 * English or Japanese (--lang). Prints each file it wrote, one per line.
 * Exits 0 on success, 1 if the input is bad or gnuplot fails (with
 * "FILE:LINE:COLUMN: reason" for bad input), 2 on a usage error.
 *
 * Trust: the CSV files are not trusted. They are bounded (--max-bytes,
 * --max-rows, --max-field), parsed strictly, and nothing from them reaches
 * a gnuplot script except through gnuplot_quote(), because gnuplot can run
 * commands, nor the dashboard except HTML-escaped. The command line, the environment (PATH finds gnuplot, TMPDIR
 * holds the temporary files) and the compiled-in templates are trusted.
 *
 * Privileges: none. Run it as an ordinary user; it writes only DIR (which
 * it creates if missing, one level) and a private temporary directory it
 * removes before exiting, also on error and on SIGINT, SIGTERM or SIGHUP.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "chart.h"
#include "config.h"
#include "csvin.h"
#include "dashboard.h"
#include "gnuplot.h"
#include "lang.h"
#include "log.h"
#include "numparse.h"
#include "report_csv.h"
#include "spam_csv.h"
#include "strbuf.h"

#define PLOT_ERR_CAP 16384

struct plot_config {
	char *input;
	char *spam;
	char *output_dir;
	char *lang;
	char *gnuplot;
	int64_t width;
	int64_t height;
	int64_t gnuplot_timeout;
	int64_t max_bytes;
	int64_t max_rows;
	int64_t max_field;
	int keep_temp;
	int no_dashboard;
	char *log_level;
};

#define OFF(f) offsetof(struct plot_config, f)

/* Every option is a setting here; --name-with-dashes sets name_with_underscores. */
static const struct cfg_entry plot_config_table[] = {
	{ "input", CFG_STR, NULL, 0, 0, OFF(input), "report CSV written by the aggregator (required)" },
	{ "spam", CFG_STR, NULL, 0, 0, OFF(spam), "spam CSV written by the aggregator" },
	{ "output_dir", CFG_STR, NULL, 0, 0, OFF(output_dir), "directory for the charts (required)" },
	{ "lang", CFG_STR, "en", 0, 0, OFF(lang), "language of the charts: en or ja" },
	{ "gnuplot", CFG_STR, "gnuplot", 0, 0, OFF(gnuplot), "gnuplot program, looked up in PATH" },
	{ "width", CFG_INT, "1200", CHART_SIZE_MIN, CHART_SIZE_MAX, OFF(width), "chart width in pixels" },
	{ "height", CFG_INT, "700", CHART_SIZE_MIN, CHART_SIZE_MAX, OFF(height), "chart height in pixels" },
	{ "gnuplot_timeout", CFG_INT, "120", GNUPLOT_TIMEOUT_MIN, GNUPLOT_TIMEOUT_MAX,
	  OFF(gnuplot_timeout), "seconds one gnuplot run may take" },
	{ "max_bytes", CFG_INT, "16777216", CSVIN_MAX_BYTES_MIN, CSVIN_MAX_BYTES_MAX, OFF(max_bytes),
	  "largest CSV file accepted, in bytes" },
	{ "max_rows", CFG_INT, "100000", CSVIN_MAX_ROWS_MIN, CSVIN_MAX_ROWS_MAX, OFF(max_rows),
	  "most data records accepted per CSV file" },
	{ "max_field", CFG_INT, "256", CSVIN_MAX_FIELD_MIN, CSVIN_MAX_FIELD_MAX, OFF(max_field),
	  "longest CSV field accepted, in bytes, quotes included" },
	{ "keep_temp", CFG_BOOL, "no", 0, 0, OFF(keep_temp), "keep gnuplot's scripts and data (debugging)" },
	{ "no_dashboard", CFG_BOOL, "no", 0, 0, OFF(no_dashboard), "write no index.html and no CSV copies" },
	{ "log_level", CFG_STR, "info", 0, 0, OFF(log_level), "debug, info, warn or error" },
	CFG_END,
};

/* Set by the signal handlers; gnuplot_run and the chart loop watch it. */
static volatile sig_atomic_t plot_stop;

static void plot_on_signal(int sig)
{
	(void)sig;
	plot_stop = 1;
}

#define PLOT_USAGE "usage: arstat-plot --input report.csv [--spam spam.csv] --output-dir DIR " \
                   "[--lang en|ja] [options]\n"

/* After a usage error: the synopsis and where to learn more. */
static void plot_usage_short(void)
{
	fprintf(stderr, PLOT_USAGE "Try arstat-plot --help.\n");
}

static void plot_usage(FILE *fp)
{
	const struct cfg_entry *e;

	fprintf(fp, PLOT_USAGE "\noptions:\n");
	for (e = plot_config_table; e->name != NULL; e++) {
		char opt[64];
		size_t i;

		for (i = 0; e->name[i] != '\0' && i + 1 < sizeof(opt); i++)
			opt[i] = e->name[i] == '_' ? '-' : e->name[i];
		opt[i] = '\0';
		if (e->type == CFG_BOOL)
			fprintf(fp, "  --%-22s %s\n", opt, e->help);
		else if (e->defval != NULL)
			fprintf(fp, "  --%-22s %s (default %s)\n", opt, e->help, e->defval);
		else
			fprintf(fp, "  --%-22s %s\n", opt, e->help);
	}
	fprintf(fp, "  --%-22s %s\n", "help", "show this and exit");
	fprintf(fp, "  --%-22s %s\n", "help-config[=tsv]",
	        "list the options as settings (tsv: name, type, default, min, max, help)");
	fprintf(fp, "  --%-22s %s\n", "version", "show the version and exit");
	fprintf(fp, "\nPrints the files it writes, one per line. Exit status: 0 done, 1 bad input\n"
	            "or gnuplot failed, 2 usage error.\n");
}

/*
 * Fill cfg from argv. Returns 0, 1 after --help, or -1 on a usage error
 * (already reported).
 */
static int plot_parse_args(int argc, char **argv, struct plot_config *cfg)
{
	/* Long options only: their names are the settings' names. */
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 0 },
		{ "spam", required_argument, NULL, 0 },
		{ "output-dir", required_argument, NULL, 0 },
		{ "lang", required_argument, NULL, 0 },
		{ "gnuplot", required_argument, NULL, 0 },
		{ "width", required_argument, NULL, 0 },
		{ "height", required_argument, NULL, 0 },
		{ "gnuplot-timeout", required_argument, NULL, 0 },
		{ "max-bytes", required_argument, NULL, 0 },
		{ "max-rows", required_argument, NULL, 0 },
		{ "max-field", required_argument, NULL, 0 },
		{ "keep-temp", no_argument, NULL, 0 },
		{ "no-dashboard", no_argument, NULL, 0 },
		{ "log-level", required_argument, NULL, 0 },
		{ "help", no_argument, NULL, 'h' },
		{ "help-config", optional_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct strbuf err;
	int rc = -1;

	strbuf_init(&err, PLOT_ERR_CAP);
	for (;;) {
		char name[64];
		int idx = -1, ch = getopt_long(argc, argv, "", longopts, &idx);
		size_t i;

		if (ch == -1)
			break;
		if (ch == 'h') {
			plot_usage(stdout);
			fflush(stdout);
			rc = 1;
			goto out;
		}
		/* The manual page's option list is made from the tab-separated form. */
		if (ch == 'H') {
			if (optarg != NULL && strcmp(optarg, "tsv") != 0) {
				plot_usage_short();
				goto out;
			}
			if (cfg_help(stdout, plot_config_table,
			             optarg != NULL ? CFG_HELP_TSV : CFG_HELP_TEXT) < 0) {
				msg_error("cannot write the options: %s", strerror(errno));
				goto out;
			}
			rc = 1;
			goto out;
		}
		/* The aggregator's publish names its first line in its manifest. */
		if (ch == 'V') {
			puts("arstat-plot " ARSTAT_VERSION);
			fflush(stdout);
			rc = 1;
			goto out;
		}
		if (ch != 0 || idx < 0) {
			plot_usage_short();
			goto out;
		}
		for (i = 0; longopts[idx].name[i] != '\0' && i + 1 < sizeof(name); i++)
			name[i] = longopts[idx].name[i] == '-' ? '_' : longopts[idx].name[i];
		name[i] = '\0';
		if (cfg_set(plot_config_table, cfg, name,
		            longopts[idx].has_arg == no_argument ? "yes" : optarg, &err) < 0) {
			msg_error("%s", err.data);
			goto out;
		}
	}
	if (optind < argc) {
		msg_error("unexpected argument \"%s\"", argv[optind]);
		plot_usage_short();
		goto out;
	}
	if (cfg->input == NULL || cfg->output_dir == NULL) {
		msg_error("--input and --output-dir are required");
		plot_usage_short();
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&err);
	return rc;
}

/* Create dir if it does not exist (one level, like mkdir without -p). */
static int plot_make_outdir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		msg_error("%s: exists and is not a directory", dir);
	else
		msg_error("%s: cannot create: %s", dir, strerror(errno));
	return -1;
}

/* The page's generation time: SOURCE_DATE_EPOCH if set (reproducible
 * output, https://reproducible-builds.org/specs/source-date-epoch/), else
 * now. */
static long long plot_now(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int64_t v;

	if (sde != NULL && num_parse_i64(sde, strlen(sde), 0, INT64_C(253402300799), &v) == 0)
		return (long long)v;
	return (long long)time(NULL);
}

static void plot_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = plot_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal should cut a wait short. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * List on stdout the files c has written since the first *printed, and
 * count them in *printed: what was written is listed as soon as it is, even
 * when a later file fails, so that nobody has to guess what DIR now holds.
 */
static void plot_list_written(const struct chart_ctx *c, size_t *printed)
{
	for (; *printed < c->nwritten; (*printed)++)
		printf("%s\n", c->written[*printed]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		chart_fn draw;
	} charts[] = {
		/* The dashboard shows them in this order: trends first. */
		{ "adoption", chart_adoption },
		{ "spam", chart_spam },
		{ "results", chart_results },
		{ "adoption by provider", chart_adoption_by_carrier },
		{ "spam by provider", chart_spam_by_carrier },
		{ "results by provider", chart_results_by_carrier },
	};
	struct plot_config cfg;
	struct csvin_limits lim;
	struct report_table *report = NULL;
	struct spam_table *spam = NULL;
	struct gnuplot *gp = NULL;
	struct gnuplot_opts gopts;
	struct chart_ctx ctx;
	struct strbuf err;
	enum msg_level level;
	size_t i, printed = 0;
	int rc = 1, parsed;

	msg_init("arstat-plot");
	memset(&cfg, 0, sizeof(cfg));
	memset(&ctx, 0, sizeof(ctx));
	strbuf_init(&err, PLOT_ERR_CAP);
	cfg_defaults(plot_config_table, &cfg);
	parsed = plot_parse_args(argc, argv, &cfg);
	if (parsed != 0) {
		rc = parsed > 0 ? 0 : EX_USAGE;
		goto out;
	}
	if (msg_level_parse(cfg.log_level, &level) < 0) {
		msg_error("--log-level: unknown level \"%s\"", cfg.log_level);
		rc = EX_USAGE;
		goto out;
	}
	msg_set_level(level);
	ctx.lang = lang_find(cfg.lang);
	if (ctx.lang == NULL) {
		msg_error("--lang: no language \"%s\" (there is: %s)", cfg.lang, lang_codes());
		rc = EX_USAGE;
		goto out;
	}
	plot_signals();

	lim.max_bytes = (size_t)cfg.max_bytes;
	lim.max_rows = (size_t)cfg.max_rows;
	lim.max_field = (size_t)cfg.max_field;
	if (report_read_file(cfg.input, &lim, &report, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	if (cfg.spam != NULL && spam_read_file(cfg.spam, &lim, &spam, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	if (plot_make_outdir(cfg.output_dir) < 0)
		goto out;

	gopts.program = cfg.gnuplot;
	gopts.timeout_sec = (unsigned)cfg.gnuplot_timeout;
	gopts.keep_temp = cfg.keep_temp;
	gopts.stop = &plot_stop;
	gp = gnuplot_new(&gopts, &err);
	if (gp == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	ctx.report = report;
	ctx.spam = spam;
	ctx.width = (unsigned)cfg.width;
	ctx.height = (unsigned)cfg.height;
	ctx.outdir = cfg.output_dir;
	ctx.gp = gp;
	for (i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		int drawn;

		if (plot_stop) {
			msg_error("interrupted");
			goto out;
		}
		msg_debug("drawing %s charts", charts[i].name);
		drawn = charts[i].draw(&ctx, &err);
		plot_list_written(&ctx, &printed);
		if (drawn < 0) {
			msg_error("%s", err.data);
			goto out;
		}
	}
	if (ctx.nwritten == 0) {
		msg_error("%s: nothing to draw: no records with scope \"all\"", cfg.input);
		goto out;
	}
	if (!cfg.no_dashboard) {
		int written = dashboard_write(&ctx, cfg.input, cfg.spam, plot_now(), &err);

		plot_list_written(&ctx, &printed);
		if (written < 0) {
			msg_error("%s", err.data);
			goto out;
		}
	}
	rc = 0;
out:
	gnuplot_free(gp);
	chart_ctx_release(&ctx);
	report_table_free(report);
	spam_table_free(spam);
	cfg_free(plot_config_table, &cfg);
	strbuf_release(&err);
	return rc;
}
