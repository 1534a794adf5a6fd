/*
 * settings - the collector's one configuration struct, loaded once from the
 * table in settings.c (file given with -c, overrides with -o name=value) and
 * read-only afterwards.
 */
#ifndef ARSTAT_COLLECTOR_SETTINGS_H
#define ARSTAT_COLLECTOR_SETTINGS_H

#include <stdint.h>

#include "config.h"
#include "result.h"
#include "strbuf.h"

/* Longest input.NAME (the checkpoint stores names of up to 127 bytes). */
#define SETTINGS_INPUT_NAME_MAX 64

struct settings {
	char *carrier;           /* carrier id, published as is */
	char *host_name;         /* pseudonymised before anything leaves; default: gethostname() */
	char *state_dir;         /* identity, secret, sequence numbers */
	char *input;             /* the log file to read */
	char *input_format;      /* "postfix", ... (collector/input.c) */
	char *journal_identifiers; /* format journal: SYSLOG_IDENTIFIERs read, '*' a prefix */
	char *time_zone;         /* for timestamps without a zone */
	char *trusted_authserv_ids; /* comma-separated */
	char *authres_header_names; /* comma-separated vendor names of Authentication-Results */
	char *spam_default;      /* verdict of a message without a spam header: unknown|ham */
	char *exim_ar_prefix;    /* word before a logged header in Exim's main log; may be empty */
	int rspamd_symbols;      /* rspamd's result symbols count as results (bool) */
	int spamd_join;          /* spamd's result lines, joined by Message-ID (bool) */
	int pmg_reinjection;     /* PMG: its filter's copies are the same message (bool) */
	int amavis_content_filter; /* amavis re-injects into Postfix: join queued_as (bool) */
	int publish_fates;       /* publish each message's fate (bool) */
	char *topic;
	char *log_level;
	char *pseudonym_secret;  /* hex; if unset, generated into the state directory */
	char *sink;              /* kafka | file */
	char *file_sink_dir;
	char *start_at;          /* beginning | end: where a new input starts */
	char *metrics_file;      /* Prometheus text format, written atomically */
	int64_t window_seconds;
	int64_t window_grace_seconds;
	int64_t vouch_interval_seconds;
	int64_t max_line_length;
	int64_t max_open_messages;
	int64_t message_idle_seconds;
	int64_t max_future_seconds; /* lines dated later than the clock plus this are implausible */
	int64_t max_past_seconds;   /* ... and earlier than the newest line read minus this */
	int64_t flush_timeout_ms;
	int64_t outbox_max_bytes;
	int64_t checkpoint_interval_ms;
	int64_t checkpoint_max_bytes_per_second; /* a large checkpoint is written more rarely */
	int64_t poll_interval_ms;
	int64_t stats_interval_seconds;
	struct cfg_kvlist kafka; /* every kafka.NAME setting */
	struct cfg_kvlist kafka_files; /* every kafka_file.NAME = PATH (a secret's file) */
	struct cfg_kvlist input_defs; /* every input.NAME = FORMAT PATH */

	/* Derived once by settings_load(); not settings of their own. */
	struct settings_input {
		char *name;
		char *format;
		char *path;
	} *inputs;
	size_t ninputs;
	const char **trusted_ids;
	size_t ntrusted;
	const char **authres_names;
	size_t nauthres_names;
	enum ar_spam spam_default_verdict;
};

extern const struct cfg_entry settings_table[];

/*
 * Fill s from defaults, then the file (if path is not NULL), then the
 * overrides ("name=value" strings, n of them), then check and derive.
 * 0, or -1 with a reason in err. s must be zeroed before the first call.
 */
int settings_load(struct settings *s, const char *path, char *const *overrides, size_t n,
                  struct strbuf *err);
void settings_free(struct settings *s);

#endif
