#include "tail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "digest.h"
#include "log.h"
#include "mem.h"

/* Rotated files older than the one to resume in are not read; how many
 * siblings of a log we look at is bounded all the same. */
#define TAIL_MAX_SIBLINGS 100000

struct tail_file {
	char *path;
	int fd;
	gzFile gz;   /* non-NULL for a compressed rotated file */
	int live;    /* the configured path itself (it may still grow) */
	uint64_t dev, ino;
	struct linereader *lr;
	/* The file's first bytes as read, for its fingerprint: kept in memory
	 * because after a copytruncate the file no longer holds them. */
	unsigned char head[TAIL_FP_BYTES];
	uint32_t head_len;
};

struct tail {
	char *path;
	size_t max_line;
	struct tail_file cur;
	int rotated;  /* cur was the live file and has been renamed away */
	int was_eof;  /* the last tail_next found nothing: check the file before reading on */
	uint32_t prev_fp_len; /* fingerprint of the file read before cur */
	unsigned char prev_fp[TAIL_FP_HASH];
	unsigned refused_type; /* S_IFMT of what the last file_open refused, 0 if none */
	struct tail_stats stats;
};

static long gz_read(void *ctx, void *buf, size_t len)
{
	int n;

	if (len > (1u << 30))
		len = 1u << 30;
	n = gzread((gzFile)ctx, buf, (unsigned)len);
	if (n < 0) {
		errno = EIO;
		return -1;
	}
	return n;
}

static int is_gz_name(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

static void file_close(struct tail_file *f)
{
	linereader_free(f->lr);
	f->lr = NULL;
	if (f->gz != NULL)
		gzclose(f->gz); /* closes the fd too */
	else if (f->fd >= 0)
		close(f->fd);
	f->gz = NULL;
	f->fd = -1;
	free(f->path);
	f->path = NULL;
}

/*
 * The first `want` bytes of the open file fd, through a description of its
 * own (so the reading position of fd does not move). Returns how many.
 */
static size_t read_head_fd(int fd, int gz, unsigned char *buf, size_t want)
{
	size_t got = 0;

	if (gz) {
		char self[64];
		gzFile g;
		int n, own;

		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		own = open(self, O_RDONLY | O_CLOEXEC);
		if (own < 0)
			return 0;
		g = gzdopen(own, "rb");
		if (g == NULL) {
			close(own);
			return 0;
		}
		while (got < want && (n = gzread(g, buf + got, (unsigned)(want - got))) > 0)
			got += (size_t)n;
		gzclose(g);
		return got;
	}
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, (off_t)got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* The first `want` bytes of the file named path; how many were there. */
static size_t read_head(const char *path, unsigned char *buf, size_t want)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got;

	if (fd < 0)
		return 0;
	got = read_head_fd(fd, is_gz_name(path), buf, want);
	close(fd);
	return got;
}

static int head_changed(const struct tail_file *f);

/*
 * read(2) on a live file, then a look at its first bytes: copytruncate may
 * empty the file and the writer fill it again while we are in the middle of
 * it, and a read at our old offset would then return the new content as if
 * it were the rest of the old. A chunk read while the head is still the one
 * we know is the old content (the head only changes by a truncation); if it
 * is not, the chunk is dropped and -1/ESTALE tells tail_next to find the
 * rest in the copy (follow_truncation).
 */
static long live_read(void *ctx, void *buf, size_t len)
{
	struct tail_file *f = ctx;
	ssize_t n = read(f->fd, buf, len);

	if (n > 0 && head_changed(f)) {
		errno = ESTALE;
		return -1;
	}
	return (long)n;
}

/* Open path for reading at uncompressed offset; 0 or -1 with errno. */
static int file_open(struct tail *t, struct tail_file *f, const char *path, uint64_t offset,
                     int live)
{
	struct stat st;
	int fd, flags;

	/* Only a regular file is a log: a directory reads as EISDIR forever, a
	 * FIFO blocks in open() until a writer comes (and our signal handlers
	 * do not interrupt it), a device may do anything. So the type is looked
	 * at by name first, then on what was opened, without blocking, since
	 * the name may have been replaced in between. */
	t->refused_type = 0;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		t->refused_type = (unsigned)(st.st_mode & S_IFMT);
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		t->refused_type = (unsigned)(st.st_mode & S_IFMT);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	msg_debug("tail: open %s at %llu (inode %llu)", path, (unsigned long long)offset,
	          (unsigned long long)st.st_ino);
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->path = xstrdup(path);
	f->live = live;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	/* From the descriptor, not the name: the name may already be another
	 * file's. Taken now even at offset 0, so that the file can be told
	 * apart from whatever is written over it (copytruncate) before we read. */
	f->head_len = (uint32_t)read_head_fd(fd, is_gz_name(path), f->head,
	                                     offset > 0 && offset < TAIL_FP_BYTES ? (size_t)offset
	                                                                          : TAIL_FP_BYTES);
	if (is_gz_name(path)) {
		char skip[8192];
		uint64_t left = offset;

		f->gz = gzdopen(fd, "rb");
		if (f->gz == NULL) {
			close(fd);
			f->fd = -1;
			errno = ENOMEM;
			return -1;
		}
		/* A gzip stream cannot seek: read up to the offset. */
		while (left > 0) {
			int n = gzread(f->gz, skip, left < sizeof(skip) ? (unsigned)left : sizeof(skip));

			if (n <= 0)
				break;
			left -= (uint64_t)n;
		}
		f->lr = linereader_new_source(gz_read, f->gz, t->max_line);
		linereader_set_offset(f->lr, offset - left);
	} else {
		if (offset > 0 && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
			close(fd);
			f->fd = -1;
			return -1;
		}
		/* The live file is read through a check of its head: see
		 * live_read. Rotated files are not written any more. */
		f->lr = live ? linereader_new_source(live_read, f, t->max_line)
		             : linereader_new(fd, t->max_line);
		linereader_set_offset(f->lr, offset);
	}
	return 0;
}

/* Fingerprint of the first `want` bytes of path; -1 if it has fewer. */
static int fingerprint_path(const char *path, uint32_t want, unsigned char out[TAIL_FP_HASH])
{
	unsigned char buf[TAIL_FP_BYTES], digest[DIGEST_SHA256_LEN];

	if (want > TAIL_FP_BYTES || read_head(path, buf, want) != want)
		return -1;
	digest_sha256(buf, want, digest);
	memcpy(out, digest, TAIL_FP_HASH);
	return 0;
}

static int fingerprint_matches(const char *path, const struct tail_pos *pos)
{
	unsigned char fp[TAIL_FP_HASH];

	return fingerprint_path(path, pos->fp_len, fp) == 0 &&
	       memcmp(fp, pos->fp, TAIL_FP_HASH) == 0;
}

/*
 * file_open, then check that what was opened starts with the bytes whose
 * hash is (fp_len, fp): between listing a directory and opening a name,
 * logrotate may have given the name to another file. -1 with errno ESTALE
 * if it did (look again).
 */
static int file_open_expect(struct tail *t, struct tail_file *f, const char *path,
                            uint64_t offset, uint32_t fp_len, const unsigned char *fp, int live)
{
	unsigned char buf[TAIL_FP_BYTES], digest[DIGEST_SHA256_LEN];

	if (file_open(t, f, path, offset, live) < 0)
		return -1;
	if (fp_len == 0)
		return 0;
	if (read_head_fd(f->fd, f->gz != NULL, buf, fp_len) == fp_len) {
		digest_sha256(buf, fp_len, digest);
		if (memcmp(digest, fp, TAIL_FP_HASH) == 0)
			return 0;
	}
	file_close(f);
	errno = ESTALE;
	return -1;
}

/* Times a directory is listed again when a name changed under us. */
#define TAIL_RETRIES 8

struct sibling {
	char *path;
	uint64_t dev, ino; /* as listed: a name may move to another file after */
	uint64_t size;
	struct timespec mtime;
	long number; /* N of NAME.N or NAME.N.gz (logrotate's numbering), else -1 */
};

static int sibling_cmp(const void *a, const void *b)
{
	const struct sibling *x = a, *y = b;

	/* Numbered rotations: a higher number is older, whatever the times say
	 * (compressing a file may give it a new time). */
	if (x->number >= 0 && y->number >= 0 && x->number != y->number)
		return x->number > y->number ? -1 : 1;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	/* Same time: logrotate's higher numbers are older. */
	return -strcmp(x->path, y->path);
}

/* ".N" or ".N.gz" gives N; anything else -1. */
static long rotation_number(const char *suffix)
{
	long n = 0;
	int digits = 0;

	if (*suffix++ != '.')
		return -1;
	while (*suffix >= '0' && *suffix <= '9' && digits < 9) {
		n = n * 10 + (*suffix++ - '0');
		digits++;
	}
	if (digits == 0 || (*suffix != '\0' && strcmp(suffix, ".gz") != 0))
		return -1;
	return n;
}

/*
 * Rotated siblings of the live path: "NAME.1", "NAME.2.gz", "NAME-20261122",
 * "NAME-20261122.gz", oldest first. Returns how many (at most the cap).
 */
static size_t siblings_list(const char *path, struct sibling **out)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base), n = 0;
	struct sibling *v = NULL;
	struct dirent *de;
	DIR *d = opendir(dir[0] ? dir : "/");

	*out = NULL;
	if (d == NULL)
		goto out;
	while ((de = readdir(d)) != NULL && n < TAIL_MAX_SIBLINGS) {
		struct stat st;
		struct strbuf p;

		if (strncmp(de->d_name, base, blen) != 0 ||
		    (de->d_name[blen] != '.' && de->d_name[blen] != '-') || de->d_name[blen + 1] == '\0')
			continue;
		strbuf_init(&p, 4096);
		if (strbuf_printf(&p, "%s/%s", dir, de->d_name) < 0 || stat(p.data, &st) < 0 ||
		    !S_ISREG(st.st_mode)) {
			strbuf_release(&p);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].path = p.data; /* taken over from the strbuf */
		v[n].dev = (uint64_t)st.st_dev;
		v[n].ino = (uint64_t)st.st_ino;
		v[n].size = (uint64_t)st.st_size;
		v[n].mtime = st.st_mtim;
		v[n].number = rotation_number(de->d_name + blen);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), sibling_cmp);
	*out = v;
out:
	free(dir);
	return n;
}

static void siblings_free(struct sibling *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

struct tail *tail_new(const char *path, size_t max_line)
{
	struct tail *t = xcalloc(1, sizeof(*t));

	t->path = xstrdup(path);
	t->max_line = max_line;
	t->cur.fd = -1;
	return t;
}

void tail_free(struct tail *t)
{
	if (t == NULL)
		return;
	file_close(&t->cur);
	free(t->path);
	free(t);
}

/*
 * Which file holds the content whose first bytes hash to (fp_len, fp)? The
 * newest rotated sibling that matches (a copytruncate copy shares its start
 * with the original), found afresh each time: names move while we read.
 * Returns its index in v, or -1.
 */
static long sibling_find(struct sibling *v, size_t n, uint32_t fp_len,
                         const unsigned char fp[TAIL_FP_HASH])
{
	struct tail_pos pos;
	size_t i;

	if (fp_len == 0)
		return -1;
	memset(&pos, 0, sizeof(pos));
	pos.fp_len = fp_len;
	memcpy(pos.fp, fp, TAIL_FP_HASH);
	for (i = n; i-- > 0;) {
		if (fingerprint_matches(v[i].path, &pos))
			return (long)i;
	}
	return -1;
}

/* Two listings name the same files, with the same sizes, in the same order. */
static int siblings_same(const struct sibling *a, size_t na, const struct sibling *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		if (a[i].ino != b[i].ino || a[i].dev != b[i].dev || a[i].size != b[i].size ||
		    strcmp(a[i].path, b[i].path) != 0)
			return 0;
	}
	return 1;
}

/* Times a lookup is tried again while the directory keeps changing, and the
 * pause between tries: logrotate renames a whole chain of NAME.N files and
 * compresses one, which takes milliseconds to a second. */
#define TAIL_STABLE_TRIES 100
#define TAIL_STABLE_PAUSE_MS 10

/*
 * sibling_find on a listing that held still while we looked. readdir() may
 * miss a file renamed during the listing, or show it twice, and a name read
 * after the listing may already be another file's; so the answer stands only
 * if a second listing, taken after the fingerprints were read, is the same
 * as the first. If the directory never holds still, the last answer is
 * taken. Returns the index in *out (the caller frees it) or -1.
 */
static long sibling_lookup(const char *path, uint32_t fp_len, const unsigned char fp[TAIL_FP_HASH],
                           struct sibling **out, size_t *nout)
{
	struct sibling *v = NULL, *w;
	size_t n = 0, m;
	long i = -1;
	int attempt;

	for (attempt = 0; attempt < TAIL_STABLE_TRIES; attempt++) {
		struct timespec pause = { 0, TAIL_STABLE_PAUSE_MS * 1000000L };
		int same;

		n = siblings_list(path, &v);
		i = sibling_find(v, n, fp_len, fp);
		m = siblings_list(path, &w);
		same = siblings_same(v, n, w, m);
		siblings_free(w, m);
		if (same)
			break;
		if (attempt + 1 < TAIL_STABLE_TRIES) {
			siblings_free(v, n);
			v = NULL;
			n = 0;
			nanosleep(&pause, NULL);
		}
	}
	*out = v;
	*nout = n;
	return i;
}

/* The first bytes of a listed file, read only if its name still leads to
 * the file listed; -1 if the name moved on (look again). */
static long sibling_head(const struct sibling *s, unsigned char *buf, size_t want)
{
	struct stat st;
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);
	size_t got;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != s->ino || (uint64_t)st.st_dev != s->dev) {
		close(fd);
		return -1;
	}
	got = read_head_fd(fd, is_gz_name(s->path), buf, want);
	close(fd);
	return (long)got;
}

static void head_fp(const struct tail_file *f, uint32_t *len, unsigned char fp[TAIL_FP_HASH])
{
	unsigned char digest[DIGEST_SHA256_LEN];

	*len = f->head_len;
	digest_sha256(f->head, f->head_len, digest);
	memcpy(fp, digest, TAIL_FP_HASH);
}

/*
 * Open the file that follows the one whose head is (fp_len, fp): the next
 * newer rotated sibling, else the live file from its start. 0, or -1 if
 * not even the live file can be opened now.
 */
static int open_successor(struct tail *t, uint32_t fp_len, const unsigned char fp[TAIL_FP_HASH])
{
	int attempt;

	for (attempt = 0; attempt < TAIL_RETRIES; attempt++) {
		struct sibling *v;
		size_t n;
		long i = sibling_lookup(t->path, fp_len, fp, &v, &n);
		int rc;

		if (i >= 0 && (size_t)i + 1 < n) {
			size_t j = (size_t)i + 1, k;
			unsigned char head[TAIL_FP_BYTES], other[TAIL_FP_BYTES], digest[DIGEST_SHA256_LEN];
			long hl;

			/* An empty rotated file (logrotate's default "ifempty" rotates a
			 * quiet log) has nothing to read and no fingerprint: pass over
			 * it to the next newer one. */
			while ((hl = sibling_head(&v[j], head, sizeof(head))) == 0 && j + 1 < n)
				j++;
			if (hl < 0) {
				/* Renamed or removed as we looked: look again. */
				siblings_free(v, n);
				continue;
			}
			if (hl == 0) {
				/* Only empty files after it: the live file follows. */
				siblings_free(v, n);
				return file_open(t, &t->cur, t->path, 0, 1);
			}

			/* The same content may be there twice while logrotate compresses
			 * it (NAME.1 and a growing NAME.2.gz): take the newest copy,
			 * which is the complete one. */
			for (k = n - 1; k > j; k--) {
				if (read_head(v[k].path, other, (size_t)hl) == (size_t)hl &&
				    memcmp(head, other, (size_t)hl) == 0) {
					j = k;
					break;
				}
			}
			digest_sha256(head, (size_t)hl, digest);
			rc = file_open_expect(t, &t->cur, v[j].path, 0, (uint32_t)hl, digest, 0);
			/* The head was read by name after the listing: make sure the file
			 * opened is the one listed, not one that took its name since. */
			if (rc == 0 && (t->cur.ino != v[j].ino || t->cur.dev != v[j].dev)) {
				file_close(&t->cur);
				rc = -1;
			}
			siblings_free(v, n);
			if (rc == 0)
				return 0;
			continue; /* renamed or removed under us: look again */
		}
		siblings_free(v, n);
		if (i < 0) {
			if (fp_len > 0) {
				t->stats.positions_lost++;
				msg_warn("%s: the file read last is no longer among the rotated files; going "
				         "on with the current file (files rotated in between are not read)",
				         t->path);
			}
			return file_open(t, &t->cur, t->path, 0, 1);
		}
		/* It is the newest rotated file: the live one follows, unless a
		 * rotation slipped in between; then look again. */
		if (file_open(t, &t->cur, t->path, 0, 1) < 0)
			return -1;
		i = sibling_lookup(t->path, fp_len, fp, &v, &n);
		siblings_free(v, n);
		if (i >= 0 && (size_t)i + 1 == n)
			return 0;
		file_close(&t->cur);
	}
	return file_open(t, &t->cur, t->path, 0, 1);
}

static const char *file_type_name(unsigned type)
{
	switch (type) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "of another type";
	}
}

/* Why the last file_open failed, into err; errno is kept for the caller. */
static void open_error(const struct tail *t, struct strbuf *err)
{
	int e = errno;

	if (t->refused_type != 0)
		strbuf_printf(err, "not a regular file (%s)", file_type_name(t->refused_type));
	else
		strbuf_printf(err, "%s", strerror(e));
	errno = e;
}

int tail_open(struct tail *t, const struct tail_pos *resume, int at_end, struct strbuf *err)
{
	struct stat st;
	uint64_t offset = 0;

	file_close(&t->cur);
	t->rotated = 0;
	t->was_eof = 0;
	if (resume != NULL && resume->fp_len == 0 && resume->prev_fp_len == 0 && resume->ino != 0) {
		struct stat lst;
		struct sibling *v;
		size_t n, i;
		int rc = -1, same;

		/* Saved while the file was still empty, with nothing before it:
		 * read on from the oldest rotated file written since, if any. If
		 * it is no longer the live file it was renamed (allow for file
		 * systems with one-second times); if it still is, a copytruncate
		 * may have copied what was written since, so only files written
		 * after the save count. */
		same = stat(t->path, &lst) == 0 && (uint64_t)lst.st_ino == resume->ino &&
		       (uint64_t)lst.st_dev == resume->dev;
		n = siblings_list(t->path, &v);
		for (i = 0; i < n && rc < 0; i++) {
			int64_t m = (int64_t)v[i].mtime.tv_sec * 1000 + v[i].mtime.tv_nsec / 1000000;

			if (v[i].size > 0 && m + (same ? 0 : 1000) >= resume->when_ms)
				rc = file_open(t, &t->cur, v[i].path, 0, 0);
		}
		siblings_free(v, n);
		if (rc == 0)
			return 0;
	}
	if (resume != NULL && resume->fp_len == 0 && resume->prev_fp_len > 0) {
		t->prev_fp_len = resume->prev_fp_len;
		memcpy(t->prev_fp, resume->prev_fp, TAIL_FP_HASH);
		/* Saved at the start of a still empty file, after another: go on
		 * with whatever follows that other one now. Not decided by the
		 * live file's inode: a copytruncate keeps the inode while the
		 * content written since has moved to a copy. open_successor opens
		 * the live file from its start if nothing was rotated since. */
		if (open_successor(t, resume->prev_fp_len, resume->prev_fp) == 0)
			return 0;
	}
	if (resume != NULL && resume->fp_len > 0) {
		/* The live file itself, checked on what was opened: it may be
		 * rotated between a look at its name and the open. */
		if (file_open_expect(t, &t->cur, t->path, resume->offset, resume->fp_len, resume->fp,
		                     1) == 0) {
			if (fstat(t->cur.fd, &st) == 0 && (uint64_t)st.st_size >= resume->offset)
				return 0;
			file_close(&t->cur);
		}
		{
			int attempt, rc = -1;

			for (attempt = 0; attempt < TAIL_RETRIES && rc < 0; attempt++) {
				struct sibling *v;
				size_t n;
				long i = sibling_lookup(t->path, resume->fp_len, resume->fp, &v, &n);

				rc = i >= 0 ? file_open_expect(t, &t->cur, v[i].path, resume->offset,
				                               resume->fp_len, resume->fp, 0)
				            : -1;
				siblings_free(v, n);
				if (i < 0)
					break;
			}
			if (rc == 0) {
				t->stats.resumed_rotated++;
				return 0;
			}
			t->stats.positions_lost++;
			msg_warn("%s: the file of the saved position is gone (rotated away and deleted?); "
			         "reading from the start of the current file", t->path);
		}
	}
	if (file_open(t, &t->cur, t->path, offset, 1) < 0) {
		open_error(t, err);
		return -1;
	}
	if (resume == NULL && at_end && fstat(t->cur.fd, &st) == 0) {
		file_close(&t->cur);
		if (file_open(t, &t->cur, t->path, (uint64_t)st.st_size, 1) < 0) {
			open_error(t, err);
			return -1;
		}
	}
	return 0;
}

static void follow_truncation(struct tail *t);

enum lr_status tail_next(struct tail *t, const char **line, size_t *len)
{
	/* Whatever came after an end of file may be a new file written over the
	 * old one (copytruncate): look before reading it at the old offset. */
	if (t->was_eof) {
		t->was_eof = 0;
		tail_poll(t);
	}
	for (;;) {
		enum lr_status st;

		if (t->cur.lr == NULL) {
			t->was_eof = 1;
			return LR_EOF;
		}
		st = linereader_next(t->cur.lr, line, len);
		if (st == LR_ERROR && errno == ESTALE && t->cur.live) {
			/* Truncated under us (live_read): on in the copy. */
			follow_truncation(t);
			continue;
		}
		if (st == LR_LINE && t->cur.head_len < TAIL_FP_BYTES) {
			uint64_t start = linereader_offset(t->cur.lr) - *len - 1;
			size_t n;

			if (start == t->cur.head_len) {
				/* The line and its newline continue the head. */
				n = TAIL_FP_BYTES - t->cur.head_len;
				if (n > *len)
					n = *len;
				memcpy(t->cur.head + t->cur.head_len, *line, n);
				t->cur.head_len += (uint32_t)n;
				if (t->cur.head_len < TAIL_FP_BYTES && n == *len)
					t->cur.head[t->cur.head_len++] = '\n';
			}
		}
		if (st == LR_OVERLONG && t->cur.head_len < TAIL_FP_BYTES) {
			/* Skipped bytes never reached us: take the head from the file. */
			t->cur.head_len = (uint32_t)read_head(t->cur.path, t->cur.head, TAIL_FP_BYTES);
		}
		if (st != LR_EOF)
			return st;
		if (t->cur.live && !t->rotated) {
			t->was_eof = 1;
			return LR_EOF;
		}
		/* A rotated file is complete: move on to the one after it. */
		if (linereader_pending(t->cur.lr) > 0)
			msg_warn("%s: rotated file ends in %zu bytes without a newline; skipped",
			         t->cur.path, linereader_pending(t->cur.lr));
		{
			uint32_t fl;
			unsigned char fp[TAIL_FP_HASH];

			head_fp(&t->cur, &fl, fp);
			file_close(&t->cur);
			t->rotated = 0;
			if (fl == 0 && t->prev_fp_len > 0) {
				/* An empty file has no fingerprint to be found by: what
				 * follows it also follows the file before it, once the
				 * empty ones between are passed over. */
				fl = t->prev_fp_len;
				memcpy(fp, t->prev_fp, TAIL_FP_HASH);
			} else {
				t->prev_fp_len = fl;
				memcpy(t->prev_fp, fp, TAIL_FP_HASH);
			}
			if (open_successor(t, fl, fp) < 0) {
				/* Renamed away and not created again yet: wait for it. */
				t->cur.fd = -1;
				t->was_eof = 1;
				return LR_EOF;
			}
		}
	}
}

/* The file we read (by its descriptor, whatever its name is now) no longer
 * starts with the bytes we read: it was truncated and written again faster
 * than its size could show it. */
static int head_changed(const struct tail_file *f)
{
	unsigned char buf[TAIL_FP_BYTES];
	size_t got = 0;

	if (f->head_len == 0 || f->gz != NULL || f->fd < 0)
		return 0;
	while (got < f->head_len) {
		ssize_t n = pread(f->fd, buf + got, f->head_len - got, (off_t)got);

		if (n <= 0)
			return 1;
		got += (size_t)n;
	}
	return memcmp(buf, f->head, f->head_len) != 0;
}

/*
 * The live file we hold was truncated in place (copytruncate), maybe also
 * renamed since. Its old content is in a copy, found by the head we kept:
 * what we had not read yet is read there, then whatever came after it.
 */
static void follow_truncation(struct tail *t)
{
	struct tail_pos pos;
	struct sibling *v;
	size_t n;
	long i;
	int attempt;

	t->stats.truncations++;
	tail_position(t, &pos);
	file_close(&t->cur);
	for (attempt = 0; attempt < TAIL_RETRIES; attempt++) {
		int rc;

		i = sibling_lookup(t->path, pos.fp_len, pos.fp, &v, &n);
		rc = i >= 0 ? file_open_expect(t, &t->cur, v[i].path, pos.offset, pos.fp_len, pos.fp, 0)
		            : -1;
		siblings_free(v, n);
		if (rc == 0)
			return;
		if (i < 0)
			break;
	}
	t->stats.positions_lost++;
	msg_warn("%s: truncated, and no copy of it found; reading it from the start", t->path);
	if (file_open(t, &t->cur, t->path, 0, 1) < 0)
		t->cur.fd = -1;
}

int tail_poll(struct tail *t)
{
	struct stat st, fst;
	uint64_t off;

	if (t->cur.lr == NULL) {
		/* Waiting for the live file to appear. */
		if (file_open(t, &t->cur, t->path, 0, 1) == 0)
			return 1;
		t->cur.fd = -1;
		return 0;
	}
	if (!t->cur.live || t->rotated)
		return 1;
	/* First the file we hold: truncated in place (copytruncate), maybe also
	 * renamed since. Its old content is in a copy; what we had not read yet
	 * is read there, then whatever came after it. */
	off = linereader_offset(t->cur.lr) + linereader_pending(t->cur.lr);
	if (fstat(t->cur.fd, &fst) == 0 && ((uint64_t)fst.st_size < off || head_changed(&t->cur))) {
		follow_truncation(t);
		return 1;
	}
	if (stat(t->path, &st) < 0)
		return 0; /* renamed away, not created again yet: keep reading the old one */
	if ((uint64_t)st.st_dev != t->cur.dev || (uint64_t)st.st_ino != t->cur.ino) {
		/* Rename-and-create: finish the old file, then what came after it. */
		t->rotated = 1;
		t->stats.rotations++;
		return 1;
	}
	return 0;
}

void tail_position(struct tail *t, struct tail_pos *pos)
{
	struct timespec now;

	memset(pos, 0, sizeof(*pos));
	clock_gettime(CLOCK_REALTIME, &now);
	pos->when_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	pos->prev_fp_len = t->prev_fp_len;
	memcpy(pos->prev_fp, t->prev_fp, TAIL_FP_HASH);
	if (t->cur.lr == NULL)
		return;
	pos->dev = t->cur.dev;
	pos->ino = t->cur.ino;
	pos->offset = linereader_offset(t->cur.lr);
	pos->prev_fp_len = t->prev_fp_len;
	memcpy(pos->prev_fp, t->prev_fp, TAIL_FP_HASH);
	pos->fp_len = pos->offset < TAIL_FP_BYTES ? (uint32_t)pos->offset : TAIL_FP_BYTES;
	if (pos->offset == 0 || pos->fp_len > t->cur.head_len)
		pos->fp_len = t->cur.head_len;
	if (pos->offset == 0 && pos->fp_len == 0 && t->cur.fd >= 0 && t->cur.gz == NULL) {
		/* Nothing read yet: the file is still known by what it starts with,
		 * so that it is found again if it is rotated before we read it. */
		unsigned char buf[TAIL_FP_BYTES], digest[DIGEST_SHA256_LEN];
		size_t got = read_head_fd(t->cur.fd, 0, buf, sizeof(buf));

		if (got > 0) {
			digest_sha256(buf, got, digest);
			memcpy(pos->fp, digest, TAIL_FP_HASH);
			pos->fp_len = (uint32_t)got;
		}
		return;
	}
	if (pos->fp_len > 0) {
		unsigned char digest[DIGEST_SHA256_LEN];

		digest_sha256(t->cur.head, pos->fp_len, digest);
		memcpy(pos->fp, digest, TAIL_FP_HASH);
	}
}

uint64_t tail_lag_bytes(const struct tail *t)
{
	struct stat st;

	if (t->cur.lr == NULL || t->cur.gz != NULL || stat(t->path, &st) < 0)
		return 0;
	if (t->cur.live && !t->rotated)
		return (uint64_t)st.st_size > linereader_offset(t->cur.lr)
		               ? (uint64_t)st.st_size - linereader_offset(t->cur.lr)
		               : 0;
	/* Still in a rotated file: all of the live one is ahead. */
	return (uint64_t)st.st_size;
}

const struct tail_stats *tail_stats(const struct tail *t)
{
	return &t->stats;
}

const char *tail_path(const struct tail *t)
{
	return t->path;
}
