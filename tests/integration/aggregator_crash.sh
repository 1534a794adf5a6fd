#!/usr/bin/env bash
# integration.aggregator_crash: arstat-aggregator ingest killed with SIGKILL
# again and again while it works (between batches and in the middle of one)
# loses nothing and counts nothing twice: counts, record identities, dead
# letters and Kafka positions are committed together, so every restart goes
# on from the last committed batch. The store at the end equals the store of
# one uninterrupted ingest of the same topic, to the byte of every report.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_crash

agg=$ARSTAT_BIN/arstat-aggregator
gen=$ARSTAT_BIN/arstat-aggregator-testgen
db=$TEST_DIR/crashed.db
devbroker_start 1 arstat.counts:4
register_carriers carrier-01 carrier-02 carrier-03 carrier-04

"$gen" kafka --bootstrap "$BOOTSTRAP" --carriers 4 --collectors 40 --windows 300 \
	--start 1796047200 --seed 5 --duplicates 300 --poison \
	>"$TEST_DIR/produced.txt" 2>"$TEST_DIR/testgen.log"
total=$((12000 + 300 + 6))

position() { # the offsets committed so far, over every partition
	"$gen" query --db "$db" "SELECT coalesce(sum(next_offset), 0) FROM positions" 2>/dev/null ||
		echo 0
}

# Small batches, so a run commits often. Each run is killed once it has
# committed at least one batch of its own, a random 0 to 90 ms later: in the
# middle of a batch or between two, never before it has started working.
kills=0 partial=0 last=0
while ((last < total && kills < 40)); do
	arstat_bg "$agg" ingest "${REGISTER[@]}" --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
		-o batch_max_messages=10 -o batch_max_ms=10 >>"$TEST_DIR/ingest-runs.log" \
		2>>"$TEST_DIR/aggregator.log"
	pid=$BG_PID
	for ((w = 0; w < 200; w++)); do
		(($(position) > last)) && break
		arstat_alive "$pid" || fail "ingest exited by itself; see aggregator.log"
		sleep 0.05
	done
	sleep "0.0$((RANDOM % 10))"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	_arstat_forget "$pid"
	kills=$((kills + 1))
	pos=$(position)
	((pos >= last)) || fail "the committed position went back from $last to $pos"
	if ((pos > 0 && pos < total)); then
		partial=$((partial + 1))
	fi
	last=$pos
done
echo "killed $kills times, $partial of them part way (position $last of $total)"
((partial >= 3)) || fail "only $partial kills happened while ingest was part way; the test proves nothing"

# The rest, to the end.
"$agg" ingest "${REGISTER[@]}" --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" --until-caught-up \
	>"$TEST_DIR/last-run.txt" 2>>"$TEST_DIR/aggregator.log" || fail "the last ingest failed"
assert_eq "$total" "$(position)" "positions after the last run"

q() { "$gen" query --db "$1" "$2"; }
assert_eq 12000 "$(q "$db" 'SELECT count(*) FROM records')" "records stored"
assert_eq 6 "$(q "$db" 'SELECT count(*) FROM dead_letters')" "dead letters counted"
messages=$(sed -n 's/^records=.* messages=\([0-9]*\) .*/\1/p' "$TEST_DIR/produced.txt")
assert_eq "$messages" "$(q "$db" 'SELECT sum(messages) FROM counts')" "messages in counts"
assert_eq "$messages" "$(q "$db" "SELECT sum(messages) FROM carrier_totals_named WHERE item = 'messages'")" \
	"messages in carrier_totals"
assert_eq "$messages" "$(q "$db" "SELECT sum(messages) FROM carrier_day_totals_named WHERE item = 'messages'")" \
	"messages in carrier_day_totals"
assert_eq 40 "$(q "$db" 'SELECT count(*) FROM runs')" "one run per collector"
# A dead letter may be written to the file again by a run killed before its
# batch committed, never lost.
assert_eq 6 "$(cut -f1-3 "$db.deadletter" | sort -u | wc -l)" "distinct dead letters in the file"

# One uninterrupted ingest of the same topic gives the same reports.
"$agg" ingest "${REGISTER[@]}" --db "$TEST_DIR/clean.db" -o "kafka.bootstrap.servers=$BOOTSTRAP" --until-caught-up \
	>/dev/null 2>>"$TEST_DIR/aggregator.log" || fail "the clean ingest failed"
for store in crashed clean; do
	"$agg" report "${REGISTER[@]}" --db "$TEST_DIR/$store.db" --from 2026-11 --to 2026-12 --by-carrier \
		--output "$TEST_DIR/$store-report.csv" --spam-output "$TEST_DIR/$store-spam.csv" \
		--coverage-output "$TEST_DIR/$store-coverage.csv" 2>>"$TEST_DIR/aggregator.log" ||
		fail "report of $store failed"
done
for f in report spam coverage; do
	cmp -s "$TEST_DIR/crashed-$f.csv" "$TEST_DIR/clean-$f.csv" ||
		fail "$f differs between the crashed and the clean store"
done

devbroker_stop
echo "aggregator_crash: $kills kills with SIGKILL lost nothing and counted nothing twice"
