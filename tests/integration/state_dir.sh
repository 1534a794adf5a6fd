#!/usr/bin/env bash
# integration.state_dir: the collector's state directory becomes unwritable,
# then full, while the collector follows a growing log. Each time it must say
# so clearly, stop reading (and expose it in its metrics), go on by itself
# once the directory is writable again, and in the end have lost nothing and
# counted nothing twice: the file sink's records, ingested and reported,
# equal the generator's ground truth.
#
# The state directory lives on a small tmpfs mounted for the test (so "full"
# is a real ENOSPC), and "unwritable" is the immutable flag on the directory
# (chattr +i), which stops root too. Both need root; without it the test is
# skipped (status 77), and says so.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init state_dir

statefs=$TEST_DIR/statefs
state=$statefs/state
mkdir -p "$statefs"
if ! mount -t tmpfs -o size=4m arstat-test "$statefs" 2>"$TEST_DIR/mount.log"; then
	echo "SKIP: cannot mount a tmpfs (needs root): $(cat "$TEST_DIR/mount.log")" >&2
	exit 77
fi
# Unmounted at the end however the test ends; a copy of the state is kept
# beside the logs if the test failed.
arstat_on_exit 'chattr -i "$state" 2>/dev/null; ((rc == 0)) || cp -a "$state" "$TEST_DIR/state.kept" 2>/dev/null; umount "$statefs"'
mkdir -p "$state"
chattr +i "$state" 2>/dev/null && chattr -i "$state" ||
	{ echo "SKIP: chattr +i does not work on tmpfs here" >&2; exit 77; }

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day 2000 --seed 17 2>"$TEST_DIR/loggen.log"
src=$logs/carrier-a/mx1/maillog
src_lines=$(wc -l <"$src")
mkdir -p "$TEST_DIR/live" "$TEST_DIR/files"
input=$TEST_DIR/live/maillog
: >"$input"
conf=$(collector_conf "$state" "$input" "sink = file" "file_sink_dir = $TEST_DIR/files")
# A broken state must stop reading: the line count holds still for 1.5 s.
assert_not_reading() {
	local before after
	before=$(collector_metric lines_total)
	sleep 1.5
	after=$(collector_metric lines_total)
	assert_eq "$before" "$after" "lines read while the state could not be saved ($1)"
}

arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >>"$TEST_DIR/collector.log" 2>&1
collector_pid=$BG_PID
arstat_bg "$ARSTAT_BIN/arstat-logfeed" --from "$src" --to "$input" --lines-per-second 25000 \
	>"$TEST_DIR/feed.log" 2>&1
feed_pid=$BG_PID
wait_metric state_broken 0 10
sleep 2

# 1. Unwritable.
chattr +i "$state"
wait_for_lines "$TEST_DIR/collector.log" 'cannot save progress .*Operation not permitted.*reading stops' 1 10
wait_metric state_broken 1 5
assert_not_reading unwritable
chattr -i "$state"
wait_for_lines "$TEST_DIR/collector.log" 'progress is saved again; reading goes on' 1 10
wait_metric state_broken 0 5
sleep 2

# 2. Full: a filler takes every free block of the tmpfs.
dd if=/dev/zero of="$statefs/filler" bs=64k 2>/dev/null || true
wait_for_lines "$TEST_DIR/collector.log" 'cannot (save progress|store a record) .*No space left on device.*reading stops' 1 10
wait_metric state_broken 1 5
assert_not_reading full
rm -f "$statefs/filler"
wait_for_lines "$TEST_DIR/collector.log" 'progress is saved again; reading goes on' 2 10
wait_metric state_broken 0 5

wait "$feed_pid" || fail "logfeed failed"
_arstat_forget "$feed_pid"
# Everything fed is read, then the collector stops on SIGTERM with status 0.
wait_metric lines_total "$src_lines" 60
stop_expect_ok "$collector_pid" collector
state_errors=$(collector_metric state_errors_total)
((state_errors > 0)) || fail "no failed save counted in state_errors_total"
# What SIGTERM left open (messages without their last line yet, the window
# still taking late lines) is in the checkpoint: a last run with --once
# finishes it, so the totals below must be exact.
"$ARSTAT_BIN/arstat-collector" -c "$conf" --once >>"$TEST_DIR/collector.log" 2>&1 ||
	fail "the collector's --once run after the restart failed"

db=$TEST_DIR/arstat.db
shopt -s nullglob
avro=("$TEST_DIR/files"/*.avro)
"$ARSTAT_BIN/arstat-aggregator" ingest -o carrier.carrier-a.name=carrier-a --carrier carrier-a --db "$db" --file "${avro[@]}" >"$TEST_DIR/ingest.log" 2>&1 ||
	fail "ingest --file failed"
"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$db" -o min_providers=1 --month 2026-10 \
	--output "$TEST_DIR/report.csv" --spam-output "$TEST_DIR/spam.csv" 2>>"$TEST_DIR/ingest.log" ||
	fail "report failed"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" "$TEST_DIR/spam.csv" \
	>"$TEST_DIR/truth.log" 2>&1 || fail "totals differ from the ground truth: $(cat "$TEST_DIR/truth.log")"
echo "state_dir: $src_lines lines, state unwritable then full while reading," \
	"$state_errors failed saves, totals equal the ground truth"
