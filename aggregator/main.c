/*
 * arstat-aggregator - consume the counts collectors publish and write the
 * monthly report regulators publish.
 *
 *   arstat-aggregator ingest --db FILE [-c CONFIG] [-o name=value ...]
 *                            [--topic T] [--bootstrap-file PATH]
 *                            [--dead-letter FILE] [--until-caught-up] [-v]
 *       Read every partition of the counts topic (default arstat.counts)
 *       from the position kept in the store, without a consumer group, and
 *       add each record's counts to the store (SQLite, see store.h). With
 *       --until-caught-up, stop once every partition has reached the end it
 *       had at the start; otherwise follow the topic until SIGTERM or
 *       SIGINT. A re-run, a crash or a duplicate delivery never changes a
 *       total. Prints a one-line summary on standard output.
 *
 *   arstat-aggregator report --db FILE --month YYYY-MM [--tz ZONE]
 *                            [--by-carrier] [--output FILE]
 *                            [--spam-output FILE] [-c CONFIG] [-o name=value]
 *       Write the month's method CSV (to FILE or standard output) and, if
 *       asked, the spam CSV; months are cut at midnight in ZONE (default
 *       Asia/Tokyo). The columns are defined at the top of report.c.
 *
 * Settings (-c file, -o name=value, see settings.c; kafka.NAME passes NAME to
 * librdkafka). Exit status: 0 on success, 1 on an error, 2 on bad usage.
 *
 * Trust: Kafka messages are untrusted. Each must be a record of a known
 * schema version that passes the store's checks; any other message is
 * counted, logged by topic, partition and offset (never by content), kept in
 * the dead-letter file and passed over. The store file and the settings are
 * trusted: they are the operator's.
 *
 * Privileges: none. It needs to write the store's directory (SQLite's WAL
 * and shared-memory files live beside the store) and to reach the brokers.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"
#include "log.h"
#include "mem.h"
#include "report.h"
#include "settings.h"
#include "store.h"

#define EXIT_USAGE 2
/* -o may be given this often; more is a mistake, not a configuration. */
#define MAX_OVERRIDES 256

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
	      "       arstat-aggregator report --db FILE --month YYYY-MM [--tz ZONE]\n"
	      "                                [--by-carrier] [--output FILE] [--spam-output FILE]\n"
	      "                                [-c CONFIG] [-o name=value ...] [-v]\n"
	      "       arstat-aggregator --help | --version\n",
	      fp);
}

/* What the command line says, before settings are loaded. */
struct cmdline {
	const char *config;
	char *overrides[MAX_OVERRIDES];
	size_t noverrides;
	/* Options that are settings too; applied after -c and -o. */
	const char *db, *topic, *bootstrap_file, *dead_letter, *tz;
	int verbose, until_caught_up, by_carrier;
	const char *month, *output, *spam_output;
};

enum {
	OPT_DB = 256,
	OPT_TOPIC,
	OPT_BOOTSTRAP_FILE,
	OPT_DEAD_LETTER,
	OPT_UNTIL_CAUGHT_UP,
	OPT_MONTH,
	OPT_TZ,
	OPT_BY_CARRIER,
	OPT_OUTPUT,
	OPT_SPAM_OUTPUT,
};

static const struct option ingest_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "topic", required_argument, NULL, OPT_TOPIC },
	{ "bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP_FILE },
	{ "dead-letter", required_argument, NULL, OPT_DEAD_LETTER },
	{ "until-caught-up", no_argument, NULL, OPT_UNTIL_CAUGHT_UP },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const struct option report_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "month", required_argument, NULL, OPT_MONTH },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "by-carrier", no_argument, NULL, OPT_BY_CARRIER },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "spam-output", required_argument, NULL, OPT_SPAM_OUTPUT },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* 0, or -1 after a message on a usage error. */
static int parse_args(int argc, char **argv, const struct option *options, struct cmdline *cl)
{
	int c;

	optind = 1;
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
		case OPT_MONTH:
			cl->month = optarg;
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
		default:
			return -1;
		}
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

static int cmd_ingest(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct ingest_stats stats;
	struct store *st = NULL;
	struct strbuf err;
	int rc = EXIT_FAILURE, ran = 0;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	memset(&stats, 0, sizeof(stats));
	strbuf_init(&err, 4096);
	if (parse_args(argc, argv, ingest_options, &cl) < 0) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0)
		goto out;
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
	if (ingest_run(st, &s, cl.until_caught_up, &main_stop, &stats, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	/* Also after a failure: what was committed before it is stored. */
	if (ran) {
		printf("records_stored=%llu duplicates_skipped=%llu dead_letters=%llu "
		       "conflicts=%llu kafka_messages=%llu\n",
		       (unsigned long long)stats.stored, (unsigned long long)stats.duplicates,
		       (unsigned long long)stats.dead_letters, (unsigned long long)stats.conflicts,
		       (unsigned long long)stats.kafka_messages);
		if (fflush(stdout) != 0) {
			msg_error("standard output: %s", strerror(errno));
			rc = EXIT_FAILURE;
		}
	}
	store_free(st);
	settings_free(&s);
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
	const char *path; /* NULL: standard output */
	char *tmp;        /* NULL: written in place */
};

static int output_open(struct output *o, const char *path, struct strbuf *err)
{
	struct strbuf name;
	struct stat sb;
	mode_t mask;
	int fd = -1, rc = -1;

	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	o->path = path;
	strbuf_init(&name, 4096);
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		o->fp = fopen(path, "w");
		if (o->fp == NULL) {
			strbuf_printf(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (strbuf_printf(&name, "%s.XXXXXX", path) < 0) {
		strbuf_printf(err, "%s: path too long", path);
		goto out;
	}
	fd = mkstemp(name.data);
	if (fd < 0) {
		strbuf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	o->tmp = xstrdup(name.data);
	/* mkstemp makes the file private; a report is meant to be read. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0) {
		strbuf_printf(err, "%s: %s", o->tmp, strerror(errno));
		goto out;
	}
	o->fp = fdopen(fd, "w");
	if (o->fp == NULL) {
		strbuf_printf(err, "%s: %s", o->tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && o->tmp != NULL) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	strbuf_release(&name);
	return rc;
}

/* Close without publishing: the temporary file goes. A no-op once committed. */
static void output_abort(struct output *o)
{
	if (o->path == NULL || o->fp == NULL)
		return;
	fclose(o->fp);
	o->fp = NULL;
	if (o->tmp != NULL) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
}

/* Flush, and for a file make it durable and put it in place. 0, or -1 with
 * err (the temporary file is then removed). */
static int output_commit(struct output *o, struct strbuf *err)
{
	const char *name = o->path != NULL ? o->path : "standard output";
	FILE *fp = o->fp;
	int rc = -1;

	if (fflush(fp) != 0 || ferror(fp)) {
		strbuf_printf(err, "%s: write error: %s", name, strerror(errno));
		goto out;
	}
	if (o->path == NULL) {
		rc = 0;
		goto out;
	}
	if (o->tmp != NULL && fsync(fileno(fp)) < 0) {
		strbuf_printf(err, "%s: %s", o->tmp, strerror(errno));
		goto out;
	}
	o->fp = NULL;
	if (fclose(fp) != 0) {
		strbuf_printf(err, "%s: %s", o->tmp != NULL ? o->tmp : name, strerror(errno));
		goto out;
	}
	if (o->tmp != NULL && rename(o->tmp, o->path) < 0) {
		strbuf_printf(err, "%s: %s", o->path, strerror(errno));
		goto out;
	}
	free(o->tmp);
	o->tmp = NULL;
	rc = 0;
out:
	if (rc < 0) {
		output_abort(o);
		if (o->tmp != NULL) {
			unlink(o->tmp);
			free(o->tmp);
			o->tmp = NULL;
		}
	}
	return rc;
}

static int cmd_report(int argc, char **argv)
{
	struct cmdline cl;
	struct settings s;
	struct report_month month;
	struct output out_methods, out_spam;
	struct report *r = NULL;
	struct store *st = NULL;
	struct strbuf err;
	int rc = EXIT_FAILURE;

	memset(&cl, 0, sizeof(cl));
	memset(&s, 0, sizeof(s));
	memset(&out_methods, 0, sizeof(out_methods));
	memset(&out_spam, 0, sizeof(out_spam));
	strbuf_init(&err, 4096);
	if (parse_args(argc, argv, report_options, &cl) < 0 || cl.month == NULL) {
		if (cl.month == NULL)
			msg_warn("report: --month YYYY-MM is required");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_settings(&cl, &s) < 0)
		goto out;
	if (install_signals(0) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	if (report_month_init(&month, cl.month, s.time_zone, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	st = store_new(s.db, STORE_EXISTING, &err);
	if (st == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	r = report_new();
	if (report_load(r, st, &month, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	/* Both files are complete before either is renamed into place. */
	if (output_open(&out_methods, cl.output, &err) < 0 ||
	    (cl.spam_output != NULL && output_open(&out_spam, cl.spam_output, &err) < 0)) {
		msg_error("%s", err.data);
		goto out;
	}
	if (report_write_methods(r, &month, cl.by_carrier, out_methods.fp) < 0 ||
	    (cl.spam_output != NULL &&
	     report_write_spam(r, &month, cl.by_carrier, out_spam.fp) < 0)) {
		msg_error("writing the report failed");
		goto out;
	}
	if (output_commit(&out_methods, &err) < 0 ||
	    (cl.spam_output != NULL && output_commit(&out_spam, &err) < 0)) {
		msg_error("%s", err.data);
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	output_abort(&out_methods);
	output_abort(&out_spam);
	report_free(r);
	store_free(st);
	settings_free(&s);
	strbuf_release(&err);
	return rc;
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
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("arstat-aggregator " ARSTAT_VERSION);
		return EXIT_SUCCESS;
	}
	usage(stderr);
	return EXIT_USAGE;
}
