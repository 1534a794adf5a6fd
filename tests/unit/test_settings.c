/* unit.settings: the collector's configuration, and its refusals. */
#include <CUnit/Basic.h>
#include <string.h>

#include "settings.h"

/* Load with the given overrides on top of a valid minimum; 0 or -1. */
static int load(const char *extra1, const char *extra2, struct settings *s, struct strbuf *err)
{
	char *ov[5] = { "carrier=example", "trusted_authserv_ids=mx.example.jp", "state_dir=/nonexistent",
	                NULL, NULL };
	size_t n = 3;

	if (extra1 != NULL)
		ov[n++] = (char *)extra1;
	if (extra2 != NULL)
		ov[n++] = (char *)extra2;
	memset(s, 0, sizeof(*s));
	strbuf_reset(err);
	return settings_load(s, NULL, ov, n, err);
}

static void test_inputs(void)
{
	struct settings s;
	struct strbuf err;
	char longname[128];

	strbuf_init(&err, 4096);
	CU_ASSERT_EQUAL_FATAL(load("input=/var/log/mail.log", "input.rspamd=rspamd /var/log/r s.log",
	                           &s, &err), 0);
	CU_ASSERT_EQUAL_FATAL(s.ninputs, 2);
	CU_ASSERT_STRING_EQUAL(s.inputs[0].name, "main");
	CU_ASSERT_STRING_EQUAL(s.inputs[1].format, "rspamd");
	CU_ASSERT_STRING_EQUAL(s.inputs[1].path, "/var/log/r s.log"); /* the path is the rest */
	settings_free(&s);

	/* A name that would not fit the checkpoint, or with odd characters. */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "input.", 6);
	memcpy(longname + 6 + SETTINGS_INPUT_NAME_MAX + 1, "=syslog /x", 11);
	CU_ASSERT_EQUAL(load(longname, NULL, &s, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "the name must be"));
	settings_free(&s);
	CU_ASSERT_EQUAL(load("input.a/b=syslog /x", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("input.x=nosuchformat /x", NULL, &s, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a known format"));
	settings_free(&s);
	CU_ASSERT_EQUAL(load("input.x=syslog", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("input.x=syslog /a", "input.x=syslog /b", &s, &err), 0); /* replaced */
	CU_ASSERT_EQUAL(s.ninputs, 1);
	settings_free(&s);
	strbuf_release(&err);
}

static void test_refusals(void)
{
	struct settings s;
	struct strbuf err;

	strbuf_init(&err, 4096);
	CU_ASSERT_EQUAL(load("window_seconds=7", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("time_zone=Asia/Tokio", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("sink=file", NULL, &s, &err), -1); /* needs file_sink_dir */
	settings_free(&s);
	CU_ASSERT_EQUAL(load("spam_default=spam", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("no_such_setting=1", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("trusted_authserv_ids=, ,", NULL, &s, &err), -1);
	settings_free(&s);
	/* The carrier id by the aggregator's rule (record_carrier_check): a
	 * collector never publishes what the aggregator's register refuses. */
	CU_ASSERT_EQUAL(load("carrier==cmd|calc", NULL, &s, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "carrier id"));
	settings_free(&s);
	CU_ASSERT_EQUAL(load("carrier=Carrier-A", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("carrier=-a", NULL, &s, &err), -1);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("carrier=carrier-a.example_1", NULL, &s, &err), 0);
	settings_free(&s);
	CU_ASSERT_EQUAL(load("time_zone=UTC", "window_seconds=300", &s, &err), 0);
	CU_ASSERT_EQUAL(s.window_seconds, 300);
	settings_free(&s);
	strbuf_release(&err);
}

/* authres_header_names: vendor names, split like the trusted ids; the names
 * with forms of their own are refused. */
static void test_authres_names(void)
{
	struct settings s;
	struct strbuf err;

	strbuf_init(&err, 4096);
	CU_ASSERT_EQUAL_FATAL(load(NULL, NULL, &s, &err), 0);
	CU_ASSERT_EQUAL(s.nauthres_names, 0);
	settings_free(&s);
	CU_ASSERT_EQUAL_FATAL(load("authres_header_names=X-Authentication-Results, "
	                           "X-*-Authentication-Results", NULL, &s, &err), 0);
	CU_ASSERT_EQUAL_FATAL(s.nauthres_names, 2);
	CU_ASSERT_STRING_EQUAL(s.authres_names[1], "X-*-Authentication-Results");
	settings_free(&s);
	CU_ASSERT_EQUAL(load("authres_header_names=X-A-R,ARC-Authentication-Results", NULL, &s, &err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a vendor name"));
	settings_free(&s);
	CU_ASSERT_EQUAL(load("authres_header_names=received-spf", NULL, &s, &err), -1);
	settings_free(&s);
	strbuf_release(&err);
}

/* The journal as an input: the format, the identifiers, an empty list refused. */
static void test_journal(void)
{
	struct settings s;
	struct strbuf err;

	strbuf_init(&err, 4096);
	CU_ASSERT_EQUAL(load("input.mail=journal system", NULL, &s, &err), 0);
	CU_ASSERT_EQUAL_FATAL(s.ninputs, 1);
	CU_ASSERT_STRING_EQUAL(s.inputs[0].format, "journal");
	CU_ASSERT_STRING_EQUAL(s.inputs[0].path, "system");
	CU_ASSERT_PTR_NOT_NULL(strstr(s.journal_identifiers, "postfix*"));
	settings_free(&s);
	CU_ASSERT_EQUAL(load("input.mail=journal /var/log/journal", "journal_identifiers=postfix-out*",
	                     &s, &err), 0);
	CU_ASSERT_STRING_EQUAL(s.journal_identifiers, "postfix-out*");
	settings_free(&s);
	CU_ASSERT_EQUAL(load("input.mail=journal system", "journal_identifiers= , ", &s, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "journal_identifiers: empty"));
	settings_free(&s);
	/* An empty list is fine while no input reads the journal. */
	CU_ASSERT_EQUAL(load("input.mail=syslog /var/log/mail.log", "journal_identifiers=", &s, &err),
	                0);
	settings_free(&s);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("settings", NULL, NULL);
	CU_add_test(s, "inputs", test_inputs);
	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "authres_header_names", test_authres_names);
	CU_add_test(s, "journal", test_journal);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
