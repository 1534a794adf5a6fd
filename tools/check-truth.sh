#!/usr/bin/env bash
# check-truth: compare an aggregator report with arstat-loggen's ground truth.
#
# usage: check-truth.sh [--refused] TRUTH.csv REPORT.csv [SPAM.csv]
#
# TRUTH.csv: month,carrier,dimension,value,count (from arstat-loggen).
# REPORT.csv: the tidy report (month,scope,method,providers,messages,<result counts>,...).
# SPAM.csv: month,scope,providers,messages,spam,...
# Every count in the report (scope "all" and per carrier) must equal the sum
# of the truth rows it stands for, for every month in the report; and every
# month of the truth must be in the report. With --refused (a report of
# records that carry fates, publish_fates = yes) the refused columns too: per
# method, each of rejected_<result>, discarded_<result> and held_<result>
# equals the truth's "<fate>:<method>,<result>" rows, rejected, discarded
# and held their sums over the results but absent, and refused theirs.
# Prints what differs; exit 0 only if nothing does.
set -euo pipefail
refused=0
if [ "${1:-}" = --refused ]; then refused=1; shift; fi
[ $# -ge 2 ] || { echo "usage: $0 [--refused] TRUTH.csv REPORT.csv [SPAM.csv]" >&2; exit 2; }
truth=$1 report=$2 spam=${3:-}

awk -F, -v spamfile="$spam" -v refused="$refused" '
function col(name,   i) { for (i = 1; i <= NF; i++) if ($i == name) return i; return 0 }
FNR == 1 { file++ }
file == 1 {
  if (FNR == 1) next
  month = $1; carrier = $2; dim = $3; val = $4; n = $5
  truth[month, carrier, dim, val] += n; truth[month, "all", dim, val] += n
  carriers[carrier] = 1; tmonths[month] = 1
  next
}
file == 2 {
  if (FNR == 1) {
    split("none pass fail softfail neutral temperror permerror policy", results, " ")
    for (r in results) rc[results[r]] = col(results[r])
    cmsg = col("messages"); cmon = col("month"); cscope = col("scope"); cmeth = col("method")
    split("rejected discarded held", fates, " ")
    if (refused) {
      crefused = col("refused")
      if (!crefused) { print "report has no refused column"; bad++ }
      for (fx in fates) {
        fcol[fates[fx]] = col(fates[fx])
        if (!fcol[fates[fx]]) { printf "report has no %s column\n", fates[fx]; bad++ }
        for (r in results) {
          fc[fates[fx], results[r]] = col(fates[fx] "_" results[r])
          if (!fc[fates[fx], results[r]]) { printf "report has no %s_%s column\n", fates[fx], results[r]; bad++ }
        }
      }
      if (bad) exit 1
    }
    next
  }
  m = $cmon; s = $cscope; meth = $cmeth; rmonths[m] = 1; rows++
  rscope[m, s] = 1; if (s != "all") bycarrier = 1
  total = 0
  for (r in results) {
    res = results[r]; want = truth[m, s, meth, res] + 0; got = $rc[res] + 0; total += want
    if (want != got) { printf "MISMATCH %s %s %s %s: report %d, truth %d\n", m, s, meth, res, got, want; bad++ }
  }
  if ($cmsg + 0 != total) { printf "MISMATCH %s %s %s messages: report %d, truth %d\n", m, s, meth, $cmsg, total; bad++ }
  if (refused) {
    all = 0
    for (fx in fates) {
      fate = fates[fx]; sum = 0
      for (r in results) {
        res = results[r]; want = truth[m, s, fate ":" meth, res] + 0; got = $(fc[fate, res]) + 0; sum += want
        if (want != got) { printf "MISMATCH %s %s %s %s_%s: report %d, truth %d\n", m, s, meth, fate, res, got, want; bad++ }
      }
      if ($(fcol[fate]) + 0 != sum) { printf "MISMATCH %s %s %s %s: report %d, truth %d\n", m, s, meth, fate, $(fcol[fate]), sum; bad++ }
      all += sum
    }
    if ($crefused + 0 != all) { printf "MISMATCH %s %s %s refused: report %d, truth %d\n", m, s, meth, $crefused, all; bad++ }
  }
  compared++
  next
}
file == 3 {
  if (FNR == 1) { smon = col("month"); sscope = col("scope"); smsg = col("messages"); sspam = col("spam"); next }
  m = $smon; s = $sscope
  if ($smsg + 0 != truth[m, s, "messages", "all"] + 0) { printf "MISMATCH %s %s spam-table messages: report %d, truth %d\n", m, s, $smsg, truth[m, s, "messages", "all"]; bad++ }
  if ($sspam + 0 != truth[m, s, "spam", "spam"] + 0) { printf "MISMATCH %s %s spam: report %d, truth %d\n", m, s, $sspam, truth[m, s, "spam", "spam"]; bad++ }
  compared++
}
END {
  for (m in tmonths) if (!(m in rmonths)) { printf "MISSING month %s in the report\n", m; bad++ }
  # A report by carrier must have every carrier of the truth, not only those it happens to list.
  if (bycarrier) for (k in truth) {
    split(k, f, SUBSEP)
    if (f[2] != "all" && f[1] in rmonths && !((f[1], f[2]) in rscope)) {
      printf "MISSING carrier %s in %s of the report\n", f[2], f[1]; bad++; rscope[f[1], f[2]] = 1
    }
  }
  if (rows == 0) { print "report has no rows"; bad++ }
  if (bad) { printf "truth check: %d differences\n", bad; exit 1 }
  printf "truth check: %d report rows equal the ground truth exactly\n", compared
}' "$truth" "$report" ${spam:+"$spam"}
