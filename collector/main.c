/*
 * arstat-collector - count sender-authentication outcomes in a mail host's
 * logs and publish anonymised counts.
 *
 * What it does: reads the MTA's log (Postfix, via syslog), joins the lines
 * of each message by host and queue ID, reads the Authentication-Results
 * headers logged by header_checks INFO and the spam verdict, assembles one
 * outcome per message, counts outcomes per event-time window, and publishes
 * one Avro record per window (schemas/counts-v1.avsc) to Kafka.
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
 * This walking-skeleton version runs with --once: read the input to its end,
 * publish every window, wait for Kafka's acknowledgement, exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "linereader.h"
#include "log.h"
#include "mem.h"
#include "messages.h"
#include "record.h"
#include "settings.h"
#include "sink_kafka.h"
#include "state.h"
#include "strutil.h"
#include "windows.h"

#define MAX_OVERRIDES 64
/* Malformed lines named one by one per run; the rest only counted. */
#define MALFORMED_LOGGED 10

struct run_totals {
	uint64_t lines, malformed, overlong, records, messages;
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: arstat-collector -c FILE [-o name=value]... --once [--input PATH]\n"
	        "  -c, --config FILE     configuration file (see config/collector.conf.example)\n"
	        "  -o name=value         override one setting (repeatable), e.g.\n"
	        "                        -o kafka.bootstrap.servers=host:9092\n"
	        "  --input PATH          the log file to read (overrides 'input')\n"
	        "  --once                read the input to its end, publish, exit\n"
	        "  --help-config         list the settings with their defaults\n");
}

static void help_config(void)
{
	const struct cfg_entry *e;

	for (e = settings_table; e->name != NULL; e++)
		printf("%-24s %-10s %s\n", e->name, e->defval ? e->defval : "-", e->help);
}

/* Encode and queue one window's batch with the next sequence number. */
static int publish(struct sink_kafka *sk, const struct state *st, const struct settings *s,
                   struct record_batch *b, int64_t *seq, struct run_totals *tot,
                   struct strbuf *err)
{
	struct strbuf buf;
	size_t i;
	int rc = -1;

	strbuf_init(&buf, 16 * 1024 * 1024);
	str_copy(b->carrier, s->carrier, sizeof(b->carrier));
	str_copy(b->collector, state_pseudonym(st), sizeof(b->collector));
	b->epoch = state_epoch(st);
	b->seq = (*seq)++;
	if (record_encode(b, &buf, err) < 0)
		goto out;
	if (sink_kafka_send(sk, b->collector, buf.data, buf.len, err) < 0)
		goto out;
	tot->records++;
	for (i = 0; i < b->ncells; i++)
		tot->messages += (uint64_t)b->cells[i].messages;
	rc = 0;
out:
	strbuf_release(&buf);
	return rc;
}

/* Publish every window that can no longer change. */
static int publish_ready(struct windows *ws, int64_t before_ms, struct sink_kafka *sk,
                         const struct state *st, const struct settings *s, int64_t *seq,
                         struct run_totals *tot, struct strbuf *err)
{
	struct record_batch b;
	int rc = 0;

	record_batch_init(&b);
	while (windows_take(ws, before_ms, &b)) {
		if (publish(sk, st, s, &b, seq, tot, err) < 0) {
			rc = -1;
			break;
		}
	}
	record_batch_free(&b);
	return rc;
}

static int run_once(const struct settings *s, struct state *st, struct sink_kafka *sk,
                    struct run_totals *tot, struct strbuf *err)
{
	struct messages_config mc;
	struct windows *ws = windows_new(s->window_seconds * 1000);
	struct messages *ms;
	struct linereader *lr = NULL;
	int64_t seq = state_next_seq(st), now_ms = INT64_MIN, last_check = 0;
	int fd = -1, rc = -1;
	/* Health of lines without a usable time goes to the window of the last good line. */
	struct record_health pending = { 0 };
	struct input_clock clk;
	struct stat sb;
	input_parse_fn parse;

	mc.max_open = (size_t)s->max_open_messages;
	mc.idle_ms = s->message_idle_seconds * 1000;
	mc.spam_default = s->spam_default_verdict;
	mc.trust.ids = s->trusted_ids;
	mc.trust.n = s->ntrusted;
	ms = messages_new(&mc, ws);

	if (s->input == NULL) {
		strbuf_printf(err, "no input: set 'input' or give --input");
		goto out;
	}
	fd = open(s->input, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		strbuf_printf(err, "%s: %s", s->input, strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) < 0) {
		strbuf_printf(err, "%s: %s", s->input, strerror(errno));
		goto out;
	}
	/* Stamps without a year are placed relative to the file's last write. */
	input_clock_init(&clk, (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000);
	parse = input_format_find(s->input_format);
	lr = linereader_new(fd, (size_t)s->max_line_length);
	for (;;) {
		const char *line, *why = NULL;
		size_t len;
		struct input_event ev;
		struct record_health *h;
		enum lr_status ls = linereader_next(lr, &line, &len);

		if (ls == LR_EOF)
			break;
		if (ls == LR_ERROR) {
			strbuf_printf(err, "%s: %s", s->input, strerror(errno));
			goto out;
		}
		tot->lines++;
		if (ls == LR_OVERLONG) {
			tot->overlong++;
			h = now_ms == INT64_MIN ? &pending : windows_health(ws, now_ms);
			h->lines_read++;
			h->lines_overlong++;
			continue;
		}
		if (parse(line, len, &clk, &ev, &why) != INPUT_OK) {
			tot->malformed++;
			/* Only the offset, never the line: it may hold addresses. */
			if (tot->malformed <= MALFORMED_LOGGED)
				msg_warn("%s: malformed line at offset %llu: %s%s", s->input,
				         (unsigned long long)(linereader_offset(lr) - len - 1), why,
				         tot->malformed == MALFORMED_LOGGED
				                 ? " (further malformed lines are counted, not logged)"
				                 : "");
			h = now_ms == INT64_MIN ? &pending : windows_health(ws, now_ms);
			h->lines_read++;
			h->lines_malformed++;
			continue;
		}
		if (ev.time_ms > now_ms)
			now_ms = ev.time_ms;
		windows_health(ws, ev.time_ms)->lines_read++;
		messages_apply(ms, &ev);
		/* Expire idle messages and publish finished windows once per second of log time. */
		if (last_check == 0 || now_ms - last_check >= 1000) {
			int64_t ready;

			last_check = now_ms;
			messages_expire(ms, now_ms);
			ready = now_ms - s->window_grace_seconds * 1000;
			if (messages_oldest_ms(ms) < ready)
				ready = messages_oldest_ms(ms);
			if (publish_ready(ws, ready, sk, st, s, &seq, tot, err) < 0)
				goto out;
			sink_kafka_poll(sk);
		}
	}
	if (linereader_pending(lr) > 0)
		msg_warn("%s: %zu bytes of an unfinished last line left unread", s->input,
		         linereader_pending(lr));
	if (now_ms != INT64_MIN) {
		struct record_health *h = windows_health(ws, now_ms);

		h->lines_read += pending.lines_read;
		h->lines_malformed += pending.lines_malformed;
		h->lines_overlong += pending.lines_overlong;
	} else if (pending.lines_read > 0) {
		msg_warn("%s: no line with a usable timestamp; %lld lines not counted in any window",
		         s->input, (long long)pending.lines_read);
	}
	messages_complete_all(ms);
	if (publish_ready(ws, INT64_MAX, sk, st, s, &seq, tot, err) < 0)
		goto out;
	if (sink_kafka_flush(sk, (int)s->flush_timeout_ms, err) < 0)
		goto out;
	/* Only now are the numbers used: a record is stored once Kafka acknowledged it. */
	if (state_save_seq(st, seq, err) < 0)
		goto out;
	rc = 0;
out:
	linereader_free(lr);
	if (fd >= 0)
		close(fd);
	messages_free(ms);
	windows_free(ws);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "input", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ "help-config", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	char *overrides[MAX_OVERRIDES + 1];
	size_t noverrides = 0;
	const char *config = NULL, *input = NULL;
	int once = 0, opt, rc = 1;
	struct settings s;
	struct strbuf err;
	struct state *st = NULL;
	struct sink_kafka *sk = NULL;
	struct run_totals tot = { 0 };
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
				msg_fatal("too many -o options (at most %d)", MAX_OVERRIDES);
			overrides[noverrides++] = optarg;
			break;
		case 'i':
			input = optarg;
			break;
		case '1':
			once = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			help_config();
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !once) {
		usage(stderr);
		if (!once)
			msg_error("only --once mode exists in this version");
		return 2;
	}
	if (settings_load(&s, config, overrides, noverrides, &err) < 0)
		msg_fatal("configuration: %s", err.data);
	if (msg_level_parse(s.log_level, &level) < 0)
		msg_fatal("configuration: log_level: \"%s\" is not debug, info, warn or error",
		          s.log_level);
	msg_set_level(level);
	if (input != NULL) {
		free(s.input);
		s.input = xstrdup(input);
	}
	st = state_open(s.state_dir, s.pseudonym_secret, s.host_name, &err);
	if (st == NULL) {
		msg_error("state: %s", err.data);
		goto out;
	}
	sk = sink_kafka_new(&s.kafka, s.topic, &err);
	if (sk == NULL) {
		msg_error("%s", err.data);
		goto out;
	}
	if (run_once(&s, st, sk, &tot, &err) < 0) {
		msg_error("%s", err.data);
		goto out;
	}
	msg_info("done: %llu lines (%llu malformed, %llu overlong), %llu messages in %llu records "
	         "acknowledged",
	         (unsigned long long)tot.lines, (unsigned long long)tot.malformed,
	         (unsigned long long)tot.overlong, (unsigned long long)tot.messages,
	         (unsigned long long)tot.records);
	rc = 0;
out:
	sink_kafka_free(sk);
	state_free(st);
	settings_free(&s);
	strbuf_release(&err);
	return rc;
}
