/*
 * arstat-devbroker-probe - a tiny Kafka client that checks arstat-devbroker
 * from the outside, for the integration tests.
 *
 * A TEST TOOL: it writes throwaway records to the topic it is given.
 *
 * SYNOPSIS
 *	arstat-devbroker-probe produce  --bootstrap LIST --topic NAME [--count N] [--timeout-ms MS]
 *	arstat-devbroker-probe consume  --bootstrap LIST --topic NAME [--count N] [--timeout-ms MS]
 *	                                [--dump FILE]
 *	arstat-devbroker-probe metadata --bootstrap LIST --topic NAME [--timeout-ms MS]
 *
 * DESCRIPTION
 *	produce: sends N records (default 10) with acks=all and idempotence,
 *	with message.timeout.ms set to the timeout, and waits for every
 *	delivery report. Succeeds only when all N were acknowledged.
 *
 *	consume: assigns every partition of the topic from the beginning
 *	(no group rebalance, no commits) and reads until each partition has
 *	reported its end. Succeeds only when exactly N records were read.
 *	With --dump, every record's key and value are appended to FILE as
 *	they came, so a test can search what a program really published.
 *
 *	metadata: prints "brokers=B partitions=P" for the topic. Beware that
 *	the mock cluster of librdkafka 2.0.2 creates a topic it does not know
 *	on any metadata request (with 4 partitions), consumers' included: the
 *	client's allow.auto.create.topics=false needs a newer Metadata request
 *	version than the mock speaks. So "the topic exists" proves nothing;
 *	a partition count other than 4 does.
 *
 *	The result is printed on stdout as one line.
 *
 * EXIT STATUS
 *	0 the check passed; 2 the check failed (records not delivered, wrong
 *	count, topic missing, timeout); 1 bad usage or a local error.
 *
 * TRUST AND PRIVILEGES
 *	Trusts the command line and the broker it is pointed at; needs none.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "devbroker_conf.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"

#define PROGNAME "arstat-devbroker-probe"

#define PROBE_EXIT_OK 0
#define PROBE_EXIT_USAGE 1
#define PROBE_EXIT_FAILED 2

#define COUNT_MAX 1000000
#define TIMEOUT_MS_MIN 100
#define TIMEOUT_MS_MAX 600000
/* After message.timeout.ms every record has a delivery report; flush waits
 * a little longer than that so the reports are in before we give up. */
#define FLUSH_GRACE_MS 5000
/* Settings pairs: the ones every client has (conf_new()) and the most a
 * mode adds to them. */
#define COMMON_SETTINGS 4
#define EXTRA_MAX 4

enum probe_mode { MODE_PRODUCE, MODE_CONSUME, MODE_METADATA };

struct probe_config {
	enum probe_mode mode;
	const char *bootstrap;
	const char *topic;
	int64_t count;
	int64_t timeout_ms;
	const char *dump;
};

/* What the delivery-report callback found; owned by probe_produce(). */
struct produce_state {
	int64_t delivered;
	int64_t failed;
	rd_kafka_resp_err_t first_err;
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: " PROGNAME " produce|consume|metadata --bootstrap LIST --topic NAME\n"
	        "                              [--count N] [--timeout-ms MS]\n"
	        "\n"
	        "Test client for arstat-devbroker (a test tool: it writes throwaway records).\n"
	        "  produce   send N records (acks=all, idempotent), wait for all delivery reports\n"
	        "  consume   read all partitions from the beginning, expect exactly N records\n"
	        "  metadata  print \"brokers=B partitions=P\" for the topic\n"
	        "\n"
	        "  -b, --bootstrap LIST   host:port[,host:port...]\n"
	        "  -t, --topic NAME       topic\n"
	        "  -n, --count N          records to produce or expect (default 10)\n"
	        "  -T, --timeout-ms MS    overall bound, and message.timeout.ms (default 10000)\n"
	        "  -d, --dump FILE        consume: append every key and value, raw, to FILE\n"
	        "\n"
	        "Exit status: 0 passed, 2 check failed, 1 usage or local error.\n");
}

static void config_parse(struct probe_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "dump", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->count = 10;
	cfg->timeout_ms = 10000;
	while ((c = getopt_long(argc, argv, "b:t:n:T:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			cfg->bootstrap = optarg;
			break;
		case 't':
			cfg->topic = optarg;
			break;
		case 'n':
			if (num_parse_i64_str(optarg, 0, COUNT_MAX, &cfg->count) < 0)
				msg_fatal("--count %s: must be a number from 0 to %d", optarg,
				          COUNT_MAX);
			break;
		case 'T':
			if (num_parse_i64_str(optarg, TIMEOUT_MS_MIN, TIMEOUT_MS_MAX,
			                      &cfg->timeout_ms) < 0)
				msg_fatal("--timeout-ms %s: must be a number from %d to %d", optarg,
				          TIMEOUT_MS_MIN, TIMEOUT_MS_MAX);
			break;
		case 'd':
			cfg->dump = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(PROBE_EXIT_OK);
		default:
			msg_fatal("bad command line; see --help");
		}
	}
	if (optind + 1 != argc)
		msg_fatal("expected one mode (produce, consume or metadata); see --help");
	mode = argv[optind];
	if (strcmp(mode, "produce") == 0)
		cfg->mode = MODE_PRODUCE;
	else if (strcmp(mode, "consume") == 0)
		cfg->mode = MODE_CONSUME;
	else if (strcmp(mode, "metadata") == 0)
		cfg->mode = MODE_METADATA;
	else
		msg_fatal("unknown mode \"%s\"; see --help", mode);
	if (cfg->bootstrap == NULL || cfg->topic == NULL)
		msg_fatal("--bootstrap and --topic are required; see --help");
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rk_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	(void)opaque;
	msg_warn("librdkafka error %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* The one place that decides whether a record is stored. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct produce_state *st = opaque;

	(void)rk;
	if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		st->delivered++;
		return;
	}
	if (st->failed == 0)
		st->first_err = msg->err;
	st->failed++;
}

/*
 * A configuration with the common settings and (name, value) pairs ending
 * in NULL, at most EXTRA_MAX of them, on top. Returns it (the caller owns
 * it), or NULL after logging.
 */
static rd_kafka_conf_t *conf_new(const struct probe_config *cfg, const char *const *extra)
{
	char timeout[32];
	const char *settings[2 * (COMMON_SETTINGS + EXTRA_MAX) + 1] = {
		"bootstrap.servers", cfg->bootstrap,
		"client.id", PROGNAME,
		/* Refused connections while the brokers are down are logged at
		 * error level by librdkafka; that is what a test expects then. */
		"log_level", "4",
		"socket.timeout.ms", timeout,
	};
	size_t n = 2 * COMMON_SETTINGS;
	size_t i;
	rd_kafka_conf_t *conf;

	snprintf(timeout, sizeof(timeout), "%" PRId64, cfg->timeout_ms);
	for (i = 0; extra[i] != NULL; i += 2) {
		assert(n < 2 * (COMMON_SETTINGS + EXTRA_MAX));
		settings[n++] = extra[i];
		settings[n++] = extra[i + 1];
	}
	settings[n] = NULL;
	conf = devbroker_conf_new(settings);
	if (conf != NULL)
		rd_kafka_conf_set_error_cb(conf, rk_error);
	return conf;
}

static int probe_produce(const struct probe_config *cfg)
{
	char timeout[32];
	const char *extra[] = {
		"acks", "all",
		"enable.idempotence", "true",
		"message.timeout.ms", timeout,
		NULL,
	};
	struct produce_state st;
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk = NULL;
	rd_kafka_resp_err_t err;
	int64_t i;
	int status = PROBE_EXIT_USAGE;

	memset(&st, 0, sizeof(st));
	snprintf(timeout, sizeof(timeout), "%" PRId64, cfg->timeout_ms);
	conf = conf_new(cfg, extra);
	if (conf == NULL)
		goto out;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, &st);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		msg_error("cannot create producer: %s", errstr);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	status = PROBE_EXIT_FAILED;
	for (i = 0; i < cfg->count; i++) {
		char key[32];
		char value[64];
		int klen = snprintf(key, sizeof(key), "k%" PRId64, i);
		int vlen = snprintf(value, sizeof(value), "arstat-devbroker-probe record %" PRId64, i);

		for (;;) {
			err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(cfg->topic),
			                        RD_KAFKA_V_KEY(key, (size_t)klen),
			                        RD_KAFKA_V_VALUE(value, (size_t)vlen),
			                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			                        RD_KAFKA_V_END);
			if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			rd_kafka_poll(rk, 100);
		}
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			msg_error("produce record %" PRId64 ": %s", i, rd_kafka_err2str(err));
			goto out;
		}
		rd_kafka_poll(rk, 0);
	}
	err = rd_kafka_flush(rk, (int)(cfg->timeout_ms + FLUSH_GRACE_MS));
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
		msg_warn("flush: %s (%d records still queued)", rd_kafka_err2str(err),
		         rd_kafka_outq_len(rk));
	err = rd_kafka_fatal_error(rk, errstr, sizeof(errstr));
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
		msg_warn("producer fatal error %s: %s", rd_kafka_err2name(err), errstr);
	printf("produced %" PRId64 " of %" PRId64 "\n", st.delivered, cfg->count);
	if (st.failed > 0)
		msg_info("%" PRId64 " records failed, first with %s", st.failed,
		         rd_kafka_err2name(st.first_err));
	if (st.delivered == cfg->count)
		status = PROBE_EXIT_OK;
out:
	if (rk != NULL) {
		/* Undelivered records are expected in the failure case; don't let
		 * destroy wait for them. */
		rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(rk, 0);
		rd_kafka_destroy(rk);
	}
	return status;
}

/*
 * A consumer that never joins a group. Returns it, or NULL after logging.
 * (allow.auto.create.topics=false would be pointless: the mock ignores it.)
 */
static rd_kafka_t *consumer_new(const struct probe_config *cfg)
{
	const char *extra[] = {
		/* assign() needs a group id even though no group is joined. */
		"group.id", PROGNAME,
		"enable.auto.commit", "false",
		"enable.partition.eof", "true",
		"auto.offset.reset", "earliest",
		NULL,
	};
	char errstr[512];
	rd_kafka_conf_t *conf = conf_new(cfg, extra);
	rd_kafka_t *rk;

	if (conf == NULL)
		return NULL;
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		msg_error("cannot create consumer: %s", errstr);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	return rk;
}

/*
 * Look the topic up. Returns 0 with the number of brokers and partitions,
 * or -1 after logging (topic missing, timeout).
 */
static int topic_describe(rd_kafka_t *rk, const struct probe_config *cfg, int *brokers,
                          int *partitions)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, cfg->topic, NULL);
	rd_kafka_resp_err_t err;
	int ret = -1;

	if (rkt == NULL) {
		msg_error("topic %s: %s", cfg->topic, rd_kafka_err2str(rd_kafka_last_error()));
		goto out;
	}
	err = rd_kafka_metadata(rk, 0, rkt, &md, (int)cfg->timeout_ms);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_error("metadata: %s", rd_kafka_err2str(err));
		goto out;
	}
	if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_error("topic %s: %s", cfg->topic,
		          md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "not found");
		goto out;
	}
	*brokers = md->broker_cnt;
	*partitions = md->topics[0].partition_cnt;
	ret = 0;
out:
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	if (rkt != NULL)
		rd_kafka_topic_destroy(rkt);
	return ret;
}

static int probe_metadata(const struct probe_config *cfg)
{
	rd_kafka_t *rk = consumer_new(cfg);
	int brokers;
	int partitions;
	int status = PROBE_EXIT_USAGE;

	if (rk == NULL)
		goto out;
	status = PROBE_EXIT_FAILED;
	if (topic_describe(rk, cfg, &brokers, &partitions) < 0)
		goto out;
	printf("brokers=%d partitions=%d\n", brokers, partitions);
	status = PROBE_EXIT_OK;
out:
	if (rk != NULL) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	return status;
}

static int probe_consume(const struct probe_config *cfg)
{
	rd_kafka_t *rk = consumer_new(cfg);
	rd_kafka_topic_partition_list_t *parts = NULL;
	char *at_end = NULL; /* per partition: end reported, nothing read since */
	int brokers;
	int partitions = 0;
	int ends = 0;
	int64_t consumed = 0;
	int64_t deadline;
	rd_kafka_resp_err_t err;
	int p;
	int status = PROBE_EXIT_USAGE;
	FILE *dump = NULL;

	if (rk == NULL)
		goto out;
	if (cfg->dump != NULL) {
		dump = fopen(cfg->dump, "ab");
		if (dump == NULL) {
			msg_error("%s: %s", cfg->dump, strerror(errno));
			goto out;
		}
	}
	status = PROBE_EXIT_FAILED;
	deadline = now_ms() + cfg->timeout_ms;
	if (topic_describe(rk, cfg, &brokers, &partitions) < 0)
		goto out;
	parts = rd_kafka_topic_partition_list_new(partitions);
	for (p = 0; p < partitions; p++)
		rd_kafka_topic_partition_list_add(parts, cfg->topic, p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	err = rd_kafka_assign(rk, parts);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_error("assign: %s", rd_kafka_err2str(err));
		goto out;
	}
	at_end = xcalloc((size_t)partitions, 1);
	while (ends < partitions && now_ms() < deadline) {
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);

		if (msg == NULL)
			continue;
		if (msg->partition < 0 || msg->partition >= partitions) {
			if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR)
				msg_warn("consume: %s", rd_kafka_message_errstr(msg));
		} else if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (!at_end[msg->partition]) {
				at_end[msg->partition] = 1;
				ends++;
			}
		} else if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			msg_warn("consume partition %d: %s", (int)msg->partition,
			         rd_kafka_message_errstr(msg));
		} else {
			consumed++;
			if (dump != NULL && ((msg->key_len > 0 &&
			                      fwrite(msg->key, 1, msg->key_len, dump) != msg->key_len) ||
			                     (msg->len > 0 &&
			                      fwrite(msg->payload, 1, msg->len, dump) != msg->len))) {
				msg_error("%s: write failed", cfg->dump);
				rd_kafka_message_destroy(msg);
				status = PROBE_EXIT_USAGE;
				goto out;
			}
			/* Records after an end report mean the partition grew. */
			if (at_end[msg->partition]) {
				at_end[msg->partition] = 0;
				ends--;
			}
		}
		rd_kafka_message_destroy(msg);
	}
	printf("consumed %" PRId64 " (expected %" PRId64 ")\n", consumed, cfg->count);
	if (ends < partitions)
		msg_error("timed out: %d of %d partitions read to the end", ends, partitions);
	else if (consumed == cfg->count)
		status = PROBE_EXIT_OK;
out:
	if (dump != NULL && fclose(dump) != 0) {
		msg_error("%s: %s", cfg->dump, strerror(errno));
		status = PROBE_EXIT_USAGE;
	}
	free(at_end);
	if (parts != NULL)
		rd_kafka_topic_partition_list_destroy(parts);
	if (rk != NULL) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	return status;
}

int main(int argc, char **argv)
{
	struct probe_config cfg;
	int status = PROBE_EXIT_USAGE;

	msg_init(PROGNAME);
	config_parse(&cfg, argc, argv);
	switch (cfg.mode) {
	case MODE_PRODUCE:
		status = probe_produce(&cfg);
		break;
	case MODE_CONSUME:
		status = probe_consume(&cfg);
		break;
	case MODE_METADATA:
		status = probe_metadata(&cfg);
		break;
	}
	fflush(stdout);
	return status;
}
