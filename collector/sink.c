#include "sink.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sink_file.h"
#include "sink_kafka.h"

/* The backends a configuration may name; one file per backend. */
static const struct sink_ops *const sink_backends[] = {
	&sink_kafka_ops,
	&sink_file_ops,
};

struct sink {
	const struct sink_ops *ops;
	void *impl;
};

struct sink *sink_new(const struct sink_params *p, struct strbuf *err)
{
	struct sink *s = xcalloc(1, sizeof(*s));
	size_t i;

	for (i = 0; i < sizeof(sink_backends) / sizeof(sink_backends[0]); i++) {
		if (strcmp(sink_backends[i]->name, p->kind) == 0)
			s->ops = sink_backends[i];
	}
	if (s->ops == NULL)
		strbuf_printf(err, "sink: \"%s\" is not kafka or file", p->kind);
	else
		s->impl = s->ops->new(p, err);
	if (s->impl == NULL) {
		sink_free(s);
		return NULL;
	}
	return s;
}

void sink_free(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL)
		s->ops->free(s->impl);
	free(s);
}

int sink_send(struct sink *s, int64_t seq, const char *key, const void *data, size_t len,
              struct strbuf *err)
{
	return s->ops->send(s->impl, seq, key, data, len, err);
}

void sink_poll(struct sink *s, int timeout_ms)
{
	s->ops->poll(s->impl, timeout_ms);
}

int sink_healthy(const struct sink *s)
{
	return s->ops->healthy(s->impl);
}
