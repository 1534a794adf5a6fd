#!/usr/bin/env bash
# integration.kafka_security: the collector and the aggregator against a real
# Apache Kafka over SASL_SSL with ACLs (tests/integration/kafka_lib.sh), as a
# carrier and a regulator run them. Each trouble must be said by its cause,
# keep the records in the outbox, and heal once fixed:
#   - carrier binding: carrier-b's principal cannot write carrier-a's topic;
#     a record naming carrier-a that carrier-b publishes on its own topic is
#     dead-lettered (wrong_source) by the aggregator's register;
#   - a wrong password, then the right one;
#   - a password file others may read, and a password on the command line:
#     refused at start;
#   - a CA that did not sign the broker's certificate, then the right one;
#   - a topic the cluster does not have, then created;
#   - the aggregator with a wrong password, and with a missing topic.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
arstat_test_init kafka_security
source "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"

realkafka_start carrier-a carrier-b
col=$ARSTAT_BIN/arstat-collector
agg=$ARSTAT_BIN/arstat-aggregator
logs=$TEST_DIR/logs
"$ARSTAT_BIN/arstat-loggen" --out "$logs" --carriers 2 --hosts 1 --start 2026-09 --months 1 \
	--messages-per-day 10 --seed 11 2>"$TEST_DIR/loggen.log"

# conf NAME CARRIER TOPIC USER [PASSWORD_FILE] [CA] [FLUSH_MS]: a collector
# configuration reading CARRIER's log, with its own state directory.
conf() {
	local f=$TEST_DIR/$1.conf
	cat >"$f" <<CONF
carrier = $2
host_name = mx1.$2.example.jp
state_dir = $TEST_DIR/state-$1
input = $logs/$2/mx1/maillog
trusted_authserv_ids = mx.$2.example.jp
spam_default = ham
topic = $3
flush_timeout_ms = ${7:-6000}
CONF
	realkafka_client_conf "$4" "${5:-}" "${6:-}" >>"$f"
}

# run NAME: the collector of NAME.conf, --once; sets RC and OUTBOX (records
# left unacknowledged) and RECORDS (made), from its log NAME.log.
run() {
	RC=0
	"$col" -c "$TEST_DIR/$1.conf" --once >>"$TEST_DIR/$1.log" 2>&1 || RC=$?
	OUTBOX=$(grep -oE 'outbox [0-9]+\)' "$TEST_DIR/$1.log" | tail -n1 | tr -dc 0-9)
	RECORDS=$(grep -oE 'records [0-9]+ \(' "$TEST_DIR/$1.log" | tail -n1 | tr -dc 0-9)
	[[ -n $OUTBOX && -n $RECORDS ]] || fail "$1: no final counters in $1.log"
}

# expect_kept NAME CAUSE-ERE: the run failed, said CAUSE, kept every record.
expect_kept() {
	((RC != 0)) || fail "$1: exit status 0, expected a failure"
	grep -qE -- "$2" "$TEST_DIR/$1.log" || fail "$1: the log does not say '$2'"
	((RECORDS > 0)) || fail "$1: made no records"
	assert_eq "$RECORDS" "$OUTBOX" "$1: records kept in the outbox"
}

expect_delivered() {
	assert_eq 0 "$RC" "$1: exit status"
	assert_eq 0 "$OUTBOX" "$1: records left in the outbox"
}

# Carrier-a, as it should be.
conf good carrier-a arstat.counts.carrier-a carrier-a
run good
expect_delivered good
good_records=$RECORDS

# Carrier binding 1: carrier-b's credentials cannot write carrier-a's topic.
conf impostor carrier-a arstat.counts.carrier-a carrier-b
run impostor
expect_kept impostor 'topic arstat.counts.carrier-a: this principal may not write to it'
# Refused, it does not retry in a tight loop: the cause is said once.
assert_eq 1 "$(grep -c 'may not write' "$TEST_DIR/impostor.log")" "warnings about the ACL"

# Carrier binding 2: carrier-b may write its own topic, but a record there
# that names carrier-a is not carrier-a's.
conf liar carrier-a arstat.counts.carrier-b carrier-b
run liar
expect_delivered liar
liar_records=$RECORDS

# A wrong password: said, kept; then the right one delivers them.
(umask 077 && echo not-the-password >"$TEST_DIR/wrong.password")
cp "$TEST_DIR/wrong.password" "$TEST_DIR/b.password"
conf password carrier-b arstat.counts.carrier-b carrier-b "$TEST_DIR/b.password"
run password
expect_kept password 'kafka: authentication failed'
cp "$KAFKA_DIR/secrets/carrier-b.password" "$TEST_DIR/b.password"
b_records=$RECORDS
run password
expect_delivered password

# A password file others may read, a password in the configuration or on
# the command line: refused before anything is read.
chmod 644 "$TEST_DIR/b.password"
status=0
"$col" -c "$TEST_DIR/password.conf" --once >"$TEST_DIR/readable.log" 2>&1 || status=$?
((status != 0)) || fail "a world-readable password file was accepted"
grep -q "kafka_file.sasl.password: $TEST_DIR/b.password: readable or writable by group or others" \
	"$TEST_DIR/readable.log" || fail "the refusal does not name the file and why"
chmod 600 "$TEST_DIR/b.password"
status=0
"$col" -c "$TEST_DIR/password.conf" -o kafka.sasl.password=hunter2 --check-config \
	>"$TEST_DIR/cmdline.log" 2>&1 || status=$?
((status != 0)) || fail "a password on the command line was accepted"
grep -q 'kafka.sasl.password: a secret is not taken from the configuration or the command line' \
	"$TEST_DIR/cmdline.log" || fail "the refusal of kafka.sasl.password does not say why"
grep -q hunter2 "$TEST_DIR/cmdline.log" && fail "the refused password was logged"

# A CA that did not sign the broker's certificate.
mkdir -m 700 "$TEST_DIR/otherca"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
	-keyout "$TEST_DIR/otherca/ca.key" -out "$TEST_DIR/otherca/ca.pem" 2>/dev/null
conf tls carrier-b arstat.counts.carrier-b carrier-b "" "$TEST_DIR/otherca/ca.pem"
run tls
expect_kept tls 'kafka: TLS failed .*certificate verify failed'
b_records=$((b_records + RECORDS))
conf tls carrier-b arstat.counts.carrier-b carrier-b
run tls
expect_delivered tls

# A topic the cluster does not have (carrier-b may write it: the ACL exists,
# the topic not yet). librdkafka gives up on it after 10 s (the sink's
# topic.metadata.propagation.max.ms), so the run waits longer than that.
realkafka_grant_write carrier-b arstat.counts.carrier-b2
conf missing carrier-b arstat.counts.carrier-b2 carrier-b "" "" 20000
run missing
expect_kept missing 'topic arstat.counts.carrier-b2 does not exist on the cluster'
realkafka_topic arstat.counts.carrier-b2 1
missing_records=$RECORDS
run missing
expect_delivered missing
n=$(realkafka_kcat aggregator -C -e -q -t arstat.counts.carrier-b2 -f 'x\n' 2>>"$TEST_DIR/kcat.log" | wc -l)
assert_eq "$missing_records" "$n" "records on the new topic"

# The aggregator: a wrong password, then a topic the cluster does not have.
db=$TEST_DIR/arstat.db
status=0
"$agg" ingest "${REALKAFKA_AGG[@]}" -o kafka_timeout_ms=3000 \
	-o "kafka_file.sasl.password=$TEST_DIR/wrong.password" --db "$db" --until-caught-up \
	>"$TEST_DIR/agg-password.log" 2>&1 || status=$?
((status != 0)) || fail "ingest with a wrong password succeeded"
grep -q 'Authentication failed' "$TEST_DIR/agg-password.log" ||
	fail "ingest with a wrong password does not say so"
status=0
"$agg" ingest "${REALKAFKA_AGG[@]}" -o kafka_timeout_ms=3000 -o "carrier.carrier-z.name=Z" \
	-o carrier.carrier-z.topics=arstat.counts.nowhere --db "$db" --until-caught-up \
	>"$TEST_DIR/agg-missing.log" 2>&1 || status=$?
((status != 0)) || fail "ingest of a missing topic succeeded"
grep -q 'topic arstat.counts.nowhere: no partitions known' "$TEST_DIR/agg-missing.log" ||
	fail "ingest of a missing topic does not name it"

# Everything delivered to the register's topics, read with the aggregator's
# read-only principal: carrier-a's and carrier-b's records stored, the
# liar's dead-lettered as wrong_source.
"$agg" ingest "${REALKAFKA_AGG[@]}" --db "$db" --until-caught-up >"$TEST_DIR/aggregator.log" 2>&1 ||
	fail "ingest failed"
grep -q "records_stored=$((good_records + b_records)) duplicates_skipped=0 dead_letters=$liar_records " \
	"$TEST_DIR/aggregator.log" || fail "ingest: expected records_stored=$((good_records + b_records)) dead_letters=$liar_records: $(grep -o 'records_stored=.*' "$TEST_DIR/aggregator.log")"
assert_eq "$liar_records" "$(cut -f4 "$db.deadletter" | grep -c '^wrong_source$')" "wrong_source dead letters"

# The aggregator's principal may read, not write.
status=0
echo x | realkafka_kcat aggregator -P -t arstat.counts.carrier-a >"$TEST_DIR/agg-write.log" 2>&1 || status=$?
grep -q 'Topic authorization failed' "$TEST_DIR/agg-write.log" ||
	fail "the aggregator's principal could write (status $status)"

echo "kafka_security ($KAFKA_MECH over TLS): ACLs bind carriers; wrong password, untrusted CA, missing topic said and healed; secrets only from private files"
