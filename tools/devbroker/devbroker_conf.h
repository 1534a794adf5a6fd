/*
 * devbroker_conf - the librdkafka configuration both arstat-devbroker and
 * arstat-devbroker-probe start from: their fixed settings, set through
 * domain/kafka_conf.c, and one log callback, so the two test programs log
 * librdkafka the same way.
 */
#ifndef ARSTAT_DEVBROKER_CONF_H
#define ARSTAT_DEVBROKER_CONF_H

#include <librdkafka/rdkafka.h>

/*
 * A new librdkafka configuration with settings (name, value pairs ending
 * with NULL) and a log callback that passes librdkafka's warnings and errors
 * to msg_warn and the rest to msg_debug. Returns the configuration (the
 * caller owns it, or rd_kafka_new() does once called), or NULL after logging
 * the setting librdkafka refused.
 */
rd_kafka_conf_t *devbroker_conf_new(const char *const *settings);

#endif
