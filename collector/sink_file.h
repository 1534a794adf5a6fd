/* sink_file - the Avro object container file sink (see sink.h). */
#ifndef ARSTAT_COLLECTOR_SINK_FILE_H
#define ARSTAT_COLLECTOR_SINK_FILE_H

#include "sink.h"

struct sink_file;

struct sink_file *sink_file_new(const struct sink_params *p, struct strbuf *err);
void sink_file_free(struct sink_file *sf);
int sink_file_send(struct sink_file *sf, int64_t seq, const void *data, size_t len,
                   struct strbuf *err);
int sink_file_healthy(const struct sink_file *sf);
/* Make what was sent durable and acknowledge it. */
void sink_file_sync(struct sink_file *sf);

#endif
