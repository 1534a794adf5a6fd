#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "mem.h"

/* Longer paths than the kernel takes are refused before any file is made. */
#define ATOMICFILE_PATH_CAP 4096
/* Tries at taking the temporary file while others rename or replace it. */
#define ATOMICFILE_TRIES 16

struct atomicfile {
	struct strbuf path; /* the target */
	struct strbuf tmp;  /* DIR/.NAME.tmp */
	struct strbuf dir;  /* DIR, to fsync after the rename */
	int fd;             /* the temporary file, -1 once closed */
	FILE *fp;           /* a stream on fd, if asked for */
	int created;        /* the temporary file is ours (locked) to remove */
	int committed;
};

/*
 * Open af->tmp and make it ours: created if absent (mode, under the umask),
 * never through a link, only a regular file, locked (flock) so that no
 * other writer uses it at once, and still the file the name points to once
 * locked (a writer that held it before may have renamed it into place). A
 * stale file that a killed writer left is unlocked: taken and emptied.
 * 0, or -1 with err.
 */
static int atomicfile_take(struct atomicfile *af, mode_t mode, struct strbuf *err)
{
	struct stat held, named;
	int tries;

	for (tries = 0; tries < ATOMICFILE_TRIES; tries++) {
		/* O_NONBLOCK: a FIFO planted there fails instead of blocking. */
		af->fd = open(af->tmp.data, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		              mode);
		if (af->fd < 0 && errno == ELOOP) {
			/* A link is never followed; it goes, and the name is ours. */
			if (unlink(af->tmp.data) < 0 && errno != ENOENT)
				break;
			continue;
		}
		if (af->fd < 0)
			break;
		if (flock(af->fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK)
				strbuf_printf(err, "cannot write %s: another process is writing it",
				              af->path.data);
			else
				strbuf_printf(err, "cannot lock %s: %s", af->tmp.data, strerror(errno));
			return -1;
		}
		if (fstat(af->fd, &held) < 0)
			break;
		if (!S_ISREG(held.st_mode)) {
			strbuf_printf(err, "cannot create %s: not a regular file", af->tmp.data);
			return -1;
		}
		if (lstat(af->tmp.data, &named) == 0 && named.st_dev == held.st_dev &&
		    named.st_ino == held.st_ino) {
			af->created = 1;
			if (ftruncate(af->fd, 0) < 0 ||
			    fcntl(af->fd, F_SETFL, fcntl(af->fd, F_GETFL) & ~O_NONBLOCK) < 0)
				break;
			return 0;
		}
		/* Renamed or removed by its last owner between our open and our
		 * lock: open the name again. */
		close(af->fd);
		af->fd = -1;
	}
	if (tries == ATOMICFILE_TRIES)
		strbuf_printf(err, "cannot create %s: it keeps changing", af->tmp.data);
	else
		strbuf_printf(err, "cannot create %s: %s", af->tmp.data, strerror(errno));
	return -1;
}

struct atomicfile *atomicfile_new(const char *path, mode_t mode, struct strbuf *err)
{
	struct atomicfile *af = xcalloc(1, sizeof(*af));
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dirlen = slash != NULL ? (size_t)(slash - path) : 0;
	int ok = 0;

	af->fd = -1;
	strbuf_init(&af->path, ATOMICFILE_PATH_CAP);
	strbuf_init(&af->tmp, ATOMICFILE_PATH_CAP);
	strbuf_init(&af->dir, ATOMICFILE_PATH_CAP);
	if (base[0] == '\0') {
		strbuf_printf(err, "%s: not a file name", path);
		goto out;
	}
	/* "/x" lives in "/", "x" in ".". */
	if (slash == NULL ? strbuf_append_str(&af->dir, ".") < 0
	                  : strbuf_append(&af->dir, dirlen > 0 ? path : "/", dirlen > 0 ? dirlen : 1) < 0)
		goto toolong;
	if (strbuf_append_str(&af->path, path) < 0 ||
	    strbuf_printf(&af->tmp, "%.*s.%s.tmp", (int)(base - path), path, base) < 0)
		goto toolong;
	if (atomicfile_take(af, mode, err) < 0)
		goto out;
	ok = 1;
	goto out;
toolong:
	strbuf_printf(err, "%s: path too long", path);
out:
	if (!ok) {
		atomicfile_free(af);
		af = NULL;
	}
	return af;
}

int atomicfile_write(struct atomicfile *af, const void *data, size_t len, struct strbuf *err)
{
	if (af->fp != NULL && fflush(af->fp) != 0) {
		strbuf_printf(err, "cannot write %s: %s", af->tmp.data, strerror(errno));
		return -1;
	}
	if (fdio_write_all(af->fd, data, len) < 0) {
		strbuf_printf(err, "cannot write %s: %s", af->tmp.data, strerror(errno));
		return -1;
	}
	return 0;
}

FILE *atomicfile_stream(struct atomicfile *af, struct strbuf *err)
{
	if (af->fp == NULL) {
		af->fp = fdopen(af->fd, "w");
		if (af->fp == NULL)
			strbuf_printf(err, "cannot write %s: %s", af->tmp.data, strerror(errno));
	}
	return af->fp;
}

int atomicfile_fd(const struct atomicfile *af)
{
	return af->fd;
}

/* Close the temporary file (the stream, if any, with it). 0 or -1 (errno). */
static int atomicfile_close(struct atomicfile *af)
{
	int rc;

	if (af->fp != NULL) {
		rc = fclose(af->fp);
		af->fp = NULL;
	} else {
		rc = af->fd >= 0 ? close(af->fd) : 0;
	}
	/* Both release the descriptor even when they fail. */
	af->fd = -1;
	return rc;
}

int atomicfile_commit(struct atomicfile *af, struct strbuf *err)
{
	int dfd = -1, rc = -1;

	if (af->fp != NULL && (fflush(af->fp) != 0 || ferror(af->fp))) {
		strbuf_printf(err, "cannot write %s: %s", af->tmp.data, strerror(errno));
		goto out;
	}
	if (fsync(af->fd) < 0) {
		strbuf_printf(err, "cannot write %s: %s", af->tmp.data, strerror(errno));
		goto out;
	}
	/* Renamed while still locked: a writer waiting for the lock then finds
	 * the name no longer points to this file and takes a new one. */
	if (rename(af->tmp.data, af->path.data) < 0) {
		strbuf_printf(err, "cannot rename %s to %s: %s", af->tmp.data, af->path.data,
		              strerror(errno));
		goto out;
	}
	af->committed = 1;
	if (atomicfile_close(af) < 0) {
		strbuf_printf(err, "cannot write %s: %s", af->path.data, strerror(errno));
		goto out;
	}
	/* The new file is in place; the directory's fsync makes the rename
	 * survive a power loss, so its failure is reported all the same. */
	dfd = open(af->dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		strbuf_printf(err, "cannot sync directory %s: %s", af->dir.data, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

void atomicfile_free(struct atomicfile *af)
{
	if (af == NULL)
		return;
	/* A half-written temporary file would only hold on to space that a
	 * full disk needs back; the target is untouched. Removed while still
	 * locked, so no other writer is using it. */
	if (af->created && !af->committed)
		unlink(af->tmp.data);
	atomicfile_close(af);
	strbuf_release(&af->path);
	strbuf_release(&af->tmp);
	strbuf_release(&af->dir);
	free(af);
}

/* atomicfile_replace, the mode set exactly (fchmod) if exact. */
static int atomicfile_replace_mode(const char *path, mode_t mode, int exact, const void *data,
                                   size_t len, struct strbuf *err)
{
	struct atomicfile *af = atomicfile_new(path, mode, err);
	int rc = -1;

	if (af == NULL)
		goto out;
	if (exact && fchmod(atomicfile_fd(af), mode) < 0) {
		strbuf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (atomicfile_write(af, data, len, err) < 0 || atomicfile_commit(af, err) < 0)
		goto out;
	rc = 0;
out:
	atomicfile_free(af);
	return rc;
}

int atomicfile_replace(const char *path, mode_t mode, const void *data, size_t len,
                       struct strbuf *err)
{
	return atomicfile_replace_mode(path, mode, 0, data, len, err);
}

int atomicfile_replace_public(const char *path, const void *data, size_t len, struct strbuf *err)
{
	/* The mode set, not asked for: a service's umask (0077, 0027) would
	 * otherwise keep the reader out. */
	return atomicfile_replace_mode(path, 0644, 1, data, len, err);
}
