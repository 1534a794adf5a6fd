/*
 * ingest_kafka - the counts topics into the store; see ingest.h.
 *
 * The topics are those of the register (carriers_topics): every partition
 * of each is read into one queue, and each message keeps its topic, which
 * intake checks against the carrier its record names.
 *
 * Two threads. A reader (ingest_reader) takes batches of messages from
 * librdkafka and decodes them (ingest_reader_decode); the thread that called
 * ingest_kafka_run stores them, one transaction per batch, in the order the
 * reader read them. Between them are INGEST_SLOTS batch slots under one
 * mutex: the reader fills a free slot while the writer stores a full one,
 * so that reading and decoding (a seventh of the time a batch takes) overlap
 * with SQLite's work. The reader touches only its slot, its own view of the
 * partitions (rparts) and librdkafka; it logs nothing but librdkafka's
 * warnings, and blocks every signal (SIGTERM is the writer's, which then
 * tells the reader to stop). Messages read but not stored when ingest stops
 * are destroyed unstored: their positions were not stored either.
 */
#include "ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "digest.h"
#include "kafka_conf.h"
#include "log.h"
#include "mem.h"

/* More partitions than this (all topics together) is not what we were
 * meant to read. */
#define INGEST_PARTITIONS_MAX 10000
/* How long to wait between retries of a metadata or watermark query. */
#define INGEST_RETRY_MS 200
/* Batches in flight between the reader and the writer: one being stored,
 * one being read. More would only hold more memory: the writer is the slower. */
#define INGEST_SLOTS 2
/* The reader takes messages from librdkafka this many at a time, and hands
 * its slot over between two such reads as soon as the writer waits for
 * one (group commit): a batch is what came while the previous one was
 * being stored, up to batch_max_messages. With a fixed batch size the
 * writer idled at the start until a whole batch was read and decoded;
 * now the batches grow to the maximum as long as the writer is the
 * slower (measured on a catch-up: 2,048, 4,096, 16,384, then 20,000). */
#define INGEST_CHUNK 2048
/* Cells the reader decodes ahead into one slot (32 MiB); the records of a
 * batch past that are left for the writer to decode, so that a batch of
 * records with thousands of cells each cannot make the slots grow without
 * bound. */
#define INGEST_SLOT_CELLS_MAX (1u << 20)
/* Bytes of decode failure reasons kept per slot; a reason past that is
 * dropped (it is logged at debug level only). */
#define INGEST_SLOT_WHYS_MAX (1024 * 1024)
/* How often the writer, waiting for a batch, looks at the stop flag. */
#define INGEST_STOP_POLL_MS 100

/* Our defaults; any kafka.* setting of the operator wins. The store keeps the
 * positions, so nothing is committed to Kafka. auto.offset.reset=earliest:
 * if retention removed records before they were stored, continue with the
 * oldest left rather than skip to the end (and warn, see ingest_prepare).
 *
 * queued.min.messages: librdkafka stops fetching a partition whose queue
 * holds that many messages, and in 2.0 looks again only about once a
 * second. Every partition here feeds one queue, so its default (100,000)
 * counted all partitions together: whenever ingest was 100,000 messages
 * behind, fetching paused, and at 300,000 messages a second the queue ran
 * dry long before it resumed (0.2 to 0.4 s lost each time, measured). A
 * second's worth of messages and more keeps it fetching; the memory the
 * queue may hold stays bounded by queued.max.messages.kbytes (64 MiB of
 * messages by default). */
static const char *const ingest_kafka_defaults[] = {
	"client.id", "arstat-aggregator",
	"enable.partition.eof", "true",
	"enable.auto.commit", "false",
	"enable.auto.offset.store", "false",
	"auto.offset.reset", "earliest",
	"queued.min.messages", "1000000",
	NULL,
};

struct ingest_part {
	size_t topic;  /* index in struct ingest's topics */
	int32_t id;
	int64_t next;  /* next offset to read; -1 while unknown */
	int64_t low;   /* watermarks at the start */
	int64_t high;
	int done;      /* reached high (or end of partition) */
	int dirty;     /* next changed in the open batch */
	int started;   /* rd_kafka_consume_start_queue succeeded */
};

enum ingest_slot_kind { SLOT_BATCH, SLOT_END, SLOT_ERROR };

/* What the reader made of one message of a slot. */
struct ingest_rec {
	int decoded;                /* 0: left for the writer to decode */
	enum record_decode_status status;
	struct record_batch batch;  /* RECORD_OK: the record, its cells not yet
	                               pointed at (cells_at in the slot's) */
	struct store_prepared prep; /* RECORD_OK: the store's checks and digest */
	size_t prep_why_at;         /* prep not valid: its reason in whys, or
	                               SIZE_MAX */
	size_t cells_at;
	size_t why_at;              /* not RECORD_OK: the reason in whys, or
	                               SIZE_MAX */
};

/* A batch handed from the reader to the writer: the messages and, packed
 * together so that a slot's memory stays small and is reused, their decoded
 * records. */
struct ingest_slot {
	enum ingest_slot_kind kind;
	rd_kafka_message_t **msgs;  /* batch_max_messages of them */
	struct ingest_rec *recs;    /* one per message */
	size_t n;
	struct record_cell *cells;  /* every record's cells, in order */
	size_t ncells, cells_alloc;
	struct strbuf whys;         /* reasons, each with its NUL */
	char why[512];              /* SLOT_ERROR: what went wrong */
};

/* A topic read: its name (the register's) and librdkafka's handle. */
struct ingest_topic {
	const char *name;
	rd_kafka_topic_t *rkt;
};

struct ingest {
	struct store *st;
	const struct settings *s;
	int until_caught_up;
	rd_kafka_t *rk;
	struct ingest_topic *topics; /* fixed before the reader starts; both threads read it */
	size_t ntopics;
	rd_kafka_queue_t *rkqu;
	struct ingest_part *parts; /* sorted by topic, then id; the writer's */
	size_t nparts;
	struct intake *in;
	/* The reader's alone: its view of the partitions (as parts, from the
	 * messages it has read) and a fatal error seen by ingest_error_cb,
	 * which runs in rd_kafka_poll() on the reader. */
	struct ingest_part *rparts;
	int fatal;
	char fatal_why[256];
	struct record_batch scratch; /* each record as decoded */
	struct strbuf scratch_why;
	struct digest *reader_digest; /* the reader's, for store_prepare_record */
	/* The slots, a ring: nfull full ones from head on. Guarded by mu. */
	struct ingest_slot slots[INGEST_SLOTS];
	size_t head, nfull;
	int stop;                  /* writer to reader: stop reading */
	int writer_waiting;        /* the writer waits for a full slot */
	pthread_mutex_t mu;
	pthread_cond_t full_cv;    /* a slot was filled */
	pthread_cond_t free_cv;    /* a slot was freed, or stop was set */
	pthread_t reader;
	int sync_ready;            /* 1: mu exists, 2: and full_cv, 3: and free_cv */
	int reader_started;
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

/* Called from rd_kafka_poll(), which only the reader calls. A fatal error
 * goes to the writer with the reader's last slot, to be logged there. */
static void ingest_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct ingest *ig = opaque;

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, ig->fatal_why, sizeof(ig->fatal_why));
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

/* The index of message m's topic in ig->topics, or ig->ntopics if none.
 * The handle is compared first: librdkafka gives each message the handle
 * its partition was started with. */
static size_t ingest_topic_of(const struct ingest *ig, const rd_kafka_message_t *m)
{
	const char *name;
	size_t i;

	for (i = 0; i < ig->ntopics; i++) {
		if (m->rkt == ig->topics[i].rkt)
			return i;
	}
	if (m->rkt == NULL)
		return ig->ntopics;
	name = rd_kafka_topic_name(m->rkt);
	for (i = 0; i < ig->ntopics; i++) {
		if (strcmp(name, ig->topics[i].name) == 0)
			return i;
	}
	return ig->ntopics;
}

/* Partition id of topic in parts[0..n) (sorted), or NULL. */
static struct ingest_part *ingest_part_find(struct ingest_part *parts, size_t n, size_t topic,
                                            int32_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (parts[mid].topic == topic && parts[mid].id == id)
			return &parts[mid];
		if (parts[mid].topic < topic || (parts[mid].topic == topic && parts[mid].id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int ingest_part_cmp(const void *a, const void *b)
{
	const struct ingest_part *x = a, *y = b;

	if (x->topic != y->topic)
		return (x->topic > y->topic) - (x->topic < y->topic);
	return (x->id > y->id) - (x->id < y->id);
}

/* The partitions of topic t from metadata, added to ig->parts, retried
 * until kafka_timeout_ms: at start-up the broker may still be electing
 * leaders. */
static int ingest_partitions(struct ingest *ig, size_t t, struct strbuf *err)
{
	const struct rd_kafka_metadata *md = NULL;
	const char *topic = ig->topics[t].name;
	int64_t deadline = ingest_now_ms() + ig->s->kafka_timeout_ms;
	rd_kafka_resp_err_t rc;
	size_t n;
	int i;

	for (;;) {
		rc = rd_kafka_metadata(ig->rk, 0, ig->topics[t].rkt, &md,
		                       (int)ig->s->kafka_timeout_ms);
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
	n = (size_t)md->topics[0].partition_cnt;
	if (n > INGEST_PARTITIONS_MAX - ig->nparts) {
		strbuf_printf(err, "topic %s: %d partitions, more than %d with the other topics", topic,
		              md->topics[0].partition_cnt, INGEST_PARTITIONS_MAX);
		rd_kafka_metadata_destroy(md);
		return -1;
	}
	ig->parts = xreallocarray(ig->parts, ig->nparts + n, sizeof(*ig->parts));
	for (i = 0; i < md->topics[0].partition_cnt; i++) {
		struct ingest_part *p = &ig->parts[ig->nparts++];

		memset(p, 0, sizeof(*p));
		p->topic = t;
		p->id = md->topics[0].partitions[i].id;
		p->next = -1;
	}
	rd_kafka_metadata_destroy(md);
	qsort(ig->parts, ig->nparts, sizeof(*ig->parts), ingest_part_cmp);
	return 0;
}

/* Every partition's offset for spec (RD_KAFKA_OFFSET_BEGINNING or
 * RD_KAFKA_OFFSET_END) into l, whose elements are ig->parts' in order,
 * retried until kafka_timeout_ms. 0, or -1 with err. */
static int ingest_list_offsets(struct ingest *ig, rd_kafka_topic_partition_list_t *l, int64_t spec,
                               struct strbuf *err)
{
	int64_t deadline = ingest_now_ms() + ig->s->kafka_timeout_ms;
	rd_kafka_resp_err_t rc;
	const rd_kafka_topic_partition_t *bad;
	int i;

	for (;;) {
		for (i = 0; i < l->cnt; i++) {
			l->elems[i].offset = spec;
			l->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
		}
		rc = rd_kafka_offsets_for_times(ig->rk, l, (int)ig->s->kafka_timeout_ms);
		bad = NULL;
		for (i = 0; i < l->cnt && bad == NULL; i++) {
			if (rc != RD_KAFKA_RESP_ERR_NO_ERROR || l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
			    l->elems[i].offset < 0)
				bad = &l->elems[i];
		}
		if (bad == NULL)
			return 0;
		if (ingest_now_ms() >= deadline) {
			strbuf_printf(err, "topic %s partition %d: watermarks: %s", bad->topic,
			              (int)bad->partition,
			              rc != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(rc)
			              : bad->err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(bad->err)
			              : "no offset returned");
			return -1;
		}
		ingest_sleep_ms(INGEST_RETRY_MS);
	}
}

/* Every partition's watermarks (low and high), by ListOffsets requests for
 * all partitions at once: rd_kafka_offsets_for_times sends the spec as the
 * request's timestamp, which the protocol reads as earliest or latest, and
 * asks each leader once, in parallel. rd_kafka_query_watermark_offsets
 * asks twice per partition, one after the other: 32 round trips for 16
 * partitions, 0.2 s of a 1 s catch-up on loopback (measured), seconds
 * against a cluster across the internet. 0, or -1 with err. */
static int ingest_watermarks(struct ingest *ig, struct strbuf *err)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)ig->nparts);
	size_t i;
	int ret = -1;

	for (i = 0; i < ig->nparts; i++)
		rd_kafka_topic_partition_list_add(l, ig->topics[ig->parts[i].topic].name,
		                                  ig->parts[i].id);
	if (ingest_list_offsets(ig, l, RD_KAFKA_OFFSET_BEGINNING, err) < 0)
		goto out;
	for (i = 0; i < ig->nparts; i++)
		ig->parts[i].low = l->elems[i].offset;
	if (ingest_list_offsets(ig, l, RD_KAFKA_OFFSET_END, err) < 0)
		goto out;
	for (i = 0; i < ig->nparts; i++)
		ig->parts[i].high = l->elems[i].offset;
	ret = 0;
out:
	rd_kafka_topic_partition_list_destroy(l);
	return ret;
}

/* Positions from the store, watermarks from the broker, and where each
 * partition starts. */
static int ingest_prepare(struct ingest *ig, struct strbuf *err)
{
	size_t i;
	int rc;

	if (ingest_watermarks(ig, err) < 0)
		return -1;
	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];
		const char *topic = ig->topics[p->topic].name;

		rc = store_get_position(ig->st, topic, p->id, &p->next, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			p->next = -1;
		if (p->next >= 0 && p->next < p->low)
			msg_warn("topic %s partition %d: offsets %lld to %lld were deleted before they "
			         "were stored; their counts are missing", topic, (int)p->id,
			         (long long)p->next, (long long)p->low - 1);
		if (p->next > p->high)
			msg_warn("topic %s partition %d: stored position %lld is past the end (%lld); "
			         "was the topic re-created?", topic, (int)p->id,
			         (long long)p->next, (long long)p->high);
		p->done = (p->next >= 0 ? p->next : p->low) >= p->high;
		msg_debug("topic %s partition %d: position %lld, watermarks %lld..%lld", topic,
		          (int)p->id, (long long)p->next, (long long)p->low, (long long)p->high);
	}
	return 0;
}

/* Messages still to come before every partition of parts[0..n) reaches the
 * end it had at the start (offsets; transaction markers make it an upper
 * bound). */
static int64_t ingest_remaining(const struct ingest_part *parts, size_t nparts)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < nparts; i++) {
		const struct ingest_part *p = &parts[i];
		int64_t from = p->next >= 0 ? p->next : p->low;

		if (!p->done && p->high > from)
			n += p->high - from;
	}
	return n;
}

static int ingest_all_done(const struct ingest_part *parts, size_t nparts)
{
	size_t i;

	for (i = 0; i < nparts; i++) {
		if (!parts[i].done)
			return 0;
	}
	return 1;
}

/* Move a partition of parts past message m (or the end-of-partition event
 * m) of topic (an index), as the writer's store_set_position and the
 * reader's "want" see it. Returns the partition, or NULL if m is of none we
 * know. */
static struct ingest_part *ingest_part_advance(struct ingest_part *parts, size_t nparts,
                                               size_t topic, const rd_kafka_message_t *m)
{
	struct ingest_part *p = ingest_part_find(parts, nparts, topic, m->partition);

	if (p == NULL)
		return NULL;
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		/* The end of the partition: its offset is where the next record
		 * will be, which may be past the last record read (transaction
		 * markers, compaction). */
		if (m->offset > p->next) {
			p->next = m->offset;
			p->dirty = 1;
		}
		p->done = 1;
	} else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		p->next = m->offset + 1;
		p->dirty = 1;
		if (p->next >= p->high)
			p->done = 1;
	}
	return p;
}

/* One Kafka message or event (with what the reader decoded of it, r),
 * inside the batch's transaction. -1 only for a store or file failure,
 * which ends the run. */
static int ingest_message(struct ingest *ig, struct ingest_slot *slot, const rd_kafka_message_t *m,
                          struct ingest_rec *r, struct strbuf *err)
{
	struct intake_decoded d;
	size_t t = ingest_topic_of(ig, m);
	struct ingest_part *p = ingest_part_advance(ig->parts, ig->nparts, t, m);
	const char *topic = t < ig->ntopics ? ig->topics[t].name : "?";
	struct intake_origin o;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
		return 0;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_warn("kafka: topic %s partition %d: %s", topic, (int)m->partition,
		         rd_kafka_message_errstr(m));
		return 0;
	}
	if (p == NULL) {
		msg_warn("kafka: topic %s: message from unknown partition %d ignored", topic,
		         (int)m->partition);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	o.kind = INTAKE_KAFKA;
	o.src.name = topic;
	o.src.partition = m->partition;
	o.src.offset = m->offset;
	if (!r->decoded)
		return intake_message(ig->in, &o, m->payload, m->len, err);
	d.status = r->status;
	d.rec = &r->batch;
	d.why = NULL;
	d.prep = NULL;
	d.prep_why = NULL;
	if (r->status == RECORD_OK) {
		/* The slot's cells do not move once it is handed over. */
		r->batch.cells = slot->cells + r->cells_at;
		r->batch.cells_alloc = r->batch.ncells;
		d.prep = &r->prep;
		if (r->prep_why_at != SIZE_MAX)
			d.prep_why = slot->whys.data + r->prep_why_at;
	} else if (r->why_at != SIZE_MAX) {
		d.why = slot->whys.data + r->why_at;
	}
	return intake_message_decoded(ig->in, &o, m->payload, m->len, &d, err);
}

/* Store one batch of messages in one transaction with the positions reached.
 * The messages are the caller's to destroy. */
static int ingest_batch(struct ingest *ig, struct ingest_slot *slot, struct strbuf *err)
{
	size_t i;

	if (intake_begin(ig->in, err) < 0)
		return -1;
	for (i = 0; i < slot->n; i++) {
		if (ingest_message(ig, slot, slot->msgs[i], &slot->recs[i], err) < 0)
			goto fail;
	}
	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];

		if (p->dirty &&
		    store_set_position(ig->st, ig->topics[p->topic].name, p->id, p->next, err) < 0)
			goto fail;
	}
	if (intake_commit(ig->in, err) < 0)
		return -1;
	for (i = 0; i < ig->nparts; i++)
		ig->parts[i].dirty = 0;
	/* A count only: batch sizes follow the writer's pace (INGEST_CHUNK). */
	msg_debug("batch of %zu messages stored", slot->n);
	return 0;
fail:
	intake_rollback(ig->in);
	return -1;
}

/* ---- the reader and the slots ---- */

/* Reader: hand a filled slot to the writer. */
static void ingest_slot_push(struct ingest *ig)
{
	pthread_mutex_lock(&ig->mu);
	ig->nfull++;
	pthread_cond_signal(&ig->full_cv);
	pthread_mutex_unlock(&ig->mu);
}

/* Reader: the slot to fill next, once one is free; NULL once told to stop. */
static struct ingest_slot *ingest_slot_free(struct ingest *ig)
{
	struct ingest_slot *slot = NULL;

	pthread_mutex_lock(&ig->mu);
	while (ig->nfull == INGEST_SLOTS && !ig->stop)
		pthread_cond_wait(&ig->free_cv, &ig->mu);
	if (!ig->stop)
		slot = &ig->slots[(ig->head + ig->nfull) % INGEST_SLOTS];
	pthread_mutex_unlock(&ig->mu);
	return slot;
}

static int ingest_reader_stopped(struct ingest *ig)
{
	int stop;

	pthread_mutex_lock(&ig->mu);
	stop = ig->stop;
	pthread_mutex_unlock(&ig->mu);
	return stop;
}

/* Reader: decode message m into r and the slot's cells and reasons, unless
 * the slot holds INGEST_SLOT_CELLS_MAX cells already (r is then left for the
 * writer). Tombstones go to the writer as they are. */
static void ingest_reader_decode(struct ingest *ig, struct ingest_slot *slot, struct ingest_rec *r,
                                 const rd_kafka_message_t *m)
{
	struct record_batch *b = &ig->scratch;

	if (m->payload == NULL || m->len == 0 || slot->ncells >= INGEST_SLOT_CELLS_MAX)
		return;
	strbuf_reset(&ig->scratch_why);
	r->status = record_decode(m->payload, m->len, b, &ig->scratch_why);
	r->why_at = SIZE_MAX;
	if (r->status != RECORD_OK) {
		if (ig->scratch_why.data != NULL &&
		    strbuf_append(&slot->whys, ig->scratch_why.data, ig->scratch_why.len + 1) == 0)
			r->why_at = slot->whys.len - ig->scratch_why.len - 1;
		r->decoded = 1;
		return;
	}
	/* The store's own checks and the digest, here rather than on the
	 * writer (store.h, store_prepared). */
	strbuf_reset(&ig->scratch_why);
	r->prep_why_at = SIZE_MAX;
	if (store_prepare_record(ig->reader_digest, b, &r->prep, &ig->scratch_why) < 0 &&
	    ig->scratch_why.data != NULL &&
	    strbuf_append(&slot->whys, ig->scratch_why.data, ig->scratch_why.len + 1) == 0)
		r->prep_why_at = slot->whys.len - ig->scratch_why.len - 1;
	slot->cells = xgrow(slot->cells, slot->ncells + b->ncells, &slot->cells_alloc,
	                    sizeof(*slot->cells), 4096);
	if (b->ncells > 0)
		memcpy(slot->cells + slot->ncells, b->cells, b->ncells * sizeof(*b->cells));
	r->batch = *b;
	r->batch.cells = NULL;
	r->batch.cells_alloc = 0;
	r->cells_at = slot->ncells;
	slot->ncells += b->ncells;
	r->decoded = 1;
}

/* Reader: does the writer wait for a slot? */
static int ingest_writer_waiting(struct ingest *ig)
{
	int w;

	pthread_mutex_lock(&ig->mu);
	w = ig->writer_waiting && ig->nfull == 0;
	pthread_mutex_unlock(&ig->mu);
	return w;
}

/* Reader: fill slot with up to want messages, decoded, INGEST_CHUNK at a
 * time: until want, until batch_max_ms has passed, or, once it holds some,
 * as soon as the writer waits. Returns the messages taken (0 if none came
 * in batch_max_ms), or -1 (rd_kafka_last_error) with those taken
 * destroyed. */
static ssize_t ingest_reader_fill(struct ingest *ig, struct ingest_slot *slot, size_t want)
{
	int64_t deadline = ingest_now_ms() + ig->s->batch_max_ms, left;
	size_t n = 0, i;
	ssize_t got;

	while (n < want) {
		size_t chunk = want - n < INGEST_CHUNK ? want - n : INGEST_CHUNK;

		left = deadline - ingest_now_ms();
		got = rd_kafka_consume_batch_queue(ig->rkqu, left > 0 ? (int)left : 0, slot->msgs + n,
		                                   chunk);
		if (got < 0) {
			for (i = 0; i < n; i++)
				rd_kafka_message_destroy(slot->msgs[i]);
			return -1;
		}
		for (i = n; i < n + (size_t)got; i++) {
			const rd_kafka_message_t *m = slot->msgs[i];

			ingest_part_advance(ig->rparts, ig->nparts, ingest_topic_of(ig, m), m);
			slot->recs[i].decoded = 0;
			if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
				ingest_reader_decode(ig, slot, &slot->recs[i], m);
		}
		n += (size_t)got;
		/* Fewer than asked: the wait ran out. */
		if ((size_t)got < chunk || (n > 0 && ingest_writer_waiting(ig)))
			break;
	}
	return (ssize_t)n;
}

/* Reader: read batches and decode them until the end (with
 * until_caught_up), an error, or the writer says stop. */
static void *ingest_reader(void *arg)
{
	struct ingest *ig = arg;
	size_t max = (size_t)ig->s->batch_max_messages, want;
	struct ingest_slot *slot;
	int64_t left;
	ssize_t n;

	while ((slot = ingest_slot_free(ig)) != NULL) {
		slot->n = 0;
		/* Serves the error callback, which may flag a fatal error. */
		rd_kafka_poll(ig->rk, 0);
		if (ig->fatal) {
			slot->kind = SLOT_ERROR;
			snprintf(slot->why, sizeof(slot->why), "kafka: fatal error: %s", ig->fatal_why);
			ingest_slot_push(ig);
			break;
		}
		if (ig->until_caught_up && ingest_all_done(ig->rparts, ig->nparts)) {
			slot->kind = SLOT_END;
			ingest_slot_push(ig);
			break;
		}
		/* Near the end of a catch-up run, ask for no more than can still
		 * come, or the last batch would wait out batch_max_ms. */
		want = max;
		left = ingest_remaining(ig->rparts, ig->nparts);
		if (ig->until_caught_up && left < (int64_t)max)
			want = left > 0 ? (size_t)left : 1;
		slot->ncells = 0;
		strbuf_reset(&slot->whys);
		n = ingest_reader_fill(ig, slot, want);
		if (n < 0) {
			slot->kind = SLOT_ERROR;
			snprintf(slot->why, sizeof(slot->why), "kafka: %s",
			         rd_kafka_err2str(rd_kafka_last_error()));
			ingest_slot_push(ig);
			break;
		}
		if (n == 0) {
			/* Nothing came in batch_max_ms; look at stop, then again. */
			if (ingest_reader_stopped(ig))
				break;
			continue;
		}
		slot->kind = SLOT_BATCH;
		slot->n = (size_t)n;
		ingest_slot_push(ig);
	}
	return NULL;
}

/* Writer: the next full slot; NULL once *stop is set (checked every
 * INGEST_STOP_POLL_MS while waiting). */
static struct ingest_slot *ingest_slot_full(struct ingest *ig, const volatile sig_atomic_t *stop)
{
	struct ingest_slot *slot = NULL;
	struct timespec until;

	pthread_mutex_lock(&ig->mu);
	ig->writer_waiting = 1;
	while (ig->nfull == 0 && !*stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += INGEST_STOP_POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ig->full_cv, &ig->mu, &until);
	}
	ig->writer_waiting = 0;
	if (ig->nfull > 0 && !*stop)
		slot = &ig->slots[ig->head];
	pthread_mutex_unlock(&ig->mu);
	return slot;
}

/* Writer: done with the slot at head (its messages destroyed). */
static void ingest_slot_release(struct ingest *ig)
{
	pthread_mutex_lock(&ig->mu);
	ig->head = (ig->head + 1) % INGEST_SLOTS;
	ig->nfull--;
	pthread_cond_signal(&ig->free_cv);
	pthread_mutex_unlock(&ig->mu);
}

static void ingest_slot_destroy_msgs(struct ingest_slot *slot)
{
	size_t i;

	for (i = 0; i < slot->n; i++)
		rd_kafka_message_destroy(slot->msgs[i]);
	slot->n = 0;
}

/* The slots, the lock and the reader's view of the partitions; then the
 * reader, with every signal blocked. 0, or -1 with err. */
static int ingest_reader_start(struct ingest *ig, struct strbuf *err)
{
	size_t max = (size_t)ig->s->batch_max_messages, k;
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc;

	for (k = 0; k < INGEST_SLOTS; k++) {
		ig->slots[k].msgs = xcalloc(max, sizeof(*ig->slots[k].msgs));
		ig->slots[k].recs = xcalloc(max, sizeof(*ig->slots[k].recs));
		strbuf_init(&ig->slots[k].whys, INGEST_SLOT_WHYS_MAX);
	}
	record_batch_init(&ig->scratch);
	strbuf_init(&ig->scratch_why, 1024);
	ig->reader_digest = digest_new();
	ig->rparts = xcalloc(ig->nparts, sizeof(*ig->rparts));
	memcpy(ig->rparts, ig->parts, ig->nparts * sizeof(*ig->rparts));
	/* The writer's waits are timed by the monotonic clock, as everything
	 * else here. ingest_reader_free undoes what sync_ready counts. */
	rc = pthread_condattr_init(&attr);
	if (rc != 0) {
		strbuf_printf(err, "cannot create the reader's lock: %s", strerror(rc));
		return -1;
	}
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_mutex_init(&ig->mu, NULL);
	if (rc == 0) {
		ig->sync_ready = 1;
		rc = pthread_cond_init(&ig->full_cv, &attr);
	}
	if (rc == 0) {
		ig->sync_ready = 2;
		rc = pthread_cond_init(&ig->free_cv, NULL);
	}
	if (rc == 0)
		ig->sync_ready = 3;
	pthread_condattr_destroy(&attr);
	if (rc != 0) {
		strbuf_printf(err, "cannot create the reader's lock: %s", strerror(rc));
		return -1;
	}
	/* Every signal stays with the writer, which set the handlers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ig->reader, NULL, ingest_reader, ig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		strbuf_printf(err, "cannot start the reader thread: %s", strerror(rc));
		return -1;
	}
	ig->reader_started = 1;
	return 0;
}

/* Tell the reader to stop (waking it from librdkafka), join it, and
 * destroy what it read that was not stored. */
static void ingest_reader_stop(struct ingest *ig)
{
	size_t k;

	if (ig->reader_started) {
		pthread_mutex_lock(&ig->mu);
		ig->stop = 1;
		pthread_cond_broadcast(&ig->free_cv);
		pthread_mutex_unlock(&ig->mu);
		rd_kafka_queue_yield(ig->rkqu);
		pthread_join(ig->reader, NULL);
		ig->reader_started = 0;
	}
	/* Only this thread is left: every full slot is unstored. */
	for (k = 0; k < INGEST_SLOTS; k++)
		ingest_slot_destroy_msgs(&ig->slots[k]);
}

static void ingest_reader_free(struct ingest *ig)
{
	size_t k;

	for (k = 0; k < INGEST_SLOTS; k++) {
		free(ig->slots[k].recs);
		free(ig->slots[k].msgs);
		free(ig->slots[k].cells);
		strbuf_release(&ig->slots[k].whys);
	}
	record_batch_free(&ig->scratch);
	strbuf_release(&ig->scratch_why);
	digest_free(ig->reader_digest);
	free(ig->rparts);
	if (ig->sync_ready > 2)
		pthread_cond_destroy(&ig->free_cv);
	if (ig->sync_ready > 1)
		pthread_cond_destroy(&ig->full_cv);
	if (ig->sync_ready > 0)
		pthread_mutex_destroy(&ig->mu);
}

static int ingest_start(struct ingest *ig, struct strbuf *err)
{
	size_t i;

	ig->rkqu = rd_kafka_queue_new(ig->rk);
	for (i = 0; i < ig->nparts; i++) {
		struct ingest_part *p = &ig->parts[i];
		int64_t offset = p->next >= 0 ? p->next : p->low;

		if (rd_kafka_consume_start_queue(ig->topics[p->topic].rkt, p->id, offset, ig->rkqu) < 0) {
			strbuf_printf(err, "topic %s partition %d: %s", ig->topics[p->topic].name, (int)p->id,
			              rd_kafka_err2str(rd_kafka_last_error()));
			return -1;
		}
		p->started = 1;
	}
	return 0;
}

/* Writer: store what the reader hands over until it ends, fails, or *stop. */
static int ingest_loop(struct ingest *ig, const volatile sig_atomic_t *stop, struct strbuf *err)
{
	struct ingest_slot *slot;
	int64_t next_seal = 0;
	int rc = -1, stored;

	if (ingest_reader_start(ig, err) < 0)
		goto out;
	ingest_seal_due(ig->st, ig->s, &next_seal);
	while ((slot = ingest_slot_full(ig, stop)) != NULL) {
		if (slot->kind == SLOT_END) {
			ingest_slot_release(ig);
			break;
		}
		if (slot->kind == SLOT_ERROR) {
			msg_error("%s", slot->why);
			strbuf_printf(err, "%s", slot->why);
			ingest_slot_release(ig);
			goto out;
		}
		stored = ingest_batch(ig, slot, err);
		ingest_slot_destroy_msgs(slot);
		ingest_slot_release(ig);
		if (stored < 0)
			goto out;
		ingest_seal_due(ig->st, ig->s, &next_seal);
	}
	rc = 0;
out:
	ingest_reader_stop(ig);
	return rc;
}

/* Stop every partition before destroying the handle, as the simple consumer
 * API requires; this is its counterpart of rd_kafka_consumer_close(). */
/*
 * Every partition's lag after the run, into stats: its end as the broker
 * last told it (librdkafka's cached high watermark, from the fetches; the
 * one at the start for a partition not read) minus the position the store
 * holds now. No wait: the metric is written at the end of every run.
 */
static void ingest_lags(struct ingest *ig, struct ingest_stats *stats)
{
	struct strbuf err;
	size_t i;

	strbuf_init(&err, 1024);
	stats->lags = xcalloc(ig->nparts ? ig->nparts : 1, sizeof(*stats->lags));
	for (i = 0; i < ig->nparts; i++) {
		const struct ingest_part *p = &ig->parts[i];
		const char *topic = ig->topics[p->topic].name;
		int64_t low = 0, high = 0, pos = -1;
		int rc;

		if (rd_kafka_get_watermark_offsets(ig->rk, topic, p->id, &low, &high) !=
		            RD_KAFKA_RESP_ERR_NO_ERROR ||
		    high < p->high)
			high = p->high;
		strbuf_reset(&err);
		rc = store_get_position(ig->st, topic, p->id, &pos, &err);
		if (rc < 0) {
			msg_warn("topic %s partition %d: lag: %s", topic, (int)p->id, err.data);
			continue;
		}
		if (rc == 0 || pos < p->low)
			pos = p->low;
		stats->lags[stats->nlags].topic = topic;
		stats->lags[stats->nlags].partition = p->id;
		stats->lags[stats->nlags].messages = high > pos ? high - pos : 0;
		stats->nlags++;
	}
	strbuf_release(&err);
}

void ingest_stats_release(struct ingest_stats *stats)
{
	free(stats->lags);
	stats->lags = NULL;
	stats->nlags = 0;
}

static void ingest_close(struct ingest *ig)
{
	size_t i;

	for (i = 0; i < ig->nparts; i++) {
		struct ingest_topic *t = &ig->topics[ig->parts[i].topic];

		if (ig->parts[i].started && rd_kafka_consume_stop(t->rkt, ig->parts[i].id) < 0)
			msg_warn("kafka: topic %s partition %d: stop: %s", t->name,
			         (int)ig->parts[i].id, rd_kafka_err2str(rd_kafka_last_error()));
	}
	if (ig->rkqu != NULL)
		rd_kafka_queue_destroy(ig->rkqu);
	for (i = 0; i < ig->ntopics; i++) {
		if (ig->topics[i].rkt != NULL)
			rd_kafka_topic_destroy(ig->topics[i].rkt);
	}
	if (ig->rk != NULL)
		rd_kafka_destroy(ig->rk);
}

int ingest_kafka_run(struct store *st, const struct settings *s, int until_caught_up,
                     const volatile sig_atomic_t *stop, struct ingest_stats *stats,
                     struct strbuf *err)
{
	struct ingest ig;
	struct intake_limits lim;
	rd_kafka_conf_t *conf;
	const char *const *names;
	size_t ntopics, i;
	char errstr[512];
	int rc = -1;

	memset(&ig, 0, sizeof(ig));
	memset(stats, 0, sizeof(*stats));
	ig.st = st;
	ig.s = s;
	ig.until_caught_up = until_caught_up;
	settings_intake_limits(s, &lim);
	ig.in = intake_new(st, s->dead_letter, &lim);

	conf = kafka_conf_new(ingest_kafka_defaults, &s->kafka, &s->kafka_files, err);
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
	/* Every topic a registered carrier is bound to; intake checks that
	 * each record's carrier is bound to the topic it came from. */
	ntopics = carriers_topics(s->carriers, &names);
	ig.topics = xcalloc(ntopics, sizeof(*ig.topics));
	for (i = 0; i < ntopics; i++) {
		ig.topics[i].name = names[i];
		ig.topics[i].rkt = rd_kafka_topic_new(ig.rk, names[i], NULL);
		if (ig.topics[i].rkt == NULL) {
			strbuf_printf(err, "topic %s: %s", names[i],
			              rd_kafka_err2str(rd_kafka_last_error()));
			goto out;
		}
		ig.ntopics++;
		if (ingest_partitions(&ig, i, err) < 0)
			goto out;
	}
	if (ingest_prepare(&ig, err) < 0)
		goto out;
	if (until_caught_up && ingest_all_done(ig.parts, ig.nparts)) {
		rc = 0;
		goto out;
	}
	/* Built before the reader starts: it decodes, the registry is global. */
	(void)record_current_fingerprint();
	if (ingest_start(&ig, err) < 0 || ingest_loop(&ig, stop, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc == 0)
		ingest_lags(&ig, stats);
	ingest_close(&ig);
	ingest_reader_free(&ig);
	stats->counts = *intake_totals(ig.in);
	intake_free(ig.in);
	free(ig.parts);
	free(ig.topics);
	return rc;
}
