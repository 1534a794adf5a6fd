#!/usr/bin/env bash
# integration.monitoring: what the node exporter and Prometheus get.
#   1. The collector's metrics file, written under a umask of 077, is 0644
#      (the exporter reads it as its own user); it has arstat_build_info,
#      the lines of each input (equal to lines_total), the messages by
#      method and result (each method's sum equal to messages_total) and the
#      time of the last acknowledgement.
#   2. The aggregator's ingest metrics after every run: the last success,
#      the run's counts (records, then duplicates on a second run), no lag
#      once caught up, each carrier's newest data; a failed run (broker
#      gone) says so and keeps the time of the last success.
#   3. config/arstat-alerts.yml passes promtool check rules and the rule
#      tests of tests/integration/arstat-alerts.test.yml (when promtool, of
#      Debian's package prometheus, is installed: scripts/deps.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init monitoring


logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-09 --months 1 \
	--messages-per-day 20 --seed 9 2>"$TEST_DIR/loggen.log"
devbroker_start 1 arstat.counts:2

# ---- 1. the collector ----
conf=$(collector_conf "$TEST_DIR/state" "$logs/carrier-a/mx1/maillog" \
	"kafka.bootstrap.servers = $BOOTSTRAP")
(umask 077 && "$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>"$TEST_DIR/collector.log") ||
	fail "collector failed"
prom=$TEST_DIR/metrics.prom
assert_eq 644 "$(stat -c %a "$prom")" "mode of the collector's metrics file under umask 077"
grep -qE '^arstat_build_info\{program="arstat-collector",version="[0-9.]+"\} 1$' "$prom" ||
	fail "no arstat_build_info"
lines=$(metric_in "$prom" arstat_collector_lines_total)
((lines > 0)) || fail "no lines read"
assert_eq "$lines" "$(metric_in "$prom" 'arstat_collector_input_lines_total{input="main"}')" \
	"lines of the input"
assert_eq 1 "$(metric_in "$prom" 'arstat_collector_input_open{input="main"}')" "input open"
messages=$(metric_in "$prom" arstat_collector_messages_total)
((messages > 0)) || fail "no messages counted"
for m in spf dkim dmarc arc; do
	sum=$(awk -v m="$m" 'index($1, "arstat_collector_results_total{method=\"" m "\",") == 1 { s += $2 }
		END { print s + 0 }' "$prom")
	assert_eq "$messages" "$sum" "messages by $m result"
done
assert_eq "$messages" "$(awk '/^arstat_collector_spam_total\{/ { s += $2 } END { print s + 0 }' "$prom")" \
	"messages by spam verdict"
acked=$(metric_in "$prom" arstat_collector_last_ack_timestamp_seconds)
started=$(metric_in "$prom" arstat_collector_start_time_seconds)
((acked >= started && started > 0)) || fail "last acknowledgement $acked before the start $started"

# ---- 2. the aggregator ----
agg=$TEST_DIR/ingest.prom
register_carriers carrier-a
ingest() {
	"$ARSTAT_BIN/arstat-aggregator" ingest "${REGISTER[@]}" --db "$TEST_DIR/arstat.db" \
		-o "kafka.bootstrap.servers=$BOOTSTRAP" -o "ingest_metrics_file=$agg" \
		-o kafka_timeout_ms=2000 --until-caught-up "$@" >>"$TEST_DIR/aggregator.log" 2>&1
}
(umask 027 && ingest) || fail "ingest failed"
assert_eq 644 "$(stat -c %a "$agg")" "mode of the ingest metrics file under umask 027"
grep -qE '^arstat_build_info\{program="arstat-aggregator",version="[0-9.]+"\} 1$' "$agg" ||
	fail "no arstat_build_info in the ingest metrics"
assert_eq 1 "$(metric_in "$agg" arstat_aggregator_ingest_last_run_success)" "first run succeeded"
records=$(metric_in "$TEST_DIR/metrics.prom" arstat_collector_records_acked_total)
assert_eq "$records" "$(metric_in "$agg" arstat_aggregator_ingest_last_run_records_stored)" \
	"records stored = records the collector had acknowledged"
assert_eq "$records" "$(metric_in "$agg" arstat_aggregator_store_records)" "records in the store"
assert_eq 0 "$(metric_in "$agg" arstat_aggregator_ingest_last_run_dead_letters)" "dead letters"
for p in 0 1; do
	assert_eq 0 "$(metric_in "$agg" "arstat_aggregator_ingest_lag_messages{topic=\"arstat.counts\",partition=\"$p\"}")" \
		"lag of partition $p once caught up"
done
covered=$(metric_in "$agg" 'arstat_aggregator_carrier_covered_until_timestamp_seconds{carrier="carrier-a"}')
# loggen wrote September 2026 (Asia/Tokyo): the newest data is in it.
((covered > 1788188400 && covered <= 1790780400)) || fail "carrier-a covered until $covered"
success=$(metric_in "$agg" arstat_aggregator_ingest_last_success_timestamp_seconds)

# Nothing new: nothing stored; the store's totals stay.
ingest || fail "second ingest failed"
assert_eq 0 "$(metric_in "$agg" arstat_aggregator_ingest_last_run_records_stored)" "second run stored"
assert_eq "$records" "$(metric_in "$agg" arstat_aggregator_store_records)" "records in the store, again"

# The broker gone: the run fails, says so, keeps the last success.
devbroker_stop
status=0
ingest || status=$?
((status != 0)) || fail "ingest without a broker succeeded"
assert_eq 0 "$(metric_in "$agg" arstat_aggregator_ingest_last_run_success)" "failed run"
last=$(metric_in "$agg" arstat_aggregator_ingest_last_success_timestamp_seconds)
((last >= success)) || fail "the last success went back from $success to $last"

# ---- 3. the alerting rules ----
if command -v promtool >/dev/null; then
	cp "$ARSTAT_SOURCE_DIR/config/arstat-alerts.yml" \
		"$ARSTAT_SOURCE_DIR/tests/integration/arstat-alerts.test.yml" "$TEST_DIR/"
	promtool check rules "$TEST_DIR/arstat-alerts.yml" >"$TEST_DIR/promtool.log" 2>&1 ||
		fail "promtool check rules: $(cat "$TEST_DIR/promtool.log")"
	(cd "$TEST_DIR" && promtool test rules arstat-alerts.test.yml) >>"$TEST_DIR/promtool.log" 2>&1 ||
		fail "promtool test rules: $(cat "$TEST_DIR/promtool.log")"
	promtool check metrics <"$agg" >>"$TEST_DIR/promtool.log" 2>&1 ||
		fail "promtool check metrics (ingest): $(cat "$TEST_DIR/promtool.log")"
else
	echo "monitoring: promtool is not installed (scripts/deps.sh installs prometheus); rules not checked"
fi
echo "monitoring: collector and aggregator metrics, alerting rules"
