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
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
