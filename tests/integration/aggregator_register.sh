#!/usr/bin/env bash
# integration.aggregator_register: only registered carriers are providers
# (issue 14, item 1). Three carriers deliver, two are registered; with
# min_providers = 3 the combined figures must stay withheld:
#   - from Kafka, the third (invented) carrier's records are dead letters
#     (unknown_carrier), logged by origin, and the providers stay at 2;
#   - a carrier bound to a topic of its own has its records on the shared
#     topic refused (wrong_source);
#   - ingest --file needs --carrier, a registered one, and refuses the
#     records of every other carrier in the file.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_register

agg=$ARSTAT_BIN/arstat-aggregator
gen=$ARSTAT_BIN/arstat-aggregator-testgen
db=$TEST_DIR/agg.db
devbroker_start 1 arstat.counts:2 arstat.counts.carrier-02:1

# 3 collectors of 3 carriers (carrier-01..03), 10 one-minute windows each.
gen_args=(--carriers 3 --collectors 3 --windows 10 --window-seconds 60 --start 1796047200)
"$gen" kafka --bootstrap "$BOOTSTRAP" "${gen_args[@]}" --seed 3 \
	>"$TEST_DIR/produced.txt" 2>"$TEST_DIR/testgen.log"
register_carriers carrier-01 carrier-02
ingest() {
	"$agg" ingest "${REGISTER[@]}" --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
		--until-caught-up "$@" 2>>"$TEST_DIR/aggregator.log"
}
assert_eq "records_stored=20 duplicates_skipped=0 dead_letters=10 conflicts=0 kafka_messages=30" \
	"$(ingest)" "ingest with carrier-03 unregistered"
assert_eq 10 "$(cut -f4 "$db.deadletter" | grep -c '^unknown_carrier$')" "unknown_carrier dead letters"
grep -q "partition [0-9] offset [0-9]*: dead letter: unknown_carrier" "$TEST_DIR/aggregator.log" ||
	fail "no log line for the unknown_carrier dead letter"
assert_eq 0 "$("$gen" query --db "$db" "SELECT count(*) FROM records_named WHERE carrier = 'carrier-03'")" \
	"records of the invented carrier stored"

# Two providers with min_providers = 3: every combined figure is withheld.
"$agg" report "${REGISTER[@]}" --db "$db" --month 2026-11 -o min_providers=3 \
	--output "$TEST_DIR/report.csv" 2>>"$TEST_DIR/aggregator.log" || fail "report failed"
assert_eq "2 yes" "$(awk -F, '$3 == "spf" { print $4, $29 }' "$TEST_DIR/report.csv")" \
	"SPF providers and suppression"
assert_eq "" "$(awk -F, '$3 == "spf" { print $5 }' "$TEST_DIR/report.csv")" "SPF messages withheld"

# carrier-02 bound to a topic of its own: its records on the shared topic
# are refused. A fresh store reads the topic from the start.
rm -f "$db" "$db".*
REGISTER+=(-o carrier.carrier-02.topics=arstat.counts.carrier-02)
out=$(ingest) || fail "ingest with carrier-02 on its own topic failed: $(tail -3 "$TEST_DIR/aggregator.log")"
[[ $out == "records_stored=10 duplicates_skipped=0 dead_letters=20 "* ]] ||
	fail "carrier-02 bound elsewhere: $out"
assert_eq 10 "$(cut -f4 "$db.deadletter" | grep -c '^wrong_source$')" "wrong_source dead letters"

# Files: --carrier is required and must be registered; records of the other
# carriers in the file are refused.
"$gen" ocf --out "$TEST_DIR/all.avro" "${gen_args[@]}" --seed 4 >/dev/null 2>>"$TEST_DIR/testgen.log"
register_carriers carrier-01 carrier-02
rm -f "$db" "$db".*
status=0
"$agg" ingest "${REGISTER[@]}" --db "$db" --file "$TEST_DIR/all.avro" >/dev/null \
	2>>"$TEST_DIR/aggregator.log" || status=$?
assert_eq 64 "$status" "ingest --file without --carrier (EX_USAGE)"
status=0
"$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-03 --file "$TEST_DIR/all.avro" \
	>/dev/null 2>>"$TEST_DIR/aggregator.log" || status=$?
assert_eq 1 "$status" "ingest --file --carrier of an unregistered carrier"
grep -q -- "--carrier carrier-03 is not registered" "$TEST_DIR/aggregator.log" ||
	fail "no message for the unregistered --carrier"
assert_eq "records_stored=10 duplicates_skipped=0 dead_letters=20 conflicts=0 file_records=30 files=1 files_failed=0" \
	"$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/all.avro" \
		2>>"$TEST_DIR/aggregator.log")" "a file delivered for carrier-01"
assert_eq 10 "$(cut -f4 "$db.deadletter" | grep -c '^wrong_source$')" "carrier-02's records in the file"
assert_eq 10 "$(cut -f4 "$db.deadletter" | grep -c '^unknown_carrier$')" "carrier-03's records in the file"

devbroker_stop
echo "aggregator_register: unregistered carriers and unbound sources are dead letters; providers stay registered ones"
