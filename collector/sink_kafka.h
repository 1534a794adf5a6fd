/*
 * sink_kafka - publishes encoded records to Kafka with an idempotent
 * producer (enable.idempotence=true, acks=all). Only the delivery-report
 * callback decides that a record is stored.
 */
#ifndef ARSTAT_COLLECTOR_SINK_KAFKA_H
#define ARSTAT_COLLECTOR_SINK_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "strbuf.h"

struct sink_kafka;

/* NULL with err if the configuration is rejected. */
struct sink_kafka *sink_kafka_new(const struct cfg_kvlist *props, const char *topic,
                                  struct strbuf *err);
void sink_kafka_free(struct sink_kafka *sk);

/* Queue one record (copied) under key; waits while the local queue is full.
 * 0, or -1 with err (fatal producer error). */
int sink_kafka_send(struct sink_kafka *sk, const char *key, const void *data, size_t len,
                    struct strbuf *err);
/* Serve delivery reports without blocking. */
void sink_kafka_poll(struct sink_kafka *sk);
/*
 * Wait up to timeout_ms until every queued record has a delivery report.
 * Returns 0 if all were acknowledged, -1 with err if some failed or are
 * still outstanding.
 */
int sink_kafka_flush(struct sink_kafka *sk, int timeout_ms, struct strbuf *err);
uint64_t sink_kafka_acked(const struct sink_kafka *sk);

#endif
