#!/usr/bin/env bash
#
# integration.devbroker: arstat-devbroker does what the other integration tests
# rely on. A 3-broker cluster with a 4-partition topic announces itself in an
# atomic bootstrap file; records produced with acks=all and idempotence can be
# consumed back; SIGUSR1 takes the brokers down so that a produce fails, SIGUSR2
# brings them back with the data intact; the control FIFO does the same; and
# SIGTERM ends it with status 0 and no files left behind.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init devbroker

DEVBROKER=$ARSTAT_BIN/arstat-devbroker
PROBE=$ARSTAT_BIN/arstat-devbroker-probe
TOPIC=counts
LOG=$TEST_DIR/devbroker.log
CTL=$TEST_DIR/devbroker.ctl

# run_probe STATUS ARGS...: run the probe against BOOTSTRAP, check that it
# exits with STATUS, leave its stdout in PROBE_OUT.
run_probe() {
	local expected=$1 status=0

	shift
	PROBE_OUT=$("$PROBE" "$@" --bootstrap "$BOOTSTRAP" 2>>"$TEST_DIR/probe.log") || status=$?
	assert_eq "$expected" "$status" "exit status of probe $*"
}

# Bad command lines are refused before anything starts.
for bad in "--brokers 0" "--brokers 17" "--brokers x" "--topic counts" "--topic counts:0" \
	"--topic bad/name:1" "--topic a:1 --topic a:2" "stray"; do
	status=0
	# shellcheck disable=SC2086 # the words are meant to be split
	"$DEVBROKER" $bad 2>>"$TEST_DIR/usage.log" || status=$?
	assert_eq 1 "$status" "exit status of arstat-devbroker $bad"
done
"$DEVBROKER" --help | grep -q "TEST FIXTURE ONLY, NOT A PRODUCTION BROKER" ||
	fail "--help does not say that this is a test fixture"

# "two" has 2 partitions: the mock creates unknown topics with 4, so only a
# count other than 4 shows that --topic did its job.
devbroker_start 3 "$TOPIC:4" two:2
[[ $BOOTSTRAP =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] ||
	fail "bootstrap list '$BOOTSTRAP' is not three brokers on 127.0.0.1"
assert_eq 1 "$(wc -l <"$TEST_DIR/devbroker.bootstrap")" "lines in the bootstrap file"
assert_eq "$DEVBROKER_PID" "$(<"$TEST_DIR/devbroker.pid")" "pid file"
[[ -p $CTL ]] || fail "control FIFO $CTL was not created"
leftovers=$(find "$TEST_DIR" -name '*.tmp.*')
assert_eq "" "$leftovers" "temporary files left beside the bootstrap file"
grep -q "ready: 3 brokers at $BOOTSTRAP" "$LOG" || fail "no ready message with the bootstrap list"

run_probe 0 metadata --topic "$TOPIC"
assert_eq "brokers=3 partitions=4" "$PROBE_OUT" "metadata of $TOPIC"
run_probe 0 metadata --topic two
assert_eq "brokers=3 partitions=2" "$PROBE_OUT" "metadata of two"

run_probe 0 produce --topic "$TOPIC" --count 10
assert_eq "produced 10 of 10" "$PROBE_OUT"
run_probe 0 consume --topic "$TOPIC" --count 10
assert_eq "consumed 10 (expected 10)" "$PROBE_OUT"

# Down: nothing can be delivered; the records time out in the client.
devbroker_down
grep -q "all 3 brokers down (SIGUSR1)" "$LOG" || fail "no log line for SIGUSR1"
run_probe 2 produce --topic "$TOPIC" --count 3 --timeout-ms 2000
assert_eq "produced 0 of 3" "$PROBE_OUT" "produce while down"
devbroker_down
grep -q "all 3 brokers already down (SIGUSR1)" "$LOG" || fail "a second SIGUSR1 was not noticed"

# Up again: producing works, the earlier records are still there, and none of
# the failed attempt got in.
devbroker_up
grep -q "all 3 brokers up (SIGUSR2)" "$LOG" || fail "no log line for SIGUSR2"
run_probe 0 produce --topic "$TOPIC" --count 5
assert_eq "produced 5 of 5" "$PROBE_OUT" "produce after up"
run_probe 0 consume --topic "$TOPIC" --count 15
assert_eq "consumed 15 (expected 15)" "$PROBE_OUT" "consume after up"

# The control FIFO: the same through lines, nonsense and overlong lines are
# only warned about.
echo down >"$CTL"
wait_for_lines "$LOG" "all 3 brokers down \\(control FIFO\\)" 1
run_probe 2 produce --topic "$TOPIC" --count 1 --timeout-ms 1000
printf 'bogus\n%0200d\n' 0 >"$CTL"
wait_for_lines "$LOG" 'unknown command "bogus" ignored' 1
wait_for_lines "$LOG" "line longer than [0-9]+ bytes skipped" 1
printf 'up \r\n' >"$CTL"
wait_for_lines "$LOG" "all 3 brokers up \\(control FIFO\\)" 1
run_probe 0 metadata --topic "$TOPIC"

# SIGTERM: status 0 (devbroker_stop checks it), promptly, files removed.
devbroker_stop TERM
assert_eq 0 "$DEVBROKER_STATUS" "exit status after SIGTERM"
((DEVBROKER_STOP_MS < 3000)) || fail "stopping took $DEVBROKER_STOP_MS ms"
[[ ! -e $TEST_DIR/devbroker.bootstrap ]] || fail "bootstrap file left behind"
[[ ! -e $TEST_DIR/devbroker.pid ]] || fail "pid file left behind"
[[ ! -e $CTL ]] || fail "control FIFO left behind"
grep -q "stop requested by signal" "$LOG" || fail "no log line for the stop"

# SIGINT and "stop" on the FIFO stop it just as cleanly.
devbroker_start 1
devbroker_stop INT
assert_eq 0 "$DEVBROKER_STATUS" "exit status after SIGINT"
devbroker_start 1 solo:3
echo stop >"$CTL"
devbroker_wait '"stop" on the control FIFO'
grep -q "stop requested on the control FIFO" "$LOG" || fail "no log line for \"stop\""
[[ ! -e $TEST_DIR/devbroker.bootstrap ]] || fail "bootstrap file left behind after stop"

echo "devbroker: all checks passed"
