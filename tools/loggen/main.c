/*
 * arstat-loggen - write realistic, reproducible mail logs (Postfix or Exim,
 * with OpenDKIM, OpenDMARC, amavis, rspamd, spamd, MailScanner, a Proxmox
 * Mail Gateway's filter or SA-Exim) for several carriers and hosts
 * over whole months, with the exact counts a correct collector must find in
 * them (ground truth). Tests, the demo and the benchmarks read its output.
 *
 * Output, under --out DIR (each file newline-terminated and in time order,
 * sessions interleaved):
 *   DIR/<carrier>/<host>/maillog   Postfix hosts: syslog lines "STAMP HOST
 *       PROG[PID]: TEXT" of Postfix and, if the carrier runs them, OpenDKIM,
 *       OpenDMARC, amavis, spamd, MailScanner and pmg-smtp-filter; STAMP RFC
 *       3339 (default), "Nov  2 10:00:00"
 *       or "Nov 02 10:00:00" (--timestamps). amavis as Postfix's
 *       content_filter (--spam-filter amavis-cf) gives each message back
 *       to Postfix, which queues it again: a second queue ID, logged by
 *       amavis as queued_as (the collector's amavis_content_filter); so do
 *       MailScanner (--spam-filter mailscanner: "Requeue: ID to QID2") and
 *       a Proxmox Mail Gateway (--spam-filter pmg: the message logged twice,
 *       joined by pmg-smtp-filter's lines; the collector's pmg_reinjection).
 *   DIR/<carrier>/<host>/mainlog   Exim hosts: Exim's main log (with SA-Exim's
 *       "SA: Action:" lines for --spam-filter sa-exim).
 *   DIR/<carrier>/<host>/rspamd.log  hosts running rspamd: its log file.
 *   DIR/inputs.csv       carrier,host,format,path of every log file (format
 *       as the collector names it: syslog, exim, rspamd; path relative to DIR).
 *   DIR/truth.csv        month,carrier,dimension,value,count - sorted by
 *       month, carrier, dimension, value; only counts > 0. Dimensions:
 *       messages (value "all"), spf, dkim, dmarc, arc (result names of
 *       domain/result.h, "absent" when not evaluated), dmarc_policy
 *       (absent/none/quarantine/reject) and spam (ham/spam).
 *   DIR/truth-lines.csv  carrier,host,lines,malformed,overlong per host (all
 *       its files): all lines, injected garbage lines (the overlong line not
 *       included) and overlong lines.
 * What each carrier runs comes from --profile (the mixed profile gives
 * carriers different software) or, for all carriers, from --mta, --milters,
 * --spam-filter and --timestamps. The rules that decide what counts and in
 * which month (the EVENT TIME of a message is its first header line, else
 * its message-id or arrival line) are in loggen.h.
 *
 * Same options and --seed give byte-identical output. A one-line summary goes
 * to stderr at the end.
 *
 * Trust: the only input is the command line, checked against the option
 * table (ranges, formats). Privileges: none; it writes only below --out,
 * replacing files of the names above.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loggen.h"
#include "strbuf.h"

static const struct option longopts[] = {
	{ "out", required_argument, NULL, 0 },
	{ "carriers", required_argument, NULL, 0 },
	{ "hosts", required_argument, NULL, 0 },
	{ "start", required_argument, NULL, 0 },
	{ "months", required_argument, NULL, 0 },
	{ "messages-per-day", required_argument, NULL, 0 },
	{ "seed", required_argument, NULL, 0 },
	{ "tz-offset", required_argument, NULL, 0 },
	{ "profile", required_argument, NULL, 0 },
	{ "malformed-per-day", required_argument, NULL, 0 },
	{ "refused-per-day", required_argument, NULL, 0 },
	{ "overlong", no_argument, NULL, 0 },
	{ "mta", required_argument, NULL, 0 },
	{ "milters", required_argument, NULL, 0 },
	{ "spam-filter", required_argument, NULL, 0 },
	{ "timestamps", required_argument, NULL, 0 },
	{ "list-profiles", no_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *fp)
{
	const struct cfg_entry *e;

	fputs("usage: arstat-loggen --out DIR [options]\n"
	      "Write mail logs DIR/<carrier>/<host>/{maillog,mainlog,rspamd.log}, the list\n"
	      "DIR/inputs.csv and their ground truth DIR/truth.csv and DIR/truth-lines.csv.\n"
	      "Unset setup options (--mta ... --timestamps) keep the profile's per carrier.\n"
	      "\noptions:\n",
	      fp);
	for (e = loggen_cfg_table; e->name != NULL; e++) {
		fprintf(fp, "  --%-20s %s", e->name, e->help);
		if (e->defval != NULL && e->type != CFG_BOOL)
			fprintf(fp, " (default %s)", e->defval);
		fputc('\n', fp);
	}
	fputs("  --list-profiles        describe the profiles and exit\n"
	      "  --help                 this text\n"
	      "  --version              the program's version\n",
	      fp);
}

static void list_profiles(void)
{
	const char *const *p;

	for (p = loggen_profile_names(); *p != NULL; p++)
		printf("%s: %s\n", *p, loggen_profile_describe(*p));
}

int main(int argc, char **argv)
{
	struct loggen_opts opts;
	struct loggen_summary sum;
	struct strbuf err;
	int ch, idx, rc = 1;

	msg_init("arstat-loggen");
	loggen_opts_init(&opts);
	strbuf_init(&err, 1024);
	for (;;) {
		idx = -1;
		ch = getopt_long(argc, argv, "", longopts, &idx);
		if (ch == -1)
			break;
		if (ch == 'h') {
			usage(stdout);
			rc = 0;
			goto out;
		}
		if (ch == 'V') {
			puts("arstat-loggen " ARSTAT_VERSION);
			rc = 0;
			goto out;
		}
		if (ch == 'L') {
			list_profiles();
			rc = 0;
			goto out;
		}
		if (ch != 0 || idx < 0) {
			/* getopt_long has named the bad option already. */
			fputs("see arstat-loggen --help\n", stderr);
			rc = 2;
			goto out;
		}
		/* The option table decides types and ranges; a flag is a "yes". */
		if (cfg_set(loggen_cfg_table, &opts, longopts[idx].name,
		            optarg != NULL ? optarg : "yes", &err) < 0)
			msg_fatal("--%s", err.data != NULL ? err.data : "invalid option");
	}
	if (optind < argc)
		msg_fatal("unexpected argument \"%s\" (see --help)", argv[optind]);
	if (loggen_run(&opts, &sum, &err) < 0)
		msg_fatal("%s", err.data != NULL ? err.data : "failed");
	msg_info("%" PRIu64 " files, %" PRIu64 " messages, %" PRIu64 " lines (%" PRIu64
	         " malformed, %" PRIu64 " overlong), %" PRIu64 " bytes",
	         sum.files, sum.messages, sum.lines, sum.malformed, sum.overlong, sum.bytes);
	rc = 0;
out:
	strbuf_release(&err);
	loggen_opts_free(&opts);
	return rc;
}
