# shellcheck shell=bash disable=SC2034
# kafka_lib.sh - the integration tests' real Apache Kafka (scripts/kafka.sh),
# as a carrier and a regulator would run it: SASL_SSL, a test CA, one topic
# per carrier that only that carrier's principal may write, an aggregator
# principal that may only read. Source it after lib.sh and arstat_test_init:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"
#   realkafka_start [--brokers N] [--partitions P] CARRIER...
#   realkafka_client_conf carrier-a >>collector.conf   # the kafka settings
#   "$agg" ingest "${REALKAFKA_AGG[@]}" ...             # -o options + register
#
# realkafka_start installs Kafka (cached, see scripts/kafka.sh) and starts a
# cluster in $TEST_DIR/kafka, which the test's end stops however it ends. If
# Kafka cannot be installed (no Java, no Maven, no repository), the test is
# skipped (exit 77) with that reason.
#
# The SASL mechanism is SCRAM-SHA-512 where librdkafka can do it against
# Kafka 4 (2.6.1 and later) and PLAIN before (scripts/kafka.sh says why);
# either way the password travels only inside TLS and comes from a file.

KAFKA_DIR=
KAFKA_MECH=
REALKAFKA_AGG=()

# scripts/kafka.sh with the test's cluster directory.
realkafka() {
	local cmd=$1
	shift
	"$ARSTAT_SOURCE_DIR/scripts/kafka.sh" "$cmd" "$KAFKA_DIR" "$@"
}

# realkafka_start [--brokers N] [--partitions P] CARRIER...: a secure cluster
# (default 1 broker) with users CARRIER... and "aggregator", topic
# arstat.counts.CARRIER (P partitions, default 2) per carrier, ACLs: Write
# and Describe on its own topic for each carrier, Read and Describe on the
# prefix arstat.counts. for the aggregator. Exports BOOTSTRAP, KAFKA_DIR,
# KAFKA_MECH; fills REALKAFKA_AGG with the aggregator's options.
realkafka_start() {
	local brokers=1 parts=2 c why
	local -a users=(--user aggregator) carriers=()

	while (($# > 0)); do
		case $1 in
		--brokers) brokers=$2; shift 2 ;;
		--partitions) parts=$2; shift 2 ;;
		*) carriers+=("$1"); users+=(--user "$1"); shift ;;
		esac
	done
	if ! why=$("$ARSTAT_SOURCE_DIR/scripts/kafka.sh" install 2>&1 >/dev/null); then
		printf 'SKIP: Apache Kafka cannot be installed here: %s\n' "$why" >&2
		exit 77
	fi
	KAFKA_DIR=$TEST_DIR/kafka
	KAFKA_MECH=$("$ARSTAT_SOURCE_DIR/scripts/kafka.sh" mechanism)
	arstat_on_exit '"$ARSTAT_SOURCE_DIR/scripts/kafka.sh" stop "$KAFKA_DIR"'
	realkafka start --brokers "$brokers" --secure --mechanism "$KAFKA_MECH" "${users[@]}" \
		2>>"$TEST_DIR/kafka.log" || fail "the Kafka cluster did not start; see $TEST_DIR/kafka.log"
	BOOTSTRAP=$(<"$KAFKA_DIR/bootstrap")
	export BOOTSTRAP KAFKA_DIR KAFKA_MECH
	realkafka carriers --partitions "$parts" "${carriers[@]}" 2>>"$TEST_DIR/kafka.log" ||
		fail "creating the carriers' topics and ACLs failed; see $TEST_DIR/kafka.log"
	REALKAFKA_AGG=(-o "kafka.bootstrap.servers=$BOOTSTRAP")
	while read -r line; do
		REALKAFKA_AGG+=(-o "${line/ = /=}")
	done < <(realkafka_client_conf aggregator | grep -v '^kafka.bootstrap.servers')
	for c in "${carriers[@]}"; do
		REALKAFKA_AGG+=(-o "carrier.$c.name=$c" -o "carrier.$c.topics=arstat.counts.$c"
			-o "carrier.$c.principal=User:$c")
	done
}

# realkafka_topic NAME PARTITIONS
realkafka_topic() {
	realkafka topic "$1" "$2" 2>>"$TEST_DIR/kafka.log"
}

# realkafka_grant_write PRINCIPAL TOPIC: User:PRINCIPAL may write TOPIC.
realkafka_grant_write() {
	realkafka acl --add --allow-principal "User:$1" --operation Write --operation Describe \
		--topic "$2" 2>>"$TEST_DIR/kafka.log"
}

# realkafka_client_conf USER [PASSWORD_FILE] [CA_FILE]: the kafka settings of
# a client authenticating as USER (scripts/kafka.sh client-conf), with
# another password file or CA if given.
realkafka_client_conf() {
	realkafka client-conf "$1" | awk -v pw="${2:-}" -v ca="${3:-}" '
		pw != "" && /^kafka_file.sasl.password = / { $0 = "kafka_file.sasl.password = " pw }
		ca != "" && /^kafka.ssl.ca.location = / { $0 = "kafka.ssl.ca.location = " ca }
		{ print }'
}

# realkafka_kcat USER KCAT-ARGS...: kcat authenticated as USER (its settings
# in a private file: kcat -X would show the password to ps).
realkafka_kcat() {
	local u=$1 f=$KAFKA_DIR/secrets/$1.kcat
	shift
	if [[ ! -f $f ]]; then
		(umask 077 && printf '%s\n' security.protocol=SASL_SSL "sasl.mechanisms=$KAFKA_MECH" \
			"sasl.username=$u" "sasl.password=$(<"$KAFKA_DIR/secrets/$u.password")" \
			"ssl.ca.location=$KAFKA_DIR/tls/ca.pem" >"$f")
	fi
	kcat -F "$f" -b "$BOOTSTRAP" "$@"
}
