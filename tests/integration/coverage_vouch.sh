#!/usr/bin/env bash
# integration.coverage_vouch (issue 13): a quiet hour is vouched for, an hour
# the collector was not reading is not, and the coverage CSV shows exactly
# that hour as the month's one gap.
#
# Backfill: a month of carrier-a's mx1 and mx2 logs (hourly windows) with no
# line at all on 5 September 13:00-14:00 JST (quiet: each collector reads
# through it in one run), and mx1 read by two --once runs: the first up to
# 10 September 12:00 JST, the second over what was appended after 13:00, so
# that no run read through the hour in between (on a backfill, "down"). mx2
# reads its month in one run. Then ingest --file and report: mx2 complete,
# mx1 missing exactly 10 September 12:00-13:00 JST.
#
# Following: a collector of an idle log runs, is stopped, stays stopped a
# few seconds and runs again (one-second windows), then runs a third time
# with its input missing for a few seconds: the seconds it read through are
# vouched for although no line came, the seconds it was stopped or had no
# input are not.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init coverage_vouch

logs=$TEST_DIR/logs
files=$TEST_DIR/files
db=$TEST_DIR/arstat.db
mkdir -p "$files"
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 2 --start 2026-09 --months 1 \
	--messages-per-day 300 --seed 13 2>"$TEST_DIR/loggen.log"

quiet=2026-09-05T13 down=2026-09-10T12
# The hours around both must have lines, or the gap would be wider than the
# hour: this seed's logs have (checked here, not assumed).
for h in mx1 mx2; do
	for around in 2026-09-05T12 2026-09-05T14 2026-09-10T11 2026-09-10T13; do
		grep -q "^$around:" "$logs/carrier-a/$h/maillog" || fail "$h has no line in hour $around"
	done
done

conf() { # conf HOST INPUT: a collector of carrier-a's HOST, file sink, hourly windows
	cat >"$TEST_DIR/$1.conf" <<CONF
carrier = carrier-a
host_name = $1.carrier-a.example.jp
state_dir = $TEST_DIR/state-$1
input = $2
trusted_authserv_ids = mx.carrier-a.example.jp
spam_default = ham
window_seconds = 3600
sink = file
file_sink_dir = $files
CONF
	printf '%s\n' "$TEST_DIR/$1.conf"
}
once() { # once CONF
	"$ARSTAT_BIN/arstat-collector" -c "$1" --once 2>>"$TEST_DIR/collector.log" ||
		fail "collector --once ($1) failed; see $TEST_DIR/collector.log"
}

# The quiet hour leaves both logs; mx1's log is cut before the down hour,
# whose lines are dropped, and the rest is appended after the first run.
for h in mx1 mx2; do
	awk -v q="$quiet" -v d="$down" -v part1="$TEST_DIR/$h.part1" -v part2="$TEST_DIR/$h.part2" '
		BEGIN { out = part1 }
		/^20[0-9][0-9]-/ { hour = substr($0, 1, 13); if (hour >= d) out = part2 }
		/^20[0-9][0-9]-/ && (hour == q || hour == d) { next }
		{ print > out }' "$logs/carrier-a/$h/maillog"
done
mkdir -p "$TEST_DIR/in"
cp "$TEST_DIR/mx1.part1" "$TEST_DIR/in/mx1.log"
once "$(conf mx1 "$TEST_DIR/in/mx1.log")"
cat "$TEST_DIR/mx1.part2" >>"$TEST_DIR/in/mx1.log"
once "$TEST_DIR/mx1.conf"
cat "$TEST_DIR/mx2.part1" "$TEST_DIR/mx2.part2" >"$TEST_DIR/in/mx2.log"
once "$(conf mx2 "$TEST_DIR/in/mx2.log")"

register_carriers carrier-a
agg() { "$ARSTAT_BIN/arstat-aggregator" "$@" 2>>"$TEST_DIR/aggregator.log"; }
got=$(agg ingest "${REGISTER[@]}" --db "$db" --carrier carrier-a --file "$files"/*.avro) ||
	fail "ingest --file failed"
[[ $got == *" dead_letters=0 conflicts=0 "* ]] || fail "ingest: $got"
agg report "${REGISTER[@]}" --db "$db" --month 2026-09 --by-carrier --output "$TEST_DIR/report.csv" \
	--coverage-output "$TEST_DIR/coverage.csv" || fail "report failed"

# month,carrier,collector,kind,start,end,window_seconds,windows_expected,
# windows_received,windows_missing,...: the collectors by pseudonym.
rows() { awk -F, -v k="$1" 'NR > 1 && $4 == k' "$TEST_DIR/coverage.csv"; }
assert_eq 2 "$(rows collector | wc -l)" "collector rows"
assert_eq 1 "$(rows gap | wc -l)" "gap rows (only the down hour; coverage: $(cat "$TEST_DIR/coverage.csv"))"
assert_eq 0 "$(rows stopped | wc -l)" "stopped rows"
assert_eq 0 "$(rows pending | wc -l)" "pending rows"
gap=$(rows gap)
IFS=, read -r _ _ gap_collector _ gap_start gap_end _ _ _ gap_windows _ <<<"$gap"
assert_eq "2026-09-10T03:00:00Z" "$gap_start" "gap start (12:00 JST)"
assert_eq "2026-09-10T04:00:00Z" "$gap_end" "gap end"
assert_eq 1 "$gap_windows" "windows of the gap"
# The gapped collector misses one window of 720; the other none.
assert_eq "$gap_collector,720,719" "$(rows collector | awk -F, -v c="$gap_collector" '$3 == c { print $3 "," $8 "," $9 }')" \
	"the gapped collector's windows"
assert_eq "720,720" "$(rows collector | awk -F, -v c="$gap_collector" '$3 != c { print $8 "," $9 }')" \
	"the other collector's windows"
# Both collectors vouched for the quiet hour, on records of their own or of
# windows: no record has a window in it, and no gap.
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM records WHERE window_start_ms = strftime('%s', '2026-09-05 04:00:00') * 1000")" \
	"records in the quiet hour"
assert_eq 2 "$(sqlite3 "$db" "SELECT count(DISTINCT collector) FROM vouched WHERE start_ms <= strftime('%s', '2026-09-05 04:00:00') * 1000 AND end_ms >= strftime('%s', '2026-09-05 05:00:00') * 1000")" \
	"collectors vouching for the quiet hour"
# The month is not complete (the down hour), and says so.
complete=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "complete") c = i; next }
	$2 == "all" || $3 == "all" { print $c; exit }' "$TEST_DIR/report.csv")
assert_eq no "$complete" "the month's complete column"
echo "coverage_vouch: backfill: quiet hour vouched for, the hour between two runs is the one gap"

# ---- following ----
idle=$TEST_DIR/idle.log
: >"$idle"
cat >"$TEST_DIR/follow.conf" <<CONF
carrier = carrier-a
host_name = mx3.carrier-a.example.jp
state_dir = $TEST_DIR/state-follow
input = $idle
trusted_authserv_ids = mx.carrier-a.example.jp
window_seconds = 1
window_grace_seconds = 0
poll_interval_ms = 50
sink = file
file_sink_dir = $TEST_DIR/follow-files
CONF
mkdir -p "$TEST_DIR/follow-files"
now_ms() { date +%s%3N; }
run_for() { # run_for SECONDS: follow the idle log, then SIGTERM
	arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/follow.conf" 2>>"$TEST_DIR/follow.log"
	sleep "$1"
	stop_expect_ok "$BG_PID" "following collector"
}
run_for 3
stopped=$(now_ms)
sleep 3
restarted=$(now_ms)
run_for 3
# Running, but its input missing for 3 s: not reading is not vouched for either.
rm "$idle"
started3=$(now_ms)
arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/follow.conf" 2>>"$TEST_DIR/follow.log"
sleep 3
created=$(now_ms) # just before: the input was missing until at least then
: >"$idle"
sleep 3
stop_expect_ok "$BG_PID" "following collector"
agg ingest "${REGISTER[@]}" --db "$db" --carrier carrier-a --file "$TEST_DIR/follow-files"/*.avro \
	>"$TEST_DIR/follow-ingest.out" || fail "ingest of the following collector failed"
follow=$(sqlite3 "$db" "SELECT co.name FROM records r JOIN collectors co ON co.id = r.collector
	GROUP BY co.name HAVING sum(r.cells) = 0")
[[ -n $follow ]] || fail "the following collector's records are not all vouch-only"
spans=$(sqlite3 -separator ' ' "$db" "SELECT start_ms, end_ms FROM vouched_named WHERE collector = '$follow' ORDER BY start_ms")
assert_eq 3 "$(wc -l <<<"$spans")" "spans the following collector vouched for (one per run): $spans"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM runs_named WHERE collector = '$follow'")" \
	"windows of data of the following collector"
while read -r lo hi; do
	((hi > lo)) || fail "empty span $lo $hi"
	# No span reaches into the seconds the collector was stopped.
	((hi <= stopped || lo >= restarted)) ||
		fail "span [$lo, $hi) vouches for time the collector was stopped [$stopped, $restarted)"
	((hi <= started3 || lo >= created)) ||
		fail "span [$lo, $hi) vouches for time the input was missing [$started3, $created)"
done <<<"$spans"
echo "coverage_vouch: following: spans $(tr '\n' ';' <<<"$spans") stopped [$stopped, $restarted)," \
	"no input [$started3, $created)"
echo "coverage_vouch: following: three runs vouched for, the $(((restarted - stopped) / 1000)) s" \
	"stopped and the $(((created - started3) / 1000)) s without input not"
