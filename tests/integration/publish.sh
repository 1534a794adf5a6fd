#!/usr/bin/env bash
# integration.publish - arstat-aggregator publish, the monthly run, on a store
# of three carriers x three collectors x two months and a day (hourly
# windows from 2026-08-01 in Tokyo), written by arstat-aggregator-testgen
# with a gap of five windows in August:
#   1. September (complete) is published: every file present, the manifest
#      and SHA256SUMS verify, the manifest holds the store's state, the
#      metric names the month;
#   2. a second run from the same store changes nothing ("unchanged"), and a
#      run into another directory makes byte-identical files;
#   3. August (the gap) is refused naming the gap, and with --force
#      published, marked in INCOMPLETE.txt, the README and the manifest; a
#      month within its grace period is refused;
#   4. after the gap is filled (a changed store), August is published again
#      as 2026-08.r2 beside the untouched first folder;
#   5. a run killed with SIGKILL while arstat-plot draws leaves no month
#      folder, only a hidden partial one, which the next run removes before
#      it publishes; a second run while the first holds the directory is
#      refused; a failing plot program fails the run and leaves nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init publish

agg=$ARSTAT_BIN/arstat-aggregator
gen=$ARSTAT_BIN/arstat-aggregator-testgen
db=$TEST_DIR/store.db
out=$TEST_DIR/pub
prom=$TEST_DIR/publish.prom
register_carriers carrier-01 carrier-02 carrier-03
# 2026-08-01 00:00 in Tokyo; 1488 hours reach 2026-10-02 00:00 there.
start=$(date -ud 2026-07-31T15:00:00Z +%s)
gen_args=(--carriers 3 --collectors 3 --windows 1488 --window-seconds 3600 --start "$start"
	--seed 18 --cells 4)
"$gen" store --db "$db" "${gen_args[@]}" --skip 1:100:5 >"$TEST_DIR/gen1.out"
records=$(sed -n 's/^records=\([0-9]*\) .*/\1/p' "$TEST_DIR/gen1.out")

# publish NAME DIR ARGS...: run publish into DIR; its output in NAME.out and
# NAME.log, its status in $rc.
publish() {
	local name=$1 dir=$2
	shift 2
	rc=0
	"$agg" publish --db "$db" "${REGISTER[@]}" -o "publish_metrics_file=$prom" --out "$dir" "$@" \
		>"$TEST_DIR/$name.out" 2>"$TEST_DIR/$name.log" || rc=$?
}

metric() {
	awk -v n="arstat_publish_$1" '$1 == n { print $2 }' "$prom"
}

# Every file a publication of month M holds, sorted.
expected_files() {
	local m=$1 lang b
	for f in methods spam coverage; do
		printf '%s-%s.csv\n' "$f" "$m"
	done
	for lang in ja en; do
		printf 'ministry-%s-%s-utf-8-bom.csv\nministry-%s-%s-cp932.csv\n' "$m" "$lang" "$m" "$lang"
		for b in adoption spam spf-results dkim-results dmarc-results arc-results; do
			printf 'charts-%s/%s.png\ncharts-%s/%s.svg\n' "$lang" "$b" "$lang" "$b"
		done
		printf 'charts-%s/index.html\ncharts-%s/report.csv\ncharts-%s/spam.csv\n' "$lang" "$lang" "$lang"
	done
	printf 'MANIFEST.txt\nREADME.txt\nSHA256SUMS\n'
	[[ ${2:-} != forced ]] || printf 'INCOMPLETE.txt\n'
}

files_of() {
	(cd "$1" && find . -type f | sed 's|^\./||' | sort)
}

# A folder's checksums verify, and the manifest lists every file but itself
# and SHA256SUMS with the same SHA-256.
verify() {
	local dir=$1
	(cd "$dir" && sha256sum --quiet -c SHA256SUMS) || fail "$dir: SHA256SUMS does not verify"
	assert_eq "$(files_of "$dir" | grep -v '^SHA256SUMS$')" "$(awk '{ print $2 }' "$dir/SHA256SUMS" | sort)" \
		"$dir: files in SHA256SUMS"
	assert_eq "$(grep -v '^MANIFEST.txt ' <(awk '{ print $2, $1 }' "$dir/SHA256SUMS") | sort)" \
		"$(awk '$1 == "file:" { print $4, $2 }' "$dir/MANIFEST.txt" | sort)" \
		"$dir: files and digests in MANIFEST.txt"
}

# --- 1. a complete month -------------------------------------------------------
publish sep1 "$out" --month 2026-09
assert_eq 0 "$rc" "publish 2026-09 exit status (see sep1.log)"
grep -q "^month=2026-09 folder=$out/2026-09 revision=1 status=complete " "$TEST_DIR/sep1.out" ||
	fail "publish said: $(cat "$TEST_DIR/sep1.out")"
assert_eq "2026-09" "$(ls -A "$out")" "the publication directory holds the month's folder only"
assert_eq "$(expected_files 2026-09 | sort)" "$(files_of "$out/2026-09")" "files of 2026-09"
verify "$out/2026-09"
m=$out/2026-09/MANIFEST.txt
grep -qx 'status: complete' "$m" || fail "manifest: no 'status: complete'"
grep -qx "store.records: $records" "$m" || fail "manifest: store.records is not $records"
grep -qx 'declarations_used:' "$m" || fail "manifest: no declarations_used field"
grep -qx 'program.arstat-plot: arstat-plot [0-9.]*' "$m" || fail "manifest: no arstat-plot version"
grep -qx 'program.gnuplot: gnuplot [0-9].*' "$m" || fail "manifest: no gnuplot version"
grep -qx 'trend_months: 2026-08 2026-09' "$m" || fail "manifest: trend months"
grep -q 'Status: complete' "$out/2026-09/README.txt" || fail "README does not say complete"
[[ $(head -c 3 "$out/2026-09/ministry-2026-09-ja-utf-8-bom.csv" | od -An -tx1 | tr -d ' \n') == efbbbf ]] ||
	fail "the UTF-8-BOM ministry file has no BOM"
iconv -f CP932 -t UTF-8 "$out/2026-09/ministry-2026-09-ja-cp932.csv" | grep -q '月' ||
	fail "the CP932 ministry file is not Japanese in CP932"
# The tidy CSV is the report command's, figure for figure.
"$agg" report --db "$db" "${REGISTER[@]}" --month 2026-09 --output "$TEST_DIR/report-09.csv"
cmp -s "$TEST_DIR/report-09.csv" "$out/2026-09/methods-2026-09.csv" ||
	fail "methods-2026-09.csv differs from arstat-aggregator report's"
assert_eq 202609 "$(metric last_published_month)" "metric last_published_month"
assert_eq 1 "$(metric last_run_success)" "metric last_run_success"
assert_eq 0 "$(metric last_run_forced)" "metric last_run_forced"

# --- 2. the same store again ---------------------------------------------------
snapshot() { (cd "$out" && find . -mindepth 1 -printf '%p %i %s %T@\n' | sort); }
before=$(snapshot)
publish sep2 "$out" --month 2026-09
assert_eq 0 "$rc" "second publish of 2026-09"
grep -q "status=unchanged" "$TEST_DIR/sep2.out" || fail "second run said: $(cat "$TEST_DIR/sep2.out")"
grep -q "already published, unchanged" "$TEST_DIR/sep2.log" || fail "no 'already published, unchanged'"
assert_eq "$before" "$(snapshot)" "the directory after a second run from the same store"
publish sep3 "$TEST_DIR/pub-again" --month 2026-09
assert_eq 0 "$rc" "publish 2026-09 into a second directory"
diff -r "$out/2026-09" "$TEST_DIR/pub-again/2026-09" >"$TEST_DIR/diff.log" ||
	fail "a second publication from the same store differs (diff.log)"

# --- 3. an incomplete month, a month too recent ---------------------------------
publish aug1 "$out" --month 2026-08
assert_eq 1 "$rc" "publish of the incomplete 2026-08"
grep -q '2026-08 not published: it is not complete (--force publishes it marked incomplete); missing:' "$TEST_DIR/aug1.log" || fail "refusal: $(cat "$TEST_DIR/aug1.log")"
grep -qE 'collector [0-9a-f]+: 5 window\(s\) missing from 2026-08-04T19:00:00Z to 2026-08-05T00:00:00Z \(gap\)' \
	"$TEST_DIR/aug1.log" || fail "the refusal does not name the gap: $(cat "$TEST_DIR/aug1.log")"
assert_eq "2026-09" "$(ls -A "$out")" "the directory after a refusal"
assert_eq 0 "$(metric last_run_success)" "metric last_run_success after a refusal"
assert_eq 202609 "$(metric last_published_month)" "metric last_published_month after a refusal"

publish aug2 "$out" --month 2026-08 --force
assert_eq 0 "$rc" "publish 2026-08 --force"
grep -q "folder=$out/2026-08 revision=1 status=forced" "$TEST_DIR/aug2.out" ||
	fail "forced run said: $(cat "$TEST_DIR/aug2.out")"
grep -q 'published INCOMPLETE (--force)' "$TEST_DIR/aug2.log" || fail "no warning of the forced publication"
assert_eq "$(expected_files 2026-08 forced | sort)" "$(files_of "$out/2026-08")" "files of forced 2026-08"
verify "$out/2026-08"
grep -q '^THIS PUBLICATION IS INCOMPLETE' "$out/2026-08/INCOMPLETE.txt" || fail "INCOMPLETE.txt"
grep -q '5 window(s) missing from 2026-08-04T19:00:00Z' "$out/2026-08/INCOMPLETE.txt" ||
	fail "INCOMPLETE.txt does not name the gap"
grep -q 'Status: INCOMPLETE' "$out/2026-08/README.txt" || fail "README does not say INCOMPLETE"
grep -qx 'status: forced' "$out/2026-08/MANIFEST.txt" || fail "manifest: no 'status: forced'"
grep -q '^forced.missing: .*5 window(s) missing' "$out/2026-08/MANIFEST.txt" ||
	fail "manifest: no forced.missing line"
# The CSVs say it too, in their complete column.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["complete"] != "no" { exit 1 }' \
	"$out/2026-08/methods-2026-08.csv" || fail "methods-2026-08.csv does not say complete=no"
assert_eq 1 "$(metric last_run_forced)" "metric last_run_forced"

publish grace "$TEST_DIR/pub-grace" --month 2026-09 -o publish_grace_days=366
assert_eq 1 "$rc" "publish within the grace period"
grep -q '2026-09 not published: it may still receive data until 2027-10-01T15:00:00Z (publish_grace_days = 366) (--force' \
	"$TEST_DIR/grace.log" || fail "grace refusal: $(cat "$TEST_DIR/grace.log")"
assert_eq "" "$(ls -A "$TEST_DIR/pub-grace")" "the directory after a refusal within the grace period"

# --- 4. a changed store: a new revision --------------------------------------
aug_before=$(cd "$out/2026-08" && find . -type f -printf '%p %i %s %T@\n' | sort)
"$gen" store --db "$db" "${gen_args[@]}" >"$TEST_DIR/gen2.out"
# Two carriers declare August's accounts (issue 13), one twice: the
# manifest names the declarations used, the latest of each carrier.
printf 'carrier,month,accounts,filter_users\ncarrier-01,2026-08,100000,40000\ncarrier-02,2026-08,200000,90000\n' \
	>"$TEST_DIR/decl1.csv"
printf 'carrier,month,accounts,filter_users\ncarrier-02,2026-08,210000,95000\n' >"$TEST_DIR/decl2.csv"
"$agg" declare --db "$db" "${REGISTER[@]}" --file "$TEST_DIR/decl1.csv" >"$TEST_DIR/decl1.out" ||
	fail "declare decl1.csv failed"
"$agg" declare --db "$db" "${REGISTER[@]}" --file "$TEST_DIR/decl2.csv" >"$TEST_DIR/decl2.out" ||
	fail "declare decl2.csv failed"
grep -q '^declaration=2 rows=1 sha256=' "$TEST_DIR/decl2.out" || fail "declare said: $(cat "$TEST_DIR/decl2.out")"
# A file with a bad row stores nothing, exit 1, each bad row by its line.
printf 'carrier,month,accounts,filter_users\ncarrier-03,2026-08,5000,100\ncarrier-09,2026-08,1,1\ncarrier-03,2026-08,7,8\n' \
	>"$TEST_DIR/bad.csv"
rc=0
"$agg" declare --db "$db" "${REGISTER[@]}" --file "$TEST_DIR/bad.csv" >"$TEST_DIR/bad.out" 2>"$TEST_DIR/bad.log" || rc=$?
assert_eq 1 "$rc" "declare of a file with bad rows"
grep -q "bad.csv:3: carrier carrier-09 is not registered" "$TEST_DIR/bad.log" || fail "declare: $(cat "$TEST_DIR/bad.log")"
grep -q "bad.csv:4: filter_users (8) is more than accounts (7)" "$TEST_DIR/bad.log" || fail "declare: line 4"
publish aug3 "$out" --month 2026-08
assert_eq 0 "$rc" "publish of 2026-08 once complete"
grep -q "folder=$out/2026-08.r2 revision=2 status=complete" "$TEST_DIR/aug3.out" ||
	fail "after the store changed: $(cat "$TEST_DIR/aug3.out")"
assert_eq "$(expected_files 2026-08 | sort)" "$(files_of "$out/2026-08.r2")" "files of 2026-08.r2"
verify "$out/2026-08.r2"
verify "$out/2026-08"
assert_eq "$aug_before" "$(cd "$out/2026-08" && find . -type f -printf '%p %i %s %T@\n' | sort)" \
	"the first revision after the second was made"
grep -q 'Revision 2: replaces 2026-08' "$out/2026-08.r2/README.txt" || fail "README of r2"
grep -qx 'revision: 2' "$out/2026-08.r2/MANIFEST.txt" || fail "manifest of r2"
assert_eq "$((records + 5))" "$(awk '$1 == "store.records:" { print $2 }' "$out/2026-08.r2/MANIFEST.txt")" \
	"store.records of r2"
m=$out/2026-08.r2/MANIFEST.txt
grep -qx 'declarations_used: 1 2' "$m" || fail "manifest of r2: declarations_used: $(grep declarations_used "$m")"
grep -qx "declaration: 1 carrier-01 [-0-9T:]*Z $(sha256sum <"$TEST_DIR/decl1.csv" | cut -c1-64) $TEST_DIR/decl1.csv" "$m" ||
	fail "manifest of r2: declaration 1: $(grep '^declaration:' "$m")"
grep -qx "declaration: 2 carrier-02 [-0-9T:]*Z $(sha256sum <"$TEST_DIR/decl2.csv" | cut -c1-64) $TEST_DIR/decl2.csv" "$m" ||
	fail "manifest of r2: declaration 2"
# Two declaring providers are fewer than min_providers (3): withheld, named.
grep -q '^2026-08,all,.*,2,,,1 2$' "$out/2026-08.r2/spam-2026-08.csv" ||
	fail "spam CSV of r2: $(tail -n 1 "$out/2026-08.r2/spam-2026-08.csv")"
# The metric names the newest month in the directory, and its revision.
assert_eq 202609 "$(metric last_published_month)" "metric last_published_month after 2026-08.r2"
assert_eq 1 "$(metric last_published_revision)" "metric last_published_revision"

# --- 5. killed in the middle ---------------------------------------------------
# A plot program that says its version and then only waits, so that the run
# can be killed while its folder is half made.
slow=$TEST_DIR/slowplot
cat >"$slow" <<EOF
#!/bin/sh
[ "\$1" = --version ] && exec "$ARSTAT_BIN/arstat-plot" --version
echo \$\$ >"$TEST_DIR/slowplot.pid"
exec sleep 120
EOF
chmod +x "$slow"
kdir=$TEST_DIR/pub-kill
arstat_bg "$agg" publish --db "$db" "${REGISTER[@]}" --out "$kdir" --month 2026-09 \
	-o "plot_program=$slow" >"$TEST_DIR/kill.out" 2>"$TEST_DIR/kill.log"
pub_pid=$BG_PID
wait_for_lines "$TEST_DIR/slowplot.pid" '^[0-9]+$' 1 30
sleep_pid=$(<"$TEST_DIR/slowplot.pid")
partial=$(cd "$kdir" && ls -A)
[[ $partial =~ ^\.2026-09\.partial-[0-9]+$ ]] || fail "while drawing, $kdir holds '$partial'"
[[ -s $kdir/$partial/methods-2026-09.csv ]] || fail "the partial folder has no CSVs yet"
# The directory is locked while a run uses it.
publish locked "$kdir" --month 2026-09
assert_eq 1 "$rc" "a second run into a directory in use"
grep -q 'another publish run is using it' "$TEST_DIR/locked.log" || fail "lock: $(cat "$TEST_DIR/locked.log")"
kill -KILL "$pub_pid"
status=0
wait "$pub_pid" || status=$?
_arstat_forget "$pub_pid"
assert_eq 137 "$status" "the killed run's status"
kill -TERM "$sleep_pid"
assert_eq "$partial" "$(cd "$kdir" && ls -A)" "after the kill: only the hidden partial folder"
publish afterkill "$kdir" --month 2026-09
assert_eq 0 "$rc" "the run after the kill"
grep -q "removing $kdir/$partial, left by a run that did not finish" "$TEST_DIR/afterkill.log" ||
	fail "no word of the stale folder: $(cat "$TEST_DIR/afterkill.log")"
assert_eq "2026-09" "$(ls -A "$kdir")" "after the run that followed the kill"
verify "$kdir/2026-09"

# A plot program that fails: the run fails naming it, and leaves nothing.
bad=$TEST_DIR/badplot
cat >"$bad" <<EOF
#!/bin/sh
[ "\$1" = --version ] && exec "$ARSTAT_BIN/arstat-plot" --version
echo "badplot: cannot draw" >&2
exit 3
EOF
chmod +x "$bad"
publish badplot "$TEST_DIR/pub-bad" --month 2026-09 -o "plot_program=$bad"
assert_eq 1 "$rc" "publish with a failing plot program"
grep -q "$bad --input: exit status 3" "$TEST_DIR/badplot.log" || fail "plot failure: $(cat "$TEST_DIR/badplot.log")"
assert_eq "" "$(ls -A "$TEST_DIR/pub-bad")" "the directory after the plot program failed"
echo "publish: ok"
