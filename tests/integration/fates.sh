#!/usr/bin/env bash
# integration.fates: each message's fate, end to end from the logs. arstat-
# loggen --profile mixed --refused-per-day writes, beside the accepted
# messages of every setup (Postfix with milters, amavis as milter and as
# content_filter, rspamd, spamd, MailScanner, a Proxmox Mail Gateway; Exim
# with rspamd, with zone stamps, with its DKIM lines and with SA-Exim, whose
# local_scan() rejects, discards and defers), messages refused at the end of
# DATA, discarded, held, or deferred (4xx), with their ground truth. One
# collector per host reads that host's inputs:
#   1. publish_fates = yes, file sink: the records, tallied by
#      arstat-records-tally, equal truth.csv exactly, per fate (the
#      population of accepted messages by method, policy and spam; the
#      refused by fate and by fate, method and result), and no deferred
#      message is counted;
#   2. publish_fates = no, the aggregator's report of the same logs equals
#      the ground truth of the population (refused messages are not counted);
#   3. publish_fates = yes, Kafka sink: collector -> devbroker -> aggregator
#      ingest -> report, whose population and refused columns (rejected,
#      discarded, held, per method and result) equal the ground truth.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init fates

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --profile mixed --carriers 12 --hosts 1 \
	--start 2026-09 --months 2 --messages-per-day 12 --refused-per-day 6 --seed 12 \
	2>"$TEST_DIR/loggen.log" || fail "loggen failed"
[[ -s $logs/inputs.csv ]] || fail "loggen wrote no inputs.csv"
grep -q ',fate,rejected,' "$logs/truth.csv" || fail "the truth has no rejected message"
grep -q ',fate,discarded,' "$logs/truth.csv" || fail "the truth has no discarded message"
grep -q ',fate,held,' "$logs/truth.csv" || fail "the truth has no held message"

# run_collectors PUBLISH_FATES [kafka]: one --once collector per host, file
# sink in $TEST_DIR/files-PUBLISH_FATES-CARRIER, or the devbroker at
# $BOOTSTRAP.
run_collectors() {
	local carrier host conf tag=$1${2:+-$2}
	while IFS=, read -r carrier host; do
		conf=$TEST_DIR/$tag-$carrier-$host.conf
		cat >"$conf" <<CONF
carrier = $carrier
host_name = $host.$carrier.example.jp
state_dir = $TEST_DIR/state-$tag-$carrier-$host
trusted_authserv_ids = mx.$carrier.example.jp
spam_default = ham
time_zone = Asia/Tokyo
amavis_content_filter = yes
spamd_join = yes
pmg_reinjection = yes
publish_fates = $1
CONF
		if [[ ${2:-} == kafka ]]; then
			echo "kafka.bootstrap.servers = $BOOTSTRAP" >>"$conf"
		else
			mkdir -p "$TEST_DIR/files-$1-$carrier"
			printf 'sink = file\nfile_sink_dir = %s\n' "$TEST_DIR/files-$1-$carrier" >>"$conf"
		fi
		awk -F, -v c="$carrier" -v h="$host" -v dir="$logs" \
			'NR > 1 && $1 == c && $2 == h { printf "input.%s%d = %s %s/%s\n", $3, NR, $3, dir, $4 }' \
			"$logs/inputs.csv" >>"$conf"
		"$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>>"$TEST_DIR/collector.log" ||
			fail "collector $carrier/$host (publish_fates = $1${2:+, $2}) failed"
	done < <(awk -F, 'NR > 1 { print $1 "," $2 }' "$logs/inputs.csv" | sort -u)
}

# report_months DB NAME: the by-carrier reports of both months from DB, joined
# in $TEST_DIR/NAME.csv and $TEST_DIR/NAME-spam.csv.
report_months() {
	local m
	for m in 2026-09 2026-10; do
		"$ARSTAT_BIN/arstat-aggregator" report "${REGISTER[@]}" --db "$1" --month "$m" \
			--by-carrier --output "$TEST_DIR/$2-$m.csv" --spam-output "$TEST_DIR/$2-spam-$m.csv" \
			2>>"$TEST_DIR/aggregator.log" || fail "report $m ($2)"
	done
	{ cat "$TEST_DIR/$2-2026-09.csv"; tail -n +2 "$TEST_DIR/$2-2026-10.csv"; } >"$TEST_DIR/$2.csv"
	{ cat "$TEST_DIR/$2-spam-2026-09.csv"; tail -n +2 "$TEST_DIR/$2-spam-2026-10.csv"; } \
		>"$TEST_DIR/$2-spam.csv"
}

# 1. Per fate, from the records.
run_collectors yes
: >"$TEST_DIR/tally.csv"
for d in "$TEST_DIR"/files-yes-*; do
	"$ARSTAT_BIN/arstat-records-tally" "${d##*/files-yes-}" 540 "$d"/*.avro >>"$TEST_DIR/tally.csv" ||
		fail "cannot tally the records of ${d##*/}"
done
tail -n +2 "$logs/truth.csv" | sort >"$TEST_DIR/truth-sorted.csv"
sort "$TEST_DIR/tally.csv" >"$TEST_DIR/tally-sorted.csv"
if ! cmp -s "$TEST_DIR/truth-sorted.csv" "$TEST_DIR/tally-sorted.csv"; then
	diff "$TEST_DIR/truth-sorted.csv" "$TEST_DIR/tally-sorted.csv" | head -20 >&2
	fail "the published records differ from the ground truth"
fi
rows=$(wc -l <"$TEST_DIR/truth-sorted.csv")

# 2. Without fates, through the aggregator: the population only.
run_collectors no
db=$TEST_DIR/arstat.db
register_carriers $(awk -F, 'NR > 1 { print $1 }' "$logs/inputs.csv" | sort -u)
for d in "$TEST_DIR"/files-no-*; do
	"$ARSTAT_BIN/arstat-aggregator" ingest "${REGISTER[@]}" --db "$db" --carrier "${d##*/files-no-}" \
		--file "$d"/*.avro >>"$TEST_DIR/aggregator.log" 2>&1 || fail "ingest of ${d##*/} failed"
done
report_months "$db" report
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" "$TEST_DIR/report-spam.csv" ||
	fail "report differs from the ground truth"
# Without fates nothing is refused: the check of the refused columns must
# fail here, or it checks nothing.
if "$ARSTAT_SOURCE_DIR/tools/check-truth.sh" --refused "$logs/truth.csv" "$TEST_DIR/report.csv" \
	"$TEST_DIR/report-spam.csv" >"$TEST_DIR/check-refused-no.txt"; then
	fail "the refused columns of a report without fates equal the truth's refused"
fi
grep -q '^MISMATCH .* refused: report 0, truth [1-9]' "$TEST_DIR/check-refused-no.txt" ||
	fail "check-truth.sh --refused failed on the report without fates for another reason"

# 3. With fates, through Kafka and the aggregator: the refused columns too.
devbroker_start 1 arstat.counts:4
run_collectors yes kafka
db=$TEST_DIR/arstat-kafka.db
"$ARSTAT_BIN/arstat-aggregator" ingest "${REGISTER[@]}" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
	--db "$db" --until-caught-up >>"$TEST_DIR/aggregator.log" 2>&1 || fail "ingest from the broker failed"
report_months "$db" kreport
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" --refused "$logs/truth.csv" "$TEST_DIR/kreport.csv" \
	"$TEST_DIR/kreport-spam.csv" || fail "report with fates (Kafka) differs from the ground truth"
devbroker_stop
echo "fates: 12 setups, $rows truth rows equal the records per fate; without fates the report" \
	"equals the population; with fates through Kafka its refused columns equal the truth"
