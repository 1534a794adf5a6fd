#!/usr/bin/env bash
# integration.aggregator_filesink: the collector's file sink to the
# aggregator's --file, without Kafka:
#   arstat-loggen -> arstat-collector --once (sink = file, one per host)
#   -> Avro container files -> arstat-aggregator ingest --file -> report
#   -> equals the generator's ground truth.
# Reading the files again adds nothing; a copy of one under another name
# adds nothing either.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_filesink

logs=$TEST_DIR/logs
files=$TEST_DIR/files
mkdir -p "$files"
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 3 --hosts 2 --start 2026-09 --months 2 \
	--messages-per-day 30 --seed 13 2>"$TEST_DIR/loggen.log"
for c in carrier-a carrier-b carrier-c; do
	mkdir -p "$files/$c"
	for h in mx1 mx2; do
		conf=$TEST_DIR/$c-$h.conf
		cat >"$conf" <<CONF
carrier = $c
host_name = $h.$c.example.jp
state_dir = $TEST_DIR/state-$c-$h
input = $logs/$c/$h/maillog
trusted_authserv_ids = mx.$c.example.jp
spam_default = ham
sink = file
file_sink_dir = $files/$c
CONF
		"$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>>"$TEST_DIR/collector.log" ||
			fail "collector $c/$h failed"
	done
done
shopt -s nullglob
avro=("$files"/*/*.avro)
((${#avro[@]} >= 6)) || fail "the collectors wrote ${#avro[@]} container files, expected 6 or more"

db=$TEST_DIR/arstat.db
register_carriers carrier-a carrier-b carrier-c
ingest() { # ingest CARRIER FILE...: the files of one carrier's collectors
	local c=$1
	shift
	"$ARSTAT_BIN/arstat-aggregator" ingest "${REGISTER[@]}" --db "$db" --carrier "$c" \
		--file "$@" 2>>"$TEST_DIR/aggregator.log" || fail "ingest --file failed"
}
for c in carrier-a carrier-b carrier-c; do
	first=$(ingest "$c" "$files/$c"/*.avro)
	[[ $first == *" dead_letters=0 conflicts=0 "*" files_failed=0" && $first != "records_stored=0 "* ]] ||
		fail "first ingest of $c: $first"
done

mkdir -p "$TEST_DIR/r"
for m in 2026-09 2026-10; do
	"$ARSTAT_BIN/arstat-aggregator" report "${REGISTER[@]}" --db "$db" --month "$m" --by-carrier \
		--output "$TEST_DIR/r/report-$m.csv" --spam-output "$TEST_DIR/r/spam-$m.csv" \
		2>>"$TEST_DIR/aggregator.log" || fail "report $m failed"
done
{ cat "$TEST_DIR/r/report-2026-09.csv"; tail -n +2 "$TEST_DIR/r/report-2026-10.csv"; } >"$TEST_DIR/r/report.csv"
{ cat "$TEST_DIR/r/spam-2026-09.csv"; tail -n +2 "$TEST_DIR/r/spam-2026-10.csv"; } >"$TEST_DIR/r/spam.csv"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/r/report.csv" \
	"$TEST_DIR/r/spam.csv" >"$TEST_DIR/truth.log" || fail "report differs from the ground truth: $(cat "$TEST_DIR/truth.log")"

cp "$files/carrier-a"/*.avro "$TEST_DIR/"
again=$(ingest carrier-a "$files/carrier-a"/*.avro "$TEST_DIR"/*.avro)
[[ $again == "records_stored=0 "*" dead_letters=0 conflicts=0 "* ]] || fail "second ingest: $again"
# The same files delivered as another carrier's: every record is refused.
other=$(ingest carrier-b "$files/carrier-a"/*.avro)
[[ $other == "records_stored=0 duplicates_skipped=0 dead_letters="[1-9]*" conflicts=0 "* ]] ||
	fail "carrier-a's files as carrier-b's: $other"
assert_eq 0 "$(cut -f4 "$db.deadletter" | grep -vc '^wrong_source$')" "dead letters other than wrong_source"
echo "aggregator_filesink: ${#avro[@]} files of the file sink equal the ground truth; $first"
