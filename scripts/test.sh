#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds with warnings as
# errors and ASan+UBSan, runs every CTest test (unit and integration); then
# builds without sanitizers and runs the unit tests again under valgrind.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -R unit]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"

build="$top/build-test"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DARSTAT_WERROR=ON -DARSTAT_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

# Leaks are errors; librdkafka's and Avro's own are not ours (see the file).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$build" && ctest --output-on-failure -j"$(nproc)" "$@")

echo "== unit tests again under valgrind"
vgbuild="$top/build-valgrind"
cmake -S "$top" -B "$vgbuild" -DCMAKE_BUILD_TYPE=Debug -DARSTAT_WERROR=ON -DARSTAT_VALGRIND=ON >/dev/null
cmake --build "$vgbuild" -j"$(nproc)"
cd "$vgbuild"
ctest --output-on-failure -j"$(nproc)" -L unit "$@"
