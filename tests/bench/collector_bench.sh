#!/usr/bin/env bash
# Collector throughput benchmark (not a test): a large generated Postfix log,
# file to counts, beside `wc -l` and a one-line mawk program that only counts
# "spf=" words, on the same file in the same run.
# usage: tests/bench/collector_bench.sh [BUILD_DIR] [MESSAGES]
#   BUILD_DIR  a Release build (default build-rel: cmake -B build-rel -DCMAKE_BUILD_TYPE=Release)
#   MESSAGES   messages in the log (default 1000000, about 10 million lines)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-rel}
messages=${2:-1000000}
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
read -r _ wc_s wc_kb < <(t wc wc -l "$log")
read -r _ awk_s awk_kb < <(t mawk mawk '{ n += gsub(/spf=/, "") } END { print n }' "$log")
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
read -r _ col_s col_kb < <(t collector "$build/bin/arstat-collector" -c "$work/c.conf" --once)
grep -E "info: lines" "$work/cmd.err" || { echo "collector failed:"; cat "$work/cmd.err"; exit 1; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
echo "file: $lines lines, $bytes bytes, $messages messages"
printf '%-10s %8s s %12s lines/s %8s MB/s %8s KiB peak RSS\n' \
	"wc -l" "$wc_s" "$(rate "$lines" "$wc_s")" "$(rate "$((bytes / 1000000))" "$wc_s")" "$wc_kb" \
	"mawk" "$awk_s" "$(rate "$lines" "$awk_s")" "$(rate "$((bytes / 1000000))" "$awk_s")" "$awk_kb" \
	"collector" "$col_s" "$(rate "$lines" "$col_s")" "$(rate "$((bytes / 1000000))" "$col_s")" "$col_kb"
