#include "windows.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

struct cellslot {
	uint32_t key_plus1; /* record_cell_key() + 1; 0 = empty */
	int64_t count;
};

struct window {
	int64_t index; /* start / window_ms */
	int correction;
	struct cellslot *slots;
	size_t nslots; /* power of two */
	size_t used;
	struct record_health health;
	struct window *prev, *next;
};

struct windows {
	int64_t window_ms;
	/* Windows with index below this have been taken; counts for them go
	 * to correction windows. */
	int64_t taken_below;
	int any_taken;
	struct window *head, *tail; /* sorted by (correction desc, index) */
	/* The window window_get() found last, and its interval [last_lo,
	 * last_hi) in ms: every line asks for the health of its window, and
	 * lines come in time order. NULL when a take or a load may have freed
	 * it or changed which times go to corrections. */
	struct window *last;
	int64_t last_lo, last_hi;
	/* The span vouched for and not yet on a record, [vouch_lo, vouch_hi)
	 * (empty when they are equal), and the end of the last span put on a
	 * record (0 if none): no window is vouched for twice. Saved. */
	int64_t vouch_lo, vouch_hi, vouch_published;
	/* A following collector's stretch of uninterrupted reading began at
	 * this time of the clock (INT64_MIN: none now). Not saved: a restart
	 * begins a new stretch. */
	int64_t up_since;
};

/* Marks the vouch state in a checkpoint, after the windows. */
#define WINDOWS_VOUCH_TAG 0x56 /* 'V' */

struct windows *windows_new(int64_t window_ms)
{
	struct windows *ws = xcalloc(1, sizeof(*ws));

	ws->window_ms = window_ms;
	ws->up_since = INT64_MIN;
	return ws;
}

static void window_free(struct window *w)
{
	free(w->slots);
	free(w);
}

void windows_free(struct windows *ws)
{
	struct window *w, *next;

	if (ws == NULL)
		return;
	for (w = ws->head; w != NULL; w = next) {
		next = w->next;
		window_free(w);
	}
	free(ws);
}

/* Order: correction windows first (they are already late), then by index. */
static int window_before(const struct window *a, int correction, int64_t index)
{
	if (a->correction != correction)
		return a->correction > correction;
	return a->index < index;
}

static struct window *window_remember(struct windows *ws, struct window *w)
{
	ws->last = w;
	ws->last_lo = w->index * ws->window_ms;
	ws->last_hi = ws->last_lo + ws->window_ms;
	return w;
}

static struct window *window_get(struct windows *ws, int64_t time_ms)
{
	int64_t index;
	int correction;
	struct window *w, *at;

	if (ws->last != NULL && time_ms >= ws->last_lo && time_ms < ws->last_hi)
		return ws->last;
	index = time_floor_div(time_ms, ws->window_ms);
	correction = ws->any_taken && index < ws->taken_below;
	/* Lines come mostly in time order, so search from the tail. */
	for (at = ws->tail; at != NULL; at = at->prev) {
		if (at->index == index && at->correction == correction)
			return window_remember(ws, at);
		if (window_before(at, correction, index))
			break;
	}
	w = xcalloc(1, sizeof(*w));
	w->index = index;
	w->correction = correction;
	w->nslots = 16;
	w->slots = xcalloc(w->nslots, sizeof(*w->slots));
	w->prev = at;
	w->next = at ? at->next : ws->head;
	if (w->next != NULL)
		w->next->prev = w;
	else
		ws->tail = w;
	if (at != NULL)
		at->next = w;
	else
		ws->head = w;
	return window_remember(ws, w);
}

static struct cellslot *slot_find(struct cellslot *slots, size_t n, uint32_t key)
{
	size_t i = (key * 2654435761u) & (n - 1);

	while (slots[i].key_plus1 != 0 && slots[i].key_plus1 != key + 1)
		i = (i + 1) & (n - 1);
	return &slots[i];
}

static void window_grow(struct window *w)
{
	size_t n = w->nslots * 2, i;
	struct cellslot *s = xcalloc(n, sizeof(*s));

	for (i = 0; i < w->nslots; i++) {
		if (w->slots[i].key_plus1 != 0)
			*slot_find(s, n, w->slots[i].key_plus1 - 1) = w->slots[i];
	}
	free(w->slots);
	w->slots = s;
	w->nslots = n;
}

void windows_count(struct windows *ws, int64_t event_ms, const struct record_cell *cell)
{
	struct window *w = window_get(ws, event_ms);
	uint32_t key = record_cell_key(cell);
	struct cellslot *s = slot_find(w->slots, w->nslots, key);

	if (s->key_plus1 == 0) {
		s->key_plus1 = key + 1;
		if (++w->used * 2 > w->nslots) {
			window_grow(w);
			s = slot_find(w->slots, w->nslots, key);
		}
	}
	s->count++;
}

struct record_health *windows_health(struct windows *ws, int64_t time_ms)
{
	return &window_get(ws, time_ms)->health;
}

static int cell_cmp(const void *a, const void *b)
{
	uint32_t ka = record_cell_key(a), kb = record_cell_key(b);

	return ka < kb ? -1 : ka > kb;
}

int windows_peek(const struct windows *ws, int64_t before_ms, struct record_batch *b)
{
	const struct window *w = ws->head;
	size_t i;

	if (w == NULL)
		return 0;
	if (!w->correction && (w->index + 1) * ws->window_ms > before_ms)
		return 0;
	b->ncells = 0;
	for (i = 0; i < w->nslots; i++) {
		struct record_cell c;

		if (w->slots[i].key_plus1 == 0)
			continue;
		memset(&c, 0, sizeof(c)); /* its padding too: batches compare whole */
		record_cell_unkey(w->slots[i].key_plus1 - 1, &c);
		c.messages = w->slots[i].count;
		record_batch_add_cell(b, &c);
	}
	/* A stable order makes records reproducible and easy to diff. */
	if (b->ncells > 1)
		qsort(b->cells, b->ncells, sizeof(*b->cells), cell_cmp);
	b->window_start_ms = w->index * ws->window_ms;
	b->window_end_ms = b->window_start_ms + ws->window_ms;
	b->correction = w->correction;
	b->health = w->health;
	b->vouch_start_ms = ws->vouch_lo;
	b->vouch_end_ms = ws->vouch_hi;
	if (ws->vouch_lo == ws->vouch_hi)
		b->vouch_start_ms = b->vouch_end_ms = 0;
	return 1;
}

void windows_drop(struct windows *ws)
{
	struct window *w = ws->head;

	if (w == NULL)
		return;
	ws->last = NULL;
	ws->head = w->next;
	if (ws->head != NULL)
		ws->head->prev = NULL;
	else
		ws->tail = NULL;
	if (!w->correction && (!ws->any_taken || w->index + 1 > ws->taken_below)) {
		ws->taken_below = w->index + 1;
		ws->any_taken = 1;
	}
	window_free(w);
	/* windows_peek put the pending span on the record just stored. */
	windows_drop_vouch(ws);
}

int windows_take(struct windows *ws, int64_t before_ms, struct record_batch *b)
{
	if (!windows_peek(ws, before_ms, b))
		return 0;
	windows_drop(ws);
	return 1;
}

/* ---- vouching ---- */

/* The start of the first window starting at or after t, and of the window
 * holding t. t within the parsers' years, so neither overflows. */
static int64_t window_ceil(const struct windows *ws, int64_t t)
{
	return -time_floor_div(-t, ws->window_ms) * ws->window_ms;
}

static int64_t window_floor(const struct windows *ws, int64_t t)
{
	return time_floor_div(t, ws->window_ms) * ws->window_ms;
}

int windows_vouch(struct windows *ws, int64_t start_ms, int64_t end_ms)
{
	if (start_ms < ws->vouch_published)
		start_ms = ws->vouch_published;
	if (start_ms < 0)
		start_ms = 0;
	if (end_ms > WINDOWS_TIME_MAX_MS + 1)
		end_ms = WINDOWS_TIME_MAX_MS + 1;
	if (start_ms >= end_ms)
		return 0;
	if (ws->vouch_lo == ws->vouch_hi) {
		ws->vouch_lo = start_ms;
		ws->vouch_hi = end_ms;
		return 0;
	}
	/* Spans join when they touch: windows are half-open. */
	if (start_ms > ws->vouch_hi || end_ms < ws->vouch_lo)
		return 1;
	if (start_ms < ws->vouch_lo)
		ws->vouch_lo = start_ms;
	if (end_ms > ws->vouch_hi)
		ws->vouch_hi = end_ms;
	return 0;
}

int windows_vouch_follow(struct windows *ws, int64_t begin_ms, int64_t end_ms, int64_t grace_ms,
                         int reading_ok, int at_end)
{
	if (!reading_ok) {
		ws->up_since = INT64_MIN;
		return 0;
	}
	if (ws->up_since == INT64_MIN)
		ws->up_since = end_ms;
	if (!at_end)
		return 0;
	return windows_vouch(ws, window_ceil(ws, ws->up_since),
	                     window_floor(ws, begin_ms - grace_ms));
}

int windows_vouch_backfill(struct windows *ws, int64_t first_ms, int64_t last_ms,
                           int64_t grace_ms, int at_end)
{
	if (first_ms == INT64_MIN || last_ms == INT64_MIN)
		return 0;
	/* The windows holding the first and the last line have lines, so
	 * records of their own: taking them in whole claims nothing more. */
	return windows_vouch(ws, window_floor(ws, first_ms),
	                     at_end ? window_floor(ws, last_ms) + ws->window_ms
	                            : window_floor(ws, last_ms - grace_ms));
}

int64_t windows_vouch_pending(const struct windows *ws)
{
	return ws->vouch_hi - ws->vouch_lo;
}

int windows_peek_vouch(const struct windows *ws, struct record_batch *b)
{
	if (ws->vouch_lo == ws->vouch_hi)
		return 0;
	b->ncells = 0;
	b->window_end_ms = ws->vouch_hi;
	b->window_start_ms = ws->vouch_hi - ws->window_ms;
	b->correction = 0;
	memset(&b->health, 0, sizeof(b->health));
	b->vouch_start_ms = ws->vouch_lo;
	b->vouch_end_ms = ws->vouch_hi;
	return 1;
}

void windows_drop_vouch(struct windows *ws)
{
	if (ws->vouch_lo == ws->vouch_hi)
		return;
	ws->vouch_published = ws->vouch_hi;
	ws->vouch_lo = ws->vouch_hi = 0;
}

/* "||" evaluates in order, so fields are written in order; any failure is -1. */
static int health_save(const struct record_health *h, struct strbuf *sb)
{
	if (ser_i64(sb, h->lines_read) < 0 || ser_i64(sb, h->lines_malformed) < 0 ||
	    ser_i64(sb, h->lines_overlong) < 0 || ser_i64(sb, h->headers_untrusted) < 0 ||
	    ser_i64(sb, h->headers_malformed) < 0 || ser_i64(sb, h->messages_evicted) < 0 ||
	    ser_i64(sb, h->messages_late) < 0 || ser_i64(sb, h->input_losses) < 0)
		return -1;
	return 0;
}

/* -1 if a counter is negative or above WINDOWS_COUNT_MAX. Format 1 has
 * no input_losses (it stays 0). */
static int health_load(struct record_health *h, struct deser *d, int format)
{
	int64_t *f[] = { &h->lines_read, &h->lines_malformed, &h->lines_overlong,
		         &h->headers_untrusted, &h->headers_malformed, &h->messages_evicted,
		         &h->messages_late, &h->input_losses };
	size_t i, n = sizeof(f) / sizeof(f[0]) - (format == 1);

	h->input_losses = 0;
	for (i = 0; i < n; i++) {
		*f[i] = deser_i64(d);
		if (*f[i] < 0 || *f[i] > WINDOWS_COUNT_MAX)
			return -1;
	}
	return 0;
}

int windows_save(const struct windows *ws, struct strbuf *sb)
{
	const struct window *w;
	uint32_t n = 0;
	size_t i;

	for (w = ws->head; w != NULL; w = w->next)
		n++;
	if (ser_i64(sb, ws->window_ms) < 0 || ser_i64(sb, ws->taken_below) < 0 ||
	    ser_u8(sb, (uint8_t)ws->any_taken) < 0 || ser_u32(sb, n) < 0)
		return -1;
	for (w = ws->head; w != NULL; w = w->next) {
		if (ser_i64(sb, w->index) < 0 || ser_u8(sb, (uint8_t)w->correction) < 0 ||
		    ser_u32(sb, (uint32_t)w->used) < 0 || health_save(&w->health, sb) < 0)
			return -1;
		for (i = 0; i < w->nslots; i++) {
			if (w->slots[i].key_plus1 != 0 &&
			    (ser_u32(sb, w->slots[i].key_plus1 - 1) < 0 ||
			     ser_i64(sb, w->slots[i].count) < 0))
				return -1;
		}
	}
	/* Only when there is any, so that the checkpoint of a collector that
	 * never vouched keeps the earlier format byte for byte. */
	if (ws->vouch_published == 0 && ws->vouch_lo == ws->vouch_hi)
		return 0;
	if (ser_u8(sb, WINDOWS_VOUCH_TAG) < 0 || ser_i64(sb, ws->vouch_published) < 0 ||
	    ser_i64(sb, ws->vouch_lo) < 0 || ser_i64(sb, ws->vouch_hi) < 0)
		return -1;
	return 0;
}

/* The vouch state after the windows, if the checkpoint has one: -1 if it is
 * corrupt (times out of range or unaligned, a pending span that is neither
 * empty nor after what was published). */
static int vouch_load(struct windows *ws, struct deser *d)
{
	int64_t published, lo, hi, top = WINDOWS_TIME_MAX_MS + 1;

	ws->vouch_published = ws->vouch_lo = ws->vouch_hi = 0;
	if (d->pos == d->len)
		return 0;
	if (deser_u8(d) != WINDOWS_VOUCH_TAG)
		return -1;
	published = deser_i64(d);
	lo = deser_i64(d);
	hi = deser_i64(d);
	if (d->failed || published < 0 || published > top || published % ws->window_ms != 0)
		return -1;
	if (lo == 0 && hi == 0) {
		ws->vouch_published = published;
		return 0;
	}
	if (lo < published || lo >= hi || hi > top || lo % ws->window_ms != 0 ||
	    hi % ws->window_ms != 0)
		return -1;
	ws->vouch_published = published;
	ws->vouch_lo = lo;
	ws->vouch_hi = hi;
	return 0;
}

/* Window indexes whose windows lie in WINDOWS_TIME_MIN_MS..MAX_MS. */
static int index_ok(const struct windows *ws, int64_t index)
{
	return index >= time_floor_div(WINDOWS_TIME_MIN_MS, ws->window_ms) &&
	       index <= time_floor_div(WINDOWS_TIME_MAX_MS, ws->window_ms);
}

int windows_load(struct windows *ws, struct deser *d)
{
	return windows_load_format(ws, d, WINDOWS_FORMAT);
}

int windows_load_format(struct windows *ws, struct deser *d, int format)
{
	struct window *w, *next;
	uint32_t n, i, j, used;
	int64_t window_ms = deser_i64(d);

	for (w = ws->head; w != NULL; w = next) {
		next = w->next;
		window_free(w);
	}
	ws->head = ws->tail = NULL;
	ws->last = NULL;
	/* A checkpoint written with another window length cannot be continued. */
	if (window_ms != ws->window_ms)
		return -1;
	ws->taken_below = deser_i64(d);
	ws->any_taken = deser_u8(d) != 0;
	/* Only read once a window was taken; then one past a window's index. */
	if (ws->any_taken && !(ws->taken_below > INT64_MIN && index_ok(ws, ws->taken_below - 1)))
		d->failed = 1;
	n = deser_u32(d);
	for (i = 0; i < n && !d->failed; i++) {
		int64_t index = deser_i64(d);
		int correction = deser_u8(d) != 0;

		/* In range, and after the window before it in the live order
		 * (which also makes every window unique). */
		if (!index_ok(ws, index) ||
		    (ws->tail != NULL && !window_before(ws->tail, correction, index))) {
			d->failed = 1;
			break;
		}
		w = xcalloc(1, sizeof(*w));
		w->index = index;
		w->correction = correction;
		w->nslots = 16;
		w->slots = xcalloc(w->nslots, sizeof(*w->slots));
		w->prev = ws->tail;
		if (ws->tail != NULL)
			ws->tail->next = w;
		else
			ws->head = w;
		ws->tail = w;
		used = deser_u32(d);
		if (health_load(&w->health, d, format) < 0 || used > RECORD_CELLS_MAX) {
			d->failed = 1;
			break;
		}
		for (j = 0; j < used && !d->failed; j++) {
			uint32_t key = deser_u32(d);
			int64_t count = deser_i64(d);
			struct cellslot *s;

			if (key >= RECORD_CELLS_MAX || count < 0 || count > WINDOWS_COUNT_MAX) {
				d->failed = 1;
				break;
			}
			s = slot_find(w->slots, w->nslots, key);
			/* Each cell once: windows_save writes each once. */
			if (s->key_plus1 != 0) {
				d->failed = 1;
				break;
			}
			s->key_plus1 = key + 1;
			s->count = count;
			if (++w->used * 2 > w->nslots)
				window_grow(w);
		}
	}
	if (!d->failed && vouch_load(ws, d) < 0)
		d->failed = 1;
	return d->failed ? -1 : 0;
}
