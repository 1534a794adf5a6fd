/* sink_kafka - the Kafka sink (see sink.h). */
#ifndef ARSTAT_COLLECTOR_SINK_KAFKA_H
#define ARSTAT_COLLECTOR_SINK_KAFKA_H

#include "sink.h"

/* "kafka": a librdkafka producer; kafka.* settings go to it as they are. */
extern const struct sink_ops sink_kafka_ops;

#endif
