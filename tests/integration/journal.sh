#!/usr/bin/env bash
# integration.journal: the collector's journal input on journal files that
# systemd's own tools wrote (systemd-journal-remote turns export-format text
# into a journal file; no running journald is needed).
#   1. carrier-a's maillog from arstat-loggen as one journal file, read with
#      --once (input_format = journal), and carrier-b's in three files added
#      one after the other to a directory the collector follows, killed with
#      SIGKILL after each, the broker down while the second is read (its
#      records wait in the outbox across the kill): the aggregated report of
#      both equals the ground truth exactly (no count lost, none twice), and
#      no loss is counted.
#   2. Vacuuming: files deleted before they were read count one input loss
#      (metric, warning), the rest is read; nothing new, no new loss.
#   3. Hostile entries: a MESSAGE with a line break and a NUL, one longer
#      than max_line_length (counted overlong), one without MESSAGE, one
#      without _HOSTNAME; other programs' entries passed over; nothing of a
#      message in the collector's log.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init journal

remote=/lib/systemd/systemd-journal-remote
[[ -x $remote ]] || fail "$remote is missing (scripts/deps.sh installs systemd-journal-remote)"
export_pl=$ARSTAT_SOURCE_DIR/tests/integration/journal_export.pl

# to_journal FILE.journal < syslog lines: a journal file of those lines.
to_journal() {
	perl "$export_pl" | "$remote" --output="$1" - 2>>"$TEST_DIR/remote.log" ||
		fail "systemd-journal-remote could not write $1"
}

# conf CARRIER STATE INPUT [SETTING...]: a collector configuration on stdout.
conf() {
	cat <<CONF
carrier = $1
host_name = mx1.$1.example.jp
state_dir = $2
input_format = journal
input = $3
trusted_authserv_ids = mx.$1.example.jp
spam_default = ham
window_seconds = 300
checkpoint_interval_ms = 100
stats_interval_seconds = 1
CONF
	shift 3
	(($# == 0)) || printf '%s\n' "$@"
}

# metric FILE NAME: arstat_collector_NAME in the metrics file FILE.
metric() {
	metric_in "$1" "arstat_collector_$2"
}

logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 2 --hosts 1 --start 2026-09 --months 1 \
	--messages-per-day 40 --seed 11 2>"$TEST_DIR/loggen.log"

# ---- 1. exactly once, against the ground truth ----
devbroker_start 1 arstat.counts:4
mkdir -p "$TEST_DIR/ja"
to_journal "$TEST_DIR/ja/system.journal" <"$logs/carrier-a/mx1/maillog"
conf carrier-a "$TEST_DIR/state-a" "$TEST_DIR/ja" "kafka.bootstrap.servers = $BOOTSTRAP" \
	"metrics_file = $TEST_DIR/a.prom" >"$TEST_DIR/a.conf"
"$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/a.conf" --once 2>>"$TEST_DIR/collector-a.log" ||
	fail "collector carrier-a failed"
assert_eq 0 "$(metric "$TEST_DIR/a.prom" input_losses_total)" "carrier-a input losses"
# Every mail line of the file, not one of sshd's.
want=$(grep -cE '^[0-9-]+T[0-9:.+-]+ [^ ]+ [^ []+(\[[0-9]+\])?: ' "$logs/carrier-a/mx1/maillog")
assert_eq "$want" "$(metric "$TEST_DIR/a.prom" lines_total)" "carrier-a lines"

mkdir -p "$TEST_DIR/jb" "$TEST_DIR/parts"
split -n l/3 -d "$logs/carrier-b/mx1/maillog" "$TEST_DIR/parts/b"
conf carrier-b "$TEST_DIR/state-b" "$TEST_DIR/jb" "kafka.bootstrap.servers = $BOOTSTRAP" \
	"metrics_file = $TEST_DIR/b.prom" >"$TEST_DIR/b.conf"
for part in 00 01 02; do
	# The first file is there before the collector starts, the others are
	# written while it follows the directory.
	[[ $part != 00 ]] || to_journal "$TEST_DIR/jb/b$part.journal" <"$TEST_DIR/parts/b$part"
	rm -f "$TEST_DIR/b.prom"
	[[ $part != 01 ]] || devbroker_down
	arstat_bg "$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/b.conf" 2>>"$TEST_DIR/collector-b.log"
	pid=$BG_PID
	[[ $part == 00 ]] || to_journal "$TEST_DIR/jb/b$part.journal" <"$TEST_DIR/parts/b$part"
	# Killed once it has read something of this run, at an instant that
	# depends on the machine's speed: before or after its last checkpoint.
	for ((i = 0; i < 100; i++)); do
		[[ -n $(metric "$TEST_DIR/b.prom" lines_total 2>/dev/null) ]] && break
		sleep 0.1
	done
	sleep "0.$((RANDOM % 10))"
	if [[ $part == 01 ]]; then
		# Kafka unreachable: what was read waits in the outbox.
		for ((i = 0; i < 100; i++)); do
			(($(metric "$TEST_DIR/b.prom" outbox_records) > 0)) && break
			sleep 0.1
		done
	fi
	kill -KILL "$pid"
	wait "$pid" || true
	_arstat_forget "$pid"
	[[ $part != 01 ]] || devbroker_up
	assert_eq 0 "$(metric "$TEST_DIR/b.prom" input_losses_total)" "carrier-b input losses, part $part"
done
"$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/b.conf" --once 2>>"$TEST_DIR/collector-b.log" ||
	fail "collector carrier-b --once after the kills failed"
assert_eq 0 "$(metric "$TEST_DIR/b.prom" input_losses_total)" "carrier-b input losses at the end"

db=$TEST_DIR/arstat.db
register_carriers carrier-a carrier-b
"$ARSTAT_BIN/arstat-aggregator" ingest "${REGISTER[@]}" --db "$db" \
	-o "kafka.bootstrap.servers=$BOOTSTRAP" --until-caught-up >"$TEST_DIR/aggregator.log" 2>&1 ||
	fail "ingest failed"
"$ARSTAT_BIN/arstat-aggregator" report "${REGISTER[@]}" --db "$db" --month 2026-09 --by-carrier \
	--output "$TEST_DIR/report.csv" --spam-output "$TEST_DIR/spam.csv" || fail "report failed"
"$ARSTAT_SOURCE_DIR/tools/check-truth.sh" "$logs/truth.csv" "$TEST_DIR/report.csv" \
	"$TEST_DIR/spam.csv" || fail "report differs from the ground truth"
devbroker_stop

# ---- 2. files vacuumed before they were read ----
mkdir -p "$TEST_DIR/jv" "$TEST_DIR/out-v"
split -n l/3 -d "$logs/carrier-a/mx1/maillog" "$TEST_DIR/parts/v"
to_journal "$TEST_DIR/jv/v00.journal" <"$TEST_DIR/parts/v00"
conf carrier-a "$TEST_DIR/state-v" "$TEST_DIR/jv" "sink = file" "file_sink_dir = $TEST_DIR/out-v" \
	"metrics_file = $TEST_DIR/v.prom" >"$TEST_DIR/v.conf"
"$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/v.conf" --once 2>>"$TEST_DIR/collector-v.log" ||
	fail "collector (vacuum, first run) failed"
to_journal "$TEST_DIR/jv/v01.journal" <"$TEST_DIR/parts/v01"
to_journal "$TEST_DIR/jv/v02.journal" <"$TEST_DIR/parts/v02"
rm "$TEST_DIR/jv/v00.journal" "$TEST_DIR/jv/v01.journal"
"$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/v.conf" --once 2>>"$TEST_DIR/collector-v.log" ||
	fail "collector (vacuum, second run) failed"
assert_eq 1 "$(metric "$TEST_DIR/v.prom" input_losses_total)" "losses after the vacuum"
grep -q 'entries may have been lost unread' "$TEST_DIR/collector-v.log" ||
	fail "the loss was not said in the log"
want=$(grep -cE '^[0-9-]+T[0-9:.+-]+ [^ ]+ [^ []+(\[[0-9]+\])?: ' "$TEST_DIR/parts/v02")
assert_eq "$want" "$(metric "$TEST_DIR/v.prom" lines_total)" "lines of the file left"
"$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/v.conf" --once 2>>"$TEST_DIR/collector-v.log" ||
	fail "collector (vacuum, third run) failed"
assert_eq 0 "$(metric "$TEST_DIR/v.prom" input_losses_total)" "losses with nothing new"
assert_eq 0 "$(metric "$TEST_DIR/v.prom" lines_total)" "lines with nothing new"

# ---- 3. hostile entries ----
mkdir -p "$TEST_DIR/jh" "$TEST_DIR/out-h"
perl -e '
	binmode STDOUT;
	my $t = 1790925713000000;
	sub entry { my %f = @_; $t += 1000;
		print "__REALTIME_TIMESTAMP=$t\n_BOOT_ID=0123456789abcdef0123456789abcdef\n";
		for my $k (sort keys %f) {
			my $v = $f{$k};
			if ($v =~ /[^\x20-\x7e]/) { print "$k\n", pack("Q<", length $v), $v, "\n" }
			else { print "$k=$v\n" } }
		print "\n" }
	entry(_HOSTNAME => "mx1", SYSLOG_IDENTIFIER => "postfix/cleanup", _PID => 10,
	      MESSAGE => "4AB3C2D1E0: message-id=<SECRETMARK\n\@example.com>\0tail");
	entry(_HOSTNAME => "mx1", SYSLOG_IDENTIFIER => "postfix/qmgr", _PID => 11,
	      MESSAGE => "SECRETMARK" x 2000);
	entry(_HOSTNAME => "mx1", SYSLOG_IDENTIFIER => "opendkim", _PID => 12);
	entry(SYSLOG_IDENTIFIER => "opendmarc", SYSLOG_PID => "x1", MESSAGE => "SECRETMARK");
	entry(_HOSTNAME => "mx1", SYSLOG_IDENTIFIER => "sshd", _PID => 13, MESSAGE => "SECRETMARK");
' | "$remote" --output="$TEST_DIR/jh/h.journal" - 2>>"$TEST_DIR/remote.log" ||
	fail "systemd-journal-remote could not write the hostile entries"
conf carrier-a "$TEST_DIR/state-h" "$TEST_DIR/jh/h.journal" "sink = file" \
	"file_sink_dir = $TEST_DIR/out-h" "metrics_file = $TEST_DIR/h.prom" "log_level = debug" \
	>"$TEST_DIR/h.conf"
"$ARSTAT_BIN/arstat-collector" -c "$TEST_DIR/h.conf" --once 2>"$TEST_DIR/collector-h.log" ||
	fail "collector (hostile entries) failed"
assert_eq 4 "$(metric "$TEST_DIR/h.prom" lines_total)" "hostile entries read (sshd passed over)"
assert_eq 1 "$(metric "$TEST_DIR/h.prom" lines_overlong_total)" "overlong entries"
if grep -q SECRETMARK "$TEST_DIR/collector-h.log"; then
	fail "a message's text is in the collector's log"
fi
echo "journal: exactly once over kills, losses counted, hostile entries bounded"
