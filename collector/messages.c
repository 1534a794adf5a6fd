#include "messages.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "strutil.h"

/* host + NUL + queue ID; bounded because both come from a bounded line. */
#define MSG_KEY_MAX 300
/*
 * Messages whose key fits this many bytes (a host name of up to about 30
 * bytes and a queue ID) are all allocated at one size, and a completed one
 * is kept for the next instead of going back to malloc(): a message lives
 * for a few lines, and a busy log starts and ends one every few lines. At
 * most MSG_SPARE_MAX are kept, so memory still follows the open messages.
 */
#define MSG_KEY_SMALL 48
#define MSG_SPARE_MAX 4096

struct open_msg {
	struct open_msg *hnext; /* next in its hash bucket */
	uint64_t hash;          /* of the key, kept for growing and for quick misses */
	int64_t first_ms;    /* first line seen */
	int64_t event_ms;    /* first header line, else the message-id line; -1 if neither */
	int64_t msgid_ms;    /* -1 if no message-id line */
	int64_t last_ms;     /* last line seen */
	int64_t touched_mono; /* monotonic ms of the last line (not saved: reset at load) */
	int64_t done_ms;     /* time of its "removed" line, waiting for other inputs; -1 */
	int countable;       /* received by the MTA (a header or message-id line seen): a
	                        verdict alone, e.g. of a message refused at RCPT, is not a message */
	struct authres_outcome outcome;
	enum ar_spam spam;
	/* Its fate so far, as a FATE_* or MSG_DEFERRED: by the MTA's lines, and by
	 * a content filter's own (INPUT_FATE_FILTER), merged by fate_rank();
	 * filter_quarantined if the filter kept a copy. See message_fate(). */
	unsigned char fate, filter_fate, filter_quarantined;
	struct open_msg *prev, *next; /* in order of first line (oldest first) */
	size_t keylen;
	char key[];                   /* host + NUL + queue ID, keylen bytes */
};

/*
 * A message refused for now (a 4xx reply, or a transaction the client did
 * not finish): the sender tries again, and the message counts when it is
 * received or refused for good. Kept beside the FATE_* values in a message's
 * fate; never published.
 */
#define MSG_DEFERRED ((unsigned char)FATE_COUNT)

struct messages {
	int64_t mono_now; /* monotonic ms, as last told by messages_set_clock */
	uint64_t unjoined; /* verdicts that never met their message */
	uint64_t deferred; /* messages refused for now, not counted */
	uint64_t refused_unpublished; /* refused messages not counted (publish_fates off) */
	size_t ndone;      /* messages waiting in done_ms */
	struct messages_config cfg;
	struct windows *ws;
	/*
	 * The open messages by key: a chained table whose links live in the
	 * messages themselves. Every line of a message looks it up, so this is
	 * common/htable without its copy of each key and its two allocations
	 * per entry. Grown to keep at most one message per bucket on average.
	 */
	struct open_msg **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	uint64_t seed;   /* per process: precomputed colliding queue IDs do not work */
	struct open_msg *oldest, *newest;
	struct open_msg *spare; /* completed messages of the small size, by hnext */
	size_t nspare;
};

#define TABLE_MIN 1024
#define TABLE_MAX ((size_t)1 << 30)

/*
 * The table hashes the queue ID only: the host part of the key is the same
 * for nearly every line, and a look-up then needs no key built on the stack
 * (writing it and reading it back as words stalls the CPU). Keys of other
 * hosts with the same queue ID share a bucket and are told apart by the
 * whole key. A queue ID has no NUL (every format reads it as letters,
 * digits and '-'), so in a stored key it is what follows the last NUL.
 *
 * The hash takes eight bytes at a time into the seeded state with a
 * multiply and a shift; the last bytes are the last eight of the ID, read
 * again in one load (the length is in the seed, so the overlap loses
 * nothing), or gathered in a register when the whole ID is shorter; a final
 * mixer spreads the bits (the mixers of MurmurHash3's finaliser). Every line
 * of a message comes here once: a byte loop for the usual 10-to-12-byte
 * Postfix ID was a third of the look-up.
 */
static inline uint64_t qid_hash(uint64_t seed, const char *p, size_t len)
{
	const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = seed ^ (len * k), w;
	size_t i = 0, j;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (i < len) {
		if (len >= 8) {
			memcpy(&w, p + len - 8, 8);
		} else {
			for (w = 0, j = 0; i + j < len; j++)
				w |= (uint64_t)(unsigned char)p[i + j] << (8 * j);
		}
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

/* The hash of a stored key (host + NUL + queue ID). */
static uint64_t key_hash(uint64_t seed, const char *key, size_t len)
{
	size_t q = len;

	while (q > 0 && key[q - 1] != '\0')
		q--;
	return qid_hash(seed, key + q, len - q);
}

/* The open message of an event's host and queue ID, whose hash is h, or NULL. */
static struct open_msg *table_find_event(const struct messages *ms, const struct input_event *ev,
                                         uint64_t h)
{
	size_t hl = ev->host.len, ql = ev->queue_id.len;
	struct open_msg *m;

	for (m = ms->buckets[h & (ms->nbuckets - 1)]; m != NULL; m = m->hnext) {
		if (m->hash == h && m->keylen == hl + 1 + ql && m->key[hl] == '\0' &&
		    memcmp(m->key + hl + 1, ev->queue_id.p, ql) == 0 &&
		    memcmp(m->key, ev->host.p, hl) == 0)
			return m;
	}
	return NULL;
}

/* The open message with this stored key, whose hash is h, or NULL. */
static struct open_msg *table_find(const struct messages *ms, const char *key, size_t len,
                                   uint64_t h)
{
	struct open_msg *m;

	for (m = ms->buckets[h & (ms->nbuckets - 1)]; m != NULL; m = m->hnext) {
		if (m->hash == h && m->keylen == len && memcmp(m->key, key, len) == 0)
			return m;
	}
	return NULL;
}

static void table_grow(struct messages *ms)
{
	size_t n = ms->nbuckets * 2, i;
	struct open_msg **b = xcalloc(n, sizeof(*b));

	for (i = 0; i < ms->nbuckets; i++) {
		struct open_msg *m = ms->buckets[i], *next;

		for (; m != NULL; m = next) {
			next = m->hnext;
			m->hnext = b[m->hash & (n - 1)];
			b[m->hash & (n - 1)] = m;
		}
	}
	free(ms->buckets);
	ms->buckets = b;
	ms->nbuckets = n;
}

/* m->hash and its key are set; the key is not in the table yet. */
static void table_insert(struct messages *ms, struct open_msg *m)
{
	struct open_msg **b = &ms->buckets[m->hash & (ms->nbuckets - 1)];

	m->hnext = *b;
	*b = m;
	if (++ms->count > ms->nbuckets && ms->nbuckets < TABLE_MAX)
		table_grow(ms);
}

/* Put m, new or read back from a checkpoint, in the table and at the newest
 * end of the list in order of first sight. */
static void msg_link_newest(struct messages *ms, struct open_msg *m)
{
	m->prev = ms->newest;
	m->next = NULL;
	if (ms->newest != NULL)
		ms->newest->next = m;
	else
		ms->oldest = m;
	ms->newest = m;
	table_insert(ms, m);
}

static void table_remove(struct messages *ms, struct open_msg *m)
{
	struct open_msg **pp = &ms->buckets[m->hash & (ms->nbuckets - 1)];

	while (*pp != m) {
		if (*pp == NULL)
			msg_panic("messages: an open message is missing from its table");
		pp = &(*pp)->hnext;
	}
	*pp = m->hnext;
	ms->count--;
}

/* A message with a key of len bytes and its hash h, not yet in the table or
 * the list; the key and the other fields are the caller's to set. */
static struct open_msg *msg_alloc(struct messages *ms, size_t len, uint64_t h)
{
	struct open_msg *m;

	if (len <= MSG_KEY_SMALL && ms->spare != NULL) {
		m = ms->spare;
		ms->spare = m->hnext;
		ms->nspare--;
	} else {
		m = xmalloc(sizeof(*m) + (len <= MSG_KEY_SMALL ? MSG_KEY_SMALL : len));
	}
	m->hnext = NULL;
	m->hash = h;
	m->keylen = len;
	return m;
}

/* Free m, or keep it for msg_alloc() if it is of the small size. */
static void msg_release(struct messages *ms, struct open_msg *m)
{
	if (m->keylen <= MSG_KEY_SMALL && ms->nspare < MSG_SPARE_MAX) {
		m->hnext = ms->spare;
		ms->spare = m;
		ms->nspare++;
		return;
	}
	free(m);
}

struct messages *messages_new(const struct messages_config *cfg, struct windows *ws)
{
	struct messages *ms = xcalloc(1, sizeof(*ms));
	struct timespec ts;

	ms->cfg = *cfg;
	ms->ws = ws;
	ms->nbuckets = TABLE_MIN;
	ms->buckets = xcalloc(ms->nbuckets, sizeof(*ms->buckets));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms->seed = (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^
	           (uint64_t)(unsigned)getpid() ^ (uint64_t)(uintptr_t)ms;
	return ms;
}

static void free_all(struct messages *ms)
{
	while (ms->oldest != NULL) {
		struct open_msg *m = ms->oldest;

		ms->oldest = m->next;
		free(m);
	}
	ms->newest = NULL;
	memset(ms->buckets, 0, ms->nbuckets * sizeof(*ms->buckets));
	ms->count = 0;
}

void messages_free(struct messages *ms)
{
	if (ms == NULL)
		return;
	free_all(ms);
	while (ms->spare != NULL) {
		struct open_msg *m = ms->spare;

		ms->spare = m->hnext;
		free(m);
	}
	free(ms->buckets);
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

/*
 * Which of two fates a message keeps when lines say both: the higher rank.
 * Postfix's cleanup_flush() keeps a DISCARD over a rejection (it clears the
 * error), and a rejection or a deferral (a milter's 4xx at the end of DATA,
 * a transaction canceled) over a HOLD: a HOLD only says where the message
 * goes if it is queued at all, and one refused or deferred is not (the
 * client sends a deferred one again, to be counted then). A message held or
 * refused never reaches the active queue: discarded > rejected > deferred >
 * held > accepted > unknown.
 */
static int fate_rank(unsigned f)
{
	static const unsigned char rank[FATE_COUNT + 1] = {
		[FATE_UNKNOWN] = 0, [FATE_ACCEPTED] = 1, [FATE_HELD] = 2,
		[MSG_DEFERRED] = 3, [FATE_REJECTED] = 4, [FATE_DISCARDED] = 5,
	};

	return f <= FATE_COUNT ? rank[f] : 0;
}

static void fate_merge(unsigned char *into, unsigned f)
{
	if (fate_rank(f) > fate_rank(*into))
		*into = (unsigned char)f;
}

/*
 * The fate m is counted with (or MSG_DEFERRED: not counted). The MTA's
 * lines decide; a content filter's own action counts where the MTA logs
 * none (amavis as a milter tells the MTA, which then logs milter-reject or
 * milter-discard itself), except after the queue: amavis as Postfix's
 * content_filter (join_reinjected) gets messages Postfix had accepted, and
 * one it does not pass on is held when quarantined, else discarded (the
 * recipient never gets it), and one it defers comes back to it later.
 */
static unsigned message_fate(const struct messages *ms, const struct open_msg *m)
{
	unsigned f = m->filter_fate;

	if (ms->cfg.join_reinjected) {
		if (fate_rank(m->fate) <= fate_rank(FATE_ACCEPTED) &&
		    (f == FATE_REJECTED || f == FATE_DISCARDED))
			return m->filter_quarantined ? FATE_HELD : FATE_DISCARDED;
		if (f == MSG_DEFERRED)
			f = FATE_UNKNOWN;
	}
	if (m->fate != FATE_UNKNOWN || f == FATE_UNKNOWN)
		return m->fate;
	return f;
}

/* Count the message once and forget it. */
static void complete(struct messages *ms, struct open_msg *m)
{
	struct record_cell cell;
	int64_t when;
	unsigned fate;
	int i;

	if (m->done_ms >= 0)
		ms->ndone--; /* it was waiting for the other inputs */
	fate = message_fate(ms, m);
	if (!m->countable || fate == MSG_DEFERRED ||
	    (!ms->cfg.publish_fates && fate != FATE_ACCEPTED && fate != FATE_UNKNOWN)) {
		if (!m->countable)
			ms->unjoined++;
		else if (fate == MSG_DEFERRED)
			ms->deferred++;
		else
			ms->refused_unpublished++;
		unlink_msg(ms, m);
		table_remove(ms, m);
		msg_release(ms, m);
		return;
	}
	when = m->event_ms >= 0 ? m->event_ms : m->msgid_ms >= 0 ? m->msgid_ms : m->first_ms;
	for (i = 0; i < AR_METHOD_COUNT; i++)
		cell.result[i] = m->outcome.result[i];
	cell.dmarc_policy = m->outcome.dmarc_policy;
	cell.spam = m->spam != SPAM_UNKNOWN ? m->spam : ms->cfg.spam_default;
	cell.fate = ms->cfg.publish_fates ? (enum ar_fate)fate : FATE_UNKNOWN;
	cell.messages = 1;
	windows_count(ms->ws, when, &cell);
	unlink_msg(ms, m);
	table_remove(ms, m);
	msg_release(ms, m);
}

static struct open_msg *lookup(struct messages *ms, const struct input_event *ev, int create)
{
	size_t klen = ev->host.len + 1 + ev->queue_id.len;
	uint64_t h;
	struct open_msg *m;

	if (klen > MSG_KEY_MAX)
		return NULL; /* cannot happen with a bounded queue ID and host; be safe */
	h = qid_hash(ms->seed, ev->queue_id.p, ev->queue_id.len);
	m = table_find_event(ms, ev, h);
	if (m != NULL || !create)
		return m;
	if (ms->count >= ms->cfg.max_open && ms->oldest != NULL) {
		windows_health(ms->ws, ev->time_ms)->messages_evicted++;
		complete(ms, ms->oldest);
	}
	m = msg_alloc(ms, klen, h);
	memcpy(m->key, ev->host.p, ev->host.len);
	m->key[ev->host.len] = '\0';
	memcpy(m->key + ev->host.len + 1, ev->queue_id.p, ev->queue_id.len);
	m->countable = 0;
	m->first_ms = m->last_ms = ev->time_ms;
	m->event_ms = m->msgid_ms = m->done_ms = -1;
	m->touched_mono = ms->mono_now;
	authres_outcome_init(&m->outcome);
	m->spam = SPAM_UNKNOWN;
	m->fate = m->filter_fate = FATE_UNKNOWN;
	m->filter_quarantined = 0;
	msg_link_newest(ms, m);
	return m;
}

static int span_starts_nocase(const struct input_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len >= n && str_eq_nocase(s->p, n, lit);
}

/* Which of the headers we read a name is: by its length first, as every
 * header line of the log comes here; the configured vendor names of
 * Authentication-Results (authres_header_names) only when it is none of the
 * others. */
enum header_name { HDR_OTHER, HDR_AUTHRES, HDR_RECEIVED_SPF, HDR_SPAM_FLAG, HDR_SPAM_STATUS };

static enum header_name header_name_of(const struct messages *ms, const struct input_span *n)
{
	switch (n->len) {
	case 22:
		if (str_mem_eq_nocase(n->p, "Authentication-Results", 22))
			return HDR_AUTHRES;
		break;
	case 12:
		if (str_mem_eq_nocase(n->p, "Received-SPF", 12))
			return HDR_RECEIVED_SPF;
		break;
	case 11:
		if (str_mem_eq_nocase(n->p, "X-Spam-Flag", 11))
			return HDR_SPAM_FLAG;
		break;
	case 13:
		if (str_mem_eq_nocase(n->p, "X-Spam-Status", 13))
			return HDR_SPAM_STATUS;
		break;
	default:
		break;
	}
	if (ms->cfg.nauthres_names > 0 &&
	    authres_header_kind(n->p, n->len, ms->cfg.authres_names, ms->cfg.nauthres_names) ==
	            AUTHRES_KIND_AR)
		return HDR_AUTHRES;
	return HDR_OTHER;
}

/*
 * At debug level, why a header could not be read: the parser's reason, where
 * and how long, never the text. A header value holds addresses, IPs and host
 * names, and no log level may write them (README, "Privacy"); to see the text
 * itself, run arstat-authres on the mail log by hand.
 */
static void debug_malformed(enum header_name kind, const struct input_event *ev, unsigned flags)
{
	struct authres_header *hd;
	struct authres_received_spf rs;
	enum authres_error e = AUTHRES_E_NONE;
	size_t at = 0;
	const char *what;
	int rc;

	if (msg_get_level() > MSG_DEBUG)
		return;
	/* The parse is repeated for its reason: a rare path, and only at debug. */
	if (kind == HDR_RECEIVED_SPF) {
		rc = authres_received_spf_parse(ev->value.p, ev->value.len, flags, &rs, &e);
	} else {
		hd = xmalloc(sizeof(*hd));
		rc = authres_header_parse(ev->value.p, ev->value.len, flags, hd);
		e = hd->error;
		at = hd->error_offset;
		free(hd);
	}
	what = kind == HDR_RECEIVED_SPF ? "Received-SPF"
	       : ev->name.len == 22     ? "Authentication-Results"
	                                : "vendor Authentication-Results";
	if (rc < 0 && kind == HDR_RECEIVED_SPF)
		msg_debug("malformed %s header of %zu bytes: %s (text not logged)", what,
		          ev->value.len, authres_error_name(e));
	else if (rc < 0)
		msg_debug("malformed %s header: %s at byte %zu of %zu (text not logged)", what,
		          authres_error_name(e), at, ev->value.len);
	else
		msg_debug("malformed %s header of %zu bytes (text not logged)", what, ev->value.len);
}

static void apply_header(struct messages *ms, struct open_msg *m, const struct input_event *ev)
{
	const enum header_name kind = header_name_of(ms, &ev->name);
	const unsigned flags = (ev->value_truncated ? AUTHRES_F_TRUNCATED : 0u) |
	                       (ev->value_escaped ? AUTHRES_F_EXIM_ESCAPES : 0u) |
	                       (ev->value_qq ? AUTHRES_F_POSTFIX_QQ : 0u);
	struct record_health *h;
	struct authres_outcome o;
	enum authres_status st;

	switch (kind) {
	case HDR_AUTHRES:
	case HDR_RECEIVED_SPF:
		/*
		 * A Received-SPF is trusted by its receiver= (the host that
		 * checked), an Authentication-Results by its authserv-id, both
		 * against trusted_authserv_ids. Its SPF result joins the others of
		 * the message by the one outcome rule (authres_outcome_merge()),
		 * as a second trusted header or a milter's line would.
		 */
		h = windows_health(ms->ws, ev->time_ms);
		st = kind == HDR_AUTHRES
		             ? authres_parse_ex(ev->value.p, ev->value.len, flags, &ms->cfg.trust, &o)
		             : authres_received_spf_outcome(ev->value.p, ev->value.len, flags,
		                                            &ms->cfg.trust, &o);
		switch (st) {
		case AUTHRES_OK:
			authres_outcome_merge(&m->outcome, &o);
			break;
		case AUTHRES_UNTRUSTED:
			h->headers_untrusted++;
			break;
		case AUTHRES_MALFORMED:
			h->headers_malformed++;
			debug_malformed(kind, ev, flags);
			break;
		}
		break;
	case HDR_SPAM_FLAG:
	case HDR_SPAM_STATUS:
		if (span_starts_nocase(&ev->value, "yes"))
			m->spam = SPAM_SPAM;
		else if (span_starts_nocase(&ev->value, "no") && m->spam != SPAM_SPAM)
			m->spam = SPAM_HAM;
		break;
	case HDR_OTHER:
		break;
	}
}

void messages_set_clock(struct messages *ms, int64_t mono_ms)
{
	ms->mono_now = mono_ms;
}

/*
 * A content filter gave message m back to the MTA, which queued it again
 * under ev->alias (amavis as Postfix's content_filter): one message under
 * two queue IDs. The copy's lines so far (its header_checks lines, if the
 * re-injection listener logs them, and its message-id line) are folded into
 * m and the copy is forgotten without being counted; its later lines
 * ("removed") then find nothing. The filter logs this after the MTA took
 * the copy, so the copy is normally still open; one already completed (its
 * "removed" logged before the filter's line) has been counted, and m is
 * counted as well: the rare case this cannot mend.
 */
static void absorb_alias(struct messages *ms, struct open_msg *m, const struct input_event *ev)
{
	struct input_event copy_ev = *ev;
	struct open_msg *c;

	copy_ev.queue_id = ev->alias;
	c = lookup(ms, &copy_ev, 0);
	if (c == NULL || c == m)
		return;
	authres_outcome_merge(&m->outcome, &c->outcome);
	if (c->spam == SPAM_SPAM || m->spam == SPAM_UNKNOWN)
		m->spam = c->spam;
	m->countable |= c->countable;
	/* The copy was queued by the MTA (accepted); its own later fate (a
	 * HOLD of the re-injected copy) is the message's. */
	fate_merge(&m->fate, c->fate);
	fate_merge(&m->filter_fate, c->filter_fate);
	m->filter_quarantined |= c->filter_quarantined;
	if (m->event_ms < 0)
		m->event_ms = c->event_ms;
	if (m->msgid_ms < 0)
		m->msgid_ms = c->msgid_ms;
	if (c->done_ms >= 0)
		ms->ndone--;
	unlink_msg(ms, c);
	table_remove(ms, c);
	msg_release(ms, c);
}

/* Take what ev says of m's fate. */
static void apply_fate(struct open_msg *m, const struct input_event *ev)
{
	unsigned f = ev->fate;

	if (ev->fate_flags & INPUT_FATE_TEMPORARY)
		f = MSG_DEFERRED;
	/* The filter that held the message (MailScanner behind Postfix's
	 * header_checks HOLD) queued it again for delivery: the hold was its
	 * own way of taking the message, not a quarantine. A refusal stays. */
	if ((ev->fate_flags & INPUT_FATE_RELEASED) && m->fate == FATE_HELD)
		m->fate = (unsigned char)f;
	if (ev->fate_flags & INPUT_FATE_FILTER) {
		fate_merge(&m->filter_fate, f);
		if (ev->fate_flags & INPUT_FATE_QUARANTINED)
			m->filter_quarantined = 1;
	} else {
		fate_merge(&m->fate, f);
	}
}

void messages_apply(struct messages *ms, const struct input_event *ev)
{
	struct open_msg *m;

	if (ev->kind == IN_OTHER)
		return;
	/* A "removed" or refusal line of a message we never saw received (it
	 * began before our log did) counts nothing; every other event opens its
	 * message. */
	m = lookup(ms, ev, ev->kind != IN_DONE);
	if (m == NULL)
		return;
	if (ev->kind != IN_DONE) {
		m->touched_mono = ms->mono_now;
		m->last_ms = ev->time_ms;
	}
	if (ev->fate != FATE_UNKNOWN || ev->fate_flags != 0)
		apply_fate(m, ev);
	switch (ev->kind) {
	case IN_HEADER:
		m->countable = 1;
		if (m->event_ms < 0)
			m->event_ms = ev->time_ms;
		apply_header(ms, m, ev);
		return;
	case IN_MSGID:
		m->countable = 1;
		if (m->msgid_ms < 0)
			m->msgid_ms = ev->time_ms;
		return;
	case IN_DONE:
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
		/* A milter's verdict does not set the event time: that is when the
		 * message was accepted (its first header line or message-id line). */
		{
			struct authres_outcome o;

			authres_outcome_init(&o);
			o.result[ev->method] = ev->result;
			if (ev->method == AR_DMARC)
				o.dmarc_policy = ev->dmarc_policy;
			authres_outcome_merge(&m->outcome, &o);
		}
		return;
	case IN_FATE:
		return;
	case IN_SPAM:
		/* A spam verdict from any filter wins over a ham one. */
		if (ev->spam == SPAM_SPAM || m->spam == SPAM_UNKNOWN)
			m->spam = ev->spam;
		/* The filter's own results (rspamd's symbols) join the message's
		 * others, a trusted header's too, by the one outcome rule. */
		if (ev->has_results) {
			struct authres_outcome o;

			input_event_results(ev, &o);
			authres_outcome_merge(&m->outcome, &o);
		}
		if (ev->alias.len > 0 && ms->cfg.join_reinjected)
			absorb_alias(ms, m, ev);
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

uint64_t messages_deferred(const struct messages *ms)
{
	return ms->deferred;
}

uint64_t messages_refused_unpublished(const struct messages *ms)
{
	return ms->refused_unpublished;
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
	return ms->count;
}

int messages_save(const struct messages *ms, struct strbuf *sb)
{
	const struct open_msg *m;
	int i;

	/* Written field by field with "||", which keeps the order. */
	if (ser_u32(sb, (uint32_t)ms->count) < 0)
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
		/* Version 2: the fate so far. */
		if (ser_u8(sb, m->fate) < 0 || ser_u8(sb, m->filter_fate) < 0 ||
		    ser_u8(sb, m->filter_quarantined) < 0)
			return -1;
	}
	return 0;
}

/* A saved time: in the range windows hold, or -1 ("none") if may_be_none. */
static int time_ok(int64_t t, int may_be_none)
{
	return (may_be_none && t == -1) || (t >= WINDOWS_TIME_MIN_MS && t <= WINDOWS_TIME_MAX_MS);
}

/* A saved fate: a FATE_* or MSG_DEFERRED; -1 for anything else. */
static int fate_load(struct deser *d, unsigned char *out)
{
	uint8_t v = deser_u8(d);

	*out = v <= MSG_DEFERRED ? v : FATE_UNKNOWN;
	return v <= MSG_DEFERRED ? 0 : -1;
}

int messages_load(struct messages *ms, struct deser *d, int version)
{
	uint32_t n = deser_u32(d), k;
	int i;

	ms->ndone = 0;
	free_all(ms);
	for (k = 0; k < n && !d->failed; k++) {
		struct open_msg *m;
		size_t klen;
		const void *key = deser_bytes(d, MSG_KEY_MAX, &klen);
		uint64_t h;
		uint8_t v;

		if (key == NULL || klen == 0) {
			d->failed = 1;
			break;
		}
		h = key_hash(ms->seed, key, klen);
		if (table_find(ms, key, klen, h) != NULL) {
			d->failed = 1;
			break;
		}
		m = msg_alloc(ms, klen, h);
		memcpy(m->key, key, klen);
		authres_outcome_init(&m->outcome);
		m->touched_mono = ms->mono_now;
		m->first_ms = deser_i64(d);
		m->event_ms = deser_i64(d);
		m->msgid_ms = deser_i64(d);
		m->last_ms = deser_i64(d);
		m->done_ms = deser_i64(d);
		m->countable = deser_u8(d) != 0;
		/* Every time is compared and counted into a window later: one out of
		 * range would overflow the window arithmetic. */
		if (!time_ok(m->first_ms, 0) || !time_ok(m->last_ms, 0) || !time_ok(m->event_ms, 1) || !time_ok(m->msgid_ms, 1) || !time_ok(m->done_ms, 1))
			d->failed = 1;
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
		/* Version 1 kept no fate: a message saved by it has none yet, and
		 * its later lines ("queue active", "removed", a refusal) give it. */
		m->fate = m->filter_fate = FATE_UNKNOWN;
		m->filter_quarantined = 0;
		if (version >= 2) {
			if (fate_load(d, &m->fate) < 0 || fate_load(d, &m->filter_fate) < 0)
				d->failed = 1;
			v = deser_u8(d);
			if (v > 1)
				d->failed = 1;
			m->filter_quarantined = v == 1;
		}
		msg_link_newest(ms, m);
	}
	return d->failed ? -1 : 0;
}
