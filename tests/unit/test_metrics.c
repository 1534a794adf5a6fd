/* unit.metrics: the collector's Prometheus text-format file, replaced whole and
 * readable by the exporter's user. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

static char dir[256], path[300];

static void setup_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/arstat-metrics-XXXXXX", tmp ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
}

/* The whole of file p into out; -1 if it cannot be read. */
static int slurp(const char *p, struct strbuf *out)
{
	char buf[4096];
	FILE *fp = fopen(p, "rb");
	size_t n;

	if (fp == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(out, buf, n);
	fclose(fp);
	return 0;
}

/* Every counter under its name, as tests/unit/golden/metrics.ref has them
 * (its @VERSION@ is the build's); a negative lag is written as 0. */
static void test_golden(void)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	struct collector_stats st;
	struct collector_input_stats ins[2];
	struct stat sb;
	struct strbuf got, want, raw;
	char ref[1024], *at;
	int m, r;

	setup_dir();
	memset(&st, 0, sizeof(st));
	st.lines = 1000001;
	st.malformed = 2;
	st.overlong = 3;
	st.implausible = 17;
	st.messages = 4;
	st.records_made = 5;
	st.records_acked = 6;
	st.outbox_records = 7;
	st.outbox_bytes = 8;
	st.checkpoints = 9;
	st.checkpoint_bytes = 18;
	st.checkpoint_ms = 19;
	st.state_errors = 10;
	st.sink_errors = 11;
	st.lag_bytes = UINT64_MAX;
	st.lag_seconds = -5;
	st.rotations = 13;
	st.truncations = 14;
	st.resumed_rotated = 15;
	st.positions_lost = 16;
	st.input_losses = 20;
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (r = 0; r < AR_RESULT_COUNT; r++)
			st.results[m][r] = (uint64_t)(100 * m + r);
	}
	st.spam[SPAM_UNKNOWN] = 21;
	st.spam[SPAM_HAM] = 22;
	st.spam[SPAM_SPAM] = 23;
	st.start_ms = INT64_C(1796621888685);
	st.last_ack_ms = INT64_C(1796621999999);
	ins[0].name = "main";
	ins[0].lines = 24;
	ins[0].open = 1;
	ins[1].name = "rspamd";
	ins[1].lines = 0;
	ins[1].open = 0;
	st.inputs = ins;
	st.ninputs = 2;
	st.backpressure = 1;
	st.state_broken = 0;
	st.sink_down = 1;
	metrics_write(path, &st);
	strbuf_init(&got, 1 << 20);
	strbuf_init(&want, 1 << 20);
	strbuf_init(&raw, 1 << 20);
	snprintf(ref, sizeof(ref), "%s/tests/unit/golden/metrics.ref", src != NULL ? src : ".");
	CU_ASSERT_EQUAL_FATAL(slurp(ref, &raw), 0);
	at = strstr(raw.data, "@VERSION@");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	strbuf_append(&want, raw.data, (size_t)(at - raw.data));
	strbuf_append_str(&want, ARSTAT_VERSION);
	strbuf_append_str(&want, at + strlen("@VERSION@"));
	strbuf_release(&raw);
	CU_ASSERT_EQUAL_FATAL(slurp(path, &got), 0);
	CU_ASSERT_FATAL(want.len > 0 && got.len > 0);
	CU_ASSERT_STRING_EQUAL(got.data, want.data);

	/* Written again over the old file; no temp file left behind. */
	st.lag_seconds = 12;
	metrics_write(path, &st);
	strbuf_reset(&got);
	CU_ASSERT_EQUAL_FATAL(slurp(path, &got), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got.data, "\narstat_collector_lag_seconds 12\n"));
	snprintf(ref, sizeof(ref), "%s/.metrics.prom.tmp", dir);
	CU_ASSERT_EQUAL(access(ref, F_OK), -1);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0444, 0444);

	strbuf_release(&got);
	strbuf_release(&want);
	unlink(path);
	rmdir(dir);
}

/* A directory that is not there: a warning, no file, no crash. */
static void test_unwritable(void)
{
	struct collector_stats st;

	setup_dir();
	rmdir(dir);
	memset(&st, 0, sizeof(st));
	metrics_write(path, &st);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	/* The mode check below reads what a usual umask leaves. */
	umask(022);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("metrics", NULL, NULL);
	CU_add_test(s, "every counter, golden text", test_golden);
	CU_add_test(s, "unwritable directory", test_unwritable);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
