/*
 * record_bench - time a counts record through the codec (a benchmark, not a
 * test): record_encode(), record_decode() (the hand-written v1 decoder and
 * the batch checks), record_v1_decode() alone, and record_decode_generic()
 * (the schema walk and Avro C), each on one record of six cells, the size
 * results/aggregator-benchmark.md measures.
 *
 * Usage: record_bench [RECORDS [ROUNDS]]   (default 1,000,000 records, 5
 * rounds, the generic decoder a tenth as many; the best round is reported,
 * in nanoseconds a record). Trust: none needed; it reads no input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numparse.h"
#include "record.h"
#include "record_v1.h"

/* Single-object header: C3 01 and the 8-byte fingerprint. */
#define BENCH_HEADER_LEN 10

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Six cells, values of several varint lengths, every health counter set. */
static void make_batch(struct record_batch *b)
{
	static const struct record_cell cells[] = {
		{ { AR_PASS, AR_PASS, AR_PASS, AR_NONE }, POL_REJECT, SPAM_HAM, FATE_UNKNOWN, 1000 },
		{ { AR_SOFTFAIL, AR_FAIL, AR_FAIL, AR_ABSENT }, POL_QUARANTINE, SPAM_SPAM, FATE_UNKNOWN, 25 },
		{ { AR_NONE, AR_ABSENT, AR_ABSENT, AR_ABSENT }, POL_ABSENT, SPAM_UNKNOWN, FATE_UNKNOWN, 3 },
		{ { AR_FAIL, AR_PASS, AR_PASS, AR_PASS }, POL_NONE, SPAM_HAM, FATE_UNKNOWN, 123456 },
		{ { AR_PASS, AR_NONE, AR_FAIL, AR_NONE }, POL_REJECT, SPAM_SPAM, FATE_UNKNOWN, 7 },
		{ { AR_NEUTRAL, AR_PASS, AR_NONE, AR_ABSENT }, POL_NONE, SPAM_HAM, FATE_UNKNOWN, 88 },
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
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		record_batch_add_cell(b, &cells[i]);
	for (i = 0; i < sizeof(b->health) / sizeof(int64_t); i++)
		h[i] = (int64_t)(i * 1000 + 1);
}

static int64_t arg(int argc, char **argv, int i, int64_t def)
{
	int64_t v;

	if (argc <= i)
		return def;
	if (num_parse_i64_str(argv[i], 1, INT64_MAX, &v) < 0) {
		fprintf(stderr, "usage: record_bench [RECORDS [ROUNDS]]\n");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int64_t n = arg(argc, argv, 1, 1000000), rounds = arg(argc, argv, 2, 5), i, r;
	double best_enc = 1e30, best_dec = 1e30, best_v1 = 1e30, best_gen = 1e30, t;
	struct record_batch b, d;
	struct strbuf out, err;
	int rc = 1;

	make_batch(&b);
	record_batch_init(&d);
	strbuf_init(&out, 1 << 20);
	strbuf_init(&err, 1024);
	for (r = 0; r < rounds; r++) {
		t = now();
		for (i = 0; i < n; i++) {
			strbuf_reset(&out);
			if (record_encode(&b, &out, &err) < 0)
				goto out;
		}
		t = (now() - t) / (double)n;
		best_enc = t < best_enc ? t : best_enc;

		t = now();
		for (i = 0; i < n; i++) {
			if (record_decode(out.data, out.len, &d, &err) != RECORD_OK)
				goto out;
		}
		t = (now() - t) / (double)n;
		best_dec = t < best_dec ? t : best_dec;

		t = now();
		for (i = 0; i < n; i++) {
			d.ncells = 0;
			if (record_v1_decode((const unsigned char *)out.data + BENCH_HEADER_LEN,
			                     out.len - BENCH_HEADER_LEN, &d) < 0)
				goto out;
		}
		t = (now() - t) / (double)n;
		best_v1 = t < best_v1 ? t : best_v1;

		t = now();
		for (i = 0; i < n / 10; i++) {
			if (record_decode_generic(out.data, out.len, &d, &err) != RECORD_OK)
				goto out;
		}
		t = (now() - t) / (double)(n / 10 > 0 ? n / 10 : 1);
		best_gen = t < best_gen ? t : best_gen;
	}
	printf("record of %zu cells, %zu bytes; best of %lld rounds of %lld records (ns a record)\n",
	       b.ncells, out.len, (long long)rounds, (long long)n);
	printf("record_encode          %8.1f\n", best_enc * 1e9);
	printf("record_decode          %8.1f\n", best_dec * 1e9);
	printf("record_v1_decode       %8.1f\n", best_v1 * 1e9);
	printf("record_decode_generic  %8.1f\n", best_gen * 1e9);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "record_bench: %s\n", err.data != NULL ? err.data : "failed");
	strbuf_release(&out);
	strbuf_release(&err);
	record_batch_free(&b);
	record_batch_free(&d);
	return rc;
}
