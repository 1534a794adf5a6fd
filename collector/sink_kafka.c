#include "sink_kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"
#include "log.h"
#include "mem.h"

struct sink_kafka {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	uint64_t queued;
	uint64_t acked;
	uint64_t failed;
	char last_error[256];
};

/* The only place that decides whether a record is safely stored. */
static void sink_kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sink_kafka *sk = opaque;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sk->acked++;
	} else {
		sk->failed++;
		snprintf(sk->last_error, sizeof(sk->last_error), "%s", rd_kafka_err2str(m->err));
	}
}

static void sink_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	(void)opaque;
	/* librdkafka retries transport errors itself; say so once per event,
	 * at warning level: broker addresses are the operator's own. */
	msg_warn("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

struct sink_kafka *sink_kafka_new(const struct cfg_kvlist *props, const char *topic,
                                  struct strbuf *err)
{
	static const char *const defaults[] = {
		"enable.idempotence", "true",
		"acks", "all",
		"linger.ms", "20",
		"compression.codec", "none",
		"log_level", "4",
		NULL,
	};
	struct sink_kafka *sk = xcalloc(1, sizeof(*sk));
	char errstr[512];
	rd_kafka_conf_t *conf = kafka_conf_new(defaults, props, err);

	if (conf == NULL)
		goto fail;
	rd_kafka_conf_set_opaque(conf, sk);
	rd_kafka_conf_set_dr_msg_cb(conf, sink_kafka_dr);
	rd_kafka_conf_set_error_cb(conf, sink_kafka_error);
	sk->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (sk->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		strbuf_printf(err, "kafka producer: %s", errstr);
		goto fail;
	}
	sk->rkt = rd_kafka_topic_new(sk->rk, topic, NULL);
	if (sk->rkt == NULL) {
		strbuf_printf(err, "kafka topic %s: %s", topic,
		              rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	return sk;
fail:
	sink_kafka_free(sk);
	return NULL;
}

void sink_kafka_free(struct sink_kafka *sk)
{
	if (sk == NULL)
		return;
	if (sk->rkt != NULL)
		rd_kafka_topic_destroy(sk->rkt);
	if (sk->rk != NULL)
		rd_kafka_destroy(sk->rk);
	free(sk);
}

int sink_kafka_send(struct sink_kafka *sk, const char *key, const void *data, size_t len,
                    struct strbuf *err)
{
	for (;;) {
		rd_kafka_resp_err_t e;

		if (rd_kafka_produce(sk->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
		                     (void *)(uintptr_t)data, len, key, strlen(key), NULL) == 0) {
			sk->queued++;
			rd_kafka_poll(sk->rk, 0);
			return 0;
		}
		e = rd_kafka_last_error();
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			strbuf_printf(err, "kafka produce: %s", rd_kafka_err2str(e));
			return -1;
		}
		/* The local queue is full: serve delivery reports to make room. */
		rd_kafka_poll(sk->rk, 100);
	}
}

void sink_kafka_poll(struct sink_kafka *sk)
{
	rd_kafka_poll(sk->rk, 0);
}

int sink_kafka_flush(struct sink_kafka *sk, int timeout_ms, struct strbuf *err)
{
	rd_kafka_flush(sk->rk, timeout_ms);
	rd_kafka_poll(sk->rk, 0);
	if (sk->failed > 0) {
		strbuf_printf(err, "%llu of %llu records were not acknowledged by Kafka (last error: %s)",
		              (unsigned long long)sk->failed, (unsigned long long)sk->queued,
		              sk->last_error);
		return -1;
	}
	if (sk->acked != sk->queued) {
		strbuf_printf(err, "%llu of %llu records still unacknowledged after %d ms",
		              (unsigned long long)(sk->queued - sk->acked),
		              (unsigned long long)sk->queued, timeout_ms);
		return -1;
	}
	return 0;
}

uint64_t sink_kafka_acked(const struct sink_kafka *sk)
{
	return sk->acked;
}
