/*
 * sink - where records go after the outbox: Kafka (sink_kafka.c) or Avro
 * object container files for carriers that cannot reach Kafka
 * (sink_file.c), one file per backend behind a table of operations
 * (struct sink_ops, listed in sink.c). A sink reports each record's fate
 * through the ack callback; only an "ok" acknowledgement lets the outbox
 * forget a record.
 */
#ifndef ARSTAT_COLLECTOR_SINK_H
#define ARSTAT_COLLECTOR_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "strbuf.h"

/* ok = 1: stored; ok = 0: not stored (it will be sent again). */
typedef void (*sink_ack_fn)(void *arg, int64_t seq, int ok);

struct sink;

struct sink_params {
	const char *kind;               /* a backend's name: "kafka" or "file" */
	const struct cfg_kvlist *kafka; /* kafka.* settings */
	const struct cfg_kvlist *kafka_files; /* kafka_file.* settings (may be NULL) */
	const char *topic;
	const char *file_dir;           /* file sink: directory of .avro files */
	const char *file_prefix;        /* file sink: name prefix (collector pseudonym) */
	sink_ack_fn ack;
	void *ack_arg;
};

/*
 * One backend: what sink.h's functions of the same names do, on the
 * backend's own object (impl, made by new). new returns NULL with err if the
 * settings are rejected; free(NULL) does nothing.
 */
struct sink_ops {
	const char *name; /* what sink_params.kind names it by */
	void *(*new)(const struct sink_params *p, struct strbuf *err);
	void (*free)(void *impl);
	int (*send)(void *impl, int64_t seq, const char *key, const void *data, size_t len,
	            struct strbuf *err);
	void (*poll)(void *impl, int timeout_ms);
	int (*healthy)(const void *impl);
};

/* The backend p->kind names; NULL with err if there is none of that name or
 * it rejects the settings. */
struct sink *sink_new(const struct sink_params *p, struct strbuf *err);
void sink_free(struct sink *s);

/*
 * Hand over one encoded record (single-object encoding; copied). 0, or -1
 * with err on a fatal error of the sink (the record stays in the outbox).
 * 1 means "not now" (local queue full): try again after sink_poll.
 */
int sink_send(struct sink *s, int64_t seq, const char *key, const void *data, size_t len,
              struct strbuf *err);
/* Serve acknowledgements, waiting up to timeout_ms for one. */
void sink_poll(struct sink *s, int timeout_ms);
/* 1 while the sink can take records (Kafka reachable, directory writable). */
int sink_healthy(const struct sink *s);

#endif
