/*
 * unit.htable - the string-keyed hash table: thousands of inserts, finds and
 * removes; keys that differ only after an embedded NUL; a walk that visits
 * each entry once; and htable_free calling the value destructor (run under
 * ASan or valgrind, a value it missed shows as a leak).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htable.h"

#define NKEYS 5000

static size_t make_key(char *buf, size_t size, size_t i)
{
	int n = snprintf(buf, size, "Q%zuID%zx", i, i * 2654435761u);

	return (size_t)n;
}

static void test_many(void)
{
	struct htable *t = htable_new(0);
	char key[64];
	size_t i, len;

	CU_ASSERT_EQUAL(htable_count(t), 0);
	CU_ASSERT_PTR_NULL(htable_find(t, "x", 1));
	CU_ASSERT_PTR_NULL(htable_remove(t, "x", 1));
	/* Values are the index + 1 as a pointer: no allocation needed to tell them apart. */
	for (i = 0; i < NKEYS; i++) {
		len = make_key(key, sizeof(key), i);
		htable_insert(t, key, len, (void *)(uintptr_t)(i + 1));
		CU_ASSERT_EQUAL(htable_count(t), i + 1);
	}
	for (i = 0; i < NKEYS; i++) {
		len = make_key(key, sizeof(key), i);
		CU_ASSERT_EQUAL(htable_find(t, key, len), (void *)(uintptr_t)(i + 1));
		/* A prefix of a key or a key with one more byte is a different key. */
		CU_ASSERT_PTR_NULL(htable_find(t, key, len - 1));
		key[len] = 'x';
		CU_ASSERT_PTR_NULL(htable_find(t, key, len + 1));
	}
	/* Remove every odd key, then check both halves. */
	for (i = 1; i < NKEYS; i += 2) {
		len = make_key(key, sizeof(key), i);
		CU_ASSERT_EQUAL(htable_remove(t, key, len), (void *)(uintptr_t)(i + 1));
		CU_ASSERT_PTR_NULL(htable_remove(t, key, len));
	}
	CU_ASSERT_EQUAL(htable_count(t), NKEYS / 2);
	for (i = 0; i < NKEYS; i++) {
		len = make_key(key, sizeof(key), i);
		if (i % 2) {
			CU_ASSERT_PTR_NULL(htable_find(t, key, len));
		} else {
			CU_ASSERT_EQUAL(htable_find(t, key, len), (void *)(uintptr_t)(i + 1));
		}
	}
	/* Removed keys may be inserted again, with new values. */
	for (i = 1; i < NKEYS; i += 2) {
		len = make_key(key, sizeof(key), i);
		htable_insert(t, key, len, (void *)(uintptr_t)(i + 100000));
	}
	CU_ASSERT_EQUAL(htable_count(t), NKEYS);
	for (i = 1; i < NKEYS; i += 2) {
		len = make_key(key, sizeof(key), i);
		CU_ASSERT_EQUAL(htable_find(t, key, len), (void *)(uintptr_t)(i + 100000));
	}
	/* Remove all. */
	for (i = 0; i < NKEYS; i++) {
		len = make_key(key, sizeof(key), i);
		CU_ASSERT_PTR_NOT_NULL(htable_remove(t, key, len));
	}
	CU_ASSERT_EQUAL(htable_count(t), 0);
	htable_free(t, NULL);
	htable_free(NULL, NULL);
}

static void test_embedded_nul(void)
{
	/* Keys that agree up to a NUL and differ after it must stay apart. */
	static const char k1[] = { 'a', 'b', '\0', 'c' };
	static const char k2[] = { 'a', 'b', '\0', 'd' };
	static const char k3[] = { 'a', 'b', '\0' };
	static const char k4[] = { '\0' };
	static const char k5[] = { '\0', '\0' };
	struct htable *t = htable_new(4);
	int v1, v2, v3, v4, v5, v6;

	htable_insert(t, k1, sizeof(k1), &v1);
	htable_insert(t, k2, sizeof(k2), &v2);
	htable_insert(t, k3, sizeof(k3), &v3);
	htable_insert(t, "ab", 2, &v4);
	htable_insert(t, k4, sizeof(k4), &v5);
	htable_insert(t, k5, sizeof(k5), &v6);
	CU_ASSERT_EQUAL(htable_count(t), 6);
	CU_ASSERT_PTR_EQUAL(htable_find(t, k1, sizeof(k1)), &v1);
	CU_ASSERT_PTR_EQUAL(htable_find(t, k2, sizeof(k2)), &v2);
	CU_ASSERT_PTR_EQUAL(htable_find(t, k3, sizeof(k3)), &v3);
	CU_ASSERT_PTR_EQUAL(htable_find(t, "ab", 2), &v4);
	CU_ASSERT_PTR_EQUAL(htable_find(t, k4, sizeof(k4)), &v5);
	CU_ASSERT_PTR_EQUAL(htable_find(t, k5, sizeof(k5)), &v6);
	CU_ASSERT_PTR_NULL(htable_find(t, "", 0));
	CU_ASSERT_PTR_EQUAL(htable_remove(t, k2, sizeof(k2)), &v2);
	CU_ASSERT_PTR_NULL(htable_find(t, k2, sizeof(k2)));
	CU_ASSERT_PTR_EQUAL(htable_find(t, k1, sizeof(k1)), &v1);
	CU_ASSERT_EQUAL(htable_count(t), 5);
	/* The empty key is a key like any other. */
	htable_insert(t, "", 0, &v2);
	CU_ASSERT_PTR_EQUAL(htable_find(t, "", 0), &v2);
	htable_free(t, NULL);
}

struct walk_state {
	unsigned char *seen;
	size_t calls;
	int bad;
};

static void walk_fn(const char *key, void *value, void *arg)
{
	struct walk_state *w = arg;
	size_t i = (size_t)(uintptr_t)value - 1;
	char want[64];

	w->calls++;
	if (i >= NKEYS) {
		w->bad++;
		return;
	}
	make_key(want, sizeof(want), i);
	if (strcmp(key, want) != 0)
		w->bad++;
	w->seen[i]++;
}

static void test_walk(void)
{
	struct htable *t = htable_new(NKEYS);
	struct walk_state w = { NULL, 0, 0 };
	char key[64];
	size_t i;

	w.seen = calloc(NKEYS, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.seen);
	for (i = 0; i < NKEYS; i++)
		htable_insert(t, key, make_key(key, sizeof(key), i), (void *)(uintptr_t)(i + 1));
	htable_walk(t, walk_fn, &w);
	CU_ASSERT_EQUAL(w.calls, NKEYS);
	CU_ASSERT_EQUAL(w.bad, 0);
	for (i = 0; i < NKEYS; i++)
		CU_ASSERT_EQUAL(w.seen[i], 1);
	/* An empty table is walked without a call. */
	{
		struct htable *e = htable_new(0);

		w.calls = 0;
		htable_walk(e, walk_fn, &w);
		CU_ASSERT_EQUAL(w.calls, 0);
		htable_free(e, NULL);
	}
	free(w.seen);
	htable_free(t, NULL);
}

static size_t freed;

static void count_free(void *p)
{
	freed++;
	free(p);
}

static void test_free_values(void)
{
	struct htable *t = htable_new(16);
	char key[64];
	size_t i;

	freed = 0;
	for (i = 0; i < NKEYS; i++) {
		size_t len = make_key(key, sizeof(key), i);
		char *v = malloc(len + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		memcpy(v, key, len + 1);
		htable_insert(t, key, len, v);
	}
	/* A removed value is the caller's again, and htable_free must not see it. */
	{
		size_t len = make_key(key, sizeof(key), 7);
		char *v = htable_remove(t, key, len);

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_STRING_EQUAL(v, key);
		free(v);
	}
	htable_free(t, count_free);
	CU_ASSERT_EQUAL(freed, NKEYS - 1);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("htable", NULL, NULL);
	if (s == NULL || CU_add_test(s, "thousands of keys", test_many) == NULL ||
	    CU_add_test(s, "keys with embedded NUL", test_embedded_nul) == NULL ||
	    CU_add_test(s, "walk visits each entry once", test_walk) == NULL ||
	    CU_add_test(s, "free with value destructor", test_free_values) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
