#!/usr/bin/env bash
# Fuzz arstat's parsers of untrusted bytes with libFuzzer (tests/fuzz/fuzz_*.c;
# what each target covers and checks is at the top of its file).
#
# Installs clang (scripts/deps.fuzz.txt), configures a separate build
# directory (build-fuzz/: clang, ASan+UBSan, every library instrumented for
# coverage with -fsanitize=fuzzer-no-link), builds the fuzz_NAME binaries and
# runs each for SECONDS, at most JOBS at a time, at low priority. Each
# target's corpus grows in build-fuzz/work/NAME (kept between runs; the
# committed seeds in tests/fuzz/corpus/NAME are read, never written); what it
# finds (crash-*, leak-*, timeout-*, oom-*) goes to build-fuzz/findings/NAME/.
# A table of each target's last run (time, executions, exec/s, coverage,
# corpus size, findings) is written into results/fuzz.md between the
# "fuzz.sh" markers; the rest of that file is left as it is.
#
# Usage: scripts/fuzz.sh [-t SECONDS] [-j JOBS] [-k] [-m N] [TARGET...]
#   -t SECONDS  per target (default 600; 0: no fuzzing, only -m)
#   -j JOBS     targets run at once (default 2)
#   -k          keep going after a finding (libFuzzer's fork mode with
#               -ignore_crashes), to see what else a target finds
#   -m N        afterwards, add to tests/fuzz/corpus/NAME at most N of the
#               work corpus's inputs that add coverage to the seeds (the
#               smallest; -merge=1), so that the committed corpus grows by a
#               handful, not by thousands (default 0: add nothing)
#   TARGET      authres, config, csv, declare, input, ocf, record, state (default all)
# Environment: CC (default clang-14), FUZZ_BUILD (default build-fuzz).
# Exit status: 0 if every target ran without a finding, 1 otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=600 jobs=2 keep_going=0 merge=0
while getopts "t:j:km:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    k) keep_going=1 ;;
    m) merge=$OPTARG ;;
    *) sed -n '16,27p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
case "$seconds$jobs$merge" in *[!0-9]*) echo "fuzz.sh: -t, -j and -m take numbers" >&2; exit 2 ;; esac

all=()
for f in "$top"/tests/fuzz/fuzz_*.c; do
  n=$(basename "$f" .c); n=${n#fuzz_}
  [ "$n" = util ] || all+=("$n")
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -f "$top/tests/fuzz/fuzz_$t.c" ] || { echo "fuzz.sh: no target $t (${all[*]})" >&2; exit 2; }
done

"$top/scripts/deps.sh" "$top/scripts/deps.fuzz.txt"
cc=${CC:-clang-14}
build=${FUZZ_BUILD:-$top/build-fuzz}
# -O1 as OSS-Fuzz builds; assert() stays on (no NDEBUG): invariants are checked.
# Warnings are the gcc build's business (CI); clang's differ.
CC=$cc nice cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_FLAGS="-O1 -g -fno-omit-frame-pointer" \
  -DARSTAT_SANITIZE=ON -DARSTAT_FUZZ=ON -DARSTAT_WERROR=OFF >/dev/null
nice cmake --build "$build" -j"$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# The number of files in directory $1.
count() { find "$1" -maxdepth 1 -type f | wc -l; }

# Run target $1; its log in $build/logs/$1.log, its table row in
# $build/results/$1.row.
run_one() {
  local t=$1 seeds="$top/tests/fuzz/corpus/$1" work="$build/work/$1" art="$build/findings/$1"
  local log="$build/logs/$1.log" dict=() mode=() before start end
  mkdir -p "$work" "$build/logs" "$build/results"
  rm -rf "$art" && mkdir -p "$art"
  [ -f "$top/tests/fuzz/$t.dict" ] && dict=(-dict="$top/tests/fuzz/$t.dict")
  [ "$keep_going" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  before="$(count "$seeds") seeds + $(count "$work") work"
  start=$(date +%s)
  # The work directory comes first: libFuzzer writes what it finds there.
  (cd "$art" && timeout $((seconds + 300)) nice -n 10 "$build/bin/fuzz_$t" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$art/" "${dict[@]}" "${mode[@]}" "$work" "$seeds") >"$log" 2>&1 || true
  end=$(date +%s)
  summarize "$t" "$log" "$((end - start))" "$before" "$(count "$work")" "$art" \
    >"$build/results/$t.row"
  echo "fuzz.sh: $t done: $(cut -d'|' -f3-12 "$build/results/$t.row")"
}

# One table row from a libFuzzer log (plain or fork mode).
summarize() {
  local t=$1 log=$2 secs=$3 before=$4 work_after=$5 art=$6 execs rate cov ft corp init finds k n
  # A log without some line is a row with "?", not the end of the script.
  set +e +o pipefail
  init=$(grep -m1 -o 'INITED cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" |
         sed 's/.*corp: //' || true)
  if grep -q '^stat::number_of_executed_units' "$log"; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  else
    # Fork mode: "#N: cov: C ft: F corp: K exec/s R ..." lines, the last
    # one's rate that of its last job: the average is worked out here.
    execs=$(grep -o '^#[0-9]*: cov' "$log" | tail -1 | tr -dc '0-9')
    [ -z "$execs" ] || rate=$((execs / (secs > 0 ? secs : 1)))
    init=$(sed -n 's/^INFO: -fork=1: \([0-9]*\) seed inputs.*/\1 (fork mode)/p' "$log")
  fi
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | tr -dc '0-9')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | tr -dc '0-9')
  corp=$(grep -o 'corp: [0-9]*/*[0-9]*[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //')
  finds=
  for k in crash leak timeout oom; do
    n=$(find "$art" -maxdepth 1 -type f -name "$k-*" | wc -l)
    [ "$n" = 0 ] || finds="${finds:+$finds, }$n $k"
  done
  printf '| %s | %s | %s s | %s | %s | %s | %s | %s | %s | %s, work %s files | %s |\n' \
    "$t" "$(date -u +%Y-%m-%d)" "$secs" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$before" "${init:-?}" "${corp:-?}" "$work_after" "${finds:-none}"
}

# Add at most $merge of $1's work inputs that add coverage to its seeds.
merge_one() {
  local t=$1 seeds="$top/tests/fuzz/corpus/$1" work="$build/work/$1" tmp added=0 f
  tmp=$(mktemp -d)
  cp "$seeds"/* "$tmp"/
  nice -n 10 "$build/bin/fuzz_$t" -merge=1 "$tmp" "$work" >"$build/logs/$t.merge.log" 2>&1
  for f in $(cd "$tmp" && ls -S -r); do
    [ -e "$seeds/$f" ] && continue
    [ "$added" -lt "$merge" ] || break
    cp "$tmp/$f" "$seeds/$f"
    added=$((added + 1))
  done
  rm -rf "$tmp"
  echo "fuzz.sh: $t: $added seeds added to tests/fuzz/corpus/$t"
}

if [ "$seconds" -gt 0 ]; then
  for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run_one "$t" &
  done
  wait
fi
if [ "$merge" -gt 0 ]; then
  for t in "${targets[@]}"; do merge_one "$t"; done
fi

# The table in results/fuzz.md, between its markers, of every target's last run.
md="$top/results/fuzz.md" begin='<!-- fuzz.sh: begin -->' end='<!-- fuzz.sh: end -->'
[ -f "$md" ] || printf '# Fuzzing\n\n%s\n%s\n' "$begin" "$end" >"$md"
table=$(mktemp)
{
  echo "$begin"
  echo "Written by \`scripts/fuzz.sh\` ($($cc --version | head -1); $(nproc) CPUs, shared)."
  echo "Coverage is libFuzzer's: cov = edges, ft = features (in fork mode, -k, libFuzzer counts"
  echo "them otherwise: not comparable with the other rows). Corpus \"start\" is what libFuzzer"
  echo "kept of the seeds and the work corpus after loading them, \"end\" what it holds at the end."
  echo
  echo "| target | date | time | executions | exec/s | cov | ft | inputs given | corpus start | corpus end | findings |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  cat "$build"/results/*.row
  echo "$end"
} >"$table"
awk -v table="$table" -v b="$begin" -v e="$end" '
  $0 == b { while ((getline l < table) > 0) print l; skip = 1; next }
  $0 == e { skip = 0; next }
  !skip' "$md" >"$md.tmp" && mv "$md.tmp" "$md"
rm -f "$table"
status=0
for t in "${targets[@]}"; do
  [ "$seconds" = 0 ] || grep -q ' none |$' "$build/results/$t.row" || status=1
done
exit $status
