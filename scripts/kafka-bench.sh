#!/usr/bin/env bash
# kafka-bench.sh - figures on a real Apache Kafka (not a test; results in
# results/kafka.md). One broker of scripts/kafka.sh over SASL_SSL with ACLs,
# in one run:
#   produce: arstat-collector --once on one generated mail log
#            (MESSAGES_PER_DAY x 31 days, default 10,000 a day), publishing to
#            its carrier's topic as its principal; the same log again with the
#            file sink, so that the difference is what Kafka costs. Records/s
#            and messages/s of each.
#   ingest:  a 16-partition topic filled with 1,000 collectors' records
#            (arstat-aggregator-testgen, RECORDS_PER_COLLECTOR, default 160),
#            then ROUNDS (3) rounds of kcat -C -e reading the whole topic and
#            arstat-aggregator ingest --until-caught-up into an empty store,
#            both as the aggregator's read-only principal over TLS.
# Release build (no sanitizers) in build-bench, or BENCH_BUILD; files in
# BENCH_DIR (default /tmp/arstat-kafka-bench, emptied first).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$top/build-bench}
dir=${BENCH_DIR:-/tmp/arstat-kafka-bench}
per_day=${MESSAGES_PER_DAY:-10000}
per_collector=${RECORDS_PER_COLLECTOR:-160}
kafka=$top/scripts/kafka.sh

# Not -DARSTAT_WERROR: GCC 12 at -O2 warns of a maybe-uninitialized array in
# aggregator/declare.c that -O0 does not see (left to its owner).
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARSTAT_WERROR=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target arstat-aggregator arstat-aggregator-testgen \
	arstat-collector arstat-loggen >/dev/null
bin=$build/bin
rm -rf "$dir"
mkdir -p "$dir"
"$kafka" install >/dev/null
trap '"$kafka" stop "$dir/kafka"' EXIT
"$kafka" start "$dir/kafka" --secure --mechanism "$("$kafka" mechanism)" \
	--user aggregator --user carrier-a --user bench
"$kafka" carriers "$dir/kafka" --partitions 16 carrier-a bench
admin=$(<"$dir/kafka/admin")

# shellcheck source=../scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"

echo "== produce: arstat-collector --once, $per_day messages a day for 31 days"
"$bin/arstat-loggen" --out "$dir/logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day "$per_day" --seed 5 2>"$dir/loggen.log"
messages=$(awk -F, '$3 == "messages" { n += $5 } END { print n + 0 }' "$dir/logs/truth.csv")
collector() { # collector NAME SETTING...
	local conf=$dir/$1.conf
	shift
	{
		cat <<CONF
carrier = carrier-a
host_name = mx1.carrier-a.example.jp
state_dir = $dir/state-$(basename "$conf" .conf)
input = $dir/logs/carrier-a/mx1/maillog
trusted_authserv_ids = mx.carrier-a.example.jp
spam_default = ham
CONF
		printf '%s\n' "$@"
	} >"$conf"
	seconds "$bin/arstat-collector" -c "$conf" --once 2>"$dir/$(basename "$conf" .conf).log"
}
mkdir -p "$dir/files"
tk=$(collector kafka "topic = arstat.counts.carrier-a" "$("$kafka" client-conf "$dir/kafka" carrier-a)")
tf=$(collector file "sink = file" "file_sink_dir = $dir/files")
records=$(grep -oE 'records [0-9]+ \(acknowledged [0-9]+, outbox 0\)' "$dir/kafka.log" | tail -n1 | cut -d' ' -f2)
[ -n "$records" ] || { echo "the Kafka collector left records in its outbox" >&2; exit 1; }
awk -v n="$records" -v m="$messages" -v k="$tk" -v f="$tf" 'BEGIN {
	printf "kafka sink: %d records (%d messages) in %.3f s: %.0f records/s, %.0f messages/s\n", n, m, k, n / k, m / k
	printf "file sink:  %d records (%d messages) in %.3f s: %.0f records/s, %.0f messages/s\n", n, m, f, n / f, m / f }'

echo "== ingest: 1,000 collectors x $per_collector records, kcat -C against arstat-aggregator ingest"
"$bin/arstat-aggregator-testgen" kafka --bootstrap "$admin" --topic arstat.counts.bench \
	--carriers 10 --collectors 1000 --windows "$per_collector" --seed 3 | head -n 1 | tee "$dir/produced.txt"
n=$(sed -n 's/^records=\([0-9]*\) .*/\1/p' "$dir/produced.txt")
"$kafka" client-conf "$dir/kafka" aggregator >"$dir/aggregator.conf"
for i in $(seq 10); do
	printf 'carrier.carrier-%02d.name = carrier-%02d\ncarrier.carrier-%02d.topics = arstat.counts.bench\n' \
		"$i" "$i" "$i"
done >>"$dir/aggregator.conf"
# kcat's settings for the same principal, in a private file.
(umask 077 && printf '%s\n' security.protocol=SASL_SSL "sasl.mechanisms=$(<"$dir/kafka/mechanism")" \
	sasl.username=aggregator "sasl.password=$(<"$dir/kafka/secrets/aggregator.password")" \
	"ssl.ca.location=$dir/kafka/tls/ca.pem" >"$dir/kcat.conf")
for round in $(seq "${ROUNDS:-3}"); do
	k=$(seconds kcat -F "$dir/kcat.conf" -C -b "$(<"$dir/kafka/bootstrap")" -t arstat.counts.bench \
		-e -o beginning -q)
	rm -f "$dir/ingest.db" "$dir/ingest.db-wal" "$dir/ingest.db-shm"
	a=$(seconds "$bin/arstat-aggregator" ingest -c "$dir/aggregator.conf" --db "$dir/ingest.db" \
		--until-caught-up)
	stored=$("$bin/arstat-aggregator-testgen" query --db "$dir/ingest.db" "SELECT count(*) FROM records")
	[ "$stored" = "$n" ] || { echo "stored $stored of $n records" >&2; exit 1; }
	awk -v r="$round" -v n="$n" -v k="$k" -v a="$a" 'BEGIN {
		printf "round %d: %d records; kcat %.3f s (%.0f records/s); ingest %.3f s (%.0f records/s)\n",
		       r, n, k, n / k, a, n / a }'
done
