/*
 * settings - the aggregator's one configuration struct, loaded once from the
 * table in settings.c (file given with -c, overrides with -o name=value, then
 * the command line's own options) and read-only afterwards.
 */
#ifndef ARSTAT_AGGREGATOR_SETTINGS_H
#define ARSTAT_AGGREGATOR_SETTINGS_H

#include <stdint.h>

#include "config.h"
#include "strbuf.h"

struct settings {
	char *db;                  /* the SQLite store */
	char *topic;               /* the counts topic */
	char *dead_letter;         /* default: DB.deadletter */
	char *bootstrap_file;      /* first line: bootstrap.servers */
	char *time_zone;           /* where the report cuts months */
	char *encoding;            /* of the report files: utf-8, utf-8-bom, cp932 */
	char *lang;                /* labels of the ministry layout: en, ja */
	char *retired_collectors;  /* pseudonyms, separated by blanks or commas */
	char *log_level;
	/* publish (publish.h) */
	char *publish_encodings;   /* of the ministry files: utf-8, utf-8-bom, cp932, listed */
	char *publish_langs;       /* of the ministry files and charts: en, ja, listed */
	char *plot_program;        /* arstat-plot; default: beside this program, else PATH */
	char *publish_metrics_file; /* Prometheus textfile; NULL: none */
	char *ingest_metrics_file;  /* Prometheus textfile of ingest runs; NULL: none */
	int64_t publish_trend_months; /* months the charts show, the published one last */
	int64_t publish_grace_days; /* a month is published this long after its end at the earliest */
	int64_t batch_max_messages; /* one store transaction per batch */
	int64_t batch_max_ms;
	int64_t kafka_timeout_ms;  /* metadata and watermark queries */
	int64_t min_providers;     /* combined figures of fewer providers are withheld */
	int64_t max_record_age_days; /* the bounds of a plausible record (intake.h) */
	int64_t max_future_seconds;
	int64_t max_cell_messages;
	int64_t seal_after_days;   /* replay horizon: a month is sealed this long after its end */
	int64_t seal_in_ingest;    /* 1: ingest seals due months between batches */
	struct cfg_kvlist kafka;   /* every kafka.NAME setting */
	struct cfg_kvlist kafka_files; /* every kafka_file.NAME = PATH (a secret's file) */
	struct cfg_kvlist carrier; /* every carrier.ID.ATTR setting (carriers.h) */
	struct carriers *carriers; /* the register built from them by settings_finish */
};

extern const struct cfg_entry settings_table[];

/*
 * Fill s from defaults, then the file (if path is not NULL), then the
 * overrides ("name=value" strings, n of them). 0, or -1 with a reason in err.
 * s must be zeroed before the first call.
 */
int settings_load(struct settings *s, const char *path, char *const *overrides, size_t n,
                  struct strbuf *err);
/* Set one setting by name (command-line options use this). 0 or -1 with err. */
int settings_set(struct settings *s, const char *name, const char *value, struct strbuf *err);
/*
 * Derive what depends on other settings, once all are set: the dead-letter
 * path from db, kafka.bootstrap.servers from bootstrap_file, the register of
 * carriers (carriers.h) from the carrier.* settings and topic. 0 or -1 with
 * err (also if no carrier is registered or one is malformed).
 */
int settings_finish(struct settings *s, struct strbuf *err);
/* The bounds of a plausible record and the register, as intake_new() takes
 * them (clock: now); call after settings_finish. */
struct intake_limits;
void settings_intake_limits(const struct settings *s, struct intake_limits *lim);
void settings_free(struct settings *s);

#endif
