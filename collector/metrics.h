/*
 * metrics - the collector's counters as a Prometheus text-format file, for
 * node_exporter's textfile collector or anything that reads that format.
 */
#ifndef ARSTAT_COLLECTOR_METRICS_H
#define ARSTAT_COLLECTOR_METRICS_H

#include "collector.h"

/*
 * Replace the file at path with st as arstat_collector_* metrics, whole
 * (atomicfile: a reader never sees half a file), readable by all.
 * A failure is logged as a warning and otherwise ignored: the metrics are
 * written again at the next report.
 */
void metrics_write(const char *path, const struct collector_stats *st);

#endif
