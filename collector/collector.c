#include "collector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "checkpoint.h"
#include "input.h"
#include "journal.h"
#include "log.h"
#include "mem.h"
#include "messages.h"
#include "msgids.h"
#include "metrics.h"
#include "outbox.h"
#include "record.h"
#include "sink.h"
#include "state.h"
#include "strutil.h"
#include "tail.h"
#include "windows.h"

/* Lines read per step, and from one input before looking at the others:
 * small enough that inputs advance together in time. */
#define STEP_LINES 4096
#define STEP_LINES_PER_TURN 64

struct cinput {
	char *name;
	char *path;
	input_parse_fn parse;
	struct tail *tail;       /* a file, or */
	struct journal *journal; /* the systemd journal (the other is NULL) */
	char *resume_cursor;     /* the journal's saved cursor until it is open */
	uint64_t losses_seen;    /* the tail's positions_lost already counted */
	struct input_clock clk;
	int at_eof;
	int open_ok;
	int64_t last_ms; /* time of the newest line read from this input */
	int64_t first_ms; /* ... and of the first one this run read (for vouching) */
	/* Why the file could not be opened the last time (NULL if it could),
	 * and the reason last logged: a failure is said once, not per retry. */
	char *why, *why_logged;
	int64_t retry_mono, backoff_ms; /* next attempt, and the wait after a failure */
	int read_errno; /* the last read error (0 if none), for --once */
	uint64_t lines;  /* lines read, for the metrics */
	uint64_t read_errors; /* read errors met, for vouching */
};

/* Retries of a file that is there but cannot be read wait from the poll
 * interval up to this; a missing file is looked for at every poll, as
 * tail -F does. */
#define OPEN_BACKOFF_MAX_MS 30000

struct collector {
	const struct settings *s;
	struct state *st;
	struct outbox *ob;
	struct sink *sink;
	struct windows *ws;
	struct messages *ms;
	struct msgids *ids; /* spamd_join: Message-ID to queue ID; else NULL */
	struct cinput *in;
	size_t nin;
	char host_short[256]; /* host of lines from formats without a host column */
	int64_t next_seq;     /* next sequence number to give a record */
	int64_t durable_seq;  /* records below this are covered by a durable checkpoint */
	int64_t log_now;      /* newest log time read (ms), INT64_MIN if none */
	int64_t wall_now;     /* the wall clock (ms) when this step began reading */
	struct record_health pending; /* health of lines before the first timestamp */
	struct collector_stats stats;
	int step_state_failed; /* a save failed in this collector_step */
	int dirty;
	int64_t last_ckpt_mono, last_report_mono, last_wall_expire_mono;
	size_t last_ckpt_bytes;    /* size of the last checkpoint saved */
	int64_t last_ckpt_took_ms; /* how long saving progress took the last time */
	int64_t last_line_mono; /* when a line was last read */
	struct tail_watch *watch; /* NULL: no inotify, sleep the poll interval */
	struct checkpoint_input *saved; /* nin: the positions of the next checkpoint */
	struct collector_input_stats *in_stats; /* nin: collector_stats' per-input part */
	int backfill;          /* --once: vouch by the lines' times, not the clock */
	uint64_t vouch_errors; /* the inputs' read errors as the last vouch_step saw them */
};

static int64_t mono_ms(void);

/* ---- an input is a file (tail.h) or the journal (journal.h) ---- */

/* Open at resume (NULL: none saved); 0, or -1 with errno and why. */
static int cin_open(struct cinput *in, const struct checkpoint_input *resume, int at_end,
                    struct strbuf *why)
{
	if (in->journal == NULL)
		return tail_open(in->tail, resume != NULL ? &resume->pos : NULL, at_end, why);
	/* A saved cursor holds until the journal could be opened at it: a
	 * journal missing at start must not be read from its beginning later. */
	if (resume != NULL && resume->cursor[0] != '\0') {
		free(in->resume_cursor);
		in->resume_cursor = xstrdup(resume->cursor);
	}
	if (journal_open(in->journal, in->resume_cursor, at_end, why) < 0)
		return -1;
	free(in->resume_cursor);
	in->resume_cursor = NULL;
	return 0;
}

static enum lr_status cin_next(struct cinput *in, const char **line, size_t *len)
{
	if (in->journal != NULL)
		return journal_next(in->journal, line, len);
	return tail_next(in->tail, line, len);
}

static int cin_poll(struct cinput *in)
{
	if (in->journal != NULL)
		return journal_poll(in->journal);
	return tail_poll(in->tail);
}

static void cin_position(struct cinput *in, struct checkpoint_input *pos)
{
	if (in->journal != NULL) {
		/* Not open yet: the cursor it will open at is still where it is. */
		if (in->resume_cursor != NULL)
			str_copy(pos->cursor, in->resume_cursor, sizeof(pos->cursor));
		else
			journal_position(in->journal, pos->cursor, sizeof(pos->cursor));
		return;
	}
	tail_position(in->tail, &pos->pos);
}

/* Possible losses of the input found since the last call: journal entries
 * deleted before they were read, a file's saved position gone. */
static uint64_t cin_take_losses(struct cinput *in)
{
	uint64_t n;

	if (in->journal != NULL)
		return journal_take_losses(in->journal);
	n = tail_stats(in->tail)->positions_lost - in->losses_seen;
	in->losses_seen += n;
	return n;
}

/*
 * Open in's file (at resume if not NULL, else at the start or at_end): 1 if
 * it is open. On failure the reason is kept in in->why (logged by the
 * caller), and a file that is there but cannot be read (no permission, a
 * directory, a FIFO) is tried again ever more rarely.
 */
static int input_open(struct collector *c, struct cinput *in,
                      const struct checkpoint_input *resume, int at_end)
{
	struct strbuf why;
	int missing;

	strbuf_init(&why, 4096);
	in->open_ok = cin_open(in, resume, at_end, &why) == 0;
	missing = !in->open_ok && errno == ENOENT;
	free(in->why);
	in->why = in->open_ok ? NULL : xstrdup(why.data);
	strbuf_release(&why);
	if (in->open_ok || missing) {
		in->backoff_ms = 0;
		return in->open_ok;
	}
	in->backoff_ms = in->backoff_ms == 0 ? c->s->poll_interval_ms : in->backoff_ms * 2;
	if (in->backoff_ms > OPEN_BACKOFF_MAX_MS)
		in->backoff_ms = OPEN_BACKOFF_MAX_MS;
	in->retry_mono = mono_ms() + in->backoff_ms;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_ack(void *arg, int64_t seq, int ok)
{
	struct collector *c = arg;

	outbox_ack(c->ob, seq, ok);
	if (ok) {
		c->stats.records_acked++;
		c->stats.last_ack_ms = wall_ms();
	}
	c->dirty = 1;
}

/* Reference time for stamps without a year: the file's last write. */
static void input_clock_refresh(struct cinput *in)
{
	struct stat st;

	if (stat(in->path, &st) == 0)
		in->clk.ref_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

/* ---- checkpoint ---- */

/* Save progress: the outbox's records made durable first, as the checkpoint
 * claims them; then the checkpoint; then the outbox may start over. */
static int save_progress(struct collector *c, struct strbuf *err)
{
	struct checkpoint k;
	size_t i, size;

	if (outbox_sync(c->ob, err) < 0)
		return -1;
	outbox_reset_begin(c->ob);
	memset(&k, 0, sizeof(k));
	k.next_seq = c->next_seq;
	k.outbox_start = outbox_start(c->ob);
	k.outbox_end = outbox_end(c->ob);
	k.log_now = c->log_now;
	for (i = 0; i < c->nin; i++)
		cin_position(&c->in[i], &c->saved[i]);
	k.inputs = c->saved;
	k.ninputs = c->nin;
	if (checkpoint_save(c->st, &k, c->ms, c->ws, &size, err) < 0)
		return -1;
	c->last_ckpt_bytes = size;
	c->stats.checkpoint_bytes += size;
	if (outbox_reset_done(c->ob, err) < 0)
		return -1;
	c->durable_seq = c->next_seq;
	c->stats.checkpoints++;
	c->dirty = 0;
	return 0;
}

/* ---- construction ---- */

static void try_checkpoint(struct collector *c, int force);

struct collector *collector_new(const struct settings *s, struct strbuf *err)
{
	struct collector *c = xcalloc(1, sizeof(*c));
	struct messages_config mc;
	struct sink_params sp;
	struct checkpoint k;
	size_t i, j;
	int found;

	memset(&k, 0, sizeof(k));
	c->s = s;
	c->log_now = INT64_MIN;
	c->wall_now = wall_ms();
	c->stats.start_ms = c->wall_now;
	c->last_ckpt_mono = c->last_report_mono = c->last_wall_expire_mono = mono_ms();
	c->last_line_mono = c->last_ckpt_mono;
	/* Syslog writes the short host name; lines of formats without a host
	 * column (Exim, rspamd) get the same, so they join Postfix's lines. */
	str_copy(c->host_short, s->host_name, sizeof(c->host_short));
	c->host_short[strcspn(c->host_short, ".")] = '\0';

	c->st = state_open(s->state_dir, s->pseudonym_secret, s->host_name, err);
	if (c->st == NULL)
		goto fail;
	c->ws = windows_new(s->window_seconds * 1000);
	memset(&mc, 0, sizeof(mc));
	mc.max_open = (size_t)s->max_open_messages;
	mc.idle_ms = s->message_idle_seconds * 1000;
	mc.spam_default = s->spam_default_verdict;
	mc.trust.ids = s->trusted_ids;
	mc.trust.n = s->ntrusted;
	mc.authres_names = s->authres_names;
	mc.nauthres_names = s->nauthres_names;
	mc.wait_for_inputs = s->ninputs > 1;
	mc.join_reinjected = s->amavis_content_filter || s->pmg_reinjection;
	mc.publish_fates = s->publish_fates;
	c->ms = messages_new(&mc, c->ws);
	messages_set_clock(c->ms, mono_ms());
	if (s->spamd_join)
		c->ids = msgids_new((size_t)s->max_open_messages);
	found = checkpoint_load(c->st, &k, c->ms, c->ws, err);
	if (found < 0)
		goto fail;
	c->next_seq = found ? k.next_seq : state_next_seq(c->st);
	c->durable_seq = c->next_seq;
	if (found)
		c->log_now = k.log_now;
	if (c->log_now != INT64_MIN && c->log_now - c->wall_now > s->max_future_seconds * 1000) {
		/* Saved by a version that took any time for real, after a line from
		 * the future: kept, every real line would be "in the past". */
		msg_warn("the checkpoint's newest log time is %lld s after the clock; forgotten",
		         (long long)((c->log_now - c->wall_now) / 1000));
		c->log_now = INT64_MIN;
	}
	c->ob = outbox_open(state_dir(c->st), k.outbox_start, k.outbox_end, err);
	if (c->ob == NULL)
		goto fail;
	/* The outbox's live records were made before the checkpoint that
	 * covers them: a later number would never be sent, and hold up all
	 * behind it. */
	if (outbox_last_seq(c->ob) >= c->next_seq) {
		strbuf_printf(err, "%s/outbox: record %lld, but the checkpoint's next sequence number "
		              "is %lld", state_dir(c->st), (long long)outbox_last_seq(c->ob),
		              (long long)c->next_seq);
		goto fail;
	}

	if (s->ninputs == 0) {
		strbuf_printf(err, "no input: set input (and input_format) or input.NAME = FORMAT PATH");
		goto fail;
	}
	c->watch = tail_watch_new();
	c->in = xcalloc(s->ninputs, sizeof(*c->in));
	c->saved = xcalloc(s->ninputs, sizeof(*c->saved));
	c->in_stats = xcalloc(s->ninputs, sizeof(*c->in_stats));
	c->nin = s->ninputs;
	for (i = 0; i < s->ninputs; i++) {
		struct cinput *in = &c->in[i];
		const struct checkpoint_input *resume = NULL;

		in->last_ms = in->first_ms = INT64_MIN;
		in->name = xstrdup(s->inputs[i].name);
		in->path = xstrdup(s->inputs[i].path);
		in->parse = input_format_find(s->inputs[i].format);
		if (strcmp(s->inputs[i].format, "journal") == 0)
			in->journal = journal_new(in->path, s->journal_identifiers,
			                          (size_t)s->max_line_length, c->host_short);
		else
			in->tail = tail_new(in->path, (size_t)s->max_line_length);
		str_copy(c->saved[i].name, in->name, sizeof(c->saved[i].name));
		input_clock_init(&in->clk, wall_ms());
		input_clock_refresh(in);
		for (j = 0; j < k.ninputs; j++) {
			if (strcmp(k.inputs[j].name, in->name) == 0)
				resume = &k.inputs[j];
		}
		/* A failure is reported by the caller's mode: collector_inputs_open
		 * for --once, the first read_input when following. */
		input_open(c, in, resume, strcmp(s->start_at, "end") == 0);
		if (in->tail != NULL && c->watch != NULL && tail_watch_add(c->watch, in->tail) < 0)
			msg_debug("inotify on the directory of input %s: %s", in->name, strerror(errno));
	}

	memset(&sp, 0, sizeof(sp));
	sp.kind = s->sink;
	sp.kafka = &s->kafka;
	sp.kafka_files = &s->kafka_files;
	sp.topic = s->topic;
	sp.file_dir = s->file_sink_dir;
	sp.file_prefix = state_pseudonym(c->st);
	sp.ack = on_ack;
	sp.ack_arg = c;
	c->sink = sink_new(&sp, err);
	if (c->sink == NULL)
		goto fail;
	if (outbox_count(c->ob) > 0)
		msg_info("resuming with %zu unacknowledged records in the outbox", outbox_count(c->ob));
	if (!found) {
		/* A first start saves where each input begins right away: killed
		 * before its first regular checkpoint, while the log was rotated,
		 * the next start would otherwise begin at the new live file and
		 * skip the rotated one. */
		c->dirty = 1;
		try_checkpoint(c, 1);
	}
	checkpoint_release(&k);
	return c;
fail:
	checkpoint_release(&k);
	collector_free(c);
	return NULL;
}

void collector_free(struct collector *c)
{
	size_t i;

	if (c == NULL)
		return;
	sink_free(c->sink);
	for (i = 0; i < c->nin; i++) {
		tail_free(c->in[i].tail);
		journal_free(c->in[i].journal);
		free(c->in[i].resume_cursor);
		free(c->in[i].name);
		free(c->in[i].path);
		free(c->in[i].why);
		free(c->in[i].why_logged);
	}
	free(c->in);
	free(c->saved);
	free(c->in_stats);
	tail_watch_free(c->watch);
	messages_free(c->ms);
	msgids_free(c->ids);
	windows_free(c->ws);
	outbox_free(c->ob);
	state_free(c->st);
	free(c);
}

/* ---- reading ---- */

static struct record_health *health_at(struct collector *c, int64_t t)
{
	return t == INT64_MIN ? &c->pending : windows_health(c->ws, t);
}

/*
 * Whether a line's time t (ms) cannot be its real time: later than the
 * clock by more than max_future_seconds (clocks of relays differ, and a
 * stamp without a zone may be read in the wrong one, so a little future is
 * allowed), or earlier than the newest line read by more than
 * max_past_seconds (logs are written in time order; late relays and a
 * second input read behind the first stay within it). Such a line, e.g. one
 * dated 9999 that any local user can send through the system logger, would
 * otherwise open a window that is published, close every open window and
 * message at once, and move the lag; *why then says which bound it passed
 * and by how many seconds.
 */
static int time_implausible(const struct collector *c, int64_t t, const char **why,
                            int64_t *by_s)
{
	int64_t future = c->s->max_future_seconds * 1000, past = c->s->max_past_seconds * 1000;

	/* Times are within the parsers' years 0..9999: no difference overflows. */
	if (t - c->wall_now > future) {
		*why = "after the clock";
		*by_s = (t - c->wall_now) / 1000;
		return 1;
	}
	if (c->log_now != INT64_MIN && c->log_now - t > past) {
		*why = "before the newest line read";
		*by_s = (c->log_now - t) / 1000;
		return 1;
	}
	return 0;
}

/*
 * The Message-ID join (spamd_join): a message-id line tells which queue ID
 * a Message-ID is, a verdict that names its message by Message-ID (spamd)
 * gets that queue ID. 0 if ev must go no further: such a verdict whose
 * message is unknown counts nothing, as any verdict without its message.
 */
static __attribute__((noinline)) int join_message_id(struct collector *c, struct input_event *ev)
{
	if (ev->kind == IN_MSGID && ev->message_id.len > 0) {
		msgids_put(c->ids, ev->host, ev->message_id.p, ev->message_id.len, ev->queue_id);
		return 1;
	}
	if (ev->kind != IN_SPAM || ev->queue_id.len > 0)
		return 1;
	return msgids_get(c->ids, ev->host, ev->message_id.p, ev->message_id.len, &ev->queue_id) == 0;
}

static void process_line(struct collector *c, struct cinput *in, const char *line, size_t len)
{
	struct input_event ev;
	const char *why = NULL;
	int64_t by_s;

	c->stats.lines++;
	if (in->parse(line, len, &in->clk, &ev, &why) != INPUT_OK) {
		struct record_health *h = health_at(c, c->log_now);

		c->stats.malformed++;
		h->lines_read++;
		h->lines_malformed++;
		/* Never the line itself: it may hold addresses. */
		if (c->stats.malformed <= 10)
			msg_warn("input %s: malformed line: %s%s", in->name, why,
			         c->stats.malformed == 10 ? " (further ones are counted, not logged)" : "");
		return;
	}
	if (time_implausible(c, ev.time_ms, &why, &by_s)) {
		struct record_health *h = health_at(c, c->log_now);

		/* The record has no counter of its own for these (its schema is
		 * fixed): its health counts the line as read and unreadable, in
		 * the newest window, as a malformed line; the metrics tell the two
		 * apart. */
		c->stats.implausible++;
		h->lines_read++;
		h->lines_malformed++;
		if (c->stats.implausible <= 10)
			msg_warn("input %s: line dated %lld s %s, counted as implausible and ignored%s",
			         in->name, (long long)by_s, why,
			         c->stats.implausible == 10 ? " (further ones are counted, not logged)" : "");
		return;
	}
	if (ev.host.len == 0) {
		ev.host.p = c->host_short;
		ev.host.len = strlen(c->host_short);
	}
	if (c->log_now == INT64_MIN && c->pending.lines_read > 0) {
		struct record_health *h = windows_health(c->ws, ev.time_ms);

		h->lines_read += c->pending.lines_read;
		h->lines_malformed += c->pending.lines_malformed;
		h->lines_overlong += c->pending.lines_overlong;
		h->input_losses += c->pending.input_losses;
		memset(&c->pending, 0, sizeof(c->pending));
	}
	if (ev.time_ms > c->log_now || c->log_now == INT64_MIN)
		c->log_now = ev.time_ms;
	if (ev.time_ms > in->last_ms) {
		if (in->last_ms == INT64_MIN)
			in->first_ms = ev.time_ms;
		in->last_ms = ev.time_ms;
	}
	windows_health(c->ws, ev.time_ms)->lines_read++;
	/* Only spamd_join reads verdicts without a queue ID (input_spamd.c),
	 * and it makes the table: without it, nothing to do here. */
	if (c->ids != NULL && !join_message_id(c, &ev))
		return;
	messages_apply(c->ms, &ev);
}

/* Input found gone before it was read: in the health of the newest window
 * (the record says it happened, not where) and in the metrics. */
static void count_losses(struct collector *c, struct cinput *in)
{
	uint64_t n = cin_take_losses(in);

	if (n == 0)
		return;
	c->stats.input_losses += n;
	health_at(c, c->log_now)->input_losses += (int64_t)n;
	c->dirty = 1;
}

static size_t read_input(struct collector *c, struct cinput *in, size_t max)
{
	size_t n = 0;

	if (!in->open_ok) {
		if (mono_ms() >= in->retry_mono)
			input_open(c, in, NULL, 0);
		if (!in->open_ok) {
			in->at_eof = 1; /* nothing to read until it appears */
			/* Said once per reason: a directory or a missing file must
			 * not fill the log at every poll. */
			if (in->why_logged == NULL || strcmp(in->why_logged, in->why) != 0) {
				msg_warn("input %s (%s): %s; waiting for it to be a readable file", in->name,
				         in->path, in->why);
				free(in->why_logged);
				in->why_logged = xstrdup(in->why);
			}
			return 0;
		}
		msg_info("input %s: opened", in->name);
		free(in->why_logged);
		in->why_logged = NULL;
		c->dirty = 1; /* its position, saved soon, is where it begins */
	}
	count_losses(c, in);
	while (n < max) {
		const char *line;
		size_t len;
		enum lr_status st = cin_next(in, &line, &len);

		if (st == LR_EOF) {
			in->at_eof = 1;
			break;
		}
		n++;
		if (st == LR_ERROR) {
			in->read_errno = errno;
			in->read_errors++;
			msg_error("input %s: read error: %s", in->name, strerror(errno));
			in->at_eof = 1;
			break;
		}
		if (st == LR_OVERLONG) {
			struct record_health *h = health_at(c, c->log_now);

			c->stats.lines++;
			c->stats.overlong++;
			h->lines_read++;
			h->lines_overlong++;
			continue;
		}
		process_line(c, in, line, len);
	}
	in->lines += n;
	return n;
}

int collector_inputs_open(const struct collector *c, struct strbuf *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->nin; i++) {
		if (c->in[i].open_ok)
			continue;
		strbuf_printf(err, "%sinput %s (%s): %s", rc < 0 ? "; " : "", c->in[i].name,
		              c->in[i].path, c->in[i].why);
		rc = -1;
	}
	return rc;
}

int collector_caught_up(const struct collector *c)
{
	size_t i;

	for (i = 0; i < c->nin; i++) {
		if (!c->in[i].at_eof)
			return 0;
	}
	return 1;
}

/* ---- records ---- */

/* A cell of a record made, into the metrics' counts of messages. */
static void count_cell(struct collector_stats *st, const struct record_cell *cell)
{
	uint64_t n = (uint64_t)cell->messages;
	int m;

	st->messages += n;
	for (m = 0; m < AR_METHOD_COUNT; m++)
		st->results[m][cell->result[m]] += n;
	st->spam[cell->spam] += n;
}

static int make_record(struct collector *c, struct record_batch *b, struct strbuf *err)
{
	struct strbuf buf;
	size_t i;
	int rc = -1;

	strbuf_init(&buf, 16 * 1024 * 1024);
	str_copy(b->carrier, c->s->carrier, sizeof(b->carrier));
	str_copy(b->collector, state_pseudonym(c->st), sizeof(b->collector));
	b->epoch = state_epoch(c->st);
	b->seq = c->next_seq;
	if (record_encode(b, &buf, err) < 0)
		goto out;
	if (outbox_append(c->ob, b->seq, buf.data, buf.len, err) < 0)
		goto out;
	c->next_seq++;
	c->stats.records_made++;
	for (i = 0; i < b->ncells; i++)
		count_cell(&c->stats, &b->cells[i]);
	c->dirty = 1;
	rc = 0;
out:
	strbuf_release(&buf);
	return rc;
}

/* Progress could not be saved: reading stops until a save succeeds (see
 * collector_step), said once per episode; every failed attempt counts. */
static void state_failed(struct collector *c, const char *what, const char *why)
{
	c->stats.state_errors++;
	c->step_state_failed = 1;
	if (!c->stats.state_broken)
		msg_error("cannot %s (%s); reading stops until it can", what, why);
	c->stats.state_broken = 1;
}

/* Make records of every window ending at or before `before`. */
static int take_windows(struct collector *c, int64_t before, struct strbuf *err)
{
	struct record_batch b;
	int rc = 0;

	record_batch_init(&b);
	while (windows_peek(c->ws, before, &b)) {
		if (make_record(c, &b, err) < 0) {
			/* Not stored: the window stays, in memory and in the next
			 * checkpoint, and is made again once the state is writable. */
			rc = -1;
			break;
		}
		windows_drop(c->ws);
	}
	record_batch_free(&b);
	return rc;
}

static void advance(struct collector *c, int caught_up)
{
	int64_t ready, mono = mono_ms(), safe = c->log_now;
	struct strbuf err;
	size_t i;

	if (c->log_now == INT64_MIN)
		return;
	/* The time every input that still has lines to give has reached: what
	 * decides that a message is done, idle, or a window final. */
	for (i = 0; i < c->nin; i++) {
		if (!c->in[i].at_eof && c->in[i].last_ms < safe)
			safe = c->in[i].last_ms;
	}
	if (safe == INT64_MIN)
		return;
	if (c->nin > 1)
		messages_complete_done(c->ms, safe);
	messages_expire(c->ms, safe);
	ready = safe - c->s->window_grace_seconds * 1000;
	if (caught_up && mono - c->last_line_mono >= c->s->window_grace_seconds * 1000) {
		/* A log quiet for the grace time: time goes on without lines. (Not
		 * merely caught up: a log being written now and then would otherwise
		 * have its windows closed early, and its counts sent as corrections.) */
		int64_t wall = wall_ms() - c->s->window_grace_seconds * 1000;

		if (mono - c->last_wall_expire_mono >= 1000) {
			messages_expire_wall(c->ms);
			c->last_wall_expire_mono = mono;
		}
		if (wall > ready)
			ready = wall;
	}
	/* A window is final only when no open message can still fall into it. */
	if (messages_oldest_ms(c->ms) < ready)
		ready = messages_oldest_ms(c->ms);
	strbuf_init(&err, 4096);
	if (take_windows(c, ready, &err) < 0)
		state_failed(c, "store a record", err.data);
	strbuf_release(&err);
}

/* ---- vouching (windows.h; README.md, "Coverage") ---- */

void collector_backfill(struct collector *c)
{
	c->backfill = 1;
}

/* A vouch-only record of the pending span, if there is one. 0, or -1 with
 * err: the span then stays pending, in memory and in the next checkpoint. */
static int vouch_record(struct collector *c, struct strbuf *err)
{
	struct record_batch b;
	int rc = 0;

	record_batch_init(&b);
	if (windows_peek_vouch(c->ws, &b)) {
		rc = make_record(c, &b, err);
		if (rc == 0)
			windows_drop_vouch(c->ws);
	}
	record_batch_free(&b);
	return rc;
}

/*
 * After a round of reading that reached the end of every input (caught_up,
 * before looking for more: on a busy host there is always more by then, but
 * the end was reached after the round began) or not: vouch for what it read
 * through. Following, by the clock, and only when the round could read
 * every input (open, no read error since the last round, neither
 * backpressure nor a broken state directory pausing it); a backfill by the
 * times of the lines it read.
 */
static void vouch_step(struct collector *c, int caught_up)
{
	int64_t grace = c->s->window_grace_seconds * 1000;
	int64_t first = INT64_MIN, last = INT64_MAX;
	int ok, rc, tries;
	uint64_t errors = 0;
	struct strbuf err;
	size_t i;

	ok = !c->stats.backpressure && !c->stats.state_broken;
	for (i = 0; i < c->nin; i++) {
		const struct cinput *in = &c->in[i];

		if (!in->open_ok)
			ok = 0;
		errors += in->read_errors;
		if (in->first_ms > first)
			first = in->first_ms;
		if (in->last_ms < last)
			last = in->last_ms;
	}
	if (errors != c->vouch_errors)
		ok = 0;
	c->vouch_errors = errors;
	/* An input without a line yet leaves last at INT64_MIN: nothing is
	 * vouched for by a backfill until every input has given one. */
	strbuf_init(&err, 4096);
	/* A span apart from the pending one is published after it. */
	for (tries = 0; tries < 2; tries++) {
		rc = c->backfill ? windows_vouch_backfill(c->ws, first, last, grace, caught_up)
		                 : windows_vouch_follow(c->ws, c->wall_now, wall_ms(), grace, ok,
		                                        caught_up);
		if (rc == 0)
			break;
		if (vouch_record(c, &err) < 0) {
			state_failed(c, "store a record", err.data);
			break;
		}
	}
	strbuf_release(&err);
}

/* Publish the pending span on a record of its own once it is
 * vouch_interval_seconds long (records of windows take it before that
 * while there is mail), or now if force. */
static void vouch_flush(struct collector *c, int force)
{
	int64_t pending = windows_vouch_pending(c->ws);
	struct strbuf err;

	if (pending == 0 || (!force && pending < c->s->vouch_interval_seconds * 1000))
		return;
	strbuf_init(&err, 4096);
	if (vouch_record(c, &err) < 0)
		state_failed(c, "store a record", err.data);
	strbuf_release(&err);
}

static void send_ready(struct collector *c)
{
	struct outbox_record r;
	struct strbuf err;

	strbuf_init(&err, 4096);
	while (outbox_next_unsent(c->ob, c->durable_seq, &r)) {
		int rc = sink_send(c->sink, r.seq, state_pseudonym(c->st), r.data, r.len, &err);

		if (rc == 0)
			continue;
		outbox_ack(c->ob, r.seq, 0);
		if (rc < 0) {
			c->stats.sink_errors++;
			msg_error("%s", err.data);
		}
		break;
	}
	strbuf_release(&err);
}

static void try_checkpoint(struct collector *c, int force)
{
	int64_t mono = mono_ms();
	struct strbuf err;

	/* Saving later loses nothing: what was read since is read again from
	 * the saved positions after a crash, and records are sent only once a
	 * checkpoint covers them, so they are sent later, never twice or not
	 * at all. */
	if (!force && (!c->dirty || mono - c->last_ckpt_mono <
	                                    checkpoint_wait_ms(c->s->checkpoint_interval_ms,
	                                                       c->s->checkpoint_max_bytes_per_second,
	                                                       c->last_ckpt_bytes,
	                                                       c->last_ckpt_took_ms)))
		return;
	c->last_ckpt_mono = mono;
	strbuf_init(&err, 4096);
	if (save_progress(c, &err) < 0) {
		state_failed(c, "save progress", err.data);
	} else if (c->stats.state_broken && !c->step_state_failed) {
		/* Both the records due and the checkpoint were saved. */
		msg_info("progress is saved again; reading goes on");
		c->stats.state_broken = 0;
	}
	/* A failed save counts as well: retrying a slow state directory must
	 * not take more of the time than saving to it. */
	c->last_ckpt_took_ms = mono_ms() - mono;
	c->stats.checkpoint_ms += (uint64_t)c->last_ckpt_took_ms;
	strbuf_release(&err);
}

size_t collector_step(struct collector *c)
{
	size_t i, n = 0;
	int caught_up;

	c->step_state_failed = 0;
	c->wall_now = wall_ms();
	messages_set_clock(c->ms, mono_ms());
	if (outbox_bytes(c->ob) > (uint64_t)c->s->outbox_max_bytes) {
		if (!c->stats.backpressure)
			msg_warn("outbox full (%llu bytes unacknowledged); reading stops until the sink "
			         "catches up", (unsigned long long)outbox_bytes(c->ob));
		c->stats.backpressure = 1;
	} else if (c->stats.backpressure &&
	           outbox_bytes(c->ob) < (uint64_t)c->s->outbox_max_bytes / 4 * 3) {
		msg_info("outbox drained; reading goes on");
		c->stats.backpressure = 0;
	}
	if (!c->stats.backpressure && !c->stats.state_broken) {
		for (i = 0; i < c->nin; i++)
			c->in[i].at_eof = 0;
		/* Merge the inputs by time: always read on from the one that is
		 * furthest behind, so that a spam filter's own log and the MTA's
		 * meet in the message table. */
		while (n < STEP_LINES) {
			struct cinput *next = NULL;

			for (i = 0; i < c->nin; i++) {
				if (!c->in[i].at_eof && (next == NULL || c->in[i].last_ms < next->last_ms))
					next = &c->in[i];
			}
			if (next == NULL)
				break;
			n += read_input(c, next, c->nin > 1 ? STEP_LINES_PER_TURN : STEP_LINES);
		}
		if (n > 0) {
			c->dirty = 1;
			c->last_line_mono = mono_ms();
		}
	}
	caught_up = collector_caught_up(c);
	if (caught_up) {
		for (i = 0; i < c->nin; i++) {
			if (c->in[i].open_ok && cin_poll(&c->in[i])) {
				c->in[i].at_eof = 0;
				input_clock_refresh(&c->in[i]);
			}
		}
	}
	vouch_step(c, caught_up);
	/* Also while the state is broken: the records due are tried again. */
	advance(c, caught_up);
	vouch_flush(c, 0);
	try_checkpoint(c, 0);
	send_ready(c);
	sink_poll(c->sink, 0);
	if (mono_ms() - c->last_report_mono >= c->s->stats_interval_seconds * 1000)
		collector_report(c);
	return n;
}

void collector_wait(struct collector *c)
{
	if (c->watch == NULL) {
		sink_poll(c->sink, (int)c->s->poll_interval_ms);
		return;
	}
	tail_watch_wait(c->watch, (int)c->s->poll_interval_ms);
	sink_poll(c->sink, 0);
}

static int drain_sink(struct collector *c, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;

	send_ready(c);
	while (outbox_count(c->ob) > 0 && mono_ms() < deadline) {
		sink_poll(c->sink, 100);
		send_ready(c);
	}
	return outbox_count(c->ob) == 0 ? 0 : -1;
}

int collector_finish_all(struct collector *c, struct strbuf *err)
{
	struct strbuf why;
	size_t i;
	int rc;

	messages_complete_all(c->ms);
	strbuf_init(&why, 4096);
	if (take_windows(c, INT64_MAX, &why) < 0) {
		strbuf_printf(err, "cannot store a record: %s", why.data);
		strbuf_release(&why);
		return -1;
	}
	strbuf_release(&why);
	vouch_flush(c, 1);
	try_checkpoint(c, 1);
	if (c->stats.state_broken) {
		strbuf_printf(err, "cannot save progress in %s", state_dir(c->st));
		return -1;
	}
	rc = drain_sink(c, (int)c->s->flush_timeout_ms);
	try_checkpoint(c, 1);
	if (rc < 0) {
		strbuf_printf(err, "%zu records not acknowledged within %lld ms; they stay in the outbox "
		              "and are sent by the next run", outbox_count(c->ob),
		              (long long)c->s->flush_timeout_ms);
		return -1;
	}
	/* What was read is published; an input that failed part way through
	 * was not read to its end all the same. */
	for (i = 0; i < c->nin; i++) {
		if (c->in[i].read_errno != 0) {
			strbuf_printf(err, "%sinput %s (%s): read error: %s", rc < 0 ? "; " : "",
			              c->in[i].name, c->in[i].path, strerror(c->in[i].read_errno));
			rc = -1;
		}
	}
	return rc;
}

void collector_shutdown(struct collector *c, int timeout_ms)
{
	advance(c, 0);
	vouch_flush(c, 1);
	try_checkpoint(c, 1);
	if (drain_sink(c, timeout_ms) < 0)
		msg_warn("%zu records not acknowledged at shutdown; they stay in the outbox",
		         outbox_count(c->ob));
	try_checkpoint(c, 1);
}

void collector_stats(struct collector *c, struct collector_stats *st)
{
	size_t i;

	*st = c->stats;
	st->outbox_records = outbox_count(c->ob);
	st->outbox_bytes = outbox_bytes(c->ob);
	st->sink_down = !sink_healthy(c->sink);
	st->lag_bytes = 0;
	st->rotations = st->truncations = st->resumed_rotated = st->positions_lost = 0;
	for (i = 0; i < c->nin; i++) {
		const struct tail_stats *ts;

		if (c->in[i].tail == NULL)
			continue;
		ts = tail_stats(c->in[i].tail);
		st->lag_bytes += tail_lag_bytes(c->in[i].tail);
		st->rotations += ts->rotations;
		st->truncations += ts->truncations;
		st->resumed_rotated += ts->resumed_rotated;
		st->positions_lost += ts->positions_lost;
	}
	st->lag_seconds = c->log_now == INT64_MIN ? 0 : (wall_ms() - c->log_now) / 1000;
	for (i = 0; i < c->nin; i++) {
		c->in_stats[i].name = c->in[i].name;
		c->in_stats[i].lines = c->in[i].lines;
		c->in_stats[i].open = c->in[i].open_ok;
	}
	st->inputs = c->in_stats;
	st->ninputs = c->nin;
}

void collector_report(struct collector *c)
{
	struct collector_stats st;

	c->last_report_mono = mono_ms();
	collector_stats(c, &st);
	msg_info("lines %llu (malformed %llu, overlong %llu, implausible time %llu), messages %llu, "
	         "records %llu (acknowledged %llu, outbox %llu), lag %llu bytes %lld s%s%s%s",
	         (unsigned long long)st.lines, (unsigned long long)st.malformed,
	         (unsigned long long)st.overlong, (unsigned long long)st.implausible,
	         (unsigned long long)st.messages,
	         (unsigned long long)st.records_made, (unsigned long long)st.records_acked,
	         (unsigned long long)st.outbox_records, (unsigned long long)st.lag_bytes,
	         (long long)st.lag_seconds, st.backpressure ? ", BACKPRESSURE" : "",
	         st.state_broken ? ", STATE UNWRITABLE" : "", st.sink_down ? ", SINK DOWN" : "");
	if (c->s->metrics_file != NULL)
		metrics_write(c->s->metrics_file, &st);
}
