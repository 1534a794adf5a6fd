/*
 * unit.config - the table-driven configuration: defaults, files with comments
 * and blank lines, errors that name file and line, integer ranges, the bool
 * spellings, CFG_PREFIX lists, the line length limit and NUL bytes.
 */
#include <CUnit/Basic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "strbuf.h"

struct conf {
	int64_t port;
	int64_t offset;
	int verbose;
	int tls;
	char *name;
	char *topic;
	struct cfg_kvlist kafka;
};

static const struct cfg_entry table[] = {
	{ "port", CFG_INT, "25", 1, 65535, offsetof(struct conf, port), "port" },
	{ "offset", CFG_INT, "-3", -10, 10, offsetof(struct conf, offset), "offset" },
	{ "verbose", CFG_BOOL, "no", 0, 0, offsetof(struct conf, verbose), "verbose" },
	{ "tls", CFG_BOOL, "yes", 0, 0, offsetof(struct conf, tls), "tls" },
	{ "name", CFG_STR, "arstat", 0, 0, offsetof(struct conf, name), "name" },
	/* An exact name under the prefix wins over the prefix. */
	{ "kafka.topic", CFG_STR, NULL, 0, 0, offsetof(struct conf, topic), "topic" },
	{ "kafka.", CFG_PREFIX, NULL, 0, 0, offsetof(struct conf, kafka), "librdkafka" },
	CFG_END,
};

/* The same line limit config.c applies. */
#define LINE_MAX_BYTES 4096

static char tmp_path[4096];

/* Write `len` bytes to a new temporary file; its name goes to tmp_path. */
static void write_tmp(const char *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(tmp_path, sizeof(tmp_path), "%s/test_config.XXXXXX", dir);
	fd = mkstemp(tmp_path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
	CU_ASSERT_FATAL(close(fd) == 0);
}

/* Load text[0..len) as a config file into c (already defaulted); returns
 * cfg_load_file's result. */
static int load_bytes(struct conf *c, const char *text, size_t len, struct strbuf *err)
{
	int rc;

	write_tmp(text, len);
	strbuf_reset(err);
	rc = cfg_load_file(table, c, tmp_path, err);
	unlink(tmp_path);
	return rc;
}

static int load_text(struct conf *c, const char *text, struct strbuf *err)
{
	return load_bytes(c, text, strlen(text), err);
}

static void fresh(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	cfg_defaults(table, c);
}

static void test_defaults(void)
{
	struct conf c;
	struct strbuf err;

	strbuf_init(&err, 1024);
	fresh(&c);
	CU_ASSERT_EQUAL(c.port, 25);
	CU_ASSERT_EQUAL(c.offset, -3);
	CU_ASSERT_EQUAL(c.verbose, 0);
	CU_ASSERT_EQUAL(c.tls, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.name);
	CU_ASSERT_STRING_EQUAL(c.name, "arstat");
	CU_ASSERT_PTR_NULL(c.topic);
	CU_ASSERT_EQUAL(c.kafka.n, 0);
	/* Defaults again put back what cfg_set changed, and free what it held (ASan checks). */
	CU_ASSERT_EQUAL(cfg_set(table, &c, "name", "other", &err), 0);
	CU_ASSERT_EQUAL(cfg_set(table, &c, "kafka.topic", "t", &err), 0);
	CU_ASSERT_EQUAL(cfg_set(table, &c, "kafka.acks", "all", &err), 0);
	CU_ASSERT_EQUAL(cfg_set(table, &c, "port", "587", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "other");
	CU_ASSERT_EQUAL(c.port, 587);
	cfg_defaults(table, &c);
	CU_ASSERT_STRING_EQUAL(c.name, "arstat");
	CU_ASSERT_PTR_NULL(c.topic);
	CU_ASSERT_EQUAL(c.kafka.n, 0);
	CU_ASSERT_EQUAL(c.port, 25);
	cfg_free(table, &c);
	CU_ASSERT_PTR_NULL(c.name);
	CU_ASSERT_PTR_NULL(c.kafka.items);
	strbuf_release(&err);
}

static void test_file(void)
{
	struct conf c;
	struct strbuf err;

	strbuf_init(&err, 1024);
	fresh(&c);
	CU_ASSERT_EQUAL_FATAL(load_text(&c,
	                                "# arstat test configuration\n"
	                                "\n"
	                                "   \n"
	                                "\t# indented comment\n"
	                                "port = 2525\n"
	                                "  offset\t=\t-10  \n"
	                                "verbose=yes\n"
	                                "name =  mail relay = one  \r\n"
	                                "\n"
	                                "kafka.topic = reports\n",
	                                &err),
	                      0);
	CU_ASSERT_EQUAL(err.len, 0);
	CU_ASSERT_EQUAL(c.port, 2525);
	CU_ASSERT_EQUAL(c.offset, -10);
	CU_ASSERT_EQUAL(c.verbose, 1);
	CU_ASSERT_EQUAL(c.tls, 1); /* untouched default */
	/* The value runs from after the first '=' and is trimmed at both ends. */
	CU_ASSERT_STRING_EQUAL(c.name, "mail relay = one");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.topic);
	CU_ASSERT_STRING_EQUAL(c.topic, "reports");
	CU_ASSERT_EQUAL(c.kafka.n, 0);
	/* A second file applies on top of the first. */
	CU_ASSERT_EQUAL(load_text(&c, "tls = off\n", &err), 0);
	CU_ASSERT_EQUAL(c.tls, 0);
	CU_ASSERT_EQUAL(c.port, 2525);
	/* An empty file and a file without a final newline. */
	CU_ASSERT_EQUAL(load_text(&c, "", &err), 0);
	CU_ASSERT_EQUAL(load_text(&c, "port = 465", &err), 0);
	CU_ASSERT_EQUAL(c.port, 465);
	cfg_free(table, &c);
	strbuf_release(&err);
}

static void test_unknown_name(void)
{
	struct conf c;
	struct strbuf err, want;

	strbuf_init(&err, 1024);
	strbuf_init(&want, 8192);
	fresh(&c);
	CU_ASSERT_EQUAL(load_text(&c, "# comment\nport = 26\n\nbogus = 1\nport = 27\n", &err), -1);
	strbuf_printf(&want, "%s:4: unknown setting \"bogus\"", tmp_path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err.data);
	CU_ASSERT_STRING_EQUAL(err.data, want.data);
	/* Loading stops at the error: line 2 was applied, line 5 was not. */
	CU_ASSERT_EQUAL(c.port, 26);
	/* The bare prefix is not a name, and a near miss is not a match. */
	CU_ASSERT_EQUAL(load_text(&c, "kafka. = x\n", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, ":1: unknown setting \"kafka.\""));
	CU_ASSERT_EQUAL(load_text(&c, "kafka = x\n", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, ":1: unknown setting \"kafka\""));
	CU_ASSERT_EQUAL(load_text(&c, "Port = 1\n", &err), -1);
	CU_ASSERT_EQUAL(load_text(&c, "port\n", &err), -1);
	strbuf_reset(&want);
	strbuf_printf(&want, "%s:1: expected \"name = value\"", tmp_path);
	CU_ASSERT_STRING_EQUAL(err.data, want.data);
	CU_ASSERT_EQUAL(c.kafka.n, 0);
	/* cfg_set reports an unknown name without file or line. */
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(cfg_set(table, &c, "nope", "1", &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "unknown setting \"nope\"");
	/* A missing file is an error naming it. */
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(cfg_load_file(table, &c, "/nonexistent/arstat.conf", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "/nonexistent/arstat.conf: "));
	cfg_free(table, &c);
	strbuf_release(&err);
	strbuf_release(&want);
}

static void test_int_range(void)
{
	struct conf c;
	struct strbuf err, want;

	strbuf_init(&err, 1024);
	strbuf_init(&want, 8192);
	fresh(&c);
	CU_ASSERT_EQUAL(load_text(&c, "port = 1\noffset = 10\n", &err), 0);
	CU_ASSERT_EQUAL(c.port, 1);
	CU_ASSERT_EQUAL(c.offset, 10);
	CU_ASSERT_EQUAL(load_text(&c, "port = 65535\noffset = -10\n", &err), 0);
	CU_ASSERT_EQUAL(c.port, 65535);
	CU_ASSERT_EQUAL(c.offset, -10);

	CU_ASSERT_EQUAL(load_text(&c, "\nport = 65536\n", &err), -1);
	strbuf_printf(&want, "%s:2: port: \"65536\" is not an integer in [1, 65535]", tmp_path);
	CU_ASSERT_STRING_EQUAL(err.data, want.data);
	CU_ASSERT_EQUAL(c.port, 65535); /* unchanged */
	CU_ASSERT_EQUAL(load_text(&c, "port = 0\n", &err), -1);
	CU_ASSERT_EQUAL(load_text(&c, "offset = -11\n", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, ":1: offset: \"-11\" is not an integer in [-10, 10]"));
	CU_ASSERT_EQUAL(load_text(&c, "offset = 11\n", &err), -1);
	CU_ASSERT_EQUAL(load_text(&c, "port = 25x\n", &err), -1);
	CU_ASSERT_EQUAL(load_text(&c, "port = \n", &err), -1);
	CU_ASSERT_EQUAL(load_text(&c, "port = 99999999999999999999\n", &err), -1);
	CU_ASSERT_EQUAL(c.port, 65535);
	CU_ASSERT_EQUAL(c.offset, -10);
	cfg_free(table, &c);
	strbuf_release(&err);
	strbuf_release(&want);
}

static void test_bool(void)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	static const char *const bad[] = { "", "2", "y", "n", "yess", "maybe", "-1", "onn" };
	struct conf c;
	struct strbuf err;
	size_t i;

	strbuf_init(&err, 1024);
	fresh(&c);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(cfg_set(table, &c, "verbose", yes[i], &err), 0);
		CU_ASSERT_EQUAL(c.verbose, 1);
		CU_ASSERT_EQUAL(cfg_set(table, &c, "verbose", no[i], &err), 0);
		CU_ASSERT_EQUAL(c.verbose, 0);
	}
	CU_ASSERT_EQUAL(err.len, 0);
	c.verbose = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		CU_ASSERT_EQUAL(cfg_set(table, &c, "verbose", bad[i], &err), -1);
		CU_ASSERT_EQUAL(c.verbose, 1);
		CU_ASSERT(err.len > 0);
	}
	CU_ASSERT_EQUAL(load_text(&c, "verbose = off\ntls = false\n", &err), 0);
	CU_ASSERT_EQUAL(c.verbose, 0);
	CU_ASSERT_EQUAL(c.tls, 0);
	CU_ASSERT_EQUAL(load_text(&c, "tls = true\nverbose = sometimes\n", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, ":2: verbose: \"sometimes\" is not yes or no"));
	CU_ASSERT_EQUAL(c.tls, 1);
	CU_ASSERT_EQUAL(c.verbose, 0);
	cfg_free(table, &c);
	strbuf_release(&err);
}

static void test_prefix(void)
{
	struct conf c;
	struct strbuf err;

	strbuf_init(&err, 1024);
	fresh(&c);
	CU_ASSERT_EQUAL_FATAL(load_text(&c,
	                                "kafka.bootstrap.servers = a:9092\n"
	                                "kafka.acks = all\n"
	                                "# later lines replace, in place\n"
	                                "kafka.bootstrap.servers = b:9092,c:9092\n"
	                                "kafka.topic = counts\n"
	                                "kafka.compression.type = zstd\n",
	                                &err),
	                      0);
	CU_ASSERT_EQUAL_FATAL(c.kafka.n, 3);
	CU_ASSERT_STRING_EQUAL(c.kafka.items[0].name, "bootstrap.servers");
	CU_ASSERT_STRING_EQUAL(c.kafka.items[0].value, "b:9092,c:9092");
	CU_ASSERT_STRING_EQUAL(c.kafka.items[1].name, "acks");
	CU_ASSERT_STRING_EQUAL(c.kafka.items[1].value, "all");
	CU_ASSERT_STRING_EQUAL(c.kafka.items[2].name, "compression.type");
	CU_ASSERT_STRING_EQUAL(c.kafka.items[2].value, "zstd");
	/* kafka.topic has its own entry, so it did not land in the list. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.topic);
	CU_ASSERT_STRING_EQUAL(c.topic, "counts");
	/* Many settings keep their order. */
	{
		char name[32], value[32];
		size_t i;

		for (i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "kafka.k%zu", i);
			snprintf(value, sizeof(value), "v%zu", i);
			CU_ASSERT_EQUAL(cfg_set(table, &c, name, value, &err), 0);
		}
		CU_ASSERT_EQUAL_FATAL(c.kafka.n, 103);
		for (i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "k%zu", i);
			snprintf(value, sizeof(value), "v%zu", i);
			CU_ASSERT_STRING_EQUAL(c.kafka.items[3 + i].name, name);
			CU_ASSERT_STRING_EQUAL(c.kafka.items[3 + i].value, value);
		}
	}
	cfg_free(table, &c);
	CU_ASSERT_EQUAL(c.kafka.n, 0);
	CU_ASSERT_PTR_NULL(c.topic);
	strbuf_release(&err);
}

static void test_long_lines(void)
{
	struct conf c;
	struct strbuf err, text, want;
	static const char head[] = "name = ";
	size_t vlen = LINE_MAX_BYTES - (sizeof(head) - 1);

	strbuf_init(&err, 1024);
	strbuf_init(&text, 3 * LINE_MAX_BYTES);
	strbuf_init(&want, 8192);
	fresh(&c);

	/* Exactly the limit, then a newline: accepted. */
	strbuf_append_str(&text, head);
	while (text.len < LINE_MAX_BYTES)
		strbuf_append_byte(&text, 'v');
	strbuf_append_str(&text, "\nport = 99\n");
	CU_ASSERT_EQUAL_FATAL(load_text(&c, text.data, &err), 0);
	CU_ASSERT_EQUAL(strlen(c.name), vlen);
	CU_ASSERT_EQUAL(c.name[vlen - 1], 'v');
	CU_ASSERT_EQUAL(c.port, 99);

	/* Exactly the limit at the end of the file, without a newline: accepted. */
	strbuf_truncate(&text, LINE_MAX_BYTES);
	CU_ASSERT_EQUAL(load_text(&c, text.data, &err), 0);
	CU_ASSERT_EQUAL(strlen(c.name), vlen);

	/* One byte over, on line 2: rejected, naming the line. */
	strbuf_reset(&text);
	strbuf_append_str(&text, "port = 100\n");
	strbuf_append_str(&text, head);
	while (text.len < 11 + LINE_MAX_BYTES + 1)
		strbuf_append_byte(&text, 'w');
	strbuf_append_str(&text, "\nport = 101\n");
	CU_ASSERT_EQUAL(load_text(&c, text.data, &err), -1);
	strbuf_printf(&want, "%s:2: line longer than %d bytes", tmp_path, LINE_MAX_BYTES);
	CU_ASSERT_STRING_EQUAL(err.data, want.data);
	CU_ASSERT_EQUAL(c.port, 100);
	CU_ASSERT_EQUAL(c.name[0], 'v'); /* the long value was not applied */

	/* One byte over at the end of the file. */
	strbuf_truncate(&text, 11 + LINE_MAX_BYTES + 1);
	CU_ASSERT_EQUAL(load_text(&c, text.data, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, ":2: line longer than"));

	cfg_free(table, &c);
	strbuf_release(&err);
	strbuf_release(&text);
	strbuf_release(&want);
}

/* A NUL byte is no part of a text file: the line holding one is an error.
 * Before, fgets() and strlen() read such a line only up to the NUL, so the
 * rest of a line was dropped silently, and the rest of a long line (past
 * the buffer, where the length check no longer saw it) became a line of its
 * own: a setting hidden in a comment was applied. */
static void test_nul_byte(void)
{
	static const char short_line[] = "port = 7\0 and more\nverbose = yes\n";
	struct conf c;
	struct strbuf err, text, want;

	strbuf_init(&err, 1024);
	strbuf_init(&text, 2 * LINE_MAX_BYTES);
	strbuf_init(&want, 8192);
	fresh(&c);

	CU_ASSERT_EQUAL(load_bytes(&c, short_line, sizeof(short_line) - 1, &err), -1);
	strbuf_printf(&want, "%s:1: NUL byte in line", tmp_path);
	CU_ASSERT_STRING_EQUAL(err.data != NULL ? err.data : "", want.data);
	CU_ASSERT_EQUAL(c.port, 25);
	CU_ASSERT_EQUAL(c.verbose, 0);

	/* A comment line longer than the limit, with a NUL byte near its start
	 * and a setting in its tail. */
	strbuf_append_str(&text, "# comment");
	strbuf_append_byte(&text, '\0');
	while (text.len < LINE_MAX_BYTES + 1)
		strbuf_append_byte(&text, ' ');
	strbuf_append_str(&text, "port = 99\n");
	CU_ASSERT_EQUAL(load_bytes(&c, text.data, text.len, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data != NULL ? err.data : "", ":1: "));
	CU_ASSERT_EQUAL(c.port, 25);

	/* The same at the end of a file without a newline. */
	strbuf_reset(&text);
	strbuf_append_str(&text, "port = 8\nname = ab");
	strbuf_append_byte(&text, '\0');
	strbuf_append_str(&text, "cd");
	CU_ASSERT_EQUAL(load_bytes(&c, text.data, text.len, &err), -1);
	strbuf_reset(&want);
	strbuf_printf(&want, "%s:2: NUL byte in line", tmp_path);
	CU_ASSERT_STRING_EQUAL(err.data != NULL ? err.data : "", want.data);
	CU_ASSERT_STRING_EQUAL(c.name, "arstat");

	cfg_free(table, &c);
	strbuf_release(&err);
	strbuf_release(&text);
	strbuf_release(&want);
}

/* cfg_load: defaults, then the file, then the -o overrides in order (a later
 * one wins); an override without '=' or naming no setting is an error. */
static void test_load_overrides(void)
{
	char *good[] = { "port=587", "name=first", "name=second=with=equals" };
	char *no_eq[] = { "port" };
	char *unknown[] = { "nosuch=1" };
	struct strbuf err;
	struct conf c;

	strbuf_init(&err, 1024);
	write_tmp("port = 2525\nverbose = yes\n", 26);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(cfg_load(table, &c, tmp_path, good, 3, &err), 0);
	CU_ASSERT_EQUAL(c.port, 587);
	CU_ASSERT_EQUAL(c.verbose, 1);
	CU_ASSERT_EQUAL(c.offset, -3);
	CU_ASSERT_STRING_EQUAL(c.name, "second=with=equals");
	cfg_free(table, &c);

	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(cfg_load(table, &c, NULL, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL(c.port, 25);
	cfg_free(table, &c);

	memset(&c, 0, sizeof(c));
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(cfg_load(table, &c, tmp_path, no_eq, 1, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.data, "-o port: expected name=value");
	cfg_free(table, &c);

	memset(&c, 0, sizeof(c));
	strbuf_reset(&err);
	CU_ASSERT_EQUAL(cfg_load(table, &c, tmp_path, unknown, 1, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "nosuch"));
	cfg_free(table, &c);
	unlink(tmp_path);
	strbuf_release(&err);
}

/* Both forms of --help-config, byte for byte: the manual pages are made from the
 * tab-separated one, so its fields must be exactly these. */
static void test_help(void)
{
	static const char want_tsv[] =
		"port\tint\t25\t1\t65535\tport\n"
		"offset\tint\t-3\t-10\t10\toffset\n"
		"verbose\tbool\tno\t\t\tverbose\n"
		"tls\tbool\tyes\t\t\ttls\n"
		"name\tstring\tarstat\t\t\tname\n"
		"kafka.topic\tstring\t\t\t\ttopic\n"
		"kafka.\tprefix\t\t\t\tlibrdkafka\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT_EQUAL(cfg_help(fp, table, CFG_HELP_TSV), 0);
	CU_ASSERT_EQUAL(fclose(fp), 0);
	CU_ASSERT_STRING_EQUAL(buf, want_tsv);
	free(buf);

	buf = NULL;
	fp = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT_EQUAL(cfg_help(fp, table, CFG_HELP_TEXT), 0);
	CU_ASSERT_EQUAL(fclose(fp), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "port                     25           port\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "kafka.topic              -            topic\n"));
	free(buf);

	/* A stream that cannot be written is reported, not ignored. */
	fp = fopen("/dev/full", "w");
	if (fp != NULL) {
		CU_ASSERT_EQUAL(cfg_help(fp, table, CFG_HELP_TSV), -1);
		fclose(fp);
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("config", NULL, NULL);
	if (s == NULL || CU_add_test(s, "defaults", test_defaults) == NULL ||
	    CU_add_test(s, "file with comments and blank lines", test_file) == NULL ||
	    CU_add_test(s, "unknown name names file and line", test_unknown_name) == NULL ||
	    CU_add_test(s, "integer range", test_int_range) == NULL ||
	    CU_add_test(s, "bool spellings", test_bool) == NULL ||
	    CU_add_test(s, "CFG_PREFIX list", test_prefix) == NULL ||
	    CU_add_test(s, "line length limit", test_long_lines) == NULL ||
	    CU_add_test(s, "a NUL byte in a line", test_nul_byte) == NULL ||
	    CU_add_test(s, "cfg_load and overrides", test_load_overrides) == NULL ||
	    CU_add_test(s, "--help-config, both forms", test_help) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
