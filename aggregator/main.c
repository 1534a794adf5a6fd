/*
 * arstat-aggregator - consume the counts collectors publish and write the
 * monthly reports regulators publish.
 *
 *   arstat-aggregator ingest --db FILE [-c CONFIG] [-o name=value ...]
 *                            [--topic T] [--bootstrap-file PATH]
 *                            [--dead-letter FILE] [--until-caught-up] [-v]
 *       Read every partition of every topic a registered carrier is bound
 *       to (carrier.ID.topics; default the topic setting, arstat.counts)
 *       from the position kept in the store, without a consumer group, and
 *       add each record's counts to the store (SQLite, see store.h). With
 *       --until-caught-up, stop once every partition has reached the end it
 *       had at the start; otherwise follow the topic until SIGTERM or
 *       SIGINT. A re-run, a crash or a duplicate delivery never changes a
 *       total. Prints a one-line summary on standard output.
 *
 *   arstat-aggregator ingest --db FILE --carrier ID --file PATH [PATH...]
 *                            [--allow-unchecked] [...]
 *       Read Avro object container files written by the collector's file
 *       sink of carrier ID (registered) instead (see ocf.h); a record of
 *       another carrier in them is a dead letter. The same records stored
 *       from Kafka or from a file are the same identities, so neither counts
 *       twice. A file whose blocks carry no checksum (codec null or deflate,
 *       as the sink wrote before it wrote snappy) is refused unless
 *       --allow-unchecked is given.
 *
 *   arstat-aggregator report --db FILE (--month YYYY-MM | --from YYYY-MM
 *                            --to YYYY-MM) [--tz ZONE] [--layout tidy|ministry]
 *                            [--lang en|ja] [--encoding utf-8|utf-8-bom|cp932]
 *                            [--by-carrier] [--min-providers N]
 *                            [--output FILE] [--spam-output FILE]
 *                            [--coverage-output FILE] [-c CONFIG] [-o name=value]
 *       Write the months' report: the tidy method CSV (to FILE or standard
 *       output) and, if asked, the spam CSV; or with --layout ministry the
 *       ministry's form (months as columns, both tables in one file). The
 *       coverage CSV lists each collector's missing windows. Months are cut
 *       at midnight in ZONE (default Asia/Tokyo). The figures are defined at
 *       the top of report.c.
 *
 *   arstat-aggregator publish --db FILE --month YYYY-MM|previous --out DIR
 *                             [--force] [--tz ZONE] [-c CONFIG] [-o name=value]
 *       Make the month's publication in DIR/YYYY-MM (publish.h): every
 *       report file, the charts through arstat-plot, a manifest; refused for
 *       a month that is not complete or still within publish_grace_days
 *       unless --force. The folder appears whole or not at all; a store that
 *       changed since makes a new revision (YYYY-MM.r2), never an overwrite.
 *       Prints one line: month, folder, revision, status, files.
 *
 *   arstat-aggregator declare --db FILE --file CARRIER.csv [-c CONFIG] [-o ...]
 *       Store a carrier's declaration of mailbox accounts and filter users
 *       per month (declare.h: the format, the checks), with when and from
 *       which file (its path and SHA-256). Every bad row is named by its
 *       line and reason and then nothing is stored. A later declaration of
 *       the same carrier and month wins; the earlier ones are kept. Prints
 *       one line: declaration id, rows, sha256.
 *
 *   arstat-aggregator seal --db FILE (--day YYYY-MM-DD | --month YYYY-MM |
 *                          --all-due) [--force] [-c CONFIG] [-o name=value ...]
 *       Seal the UTC day (store.h, "Sealing"), the UTC month's days, or
 *       every day whose end is seal_after_days (the replay horizon) in the
 *       past, oldest first: each day in one transaction, its counts summed
 *       over collectors and its records' details dropped, every report
 *       unchanged. A day or month within the horizon is refused unless
 *       --force. Prints one line per day sealed (day, records, rows
 *       deleted, bytes freed, seconds) and, if any was, one line of their
 *       sums.
 *
 *   arstat-aggregator --check-config [-c CONFIG] [-o name=value ...] [--db FILE]
 *       Load the settings as the commands do (the register of carriers
 *       included) and print one line about them; touches no store or broker.
 *       --help-config[=tsv] lists every setting with its default.
 *
 * Settings (-c file, -o name=value, see settings.c; kafka.NAME passes NAME to
 * librdkafka). Exit status: 0 on success, 1 on an error (for ingest --file
 * also when a file could not be read), 2 on bad usage.
 *
 * Trust: Kafka messages, container files and declarations are untrusted. Each record must
 * be of a known schema version, plausible, of a registered carrier
 * (carrier.ID.name, see carriers.h) arriving through a source bound to it
 * (one of its topics, or a file given with its --carrier), and pass the
 * store's checks; anything else is
 * counted, logged by origin (topic, partition and offset, or file, block and
 * record; never by content), kept in the dead-letter file and passed over.
 * The store file and the settings are trusted: they are the operator's.
 *
 * Privileges: none. It needs to write the store's directory (SQLite's WAL
 * and shared-memory files live beside the store) and to reach the brokers;
 * publish needs DIR and runs arstat-plot (plot_program, trusted like the
 * settings), never through a shell.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "carriers.h"
#include "csvout.h"
#include "declare.h"
#include "ingest.h"
#include "ingest_metrics.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "publish.h"
#include "record.h"
#include "report.h"
#include "settings.h"
#include "store.h"
#include "strutil.h"
#include "timeutil.h"

/* sysexits.h: a bad command line, a bad configuration (the units name 78 in
 * RestartPreventExitStatus=). */
#define EXIT_USAGE EX_USAGE
#define EXIT_CONFIG EX_CONFIG
/* -o may be given this often; more is a mistake, not a configuration. */
#define MAX_OVERRIDES 256
/* retired_collectors may name this many; more is not a list but a mistake. */
#define MAX_RETIRED 100000

static volatile sig_atomic_t main_stop;

static void main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static void usage(FILE *fp)
{
	fputs("usage: arstat-aggregator ingest --db FILE [-c CONFIG] [-o name=value ...]\n"
	      "                                [--topic T] [--bootstrap-file PATH]\n"
	      "                                [--dead-letter FILE] [--until-caught-up] [-v]\n"
	      "       arstat-aggregator ingest --db FILE --carrier ID --file PATH [PATH...]\n"
	      "                                [--allow-unchecked] [--dead-letter FILE]\n"
	      "                                [-c CONFIG] [-o ...] [-v]\n"
	      "       arstat-aggregator report --db FILE (--month YYYY-MM | --from YYYY-MM\n"
	      "                                --to YYYY-MM) [--tz ZONE] [--layout tidy|ministry]\n"
	      "                                [--lang en|ja] [--encoding utf-8|utf-8-bom|cp932]\n"
	      "                                [--by-carrier] [--min-providers N]\n"
	      "                                [--output FILE] [--spam-output FILE]\n"
	      "                                [--coverage-output FILE]\n"
	      "                                [-c CONFIG] [-o name=value ...] [-v]\n"
	      "       arstat-aggregator publish --db FILE --month YYYY-MM|previous --out DIR\n"
	      "                                [--force] [--tz ZONE] [-c CONFIG] [-o name=value ...] [-v]\n"
	      "       arstat-aggregator declare --db FILE --file CARRIER.csv\n"
	      "                                [-c CONFIG] [-o name=value ...] [-v]\n"
	      "       arstat-aggregator seal --db FILE (--day YYYY-MM-DD | --month YYYY-MM | --all-due)\n"
	      "                              [--force]\n"
	      "                                [-c CONFIG] [-o name=value ...] [-v]\n"
	      "       arstat-aggregator --check-config [-c CONFIG] [-o name=value ...] [--db FILE]\n"
	      "       arstat-aggregator --help | --help-config[=tsv] | --version\n",
	      fp);
}

/* What the command line says, before settings are loaded. */
struct cmdline {
	const char *config;
	char *overrides[MAX_OVERRIDES];
	size_t noverrides;
	/* Options that are settings too; applied after -c and -o. */
	const char *db, *topic, *bootstrap_file, *dead_letter, *tz, *encoding, *lang;
	const char *min_providers;
	int verbose, until_caught_up, by_carrier;
	const char *month, *from, *to, *layout, *output, *spam_output, *coverage_output;
	const char *carrier; /* ingest --file: whose files they are */
	const char *out_dir; /* publish --out */
	int force;           /* publish --force, seal --force */
	int all_due;         /* seal --all-due */
	const char *day;     /* seal --day */
	/* ingest --file: the first file, and where the others start in argv */
	int have_files, allow_unchecked;
	char **files;
	size_t nfiles;
};

enum {
	OPT_DB = 256,
	OPT_TOPIC,
	OPT_BOOTSTRAP_FILE,
	OPT_DEAD_LETTER,
	OPT_UNTIL_CAUGHT_UP,
	OPT_FILE,
	OPT_MONTH,
	OPT_FROM,
	OPT_TO,
	OPT_TZ,
	OPT_BY_CARRIER,
	OPT_OUTPUT,
	OPT_SPAM_OUTPUT,
	OPT_COVERAGE_OUTPUT,
	OPT_LAYOUT,
	OPT_LANG,
	OPT_ENCODING,
	OPT_MIN_PROVIDERS,
	OPT_CARRIER,
	OPT_ALLOW_UNCHECKED,
	OPT_OUT,
	OPT_FORCE,
	OPT_ALL_DUE,
	OPT_DAY,
};

static const struct option ingest_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "topic", required_argument, NULL, OPT_TOPIC },
	{ "bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP_FILE },
	{ "dead-letter", required_argument, NULL, OPT_DEAD_LETTER },
	{ "until-caught-up", no_argument, NULL, OPT_UNTIL_CAUGHT_UP },
	{ "file", required_argument, NULL, OPT_FILE },
	{ "carrier", required_argument, NULL, OPT_CARRIER },
	{ "allow-unchecked", no_argument, NULL, OPT_ALLOW_UNCHECKED },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const struct option report_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "month", required_argument, NULL, OPT_MONTH },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "by-carrier", no_argument, NULL, OPT_BY_CARRIER },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "spam-output", required_argument, NULL, OPT_SPAM_OUTPUT },
	{ "coverage-output", required_argument, NULL, OPT_COVERAGE_OUTPUT },
	{ "layout", required_argument, NULL, OPT_LAYOUT },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "encoding", required_argument, NULL, OPT_ENCODING },
	{ "min-providers", required_argument, NULL, OPT_MIN_PROVIDERS },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const struct option declare_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "file", required_argument, NULL, OPT_FILE },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const struct option publish_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "month", required_argument, NULL, OPT_MONTH },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const struct option seal_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "day", required_argument, NULL, OPT_DAY },
	{ "month", required_argument, NULL, OPT_MONTH },
	{ "all-due", no_argument, NULL, OPT_ALL_DUE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const struct option check_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* 0, or -1 after a message on a usage error. */
static int parse_args(int argc, char **argv, const struct option *options, struct cmdline *cl)
{
	char *first_file = NULL;
	int c;

	optind = 1;
	/* GNU getopt moves the operands (the files after --file) to the end, in
	 * their order, so options may come before or after them. */
	while ((c = getopt_long(argc, argv, "c:o:v", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			cl->config = optarg;
			break;
		case 'o':
			if (cl->noverrides == MAX_OVERRIDES) {
				msg_warn("more than %d -o options", MAX_OVERRIDES);
				return -1;
			}
			cl->overrides[cl->noverrides++] = optarg;
			break;
		case 'v':
			cl->verbose = 1;
			break;
		case OPT_DB:
			cl->db = optarg;
			break;
		case OPT_TOPIC:
			cl->topic = optarg;
			break;
		case OPT_BOOTSTRAP_FILE:
			cl->bootstrap_file = optarg;
			break;
		case OPT_DEAD_LETTER:
			cl->dead_letter = optarg;
			break;
		case OPT_UNTIL_CAUGHT_UP:
			cl->until_caught_up = 1;
			break;
		case OPT_FILE:
			if (cl->have_files) {
				msg_warn("give --file once, followed by every file");
				return -1;
			}
			cl->have_files = 1;
			first_file = optarg;
			break;
		case OPT_ALLOW_UNCHECKED:
			cl->allow_unchecked = 1;
			break;
		case OPT_MONTH:
			cl->month = optarg;
			break;
		case OPT_FROM:
			cl->from = optarg;
			break;
		case OPT_TO:
			cl->to = optarg;
			break;
		case OPT_TZ:
			cl->tz = optarg;
			break;
		case OPT_BY_CARRIER:
			cl->by_carrier = 1;
			break;
		case OPT_OUTPUT:
			cl->output = optarg;
			break;
		case OPT_SPAM_OUTPUT:
			cl->spam_output = optarg;
			break;
		case OPT_COVERAGE_OUTPUT:
			cl->coverage_output = optarg;
			break;
		case OPT_LAYOUT:
			cl->layout = optarg;
			break;
		case OPT_LANG:
			cl->lang = optarg;
			break;
		case OPT_ENCODING:
			cl->encoding = optarg;
			break;
		case OPT_MIN_PROVIDERS:
			cl->min_providers = optarg;
			break;
		case OPT_CARRIER:
			cl->carrier = optarg;
			break;
		case OPT_OUT:
			cl->out_dir = optarg;
			break;
		case OPT_FORCE:
			cl->force = 1;
			break;
		case OPT_ALL_DUE:
			cl->all_due = 1;
			break;
		case OPT_DAY:
			cl->day = optarg;
			break;
		default:
			return -1;
		}
	}
	if (cl->have_files) {
		/* --file PATH, then every operand. */
		cl->nfiles = (size_t)(argc - optind) + 1;
		cl->files = xcalloc(cl->nfiles, sizeof(*cl->files));
		cl->files[0] = first_file;
		memcpy(cl->files + 1, argv + optind, (cl->nfiles - 1) * sizeof(*cl->files));
		return 0;
	}
	if (optind != argc) {
		msg_warn("unexpected argument \"%s\"", argv[optind]);
		return -1;
	}
	return 0;
}

/* Defaults, file, -o, then the command line's own options, then derived
 * values; and the log level. 0 or -1 after a message. */
static int load_settings(const struct cmdline *cl, struct settings *s)
{
	const struct {
		const char *name, *value;
	} direct[] = {
		{ "db", cl->db },
		{ "topic", cl->topic },
		{ "bootstrap_file", cl->bootstrap_file },
		{ "dead_letter", cl->dead_letter },
		{ "time_zone", cl->tz },
		{ "encoding", cl->encoding },
		{ "lang", cl->lang },
		{ "min_providers", cl->min_providers },
	};
	struct strbuf err;
	enum msg_level level;
	size_t i;
	int rc = -1;

	strbuf_init(&err, 1024);
	if (settings_load(s, cl->config, cl->overrides, cl->noverrides, &err) < 0)
		goto out;
	for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		if (direct[i].value != NULL && settings_set(s, direct[i].name, direct[i].value, &err) < 0)
			goto out;
	}
	if (settings_finish(s, &err) < 0)
		goto out;
	if (msg_level_parse(s->log_level, &level) < 0) {
		strbuf_printf(&err, "log_level: \"%s\" is not debug, info, warn or error", s->log_level);
		goto out;
	}
	msg_set_level(cl->verbose ? MSG_DEBUG : level);
	rc = 0;
out:
	if (rc < 0)
		msg_error("%s", err.data != NULL ? err.data : "bad settings");
	strbuf_release(&err);
	return rc;
}

/* Ingest stops cleanly on SIGTERM and SIGINT (between batches); the report
 * is short and simply dies. Both take a closed pipe on standard output as a
 * write error rather than death. */
static int install_signals(int catch_stop)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (catch_stop) {
		sa.sa_handler = main_on_signal;
		/* No SA_RESTART: a wait in progress should end early so the loop sees the flag. */
		if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
			return -1;
	}
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* The ingest metrics file, if one is set; a failure is a warning: the
 * run's work is done either way. */
static void ingest_write_metrics(const struct settings *s, struct store *st,
                                 const struct ingest_stats *stats, int ok)
{
	struct strbuf err;

	if (s->ingest_metrics_file == NULL || s->ingest_metrics_file[0] == '\0')
		return;
	strbuf_init(&err, 4096);
	if (ingest_metrics_write(s->ingest_metrics_file, st, stats, ok, (int64_t)time(NULL) * 1000,
	                         &err) < 0)
		msg_warn("ingest: metrics: %s", err.data);
	strbuf_release(&err);
}

static int cmd_ingest(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct ingest_stats stats;
	const struct intake_counts *c = &stats.counts;
	struct store *st = NULL;
	struct strbuf err;
	int rc = EXIT_FAILURE, ran = 0, loaded = 0, failed;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	memset(&stats, 0, sizeof(stats));
	strbuf_init(&err, 4096);
	if (parse_args(argc, argv, ingest_options, &cl) < 0 ||
	    (cl.have_files && cl.until_caught_up) || cl.have_files != (cl.carrier != NULL) ||
	    (!cl.have_files && cl.allow_unchecked)) {
		if (cl.have_files && cl.until_caught_up)
			msg_warn("ingest: --until-caught-up is for Kafka, not --file");
		else if (cl.have_files && cl.carrier == NULL)
			msg_warn("ingest: --file needs --carrier ID, the registered carrier whose files "
			         "they are");
		else if (!cl.have_files && cl.carrier != NULL)
			msg_warn("ingest: --carrier is for --file; Kafka records are bound to their "
			         "carriers by topic (carrier.ID.topics)");
		if (!cl.have_files && cl.allow_unchecked)
			msg_warn("ingest: --allow-unchecked is for --file");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	loaded = 1; /* from here on, every run's end is in the metrics */
	if (cl.carrier != NULL && carriers_find(s.carriers, cl.carrier) == NULL) {
		msg_error("ingest: --carrier %s is not registered (carrier.%s.name in the settings)",
		          cl.carrier, cl.carrier);
		goto out;
	}
	if (install_signals(1) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	st = store_new(s.db, STORE_CREATE, &err);
	if (st == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	ran = 1;
	if (cl.have_files)
		failed = ingest_file_run(st, &s, cl.carrier, cl.files, cl.nfiles, cl.allow_unchecked,
		                         &main_stop, &stats, &err) < 0;
	else
		failed = ingest_kafka_run(st, &s, cl.until_caught_up, &main_stop, &stats, &err) < 0;
	if (stats.counts.refused > 0)
		msg_warn("ingest: %llu record(s) of unregistered carriers or from sources not bound "
		         "to their carrier were dead letters", (unsigned long long)stats.counts.refused);
	if (failed) {
		msg_error("%s", err.data);
		goto out;
	}
	rc = stats.files_failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
out:
	/* Also after a failure: what was committed before it is stored. */
	if (loaded)
		ingest_write_metrics(&s, st, &stats, rc == EXIT_SUCCESS);
	ingest_stats_release(&stats);
	if (ran) {
		printf("records_stored=%llu duplicates_skipped=%llu dead_letters=%llu conflicts=%llu ",
		       (unsigned long long)c->stored, (unsigned long long)c->duplicates,
		       (unsigned long long)c->dead_letters, (unsigned long long)c->conflicts);
		/* Said apart, not in the line (whose fields scripts read): these
		 * are rare and only met in a store that older versions filled. */
		if (c->unverified > 0)
			msg_info("%llu of the duplicates were stored by a version that kept no "
			         "content digest: their content could not be compared",
			         (unsigned long long)c->unverified);
		if (c->sealed > 0)
			msg_info("%llu of the dead letters were records of sealed days "
			         "(sealed_duplicate, day_sealed)", (unsigned long long)c->sealed);
		if (cl.have_files)
			printf("file_records=%llu files=%llu files_failed=%llu\n",
			       (unsigned long long)c->messages, (unsigned long long)stats.files,
			       (unsigned long long)stats.files_failed);
		else
			printf("kafka_messages=%llu\n", (unsigned long long)c->messages);
		if (fflush(stdout) != 0) {
			msg_error("standard output: %s", strerror(errno));
			rc = EXIT_FAILURE;
		}
	}
	store_free(st);
	settings_free(&s);
	free(cl.files);
	strbuf_release(&err);
	return rc;
}

/*
 * A report file is written under a temporary name in its directory and
 * renamed when complete, so a reader never sees half a report and a failed
 * run leaves the previous one in place. A path that exists and is not a
 * regular file (a symbolic link, /dev/stdout, a FIFO) is written in place
 * instead: renaming onto it would replace the link or the device itself.
 * "-" is standard output.
 */
struct output {
	FILE *fp;
	const char *path;       /* NULL: standard output */
	struct atomicfile *af;  /* NULL: written in place */
};

static int output_open(struct output *o, const char *path, struct strbuf *err)
{
	struct stat sb;

	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	o->path = path;
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		o->fp = fopen(path, "w");
		if (o->fp == NULL) {
			strbuf_printf(err, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* A report is meant to be read: the umask decides by whom. */
	o->af = atomicfile_new(path, 0666, err);
	if (o->af == NULL)
		return -1;
	o->fp = atomicfile_stream(o->af, err);
	return o->fp != NULL ? 0 : -1;
}

/* Close without publishing: a temporary file goes. A no-op once committed. */
static void output_abort(struct output *o)
{
	if (o->af != NULL)
		atomicfile_free(o->af);
	else if (o->path != NULL && o->fp != NULL)
		fclose(o->fp);
	o->af = NULL;
	o->fp = NULL;
}

/* Flush, and for a file make it durable and put it in place. 0, or -1 with
 * err (the temporary file is then removed). */
static int output_commit(struct output *o, struct strbuf *err)
{
	const char *name = o->path != NULL ? o->path : "standard output";
	FILE *fp = o->fp;
	int rc = -1;

	if (o->af != NULL) {
		rc = atomicfile_commit(o->af, err);
		goto out;
	}
	if (fflush(fp) != 0 || ferror(fp)) {
		strbuf_printf(err, "%s: write error: %s", name, strerror(errno));
		goto out;
	}
	if (o->path == NULL) {
		rc = 0;
		goto out;
	}
	o->fp = NULL;
	if (fclose(fp) != 0) {
		strbuf_printf(err, "%s: %s", name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	output_abort(o);
	return rc;
}

/* One report file: built in memory, then put in place by output_commit. */
struct report_file {
	const char *path;
	struct csvout *csv;
	struct output out;
};

static int cmd_report(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct report_options opt;
	struct report_month *months = NULL;
	struct report_file files[3]; /* main, spam, coverage */
	enum csvout_encoding enc;
	enum report_lang lang;
	struct report *r = NULL;
	struct store *st = NULL;
	struct strbuf err;
	char *retired_copy = NULL, **retired = NULL;
	size_t nmonths = 0, nretired = 0, i;
	int rc = EXIT_FAILURE, ministry = 0, bad_usage = 0;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	memset(files, 0, sizeof(files));
	strbuf_init(&err, 4096);
	if (parse_args(argc, argv, report_options, &cl) < 0) {
		bad_usage = 1;
	} else if ((cl.month != NULL) == (cl.from != NULL || cl.to != NULL) ||
	           (cl.from != NULL) != (cl.to != NULL)) {
		msg_warn("report: give --month YYYY-MM, or --from YYYY-MM and --to YYYY-MM");
		bad_usage = 1;
	} else if (cl.layout != NULL && strcmp(cl.layout, "tidy") != 0 &&
	           strcmp(cl.layout, "ministry") != 0) {
		msg_warn("report: --layout is tidy or ministry");
		bad_usage = 1;
	} else {
		ministry = cl.layout != NULL && strcmp(cl.layout, "ministry") == 0;
		if (ministry && (cl.by_carrier || cl.spam_output != NULL)) {
			msg_warn("report: the ministry layout has scope \"all\" only and holds the "
			         "spam table; no --by-carrier or --spam-output");
			bad_usage = 1;
		}
	}
	if (bad_usage) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (csvout_encoding_parse(s.encoding, &enc) < 0) {
		msg_error("encoding: \"%s\" is not utf-8, utf-8-bom or cp932", s.encoding);
		goto out;
	}
	if (report_lang_parse(s.lang, &lang) < 0) {
		msg_error("lang: \"%s\" is not en or ja", s.lang);
		goto out;
	}
	if (str_split_list(s.retired_collectors, MAX_RETIRED, &retired_copy, &retired, &nretired) < 0) {
		msg_error("retired_collectors: more than %d names", MAX_RETIRED);
		goto out;
	}
	if (install_signals(0) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	if (report_month_range(cl.month != NULL ? cl.month : cl.from,
	                       cl.month != NULL ? cl.month : cl.to, s.time_zone, &months, &nmonths,
	                       &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	st = store_new(s.db, STORE_EXISTING, &err);
	if (st == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	memset(&opt, 0, sizeof(opt));
	opt.by_carrier = cl.by_carrier;
	opt.min_providers = s.min_providers;
	opt.time_zone = s.time_zone;
	r = report_new(&opt);
	for (i = 0; i < nmonths; i++)
		report_add_period(r, &months[i]);
	if (report_load(r, st, s.carriers, retired, nretired, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	files[0].path = cl.output;
	files[0].csv = csvout_new(enc);
	if (ministry) {
		report_write_ministry(r, lang, files[0].csv);
	} else {
		report_write_methods(r, files[0].csv);
		if (cl.spam_output != NULL) {
			files[1].path = cl.spam_output;
			files[1].csv = csvout_new(enc);
			report_write_spam(r, files[1].csv);
		}
	}
	if (cl.coverage_output != NULL) {
		files[2].path = cl.coverage_output;
		files[2].csv = csvout_new(enc);
		report_write_coverage(r, files[2].csv);
	}
	/* Every file is complete before any is renamed into place. */
	for (i = 0; i < 3; i++) {
		if (files[i].csv == NULL)
			continue;
		/* A name stored before the register checked names (or by a
		 * store written otherwise) still reports, made safe. */
		if (csvout_replaced(files[i].csv) > 0)
			msg_warn("%s: %zu character(s) of text that were not valid UTF-8, were control or "
			         "bidirectional formatting characters, or have no %s encoding, written as "
			         "%s", files[i].path != NULL ? files[i].path : "standard output",
			         csvout_replaced(files[i].csv), csvout_encoding_name(enc),
			         enc == CSVOUT_CP932 ? "\"?\"" : "U+FFFD");
		if (output_open(&files[i].out, files[i].path, &err) < 0 ||
		    csvout_write(files[i].csv, files[i].out.fp, &err) < 0) {
			msg_error("%s: %s", files[i].path != NULL ? files[i].path : "standard output",
			          err.data != NULL ? err.data : "write error");
			goto out;
		}
	}
	for (i = 0; i < 3; i++) {
		if (files[i].csv != NULL && output_commit(&files[i].out, &err) < 0) {
			msg_error("%s", err.data);
			goto out;
		}
	}
	rc = EXIT_SUCCESS;
out:
	for (i = 0; i < 3; i++) {
		output_abort(&files[i].out);
		csvout_free(files[i].csv);
	}
	report_free(r);
	store_free(st);
	free(months);
	free(retired);
	free(retired_copy);
	settings_free(&s);
	strbuf_release(&err);
	return rc;
}

static int cmd_publish(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct publish_request rq;
	struct publish_result res;
	struct strbuf err;
	int rc = EXIT_FAILURE, ok = 0;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	strbuf_init(&err, 65536);
	if (parse_args(argc, argv, publish_options, &cl) < 0 || cl.month == NULL ||
	    cl.out_dir == NULL) {
		if (cl.month == NULL || cl.out_dir == NULL)
			msg_warn("publish: give --month YYYY-MM (or previous) and --out DIR");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (install_signals(0) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	rq.month = cl.month;
	rq.out_dir = cl.out_dir;
	rq.force = cl.force;
	rq.now_ms = (int64_t)time(NULL) * 1000;
	rq.version = ARSTAT_VERSION;
	if (publish_run(&s, &rq, &res, &err) < 0) {
		/* One line for the journal, then the details. */
		msg_error("publish: %s not published: %s", res.month[0] != '\0' ? res.month : cl.month,
		          err.data != NULL ? err.data : "failed");
	} else {
		ok = 1;
		if (res.unchanged)
			msg_info("publish: %s already published, unchanged: %s/%s", res.month, cl.out_dir,
			         res.folder);
		else if (res.forced)
			msg_warn("publish: %s published INCOMPLETE (--force) as %s/%s, revision %u, "
			         "%zu files", res.month, cl.out_dir, res.folder, res.revision, res.files);
		else
			msg_info("publish: %s published as %s/%s, revision %u, %zu files", res.month,
			         cl.out_dir, res.folder, res.revision, res.files);
		printf("month=%s folder=%s/%s revision=%u status=%s files=%zu\n", res.month, cl.out_dir,
		       res.folder, res.revision,
		       res.unchanged ? "unchanged" : res.forced ? "forced" : "complete", res.files);
		if (fflush(stdout) != 0) {
			msg_error("standard output: %s", strerror(errno));
			ok = 0;
		}
	}
	if (ok)
		rc = EXIT_SUCCESS;
	strbuf_reset(&err);
	if (publish_write_metrics(&s, (int64_t)time(NULL) * 1000, ok, &res, &err) < 0) {
		msg_error("publish: metrics: %s", err.data);
		rc = EXIT_FAILURE;
	}
out:
	settings_free(&s);
	strbuf_release(&err);
	return rc;
}

static int cmd_declare(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct declare_result res;
	struct store *st = NULL;
	struct strbuf err;
	int rc = EXIT_FAILURE;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	strbuf_init(&err, 65536);
	if (parse_args(argc, argv, declare_options, &cl) < 0 || cl.nfiles != 1) {
		if (cl.nfiles != 1)
			msg_warn("declare: give one --file CARRIER.csv");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (install_signals(0) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	st = store_new(s.db, STORE_CREATE, &err);
	if (st == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	if (declare_file(st, s.carriers, cl.files[0], (int64_t)time(NULL) * 1000, &res, &err) < 0) {
		msg_error("declare: %s", err.data != NULL ? err.data : "failed");
		goto out;
	}
	msg_info("declare: %s stored as declaration %lld (%zu rows)", cl.files[0],
	         (long long)res.id, res.rows);
	printf("declaration=%lld rows=%zu sha256=%s\n", (long long)res.id, res.rows, res.sha256);
	if (fflush(stdout) != 0) {
		msg_error("standard output: %s", strerror(errno));
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	store_free(st);
	settings_free(&s);
	free(cl.files);
	strbuf_release(&err);
	return rc;
}

/* What the seal command reports: the store's free bytes before each day,
 * to say how many it freed, and the sums of the days sealed. */
struct seal_report {
	struct store *st;
	int64_t free_before;
	struct store_seal_result sum;
	int64_t bytes_freed, store_bytes;
	char first[TIME_DAY_LEN + 1];
};

/* One line per day sealed, on standard output (fields scripts read). */
static void seal_print(void *arg, const struct store_seal_result *res)
{
	struct seal_report *sr = arg;
	int64_t bytes = 0, free_bytes = 0;
	struct strbuf err;

	strbuf_init(&err, 1024);
	if (store_file_bytes(sr->st, &bytes, &free_bytes, &err) < 0) {
		msg_warn("%s", err.data);
		free_bytes = sr->free_before;
	}
	printf("day=%s records=%lld records_rows=%lld records_rows_trimmed=%lld counts_rows=%lld "
	       "counts_sealed_rows=%lld totals_rows=%lld bytes_freed=%lld store_bytes=%lld "
	       "seconds=%.2f\n",
	       res->day, (long long)res->records, (long long)res->records_rows,
	       (long long)res->records_rows_trimmed, (long long)res->counts_rows,
	       (long long)res->counts_sealed_rows, (long long)res->totals_rows,
	       (long long)(free_bytes - sr->free_before), (long long)bytes, res->seconds);
	if (sr->first[0] == '\0')
		memcpy(sr->first, res->day, sizeof(sr->first));
	memcpy(sr->sum.day, res->day, sizeof(sr->sum.day));
	sr->sum.records += res->records;
	sr->sum.records_rows += res->records_rows;
	sr->sum.records_rows_trimmed += res->records_rows_trimmed;
	sr->sum.counts_rows += res->counts_rows;
	sr->sum.counts_sealed_rows += res->counts_sealed_rows;
	sr->sum.totals_rows += res->totals_rows;
	sr->sum.seconds += res->seconds;
	sr->bytes_freed += free_bytes - sr->free_before;
	sr->store_bytes = bytes;
	sr->free_before = free_bytes;
	strbuf_release(&err);
}

/* The seal command's test hook: ARSTAT_TEST_SEAL_PAUSE_MS pauses inside
 * each day's transaction, so that a test can kill the process there.
 * Unset (in use) it is 0. */
static unsigned seal_pause_ms(void)
{
	const char *v = getenv("ARSTAT_TEST_SEAL_PAUSE_MS");
	int64_t ms;

	if (v == NULL || num_parse_i64_str(v, 0, 600000, &ms) < 0)
		return 0;
	return (unsigned)ms;
}

static int cmd_seal(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct seal_report sr;
	struct store *st = NULL;
	struct strbuf err;
	int64_t now_ms = (int64_t)time(NULL) * 1000, horizon_ms, first_day = 0, bytes;
	size_t sealed = 0, ndays = 0;
	int rc = EXIT_FAILURE, year = 0, month = 0, given;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	memset(&sr, 0, sizeof(sr));
	strbuf_init(&err, 4096);
	if (parse_args(argc, argv, seal_options, &cl) < 0) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	given = (cl.day != NULL) + (cl.month != NULL) + cl.all_due;
	if (given != 1 || (cl.all_due && cl.force) ||
	    (cl.month != NULL && time_parse_month(cl.month, strlen(cl.month), &year, &month) < 0) ||
	    (cl.day != NULL && time_parse_day(cl.day, strlen(cl.day), &first_day) < 0)) {
		if (given != 1)
			msg_warn("seal: give one of --day YYYY-MM-DD, --month YYYY-MM, --all-due");
		else if (cl.all_due)
			msg_warn("seal: --force is for one --day or --month");
		else if (cl.month != NULL)
			msg_warn("seal: --month %s is not YYYY-MM", cl.month);
		else
			msg_warn("seal: --day %s is not YYYY-MM-DD", cl.day);
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (install_signals(0) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	horizon_ms = s.seal_after_days * 86400000;
	if (cl.month != NULL) {
		first_day = time_days_from_civil(year, (unsigned)month, 1);
		ndays = (size_t)time_month_days(year, month);
	} else if (cl.day != NULL) {
		ndays = 1;
	}
	if (ndays > 0 && (first_day + (int64_t)ndays) * 86400000 + horizon_ms > now_ms &&
	    !cl.force) {
		msg_error("seal: %s ended less than seal_after_days (%lld) ago: a record of it "
		          "may still arrive; --force to seal it anyway",
		          cl.month != NULL ? cl.month : cl.day, (long long)s.seal_after_days);
		goto out;
	}
	st = store_new(s.db, STORE_EXISTING, &err);
	if (st == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	sr.st = st;
	if (store_file_bytes(st, &bytes, &sr.free_before, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	if ((ndays > 0 ? store_seal_days(st, first_day, ndays, now_ms, seal_pause_ms(), seal_print,
	                                 &sr, &sealed, &err)
	               : store_seal_all_due(st, now_ms, horizon_ms, seal_pause_ms(), seal_print,
	                                    &sr, &sealed, &err)) < 0) {
		msg_error("seal: %s", err.data);
		goto out;
	}
	if (sealed == 0) {
		msg_info("seal: no day sealed%s", ndays > 0 ? ": sealed already" : "");
	} else {
		printf("sealed_days=%zu first=%s last=%s records=%lld records_rows=%lld "
		       "records_rows_trimmed=%lld counts_rows=%lld counts_sealed_rows=%lld "
		       "totals_rows=%lld bytes_freed=%lld store_bytes=%lld seconds=%.2f\n",
		       sealed, sr.first, sr.sum.day, (long long)sr.sum.records,
		       (long long)sr.sum.records_rows, (long long)sr.sum.records_rows_trimmed,
		       (long long)sr.sum.counts_rows, (long long)sr.sum.counts_sealed_rows,
		       (long long)sr.sum.totals_rows, (long long)sr.bytes_freed,
		       (long long)sr.store_bytes, sr.sum.seconds);
	}
	if (fflush(stdout) != 0) {
		msg_error("standard output: %s", strerror(errno));
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	store_free(st);
	settings_free(&s);
	strbuf_release(&err);
	return rc;
}

/*
 * --check-config: load the settings as every command does (the file, -o,
 * the register of carriers) and say what they hold; touches no store and no
 * broker. Exit 0 if they are sound, 1 if not, 2 on bad usage.
 */
static int cmd_check_config(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	int rc = EXIT_FAILURE;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	if (parse_args(argc, argv, check_options, &cl) < 0) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0)
		goto out;
	printf("configuration OK: store %s, %zu carrier(s), topic %s\n", s.db,
	       carriers_count(s.carriers), s.topic);
	rc = EXIT_SUCCESS;
out:
	settings_free(&s);
	return rc;
}

/* --help-config[=tsv]: every setting with its default (settings.c). */
static int help_config(const char *arg)
{
	enum cfg_help_form form = CFG_HELP_TEXT;

	if (strcmp(arg, "--help-config=tsv") == 0) {
		form = CFG_HELP_TSV;
	} else if (strcmp(arg, "--help-config") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cfg_help(stdout, settings_table, form) < 0) {
		msg_error("cannot write the settings: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* --version: the program, the project's version and the record schemas it
 * reads (every version ever published that this build knows). */
static void version_print(void)
{
	const struct record_schema_version *v;
	size_t i, n = record_schema_versions(&v);

	printf("arstat-aggregator %s\n", ARSTAT_VERSION);
	for (i = 0; i < n; i++)
		printf("reads record schema v%d (fingerprint %016llx)\n", v[i].version,
		       (unsigned long long)v[i].fingerprint);
}

int main(int argc, char **argv)
{
	msg_init("arstat-aggregator");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "ingest") == 0)
		return cmd_ingest(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "publish") == 0)
		return cmd_publish(argc - 1, argv + 1);
	if (strcmp(argv[1], "declare") == 0)
		return cmd_declare(argc - 1, argv + 1);
	if (strcmp(argv[1], "seal") == 0)
		return cmd_seal(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		version_print();
		return EXIT_SUCCESS;
	}
	if (strncmp(argv[1], "--help-config", 13) == 0)
		return help_config(argv[1]);
	if (strcmp(argv[1], "--check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	usage(stderr);
	return EXIT_USAGE;
}
