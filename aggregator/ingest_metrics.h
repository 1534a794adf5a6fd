/*
 * ingest_metrics - the aggregator's ingest runs as a Prometheus text file
 * (setting ingest_metrics_file; for the node exporter's textfile collector),
 * replaced whole after every run, readable by all:
 *
 *   arstat_build_info{program="arstat-aggregator",version=...} 1
 *   arstat_aggregator_ingest_last_run_timestamp_seconds     when the run ended
 *   arstat_aggregator_ingest_last_run_success               1 or 0
 *   arstat_aggregator_ingest_last_success_timestamp_seconds the last run that
 *       succeeded (carried over from the file a failed run replaces)
 *   arstat_aggregator_ingest_last_run_{messages,records_stored,duplicates,
 *       dead_letters,conflicts}                             the run's counts
 *   arstat_aggregator_store_{records,dead_letters}          the store's totals
 *   arstat_aggregator_carrier_covered_until_timestamp_seconds{carrier=...}
 *       the end of the newest window stored of each carrier (its data's
 *       freshness: an alert sees a carrier late for the month)
 *   arstat_aggregator_ingest_lag_messages{topic=...,partition=...}
 *       how far the store is behind each partition (Kafka, runs that succeeded)
 */
#ifndef ARSTAT_AGGREGATOR_INGEST_METRICS_H
#define ARSTAT_AGGREGATOR_INGEST_METRICS_H

#include <stdint.h>

#include "ingest.h"
#include "store.h"
#include "strbuf.h"

/*
 * Write path for a run that ended at now_ms, ok or not, with stats; the
 * store's totals and carriers from st (NULL if it could not be opened: they
 * are left out). Returns 0, or -1 with err (the file is then unchanged).
 */
int ingest_metrics_write(const char *path, struct store *st, const struct ingest_stats *stats,
                         int ok, int64_t now_ms, struct strbuf *err);

#endif
