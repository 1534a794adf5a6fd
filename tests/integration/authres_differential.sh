#!/usr/bin/env bash
# integration.authres_differential: arstat-authres against an independent
# parser, Debian's python3-authres, on 12,000 generated headers
# (tests/differential/authres_gen.py, fixed seed: the same headers every run).
# Every disagreement must be one of the documented ones
# (domain/AUTHRES-DIFFERENCES.md, "differential"), recognised by the tag the
# generator gives the header and by its direction; see authres_compare.py.
set -euo pipefail

: "${ARSTAT_BIN:?}" "${ARSTAT_SOURCE_DIR:?}"
D="$ARSTAT_SOURCE_DIR/tests/differential"
N="${ARSTAT_DIFF_N:-12000}"
SEED="${ARSTAT_DIFF_SEED:-20240601}"
# Debian's interpreter: python3-authres is installed for it, not for others on PATH.
PY=/usr/bin/python3

"$PY" -c 'import authres' 2>/dev/null || {
	echo "authres_differential: $PY cannot import authres (apt-get install python3-authres;" \
	     "scripts/deps.sh installs it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" "$D/authres_gen.py" "$N" "$SEED" >"$tmp/gen.tsv"
cut -f2 "$tmp/gen.tsv" >"$tmp/in"
"$ARSTAT_BIN/arstat-authres" --all --escaped "$tmp/in" >"$tmp/ours"
"$PY" "$D/authres_pyref.py" <"$tmp/in" >"$tmp/ref"
"$PY" "$D/authres_compare.py" "$tmp/gen.tsv" "$tmp/ours" "$tmp/ref"
