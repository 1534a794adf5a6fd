/* sink_kafka - the Kafka sink (see sink.h). */
#ifndef ARSTAT_COLLECTOR_SINK_KAFKA_H
#define ARSTAT_COLLECTOR_SINK_KAFKA_H

#include "sink.h"

struct sink_kafka;

struct sink_kafka *sink_kafka_new(const struct sink_params *p, struct strbuf *err);
void sink_kafka_free(struct sink_kafka *sk);
int sink_kafka_send(struct sink_kafka *sk, int64_t seq, const char *key, const void *data,
                    size_t len, struct strbuf *err);
void sink_kafka_poll(struct sink_kafka *sk, int timeout_ms);
uint64_t sink_kafka_flush(struct sink_kafka *sk, int timeout_ms);
int sink_kafka_healthy(const struct sink_kafka *sk);

#endif
