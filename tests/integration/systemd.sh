#!/usr/bin/env bash
# integration.systemd: the collector as a systemd service, without systemd.
#   1. sd_notify: a datagram socket stands in for systemd (NOTIFY_SOCKET):
#      READY=1 with a STATUS= of counts, WATCHDOG=1 pings at least every
#      half WatchdogSec (WATCHDOG_USEC), RELOADING=1 and READY=1 again on
#      SIGHUP (the PID stays), STOPPING=1 on SIGTERM.
#   2. Priorities: with JOURNAL_STREAM naming its stderr, each line starts
#      with "<N>" (info <6>, warning <4>); with the variable naming another
#      stream, none does.
#   3. Exit status: 64 for a bad command line, 78 for a bad configuration,
#      which the units do not restart (RestartPreventExitStatus=78).
#   4. Every unit in config/ passes systemd-analyze security --offline with
#      an exposure of at most 1.5.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init systemd

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-09 --months 1 \
	--messages-per-day 10 --seed 3 2>"$TEST_DIR/loggen.log"
mkdir -p "$TEST_DIR/out"
conf=$(collector_conf "$TEST_DIR/state" "$logs/carrier-a/mx1/maillog" "sink = file" \
	"file_sink_dir = $TEST_DIR/out")

# ---- 1. the notification protocol ----
perl -MIO::Socket::UNIX -MSocket -e '
	$| = 1;
	my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $ARGV[0]) or die "socket: $!";
	while (defined $s->recv(my $m, 65536)) { print "$m\n--\n" }
' "$TEST_DIR/notify" >"$TEST_DIR/notified" 2>"$TEST_DIR/listener.log" &
_ARSTAT_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do [[ -S $TEST_DIR/notify ]] && break; sleep 0.1; done
[[ -S $TEST_DIR/notify ]] || fail "the stand-in notification socket did not appear"

NOTIFY_SOCKET=$TEST_DIR/notify WATCHDOG_USEC=400000 \
	arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" 2>"$TEST_DIR/collector.log"
pid=$BG_PID
wait_for_lines "$TEST_DIR/notified" '^READY=1$' 1 20 || fail "no READY=1"
grep -qE '^STATUS=lines [0-9]+ .*messages [0-9]+, records [0-9]+' "$TEST_DIR/notified" ||
	fail "no STATUS= with the counts"
# A ping at least every 200 ms: ten of them take at most about 2 s.
wait_for_lines "$TEST_DIR/notified" '^WATCHDOG=1$' 10 10 || fail "no WATCHDOG=1 pings"
kill -HUP "$pid"
wait_for_lines "$TEST_DIR/notified" '^RELOADING=1$' 1 20 || fail "no RELOADING=1 on SIGHUP"
wait_for_lines "$TEST_DIR/notified" '^READY=1$' 2 20 || fail "no READY=1 after the reload"
arstat_alive "$pid" || fail "the collector is gone after the reload"
stop_expect_ok "$pid" "collector"
grep -qx 'STOPPING=1' "$TEST_DIR/notified" || fail "no STOPPING=1 on SIGTERM"

# ---- 2. priorities on the journal's stream ----
# Appended to, never replaced: the file keeps the inode the variable names.
: >"$TEST_DIR/journal-stream.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$TEST_DIR/journal-stream.log") \
	"$ARSTAT_BIN/arstat-collector" -c "$conf" --once -o "state_dir=$TEST_DIR/state-j" \
	2>>"$TEST_DIR/journal-stream.log" || fail "collector --once (journal stream) failed"
grep -qE '^<6>arstat-collector: info: ' "$TEST_DIR/journal-stream.log" || fail "no <6> on info"
grep -qE '^<4>arstat-collector: warning: ' "$TEST_DIR/journal-stream.log" ||
	fail "no <4> on a warning (loggen's malformed lines)"
if grep -vqE '^<[2-7]>arstat-collector: ' "$TEST_DIR/journal-stream.log"; then
	fail "a line without its priority on the journal's stream"
fi
JOURNAL_STREAM=1:2 "$ARSTAT_BIN/arstat-collector" -c "$conf" --once \
	-o "state_dir=$TEST_DIR/state-k" 2>"$TEST_DIR/other-stream.log" || fail "collector --once failed"
if grep -qE '^<[0-9]>' "$TEST_DIR/other-stream.log"; then
	fail "priorities on a stream that is not the journal's"
fi

# ---- 3. exit status ----
status=0
"$ARSTAT_BIN/arstat-collector" --no-such-option 2>/dev/null || status=$?
assert_eq 64 "$status" "a bad command line"
status=0
"$ARSTAT_BIN/arstat-collector" -c "$conf" -o window_seconds=7 --check-config 2>/dev/null || status=$?
assert_eq 78 "$status" "a bad configuration"
status=0
"$ARSTAT_BIN/arstat-aggregator" report -o no_such_setting=1 --month 2026-09 2>/dev/null || status=$?
assert_eq 78 "$status" "the aggregator with a bad configuration"
for unit in "$ARSTAT_SOURCE_DIR"/config/*.service; do
	grep -qx 'RestartPreventExitStatus=78' "$unit" || ! grep -q '^Restart=' "$unit" ||
		fail "$(basename "$unit") restarts on a bad configuration"
done

# ---- 4. hardening ----
for unit in "$ARSTAT_SOURCE_DIR"/config/*.service; do
	systemd-analyze security --offline=true --threshold=15 "$unit" >"$TEST_DIR/security.txt" 2>&1 ||
		fail "$(basename "$unit"): $(tail -n 1 "$TEST_DIR/security.txt") (at most 1.5)"
done
echo "systemd: notify, watchdog, reload, priorities, exit status, exposure of the units"
