/*
 * unit.linereader - the bounded line reader, fed through pipes and temporary
 * files. The same input split at every byte (two writes around each split
 * point) and written in every chunk size must give the same lines and
 * offsets; a line of exactly the limit is a line, one byte more is
 * LR_OVERLONG with the next line intact; a partial last line waits for its
 * newline; the limit is clamped to [LINEREADER_MIN_LINE, LINEREADER_MAX_LINE].
 * The reader asks for much more than a line at a time: inputs of several
 * buffers, lines across every refill and overlong lines found whole in the
 * buffer must come out as the model says.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linereader.h"
#include "strbuf.h"

struct event {
	enum lr_status st;
	size_t start; /* LR_LINE: where the line begins in the input */
	size_t len;
	uint64_t offset; /* linereader_offset() right after the event */
};

struct events {
	struct event *v;
	size_t n;
	size_t cap; /* doubled as needed: inputs of megabytes have many lines */
};

static void events_add(struct events *e, enum lr_status st, size_t start, size_t len, uint64_t off)
{
	if (e->n == e->cap) {
		struct event *v = realloc(e->v, (e->cap ? 2 * e->cap : 16) * sizeof(*v));

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		e->v = v;
		e->cap = e->cap ? 2 * e->cap : 16;
	}
	e->v[e->n].st = st;
	e->v[e->n].start = start;
	e->v[e->n].len = len;
	e->v[e->n].offset = off;
	e->n++;
}

/* What the reader must report for in[0..len) with limit max: one event per newline. */
static void model(const char *in, size_t len, size_t max, struct events *out)
{
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		if (in[i] != '\n')
			continue;
		if (i - start <= max)
			events_add(out, LR_LINE, start, i - start, i + 1);
		else
			events_add(out, LR_OVERLONG, 0, 0, i + 1);
		start = i + 1;
	}
}

static size_t count_newlines(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* Length of the unterminated tail of s[0..len). */
static size_t tail_len(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != '\n')
		i--;
	return len - i;
}

/*
 * Read events until the reader reports `stop` (LR_EOF, or LR_ERROR with EAGAIN
 * for a non-blocking pipe that has run dry). Lines are checked against the
 * input: got->v[i].start is taken from the model's events so a wrong line
 * shows as a mismatch.
 */
static void drain(struct linereader *lr, const char *in, const struct events *want,
                  struct events *got, enum lr_status stop)
{
	for (;;) {
		const char *line = NULL;
		size_t len = 0;
		enum lr_status st = linereader_next(lr, &line, &len);

		if (st == stop && (stop != LR_ERROR || errno == EAGAIN))
			return;
		CU_ASSERT_FATAL(st == LR_LINE || st == LR_OVERLONG);
		CU_ASSERT_FATAL(got->n < want->n);
		if (st == LR_LINE) {
			const struct event *w = &want->v[got->n];

			CU_ASSERT_EQUAL(w->st, LR_LINE);
			CU_ASSERT_EQUAL(len, w->len);
			if (w->st == LR_LINE && len == w->len)
				CU_ASSERT_EQUAL(memcmp(line, in + w->start, len), 0);
			events_add(got, st, w->start, len, linereader_offset(lr));
		} else {
			events_add(got, st, 0, 0, linereader_offset(lr));
		}
	}
}

static void check_same(const struct events *want, const struct events *got)
{
	size_t i;

	CU_ASSERT_EQUAL_FATAL(got->n, want->n);
	for (i = 0; i < want->n; i++) {
		CU_ASSERT_EQUAL(got->v[i].st, want->v[i].st);
		CU_ASSERT_EQUAL(got->v[i].len, want->v[i].len);
		CU_ASSERT_EQUAL(got->v[i].offset, want->v[i].offset);
	}
}

static void nonblocking_pipe(int p[2])
{
	int fl;

	CU_ASSERT_FATAL(pipe(p) == 0);
	fl = fcntl(p[0], F_GETFL);
	CU_ASSERT_FATAL(fl >= 0);
	CU_ASSERT_FATAL(fcntl(p[0], F_SETFL, fl | O_NONBLOCK) == 0);
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		CU_ASSERT_FATAL(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* An input with every interesting line length for the 256-byte limit. */
static void build_input(struct strbuf *sb)
{
	static const size_t lens[] = { 0, 1, 255, 256, 257, 5, 600, 256, 3, 513, 0, 256, 2 };
	size_t i, j;

	strbuf_init(sb, 1 << 20);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < lens[i]; j++)
			strbuf_append_byte(sb, (unsigned char)('a' + (i + j) % 26));
		strbuf_append_byte(sb, '\n');
	}
	/* A line with a CR and one with a NUL are ordinary bytes to the reader. */
	strbuf_append(sb, "crlf\r\nnul\0byte\n", 15);
	/* An unterminated last line. */
	strbuf_append_str(sb, "partial");
}

static void test_split_every_byte(void)
{
	struct strbuf in;
	struct events want = { NULL, 0, 0 };
	size_t k;

	build_input(&in);
	model(in.data, in.len, LINEREADER_MIN_LINE, &want);
	CU_ASSERT_EQUAL_FATAL(want.n, 15);
	CU_ASSERT_EQUAL(want.v[3].st, LR_LINE);
	CU_ASSERT_EQUAL(want.v[3].len, 256);
	CU_ASSERT_EQUAL(want.v[4].st, LR_OVERLONG);
	CU_ASSERT_EQUAL(want.v[5].st, LR_LINE);
	for (k = 0; k <= in.len; k++) {
		struct events got = { NULL, 0, 0 };
		struct linereader *lr;
		int p[2];
		size_t tail = tail_len(in.data, k);

		nonblocking_pipe(p);
		lr = linereader_new(p[0], LINEREADER_MIN_LINE);
		write_all(p[1], in.data, k);
		drain(lr, in.data, &want, &got, LR_ERROR);
		/* Only lines whose newline has arrived come out. */
		CU_ASSERT_EQUAL(got.n, count_newlines(in.data, k));
		if (tail <= LINEREADER_MIN_LINE)
			CU_ASSERT_EQUAL(linereader_pending(lr), tail);
		write_all(p[1], in.data + k, in.len - k);
		close(p[1]);
		drain(lr, in.data, &want, &got, LR_EOF);
		check_same(&want, &got);
		CU_ASSERT_EQUAL(linereader_offset(lr), in.len - strlen("partial"));
		CU_ASSERT_EQUAL(linereader_pending(lr), strlen("partial"));
		/* At EOF, asking again changes nothing. */
		{
			const char *line;
			size_t len;

			CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_EOF);
			CU_ASSERT_EQUAL(linereader_pending(lr), strlen("partial"));
		}
		linereader_free(lr);
		close(p[0]);
		free(got.v);
		if (got.n != want.n) {
			fprintf(stderr, "split at %zu: %zu events, want %zu\n", k, got.n, want.n);
			break;
		}
	}
	free(want.v);
	strbuf_release(&in);
}

static void test_chunk_sizes(void)
{
	struct strbuf in;
	struct events want = { NULL, 0, 0 };
	size_t chunk;

	build_input(&in);
	model(in.data, in.len, LINEREADER_MIN_LINE, &want);
	for (chunk = 1; chunk <= 600; chunk++) {
		struct events got = { NULL, 0, 0 };
		struct linereader *lr;
		int p[2];
		size_t pos;

		nonblocking_pipe(p);
		lr = linereader_new(p[0], LINEREADER_MIN_LINE);
		for (pos = 0; pos < in.len; pos += chunk) {
			size_t n = in.len - pos < chunk ? in.len - pos : chunk;

			write_all(p[1], in.data + pos, n);
			drain(lr, in.data, &want, &got, LR_ERROR);
			CU_ASSERT_EQUAL(got.n, count_newlines(in.data, pos + n));
		}
		close(p[1]);
		drain(lr, in.data, &want, &got, LR_EOF);
		check_same(&want, &got);
		linereader_free(lr);
		close(p[0]);
		free(got.v);
	}
	free(want.v);
	strbuf_release(&in);
}

static char tmp_path[4096];

static int tmp_file(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(tmp_path, sizeof(tmp_path), "%s/test_linereader.XXXXXX", dir);
	fd = mkstemp(tmp_path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(tmp_path);
	return fd;
}

static void test_partial_last_line(void)
{
	int wfd = tmp_file(), rfd;
	struct linereader *lr;
	const char *line;
	size_t len;
	char proc[64];

	/* A second descriptor with its own file offset, as a tailing reader has. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", wfd);
	rfd = open(proc, O_RDONLY);
	CU_ASSERT_FATAL(rfd >= 0);
	lr = linereader_new(rfd, 0);
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_EOF);
	CU_ASSERT_EQUAL(linereader_offset(lr), 0);
	write_all(wfd, "abc\nde", 6);
	CU_ASSERT_EQUAL_FATAL(linereader_next(lr, &line, &len), LR_LINE);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(line, "abc", 3), 0);
	CU_ASSERT_EQUAL(linereader_offset(lr), 4);
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_EOF);
	CU_ASSERT_EQUAL(linereader_pending(lr), 2);
	CU_ASSERT_EQUAL(linereader_offset(lr), 4);
	write_all(wfd, "f", 1);
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_EOF);
	CU_ASSERT_EQUAL(linereader_pending(lr), 3);
	write_all(wfd, "\n\ng", 3);
	CU_ASSERT_EQUAL_FATAL(linereader_next(lr, &line, &len), LR_LINE);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(line, "def", 3), 0);
	CU_ASSERT_EQUAL(linereader_offset(lr), 8);
	CU_ASSERT_EQUAL_FATAL(linereader_next(lr, &line, &len), LR_LINE);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(linereader_offset(lr), 9);
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_EOF);
	CU_ASSERT_EQUAL(linereader_pending(lr), 1);
	CU_ASSERT_EQUAL(linereader_offset(lr), 9);
	linereader_free(lr);
	linereader_free(NULL);
	close(rfd);
	close(wfd);
}

/* Write lines of the given lengths (and "next") to a file, read them back with limit `max`. */
static void check_limit(size_t max_arg, size_t effective)
{
	int fd = tmp_file();
	struct linereader *lr;
	const char *line;
	size_t len, i;
	char *buf = malloc(effective + 2);
	uint64_t off;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 'L', effective + 1);
	/* Exactly the limit, limit + 1, limit - 1, then a short line. */
	buf[effective] = '\n';
	write_all(fd, buf, effective + 1);
	buf[effective] = 'L';
	buf[effective + 1] = '\n';
	write_all(fd, buf, effective + 2);
	buf[effective - 1] = '\n';
	write_all(fd, buf, effective);
	write_all(fd, "next\n", 5);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);

	lr = linereader_new(fd, max_arg);
	CU_ASSERT_EQUAL_FATAL(linereader_next(lr, &line, &len), LR_LINE);
	CU_ASSERT_EQUAL(len, effective);
	for (i = 0; i < len && line[i] == 'L'; i++)
		;
	CU_ASSERT_EQUAL(i, effective);
	off = effective + 1;
	CU_ASSERT_EQUAL(linereader_offset(lr), off);
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_OVERLONG);
	off += effective + 2;
	CU_ASSERT_EQUAL(linereader_offset(lr), off);
	CU_ASSERT_EQUAL_FATAL(linereader_next(lr, &line, &len), LR_LINE);
	CU_ASSERT_EQUAL(len, effective - 1);
	off += effective;
	CU_ASSERT_EQUAL(linereader_offset(lr), off);
	CU_ASSERT_EQUAL_FATAL(linereader_next(lr, &line, &len), LR_LINE);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(memcmp(line, "next", 4), 0);
	off += 5;
	CU_ASSERT_EQUAL(linereader_offset(lr), off);
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_EOF);
	CU_ASSERT_EQUAL(linereader_pending(lr), 0);
	linereader_free(lr);
	close(fd);
	free(buf);
}

static void test_limits(void)
{
	check_limit(0, LINEREADER_MIN_LINE);
	check_limit(1, LINEREADER_MIN_LINE);
	check_limit(LINEREADER_MIN_LINE - 1, LINEREADER_MIN_LINE);
	check_limit(LINEREADER_MIN_LINE, LINEREADER_MIN_LINE);
	check_limit(LINEREADER_MIN_LINE + 1, LINEREADER_MIN_LINE + 1);
	check_limit(1000, 1000);
	check_limit(4096, 4096);
	check_limit(LINEREADER_MAX_LINE, LINEREADER_MAX_LINE);
	check_limit(LINEREADER_MAX_LINE + 1, LINEREADER_MAX_LINE);
	check_limit(SIZE_MAX, LINEREADER_MAX_LINE);
}

/* Lines of every length up to past the limit, with no pattern that lines up
 * with the buffer: xorshift. */
static void build_long_input(struct strbuf *sb, size_t total, size_t max)
{
	uint32_t x = 2463534242u;

	strbuf_init(sb, total + 5 * max + 1024);
	while (sb->len < total) {
		size_t len, j;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		/* Mostly log-line lengths; one in 16 around or past the limit. */
		len = (x & 15) == 0 ? max - 2 + (x >> 4) % 5 : (x >> 4) % 300;
		if ((x & 255) == 1)
			len = 3 * max + (x >> 8) % 1000; /* across a whole refill */
		for (j = 0; j < len; j++)
			strbuf_append_byte(sb, (unsigned char)('a' + (j + len) % 26));
		strbuf_append_byte(sb, '\n');
	}
}

/* Read in[] back from a file with limit max; the events must be the model's. */
static void check_file(const struct strbuf *in, size_t max)
{
	struct events want = { NULL, 0, 0 }, got = { NULL, 0, 0 };
	struct linereader *lr;
	int fd = tmp_file();

	model(in->data, in->len, max, &want);
	write_all(fd, in->data, in->len);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	lr = linereader_new(fd, max);
	drain(lr, in->data, &want, &got, LR_EOF);
	check_same(&want, &got);
	CU_ASSERT_EQUAL(linereader_offset(lr), in->len);
	CU_ASSERT_EQUAL(linereader_pending(lr), 0);
	linereader_free(lr);
	close(fd);
	free(want.v);
	free(got.v);
}

static void test_many_buffers(void)
{
	struct strbuf in;
	struct events want = { NULL, 0, 0 }, got = { NULL, 0, 0 };
	struct linereader *lr;
	int p[2];
	size_t pos, n, chunk = 1;

	/* A megabyte and more: several refills, each leaving a partial line. */
	build_long_input(&in, 1200 * 1024, 1000);
	check_file(&in, 1000);
	check_file(&in, LINEREADER_MIN_LINE);
	strbuf_release(&in);
	build_long_input(&in, 1200 * 1024, 16384);
	check_file(&in, 16384);
	strbuf_release(&in);

	/* Through a pipe in writes of changing sizes, so that reads end anywhere. */
	build_long_input(&in, 600 * 1024, 1000);
	model(in.data, in.len, 1000, &want);
	nonblocking_pipe(p);
	lr = linereader_new(p[0], 1000);
	for (pos = 0; pos < in.len; pos += n) {
		n = in.len - pos < chunk ? in.len - pos : chunk;
		write_all(p[1], in.data + pos, n);
		drain(lr, in.data, &want, &got, LR_ERROR);
		CU_ASSERT_EQUAL(got.n, count_newlines(in.data, pos + n));
		chunk = chunk * 3 % 7919 + 1;
	}
	close(p[1]);
	drain(lr, in.data, &want, &got, LR_EOF);
	check_same(&want, &got);
	linereader_free(lr);
	close(p[0]);
	free(want.v);
	free(got.v);
	strbuf_release(&in);
}

static void test_read_error(void)
{
	int p[2];
	struct linereader *lr;
	const char *line;
	size_t len;

	CU_ASSERT_FATAL(pipe(p) == 0);
	/* The write end cannot be read from. */
	lr = linereader_new(p[1], 0);
	errno = 0;
	CU_ASSERT_EQUAL(linereader_next(lr, &line, &len), LR_ERROR);
	CU_ASSERT_EQUAL(errno, EBADF);
	linereader_free(lr);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("linereader", NULL, NULL);
	if (s == NULL || CU_add_test(s, "split at every byte", test_split_every_byte) == NULL ||
	    CU_add_test(s, "every chunk size 1..600", test_chunk_sizes) == NULL ||
	    CU_add_test(s, "partial last line waits", test_partial_last_line) == NULL ||
	    CU_add_test(s, "limit exact, +1 overlong, clamping", test_limits) == NULL ||
	    CU_add_test(s, "many buffers", test_many_buffers) == NULL ||
	    CU_add_test(s, "read error", test_read_error) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
