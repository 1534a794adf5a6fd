#!/usr/bin/env bash
# integration.aggregator_fates: records of schema v1 (collectors of before
# fates) and v2 (each message's fate) on one topic, through a real broker
# process, ingest and report:
#   - every record is stored, none dead-lettered: the v1 ones with fate
#     unknown, the v2 ones with their fates (the store's counts_named);
#   - the shares' population is the messages accepted or of fate unknown:
#     the spam CSV's messages per carrier equal what the generator counted
#     so, and the messages refused (rejected, discarded, held) appear in the
#     method CSV's refused column, never in its messages;
#   - the ministry layout has its refused section.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_fates

agg=$ARSTAT_BIN/arstat-aggregator
gen=$ARSTAT_BIN/arstat-aggregator-testgen
db=$TEST_DIR/agg.db
devbroker_start 1 arstat.counts:2
register_carriers carrier-01 carrier-02 carrier-03

# 9 collectors of 3 carriers, one-minute windows from 2026-11-10T00:00Z for
# an hour; the odd collectors log fates (v2), the even ones do not (v1), so
# every carrier has both.
"$gen" kafka --bootstrap "$BOOTSTRAP" --carriers 3 --collectors 9 --windows 60 \
	--window-seconds 60 --start 1794268800 --seed 21 --fates \
	>"$TEST_DIR/produced.txt" 2>"$TEST_DIR/testgen.log" || fail "testgen failed"
assert_eq 540 "$(sed -n 's/^records=\([0-9]*\) .*/\1/p' "$TEST_DIR/produced.txt")" \
	"records generated"
refused=$(sed -n 's/^records=.* refused=\([0-9]*\)$/\1/p' "$TEST_DIR/produced.txt")
[[ $refused -gt 0 ]] || fail "the generator refused no message"

assert_eq "records_stored=540 duplicates_skipped=0 dead_letters=0 conflicts=0 kafka_messages=540" \
	"$("$agg" ingest "${REGISTER[@]}" --db "$db" -o "kafka.bootstrap.servers=$BOOTSTRAP" \
		--until-caught-up 2>>"$TEST_DIR/aggregator.log")" "ingest of v1 and v2 records"

# The fates are where they belong: the five v1 collectors have none but
# unknown; the four v2 collectors' cells are mostly of a known fate.
q() { "$gen" query --db "$db" "$1"; }
assert_eq 9 "$(q "SELECT count(DISTINCT collector) FROM counts_named")" "collectors stored"
assert_eq 4 "$(q "SELECT count(DISTINCT collector) FROM counts_named WHERE fate <> 'unknown'")" \
	"collectors with fates"
assert_eq "$refused" "$(q "SELECT sum(messages) FROM counts_named
	WHERE fate IN ('rejected', 'discarded', 'held')")" "refused messages stored"

"$agg" report "${REGISTER[@]}" --db "$db" --month 2026-11 --by-carrier \
	--output "$TEST_DIR/report.csv" --spam-output "$TEST_DIR/spam.csv" \
	2>>"$TEST_DIR/aggregator.log" || fail "report failed"
"$agg" report "${REGISTER[@]}" --db "$db" --month 2026-11 --layout ministry --lang en \
	--output "$TEST_DIR/ministry.csv" 2>>"$TEST_DIR/aggregator.log" || fail "ministry report failed"

# A column of the method CSV by name, for month, scope and method.
column() { # column NAME SCOPE METHOD
	awk -F, -v n="$1" -v s="$2" -v m="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) k = i }
		$2 == s && $3 == m { print $k }' "$TEST_DIR/report.csv"
}
refused_where() { # refused_where CARRIER SQL-CONDITION: the store's refused messages
	q "SELECT coalesce(sum(messages), 0) FROM counts_named WHERE carrier = '$1'
		AND fate IN ('rejected', 'discarded', 'held') AND $2"
}
for c in 1 2 3; do
	line=$(grep "^carrier=carrier-0$c " "$TEST_DIR/produced.txt")
	want=$(sed -n 's/.* messages=\([0-9]*\) .*/\1/p' <<<"$line")
	want_refused=$(sed -n 's/.* refused=\([0-9]*\)$/\1/p' <<<"$line")
	[[ $want_refused -gt 0 ]] || fail "carrier-0$c has no refused message"
	assert_eq "$want_refused" "$(refused_where "carrier-0$c" 1)" "carrier-0$c's refused stored"
	got=$(awk -F, -v c="carrier-0$c" '$2 == c { print $4 }' "$TEST_DIR/spam.csv")
	assert_eq "$want" "$got" "carrier-0$c's messages (accepted and unknown)"
	for m in spf dkim dmarc; do
		assert_eq "$(refused_where "carrier-0$c" "$m <> 'absent'")" \
			"$(column refused "carrier-0$c" $m)" "carrier-0$c's refused $m"
		sum=$(( $(column rejected "carrier-0$c" $m) + $(column discarded "carrier-0$c" $m) +
			$(column held "carrier-0$c" $m) ))
		assert_eq "$(column refused "carrier-0$c" $m)" "$sum" \
			"carrier-0$c's rejected, discarded and held $m"
	done
	assert_eq "$(refused_where "carrier-0$c" "fate = 'rejected' AND dmarc = 'fail'")" \
		"$(column rejected_fail "carrier-0$c" dmarc)" "carrier-0$c's DMARC fail rejected"
done
grep -q '^"Refused by the receiver' "$TEST_DIR/ministry.csv" || fail "no refused section"
grep -q '^DMARC refused share,[0-9.]*%$' "$TEST_DIR/ministry.csv" || fail "no DMARC refused share"
grep -q '^DMARC ③ Fail: rejected,[0-9]*$' "$TEST_DIR/ministry.csv" ||
	fail "no DMARC fail rejected row"
# The charts and the dashboard show the refused share (DMARC's): a card,
# a column of the providers' table and a dash-dotted line of the adoption
# chart, in both languages.
for lang in en ja; do
	"$ARSTAT_BIN/arstat-plot" --input "$TEST_DIR/report.csv" --spam "$TEST_DIR/spam.csv" \
		--output-dir "$TEST_DIR/plot-$lang" --lang "$lang" >/dev/null \
		2>"$TEST_DIR/plot-$lang.log" || fail "arstat-plot --lang $lang failed"
done
grep -q 'data-figure="dmarc-refused"' "$TEST_DIR/plot-en/index.html" || fail "no refused card"
grep -q '>Refused</th>' "$TEST_DIR/plot-en/index.html" || fail "no refused column"
grep -q 'DMARC refused' "$TEST_DIR/plot-en/adoption.svg" || fail "no refused line (en)"
grep -q 'DMARC 拒否等' "$TEST_DIR/plot-ja/adoption.svg" || fail "no refused line (ja)"
grep -q '拒否等' "$TEST_DIR/plot-ja/index.html" || fail "no refused card (ja)"
# The share on the card is the CSV's: DMARC refused / (messages + refused).
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "refused") r = i;
		if ($i == "messages") m = i } }
	$2 == "all" && $3 == "dmarc" { x = int($r * 20000 / ($m + $r) + 1) / 2;
		printf "%.2f", int(x) / 100 }' "$TEST_DIR/report.csv")
grep -q "data-figure=\"dmarc-refused\"[^<]*>$want<" "$TEST_DIR/plot-en/index.html" ||
	fail "the refused card does not say $want"

devbroker_stop
echo "aggregator_fates: v1 and v2 records on one topic, fates stored, shares of accepted and unknown, refused counted apart"
