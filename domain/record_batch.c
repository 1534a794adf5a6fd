/* record_batch - the batch of counts and its checks; see record_batch.h. */
#include "record_batch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "record_int.h"

/* Up to this many cells, record_batch_check() looks for a repeated
 * combination by comparing each with those before it (at most 496
 * comparisons), which costs less than clearing a bitmap of all of them. */
#define RECORD_CHECK_PAIRWISE_MAX 32

/* ---- errors ---- */

void record_err(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	strbuf_reset(err);
	va_start(ap, fmt);
	/* A reason cut off by the cap is still better than none. */
	(void)strbuf_vprintf(err, fmt, ap);
	va_end(ap);
}

/* ---- batches ---- */

void record_batch_init(struct record_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->cells = NULL;
}

void record_batch_free(struct record_batch *b)
{
	if (b == NULL)
		return;
	free(b->cells);
	b->cells = NULL;
	b->ncells = 0;
	b->cells_alloc = 0;
}

void record_batch_add_cell(struct record_batch *b, const struct record_cell *c)
{
	b->cells = xgrow(b->cells, b->ncells + 1, &b->cells_alloc, sizeof(*b->cells), 16);
	b->cells[b->ncells++] = *c;
}

void record_batch_clear(struct record_batch *b)
{
	struct record_cell *cells = b->cells;
	size_t alloc = b->cells_alloc;

	record_batch_init(b);
	b->cells = cells;
	b->cells_alloc = alloc;
}

int record_batch_vouch_only(const struct record_batch *b)
{
	static const struct record_health zero;

	return b->vouch_end_ms > b->vouch_start_ms && b->ncells == 0 && !b->correction &&
	       memcmp(&b->health, &zero, sizeof(zero)) == 0;
}

_Static_assert(RECORD_CELLS_MAX <= UINT32_MAX, "a cell key fits 32 bits");

void record_cell_unkey(uint32_t k, struct record_cell *c)
{
	int m;

	c->spam = (enum ar_spam)(k % SPAM_COUNT);
	k /= SPAM_COUNT;
	c->dmarc_policy = (enum ar_policy)(k % POL_COUNT);
	k /= POL_COUNT;
	for (m = AR_METHOD_COUNT - 1; m >= 0; m--) {
		c->result[m] = (enum ar_result)(k % AR_RESULT_COUNT);
		k /= AR_RESULT_COUNT;
	}
	c->fate = (enum ar_fate)k;
}

/* struct record_health's counters in order, for messages. */
static const char *const health_names[] = {
	"lines_read",        "lines_malformed",  "lines_overlong", "headers_untrusted",
	"headers_malformed", "messages_evicted", "messages_late",   "input_losses",
};

_Static_assert(sizeof(health_names) / sizeof(health_names[0]) ==
                       sizeof(struct record_health) / sizeof(int64_t),
               "every health counter has a name");

int record_batch_check(const struct record_batch *b, struct strbuf *err)
{
	const int64_t *health = &b->health.lines_read;
	uint32_t keys[RECORD_CHECK_PAIRWISE_MAX];
	unsigned char *seen = NULL;
	size_t i, nhealth = sizeof(b->health) / sizeof(int64_t);
	int m, rc = -1;

	if (memchr(b->carrier, '\0', sizeof(b->carrier)) == NULL) {
		record_err(err, "carrier is not NUL-terminated within %d bytes", RECORD_CARRIER_MAX);
		goto out;
	}
	if (memchr(b->collector, '\0', sizeof(b->collector)) == NULL) {
		record_err(err, "collector is not NUL-terminated within %d bytes", RECORD_COLLECTOR_MAX);
		goto out;
	}
	if (b->seq < 1) {
		record_err(err, "seq %" PRId64 " is below 1", b->seq);
		goto out;
	}
	if (b->window_end_ms <= b->window_start_ms) {
		record_err(err, "window end %" PRId64 " is not after window start %" PRId64,
		           b->window_end_ms, b->window_start_ms);
		goto out;
	}
	if (b->ncells > RECORD_CELLS_MAX) {
		record_err(err, "%zu cells, more than the %d combinations", b->ncells, RECORD_CELLS_MAX);
		goto out;
	}
	if ((b->vouch_start_ms != 0 || b->vouch_end_ms != 0) &&
	    (b->vouch_start_ms < 0 || b->vouch_end_ms <= b->vouch_start_ms)) {
		record_err(err, "vouched span [%" PRId64 ", %" PRId64 ") is neither empty nor a span",
		           b->vouch_start_ms, b->vouch_end_ms);
		goto out;
	}
	/* record_health is a run of int64_t counters; checking them as an array
	 * means a counter added later is checked without touching this code. */
	for (i = 0; i < nhealth; i++) {
		if (health[i] < 0) {
			record_err(err, "health counter %s is negative (%" PRId64 ")", health_names[i],
			           health[i]);
			goto out;
		}
	}
	/* Repeats are found by comparing keys while there are few cells, and
	 * in a bitmap of every combination (48 KiB, cleared) beyond that. */
	if (b->ncells > RECORD_CHECK_PAIRWISE_MAX)
		seen = xcalloc((RECORD_CELLS_MAX + 7) / 8, 1);
	for (i = 0; i < b->ncells; i++) {
		const struct record_cell *c = &b->cells[i];
		uint32_t k;
		size_t j;

		for (m = 0; m < AR_METHOD_COUNT; m++) {
			if ((unsigned)c->result[m] >= AR_RESULT_COUNT) {
				record_err(err, "cell %zu: %s result %d out of range", i,
				           ar_method_name((enum ar_method)m), (int)c->result[m]);
				goto out;
			}
		}
		if ((unsigned)c->dmarc_policy >= POL_COUNT) {
			record_err(err, "cell %zu: DMARC policy %d out of range", i, (int)c->dmarc_policy);
			goto out;
		}
		if ((unsigned)c->spam >= SPAM_COUNT) {
			record_err(err, "cell %zu: spam verdict %d out of range", i, (int)c->spam);
			goto out;
		}
		if ((unsigned)c->fate >= FATE_COUNT) {
			record_err(err, "cell %zu: fate %d out of range", i, (int)c->fate);
			goto out;
		}
		if (c->messages < 0) {
			record_err(err, "cell %zu: negative message count %" PRId64, i, c->messages);
			goto out;
		}
		k = record_cell_key(c);
		if (seen != NULL) {
			if (seen[k / 8] & (1u << (k % 8))) {
				record_err(err, "cell %zu repeats an earlier combination", i);
				goto out;
			}
			seen[k / 8] = (unsigned char)(seen[k / 8] | (1u << (k % 8)));
		} else {
			keys[i] = k;
			for (j = 0; j < i; j++) {
				if (keys[j] == k) {
					record_err(err, "cell %zu repeats an earlier combination", i);
					goto out;
				}
			}
		}
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

static int record_carrier_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return !first && (c == '.' || c == '_' || c == '-');
}

int record_carrier_check(const char *id, struct strbuf *err)
{
	size_t i, len = strlen(id);

	if (len == 0 || len > RECORD_CARRIER_MAX - 1) {
		strbuf_printf(err, "carrier id of %zu bytes: from 1 to %d", len, RECORD_CARRIER_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!record_carrier_char(id[i], i == 0)) {
			strbuf_printf(err, "carrier id \"%.*s\": byte %zu is not %s", (int)len, id, i + 1,
			              i == 0 ? "a-z or 0-9" : "a-z, 0-9, '.', '_' or '-'");
			return -1;
		}
	}
	return 0;
}
