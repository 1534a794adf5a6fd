#include "gnuplot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "mem.h"
#include "strbuf.h"

extern char **environ;

/* What we keep of gnuplot's stderr: enough for its first few errors. */
#define GNUPLOT_STDERR_MAX 4096
#define GNUPLOT_PATH_CAP 8192
/* How often a running gnuplot is checked for exit, timeout and interruption. */
#define GNUPLOT_POLL_NS (10 * 1000 * 1000L)

struct gnuplot {
	char *dir;
	char *program;
	unsigned timeout_sec;
	int keep_temp;
	volatile sig_atomic_t *stop;
};

int gnuplot_quote(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	if (strbuf_append_byte(out, '\'') < 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		int rc;

		if (ch == '\'')
			rc = strbuf_append(out, "''", 2);
		else if (ch < 0x20 || ch == 0x7f)
			rc = strbuf_append_byte(out, ' ');
		else
			rc = strbuf_append_byte(out, ch);
		if (rc < 0)
			return -1;
	}
	return strbuf_append_byte(out, '\'');
}

int gnuplot_quote_str(struct strbuf *out, const char *s)
{
	return gnuplot_quote(out, s, strlen(s));
}

struct gnuplot *gnuplot_new(const struct gnuplot_opts *opts, struct strbuf *err)
{
	struct gnuplot *g = NULL;
	const char *tmp = getenv("TMPDIR");
	struct strbuf tmpl;

	/* A relative or empty TMPDIR would put our files wherever we run. */
	if (opts->timeout_sec < GNUPLOT_TIMEOUT_MIN || opts->timeout_sec > GNUPLOT_TIMEOUT_MAX)
		msg_panic("gnuplot_new: timeout %u out of bounds", opts->timeout_sec);
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	strbuf_init(&tmpl, GNUPLOT_PATH_CAP);
	if (strbuf_printf(&tmpl, "%s/arstat-plot.XXXXXX", tmp) < 0) {
		strbuf_printf(err, "temporary directory path too long: %s", tmp);
		goto out;
	}
	if (mkdtemp(tmpl.data) == NULL) {
		strbuf_printf(err, "cannot create a temporary directory in %s: %s", tmp, strerror(errno));
		goto out;
	}
	g = xcalloc(1, sizeof(*g));
	g->dir = xstrdup(tmpl.data);
	g->program = xstrdup(opts->program != NULL ? opts->program : "gnuplot");
	g->timeout_sec = opts->timeout_sec;
	g->keep_temp = opts->keep_temp;
	g->stop = opts->stop;
out:
	strbuf_release(&tmpl);
	return g;
}

void gnuplot_free(struct gnuplot *g)
{
	DIR *d;
	struct dirent *de;

	if (g == NULL)
		return;
	if (g->keep_temp) {
		msg_info("temporary files kept in %s", g->dir);
		goto out;
	}
	/* The directory is ours alone (mkdtemp), so whatever is in it is ours
	 * to remove, including anything gnuplot left there. */
	d = opendir(g->dir);
	if (d == NULL) {
		msg_warn("cannot open %s to clean it up: %s", g->dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			msg_warn("cannot remove %s/%s: %s", g->dir, de->d_name, strerror(errno));
	}
	closedir(d);
	if (rmdir(g->dir) < 0)
		msg_warn("cannot remove %s: %s", g->dir, strerror(errno));
out:
	free(g->dir);
	free(g->program);
	free(g);
}

const char *gnuplot_dir(const struct gnuplot *g)
{
	return g->dir;
}

/* Create dir/prefixXXXXXX; returns the open fd (close-on-exec) and *path. */
static int gnuplot_temp_open(struct gnuplot *g, const char *prefix, char **path,
                             struct strbuf *err)
{
	struct strbuf p;
	int fd = -1;

	if (strchr(prefix, '/') != NULL)
		msg_panic("gnuplot_temp_open: prefix with a slash");
	strbuf_init(&p, GNUPLOT_PATH_CAP);
	if (strbuf_printf(&p, "%s/%sXXXXXX", g->dir, prefix) < 0) {
		strbuf_printf(err, "temporary file path too long in %s", g->dir);
		goto out;
	}
	/* mkostemp would be one call, but it is a GNU extension; we start no
	 * process between these two calls, so close-on-exec is set in time. */
	fd = mkstemp(p.data);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fd < 0) {
		strbuf_printf(err, "cannot create a temporary file in %s: %s", g->dir, strerror(errno));
		goto out;
	}
	*path = xstrdup(p.data);
out:
	strbuf_release(&p);
	return fd;
}

int gnuplot_temp_file(struct gnuplot *g, const char *prefix, const void *data, size_t len,
                      char **path, struct strbuf *err)
{
	char *p = NULL;
	int fd, rc = -1;

	fd = gnuplot_temp_open(g, prefix, &p, err);
	if (fd < 0)
		goto out;
	if (fdio_write_all(fd, data, len) < 0) {
		strbuf_printf(err, "cannot write %s: %s", p, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		strbuf_printf(err, "cannot write %s: %s", p, strerror(errno));
		goto out;
	}
	*path = p;
	p = NULL;
out:
	if (fd >= 0)
		close(fd);
	/* The file itself goes with the directory in gnuplot_free. */
	free(p);
	return rc;
}

/* Append gnuplot's stderr (from fd) to sb, one line per `sep`, with control
 * characters other than the line ends made visible as '?'. */
static void gnuplot_stderr_text(int fd, struct strbuf *sb, const char *sep)
{
	char buf[GNUPLOT_STDERR_MAX];
	ssize_t n;
	size_t i, start = 0, end;

	n = pread(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return;
	end = (size_t)n;
	for (i = 0; i < end; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n' || ch == '\r')
			continue;
		if (ch < 0x20 || ch == 0x7f)
			buf[i] = '?';
	}
	/* Leading and trailing blank lines say nothing. */
	while (start < end && (buf[start] == '\n' || buf[start] == '\r'))
		start++;
	while (end > start && (buf[end - 1] == '\n' || buf[end - 1] == '\r'))
		end--;
	for (i = start; i < end; i++) {
		if (buf[i] == '\r')
			continue;
		if (buf[i] == '\n')
			strbuf_append_str(sb, sep);
		else
			strbuf_append_byte(sb, (unsigned char)buf[i]);
	}
}

static int64_t gnuplot_elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return ((int64_t)b->tv_sec - (int64_t)a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void gnuplot_kill(pid_t pid, int *status)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

int gnuplot_run(struct gnuplot *g, const char *script, size_t len, struct strbuf *err)
{
	static char opt_default_settings[] = "-d";
	posix_spawn_file_actions_t fa;
	int fa_ready = 0, errfd = -1, status = 0, rc = -1, e;
	char *script_path = NULL, *err_path = NULL;
	char *argv[4];
	struct timespec t0, now;
	pid_t pid;

	if (gnuplot_temp_file(g, "script.gp.", script, len, &script_path, err) < 0)
		goto out;
	errfd = gnuplot_temp_open(g, "stderr.", &err_path, err);
	if (errfd < 0)
		goto out;
	e = posix_spawn_file_actions_init(&fa);
	if (e != 0) {
		strbuf_printf(err, "posix_spawn_file_actions_init: %s", strerror(e));
		goto out;
	}
	fa_ready = 1;
	e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (e == 0)
		e = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* dup2 clears close-on-exec on the copy, so only fd 2 reaches gnuplot. */
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	if (e != 0) {
		strbuf_printf(err, "posix_spawn_file_actions: %s", strerror(e));
		goto out;
	}
	argv[0] = g->program;
	argv[1] = opt_default_settings; /* no ~/.gnuplot or gnuplotrc */
	argv[2] = script_path;
	argv[3] = NULL;
	e = posix_spawnp(&pid, g->program, &fa, NULL, argv, environ);
	if (e != 0) {
		strbuf_printf(err, "cannot run %s: %s", g->program, strerror(e));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec nap = { 0, GNUPLOT_POLL_NS };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			strbuf_printf(err, "waiting for %s: %s", g->program, strerror(errno));
			goto out;
		}
		if (g->stop != NULL && *g->stop) {
			gnuplot_kill(pid, &status);
			strbuf_printf(err, "%s interrupted", g->program);
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (gnuplot_elapsed_ms(&t0, &now) >= (int64_t)g->timeout_sec * 1000) {
			gnuplot_kill(pid, &status);
			strbuf_printf(err, "%s killed after %u s (the time limit)", g->program, g->timeout_sec);
			goto out;
		}
		nanosleep(&nap, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		struct strbuf warn;

		/* Warnings (an empty data set, a missing font) go on, as ours. */
		strbuf_init(&warn, GNUPLOT_STDERR_MAX * 2);
		gnuplot_stderr_text(errfd, &warn, " | ");
		if (warn.len > 0)
			msg_warn("%s: %s", g->program, warn.data);
		strbuf_release(&warn);
		rc = 0;
		goto out;
	}
	if (WIFEXITED(status))
		strbuf_printf(err, "%s exited with status %d", g->program, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		strbuf_printf(err, "%s killed by signal %d", g->program, WTERMSIG(status));
	else
		strbuf_printf(err, "%s ended with wait status %d", g->program, status);
	strbuf_append_str(err, ": ");
	gnuplot_stderr_text(errfd, err, " | ");
out:
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	if (errfd >= 0)
		close(errfd);
	/* Each run's script and stderr go now so that many charts do not pile
	 * up files; anything missed goes with the directory in gnuplot_free. */
	if (!g->keep_temp && script_path != NULL)
		unlink(script_path);
	if (!g->keep_temp && err_path != NULL)
		unlink(err_path);
	free(script_path);
	free(err_path);
	return rc;
}
