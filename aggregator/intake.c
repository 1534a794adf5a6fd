#include "intake.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "strutil.h"

struct intake {
	struct store *st;
	char *dl_path;
	int dl_fd;          /* opened at the first dead letter */
	int dl_written;     /* written to in the open batch, so fsync before commit */
	int in_batch;
	struct intake_counts batch, total;
	struct record_batch rec;   /* intake_message()'s decoded record */
	struct strbuf decode_why;  /* ... or why it did not decode */
	struct strbuf line;  /* one dead-letter line */
	struct strbuf why;   /* reason of a decode or store failure */
	struct strbuf label; /* the origin, for logs */
};

struct intake *intake_new(struct store *st, const char *dead_letter_path)
{
	struct intake *in = xcalloc(1, sizeof(*in));

	in->st = st;
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
	if (in->in_batch)
		msg_panic("intake_begin: batch already open");
	if (store_begin(in->st, err) < 0)
		return -1;
	memset(&in->batch, 0, sizeof(in->batch));
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

int intake_message_decoded(struct intake *in, const struct intake_origin *o, const void *data,
                           size_t len, const struct intake_decoded *d, struct strbuf *err)
{
	enum store_add_status as;

	if (!in->in_batch)
		msg_panic("intake_message: no batch");
	in->batch.messages++;
	strbuf_reset(&in->why);
	if (d->status != RECORD_OK) {
		if (d->why != NULL)
			strbuf_append_str(&in->why, d->why);
		return intake_dead(in, o, intake_decode_reason(d->status), data, len, err);
	}
	as = store_add_record(in->st, d->rec, &o->src, &in->why);
	switch (as) {
	case STORE_ADDED:
		in->batch.stored++;
		return 0;
	case STORE_DUPLICATE:
		msg_debug("%s: duplicate of a stored record", intake_label(in, o));
		in->batch.duplicates++;
		return 0;
	case STORE_CONFLICT:
		/* Kept as a dead letter: one of the two records is wrong and only a
		 * person can tell which. */
		in->batch.conflicts++;
		strbuf_reset(&in->why);
		strbuf_printf(&in->why, "identity epoch %lld seq %lld already stored for another "
		              "window", (long long)d->rec->epoch, (long long)d->rec->seq);
		return intake_dead(in, o, "identity_conflict", data, len, err);
	case STORE_INVALID:
		return intake_dead(in, o, "invalid", data, len, err);
	case STORE_ERROR:
		break;
	}
	strbuf_printf(err, "%s", in->why.data != NULL ? in->why.data : "store error");
	return -1;
}
