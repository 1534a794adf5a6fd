/*
 * arstat-collector - count sender-authentication outcomes in a mail host's
 * logs and publish anonymised counts.
 *
 * What it does: reads the mail host's logs (syslog with Postfix, OpenDKIM,
 * OpenDMARC, amavis and rspamd lines; Exim's main log; rspamd's own log: one
 * parser per format in input_*.c), joins the lines of each message by host
 * and queue ID, reads the Authentication-Results headers the MTA logs
 * (Postfix header_checks INFO, an Exim ACL's logwrite), the milters' results
 * and the spam verdict, assembles one outcome per message, counts outcomes
 * per event-time window, and publishes one Avro record per window
 * (schemas/counts-v1.avsc) to Kafka, or to container files (sink = file).
 *
 * What leaves the host: the carrier id, a pseudonym of the host (a keyed
 * hash under a secret that stays in the state directory), the window, the
 * counts and health counters. Never an address, IP, queue ID, subject or
 * host name; info-level logs hold only counts.
 *
 * Trust: every log line is untrusted input (senders choose header text):
 * lines are bounded, malformed ones are counted and skipped, and only
 * Authentication-Results whose authserv-id is configured as trusted count.
 * The configuration file is trusted.
 *
 * Privileges: read access to the log, write access to the state directory,
 * network access to the Kafka brokers. It needs no root; run it as its own
 * user in the adm group (Debian's log files are root:adm 0640).
 *
 * Durability: progress (reading positions, open messages and windows, the
 * next sequence number) is saved atomically in the state directory together
 * with an outbox of records not yet acknowledged; a record is sent only once
 * it is saved, and removed only once the sink acknowledged it. A restart,
 * a crash at any instant, a Kafka outage or a log rotation neither loses a
 * count nor publishes one twice under different identities.
 *
 * Modes: by default it follows its inputs until SIGTERM or SIGINT (then it
 * publishes what is complete, within a bound, and exits 0). SIGHUP reloads
 * the configuration and reopens the files (by re-executing itself from the
 * saved state). --once reads the inputs to their current end, publishes
 * everything, waits for the acknowledgements and exits.
 *
 * Under systemd (Type=notify): READY=1 once the state is loaded and the
 * inputs opened, WATCHDOG=1 from the main loop when the unit sets
 * WatchdogSec= (a hung disk or a loop that stopped turning gets the
 * collector restarted), STATUS= with the counts at every report,
 * RELOADING=1 on SIGHUP and STOPPING=1 on SIGTERM. Exit status: 0, 1 for
 * a failure of the environment (state directory, inputs of --once), 64
 * (EX_USAGE) for a bad command line, 78 (EX_CONFIG) for a bad configuration,
 * which the unit does not restart (RestartPreventExitStatus=78).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "collector.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "settings.h"

#ifndef ARSTAT_VERSION
#define ARSTAT_VERSION "0"
#endif

#define MAX_OVERRIDES 64

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: arstat-collector -c FILE [-o name=value]... [--once] [--input PATH]\n"
	        "       arstat-collector -c FILE --check-config\n"
	        "  -c, --config FILE     configuration file (see config/collector.conf.example)\n"
	        "  -o name=value         override one setting (repeatable), e.g.\n"
	        "                        -o kafka.bootstrap.servers=host:9092\n"
	        "  --input PATH          the log file to read (sets 'input')\n"
	        "  --once                read the inputs to their end, publish, wait for the\n"
	        "                        acknowledgements, exit (batch and backfill)\n"
	        "  --check-config        check the configuration and exit\n"
	        "  --help-config[=tsv]   list the settings with their defaults (tsv: for\n"
	        "                        programs: name, type, default, min, max, help)\n"
	        "  --version             print the version\n"
	        "Without --once it follows the inputs until SIGTERM/SIGINT; SIGHUP reloads.\n");
}

/* ---- systemd's notification protocol (nothing without NOTIFY_SOCKET) ---- */

static uint64_t watchdog_usec; /* WatchdogSec= of the unit, 0 if none */
static int64_t watchdog_last_ms, status_last_ms;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The counts the unit's status shows (systemctl status). */
static void service_status(struct collector *c)
{
	struct collector_stats st;

	collector_stats(c, &st);
	sd_notifyf(0, "STATUS=lines %llu (malformed %llu, overlong %llu), messages %llu, records "
	              "%llu (acknowledged %llu, outbox %llu), lag %lld s%s%s%s",
	           (unsigned long long)st.lines, (unsigned long long)st.malformed,
	           (unsigned long long)st.overlong, (unsigned long long)st.messages,
	           (unsigned long long)st.records_made, (unsigned long long)st.records_acked,
	           (unsigned long long)st.outbox_records, (long long)st.lag_seconds,
	           st.backpressure ? ", BACKPRESSURE" : "", st.state_broken ? ", STATE UNWRITABLE" : "",
	           st.sink_down ? ", SINK DOWN" : "");
	status_last_ms = now_ms();
}

/* Ready: the state is loaded, the inputs open (or waited for). */
static void service_ready(struct collector *c)
{
	/* Kept in the environment: a reload re-executes this program, which
	 * must go on notifying under the same PID. */
	if (sd_watchdog_enabled(0, &watchdog_usec) <= 0)
		watchdog_usec = 0;
	watchdog_last_ms = now_ms();
	service_status(c);
	sd_notify(0, "READY=1");
}

/* Once per turn of the main loop; a ping every half watchdog period, the
 * status every stats interval. */
static void service_alive(struct collector *c, int64_t status_every_ms)
{
	int64_t now = now_ms();

	if (watchdog_usec > 0 && (now - watchdog_last_ms) * 2000 >= (int64_t)watchdog_usec) {
		sd_notify(0, "WATCHDOG=1");
		watchdog_last_ms = now;
	}
	if (now - status_last_ms >= status_every_ms)
		service_status(c);
}

/* --help-config[=tsv]: 0, EX_USAGE for an unknown form, 1 if stdout failed. */
static int help_config(const char *form)
{
	if (form != NULL && strcmp(form, "tsv") != 0) {
		usage(stderr);
		return EX_USAGE;
	}
	if (cfg_help(stdout, settings_table, form != NULL ? CFG_HELP_TSV : CFG_HELP_TEXT) < 0) {
		msg_error("cannot write the settings: %s", strerror(errno));
		return 1;
	}
	return 0;
}

/* --version: the program, the project's version, the record schema it writes. */
static void version_print(void)
{
	const struct record_schema_version *v;
	size_t n = record_schema_versions(&v);

	printf("arstat-collector %s\n", ARSTAT_VERSION);
	/* Newest first: the collector writes the current schema. */
	if (n > 0)
		printf("writes record schema v%d (fingerprint %016llx)\n", v[0].version,
		       (unsigned long long)v[0].fingerprint);
}

static void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* A file size limit (systemd's LimitFSIZE=, ulimit -f) reached by the
	 * outbox must be an error we report and recover from (EFBIG), not a
	 * signal that kills us. */
	sigaction(SIGXFSZ, &sa, NULL);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "input", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "help-config", optional_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *overrides[MAX_OVERRIDES + 2];
	char *input_opt = NULL;
	size_t noverrides = 0;
	const char *config = NULL;
	int once = 0, check = 0, opt, rc = 1;
	struct settings s;
	struct strbuf err;
	struct collector *c = NULL;
	enum msg_level level;

	msg_init("arstat-collector");
	memset(&s, 0, sizeof(s));
	strbuf_init(&err, 4096);
	while ((opt = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (noverrides == MAX_OVERRIDES)
				msg_fatal_status(EX_USAGE, "too many -o options (at most %d)", MAX_OVERRIDES);
			overrides[noverrides++] = optarg;
			break;
		case 'i':
			free(input_opt);
			input_opt = xmalloc(strlen(optarg) + 7);
			memcpy(input_opt, "input=", 6);
			memcpy(input_opt + 6, optarg, strlen(optarg) + 1);
			break;
		case '1':
			once = 1;
			break;
		case 'C':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			return help_config(optarg);
		case 'V':
			version_print();
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (input_opt != NULL)
		overrides[noverrides++] = input_opt;
	if (settings_load(&s, config, overrides, noverrides, &err) < 0)
		msg_fatal_status(EX_CONFIG, "configuration: %s", err.data);
	if (msg_level_parse(s.log_level, &level) < 0)
		msg_fatal_status(EX_CONFIG,
		                 "configuration: log_level: \"%s\" is not debug, info, warn or error",
		                 s.log_level);
	msg_set_level(level);
	if (check) {
		printf("configuration OK: carrier %s, %zu input(s), sink %s\n", s.carrier, s.ninputs,
		       s.sink);
		rc = 0;
		goto out;
	}
	signals_init();
	c = collector_new(&s, &err);
	if (c == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	if (once && collector_inputs_open(c, &err) < 0) {
		msg_error("%s; --once reads nothing", err.data);
		goto out;
	}
	service_ready(c);
	if (once) {
		collector_backfill(c);
		for (;;) {
			size_t n = collector_step(c);

			service_alive(c, s.stats_interval_seconds * 1000);

			if (stop_requested || (n == 0 && collector_caught_up(c)))
				break;
			if (n == 0)
				collector_wait(c); /* paused: outbox full or state unwritable */
		}
		if (stop_requested) {
			sd_notify(0, "STOPPING=1");
			collector_shutdown(c, (int)s.flush_timeout_ms);
		} else if (collector_finish_all(c, &err) < 0) {
			msg_error("%s", err.data);
			collector_report(c);
			goto out;
		}
		collector_report(c);
		rc = 0;
		goto out;
	}
	msg_info("following %zu input(s)", s.ninputs);
	while (!stop_requested && !reload_requested) {
		if (collector_step(c) == 0)
			collector_wait(c);
		service_alive(c, s.stats_interval_seconds * 1000);
	}
	sd_notify(0, reload_requested && !stop_requested ? "RELOADING=1" : "STOPPING=1");
	collector_shutdown(c, (int)s.flush_timeout_ms);
	collector_report(c);
	if (reload_requested && !stop_requested) {
		collector_free(c);
		c = NULL;
		msg_info("reloading: configuration and files");
		/* A fresh start from the saved state is the simplest complete reload. */
		execv("/proc/self/exe", argv);
		msg_error("cannot re-execute for the reload: %s", strerror(errno));
		goto out;
	}
	msg_info("stopped");
	rc = 0;
out:
	collector_free(c);
	settings_free(&s);
	free(input_opt);
	strbuf_release(&err);
	return rc;
}
