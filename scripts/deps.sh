#!/usr/bin/env bash
# Install the Debian 12 packages arstat needs to build, test and run the demo.
# Idempotent: installs only what is missing; uses sudo when not root.
# Usage: scripts/deps.sh [LIST...] — each LIST is one more package list in the
# deps.d format, for a job the test suite does not run (scripts/fuzz.sh passes
# scripts/deps.fuzz.txt, so CI does not install clang).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  librdkafka-dev libavro-dev libcsv-dev libcunit1-dev libsqlite3-dev libssl-dev zlib1g-dev
  libsnappy-dev libjansson-dev
  gnuplot-nox valgrind
)

# Parts of the project that need more list their packages in deps.d/*.txt
# (one package per line, '#' comments).
for list in "$(dirname "$0")"/deps.d/*.txt "$@"; do
  [ -e "$list" ] || continue
  while read -r p _; do
    case "$p" in ''|'#'*) ;; *) PACKAGES+=("$p") ;; esac
  done <"$list"
done

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
