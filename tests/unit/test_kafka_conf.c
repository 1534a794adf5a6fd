/*
 * unit.kafka_conf - librdkafka settings: defaults then the operator's
 * kafka.* properties (which win); a secret property (sasl.password, ...)
 * refused as kafka.NAME, with a message pointing at kafka_file.NAME and
 * never holding the value; kafka_file.NAME read from a private file into
 * NAME; a group-readable file, a missing one and an unknown property
 * refused, naming the setting.
 */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka_conf.h"

static char dir[] = "/tmp/arstat-kafka_conf-XXXXXX";
static char path[256];

static void put(const char *data, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

/* The value of property name in conf, or "" if unset. */
static const char *get(rd_kafka_conf_t *conf, const char *name)
{
	static char buf[256];
	size_t size = sizeof(buf);

	if (rd_kafka_conf_get(conf, name, buf, &size) != RD_KAFKA_CONF_OK)
		return "";
	return buf;
}

static void test_defaults_then_props(void)
{
	static const char *const defaults[] = { "acks", "all", "linger.ms", "50", NULL };
	struct cfg_kv items[] = { { (char *)"linger.ms", (char *)"5" } };
	struct cfg_kvlist props = { items, 1 };
	struct strbuf err;
	rd_kafka_conf_t *conf;

	strbuf_init(&err, 1024);
	conf = kafka_conf_new(defaults, &props, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_STRING_EQUAL(get(conf, "linger.ms"), "5");
	CU_ASSERT_STRING_EQUAL(get(conf, "acks"), "-1");
	rd_kafka_conf_destroy(conf);
	strbuf_release(&err);
}

static void test_secret_props_refused(void)
{
	static const char *const names[] = { "sasl.password", "ssl.key.password",
		                             "ssl.keystore.password", "sasl.oauthbearer.client.secret" };
	struct cfg_kv item = { NULL, (char *)"hunter2" };
	struct cfg_kvlist props = { &item, 1 };
	struct strbuf err;
	char want[128];
	size_t i;

	strbuf_init(&err, 1024);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		item.name = (char *)names[i];
		strbuf_reset(&err);
		CU_ASSERT_PTR_NULL(kafka_conf_new(NULL, &props, NULL, &err));
		snprintf(want, sizeof(want), "kafka_file.%s = PATH", names[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.data, want));
		CU_ASSERT_PTR_NULL(strstr(err.data, "hunter2"));
	}
	CU_ASSERT(kafka_conf_secret("sasl.password"));
	CU_ASSERT(!kafka_conf_secret("sasl.username"));
	strbuf_release(&err);
}

static void test_files(void)
{
	struct cfg_kv item = { (char *)"sasl.password", path };
	struct cfg_kvlist files = { &item, 1 };
	struct strbuf err;
	rd_kafka_conf_t *conf;

	strbuf_init(&err, 1024);
	put("correct horse\n", 0600);
	conf = kafka_conf_new(NULL, NULL, &files, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_STRING_EQUAL(get(conf, "sasl.password"), "correct horse");
	rd_kafka_conf_destroy(conf);

	put("correct horse\n", 0640);
	CU_ASSERT_PTR_NULL(kafka_conf_new(NULL, NULL, &files, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "kafka_file.sasl.password: /"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "group or others"));
	CU_ASSERT_PTR_NULL(strstr(err.data, "horse"));

	strbuf_reset(&err);
	unlink(path);
	CU_ASSERT_PTR_NULL(kafka_conf_new(NULL, NULL, &files, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, path));

	strbuf_reset(&err);
	put("correct horse\n", 0600);
	item.name = (char *)"no.such.property";
	CU_ASSERT_PTR_NULL(kafka_conf_new(NULL, NULL, &files, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "kafka_file.no.such.property: "));
	CU_ASSERT_PTR_NULL(strstr(err.data, "horse"));
	unlink(path);
	strbuf_release(&err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/password", dir);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("kafka_conf", NULL, NULL);
	if (s == NULL || CU_add_test(s, "defaults then props", test_defaults_then_props) == NULL ||
	    CU_add_test(s, "secret props refused", test_secret_props_refused) == NULL ||
	    CU_add_test(s, "secrets from files", test_files) == NULL) {
		CU_cleanup_registry();
		return CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	unlink(path);
	if (rmdir(dir) < 0)
		return 1;
	return failed != 0;
}
