#include "sink_kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"
#include "log.h"
#include "mem.h"

/* How long sending pauses after the cluster refused a record for a reason
 * that retrying at once cannot cure (authorization, a missing topic): the
 * first pause, doubled on each refusal up to the longest. */
#define SINK_KAFKA_HOLD_MIN_MS 1000
#define SINK_KAFKA_HOLD_MAX_MS 30000

struct sink_kafka {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	char *topic;
	sink_ack_fn ack;
	void *ack_arg;
	int down;          /* brokers unreachable, as last reported */
	int fatal;
	/* The trouble last warned about (0: none since the last delivery), so
	 * that each cause is said once, not per record or retry. */
	rd_kafka_resp_err_t said;
	int64_t hold_until; /* no sending before (monotonic ms) */
	int64_t hold_ms;    /* the pause after the next refusal */
};

static void sink_kafka_free(void *impl);

static int64_t sink_kafka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Say what keeps records from the cluster, once per cause: the operator must
 * learn that the password, the CA, an ACL or the topic is wrong, not only
 * that records pile up. The records stay in the outbox either way. */
static void sink_kafka_trouble(struct sink_kafka *sk, rd_kafka_resp_err_t e, const char *reason)
{
	if (sk->said == e)
		return;
	sk->said = e;
	switch (e) {
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
		msg_warn("kafka: authentication failed (check kafka.sasl.username, "
		         "kafka.sasl.mechanisms and the password file): %s; records wait in the outbox",
		         reason);
		break;
	case RD_KAFKA_RESP_ERR__SSL:
		msg_warn("kafka: TLS failed (is kafka.ssl.ca.location the CA that signed the brokers' "
		         "certificates, and are they valid?): %s; records wait in the outbox", reason);
		break;
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
		msg_warn("kafka: topic %s: this principal may not write to it (the cluster's ACLs; "
		         "kafka.sasl.username and topic must be this carrier's); records wait in the outbox",
		         sk->topic);
		break;
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
		msg_warn("kafka: topic %s does not exist on the cluster (the brokers do not create "
		         "topics; its administrator must); records wait in the outbox", sk->topic);
		break;
	default:
		msg_warn("kafka: %s: %s; records wait in the outbox", rd_kafka_err2name(e), reason);
		break;
	}
}

/* A refusal that sending again at once would only repeat. */
static int sink_kafka_refusal(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
	       e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
	       e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	       e == RD_KAFKA_RESP_ERR__AUTHENTICATION || e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED;
}

/* Pause sending after a refusal, longer each time until a delivery. */
static void sink_kafka_hold(struct sink_kafka *sk)
{
	sk->hold_ms = sk->hold_ms == 0 ? SINK_KAFKA_HOLD_MIN_MS : sk->hold_ms * 2;
	if (sk->hold_ms > SINK_KAFKA_HOLD_MAX_MS)
		sk->hold_ms = SINK_KAFKA_HOLD_MAX_MS;
	sk->hold_until = sink_kafka_now_ms() + sk->hold_ms;
}

/* The only place that decides whether a record is stored. */
static void sink_kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sink_kafka *sk = opaque;
	int64_t seq = (int64_t)(intptr_t)m->_private;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sk->down = 0;
		if (sk->said != RD_KAFKA_RESP_ERR_NO_ERROR)
			msg_info("kafka: records are delivered again");
		sk->said = RD_KAFKA_RESP_ERR_NO_ERROR;
		sk->hold_ms = 0;
		sk->ack(sk->ack_arg, seq, 1);
	} else {
		msg_debug("kafka: record %lld not delivered: %s", (long long)seq,
		          rd_kafka_err2str(m->err));
		if (sink_kafka_refusal(m->err)) {
			sink_kafka_trouble(sk, m->err, rd_kafka_err2str(m->err));
			sink_kafka_hold(sk);
		}
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
	/* librdkafka retries these itself, and goes on retrying; what must be
	 * fixed by a person is said once. */
	if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION || e == RD_KAFKA_RESP_ERR__SSL) {
		sink_kafka_trouble(sk, e, reason);
		return;
	}
	msg_debug("kafka: %s: %s", rd_kafka_err2name(e), reason);
}

/* The sink_ops of this backend take the handle untyped (void *impl). */
static void *sink_kafka_new(const struct sink_params *p, struct strbuf *err)
{
	/* Idempotence gives ordered, unduplicated delivery per partition; acks=all
	 * waits for the replicas. message.timeout.ms=0 lets librdkafka retry
	 * through an outage for as long as it lasts: the outbox bounds it.
	 * topic.metadata.propagation.max.ms: a record for a topic the cluster
	 * does not have fails (and is said) after this, instead of waiting in
	 * silence; librdkafka's 30 s is longer than a new topic takes to reach
	 * the brokers' metadata by far. */
	static const char *const defaults[] = {
		"enable.idempotence", "true",
		"acks", "all",
		"linger.ms", "50",
		"message.timeout.ms", "0",
		"topic.metadata.propagation.max.ms", "10000",
		"log_level", "3",
		NULL,
	};
	struct sink_kafka *sk = xcalloc(1, sizeof(*sk));
	char errstr[512];
	rd_kafka_conf_t *conf = kafka_conf_new(defaults, p->kafka, p->kafka_files, err);

	sk->ack = p->ack;
	sk->ack_arg = p->ack_arg;
	sk->topic = xstrdup(p->topic);
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
	free(sk->topic);
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
	if (sk->hold_until != 0) {
		if (sink_kafka_now_ms() < sk->hold_until)
			return 1;
		sk->hold_until = 0;
	}
	if (rd_kafka_produce(sk->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
	                     (void *)(uintptr_t)data, len, key, strlen(key),
	                     (void *)(intptr_t)seq) == 0)
		return 0;
	e = rd_kafka_last_error();
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return 1;
	/* librdkafka remembers a topic the cluster refused and fails the next
	 * records at once: the same trouble as a failed delivery, and the
	 * records wait the same way. */
	if (sink_kafka_refusal(e)) {
		sink_kafka_trouble(sk, e, rd_kafka_err2str(e));
		sink_kafka_hold(sk);
		return 1;
	}
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

	return !sk->down && !sk->fatal && sk->said == RD_KAFKA_RESP_ERR_NO_ERROR;
}

const struct sink_ops sink_kafka_ops = {
	.name = "kafka",
	.new = sink_kafka_new,
	.free = sink_kafka_free,
	.send = sink_kafka_send,
	.poll = sink_kafka_poll,
	.healthy = sink_kafka_healthy,
};
