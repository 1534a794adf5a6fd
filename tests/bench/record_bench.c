/*
 * record_bench - time a counts record through the codec (a benchmark, not a
 * test): record_encode() (the current version, v2, by the hand-written
 * encoder), record_decode() (the hand-written decoder and the batch checks)
 * of the same batch as a v2 and as a v1 record, record_body_decode() alone
 * on each, and record_decode_generic() (the schema walk and Avro C) of the
 * v2 record; each on one record of six cells, the size
 * results/aggregator-benchmark.md measures. The v1 record is the same batch
 * without what v1 cannot carry (fates unknown, no input losses or span).
 *
 * Usage: record_bench [RECORDS [ROUNDS [VERSION]]]   (default 1,000,000
 * records, 5 rounds, the generic decoder a tenth as many; the best round is
 * reported, in nanoseconds a record). VERSION 1 or 2 decodes that version's
 * record only and skips the encoder and the generic decoder, so that
 * callgrind's count for record_body_decode is one version's (divide by
 * 2 * RECORDS * ROUNDS calls). Trust: none needed; it reads no input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numparse.h"
#include "record.h"
#include "record_body.h"

/* Single-object header: C3 01 and the 8-byte fingerprint. */
#define BENCH_HEADER_LEN 10

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Six cells, values of several varint lengths, every health counter set;
 * for v2 (v1 = 0), fates of every kind and a vouched span. */
static void make_batch(struct record_batch *b, int v1)
{
	static const struct record_cell cells[] = {
		{ { AR_PASS, AR_PASS, AR_PASS, AR_NONE }, POL_REJECT, SPAM_HAM, FATE_ACCEPTED, 1000 },
		{ { AR_SOFTFAIL, AR_FAIL, AR_FAIL, AR_ABSENT }, POL_QUARANTINE, SPAM_SPAM, FATE_HELD, 25 },
		{ { AR_NONE, AR_ABSENT, AR_ABSENT, AR_ABSENT }, POL_ABSENT, SPAM_UNKNOWN, FATE_UNKNOWN, 3 },
		{ { AR_FAIL, AR_PASS, AR_PASS, AR_PASS }, POL_NONE, SPAM_HAM, FATE_ACCEPTED, 123456 },
		{ { AR_PASS, AR_NONE, AR_FAIL, AR_NONE }, POL_REJECT, SPAM_SPAM, FATE_REJECTED, 7 },
		{ { AR_NEUTRAL, AR_PASS, AR_NONE, AR_ABSENT }, POL_NONE, SPAM_HAM, FATE_DISCARDED, 88 },
	};
	int64_t *h = &b->health.lines_read;
	size_t i;

	record_batch_init(b);
	snprintf(b->carrier, sizeof(b->carrier), "jp-bench");
	snprintf(b->collector, sizeof(b->collector), "%s",
	         "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	b->epoch = INT64_C(0x1234567890);
	b->seq = 42;
	b->window_start_ms = INT64_C(1793614020000);
	b->window_end_ms = b->window_start_ms + 60000;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		record_batch_add_cell(b, &cells[i]);
		if (v1)
			b->cells[i].fate = FATE_UNKNOWN;
	}
	for (i = 0; i < sizeof(b->health) / sizeof(int64_t); i++)
		h[i] = (int64_t)(i * 1000 + 1);
	if (v1) {
		b->health.input_losses = 0;
	} else {
		b->vouch_start_ms = b->window_start_ms - 3600000;
		b->vouch_end_ms = b->window_start_ms;
	}
}

/* Seconds a record for n calls of record_decode(), or of
 * record_body_decode() alone with layout l if not NULL; -1 if one fails. */
static double time_decode(const struct strbuf *rec, const struct record_body_layout *l, int64_t n,
                          struct record_batch *d, struct strbuf *err)
{
	double t = now();
	int64_t i;

	for (i = 0; i < n; i++) {
		if (l == NULL) {
			if (record_decode(rec->data, rec->len, d, err) != RECORD_OK)
				return -1;
		} else {
			d->ncells = 0;
			if (record_body_decode(l, (const unsigned char *)rec->data + BENCH_HEADER_LEN,
			                       rec->len - BENCH_HEADER_LEN, d) < 0)
				return -1;
		}
	}
	return (now() - t) / (double)n;
}

static void keep_best(double t, double *best)
{
	if (t < *best)
		*best = t;
}

static int64_t arg(int argc, char **argv, int i, int64_t def)
{
	int64_t v;

	if (argc <= i)
		return def;
	if (num_parse_i64_str(argv[i], 1, INT64_MAX, &v) < 0) {
		fprintf(stderr, "usage: record_bench [RECORDS [ROUNDS [VERSION]]]\n");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int64_t n = arg(argc, argv, 1, 1000000), rounds = arg(argc, argv, 2, 5), i, r;
	int64_t only = argc > 3 ? arg(argc, argv, 3, 0) : 0;
	double best_enc = 1e30, best_dec = 1e30, best_dec1 = 1e30, best_body = 1e30,
	       best_body1 = 1e30, best_gen = 1e30, t;
	struct record_batch b, b1, d;
	struct strbuf out, out1, err;
	int rc = 1;

	make_batch(&b, 0);
	make_batch(&b1, 1);
	record_batch_init(&d);
	strbuf_init(&out, 1 << 20);
	strbuf_init(&out1, 1 << 20);
	strbuf_init(&err, 1024);
	if (record_encode_version(&b1, 1, &out1, &err) < 0 || record_encode(&b, &out, &err) < 0)
		goto out;
	for (r = 0; r < rounds; r++) {
		if (only != 0) {
			const struct strbuf *rec = only == 1 ? &out1 : &out;
			const struct record_body_layout *l = only == 1 ? &record_body_v1 : &record_body_v2;

			if ((t = time_decode(rec, NULL, n, &d, &err)) < 0)
				goto out;
			keep_best(t, only == 1 ? &best_dec1 : &best_dec);
			if ((t = time_decode(rec, l, n, &d, &err)) < 0)
				goto out;
			keep_best(t, only == 1 ? &best_body1 : &best_body);
			continue;
		}
		t = now();
		for (i = 0; i < n; i++) {
			strbuf_reset(&out);
			if (record_encode(&b, &out, &err) < 0)
				goto out;
		}
		keep_best((now() - t) / (double)n, &best_enc);
		/* v1 and v2 alternate, so that a busy spell of the machine
		 * falls on both. */
		if ((t = time_decode(&out1, NULL, n, &d, &err)) < 0)
			goto out;
		keep_best(t, &best_dec1);
		if ((t = time_decode(&out, NULL, n, &d, &err)) < 0)
			goto out;
		keep_best(t, &best_dec);
		if ((t = time_decode(&out1, &record_body_v1, n, &d, &err)) < 0)
			goto out;
		keep_best(t, &best_body1);
		if ((t = time_decode(&out, &record_body_v2, n, &d, &err)) < 0)
			goto out;
		keep_best(t, &best_body);

		t = now();
		for (i = 0; i < n / 10; i++) {
			if (record_decode_generic(out.data, out.len, &d, &err) != RECORD_OK)
				goto out;
		}
		keep_best((now() - t) / (double)(n / 10 > 0 ? n / 10 : 1), &best_gen);
	}
	printf("record of %zu cells, %zu bytes (v1: %zu); best of %lld rounds of %lld records "
	       "(ns a record)\n",
	       b.ncells, out.len, out1.len, (long long)rounds, (long long)n);
	printf("record_encode (v2)          %8.1f\n", best_enc * 1e9);
	printf("record_decode v2            %8.1f\n", best_dec * 1e9);
	printf("record_decode v1            %8.1f\n", best_dec1 * 1e9);
	printf("record_body_decode v2       %8.1f\n", best_body * 1e9);
	printf("record_body_decode v1       %8.1f\n", best_body1 * 1e9);
	printf("record_decode_generic v2    %8.1f\n", best_gen * 1e9);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "record_bench: %s\n", err.data != NULL ? err.data : "failed");
	strbuf_release(&out);
	strbuf_release(&out1);
	strbuf_release(&err);
	record_batch_free(&b);
	record_batch_free(&b1);
	record_batch_free(&d);
	return rc;
}
