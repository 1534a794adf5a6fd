/*
 * unit.mem - xgrow: an array grown one element at a time, or to a need
 * several times its size, keeps what it held, starts at `first` and doubles
 * only when full; xstrndup copies at most n bytes.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static void test_grow_one_at_a_time(void)
{
	int *v = NULL;
	size_t n, alloc = 0;

	for (n = 0; n < 1000; n++) {
		int *before = v;
		size_t had = alloc;

		v = xgrow(v, n + 1, &alloc, sizeof(*v), 64);
		if (n < had) {
			CU_ASSERT_PTR_EQUAL(v, before);
			CU_ASSERT_EQUAL(alloc, had);
		} else {
			CU_ASSERT_EQUAL(alloc, had == 0 ? 64 : 2 * had);
		}
		v[n] = (int)n * 7;
	}
	for (n = 0; n < 1000; n++)
		CU_ASSERT_EQUAL(v[n], (int)n * 7);
	CU_ASSERT_EQUAL(alloc, 1024);
	free(v);
}

static void test_grow_to_need(void)
{
	char *v = NULL;
	size_t alloc = 0;

	/* Nothing needed, nothing allocated. */
	v = xgrow(v, 0, &alloc, 1, 16);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_EQUAL(alloc, 0);
	/* A need past `first` doubles until it fits. */
	v = xgrow(v, 100, &alloc, 1, 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(alloc, 128);
	memset(v, 'x', 100);
	v = xgrow(v, 128, &alloc, 1, 16);
	CU_ASSERT_EQUAL(alloc, 128);
	v = xgrow(v, 129, &alloc, 1, 16);
	CU_ASSERT_EQUAL(alloc, 256);
	CU_ASSERT_EQUAL(v[0], 'x');
	CU_ASSERT_EQUAL(v[99], 'x');
	free(v);
}

static void test_strndup(void)
{
	char *s = xstrndup("abcdef", 3);

	CU_ASSERT_STRING_EQUAL(s, "abc");
	free(s);
	s = xstrndup("ab", 10);
	CU_ASSERT_STRING_EQUAL(s, "ab");
	free(s);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("mem", NULL, NULL);
	if (s == NULL || CU_add_test(s, "xgrow one at a time", test_grow_one_at_a_time) == NULL ||
	    CU_add_test(s, "xgrow to a need", test_grow_to_need) == NULL ||
	    CU_add_test(s, "xstrndup", test_strndup) == NULL) {
		CU_cleanup_registry();
		return CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed != 0;
}
