# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here for the scripts that source this file look
# unused to shellcheck.)
#
# lib.sh - what every integration test sources: a private directory, background
# processes that are stopped however the test ends, and arstat-devbroker.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   arstat_test_init mytest
#   devbroker_start 3 counts:4          # exports BOOTSTRAP, DEVBROKER_PID
#   arstat_bg "$ARSTAT_BIN/some-program" ... >"$TEST_DIR/prog.log" 2>&1
#   ...
#   devbroker_stop
#
# Sourcing it turns on `set -euo pipefail`: any command that fails fails the
# test. ARSTAT_BIN (the built programs) and ARSTAT_SOURCE_DIR (the source tree)
# come from CTest, see CMakeLists.txt beside this file.
#
# Tests run in parallel: each has its own directory (under $TMPDIR, default
# /tmp) and its own devbroker on kernel-chosen ports, and shares nothing else.
# When the test ends, for whatever reason (success, fail, a failing command,
# SIGINT, SIGTERM), every process started with arstat_bg gets SIGTERM, then
# SIGKILL after 5 s. On success the directory is removed; on failure it is
# kept, its path printed, and the last lines of every *.log in it shown.
# bash runs the INT/TERM trap only once the foreground command in progress has
# ended, so keep foreground commands bounded in time (the probe's --timeout-ms,
# wait_for_lines); CTest's own timeout kills the whole process tree anyway.

set -euo pipefail

TEST_DIR=
BG_PID=
BOOTSTRAP=
DEVBROKER_PID=
DEVBROKER_STATUS=
DEVBROKER_STOP_MS=
_ARSTAT_TEST_NAME=
_ARSTAT_PIDS=()
_ARSTAT_EXIT_CMDS=()

# fail MSG...: report and end the test with status 1.
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# assert_eq EXPECTED ACTUAL [MSG]: fail unless the two strings are equal.
assert_eq() {
	local expected=$1 actual=$2 msg=${3:-}

	if [[ $expected != "$actual" ]]; then
		fail "${msg:+$msg: }expected '$expected', got '$actual'"
	fi
}

# arstat_alive PID: true while PID exists and has not exited. bash reaps its
# children by itself, but until it does an exited child is a zombie, on which
# `kill -0` still succeeds; so the state is read from /proc. (Not with
# $(<file): under set -e a missing file there ends the shell silently.)
arstat_alive() {
	local stat

	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	# Field 2 is "(comm)" and may contain blanks; the state follows ") ".
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# wait_for_lines FILE ERE COUNT [SECONDS]: wait until at least COUNT lines of
# FILE match the extended regular expression ERE (default limit 10 s).
wait_for_lines() {
	local file=$1 ere=$2 count=$3 limit=${4:-10} n i

	for ((i = 0; i < limit * 10; i++)); do
		n=$(grep -cE -- "$ere" "$file" 2>/dev/null || true)
		if ((${n:-0} >= count)); then
			return 0
		fi
		sleep 0.1
	done
	fail "no $count line(s) matching '$ere' in $file after $limit s"
}

# arstat_test_init NAME: make TEST_DIR and arrange the cleanup described above.
arstat_test_init() {
	local name=${1:?usage: arstat_test_init NAME}

	[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || fail "arstat_test_init: bad test name '$name'"
	[[ -n ${ARSTAT_BIN:-} && -d $ARSTAT_BIN ]] ||
		fail "ARSTAT_BIN must name the directory of the built programs (run the test through ctest)"
	[[ -n ${ARSTAT_SOURCE_DIR:-} && -d $ARSTAT_SOURCE_DIR ]] ||
		fail "ARSTAT_SOURCE_DIR must name the source tree (run the test through ctest)"
	_ARSTAT_TEST_NAME=$name
	TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/arstat-$name.XXXXXXXX")
	export TEST_DIR
	trap _arstat_exit EXIT
	# exit runs the EXIT trap, with the status a shell killed by the signal
	# would have had.
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# arstat_bg CMD [ARG...]: start CMD in the background, register it for the
# cleanup, and set BG_PID. Redirect its output as for any command:
#   arstat_bg "$ARSTAT_BIN/prog" --opt >"$TEST_DIR/prog.log" 2>&1
# Call it directly, never inside $(...): a subshell cannot register anything.
arstat_bg() {
	[[ -n $TEST_DIR ]] || fail "arstat_bg before arstat_test_init"
	"$@" &
	BG_PID=$!
	_ARSTAT_PIDS+=("$BG_PID")
}

# arstat_on_exit 'COMMAND': run COMMAND (with eval) when the test ends, after
# the background processes are stopped and before TEST_DIR is removed; for
# what the process cleanup cannot undo (a file system mounted in TEST_DIR).
arstat_on_exit() {
	_ARSTAT_EXIT_CMDS+=("$1")
}

# Drop PID from the cleanup list (after it has been waited for: from then on
# the kernel may give its number to another process).
_arstat_forget() {
	local pid keep=()

	for pid in "${_ARSTAT_PIDS[@]}"; do
		[[ $pid == "$1" ]] || keep+=("$pid")
	done
	_ARSTAT_PIDS=("${keep[@]}")
}

_arstat_stop_all() {
	local pid i

	((${#_ARSTAT_PIDS[@]} > 0)) || return 0
	for pid in "${_ARSTAT_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${_ARSTAT_PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			arstat_alive "$pid" || break
			sleep 0.1
		done
		if arstat_alive "$pid"; then
			printf 'process %s did not stop on SIGTERM; killing it\n' "$pid" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	_ARSTAT_PIDS=()
}

_arstat_exit() {
	local rc=$? f

	# A second Ctrl-C must not cut the cleanup short.
	trap '' INT TERM
	set +e
	_arstat_stop_all
	for f in "${_ARSTAT_EXIT_CMDS[@]}"; do
		eval "$f"
	done
	if ((rc == 0)); then
		rm -rf -- "$TEST_DIR"
	else
		for f in "$TEST_DIR"/*.log; do
			[[ -f $f ]] || continue
			printf -- '--- last lines of %s\n' "$f" >&2
			tail -n 40 -- "$f" >&2
		done
		printf 'test %s failed (status %d); its files are kept in %s\n' \
			"$_ARSTAT_TEST_NAME" "$rc" "$TEST_DIR" >&2
	fi
	exit "$rc"
}

# devbroker_start [BROKERS] [TOPIC:PARTITIONS...]: start arstat-devbroker
# (default 1 broker) with its files in TEST_DIR (devbroker.bootstrap,
# devbroker.pid, devbroker.ctl for control lines, devbroker.log), wait up to
# 10 s until it is ready, and export BOOTSTRAP and DEVBROKER_PID.
devbroker_start() {
	local brokers=${1:-1} topic i
	local bootstrap_file=$TEST_DIR/devbroker.bootstrap
	local -a args

	shift $(($# > 0 ? 1 : 0))
	[[ -z ${DEVBROKER_PID:-} ]] || fail "devbroker_start: a devbroker is already running"
	args=(--brokers "$brokers" --bootstrap-file "$bootstrap_file"
		--pid-file "$TEST_DIR/devbroker.pid" --control "$TEST_DIR/devbroker.ctl")
	for topic in "$@"; do
		args+=(--topic "$topic")
	done
	rm -f -- "$bootstrap_file"
	arstat_bg "$ARSTAT_BIN/arstat-devbroker" "${args[@]}" >>"$TEST_DIR/devbroker.log" 2>&1
	DEVBROKER_PID=$BG_PID
	for ((i = 0; i < 100; i++)); do
		[[ -s $bootstrap_file ]] && break
		arstat_alive "$DEVBROKER_PID" ||
			fail "arstat-devbroker exited during start-up; see $TEST_DIR/devbroker.log"
		sleep 0.1
	done
	[[ -s $bootstrap_file ]] || fail "arstat-devbroker not ready after 10 s"
	BOOTSTRAP=$(<"$bootstrap_file")
	export BOOTSTRAP DEVBROKER_PID
}

# Send SIGNAL and wait until the devbroker logs that its brokers are STATE.
_devbroker_signal() {
	local sig=$1 state=$2 ere n

	[[ -n ${DEVBROKER_PID:-} ]] || fail "no devbroker running"
	ere="brokers (already )?$state \\("
	n=$(grep -cE -- "$ere" "$TEST_DIR/devbroker.log" || true)
	kill "-$sig" "$DEVBROKER_PID"
	wait_for_lines "$TEST_DIR/devbroker.log" "$ere" $((${n:-0} + 1))
}

# devbroker_down: take every broker down (SIGUSR1); returns once it is done.
devbroker_down() {
	_devbroker_signal USR1 down
}

# devbroker_up: bring the brokers up again (SIGUSR2); returns once it is done.
devbroker_up() {
	_devbroker_signal USR2 up
}

# devbroker_stop [SIGNAL]: stop the devbroker (default SIGTERM) and wait for it.
# Fails unless it exits with status 0 within 5 s. Sets DEVBROKER_STATUS and
# DEVBROKER_STOP_MS (milliseconds from the signal to its exit).
devbroker_stop() {
	local sig=${1:-TERM}

	[[ -n ${DEVBROKER_PID:-} ]] || fail "no devbroker running"
	kill "-$sig" "$DEVBROKER_PID"
	devbroker_wait "SIG$sig"
}

# devbroker_wait [WHY]: wait for a devbroker that was told to stop some other
# way (a "stop" line on devbroker.ctl). Same checks and variables as
# devbroker_stop, the time counted from the call.
devbroker_wait() {
	local why=${1:-its stop} pid=${DEVBROKER_PID:-} start i status=0

	[[ -n $pid ]] || fail "no devbroker running"
	start=$(date +%s%N)
	for ((i = 0; i < 100; i++)); do
		arstat_alive "$pid" || break
		sleep 0.05
	done
	arstat_alive "$pid" && fail "arstat-devbroker did not exit within 5 s of $why"
	wait "$pid" || status=$?
	DEVBROKER_STOP_MS=$((($(date +%s%N) - start) / 1000000))
	DEVBROKER_STATUS=$status
	_arstat_forget "$pid"
	DEVBROKER_PID=
	BOOTSTRAP=
	((status == 0)) || fail "arstat-devbroker exited with status $status; see $TEST_DIR/devbroker.log"
}

# collector_conf STATE_DIR INPUT [SETTING...]: write the collector
# configuration the fault tests share to $TEST_DIR/collector.conf: carrier-a's
# mx1 as arstat-loggen writes it, 300-second windows, a checkpoint every 100 ms,
# metrics every second in $TEST_DIR/metrics.prom (see collector_metric); then
# each SETTING ("key = value", e.g. the sink). Prints the file's path.
collector_conf() {
	local conf=$TEST_DIR/collector.conf state=$1 input=$2
	shift 2
	{
		cat <<CONF
carrier = carrier-a
host_name = mx1.carrier-a.example.jp
state_dir = $state
input = $input
trusted_authserv_ids = mx.carrier-a.example.jp
spam_default = ham
window_seconds = 300
checkpoint_interval_ms = 100
stats_interval_seconds = 1
metrics_file = $TEST_DIR/metrics.prom
CONF
		(($# == 0)) || printf '%s\n' "$@"
	} >"$conf"
	printf '%s\n' "$conf"
}

# metric_in FILE SERIES: the value of SERIES (a name with its labels, as
# written: 'arstat_collector_input_open{input="main"}') in the Prometheus
# text file FILE (empty if it is not there, or FILE not yet written).
metric_in() {
	awk -v n="$2" '$1 == n { print $2 }' "$1" 2>/dev/null
}

# collector_metric NAME: the collector's arstat_collector_NAME from the
# metrics file of collector_conf (empty before it is first written).
collector_metric() {
	metric_in "$TEST_DIR/metrics.prom" "arstat_collector_$1"
}

# wait_metric NAME VALUE SECONDS: until the collector's metric NAME is VALUE;
# fails the test with both values after SECONDS.
wait_metric() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[[ $(collector_metric "$1") == "$2" ]] && return 0
		sleep 0.1
	done
	fail "metric $1 is '$(collector_metric "$1")', not $2, after $3 s"
}

# stop_expect_ok PID WHAT: SIGTERM to a program started with arstat_bg, and
# fail the test unless it exits 0 (WHAT names it in the message).
stop_expect_ok() {
	local status=0
	kill -TERM "$1"
	wait "$1" || status=$?
	_arstat_forget "$1"
	assert_eq 0 "$status" "$2 exit status after SIGTERM"
}

# register_carriers ID...: the aggregator's -o options registering each
# carrier ID (display name: the id) on the default topic, in the array
# REGISTER, for "$agg" ingest/report "${REGISTER[@]}".
register_carriers() {
	local c
	REGISTER=()
	for c in "$@"; do
		REGISTER+=(-o "carrier.$c.name=$c")
	done
}

# stop_pid PID SIGNAL: signal a background process of arstat_bg, wait for it
# whatever its status, and stop tracking it (the fault scenarios' kills).
stop_pid() {
	kill "-$2" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	_arstat_forget "$1"
}

# all_messages CSV: the "messages" of scope "all" in a spam CSV, found by its
# column name.
all_messages() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "messages") c = i; next }
		$2 == "all" { print $c }' "$1"
}
