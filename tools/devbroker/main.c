/*
 * arstat-devbroker - a throwaway Kafka cluster for the demo and the tests.
 *
 * THIS IS A TEST FIXTURE, NOT A PRODUCTION BROKER. It keeps every record in
 * memory only, silently drops old records, has no authentication, no TLS, no
 * real replication and no persistence: when it exits, the data is gone. Never
 * point a real collector at it for data that matters.
 *
 * SYNOPSIS
 *	arstat-devbroker [--brokers N] [--topic NAME:PARTITIONS]...
 *	                 [--bootstrap-file PATH] [--pid-file PATH]
 *	                 [--control FIFO] [--verbose]
 *
 * DESCRIPTION
 *	Runs librdkafka's mock cluster (rdkafka_mock.h) with N brokers
 *	(default 1) listening on 127.0.0.1, in a process of its own, so that
 *	the real arstat programs can be run against "a Kafka" without a JVM.
 *	Each --topic is created with PARTITIONS partitions and a replication
 *	factor of min(3, N) before anything is published, so a client that has
 *	found the cluster also finds its topics.
 *
 *	Readiness is the bootstrap file: once the cluster is up and the topics
 *	exist, the list "127.0.0.1:port,127.0.0.1:port,..." and a newline is
 *	written to a temporary file beside PATH and renamed onto PATH, so a
 *	reader sees either no file or the whole line. The pid file, if asked
 *	for, is written the same way just before. Both are removed on a clean
 *	exit. The same list is logged in the "ready" message.
 *
 * CONTROL
 *	SIGUSR1, or the line "down" on the control FIFO: every broker closes
 *	its client connections and refuses new ones (the data is kept).
 *	SIGUSR2, or "up": the brokers accept connections again, on the same
 *	ports. SIGTERM, SIGINT, SIGHUP (its terminal closed), or "stop": exit 0
 *	within about a second, removing the files it wrote.
 *	Each change is logged at info level ("all N brokers down" / "up"), which
 *	is what tests wait for. The FIFO is created with mode 0600 if it does
 *	not exist (and then removed at exit); lines longer than
 *	CONTROL_LINE_MAX bytes are skipped, unknown lines warned about.
 *
 * TRUST
 *	The command line is the operator's and trusted. The control FIFO is
 *	input from whoever may write to it; it is read in bounded lines and only
 *	three words mean anything. The Kafka listeners accept anybody on this
 *	host: the protocol is parsed by librdkafka's mock code, which is written
 *	for tests and not hardened, so the listeners are on loopback only.
 *
 * PRIVILEGES
 *	None. The ports are unprivileged and chosen by the kernel; do not run
 *	it as root.
 *
 * LIMITS OF THE MOCK CLUSTER (librdkafka 2.0.2), seen from a client
 *	- The ports are random on every start; clients must read the bootstrap
 *	  file (or the log) each time.
 *	- A partition keeps only about 5 MiB (and at most 100000 message sets):
 *	  older records are dropped silently and the log start offset moves on.
 *	- Transactions are accepted but not isolated: a read_committed consumer
 *	  also sees records of open and aborted transactions.
 *	- An offset lookup by timestamp (rd_kafka_offsets_for_times) returns -1.
 *	- A consumer-group member that restarts is not rebalanced back in until
 *	  the group's session timeout has run out.
 *	- A topic it does not know is created, with 4 partitions, by any
 *	  client's metadata request naming it, a consumer's too: the mock only
 *	  speaks Metadata request versions without the AllowAutoTopicCreation
 *	  flag, so allow.auto.create.topics=false has no effect (librdkafka
 *	  warns about it). A misspelt topic name therefore does not fail, it
 *	  makes a new empty topic. The admin API (CreateTopics) is not
 *	  supported. That is why the topics are created with --topic before the
 *	  bootstrap file appears, and why a test should check a partition count
 *	  other than 4 to know the topic is the one it asked for.
 *	- There is no real replication: acks=all is answered at once, and the
 *	  replication factor only shows in the metadata.
 *	- "down" does not move partition leaders; there is no way to take down
 *	  only a part of the cluster from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "atomicfile.h"
#include "devbroker_conf.h"
#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "strbuf.h"
#include "strutil.h"

#define PROGNAME "arstat-devbroker"

/* Limits on the command line: generous for a test, small enough that a typo
 * does not open thousands of sockets or allocate millions of partitions. */
#define BROKERS_MAX 16
#define TOPICS_MAX 64
#define PARTITIONS_MAX 1024
/* Kafka's own limit on a topic name. */
#define TOPIC_NAME_MAX 249
/* Kafka never keeps more than 3 copies in arstat's setting; the mock cannot
 * have more replicas than brokers. */
#define REPLICATION_MAX 3
/* The longest control line that means anything is "stop"; the slack is for
 * trailing blanks. Longer lines are skipped whole. */
#define CONTROL_LINE_MAX 64

struct topic_spec {
	char *name;
	int partitions;
};

/* The configuration, filled once from the command line. */
struct devbroker_config {
	int brokers;
	struct topic_spec *topics;
	size_t ntopics;
	const char *bootstrap_file; /* NULL: only logged */
	const char *pid_file;       /* NULL: none */
	const char *control_path;   /* NULL: no control FIFO */
	int verbose;
};

/* Runtime state, all owned by main(). */
struct devbroker {
	const struct devbroker_config *cfg;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mcluster;
	int brokers_up;
	int stop;                /* "stop" read from the control FIFO */
	int ctl_fd;              /* read end of the control FIFO, or -1 */
	int ctl_wfd;             /* our own write end, see control_open() */
	int ctl_created;         /* we made the FIFO, so we remove it */
	char ctl_line[CONTROL_LINE_MAX + 1];
	size_t ctl_len;
	int ctl_overlong;        /* skipping to the end of an overlong line */
	int pid_written;
	int bootstrap_written;
};

enum updown_request { UPDOWN_NONE = 0, UPDOWN_DOWN, UPDOWN_UP };

/* Set by the signal handler, acted on by the main loop. For up/down the last
 * signal wins. */
static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_updown;

static void usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: " PROGNAME " [options]\n"
	        "\n"
	        "A Kafka cluster for arstat's demo and tests, built on librdkafka's mock\n"
	        "cluster. TEST FIXTURE ONLY, NOT A PRODUCTION BROKER: records live in memory,\n"
	        "old ones are dropped silently (about 5 MiB per partition), no security,\n"
	        "no persistence. Listens on 127.0.0.1 on random ports.\n"
	        "\n"
	        "Options:\n"
	        "  -b, --brokers N              number of brokers, 1..%d (default 1)\n"
	        "  -t, --topic NAME:PARTITIONS  create a topic before announcing readiness;\n"
	        "                               repeatable; replication factor min(3, N)\n"
	        "  -f, --bootstrap-file PATH    when ready, write \"127.0.0.1:port,...\" there\n"
	        "                               atomically; removed at exit\n"
	        "  -p, --pid-file PATH          write the process id there; removed at exit\n"
	        "  -c, --control FIFO           read \"down\", \"up\", \"stop\" lines from FIFO\n"
	        "                               (created with mode 0600 if missing)\n"
	        "  -v, --verbose                debug logging, including the mock's own\n"
	        "  -h, --help                   show this help\n"
	        "\n"
	        "Signals: SIGUSR1 takes all brokers down, SIGUSR2 brings them up again,\n"
	        "SIGTERM, SIGINT and SIGHUP stop (exit status 0).\n",
	        BROKERS_MAX);
}

static void on_signal(int signo)
{
	switch (signo) {
	case SIGUSR1:
		sig_updown = UPDOWN_DOWN;
		break;
	case SIGUSR2:
		sig_updown = UPDOWN_UP;
		break;
	default:
		sig_stop = 1;
		break;
	}
}

/* Kafka topic names: 1..249 of [A-Za-z0-9._-], and not "." or "..". */
static int topic_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > TOPIC_NAME_MAX)
		return 0;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Add "NAME:PARTITIONS" to cfg; a bad argument is the operator's to fix. */
static void config_add_topic(struct devbroker_config *cfg, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	size_t namelen;
	int64_t partitions;
	size_t i;

	if (colon == NULL)
		msg_fatal("--topic %s: expected NAME:PARTITIONS", arg);
	namelen = (size_t)(colon - arg);
	if (!topic_name_valid(arg, namelen))
		msg_fatal("--topic %s: a topic name is 1..%d characters of A-Z a-z 0-9 . _ -",
		          arg, TOPIC_NAME_MAX);
	if (num_parse_i64_str(colon + 1, 1, PARTITIONS_MAX, &partitions) < 0)
		msg_fatal("--topic %s: partitions must be a number from 1 to %d", arg,
		          PARTITIONS_MAX);
	for (i = 0; i < cfg->ntopics; i++) {
		/* The mock would quietly keep the first definition; say so instead. */
		if (strlen(cfg->topics[i].name) == namelen &&
		    memcmp(cfg->topics[i].name, arg, namelen) == 0)
			msg_fatal("--topic %.*s given twice", (int)namelen, arg);
	}
	if (cfg->ntopics >= TOPICS_MAX)
		msg_fatal("too many --topic options (at most %d)", TOPICS_MAX);
	cfg->topics = xreallocarray(cfg->topics, cfg->ntopics + 1, sizeof(*cfg->topics));
	cfg->topics[cfg->ntopics].name = xstrndup(arg, namelen);
	cfg->topics[cfg->ntopics].partitions = (int)partitions;
	cfg->ntopics++;
}

static void config_parse(struct devbroker_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "bootstrap-file", required_argument, NULL, 'f' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "control", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t n;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->brokers = 1;
	while ((c = getopt_long(argc, argv, "b:t:f:p:c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (num_parse_i64_str(optarg, 1, BROKERS_MAX, &n) < 0)
				msg_fatal("--brokers %s: must be a number from 1 to %d", optarg,
				          BROKERS_MAX);
			cfg->brokers = (int)n;
			break;
		case 't':
			config_add_topic(cfg, optarg);
			break;
		case 'f':
			cfg->bootstrap_file = optarg;
			break;
		case 'p':
			cfg->pid_file = optarg;
			break;
		case 'c':
			cfg->control_path = optarg;
			break;
		case 'v':
			cfg->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			msg_fatal("bad command line; see --help");
		}
	}
	if (optind < argc)
		msg_fatal("unexpected argument \"%s\"; see --help", argv[optind]);
}

static void config_free(struct devbroker_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ntopics; i++)
		free(cfg->topics[i].name);
	free(cfg->topics);
	cfg->topics = NULL;
	cfg->ntopics = 0;
}

/*
 * Write content to path so that a reader sees either the old file (or none)
 * or all of the new one. Returns 0, or -1 after logging why. The bootstrap
 * list and a pid are not secrets, and tests of other users' programs may need
 * to read them.
 */
static int write_file_atomic(const char *path, const char *content)
{
	struct strbuf err;
	int rc;

	strbuf_init(&err, 4096);
	rc = atomicfile_replace(path, 0644, content, strlen(content), &err);
	if (rc < 0)
		msg_error("%s", err.data);
	strbuf_release(&err);
	return rc;
}

/* Create the cluster's rd_kafka_t, the cluster and the topics. 0 or -1. */
static int cluster_start(struct devbroker *db)
{
	const struct devbroker_config *cfg = db->cfg;
	const char *settings[] = {
		"client.id", PROGNAME,
		/* Warnings and errors only: the handle is there for the mock's
		 * bookkeeping and has nothing useful to say at notice level. */
		"log_level", cfg->verbose ? "7" : "4",
		/* Without --verbose the list ends here: no debug contexts. */
		cfg->verbose ? "debug" : NULL, "mock,broker",
		NULL,
	};
	char errstr[512];
	rd_kafka_conf_t *conf;
	int replication = cfg->brokers < REPLICATION_MAX ? cfg->brokers : REPLICATION_MAX;
	size_t i;
	int ret = -1;

	conf = devbroker_conf_new(settings);
	if (conf == NULL)
		goto out;
	/* A producer handle without brokers: the mock only needs an rd_kafka_t
	 * for its logging and timers; it does not use it as a client. */
	db->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (db->rk == NULL) {
		msg_error("cannot create the librdkafka handle: %s", errstr);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	db->mcluster = rd_kafka_mock_cluster_new(db->rk, cfg->brokers);
	if (db->mcluster == NULL) {
		msg_error("cannot create a mock cluster of %d brokers", cfg->brokers);
		goto out;
	}
	db->brokers_up = 1;
	for (i = 0; i < cfg->ntopics; i++) {
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
			db->mcluster, cfg->topics[i].name, cfg->topics[i].partitions, replication);

		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			msg_error("cannot create topic %s: %s", cfg->topics[i].name,
			          rd_kafka_err2str(err));
			goto out;
		}
		msg_info("topic %s: %d partitions, replication factor %d", cfg->topics[i].name,
		         cfg->topics[i].partitions, replication);
	}
	ret = 0;
out:
	return ret;
}

/* Take every broker down or up; the log line is what tests wait for. */
static void brokers_set(struct devbroker *db, int up, const char *why)
{
	rd_kafka_resp_err_t err;

	if (db->brokers_up == up) {
		msg_info("all %d brokers already %s (%s)", db->cfg->brokers, up ? "up" : "down",
		         why);
		return;
	}
	/* Broker id -1 means every broker of the cluster. */
	if (up)
		err = rd_kafka_mock_broker_set_up(db->mcluster, -1);
	else
		err = rd_kafka_mock_broker_set_down(db->mcluster, -1);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		msg_error("cannot take the brokers %s: %s", up ? "up" : "down",
		          rd_kafka_err2str(err));
		return;
	}
	db->brokers_up = up;
	msg_info("all %d brokers %s (%s)", db->cfg->brokers, up ? "up" : "down", why);
}

/*
 * Open (and if need be create) the control FIFO. Returns 0 or -1.
 *
 * Besides the read end we keep a write end open ourselves: otherwise every
 * "echo down > FIFO" that closes would leave the FIFO at end-of-file, and
 * select() would report it readable forever.
 */
static int control_open(struct devbroker *db, const char *path)
{
	struct stat st;
	int ret = -1;

	if (mkfifo(path, 0600) == 0)
		db->ctl_created = 1;
	else if (errno != EEXIST) {
		msg_error("cannot create control FIFO %s: %s", path, strerror(errno));
		goto out;
	}
	db->ctl_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (db->ctl_fd < 0) {
		msg_error("cannot open control FIFO %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(db->ctl_fd, &st) < 0) {
		msg_error("cannot stat control FIFO %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISFIFO(st.st_mode)) {
		msg_error("%s exists and is not a FIFO", path);
		goto out;
	}
	db->ctl_wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (db->ctl_wfd < 0) {
		msg_error("cannot open control FIFO %s for writing: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	return ret;
}

/* Act on one complete control line (without its newline). */
static void control_line(struct devbroker *db, char *line, size_t len)
{
	char shown[CONTROL_LINE_MAX + 1];
	size_t i;

	/* Trailing blanks and a CR (from a Windows-style writer) mean nothing. */
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	line[len] = '\0';
	if (len == 0)
		return;
	if (strcmp(line, "down") == 0)
		brokers_set(db, 0, "control FIFO");
	else if (strcmp(line, "up") == 0)
		brokers_set(db, 1, "control FIFO");
	else if (strcmp(line, "stop") == 0) {
		msg_info("stop requested on the control FIFO");
		db->stop = 1;
	} else {
		/* Show the line, but not control characters from whoever wrote it. */
		for (i = 0; i < len; i++)
			shown[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
		shown[len] = '\0';
		msg_warn("control FIFO: unknown command \"%s\" ignored (expected down, up or stop)",
		         shown);
	}
}

/* Read what is there on the control FIFO and act on every complete line. */
static void control_read(struct devbroker *db)
{
	char buf[512];
	ssize_t n;
	ssize_t i;

	n = read(db->ctl_fd, buf, sizeof(buf));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			msg_warn("read control FIFO: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (db->ctl_overlong)
				msg_warn("control FIFO: line longer than %d bytes skipped",
				         CONTROL_LINE_MAX);
			else
				control_line(db, db->ctl_line, db->ctl_len);
			db->ctl_len = 0;
			db->ctl_overlong = 0;
		} else if (db->ctl_overlong) {
			continue;
		} else if (db->ctl_len < CONTROL_LINE_MAX) {
			db->ctl_line[db->ctl_len++] = buf[i];
		} else {
			db->ctl_overlong = 1;
		}
	}
}

/*
 * Block the signals we handle and install the handlers. Returns the mask to
 * wait with in *waitmask: the old one, with our signals let through.
 *
 * The signals stay blocked everywhere except inside pselect(): every thread
 * librdkafka and its mock cluster start afterwards inherits the block, so a
 * signal sent to the process always reaches the main thread, and only at the
 * one place where it cannot be lost between checking the flags and sleeping.
 */
static int signals_setup(sigset_t *waitmask)
{
	static const int handled[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa;
	sigset_t block;
	size_t i;
	int ret = -1;

	sigemptyset(&block);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&block, handled[i]);
	if (pthread_sigmask(SIG_BLOCK, &block, waitmask) != 0) {
		msg_error("cannot block signals");
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++) {
		sigdelset(waitmask, handled[i]);
		if (sigaction(handled[i], &sa, NULL) < 0) {
			msg_error("sigaction: %s", strerror(errno));
			goto out;
		}
	}
	/* A client that disconnects while the mock writes to it must not kill
	 * the whole cluster. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0) {
		msg_error("sigaction: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	return ret;
}

/* Write the pid file and the bootstrap file, in that order. 0 or -1. */
static int announce(struct devbroker *db)
{
	const struct devbroker_config *cfg = db->cfg;
	const char *bootstraps = rd_kafka_mock_cluster_bootstraps(db->mcluster);
	struct strbuf sb;
	int ret = -1;

	strbuf_init(&sb, 64 * 1024);
	if (cfg->pid_file != NULL) {
		if (strbuf_printf(&sb, "%ld\n", (long)getpid()) < 0 ||
		    write_file_atomic(cfg->pid_file, sb.data) < 0)
			goto out;
		db->pid_written = 1;
	}
	if (cfg->bootstrap_file != NULL) {
		strbuf_reset(&sb);
		if (strbuf_printf(&sb, "%s\n", bootstraps) < 0) {
			msg_error("bootstrap list too long");
			goto out;
		}
		if (write_file_atomic(cfg->bootstrap_file, sb.data) < 0)
			goto out;
		db->bootstrap_written = 1;
	}
	msg_info("ready: %d brokers at %s (test fixture, not a production broker)", cfg->brokers,
	         bootstraps);
	ret = 0;
out:
	strbuf_release(&sb);
	return ret;
}

/* Wait for signals and control lines until asked to stop. 0, or -1 if the
 * loop itself failed. */
static int run(struct devbroker *db, const sigset_t *waitmask)
{
	int ret = -1;

	while (!sig_stop && !db->stop) {
		struct timespec timeout = { 1, 0 };
		fd_set rfds;
		int nfds = 0;
		int n;
		sig_atomic_t updown;

		FD_ZERO(&rfds);
		if (db->ctl_fd >= 0) {
			FD_SET(db->ctl_fd, &rfds);
			nfds = db->ctl_fd + 1;
		}
		/* The timeout only serves the cluster's own handle, whose events
		 * must be polled so that they do not pile up. */
		n = pselect(nfds, &rfds, NULL, NULL, &timeout, waitmask);
		if (n < 0 && errno != EINTR) {
			msg_error("pselect: %s", strerror(errno));
			goto out;
		}
		rd_kafka_poll(db->rk, 0);
		/* Our signals are blocked here, so reading and clearing the flag
		 * cannot race with the handler. */
		updown = sig_updown;
		sig_updown = UPDOWN_NONE;
		if (updown == UPDOWN_DOWN)
			brokers_set(db, 0, "SIGUSR1");
		else if (updown == UPDOWN_UP)
			brokers_set(db, 1, "SIGUSR2");
		if (n > 0 && db->ctl_fd >= 0 && FD_ISSET(db->ctl_fd, &rfds))
			control_read(db);
	}
	if (sig_stop)
		msg_info("stop requested by signal");
	ret = 0;
out:
	return ret;
}

/* Undo everything main() set up, in reverse order. */
static void devbroker_cleanup(struct devbroker *db)
{
	const struct devbroker_config *cfg = db->cfg;

	/* The bootstrap file goes first: nobody should find a list of
	 * brokers that are about to vanish. */
	if (db->bootstrap_written && unlink(cfg->bootstrap_file) < 0)
		msg_warn("cannot remove %s: %s", cfg->bootstrap_file, strerror(errno));
	if (db->pid_written && unlink(cfg->pid_file) < 0)
		msg_warn("cannot remove %s: %s", cfg->pid_file, strerror(errno));
	/* The cluster uses its rd_kafka_t until it is gone, so it goes first. */
	if (db->mcluster != NULL)
		rd_kafka_mock_cluster_destroy(db->mcluster);
	if (db->rk != NULL)
		rd_kafka_destroy(db->rk);
	if (db->ctl_wfd >= 0)
		close(db->ctl_wfd);
	if (db->ctl_fd >= 0)
		close(db->ctl_fd);
	if (db->ctl_created && unlink(cfg->control_path) < 0)
		msg_warn("cannot remove %s: %s", cfg->control_path, strerror(errno));
}

int main(int argc, char **argv)
{
	struct devbroker_config cfg;
	struct devbroker db;
	sigset_t waitmask;
	int status = 1;

	msg_init(PROGNAME);
	config_parse(&cfg, argc, argv);
	if (cfg.verbose)
		msg_set_level(MSG_DEBUG);

	memset(&db, 0, sizeof(db));
	db.cfg = &cfg;
	db.ctl_fd = -1;
	db.ctl_wfd = -1;

	/* Before the first thread exists: see signals_setup(). */
	if (signals_setup(&waitmask) < 0)
		goto out;
	if (cfg.control_path != NULL && control_open(&db, cfg.control_path) < 0)
		goto out;
	if (cluster_start(&db) < 0)
		goto out;
	if (announce(&db) < 0)
		goto out;
	if (run(&db, &waitmask) < 0)
		goto out;
	status = 0;
out:
	devbroker_cleanup(&db);
	config_free(&cfg);
	if (status == 0)
		msg_info("stopped");
	return status;
}
