# results.gp - one method's results per month as 100 % stacked bars.
#
# Filled in by plot/chart_results.c and run once per output format, after
# chart.c has set the terminal and the output. Every placeholder (a name
# in capitals between double braces) is replaced by gnuplot text made there:
# strings arrive quoted, so never put a placeholder inside quotes here.
#
# The data file has one tab-separated line per month, in month order:
#   1: bar index from 0   2: month (YYYY-MM)   3: message count label
#   4 ...: the share (percent) of each series, in the series' order below.
# The series come in the ministry's order (None first); None is drawn at the
# top of the bar, so the coloured height below it is the share of messages
# that had any result, and the rare outcomes sit on the axis where they can
# be compared from month to month.

data = {{DATA}}
nseries = {{NSERIES}}
nbars = {{NBARS}}
array series_title[nseries] = [{{TITLES}}]
array series_colour[nseries] = [{{COLOURS}}]
array label_colour[nseries] = [{{INKS}}]
# Segments thinner than this (percent) get no label: it would not fit.
label_min = {{LABEL_MIN}}
show_counts = {{SHOW_COUNTS}}

set datafile separator "\t"
set title {{TITLE}} font ',16'
set ylabel {{YLABEL}}
set yrange [0:100]
set ytics 0,10,100 format '%g%%'
set xrange [-0.6:nbars - 0.4]
set xtics scale 0 {{XTIC_ROTATE}}
set grid ytics lt 1 lc rgb '#d9d9d9' lw 1
set border 3 lc rgb '#595959'
set tics nomirror out
set bmargin 5
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border rgb '#ffffff'
set boxwidth 0.6
# Outside the plot, top to bottom in the ministry's order, which is the
# bars' order too since the series are stacked last to first.
set key outside right top vertical invert Left reverse samplen 1.5 spacing 1.5 width 1
set key title {{KEY_TITLE}} left
set label 1 {{NOTE}} at screen 0.01, screen 0.02 left font ',9' textcolor rgb '#595959'

tick(show) = show ? stringcolumn(2) . "\n" . stringcolumn(3) : stringcolumn(2)
# Middle of series i in a bar: everything stacked below it plus half of it.
middle(i) = (sum [j=i:nseries] column(3 + j)) - column(3 + i) / 2.0
segment_label(i) = column(3 + i) >= label_min ? sprintf('%.2f%%', column(3 + i)) : ''

plot for [i=nseries:1:-1] data using (column(3 + i)):xtic(tick(show_counts)) \
         title series_title[i] lc rgb series_colour[i], \
     for [i=1:nseries] data using 1:(middle(i)):(segment_label(i)) \
         with labels textcolor rgb label_colour[i] font ',10' notitle
