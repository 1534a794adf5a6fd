/*
 * arstat-logfeed - play a mail log into a live log file the way a syslog
 * daemon and logrotate would: append its lines at a chosen rate and rotate
 * the live file every N lines, by rename-and-create or by copytruncate, with
 * older rotations compressed (logrotate's compress + delaycompress). A test
 * tool for the collector's fault-injection suite; it is not part of a
 * deployment.
 *
 * Trusts its command line; needs write access to the target directory only.
 *
 * usage: arstat-logfeed --from FILE --to PATH [--lines-per-second N]
 *                       [--rotate-every LINES] [--mode rename|copytruncate|mixed]
 *                       [--keep N] [--compress] [--chunk LINES]
 * Rotated files are PATH.1 (never compressed: delaycompress), PATH.2.gz, ...
 * With --mode mixed the two kinds of rotation alternate. Prints one summary
 * line (lines, rotations) on stdout at the end; exits 0 when all was fed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"
#include "mem.h"
#include "numparse.h"
#include "strbuf.h"

struct feed {
	const char *from, *to;
	int64_t rate, rotate_every, keep, chunk;
	int mode; /* 0 rename, 1 copytruncate, 2 mixed */
	int compress;
	int64_t rotations;
};

static void path_n(struct strbuf *sb, const char *to, int64_t n, int gz)
{
	strbuf_reset(sb);
	strbuf_printf(sb, "%s.%lld%s", to, (long long)n, gz ? ".gz" : "");
}

/* Like gzip(1): the compressed file keeps the original's times. */
static int gzip_file(const char *src, const char *dst)
{
	char buf[65536];
	struct stat st;
	FILE *in = fopen(src, "rb");
	gzFile out;
	size_t n;
	int rc = -1;

	if (in == NULL)
		return -1;
	out = gzopen(dst, "wb6");
	if (out == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (gzwrite(out, buf, (unsigned)n) != (int)n)
			goto out;
	}
	rc = ferror(in) ? -1 : 0;
out:
	fclose(in);
	if (gzclose(out) != Z_OK)
		rc = -1;
	if (rc == 0 && stat(src, &st) == 0) {
		struct timespec times[2] = { st.st_atim, st.st_mtim };

		utimensat(AT_FDCWD, dst, times, 0);
		unlink(src);
	}
	return rc;
}

static int copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in = open(src, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

/* Shift PATH.k(.gz) up by one, compress PATH.1 into PATH.2.gz, then rotate PATH. */
static int rotate(struct feed *f, int *fd)
{
	struct strbuf a, b;
	int64_t k;
	int copytruncate = f->mode == 1 || (f->mode == 2 && f->rotations % 2 == 1);
	int rc = -1;

	strbuf_init(&a, 4096);
	strbuf_init(&b, 4096);
	path_n(&a, f->to, f->keep, f->compress);
	unlink(a.data);
	for (k = f->keep - 1; k >= 2; k--) {
		path_n(&a, f->to, k, f->compress);
		path_n(&b, f->to, k + 1, f->compress);
		rename(a.data, b.data);
	}
	path_n(&a, f->to, 1, 0);
	if (access(a.data, F_OK) == 0) {
		path_n(&b, f->to, 2, f->compress);
		if (f->compress ? gzip_file(a.data, b.data) < 0 : rename(a.data, b.data) < 0)
			goto out;
	}
	if (copytruncate) {
		if (copy_file(f->to, a.data) < 0 || ftruncate(*fd, 0) < 0)
			goto out;
	} else {
		if (rename(f->to, a.data) < 0)
			goto out;
		close(*fd);
		*fd = open(f->to, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (*fd < 0)
			goto out;
	}
	f->rotations++;
	rc = 0;
out:
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "lines-per-second", required_argument, NULL, 'r' },
		{ "rotate-every", required_argument, NULL, 'R' },
		{ "mode", required_argument, NULL, 'm' },
		{ "keep", required_argument, NULL, 'k' },
		{ "compress", no_argument, NULL, 'z' },
		{ "chunk", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct feed f = { NULL, NULL, 0, 0, 5, 500, 0, 0, 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int64_t lines = 0, in_file = 0;
	int opt, fd;
	FILE *in;
	struct timespec t0, t1;

	msg_init("arstat-logfeed");
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': f.from = optarg; break;
		case 't': f.to = optarg; break;
		case 'r':
			if (num_parse_i64_str(optarg, 0, INT64_C(100000000), &f.rate) < 0)
				msg_fatal("--lines-per-second: a number from 0 (no limit)");
			break;
		case 'R':
			if (num_parse_i64_str(optarg, 0, INT64_MAX, &f.rotate_every) < 0)
				msg_fatal("--rotate-every: a number of lines (0: never)");
			break;
		case 'k':
			if (num_parse_i64_str(optarg, 2, 1000, &f.keep) < 0)
				msg_fatal("--keep: 2 to 1000");
			break;
		case 'c':
			if (num_parse_i64_str(optarg, 1, 1000000, &f.chunk) < 0)
				msg_fatal("--chunk: 1 to 1000000 lines");
			break;
		case 'm':
			if (strcmp(optarg, "rename") == 0)
				f.mode = 0;
			else if (strcmp(optarg, "copytruncate") == 0)
				f.mode = 1;
			else if (strcmp(optarg, "mixed") == 0)
				f.mode = 2;
			else
				msg_fatal("--mode: rename, copytruncate or mixed");
			break;
		case 'z': f.compress = 1; break;
		default: msg_fatal("bad usage; see the comment at the top of tools/logfeed/main.c");
		}
	}
	if (f.from == NULL || f.to == NULL)
		msg_fatal("--from and --to are required");
	in = fopen(f.from, "r");
	if (in == NULL)
		msg_fatal("%s: %s", f.from, strerror(errno));
	fd = open(f.to, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		msg_fatal("%s: %s", f.to, strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = getline(&line, &cap, in)) > 0) {
		if (write(fd, line, (size_t)n) != n)
			msg_fatal("%s: %s", f.to, strerror(errno));
		lines++;
		in_file++;
		if (f.rotate_every > 0 && in_file >= f.rotate_every) {
			if (rotate(&f, &fd) < 0)
				msg_fatal("rotation failed: %s", strerror(errno));
			in_file = 0;
		}
		if (f.rate > 0 && lines % f.chunk == 0) {
			int64_t due_ms = lines * 1000 / f.rate, el;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			el = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
			if (due_ms > el)
				sleep_ms(due_ms - el);
		}
	}
	free(line);
	fclose(in);
	close(fd);
	printf("fed %lld lines, %lld rotations\n", (long long)lines, (long long)f.rotations);
	return 0;
}
