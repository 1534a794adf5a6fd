#include "settings.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "carriers.h"
#include "intake.h"
#include "kafka_conf.h"
#include "mem.h"
#include "report.h"

#define S(field) offsetof(struct settings, field)

const struct cfg_entry settings_table[] = {
	{ "db", CFG_STR, NULL, 0, 0, S(db), "SQLite store (required; --db)" },
	{ "topic", CFG_STR, "arstat.counts", 0, 0, S(topic), "Kafka topic of the counts" },
	{ "dead_letter", CFG_STR, NULL, 0, 0, S(dead_letter),
	  "file for records that cannot be stored (default: the store's path + .deadletter)" },
	{ "bootstrap_file", CFG_STR, NULL, 0, 0, S(bootstrap_file),
	  "file whose first line is kafka.bootstrap.servers (as arstat-devbroker writes it)" },
	{ "time_zone", CFG_STR, "Asia/Tokyo", 0, 0, S(time_zone), "zone in which reports cut months" },
	{ "encoding", CFG_STR, "utf-8", 0, 0, S(encoding),
	  "report files: utf-8, utf-8-bom (Excel: BOM and CRLF) or cp932 (CRLF)" },
	{ "lang", CFG_STR, "en", 0, 0, S(lang), "labels of the ministry layout: en or ja" },
	{ "min_providers", CFG_INT, "3", 1, 1000, S(min_providers),
	  "a published combined figure of fewer data providers (but one or more) is withheld" },
	{ "retired_collectors", CFG_STR, "", 0, 0, S(retired_collectors),
	  "collector pseudonyms no longer expected to deliver after their last window "
	  "(separated by blanks or commas)" },
	{ "log_level", CFG_STR, "info", 0, 0, S(log_level), "debug, info, warn or error" },
	/* The monthly publication (publish.h). The ministry's files go to
	 * spreadsheets: Excel needs the BOM to read UTF-8, older Japanese
	 * systems read CP932. */
	{ "publish_encodings", CFG_STR, "utf-8-bom,cp932", 0, 0, S(publish_encodings),
	  "publish: encodings of the ministry layout, listed (utf-8, utf-8-bom, cp932)" },
	{ "publish_langs", CFG_STR, "ja,en", 0, 0, S(publish_langs),
	  "publish: languages of the ministry layout and the charts, listed (ja, en)" },
	{ "publish_trend_months", CFG_INT, "13", 1, REPORT_MONTHS_MAX, S(publish_trend_months),
	  "publish: months the charts show, the published month last (13: a year back)" },
	/* Collectors deliver within minutes and ingest runs daily; a week also
	 * covers a collector that was down for some days and catches up. */
	{ "publish_grace_days", CFG_INT, "7", 0, 366, S(publish_grace_days),
	  "publish: days after a month's end before it may be published (late data)" },
	{ "plot_program", CFG_STR, NULL, 0, 0, S(plot_program),
	  "publish: the arstat-plot program (default: beside arstat-aggregator, else PATH)" },
	{ "publish_metrics_file", CFG_STR, NULL, 0, 0, S(publish_metrics_file),
	  "publish: Prometheus textfile of the last run (written atomically; none if unset)" },
	{ "ingest_metrics_file", CFG_STR, NULL, 0, 0, S(ingest_metrics_file),
	  "ingest: Prometheus textfile written after every run (last success, counts, lag per "
	  "partition, each carrier's newest data; none if unset)" },
	/* Large batches: a commit writes every page the batch touched, and each
	 * counts row and carrier total a batch touches is rewritten once per
	 * batch, so 500-message batches ingested at a third of the rate of 5000,
	 * and 20000 take a quarter less time again (results/aggregator-benchmark.md). */
	{ "batch_max_messages", CFG_INT, "20000", 1, 100000, S(batch_max_messages),
	  "messages (Kafka messages, or records of a file) stored per transaction at most" },
	{ "batch_max_ms", CFG_INT, "500", 1, 60000, S(batch_max_ms),
	  "how long a batch waits to fill before it is stored" },
	{ "kafka_timeout_ms", CFG_INT, "10000", 100, 600000, S(kafka_timeout_ms),
	  "time allowed for a metadata or watermark query" },
	/* A record outside these bounds is a dead letter (intake.h), never
	 * stored, so that whatever is stored can be reported. About ten years
	 * admits a carrier's backfill of archived logs and the years a series
	 * is published (the store keeps every month), not a window in 1970; a
	 * day ahead admits a collector whose clock runs fast or a zone
	 * mistake, not a window in 2100. The maxima keep intake.c's arithmetic
	 * far from overflow. */
	{ "max_record_age_days", CFG_INT, "3660", 1, 36500, S(max_record_age_days),
	  "a record whose window starts more days than this before ingest is a dead letter" },
	{ "max_future_seconds", CFG_INT, "86400", 0, 366 * 86400, S(max_future_seconds),
	  "a record whose window starts more seconds than this after ingest is a dead letter" },
	/* A billion messages in one window of one collector is far beyond any
	 * real mail server and far below what a month's sums can hold. */
	{ "max_cell_messages", CFG_INT, "1000000000", 1, STORE_CELL_MESSAGES_MAX, S(max_cell_messages),
	  "messages of one cell, and of all the cells of one record, at most" },
	/* Sealing (store.h): the replay horizon is the longest time after a
	 * UTC day's end that a record of it may still arrive. A collector
	 * reads its logs as far back as they go after an outage (Debian's
	 * logrotate keeps mail.log four weeks, rotated weekly: lines up to 35
	 * days old), its outbox holds records for as long as Kafka is
	 * unreachable (bounded by outbox_max_bytes, not by time), and Kafka
	 * keeps a record 7 days by default (log.retention.hours = 168), in
	 * which ingest may read it again: 35 + 7, rounded up to 45. A record
	 * arriving later is a dead letter (day_sealed), never dropped
	 * silently. The minimum keeps Kafka's default retention inside. */
	{ "seal_after_days", CFG_INT, "45", 8, 36500, S(seal_after_days),
	  "seal: days after a UTC day's end before it may be sealed (the replay horizon)" },
	/* Off by default: sealing deletes each record's details for good, and
	 * an operator upgrading should choose that (or run the seal command),
	 * not find it done. */
	{ "seal_in_ingest", CFG_INT, "0", 0, 1, S(seal_in_ingest),
	  "1: ingest seals every day past seal_after_days by itself, between batches (hourly)" },
	{ "kafka.", CFG_PREFIX, NULL, 0, 0, S(kafka), "any librdkafka property, e.g. kafka.bootstrap.servers" },
	{ "kafka_file.", CFG_PREFIX, NULL, 0, 0, S(kafka_files),
	  "librdkafka property NAME set to the content of the file PATH, e.g. kafka_file.sasl.password = /etc/arstat/kafka.password (only its owner may read it: chmod 600)" },
	{ "carrier.", CFG_PREFIX, NULL, 0, 0, S(carrier),
	  "the register: carrier.ID.name = Display Name, carrier.ID.topics = T1,T2 "
	  "(default: topic), carrier.ID.principal = User:NAME" },
	CFG_END,
};

int settings_set(struct settings *s, const char *name, const char *value, struct strbuf *err)
{
	return cfg_set(settings_table, s, name, value, err);
}

int settings_load(struct settings *s, const char *path, char *const *overrides, size_t n,
                  struct strbuf *err)
{
	if (cfg_load(settings_table, s, path, overrides, n, err) < 0)
		return -1;
	return 0;
}

int settings_finish(struct settings *s, struct strbuf *err)
{
	struct strbuf path;
	char *servers = NULL;
	int rc = -1;

	strbuf_init(&path, 4096);
	if (s->db == NULL || s->db[0] == '\0') {
		strbuf_printf(err, "no store given (--db FILE)");
		goto out;
	}
	if (s->dead_letter == NULL) {
		if (strbuf_printf(&path, "%s.deadletter", s->db) < 0) {
			strbuf_printf(err, "db: path too long");
			goto out;
		}
		s->dead_letter = xstrdup(path.data);
	}
	/* The file is read here, once, so that the bootstrap list is part of the
	 * immutable settings like any other kafka.* property. */
	if (s->bootstrap_file != NULL) {
		if (kafka_read_bootstrap_file(s->bootstrap_file, &servers, err) < 0 ||
		    cfg_set(settings_table, s, "kafka.bootstrap.servers", servers, err) < 0)
			goto out;
	}
	/* A password among the kafka.* settings is refused whatever the
	 * command; the files are read by ingest alone, which needs them. */
	if (kafka_conf_check(&s->kafka, NULL, err) < 0)
		goto out;
	carriers_free(s->carriers);
	if (carriers_new(&s->carrier, s->topic, &s->carriers, err) < 0)
		goto out;
	rc = 0;
out:
	free(servers);
	strbuf_release(&path);
	return rc;
}

void settings_intake_limits(const struct settings *s, struct intake_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_record_age_days = s->max_record_age_days;
	lim->max_future_seconds = s->max_future_seconds;
	lim->max_cell_messages = s->max_cell_messages;
	lim->carriers = s->carriers;
}

void settings_free(struct settings *s)
{
	carriers_free(s->carriers);
	s->carriers = NULL;
	cfg_free(settings_table, s);
}
