#!/usr/bin/env bash
# integration.log_privacy: no log level writes an input's identifiers. The
# collector reads, at every level its log_level accepts (error, warn, info,
# debug), a log whose headers are malformed, untrusted, cut or odd in each way
# the collector reports on, all of them full of addresses, IPs, host names and
# queue IDs, and malformed lines of every program it reads. Its own log must
# hold none of them; the same search finds them in the input, and at debug
# level the collector does report the malformed headers (so the run does
# exercise the code that once wrote them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init log_privacy

log=$TEST_DIR/maillog
tr='from mail.leaky-sender.example[198.51.100.77]; from=<alice.leak@leaky-sender.example> to=<bob.leak@carrier-x.example.jp> proto=ESMTP helo=<helo.leaky-sender.example>'
{
	# A message whose Authentication-Results (trusted authserv-id) is
	# malformed: an unterminated comment, holding an address and an IP.
	printf 'Mar  7 10:00:01 mx1 postfix/smtpd[7]: 4LEAKQ1D001: client=mail.leaky-sender.example[198.51.100.77]\n'
	printf 'Mar  7 10:00:02 mx1 postfix/cleanup[8]: 4LEAKQ1D001: message-id=<m1.leak@leaky-sender.example>\n'
	printf 'Mar  7 10:00:02 mx1 postfix/cleanup[8]: 4LEAKQ1D001: info: header Authentication-Results: mx.carrier-x.example.jp; spf=pass (sender alice.leak@leaky-sender.example at 198.51.100.77 smtp.mailfrom=alice.leak@leaky-sender.example %s\n' "$tr"
	# Malformed after the result: a property without a value.
	printf 'Mar  7 10:00:02 mx1 postfix/cleanup[8]: 4LEAKQ1D001: info: header Authentication-Results: mx.carrier-x.example.jp; dkim=pass header.d=leaky-sender.example 198.51.100.77 alice.leak@leaky-sender.example %s\n' "$tr"
	# Untrusted, well-formed.
	printf 'Mar  7 10:00:02 mx1 postfix/cleanup[8]: 4LEAKQ1D001: info: header Authentication-Results: relay.leaky-sender.example; spf=pass smtp.mailfrom=alice.leak@leaky-sender.example %s\n' "$tr"
	# A Received-SPF with an unknown result keyword.
	printf 'Mar  7 10:00:02 mx1 postfix/cleanup[8]: 4LEAKQ1D001: info: header Received-SPF: Leaky (mx.carrier-x.example.jp: domain of alice.leak@leaky-sender.example) client-ip=198.51.100.77; receiver=mx.carrier-x.example.jp; %s\n' "$tr"
	printf 'Mar  7 10:00:03 mx1 postfix/qmgr[9]: 4LEAKQ1D001: removed\n'
	# Malformed lines of each program the collector reads.
	printf 'Mar  7 10:00:04 mx1 postfix/cleanup[8]: 4LEAKQ1D002: info: header Authentication-Results: mx.carrier-x.example.jp; spf=pass smtp.mailfrom=alice.leak@leaky-sender.example 198.51.100.77\n'
	printf 'Mar  7 10:00:04 mx1 postfix/cleanup[8]: 4LEAKQ1D002: info: header alice.leak@leaky-sender.example 198.51.100.77 %s\n' "$tr"
	printf 'Mar  7 10:00:05 mx1 opendmarc[11]: 4LEAKQ1D003 alice.leak@leaky-sender.example 198.51.100.77\n'
	printf 'Mar  7 10:00:05 mx1 opendkim[12]: 4LEAKQ1D003: DKIM verification successful alice.leak@leaky-sender.example 198.51.100.77 s=\n'
	printf 'Mar  7 10:00:05 mx1 amavis[13]: (4LEAKQ1D003) Passed CLEAN {RelayedInbound}, [198.51.100.77] <alice.leak@leaky-sender.example> ->\n'
	printf 'Mar  7 10:00:05 mx1 rspamd[14]: <4LEAKQ1D003>; task; rspamd_task_write_log: id: <m2.leak@leaky-sender.example>, qid: <4LEAKQ1D003>, ip: 198.51.100.77, from: <alice.leak@leaky-sender.example>, (default: F (no action): [\n'
	printf 'Mar  7 10:00:05 mx1 alice.leak@leaky-sender.example 198.51.100.77\n'
	printf 'Mar 77 10:00:05 mx1 postfix/cleanup[8]: 4LEAKQ1D004: alice.leak@leaky-sender.example\n'
} >"$log"

# Identifiers as the input carries them; each must be found in the input.
patterns=$TEST_DIR/identifiers.txt
printf '%s\n' 'leaky-sender' 'alice.leak' 'bob.leak' '198.51.100' '4LEAKQ1D' 'carrier-x.example.jp' >"$patterns"
while read -r p; do
	grep -q -F -e "$p" "$log" || fail "identifier search is broken: $p is not in the input"
done <"$patterns"

for level in error warn info debug; do
	conf=$TEST_DIR/$level.conf
	cat >"$conf" <<CONF
carrier = carrier-x
host_name = mx1
state_dir = $TEST_DIR/state-$level
input = $log
trusted_authserv_ids = mx.carrier-x.example.jp
time_zone = UTC
sink = file
file_sink_dir = $TEST_DIR/files-$level
log_level = $level
CONF
	mkdir -p "$TEST_DIR/files-$level"
	"$ARSTAT_BIN/arstat-collector" -c "$conf" --once 2>"$TEST_DIR/collector-$level.log" ||
		fail "collector at log_level $level failed: $(tail -n 3 "$TEST_DIR/collector-$level.log")"
	if grep -a -F -f "$patterns" "$TEST_DIR/collector-$level.log" >"$TEST_DIR/leak.txt"; then
		fail "log_level $level writes identifying text: $(head -c 300 "$TEST_DIR/leak.txt")"
	fi
	if grep -a -F -f "$patterns" "$TEST_DIR"/files-"$level"/* >/dev/null 2>&1; then
		fail "log_level $level: the published records hold identifying text"
	fi
done
# At debug level the malformed headers are reported (without their text).
grep -q 'malformed Authentication-Results' "$TEST_DIR/collector-debug.log" ||
	fail "debug level does not report the malformed headers: $(head -c 300 "$TEST_DIR/collector-debug.log")"
grep -q 'malformed line' "$TEST_DIR/collector-warn.log" ||
	fail "warn level does not report the malformed lines"

echo "log_privacy: no identifier in the log at levels error, warn, info, debug"
