# Shell functions shared by the benchmarks (results/*.sh, scripts/kafka-bench.sh);
# sourced, not run.

# seconds COMMAND...: run COMMAND (its stdout dropped), print its wall time in
# seconds with three decimals.
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}
