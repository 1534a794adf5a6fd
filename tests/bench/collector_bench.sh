#!/usr/bin/env bash
# Collector throughput benchmark (not a test): a large generated Postfix log,
# file to counts, beside `wc -l` and a one-line mawk program that only counts
# "spf=" words, on the same file in the same run.
# usage: tests/bench/collector_bench.sh [BUILD_DIR] [MESSAGES] [RUNS]
#   BUILD_DIR  a Release build (default build-rel: cmake -B build-rel -DCMAKE_BUILD_TYPE=Release)
#   MESSAGES   messages in the log (default 1000000, about 10 million lines)
#   RUNS       rounds of the three programs, one after the other (default 3); the
#              best and the median wall time of each are shown, as other work on
#              the machine slows single runs down
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-rel}
messages=${2:-1000000}
runs=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/arstat-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$build/bin/arstat-loggen" --out "$work/logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day $(((messages + 30) / 31)) --seed 3 2>/dev/null
log=$work/logs/carrier-a/mx1/maillog
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null # warm the page cache for everyone alike

t() { # t NAME CMD... : "NAME wall-seconds peak-RSS-KiB" of CMD (GNU time, Debian package time)
	local name=$1
	shift
	/usr/bin/time -o "$work/time.txt" -f '%e %M' "$@" >/dev/null 2>"$work/cmd.err"
	echo "$name $(cat "$work/time.txt")"
}
lines=$(wc -l <"$log")
mkdir -p "$work/out"
cat >"$work/c.conf" <<CONF
carrier = carrier-a
host_name = mx1.carrier-a.example.jp
state_dir = $work/state
input = $log
trusted_authserv_ids = mx.carrier-a.example.jp
spam_default = ham
sink = file
file_sink_dir = $work/out
CONF
: >"$work/all.txt"
for ((i = 1; i <= runs; i++)); do
	t wc wc -l "$log" >>"$work/all.txt"
	t mawk mawk '{ n += gsub(/spf=/, "") } END { print n }' "$log" >>"$work/all.txt"
	rm -rf "$work/state" "$work/out"
	mkdir -p "$work/out"
	t collector "$build/bin/arstat-collector" -c "$work/c.conf" --once >>"$work/all.txt"
	grep -E "info: lines" "$work/cmd.err" >"$work/collector.txt" ||
		{ echo "collector failed:"; cat "$work/cmd.err"; exit 1; }
done
cat "$work/collector.txt"
echo "file: $lines lines, $bytes bytes, $messages messages, $runs runs"
# Per program: best and median wall time, lines/s and MB/s of the best, the largest peak RSS.
printf '%-10s %8s %8s %12s %8s %10s\n' program "best s" "median s" "lines/s" "MB/s" "RSS KiB"
for p in wc mawk collector; do
	awk -v p="$p" -v n="$lines" -v b="$bytes" '$1 == p { print $2, $3 }' "$work/all.txt" |
		sort -n | awk -v p="$p" -v n="$lines" -v b="$bytes" '
			{ s[NR] = $1; if ($2 > rss) rss = $2 }
			END {
				best = s[1]; med = s[int((NR + 1) / 2)]
				printf "%-10s %8.2f %8.2f %12.0f %8.0f %10d\n", (p == "wc" ? "wc -l" : p),
				       best, med, (best > 0 ? n / best : 0), (best > 0 ? b / 1e6 / best : 0), rss
			}'
done
