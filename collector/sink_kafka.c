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
	sink_ack_fn ack;
	void *ack_arg;
	int down;          /* brokers unreachable, as last reported */
	int fatal;
};

static void sink_kafka_free(void *impl);

/* The only place that decides whether a record is stored. */
static void sink_kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sink_kafka *sk = opaque;
	int64_t seq = (int64_t)(intptr_t)m->_private;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sk->down = 0;
		sk->ack(sk->ack_arg, seq, 1);
	} else {
		msg_debug("kafka: record %lld not delivered: %s", (long long)seq,
		          rd_kafka_err2str(m->err));
		sk->ack(sk->ack_arg, seq, 0);
	}
}

static void sink_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct sink_kafka *sk = opaque;
	rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)err;

	if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		if (!sk->down)
			msg_warn("kafka: all brokers are down; records wait in the outbox");
		sk->down = 1;
		return;
	}
	if (e == RD_KAFKA_RESP_ERR__FATAL) {
		char buf[512];

		rd_kafka_fatal_error(rk, buf, sizeof(buf));
		msg_error("kafka: fatal: %s", buf);
		sk->fatal = 1;
		return;
	}
	/* librdkafka retries transport errors itself. */
	msg_debug("kafka: %s: %s", rd_kafka_err2name(e), reason);
}

/* The sink_ops of this backend take the handle untyped (void *impl). */
static void *sink_kafka_new(const struct sink_params *p, struct strbuf *err)
{
	/* Idempotence gives ordered, unduplicated delivery per partition; acks=all
	 * waits for the replicas. message.timeout.ms=0 lets librdkafka retry
	 * through an outage for as long as it lasts: the outbox bounds it. */
	static const char *const defaults[] = {
		"enable.idempotence", "true",
		"acks", "all",
		"linger.ms", "50",
		"message.timeout.ms", "0",
		"log_level", "3",
		NULL,
	};
	struct sink_kafka *sk = xcalloc(1, sizeof(*sk));
	char errstr[512];
	rd_kafka_conf_t *conf = kafka_conf_new(defaults, p->kafka, p->kafka_files, err);

	sk->ack = p->ack;
	sk->ack_arg = p->ack_arg;
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
	sk->rkt = rd_kafka_topic_new(sk->rk, p->topic, NULL);
	if (sk->rkt == NULL) {
		strbuf_printf(err, "kafka topic %s: %s", p->topic,
		              rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	return sk;
fail:
	sink_kafka_free(sk);
	return NULL;
}

static void sink_kafka_free(void *impl)
{
	struct sink_kafka *sk = impl;

	if (sk == NULL)
		return;
	if (sk->rkt != NULL)
		rd_kafka_topic_destroy(sk->rkt);
	if (sk->rk != NULL) {
		/* Unacknowledged records stay in the outbox; drop the local queue
		 * without waiting (their reports would find no one listening). */
		rd_kafka_purge(sk->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(sk->rk, 0);
		rd_kafka_destroy(sk->rk);
	}
	free(sk);
}

static int sink_kafka_send(void *impl, int64_t seq, const char *key, const void *data,
                           size_t len, struct strbuf *err)
{
	struct sink_kafka *sk = impl;
	rd_kafka_resp_err_t e;

	if (sk->fatal) {
		strbuf_printf(err, "kafka producer is in a fatal state");
		return -1;
	}
	if (rd_kafka_produce(sk->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
	                     (void *)(uintptr_t)data, len, key, strlen(key),
	                     (void *)(intptr_t)seq) == 0)
		return 0;
	e = rd_kafka_last_error();
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return 1;
	strbuf_printf(err, "kafka produce: %s", rd_kafka_err2str(e));
	return -1;
}

static void sink_kafka_poll(void *impl, int timeout_ms)
{
	struct sink_kafka *sk = impl;

	rd_kafka_poll(sk->rk, timeout_ms);
}

static int sink_kafka_healthy(const void *impl)
{
	const struct sink_kafka *sk = impl;

	return !sk->down && !sk->fatal;
}

const struct sink_ops sink_kafka_ops = {
	.name = "kafka",
	.new = sink_kafka_new,
	.free = sink_kafka_free,
	.send = sink_kafka_send,
	.poll = sink_kafka_poll,
	.healthy = sink_kafka_healthy,
};
