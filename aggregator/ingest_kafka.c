/* ingest_kafka - the counts topic into the store; see ingest.h. */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"
#include "log.h"
#include "mem.h"

/* More partitions than this is not a counts topic we were meant to read. */
#define INGEST_PARTITIONS_MAX 10000
/* How long to wait between retries of a metadata or watermark query. */
#define INGEST_RETRY_MS 200

/* Our defaults; any kafka.* setting of the operator wins. The store keeps the
 * positions, so nothing is committed to Kafka. auto.offset.reset=earliest:
 * if retention removed records before they were stored, continue with the
 * oldest left rather than skip to the end (and warn, see ingest_prepare). */
static const char *const ingest_kafka_defaults[] = {
	"client.id", "arstat-aggregator",
	"enable.partition.eof", "true",
	"enable.auto.commit", "false",
	"enable.auto.offset.store", "false",
	"auto.offset.reset", "earliest",
	NULL,
};

struct ingest_part {
	int32_t id;
	int64_t next;  /* next offset to read; -1 while unknown */
	int64_t low;   /* watermarks at the start */
	int64_t high;
	int done;      /* reached high (or end of partition) */
	int dirty;     /* next changed in the open batch */
	int started;   /* rd_kafka_consume_start_queue succeeded */
};

struct ingest {
	struct store *st;
	const struct settings *s;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	rd_kafka_queue_t *rkqu;
	struct ingest_part *parts; /* sorted by id */
	size_t nparts;
	int fatal;          /* set by the error callback */
	struct intake *in;
};

static int64_t ingest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ingest_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Called from rd_kafka_poll() in our thread. */
static void ingest_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct ingest *ig = opaque;
	char fatal[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		msg_error("kafka: fatal error: %s", fatal);
		ig->fatal = 1;
		return;
	}
	msg_warn("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* librdkafka's own log lines, in our format; called from its threads, which
 * msg_* allows (each line is written with one call). */
static void ingest_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 4)
		msg_warn("kafka: %s: %s", fac, buf);
	else if (level <= 6)
		msg_info("kafka: %s: %s", fac, buf);
	else
		msg_debug("kafka: %s: %s", fac, buf);
}

static struct ingest_part *ingest_part_find(struct ingest *ig, int32_t id)
{
	size_t lo = 0, hi = ig->nparts, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ig->parts[mid].id == id)
			return &ig->parts[mid];
		if (ig->parts[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int ingest_part_cmp(const void *a, const void *b)
{
	int32_t x = ((const struct ingest_part *)a)->id, y = ((const struct ingest_part *)b)->id;

	return (x > y) - (x < y);
}

/* The topic's partitions from metadata, retried until kafka_timeout_ms: at
 * start-up the broker may still be electing leaders. */
static int ingest_partitions(struct ingest *ig, struct strbuf *err)
{
	const struct rd_kafka_metadata *md = NULL;
	const char *topic = ig->s->topic;
	int64_t deadline = ingest_now_ms() + ig->s->kafka_timeout_ms;
	rd_kafka_resp_err_t rc;
	int i;

	for (;;) {
		rc = rd_kafka_metadata(ig->rk, 0, ig->rkt, &md, (int)ig->s->kafka_timeout_ms);
		if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
			    md->topics[0].partition_cnt > 0)
				break;
			if (md->topic_cnt == 1)
				rc = md->topics[0].err;
			rd_kafka_metadata_destroy(md);
			md = NULL;
		}
		if (ingest_now_ms() >= deadline) {
			strbuf_printf(err, "topic %s: no partitions known (%s)", topic,
			              rc != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(rc)
			                                               : "topic has no partitions");
			return -1;
		}
		ingest_sleep_ms(INGEST_RETRY_MS);
	}
	if (md->topics[0].partition_cnt > INGEST_PARTITIONS_MAX) {
		strbuf_printf(err, "topic %s: %d partitions, more than %d", topic,
		              md->topics[0].partition_cnt, INGEST_PARTITIONS_MAX);
		rd_kafka_metadata_destroy(md);
		return -1;
	}
	ig->nparts = (size_t)md->topics[0].partition_cnt;
	ig->parts = xcalloc(ig->nparts, sizeof(*ig->parts));
	for (i = 0; i < md->topics[0].partition_cnt; i++) {
		ig->parts[i].id = md->topics[0].partitions[i].id;
		ig->parts[i].next = -1;
	}
	rd_kafka_metadata_destroy(md);
	qsort(ig->parts, ig->nparts, sizeof(*ig->parts), ingest_part_cmp);
	return 0;
}

static int ingest_watermarks(struct ingest *ig, struct ingest_part *p, struct strbuf *err)
{
	int64_t deadline = ingest_now_ms() + ig->s->kafka_timeout_ms;
	rd_kafka_resp_err_t rc;

	for (;;) {
		rc = rd_kafka_query_watermark_offsets(ig->rk, ig->s->topic, p->id, &p->low, &p->high,
		                                      (int)ig->s->kafka_timeout_ms);
		if (rc == RD_KAFKA_RESP_ERR_NO_ERROR)
			return 0;
		if (ingest_now_ms() >= deadline) {
			strbuf_printf(err, "topic %s partition %d: watermarks: %s", ig->s->topic,
			              (int)p->id, rd_kafka_err2str(rc));
			return -1;
		}
		ingest_sleep_ms(INGEST_RETRY_MS);
	}
}

/* Positions from the store, watermarks from the broker, and where each
 * partition starts. */
static int ingest_prepare(struct ingest *ig, struct strbuf *err)
{
	size_t i;
	int rc;

	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];

		rc = store_get_position(ig->st, ig->s->topic, p->id, &p->next, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			p->next = -1;
		if (ingest_watermarks(ig, p, err) < 0)
			return -1;
		if (p->next >= 0 && p->next < p->low)
			msg_warn("topic %s partition %d: offsets %lld to %lld were deleted before they "
			         "were stored; their counts are missing", ig->s->topic, (int)p->id,
			         (long long)p->next, (long long)p->low - 1);
		if (p->next > p->high)
			msg_warn("topic %s partition %d: stored position %lld is past the end (%lld); "
			         "was the topic re-created?", ig->s->topic, (int)p->id,
			         (long long)p->next, (long long)p->high);
		p->done = (p->next >= 0 ? p->next : p->low) >= p->high;
		msg_debug("topic %s partition %d: position %lld, watermarks %lld..%lld", ig->s->topic,
		          (int)p->id, (long long)p->next, (long long)p->low, (long long)p->high);
	}
	return 0;
}

/* Messages still to come before every partition reaches the end it had at
 * the start (offsets; transaction markers make it an upper bound). */
static int64_t ingest_remaining(const struct ingest *ig)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < ig->nparts; i++) {
		const struct ingest_part *p = &ig->parts[i];
		int64_t from = p->next >= 0 ? p->next : p->low;

		if (!p->done && p->high > from)
			n += p->high - from;
	}
	return n;
}

static int ingest_all_done(const struct ingest *ig)
{
	size_t i;

	for (i = 0; i < ig->nparts; i++) {
		if (!ig->parts[i].done)
			return 0;
	}
	return 1;
}

/* One Kafka message or event, inside the batch's transaction. -1 only for a
 * store or file failure, which ends the run. */
static int ingest_message(struct ingest *ig, const rd_kafka_message_t *m, struct strbuf *err)
{
	struct ingest_part *p = ingest_part_find(ig, m->partition);
	struct intake_origin o;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		/* The end of the partition: its offset is where the next record
		 * will be, which may be past the last record read (transaction
		 * markers, compaction). */
		if (p != NULL) {
			if (m->offset > p->next) {
				p->next = m->offset;
				p->dirty = 1;
			}
			p->done = 1;
		}
		return 0;
	}
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_warn("kafka: topic %s partition %d: %s", ig->s->topic, (int)m->partition,
		         rd_kafka_message_errstr(m));
		return 0;
	}
	if (p == NULL) {
		msg_warn("kafka: topic %s: message from unknown partition %d ignored", ig->s->topic,
		         (int)m->partition);
		return 0;
	}
	p->next = m->offset + 1;
	p->dirty = 1;
	if (p->next >= p->high)
		p->done = 1;
	memset(&o, 0, sizeof(o));
	o.kind = INTAKE_KAFKA;
	o.src.name = ig->s->topic;
	o.src.partition = m->partition;
	o.src.offset = m->offset;
	return intake_message(ig->in, &o, m->payload, m->len, err);
}

/* Store one batch of messages in one transaction with the positions reached.
 * The messages are the caller's to destroy. */
static int ingest_batch(struct ingest *ig, rd_kafka_message_t **msgs, size_t n,
                        struct strbuf *err)
{
	size_t i;

	if (intake_begin(ig->in, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (ingest_message(ig, msgs[i], err) < 0)
			goto fail;
	}
	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];

		if (p->dirty && store_set_position(ig->st, ig->s->topic, p->id, p->next, err) < 0)
			goto fail;
	}
	if (intake_commit(ig->in, err) < 0)
		return -1;
	for (i = 0; i < ig->nparts; i++)
		ig->parts[i].dirty = 0;
	return 0;
fail:
	intake_rollback(ig->in);
	return -1;
}

static int ingest_start(struct ingest *ig, struct strbuf *err)
{
	size_t i;

	ig->rkqu = rd_kafka_queue_new(ig->rk);
	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];
		int64_t offset = p->next >= 0 ? p->next : RD_KAFKA_OFFSET_BEGINNING;

		if (rd_kafka_consume_start_queue(ig->rkt, p->id, offset, ig->rkqu) < 0) {
			strbuf_printf(err, "topic %s partition %d: %s", ig->s->topic, (int)p->id,
			              rd_kafka_err2str(rd_kafka_last_error()));
			return -1;
		}
		p->started = 1;
	}
	return 0;
}

static int ingest_loop(struct ingest *ig, int until_caught_up, const volatile sig_atomic_t *stop,
                       struct strbuf *err)
{
	size_t max = (size_t)ig->s->batch_max_messages, want, i;
	rd_kafka_message_t **msgs = xcalloc(max, sizeof(*msgs));
	ssize_t n;
	int rc = -1, stored;

	while (!*stop && !(until_caught_up && ingest_all_done(ig))) {
		/* Serves the error callback, which may flag a fatal error. */
		rd_kafka_poll(ig->rk, 0);
		if (ig->fatal) {
			strbuf_printf(err, "kafka: fatal error");
			goto out;
		}
		/* Near the end of a catch-up run, ask for no more than can still
		 * come, or the last batch would wait out batch_max_ms. */
		want = max;
		if (until_caught_up && ingest_remaining(ig) < (int64_t)max)
			want = ingest_remaining(ig) > 0 ? (size_t)ingest_remaining(ig) : 1;
		n = rd_kafka_consume_batch_queue(ig->rkqu, (int)ig->s->batch_max_ms, msgs, want);
		if (n < 0) {
			strbuf_printf(err, "kafka: %s", rd_kafka_err2str(rd_kafka_last_error()));
			goto out;
		}
		if (n == 0)
			continue;
		stored = ingest_batch(ig, msgs, (size_t)n, err);
		for (i = 0; i < (size_t)n; i++)
			rd_kafka_message_destroy(msgs[i]);
		if (stored < 0)
			goto out;
	}
	rc = 0;
out:
	free(msgs);
	return rc;
}

/* Stop every partition before destroying the handle, as the simple consumer
 * API requires; this is its counterpart of rd_kafka_consumer_close(). */
static void ingest_close(struct ingest *ig)
{
	size_t i;

	for (i = 0; i < ig->nparts; i++) {
		if (ig->parts[i].started && rd_kafka_consume_stop(ig->rkt, ig->parts[i].id) < 0)
			msg_warn("kafka: topic %s partition %d: stop: %s", ig->s->topic,
			         (int)ig->parts[i].id, rd_kafka_err2str(rd_kafka_last_error()));
	}
	if (ig->rkqu != NULL)
		rd_kafka_queue_destroy(ig->rkqu);
	if (ig->rkt != NULL)
		rd_kafka_topic_destroy(ig->rkt);
	if (ig->rk != NULL)
		rd_kafka_destroy(ig->rk);
}

int ingest_kafka_run(struct store *st, const struct settings *s, int until_caught_up,
                     const volatile sig_atomic_t *stop, struct ingest_stats *stats,
                     struct strbuf *err)
{
	struct ingest ig;
	rd_kafka_conf_t *conf;
	char errstr[512];
	int rc = -1;

	memset(&ig, 0, sizeof(ig));
	memset(stats, 0, sizeof(*stats));
	ig.st = st;
	ig.s = s;
	ig.in = intake_new(st, s->dead_letter);

	conf = kafka_conf_new(ingest_kafka_defaults, &s->kafka, err);
	if (conf == NULL)
		goto out;
	rd_kafka_conf_set_opaque(conf, &ig);
	rd_kafka_conf_set_error_cb(conf, ingest_error_cb);
	rd_kafka_conf_set_log_cb(conf, ingest_log_cb);
	ig.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (ig.rk == NULL) {
		rd_kafka_conf_destroy(conf);
		strbuf_printf(err, "kafka: %s", errstr);
		goto out;
	}
	ig.rkt = rd_kafka_topic_new(ig.rk, s->topic, NULL);
	if (ig.rkt == NULL) {
		strbuf_printf(err, "topic %s: %s", s->topic, rd_kafka_err2str(rd_kafka_last_error()));
		goto out;
	}
	if (ingest_partitions(&ig, err) < 0 || ingest_prepare(&ig, err) < 0)
		goto out;
	if (until_caught_up && ingest_all_done(&ig)) {
		rc = 0;
		goto out;
	}
	if (ingest_start(&ig, err) < 0 || ingest_loop(&ig, until_caught_up, stop, err) < 0)
		goto out;
	rc = 0;
out:
	ingest_close(&ig);
	stats->counts = *intake_totals(ig.in);
	intake_free(ig.in);
	free(ig.parts);
	return rc;
}
