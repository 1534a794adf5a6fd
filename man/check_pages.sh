#!/usr/bin/env bash
# man.pages: the built manual pages hold every entry of the table each
# program loads (--help-config=tsv), as the program in this build says it,
# and every page renders without a warning from man (lintian's check).
# Usage: check_pages.sh BUILT_MAN_DIR COLLECTOR AGGREGATOR PLOT
set -euo pipefail
dir=$1 collector=$2 aggregator=$3 plot=$4
command -v man >/dev/null || { echo "man.pages: man (man-db) is not installed" >&2; exit 1; }
fail=0

# The page as text: wide, so that no name is hyphenated across a line.
render() {
  LC_ALL=C.UTF-8 MANWIDTH=250 MAN_KEEP_FORMATTING= man -E UTF-8 -l "$1" 2>/dev/null | col -b
}

# check PAGE PROG FORM: each name in PROG's table is on the page, as an entry
# head (settings: "name = type", "prefix NAME = string"; options: "--name").
check() {
  local page=$1 prog=$2 form=$3 text name type n=0
  text=$(render "$page")
  while IFS=$'\t' read -r name type _; do
    n=$((n + 1))
    if [ "$form" = options ]; then
      name="--${name//_/-}"
      pat="^ *${name//./\\.}( |$)"
    elif [ "$type" = prefix ]; then
      pat="^ *${name//./\\.}NAME = string"
    else
      pat="^ *${name//./\\.} = $type"
    fi
    if ! grep -Eq -- "$pat" <<<"$text"; then
      echo "FAIL: $(basename "$page"): no entry for $name ($type)" >&2
      fail=1
    fi
  done < <("$prog" --help-config=tsv)
  # As many entries on the page as in the table: none left from an old build.
  local on_page
  if [ "$form" = options ]; then
    # The entries after the generated ones (--help, --version) are the page's own.
    on_page=$(grep -E -- '^ {7}--[a-z-]+( [a-z]+)?( \(|$)' <<<"$text" |
      grep -Evc -- '^ {7}--(help|version)$' || true)
  else
    on_page=$(grep -Ec -- '^ {7}[a-z][a-z0-9_.]*(NAME)? = (int|bool|string)' <<<"$text" || true)
  fi
  if [ "$on_page" -ne "$n" ]; then
    echo "FAIL: $(basename "$page"): $on_page entries on the page, $n in the table" >&2
    fail=1
  fi
  echo "$(basename "$page"): $n entries"
}

check "$dir/arstat-collector.conf.5" "$collector" settings
check "$dir/arstat-aggregator.conf.5" "$aggregator" settings
check "$dir/arstat-plot.1" "$plot" options

for page in "$dir"/*.[158]; do
  # As lintian runs it (checks/documentation/manual.pm): any output on
  # standard error is a fault of the page.
  warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
    man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null || true)
  if [ -n "$warnings" ]; then
    echo "FAIL: $(basename "$page"): man warns:" >&2
    echo "$warnings" >&2
    fail=1
  fi
done
[ "$fail" -eq 0 ] && echo "man.pages: 3 tables checked, every page clean"
exit "$fail"
