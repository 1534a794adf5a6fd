#include "devbroker_conf.h"

#include <syslog.h>

#include "kafka_conf.h"
#include "log.h"
#include "strbuf.h"

/*
 * librdkafka's log callback. It runs on librdkafka's threads; msg_* formats
 * a whole line and writes it at once, so that is safe. Below warning it is
 * chatter for both programs (the broker's handle has no brokers of its own
 * and says so) unless debug logging was asked for.
 */
static void devbroker_conf_log(const rd_kafka_t *rk, int level, const char *fac,
                               const char *buf)
{
	(void)rk;
	if (level <= LOG_WARNING)
		msg_warn("librdkafka %s: %s", fac, buf);
	else
		msg_debug("librdkafka %s: %s", fac, buf);
}

rd_kafka_conf_t *devbroker_conf_new(const char *const *settings)
{
	struct strbuf err;
	rd_kafka_conf_t *conf;

	strbuf_init(&err, 1024);
	conf = kafka_conf_new(settings, NULL, NULL, &err);
	if (conf == NULL)
		msg_error("librdkafka setting %s", err.data);
	else
		rd_kafka_conf_set_log_cb(conf, devbroker_conf_log);
	strbuf_release(&err);
	return conf;
}
