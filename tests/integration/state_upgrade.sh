#!/usr/bin/env bash
# integration.state_upgrade: a collector upgraded in place keeps its state.
# tests/golden/state-upgrade/ holds a state directory written by an earlier
# build (see its README): the identity (epoch and pseudonym secret) and the
# checkpoint it saved on SIGTERM after the first 18 lines of maillog, with a
# message still open and a window not yet published. This build must
#   1. write the same checkpoint bytes from the same 18 lines (all but the
#      file's device and inode numbers, the wall-clock time of the position
#      and so the checksum, which differ from run to run), in the current
#      checkpoint version (v1_as_v2);
#   2. resume from the golden checkpoint: read only the lines after it, find
#      the file by its SHA-256 fingerprint, and publish under the same
#      pseudonym (HMAC-SHA-256 of the host name under the golden secret);
#   3. publish, with the resumed run, the same counts as a run that read the
#      whole log at once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init state_upgrade

golden=$ARSTAT_SOURCE_DIR/tests/golden/state-upgrade
pseudonym=5d6e5a62de7197981ef05fd2299f8571
lines_before=18
lines_all=$(wc -l <"$golden/maillog")

# hex_to_file HEXFILE OUT: the bytes written as hex digits (blanks and line
# breaks ignored) in HEXFILE.
hex_to_file() {
	local hex

	hex=$(tr -d ' \n' <"$1")
	printf '%b' "$(sed 's/../\\x&/g' <<<"$hex")" >"$2"
}

# checkpoint_masked FILE: the checkpoint as hex with what changes from run to
# run as dots: the input's device and inode (bytes 56-71), the time of the
# position (128-135) and the CRC (the last 4). The offsets hold for one input
# named "main".
checkpoint_masked() {
	local hex n

	hex=$(od -An -v -tx1 "$1" | tr -d ' \n')
	n=${#hex}
	printf '%s%s%s%s%s\n' "${hex:0:112}" "................................" "${hex:144:112}" \
		"................" "${hex:272:n-280}"
}

# v1_as_v2 HEX: the masked hex of the golden checkpoint (version 1) as this
# build writes the same content (version 2, collector/checkpoint.h): the
# version, an empty journal cursor (u32 0) after the input's position (hex
# offset 272), and the health counter input_losses (i64 0) after the health
# of the one window, just before its one cell (the last 12 bytes).
v1_as_v2() {
	local h=$1 n=${#1}

	printf '%s2%s00000000%s0000000000000000%s\n' "${h:0:17}" "${h:18:254}" \
		"${h:272:n-272-24}" "${h:n-24}"
}

# run_conf NAME INPUT: a configuration for state $TEST_DIR/NAME/state, file
# sink $TEST_DIR/NAME/files. The grace keeps the clock from closing windows.
run_conf() {
	mkdir -p "$TEST_DIR/$1/files"
	collector_conf "$TEST_DIR/$1/state" "$2" "sink = file" "file_sink_dir = $TEST_DIR/$1/files" \
		"window_grace_seconds = 86400"
}

# 1. The same checkpoint from the same lines.
mkdir -p "$TEST_DIR/rewrite/state" "$TEST_DIR/rewrite/live"
cp "$golden/state/identity" "$TEST_DIR/rewrite/state/identity"
head -n "$lines_before" "$golden/maillog" >"$TEST_DIR/rewrite/live/maillog"
conf=$(run_conf rewrite "$TEST_DIR/rewrite/live/maillog")
arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >>"$TEST_DIR/collector.log" 2>&1
pid=$BG_PID
wait_metric lines_total "$lines_before" 30
stop_expect_ok "$pid" collector
hex_to_file "$golden/state/checkpoint.hex" "$TEST_DIR/golden-checkpoint"
assert_eq "$(v1_as_v2 "$(checkpoint_masked "$TEST_DIR/golden-checkpoint")")" \
	"$(checkpoint_masked "$TEST_DIR/rewrite/state/checkpoint")" "checkpoint bytes"
assert_eq 0 "$(find "$TEST_DIR/rewrite/files" -type f | wc -l)" "files published before SIGTERM"

# 2. Resume from the golden state, with lines appended since.
rm -f "$TEST_DIR/metrics.prom"
mkdir -p "$TEST_DIR/resume/state" "$TEST_DIR/resume/live"
cp "$golden/state/identity" "$golden/state/outbox" "$TEST_DIR/resume/state/"
cp "$TEST_DIR/golden-checkpoint" "$TEST_DIR/resume/state/checkpoint"
head -n "$lines_before" "$golden/maillog" >"$TEST_DIR/resume/live/maillog"
tail -n +"$((lines_before + 1))" "$golden/maillog" >>"$TEST_DIR/resume/live/maillog"
conf=$(run_conf resume "$TEST_DIR/resume/live/maillog")
"$ARSTAT_BIN/arstat-collector" -c "$conf" --once >>"$TEST_DIR/collector.log" 2>&1 ||
	fail "the collector's --once run on the golden state failed"
assert_eq $((lines_all - lines_before)) "$(collector_metric lines_total)" "lines read after resuming"
assert_eq 0 "$(collector_metric positions_lost_total)" "positions lost"
resumed_records=$(collector_metric records_total)
cmp -s "$golden/state/identity" "$TEST_DIR/resume/state/identity" || fail "the identity changed"
shopt -s nullglob
files=("$TEST_DIR/resume/files"/*.avro)
((${#files[@]} > 0)) || fail "the resumed run published no file"
for f in "${files[@]}"; do
	[[ ${f##*/} == "$pseudonym"-* ]] || fail "published as ${f##*/}, not under pseudonym $pseudonym"
done

# 3. The whole log at once, under the same identity.
rm -f "$TEST_DIR/metrics.prom"
mkdir -p "$TEST_DIR/whole/state"
cp "$golden/state/identity" "$TEST_DIR/whole/state/"
conf=$(run_conf whole "$golden/maillog")
"$ARSTAT_BIN/arstat-collector" -c "$conf" --once >>"$TEST_DIR/collector.log" 2>&1 ||
	fail "the collector's --once run on the whole log failed"
assert_eq "$lines_all" "$(collector_metric lines_total)" "lines read at once"
assert_eq "$(collector_metric records_total)" "$resumed_records" "records published"

for run in resume whole; do
	files=("$TEST_DIR/$run/files"/*.avro)
	"$ARSTAT_BIN/arstat-aggregator" ingest -o carrier.carrier-a.name=carrier-a --carrier carrier-a --db "$TEST_DIR/$run.db" --file "${files[@]}" \
		>"$TEST_DIR/$run-ingest.out" 2>>"$TEST_DIR/aggregator.log" || fail "ingest of $run failed"
	"$ARSTAT_BIN/arstat-aggregator" report -o carrier.carrier-a.name=carrier-a --db "$TEST_DIR/$run.db" -o min_providers=1 \
		--month 2026-10 --output "$TEST_DIR/$run-report.csv" \
		--spam-output "$TEST_DIR/$run-spam.csv" 2>>"$TEST_DIR/aggregator.log" ||
		fail "report of $run failed"
done
(($(wc -l <"$TEST_DIR/whole-report.csv") > 1)) || fail "the report of the whole log is empty"
cmp "$TEST_DIR/resume-report.csv" "$TEST_DIR/whole-report.csv" ||
	fail "the resumed run's report differs from the whole log's"
cmp "$TEST_DIR/resume-spam.csv" "$TEST_DIR/whole-spam.csv" ||
	fail "the resumed run's spam report differs from the whole log's"
echo "state_upgrade: golden checkpoint rewritten byte for byte, resumed after line" \
	"$lines_before of $lines_all under pseudonym $pseudonym, $resumed_records records as at once"
