#!/usr/bin/env bash
# Benchmark (not a test): ingest from Kafka into an empty store and into a
# store aged by results/store-growth.sh, against kcat -C reading the same
# topic; figures in store-growth.md.
#
#   results/store-age-ingest.sh AGED_STORE COLLECTORS MONTHS_FILLED
#
# One devbroker topic (16 partitions) with the next month's first 160
# windows of the same COLLECTORS collectors (arstat-aggregator-testgen kafka,
# the seed, carriers and start store-growth.sh uses, --from-window at the
# month after MONTHS_FILLED), then ROUNDS (3) rounds of: kcat -C -e reading
# the whole topic; ingest --until-caught-up into an empty store; ingest into
# a copy of AGED_STORE (the copy is made before the clock starts). Prints the
# wall seconds of each and the stored records (which must be all of them).
# Release build (no sanitizers) in build-bench, or BENCH_BUILD; BENCH_DIR
# defaults to /tmp/arstat-age. INGEST_OPTS: more options for both ingests
# (e.g. "-o batch_max_messages=100000").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$top/build-bench}
dir=${BENCH_DIR:-/tmp/arstat-age}
aged=${1:?usage: $0 AGED_STORE COLLECTORS MONTHS_FILLED}
collectors=${2:?usage: $0 AGED_STORE COLLECTORS MONTHS_FILLED}
months=${3:?usage: $0 AGED_STORE COLLECTORS MONTHS_FILLED}
command -v kcat >/dev/null || { echo "kcat is needed (Debian package kcat)" >&2; exit 1; }
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARSTAT_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target arstat-aggregator arstat-aggregator-testgen \
	arstat-devbroker >/dev/null
bin=$build/bin
rm -rf "$dir"
mkdir -p "$dir"
start=1798761600 # 2027-01-01T00:00:00Z, as store-growth.sh
from=$((($(date -u -d "2027-01-01 +$months month" +%s) - start) / 60))
# The months of store-growth.sh are of 2027: ingest must take windows up to
# a year ahead of today (max_future_seconds at its bound).
register=(-o max_future_seconds=31622400)
# shellcheck disable=SC2206 # options split on blanks on purpose
register+=(${INGEST_OPTS:-})
for i in $(seq 10); do
	register+=(-o "$(printf 'carrier.carrier-%02d.name=carrier-%02d' "$i" "$i")")
done
"$bin/arstat-devbroker" --brokers 1 --topic arstat.counts:16 --bootstrap-file "$dir/bootstrap" \
	2>"$dir/devbroker.log" &
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$dir/bootstrap" ] && break; sleep 0.1; done
boot=$(cat "$dir/bootstrap")
"$bin/arstat-aggregator-testgen" kafka --bootstrap "$boot" --carriers 10 \
	--collectors "$collectors" --windows 160 --window-seconds 60 --start "$start" \
	--from-window "$from" --cells 8 --seed 1 --fates | head -n 1 | tee "$dir/produced.txt"
n=$(sed -n 's/^records=\([0-9]*\) .*/\1/p' "$dir/produced.txt")
# shellcheck source=../scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"
# identities stored, sealed ones included (the records view would read every row)
stored() {
	"$bin/arstat-aggregator-testgen" query --db "$1" \
		"SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM record_seqs"
}
before=$(stored "$aged")
for round in $(seq "${ROUNDS:-3}"); do
	k=$(seconds kcat -C -b "$boot" -t arstat.counts -e -o beginning -q)
	rm -f "$dir/new.db" "$dir/new.db-wal" "$dir/new.db-shm"
	e=$(seconds "$bin/arstat-aggregator" ingest "${register[@]}" --db "$dir/new.db" \
		-o "kafka.bootstrap.servers=$boot" --until-caught-up 2>>"$dir/ingest.log")
	rm -f "$dir/aged.db"*
	cp "$aged" "$dir/aged.db"
	# Written out before the clock starts: the copy's dirty pages would
	# otherwise be flushed by ingest's first fsync of the file (8 s of a
	# first run here), which is the copy's cost, not the store's.
	sync
	a=$(seconds "$bin/arstat-aggregator" ingest "${register[@]}" --db "$dir/aged.db" \
		-o "kafka.bootstrap.servers=$boot" --until-caught-up 2>>"$dir/ingest.log")
	[ "$(stored "$dir/new.db")" = "$n" ] || { echo "empty store: not all stored" >&2; exit 1; }
	[ "$(stored "$dir/aged.db")" = $((before + n)) ] ||
		{ echo "aged store: not all stored" >&2; exit 1; }
	echo "round $round: $n records; kcat $k s; ingest into an empty store $e s;" \
		"into the aged store $a s"
done
