#!/usr/bin/env bash
# integration.aggregator_ingest: arstat-aggregator against a real broker
# process, with records of many collectors (arstat-aggregator-testgen):
#   - every record stored once: duplicates dropped, poison records (not ours,
#     unknown schema version, corrupt, invalid, identity conflict, tombstone)
#     counted, logged by topic/partition/offset and kept in the dead-letter
#     file, and ingest goes on;
#   - the record of schema version 1 as first published (golden fixture) is
#     decoded, and refused for its health counters (fewer lines read than
#     messages: health_lines);
#   - re-running ingest changes nothing; the report is byte-identical;
#   - container files of the same records add nothing, new ones add theirs,
#     a file cut short yields its complete blocks; a file whose blocks carry
#     no checksum (codec null) is refused unless --allow-unchecked;
#   - the report over several months, the ministry layout in CP932 (round
#     trip through iconv), and a coverage gap detected and flagged.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_ingest

agg=$ARSTAT_BIN/arstat-aggregator
gen=$ARSTAT_BIN/arstat-aggregator-testgen
db=$TEST_DIR/agg.db
devbroker_start 1 arstat.counts:3
register_carriers carrier-01 carrier-02 carrier-03 jp-fixture

# 12 collectors of 3 carriers, one-minute windows from 2026-11-30T14:00Z for
# two hours: the hour from 15:00Z is December in Tokyo. Collector 4 misses
# ten windows (a gap); 25 records are published twice.
gen_args=(--carriers 3 --collectors 12 --windows 120 --window-seconds 60
	--start 1796047200 --skip 4:30:10)
"$gen" kafka --bootstrap "$BOOTSTRAP" "${gen_args[@]}" --seed 11 --duplicates 25 --poison \
	--extra-hex <(grep -v '^#' "$ARSTAT_SOURCE_DIR/tests/unit/golden/counts-v1-record.hex") \
	>"$TEST_DIR/produced.txt" 2>"$TEST_DIR/testgen.log"
records=$(sed -n 's/^records=\([0-9]*\) .*/\1/p' "$TEST_DIR/produced.txt")
assert_eq 1430 "$records" "records generated"

ingest() {
	"$agg" ingest "${REGISTER[@]}" --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" --until-caught-up \
		-o batch_max_messages=100 2>>"$TEST_DIR/aggregator.log"
}
# records stored; 25 duplicates; 6 poison and the v1 fixture dead letters.
assert_eq "records_stored=1430 duplicates_skipped=25 dead_letters=7 conflicts=1 kafka_messages=1462" \
	"$(ingest)" "first ingest"
for reason in not_ours unknown_schema corrupt invalid identity_conflict health_lines; do
	grep -q "partition [0-9] offset [0-9]*: dead letter: $reason" "$TEST_DIR/aggregator.log" ||
		fail "no log line for the $reason dead letter"
done
assert_eq 7 "$(wc -l <"$db.deadletter")" "dead-letter file lines"
assert_eq 2 "$(cut -f4 "$db.deadletter" | grep -c '^not_ours$')" "not_ours dead letters"
assert_eq 1 "$(cut -f4 "$db.deadletter" | grep -c '^health_lines$')" \
	"the schema v1 record is decoded and refused for its health"

report() { # report DIR: every output of the two months
	mkdir -p "$1"
	"$agg" report "${REGISTER[@]}" --db "$db" --from 2026-11 --to 2026-12 --by-carrier \
		--output "$1/report.csv" --spam-output "$1/spam.csv" \
		--coverage-output "$1/coverage.csv" 2>>"$TEST_DIR/aggregator.log" || fail "report failed"
	"$agg" report "${REGISTER[@]}" --db "$db" --from 2026-11 --to 2026-12 --layout ministry --lang ja \
		--encoding cp932 -o min_providers=2 --output "$1/ministry.csv" \
		2>>"$TEST_DIR/aggregator.log" || fail "ministry report failed"
}
report "$TEST_DIR/r1"

# A second ingest reads nothing, and the report stays the same to the byte.
assert_eq "records_stored=0 duplicates_skipped=0 dead_letters=0 conflicts=0 kafka_messages=0" \
	"$(ingest)" "second ingest"
report "$TEST_DIR/r2"
for f in report.csv spam.csv coverage.csv ministry.csv; do
	cmp -s "$TEST_DIR/r1/$f" "$TEST_DIR/r2/$f" || fail "re-ingest changed $f"
done

# The report adds up to what was generated: per carrier over both months
# (the spam CSV's messages), and all carriers.
for c in 1 2 3; do
	want=$(sed -n "s/^carrier=carrier-0$c messages=\([0-9]*\) .*/\1/p" "$TEST_DIR/produced.txt")
	got=$(awk -F, -v c="carrier-0$c" '$2 == c { n += $4 } END { print n + 0 }' "$TEST_DIR/r1/spam.csv")
	assert_eq "$want" "$got" "messages of carrier-0$c"
done
# The month boundary in Tokyo: the first hour is November, the second December.
nov=$(awk -F, '$1 == "2026-11" && $2 == "carrier-01" { print $4 }' "$TEST_DIR/r1/spam.csv")
dec=$(awk -F, '$1 == "2026-12" && $2 == "carrier-01" { print $4 }' "$TEST_DIR/r1/spam.csv")
[[ $nov -gt 0 && $dec -gt 0 ]] || fail "both months should hold carrier-01's mail ($nov, $dec)"

# Coverage: the gap of collector 4 (carrier-02) is listed, its month flagged.
grep -q ',carrier-02,[0-9a-f]*,gap,2026-11-30T14:30:00Z,2026-11-30T14:40:00Z,60,,,10,,$' \
	"$TEST_DIR/r1/coverage.csv" || fail "the gap is not in the coverage CSV"
# The complete column of a carrier's SPF row in November, found by its name
# (the fates' columns come after it).
complete_of() {
	awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "complete") k = i }
		$1 == "2026-11" && $2 == c && $3 == "spf" { print $k }' "$TEST_DIR/r1/report.csv"
}
assert_eq "no" "$(complete_of carrier-02)" "carrier-02's November is incomplete"
assert_eq "yes" "$(complete_of carrier-01)" "carrier-01's November is complete"

# The ministry layout in CP932 reads back as the same text in UTF-8.
iconv -f CP932 -t UTF-8 "$TEST_DIR/r1/ministry.csv" >"$TEST_DIR/ministry-utf8.csv" ||
	fail "the CP932 file does not convert back"
# SPF's providers: the three carriers in both months.
grep -q $'^データ提供者数,3,3\r$' "$TEST_DIR/ministry-utf8.csv" || fail "no providers row"
grep -q '^データの完全性,欠損あり,' "$TEST_DIR/ministry-utf8.csv" || fail "November not flagged"

# Container files of the file sink, delivered for carrier-01: the same
# records add nothing (their identities are stored), other records add
# theirs, a file cut short adds its complete blocks and one dead letter, a
# missing file fails the run. The files hold every carrier's records: the
# 950 of carrier-02 and carrier-03 are refused (wrong_source), the 480 of
# carrier-01's four collectors are its own.
"$gen" ocf --out "$TEST_DIR/same.avro" "${gen_args[@]}" --seed 11 \
	>/dev/null 2>>"$TEST_DIR/testgen.log"
"$gen" ocf --out "$TEST_DIR/new.avro" "${gen_args[@]}" --seed 12 \
	>/dev/null 2>>"$TEST_DIR/testgen.log"
# Cut inside the last block's sync marker (its final 16 bytes), wherever the
# blocks end: a fixed offset from the start can fall on a block boundary.
head -c -7 "$TEST_DIR/new.avro" >"$TEST_DIR/cut.avro"
assert_eq "records_stored=0 duplicates_skipped=480 dead_letters=950 conflicts=0 file_records=1430 files=1 files_failed=0" \
	"$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/same.avro" 2>>"$TEST_DIR/aggregator.log")" \
	"a file of the same records"
out=$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/cut.avro" "$TEST_DIR/new.avro" \
	"$TEST_DIR/missing.avro" 2>>"$TEST_DIR/aggregator.log") && fail "a missing file must fail the run"
[[ $out == "records_stored=480 "*" dead_letters=951 conflicts=0 "*" files=2 files_failed=1" ]] ||
	fail "new files: $out"
grep -q "missing.avro: No such file" "$TEST_DIR/aggregator.log" || fail "missing file not logged"
assert_eq 1 "$(grep -c $'\ttruncated\t' "$db.deadletter")" "the cut file's dead letter"
assert_eq 1900 "$(grep -c $'\twrong_source\t' "$db.deadletter")" "other carriers' records in the files"

# A file as the file sink wrote them before snappy: no checksum, refused
# unless the operator says --allow-unchecked.
"$gen" ocf --out "$TEST_DIR/old.avro" "${gen_args[@]}" --seed 13 --codec null \
	>/dev/null 2>>"$TEST_DIR/testgen.log"
out=$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/old.avro" 2>>"$TEST_DIR/aggregator.log") &&
	fail "a file without checksums must fail the run"
[[ $out == "records_stored=0 "*" files=0 files_failed=1" ]] || fail "unchecked file: $out"
grep -q "old.avro: codec null: its blocks carry no checksum" "$TEST_DIR/aggregator.log" ||
	fail "the refusal of a file without checksums is not logged"
out=$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/old.avro" --allow-unchecked \
	2>>"$TEST_DIR/aggregator.log") || fail "--allow-unchecked: ingest failed"
[[ $out == "records_stored=480 "*" files=1 files_failed=0" ]] || fail "--allow-unchecked: $out"

devbroker_stop
echo "aggregator_ingest: duplicates dropped, poison counted, v1 decoded, re-ingest idempotent, files deduplicated, unchecked files refused"
