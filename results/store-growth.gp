# The store's growth law, from the TSVs of results/store-growth.sh (copied into
# results/ as store-growth-*.tsv) and the projection in store-growth-law.tsv
# (store-growth.md says how it is made). Run from results/:
#   gnuplot store-growth.gp      -> store-growth.svg
set terminal svg size 1200,900 dynamic font "sans,11" noenhanced
set output "store-growth.svg"
set datafile separator "\t"
set key top right
set grid
set multiplot layout 2,2 title "arstat-aggregator store: 60-second windows, fates"

set title "File size per record stored (measured)"
set xlabel "months filled"
set ylabel "bytes per record"
set yrange [0:*]
plot "store-growth-100x12h45.tsv" using ($0+1):14 every ::1 with linespoints lw 2 title "100, days sealed after 45 days (schema 10)", \
     "store-growth-100x12.tsv" using ($0+1):14 every ::1 with linespoints title "100, months sealed (schema 9)", \
     "store-growth-1000x12.tsv" using ($0+1):14 every ::1 with linespoints title "1,000, months sealed (schema 9)", \
     "store-growth-5000x1.tsv" using ($0+1):14 every ::1 with points pointsize 2 title "5,000, one month", \
     20 with lines dashtype 2 title "target 20"

set title "Store after a year, by fleet (projected from the measured law)"
set xlabel "collectors"
set ylabel "GB"
set logscale xy
set key top left
set yrange [*:*]
plot "store-growth-law.tsv" using 1:5 every ::1 with linespoints lw 2 title "days sealed after 45 days (default)", \
     "store-growth-law.tsv" using 1:3 every ::1 with linespoints title "months sealed once the next is in", \
     "store-growth-law.tsv" using 1:4 every ::1 with lines dashtype 2 title "20 bytes a record (target)"
unset logscale
set key top right

set title "Write rate of each month (store API, measured; see store-growth.md for the load)"
set xlabel "month"
set ylabel "records/s"
set yrange [0:*]
plot "store-growth-100x12.tsv" using ($0+1):7 every ::1 with linespoints title "100 collectors", \
     "store-growth-1000x12.tsv" using ($0+1):7 every ::1 with linespoints title "1,000 collectors", \
     "store-growth-5000x1.tsv" using ($0+1):7 every ::1 with points pointsize 2 title "5,000 collectors"

set title "Report times (best of three, measured)"
set xlabel "months filled"
set ylabel "seconds"
set yrange [0:*]
plot "store-growth-100x12h45.tsv" using ($0+1):15 every ::1 with linespoints title "month report, 100", \
     "store-growth-100x12h45.tsv" using ($0+1):17 every ::1 with linespoints title "ministry layout, all months, 100", \
     "store-growth-1000x12.tsv" using ($0+1):15 every ::1 with linespoints title "month report, 1,000", \
     "store-growth-1000x12.tsv" using ($0+1):17 every ::1 with linespoints title "ministry layout, all months, 1,000", \
     "store-growth-5000x1.tsv" using ($0+1):16 every ::1 with points pointsize 2 title "coverage, 5,000"
unset multiplot
