# results.gp - one method's results per month as 100 % stacked bars, on one
# panel (all providers) or as small multiples (one panel per provider).
#
# Filled in by plot/chart_results.c and run once per output format, after
# chart.c has set the terminal and the output. Every placeholder (a name
# in capitals between double braces) is replaced by gnuplot text made there:
# strings arrive quoted, so never put a placeholder inside quotes here.
#
# The data file has one block per panel, blocks separated by two blank
# lines (gnuplot's `index`), and in a block one tab-separated line per month
# of the chart's month axis, in order:
#   1: bar index from 0   2: month label (may be empty)   3: count label
#   4 ...: the share (percent) of each series, in the series' order below.
# The series come in the ministry's order (None first); None is drawn at the
# top of the bar, so the coloured height below it is the share of messages
# that had any result, and the rare outcomes sit on the axis where they can
# be compared from month to month.

data = {{DATA}}
nseries = {{NSERIES}}
nbars = {{NBARS}}
npanels = {{NPANELS}}
# 1 for small multiples (panels titled with the provider), even of one panel.
small = {{SMALL}}
array series_title[nseries] = [{{TITLES}}]
array series_colour[nseries] = [{{COLOURS}}]
array label_colour[nseries] = [{{INKS}}]
array panel_title[npanels] = [{{PANEL_TITLES}}]
# Small multiples: where each legend entry starts, in screen fractions, and
# one pixel in them.
px = {{PX_X}}
py = {{PX_Y}}
array key_x[nseries] = [{{KEY_XS}}]
array key_y[nseries] = [{{KEY_YS}}]
# Segments thinner than this (percent) get no label: it would not fit.
label_min = {{LABEL_MIN}}
show_counts = {{SHOW_COUNTS}}

set datafile separator "\t"
set yrange [0:100]
set ytics 0,10,100 format '%g%%'
if (small) { set ytics 0,20,100 }
set xrange [-0.6:nbars - 0.4]
set xtics scale 0 norotate
set grid ytics lt 1 lc rgb '#d9d9d9' lw 1
set border 3 lc rgb '#595959'
set tics nomirror out
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border rgb '#ffffff'
set boxwidth (small ? 0.75 : 0.6)

tick(show) = show ? stringcolumn(2) . "\n" . stringcolumn(3) : stringcolumn(2)
# Middle of series i in a bar: everything stacked below it plus half of it.
middle(i) = (sum [j=i:nseries] column(3 + j)) - column(3 + i) / 2.0
segment_label(i) = column(3 + i) >= label_min ? sprintf('%.2f%%', column(3 + i)) : ''

set multiplot layout {{ROWS}}, {{COLS}} title {{TITLE}} font ',16' \
    margins {{MARGINS}} spacing {{SPACING}}
# A single chart's legend stands on the right, top down in the ministry's
# order, which is the bars' order too since the series are stacked last to
# first; small multiples have it in rows above the panels, drawn here, as
# gnuplot would size its legend to one panel.
set key at screen {{KEY_X}}, screen {{KEY_Y}} left top vertical Left reverse \
    samplen 1.5 spacing 1.5 width 1 title {{KEY_TITLE}} left
if (small) {
    unset key
    do for [i=1:nseries] {
        set object (100 + i) rectangle from screen key_x[i], screen key_y[i] - 6 * py \
            to screen key_x[i] + 22 * px, screen key_y[i] + 6 * py \
            fillcolor rgb series_colour[i] fillstyle solid 1.0 noborder
        set label (100 + i) series_title[i] at screen key_x[i] + 30 * px, screen key_y[i] left
    }
}
set label 1 {{NOTE}} at screen 0.01, screen {{NOTE_Y}} left font ',9' textcolor rgb '#595959'
do for [p=1:npanels] {
    if (small) {
        set title panel_title[p] font ',12'
        set ylabel ''
    } else {
        set ylabel {{YLABEL}}
    }
    plot for [i=nseries:1:-1] data index (p - 1) using (column(3 + i)):xtic(tick(show_counts)) \
             notitle lc rgb series_colour[i], \
         for [i=1:nseries] keyentry with boxes fc rgb series_colour[i] title series_title[i], \
         for [i=1:nseries] data index (p - 1) using 1:(middle(i)):(segment_label(i)) \
             with labels textcolor rgb label_colour[i] font ',10' notitle
    unset key
    unset label 1
    do for [i=1:nseries] {
        unset object (100 + i)
        unset label (100 + i)
    }
}
unset multiplot
