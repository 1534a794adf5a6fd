#include "sink.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sink_file.h"
#include "sink_kafka.h"

struct sink {
	struct sink_kafka *kafka;
	struct sink_file *file;
};

struct sink *sink_new(const struct sink_params *p, struct strbuf *err)
{
	struct sink *s = xcalloc(1, sizeof(*s));

	if (strcmp(p->kind, "kafka") == 0)
		s->kafka = sink_kafka_new(p, err);
	else if (strcmp(p->kind, "file") == 0)
		s->file = sink_file_new(p, err);
	else
		strbuf_printf(err, "sink: \"%s\" is not kafka or file", p->kind);
	if (s->kafka == NULL && s->file == NULL) {
		sink_free(s);
		return NULL;
	}
	return s;
}

void sink_free(struct sink *s)
{
	if (s == NULL)
		return;
	sink_kafka_free(s->kafka);
	sink_file_free(s->file);
	free(s);
}

int sink_send(struct sink *s, int64_t seq, const char *key, const void *data, size_t len,
              struct strbuf *err)
{
	if (s->kafka != NULL)
		return sink_kafka_send(s->kafka, seq, key, data, len, err);
	return sink_file_send(s->file, seq, data, len, err);
}

void sink_poll(struct sink *s, int timeout_ms)
{
	if (s->kafka != NULL)
		sink_kafka_poll(s->kafka, timeout_ms);
	else
		sink_file_sync(s->file);
}

uint64_t sink_flush(struct sink *s, int timeout_ms)
{
	if (s->kafka != NULL)
		return sink_kafka_flush(s->kafka, timeout_ms);
	sink_file_sync(s->file);
	return 0;
}

int sink_healthy(const struct sink *s)
{
	return s->kafka != NULL ? sink_kafka_healthy(s->kafka) : sink_file_healthy(s->file);
}
