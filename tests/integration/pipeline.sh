#!/usr/bin/env bash
# integration.pipeline: the walking skeleton end to end, with the real
# programs and a real broker process on loopback.
#   arstat-loggen -> arstat-collector --once (one per host) -> arstat-devbroker
#   -> arstat-aggregator ingest -> report -> equals the generator's ground truth.
# Also: a second ingest changes nothing (positions and identities in the store),
# and nothing that identifies a host, message or person leaves the collector.
#
# pipeline.sh kafka: the same on a real Apache Kafka over SASL_SSL with ACLs
# (kafka_lib.sh): each carrier writes its own topic as its own principal, the
# aggregator reads them all as its read-only principal.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mode=${1:-devbroker}
arstat_test_init "pipeline-$mode"

carriers=(carrier-a carrier-b carrier-c)
if [[ $mode == kafka ]]; then
	source "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"
	realkafka_start --partitions 2 "${carriers[@]}"
else
	devbroker_start 3 arstat.counts:4
fi

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 3 --hosts 2 --start 2026-09 --months 2 \
	--messages-per-day 40 --seed 7 2>"$TEST_DIR/loggen.log"
[[ -s $logs/truth.csv ]] || fail "loggen wrote no truth.csv"

for c in "${carriers[@]}"; do
	for h in mx1 mx2; do
		conf=$TEST_DIR/$c-$h.conf
		cat >"$conf" <<CONF
carrier = $c
host_name = $h.$c.example.jp
state_dir = $TEST_DIR/state-$c-$h
input = $logs/$c/$h/maillog
trusted_authserv_ids = mx.$c.example.jp
spam_default = ham
CONF
		if [[ $mode == kafka ]]; then
			echo "topic = arstat.counts.$c" >>"$conf"
			realkafka_client_conf "$c" >>"$conf"
		else
			echo "kafka.bootstrap.servers = $BOOTSTRAP" >>"$conf"
		fi
		"$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>>"$TEST_DIR/collector.log" ||
			fail "collector $c/$h failed"
	done
done
[[ $(grep -c 'outbox 0)' "$TEST_DIR/collector.log") == 6 ]] ||
	fail "not every collector had all its records acknowledged"

db=$TEST_DIR/arstat.db
register_carriers "${carriers[@]}"
if [[ $mode == kafka ]]; then
	ingest_opts=("${REALKAFKA_AGG[@]}")
else
	ingest_opts=("${REGISTER[@]}" -o "kafka.bootstrap.servers=$BOOTSTRAP")
fi
ingest() {
	"$ARSTAT_BIN/arstat-aggregator" ingest "${ingest_opts[@]}" --db "$db" \
		--until-caught-up >>"$TEST_DIR/aggregator.log" 2>&1 || fail "ingest failed"
}
report() { # report OUTDIR
	local m
	mkdir -p "$1"
	for m in 2026-09 2026-10; do
		"$ARSTAT_BIN/arstat-aggregator" report "${REGISTER[@]}" --db "$db" --month "$m" --by-carrier \
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

# Privacy: what the collectors published (every record, raw, as the broker
# holds it), the collectors' info-level logs and the store hold no host name,
# queue ID, address, IP or domain from the mail logs.
stored=$(grep -oE 'records_stored=[0-9]+' "$TEST_DIR/aggregator.log" | head -n1 | cut -d= -f2)
[[ -n $stored && $stored -gt 0 ]] || fail "ingest reported no stored records"
if [[ $mode == kafka ]]; then
	for c in "${carriers[@]}"; do
		realkafka_kcat aggregator -C -e -q -t "arstat.counts.$c" -f '%s\n' 2>>"$TEST_DIR/kcat.log"
	done >"$TEST_DIR/published.bin"
	n=$(for c in "${carriers[@]}"; do
		realkafka_kcat aggregator -C -e -q -t "arstat.counts.$c" -f 'x\n' 2>>"$TEST_DIR/kcat.log"
	done | wc -l)
	assert_eq "$stored" "$n" "records on the carriers' topics"
else
	"$ARSTAT_BIN/arstat-devbroker-probe" consume --bootstrap "$BOOTSTRAP" --topic arstat.counts \
		--count "$stored" --dump "$TEST_DIR/published.bin" >"$TEST_DIR/probe.log" 2>&1 ||
		fail "the broker does not hold exactly the $stored records ingested"
fi
[[ -s $TEST_DIR/published.bin ]] || fail "nothing was dumped"
# Identifiers as the mail logs carry them: a queue ID, a client IP and an
# envelope address of each host's log, the domains of senders and receivers
# (the collectors' own host names end in example.jp). Each is long enough not
# to turn up by chance in binary data.
patterns=$TEST_DIR/identifiers.txt
printf '%s\n' 'example.jp' 'sender.example' '192.0.2.' >"$patterns"
for f in "$logs"/*/*/maillog; do
	grep -a -m1 -oE 'from=<[^>]+@[^>]+>' "$f" | sed 's/^from=<//; s/>$//' >>"$patterns"
	grep -a -m1 -oE 'postfix/qmgr\[[0-9]+\]: [0-9A-Za-z]+: removed' "$f" | awk '{print $2}' | tr -d : >>"$patterns"
	grep -a -m1 -oE '\[[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\]' "$f" | tr -d '[]' >>"$patterns"
done
(( $(wc -l <"$patterns") >= 21 )) || fail "could not collect identifiers from the logs"
for what in published.bin collector.log; do
	if grep -a -F -f "$patterns" "$TEST_DIR/$what" >"$TEST_DIR/leak.txt"; then
		fail "$what holds identifying text: $(head -c 200 "$TEST_DIR/leak.txt")"
	fi
done
strings "$db" >"$TEST_DIR/store-strings.txt"
grep -a -F -f "$patterns" "$TEST_DIR/store-strings.txt" && fail "the store holds identifying text"
# The check can fail: the same search finds the identifiers in the logs themselves.
grep -a -q -F -f "$patterns" "$logs/carrier-a/mx1/maillog" || fail "identifier search is broken"

[[ $mode == kafka ]] || devbroker_stop
echo "pipeline ($mode): report equals ground truth; re-ingest idempotent; no identifying text published"
