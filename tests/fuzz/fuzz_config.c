/*
 * fuzz_config: libFuzzer target for the configuration reader
 * (common/config.c: cfg_load() of a file, through cfg_set() for each
 * setting) with a table of every entry type: an integer with a range, one
 * with the whole int64 range, a boolean, strings with and without a
 * default, and a prefix list. The input is the file; the reader reads a
 * path, so it is written to a temporary file first (fuzz_util.h). Besides
 * memory errors (ASan/UBSan) it checks what config.h promises:
 *   - a refusal names the file (and its line);
 *   - a file accepted leaves every integer within its range, booleans 0 or
 *     1, and a prefix list of named entries with values;
 *   - cfg_free() frees everything (LeakSanitizer).
 * Linked with replay.c for the corpus replay test under any compiler
 * (fuzz.config_replay, tests/fuzz/CMakeLists.txt).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz_util.h"

/* Inputs larger than this are cut: a few lines of the line limit. */
#define FUZZ_CONFIG_MAX (16 * 1024)

struct fuzz_config {
	int64_t count;
	int64_t offset;
	int flag;
	char *name;
	char *topic;
	struct cfg_kvlist kafka;
};

#define OFF(f) offsetof(struct fuzz_config, f)
static const struct cfg_entry fuzz_table[] = {
	{ "count", CFG_INT, "10", 1, 1000000, OFF(count), "an integer with a range" },
	{ "offset", CFG_INT, "0", INT64_MIN, INT64_MAX, OFF(offset), "any int64" },
	{ "flag", CFG_BOOL, "no", 0, 0, OFF(flag), "a boolean" },
	{ "name", CFG_STR, NULL, 0, 0, OFF(name), "a string without a default" },
	{ "topic", CFG_STR, "arstat.counts", 0, 0, OFF(topic), "a string with one" },
	{ "kafka.", CFG_PREFIX, NULL, 0, 0, OFF(kafka), "a prefix list" },
	CFG_END
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_config c;
	struct strbuf err;
	const char *path;
	size_t i;

	if (size > FUZZ_CONFIG_MAX)
		size = FUZZ_CONFIG_MAX;
	path = fuzz_file("config.conf", data, size);
	memset(&c, 0, sizeof(c));
	strbuf_init(&err, 4096);
	if (cfg_load(fuzz_table, &c, path, NULL, 0, &err) < 0) {
		FUZZ_CHECK(err.len > 0 && strncmp(err.data, path, strlen(path)) == 0);
	} else {
		FUZZ_CHECK(c.count >= 1 && c.count <= 1000000);
		FUZZ_CHECK(c.flag == 0 || c.flag == 1);
		FUZZ_CHECK(c.topic != NULL);
		for (i = 0; i < c.kafka.n; i++)
			FUZZ_CHECK(c.kafka.items[i].name != NULL && c.kafka.items[i].value != NULL);
	}
	cfg_free(fuzz_table, &c);
	strbuf_release(&err);
	return 0;
}
