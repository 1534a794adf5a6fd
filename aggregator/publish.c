/*
 * publish - the month's publication (publish.h): the report code run in
 * this process for the CSVs, arstat-plot spawned for the charts, then the
 * manifest, all in a hidden folder renamed into place.
 */
#define _GNU_SOURCE /* renameat2 and RENAME_NOREPLACE, pipe2 */
#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "atomicfile.h"
#include "csvout.h"
#include "digest.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "strutil.h"
#include "timeutil.h"

extern char **environ;

#define PUB_PATH_CAP 4096
#define PUB_TEXT_CAP (1024 * 1024)
/* Languages and encodings a list setting may name: each at most once. */
#define PUB_LIST_MAX 8
/* The folder holds charts-LANG/ and nothing deeper. */
#define PUB_DEPTH_MAX 2
/* Files in one folder at most; plot writes a few dozen per language. */
#define PUB_FILES_MAX 10000
#define PUB_VERSION_MAX 256

static const char *const pub_meta_files[] = { "README.txt", "MANIFEST.txt", "SHA256SUMS" };

/* ---- names ---- */

/* "YYYY-MM" of the month counted from year 0 (year * 12 + month - 1) into
 * buf (REPORT_MONTH_LEN bytes). 0, or -1 outside the years a report names. */
static int pub_month_text(int64_t months, char *buf, size_t size)
{
	if (months < (int64_t)REPORT_YEAR_MIN * 12 || months >= ((int64_t)REPORT_YEAR_MAX + 1) * 12)
		return -1;
	snprintf(buf, size, "%04d-%02d", (int)(months / 12) % 10000, (int)(months % 12) + 1);
	return 0;
}

int publish_month_resolve(const char *arg, int64_t now_ms, const char *tz,
                          struct report_month *out, struct strbuf *err)
{
	struct report_month cand;
	char text[16];
	int64_t y, months;
	unsigned m, d;
	int k;

	if (strcmp(arg, "previous") != 0)
		return report_month_init(out, arg, tz, err);
	time_civil_from_days(time_floor_div(now_ms, STORE_DAY_MS), &y, &m, &d);
	/* A zone's offset is less than a day, so its month is the UTC month or
	 * one of its neighbours: find the one holding now, take the one before. */
	for (k = -1; k <= 1; k++) {
		months = y * 12 + (int64_t)m - 1 + k;
		if (pub_month_text(months, text, sizeof(text)) < 0)
			continue;
		if (report_month_init(&cand, text, tz, err) < 0)
			return -1;
		if (cand.start_ms <= now_ms && now_ms < cand.end_ms) {
			if (pub_month_text(months - 1, text, sizeof(text)) < 0)
				break;
			return report_month_init(out, text, tz, err);
		}
	}
	strbuf_printf(err, "cannot find the month before the current one in time zone %s", tz);
	return -1;
}

void publish_folder_name(const char *month, unsigned rev, char *buf, size_t size)
{
	if (rev <= 1)
		snprintf(buf, size, "%s", month);
	else
		snprintf(buf, size, "%s.r%u", month, rev);
}

unsigned publish_folder_revision(const char *name, const char *month, char *month_out)
{
	unsigned rev = 0;
	int year, mon;
	size_t i;

	if (strnlen(name, TIME_MONTH_LEN) < TIME_MONTH_LEN ||
	    time_parse_month(name, TIME_MONTH_LEN, &year, &mon) < 0)
		return 0;
	if (month != NULL && strncmp(name, month, TIME_MONTH_LEN) != 0)
		return 0;
	if (month_out != NULL)
		str_copy(month_out, name, TIME_MONTH_LEN + 1);
	name += TIME_MONTH_LEN;
	if (*name == '\0')
		return 1;
	if (name[0] != '.' || name[1] != 'r' || name[2] < '1' || name[2] > '9')
		return 0;
	for (i = 2; name[i] != '\0'; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		rev = rev * 10 + (unsigned)(name[i] - '0');
		if (rev > PUBLISH_REVISION_MAX)
			return 0;
	}
	return rev >= 2 ? rev : 0;
}

int publish_is_partial(const char *name)
{
	static const char mid[] = ".partial-";
	int year, mon;
	size_t i;

	if (name[0] != '.' || strnlen(name + 1, TIME_MONTH_LEN) < TIME_MONTH_LEN ||
	    time_parse_month(name + 1, TIME_MONTH_LEN, &year, &mon) < 0)
		return 0;
	name += 1 + TIME_MONTH_LEN;
	if (strncmp(name, mid, sizeof(mid) - 1) != 0)
		return 0;
	name += sizeof(mid) - 1;
	if (*name == '\0')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
	}
	return 1;
}

/* ---- the file system ---- */

/* Remove the tree name in dirfd (not following links), at most depth
 * levels of directories. 0 or -1 with err. */
static int pub_remove_tree(int parent, const char *name, int depth, struct strbuf *err)
{
	struct dirent *de;
	struct stat sb;
	DIR *d = NULL;
	int fd, rc = -1;

	if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		strbuf_printf(err, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (unlinkat(parent, name, 0) < 0) {
			strbuf_printf(err, "%s: cannot remove: %s", name, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (depth <= 0) {
		strbuf_printf(err, "%s: nested deeper than a publication is", name);
		return -1;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		strbuf_printf(err, "%s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (pub_remove_tree(dirfd(d), de->d_name, depth - 1, err) < 0)
			goto out;
	}
	if (errno != 0) {
		strbuf_printf(err, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0) {
		strbuf_printf(err, "%s: cannot remove: %s", name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* fsync the directory path names in dirfd ("." for dirfd itself). 0 or -1. */
static int pub_sync_dir(int dirfd, const char *name, struct strbuf *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		strbuf_printf(err, "%s: fsync: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A file of a publication: its path in the folder, SHA-256 and size. */
struct pub_file {
	char *path;
	char sha[DIGEST_SHA256_LEN * 2 + 1];
	int64_t bytes;
};

struct pub_files {
	struct pub_file *v;
	size_t n, alloc;
};

static void pub_files_release(struct pub_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i].path);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int pub_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pub_file *)a)->path, ((const struct pub_file *)b)->path);
}

/* SHA-256 and size of the regular file path in rootfd. 0 or -1 with err. */
static int pub_hash_file(int rootfd, struct pub_file *f, struct strbuf *err)
{
	unsigned char buf[65536], md[DIGEST_SHA256_LEN];
	struct digest *d = NULL;
	ssize_t got;
	int fd, rc = -1;

	fd = openat(rootfd, f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		strbuf_printf(err, "%s: %s", f->path, strerror(errno));
		return -1;
	}
	d = digest_new();
	f->bytes = 0;
	for (;;) {
		got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			strbuf_printf(err, "%s: read: %s", f->path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		digest_update(d, buf, (size_t)got);
		f->bytes += got;
	}
	digest_final(d, md);
	str_hex(md, sizeof(md), f->sha);
	rc = 0;
out:
	digest_free(d);
	close(fd);
	return rc;
}

/* Add every regular file under dir (prefix: its path in the folder) to
 * files; anything but files and directories is refused. 0 or -1 with err. */
static int pub_walk(int rootfd, const char *dir, int depth, struct pub_files *files,
                    struct strbuf *err)
{
	struct strbuf path;
	struct dirent *de;
	struct stat sb;
	DIR *d = NULL;
	int fd, rc = -1;

	strbuf_init(&path, PUB_PATH_CAP);
	fd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		strbuf_printf(err, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		strbuf_reset(&path);
		if ((strcmp(dir, ".") == 0 ? strbuf_append_str(&path, de->d_name)
		                           : strbuf_printf(&path, "%s/%s", dir, de->d_name)) < 0 ||
		    fstatat(rootfd, path.data, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			strbuf_printf(err, "%s/%s: %s", dir, de->d_name,
			              path.len > 0 ? strerror(errno) : "path too long");
			goto out;
		}
		if (S_ISDIR(sb.st_mode) && depth > 1) {
			if (pub_walk(rootfd, path.data, depth - 1, files, err) < 0)
				goto out;
			continue;
		}
		if (!S_ISREG(sb.st_mode) || files->n == PUB_FILES_MAX) {
			strbuf_printf(err, "%s: not a regular file, or one file too many", path.data);
			goto out;
		}
		files->v = xgrow(files->v, files->n + 1, &files->alloc, sizeof(*files->v), 64);
		memset(&files->v[files->n], 0, sizeof(files->v[0]));
		files->v[files->n].path = xstrdup(path.data);
		files->n++;
		if (pub_hash_file(rootfd, &files->v[files->n - 1], err) < 0)
			goto out;
	}
	if (errno != 0) {
		strbuf_printf(err, "%s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	strbuf_release(&path);
	return rc;
}

/* Every file of the folder name in dirfd, sorted by path. 0 or -1 with err. */
static int pub_list(int dirfd, const char *name, struct pub_files *files, struct strbuf *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		strbuf_printf(err, "%s: %s", name, strerror(errno));
		return -1;
	}
	rc = pub_walk(fd, ".", PUB_DEPTH_MAX, files, err);
	close(fd);
	if (rc == 0)
		qsort(files->v, files->n, sizeof(*files->v), pub_file_cmp);
	return rc;
}

static int pub_is_meta(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(pub_meta_files) / sizeof(pub_meta_files[0]); i++) {
		if (strcmp(path, pub_meta_files[i]) == 0)
			return 1;
	}
	return 0;
}

/* Do a and b hold the same files with the same bytes, the files that
 * describe the others (README, manifest, sums) aside? */
static int pub_same_content(const struct pub_files *a, const struct pub_files *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->n && pub_is_meta(a->v[i].path))
			i++;
		while (j < b->n && pub_is_meta(b->v[j].path))
			j++;
		if (i == a->n || j == b->n)
			return i == a->n && j == b->n;
		if (strcmp(a->v[i].path, b->v[j].path) != 0 || strcmp(a->v[i].sha, b->v[j].sha) != 0)
			return 0;
		i++;
		j++;
	}
}

/* ---- writing the files ---- */

struct pub_ctx {
	const struct settings *s;
	const struct publish_request *rq;
	int dirfd;             /* DIR, locked */
	char partial[PUBLISH_NAME_LEN + 32];
	struct strbuf root;    /* DIR/.M.partial-PID */
	struct strbuf path;    /* scratch */
	struct report_month month;
	struct report_month *trend;
	size_t ntrend;
	char **encodings, **langs, **retired;
	char *encodings_copy, *langs_copy, *retired_copy;
	size_t nencodings, nlangs, nretired;
	struct store *st;
	struct store_state state;
	struct report *r;      /* the month */
	struct report *tr;     /* the trend months */
	int complete, early;
	struct strbuf missing; /* what report_period_missing says */
	char plot_version[PUB_VERSION_MAX];
	char gnuplot_version[PUB_VERSION_MAX]; /* the charts' bytes depend on it */
	const char *plot;      /* the program */
	char *plot_owned;
	int64_t data_end_ms;   /* the end of the data the month shows */
};

static const char *pub_path(struct pub_ctx *c, const char *name)
{
	strbuf_reset(&c->path);
	if (strbuf_printf(&c->path, "%s/%s", c->root.data, name) < 0)
		msg_fatal("publish: path too long: %s/%s", c->root.data, name);
	return c->path.data;
}

static int pub_write_csv(struct pub_ctx *c, const char *name, const struct csvout *csv,
                         enum csvout_encoding enc, struct strbuf *err)
{
	struct atomicfile *af;
	FILE *fp;
	int rc = -1;

	if (csvout_replaced(csv) > 0)
		msg_warn("publish: %s: %zu character(s) of text that were not valid UTF-8, were "
		         "control or bidirectional formatting characters, or have no %s encoding, "
		         "written as %s", name, csvout_replaced(csv), csvout_encoding_name(enc),
		         enc == CSVOUT_CP932 ? "\"?\"" : "U+FFFD");
	af = atomicfile_new(pub_path(c, name), 0666, err);
	if (af == NULL)
		return -1;
	fp = atomicfile_stream(af, err);
	if (fp == NULL || csvout_write(csv, fp, err) < 0 || atomicfile_commit(af, err) < 0)
		goto out;
	rc = 0;
out:
	atomicfile_free(af);
	return rc;
}

static int pub_write_text(struct pub_ctx *c, const char *name, const struct strbuf *text,
                          struct strbuf *err)
{
	if (text->len == 0 || text->len + 1 >= text->cap) {
		strbuf_printf(err, "%s: text too long", name);
		return -1;
	}
	return atomicfile_replace(pub_path(c, name), 0666, text->data, text->len, err);
}

/* The month's tidy CSVs, the coverage and the ministry layouts. */
static int pub_write_reports(struct pub_ctx *c, struct strbuf *err)
{
	static const struct {
		const char *name;
		void (*write)(const struct report *r, struct csvout *o);
	} tidy[] = {
		{ "methods", report_write_methods },
		{ "spam", report_write_spam },
		{ "coverage", report_write_coverage },
	};
	struct csvout *csv = NULL;
	char name[128];
	enum csvout_encoding enc;
	enum report_lang lang;
	size_t i, j;
	int rc = -1;

	for (i = 0; i < sizeof(tidy) / sizeof(tidy[0]); i++) {
		csvout_free(csv);
		csv = csvout_new(CSVOUT_UTF8);
		tidy[i].write(c->r, csv);
		snprintf(name, sizeof(name), "%s-%s.csv", tidy[i].name, c->month.text);
		if (pub_write_csv(c, name, csv, CSVOUT_UTF8, err) < 0)
			goto out;
	}
	for (i = 0; i < c->nlangs; i++) {
		if (report_lang_parse(c->langs[i], &lang) < 0)
			msg_panic("publish: language checked before");
		for (j = 0; j < c->nencodings; j++) {
			if (csvout_encoding_parse(c->encodings[j], &enc) < 0)
				msg_panic("publish: encoding checked before");
			csvout_free(csv);
			csv = csvout_new(enc);
			report_write_ministry(c->r, lang, csv);
			snprintf(name, sizeof(name), "ministry-%s-%s-%s.csv", c->month.text, c->langs[i],
			         csvout_encoding_name(enc));
			if (pub_write_csv(c, name, csv, enc, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	csvout_free(csv);
	return rc;
}

/* ---- arstat-plot ---- */

/* The program: plot_program, else arstat-plot beside this program, else
 * PATH's. */
static void pub_find_plot(struct pub_ctx *c)
{
	char self[PUB_PATH_CAP];
	ssize_t n;
	char *slash;

	if (c->s->plot_program != NULL && c->s->plot_program[0] != '\0') {
		c->plot = c->s->plot_program;
		return;
	}
	c->plot = "arstat-plot";
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - sizeof("arstat-plot"))
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return;
	str_copy(slash + 1, "arstat-plot", sizeof(self) - (size_t)(slash + 1 - self));
	if (access(self, X_OK) == 0) {
		c->plot_owned = xstrdup(self);
		c->plot = c->plot_owned;
	}
}

/*
 * Run prog (a path, or a name looked up in PATH) with argv (argv[0] its
 * name) and the environment plus SOURCE_DATE_EPOCH=sde (if not NULL); its
 * standard output into out (up to outsize - 1 bytes, NUL-terminated; NULL:
 * /dev/null), standard error ours. 0 if it exited 0, else -1 with err.
 */
static int pub_spawn(const char *prog, char *const argv[], const char *sde, char *out,
                     size_t outsize, struct strbuf *err)
{
	posix_spawn_file_actions_t fa;
	char **env = NULL, *sde_var = NULL;
	size_t n = 0, i, got = 0;
	int pipefd[2] = { -1, -1 }, status = 0, e, rc = -1, fa_init = 0;
	pid_t pid = -1;
	ssize_t r;

	for (i = 0; environ[i] != NULL; i++)
		;
	env = xcalloc(i + 2, sizeof(*env));
	for (i = 0; environ[i] != NULL; i++) {
		/* A SOURCE_DATE_EPOCH of the caller's would change the dashboard. */
		if (strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18) != 0)
			env[n++] = environ[i];
	}
	if (sde != NULL) {
		sde_var = xmalloc(strlen(sde) + 19);
		memcpy(sde_var, "SOURCE_DATE_EPOCH=", 18);
		memcpy(sde_var + 18, sde, strlen(sde) + 1);
		env[n++] = sde_var;
	}
	if (out != NULL && pipe2(pipefd, O_CLOEXEC) < 0) {
		strbuf_printf(err, "pipe: %s", strerror(errno));
		goto out;
	}
	e = posix_spawn_file_actions_init(&fa);
	if (e == 0) {
		fa_init = 1;
		e = out != NULL ? posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1)
		                : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	}
	if (e == 0)
		e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (e == 0)
		e = strchr(prog, '/') != NULL ? posix_spawn(&pid, prog, &fa, NULL, argv, env)
		                                 : posix_spawnp(&pid, prog, &fa, NULL, argv, env);
	if (e != 0) {
		strbuf_printf(err, "%s: cannot run: %s", prog, strerror(e));
		pid = -1;
		goto out;
	}
	if (out != NULL) {
		close(pipefd[1]);
		pipefd[1] = -1;
		for (;;) {
			char sink[256];

			r = got + 1 < outsize ? read(pipefd[0], out + got, outsize - 1 - got)
			                      : read(pipefd[0], sink, sizeof(sink));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (got + 1 < outsize)
				got += (size_t)r;
		}
		out[got] = '\0';
	}
	rc = 0;
out:
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				strbuf_printf(err, "%s: waitpid: %s", prog, strerror(errno));
				rc = -1;
				break;
			}
		}
		if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			if (WIFSIGNALED(status))
				strbuf_printf(err, "%s %s: killed by signal %d", prog, argv[1],
				              WTERMSIG(status));
			else
				strbuf_printf(err, "%s %s: exit status %d (its messages are above)", prog,
				              argv[1], WEXITSTATUS(status));
			rc = -1;
		}
	}
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(sde_var);
	free(env);
	return rc;
}

/* The first line of "prog --version" into buf, as printable ASCII: it goes
 * into the manifest. 0 or -1 with err. */
static int pub_version(const char *prog, char *buf, size_t size, struct strbuf *err)
{
	char *argv[] = { (char *)prog, (char *)"--version", NULL };
	size_t i;

	if (pub_spawn(prog, argv, NULL, buf, size, err) < 0)
		return -1;
	for (i = 0; buf[i] != '\0'; i++) {
		if (buf[i] == '\n') {
			buf[i] = '\0';
			break;
		}
		if (buf[i] < ' ' || buf[i] > '~')
			buf[i] = '?';
	}
	if (buf[0] == '\0') {
		strbuf_printf(err, "%s --version printed nothing", prog);
		return -1;
	}
	return 0;
}

/* charts-LANG/: the trend months' tidy CSVs, then arstat-plot over them. */
static int pub_write_charts(struct pub_ctx *c, struct strbuf *err)
{
	struct csvout *methods = csvout_new(CSVOUT_UTF8), *spam = csvout_new(CSVOUT_UTF8);
	char dir[64], name[96], input[PUB_PATH_CAP], spamin[PUB_PATH_CAP], outdir[PUB_PATH_CAP];
	char sde[32];
	size_t i;
	int rc = -1;

	report_write_methods(c->tr, methods);
	report_write_spam(c->tr, spam);
	snprintf(sde, sizeof(sde), "%lld", (long long)(c->data_end_ms / 1000));
	for (i = 0; i < c->nlangs; i++) {
		char *argv[] = { (char *)"arstat-plot", (char *)"--input", input, (char *)"--spam",
			         spamin, (char *)"--output-dir", outdir, (char *)"--lang", c->langs[i],
			         NULL };

		snprintf(dir, sizeof(dir), "charts-%s", c->langs[i]);
		if (mkdir(pub_path(c, dir), 0777) < 0) {
			strbuf_printf(err, "%s: %s", c->path.data, strerror(errno));
			goto out;
		}
		/* The dashboard links report.csv and spam.csv beside it. */
		snprintf(name, sizeof(name), "%s/report.csv", dir);
		if (pub_write_csv(c, name, methods, CSVOUT_UTF8, err) < 0)
			goto out;
		str_copy(input, c->path.data, sizeof(input));
		snprintf(name, sizeof(name), "%s/spam.csv", dir);
		if (pub_write_csv(c, name, spam, CSVOUT_UTF8, err) < 0)
			goto out;
		str_copy(spamin, c->path.data, sizeof(spamin));
		str_copy(outdir, pub_path(c, dir), sizeof(outdir));
		msg_debug("publish: drawing the charts in %s", outdir);
		if (pub_spawn(c->plot, argv, sde, NULL, 0, err) < 0)
			goto out;
	}
	rc = 0;
out:
	csvout_free(methods);
	csvout_free(spam);
	return rc;
}

/* ---- what the folder says about itself ---- */

static const char *pub_describe(const char *path)
{
	static const struct {
		const char *prefix, *suffix, *what;
	} kinds[] = {
		{ "methods-", ".csv", "tidy CSV: per method, the messages by result and their shares (UTF-8)" },
		{ "spam-", ".csv", "tidy CSV: messages, spam and the spam share (UTF-8)" },
		{ "coverage-", ".csv", "coverage CSV: each collector's windows expected, received and missing (UTF-8)" },
		{ "ministry-", "-ja-utf-8-bom.csv", "the ministry's layout in Japanese (UTF-8 with BOM)" },
		{ "ministry-", "-ja-cp932.csv", "the ministry's layout in Japanese (CP932)" },
		{ "ministry-", "-ja-utf-8.csv", "the ministry's layout in Japanese (UTF-8)" },
		{ "ministry-", "-en-utf-8-bom.csv", "the ministry's layout in English (UTF-8 with BOM)" },
		{ "ministry-", "-en-cp932.csv", "the ministry's layout in English (CP932)" },
		{ "ministry-", "-en-utf-8.csv", "the ministry's layout in English (UTF-8)" },
		{ "INCOMPLETE.txt", "", "why this month was published although not complete (--force)" },
		{ "README.txt", "", "what this folder is" },
		{ "MANIFEST.txt", "", "this manifest" },
		{ "charts-", "/index.html", "the dashboard of the trend months" },
		{ "charts-", "/report.csv", "tidy method CSV of the trend months, the charts' input" },
		{ "charts-", "/spam.csv", "tidy spam CSV of the trend months, the charts' input" },
		{ "charts-", ".png", "chart (PNG)" },
		{ "charts-", ".svg", "chart (SVG)" },
	};
	size_t i, len = strlen(path), pl, sl;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		pl = strlen(kinds[i].prefix);
		sl = strlen(kinds[i].suffix);
		if (len >= pl + sl && strncmp(path, kinds[i].prefix, pl) == 0 &&
		    strcmp(path + len - sl, kinds[i].suffix) == 0)
			return kinds[i].what;
	}
	return "file";
}

/* Text from the store or the settings, made one line of printable ASCII. */
static void pub_append_clean(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++)
		strbuf_append_byte(sb, (unsigned char)(*s >= ' ' && *s <= '~' ? *s : '?'));
}

/* Each line of text prefixed, for the manifest and INCOMPLETE.txt. */
static void pub_append_lines(struct strbuf *sb, const char *prefix, const char *text)
{
	const char *nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		strbuf_append_str(sb, prefix);
		strbuf_append(sb, text, nl != NULL ? (size_t)(nl - text) : strlen(text));
		strbuf_append_byte(sb, '\n');
		if (nl == NULL)
			break;
		text = nl + 1;
	}
}

static void pub_grace_end(const struct pub_ctx *c, char *buf, size_t size)
{
	time_format_utc(c->month.end_ms + c->s->publish_grace_days * STORE_DAY_MS, buf, size);
}

static int pub_write_incomplete(struct pub_ctx *c, struct strbuf *err)
{
	struct strbuf t;
	char when[32];
	int rc;

	strbuf_init(&t, PUB_TEXT_CAP);
	strbuf_printf(&t, "THIS PUBLICATION IS INCOMPLETE - この公表データは不完全です\n\n"
	              "%s was published with --force although:\n", c->month.text);
	if (!c->complete) {
		strbuf_printf(&t, "- the month is not complete; missing:\n");
		pub_append_lines(&t, "    ", c->missing.data);
	}
	if (c->early) {
		pub_grace_end(c, when, sizeof(when));
		strbuf_printf(&t, "- data for the month may still arrive until %s (%lld days after "
		              "its end)\n", when, (long long)c->s->publish_grace_days);
	}
	strbuf_printf(&t, "\nIts figures may be too low. The coverage CSV lists every gap. Once "
	              "the data is\ncomplete, publishing again makes a new revision beside this "
	              "folder\n(%s.r2, ...); this folder is never changed.\n\n"
	              "この月のデータは揃っていません（--force による公表）。数値は過小の可能性があります。\n"
	              "欠落は coverage CSV を参照してください。データが揃った後の公表は別の版として\n"
	              "このフォルダの隣に作られます。\n", c->month.text);
	rc = pub_write_text(c, "INCOMPLETE.txt", &t, err);
	strbuf_release(&t);
	return rc;
}

static int pub_write_readme(struct pub_ctx *c, unsigned rev, const char *supersedes,
                            struct strbuf *err)
{
	struct strbuf t;
	int rc;

	strbuf_init(&t, PUB_TEXT_CAP);
	strbuf_printf(&t, "arstat: email authentication statistics for %s (months cut in %s)\n"
	              "送信ドメイン認証の統計 %d年%d月\n\n", c->month.text, c->s->time_zone,
	              c->month.year, c->month.month);
	if (c->complete && !c->early)
		strbuf_printf(&t, "Status: complete.\n状態: データは揃っています。\n\n");
	else
		strbuf_printf(&t, "Status: INCOMPLETE, published with --force: see INCOMPLETE.txt.\n"
		              "状態: 不完全（--force による公表）。INCOMPLETE.txt を参照してください。\n\n");
	if (rev > 1)
		strbuf_printf(&t, "Revision %u: replaces %s, made from a store that has changed "
		              "since.\n第%u版（%s を改訂）。\n\n", rev, supersedes, rev, supersedes);
	strbuf_printf(&t, "MANIFEST.txt says what each file is, its SHA-256 and the state of the "
	              "store\nthe files were made from. Check the files with: sha256sum -c "
	              "SHA256SUMS\n各ファイルの説明と SHA-256 は MANIFEST.txt にあります。\n");
	rc = pub_write_text(c, "README.txt", &t, err);
	strbuf_release(&t);
	return rc;
}

/* The declarations the month's accounts and filter users came from (each
 * declaring carrier's latest, declare.h): their ids on one line, empty if
 * none, then one line each. */
static void pub_write_declarations(struct strbuf *t, const struct report_period *p)
{
	char when[32];
	size_t i, j;
	int dup;

	strbuf_printf(t, "# declaration: id carrier declared_at sha256 file (the latest of each "
	              "carrier for the month)\ndeclarations_used:");
	for (i = 0; i < p->ndeclarations; i++) {
		/* One declaration may hold several carriers' rows: its id once. */
		for (j = 0, dup = 0; j < i; j++)
			dup |= p->declarations[j].id == p->declarations[i].id;
		if (!dup)
			strbuf_printf(t, " %lld", (long long)p->declarations[i].id);
	}
	strbuf_append_str(t, "\n");
	for (i = 0; i < p->ndeclarations; i++) {
		const struct report_declaration *d = &p->declarations[i];

		time_format_utc(d->declared_ms, when, sizeof(when));
		strbuf_printf(t, "declaration: %lld ", (long long)d->id);
		pub_append_clean(t, d->carrier);
		strbuf_printf(t, " %s %s ", when, d->sha256);
		pub_append_clean(t, d->file);
		strbuf_append_str(t, "\n");
	}
}

static int pub_write_manifest(struct pub_ctx *c, unsigned rev, const struct pub_files *files,
                              struct strbuf *err)
{
	struct strbuf t;
	char a[32], b[32];
	size_t i;
	int rc;

	strbuf_init(&t, PUB_TEXT_CAP);
	strbuf_printf(&t, "# arstat publication manifest (arstat-aggregator publish)\n"
	              "format: 1\nmonth: %s\ntime_zone: ", c->month.text);
	pub_append_clean(&t, c->s->time_zone);
	time_format_utc(c->month.start_ms, a, sizeof(a));
	time_format_utc(c->month.end_ms, b, sizeof(b));
	strbuf_printf(&t, "\nperiod_utc: %s %s\nrevision: %u\n", a, b, rev);
	strbuf_printf(&t, "status: %s\n", c->complete && !c->early ? "complete" : "forced");
	if (!c->complete)
		pub_append_lines(&t, "forced.missing: ", c->missing.data);
	if (c->early) {
		pub_grace_end(c, a, sizeof(a));
		strbuf_printf(&t, "forced.early: data may still arrive until %s\n", a);
	}
	strbuf_printf(&t, "trend_months: %s %s\nmin_providers: %lld\n", c->trend[0].text,
	              c->trend[c->ntrend - 1].text, (long long)c->s->min_providers);
	strbuf_printf(&t, "store.records: %lld\nstore.dead_letters: %lld\n",
	              (long long)c->state.records, (long long)c->state.dead_letters);
	if (c->r->periods[0].coverage.horizon_ms != INT64_MIN) {
		time_format_utc(c->r->periods[0].coverage.horizon_ms, a, sizeof(a));
		strbuf_printf(&t, "store.data_until: %s\n", a);
	} else {
		strbuf_printf(&t, "store.data_until: none\n");
	}
	for (i = 0; i < c->state.npositions; i++) {
		strbuf_append_str(&t, "store.position: ");
		pub_append_clean(&t, c->state.positions[i].topic);
		strbuf_printf(&t, " %d %lld\n", (int)c->state.positions[i].partition,
		              (long long)c->state.positions[i].next_offset);
	}
	pub_write_declarations(&t, &c->r->periods[0]);
	strbuf_printf(&t, "program.arstat-aggregator: %s\nprogram.arstat-plot: ", c->rq->version);
	pub_append_clean(&t, c->plot_version);
	strbuf_append_str(&t, "\nprogram.gnuplot: ");
	pub_append_clean(&t, c->gnuplot_version);
	strbuf_printf(&t, "\nprogram.sqlite: %s\n", sqlite3_libversion());
	strbuf_printf(&t, "# file: sha256 bytes path description\n");
	for (i = 0; i < files->n; i++)
		strbuf_printf(&t, "file: %s %lld %s %s\n", files->v[i].sha, (long long)files->v[i].bytes,
		              files->v[i].path, pub_describe(files->v[i].path));
	rc = pub_write_text(c, "MANIFEST.txt", &t, err);
	strbuf_release(&t);
	return rc;
}

static int pub_write_sums(struct pub_ctx *c, const struct pub_files *files, struct strbuf *err)
{
	struct strbuf t;
	size_t i;
	int rc;

	strbuf_init(&t, PUB_TEXT_CAP);
	for (i = 0; i < files->n; i++)
		strbuf_printf(&t, "%s  %s\n", files->v[i].sha, files->v[i].path);
	rc = pub_write_text(c, "SHA256SUMS", &t, err);
	strbuf_release(&t);
	return rc;
}

/* ---- the run ---- */

/* The newest revision of month in DIR (0: none), and over every month the
 * newest folder into res. 0 or -1 with err. */
static int pub_scan(int dirfd, const char *month, unsigned *latest, struct publish_result *res,
                    struct strbuf *err)
{
	struct dirent *de;
	char m[REPORT_MONTH_LEN];
	unsigned rev;
	DIR *d;
	int fd = dup(dirfd);

	*latest = 0;
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || (d = fdopendir(fd)) == NULL) {
		strbuf_printf(err, "%s: %s", "publication directory", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		rev = publish_folder_revision(de->d_name, NULL, m);
		if (rev == 0)
			continue;
		if (month != NULL && strcmp(m, month) == 0 && rev > *latest)
			*latest = rev;
		if (strcmp(m, res->newest_month) > 0 ||
		    (strcmp(m, res->newest_month) == 0 && rev > res->newest_revision)) {
			str_copy(res->newest_month, m, sizeof(res->newest_month));
			res->newest_revision = rev;
		}
	}
	closedir(d);
	return 0;
}

/* Remove what runs killed part-way left behind. We hold the lock, so no
 * other run is building in them. */
static int pub_clean_partials(struct pub_ctx *c, struct strbuf *err)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(c->dirfd), rc = 0;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		strbuf_printf(err, "%s: %s", c->rq->out_dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!publish_is_partial(de->d_name))
			continue;
		msg_warn("publish: removing %s/%s, left by a run that did not finish", c->rq->out_dir,
		         de->d_name);
		if (pub_remove_tree(c->dirfd, de->d_name, PUB_DEPTH_MAX, err) < 0) {
			rc = -1;
			break;
		}
		/* The directory changed under readdir: start again. */
		rewinddir(d);
	}
	closedir(d);
	return rc;
}

static int pub_open_dir(struct pub_ctx *c, struct strbuf *err)
{
	if (mkdir(c->rq->out_dir, 0777) < 0 && errno != EEXIST) {
		strbuf_printf(err, "%s: cannot create: %s", c->rq->out_dir, strerror(errno));
		return -1;
	}
	c->dirfd = open(c->rq->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0) {
		strbuf_printf(err, "%s: %s", c->rq->out_dir, strerror(errno));
		return -1;
	}
	/* Two runs into one directory would each find the other's folder
	 * partial; the second is refused instead. The lock goes with the
	 * process, also when it is killed. */
	if (flock(c->dirfd, LOCK_EX | LOCK_NB) < 0) {
		strbuf_printf(err, "%s: %s", c->rq->out_dir,
		              errno == EWOULDBLOCK ? "another publish run is using it"
		                                   : strerror(errno));
		return -1;
	}
	return 0;
}

static int pub_check_lists(struct pub_ctx *c, struct strbuf *err)
{
	enum csvout_encoding enc;
	enum report_lang lang;
	size_t i;

	if (str_split_list(c->s->publish_encodings, PUB_LIST_MAX, &c->encodings_copy,
	                   &c->encodings, &c->nencodings) < 0 ||
	    str_split_list(c->s->publish_langs, PUB_LIST_MAX, &c->langs_copy, &c->langs,
	                   &c->nlangs) < 0 ||
	    str_split_list(c->s->retired_collectors, 100000, &c->retired_copy, &c->retired,
	                   &c->nretired) < 0) {
		strbuf_printf(err, "publish_encodings, publish_langs or retired_collectors: too many "
		              "items");
		return -1;
	}
	if (c->nencodings == 0 || c->nlangs == 0) {
		strbuf_printf(err, "publish_encodings and publish_langs must each name one at least");
		return -1;
	}
	for (i = 0; i < c->nencodings; i++) {
		if (csvout_encoding_parse(c->encodings[i], &enc) < 0) {
			strbuf_printf(err, "publish_encodings: \"%s\" is not utf-8, utf-8-bom or cp932",
			              c->encodings[i]);
			return -1;
		}
	}
	for (i = 0; i < c->nlangs; i++) {
		if (report_lang_parse(c->langs[i], &lang) < 0) {
			strbuf_printf(err, "publish_langs: \"%s\" is not en or ja", c->langs[i]);
			return -1;
		}
	}
	return 0;
}

/* The month's report, its completeness, and the trend months' report
 * (from the first of them with any data: empty years make no chart). */
static int pub_load(struct pub_ctx *c, struct strbuf *err)
{
	struct report_options opt;
	const struct report_period *p;
	char first[16];
	size_t i, skip = 0;
	int64_t months;

	memset(&opt, 0, sizeof(opt));
	opt.min_providers = c->s->min_providers;
	opt.time_zone = c->s->time_zone;
	c->r = report_new(&opt);
	report_add_period(c->r, &c->month);
	if (report_load(c->r, c->st, c->s->carriers, c->retired, c->nretired, err) < 0)
		return -1;
	p = &c->r->periods[0];
	c->complete = report_period_missing(p, &c->missing);
	c->early = c->rq->now_ms < c->month.end_ms + c->s->publish_grace_days * STORE_DAY_MS;
	c->data_end_ms = p->coverage.horizon_ms == INT64_MIN ? c->month.start_ms
	                 : p->coverage.horizon_ms < c->month.end_ms ? p->coverage.horizon_ms
	                                                            : c->month.end_ms;

	months = (int64_t)c->month.year * 12 + c->month.month - 1 - (c->s->publish_trend_months - 1);
	if (months < (int64_t)REPORT_YEAR_MIN * 12)
		months = (int64_t)REPORT_YEAR_MIN * 12;
	if (pub_month_text(months, first, sizeof(first)) < 0)
		str_copy(first, c->month.text, sizeof(first));
	if (report_month_range(first, c->month.text, c->s->time_zone, &c->trend, &c->ntrend, err) < 0)
		return -1;
	c->tr = report_new(&opt);
	for (i = 0; i < c->ntrend; i++)
		report_add_period(c->tr, &c->trend[i]);
	if (report_load(c->tr, c->st, c->s->carriers, c->retired, c->nretired, err) < 0)
		return -1;
	while (skip + 1 < c->tr->nperiods && c->tr->periods[skip].all.t.messages == 0 &&
	       c->tr->periods[skip].all.t.windows_expected == 0)
		skip++;
	if (skip == 0)
		return 0;
	memmove(c->trend, c->trend + skip, (c->ntrend - skip) * sizeof(*c->trend));
	c->ntrend -= skip;
	report_free(c->tr);
	c->tr = report_new(&opt);
	for (i = 0; i < c->ntrend; i++)
		report_add_period(c->tr, &c->trend[i]);
	return report_load(c->tr, c->st, c->s->carriers, c->retired, c->nretired, err);
}

/* Build the folder in c->partial; its files into files. */
static int pub_build(struct pub_ctx *c, struct pub_files *files, struct strbuf *err)
{
	if (mkdirat(c->dirfd, c->partial, 0777) < 0) {
		strbuf_printf(err, "%s/%s: %s", c->rq->out_dir, c->partial, strerror(errno));
		return -1;
	}
	if (pub_write_reports(c, err) < 0 || pub_write_charts(c, err) < 0)
		return -1;
	if ((!c->complete || c->early) && pub_write_incomplete(c, err) < 0)
		return -1;
	return pub_list(c->dirfd, c->partial, files, err);
}

static void pub_ctx_release(struct pub_ctx *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	strbuf_release(&c->root);
	strbuf_release(&c->path);
	strbuf_release(&c->missing);
	free(c->trend);
	free(c->encodings);
	free(c->langs);
	free(c->retired);
	free(c->encodings_copy);
	free(c->langs_copy);
	free(c->retired_copy);
	report_free(c->r);
	report_free(c->tr);
	store_state_release(&c->state);
	store_free(c->st);
	free(c->plot_owned);
}

int publish_run(const struct settings *s, const struct publish_request *rq,
                struct publish_result *res, struct strbuf *err)
{
	struct pub_ctx c;
	struct pub_files files, old;
	char name[PUBLISH_NAME_LEN], prev[PUBLISH_NAME_LEN], when[32], sub[PUB_PATH_CAP];
	unsigned latest = 0;
	size_t i;
	int rc = -1, built = 0;

	memset(&c, 0, sizeof(c));
	memset(&files, 0, sizeof(files));
	memset(&old, 0, sizeof(old));
	memset(res, 0, sizeof(*res));
	prev[0] = '\0';
	c.s = s;
	c.rq = rq;
	c.dirfd = -1;
	strbuf_init(&c.root, PUB_PATH_CAP);
	strbuf_init(&c.path, PUB_PATH_CAP);
	strbuf_init(&c.missing, 16384);
	if (publish_month_resolve(rq->month, rq->now_ms, s->time_zone, &c.month, err) < 0 ||
	    pub_check_lists(&c, err) < 0)
		goto out;
	str_copy(res->month, c.month.text, sizeof(res->month));
	if (pub_open_dir(&c, err) < 0 || pub_clean_partials(&c, err) < 0 ||
	    pub_scan(c.dirfd, c.month.text, &latest, res, err) < 0)
		goto out;
	c.st = store_new(s->db, STORE_EXISTING, err);
	if (c.st == NULL || store_state_read(c.st, &c.state, err) < 0 || pub_load(&c, err) < 0)
		goto out;
	if ((!c.complete || c.early) && !rq->force) {
		if (c.early) {
			pub_grace_end(&c, when, sizeof(when));
			strbuf_printf(err, "it may still receive data until %s (publish_grace_days = %lld)%s",
			              when, (long long)s->publish_grace_days, c.complete ? "" : ", and ");
		}
		strbuf_printf(err, "%s (--force publishes it marked incomplete)%s%s",
		              c.complete ? "" : "it is not complete", c.complete ? "" : "; missing:\n",
		              c.complete ? "" : c.missing.data);
		goto out;
	}
	res->forced = !c.complete || c.early;
	pub_find_plot(&c);
	/* arstat-plot runs the gnuplot PATH finds. */
	if (pub_version(c.plot, c.plot_version, sizeof(c.plot_version), err) < 0 ||
	    pub_version("gnuplot", c.gnuplot_version, sizeof(c.gnuplot_version), err) < 0)
		goto out;
	snprintf(c.partial, sizeof(c.partial), ".%s.partial-%ld", c.month.text, (long)getpid());
	if (strbuf_printf(&c.root, "%s/%s", rq->out_dir, c.partial) < 0) {
		strbuf_printf(err, "%s: path too long", rq->out_dir);
		goto out;
	}
	built = 1;
	if (pub_build(&c, &files, err) < 0)
		goto out;
	if (latest > 0) {
		publish_folder_name(c.month.text, latest, prev, sizeof(prev));
		if (pub_list(c.dirfd, prev, &old, err) < 0)
			goto out;
		if (pub_same_content(&files, &old)) {
			str_copy(res->folder, prev, sizeof(res->folder));
			res->revision = latest;
			res->unchanged = 1;
			res->files = old.n;
			rc = 0;
			goto out;
		}
	}
	if (latest >= PUBLISH_REVISION_MAX) {
		strbuf_printf(err, "%s: %u revisions already", c.month.text, latest);
		goto out;
	}
	publish_folder_name(c.month.text, latest + 1, name, sizeof(name));
	if (pub_write_readme(&c, latest + 1, prev, err) < 0)
		goto out;
	pub_files_release(&files);
	if (pub_list(c.dirfd, c.partial, &files, err) < 0 ||
	    pub_write_manifest(&c, latest + 1, &files, err) < 0)
		goto out;
	pub_files_release(&files);
	if (pub_list(c.dirfd, c.partial, &files, err) < 0 || pub_write_sums(&c, &files, err) < 0)
		goto out;
	/* Every file was synced as it was written (atomicfile); the folders
	 * themselves, then the rename, then DIR make the folder durable whole. */
	if (pub_sync_dir(c.dirfd, c.partial, err) < 0)
		goto out;
	for (i = 0; i < c.nlangs; i++) {
		snprintf(sub, sizeof(sub), "%s/charts-%s", c.partial, c.langs[i]);
		if (pub_sync_dir(c.dirfd, sub, err) < 0)
			goto out;
	}
	/* Never over a folder: one that exists now was not made by us. */
	if (renameat2(c.dirfd, c.partial, c.dirfd, name, RENAME_NOREPLACE) < 0) {
		strbuf_printf(err, "%s/%s: %s", rq->out_dir, name, strerror(errno));
		goto out;
	}
	built = 0;
	if (pub_sync_dir(c.dirfd, ".", err) < 0)
		goto out;
	str_copy(res->folder, name, sizeof(res->folder));
	res->revision = latest + 1;
	res->files = files.n + 1;
	if (strcmp(c.month.text, res->newest_month) > 0 ||
	    (strcmp(c.month.text, res->newest_month) == 0 && res->revision > res->newest_revision)) {
		str_copy(res->newest_month, c.month.text, sizeof(res->newest_month));
		res->newest_revision = res->revision;
	}
	rc = 0;
out:
	if (built && c.dirfd >= 0) {
		struct strbuf rmerr;

		strbuf_init(&rmerr, 1024);
		if (pub_remove_tree(c.dirfd, c.partial, PUB_DEPTH_MAX, &rmerr) < 0)
			msg_warn("publish: %s (the next run removes it)", rmerr.data);
		strbuf_release(&rmerr);
	}
	pub_files_release(&files);
	pub_files_release(&old);
	pub_ctx_release(&c);
	return rc;
}

int publish_write_metrics(const struct settings *s, int64_t now_ms, int ok,
                          const struct publish_result *res, struct strbuf *err)
{
	struct strbuf t;
	int year = 0, month = 0, rc;

	if (s->publish_metrics_file == NULL || s->publish_metrics_file[0] == '\0')
		return 0;
	if (res->newest_month[0] != '\0' &&
	    time_parse_month(res->newest_month, strlen(res->newest_month), &year, &month) < 0)
		year = month = 0;
	strbuf_init(&t, 8192);
	strbuf_printf(&t,
	              "# HELP arstat_publish_last_run_timestamp_seconds When the last publish run ended.\n"
	              "# TYPE arstat_publish_last_run_timestamp_seconds gauge\n"
	              "arstat_publish_last_run_timestamp_seconds %lld\n"
	              "# HELP arstat_publish_last_run_success 1 if the last publish run succeeded.\n"
	              "# TYPE arstat_publish_last_run_success gauge\n"
	              "arstat_publish_last_run_success %d\n"
	              "# HELP arstat_publish_last_run_forced 1 if it published an incomplete month (--force).\n"
	              "# TYPE arstat_publish_last_run_forced gauge\n"
	              "arstat_publish_last_run_forced %d\n"
	              "# HELP arstat_publish_last_published_month The newest month published, as YYYYMM (0: none).\n"
	              "# TYPE arstat_publish_last_published_month gauge\n"
	              "arstat_publish_last_published_month %d\n"
	              "# HELP arstat_publish_last_published_revision Revision of that month's newest folder.\n"
	              "# TYPE arstat_publish_last_published_revision gauge\n"
	              "arstat_publish_last_published_revision %u\n",
	              (long long)(now_ms / 1000), ok ? 1 : 0, ok && res->forced ? 1 : 0,
	              year * 100 + month, res->newest_revision);
	/* 0644 whatever the unit's UMask=0027: the node exporter reads it. */
	rc = atomicfile_replace_public(s->publish_metrics_file, t.data, t.len, err);
	strbuf_release(&t);
	return rc;
}
