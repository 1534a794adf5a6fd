#!/usr/bin/env bash
# Checkpoint write rate with a full table of open messages (a measurement, not
# a test): how many bytes and fsyncs per minute the collector spends on its
# checkpoint while lines arrive.
# usage: tests/bench/checkpoint_rate.sh [BUILD_DIR] [SECONDS] [LINES_PER_SECOND]
#   BUILD_DIR         a Release build (default build-rel)
#   SECONDS           length of the measured interval (default 60)
#   LINES_PER_SECOND  rate at which arstat-logfeed appends lines (default 2000)
# A month of one host's Postfix log (arstat-loggen, 10,000 messages a day)
# without its "removed" lines, so that no message completes, and its times
# squeezed into one day: with message_idle_seconds at its maximum (a day) the
# table of open messages fills up to max_open_messages (200,000) and stays
# full. Three quarters of the log are
# read first (catching up); then the rest is appended at the given rate and,
# after 10 s to settle, the interval is measured: checkpoints (the
# checkpoints_total metric), bytes the collector wrote (/proc/PID/io wchar:
# checkpoint, outbox, file sink and metrics file together), fsync and
# fdatasync calls (strace, which traces only those two), and the
# checkpoint's size.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-rel}
secs=${2:-60}
rate=${3:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/arstat-ckrate.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$build/bin/arstat-loggen" --out "$work/logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day 10000 --seed 5 --malformed-per-day 0 2>/dev/null
# The month's times squeezed into one day (a 31st of the distance from the
# first line), so that every message is younger than message_idle_seconds.
python3 - "$work/logs/carrier-a/mx1/maillog" "$work/src" <<'PY'
import sys
from datetime import datetime, timedelta
t0 = None
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    for line in f:
        if line.endswith(b": removed\n") or len(line) < 33:
            continue
        try:
            t = datetime.fromisoformat(line[:32].decode())
        except ValueError:
            out.write(line)
            continue
        if t0 is None:
            t0 = t
        t = t0 + (t - t0) / 31
        out.write(t.isoformat(timespec="microseconds").encode() + line[32:])
PY
rm -rf "$work/logs"
total=$(wc -l <"$work/src")
fill=$((total * 3 / 4))
head -n "$fill" "$work/src" >"$work/maillog"
tail -n +$((fill + 1)) "$work/src" >"$work/rest"
mkdir -p "$work/out"
cat >"$work/c.conf" <<CONF
carrier = carrier-a
host_name = mx1.carrier-a.example.jp
state_dir = $work/state
input = $work/maillog
trusted_authserv_ids = mx.carrier-a.example.jp
spam_default = ham
sink = file
file_sink_dir = $work/out
max_open_messages = 200000
message_idle_seconds = 86400
stats_interval_seconds = 1
metrics_file = $work/metrics.prom
CONF
metric() {
	awk -v n="arstat_collector_$1" '$1 == n { print $2 }' "$work/metrics.prom" 2>/dev/null
}
strace -f --seccomp-bpf -e trace=fsync,fdatasync -o "$work/fsync.txt" \
	"$build/bin/arstat-collector" -c "$work/c.conf" 2>"$work/collector.log" &
pids+=($!)
# The collector itself, strace's child: a SIGTERM to strace would only
# detach it, so it is stopped first.
for ((i = 0; i < 50; i++)); do
	cpid=$(pgrep -n -f "^$build/bin/arstat-collector -c $work/c.conf" || true)
	[[ -n $cpid ]] && break
	sleep 0.1
done
[[ -n $cpid ]] || { echo "no collector process"; exit 1; }
pids=("$cpid" "${pids[@]}")
for ((i = 0; i < 3000; i++)); do
	[[ $(metric lines_total) == "$fill" ]] && break
	sleep 0.1
done
[[ $(metric lines_total) == "$fill" ]] || { echo "the collector did not catch up"; tail "$work/collector.log"; exit 1; }
echo "caught up with $fill lines in $((i / 10)) s"

"$build/bin/arstat-logfeed" --from "$work/rest" --to "$work/maillog" --lines-per-second "$rate" \
	>/dev/null 2>"$work/logfeed.log" &
pids+=($!)
sleep 10
snap() { # checkpoints wchar fsyncs lines
	echo "$(metric checkpoints_total) $(awk '$1 == "wchar:" { print $2 }' "/proc/$cpid/io")" \
		"$(grep -cE 'fsync\(|fdatasync\(' "$work/fsync.txt" || true) $(metric lines_total)"
}
read -r c0 w0 f0 l0 < <(snap)
sleep "$secs"
read -r c1 w1 f1 l1 < <(snap)
size=$(stat -c %s "$work/state/checkpoint")
per_min() { awk -v d="$1" -v s="$secs" 'BEGIN { printf "%.1f", d * 60 / s }'; }
echo "open messages: table of 200,000 full; checkpoint size $size bytes"
echo "interval $secs s at $rate lines/s: lines read $((l1 - l0)), checkpoints $((c1 - c0))"
echo "per minute: checkpoints $(per_min $((c1 - c0))), bytes written $(per_min $((w1 - w0))), fsync+fdatasync $(per_min $((f1 - f0)))"
grep -E 'info: lines' "$work/collector.log" | tail -1
