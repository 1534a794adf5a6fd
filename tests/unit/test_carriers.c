/*
 * unit.carriers: the register of carriers as the aggregator's settings
 * build it: ids restricted to [a-z0-9][a-z0-9._-]{0,62}, display names of
 * valid UTF-8 without control or bidi characters, topics bound per carrier
 * (the topic setting by default), and every malformed entry refused with a
 * message naming it.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "carriers.h"
#include "record_batch.h"
#include "settings.h"

/* settings_load + settings_finish with db set and the given overrides
 * (NULL-terminated); 0 or -1 with err. */
static int load(struct settings *s, struct strbuf *err, const char *const *ov)
{
	char *all[32];
	size_t n = 0;

	all[n++] = "db=/nonexistent/agg.db";
	while (*ov != NULL && n < 32)
		all[n++] = (char *)*ov++;
	memset(s, 0, sizeof(*s));
	strbuf_reset(err);
	if (settings_load(s, NULL, all, n, err) < 0)
		return -1;
	return settings_finish(s, err);
}

/* Does loading ov fail with a message containing want? */
static int refused(const char *const *ov, const char *want)
{
	struct settings s;
	struct strbuf err;
	int ok;

	strbuf_init(&err, 4096);
	ok = load(&s, &err, ov) < 0 && err.data != NULL && strstr(err.data, want) != NULL;
	if (!ok)
		fprintf(stderr, "expected \"%s\", got \"%s\"\n", want,
		        err.data != NULL ? err.data : "(success)");
	settings_free(&s);
	strbuf_release(&err);
	return ok;
}

static void test_register(void)
{
	static const char *const ov[] = {
		"topic=arstat.shared",
		"carrier.jp-b.name=\xE6\xA0\xAA\xE5\xBC\x8F\xE4\xBC\x9A\xE7\xA4\xBE B", /* 株式会社 B */
		"carrier.jp-a.topics=counts.jp-a, counts.jp-a2",
		"carrier.jp-a.name=Carrier A",
		"carrier.jp-a.principal=User:jp-a",
		"carrier.0.x_y-z.name=Digits first",
		NULL,
	};
	const struct carrier *a, *b;
	const char *const *topics;
	struct settings s;
	struct strbuf err;

	strbuf_init(&err, 4096);
	CU_ASSERT_EQUAL_FATAL(load(&s, &err, ov), 0);
	CU_ASSERT_EQUAL(carriers_count(s.carriers), 3);
	/* Sorted by id. */
	CU_ASSERT_STRING_EQUAL(carriers_at(s.carriers, 0)->id, "0.x_y-z");
	CU_ASSERT_STRING_EQUAL(carriers_at(s.carriers, 1)->id, "jp-a");
	a = carriers_find(s.carriers, "jp-a");
	b = carriers_find(s.carriers, "jp-b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NULL(carriers_find(s.carriers, "jp-c"));
	CU_ASSERT_PTR_NULL(carriers_find(s.carriers, "JP-A"));
	CU_ASSERT_PTR_NULL(carriers_find(s.carriers, ""));
	CU_ASSERT_STRING_EQUAL(a->name, "Carrier A");
	CU_ASSERT_STRING_EQUAL(a->principal, "User:jp-a");
	CU_ASSERT_PTR_NULL(b->principal);
	/* Blanks around a topic are trimmed; the default is the topic setting. */
	CU_ASSERT_TRUE(carrier_has_topic(a, "counts.jp-a"));
	CU_ASSERT_TRUE(carrier_has_topic(a, "counts.jp-a2"));
	CU_ASSERT_FALSE(carrier_has_topic(a, "arstat.shared"));
	CU_ASSERT_TRUE(carrier_has_topic(b, "arstat.shared"));
	CU_ASSERT_FALSE(carrier_has_topic(b, "counts.jp-a"));
	/* Every topic once, sorted: what ingest subscribes to. */
	CU_ASSERT_EQUAL_FATAL(carriers_topics(s.carriers, &topics), 3);
	CU_ASSERT_STRING_EQUAL(topics[0], "arstat.shared");
	CU_ASSERT_STRING_EQUAL(topics[1], "counts.jp-a");
	CU_ASSERT_STRING_EQUAL(topics[2], "counts.jp-a2");
	settings_free(&s);
	strbuf_release(&err);
}

static void test_refusals(void)
{
	static const char *const none[] = { NULL };
	static const char *const upper[] = { "carrier.JP.name=X", NULL };
	static const char *const dash_first[] = { "carrier.-a.name=X", NULL };
	static const char *const formula[] = { "carrier.@sum.name=X", NULL };
	static const char *const blank[] = { "carrier.a b.name=X", NULL };
	static const char *const slash[] = { "carrier.a/b.name=X", NULL };
	static const char *const utf8_id[] = { "carrier.\xC3\xA9.name=X", NULL };
	static const char *const too_long[] = {
		"carrier.a123456789012345678901234567890123456789012345678901234567890123.name=X", NULL
	};
	static const char *const no_attr[] = { "carrier.a=X", NULL };
	static const char *const bad_attr[] = { "carrier.a.nmae=X", NULL };
	static const char *const no_name[] = { "carrier.a.topics=t", NULL };
	static const char *const empty_name[] = { "carrier.a.name=", NULL };
	static const char *const bad_utf8[] = { "carrier.a.name=A\xC3", NULL };
	static const char *const overlong[] = { "carrier.a.name=\xC0\xBD", NULL };
	static const char *const rlo[] = { "carrier.a.name=abc\xE2\x80\xAEtxt.exe", NULL };
	static const char *const lri[] = { "carrier.a.name=\xE2\x81\xA6x", NULL };
	static const char *const lrm[] = { "carrier.a.name=x\xE2\x80\x8E", NULL };
	static const char *const alm[] = { "carrier.a.name=x\xD8\x9C", NULL };
	static const char *const tab[] = { "carrier.a.name=x\ty", NULL };
	static const char *const c1[] = { "carrier.a.name=x\xC2\x85y", NULL };
	static const char *const bad_topic[] = { "carrier.a.name=A", "carrier.a.topics=t,u v", NULL };
	static const char *const empty_topic[] = { "carrier.a.name=A", "carrier.a.topics=t,", NULL };
	static const char *const dot_topic[] = { "carrier.a.name=A", "carrier.a.topics=..", NULL };
	static const char *const bad_principal[] = { "carrier.a.name=A", "carrier.a.principal=User: x",
		                                     NULL };

	CU_ASSERT_TRUE(refused(none, "no carrier registered"));
	CU_ASSERT_TRUE(refused(upper, "carrier.JP.name: carrier id \"JP\": byte 1 is not a-z or 0-9"));
	CU_ASSERT_TRUE(refused(dash_first, "byte 1 is not a-z or 0-9"));
	CU_ASSERT_TRUE(refused(formula, "byte 1 is not a-z or 0-9"));
	CU_ASSERT_TRUE(refused(blank, "byte 2 is not a-z, 0-9"));
	CU_ASSERT_TRUE(refused(slash, "byte 2 is not a-z, 0-9"));
	CU_ASSERT_TRUE(refused(utf8_id, "byte 1 is not"));
	CU_ASSERT_TRUE(refused(too_long, "carrier id of 64 bytes: from 1 to 63"));
	CU_ASSERT_TRUE(refused(no_attr, "carrier.a: expected carrier.ID.name"));
	CU_ASSERT_TRUE(refused(bad_attr, "unknown attribute \"nmae\""));
	CU_ASSERT_TRUE(refused(no_name, "carrier.a.name is not set"));
	CU_ASSERT_TRUE(refused(empty_name, "display name of 0 bytes"));
	CU_ASSERT_TRUE(refused(bad_utf8, "byte 2 is not valid UTF-8"));
	CU_ASSERT_TRUE(refused(overlong, "byte 1 is not valid UTF-8"));
	CU_ASSERT_TRUE(refused(rlo, "U+202E at byte 4 is a control or bidirectional"));
	CU_ASSERT_TRUE(refused(lri, "U+2066"));
	CU_ASSERT_TRUE(refused(lrm, "U+200E"));
	CU_ASSERT_TRUE(refused(alm, "U+061C"));
	CU_ASSERT_TRUE(refused(tab, "U+0009"));
	CU_ASSERT_TRUE(refused(c1, "U+0085"));
	CU_ASSERT_TRUE(refused(bad_topic, "carrier.a.topics: topic \"u v\" is not a Kafka topic"));
	CU_ASSERT_TRUE(refused(empty_topic, "topic \"\" is not"));
	CU_ASSERT_TRUE(refused(dot_topic, "topic \"..\" is not"));
	CU_ASSERT_TRUE(refused(bad_principal, "carrier.a.principal: not a principal"));
}

/* The checks on their own, at their bounds. */
static void test_checks(void)
{
	struct strbuf err;
	char name[CARRIERS_NAME_MAX + 2];

	strbuf_init(&err, 1024);
	CU_ASSERT_EQUAL(record_carrier_check("a", &err), 0);
	CU_ASSERT_EQUAL(record_carrier_check("9", &err), 0);
	CU_ASSERT_EQUAL(record_carrier_check("carrier-01", &err), 0);
	CU_ASSERT_EQUAL(record_carrier_check("carrier.example.jp", &err), 0);
	CU_ASSERT_EQUAL(record_carrier_check("a12345678901234567890123456789012345678901234567890123456789012",
	                                  &err), 0);
	CU_ASSERT_EQUAL(record_carrier_check("", &err), -1);
	CU_ASSERT_EQUAL(record_carrier_check("+1+1", &err), -1);
	CU_ASSERT_EQUAL(record_carrier_check("@sum", &err), -1);
	CU_ASSERT_EQUAL(record_carrier_check("_a", &err), -1);
	CU_ASSERT_EQUAL(record_carrier_check("a,b", &err), -1);
	CU_ASSERT_EQUAL(record_carrier_check("a\"b", &err), -1);
	memset(name, 'x', sizeof(name));
	name[CARRIERS_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(carriers_check_name(name, &err), 0);
	name[CARRIERS_NAME_MAX] = 'x';
	name[CARRIERS_NAME_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(carriers_check_name(name, &err), -1);
	/* A name may look like a formula: the CSV writer neutralises it. */
	CU_ASSERT_EQUAL(carriers_check_name("=cmd|' /C calc'!A0", &err), 0);
	CU_ASSERT_EQUAL(carriers_check_name("Carrier \xE2\x80\x8D Zero-width joiner", &err), 0);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("carriers", NULL, NULL);
	if (s == NULL || CU_add_test(s, "a register from settings", test_register) == NULL ||
	    CU_add_test(s, "malformed entries refused", test_refusals) == NULL ||
	    CU_add_test(s, "id and name checks", test_checks) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
