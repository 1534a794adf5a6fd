/*
 * arstat-aggregator-testgen - synthetic count records for the aggregator's
 * integration tests and benchmarks. A test fixture: it writes what many
 * collectors would publish, deterministically from a seed, without mail logs.
 *
 *   arstat-aggregator-testgen kafka --bootstrap LIST [--topic T] [GEN] [--poison]
 *                                   [--extra-hex FILE]
 *   arstat-aggregator-testgen ocf --out FILE [--codec snappy|null|deflate] [--block-size N]
 *                                 [GEN]
 *   arstat-aggregator-testgen store --db FILE [GEN]
 *   arstat-aggregator-testgen query --db FILE SQL
 *
 * GEN: [--carriers C] [--collectors N] [--windows W] [--window-seconds S]
 *      [--start UNIX_SECONDS] [--from-window F] [--seed X] [--cells K] [--duplicates D]
 *      [--skip COLLECTOR:FROM:COUNT] [--fates]
 * Collector i (0..N-1) belongs to carrier i % C ("carrier-01".. in order) and
 * publishes windows F..F+W-1 (F 0 unless --from-window) of S seconds from
 * --start, window w with seq w + 1, so that runs with the same --start and
 * successive F continue the same collectors' streams (the store growth
 * benchmark fills a month at a time); each window with K cells
 * (fewer if they repeat; drawn as real mail is distributed, mostly passes)
 * of 1..40 messages; --skip leaves COUNT windows of
 * one collector out (a gap); --duplicates sends the first D records again at
 * the end. Records go out window by window across collectors, keyed by the
 * collector's pseudonym, as a fleet of collectors would publish them.
 * Without --fates every record is of the current schema with fate unknown;
 * with it, the odd collectors log each message's fate (mostly accepted,
 * some rejected, discarded, held or unknown) and the even ones are
 * collectors of before fates, whose records kafka mode writes in schema v1
 * (ocf and store modes write every record in the current schema), so v1 and
 * v2 records meet on one topic.
 *
 * kafka --poison adds six messages the aggregator must count as dead
 * letters: a tombstone, bytes without the marker, an unknown fingerprint, a
 * truncated record, a record with a cell of 0 messages (invalid), and a
 * record reusing an identity for another window (identity_conflict);
 * --extra-hex sends each line of FILE (hex) as a message.
 *
 * Prints one line: records=N duplicates=D poison=P messages=M refused=R,
 * and per carrier "carrier=NAME messages=M spam=S refused=R" (what a report
 * must add up to: messages and spam are of the shares' population, the
 * messages accepted or of fate unknown; refused the rejected, discarded and
 * held ones, in no share).
 * query prints the first column of each row of SQL (for test checks).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <librdkafka/rdkafka.h>
#include <sqlite3.h>

#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "record.h"
#include "store.h"
#include "strbuf.h"

#define GEN_CARRIERS_MAX 100
#define GEN_HEX_LINE_MAX (1024 * 1024)

struct gen {
	int64_t carriers, collectors, windows, window_s, start_s, seed, cells, duplicates;
	int64_t from_window;
	int64_t skip_collector, skip_from, skip_count;
	const char *bootstrap, *topic, *out, *codec, *db, *extra_hex;
	int64_t block_size;
	int poison, fates;
	/* the collector of the record being emitted */
	int64_t current;
	/* what was generated */
	int64_t records, messages, refused;
	int64_t carrier_messages[GEN_CARRIERS_MAX], carrier_spam[GEN_CARRIERS_MAX];
	int64_t carrier_refused[GEN_CARRIERS_MAX];
};

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t gen_mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static void gen_collector_name(const struct gen *g, int64_t i, char *buf, size_t size)
{
	uint64_t a = gen_mix((uint64_t)g->seed * 1000003u + (uint64_t)i);
	uint64_t b = gen_mix(a);
	uint64_t c = gen_mix(b);
	uint64_t d = gen_mix(c);

	snprintf(buf, size, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, a, b, c, d);
}

/* Draw from weights (summing to 100) with r; returns the index. */
static int gen_pick(uint64_t *r, const int *weights, int n)
{
	int x, i;

	*r = gen_mix(*r);
	x = (int)(*r % 100);
	for (i = 0; i < n - 1; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return n - 1;
}

/* A plausible cell: most mail passes, some fails, ARC is mostly absent,
 * about one message in ten is spam, so a window's cells repeat the same
 * few combinations as real mail does. */
static void gen_cell(uint64_t r, struct record_cell *c, int fates)
{
	static const int fate_w[] = { 2, 85, 8, 3, 2 }; /* unknown, accepted, rejected, ... */
	static const enum ar_result results[] = { AR_PASS, AR_NONE, AR_FAIL, AR_SOFTFAIL,
		                                  AR_NEUTRAL, AR_TEMPERROR, AR_PERMERROR, AR_ABSENT };
	static const int auth_w[] = { 78, 8, 6, 3, 2, 1, 1, 1 };
	static const int arc_w[] = { 20, 10, 5, 0, 0, 1, 1, 63 };
	static const int policy_w[] = { 10, 40, 20, 30 }; /* absent, none, quarantine, reject */
	static const int spam_w[] = { 5, 85, 10 };        /* unknown, ham, spam */
	int m;

	for (m = 0; m < AR_METHOD_COUNT; m++)
		c->result[m] = results[gen_pick(&r, m == AR_ARC ? arc_w : auth_w, 8)];
	c->dmarc_policy = (enum ar_policy)gen_pick(&r, policy_w, POL_COUNT);
	c->spam = (enum ar_spam)gen_pick(&r, spam_w, SPAM_COUNT);
	c->fate = fates ? (enum ar_fate)gen_pick(&r, fate_w, FATE_COUNT) : FATE_UNKNOWN;
	r = gen_mix(r);
	c->messages = (int64_t)(r % 40) + 1;
}

static int gen_same_combination(const struct record_cell *a, const struct record_cell *b)
{
	return memcmp(a->result, b->result, sizeof(a->result)) == 0 &&
	       a->dmarc_policy == b->dmarc_policy && a->spam == b->spam && a->fate == b->fate;
}

/* Does collector i log each message's fate (--fates, odd collectors)? */
static int gen_logs_fates(const struct gen *g, int64_t i)
{
	return g->fates && i % 2 == 1;
}

/* The record's single-object encoding into out (emptied first): schema v1
 * for a collector of before fates (--fates, even collectors) if v1 is
 * wanted, else the current schema. 0, or -1 with a message logged. */
static int gen_encode(const struct gen *g, const struct record_batch *b, int v1_wanted,
                      struct strbuf *out, struct strbuf *err)
{
	int rc;

	strbuf_reset(out);
	if (v1_wanted && g->fates && !gen_logs_fates(g, g->current))
		rc = record_encode_version(b, 1, out, err);
	else
		rc = record_encode(b, out, err);
	if (rc < 0)
		msg_error("encode: %s", err->data);
	return rc;
}

/* Record w of collector i into b (cells reused). */
static void gen_record(struct gen *g, int64_t i, int64_t w, struct record_batch *b)
{
	struct record_cell c;
	int64_t k;
	size_t j;
	uint64_t r = gen_mix(((uint64_t)g->seed << 40) ^ ((uint64_t)i << 24) ^ (uint64_t)w);

	b->ncells = 0;
	snprintf(b->carrier, sizeof(b->carrier), "carrier-%02d", (int)(i % g->carriers) + 1);
	gen_collector_name(g, i, b->collector, sizeof(b->collector));
	b->epoch = (int64_t)(gen_mix((uint64_t)g->seed ^ (uint64_t)i) >> 2);
	b->seq = w + 1;
	b->window_start_ms = (g->start_s + w * g->window_s) * 1000;
	b->window_end_ms = b->window_start_ms + g->window_s * 1000;
	b->correction = 0;
	memset(&b->health, 0, sizeof(b->health));
	for (k = 0; k < g->cells; k++) {
		r = gen_mix(r);
		gen_cell(r, &c, gen_logs_fates(g, i));
		for (j = 0; j < b->ncells; j++) {
			if (gen_same_combination(&b->cells[j], &c))
				break;
		}
		if (j < b->ncells)
			continue;
		record_batch_add_cell(b, &c);
		b->health.lines_read += c.messages * 10;
	}
}

static void gen_count(struct gen *g, int64_t i, const struct record_batch *b)
{
	size_t j;

	g->records++;
	for (j = 0; j < b->ncells; j++) {
		const struct record_cell *c = &b->cells[j];

		if (c->fate != FATE_UNKNOWN && c->fate != FATE_ACCEPTED) {
			g->refused += c->messages;
			g->carrier_refused[i % g->carriers] += c->messages;
			continue;
		}
		g->messages += c->messages;
		g->carrier_messages[i % g->carriers] += c->messages;
		if (c->spam == SPAM_SPAM)
			g->carrier_spam[i % g->carriers] += c->messages;
	}
}

static int gen_skipped(const struct gen *g, int64_t i, int64_t w)
{
	return i == g->skip_collector && w >= g->skip_from && w < g->skip_from + g->skip_count;
}

/* Call emit for every record in publishing order, then the duplicates. */
typedef int (*gen_emit_fn)(void *arg, const struct record_batch *b);

static int gen_each(struct gen *g, gen_emit_fn emit, void *arg)
{
	struct record_batch b;
	int64_t i, w, dup = 0;
	int rc = -1;

	record_batch_init(&b);
	for (w = g->from_window; w < g->from_window + g->windows; w++) {
		for (i = 0; i < g->collectors; i++) {
			if (gen_skipped(g, i, w))
				continue;
			gen_record(g, i, w, &b);
			gen_count(g, i, &b);
			g->current = i;
			if (emit(arg, &b) < 0)
				goto out;
		}
	}
	for (w = g->from_window; w < g->from_window + g->windows && dup < g->duplicates; w++) {
		for (i = 0; i < g->collectors && dup < g->duplicates; i++) {
			if (gen_skipped(g, i, w))
				continue;
			gen_record(g, i, w, &b);
			g->current = i;
			if (emit(arg, &b) < 0)
				goto out;
			dup++;
		}
	}
	rc = 0;
out:
	record_batch_free(&b);
	return rc;
}

static void gen_summary(const struct gen *g, int64_t poison)
{
	int64_t c;

	printf("records=%" PRId64 " duplicates=%" PRId64 " poison=%" PRId64 " messages=%" PRId64
	       " refused=%" PRId64 "\n",
	       g->records, g->duplicates, poison, g->messages, g->refused);
	for (c = 0; c < g->carriers; c++)
		printf("carrier=carrier-%02d messages=%" PRId64 " spam=%" PRId64 " refused=%" PRId64
		       "\n",
		       (int)c + 1, g->carrier_messages[c], g->carrier_spam[c], g->carrier_refused[c]);
}

/* ---- kafka ---- */

struct gen_kafka {
	const struct gen *g;
	rd_kafka_t *rk;
	const char *topic;
	struct strbuf buf, err;
	int64_t delivered, failed;
};

static void gen_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct gen_kafka *k = opaque;

	(void)rk;
	if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR)
		k->delivered++;
	else
		k->failed++;
}

static int gen_produce(struct gen_kafka *k, const char *key, const void *data, size_t len)
{
	rd_kafka_resp_err_t err;

	for (;;) {
		err = rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(k->topic),
		                        RD_KAFKA_V_KEY(key, strlen(key)),
		                        RD_KAFKA_V_VALUE((void *)(uintptr_t)data, len),
		                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(k->rk, 100);
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_error("produce: %s", rd_kafka_err2str(err));
		return -1;
	}
	rd_kafka_poll(k->rk, 0);
	return 0;
}

static int gen_kafka_emit(void *arg, const struct record_batch *b)
{
	struct gen_kafka *k = arg;

	if (gen_encode(k->g, b, 1, &k->buf, &k->err) < 0)
		return -1;
	return gen_produce(k, b->collector, k->buf.data, k->buf.len);
}

/* The six messages of --poison; returns how many were sent. */
static int64_t gen_kafka_poison(struct gen *g, struct gen_kafka *k)
{
	static const unsigned char not_ours[] = "this is not a record";
	unsigned char unknown[40];
	struct record_batch b;
	struct record_cell zero;
	int64_t sent = -1;
	size_t i;

	record_batch_init(&b);
	if (gen_produce(k, "tombstone", NULL, 0) < 0 ||
	    gen_produce(k, "not-ours", not_ours, sizeof(not_ours) - 1) < 0)
		goto out;
	memset(unknown, 0x5a, sizeof(unknown));
	unknown[0] = 0xC3;
	unknown[1] = 0x01;
	if (gen_produce(k, "unknown", unknown, sizeof(unknown)) < 0)
		goto out;
	/* A valid record of collector 0, cut short. The last three are keyed
	 * like collector 0's records, so they come after them in its partition. */
	gen_record(g, 0, 0, &b);
	strbuf_reset(&k->buf);
	if (record_encode(&b, &k->buf, &k->err) < 0 ||
	    gen_produce(k, b.collector, k->buf.data, k->buf.len - 3) < 0)
		goto out;
	/* A new identity whose cell counts no message. */
	b.seq = g->windows + 1000;
	for (i = 0; i < b.ncells; i++)
		b.cells[i].messages = 1;
	memset(&zero, 0, sizeof(zero));
	zero.result[AR_SPF] = AR_POLICY; /* a result the generator never draws */
	zero.messages = 0;
	record_batch_add_cell(&b, &zero);
	strbuf_reset(&k->buf);
	if (record_encode(&b, &k->buf, &k->err) < 0 ||
	    gen_produce(k, b.collector, k->buf.data, k->buf.len) < 0)
		goto out;
	/* Collector 0's first identity for another window. */
	gen_record(g, 0, 0, &b);
	b.window_start_ms += 3600 * 1000;
	b.window_end_ms += 3600 * 1000;
	strbuf_reset(&k->buf);
	if (record_encode(&b, &k->buf, &k->err) < 0 ||
	    gen_produce(k, b.collector, k->buf.data, k->buf.len) < 0)
		goto out;
	sent = 6;
out:
	record_batch_free(&b);
	return sent;
}

static int gen_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Each line of path, as hex, one message. Returns how many, or -1. */
static int64_t gen_kafka_extra(struct gen_kafka *k, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = xmalloc(GEN_HEX_LINE_MAX);
	unsigned char *bytes = xmalloc(GEN_HEX_LINE_MAX / 2);
	int64_t sent = -1, n = 0;
	size_t len, i;

	if (fp == NULL) {
		msg_error("%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, GEN_HEX_LINE_MAX, fp) != NULL) {
		len = strcspn(line, "\r\n");
		if (len == 0 || line[0] == '#')
			continue;
		if (len % 2 != 0) {
			msg_error("%s: odd number of hex digits", path);
			goto out;
		}
		for (i = 0; i < len / 2; i++) {
			int hi = gen_hex_value(line[2 * i]), lo = gen_hex_value(line[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				msg_error("%s: not hex", path);
				goto out;
			}
			bytes[i] = (unsigned char)(hi * 16 + lo);
		}
		if (gen_produce(k, "extra", bytes, len / 2) < 0)
			goto out;
		n++;
	}
	sent = n;
out:
	if (fp != NULL)
		fclose(fp);
	free(line);
	free(bytes);
	return sent;
}

static int gen_kafka(struct gen *g)
{
	struct gen_kafka k;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512];
	int64_t poison = 0, extra = 0, want;
	int rc = 1;
	size_t i;
	const char *settings[] = {
		"bootstrap.servers", g->bootstrap, "linger.ms", "20", "acks", "all",
		"enable.idempotence", "true", "batch.num.messages", "10000",
		"queue.buffering.max.messages", "1000000",
	};

	memset(&k, 0, sizeof(k));
	k.g = g;
	k.topic = g->topic;
	strbuf_init(&k.buf, 4 * 1024 * 1024);
	strbuf_init(&k.err, 1024);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i += 2) {
		if (rd_kafka_conf_set(conf, settings[i], settings[i + 1], errstr, sizeof(errstr)) !=
		    RD_KAFKA_CONF_OK) {
			msg_error("%s: %s", settings[i], errstr);
			rd_kafka_conf_destroy(conf);
			goto out;
		}
	}
	rd_kafka_conf_set_dr_msg_cb(conf, gen_on_delivery);
	rd_kafka_conf_set_opaque(conf, &k);
	k.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (k.rk == NULL) {
		rd_kafka_conf_destroy(conf);
		msg_error("producer: %s", errstr);
		goto out;
	}
	if (gen_each(g, gen_kafka_emit, &k) < 0)
		goto out;
	if (g->poison && (poison = gen_kafka_poison(g, &k)) < 0)
		goto out;
	if (g->extra_hex != NULL && (extra = gen_kafka_extra(&k, g->extra_hex)) < 0)
		goto out;
	if (rd_kafka_flush(k.rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_error("flush: %d messages not delivered", rd_kafka_outq_len(k.rk));
		goto out;
	}
	want = g->records + g->duplicates + poison + extra;
	if (k.failed > 0 || k.delivered != want) {
		msg_error("%" PRId64 " of %" PRId64 " messages delivered", k.delivered, want);
		goto out;
	}
	gen_summary(g, poison);
	rc = 0;
out:
	if (k.rk != NULL)
		rd_kafka_destroy(k.rk);
	strbuf_release(&k.buf);
	strbuf_release(&k.err);
	return rc;
}

/* ---- ocf: what the collector's file sink will write ---- */

struct gen_ocf {
	const struct gen *g;
	avro_file_writer_t w;
	struct strbuf buf, err;
};

/* The datum is the single-object body: record_encode writes the current
 * schema, which is the one the file declares. */
static int gen_ocf_emit(void *arg, const struct record_batch *b)
{
	struct gen_ocf *o = arg;

	if (gen_encode(o->g, b, 0, &o->buf, &o->err) < 0)
		return -1;
	if (avro_file_writer_append_encoded(o->w, o->buf.data + 10, (int64_t)o->buf.len - 10) != 0) {
		msg_error("append: %s", avro_strerror());
		return -1;
	}
	return 0;
}

static int gen_ocf(struct gen *g)
{
	const struct record_schema_version *v;
	struct gen_ocf o;
	avro_schema_t schema = NULL;
	int rc = 1;

	memset(&o, 0, sizeof(o));
	o.g = g;
	strbuf_init(&o.buf, 4 * 1024 * 1024);
	strbuf_init(&o.err, 1024);
	record_schema_versions(&v);
	if (avro_schema_from_json_length(v[0].json, strlen(v[0].json), &schema) != 0) {
		msg_error("schema: %s", avro_strerror());
		goto out;
	}
	remove(g->out);
	if (avro_file_writer_create_with_codec(g->out, schema, &o.w, g->codec,
	                                       (size_t)g->block_size) != 0) {
		msg_error("%s: %s", g->out, avro_strerror());
		goto out;
	}
	if (gen_each(g, gen_ocf_emit, &o) < 0)
		goto out;
	if (avro_file_writer_close(o.w) != 0) {
		o.w = NULL;
		msg_error("%s: close: %s", g->out, avro_strerror());
		goto out;
	}
	o.w = NULL;
	gen_summary(g, 0);
	rc = 0;
out:
	if (o.w != NULL)
		avro_file_writer_close(o.w);
	if (schema != NULL)
		avro_schema_decref(schema);
	strbuf_release(&o.buf);
	strbuf_release(&o.err);
	return rc;
}

/* ---- store: fill a store directly (for the report benchmark) ---- */

struct gen_store {
	struct store *st;
	struct strbuf err;
	int64_t in_txn;
};

static int gen_store_emit(void *arg, const struct record_batch *b)
{
	struct gen_store *s = arg;

	if (s->in_txn == 0 && store_begin(s->st, &s->err) < 0)
		goto fail;
	if (store_add_record(s->st, b, NULL, &s->err) < 0)
		goto fail;
	if (++s->in_txn == 50000) {
		if (store_commit(s->st, &s->err) < 0)
			goto fail;
		s->in_txn = 0;
	}
	return 0;
fail:
	msg_error("store: %s", s->err.data != NULL ? s->err.data : "?");
	return -1;
}

static int gen_store(struct gen *g)
{
	struct gen_store s;
	int rc = 1;

	memset(&s, 0, sizeof(s));
	strbuf_init(&s.err, 4096);
	s.st = store_new(g->db, STORE_CREATE, &s.err);
	if (s.st == NULL) {
		msg_error("%s", s.err.data);
		goto out;
	}
	if (gen_each(g, gen_store_emit, &s) < 0)
		goto out;
	if (s.in_txn > 0 && store_commit(s.st, &s.err) < 0) {
		msg_error("store: %s", s.err.data);
		goto out;
	}
	gen_summary(g, 0);
	rc = 0;
out:
	store_free(s.st);
	strbuf_release(&s.err);
	return rc;
}

static int gen_query(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rc = 1, step;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		msg_error("%s: %s", db_path, db != NULL ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		printf("%s\n", t != NULL ? (const char *)t : "");
	}
	if (step != SQLITE_DONE) {
		msg_error("%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc;
}

/* ---- command line ---- */

static int64_t gen_number(const char *name, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (num_parse_i64_str(s, min, max, &v) < 0)
		msg_fatal("--%s %s: a number from %" PRId64 " to %" PRId64 " is needed", name, s, min,
		          max);
	return v;
}

static void gen_parse_skip(struct gen *g, const char *s)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

	if (c2 == NULL ||
	    num_parse_i64(s, (size_t)(c1 - s), 0, INT32_MAX, &g->skip_collector) < 0 ||
	    num_parse_i64(c1 + 1, (size_t)(c2 - c1 - 1), 0, INT32_MAX, &g->skip_from) < 0 ||
	    num_parse_i64_str(c2 + 1, 1, INT32_MAX, &g->skip_count) < 0)
		msg_fatal("--skip %s: COLLECTOR:FROM:COUNT", s);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bootstrap", required_argument, NULL, 'b' }, { "topic", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'O' },       { "codec", required_argument, NULL, 'z' },
		{ "block-size", required_argument, NULL, 'B' }, { "db", required_argument, NULL, 'd' },
		{ "carriers", required_argument, NULL, 'C' },  { "collectors", required_argument, NULL, 'N' },
		{ "windows", required_argument, NULL, 'W' },
		{ "window-seconds", required_argument, NULL, 'S' },
		{ "start", required_argument, NULL, 's' },     { "seed", required_argument, NULL, 'x' },
		{ "from-window", required_argument, NULL, 'f' },
		{ "cells", required_argument, NULL, 'K' },     { "duplicates", required_argument, NULL, 'D' },
		{ "skip", required_argument, NULL, 'k' },      { "poison", no_argument, NULL, 'p' },
		{ "extra-hex", required_argument, NULL, 'e' }, { "fates", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g;
	const char *mode;
	int c;

	msg_init("arstat-aggregator-testgen");
	if (argc < 2)
		msg_fatal("usage: arstat-aggregator-testgen kafka|ocf|store|query ... (see the source)");
	mode = argv[1];
	memset(&g, 0, sizeof(g));
	g.carriers = 3;
	g.collectors = 6;
	g.windows = 60;
	g.window_s = 60;
	g.start_s = 1793491200; /* 2026-11-01T00:00:00Z */
	g.seed = 1;
	g.cells = 6;
	g.skip_collector = -1;
	g.topic = "arstat.counts";
	g.codec = "snappy"; /* what the file sink writes */
	g.block_size = 16384;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'b': g.bootstrap = optarg; break;
		case 't': g.topic = optarg; break;
		case 'O': g.out = optarg; break;
		case 'z': g.codec = optarg; break;
		case 'B': g.block_size = gen_number("block-size", optarg, 1024, 64 * 1024 * 1024); break;
		case 'd': g.db = optarg; break;
		case 'C': g.carriers = gen_number("carriers", optarg, 1, GEN_CARRIERS_MAX); break;
		case 'N': g.collectors = gen_number("collectors", optarg, 1, 1000000); break;
		case 'W': g.windows = gen_number("windows", optarg, 1, 100000000); break;
		case 'S': g.window_s = gen_number("window-seconds", optarg, 1, 86400); break;
		case 's': g.start_s = gen_number("start", optarg, 0, INT64_C(253402300799)); break;
		case 'x': g.seed = gen_number("seed", optarg, 0, INT32_MAX); break;
		case 'f': g.from_window = gen_number("from-window", optarg, 0, 100000000); break;
		case 'K': g.cells = gen_number("cells", optarg, 1, 1000); break;
		case 'D': g.duplicates = gen_number("duplicates", optarg, 0, 100000000); break;
		case 'k': gen_parse_skip(&g, optarg); break;
		case 'p': g.poison = 1; break;
		case 'e': g.extra_hex = optarg; break;
		case 'F': g.fates = 1; break;
		default: msg_fatal("bad option; see the source");
		}
	}
	if (strcmp(mode, "query") == 0) {
		if (g.db == NULL || optind != argc - 1)
			msg_fatal("query --db FILE SQL");
		return gen_query(g.db, argv[optind]);
	}
	if (optind != argc)
		msg_fatal("unexpected argument %s", argv[optind]);
	if (g.carriers > g.collectors)
		g.carriers = g.collectors;
	if (strcmp(mode, "kafka") == 0) {
		if (g.bootstrap == NULL)
			msg_fatal("kafka needs --bootstrap");
		return gen_kafka(&g);
	}
	if (strcmp(mode, "ocf") == 0) {
		if (g.out == NULL)
			msg_fatal("ocf needs --out");
		return gen_ocf(&g);
	}
	if (strcmp(mode, "store") == 0) {
		if (g.db == NULL)
			msg_fatal("store needs --db");
		return gen_store(&g);
	}
	msg_fatal("unknown mode %s", mode);
}
