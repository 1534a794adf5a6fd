#include "messages.h"

#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "log.h"
#include "mem.h"
#include "strutil.h"

/* host + NUL + queue ID; bounded because both come from a bounded line. */
#define MSG_KEY_MAX 300

struct open_msg {
	char key[MSG_KEY_MAX];
	size_t keylen;
	int64_t first_ms;    /* first line seen */
	int64_t event_ms;    /* first header line, else the message-id line; -1 if neither */
	int64_t msgid_ms;    /* -1 if no message-id line */
	int64_t last_ms;     /* last line seen */
	int64_t touched_mono; /* monotonic ms of the last line (not saved: reset at load) */
	int64_t done_ms;     /* time of its "removed" line, waiting for other inputs; -1 */
	int countable;       /* accepted by the MTA (a header or message-id line seen): a
	                        verdict alone, e.g. of a message rejected later, is not a message */
	struct authres_outcome outcome;
	enum ar_spam spam;
	struct open_msg *prev, *next; /* in order of first line (oldest first) */
};

struct messages {
	int64_t mono_now; /* monotonic ms, as last told by messages_set_clock */
	uint64_t unjoined; /* verdicts that never met their message */
	size_t ndone;      /* messages waiting in done_ms */
	struct messages_config cfg;
	struct windows *ws;
	struct htable *table;
	struct open_msg *oldest, *newest;
};

struct messages *messages_new(const struct messages_config *cfg, struct windows *ws)
{
	struct messages *ms = xcalloc(1, sizeof(*ms));

	ms->cfg = *cfg;
	ms->ws = ws;
	ms->table = htable_new(1024);
	return ms;
}

void messages_free(struct messages *ms)
{
	if (ms == NULL)
		return;
	htable_free(ms->table, free);
	free(ms);
}

static void unlink_msg(struct messages *ms, struct open_msg *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		ms->oldest = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else
		ms->newest = m->prev;
}

/* Count the message once and forget it. */
static void complete(struct messages *ms, struct open_msg *m)
{
	struct record_cell cell;
	int64_t when;
	int i;

	if (m->done_ms >= 0)
		ms->ndone--; /* it was waiting for the other inputs */
	if (!m->countable) {
		ms->unjoined++;
		unlink_msg(ms, m);
		htable_remove(ms->table, m->key, m->keylen);
		free(m);
		return;
	}
	when = m->event_ms >= 0 ? m->event_ms : m->msgid_ms >= 0 ? m->msgid_ms : m->first_ms;
	for (i = 0; i < AR_METHOD_COUNT; i++)
		cell.result[i] = m->outcome.result[i];
	cell.dmarc_policy = m->outcome.dmarc_policy;
	cell.spam = m->spam != SPAM_UNKNOWN ? m->spam : ms->cfg.spam_default;
	cell.messages = 1;
	windows_count(ms->ws, when, &cell);
	unlink_msg(ms, m);
	htable_remove(ms->table, m->key, m->keylen);
	free(m);
}

static struct open_msg *lookup(struct messages *ms, const struct input_event *ev, int create)
{
	char key[MSG_KEY_MAX];
	size_t klen = ev->host.len + 1 + ev->queue_id.len;
	struct open_msg *m;

	if (klen > sizeof(key))
		return NULL; /* cannot happen with a bounded queue ID and host; be safe */
	memcpy(key, ev->host.p, ev->host.len);
	key[ev->host.len] = '\0';
	memcpy(key + ev->host.len + 1, ev->queue_id.p, ev->queue_id.len);
	m = htable_find(ms->table, key, klen);
	if (m != NULL || !create)
		return m;
	if (htable_count(ms->table) >= ms->cfg.max_open && ms->oldest != NULL) {
		windows_health(ms->ws, ev->time_ms)->messages_evicted++;
		complete(ms, ms->oldest);
	}
	m = xcalloc(1, sizeof(*m));
	memcpy(m->key, key, klen);
	m->keylen = klen;
	m->first_ms = m->last_ms = ev->time_ms;
	m->event_ms = m->msgid_ms = m->done_ms = -1;
	m->touched_mono = ms->mono_now;
	authres_outcome_init(&m->outcome);
	m->spam = SPAM_UNKNOWN;
	m->prev = ms->newest;
	if (ms->newest != NULL)
		ms->newest->next = m;
	else
		ms->oldest = m;
	ms->newest = m;
	htable_insert(ms->table, m->key, m->keylen, m);
	return m;
}

static int span_starts_nocase(const struct input_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len >= n && str_eq_nocase(s->p, n, lit);
}

static void apply_header(struct messages *ms, struct open_msg *m, const struct input_event *ev)
{
	struct record_health *h;
	struct authres_outcome o;

	if (str_eq_nocase(ev->name.p, ev->name.len, "Authentication-Results")) {
		h = windows_health(ms->ws, ev->time_ms);
		switch (authres_parse_ex(ev->value.p, ev->value.len,
		                         (ev->value_truncated ? AUTHRES_F_TRUNCATED : 0u) |
		                                 (ev->value_escaped ? AUTHRES_F_EXIM_ESCAPES : 0u),
		                         &ms->cfg.trust, &o)) {
		case AUTHRES_OK:
			authres_outcome_merge(&m->outcome, &o);
			break;
		case AUTHRES_UNTRUSTED:
			h->headers_untrusted++;
			break;
		case AUTHRES_MALFORMED:
			h->headers_malformed++;
			msg_debug("malformed Authentication-Results: %.*s", (int)ev->value.len,
			          ev->value.p);
			break;
		}
	} else if (str_eq_nocase(ev->name.p, ev->name.len, "X-Spam-Flag")) {
		if (span_starts_nocase(&ev->value, "yes"))
			m->spam = SPAM_SPAM;
		else if (span_starts_nocase(&ev->value, "no") && m->spam != SPAM_SPAM)
			m->spam = SPAM_HAM;
	} else if (str_eq_nocase(ev->name.p, ev->name.len, "X-Spam-Status")) {
		if (span_starts_nocase(&ev->value, "yes"))
			m->spam = SPAM_SPAM;
		else if (span_starts_nocase(&ev->value, "no") && m->spam != SPAM_SPAM)
			m->spam = SPAM_HAM;
	}
}

void messages_set_clock(struct messages *ms, int64_t mono_ms)
{
	ms->mono_now = mono_ms;
}

void messages_apply(struct messages *ms, const struct input_event *ev)
{
	struct open_msg *m;

	switch (ev->kind) {
	case IN_HEADER:
		m = lookup(ms, ev, 1);
		if (m == NULL)
			return;
		m->touched_mono = ms->mono_now;
		m->countable = 1;
		if (m->event_ms < 0)
			m->event_ms = ev->time_ms;
		m->last_ms = ev->time_ms;
		apply_header(ms, m, ev);
		return;
	case IN_MSGID:
		m = lookup(ms, ev, 1);
		if (m == NULL)
			return;
		m->touched_mono = ms->mono_now;
		m->countable = 1;
		if (m->msgid_ms < 0)
			m->msgid_ms = ev->time_ms;
		m->last_ms = ev->time_ms;
		return;
	case IN_DONE:
		/* A "removed" line of a message we never saw accepted (it began
		 * before our log did) counts nothing. */
		m = lookup(ms, ev, 0);
		if (m == NULL)
			return;
		if (!ms->cfg.wait_for_inputs) {
			complete(ms, m);
			return;
		}
		/* Another input (a spam filter's own log) may still hold a line of
		 * this message: complete it once every input has passed this time. */
		if (m->done_ms < 0) {
			m->done_ms = ev->time_ms;
			ms->ndone++;
		}
		return;
	case IN_RESULT:
		m = lookup(ms, ev, 1);
		if (m == NULL)
			return;
		m->touched_mono = ms->mono_now;
		/* A milter's verdict does not set the event time: that is when the
		 * message was accepted (its first header line or message-id line). */
		m->last_ms = ev->time_ms;
		{
			struct authres_outcome o;

			authres_outcome_init(&o);
			o.result[ev->method] = ev->result;
			if (ev->method == AR_DMARC)
				o.dmarc_policy = ev->dmarc_policy;
			authres_outcome_merge(&m->outcome, &o);
		}
		return;
	case IN_SPAM:
		m = lookup(ms, ev, 1);
		if (m == NULL)
			return;
		m->touched_mono = ms->mono_now;
		m->last_ms = ev->time_ms;
		/* A spam verdict from any filter wins over a ham one. */
		if (ev->spam == SPAM_SPAM || m->spam == SPAM_UNKNOWN)
			m->spam = ev->spam;
		return;
	case IN_OTHER:
		return;
	}
}

void messages_expire(struct messages *ms, int64_t now_ms)
{
	/* Walk from the oldest: a message first seen recently cannot be idle. */
	struct open_msg *m = ms->oldest, *next;

	for (; m != NULL && m->first_ms < now_ms - ms->cfg.idle_ms; m = next) {
		next = m->next;
		if (m->last_ms < now_ms - ms->cfg.idle_ms)
			complete(ms, m);
	}
}

void messages_expire_wall(struct messages *ms)
{
	struct open_msg *m = ms->oldest, *next;

	/* Not sorted by touch time: a full walk, done rarely (when caught up). */
	for (; m != NULL; m = next) {
		next = m->next;
		if (m->touched_mono < ms->mono_now - ms->cfg.idle_ms)
			complete(ms, m);
	}
}

void messages_complete_done(struct messages *ms, int64_t safe_ms)
{
	struct open_msg *m, *next;

	if (ms->ndone == 0)
		return;
	for (m = ms->oldest; m != NULL; m = next) {
		next = m->next;
		if (m->done_ms >= 0 && m->done_ms <= safe_ms)
			complete(ms, m);
	}
}

uint64_t messages_unjoined(const struct messages *ms)
{
	return ms->unjoined;
}

void messages_complete_all(struct messages *ms)
{
	while (ms->oldest != NULL)
		complete(ms, ms->oldest);
}

int64_t messages_oldest_ms(const struct messages *ms)
{
	return ms->oldest != NULL ? ms->oldest->first_ms : INT64_MAX;
}

size_t messages_open_count(const struct messages *ms)
{
	return htable_count(ms->table);
}

int messages_save(const struct messages *ms, struct strbuf *sb)
{
	const struct open_msg *m;
	int i;

	/* Written field by field with "||", which keeps the order. */
	if (ser_u32(sb, (uint32_t)htable_count(ms->table)) < 0)
		return -1;
	for (m = ms->oldest; m != NULL; m = m->next) {
		if (ser_bytes(sb, m->key, m->keylen) < 0 || ser_i64(sb, m->first_ms) < 0 ||
		    ser_i64(sb, m->event_ms) < 0 || ser_i64(sb, m->msgid_ms) < 0 ||
		    ser_i64(sb, m->last_ms) < 0 || ser_i64(sb, m->done_ms) < 0 ||
		    ser_u8(sb, (uint8_t)m->countable) < 0)
			return -1;
		for (i = 0; i < AR_METHOD_COUNT; i++) {
			if (ser_u8(sb, (uint8_t)m->outcome.result[i]) < 0)
				return -1;
		}
		if (ser_u8(sb, (uint8_t)m->outcome.dmarc_policy) < 0 || ser_u8(sb, (uint8_t)m->spam) < 0)
			return -1;
	}
	return 0;
}

int messages_load(struct messages *ms, struct deser *d)
{
	uint32_t n = deser_u32(d), k;
	int i;

	ms->ndone = 0;
	while (ms->oldest != NULL) {
		struct open_msg *m = ms->oldest;

		unlink_msg(ms, m);
		htable_remove(ms->table, m->key, m->keylen);
		free(m);
	}
	for (k = 0; k < n && !d->failed; k++) {
		struct open_msg *m = xcalloc(1, sizeof(*m));
		size_t klen;
		const void *key = deser_bytes(d, MSG_KEY_MAX, &klen);
		uint8_t v;

		if (key == NULL || klen == 0 || htable_find(ms->table, key, klen) != NULL) {
			free(m);
			d->failed = 1;
			break;
		}
		memcpy(m->key, key, klen);
		m->keylen = klen;
		m->touched_mono = ms->mono_now;
		m->first_ms = deser_i64(d);
		m->event_ms = deser_i64(d);
		m->msgid_ms = deser_i64(d);
		m->last_ms = deser_i64(d);
		m->done_ms = deser_i64(d);
		m->countable = deser_u8(d) != 0;
		if (m->done_ms >= 0)
			ms->ndone++;
		for (i = 0; i < AR_METHOD_COUNT; i++) {
			v = deser_u8(d);
			m->outcome.result[i] = v < AR_RESULT_COUNT ? (enum ar_result)v : AR_ABSENT;
			if (v >= AR_RESULT_COUNT)
				d->failed = 1;
		}
		v = deser_u8(d);
		m->outcome.dmarc_policy = v < POL_COUNT ? (enum ar_policy)v : POL_ABSENT;
		if (v >= POL_COUNT)
			d->failed = 1;
		v = deser_u8(d);
		m->spam = v < SPAM_COUNT ? (enum ar_spam)v : SPAM_UNKNOWN;
		if (v >= SPAM_COUNT)
			d->failed = 1;
		m->prev = ms->newest;
		if (ms->newest != NULL)
			ms->newest->next = m;
		else
			ms->oldest = m;
		ms->newest = m;
		htable_insert(ms->table, m->key, m->keylen, m);
	}
	return d->failed ? -1 : 0;
}
