#!/usr/bin/env bash
# integration.plot_dashboard - arstat-plot as a person runs it, and its
# dashboard as a person sees it:
#   1. on the fixtures (DMARC policies, spam, three providers), in English
#      and Japanese: every chart as PNG and SVG, index.html and the CSV
#      copies, and nothing else;
#   2. a malformed CSV is refused with its file, line and column, exit 1,
#      and nothing is written; an unknown language is a usage error, exit 64 (EX_USAGE);
#   3. the dashboard opened in headless Chromium (Debian's chromium, from
#      the file system, no network): every image loaded, and the headline
#      numbers on the page are those of the CSVs, computed here with awk
#      from the CSVs themselves, not by arstat-plot's code;
#   4. a screenshot of each language's dashboard, kept as a test artifact in
#      ARSTAT_ARTIFACT_DIR (default: artifacts/ in the directory ctest runs
#      the test in, build/tests/integration).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init plot_dashboard

fix=$ARSTAT_SOURCE_DIR/tests/fixtures
report=$fix/report-policy-sample.csv
spam=$fix/spam-sample.csv
plot=$ARSTAT_BIN/arstat-plot
artifacts=${ARSTAT_ARTIFACT_DIR:-$PWD/artifacts}

command -v chromium >/dev/null || fail "chromium is not installed (scripts/deps.d/plot.txt lists it)"
fc-list : family | grep -q "Noto Sans CJK JP" ||
	fail "the font Noto Sans CJK JP is missing (fonts-noto-cjk, scripts/deps.d/plot.txt)"

expected_files() {
	local b
	for b in adoption spam spf-results dkim-results dmarc-results arc-results \
		adoption-by-carrier spam-by-carrier spf-results-by-carrier dkim-results-by-carrier \
		dmarc-results-by-carrier arc-results-by-carrier; do
		printf '%s.png\n%s.svg\n' "$b" "$b"
	done
	printf 'index.html\nreport.csv\nspam.csv\n'
}

# --- 1. both languages ------------------------------------------------------
for lang in en ja; do
	out=$TEST_DIR/$lang
	"$plot" --input "$report" --spam "$spam" --output-dir "$out" --lang "$lang" \
		>"$TEST_DIR/plot-$lang.out" 2>"$TEST_DIR/plot-$lang.log" ||
		fail "arstat-plot --lang $lang failed; see plot-$lang.log"
	assert_eq "$(expected_files | sort)" "$(cd "$out" && ls -A | sort)" "files in $lang/"
	# It printed every file it wrote.
	assert_eq "$(expected_files | sed "s|^|$out/|" | sort)" "$(sort "$TEST_DIR/plot-$lang.out")" \
		"files printed ($lang)"
	cmp -s "$report" "$out/report.csv" || fail "$lang/report.csv is not a copy of the input"
	for f in "$out"/*.png; do
		[[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
			fail "$f is not a PNG"
	done
done
grep -q '<html lang="ja">' "$TEST_DIR/ja/index.html" || fail "ja/index.html is not Japanese"
grep -q '送信ドメイン認証の導入状況' "$TEST_DIR/ja/adoption.svg" || fail "ja/adoption.svg has no Japanese title"

# --- 2. bad input and usage ---------------------------------------------------
bad=$TEST_DIR/bad.csv
sed '5s/,3,/,x3,/' "$report" >"$bad"
rc=0
"$plot" --input "$bad" --output-dir "$TEST_DIR/bad-out" >"$TEST_DIR/bad.out" 2>"$TEST_DIR/bad.log" || rc=$?
assert_eq 1 "$rc" "exit status on a malformed CSV"
grep -qF "$bad:5:" "$TEST_DIR/bad.log" || fail "no FILE:LINE in: $(cat "$TEST_DIR/bad.log")"
grep -qE "$bad:5:[0-9]+: providers: not a non-negative integer" "$TEST_DIR/bad.log" ||
	fail "no FILE:LINE:COLUMN: providers in: $(cat "$TEST_DIR/bad.log")"
[[ ! -e $TEST_DIR/bad-out && ! -s $TEST_DIR/bad.out ]] || fail "a malformed CSV left output"
rc=0
"$plot" --input "$report" --output-dir "$TEST_DIR/x" --lang xx >/dev/null 2>&1 || rc=$?
assert_eq 64 "$rc" "exit status for --lang xx"

# --- 3. the dashboard in a browser -------------------------------------------
# chromium LANG... : one fresh profile per run, nothing from the network.
browse() {
	local profile
	profile=$(mktemp -d "$TEST_DIR/chromium-profile.XXXXXX")
	timeout -k 5 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" "$@" \
		2>>"$TEST_DIR/chromium.log"
}

# The value of column NAME of the row of scope all, month M and (if given)
# method METHOD of CSV FILE.
csv_get() {
	awk -F, -v name="$1" -v m="$2" -v method="${4:-}" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["month"] == m && $col["scope"] == "all" &&
			(method == "" || $col["method"] == method) { print $col[name] }' "$3"
}

# The checks run in a copy of the page with a script added at its end; the
# images, styles and links are the page's own.
cat >"$TEST_DIR/check.js" <<'JS'
<script>
window.addEventListener("load", function () {
  var out = [], imgs = document.images, f, i;
  for (i = 0; i < imgs.length; i++)
    out.push("image " + (imgs[i].complete && imgs[i].naturalWidth > 0 ? "ok" : "BROKEN") + " " +
             imgs[i].getAttribute("src") + " " + imgs[i].naturalWidth + "x" + imgs[i].naturalHeight);
  f = document.querySelectorAll("[data-figure]");
  for (i = 0; i < f.length; i++)
    out.push("figure " + f[i].getAttribute("data-figure") + " " + f[i].textContent);
  out.push("month " + document.body.getAttribute("data-month"));
  var pre = document.createElement("pre");
  pre.id = "arstat-check";
  pre.textContent = out.join("\n");
  document.body.appendChild(pre);
});
</script>
JS

month=$(awk -F, 'NR > 1 && $2 == "all" && $4 > 0 { print $1 }' "$spam" | sort | tail -n 1)
assert_eq 2026-09 "$month" "latest month of the fixture"
{
	for m in spf dkim dmarc arc; do
		printf 'figure %s-non-none %s\n' "$m" "$(csv_get share_non_none "$month" "$report" "$m")"
	done
	# Quarantine or reject among the mail under a DMARC policy, rounded
	# half up to hundredths of a percent as the aggregator rounds.
	n=$(csv_get policy_none "$month" "$report" dmarc)
	q=$(csv_get policy_quarantine "$month" "$report" dmarc)
	r=$(csv_get policy_reject "$month" "$report" dmarc)
	awk -v n="$n" -v q="$q" -v r="$r" 'BEGIN {
		den = n + q + r; v = int(((q + r) * 20000 + den) / (2 * den))
		printf "figure dmarc-policy %d.%02d\n", int(v / 100), v % 100 }'
	printf 'figure spam-share %s\n' "$(csv_get share_spam "$month" "$spam")"
	csv_get messages "$month" "$spam" |
		awk '{ s = $1; o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o
			s = substr(s, 1, length(s) - 3) } print "figure messages " s o }'
	printf 'figure providers %s\n' "$(csv_get providers "$month" "$spam")"
	printf 'month %s\n' "$month"
} >"$TEST_DIR/expected-figures.txt"

for lang in en ja; do
	out=$TEST_DIR/$lang
	awk -v js="$TEST_DIR/check.js" \
		'index($0, "</body>") { while ((getline l < js) > 0) print l } { print }' \
		"$out/index.html" >"$out/check.html"
	grep -q 'id = "arstat-check"' "$out/check.html" || fail "could not add the check script"
	browse --virtual-time-budget=15000 --dump-dom "file://$out/check.html" >"$TEST_DIR/dom-$lang.html" ||
		fail "chromium failed on $lang/check.html; see chromium.log"
	sed -n '/<pre id="arstat-check">/,/<\/pre>/p' "$TEST_DIR/dom-$lang.html" |
		sed 's/<pre id="arstat-check">//; s/<\/pre>.*//' >"$TEST_DIR/seen-$lang.txt"
	[[ -s $TEST_DIR/seen-$lang.txt ]] || fail "the check script did not run in $lang; see dom-$lang.html"
	# Every chart on the page, every one loaded, at its size.
	images=$(grep -c '^image ' "$TEST_DIR/seen-$lang.txt" || true)
	assert_eq 12 "$images" "images on the $lang page"
	if grep '^image ' "$TEST_DIR/seen-$lang.txt" | grep -v ' ok .* 1200x700$' >&2; then
		fail "images not loaded in $lang (above)"
	fi
	diff -u "$TEST_DIR/expected-figures.txt" <(grep -E '^(figure|month) ' "$TEST_DIR/seen-$lang.txt") ||
		fail "headline figures on the $lang page differ from the CSVs (above)"

	# --- 4. the screenshot, kept -------------------------------------------
	shot=$TEST_DIR/dashboard-$lang.png
	browse --window-size=1600,2600 --screenshot="$shot" "file://$out/index.html" >/dev/null ||
		fail "chromium could not take a screenshot of $lang/index.html"
	[[ $(head -c 24 "$shot" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a0000000d494844520000064000000a28 ]] ||
		fail "$shot is not a 1600x2600 PNG"
	mkdir -p "$artifacts"
	cp "$shot" "$artifacts/plot_dashboard-$lang.png"
	echo "screenshot: $artifacts/plot_dashboard-$lang.png"
done
echo "plot_dashboard: ok"
