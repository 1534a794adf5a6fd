#!/usr/bin/env bash
# integration.kafka_faults: the fault suite on a real Apache Kafka cluster of
# three brokers (replication factor 3, min.insync.replicas 2) over SASL_SSL
# with ACLs (kafka_lib.sh). The collector follows a log fed at a steady rate
# (arstat-logfeed) and the aggregator follows the topic while, one after the
# other:
#   1. the broker leading partition 0 is killed (kill -9) and restarted;
#   2. the broker leading partition 1 is frozen (SIGSTOP) for
#      ARSTAT_FAULT_FREEZE (40) s, longer than the clients' request timeout
#      (30 s), then thawed;
#   3. the collector is killed (kill -9) ARSTAT_FAULT_KILLS (3) times and the
#      aggregator once, each started again;
#   4. a leader changes during ingest: the leader of partition 2 is stopped
#      (SIGTERM, a controlled shutdown moves its leaderships) and restarted;
#   5. every broker is stopped for ARSTAT_FAULT_OUTAGE (30) s, then started.
# Then the totals must equal arstat-loggen's ground truth, message for
# message: nothing lost, nothing counted twice. ARSTAT_FAULT_MESSAGES
# (default 300,000; the issue's 1,000,000 as an opt-in:
# ARSTAT_FAULT_MESSAGES=1000000 ctest -R kafka_faults -V) sets the run's size.
# One line of figures goes to stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init kafka_faults
source "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"

messages=${ARSTAT_FAULT_MESSAGES:-300000}
kills=${ARSTAT_FAULT_KILLS:-3}
freeze=${ARSTAT_FAULT_FREEZE:-40}
outage=${ARSTAT_FAULT_OUTAGE:-30}

realkafka_start --brokers 3 --partitions 3 carrier-a
logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day $(((messages + 30) / 31)) --seed 13 2>"$TEST_DIR/loggen.log"
src=$logs/carrier-a/mx1/maillog
truth_total=$(awk -F, '$3 == "messages" { n += $5 } END { print n + 0 }' "$logs/truth.csv")
# The feed lasts about ARSTAT_FAULT_FEED_SECONDS (180), so that every fault
# falls while the collector is reading and publishing.
rate=${ARSTAT_FAULT_RATE:-$(($(wc -l <"$src") / ${ARSTAT_FAULT_FEED_SECONDS:-180} + 1))}
mkdir -p "$TEST_DIR/live"
input=$TEST_DIR/live/maillog
: >"$input"

conf=$(collector_conf "$TEST_DIR/state" "$input" "flush_timeout_ms = 120000" "topic = arstat.counts.carrier-a")
realkafka_client_conf carrier-a >>"$conf"
db=$TEST_DIR/arstat.db
start_ingest() {
	arstat_bg "$ARSTAT_BIN/arstat-aggregator" ingest "${REALKAFKA_AGG[@]}" --db "$db" \
		>>"$TEST_DIR/ingest.log" 2>&1
	INGEST_PID=$BG_PID
}
start_collector() {
	arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >>"$TEST_DIR/collector.log" 2>&1
	COLLECTOR_PID=$BG_PID
}
# The node leading partition P of the topic (from the admin listener).
leader_of() {
	kcat -L -b "$(<"$KAFKA_DIR/admin")" -t arstat.counts.carrier-a -m 10 2>/dev/null |
		awk -v p="$1" '$1 == "partition" && $2 == p "," { gsub(",", "", $4); print $4 }'
}
# Wait (up to 120 s) until every node is back in every partition's ISR (after
# kafka.sh restart, which returns once the node has started).
wait_isr_full() {
	local i
	for ((i = 0; i < 600; i++)); do
		kcat -L -b "$(<"$KAFKA_DIR/admin")" -t arstat.counts.carrier-a -m 10 2>/dev/null |
			awk '$1 == "partition" { n++; if ($NF ~ /^[0-9]+,[0-9]+,[0-9]+$/) ok++ }
				END { exit !(n == 3 && ok == 3) }' && return 0
		sleep 0.2
	done
	fail "the cluster did not recover its replicas within 120 s"
}
note() { echo "kafka_faults: $* at $((SECONDS - t0)) s" >&2; }

t0=$SECONDS
start_ingest
start_collector
arstat_bg "$ARSTAT_BIN/arstat-logfeed" --from "$src" --to "$input" --lines-per-second "$rate" \
	>"$TEST_DIR/feed.log" 2>&1
feed_pid=$BG_PID
sleep 5

# 1. kill -9 of the leader of partition 0, restarted a few seconds later.
node=$(leader_of 0)
[[ -n $node ]] || fail "no leader for partition 0"
note "kill -9 of node $node (leader of partition 0)"
realkafka kill "$node" KILL
sleep 5
realkafka restart "$node"
wait_isr_full
note "node $node back in sync"

# 2. The leader of partition 1 frozen past the request timeout.
node=$(leader_of 1)
note "SIGSTOP of node $node (leader of partition 1) for $freeze s"
realkafka kill "$node" STOP
sleep "$freeze"
realkafka kill "$node" CONT
wait_isr_full
note "node $node thawed and in sync"

# 3. The collector killed, the aggregator killed during ingest.
for ((k = 0; k < kills; k++)); do
	sleep "1.$((RANDOM % 9))"
	stop_pid "$COLLECTOR_PID" KILL
	start_collector
done
stop_pid "$INGEST_PID" KILL
start_ingest
note "collector killed $kills times, aggregator once"

# 4. A leader change during ingest: a controlled shutdown of partition 2's
# leader moves its leaderships to the others.
node=$(leader_of 2)
note "SIGTERM of node $node (leader of partition 2)"
realkafka stop "$node"
[[ $(leader_of 2) != "$node" ]] || fail "partition 2's leadership did not move"
sleep 3
realkafka restart "$node"
wait_isr_full

# 5. Every broker down for a while.
note "all brokers stopped for $outage s"
realkafka stop
sleep "$outage"
realkafka restart 1 2 3
wait_isr_full
note "all brokers back"

wait "$feed_pid" || fail "logfeed failed"
_arstat_forget "$feed_pid"
note "feed done"

# Catch up in rounds until every message is stored (or give up and show the
# difference).
stop_pid "$INGEST_PID" TERM
catch_up() {
	"$ARSTAT_BIN/arstat-aggregator" ingest "${REALKAFKA_AGG[@]}" --db "$db" --until-caught-up \
		>>"$TEST_DIR/ingest.log" 2>&1 || fail "ingest failed"
}
stored_total() {
	"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$db" \
		-o min_providers=1 --month 2026-10 --spam-output "$TEST_DIR/spam-now.csv" --output /dev/null \
		2>/dev/null || { echo 0; return; }
	all_messages "$TEST_DIR/spam-now.csv"
}
deadline=$((SECONDS + ${ARSTAT_FAULT_SETTLE:-300}))
catch_up
while (($(stored_total) < truth_total && SECONDS < deadline)); do
	sleep 2
	catch_up
done
stop_pid "$COLLECTOR_PID" TERM
catch_up
"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$db" -o min_providers=1 \
	--month 2026-10 --output "$TEST_DIR/report.csv" --spam-output "$TEST_DIR/spam.csv" ||
	fail "report failed"
stored=$(all_messages "$TEST_DIR/spam.csv")
lost=$((truth_total > stored ? truth_total - stored : 0))
dup=$((stored > truth_total ? stored - truth_total : 0))
echo "kafka_faults: messages=$truth_total brokers=3 leader_kill=1 freeze_seconds=$freeze" \
	"collector_kills=$kills aggregator_kills=1 leader_change=1 all_down_seconds=$outage" \
	"lost=$lost duplicated=$dup seconds=$((SECONDS - t0))"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" "$TEST_DIR/spam.csv" ||
	fail "totals differ from the ground truth (lost=$lost duplicated=$dup)"
