#include "metrics.h"

#include "atomicfile.h"
#include "log.h"
#include "strbuf.h"

#ifndef ARSTAT_VERSION
#define ARSTAT_VERSION "0"
#endif

/* HELP and TYPE of a metric written with labels below. */
static void metrics_head(struct strbuf *t, const char *name, const char *help, const char *type)
{
	strbuf_printf(t, "# HELP arstat_collector_%s %s\n# TYPE arstat_collector_%s %s\n", name,
	              help, name, type);
}

/* The labelled parts: the build, each input, messages by method and result
 * and by spam verdict. Input names are settings' names ([A-Za-z0-9_-]), and
 * the other labels the vocabulary's: nothing needs escaping. */
static void metrics_labelled(struct strbuf *t, const struct collector_stats *st)
{
	size_t i;
	int m, r;

	strbuf_printf(t, "# HELP arstat_build_info The program and version that wrote these.\n"
	                 "# TYPE arstat_build_info gauge\n"
	                 "arstat_build_info{program=\"arstat-collector\",version=\"%s\"} 1\n",
	              ARSTAT_VERSION);
	metrics_head(t, "start_time_seconds", "When the collector started (Unix time).", "gauge");
	strbuf_printf(t, "arstat_collector_start_time_seconds %lld\n",
	              (long long)(st->start_ms / 1000));
	metrics_head(t, "last_ack_timestamp_seconds",
	             "When the sink last acknowledged a record (Unix time; 0: none since the start).",
	             "gauge");
	strbuf_printf(t, "arstat_collector_last_ack_timestamp_seconds %lld\n",
	              (long long)(st->last_ack_ms / 1000));
	metrics_head(t, "input_lines_total", "Lines read, per input (journal: entries taken).",
	             "counter");
	for (i = 0; i < st->ninputs; i++)
		strbuf_printf(t, "arstat_collector_input_lines_total{input=\"%s\"} %llu\n",
		              st->inputs[i].name, (unsigned long long)st->inputs[i].lines);
	metrics_head(t, "input_open", "1 while the input's file or journal is open.", "gauge");
	for (i = 0; i < st->ninputs; i++)
		strbuf_printf(t, "arstat_collector_input_open{input=\"%s\"} %d\n", st->inputs[i].name,
		              st->inputs[i].open);
	metrics_head(t, "results_total",
	             "Messages counted into records, by method and its result (absent: no trusted "
	             "result).", "counter");
	for (m = 0; m < AR_METHOD_COUNT; m++) {
		for (r = 0; r < AR_RESULT_COUNT; r++)
			strbuf_printf(t, "arstat_collector_results_total{method=\"%s\",result=\"%s\"} %llu\n",
			              ar_method_name((enum ar_method)m), ar_result_name((enum ar_result)r),
			              (unsigned long long)st->results[m][r]);
	}
	metrics_head(t, "spam_total", "Messages counted into records, by spam verdict.", "counter");
	for (r = 0; r < SPAM_COUNT; r++)
		strbuf_printf(t, "arstat_collector_spam_total{verdict=\"%s\"} %llu\n",
		              ar_spam_name((enum ar_spam)r), (unsigned long long)st->spam[r]);
}

void metrics_write(const char *path, const struct collector_stats *st)
{
	struct strbuf text, err;

	strbuf_init(&text, 65536);
	strbuf_init(&err, 4096);
#define M(name, help, type, val)                                                            \
	strbuf_printf(&text, "# HELP arstat_collector_%s %s\n# TYPE arstat_collector_%s %s\n" \
	                     "arstat_collector_%s %llu\n",                                      \
	              name, help, name, type, name, (unsigned long long)(val))
	M("lines_total", "Log lines read.", "counter", st->lines);
	M("lines_malformed_total", "Log lines that could not be read.", "counter", st->malformed);
	M("lines_overlong_total", "Log lines longer than max_line_length.", "counter", st->overlong);
	M("lines_implausible_total",
	  "Log lines dated beyond max_future_seconds or max_past_seconds, ignored.", "counter",
	  st->implausible);
	M("messages_total", "Messages counted into windows.", "counter", st->messages);
	M("records_total", "Records made.", "counter", st->records_made);
	M("records_acked_total", "Records acknowledged by the sink.", "counter", st->records_acked);
	M("outbox_records", "Records waiting for acknowledgement.", "gauge", st->outbox_records);
	M("outbox_bytes", "Bytes waiting for acknowledgement.", "gauge", st->outbox_bytes);
	M("checkpoints_total", "Checkpoints saved.", "counter", st->checkpoints);
	M("checkpoint_bytes_total", "Bytes of the checkpoints saved.", "counter",
	  st->checkpoint_bytes);
	M("checkpoint_milliseconds_total", "Time spent saving progress (fsyncs included).",
	  "counter", st->checkpoint_ms);
	M("state_errors_total", "Failed attempts to save progress.", "counter", st->state_errors);
	M("sink_errors_total", "Errors of the sink.", "counter", st->sink_errors);
	M("lag_bytes", "Bytes of the inputs not read yet.", "gauge", st->lag_bytes);
	M("lag_seconds", "Wall clock minus the newest log time read.", "gauge",
	  st->lag_seconds > 0 ? st->lag_seconds : 0);
	M("rotations_total", "Rotations followed.", "counter", st->rotations);
	M("truncations_total", "Truncations seen.", "counter", st->truncations);
	M("positions_lost_total", "Saved positions whose file was gone.", "counter",
	  st->positions_lost);
	M("input_losses_total",
	  "Times input was found gone before it was read (a saved file position or journal entry "
	  "deleted); each is in a record's health.input_losses.", "counter", st->input_losses);
	M("backpressure", "1 while reading is paused because the outbox is full.", "gauge",
	  st->backpressure);
	M("state_broken", "1 while progress cannot be saved.", "gauge", st->state_broken);
	M("sink_down", "1 while the sink is unreachable.", "gauge", st->sink_down);
#undef M
	metrics_labelled(&text, st);
	/* Readable by all, whatever the umask (the unit's is 0077): the
	 * exporter that reads it runs as its own user. */
	if (atomicfile_replace_public(path, text.data, text.len, &err) < 0)
		msg_warn("metrics file %s: %s", path, err.data);
	strbuf_release(&err);
	strbuf_release(&text);
}
