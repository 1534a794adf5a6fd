/*
 * kafka_conf - librdkafka settings from arstat configuration. Every setting
 * named "kafka.NAME" in a program's configuration (or given as
 * -o kafka.NAME=VALUE) is passed to librdkafka as NAME, so any librdkafka
 * property can be set without code changes, as Fluent Bit's rdkafka.* does.
 */
#ifndef ARSTAT_KAFKA_CONF_H
#define ARSTAT_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "config.h"
#include "strbuf.h"

/*
 * A new librdkafka configuration: first the given defaults (name, value
 * pairs ending with NULL; may be NULL), then every property of props, so the
 * operator's settings win. Returns the configuration (the caller owns it, or
 * rd_kafka_new() does once called), or NULL with the rejected property and
 * librdkafka's reason in err.
 */
rd_kafka_conf_t *kafka_conf_new(const char *const *defaults, const struct cfg_kvlist *props,
                                struct strbuf *err);

/*
 * Read a bootstrap list ("host:port,host:port") from the first line of a
 * file, as arstat-devbroker writes it. 0 and a malloc'ed string in *out, or
 * -1 with err.
 */
int kafka_read_bootstrap_file(const char *path, char **out, struct strbuf *err);

#endif
