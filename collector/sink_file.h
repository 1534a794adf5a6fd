/* sink_file - the Avro object container file sink (see sink.h). */
#ifndef ARSTAT_COLLECTOR_SINK_FILE_H
#define ARSTAT_COLLECTOR_SINK_FILE_H

#include "sink.h"

/* "file". Its poll and flush make what was sent durable and acknowledge
 * it, without waiting: nothing else can arrive. */
extern const struct sink_ops sink_file_ops;

#endif
