#include "ingest_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "log.h"
#include "numparse.h"

#ifndef ARSTAT_VERSION
#define ARSTAT_VERSION "0"
#endif

#define LAST_SUCCESS "arstat_aggregator_ingest_last_success_timestamp_seconds "

/* The last success the previous file holds (0 if none or unreadable): a
 * failed run must not make the last success look like never. The file is
 * ours, but read as untrusted: bounded, one checked number. */
static int64_t previous_success(const char *path)
{
	char buf[65536];
	ssize_t n;
	size_t len = 0;
	const char *p, *end;
	int64_t v = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	p = strstr(buf, "\n" LAST_SUCCESS);
	if (p == NULL)
		return 0;
	p += 1 + strlen(LAST_SUCCESS);
	end = strchr(p, '\n');
	if (end == NULL || num_parse_i64(p, (size_t)(end - p), 0, INT64_MAX / 1000, &v) < 0)
		return 0;
	return v;
}

static void head(struct strbuf *t, const char *name, const char *help, const char *type)
{
	strbuf_printf(t, "# HELP arstat_aggregator_%s %s\n# TYPE arstat_aggregator_%s %s\n", name,
	              help, name, type);
}

/* Each carrier's newest covered time, from the runs (ordered by carrier). */
struct covered {
	struct strbuf *t;
	char carrier[128];
	int64_t until_ms;
	int any;
};

static void covered_flush(struct covered *cv)
{
	if (cv->any)
		strbuf_printf(cv->t,
		              "arstat_aggregator_carrier_covered_until_timestamp_seconds{carrier=\"%s\"} "
		              "%lld\n", cv->carrier, (long long)(cv->until_ms / 1000));
}

static int covered_run(void *arg, const struct store_run *run, struct strbuf *err)
{
	struct covered *cv = arg;
	size_t i;

	(void)err;
	/* Carrier ids are the register's ([a-z0-9._-]); one that is not (a
	 * damaged row) must not break the file's syntax. */
	for (i = 0; run->carrier[i] != '\0'; i++) {
		if (run->carrier[i] == '"' || run->carrier[i] == '\\' || run->carrier[i] == '\n' ||
		    i + 1 >= sizeof(cv->carrier))
			return 0;
	}
	if (!cv->any || strcmp(cv->carrier, run->carrier) != 0) {
		covered_flush(cv);
		memcpy(cv->carrier, run->carrier, i + 1);
		cv->until_ms = run->end_ms;
		cv->any = 1;
	} else if (run->end_ms > cv->until_ms) {
		cv->until_ms = run->end_ms;
	}
	return 0;
}

/* The store's part; -1 with err if it cannot be read. */
static int store_part(struct strbuf *t, struct store *st, struct strbuf *err)
{
	struct store_state ss;
	struct covered cv;
	int rc = -1;

	memset(&ss, 0, sizeof(ss));
	if (store_state_read(st, &ss, err) < 0)
		goto out;
	head(t, "store_records", "Records in the store.", "gauge");
	strbuf_printf(t, "arstat_aggregator_store_records %lld\n", (long long)ss.records);
	head(t, "store_dead_letters", "Messages that could not be stored, kept as dead letters.",
	     "gauge");
	strbuf_printf(t, "arstat_aggregator_store_dead_letters %lld\n", (long long)ss.dead_letters);
	head(t, "carrier_covered_until_timestamp_seconds",
	     "End of the newest window stored of each carrier (Unix time).", "gauge");
	memset(&cv, 0, sizeof(cv));
	cv.t = t;
	if (store_runs(st, covered_run, &cv, err) < 0)
		goto out;
	covered_flush(&cv);
	rc = 0;
out:
	store_state_release(&ss);
	return rc;
}

int ingest_metrics_write(const char *path, struct store *st, const struct ingest_stats *stats,
                         int ok, int64_t now_ms, struct strbuf *err)
{
	const struct intake_counts *c = &stats->counts;
	struct strbuf t, why;
	int64_t success = ok ? now_ms / 1000 : previous_success(path);
	size_t i;
	int rc;

	strbuf_init(&t, 1 << 20);
	strbuf_init(&why, 1024);
	strbuf_printf(&t, "# HELP arstat_build_info The program and version that wrote these.\n"
	                  "# TYPE arstat_build_info gauge\n"
	                  "arstat_build_info{program=\"arstat-aggregator\",version=\"%s\"} 1\n",
	              ARSTAT_VERSION);
	head(&t, "ingest_last_run_timestamp_seconds", "When the last ingest run ended.", "gauge");
	strbuf_printf(&t, "arstat_aggregator_ingest_last_run_timestamp_seconds %lld\n",
	              (long long)(now_ms / 1000));
	head(&t, "ingest_last_run_success", "1 if the last ingest run succeeded.", "gauge");
	strbuf_printf(&t, "arstat_aggregator_ingest_last_run_success %d\n", ok ? 1 : 0);
	head(&t, "ingest_last_success_timestamp_seconds",
	     "When the last ingest run that succeeded ended (0: none known).", "gauge");
	strbuf_printf(&t, LAST_SUCCESS "%lld\n", (long long)success);
#define RUN(name, help, v)                                                                 \
	head(&t, "ingest_last_run_" name, help, "gauge");                                  \
	strbuf_printf(&t, "arstat_aggregator_ingest_last_run_" name " %llu\n", (unsigned long long)(v))
	RUN("messages", "Kafka messages or file records the last run read.", c->messages);
	RUN("records_stored", "Records the last run stored.", c->stored);
	RUN("duplicates", "Records of the last run already stored (skipped).", c->duplicates);
	RUN("dead_letters", "Messages of the last run that could not be stored.", c->dead_letters);
	RUN("conflicts", "Records of the last run whose identity was stored with other content.",
	    c->conflicts);
#undef RUN
	if (stats->nlags > 0) {
		head(&t, "ingest_lag_messages",
		     "Messages of each partition not in the store at the end of the run.", "gauge");
		for (i = 0; i < stats->nlags; i++)
			strbuf_printf(&t, "arstat_aggregator_ingest_lag_messages{topic=\"%s\",partition=\"%d\"} "
			                  "%lld\n", stats->lags[i].topic, (int)stats->lags[i].partition,
			              (long long)stats->lags[i].messages);
	}
	/* Without the store's part when it cannot be read: the run's part is
	 * what tells that something is wrong. */
	if (st != NULL) {
		size_t keep = t.len;

		if (store_part(&t, st, &why) < 0) {
			msg_warn("ingest metrics: the store's totals are left out: %s", why.data);
			strbuf_truncate(&t, keep);
		}
	}
	rc = atomicfile_replace_public(path, t.data, t.len, err);
	strbuf_release(&why);
	strbuf_release(&t);
	return rc;
}
