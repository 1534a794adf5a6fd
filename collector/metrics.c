#include "metrics.h"

#include "atomicfile.h"
#include "log.h"
#include "strbuf.h"

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
	/* Readable by all: the exporter that reads it runs as its own user. */
	if (atomicfile_replace(path, 0644, text.data, text.len, &err) < 0)
		msg_warn("metrics file %s: %s", path, err.data);
	strbuf_release(&err);
	strbuf_release(&text);
}
