/*
 * record_batch - the published batch of counts (schemas/counts-*.avsc) as C
 * holds it, and the checks every batch passes both ways: the encoders
 * refuse to write, and the decoders to return, a batch that fails them, so
 * that a collector cannot publish what an aggregator would refuse.
 *
 * The codecs (record.h for every version, record_body.h for v1's and v2's
 * hand-written one) depend on this module; it depends on none of them.
 */
#ifndef ARSTAT_RECORD_BATCH_H
#define ARSTAT_RECORD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "strbuf.h"

#define RECORD_CARRIER_MAX 64   /* bytes, including NUL */
#define RECORD_COLLECTOR_MAX 65 /* 64 hex digits + NUL */
/* A window has at most one cell per combination; more is a corrupt record.
 * RECORD_CELLS_V1_MAX: the combinations of results, policy and verdict,
 * which is all schema v1 has; v2 multiplies them by the fates. */
#define RECORD_CELLS_V1_MAX (AR_RESULT_COUNT * AR_RESULT_COUNT * AR_RESULT_COUNT * \
                             AR_RESULT_COUNT * POL_COUNT * SPAM_COUNT)
#define RECORD_CELLS_MAX (RECORD_CELLS_V1_MAX * FATE_COUNT)

/* Has padding before messages: whoever fills one zeroes it first, so that
 * batches can be compared with memcmp. */
struct record_cell {
	enum ar_result result[AR_METHOD_COUNT]; /* indexed by enum ar_method */
	enum ar_policy dmarc_policy;
	enum ar_spam spam;
	enum ar_fate fate; /* FATE_UNKNOWN in every v1 record */
	int64_t messages;
};

struct record_health {
	int64_t lines_read;
	int64_t lines_malformed;
	int64_t lines_overlong;
	int64_t headers_untrusted;
	int64_t headers_malformed;
	int64_t messages_evicted;
	int64_t messages_late;
	/* v2: times input was found gone before it was read; 0 in v1. */
	int64_t input_losses;
};

struct record_batch {
	char carrier[RECORD_CARRIER_MAX];
	char collector[RECORD_COLLECTOR_MAX];
	int64_t epoch;
	int64_t seq;
	int64_t window_start_ms;
	int64_t window_end_ms;
	int correction;
	struct record_cell *cells; /* owned; record_batch_free() frees it */
	size_t ncells;
	size_t cells_alloc;
	struct record_health health;
	/*
	 * v2: the collector read every input to its end through
	 * [vouch_start_ms, vouch_end_ms), so a window in it without a record
	 * had no lines. Both 0 when the batch vouches for nothing (and in
	 * every v1 record); otherwise 0 <= start < end.
	 */
	int64_t vouch_start_ms;
	int64_t vouch_end_ms;
};

/* Zero a batch (no cells). */
void record_batch_init(struct record_batch *b);
/* Free the cells; the batch may be reused after record_batch_init(). */
void record_batch_free(struct record_batch *b);
/* Append a cell (copied). Never fails (allocation failure is fatal). */
void record_batch_add_cell(struct record_batch *b, const struct record_cell *c);
/* Zero every field but keep the cell storage, for a decoder to refill. */
void record_batch_clear(struct record_batch *b);

/*
 * 1 if b is a vouch-only record (collector/windows.h): a vouched span, no
 * cells, every health counter 0 and no correction. A collector's record of
 * a window always has a cell or a line counted in its health, so this one
 * says nothing about its window but what its span says. 0 otherwise.
 */
int record_batch_vouch_only(const struct record_batch *b);

/*
 * The checks every batch passes both ways: strings NUL-terminated within
 * their fields, seq from 1, the window's end after its start, counters and
 * counts not negative, enums in range, no combination twice, at most
 * RECORD_CELLS_MAX cells, a vouched span empty (0, 0) or 0 <= start < end.
 * Returns 0, or -1 with the reason in err (which may be NULL: a caller that
 * only wants the verdict pays no formatting).
 */
int record_batch_check(const struct record_batch *b, struct strbuf *err);
/*
 * 0 if id is a valid carrier id, or -1 with the reason in err: 1 to
 * RECORD_CARRIER_MAX - 1 bytes of [a-z0-9._-], the first [a-z0-9]. The
 * collector refuses any other in its configuration and the aggregator's
 * register any other, so neither publishes nor accepts what the other
 * would refuse, and an id in a published CSV can never start a formula.
 */
int record_carrier_check(const char *id, struct strbuf *err);

/*
 * A cell's combination (results, policy, spam verdict, fate; not its count)
 * as one number below RECORD_CELLS_MAX: the collector's window maps and the
 * batch check's repeat search key on it. The collector's checkpoints and the
 * aggregator's store hold these numbers, so the numbering never changes:
 * the fate is the most significant place, so that a combination of fate
 * unknown keeps the number it had before fates existed (below
 * RECORD_CELLS_V1_MAX). Inline: the collector computes one per message
 * counted. The cell's enums must be in range.
 */
static inline uint32_t record_cell_key(const struct record_cell *c)
{
	uint32_t k = (uint32_t)c->fate;
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		k = k * AR_RESULT_COUNT + (uint32_t)c->result[m];
	k = k * POL_COUNT + (uint32_t)c->dmarc_policy;
	return k * SPAM_COUNT + (uint32_t)c->spam;
}

/* The combination of key k (below RECORD_CELLS_MAX) into c's results,
 * policy, spam verdict and fate; c's count is left alone. */
void record_cell_unkey(uint32_t k, struct record_cell *c);

#endif
