#!/usr/bin/env bash
# Benchmark of the aggregator's store as the fleet and the months grow (not a
# test); figures and the plot in store-growth.md and store-growth.svg.
#
#   results/store-growth.sh COLLECTORS MONTHS [DAYS]
#
# Fills one store month by month, UTC calendar months from January 2027, with
# COLLECTORS collectors of 10 carriers publishing 60-second windows with
# fates (arstat-aggregator-testgen store: the store's own write path, the one
# ingest takes, without Kafka), and after filling month m seals month m - 1:
# the sealing of a month whose replay horizon has passed, taken here as
# passed once the next month is in. DAYS fills only the first DAYS days of
# each month (a shorter run; the figures say so). After each month it
# measures:
#   - the file's bytes and its pages per table (dbstat), before and after
#     sealing, and the bytes per record stored so far;
#   - the fill rate of the month (records/s) and the peak RSS;
#   - the seal's wall time and peak RSS;
#   - the report of the month (tidy, by carrier, spam and coverage CSVs),
#     the coverage CSV alone, and the ministry layout of every month so far
#     (at most twelve), each the best of three runs.
# One TSV line per month goes to $BENCH_DIR/growth-COLLECTORSxMONTHS.tsv
# (columns in its header), and the tables' bytes to
# $BENCH_DIR/tables-COLLECTORSxMONTHS.tsv.
#
# SEAL=0 leaves every month unsealed (the store as it grew before sealing).
# HORIZON_DAYS=H fills day by day instead and, after each day, seals the day
# whose end is H days before it (seal --day, forced: the data are of 2027),
# as ingest with seal_after_days = H would: the file then grows to the
# high-water mark of the default horizon; bytes_before_seal is the largest
# file of the month and seal_s the month's day seals together.
# (Whole months only: DAYS would leave days unfilled that sealing needs.)
# Release build (no sanitizers) in build-bench, or BENCH_BUILD; BENCH_DIR
# defaults to /tmp/arstat-growth. The store of COLLECTORS x MONTHS is left
# there for further runs (ingest into an aged store: see store-growth.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$top/build-bench}
dir=${BENCH_DIR:-/tmp/arstat-growth}
collectors=${1:?usage: $0 COLLECTORS MONTHS [DAYS]}
months=${2:?usage: $0 COLLECTORS MONTHS [DAYS]}
days=${3:-0}

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARSTAT_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target arstat-aggregator arstat-aggregator-testgen >/dev/null
bin=$build/bin
mkdir -p "$dir"
tag=${collectors}x${months}${days:+d$days}
[ "$days" = 0 ] && tag=${collectors}x${months}
[ -n "${HORIZON_DAYS:-}" ] && tag=${tag}h$HORIZON_DAYS
db=$dir/growth-$tag.db
tsv=$dir/growth-$tag.tsv
tables=$dir/tables-$tag.tsv
rm -f "$db" "$db-wal" "$db-shm"
start=1798761600 # 2027-01-01T00:00:00Z
register=()
for i in $(seq 10); do
	register+=(-o "$(printf 'carrier.carrier-%02d.name=carrier-%02d' "$i" "$i")")
done

# run_timed OUT COMMAND...: run, write "wall_seconds max_rss_kb" to OUT.
run_timed() {
	local out=$1
	shift
	/usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null
}
# best3 COMMAND...: the best wall time of three runs, in seconds.
best3() {
	local best= t
	for _ in 1 2 3; do
		run_timed "$dir/t" "$@"
		t=$(cut -d' ' -f1 "$dir/t")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}
month_name() { date -u -d "@$(($1))" +%Y-%m; }
# first second of month m (1-based) of 2027 and later
month_start() { date -u -d "2027-01-01 +$(($1 - 1)) month" +%s; }
file_bytes() { stat -c %s "$db"; }
pages_used() { # bytes in pages that are not free
	local ps fl pc
	ps=$("$bin/arstat-aggregator-testgen" query --db "$db" "PRAGMA page_size")
	pc=$("$bin/arstat-aggregator-testgen" query --db "$db" "PRAGMA page_count")
	fl=$("$bin/arstat-aggregator-testgen" query --db "$db" "PRAGMA freelist_count")
	echo $(((pc - fl) * ps))
}

printf 'collectors\tmonth\tdays\trecords_month\trecords_total\tfill_s\tfill_rate\tfill_rss_kb\tbytes_before_seal\tseal_s\tseal_rss_kb\tfile_bytes\tused_bytes\tbytes_per_record\treport_s\tcoverage_s\tministry_s\n' >"$tsv"
printf 'collectors\tmonth\ttable\tbytes\n' >"$tables"
total=0
for m in $(seq "$months"); do
	ms=$(month_start "$m")
	me=$(month_start $((m + 1)))
	mdays=$(((me - ms) / 86400))
	[ "$days" != 0 ] && [ "$days" -lt "$mdays" ] && mdays=$days
	from=$(((ms - start) / 60))
	windows=$((mdays * 1440))
	n=$((windows * collectors))
	total=$((total + n))
	seal_s=0 seal_rss=0
	if [ -n "${HORIZON_DAYS:-}" ]; then
		fill_s=0 fill_rss=0 before=0
		for d in $(seq 0 $((mdays - 1))); do
			run_timed "$dir/fill" "$bin/arstat-aggregator-testgen" store --db "$db" \
				--carriers 10 --collectors "$collectors" --windows 1440 --window-seconds 60 \
				--start "$start" --from-window $((from + d * 1440)) --cells 8 --seed 1 --fates
			read -r s r <"$dir/fill"
			fill_s=$(awk -v a="$fill_s" -v b="$s" 'BEGIN { print a + b }')
			[ "$r" -gt "$fill_rss" ] && fill_rss=$r
			b=$(file_bytes)
			[ "$b" -gt "$before" ] && before=$b
			# the day that ends HORIZON_DAYS days before the end of day d
			sd=$((ms + (d - HORIZON_DAYS) * 86400))
			if [ "$sd" -ge "$start" ]; then
				run_timed "$dir/seal" "$bin/arstat-aggregator" seal "${register[@]}" \
					--db "$db" --day "$(date -u -d "@$sd" +%F)" --force
				read -r s r <"$dir/seal"
				seal_s=$(awk -v a="$seal_s" -v b="$s" 'BEGIN { print a + b }')
				[ "$r" -gt "$seal_rss" ] && seal_rss=$r
			fi
		done
	else
		run_timed "$dir/fill" "$bin/arstat-aggregator-testgen" store --db "$db" --carriers 10 \
			--collectors "$collectors" --windows "$windows" --window-seconds 60 \
			--start "$start" --from-window "$from" --cells 8 --seed 1 --fates
		read -r fill_s fill_rss <"$dir/fill"
		before=$(file_bytes)
	fi
	if [ -z "${HORIZON_DAYS:-}" ] && [ "$m" -ge 2 ] && [ "${SEAL:-1}" = 1 ]; then
		run_timed "$dir/seal" "$bin/arstat-aggregator" seal "${register[@]}" --db "$db" \
			--month "$(month_name "$(month_start $((m - 1)))")" --force
		read -r seal_s seal_rss <"$dir/seal"
	fi
	bytes=$(file_bytes)
	used=$(pages_used)
	mn=$(month_name "$ms")
	first=$(month_name "$(month_start $((m > 12 ? m - 11 : 1)))")
	report_s=$(best3 "$bin/arstat-aggregator" report "${register[@]}" --db "$db" --month "$mn" \
		--by-carrier --output "$dir/report.csv" --spam-output "$dir/spam.csv" \
		--coverage-output "$dir/coverage.csv")
	coverage_s=$(best3 "$bin/arstat-aggregator" report "${register[@]}" --db "$db" --month "$mn" \
		--output "$dir/tidy.csv" --coverage-output "$dir/coverage.csv")
	ministry_s=$(best3 "$bin/arstat-aggregator" report "${register[@]}" --db "$db" \
		--from "$first" --to "$mn" --layout ministry --lang ja --encoding cp932 \
		--output "$dir/ministry.csv")
	"$bin/arstat-aggregator-testgen" query --db "$db" \
		"SELECT name || char(9) || sum(pgsize) FROM dbstat GROUP BY name ORDER BY 1" |
		sed "s/^/$collectors\t$mn\t/" >>"$tables"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$collectors" "$mn" "$mdays" "$n" "$total" "$fill_s" \
		"$(awk -v n="$n" -v s="$fill_s" 'BEGIN { printf "%.0f", n / s }')" "$fill_rss" \
		"$before" "$seal_s" "$seal_rss" "$bytes" "$used" \
		"$(awk -v b="$bytes" -v n="$total" 'BEGIN { printf "%.2f", b / n }')" \
		"$report_s" "$coverage_s" "$ministry_s" | tee -a "$tsv"
done
echo "written: $tsv $tables"
