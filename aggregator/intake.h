/*
 * intake - what ingest does with one message, whatever carried it (a Kafka
 * message, a record of a container file): decode it by its fingerprint,
 * store it unless its identity is already stored (skip it if stored with
 * the same carrier, window and content: a duplicate), or else count it in
 * the store as a dead letter, log it by origin (never by content, which may
 * name hosts), append it to the dead-letter file and pass over it. A record
 * whose identity is stored with other content is such a dead letter
 * (identity_conflict: another carrier or window; content_conflict: other
 * cells or health), counted in conflicts, kept in the store's conflicts
 * table, and also logged at warning by its pseudonymous collector, epoch
 * and seq. A record whose window is in a sealed day (store.h) is a dead
 * letter counted in sealed: sealed_duplicate if its identity is stored (a
 * record delivered again), day_sealed if not (a record too late to
 * count); a record of a day not sealed under the identity of a sealed
 * record is an identity_conflict (not kept in the conflicts table: the
 * sealed record's window is no longer known). Messages are handled in batches, each one store transaction.
 *
 * Dead-letter file: one line per dead letter, "source<TAB>partition<TAB>
 * offset<TAB>reason<TAB>length<TAB>hex of the payload (at most
 * INTAKE_DEAD_LETTER_BYTES_MAX bytes of it)". For Kafka, source is the topic;
 * for a container file it is the file's identity (see ocf_reader_id),
 * partition the record's index in its block (-1: the whole block) and offset
 * the block's byte offset. A line is written before its batch commits, so a
 * crash may write it twice but never loses it.
 *
 * Before a decoded record reaches the store it must be plausible
 * (struct intake_limits): a window of whole seconds that divides an hour,
 * aligned to its length, starting no earlier than max_record_age_days before
 * the batch began and no later than max_future_seconds after; no cell
 * over max_cell_messages and their sum no more than that either (a cell of
 * fewer than 1 is the store's "invalid"); lines_malformed and
 * lines_overlong adding up to at most lines_read, and, unless it is a
 * correction, the cells to at most lines_read (intake.c says why every
 * collector's record keeps these); a vouched span (schema v2) of whole
 * windows of the record's length, starting no earlier than a window may and
 * whose last window starts no later. Otherwise it is a dead letter whose
 * reason names the check: window_too_old, window_in_future, window_length,
 * window_unaligned, vouch_unaligned, vouch_too_old, vouch_in_future,
 * cell_messages, record_messages, health_lines, health_messages. A
 * vouch-only record (no cells, health 0: record_batch_vouch_only) passes
 * them as any record does, and is stored under its own identity: its span
 * counts, its window is no window of data (store.h).
 *
 * And it must come from a carrier of the register (carriers.h) through a
 * source bound to that carrier: from Kafka, a topic listed in the carrier's
 * topics; from a file, the carrier the file is delivered for (ingest
 * --carrier). Otherwise it is a dead letter with reason unknown_carrier or
 * wrong_source, counted in refused as well.
 */
#ifndef ARSTAT_AGGREGATOR_INTAKE_H
#define ARSTAT_AGGREGATOR_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "carriers.h"
#include "store.h"
#include "strbuf.h"

#define INTAKE_DEAD_LETTER_BYTES_MAX (1024 * 1024)

struct intake_counts {
	uint64_t messages;     /* handed to intake_message */
	uint64_t stored;       /* records added to the store */
	uint64_t duplicates;   /* records whose identity was already stored */
	uint64_t dead_letters; /* messages that could not be stored (new ones) */
	uint64_t conflicts;    /* records whose identity was stored for another
	                          window, or for this one with other content */
	uint64_t refused;      /* dead letters of an unregistered carrier or
	                          from a source not bound to their carrier */
	uint64_t unverified;   /* of the duplicates, those stored without a
	                          content digest (by store schema 4 or older) */
	uint64_t sealed;       /* dead letters of a sealed day (sealed_duplicate,
	                          day_sealed) */
	uint64_t batches;      /* transactions committed */
};

enum intake_kind { INTAKE_KAFKA, INTAKE_FILE };

/* Where a message came from: the store's key, and how to name it in logs. */
struct intake_origin {
	enum intake_kind kind;
	struct store_source src;
	const char *path; /* INTAKE_FILE: the file's name, for logs */
	const char *carrier; /* INTAKE_FILE: the registered carrier the file is
	                        delivered for; its records must name it */
};

/* The bounds of a plausible record (settings.c documents each one). */
struct intake_limits {
	int64_t max_record_age_days;
	int64_t max_future_seconds;
	int64_t max_cell_messages; /* 1..STORE_CELL_MESSAGES_MAX */
	int64_t now_ms;            /* "now" for the window's span; 0: the clock at each batch */
	const struct carriers *carriers; /* the register (not copied; must outlive
	                                    the intake; never NULL) */
};

struct intake;

/* Never returns NULL; the dead-letter file is opened at the first dead letter.
 * lim is copied; its bounds must be within those of settings.c. */
struct intake *intake_new(struct store *st, const char *dead_letter_path,
                          const struct intake_limits *lim);
/* Rolls back an open batch. intake_free(NULL) is a no-op. */
void intake_free(struct intake *in);

/* Start a batch (a store transaction). 0, or -1 with err. */
int intake_begin(struct intake *in, struct strbuf *err);
/*
 * Handle one message inside the batch. data may be NULL if len is 0 (a
 * Kafka tombstone). Returns 0 whatever became of the message; -1 with err
 * only if the store or the dead-letter file failed (the caller then rolls
 * back and stops).
 */
int intake_message(struct intake *in, const struct intake_origin *o, const void *data,
                   size_t len, struct strbuf *err);

/* A message decoded ahead of intake_message_decoded() (by record_decode(),
 * on whatever thread): its status, and the record or the reason. Both are
 * views; the caller owns what they point to. */
struct intake_decoded {
	enum record_decode_status status;
	const struct record_batch *rec; /* the record, when status is RECORD_OK */
	const char *why;                /* the reason when it is not; may be NULL */
	/* rec prepared by store_prepare_record (on the decoding thread), and
	 * the reason it gave if not valid; prep NULL: not prepared. */
	const struct store_prepared *prep;
	const char *prep_why;
};

/* intake_message() for a message already decoded into d; data and len are
 * its bytes (for the dead-letter file). Returns as intake_message(). */
int intake_message_decoded(struct intake *in, const struct intake_origin *o, const void *data,
                           size_t len, const struct intake_decoded *d, struct strbuf *err);

/* Count bytes that could not even be split into messages (a damaged block
 * of a file) as one dead letter with this reason; detail (may be NULL) is
 * logged at debug level only. data may be NULL. Returns as intake_message. */
int intake_dead_letter(struct intake *in, const struct intake_origin *o, const char *reason,
                       const char *detail, const void *data, size_t len, struct strbuf *err);
/* Make the batch durable: the dead-letter file first, then the store. On
 * success its counts are added to the totals. 0, or -1 with err (the batch
 * is rolled back). */
int intake_commit(struct intake *in, struct strbuf *err);
/* Undo the batch; its counts are dropped. */
void intake_rollback(struct intake *in);

/* The totals of every committed batch. */
const struct intake_counts *intake_totals(const struct intake *in);

#endif
