#!/usr/bin/env bash
# integration.durability.<scenario>: the collector's fault-injection suite.
# Real processes (arstat-collector following its input, arstat-devbroker,
# arstat-aggregator ingest following the topic) under faults, then the
# aggregated totals are compared with arstat-loggen's ground truth, message
# for message: nothing lost, nothing counted twice.
#
#   kill      kill -9 of the collector at ARSTAT_FAULT_KILLS (20) random instants
#             during a run of ARSTAT_FAULT_MESSAGES (1,000,000) messages
#   outage    all brokers down for ARSTAT_FAULT_OUTAGE (30) seconds mid-run, with a
#             small outbox so that reading stops (backpressure) and resumes
#   rotation  the log rotated every few thousand lines, alternately by rename-
#             and-create and copytruncate, older files gzip-compressed, while the
#             collector runs and while it is stopped
#   all       all of the above at once
# ARSTAT_FAULT_CHECKPOINT_RATE sets checkpoint_max_bytes_per_second (checkpoints
# seconds apart at 1024).
#
# Figures go to stdout as one line: "durability SCENARIO: messages=... kills=...
# rotations=... outage_seconds=... lost=... duplicated=...".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
scenario=${1:?usage: durability.sh kill|outage|rotation|all}
arstat_test_init "durability-$scenario"

case $scenario in
kill) messages=${ARSTAT_FAULT_MESSAGES:-1000000} kills=${ARSTAT_FAULT_KILLS:-20} outage=0 rotate=0 ;;
outage) messages=${ARSTAT_FAULT_MESSAGES:-300000} kills=0 outage=${ARSTAT_FAULT_OUTAGE:-30} rotate=0 ;;
rotation) messages=${ARSTAT_FAULT_MESSAGES:-300000} kills=${ARSTAT_FAULT_KILLS:-6} outage=0 rotate=${ARSTAT_FAULT_ROTATE:-20000} ;;
all) messages=${ARSTAT_FAULT_MESSAGES:-300000} kills=${ARSTAT_FAULT_KILLS:-10} outage=${ARSTAT_FAULT_OUTAGE:-30} rotate=${ARSTAT_FAULT_ROTATE:-20000} ;;
*) fail "unknown scenario $scenario" ;;
esac
RANDOM=${ARSTAT_FAULT_SEED:-$$}
echo "durability $scenario: seed $RANDOM" >&2

devbroker_start 1 arstat.counts:2
logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day $(((messages + 30) / 31)) --seed 11 2>"$TEST_DIR/loggen.log"
src=$logs/carrier-a/mx1/maillog
truth_total=$(awk -F, '$3 == "messages" { n += $5 } END { print n + 0 }' "$logs/truth.csv")

if ((rotate > 0)); then
	mkdir -p "$TEST_DIR/live"
	input=$TEST_DIR/live/maillog
	: >"$input"
else
	input=$src
fi
conf=$(collector_conf "$TEST_DIR/state" "$input" "flush_timeout_ms = 120000" \
	"kafka.bootstrap.servers = $BOOTSTRAP")
((outage > 0)) && echo "outbox_max_bytes = 131072" >>"$conf"
[[ -n ${ARSTAT_FAULT_DEBUG:-} ]] && echo "log_level = debug" >>"$conf"
# Checkpoints spaced by their size (e.g. 1024 bytes/s: seconds apart), so
# that a kill loses more progress to re-read.
[[ -n ${ARSTAT_FAULT_CHECKPOINT_RATE:-} ]] &&
	echo "checkpoint_max_bytes_per_second = $ARSTAT_FAULT_CHECKPOINT_RATE" >>"$conf"

db=$TEST_DIR/arstat.db
start_ingest() {
	arstat_bg "$ARSTAT_BIN/arstat-aggregator" ingest -o carrier.carrier-a.name=carrier-a --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
		>>"$TEST_DIR/ingest.log" 2>&1
	INGEST_PID=$BG_PID
}
start_collector() {
	arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >>"$TEST_DIR/collector.log" 2>&1
	COLLECTOR_PID=$BG_PID
}
stored_total() {
	"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$db" -o min_providers=1 --month 2026-10 --spam-output "$TEST_DIR/spam-now.csv" \
		--output /dev/null 2>/dev/null || { echo 0; return; }
	all_messages "$TEST_DIR/spam-now.csv"
}

start_ingest
start_collector
feed_pid=
if ((rotate > 0)); then
	arstat_bg "$ARSTAT_BIN/arstat-logfeed" --from "$src" --to "$input" \
		--lines-per-second "${ARSTAT_FAULT_RATE:-40000}" \
		--rotate-every "$rotate" --mode mixed --compress --keep 1000 >"$TEST_DIR/feed.log" 2>&1
	feed_pid=$BG_PID
fi

# Faults, spread over the run.
done_kills=0 outage_done=0 t0=$SECONDS
while ((done_kills < kills)) || ((outage > 0 && outage_done == 0)); do
	sleep "0.$((RANDOM % 9 + 1))"
	if ((outage > 0 && outage_done == 0 && done_kills >= kills / 2)); then
		# In the middle of the run: after the collector has published a while.
		((kills == 0)) && sleep 3
		devbroker_down
		echo "brokers down at $((SECONDS - t0)) s" >&2
		sleep "$outage"
		grep -q 'outbox full' "$TEST_DIR/collector.log" ||
			fail "the collector did not stop reading while the brokers were down"
		devbroker_up
		outage_done=1
		continue
	fi
	if ((done_kills < kills)); then
		stop_pid "$COLLECTOR_PID" KILL
		done_kills=$((done_kills + 1))
		# Now and then stay down a while, so that rotations happen while stopped.
		((rotate > 0 && done_kills % 2 == 0)) && sleep 1.5
		start_collector
	fi
done
echo "faults done at $((SECONDS - t0)) s" >&2
[[ -n $feed_pid ]] && { wait "$feed_pid" || fail "logfeed failed"; _arstat_forget "$feed_pid"; }

# The follower has stored what it could; from here on, catch up in rounds
# until every message is stored (or give up and show the difference).
stop_pid "$INGEST_PID" TERM
catch_up() {
	"$ARSTAT_BIN/arstat-aggregator" ingest -o carrier.carrier-a.name=carrier-a --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
		--until-caught-up >>"$TEST_DIR/ingest.log" 2>&1 || fail "ingest failed"
}
deadline=$((SECONDS + ${ARSTAT_FAULT_SETTLE:-300}))
catch_up
while (($(stored_total) < truth_total && SECONDS < deadline)); do
	sleep 2
	catch_up
done
stop_pid "$COLLECTOR_PID" TERM
"$ARSTAT_BIN/arstat-aggregator" ingest -o carrier.carrier-a.name=carrier-a --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
	--until-caught-up >>"$TEST_DIR/ingest.log" 2>&1 || fail "final ingest failed"
"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$db" -o min_providers=1 --month 2026-10 --output "$TEST_DIR/report.csv" \
	--spam-output "$TEST_DIR/spam.csv" || fail "report failed"
stored=$(all_messages "$TEST_DIR/spam.csv")
lost=$((truth_total > stored ? truth_total - stored : 0))
dup=$((stored > truth_total ? stored - truth_total : 0))
rotations=$({ grep -oE "[0-9]+ rotations" "$TEST_DIR/feed.log" 2>/dev/null || true; } | cut -d" " -f1)
echo "durability $scenario: messages=$truth_total kills=$done_kills rotations=${rotations:-0}" \
	"outage_seconds=$outage lost=$lost duplicated=$dup seconds=$((SECONDS - t0))"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" "$TEST_DIR/spam.csv" ||
	fail "totals differ from the ground truth (lost=$lost duplicated=$dup)"
devbroker_stop
