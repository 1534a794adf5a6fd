/*
 * ingest - bring counts into the store, from one of two sources, each a file
 * of the same pattern on top of intake.h:
 *
 *   ingest_kafka.c  the counts topics. Every partition of every topic a
 *                   registered carrier is bound to is read, without a
 *                   consumer group, from the position the store holds (or the
 *                   beginning); one store transaction per batch of Kafka
 *                   messages holds the counts, the record identities, the
 *                   dead letters and the positions reached, so the store
 *                   alone decides where a restart begins. A second thread
 *                   reads and decodes the next batch while one is stored.
 *   ingest_file.c   Avro object container files of the collector's file sink.
 *                   No position is kept: the record identities make reading
 *                   a file again (after a crash, or a copy of it) a no-op.
 */
#ifndef ARSTAT_AGGREGATOR_INGEST_H
#define ARSTAT_AGGREGATOR_INGEST_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "intake.h"
#include "settings.h"
#include "store.h"
#include "strbuf.h"

/* How far the store is behind one partition at the end of a run. */
struct ingest_lag {
	const char *topic; /* the register's name (valid while the settings are) */
	int32_t partition;
	int64_t messages;  /* the partition's end minus the stored position (offsets) */
};

struct ingest_stats {
	struct intake_counts counts; /* committed batches only */
	uint64_t files;              /* files read to their end */
	uint64_t files_failed;       /* files that could not be opened or read */
	/* Kafka, after a run that succeeded: every partition's lag (allocated;
	 * ingest_stats_release frees it). */
	struct ingest_lag *lags;
	size_t nlags;
};

/* Free what stats holds (its lags); the counts stay. */
void ingest_stats_release(struct ingest_stats *stats);

/*
 * Consume every topic of the register (s->carriers, carriers_topics) into
 * st. With until_caught_up, stop once every partition
 * has reached the high watermark it had at the start; otherwise follow the
 * topic until *stop becomes non-zero (a signal handler sets it; it is looked
 * at between batches and every 100 ms while waiting for one, and a batch
 * being stored is finished first). The reader thread blocks every signal.
 * Holds at most two batches of messages with their decoded records. Returns 0,
 * or -1 with the reason in err (Kafka unreachable at the start, a topic
 * missing, a fatal Kafka error, a store failure); what was committed before
 * stays committed, and stats counts it.
 */
int ingest_kafka_run(struct store *st, const struct settings *s, int until_caught_up,
                     const volatile sig_atomic_t *stop, struct ingest_stats *stats,
                     struct strbuf *err);

/*
 * Read the container files paths[0..n), delivered for carrier (a registered
 * id: every record must name it, intake.h), into st, s->batch_max_messages
 * records per transaction, until done or *stop. A file that cannot be opened
 * or is not a container file is logged and counted in stats->files_failed,
 * and the next one is read; so is a file whose codec carries no checksum
 * (null, deflate: ocf_reader_checked()) unless allow_unchecked. Damaged
 * parts of a file, blocks that fail their checksum among them, are dead
 * letters. Returns 0, or -1 with err if the store or the dead-letter file
 * failed.
 */
int ingest_file_run(struct store *st, const struct settings *s, const char *carrier,
                    char *const *paths, size_t n, int allow_unchecked,
                    const volatile sig_atomic_t *stop,
                    struct ingest_stats *stats, struct strbuf *err);

/*
 * Between batches, if s->seal_in_ingest: seal every day past
 * s->seal_after_days (store_seal_all_due), logging each; at most once per
 * INGEST_SEAL_INTERVAL_MS of *next_ms (a monotonic clock's ms, 0 at
 * first: now). A failure is logged as a warning and ingest goes on: the
 * days stay as they were and are tried again next time.
 */
#define INGEST_SEAL_INTERVAL_MS (3600 * 1000)
void ingest_seal_due(struct store *st, const struct settings *s, int64_t *next_ms);

#endif
