# The store's growth law, from the TSVs of results/store-growth.sh (copied into
# results/ as store-growth-*.tsv) and the projection in store-growth-law.tsv
# (store-growth.md says how it is made). Run from results/:
#   gnuplot store-growth.gp      -> store-growth.svg
set terminal svg size 1200,900 dynamic font "sans,11" noenhanced
set output "store-growth.svg"
set datafile separator "\t"
set key top left
set grid
set multiplot layout 2,2 title "arstat-aggregator store: 60-second windows, fates, one month sealed after the next is in"

set title "File size per record stored (measured; 100 and 1,000 before the quarter-hour totals were pruned)"
set xlabel "months filled"
set ylabel "bytes per record"
set yrange [0:*]
plot "store-growth-100x12.tsv" using ($0+1):14 every ::1 with linespoints title "100 collectors", \
     "store-growth-1000x3.tsv" using ($0+1):14 every ::1 with linespoints title "1,000 collectors", \
     "store-growth-5000x1d7.tsv" using ($0+1):14 every ::1 with points pointsize 2 title "5,000 collectors (7 days)", \
     20 with lines dashtype 2 title "target 20"

set title "Store after a year, by fleet (projected from the measured law)"
set xlabel "collectors"
set ylabel "GB"
set logscale xy
set yrange [*:*]
plot "store-growth-law.tsv" using 1:3 every ::1 with linespoints title "sealed once the next month is in", \
     "store-growth-law.tsv" using 1:5 every ::1 with linespoints title "seal_after_days = 45 (default)", \
     "store-growth-law.tsv" using 1:4 every ::1 with lines dashtype 2 title "20 bytes a record (target)"
unset logscale

set title "Write rate of each month (store API, measured)"
set xlabel "month"
set ylabel "records/s"
set yrange [0:*]
plot "store-growth-100x12.tsv" using ($0+1):7 every ::1 with linespoints title "100 collectors", \
     "store-growth-1000x3.tsv" using ($0+1):7 every ::1 with linespoints title "1,000 collectors", \
     "store-growth-5000x1d7.tsv" using ($0+1):7 every ::1 with points pointsize 2 title "5,000 collectors (7 days)"

set title "Report times (best of three, measured)"
set xlabel "months filled"
set ylabel "seconds"
set yrange [0:*]
plot "store-growth-100x12.tsv" using ($0+1):15 every ::1 with linespoints title "month report, 100", \
     "store-growth-100x12.tsv" using ($0+1):17 every ::1 with linespoints title "ministry layout, all months, 100", \
     "store-growth-1000x3.tsv" using ($0+1):15 every ::1 with linespoints title "month report, 1,000", \
     "store-growth-5000x1d7.tsv" using ($0+1):16 every ::1 with points pointsize 2 title "coverage, 5,000"
unset multiplot
