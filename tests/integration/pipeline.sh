#!/usr/bin/env bash
# integration.pipeline: the walking skeleton end to end, with the real
# programs and a real broker process on loopback.
#   arstat-loggen -> arstat-collector --once (one per host) -> arstat-devbroker
#   -> arstat-aggregator ingest -> report -> equals the generator's ground truth.
# Also: a second ingest changes nothing (positions and identities in the store),
# and nothing that identifies a host, message or person leaves the collector.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init pipeline

devbroker_start 3 arstat.counts:4

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 3 --hosts 2 --start 2026-09 --months 2 \
	--messages-per-day 40 --seed 7 2>"$TEST_DIR/loggen.log"
[[ -s $logs/truth.csv ]] || fail "loggen wrote no truth.csv"

for c in carrier-a carrier-b carrier-c; do
	for h in mx1 mx2; do
		conf=$TEST_DIR/$c-$h.conf
		cat >"$conf" <<CONF
carrier = $c
host_name = $h.$c.example.jp
state_dir = $TEST_DIR/state-$c-$h
input = $logs/$c/$h/maillog
trusted_authserv_ids = mx.$c.example.jp
spam_default = ham
kafka.bootstrap.servers = $BOOTSTRAP
CONF
		"$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>>"$TEST_DIR/collector.log" ||
			fail "collector $c/$h failed"
	done
done
[[ $(grep -c 'done:' "$TEST_DIR/collector.log") == 6 ]] || fail "not every collector finished"

db=$TEST_DIR/arstat.db
ingest() {
	"$ARSTAT_BIN/arstat-aggregator" ingest --db "$db" --bootstrap-file "$TEST_DIR/bootstrap" \
		--until-caught-up 2>>"$TEST_DIR/aggregator.log" || fail "ingest failed"
}
report() { # report OUTDIR
	local m
	mkdir -p "$1"
	for m in 2026-09 2026-10; do
		"$ARSTAT_BIN/arstat-aggregator" report --db "$db" --month "$m" --by-carrier \
			--output "$1/report-$m.csv" --spam-output "$1/spam-$m.csv" ||
			fail "report $m failed"
	done
	{ cat "$1/report-2026-09.csv"; tail -n +2 "$1/report-2026-10.csv"; } >"$1/report.csv"
	{ cat "$1/spam-2026-09.csv"; tail -n +2 "$1/spam-2026-10.csv"; } >"$1/spam.csv"
}

ingest
report "$TEST_DIR/r1"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/r1/report.csv" \
	"$TEST_DIR/r1/spam.csv" || fail "report differs from the ground truth"

# A second ingest reads nothing new and changes no total.
ingest
report "$TEST_DIR/r2"
cmp -s "$TEST_DIR/r1/report.csv" "$TEST_DIR/r2/report.csv" || fail "second ingest changed the report"

# Privacy: the collectors' info-level logs and the store hold no host name,
# queue ID, address or IP from the logs.
grep -q 'mx1\|mx2\|example\.jp\|@\|192\.0\.2\.' "$TEST_DIR/collector.log" &&
	fail "collector log identifies a host, person or address: $(grep -m1 'mx1\|mx2\|example\.jp\|@\|192\.0\.2\.' "$TEST_DIR/collector.log")"
sqlite3_dump=$TEST_DIR/store-strings.txt
strings "$db" >"$sqlite3_dump"
qid=$(grep -m1 -oE 'postfix/qmgr\[[0-9]+\]: [0-9A-Za-z]+: removed' "$logs/carrier-a/mx1/maillog" |
	awk '{print $2}' | tr -d :)
[[ -n $qid ]] || fail "no queue ID found in the generated log"
if grep -q -e 'mx1\.' -e 'example\.jp' -e '@' -e "$qid" "$sqlite3_dump"; then
	fail "the store holds identifying text"
fi

devbroker_stop
echo "pipeline: report equals ground truth; re-ingest idempotent; no identifying text published"
