/*
 * kafka_conf - librdkafka settings from arstat configuration. Every setting
 * named "kafka.NAME" in a program's configuration (or given as
 * -o kafka.NAME=VALUE) is passed to librdkafka as NAME, so any librdkafka
 * property can be set without code changes, as Fluent Bit's rdkafka.* does.
 *
 * Secrets are the exception: a password in a configuration file or on the
 * command line is seen by whoever can read the file or run ps(1). So the
 * properties that hold one (kafka_conf_secret) are refused as kafka.NAME;
 * "kafka_file.NAME = PATH" sets NAME to the content of the file PATH, which
 * only its owner may read, or of systemd's credential NAME with
 * "credential:NAME" (common/secret.h).
 */
#ifndef ARSTAT_KAFKA_CONF_H
#define ARSTAT_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "config.h"
#include "strbuf.h"

/*
 * A new librdkafka configuration: first the given defaults (name, value
 * pairs ending with NULL; may be NULL), then every property of props, so the
 * operator's settings win, then every property of files (NAME, PATH) set to
 * the secret read from PATH (files may be NULL). Returns the configuration
 * (the caller owns it, or rd_kafka_new() does once called), or NULL with
 * err: a secret property in props, a secret file refused (its path and
 * why), or the rejected property and librdkafka's reason. A secret's value
 * is never in err.
 */
rd_kafka_conf_t *kafka_conf_new(const char *const *defaults, const struct cfg_kvlist *props,
                                const struct cfg_kvlist *files, struct strbuf *err);

/*
 * Check the settings as kafka_conf_new would use them, at start-up and for
 * --check-config: a secret property in props refused, every other property
 * offered to librdkafka, each file of files read (and forgotten). files may
 * be NULL, for a program that reads them only when it connects. 0, or -1
 * with err as kafka_conf_new gives it.
 */
int kafka_conf_check(const struct cfg_kvlist *props, const struct cfg_kvlist *files,
                     struct strbuf *err);

/* 1 if the librdkafka property name holds a secret (sasl.password,
 * ssl.key.password, ...) and must come from a file, else 0. */
int kafka_conf_secret(const char *name);

/*
 * Read a bootstrap list ("host:port,host:port") from the first line of a
 * file, as arstat-devbroker writes it. 0 and a malloc'ed string in *out, or
 * -1 with err.
 */
int kafka_read_bootstrap_file(const char *path, char **out, struct strbuf *err);

#endif
