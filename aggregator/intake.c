#include "intake.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "strutil.h"
#include "timeutil.h"

struct intake {
	struct store *st;
	char *dl_path;
	int dl_fd;          /* opened at the first dead letter */
	int dl_written;     /* written to in the open batch, so fsync before commit */
	int in_batch;
	struct intake_counts batch, total;
	struct intake_limits lim;
	int64_t earliest_ms, latest_ms; /* a window's start lies in between; set per batch */
	struct record_batch rec;   /* intake_message()'s decoded record */
	struct strbuf decode_why;  /* ... or why it did not decode */
	struct strbuf line;  /* one dead-letter line */
	struct strbuf why;   /* reason of a decode or store failure */
	struct strbuf label; /* the origin, for logs */
};

/* A window's length divides an hour (the collector's window_seconds divides
 * 3600). */
#define INTAKE_HOUR_MS INT64_C(3600000)

/* Beyond these the limits' arithmetic could overflow (settings.c keeps
 * within them); a caller passing more is a bug. */
#define INTAKE_AGE_DAYS_MAX 36500
#define INTAKE_FUTURE_SECONDS_MAX (366 * 86400)
#define INTAKE_NOW_MS_MAX (TIME_MS_MAX + 1) /* year 10000 */

/* A sum of cells each at most max_cell_messages never passes twice that
 * before the loop stops, so it cannot overflow. */
_Static_assert(STORE_CELL_MESSAGES_MAX <= INT64_MAX / 2, "a record's sum fits");

struct intake *intake_new(struct store *st, const char *dead_letter_path,
                          const struct intake_limits *lim)
{
	struct intake *in;

	if (lim->max_record_age_days < 0 || lim->max_record_age_days > INTAKE_AGE_DAYS_MAX ||
	    lim->max_future_seconds < 0 || lim->max_future_seconds > INTAKE_FUTURE_SECONDS_MAX ||
	    lim->max_cell_messages < 1 || lim->max_cell_messages > STORE_CELL_MESSAGES_MAX ||
	    lim->now_ms < 0 || lim->now_ms > INTAKE_NOW_MS_MAX || lim->carriers == NULL)
		msg_panic("intake_new: limits out of range or no register");
	in = xcalloc(1, sizeof(*in));
	in->st = st;
	in->lim = *lim;
	in->dl_path = xstrdup(dead_letter_path);
	in->dl_fd = -1;
	record_batch_init(&in->rec);
	strbuf_init(&in->decode_why, 1024);
	strbuf_init(&in->line, 2 * INTAKE_DEAD_LETTER_BYTES_MAX + 1024);
	strbuf_init(&in->why, 1024);
	strbuf_init(&in->label, 4096 + 128);
	return in;
}

void intake_free(struct intake *in)
{
	if (in == NULL)
		return;
	intake_rollback(in);
	if (in->dl_fd >= 0 && close(in->dl_fd) < 0)
		msg_warn("%s: %s", in->dl_path, strerror(errno));
	record_batch_free(&in->rec);
	strbuf_release(&in->decode_why);
	strbuf_release(&in->line);
	strbuf_release(&in->why);
	strbuf_release(&in->label);
	free(in->dl_path);
	free(in);
}

const struct intake_counts *intake_totals(const struct intake *in)
{
	return &in->total;
}

int intake_begin(struct intake *in, struct strbuf *err)
{
	int64_t now;

	if (in->in_batch)
		msg_panic("intake_begin: batch already open");
	if (store_begin(in->st, err) < 0)
		return -1;
	memset(&in->batch, 0, sizeof(in->batch));
	/* The clock is read once a batch, not once a record: the span is days
	 * wide, so a batch's half second does not matter. */
	now = in->lim.now_ms;
	if (now == 0) {
		now = (int64_t)time(NULL);
		now = now < 0 ? 0 : now > INTAKE_NOW_MS_MAX / 1000 ? INTAKE_NOW_MS_MAX : now * 1000;
	}
	in->earliest_ms = now - in->lim.max_record_age_days * 86400000;
	in->latest_ms = now + in->lim.max_future_seconds * 1000;
	in->in_batch = 1;
	return 0;
}

void intake_rollback(struct intake *in)
{
	if (!in->in_batch)
		return;
	store_rollback(in->st);
	memset(&in->batch, 0, sizeof(in->batch));
	in->in_batch = 0;
}

int intake_commit(struct intake *in, struct strbuf *err)
{
	if (!in->in_batch)
		msg_panic("intake_commit: no batch");
	/* The dead letters must be on disk before the positions that pass them. */
	if (in->dl_written && fsync(in->dl_fd) < 0) {
		strbuf_printf(err, "%s: %s", in->dl_path, strerror(errno));
		intake_rollback(in);
		return -1;
	}
	in->dl_written = 0;
	if (store_commit(in->st, err) < 0) {
		memset(&in->batch, 0, sizeof(in->batch));
		in->in_batch = 0;
		return -1;
	}
	in->in_batch = 0;
	in->total.messages += in->batch.messages;
	in->total.stored += in->batch.stored;
	in->total.duplicates += in->batch.duplicates;
	in->total.dead_letters += in->batch.dead_letters;
	in->total.conflicts += in->batch.conflicts;
	in->total.refused += in->batch.refused;
	in->total.unverified += in->batch.unverified;
	in->total.sealed += in->batch.sealed;
	in->total.batches++;
	return 0;
}

/* "topic T partition P offset O" or "file F, block at byte B, record R". */
static const char *intake_label(struct intake *in, const struct intake_origin *o)
{
	strbuf_reset(&in->label);
	if (o->kind == INTAKE_FILE)
		strbuf_printf(&in->label, "file %s, block at byte %lld, record %d",
		              o->path != NULL ? o->path : o->src.name, (long long)o->src.offset,
		              (int)o->src.partition);
	else
		strbuf_printf(&in->label, "topic %s partition %d offset %lld", o->src.name,
		              (int)o->src.partition, (long long)o->src.offset);
	return in->label.data != NULL ? in->label.data : "?";
}

static int intake_dead_letter_file(struct intake *in, const struct intake_origin *o,
                                   const char *reason, const unsigned char *payload, size_t len,
                                   struct strbuf *err)
{
	size_t n = len < INTAKE_DEAD_LETTER_BYTES_MAX ? len : INTAKE_DEAD_LETTER_BYTES_MAX;
	char hex[3];
	size_t i;

	if (payload == NULL)
		n = 0;
	if (in->dl_fd < 0) {
		in->dl_fd = open(in->dl_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (in->dl_fd < 0) {
			strbuf_printf(err, "%s: %s", in->dl_path, strerror(errno));
			return -1;
		}
	}
	strbuf_reset(&in->line);
	if (strbuf_printf(&in->line, "%s\t%d\t%lld\t%s\t%zu\t", o->src.name, (int)o->src.partition,
	                  (long long)o->src.offset, reason, len) < 0)
		msg_panic("dead letter line: cap too small");
	for (i = 0; i < n; i++) {
		str_hex(&payload[i], 1, hex);
		if (strbuf_append(&in->line, hex, 2) < 0)
			msg_panic("dead letter line: cap too small");
	}
	if (strbuf_append_byte(&in->line, '\n') < 0)
		msg_panic("dead letter line: cap too small");
	if (fdio_write_all(in->dl_fd, in->line.data, in->line.len) < 0) {
		strbuf_printf(err, "%s: %s", in->dl_path, strerror(errno));
		return -1;
	}
	in->dl_written = 1;
	return 0;
}

/* A dead letter; in->why holds the detail, if any. */
static int intake_dead(struct intake *in, const struct intake_origin *o, const char *reason,
                       const void *data, size_t len, struct strbuf *err)
{
	int rc;

	/* The detail may quote the payload (a field's value); only the reason
	 * token is logged above debug level. */
	msg_warn("%s: dead letter: %s", intake_label(in, o), reason);
	if (in->why.len > 0)
		msg_debug("%s: %s", intake_label(in, o), in->why.data);
	rc = store_add_dead_letter(in->st, &o->src, reason, len, err);
	if (rc < 0)
		return -1;
	/* Already counted: read again after a crash or a re-run; the file has it. */
	if (rc == 0)
		return 0;
	if (intake_dead_letter_file(in, o, reason, data, len, err) < 0)
		return -1;
	in->batch.dead_letters++;
	return 0;
}

int intake_dead_letter(struct intake *in, const struct intake_origin *o, const char *reason,
                       const char *detail, const void *data, size_t len, struct strbuf *err)
{
	if (!in->in_batch)
		msg_panic("intake_dead_letter: no batch");
	in->batch.messages++;
	strbuf_reset(&in->why);
	if (detail != NULL)
		strbuf_append_str(&in->why, detail);
	return intake_dead(in, o, reason, data, len, err);
}

static const char *intake_decode_reason(enum record_decode_status status)
{
	switch (status) {
	case RECORD_NOT_OURS:
		return "not_ours";
	case RECORD_UNKNOWN_SCHEMA:
		return "unknown_schema";
	case RECORD_CORRUPT:
		return "corrupt";
	case RECORD_OK:
		break;
	}
	return "unknown_status";
}

int intake_message(struct intake *in, const struct intake_origin *o, const void *data,
                   size_t len, struct strbuf *err)
{
	struct intake_decoded d;

	d.rec = &in->rec;
	d.why = NULL;
	d.prep = NULL;
	d.prep_why = NULL;
	/* An empty message (a tombstone) has no marker to look at. */
	if (data == NULL || len == 0) {
		d.status = RECORD_NOT_OURS;
	} else {
		strbuf_reset(&in->decode_why);
		d.status = record_decode(data, len, &in->rec, &in->decode_why);
		d.why = in->decode_why.data;
	}
	return intake_message_decoded(in, o, data, len, &d, err);
}

/*
 * NULL if b's counts are within what its own health counters say the
 * collector read (intake.h), or the reason token of the bound it passes,
 * with the detail in why. sum is the sum of b's cells (at most
 * max_cell_messages). Only bounds that every record a collector writes
 * keeps (collector/collector.c, messages.c, windows.c):
 *   - each line read counts once in lines_read of the window of its time
 *     (or of the last time seen), and a malformed or overlong line also,
 *     in the same window, in one of lines_malformed or lines_overlong, so
 *     those two add up to at most lines_read;
 *   - a message counts in the window of the time of one of its own lines,
 *     which counted in that window's lines_read when it was read, unless
 *     that window had been published by then: the message then counts in a
 *     correction window of the same interval, whose lines_read may be 0.
 *     So in a record that is not a correction, the cells add up to at most
 *     lines_read.
 * The counters are checked not negative and the sums below cannot
 * overflow: each is of two non-negative int64 compared without adding.
 */
static const char *intake_health_implausible(const struct record_batch *b, int64_t sum,
                                             struct strbuf *why)
{
	const struct record_health *h = &b->health;

	if (h->lines_malformed > h->lines_read ||
	    h->lines_overlong > h->lines_read - h->lines_malformed) {
		strbuf_printf(why, "%lld malformed and %lld overlong lines of %lld read",
		              (long long)h->lines_malformed, (long long)h->lines_overlong,
		              (long long)h->lines_read);
		return "health_lines";
	}
	if (!b->correction && sum > h->lines_read) {
		strbuf_printf(why, "%lld messages in the cells, more than the %lld lines read",
		              (long long)sum, (long long)h->lines_read);
		return "health_messages";
	}
	return NULL;
}

/*
 * NULL if b is plausible (intake.h), or the reason token of the first check
 * it fails, with the detail in why. Every comparison comes before the
 * arithmetic it guards: the start is first bounded by the batch's span
 * (itself within about ±100 years of 1970), so that adding an hour to it,
 * subtracting it from an end known to lie within the hour after it, and
 * dividing by the length can none of them overflow.
 */
static const char *intake_implausible(const struct intake *in, const struct record_batch *b,
                                      struct strbuf *why)
{
	int64_t len, sum = 0;
	size_t i;

	if (b->window_start_ms < in->earliest_ms) {
		strbuf_printf(why, "window start %lld is more than %lld days before ingest",
		              (long long)b->window_start_ms, (long long)in->lim.max_record_age_days);
		return "window_too_old";
	}
	if (b->window_start_ms > in->latest_ms) {
		strbuf_printf(why, "window start %lld is more than %lld s after ingest",
		              (long long)b->window_start_ms, (long long)in->lim.max_future_seconds);
		return "window_in_future";
	}
	if (b->window_end_ms <= b->window_start_ms ||
	    b->window_end_ms > b->window_start_ms + INTAKE_HOUR_MS) {
		strbuf_printf(why, "window end %lld is not within an hour after its start",
		              (long long)b->window_end_ms);
		return "window_length";
	}
	len = b->window_end_ms - b->window_start_ms;
	if (len % 1000 != 0 || INTAKE_HOUR_MS % len != 0) {
		strbuf_printf(why, "window of %lld ms is not whole seconds dividing an hour",
		              (long long)len);
		return "window_length";
	}
	/* A remainder of zero means aligned, before 1970 as after. */
	if (b->window_start_ms % len != 0) {
		strbuf_printf(why, "window start %lld is not a multiple of its length %lld ms",
		              (long long)b->window_start_ms, (long long)len);
		return "window_unaligned";
	}
	/* The span vouched for (0 <= start < end, or none: record_batch_check)
	 * is whole windows of the record's length, within the same bounds as
	 * a window: no collector vouches for the future, and one vouching for
	 * windows too old to be stored is as wrong as its window would be. */
	if (b->vouch_end_ms > b->vouch_start_ms) {
		if (b->vouch_start_ms % len != 0 || b->vouch_end_ms % len != 0) {
			strbuf_printf(why, "vouched span [%lld, %lld) is not whole windows of %lld ms",
			              (long long)b->vouch_start_ms, (long long)b->vouch_end_ms,
			              (long long)len);
			return "vouch_unaligned";
		}
		if (b->vouch_start_ms < in->earliest_ms) {
			strbuf_printf(why, "vouched span starts at %lld, more than %lld days before ingest",
			              (long long)b->vouch_start_ms, (long long)in->lim.max_record_age_days);
			return "vouch_too_old";
		}
		if (b->vouch_end_ms - len > in->latest_ms) {
			strbuf_printf(why, "vouched span ends at %lld, more than %lld s after ingest",
			              (long long)b->vouch_end_ms, (long long)in->lim.max_future_seconds);
			return "vouch_in_future";
		}
	}
	for (i = 0; i < b->ncells; i++) {
		int64_t n = b->cells[i].messages;

		/* A count below 1 is the store's to refuse (as "invalid", which
		 * it always was); stopping here keeps the sum from running down. */
		if (n < 1)
			return NULL;
		if (n > in->lim.max_cell_messages) {
			strbuf_printf(why, "cell %zu: %lld messages, more than %lld", i, (long long)n,
			              (long long)in->lim.max_cell_messages);
			return "cell_messages";
		}
		sum += n;
		if (sum > in->lim.max_cell_messages) {
			strbuf_printf(why, "more than %lld messages in the record's cells",
			              (long long)in->lim.max_cell_messages);
			return "record_messages";
		}
	}
	return intake_health_implausible(b, sum, why);
}

/*
 * NULL if b's carrier is registered and o is a source bound to it
 * (intake.h), or the reason token, with the detail in why. The detail names
 * only a registered id, never the record's own carrier string (it is logged
 * and may hold anything). No allocation: a search of the sorted register and
 * of the carrier's few topics.
 */
static const char *intake_unbound(const struct intake *in, const struct intake_origin *o,
                                  const struct record_batch *b, struct strbuf *why)
{
	const struct carrier *ca = carriers_find(in->lim.carriers, b->carrier);

	if (ca == NULL) {
		strbuf_printf(why, "the record's carrier is not registered");
		return "unknown_carrier";
	}
	if (o->kind == INTAKE_FILE) {
		if (o->carrier == NULL || strcmp(o->carrier, ca->id) != 0) {
			strbuf_printf(why, "a record of carrier %s in a file delivered for %s", ca->id,
			              o->carrier != NULL ? o->carrier : "no carrier");
			return "wrong_source";
		}
	} else if (!carrier_has_topic(ca, o->src.name)) {
		strbuf_printf(why, "carrier %s is not bound to this topic", ca->id);
		return "wrong_source";
	}
	return NULL;
}

/*
 * A record whose identity is stored already, for another carrier or window
 * or for the same window with other content (what says which): kept as a
 * dead letter with reason, since one of the two is wrong and only a person
 * can tell which; the first delivery stays and the report flags its window.
 * The warning names the record only by its pseudonymous identity. As
 * intake_dead returns.
 */
static int intake_conflict(struct intake *in, const struct intake_origin *o,
                           const struct record_batch *b, const char *reason, const char *what,
                           const void *data, size_t len, struct strbuf *err)
{
	in->batch.conflicts++;
	msg_warn("collector %s epoch %lld seq %lld: delivered again %s; the first delivery is kept",
	         b->collector, (long long)b->epoch, (long long)b->seq, what);
	strbuf_reset(&in->why);
	strbuf_printf(&in->why, "identity epoch %lld seq %lld already stored %s", (long long)b->epoch,
	              (long long)b->seq, what);
	return intake_dead(in, o, reason, data, len, err);
}

int intake_message_decoded(struct intake *in, const struct intake_origin *o, const void *data,
                           size_t len, const struct intake_decoded *d, struct strbuf *err)
{
	enum store_add_status as;
	const char *implausible, *unbound;

	if (!in->in_batch)
		msg_panic("intake_message: no batch");
	in->batch.messages++;
	strbuf_reset(&in->why);
	if (d->status != RECORD_OK) {
		if (d->why != NULL)
			strbuf_append_str(&in->why, d->why);
		return intake_dead(in, o, intake_decode_reason(d->status), data, len, err);
	}
	implausible = intake_implausible(in, d->rec, &in->why);
	if (implausible != NULL)
		return intake_dead(in, o, implausible, data, len, err);
	unbound = intake_unbound(in, o, d->rec, &in->why);
	if (unbound != NULL) {
		in->batch.refused++;
		return intake_dead(in, o, unbound, data, len, err);
	}
	as = d->prep != NULL ? store_add_prepared(in->st, d->rec, d->prep, d->prep_why, &o->src, &in->why)
	                     : store_add_record(in->st, d->rec, &o->src, &in->why);
	switch (as) {
	case STORE_ADDED:
		in->batch.stored++;
		return 0;
	case STORE_DUPLICATE:
		msg_debug("%s: duplicate of a stored record", intake_label(in, o));
		in->batch.duplicates++;
		return 0;
	case STORE_CONFLICT:
		return intake_conflict(in, o, d->rec, "identity_conflict",
		                       "for another carrier or window", data, len, err);
	case STORE_CONTENT_CONFLICT:
		return intake_conflict(in, o, d->rec, "content_conflict",
		                       "for the same window with other content", data, len, err);
	case STORE_UNVERIFIED:
		/* Stored by a version that kept no digest: taken for a duplicate,
		 * as it always was, but counted apart. */
		msg_debug("%s: duplicate of a stored record whose content cannot be compared",
		          intake_label(in, o));
		in->batch.duplicates++;
		in->batch.unverified++;
		return 0;
	case STORE_SEALED_DUPLICATE:
		/* Sealing kept its identity, not its details: it cannot be
		 * compared, only told apart from a record never stored. */
		in->batch.sealed++;
		strbuf_printf(&in->why, "identity already stored, in a sealed day");
		return intake_dead(in, o, "sealed_duplicate", data, len, err);
	case STORE_DAY_SEALED:
		in->batch.sealed++;
		strbuf_printf(&in->why, "a record not stored before, of a sealed day");
		return intake_dead(in, o, "day_sealed", data, len, err);
	case STORE_SEALED_CONFLICT:
		return intake_conflict(in, o, d->rec, "identity_conflict",
		                       "for a record of a sealed day", data, len, err);
	case STORE_INVALID:
		return intake_dead(in, o, "invalid", data, len, err);
	case STORE_ERROR:
		break;
	}
	strbuf_printf(err, "%s", in->why.data != NULL ? in->why.data : "store error");
	return -1;
}
