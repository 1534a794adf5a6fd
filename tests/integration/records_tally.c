/*
 * arstat-records-tally - the counts of the collector's records in the form
 * of arstat-loggen's truth.csv, for integration tests that check what the
 * collector published before any aggregator reads it (integration.fates).
 *
 * usage: arstat-records-tally CARRIER TZ_MINUTES FILE.avro...
 *
 * Reads the object container files of the file sink and prints, for every
 * (local month of the window at TZ_MINUTES east of UTC, CARRIER), the rows
 * "month,carrier,dimension,value,count" with count > 0, as loggen.h
 * describes them: the population (messages of fate accepted or unknown) by
 * "messages", each method's result, "dmarc_policy" and "spam"; the refused
 * ones by "fate" and "<fate>:<method>". Unsorted: the caller sorts. Exits 1
 * on a file or record it cannot read (which a test must not pass over).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "numparse.h"
#include "ocf.h"
#include "record.h"
#include "record_batch.h"
#include "result.h"
#include "strbuf.h"
#include "timeutil.h"

#define TALLY_MONTHS_MAX 240

/* Per month: the population's counts, then per refused fate its counts. */
struct month_tally {
	int used;
	int64_t ym; /* year * 12 + month - 1 */
	uint64_t messages;
	uint64_t result[AR_METHOD_COUNT][AR_RESULT_COUNT];
	uint64_t policy[POL_COUNT];
	uint64_t spam[SPAM_COUNT];
	uint64_t fate[FATE_COUNT];
	uint64_t fate_result[FATE_COUNT][AR_METHOD_COUNT][AR_RESULT_COUNT];
};

static struct month_tally *month_of(struct month_tally *t, size_t *n, int64_t ym)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (t[i].ym == ym)
			return &t[i];
	}
	if (*n == TALLY_MONTHS_MAX) {
		fprintf(stderr, "arstat-records-tally: more than %d months\n", TALLY_MONTHS_MAX);
		exit(1);
	}
	memset(&t[*n], 0, sizeof(t[*n]));
	t[*n].ym = ym;
	return &t[(*n)++];
}

static void add_batch(struct month_tally *t, size_t *n, const struct record_batch *b, int tz)
{
	int64_t y, local = b->window_start_ms + (int64_t)tz * 60000;
	unsigned m, d, k;
	size_t i;
	struct month_tally *mt;

	time_civil_from_days(time_floor_div(local, 86400000), &y, &m, &d);
	mt = month_of(t, n, y * 12 + m - 1);
	for (i = 0; i < b->ncells; i++) {
		const struct record_cell *c = &b->cells[i];
		uint64_t v = (uint64_t)c->messages;

		if (c->fate == FATE_ACCEPTED || c->fate == FATE_UNKNOWN) {
			mt->messages += v;
			for (k = 0; k < AR_METHOD_COUNT; k++)
				mt->result[k][c->result[k]] += v;
			mt->policy[c->dmarc_policy] += v;
			mt->spam[c->spam] += v;
		} else {
			mt->fate[c->fate] += v;
			for (k = 0; k < AR_METHOD_COUNT; k++)
				mt->fate_result[c->fate][k][c->result[k]] += v;
		}
	}
}

static void row(const struct month_tally *mt, const char *carrier, const char *dim,
                const char *val, uint64_t count)
{
	if (count == 0)
		return;
	printf("%04" PRId64 "-%02u,%s,%s,%s,%" PRIu64 "\n", mt->ym / 12, (unsigned)(mt->ym % 12 + 1),
	       carrier, dim, val, count);
}

static void print_month(const struct month_tally *mt, const char *carrier)
{
	unsigned f, k, v;
	char dim[64];

	row(mt, carrier, "messages", "all", mt->messages);
	for (k = 0; k < AR_METHOD_COUNT; k++) {
		for (v = 0; v < AR_RESULT_COUNT; v++)
			row(mt, carrier, ar_method_name((enum ar_method)k), ar_result_name((enum ar_result)v),
			    mt->result[k][v]);
	}
	for (v = 0; v < POL_COUNT; v++)
		row(mt, carrier, "dmarc_policy", ar_policy_name((enum ar_policy)v), mt->policy[v]);
	for (v = 0; v < SPAM_COUNT; v++)
		row(mt, carrier, "spam", ar_spam_name((enum ar_spam)v), mt->spam[v]);
	for (f = FATE_REJECTED; f < FATE_COUNT; f++) {
		row(mt, carrier, "fate", ar_fate_name((enum ar_fate)f), mt->fate[f]);
		for (k = 0; k < AR_METHOD_COUNT; k++) {
			snprintf(dim, sizeof(dim), "%s:%s", ar_fate_name((enum ar_fate)f),
			         ar_method_name((enum ar_method)k));
			for (v = 0; v < AR_RESULT_COUNT; v++)
				row(mt, carrier, dim, ar_result_name((enum ar_result)v),
				    mt->fate_result[f][k][v]);
		}
	}
}

int main(int argc, char **argv)
{
	struct month_tally *t = xcalloc(TALLY_MONTHS_MAX, sizeof(*t));
	struct record_batch b;
	struct strbuf why;
	int64_t tz;
	size_t n = 0, i;
	int a, rc = 1;

	if (argc < 3 || num_parse_i64(argv[2], strlen(argv[2]), -1440, 1440, &tz) < 0) {
		fprintf(stderr, "usage: arstat-records-tally CARRIER TZ_MINUTES FILE.avro...\n");
		return 2;
	}
	record_batch_init(&b);
	strbuf_init(&why, 4096);
	for (a = 3; a < argc; a++) {
		struct ocf_reader *r = ocf_reader_new(argv[a], &why);
		struct ocf_item item;
		enum ocf_status st;

		if (r == NULL) {
			fprintf(stderr, "arstat-records-tally: %s\n", why.data);
			goto out;
		}
		for (;;) {
			strbuf_reset(&why);
			st = ocf_reader_next(r, &item, &why);
			if (st == OCF_END)
				break;
			if (st != OCF_RECORD ||
			    record_decode(item.data, item.len, &b, &why) != RECORD_OK) {
				fprintf(stderr, "arstat-records-tally: %s: %s\n", argv[a],
				        why.data != NULL ? why.data : "unreadable");
				ocf_reader_free(r);
				goto out;
			}
			add_batch(t, &n, &b, (int)tz);
		}
		ocf_reader_free(r);
	}
	for (i = 0; i < n; i++)
		print_month(&t[i], argv[1]);
	rc = 0;
out:
	record_batch_free(&b);
	strbuf_release(&why);
	free(t);
	return rc;
}
