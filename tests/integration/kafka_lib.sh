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

# The SASL mechanism the built programs' librdkafka can use with Kafka 4.
realkafka_mechanism() {
	local v major minor patch

	v=$(pkg-config --modversion rdkafka 2>/dev/null || echo 0.0.0)
	IFS=. read -r major minor patch <<<"$v"
	patch=${patch%%[!0-9]*}
	if ((major > 2 || (major == 2 && (minor > 6 || (minor == 6 && ${patch:-0} >= 1))))); then
		echo SCRAM-SHA-512
	else
		echo PLAIN
	fi
}

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
	KAFKA_MECH=$(realkafka_mechanism)
	arstat_on_exit '"$ARSTAT_SOURCE_DIR/scripts/kafka.sh" stop "$KAFKA_DIR"'
	realkafka start --brokers "$brokers" --secure --mechanism "$KAFKA_MECH" "${users[@]}" \
		2>>"$TEST_DIR/kafka.log" || fail "the Kafka cluster did not start; see $TEST_DIR/kafka.log"
	BOOTSTRAP=$(<"$KAFKA_DIR/bootstrap")
	export BOOTSTRAP KAFKA_DIR KAFKA_MECH
	# Each is its own JVM: in parallel, they take the time of one.
	for c in "${carriers[@]}"; do
		realkafka_topic "arstat.counts.$c" "$parts" &
	done
	wait_all_ok "creating the topics"
	for c in "${carriers[@]}"; do
		realkafka_grant_write "$c" "arstat.counts.$c" &
	done
	realkafka acl --add --allow-principal User:aggregator --operation Read --operation Describe \
		--topic arstat.counts. --resource-pattern-type prefixed 2>>"$TEST_DIR/kafka.log" &
	wait_all_ok "creating the ACLs"
	REALKAFKA_AGG=(-o "kafka.bootstrap.servers=$BOOTSTRAP")
	while read -r line; do
		REALKAFKA_AGG+=(-o "${line/ = /=}")
	done < <(realkafka_client_conf aggregator | grep -v '^kafka.bootstrap.servers')
	for c in "${carriers[@]}"; do
		REALKAFKA_AGG+=(-o "carrier.$c.name=$c" -o "carrier.$c.topics=arstat.counts.$c"
			-o "carrier.$c.principal=User:$c")
	done
}

# wait_all_ok WHAT: wait for every background job of this shell (not those of
# arstat_bg, which are waited for at the end); fail naming WHAT if any failed.
wait_all_ok() {
	local pid bad=0

	for pid in $(jobs -p); do
		case " ${_ARSTAT_PIDS[*]} " in *" $pid "*) continue ;; esac
		wait "$pid" || bad=1
	done
	((bad == 0)) || fail "$1 failed; see $TEST_DIR/kafka.log"
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
# a client authenticating as USER (configuration lines).
realkafka_client_conf() {
	cat <<CONF
kafka.bootstrap.servers = $BOOTSTRAP
kafka.security.protocol = SASL_SSL
kafka.sasl.mechanisms = $KAFKA_MECH
kafka.sasl.username = $1
kafka_file.sasl.password = ${2:-$KAFKA_DIR/secrets/$1.password}
kafka.ssl.ca.location = ${3:-$KAFKA_DIR/tls/ca.pem}
CONF
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
