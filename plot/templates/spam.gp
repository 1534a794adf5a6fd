# spam.gp - the spam share per month as a line (right axis) over the
# month's message volume as bars (left axis), the last share written at the
# end of the line. One panel (all providers) or small multiples (one panel
# per provider), all on the same two scales.
#
# Filled in by plot/chart_spam.c; see results.gp for the rules about
# placeholders. The data file has one block per panel (two blank lines
# between blocks), one tab-separated line per month of the axis:
#   1: index from 0   2: month label (may be empty)
#   3: messages in the axis unit, NaN if none   4: spam share, NaN if none
#   (gaps in the bars and the line; no label is ever drawn from this file)

data = {{DATA}}
nbars = {{NBARS}}
npanels = {{NPANELS}}
# 1 for small multiples (panels titled with the provider), even of one panel.
small = {{SMALL}}
array panel_title[npanels] = [{{PANEL_TITLES}}]
# The last share in panel p: its row (from 0), the share and its text
# ("43.71%"); -1, 0 and '' if the panel has none. Set as a label, never
# drawn from the data file, so no label stands at a gap (see adoption.gp).
array last_row[npanels] = [{{LAST_ROWS}}]
array last_value[npanels] = [{{LAST_VALUES}}]
array last_text[npanels] = [{{LAST_TEXTS}}]
# Small multiples: where the two legend entries (volume, spam share) start,
# in screen fractions, and one pixel in them.
px = {{PX_X}}
py = {{PX_Y}}
array key_x[2] = [{{KEY_XS}}]
array key_y[2] = [{{KEY_YS}}]

set datafile separator "\t"
set yrange [0:{{YMAX}}]
set y2range [0:{{Y2MAX}}]
set ytics {{YSTEP}} format '%g' nomirror
set y2tics {{Y2STEP}} format '%g%%' nomirror
set xrange [-0.6:{{XMAX}}]
set xtics scale 0 norotate
set grid ytics lt 1 lc rgb '#d9d9d9' lw 1
set border 11 lc rgb '#595959'
set tics out
set style fill solid 1.0 noborder
set boxwidth (small ? 0.75 : 0.6)

set multiplot layout {{ROWS}}, {{COLS}} title {{TITLE}} font ',16' \
    margins {{MARGINS}} spacing {{SPACING}}
# A single chart's legend stands on the right; small multiples have it in
# rows above the panels, drawn here (see results.gp).
set key at screen {{KEY_X}}, screen {{KEY_Y}} left top vertical Left reverse \
    samplen 2 spacing 1.5 width 1
if (small) {
    unset key
    set object 101 rectangle from screen key_x[1], screen key_y[1] - 6 * py \
        to screen key_x[1] + 22 * px, screen key_y[1] + 6 * py \
        fillcolor rgb {{VOLUME_COLOUR}} fillstyle solid 1.0 noborder
    set label 101 {{VOLUME_TITLE}} at screen key_x[1] + 30 * px, screen key_y[1] left
    set arrow 102 from screen key_x[2], screen key_y[2] to screen key_x[2] + 26 * px, \
        screen key_y[2] nohead lc rgb {{SPAM_COLOUR}} lw 2.5
    set label 102 {{SPAM_TITLE}} at screen key_x[2] + 34 * px, screen key_y[2] left
}
set label 1 {{NOTE}} at screen 0.01, screen {{NOTE_Y}} left font ',9' textcolor rgb '#595959'
do for [p=1:npanels] {
    if (small) {
        set title panel_title[p] font ',12'
        set ylabel ''
        set y2label ''
    } else {
        set ylabel {{YLABEL}}
        set y2label {{Y2LABEL}}
    }
    if (last_text[p] ne '') {
        set label 200 last_text[p] at first last_row[p], second last_value[p] left \
            offset 0.7, 0 font (small ? ',9' : ',10') textcolor rgb {{SPAM_COLOUR}} front
    }
    plot data index (p - 1) using 1:3:xtic(stringcolumn(2)) with boxes \
             lc rgb {{VOLUME_COLOUR}} title {{VOLUME_TITLE}}, \
         data index (p - 1) using 1:4 axes x1y2 with linespoints lw 2.5 pt 7 \
             ps (small ? 0.5 : 0.8) lc rgb {{SPAM_COLOUR}} title {{SPAM_TITLE}}
    unset key
    unset label 200
    unset label 1
    unset object 101
    unset label 101
    unset arrow 102
    unset label 102
}
unset multiplot
