#!/usr/bin/env bash
# kafka.sh - a real Apache Kafka (KRaft, no ZooKeeper) on 127.0.0.1, for the
# demo and the integration tests.
#
#   scripts/kafka.sh install
#       Download the pinned Apache Kafka release and its runtime dependencies
#       from Maven Central with `mvn dependency:copy-dependencies` (Maven
#       checks every file's SHA-1 against the repository: -C, strict), into
#       the cache $ARSTAT_KAFKA_CACHE (default ~/.cache/arstat/kafka-VERSION),
#       once; concurrent installs wait for each other (flock). Prints the
#       cache directory. Exits 1 with one line on stderr if Java, Maven or
#       the repository is missing.
#   scripts/kafka.sh start DIR [--brokers N] [--secure [--mechanism M]] [--user NAME]...
#       Start N (default 1) combined broker+controller nodes with their files
#       in DIR (a new or empty directory) and wait until every broker is
#       registered. Writes:
#         DIR/bootstrap      the client listener (host:port,...), one line
#         DIR/admin          the admin listener (plaintext, see below)
#         DIR/nodeK/         node K's server.properties, data, log, pid
#       --secure: the client listener is SASL_SSL with ACLs (StandardAuthorizer,
#       nothing allowed without an ACL). A test CA and a broker certificate
#       for 127.0.0.1 are made with openssl in DIR/tls/ (ca.pem is what
#       clients trust); each --user NAME gets a random password in
#       DIR/secrets/NAME.password (0600). --mechanism: SCRAM-SHA-512 (the
#       default; credentials stored with the storage tool's --add-scram) or
#       PLAIN (the users listed in the listener's JAAS configuration). PLAIN
#       is for librdkafka before 2.6.1, whose SCRAM Kafka 4 refuses (it sent
#       the client nonce twice in the client-final message, which Kafka 4's
#       RFC 5802 check rejects as invalid credentials): Debian 12 has 2.0.2.
#       Without --secure the client listener is PLAINTEXT and nothing is
#       checked.
#       The admin and controller listeners are PLAINTEXT on 127.0.0.1, and
#       their principal (User:ANONYMOUS) is a super user: that is how this
#       script creates topics and ACLs. A test fixture's shortcut: a real
#       cluster authenticates those listeners too (see README, "Kafka").
#   scripts/kafka.sh topic DIR NAME PARTITIONS
#       Create a topic (replication factor min(3, N), min.insync.replicas 2
#       when N >= 3) with org.apache.kafka.tools.TopicCommand.
#   scripts/kafka.sh carriers DIR [--partitions P] CARRIER...
#       What a regulator's cluster holds for arstat: per CARRIER a topic
#       arstat.counts.CARRIER (P partitions, default 2) that only the
#       principal User:CARRIER may write (Write, Describe), and read access
#       to every arstat.counts.* topic for User:aggregator (Read, Describe).
#   scripts/kafka.sh client-conf DIR USER
#       The arstat settings (kafka.*, kafka_file.sasl.password) of a client
#       authenticating as USER to the cluster of DIR.
#   scripts/kafka.sh mechanism
#       The SASL mechanism this machine's librdkafka can use with Kafka 4:
#       SCRAM-SHA-512 from 2.6.1 on, PLAIN before.
#   scripts/kafka.sh acl DIR ARGS...
#       org.apache.kafka.tools.AclCommand --bootstrap-server ADMIN ARGS...
#   scripts/kafka.sh tool DIR MAIN-CLASS ARGS...
#       Any main class of the release on its class path (e.g.
#       org.apache.kafka.tools.ConfigCommand).
#   scripts/kafka.sh stop DIR [NODE]
#       SIGTERM every node (or node NODE), SIGKILL after 30 s; waits.
#   scripts/kafka.sh kill DIR NODE [SIGNAL]
#       Send SIGNAL (default KILL) to node NODE (and wait for it, if KILL).
#   scripts/kafka.sh restart DIR NODE...
#       Start each NODE again with its data (after stop or kill), all at once
#       (a quorum needs a majority of them), and wait until each says it has
#       started.
#
# Environment: ARSTAT_KAFKA_CACHE (the cache above), ARSTAT_KAFKA_HEAP (the
# JVM heap options, default "-Xms128m -Xmx256m": three nodes and the tests fit
# in a 2-core, 24 GiB machine), JAVA (default java).
set -euo pipefail

# The pinned release, and the slf4j 1.x binding of its log4j 2 (Kafka 4's
# distribution ships the same pair; without it the broker logs nothing).
KAFKA_VERSION=4.4.0
LOG4J_VERSION=2.25.5
KAFKA_CACHE=${ARSTAT_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/arstat/kafka-$KAFKA_VERSION}
KAFKA_HEAP=${ARSTAT_KAFKA_HEAP:--Xms128m -Xmx256m}
JAVA=${JAVA:-java}
# How long start waits for the brokers, and stop for a node to exit.
START_LIMIT_S=${ARSTAT_KAFKA_START_LIMIT_S:-180}
STOP_LIMIT_S=30

die() {
	printf 'kafka.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

# ---- install ----

kafka_install() {
	local tmp rc=0

	if [[ -f $KAFKA_CACHE/ok ]]; then
		printf '%s\n' "$KAFKA_CACHE"
		return 0
	fi
	command -v "$JAVA" >/dev/null || die "no Java runtime ($JAVA); scripts/deps.sh installs one"
	command -v mvn >/dev/null || die "no Maven (mvn); scripts/deps.sh installs it"
	mkdir -p "$(dirname "$KAFKA_CACHE")"
	exec 9>"$KAFKA_CACHE.lock"
	flock 9
	if [[ -f $KAFKA_CACHE/ok ]]; then
		printf '%s\n' "$KAFKA_CACHE"
		return 0
	fi
	tmp=$(mktemp -d "$KAFKA_CACHE.tmp.XXXXXX")
	cat >"$tmp/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by arstat's scripts/kafka.sh: the class path of Apache Kafka
     $KAFKA_VERSION's broker (kafka_2.13) and command-line tools (kafka-tools). -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>arstat.test</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
	# -C: a checksum that does not match the repository's fails the build.
	(cd "$tmp" && mvn -B -q -C dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory="$tmp/libs") >"$tmp/mvn.log" 2>&1 || rc=$?
	if ((rc != 0)) || [[ ! -f $tmp/libs/kafka_2.13-$KAFKA_VERSION.jar ]]; then
		printf 'kafka.sh: could not install Apache Kafka %s from Maven Central (mvn exit %d): %s\n' \
			"$KAFKA_VERSION" "$rc" "$(grep -m1 -E 'ERROR|Could not' "$tmp/mvn.log" | cut -c1-200)" >&2
		rm -rf -- "$tmp"
		exit 1
	fi
	(cd "$tmp/libs" && sha256sum -- *.jar) >"$tmp/SHA256SUMS"
	printf '%s\n' "$KAFKA_VERSION" >"$tmp/VERSION"
	write_tools_log4j "$tmp/tools-log4j2.properties"
	rm -rf -- "$KAFKA_CACHE"
	mv -- "$tmp" "$KAFKA_CACHE"
	: >"$KAFKA_CACHE/ok"
	printf '%s\n' "$KAFKA_CACHE"
}

# java MAIN ARGS...: run a main class of the release (a tool: a small heap).
kafka_java() {
	local main=$1
	shift
	[[ -f $KAFKA_CACHE/ok ]] || die "Apache Kafka is not installed; run: $0 install"
	"$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-Dlog4j2.configurationFile="$KAFKA_CACHE/tools-log4j2.properties" \
		-cp "$KAFKA_CACHE/libs/*" "$main" "$@"
}

# ---- a cluster ----

# N free TCP ports on 127.0.0.1, one per line. The kernel chooses them; they
# are closed again before the broker binds them, a race only another program
# taking the same port in between can lose (then start fails, and says so).
free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
PY
}

# The test CA and a broker certificate for 127.0.0.1 and localhost, signed by
# it, in DIR/tls: ca.pem (clients trust it), broker.pem (the broker's
# PKCS#8 key and certificate chain, as Kafka's PEM key store reads them).
make_tls() {
	local tls=$1/tls

	mkdir -p "$tls"
	chmod 700 "$tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=arstat test CA" \
		-keyout "$tls/ca.key" -out "$tls/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$tls/broker.key" -out "$tls/broker.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
		>"$tls/broker.ext"
	openssl x509 -req -in "$tls/broker.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
		-CAcreateserial -days 30 -extfile "$tls/broker.ext" -out "$tls/broker.crt" 2>/dev/null
	openssl pkcs8 -topk8 -nocrypt -in "$tls/broker.key" -out "$tls/broker.p8"
	cat "$tls/broker.p8" "$tls/broker.crt" "$tls/ca.pem" >"$tls/broker.pem"
	chmod 600 "$tls"/*.key "$tls"/*.p8 "$tls/broker.pem"
}

# A random password (letters and digits: SCRAM and the storage tool's
# [name=...,password=...] syntax need no quoting then).
new_password() {
	head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32
}

write_log4j() {
	cat >"$1" <<'L4J'
# Written by arstat's scripts/kafka.sh.
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:arstat.kafka.log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.state.name = state.change.logger
logger.state.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
L4J
}

write_tools_log4j() {
	cat >"$1" <<'L4J'
# Written by arstat's scripts/kafka.sh: the tools say only what went wrong.
status = warn
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
L4J
}

# Start node K of DIR in the background, detached from this shell (a new
# session: the caller's Ctrl-C goes to the caller, which stops it).
node_launch() {
	local dir=$1 k=$2 nd=$1/node$2

	setsid "$JAVA" $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$dir/log4j2.properties" -Darstat.kafka.log="$nd/server.log" \
		-cp "$KAFKA_CACHE/libs/*" kafka.Kafka "$nd/server.properties" \
		</dev/null >>"$nd/stdout.log" 2>&1 &
	printf '%s\n' "$!" >"$nd/pid"
}

node_alive() {
	local pid stat

	[[ -f $1/pid ]] || return 1
	pid=$(<"$1/pid")
	read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# Wait until the admin listener lists N brokers (kcat -L: no JVM).
wait_ready() {
	local dir=$1 n=$2 i k got

	for ((i = 0; i < START_LIMIT_S * 5; i++)); do
		for ((k = 1; k <= n; k++)); do
			node_alive "$dir/node$k" ||
				die "node $k exited during start-up; see $dir/node$k/server.log and stdout.log"
		done
		got=$(kcat -L -b "$(<"$dir/admin")" -m 2 2>/dev/null | grep -cE '^  broker [0-9]+ at ' || true)
		((${got:-0} >= n)) && return 0
		sleep 0.2
	done
	die "the brokers of $dir were not ready after $START_LIMIT_S s"
}

kafka_start() {
	local dir=$1 n=1 secure=0 users=() k voters= cluster_id t0 t1 rf minisr proto mech=SCRAM-SHA-512
	local jaas= u
	local -a p scram=()

	shift
	while (($# > 0)); do
		case $1 in
		--brokers) n=$2; shift 2 ;;
		--secure) secure=1; shift ;;
		--user) users+=("$2"); shift 2 ;;
		--mechanism) mech=$2; shift 2 ;;
		*) usage ;;
		esac
	done
	[[ $n =~ ^[1-9]$ ]] || die "--brokers: 1 to 9"
	[[ $mech == SCRAM-SHA-512 || $mech == PLAIN ]] || die "--mechanism: SCRAM-SHA-512 or PLAIN"
	[[ -f $KAFKA_CACHE/ok ]] || die "Apache Kafka is not installed; run: $0 install"
	command -v kcat >/dev/null || die "kcat is missing; scripts/deps.sh installs it"
	mkdir -p "$dir"
	[[ -z $(ls -A "$dir") ]] || die "$dir is not empty"
	dir=$(cd "$dir" && pwd)
	t0=$(date +%s%N)
	# A cache from before the file was part of the install: written aside
	# and renamed, since parallel tests read it.
	if [[ ! -f $KAFKA_CACHE/tools-log4j2.properties ]]; then
		write_tools_log4j "$KAFKA_CACHE/tools-log4j2.properties.$$"
		mv -f "$KAFKA_CACHE/tools-log4j2.properties.$$" "$KAFKA_CACHE/tools-log4j2.properties"
	fi
	write_log4j "$dir/log4j2.properties"
	mapfile -t p < <(free_ports $((3 * n)))
	for ((k = 1; k <= n; k++)); do
		voters+="${voters:+,}$k@127.0.0.1:${p[3 * k - 1]}"
	done
	rf=$((n < 3 ? n : 3))
	minisr=$((n >= 3 ? 2 : 1))
	proto=PLAINTEXT
	if ((secure)); then
		proto=SASL_SSL
		make_tls "$dir"
		mkdir -p "$dir/secrets"
		chmod 700 "$dir/secrets"
		for u in "${users[@]}"; do
			[[ $u =~ ^[A-Za-z0-9._-]+$ ]] || die "--user: bad name '$u'"
			(umask 077 && new_password >"$dir/secrets/$u.password")
			if [[ $mech == PLAIN ]]; then
				jaas+=" user_$u=\"$(<"$dir/secrets/$u.password")\""
			else
				scram+=(--add-scram "SCRAM-SHA-512=[name=$u,password=$(<"$dir/secrets/$u.password")]")
			fi
		done
		printf '%s\n' "$mech" >"$dir/mechanism"
	fi
	: >"$dir/bootstrap.tmp"
	: >"$dir/admin.tmp"
	for ((k = 1; k <= n; k++)); do
		local nd=$dir/node$k client=${p[3 * k - 3]} admin=${p[3 * k - 2]} ctl=${p[3 * k - 1]}
		mkdir -p "$nd/data"
		printf '%s127.0.0.1:%s' "$([[ -s $dir/bootstrap.tmp ]] && echo ,)" "$client" >>"$dir/bootstrap.tmp"
		printf '%s127.0.0.1:%s' "$([[ -s $dir/admin.tmp ]] && echo ,)" "$admin" >>"$dir/admin.tmp"
		{
			cat <<PROPS
# Node $k of a test cluster (arstat's scripts/kafka.sh). Combined broker and
# controller (KRaft), on 127.0.0.1 only.
process.roles=broker,controller
node.id=$k
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=CLIENT://127.0.0.1:$client,ADMIN://127.0.0.1:$admin,CONTROLLER://127.0.0.1:$ctl
advertised.listeners=CLIENT://127.0.0.1:$client,ADMIN://127.0.0.1:$admin
listener.security.protocol.map=CLIENT:$proto,ADMIN:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=ADMIN
log.dirs=$nd/data
auto.create.topics.enable=false
default.replication.factor=$rf
min.insync.replicas=$minisr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.retention.hours=-1
log.segment.bytes=67108864
log.cleaner.enable=false
PROPS
			if ((secure)); then
				if [[ $mech == PLAIN ]]; then
					printf 'sasl.enabled.mechanisms=PLAIN\n'
					printf 'listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required%s;\n' "$jaas"
				else
					printf 'sasl.enabled.mechanisms=SCRAM-SHA-512\n'
					printf 'listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n'
				fi
				cat <<PROPS
ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/broker.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ANONYMOUS
PROPS
			fi
		} >"$nd/server.properties"
		# PLAIN's passwords are in it.
		chmod 600 "$nd/server.properties"
	done
	mv "$dir/bootstrap.tmp" "$dir/bootstrap"
	mv "$dir/admin.tmp" "$dir/admin"
	echo >>"$dir/bootstrap"
	echo >>"$dir/admin"
	printf '%s\n' "$n" >"$dir/nodes"
	cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid)
	for ((k = 1; k <= n; k++)); do
		kafka_java kafka.tools.StorageTool format --cluster-id "$cluster_id" \
			--config "$dir/node$k/server.properties" "${scram[@]}" >"$dir/node$k/format.log" 2>&1 ||
			die "formatting node $k failed: $(tail -n 3 "$dir/node$k/format.log")"
	done
	for ((k = 1; k <= n; k++)); do
		node_launch "$dir" "$k"
	done
	wait_ready "$dir" "$n"
	t1=$(date +%s%N)
	printf '%s\n' $(((t1 - t0) / 1000000)) >"$dir/startup_ms"
	printf 'kafka.sh: %d broker(s) ready in %d ms (Apache Kafka %s, %s%s on %s)\n' \
		"$n" $(((t1 - t0) / 1000000)) "$KAFKA_VERSION" "$proto" "$( ((secure)) && echo " $mech")" \
		"$(<"$dir/bootstrap")" >&2
}

kafka_topic() {
	local dir=$1 name=$2 parts=$3 n rf

	n=$(<"$dir/nodes")
	rf=$((n < 3 ? n : 3))
	kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$(<"$dir/admin")" \
		--create --topic "$name" --partitions "$parts" --replication-factor "$rf" \
		--config min.insync.replicas=$((n >= 3 ? 2 : 1)) >/dev/null
}

kafka_acl() {
	local dir=$1
	shift
	kafka_java org.apache.kafka.tools.AclCommand --bootstrap-server "$(<"$dir/admin")" "$@" >/dev/null
}

kafka_carriers() {
	local dir=$1 parts=2 c bad=0 pid
	local -a pids=()

	shift
	if [[ ${1:-} == --partitions ]]; then
		parts=$2
		shift 2
	fi
	# Each command is a JVM: in parallel they take about the time of one.
	for c in "$@"; do
		kafka_topic "$dir" "arstat.counts.$c" "$parts" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" || bad=1; done
	((bad == 0)) || die "creating the carriers' topics failed"
	pids=()
	for c in "$@"; do
		kafka_acl "$dir" --add --allow-principal "User:$c" --operation Write --operation Describe \
			--topic "arstat.counts.$c" &
		pids+=($!)
	done
	kafka_acl "$dir" --add --allow-principal User:aggregator --operation Read --operation Describe \
		--topic arstat.counts. --resource-pattern-type prefixed &
	pids+=($!)
	for pid in "${pids[@]}"; do wait "$pid" || bad=1; done
	((bad == 0)) || die "creating the ACLs failed"
}

kafka_client_conf() {
	local dir=$1 u=$2

	if [[ -f $dir/mechanism ]]; then
		cat <<CONF
kafka.bootstrap.servers = $(<"$dir/bootstrap")
kafka.security.protocol = SASL_SSL
kafka.sasl.mechanisms = $(<"$dir/mechanism")
kafka.sasl.username = $u
kafka_file.sasl.password = $dir/secrets/$u.password
kafka.ssl.ca.location = $dir/tls/ca.pem
CONF
	else
		printf 'kafka.bootstrap.servers = %s\n' "$(<"$dir/bootstrap")"
	fi
}

kafka_mechanism() {
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

node_stop() {
	local nd=$1 sig=${2:-TERM} pid i

	node_alive "$nd" || return 0
	pid=$(<"$nd/pid")
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_LIMIT_S * 10; i++)); do
		node_alive "$nd" || return 0
		sleep 0.1
	done
	printf 'kafka.sh: %s did not stop within %d s of SIG%s; killing it\n' "$nd" "$STOP_LIMIT_S" "$sig" >&2
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		node_alive "$nd" || return 0
		sleep 0.1
	done
}

kafka_stop() {
	local dir=$1 k n

	[[ -f $dir/nodes ]] || return 0
	n=$(<"$dir/nodes")
	if (($# > 1)); then
		node_stop "$dir/node$2"
		return 0
	fi
	# All at once: a controller quorum that loses its majority node by node
	# makes the last ones wait for a shutdown the quorum cannot approve.
	for ((k = 1; k <= n; k++)); do
		node_alive "$dir/node$k" && kill -TERM "$(<"$dir/node$k/pid")" 2>/dev/null || true
	done
	for ((k = 1; k <= n; k++)); do
		node_stop "$dir/node$k"
	done
}

kafka_kill() {
	local nd=$1/node$2 sig=${3:-KILL}

	node_alive "$nd" || die "node $2 of $1 is not running"
	if [[ $sig == KILL ]]; then
		node_stop "$nd" KILL
	else
		kill "-$sig" "$(<"$nd/pid")"
	fi
}

# How many times node directory ND's log says the server started.
node_starts() {
	grep -c 'Kafka Server started' "$1/server.log" 2>/dev/null || true
}

kafka_restart() {
	local dir=$1 k i
	local -A before=()

	shift
	for k in "$@"; do
		node_alive "$dir/node$k" && die "node $k of $dir is running"
		before[$k]=$(node_starts "$dir/node$k")
		node_launch "$dir" "$k"
	done
	for k in "$@"; do
		for ((i = 0; i < START_LIMIT_S * 5; i++)); do
			(($(node_starts "$dir/node$k") > ${before[$k]:-0})) && break
			node_alive "$dir/node$k" ||
				die "node $k exited during start-up; see $dir/node$k/server.log"
			sleep 0.2
		done
		(($(node_starts "$dir/node$k") > ${before[$k]:-0})) ||
			die "node $k of $dir did not start within $START_LIMIT_S s"
	done
}

(($# > 0)) || usage
cmd=$1
shift
case $cmd in
install) kafka_install ;;
start) (($# >= 1)) || usage; kafka_start "$@" ;;
topic) (($# == 3)) || usage; kafka_topic "$@" ;;
acl) (($# >= 2)) || usage; kafka_acl "$@" ;;
carriers) (($# >= 2)) || usage; kafka_carriers "$@" ;;
client-conf) (($# == 2)) || usage; kafka_client_conf "$@" ;;
mechanism) kafka_mechanism ;;
tool) (($# >= 2)) || usage; shift; kafka_java "$@" ;;
stop) (($# >= 1)) || usage; kafka_stop "$@" ;;
kill) (($# >= 2)) || usage; kafka_kill "$@" ;;
restart) (($# >= 2)) || usage; kafka_restart "$@" ;;
version) printf '%s\n' "$KAFKA_VERSION" ;;
*) usage ;;
esac
