/*
 * unit.windows: counting per window, taking windows in order, corrections,
 * and the health counters of the current window, which windows.c keeps at
 * hand between lines: never those of a window taken or replaced by a load.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "windows.h"

static struct record_cell cell(enum ar_result spf, enum ar_spam spam)
{
	struct record_cell c;

	memset(&c, 0, sizeof(c));
	c.result[AR_SPF] = spf;
	c.result[AR_DKIM] = AR_ABSENT;
	c.result[AR_DMARC] = AR_ABSENT;
	c.result[AR_ARC] = AR_ABSENT;
	c.dmarc_policy = POL_ABSENT;
	c.spam = spam;
	return c;
}

static int64_t count_of(const struct record_batch *b, enum ar_result spf, enum ar_spam spam)
{
	size_t i;

	for (i = 0; i < b->ncells; i++) {
		if (b->cells[i].result[AR_SPF] == spf && b->cells[i].spam == spam)
			return b->cells[i].messages;
	}
	return 0;
}

static void test_count_and_take(void)
{
	struct windows *ws = windows_new(60000);
	struct record_batch b;
	struct record_cell pass = cell(AR_PASS, SPAM_HAM), fail = cell(AR_FAIL, SPAM_SPAM);

	record_batch_init(&b);
	windows_count(ws, 120000, &pass);
	windows_count(ws, 179999, &pass);
	windows_count(ws, 150000, &fail);
	windows_count(ws, 180000, &pass); /* next window */
	windows_health(ws, 130000)->lines_read += 7;

	CU_ASSERT_EQUAL(windows_take(ws, 179999, &b), 0); /* window [120000,180000) not over yet */
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, 180000, &b), 1);
	CU_ASSERT_EQUAL(b.window_start_ms, 120000);
	CU_ASSERT_EQUAL(b.window_end_ms, 180000);
	CU_ASSERT_EQUAL(b.correction, 0);
	CU_ASSERT_EQUAL(b.ncells, 2);
	CU_ASSERT_EQUAL(count_of(&b, AR_PASS, SPAM_HAM), 2);
	CU_ASSERT_EQUAL(count_of(&b, AR_FAIL, SPAM_SPAM), 1);
	CU_ASSERT_EQUAL(b.health.lines_read, 7);
	CU_ASSERT_EQUAL(windows_take(ws, 180000, &b), 0);

	/* A late message for the taken window becomes a correction, taken first. */
	windows_count(ws, 121000, &fail);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, 0, &b), 1);
	CU_ASSERT_EQUAL(b.correction, 1);
	CU_ASSERT_EQUAL(b.window_start_ms, 120000);
	CU_ASSERT_EQUAL(b.ncells, 1);
	CU_ASSERT_EQUAL(count_of(&b, AR_FAIL, SPAM_SPAM), 1);

	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.window_start_ms, 180000);
	CU_ASSERT_EQUAL(count_of(&b, AR_PASS, SPAM_HAM), 1);
	CU_ASSERT_EQUAL(windows_take(ws, INT64_MAX, &b), 0);
	record_batch_free(&b);
	windows_free(ws);
}

static void test_out_of_order_and_negative(void)
{
	struct windows *ws = windows_new(1000);
	struct record_batch b;
	struct record_cell c = cell(AR_NONE, SPAM_UNKNOWN);
	int64_t expect[] = { -2000, -1000, 3000, 5000 };
	size_t i;

	record_batch_init(&b);
	windows_count(ws, 5500, &c);
	windows_count(ws, -1, &c);     /* window [-1000, 0) */
	windows_count(ws, 3999, &c);
	windows_count(ws, -1001, &c);  /* window [-2000, -1000) */
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
		CU_ASSERT_EQUAL(b.window_start_ms, expect[i]);
		CU_ASSERT_EQUAL(b.correction, 0);
	}
	record_batch_free(&b);
	windows_free(ws);
}

/* Many distinct cells in one window: the map grows and keeps every count. */
static void test_many_cells(void)
{
	struct windows *ws = windows_new(60000);
	struct record_batch b;
	int64_t total = 0;
	int a, d, r, n = 0;
	size_t i;

	record_batch_init(&b);
	for (a = 0; a < AR_RESULT_COUNT; a++)
		for (d = 0; d < AR_RESULT_COUNT; d++)
			for (r = 0; r < AR_RESULT_COUNT; r++) {
				struct record_cell c = cell((enum ar_result)a, SPAM_HAM);

				c.result[AR_DKIM] = (enum ar_result)d;
				c.result[AR_DMARC] = (enum ar_result)r;
				windows_count(ws, 10, &c);
				windows_count(ws, 20, &c);
				n++;
			}
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.ncells, (size_t)n);
	for (i = 0; i < b.ncells; i++) {
		CU_ASSERT_EQUAL(b.cells[i].messages, 2);
		total += b.cells[i].messages;
	}
	CU_ASSERT_EQUAL(total, 2 * n);
	record_batch_free(&b);
	windows_free(ws);
}

/* Saved and loaded state gives the same records as the original. */
static void test_save_load(void)
{
	struct windows *a = windows_new(60000), *b = windows_new(60000), *c = windows_new(30000);
	struct record_cell pass = cell(AR_PASS, SPAM_HAM), fail = cell(AR_FAIL, SPAM_SPAM);
	struct record_batch ba, bb;
	struct strbuf sb;
	struct deser d;

	record_batch_init(&ba);
	record_batch_init(&bb);
	strbuf_init(&sb, 1 << 20);
	windows_count(a, 1000, &pass);
	windows_count(a, 61000, &fail);
	windows_count(a, 61001, &fail);
	windows_health(a, 61000)->headers_untrusted = 3;
	CU_ASSERT_EQUAL_FATAL(windows_take(a, 60000, &ba), 1);
	windows_count(a, 2000, &pass); /* a correction */
	CU_ASSERT_EQUAL_FATAL(windows_save(a, &sb), 0);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(windows_load(b, &d), 0);
	CU_ASSERT_EQUAL(d.pos, sb.len);
	while (windows_take(a, INT64_MAX, &ba)) {
		CU_ASSERT_EQUAL_FATAL(windows_take(b, INT64_MAX, &bb), 1);
		CU_ASSERT_EQUAL(ba.window_start_ms, bb.window_start_ms);
		CU_ASSERT_EQUAL(ba.correction, bb.correction);
		CU_ASSERT_EQUAL_FATAL(ba.ncells, bb.ncells);
		CU_ASSERT_EQUAL(memcmp(ba.cells, bb.cells, ba.ncells * sizeof(*ba.cells)), 0);
		CU_ASSERT_EQUAL(memcmp(&ba.health, &bb.health, sizeof(ba.health)), 0);
	}
	CU_ASSERT_EQUAL(windows_take(b, INT64_MAX, &bb), 0);
	/* Another window length cannot continue this state; a cut copy is corrupt. */
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL(windows_load(c, &d), -1);
	deser_init(&d, sb.data, sb.len - 3);
	CU_ASSERT_EQUAL(windows_load(b, &d), -1);
	strbuf_release(&sb);
	record_batch_free(&ba);
	record_batch_free(&bb);
	windows_free(a);
	windows_free(b);
	windows_free(c);
}

/* A record that could not be stored: its window must stay, uncounted as
 * taken, until windows_drop; a late count for it then joins it, not a
 * correction. */
static void test_peek_then_drop(void)
{
	struct windows *ws = windows_new(60000);
	struct record_batch b;
	struct record_cell pass = cell(AR_PASS, SPAM_HAM);

	record_batch_init(&b);
	windows_count(ws, 120000, &pass);
	CU_ASSERT_EQUAL_FATAL(windows_peek(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.window_start_ms, 120000);
	CU_ASSERT_EQUAL(count_of(&b, AR_PASS, SPAM_HAM), 1);
	/* Not dropped: still there, and a late line is no correction. */
	windows_count(ws, 121000, &pass);
	CU_ASSERT_EQUAL_FATAL(windows_peek(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.correction, 0);
	CU_ASSERT_EQUAL(count_of(&b, AR_PASS, SPAM_HAM), 2);
	windows_drop(ws);
	CU_ASSERT_EQUAL(windows_peek(ws, INT64_MAX, &b), 0);
	/* Dropped: from now on a late line is a correction. */
	windows_count(ws, 122000, &pass);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.correction, 1);
	windows_drop(ws); /* nothing left: no effect */
	record_batch_free(&b);
	windows_free(ws);
}

static void test_health_of_current_window(void)
{
	struct windows *ws = windows_new(60000);
	struct record_batch b;
	struct record_health *h1, *h2;
	struct strbuf sb;
	struct deser d;

	record_batch_init(&b);
	h1 = windows_health(ws, 60000);
	h1->lines_read++;
	/* Every time of the window gives its counters, and only its. */
	CU_ASSERT_PTR_EQUAL(windows_health(ws, 60000), h1);
	CU_ASSERT_PTR_EQUAL(windows_health(ws, 119999), h1);
	h2 = windows_health(ws, 120000);
	CU_ASSERT_PTR_NOT_EQUAL(h2, h1);
	CU_ASSERT_PTR_EQUAL(windows_health(ws, 60000), h1);
	h2->lines_read += 2;
	/* Taken: a late line goes to a correction window, not to the old one. */
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, 120000, &b), 1);
	CU_ASSERT_EQUAL(b.health.lines_read, 1);
	windows_health(ws, 61000)->lines_read += 5;
	CU_ASSERT_PTR_EQUAL(windows_health(ws, 125000), h2);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, 120000, &b), 1);
	CU_ASSERT_EQUAL(b.correction, 1);
	CU_ASSERT_EQUAL(b.health.lines_read, 5);
	/* Taken while asked for last, then asked again: a correction too. */
	windows_health(ws, 125000)->lines_read++;
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.health.lines_read, 3);
	windows_health(ws, 125000)->lines_read++;
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.correction, 1);
	CU_ASSERT_EQUAL(b.health.lines_read, 1);
	/* A load replaces every window: the counters asked for after it are the loaded ones. */
	windows_health(ws, 300000)->lines_read = 7;
	strbuf_init(&sb, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(windows_save(ws, &sb), 0);
	windows_health(ws, 300000)->lines_read = 100;
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(windows_load(ws, &d), 0);
	CU_ASSERT_EQUAL(windows_health(ws, 300000)->lines_read, 7);
	strbuf_release(&sb);
	record_batch_free(&b);
	windows_free(ws);
}

/* Vouching, following: a quiet stretch read through is vouched for, by
 * whole windows whose end passed the clock by the grace; an interruption
 * (an input that could not be read, backpressure) or a restart ends the
 * stretch, and the time until the next one begins is never vouched for. */
static void test_vouch_follow(void)
{
	struct windows *ws = windows_new(60000);
	struct record_cell pass = cell(AR_PASS, SPAM_HAM);
	struct record_batch b;

	record_batch_init(&b);
	/* Started at 1,010,000: the window holding the start is not whole. */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1010000, 1010010, 30000, 1, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	/* Not every input at its end: nothing. */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1200000, 1200010, 30000, 1, 0), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	/* At the end: [1,020,000, floor(1,170,000)). */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1200000, 1200010, 30000, 1, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 120000);
	/* The next window's record carries it, once. */
	windows_count(ws, 1150000, &pass);
	CU_ASSERT_EQUAL_FATAL(windows_peek(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.vouch_start_ms, 1020000);
	CU_ASSERT_EQUAL(b.vouch_end_ms, 1140000);
	CU_ASSERT_FALSE(record_batch_vouch_only(&b));
	windows_drop(ws);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	windows_count(ws, 1210000, &pass);
	CU_ASSERT_EQUAL_FATAL(windows_take(ws, INT64_MAX, &b), 1);
	CU_ASSERT_EQUAL(b.vouch_start_ms, 0);
	CU_ASSERT_EQUAL(b.vouch_end_ms, 0);
	/* On from where the published span ended, not again. */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1400000, 1400010, 30000, 1, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 1320000 - 1140000);
	/* Interrupted, then a good round from 1,679,990 to 1,680,500 (its input
	 * appeared during the round): the stretch begins at the round's end,
	 * so the window from 1,680,000 is not whole. */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1500000, 1500010, 30000, 0, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1679990, 1680500, 30000, 1, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 1320000 - 1140000);
	/* The new stretch lies apart from the pending span: that goes first,
	 * on a record of its own. */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 2000000, 2000010, 30000, 1, 1), 1);
	CU_ASSERT_EQUAL_FATAL(windows_peek_vouch(ws, &b), 1);
	CU_ASSERT_EQUAL(b.ncells, 0);
	CU_ASSERT_EQUAL(b.correction, 0);
	CU_ASSERT_EQUAL(b.health.lines_read, 0);
	CU_ASSERT_EQUAL(b.vouch_start_ms, 1140000);
	CU_ASSERT_EQUAL(b.vouch_end_ms, 1320000);
	CU_ASSERT_EQUAL(b.window_start_ms, 1260000);
	CU_ASSERT_EQUAL(b.window_end_ms, 1320000);
	CU_ASSERT_TRUE(record_batch_vouch_only(&b));
	windows_drop_vouch(ws);
	CU_ASSERT_EQUAL(windows_peek_vouch(ws, &b), 0);
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 2000000, 2000010, 30000, 1, 1), 0);
	CU_ASSERT_EQUAL_FATAL(windows_peek_vouch(ws, &b), 1);
	/* [1,320,000, 1,740,000): the interruption, never vouched for. */
	CU_ASSERT_EQUAL(b.vouch_start_ms, 1740000);
	CU_ASSERT_EQUAL(b.vouch_end_ms, 1920000);
	windows_drop_vouch(ws);
	/* A clock set back vouches for nothing twice. */
	CU_ASSERT_EQUAL(windows_vouch_follow(ws, 1900000, 1900010, 30000, 1, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	record_batch_free(&b);
	windows_free(ws);
}

/* Vouching, backfill: from the window of the first line to that of the
 * last, growing as the lines are read; a second run starts from its own
 * first line, so what lies between two runs is not vouched for. */
static void test_vouch_backfill(void)
{
	int64_t h = 3600000;
	struct windows *ws = windows_new(h);
	struct record_batch b;
	struct strbuf sb;
	struct deser d;

	record_batch_init(&b);
	strbuf_init(&sb, 1 << 20);
	/* An input without a line yet: nothing. */
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, INT64_MIN, INT64_MIN, 30000, 0), 0);
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, 10 * h + 5, INT64_MIN, 30000, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	/* Reading on at 15:10: through 15:00. At the end: through 16:00. */
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, 10 * h + 1200000, 15 * h + 600000, 30000, 0), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 5 * h);
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, 10 * h + 1200000, 15 * h + 600000, 30000, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 6 * h);
	/* Saved and loaded (a restart): the pending span is still to go out. */
	CU_ASSERT_EQUAL_FATAL(windows_save(ws, &sb), 0);
	windows_free(ws);
	ws = windows_new(h);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(windows_load(ws, &d), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 6 * h);
	/* The next run's first line at 17:05: apart. */
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, 17 * h + 300000, 17 * h + 300000, 30000, 1), 1);
	CU_ASSERT_EQUAL_FATAL(windows_peek_vouch(ws, &b), 1);
	CU_ASSERT_EQUAL(b.vouch_start_ms, 10 * h);
	CU_ASSERT_EQUAL(b.vouch_end_ms, 16 * h);
	windows_drop_vouch(ws);
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, 17 * h + 300000, 17 * h + 300000, 30000, 1), 0);
	CU_ASSERT_EQUAL_FATAL(windows_peek_vouch(ws, &b), 1);
	CU_ASSERT_EQUAL(b.vouch_start_ms, 17 * h);
	CU_ASSERT_EQUAL(b.vouch_end_ms, 18 * h);
	windows_drop_vouch(ws);
	/* Published, saved and loaded: the same lines again vouch for nothing. */
	strbuf_reset(&sb);
	CU_ASSERT_EQUAL_FATAL(windows_save(ws, &sb), 0);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL_FATAL(windows_load(ws, &d), 0);
	CU_ASSERT_EQUAL(windows_vouch_backfill(ws, 17 * h + 300000, 17 * h + 300000, 30000, 1), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	/* Nothing before 1970: a record's span cannot say it. */
	CU_ASSERT_EQUAL(windows_vouch(ws, -2 * h, 20 * h), 0);
	CU_ASSERT_EQUAL_FATAL(windows_peek_vouch(ws, &b), 1);
	CU_ASSERT_EQUAL(b.vouch_start_ms, 18 * h);
	strbuf_release(&sb);
	record_batch_free(&b);
	windows_free(ws);
}

/* The vouch state in a checkpoint: none is written while there is none (the
 * earlier format), and a damaged one is refused. */
static void test_vouch_load(void)
{
	struct windows *ws = windows_new(60000);
	struct strbuf sb;
	struct deser d;
	size_t plain;

	strbuf_init(&sb, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(windows_save(ws, &sb), 0);
	plain = sb.len;
	CU_ASSERT_EQUAL(windows_vouch(ws, 120000, 240000), 0);
	strbuf_reset(&sb);
	CU_ASSERT_EQUAL_FATAL(windows_save(ws, &sb), 0);
	CU_ASSERT_EQUAL(sb.len, plain + 25);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL(windows_load(ws, &d), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 120000);
	/* Without the section: none pending. */
	deser_init(&d, sb.data, plain);
	CU_ASSERT_EQUAL(windows_load(ws, &d), 0);
	CU_ASSERT_EQUAL(windows_vouch_pending(ws), 0);
	/* Another tag, a cut section, an unaligned or reversed span. */
	sb.data[plain] = 'X';
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL(windows_load(ws, &d), -1);
	sb.data[plain] = 'V';
	deser_init(&d, sb.data, sb.len - 1);
	CU_ASSERT_EQUAL(windows_load(ws, &d), -1);
	sb.data[plain + 9] = 1; /* lo = 120001 */
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL(windows_load(ws, &d), -1);
	strbuf_reset(&sb);
	windows_free(ws);
	ws = windows_new(60000);
	CU_ASSERT_EQUAL_FATAL(windows_save(ws, &sb), 0);
	ser_u8(&sb, 'V');
	ser_i64(&sb, 240000);
	ser_i64(&sb, 180000); /* before what was published */
	ser_i64(&sb, 300000);
	deser_init(&d, sb.data, sb.len);
	CU_ASSERT_EQUAL(windows_load(ws, &d), -1);
	strbuf_release(&sb);
	windows_free(ws);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("windows", NULL, NULL);
	CU_add_test(s, "count and take", test_count_and_take);
	CU_add_test(s, "peek, then drop", test_peek_then_drop);
	CU_add_test(s, "out of order, negative times", test_out_of_order_and_negative);
	CU_add_test(s, "many cells", test_many_cells);
	CU_add_test(s, "save and load", test_save_load);
	CU_add_test(s, "health of the current window", test_health_of_current_window);
	CU_add_test(s, "vouching, following", test_vouch_follow);
	CU_add_test(s, "vouching, backfill", test_vouch_backfill);
	CU_add_test(s, "vouch state in a checkpoint", test_vouch_load);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
