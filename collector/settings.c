#include "settings.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authres.h"
#include "input.h"
#include "kafka_conf.h"
#include "mem.h"
#include "record_batch.h"

#define S(field) offsetof(struct settings, field)

const struct cfg_entry settings_table[] = {
	{ "carrier", CFG_STR, NULL, 0, 0, S(carrier), "carrier id (required)" },
	{ "host_name", CFG_STR, NULL, 0, 0, S(host_name), "host name to pseudonymise (default: this host's)" },
	{ "state_dir", CFG_STR, "/var/lib/arstat", 0, 0, S(state_dir), "state directory" },
	{ "input", CFG_STR, NULL, 0, 0, S(input), "mail log file to read" },
	{ "input_format", CFG_STR, "syslog", 0, 0, S(input_format),
	  "format of the input: syslog (Postfix, milters, spam filters), journal (the same "
	  "programs in the systemd journal; input: system, a directory or a file), exim or rspamd" },
	{ "journal_identifiers", CFG_STR,
	  "postfix*,opendkim,opendmarc,amavis,amavisd,amavisd-new,rspamd,exim,spamd,"
	  "pmg-smtp-filter,MailScanner",
	  0, 0,
	  S(journal_identifiers),
	  "format journal: the SYSLOG_IDENTIFIERs read, comma-separated; a trailing * matches "
	  "any ending (postfix* takes postfix/cleanup and postfix-out/qmgr)" },
	{ "time_zone", CFG_STR, "Asia/Tokyo", 0, 0, S(time_zone),
	  "zone of log timestamps that carry none (IANA name)" },
	{ "trusted_authserv_ids", CFG_STR, NULL, 0, 0, S(trusted_authserv_ids),
	  "comma-separated authserv-ids whose Authentication-Results count (required)" },
	{ "authres_header_names", CFG_STR, "", 0, 0, S(authres_header_names),
	  "comma-separated vendor names read as Authentication-Results, \"*\" for one or more "
	  "characters (e.g. X-*-Authentication-Results); empty: none" },
	{ "spam_default", CFG_STR, "unknown", 0, 0, S(spam_default),
	  "verdict of a message without spam header: unknown or ham" },
	{ "exim_ar_prefix", CFG_STR, "ar:", 0, 0, S(exim_ar_prefix),
	  "exim: the word before NAME: VALUE in the ACL's logwrite of a header; empty: none" },
	{ "rspamd_symbols", CFG_BOOL, "no", 0, 0, S(rspamd_symbols),
	  "yes: rspamd's SPF, DKIM, DMARC and ARC symbols in its result line count as results" },
	{ "spamd_join", CFG_BOOL, "no", 0, 0, S(spamd_join),
	  "yes: SpamAssassin's spamd result lines count, joined to their message by the Message-ID "
	  "Postfix's cleanup logs" },
	{ "pmg_reinjection", CFG_BOOL, "no", 0, 0, S(pmg_reinjection),
	  "yes on a Proxmox Mail Gateway: a message pmg-smtp-filter queues again is the same "
	  "message (counted once)" },
	{ "amavis_content_filter", CFG_BOOL, "no", 0, 0, S(amavis_content_filter),
	  "yes if amavis is Postfix's content_filter: its \"queued_as\" queue ID is the same message" },
	{ "publish_fates", CFG_BOOL, "yes", 0, 0, S(publish_fates),
	  "yes: publish each message's fate (accepted, rejected, discarded, held); no, for an "
	  "aggregator older than store schema 7, which refuses fates: refused messages are then "
	  "not counted" },
	{ "topic", CFG_STR, "arstat.counts", 0, 0, S(topic), "Kafka topic for the counts" },
	{ "log_level", CFG_STR, "info", 0, 0, S(log_level), "debug, info, warn or error" },
	{ "pseudonym_secret", CFG_STR, NULL, 0, 0, S(pseudonym_secret),
	  "hex secret for the collector pseudonym (default: generated in state_dir)" },
	{ "window_seconds", CFG_INT, "60", 1, 3600, S(window_seconds),
	  "length of a counting window; must divide 3600" },
	{ "window_grace_seconds", CFG_INT, "30", 0, 86400, S(window_grace_seconds),
	  "how long after its end a window stays open for late lines" },
	{ "vouch_interval_seconds", CFG_INT, "3600", 60, 86400, S(vouch_interval_seconds),
	  "without mail, a record vouching for the quiet windows goes out this often" },
	{ "max_line_length", CFG_INT, "16384", 256, 1048576, S(max_line_length),
	  "longer log lines are counted and skipped" },
	{ "max_open_messages", CFG_INT, "200000", 16, 100000000, S(max_open_messages),
	  "open-message table bound; when full the oldest is completed early" },
	{ "message_idle_seconds", CFG_INT, "600", 1, 86400, S(message_idle_seconds),
	  "a message with no line for this long is completed" },
	{ "max_future_seconds", CFG_INT, "86400", 0, 31622400, S(max_future_seconds),
	  "a line dated more than this after the clock is implausible: counted, ignored" },
	{ "max_past_seconds", CFG_INT, "604800", 60, 315619200, S(max_past_seconds),
	  "a line dated more than this before the newest line read is implausible: counted, ignored" },
	{ "flush_timeout_ms", CFG_INT, "60000", 100, 3600000, S(flush_timeout_ms),
	  "how long to wait for Kafka to acknowledge at the end" },
	{ "sink", CFG_STR, "kafka", 0, 0, S(sink), "where records go: kafka or file" },
	{ "file_sink_dir", CFG_STR, NULL, 0, 0, S(file_sink_dir),
	  "sink = file: directory of the Avro container files" },
	{ "start_at", CFG_STR, "beginning", 0, 0, S(start_at),
	  "where an input without a saved position starts: beginning or end" },
	{ "metrics_file", CFG_STR, NULL, 0, 0, S(metrics_file),
	  "Prometheus text-format file of counters (e.g. for node_exporter's textfile collector)" },
	{ "outbox_max_bytes", CFG_INT, "67108864", 65536, INT64_C(1) << 40, S(outbox_max_bytes),
	  "unacknowledged records kept on disk before reading stops (backpressure)" },
	{ "checkpoint_interval_ms", CFG_INT, "1000", 10, 60000, S(checkpoint_interval_ms),
	  "how often progress is saved, at most (see checkpoint_max_bytes_per_second)" },
	{ "checkpoint_max_bytes_per_second", CFG_INT, "4194304", 1024, INT64_C(1) << 40,
	  S(checkpoint_max_bytes_per_second),
	  "checkpoints are spaced so that writing them stays under this rate (and 5% of the time)" },
	{ "poll_interval_ms", CFG_INT, "200", 10, 1000, S(poll_interval_ms),
	  "how often a quiet input is looked at again" },
	{ "stats_interval_seconds", CFG_INT, "60", 1, 86400, S(stats_interval_seconds),
	  "how often counters are logged and the metrics file written" },
	{ "kafka.", CFG_PREFIX, NULL, 0, 0, S(kafka), "any librdkafka property, e.g. kafka.bootstrap.servers" },
	{ "kafka_file.", CFG_PREFIX, NULL, 0, 0, S(kafka_files),
	  "librdkafka property NAME set to the content of the file PATH, e.g. kafka_file.sasl.password = /etc/arstat/kafka.password (only its owner may read it: chmod 600)" },
	{ "input.", CFG_PREFIX, NULL, 0, 0, S(input_defs),
	  "input.NAME = FORMAT PATH: one more log to read (formats: see input_format)" },
	CFG_END,
};

/* Split a list of items separated by commas or blanks, once at start-up,
 * into a new array of copies in *items (freed by free_list()); NULL is empty. */
static void split_list(const char *p, const char ***items, size_t *n)
{
	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ", \t");

		if (len > 0) {
			*items = xreallocarray(*items, *n + 1, sizeof(char *));
			(*items)[(*n)++] = xstrndup(p, len);
		}
		p += len;
		p += strspn(p, ", \t");
	}
}

static void free_list(const char ***items, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((char *)(*items)[i]);
	free(*items);
	*items = NULL;
	*n = 0;
}

static void settings_add_input(struct settings *s, const char *name, const char *format,
                               const char *path)
{
	s->inputs = xreallocarray(s->inputs, s->ninputs + 1, sizeof(*s->inputs));
	s->inputs[s->ninputs].name = xstrdup(name);
	s->inputs[s->ninputs].format = xstrdup(format);
	s->inputs[s->ninputs].path = xstrdup(path);
	s->ninputs++;
}

/* "input = PATH" (with input_format) and every "input.NAME = FORMAT PATH". */
static int settings_inputs(struct settings *s, struct strbuf *err)
{
	size_t i, j;

	if (s->input != NULL)
		settings_add_input(s, "main", s->input_format, s->input);
	for (i = 0; i < s->input_defs.n; i++) {
		const char *name = s->input_defs.items[i].name, *v = s->input_defs.items[i].value;
		size_t fl = strcspn(v, " \t");
		char *format;
		const char *path = v + fl;

		path += strspn(path, " \t");
		/* The name keys the input's position in the checkpoint. */
		if (strlen(name) > SETTINGS_INPUT_NAME_MAX ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		            strlen(name)) {
			strbuf_printf(err, "input.%.64s: the name must be 1 to %d letters, digits, '_' or '-'",
			              name, SETTINGS_INPUT_NAME_MAX);
			return -1;
		}
		if (fl == 0 || *path == '\0') {
			strbuf_printf(err, "input.%s: expected \"FORMAT PATH\"", name);
			return -1;
		}
		format = xstrndup(v, fl);
		if (input_format_find(format) == NULL) {
			strbuf_printf(err, "input.%s: \"%s\" is not a known format", name, format);
			free(format);
			return -1;
		}
		for (j = 0; j < s->ninputs; j++) {
			if (strcmp(s->inputs[j].name, name) == 0) {
				strbuf_printf(err, "input.%s: the name is taken", name);
				free(format);
				return -1;
			}
		}
		settings_add_input(s, name, format, path);
		free(format);
	}
	return 0;
}

static int settings_derive(struct settings *s, struct strbuf *err)
{
	size_t i;

	if (s->carrier == NULL || s->carrier[0] == '\0') {
		strbuf_printf(err, "carrier is not set");
		return -1;
	}
	if (record_carrier_check(s->carrier, err) < 0)
		return -1;
	if (3600 % s->window_seconds != 0) {
		strbuf_printf(err, "window_seconds: %lld does not divide 3600",
		              (long long)s->window_seconds);
		return -1;
	}
	if (s->trusted_authserv_ids == NULL || s->trusted_authserv_ids[0] == '\0') {
		strbuf_printf(err, "trusted_authserv_ids is not set: without it no header can be trusted");
		return -1;
	}
	if (strcmp(s->spam_default, "unknown") == 0)
		s->spam_default_verdict = SPAM_UNKNOWN;
	else if (strcmp(s->spam_default, "ham") == 0)
		s->spam_default_verdict = SPAM_HAM;
	else {
		strbuf_printf(err, "spam_default: \"%s\" is not unknown or ham", s->spam_default);
		return -1;
	}
	if (input_format_find(s->input_format) == NULL) {
		strbuf_printf(err, "input_format: \"%s\" is not a known format", s->input_format);
		return -1;
	}
	if (settings_inputs(s, err) < 0)
		return -1;
	for (i = 0; i < s->ninputs; i++) {
		/* An empty list would read nothing, and say nothing about it. */
		if (strcmp(s->inputs[i].format, "journal") == 0 &&
		    s->journal_identifiers[strspn(s->journal_identifiers, ", \t")] == '\0') {
			strbuf_printf(err, "journal_identifiers: empty, but input %s reads the journal",
			              s->inputs[i].name);
			return -1;
		}
	}
	if (strcmp(s->sink, "kafka") != 0 && strcmp(s->sink, "file") != 0) {
		strbuf_printf(err, "sink: \"%s\" is not kafka or file", s->sink);
		return -1;
	}
	if (strcmp(s->sink, "kafka") == 0 && kafka_conf_check(&s->kafka, &s->kafka_files, err) < 0)
		return -1;
	if (strcmp(s->sink, "file") == 0 && s->file_sink_dir == NULL) {
		strbuf_printf(err, "sink = file needs file_sink_dir");
		return -1;
	}
	if (strcmp(s->start_at, "beginning") != 0 && strcmp(s->start_at, "end") != 0) {
		strbuf_printf(err, "start_at: \"%s\" is not beginning or end", s->start_at);
		return -1;
	}
	if (input_exim_set_prefix(s->exim_ar_prefix) < 0) {
		strbuf_printf(err, "exim_ar_prefix: must be at most %d characters without blanks",
		              INPUT_EXIM_PREFIX_MAX);
		return -1;
	}
	input_rspamd_set_symbols(s->rspamd_symbols);
	input_spamd_set_enabled(s->spamd_join);
	input_pmg_set_enabled(s->pmg_reinjection);
	if (input_clock_set_zone(s->time_zone) < 0) {
		strbuf_printf(err, "time_zone: \"%s\" is not a known time zone", s->time_zone);
		return -1;
	}
	if (s->host_name == NULL) {
		char host[256];

		if (gethostname(host, sizeof(host) - 1) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		s->host_name = xstrdup(host);
	}
	split_list(s->trusted_authserv_ids, &s->trusted_ids, &s->ntrusted);
	split_list(s->authres_header_names, &s->authres_names, &s->nauthres_names);
	for (i = 0; i < s->nauthres_names; i++) {
		/* These have their own form (ARC's "i=N;", RFC 7208's result
		 * first): read as Authentication-Results they would be malformed,
		 * or ARC's record of another host's checks would count as ours. */
		enum authres_kind k = authres_header_kind(s->authres_names[i],
		                                          strlen(s->authres_names[i]), NULL, 0);

		if (k == AUTHRES_KIND_AAR || k == AUTHRES_KIND_RECEIVED_SPF) {
			strbuf_printf(err, "authres_header_names: \"%s\" is not a vendor name of "
			              "Authentication-Results", s->authres_names[i]);
			return -1;
		}
	}
	if (s->ntrusted == 0) {
		strbuf_printf(err, "trusted_authserv_ids: empty list");
		return -1;
	}
	return 0;
}

int settings_load(struct settings *s, const char *path, char *const *overrides, size_t n,
                  struct strbuf *err)
{
	if (cfg_load(settings_table, s, path, overrides, n, err) < 0)
		return -1;
	return settings_derive(s, err);
}

void settings_free(struct settings *s)
{
	size_t i;

	for (i = 0; i < s->ninputs; i++) {
		free(s->inputs[i].name);
		free(s->inputs[i].format);
		free(s->inputs[i].path);
	}
	free(s->inputs);
	s->inputs = NULL;
	s->ninputs = 0;
	free_list(&s->trusted_ids, &s->ntrusted);
	free_list(&s->authres_names, &s->nauthres_names);
	cfg_free(settings_table, s);
}
