#!/usr/bin/env bash
# integration.outbox_limit: a record that cannot be stored must never be lost,
# even when progress can still be saved. The collector runs under a file size
# limit (ulimit -f, like systemd's LimitFSIZE=) of 64 KiB while the brokers
# are down, so its outbox stops growing (EFBIG) while the checkpoint, a small
# file, is still written. The collector must stop reading until the records
# due are stored, keep their windows, and after the brokers return deliver
# totals equal to the ground truth. (A window taken out of memory before its
# record was stored was dropped by the next checkpoint: integration.state_dir
# could not tell, as a full or locked directory fails the checkpoint too.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init outbox_limit

devbroker_start 1 arstat.counts:1
logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day 500 --seed 23 2>"$TEST_DIR/loggen.log"
src=$logs/carrier-a/mx1/maillog
src_lines=$(wc -l <"$src")
conf=$(collector_conf "$TEST_DIR/state" "$src" "kafka.bootstrap.servers = $BOOTSTRAP")

# Brokers down before the start: every record stays in the outbox.
devbroker_down
# ulimit -f counts 1,024-byte blocks; the collector's log stays far below.
arstat_bg bash -c 'ulimit -f 64 && exec "$@"' _ "$ARSTAT_BIN/arstat-collector" -c "$conf" \
	>>"$TEST_DIR/collector.log" 2>&1
collector_pid=$BG_PID
wait_for_lines "$TEST_DIR/collector.log" 'cannot store a record .*File too large.*reading stops' 1 30
for ((i = 0; i < 50; i++)); do
	[[ $(collector_metric state_broken) == 1 ]] && break
	sleep 0.1
done
assert_eq 1 "$(collector_metric state_broken)" "state_broken while the outbox cannot grow"
before=$(collector_metric lines_total)
sleep 2
assert_eq "$before" "$(collector_metric lines_total)" "lines read while records could not be stored"
((before < src_lines)) || fail "the whole log was read before the limit was reached"

devbroker_up
wait_metric lines_total "$src_lines" 60
wait_metric state_broken 0 10
grep -q 'progress is saved again; reading goes on' "$TEST_DIR/collector.log" ||
	fail "no recovery logged"
stop_expect_ok "$collector_pid" collector
# What SIGTERM left open is finished by a last run.
"$ARSTAT_BIN/arstat-collector" -c "$conf" --once >>"$TEST_DIR/collector.log" 2>&1 ||
	fail "the collector's --once run failed"

db=$TEST_DIR/arstat.db
"$ARSTAT_BIN/arstat-aggregator" ingest -o carrier.carrier-a.name=carrier-a --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
	--until-caught-up >"$TEST_DIR/ingest.log" 2>&1 || fail "ingest failed"
"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$db" -o min_providers=1 --month 2026-10 \
	--output "$TEST_DIR/report.csv" --spam-output "$TEST_DIR/spam.csv" 2>>"$TEST_DIR/ingest.log" ||
	fail "report failed"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" "$TEST_DIR/spam.csv" \
	>"$TEST_DIR/truth.log" 2>&1 || fail "totals differ from the ground truth: $(cat "$TEST_DIR/truth.log")"
devbroker_stop
echo "outbox_limit: $src_lines lines; reading stopped at $before while the outbox could not grow;" \
	"totals equal the ground truth"
