#!/usr/bin/env bash
# integration.authres_vectors: runs `arstat-authres --all --escaped` over the
# public Authentication-Results vectors (../shared/data/ar-vectors.tsv, 213
# header values from other parsers' test suites with expected results) and
# compares authserv-id and every spf/dkim/dmarc/arc result list, or the
# rejection of a malformed header. At least 203 must match, and every vector
# that differs must be listed, with its reason, in
# domain/AUTHRES-DIFFERENCES.md (a line "| vector-id | ... |" in the section
# "ar-vectors"); a listed vector that matches fails the test too, so the list
# stays true.
set -euo pipefail

: "${ARSTAT_BIN:?}" "${ARSTAT_SOURCE_DIR:?}"
VECTORS="${ARSTAT_VECTORS:-$ARSTAT_SOURCE_DIR/../shared/data/ar-vectors.tsv}"
DIFFS="$ARSTAT_SOURCE_DIR/domain/AUTHRES-DIFFERENCES.md"
MIN_MATCH=203

[ -r "$VECTORS" ] || { echo "authres_vectors: cannot read $VECTORS" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cut -f8 "$VECTORS" >"$tmp/in"
"$ARSTAT_BIN/arstat-authres" --all --escaped "$tmp/in" >"$tmp/out"
[ "$(wc -l <"$tmp/in")" -eq "$(wc -l <"$tmp/out")" ] || {
	echo "authres_vectors: output has not one line per input line" >&2; exit 1; }

# The vector ids the differences file lists (first column of its table rows
# in the "## ar-vectors" section).
awk '/^## /{sec=$0} sec ~ /^## ar-vectors/ && /^\| `/{gsub(/[`| ]/,"",$2); print $2}' \
	FS='|' "$DIFFS" | sort -u >"$tmp/listed"

paste "$VECTORS" "$tmp/out" | LC_ALL=C awk -F'\t' -v listed="$tmp/listed" '
BEGIN { while ((getline id < listed) > 0) ok[id] = 1 }
{
	id = $1; want_id = tolower($3); got = $10
	if ($4 == "malformed") {
		match_ = (got ~ /^error=/)
		want = "error"
	} else {
		want = sprintf("authserv=%s spf=%s dkim=%s dmarc=%s arc=%s", want_id, $4, $5, $6, $7)
		g = got; sub(/ policy=.*/, "", g)
		match_ = (tolower(g) == want)
	}
	if (match_) {
		n_ok++
		if (id in ok) { printf "LISTED BUT MATCHES: %s\n", id; bad++ }
	} else {
		n_diff++
		printf "%s %s\n  want: %s\n  got:  %s\n", (id in ok) ? "listed" : "UNLISTED", id, want, got
		if (!(id in ok)) bad++
	}
}
END {
	printf "ar-vectors: %d of %d match, %d differ, %d problems\n", n_ok, NR, n_diff, bad
	if (bad > 0) exit 1
	if (n_ok < '"$MIN_MATCH"') { print "fewer than '"$MIN_MATCH"' match"; exit 1 }
}'
