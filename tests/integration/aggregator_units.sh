#!/usr/bin/env bash
# integration.aggregator_units: the shipped configuration works as shipped:
# config/arstat-aggregator.conf.example is accepted by the program, and the
# systemd service and timer pass systemd-analyze verify (with ExecStart
# pointed at the built program) and keep their hardening.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init aggregator_units

conf=$ARSTAT_SOURCE_DIR/config
"$ARSTAT_BIN/arstat-aggregator-testgen" store --db "$TEST_DIR/a.db" --collectors 3 --windows 10 \
	>/dev/null 2>"$TEST_DIR/testgen.log"
"$ARSTAT_BIN/arstat-aggregator" report -c "$conf/arstat-aggregator.conf.example" \
	-o "db=$TEST_DIR/a.db" --month 2026-11 --layout ministry --output "$TEST_DIR/m.csv" \
	2>"$TEST_DIR/report.log" || fail "the example configuration is not accepted"
iconv -f UTF-8 -t UTF-8 "$TEST_DIR/m.csv" | grep -q '^データ提供者数' ||
	fail "the example's lang = ja was not applied"

if ! command -v systemd-analyze >/dev/null; then
	echo "aggregator_units: systemd-analyze not installed; units not checked"
	exit 0
fi
mkdir "$TEST_DIR/units"
sed "s|/usr/local/bin/arstat-aggregator|$ARSTAT_BIN/arstat-aggregator|" \
	"$conf/arstat-aggregator-ingest.service" >"$TEST_DIR/units/arstat-aggregator-ingest.service"
cp "$conf/arstat-aggregator-ingest.timer" "$TEST_DIR/units/"
# --man=no: the units' Documentation= names the manual pages, which are not
# installed here (integration.packages verifies the installed units with them).
systemd-analyze verify --man=no "$TEST_DIR/units/arstat-aggregator-ingest.service" \
	"$TEST_DIR/units/arstat-aggregator-ingest.timer" >"$TEST_DIR/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$TEST_DIR/verify.log")"
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	systemd-analyze security --offline=yes --threshold=20 \
		"$TEST_DIR/units/arstat-aggregator-ingest.service" >"$TEST_DIR/security.log" 2>&1 ||
		fail "the service's exposure is above 2.0: $(tail -n 1 "$TEST_DIR/security.log")"
fi
echo "aggregator_units: example configuration accepted; $(tail -n 1 "$TEST_DIR/security.log" 2>/dev/null)"
