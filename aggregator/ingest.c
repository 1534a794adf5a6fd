#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "strutil.h"

/* More partitions than this is not a counts topic we were meant to read. */
#define INGEST_PARTITIONS_MAX 10000
/* A dead letter keeps at most this many payload bytes (as hex); its length
 * field still gives the full size. Our records are far smaller. */
#define INGEST_DEAD_LETTER_BYTES_MAX (1024 * 1024)
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

/* What one batch did, added to the run's stats only once it is committed. */
struct ingest_batch_counts {
	uint64_t kafka_messages, stored, duplicates, dead_letters, conflicts;
};

struct ingest {
	struct store *st;
	const struct settings *s;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	rd_kafka_queue_t *rkqu;
	struct ingest_part *parts; /* sorted by id */
	size_t nparts;
	int dl_fd;          /* dead-letter file, opened at the first dead letter */
	int dl_written;     /* written to in the open batch, so fsync before commit */
	int fatal;          /* set by the error callback */
	struct record_batch batch;
	struct strbuf line; /* one dead-letter line */
	struct strbuf why;  /* reason of a decode or store failure */
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

static int ingest_all_done(const struct ingest *ig)
{
	size_t i;

	for (i = 0; i < ig->nparts; i++) {
		if (!ig->parts[i].done)
			return 0;
	}
	return 1;
}

static int ingest_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Append one dead letter: "topic<TAB>partition<TAB>offset<TAB>reason<TAB>
 * length<TAB>hex of the payload" and a newline. It is written before the
 * batch commits, so a crash may write it twice but never lose it.
 */
static int ingest_dead_letter_file(struct ingest *ig, const rd_kafka_message_t *m,
                                   const char *reason, struct strbuf *err)
{
	size_t n = m->len < INGEST_DEAD_LETTER_BYTES_MAX ? m->len : INGEST_DEAD_LETTER_BYTES_MAX;
	const unsigned char *payload = m->payload;
	char hex[3];
	size_t i;

	if (ig->dl_fd < 0) {
		ig->dl_fd = open(ig->s->dead_letter, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (ig->dl_fd < 0) {
			strbuf_printf(err, "%s: %s", ig->s->dead_letter, strerror(errno));
			return -1;
		}
	}
	strbuf_reset(&ig->line);
	if (strbuf_printf(&ig->line, "%s\t%d\t%lld\t%s\t%zu\t", ig->s->topic, (int)m->partition,
	                  (long long)m->offset, reason, m->len) < 0)
		msg_panic("dead letter line: cap too small");
	for (i = 0; i < n; i++) {
		str_hex(&payload[i], 1, hex);
		if (strbuf_append(&ig->line, hex, 2) < 0)
			msg_panic("dead letter line: cap too small");
	}
	if (strbuf_append_byte(&ig->line, '\n') < 0)
		msg_panic("dead letter line: cap too small");
	if (ingest_write_all(ig->dl_fd, ig->line.data, ig->line.len) < 0) {
		strbuf_printf(err, "%s: %s", ig->s->dead_letter, strerror(errno));
		return -1;
	}
	ig->dl_written = 1;
	return 0;
}

/* A message that cannot be stored: counted in the store, kept in the file,
 * and passed over, so one bad record never stops ingest. */
static int ingest_dead_letter(struct ingest *ig, const rd_kafka_message_t *m, const char *reason,
                              struct ingest_batch_counts *bc, struct strbuf *err)
{
	int rc;

	/* The detail may quote the payload (a field's value); only the reason
	 * token is logged above debug level. */
	msg_warn("topic %s partition %d offset %lld: dead letter: %s", ig->s->topic,
	         (int)m->partition, (long long)m->offset, reason);
	if (ig->why.len > 0)
		msg_debug("topic %s partition %d offset %lld: %s", ig->s->topic, (int)m->partition,
		          (long long)m->offset, ig->why.data);
	rc = store_add_dead_letter(ig->st, ig->s->topic, m->partition, m->offset, reason, m->len, err);
	if (rc < 0)
		return -1;
	/* Already counted: the position was set back (e.g. by hand); the file has it. */
	if (rc == 0)
		return 0;
	if (ingest_dead_letter_file(ig, m, reason, err) < 0)
		return -1;
	bc->dead_letters++;
	return 0;
}

static const char *ingest_decode_reason(enum record_decode_status status)
{
	switch (status) {
	case RECORD_NOT_OURS:
		return "not_ours";
	case RECORD_UNKNOWN_SCHEMA:
		return "unknown_schema";
	case RECORD_CORRUPT:
		return "corrupt";
	case RECORD_OK:
		break;
	}
	return "unknown_status";
}

/* One Kafka message or event, inside the batch's transaction. -1 only for a
 * store or file failure, which ends the run. */
static int ingest_message(struct ingest *ig, const rd_kafka_message_t *m,
                          struct ingest_batch_counts *bc, struct strbuf *err)
{
	struct ingest_part *p = ingest_part_find(ig, m->partition);
	struct store_source src = { ig->s->topic, m->partition, m->offset };
	enum record_decode_status ds;
	enum store_add_status as;

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
	bc->kafka_messages++;
	p->next = m->offset + 1;
	p->dirty = 1;
	if (p->next >= p->high)
		p->done = 1;

	strbuf_reset(&ig->why);
	/* An empty message (a tombstone) has no marker to look at. */
	if (m->payload == NULL || m->len == 0)
		return ingest_dead_letter(ig, m, ingest_decode_reason(RECORD_NOT_OURS), bc, err);
	ds = record_decode(m->payload, m->len, &ig->batch, &ig->why);
	if (ds != RECORD_OK)
		return ingest_dead_letter(ig, m, ingest_decode_reason(ds), bc, err);
	as = store_add_record(ig->st, &ig->batch, &src, &ig->why);
	switch (as) {
	case STORE_ADDED:
		bc->stored++;
		return 0;
	case STORE_DUPLICATE:
		msg_debug("topic %s partition %d offset %lld: duplicate of a stored record",
		          ig->s->topic, (int)m->partition, (long long)m->offset);
		bc->duplicates++;
		return 0;
	case STORE_CONFLICT:
		/* Kept as a dead letter: one of the two records is wrong and only a
		 * person can tell which. */
		bc->conflicts++;
		strbuf_reset(&ig->why);
		strbuf_printf(&ig->why, "identity epoch %lld seq %lld already stored for another "
		              "window", (long long)ig->batch.epoch, (long long)ig->batch.seq);
		return ingest_dead_letter(ig, m, "identity_conflict", bc, err);
	case STORE_INVALID:
		return ingest_dead_letter(ig, m, "invalid", bc, err);
	case STORE_ERROR:
		break;
	}
	strbuf_printf(err, "%s", ig->why.data != NULL ? ig->why.data : "store error");
	return -1;
}

/* Store one batch of messages in one transaction with the positions reached.
 * The messages are the caller's to destroy. */
static int ingest_batch(struct ingest *ig, rd_kafka_message_t **msgs, size_t n,
                        struct ingest_stats *stats, struct strbuf *err)
{
	struct ingest_batch_counts bc = { 0, 0, 0, 0, 0 };
	size_t i;

	if (store_begin(ig->st, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (ingest_message(ig, msgs[i], &bc, err) < 0)
			goto fail;
	}
	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];

		if (p->dirty && store_set_position(ig->st, ig->s->topic, p->id, p->next, err) < 0)
			goto fail;
	}
	/* The dead letters must be on disk before the positions that pass them. */
	if (ig->dl_written && fsync(ig->dl_fd) < 0) {
		strbuf_printf(err, "%s: %s", ig->s->dead_letter, strerror(errno));
		goto fail;
	}
	ig->dl_written = 0;
	if (store_commit(ig->st, err) < 0)
		return -1;
	for (i = 0; i < ig->nparts; i++)
		ig->parts[i].dirty = 0;
	stats->kafka_messages += bc.kafka_messages;
	stats->stored += bc.stored;
	stats->duplicates += bc.duplicates;
	stats->dead_letters += bc.dead_letters;
	stats->conflicts += bc.conflicts;
	stats->batches++;
	return 0;
fail:
	store_rollback(ig->st);
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
                       struct ingest_stats *stats, struct strbuf *err)
{
	size_t max = (size_t)ig->s->batch_max_messages, i;
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
		n = rd_kafka_consume_batch_queue(ig->rkqu, (int)ig->s->batch_max_ms, msgs, max);
		if (n < 0) {
			strbuf_printf(err, "kafka: %s", rd_kafka_err2str(rd_kafka_last_error()));
			goto out;
		}
		if (n == 0)
			continue;
		stored = ingest_batch(ig, msgs, (size_t)n, stats, err);
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
	if (ig->dl_fd >= 0 && close(ig->dl_fd) < 0)
		msg_warn("%s: %s", ig->s->dead_letter, strerror(errno));
}

int ingest_run(struct store *st, const struct settings *s, int until_caught_up,
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
	ig.dl_fd = -1;
	record_batch_init(&ig.batch);
	strbuf_init(&ig.line, 2 * INGEST_DEAD_LETTER_BYTES_MAX + 1024);
	strbuf_init(&ig.why, 1024);

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
	if (ingest_start(&ig, err) < 0 || ingest_loop(&ig, until_caught_up, stop, stats, err) < 0)
		goto out;
	rc = 0;
out:
	ingest_close(&ig);
	free(ig.parts);
	record_batch_free(&ig.batch);
	strbuf_release(&ig.line);
	strbuf_release(&ig.why);
	return rc;
}
