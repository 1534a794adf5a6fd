# adoption.gp - the adoption trend: per month, the share of each method's
# messages whose result is not none, as lines with the last value written
# at its end; dashed, the share of DMARC p=quarantine/reject (when the
# report has the policy columns). One panel (all providers) or small
# multiples (one panel per provider), on the same scales.
#
# Filled in by plot/chart_adoption.c; see results.gp for the rules about
# placeholders. The data file has one block per panel (two blank lines
# between blocks), one tab-separated line per month of the axis:
#   1: index from 0   2: month label (may be empty)   3 ...: each series'
#   share in percent, NaN where there is none (a gap in the line; no label
#   is ever drawn from this file).

data = {{DATA}}
nseries = {{NSERIES}}
nbars = {{NBARS}}
npanels = {{NPANELS}}
# 1 for small multiples (panels titled with the provider), even of one panel.
small = {{SMALL}}
array series_title[nseries] = [{{TITLES}}]
array series_colour[nseries] = [{{COLOURS}}]
array series_dash[nseries] = [{{DASHES}}]
array panel_title[npanels] = [{{PANEL_TITLES}}]
# Small multiples: where each legend entry starts, in screen fractions, and
# one pixel in them.
px = {{PX_X}}
py = {{PX_Y}}
array key_x[nseries] = [{{KEY_XS}}]
array key_y[nseries] = [{{KEY_YS}}]
# The last value of series i in panel p, at (p - 1) * nseries + i: its row
# (from 0), its share and its text ("94.39%"); row -1, share 0 and text ''
# if the series has none there. Labels are set from these, never drawn from
# the data file, so none stands at a gap (gnuplot 5.4 crashes on a label at
# an undefined coordinate).
array last_row[npanels * nseries] = [{{LAST_ROWS}}]
array last_value[npanels * nseries] = [{{LAST_VALUES}}]
array last_text[npanels * nseries] = [{{LAST_TEXTS}}]

set datafile separator "\t"
set yrange [0:100]
set ytics 0,10,100 format '%g%%'
if (small) { set ytics 0,20,100 }
# Room on the right for the last values.
set xrange [-0.5:{{XMAX}}]
set xtics scale 0 norotate
set grid ytics lt 1 lc rgb '#d9d9d9' lw 1
set border 3 lc rgb '#595959'
set tics nomirror out

set multiplot layout {{ROWS}}, {{COLS}} title {{TITLE}} font ',16' \
    margins {{MARGINS}} spacing {{SPACING}}
# A single chart's legend stands on the right; small multiples have it in
# rows above the panels, drawn here (see results.gp).
set key at screen {{KEY_X}}, screen {{KEY_Y}} left top vertical Left reverse \
    samplen 3 spacing 1.5 width 1
if (small) {
    unset key
    do for [i=1:nseries] {
        set arrow (100 + i) from screen key_x[i], screen key_y[i] \
            to screen key_x[i] + 26 * px, screen key_y[i] nohead \
            lc rgb series_colour[i] lw 2.5 dt series_dash[i]
        set label (100 + i) series_title[i] at screen key_x[i] + 34 * px, screen key_y[i] left
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
    do for [i=1:nseries] {
        j = (p - 1) * nseries + i
        if (last_text[j] ne '') {
            set label (200 + i) last_text[j] at first last_row[j], first last_value[j] \
                left offset 0.7, 0 font (small ? ',9' : ',10') \
                textcolor rgb series_colour[i] front
        }
    }
    plot for [i=1:nseries] data index (p - 1) using 1:(column(2 + i)):xtic(stringcolumn(2)) \
             with linespoints lw 2.5 pt 7 ps (small ? 0.5 : 0.8) dt series_dash[i] \
             lc rgb series_colour[i] title series_title[i]
    unset key
    unset label 1
    do for [i=1:nseries] {
        unset arrow (100 + i)
        unset label (100 + i)
        unset label (200 + i)
    }
}
unset multiplot
