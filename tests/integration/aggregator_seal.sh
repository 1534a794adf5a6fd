#!/usr/bin/env bash
# integration.aggregator_seal: arstat-aggregator seal (store.h, "Sealing").
# A store of schema version 8 (made by undoing version 9 in SQL) holding four
# days across a month's end is upgraded (8 -> 9 -> 10), then October is
# sealed day by day: its first two days of data first (October partly
# sealed: a crash point in the middle of a month), then its last while seal
# is killed with SIGKILL again and again (in the middle of its
# transaction, or paused just before its commit): after each kill every
# day is sealed or not, never half, and only the oldest days are. Every
# report (tidy, spam, coverage, the ministry's layout, in zones whose month
# starts at other quarter hours) is byte-identical before, with October
# partly sealed, whole, and with November partly sealed. Late records of a
# sealed day are dead letters with their reason (sealed_duplicate for a
# record delivered again, day_sealed for one never stored), and a record
# of November under a sealed identity an identity_conflict: counted
# nowhere. Last, ingest with seal_in_ingest = 1 seals a day past the
# horizon by itself.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_seal

agg=$ARSTAT_BIN/arstat-aggregator
gen=$ARSTAT_BIN/arstat-aggregator-testgen
db=$TEST_DIR/seal.db
register_carriers carrier-01 carrier-02 carrier-03
q() { "$gen" query --db "$db" "$1"; }

# 12 collectors, four days of minute windows from 2026-10-29T00:00Z, one
# with a gap (the coverage CSV shows it), with fates: October's 29th and
# 30th are whole UTC days inside it (sealing deletes their quarter-hour
# totals), the 31st its last day, November's 1st its first.
"$gen" store --db "$db" --carriers 3 --collectors 12 --windows 5760 --window-seconds 60 \
	--start 1793232000 --cells 8 --seed 11 --fates --skip 4:1300:30 >"$TEST_DIR/gen.txt" \
	2>"$TEST_DIR/gen.log" || fail "testgen store failed"

# Schema version 8, as a store of the previous release is: its tables,
# views and columns (counts_named joined collectors; no sealed counts).
named=$(q "SELECT sql FROM sqlite_schema WHERE name = 'counts_named'")
named=${named/LEFT JOIN collectors/JOIN collectors}
sqlite3 "$db" "DROP VIEW counts_named; DROP VIEW counts; DROP VIEW health_sealed_named;
	DROP TABLE sealed; DROP TABLE health_sealed; DROP TABLE counts_sealed;
	DROP INDEX records_packed_window; DROP INDEX records_packed_day;
	CREATE UNIQUE INDEX records_packed_seq ON records_packed(collector, epoch, first_seq, last_seq);
	ALTER TABLE records_packed DROP COLUMN min_window_ms;
	CREATE VIEW counts AS SELECT p.bucket_start_ms, p.carrier, p.collector,
	 CAST(j.key AS INTEGER) AS cell, j.value AS messages FROM counts_packed p, json_each(p.cells) j
	 WHERE substr(p.cells, 1, 1) = '{' UNION ALL SELECT bucket_start_ms, carrier, collector, cell,
	 messages FROM (SELECT p.bucket_start_ms AS bucket_start_ms, p.carrier AS carrier,
	 p.collector AS collector, j.key AS k, j.value AS messages,
	 sum(CASE WHEN j.key % 2 = 0 THEN j.value ELSE 0 END) OVER (PARTITION BY p.id ORDER BY j.key)
	 AS cell FROM counts_packed p, json_each(p.cells) j WHERE substr(p.cells, 1, 1) = '[')
	 WHERE k % 2 = 1;
	$named; PRAGMA user_version = 8;" || fail "could not make a store of schema 8"
assert_eq 8 "$(q 'PRAGMA user_version')" "schema before"

# reports DIR: every report of October and November, and both months in
# the ministry's layout, in zones whose month starts at other quarter hours.
reports() {
	local d=$1 tz z m
	mkdir -p "$d"
	for tz in Asia/Tokyo Asia/Kolkata UTC America/St_Johns Australia/Eucla; do
		z=${tz//\//_}
		for m in 2026-10 2026-11; do
			"$agg" report "${REGISTER[@]}" --db "$db" --month "$m" --tz "$tz" --by-carrier \
				--output "$d/tidy-$m-$z.csv" --spam-output "$d/spam-$m-$z.csv" \
				--coverage-output "$d/coverage-$m-$z.csv" 2>>"$TEST_DIR/report.log" ||
				fail "report $m $tz failed"
		done
		"$agg" report "${REGISTER[@]}" --db "$db" --from 2026-10 --to 2026-11 --tz "$tz" \
			--layout ministry --lang ja --output "$d/ministry-$z.csv" \
			2>>"$TEST_DIR/report.log" || fail "ministry report $tz failed"
	done
}
same_reports() { # same_reports DIR WHAT
	local f
	for f in "$TEST_DIR/before"/*.csv; do
		cmp -s "$f" "$1/${f##*/}" || fail "$2: ${f##*/} differs from the report before sealing"
	done
}
reports "$TEST_DIR/before" # also upgrades the store to 10
assert_eq 10 "$(q 'PRAGMA user_version')" "schema after the upgrade"
assert_eq 0 "$(q 'SELECT count(*) FROM records_packed WHERE min_window_ms IS NULL')" \
	"rows without their earliest window"
(($(ls "$TEST_DIR/before" | wc -l) == 35)) || fail "expected 35 report files"
grep -q ',gap,' "$TEST_DIR/before/coverage-2026-10-UTC.csv" ||
	fail "the coverage CSV shows no gap; the test proves less than it should"

day_ms=86400000
oct=1793491200000 # 2026-11-01T00:00Z
days=(1793232000000 1793318400000 1793404800000 1793491200000) # 2026-10-29 to 2026-11-01
oct_rows=$(q "SELECT count(*) FROM counts_packed WHERE bucket_start_ms < $oct")
oct_records=$(q "SELECT count(*) FROM records WHERE window_start_ms < $oct")
((oct_rows > 0 && oct_records == 12 * 3 * 1440 - 30)) ||
	fail "October: $oct_rows counts rows, $oct_records records"
# Each day's records and counts rows, unsealed.
declare -a day_records day_rows
for ((k = 0; k < 4; k++)); do
	d=${days[k]}
	day_records[k]=$(q "SELECT count(*) FROM records WHERE window_start_ms >= $d
		AND window_start_ms < $d + $day_ms")
	day_rows[k]=$(q "SELECT count(*) FROM counts_packed WHERE bucket_start_ms >= $d
		AND bucket_start_ms < $d + $day_ms")
	((day_records[k] > 0 && day_rows[k] > 0)) || fail "day $k holds nothing"
done

# state: each of the four days, S sealed (a row in sealed, no records or
# counts rows left, health sums written) or U as it was; anything else is
# a half-sealed day.
state() {
	local k d s r c h out=
	for ((k = 0; k < 4; k++)); do
		d=${days[k]}
		s=$(q "SELECT count(*) FROM sealed WHERE start_ms = $d AND end_ms = $d + $day_ms")
		r=$(q "SELECT count(*) FROM records WHERE window_start_ms >= $d
			AND window_start_ms < $d + $day_ms")
		c=$(q "SELECT count(*) FROM counts_packed WHERE bucket_start_ms >= $d
			AND bucket_start_ms < $d + $day_ms")
		h=$(q "SELECT count(*) FROM health_sealed WHERE bucket_start_ms >= $d
			AND bucket_start_ms < $d + $day_ms")
		if [[ $s == 0 && $r == "${day_records[k]}" && $c == "${day_rows[k]}" && $h == 0 ]]; then
			out+=U
		elif [[ $s == 1 && $r == 0 && $c == 0 && $h != 0 ]]; then
			out+=S
		else
			echo "half: day $k sealed=$s records=$r counts_rows=$c health=$h"
			return
		fi
	done
	echo "$out"
}

# Within the horizon: refused without --force.
if "$agg" seal "${REGISTER[@]}" --db "$db" --day 2026-10-29 -o seal_after_days=36500 \
	>"$TEST_DIR/refused.txt" 2>"$TEST_DIR/refused.log"; then
	fail "seal of a day within the horizon was not refused"
fi
grep -q "seal_after_days" "$TEST_DIR/refused.log" || fail "the refusal does not name the setting"
# A later day before an earlier one: refused, naming the earlier.
if "$agg" seal "${REGISTER[@]}" --db "$db" --day 2026-10-30 --force \
	>"$TEST_DIR/refused.txt" 2>"$TEST_DIR/refused.log"; then
	fail "seal of a day after one not sealed was not refused"
fi
grep -q "2026-10-29 holds records or counts not sealed" "$TEST_DIR/refused.log" ||
	fail "the refusal does not name the day: $(cat "$TEST_DIR/refused.log")"
assert_eq UUUU "$(state)" "after the refusals"

# October partly sealed: its first two days of data, one a command.
for day in 2026-10-29 2026-10-30; do
	"$agg" seal "${REGISTER[@]}" --db "$db" --day "$day" --force >"$TEST_DIR/seal-$day.txt" \
		2>>"$TEST_DIR/seal.log" || fail "seal --day $day failed"
	grep -q "^day=$day records=[1-9]" "$TEST_DIR/seal-$day.txt" ||
		fail "seal --day $day said: $(cat "$TEST_DIR/seal-$day.txt")"
	grep -q "^sealed_days=1 first=$day last=$day records=" "$TEST_DIR/seal-$day.txt" ||
		fail "seal --day $day printed no summary"
done
assert_eq SSUU "$(state)" "October partly sealed"
# Their quarter-hour totals are gone (inner days of October).
assert_eq 0 "$(q "SELECT count(*) FROM carrier_totals WHERE bucket_start_ms >= ${days[0]}
	AND bucket_start_ms < ${days[2]}")" "quarter-hour totals of October's inner days"
reports "$TEST_DIR/partly"
same_reports "$TEST_DIR/partly" "with October partly sealed"

# Killed: sealing October's last day, paused inside its transaction just
# before the commit (the hook waits 5 s), four times; then at random
# moments of its work (0 to 90 ms).
kills=0 paused=0
for ((i = 0; i < 8; i++)); do
	if ((i < 4)); then
		export ARSTAT_TEST_SEAL_PAUSE_MS=5000
	else
		unset ARSTAT_TEST_SEAL_PAUSE_MS
	fi
	arstat_bg "$agg" seal "${REGISTER[@]}" --db "$db" --day 2026-10-31 --force \
		>>"$TEST_DIR/killed.txt" 2>"$TEST_DIR/killed-$i.log"
	pid=$BG_PID
	if ((i < 4)); then
		# Until it says it pauses: its work is done, not committed.
		for ((w = 0; w < 200; w++)); do
			grep -q "pausing" "$TEST_DIR/killed-$i.log" && break
			sleep 0.05
		done
	else
		sleep "0.0$((RANDOM % 10))"
	fi
	if arstat_alive "$pid"; then
		kills=$((kills + 1))
		((i < 4)) && paused=$((paused + 1))
	fi
	stop_pid "$pid" KILL
	s=$(state)
	case $s in
	SSUU) ;;
	SSSU) break ;;
	*) fail "after kill $i: $s" ;;
	esac
done
unset ARSTAT_TEST_SEAL_PAUSE_MS
echo "killed $kills times ($paused inside the paused transaction); days $(state)"
((paused >= 3)) || fail "only $paused kills inside the transaction; the test proves nothing"
reports "$TEST_DIR/after-kills"
same_reports "$TEST_DIR/after-kills" "after the kills"

# The whole month: the days not sealed yet (the empty 1st to 28th, and the
# 31st if no kill came too late), a line each and one of their sums.
"$agg" seal "${REGISTER[@]}" --db "$db" --month 2026-10 --force >"$TEST_DIR/seal.txt" \
	2>>"$TEST_DIR/seal.log" || fail "seal failed"
grep -q "^day=2026-10-01 records=0 " "$TEST_DIR/seal.txt" ||
	fail "seal said: $(cat "$TEST_DIR/seal.txt")"
grep -q "^day=2026-10-29 " "$TEST_DIR/seal.txt" && fail "a day sealed twice"
left=$(grep -c '^day=' "$TEST_DIR/seal.txt")
((left == 28 || left == 29)) || fail "$left days sealed by --month"
grep -q "^sealed_days=$left first=2026-10-01 last=2026-10-" "$TEST_DIR/seal.txt" ||
	fail "no summary: $(cat "$TEST_DIR/seal.txt")"
assert_eq SSSU "$(state)" "after seal"
assert_eq 31 "$(q "SELECT count(*) FROM sealed WHERE end_ms <= $oct")" "October's days sealed"
assert_eq "$oct_records" "$(q "SELECT sum(records) FROM sealed WHERE end_ms <= $oct")" \
	"sealed records"
# Quarter-hour totals of October's whole inner days (29th, 30th) are gone,
# those of its last day (31st) and of November kept; the reports below are
# the same.
assert_eq 0 "$(q "SELECT count(*) FROM carrier_totals WHERE bucket_start_ms >= ${days[0]}
	AND bucket_start_ms < ${days[2]}")" "quarter-hour totals of October's inner days"
(($(q "SELECT sum(totals_rows) FROM sealed WHERE end_ms <= $oct") > 0)) ||
	fail "no quarter-hour totals deleted"
assert_eq 0 "$(q "SELECT totals_rows FROM sealed WHERE period = '2026-10-31'")" \
	"quarter-hour totals deleted of October's last day"
(($(q "SELECT count(*) FROM carrier_totals WHERE bucket_start_ms >= ${days[2]}
	AND bucket_start_ms < $oct") > 0)) || fail "October's last day's totals deleted"
assert_eq "$oct_records" "$(q 'SELECT sum(records) FROM health_sealed')" "health_sealed records"
assert_eq 0 "$(q "SELECT count(*) FROM counts WHERE bucket_start_ms < $oct AND collector IS NOT NULL")" \
	"October counts with a collector"
reports "$TEST_DIR/sealed"
same_reports "$TEST_DIR/sealed" "after sealing"
# A second time: nothing to do.
"$agg" seal "${REGISTER[@]}" --db "$db" --month 2026-10 --force >"$TEST_DIR/again.txt" \
	2>>"$TEST_DIR/seal.log" || fail "sealing again failed"
[[ ! -s $TEST_DIR/again.txt ]] || fail "sealing again said: $(cat "$TEST_DIR/again.txt")"

# Late records, delivered in carrier-01's files. October's first window of
# the same 12 collectors (4 of them carrier-01's: delivered again) and of
# a 13th collector, also carrier-01's, never seen (too late); the other
# carriers' records in the file are wrong_source.
dead() { q "SELECT count(*) FROM dead_letters WHERE reason = '$1'"; }
"$gen" ocf --out "$TEST_DIR/late.avro" --carriers 3 --collectors 13 --windows 1 \
	--window-seconds 60 --start 1793232000 --cells 8 --seed 11 --fates \
	>/dev/null 2>>"$TEST_DIR/gen.log" || fail "testgen ocf failed"
out=$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/late.avro" \
	2>>"$TEST_DIR/ingest.log") || fail "ingest of late records failed"
[[ $out == "records_stored=0 duplicates_skipped=0 dead_letters=13 conflicts=0 "* ]] ||
	fail "late records: $out"
assert_eq 4 "$(dead sealed_duplicate)" "sealed_duplicate dead letters"
assert_eq 1 "$(dead day_sealed)" "day_sealed dead letters"
assert_eq 8 "$(dead wrong_source)" "wrong_source dead letters"
grep -q "dead letter: sealed_duplicate" "$TEST_DIR/ingest.log" || fail "sealed_duplicate not logged"

# November's first window under the identities of October's (seq 1): a
# conflict with a sealed record, not an error, not stored.
"$gen" ocf --out "$TEST_DIR/reuse.avro" --carriers 3 --collectors 12 --windows 1 \
	--window-seconds 60 --start 1793491200 --cells 8 --seed 11 --fates \
	>/dev/null 2>>"$TEST_DIR/gen.log" || fail "testgen ocf failed"
out=$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 --file "$TEST_DIR/reuse.avro" \
	2>>"$TEST_DIR/ingest.log") || fail "ingest of reused identities failed"
[[ $out == "records_stored=0 duplicates_skipped=0 dead_letters=12 conflicts=4 "* ]] ||
	fail "reused identities: $out"
assert_eq 4 "$(dead identity_conflict)" "identity_conflict dead letters"
grep -q "delivered again for a record of a sealed day" "$TEST_DIR/ingest.log" ||
	fail "the conflict with a sealed record is not logged"

# Counted nowhere: every report as it was.
reports "$TEST_DIR/late"
same_reports "$TEST_DIR/late" "after the late records"
# November partly sealed (its first day, the only one with data, kept its
# quarter hours): the reports again.
"$agg" seal "${REGISTER[@]}" --db "$db" --day 2026-11-01 --force >"$TEST_DIR/nov.txt" \
	2>>"$TEST_DIR/seal.log" || fail "seal --day 2026-11-01 failed"
assert_eq SSSS "$(state)" "November's first day sealed"
assert_eq 0 "$(q "SELECT totals_rows FROM sealed WHERE period = '2026-11-01'")" \
	"quarter-hour totals deleted of November's first day"
reports "$TEST_DIR/nov"
same_reports "$TEST_DIR/nov" "with November partly sealed"

# Ingest seals by itself with seal_in_ingest = 1: a day three months back
# (past any horizon of 8 days) and today's first minutes, delivered in one
# file; the old day is sealed after the batches (and the empty days after
# it that are due), today is not.
db=$TEST_DIR/daemon.db
now=$(date -u +%s)
today=$(date -u -d "@$now" +%Y-%m-%d)
old=$(date -u -d "$today -3 months" +%s)
cur=$(date -u -d "$today" +%s)
"$gen" ocf --out "$TEST_DIR/old.avro" --carriers 1 --collectors 3 --windows 1440 \
	--window-seconds 60 --start "$old" --seed 12 >/dev/null 2>>"$TEST_DIR/gen.log" ||
	fail "testgen ocf failed"
"$gen" ocf --out "$TEST_DIR/cur.avro" --carriers 1 --collectors 3 --windows 10 \
	--window-seconds 60 --start "$cur" --seed 13 >/dev/null 2>>"$TEST_DIR/gen.log" ||
	fail "testgen ocf failed"
out=$("$agg" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-01 -o seal_in_ingest=1 \
	-o seal_after_days=8 --file "$TEST_DIR/old.avro" "$TEST_DIR/cur.avro" \
	2>>"$TEST_DIR/daemon.log") || fail "ingest with seal_in_ingest failed"
[[ $out == "records_stored=4350 "* ]] || fail "ingest with seal_in_ingest: $out"
old_day=$(date -u -d "@$old" +%Y-%m-%d)
assert_eq 1 "$(q "SELECT count(*) FROM sealed WHERE period = '$old_day'")" "$old_day sealed"
assert_eq 0 "$(q "SELECT count(*) FROM sealed WHERE end_ms > ${cur}000")" "$today sealed"
assert_eq 4320 "$(q "SELECT records FROM sealed WHERE period = '$old_day'")" "records sealed"
assert_eq 30 "$(q 'SELECT count(*) FROM records')" "records of today kept"
grep -q "sealed $old_day: 4320 records" "$TEST_DIR/daemon.log" || fail "the seal is not logged"

echo "ok: sealed $oct_records records day by day; reports identical in 35 files" \
	"(partly sealed, killed, whole, late records, November partly); late records dead-lettered"
