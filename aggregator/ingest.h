/*
 * ingest - consume the counts topic into the store. Every partition of the
 * topic is read, without a consumer group, from the position the store holds
 * (or the beginning); one store transaction per batch of Kafka messages holds
 * the counts, the record identities, the dead letters and the positions
 * reached, so the store alone decides where a restart begins.
 */
#ifndef ARSTAT_AGGREGATOR_INGEST_H
#define ARSTAT_AGGREGATOR_INGEST_H

#include <signal.h>
#include <stdint.h>

#include "settings.h"
#include "store.h"
#include "strbuf.h"

struct ingest_stats {
	uint64_t kafka_messages; /* consumed and committed, EOF events excluded */
	uint64_t stored;         /* records added to the store */
	uint64_t duplicates;     /* records whose identity was already stored */
	uint64_t dead_letters;   /* messages that could not be stored (new ones) */
	uint64_t conflicts;      /* of those, identities reused for another window */
	uint64_t batches;        /* transactions committed */
};

/*
 * Consume s->topic into st. With until_caught_up, stop once every partition
 * has reached the high watermark it had at the start; otherwise follow the
 * topic until *stop becomes non-zero (a signal handler sets it). The counts
 * in stats cover committed batches only. Returns 0, or -1 with the reason in
 * err (Kafka unreachable at the start, the topic missing, a fatal Kafka
 * error, a store failure); what was committed before stays committed.
 */
int ingest_run(struct store *st, const struct settings *s, int until_caught_up,
               const volatile sig_atomic_t *stop, struct ingest_stats *stats,
               struct strbuf *err);

#endif
