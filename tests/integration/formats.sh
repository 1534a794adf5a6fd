#!/usr/bin/env bash
# integration.formats: every log format mixed across carriers and hosts, end
# to end. arstat-loggen --profile mixed writes Postfix with OpenDMARC and
# OpenDKIM, Postfix with amavis and traditional syslog stamps, Exim with
# rspamd's own log, Postfix with rspamd and maillog_file stamps, Exim with
# zone-stamped lines, Postfix with amavis as content_filter (every message
# queued twice, amavis_content_filter = yes, which changes nothing for the
# others), Postfix with rspamd whose symbols are results (rspamd_symbols =
# yes; plain rspamd's lines carry no such symbol), Postfix with OpenDMARC and
# SpamAssassin's spamd, whose verdicts name their message by Message-ID
# (spamd_join = yes), Exim with its own DKIM lines (+dkim_verbose), Postfix
# with MailScanner (every message held, judged and queued again under a new
# queue ID), a Proxmox Mail Gateway (every message queued twice, logged twice
# and counted once: pmg_reinjection = yes, which changes nothing for the
# others), Exim with SA-Exim; one collector per host reads that host's
# inputs (inputs.csv); the aggregated report must equal the ground truth
# exactly.
# formats.sh kafka: the same on a real Apache Kafka over SASL_SSL with ACLs,
# a topic and a principal per carrier (kafka_lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mode=${1:-devbroker}
arstat_test_init "formats-$mode"

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --profile mixed --carriers 12 --hosts 2 \
	--start 2026-09 --months 2 --messages-per-day 30 --seed 5 2>"$TEST_DIR/loggen.log"
[[ -s $logs/inputs.csv ]] || fail "loggen wrote no inputs.csv"
mapfile -t carriers < <(awk -F, 'NR > 1 { print $1 }' "$logs/inputs.csv" | sort -u)
if [[ $mode == kafka ]]; then
	source "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"
	realkafka_start --partitions 1 "${carriers[@]}"
else
	devbroker_start 1 arstat.counts:4
fi

n=0
while IFS=, read -r carrier host; do
	conf=$TEST_DIR/$carrier-$host.conf
	cat >"$conf" <<CONF
carrier = $carrier
host_name = $host.$carrier.example.jp
state_dir = $TEST_DIR/state-$carrier-$host
trusted_authserv_ids = mx.$carrier.example.jp
spam_default = ham
time_zone = Asia/Tokyo
amavis_content_filter = yes
rspamd_symbols = yes
spamd_join = yes
pmg_reinjection = yes
CONF
	if [[ $mode == kafka ]]; then
		echo "topic = arstat.counts.$carrier" >>"$conf"
		realkafka_client_conf "$carrier" >>"$conf"
	else
		echo "kafka.bootstrap.servers = $BOOTSTRAP" >>"$conf"
	fi
	awk -F, -v c="$carrier" -v h="$host" -v dir="$logs" \
		'NR > 1 && $1 == c && $2 == h { printf "input.%s%d = %s %s/%s\n", $3, NR, $3, dir, $4 }' \
		"$logs/inputs.csv" >>"$conf"
	"$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>>"$TEST_DIR/collector.log" ||
		fail "collector $carrier/$host failed"
	n=$((n + 1))
done < <(awk -F, 'NR > 1 { print $1 "," $2 }' "$logs/inputs.csv" | sort -u)
((n == 24)) || fail "expected 24 hosts, ran $n collectors"

db=$TEST_DIR/arstat.db
register_carriers "${carriers[@]}"
if [[ $mode == kafka ]]; then
	ingest_opts=("${REALKAFKA_AGG[@]}")
else
	ingest_opts=("${REGISTER[@]}" -o "kafka.bootstrap.servers=$BOOTSTRAP")
fi
"$ARSTAT_BIN/arstat-aggregator" ingest "${ingest_opts[@]}" --db "$db" \
	--until-caught-up >"$TEST_DIR/aggregator.log" 2>&1 || fail "ingest failed"
for m in 2026-09 2026-10; do
	"$ARSTAT_BIN/arstat-aggregator" report "${REGISTER[@]}" --db "$db" --month "$m" --by-carrier \
		--output "$TEST_DIR/report-$m.csv" --spam-output "$TEST_DIR/spam-$m.csv" || fail "report $m"
done
{ cat "$TEST_DIR/report-2026-09.csv"; tail -n +2 "$TEST_DIR/report-2026-10.csv"; } >"$TEST_DIR/report.csv"
{ cat "$TEST_DIR/spam-2026-09.csv"; tail -n +2 "$TEST_DIR/spam-2026-10.csv"; } >"$TEST_DIR/spam.csv"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" "$TEST_DIR/spam.csv" ||
	fail "report differs from the ground truth"
[[ $mode == kafka ]] || devbroker_stop
echo "formats ($mode): 12 setups x 2 hosts equal the ground truth"
