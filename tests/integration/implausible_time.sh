#!/usr/bin/env bash
# integration.implausible_time: a log line dated far in the future (a local
# user can write one through the system logger) or long before the lines read
# so far is counted as implausible and otherwise ignored: it opens no window,
# joins no message, does not move the lag, and does not enter the checkpoint.
#   1. --once: the published records equal the generator's ground truth, and
#      the aggregator dead-letters nothing (a window in 9999 or 2001 would be);
#   2. following: the lag stays that of the real lines, also after a restart
#      from the checkpoint.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init implausible_time

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day 20 --seed 23 --malformed-per-day 0 2>"$TEST_DIR/loggen.log"
real=$logs/carrier-a/mx1/maillog
log=$TEST_DIR/maillog

# forged_message STAMP-PREFIX QUEUE-ID: a whole accepted message (client,
# message-id, a trusted Authentication-Results header, removed) at the date
# of STAMP-PREFIX ("YYYY-MM-DDTHH:MM").
forged_message() {
	local t=$1 q=$2 tail='from unknown[203.0.113.9]; from=<a@forged.example> to=<b@carrier-a.example.jp> proto=ESMTP helo=<forged.example>'
	printf '%s:01.000000+09:00 mx1 postfix/smtpd[7]: %s: client=unknown[203.0.113.9]\n' "$t" "$q"
	printf '%s:02.000000+09:00 mx1 postfix/cleanup[8]: %s: message-id=<%s@forged.example>\n' "$t" "$q" "$q"
	printf '%s:02.100000+09:00 mx1 postfix/cleanup[8]: %s: info: header Authentication-Results: mx.carrier-a.example.jp; spf=pass smtp.mailfrom=forged.example; dkim=pass header.d=forged.example; dmarc=pass (p=reject dis=none) header.from=forged.example %s\n' "$t" "$q" "$tail"
	printf '%s:03.000000+09:00 mx1 postfix/qmgr[9]: %s: removed\n' "$t" "$q"
}
# The real log with forged lines: a message in 9999 a third of the way in, a
# lone line in 9999 near the end, and a message in 2001 at the end (long
# before the newest line read, which is in October 2026).
n=$(wc -l <"$real")
{
	head -n $((n / 3)) "$real"
	forged_message 9999-12-31T23:58 9F9F9F9F9F1
	sed -n "$((n / 3 + 1)),$((n - 5))p" "$real"
	printf '9999-01-01T00:00:00.000000+09:00 mx1 postfix/smtpd[7]: connect from unknown[203.0.113.9]\n'
	tail -n 5 "$real"
	forged_message 2001-01-01T00:00 2F2F2F2F2F1
} >"$log"
total=$(wc -l <"$log")
implausible=9

# 1. --once to the file sink, then the aggregator.
mkdir -p "$TEST_DIR/files"
conf=$(collector_conf "$TEST_DIR/state-once" "$log" "sink = file" "file_sink_dir = $TEST_DIR/files")
"$ARSTAT_BIN/arstat-collector" -c "$conf" --once >"$TEST_DIR/once.log" 2>&1 ||
	fail "--once failed: $(tail -n 5 "$TEST_DIR/once.log")"
assert_eq "$total" "$(collector_metric lines_total)" "--once lines_total"
assert_eq "$implausible" "$(collector_metric lines_implausible_total)" "--once lines_implausible_total"
grep -q 'implausible' "$TEST_DIR/once.log" || fail "--once did not log the implausible lines"
db=$TEST_DIR/arstat.db
shopt -s nullglob
avro=("$TEST_DIR/files"/*.avro)
((${#avro[@]} > 0)) || fail "--once wrote no container file"
register_carriers carrier-a
ingested=$("$ARSTAT_BIN/arstat-aggregator" ingest "${REGISTER[@]}" --db "$db" --carrier carrier-a --file "${avro[@]}" \
	2>>"$TEST_DIR/aggregator.log") || fail "ingest --file failed"
[[ $ingested == *" dead_letters=0 "* ]] || fail "records the aggregator refused: $ingested"
"$ARSTAT_BIN/arstat-aggregator" report "${REGISTER[@]}" --db "$db" --month 2026-10 --by-carrier \
	--output "$TEST_DIR/report.csv" --spam-output "$TEST_DIR/spam.csv" \
	2>>"$TEST_DIR/aggregator.log" || fail "report failed"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" \
	"$TEST_DIR/spam.csv" >"$TEST_DIR/truth.log" ||
	fail "report differs from the ground truth: $(cat "$TEST_DIR/truth.log")"

# 2. Following: the lag is that of October 2026's lines (positive), never of
#    9999 (negative, shown as 0); after a restart the checkpoint's newest time
#    gives the same.
lag_ok() {
	local lag
	lag=$(collector_metric lag_seconds)
	((lag > 3600)) || fail "$1: lag_seconds is '$lag', expected the age of the last real line"
}
rm -f "$TEST_DIR/metrics.prom"
conf=$(collector_conf "$TEST_DIR/state-follow" "$log" "sink = file" \
	"file_sink_dir = $TEST_DIR/files-follow" "poll_interval_ms = 50")
mkdir -p "$TEST_DIR/files-follow"
arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >"$TEST_DIR/follow.log" 2>&1
wait_metric lines_total "$total" 20
wait_metric lines_implausible_total "$implausible" 5
lag_ok "following"
stop_expect_ok "$BG_PID" "following collector's"
rm -f "$TEST_DIR/metrics.prom"
arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >"$TEST_DIR/follow2.log" 2>&1
for ((i = 0; i < 100; i++)); do
	[[ -s $TEST_DIR/metrics.prom ]] && break
	sleep 0.1
done
[[ -s $TEST_DIR/metrics.prom ]] || fail "the restarted collector wrote no metrics"
assert_eq 0 "$(collector_metric lines_total)" "lines read again after the restart"
lag_ok "restarted from the checkpoint"
stop_expect_ok "$BG_PID" "restarted collector's"
echo "implausible_time: $implausible implausible lines of $total ignored; --once equals the truth, lag stays real"
