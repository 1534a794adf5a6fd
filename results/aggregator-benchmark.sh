#!/usr/bin/env bash
# Benchmarks of arstat-aggregator (not tests); figures in aggregator-benchmark.md.
#
#   results/aggregator-benchmark.sh ingest [RECORDS_PER_COLLECTOR]
#       One devbroker topic (16 partitions) filled with 1,000 collectors'
#       records (arstat-aggregator-testgen); then three rounds (ROUNDS) of:
#       kcat -C -e -o beginning reading the whole topic, and
#       arstat-aggregator ingest --until-caught-up into an empty store.
#       Prints records/s of both.
#   results/aggregator-benchmark.sh report
#       A store with one month (November 2026, Asia/Tokyo) of 1,000
#       collectors at 60-second windows (43.2 million records; about 6 GB in
#       $BENCH_DIR), then the month's report, three times each: tidy with
#       --by-carrier, spam and coverage; and the ministry layout.
#
# Release build (no sanitizers) in build-bench, or BENCH_BUILD; BENCH_DIR defaults to
# /tmp/arstat-bench.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$top/build-bench}
dir=${BENCH_DIR:-/tmp/arstat-bench}
mode=${1:?usage: $0 ingest|report}

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARSTAT_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target arstat-aggregator arstat-aggregator-testgen \
	arstat-devbroker >/dev/null
bin=$build/bin
mkdir -p "$dir"
# The register: the ten carriers the generator names (carrier-01..10).
register=()
for i in $(seq 10); do
	register+=(-o "$(printf 'carrier.carrier-%02d.name=carrier-%02d' "$i" "$i")")
done

# shellcheck source=../scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"

case $mode in
ingest)
	windows=${2:-160}
	command -v kcat >/dev/null || { echo "kcat is needed (Debian package kcat)" >&2; exit 1; }
	rm -f "$dir/bootstrap"
	"$bin/arstat-devbroker" --brokers 1 --topic arstat.counts:16 \
		--bootstrap-file "$dir/bootstrap" 2>"$dir/devbroker.log" &
	broker=$!
	trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null || true' EXIT
	for _ in $(seq 100); do [ -s "$dir/bootstrap" ] && break; sleep 0.1; done
	boot=$(cat "$dir/bootstrap")
	"$bin/arstat-aggregator-testgen" kafka --bootstrap "$boot" --carriers 10 --collectors 1000 \
		--windows "$windows" --seed 3 | head -n 1 | tee "$dir/produced.txt"
	n=$(sed -n 's/^records=\([0-9]*\) .*/\1/p' "$dir/produced.txt")
	for round in $(seq "${ROUNDS:-3}"); do
		k=$(seconds kcat -C -b "$boot" -t arstat.counts -e -o beginning -q)
		rm -f "$dir/ingest.db" "$dir/ingest.db-wal" "$dir/ingest.db-shm"
		a=$(seconds "$bin/arstat-aggregator" ingest "${register[@]}" --db "$dir/ingest.db" \
			-o "kafka.bootstrap.servers=$boot" --until-caught-up)
		stored=$("$bin/arstat-aggregator-testgen" query --db "$dir/ingest.db" \
			"SELECT count(*) FROM records")
		[ "$stored" = "$n" ] || { echo "stored $stored of $n records" >&2; exit 1; }
		awk -v r="$round" -v n="$n" -v k="$k" -v a="$a" 'BEGIN {
			printf "round %d: %d records; kcat %.3f s (%.0f records/s); ingest %.3f s (%.0f records/s)\n",
			       r, n, k, n / k, a, n / a }'
	done
	;;
report)
	db=$dir/month.db
	if [ ! -s "$db" ]; then
		# 2026-10-31T15:00:00Z is midnight of 1 November in Tokyo; 30 days of
		# one-minute windows.
		/usr/bin/time -f "store filled in %e s (%M KB max RSS)" \
			"$bin/arstat-aggregator-testgen" store --db "$db" --carriers 10 --collectors 1000 \
			--windows 43200 --window-seconds 60 --start 1793458800 --cells 8 --seed 1
	fi
	du -h "$db"
	for round in 1 2 3; do
		sync
		t=$(seconds "$bin/arstat-aggregator" report "${register[@]}" --db "$db" --month 2026-11 --by-carrier \
			--output "$dir/report.csv" --spam-output "$dir/spam.csv" \
			--coverage-output "$dir/coverage.csv")
		m=$(seconds "$bin/arstat-aggregator" report "${register[@]}" --db "$db" --month 2026-11 --layout ministry \
			--lang ja --encoding cp932 --output "$dir/ministry.csv")
		echo "round $round: tidy + spam + coverage $t s; ministry (ja, cp932) $m s"
	done
	head -n 2 "$dir/spam.csv"
	;;
*)
	echo "usage: $0 ingest|report" >&2
	exit 2
	;;
esac
