#!/usr/bin/env bash
# integration.input_missing: an input the collector cannot read must not pass
# for an empty one. With --once (a backfill job) a missing or unreadable input,
# a directory or a FIFO given as input each end the run promptly with a
# non-zero status and one error naming the input, its path and the reason,
# also when another input is fine (nothing is skipped silently). Following,
# a missing input is waited for (tail -F) and the log says so once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init input_missing

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 1 --hosts 1 --start 2026-10 --months 1 \
	--messages-per-day 20 --seed 17 2>"$TEST_DIR/loggen.log"
good=$logs/carrier-a/mx1/maillog
mkdir -p "$TEST_DIR/files" "$TEST_DIR/adir"
mkfifo "$TEST_DIR/fifo"

# once_fails CASE INPUT-SETTING...: run --once (bounded by timeout 20) with
# these inputs; it must fail, not time out.
once_fails() {
	local case=$1 status=0
	shift
	rm -rf "$TEST_DIR/state-$case"
	conf=$(collector_conf "$TEST_DIR/state-$case" "$good" "sink = file" \
		"file_sink_dir = $TEST_DIR/files" "$@")
	timeout 20 "$ARSTAT_BIN/arstat-collector" -c "$conf" --once >"$TEST_DIR/$case.log" 2>&1 ||
		status=$?
	((status != 124)) || fail "$case: --once did not end within 20 s"
	((status != 0)) || fail "$case: --once exited 0: $(cat "$TEST_DIR/$case.log")"
}
# one_error CASE ERE: exactly one log line of CASE matches ERE.
one_error() {
	local n
	n=$(grep -cE "$2" "$TEST_DIR/$1.log" || true)
	assert_eq 1 "$n" "$1: lines matching '$2' in: $(head -c 2000 "$TEST_DIR/$1.log")"
}

# 1. One good input (main) and one missing.
once_fails missing "input.gone = postfix $TEST_DIR/no/such/maillog"
one_error missing "input gone \\($TEST_DIR/no/such/maillog\\).*No such file or directory"
# 2. Unreadable: not for root, who reads everything.
if ((EUID != 0)); then
	: >"$TEST_DIR/secret"
	chmod 000 "$TEST_DIR/secret"
	once_fails unreadable "input.secret = postfix $TEST_DIR/secret"
	one_error unreadable "input secret \\($TEST_DIR/secret\\).*Permission denied"
fi
# 3. A directory, 4. a FIFO (which must not block in open()).
once_fails directory "input.adir = postfix $TEST_DIR/adir"
one_error directory "input adir \\($TEST_DIR/adir\\).*not a regular file"
once_fails fifo "input.fifo = postfix $TEST_DIR/fifo"
one_error fifo "input fifo \\($TEST_DIR/fifo\\).*not a regular file"

# 5. Following: a missing input is waited for, said once; a directory too,
#    without flooding the log.
conf=$(collector_conf "$TEST_DIR/state-follow" "$good" "sink = file" \
	"file_sink_dir = $TEST_DIR/files" "input.later = postfix $TEST_DIR/later/maillog" \
	"input.adir = postfix $TEST_DIR/adir" "poll_interval_ms = 50")
arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$conf" >"$TEST_DIR/follow.log" 2>&1
follow_pid=$BG_PID
sleep 2
arstat_alive "$follow_pid" || fail "the following collector died: $(cat "$TEST_DIR/follow.log")"
stop_expect_ok "$follow_pid" "following collector's"
one_error follow "input later \\($TEST_DIR/later/maillog\\).*No such file or directory.*waiting for it"
one_error follow "input adir \\($TEST_DIR/adir\\).*not a regular file"
echo "input_missing: --once fails on a missing, unreadable, directory and FIFO input; following waits"
